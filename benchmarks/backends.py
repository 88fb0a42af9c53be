"""The store on each backend, in one run: the embedded store against the remote store on
`oxigraph serve` and on Virtuoso (both started here on 127.0.0.1, with their data in a
temporary directory), with ratios to the embedded store.

    python -m benchmarks store --backend embedded --backend oxigraph --backend virtuoso
    python -m benchmarks store --backend oxigraph --size 100k

Per backend: loading the synthetic national data (after the ontology), the
role-matrix question (q01's query, median of several runs), one CMS write (a patch through
:class:`mag_graph.cms.content.Content`, median of several: incremental validation, which
on a remote store reads the in-memory copy the store keeps, pulled at the first write
and kept in step after; ``first_write_s`` is that first write) and full validation
(on a remote store: the copy pulled with Graph Store GETs, then the set-based engine on it;
the engine's own queries are then also sent to the server, ``replay_*``, to compare the
two ways).
The embedded store is always measured too (it is the reference of the ratios).
The backends are open side by side and measured phase by phase, each figure printed
when it is measured, so a long run stopped early still compares the backends. Beside
each wall time: this process's CPU seconds (``*_cpu_s``: the client, or the embedded
store itself) and the server's (``*_server_cpu_s``, from /proc), since on a shared
machine wall time is mostly waiting. ``report(..., reference=False)`` leaves the
embedded store out (no ratios then).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REFERENCE_DATE = dt.date(2026, 11, 1)
BACKENDS = ("embedded", "oxigraph", "virtuoso")
QUERY_RUNS = 10
WRITE_RUNS = 5
RESPONSIBILITY = "https://data.mag-graph.nl/id/verantwoordelijkheid/s{:03d}-uitvoering-penvoerder-{}"
MUNICIPALITY = "https://identifier.overheid.nl/tooi/id/gemeente/gm9000"
VIRTUOSO = os.environ.get("MAG_GRAPH_VIRTUOSO", "/usr/bin/virtuoso-t")
VIRTUOSO_ISQL = os.environ.get("MAG_GRAPH_VIRTUOSO_ISQL", "/usr/bin/isql-vt")
# As in tests/conftest.py: Virtuoso with its own database and ports; results up to 1M rows,
# no refusal of queries by estimated cost.
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
NumberOfBuffers = 100000
MaxDirtyBuffers = 60000
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
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 600
MaxQueryCostEstimationTime = 0
"""


# The server process of each store URL (for its CPU time).
SERVER_PIDS: dict[str, int] = {}


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    """This process's user + system CPU seconds, threads included (pyoxigraph's too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(process: subprocess.Popen[bytes], probe: str) -> None:
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped at start ({process.args})")
        try:
            with urllib.request.urlopen(probe, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer within 120 s") from None
            time.sleep(0.1)


@contextlib.contextmanager
def server(backend: str, directory: Path) -> Iterator[str]:
    """A triplestore of ``backend`` on 127.0.0.1 with its data in ``directory``: its store URL."""
    port = _free_port()
    log = (directory / "log").open("wb")
    if backend == "oxigraph":
        binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
        if binary is None:
            raise RuntimeError("the oxigraph server is not installed (pip install -e '.[test]')")
        command = [binary, "serve", "--location", str(directory / "data"), "--bind", f"127.0.0.1:{port}"]
        probe = f"http://127.0.0.1:{port}/query?query=ASK%7B%7D"
    elif backend == "virtuoso":
        sql_port = _free_port()
        ini = directory / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(dir=directory, sql_port=sql_port, http_port=port))
        command = [VIRTUOSO, "-c", str(ini), "+foreground"]
        probe = f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D"
    else:
        raise ValueError(backend)
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait(process, probe)
        if backend == "virtuoso":
            grants = 'GRANT SPARQL_UPDATE TO "SPARQL"; DB.DBA.RDF_DEFAULT_USER_PERMS_SET (\'nobody\', 7);'
            subprocess.run([VIRTUOSO_ISQL, str(sql_port), "dba", "dba", f"exec={grants}"],
                           check=True, capture_output=True, timeout=60)
        url = f"sparql+http://127.0.0.1:{port}/?backend={backend}&timeout=3600"
        SERVER_PIDS[url] = process.pid
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


PHASES = ("load", "q01", "write", "validate")


def load(store: Any, data: Path) -> dict[str, float]:
    """The ontology, then the synthetic data (timed)."""
    from mag_graph.namespaces import Graphs
    from mag_graph.resources import resource_files

    store.load(list(resource_files("ontology", "*.ttl")), graph=Graphs.ONTOLOGY)
    started = time.perf_counter()
    store.load(data)
    return {"load_s": time.perf_counter() - started, "quads": len(store)}


def role_matrix(store: Any) -> dict[str, float]:
    """q01's query, median of QUERY_RUNS after one untimed run."""
    from rdflib import URIRef

    from benchmarks.store import ROLE_MATRIX

    municipality = URIRef(MUNICIPALITY)
    rows = len(store.query(ROLE_MATRIX, bindings={"municipality": municipality}).rows)
    timings = []
    for _ in range(QUERY_RUNS):
        t0 = time.perf_counter()
        store.query(ROLE_MATRIX, bindings={"municipality": municipality})
        timings.append(time.perf_counter() - t0)
    return {"q01_ms": statistics.median(timings) * 1000, "q01_rows": rows}


