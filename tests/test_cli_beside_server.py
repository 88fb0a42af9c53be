"""The command line beside a running server (issue 14): with ``mag-graph serve`` on a
store, reading commands answer as on the closed store and see what the server wrote;
writing commands change nothing and say how to write instead.

Everything is real: ``mag-graph serve`` in a subprocess on 127.0.0.1 over an on-disk store,
``mag-graph`` commands as subprocesses, HTTP with ``http.client``. A reading command
beside the server reads a view of the server's newest query snapshot
(:mod:`mag_graph.sparql.views`): the state after the server's last write.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import serve_process
from store_template import initialised_store

from mag_graph.access.auth import AuthRegistry
from mag_graph.store import Store
from mag_graph.store.bootstrap import initialise

SCRIPT = Path(sys.executable).with_name("mag-graph")
PASSWORD = "geheim-wachtwoord-cli"
THEME = "https://data.mag-graph.nl/id/thema/hg-gezond-en-vitaal"
THEME_PATH = "/api/v1/themes/hg-gezond-en-vitaal"
NEW_LABEL = "Gezond en vitaal (via de server)"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "roles.trig"

# The reading commands of the issue, each with options that make its output complete.
READS = {
    "stats": ["stats", "--format", "json"],
    "query": ["query", "--format", "json",
              "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"],
    "export": ["export", "--format", "nquads"],
    "matrix": ["matrix", "--municipality", "maassluis"],
    "ask": ["ask", "q01", "--format", "json"],
    "validate": ["validate", "--format", "json"],
    "history": ["history", THEME, "--format", "json"],
}
EXPORT = ["export", "--format", "nquads"]


def cli(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MAG_GRAPH_STORE"}
    return subprocess.run([str(SCRIPT), *args, "--store", str(store)], check=False, capture_output=True, text=True,
                          env=env, timeout=300)


def _same(name: str, output: str) -> Any:
    """The output in a form that does not depend on the order lines come out in."""
    return sorted(output.splitlines()) if name == "export" else output


@dataclass
class Server:
    host: str
    port: int
    store: Path
    process: subprocess.Popen[str]
    output: list[str]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def call(self, method: str, path: str, body: str | None = None, *, user: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        sent = dict(headers or {})
        if user is not None:
            sent["Authorization"] = "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            conn.request(method, path, body=body.encode("utf-8") if body is not None else None, headers=sent)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()


def start(store: Path, *extra: str) -> Server:
    running = serve_process.start(store, *extra, within=120)
    return Server(running.host, running.port, store, running.process, running.output)


def stop(server: Server) -> None:
    serve_process.stop(server.process)


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """An initialised store with a reviewer, and every read's output on it while closed."""
    path = tmp_path_factory.mktemp("beside") / "store"
    initialised_store(path).close()
    with AuthRegistry.for_store(path) as auth:
        auth.add_user("vaststeller", PASSWORD, "reviewer")
    answers = {}
    for name, args in READS.items():
        done = cli(path, *args)
        assert done.returncode == 0, (name, done.stderr)
        answers[name] = done.stdout
    return path, answers


@pytest.fixture(scope="module")
def server(closed: tuple[Path, dict[str, str]]) -> Iterator[Server]:
    running = start(closed[0], "--workers", "1")
    yield running
    stop(running)


@pytest.mark.parametrize("name", list(READS))
def test_a_read_beside_the_server_answers_as_on_the_closed_store(
    closed: tuple[Path, dict[str, str]], server: Server, name: str
) -> None:
    done = cli(server.store, *READS[name])
    assert done.returncode == 0, done.stderr
    assert _same(name, done.stdout) == _same(name, closed[1][name])
    assert server.url in done.stderr and "last write" in done.stderr  # says what it read
    assert "locked" not in done.stderr
    leftovers = list(server.store.parent.glob(f".{server.store.name}-view-*"))
    assert leftovers == []  # the view's private copy goes with the command


def _label_query() -> str:
    return f'ASK {{ GRAPH ?g {{ <{THEME}> rdfs:label "{NEW_LABEL}"@nl }} }}'


def test_reads_see_a_cms_write_made_through_the_server(server: Server) -> None:
    before = cli(server.store, "query", _label_query())
    assert before.returncode == 0 and before.stdout.strip() == "false", before.stderr
    status, headers, body = server.call("GET", THEME_PATH, user="vaststeller")
    assert status == 200
    status, headers, body = server.call(
        "PATCH", THEME_PATH, json.dumps({"label": {"nl": NEW_LABEL}}), user="vaststeller",
        headers={"If-Match": headers["etag"], "Content-Type": "application/merge-patch+json"},
    )
    assert status == 200, body[:500]
    # the write was acknowledged: the next command sees it, in every reading command
    after = cli(server.store, "query", _label_query())
    assert after.returncode == 0 and after.stdout.strip() == "true", after.stderr
    history = cli(server.store, "history", THEME, "--format", "json")
    assert history.returncode == 0
    assert any(r.get("agent") == "vaststeller" for r in json.loads(history.stdout))


WRITES = [
    ["load", str(FIXTURE)],
    ["init"],
    ["import", "tooi", str(FIXTURE)],
    ["reason", "--materialise", "--no-check"],
    ["workflow", THEME, "archive"],
]


def test_writes_beside_the_server_change_nothing_and_say_how(server: Server) -> None:
    before = cli(server.store, *EXPORT)
    assert before.returncode == 0
    for args in WRITES:
        done = cli(server.store, *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        assert server.url in done.stderr, args  # names the server
        for words in ("nothing was changed", "api/v1", "stop the server"):
            assert words in done.stderr, (args, done.stderr)
    after = cli(server.store, *EXPORT)
    assert sorted(after.stdout.splitlines()) == sorted(before.stdout.splitlines())


def test_matrix_import_into_the_cms_beside_the_server_says_how(server: Server, tmp_path: Path) -> None:
    sheet = tmp_path / "matrix.csv"
    exported = cli(server.store, "matrix", "--format", "csv", "--output", str(sheet), "--municipality", "maassluis")
    assert exported.returncode == 0, exported.stderr  # a read: works beside the server
    before = cli(server.store, *EXPORT)
    done = cli(server.store, "matrix", "import", str(sheet), "--into-cms")
    assert done.returncode == 2 and server.url in done.stderr and "nothing was changed" in done.stderr
    assert sorted(cli(server.store, *EXPORT).stdout.splitlines()) == sorted(before.stdout.splitlines())


def test_a_server_without_query_processes_keeps_no_view_and_reads_say_so(tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = Store.open(path, create=True)
    try:
        initialise(store)
    finally:
        store.close()
    running = start(path, "--workers", "0")
    try:
        mark = json.loads((path.parent / ".store-server.json").read_text(encoding="utf-8"))
        assert mark["url"] == running.url and mark["pid"] == running.process.pid
        done = cli(path, "stats")
        assert done.returncode == 2 and "--workers 0" in done.stderr and running.url in done.stderr
    finally:
        stop(running)
    assert not (path.parent / ".store-server.json").exists()  # removed when the server stops
    done = cli(path, "stats")
    assert done.returncode == 0 and "note" not in done.stderr  # the closed store again
