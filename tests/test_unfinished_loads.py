"""Loads and imports killed with SIGKILL half-way (real ``mag-graph`` subprocesses): the
next open rolls them back or reports them with the command to repair, and the graph is
then either complete or absent (:mod:`mag_graph.store.unfinished`). On the embedded store
and on the remote store (a real ``oxigraph serve`` on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.served import start
from mag_graph.store import RemoteStore, Store
from mag_graph.store.endpoints import parse_store_url
from mag_graph.store.unfinished import marker_dir

SCRIPT = Path(sys.executable).with_name("mag-graph")
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GRAPH = "https://example.org/graaf/bulk"
TRIPLES = 200_000
OLD = [f'<https://example.org/oud/{i}> <https://example.org/p> "oud {i}" .' for i in range(3)]


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200,000 N-Triples (about 25 MB): big enough for the bulk path, so a load takes a while."""
    path = tmp_path_factory.mktemp("bulk") / "bulk.nt"
    with path.open("w", encoding="utf-8") as out:
        for i in range(TRIPLES):
            out.write(f'<https://example.org/s/{i}> <https://example.org/p> "waarde {i}, wat tekst erbij"@nl .\n')
    return path


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MAG_GRAPH_STORE", "MAG_GRAPH_CRASH_AT")}
    env.update(extra)
    return env


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], check=False, capture_output=True, text=True, env=_env(**env), timeout=600)


def empty_store(path: Path, *old_lines: str) -> Path:
    with Store.open(path, create=True) as store:
        if old_lines:
            store.load("\n".join(old_lines).encode(), format="ntriples", graph=GRAPH)
    return path


def kill_when_marked(store: Path, *args: str) -> None:
    """Start ``mag-graph`` with ``args``, wait for its marker, then kill -9 it half-way."""
    process = subprocess.Popen([str(SCRIPT), *args, "--store", str(store)], env=_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    folder = marker_dir(str(store))
    assert folder is not None
    deadline = time.monotonic() + 300
    while not (folder.is_dir() and any(folder.glob("*.json"))):
        assert process.poll() is None, "the load ended before its marker was seen"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(0.2)  # into the write
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=60) == -signal.SIGKILL, "the load finished before it could be killed"


def graph_sizes(store: Path) -> tuple[dict[str, int], str]:
    """``mag-graph stats --format json``: triples per graph, and what it said on stderr."""
    done = run("stats", "--format", "json", "--store", str(store))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["graphs"], done.stderr


def markers_left(store: Path) -> list[Path]:
    folder = marker_dir(str(store))
    return sorted(folder.glob("*.json")) if folder is not None and folder.is_dir() else []


def test_a_killed_load_into_a_new_graph_is_rolled_back_at_the_next_open(tmp_path: Path, big_file: Path) -> None:
    store = empty_store(tmp_path / "store")
    kill_when_marked(store, "load", "--graph", GRAPH, str(big_file))
    assert markers_left(store)  # left behind by the kill

    sizes, said = graph_sizes(store)
    assert GRAPH not in sizes and f"<{GRAPH}>" not in sizes  # absent, not half there
    assert "teruggedraaid" in said and "rolled back" in said and str(big_file) in said
    assert markers_left(store) == []

    again = run("load", "--graph", GRAPH, str(big_file), "--store", str(store))
    assert again.returncode == 0, again.stderr
    sizes, said = graph_sizes(store)
    assert TRIPLES in sizes.values()  # complete
    assert said == ""


def test_a_killed_replace_brings_the_old_content_back(tmp_path: Path, big_file: Path) -> None:
    store = empty_store(tmp_path / "store", *OLD)
    kill_when_marked(store, "load", "--replace", "--graph", GRAPH, str(big_file))

    sizes, said = graph_sizes(store)
    assert "rolled back" in said
    assert len(OLD) in sizes.values() and TRIPLES not in sizes.values()
    with Store.open(store, create=False) as opened:
        rows = opened.query(f"SELECT ?o WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}").rows
    assert sorted(str(r[0]) for r in rows) == ["oud 0", "oud 1", "oud 2"]


