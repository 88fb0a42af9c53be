"""What the web pages show about the graph: one resource and the whole store.

The pages (``api/pages.py``) only translate requests into calls of the core, so what a
resource page or the home page needs is computed here, from the :class:`~mag_graph.store.GraphStore`
interface alone. Statements are read with :meth:`GraphStore.quads`; the one SPARQL query
here is a fixed text. The role matrix is in :mod:`.matrix`.

Every statement keeps the named graph it is in, because the example data separates what
the sources state from illustrative additions (``mag:illustrative true`` in the
catalogue); a page has to say which is which.
"""

from __future__ import annotations

import json
import re
import typing
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from pyld import jsonld as pyld
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from mag_graph.namespaces import (
    BASE,
    DCTERMS,
    FOAF,
    MAG,
    MAGB,
    MAGID,
    MUNICIPALITIES,
    OWL,
    PREFIXES,
    RDF,
    RDFS,
    SH,
    SKOS,
    TOOI,
    TOOIONT,
    Graphs,
)
from mag_graph.store import GraphStore, InvalidIRIError, from_rdflib_term

__all__ = [
    "COUNTED_CLASSES",
    "JSON_LD_PROFILES",
    "RDF_MEDIA_TYPES",
    "Description",
    "GraphInfo",
    "Incoming",
    "MunicipalityOverview",
    "Overview",
    "SourceRef",
    "Statement",
    "Value",
    "concepts",
    "curie",
    "describe",
    "exists",
    "iri_for_path",
    "looks_like_iri",
    "municipalities",
    "municipality_iri",
    "overview",
    "resource_graph",
    "resource_path",
    "resource_rdf",
]

# How many incoming links a resource page lists; a municipality is the object of
# mag:municipality on hundreds of resources, and the page stays readable with the count.
INCOMING_LIMIT = 300
# Nested blank nodes (amounts, periods, qualified associations) are shown this deep.
BLANK_NODE_DEPTH = 4

# Predicates whose objects name a resource, in the order they are preferred.
_LABEL_PREDICATES = (RDFS.label, SKOS.prefLabel, DCTERMS.title, SH.name, FOAF.name)

