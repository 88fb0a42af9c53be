"""The headless CMS core: the editable classes of the ontology as content types, their
JSON-LD representation, and every write validated, recorded and committed atomically.

One :class:`Content` per store does the work; the HTTP routes (``api/cms.py``) and the CLI
only translate. The design is in docs/cms.md; in short:

* **Content types** come from the ontology: a fixed table names each type (``responsibility``),
  its collection (``responsibilities``), the classes it covers and the Dutch IRI segment
  (``verantwoordelijkheid``) new IRIs are minted with.
* **A resource** is its IRI's statements plus the nodes it owns: blank nodes, its own hash
  IRIs (``<iri>#amount-...``) and what it points to through a few owning properties
  (``mag:amount``, ``mag:period``, ``org:memberDuring``, ...): amounts, periods, terms.
* **JSON-LD** in compact form with one published context (:func:`context`): camelCase keys
  from the properties' local names, ``@type: @id`` for references, language maps for
  labels and descriptions, ``@set`` for properties that can have several values. What
  :meth:`Content.document` gives, :meth:`Content.replace` takes back unchanged (a no-op).
* **Writes** are diffed against the store, written tentatively (the pending history record
  first), validated incrementally on the store itself (no copy), and then either committed
  (the pending flag cleared) or undone exactly, under one write lock per store. See
  :meth:`Content._commit` for why this is atomic and how a crash is recovered.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import logging
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import (
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    QB,
    RDF,
    RDFS,
    SH,
    SKOS,
    TIME,
    XSD,
)
from rdflib.term import Node

from mag_graph.cms import history
from mag_graph.cms import workflow
from mag_graph.namespaces import (
    MAG,
    MAGID,
    MUNICIPALITIES,
    PREFIXES,
    SCHEMA,
    TOOIONT,
)
from mag_graph.resources import resource_files
from mag_graph.store import (
    GraphStore,
    InvalidIRIError,
    MagGraphError,
    Store,
    UnknownFormatError,
    from_rdflib_term,
    rdf_format,
    to_rdflib_term,
)
from mag_graph.validation import texts_by_language
from mag_graph.cms.workflow import (
    ADOPTED,
    ARCHIVED,
    CONCEPT,
    CONCEPT_GRAPH,
    HISTORY_GRAPH,
    ForbiddenError,
    StateConflictError,
)

__all__ = [
    "API_BASE",
    "CONTEXT_URL",
    "AlreadyExistsError",
    "Content",
    "ContentError",
    "ContentType",
    "ForbiddenError",
    "HasReferrersError",
    "InvalidDocumentError",
    "NotFoundError",
    "Page",
    "PreconditionFailedError",
    "PreconditionRequiredError",
    "Resource",
    "StateConflictError",
    "ValidationFailedError",
    "WriteResult",
    "content_type",
    "content_types",
    "context",
    "context_document",
    "json_schema",
    "types_overview",
]

log = logging.getLogger(__name__)

CONTEXT_URL = "https://data.mag-graph.nl/api/v1/context.jsonld"
API_BASE = "/api/v1"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

Quad = tuple[Node, Node, Node, Any]
Triple = tuple[Node, Node, Node]

# Properties through which a resource owns the (named) node it points to: the node is
# part of the resource's description, shown nested and replaced with it.
OWNED_PREDICATES: frozenset[URIRef] = frozenset(
    {
        MAG.amount,
        MAG.requestedAmount,
        MAG.period,
        ORG.memberDuring,
        PROV.qualifiedAssociation,
        TIME.hasBeginning,
        TIME.hasEnd,
    }
)

# --------------------------------------------------------------------------- errors


class ContentError(MagGraphError):
    """Base of the CMS's errors; ``status`` is the HTTP status the API answers with."""

    status = 400
    slug = "invalid-request"


class NotFoundError(ContentError):
    status = 404
    slug = "not-found"


class InvalidDocumentError(ContentError):
    """The request body is not a usable description of a resource."""

    status = 400
    slug = "invalid-document"


class AlreadyExistsError(ContentError):
    status = 409
    slug = "already-exists"


class PreconditionFailedError(ContentError):
    """If-Match does not match the resource's current ETag (someone else changed it)."""

    status = 412
    slug = "precondition-failed"

    def __init__(self, nl: str, en: str, current_etag: str | None) -> None:
        super().__init__(nl, en)
        self.current_etag = current_etag


class PreconditionRequiredError(ContentError):
    status = 428
    slug = "precondition-required"


class HasReferrersError(ContentError):
    """Deleting would leave other resources pointing at nothing."""

    status = 409
    slug = "has-referrers"

    def __init__(self, nl: str, en: str, referrers: list[dict[str, Any]]) -> None:
        super().__init__(nl, en)
        self.referrers = referrers


class ValidationFailedError(ContentError):
    """The write would break rules; nothing was stored. ``results`` lists each finding
    (rule, the JSON key of the path, message in Dutch and English, value)."""

    status = 422
    slug = "validation-failed"

    def __init__(self, results: list[dict[str, Any]]) -> None:
        rules = sorted({r["rule"] or "?" for r in results})
        n = len(results)
        super().__init__(
            f"de wijziging is niet opgeslagen: {n} overtreding(en) van {', '.join(rules)}",
            f"the change was not stored: {n} violation(s) of {', '.join(rules)}",
        )
        self.results = results



# --------------------------------------------------------------------------- content types

# name, collection, root classes, Dutch IRI segment (docs/model.md). Order matters only
# for ties: a class under two roots at the same distance (ImplementationPlan is a Plan and
# a Document) belongs to the type listed first.
_TYPE_TABLE: list[tuple[str, str, tuple[URIRef, ...], str]] = [
    ("organisation", "organisations", (MAG.ExecutingOrganisation, MAG.PartnerOrganisation), "organisatie"),
    ("body", "bodies", (MAG.GoverningBody,), "orgaan"),
    ("post", "posts", (MAG.Post,), "functie"),
    ("group", "groups", (MAG.Group,), "groep"),
    ("resident", "residents", (MAG.Resident,), "inwoner"),
    ("role-assignment", "role-assignments", (MAG.RoleAssignment,), "roltoewijzing"),
    ("responsibility", "responsibilities", (MAG.Responsibility,), "verantwoordelijkheid"),
    ("evaluation", "evaluations", (MAG.Evaluation,), "evaluatie"),
    ("agenda", "agendas", (MAG.SocialAgenda,), "agenda"),
    ("baseline-snapshot", "baseline-snapshots", (MAG.BaselineSnapshot,), "startfoto"),
    ("social-issue", "social-issues", (MAG.SocialIssue,), "vraagstuk"),
    ("theme", "themes", (MAG.Theme,), "thema"),
    ("goal", "goals", (MAG.Goal,), "doel"),
    ("indicator", "indicators", (MAG.Indicator,), "indicator"),
    ("dataset", "datasets", (MAG.IndicatorDataSet,), "dataset"),
    ("observation", "observations", (MAG.IndicatorObservation,), "waarneming"),
    ("opdracht", "opdrachten", (MAG.MagAssignment,), "opdracht"),
    ("plan", "plans", (MAG.Plan,), "plan"),
    ("plan-activity", "plan-activities", (MAG.PlanActivity,), "activiteit"),
    ("initiative", "initiatives", (MAG.Initiative,), "initiatief"),
    ("grant", "grants", (MAG.Grant,), "bijdrage"),
    ("performance-dialogue", "performance-dialogues", (MAG.PerformanceDialogue,), "prestatiedialoog"),
    ("advice", "advice", (MAG.Advice,), "advies"),
    ("budget", "budgets", (MAG.Budget,), "budget"),
    ("decision", "decisions", (MAG.Decision,), "besluit"),
    ("partnership", "partnerships", (MAG.Partnership,), "samenwerking"),
    ("participation", "participations", (MAG.Participation,), "deelname"),
    ("dashboard", "dashboards", (MAG.Dashboard,), "dashboard"),
    ("dashboard-update", "dashboard-updates", (MAG.DashboardUpdate,), "actualisatie"),
    ("importance-assessment", "importance-assessments", (MAG.ImportanceAssessment,), "belangrijkheid"),
    ("process-moment", "process-moments", (MAG.ProcessMoment,), "procesmoment"),
    ("consultation", "consultations", (MAG.Consultation,), "overleg"),
    ("meeting", "meetings", (MAG.Meeting,), "bijeenkomst"),
    ("project", "projects", (MAG.Project,), "project"),
    ("deliverable", "deliverables", (MAG.Deliverable,), "product"),
    ("document", "documents", (MAG.Document,), "document"),
]

# Short codes of the example municipalities for minted IRIs (docs/model.md).
_MUNICIPALITY_CODES = {
    MUNICIPALITIES["hardinxveld-giessendam"]: "hg",
    MUNICIPALITIES["maassluis"]: "ms",
    MUNICIPALITIES["molenlanden"]: "ml",
}


@dataclass(frozen=True, eq=False)
class ContentType:
    """An editable class of the ontology, as the API offers it."""

    name: str
    collection: str
    cls: URIRef
    classes: tuple[URIRef, ...]
    segment: str
    label: dict[str, str]
    description: dict[str, str]

    @property
    def path(self) -> str:
        return f"{API_BASE}/{self.collection}"

    def title(self, lang: str) -> str:
        return _pick(self.label, lang) or self.name


# --------------------------------------------------------------------------- vocabulary

# Reused properties the ontology does not describe (or describes without a range): their
# kind in the API. "lang" = language map, "ref" = IRI, "typed" = one datatype written as a
# string, "plain" = JSON strings, numbers and booleans.
_REUSED: dict[URIRef, tuple[str, URIRef | None, bool]] = {
    RDFS.label: ("lang", None, True),
    RDFS.comment: ("lang", None, True),
    SKOS.prefLabel: ("lang", None, True),
    SKOS.altLabel: ("lang", None, True),
    SKOS.definition: ("lang", None, True),
    DCTERMS.title: ("lang", None, True),
    DCTERMS.description: ("lang", None, True),
    MAG.rationale: ("lang", None, True),
    MAG.purpose: ("lang", None, True),
    MAG.topic: ("lang", None, True),
    DCTERMS.source: ("ref", None, True),
    DCTERMS.subject: ("ref", None, True),
    DCTERMS.date: ("typed", XSD.date, False),
    DCTERMS.issued: ("typed", XSD.date, False),
    RDFS.seeAlso: ("ref", None, True),
    FOAF.page: ("ref", None, True),
    TIME.inXSDDate: ("typed", XSD.date, False),
    SCHEMA.value: ("typed", XSD.decimal, False),
    SCHEMA.currency: ("plain", XSD.string, False),
    TOOIONT.gemeentecode: ("plain", XSD.string, False),
    TOOIONT.organisatiecode: ("plain", XSD.string, False),
    TOOIONT.begindatum: ("typed", XSD.date, False),
    TOOIONT.einddatum: ("typed", XSD.date, False),
    MAG.unitOfMeasure: ("plain", XSD.string, False),
    MAG.order: ("plain", XSD.integer, False),
    ORG.reportsTo: ("ref", None, True),
    ORG.subOrganizationOf: ("ref", None, True),
}

# Object properties with one value per resource in this model (shown as a single value,
# not an array). Shapes with sh:maxCount 1 add to this.
_SINGLE_REFS: frozenset[URIRef] = frozenset(
    {
        MAG.holder, MAG.inContext, MAG.amount, MAG.requestedAmount, MAG.period, MAG.indicator,
        MAG.observationKind, MAG.goalKind, MAG.budgetKind, MAG.decisionKind, MAG.documentKind,
        MAG.momentKind, MAG.consultationKind, MAG.frequencyPeriod, MAG.legalForm,
        MAG.overallImportance, MAG.assesses, MAG.onTimelineOf, MAG.meetingOf, MAG.dashboardOf,
        MAG.extensionOf, MAG.afterEvaluation, MAG.evaluates, MAG.grantedBy, MAG.grantedTo,
        MAG.forInitiative, MAG.partOfBudget, MAG.managedBy, MAG.basedOn, MAG.derivedFrom,
        MAG.carriedOutBy, MAG.commissionedBy, MAG.chair, MAG.heldBy, MAG.adviser, MAG.applicant,
        MAG.contractedBy, MAG.spokesperson, MAG.executingBody, MAG.foundingDocument,
        MAG.hasDashboard, MAG.accounthouder, MAG.residentOf, MAG.inSourceDocument, MAG.phase,
        MAG.raciKind, MAG.theme, MAG.assignmentDocument, MAG.hasProjectGroup,
        ORG.memberDuring, ORG.member, ORG.organization, ORG.postIn, ORG.unitOf,
        PROV.agent, PROV.hadRole, TIME.hasBeginning, TIME.hasEnd, QB.dataSet, QB.structure,
    }
)

