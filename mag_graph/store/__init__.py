"""The store: the only code that opens the RDF store.

Owns the contract of a store (:mod:`~mag_graph.store.interface`), the embedded
pyoxigraph store on disk or in memory (:mod:`~mag_graph.store.embedded`), loading
sources all or nothing (:mod:`~mag_graph.store.sources`, :mod:`~mag_graph.store.loading`),
transactions (:mod:`~mag_graph.store.transaction`), RDF format names
(:mod:`~mag_graph.store.formats`), the conversion between Oxigraph and rdflib terms
(:mod:`~mag_graph.store.terms`), result objects (:mod:`~mag_graph.store.results`) and
the errors of the store layer with :class:`MagGraphError`, the base of every error
mag-graph reports (:mod:`~mag_graph.store.errors`); ``bootstrap`` loads the ontology,
shapes and example data into a new store.

The remote store (:class:`RemoteStore`, :mod:`~mag_graph.store.remote`) implements
:class:`GraphStore` on a SPARQL 1.1 triplestore (Oxigraph server, Virtuoso, ...): its
store URL (:mod:`~mag_graph.store.endpoints`), the HTTP requests
(:mod:`~mag_graph.store.protocol`), the SPARQL it writes per backend
(:mod:`~mag_graph.store.remote_sparql`), its transactions and loads
(:mod:`~mag_graph.store.remote_transaction`, :mod:`~mag_graph.store.remote_loading`).
:func:`open_graph_store` opens either kind by name (:mod:`~mag_graph.store.opening`).
SPARQL text both kinds write (prefixes, parameters) is in :mod:`~mag_graph.store.querytext`.

Inside the package the modules import each other from the bottom up: ``errors``,
``formats``, ``terms``, ``results``, ``sources``, ``querytext``, ``transaction``,
``interface``, ``loading``, ``embedded``, ``endpoints``, ``protocol``,
``remote_sparql``, ``remote_transaction``, ``remote_loading``, ``remote``, ``opening``;
``bootstrap`` imports the package.

May import: :mod:`mag_graph.namespaces` and :mod:`mag_graph.resources` only - nothing
of mag-graph above it.
"""

from mag_graph.store.embedded import (  # noqa: F401
    ENV_STORE,
    MEMORY,
    Store,
    default_store_path,
)
from mag_graph.store.endpoints import ENV_PASSWORD, ENV_USER, is_remote  # noqa: F401
from mag_graph.store.errors import (  # noqa: F401
    InvalidIRIError,
    LoadError,
    MagGraphError,
    ParseError,
    QueryError,
    QuerySyntaxError,
    SourceNotFoundError,
    StoreAccessError,
    StoreClosedError,
    StoreError,
    StoreLockedError,
    StoreNotFoundError,
    StoreTimeoutError,
    StoreUnreachableError,
    UnknownGraphError,
)
from mag_graph.store.formats import FORMAT_NAMES, UnknownFormatError, rdf_format  # noqa: F401
from mag_graph.store.interface import GraphStore  # noqa: F401
from mag_graph.store.loading import BULK_CHUNK, LINE_BLOCK_BYTES, SMALL_LOAD_BYTES  # noqa: F401
from mag_graph.store.opening import (  # noqa: F401
    ENV_STATE_DIR,
    local_store,
    open_graph_store,
    state_directory,
)
from mag_graph.store.querytext import _SKIP_TOKEN, bind_values  # noqa: F401
from mag_graph.store.remote import RemoteStore  # noqa: F401
from mag_graph.store.results import LoadResult, QueryResult, Stats  # noqa: F401
from mag_graph.store.sources import (  # noqa: F401
    MAX_XML_DEPTH,
    PROGRESS_BYTES,
    check_xml_depth,
    source_graphs,
)
from mag_graph.store.terms import (  # noqa: F401
    DEFAULT_GRAPH,
    GraphArg,
    OxGraphName,
    OxTerm,
    from_rdflib_term,
    to_rdflib_term,
)
from mag_graph.store.transaction import Transaction  # noqa: F401