# Labels for the W3C terms the data uses most: the ontology graph only labels the
# project's own terms, and "dcterms:source" reads worse than "bron" on a Dutch page.
_KNOWN_LABELS: dict[URIRef, dict[str, str]] = {
    RDF.type: {"nl": "soort", "en": "type"},
    RDFS.label: {"nl": "naam", "en": "label"},
    RDFS.comment: {"nl": "toelichting", "en": "comment"},
    RDFS.subClassOf: {"nl": "is een soort", "en": "subclass of"},
    RDFS.isDefinedBy: {"nl": "gedefinieerd in", "en": "defined by"},
    RDFS.domain: {"nl": "domein", "en": "domain"},
    RDFS.range: {"nl": "bereik", "en": "range"},
    DCTERMS.source: {"nl": "bron", "en": "source"},
    DCTERMS.title: {"nl": "titel", "en": "title"},
    DCTERMS.description: {"nl": "beschrijving", "en": "description"},
    DCTERMS.date: {"nl": "datum", "en": "date"},
    DCTERMS.issued: {"nl": "uitgegeven", "en": "issued"},
    SKOS.prefLabel: {"nl": "voorkeursterm", "en": "preferred label"},
    SKOS.altLabel: {"nl": "alternatieve term", "en": "alternative label"},
    SKOS.definition: {"nl": "definitie", "en": "definition"},
    SKOS.inScheme: {"nl": "in begrippenkader", "en": "in scheme"},
    SKOS.topConceptOf: {"nl": "topbegrip van", "en": "top concept of"},
    SKOS.broader: {"nl": "breder", "en": "broader"},
    FOAF.page: {"nl": "webpagina", "en": "web page"},
    OWL.equivalentClass: {"nl": "gelijk aan klasse", "en": "equivalent class"},
    URIRef("http://www.w3.org/ns/org#role"): {"nl": "rol", "en": "role"},
    URIRef("http://www.w3.org/ns/org#postIn"): {"nl": "functie in", "en": "post in"},
    URIRef("http://www.w3.org/ns/org#unitOf"): {"nl": "onderdeel van", "en": "unit of"},
    URIRef("http://www.w3.org/ns/org#member"): {"nl": "lid", "en": "member"},
    URIRef("http://www.w3.org/ns/org#organization"): {"nl": "organisatie", "en": "organization"},
    URIRef("http://www.w3.org/ns/org#memberDuring"): {"nl": "lid gedurende", "en": "member during"},
    URIRef("http://www.w3.org/ns/org#reportsTo"): {"nl": "rapporteert aan", "en": "reports to"},
    URIRef("http://www.w3.org/ns/org#subOrganizationOf"): {"nl": "suborganisatie van", "en": "suborganization of"},
    URIRef("http://www.w3.org/ns/org#hasSubOrganization"): {"nl": "heeft suborganisatie", "en": "has suborganization"},
    URIRef("http://www.w3.org/ns/prov#wasAssociatedWith"): {"nl": "uitgevoerd door", "en": "was associated with"},
    URIRef("http://www.w3.org/ns/prov#qualifiedAssociation"): {"nl": "betrokkenheid", "en": "qualified association"},
    URIRef("http://www.w3.org/ns/prov#agent"): {"nl": "actor", "en": "agent"},
    URIRef("http://www.w3.org/ns/prov#hadRole"): {"nl": "in de rol van", "en": "had role"},
    URIRef("http://www.w3.org/2006/time#hasBeginning"): {"nl": "begin", "en": "beginning"},
    URIRef("http://www.w3.org/2006/time#hasEnd"): {"nl": "einde", "en": "end"},
    URIRef("http://www.w3.org/2006/time#inXSDDate"): {"nl": "datum", "en": "date"},
    URIRef("http://purl.org/linked-data/cube#dataSet"): {"nl": "dataset", "en": "data set"},
    URIRef("https://schema.org/value"): {"nl": "waarde", "en": "value"},
    URIRef("https://schema.org/currency"): {"nl": "valuta", "en": "currency"},
    URIRef("https://identifier.overheid.nl/tooi/def/ont/gemeentecode"): {"nl": "gemeentecode", "en": "municipality code"},
    TOOIONT.organisatiecode: {"nl": "organisatiecode", "en": "organisation code"},
}

# Properties listed first on a resource page, in this order (the rest by label).
_FIRST_PREDICATES = (
    RDFS.label,
    SKOS.prefLabel,
    DCTERMS.title,
    DCTERMS.description,
    SKOS.definition,
    RDFS.comment,
)
# Shown in their own sections of a resource page rather than among the properties.
_OWN_SECTIONS = (RDF.type, DCTERMS.source)


# --------------------------------------------------------------------------- terms


@dataclass(frozen=True)
class Value:
    """A node as people read it: a label for IRIs, the text for literals.

    ``known`` says whether the store describes the IRI (so a page can link to it);
    blank nodes carry their own statements in ``nested`` instead of a page."""

    kind: typing.Literal["iri", "literal", "bnode"]
    text: str
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None
    known: bool = False
    nested: tuple[Statement, ...] = ()


@dataclass(frozen=True)
class Statement:
    """One outgoing statement of a resource (or of one of its blank nodes)."""

    predicate: str
    predicate_label: str
    value: Value
    graph: str | None
    graph_label: str
    illustrative: bool


@dataclass(frozen=True)
class Incoming:
    """A statement elsewhere that points at the resource."""

    subject: Value
    predicate: str
    predicate_label: str
    graph: str | None
    graph_label: str
    illustrative: bool


@dataclass(frozen=True)
class SourceRef:
    """A ``dcterms:source`` of a resource: the location with its document."""

    location: Value
    locator: str | None
    document: Value | None
    file_name: str | None
    graph: str | None
    graph_label: str
    illustrative: bool


