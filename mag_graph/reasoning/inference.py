"""OWL RL and RDFS inference, materialised into a named graph of its own.

Asserted data stays clean: the entailments live in ``magg:inferentie``, so a query
chooses between the asserted graphs and asserted + inferred (by naming the graphs or
using the union). owlrl works on rdflib graphs, so the store's content is copied into
rdflib for the computation; that is fine for municipal role models (thousands of
triples) and slow for national-scale graphs (documented in the README).
"""

from __future__ import annotations

import owlrl
import pyoxigraph as ox
from rdflib import Graph

from mag_graph.namespaces import MAGG
from mag_graph.store import GraphStore, from_rdflib_term, local_store, to_rdflib_term

INFERENCE_GRAPH = MAGG["inferentie"]
MODES = ("rdfs", "owlrl")


def infer(store: ox.Store, *, mode: str = "owlrl") -> int:
    """Replace the inference graph of a pyoxigraph store (a scratch copy, as validation
    with ``--inference`` uses) with the entailments of all its other graphs."""
    inferred = entailments(store, mode=mode)
    store.update(f"DROP SILENT GRAPH <{INFERENCE_GRAPH}>")
    store.extend(inferred)
    return len(inferred)


def materialise(store: GraphStore, *, mode: str = "owlrl") -> int:
    """Replace the inference graph of mag-graph's store with the entailments of all
    other graphs, in one transaction (readers never see half an inference graph). A
    remote store is read through an in-memory copy."""
    copy = local_store(store)
    try:
        inferred = entailments(copy.oxigraph, mode=mode)
    finally:
        if copy is not store:
            copy.close()
    with store.transaction() as tx:
        tx.remove_graph(INFERENCE_GRAPH)
        tx.add_many(inferred)
    return len(inferred)


def entailments(store: ox.Store, *, mode: str = "owlrl") -> list[ox.Quad]:
    """The triples ``mode`` (``rdfs`` or ``owlrl``) entails from all graphs but the
    inference graph itself, minus what is asserted, as quads in the inference graph."""
    if mode not in MODES:
        raise ValueError(f"onbekende inferentie / unknown inference: {mode} ({', '.join(MODES)})")
    target = ox.NamedNode(str(INFERENCE_GRAPH))
    asserted = Graph()
    for quad in store:
        if quad.graph_name == target:
            continue
        asserted.add((to_rdflib_term(quad.subject), to_rdflib_term(quad.predicate), to_rdflib_term(quad.object)))
    closure = Graph()
    for triple in asserted:
        closure.add(triple)
    semantics = owlrl.OWLRL_Semantics if mode == "owlrl" else owlrl.RDFS_Semantics
    owlrl.DeductiveClosure(semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    blank_nodes: dict[str, ox.BlankNode] = {}
    return [
        ox.Quad(*(from_rdflib_term(t, blank_nodes=blank_nodes) for t in triple), target)
        for triple in closure
        if triple not in asserted and _useful(triple)
    ]


def _useful(triple: tuple) -> bool:
    """Leave out the trivial entailments owlrl adds for every resource (x sameAs x,
    x a owl:Thing / rdfs:Resource) and literal-subject triples: they bloat the graph and
    answer no governance question."""
    s, p, o = triple
    text_p, text_o = str(p), str(o)
    if text_p == "http://www.w3.org/2002/07/owl#sameAs" and s == o:
        return False
    if text_p == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" and text_o in (
        "http://www.w3.org/2002/07/owl#Thing",
        "http://www.w3.org/2000/01/rdf-schema#Resource",
    ):
        return False
    return not hasattr(s, "language") and type(s).__name__ != "Literal"
