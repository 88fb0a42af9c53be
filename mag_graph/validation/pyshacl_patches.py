"""Compatibility and speed patches to pySHACL, applied once when this module is imported.

Written for pySHACL 0.40.1 (pinned ``>=0.40.1,<0.41`` in pyproject.toml): each patch
replaces or wraps a pySHACL internal (a method, a module attribute, a class attribute) by
name, and marks what it installed so that applying it twice does nothing. A newer pySHACL
may rename or change those internals; re-check every patch below before raising the pin.

Correctness, for pySHACL running on pyoxigraph through its ``OxigraphDataGraph`` bridge:

* :func:`_literals_have_no_outgoing_statements` - the bridge passes a literal as the
  subject of a pattern (``sh:class`` on a literal value) and Oxigraph refuses it with a
  TypeError that would crash the run; such reads now yield nothing.
* :func:`_focus_filter_only_at_the_top` - pySHACL's ``focus_nodes`` option also filters
  the value nodes of nested shapes (``sh:node``, qualified shapes, logical constraints),
  so counts go wrong; nested evaluations now run without the filter.
* :func:`_prebind_by_substitution` - pre-bound ``$this`` / ``$value`` are written into the
  query text instead of Oxigraph ``substitutions``, which Oxigraph 0.5 evaluates over the
  whole store and refuses for variables outside the projection (``bound($this)`` becomes
  ``(true)``).
* :func:`_plain_strings_stay_plain` - Oxigraph's ``xsd:string`` literals come back plain,
  so they equal the plain literals of the shapes graph (``sh:hasValue``, ``sh:in``).
* :func:`_derived_datatypes_on_oxigraph` - ``sh:datatype xsd:byte`` (or another type
  derived from xsd:integer, or xsd:dateTimeStamp) accepts what Oxigraph stores such
  values as (an xsd:integer in range, an xsd:dateTime with a time zone).

SHACL conformance, on any data graph (the W3C SHACL test suite, tests/test_w3c_shacl.py):

* :func:`_prefixes_through_imports` - SPARQL prefixes from
  ``sh:prefixes/owl:imports*/sh:declare``.
* :func:`_unique_lang_only_when_true` - ``sh:uniqueLang`` only for the literal ``true``.

Speed only (the same results, measured on the example and at 100k-1M triples):

* :func:`_check_each_query_once` - the per-focus-node regular-expression check of each
  SPARQL constraint's text is done once per text.
* :func:`_oxigraph_graph_is_truthy` - ``bool(data_graph)`` no longer counts every quad.
* :func:`_constraint_parameters_as_set` - the ``p in CONSTRAINT_PARAMS`` scan asks a
  frozenset (:class:`_ParameterList`).
* :func:`_shape_triples_read_once` - a shape's own triples are read once per wrapped
  shapes graph.
* :func:`_constraint_components_built_once` - SHACL Core constraint components are built
  once per (shape, component) and run.
* :func:`_prebinding_scan_once` - the five prebinding regular expressions remember their
  search per query text (:class:`_RememberedSearch`).
* :func:`_result_terms_converted_once` - Oxigraph IRIs and literals are converted to
  rdflib terms once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pyoxigraph as ox


def _check_each_query_once() -> None:
    """pySHACL re-checks the text of every SPARQL constraint (for MINUS, VALUES, SERVICE
    ...) with regular expressions that grow quadratically with the query's length, once
    per focus node: measured at two thirds of a validation run here. The outcome depends
    only on the text, so it is remembered. Applied once, on import."""
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

    original = SPARQLQueryHelper.check_invalid_sparql
    if getattr(original, "_checks_once", False):
        return
    passed: set[tuple[str, bool, frozenset[str]]] = set()

    def check_once(self: Any, sparql_text: str, valuenode: Any = None, extravars: Any = None) -> bool:
        key = (sparql_text, valuenode is not None, frozenset(extravars or ()))
        if key not in passed:
            original(self, sparql_text, valuenode=valuenode, extravars=extravars)
            passed.add(key)
        return True

    check_once._checks_once = True  # type: ignore[attr-defined]
    SPARQLQueryHelper.check_invalid_sparql = check_once  # type: ignore[method-assign]


def _oxigraph_graph_is_truthy() -> None:
    """pySHACL tests its data graph for truth while describing each result; the Oxigraph
    bridge has no ``__bool__``, so Python falls back to ``__len__`` and counts every quad
    of the store (about 10 ms per result on the example, growing with the store). A data
    graph is always "something", so it answers True at once. Applied once, on import."""
    from pyshacl.graph_abstraction import OxigraphDataGraph

    if "__bool__" not in vars(OxigraphDataGraph):
        OxigraphDataGraph.__bool__ = lambda self: True  # type: ignore[attr-defined]


def _literals_have_no_outgoing_statements() -> None:
    """pySHACL's Oxigraph bridge passes a literal as the subject of a pattern when a value
    it follows is a literal - e.g. ``sh:class`` on a node whose ``rdf:type`` is a literal
    walks ``rdfs:subClassOf`` from that literal - and Oxigraph refuses a literal subject
    with a TypeError, which would crash the whole validation. In RDF a literal is never
    a subject, so those reads have no answer: they now yield nothing (the node is then
    reported as not of the class, as pySHACL on rdflib would). Applied once, on import."""
    from pyshacl.graph_abstraction import OxigraphDataGraph
    from rdflib import Literal as RdfLiteral

    for name in ("objects", "predicate_objects"):
        original = getattr(OxigraphDataGraph, name)
        if getattr(original, "_mag_graph_literal_guard", False):
            continue

        def guarded(self: Any, subject: Any = None, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            if isinstance(subject, RdfLiteral):
                return iter(())
            return _original(self, subject, *args, **kwargs)

        guarded._mag_graph_literal_guard = True  # type: ignore[attr-defined]
        setattr(OxigraphDataGraph, name, guarded)


def _focus_filter_only_at_the_top() -> None:
    """pySHACL's ``focus_nodes`` option is meant to pick the focus nodes of the top-level
    shapes, but pySHACL 0.40 also applies it when a shape is evaluated for the value nodes
    of another (``sh:node``, ``sh:qualifiedValueShape``, logical constraints): value nodes
    outside the option are then skipped as if they conformed, and a count such as "exactly
    one bestuurlijk opdrachtgever" goes wrong. Nested evaluations (those handed their
    focus by the caller) therefore run without the filter. Found by the property-based
    test in tests/test_incremental.py. Applied once, on import."""
    from pyshacl.shape import Shape

    original = Shape.validate
    if getattr(original, "_top_level_focus_only", False):
        return

    def validate_shape(self: Any, executor: Any, target_graph: Any, focus: Any = None, *args: Any, **kwargs: Any) -> Any:
        if focus is None or not executor.focus_nodes:
            return original(self, executor, target_graph, focus, *args, **kwargs)
        chosen = executor.focus_nodes
        executor.focus_nodes = None
        try:
            return original(self, executor, target_graph, focus, *args, **kwargs)
        finally:
            executor.focus_nodes = chosen

    validate_shape._top_level_focus_only = True  # type: ignore[attr-defined]
    Shape.validate = validate_shape  # type: ignore[method-assign]


def _inline_bindings(query: str, bindings: dict[str, ox.NamedNode | ox.Literal]) -> str | None:
    """The query with the pre-bound variables replaced by their terms throughout its
    WHERE clause (nested groups, FILTER NOT EXISTS and sub-selects included), as SHACL-SPARQL
    pre-binding means, plus a VALUES block so the projected variables stay bound;
    ``bound($this)`` of a pre-bound variable becomes ``(true)``.

    Comments, strings and IRIs are skipped while scanning. Returns None when the query
    has no WHERE clause to work on. The scan depends only on the query text and the
    names bound, so it is done once per (query, names) (see :func:`_binding_template`);
    each call only fills in the terms."""
    names = tuple(bindings)
    template = _binding_template(query, names)
    if template is None:
        return None
    terms = [str(term) for term in bindings.values()]
    return "".join(part if isinstance(part, str) else terms[part] for part in template)


@lru_cache(maxsize=1024)
def _binding_template(query: str, names: tuple[str, ...]) -> tuple[str | int, ...] | None:
    """The query cut into text and slots: an int ``i`` stands for the term bound to
    ``names[i]``. Built by scanning the query once (the scan costs about a millisecond
    per query, and pySHACL runs each query once per focus node)."""
    from mag_graph.store import _SKIP_TOKEN

    slot = {name: index for index, name in enumerate(names)}
    variable = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")
    bound_call = re.compile(r"(?i)bound\s*\(\s*[?$]([A-Za-z_][A-Za-z0-9_]*)\s*\)")
    # Inside a sub-select's projection and its GROUP BY / ORDER BY only variables may
    # stand: there the variable is kept (the VALUES block binds it on the way out).
    keeps_variables = re.compile(r"(?i)\b(SELECT|GROUP\s+BY|ORDER\s+BY)\b")
    out: list[str | int] = []
    pos, depth, start = 0, 0, None
    keep = False
    while pos < len(query):
        skipped = _SKIP_TOKEN.match(query, pos)
        if skipped:
            out.append(skipped.group(0))
            pos = skipped.end()
            continue
        char = query[pos]
        if depth > 0 and (keyword := keeps_variables.match(query, pos)):
            keep = True
            out.append(keyword.group(0))
            pos = keyword.end()
            continue
        if char in "{}":
            keep = False
        if char == "{":
            depth += 1
            out.append(char)
            if start is None:
                start = len(out)
            pos += 1
            continue
        if char == "}":
            depth -= 1
            out.append(char)
            pos += 1
            if depth == 0 and start is not None:
                out.append(query[pos:])
                values: list[str | int] = [" VALUES (" + " ".join(f"?{name}" for name in names) + ") { ("]
                for index in range(len(names)):
                    if index:
                        values.append(" ")
                    values.append(index)
                values.append(") } ")
                out[start:start] = values
                return _merge_text(out)
            continue
        # bound($this) of a pre-bound variable is true (SHACL pre-binding); with the term
        # written in, bound(<iri>) would not even parse.
        bound = bound_call.match(query, pos) if depth > 0 and char in "bB" else None
        if bound and bound.group(1) in slot and not (pos and (query[pos - 1].isalnum() or query[pos - 1] == "_")):
            out.append("(true)")
            pos = bound.end()
            continue
        found = variable.match(query, pos) if depth > 0 else None
        if found and found.group(1) in slot and not keep:
            out.append(slot[found.group(1)])
            pos = found.end()
            continue
        if found:
            out.append(found.group(0))
            pos = found.end()
            continue
        out.append(char)
        pos += 1
    return None


def _merge_text(parts: list[str | int]) -> tuple[str | int, ...]:
    """Adjacent text parts joined, so filling a template is a short join."""
    merged: list[str | int] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return tuple(merged)


def _prebind_by_substitution() -> None:
    """pySHACL hands the pre-bound variables of SPARQL constraints (``$this``, ``$value``)
    to Oxigraph as ``substitutions``; Oxigraph 0.5 then evaluates the query over the
    whole store and filters on the substituted values afterwards (5.9 s instead of 4 ms
    for one focus node at a million triples), and refuses variables outside the SELECT
    projection. The terms are written into the query instead (see
    :func:`_inline_bindings`). Blank nodes cannot be written into a query; those keep
    pySHACL's own path. Applied once, on import."""
    from pyshacl.graph_abstraction import OxigraphDataGraph

    original = OxigraphDataGraph.query_oxigraph
    if getattr(original, "_prebinds_by_substitution", False):
        return

    def query_oxigraph(self: Any, query_object: str, initNs: Any = None, initBindings: Any = None, **kwargs: Any) -> Any:
        if initBindings and all(isinstance(t, (ox.NamedNode, ox.Literal)) for t in initBindings.values()):
            terms = {str(name).lstrip("?$"): term for name, term in initBindings.items()}
            rewritten = _inline_bindings(query_object, terms)
            if rewritten is not None:
                return original(self, rewritten, initNs=initNs, initBindings=None, **kwargs)
        return original(self, query_object, initNs=initNs, initBindings=initBindings, **kwargs)

    query_oxigraph._prebinds_by_substitution = True  # type: ignore[attr-defined]
    OxigraphDataGraph.query_oxigraph = query_oxigraph  # type: ignore[method-assign]


