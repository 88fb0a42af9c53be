"""Forms from the JSON Schema of a content type (:func:`mag_graph.cms.json_schema`, the
same document ``/api/v1/types/{type}`` serves), and form posts back into JSON-LD.

:func:`build_form` turns the schema and a resource's document into fieldsets of
:class:`FormField` (order and groups from ``sh:group``/``sh:order``, titles and help in
the page language, required fields, ``sh:in`` as selects, datatypes as the right inputs:
a date picker, money in euros, a year; references as a picker by name, SKOS concepts and
municipalities as selects). :func:`read_form` does the reverse for a post: it reads only
the fields of the schema (every name from the request is matched against it), checks
the formats a browser cannot (a date, an amount as "1.234,50", a year), and gives the
document for :meth:`~mag_graph.cms.content.Content.create` or the JSON Merge Patch for
:meth:`~mag_graph.cms.content.Content.patch`, plus the mistakes per field.
:func:`findings_by_field` places the CMS's 422 findings (rule, field, message nl/en) on
the fields they name.

Nothing here writes: the views (:mod:`.workbench`) hand the outcome to the CMS.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from werkzeug.datastructures import MultiDict

from mag_graph.cms import content as core
from mag_graph.namespaces import MAG, SCHEMA
from mag_graph.validation import example_store

from .i18n import t

LANGS = ("nl", "en")
# Language-map fields shown as one line (names); the others (descriptions) as text areas.
ONE_LINE_TEXTS = {"label", "title", "altLabel", "prefLabel", "notation"}
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]+$")
_MONEY = {"amount", "requestedAmount"}
_PERIODS = {"period", "memberDuring"}


@dataclass
class FormField:
    """One field of a form, ready for the template."""

    key: str
    label: str
    help: str
    widget: str  # langmap | select | checkboxes | ref | text | textarea | date | gyear | integer | decimal | boolean | datetime | money | period | readonly
    multi: bool = False
    required: bool = False
    recommended: bool = False
    rules: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)  # the current value(s), as strings
    texts: dict[str, str] = field(default_factory=dict)  # langmap: language -> text; period: begin/end
    options: list[tuple[str, str]] = field(default_factory=list)  # selects: (value, label)
    labels: dict[str, str] = field(default_factory=dict)  # ref: value -> name of what it points to
    search_types: tuple[str, ...] = ()  # ref: the content types the picker searches (empty: all)
    candidates: list[dict[str, Any]] = field(default_factory=list)  # ref: search results (without JavaScript)
    query: str = ""  # ref: what was searched for
    errors: list[str] = field(default_factory=list)
    summary: str = ""  # readonly: what is stored, in words

    @property
    def input_id(self) -> str:
        return "f-" + self.key


@dataclass
class Fieldset:
    id: str
    title: str
    fields: list[FormField]


@dataclass
class FormView:
    """A whole form: its fieldsets, the type choice (when the type has subclasses) and
    the findings that belong to no field."""

    type_name: str
    title: str
    description: str
    fieldsets: list[Fieldset]
    type_options: list[tuple[str, str]]
    type_value: str
    general_errors: list[str] = field(default_factory=list)

    def field(self, key: str) -> FormField | None:
        return next((f for s in self.fieldsets for f in s.fields if f.key == key), None)

    @property
    def fields(self) -> list[FormField]:
        return [f for s in self.fieldsets for f in s.fields]

    @property
    def error_count(self) -> int:
        return len(self.general_errors) + sum(len(f.errors) for f in self.fields)


# --------------------------------------------------------------------------- options


@lru_cache(maxsize=256)
def _observed_values(predicate: str) -> frozenset[str]:
    """The values a property has in the shipped example data (what the model uses)."""
    store = example_store()
    return frozenset(q.object.value for q in store.quads_for_pattern(None, ox.NamedNode(predicate), None)
                     if isinstance(q.object, ox.NamedNode))


def _text(graph: Any, node: Any, predicates: Sequence[Any], lang: str) -> str:
    found: dict[str, str] = {}
    for predicate in predicates:
        for value in graph.objects(node, predicate):
            if isinstance(value, Literal):
                found.setdefault(value.language or "", str(value))
        if found:
            break
    for key in (lang, "nl", "en", ""):
        if found.get(key):
            return found[key]
    return next(iter(found.values()), "")


@lru_cache(maxsize=256)
def concept_options(predicate: str, lang: str) -> tuple[tuple[str, str], ...]:
    """The SKOS concepts a property takes, when its values in the example data are
    concepts of the ontology's schemes: every concept of those schemes, in their order
    (``mag:order``), else by name. Empty when the property is no concept property."""
    ontology = core.vocabulary().ontology
    observed = _observed_values(predicate)
    if not observed:
        return ()
    schemes: set[Any] = set()
    for value in observed:
        node = URIRef(value)
        if (node, RDF.type, SKOS.Concept) not in ontology:
            return ()
        schemes |= set(ontology.objects(node, SKOS.inScheme))
    concepts = {c for scheme in schemes for c in ontology.subjects(SKOS.inScheme, scheme)}

    def order(node: Any) -> tuple[float, str]:
        rank = ontology.value(node, MAG.order)
        return (float(rank) if rank is not None else 1e9, _text(ontology, node, (SKOS.prefLabel, RDFS.label), lang).lower())

    return tuple((str(c), _text(ontology, c, (SKOS.prefLabel, RDFS.label), lang) or str(c)) for c in sorted(concepts, key=order))


def _type_options(schema: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    names = schema["properties"]["type"]["anyOf"][0]["enum"]
    vocab = core.vocabulary()
    ontology = vocab.ontology
    out = []
    for name in names:
        iri = core.expand_value(name) if ":" in name else next((c for c, term in vocab.term_of_class.items() if term == name), None)
        label = _text(ontology, iri, (RDFS.label, SKOS.prefLabel), lang) if iri is not None else ""
        out.append((name, label or name))
    return out


# --------------------------------------------------------------------------- building


def _item_schema(prop: Mapping[str, Any]) -> Mapping[str, Any]:
    return prop.get("items", {}) if prop.get("type") == "array" else prop


def _widget(key: str, prop: Mapping[str, Any], municipality_options: Sequence[tuple[str, str]], lang: str) -> tuple[str, list[tuple[str, str]]]:
    """The kind of input for a property, and the options of a select."""
    item = _item_schema(prop)
    multi = prop.get("type") == "array"
    if prop.get("x-languageMap"):
        return "langmap", []
    if item.get("x-owned"):
        nested = set(item.get("properties", {}))
        if key in _MONEY or {"schemaValue", "currency"} <= nested:
            return ("money", []) if not multi else ("readonly", [])
        if key in _PERIODS or {"hasBeginning", "hasEnd"} <= nested:
            return ("period", []) if not multi else ("readonly", [])
        return "readonly", []
    if "enum" in item:
        labels = item.get("x-enumLabels", {})
        options = [(str(core.expand_value(v)) if item.get("format") == "iri" else str(v), labels.get(v) or str(v))
                   for v in item["enum"]]
        return ("checkboxes" if multi else "select"), options
    if item.get("format") == "iri":
        if key == "municipality":
            return ("checkboxes" if multi else "select"), list(municipality_options)
        concepts = concept_options(prop.get("x-iri", ""), lang)
        if concepts:
            return ("checkboxes" if multi else "select"), list(concepts)
        return "ref", []
    fmt = item.get("format")
    if fmt == "date":
        return "date", []
    if fmt == "gyear":
        return "gyear", []
    if fmt == "date-time":
        return "datetime", []
    if fmt == "decimal":
        return "decimal", []
    if item.get("type") == "integer":
        return "integer", []
    if item.get("type") == "boolean":
        return "boolean", []
    return "text", []


def _search_types(prop: Mapping[str, Any]) -> tuple[str, ...]:
    """The content types a reference picker searches: the shape's ``sh:class``, else the
    types whose classes fall under the ontology's range (``rdfs:range``,
    ``schema:rangeIncludes``); empty: every type."""
    item = _item_schema(prop)
    collection = item.get("x-collection")
    if collection:
        try:
            return (core.content_type(collection.rsplit("/", 1)[-1]).name,)
        except core.NotFoundError:
            return ()
    iri = prop.get("x-iri")
    if not iri:
        return ()
    return _types_for_property(iri)


@lru_cache(maxsize=256)
def _types_for_property(iri: str) -> tuple[str, ...]:
    """Content types that fit a property: those under its ranges, and those its values
    have in the example data (ranges such as ``prov:Agent`` do not name every kind of
    actor the model uses). Empty when nothing is known: every type."""
    vocab = core.vocabulary()
    ranges = {r for predicate in (RDFS.range, SCHEMA.rangeIncludes) for r in vocab.ontology.objects(URIRef(iri), predicate)
              if isinstance(r, URIRef)}
    store = example_store()
    found = []
    for value in _observed_values(iri):
        classes = [URIRef(q.object.value) for q in store.quads_for_pattern(ox.NamedNode(value), ox.NamedNode(str(RDF.type)), None)
                   if isinstance(q.object, ox.NamedNode)]
        kind = core.type_for_classes(classes) if classes else None
        if kind is None:
            return ()  # values that are no content (sources, municipalities): no restriction
        found.append(kind.name)
    for kind in core.content_types().values():
        ancestors: set[Any] = set()
        frontier = set(kind.classes)
        while frontier:
            ancestors |= frontier
            frontier = {s for c in frontier for s in vocab.superclasses.get(c, ())} - ancestors
        if ancestors & ranges:
            found.append(kind.name)
    return tuple(sorted(set(found)))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _ref_value(value: Any) -> str:
    if isinstance(value, Mapping):
        value = value.get("id", "")
    return str(core.expand_value(str(value))) if value else ""


def _money_text(value: str) -> str:
    """An amount as a Dutch writes it: ``9707.5`` -> ``9.707,50``."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError):
        return value
    text = f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return text.removesuffix(",00")


