"""Content types and the vocabulary the API speaks, derived once from the ontology and
the shapes.

* **Content types**: a fixed table names each type (``responsibility``), its collection
  (``responsibilities``), the classes it covers and the Dutch IRI segment
  (``verantwoordelijkheid``) new IRIs are minted with.
* **Field definitions**: how each property appears in JSON (:class:`PropertyInfo`):
  its key (the camelCase local name), its kind (reference, language map, typed or plain
  value) and whether it can have several values. The JSON-LD context
  (:func:`mag_graph.cms.jsonld.context`) and the JSON Schemas are written from these.
* **What a resource is made of**: its IRI's statements plus the nodes it owns: blank
  nodes, its own hash IRIs (``<iri>#amount-...``) and what it points to through a few
  owning properties (:data:`OWNED_PREDICATES`: amounts, periods, terms).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
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

from mag_graph.cms.errors import NotFoundError
from mag_graph.namespaces import MAG, MAGID, PREFIXES, SCHEMA, TOOIONT
from mag_graph.resources import resource_files
from mag_graph.store import InvalidIRIError
from mag_graph.validation import texts_by_language

__all__ = [
    "API_BASE",
    "CONTEXT_URL",
    "OLD_CONTEXT_URL",
    "OWNED_PREDICATES",
    "ContentType",
    "PropertyInfo",
    "Quad",
    "Triple",
    "content_type",
    "content_types",
    "expand_value",
    "key_for",
    "property_for_key",
    "type_for_classes",
    "types_overview",
    "vocabulary",
]

CONTEXT_URL = "https://data.mag-graph.nl/api/v1/context"
OLD_CONTEXT_URL = CONTEXT_URL + ".jsonld"  # the first address, still accepted (and redirected)
API_BASE = "/api/v1"

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
    # JSON-LD 1.1: every term is protected, so no document can redefine the published ones.
    ctx: dict[str, Any] = {"@version": 1.1, "@protected": True, "id": "@id", "type": "@type"}
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
    parameter or document. Whatever it gives is an IRI pyoxigraph accepts (no spaces,
    ``<``, ``>``, ``|`` and the like): anything else raises :class:`InvalidIRIError`."""
    value = text.strip()
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return _checked_iri(text, PREFIXES[prefix] + local)
    if value in vocabulary().class_terms:
        return vocabulary().class_terms[value]
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value):
        return _checked_iri(text, value)
    raise InvalidIRIError(text, "geen IRI of bekend prefix / not an IRI or known prefix")


def _checked_iri(text: str, iri: str) -> URIRef:
    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        raise InvalidIRIError(text, f"geen geldige IRI / not a valid IRI ({exc})") from None
    return URIRef(iri)


# --------------------------------------------------------------------------- what a resource is made of


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


def _lang(lang: str) -> str:
    """The language of messages and titles: English when asked for, else Dutch."""
    return "en" if str(lang).lower().startswith("en") else "nl"


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
