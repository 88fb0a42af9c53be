"""Working copies: an editor's change of adopted content, kept apart until a reviewer
adopts it (docs/cms.md, "Working copies").

Adopted (``vastgesteld``) content is public. An editor may not change it in place, but
need not ask for it to be reopened (which would take it off the public site) either: a
change by an editor becomes a *working copy*, a proposed new description of the
resource, checked against the rules like any write (a dry run of the replace on the store
with the change applied, rolled back) and then stored beside the adopted version, which
stays what everyone else sees. A reviewer adopts it (the replace is written as a
validated revision, recorded as the adoption) or discards it; the editor may discard it
too.

Where a working copy lives: one node per resource, ``<…/werkkopie/{hash}>`` in the
non-public graph ``magg:werkkopie``, holding only literals: the resource's IRI (as an
``xsd:anyURI`` literal, so the copy is no referrer of the resource and no shape targets
it), the proposed statements as N-Triples, the ETag of the adopted version it is based
on, who saved it and when. Nothing of it is in a data graph: the union of the data that
validation, the role matrix and the questions read is the adopted version until adoption,
and anonymous readers (who never see ``magg:werkkopie``) cannot see the copy whatever
they query.

One working copy per resource, shared by the editors (as Plone's working copy is an
item anyone with edit rights may change): it has its own ETag, and a save must name the
version it was made from. While a copy is pending, an editor's change goes on from it
with If-Match the copy's ETag; a change made on the adopted version (If-Match the
adopted ETag: the editor did not see the copy) is refused with 409
(:class:`WorkingCopyPendingError`), a stale copy ETag with 412, both naming the copy. So
no save ever replaces someone's copy unseen. The copy keeps who made it and since when
(``creator``, ``created``) and who saved it last (``agent``, ``saved``). Adoption is
refused (409) when the adopted version changed since the copy was made: the copy would
undo that change unseen; the editor saves it again on the new version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from mag_graph.cms import workflow
from mag_graph.cms.concurrency import _check_if_match, _parse_tags
from mag_graph.cms.errors import (
    NotFoundError,
    PreconditionFailedError,
    WorkingCopyPendingError,
)
from mag_graph.cms.history import CMS, agent_iri, agent_name
from mag_graph.cms.jsonld import parse_rdf, to_jsonld
from mag_graph.cms.pipeline import WriteResult, _rename, single_root
from mag_graph.cms.types import ContentType, Triple
from mag_graph.cms.workflow import (
    ADOPTED,
    WORKING_COPY_GRAPH,
    ForbiddenError,
    StateConflictError,
)
from mag_graph.namespaces import BASE
from mag_graph.store import GraphStore, Store

__all__ = [
    "WORKING_COPY_GRAPH",
    "WorkingCopy",
    "adopt",
    "all_copies",
    "check_if_match",
    "discard",
    "diverts",
    "forget",
    "patch_base",
    "read",
    "save",
]

_BASE = BASE + "werkkopie/"


@dataclass
class WorkingCopy:
    """A stored working copy: the resource it is of, the proposed statements, the ETag of
    the adopted version it is based on, who saved it last and when, and who made it
    and when (the first save; the same as the last for a copy saved once)."""

    of: URIRef
    triples: list[Triple]
    based_on: str
    agent: str
    saved: str
    creator: str = ""
    created: str = ""

    def __post_init__(self) -> None:
        self.creator = self.creator or self.agent
        self.created = self.created or self.saved

    @property
    def etag(self) -> str:
        """The copy's own entity tag: its statements and the adopted version it is based on."""
        text = _ntriples(self.triples) + "\nbasedOn:" + self.based_on
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def to_json(self) -> dict[str, Any]:
        return {"of": str(self.of), "basedOn": self.based_on, "agent": self.agent, "saved": self.saved,
                "creator": self.creator, "created": self.created, "etag": self.etag}


