"""The data a validation runs on: whatever the caller hands in (a mag-graph store, a
pyoxigraph store, an rdflib graph or dataset, a list of files) made into a pyoxigraph
store; the example graph; one named graph of a store; a copy with inferred triples.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from mag_graph.namespaces import MAGG, Graphs
from mag_graph.resources import resource_files
from mag_graph.store import MEMORY, RemoteStore, Store, from_rdflib_term
from mag_graph.validation.errors import ValidationInputError

INFERENCE_GRAPH = MAGG["inferentie"]
INFERENCE_MODES = ("none", "rdfs", "owlrl")


def _oxigraph_store(data: Any) -> ox.Store | None:
    """The pyoxigraph store behind ``data`` when it is one (or mag-graph's wrapper of one)."""
    if isinstance(data, ox.Store):
        return data
    for attribute in ("oxigraph", "raw", "_store", "store"):
        inner = getattr(data, attribute, None)
        if isinstance(inner, ox.Store):
            return inner
    return None


def _rdflib_to_oxigraph(data: Graph) -> ox.Store:
    """An in-memory pyoxigraph copy of an rdflib graph or dataset (graphs kept; literals
    rdflib flags as ill-typed stay ill-typed, see :func:`_term`)."""
    blank_nodes: dict[str, ox.BlankNode] = {}
    store = ox.Store()
    if isinstance(data, Dataset):
        quads = []
        for s, p, o, g in data.quads((None, None, None, None)):
            name = g.identifier if isinstance(g, Graph) else g
            graph = ox.DefaultGraph() if name is None or name == DATASET_DEFAULT_GRAPH_ID else from_rdflib_term(name, blank_nodes=blank_nodes)
            quads.append(ox.Quad(*(_term(t, blank_nodes) for t in (s, p, o)), graph))
        store.extend(quads)
    else:
        store.extend(
            ox.Quad(*(_term(t, blank_nodes) for t in triple))
            for triple in data
        )
    return store


def _term(term: Any, blank_nodes: dict[str, ox.BlankNode]) -> Any:
    """The store's term for an rdflib term. An ill-typed literal (``"none"^^xsd:boolean``)
    must stay ill-typed, or its ``sh:datatype`` violation is lost; rdflib keeps its
    ``ill_typed`` flag but may already have normalised its lexical form into a valid one
    (every unreadable xsd:boolean becomes ``"false"``). Such a literal is stored with a
    lexical form that stays ill-formed, ``"false (ill-typed)"``, which rdflib reads back as
    the same ill-typed literal."""
    if isinstance(term, Literal) and term.ill_typed and term.datatype is not None:
        lexical = str(term)
        if not Literal(lexical, datatype=term.datatype).ill_typed:
            return ox.Literal(f"{lexical} (ill-typed)", datatype=ox.NamedNode(str(term.datatype)))
    return from_rdflib_term(term, blank_nodes=blank_nodes)


def load_files(paths: Sequence[str | Path], *, with_ontology: bool = True) -> ox.Store:
    """An in-memory store holding the given RDF files (and the ontology, for class
    hierarchies), so external files can be validated without touching the real store."""
    store = ox.Store()
    if with_ontology:
        for path in resource_files("ontology", "*.ttl"):
            store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(Graphs.ONTOLOGY)))
    for raw in paths:
        path = Path(raw)
        fmt = _format_for(path)
        try:
            if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
                store.load(path=str(path), format=fmt)
            else:
                store.load(path=str(path), format=fmt, to_graph=ox.NamedNode(path.resolve().as_uri()))
        except FileNotFoundError as error:
            raise ValidationInputError(f"bestand niet gevonden / file not found: {path}") from error
        except (SyntaxError, ValueError, OSError) as error:
            raise ValidationInputError(f"{path}: {error}") from error
    return store


def _format_for(path: Path) -> ox.RdfFormat:
    suffix = path.suffix.lower().lstrip(".")
    formats = {
        "ttl": ox.RdfFormat.TURTLE, "turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG,
        "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS, "rdf": ox.RdfFormat.RDF_XML,
        "owl": ox.RdfFormat.RDF_XML, "xml": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD,
        "json": ox.RdfFormat.JSON_LD,
    }
    if suffix not in formats:
        raise ValidationInputError(f"onbekend formaat / unknown format: {path}")
    return formats[suffix]


def example_store() -> ox.Store:
    """A fresh in-memory store with the ontology and the whole example graph, for tests,
    demos and fixtures (a copy each call, so callers may change it)."""
    store = ox.Store()
    store.extend(_example_quads())
    return store


@lru_cache(maxsize=1)
def _example_quads() -> tuple[ox.Quad, ...]:
    store = ox.Store()
    for path in resource_files("ontology", "*.ttl"):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(Graphs.ONTOLOGY)))
    named = {"bronnen": Graphs.SOURCES, "catalogus": Graphs.CATALOGUE}
    for path in resource_files("data", "*.ttl"):
        graph = named.get(path.stem, MAGG[path.stem])
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(graph)))
    for path in resource_files("data", "*.trig"):
        store.load(path=str(path), format=ox.RdfFormat.TRIG)
    return tuple(store)


def example_dataset() -> Dataset:
    """The example graph as an rdflib Dataset (same content as :func:`example_store`)."""
    return Store(example_store(), MEMORY, in_memory=True).to_dataset()


def _restrict_to_graph(store: ox.Store, graph: str) -> ox.Store:
    """A copy holding one named graph plus the ontology and the sources (for labels and
    the class hierarchy), so ``--graph`` validates that graph alone."""
    wanted = {ox.NamedNode(graph), ox.NamedNode(str(Graphs.ONTOLOGY)), ox.NamedNode(str(Graphs.SOURCES))}
    if ox.NamedNode(graph) not in set(store.named_graphs()):
        raise ValidationInputError(f"onbekende graaf / unknown graph: {graph}")
    copy = ox.Store()
    for name in wanted:
        if name in set(store.named_graphs()):
            copy.extend(store.quads_for_pattern(None, None, None, name))
    return copy


def _with_inference(store: ox.Store, mode: str) -> ox.Store:
    """A copy of the store with inferred triples in their own graph."""
    from mag_graph.reasoning.inference import infer

    copy = ox.Store()
    copy.extend(store)
    infer(copy, mode=mode)
    return copy


def _coerce(data: Any) -> ox.Store:
    store = _oxigraph_store(data)
    if store is not None:
        return store
    if isinstance(data, Graph):
        return _rdflib_to_oxigraph(data)
    if isinstance(data, (list, tuple)) and all(isinstance(p, (str, Path)) for p in data):
        return load_files(data)
    if isinstance(data, RemoteStore):  # pySHACL runs on Oxigraph: validate an in-memory copy
        return data.local_view().oxigraph
    raise ValidationInputError(f"kan niet valideren / cannot validate: {type(data).__name__}")
