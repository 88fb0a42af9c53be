"""The remote store's generation record and its kept in-memory copy, and removing blank
nodes with typed literals, on real `oxigraph serve` and Virtuoso servers
(mag_graph/store/remote_generation.py, remote.py, remote_transaction.py)."""

from __future__ import annotations

from typing import Any

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from mag_graph.store import StoreError

E = "https://example.org/"
G = URIRef(E + "g")
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
    # the record is no data: not listed, counted or exported
    assert store.graphs() == [] and len(store) == 0
    assert b"generation" not in (store.export(format="nquads") or b"")


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_kept_copy_follows_own_writes_and_is_pulled_again_after_anothers(backend: str, triplestores: Any) -> None:
    store = triplestores.open(backend)
    store.load(NODE.encode(), format="nquads")
    other = triplestores.open(backend, clear=False)  # another process on the same triplestore
    pulls: list[int] = []
    pull = store.local_copy

    def counted(*args: Any, **kwargs: Any) -> Any:
        pulls.append(1)
        return pull(*args, **kwargs)

    store.local_copy = counted  # type: ignore[method-assign]
    s, p = URIRef(E + "s"), URIRef(E + "p")
    with store.mirrored():
        assert len(store.local_view()) == 7
        with store.transaction() as tx:  # own write: applied to the copy, no pull
            tx.add((s, p, Literal("eigen")), graph=G)
        assert (s, p, Literal("eigen"), G) in list(store.quads(s, p, None, G))
    with store.mirrored():
        assert len(store.local_view()) == 8
    assert len(pulls) == 1
    with other.transaction() as tx:  # another's write moves the generation on
        tx.add((s, p, Literal("ander")), graph=G)
    with store.mirrored():
        assert len(store.local_view()) == 9
        assert {str(o) for _, _, o, _ in store.quads(s, p, None, G)} == {"eigen", "ander"}
    assert len(pulls) == 2
    other.close()