class _ParameterList(list):  # type: ignore[type-arg]
    """pySHACL's list of constraint parameters, answering ``in`` from a frozenset."""

    def __init__(self, items: Iterable[Any]) -> None:
        super().__init__(items)
        self.members = frozenset(self)

    def __contains__(self, item: object) -> bool:
        return item in self.members


def _constraint_parameters_as_set() -> None:
    """For every shape evaluation (once per focus node for nested shapes) pySHACL scans
    the shape's triples with ``p in list`` over its ~40 constraint parameters, each
    comparison a Python-level ``URIRef.__eq__``: 7.5M comparisons, a quarter of a run at
    100k triples. The list is one pySHACL keeps on its ``shape`` module
    (``CONSTRAINT_PARAMS``); it is replaced by the same list, in the same order, whose
    ``in`` asks a frozenset. rdflib terms hash consistently with their equality (a URIRef
    equals only a URIRef of the same text), so membership, and with it the constraints
    found, are unchanged. Applied once, on import."""
    from pyshacl import shape as shape_module
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    current = getattr(shape_module, "CONSTRAINT_PARAMS", None)
    if current is not None and isinstance(current[0], _ParameterList):
        return
    shape_module.CONSTRAINT_PARAMS = (_ParameterList(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)  # type: ignore[attr-defined]


def _shape_triples_read_once() -> None:
    """pySHACL reads a shape's own triples from the rdflib shapes graph (to find its
    constraints) every time the shape is evaluated, for nested shapes once per value
    node: 23k reads through rdflib's memory store at 100k triples. The shapes graph does
    not change while it is used (pySHACL adds its two system triples when it wraps the
    graph, before any read), so each node's ``predicate_objects`` are read once per
    wrapped shapes graph and replayed in the same order. pySHACL calls this method only
    for that scan. Applied once, on import."""
    from pyshacl.shapes_graph import ShapesGraph

    original = ShapesGraph.predicate_objects
    if getattr(original, "_reads_once", False):
        return

    def predicate_objects(self: Any, s: Any) -> Any:
        memo = self.__dict__.setdefault("_mag_predicate_objects", {})
        found = memo.get(s)
        if found is None:
            found = memo[s] = tuple(original(self, s))
        return iter(found)

    predicate_objects._reads_once = True  # type: ignore[attr-defined]
    ShapesGraph.predicate_objects = predicate_objects  # type: ignore[method-assign]


def _constraint_components_built_once() -> None:
    """pySHACL builds a new constraint component object (reading its parameters, e.g.
    walking the ``sh:in`` list, from the rdflib shapes graph) each time a shape is
    evaluated, for nested shapes once per value node: 44k constructions at 100k triples,
    a tenth of a run. The SHACL Core components read only their shape and the unchanging
    shapes graph when built, and take everything else (data graph, focus and value
    nodes) as arguments of ``evaluate``, so one object per (shape, component) is built
    and reused for the rest of the run (kept with the shapes graph pySHACL wraps for that
    run). A construction that fails is not remembered: it fails again, with the same
    warning or error, next time. Only the Core components are reused; SPARQL-based and
    custom components are built as before. Applied once, on import."""
    from pyshacl import shape as shape_module

    parameters, classes = shape_module.CONSTRAINT_PARAMS  # type: ignore[attr-defined]
    if any(getattr(c, "_built_once", False) for c in classes.values()):
        return

    def reused(component: Any) -> Any:
        def build(shape: Any) -> Any:
            memo = shape.sg.__dict__.setdefault("_mag_components", {})
            key = (id(shape), component)
            found = memo.get(key)
            if found is None or found[0] is not shape:
                found = memo[key] = (shape, component(shape))
            return found[1]

        build._built_once = True  # type: ignore[attr-defined]
        build.__name__ = getattr(component, "__name__", "component")
        return build

    # One builder per class: several parameters (sh:qualifiedValueShape, sh:qualifiedMinCount
    # ...) name the same component, and pySHACL runs a component once per shape by identity.
    builders = {c: reused(c) for c in set(classes.values()) if c.__module__.startswith("pyshacl.constraints.core.")}
    core = {p: builders.get(c, c) for p, c in classes.items()}
    shape_module.CONSTRAINT_PARAMS = (parameters, core)  # type: ignore[attr-defined]


class _RememberedSearch:
    """A compiled pattern whose ``search`` answers from a memo for texts seen before
    (``sub`` and everything else go to the pattern itself)."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.found: dict[str, re.Match[str] | None] = {}

    def search(self, text: str, *args: Any) -> re.Match[str] | None:
        if args:
            return self.pattern.search(text, *args)
        if text not in self.found:
            if len(self.found) > 4096:
                self.found.clear()
            self.found[text] = self.pattern.search(text)
        return self.found[text]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pattern, name)


def _prebinding_scan_once() -> None:
    """Before each SPARQL constraint query (once per focus node) pySHACL searches the
    query text with five regular expressions to see which of ``$this``, ``$value``,
    ``$currentShape``, ``$shapesGraph`` and ``$PATH`` it uses: 92k searches over the
    whole query text at 100k triples. The answer depends only on the text, so each
    pattern's search is remembered per text (the same match object, for the same string,
    is returned; ``sub`` is not remembered). Applied once, on import."""
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

    for name in ("bind_this_regex", "bind_value_regex", "bind_cs_regex", "bind_sg_regex", "bind_path_regex"):
        pattern = getattr(SPARQLQueryHelper, name)
        if not isinstance(pattern, _RememberedSearch):
            setattr(SPARQLQueryHelper, name, _RememberedSearch(pattern))


def _result_terms_converted_once() -> None:
    """pySHACL turns every term of every Oxigraph query solution into a new rdflib term
    (``to_rdf``), in Python, although the same few IRIs and literals come back for every
    focus node. IRIs and literals are immutable values on both sides, and two Oxigraph
    terms are equal exactly when they are the same RDF term, so the rdflib term made for
    one is remembered and handed out again (blank nodes are converted as before). The
    memo is emptied when it holds 100,000 terms. Applied once, on import."""
    from pyshacl import graph_abstraction

    original = graph_abstraction.to_rdf
    if getattr(original, "_converts_once", False):
        return
    converted: dict[Any, Any] = {}
    kinds = (ox.NamedNode, ox.Literal)

    def to_rdf(term: Any) -> Any:
        if type(term) not in kinds:
            return original(term)
        found = converted.get(term)
        if found is None:
            if len(converted) >= 100_000:
                converted.clear()
            found = converted[term] = original(term)
        return found

    to_rdf._converts_once = True  # type: ignore[attr-defined]
    graph_abstraction.to_rdf = to_rdf


def _plain_strings_stay_plain() -> None:
    """In RDF 1.1 ``"a"`` and ``"a"^^xsd:string`` are one term, and Oxigraph hands every
    plain literal back typed ``xsd:string``; rdflib, which the shapes graph is read with,
    keeps them apart (``Literal("a") != Literal("a", datatype=XSD.string)``). So
    ``sh:hasValue "a"`` or ``sh:in ("a")`` would not match the data's ``"a"``, and a
    plain-literal focus node would be reported as another term than the shapes name.
    The bridge's two converters (``to_rdf`` for single terms and query solutions,
    ``convert_quad_to_rdflib`` for statements) hand such literals back plain, the way
    rdflib reads them from Turtle. Applied once, on import."""
    from pyshacl import graph_abstraction
    from rdflib import Literal as RdfLiteral

    if getattr(graph_abstraction, "_mag_graph_plain_strings", False):
        return
    string = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")
    original_term, original_quad = graph_abstraction.to_rdf, graph_abstraction.convert_quad_to_rdflib

    def to_rdf(term: Any) -> Any:
        if type(term) is ox.Literal and term.language is None and term.datatype == string:
            return RdfLiteral(term.value)
        return original_term(term)

    def convert_quad_to_rdflib(quad: Any) -> Any:
        s, p, o, g = original_quad(quad)
        if type(quad[2]) is ox.Literal and quad[2].language is None and quad[2].datatype == string:
            o = RdfLiteral(quad[2].value)
        return s, p, o, g

    graph_abstraction.to_rdf = to_rdf
    graph_abstraction.convert_quad_to_rdflib = convert_quad_to_rdflib
    graph_abstraction._mag_graph_plain_strings = True  # type: ignore[attr-defined]


def _prefixes_through_imports() -> None:
    """SHACL takes the prefixes of a SPARQL constraint from
    ``sh:prefixes/owl:imports*/sh:declare``; pySHACL 0.40 reads only
    ``sh:prefixes/sh:declare`` (and the declarations of the graph and of its ontologies),
    and on rdflib graphs a missing prefix goes unnoticed as long as the Turtle file bound
    it. On Oxigraph the query then does not parse. The declarations reached through
    ``owl:imports`` are added after pySHACL's own (which win). Applied once, on import."""
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
    from rdflib import Literal as RdfLiteral
    from rdflib import URIRef
    from rdflib.namespace import OWL, SH

    original = SPARQLQueryHelper.collect_prefixes
    if getattr(original, "_follows_imports", False):
        return

    def collect_prefixes(self: Any) -> None:
        original(self)
        graph = self.shape.sg.graph
        seen: set[Any] = set()
        frontier = [i for p in graph.objects(self.node, SH.prefixes) for i in graph.objects(p, OWL.imports)]
        while frontier:
            ontology = frontier.pop()
            if ontology in seen:
                continue
            seen.add(ontology)
            frontier.extend(graph.objects(ontology, OWL.imports))
            for declaration in graph.objects(ontology, SH.declare):
                prefix, namespace = graph.value(declaration, SH.prefix), graph.value(declaration, SH.namespace)
                if isinstance(prefix, RdfLiteral) and isinstance(namespace, RdfLiteral):
                    self.prefixes.setdefault(str(prefix), URIRef(str(namespace)))

    collect_prefixes._follows_imports = True  # type: ignore[attr-defined]
    SPARQLQueryHelper.collect_prefixes = collect_prefixes  # type: ignore[method-assign]


