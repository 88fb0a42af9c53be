"""The one write pipeline: every change the CMS makes to the store goes through
:meth:`WritePipeline.write`, which reads top to bottom:

1. **parse** the request body into statements (:func:`mag_graph.cms.jsonld.parse_rdf`);
2. **settle identifiers**: what the write makes of each resource it touches (a
   :class:`Draft`), after the operation's own checks under the write lock: the IRI
   (given, or minted by :func:`mint`), and blank nodes either matched to the stored ones
   or given hash IRIs under the resource (:func:`settle_identifiers`);
3. **diff** each draft against the store (:func:`diff`): the quads to add and to remove,
   new statements placed in the graph of the resource's workflow state
   (:func:`mag_graph.cms.workflow.home_graph`, :func:`mag_graph.cms.workflow.moved_to`);
4. **record the revision** (:func:`mag_graph.cms.history.begin_revision`): its PROV-O
   record, marked ``cms:pending``, is written with the change, which is applied to the
   store itself (no copy, so it costs the same at 1M triples as at 10k);
5. **validate the change**: what it can affect (:func:`mag_graph.validation.impact.affected_by`,
   in the store before and after, in one walk) is validated, which equals full validation there. New
   violations undo the change and its record exactly (removed blank nodes come back with
   their labels) and refuse it with :class:`~mag_graph.cms.errors.ValidationFailedError`;
   past :attr:`WritePipeline.validation_limit` the change is undone the same way and
   refused with :class:`~mag_graph.cms.errors.WriteTimeoutError` (503);
6. **commit**: the pending flag is removed, in one transaction;
7. **notify** the listeners (the search index, the SPARQL service's caches and query
   snapshots), only after a successful commit and still under the write lock.

The revision is recorded before the change is validated, not after: the pending record is
the write-ahead log. A process killed between 4 and 6 leaves a pending revision, which
:meth:`WritePipeline.recover` undoes on the next start; so a change is in the store for
good exactly when its revision is committed. A process killed after 6 and before 7 leaves
a committed write the listeners never heard of: the search index notices on the next start
(its last revision is behind), and the server takes its first query snapshot only after
recovery. ``MAG_GRAPH_CRASH_AT`` (:mod:`mag_graph.store.crashpoints`, test-only) kills the
process at each of these steps.

Violations that were already there before the write (on the nodes it touches) do not
block it; they come back as warnings, so a store with old problems can still be edited,
and a write can never make things worse.

History (:mod:`mag_graph.cms.history`), the workflow (:mod:`mag_graph.cms.workflow`) and
search (:mod:`mag_graph.cms.search`) plug into this module; none of them imports it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from rdflib.term import Node

from mag_graph import validation
from mag_graph.cms import history, workflow
from mag_graph.cms.concurrency import _merkle, _ReadWriteLock, _Writing
from mag_graph.cms.errors import (
    InvalidDocumentError,
    InvalidValueError,
    ValidationFailedError,
    WriteTimeoutError,
)
from mag_graph.cms.history import ChangeSet, PendingRevision
from mag_graph.cms.resource import Resource, resource_quads
from mag_graph.cms.types import (
    API_BASE,
    OWNED_PREDICATES,
    ContentType,
    Quad,
    Triple,
    _curie,
    _lang,
    _local,
    _owned,
    _pick,
    _reachable,
    key_for,
    type_for_classes,
)
from mag_graph.namespaces import MAG, MAGID, MUNICIPALITIES
from mag_graph.store import GraphStore, Store
from mag_graph.store.crashpoints import crash_point
from mag_graph.validation import Deadline, ValidationTimeoutError, warm_up

__all__ = [
    "Draft",
    "ImportResult",
    "Listener",
    "Outcome",
    "Write",
    "WritePipeline",
    "WriteResult",
    "diff",
    "mint",
    "settle_identifiers",
    "single_root",
    "with_type",
]

log = logging.getLogger(__name__)

R = TypeVar("R")

# Called after every committed write with the resources it touched and its revision id.
Listener = Callable[[list[URIRef], str], None]


# --------------------------------------------------------------------------- what a write is


@dataclass
class Draft:
    """What a write makes of one resource: its statements as stored now, and either its
    new description (``triples``, identifiers settled; new statements go to ``home``) or,
    for a workflow step, ``None``: the same statements in the graph of ``state_after``."""

    iri: URIRef
    current: Sequence[Quad]
    state_before: str | None
    state_after: str | None
    triples: list[Triple] | None = None
    home: URIRef | None = None


@dataclass
class Outcome:
    """What the pipeline did: the revision (``None`` when nothing changed), the warnings,
    and the drafts with their change sets (one per draft, in the same order)."""

    revision: str | None
    warnings: list[dict[str, Any]]
    drafts: list[Draft]
    changes: list[ChangeSet]


@dataclass
class Write(Generic[R]):
    """One write as the pipeline runs it. The operation (create, replace, delete, import,
    transition, revert) supplies how its input is parsed, what it makes of each resource
    (``settle``, called under the write lock) and what it answers (``finish``, also under
    the lock, so it reads the store as the write left it); the rest is the same for all."""

    action: str
    agent: str
    role: str | None
    settle: Callable[[list[Triple]], list[Draft]]
    finish: Callable[[Outcome], R]
    parse: Callable[[], list[Triple]] = list
    lang: str = "nl"
    transition: str | None = None
    revert_of: str | None = None
    validate: bool = True
    dry_run: bool = False


# --------------------------------------------------------------------------- the pipeline


class WritePipeline:
    """The write path of one store; :class:`~mag_graph.cms.content.Content` owns one and
    shares its read-write lock with it."""

    def __init__(self, store: GraphStore | Store, lock: _ReadWriteLock, *, date: dt.date | None = None) -> None:
        self.store = store
        self.lock = lock
        self.date = date
        self.listeners: list[Listener] = []
        # Seconds a write's own validation may take (step 5), or a function giving them
        # (the web application's MAG_GRAPH_VALIDATION_TIMEOUT); None or 0: no limit.
        self.validation_limit: float | Callable[[], float | None] | None = None

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(resources, revision)`` after every committed write."""
        self.listeners = [*self.listeners, listener]

    def write(self, write: Write[R]) -> R:
        """Run one write, top to bottom (see the module's docstring)."""
        triples = write.parse()                                                  # 1. parse
        with _Writing(self.lock), _one_copy(self.store):
            drafts = write.settle(triples)                                       # 2. settle identifiers
            _require_labels(drafts)
            changes = diff(drafts)                                               # 3. diff
            touched = [c for c in changes if c.added or c.removed]
            if not touched:
                unchanged = write.finish(Outcome(None, [], drafts, changes))
                if write.dry_run and isinstance(unchanged, WriteResult):
                    unchanged.dry_run = True
                return unchanged
            deadline = None
            if write.validate:
                warm_up.wait()  # a warm-up running since the start computes what validation needs
                deadline = self._deadline()
            revision = history.begin_revision(                                   # 4. record the revision
                touched, agent=write.agent, role=write.role, action=write.action,
                transition=write.transition, revert_of=write.revert_of,
            )
            if write.dry_run:
                return self._dry_run(write, revision, touched, drafts, changes, deadline)
            new_graphs = self._new_graphs(revision)
            history.note_new_graphs(revision, new_graphs)  # for recovery: a crash leaves no empty graph
            self._apply(revision.record, revision.added, revision.removed)       #    written pending, with the change
            crash_point("recorded")
            try:
                warnings = (self._validate(revision, touched, new_graphs, write.lang, deadline)
                            if write.validate else [])                           # 5. validate the change
                crash_point("validated")
                self._commit(revision)                                           # 6. commit
            except ValidationFailedError:
                raise  # already undone
            except BaseException:
                self._undo(revision.record, revision.added, revision.removed, new_graphs)
                raise
            crash_point("committed")
            self._notify(touched, revision.id)                                   # 7. notify listeners
            return write.finish(Outcome(revision.id, warnings, drafts, changes))

    def _dry_run(self, write: Write[R], revision: PendingRevision, touched: Sequence[ChangeSet],
                 drafts: list[Draft], changes: list[ChangeSet], deadline: Deadline | None = None) -> R:
        """Check, don't save: steps 4-5 on the store with the change applied, then the
        change and its pending record are undone whatever the outcome. Nothing is
        committed, no listener is told, and no reader sees the change: it exists only
        under the write lock, which readers of the CMS and in-process SPARQL queries
        share, and the query processes read the snapshot of the last commit. A process
        killed meanwhile leaves a pending revision, undone by :meth:`recover` like any
        other. The answer is what ``finish`` makes of an outcome without a revision,
        marked ``dry_run`` when it is a :class:`WriteResult`."""
        new_graphs = self._new_graphs(revision)
        history.note_new_graphs(revision, new_graphs)
        self._apply(revision.record, revision.added, revision.removed)
        try:
            warnings = self._validate(revision, touched, new_graphs, write.lang, deadline)
        finally:
            self._undo(revision.record, revision.added, revision.removed, new_graphs)  # idempotent
        result = write.finish(Outcome(None, warnings, drafts, changes))
        if isinstance(result, WriteResult):
            result.dry_run = True
            result.changed = {"added": len(revision.added), "removed": len(revision.removed)}
        return result

    # -- the steps

    def _deadline(self) -> Deadline | None:
        """When the write's validation must be done (:attr:`validation_limit` from now)."""
        limit = self.validation_limit() if callable(self.validation_limit) else self.validation_limit
        return Deadline.after(float(limit)) if limit else None

    def _affected(self, revision: PendingRevision, deadline: Deadline | None = None) -> set[Any]:
        """What the change can affect, before or after it, worked out from the changed
        statements and what the shapes read: one walk, on the store with the change
        applied, reading the statements it removed as still there (the union of both
        states; :func:`mag_graph.validation.impact.affected_by`)."""
        removed = [(q[0], q[1], q[2]) for q in revision.removed]
        affected = validation.affected_by(self.store, _statements(revision), date=self.date, also=removed)
        _check(deadline)
        return affected

    def _new_graphs(self, revision: PendingRevision) -> set[Any]:
        """Graphs this write creates: dropped again when it is undone, so a refused write
        leaves not even an empty graph behind."""
        return {q[3] for q in revision.added + revision.record if q[3] is not None and not self.store.has_graph(q[3])}

    def _apply(self, record: list[Quad], added: list[Quad], removed: list[Quad]) -> None:
        """Write the pending record and the change (tentatively: until the flag is removed)."""
        if any(isinstance(t, BNode) for q in removed for t in (q[0], q[2])) or not getattr(self.store, "atomic_writes", True):
            # Removing stored blank nodes is not one SPARQL update, and a store that does
            # not apply a request atomically (Virtuoso) may keep half of one: record first
            # (one atomic step), so a crash or failure in the data step is found and undone.
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

    def _validate(self, revision: PendingRevision, changes: Sequence[ChangeSet],
                  new_graphs: set[Any], lang: str, deadline: Deadline | None = None) -> list[dict[str, Any]]:
        """Validate what the applied change can affect (before and after it, and the changed
        resources themselves, so their violations that were there before come back as
        warnings). New violations: the change is undone and refused. Violations that were
        there before the write: it is applied again, and they are warnings."""
        resources = {c.resource for c in changes if isinstance(c.resource, URIRef)}
        affected = self._affected(revision, deadline)
        report = _limited(lambda: validation.validate(self.store, date=self.date, lang=_lang(lang),
                                                      focus_nodes=affected | resources, deadline=deadline))
        warnings: list[dict[str, Any]] = []
        if report.violations:
            post = report.violations
            translations = _messages_in(report, _other(lang), self.store)
            self._undo(revision.record, revision.added, revision.removed, new_graphs)
            earlier = _limited(lambda: validation.validate(self.store, date=self.date, lang=_lang(lang),
                                                           focus_nodes={URIRef(r.focusNode) for r in post},
                                                           deadline=deadline))
            known = {_finding_key(r) for r in earlier.violations}
            new = [r for r in post if _finding_key(r) not in known]
            if new:
                raise ValidationFailedError([
                    self._finding(r, changes, lang, translations.get(_finding_key(r))) for r in new
                ])
            self._apply(revision.record, revision.added, revision.removed)
            warnings += [dict(self._finding(r, changes, lang, translations.get(_finding_key(r))), preExisting=True)
                         for r in post]
        warnings += [self._finding(r, changes, lang, None) for r in report.warnings]
        return warnings

    def _commit(self, revision: PendingRevision) -> None:
        """Remove the pending flag: from here on the change is in the store for good."""
        with self.store.transaction() as tx:
            for q in revision.commit_quads():
                tx.remove(q)
            crash_point("committing")

    def notify(self, resources: Sequence[URIRef], revision: str) -> None:
        """Tell the listeners of a change made under the write lock outside a revision
        (a working copy saved or removed: :mod:`mag_graph.cms.working_copy`)."""
        self._notify([ChangeSet(r) for r in resources], revision)

    def _notify(self, changes: Sequence[ChangeSet], revision: str) -> None:
        """Tell every listener what the committed write touched; a failing listener is
        logged and does not stop the others (the write stands)."""
        resources = [c.resource for c in changes]
        for number, listener in enumerate(list(self.listeners)):
            if number == 1:
                crash_point("notifying")
            try:
                listener(resources, revision)
            except Exception:
                log.exception("luisteraar faalde / listener failed")

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

    def recover(self) -> list[str]:
        """Undo the writes a killed process left half-done (pending revisions), and drop
        the graphs such a write created (noted in its record) once they are empty again:
        not an empty graph is left of it (one that holds anything else is kept)."""
        undone = []
        with _Writing(self.lock):
            for pending in history.unfinished_revisions(self.store):
                self._undo(pending.record, pending.added, pending.removed)
                empty = [g for g in history.new_graphs_of(pending.record)
                         if self.store.has_graph(g) and self.store.count(g) == 0]
                if empty:
                    with self.store.transaction() as tx:
                        for graph in empty:
                            tx.remove_graph(graph)
                undone.append(pending.id)
        return undone

    def _finding(self, result: Any, changes: Sequence[ChangeSet], lang: str, other_message: str | None) -> dict[str, Any]:
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
            known = [(s, p, o) for s, p, o, _ in [*resource_quads(self.store, change.resource), *change.added]]
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


