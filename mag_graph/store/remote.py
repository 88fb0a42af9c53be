"""The remote store: :class:`RemoteStore`, the :class:`~mag_graph.store.interface.GraphStore`
on a triplestore reached over SPARQL 1.1 Query, Update and the Graph Store HTTP Protocol.

Opened by a store URL (``--store sparql+http://host:port/?backend=oxigraph``; see
:mod:`mag_graph.store.endpoints`). What it does, and how:

* queries go to the query endpoint with the project prefixes declared in front and
  parameters bound as a ``VALUES`` block of typed terms (:mod:`mag_graph.store.querytext`,
  the same text the embedded store runs); answers are read with pyoxigraph's parsers
  and converted to rdflib terms exactly like the embedded store's
  (``"x"^^xsd:string`` is the plain literal ``"x"``);
* writes: an update is one request; a transaction is one request
  (:mod:`mag_graph.store.remote_transaction`, which says what is atomic per backend);
  loads are parsed here first (syntax errors with file, line and column never reach the
  server) and sent as one update when small, in Graph Store chunks when large
  (:mod:`mag_graph.store.remote_loading`);
* whole graphs are read with Graph Store GETs, streamed through pyoxigraph's parser;
  export, :meth:`RemoteStore.to_dataset` and validation work on an in-memory embedded
  copy (:meth:`RemoteStore.local_copy`), so they serialise and validate exactly like the
  embedded store.

Blank nodes: SPARQL cannot name a stored blank node. Patterns of :meth:`RemoteStore.quads`
with a blank node are matched here, on the labels the server answers (Oxigraph answers
the labels it stores, so a blank node read from the store finds its statements again);
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

from mag_graph.store.embedded import MEMORY, Store, _export_format
from mag_graph.store.endpoints import Endpoints, parse_store_url
from mag_graph.store.errors import (
    QueryError,
    StoreClosedError,
    StoreError,
    UnknownGraphError,
)
from mag_graph.store.formats import _bind_prefixes
from mag_graph.store.protocol import N_QUADS, N_TRIPLES, GraphReadError, SparqlClient
from mag_graph.store.querytext import _with_values, substitutions_for, with_prefixes
from mag_graph.store.remote_loading import _RemoteLoading
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
_EVERY_QUAD = "{ ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }"


class RemoteStore(_RemoteLoading):
    """A mag-graph store on a remote SPARQL 1.1 triplestore.

    Open it with :meth:`open` (or :func:`mag_graph.store.open_graph_store`); closing only
    forgets the connection settings, the data stays on the server. Every request has
    the timeout of the store URL.
    """

    in_memory = False

    def __init__(self, endpoints: Endpoints, *, read_only: bool = False) -> None:
        self._endpoints = endpoints
        self._client: SparqlClient | None = SparqlClient(endpoints)
        self.read_only = read_only

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
            names = [_protocol_graph(g, "default") for g in default_graphs]
            params += [("default-graph-uri", name) for name in names or [_NO_GRAPH]]
        if named_graphs is not None:
            names = [_protocol_graph(g, "named") for g in named_graphs if g is not None]
            params += [("named-graph-uri", name) for name in names or [_NO_GRAPH]]
        if not params and union_default_graph and self._endpoints.backend.union_parameter:
            params.append((self._endpoints.backend.union_parameter, "true"))
        return params

    def _run(
        self,
        sparql: str,
        bindings: Mapping[str, Any] | None = None,
        params: list[tuple[str, str]] | None = None,
    ) -> Any:
        """The parsed answer: pyoxigraph solutions or boolean, or a list of triples."""
        client = self._require()
        substitutions = substitutions_for(bindings)
        text = _with_values(sparql, substitutions) if substitutions else sparql
        text, offset = with_prefixes(text)
        data, media = client.query(text, line_offset=offset, params=params)
        return _parse_answer(data, media)

    def _select(self, sparql: str, **kwargs: Any) -> Any:
        """A query of the store itself (no prefixes needed, default graph as stored)."""
        client = self._require()
        data, media = client.query(sparql, **kwargs)
        return _parse_answer(data, media)

    def _write(self, update: str) -> None:
        """Send an update request written by the store itself."""
        self._writable().update(update)

    # -- graphs

    def __len__(self) -> int:
        return self._number(f"SELECT (COUNT(*) AS ?n) WHERE {{ {_EVERY_QUAD} }}")

    def _number(self, sparql: str) -> int:
        for row in self._select(sparql):
            return int(row["n"].value)
        return 0

    def graphs(self) -> list[URIRef | BNode]:
        """The named graphs (empty ones too), sorted by name."""
        out = [_graph_out(row["g"]) for row in self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")]
        return sorted((g for g in out if g is not None), key=str)

    def has_graph(self, graph: GraphArg) -> bool:
        name = _graph_name(graph)
        if isinstance(name, ox.DefaultGraph):
            return True
        if isinstance(name, ox.BlankNode):
            return _graph_out(name) in self.graphs()
        return bool(self._select(f"ASK {{ GRAPH {name} {{ }} }}"))

    def count(self, graph: GraphArg = None) -> int:
        """Statements in one graph (``None`` = the default graph)."""
        name = _graph_name(graph)
        if isinstance(name, ox.DefaultGraph):
            return self._number("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return self._number(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_graph_text(name)} {{ ?s ?p ?o }} }}")

    def _is_empty(self, graph: OxGraphName) -> bool:
        if isinstance(graph, ox.DefaultGraph):
            return not bool(self._select("ASK { ?s ?p ?o }"))
        return not bool(self._select(f"ASK {{ GRAPH {_graph_text(graph)} {{ ?s ?p ?o }} }}"))

    def graph_sizes(self) -> dict[URIRef | BNode | None, int]:
        """Statements per graph: the default graph (key ``None``) first, then named graphs by name."""
        sizes: dict[URIRef | BNode | None, int] = {None: self.count(None)}
        counted = {
            _graph_out(row["g"]): int(row["n"].value)
            for row in self._select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        }
        for g in self.graphs():
            sizes[g] = counted.get(g, 0)
        return sizes

    def clear_graph(self, graph: GraphArg) -> None:
        """Remove every statement of a graph but keep the (named) graph."""
        name = _graph_name(graph)
        self._write("CLEAR SILENT DEFAULT" if isinstance(name, ox.DefaultGraph) else f"CLEAR SILENT GRAPH {_graph_text(name)}")

    def drop_graph(self, graph: GraphArg) -> None:
        """Remove a named graph with its statements (the default graph is only emptied)."""
        name = _graph_name(graph)
        self._write("CLEAR SILENT DEFAULT" if isinstance(name, ox.DefaultGraph) else f"DROP SILENT GRAPH {_graph_text(name)}")

    def quads(
        self,
        subject: Any = None,
        predicate: Any = None,
        object: Any = None,
        graph: Any = ...,
    ) -> Iterator[tuple[Node, Node, Node, URIRef | BNode | None]]:
        """Statements matching a pattern, as rdflib terms with the graph last
        (``None`` = default graph). ``graph=...`` (the default) matches every graph."""
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
        if graph is ...:
            body, graph_out = _EVERY_QUAD, None
        else:
            name = _graph_name(graph)
            if isinstance(name, ox.DefaultGraph):
                body, graph_out = "?s ?p ?o", None
            elif isinstance(name, ox.BlankNode):
                body, graph_out = "GRAPH ?g { ?s ?p ?o }", None
                blank["g"] = name
            else:
                body, graph_out = f"GRAPH {name} {{ ?s ?p ?o }}", _graph_out(name)
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
                _graph_out(g) if g is not None else graph_out,
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
        text, offset = with_prefixes(sparql)
        client.update(text, line_offset=offset)

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
            iri = None if isinstance(graph, ox.DefaultGraph) else _graph_text(graph)[1:-1]
            url, fmt, accept = client.graph_url(iri), ox.RdfFormat.N_TRIPLES, N_TRIPLES
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
            for row in self._select(f"SELECT ?s ?p ?o ?g WHERE {{ {_EVERY_QUAD} }}"):
                g = row["g"]
                yield ox.Quad(row["s"], row["p"], row["o"], g if g is not None else ox.DefaultGraph())
            return
        with self._graph_stream(graph) as stream:
            if stream is None:
                return
            response, fmt = stream
            for q in ox.parse(response, format=fmt):
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
                if self._endpoints.backend.dataset_get:
                    self._load_into(db, None)
                else:
                    db.bulk_extend(self._pull(None))
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
        rows = self._run(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c",
            params=self._dataset_parameters(True, None, None),
        )
        classes = [(URIRef(row["c"].value), int(row["n"].value)) for row in rows]
        classes.sort(key=lambda item: (-item[1], str(item[0])))
        return Stats(total=sum(sizes.values()), graphs=sizes, classes=classes)


def _graph_text(name: OxGraphName) -> str:
    """A named graph as SPARQL text (``GRAPH <iri>``); a blank node cannot be named."""
    if isinstance(name, ox.BlankNode):
        raise StoreError(
            "een externe store kan een graaf met een blanco knoop als naam niet aanwijzen",
            "a remote store cannot address a graph named by a blank node",
        )
    return str(name)


def _protocol_graph(graph: GraphArg, role: str) -> str:
    name = _graph_name(graph)
    if isinstance(name, ox.NamedNode):
        return name.value
    what_nl, what_en = ("de standaardgraaf", "the default graph") if isinstance(name, ox.DefaultGraph) else (
        "een graaf met een blanco knoop als naam", "a graph named by a blank node")
    raise QueryError(
        f"een externe store kan {what_nl} niet als {role}-graaf van een query noemen",
        f"a remote store cannot name {what_en} as a {role} graph of a query",
    )


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
