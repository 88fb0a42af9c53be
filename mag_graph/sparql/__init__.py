"""SPARQL 1.1 as a service: protocol formats and content negotiation, reading SPARQL
text (dataset clauses, volatile functions), the pool of worker processes that runs
queries under a timeout on a snapshot of the store, and the result cache.

May import: :mod:`mag_graph.store`, :mod:`mag_graph.access`, :mod:`mag_graph.namespaces`.
Never the web layer (:mod:`mag_graph.api`).
"""

from mag_graph.sparql.endpoint import (  # noqa: F401
    CACHE_ENTRY_BYTES,
    DEFAULT_CACHE_BYTES,
    DEFAULT_CACHE_ENTRIES,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    DEFAULT_TIMEOUT,
    SD,
    WATCHED_KEYWORDS,
    QueryOutcome,
    QueryPool,
    QueryTask,
    QueryTimeoutError,
    ResultCache,
    ResultTooLargeError,
    ServiceNotAllowedError,
    ServiceStats,
    SparqlService,
    dataset_clauses,
    execute,
    is_volatile,
    keywords,
    uses_keyword,
)
from mag_graph.sparql.formats import (  # noqa: F401
    DATASET_FORMATS,
    GRAPH_FORMATS,
    RESULT_FORMATS,
    Format,
    NotAcceptableError,
    UnsupportedMediaTypeError,
    format_by_name,
    formats_for_parameter,
    input_format,
)
from mag_graph.sparql.negotiation import MediaRange, negotiate, parse_accept  # noqa: F401
