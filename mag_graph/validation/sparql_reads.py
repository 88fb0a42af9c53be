"""What a SPARQL constraint reads: its query parsed with rdflib, and its triple patterns
(in the query's groups: the conjunction, OPTIONAL, UNION branches, MINUS, FILTER [NOT]
EXISTS, sub-selects) added as edges of the shape's dependency graph
(:mod:`mag_graph.validation.dependency_graph`), with the variables that can only hold a
few constants read like constants.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, ClassVar

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from mag_graph.namespaces import RDF, RDFS, SH
from mag_graph.store import from_rdflib_term
from mag_graph.validation.dependency_graph import (
    _ANY,
    _THIS,
    _Edge,
    _ShapeReads,
    _Unsupported,
)


def _sparql_prefixes(shapes: Graph) -> dict[str, str]:
    found: dict[str, str] = {}
    for declaration in shapes.objects(None, SH.declare):
        prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
        if prefix is not None and namespace is not None:
            found[str(prefix)] = str(namespace)
    return found


def _add_sparql(reads: _ShapeReads, shapes: Graph, constraint: Node, focus: str) -> None:
    """The triple patterns of a SPARQL constraint, from its parsed query: variables are
    nodes (one namespace per constraint), the pre-bound ``$this`` is linked to the focus
    by a ``same`` edge, and patterns in the query's top-level conjunction are marked
    required (so they can rule out a node: a projectleider rule never looks past a post
    without that role)."""
    query = shapes.value(constraint, SH.select) or shapes.value(constraint, SH.ask)
    if query is None:
        raise _Unsupported(f"SPARQL constraint without a query: {constraint}")
    if re.search(r"\$PATH\b|\$shapesGraph\b", str(query)):
        raise _Unsupported(f"SPARQL constraint using $PATH or $shapesGraph: {constraint}")
    try:
        algebra = _algebra(str(query), tuple(sorted(_sparql_prefixes(shapes).items())))
    except Exception as error:
        raise _Unsupported(f"unparsable SPARQL constraint {constraint}: {error}") from error
    prefix = reads.fresh("q") + ":"
    reads.edges.append(_Edge(focus, prefix + _THIS, frozenset(), kind="same"))
    for variable, values in _value_sets(algebra).items():
        if variable != _THIS:
            reads.value_sets[prefix + variable] = frozenset(from_rdflib_term(v) for v in values)
    collected = _SparqlReads(reads, prefix)
    collected.visit(algebra, reads.new_scope(None), rename={})
    nodes = {n for e in reads.edges for n in (e.a, e.b)}
    if collected.predicates & nodes:
        raise _Unsupported(f"a predicate variable of {constraint} is also a node of a pattern")


@lru_cache(maxsize=1024)
def _algebra(query: str, prefixes: tuple[tuple[str, str], ...]) -> Any:
    """rdflib's algebra of a query, by its text and prefixes. Parsing is most of the cost
    of the reads index (rdflib's pyparsing grammar, about 0.1 s a constraint), and only
    the constraints that ask for ``$referenceDate`` differ between dates, so the others
    are parsed once per process. Safe to share: the text and prefixes are the whole
    input of the parse, and the algebra is only read (:class:`_SparqlReads`,
    :func:`_value_sets`). A query that does not parse raises again each time."""
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(query, initNs=dict(prefixes)).algebra


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