def test_a_killed_load_into_a_graph_with_data_is_reported_with_the_command_to_repair(tmp_path: Path,
                                                                                     big_file: Path) -> None:
    store = empty_store(tmp_path / "store", *OLD)
    kill_when_marked(store, "load", "--graph", GRAPH, str(big_file))

    # What was in the graph before cannot be told from what the load added: reported, not undone.
    _, said = graph_sizes(store)
    assert "niet afgemaakt" in said and "did not finish" in said
    assert f"mag-graph load --graph {GRAPH} {big_file}" in said
    assert len(markers_left(store)) == 1
    _, again_said = graph_sizes(store)
    assert again_said == said  # reported on every open until repaired

    served = start(store, "--workers", "1")
    try:
        assert any("did not finish" in line and "mag-graph load" in line for line in served.output)
    finally:
        served.stop()

    repaired = run("load", "--graph", GRAPH, str(big_file), "--store", str(store))
    assert repaired.returncode == 0, repaired.stderr
    sizes, said = graph_sizes(store)
    assert TRIPLES + len(OLD) in sizes.values()  # complete: N-Triples without blank nodes load idempotently
    assert said == "" and markers_left(store) == []


def test_a_killed_import_wrote_nothing_and_says_so(tmp_path: Path) -> None:
    store = empty_store(tmp_path / "store")
    regelingen = FIXTURES / "opendata" / "regelingen"
    killed = run("import", "regelingen", "--quiet", str(regelingen), "--store", str(store), MAG_GRAPH_CRASH_AT="import")
    assert killed.returncode == -signal.SIGKILL
    assert markers_left(store)

    sizes, said = graph_sizes(store)
    assert not any("regelingen" in name for name in sizes)  # nothing of it
    assert "import" in said and "wrote nothing" in said and "mag-graph import regelingen" in said
    assert markers_left(store) == []

    done = run("import", "regelingen", "--quiet", str(regelingen), "--store", str(store))
    assert done.returncode == 0, done.stderr
    sizes, said = graph_sizes(store)
    assert any("regelingen" in name and n > 0 for name, n in sizes.items())
    assert said == ""


def test_a_finished_load_leaves_no_marker(tmp_path: Path, big_file: Path) -> None:
    store = empty_store(tmp_path / "store", *OLD)
    done = run("load", "--replace", "--graph", GRAPH, str(big_file), "--store", str(store))
    assert done.returncode == 0, done.stderr
    assert markers_left(store) == []
    folder = marker_dir(str(store))
    assert folder is None or not any(folder.glob("*-backup"))  # the copy of the replaced graph is gone too


# --------------------------------------------------------------------------- the remote store

# The remote store (`mag-graph load --store sparql+http://...`) sends a large load in
# chunks of BULK_CHUNK statements, one Graph Store request each, so a killed load leaves
# the chunks sent so far on the server. Its marker lives under $XDG_STATE_HOME (see
# mag_graph.store.unfinished); the same driver (_LoadDriver) writes it as for the
# embedded store, and the next open rolls back or reports in the same way.


