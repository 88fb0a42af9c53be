"""Validating a role model against the rules of the rolverdeling (SHACL shapes R01-R28).

One public entry point, :func:`validate`, serves the CLI and the HTTP service alike.
pySHACL does the validation; it runs directly on a pyoxigraph store, so SPARQL-based
constraints are evaluated by Oxigraph (which, unlike rdflib's engine, does xsd:date
arithmetic) and the data is never copied into rdflib.

Two things are prepared on a copy of the shapes graph before each run:

* the reference date: time-dependent constraints contain the token ``$referenceDate``
  (see docs/shapes-contract.md), replaced here by the typed date literal;
* plain string literals in ``sh:in`` / ``sh:hasValue`` become ``xsd:string`` literals:
  through pySHACL's Oxigraph bridge every plain literal of the data arrives typed
  ``xsd:string``, and rdflib does not consider ``"a"`` and ``"a"^^xsd:string`` equal, which
  would report false ``sh:in`` violations.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from mag_graph.namespaces import DCTERMS, MAG, MAGG, RDF, RDFS, SH, SKOS, XSD, Graphs
from mag_graph.resources import resource_files
from mag_graph.store import MEMORY, Store, from_rdflib_term

SHAPES_ONTOLOGY = URIRef("https://data.mag-graph.nl/def/mag-shapes")
INFERENCE_GRAPH = MAGG["inferentie"]
INFERENCE_MODES = ("none", "rdfs", "owlrl")
LANGUAGES = ("nl", "en")
_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_REFERENCE_TOKEN = "$referenceDate"

log = logging.getLogger(__name__)


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


_check_each_query_once()


def _oxigraph_graph_is_truthy() -> None:
    """pySHACL tests its data graph for truth while describing each result; the Oxigraph
    bridge has no ``__bool__``, so Python falls back to ``__len__`` and counts every quad
    of the store (about 10 ms per result on the example, growing with the store). A data
    graph is always "something", so it answers True at once. Applied once, on import."""
    from pyshacl.graph_abstraction import OxigraphDataGraph

    if "__bool__" not in vars(OxigraphDataGraph):
        OxigraphDataGraph.__bool__ = lambda self: True  # type: ignore[attr-defined]


_oxigraph_graph_is_truthy()


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


_literals_have_no_outgoing_statements()


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


_focus_filter_only_at_the_top()


def _inline_bindings(query: str, bindings: dict[str, ox.NamedNode | ox.Literal]) -> str | None:
    """The query with the pre-bound variables replaced by their terms throughout its
    WHERE clause (nested groups, FILTER NOT EXISTS and sub-selects included), as SHACL-SPARQL
    pre-binding means, plus a VALUES block so the projected variables stay bound.

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


_prebind_by_substitution()


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


_constraint_parameters_as_set()


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


_shape_triples_read_once()


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


_constraint_components_built_once()


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


_prebinding_scan_once()


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


_result_terms_converted_once()


class ValidationInputError(ValueError):
    """Bad input to a validation (unknown rule, unknown language, unreadable file)."""


@dataclass(frozen=True)
class ValidationResult:
    """One finding, readable without knowing SHACL: the rule it breaks, where, and why."""

    rule: str | None
    severity: str
    focusNode: str
    focusLabel: str
    path: str | None
    value: str | None
    sourceShape: str
    message: str


@dataclass
class RuleInfo:
    """What a rule says and where it comes from, for reports and the API."""

    rule: str
    name: dict[str, str]
    description: dict[str, str]
    severity: str
    source: str | None
    sourceLabel: dict[str, str]
    shapes: list[str] = field(default_factory=list)


@dataclass
class ValidationReport:
    """The outcome of a validation: ``conforms`` is false only for Violations."""

    conforms: bool
    date: dt.date
    lang: str
    results: list[ValidationResult]
    report_graph: Graph
    rules: dict[str, RuleInfo]

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "date": self.date.isoformat(),
            "results": [asdict(r) for r in self.results],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_turtle(self) -> str:
        return self.report_graph.serialize(format="turtle")

    def to_text(self) -> str:
        return format_text(self)

    def results_in(self, lang: str, data: Any) -> list[ValidationResult]:
        """The same findings with their messages and labels in ``lang``, read again
        from the report graph (no second validation run); ``data`` is the validated
        store, for the labels of focus nodes."""
        shapes, _ = prepared_shapes(self.date)
        return _read_results(self.report_graph, shapes, _coerce(getattr(data, "oxigraph", data)), lang)


