"""What every top-level shape reads from its focus node outwards (:func:`_reads_index`):
its property paths, ``sh:class``, pair constraints, ``sh:closed``, nested and logical
shapes, and its SPARQL constraints (:mod:`mag_graph.validation.sparql_reads`), as the
dependency graph of :mod:`mag_graph.validation.dependency_graph`; and which of its reads
are joined to the focus node only through a FILTER, BIND or constant (:func:`_detached`).
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from mag_graph.namespaces import RDF, SH
from mag_graph.validation.dependency_graph import (
    _ANY,
    _THIS,
    _Edge,
    _ShapeReads,
    _Unsupported,
)
from mag_graph.validation.engine import _target_index
from mag_graph.validation.shapes import _list_items, _prepared
from mag_graph.validation.sparql_reads import _add_sparql

log = logging.getLogger(__name__)


_VALUE_ONLY = {
    # Constraints that look at nothing but the value nodes themselves (their count, term,
    # datatype, language ...), or are metadata.
    SH[name] for name in (
        "minCount", "maxCount", "datatype", "nodeKind", "minInclusive", "maxInclusive", "minExclusive",
        "maxExclusive", "minLength", "maxLength", "pattern", "flags", "languageIn", "uniqueLang", "hasValue",
        "in", "qualifiedMinCount", "qualifiedMaxCount", "name", "description", "message", "severity", "group",
        "order", "path", "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "defaultValue",
        "ignoredProperties", "prefixes", "declare", "deactivated",
    )
}
_PAIR_CONSTRAINTS = {SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals}


def _add_path(reads: _ShapeReads, shapes: Graph, path: Node, a: str, b: str) -> None:
    """Edges for a SHACL property path (an RDF node) from ``a`` to ``b``."""
    if isinstance(path, URIRef):
        reads.edges.append(_Edge(a, b, frozenset({(str(path), True)})))
        return
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        _add_path(reads, shapes, inverse, b, a)
        return
    for predicate in (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
        inner = shapes.value(path, predicate)
        if inner is not None:
            reads.edges.append(_Edge(a, b, frozenset(_shacl_steps(shapes, inner, True)), repeat=True))
            return
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        for alternative in _list_items(shapes, alternatives):
            _add_path(reads, shapes, alternative, a, b)
        return
    items = _list_items(shapes, path)
    if not items:
        raise _Unsupported(f"path {path}")
    current = a
    for n, item in enumerate(items):
        following = b if n == len(items) - 1 else reads.fresh()
        _add_path(reads, shapes, item, current, following)
        current = following


def _shacl_steps(shapes: Graph, path: Node, forward: bool) -> set[tuple[str, bool]]:
    """Every predicate a SHACL path can step over, with its direction (for repeated
    paths, read as any number of such steps: a superset of what the path matches)."""
    if isinstance(path, URIRef):
        return {(str(path), forward)}
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return _shacl_steps(shapes, inverse, not forward)
    for predicate in (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath, SH.alternativePath):
        inner = shapes.value(path, predicate)
        if inner is not None:
            if predicate == SH.alternativePath:
                return {s for item in _list_items(shapes, inner) for s in _shacl_steps(shapes, item, forward)}
            return _shacl_steps(shapes, inner, forward)
    items = _list_items(shapes, path)
    if not items:
        raise _Unsupported(f"path {path}")
    return {s for item in items for s in _shacl_steps(shapes, item, forward)}


def _add_shape(reads: _ShapeReads, shapes: Graph, shape: Node, focus: str, stack: tuple[Node, ...] = ()) -> None:
    """The edges of a shape applied to the nodes at ``focus`` (its constraints, nested
    shapes and SPARQL constraints; never required: SHACL Core results are per constraint)."""
    if shape in stack:
        return  # a recursive shape reads nothing new the second time round
    stack = (*stack, shape)
    path = shapes.value(shape, SH.path)
    value = focus
    if path is not None:
        value = reads.fresh()
        _add_path(reads, shapes, path, focus, value)
    for predicate, obj in shapes.predicate_objects(shape):
        if predicate in (SH.property, SH.node, SH.qualifiedValueShape, SH["not"]):
            _add_shape(reads, shapes, obj, value, stack)
        elif predicate in (SH["and"], SH["or"], SH.xone):
            for item in _list_items(shapes, obj):
                _add_shape(reads, shapes, item, value, stack)
        elif predicate == SH["class"]:
            reads.edges.append(_Edge(value, reads.constant(obj), frozenset({(str(RDF.type), True)}), kind="isa"))
        elif predicate in _PAIR_CONSTRAINTS:
            reads.edges.append(_Edge(focus, reads.fresh(), frozenset({(str(obj), True)})))
        elif predicate == SH.closed:
            if obj == Literal(True):
                reads.edges.append(_Edge(value, reads.fresh(), frozenset({(_ANY, True)})))
        elif predicate == SH.sparql:
            _add_sparql(reads, shapes, obj, focus)
        elif str(predicate).startswith(str(SH)) and predicate not in _VALUE_ONLY:
            raise _Unsupported(f"{shape}: {predicate}")


@lru_cache(maxsize=16)
def _reads_index(reference_date: dt.date, rule_ids: tuple[str, ...] | None) -> dict[URIRef, _ShapeReads] | None:
    """What every top-level shape reads, or None when some shape is not modelled (then
    changes are followed through the wide neighbourhood of :func:`affected_nodes`)."""
    shapes, _ = _prepared(reference_date, rule_ids)
    index: dict[URIRef, _ShapeReads] = {}
    try:
        for shape in _target_index(reference_date, rule_ids):
            reads = _ShapeReads(shape)
            _add_shape(reads, shapes, shape, _THIS)
            reads.index()
            reads.detached = _detached(reads)
            index[shape] = reads
    except _Unsupported as error:
        log.warning("incrementele validatie: %s; valt terug op de wijde omgeving / falls back to the wide set", error)
        return None
    return index


def _detached(reads: _ShapeReads) -> set[_Edge]:
    """Edges not connected to the focus node by other patterns (joined to it only through
    a FILTER, a BIND or a constant): a change they read can alter the result of any
    focus node of the shape."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for edge in reads.edges:
        if reads.fixed(edge.a) is None and reads.fixed(edge.b) is None:
            parent[find(edge.a)] = find(edge.b)
    root = find(_THIS)
    return {
        e for e in reads.edges
        if all(find(n) != root for n in (e.a, e.b) if reads.fixed(n) is None)
    }
