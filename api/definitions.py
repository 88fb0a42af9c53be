"""Documentation of the ontology at its own IRIs, ``/def/...`` (Dutch URI strategy).

``https://data.mag-graph.nl/def/mag`` (the ontology), ``/def/mag/begrip`` (the concept
schemes), ``/def/mag/hergebruik`` (labels of reused terms) and every concept scheme and
concept under ``/def/mag/begrip/...`` answer browsers with a page and RDF clients with
Turtle, JSON-LD, N-Triples or RDF/XML, by the one content negotiation of every face
(:func:`mag_graph.sparql.negotiate`); ``?format=`` picks the RDF for a link. The terms of
the ontology are hash IRIs (``/def/mag#Municipality``): a browser gets the ontology's page
at the term's section, an RDF client the ontology.

The pages are made at run time from ``ontology/*.ttl`` (the files the store loads), with
this project's templates (``definition.html``, ``definition_term.html``): Dutch first with
an English switch, every class with its properties (declared on it and inherited), every
property with its domain and range, every scheme with its concepts, and each term's
sources (``dcterms:source``, the places in the seeds it rests on) and defining vocabulary.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, render_template, request
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from mag_graph.namespaces import MAG, MAGB, PREFIXES
from mag_graph.questions import describe
from mag_graph.resources import resource_files
from mag_graph.sparql import NotAcceptableError, negotiate

from .pages import (
    FORMAT_NAMES,
    HTML_TYPES,
    RDF_FILE_SUFFIX,
    current_lang,
    link,
    resource_href,
)
from .problems import Problem, error_response

bp = Blueprint("definitions", __name__, template_folder="templates")

DEF_BASE = "https://data.mag-graph.nl/def/"
DATA_BASE = "https://data.mag-graph.nl/id/"
OFFERED_TYPES = (*HTML_TYPES, *describe.RDF_MEDIA_TYPES)
SCHEMA = "https://schema.org/"
VANN = "http://purl.org/vocab/vann/"
ORDER = URIRef(str(MAG._NS) + "order")
KINDS = {
    OWL.Class: "class",
    OWL.ObjectProperty: "object_property",
    OWL.DatatypeProperty: "datatype_property",
    OWL.AnnotationProperty: "annotation_property",
}

# The texts of these pages, Dutch and English (kept here: they belong to this face only).
TEXTS: dict[str, dict[str, str]] = {
    "iri": {"nl": "IRI", "en": "IRI"},
    "version": {"nl": "Versie", "en": "Version"},
    "licence": {"nl": "Licentie", "en": "Licence"},
    "download": {"nl": "Download", "en": "Download"},
    "contents": {"nl": "Inhoud", "en": "Contents"},
    "classes": {"nl": "Klassen", "en": "Classes"},
    "properties": {"nl": "Eigenschappen", "en": "Properties"},
    "schemes": {"nl": "Begrippenkaders", "en": "Concept schemes"},
    "reused": {"nl": "Hergebruikte termen", "en": "Reused terms"},
    "class": {"nl": "klasse", "en": "class"},
    "object_property": {"nl": "objecteigenschap", "en": "object property"},
    "datatype_property": {"nl": "datatype-eigenschap", "en": "datatype property"},
    "annotation_property": {"nl": "annotatie-eigenschap", "en": "annotation property"},
    "concept": {"nl": "begrip", "en": "concept"},
    "scheme": {"nl": "begrippenkader", "en": "concept scheme"},
    "subclass_of": {"nl": "Subklasse van", "en": "Subclass of"},
    "subclasses": {"nl": "Subklassen", "en": "Subclasses"},
    "equivalent": {"nl": "Equivalent met", "en": "Equivalent to"},
    "disjoint": {"nl": "Disjunct met", "en": "Disjoint with"},
    "own_properties": {"nl": "Eigenschappen van deze klasse", "en": "Properties of this class"},
    "inherited_properties": {"nl": "Geërfd van {parent}", "en": "Inherited from {parent}"},
    "no_properties": {"nl": "Geen eigen eigenschappen.", "en": "No properties of its own."},
    "property": {"nl": "Eigenschap", "en": "Property"},
    "range": {"nl": "Bereik", "en": "Range"},
    "domain": {"nl": "Domein", "en": "Domain"},
    "definition": {"nl": "Definitie", "en": "Definition"},
    "subproperty_of": {"nl": "Subeigenschap van", "en": "Subproperty of"},
    "inverse_of": {"nl": "Inverse van", "en": "Inverse of"},
    "functional": {"nl": "functioneel (hoogstens één waarde)", "en": "functional (at most one value)"},
    "sources": {"nl": "Bronnen", "en": "Sources"},
    "defined_by": {"nl": "Gedefinieerd in", "en": "Defined by"},
    "notation": {"nl": "Notatie", "en": "Notation"},
    "label": {"nl": "Naam", "en": "Name"},
    "in_scheme": {"nl": "In begrippenkader", "en": "In scheme"},
    "broader": {"nl": "Breder", "en": "Broader"},
    "narrower": {"nl": "Smaller", "en": "Narrower"},
    "concepts": {"nl": "Begrippen", "en": "Concepts"},
    "other_language": {"nl": "Engels", "en": "Dutch"},
    "kind": {"nl": "Soort", "en": "Kind"},
    "scope_note": {"nl": "Toelichting", "en": "Note"},
    "concept_count": {"nl": "{count} begrippen", "en": "{count} concepts"},
    "not_found": {"nl": "De ontologie definieert {iri} niet.", "en": "The ontology does not define {iri}."},
    "unknown_format": {"nl": "Onbekend formaat {name}; kies uit {known}.", "en": "Unknown format {name}; choose from {known}."},
}


def tr(key: str, lang: str, **values: object) -> str:
    """The text of ``key`` in ``lang``; an unknown key raises (a typo in a template)."""
    return TEXTS[key][lang].format(**values)


# --------------------------------------------------------------------------- the model


@dataclass
class Definitions:
    """The ontology files: each document's own graph, and their union (for labels and
    for the terms one file uses and another describes)."""

    documents: dict[URIRef, Graph]
    union: Graph
    schemes: list[URIRef]
    concepts: set[URIRef]


@functools.lru_cache(maxsize=1)
def definitions() -> Definitions:
    documents: dict[URIRef, Graph] = {}
    union = Graph()
    for path in resource_files("ontology", "*.ttl"):
        graph = Graph().parse(path, format="turtle")
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace, override=False)
        ontology = next((o for o in graph.subjects(RDF.type, OWL.Ontology) if str(o).startswith(DEF_BASE)), None)
        if isinstance(ontology, URIRef):
            documents[ontology] = graph
        union += graph
    schemes = sorted((s for s in union.subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef)), key=str)
    concepts = {c for c in union.subjects(RDF.type, SKOS.Concept) if isinstance(c, URIRef)}
    return Definitions(documents, union, schemes, concepts)


def _texts(graph: Graph, node: URIRef, *predicates: URIRef) -> dict[str, str]:
    found: dict[str, str] = {}
    for predicate in predicates:
        for value in graph.objects(node, predicate):
            if isinstance(value, Literal):
                found.setdefault(value.language or "", str(value))
    return found


def _in(texts: dict[str, str], lang: str) -> str | None:
    for key in (lang, "nl", "en", ""):
        if key in texts:
            return texts[key]
    return None


@dataclass
class Ref:
    """A link to a term: its name in the page's language and where it is documented."""

    iri: str
    text: str
    href: str
    curie: str


