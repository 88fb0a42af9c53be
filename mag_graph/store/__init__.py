"""The store: the only code that opens the RDF store.

Owns the embedded pyoxigraph store (on disk or in memory), transactions, loading and
exporting files, and the conversion between Oxigraph and rdflib terms; ``bootstrap``
loads the ontology, shapes and example data into a new store. Later also the remote
stores (SPARQL 1.1 Protocol).

May import: :mod:`mag_graph.namespaces` and :mod:`mag_graph.resources` only - nothing
of mag-graph above it.
"""

from mag_graph.store.embedded import (  # noqa: F401
    BULK_CHUNK,
    DEFAULT_GRAPH,
    ENV_STORE,
    FORMAT_NAMES,
    GraphArg,
    GraphStore,
    InvalidIRIError,
    LINE_BLOCK_BYTES,
    LoadError,
    LoadResult,
    MEMORY,
    MagGraphError,
    OxGraphName,
    OxTerm,
    PROGRESS_BYTES,
    ParseError,
    QueryError,
    QueryResult,
    QuerySyntaxError,
    SMALL_LOAD_BYTES,
    SourceNotFoundError,
    Stats,
    Store,
    StoreClosedError,
    StoreError,
    StoreLockedError,
    StoreNotFoundError,
    Transaction,
    UnknownFormatError,
    UnknownGraphError,
    default_store_path,
    from_rdflib_term,
    rdf_format,
    source_graphs,
    to_rdflib_term,
)
from mag_graph.store.embedded import _SKIP_TOKEN  # noqa: F401