_LABELS = (RDFS.label, DCTERMS.title, SKOS.prefLabel)


def _one_copy(store: Any) -> Any:
    """On a remote store, the write's reads and validation use the store's kept
    in-memory copy, checked against the store's generation once per write and kept in
    step with the write's own changes (:meth:`RemoteStore.mirrored`)."""
    mirrored = getattr(store, "mirrored", None)
    return mirrored() if mirrored is not None else contextlib.nullcontext()


def _require_labels(drafts: Sequence[Draft]) -> None:
    """Every content resource keeps a name: listings, search, titles and the role matrix
    show resources by their label, and one without is found by nobody. So a write may
    not make a resource (or leave one that had a label) without any ``label``, ``title``
    or ``prefLabel``: 422 naming ``label``. No rule of the shapes asks for labels (the
    sources do not); this is the CMS's own rule (docs/cms.md)."""
    for draft in drafts:
        if not draft.triples:  # a deletion, or a workflow step (the statements stay)
            continue
        if any(s == draft.iri and p in _LABELS and isinstance(o, Literal) for s, p, o in draft.triples):
            continue
        if draft.current and not any(q[0] == draft.iri and q[1] in _LABELS for q in draft.current):
            continue  # stored without a name already: not this write's doing
        raise InvalidValueError(
            f"<{draft.iri}> houdt geen label over; elke resource heeft een naam (label of title)",
            f"<{draft.iri}> would be left without a label; every resource has a name (label or title)",
            fields=[{"name": "label", "nl": "verplicht: minstens één label", "en": "required: at least one label"}],
        )


