"""History: every write through the CMS is a revision, recorded with PROV-O in the store.

Layout (docs/cms.md, "History"). All of it lives in one named graph, ``magg:historie``,
which is never public. A revision is a ``prov:Activity``::

    <https://data.mag-graph.nl/graph/historie/{rev}> a prov:Activity , cms:Revision ;
        cms:revisionId "{rev}" ;
        cms:action cms:Update ;                       # Create, Update, Delete, Transition, Revert, Import
        prov:wasAssociatedWith <https://data.mag-graph.nl/id/gebruiker/{name}> ;
        prov:qualifiedAssociation <...{rev}#association> ;   # prov:agent + prov:hadRole cms:Editor
        prov:startedAtTime "..."^^xsd:dateTime ; prov:endedAtTime "..."^^xsd:dateTime ;
        cms:change <...{rev}#c1> .
    <...{rev}#c1> a cms:Change ;
        cms:resource <the resource> ; cms:stateBefore "concept" ; cms:stateAfter "concept" ;
        cms:added <...{rev}#c1-a1> ; cms:removed <...{rev}#c1-r1> .
    <...{rev}#c1-a1> a rdf:Statement ;
        rdf:subject ... ; rdf:predicate ... ; rdf:object ... ; cms:graph <graph it went into> .

Why reified statements and not one named graph per change set: validation and editors
read the union of all graphs, so a graph holding the removed triples would put them
right back into the data. Reified statements are not asserted; ``rdf:subject`` etc. are
plain links SPARQL can follow ("every change to X": ``?st rdf:subject X``).

Why the revision IRIs live under ``https://data.mag-graph.nl/graph/``: incremental
validation (:func:`mag_graph.validation.impact.affected_nodes`) treats IRIs there as hubs it
does not walk through. History links to the resources it changed; were the revisions
ordinary IRIs, every revision of a resource would join the set of nodes revalidated on
its next write, and writes would get slower the more often a resource was edited.

Blank nodes of the data are written as skolem IRIs
(``https://data.mag-graph.nl/.well-known/genid/{label}``), so history never shares
blank nodes with the data graphs, and a state reconstructed from history gets the very
same labels back.

A revision is first written with ``cms:pending true`` (before the data changes) and the
flag is removed once the change is validated and committed. A process that dies in
between leaves a pending revision behind; :func:`pending_revisions` finds it and the
CMS undoes its change on the next start, so history doubles as the write-ahead log.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote, unquote

from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import PROV, RDF, XSD, DefinedNamespace
from rdflib.term import Node

from mag_graph.cms.workflow import HISTORY_GRAPH
from mag_graph.namespaces import BASE, MAGID
from mag_graph.store import GraphStore, MagGraphError, Store

__all__ = [
    "CMS",
    "GENID",
    "REVISION_BASE",
    "ChangeSet",
    "PendingRevision",
    "Revision",
    "UnknownRevisionError",
    "agent_iri",
    "agent_name",
    "begin_revision",
    "changes_of",
    "deskolemize",
    "new_graphs_of",
    "new_revision_id",
    "note_new_graphs",
    "pending_revisions",
    "record_quads",
    "revert",
    "revised_graphs",
    "revision",
    "revision_iri",
    "revisions",
    "skolemize",
    "state_at",
    "unfinished_revisions",
]


class CMS(DefinedNamespace):
    """The few terms the CMS needs for its own bookkeeping (revisions, change sets,
    actions, roles). Kept out of the domain ontology on purpose: they describe edits of
    the graph, not municipal governance."""

    _NS = Namespace(BASE + "def/cms#")
    _fail = True

    Revision: URIRef
    Change: URIRef
    revisionId: URIRef
    action: URIRef
    change: URIRef
    resource: URIRef
    added: URIRef
    removed: URIRef
    graph: URIRef
    stateBefore: URIRef
    stateAfter: URIRef
    transition: URIRef
    revertOf: URIRef
    pending: URIRef
    newGraph: URIRef  # a graph a pending revision creates (dropped if it is undone)
    # working copies (mag_graph.cms.working_copy)
    WorkingCopy: URIRef
    workingCopyOf: URIRef
    proposal: URIRef
    basedOn: URIRef
    # actions
    Create: URIRef
    Update: URIRef
    Delete: URIRef
    Transition: URIRef
    Revert: URIRef
    Import: URIRef
    # roles (prov:hadRole of the agent's association)
    Reader: URIRef
    Editor: URIRef
    Reviewer: URIRef
    Admin: URIRef


REVISION_BASE = BASE + "graph/historie/"
GENID = BASE + ".well-known/genid/"
AGENT_BASE = str(MAGID) + "gebruiker/"
ACTIONS = ("create", "update", "delete", "transition", "revert", "import")
_ACTION_IRIS = {
    "create": CMS.Create,
    "update": CMS.Update,
    "delete": CMS.Delete,
    "transition": CMS.Transition,
    "revert": CMS.Revert,
    "import": CMS.Import,
}
_ACTION_NAMES = {iri: name for name, iri in _ACTION_IRIS.items()}
_ROLE_IRIS = {"reader": CMS.Reader, "editor": CMS.Editor, "reviewer": CMS.Reviewer, "admin": CMS.Admin}
_ROLE_NAMES = {iri: name for name, iri in _ROLE_IRIS.items()}

Quad = tuple[Node, Node, Node, Any]


class UnknownRevisionError(MagGraphError):
    """No such revision (of this resource)."""

    status = 404


# --------------------------------------------------------------------------- identifiers

_clock = threading.Lock()
_last_stamp = [dt.datetime.min.replace(tzinfo=dt.UTC)]


def new_revision_id(now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """A revision id that sorts in time order (``20261122t014700123456-3fa2``) and the
    time it stands for. Strictly increasing within the process, so revisions made in
    the same microsecond still sort in the order they were made."""
    with _clock:
        stamp = now or dt.datetime.now(dt.UTC)
        if stamp <= _last_stamp[0]:
            stamp = _last_stamp[0] + dt.timedelta(microseconds=1)
        _last_stamp[0] = stamp
    return f"{stamp:%Y%m%dt%H%M%S%f}-{secrets.token_hex(2)}", stamp


def revision_iri(rev_id: str) -> URIRef:
    return URIRef(REVISION_BASE + rev_id)


def agent_iri(name: str) -> URIRef:
    """The IRI standing for a user or token in history."""
    return URIRef(AGENT_BASE + quote(name, safe="._@+-"))


def agent_name(iri: Node | None) -> str | None:
    if iri is None:
        return None
    text = str(iri)
    return unquote(text[len(AGENT_BASE):]) if text.startswith(AGENT_BASE) else text


def skolemize(node: Node) -> Node:
    """A blank node as an IRI for history (other terms unchanged)."""
    if isinstance(node, BNode):
        return URIRef(GENID + str(node))
    return node


def deskolemize(node: Node) -> Node:
    """The blank node a skolem IRI of history stands for (same label)."""
    if isinstance(node, URIRef) and str(node).startswith(GENID):
        return BNode(str(node)[len(GENID):])
    return node


# --------------------------------------------------------------------------- writing


@dataclass
class ChangeSet:
    """What one write did to one resource: the quads (s, p, o, graph) it added and
    removed, and the workflow state before and after."""

    resource: URIRef
    added: list[Quad] = field(default_factory=list)
    removed: list[Quad] = field(default_factory=list)
    state_before: str | None = None
    state_after: str | None = None


def record_quads(
    rev_id: str,
    stamp: dt.datetime,
    *,
    agent: str,
    role: str | None,
    action: str,
    changes: Sequence[ChangeSet],
    transition: str | None = None,
    revert_of: str | None = None,
    pending: bool = True,
) -> list[Quad]:
    """The quads (all in the history graph) that record one revision."""
    rev = revision_iri(rev_id)
    who = agent_iri(agent)
    g = HISTORY_GRAPH
    when = Literal(stamp.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)
    out: list[Quad] = [
        (rev, RDF.type, PROV.Activity, g),
        (rev, RDF.type, CMS.Revision, g),
        (rev, CMS.revisionId, Literal(rev_id), g),
        (rev, CMS.action, _ACTION_IRIS[action], g),
        (rev, PROV.wasAssociatedWith, who, g),
        (rev, PROV.startedAtTime, when, g),
        (rev, PROV.endedAtTime, when, g),
    ]
    association = URIRef(f"{rev}#association")
    out += [
        (rev, PROV.qualifiedAssociation, association, g),
        (association, RDF.type, PROV.Association, g),
        (association, PROV.agent, who, g),
    ]
    if role in _ROLE_IRIS:
        out.append((association, PROV.hadRole, _ROLE_IRIS[role], g))
    if transition:
        out.append((rev, CMS.transition, Literal(transition), g))
    if revert_of:
        out.append((rev, CMS.revertOf, revision_iri(revert_of), g))
        out.append((rev, PROV.wasInformedBy, revision_iri(revert_of), g))
    if pending:
        out.append((rev, CMS.pending, Literal(True), g))
    for number, change in enumerate(changes, start=1):
        node = URIRef(f"{rev}#c{number}")
        out += [
            (rev, CMS.change, node, g),
            (node, RDF.type, CMS.Change, g),
            (node, CMS.resource, change.resource, g),
        ]
        if change.state_before:
            out.append((node, CMS.stateBefore, Literal(change.state_before), g))
        if change.state_after:
            out.append((node, CMS.stateAfter, Literal(change.state_after), g))
        for kind, quads, letter in ((CMS.added, change.added, "a"), (CMS.removed, change.removed, "r")):
            for i, (s, p, o, graph) in enumerate(sorted(quads, key=_quad_key), start=1):
                statement = URIRef(f"{node}-{letter}{i}")
                out += [
                    (node, kind, statement, g),
                    (statement, RDF.type, RDF.Statement, g),
                    (statement, RDF.subject, skolemize(s), g),
                    (statement, RDF.predicate, p, g),
                    (statement, RDF.object, skolemize(o), g),
                ]
                if graph is not None:
                    out.append((statement, CMS.graph, graph, g))
    return out


@dataclass
class PendingRevision:
    """A revision recorded but not committed yet: its id, the quads of its record (with
    the ``cms:pending`` flag) and the data change it records, over all its resources."""

    id: str
    record: list[Quad]
    added: list[Quad]
    removed: list[Quad]

    @property
    def flag(self) -> Quad:
        """The quad whose removal commits the revision."""
        return pending_flag(self.id)

    def commit_quads(self) -> list[Quad]:
        """What committing removes from the record: the flag, and the new graphs noted
        for recovery (:func:`note_new_graphs`)."""
        return [self.flag, *(q for q in self.record if q[1] == CMS.newGraph)]


def begin_revision(
    changes: Sequence[ChangeSet],
    *,
    agent: str,
    role: str | None,
    action: str,
    transition: str | None = None,
    revert_of: str | None = None,
) -> PendingRevision:
    """The write pipeline's "record the revision" step: a new revision of these change
    sets, its record marked pending (the pipeline writes it with or before the data and
    removes the flag once the change is validated)."""
    rev_id, stamp = new_revision_id()
    record = record_quads(rev_id, stamp, agent=agent, role=role, action=action, changes=changes,
                          transition=transition, revert_of=revert_of, pending=True)
    return PendingRevision(
        rev_id,
        record,
        [q for c in changes for q in c.added],
        [q for c in changes for q in c.removed],
    )


def note_new_graphs(revision: PendingRevision, graphs: Iterable[Node]) -> None:
    """Add to a pending revision's record the graphs its change creates (``cms:newGraph``):
    written with the record, they tell recovery which graphs to drop again, so a write
    undone after a crash leaves not even an empty graph behind. :meth:`PendingRevision.commit_quads`
    removes them with the flag, so a committed revision does not keep them."""
    rev = revision_iri(revision.id)
    revision.record.extend((rev, CMS.newGraph, g, HISTORY_GRAPH) for g in sorted(graphs, key=str))


def new_graphs_of(record: Iterable[Quad]) -> list[Node]:
    """The graphs a (pending) revision's record says its change created."""
    return [q[2] for q in record if q[1] == CMS.newGraph]