class _Content(Protocol):
    """What this module needs of :class:`~mag_graph.cms.content.Content`."""

    store: Any
    context_url: str
    pipeline: Any

    def writing(self) -> Any: ...
    def reading(self) -> Any: ...
    def get(self, iri: URIRef | str, *, role: str | None = None, ctype: Any = None) -> Any: ...
    def _replace_with(self, iri: URIRef | str, parse: Callable[[], list[Triple]], **kwargs: Any) -> WriteResult: ...


def node_for(iri: URIRef | str) -> URIRef:
    """The working copy's own node (one per resource)."""
    return URIRef(_BASE + hashlib.sha256(str(iri).encode("utf-8")).hexdigest()[:24])


def diverts(role: str | None, state: str | None) -> bool:
    """Does a change by ``role`` of content in ``state`` become a working copy? Editors
    who are no reviewers, changing adopted content."""
    return state == ADOPTED and workflow.may(role, "editor") and not workflow.may(role, "reviewer")


def read(store: GraphStore | Store, iri: URIRef | str) -> WorkingCopy | None:
    """The working copy of a resource, if there is one."""
    node = node_for(iri)
    values: dict[Any, Any] = {}
    for _, p, o, _ in store.quads(node, None, None, graph=WORKING_COPY_GRAPH):
        values[p] = o
    if CMS.proposal not in values:
        return None
    return _copy(values)


def check_if_match(store: GraphStore | Store, current: Any, if_match: str | Iterable[str] | None) -> WorkingCopy | None:
    """The If-Match of an editor's change of adopted content ``current``: without a
    pending working copy, the adopted version's ETag (428 without, 412 when stale, as
    every write); with one, the copy's ETag: the change goes on from the copy. The
    adopted version's ETag then means the editor did not see the copy (409, naming it);
    any other tag is a stale copy (412, naming it). ``*`` matches whatever is there.
    Returns the copy the change goes on from, if any."""
    copy = read(store, current.iri)
    if copy is None:
        _check_if_match(current, if_match, required=True)
        return None
    if if_match is None or (isinstance(if_match, str) and not if_match.strip()):
        _check_if_match(copy, None, required=True)  # 428: a write names the version it was made on
    tags = [tag for tag in _parse_tags(if_match or "") if not tag.startswith("W/")]
    if "*" in tags or copy.etag in (tag.strip('"') for tag in tags):
        return copy
    who = {"agent": copy.creator, "created": copy.created, "saved": copy.saved, "last": copy.agent}
    if current.etag in (tag.strip('"') for tag in tags):
        raise WorkingCopyPendingError(
            "er is een werkkopie in behandeling (van {agent}, sinds {created}; laatst opgeslagen door {last} op "
            "{saved}); uw wijziging is gemaakt op de vastgestelde versie en zou die werkkopie ongezien vervangen. "
            "Haal de werkkopie op en ga daarvan uit (If-Match: haar ETag)".format(**who),
            "a working copy is pending (by {agent}, since {created}; last saved by {last} at {saved}); your change "
            "was made on the adopted version and would replace that working copy unseen. Fetch the working copy and "
            "go on from it (If-Match: its ETag)".format(**who),
            copy.to_json(),
        )
    raise _stale(copy)


def patch_base(content: _Content, current: Any, doc: dict[str, Any], role: str | None,
               if_match: str | Iterable[str] | None) -> tuple[dict[str, Any], str | Iterable[str] | None]:
    """What a merge patch of ``current`` by ``role`` applies to, and the If-Match the
    replace it becomes sends: for an editor's change of adopted content with a pending
    working copy, the copy (If-Match checked against the copy's ETag, :func:`check_if_match`);
    otherwise the stored document ``doc`` (If-Match checked against its ETag)."""
    if not diverts(role, current.state):
        _check_if_match(current, if_match, required=True)
        return doc, current.etag
    found = check_if_match(content.store, current, if_match)
    return (document(content, found, current.type) if found else doc), if_match


