"""Transactions: changes collected in a ``with store.transaction() as tx:`` block and
applied at once, atomically when Oxigraph allows it and otherwise step by step with
undo (see :class:`Transaction`).
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Any, Protocol, Self

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef

from mag_graph.store.errors import MagGraphError
from mag_graph.store.sources import _reraise_parse, _resolve_source
from mag_graph.store.terms import (
    GraphArg,
    OxGraphName,
    _Converter,
    _graph_name,
    _graph_out,
    _has_blank_node,
    _rdflib_quad,
    _to_quad,
    from_rdflib_term,
)


class _StoreHandle(Protocol):
    """What a transaction needs of its store: the pyoxigraph store it writes to."""

    @property
    def _db(self) -> ox.Store: ...

    def _require(self) -> ox.Store: ...


def _data_block(quads: Iterable[ox.Quad]) -> str:
    """The body of INSERT DATA / DELETE DATA: triples grouped by graph."""
    by_graph: dict[Any, list[str]] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name, []).append(f"{q.subject} {q.predicate} {q.object} .")
    parts = []
    for graph, lines in by_graph.items():
        body = "\n".join(lines)
        if isinstance(graph, ox.DefaultGraph):
            parts.append(body)
        else:
            parts.append(f"GRAPH {graph} {{\n{body}\n}}")
    return "\n".join(parts)


class Transaction:
    """Changes collected in a ``with store.transaction() as tx:`` block, applied at once.

    Nothing touches the store until the block ends; an exception inside the block
    discards everything. At the end the net effect is applied in one atomic step when
    Oxigraph allows it: only additions -> ``Store.extend``; graph drops, removals and
    additions -> one SPARQL update (``DROP``/``DELETE DATA``/``INSERT DATA``), which
    Oxigraph runs as one transaction. SPARQL cannot name an existing blank node, so
    when a removal involves a blank node (or an addition reuses a blank node already in
    the store) the steps are applied one by one and undone in reverse if one fails.
    Blank nodes that are new in the transaction get fresh labels when the SPARQL path
    is taken (SPARQL ``INSERT DATA`` semantics).

    ``added``, ``removed`` and ``dropped_graphs`` report the net change, for history
    and validation.
    """

    def __init__(self, store: _StoreHandle) -> None:
        self._store = store
        self._adds: dict[ox.Quad, None] = {}
        self._removes: dict[ox.Quad, None] = {}
        self._dropped: dict[Any, None] = {}
        self._clear_all = False
        self._open = True

    # -- collecting

    def _check_open(self) -> None:
        if not self._open:
            raise MagGraphError(
                "deze transactie is al afgesloten", "this transaction is already finished"
            )

    def add(self, quad: Any, graph: GraphArg = None) -> None:
        """Add a statement: ``(s, p, o)`` (into ``graph``) or ``(s, p, o, g)``."""
        self._check_open()
        q = _to_quad(quad, graph)
        self._removes.pop(q, None)
        self._adds[q] = None

    def add_many(self, quads: Iterable[Any], graph: GraphArg = None) -> int:
        """Add many statements; returns how many were given."""
        n = 0
        for quad in quads:
            self.add(quad, graph)
            n += 1
        return n

    def remove(self, quad: Any, graph: GraphArg = None) -> None:
        """Remove a statement (a no-op at commit if the store does not hold it)."""
        self._check_open()
        q = _to_quad(quad, graph)
        self._adds.pop(q, None)
        self._removes[q] = None

    def add_graph(self, rdf_graph: Graph, graph: GraphArg) -> int:
        """Add every triple of an rdflib graph to the named graph ``graph``."""
        self._check_open()
        target = _graph_name(graph)
        bnodes: dict[str, ox.BlankNode] = {}
        n = 0
        for s, p, o in rdf_graph:
            q = ox.Quad(
                from_rdflib_term(s, blank_nodes=bnodes),
                from_rdflib_term(p),
                from_rdflib_term(o, blank_nodes=bnodes),
                target,
            )
            self._removes.pop(q, None)
            self._adds[q] = None
            n += 1
        return n

    def remove_graph(self, graph: GraphArg) -> None:
        """Drop a named graph (or empty the default graph) with everything in it."""
        self._check_open()
        name = _graph_name(graph)
        self._adds = {q: None for q in self._adds if q.graph_name != name}
        self._removes = {q: None for q in self._removes if q.graph_name != name}
        self._dropped[name] = None

    def _drop_before_adds(self, graph: OxGraphName) -> None:
        """Drop ``graph`` first at commit, keeping what is staged for it (replace loads)."""
        self._removes = {q: None for q in self._removes if q.graph_name != graph}
        self._dropped[graph] = None

    def clear(self) -> None:
        """Empty the whole store (all graphs)."""
        self._check_open()
        self._adds.clear()
        self._removes.clear()
        self._dropped.clear()
        self._clear_all = True

    def load(
        self,
        source: Any,
        *,
        format: str | None = None,
        graph: GraphArg = None,
        replace: bool = False,
        base_iri: str | None = None,
    ) -> set[URIRef | BNode | None]:
        """Parse a source and stage its statements; returns the graphs it writes into
        (``None`` = default graph).

        ``replace`` empties those graphs at commit, before any addition of this
        transaction (so several sources can replace the same graph together).
        Raises :class:`ParseError` at the first syntax error (nothing is staged then).
        """
        staged = self._stage(source, format=format, graph=graph, replace=replace, base_iri=base_iri)
        return {_graph_out(g) for g in staged}

    def _stage(
        self,
        source: Any,
        *,
        format: str | None,
        graph: GraphArg | OxGraphName,
        replace: bool,
        base_iri: str | None,
    ) -> set[OxGraphName]:
        self._check_open()
        src = _resolve_source(source, format)
        target = None if graph is None else _graph_name(graph)
        staged: list[ox.Quad] = []
        try:
            for q in ox.parse(
                **src.parse_kwargs(), format=src.format, base_iri=base_iri, rename_blank_nodes=True
            ):
                if target is not None:
                    q = ox.Quad(q.subject, q.predicate, q.object, target)
                staged.append(q)
        except (SyntaxError, ValueError, OSError) as exc:
            _reraise_parse(src, exc)
            raise
        graphs: set[OxGraphName] = set()
        for q in staged:
            self._removes.pop(q, None)
            self._adds[q] = None
            graphs.add(q.graph_name)
        if target is not None:
            graphs.add(target)
        elif not src.format.supports_datasets:
            graphs.add(ox.DefaultGraph())
        if replace:
            for g in graphs:
                self._drop_before_adds(g)
        return graphs

    # -- reporting

    @property
    def added(self) -> list[tuple[Any, Any, Any, Any]]:
        conv = _Converter()
        return [_rdflib_quad(q, conv) for q in self._adds]

    @property
    def removed(self) -> list[tuple[Any, Any, Any, Any]]:
        conv = _Converter()
        return [_rdflib_quad(q, conv) for q in self._removes]

    @property
    def dropped_graphs(self) -> list[URIRef | BNode | None]:
        return [_graph_out(g) for g in self._dropped]

    @property
    def cleared(self) -> bool:
        return self._clear_all

    def __len__(self) -> int:
        return len(self._adds) + len(self._removes) + len(self._dropped) + int(self._clear_all)

    # -- applying

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.commit()
        finally:
            self._open = False

    def commit(self) -> None:
        """Apply the collected changes (called by the ``with`` block)."""
        self._check_open()
        self._open = False
        self._store._require()
        if not len(self):
            return
        adds = list(self._adds)
        removes = list(self._removes)
        if not removes and not self._dropped and not self._clear_all:
            self._store._db.extend(adds)
            return
        if not any(map(_has_blank_node, removes)) and not self._reuses_blank_nodes(adds):
            self._store._db.update(self._as_update(adds, removes))
            return
        self._apply_stepwise(adds, removes)

    def _reuses_blank_nodes(self, adds: list[ox.Quad]) -> bool:
        seen: set[ox.BlankNode] = set()
        for q in adds:
            for term in (q.subject, q.object, q.graph_name):
                if isinstance(term, ox.Triple):
                    return True
                if isinstance(term, ox.BlankNode) and term not in seen:
                    seen.add(term)
                    if next(iter(self._store._db.quads_for_pattern(term, None, None, None)), None) is not None:
                        return True
                    if next(iter(self._store._db.quads_for_pattern(None, None, term, None)), None) is not None:
                        return True
        return False

    def _as_update(self, adds: list[ox.Quad], removes: list[ox.Quad]) -> str:
        ops: list[str] = []
        if self._clear_all:
            ops.append("DROP SILENT ALL")
        for g in self._dropped:
            if isinstance(g, ox.DefaultGraph):
                ops.append("CLEAR SILENT DEFAULT")
            else:
                ops.append(f"DROP SILENT GRAPH {g}")
        if removes:
            ops.append(f"DELETE DATA {{\n{_data_block(removes)}\n}}")
        if adds:
            ops.append(f"INSERT DATA {{\n{_data_block(adds)}\n}}")
        return " ;\n".join(ops)

    def _apply_stepwise(self, adds: list[ox.Quad], removes: list[ox.Quad]) -> None:
        undo: list[Any] = []
        try:
            if self._clear_all:
                everything = list(self._store._db)
                self._store._db.clear()
                undo.append(lambda: self._store._db.extend(everything))
            for g in self._dropped:
                content = list(self._store._db.quads_for_pattern(None, None, None, g))
                existed = isinstance(g, ox.DefaultGraph) or self._store._db.contains_named_graph(g)
                if isinstance(g, ox.DefaultGraph):
                    self._store._db.clear_graph(g)
                else:
                    self._store._db.remove_graph(g)

                def restore(g: Any = g, content: list[ox.Quad] = content, existed: bool = existed) -> None:
                    if existed and not isinstance(g, ox.DefaultGraph):
                        self._store._db.add_graph(g)
                    self._store._db.extend(content)

                undo.append(restore)
            present = [q for q in removes if q in self._store._db]
            for i, q in enumerate(present):
                self._store._db.remove(q)
                undo.append(lambda q=q: self._store._db.add(q))
            new = [q for q in adds if q not in self._store._db]
            self._store._db.extend(new)
        except BaseException:
            for step in reversed(undo):
                step()
            raise