# --------------------------------------------------------------------------- shapes


@lru_cache(maxsize=1)
def _shapes_source() -> Graph:
    graph = Graph()
    for path in resource_files("shapes", "*.ttl"):
        graph.parse(path, format="turtle")
    return graph


def shapes_graph() -> Graph:
    """A fresh copy of all shipped shapes (the files in ``shapes/``)."""
    copy = Graph()
    for prefix, namespace in _shapes_source().namespaces():
        copy.bind(prefix, namespace)
    for triple in _shapes_source():
        copy.add(triple)
    return copy


def _rule_of(shapes: Graph, shape: Node) -> str | None:
    """The rule id of a shape, or of the node shape that holds it as a property shape."""
    seen: set[Node] = set()
    frontier = [shape]
    while frontier:
        node = frontier.pop()
        if node in seen:
            continue
        seen.add(node)
        rule = shapes.value(node, MAG.rule)
        if rule is not None:
            return str(rule)
        frontier.extend(shapes.subjects(SH.property, node))
        frontier.extend(shapes.subjects(SH.sparql, node))
    return None


def texts_by_language(graph: Graph, subject: Node, predicate: URIRef) -> dict[str, str]:
    """The literal values of ``subject predicate`` by language tag ("" for none), the
    first of each language: labels, names, descriptions and messages in nl and en."""
    found: dict[str, str] = {}
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal):
            found.setdefault(value.language or "", str(value))
    return found



@lru_cache(maxsize=1)
def _rules_cached() -> dict[str, RuleInfo]:
    shapes = _shapes_source()
    sources = _source_labels()
    rules: dict[str, RuleInfo] = {}
    for shape, rule in sorted(shapes.subject_objects(MAG.rule), key=lambda so: (str(so[1]), str(so[0]))):
        rule_id = str(rule)
        severity = _SEVERITIES.get(shapes.value(shape, SH.severity), "Violation")
        source = shapes.value(shape, DCTERMS.source)
        info = rules.get(rule_id)
        if info is None:
            info = rules[rule_id] = RuleInfo(
                rule=rule_id,
                name=texts_by_language(shapes, shape, SH.name),
                description=texts_by_language(shapes, shape, SH.description),
                severity=severity,
                source=str(source) if source is not None else None,
                sourceLabel=sources.get(source, {}) if source is not None else {},
            )
        info.shapes.append(str(shape))
    return rules


def rules() -> dict[str, RuleInfo]:
    """Every rule the shapes enforce, by id (``R01`` ...), with names and sources."""
    return dict(_rules_cached())


@lru_cache(maxsize=1)
def _source_labels() -> dict[Node, dict[str, str]]:
    graph = Graph()
    for path in resource_files("data", "bronnen.ttl"):
        graph.parse(path, format="turtle")
    labels = {s: texts_by_language(graph, s, DCTERMS.title) for s in set(graph.subjects(DCTERMS.title))}
    labels.update({s: texts_by_language(graph, s, RDFS.label) for s in set(graph.subjects(RDFS.label))})
    return labels


def prepared_shapes(reference_date: dt.date, rule_ids: Iterable[str] | None = None) -> tuple[Graph, list[URIRef] | None]:
    """The shapes graph ready for one run, and the shapes to use when rules are selected.

    Cached per date and rule selection: preparing the graph costs more than validating
    one changed resource, and pySHACL does not modify the shapes graph it is given."""
    key = tuple(sorted({r.upper() for r in rule_ids})) if rule_ids is not None else None
    return _prepared(reference_date, key)