# Keys for properties whose local names collide (mag: terms keep the plain name).
_PREFIX_ORDER = ["mag", "rdfs", "dcterms", "skos", "org", "prov", "time", "schema", "qb",
                 "foaf", "tooiont", "rdf", "owl", "xsd", "magb"]
_CONTEXT_PREFIXES = ["mag", "magb", "org", "prov", "skos", "qb", "time", "dcterms", "schema",
                     "foaf", "rdfs", "rdf", "xsd", "owl", "tooiont"]
# Reused classes that get a short term of their own in the context.
_CLASS_TERMS = {
    "MonetaryAmount": SCHEMA.MonetaryAmount,
    "Instant": TIME.Instant,
    "ProperInterval": TIME.ProperInterval,
    "Association": PROV.Association,
}
_IDENTITY_KEYS = ("label", "title", "description", "comment", "prefLabel", "altLabel", "definition")


@dataclass(frozen=True)
class PropertyInfo:
    """How one property appears in the API."""

    iri: URIRef
    key: str
    kind: str  # "ref", "lang", "typed", "plain"
    datatype: URIRef | None
    multi: bool
    owned: bool
    label: dict[str, str]
    description: dict[str, str]

    def term(self, curie: str) -> dict[str, Any]:
        out: dict[str, Any] = {"@id": curie}
        if self.kind == "ref":
            out["@type"] = "@id"
        elif self.kind == "typed" and self.datatype is not None:
            out["@type"] = _curie(self.datatype)
        if self.kind == "lang":
            out["@container"] = "@language"
        elif self.multi:
            out["@container"] = "@set"
        return out


@dataclass
class _Vocabulary:
    ontology: Graph
    shapes: Graph
    superclasses: dict[URIRef, set[URIRef]]
    types: dict[str, ContentType]
    by_collection: dict[str, ContentType]
    class_type: dict[URIRef, ContentType]
    properties: dict[URIRef, PropertyInfo]
    by_key: dict[str, PropertyInfo]
    class_terms: dict[str, URIRef]
    term_of_class: dict[URIRef, str]
    context: dict[str, Any]


@lru_cache(maxsize=1)
def vocabulary() -> _Vocabulary:
    """Everything derived from the ontology and the shapes, built once per process."""
    from mag_graph.validation import shapes_graph

    ontology = Graph()
    for path in resource_files("ontology", "*.ttl"):
        ontology.parse(path, format="turtle")
    shapes = shapes_graph()
    superclasses: dict[URIRef, set[URIRef]] = defaultdict(set)
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            superclasses[sub].add(sup)

    types, class_type = _build_types(ontology, superclasses)
    properties = _build_properties(ontology, shapes)
    class_terms = {str(c).rsplit("#", 1)[-1]: c for c in ontology.subjects(RDF.type, OWL.Class)
                   if isinstance(c, URIRef) and str(c).startswith(str(MAG._NS))}
    class_terms.update(_CLASS_TERMS)
    term_of_class = {iri: term for term, iri in class_terms.items()}
    ctx: dict[str, Any] = {"@version": 1.1, "id": "@id", "type": "@type"}
    for prefix in _CONTEXT_PREFIXES:
        ctx[prefix] = PREFIXES[prefix]
    for term in sorted(class_terms):
        ctx[term] = _curie(class_terms[term])
    for info in sorted(properties.values(), key=lambda i: i.key):
        ctx[info.key] = info.term(_curie(info.iri))
    return _Vocabulary(
        ontology=ontology,
        shapes=shapes,
        superclasses=dict(superclasses),
        types=types,
        by_collection={t.collection: t for t in types.values()},
        class_type=class_type,
        properties=properties,
        by_key={i.key: i for i in properties.values()},
        class_terms=class_terms,
        term_of_class=term_of_class,
        context=ctx,
    )


def _build_types(ontology: Graph, superclasses: Mapping[URIRef, set[URIRef]]) -> tuple[dict[str, ContentType], dict[URIRef, ContentType]]:
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    roots: dict[URIRef, int] = {}
    for index, (_, _, root_classes, _) in enumerate(_TYPE_TABLE):
        for root in root_classes:
            roots[root] = index
    chosen: dict[URIRef, int] = {}
    for cls in classes | set(roots):
        best: tuple[int, int] | None = None
        frontier, distance, seen = {cls}, 0, set()
        while frontier and best is None:
            hits = sorted(roots[c] for c in frontier if c in roots)
            if hits:
                best = (distance, hits[0])
            seen |= frontier
            frontier = {s for c in frontier for s in superclasses.get(c, ())} - seen
            distance += 1
        if best is not None:
            chosen[cls] = best[1]
    types: dict[str, ContentType] = {}
    class_type: dict[URIRef, ContentType] = {}
    for index, (name, collection, root_classes, segment) in enumerate(_TYPE_TABLE):
        members = tuple(sorted((c for c, i in chosen.items() if i == index), key=lambda c: (c not in root_classes, str(c))))
        main = root_classes[0]
        made = ContentType(
            name=name,
            collection=collection,
            cls=main,
            classes=members,
            segment=segment,
            label=texts_by_language(ontology, main, RDFS.label),
            description=texts_by_language(ontology, main, SKOS.definition) or texts_by_language(ontology, main, RDFS.comment),
        )
        types[name] = made
        for member in members:
            class_type[member] = made
    return types, class_type


def _build_properties(ontology: Graph, shapes: Graph) -> dict[URIRef, PropertyInfo]:
    rangeincludes = SCHEMA.rangeIncludes
    found: dict[URIRef, tuple[str, URIRef | None, bool]] = {}
    for prop in set(ontology.subjects(RDF.type, OWL.ObjectProperty)):
        if isinstance(prop, URIRef):
            found[prop] = ("ref", None, prop not in _SINGLE_REFS)
    for prop in set(ontology.subjects(RDF.type, OWL.DatatypeProperty)):
        if not isinstance(prop, URIRef):
            continue
        ranges = [r for r in list(ontology.objects(prop, RDFS.range)) + list(ontology.objects(prop, rangeincludes)) if isinstance(r, URIRef)]
        datatype = ranges[0] if ranges else None
        if datatype == RDF.langString:
            found[prop] = ("lang", None, True)
        elif datatype in (XSD.date, XSD.gYear, XSD.decimal, XSD.dateTime):
            found[prop] = ("typed", datatype, False)
        else:
            found[prop] = ("plain", datatype or XSD.string, False)
    found.update(_REUSED)
    # Properties the shapes constrain: datatype and cardinality from them where told.
    single_by_shape: set[URIRef] = set()
    for shape, path in shapes.subject_objects(SH.path):
        if not isinstance(path, URIRef):
            continue
        max_count = shapes.value(shape, SH.maxCount)
        if max_count is not None and int(max_count) <= 1:
            single_by_shape.add(path)
        if path not in found:
            datatype = shapes.value(shape, SH.datatype)
            if isinstance(datatype, URIRef) and datatype in (XSD.date, XSD.gYear, XSD.decimal):
                found[path] = ("typed", datatype, True)
            elif shapes.value(shape, SH["class"]) is not None or shapes.value(shape, SH["in"]) is not None:
                found[path] = ("ref", None, True)
    found.pop(RDF.type, None)
    # Keys: the local name, unless two properties share it (mag: wins, others get their prefix).
    by_local: dict[str, list[URIRef]] = defaultdict(list)
    for prop in found:
        by_local[_local(prop)].append(prop)
    keys: dict[URIRef, str] = {}
    for local, props in by_local.items():
        if len(props) == 1:
            keys[props[0]] = local
            continue
        for prop in props:
            prefix = _prefix_of(prop)
            keys[prop] = local if prefix == "mag" else f"{prefix}{local[:1].upper()}{local[1:]}"
    out: dict[URIRef, PropertyInfo] = {}
    for prop, (kind, datatype, multi) in found.items():
        if prop in single_by_shape and kind != "lang":
            multi = False
        out[prop] = PropertyInfo(
            iri=prop,
            key=keys[prop],
            kind=kind,
            datatype=datatype,
            multi=multi,
            owned=prop in OWNED_PREDICATES,
            label=texts_by_language(ontology, prop, RDFS.label),
            description=texts_by_language(ontology, prop, SKOS.definition) or texts_by_language(ontology, prop, RDFS.comment),
        )
    return out


def _local(iri: URIRef | str) -> str:
    text = str(iri)
    return re.split(r"[#/]", text)[-1] or text


def _prefix_of(iri: URIRef | str) -> str:
    text = str(iri)
    best = ""
    for prefix in _PREFIX_ORDER:
        ns = PREFIXES[prefix]
        if text.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    return best or "x"


_SAFE_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def _curie(iri: URIRef | str) -> str:
    """A compact IRI with one of the context's prefixes, or the IRI itself."""
    text = str(iri)
    best = None
    for prefix in _CONTEXT_PREFIXES:
        ns = PREFIXES[prefix]
        if text.startswith(ns) and (best is None or len(ns) > len(PREFIXES[best])):
            local = text[len(ns):]
            if _SAFE_LOCAL.fullmatch(local) and not local.endswith("."):
                best = prefix
    if best is None:
        return text
    return f"{best}:{text[len(PREFIXES[best]):]}"




def _pick(values: Mapping[str, str], lang: str) -> str:
    for key in (lang, "nl", "en", ""):
        if values.get(key):
            return values[key]
    return next(iter(values.values()), "")


def context() -> dict[str, Any]:
    """The JSON-LD context every document of the API uses (a copy)."""
    return copy.deepcopy(vocabulary().context)


def context_document() -> dict[str, Any]:
    """The published context document (``/api/v1/context.jsonld``)."""
    return {"@context": context()}


def content_types() -> dict[str, ContentType]:
    """Every content type by name, in the order of the API's listing."""
    return dict(vocabulary().types)


def content_type(name: str) -> ContentType:
    """A content type by name (``responsibility``) or collection (``responsibilities``)."""
    vocab = vocabulary()
    key = name.strip().lower()
    found = vocab.types.get(key) or vocab.by_collection.get(key)
    if found is None:
        raise NotFoundError(
            f"onbekend inhoudstype {name!r} (zie {API_BASE}/types)",
            f"unknown content type {name!r} (see {API_BASE}/types)",
        )
    return found


def type_for_classes(classes: Iterable[Node]) -> ContentType | None:
    """The content type a resource with these rdf:types belongs to (first in the table
    order when they disagree), or ``None``."""
    vocab = vocabulary()
    candidates = {vocab.class_type[c] for c in classes if c in vocab.class_type}
    if not candidates:
        return None
    order = list(vocab.types)
    return min(candidates, key=lambda t: order.index(t.name))


def property_for_key(key: str) -> PropertyInfo | None:
    return vocabulary().by_key.get(key)


def key_for(predicate: Node) -> str:
    """The JSON key of a property (its compact IRI when the context has no term)."""
    info = vocabulary().properties.get(predicate)  # type: ignore[arg-type]
    if info is not None:
        return info.key
    if predicate == RDF.type:
        return "type"
    return _curie(predicate)  # type: ignore[arg-type]


def expand_value(text: str) -> URIRef:
    """An IRI from a compact IRI (``magb:Opstellen``) or an absolute IRI in a query
    parameter or document."""
    value = text.strip()
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return URIRef(PREFIXES[prefix] + local)
    if value in vocabulary().class_terms:
        return vocabulary().class_terms[value]
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value):
        return URIRef(value)
    raise InvalidIRIError(text, "geen IRI of bekend prefix / not an IRI or known prefix")