@dataclass(frozen=True)
class GraphInfo:
    """A named graph as the pages name it; ``size`` is the number of statements that
    matter in context (in the graph, or about one resource in it). ``data`` is false for
    graphs the catalogue does not list as data (ontology, shapes, the catalogue itself)."""

    iri: str | None
    label: str
    illustrative: bool
    size: int
    data: bool = True


@dataclass
class Description:
    """Everything a resource page shows about one IRI."""

    iri: str
    label: str
    types: list[Value]
    properties: list[tuple[str, str, list[Statement]]]
    incoming: list[Incoming]
    incoming_total: int
    sources: list[SourceRef]
    graphs: list[GraphInfo]

    @property
    def illustrative_only(self) -> bool:
        """True when every statement about the resource is in an illustrative graph:
        the sources do not state it at all."""
        return bool(self.graphs) and all(g.illustrative for g in self.graphs)


# --------------------------------------------------------------------------- helpers


def curie(iri: str) -> str:
    """A short name for an IRI with the project's prefixes (``mag:phase``); the IRI when
    no prefix fits. Used where no label exists, so people still see something short."""
    best = ""
    best_prefix = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(best):
            best, best_prefix = namespace, prefix
    if best and len(iri) > len(best):
        return f"{best_prefix}:{iri[len(best):]}"
    return iri


def _pick(found: dict[str, str], lang: str) -> str | None:
    for key in (lang, "nl", "", "en"):
        if key in found:
            return found[key]
    return next(iter(found.values()), None)


class _Labels:
    """Labels and the catalogue facts a page needs, looked up once per request."""

    def __init__(self, store: GraphStore, lang: str) -> None:
        self.store = store
        self.lang = lang
        self._labels: dict[Node, str | None] = {}
        self._known: dict[Node, bool] = {}
        self._catalogue: dict[str | None, tuple[str, bool]] | None = None

    def label(self, node: Node) -> str | None:
        """The node's label in the wanted language (then Dutch, untagged, English)."""
        if node not in self._labels:
            found: dict[str, str] = {}
            for predicate in _LABEL_PREDICATES:
                for _, _, obj, _ in self.store.quads(node, predicate, None):
                    if isinstance(obj, Literal):
                        found.setdefault(obj.language or "", str(obj))
                if found:
                    break
            self._labels[node] = _pick(found, self.lang)
        return self._labels[node]

    def name(self, node: Node) -> str:
        """A label, or else a short form of the IRI (predicates: a known W3C label)."""
        text = self.label(node)
        if text:
            return text
        if isinstance(node, URIRef):
            known = _KNOWN_LABELS.get(node)
            if known:
                return known.get(self.lang, known["nl"])
            return curie(str(node))
        return str(node)

    def known(self, node: Node) -> bool:
        """Whether the store holds statements about the node (so it has a page)."""
        if node not in self._known:
            self._known[node] = next(iter(self.store.quads(node, None, None)), None) is not None
        return self._known[node]

    def graph(self, graph: URIRef | BNode | None) -> tuple[str | None, str, bool]:
        """A graph's IRI, its name for people and whether it is illustrative."""
        catalogue = self._graphs()
        key = str(graph) if graph is not None else None
        label, illustrative = catalogue.get(key, (curie(key) if key else "default", False))
        return key, label, illustrative

    def is_data(self, graph: URIRef | BNode | None) -> bool:
        """Whether the catalogue lists the graph as data (as opposed to the model)."""
        return (str(graph) if graph is not None else None) in self._graphs()

    def _graphs(self) -> dict[str | None, tuple[str, bool]]:
        if self._catalogue is None:
            self._catalogue = {}
            for graph, _, flag, _ in self.store.quads(None, MAG.illustrative, None, Graphs.CATALOGUE):
                illustrative = isinstance(flag, Literal) and flag.toPython() is True
                name = self.label(graph) or curie(str(graph))
                self._catalogue[str(graph)] = (name, illustrative)
        return self._catalogue

    def value(self, node: Node, depth: int = 0, seen: frozenset[Node] = frozenset()) -> Value:
        if isinstance(node, Literal):
            datatype = curie(str(node.datatype)) if node.datatype is not None else None
            return Value("literal", str(node), lang=node.language, datatype=datatype)
        if isinstance(node, BNode):
            nested: tuple[Statement, ...] = ()
            if depth < BLANK_NODE_DEPTH and node not in seen:
                nested = tuple(self.statements(node, depth + 1, seen | {node}))
            return Value("bnode", self.label(node) or "", nested=nested)
        return Value("iri", self.name(node), iri=str(node), known=self.known(node))

    def statements(self, subject: Node, depth: int = 0, seen: frozenset[Node] = frozenset()) -> list[Statement]:
        out: list[Statement] = []
        for _, predicate, obj, graph in self.store.quads(subject, None, None):
            g, g_label, illustrative = self.graph(graph)
            out.append(
                Statement(
                    predicate=str(predicate),
                    predicate_label=self.name(predicate),
                    value=self.value(obj, depth, seen),
                    graph=g,
                    graph_label=g_label,
                    illustrative=illustrative,
                )
            )
        out.sort(key=_statement_order)
        return out