@lru_cache(maxsize=16)
def _prepared(reference_date: dt.date, rule_ids: tuple[str, ...] | None) -> tuple[Graph, list[URIRef] | None]:
    shapes = shapes_graph()
    date_literal = f'"{reference_date.isoformat()}"^^<{XSD.date}>'
    for node, query in list(shapes.subject_objects(SH.select)) + list(shapes.subject_objects(SH.ask)):
        if _REFERENCE_TOKEN in str(query):
            predicate = SH.select if (node, SH.select, query) in shapes else SH.ask
            shapes.remove((node, predicate, query))
            shapes.add((node, predicate, Literal(str(query).replace(_REFERENCE_TOKEN, date_literal))))
    _type_plain_literals(shapes)
    use_shapes = None
    if rule_ids is not None:
        wanted = set(rule_ids)
        known = _rules_cached()
        unknown = sorted(wanted - set(known))
        if unknown:
            raise ValidationInputError(
                f"onbekende regel / unknown rule: {', '.join(unknown)} "
                f"(bekend / known: {', '.join(sorted(known))})"
            )
        use_shapes = sorted({URIRef(s) for r in wanted for s in known[r].shapes})
    return shapes, use_shapes


def _type_plain_literals(shapes: Graph) -> None:
    def typed(value: Node) -> Node:
        if isinstance(value, Literal) and value.datatype is None and not value.language:
            return Literal(str(value), datatype=XSD.string)
        return value

    for subject, value in list(shapes.subject_objects(SH.hasValue)):
        if typed(value) is not value:
            shapes.remove((subject, SH.hasValue, value))
            shapes.add((subject, SH.hasValue, typed(value)))
    for _, head in list(shapes.subject_objects(SH["in"])):
        node = head
        while node not in (None, RDF.nil):
            first = shapes.value(node, RDF.first)
            if first is not None and typed(first) is not first:
                shapes.set((node, RDF.first, typed(first)))
            node = shapes.value(node, RDF.rest)


# --------------------------------------------------------------------------- data


def _oxigraph_store(data: Any) -> ox.Store | None:
    """The pyoxigraph store behind ``data`` when it is one (or mag-graph's wrapper of one)."""
    if isinstance(data, ox.Store):
        return data
    for attribute in ("oxigraph", "raw", "_store", "store"):
        inner = getattr(data, attribute, None)
        if isinstance(inner, ox.Store):
            return inner
    return None


def _rdflib_to_oxigraph(data: Graph) -> ox.Store:
    """An in-memory pyoxigraph copy of an rdflib graph or dataset (graphs kept)."""
    blank_nodes: dict[str, ox.BlankNode] = {}
    store = ox.Store()
    if isinstance(data, Dataset):
        quads = []
        for s, p, o, g in data.quads((None, None, None, None)):
            name = g.identifier if isinstance(g, Graph) else g
            graph = ox.DefaultGraph() if name is None or name == DATASET_DEFAULT_GRAPH_ID else from_rdflib_term(name, blank_nodes=blank_nodes)
            quads.append(ox.Quad(*(from_rdflib_term(t, blank_nodes=blank_nodes) for t in (s, p, o)), graph))
        store.extend(quads)
    else:
        store.extend(
            ox.Quad(*(from_rdflib_term(t, blank_nodes=blank_nodes) for t in triple))
            for triple in data
        )
    return store


def load_files(paths: Sequence[str | Path], *, with_ontology: bool = True) -> ox.Store:
    """An in-memory store holding the given RDF files (and the ontology, for class
    hierarchies), so external files can be validated without touching the real store."""
    store = ox.Store()
    if with_ontology:
        for path in resource_files("ontology", "*.ttl"):
            store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(Graphs.ONTOLOGY)))
    for raw in paths:
        path = Path(raw)
        fmt = _format_for(path)
        try:
            if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
                store.load(path=str(path), format=fmt)
            else:
                store.load(path=str(path), format=fmt, to_graph=ox.NamedNode(path.resolve().as_uri()))
        except FileNotFoundError as error:
            raise ValidationInputError(f"bestand niet gevonden / file not found: {path}") from error
        except (SyntaxError, ValueError, OSError) as error:
            raise ValidationInputError(f"{path}: {error}") from error
    return store


def _format_for(path: Path) -> ox.RdfFormat:
    suffix = path.suffix.lower().lstrip(".")
    formats = {
        "ttl": ox.RdfFormat.TURTLE, "turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG,
        "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS, "rdf": ox.RdfFormat.RDF_XML,
        "owl": ox.RdfFormat.RDF_XML, "xml": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD,
        "json": ox.RdfFormat.JSON_LD,
    }
    if suffix not in formats:
        raise ValidationInputError(f"onbekend formaat / unknown format: {path}")
    return formats[suffix]


