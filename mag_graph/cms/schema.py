"""JSON Schema of each content type, derived from the shapes and the ontology, for forms.

In the spirit of plone.restapi's ``@types``: titles and descriptions from ``sh:name`` and
``sh:description`` (else the ontology's labels), types and formats from datatypes,
``required`` from ``sh:minCount``, ``enum`` from ``sh:in``, references with the class and
the collection from ``sh:class``, and fieldsets from ``sh:group``/``sh:order``. The
fieldsets also give the key order of the JSON-LD documents (:func:`_field_order`).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, XSD
from rdflib.term import Node

from mag_graph.cms.types import (
    API_BASE,
    ContentType,
    PropertyInfo,
    _curie,
    _lang,
    _local,
    _pick,
    content_type,
    type_for_classes,
    vocabulary,
)
from mag_graph.namespaces import MAG, MAGID, SCHEMA
from mag_graph.validation import texts_by_language

__all__ = ["JSON_SCHEMA_DIALECT", "json_schema"]

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

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