def revised_graphs(store: GraphStore | Store) -> dict[Node, int]:
    """The graphs CMS revisions changed, each with how many recorded statement changes:
    what a command that replaces graphs would silently undo (``cms:graph`` of the
    recorded statements; a statement of the default graph names none)."""
    found: dict[Node, int] = {}
    for _, _, graph, _ in store.quads(None, CMS.graph, None, graph=HISTORY_GRAPH):
        found[graph] = found.get(graph, 0) + 1
    return found


def pending_flag(rev_id: str) -> Quad:
    """The quad that marks a revision as not yet committed."""
    return (revision_iri(rev_id), CMS.pending, Literal(True), HISTORY_GRAPH)


def _quad_key(quad: Quad) -> tuple[str, ...]:
    return tuple("" if t is None else t.n3() for t in quad)


# --------------------------------------------------------------------------- reading


@dataclass
class Revision:
    """One revision as listed: who did what, when, to which resources."""

    id: str
    iri: str
    time: str
    agent: str | None
    role: str | None
    action: str
    transition: str | None = None
    revert_of: str | None = None
    resources: list[str] = field(default_factory=list)
    state_before: str | None = None
    state_after: str | None = None
    added: int = 0
    removed: int = 0

    def to_json(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "iri": self.iri,
            "time": self.time,
            "agent": self.agent,
            "role": self.role,
            "action": self.action,
            "resources": self.resources,
            "stateBefore": self.state_before,
            "stateAfter": self.state_after,
            "added": self.added,
            "removed": self.removed,
        }
        if self.transition:
            out["transition"] = self.transition
        if self.revert_of:
            out["revertOf"] = self.revert_of
        return out