# --------------------------------------------------------------------------- resources


def _owned(root: URIRef, predicate: Node, obj: Node) -> bool:
    """Is ``obj`` part of the description of ``root`` (reached from it by ``predicate``)?"""
    if isinstance(obj, BNode):
        return True
    if isinstance(obj, URIRef):
        return str(obj).startswith(str(root) + "#") or predicate in OWNED_PREDICATES
    return False


def _reachable(root: URIRef, triples: Iterable[Triple]) -> dict[Node, list[tuple[Node, Node]]]:
    """Nodes of the resource (the root and what it owns), each with the (subject,
    predicate) edges through which it was reached (for key paths in messages)."""
    by_subject: dict[Node, list[Triple]] = defaultdict(list)
    for t in triples:
        by_subject[t[0]].append(t)
    reached: dict[Node, list[tuple[Node, Node]]] = {root: []}
    frontier = [root]
    while frontier:
        node = frontier.pop()
        for _, p, o in by_subject.get(node, ()):
            if _owned(root, p, o) and o not in reached:
                reached[o] = [(node, p)]
                frontier.append(o)
    return reached


def _merkle(node: Node, by_subject: Mapping[Node, list[Triple]], memo: dict[Node, str], stack: frozenset[Node] = frozenset()) -> str:
    """A content hash of a node's description, blank nodes replaced by the hashes of
    theirs: equal for two blank-node trees that say the same thing, whatever their labels."""
    if not isinstance(node, BNode):
        return node.n3()
    if node in memo:
        return memo[node]
    if node in stack:
        return "_:cycle"
    inner = stack | {node}
    lines = sorted(
        f"{p.n3()} {_merkle(o, by_subject, memo, inner) if isinstance(o, BNode) else o.n3()}"
        for _, p, o in by_subject.get(node, ())
    )
    digest = "_:" + hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    memo[node] = digest
    return digest


def _canonical_lines(triples: Iterable[Triple]) -> list[str]:
    triples = list(triples)
    by_subject: dict[Node, list[Triple]] = defaultdict(list)
    for t in triples:
        by_subject[t[0]].append(t)
    memo: dict[Node, str] = {}
    return sorted(
        f"{_merkle(s, by_subject, memo)} {p.n3()} {_merkle(o, by_subject, memo)}"
        for s, p, o in triples
    )


def etag_for(triples: Iterable[Triple], state: str | None) -> str:
    """The entity tag of a resource: a hash of its statements (blank nodes by content,
    so relabelling them does not change it) and its workflow state."""
    digest = hashlib.sha256()
    for line in _canonical_lines(triples):
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    digest.update(f"state:{state}".encode())
    return digest.hexdigest()[:32]


@dataclass
class Resource:
    """A resource as stored: its IRI, content type, state, ETag and statements
    (with the graph each is in)."""

    iri: URIRef
    type: ContentType | None
    state: str | None
    quads: list[Quad]

    @property
    def triples(self) -> list[Triple]:
        seen: dict[Triple, None] = {}
        for s, p, o, _ in self.quads:
            seen[(s, p, o)] = None
        return list(seen)

    @property
    def etag(self) -> str:
        return etag_for(self.triples, self.state)

    @property
    def exists(self) -> bool:
        return bool(self.quads)

    def graph(self) -> Graph:
        out = Graph()
        for prefix, ns in PREFIXES.items():
            out.bind(prefix, ns)
        for triple in self.triples:
            out.add(triple)
        return out

    def serialize(self, format: str = "turtle") -> bytes:
        """The description in an RDF format (``turtle``, ``ntriples``, ``rdfxml``, ``jsonld``)."""
        if format in ("jsonld", "json-ld", "json"):
            return json.dumps(to_jsonld(self.iri, self.triples, self.type), ensure_ascii=False, indent=2).encode("utf-8")
        rdf = rdf_format(format)
        if rdf.supports_datasets and rdf not in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
            raise UnknownFormatError(format)
        blank_nodes: dict[str, ox.BlankNode] = {}
        triples = [ox.Triple(*(from_rdflib_term(t, blank_nodes=blank_nodes) for t in triple)) for triple in self.triples]  # type: ignore[arg-type]
        prefixes = dict(sorted(PREFIXES.items())) if rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None
        # pyoxigraph writes literals exactly as stored (rdflib would rewrite decimals).
        return ox.serialize(triples, format=rdf, prefixes=prefixes)  # type: ignore[no-any-return]

    def label(self, lang: str = "nl") -> str:
        labels = {}
        for s, p, o in self.triples:
            if s == self.iri and p in (RDFS.label, DCTERMS.title) and isinstance(o, Literal):
                labels.setdefault(o.language or "", str(o))
        return _pick(labels, lang) or _local(self.iri)


# --------------------------------------------------------------------------- JSON-LD out


def to_jsonld(
    iri: URIRef, triples: Iterable[Triple], ctype: ContentType | None = None, *, context_url: str | None = None
) -> dict[str, Any]:
    """The compact JSON-LD document of a resource. Keys in the order of the type's form
    (fieldsets), then the rest alphabetically; owned nodes nested."""
    triples = list(triples)
    by_subject: dict[Node, list[Triple]] = defaultdict(list)
    for t in triples:
        by_subject[t[0]].append(t)
    order = _field_order(ctype) if ctype is not None else {}
    body = _node_object(iri, iri, by_subject, order, set())
    return {"@context": context_url or CONTEXT_URL, **body}


def _node_object(node: Node, root: URIRef, by_subject: Mapping[Node, list[Triple]], order: Mapping[str, int], seen: set[Node]) -> dict[str, Any]:
    vocab = vocabulary()
    seen = seen | {node}
    out: dict[str, Any] = {}
    if isinstance(node, URIRef):
        out["id"] = str(node)
    values: dict[Node, list[Node]] = defaultdict(list)
    for _, p, o in by_subject.get(node, ()):
        values[p].append(o)
    types = sorted((o for o in values.pop(RDF.type, []) if isinstance(o, URIRef)), key=str)
    if types:
        names = [vocab.term_of_class.get(t) or _curie(t) for t in types]
        out["type"] = names[0] if len(names) == 1 else sorted(names)
    entries: dict[str, Any] = {}
    fallback: dict[str, list[Any]] = defaultdict(list)
    for predicate, objects in values.items():
        objects = sorted(objects, key=lambda o: o.n3())
        info = vocab.properties.get(predicate)  # type: ignore[arg-type]
        if info is None:
            key = _curie(predicate)  # type: ignore[arg-type]
            entries[key] = [_expanded(o, root, predicate, by_subject, seen) for o in objects]
            continue
        if info.kind == "lang":
            language_map: dict[str, list[str]] = defaultdict(list)
            for o in objects:
                if isinstance(o, Literal) and (o.language or o.datatype is None):
                    language_map[o.language or "@none"].append(str(o))
                else:
                    fallback[_curie(predicate)].append(_expanded(o, root, predicate, by_subject, seen))  # type: ignore[arg-type]
            if language_map:
                entries[info.key] = {
                    lang: (texts[0] if len(texts) == 1 else texts)
                    for lang, texts in sorted(language_map.items(), key=lambda kv: (kv[0] != "nl", kv[0]))
                }
            continue
        items = [_compact_value(o, info, root, predicate, by_subject, seen) for o in objects]
        entries[info.key] = items if (info.multi or len(items) != 1) else items[0]
    for key, items in fallback.items():
        entries[key] = items
    for key in sorted(entries, key=lambda k: (order.get(k, 10_000), k)):
        out[key] = entries[key]
    return out


def _compact_value(obj: Node, info: PropertyInfo, root: URIRef, predicate: Node, by_subject: Mapping[Node, list[Triple]], seen: set[Node]) -> Any:
    if (isinstance(obj, BNode) or _owned(root, predicate, obj)) and obj not in seen and (obj in by_subject or isinstance(obj, BNode)):
        return _node_object(obj, root, by_subject, {}, seen)
    if isinstance(obj, URIRef):
        return _curie(obj) if info.kind == "ref" else {"id": str(obj)}
    if isinstance(obj, BNode):  # a cycle back to a blank node: cannot be written compactly
        return {"id": f"_:{obj}"}
    assert isinstance(obj, Literal)
    if info.kind == "typed" and obj.datatype == info.datatype and not obj.language:
        return str(obj)
    if info.kind in ("plain", "typed") or info.kind == "ref":
        native = _native(obj)
        if native is not _NO_NATIVE and info.kind == "plain":
            return native
    return _value_object(obj)


_NO_NATIVE = object()
_CANONICAL_INT = re.compile(r"-?(0|[1-9][0-9]{0,19})")


def _native(obj: Literal) -> Any:
    """The JSON value that a JSON-LD processor turns back into exactly this literal."""
    if obj.language:
        return _NO_NATIVE
    if obj.datatype is None or obj.datatype == XSD.string:
        return str(obj)
    if obj.datatype == XSD.integer and _CANONICAL_INT.fullmatch(str(obj)) and str(obj) != "-0":
        return int(str(obj))
    if obj.datatype == XSD.boolean and str(obj) in ("true", "false"):
        return str(obj) == "true"
    return _NO_NATIVE


def _value_object(obj: Literal) -> dict[str, Any]:
    if obj.language:
        return {"@value": str(obj), "@language": obj.language}
    if obj.datatype is None or obj.datatype == XSD.string:
        return {"@value": str(obj)}
    return {"@value": str(obj), "@type": _curie(obj.datatype)}


def _expanded(obj: Node, root: URIRef, predicate: Node, by_subject: Mapping[Node, list[Triple]], seen: set[Node]) -> Any:
    """A value under a key without a term definition: node or value object."""
    if (isinstance(obj, BNode) or _owned(root, predicate, obj)) and obj not in seen and (obj in by_subject or isinstance(obj, BNode)):
        return _node_object(obj, root, by_subject, {}, seen)
    if isinstance(obj, URIRef):
        return {"id": str(obj)}
    if isinstance(obj, BNode):
        return {"id": f"_:{obj}"}
    return _value_object(obj)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- JSON-LD in


def _inline_context(doc: Any) -> Any:
    """The document with references to the published context replaced by the context
    itself, so parsing never fetches anything from the network."""
    if isinstance(doc, list):
        return [_inline_context(d) for d in doc]
    if not isinstance(doc, dict):
        return doc
    out = dict(doc)
    ctx = out.get("@context")
    if ctx is None:
        out["@context"] = context()
    else:
        out["@context"] = _replace_context(ctx)
    return out


def _replace_context(ctx: Any) -> Any:
    if isinstance(ctx, str):
        if ctx == CONTEXT_URL or ctx.rstrip("/").endswith(f"{API_BASE}/context.jsonld"):
            return context()
        raise InvalidDocumentError(
            f"onbekende externe @context {ctx!r}; gebruik {CONTEXT_URL} of een inline context",
            f"unknown remote @context {ctx!r}; use {CONTEXT_URL} or an inline context",
        )
    if isinstance(ctx, list):
        return [_replace_context(c) for c in ctx]
    return ctx


