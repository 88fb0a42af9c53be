"""The remote store: :class:`RemoteStore`, the :class:`~mag_graph.store.interface.GraphStore`
on a triplestore reached over SPARQL 1.1 Query, Update and the Graph Store HTTP Protocol.

Opened by a store URL (``--store sparql+http://host:port/?backend=oxigraph``; see
:mod:`mag_graph.store.endpoints`). What it does, and how:

* queries go to the query endpoint with the project prefixes declared in front and
  parameters bound as a ``VALUES`` block of typed terms (:mod:`mag_graph.store.querytext`,
  the same text the embedded store runs); answers are read with pyoxigraph's parsers
  and converted to rdflib terms exactly like the embedded store's
  (``"x"^^xsd:string`` is the plain literal ``"x"``);
* writes: an update is one request; a transaction is one request where the backend
  applies a request atomically (Oxigraph) and a sequence of steps where it does not
  (Virtuoso; :mod:`mag_graph.store.remote_transaction` says what is atomic per
  backend); loads are parsed here first (syntax errors with file, line and column never
  reach the server) and sent like a transaction when small, in Graph Store chunks when
  large (:mod:`mag_graph.store.remote_loading`);
* the SPARQL the store writes for itself (graph listings, counts, patterns, updates)
  comes from the backend's dialect (:mod:`mag_graph.store.remote_sparql`: Virtuoso has
  no default graph, graphs of its own and its own blank node labels);
* whole graphs are read with Graph Store GETs, streamed through pyoxigraph's parser;
  export, :meth:`RemoteStore.to_dataset` and validation work on an in-memory embedded
  copy (:meth:`RemoteStore.local_copy`), so they serialise and validate exactly like the
  embedded store.

Blank nodes: SPARQL cannot name a stored blank node. Patterns of :meth:`RemoteStore.quads`
with a blank node are matched here, on the labels the server answers (Oxigraph and
Virtuoso answer stable labels, so a blank node read from the store finds its statements
again);
query parameters cannot be blank nodes (as on the embedded store); what transactions
refuse is in :mod:`mag_graph.store.remote_transaction`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, Self

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.term import Node

from mag_graph.store import unfinished
from mag_graph.store.crashpoints import crash_point
from mag_graph.store.embedded import MEMORY, Store, _export_format
from mag_graph.store.endpoints import Endpoints, parse_store_url
from mag_graph.store.errors import (
    MagGraphError,
    QueryError,
    StoreClosedError,
    StoreError,
    UnknownGraphError,
)
from mag_graph.store.formats import _bind_prefixes
from mag_graph.store.protocol import (
    N_QUADS,
    N_TRIPLES,
    QUERY_ACCEPT,
    RESULTS_JSON,
    GraphReadError,
    SparqlClient,
)
from mag_graph.store.querytext import (
    _with_values,
    query_form,
    substitutions_for,
    with_prefixes,
)
from mag_graph.store.remote_generation import (
    GENERATION_GRAPH,
    GRAPH_TOKENS_QUERY,
    READ_QUERY,
    Generation,
    KeptCopy,
    bump_operations,
    generation_of,
    graph_key,
    graph_tokens_of,
    new_token,
)
from mag_graph.store.remote_loading import _RemoteLoading
from mag_graph.store.remote_mirror import _KeptCopy
from mag_graph.store.remote_sparql import Dialect, then
from mag_graph.store.remote_transaction import RemoteTransaction
from mag_graph.store.results import (
    QueryResult,
    Stats,
    _convert_result,
    _serialise_result,
)
from mag_graph.store.terms import (
    GraphArg,
    OxGraphName,
    _Converter,
    _graph_label,
    _graph_name,
    _graph_out,
    from_rdflib_term,
)

# Named as the dataset of a query whose default graph (or set of named graphs) must be
# empty: the SPARQL Protocol has no way to say "none", a graph nobody writes does.
_NO_GRAPH = "urn:mag-graph:no-graph"
_GENERATION = ox.NamedNode(GENERATION_GRAPH)
# The fewest statements of a large load's chunk that go to a bulk loader.
_BULK_LEAST = 10_000


class RemoteStore(_KeptCopy, _RemoteLoading):
    """A mag-graph store on a remote SPARQL 1.1 triplestore.

    Open it with :meth:`open` (or :func:`mag_graph.store.open_graph_store`); closing only
    forgets the connection settings, the data stays on the server. Every request has
    the timeout of the store URL.
    """

    in_memory = False
    # SPARQL cannot name a stored blank node (see remote_transaction): writers keep a
    # stored blank node only together with its parent.
    names_blank_nodes = False

    def __init__(self, endpoints: Endpoints, *, read_only: bool = False) -> None:
        self._endpoints = endpoints
        self._client: SparqlClient | None = SparqlClient(endpoints)
        self._dialect = Dialect(endpoints.backend)
        self.read_only = read_only
        # The in-memory copy kept for validation (see ``local_view``), what store
        # generation it is current at, and whether that was checked in this ``mirrored()`` block.
        self._mirror: Store | None = None
        self._mirror_state: KeptCopy | None = None
        self._mirror_checked = False
        self._mirror_depth = 0
        self._mirror_hold = False
        # Whether a write was sent that the generation record does not show yet, the
        # graphs it changed (keys of the record; None: any graph), the mark of a write
        # begun in several requests, and the depth of nested writing methods (the
        # outermost one moves the generation on).
        self._wrote = False
        self._changed: set[str] | None = set()
        self._pending: str | None = None
        self._announce_depth = 0
        # The graphs the last refresh of the kept copy pulled (None: the whole store).
        self.last_pull: list[str] | None = None
        self.recovery = unfinished.Recovery()

    # -- opening and closing

    @classmethod
    def open(cls, location: str, *, create: bool = True, read_only: bool = False) -> RemoteStore:
        """Connect to the store named by ``location`` (a ``sparql+http(s)://`` URL) and
        check that it answers. ``create`` is accepted for symmetry with
        :meth:`Store.open`: a remote dataset exists as soon as its server does.
        ``read_only`` refuses every write."""
        del create
        store = cls(parse_store_url(location), read_only=read_only)
        store._select("ASK { }")
        # A load from this machine killed half-way: rolled back now, or reported.
        store.recovery = unfinished.recover(store, writable=not read_only)
        return store

    @property
    def location(self) -> str:
        """The store URL, without credentials (they come from the environment)."""
        return self._endpoints.location

    @property
    def backend(self) -> str:
        """The kind of triplestore: ``oxigraph``, ``virtuoso`` or ``generic``."""
        return self._endpoints.backend.name

    @property
    def atomic_writes(self) -> bool:
        """Whether the server applies one update request all or nothing (per backend)."""
        return self._endpoints.backend.atomic_requests

    @property
    def endpoints(self) -> Endpoints:
        return self._endpoints

    def _require(self) -> SparqlClient:
        if self._client is None:
            raise StoreClosedError("de store is gesloten", "the store is closed")
        return self._client

    def _writable(self) -> SparqlClient:
        client = self._require()
        if self.read_only:
            raise StoreError(
                f"de store {self.location} is alleen-lezen geopend",
                f"the store {self.location} was opened read-only",
            )
        return client

    def close(self) -> None:
        """Forget the connection; safe to call twice."""
        self._client = None

    @property
    def closed(self) -> bool:
        return self._client is None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._client is None else "open"
        return f"<mag_graph.RemoteStore {self.location} ({state})>"

    # -- running SPARQL

    def _dataset_parameters(
        self,
        union_default_graph: bool,
        default_graphs: Sequence[GraphArg] | None,
        named_graphs: Sequence[GraphArg] | None,
    ) -> list[tuple[str, str]]:
        """The SPARQL Protocol's dataset parameters for a query. As the protocol says,
        naming graphs replaces the whole dataset: with ``named_graphs`` and no
        ``default_graphs`` the query's default graph is empty (the embedded store keeps
        its default graph then)."""
        params: list[tuple[str, str]] = []
        if default_graphs is not None:
            names = [self._protocol_graph(g, "default") for g in self._without_empty_default(default_graphs)]
            params += [("default-graph-uri", name) for name in names or [_NO_GRAPH]]
        if named_graphs is not None:
            names = [self._protocol_graph(g, "named") for g in named_graphs if g is not None]
            params += [("named-graph-uri", name) for name in names or [_NO_GRAPH]]
        if params:
            return params
        backend = self._endpoints.backend
        if union_default_graph and backend.union_parameter:
            return [(backend.union_parameter, "true")]
        if not union_default_graph and backend.default_graph is not None:
            return [("default-graph-uri", backend.default_graph)]
        return []

    def _without_empty_default(self, graphs: Sequence[GraphArg]) -> list[GraphArg]:
        """A query's default graphs without the store's default graph where the protocol
        cannot name it (Oxigraph server) and it holds nothing, so leaving it out changes
        no answer (mag-graph keeps its data in named graphs)."""
        if self._dialect.default_iri is not None:
            return list(graphs)
        rest = [g for g in graphs if not isinstance(_graph_name(g), ox.DefaultGraph)]
        if len(rest) < len(graphs) and not self._is_empty(ox.DefaultGraph()):
            return list(graphs)  # refused by _protocol_graph with a clear message
        return rest

    def _protocol_graph(self, graph: GraphArg, role: str) -> str:
        name = _graph_name(graph)
        iri = None if isinstance(name, ox.BlankNode) else self._dialect.graph_iri(name)
        if iri is not None:
            return iri
        what_nl, what_en = ("de standaardgraaf", "the default graph") if isinstance(name, ox.DefaultGraph) else (
            "een graaf met een blanco knoop als naam", "a graph named by a blank node")
        raise QueryError(
            f"een externe store ({self.backend}) kan {what_nl} niet als {role}-graaf van een query noemen",
            f"a remote store ({self.backend}) cannot name {what_en} as a {role} graph of a query",
        )

    def _run(
        self,
        sparql: str,
        bindings: Mapping[str, Any] | None = None,
        params: list[tuple[str, str]] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """The parsed answer: pyoxigraph solutions or boolean, or a list of triples."""
        client = self._require()
        substitutions = substitutions_for(bindings)
        text = _with_values(sparql, substitutions) if substitutions else sparql
        text, offset = with_prefixes(text)
        form = query_form(sparql)
        # Ask for the type that fits the form: Virtuoso answers a CONSTRUCT asked for
        # SPARQL JSON with a table of ?s ?p ?o.
        accept = N_TRIPLES if form in ("construct", "describe") else RESULTS_JSON if form else QUERY_ACCEPT
        data, media = client.query(text, line_offset=offset, params=params, accept=accept, timeout=timeout)
        return _parse_answer(self._dialect.fix_results(data), media)

    def raw_query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[GraphArg] | None = None,
        named_graphs: Sequence[GraphArg] | None = None,
        union_default_graph: bool = True,
        own_dataset: bool = False,
        timeout: float | None = None,
    ) -> Any:
        """A query's answer as pyoxigraph objects (solutions, boolean or a list of
        triples), for the SPARQL service, which serialises it within its limits.
        ``own_dataset``: the query names its dataset itself (``FROM``), so no protocol
        dataset is sent; ``timeout``: seconds for this request."""
        params = [] if own_dataset else self._dataset_parameters(union_default_graph, default_graphs, named_graphs)
        return self._run(sparql, None, params, timeout)

    def _select(self, sparql: str, **kwargs: Any) -> Any:
        """A query of the store itself (no prefixes needed, default graph as stored)."""
        client = self._require()
        data, media = client.query(sparql, **kwargs)
        return _parse_answer(self._dialect.fix_results(data), media)

    def _write(self, update: str) -> None:
        """Send an update request written by the store itself."""
        self._forget_mirror()
        client = self._writable()
        self._wrote = True
        client.update(update)

    def _write_ops(self, ops: list[str]) -> None:
        """Send update operations: as one request where the backend applies a request
        atomically, otherwise one request each (nothing is lost: such a backend does not
        apply a request atomically either)."""
        if not ops:
            return
        if self._endpoints.backend.atomic_requests:
            self._write(" ;\n".join(ops))
            return
        for op in ops:
            self._write(op)

    def _post(self, quads: list[ox.Quad], chunk: int, *, bulk: bool = False) -> None:
        """Add statements without blank nodes through Graph Store POSTs of N-Triples, per
        graph, ``chunk`` statements per request; ``bulk``: through the server's bulk
        loader where it has one (a chunk of a large load: not one transaction)."""
        client = self._writable()
        self._forget_mirror()
        self._wrote = True
        extra = self._endpoints.backend.bulk_parameter if bulk else None
        if extra and len(quads) >= _BULK_LEAST:
            # One POST of N-Quads to the dataset per chunk, into the bulk loader (about
            # half a second a request: for big chunks only).
            url = client.graph_url(None, dataset=True)
            for i in range(0, len(quads), chunk):
                data = ox.serialize(quads[i : i + chunk], format=ox.RdfFormat.N_QUADS)
                client.graph_post(f"{url}{'&' if '?' in url else '?'}{extra}", data, N_QUADS)
            return
        by_graph: dict[OxGraphName, list[ox.Triple]] = {}
        for q in quads:
            by_graph.setdefault(q.graph_name, []).append(ox.Triple(q.subject, q.predicate, q.object))
        for graph, triples in by_graph.items():
            url = client.graph_url(self._dialect.graph_iri(graph))
            for i in range(0, len(triples), chunk):
                client.graph_post(url, ox.serialize(triples[i : i + chunk], format=ox.RdfFormat.N_TRIPLES), N_TRIPLES)

    # -- graphs

    def __len__(self) -> int:
        return self._number(f"SELECT (COUNT(*) AS ?n) WHERE {{ {self._dialect.every('?s ?p ?o')} }}")

    def _number(self, sparql: str) -> int:
        for row in self._select(sparql):
            return int(row["n"].value)
        return 0

    def graphs(self) -> list[URIRef | BNode]:
        """The named graphs (empty ones too where the backend keeps them), sorted by name."""
        out = [self._dialect.graph_out(row["g"]) for row in self._select(self._dialect.graphs_query())]
        return sorted((g for g in out if g is not None), key=str)

    def has_graph(self, graph: GraphArg) -> bool:
        name = _graph_name(graph)
        if isinstance(name, ox.DefaultGraph):
            return True
        if isinstance(name, ox.BlankNode):
            return _graph_out(name) in self.graphs()
        return bool(self._select(self._dialect.has_graph_query(name)))

    def create_graph(self, graph: GraphArg) -> bool:
        """Make sure a named graph exists (``CREATE SILENT GRAPH``); True when it was new.
        Backends that keep no empty graphs (Virtuoso) accept the request and still list
        the graph only once it has statements."""
        name = _graph_name(graph)
        if isinstance(name, ox.DefaultGraph) or self.has_graph(graph):
            return False
        if isinstance(name, ox.BlankNode):
            raise QueryError("een externe store kan geen blanco graaf aanmaken",
                             "a remote store cannot create a blank-node graph")
        with self._announcing():
            self._touch([name])
            self._write(f"CREATE SILENT GRAPH <{name.value}>")
        return True

    def count(self, graph: GraphArg = None) -> int:
        """Statements in one graph (``None`` = the default graph)."""
        pattern = self._dialect.in_graph(_graph_name(graph), "?s ?p ?o")
        return self._number(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")

    def _is_empty(self, graph: OxGraphName) -> bool:
        return not bool(self._select(f"ASK {{ {self._dialect.in_graph(graph, '?s ?p ?o')} }}"))

    def graph_sizes(self) -> dict[URIRef | BNode | None, int]:
        """Statements per graph: the default graph (key ``None``) first, then named graphs by name."""
        sizes: dict[URIRef | BNode | None, int] = {None: self.count(None)}
        counted = {
            self._dialect.graph_out(row["g"]): int(row["n"].value)
            for row in self._select(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ {self._dialect.named('?s ?p ?o')} }} GROUP BY ?g")
        }
        for g in self.graphs():
            sizes[g] = counted.get(g, 0)
        return sizes

    def clear_graph(self, graph: GraphArg) -> None:
        """Remove every statement of a graph but keep the (named) graph (where the
        backend keeps empty graphs)."""
        with self._announcing():
            self._touch([_graph_name(graph)])
            self._write(self._dialect.clear(_graph_name(graph)))

    def drop_graph(self, graph: GraphArg) -> None:
        """Remove a named graph with its statements (the default graph is only emptied)."""
        with self._announcing():
            self._touch([_graph_name(graph)])
            self._write(self._dialect.drop(_graph_name(graph)))

    def quads(
        self,
        subject: Any = None,
        predicate: Any = None,
        object: Any = None,
        graph: Any = ...,
    ) -> Iterator[tuple[Node, Node, Node, URIRef | BNode | None]]:
        """Statements matching a pattern, as rdflib terms with the graph last
        (``None`` = default graph). ``graph=...`` (the default) matches every graph.
        Inside :meth:`mirrored` (a CMS write) they are read from the kept copy, which
        is current there (checked at the block's first read), without a request each."""
        if self._mirror_depth:
            yield from self.local_view().quads(subject, predicate, object, graph)
            return
        fixed: dict[str, ox.NamedNode | ox.Literal] = {}
        blank: dict[str, ox.BlankNode] = {}
        for var, value in (("s", subject), ("p", predicate), ("o", object)):
            if value is None:
                continue
            term = from_rdflib_term(value)
            if isinstance(term, ox.BlankNode):
                blank[var] = term
            elif isinstance(term, ox.Triple):
                raise QueryError(
                    "een externe store zoekt niet op RDF 1.2-tripletermen",
                    "a remote store does not match RDF 1.2 triple terms",
                )
            else:
                fixed[var] = term
        dialect = self._dialect
        if graph is ...:
            body, graph_out = dialect.every("?s ?p ?o"), None
        else:
            name = _graph_name(graph)
            if isinstance(name, ox.BlankNode):
                body, graph_out = dialect.named("?s ?p ?o"), None
                blank["g"] = name
            else:
                body, graph_out = dialect.in_graph(name, "?s ?p ?o"), _graph_out(name) if isinstance(name, ox.NamedNode) else None
        filters = "".join(f" FILTER(isBlank(?{var}))" for var in blank)
        sparql = f"SELECT ?s ?p ?o ?g WHERE {{ {body}{filters} }}"
        if fixed:
            sparql = _with_values(sparql, {ox.Variable(v): t for v, t in fixed.items()})
        conv = _Converter()
        for row in self._select(sparql):
            if any(row[var] is None or row[var].value != term.value for var, term in blank.items()):
                continue
            g = row["g"]
            yield (
                conv(row["s"]),
                conv(row["p"]),
                conv(row["o"]),
                dialect.graph_out(g) if g is not None else graph_out,
            )

    # -- SPARQL

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Any] | None = None,
        union_default_graph: bool = True,
        default_graphs: Sequence[GraphArg] | None = None,
        named_graphs: Sequence[GraphArg] | None = None,
    ) -> QueryResult:
        """Run a SPARQL query on the server; results in rdflib terms (see
        :meth:`GraphStore.query`). One difference: with ``named_graphs`` and no
        ``default_graphs`` the default graph is empty (SPARQL Protocol)."""
        params = self._dataset_parameters(union_default_graph, default_graphs, named_graphs)
        return _convert_result(self._run(sparql, bindings, params))

    def query_to(
        self,
        sparql: str,
        format: str = "json",
        *,
        output: Any = None,
        bindings: Mapping[str, Any] | None = None,
        union_default_graph: bool = True,
        default_graphs: Sequence[GraphArg] | None = None,
        named_graphs: Sequence[GraphArg] | None = None,
    ) -> tuple[bytes | None, str]:
        """Run a query and serialise its result with the embedded store's serialisers
        (same formats, same prefixes); the bytes (``None`` if written to ``output``)
        and the media type."""
        params = self._dataset_parameters(union_default_graph, default_graphs, named_graphs)
        return _serialise_result(self._run(sparql, bindings, params), format, output)

    def update(self, sparql: str) -> None:
        """Run a SPARQL update as one request (atomic where the backend makes a request
        one transaction; see :mod:`mag_graph.store.remote_transaction`)."""
        client = self._writable()
        self._forget_mirror()
        text, offset = with_prefixes(sparql)
        text, extra = self._dialect.user_update(text)
        if self.atomic_writes:
            # The generation moves in the same request, after the caller's operations:
            # all of it or nothing is applied, so no crash can come between.
            token = new_token()
            client.update(then(text, bump_operations(token, None)), line_offset=offset + extra)
            self._moved_to(token, in_step=False)
            return
        with self._announcing():
            self._touch(None)
            self._wrote = True
            client.update(text, line_offset=offset + extra)

    # -- reading whole graphs

    @contextlib.contextmanager
    def _graph_stream(self, graph: OxGraphName | None) -> Iterator[tuple[IO[bytes], ox.RdfFormat] | None]:
        """A Graph Store GET of one graph (N-Triples) or of the whole dataset (``None``,
        N-Quads, where the backend answers it): the open response and its format, or
        ``None`` for a named graph the server does not know. Errors while reading it are
        mapped to the store's errors."""
        client = self._require()
        if graph is None:
            url, fmt, accept = client.graph_url(None, dataset=True), ox.RdfFormat.N_QUADS, N_QUADS
        else:
            url, fmt, accept = client.graph_url(self._dialect.graph_iri(graph)), ox.RdfFormat.N_TRIPLES, N_TRIPLES
        try:
            response = client.graph_get(url, accept)
        except GraphReadError as exc:
            if exc.code == 404 and graph is not None:
                yield None  # an empty named graph may be answered as "not found"
                return
            raise
        with response:
            try:
                yield response, fmt
            except (SyntaxError, ValueError) as exc:
                raise QueryError(
                    f"onleesbaar antwoord van de triplestore: {exc}", f"unreadable answer from the triplestore: {exc}"
                ) from None
            except OSError as exc:
                raise client._connection_error(exc) from None

    def _pull(self, graph: OxGraphName | None) -> Iterator[ox.Quad]:
        """The statements of one graph, or of the whole dataset (``None``), streamed."""
        if graph is None and not self._endpoints.backend.dataset_get:
            # One Graph Store GET per graph (the server's result limits do not apply there).
            for name in [ox.DefaultGraph(), *(_graph_name(g) for g in self.graphs())]:
                yield from self._pull(name)
            return
        with self._graph_stream(graph) as stream:
            if stream is None:
                return
            response, fmt = stream
            for q in ox.parse(response, format=fmt):
                if graph is None and q.graph_name == _GENERATION:
                    continue
                yield q if graph is None else ox.Quad(q.subject, q.predicate, q.object, graph)

    def _check_graph(self, graph: GraphArg) -> OxGraphName:
        name = _graph_name(graph)
        if not isinstance(name, ox.DefaultGraph) and not self.has_graph(name):
            raise UnknownGraphError(_graph_label(name))
        return name

    def to_rdflib(self, graph: GraphArg = None, *, union: bool = False) -> Graph:
        """One graph as an rdflib Graph (``None`` = the default graph; ``union=True``:
        every statement of every graph together)."""
        conv = _Converter()
        if union:
            out, quads = Graph(), self._pull(None)
        else:
            name = self._check_graph(graph)
            out = Graph() if isinstance(name, ox.DefaultGraph) else Graph(identifier=_graph_out(name))
            quads = self._pull(name)
        _bind_prefixes(out)
        add = out.add
        for q in quads:
            add((conv(q.subject), conv(q.predicate), conv(q.object)))
        return out

    def local_copy(self, graphs: Iterable[GraphArg] | None = None) -> Store:
        """An in-memory embedded :class:`~mag_graph.store.embedded.Store` holding this
        store's content (empty named graphs included), or only ``graphs``: for export,
        validation and reasoning, which then run exactly as on the embedded store. The
        caller closes it."""
        copy = Store.open(MEMORY)
        db = copy.oxigraph
        try:
            if graphs is None:
                names = [_graph_name(g) for g in self.graphs()]
                for name in [None] if self._endpoints.backend.dataset_get else [ox.DefaultGraph(), *names]:
                    self._load_into(db, name)
            else:
                names = [self._check_graph(g) for g in graphs]
                for name in names:
                    self._load_into(db, name)
            for name in names:
                if not isinstance(name, ox.DefaultGraph):
                    db.add_graph(name)
        except BaseException:
            copy.close()
            raise
        return copy

    def _load_into(self, db: ox.Store, graph: OxGraphName | None) -> None:
        """Copy one graph (or everything) into a pyoxigraph store, blank node labels kept
        (``Store.load`` would rename them, and a copy must name the server's nodes)."""
        with self._graph_stream(graph) as stream:
            if stream is not None:
                response, fmt = stream
                quads: Iterator[ox.Quad] = ox.parse(response, format=fmt)
                if graph is not None and not isinstance(graph, ox.DefaultGraph):
                    quads = (ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads)
                db.bulk_extend(quads)
                if graph is None and db.contains_named_graph(_GENERATION):
                    db.remove_graph(_GENERATION)  # the generation record is not data

    # -- the store's generation (mag_graph.store.remote_generation)

    def generation(self) -> str:
        """The store's generation token ("" before the first write through mag-graph):
        moved on by every write made through mag-graph, by any process. While a write
        made in several requests is unfinished (or was cut off by a crash, until
        ``mag-graph refresh``), a new value at every call, so no cache trusts itself."""
        seen = self._read_generation()
        return f"{seen.token}~unfinished~{new_token()}" if seen.pending else seen.token or ""

    def unfinished_writes(self) -> int:
        """How many writes made in several requests have begun and not finished (by any
        process; one left by a crash stays until ``mag-graph refresh``)."""
        return len(self._read_generation().pending)

    def _graph_tokens(self) -> dict[str, str]:
        return graph_tokens_of(self._select(GRAPH_TOKENS_QUERY))

    def _touch(self, graphs: Iterable[OxGraphName] | None) -> None:
        """Note the graphs a write changes (``None``: any), for the generation record."""
        if graphs is None or self._changed is None:
            self._changed = None
        else:
            self._changed |= {graph_key(g) for g in graphs}

    def _read_generation(self) -> Generation:
        return generation_of(self._select(READ_QUERY))

    def announce_change(self) -> str:
        """Move the generation on without writing anything else: after writes made
        directly to the triplestore, so every mag-graph process on it empties its caches,
        updates its search index and refreshes its in-memory copy (``mag-graph refresh``).
        Returns the new token."""
        self._writable()
        self._forget_mirror(force=True)  # this process's copy may be stale as well
        self._touch(None)
        return self._bump(clear_pending=True)

    def _bump(self, *, in_step: bool = False, clear_pending: bool = False, pending: bool = False) -> str:
        """Send a new generation token (one request where the backend applies a request
        atomically) naming the graphs changed since the last (``_touch``) and ending this
        process's unfinished write, if any. ``in_step``: the kept copy applied the write
        being announced, so it stays current at the new token. ``pending``: the mark of a
        write about to begin in several requests (:meth:`_announcing`)."""
        token = new_token()
        client = self._writable()
        # A write that named no graph may have changed any (None).
        graphs = [] if pending else sorted(self._changed) if self._changed else None
        ops = bump_operations(token, graphs, pending=pending, finished=self._pending, clear_pending=clear_pending)
        for text in [" ;\n".join(ops)] if self.atomic_writes else ops:
            client.update(text)
        if pending:
            self._pending = token
            return token
        previous, self._pending, self._wrote = self._pending, None, False
        changed, self._changed = self._changed, set()
        self._moved_to(token, in_step=in_step, previous=previous, graphs=changed or ())
        return token

    def _moved_to(self, token: str, *, in_step: bool, previous: str | None = None,
                  graphs: Iterable[str] = ()) -> None:
        if self._mirror is not None and self._mirror_state is not None and in_step:
            self._mirror_state = self._mirror_state.after_own_write(token, previous, graphs)
        elif not self._mirror_hold:
            self._forget_mirror(force=True)

    @contextlib.contextmanager
    def _announcing(self, *, several: bool = False) -> Iterator[None]:
        """Around a writing method: when the outermost one ends (also by an error, since
        part of the change may have been applied), the generation moves on if anything
        was sent. A write that takes several requests (``several``, or any write where
        the backend does not apply a request atomically) first marks itself unfinished
        in the record, so a crash before its end shows (:meth:`unfinished_writes`)."""
        if not self._announce_depth and (several or not self.atomic_writes):
            self._bump(pending=True)
        self._announce_depth += 1
        try:
            yield
        except BaseException:
            self._announce_depth -= 1
            if not self._announce_depth and (self._wrote or self._pending) and self._client is not None:
                with contextlib.suppress(MagGraphError):  # the write's own error is the one to report
                    self._bump()
            raise
        self._announce_depth -= 1
        if not self._announce_depth and (self._wrote or self._pending):
            if self._pending:
                crash_point("remote-write")  # test-only: the requests sent, the end not recorded
            self._bump()

    def to_dataset(self) -> Dataset:
        """Every graph as an rdflib Dataset (blank nodes shared across graphs stay shared)."""
        with self.local_copy() as copy:
            return copy.to_dataset()

    def add_graph(self, rdf_graph: Graph, graph: GraphArg, *, replace: bool = False) -> int:
        """Write an rdflib graph into ``graph`` in one request (``replace``: drop the old content)."""
        with self.transaction() as tx:
            if replace:
                tx.remove_graph(graph)
            return tx.add_graph(rdf_graph, graph)

    def transaction(self) -> RemoteTransaction:
        """Collect changes and send them as one update request; see
        :class:`~mag_graph.store.remote_transaction.RemoteTransaction`."""
        self._writable()
        return RemoteTransaction(self)

    # -- export and statistics

    def export(
        self,
        *,
        graph: GraphArg = None,
        format: str | None = None,
        destination: str | os.PathLike[str] | IO[bytes] | None = None,
    ) -> bytes | None:
        """Serialise the store or one graph, like :meth:`Store.export` (which does the
        writing, on an in-memory copy of what is exported)."""
        _export_format(graph, format, destination)  # refuse a bad format before pulling anything
        with self.local_copy(None if graph is None else [graph]) as copy:
            return copy.export(graph=graph, format=format, destination=destination)

    def stats(self) -> Stats:
        """Statements per graph and instances per class (``rdf:type``, over all graphs)."""
        sizes = self.graph_sizes()
        every = self._dialect.every("?s a ?c")
        rows = self._select(f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {every} FILTER(isIRI(?c)) }} GROUP BY ?c")
        classes = [(URIRef(row["c"].value), int(row["n"].value)) for row in rows]
        classes.sort(key=lambda item: (-item[1], str(item[0])))
        return Stats(total=sum(sizes.values()), graphs=sizes, classes=classes)


def _parse_answer(data: bytes, media: str) -> Any:
    """A query answer in pyoxigraph objects: solutions or a boolean (SPARQL results
    formats) or a list of triples (RDF formats, for CONSTRUCT/DESCRIBE)."""
    try:
        results = ox.QueryResultsFormat.from_media_type(media) if media else None
        if results is not None:
            return ox.parse_query_results(data, results)
        rdf = ox.RdfFormat.from_media_type(media) if media else None
        if rdf is not None:
            return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, format=rdf)]
    except (SyntaxError, ValueError) as exc:
        raise QueryError(
            f"onleesbaar antwoord van de triplestore: {exc}", f"unreadable answer from the triplestore: {exc}"
        ) from None
    raise QueryError(
        f"de triplestore antwoordde in een onbekend formaat ({media or '?'})",
        f"the triplestore answered in an unknown format ({media or '?'})",
    )