@pytest.fixture
def remote(triplestores: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The URL of an emptied store on a real ``oxigraph serve`` on 127.0.0.1 (conftest's
    ``triplestores``), with this test's own marker folder ($XDG_STATE_HOME), shared by
    the test and the ``mag-graph`` processes it starts."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    # A generous request timeout: on a loaded machine one chunk can take over a minute, and
    # so can emptying the store while the server still writes the chunk a killed load sent.
    url = triplestores.url("oxigraph", "unfinished") + "&timeout=600"
    with RemoteStore.open(url) as store, store.transaction() as tx:  # emptied
        tx.clear()
    yield url


def _remote_count(url: str, graph: str) -> int:
    """Statements in ``graph``, asked of the server itself (not through mag-graph)."""
    base = urllib.parse.urlsplit(url.removeprefix("sparql+"))
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    request = urllib.request.Request(f"{base.scheme}://{base.netloc}/query?" + urllib.parse.urlencode({"query": query}),
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return int(json.load(answer)["results"]["bindings"][0]["n"]["value"])


def _remote_load(url: str, *lines: str) -> None:
    with RemoteStore.open(url) as store:
        store.load("\n".join(lines).encode(), format="ntriples", graph=GRAPH)


def kill_remote_load_half_way(url: str, *args: str) -> int:
    """Start ``mag-graph load ... --store URL``, wait until its marker is written and the
    server holds part of the new data (the first chunk), then kill -9 it. Returns the
    statements the server held in the graph just after the kill."""
    before = _remote_count(url, GRAPH)
    folder = marker_dir(parse_store_url(url).location)
    assert folder is not None
    with tempfile.TemporaryFile("w+") as said:  # not a pipe: the progress bar would fill it
        process = subprocess.Popen([str(SCRIPT), "load", *args, "--store", url], env=_env(),
                                   stdout=subprocess.DEVNULL, stderr=said, text=True)
        deadline = time.monotonic() + 600
        try:
            while not (folder.is_dir() and any(folder.glob("*.json"))) or _remote_count(url, GRAPH) in (0, before):
                if process.poll() is not None:
                    said.seek(0)
                    raise AssertionError(f"the load ended before it was seen half-way: {said.read()[-500:]}")
                assert time.monotonic() < deadline
                time.sleep(0.05)
        finally:
            process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL, "the load finished before it could be killed"
    return _remote_count(url, GRAPH)


def _remote_sizes(url: str) -> tuple[dict[str, int], str]:
    done = run("stats", "--format", "json", "--store", url)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["graphs"], done.stderr


def test_a_killed_remote_load_into_a_new_graph_is_rolled_back_at_the_next_open(remote: str, big_file: Path) -> None:
    left = kill_remote_load_half_way(remote, "--graph", GRAPH, str(big_file))
    assert 0 < left < TRIPLES  # half-loaded on the server
    assert markers_left_at(remote)

    sizes, said = _remote_sizes(remote)
    assert not any(GRAPH in name for name in sizes)  # absent, not half there
    assert "teruggedraaid" in said and "rolled back" in said and str(big_file) in said
    assert _remote_count(remote, GRAPH) == 0 and markers_left_at(remote) == []

    again = run("load", "--graph", GRAPH, str(big_file), "--store", remote)
    assert again.returncode == 0, again.stderr
    assert _remote_count(remote, GRAPH) == TRIPLES
    assert _remote_sizes(remote)[1] == ""


def test_a_killed_remote_replace_brings_the_old_content_back(remote: str, big_file: Path) -> None:
    _remote_load(remote, *OLD)
    kill_remote_load_half_way(remote, "--replace", "--graph", GRAPH, str(big_file))

    _, said = _remote_sizes(remote)
    assert "rolled back" in said
    with RemoteStore.open(remote) as opened:
        rows = opened.query(f"SELECT ?o WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}").rows
    assert sorted(str(r[0]) for r in rows) == ["oud 0", "oud 1", "oud 2"]
    assert markers_left_at(remote) == []


def test_a_killed_remote_load_into_a_graph_with_data_is_reported_with_the_command_to_repair(remote: str,
                                                                                            big_file: Path) -> None:
    _remote_load(remote, *OLD)
    left = kill_remote_load_half_way(remote, "--graph", GRAPH, str(big_file))
    assert len(OLD) < left < TRIPLES + len(OLD)

    _, said = _remote_sizes(remote)
    assert "niet afgemaakt" in said and "did not finish" in said
    assert f"mag-graph load --graph {GRAPH} {big_file}" in said
    assert len(markers_left_at(remote)) == 1
    assert _remote_sizes(remote)[1] == said  # reported on every open until repaired

    repaired = run("load", "--graph", GRAPH, str(big_file), "--store", remote)
    assert repaired.returncode == 0, repaired.stderr
    assert _remote_count(remote, GRAPH) == TRIPLES + len(OLD)
    assert _remote_sizes(remote)[1] == "" and markers_left_at(remote) == []


def markers_left_at(url: str) -> list[Path]:
    folder = marker_dir(parse_store_url(url).location)
    return sorted(folder.glob("*.json")) if folder is not None and folder.is_dir() else []
