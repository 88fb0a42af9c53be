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

``tests/test_incremental.py`` proves both against full validation with hypothesis;
``docs/shapes-contract.md`` says how to write shapes that keep the analysis precise.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from mag_graph.namespaces import DCTERMS, MAG, RDF, RDFS, SH
from mag_graph.store import from_rdflib_term

# The validation module's prepared shapes, target index and data helpers: this module
# is its companion (the incremental half), so it reads them directly.
from mag_graph.validation.engine import (
    ValidationReport,
    _classes_of,
    _coerce,
    _list_items,
    _prepared,
    _superclasses,
    _target_index,
    _Targets,
    validate,
)

log = logging.getLogger(__name__)

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
    ox_store = _coerce(store)
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


# --------------------------------------------------------------------------- what a change affects


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


def _sparql_prefixes(shapes: Graph) -> dict[str, str]:
    found: dict[str, str] = {}
    for declaration in shapes.objects(None, SH.declare):
        prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
        if prefix is not None and namespace is not None:
            found[str(prefix)] = str(namespace)
    return found


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


def _add_sparql(reads: _ShapeReads, shapes: Graph, constraint: Node, focus: str) -> None:
    """The triple patterns of a SPARQL constraint, from its parsed query: variables are
    nodes (one namespace per constraint), the pre-bound ``$this`` is linked to the focus
    by a ``same`` edge, and patterns in the query's top-level conjunction are marked
    required (so they can rule out a node: a projectleider rule never looks past a post
    without that role)."""
    from rdflib.plugins.sparql import prepareQuery

    query = shapes.value(constraint, SH.select) or shapes.value(constraint, SH.ask)
    if query is None:
        raise _Unsupported(f"SPARQL constraint without a query: {constraint}")
    if re.search(r"\$PATH\b|\$shapesGraph\b", str(query)):
        raise _Unsupported(f"SPARQL constraint using $PATH or $shapesGraph: {constraint}")
    try:
        parsed = prepareQuery(str(query), initNs=_sparql_prefixes(shapes))
    except Exception as error:
        raise _Unsupported(f"unparsable SPARQL constraint {constraint}: {error}") from error
    prefix = reads.fresh("q") + ":"
    reads.edges.append(_Edge(focus, prefix + _THIS, frozenset(), kind="same"))
    for variable, values in _value_sets(parsed.algebra).items():
        if variable != _THIS:
            reads.value_sets[prefix + variable] = frozenset(from_rdflib_term(v) for v in values)
    collected = _SparqlReads(reads, prefix)
    collected.visit(parsed.algebra, reads.new_scope(None), rename={})
    nodes = {n for e in reads.edges for n in (e.a, e.b)}
    if collected.predicates & nodes:
        raise _Unsupported(f"a predicate variable of {constraint} is also a node of a pattern")