def example_store() -> ox.Store:
    """A fresh in-memory store with the ontology and the whole example graph, for tests,
    demos and fixtures (a copy each call, so callers may change it)."""
    store = ox.Store()
    store.extend(_example_quads())
    return store


@lru_cache(maxsize=1)
def _example_quads() -> tuple[ox.Quad, ...]:
    store = ox.Store()
    for path in resource_files("ontology", "*.ttl"):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(Graphs.ONTOLOGY)))
    named = {"bronnen": Graphs.SOURCES, "catalogus": Graphs.CATALOGUE}
    for path in resource_files("data", "*.ttl"):
        graph = named.get(path.stem, MAGG[path.stem])
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(graph)))
    for path in resource_files("data", "*.trig"):
        store.load(path=str(path), format=ox.RdfFormat.TRIG)
    return tuple(store)


def example_dataset() -> Dataset:
    """The example graph as an rdflib Dataset (same content as :func:`example_store`)."""
    return Store(example_store(), MEMORY, in_memory=True).to_dataset()


def _restrict_to_graph(store: ox.Store, graph: str) -> ox.Store:
    """A copy holding one named graph plus the ontology and the sources (for labels and
    the class hierarchy), so ``--graph`` validates that graph alone."""
    wanted = {ox.NamedNode(graph), ox.NamedNode(str(Graphs.ONTOLOGY)), ox.NamedNode(str(Graphs.SOURCES))}
    if ox.NamedNode(graph) not in set(store.named_graphs()):
        raise ValidationInputError(f"onbekende graaf / unknown graph: {graph}")
    copy = ox.Store()
    for name in wanted:
        if name in set(store.named_graphs()):
            copy.extend(store.quads_for_pattern(None, None, None, name))
    return copy


def _with_inference(store: ox.Store, mode: str) -> ox.Store:
    """A copy of the store with inferred triples in their own graph."""
    from mag_graph.reasoning.inference import infer

    copy = ox.Store()
    copy.extend(store)
    infer(copy, mode=mode)
    return copy


# --------------------------------------------------------------------------- running


def validate(
    data: Any,
    *,
    date: dt.date | None = None,
    lang: str = "nl",
    rules: Iterable[str] | None = None,
    graph: str | None = None,
    inference: str = "none",
    focus_nodes: Iterable[Node] | None = None,
) -> ValidationReport:
    """Validate a store, a named graph of it, an rdflib graph or a list of files.

    ``date`` is the reference date for time-dependent rules (default: today); ``lang``
    picks the language of messages and labels; ``rules`` restricts to some rule ids;
    ``inference`` adds RDFS or OWL RL entailments (in a copy) before validating;
    ``focus_nodes`` validates only those nodes (incremental validation).
    """
    if lang not in LANGUAGES:
        raise ValidationInputError(f"onbekende taal / unknown language: {lang} (nl, en)")
    if inference not in INFERENCE_MODES:
        raise ValidationInputError(f"onbekende inferentie / unknown inference: {inference} ({', '.join(INFERENCE_MODES)})")
    reference_date = date or dt.date.today()
    store = _coerce(data)
    if graph is not None:
        store = _restrict_to_graph(store, graph)
    if inference != "none":
        store = _with_inference(store, inference)
    shapes, use_shapes = prepared_shapes(reference_date, rules)
    if focus_nodes is not None:
        nodes = {URIRef(str(n)) for n in focus_nodes if not isinstance(n, (BNode, Literal))}
        report_graph = _validate_focus(store, nodes, reference_date, rules)
    else:
        options: dict[str, Any] = {"shacl_graph": shapes, "inplace": True, "allow_warnings": False}
        if use_shapes is not None:
            options["use_shapes"] = [str(s) for s in use_shapes]
        _, report_graph, _ = pyshacl.validate(store, **options)
    results = _read_results(report_graph, shapes, store, lang)
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationReport(conforms, reference_date, lang, results, report_graph, _rules_cached())


# --------------------------------------------------------------------------- focus nodes


@dataclass(frozen=True)
class _Targets:
    """What a top-level shape targets (SHACL Core target declarations)."""

    classes: frozenset[str]
    nodes: frozenset[str]
    subjects_of: frozenset[str]
    objects_of: frozenset[str]


