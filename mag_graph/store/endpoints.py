"""Where a remote store is: the store URL (``--store sparql+http://...``), the backends
mag-graph knows, and the query, update and graph store URLs derived from both.

A remote store is named by one URL, so it fits ``--store`` and ``$MAG_GRAPH_STORE``::

    sparql+http://127.0.0.1:7878/?backend=oxigraph
    sparql+https://triplestore.example.org/?backend=virtuoso&timeout=120
    sparql+http://host:3030/?query=/ds/query&update=/ds/update&data=/ds/data

The scheme is ``sparql+http`` or ``sparql+https``; the path is the base the endpoints
hang under. The parameters:

``backend``
    ``oxigraph`` (the default: ``oxigraph serve``), ``virtuoso`` (Virtuoso Open Source)
    or ``generic`` (any SPARQL 1.1 store; then ``query``, ``update`` and ``data`` are
    required). The backend decides the three URLs (:data:`BACKENDS`) and how a query is
    asked to read the union of all graphs.
``query``, ``update``, ``data``
    The SPARQL query endpoint, the update endpoint and the Graph Store Protocol endpoint,
    overriding the backend's: an absolute ``http(s)://`` URL or a path on the same host.
``timeout``
    Seconds one request may take (default :data:`DEFAULT_TIMEOUT`); every request has one.

Credentials never go into the URL (it is shown in logs and ``mag-graph init``'s
output): a URL with ``user:password@`` is refused. They come from the environment,
:data:`ENV_USER` and :data:`ENV_PASSWORD`, and are sent with HTTP Basic or Digest
authentication, whichever the server asks for. With credentials, the Virtuoso backend
uses Virtuoso's authenticated endpoints (``/sparql-auth``, ``/sparql-graph-crud-auth``).
"""

from __future__ import annotations

import math
import os
import urllib.parse
from dataclasses import dataclass

from mag_graph.store.errors import StoreError

SCHEMES = ("sparql+http", "sparql+https")
ENV_USER = "MAG_GRAPH_STORE_USER"
ENV_PASSWORD = "MAG_GRAPH_STORE_PASSWORD"
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Backend:
    """What mag-graph needs to know of one kind of triplestore.

    ``query``, ``update`` and ``data`` are the endpoint paths under the base URL (the
    ``*_auth`` ones are used when credentials are set); ``union_parameter`` is the URL
    parameter that makes a query's default graph the union of all graphs (``None``:
    the store has no such switch, its default is then what it is); ``dataset_get``: a
    Graph Store Protocol GET without ``graph``/``default`` answers the whole dataset as
    N-Quads. The SPARQL dialect (:mod:`mag_graph.store.remote_sparql`):
    ``default_graph`` is the IRI of the named graph that stands in for the default graph
    on a store without one; ``system_graphs`` are IRI prefixes of the server's own
    graphs, never shown, counted or dropped; ``blank_nodes_in_insert_data``: False when
    ``INSERT DATA`` refuses blank nodes; ``blank_node_prefix`` is what the server puts in
    front of blank node labels in JSON results; ``keeps_empty_graphs``: False when a
    named graph exists only while it holds statements; ``statements_per_operation``:
    the most statements one ``INSERT DATA``/``DELETE DATA`` may hold (more are split
    into several operations); ``atomic_requests``: the server applies all operations
    of one update request or none (see :mod:`mag_graph.store.remote_transaction`);
    ``typed_literals_by_value``: the server keeps typed literals as values (its own
    lexical form: ``"1500.00"^^xsd:decimal`` reads back as ``"1500"``), so ``STR`` of a
    stored one need not be the lexical form that was written; ``bulk_parameter``: a URL
    parameter of the Graph Store POST that loads without a transaction (Oxigraph's
    bulk loader), used for the chunks of a large load, which are separate requests
    anyway.
    """

    name: str
    query: str | None
    update: str | None
    data: str | None
    query_auth: str | None = None
    update_auth: str | None = None
    data_auth: str | None = None
    union_parameter: str | None = None
    dataset_get: bool = False
    default_graph: str | None = None
    system_graphs: tuple[str, ...] = ()
    blank_nodes_in_insert_data: bool = True
    blank_node_prefix: str = ""
    keeps_empty_graphs: bool = True
    statements_per_operation: int | None = None
    atomic_requests: bool = True
    typed_literals_by_value: bool = False
    bulk_parameter: str | None = None


# The named graph that holds mag-graph's default graph on Virtuoso (which has none).
VIRTUOSO_DEFAULT_GRAPH = "urn:mag-graph:default-graph"