# The datatypes Oxigraph stores as their base type: a literal of one of them comes back
# from the store typed xsd:integer (or xsd:dateTime), whatever the data said.
_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    "nonNegativeInteger": (0, None), "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0), "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1), "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1), "byte": (-(2**7), 2**7 - 1),
    "unsignedLong": (0, 2**64 - 1), "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1), "unsignedByte": (0, 2**8 - 1),
}


def _could_have_been(value: Any, datatype: str) -> bool:
    """Whether a literal read from Oxigraph can stand for a literal of ``datatype`` in the
    data as written: an xsd:integer in the derived type's range, an xsd:dateTime with a
    time zone for xsd:dateTimeStamp."""
    if not datatype.startswith(_XSD) or getattr(value, "ill_typed", None):
        return False
    name = datatype[len(_XSD):]
    if name in _INTEGER_RANGES and str(value.datatype) == _XSD + "integer" and isinstance(value.value, int):
        low, high = _INTEGER_RANGES[name]
        return (low is None or value.value >= low) and (high is None or value.value <= high)
    if name == "dateTimeStamp" and str(value.datatype) == _XSD + "dateTime":
        return getattr(value.value, "tzinfo", None) is not None
    return False


def _derived_datatypes_on_oxigraph() -> None:
    """Oxigraph stores a literal of a type derived from xsd:integer (xsd:byte,
    xsd:nonNegativeInteger, ...) as an xsd:integer and an xsd:dateTimeStamp as an
    xsd:dateTime, so on the store ``sh:datatype xsd:nonNegativeInteger`` would reject
    every value, valid or not. On an Oxigraph data graph a value the store could have
    made from a literal of the constraint's datatype (an integer in its range, a dateTime
    with a time zone) is taken to have it; any other is checked as pySHACL does, and a
    result names the value as the store holds it. The store cannot tell ``"5"^^xsd:integer``
    from ``"5"^^xsd:byte``: docs/shapes-contract.md says what follows. Applied once, on
    import."""
    from pyshacl.constraints.core.value_constraints import DatatypeConstraintComponent
    from pyshacl.graph_abstraction import OxigraphDataGraph
    from rdflib import Literal as RdfLiteral

    original = DatatypeConstraintComponent.evaluate
    if getattr(original, "_knows_oxigraph_types", False):
        return

    def evaluate(self: Any, executor: Any, target_graph: Any, focus_value_nodes: Any, *args: Any, **kwargs: Any) -> Any:
        rule = str(self.datatype_rule)
        if isinstance(target_graph, OxigraphDataGraph) and rule.startswith(_XSD) and (
            rule[len(_XSD):] in _INTEGER_RANGES or rule == _XSD + "dateTimeStamp"
        ):
            focus_value_nodes = {
                focus: {v for v in values if not (isinstance(v, RdfLiteral) and _could_have_been(v, rule))}
                for focus, values in focus_value_nodes.items()
            }
        return original(self, executor, target_graph, focus_value_nodes, *args, **kwargs)

    evaluate._knows_oxigraph_types = True  # type: ignore[attr-defined]
    DatatypeConstraintComponent.evaluate = evaluate  # type: ignore[method-assign]