@lru_cache(maxsize=16)
def _target_index(reference_date: dt.date, rule_ids: tuple[str, ...] | None) -> dict[URIRef, _Targets]:
    """The targets of every top-level shape of a prepared shapes graph."""
    shapes, use_shapes = _prepared(reference_date, rule_ids)
    wanted = set(use_shapes) if use_shapes is not None else None
    index: dict[URIRef, _Targets] = {}
    candidates = set()
    for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
        candidates.update(s for s in shapes.subjects(predicate, None) if isinstance(s, URIRef))
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape)):
        if isinstance(shape, URIRef) and (shape, RDF.type, RDFS.Class) in shapes:
            candidates.add(shape)  # implicit class target
    for shape in candidates:
        if wanted is not None and shape not in wanted:
            continue
        if (shape, SH.target, None) in shapes:
            raise NotImplementedError(f"SPARQL-based targets are not indexed: {shape}")
        classes = {str(c) for c in shapes.objects(shape, SH.targetClass)}
        if (shape, RDF.type, RDFS.Class) in shapes:
            classes.add(str(shape))
        index[shape] = _Targets(
            classes=frozenset(classes),
            nodes=frozenset(str(n) for n in shapes.objects(shape, SH.targetNode)),
            subjects_of=frozenset(str(p) for p in shapes.objects(shape, SH.targetSubjectsOf)),
            objects_of=frozenset(str(p) for p in shapes.objects(shape, SH.targetObjectsOf)),
        )
    return index


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


def _validate_focus(
    store: ox.Store,
    nodes: set[URIRef],
    reference_date: dt.date,
    rules: Iterable[str] | None,
) -> Graph:
    """Validate only ``nodes``, each against the shapes that target it.

    pySHACL's own ``focus_nodes`` option still computes every shape's targets over the
    whole store (seconds at a million triples) before filtering them, and its
    ``use_shapes`` option silently drops named property shapes it was not given. Here
    the targets are worked out per node from its types, its properties and the shapes'
    target declarations, and one pySHACL run validates a shapes graph holding just the
    applicable shapes, each retargeted with ``sh:targetNode`` to exactly its nodes."""
    key = tuple(sorted({r.upper() for r in rules})) if rules is not None else None
    index = _target_index(reference_date, key)
    closure: dict[ox.NamedNode, set[str]] = {}
    targeted: dict[URIRef, list[str]] = defaultdict(list)
    for node in sorted(nodes):
        ox_node = ox.NamedNode(str(node))
        classes = _classes_of(store, ox_node, closure)
        as_subject = {q.predicate.value for q in store.quads_for_pattern(ox_node, None, None, None)}
        as_object = {q.predicate.value for q in store.quads_for_pattern(None, None, ox_node, None)}
        for shape, t in index.items():
            if t.classes & classes or str(node) in t.nodes or t.subjects_of & as_subject or t.objects_of & as_object:
                targeted[shape].append(str(node))
    if not targeted:
        return _empty_report()
    _, report, _ = pyshacl.validate(
        store, shacl_graph=_shapes_for_nodes(reference_date, key, targeted), inplace=True, allow_warnings=False
    )
    return report


_TARGET_PREDICATES = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


@lru_cache(maxsize=512)
def _shape_closure(reference_date: dt.date, rule_ids: tuple[str, ...] | None, shape: URIRef) -> tuple:
    """Every triple a shape needs, without target declarations: the shape, its property
    and nested shapes, lists, messages, prefixes and groups (everything reachable)."""
    shapes, _ = _prepared(reference_date, rule_ids)
    seen: set[Node] = set()
    frontier: list[Node] = [shape]
    triples = []
    while frontier:
        node = frontier.pop()
        if node in seen:
            continue
        seen.add(node)
        for predicate, obj in shapes.predicate_objects(node):
            if predicate in _TARGET_PREDICATES:
                continue
            triples.append((node, predicate, obj))
            if isinstance(obj, (URIRef, BNode)) and predicate != RDF.type:
                frontier.append(obj)
    return tuple(triples)


