"""The headless CMS: :class:`Content`, the one facade over a store that the HTTP routes
(``api/cms.py``) and the CLI call; they only translate. The design is in docs/cms.md.

This module holds the facade itself (reads, listings, the write operations with
their permission checks, workflow transitions, history views, and the wiring of search
and caches as listeners of the write pipeline) and re-exports the CMS's public names, so
``from mag_graph.cms import content`` gives the whole API. The concerns live in modules
of their own:

* :mod:`mag_graph.cms.errors`: the errors and their HTTP statuses;
* :mod:`mag_graph.cms.types`: content types, the vocabulary and field definitions;
* :mod:`mag_graph.cms.listing`: a collection's pages, every parameter checked;
* :mod:`mag_graph.cms.jsonld`: JSON-LD in and out, the published context;
* :mod:`mag_graph.cms.resource`: a resource as stored;
* :mod:`mag_graph.cms.concurrency`: ETags (If-Match) and the read-write lock;
* :mod:`mag_graph.cms.schema`: JSON Schema from the shapes;
* :mod:`mag_graph.cms.pipeline`: the one write pipeline (parse, settle identifiers,
  diff, record the revision, validate, commit, notify), its crash recovery and undo;
* :mod:`mag_graph.cms.history`, :mod:`mag_graph.cms.workflow`,
  :mod:`mag_graph.cms.search`: history, workflow states and full-text search, which plug
  into the pipeline.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS
from rdflib.term import Node

from mag_graph.cms import history, listing, workflow, working_copy
from mag_graph.cms.concurrency import (
    _check_if_match,
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
    InvalidParameterError,
    InvalidValueError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionRequiredError,
    ValidationFailedError,
)
from mag_graph.cms.jsonld import PROFILES as JSON_LD_PROFILES
from mag_graph.cms.jsonld import (
    check_json,
    context,
    context_document,
    parse_rdf,
    to_jsonld,
)
from mag_graph.cms.jsonld import reshape as reshape_jsonld
from mag_graph.cms.pipeline import (
    Draft,
    ImportResult,
    Outcome,
    Write,
    WritePipeline,
    WriteResult,
    _description,
    _one_copy,
    _rename,
    _roots,
    mint,
    settle_identifiers,
    single_root,
    with_type,
)
from mag_graph.cms.resource import Resource, read_resource, referrers
from mag_graph.cms.schema import json_schema
from mag_graph.cms.search import SearchIndex, latest_revision
from mag_graph.cms.types import (
    API_BASE,
    CONTEXT_URL,
    ContentType,
    PropertyInfo,
    Triple,
    _curie,
    _local,
    _owned,
    _pick,
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
    CONCEPT,
    CONCEPT_GRAPH,
    ForbiddenError,
    StateConflictError,
)
from mag_graph.namespaces import MAGID
from mag_graph.sparql import SparqlService
from mag_graph.store import GraphStore, InvalidIRIError, Store

__all__ = [
    "API_BASE",
    "CONTEXT_URL",
    "JSON_LD_PROFILES",
    "AlreadyExistsError",
    "Content",
    "ContentError",
    "ContentType",
    "ForbiddenError",
    "HasReferrersError",
    "ImportResult",
    "InvalidDocumentError",
    "InvalidParameterError",
    "InvalidValueError",
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
    "reshape_jsonld",
    "to_jsonld",
    "type_for_classes",
    "types_overview",
    "vocabulary",
]

log = logging.getLogger(__name__)

_INSTANCE_ATTRIBUTE = "_mag_graph_content"
_INSTANCES_LOCK = threading.Lock()


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
        self.context_url = context_url or CONTEXT_URL
        self._lock = _ReadWriteLock()
        self._query_service: SparqlService | None = None
        self.pipeline = WritePipeline(store, self._lock, date=date)
        if search is True:
            self.search = SearchIndex.for_store(store)
        else:
            self.search = search or None
        # The search index is the pipeline's first listener; caches subscribe after it
        # (add_listener).
        self.pipeline.subscribe(self._index_committed)
        # Background rebuilds of the search index (reindex_later): whether one more is
        # wanted, and whether a thread is running them; both guarded by _reindex_lock.
        self._reindex_lock = threading.Lock()
        self._reindex_wanted = False
        self._reindexing = False
        self.recover()
        if self.search is not None:
            self.search.ensure(self)

    @property
    def date(self) -> dt.date | None:
        """The date validation judges time-bound rules by (``None``: today)."""
        return self.pipeline.date

    @date.setter
    def date(self, value: dt.date | None) -> None:
        self.pipeline.date = value

    def _index_committed(self, resources: list[URIRef], revision: str) -> None:
        if self.search is not None:
            self.search.committed(self, resources, revision)

    def add_listener(self, callback: Any) -> None:
        """Call ``callback()`` after every committed write (e.g. to renew caches)."""
        self.pipeline.subscribe(lambda resources, revision: callback())

    def recover(self) -> list[str]:
        """Undo the writes a killed process left half-done (pending revisions)."""
        return self.pipeline.recover()

    @property
    def _nested_reuse(self) -> bool:
        """Whether a write may keep a stored blank node under a changed parent (not on a
        remote store, which removes blank nodes by their shape)."""
        return getattr(self.store, "names_blank_nodes", True)

    def generation(self) -> str:
        """The store's generation as read from the store, for caches of processes that
        share a remote store: its record, moved on by every write through mag-graph
        (mag_graph.store.remote_generation); else the latest committed revision."""
        own = getattr(self.store, "generation", None)
        return str(own()) if own is not None else latest_revision(self.store) or ""

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
        only; ``state`` narrows to one state for editors. Every parameter is checked
        (unknown keys, values that are no IRI, pages out of range:
        :class:`InvalidParameterError`) and the queries run under the SPARQL service's
        timeout when one is set (:meth:`use_query_service`); see
        :mod:`mag_graph.cms.listing`."""
        workflow.check_role(role)
        kind = content_type(ctype) if isinstance(ctype, str) else ctype
        public = not workflow.may(role, "editor")
        planned = listing.plan(kind, public=public, dataset=lambda: workflow.public_dataset(self.store), page=page,
                               page_size=page_size, filters=filters, sort=sort, state=state, lang=lang)
        if planned.empty:
            return Page([], 0, planned.page, planned.page_size)
        count_rows = self._run_listing(planned.count_query, planned.bindings, planned.dataset)
        total = int(count_rows[0][0]) if count_rows and count_rows[0][0] is not None else 0
        rows = self._run_listing(planned.page_query, planned.bindings, planned.dataset)
        with self.reading():
            items = [self._summary(URIRef(str(row[0])), lang) for row in rows]
        return Page(items, total, planned.page, planned.page_size)

    def use_query_service(self, service: SparqlService | None) -> None:
        """Run the listing queries through ``service`` (the web application's): in its
        worker processes, on the snapshot of the last commit, under its timeout, without
        holding this CMS's read lock. ``None``: in this process, under the read lock."""
        self._query_service = service

    def _run_listing(self, sparql: str, bindings: Mapping[str, Node], dataset: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        service = self._query_service
        if service is not None:
            return service.select(sparql, bindings=bindings or None, **dataset)
        with self.reading():
            return [tuple(row) for row in self.store.query(sparql, bindings=bindings or None, **dataset).rows]

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

    # -- writing: the public operations, each a Write run by the pipeline

    def create(
        self,
        ctype: ContentType | str,
        document: Any,
        *,
        agent: str,
        role: str | None,
        format: str = "jsonld",
        lang: str = "nl",
        dry_run: bool = False,
    ) -> WriteResult:
        """Make a new resource (a concept). The IRI is the document's ``id`` if it has
        one, otherwise minted as ``https://data.mag-graph.nl/id/{segment}/{slug}`` from
        the Dutch label and the municipality."""
        kind = content_type(ctype) if isinstance(ctype, str) else ctype
        workflow.require_edit(role, None)
        _require_agent(agent)

        def settle(triples: list[Triple]) -> list[Draft]:
            root = single_root(triples)
            if isinstance(root, URIRef):
                iri = root
                if self.resource(iri).exists:
                    raise AlreadyExistsError(f"<{iri}> bestaat al", f"<{iri}> already exists")
            else:
                iri = mint(self.store, kind, root, triples)
            triples = _rename(triples, {root: iri}) if root != iri else triples
            triples = with_type(triples, iri, kind, None)
            return [Draft(iri, [], None, CONCEPT, settle_identifiers(iri, triples, []), CONCEPT_GRAPH)]

        def finish(outcome: Outcome) -> WriteResult:
            after = self.resource(outcome.drafts[0].iri)
            return WriteResult(str(after.iri), after.etag, after.state, outcome.revision, created=True, warnings=outcome.warnings)

        return self.pipeline.write(Write("create", agent, role, settle, finish,
                                         parse=lambda: parse_rdf(document, format), lang=lang, dry_run=dry_run))

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
        dry_run: bool = False,
    ) -> WriteResult:
        """Replace a resource's description with the document (PUT). ``dry_run``: check,
        don't save (validated on the store with the change applied, then rolled back).
        An editor's change of adopted content becomes its working copy (:mod:`.working_copy`)."""
        with _one_copy(self.store):  # a remote store's reads from its kept copy
            if action == "update" and working_copy.diverts(role, self.resource(iri).state):
                return working_copy.save(self, iri, lambda: parse_rdf(document, format), agent=agent, role=role,
                                         if_match=if_match, ctype=ctype, lang=lang, dry_run=dry_run)
            return self._replace_with(iri, lambda: parse_rdf(document, format), agent=agent, role=role, if_match=if_match,
                                      ctype=ctype, lang=lang, action=action, revert_of=revert_of,
                                      allow_create=allow_create, dry_run=dry_run)

    def _replace_with(
        self,
        iri: URIRef | str,
        parse: Callable[[], list[Triple]],
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
        dry_run: bool = False,
        working_copy: bool = False,
        transition: str | None = None,
        known: Resource | None = None,  # the resource as read by a caller that holds the write lock since
    ) -> WriteResult:
        def settle(triples: list[Triple]) -> list[Draft]:
            _require_agent(agent)
            subject = _iri(iri)
            current = known if known is not None and known.iri == subject else self.resource(subject)
            wanted = content_type(ctype) if isinstance(ctype, str) else ctype
            if not current.exists and not allow_create:
                workflow.check_role(role)
                raise NotFoundError(f"<{subject}> bestaat niet", f"<{subject}> does not exist")
            if current.exists and (current.type is None or not workflow.can_see(role, current.state) or (wanted is not None and current.type != wanted)):
                raise NotFoundError(f"<{subject}> bestaat niet (of is niet zichtbaar)", f"<{subject}> does not exist (or is not visible)")
            # a working copy of adopted content is checked as the editor's change it is
            workflow.require_edit(role, CONCEPT if working_copy else current.state if current.exists else None)
            if current.exists:
                _check_if_match(current, if_match, required=require_match)
            kind = current.type or wanted or type_for_classes([o for s, p, o in triples if p == RDF.type and not isinstance(s, BNode)])
            if kind is None:
                raise InvalidDocumentError("onbekend inhoudstype", "unknown content type")
            root = single_root(triples) if triples else subject
            if root != subject:
                if isinstance(root, URIRef):
                    raise InvalidDocumentError(
                        f"het document beschrijft <{root}>, niet <{subject}>",
                        f"the document describes <{root}>, not <{subject}>",
                    )
                triples = _rename(triples, {root: subject})
            triples = with_type(triples, subject, kind, current)
            return [Draft(subject, current.quads, current.state, current.state or CONCEPT,
                          settle_identifiers(subject, triples, current.quads, nested_reuse=self._nested_reuse),
                          workflow.home_graph(subject, current.state, current.quads))]

        def finish(outcome: Outcome) -> WriteResult:
            draft = outcome.drafts[0]
            after = self.resource(draft.iri)
            return WriteResult(str(draft.iri), after.etag, after.state, outcome.revision,
                               created=not draft.current, warnings=outcome.warnings)

        return self.pipeline.write(Write(action, agent, role, settle, finish, parse=parse, lang=lang, revert_of=revert_of,
                                         dry_run=dry_run, transition=transition))

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
        dry_run: bool = False,
    ) -> WriteResult:
        """Change some properties (JSON Merge Patch, RFC 7396, on the JSON-LD
        document): a key replaces the property, ``null`` removes it, objects (language
        maps, nested amounts) are merged key by key."""
        if not isinstance(patch, Mapping):
            raise InvalidDocumentError("een merge-patch is een JSON-object", "a merge patch is a JSON object")
        check_json(patch)  # before merging: the merge recurses over it
        with self.writing(), _one_copy(self.store):  # a remote store's reads from its kept copy
            document, current = self.document(iri, role=role, ctype=ctype)
            # an editor's change of adopted content goes on from its working copy (If-Match: the copy's ETag)
            document, matched = working_copy.patch_base(self, current, document, role, if_match)
            merged = _merge_patch(document, patch)
            if not isinstance(merged, dict):
                raise InvalidDocumentError("de patch laat geen document over", "the patch leaves no document")
            merged["id"] = str(current.iri)
            merged["@context"] = document["@context"]
            if not working_copy.diverts(role, current.state):  # the write lock is held: it goes on from ``current``
                return self._replace_with(current.iri, lambda: parse_rdf(merged, "jsonld"), agent=agent, role=role, if_match=matched,
                                          ctype=ctype, lang=lang, action="update", dry_run=dry_run, known=current)
            return self.replace(current.iri, merged, agent=agent, role=role, if_match=matched, ctype=ctype, lang=lang,
                                dry_run=dry_run)

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

        def settle(_: list[Triple]) -> list[Draft]:
            current = self.get(iri, role=role, ctype=ctype)
            workflow.require_delete(role, current.state)
            _check_if_match(current, if_match, required=True)
            drafts = [Draft(current.iri, current.quads, current.state, None, [])]
            pointing = referrers(self.store, current)
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
                    owner = self.resource(URIRef(referrer["id"]))
                    # the referrer as it was, without its links to what is deleted
                    kept = [t for t in owner.triples if t[2] not in nodes]
                    drafts.append(Draft(owner.iri, owner.quads, owner.state, owner.state, kept))
            return drafts

        def finish(outcome: Outcome) -> WriteResult:
            if outcome.revision is not None:
                working_copy.forget(self, outcome.drafts[0].iri)  # a deleted resource keeps no working copy
            return WriteResult(str(outcome.drafts[0].iri), None, None, outcome.revision, deleted=True, warnings=outcome.warnings)

        return self.pipeline.write(Write("delete", agent, role, settle, finish, lang=lang))

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
        require_match: bool = False,
    ) -> WriteResult:
        """Take a workflow step (``vaststellen``/``adopt``, ``archiveren``/``archive``,
        ``heropenen``/``reopen``): the resource's statements move to the graph of the new
        state. The union of graphs is unchanged, so there is nothing to validate.
        ``require_match``: the step needs ``if_match`` (428 without), as over HTTP, where
        it proves the caller saw the version it adopts (and a bodiless cross-site POST
        cannot)."""
        step = workflow.transition_named(name)
        _require_agent(agent)

        def settle(_: list[Triple]) -> list[Draft]:
            current = self.get(iri, role=role, ctype=ctype)
            workflow.check_transition(step, current.state, role)
            if if_match is not None or require_match:
                _check_if_match(current, if_match, required=require_match)
            return [Draft(current.iri, current.quads, current.state, step.target)]  # same statements, moved

        def finish(outcome: Outcome) -> WriteResult:
            after = self.resource(outcome.drafts[0].iri)
            return WriteResult(str(after.iri), after.etag, after.state, outcome.revision, warnings=outcome.warnings)

        return self.pipeline.write(Write("transition", agent, role, settle, finish, lang=lang,
                                         transition=step.name, validate=False))

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
            return self._replace_with(subject, lambda: triples, agent=agent, role=role, if_match=if_match, ctype=None, lang=lang,
                                      action="revert", revert_of=rev_id, allow_create=True, require_match=False, known=current)

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

        def parse() -> list[Triple]:
            triples = parse_rdf(data, format)
            if not triples:
                raise InvalidDocumentError("het document is leeg", "the document is empty")
            return triples

        def settle(triples: list[Triple]) -> list[Draft]:
            roots = _roots(triples)
            by_subject: dict[Node, list[Triple]] = defaultdict(list)
            for t in triples:
                by_subject[t[0]].append(t)
            problems: list[str] = []
            renames: dict[Node, URIRef] = {}
            for root in roots:
                classes = [o for _, p, o in by_subject[root] if p == RDF.type]
                kind = type_for_classes(classes)
                if kind is None:
                    problems.append(str(root))
                    continue
                if isinstance(root, BNode):
                    renames[root] = mint(self.store, kind, root, triples, taken=set(renames.values()))
            if problems:
                raise InvalidDocumentError(
                    f"deze onderwerpen zijn geen inhoudstype (rdf:type ontbreekt of is onbekend): {', '.join(problems[:10])}",
                    f"these subjects are not of a content type (rdf:type missing or unknown): {', '.join(problems[:10])}",
                )
            triples = _rename(triples, renames) if renames else triples
            drafts = []
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
                new = settle_identifiers(iri, with_type(mine, iri, kind, current if current.exists else None), current.quads,
                                         nested_reuse=self._nested_reuse)
                drafts.append(Draft(iri, current.quads, current.state, current.state or CONCEPT, new,
                                    workflow.home_graph(iri, current.state, current.quads)))
            return drafts

        def finish(outcome: Outcome) -> ImportResult:
            created: list[str] = []
            replaced: list[str] = []
            unchanged: list[str] = []
            for draft, change in zip(outcome.drafts, outcome.changes, strict=True):
                if not change.added and not change.removed:
                    unchanged.append(str(draft.iri))
                    continue
                (replaced if draft.current else created).append(str(draft.iri))
            return ImportResult(created, replaced, unchanged, outcome.revision, outcome.warnings)

        return self.pipeline.write(Write("import", agent, role, settle, finish, parse=parse, lang=lang))

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

