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
    store: GraphStore | Store, *, reset: bool = False, progress: bool = False
) -> dict[URIRef, int]:
    """Load the shipped ontology, shapes and example data; statements per graph loaded.

    ``reset`` empties the whole store first (in the same transaction). ``progress`` is
    accepted for symmetry with :meth:`Store.load`; the shipped files load in a moment.
    The result always lists the ontology and shapes graphs (0 if nothing was shipped).
    """
    del progress  # the shipped files are small; no bar needed
    plan = load_plan()
    # Graphs named inside .trig files are owned too; learn them before staging anything.
    named: set[URIRef] = set()
    for path, graph in plan:
        if graph is None:
            named |= {g for g in source_graphs(path) if isinstance(g, URIRef)}
    with store.transaction() as tx:
        if reset:
            tx.clear()
        for graph in [*owned_graphs(), *sorted(named)]:
            tx.remove_graph(graph)
        for path, graph in plan:
            tx.load(path, graph=graph)
    loaded = {graph for _, graph in plan if graph is not None} | named
    ordered = [Graphs.ONTOLOGY, SHAPES_GRAPH]
    ordered += sorted(loaded - set(ordered), key=str)
    return {graph: store.count(graph) for graph in ordered}