def _statement_order(statement: Statement) -> tuple[Any, ...]:
    predicate = URIRef(statement.predicate)
    first = _FIRST_PREDICATES.index(predicate) if predicate in _FIRST_PREDICATES else len(_FIRST_PREDICATES)
    lang_order = {"nl": 0, "en": 1}.get(statement.value.lang or "", 2)
    return (first, statement.predicate_label.lower(), lang_order, statement.value.text, statement.graph or "")


_NOT_IN_IRI = re.compile(r'[\s<>"{}|\\^`\x00-\x1f\x7f]')
_IRI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _as_node(iri: str | URIRef) -> URIRef:
    return iri if isinstance(iri, URIRef) else URIRef(iri)


def looks_like_iri(text: str) -> bool:
    """Whether a string from a URL can be an IRI at all; what cannot is simply not in
    the graph (a page answers 404 instead of handing junk to the store)."""
    return bool(_IRI_SCHEME.match(text)) and not _NOT_IN_IRI.search(text)


def exists(store: GraphStore, iri: str | URIRef) -> bool:
    """Whether the graph mentions the IRI at all (as subject or object), i.e. whether
    ``/id/...`` should answer rather than 404."""
    if not looks_like_iri(str(iri)):
        return False
    node = _as_node(iri)
    try:
        if next(iter(store.quads(node, None, None)), None) is not None:
            return True
        return next(iter(store.quads(None, None, node)), None) is not None
    except InvalidIRIError:
        return False


# --------------------------------------------------------------------------- describe


