"""SPARQL 1.1 as a service: protocol formats and content negotiation, reading SPARQL
text (dataset clauses, volatile functions), the pool of worker processes that runs
queries under a timeout on a snapshot of the store, and the result cache.

May import: :mod:`mag_graph.store`, :mod:`mag_graph.access`, :mod:`mag_graph.namespaces`.
Never the web layer (:mod:`mag_graph.api`).
"""

from mag_graph.sparql.endpoint import (  # noqa: F401
    CACHE_ENTRY_BYTES,
    DATASET_FORMATS,
    DEFAULT_CACHE_BYTES,
    DEFAULT_CACHE_ENTRIES,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    DEFAULT_TIMEOUT,
    Format,
    GRAPH_FORMATS,
    MediaRange,
    NotAcceptableError,
    QueryOutcome,
    QueryPool,
    QueryTask,
    QueryTimeoutError,
    RESULT_FORMATS,
    ResultCache,
    ResultTooLargeError,
    SD,
    ServiceNotAllowedError,
    ServiceStats,
    SparqlService,
    UnsupportedMediaTypeError,
    WATCHED_KEYWORDS,
    dataset_clauses,
    execute,
    format_by_name,
    formats_for_parameter,
    input_format,
    is_volatile,
    keywords,
    negotiate,
    parse_accept,
    uses_keyword,
)