_PREFIX = f"""
PREFIX cms: <{CMS._NS}>
PREFIX prov: <{PROV}>
PREFIX rdf: <{RDF}>
"""

_LIST = _PREFIX + f"""
SELECT ?rev ?id ?time ?agent ?role ?action ?transition ?revertOf ?res ?before ?after
       (COUNT(DISTINCT ?a) AS ?added) (COUNT(DISTINCT ?r) AS ?removed)
WHERE {{
  GRAPH <{HISTORY_GRAPH}> {{
    ?rev cms:change ?c ; cms:revisionId ?id ; cms:action ?action ; prov:startedAtTime ?time .
    ?c cms:resource ?res .
    FILTER NOT EXISTS {{ ?rev cms:pending true }}
    OPTIONAL {{ ?rev prov:wasAssociatedWith ?agent }}
    OPTIONAL {{ ?rev prov:qualifiedAssociation/prov:hadRole ?role }}
    OPTIONAL {{ ?rev cms:transition ?transition }}
    OPTIONAL {{ ?rev cms:revertOf ?revertOf }}
    OPTIONAL {{ ?c cms:stateBefore ?before }}
    OPTIONAL {{ ?c cms:stateAfter ?after }}
    OPTIONAL {{ ?c cms:added ?a }}
    OPTIONAL {{ ?c cms:removed ?r }}
  }}
}}
GROUP BY ?rev ?id ?time ?agent ?role ?action ?transition ?revertOf ?res ?before ?after
"""