class _SparqlReads:
    """Collects the triple patterns of a parsed query (rdflib's algebra, and the parse
    trees it leaves inside EXISTS / NOT EXISTS) as edges of a :class:`_ShapeReads`."""

    # Algebra operators whose listed operands must match in every solution of the operator.
    _REQUIRED: ClassVar[dict[str, tuple[str, ...]]] = {
        "SelectQuery": ("p",), "AskQuery": ("p",), "Project": ("p",), "Distinct": ("p",), "Reduced": ("p",),
        "Slice": ("p",), "OrderBy": ("p",), "Group": ("p",), "AggregateJoin": ("p",), "Filter": ("p",),
        "Extend": ("p",), "Graph": ("p",), "Join": ("p1", "p2"), "LeftJoin": ("p1",), "Minus": ("p1",),
    }

    def __init__(self, reads: _ShapeReads, prefix: str) -> None:
        self.reads = reads
        self.prefix = prefix
        self.predicates: set[str] = set()

    def node(self, term: Any, rename: dict[str, str]) -> str:
        from rdflib.term import Variable

        if isinstance(term, Variable):
            name = str(term)
            return self.prefix + rename.get(name, name)
        if isinstance(term, BNode):
            return self.prefix + "_:" + rename.get(str(term), str(term))
        if isinstance(term, (URIRef, Literal)):
            return self.reads.constant(term)
        raise _Unsupported(f"term {term!r}")

    def visit(self, value: Any, scope: int, *, rename: dict[str, str]) -> None:
        """Patterns of ``value`` into ``scope``; every part that is not simply joined to
        it (OPTIONAL, UNION branches, MINUS, EXISTS, sub-selects, expressions) is a
        group of its own inside it."""
        from rdflib.plugins.sparql.parserutils import CompValue

        child = self.reads.new_scope
        if isinstance(value, CompValue):
            name = value.name
            if name == "ToMultiSet":  # a sub-select: its own variables
                inner = dict(rename)
                projected = {str(v) for v in _projection(value)}
                for variable in _variables(value):
                    if str(variable) not in projected:
                        inner[str(variable)] = self.reads.fresh("s") + "." + str(variable)
                self.visit(value.get("p"), child(scope), rename=inner)
                return
            if name == "BGP":
                for s, p, o in value.get("triples") or ():
                    self.pattern(s, p, o, scope, rename=rename)
                return
            if name == "TriplesBlock":
                for block in value.get("triples") or ():
                    terms = list(block)
                    if len(terms) % 3:
                        raise _Unsupported("triples block")
                    for i in range(0, len(terms), 3):
                        self.pattern(*terms[i:i + 3], scope, rename=rename)
                return
            if name == "GroupGraphPatternSub":  # a group inside EXISTS (parse tree)
                for part in value.get("part") or ():
                    if isinstance(part, CompValue) and part.name == "TriplesBlock":
                        self.visit(part, scope, rename=rename)
                    else:
                        self.visit(part, child(scope), rename=rename)
                return
            keep = self._REQUIRED.get(name, ())
            for key, item in value.items():
                if key in ("_vars", "PV", "var", "datasetClause", "prologue"):
                    continue
                self.visit(item, scope if key in keep else child(scope), rename=rename)
        elif isinstance(value, dict):
            for item in value.values():
                self.visit(item, child(scope), rename=rename)
        elif isinstance(value, (list, tuple)):
            for item in value:
                self.visit(item, child(scope), rename=rename)

    def pattern(self, s: Any, p: Any, o: Any, scope: int, *, rename: dict[str, str]) -> None:
        a = self.node(s, rename)
        if _is_isa_path(p) and isinstance(o, URIRef):
            self.reads.edges.append(_Edge(a, self.reads.constant(o), frozenset({(str(RDF.type), True)}),
                                          kind="isa", scope=scope))
            return
        b = self.node(o, rename)
        self.path(p, a, b, scope, rename=rename)

    def path(self, p: Any, a: str, b: str, scope: int, *, rename: dict[str, str]) -> None:
        from rdflib.paths import (
            AlternativePath,
            InvPath,
            MulPath,
            NegatedPath,
            SequencePath,
        )
        from rdflib.plugins.sparql.parserutils import CompValue
        from rdflib.term import Variable

        reads = self.reads
        if isinstance(p, CompValue):
            p = _translate_path(p)
        if isinstance(p, URIRef):
            reads.edges.append(_Edge(a, b, frozenset({(str(p), True)}), scope=scope))
        elif isinstance(p, Variable):
            # Any predicate. Its value joins nothing else (checked in _add_sparql).
            name = self.node(p, rename)
            if name in self.predicates:
                raise _Unsupported(f"predicate variable used twice: ?{p}")
            self.predicates.add(name)
            reads.edges.append(_Edge(a, b, frozenset({(_ANY, True)}), scope=scope))
        elif isinstance(p, InvPath):
            self.path(p.arg, b, a, scope, rename=rename)
        elif isinstance(p, SequencePath):
            current = a
            for n, part in enumerate(p.args):
                following = b if n == len(p.args) - 1 else reads.fresh(self.prefix + "p")
                self.path(part, current, following, scope, rename=rename)
                current = following
        elif isinstance(p, AlternativePath):
            for part in p.args:
                self.path(part, a, b, reads.new_scope(scope), rename=rename)
        elif isinstance(p, MulPath):
            reads.edges.append(_Edge(a, b, frozenset(_sparql_steps(p.path, True)), repeat=True, scope=scope))
        elif isinstance(p, NegatedPath):
            reads.edges.append(_Edge(a, b, frozenset({(_ANY, True), (_ANY, False)}), scope=scope))
        else:
            raise _Unsupported(f"path {p!r}")


_ABSENT = frozenset({"<absent>"})  # a variable a part of a query does not mention