@dataclass
class Entry:
    """One documented term (class, property, concept scheme, concept or reused term)."""

    iri: str
    anchor: str
    curie: str
    kind: str
    label: str
    other_label: str | None
    definition: str | None
    href: str = ""
    notes: list[str] = field(default_factory=list)
    facts: list[tuple[str, list[Ref]]] = field(default_factory=list)  # (heading, links)
    flags: list[str] = field(default_factory=list)
    sources: list[Ref] = field(default_factory=list)
    defined_by: Ref | None = None
    own_properties: list[tuple[Ref, list[Ref], str | None]] = field(default_factory=list)
    inherited: list[tuple[Ref, list[tuple[Ref, list[Ref], str | None]]]] = field(default_factory=list)
    concepts: list[Entry] = field(default_factory=list)
    notation: str | None = None


class Page:
    """What one page says, in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.other = "en" if lang == "nl" else "nl"
        self.model = definitions()
        self.graph = self.model.union
        self._domains: dict[URIRef, set[URIRef]] | None = None

    # -- names and links

    def label(self, node: URIRef) -> str:
        return _in(_texts(self.graph, node, SKOS.prefLabel, RDFS.label, DCTERMS.title), self.lang) or describe.curie(str(node))

    def href(self, node: URIRef) -> str:
        """Where a term is documented: its section or page under /def, the resource page
        for data IRIs (sources), the IRI itself for anything else."""
        iri = str(node)
        if iri.startswith(str(MAG._NS)):
            return link("definitions.definition", path="mag") + "#" + iri[len(str(MAG._NS)):]
        if iri.startswith(DEF_BASE) and (node in self.model.documents or node in self.model.concepts
                                         or node in self.model.schemes):
            return link("definitions.definition", path=iri[len(DEF_BASE):])
        if (node, RDFS.label, None) in self.model.documents.get(URIRef(DEF_BASE + "mag/hergebruik"), Graph()):
            return link("definitions.definition", path="mag/hergebruik") + "#" + _anchor(node)
        if iri.startswith(DATA_BASE):
            return resource_href(iri) or iri
        return iri

    def ref(self, node: Any) -> Ref:
        node = URIRef(str(node))
        text = self.label(node)
        if str(node).startswith(DATA_BASE) and text == describe.curie(str(node)):
            text = str(node)[len(DATA_BASE):]  # a source location: bron/001-slide-7
        return Ref(str(node), text, self.href(node), describe.curie(str(node)))

    def refs(self, nodes: Iterable[Any]) -> list[Ref]:
        found = []
        for node in nodes:
            if isinstance(node, URIRef):
                found.append(self.ref(node))
            else:  # an owl:unionOf of classes (a domain or range of several)
                members = self.graph.value(node, OWL.unionOf)
                if members is not None:
                    found += [self.ref(m) for m in Collection(self.graph, members) if isinstance(m, URIRef)]
        return sorted(found, key=lambda r: r.text.lower())

    # -- entries

    def entry(self, node: URIRef, kind: str) -> Entry:
        g = self.graph
        labels = _texts(g, node, SKOS.prefLabel, RDFS.label)
        other = labels.get(self.other)
        found = Entry(
            iri=str(node), anchor=_anchor(node), curie=describe.curie(str(node)), kind=kind, label=self.label(node),
            other_label=other if other and other != labels.get(self.lang) else None,
            definition=_in(_texts(g, node, SKOS.definition, DCTERMS.description, RDFS.comment), self.lang),
            href=self.href(node),
            sources=sorted((self.ref(s) for s in g.objects(node, DCTERMS.source)), key=lambda r: r.iri),
        )
        note = _in(_texts(g, node, SKOS.scopeNote), self.lang)
        if note:
            found.notes.append(note)
        defined_by = g.value(node, RDFS.isDefinedBy)
        if isinstance(defined_by, URIRef):
            found.defined_by = self.ref(defined_by)
        notation = g.value(node, SKOS.notation)
        found.notation = str(notation) if notation is not None else None
        return found

    def class_entry(self, node: URIRef, properties: list[URIRef]) -> Entry:
        g = self.graph
        entry = self.entry(node, "class")
        supers = [s for s in g.objects(node, RDFS.subClassOf) if isinstance(s, URIRef)]
        for heading, nodes in (
            ("subclass_of", supers),
            ("subclasses", [s for s in g.subjects(RDFS.subClassOf, node) if isinstance(s, URIRef)]),
            ("equivalent", list(g.objects(node, OWL.equivalentClass))),
            ("disjoint", [*g.objects(node, OWL.disjointWith), *g.subjects(OWL.disjointWith, node)]),
        ):
            if nodes:
                entry.facts.append((tr(heading, self.lang), self.refs(set(nodes))))
        entry.own_properties = self.properties_of(node, properties)
        seen = {node}
        queue = list(supers)
        while queue:
            parent = queue.pop(0)
            if parent in seen:
                continue
            seen.add(parent)
            inherited = self.properties_of(parent, properties)
            if inherited:
                entry.inherited.append((self.ref(parent), inherited))
            queue += [s for s in g.objects(parent, RDFS.subClassOf) if isinstance(s, URIRef)]
        return entry

    def properties_of(self, cls: URIRef, properties: list[URIRef]) -> list[tuple[Ref, list[Ref], str | None]]:
        """The properties whose domain is (or includes) ``cls``: (property, range, definition)."""
        if self._domains is None:
            self._domains = {prop: self.domain_classes(prop) for prop in properties}
        out = []
        for prop in properties:
            if cls in self._domains.get(prop, set()):
                entry_definition = _in(_texts(self.graph, prop, SKOS.definition), self.lang)
                out.append((self.ref(prop), self.refs(self.ranges(prop)), entry_definition))
        return sorted(out, key=lambda item: item[0].text.lower())

    def domain_classes(self, prop: URIRef) -> set[URIRef]:
        classes: set[URIRef] = set()
        for node in [*self.graph.objects(prop, RDFS.domain), *self.graph.objects(prop, URIRef(SCHEMA + "domainIncludes"))]:
            if isinstance(node, URIRef):
                classes.add(node)
            else:  # owl:unionOf
                members = self.graph.value(node, OWL.unionOf)
                if members is not None:
                    classes |= {m for m in Collection(self.graph, members) if isinstance(m, URIRef)}
        return classes

    def ranges(self, prop: URIRef) -> list[Any]:
        return [*self.graph.objects(prop, RDFS.range), *self.graph.objects(prop, URIRef(SCHEMA + "rangeIncludes"))]

    def property_entry(self, node: URIRef, kind: str) -> Entry:
        g = self.graph
        entry = self.entry(node, kind)
        domains = [*g.objects(node, RDFS.domain), *g.objects(node, URIRef(SCHEMA + "domainIncludes"))]
        for heading, nodes in (
            ("domain", domains),
            ("range", self.ranges(node)),
            ("subproperty_of", list(g.objects(node, RDFS.subPropertyOf))),
            ("inverse_of", [*g.objects(node, OWL.inverseOf), *g.subjects(OWL.inverseOf, node)]),
        ):
            if nodes:
                entry.facts.append((tr(heading, self.lang), self.refs(set(nodes))))
        if (node, RDF.type, OWL.FunctionalProperty) in g:
            entry.flags.append(tr("functional", self.lang))
        return entry

    def concept_entry(self, node: URIRef) -> Entry:
        g = self.graph
        entry = self.entry(node, "concept")
        for heading, nodes in (
            ("in_scheme", list(g.objects(node, SKOS.inScheme))),
            ("broader", list(g.objects(node, SKOS.broader))),
            ("narrower", list(g.subjects(SKOS.broader, node))),
        ):
            if nodes:
                entry.facts.append((tr(heading, self.lang), self.refs(set(nodes))))
        return entry

    def scheme_entry(self, node: URIRef) -> Entry:
        entry = self.entry(node, "scheme")
        members = [c for c in self.graph.subjects(SKOS.inScheme, node) if isinstance(c, URIRef)]
        entry.concepts = [self.concept_entry(c) for c in sorted(members, key=self._concept_order)]
        return entry

    def _concept_order(self, node: URIRef) -> tuple[int, str]:
        order = self.graph.value(node, ORDER)
        return (int(order) if order is not None else 10_000, self.label(node).lower())

    # -- documents

    def document(self, ontology: URIRef) -> dict[str, Any]:
        """The page of one ontology document: its header, then what it defines: the
        classes and properties of the mag: namespace (``/def/mag``), the concept schemes
        with their concepts (``/def/mag/begrip``), the reused terms it names
        (``/def/mag/hergebruik``)."""
        own = self.model.documents[ontology]
        g = self.graph
        ours = str(MAG._NS)

        def declared(rdf_type: URIRef) -> list[URIRef]:
            found = (s for s in own.subjects(RDF.type, rdf_type) if isinstance(s, URIRef) and str(s).startswith(ours))
            return sorted(found, key=lambda s: self.label(s).lower())

        every_property = sorted({p for t in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
                                 for p in g.subjects(RDF.type, t) if isinstance(p, URIRef)}, key=str)
        classes = [self.class_entry(c, every_property) for c in declared(OWL.Class)]
        properties = [self.property_entry(p, kind) for rdf_type, kind in KINDS.items() if kind != "class"
                      for p in declared(rdf_type)]
        schemes = [self.scheme_entry(s) for s in self.model.schemes if (s, RDF.type, SKOS.ConceptScheme) in own]
        named = {s for s in own.subjects(RDFS.label, None) if isinstance(s, URIRef) and s != ontology
                 and not str(s).startswith(ours) and (s, RDF.type, SKOS.ConceptScheme) not in own
                 and (s, RDF.type, SKOS.Concept) not in own}
        reused = [self.entry(s, _kind_of(g, s)) for s in sorted(named, key=lambda s: self.label(s).lower())]
        header = self.entry(ontology, "ontology")
        version = own.value(ontology, OWL.versionInfo)
        licence = own.value(ontology, DCTERMS.license)
        return {
            "entry": header,
            "title": header.label,
            "version": str(version) if version else None,
            "licence": self.ref(licence) if isinstance(licence, URIRef) else None,
            "prefix": own.value(ontology, URIRef(VANN + "preferredNamespacePrefix")),
            "namespace": own.value(ontology, URIRef(VANN + "preferredNamespaceUri")),
            "imports": self.refs(own.objects(ontology, OWL.imports)),
            "classes": classes,
            "properties": properties,
            "schemes": schemes,
            "reused": reused,
        }


def _anchor(node: URIRef) -> str:
    """The id of a term's section: the local name of a mag: or magb: term, the curie
    otherwise."""
    iri = str(node)
    for namespace in (str(MAG._NS), str(MAGB._NS)):
        if iri.startswith(namespace):
            return iri[len(namespace):]
    return describe.curie(iri).replace(":", "-").replace("/", "-").replace("#", "-")


def _kind_of(graph: Graph, node: URIRef) -> str:
    for rdf_type, kind in KINDS.items():
        if (node, RDF.type, rdf_type) in graph:
            return kind
    return "property"


# --------------------------------------------------------------------------- RDF


def _description(node: URIRef) -> Graph:
    """What an RDF client gets for a scheme (the scheme and its concepts) or a concept."""
    model = definitions()
    out = Graph()
    for prefix, namespace in PREFIXES.items():
        out.bind(prefix, namespace)
    subjects = [node]
    if node in model.schemes:
        subjects += [c for c in model.union.subjects(SKOS.inScheme, node) if isinstance(c, URIRef)]
    for subject in subjects:
        for triple in model.union.triples((subject, None, None)):
            out.add(triple)
    return out


def _serialise(graph: Graph, media_type: str) -> bytes:
    fmt = describe.RDF_MEDIA_TYPES[media_type]
    if fmt == "json-ld":
        context = {prefix: namespace for prefix, namespace in sorted(PREFIXES.items())}
        data = graph.serialize(format="json-ld", context=context, auto_compact=True)
    else:
        data = graph.serialize(format=fmt)
    return data.encode("utf-8") if isinstance(data, str) else data


# --------------------------------------------------------------------------- the view


def _chosen_type() -> str | None:
    """``?format=`` (a link's choice of RDF), else the Accept header."""
    name = request.args.get("format")
    if name is not None:
        media = FORMAT_NAMES.get(name.lower())
        if media is None:
            known = ", ".join(sorted(FORMAT_NAMES))
            raise Problem(400, tr("unknown_format", "nl", name=name, known=known), tr("unknown_format", "en", name=name, known=known),
                          invalidParams=[{"name": "format", "reason": "unknown"}])
        return media
    return negotiate(request.headers.get("Accept"), OFFERED_TYPES)


@functools.lru_cache(maxsize=64)
def _html(path: str, query: bytes, lang: str) -> str:
    """The page of a document or term (the files do not change while the app runs; the
    query string is part of the key because links keep an explicit ``?lang=``)."""
    model = definitions()
    node = URIRef(DEF_BASE + path)
    page = Page(lang)
    downloads = {label: link("definitions.definition", path=path, format=name)
                 for label, name in (("Turtle", "ttl"), ("JSON-LD", "jsonld"), ("N-Triples", "nt"), ("RDF/XML", "rdfxml"))}
    helpers = {"tr": lambda key, **values: tr(key, lang, **values), "downloads": downloads, "iri": str(node)}
    if node in model.documents:
        d = page.document(node)
        return render_template("definition.html", d=d, title=d["title"], **helpers)
    entry = page.scheme_entry(node) if node in model.schemes else page.concept_entry(node)
    return render_template("definition_term.html", e=entry, title=entry.label, **helpers)


@bp.get("/def/<path:path>")
def definition(path: str) -> Any:
    """The ontology, a concept scheme or a concept: a page or its RDF."""
    model = definitions()
    node = URIRef(DEF_BASE + path)
    is_document = node in model.documents
    if not (is_document or node in model.schemes or node in model.concepts):
        raise Problem(404, tr("not_found", "nl", iri=str(node)), tr("not_found", "en", iri=str(node)))
    media = _chosen_type()
    if media is None:
        response = error_response(NotAcceptableError("definition", list(OFFERED_TYPES)))
    elif media in HTML_TYPES:
        response = Response(_html(path, request.query_string, current_lang()), mimetype="text/html")
    else:
        graph = model.documents[node] if is_document else _description(node)
        response = Response(_serialise(graph, media), mimetype=media)
        if media == "text/turtle":
            response.headers["Content-Type"] = "text/turtle; charset=utf-8"
        if "format" in request.args:
            response.headers["Content-Disposition"] = f'inline; filename="{path.replace("/", "-")}.{RDF_FILE_SUFFIX[media]}"'
    response.vary.add("Accept")
    return response
