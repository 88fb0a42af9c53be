"""JSON-LD in and out: the compact documents the API gives and takes.

Compact form with one published context (:func:`context`): camelCase keys from the
properties' local names, ``@type: @id`` for references, language maps for labels and
descriptions, ``@set`` for properties that can have several values. A resource is written
as one document with the nodes it owns nested in it, keys in the order of its form
(:func:`to_jsonld`); :func:`parse_rdf` takes that back to the same statements, so a
document sent back unchanged is a no-op. Parsing never fetches a remote context: the published one is
inlined.

The context protects its terms (``@protected``, a JSON-LD 1.1 feature, hence ``@version
1.1``): a document that uses it cannot redefine ``id``, ``label`` or any other published
term, so every client reads a document the same way. The same document is also given in
the other forms of JSON-LD (:func:`reshape`, by the ``profile`` a client asks for:
expanded, or flattened and compacted), made by PyLD from the compact one.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox
from pyld import jsonld as pyld
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from mag_graph.cms.errors import InvalidDocumentError, InvalidValueError
from mag_graph.cms.schema import _field_order
from mag_graph.cms.types import (
    API_BASE,
    CONTEXT_URL,
    OLD_CONTEXT_URL,
    ContentType,
    PropertyInfo,
    Triple,
    _curie,
    _owned,
    key_for,
    vocabulary,
)
from mag_graph.namespaces import MAGID
from mag_graph.store import ParseError, check_xml_depth, rdf_format, to_rdflib_term

__all__ = ["MAX_DEPTH", "PROFILES", "check_json", "context", "context_document", "parse_rdf", "reshape", "to_jsonld"]

# How deep a JSON request body may nest. A resource with an amount, a period and its
# instants needs 6 levels; deeper documents are refused before anything recurses over
# them (100,000 nested arrays used to raise RecursionError: a 500).
MAX_DEPTH = 32

# The JSON-LD profiles (https://www.w3.org/TR/json-ld11/#iana-considerations) a document
# can be given in, by their short name.
JSON_LD_NS = "http://www.w3.org/ns/json-ld#"
PROFILES: dict[str, str] = {name: JSON_LD_NS + name for name in ("compacted", "expanded", "flattened")}


def context() -> dict[str, Any]:
    """The JSON-LD context every document of the API uses (a copy)."""
    return copy.deepcopy(vocabulary().context)


def context_document() -> dict[str, Any]:
    """The published context document (``/api/v1/context``)."""
    return {"@context": context()}


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
    itself, so parsing never fetches anything from the network. The context is the
    vocabulary's own object, not a copy (a deep copy was half of parsing a small
    document): the result is only serialised, never changed."""
    if isinstance(doc, list):
        return [_inline_context(d) for d in doc]
    if not isinstance(doc, dict):
        return doc
    out = dict(doc)
    ctx = out.get("@context")
    if ctx is None:
        out["@context"] = vocabulary().context
    else:
        out["@context"] = _replace_context(ctx)
    return out


def _replace_context(ctx: Any) -> Any:
    if isinstance(ctx, str):
        if _is_published_context(ctx):
            return vocabulary().context
        raise InvalidDocumentError(
            f"onbekende externe @context {ctx!r}; gebruik {CONTEXT_URL} of een inline context",
            f"unknown remote @context {ctx!r}; use {CONTEXT_URL} or an inline context",
        )
    if isinstance(ctx, list):
        return [_replace_context(c) for c in ctx]
    return ctx