def describe(store: GraphStore, iri: str | URIRef, lang: str = "nl") -> Description | None:
    """The resource page's content for one IRI, or ``None`` when the graph does not
    mention it. Labels are in ``lang`` (falling back to Dutch)."""
    node = _as_node(iri)
    if not exists(store, node):
        return None
    labels = _Labels(store, lang)
    outgoing = labels.statements(node)

    types = []
    seen_types: set[str] = set()
    for statement in outgoing:
        if statement.predicate == str(RDF.type) and statement.value.iri not in seen_types:
            seen_types.add(statement.value.iri or "")
            types.append(statement.value)

    groups: dict[str, list[Statement]] = {}
    for statement in outgoing:
        if URIRef(statement.predicate) in _OWN_SECTIONS:
            continue
        groups.setdefault(statement.predicate, []).append(statement)
    properties = [(p, items[0].predicate_label, items) for p, items in groups.items()]

    sources = [
        _source_ref(labels, URIRef(s.value.iri), s) for s in outgoing
        if s.predicate == str(DCTERMS.source) and s.value.iri is not None
    ]

    incoming: list[Incoming] = []
    total = 0
    for subject, predicate, _, graph in store.quads(None, None, node):
        total += 1
        if total > INCOMING_LIMIT:
            continue
        g, g_label, illustrative = labels.graph(graph)
        incoming.append(
            Incoming(
                subject=labels.value(subject),
                predicate=str(predicate),
                predicate_label=labels.name(predicate),
                graph=g,
                graph_label=g_label,
                illustrative=illustrative,
            )
        )
    incoming.sort(key=lambda i: (i.predicate_label.lower(), i.subject.text.lower(), i.graph or ""))

    per_graph: dict[str | None, int] = defaultdict(int)
    for statement in outgoing:
        per_graph[statement.graph] += 1
    graphs = []
    for g in sorted(per_graph, key=lambda k: k or ""):
        _, g_label, illustrative = labels.graph(URIRef(g) if g else None)
        graphs.append(GraphInfo(g, g_label, illustrative, per_graph[g]))

    return Description(
        iri=str(node),
        label=labels.label(node) or curie(str(node)),
        types=types,
        properties=properties,
        incoming=incoming,
        incoming_total=total,
        sources=sources,
        graphs=graphs,
    )


def _source_ref(labels: _Labels, location: URIRef, statement: Statement) -> SourceRef:
    store = labels.store
    locator = next((str(o) for _, _, o, _ in store.quads(location, MAG.locator, None)), None)
    document_node = next((o for _, _, o, _ in store.quads(location, MAG.inSourceDocument, None)), None)
    if document_node is None and next(iter(store.quads(location, RDF.type, MAG.SourceDocument)), None):
        document_node = location  # the source is a whole document
    file_name = None
    document = None
    if document_node is not None:
        document = labels.value(document_node)
        file_name = next((str(o) for _, _, o, _ in store.quads(document_node, MAG.fileName, None)), None)
    return SourceRef(
        location=statement.value,
        locator=locator,
        document=document,
        file_name=file_name,
        graph=statement.graph,
        graph_label=statement.graph_label,
        illustrative=statement.illustrative,
    )


# --------------------------------------------------------------------------- RDF

# Media types a resource can be served in, with the rdflib serialiser for each.
RDF_MEDIA_TYPES: dict[str, str] = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
OX_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "xml": ox.RdfFormat.RDF_XML}


def resource_graph(store: GraphStore, iri: str | URIRef) -> Graph:
    """The resource's concise bounded description: its statements in every graph, with
    the statements of the blank nodes they reach (amounts, periods), so an RDF client
    gets the same facts the page shows."""
    node = _as_node(iri)
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    frontier: list[Node] = [node]
    seen: set[Node] = set()
    while frontier:
        subject = frontier.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for s, p, o, _ in store.quads(subject, None, None):
            graph.add((s, p, o))
            if isinstance(o, BNode):
                frontier.append(o)
    return graph


# The forms of JSON-LD a resource is given in, by the ``profile`` of its media type
# (https://www.w3.org/TR/json-ld11/#iana-considerations); compacted is the default.
JSON_LD_PROFILES: dict[str, str] = {name: "http://www.w3.org/ns/json-ld#" + name
                                    for name in ("compacted", "expanded", "flattened")}


def _no_remote_documents(url: str, options: Any = None) -> Any:
    raise pyld.JsonLdError(f"not loaded: {url}", "jsonld.LoadDocumentError", code="loading document failed")


