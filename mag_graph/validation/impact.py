"""What a change to the graph can affect: the resources whose validation result an edit
can alter, so that incremental validation (:func:`mag_graph.validation.validate` with
``focus_nodes``) gives the results a full validation gives for them.

Two answers, from narrow to wide:

* :func:`affected_by` (what the CMS uses) works from the changed *statements* and from
  what each shape reads - its paths, nested shapes and the triple patterns of its SPARQL
  constraints (parsed with rdflib) - and walks from a changed statement back to the focus
  nodes of the shapes that read its predicate, over the data. A shape it cannot analyse
  makes it fall back to the wide set, with a warning in the log.
* :func:`affected_nodes` is everything within two links of a changed resource; it serves
  :func:`validate_change`, which is only told which resources changed.

What each shape reads is worked out in :mod:`mag_graph.validation.shape_reads` (SHACL Core,
and the index over all shapes) and :mod:`mag_graph.validation.sparql_reads` (SPARQL
constraints), as the graph of :mod:`mag_graph.validation.dependency_graph`; this module walks
that graph over the data.

``tests/test_incremental.py`` proves both against full validation with hypothesis;
``docs/shapes-contract.md`` says how to write shapes that keep the analysis precise.
"""


from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, URIRef
from rdflib.term import Node

from mag_graph.namespaces import DCTERMS, MAG, RDF, RDFS
from mag_graph.store import from_rdflib_term, to_rdflib_term
from mag_graph.validation.data import _coerce
from mag_graph.validation.dependency_graph import _ANY, _THIS, _Edge, _ShapeReads
from mag_graph.validation.engine import (
    _target_index,
    _Targets,
    validate,
)
from mag_graph.validation.focused import _classes_of, _superclasses
from mag_graph.validation.report import ValidationReport
from mag_graph.validation.shape_reads import _reads_index

# Nodes a change never spreads through: vocabulary terms, concept schemes, municipalities,
# sources and graph names are linked to by almost everything, so walking through them
# would make every change "affect" the whole graph without any shape needing it.
_HUB_PREFIXES = (
    "https://data.mag-graph.nl/def/",
    "https://data.mag-graph.nl/id/bron/",
    "https://data.mag-graph.nl/graph/",
    "https://identifier.overheid.nl/tooi/",
    "http://www.w3.org/",
    "http://purl.org/",
    "https://schema.org/",
    "http://xmlns.com/",
)
_SKIP_PREDICATES = {
    ox.NamedNode(str(RDF.type)),
    ox.NamedNode(str(DCTERMS.source)),
    ox.NamedNode(str(MAG.municipality)),
}
AFFECTED_HOPS = 2


def affected_nodes(store: Any, changed: Iterable[Node], *, hops: int = AFFECTED_HOPS) -> set[URIRef]:
    """The resources whose validation a change to ``changed`` can alter.

    The shapes reach at most two steps from their focus node (a budget's amount's value,
    a term's end's date, a consultation's meetings' dates, a dashboard's partnership's
    importance), in either direction, so everything within ``hops`` links of a changed
    resource is revalidated.

    This is the wide, node-based set: the CMS uses :func:`affected_by`, which works from
    the changed statements and what the shapes read (narrower, and it follows SPARQL
    constraints however far they reach); this one remains its fallback and serves
    :func:`validate_change`, which is only told which resources changed."""
    ox_store = store if isinstance(store, _WithStatements) else _coerce(store)
    frontier: set[ox.NamedNode | ox.BlankNode] = set()
    for node in changed:
        if isinstance(node, URIRef):
            frontier.add(ox.NamedNode(str(node)))
        elif isinstance(node, BNode):
            frontier.add(ox.BlankNode(str(node)))
        elif isinstance(node, (ox.NamedNode, ox.BlankNode)):
            frontier.add(node)
    seen = set(frontier)
    for _ in range(hops):
        following: set[ox.NamedNode | ox.BlankNode] = set()
        for node in frontier:
            if isinstance(node, ox.NamedNode) and node.value.startswith(_HUB_PREFIXES):
                continue
            for quad in ox_store.quads_for_pattern(node, None, None, None):
                if quad.predicate not in _SKIP_PREDICATES and isinstance(quad.object, (ox.NamedNode, ox.BlankNode)):
                    following.add(quad.object)
            for quad in ox_store.quads_for_pattern(None, None, node, None):
                if quad.predicate not in _SKIP_PREDICATES:
                    following.add(quad.subject)
        frontier = following - seen
        seen |= following
    return {
        URIRef(n.value)
        for n in seen
        if isinstance(n, ox.NamedNode) and not n.value.startswith(_HUB_PREFIXES)
    }


