"""Shared test fixtures: stores (in memory, on disk and on real triplestore servers) and
the fixture files.

Kept small and generic on purpose; test modules add their own fixtures next to them.
The remote store is tested against real servers on 127.0.0.1, started on first use and
stopped at the end of the session (:class:`Triplestores`): ``oxigraph serve`` from the
PyPI package ``oxigraph`` (a test dependency) and Virtuoso Open Source from Debian
(``scripts/ensure-virtuoso.sh``, run by ``make test``).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mag_graph.store import GraphStore, RemoteStore, Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Helper modules of the tests (serve_process, workbench_server) are imported by name.
if str(FIXTURES.parent) not in sys.path:
    sys.path.insert(0, str(FIXTURES.parent))
# The browser of the page tests: Debian's Chromium (scripts/ensure-chromium.sh), driven by
# Playwright with executable_path; Playwright never downloads a browser of its own.
CHROMIUM = os.environ.get("MAG_GRAPH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require(module: str) -> Any:
    """A package the server and browser tests need: missing is a failure on CI (the test
    command installs it), a skip on a developer's machine that has not installed it yet."""
    try:
        return importlib.import_module(module)
    except ImportError:
        message = f"{module} is not installed (pip install playwright waitress)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _missing(message: str) -> None:
    """Something a test needs is not installed: a failure on CI, a skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


# Modules with long tests that cannot be split (one JVM run, a browser audit of many
# pages, a server killed and restarted...), run first. ``--dist worksteal`` gives each
# process a contiguous share of the collection (a third with ``make test``'s ``-n 3``)
# and an idle process takes half of what another has not started, from its end: a long
# test at the end of a share would run alone while the other processes wait. So the long
# modules are dealt round-robin to the fronts of the shares, each share filled up after
# them with the other modules in collection order; the tail left for balancing is short
# tests. Only the order of modules changes; every test still runs.
LONG_MODULES_FIRST = (
    "test_jena_agreement.py",
    "test_axe.py",
    "test_crash_recovery.py",
    "test_jsonld.py",
    "test_working_copies_browser.py",
    "test_visibility.py",
    "test_fuzz.py",
    "test_mixed_load.py",
    "test_security.py",
    "test_checking_sheets.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules of :data:`LONG_MODULES_FIRST` at the front of each xdist process's
    share, dealt in that order; the others after them as collected (the same order in
    every xdist process, as it must be: it depends only on the collection and the number
    of processes)."""
    rank = {name: n for n, name in enumerate(LONG_MODULES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        items[:] = _dealt(items, workers, rank)


def _dealt(items: list[pytest.Item], workers: int, rank: dict[str, int]) -> list[pytest.Item]:
    """``items`` as ``workers`` contiguous shares of the sizes worksteal's first
    distribution gives (the rest divided by the processes left), each starting with every
    ``workers``-th long module; unchanged when a share's long modules would not fit."""
    sizes, left = [], len(items)
    for remaining in range(workers, 0, -1):
        sizes.append(left // remaining)
        left -= sizes[-1]
    shares: list[list[pytest.Item]] = [[] for _ in range(workers)]
    for item in items:
        if item.path.name in rank:
            shares[rank[item.path.name] % workers].append(item)
    if any(len(share) > size for share, size in zip(shares, sizes)):
        return items
    others = iter(item for item in items if item.path.name not in rank)
    for share, size in zip(shares, sizes):
        share.extend(next(others) for _ in range(size - len(share)))
    return [item for share in shares for item in share]


@pytest.fixture(scope="session")
def require() -> Callable[[str], Any]:
    """The function that imports a package the server and browser tests need (a failure
    on CI when it is missing, a skip elsewhere)."""
    return _require


@pytest.fixture(scope="session")
def _chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, started once per test process (each xdist worker);
    the modules get a context of their own from it (:func:`browser_context`)."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM}; run scripts/ensure-chromium.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    sync_api = _require("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser_context(_chromium: Any) -> Iterator[Any]:
    """A fresh browser context for one test module (no cookies, storage or cache of
    another module), with a Dutch locale, in the process's one Chromium."""
    context = _chromium.new_context(locale="nl-NL", viewport={"width": 1366, "height": 900})
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def browser_page(browser_context: Any) -> Iterator[Any]:
    """A fresh tab in the module's browser."""
    tab = browser_context.new_page()
    tab.set_default_timeout(20_000)
    try:
        yield tab
    finally:
        tab.close()


# axe-core (npm, tools/axe, scripts/ensure-axe.sh), injected into the page under test. The
# WCAG 2.0/2.1 A and AA rules, WCAG 2.2 AA's ``target-size``, and two best-practice rules
# on landmarks (content outside every landmark, exactly one main).
AXE_SCRIPT = Path(__file__).resolve().parent.parent / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_LANDMARK_RULES = ["landmark-one-main", "region"]
AXE_RUN = """async ([tags, extra]) => {
  const rules = axe.getRules(tags).map(rule => rule.ruleId).concat(extra);
  const result = await axe.run(document, {runOnly: {type: 'rule', values: rules}, resultTypes: ['violations']});
  return {rules: rules.length, violations: result.violations.map(v => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => [n.target.join(' '), (n.failureSummary || '').replace(/\\s+/g, ' ')])}))};
}"""


@pytest.fixture(scope="session")
def axe() -> Callable[[Any], list[dict[str, Any]]]:
    """The function that runs axe-core on a Playwright tab's page and gives what must not
    be there: the critical and serious violations of the WCAG rules, and any violation of
    the landmark rules; an empty list for a page without them."""
    if not AXE_SCRIPT.is_file():
        _missing(f"axe-core is not installed at {AXE_SCRIPT}; run scripts/ensure-axe.sh")
    script = AXE_SCRIPT.read_text(encoding="utf-8")

    def audit(tab: Any) -> list[dict[str, Any]]:
        if not tab.evaluate("() => typeof window.axe === 'object'"):
            tab.add_script_tag(content=script)
        found = tab.evaluate(AXE_RUN, [AXE_TAGS, AXE_LANDMARK_RULES])
        assert found["rules"] > 50, found["rules"]  # the rule set really ran
        return [v for v in found["violations"]
                if v["impact"] in ("critical", "serious") or v["rule"] in AXE_LANDMARK_RULES]

    return audit


@pytest.fixture
def fixtures_dir() -> Path:
    """The folder with the small RDF files (valid and broken) the tests load."""
    return FIXTURES


@pytest.fixture
def memory_store() -> Iterator[Store]:
    """An empty in-memory store."""
    store = Store.open(":memory:")
    yield store
    store.close()


@pytest.fixture
def disk_store(tmp_path: Path) -> Iterator[Store]:
    """An empty on-disk store in a temporary directory (closed after the test)."""
    store = Store.open(tmp_path / "store")
    yield store
    store.close()


@pytest.fixture
def quad_snapshot() -> Callable[[Store], list[str]]:
    """A function giving a store's exact content as sorted N-Quads lines, to prove a
    failed operation changed nothing (blank node labels included)."""

    def snapshot(store: Store) -> list[str]:
        data = store.export(format="nquads") or b""
        lines = [line for line in data.decode("utf-8").splitlines() if line.strip()]
        lines += [f"GRAPH {graph.n3()}" for graph in store.graphs()]  # empty graphs too
        return sorted(lines)

    return snapshot


# --------------------------------------------------------------------------- OpenAPI


@pytest.fixture(autouse=True)
def _answers_are_documented() -> Iterator[None]:
    """Every answer a test sees from a documented ``/api/v1`` route (in this process:
    test clients and threaded servers) has a status its OpenAPI operation lists, so the
    document and the routes cannot drift (api/openapi.py)."""
    from flask import request, request_finished

    wrong: list[str] = []

    def check(sender: Any, response: Any, **extra: Any) -> None:
        from mag_graph.api import checking, cms, v1
        from mag_graph.api.openapi import undocumented_status

        reason = undocumented_status((v1.operations, cms.operations, checking.operations), request.endpoint, request.method,
                                     response.status_code)
        if reason is not None:
            wrong.append(reason)

    request_finished.connect(check)
    try:
        yield
    finally:
        request_finished.disconnect(check)
    assert wrong == [], "answers the OpenAPI document does not describe:\n" + "\n".join(sorted(set(wrong)))


# --------------------------------------------------------------------------- a real server


@contextlib.contextmanager
def _serving(app: Any) -> Iterator[str]:
    """``app`` under waitress on a free port of 127.0.0.1 (as ``mag-graph serve`` runs
    it); yields the base URL and stops the server afterwards."""
    waitress = _require("waitress")
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except (OSError, ValueError):  # the loop's select() on sockets close() just closed
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        server.close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def serving() -> Callable[[Any], contextlib.AbstractContextManager[str]]:
    """The context manager that serves a Flask app over real HTTP: ``with serving(app) as url``."""
    return _serving


@pytest.fixture(scope="module")
def served(serving: Callable[[Any], Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example graph on an on-disk store, served over real HTTP for one test module:
    its base URL (for modules that only read)."""
    from mag_graph.api import create_app
    from store_template import initialised_store

    store = initialised_store(tmp_path_factory.mktemp("store") / "store")
    app = create_app(store)
    try:
        with serving(app) as url:
            yield url
    finally:
        app.extensions["mag_graph"].close()
        store.close()


# --------------------------------------------------------------------------- triplestores

# The kinds of store the parametrised store tests run on: the embedded store in memory
# and the remote store on `oxigraph serve` and on Virtuoso.
STORE_KINDS = ["memory", "oxigraph", "virtuoso"]

# Debian's Virtuoso Open Source (scripts/ensure-virtuoso.sh installs it).
VIRTUOSO = os.environ.get("MAG_GRAPH_VIRTUOSO", "/usr/bin/virtuoso-t")
VIRTUOSO_ISQL = os.environ.get("MAG_GRAPH_VIRTUOSO_ISQL", "/usr/bin/isql-vt")
# A Virtuoso of its own: database, log and ports in the test's temporary directory.
# ResultSetMaxRows is raised from the default 10000, which silently cuts off results.
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
CaseMode = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_the_tests() -> None:
    """In the server process before it starts (Linux): stop it when the test process
    dies, also when that is killed and cannot stop its servers itself."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class _Server:
    """One triplestore process on 127.0.0.1 with its data in a temporary directory."""

    def __init__(self, command: list[str], url: str, probe: str, log: Path) -> None:
        self.url = url
        self._log = log.open("wb")
        self._process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_the_tests if sys.platform == "linux" else None,  # noqa: PLW1509
        )
        deadline = time.monotonic() + 180  # Virtuoso on a loaded 2-core machine
        while True:
            if self._process.poll() is not None:
                self._log.close()
                pytest.fail(f"{command[0]} stopped at start: {log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(probe, timeout=2):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"{command[0]} did not answer within 180 s")
                time.sleep(0.05)

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()


class Triplestores:
    """Triplestore servers for the remote-store tests, by backend and name, started on
    first use and stopped at the end of the session. A name is one dataset: tests that
    clear the store between them share ``scratch``; a module that loads data once for
    all its tests takes a name of its own."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._servers: dict[tuple[str, str], _Server] = {}

    def url(self, backend: str = "oxigraph", name: str = "scratch") -> str:
        """The store URL of a running server (started now if needed)."""
        key = (backend, name)
        if key not in self._servers:
            self._servers[key] = self._start(backend, self._root / f"{backend}-{name}")
        return self._servers[key].url

    def open(self, backend: str = "oxigraph", name: str = "scratch", *, clear: bool = True) -> RemoteStore:
        """A remote store on that server, emptied first unless ``clear`` is False."""
        store = RemoteStore.open(self.url(backend, name))
        if clear:
            with store.transaction() as tx:  # not DROP ALL: Virtuoso keeps its own graphs there
                tx.clear()
        return store

    def _start(self, backend: str, directory: Path) -> _Server:
        directory.mkdir(parents=True)
        port = _free_port()
        if backend == "oxigraph":
            binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
            if binary is None:
                _missing("the oxigraph server is not installed (pip install -e '.[test]')")
            assert binary is not None
            command = [binary, "serve", "--location", str(directory / "data"), "--bind", f"127.0.0.1:{port}"]
            probe = f"http://127.0.0.1:{port}/query?query=ASK%7B%7D"
            return _Server(command, f"sparql+http://127.0.0.1:{port}/?backend=oxigraph", probe, directory / "log")
        if backend == "virtuoso":
            if not (os.access(VIRTUOSO, os.X_OK) and os.access(VIRTUOSO_ISQL, os.X_OK)):
                _missing(f"Virtuoso is not installed at {VIRTUOSO}; run scripts/ensure-virtuoso.sh")
            sql_port = _free_port()
            ini = directory / "virtuoso.ini"
            ini.write_text(VIRTUOSO_INI.format(dir=directory, sql_port=sql_port, http_port=port))
            probe = f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D"
            server = _Server([VIRTUOSO, "-c", str(ini), "+foreground"],
                             f"sparql+http://127.0.0.1:{port}/?backend=virtuoso", probe, directory / "log")
            # Anonymous SPARQL updates and Graph Store writes, as on a test instance only.
            grants = 'GRANT SPARQL_UPDATE TO "SPARQL"; DB.DBA.RDF_DEFAULT_USER_PERMS_SET (\'nobody\', 7);'
            subprocess.run([VIRTUOSO_ISQL, str(sql_port), "dba", "dba", f"exec={grants}"],
                           check=True, capture_output=True, timeout=60)
            return server
        raise ValueError(f"unknown backend {backend}")

    def stop_all(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()


@pytest.fixture(scope="session")
def triplestores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Triplestores]:
    """The triplestore servers of this test session (see :class:`Triplestores`)."""
    servers = Triplestores(tmp_path_factory.mktemp("triplestores"))
    try:
        yield servers
    finally:
        servers.stop_all()


@pytest.fixture
def store_of_kind(tmp_path: Path, triplestores: Triplestores) -> Iterator[Callable[[str], GraphStore]]:
    """A function opening an empty store of one kind: "memory", "disk" or a remote
    backend ("oxigraph", "virtuoso"); every store it opened is closed after the test."""
    opened: list[GraphStore] = []

    def open_kind(kind: str) -> GraphStore:
        if kind == "memory":
            store: GraphStore = Store.open(":memory:")
        elif kind == "disk":
            store = Store.open(tmp_path / f"store-{len(opened)}")
        else:
            store = triplestores.open(kind)
        opened.append(store)
        return store

    yield open_kind
    for store in opened:
        store.close()


@pytest.fixture(params=STORE_KINDS)
def each_store(request: pytest.FixtureRequest, store_of_kind: Callable[[str], GraphStore]) -> GraphStore:
    """An empty store of each kind: embedded in memory and remote on each server backend."""
    return store_of_kind(request.param)


# The kinds of store the CMS test modules run on (history, workflow, content, visibility):
# the embedded store and the remote store on `oxigraph serve`; Virtuoso runs a core
# subset of them (VIRTUOSO_CORE in those modules), to keep the suite's time in bounds.
CMS_KINDS = ["memory", "oxigraph"]


def _example_nquads() -> bytes:
    import pyoxigraph as ox

    from mag_graph import validation

    global _EXAMPLE_NQUADS
    if _EXAMPLE_NQUADS is None:
        _EXAMPLE_NQUADS = ox.serialize(validation.example_store(), format=ox.RdfFormat.N_QUADS)
    return _EXAMPLE_NQUADS


_EXAMPLE_NQUADS: bytes | None = None


@pytest.fixture(params=CMS_KINDS)
def cms_kind(request: pytest.FixtureRequest) -> str:
    """The kind of store a CMS test runs on (each of CMS_KINDS; a test parametrises it
    with ``indirect=True`` to add Virtuoso)."""
    return str(request.param)


@pytest.fixture
def example_of_kind(triplestores: Triplestores, tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], GraphStore]]:
    """A function opening a store holding the ontology and the example graph (as
    :func:`mag_graph.validation.example_store`) of one kind: "memory" (embedded) or a
    remote backend ("oxigraph", "virtuoso"), emptied and loaded for this test. The local
    state of a remote store (search index, users) goes to this test's directory."""
    from mag_graph import validation

    monkeypatch.setenv("MAG_GRAPH_STATE_DIR", str(tmp_path / "state"))
    opened: list[GraphStore] = []

    def open_kind(kind: str) -> GraphStore:
        if kind == "memory":
            store: GraphStore = Store(validation.example_store(), ":memory:", in_memory=True)
        else:
            store = triplestores.open(kind)
            store.load(_example_nquads(), format="nquads")
        opened.append(store)
        return store

    yield open_kind
    for store in opened:
        store.close()


@pytest.fixture
def remote_store(triplestores: Triplestores) -> Iterator[RemoteStore]:
    """An empty remote store on `oxigraph serve`."""
    store = triplestores.open("oxigraph")
    yield store
    store.close()
