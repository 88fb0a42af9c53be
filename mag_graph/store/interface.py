"""The contract of a store: :class:`GraphStore`, what the rest of mag-graph may ask of one.

The CLI, the HTTP API, validation and the question catalogue never open Oxigraph or run
SPARQL on their own; they call a :class:`GraphStore`. Keeping one layer means one place
that gets the hard parts right:

* loads are all-or-nothing and report *where* a file is broken (file, line, column);
* SPARQL parameters are bound as typed RDF terms, never pasted into query text;
* terms leaving Oxigraph become rdflib terms that compare equal to what rdflib itself
  produces (``"x"^^xsd:string`` becomes the plain literal ``"x"``: without that, pySHACL
  reports false ``sh:in`` violations);
* the interface (:class:`GraphStore`) is separate from the Oxigraph implementation
  (:class:`~mag_graph.store.embedded.Store`), so a remote SPARQL 1.1 store can be put
  behind it later.

A store implementing it takes and gives rdflib terms (a plain ``str`` is read as an
IRI; a graph argument of ``None`` is the default graph), raises the errors of
:mod:`mag_graph.store.errors`, and answers with the objects of
:mod:`mag_graph.store.results`. :meth:`GraphStore.transaction` answers a
:class:`~mag_graph.store.transaction.Transaction` (today the Oxigraph one).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any, Protocol, Self, runtime_checkable

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.term import Node

from mag_graph.store.results import LoadResult, QueryResult, Stats
from mag_graph.store.terms import GraphArg
from mag_graph.store.transaction import Transaction


@runtime_checkable
class GraphStore(Protocol):
    """What the rest of mag-graph may ask of a store. Oxigraph today, a remote SPARQL
    1.1 endpoint later: callers only see rdflib terms and these methods.

    A graph argument is an IRI (``URIRef`` or ``str``), a blank node, or ``None`` /
    :data:`~mag_graph.store.terms.DEFAULT_GRAPH` for the default graph.
    :meth:`to_rdflib` and :meth:`export` raise
    :class:`~mag_graph.store.errors.UnknownGraphError` for a named graph the store lacks.
    """

    # -- opening and closing

    @property
    def location(self) -> str:
        """Where the store is (a directory, ":memory:", later an endpoint URL)."""
        ...

    def close(self) -> None:
        """Release the store; safe to call twice. Using it afterwards raises
        :class:`~mag_graph.store.errors.StoreClosedError`."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    # -- graphs and statements

    def __len__(self) -> int:
        """Statements in all graphs together."""
        ...

    def graphs(self) -> list[URIRef | BNode]:
        """The named graphs, sorted by name."""
        ...

    def has_graph(self, graph: GraphArg) -> bool:
        """Whether the store holds this named graph (the default graph always exists)."""
        ...

    def count(self, graph: GraphArg = None) -> int:
        """Statements in one graph."""
        ...

    def graph_sizes(self) -> dict[URIRef | BNode | None, int]:
        """Statements per graph: the default graph (key ``None``) first, then named graphs by name."""
        ...

    def clear_graph(self, graph: GraphArg) -> None:
        """Remove every statement of a graph but keep the (named) graph."""
        ...

    def drop_graph(self, graph: GraphArg) -> None:
        """Remove a named graph with its statements (the default graph is only emptied)."""
        ...

    def create_graph(self, graph: GraphArg) -> bool:
        """Make sure a named graph exists, empty if it is new (SPARQL ``CREATE SILENT
        GRAPH``); True when it was new. The default graph always exists."""
        ...

    def quads(
        self, subject: Any = None, predicate: Any = None, object: Any = None, graph: Any = ...
    ) -> Iterator[tuple[Node, Node, Node, URIRef | BNode | None]]:
        """Statements matching a pattern (``None`` matches anything), graph last
        (``None`` = default graph); ``graph=...`` matches every graph."""
        ...

    # -- writing

    def load(
        self,
        source: Any,
        *,
        format: str | None = None,
        graph: GraphArg = None,
        replace: bool = False,
        progress: bool = False,
        base_iri: str | None = None,
    ) -> LoadResult:
        """Load a path, bytes (with ``format``) or a list of those, all or nothing: on
        any error the store is as before and a :class:`~mag_graph.store.errors.LoadError`
        (a :class:`~mag_graph.store.errors.ParseError` with file, line and column for
        broken RDF) says why. ``graph`` receives the triples (and quads) of the sources;
        ``replace`` empties the graphs written into first, in the same step."""
        ...

    def update(self, sparql: str) -> None:
        """Run a SPARQL update as one transaction."""
        ...

    def add_graph(self, rdf_graph: Graph, graph: GraphArg, *, replace: bool = False) -> int:
        """Write an rdflib graph into ``graph`` atomically; the number of triples given."""
        ...

    def transaction(self) -> Transaction:
        """Changes collected in a ``with`` block and applied at once (nothing is applied
        if the block raises)."""
        ...

    # -- reading

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Any] | None = None,
        union_default_graph: bool = True,
        default_graphs: Sequence[GraphArg] | None = None,
        named_graphs: Sequence[GraphArg] | None = None,
    ) -> QueryResult:
        """Run a SPARQL query; results in rdflib terms. The prefixes of
        :data:`mag_graph.namespaces.PREFIXES` are predeclared; ``bindings`` pre-bind
        variables to RDF terms (never pasted into the text); the default graph is the
        union of all graphs unless ``union_default_graph`` is False or
        ``default_graphs`` / ``named_graphs`` name the dataset. Raises
        :class:`~mag_graph.store.errors.QuerySyntaxError` /
        :class:`~mag_graph.store.errors.QueryError`."""
        ...

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
        """Run a query and serialise its result (a SPARQL results format for SELECT/ASK,
        an RDF format for CONSTRUCT/DESCRIBE); the bytes (``None`` when written to
        ``output``) and the media type."""
        ...

    def to_rdflib(self, graph: GraphArg = None, *, union: bool = False) -> Graph:
        """One graph as an rdflib Graph (``union=True``: every statement of every graph)."""
        ...

    def to_dataset(self) -> Dataset:
        """Every graph as an rdflib Dataset."""
        ...

    def export(
        self,
        *,
        graph: GraphArg = None,
        format: str | None = None,
        destination: str | os.PathLike[str] | IO[bytes] | None = None,
    ) -> bytes | None:
        """Serialise the store or one graph to ``destination`` (a path is replaced only
        once complete) or as the returned bytes."""
        ...

    def stats(self) -> Stats:
        """Statements per graph and instances per class."""
        ...