_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
_Term = ox.NamedNode | ox.BlankNode | ox.Literal
_Triple = tuple[_Term, ox.NamedNode, _Term]


class _Walk:
    """Finds, in one state of the store, the focus nodes a set of changed triples can
    reach through what the shapes read (see :func:`affected_by`)."""

    def __init__(self, store: ox.Store, index: dict[URIRef, _ShapeReads], targets: dict[URIRef, _Targets]) -> None:
        self.store = store
        self.index = index
        self.targets = targets
        self.closure: dict[ox.NamedNode, set[str]] = {}
        self.class_cache: dict[Any, set[str]] = {}
        # What the walk read, kept for the rest of it (the store does not change during a
        # walk): shapes read the same statements (R19-R22 walk the same consultations,
        # R02-R04 the same decisions), so each lookup is made once per walk, not per shape.
        self._neighbours: dict[tuple[Any, str, bool], tuple[_Term, ...]] = {}
        self._exists: dict[tuple[Any, Any, Any], bool] = {}

    # -- reading the store
    def classes(self, node: _Term) -> set[str]:
        if not isinstance(node, (ox.NamedNode, ox.BlankNode)):
            return set()
        if node not in self.class_cache:
            self.class_cache[node] = _classes_of(self.store, node, self.closure)  # type: ignore[arg-type]
        return self.class_cache[node]

    def superclasses(self, cls: _Term) -> set[str]:
        if not isinstance(cls, ox.NamedNode):
            return set()
        return _superclasses(self.store, cls, self.closure)

    def step(self, node: _Term, steps: frozenset[tuple[str, bool]], forward: bool) -> set[_Term]:
        """Nodes one step away along ``steps`` (read backwards when not ``forward``)."""
        found: set[_Term] = set()
        for predicate, direction in steps:
            found.update(self.neighbours(node, predicate, direction == forward))
        return found

    def neighbours(self, node: _Term, predicate: str, as_subject: bool) -> tuple[_Term, ...]:
        """The objects of ``node``'s ``predicate`` statements (``as_subject``), else the
        subjects of those it is the object of; read once per walk."""
        key = (node, predicate, as_subject)
        found = self._neighbours.get(key)
        if found is None:
            pred = None if predicate == _ANY else ox.NamedNode(predicate)
            if as_subject:
                found = (tuple(q.object for q in self.store.quads_for_pattern(node, pred, None, None))
                         if isinstance(node, (ox.NamedNode, ox.BlankNode)) else ())
            else:
                found = tuple(q.subject for q in self.store.quads_for_pattern(None, pred, node, None))
            self._neighbours[key] = found
        return found

    def exists(self, s: Any, p: Any, o: Any) -> bool:
        """Whether the store holds a statement matching the pattern (``None``: any); read
        once per walk, and never more than the first match."""
        key = (s, p, o)
        found = self._exists.get(key)
        if found is None:
            found = self._exists[key] = next(iter(self.store.quads_for_pattern(s, p, o, None)), None) is not None
        return found

    def reach(self, node: _Term, steps: frozenset[tuple[str, bool]], forward: bool) -> set[_Term]:
        """Nodes any number of steps away (the node itself included)."""
        seen = {node}
        frontier = [node]
        while frontier:
            for following in self.step(frontier.pop(), steps, forward):
                if following not in seen:
                    seen.add(following)
                    frontier.append(following)
        return seen

    def has(self, node: _Term, edge: _Edge, forward: bool, constants: frozenset[Any]) -> bool:
        for predicate, direction in edge.steps:
            pred = None if predicate == _ANY else ox.NamedNode(predicate)
            for constant in constants:
                s, o = (node, constant) if direction == forward else (constant, node)
                if isinstance(s, (ox.NamedNode, ox.BlankNode)) and self.exists(s, pred, o):
                    return True
        return False

    def present(self, triple: _Triple) -> bool:
        s, p, o = triple
        return isinstance(s, (ox.NamedNode, ox.BlankNode)) and self.exists(s, p, o)

    # -- the walk
    def viable(self, reads: _ShapeReads, node: _Term, at: str, chain: tuple[int, ...]) -> bool:
        """Whether ``node`` can stand at ``at`` in a solution of the groups ``chain``:
        it has every pattern of those groups linking ``at`` to a constant."""
        for scope in chain:
            for edge in reads.filters[scope].get(at, ()) if scope in reads.filters else ():
                if edge.kind == "isa":
                    if str(reads.constants[edge.b].value) not in self.classes(node):
                        return False
                elif edge.a == at:
                    if not self.has(node, edge, True, reads.fixed(edge.b)):  # type: ignore[arg-type]
                        return False
                elif not self.has(node, edge, False, reads.fixed(edge.a)):  # type: ignore[arg-type]
                    return False
        return True

    def targeted(self, shape: URIRef, node: _Term) -> bool:
        t = self.targets[shape]
        if isinstance(node, ox.Literal):
            # A literal is a focus node only as the object of a sh:targetObjectsOf predicate.
            return any(self._linked(node, predicate, False) for predicate in t.objects_of)
        if not isinstance(node, ox.NamedNode):
            return False
        if node.value in t.nodes or t.classes & self.classes(node):
            return True
        # One lookup per target predicate, not a scan of every statement about the node:
        # a municipality or a council is the object of thousands at 1M triples.
        if any(self._linked(node, predicate, True) for predicate in t.subjects_of):
            return True
        return any(self._linked(node, predicate, False) for predicate in t.objects_of)

    def _linked(self, node: ox.NamedNode | ox.Literal, predicate: str, as_subject: bool) -> bool:
        """Whether ``node`` is the subject (else the object) of a ``predicate`` statement."""
        pred = ox.NamedNode(predicate)
        return self.exists(node, pred, None) if as_subject else self.exists(None, pred, node)

    def all_targets(self, shape: URIRef) -> set[ox.NamedNode | ox.Literal]:
        t = self.targets[shape]
        found = {ox.NamedNode(n) for n in t.nodes}
        for cls in t.classes:
            for sub in self.reach(ox.NamedNode(cls), frozenset({(str(RDFS.subClassOf), True)}), False):
                found.update(q.subject for q in self.store.quads_for_pattern(None, _TYPE, sub, None)  # type: ignore[misc]
                             if isinstance(q.subject, ox.NamedNode))
        for predicate in t.subjects_of:
            found.update(q.subject for q in self.store.quads_for_pattern(None, ox.NamedNode(predicate), None, None)  # type: ignore[misc]
                         if isinstance(q.subject, ox.NamedNode))
        for predicate in t.objects_of:
            found.update(q.object for q in self.store.quads_for_pattern(None, ox.NamedNode(predicate), None, None)  # type: ignore[misc]
                         if isinstance(q.object, (ox.NamedNode, ox.Literal)))
        return found

    def starts(self, reads: _ShapeReads, edge: _Edge, triple: _Triple) -> list[tuple[_Term, str]]:
        """Where a walk begins when ``edge`` is matched by ``triple``: both ends of the
        match, each where it can stand in a solution of the edge's groups (a match one
        of whose ends cannot is no match)."""
        s, p, o = triple
        chain = reads.chain(edge.scope)
        found: list[tuple[_Term, str]] = []
        if edge.kind == "isa":
            if p == _TYPE and str(reads.constants[edge.b].value) in self.superclasses(o) \
                    and self.viable(reads, s, edge.a, chain):
                found.append((s, edge.a))
            return found
        for predicate, forward in edge.steps:
            if predicate not in (_ANY, p.value):
                continue
            before, after = (s, o) if forward else (o, s)
            if edge.repeat:
                sides = [(edge.a, self.reach(before, edge.steps, False)), (edge.b, self.reach(after, edge.steps, True))]
            else:
                sides = [(edge.a, {before}), (edge.b, {after})]
            kept = []
            for at, nodes in sides:
                fixed = reads.fixed(at)
                if fixed is not None:
                    nodes = nodes & fixed
                else:
                    nodes = {n for n in nodes if self.viable(reads, n, at, chain)}
                if not nodes:
                    break
                if fixed is None:
                    kept.extend((n, at) for n in nodes)
            else:
                found.extend(kept)
        return found

    def walk(self, reads: _ShapeReads, start_edge: _Edge, starts: list[tuple[_Term, str]]) -> set[ox.NamedNode | ox.Literal]:
        """The focus nodes reached from ``starts`` along simple paths of the shape's
        graph (no shape node twice: in one solution a variable has one value, so going
        back through ``?responsibility`` to every other responsibility is never needed),
        not back over the edge the change matched; only the focus nodes the shape
        targets count."""
        found: set[ox.NamedNode | ox.Literal] = set()
        by_node: dict[str, set[_Term]] = defaultdict(set)
        for node, at in starts:
            by_node[at].add(node)
        ends = {start_edge.a, start_edge.b}
        chain = reads.chain(start_edge.scope)
        for at, nodes in by_node.items():
            self._follow(reads, at, nodes, frozenset(ends), chain, found)
        return found

    def _follow(self, reads: _ShapeReads, at: str, nodes: set[_Term], visited: frozenset[str],
                chain: tuple[int, ...], found: set[ox.NamedNode | ox.Literal]) -> None:
        nodes = {n for n in nodes if self.viable(reads, n, at, chain)}
        if not nodes:
            return
        if at == _THIS:
            found.update(n for n in nodes if self.targeted(reads.shape, n))  # type: ignore[misc]
            return
        for edge in reads.at_node.get(at, ()):
            if edge.kind == "isa":
                continue
            for other, forward in ((edge.b, True), (edge.a, False)):
                if (edge.a if forward else edge.b) != at or reads.fixed(other) is not None or other in visited:
                    continue
                following: set[_Term] = set()
                for node in nodes:
                    if edge.kind == "same":
                        following.add(node)
                    elif edge.repeat:
                        following |= self.reach(node, edge.steps, forward)
                    else:
                        following |= self.step(node, edge.steps, forward)
                if following:
                    self._follow(reads, other, following, visited | {other}, chain, found)

    def affected(self, triples: list[_Triple]) -> set[ox.NamedNode | ox.Literal]:
        found: set[ox.NamedNode | ox.Literal] = set()
        subjects_of = {p for t in self.targets.values() for p in t.subjects_of}
        objects_of = {p for t in self.targets.values() for p in t.objects_of}
        changed: list[_Triple] = []
        for triple in triples:
            s, p, o = triple
            # What is targeted changes with types and with the predicates targets use.
            if isinstance(s, ox.NamedNode) and (p == _TYPE or p.value in subjects_of):
                found.add(s)
            if isinstance(o, (ox.NamedNode, ox.Literal)) and p.value in objects_of:
                found.add(o)
            if p == _SUBCLASS:
                # A change to the class hierarchy changes the classes of every instance
                # below it: read as a change to each instance's type.
                for sub in self.reach(s, frozenset({(str(RDFS.subClassOf), True)}), False):
                    for quad in self.store.quads_for_pattern(None, _TYPE, sub, None):
                        if isinstance(quad.subject, ox.NamedNode):
                            found.add(quad.subject)
                        changed.append((quad.subject, _TYPE, sub))  # type: ignore[arg-type]
            # A witness in this state is made of triples of this state.
            if self.present(triple):
                changed.append(triple)
        for reads in self.index.values():
            for triple in changed:
                edges = reads.by_predicate.get(triple[1].value, []) + reads.any_edges
                for edge in edges:
                    if edge in reads.detached:
                        found |= self.all_targets(reads.shape)
                        break
                    starts = self.starts(reads, edge, triple)
                    if starts:
                        found |= self.walk(reads, edge, starts)
        return found