def resource_rdf(store: GraphStore, iri: str | URIRef, media_type: str, profile: str = "compacted") -> bytes:
    """The resource's description serialised for an RDF client (see :data:`RDF_MEDIA_TYPES`).
    JSON-LD comes in the form ``profile`` names (:data:`JSON_LD_PROFILES`): compacted with
    the prefixes as context, expanded (full IRIs, no context), or flattened (every node at
    the top level, compacted with the same context); PyLD makes the last two."""
    fmt = RDF_MEDIA_TYPES[media_type]
    graph = resource_graph(store, iri)
    if fmt == "json-ld":
        if profile not in JSON_LD_PROFILES:
            raise ValueError(f"unknown JSON-LD profile {profile!r}")
        context = {prefix: namespace for prefix, namespace in sorted(PREFIXES.items())}
        data = graph.serialize(format="json-ld", context=context, auto_compact=True)
        if profile != "compacted":
            options = {"documentLoader": _no_remote_documents}
            document = json.loads(data)
            shaped = (pyld.expand(document, options) if profile == "expanded"
                      else pyld.flatten(document, {"@context": context}, options))
            data = json.dumps(shaped, ensure_ascii=False, indent=2)
    else:
        # pyoxigraph writes literals exactly as stored (rdflib's Turtle would rewrite the
        # decimal "12500" as 12500.0, another RDF term than the JSON-LD's).
        blank_nodes: dict[str, ox.BlankNode] = {}
        triples = [ox.Triple(*(from_rdflib_term(term, blank_nodes=blank_nodes) for term in triple))  # type: ignore[arg-type]
                   for triple in graph]
        prefixes = dict(sorted(PREFIXES.items())) if fmt in ("turtle", "xml") else None
        data = ox.serialize(triples, format=OX_FORMATS[fmt], prefixes=prefixes)
    return data.encode("utf-8") if isinstance(data, str) else data


# --------------------------------------------------------------------------- overview


@dataclass
class MunicipalityOverview:
    """One municipality on the home page: what the graph holds about it."""

    iri: str
    label: str
    code: str | None
    cbs_code: str | None
    counts: dict[str, int]
    graphs: list[GraphInfo]


@dataclass
class Overview:
    """The home page: the municipalities and every graph with its size."""

    municipalities: list[MunicipalityOverview]
    graphs: list[GraphInfo]
    total: int


# What the home page counts per municipality: a key for the page text and the class
# (subclasses count too, e.g. every mag:AffiliatedParty is a mag:Partnership).
COUNTED_CLASSES: dict[str, URIRef] = {
    "responsibilities": MAG.Responsibility,
    "role_assignments": MAG.RoleAssignment,
    "partnerships": MAG.Partnership,
    "consultations": MAG.Consultation,
    "projects": MAG.Project,
}

_COUNT_QUERY = """
SELECT ?municipality ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s mag:municipality ?municipality ; a ?type .
  ?type rdfs:subClassOf* ?class .
  FILTER(?class IN (mag:Responsibility, mag:RoleAssignment, mag:Partnership,
                    mag:Consultation, mag:Project))
}
GROUP BY ?municipality ?class
"""


def municipalities(store: GraphStore, lang: str = "nl") -> list[tuple[str, str, str | None]]:
    """The municipalities the data is about (those the catalogue's data graphs name):
    ``(TOOI IRI, label, short code such as "gm0523")``, sorted by label."""
    labels = _Labels(store, lang)
    found: set[Node] = set()
    for graph, _, m, _ in store.quads(None, MAG.municipality, None, Graphs.CATALOGUE):
        if next(iter(store.quads(graph, RDF.type, MAG.DataGraph, Graphs.CATALOGUE)), None) is not None:
            found.add(m)
    if not found:  # no catalogue loaded: every municipality something belongs to
        found = {m for _, _, m, _ in store.quads(None, MAG.municipality, None)}
    out = []
    for m in found:
        code = next((str(o) for _, _, o, _ in store.quads(m, TOOIONT.organisatiecode, None)), None)
        if code is None and str(m).rsplit("/", 1)[-1].startswith("gm"):
            code = str(m).rsplit("/", 1)[-1]
        out.append((str(m), labels.name(m), code))
    return sorted(out, key=lambda item: item[1].lower())


