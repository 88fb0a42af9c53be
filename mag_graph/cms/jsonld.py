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

from mag_graph.cms.errors import InvalidDocumentError
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
    vocabulary,
)
from mag_graph.namespaces import MAGID
from mag_graph.store import rdf_format, to_rdflib_term

__all__ = ["PROFILES", "context", "context_document", "parse_rdf", "reshape", "to_jsonld"]

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
        if _is_published_context(ctx):
            return context()
        raise InvalidDocumentError(
            f"onbekende externe @context {ctx!r}; gebruik {CONTEXT_URL} of een inline context",
            f"unknown remote @context {ctx!r}; use {CONTEXT_URL} or an inline context",
        )
    if isinstance(ctx, list):
        return [_replace_context(c) for c in ctx]
    return ctx


def _is_published_context(url: str) -> bool:
    """Whether a context URL is the published context (on any host: the API's own
    address serves it too)."""
    return url in (CONTEXT_URL, OLD_CONTEXT_URL) or url.rstrip("/").endswith(
        (f"{API_BASE}/context", f"{API_BASE}/context.jsonld"))


def _document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """PyLD's loader: the published context from memory, nothing from the network."""
    if not _is_published_context(url):
        raise pyld.JsonLdError(f"no remote documents are loaded: {url}", "jsonld.LoadDocumentError",
                               code="loading document failed")
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": context_document()}


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
