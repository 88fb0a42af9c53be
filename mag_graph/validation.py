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
from typing import Any, ClassVar

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from .namespaces import DCTERMS, MAG, MAGG, RDF, RDFS, SH, SKOS, XSD, Graphs
from .resources import resource_files
from .store import MEMORY, Store, from_rdflib_term

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
    from .store import _SKIP_TOKEN

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


def _texts(graph: Graph, subject: Node, predicate: URIRef) -> dict[str, str]:
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
                name=_texts(shapes, shape, SH.name),
                description=_texts(shapes, shape, SH.description),
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
    labels = {s: _texts(graph, s, DCTERMS.title) for s in set(graph.subjects(DCTERMS.title))}
    labels.update({s: _texts(graph, s, RDFS.label) for s in set(graph.subjects(RDFS.label))})
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
    from .inference import infer

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
        cls = quad.object
        if not isinstance(cls, ox.NamedNode):
            continue
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
        found |= closure[cls]
    return found


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
        if cls not in self.closure:
            supers: set[str] = set()
            frontier = [cls]
            while frontier:
                current = frontier.pop()
                if current.value in supers:
                    continue
                supers.add(current.value)
                frontier.extend(q.object for q in self.store.quads_for_pattern(current, _SUBCLASS, None, None)
                                if isinstance(q.object, ox.NamedNode))
            self.closure[cls] = supers
        return self.closure[cls]

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
        messages = _texts(shapes, shape, SH.message)
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
    "affected_by",
    "affected_nodes",
    "example_dataset",
    "example_store",
    "format_text",
    "load_files",
    "prepared_shapes",
    "rules",
    "shapes_graph",
    "validate",
    "validate_change",
]
