"""Fill a store with what mag-graph ships: the ontology, the shapes and the example data.

One transaction replaces every graph bootstrap owns, so running it twice gives the same
store (up to blank node labels) and a broken shipped file leaves the store untouched.
Which graph a file goes into follows docs/model.md: the ontology files together into
``magg:ontologie``, the shapes into ``magg:shapes``, ``data/*.ttl`` into the graph their
file stands for (:data:`DATA_FILE_GRAPHS`, otherwise ``magg:{stem}``) and ``data/*.trig``
into the graphs they name themselves.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import URIRef

from mag_graph.namespaces import MAGG, Graphs
from mag_graph.resources import resource_files
from mag_graph.store import GraphStore, Store, source_graphs

# The SHACL shapes live in their own graph, so validation can read them apart from the data.
SHAPES_GRAPH: URIRef = MAGG["shapes"]

# Turtle data files hold one graph each; the file stem says which (docs/model.md).
DATA_FILE_GRAPHS: dict[str, URIRef] = {
    "bronnen": Graphs.SOURCES,
    "catalogus": Graphs.CATALOGUE,
}


def data_file_graph(path: Path) -> URIRef:
    """The graph a ``data/*.ttl`` file is loaded into."""
    return DATA_FILE_GRAPHS.get(path.stem, MAGG[path.stem])


def owned_graphs() -> list[URIRef]:
    """The graphs bootstrap replaces even when no shipped file writes into them any more,
    so a file removed from a release does not leave its old graph behind."""
    fixed = [value for name, value in vars(Graphs).items() if not name.startswith("_")]
    return [*fixed, SHAPES_GRAPH]


def load_plan() -> list[tuple[Path, URIRef | None]]:
    """Every shipped file with the graph it goes into (``None``: the file names its graphs)."""
    plan: list[tuple[Path, URIRef | None]] = []
    plan += [(path, Graphs.ONTOLOGY) for path in resource_files("ontology", "*.ttl")]
    plan += [(path, SHAPES_GRAPH) for path in resource_files("shapes", "*.ttl")]
    plan += [(path, data_file_graph(path)) for path in resource_files("data", "*.ttl")]
    plan += [(path, None) for path in resource_files("data", "*.trig")]
    return plan


def initialise(
    store: GraphStore | Store, *, reset: bool = False, progress: bool = False, only_missing: bool = False
) -> dict[URIRef, int]:
    """Load the shipped ontology, shapes and example data; statements per graph loaded.

    ``reset`` empties the whole store first (in the same transaction). ``only_missing``
    (``mag-graph init`` on a store in use) replaces the ontology and the shapes, which
    are shipped definitions nobody edits, but loads a data file only when none of the
    graphs it writes into exists yet: the example data may have been edited since (in
    the CMS, with revisions), and loading it again would silently undo those edits.
    ``progress`` is accepted for symmetry with :meth:`Store.load`; the shipped files load
    in a moment. The result lists the graphs loaded (the ontology and shapes graphs
    always, 0 if nothing was shipped).
    """
    del progress  # the shipped files are small; no bar needed
    plan = load_plan()
    # Graphs named inside .trig files are owned too; learn them before staging anything.
    writes: dict[Path, set[URIRef]] = {}
    for path, graph in plan:
        writes[path] = {g for g in source_graphs(path) if isinstance(g, URIRef)} if graph is None else {graph}
    named = {g for path, graph in plan if graph is None for g in writes[path]}
    definitions = {Graphs.ONTOLOGY, SHAPES_GRAPH}
    if only_missing and not reset:
        existing = {g for g in store.graphs() if isinstance(g, URIRef) and store.count(g)}
        plan = [(path, graph) for path, graph in plan
                if writes[path] <= definitions or not writes[path] & existing]
        replaced = definitions | {g for path, _ in plan for g in writes[path]}
    else:
        replaced = {*owned_graphs(), *named}
    with store.transaction() as tx:
        if reset:
            tx.clear()
        for graph in sorted(replaced, key=str):
            tx.remove_graph(graph)
        for path, graph in plan:
            tx.load(path, graph=graph)
    loaded = {g for path, _ in plan for g in writes[path]}
    ordered = [Graphs.ONTOLOGY, SHAPES_GRAPH]
    ordered += sorted(loaded - set(ordered), key=str)
    return {graph: store.count(graph) for graph in ordered}


def shipped_graphs() -> set[URIRef]:
    """Every graph :func:`initialise` writes into."""
    out: set[URIRef] = set()
    for path, graph in load_plan():
        out |= {g for g in source_graphs(path) if isinstance(g, URIRef)} if graph is None else {graph}
    return out
