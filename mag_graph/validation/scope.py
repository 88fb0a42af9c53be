"""Validating one municipality's role model: which graphs make it up, and a copy of the
store holding just those.

A municipality's role model is split over named graphs: what the sources state (e.g.
``magg:maassluis``) and what the example adds to it (``magg:maassluis-illustratief``),
and it leans on shared graphs: the ontology with its concept schemes, the sources and
the catalogue. Validating one of those graphs alone reports false violations (a
verbonden partij whose dashboard is in the illustrative graph "has no dashboard"), so a
municipality is validated as a whole: every data graph the catalogue assigns to it
(``mag:municipality``; the sources graph names all three), plus the shared graphs.

The catalogue is read from the store (``magg:catalogus``, and the entries importers write
into their own graphs), so the municipalities known are those the data is about; a name
given by a caller is matched against that list, never used to build a graph name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from mag_graph.namespaces import MAG, RDF, RDFS, SKOS, Graphs
from mag_graph.validation.data import _coerce
from mag_graph.validation.errors import ValidationInputError

# Graphs every municipality's role model needs besides its own.
SHARED_GRAPHS = (Graphs.ONTOLOGY, Graphs.SOURCES, Graphs.CATALOGUE)
_ILLUSTRATIVE_SUFFIX = "-illustratief"


@dataclass(frozen=True)
class Municipality:
    """A municipality the data is about, with the names it can be asked for by and the
    data graphs that make up its role model."""

    iri: str
    slug: str  # "hardinxveld-giessendam": the local name of its own data graph
    code: str | None  # "gm0523"
    label: str  # "gemeente Hardinxveld-Giessendam"
    graphs: tuple[str, ...]  # its data graphs (sourced and illustrative), sorted

    def names(self) -> set[str]:
        """Every normalised name that picks this municipality."""
        label = _normalise(self.label)
        found = {_normalise(self.iri), self.slug, label, label.removeprefix("gemeente-")}
        if self.code:
            found |= {self.code.lower(), self.code.lower().removeprefix("gm")}
        return found


def _normalise(name: str) -> str:
    return re.sub(r"\s+", "-", name.strip().lower())


def _oxigraph(data: Any) -> ox.Store:
    return _coerce(data)


def municipalities(data: Any) -> list[Municipality]:
    """The municipalities the catalogue's data graphs are about, sorted by slug."""
    store = _oxigraph(data)
    data_graph = ox.NamedNode(str(MAG.DataGraph))
    graphs_of: dict[str, set[str]] = {}
    for quad in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), data_graph, None):
        graph = quad.subject
        if not isinstance(graph, ox.NamedNode):
            continue
        for entry in store.quads_for_pattern(graph, ox.NamedNode(str(MAG.municipality)), None, None):
            if isinstance(entry.object, ox.NamedNode):
                graphs_of.setdefault(entry.object.value, set()).add(graph.value)
    found = []
    for iri, graphs in graphs_of.items():
        own = sorted(g for g in graphs if g != str(Graphs.SOURCES))
        if not own:
            continue
        slugs = sorted({g.rstrip("/").rsplit("/", 1)[-1].removesuffix(_ILLUSTRATIVE_SUFFIX) for g in own}, key=len)
        local = iri.rstrip("/").rsplit("/", 1)[-1]
        found.append(Municipality(
            iri=iri,
            slug=slugs[0],
            code=local.lower() if re.fullmatch(r"gm\d{4}", local.lower()) else None,
            label=_label(store, iri) or slugs[0],
            graphs=tuple(sorted(graphs)),
        ))
    return sorted(found, key=lambda m: m.slug)


def _label(store: ox.Store, iri: str) -> str | None:
    labels: dict[str, str] = {}
    for predicate in (RDFS.label, SKOS.prefLabel):
        for quad in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(str(predicate)), None, None):
            if isinstance(quad.object, ox.Literal):
                labels.setdefault(quad.object.language or "", quad.object.value)
    return labels.get("nl") or labels.get("") or next(iter(labels.values()), None)


def find_municipality(data: Any, name: str) -> Municipality:
    """The municipality ``name`` stands for: its slug (``maassluis``), CBS code
    (``gm0556``), label or TOOI IRI, in any case; anything else is an input error that
    lists the known ones."""
    wanted = _normalise(name)
    known = municipalities(data)
    for municipality in known:
        if wanted and wanted in municipality.names():
            return municipality
    listed = ", ".join(m.slug for m in known) or "-"
    raise ValidationInputError(f"onbekende gemeente / unknown municipality: {name!r} (bekend / known: {listed})")


def municipality_store(data: Any, name: str) -> ox.Store:
    """An in-memory copy of the store holding one municipality's whole role model: its
    data graphs (sourced and illustrative) and the shared graphs it needs."""
    store = _oxigraph(data)
    municipality = find_municipality(store, name)
    wanted = {*municipality.graphs, *(str(g) for g in SHARED_GRAPHS)}
    present = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
    copy = ox.Store()
    for graph in sorted(wanted & present):
        copy.extend(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    return copy