BACKENDS: dict[str, Backend] = {
    # `oxigraph serve`: /query, /update and /store; `union-default-graph` per query.
    "oxigraph": Backend(
        "oxigraph", "query", "update", "store", union_parameter="union-default-graph", dataset_get=True,
        typed_literals_by_value=True,
        # POST /store?graph=...&no_transaction: its bulk loader. In a transaction a
        # chunk costs more the bigger the store: 1M statements took 53 min, the chunks
        # of 100k growing from 36 s to 180 s (benchmarks/backends.py, README).
        bulk_parameter="no_transaction",
    ),
    # Virtuoso Open Source: one /sparql endpoint for queries and updates (anonymous
    # updates need the SPARQL_UPDATE role for the SPARQL user), /sparql-graph-crud for
    # the Graph Store Protocol; the -auth variants ask for HTTP Digest credentials.
    # Its default graph (of a query without a dataset) is the union of all graphs.
    "virtuoso": Backend(
        "virtuoso", "sparql", "sparql", "sparql-graph-crud",
        query_auth="sparql-auth", update_auth="sparql-auth", data_auth="sparql-graph-crud-auth",
        default_graph=VIRTUOSO_DEFAULT_GRAPH,
        system_graphs=(
            "http://www.openlinksw.com/",
            "http://www.w3.org/ns/ldp#",
            "http://localuriqaserver/",
            "urn:activitystreams-owl:map",
        ),
        blank_nodes_in_insert_data=False,
        blank_node_prefix="nodeID://",
        keeps_empty_graphs=False,
        # Virtuoso 7.2 compiles INSERT DATA into SQL of at most 10000 lines (SP031):
        # about 1000 statements.
        statements_per_operation=1000,
        # An update request is not atomic on Virtuoso: the operations before a failing
        # one stay applied. A big request of many operations also runs into its
        # transaction timeout (SR171), so operations are sent one by one.
        atomic_requests=False,
        typed_literals_by_value=True,
    ),
    # Any SPARQL 1.1 store: every URL given in the store URL.
    "generic": Backend("generic", None, None, None),
}
DEFAULT_BACKEND = "oxigraph"


@dataclass(frozen=True)
class Endpoints:
    """The URLs and settings of one remote store, derived from its store URL."""

    location: str
    backend: Backend
    query_url: str
    update_url: str
    data_url: str
    timeout: float
    user: str | None
    password: str | None


def is_remote(location: object) -> bool:
    """Whether a ``--store`` value names a remote store (``sparql+http(s)://...``)."""
    text = str(location or "").strip().lower()
    return any(text.startswith(scheme + "://") for scheme in SCHEMES)


def parse_store_url(location: str) -> Endpoints:
    """The endpoints named by a store URL; :class:`StoreError` says what is wrong with it."""
    text = location.strip()
    parts = urllib.parse.urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise _invalid(text, "het schema moet sparql+http of sparql+https zijn", "the scheme must be sparql+http or sparql+https")
    if parts.username is not None or parts.password is not None:
        raise StoreError(
            f"zet geen gebruikersnaam of wachtwoord in de store-URL; gebruik ${ENV_USER} en ${ENV_PASSWORD}",
            f"do not put a user name or password in the store URL; use ${ENV_USER} and ${ENV_PASSWORD}",
        )
    if not parts.hostname:
        raise _invalid(text, "de host ontbreekt", "the host is missing")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise _invalid(text, "de poort is geen getal", "the port is not a number") from None
    params = _parameters(text, parts.query)
    name = params.pop("backend", DEFAULT_BACKEND).lower()
    if name not in BACKENDS:
        known = ", ".join(BACKENDS)
        raise _invalid(text, f"onbekende backend {name!r} (bekend: {known})", f"unknown backend {name!r} (known: {known})")
    backend = BACKENDS[name]
    timeout = _timeout(text, params.pop("timeout", None))
    unknown = sorted(set(params) - {"query", "update", "data"})
    if unknown:
        raise _invalid(text, f"onbekende parameter(s) {', '.join(unknown)}", f"unknown parameter(s) {', '.join(unknown)}")
    user = os.environ.get(ENV_USER) or None
    password = os.environ.get(ENV_PASSWORD) or None
    authenticated = user is not None
    origin = f"{scheme.removeprefix('sparql+')}://{parts.netloc}"
    base = parts.path.rstrip("/")

    def url(kind: str) -> str:
        given = params.get(kind)
        if given:
            if urllib.parse.urlsplit(given).scheme in ("http", "https"):
                return given
            return origin + "/" + given.lstrip("/")
        path = (getattr(backend, f"{kind}_auth") if authenticated else None) or getattr(backend, kind)
        if path is None:
            raise _invalid(
                text,
                f"backend {backend.name} heeft een {kind}-URL nodig ({kind}=...)",
                f"backend {backend.name} needs a {kind} URL ({kind}=...)",
            )
        return f"{origin}{base}/{path}"

    shown = urllib.parse.urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))
    return Endpoints(
        location=shown,
        backend=backend,
        query_url=url("query"),
        update_url=url("update"),
        data_url=url("data"),
        timeout=timeout,
        user=user,
        password=password,
    )


def _parameters(text: str, query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        if key in params:
            raise _invalid(text, f"parameter {key} staat er twee keer in", f"parameter {key} is given twice")
        params[key] = value
    return params


def _timeout(text: str, value: str | None) -> float:
    if value is None:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise _invalid(text, f"timeout moet een positief aantal seconden zijn, niet {value!r}",
                       f"timeout must be a positive number of seconds, not {value!r}")
    return seconds


def _invalid(text: str, nl: str, en: str) -> StoreError:
    shown = text.split("?", 1)[0]
    return StoreError(f"ongeldige store-URL {shown}: {nl}", f"invalid store URL {shown}: {en}")