def overview(store: GraphStore, lang: str = "nl") -> Overview:
    """The home page's content: per municipality its label, TOOI IRI, CBS code, the
    number of responsibilities, role assignments, partnerships, consultations and
    projects, and the graphs about it with their sizes; then every graph."""
    labels = _Labels(store, lang)
    sizes = store.graph_sizes()
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    by_class = {str(c): key for key, c in COUNTED_CLASSES.items()}
    for m, cls, n in store.query(_COUNT_QUERY).rows:
        counts[str(m)][by_class[str(cls)]] = int(n)  # type: ignore[arg-type]

    graph_municipalities: dict[str, set[str]] = defaultdict(set)
    for graph, _, m, _ in store.quads(None, MAG.municipality, None, Graphs.CATALOGUE):
        graph_municipalities[str(m)].add(str(graph))

    result = []
    for iri, label, code in municipalities(store, lang):
        node = URIRef(iri)
        cbs = next((str(o) for _, _, o, _ in store.quads(node, MAG.cbsCode, None)), None)
        graphs = []
        for g in sorted(graph_municipalities.get(iri, ())):
            if g == str(Graphs.SOURCES):
                continue  # shared by all municipalities; listed with every graph below
            _, g_label, illustrative = labels.graph(URIRef(g))
            graphs.append(GraphInfo(g, g_label, illustrative, sizes.get(URIRef(g), 0)))
        result.append(
            MunicipalityOverview(
                iri=iri,
                label=label,
                code=code,
                cbs_code=cbs,
                counts={key: counts.get(iri, {}).get(key, 0) for key in COUNTED_CLASSES},
                graphs=graphs,
            )
        )
    all_graphs = []
    for g, size in sizes.items():
        if g is None and size == 0:
            continue
        key, g_label, illustrative = labels.graph(g)
        all_graphs.append(GraphInfo(key, g_label, illustrative, size, labels.is_data(g)))
    return Overview(municipalities=result, graphs=all_graphs, total=sum(sizes.values()))


def municipality_iri(code: str) -> URIRef | None:
    """The TOOI IRI for a short code (``gm0523``) or a name (``maassluis``); ``None`` for
    anything else, so a page can answer 400/404 instead of querying with junk."""
    key = code.strip().lower()
    if key in MUNICIPALITIES:
        return MUNICIPALITIES[key]
    if len(key) == 6 and key.startswith("gm") and key[2:].isdigit():
        return TOOI[f"gemeente/{key}"]
    return None


def _int(value: Node | None) -> int | None:
    try:
        return int(value) if value is not None else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def concepts(store: GraphStore, scheme: str | URIRef, lang: str = "nl") -> list[tuple[str, str]]:
    """The concepts of a ``magb:`` scheme as ``(local name, label)``, in the scheme's
    ``mag:order`` where it has one, else by label: the choices of a form field."""
    node = scheme if isinstance(scheme, URIRef) else MAGB[scheme] if ":" not in scheme else URIRef(scheme)
    labels = _Labels(store, lang)
    found = []
    for concept, _, _, _ in store.quads(None, SKOS.inScheme, node):
        order = next((o for _, _, o, _ in store.quads(concept, MAG.order, None)), None)
        found.append((_int(order), labels.name(concept), str(concept)))
    base = str(MAGB)
    unique = {iri: (order, label) for order, label, iri in found}
    ordered = sorted(unique.items(), key=lambda kv: (kv[1][0] if kv[1][0] is not None else 10**6, kv[1][1].lower()))
    return [(iri.removeprefix(base), label) for iri, (_, label) in ordered]


def resource_path(iri: str) -> str | None:
    """The local path of an IRI minted under the project's base (``id/...``), else None."""
    base = str(MAGID)
    if iri.startswith(base) and len(iri) > len(base):
        return iri[len(base):]
    return None


def iri_for_path(ref: str) -> str:
    """The IRI a ``/id/{type}/{ref}`` path stands for (the Dutch URI strategy's base).
    A string: whether it is a valid IRI is for :func:`exists` to say."""
    return BASE + "id/" + ref
