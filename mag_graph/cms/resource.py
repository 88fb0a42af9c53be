"""A content resource as stored, and how it is read from the store.

A resource is its IRI's statements plus the nodes it owns (see
:mod:`mag_graph.cms.types`), each with the graph it is in, never those of the history
graph. Its workflow state is where its statements are (:mod:`mag_graph.cms.workflow`);
its ETag hashes both (:mod:`mag_graph.cms.concurrency`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS
from rdflib.term import Node

from mag_graph.cms import workflow
from mag_graph.cms.concurrency import etag_for
from mag_graph.cms.jsonld import to_jsonld
from mag_graph.cms.types import (
    ContentType,
    Quad,
    Triple,
    _local,
    _owned,
    _pick,
    key_for,
    type_for_classes,
)
from mag_graph.cms.workflow import HISTORY_GRAPH
from mag_graph.namespaces import MAGID, PREFIXES
from mag_graph.store import (
    GraphStore,
    Store,
    UnknownFormatError,
    from_rdflib_term,
    rdf_format,
)

__all__ = ["Resource", "read_resource", "referrers", "resource_quads"]


@dataclass
class Resource:
    """A resource as stored: its IRI, content type, state, ETag and statements
    (with the graph each is in)."""

    iri: URIRef
    type: ContentType | None
    state: str | None
    quads: list[Quad]

    @property
    def triples(self) -> list[Triple]:
        seen: dict[Triple, None] = {}
        for s, p, o, _ in self.quads:
            seen[(s, p, o)] = None
        return list(seen)

    @property
    def etag(self) -> str:
        return etag_for(self.triples, self.state)

    @property
    def exists(self) -> bool:
        return bool(self.quads)

    def graph(self) -> Graph:
        out = Graph()
        for prefix, ns in PREFIXES.items():
            out.bind(prefix, ns)
        for triple in self.triples:
            out.add(triple)
        return out

    def serialize(self, format: str = "turtle") -> bytes:
        """The description in an RDF format (``turtle``, ``ntriples``, ``rdfxml``, ``jsonld``)."""
        if format in ("jsonld", "json-ld", "json"):
            return json.dumps(to_jsonld(self.iri, self.triples, self.type), ensure_ascii=False, indent=2).encode("utf-8")
        rdf = rdf_format(format)
        if rdf.supports_datasets and rdf not in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
            raise UnknownFormatError(format)
        blank_nodes: dict[str, ox.BlankNode] = {}
        triples = [ox.Triple(*(from_rdflib_term(t, blank_nodes=blank_nodes) for t in triple)) for triple in self.triples]  # type: ignore[arg-type]
        prefixes = dict(sorted(PREFIXES.items())) if rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None
        # pyoxigraph writes literals exactly as stored (rdflib would rewrite decimals).
        return ox.serialize(triples, format=rdf, prefixes=prefixes)  # type: ignore[no-any-return]

    def label(self, lang: str = "nl") -> str:
        labels = {}
        for s, p, o in self.triples:
            if s == self.iri and p in (RDFS.label, DCTERMS.title) and isinstance(o, Literal):
                labels.setdefault(o.language or "", str(o))
        return _pick(labels, lang) or _local(self.iri)


def read_resource(store: GraphStore | Store, subject: URIRef) -> Resource:
    """A resource as stored (it may not exist: then ``quads`` is empty)."""
    quads = resource_quads(store, subject)
    classes = [o for s, p, o, _ in quads if s == subject and p == RDF.type]
    state = workflow.state_of(store, subject) if quads else None
    return Resource(subject, type_for_classes(classes), state, quads)


def resource_quads(store: GraphStore | Store, root: URIRef) -> list[Quad]:
    """The statements of ``root`` and of the nodes it owns, outside the history graph."""
    out: list[Quad] = []
    seen = {root}
    frontier: list[Node] = [root]
    while frontier:
        node = frontier.pop()
        for s, p, o, g in store.quads(node):
            if g == HISTORY_GRAPH:
                continue
            out.append((s, p, o, g))
            if o not in seen and _owned(root, p, o):
                seen.add(o)
                frontier.append(o)
    return out


def referrers(store: GraphStore | Store, found: Resource) -> list[dict[str, Any]]:
    """The resources that point at ``found`` (or at a node it owns), each with the keys
    of the properties that do."""
    nodes = {found.iri} | {q[0] for q in found.quads} | {q[2] for q in found.quads if isinstance(q[2], (URIRef, BNode)) and _owned(found.iri, q[1], q[2])}
    owners: dict[URIRef, set[str]] = defaultdict(set)
    for node in nodes:
        if isinstance(node, Literal):
            continue
        for s, p, _, g in store.quads(None, None, node):
            if g == HISTORY_GRAPH or s in nodes:
                continue
            owner = _owner_of(store, s)
            if owner is not None and owner != found.iri:
                owners[owner].add(key_for(p))
    out = []
    for owner in sorted(owners, key=str):
        ref = read_resource(store, owner)
        out.append({
            "id": str(owner),
            "type": ref.type.name if ref.type else None,
            "label": ref.label(),
            "properties": sorted(owners[owner]),
        })
    return out


def _owner_of(store: GraphStore | Store, node: Node) -> URIRef | None:
    """The named resource a (blank or hash) node belongs to."""
    seen: set[Node] = set()
    while isinstance(node, BNode) or (isinstance(node, URIRef) and "#" in str(node) and str(node).startswith(str(MAGID))):
        if node in seen:
            return None
        seen.add(node)
        if isinstance(node, URIRef):
            return URIRef(str(node).split("#", 1)[0])
        parent = next((s for s, _, _, g in store.quads(None, None, node) if g != HISTORY_GRAPH), None)
        if parent is None:
            return None
        node = parent
    return node if isinstance(node, URIRef) else None