def _value_sets(algebra: Any) -> dict[str, frozenset[Any]]:
    """Variables that can only hold one of a few constants: bound by ``BIND(constant AS
    ?v)`` (in every branch that can reach the filter) and used in triple patterns only
    inside ``FILTER [NOT] EXISTS``, which cannot bind them: there the bound value is
    substituted (R11's ``?value``, the two task kinds). Anything less plain is left out
    (the variable is then an ordinary variable)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    outside: set[str] = set()
    blocked: set[str] = set()
    filters: list[tuple[Any, set[str]]] = []

    def exists_in(expr: Any) -> list[Any]:
        found, stack = [], [expr]
        while stack:
            item = stack.pop()
            if isinstance(item, CompValue):
                if item.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
                    found.append(item)
                    continue
                stack.extend(v for k, v in item.items() if k != "_vars")
            elif isinstance(item, (list, tuple)):
                stack.extend(item)
            elif isinstance(item, dict):
                stack.extend(item.values())
        return found

    def scan(item: Any) -> None:
        if isinstance(item, CompValue):
            if item.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
                blocked.update(str(v) for v in _variables(item))  # not under a FILTER of its own
                return
            if item.name == "BGP":
                outside.update(str(v) for v in _variables(item))
                return
            if item.name == "Filter":
                for found in exists_in(item.get("expr")):
                    names = {str(v) for v in _variables(found)}
                    filters.append((item, names))
                scan(item.get("p"))
                return
            for key, value in item.items():
                if key != "_vars":
                    scan(value)
        elif isinstance(item, (list, tuple)):
            for value in item:
                scan(value)
        elif isinstance(item, dict):
            for value in item.values():
                scan(value)

    scan(algebra)
    found: dict[str, frozenset[Any]] = {}
    candidates = {n for _, names in filters for n in names} - outside - blocked
    for name in candidates:
        values: set[Any] = set()
        for node, names in filters:
            if name not in names:
                continue
            bound = _const_values(node.get("p"), name)
            if bound is None or bound is _ABSENT:
                break
            values |= bound
        else:
            found[name] = frozenset(values)
    return found


def _const_values(item: Any, name: str) -> frozenset[Any] | None:
    """The constants ``?name`` is bound to in every solution of ``item``; ``_ABSENT``
    when ``item`` does not mention it; None when it may be unbound or bound otherwise."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if not isinstance(item, CompValue):
        return None
    if name not in {str(v) for v in _variables(item)}:
        return _ABSENT
    kind = item.name
    if kind == "Extend":
        inner = _const_values(item.get("p"), name)
        if str(item.get("var")) == name:
            expr = item.get("expr")
            return frozenset({expr}) if isinstance(expr, (URIRef, Literal)) and inner is _ABSENT else None
        return inner
    if kind == "Union":
        left, right = _const_values(item.get("p1"), name), _const_values(item.get("p2"), name)
        if left is None or right is None or left is _ABSENT or right is _ABSENT:
            return None
        return left | right
    if kind == "Join":
        left, right = _const_values(item.get("p1"), name), _const_values(item.get("p2"), name)
        if left is None or right is None:
            return None
        if left is _ABSENT:
            return right
        if right is _ABSENT:
            return left
        return left & right
    if kind in ("LeftJoin", "Minus"):
        if kind == "LeftJoin" and _const_values(item.get("p2"), name) is not _ABSENT:
            return None
        if kind == "LeftJoin" and name in {str(v) for v in _variables(item.get("expr"))}:
            return None
        return _const_values(item.get("p1"), name)
    if kind in ("Filter", "Project", "Distinct", "Reduced", "Slice", "OrderBy"):
        if kind == "Filter" and name in {str(v) for v in _variables(item.get("expr"))}:
            return None  # filtered on it: still one of the constants, but keep it plain
        return _const_values(item.get("p"), name)
    return None


def _translate_path(p: Any) -> Any:
    """A property path of a parse tree (inside EXISTS) as rdflib's path objects."""
    from rdflib.paths import (
        AlternativePath,
        InvPath,
        MulPath,
        NegatedPath,
        SequencePath,
    )
    from rdflib.plugins.sparql.parserutils import CompValue

    if not isinstance(p, CompValue):
        return p
    if p.name == "PathAlternative":
        parts = [_translate_path(x) for x in p.part]
        return parts[0] if len(parts) == 1 else AlternativePath(*parts)
    if p.name == "PathSequence":
        parts = [_translate_path(x) for x in p.part]
        return parts[0] if len(parts) == 1 else SequencePath(*parts)
    if p.name == "PathElt":
        inner = _translate_path(p.part)
        return MulPath(inner, p.mod) if p.get("mod") else inner
    if p.name == "PathEltOrInverse":
        inner = _translate_path(p.part)
        return InvPath(inner) if p.get("inverse") else inner
    if p.name == "PathNegatedPropertySet":
        return NegatedPath(URIRef(str(RDF.nil)))
    raise _Unsupported(f"path {p.name}")


def _sparql_steps(p: Any, forward: bool) -> set[tuple[str, bool]]:
    from rdflib.paths import (
        AlternativePath,
        InvPath,
        MulPath,
        NegatedPath,
        SequencePath,
    )
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(p, CompValue):
        p = _translate_path(p)
    if isinstance(p, URIRef):
        return {(str(p), forward)}
    if isinstance(p, InvPath):
        return _sparql_steps(p.arg, not forward)
    if isinstance(p, (SequencePath, AlternativePath)):
        return {s for part in p.args for s in _sparql_steps(part, forward)}
    if isinstance(p, MulPath):
        return _sparql_steps(p.path, forward)
    if isinstance(p, NegatedPath):
        return {(_ANY, True), (_ANY, False)}
    raise _Unsupported(f"path {p!r}")