def _fill(f: FormField, prop: Mapping[str, Any], value: Any) -> None:
    """Put a stored value (from the JSON-LD document) into the field."""
    if f.widget == "langmap":
        for lang_key, text in (value or {}).items():
            f.texts[lang_key] = "\n".join(text) if isinstance(text, list) else str(text)
    elif f.widget == "money":
        if isinstance(value, Mapping) and value.get("schemaValue") not in (None, ""):
            f.values = [_money_text(str(value["schemaValue"]))]
    elif f.widget == "period":
        if isinstance(value, Mapping):
            for part, name in (("begin", "hasBeginning"), ("end", "hasEnd")):
                instant = value.get(name)
                if isinstance(instant, Mapping) and instant.get("inXSDDate"):
                    f.texts[part] = str(instant["inXSDDate"])
    elif f.widget == "readonly":
        f.summary = _summary(value)
    elif f.widget in ("ref", "select", "checkboxes") and _item_schema(prop).get("format") == "iri":
        f.values = [v for v in (_ref_value(x) for x in _as_list(value)) if v]
    elif f.widget == "boolean":
        f.values = [] if value is None else ["true" if value in (True, "true") else "false"]
    else:
        f.values = [str(x) for x in _as_list(value) if x is not None and str(x) != ""]


def _summary(value: Any) -> str:
    items = []
    for item in _as_list(value):
        if isinstance(item, Mapping):
            items.append(", ".join(f"{k}: {_summary(v)}" for k, v in item.items() if k not in ("id", "type")))
        else:
            items.append(str(item))
    return "; ".join(items)


