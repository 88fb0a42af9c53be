"""SPARQL 1.1 as a service: protocol formats and content negotiation, reading SPARQL
text (dataset clauses, volatile functions), the pool of worker processes that runs
queries under a timeout on a snapshot of the store, and the result cache.

Modules, from the bottom up: ``errors``, ``formats`` and ``negotiation`` (the
protocol's media types), ``text`` (reading SPARQL text), ``execute`` (one query within
its limits), ``pool`` (worker processes), ``cache`` (the result cache), ``views``
(read-only views of the service's snapshots, for commands beside a running server) and
``service`` (:class:`SparqlService`, which puts them together).

May import: :mod:`mag_graph.store`, :mod:`mag_graph.access`, :mod:`mag_graph.namespaces`.
Never the web layer (:mod:`mag_graph.api`).
"""

from mag_graph.sparql.cache import (  # noqa: F401
    CACHE_ENTRY_BYTES,
    DEFAULT_CACHE_BYTES,
    DEFAULT_CACHE_ENTRIES,
    ResultCache,
)
from mag_graph.sparql.errors import (  # noqa: F401
    QueryTimeoutError,
    ResultTooLargeError,
    ServiceNotAllowedError,
)
from mag_graph.sparql.execute import (  # noqa: F401
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    QueryOutcome,
    QueryTask,
    execute,
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
from mag_graph.sparql.pool import QueryPool  # noqa: F401
from mag_graph.sparql.service import DEFAULT_TIMEOUT, SD, ServiceStats, SparqlService  # noqa: F401
from mag_graph.sparql.text import (  # noqa: F401
    WATCHED_KEYWORDS,
    dataset_clauses,
    is_volatile,
    keywords,
    uses_keyword,
)