def _is_isa_path(p: Any) -> bool:
    """``rdf:type/rdfs:subClassOf*``, the way the shapes ask for an instance of a class."""
    from rdflib.paths import MulPath, SequencePath
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(p, CompValue):
        try:
            p = _translate_path(p)
        except _Unsupported:
            return False
    return (
        isinstance(p, SequencePath) and len(p.args) == 2 and p.args[0] == RDF.type
        and isinstance(p.args[1], MulPath) and p.args[1].path == RDFS.subClassOf and p.args[1].mod == "*"
    )


def _projection(value: Any) -> list[Any]:
    from rdflib.plugins.sparql.parserutils import CompValue

    found: list[Any] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            if "PV" in item:
                found.extend(item["PV"])
                continue
            stack.extend(v for k, v in item.items() if k != "_vars")
    return found


def _variables(value: Any) -> set[Any]:
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    found: set[Any] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Variable):
            found.add(item)
        elif isinstance(item, CompValue):
            found.update(item.get("_vars") or ())
            stack.extend(v for k, v in item.items() if k != "_vars")
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found


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
            pred = None if predicate == _ANY else ox.NamedNode(predicate)
            if direction == forward:
                if isinstance(node, (ox.NamedNode, ox.BlankNode)):
                    found.update(q.object for q in self.store.quads_for_pattern(node, pred, None, None))
            else:
                found.update(q.subject for q in self.store.quads_for_pattern(None, pred, node, None))  # type: ignore[misc]
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
                if isinstance(s, (ox.NamedNode, ox.BlankNode)) and next(iter(self.store.quads_for_pattern(s, pred, o, None)), None):
                    return True
        return False

    def present(self, triple: _Triple) -> bool:
        s, p, o = triple
        return isinstance(s, (ox.NamedNode, ox.BlankNode)) and next(iter(self.store.quads_for_pattern(s, p, o, None)), None) is not None

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
        if not isinstance(node, ox.NamedNode):
            return False
        t = self.targets[shape]
        if node.value in t.nodes or t.classes & self.classes(node):
            return True
        if t.subjects_of and t.subjects_of & {q.predicate.value for q in self.store.quads_for_pattern(node, None, None, None)}:
            return True
        return bool(t.objects_of and t.objects_of & {q.predicate.value for q in self.store.quads_for_pattern(None, None, node, None)})

    def all_targets(self, shape: URIRef) -> set[ox.NamedNode]:
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
                         if isinstance(q.object, ox.NamedNode))
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

    def walk(self, reads: _ShapeReads, start_edge: _Edge, starts: list[tuple[_Term, str]]) -> set[ox.NamedNode]:
        """The focus nodes reached from ``starts`` along simple paths of the shape's
        graph (no shape node twice: in one solution a variable has one value, so going
        back through ``?responsibility`` to every other responsibility is never needed),
        not back over the edge the change matched; only the focus nodes the shape
        targets count."""
        found: set[ox.NamedNode] = set()
        by_node: dict[str, set[_Term]] = defaultdict(set)
        for node, at in starts:
            by_node[at].add(node)
        ends = {start_edge.a, start_edge.b}
        chain = reads.chain(start_edge.scope)
        for at, nodes in by_node.items():
            self._follow(reads, at, nodes, frozenset(ends), chain, found)
        return found

    def _follow(self, reads: _ShapeReads, at: str, nodes: set[_Term], visited: frozenset[str],
                chain: tuple[int, ...], found: set[ox.NamedNode]) -> None:
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

    def affected(self, triples: list[_Triple]) -> set[ox.NamedNode]:
        found: set[ox.NamedNode] = set()
        subjects_of = {p for t in self.targets.values() for p in t.subjects_of}
        objects_of = {p for t in self.targets.values() for p in t.objects_of}
        changed: list[_Triple] = []
        for triple in triples:
            s, p, o = triple
            # What is targeted changes with types and with the predicates targets use.
            if isinstance(s, ox.NamedNode) and (p == _TYPE or p.value in subjects_of):
                found.add(s)
            if isinstance(o, ox.NamedNode) and p.value in objects_of:
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
) -> set[URIRef]:
    """The resources whose validation results can differ because ``triples`` were added
    or removed, as far as the store in its current state shows: call it on the store
    before the change and after it, and validate the union.

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
        return affected_nodes(ox_store, nodes)
    walk = _Walk(ox_store, index, _target_index(reference_date, key))
    return {URIRef(n.value) for n in walk.affected(changed)}


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