def build_form(
    schema: Mapping[str, Any],
    document: Mapping[str, Any] | None,
    *,
    lang: str,
    municipality_options: Sequence[tuple[str, str]] = (),
) -> FormView:
    """The form of a content type from its JSON Schema, filled with ``document`` (a
    compact JSON-LD document of the CMS, or what a post holds, see :func:`read_form`)."""
    document = document or {}
    required = set(schema.get("required", ()))
    recommended = set(schema.get("x-recommended", ()))
    fieldsets = []
    for group in schema["fieldsets"]:
        fields = []
        for key in group["fields"]:
            prop = schema["properties"].get(key)
            if prop is None:
                continue
            widget, options = _widget(key, prop, municipality_options, lang)
            f = FormField(
                key=key,
                label=prop.get("title") or key,
                help=prop.get("description", ""),
                widget=widget,
                multi=prop.get("type") == "array" and widget not in ("money", "period"),
                required=key in required,
                recommended=key in recommended,
                rules=list(prop.get("x-rules", ())),
                options=options,
                search_types=_search_types(prop) if widget == "ref" else (),
            )
            if f.widget == "langmap":
                f.texts = {lang_key: "" for lang_key in LANGS}
            _fill(f, prop, document.get(key))
            fields.append(f)
        if fields:
            fieldsets.append(Fieldset(group["id"], group["title"], fields))
    type_options = _type_options(schema, lang)
    current_type = document.get("type")
    if isinstance(current_type, list):
        current_type = next((x for x in current_type if x in dict(type_options)), None)
    return FormView(
        type_name=schema["$id"].rsplit("/", 1)[-1],
        title=schema.get("title", ""),
        description=schema.get("description", ""),
        fieldsets=fieldsets,
        type_options=type_options,
        type_value=current_type if current_type in dict(type_options) else schema["properties"]["type"].get("default", ""),
    )