def _revision_from(row: dict[str, Node]) -> Revision:
    revert_of = row.get("revertOf")
    return Revision(
        id=str(row["id"]),
        iri=str(row["rev"]),
        time=str(row["time"]),
        agent=agent_name(row.get("agent")),
        role=_ROLE_NAMES.get(row.get("role")),  # type: ignore[arg-type]
        action=_ACTION_NAMES.get(row["action"], str(row["action"])),  # type: ignore[arg-type]
        transition=str(row["transition"]) if row.get("transition") is not None else None,
        revert_of=str(revert_of)[len(REVISION_BASE):] if revert_of is not None else None,
        resources=[str(row["res"])],
        state_before=str(row["before"]) if row.get("before") is not None else None,
        state_after=str(row["after"]) if row.get("after") is not None else None,
        added=int(row.get("added", 0)),
        removed=int(row.get("removed", 0)),
    )


def revisions(store: GraphStore | Store, iri: URIRef | str | None = None) -> list[Revision]:
    """The committed revisions of one resource (or of all), newest first. A revision
    that changed several resources (an import) is listed once, with all of them when
    ``iri`` is not given and with the counts for ``iri`` when it is."""
    bindings = {"res": URIRef(str(iri))} if iri is not None else None
    rows = store.query(_LIST, bindings=bindings).bindings()
    merged: dict[str, Revision] = {}
    for row in rows:
        found = _revision_from(row)
        if found.id in merged:
            known = merged[found.id]
            known.resources.append(found.resources[0])
            known.added += found.added
            known.removed += found.removed
        else:
            merged[found.id] = found
    return sorted(merged.values(), key=lambda r: r.id, reverse=True)


def revision(store: GraphStore | Store, rev_id: str, iri: URIRef | str | None = None) -> Revision:
    """One committed revision (of ``iri`` when given)."""
    for found in revisions(store, iri):
        if found.id == rev_id:
            return found
    if iri is not None:
        raise UnknownRevisionError(
            f"revisie {rev_id} van <{iri}> bestaat niet", f"revision {rev_id} of <{iri}> does not exist"
        )
    raise UnknownRevisionError(f"revisie {rev_id} bestaat niet", f"revision {rev_id} does not exist")


_STATEMENTS = _PREFIX + f"""
SELECT ?id ?kind ?s ?p ?o ?g
WHERE {{
  GRAPH <{HISTORY_GRAPH}> {{
    ?rev cms:change ?c ; cms:revisionId ?id .
    ?c cms:resource ?res ; ?kind ?st .
    VALUES ?kind {{ cms:added cms:removed }}
    ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
    OPTIONAL {{ ?st cms:graph ?g }}
  }}
}}
"""