def _unique_lang_only_when_true() -> None:
    """``sh:uniqueLang`` is active only for the literal ``true``; pySHACL 0.40 takes any
    boolean that reads as true, ``"1"^^xsd:boolean`` too, which is another literal. (An
    rdflib graph parsed the usual way has already turned ``"1"`` into ``"true"``; shapes
    files given to :func:`mag_graph.validation.validate` are read as written.) Applied
    once, on import."""
    from pyshacl.constraints.core.string_based_constraints import (
        UniqueLangConstraintComponent,
    )
    from rdflib.namespace import SH

    original = UniqueLangConstraintComponent.__init__
    if getattr(original, "_true_only", False):
        return

    def __init__(self: Any, shape: Any) -> None:
        original(self, shape)
        if str(next(iter(shape.objects(SH.uniqueLang)))) != "true":
            self.string_rules = {False}

    __init__._true_only = True  # type: ignore[attr-defined]
    UniqueLangConstraintComponent.__init__ = __init__  # type: ignore[method-assign]


def apply() -> None:
    """Every patch, in this order; each one is applied at most once per process (a
    second call finds its mark on pySHACL and leaves it alone)."""
    _check_each_query_once()
    _oxigraph_graph_is_truthy()
    _literals_have_no_outgoing_statements()
    _focus_filter_only_at_the_top()
    _prebind_by_substitution()
    _constraint_parameters_as_set()
    _shape_triples_read_once()
    _constraint_components_built_once()
    _prebinding_scan_once()
    _plain_strings_stay_plain()  # before the memo below, which then remembers the plain terms
    _prefixes_through_imports()
    _derived_datatypes_on_oxigraph()
    _unique_lang_only_when_true()
    _result_terms_converted_once()


apply()