def _stale(copy: WorkingCopy) -> PreconditionFailedError:
    error = PreconditionFailedError(
        f"de werkkopie is intussen gewijzigd (door {copy.agent} op {copy.saved}; ETag komt niet overeen); haal haar "
        "opnieuw op",
        f"the working copy has changed meanwhile (by {copy.agent} at {copy.saved}; ETag does not match); fetch it again",
        copy.etag,
    )
    error.extensions = {"workingCopy": copy.to_json()}
    return error


def all_copies(store: GraphStore | Store) -> list[WorkingCopy]:
    """Every stored working copy, oldest save first."""
    by_node: dict[Any, dict[Any, Any]] = {}
    for s, p, o, _ in store.quads(None, None, None, graph=WORKING_COPY_GRAPH):
        by_node.setdefault(s, {})[p] = o
    found = [_copy(values) for values in by_node.values() if CMS.proposal in values]
    return sorted(found, key=lambda c: c.saved)


def document(content: _Content, copy: WorkingCopy, ctype: ContentType | None) -> dict[str, Any]:
    """The working copy as a JSON-LD document (as the API writes items)."""
    return to_jsonld(copy.of, copy.triples, ctype, context_url=content.context_url)


def save(
    content: _Content,
    iri: URIRef | str,
    parse: Callable[[], list[Triple]],
    *,
    agent: str,
    role: str | None,
    if_match: str | Iterable[str] | None,
    ctype: ContentType | str | None = None,
    lang: str = "nl",
    dry_run: bool = False,
) -> WriteResult:
    """Save (or only check, ``dry_run``) an editor's change of adopted content as its
    working copy. The change is validated exactly as the replace it proposes (a dry run
    of the write pipeline): a violation is a 422 and nothing is stored. A change that
    leaves the adopted version as it is removes the working copy."""
    with content.writing():
        current = content.get(iri, role=role, ctype=ctype)
        if current.state != ADOPTED:
            raise StateConflictError("alleen van vastgestelde inhoud wordt een werkkopie gemaakt",
                                     "only adopted content gets a working copy")
        base = check_if_match(content.store, current, if_match)
        triples = parse()
        result = content._replace_with(current.iri, lambda: triples, agent=agent, role=role, if_match=current.etag,
                                       ctype=ctype, lang=lang, action="update", working_copy=True, dry_run=True)
        proposal = _rooted(current.iri, triples)
        unchanged = result.changed is None
        now = _now()
        copy = WorkingCopy(current.iri, proposal, current.etag, agent, now,
                           base.creator if base else agent, base.created if base else now)
        if not dry_run:
            _store(content, current.iri, None if unchanged else copy)
        result.dry_run = dry_run
        result.state = ADOPTED
        result.etag = current.etag
        result.working_copy = None if unchanged else copy.to_json()
        return result


def adopt(
    content: _Content,
    iri: URIRef | str,
    *,
    agent: str,
    role: str | None,
    if_match: str | Iterable[str] | None = None,
    ctype: ContentType | str | None = None,
    lang: str = "nl",
) -> WriteResult:
    """A reviewer adopts the working copy: the replace it proposes is written (validated
    again on the store as it is now, recorded as revision with transition
    ``vaststellen``) and the copy removed. ``if_match``: the working copy's ETag (the
    version the reviewer looked at)."""
    if not workflow.may(role, "reviewer"):
        raise ForbiddenError("alleen een beoordelaar of beheerder stelt een werkkopie vast",
                             "only a reviewer or admin may adopt a working copy")
    with content.writing():
        current = content.get(iri, role=role, ctype=ctype)
        copy = _require(content, current.iri)
        _check_copy(copy, if_match)
        if current.etag != copy.based_on:
            raise StateConflictError(
                "de vastgestelde versie is gewijzigd sinds deze werkkopie werd gemaakt; sla de werkkopie opnieuw op",
                "the adopted version has changed since this working copy was made; save the working copy again",
            )
        result = content._replace_with(current.iri, lambda: list(copy.triples), agent=agent, role=role,
                                       if_match=current.etag, ctype=ctype, lang=lang, action="update",
                                       transition="vaststellen")
        _store(content, current.iri, None)
        return result


