"""The role matrix as the page shows it: responsibilities by actor (rows) and phase
(columns), for one municipality or for all, optionally filtered by phase, actor and
RACI kind, with who holds each role (penvoerder: Projectleider StuwKR8).

The rows come from question q01 (the same answer the CLI and the API give), whose
parameters are bound as typed RDF terms; added here is what a page needs beyond one row
per responsibility and actor: every ``dcterms:source`` (q01 samples one), whether the
responsibility is illustrative, and the holders of roles (``mag:RoleAssignment`` with
``org:role`` and ``mag:holder``). The filters are IRIs the caller has already matched
against the known lists (:attr:`RoleMatrix.actor_choices`, the concept schemes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from rdflib import URIRef

from mag_graph.namespaces import DCTERMS, MAG, ORG, RDF
from mag_graph.questions.describe import Value, _as_node, _int, _Labels
from mag_graph.store import GraphStore

__all__ = ["MatrixActor", "MatrixEntry", "MatrixPhase", "RoleMatrix", "role_matrix"]


@dataclass(frozen=True)
class MatrixEntry:
    """One responsibility in a cell: its text, RACI kind and where it comes from."""

    iri: str
    label: str
    raci: str | None
    raci_label: str | None
    raci_letter: str
    order: int | None
    sources: tuple[Value, ...]
    illustrative: bool
    municipality: str = ""


@dataclass(frozen=True)
class MatrixPhase:
    iri: str
    label: str
    order: int | None


@dataclass(frozen=True)
class MatrixActor:
    """A row of the matrix; for a role (``org:Role``), ``holders`` are who fill it."""

    iri: str
    label: str
    known: bool
    count: int
    holders: tuple[Value, ...] = ()


@dataclass
class RoleMatrix:
    """Wie is verantwoordelijk voor wat: responsibilities by actor (rows) and phase
    (columns). A responsibility assigned to two actors appears in both rows.
    ``municipality`` is empty for all municipalities together; ``actor_choices`` are
    the actors of the unfiltered matrix (the choices of the actor filter)."""

    municipality: str
    municipality_label: str
    phases: list[MatrixPhase]
    actors: list[MatrixActor]
    cells: dict[tuple[str, str], list[MatrixEntry]] = field(default_factory=dict)
    actor_choices: list[tuple[str, str]] = field(default_factory=list)

    def cell(self, actor: str, phase: str) -> list[MatrixEntry]:
        return self.cells.get((actor, phase), [])

    @property
    def responsibilities(self) -> set[str]:
        return {e.iri for entries in self.cells.values() for e in entries}


_RACI_LETTERS = {"Responsible": "R", "Accountable": "A", "Consulted": "C", "Informed": "I"}
_ALL = {"nl": "alle gemeenten", "en": "all municipalities"}


def role_matrix(
    store: GraphStore,
    municipality: str | URIRef | None,
    lang: str = "nl",
    *,
    phases: Collection[URIRef] | None = None,
    actors: Collection[URIRef] | None = None,
    raci: Collection[URIRef] | None = None,
) -> RoleMatrix:
    """The role matrix of one municipality (``None``: all of them), laid out for a page;
    only the cells of those phases, actors and RACI kinds when given."""
    from mag_graph import questions  # the catalogue imports nothing from here

    node = _as_node(municipality) if municipality is not None else None
    labels = _Labels(store, lang)
    params = {"municipality": str(node)} if node is not None else {}
    answer = questions.ask(store, "q01", params, lang=lang)
    found_phases: dict[str, MatrixPhase] = {}
    found_actors: dict[str, tuple[str, int]] = {}
    choices: dict[str, str] = {}
    cells: dict[tuple[str, str], list[MatrixEntry]] = defaultdict(list)
    entries: dict[str, MatrixEntry] = {}
    for row in answer.rows:
        if node is not None and row["municipality"].value != node:
            continue
        phase_cell, actor_cell, resp_cell = row["phase"], row["actor"], row["responsibility"]
        phase, actor, resp = str(phase_cell.value), str(actor_cell.value), resp_cell.value
        actor_label = actor_cell.label or labels.name(actor_cell.value)
        choices.setdefault(actor, actor_label)
        if phase not in found_phases:
            found_phases[phase] = MatrixPhase(phase, phase_cell.label or labels.name(phase_cell.value),
                                              _int(row["phaseOrder"].value))
        raci_value = row["raci"].value
        if (phases and phase_cell.value not in phases) or (actors and actor_cell.value not in actors) \
                or (raci and raci_value not in raci):
            continue
        label, count = found_actors.get(actor, (actor_label, 0))
        found_actors[actor] = (label, count + 1)
        if str(resp) not in entries:
            entries[str(resp)] = _entry(store, labels, row, resp)
        cells[(actor, phase)].append(entries[str(resp)])
    for items in cells.values():
        items.sort(key=lambda e: (e.order if e.order is not None else 10**6, e.label))
    phase_list = sorted(found_phases.values(), key=lambda p: (p.order if p.order is not None else 10**6, p.label))
    if phases:
        phase_list = [p for p in phase_list if URIRef(p.iri) in phases]
    actor_list = [
        MatrixActor(iri, label, labels.known(URIRef(iri)), count, _holders(store, labels, URIRef(iri), node))
        for iri, (label, count) in found_actors.items()
    ]
    # The actors with the most responsibilities first: they are the ones people look for.
    actor_list.sort(key=lambda a: (-a.count, a.label.lower()))
    return RoleMatrix(
        municipality=str(node) if node is not None else "",
        municipality_label=labels.name(node) if node is not None else _ALL.get(lang, _ALL["nl"]),
        phases=phase_list,
        actors=actor_list,
        cells=dict(cells),
        actor_choices=sorted(choices.items(), key=lambda c: c[1].casefold()),
    )


def _entry(store: GraphStore, labels: _Labels, row: dict, resp: URIRef) -> MatrixEntry:
    raci_cell = row["raci"]
    raci = raci_cell.value
    sources = sorted(
        (labels.value(src) for _, _, src, _ in store.quads(resp, DCTERMS.source, None)),
        key=lambda v: v.text,
    )
    illustrative = any(labels.graph(graph)[2] for _, _, _, graph in store.quads(resp, RDF.type, MAG.Responsibility))
    return MatrixEntry(
        iri=str(resp),
        label=row["responsibility"].label or labels.name(resp),
        raci=str(raci) if raci is not None else None,
        raci_label=raci_cell.label or (labels.name(raci) if raci is not None else None),
        raci_letter=_RACI_LETTERS.get(str(raci).rsplit("/", 1)[-1], "?") if raci is not None else "?",
        order=_int(row["order"].value),
        sources=tuple(sources),
        illustrative=illustrative,
        municipality=str(row["municipality"].value),
    )


def _holders(store: GraphStore, labels: _Labels, actor: URIRef, municipality: URIRef | None) -> tuple[Value, ...]:
    """Who fills a role in the municipality (any, for all): the holders of the role
    assignments with ``org:role`` this actor, each once, by name."""
    found: dict[str, Value] = {}
    for assignment, _, _, _ in store.quads(None, ORG.role, actor):
        if municipality is not None and next(iter(store.quads(assignment, MAG.municipality, municipality)), None) is None:
            continue
        for _, _, holder, _ in store.quads(assignment, MAG.holder, None):
            if isinstance(holder, URIRef) and str(holder) not in found:
                found[str(holder)] = labels.value(holder)
    return tuple(sorted(found.values(), key=lambda v: v.text.casefold()))
