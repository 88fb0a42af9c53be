"""What a spreadsheet's names and identifiers can stand for: the phases, RACI kinds and
task kinds (the ``magb:`` schemes), the actors, the sources and the municipalities a
store knows, with their labels in Dutch and English.

A sheet names things the way people do ("college van B&W", "penvoerder", "Vaststellen")
or by identifier (``orgaan/hg-college``, ``magb:Penvoerder`` or the full IRI). Both are
looked up here and only here; what the store does not know is reported, never minted.
Everything is read with pattern reads (no query text), so a sheet's cells never reach a
query and a page that exports a sheet starts no query without a timeout.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.term import Node

from mag_graph.namespaces import (
    FOAF,
    MAG,
    MAGB,
    MAGID,
    ORG,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SKOS,
)
from mag_graph.questions import describe
from mag_graph.store import GraphStore

__all__ = ["Vocabulary", "as_iri", "normalise", "short_id"]

_LABELS = (RDFS.label, SKOS.prefLabel)

# Actors: whatever responsibilities are assigned to or directed towards and roles are
# held by, and every instance of an agent, post or role class (subclasses included).
_ACTOR_LINKS = (MAG.assignedTo, MAG.towards, MAG.holder)
_ACTOR_CLASSES = (PROV.Agent, ORG.Post, ORG.Role, ORG.Organization, FOAF.Agent)
# Deeper class hierarchies than this are not the ontology's.
_MAX_CLASS_DEPTH = 12
_ID_PREFIXES = {**PREFIXES, "gemeente": "https://identifier.overheid.nl/tooi/id/gemeente/"}


def normalise(text: str) -> str:
    """A name as compared: case, surrounding and repeated spaces do not matter."""
    return " ".join(str(text).split()).casefold()


@dataclass
class _Names:
    """Labels of a set of IRIs, and the IRIs by normalised label."""

    labels: dict[URIRef, dict[str, str]] = field(default_factory=dict)
    by_name: dict[str, set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    written: dict[str, str] = field(default_factory=dict)

    def add(self, iri: URIRef, labels: dict[str, str]) -> None:
        self.labels[iri] = labels
        for text in labels.values():
            self.by_name[normalise(text)].add(iri)
            self.written.setdefault(normalise(text), " ".join(text.split()))

    def label(self, iri: URIRef, lang: str) -> str:
        found = self.labels.get(iri, {})
        for key in (lang, "nl", "", "en"):
            if key in found:
                return found[key]
        return describe.curie(str(iri))

    def find(self, text: str) -> set[URIRef]:
        return set(self.by_name.get(normalise(text), ()))


class Vocabulary:
    """The names a sheet may use, read once from a store."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.phases = self._scheme(MAGB.Fasen)
        self.raci = self._scheme(MAGB.RaciSoorten)
        self.tasks = self._scheme(MAGB.Taaksoorten)
        self.actors = _Names()
        for actor in self._actor_iris():
            self.actors.add(actor, self._labels(actor))
        self.sources = _Names()
        for kind in (MAG.SourceLocation, MAG.SourceDocument):
            for source, _, _, _ in store.quads(None, RDF.type, kind):
                if isinstance(source, URIRef):
                    self.sources.add(source, self._labels(source))
        self.municipalities = _Names()
        for iri, _label, code in describe.municipalities(store, "nl"):
            labels = self._labels(URIRef(iri))
            if code:
                labels = {**labels, "code": code}
            self.municipalities.add(URIRef(iri), labels)
        self._order: dict[URIRef, int] = {}
        for concept in self.phases.labels:
            value = next((o for _, _, o, _ in store.quads(concept, MAG.order, None)), None)
            if isinstance(value, Literal):
                try:
                    self._order[concept] = int(value)
                except (TypeError, ValueError):
                    pass

        # RACI kinds have no mag:order; the model's own name gives theirs.
        for i, local in enumerate(("Responsible", "Accountable", "Consulted", "Informed")):
            if MAGB[local] in self.raci.labels:
                self._order[MAGB[local]] = i

    def _actor_iris(self) -> set[URIRef]:
        """Pattern reads only (no query text): the linked actors and the instances of
        the actor classes and their subclasses."""
        found: set[URIRef] = set()
        for predicate in _ACTOR_LINKS:
            found.update(o for _, _, o, _ in self.store.quads(None, predicate, None) if isinstance(o, URIRef))
        classes: set[Node] = set(_ACTOR_CLASSES)
        frontier = list(classes)
        for _ in range(_MAX_CLASS_DEPTH):
            frontier = [s for c in frontier for s, _, _, _ in self.store.quads(None, RDFS.subClassOf, c) if s not in classes]
            if not frontier:
                break
            classes.update(frontier)
        for cls in classes:
            found.update(s for s, _, _, _ in self.store.quads(None, RDF.type, cls) if isinstance(s, URIRef))
        return found

    def _labels(self, node: Node) -> dict[str, str]:
        found: dict[str, str] = {}
        for predicate in _LABELS:
            for _, _, obj, _ in self.store.quads(node, predicate, None):
                if isinstance(obj, Literal):
                    found.setdefault(obj.language or "", str(obj))
            if found:
                break
        return found

    def _scheme(self, scheme: URIRef) -> _Names:
        names = _Names()
        for concept, _, _, _ in self.store.quads(None, SKOS.inScheme, scheme):
            if isinstance(concept, URIRef):
                labels = self._labels(concept)
                labels.setdefault("local", concept.removeprefix(str(MAGB)))
                names.add(concept, labels)
        return names

    def phase_order(self, phase: URIRef) -> int:
        return self._order.get(phase, 10**6)

    def choices(self, names: _Names, lang: str) -> list[str]:
        """The labels of a scheme in ``lang``, in the scheme's order (the drop-down list)."""
        concepts = sorted(names.labels, key=lambda c: (self._order.get(c, 10**6), names.label(c, lang)))
        return [names.label(c, lang) for c in concepts]

    def exists(self, iri: URIRef) -> bool:
        """Whether the store says anything about the IRI (a thing a sheet may point at)."""
        return next(iter(self.store.quads(iri, None, None)), None) is not None


def as_iri(text: str) -> URIRef | None:
    """An identifier as a sheet may write it: a full IRI, ``<iri>``, a prefixed name with
    one of the project's prefixes (``magb:Penvoerder``, ``gemeente:gm0523``), or a path
    under the project's ``/id/`` (``orgaan/hg-college``). ``None`` if it is none of them."""
    value = text.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    if not value or any(c.isspace() for c in value):
        return None
    if "://" in value or value.startswith("urn:"):
        return URIRef(value) if describe.looks_like_iri(value) else None
    prefix, sep, local = value.partition(":")
    if sep:
        if prefix not in _ID_PREFIXES:
            return None
        candidate = _ID_PREFIXES[prefix] + local
    elif "/" in value:
        candidate = str(MAGID) + value.lstrip("/")
    else:
        return None
    return URIRef(candidate) if describe.looks_like_iri(candidate) else None


def short_id(iri: URIRef | str) -> str:
    """How an identifier is written in a sheet: a path under ``/id/`` for the project's
    own things (``orgaan/hg-college``), a prefixed name for concepts and municipalities
    (``magb:Penvoerder``, ``gemeente:gm0523``), else the IRI."""
    text = str(iri)
    if text.startswith(str(MAGID)):
        return text[len(str(MAGID)):]
    if text.startswith("https://identifier.overheid.nl/tooi/id/gemeente/"):
        return "gemeente:" + text.rsplit("/", 1)[-1]
    short = describe.curie(text)
    return short

