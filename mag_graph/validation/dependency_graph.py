"""What a shape reads, as a graph: the model the incremental impact analysis works with.

A top-level shape's reads (:class:`_ShapeReads`) are edges (:class:`_Edge`) between its
nodes - its focus node (``_THIS``), the value nodes of its paths, the variables of its
SPARQL constraints, constants - each saying which predicates a walk between the two
follows. :mod:`mag_graph.validation.shape_reads` builds them from the shapes,
:mod:`mag_graph.validation.sparql_reads` from SPARQL constraints, and
:mod:`mag_graph.validation.impact` walks them over the data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

from mag_graph.namespaces import RDF
from mag_graph.store import from_rdflib_term

_ANY = "*"  # a step over any predicate (a variable predicate, a negated property set, sh:closed)
_THIS = "this"  # the focus node of a top-level shape, in its dependency graph


@dataclass(frozen=True)
class _Edge:
    """One thing a shape reads between two of its nodes (variables of its queries, value
    nodes of its paths, or constants).

    ``steps`` are (predicate IRI or ``_ANY``, forward) pairs: a walk from ``a`` to ``b``
    follows one of them (``repeat``: any number of them, none included). ``kind`` is
    ``"path"``, ``"isa"`` (``a`` has a type that is ``b`` or a subclass of it, ``b`` a
    constant class) or ``"same"`` (``a`` and ``b`` are the same node: a nested shape or
    a SPARQL constraint applied to a value node). ``scope``: the group of a SPARQL query
    whose conjunction the pattern stands in (-1: none, SHACL Core). Every solution of a
    group matches all its patterns, and a solution that holds a changed triple comes
    with solutions of all the groups around it; so a walk that begins at a pattern of
    group G may drop nodes that lack a pattern of G, or of a group around G, linking
    them to a constant."""

    a: str
    b: str
    steps: frozenset[tuple[str, bool]]
    repeat: bool = False
    kind: str = "path"
    scope: int = -1


@dataclass
class _ShapeReads:
    """Everything one top-level shape reads from its focus node outwards, as a graph of
    :class:`_Edge`; constants are nodes of their own (``const:`` + key), one per
    occurrence, so a walk never spreads through a vocabulary term."""

    shape: URIRef
    edges: list[_Edge] = field(default_factory=list)
    constants: dict[str, ox.NamedNode | ox.Literal] = field(default_factory=dict)
    # Query variables that can only hold one of a few constants (bound by BIND or VALUES
    # and used in triple patterns only inside FILTER [NOT] EXISTS): read like constants.
    value_sets: dict[str, frozenset[Any]] = field(default_factory=dict)
    parents: dict[int, int | None] = field(default_factory=dict)
    counter: int = 0
    detached: set[_Edge] = field(default_factory=set)

    def fresh(self, prefix: str = "v") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def constant(self, term: Node) -> str:
        key = f"const:{self.fresh()}"
        self.constants[key] = from_rdflib_term(term)  # type: ignore[assignment]
        return key

    def new_scope(self, parent: int | None) -> int:
        self.counter += 1
        self.parents[self.counter] = parent
        return self.counter

    def fixed(self, name: str) -> frozenset[Any] | None:
        """The values a shape node can have when they are known (constants), else None."""
        if name in self.constants:
            return frozenset({self.constants[name]})
        return self.value_sets.get(name)

    def chain(self, scope: int) -> tuple[int, ...]:
        """The scope and the groups around it."""
        found = []
        current: int | None = scope
        while current is not None and current >= 0:
            found.append(current)
            current = self.parents.get(current)
        return tuple(found)

    def index(self) -> None:
        """Edges by predicate read (``rdf:type`` for ``isa`` edges) and by node."""
        self.by_predicate: dict[str, list[_Edge]] = defaultdict(list)
        self.at_node: dict[str, list[_Edge]] = defaultdict(list)
        self.filters: dict[int, dict[str, list[_Edge]]] = defaultdict(lambda: defaultdict(list))
        for edge in self.edges:
            if edge.kind == "isa":
                self.by_predicate[str(RDF.type)].append(edge)
            elif edge.kind == "path":
                for predicate, _ in edge.steps:
                    if edge not in self.by_predicate[predicate]:
                        self.by_predicate[predicate].append(edge)
            self.at_node[edge.a].append(edge)
            if edge.b != edge.a:
                self.at_node[edge.b].append(edge)
            if edge.scope < 0 or edge.repeat or edge.kind == "same":
                continue
            if self.fixed(edge.b) is not None and self.fixed(edge.a) is None:
                self.filters[edge.scope][edge.a].append(edge)
            elif self.fixed(edge.a) is not None and self.fixed(edge.b) is None:
                self.filters[edge.scope][edge.b].append(edge)
        self.any_edges = self.by_predicate.pop(_ANY, [])


class _Unsupported(Exception):
    """A shape uses something the dependency analysis does not model; the caller falls
    back to the wide neighbourhood of the change."""