def changes_of(
    store: GraphStore | Store, iri: URIRef | str, *, include_pending: bool = False
) -> dict[str, tuple[list[Quad], list[Quad]]]:
    """Per revision id, the quads it added to and removed from ``iri`` (blank nodes
    restored from their skolem IRIs)."""
    pending = set(pending_revisions(store)) if not include_pending else set()
    out: dict[str, tuple[list[Quad], list[Quad]]] = {}
    for row in store.query(_STATEMENTS, bindings={"res": URIRef(str(iri))}).bindings():
        rev_id = str(row["id"])
        if rev_id in pending:
            continue
        added, removed = out.setdefault(rev_id, ([], []))
        quad = (deskolemize(row["s"]), row["p"], deskolemize(row["o"]), row.get("g"))
        (added if row["kind"] == CMS.added else removed).append(quad)
    return out


def state_at(
    store: GraphStore | Store, iri: URIRef | str, rev_id: str, current: Iterable[Quad]
) -> list[Quad]:
    """The quads of a resource right after revision ``rev_id``: its current quads with
    every later revision undone, newest first (what was added is taken away, what was
    removed is put back, in the graph it was in)."""
    per_revision = changes_of(store, iri)
    if rev_id not in per_revision:
        raise UnknownRevisionError(
            f"revisie {rev_id} van <{iri}> bestaat niet", f"revision {rev_id} of <{iri}> does not exist"
        )
    state = {_norm(q): None for q in current}
    for later in sorted((r for r in per_revision if r > rev_id), reverse=True):
        added, removed = per_revision[later]
        for quad in added:
            state.pop(_norm(quad), None)
        for quad in removed:
            state[_norm(quad)] = None
    return list(state)


def _norm(quad: Quad) -> Quad:
    s, p, o, g = quad
    return (s, p, o, None if g is None else URIRef(str(g)))


def pending_revisions(store: GraphStore | Store) -> list[str]:
    """Revisions whose write never finished (the process died between writing the data
    and clearing the flag)."""
    query = _PREFIX + f"SELECT ?id WHERE {{ GRAPH <{HISTORY_GRAPH}> {{ ?rev cms:pending true ; cms:revisionId ?id }} }}"
    return sorted(str(row[0]) for row in store.query(query).rows)


def revision_quads(store: GraphStore | Store, rev_id: str) -> list[Quad]:
    """Every quad of the history graph that belongs to one revision's record."""
    rev = revision_iri(rev_id)
    prefix = str(rev) + "#"
    out: list[Quad] = []
    frontier: list[Node] = [rev]
    seen: set[Node] = set()
    while frontier:
        node = frontier.pop()
        if node in seen:
            continue
        seen.add(node)
        for s, p, o, g in store.quads(node, graph=HISTORY_GRAPH):
            out.append((s, p, o, g))
            if isinstance(o, URIRef) and str(o).startswith(prefix):
                frontier.append(o)
    return out


def pending_change(store: GraphStore | Store, rev_id: str) -> tuple[list[Quad], list[Quad]]:
    """What a pending revision added and removed, over all the resources it touched."""
    query = _PREFIX + f"""
SELECT ?kind ?s ?p ?o ?g WHERE {{
  GRAPH <{HISTORY_GRAPH}> {{
    ?rev cms:revisionId ?id ; cms:change ?c .
    ?c ?kind ?st . VALUES ?kind {{ cms:added cms:removed }}
    ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
    OPTIONAL {{ ?st cms:graph ?g }}
  }}
}}"""
    added: list[Quad] = []
    removed: list[Quad] = []
    for row in store.query(query, bindings={"id": Literal(rev_id)}).bindings():
        quad = (deskolemize(row["s"]), row["p"], deskolemize(row["o"]), row.get("g"))
        (added if row["kind"] == CMS.added else removed).append(quad)
    return added, removed


def unfinished_revisions(store: GraphStore | Store) -> Iterator[PendingRevision]:
    """The revisions a killed process left pending, each read back from the store with
    its record and change (one at a time, so each can be undone before the next is read)."""
    for rev_id in pending_revisions(store):
        added, removed = pending_change(store, rev_id)
        yield PendingRevision(rev_id, revision_quads(store, rev_id), added, removed)


class _Reverts(Protocol):
    """What :func:`revert` needs of the CMS: its revert operation."""

    def revert(self, iri: URIRef | str, rev_id: str, *, agent: str, role: str | None,
               if_match: str | Iterable[str] | None = None) -> Any: ...


def revert(
    content: _Reverts,
    iri: URIRef | str,
    rev_id: str,
    *,
    agent: str,
    role: str | None,
    if_match: str | Iterable[str] | None = None,
) -> Any:
    """Restore a resource to how it was right after ``rev_id``: a new revision, checked
    and recorded like any other write (see :meth:`mag_graph.cms.content.Content.revert`)."""
    return content.revert(iri, rev_id, agent=agent, role=role, if_match=if_match)