def cms_write(store: Any, municipalities: int) -> dict[str, float]:
    """A CMS patch, median of WRITE_RUNS; the first write (shapes, a remote store's copy) is
    timed on its own as ``first_write_s``."""
    from mag_graph.cms import Content

    cms = Content(store, date=REFERENCE_DATE, search=False)
    writes = []
    first = 0.0
    for n in range(WRITE_RUNS + 1):
        iri = RESPONSIBILITY.format(n % municipalities, 1 + n % 9)
        etag = cms.get(iri, role="admin").etag
        t0 = time.perf_counter()
        cms.patch(iri, {"label": {"en": f"Patched responsibility {n}"}}, agent="bench", role="admin", if_match=etag)
        if n:
            writes.append(time.perf_counter() - t0)
        else:
            first = time.perf_counter() - t0
    return {"write_ms": statistics.median(writes) * 1000, "first_write_s": first}


REPLAY_LIMIT_S = 600  # how long the engine's queries may run on a server


class _Solutions:
    """A query's solutions read to the end (pyoxigraph's are lazy), with their variables."""

    def __init__(self, variables: Any, rows: list[Any]) -> None:
        self.variables = variables
        self._rows = rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


def full_validation(store: Any) -> dict[str, float]:
    """Full validation; on a remote store also the other way the issue names: the
    set-based engine's own SPARQL queries (recorded while it validated the pulled copy)
    sent to the server instead (``replay_*``: the same texts, their time on the copy
    against their time on the server, and how many the server refused)."""
    from mag_graph import validation
    from mag_graph.store import RemoteStore
    from mag_graph.validation import setbased

    recorded: list[tuple[str, float]] = []
    solutions = setbased._Run._solutions

    def recording(run: Any, query: str) -> Any:
        t0 = time.perf_counter()
        answer = solutions(run, query)
        if hasattr(answer, "variables"):  # pyoxigraph evaluates lazily: time the whole answer
            answer = _Solutions(answer.variables, list(answer))
        recorded.append((query, time.perf_counter() - t0))
        return answer

    remote = isinstance(store, RemoteStore)
    if remote:
        setbased._Run._solutions = recording  # type: ignore[method-assign]
    try:
        t0 = time.perf_counter()
        report = validation.validate(store, date=REFERENCE_DATE)
        figures: dict[str, float] = {"validate_s": time.perf_counter() - t0, "results": len(report.results)}
    finally:
        setbased._Run._solutions = solutions  # type: ignore[method-assign]
    if remote:
        refused, sent, t0 = 0, 0, time.perf_counter()
        for text, _ in recorded:
            if time.perf_counter() - t0 > REPLAY_LIMIT_S:  # Virtuoso: minutes per query at 1M
                print(f"    replay stopped after {REPLAY_LIMIT_S} s, {sent} of {len(recorded)} queries sent", flush=True)
                break
            sent += 1
            try:
                list(store.query(text))
            except Exception as error:  # noqa: BLE001 - a dialect the server refuses: counted, not fatal
                refused += 1
                if refused == 1:
                    print(f"    the server refuses the engine's query: {str(error)[:300]}", flush=True)
        figures.update(replay_queries=len(recorded), replay_sent=sent,
                       replay_copy_s=sum(s for _, s in recorded[:sent]),
                       replay_server_s=time.perf_counter() - t0, replay_refused=refused)
    return figures