# --------------------------------------------------------------------------- reading a post


@dataclass
class Posted:
    """What a form post holds: the document (create) or merge patch (edit) for the CMS,
    the same values as a document to show the form again, and mistakes per field."""

    document: dict[str, Any]
    shown: dict[str, Any]
    errors: dict[str, list[str]]


def parse_money(text: str) -> str | None:
    """An amount in euros as people type it ("€ 9.707", "9707,50", "1.234.567,8",
    "9707.50") as a decimal string; ``None`` when it is no amount."""
    value = text.strip().replace("€", "").replace("EUR", "").replace(" ", "").replace("\u00a0", "")
    if not value:
        return None
    if "," in value:  # Dutch: dots group thousands, the comma is the decimal sign
        if not re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})*(,\d+)?|[+-]?\d+(,\d+)?", value):
            return None
        value = value.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", value):  # 9.707: thousands
        value = value.replace(".", "")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return format(amount.normalize(), "f") if amount == amount.to_integral() else format(amount, "f")


def read_form(
    schema: Mapping[str, Any],
    form: MultiDict[str, str],
    *,
    lang: str,
    current: Mapping[str, Any] | None = None,
    municipality_options: Sequence[tuple[str, str]] = (),
) -> Posted:
    """Read a post of :func:`build_form`'s form. With ``current`` (the stored document)
    the document is a merge patch against it: every field of the form is set or removed
    (``null``), fields the form does not edit are left alone."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    shown: dict[str, Any] = {}
    patching = current is not None
    type_options = dict(_type_options(schema, lang))
    chosen_type = form.get("type", "")
    if chosen_type in type_options:
        out["type"] = chosen_type
        shown["type"] = chosen_type
    for group in schema["fieldsets"]:
        for key in group["fields"]:
            prop = schema["properties"].get(key)
            if prop is None:
                continue
            widget, options = _widget(key, prop, municipality_options, lang)
            if widget == "readonly":
                continue
            name = "f." + key
            multi = prop.get("type") == "array"
            value: Any = None
            problem = None
            if widget == "langmap":
                texts = {}
                for lang_key in LANGS:
                    raw = form.get(f"{name}.{lang_key}", "").strip()
                    if raw:
                        lines = [line.strip() for line in raw.splitlines() if line.strip()]
                        texts[lang_key] = lines if len(lines) > 1 else lines[0]
                shown[key] = texts
                if patching:
                    value = {lang_key: texts.get(lang_key) for lang_key in LANGS}
                    if not texts and not (current or {}).get(key):
                        value = None
                else:
                    value = texts or None
            elif widget == "money":
                raw = form.get(name, "").strip()
                shown[key] = {"schemaValue": raw} if raw else None
                amount = parse_money(raw) if raw else None
                if raw and amount is None:
                    problem = t("form_bad_money", lang, value=raw)
                elif amount is not None:
                    value = {"schemaValue": amount, "currency": "EUR"}
                    if not (patching and isinstance((current or {}).get(key), Mapping)):
                        value["type"] = "MonetaryAmount"
            elif widget == "period":
                parts = {}
                for part, prop_name in (("begin", "hasBeginning"), ("end", "hasEnd")):
                    raw = form.get(f"{name}.{part}", "").strip()
                    if raw:
                        if _date(raw) is None:
                            problem = t("form_bad_date", lang, value=raw)
                        parts[prop_name] = {"type": "Instant", "inXSDDate": raw}
                shown[key] = parts or None
                if parts:
                    value = dict(parts)
                    if not (patching and isinstance((current or {}).get(key), Mapping)):
                        value["type"] = "ProperInterval"
                    elif patching:
                        for prop_name in ("hasBeginning", "hasEnd"):
                            value.setdefault(prop_name, None)
            else:
                raws = [v.strip() for v in form.getlist(name) if v.strip()]
                raws = list(dict.fromkeys(raws))
                keep = [r for r in raws if widget != "ref" or _ABSOLUTE_IRI.match(r)]  # shown again: IRIs only
                shown[key] = keep if multi else (keep[0] if keep else None)
                converted = []
                for raw in raws:
                    item, problem_here = _convert(widget, raw, options, lang)
                    if problem_here:
                        problem = problem_here
                    else:
                        converted.append(item)
                if not multi and len(converted) > 1:
                    problem = t("form_one_value", lang)
                value = (converted or None) if multi else (converted[0] if converted else None)
            if problem:
                errors.setdefault(key, []).append(problem)
            if value is not None or patching:
                if patching and value is None and key not in (current or {}):
                    continue
                out[key] = value
    return Posted(out, shown, errors)


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def _convert(widget: str, raw: str, options: Sequence[tuple[str, str]], lang: str) -> tuple[Any, str | None]:
    """One posted value as the JSON-LD value, or a message why it is not one."""
    if widget in ("select", "checkboxes"):
        if raw not in {value for value, _ in options}:
            return None, t("form_bad_choice", lang, value=raw)
        return raw, None
    if widget == "ref":
        if not _ABSOLUTE_IRI.match(raw):
            return None, t("form_bad_reference", lang)
        return raw, None
    if widget == "date":
        return (raw, None) if _date(raw) else (None, t("form_bad_date", lang, value=raw))
    if widget == "gyear":
        return (raw, None) if re.fullmatch(r"-?\d{4}", raw) else (None, t("form_bad_year", lang, value=raw))
    if widget == "integer":
        return (int(raw), None) if re.fullmatch(r"[+-]?\d{1,15}", raw) else (None, t("form_bad_number", lang, value=raw))
    if widget == "decimal":
        amount = parse_money(raw)
        return (amount, None) if amount is not None else (None, t("form_bad_number", lang, value=raw))
    if widget == "boolean":
        if raw not in ("true", "false"):
            return None, t("form_bad_choice", lang, value=raw)
        return raw == "true", None
    if widget == "datetime":
        try:
            return dt.datetime.fromisoformat(raw).isoformat(), None
        except ValueError:
            return None, t("form_bad_date", lang, value=raw)
    return raw, None


# --------------------------------------------------------------------------- findings


def findings_by_field(form: FormView, results: Sequence[Mapping[str, Any]], iri: str | None, lang: str) -> None:
    """Put the findings of a refused write (422: rule, the field's JSON key, message in
    nl and en) on their fields; findings about other resources, or about a field the
    form does not show, go to the form's general errors, with what they are about."""
    for result in results:
        messages = result.get("message") or {}
        text = messages.get(lang) or messages.get("nl") or next(iter(messages.values()), "")
        rule = result.get("rule") or ""
        line = f"{rule}: {text}" if rule else text
        key = (result.get("path") or "").split(".", 1)[0]
        target = form.field(key) if key else None
        own = iri is None or result.get("focusNode") in (iri, None) or str(result.get("focusNode", "")).startswith("_:")
        if target is not None and (own or "." in (result.get("path") or "")):
            if line not in target.errors:
                target.errors.append(line)
        else:
            about = result.get("focusLabel") or ""
            entry = f"{line} ({about})" if about and not own else line
            if entry not in form.general_errors:
                form.general_errors.append(entry)