def parse_rdf(data: bytes | str | Mapping[str, Any] | list[Any], format: str = "jsonld") -> list[Triple]:
    """Statements of a request body: JSON-LD (a parsed JSON value or its text) or any
    RDF format pyoxigraph reads. Graph names are ignored (the CMS decides the graphs).
    Relative IRIs resolve against ``https://data.mag-graph.nl/id/``."""
    key = format.strip().lower()
    if key in ("json", "jsonld", "json-ld", "application/ld+json", "application/json"):
        if isinstance(data, (bytes, str)):
            try:
                data = json.loads(data)
            except (ValueError, UnicodeDecodeError) as exc:
                raise InvalidDocumentError(f"geen geldige JSON: {exc}", f"not valid JSON: {exc}") from None
        if not isinstance(data, (dict, list)):
            raise InvalidDocumentError("verwacht een JSON-object", "expected a JSON object")
        raw = json.dumps(_inline_context(data)).encode("utf-8")
        fmt = ox.RdfFormat.JSON_LD
    else:
        fmt = rdf_format(key)
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)  # type: ignore[arg-type]
    try:
        quads = list(ox.parse(raw, format=fmt, base_iri=str(MAGID)))
    except (SyntaxError, ValueError) as exc:
        raise InvalidDocumentError(f"het document is geen geldige RDF: {exc}", f"the document is not valid RDF: {exc}") from None
    out: dict[Triple, None] = {}
    for q in quads:
        if isinstance(q.subject, ox.Triple) or isinstance(q.object, ox.Triple):
            raise InvalidDocumentError("RDF 1.2-triple-termen worden niet ondersteund", "RDF 1.2 triple terms are not supported")
        if q.predicate.value == _RDF_TYPE_IRI and isinstance(q.object, ox.Literal):
            raise InvalidDocumentError(f"een type is een klasse (IRI), geen tekst of getal: {q.object}",
                                       f"a type is a class (an IRI), not a text or number: {q.object}")
        out[(to_rdflib_term(q.subject), to_rdflib_term(q.predicate), to_rdflib_term(q.object))] = None  # type: ignore[index]
    return list(out)


_RDF_TYPE_IRI = str(RDF.type)


def _roots(triples: Sequence[Triple]) -> list[Node]:
    """Subjects that are nobody's owned node: the resources a document describes."""
    subjects = {s for s, _, _ in triples}
    owned: set[Node] = set()
    for s, p, o in triples:
        if o in subjects and o != s and (isinstance(o, BNode) or p in OWNED_PREDICATES or (isinstance(s, URIRef) and str(o).startswith(str(s) + "#"))):
            owned.add(o)
    return sorted(subjects - owned, key=lambda n: (isinstance(n, BNode), str(n)))


# --------------------------------------------------------------------------- write results


@dataclass
class WriteResult:
    """What a write did: the resource's IRI, its new ETag and state, the revision that
    recorded it (``None`` when nothing changed), and the warnings it raised."""

    iri: str
    etag: str | None
    state: str | None
    revision: str | None
    created: bool = False
    deleted: bool = False
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.iri,
            "etag": self.etag,
            "state": self.state,
            "revision": self.revision,
            "created": self.created,
            "deleted": self.deleted,
            "warnings": self.warnings,
        }


@dataclass
class ImportResult:
    created: list[str]
    replaced: list[str]
    unchanged: list[str]
    revision: str | None
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "revision": self.revision,
            "warnings": self.warnings,
        }


@dataclass
class Page:
    """One page of a collection."""

    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def to_json(self) -> dict[str, Any]:
        return {"items": self.items, "total": self.total, "page": self.page, "pageSize": self.page_size, "pages": self.pages}


# --------------------------------------------------------------------------- locking


