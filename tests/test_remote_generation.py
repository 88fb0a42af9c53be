"""The remote store's generation record and its kept in-memory copy, and removing blank
nodes with typed literals, on real `oxigraph serve` and Virtuoso servers
(mag_graph/store/remote_generation.py, remote.py, remote_transaction.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from mag_graph.store import QueryError, StoreError

E = "https://example.org/"
G = URIRef(E + "g")
H = URIRef(E + "h")
BACKENDS = ["oxigraph", "virtuoso"]
NODE = f"""
<{E}budget> <{E}amount> _:a <{G}> .
_:a <{E}value> "1500.00"^^<http://www.w3.org/2001/XMLSchema#decimal> <{G}> .
_:a <{E}start> "2026-01-01"^^<http://www.w3.org/2001/XMLSchema#date> <{G}> .
_:a <{E}when> "2026-01-01T10:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> <{G}> .
_:a <{E}count> "07"^^<http://www.w3.org/2001/XMLSchema#integer> <{G}> .
_:a <{E}label> "bedrag"@nl <{G}> .
_:a <{E}note> "plain" <{G}> .
"""


def _node_as_written(blank: Any) -> list[tuple[Any, Any, Any]]:
    """The statements of NODE as the writer knows them (its lexical forms), on the
    stored blank node."""
    return [
        (URIRef(E + "budget"), URIRef(E + "amount"), blank),
        (blank, URIRef(E + "value"), Literal("1500.00", datatype=XSD.decimal)),
        (blank, URIRef(E + "start"), Literal("2026-01-01", datatype=XSD.date)),
        (blank, URIRef(E + "when"), Literal("2026-01-01T10:00:00Z", datatype=XSD.dateTime)),
        (blank, URIRef(E + "count"), Literal("07", datatype=XSD.integer)),
        (blank, URIRef(E + "label"), Literal("bedrag", lang="nl")),
        (blank, URIRef(E + "note"), Literal("plain")),
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_blank_node_with_typed_literals_is_removed_as_written(backend: str, triplestores: Any) -> None:
    store = triplestores.open(backend)
    store.load(NODE.encode(), format="nquads")
    blank = next(o for _, p, o, _ in store.quads(URIRef(E + "budget"), URIRef(E + "amount"), None, G))
    with store.transaction() as tx:
        for triple in _node_as_written(blank):
            tx.remove(triple, graph=G)
    assert list(store.quads(None, None, None, G)) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_removing_part_of_a_blank_node_with_typed_literals_is_refused(backend: str, triplestores: Any) -> None:
    """Another statement of the node (a string where a number is removed: not comparable
    by value) keeps it from being taken for the node described; nothing is removed."""
    store = triplestores.open(backend)
    store.load((NODE + f'_:a <{E}value> "vijftienhonderd" <{G}> .\n').encode(), format="nquads")
    before = sorted(map(str, store.quads(None, None, None, G)))
    blank = next(o for _, p, o, _ in store.quads(URIRef(E + "budget"), URIRef(E + "amount"), None, G))
    with pytest.raises(StoreError), store.transaction() as tx:
        for triple in _node_as_written(blank):
            tx.remove(triple, graph=G)
    assert sorted(map(str, store.quads(None, None, None, G))) == before


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_write_through_mag_graph_moves_the_generation(backend: str, triplestores: Any) -> None:
    store = triplestores.open(backend)
    seen = [store.generation()]
    store.update(f'INSERT DATA {{ GRAPH <{G}> {{ <{E}s> <{E}p> "o" }} }}')
    seen.append(store.generation())
    with store.transaction() as tx:
        tx.add((URIRef(E + "s"), URIRef(E + "p"), Literal("o2")), graph=G)
    seen.append(store.generation())
    store.load(f"<{E}s> <{E}p> \"o3\" .".encode(), format="ntriples", graph=G)
    seen.append(store.generation())
    store.drop_graph(G)
    seen.append(store.generation())
    seen.append(store.announce_change())
    assert len(set(seen)) == len(seen) and all(seen[1:])
    assert store.unfinished_writes() == 0  # each write of several requests removed its mark
    # the record is no data: not listed, counted or exported
    assert store.graphs() == [] and len(store) == 0
    assert b"generation" not in (store.export(format="nquads") or b"")


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_kept_copy_follows_own_writes_and_pulls_only_what_another_changed(backend: str, triplestores: Any) -> None:
    store = triplestores.open(backend)
    store.load(NODE.encode(), format="nquads")
    store.load(f"<{E}x> <{E}p> \"elders\" .".encode(), format="ntriples", graph=H)
    other = triplestores.open(backend, clear=False)  # another store object on the same triplestore
    s, p = URIRef(E + "s"), URIRef(E + "p")
    with store.mirrored():
        first = store.local_view()
        assert len(first) == 8 and store.last_pull is None  # pulled whole
        with store.transaction() as tx:  # own write: applied to the copy, nothing pulled
            tx.add((s, p, Literal("eigen")), graph=G)
        assert (s, p, Literal("eigen"), G) in list(store.quads(s, p, None, G))
    with store.mirrored():
        assert store.local_view() is first and len(first) == 9 and store.last_pull is None
    with other.transaction() as tx:  # another's write to G moves G's token on
        tx.add((s, p, Literal("ander")), graph=G)
    with store.mirrored():
        assert store.local_view() is first and store.last_pull == [str(G)]  # only G pulled again
        assert {str(o) for _, _, o, _ in store.quads(s, p, None, G)} == {"eigen", "ander"}
        assert len(first) == 10
    other.update(f'INSERT DATA {{ GRAPH <{H}> {{ <{E}y> <{E}p> "z" }} }}')  # an update may change any graph
    with store.mirrored():
        assert store.local_view() is not first and store.last_pull is None and len(store.local_view()) == 11
    other.close()


def _in_another_process(location: str, code: str, *, crash_at: str | None = None) -> int:
    """Run ``code`` (``store`` is the remote store at ``location``) in a new Python
    process; its exit status (-9: killed at the crash point ``crash_at``)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("MAG_GRAPH_CRASH_AT", None)
    if crash_at is not None:
        env["MAG_GRAPH_CRASH_AT"] = crash_at
    script = f"from mag_graph.store import RemoteStore\nstore = RemoteStore.open({location!r})\n{code}\n"
    return subprocess.run([sys.executable, "-c", script], env=env, timeout=300, check=False).returncode


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_second_process_write_is_pulled_graph_by_graph(backend: str, triplestores: Any) -> None:
    """Two processes on one server: after the other process writes one graph, this one
    pulls only that graph again, and its copy then equals the store."""
    store = triplestores.open(backend)
    store.load(NODE.encode(), format="nquads")
    store.load(f"<{E}x> <{E}p> \"elders\" .".encode(), format="ntriples", graph=H)
    with store.mirrored():
        copy = store.local_view()
    code = (
        "from rdflib import Literal, URIRef\n"
        "with store.transaction() as tx:\n"
        f"    tx.add((URIRef({E + 'x'!r}), URIRef({E + 'p'!r}), Literal('van elders')), graph=URIRef({str(H)!r}))\n"
    )
    assert _in_another_process(store.location, code) == 0
    with store.mirrored():
        assert store.local_view() is copy and store.last_pull == [str(H)]
    with store.local_copy() as fresh:
        assert set(copy.quads()) == set(fresh.quads()) and len(copy) == 9


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failing_update_request_and_the_generation(backend: str, triplestores: Any) -> None:
    """Oxigraph applies the caller's update and the generation's move as one request:
    a request that fails half-way leaves both as they were. Virtuoso keeps the operations
    before the failing one (it applies a request operation by operation), and the
    generation moves on, since something was written."""
    store = triplestores.open(backend)
    store.load(f"<{E}a> <{E}p> \"1\" .".encode(), format="ntriples", graph=G)
    before = store.generation()
    with pytest.raises(QueryError, match="already exists|contains triples already"):
        store.update(f'INSERT DATA {{ GRAPH <{H}> {{ <{E}a> <{E}p> "2" }} }} ;\nCREATE GRAPH <{G}>')
    kept = list(store.quads(None, None, None, H))
    if backend == "oxigraph":
        assert kept == [] and store.generation() == before
    else:
        assert len(kept) == 1 and store.generation() not in (before, "")
    assert store.unfinished_writes() == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_crash_between_an_update_and_the_generation(backend: str, triplestores: Any) -> None:
    """An update killed after its request (MAG_GRAPH_CRASH_AT=remote-write): on Oxigraph
    the generation moved in that same request, there is no such point; on Virtuoso the
    write marked itself unfinished first, so every process sees it (a new generation at
    every read, the kept copy pulled at every write) until ``mag-graph refresh``."""
    store = triplestores.open(backend)
    store.load(f"<{E}a> <{E}p> \"1\" .".encode(), format="ntriples", graph=G)
    with store.mirrored():
        copy = store.local_view()
    status = _in_another_process(
        store.location, f"store.update('INSERT DATA {{ GRAPH <{G}> {{ <{E}a> <{E}p> \"2\" }} }}')", crash_at="remote-write"
    )
    with store.mirrored():
        assert len(store.local_view()) == 2  # the written statement is there
    if backend == "oxigraph":
        assert status == 0 and store.unfinished_writes() == 0
        assert store.generation() == store.generation() and store.local_view() is not copy
        return
    assert status == -signal.SIGKILL and store.unfinished_writes() == 1
    assert store.generation() != store.generation()  # no cache can trust itself
    with store.mirrored():
        seen = store.local_view()
    with store.mirrored():
        assert store.local_view() is not seen and store.last_pull is None  # pulled again, whole
    store.announce_change()  # mag-graph refresh
    assert store.unfinished_writes() == 0 and store.generation() == store.generation()
    with store.mirrored():
        seen = store.local_view()
    with store.mirrored():
        assert store.local_view() is seen
