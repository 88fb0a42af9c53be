"""Transactions on a remote store: the changes of a ``with store.transaction() as tx:``
block sent as ONE SPARQL Update request (``DROP``/``CLEAR``, ``DELETE DATA``,
``INSERT DATA``), so a CMS write or a small load is one request.

Whether that is atomic is the server's business, per backend (``Backend.atomic_requests``):

* Oxigraph (``oxigraph serve``) runs every update request in one transaction: all its
  operations or none (a failing operation undoes the earlier ones, tested by
  ``tests/test_store.py::test_update_is_atomic``); readers never see half of it.
* Virtuoso (7.2, tested) applies the operations of a request one after the other and
  keeps those before a failing one (tested with a failing ``CREATE GRAPH``, ``LOAD``
  and a division by zero after an ``INSERT DATA``: the insert stays), and a request of
  many operations runs into its transaction timeout. So on Virtuoso the steps are sent one by one (drops and
  removals as updates, additions through the Graph Store Protocol, which Virtuoso takes
  about twenty times faster than ``INSERT DATA``); a failure half-way says that the
  change may be partly applied. Each single operation is atomic on Virtuoso. Such a
  write marks itself unfinished in the generation record before its first step and
  removes the mark with its last (:mod:`mag_graph.store.remote_generation`), so a crash
  in between is seen by every process.
* Any other store: SPARQL 1.1 Update recommends, but does not require, that a request
  be atomic; mag-graph assumes it (``generic``), so check the store's documentation.

Differences from the embedded :class:`~mag_graph.store.transaction.Transaction`, both
because SPARQL cannot name a blank node that is already in the store:

* removing statements that involve blank nodes is done by their shape, not their label
  (:func:`blank_node_deletes`): each set of removed statements connected through blank
  nodes becomes one ``DELETE { ... } WHERE { ... }`` with the blank nodes as variables,
  where every blank node must have no other statements in that graph (in or out) than
  the removed ones; removing only some of them is refused. So it removes exactly the stored nodes described, up to nodes that are
  indistinguishable (two blank nodes with the same statements under the same parent are
  both removed; the embedded store removes the one named). The CMS removes blank nodes
  only like that: a nested node with all its statements;
* dropping a graph named by a blank node is refused with a
  :class:`~mag_graph.store.errors.StoreError` before anything is sent;
* blank nodes in added statements are new nodes (``INSERT DATA`` semantics), also when
  they carry the label of a node the store holds; within one transaction one label is
  one node (on Virtuoso within one graph, see :mod:`mag_graph.store.remote_sparql`). So
  a blank node put back (a refused CMS write undone) is the same statements under a new
  label.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from mag_graph.store import loading as _limits
from mag_graph.store.crashpoints import crash_point
from mag_graph.store.errors import MagGraphError, StoreError
from mag_graph.store.remote_generation import bump_operations, graph_key, new_token
from mag_graph.store.remote_sparql import BlankNodeSets, Dialect
from mag_graph.store.terms import _has_blank_node
from mag_graph.store.transaction import Transaction


class RemoteTransaction(Transaction):
    """A :class:`Transaction` whose commit is one SPARQL Update request to a remote store."""

    def __init__(self, store: Any) -> None:
        super().__init__(store)

    def commit(self) -> None:
        """Send the collected changes as one update request (called by the ``with`` block)."""
        self._check_open()
        self._open = False
        self._store._require()
        if not len(self):
            return
        adds = list(self._adds)
        removes = list(self._removes)
        refuse_blank_nodes(removes, self._dropped, adds)
        store = self._store
        dialect = store._dialect
        ops: list[str] = []
        if self._clear_all:
            ops += dialect.clear_all(store.graphs())
        ops += [dialect.drop(g) for g in self._dropped]
        ops += dialect.delete([q for q in removes if not _has_blank_node(q)])
        for delete, exact, loose in blank_node_deletes(
            [q for q in removes if _has_blank_node(q)], dialect
        ):
            if not store._select(exact) and store._select(loose):
                raise StoreError(
                    "een externe store kan niet een deel van de uitspraken van een blanco knoop verwijderen "
                    "(SPARQL kan een opgeslagen blanco knoop niet aanwijzen; verwijder ze alle)",
                    "a remote store cannot remove some of a blank node's statements "
                    "(SPARQL cannot name a stored blank node; remove all of them)",
                )
            ops.append(delete)
        # The store's generation moves on with the change (remote_generation): in the
        # same request where a request is atomic, else as the last step.
        # The record names the graphs changed (any, after a clear of the whole store).
        names = {q.graph_name for q in [*removes, *adds]} | set(self._dropped)
        keys = None if self._clear_all else sorted(graph_key(g) for g in names)
        token = new_token()
        with store._announcing():
            store._touch(None if keys is None else names)
            previous = store._pending  # the mark of this write where it takes several requests
            store._mirror_hold = True
            try:
                self._send(store, dialect, ops, adds, token, keys)
            except BaseException:
                store._mirror_hold = False
                store._forget_mirror()
                raise
            store._mirror_hold = False
            store._pending, store._changed = None, set()
            in_step = store._mirror_applied(
                self._clear_all, list(self._dropped), removes, adds
            )
            store._moved_to(token, in_step=in_step, previous=previous, graphs=keys or ())

    @staticmethod
    def _send(
        store: Any,
        dialect: Dialect,
        ops: list[str],
        adds: list[ox.Quad],
        token: str,
        keys: list[str] | None,
    ) -> None:
        if dialect.backend.atomic_requests:
            bump = bump_operations(token, keys)
            store._write(" ;\n".join([*ops, *dialect.insert(adds), *bump]))
            store._wrote = False
            return
        # A backend that applies no request atomically: the steps go one by one, the
        # additions without blank nodes through the Graph Store Protocol (much faster on
        # Virtuoso than INSERT DATA), and an error says the change may be partly applied.
        try:
            store._write_ops(ops)
            store._post([q for q in adds if not _has_blank_node(q)], _limits.BULK_CHUNK)
            store._write_ops(dialect.insert([q for q in adds if _has_blank_node(q)]))
            crash_point("remote-write")  # test-only: the steps sent, the end not recorded
            store._write_ops(bump_operations(token, keys, finished=store._pending))
            store._wrote = False
        except MagGraphError as exc:
            raise StoreError(
                f"{exc.nl}; de wijziging is mogelijk deels doorgevoerd ({dialect.backend.name} voert een verzoek niet atomair uit)",
                f"{exc.en}; the change may be partly applied ({dialect.backend.name} does not apply a request atomically)",
            ) from None


def refuse_blank_nodes(
    removes: list[ox.Quad], dropped: Any, adds: list[ox.Quad]
) -> None:
    """Raise when a change cannot be said in SPARQL: a graph named by a blank node
    (removed statements with blank nodes are said by :func:`blank_node_deletes`)."""
    if (
        any(isinstance(q.graph_name, ox.BlankNode) for q in removes)
        or any(isinstance(g, ox.BlankNode) for g in dropped)
        or any(isinstance(q.graph_name, ox.BlankNode) for q in adds)
    ):
        raise StoreError(
            "een externe store kan geen graaf met een blanco knoop als naam schrijven of verwijderen",
            "a remote store cannot write or drop a graph named by a blank node",
        )


def blank_node_deletes(
    removes: list[ox.Quad], dialect: Dialect
) -> list[tuple[str, str, str]]:
    """How to remove statements with blank nodes, by their shape: per set of statements
    connected through blank nodes (the blank nodes as variables) the ``DELETE { ... }
    WHERE { ... }`` operation, in which each blank node must have no other statements in
    that graph, as subject or object, than the removed ones (``FILTER NOT EXISTS``, so
    another node with the same statements and more is not taken for it), and two ``ASK`` queries: with and
    without that condition (:meth:`RemoteTransaction.commit` refuses the removal of some
    of a blank node's statements, which the first finds and the second does not). Terms
    are written from the quads (N-Triples syntax); graph names are IRIs or the backend's
    default graph."""
    if any(isinstance(q.graph_name, ox.BlankNode) for q in removes):
        raise StoreError(
            "een externe store kan geen graaf met een blanco knoop als naam aanwijzen",
            "a remote store cannot address a graph named by a blank node",
        )
    sets = BlankNodeSets()
    for q in removes:
        sets.add(q)
    out = []
    for connected in sets.sets():
        names: dict[str, str] = {}
        term = _variables(names)

        def in_graph(graph: Any, body: str) -> str:
            iri = dialect.graph_iri(graph)
            return body if iri is None else f"GRAPH <{iri}> {{ {body} }}"

        patterns = [
            in_graph(
                q.graph_name,
                f"{term(q.subject)} {term(q.predicate)} {term(q.object)} .",
            )
            for q in connected
        ]
        outgoing: dict[tuple[str, Any], list[tuple[str, str, Any]]] = {}
        incoming: dict[tuple[str, Any], list[tuple[str, str]]] = {}
        for q in connected:
            s_, p_, o_ = term(q.subject), term(q.predicate), term(q.object)
            if isinstance(q.subject, ox.BlankNode):
                outgoing.setdefault((s_, q.graph_name), []).append((p_, o_, q.object))
                incoming.setdefault((s_, q.graph_name), [])
            if isinstance(q.object, ox.BlankNode):
                incoming.setdefault((o_, q.graph_name), []).append((s_, p_))
                outgoing.setdefault((o_, q.graph_name), [])
        filters = []
        for (var, graph), pairs in outgoing.items():
            by_value = dialect.backend.typed_literals_by_value
            known = (
                " || ".join(
                    f"(sameTerm(?p_, {p}) && {_same('?o_', o, t, by_value)})"
                    for p, o, t in pairs
                )
                or "false"
            )
            filters.append(
                f"FILTER NOT EXISTS {{ {in_graph(graph, f'{var} ?p_ ?o_ .')} FILTER(!({known})) }}"
            )
        for (var, graph), pairs in incoming.items():
            # "=" for the subject (an IRI or another blank node, never a literal): see _same.
            known = (
                " || ".join(f"(?s_ = {x} && sameTerm(?p_, {p}))" for x, p in pairs)
                or "false"
            )
            filters.append(
                f"FILTER NOT EXISTS {{ {in_graph(graph, f'?s_ ?p_ {var} .')} FILTER(!({known})) }}"
            )
        template = "\n".join(patterns)
        exact = f"{template}\n" + "\n".join(filters)
        out.append(
            (
                f"DELETE {{\n{template}\n}} WHERE {{\n{exact}\n}}",
                f"ASK {{\n{exact}\n}}",
                f"ASK {{\n{template}\n}}",
            )
        )
    return out


def _same(var: str, text: str, term: Any, by_value: bool = False) -> str:
    """``var`` is ``term`` (written as ``text``): ``isIRI`` and ``=`` for an IRI,
    ``=`` for a variable (``sameTerm`` misfires on Virtuoso 7.2 in both cases); for
    a literal its lexical form and, for a language-tagged one, its language (Virtuoso
    answers ``sameTerm(?o, "x")`` false for a stored plain literal "x", and ``DATATYPE``
    and ``LANG`` of a constant or a typed literal are no use there; so two literals that
    differ only in datatype count as the same here, which only matters for a blank node
    holding both).

    ``by_value`` (Oxigraph and Virtuoso keep typed literals as values): a literal with a
    datatype other than ``xsd:string`` is compared by value, ``?o = "1500.00"^^xsd:decimal``,
    since ``STR`` answers the server's own form (``"1500"``, a ``dateTime`` with
    ``+00:00`` for ``Z``); an incomparable pair (a string against a number) is false, not
    an error (``COALESCE``), so it never hides another statement of the node. Two stored
    literals equal in value are one value on such a server anyway."""
    if isinstance(term, ox.NamedNode):
        # Virtuoso 7.2 answers sameTerm(?o, <iri>) with an error for a variable in the
        # object position (so FILTER(!(... || sameTerm(?o, <iri>))) was never true and a
        # blank node with an rdf:type, like the example budget's amount, was never
        # removed); for an IRI, "=" is the same test and works everywhere.
        return f"(isIRI({var}) && {var} = {text})"
    if not isinstance(term, ox.Literal):
        # Another blank node of the removal (a variable): sameTerm(?o, ?b) inside FILTER
        # NOT EXISTS is false on Virtuoso 7.2 once ?b is also bound by a pattern with a
        # typed literal (the example's period: its instants' dates); "=" is the same test
        # for blank nodes (a literal against a blank node is false, not an error).
        return f"({var} = {text})"
    lexical = ox.Literal(term.value)
    if by_value and not term.language and term.datatype.value != _XSD_STRING:
        return f"(isLiteral({var}) && COALESCE({var} = {text}, false))"
    if not term.language:  # Virtuoso's LANG() of a typed literal is no use either
        return f"(isLiteral({var}) && STR({var}) = {lexical})"
    return f"(isLiteral({var}) && STR({var}) = {lexical} && LANG({var}) = {ox.Literal(term.language)})"


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _variables(names: dict[str, str]) -> Any:
    """A term in SPARQL syntax, each blank node label a variable of its own."""

    def term(t: Any) -> str:
        if isinstance(t, ox.BlankNode):
            return names.setdefault(t.value, f"?b{len(names)}")
        if isinstance(t, ox.Triple):
            raise StoreError(
                "een externe store verwijdert geen RDF 1.2-tripletermen met blanco knopen",
                "a remote store does not remove RDF 1.2 triple terms with blank nodes",
            )
        return str(t)

    return term