def _shapes_for_nodes(
    reference_date: dt.date, rule_ids: tuple[str, ...] | None, targeted: dict[URIRef, list[str]]
) -> Graph:
    """A shapes graph holding only the given shapes, each targeting exactly its nodes:
    the same constraints, so the same results for those nodes, with no target to compute."""
    graph = Graph()
    for shape, nodes in targeted.items():
        for triple in _shape_closure(reference_date, rule_ids, shape):
            graph.add(triple)
        for node in nodes:
            graph.add((shape, SH.targetNode, URIRef(node)))
    return graph


def _coerce(data: Any) -> ox.Store:
    store = _oxigraph_store(data)
    if store is not None:
        return store
    if isinstance(data, Graph):
        return _rdflib_to_oxigraph(data)
    if isinstance(data, (list, tuple)) and all(isinstance(p, (str, Path)) for p in data):
        return load_files(data)
    raise ValidationInputError(f"kan niet valideren / cannot validate: {type(data).__name__}")


def _empty_report() -> Graph:
    graph = Graph()
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(True)))
    return graph


def _pick(values: dict[str, str], lang: str) -> str:
    for key in (lang, "nl", "en", ""):
        if key in values:
            return values[key]
    return next(iter(values.values()), "")


def _read_results(report: Graph, shapes: Graph, store: ox.Store, lang: str) -> list[ValidationResult]:
    """The report's top-level results (``sh:result`` of the report; results nested
    under ``sh:detail`` explain a parent result and are not findings of their own)."""
    results: list[ValidationResult] = []
    labels = _Labeller(store, lang)
    for node in report.objects(None, SH.result):
        focus = report.value(node, SH.focusNode)
        shape = report.value(node, SH.sourceShape)
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        severity = _SEVERITIES.get(report.value(node, SH.resultSeverity), "Violation")
        messages = _result_messages(report, node, shapes, shape)
        results.append(
            ValidationResult(
                rule=_rule_of(shapes, shape) if shape is not None else None,
                severity=severity,
                focusNode=str(focus),
                focusLabel=labels.label(focus),
                path=_path_text(report, path),
                value=str(value) if value is not None else None,
                sourceShape=str(shape),
                message=_pick(messages, lang),
            )
        )
    results.sort(key=lambda r: (r.rule or "~", r.severity != "Violation", r.focusLabel, r.path or "", r.value or ""))
    return results


