"""Incremental validation on the set-based engine: each shape evaluated for only the
focus nodes a change can affect (:func:`mag_graph.validation.impact.affected_by`),
instead of all its targets.

:func:`~mag_graph.validation.setbased.run_setbased` takes ``focus_nodes``; for each shape
it asks :class:`Focus` which of those nodes the shape targets, and evaluates the shape's
constraints for them (``VALUES ?this { ... }`` inside the targets' sub-select). The
constraints are the same queries as in a full validation, so the results for those nodes
are the ones a full validation gives (tests/test_incremental.py proves it against full
validation with hypothesis; tests/test_focused_validation.py compares both engines).

Which focus nodes a shape targets is read from the store in Python, a few index lookups
per node (its types with their superclasses, the predicates it is subject and object
of), never by computing the shape's whole target set: at a million triples a class like
``mag:Responsibility`` has tens of thousands of instances, a write touches a handful.

The shapes graph that pySHACL builds from the prepared shapes (tens of milliseconds: every
shape, path and constraint read from rdflib) is kept per shapes graph and reused by later
runs (:func:`reused_shapes_graph`); the prepared shapes are cached per date and never
changed after preparing, so a kept one is never out of date.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from rdflib import Literal, URIRef

from mag_graph.namespaces import RDF, RDFS
from mag_graph.store import from_rdflib_term

__all__ = ["Focus", "reused_shapes_graph"]



class Focus:
    """The focus nodes of one incremental run, with what decides which shapes target
    them: their classes (``rdf:type/rdfs:subClassOf*``, as SHACL's class targets read
    them, in any graph: the data graph is the union), the predicates they are subject of
    and object of."""

    def __init__(self, store: ox.Store, nodes: Iterable[Any]) -> None:
        self.store = store
        self.nodes = sorted({str(n) for n in nodes if isinstance(n, (URIRef, ox.NamedNode))
                             and not isinstance(n, ox.BlankNode)})
        # Literal focus nodes (the object of a sh:targetObjectsOf predicate), with the
        # predicates they are the object of; shapes targeting them go to pySHACL whole.
        self.literal_objects_of = {
            literal: frozenset(q.predicate.value for q in store.quads_for_pattern(None, None, from_rdflib_term(literal), None))
            for literal in {n for n in nodes if isinstance(n, Literal)}
        }
        self._closure: dict[ox.NamedNode, set[str]] = {}
        self.classes: dict[str, frozenset[str]] = {}
        for iri in self.nodes:
            self.classes[iri] = frozenset(_classes_of(store, ox.NamedNode(iri), self._closure))
        # Whether a node is the subject (True) or object (False) of a predicate, looked up
        # per target predicate when a shape asks, not by reading every statement about the
        # node: a resource edited often is the object of each of its history records.
        self._linked: dict[tuple[str, str, bool], bool] = {}

    def linked(self, iri: str, predicate: str, as_subject: bool) -> bool:
        """Whether ``iri`` is the subject (else the object) of a ``predicate`` statement."""
        key = (iri, predicate, as_subject)
        found = self._linked.get(key)
        if found is None:
            node, pred = ox.NamedNode(iri), ox.NamedNode(predicate)
            pattern = (node, pred, None) if as_subject else (None, pred, node)
            found = self._linked[key] = next(iter(self.store.quads_for_pattern(*pattern, None)), None) is not None
        return found

    def targeted(self, shape: Any) -> list[str] | None:
        """The focus nodes (IRIs) that ``shape`` (a top-level pySHACL shape) targets; None
        when a declaration cannot be written as a query (a blank node, a non-IRI class)."""
        declared = _declared(shape)
        if declared is None:
            return None
        nodes, classes, subjects_of, objects_of = declared
        return [
            iri for iri in self.nodes
            if iri in nodes
            or classes & self.classes[iri]
            or any(self.linked(iri, p, True) for p in subjects_of)
            or any(self.linked(iri, p, False) for p in objects_of)
        ]

    def targets_a_literal(self, shape: Any) -> bool:
        """Whether ``shape`` may target one of the literal focus nodes (always, when its
        declarations cannot be read as IRIs)."""
        if not self.literal_objects_of:
            return False
        declared = _declared(shape)
        if declared is None:
            return True
        objects_of = declared[3]
        return any(objects_of & predicates for predicates in self.literal_objects_of.values())

    @staticmethod
    def component(kind: type, shape: Any) -> Any:
        """pySHACL's constraint component ``kind`` of ``shape``, made once per shapes graph:
        made from the shapes graph alone (a SPARQL constraint collects its prefixes and
        checks its query then: milliseconds each), and given the data graph each time it
        evaluates."""
        made = _components.setdefault(shape.sg, {})
        key = (shape.node, kind)
        if key not in made:
            made[key] = kind(shape)  # a ConstraintLoadWarning is raised again next time
        return made[key]


_components: weakref.WeakKeyDictionary[Any, dict[Any, Any]] = weakref.WeakKeyDictionary()

_Declared = tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]
# Per pySHACL shapes graph (kept by reused_shapes_graph): each shape's target declarations.
_declarations: weakref.WeakKeyDictionary[Any, dict[Any, _Declared | None]] = weakref.WeakKeyDictionary()


def _declared(shape: Any) -> _Declared | None:
    """A shape's target declarations as IRIs (nodes, classes with the implicit class
    target, subjects-of and objects-of predicates), read once per shapes graph."""
    known = _declarations.setdefault(shape.sg, {})
    if shape.node not in known:
        nodes, classes, implicit, objects_of, subjects_of = (list(t) for t in shape.target())
        terms = [*nodes, *classes, *implicit, *objects_of, *subjects_of]
        if any(not isinstance(t, URIRef) for t in terms):
            known[shape.node] = None
        else:
            known[shape.node] = (frozenset(map(str, nodes)), frozenset(map(str, [*classes, *implicit])),
                                 frozenset(map(str, subjects_of)), frozenset(map(str, objects_of)))
    return known[shape.node]


_kept: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()


def reused_shapes_graph(source: Any, fresh: Any) -> Any:
    """The pySHACL shapes graph kept for the shapes graph ``source``, or ``fresh`` (just
    made for it), which is kept from now on. Shapes are read from the shapes graph only,
    never from the data, so one kept shapes graph serves runs on any store."""
    with _kept_lock:
        kept = _kept.get(source)
        if kept is None:
            _kept[source] = kept = fresh
        return kept


_RDF_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS_OF = ox.NamedNode(str(RDFS.subClassOf))


def _classes_of(store: ox.Store, node: ox.NamedNode, closure: dict[ox.NamedNode, set[str]]) -> set[str]:
    """The node's types with all their superclasses (rdfs:subClassOf*, as SHACL's class
    targets use them), read from the store."""
    found: set[str] = set()
    for quad in store.quads_for_pattern(node, _RDF_TYPE, None, None):
        if isinstance(quad.object, ox.NamedNode):
            found |= _superclasses(store, quad.object, closure)
    return found


def _superclasses(store: ox.Store, cls: ox.NamedNode, closure: dict[ox.NamedNode, set[str]]) -> set[str]:
    """A class with all its superclasses (rdfs:subClassOf*), remembered in ``closure``."""
    if cls not in closure:
        supers: set[str] = set()
        frontier = [cls]
        while frontier:
            current = frontier.pop()
            if current.value in supers:
                continue
            supers.add(current.value)
            frontier.extend(
                q.object for q in store.quads_for_pattern(current, _SUBCLASS_OF, None, None)
                if isinstance(q.object, ox.NamedNode)
            )
        closure[cls] = supers
    return closure[cls]