def _check(deadline: Deadline | None) -> None:
    if deadline is not None:
        _limited(deadline.check)


def _limited(run: Callable[[], R]) -> R:
    """``run()``; a validation past the write's time limit refuses the write (the caller
    undoes it: :meth:`WritePipeline.write`)."""
    try:
        return run()
    except ValidationTimeoutError as error:
        if isinstance(error, WriteTimeoutError):
            raise
        raise WriteTimeoutError(error.limit) from error


def _statements(revision: PendingRevision) -> list[Triple]:
    """The changed statements, without their graphs."""
    return [(q[0], q[1], q[2]) for q in revision.added + revision.removed]


def _other(lang: str) -> str:
    return "nl" if _lang(lang) == "en" else "en"


def _messages_in(report: Any, lang: str, store: Any) -> dict[tuple[Any, ...], str]:
    """The report's messages in another language, read again from its report graph
    (no second validation run)."""
    return {_finding_key(r): r.message for r in report.results_in(lang, store)}


def _finding_key(result: Any) -> tuple[Any, ...]:
    return (result.sourceShape, result.focusNode, result.path, result.value)


# --------------------------------------------------------------------------- settling identifiers

# Short codes of the example municipalities for minted IRIs (docs/model.md).
_MUNICIPALITY_CODES = {
    MUNICIPALITIES["hardinxveld-giessendam"]: "hg",
    MUNICIPALITIES["maassluis"]: "ms",
    MUNICIPALITIES["molenlanden"]: "ml",
}