@contextlib.contextmanager
def opened(backend: str) -> Iterator[Any]:
    """An empty store on ``backend`` (a server started for it), closed and removed after."""
    from mag_graph.store import RemoteStore, Store

    with tempfile.TemporaryDirectory(prefix=f"mag-graph-bench-{backend}-") as work:
        directory = Path(work)
        if backend == "embedded":
            store: Any = Store.open(directory / "store")
            try:
                yield store
            finally:
                store.close()
            return
        with server(backend, directory) as url:
            store = RemoteStore.open(url)
            try:
                yield store
            finally:
                store.close()


def _cell(r: dict[str, float], base: dict[str, float], key: str, fmt: str) -> str:
    if key not in r:
        return f"{'-':>{len(format(0, fmt))}} {'-':>6}"
    ratio = f"{r[key] / base[key]:6.2f}" if base.get(key) else f"{'-':>6}"
    return f"{format(r[key], fmt)} {ratio}"


def table(data: Path, results: dict[str, dict[str, float]]) -> None:
    base = results.get("embedded", {})
    print(f"\nStore backends: {data.name}")
    print(f"{'backend':<10} {'quads':>9} {'load s':>8} {'x emb':>6} {'q01 ms':>8} {'x emb':>6} "
          f"{'write ms':>9} {'x emb':>6} {'validate s':>10} {'x emb':>6}")
    for backend, r in results.items():
        quads = f"{int(r['quads']):9d}" if "quads" in r else f"{'-':>9}"
        print(f"{backend:<10} {quads} {_cell(r, base, 'load_s', '8.2f')} {_cell(r, base, 'q01_ms', '8.1f')} "
              f"{_cell(r, base, 'write_ms', '9.0f')} {_cell(r, base, 'validate_s', '10.2f')}")
    done = [r for r in results.values() if "results" in r]
    if len(done) == len(results):
        same = {(int(r["q01_rows"]), int(r["results"])) for r in done}
        print(f"same answers on every backend (q01 rows, validation results): {'yes' if len(same) == 1 else same}")


def report(data: Path, municipalities: int, backends: list[str], *,
           validation: bool = True, reference: bool = True) -> dict[str, dict[str, float]]:
    """Every backend asked for (and the embedded store) open side by side, phase by phase
    (load, q01, CMS write, full validation): every figure is printed when measured and the
    table after each phase, so a run stopped early (full validation at 1M takes long) still
    shows what it measured on every backend."""
    wanted = ["embedded", *[b for b in backends if b != "embedded"]] if reference else list(backends)
    results: dict[str, dict[str, float]] = {b: {} for b in wanted}
    with contextlib.ExitStack() as stack:
        stores = {}
        for backend in wanted:
            print(f"... {backend}: starting", flush=True)
            stores[backend] = stack.enter_context(opened(backend))
        steps = {
            "load": lambda store: load(store, data),
            "q01": role_matrix,
            "write": lambda store: cms_write(store, municipalities),
            "validate": full_validation,
        }
        for phase in PHASES if validation else PHASES[:-1]:
            for backend in wanted:
                print(f"... {backend}: {phase}", flush=True)
                pid = SERVER_PIDS.get(getattr(stores[backend], "location", ""))
                cpu, server_cpu = _own_cpu(), _cpu_of(pid) if pid else 0.0
                figures = steps[phase](stores[backend])
                figures[f"{phase}_cpu_s"] = _own_cpu() - cpu  # this process (client, or the embedded store)
                if pid:
                    figures[f"{phase}_server_cpu_s"] = _cpu_of(pid) - server_cpu
                results[backend].update(figures)
                shown = ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items())
                print(f"    {backend} {phase}: {shown} ({time.strftime('%H:%M:%S')})", flush=True)
            table(data, results)
    return results
