"""The shapes and the rule catalogue: the shipped shapes graph (``shapes/*.ttl``), the
rules it enforces (:class:`RuleInfo`, :func:`rules`), and the shapes graph prepared for
one run (:func:`prepared_shapes`: the reference date filled in, the shapes of the
selected rules).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from mag_graph.namespaces import DCTERMS, MAG, RDF, RDFS, SH, XSD
from mag_graph.resources import resource_files
from mag_graph.validation.errors import ValidationInputError

SHAPES_ONTOLOGY = URIRef("https://data.mag-graph.nl/def/mag-shapes")
LANGUAGES = ("nl", "en")
_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_REFERENCE_TOKEN = "$referenceDate"


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
    return _rules_in(_shapes_source())


def _rules_in(shapes: Graph) -> dict[str, RuleInfo]:
    """The rules a shapes graph enforces: its shapes with a ``mag:rule``, by rule id."""
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
    held = {o for s in shapes.subjects(MAG.rule, None)
            for p in (SH.property, SH.node, SH.sparql) for o in shapes.objects(s, p)}
    for info in rules.values():
        info.name = _rule_name(shapes, info.shapes, held) or info.name
    return rules


def _rule_name(shapes: Graph, shape_iris: list[str], held: set[Node]) -> dict[str, str]:
    """A rule's name as a whole, by language: the names of its top shapes (those no other
    shape of a rule holds, ``held``), joined; never the name of one part for the whole rule."""
    tops = [URIRef(s) for s in sorted(shape_iris) if URIRef(s) not in held] or [URIRef(s) for s in sorted(shape_iris)]
    names: dict[str, list[str]] = {}
    for shape in tops:
        for lang, text in texts_by_language(shapes, shape, SH.name).items():
            if text not in names.setdefault(lang, []):
                names[lang].append(text)
    return {lang: "; ".join(texts) for lang, texts in names.items()}


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


def prepared_own_shapes(shapes: Graph | Sequence[str | Path], reference_date: dt.date) -> Graph:
    """A caller's shapes ready for one run: a copy of the graph (or the files read, see
    :func:`read_shapes_files`), with the reference date filled in where its SPARQL
    constraints ask for ``$referenceDate`` (as for the shipped shapes)."""
    if not isinstance(shapes, Graph):
        if not (isinstance(shapes, (list, tuple)) and all(isinstance(p, (str, Path)) for p in shapes)):
            raise ValidationInputError(
                f"shapes moeten een graaf of bestanden zijn / shapes must be a graph or files: {type(shapes).__name__}"
            )
        shapes = read_shapes_files(shapes)
    copy = Graph()
    for prefix, namespace in shapes.namespaces():
        copy.bind(prefix, namespace)
    for triple in shapes:
        copy.add(triple)
    _fill_in_reference_date(copy, reference_date)
    return copy


def read_shapes_files(paths: Sequence[str | Path]) -> Graph:
    """Shapes files as one rdflib graph, each literal exactly as written: rdflib's own
    parser normalises literals (``"1"^^xsd:boolean`` becomes ``true``, ``"01"^^xsd:integer``
    becomes ``1``), and in a shapes graph those are other terms than the file says.
    Read with Oxigraph's parser (which keeps them), then taken over without normalising."""
    from mag_graph.validation.data import _format_for

    graph = Graph()
    for raw in paths:
        path = Path(raw)
        try:
            for quad in ox.parse(path=str(path), format=_format_for(path), base_iri=path.resolve().as_uri()):
                graph.add(tuple(_as_written(t) for t in (quad.subject, quad.predicate, quad.object)))
        except FileNotFoundError as error:
            raise ValidationInputError(f"bestand niet gevonden / file not found: {path}") from error
        except (SyntaxError, ValueError, OSError) as error:
            raise ValidationInputError(f"{path}: {error}") from error
    return graph


def _as_written(term: Any) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language, normalize=False)
    if term.datatype.value == str(XSD.string):
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)


def _fill_in_reference_date(shapes: Graph, reference_date: dt.date) -> None:
    date_literal = f'"{reference_date.isoformat()}"^^<{XSD.date}>'
    for node, query in list(shapes.subject_objects(SH.select)) + list(shapes.subject_objects(SH.ask)):
        if _REFERENCE_TOKEN in str(query):
            predicate = SH.select if (node, SH.select, query) in shapes else SH.ask
            shapes.remove((node, predicate, query))
            shapes.add((node, predicate, Literal(str(query).replace(_REFERENCE_TOKEN, date_literal))))


@lru_cache(maxsize=16)
def _prepared(reference_date: dt.date, rule_ids: tuple[str, ...] | None) -> tuple[Graph, list[URIRef] | None]:
    shapes = shapes_graph()
    _fill_in_reference_date(shapes, reference_date)
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