def single_root(triples: Sequence[Triple]) -> Node:
    """The one resource a document describes (its IRI, or the blank node to mint one for)."""
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


def with_type(triples: list[Triple], iri: URIRef, kind: ContentType, current: Resource | None) -> list[Triple]:
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


def mint(store: GraphStore | Store, kind: ContentType, root: Node, triples: Sequence[Triple],
         taken: set[URIRef] | None = None) -> URIRef:
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
    while resource_quads(store, candidate) or (taken and candidate in taken):
        n += 1
        candidate = URIRef(f"{MAGID}{kind.segment}/{base}-{n}")
    return candidate


def settle_identifiers(root: URIRef, triples: list[Triple], current: Sequence[Quad], *,
                       nested_reuse: bool = True) -> list[Triple]:
    """The new description ready to store: only what the root owns (anything else
    is refused), blank nodes equal to stored ones kept, other blank nodes given hash
    IRIs under the root (the CMS never writes blank nodes; see docs/cms.md).

    ``nested_reuse=False`` (a remote store, which cannot name a stored blank node): a
    stored blank node is kept only when its parent is kept too (or is the root), so a
    write never links a new node to a stored blank node, nor removes some of a blank
    node's statements but not all."""
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
        parent_kept = parent == root or isinstance(mapping.get(parent), BNode)  # type: ignore[arg-type]
        candidates = [b for b in old_hashes.get(digest, []) if b not in used] if nested_reuse or parent_kept else []
        if candidates:
            mapping[node] = candidates[0]
            used.add(candidates[0])
        else:
            parent_name = mapping.get(parent, parent)
            seed = f"{parent_name}|{predicate}|{digest}"
            mapping[node] = URIRef(f"{root}#{_local(predicate)}-{hashlib.sha256(seed.encode()).hexdigest()[:10]}")  # type: ignore[arg-type]
    return _rename(triples, mapping) if mapping else triples