class _ReadWriteLock:
    """Many readers or one writer. API reads take the read side, so they never see a
    write that is still being validated (and may yet be undone)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer: int | None = None
        self._depth = 0
        self._waiting_writers = 0

    def acquire_read(self) -> None:
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:  # a writer may read what it is writing
                self._depth += 1
                return
            while self._writer is not None or self._waiting_writers:
                self._cond.wait()
            self._readers += 1

    def release_read(self) -> None:
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:
                self._depth -= 1
                return
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    def acquire_write(self) -> None:
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:
                self._depth += 1
                return
            self._waiting_writers += 1
            while self._writer is not None or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writer = me
            self._depth = 1

    def release_write(self) -> None:
        with self._cond:
            self._depth -= 1
            if not self._depth:
                self._writer = None
                self._cond.notify_all()


class _Reading:
    def __init__(self, lock: _ReadWriteLock) -> None:
        self.lock = lock

    def __enter__(self) -> None:
        self.lock.acquire_read()

    def __exit__(self, *exc: object) -> None:
        self.lock.release_read()


class _Writing(_Reading):
    def __enter__(self) -> None:
        self.lock.acquire_write()

    def __exit__(self, *exc: object) -> None:
        self.lock.release_write()


_INSTANCE_ATTRIBUTE = "_mag_graph_content"
_INSTANCES_LOCK = threading.Lock()


# --------------------------------------------------------------------------- the CMS


class Content:
    """The CMS over one store. Use :meth:`for_store` so that every caller of a store
    (HTTP views, CLI) shares one instance: one write lock, one search index."""

    def __init__(
        self,
        store: GraphStore | Store,
        *,
        search: Any = True,
        date: dt.date | None = None,
        context_url: str | None = None,
    ) -> None:
        self.store = store
        self.date = date
        self.context_url = context_url or CONTEXT_URL
        self._lock = _ReadWriteLock()
        self.listeners: list[Any] = []
        if search is True:
            from mag_graph.cms.search import SearchIndex

            self.search = SearchIndex.for_store(store)
        else:
            self.search = search or None
        # Background rebuilds of the search index (reindex_later): whether one more is
        # wanted, and whether a thread is running them; both guarded by _reindex_lock.
        self._reindex_lock = threading.Lock()
        self._reindex_wanted = False
        self._reindexing = False
        self.recover()
        if self.search is not None:
            self.search.ensure(self)

    def reindex_later(self) -> None:
        """Bring the search index up to date in the background after the store was
        written outside the CMS (a raw SPARQL update, a Graph Store write): the index is
        marked stale at once and rebuilt under the write lock by one background thread;
        writes that come in while it runs are taken along in one more rebuild."""
        if self.search is None:
            return
        self.search.mark_stale()
        with self._reindex_lock:
            self._reindex_wanted = True
            if self._reindexing:
                return
            self._reindexing = True
        threading.Thread(target=self._reindex_loop, name="mag-graph-reindex", daemon=True).start()

    def _reindex_loop(self) -> None:
        while True:
            with self._reindex_lock:
                if not self._reindex_wanted:
                    self._reindexing = False
                    return
                self._reindex_wanted = False
            try:
                with self.writing():
                    self.search.rebuild(self)  # type: ignore[union-attr]
            except Exception:  # a background thread: log it; the next start catches up
                log.exception("rebuilding the search index failed; `mag-graph reindex` or a restart rebuilds it")

    @classmethod
    def for_store(cls, store: GraphStore | Store, **kwargs: Any) -> Content:
        """The shared instance for ``store`` (made on first use)."""
        with _INSTANCES_LOCK:
            # Kept on the store object itself, so it lives exactly as long as the store
            # (a registry keyed by the store would keep every store alive).
            found = getattr(store, _INSTANCE_ATTRIBUTE, None)
            if not isinstance(found, cls):
                found = cls(store, **kwargs)
                setattr(store, _INSTANCE_ATTRIBUTE, found)
            return found

    # -- reading

    def reading(self) -> _Reading:
        return _Reading(self._lock)

    def writing(self) -> _Writing:
        return _Writing(self._lock)

    def resource(self, iri: URIRef | str) -> Resource:
        """A resource as stored (it may not exist: then ``quads`` is empty)."""
        subject = _iri(iri)
        quads = self._resource_quads(subject)
        classes = [o for s, p, o, _ in quads if s == subject and p == RDF.type]
        state = workflow.state_of(self.store, subject) if quads else None
        return Resource(subject, type_for_classes(classes), state, quads)

    def _resource_quads(self, root: URIRef) -> list[Quad]:
        out: list[Quad] = []
        seen = {root}
        frontier: list[Node] = [root]
        while frontier:
            node = frontier.pop()
            for s, p, o, g in self.store.quads(node):
                if g == HISTORY_GRAPH:
                    continue
                out.append((s, p, o, g))
                if o not in seen and _owned(root, p, o):
                    seen.add(o)
                    frontier.append(o)
        return out

    def get(self, iri: URIRef | str, *, role: str | None = None, ctype: ContentType | str | None = None) -> Resource:
        """A visible content resource; 404 when it does not exist, is not content, is of
        another type than asked, or is not visible to ``role``."""
        workflow.check_role(role)
        with self.reading():
            found = self.resource(iri)
        wanted = content_type(ctype) if isinstance(ctype, str) else ctype
        if not found.exists or found.type is None or (wanted is not None and found.type != wanted) or not workflow.can_see(role, found.state):
            raise NotFoundError(f"<{iri}> bestaat niet (of is niet zichtbaar)", f"<{iri}> does not exist (or is not visible)")
        return found

    def document(self, iri: URIRef | str, *, role: str | None = None, ctype: ContentType | str | None = None) -> tuple[dict[str, Any], Resource]:
        """The JSON-LD document of a resource and the resource (for its ETag)."""
        found = self.get(iri, role=role, ctype=ctype)
        return to_jsonld(found.iri, found.triples, found.type, context_url=self.context_url), found

    def iri_for(self, ctype: ContentType | str, ref: str) -> URIRef:
        """The IRI of the item ``ref`` of a collection: a full IRI, or the last path
        segment of the type's IRIs (``hg-vaststellen-college-1``)."""
        kind = content_type(ctype) if isinstance(ctype, str) else ctype
        if re.match(r"^[a-z][a-z0-9+.-]*:", ref):
            return _iri(ref)
        return URIRef(f"{MAGID}{kind.segment}/{ref}")

    def referrers(self, iri: URIRef | str) -> list[dict[str, Any]]:
        """The resources that point at this one (or at a node it owns)."""
        found = self.resource(iri)
        return self._referrers(found)

    def _referrers(self, found: Resource) -> list[dict[str, Any]]:
        nodes = {found.iri} | {q[0] for q in found.quads} | {q[2] for q in found.quads if isinstance(q[2], (URIRef, BNode)) and _owned(found.iri, q[1], q[2])}
        owners: dict[URIRef, set[str]] = defaultdict(set)
        for node in nodes:
            if isinstance(node, Literal):
                continue
            for s, p, _, g in self.store.quads(None, None, node):
                if g == HISTORY_GRAPH or s in nodes:
                    continue
                owner = self._owner_of(s)
                if owner is not None and owner != found.iri:
                    owners[owner].add(key_for(p))
        out = []
        for owner in sorted(owners, key=str):
            ref = self.resource(owner)
            out.append({
                "id": str(owner),
                "type": ref.type.name if ref.type else None,
                "label": ref.label(),
                "properties": sorted(owners[owner]),
            })
        return out

    def _owner_of(self, node: Node) -> URIRef | None:
        """The named resource a (blank or hash) node belongs to."""
        seen: set[Node] = set()
        while isinstance(node, BNode) or (isinstance(node, URIRef) and "#" in str(node) and str(node).startswith(str(MAGID))):
            if node in seen:
                return None
            seen.add(node)
            if isinstance(node, URIRef):
                return URIRef(str(node).split("#", 1)[0])
            parent = next((s for s, _, _, g in self.store.quads(None, None, node) if g != HISTORY_GRAPH), None)
            if parent is None:
                return None
            node = parent
        return node if isinstance(node, URIRef) else None

    # -- listing

    def list(
        self,
        ctype: ContentType | str,
        *,
        role: str | None = None,
        page: int = 1,
        page_size: int = 20,
        filters: Mapping[str, str | Sequence[str]] | None = None,
        sort: str | None = None,
        state: str | None = None,
        lang: str = "nl",
    ) -> Page:
        """A page of a collection, filtered by property values (``{"phase":
        "magb:Uitvoering"}``, several values: any of them), sorted by a key (``label``,
        ``-date`` for descending). Anonymous callers and readers see adopted resources
        only; ``state`` narrows to one state for editors."""
        workflow.check_role(role)
        kind = content_type(ctype) if isinstance(ctype, str) else ctype
        page = max(1, int(page))
        page_size = max(1, min(int(page_size), 200))
        public = not workflow.may(role, "editor")
        if state is not None and state not in workflow.STATES:
            raise ContentError(f"onbekende toestand {state!r}", f"unknown state {state!r}")
        if public and state not in (None, ADOPTED):
            return Page([], 0, page, page_size)
        bindings: dict[str, Node] = {}
        patterns: list[str] = []
        for n, (key, raw) in enumerate(sorted((filters or {}).items())):
            info = property_for_key(key)
            predicate = info.iri if info is not None else (RDF.type if key == "type" else None)
            if predicate is None:
                try:
                    predicate = expand_value(key)
                except InvalidIRIError:
                    raise ContentError(f"onbekende eigenschap {key!r} om op te filteren", f"unknown property {key!r} to filter on") from None
            values = [raw] if isinstance(raw, str) else list(raw)
            alternatives = []
            for m, value in enumerate(values):
                var = f"f{n}_{m}"
                if (info is not None and info.kind == "ref") or predicate == RDF.type:
                    try:
                        bindings[var] = expand_value(value)
                    except InvalidIRIError:
                        bindings[var] = URIRef(str(MAGID) + value)
                    alternatives.append(f"?v{n} = ?{var}")
                else:
                    bindings[var] = Literal(value)
                    alternatives.append(f"STR(?v{n}) = STR(?{var})")
            patterns.append(f"?s <{predicate}> ?v{n} . FILTER({' || '.join(alternatives)})")
        descending = False
        sort_predicates: list[URIRef] = [RDFS.label, DCTERMS.title]
        if sort:
            descending = sort.startswith("-")
            key = sort.lstrip("-+")
            info = property_for_key(key)
            if info is None:
                raise ContentError(f"onbekende sorteersleutel {key!r}", f"unknown sort key {key!r}")
            sort_predicates = [info.iri]
        classes = " ".join(f"<{c}>" for c in kind.classes)
        type_pattern = "?s a ?class ."
        if state == CONCEPT:
            type_pattern = f"GRAPH <{CONCEPT_GRAPH}> {{ ?s a ?class }}"
        elif state == ARCHIVED:
            type_pattern = f"GRAPH <{workflow.ARCHIVED_GRAPH}> {{ ?s a ?class }}"
        elif state == ADOPTED and not public:
            type_pattern = (f"?s a ?class . FILTER NOT EXISTS {{ GRAPH <{CONCEPT_GRAPH}> {{ ?s ?cp ?co }} }} "
                            f"FILTER NOT EXISTS {{ GRAPH <{workflow.ARCHIVED_GRAPH}> {{ ?s ?ap ?ao }} }}")
        where = f"VALUES ?class {{ {classes} }} {type_pattern} FILTER(isIRI(?s)) " + " ".join(patterns)
        sort_values = " UNION ".join(f"{{ ?s <{p}> ?sv }}" for p in sort_predicates)
        lang_filter = f'FILTER(!isLiteral(?sv) || LANG(?sv) = "" || LANG(?sv) = "{_safe_lang(lang)}")'
        dataset: dict[str, Any] = {}
        if public:
            dataset = workflow.public_dataset(self.store)
        with self.reading():
            count_rows = self.store.query(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} }}", bindings=bindings or None, **dataset).rows
            total = int(count_rows[0][0]) if count_rows else 0
            order = "DESC(?key)" if descending else "ASC(?key)"
            query = (
                f"SELECT ?s (MIN(STR(?sv)) AS ?key) WHERE {{ {where} OPTIONAL {{ {sort_values} {lang_filter} }} }} "
                f"GROUP BY ?s ORDER BY {order} ?s LIMIT {page_size} OFFSET {(page - 1) * page_size}"
            )
            rows = self.store.query(query, bindings=bindings or None, **dataset).rows
            items = [self._summary(URIRef(str(row[0])), lang) for row in rows]
        return Page(items, total, page, page_size)

    def _summary(self, iri: URIRef, lang: str) -> dict[str, Any]:
        found = self.resource(iri)
        vocab = vocabulary()
        classes = sorted(o for s, p, o in found.triples if s == iri and p == RDF.type and isinstance(o, URIRef))
        labels: dict[str, str] = {}
        for s, p, o in found.triples:
            if s == iri and p in (RDFS.label, DCTERMS.title) and isinstance(o, Literal):
                labels.setdefault(o.language or "@none", str(o))
        return {
            "id": str(iri),
            "type": [vocab.term_of_class.get(c) or _curie(c) for c in classes],
            "label": labels,
            "title": _pick({k if k != "@none" else "": v for k, v in labels.items()}, lang) or _local(iri),
            "state": found.state,
            "etag": found.etag,
        }

    # -- writing: the public operations

    def create(
        self,
        ctype: ContentType | str,
        document: Any,
        *,
        agent: str,
        role: str | None,
        format: str = "jsonld",
        lang: str = "nl",
    ) -> WriteResult:
        """Make a new resource (a concept). The IRI is the document's ``id`` if it has
        one, otherwise minted as ``https://data.mag-graph.nl/id/{segment}/{slug}`` from
        the Dutch label and the municipality."""
        kind = content_type(ctype) if isinstance(ctype, str) else ctype
        workflow.require_edit(role, None)
        _require_agent(agent)
        triples = parse_rdf(document, format)
        with self.writing():
            root = self._single_root(triples)
            if isinstance(root, URIRef):
                iri = root
                if self.resource(iri).exists:
                    raise AlreadyExistsError(f"<{iri}> bestaat al", f"<{iri}> already exists")
            else:
                iri = self._mint(kind, root, triples)
            triples = _rename(triples, {root: iri}) if root != iri else triples
            triples = self._with_type(triples, iri, kind, None)
            new = self._settle(iri, triples, [])
            change = self._change_for(iri, [], new, None, CONCEPT_GRAPH, CONCEPT)
            outcome = self._commit([change], action="create", agent=agent, role=role, lang=lang)
            after = self.resource(iri)
            return WriteResult(str(iri), after.etag, after.state, outcome.revision, created=True, warnings=outcome.warnings)

    def replace(
        self,
        iri: URIRef | str,
        document: Any,
        *,
        agent: str,
        role: str | None,
        if_match: str | Iterable[str] | None,
        format: str = "jsonld",
        ctype: ContentType | str | None = None,
        lang: str = "nl",
        action: str = "update",
        revert_of: str | None = None,
        allow_create: bool = False,
    ) -> WriteResult:
        """Replace a resource's description with the document (PUT)."""
        triples = parse_rdf(document, format)
        return self._replace_with(iri, triples, agent=agent, role=role, if_match=if_match, ctype=ctype, lang=lang,
                                  action=action, revert_of=revert_of, allow_create=allow_create)

    def _replace_with(
        self,
        iri: URIRef | str,
        triples: list[Triple],
        *,
        agent: str,
        role: str | None,
        if_match: str | Iterable[str] | None,
        ctype: ContentType | str | None,
        lang: str,
        action: str,
        revert_of: str | None = None,
        allow_create: bool = False,
        require_match: bool = True,
    ) -> WriteResult:
        _require_agent(agent)
        subject = _iri(iri)
        with self.writing():
            current = self.resource(subject)
            wanted = content_type(ctype) if isinstance(ctype, str) else ctype
            if not current.exists and not allow_create:
                workflow.check_role(role)
                raise NotFoundError(f"<{subject}> bestaat niet", f"<{subject}> does not exist")
            if current.exists and (current.type is None or not workflow.can_see(role, current.state) or (wanted is not None and current.type != wanted)):
                raise NotFoundError(f"<{subject}> bestaat niet (of is niet zichtbaar)", f"<{subject}> does not exist (or is not visible)")
            workflow.require_edit(role, current.state if current.exists else None)
            if current.exists:
                _check_if_match(current, if_match, required=require_match)
            kind = current.type or wanted or type_for_classes([o for s, p, o in triples if p == RDF.type and not isinstance(s, BNode)])
            if kind is None:
                raise InvalidDocumentError("onbekend inhoudstype", "unknown content type")
            root = self._single_root(triples) if triples else subject
            if root != subject:
                if isinstance(root, URIRef):
                    raise InvalidDocumentError(
                        f"het document beschrijft <{root}>, niet <{subject}>",
                        f"the document describes <{root}>, not <{subject}>",
                    )
                triples = _rename(triples, {root: subject})
            triples = self._with_type(triples, subject, kind, current)
            new = self._settle(subject, triples, current.quads)
            state = current.state or CONCEPT
            change = self._change_for(subject, current.quads, new, current.state, self._home_graph(current), state)
            outcome = self._commit([change], action=action, agent=agent, role=role, lang=lang, revert_of=revert_of)
            after = self.resource(subject)
            return WriteResult(str(subject), after.etag, after.state, outcome.revision,
                               created=not current.exists, warnings=outcome.warnings)

    def patch(
        self,
        iri: URIRef | str,
        patch: Mapping[str, Any],
        *,
        agent: str,
        role: str | None,
        if_match: str | Iterable[str] | None,
        ctype: ContentType | str | None = None,
        lang: str = "nl",
    ) -> WriteResult:
        """Change some properties (JSON Merge Patch, RFC 7396, on the JSON-LD
        document): a key replaces the property, ``null`` removes it, objects (language
        maps, nested amounts) are merged key by key."""
        if not isinstance(patch, Mapping):
            raise InvalidDocumentError("een merge-patch is een JSON-object", "a merge patch is a JSON object")
        with self.writing():
            document, current = self.document(iri, role=role, ctype=ctype)
            _check_if_match(current, if_match, required=True)
            merged = _merge_patch(document, patch)
            if not isinstance(merged, dict):
                raise InvalidDocumentError("de patch laat geen document over", "the patch leaves no document")
            merged["id"] = str(current.iri)
            merged["@context"] = document["@context"]
            return self.replace(current.iri, merged, agent=agent, role=role, if_match=current.etag, ctype=ctype, lang=lang)

    def delete(
        self,
        iri: URIRef | str,
        *,
        agent: str,
        role: str | None,
        if_match: str | Iterable[str] | None,
        force: bool = False,
        ctype: ContentType | str | None = None,
        lang: str = "nl",
    ) -> WriteResult:
        """Delete a resource. When others point at it: 409 with the referrers, unless
        ``force`` by an admin, which also removes those links (in the same validated
        revision)."""
        _require_agent(agent)
        with self.writing():
            current = self.get(iri, role=role, ctype=ctype)
            workflow.require_delete(role, current.state)
            _check_if_match(current, if_match, required=True)
            referrers = self._referrers(current)
            changes: list[history.ChangeSet] = []
            if referrers:
                if not force:
                    names = ", ".join(r["label"] for r in referrers[:5]) + (" ..." if len(referrers) > 5 else "")
                    raise HasReferrersError(
                        f"{len(referrers)} andere resource(s) verwijzen hiernaar: {names}",
                        f"{len(referrers)} other resource(s) refer to this one: {names}",
                        referrers,
                    )
                if not workflow.may(role, "admin"):
                    raise ForbiddenError(
                        "alleen een beheerder mag verwijderen waarnaar nog verwezen wordt (force)",
                        "only an admin may delete what is still referred to (force)",
                    )
                nodes = {current.iri} | {q[2] for q in current.quads if isinstance(q[2], (URIRef, BNode)) and _owned(current.iri, q[1], q[2])}
                for referrer in referrers:
                    owner = URIRef(referrer["id"])
                    owner_res = self.resource(owner)
                    links = [q for q in owner_res.quads if q[2] in nodes]
                    changes.append(history.ChangeSet(owner, [], links, owner_res.state, owner_res.state))
            changes.insert(0, history.ChangeSet(current.iri, [], list(current.quads), current.state, None))
            outcome = self._commit(changes, action="delete", agent=agent, role=role, lang=lang)
            return WriteResult(str(current.iri), None, None, outcome.revision, deleted=True, warnings=outcome.warnings)

    def transition(
        self,
        iri: URIRef | str,
        name: str,
        *,
        agent: str,
        role: str | None,
        if_match: str | Iterable[str] | None = None,
        ctype: ContentType | str | None = None,
        lang: str = "nl",
    ) -> WriteResult:
        """Take a workflow step (``vaststellen``/``adopt``, ``archiveren``/``archive``,
        ``heropenen``/``reopen``): the resource's statements move to the graph of the new
        state. The union of graphs is unchanged, so there is nothing to validate."""
        step = workflow.transition_named(name)
        _require_agent(agent)
        with self.writing():
            current = self.get(iri, role=role, ctype=ctype)
            workflow.check_transition(step, current.state, role)
            if if_match is not None:
                _check_if_match(current, if_match, required=False)
            target = workflow.graph_for_state(step.target)
            removed = [q for q in current.quads if q[3] != target]
            added = [(s, p, o, target) for s, p, o, _ in removed if (s, p, o, target) not in set(current.quads)]
            change = history.ChangeSet(current.iri, added, removed, current.state, step.target)
            outcome = self._commit([change], action="transition", agent=agent, role=role, lang=lang,
                                   transition=step.name, validate=False)
            after = self.resource(current.iri)
            return WriteResult(str(current.iri), after.etag, after.state, outcome.revision, warnings=outcome.warnings)

    def revert(
        self,
        iri: URIRef | str,
        rev_id: str,
        *,
        agent: str,
        role: str | None,
        if_match: str | Iterable[str] | None = None,
        lang: str = "nl",
    ) -> WriteResult:
        """Restore the resource as it was right after revision ``rev_id`` (a new,
        validated and recorded revision). A deleted resource comes back as a concept."""
        subject = _iri(iri)
        with self.writing():
            current = self.resource(subject)
            if current.exists and not workflow.can_see(role, current.state):
                raise NotFoundError(f"<{subject}> bestaat niet (of is niet zichtbaar)", f"<{subject}> does not exist (or is not visible)")
            if not workflow.may(role, "editor"):
                raise ForbiddenError("alleen redacteuren en hoger mogen terugzetten", "only editors and up may revert")
            old = history.state_at(self.store, subject, rev_id, current.quads)
            triples = list(dict.fromkeys((s, p, o) for s, p, o, _ in old))
            if not triples:
                raise StateConflictError(
                    f"na revisie {rev_id} bestond <{subject}> niet; verwijder de resource in plaats daarvan",
                    f"<{subject}> did not exist after revision {rev_id}; delete it instead",
                )
            return self._replace_with(subject, triples, agent=agent, role=role, if_match=if_match, ctype=None,
                                      lang=lang, action="revert", revert_of=rev_id, allow_create=True,
                                      require_match=False)

    def as_of(self, iri: URIRef | str, rev_id: str, *, role: str | None = None) -> Resource:
        """The resource as it was right after revision ``rev_id`` (editors and up)."""
        if not workflow.may(role, "editor"):
            raise NotFoundError("geschiedenis is alleen zichtbaar voor redacteuren en hoger", "history is visible to editors and up only")
        subject = _iri(iri)
        with self.reading():
            current = self.resource(subject)
            old = history.state_at(self.store, subject, rev_id, current.quads)
            info = history.revision(self.store, rev_id, subject)
        classes = [o for s, p, o, _ in old if s == subject and p == RDF.type]
        return Resource(subject, type_for_classes(classes), info.state_after, old)

    def history(self, iri: URIRef | str, *, role: str | None = None) -> list[history.Revision]:
        """The revisions of a resource, newest first (editors and up)."""
        if not workflow.may(role, "editor"):
            raise NotFoundError("geschiedenis is alleen zichtbaar voor redacteuren en hoger", "history is visible to editors and up only")
        with self.reading():
            found = history.revisions(self.store, _iri(iri))
        if not found:
            current = self.resource(iri)
            if not current.exists:
                raise NotFoundError(f"<{iri}> bestaat niet en heeft geen geschiedenis", f"<{iri}> does not exist and has no history")
        return found

    def import_document(
        self,
        data: Any,
        *,
        format: str,
        agent: str,
        role: str | None,
        lang: str = "nl",
    ) -> ImportResult:
        """Create or replace many resources from one Turtle, TriG or JSON-LD document,
        in one validated revision: all of them or none."""
        _require_agent(agent)
        workflow.require_edit(role, None)
        triples = parse_rdf(data, format)
        if not triples:
            raise InvalidDocumentError("het document is leeg", "the document is empty")
        roots = _roots(triples)
        by_subject: dict[Node, list[Triple]] = defaultdict(list)
        for t in triples:
            by_subject[t[0]].append(t)
        created: list[str] = []
        replaced: list[str] = []
        unchanged: list[str] = []
        with self.writing():
            changes: list[history.ChangeSet] = []
            problems: list[str] = []
            renames: dict[Node, URIRef] = {}
            for root in roots:
                classes = [o for _, p, o in by_subject[root] if p == RDF.type]
                kind = type_for_classes(classes)
                if kind is None:
                    problems.append(str(root))
                    continue
                if isinstance(root, BNode):
                    renames[root] = self._mint(kind, root, triples, taken=set(renames.values()))
            if problems:
                raise InvalidDocumentError(
                    f"deze onderwerpen zijn geen inhoudstype (rdf:type ontbreekt of is onbekend): {', '.join(problems[:10])}",
                    f"these subjects are not of a content type (rdf:type missing or unknown): {', '.join(problems[:10])}",
                )
            triples = _rename(triples, renames) if renames else triples
            for root in roots:
                iri = renames.get(root, root)
                assert isinstance(iri, URIRef)
                mine = _description(iri, triples)
                current = self.resource(iri)
                if current.exists and (current.type is None or not workflow.can_see(role, current.state)):
                    raise NotFoundError(f"<{iri}> is niet zichtbaar", f"<{iri}> is not visible")
                workflow.require_edit(role, current.state if current.exists else None)
                kind = current.type or type_for_classes([o for s, p, o in mine if s == iri and p == RDF.type])
                assert kind is not None
                new = self._settle(iri, self._with_type(mine, iri, kind, current if current.exists else None), current.quads)
                state = current.state or CONCEPT
                change = self._change_for(iri, current.quads, new, current.state, self._home_graph(current), state)
                if not change.added and not change.removed:
                    unchanged.append(str(iri))
                    continue
                (replaced if current.exists else created).append(str(iri))
                changes.append(change)
            outcome = self._commit(changes, action="import", agent=agent, role=role, lang=lang)
        return ImportResult(created, replaced, unchanged, outcome.revision, outcome.warnings)

    # -- writing: the machinery

    def _single_root(self, triples: Sequence[Triple]) -> Node:
        roots = _roots(triples)
        if len(roots) != 1:
            if not roots:
                raise InvalidDocumentError("het document beschrijft niets", "the document describes nothing")
            names = ", ".join(str(r) for r in roots[:5])
            raise InvalidDocumentError(
                f"het document beschrijft meer dan één resource ({names}); gebruik {API_BASE}/imports",
                f"the document describes more than one resource ({names}); use {API_BASE}/imports",
            )
        return roots[0]

    def _with_type(self, triples: list[Triple], iri: URIRef, kind: ContentType, current: Resource | None) -> list[Triple]:
        """The description with a type of ``kind``: left out, the current type (or the
        type's main class) is kept; a type of another content type is refused."""
        classes = [o for s, p, o in triples if s == iri and p == RDF.type]
        if not classes:
            kept = [(s, p, o) for s, p, o, _ in (current.quads if current else []) if s == iri and p == RDF.type]
            return triples + (kept or [(iri, RDF.type, kind.cls)])
        found = type_for_classes(classes)
        if found != kind:
            names = ", ".join(_curie(c) for c in classes)  # type: ignore[arg-type]
            raise InvalidDocumentError(
                f"het type ({names}) hoort niet bij inhoudstype '{kind.name}' (toegestaan: {', '.join(_curie(c) for c in kind.classes)})",
                f"the type ({names}) does not belong to content type '{kind.name}' (allowed: {', '.join(_curie(c) for c in kind.classes)})",
            )
        return triples

    def _mint(self, kind: ContentType, root: Node, triples: Sequence[Triple], taken: set[URIRef] | None = None) -> URIRef:
        """A new IRI on the ``/id/{segment}/{slug}`` pattern: the slug from the Dutch
        label (or title), prefixed with the municipality's code; ``-2``, ``-3`` ... when taken."""
        labels: dict[str, str] = {}
        municipality = None
        for s, p, o in triples:
            if s != root:
                continue
            if p in (RDFS.label, DCTERMS.title) and isinstance(o, Literal):
                labels.setdefault(o.language or "", str(o))
            if p == MAG.municipality and isinstance(o, URIRef):
                municipality = o
        base = _slug(_pick(labels, "nl")) or kind.name
        code = _MUNICIPALITY_CODES.get(municipality) if municipality is not None else None  # type: ignore[arg-type]
        if code is None and municipality is not None:
            code = _local(municipality)
        if code and not base.startswith(code + "-"):
            base = f"{code}-{base}"
        base = base[:80].rstrip("-")
        candidate = URIRef(f"{MAGID}{kind.segment}/{base}")
        n = 1
        while self.resource(candidate).exists or (taken and candidate in taken):
            n += 1
            candidate = URIRef(f"{MAGID}{kind.segment}/{base}-{n}")
        return candidate

    def _settle(self, root: URIRef, triples: list[Triple], current: Sequence[Quad]) -> list[Triple]:
        """The new description ready to store: only what the root owns (anything else
        is refused), blank nodes equal to stored ones kept, other blank nodes given hash
        IRIs under the root (the CMS never writes blank nodes; see docs/cms.md)."""
        reached = _reachable(root, triples)
        strays = sorted({str(s) for s, _, _ in triples if s not in reached})
        if strays:
            raise InvalidDocumentError(
                "het document beschrijft ook andere resources dan deze (alleen eigen onderdelen zoals bedragen en perioden mogen genest): "
                + ", ".join(strays[:5]),
                "the document also describes other resources than this one (only owned parts such as amounts and periods may be nested): "
                + ", ".join(strays[:5]),
            )
        current_triples = [(s, p, o) for s, p, o, _ in current]
        old_by: dict[Node, list[Triple]] = defaultdict(list)
        for t in current_triples:
            old_by[t[0]].append(t)
        new_by: dict[Node, list[Triple]] = defaultdict(list)
        for t in triples:
            new_by[t[0]].append(t)
        old_memo: dict[Node, str] = {}
        old_hashes: dict[str, list[Node]] = defaultdict(list)
        for node in {t[0] for t in current_triples} | {t[2] for t in current_triples}:
            if isinstance(node, BNode):
                old_hashes[_merkle(node, old_by, old_memo)].append(node)
        new_memo: dict[Node, str] = {}
        mapping: dict[Node, Node] = {}
        used: set[Node] = set()
        # Top-down from the root, so a minted IRI can name its parent.
        order: list[tuple[Node, Node | None, Node | None]] = [(root, None, None)]
        seen = {root}
        i = 0
        while i < len(order):
            node = order[i][0]
            i += 1
            for _, p, o in sorted(new_by.get(node, ()), key=lambda t: (t[1].n3(), t[2].n3())):
                if o not in seen and _owned(root, p, o):
                    seen.add(o)
                    order.append((o, node, p))
        for node, parent, predicate in order[1:]:
            if not isinstance(node, BNode):
                continue
            digest = _merkle(node, new_by, new_memo)
            candidates = [b for b in old_hashes.get(digest, []) if b not in used]
            if candidates:
                mapping[node] = candidates[0]
                used.add(candidates[0])
            else:
                parent_name = mapping.get(parent, parent)
                seed = f"{parent_name}|{predicate}|{digest}"
                mapping[node] = URIRef(f"{root}#{_local(predicate)}-{hashlib.sha256(seed.encode()).hexdigest()[:10]}")  # type: ignore[arg-type]
        return _rename(triples, mapping) if mapping else triples

    def _home_graph(self, current: Resource) -> URIRef:
        """Where new statements of an existing resource go: the graph of its state for
        drafts; for adopted content the graph its type statement is in."""
        if not current.exists or current.state == CONCEPT:
            return CONCEPT_GRAPH
        if current.state == ARCHIVED:
            return workflow.ARCHIVED_GRAPH
        for s, p, _, g in current.quads:
            if s == current.iri and p == RDF.type and isinstance(g, URIRef):
                return g
        for _, _, _, g in current.quads:
            if isinstance(g, URIRef):
                return g
        return workflow.ADOPTED_GRAPH

    def _change_for(self, iri: URIRef, current: Sequence[Quad], new: Sequence[Triple], state_before: str | None,
                    home: URIRef, state_after: str | None) -> history.ChangeSet:
        new_set = set(new)
        current_triples = {(s, p, o) for s, p, o, _ in current}
        removed = [q for q in current if (q[0], q[1], q[2]) not in new_set]
        added = [(s, p, o, home) for s, p, o in dict.fromkeys(new) if (s, p, o) not in current_triples]
        return history.ChangeSet(iri, added, removed, state_before, state_after if new_set else None)

    @dataclass
    class _Outcome:
        revision: str | None
        warnings: list[dict[str, Any]]

    def _commit(
        self,
        changes: Sequence[history.ChangeSet],
        *,
        action: str,
        agent: str,
        role: str | None,
        lang: str = "nl",
        transition: str | None = None,
        revert_of: str | None = None,
        validate: bool = True,
    ) -> Content._Outcome:
        """Apply, validate, and commit or undo - the one write path (the caller holds the
        write lock).

        1. The history record is written with ``cms:pending true`` (first, or in the same
           SPARQL update as the data when no stored blank node is removed).
        2. The data change is applied to the store itself: no copy, so it costs the same
           at 1M triples as at 10k.
        3. What the change can affect (:func:`mag_graph.validation.impact.affected_by`, on the
           store before and after) is validated; that equals full validation there.
        4. No new violations: the pending flag is removed - committed. Otherwise the
           change and the record are undone exactly (removed blank nodes come back with
           their labels) and :class:`ValidationFailedError` lists the findings.

        Violations that were already there before the write (on the nodes it touches)
        do not block it; they come back as warnings, so a store with old problems can
        still be edited, and a write can never make things worse. A process killed
        between 1 and 4 leaves a pending revision, undone by :meth:`recover`."""
        changes = [c for c in changes if c.added or c.removed]
        if not changes:
            return Content._Outcome(None, [])
        added = [q for c in changes for q in c.added]
        removed = [q for c in changes for q in c.removed]
        rev_id, stamp = history.new_revision_id()
        record = history.record_quads(rev_id, stamp, agent=agent, role=role, action=action, changes=changes,
                                      transition=transition, revert_of=revert_of, pending=True)
        # What the change can affect, worked out from the changed statements and what the
        # shapes read (impact.affected_by), in the store before and after the change;
        # the changed resources themselves are always checked, so their violations that
        # were there before come back as warnings.
        changed = [(q[0], q[1], q[2]) for q in added + removed]
        resources = {c.resource for c in changes if isinstance(c.resource, URIRef)}
        from mag_graph import validation
        from mag_graph.validation import impact
        before = impact.affected_by(self.store, changed, date=self.date) if validate else set()
        # Graphs this write creates are dropped again when it is undone, so a refused
        # write leaves not even an empty graph behind.
        new_graphs = {q[3] for q in added + record if q[3] is not None and not self.store.has_graph(q[3])}
        record_undo = lambda: self._undo(record, added, removed, new_graphs)
        self._apply(record, added, removed)
        warnings: list[dict[str, Any]] = []
        try:
            if validate:
                after = impact.affected_by(self.store, changed, date=self.date)
                report = validation.validate(self.store, date=self.date, lang=_lang(lang),
                                             focus_nodes=before | after | resources)
                if report.violations:
                    post = report.violations
                    translations = _messages_in(report, _other(lang), self.store)
                    record_undo()
                    earlier = validation.validate(self.store, date=self.date, lang=_lang(lang),
                                                  focus_nodes={URIRef(r.focusNode) for r in post})
                    known = {_finding_key(r) for r in earlier.violations}
                    new = [r for r in post if _finding_key(r) not in known]
                    if new:
                        raise ValidationFailedError([
                            self._finding(r, changes, lang, translations.get(_finding_key(r))) for r in new
                        ])
                    self._apply(record, added, removed)
                    warnings += [dict(self._finding(r, changes, lang, translations.get(_finding_key(r))), preExisting=True)
                                 for r in post]
                warnings += [self._finding(r, changes, lang, None) for r in report.warnings]
            with self.store.transaction() as tx:
                tx.remove(history.pending_flag(rev_id))
        except ValidationFailedError:
            raise
        except BaseException:
            record_undo()
            raise
        if self.search is not None:
            try:
                self.search.update(self, [c.resource for c in changes], revision=rev_id)
            except Exception:
                log.exception("zoekindex niet bijgewerkt / search index not updated")
                self.search.mark_stale()
        self._changed()
        return Content._Outcome(rev_id, warnings)

    def _apply(self, record: list[Quad], added: list[Quad], removed: list[Quad]) -> None:
        if any(isinstance(t, BNode) for q in removed for t in (q[0], q[2])):
            # Removing stored blank nodes is not one SPARQL update: record first (one
            # atomic extend), so a crash during the data step is found and undone.
            with self.store.transaction() as tx:
                tx.add_many(record)
            with self.store.transaction() as tx:
                for q in removed:
                    tx.remove(q)
                tx.add_many(added)
        else:
            with self.store.transaction() as tx:
                for q in removed:
                    tx.remove(q)
                tx.add_many(record)
                tx.add_many(added)

    def _undo(self, record: list[Quad], added: list[Quad], removed: list[Quad], new_graphs: Iterable[Any] = ()) -> None:
        """Put back what was removed (an add-only step keeps blank node labels), then
        take away what was added with the record; each step is idempotent, so undoing a
        half-done write is safe."""
        if removed:
            with self.store.transaction() as tx:
                tx.add_many(removed)
        with self.store.transaction() as tx:
            for q in added + record:
                tx.remove(q)
            for graph in new_graphs:
                tx.remove_graph(graph)

    def _changed(self) -> None:
        """Tell a SPARQL service over this store (if one registered) that data changed."""
        for callback in list(self.listeners):
            try:
                callback()
            except Exception:
                log.exception("luisteraar faalde / listener failed")

    def add_listener(self, callback: Any) -> None:
        """Call ``callback()`` after every committed write (e.g. to renew caches)."""
        self.listeners = [*self.listeners, callback]

    def recover(self) -> list[str]:
        """Undo the writes a killed process left half-done (pending revisions)."""
        undone = []
        with self.writing():
            for rev_id in history.pending_revisions(self.store):
                added, removed = history.pending_change(self.store, rev_id)
                record = history.revision_quads(self.store, rev_id)
                self._undo(record, added, removed)
                undone.append(rev_id)
        return undone

    def _finding(self, result: Any, changes: Sequence[history.ChangeSet], lang: str, other_message: str | None) -> dict[str, Any]:
        """A validation result for the API: the path as the JSON key (``amount.amountValue``
        for a nested node), the message in both languages."""
        focus = URIRef(result.focusNode) if not result.focusNode.startswith("_:") else BNode(result.focusNode[2:])
        key_path = None
        if result.path and not result.path.startswith(("<", "^", "(")):
            key_path = key_for(URIRef(result.path))
        elif result.path:
            key_path = result.path
        prefix = ""
        for change in changes:
            if focus == change.resource:
                break
            known = [(s, p, o) for s, p, o, _ in [*self.resource(change.resource).quads, *change.added]]
            reached = _reachable(change.resource, known)
            if focus in reached:
                steps = []
                node = focus
                while reached.get(node):
                    parent, predicate = reached[node][0]
                    steps.append(key_for(predicate))
                    node = parent
                prefix = ".".join(reversed(steps))
                break
        if prefix:
            key_path = f"{prefix}.{key_path}" if key_path else prefix
        messages = {_lang(lang): result.message}
        if other_message:
            messages[_other(lang)] = other_message
        return {
            "rule": result.rule,
            "severity": result.severity,
            "focusNode": result.focusNode,
            "focusLabel": result.focusLabel,
            "path": key_path,
            "property": result.path,
            "value": result.value,
            "message": messages,
        }

    # -- schema and search

    def json_schema(self, ctype: ContentType | str, *, lang: str = "nl") -> dict[str, Any]:
        return json_schema(ctype, lang=lang)

    def search_text(self, q: str, *, role: str | None = None, ctype: str | None = None, municipality: str | None = None,
                    limit: int = 20, offset: int = 0, lang: str = "nl") -> dict[str, Any]:
        """Full-text search over labels and descriptions, ranked; see :mod:`mag_graph.cms.search`."""
        if self.search is None:
            raise ContentError("zoeken is niet beschikbaar", "search is not available")
        return self.search.search(q, role=role, ctype=ctype, municipality=municipality, limit=limit, offset=offset, lang=lang)