def discard(content: _Content, iri: URIRef | str, *, agent: str, role: str | None,
            ctype: ContentType | str | None = None, if_match: str | Iterable[str] | None = None) -> WorkingCopy:
    """Throw a working copy away (editors and up); the adopted version stays.
    ``if_match``: the copy's ETag (the version the caller saw; 412 when stale)."""
    if not workflow.may(role, "editor"):
        raise ForbiddenError("alleen redacteuren en hoger", "only editors and up")
    with content.writing():
        current = content.get(iri, role=role, ctype=ctype)
        copy = _require(content, current.iri)
        _check_copy(copy, if_match)
        _store(content, current.iri, None)
        return copy


def forget(content: _Content, iri: URIRef | str) -> None:
    """Remove the working copy of a resource that is gone (called by a delete, under its lock)."""
    _store(content, URIRef(str(iri)), None)


# --------------------------------------------------------------------------- storage


def _check_copy(copy: WorkingCopy, if_match: str | Iterable[str] | None) -> None:
    """An optional If-Match against the working copy's own ETag (412 naming it when stale)."""
    if if_match is None or (isinstance(if_match, str) and not if_match.strip()):
        return
    tags = [tag for tag in _parse_tags(if_match) if not tag.startswith("W/")]
    if "*" not in tags and copy.etag not in (tag.strip('"') for tag in tags):
        raise _stale(copy)


def _require(content: _Content, iri: URIRef) -> WorkingCopy:
    copy = read(content.store, iri)
    if copy is None:
        raise NotFoundError(f"<{iri}> heeft geen werkkopie", f"<{iri}> has no working copy")
    return copy


def _store(content: _Content, iri: URIRef, copy: WorkingCopy | None) -> None:
    """Replace the stored working copy of ``iri`` with ``copy`` (``None``: remove it), in
    one transaction, under the write lock the caller holds; the listeners (caches) hear
    of it, as of every change to the store."""
    node = node_for(iri)
    old = list(content.store.quads(node, None, None, graph=WORKING_COPY_GRAPH))
    if not old and copy is None:
        return
    with content.store.transaction() as tx:
        for q in old:
            tx.remove(q)
        if copy is not None:
            g = WORKING_COPY_GRAPH
            tx.add_many([
                (node, RDF.type, CMS.WorkingCopy, g),
                (node, CMS.workingCopyOf, Literal(str(iri), datatype=XSD.anyURI), g),
                (node, CMS.proposal, Literal(_ntriples(copy.triples)), g),
                (node, CMS.basedOn, Literal(copy.based_on), g),
                (node, PROV.wasAttributedTo, agent_iri(copy.agent), g),
                (node, DCTERMS.modified, Literal(copy.saved, datatype=XSD.dateTime), g),
                (node, DCTERMS.creator, agent_iri(copy.creator), g),
                (node, DCTERMS.created, Literal(copy.created, datatype=XSD.dateTime), g),
            ])
    content.pipeline.notify([iri], "")


def _copy(values: dict[Any, Any]) -> WorkingCopy:
    agent = agent_name(values.get(PROV.wasAttributedTo)) or ""
    return WorkingCopy(
        URIRef(str(values[CMS.workingCopyOf])),
        parse_rdf(str(values[CMS.proposal]), "ntriples"),
        str(values.get(CMS.basedOn, "")),
        agent,
        _time(values.get(DCTERMS.modified)),
        agent_name(values.get(DCTERMS.creator)) or "",
        _time(values.get(DCTERMS.created)),
    )


def _time(value: Any) -> str:
    return str(value or "").replace("+00:00", "Z")


def _rooted(iri: URIRef, triples: list[Triple]) -> list[Triple]:
    """The proposal with its root named ``iri`` (a document may leave out its id)."""
    root = single_root(triples) if triples else iri
    return _rename(triples, {root: iri}) if root != iri else triples


def _ntriples(triples: Iterable[Triple]) -> str:
    graph = Graph()
    for t in triples:
        graph.add(t)
    return "\n".join(sorted(line for line in graph.serialize(format="nt").splitlines() if line.strip()))


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