class _WithStatements:
    """A store read as if it also held some statements (the ones a change removed), for
    the one walk over both states of a change (:func:`affected_by` with ``also``). Only
    what the walk reads: :meth:`quads_for_pattern`."""

    def __init__(self, store: ox.Store, extra: Iterable[_Triple]) -> None:
        self.store = store
        self.extra = [ox.Quad(s, p, o) for s, p, o in dict.fromkeys(extra)]  # type: ignore[arg-type]

    def quads_for_pattern(self, s: Any, p: Any, o: Any, g: Any = None) -> Iterable[ox.Quad]:
        yield from self.store.quads_for_pattern(s, p, o, g)
        for quad in self.extra:
            if (s is None or quad.subject == s) and (p is None or quad.predicate == p) and (o is None or quad.object == o):
                yield quad


def _ox_triple(triple: Any) -> _Triple:
    if isinstance(triple, (ox.Quad, ox.Triple)):
        return (triple.subject, triple.predicate, triple.object)  # type: ignore[return-value]
    s, p, o = triple[0], triple[1], triple[2]
    return tuple(t if isinstance(t, (ox.NamedNode, ox.BlankNode, ox.Literal)) else from_rdflib_term(t) for t in (s, p, o))  # type: ignore[return-value]


def affected_by(
    store: Any,
    triples: Iterable[Any],
    *,
    date: dt.date | None = None,
    rules: Iterable[str] | None = None,
    also: Iterable[Any] = (),
) -> set[Node]:
    """The resources whose validation results can differ because ``triples`` were added
    or removed, as far as the store in its current state shows: call it on the store
    before the change and after it, and validate the union. IRIs, and literals where a
    shape targets the objects of a predicate (``sh:targetObjectsOf mag:holder`` makes
    a literal holder a focus node).

    Or once, after the change, with ``also`` the statements it removed: the walk then
    reads the store as holding those too, the union of both states. Every step of the
    walk only asks whether statements exist (no step is cut short by one that does), so
    what it finds in the union includes what it finds in either state: the same
    guarantee at half the cost (a few more nodes, found through paths that mix removed
    and added statements, may be validated needlessly).

    Worked out from the shapes (:func:`_reads_index`): a changed triple ``(s, p, o)``
    matters only to shapes that read ``p`` somewhere (a property path, a ``sh:class``, a
    triple pattern of a SPARQL constraint, inside FILTER NOT EXISTS or not); from there
    the walk follows exactly the patterns that join that one to the shape's focus node,
    over the data of this state, and keeps the nodes the shape targets. Required patterns
    to constants (``$this org:role magb:Projectleider``, ``?o a mag:MagAssignment``) cut
    the walk short where they do not hold. Also affected: the subjects of changed types
    (what is targeted changes). A query part joined to the focus node only through a
    FILTER or BIND makes every target of its shape affected.

    When a shape uses something not modelled (a ``$PATH``, a variable predicate, an
    unknown constraint), it falls back to the wide :func:`affected_nodes`.
    The property-based tests in tests/test_incremental.py check this against full
    validation on random edits."""
    key = tuple(sorted({r.upper() for r in rules})) if rules is not None else None
    reference_date = date or dt.date.today()
    ox_store = _coerce(store)
    changed = [_ox_triple(t) for t in triples]
    index = _reads_index(reference_date, key)
    if index is None:
        nodes = {t for triple in changed for t in (triple[0], triple[2]) if isinstance(t, (ox.NamedNode, ox.BlankNode))}
        found = affected_nodes(ox_store, nodes)
        removed = [_ox_triple(t) for t in also]
        if removed:  # the wide set over the removed statements' own links as well
            found |= affected_nodes(_WithStatements(ox_store, removed), nodes)
        return found
    extra = [_ox_triple(t) for t in also]
    reading: Any = _WithStatements(ox_store, extra) if extra else ox_store
    walk = _Walk(reading, index, _target_index(reference_date, key))
    return {URIRef(n.value) if isinstance(n, ox.NamedNode) else to_rdflib_term(n) for n in walk.affected(changed)}


def validate_change(
    store: Any,
    changed: Iterable[Node],
    *,
    date: dt.date | None = None,
    lang: str = "nl",
) -> ValidationReport:
    """Incremental validation: only the resources a change can affect (see
    :func:`affected_nodes`), with the results a full validation gives for them."""
    return validate(store, date=date, lang=lang, focus_nodes=affected_nodes(store, changed))


__all__ = ["AFFECTED_HOPS", "affected_by", "affected_nodes", "validate_change"]