def _text_problem(text: str) -> str | None:
    """Why ``text`` is not valid text for the graph (``None``: it is). Valid text is a
    sequence of Unicode scalar values without the C0 control characters other than tab,
    line feed and carriage return, and without U+FFFE/U+FFFF: what every RDF format we
    serve (RDF/XML included) can write. A JSON escape like ``\\ud800`` gives a lone
    surrogate, which is no character at all."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "lone surrogate"
    if _BAD_CHARACTERS.search(text):
        return "control character"
    return None


_BAD_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def check_json(value: Any) -> None:
    """Refuse a parsed JSON body that no document can be: nested deeper than
    :data:`MAX_DEPTH`, or with a key or string that is no valid text (:func:`_text_problem`).
    Iterative, so any depth is refused without recursion."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidDocumentError(f"het document is dieper genest dan {MAX_DEPTH} niveaus",
                                       f"the document is nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            _check_text(item, path)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(str(key), path)
                stack.append((child, depth + 1, f"{path}.{key}" if path else str(key)))
        elif isinstance(item, list):
            stack.extend((child, depth + 1, path) for child in item)


def _check_text(text: str, path: str) -> None:
    problem = _text_problem(text)
    if problem is None:
        return
    nl = {"lone surrogate": "een losse surrogaat (zoals \\ud800)", "control character": "een stuurteken"}[problem]
    en = {"lone surrogate": "a lone surrogate (such as \\ud800)", "control character": "a control character"}[problem]
    name = path or "(document)"
    raise InvalidDocumentError(f"{name}: geen geldige tekst, bevat {nl}", f"{name}: not valid text, contains {en}",
                               fields=[{"name": name, "nl": f"bevat {nl}", "en": f"contains {en}"}])


def _unknown_keys(doc: Any) -> list[str]:
    """Keys of a document with the published context that JSON-LD would silently drop:
    not a keyword, not a term of the context, not a compact IRI with one of its prefixes
    and not an absolute IRI. (A document with an inline context of its own defines its
    terms itself and is not checked.)"""
    ctx = vocabulary().context
    language_maps = {k for k, v in ctx.items() if isinstance(v, dict) and v.get("@container") == "@language"}
    unknown: list[str] = []
    stack: list[tuple[Any, str]] = [(doc, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, list):
            stack.extend((n, path) for n in node)
            continue
        if not isinstance(node, dict) or "@value" in node:
            continue
        for key, value in node.items():
            if key == "@context":
                continue
            if not (key.startswith("@") or key in ctx or _ABSOLUTE_OR_COMPACT.match(key)):
                unknown.append(f"{path}{key}")  # dropped with all it holds
            elif key not in language_maps:
                stack.append((value, f"{path}{key}."))
    return sorted(unknown)


_ABSOLUTE_OR_COMPACT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S")


def _own_context(doc: Any) -> bool:
    """Does the document bring an inline context (terms of its own)?"""
    contexts = [d.get("@context") for d in (doc if isinstance(doc, list) else [doc]) if isinstance(d, dict)]
    return any(isinstance(c, dict) or (isinstance(c, list) and any(isinstance(x, dict) for x in c)) for c in contexts)


# Lexical forms of the datatypes the API writes as strings (XML Schema 1.1, part 2).
_TZ = r"(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00)?"
_LEXICAL = {
    XSD.date: re.compile(r"-?([1-9]\d{4,}|\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])" + _TZ),
    XSD.gYear: re.compile(r"-?([1-9]\d{4,}|\d{4})" + _TZ),
    XSD.dateTime: re.compile(r"-?([1-9]\d{4,}|\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
                             r"T(([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?|24:00:00(\.0+)?)" + _TZ),
    XSD.decimal: re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
    XSD.integer: re.compile(r"[+-]?\d+"),
    XSD.boolean: re.compile(r"true|false|1|0"),
}


def _ill_typed(value: Literal) -> bool:
    pattern = _LEXICAL.get(value.datatype) if value.datatype is not None else None
    if pattern is None:
        return False
    text = str(value)
    if not pattern.fullmatch(text):
        return True
    if value.datatype in (XSD.date, XSD.dateTime) and re.match(r"\d{4}-", text):
        try:  # the day exists in that month (2023-02-30 does not)
            dt.date.fromisoformat(text[:10])
        except ValueError:
            return True
    return False


def _check_values(triples: Iterable[Triple]) -> None:
    """Refuse literals that are not what their datatype says (``"not-a-date"^^xsd:date``)
    and text that is no valid text, naming the field: 422, nothing stored."""
    fields: list[dict[str, str]] = []
    for _, predicate, obj in triples:
        if not isinstance(obj, Literal):
            continue
        key = key_for(predicate)
        problem = _text_problem(str(obj))
        if problem is not None:
            fields.append({"name": key, "nl": "geen geldige tekst", "en": "not valid text"})
        elif _ill_typed(obj):
            kind = _curie(obj.datatype)  # type: ignore[arg-type]
            fields.append({"name": key, "nl": f"{str(obj)[:40]!r} is geen geldige {kind}",
                           "en": f"{str(obj)[:40]!r} is not a valid {kind}"})
    if fields:
        names = ", ".join(sorted({f["name"] for f in fields}))
        raise InvalidValueError(
            f"ongeldige waarde voor {names}: " + "; ".join(f["nl"] for f in fields[:5]),
            f"invalid value for {names}: " + "; ".join(f["en"] for f in fields[:5]),
            fields=fields,
        )


def _is_published_context(url: str) -> bool:
    """Whether a context URL is the published context (on any host: the API's own
    address serves it too)."""
    return url in (CONTEXT_URL, OLD_CONTEXT_URL) or url.rstrip("/").endswith(
        (f"{API_BASE}/context", f"{API_BASE}/context.jsonld"))


def _document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """PyLD's loader: the published context from memory, nothing from the network.
    Tagged ``static`` (the context is built once per process): PyLD then keeps the
    processed context for the URL instead of processing it again for every document
    (about ten times the cost of expanding a small item)."""
    if not _is_published_context(url):
        raise pyld.JsonLdError(f"no remote documents are loaded: {url}", "jsonld.LoadDocumentError",
                               code="loading document failed")
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": context_document(),
            "tag": "static"}


