"""Loads and imports killed with SIGKILL half-way (real ``mag-graph`` subprocesses): the
next open rolls them back or reports them with the command to repair, and the graph is
then either complete or absent (:mod:`mag_graph.store.unfinished`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.served import start
from mag_graph.store import Store
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