def _path_text(report: Graph, path: Node | None) -> str | None:
    """A result path: the property IRI for a plain path; otherwise the SPARQL property
    path written with full IRIs (``<a>/<b>``, ``^<a>``, ``<a>|<b>``, ``<a>*``)."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    return _path_expression(report, path)


def _path_expression(graph: Graph, path: Node) -> str | None:
    if isinstance(path, URIRef):
        return f"<{path}>"
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        inner = _path_expression(graph, inverse)
        return f"^{inner}" if inner else None
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner_node = graph.value(path, predicate)
        if inner_node is not None:
            inner = _path_expression(graph, inner_node)
            return f"({inner}){suffix}" if inner else None
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        parts = [_path_expression(graph, p) for p in _list_items(graph, alternatives)]
        return "(" + "|".join(parts) + ")" if parts and all(parts) else None
    parts = [_path_expression(graph, p) for p in _list_items(graph, path)]
    return "/".join(parts) if parts and all(parts) else None


def _list_items(graph: Graph, head: Node) -> list[Node]:
    items: list[Node] = []
    node: Node | None = head
    while node is not None and node != RDF.nil:
        first = graph.value(node, RDF.first)
        if first is None:
            return []
        items.append(first)
        node = graph.value(node, RDF.rest)
    return items


_PLACEHOLDER = re.compile(r"\\\{\\[?$][A-Za-z_][A-Za-z0-9_]*\\\}")


def _result_messages(report: Graph, node: Node, shapes: Graph, shape: Node | None) -> dict[str, str]:
    """The result's messages by language.

    pySHACL fills in the templates of SPARQL constraints as untagged literals, so the
    language is recovered by matching each filled-in message against the language-tagged
    templates of its source constraint or shape."""
    messages: dict[str, str] = {}
    untagged: list[str] = []
    for value in report.objects(node, SH.resultMessage):
        if isinstance(value, Literal):
            if value.language:
                messages.setdefault(value.language, str(value))
            else:
                untagged.append(str(value))
    # The most specific templates first: those of the SPARQL constraint that produced the
    # result, then the shape's own, so a generic shape message never wins over them.
    holders = [h for h in (report.value(node, SH.sourceConstraint), shape) if h is not None]
    for holder in holders:
        templates = [t for t in shapes.objects(holder, SH.message) if isinstance(t, Literal) and t.language]
        for text in untagged:
            for template in templates:
                pattern = _PLACEHOLDER.sub(".*?", re.escape(str(template)))
                if re.fullmatch(pattern, text, flags=re.DOTALL):
                    messages.setdefault(template.language, text)
                    break
    if not messages:
        for text in untagged:
            messages.setdefault("", text)
    if not messages and shape is not None:
        messages = texts_by_language(shapes, shape, SH.message)
    return messages


class _Labeller:
    """Labels of focus nodes, read from the validated store, in the wanted language."""

    def __init__(self, store: ox.Store, lang: str) -> None:
        self.store = store
        self.lang = lang
        self.cache: dict[Node, str] = {}

    def label(self, node: Node | None) -> str:
        if node is None:
            return ""
        if node not in self.cache:
            self.cache[node] = self._lookup(node)
        return self.cache[node]

    def _lookup(self, node: Node) -> str:
        if isinstance(node, URIRef):
            subject = ox.NamedNode(str(node))
            found: dict[str, str] = {}
            for predicate in (RDFS.label, SKOS.prefLabel):
                for quad in self.store.quads_for_pattern(subject, ox.NamedNode(str(predicate)), None, None):
                    obj = quad.object
                    if isinstance(obj, ox.Literal):
                        found.setdefault(obj.language or "", obj.value)
                if found:
                    break
            if found:
                return _pick(found, self.lang)
            text = str(node)
            return text.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        return str(node)


# --------------------------------------------------------------------------- reports


def format_text(report: ValidationReport) -> str:
    """The report for people: grouped by rule, then by the resource concerned, with
    labels instead of IRIs, the rule's source, and a summary line."""
    lang = report.lang
    nl = lang == "nl"
    lines: list[str] = []
    heading = (
        f"Validatie van de rolverdeling op peildatum {report.date.isoformat()}"
        if nl
        else f"Validation of the role division at reference date {report.date.isoformat()}"
    )
    lines.append(heading)
    lines.append("=" * len(heading))
    by_rule: dict[str, list[ValidationResult]] = defaultdict(list)
    for result in report.results:
        by_rule[result.rule or "?"].append(result)
    for rule_id in sorted(by_rule):
        info = report.rules.get(rule_id)
        name = _pick(info.name, lang) if info else ""
        lines.append("")
        lines.append(f"{rule_id} {name}".rstrip())
        if info and info.sourceLabel:
            lines.append(("  bron: " if nl else "  source: ") + _pick(info.sourceLabel, lang))
        by_focus: dict[str, list[ValidationResult]] = defaultdict(list)
        for result in by_rule[rule_id]:
            by_focus[result.focusLabel].append(result)
        for focus_label in sorted(by_focus):
            lines.append(f"  - {focus_label}")
            for result in by_focus[focus_label]:
                severity = _severity_word(result.severity, lang)
                lines.append(f"      [{severity}] {result.message}")
    violations, warnings = len(report.violations), len(report.warnings)
    lines.append("")
    if nl:
        verdict = "voldoet" if report.conforms else "voldoet niet"
        lines.append(f"Samenvatting: {violations} overtreding(en), {warnings} waarschuwing(en); het rolmodel {verdict}.")
    else:
        verdict = "conforms" if report.conforms else "does not conform"
        lines.append(f"Summary: {violations} violation(s), {warnings} warning(s); the role model {verdict}.")
    return "\n".join(lines) + "\n"


def _severity_word(severity: str, lang: str) -> str:
    words = {
        "nl": {"Violation": "overtreding", "Warning": "waarschuwing", "Info": "informatie"},
        "en": {"Violation": "violation", "Warning": "warning", "Info": "info"},
    }
    return words[lang].get(severity, severity)


__all__ = [
    "INFERENCE_MODES",
    "RuleInfo",
    "ValidationInputError",
    "ValidationReport",
    "ValidationResult",
    "example_dataset",
    "example_store",
    "format_text",
    "load_files",
    "prepared_shapes",
    "rules",
    "shapes_graph",
    "texts_by_language",
    "validate",
]