# --------------------------------------------------------------------------- helpers


def _iri(value: URIRef | str) -> URIRef:
    text = str(value).strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", text):
        raise InvalidIRIError(text, "geen absolute IRI / not an absolute IRI")
    return URIRef(text)


def _require_agent(agent: str) -> None:
    if not agent or not str(agent).strip():
        raise ForbiddenError("een wijziging vraagt een bekende gebruiker", "a change needs a known user")


def _lang(lang: str) -> str:
    return "en" if str(lang).lower().startswith("en") else "nl"


def _other(lang: str) -> str:
    return "nl" if _lang(lang) == "en" else "en"


def _safe_lang(lang: str) -> str:
    return _lang(lang)


def _messages_in(report: Any, lang: str, store: Any) -> dict[tuple[Any, ...], str]:
    """The report's messages in another language, read again from its report graph
    (no second validation run)."""
    return {_finding_key(r): r.message for r in report.results_in(lang, store)}


def _finding_key(result: Any) -> tuple[Any, ...]:
    return (result.sourceShape, result.focusNode, result.path, result.value)


def _parse_tags(value: str | Iterable[str]) -> list[str]:
    items = [value] if isinstance(value, str) else list(value)
    tags: list[str] = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if part:
                tags.append(part)
    return tags


def _check_if_match(current: Resource, if_match: str | Iterable[str] | None, *, required: bool) -> None:
    """If-Match against the current ETag: 428 without one (when required), 412 when
    stale. Weak tags never match (If-Match uses the strong comparison)."""
    if if_match is None or (isinstance(if_match, str) and not if_match.strip()):
        if required:
            raise PreconditionRequiredError(
                "stuur de ETag mee in If-Match, zodat een wijziging van een ander niet verloren gaat",
                "send the ETag in If-Match, so nobody else's change is lost",
            )
        return
    tags = _parse_tags(if_match)
    etag = current.etag
    for tag in tags:
        if tag == "*" or (not tag.startswith("W/") and tag.strip('"') == etag):
            return
    raise PreconditionFailedError(
        "de resource is intussen gewijzigd (ETag komt niet overeen); haal haar opnieuw op",
        "the resource has changed meanwhile (ETag does not match); fetch it again",
        etag,
    )


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge_patch(out.get(key), value)
    return out


