"""The embedded store: :class:`Store`, the :class:`~mag_graph.store.interface.GraphStore`
on pyoxigraph (Oxigraph), on disk or in memory.

Opening and closing (an on-disk store is locked by the process that has it open),
graphs and statements, SPARQL queries and updates with parameters bound as typed RDF
terms (never pasted into query text), rdflib views, export and statistics. Loading is
in :mod:`mag_graph.store.loading` (mixed into :class:`Store`), transactions in
:mod:`mag_graph.store.transaction`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Self

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.term import Node

from mag_graph.namespaces import PREFIXES
from mag_graph.store import unfinished
from mag_graph.store.errors import (
    QueryError,
    QuerySyntaxError,
    StoreClosedError,
    StoreError,
    StoreLockedError,
    StoreNotFoundError,
    UnknownGraphError,
)
from mag_graph.store.formats import (
    FORMAT_NAMES,
    UnknownFormatError,
    _bind_prefixes,
    _prefixes_for,
    rdf_format,
)
from mag_graph.store.loading import _Loading
from mag_graph.store.querytext import _with_values, sparql_message, substitutions_for
from mag_graph.store.results import (
    QueryResult,
    Stats,
    _convert_result,
    _serialise_result,
)
from mag_graph.store.terms import (
    GraphArg,
    _Converter,
    _graph_label,
    _graph_name,
    _graph_out,
    _rdflib_quad,
    from_rdflib_term,
)
from mag_graph.store.transaction import Transaction

ENV_STORE = "MAG_GRAPH_STORE"
MEMORY = ":memory:"


def default_store_path() -> Path:
    """Where the store lives unless told otherwise: ``$MAG_GRAPH_STORE`` or ``./.mag-graph/store``."""
    env = os.environ.get(ENV_STORE)
    if env:
        return Path(env)
    return Path.cwd() / ".mag-graph" / "store"


def _is_memory(path: Any) -> bool:
    return path is None or str(path) == MEMORY


class Store(_Loading):
    """A mag-graph store on Oxigraph (pyoxigraph), on disk or in memory.

    Open it with :meth:`open` and close it (or use it as a context manager): an on-disk
    Oxigraph store is locked by the process that has it open. :meth:`load` and its
    strategies come from :mod:`mag_graph.store.loading`.
    """

    def __init__(self, ox_store: ox.Store, location: str, *, in_memory: bool) -> None:
        self._ox: ox.Store | None = ox_store
        self._location = location
        self.in_memory = in_memory
        # What opening did about loads and imports a crash left unfinished (filled by open).
        self.recovery = unfinished.Recovery()

    # -- opening and closing

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        create: bool = True,
        read_only: bool = False,
    ) -> Store:
        """Open (and by default create) the store at ``path``; ``None``/":memory:" = in memory.

        ``create=False`` refuses to make a new store, for commands that only read (so a
        typo in ``--store`` does not silently create an empty one). ``read_only`` opens a
        static read-only view (pyoxigraph warns that another process writing the same
        store meanwhile is undefined behaviour).
        """
        if _is_memory(path):
            return cls(ox.Store(), MEMORY, in_memory=True)
        location = Path(path)  # type: ignore[arg-type]
        exists = location.is_dir() and any(location.iterdir())
        if not exists and (not create or read_only):
            raise StoreNotFoundError(
                f"er is geen store in {location}; maak er een met `mag-graph init`",
                f"there is no store at {location}; create one with `mag-graph init`",
            )
        if location.exists() and not location.is_dir():
            raise StoreError(
                f"{location} is geen map en kan geen store zijn",
                f"{location} is not a directory and cannot be a store",
            )
        try:
            if read_only:
                handle = ox.Store.read_only(str(location))
            else:
                location.mkdir(parents=True, exist_ok=True)
                handle = ox.Store(str(location))
        except OSError as exc:
            text = str(exc)
            if "lock" in text.lower():
                raise StoreLockedError(
                    f"de store in {location} is al open in een ander proces (vergrendeld)",
                    f"the store at {location} is already open in another process (locked)",
                ) from None
            raise StoreError(
                f"kan de store in {location} niet openen: {text}",
                f"cannot open the store at {location}: {text}",
            ) from None
        store = cls(handle, str(location), in_memory=False)
        # A load or import killed half-way: rolled back now, or reported (stats, serve).
        store.recovery = unfinished.recover(store, writable=not read_only)
        return store

    @property
    def location(self) -> str:
        """The store directory, or ":memory:"."""
        return self._location

    @property
    def _db(self) -> ox.Store:
        """The pyoxigraph store. Read through this property rather than kept in local
        variables: a traceback keeps its frames' locals alive, and a live handle keeps
        the on-disk lock after :meth:`close`."""
        return self._require()

    def _require(self) -> ox.Store:
        if self._ox is None:
            raise StoreClosedError("de store is gesloten", "the store is closed")
        return self._ox

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for the few places that need Oxigraph itself
        (benchmarks, a SPARQL protocol endpoint). Everything else uses this class."""
        return self._require()

    def close(self) -> None:
        """Flush and release the store (and its on-disk lock). Safe to call twice."""
        if self._ox is None:
            return
        handle, self._ox = self._ox, None
        if not self.in_memory:
            try:
                handle.flush()
            except OSError:
                pass
        del handle

    @property
    def closed(self) -> bool:
        return self._ox is None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._ox is None else "open"
        return f"<mag_graph.Store {self._location} ({state})>"

    # -- graphs

    def __len__(self) -> int:
        return len(self._require())

    def graphs(self) -> list[URIRef | BNode]:
        """The named graphs, sorted by name."""
        out = [_graph_out(g) for g in self._require().named_graphs()]
        return sorted((g for g in out if g is not None), key=str)

    def has_graph(self, graph: GraphArg) -> bool:
        name = _graph_name(graph)
        if isinstance(name, ox.DefaultGraph):
            return True
        return self._require().contains_named_graph(name)

    def count(self, graph: GraphArg = None) -> int:
        """Statements in one graph (``None`` = the default graph)."""
        name = _graph_name(graph)
        if isinstance(name, ox.DefaultGraph):
            rows = self._db.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        else:
            # The graph is named through the dataset, not pasted into the query text.
            rows = self._db.query(
                "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[name]
            )
        for row in rows:
            return int(row["n"].value)
        return 0

    def graph_sizes(self) -> dict[URIRef | BNode | None, int]:
        """Statements per graph: the default graph (key ``None``) first, then named graphs by name."""
        sizes: dict[URIRef | BNode | None, int] = {None: self.count(None)}
        counted = {
            _graph_out(row["g"]): int(row["n"].value)
            for row in self._db.query(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
            )
        }
        for g in self.graphs():
            sizes[g] = counted.get(g, 0)
        return sizes

    def clear_graph(self, graph: GraphArg) -> None:
        """Remove every statement of a graph but keep the (named) graph."""
        self._require().clear_graph(_graph_name(graph))

    def drop_graph(self, graph: GraphArg) -> None:
        """Remove a named graph with its statements (the default graph is only emptied)."""
        name = _graph_name(graph)
        if isinstance(name, ox.DefaultGraph):
            self._db.clear_graph(name)
        elif self._db.contains_named_graph(name):
            self._db.remove_graph(name)

    def create_graph(self, graph: GraphArg) -> bool:
        """Make sure a named graph exists, empty if it is new; True when it was new."""
        name = _graph_name(graph)
        if isinstance(name, ox.DefaultGraph) or self._require().contains_named_graph(name):
            return False
        self._db.add_graph(name)
        return True

    def quads(
        self,
        subject: Any = None,
        predicate: Any = None,
        object: Any = None,
        graph: Any = ...,
    ) -> Iterator[tuple[Node, Node, Node, URIRef | BNode | None]]:
        """Statements matching a pattern, as rdflib terms with the graph last
        (``None`` = default graph). ``graph=...`` (the default) matches every graph."""
        conv = _Converter()
        pattern = (
            None if subject is None else from_rdflib_term(subject),
            None if predicate is None else from_rdflib_term(predicate),
            None if object is None else from_rdflib_term(object),
            None if graph is ... else _graph_name(graph),
        )
        for q in self._require().quads_for_pattern(*pattern):
            yield _rdflib_quad(q, conv)


    # -- SPARQL

    def _query_kwargs(
        self,
        union_default_graph: bool,
        default_graphs: Sequence[GraphArg] | None,
        named_graphs: Sequence[GraphArg] | None,
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"prefixes": dict(PREFIXES)}
        if default_graphs is not None:
            kwargs["default_graph"] = [_graph_name(g) for g in default_graphs]
        else:
            kwargs["use_default_graph_as_union"] = union_default_graph
        if named_graphs is not None:
            kwargs["named_graphs"] = [_graph_name(g) for g in named_graphs if g is not None]
        return kwargs

    def _run_query(
        self,
        sparql: str,
        bindings: Mapping[str, Any] | None,
        kwargs: dict[str, Any],
    ) -> Any:
        substitutions = substitutions_for(bindings)
        try:
            try:
                # Parameters are bound with a VALUES block built from the typed terms, not
                # with pyoxigraph's ``substitutions``: Oxigraph 0.5 evaluates a query with
                # substitutions over the whole store and filters afterwards (seconds instead
                # of milliseconds at a million triples), and accepts only projected
                # variables there.
                if substitutions:
                    return self._db.query(_with_values(sparql, substitutions), **kwargs)
                return self._db.query(sparql, **kwargs)
            except RuntimeError as exc:
                raise QueryError(f"query mislukt: {exc}", f"query failed: {exc}") from None
        except SyntaxError as exc:
            raise QuerySyntaxError(_sparql_message(exc)) from None
        except OSError as exc:
            raise QueryError(f"query mislukt: {exc}", f"query failed: {exc}") from None

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Any] | None = None,
        union_default_graph: bool = True,
        default_graphs: Sequence[GraphArg] | None = None,
        named_graphs: Sequence[GraphArg] | None = None,
    ) -> QueryResult:
        """Run a SPARQL query; results in rdflib terms.

        The prefixes of :data:`mag_graph.namespaces.PREFIXES` are predeclared (a query's own
        PREFIX lines win). ``bindings`` pre-bind variables to RDF terms (rdflib terms or
        strings read as IRIs) - the safe way to pass user input. By default the default
        graph is the union of all graphs, so queries need no ``GRAPH`` unless they care
        which graph; ``default_graphs`` / ``named_graphs`` narrow the dataset instead.
        """
        raw = self._run_query(
            sparql, bindings, self._query_kwargs(union_default_graph, default_graphs, named_graphs)
        )
        try:
            return _convert_result(raw)
        except OSError as exc:
            raise QueryError(f"query mislukt: {exc}", f"query failed: {exc}") from None

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
        """Run a query and serialise the result straight from Oxigraph (no rdflib terms).

        ``format``: ``json``/``xml``/``csv``/``tsv`` for SELECT and ASK (SPARQL results
        formats); an RDF format name (``turtle``, ``ntriples``, ``rdfxml``, ``jsonld``) for
        CONSTRUCT/DESCRIBE, where ``json`` means JSON-LD and ``xml`` RDF/XML. Returns the
        bytes (``None`` if written to ``output``) and the media type, for an HTTP endpoint.
        """
        raw = self._run_query(
            sparql, bindings, self._query_kwargs(union_default_graph, default_graphs, named_graphs)
        )
        return _serialise_result(raw, format, output)

    def update(self, sparql: str) -> None:
        """Run a SPARQL update; Oxigraph applies it as one transaction."""
        try:
            self._require().update(sparql, prefixes=dict(PREFIXES))
        except SyntaxError as exc:
            raise QuerySyntaxError(_sparql_message(exc)) from None
        except (OSError, RuntimeError) as exc:
            raise QueryError(f"update mislukt: {exc}", f"update failed: {exc}") from None

    # -- rdflib

    def to_rdflib(self, graph: GraphArg = None, *, union: bool = False) -> Graph:
        """One graph as an rdflib Graph (``None`` = the default graph; ``union=True``:
        every statement of every graph together, e.g. as a SHACL data graph)."""
        conv = _Converter()
        if union:
            pattern = self._db.quads_for_pattern(None, None, None, None)
            out = Graph()
        else:
            name = _graph_name(graph)
            if not isinstance(name, ox.DefaultGraph) and not self._db.contains_named_graph(name):
                raise UnknownGraphError(_graph_label(name))
            pattern = self._db.quads_for_pattern(None, None, None, name)
            out = Graph(identifier=_graph_out(name)) if not isinstance(name, ox.DefaultGraph) else Graph()
        _bind_prefixes(out)
        add = out.add
        for q in pattern:
            add((conv(q.subject), conv(q.predicate), conv(q.object)))
        return out

    def to_dataset(self) -> Dataset:
        """Every graph as an rdflib Dataset (blank nodes shared across graphs stay shared)."""
        conv = _Converter()
        ds = Dataset()
        _bind_prefixes(ds)
        for name in self._db.named_graphs():
            ds.graph(_graph_out(name))
        for q in self._db:
            g = q.graph_name
            ctx = ds.default_graph if isinstance(g, ox.DefaultGraph) else ds.graph(_graph_out(g))
            ctx.add((conv(q.subject), conv(q.predicate), conv(q.object)))
        return ds

    def add_graph(self, rdf_graph: Graph, graph: GraphArg, *, replace: bool = False) -> int:
        """Write an rdflib graph into ``graph`` atomically (``replace``: drop the old content)."""
        with self.transaction() as tx:
            if replace:
                tx.remove_graph(graph)
            return tx.add_graph(rdf_graph, graph)

    def transaction(self) -> Transaction:
        """Collect changes and apply them at once; see :class:`Transaction`."""
        self._require()
        return Transaction(self)

    # -- export and statistics

    def export(
        self,
        *,
        graph: GraphArg = None,
        format: str | None = None,
        destination: str | os.PathLike[str] | IO[bytes] | None = None,
    ) -> bytes | None:
        """Serialise the store (every graph: TriG, N-Quads, JSON-LD) or one graph (also
        Turtle, N-Triples, RDF/XML). Writes to ``destination`` (a path is replaced only
        once the export is complete) or returns the bytes."""
        rdf = _export_format(graph, format, destination)
        kwargs: dict[str, Any] = {"format": rdf}
        if graph is not None:
            name = _graph_name(graph)
            if not isinstance(name, ox.DefaultGraph) and not self._db.contains_named_graph(name):
                raise UnknownGraphError(_graph_label(name))
            kwargs["from_graph"] = name
        prefixes = _prefixes_for(rdf)
        if prefixes:
            kwargs["prefixes"] = prefixes
        if destination is None:
            return self._db.dump(**kwargs)
        if isinstance(destination, (str, os.PathLike)):
            final = Path(destination)
            final.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
            os.close(fd)
            try:
                self._db.dump(tmp, **kwargs)
                os.replace(tmp, final)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            return None
        self._db.dump(destination, **kwargs)
        return None

    def stats(self) -> Stats:
        """Statements per graph and instances per class (``rdf:type``, over all graphs)."""
        sizes = self.graph_sizes()
        classes = [
            (URIRef(row["c"].value), int(row["n"].value))
            for row in self._db.query(
                "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c",
                use_default_graph_as_union=True,
            )
        ]
        classes.sort(key=lambda item: (-item[1], str(item[0])))
        return Stats(total=sum(sizes.values()), graphs=sizes, classes=classes)


def _export_format(
    graph: GraphArg, format: str | None, destination: str | os.PathLike[str] | IO[bytes] | None
) -> ox.RdfFormat:
    """The format an export writes: ``format``, else the destination's extension, else
    TriG for the whole store and Turtle for one graph. A format that cannot hold named
    graphs is refused for the whole store."""
    if format is None and isinstance(destination, (str, os.PathLike)):
        suffix = Path(destination).suffix.lower().lstrip(".")
        format = suffix if suffix in FORMAT_NAMES else None
    if format is None:
        format = "trig" if graph is None else "turtle"
    rdf = rdf_format(format)
    if graph is None and not rdf.supports_datasets:
        raise UnknownFormatError(
            f"{format} (kan geen named graphs bevatten; kies een graaf of trig/nquads / "
            "cannot hold named graphs; pick a graph or trig/nquads)"
        )
    return rdf


def _sparql_message(exc: SyntaxError) -> str:
    return sparql_message(exc.msg or str(exc))