def shown(f: FormField) -> str:
    """A field's value in words (names, not IRIs), to compare and to show in diffs."""
    if f.widget == "langmap":
        return " / ".join(f"{k}: {v}" for k, v in sorted(f.texts.items()) if v)
    if f.widget == "period":
        return " – ".join(v for v in (f.texts.get("begin", ""), f.texts.get("end", "")) if v)
    if f.widget == "readonly":
        return f.summary
    names = dict(f.options)
    names.update(f.labels)
    return ", ".join(names.get(v, v) for v in f.values if v)


# --------------------------------------------------------------------------- labels


def labels_of(store: Any, iris: Sequence[str], lang: str) -> dict[str, str]:
    """Names of the resources a form refers to (their label in the page language)."""
    out = {}
    for iri in dict.fromkeys(iris):
        if not _ABSOLUTE_IRI.match(iri):
            continue
        found: dict[str, str] = {}
        node = URIRef(iri)
        for predicate in (RDFS.label, SKOS.prefLabel, DCTERMS.title):
            for _, _, value, _ in store.quads(node, predicate, None):
                if isinstance(value, Literal):
                    found.setdefault(value.language or "", str(value))
            if found:
                break
        out[iri] = next((found[k] for k in (lang, "nl", "en", "") if found.get(k)), "") or iri.rsplit("/", 1)[-1]
    return out


__all__ = [
    "Fieldset",
    "FormField",
    "FormView",
    "Posted",
    "build_form",
    "concept_options",
    "findings_by_field",
    "labels_of",
    "parse_money",
    "read_form",
]