def _rename(triples: Iterable[Triple], mapping: Mapping[Node, Node]) -> list[Triple]:
    return [(mapping.get(s, s), p, mapping.get(o, o)) for s, p, o in triples]


def _description(root: URIRef, triples: Sequence[Triple]) -> list[Triple]:
    reached = _reachable(root, triples)
    return [t for t in triples if t[0] in reached]


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60].rstrip("-")


# --------------------------------------------------------------------------- JSON Schema

_GROUPS = Namespace(str(MAG._NS))  # the shapes' property groups (not ontology terms)

# Where a property without a shape of its own goes in a form.
_DEFAULT_GROUPS = {
    "label": (_GROUPS.IdentityGroup, 1), "title": (_GROUPS.IdentityGroup, 2), "description": (_GROUPS.IdentityGroup, 3),
    "municipality": (_GROUPS.IdentityGroup, 4), "comment": (_GROUPS.IdentityGroup, 5), "source": (_GROUPS.SourceGroup, 1),
}


def _field_order(ctype: ContentType) -> dict[str, int]:
    schema = _schema_cached(ctype.name, "nl")
    order: dict[str, int] = {"id": -2, "type": -1}
    position = 0
    for fieldset in schema["fieldsets"]:
        for key in fieldset["fields"]:
            order.setdefault(key, position)
            position += 1
    return order


