"""The headless CMS core: the editable classes of the ontology as content types, their
JSON-LD representation, and every write validated, recorded and committed atomically.

One :class:`Content` per store does the work; the HTTP routes (``api/cms.py``) and the CLI
only translate. The design is in docs/cms.md. Content types and the vocabulary are in
:mod:`mag_graph.cms.types`, JSON-LD in :mod:`mag_graph.cms.jsonld`, ETags and the lock in
:mod:`mag_graph.cms.concurrency`, JSON Schema in :mod:`mag_graph.cms.schema`, the errors
in :mod:`mag_graph.cms.errors`; this module re-exports their public names.

**Writes** are diffed against the store, written tentatively (the pending history record
first), validated incrementally on the store itself (no copy), and then either committed
(the pending flag cleared) or undone exactly, under one write lock per store. See
:meth:`Content._commit` for why this is atomic and how a crash is recovered.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import logging
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS
from rdflib.term import Node

from mag_graph.cms import history, workflow
from mag_graph.cms.concurrency import (
    _check_if_match,
    _merkle,
    _Reading,
    _ReadWriteLock,
    _Writing,
    etag_for,
)
from mag_graph.cms.errors import (
    AlreadyExistsError,
    ContentError,
    HasReferrersError,
    InvalidDocumentError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionRequiredError,
    ValidationFailedError,
)
from mag_graph.cms.jsonld import context, context_document, parse_rdf, to_jsonld
from mag_graph.cms.resource import Resource, read_resource, referrers
from mag_graph.cms.schema import json_schema
from mag_graph.cms.types import (
    API_BASE,
    CONTEXT_URL,
    OWNED_PREDICATES,
    ContentType,
    PropertyInfo,
    Quad,
    Triple,
    _curie,
    _lang,
    _local,
    _owned,
    _pick,
    _reachable,
    content_type,
    content_types,
    expand_value,
    key_for,
    property_for_key,
    type_for_classes,
    types_overview,
    vocabulary,
)
from mag_graph.cms.workflow import (
    ADOPTED,
    ARCHIVED,
    CONCEPT,
    CONCEPT_GRAPH,
    ForbiddenError,
    StateConflictError,
)
from mag_graph.namespaces import MAG, MAGID, MUNICIPALITIES
from mag_graph.store import GraphStore, InvalidIRIError, Store

__all__ = [
    "API_BASE",
    "CONTEXT_URL",
    "AlreadyExistsError",
    "Content",
    "ContentError",
    "ContentType",
    "ForbiddenError",
    "HasReferrersError",
    "ImportResult",
    "InvalidDocumentError",
    "NotFoundError",
    "Page",
    "PreconditionFailedError",
    "PreconditionRequiredError",
    "PropertyInfo",
    "Resource",
    "StateConflictError",
    "ValidationFailedError",
    "WriteResult",
    "content_type",
    "content_types",
    "context",
    "context_document",
    "etag_for",
    "expand_value",
    "json_schema",
    "key_for",
    "parse_rdf",
    "property_for_key",
    "to_jsonld",
    "type_for_classes",
    "types_overview",
    "vocabulary",
]

log = logging.getLogger(__name__)

# Short codes of the example municipalities for minted IRIs (docs/model.md).
_MUNICIPALITY_CODES = {
    MUNICIPALITIES["hardinxveld-giessendam"]: "hg",
    MUNICIPALITIES["maassluis"]: "ms",
    MUNICIPALITIES["molenlanden"]: "ml",
}



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
        return read_resource(self.store, _iri(iri))

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
        return referrers(self.store, self.resource(iri))

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
            pointing = referrers(self.store, current)
            changes: list[history.ChangeSet] = []
            if pointing:
                if not force:
                    names = ", ".join(r["label"] for r in pointing[:5]) + (" ..." if len(pointing) > 5 else "")
                    raise HasReferrersError(
                        f"{len(pointing)} andere resource(s) verwijzen hiernaar: {names}",
                        f"{len(pointing)} other resource(s) refer to this one: {names}",
                        pointing,
                    )
                if not workflow.may(role, "admin"):
                    raise ForbiddenError(
                        "alleen een beheerder mag verwijderen waarnaar nog verwezen wordt (force)",
                        "only an admin may delete what is still referred to (force)",
                    )
                nodes = {current.iri} | {q[2] for q in current.quads if isinstance(q[2], (URIRef, BNode)) and _owned(current.iri, q[1], q[2])}
                for referrer in pointing:
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
