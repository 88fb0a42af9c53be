"""Listing a collection (``GET /api/v1/{collection}?page=&pageSize=&sort=&state=&{key}=``):
the one CMS query that is built from request parameters, so every part of it is checked
here before any query text exists.

* **Filter keys** are matched against the properties of the content type: the keys of
  its JSON Schema (:func:`filter_keys`) and ``type``. An unknown key is refused
  (:class:`~mag_graph.cms.errors.InvalidParameterError`, 400) with the allowed keys; the
  query only ever names the predicate IRIs of that list, never text from the request.
* **Filter values** are bound as typed RDF terms (:func:`mag_graph.store.bind_values`): an
  IRI that pyoxigraph accepts for a reference (a compact IRI with a known prefix, an
  absolute IRI, or the last segment of a mag-graph IRI), a string literal otherwise.
  A value that is no valid IRI where one is needed is refused.
* **Sort** is ``key`` or ``-key`` with a key of the same list; **paging** is a page from
  1 and a page size from 1 to :data:`MAX_PAGE_SIZE`; at most :data:`MAX_VALUES` values
  per key.
* **Timeouts.** The count and page queries run through a *query runner*. The web
  application gives the CMS its SPARQL service (:meth:`Content.use_query_service`), so
  they run like every query of ``/sparql``: in a worker process on the snapshot of the
  last commit, killed after the same timeout (503), without holding the CMS's read lock,
  so a slow listing never holds up a writer. Without a service (the command line, tests
  of the core) they run in this process under the read lock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS
from rdflib.term import Node

from mag_graph.cms import workflow
from mag_graph.cms.errors import InvalidParameterError
from mag_graph.cms.schema import json_schema
from mag_graph.cms.types import ContentType, _lang, expand_value, property_for_key
from mag_graph.cms.workflow import ADOPTED, ARCHIVED, CONCEPT, CONCEPT_GRAPH
from mag_graph.namespaces import MAGID, PREFIXES
from mag_graph.store import InvalidIRIError

__all__ = ["MAX_PAGE", "MAX_PAGE_SIZE", "MAX_VALUES", "Listing", "QueryRunner", "filter_keys", "plan"]

MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000
MAX_VALUES = 50

# (query text, bindings, dataset keyword arguments) -> rows of rdflib terms
QueryRunner = Callable[[str, Mapping[str, Node], Mapping[str, Any]], list[tuple[Any, ...]]]

_SORT = re.compile(r"([-+]?)([^-+].*)", re.DOTALL)


@dataclass(frozen=True)
class Listing:
    """The two queries of one page: ``count_query`` and ``page_query`` with their
    ``bindings`` (typed terms) and ``dataset`` (what the caller may see)."""

    count_query: str
    page_query: str
    bindings: dict[str, Node]
    dataset: dict[str, Any]
    page: int
    page_size: int
    empty: bool = False


@lru_cache(maxsize=64)
def _filter_keys(type_name: str) -> tuple[tuple[str, URIRef, bool], ...]:
    keys: list[tuple[str, URIRef, bool]] = [("type", RDF.type, True)]
    for key in json_schema(type_name)["properties"]:
        if key in ("id", "type"):
            continue
        info = property_for_key(key)
        if info is not None:
            keys.append((key, info.iri, info.kind == "ref"))
            continue
        # A path of the shapes without a term in the context: its compact IRI (the
        # schema's key) is expanded with the project's prefixes.
        prefix, _, local = key.partition(":")
        iri = URIRef(PREFIXES[prefix] + local) if prefix in PREFIXES else URIRef(key)
        keys.append((key, iri, True))
    return tuple(keys)


def filter_keys(kind: ContentType) -> dict[str, URIRef]:
    """The keys a listing of ``kind`` may filter and sort on, with their predicates."""
    return {key: iri for key, iri, _ in _filter_keys(kind.name)}


def _unknown(what_nl: str, what_en: str, name: str, value: str, allowed: Sequence[str]) -> InvalidParameterError:
    shown = value if len(value) <= 80 else value[:77] + "..."
    listed = ", ".join(allowed)
    return InvalidParameterError(
        f"onbekende {what_nl} {shown!r}; toegestaan: {listed}",
        f"unknown {what_en} {shown!r}; allowed: {listed}",
        name=name,
        allowed=list(allowed),
    )


def _iri_value(key: str, value: str) -> URIRef:
    """A reference value: a compact or absolute IRI, or the last segment of a mag-graph
    IRI (``thema/zorg``); what is no valid IRI either way is refused."""
    try:
        return expand_value(value)
    except InvalidIRIError:
        pass
    try:
        return expand_value(str(MAGID) + value.strip())
    except InvalidIRIError:
        raise InvalidParameterError(
            f"{key}: {value[:80]!r} is geen geldige IRI",
            f"{key}: {value[:80]!r} is not a valid IRI",
            name=key,
        ) from None


def plan(
    kind: ContentType,
    *,
    public: bool,
    dataset: Callable[[], dict[str, Any]],
    page: int = 1,
    page_size: int = 20,
    filters: Mapping[str, str | Sequence[str]] | None = None,
    sort: str | None = None,
    state: str | None = None,
    lang: str = "nl",
) -> Listing:
    """The queries of one page of a listing, every parameter checked (see the module
    docstring). ``dataset`` gives the public dataset, asked for only when ``public``."""
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= MAX_PAGE:
        raise InvalidParameterError(f"page moet tussen 1 en {MAX_PAGE} liggen", f"page must be between 1 and {MAX_PAGE}",
                                    name="page")
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidParameterError(f"pageSize moet tussen 1 en {MAX_PAGE_SIZE} liggen",
                                    f"pageSize must be between 1 and {MAX_PAGE_SIZE}", name="pageSize")
    if state is not None and state not in workflow.STATES:
        raise _unknown("toestand", "state", "state", str(state), list(workflow.STATES))
    allowed = _filter_keys(kind.name)
    by_key = {key: (iri, is_ref) for key, iri, is_ref in allowed}
    names = [key for key, _, _ in allowed]
    bindings: dict[str, Node] = {}
    patterns: list[str] = []
    for n, (key, raw) in enumerate(sorted((filters or {}).items())):
        if key not in by_key:
            raise _unknown("filtersleutel", "filter key", key, key, names)
        predicate, is_ref = by_key[key]
        values = [raw] if isinstance(raw, str) else list(raw)
        if not values or len(values) > MAX_VALUES:
            raise InvalidParameterError(f"{key}: 1 tot {MAX_VALUES} waarden", f"{key}: 1 to {MAX_VALUES} values", name=key)
        alternatives = []
        for m, value in enumerate(values):
            if not isinstance(value, str):
                raise InvalidParameterError(f"{key}: een waarde is tekst", f"{key}: a value is text", name=key)
            var = f"f{n}_{m}"
            if is_ref:
                bindings[var] = _iri_value(key, value)
                alternatives.append(f"?v{n} = ?{var}")
            else:
                bindings[var] = Literal(value)
                alternatives.append(f"STR(?v{n}) = STR(?{var})")
        # The predicate is one of the type's properties (a constant of the vocabulary).
        patterns.append(f"?s <{predicate}> ?v{n} . FILTER({' || '.join(alternatives)})")
    descending = False
    sort_predicates: list[URIRef] = [RDFS.label, DCTERMS.title]
    if sort is not None:
        match = _SORT.fullmatch(sort)
        key = match.group(2) if match else sort
        if match is None or key not in by_key or key == "type":
            raise _unknown("sorteersleutel", "sort key", "sort", sort, [k for k in names if k != "type"])
        descending = match.group(1) == "-"
        sort_predicates = [by_key[key][0]]
    page_size = int(page_size)
    if public and state not in (None, ADOPTED):
        return Listing("", "", {}, {}, page, page_size, empty=True)
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
    lang_filter = f'FILTER(!isLiteral(?sv) || LANG(?sv) = "" || LANG(?sv) = "{_lang(lang)}")'
    order = "DESC(?key)" if descending else "ASC(?key)"
    count_query = f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} }}"
    page_query = (
        f"SELECT ?s (MIN(STR(?sv)) AS ?key) WHERE {{ {where} OPTIONAL {{ {sort_values} {lang_filter} }} }} "
        f"GROUP BY ?s ORDER BY {order} ?s LIMIT {page_size} OFFSET {(page - 1) * page_size}"
    )
    return Listing(count_query, page_query, bindings, dataset() if public else {}, page, page_size)