def json_schema(ctype: ContentType | str, *, lang: str = "nl") -> dict[str, Any]:
    """A JSON Schema of a content type derived from the shapes and the ontology, in the
    spirit of plone.restapi's ``@types``: titles and descriptions (``sh:name``,
    ``sh:description``, else the ontology's labels), types and formats from datatypes,
    ``required`` from ``sh:minCount``, ``enum`` from ``sh:in``, references with the class
    and the collection from ``sh:class``, fieldsets from ``sh:group``/``sh:order``."""
    kind = content_type(ctype) if isinstance(ctype, str) else ctype
    return copy.deepcopy(_schema_cached(kind.name, _lang(lang)))


@lru_cache(maxsize=128)
def _schema_cached(name: str, lang: str) -> dict[str, Any]:
    vocab = vocabulary()
    kind = vocab.types[name]
    shapes = vocab.shapes
    ontology = vocab.ontology
    ancestors: set[URIRef] = set()
    frontier = set(kind.classes)
    while frontier:
        ancestors |= frontier
        frontier = {s for c in frontier for s in vocab.superclasses.get(c, ())} - ancestors
    # Property shapes that apply: on node shapes targeting the type's classes (or their
    # superclasses), and property shapes that target them themselves.
    node_shapes = {s for c in ancestors for s in shapes.subjects(SH.targetClass, c)}
    property_shapes: list[Node] = []
    for shape in node_shapes:
        if shapes.value(shape, SH.path) is not None:
            property_shapes.append(shape)
        property_shapes.extend(shapes.objects(shape, SH.property))
    fields: dict[str, dict[str, Any]] = {}
    placement: dict[str, tuple[Node, float]] = {}
    required: list[str] = []
    recommended: list[str] = []
    for shape in property_shapes:
        path = shapes.value(shape, SH.path)
        if not isinstance(path, URIRef):
            continue
        info = vocab.properties.get(path)
        key = info.key if info else _curie(path)
        entry = fields.setdefault(key, _property_schema(info, path, lang))
        name = texts_by_language(shapes, shape, SH.name)
        description = texts_by_language(shapes, shape, SH.description)
        if name and "x-shapeTitle" not in entry:
            entry["title"] = _pick(name, lang)
            entry["x-shapeTitle"] = True
        if description and "x-shapeDescription" not in entry:
            entry["description"] = _pick(description, lang)
            entry["x-shapeDescription"] = True
        rule = shapes.value(shape, MAG.rule)
        if rule is None:
            for parent in shapes.subjects(SH.property, shape):
                rule = rule or shapes.value(parent, MAG.rule)
        if rule is not None:
            entry.setdefault("x-rules", [])
            if str(rule) not in entry["x-rules"]:
                entry["x-rules"].append(str(rule))
        severity = shapes.value(shape, SH.severity)
        min_count = shapes.value(shape, SH.minCount)
        if min_count is not None and int(min_count) >= 1:
            (recommended if severity == SH.Warning else required).append(key)
            if entry.get("type") == "array":
                entry["minItems"] = max(entry.get("minItems", 0), int(min_count))
        max_count = shapes.value(shape, SH.maxCount)
        if max_count is not None and entry.get("type") == "array":
            entry["maxItems"] = min(entry.get("maxItems", 1_000_000), int(max_count))
        target = entry["items"] if entry.get("type") == "array" else entry
        allowed = shapes.value(shape, SH["in"])
        if allowed is not None:
            values = [v for v in _rdf_list(shapes, allowed)]
            target["enum"] = [_curie(v) if isinstance(v, URIRef) else str(v) for v in values]
            target["x-enumLabels"] = {
                (_curie(v) if isinstance(v, URIRef) else str(v)): _pick(texts_by_language(ontology, v, SKOS.prefLabel) or texts_by_language(ontology, v, RDFS.label), lang)
                for v in values
            }
        cls = shapes.value(shape, SH["class"])
        if isinstance(cls, URIRef):
            target["x-class"] = _curie(cls)
            ref_type = type_for_classes([cls])
            if ref_type is not None:
                target["x-collection"] = ref_type.path
        group = shapes.value(shape, SH.group)
        order = shapes.value(shape, SH.order)
        if group is not None and (key not in placement or placement[key][1] > float(order or 0)):
            placement[key] = (group, float(order) if order is not None else 50.0)
    # Properties the ontology gives these classes, and the ones every resource has.
    domain_props: set[URIRef] = set()
    for prop in vocab.properties:
        domains = set(ontology.objects(prop, RDFS.domain)) | set(ontology.objects(prop, SCHEMA.domainIncludes))
        for domain in list(domains):
            domains |= set(_rdf_list(ontology, ontology.value(domain, OWL.unionOf))) if isinstance(domain, BNode) else set()
        if domains & ancestors:
            domain_props.add(prop)
    observed = {p for c in kind.classes for p in _observed_properties().get(c, ())}
    for prop in [RDFS.label, DCTERMS.description, MAG.municipality, DCTERMS.source, *sorted(domain_props | observed)]:
        info = vocab.properties.get(prop)
        if info is None:
            continue
        fields.setdefault(info.key, _property_schema(info, prop, lang))
    # Fieldsets: shape groups first; then defaults by kind.
    groups = {g: (texts_by_language(shapes, g, RDFS.label), float(shapes.value(g, SH.order) or 99)) for g in set(shapes.subjects(RDF.type, SH.PropertyGroup))}
    for key, entry in fields.items():
        if key in placement:
            continue
        if key in _DEFAULT_GROUPS:
            placement[key] = _DEFAULT_GROUPS[key]
            continue
        info = vocabulary().by_key.get(key)
        if info is not None and info.iri in (MAG.amount, MAG.requestedAmount):
            placement[key] = (_GROUPS.MoneyGroup, 90)
        elif entry.get("format") in ("date", "gyear") or (entry.get("items", {}).get("format") in ("date", "gyear")) or (info is not None and info.iri == MAG.period):
            placement[key] = (_GROUPS.TimeGroup, 90)
        elif info is not None and info.kind == "ref":
            placement[key] = (_GROUPS.RelationsGroup, 90)
        else:
            placement[key] = (_GROUPS.ContentGroup, 90)
    fieldsets = []
    for group in sorted({g for g, _ in placement.values()}, key=lambda g: (groups.get(g, ({}, 99))[1], str(g))):
        keys = sorted((k for k, (g, _) in placement.items() if g == group), key=lambda k: (placement[k][1], k))
        labels = groups.get(group, ({}, 99))[0]
        fieldsets.append({
            "id": _local(group).removesuffix("Group").lower(),
            "title": _pick(labels, lang) or _local(group),
            "fields": keys,
        })
    for entry in fields.values():
        entry.pop("x-shapeTitle", None)
        entry.pop("x-shapeDescription", None)
    type_names = [vocab.term_of_class.get(c) or _curie(c) for c in kind.classes]
    properties: dict[str, Any] = {
        "id": {"type": "string", "format": "iri", "title": "IRI", "readOnly": False,
               "description": "Laat weg om de server een IRI te laten maken." if lang == "nl" else "Leave out to have the server mint an IRI."},
        "type": {"anyOf": [{"type": "string", "enum": type_names},
                           {"type": "array", "items": {"type": "string"}, "contains": {"enum": type_names}}],
                 "title": "type", "default": type_names[0]},
    }
    for fieldset in fieldsets:
        for key in fieldset["fields"]:
            properties[key] = fields[key]
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"{API_BASE}/types/{kind.name}",
        "title": kind.title(lang),
        "description": _pick(kind.description, lang),
        "type": "object",
        "properties": properties,
        "required": sorted(set(required)),
        "x-recommended": sorted(set(recommended) - set(required)),
        "fieldsets": fieldsets,
        "x-class": _curie(kind.cls),
        "x-classes": [_curie(c) for c in kind.classes],
        "x-collection": kind.path,
        "x-iriPattern": f"{MAGID}{kind.segment}/{{slug}}",
    }


@lru_cache(maxsize=1)
def _observed_properties() -> dict[URIRef, frozenset[URIRef]]:
    """Per class, the properties its instances have in the shipped example data: the
    ontology gives reused properties (``dcterms:date`` of a meeting) no domain, and a
    form should offer what the model uses."""
    from mag_graph.validation import example_store

    store = example_store()
    classes: dict[Any, set[Any]] = defaultdict(set)
    props: dict[Any, set[Any]] = defaultdict(set)
    rdf_type = ox.NamedNode(str(RDF.type))
    for quad in store:
        if quad.predicate == rdf_type:
            classes[quad.subject].add(quad.object)
        else:
            props[quad.subject].add(quad.predicate)
    out: dict[URIRef, set[URIRef]] = defaultdict(set)
    for subject, types in classes.items():
        for cls in types:
            out[URIRef(cls.value)] |= {URIRef(p.value) for p in props.get(subject, ())}
    return {c: frozenset(p) for c, p in out.items()}


def _rdf_list(graph: Graph, head: Node | None) -> list[Node]:
    items: list[Node] = []
    node = head
    while node is not None and node != RDF.nil:
        first = graph.value(node, RDF.first)
        if first is None:
            break
        items.append(first)
        node = graph.value(node, RDF.rest)
    return items


_NESTED: dict[URIRef, list[URIRef]] = {
    MAG.amount: [SCHEMA.value, SCHEMA.currency],
    MAG.requestedAmount: [SCHEMA.value, SCHEMA.currency],
    MAG.period: [TIME.hasBeginning, TIME.hasEnd],
    ORG.memberDuring: [RDFS.label, TIME.hasBeginning, TIME.hasEnd],
    TIME.hasBeginning: [TIME.inXSDDate],
    TIME.hasEnd: [TIME.inXSDDate],
    PROV.qualifiedAssociation: [PROV.agent, PROV.hadRole],
}


def _property_schema(info: PropertyInfo | None, iri: URIRef, lang: str, depth: int = 0) -> dict[str, Any]:
    if info is None:
        return {"title": _curie(iri), "x-iri": str(iri)}
    title = _pick(info.label, lang) or info.key
    out: dict[str, Any] = {"title": title, "x-iri": str(iri)}
    description = _pick(info.description, lang)
    if description:
        out["description"] = description
    if info.kind == "lang":
        out.update({"type": "object", "x-languageMap": True,
                    "propertyNames": {"pattern": "^([a-z]{2,3}(-[A-Za-z0-9]+)*|@none)$"},
                    "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}})
        return out
    if info.owned and iri in _NESTED and depth < 3:
        nested = {vocabulary().properties[p].key: _property_schema(vocabulary().properties[p], p, lang, depth + 1)
                  for p in _NESTED[iri] if p in vocabulary().properties}
        item: dict[str, Any] = {"type": "object", "properties": {"id": {"type": "string", "format": "iri"}, "type": {}, **nested},
                                "x-owned": True}
    elif info.kind == "ref":
        item = {"type": "string", "format": "iri"}
    else:
        item = _datatype_schema(info.datatype)
    if info.multi:
        out.update({"type": "array", "items": item, "uniqueItems": True})
    else:
        out.update(item)
    return out


def _datatype_schema(datatype: URIRef | None) -> dict[str, Any]:
    if datatype == XSD.integer:
        return {"type": "integer"}
    if datatype == XSD.boolean:
        return {"type": "boolean"}
    if datatype == XSD.decimal:
        return {"type": "string", "pattern": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$", "format": "decimal"}
    if datatype == XSD.date:
        return {"type": "string", "format": "date"}
    if datatype == XSD.gYear:
        return {"type": "string", "pattern": r"^-?[0-9]{4,}$", "format": "gyear"}
    if datatype == XSD.dateTime:
        return {"type": "string", "format": "date-time"}
    return {"type": "string"}


def types_overview(*, lang: str = "nl") -> list[dict[str, Any]]:
    """The content types for ``GET /api/v1/types``."""
    out = []
    for kind in content_types().values():
        out.append({
            "name": kind.name,
            "title": kind.title(_lang(lang)),
            "description": _pick(kind.description, _lang(lang)),
            "collection": kind.path,
            "schema": f"{API_BASE}/types/{kind.name}",
            "class": _curie(kind.cls),
            "classes": [_curie(c) for c in kind.classes],
            "iriPattern": f"{MAGID}{kind.segment}/{{slug}}",
        })
    return out