def diff(drafts: Sequence[Draft]) -> list[ChangeSet]:
    """Each draft against the store: what to add and remove (one change set per draft)."""
    return [_diff(draft) for draft in drafts]


def _diff(draft: Draft) -> ChangeSet:
    if draft.triples is None:  # a workflow step: the same statements, in the graph of the new state
        assert draft.state_after is not None
        added, removed = workflow.moved_to(draft.state_after, draft.current)
    else:
        new_set = set(draft.triples)
        current_triples = {(s, p, o) for s, p, o, _ in draft.current}
        removed = [q for q in draft.current if (q[0], q[1], q[2]) not in new_set]
        added = [(s, p, o, draft.home) for s, p, o in dict.fromkeys(draft.triples) if (s, p, o) not in current_triples]
    return ChangeSet(draft.iri, added, removed, draft.state_before, draft.state_after)


def _roots(triples: Sequence[Triple]) -> list[Node]:
    """Subjects that are nobody's owned node: the resources a document describes."""
    subjects = {s for s, _, _ in triples}
    owned: set[Node] = set()
    for s, p, o in triples:
        if o in subjects and o != s and (isinstance(o, BNode) or p in OWNED_PREDICATES or (isinstance(s, URIRef) and str(o).startswith(str(s) + "#"))):
            owned.add(o)
    return sorted(subjects - owned, key=lambda n: (isinstance(n, BNode), str(n)))


def _rename(triples: Iterable[Triple], mapping: Mapping[Node, Node]) -> list[Triple]:
    return [(mapping.get(s, s), p, mapping.get(o, o)) for s, p, o in triples]


def _description(root: URIRef, triples: Sequence[Triple]) -> list[Triple]:
    reached = _reachable(root, triples)
    return [t for t in triples if t[0] in reached]


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60].rstrip("-")


# --------------------------------------------------------------------------- what a write answers


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
    dry_run: bool = False
    changed: dict[str, int] | None = None  # a dry run: how many statements it would add and remove
    working_copy: dict[str, Any] | None = None  # an editor's change of adopted content, kept apart

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.iri,
            "etag": self.etag,
            "state": self.state,
            "revision": self.revision,
            "created": self.created,
            "deleted": self.deleted,
            "warnings": self.warnings,
        }
        if self.dry_run:
            out["dryRun"] = True
            out["valid"] = True
            out["changed"] = self.changed or {"added": 0, "removed": 0}
        if self.working_copy is not None:
            out["workingCopy"] = self.working_copy
        return out


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
