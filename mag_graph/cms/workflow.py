"""Workflow states, roles and the named-graph layout that decides who sees what.

A resource edited through the CMS is in one of three states, and the state is nothing but
*where its triples are* (docs/cms.md, "Graph layout"):

* ``concept`` (draft): in ``magg:concept``;
* ``vastgesteld`` (adopted): in any public data graph - the example and imported data
  graphs, which count as adopted, and ``magg:vastgesteld`` for content adopted through
  the CMS;
* ``gearchiveerd`` (archived): in ``magg:gearchiveerd``.

Keeping the state in the graph layout rather than in a status triple means there is one
truth that readers cannot get wrong: anyone who reads only :func:`public_graphs` (the
anonymous API, the public SPARQL endpoint, the public pages) cannot see a draft or an
archived resource, whatever query they write. A transition moves the resource's triples
from one graph to another; the union of all graphs - what validation and editors see -
does not change, so a transition needs no validation.

Roles are ranked as in :mod:`mag_graph.access.auth` (``reader`` < ``editor`` < ``reviewer`` <
``admin``); anonymous callers pass ``None``. This module only takes the role string: who
someone is, is for the authentication layer to settle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rdflib import URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from mag_graph.access.visibility import (  # re-exported: the workflow works on this layout
    ADOPTED_GRAPH,
    ARCHIVED_GRAPH,
    CONCEPT_GRAPH,
    HISTORY_GRAPH,
    NON_PUBLIC_GRAPHS,
    ROLES,
    WORKING_COPY_GRAPH,
    ForbiddenError,
    PublicView,
    check_role,
    copy_of_graphs,
    has_private_content,
    is_public,
    may,
    public_copy,
    public_dataset,
    public_graphs,
    restrict_dataset,
    visible_graphs,
)
from mag_graph.store import GraphStore, MagGraphError, Store

__all__ = [
    "ADOPTED",
    "ADOPTED_GRAPH",
    "ARCHIVED",
    "ARCHIVED_GRAPH",
    "CONCEPT",
    "CONCEPT_GRAPH",
    "HISTORY_GRAPH",
    "NON_PUBLIC_GRAPHS",
    "ROLES",
    "STATES",
    "TRANSITIONS",
    "WORKING_COPY_GRAPH",
    "ForbiddenError",
    "PublicView",
    "StateConflictError",
    "Transition",
    "UnknownTransitionError",
    "can_see",
    "check_role",
    "copy_of_graphs",
    "graph_for_state",
    "has_private_content",
    "home_graph",
    "is_public",
    "may",
    "moved_to",
    "public_copy",
    "public_dataset",
    "public_graphs",
    "require_delete",
    "require_edit",
    "restrict_dataset",
    "state_of",
    "transition",
    "transition_named",
    "visible_graphs",
]

# --------------------------------------------------------------------------- states

CONCEPT = "concept"
ADOPTED = "vastgesteld"
ARCHIVED = "gearchiveerd"
STATES: tuple[str, ...] = (CONCEPT, ADOPTED, ARCHIVED)
STATE_LABELS: dict[str, dict[str, str]] = {
    CONCEPT: {"nl": "concept", "en": "draft"},
    ADOPTED: {"nl": "vastgesteld", "en": "adopted"},
    ARCHIVED: {"nl": "gearchiveerd", "en": "archived"},
}


_STATE_GRAPHS = {CONCEPT: CONCEPT_GRAPH, ADOPTED: ADOPTED_GRAPH, ARCHIVED: ARCHIVED_GRAPH}

Quad = tuple[Node, Node, Node, Any]


def graph_for_state(state: str) -> URIRef:
    """The graph new triples of a resource in ``state`` are written to."""
    return _STATE_GRAPHS[state]


def home_graph(iri: URIRef, state: str | None, quads: Sequence[Quad]) -> URIRef:
    """Where new statements of a resource go (the write pipeline's placement): the graph
    of its state for drafts and new resources; for adopted content the graph its type
    statement is in."""
    if not quads or state == CONCEPT:
        return CONCEPT_GRAPH
    if state == ARCHIVED:
        return ARCHIVED_GRAPH
    for s, p, _, g in quads:
        if s == iri and p == RDF.type and isinstance(g, URIRef):
            return g
    for _, _, _, g in quads:
        if isinstance(g, URIRef):
            return g
    return ADOPTED_GRAPH


def moved_to(state: str, quads: Sequence[Quad]) -> tuple[list[Quad], list[Quad]]:
    """What a transition to ``state`` adds and removes: every statement moves to the
    graph of the new state (the union of all graphs stays the same)."""
    target = graph_for_state(state)
    removed = [q for q in quads if q[3] != target]
    present = set(quads)
    added = [(s, p, o, target) for s, p, o, _ in removed if (s, p, o, target) not in present]
    return added, removed


def state_of(store: GraphStore | Store, iri: URIRef) -> str | None:
    """The workflow state of a resource (``None`` when it has no statements).

    Drafts win over everything else: a resource with any statement in the concept graph
    is a concept, so a half-finished edit can never look adopted."""
    subject = URIRef(str(iri))
    if next(store.quads(subject, graph=CONCEPT_GRAPH), None) is not None:
        return CONCEPT
    if next(store.quads(subject, graph=ARCHIVED_GRAPH), None) is not None:
        return ARCHIVED
    for _, _, _, graph in store.quads(subject):
        if graph != HISTORY_GRAPH:
            return ADOPTED
    return None


# --------------------------------------------------------------------------- roles

class StateConflictError(MagGraphError):
    """The resource is not in a state that allows this (409)."""

    status = 409


class UnknownTransitionError(MagGraphError):
    """A transition name the workflow does not know (404)."""

    status = 404


def can_see(role: str | None, state: str | None) -> bool:
    """Anonymous callers and readers see adopted content only; editors and up see
    drafts and the archive too."""
    if state is None:
        return False
    return state == ADOPTED or may(role, "editor")


def require_edit(role: str | None, state: str | None) -> None:
    """May ``role`` change a resource in ``state`` (``None``: create a new one)?

    Drafts: editors and up. Adopted content is public, so only those who may adopt
    (reviewers, admins) may change it in place; an editor asks a reviewer to reopen it.
    Archived content is frozen until it is reopened."""
    if not may(role, "editor"):
        raise ForbiddenError(
            "alleen redacteuren, beoordelaars en beheerders mogen inhoud wijzigen",
            "only editors, reviewers and admins may change content",
        )
    if state == ARCHIVED:
        raise StateConflictError(
            "deze inhoud is gearchiveerd; heropen haar eerst (transitie 'heropenen')",
            "this content is archived; reopen it first (transition 'heropenen')",
        )
    if state == ADOPTED and not may(role, "reviewer"):
        raise ForbiddenError(
            "vastgestelde inhoud kan alleen een beoordelaar of beheerder wijzigen; laat haar eerst heropenen",
            "only a reviewer or admin may change adopted content; have it reopened first",
        )


def require_delete(role: str | None, state: str | None) -> None:
    """Editors may delete their drafts; adopted and archived content only reviewers
    and admins."""
    if not may(role, "editor"):
        raise ForbiddenError(
            "alleen redacteuren, beoordelaars en beheerders mogen inhoud verwijderen",
            "only editors, reviewers and admins may delete content",
        )
    if state in (ADOPTED, ARCHIVED) and not may(role, "reviewer"):
        raise ForbiddenError(
            "vastgestelde of gearchiveerde inhoud kan alleen een beoordelaar of beheerder verwijderen",
            "only a reviewer or admin may delete adopted or archived content",
        )


# --------------------------------------------------------------------------- transitions


@dataclass(frozen=True)
class Transition:
    """A step of the workflow: from which states, to which state, and the lowest role
    that may take it from each of those states."""

    name: str
    english: str
    target: str
    allowed_from: tuple[tuple[str, str], ...]  # (state, lowest role)
    label: dict[str, str]

    def role_needed(self, state: str) -> str | None:
        for source, role in self.allowed_from:
            if source == state:
                return role
        return None


TRANSITIONS: dict[str, Transition] = {
    "vaststellen": Transition(
        "vaststellen", "adopt", ADOPTED, ((CONCEPT, "reviewer"),),
        {"nl": "vaststellen", "en": "adopt"},
    ),
    "archiveren": Transition(
        "archiveren", "archive", ARCHIVED, ((CONCEPT, "reviewer"), (ADOPTED, "reviewer")),
        {"nl": "archiveren", "en": "archive"},
    ),
    # Reopening archived content only makes it a draft again (nothing becomes public);
    # reopening adopted content takes it off the public site, which is a reviewer's call.
    "heropenen": Transition(
        "heropenen", "reopen", CONCEPT, ((ARCHIVED, "editor"), (ADOPTED, "reviewer")),
        {"nl": "heropenen", "en": "reopen"},
    ),
}
_ALIASES = {t.english: t.name for t in TRANSITIONS.values()}


def transition_named(name: str) -> Transition:
    """A transition by its Dutch or English name (``vaststellen`` or ``adopt``)."""
    key = _ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in TRANSITIONS:
        known = ", ".join(f"{t.name} ({t.english})" for t in TRANSITIONS.values())
        raise UnknownTransitionError(
            f"onbekende transitie {name!r} (bekend: {known})",
            f"unknown transition {name!r} (known: {known})",
        )
    return TRANSITIONS[key]


def check_transition(step: Transition, state: str | None, role: str | None) -> None:
    """Raise when ``role`` may not take ``step`` from ``state``."""
    needed = step.role_needed(state) if state is not None else None
    if needed is None:
        sources = ", ".join(s for s, _ in step.allowed_from)
        raise StateConflictError(
            f"transitie '{step.name}' kan niet vanuit de toestand '{state}' (alleen vanuit: {sources})",
            f"transition '{step.english}' is not possible from state '{state}' (only from: {sources})",
        )
    if not may(role, needed):
        raise ForbiddenError(
            f"transitie '{step.name}' vanuit '{state}' vraagt de rol {needed} of hoger",
            f"transition '{step.english}' from '{state}' needs the role {needed} or higher",
        )


class _Transitions(Protocol):
    """What :func:`transition` needs of the CMS: its transition operation."""

    def transition(self, iri: URIRef | str, name: str, *, agent: str, role: str | None,
                   if_match: str | Iterable[str] | None = None) -> Any: ...


def transition(
    content: _Transitions,
    iri: URIRef | str,
    name: str,
    *,
    agent: str,
    role: str | None,
    if_match: str | Iterable[str] | None = None,
) -> Any:
    """Take a workflow step: move the resource's triples to the graph of the target
    state, recorded in history like every other write (see
    :meth:`mag_graph.cms.content.Content.transition`)."""
    return content.transition(iri, name, agent=agent, role=role, if_match=if_match)