def reshape(document: dict[str, Any], profile: str) -> Any:
    """A compact document of :func:`to_jsonld` in another JSON-LD form: ``compacted``
    (itself), ``expanded`` (no context, full IRIs, every value an object: a list of
    node objects) or ``flattened`` (every node at the top level in ``@graph``, blank
    nodes named, compacted with the document's own context)."""
    if profile == "compacted":
        return document
    options = {"documentLoader": _document_loader}
    if profile == "expanded":
        return pyld.expand(document, options)
    if profile == "flattened":
        return pyld.flatten(document, document.get("@context", CONTEXT_URL), options)
    raise ValueError(f"unknown JSON-LD profile {profile!r} (known: {', '.join(PROFILES)})")


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
            except RecursionError:
                raise InvalidDocumentError(f"het document is dieper genest dan {MAX_DEPTH} niveaus",
                                           f"the document is nested deeper than {MAX_DEPTH} levels") from None
        if not isinstance(data, (dict, list)):
            raise InvalidDocumentError("verwacht een JSON-object", "expected a JSON object")
        check_json(data)
        if not _own_context(data):
            unknown = _unknown_keys(data)
            if unknown:
                listed = ", ".join(unknown[:10])
                raise InvalidDocumentError(
                    f"onbekende sleutel(s): {listed} (de velden staan in {API_BASE}/types/{{type}})",
                    f"unknown key(s): {listed} (the fields are in {API_BASE}/types/{{type}})",
                    fields=[{"name": k, "nl": "onbekende sleutel", "en": "unknown key"} for k in unknown],
                )
        raw = json.dumps(_inline_context(data)).encode("utf-8")
        fmt = ox.RdfFormat.JSON_LD
    else:
        fmt = rdf_format(key)
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)  # type: ignore[arg-type]
        if fmt == ox.RdfFormat.RDF_XML:
            try:
                check_xml_depth(raw)
            except ParseError as exc:
                raise InvalidDocumentError(f"het document is geen geldige RDF: {exc.parser_message}",
                                           f"the document is not valid RDF: {exc.parser_message}") from None
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
    _check_values(out)
    return list(out)


_RDF_TYPE_IRI = str(RDF.type)
