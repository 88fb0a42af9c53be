"""The one store layer of mag-graph: every read and write of the RDF store goes through here.

The CLI, the HTTP API, validation and the question catalogue never open Oxigraph or run
SPARQL on their own; they call a :class:`GraphStore`. Keeping one layer means one place
that gets the hard parts right:

* loads are all-or-nothing and report *where* a file is broken (file, line, column);
* SPARQL parameters are bound as typed RDF terms, never pasted into query text;
* terms leaving Oxigraph become rdflib terms that compare equal to what rdflib itself
  produces (``"x"^^xsd:string`` becomes the plain literal ``"x"``: without that, pySHACL
  reports false ``sh:in`` violations);
* the interface (:class:`GraphStore`) is separate from the Oxigraph implementation
  (:class:`Store`), so a remote SPARQL 1.1 store can be put behind it later.

How loads stay all-or-nothing and still fast. Measured with pyoxigraph 0.5.13 on a
1M-triple N-Triples file (129 MB) on a 2-CPU machine shared with other work, so read the
numbers as rough:

* ``pyoxigraph.Store.load`` runs in one transaction. In memory it is also the fastest
  loader (~2.7-3 s, 460 MB peak); on disk the RocksDB transaction is slow (13-16 s) and
  holds the whole write set in memory (810 MB peak).
* ``Store.bulk_load``/``bulk_extend`` write sorted SST files directly (5.2-6 s on disk,
  850 MB peak for one call: the loader reserves room for a batch of 1M quads) but are
  documented as *not* atomic: the loader ingests its input batch by batch, so an error
  after the first batch leaves that batch in the store (oxigraph PR #1350, "Makes bulk
  loader atomic", is still open).
* Parsing alone (``pyoxigraph.parse``, no store) costs ~1.1 s per million triples in
  Python, and finds every syntax error a load would find.
* Several ``bulk_load`` calls on blocks of whole N-Triples lines cost about what one call
  costs (32 MB blocks: ~1.1x the CPU) with memory bounded by the block (~300 MB peak).

So :meth:`Store.load` picks per case:

1. small inputs (all sources together up to ``SMALL_LOAD_BYTES``): parse into a
   :class:`Transaction` and commit it as one atomic operation (``Store.extend``, or one
   SPARQL update when graphs are replaced);
2. one large source into an in-memory store: ``Store.load`` (transactional and fastest);
3. everything else is written without a transaction (on disk: N-Triples/N-Quads as
   line blocks through ``bulk_load``, other formats parsed here and written with
   ``bulk_extend`` in chunks of ``BULK_CHUNK`` statements), and all-or-nothing comes
   from one of two things:

   * when every graph the load writes into is known beforehand (a ``graph`` is given,
     or the sources hold triples only) and is empty or being replaced, a failed write
     is *undone*: those graphs are cleared and replaced content is restored from a
     dump taken before. No extra pass, so loading a big file into a new graph costs
     about what raw ``bulk_load`` costs;
   * otherwise a *validation pass* parses every source first, so a syntax error never
     reaches the store. What it cannot rule out is a system failure halfway through the
     write (disk full, process killed); the error then says which graphs may hold part
     of the data.

A process killed in the middle of a bulk write cannot undo anything; only the
transactional paths (1 and 2) are safe against that.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import shutil
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal, Protocol, Union, runtime_checkable

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from mag_graph.namespaces import PREFIXES

__all__ = [
    "BULK_CHUNK",
    "DEFAULT_GRAPH",
    "ENV_STORE",
    "FORMAT_NAMES",
    "GraphStore",
    "InvalidIRIError",
    "LoadError",
    "LoadResult",
    "MagGraphError",
    "ParseError",
    "QueryError",
    "QueryResult",
    "QuerySyntaxError",
    "SMALL_LOAD_BYTES",
    "SourceNotFoundError",
    "Stats",
    "Store",
    "StoreClosedError",
    "StoreError",
    "StoreLockedError",
    "StoreNotFoundError",
    "Transaction",
    "UnknownFormatError",
    "UnknownGraphError",
    "default_store_path",
    "from_rdflib_term",
    "rdf_format",
    "source_graphs",
    "to_rdflib_term",
]

ENV_STORE = "MAG_GRAPH_STORE"
MEMORY = ":memory:"

# rdflib's name for the default graph of a Dataset; accepted wherever a graph is named.
DEFAULT_GRAPH: URIRef = DATASET_DEFAULT_GRAPH_ID

# Inputs up to this size are parsed into one transaction (atomic, memory is no concern).
SMALL_LOAD_BYTES = 8 * 1024 * 1024
# Show a progress bar for inputs above this size (when asked to).
PROGRESS_BYTES = 1024 * 1024
# Statements per bulk_extend call: bounds the bulk loader's memory (it reserves room per call).
BULK_CHUNK = 100_000
# N-Triples/N-Quads are bulk-loaded in blocks of whole lines of about this size.
LINE_BLOCK_BYTES = 32 * 1024 * 1024

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RDF_DIRLANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


# --------------------------------------------------------------------------- errors


class MagGraphError(Exception):
    """Base of every error mag-graph reports to people: the message is Dutch / English."""

    def __init__(self, nl: str, en: str | None = None) -> None:
        self.nl = nl
        self.en = en if en is not None else nl
        super().__init__(f"{nl} / {en}" if en is not None and en != nl else nl)

    @property
    def message(self) -> str:
        return str(self)


class StoreError(MagGraphError):
    """The store cannot be opened or used."""


class StoreLockedError(StoreError):
    """Another process (or another handle in this one) has the on-disk store open."""


class StoreNotFoundError(StoreError):
    """A command that only reads was pointed at a store that does not exist."""


class StoreClosedError(StoreError):
    """The store was used after :meth:`Store.close`."""


class LoadError(MagGraphError):
    """A load was refused or failed; the store is as it was before."""


class SourceNotFoundError(LoadError):
    """A file to load does not exist or is not a file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        super().__init__(
            f"bestand niet gevonden: {self.path}", f"file not found: {self.path}"
        )


class UnknownFormatError(LoadError):
    """The RDF format name (or file extension) is not one mag-graph reads or writes."""

    def __init__(self, name: str, *, source: str | None = None) -> None:
        self.name = name
        known = ", ".join(sorted(FORMAT_NAMES))
        if source is not None and not name:
            nl = f"kan het formaat van {source} niet bepalen; geef --format op ({known})"
            en = f"cannot tell the format of {source}; pass --format ({known})"
        else:
            nl = f"onbekend formaat {name!r} (bekend: {known})"
            en = f"unknown format {name!r} (known: {known})"
        super().__init__(nl, en)


class ParseError(LoadError):
    """A source is not valid RDF. Carries where, so people can fix the file."""

    def __init__(
        self, source: str, line: int | None, column: int | None, parser_message: str
    ) -> None:
        self.source = source
        self.line = line
        self.column = column
        self.parser_message = parser_message
        where = source
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        self.location = where
        super().__init__(
            f"{where}: syntaxfout: {parser_message}", f"syntax error: {parser_message}"
        )

    def __str__(self) -> str:
        return f"{self.location}: syntaxfout / syntax error: {self.parser_message}"


class QueryError(MagGraphError):
    """A SPARQL query or update could not be run."""


class QuerySyntaxError(QueryError):
    """The SPARQL text does not parse; the parser's message says where."""

    def __init__(self, parser_message: str) -> None:
        self.parser_message = parser_message
        super().__init__(
            f"ongeldige SPARQL: {parser_message}", f"invalid SPARQL: {parser_message}"
        )

    def __str__(self) -> str:
        return f"ongeldige SPARQL / invalid SPARQL: {self.parser_message}"


class UnknownGraphError(MagGraphError):
    """A named graph that the store does not hold."""

    def __init__(self, graph: str) -> None:
        self.graph = graph
        super().__init__(
            f"de store bevat geen graaf <{graph}>", f"the store has no graph <{graph}>"
        )


class InvalidIRIError(MagGraphError):
    """A string that should be an absolute IRI is not one."""

    def __init__(self, value: str, reason: str) -> None:
        self.value = value
        super().__init__(
            f"ongeldige IRI {value!r}: {reason}", f"invalid IRI {value!r}: {reason}"
        )


# --------------------------------------------------------------------------- formats

FORMAT_NAMES: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nt": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "n-triples": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "nquads": ox.RdfFormat.N_QUADS,
    "n-quads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "rdf/xml": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
    "rdf": ox.RdfFormat.RDF_XML,
    "owl": ox.RdfFormat.RDF_XML,
}

_RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "srj": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "srx": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}

# For CONSTRUCT/DESCRIBE results asked for in a results format name.
_GRAPH_RESULT_ALIASES = {"json": "jsonld", "xml": "rdfxml", "table": "turtle"}


def rdf_format(name: str | None, path: str | os.PathLike[str] | None = None) -> ox.RdfFormat:
    """The pyoxigraph format for a format name, or else for a file name's extension."""
    if name:
        key = name.strip().lower()
        if key in FORMAT_NAMES:
            return FORMAT_NAMES[key]
        raise UnknownFormatError(name)
    if path is not None:
        suffix = Path(path).suffix.lower().lstrip(".")
        if suffix in FORMAT_NAMES:
            return FORMAT_NAMES[suffix]
        raise UnknownFormatError("", source=str(path))
    raise UnknownFormatError("", source="<data>")


# --------------------------------------------------------------------------- terms

GraphArg = Union[URIRef, BNode, str, None]
OxTerm = Union[ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple]
OxGraphName = Union[ox.NamedNode, ox.BlankNode, ox.DefaultGraph]


def to_rdflib_term(term: Any) -> Node | None:
    """An rdflib term for a pyoxigraph term.

    ``xsd:string`` literals become plain literals and ``rdf:langString`` literals plain
    language-tagged ones, because that is how rdflib represents them after parsing: an
    explicit ``"x"^^xsd:string`` does not compare equal to ``"x"`` in rdflib.
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return RdfLiteral(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return RdfLiteral(term.value)
        return RdfLiteral(term.value, datatype=URIRef(datatype))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.DefaultGraph):
        return None
    raise MagGraphError(
        f"term {term!r} kan niet naar rdflib worden omgezet (RDF 1.2 triple term?)",
        f"term {term!r} cannot be converted to rdflib (RDF 1.2 triple term?)",
    )


def from_rdflib_term(node: Any, *, blank_nodes: dict[str, ox.BlankNode] | None = None) -> OxTerm:
    """A pyoxigraph term for an rdflib term (a plain ``str`` is read as an IRI; ``bool``,
    ``int`` and ``float`` become typed literals).

    Blank nodes keep their label when Oxigraph accepts it, so that a store -> rdflib ->
    store round trip gives the same nodes; labels Oxigraph refuses get a fresh node,
    the same one for every occurrence when a shared ``blank_nodes`` map is passed.
    """
    if isinstance(node, (ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple)):
        return node
    if isinstance(node, (bool, int, float)):  # Python values as typed literals
        node = RdfLiteral(node)
    if isinstance(node, RdfLiteral):
        lexical = str(node)
        if node.language:
            return ox.Literal(lexical, language=node.language)
        if node.datatype is not None and str(node.datatype) != _XSD_STRING:
            return ox.Literal(lexical, datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(lexical)
    if isinstance(node, BNode):
        label = str(node)
        if blank_nodes is not None and label in blank_nodes:
            return blank_nodes[label]
        try:
            made = ox.BlankNode(label)
        except ValueError:
            made = ox.BlankNode()
        if blank_nodes is not None:
            blank_nodes[label] = made
        return made
    if isinstance(node, (URIRef, str)):
        return _named_node(str(node))
    raise MagGraphError(
        f"kan {node!r} niet als RDF-term gebruiken", f"cannot use {node!r} as an RDF term"
    )


def _named_node(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise InvalidIRIError(iri, str(exc)) from None


def _graph_name(graph: GraphArg | OxGraphName) -> OxGraphName:
    """The pyoxigraph graph name for a graph argument (``None`` = the default graph)."""
    if graph is None or isinstance(graph, ox.DefaultGraph):
        return ox.DefaultGraph()
    if isinstance(graph, (ox.NamedNode, ox.BlankNode)):
        return graph
    if isinstance(graph, BNode):
        return ox.BlankNode(str(graph))
    if str(graph) == str(DEFAULT_GRAPH):
        return ox.DefaultGraph()
    return _named_node(str(graph))


def _graph_out(graph: OxGraphName) -> URIRef | BNode | None:
    if isinstance(graph, ox.DefaultGraph):
        return None
    out = to_rdflib_term(graph)
    assert isinstance(out, (URIRef, BNode))
    return out


def _graph_label(graph: OxGraphName) -> str:
    return "default" if isinstance(graph, ox.DefaultGraph) else graph.value


class _Converter:
    """Memoised pyoxigraph -> rdflib conversion for one result or graph.

    Memoising matters for speed (the same IRIs recur constantly) and keeps every blank
    node of one conversion mapped to one rdflib node.
    """

    def __init__(self) -> None:
        self._cache: dict[Any, Node | None] = {}

    def __call__(self, term: Any) -> Any:
        if term is None:
            return None
        try:
            return self._cache[term]
        except KeyError:
            out = self._cache[term] = to_rdflib_term(term)
            return out
        except TypeError:  # unhashable: should not happen, but never fail on a cache
            return to_rdflib_term(term)


# --------------------------------------------------------------------------- results


@dataclass
class QueryResult:
    """The outcome of a SPARQL query in rdflib terms, independent of the store behind it.

    ``kind`` is ``"select"`` (``variables`` and ``rows``; unbound values are ``None``),
    ``"ask"`` (``boolean``) or ``"graph"`` for CONSTRUCT/DESCRIBE (``graph``). For
    serialising results without converting them, see :meth:`GraphStore.query_to`.
    """

    kind: Literal["select", "ask", "graph"]
    variables: tuple[str, ...] = ()
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    def __iter__(self) -> Iterator[Any]:
        if self.kind == "graph":
            assert self.graph is not None
            return iter(self.graph)
        return iter(self.rows)

    def __len__(self) -> int:
        if self.kind == "graph":
            return len(self.graph) if self.graph is not None else 0
        return len(self.rows)

    def __bool__(self) -> bool:
        if self.kind == "ask":
            return bool(self.boolean)
        return len(self) > 0

    def bindings(self) -> list[dict[str, Node]]:
        """The rows as dictionaries, leaving out unbound variables."""
        return [
            {v: value for v, value in zip(self.variables, row) if value is not None}
            for row in self.rows
        ]

    def column(self, variable: str) -> list[Node | None]:
        """All values of one variable, in row order."""
        index = self.variables.index(variable)
        return [row[index] for row in self.rows]


@dataclass(frozen=True)
class LoadResult:
    """What a load changed.

    ``triples`` is the number of statements the store gained (statements it already held
    are not counted twice; with ``replace`` it is the size of the new content);
    ``graphs`` the graphs the sources wrote into (``None`` is the default graph).
    """

    triples: int
    graphs: tuple[URIRef | BNode | None, ...]


@dataclass(frozen=True)
class Stats:
    """Size of the store: statements per graph (``None`` = default graph) and instances per class."""

    total: int
    graphs: dict[URIRef | BNode | None, int]
    classes: list[tuple[URIRef, int]]

    def to_json(self, shorten: Any = str) -> dict[str, Any]:
        """A JSON-ready dictionary; ``shorten`` renders IRIs (e.g. as prefixed names)."""
        return {
            "total": self.total,
            "graphs": {
                ("default" if g is None else shorten(g)): n for g, n in self.graphs.items()
            },
            "classes": {shorten(c): n for c, n in self.classes},
        }


# --------------------------------------------------------------------------- interface


@runtime_checkable
class GraphStore(Protocol):
    """What the rest of mag-graph may ask of a store. Oxigraph today, a remote SPARQL
    1.1 endpoint later: callers only see rdflib terms and these methods."""

    @property
    def location(self) -> str: ...

    def close(self) -> None: ...

    def __enter__(self) -> GraphStore: ...

    def __exit__(self, *exc: object) -> None: ...

    def __len__(self) -> int: ...

    def graphs(self) -> list[URIRef | BNode]: ...

    def has_graph(self, graph: GraphArg) -> bool: ...

    def count(self, graph: GraphArg = None) -> int: ...

    def graph_sizes(self) -> dict[URIRef | BNode | None, int]: ...

    def clear_graph(self, graph: GraphArg) -> None: ...

    def drop_graph(self, graph: GraphArg) -> None: ...

    def load(
        self,
        source: Any,
        *,
        format: str | None = None,
        graph: GraphArg = None,
        replace: bool = False,
        progress: bool = False,
        base_iri: str | None = None,
    ) -> LoadResult: ...

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Any] | None = None,
        union_default_graph: bool = True,
        default_graphs: Sequence[GraphArg] | None = None,
        named_graphs: Sequence[GraphArg] | None = None,
    ) -> QueryResult: ...

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
    ) -> tuple[bytes | None, str]: ...

    def update(self, sparql: str) -> None: ...

    def quads(
        self, subject: Any = None, predicate: Any = None, object: Any = None, graph: Any = ...
    ) -> Iterator[tuple[Node, Node, Node, URIRef | BNode | None]]: ...

    def to_rdflib(self, graph: GraphArg = None, *, union: bool = False) -> Graph: ...

    def to_dataset(self) -> Dataset: ...

    def add_graph(self, rdf_graph: Graph, graph: GraphArg, *, replace: bool = False) -> int: ...

    def transaction(self) -> Transaction: ...

    def export(
        self,
        *,
        graph: GraphArg = None,
        format: str | None = None,
        destination: str | os.PathLike[str] | IO[bytes] | None = None,
    ) -> bytes | None: ...

    def stats(self) -> Stats: ...


# --------------------------------------------------------------------------- sources


@dataclass
class _Source:
    label: str
    path: Path | None
    data: bytes | None
    format: ox.RdfFormat
    size: int

    def reader(self, bar: Any = None) -> IO[bytes]:
        raw: IO[bytes] = open(self.path, "rb") if self.path is not None else io.BytesIO(self.data or b"")
        return _ProgressReader(raw, bar) if bar is not None else raw

    def parse_kwargs(self) -> dict[str, Any]:
        if self.path is not None:
            return {"path": str(self.path)}
        return {"input": self.data}


class _ProgressReader(io.RawIOBase):
    """A binary reader that advances a tqdm bar by the bytes pyoxigraph reads."""

    def __init__(self, raw: IO[bytes], bar: Any) -> None:
        self._raw = raw
        self._bar = bar

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        if chunk:
            self._bar.update(len(chunk))
        return chunk

    def readinto(self, buffer: Any) -> int:
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _resolve_source(source: Any, format: str | None) -> _Source:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return _Source("<data>", None, data, rdf_format(format, None), len(data))
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise SourceNotFoundError(path)
        fmt = rdf_format(format, path)
        return _Source(str(source), path, None, fmt, path.stat().st_size)
    raise LoadError(
        f"kan {type(source).__name__} niet laden (verwacht een pad of bytes)",
        f"cannot load a {type(source).__name__} (expected a path or bytes)",
    )


_PARSER_PREFIX = re.compile(r"^Parser error (?:at|between) line[^:]*?: ")


def _parse_error(source: _Source, exc: SyntaxError) -> ParseError:
    message = (exc.msg or str(exc)).strip()
    message = _PARSER_PREFIX.sub("", message)
    return ParseError(source.label, exc.lineno, exc.offset, message)


def _reraise_parse(source: _Source, exc: BaseException) -> None:
    if isinstance(exc, SyntaxError):
        raise _parse_error(source, exc) from None
    if isinstance(exc, ValueError):  # pyoxigraph: unsupported format or base IRI
        raise LoadError(
            f"{source.label}: kan niet laden: {exc}", f"cannot load: {exc}"
        ) from None
    if isinstance(exc, OSError):
        raise LoadError(
            f"{source.label}: lees- of schrijffout: {exc}", f"read or write error: {exc}"
        ) from None


def _progress_bar(enabled: bool, total: int, description: str) -> Any:
    if not enabled or total <= PROGRESS_BYTES:
        return None
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=description,
        leave=False,
        dynamic_ncols=True,
    )


def _has_blank_node(quad: ox.Quad) -> bool:
    return (
        isinstance(quad.subject, ox.BlankNode)
        or isinstance(quad.object, ox.BlankNode)
        or isinstance(quad.graph_name, ox.BlankNode)
        or isinstance(quad.subject, ox.Triple)
        or isinstance(quad.object, ox.Triple)
    )


def _data_block(quads: Iterable[ox.Quad]) -> str:
    """The body of INSERT DATA / DELETE DATA: triples grouped by graph."""
    by_graph: dict[Any, list[str]] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name, []).append(f"{q.subject} {q.predicate} {q.object} .")
    parts = []
    for graph, lines in by_graph.items():
        body = "\n".join(lines)
        if isinstance(graph, ox.DefaultGraph):
            parts.append(body)
        else:
            parts.append(f"GRAPH {graph} {{\n{body}\n}}")
    return "\n".join(parts)


def _to_quad(quad: Any, graph: GraphArg | OxGraphName = None) -> ox.Quad:
    """A pyoxigraph quad from an ox.Quad or a 3/4-tuple of rdflib terms."""
    if isinstance(quad, ox.Quad):
        if graph is None:
            return quad
        return ox.Quad(quad.subject, quad.predicate, quad.object, _graph_name(graph))
    items = tuple(quad)
    if len(items) == 4:
        s, p, o, g = items
        if graph is not None:
            g = graph
    elif len(items) == 3:
        s, p, o = items
        g = graph
    else:
        raise MagGraphError(
            f"verwacht (s, p, o) of (s, p, o, g), niet {quad!r}",
            f"expected (s, p, o) or (s, p, o, g), not {quad!r}",
        )
    bnodes: dict[str, ox.BlankNode] = {}
    return ox.Quad(
        from_rdflib_term(s, blank_nodes=bnodes),
        from_rdflib_term(p),
        from_rdflib_term(o, blank_nodes=bnodes),
        _graph_name(g),
    )


def _rdflib_quad(q: ox.Quad, conv: _Converter) -> tuple[Any, Any, Any, Any]:
    return (conv(q.subject), conv(q.predicate), conv(q.object), _graph_out(q.graph_name))


def source_graphs(
    source: Any, *, format: str | None = None, base_iri: str | None = None
) -> set[URIRef | BNode | None]:
    """The graphs a source would write into (``None`` = default graph), by parsing it
    without touching any store. Raises :class:`ParseError` like a load would."""
    src = _resolve_source(source, format)
    return {_graph_out(g) for g in Store._validate(src, None, None, base_iri)}


# --------------------------------------------------------------------------- transaction


class Transaction:
    """Changes collected in a ``with store.transaction() as tx:`` block, applied at once.

    Nothing touches the store until the block ends; an exception inside the block
    discards everything. At the end the net effect is applied in one atomic step when
    Oxigraph allows it: only additions -> ``Store.extend``; graph drops, removals and
    additions -> one SPARQL update (``DROP``/``DELETE DATA``/``INSERT DATA``), which
    Oxigraph runs as one transaction. SPARQL cannot name an existing blank node, so
    when a removal involves a blank node (or an addition reuses a blank node already in
    the store) the steps are applied one by one and undone in reverse if one fails.
    Blank nodes that are new in the transaction get fresh labels when the SPARQL path
    is taken (SPARQL ``INSERT DATA`` semantics).

    ``added``, ``removed`` and ``dropped_graphs`` report the net change, for history
    and validation.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._adds: dict[ox.Quad, None] = {}
        self._removes: dict[ox.Quad, None] = {}
        self._dropped: dict[Any, None] = {}
        self._clear_all = False
        self._open = True

    # -- collecting

    def _check_open(self) -> None:
        if not self._open:
            raise MagGraphError(
                "deze transactie is al afgesloten", "this transaction is already finished"
            )

    def add(self, quad: Any, graph: GraphArg = None) -> None:
        """Add a statement: ``(s, p, o)`` (into ``graph``) or ``(s, p, o, g)``."""
        self._check_open()
        q = _to_quad(quad, graph)
        self._removes.pop(q, None)
        self._adds[q] = None

    def add_many(self, quads: Iterable[Any], graph: GraphArg = None) -> int:
        """Add many statements; returns how many were given."""
        n = 0
        for quad in quads:
            self.add(quad, graph)
            n += 1
        return n

    def remove(self, quad: Any, graph: GraphArg = None) -> None:
        """Remove a statement (a no-op at commit if the store does not hold it)."""
        self._check_open()
        q = _to_quad(quad, graph)
        self._adds.pop(q, None)
        self._removes[q] = None

    def add_graph(self, rdf_graph: Graph, graph: GraphArg) -> int:
        """Add every triple of an rdflib graph to the named graph ``graph``."""
        self._check_open()
        target = _graph_name(graph)
        bnodes: dict[str, ox.BlankNode] = {}
        n = 0
        for s, p, o in rdf_graph:
            q = ox.Quad(
                from_rdflib_term(s, blank_nodes=bnodes),
                from_rdflib_term(p),
                from_rdflib_term(o, blank_nodes=bnodes),
                target,
            )
            self._removes.pop(q, None)
            self._adds[q] = None
            n += 1
        return n

    def remove_graph(self, graph: GraphArg) -> None:
        """Drop a named graph (or empty the default graph) with everything in it."""
        self._check_open()
        name = _graph_name(graph)
        self._adds = {q: None for q in self._adds if q.graph_name != name}
        self._removes = {q: None for q in self._removes if q.graph_name != name}
        self._dropped[name] = None

    def _drop_before_adds(self, graph: OxGraphName) -> None:
        """Drop ``graph`` first at commit, keeping what is staged for it (replace loads)."""
        self._removes = {q: None for q in self._removes if q.graph_name != graph}
        self._dropped[graph] = None

    def clear(self) -> None:
        """Empty the whole store (all graphs)."""
        self._check_open()
        self._adds.clear()
        self._removes.clear()
        self._dropped.clear()
        self._clear_all = True

    def load(
        self,
        source: Any,
        *,
        format: str | None = None,
        graph: GraphArg = None,
        replace: bool = False,
        base_iri: str | None = None,
    ) -> set[URIRef | BNode | None]:
        """Parse a source and stage its statements; returns the graphs it writes into
        (``None`` = default graph).

        ``replace`` empties those graphs at commit, before any addition of this
        transaction (so several sources can replace the same graph together).
        Raises :class:`ParseError` at the first syntax error (nothing is staged then).
        """
        staged = self._stage(source, format=format, graph=graph, replace=replace, base_iri=base_iri)
        return {_graph_out(g) for g in staged}

    def _stage(
        self,
        source: Any,
        *,
        format: str | None,
        graph: GraphArg | OxGraphName,
        replace: bool,
        base_iri: str | None,
    ) -> set[OxGraphName]:
        self._check_open()
        src = _resolve_source(source, format)
        target = None if graph is None else _graph_name(graph)
        staged: list[ox.Quad] = []
        try:
            for q in ox.parse(
                **src.parse_kwargs(), format=src.format, base_iri=base_iri, rename_blank_nodes=True
            ):
                if target is not None:
                    q = ox.Quad(q.subject, q.predicate, q.object, target)
                staged.append(q)
        except (SyntaxError, ValueError, OSError) as exc:
            _reraise_parse(src, exc)
            raise
        graphs: set[OxGraphName] = set()
        for q in staged:
            self._removes.pop(q, None)
            self._adds[q] = None
            graphs.add(q.graph_name)
        if target is not None:
            graphs.add(target)
        elif not src.format.supports_datasets:
            graphs.add(ox.DefaultGraph())
        if replace:
            for g in graphs:
                self._drop_before_adds(g)
        return graphs

    # -- reporting

    @property
    def added(self) -> list[tuple[Any, Any, Any, Any]]:
        conv = _Converter()
        return [_rdflib_quad(q, conv) for q in self._adds]

    @property
    def removed(self) -> list[tuple[Any, Any, Any, Any]]:
        conv = _Converter()
        return [_rdflib_quad(q, conv) for q in self._removes]

    @property
    def dropped_graphs(self) -> list[URIRef | BNode | None]:
        return [_graph_out(g) for g in self._dropped]

    @property
    def cleared(self) -> bool:
        return self._clear_all

    def __len__(self) -> int:
        return len(self._adds) + len(self._removes) + len(self._dropped) + int(self._clear_all)

    # -- applying

    def __enter__(self) -> Transaction:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.commit()
        finally:
            self._open = False

    def commit(self) -> None:
        """Apply the collected changes (called by the ``with`` block)."""
        self._check_open()
        self._open = False
        self._store._require()
        if not len(self):
            return
        adds = list(self._adds)
        removes = list(self._removes)
        if not removes and not self._dropped and not self._clear_all:
            self._store._db.extend(adds)
            return
        if not any(map(_has_blank_node, removes)) and not self._reuses_blank_nodes(adds):
            self._store._db.update(self._as_update(adds, removes))
            return
        self._apply_stepwise(adds, removes)

    def _reuses_blank_nodes(self, adds: list[ox.Quad]) -> bool:
        seen: set[ox.BlankNode] = set()
        for q in adds:
            for term in (q.subject, q.object, q.graph_name):
                if isinstance(term, ox.Triple):
                    return True
                if isinstance(term, ox.BlankNode) and term not in seen:
                    seen.add(term)
                    if next(iter(self._store._db.quads_for_pattern(term, None, None, None)), None) is not None:
                        return True
                    if next(iter(self._store._db.quads_for_pattern(None, None, term, None)), None) is not None:
                        return True
        return False

    def _as_update(self, adds: list[ox.Quad], removes: list[ox.Quad]) -> str:
        ops: list[str] = []
        if self._clear_all:
            ops.append("DROP SILENT ALL")
        for g in self._dropped:
            if isinstance(g, ox.DefaultGraph):
                ops.append("CLEAR SILENT DEFAULT")
            else:
                ops.append(f"DROP SILENT GRAPH {g}")
        if removes:
            ops.append(f"DELETE DATA {{\n{_data_block(removes)}\n}}")
        if adds:
            ops.append(f"INSERT DATA {{\n{_data_block(adds)}\n}}")
        return " ;\n".join(ops)

    def _apply_stepwise(self, adds: list[ox.Quad], removes: list[ox.Quad]) -> None:
        undo: list[Any] = []
        try:
            if self._clear_all:
                everything = list(self._store._db)
                self._store._db.clear()
                undo.append(lambda: self._store._db.extend(everything))
            for g in self._dropped:
                content = list(self._store._db.quads_for_pattern(None, None, None, g))
                existed = isinstance(g, ox.DefaultGraph) or self._store._db.contains_named_graph(g)
                if isinstance(g, ox.DefaultGraph):
                    self._store._db.clear_graph(g)
                else:
                    self._store._db.remove_graph(g)

                def restore(g: Any = g, content: list[ox.Quad] = content, existed: bool = existed) -> None:
                    if existed and not isinstance(g, ox.DefaultGraph):
                        self._store._db.add_graph(g)
                    self._store._db.extend(content)

                undo.append(restore)
            present = [q for q in removes if q in self._store._db]
            for i, q in enumerate(present):
                self._store._db.remove(q)
                undo.append(lambda q=q: self._store._db.add(q))
            new = [q for q in adds if q not in self._store._db]
            self._store._db.extend(new)
        except BaseException:
            for step in reversed(undo):
                step()
            raise


# --------------------------------------------------------------------------- the store


def default_store_path() -> Path:
    """Where the store lives unless told otherwise: ``$MAG_GRAPH_STORE`` or ``./.mag-graph/store``."""
    env = os.environ.get(ENV_STORE)
    if env:
        return Path(env)
    return Path.cwd() / ".mag-graph" / "store"


def _is_memory(path: Any) -> bool:
    return path is None or str(path) == MEMORY


class Store:
    """A mag-graph store on Oxigraph (pyoxigraph), on disk or in memory.

    Open it with :meth:`open` and close it (or use it as a context manager): an on-disk
    Oxigraph store is locked by the process that has it open.
    """

    def __init__(self, ox_store: ox.Store, location: str, *, in_memory: bool) -> None:
        self._ox: ox.Store | None = ox_store
        self._location = location
        self.in_memory = in_memory

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
        return cls(handle, str(location), in_memory=False)

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

    def __enter__(self) -> Store:
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

    # -- loading

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
        """Load one source or a list of sources, all or nothing.

        ``source``: a path (``str`` or ``Path``), ``bytes`` with the content (then
        ``format`` is required), or a list of those. ``format`` overrides the file
        extension. Triples of a triple format go to ``graph`` (default: the default
        graph); quads keep their graph unless ``graph`` is given. ``replace`` empties the
        graphs the sources write into first, in the same all-or-nothing step.
        """
        items = [source] if isinstance(source, (str, bytes, bytearray, memoryview, os.PathLike)) else list(source)
        sources = [_resolve_source(s, format) for s in items]
        target = None if graph is None else _graph_name(graph)
        total = sum(s.size for s in sources)

        if total <= SMALL_LOAD_BYTES:
            return self._load_small(sources, target, replace, base_iri)
        remap = target is not None and sources[0].format.supports_datasets
        if self.in_memory and len(sources) == 1 and not replace and not remap:
            return self._load_transactional(sources[0], target, progress, base_iri)
        return self._load_large(sources, target, replace, progress, base_iri)

    def _load_small(
        self,
        sources: list[_Source],
        target: OxGraphName | None,
        replace: bool,
        base_iri: str | None,
    ) -> LoadResult:
        tx = Transaction(self)
        graphs: set[OxGraphName] = set()
        for src in sources:
            graphs |= tx._stage(
                src.path if src.path is not None else src.data,
                format=src.format.file_extension,
                graph=target,
                replace=False,
                base_iri=base_iri,
            )
        before = len(self._db)
        removed = 0
        if replace:
            for g in graphs:
                removed += self.count(_graph_out(g)) if self.has_graph(_graph_out(g)) else 0
                tx._drop_before_adds(g)
        tx.commit()
        return LoadResult(len(self._db) - before + removed, _sorted_graphs(graphs))

    def _load_transactional(
        self,
        src: _Source,
        target: OxGraphName | None,
        progress: bool,
        base_iri: str | None,
    ) -> LoadResult:
        quad_format = src.format.supports_datasets and target is None
        sizes_before = self.graph_sizes() if quad_format else None
        before = len(self._db)
        bar = _progress_bar(progress, src.size, "laden / loading")
        reader = src.reader(bar)
        try:
            self._db.load(reader, format=src.format, base_iri=base_iri, to_graph=target)
        except (SyntaxError, ValueError, OSError) as exc:
            _reraise_parse(src, exc)
            raise
        finally:
            reader.close()
            if bar is not None:
                bar.close()
        if sizes_before is not None:
            after = self.graph_sizes()
            touched = {g for g, n in after.items() if n != sizes_before.get(g)}
            graphs = tuple(sorted(touched, key=lambda g: "" if g is None else str(g)))
        else:
            graphs = (_graph_out(target) if target is not None else None,)
        return LoadResult(len(self._db) - before, graphs)

    @staticmethod
    def _validate(
        src: _Source, target: OxGraphName | None, bar: Any, base_iri: str | None
    ) -> set[OxGraphName]:
        """Parse a source without writing; the graphs it would write into."""
        reader = src.reader(bar)
        try:
            parser = ox.parse(reader, format=src.format, base_iri=base_iri)
            if target is not None:
                deque(parser, maxlen=0)
                return {target}
            if not src.format.supports_datasets:
                deque(parser, maxlen=0)
                return {ox.DefaultGraph()}
            return {q.graph_name for q in parser}
        except (SyntaxError, ValueError, OSError) as exc:
            _reraise_parse(src, exc)
            raise
        finally:
            reader.close()

    def _is_empty(self, graph: OxGraphName) -> bool:
        """Cheap emptiness test (ASK stops at the first statement; COUNT reads them all)."""
        if isinstance(graph, ox.DefaultGraph):
            return not bool(self._db.query("ASK { ?s ?p ?o }"))
        if not self._db.contains_named_graph(graph):
            return True
        return not bool(
            self._db.query("ASK { GRAPH ?g { ?s ?p ?o } }", named_graphs=[graph])
        )

    def _load_large(
        self,
        sources: list[_Source],
        target: OxGraphName | None,
        replace: bool,
        progress: bool,
        base_iri: str | None,
    ) -> LoadResult:
        """Big inputs: written without a transaction, so all-or-nothing comes from either
        undoing the write (when every graph it writes into was empty or is replaced) or
        a validation pass first (otherwise, and whenever the graphs are only known by
        parsing: quad formats without ``graph``)."""
        total = sum(s.size for s in sources)
        known = target is not None or not any(s.format.supports_datasets for s in sources)
        graphs: set[OxGraphName] = {target if target is not None else ox.DefaultGraph()} if known else set()
        undoable = known and (replace or all(self._is_empty(g) for g in graphs))
        bar = _progress_bar(
            progress,
            total if undoable else 2 * total,
            "laden / loading" if undoable else "controleren / checking",
        )
        try:
            if not undoable:
                for src in sources:
                    graphs |= self._validate(src, target, bar, base_iri)
            if bar is not None:
                bar.set_description("laden / loading")
            return self._write_all(sources, target, sorted(graphs, key=_graph_label), replace, bar, base_iri)
        finally:
            if bar is not None:
                bar.close()

    def _write_all(
        self,
        sources: list[_Source],
        target: OxGraphName | None,
        graphs: list[OxGraphName],
        replace: bool,
        bar: Any,
        base_iri: str | None,
    ) -> LoadResult:
        existed = {g: isinstance(g, ox.DefaultGraph) or self._db.contains_named_graph(g) for g in graphs}
        empty = {g: self._is_empty(g) for g in graphs}
        backup_dir: Path | None = None
        removed = 0
        if replace and not all(empty.values()):
            # Keep what is replaced until the new content is in, to restore it on failure.
            backup_dir = Path(tempfile.mkdtemp(prefix="mag-graph-replace-"))
            for i, g in enumerate(graphs):
                if not empty[g]:
                    self._db.dump(str(backup_dir / f"{i}.nt"), format=ox.RdfFormat.N_TRIPLES, from_graph=g)
                    removed += self.count(_graph_out(g))
        before = len(self._db) - removed
        current = sources[0]
        try:
            if replace:
                for g in graphs:
                    if existed[g]:
                        self._db.clear_graph(g)
            for current in sources:
                self._write_source(current, target, bar, base_iri)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                self._undo_write(graphs, existed, empty, replace, backup_dir)
                raise
            restored = self._undo_write(graphs, existed, empty, replace, backup_dir)
            if isinstance(exc, SyntaxError):
                err: MagGraphError = _parse_error(current, exc)
            elif isinstance(exc, MagGraphError):
                err = exc
            else:
                err = LoadError(f"laden mislukt: {exc}", f"loading failed: {exc}")
            if not restored:
                names = ", ".join(_graph_label(g) for g in graphs)
                err = LoadError(
                    f"{err.nl}; de grafen {names} bevatten mogelijk een deel van de data",
                    f"{err.en}; graphs {names} may hold part of the data",
                )
            raise err.with_traceback(None) from None
        finally:
            if backup_dir is not None:
                shutil.rmtree(backup_dir, ignore_errors=True)
        return LoadResult(len(self._db) - before, _sorted_graphs(graphs))

    def _write_source(
        self,
        src: _Source,
        target: OxGraphName | None,
        bar: Any,
        base_iri: str | None,
    ) -> None:
        # Oxigraph's to_graph only moves triples; quads into one graph are remapped here.
        remap = target is not None and src.format.supports_datasets
        if self.in_memory:
            reader = src.reader(bar)
            try:
                if remap:
                    quads = ox.parse(reader, format=src.format, base_iri=base_iri, rename_blank_nodes=True)
                    self._db.extend(ox.Quad(q.subject, q.predicate, q.object, target) for q in quads)
                else:
                    # Transactional and the fastest loader for an in-memory store.
                    self._db.load(reader, format=src.format, base_iri=base_iri, to_graph=target)
            finally:
                reader.close()
            return
        if src.format == ox.RdfFormat.N_TRIPLES or (src.format == ox.RdfFormat.N_QUADS and not remap):
            self._write_lines(src, target, bar)
        else:
            self._write_parsed(src, 0, target, bar, base_iri)

    def _write_lines(self, src: _Source, target: OxGraphName | None, bar: Any) -> None:
        """N-Triples/N-Quads in blocks of whole lines, each bulk-loaded by Oxigraph itself:
        as fast as one ``bulk_load`` (no Python objects per statement) with memory bounded
        by the block size. A block mentioning a blank node ends the block-wise part: the
        rest goes through one parser, so a blank node used on both sides of a block
        boundary stays one node."""
        raw = src.reader(None)
        lines_before = 0
        offset = 0
        pending = b""
        try:
            while True:
                block = raw.read(LINE_BLOCK_BYTES)
                if not block:
                    block, pending, last = pending, b"", True
                else:
                    block, last = pending + block, False
                    cut = block.rfind(b"\n") + 1
                    block, pending = block[:cut], block[cut:]
                if b"_:" in block:
                    raw.seek(offset)
                    self._write_parsed(src, lines_before, target, bar, None, reader=raw)
                    return
                if block.strip():
                    try:
                        self._db.bulk_load(block, format=src.format, to_graph=target)
                    except SyntaxError as exc:
                        if exc.lineno is not None:
                            exc.lineno += lines_before
                        raise
                if bar is not None:
                    bar.update(len(block))
                lines_before += block.count(b"\n")
                offset += len(block)
                if last:
                    return
        finally:
            raw.close()

    def _write_parsed(
        self,
        src: _Source,
        lines_before: int,
        target: OxGraphName | None,
        bar: Any,
        base_iri: str | None,
        *,
        reader: IO[bytes] | None = None,
    ) -> None:
        """Any format, parsed here and bulk-loaded in chunks of ``BULK_CHUNK`` statements
        (one parser, so blank nodes stay consistent; memory bounded by the chunk)."""
        stream = _ProgressReader(reader, bar) if reader is not None and bar is not None else reader
        if stream is None:
            stream = src.reader(bar)
        try:
            quads: Iterator[ox.Quad] = ox.parse(
                stream, format=src.format, base_iri=base_iri, rename_blank_nodes=True
            )
            if target is not None:
                make = ox.Quad
                quads = (make(q.subject, q.predicate, q.object, target) for q in quads)
            while True:
                try:
                    chunk = list(itertools.islice(quads, BULK_CHUNK))
                except SyntaxError as exc:
                    if exc.lineno is not None:
                        exc.lineno += lines_before
                    raise
                if not chunk:
                    break
                self._db.bulk_extend(chunk)
        finally:
            stream.close()

    def _undo_write(
        self,
        graphs: list[OxGraphName],
        existed: dict[OxGraphName, bool],
        empty: dict[OxGraphName, bool],
        replace: bool,
        backup_dir: Path | None,
    ) -> bool:
        """After a failed write: True when the store is as before (every graph written
        into was empty or replaced); otherwise the data of other loads is left alone."""
        clean = True
        for i, g in enumerate(graphs):
            if not (replace or empty[g]):
                clean = False
                continue
            if existed[g]:
                self._db.clear_graph(g)
            elif not isinstance(g, ox.DefaultGraph) and self._db.contains_named_graph(g):
                self._db.remove_graph(g)
            backup = backup_dir / f"{i}.nt" if backup_dir is not None else None
            if backup is not None and backup.exists():
                # Parsed without renaming, so blank nodes come back with their labels.
                triples = ox.parse(path=str(backup), format=ox.RdfFormat.N_TRIPLES)
                self._db.extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in triples)
        return clean

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
        substitutions = None
        if bindings:
            substitutions = {
                ox.Variable(name.lstrip("?$")): from_rdflib_term(value)
                for name, value in bindings.items()
            }
            for name, value in substitutions.items():
                if isinstance(value, ox.BlankNode):
                    raise QueryError(
                        f"blanco knopen kunnen niet als parameter {name} dienen",
                        f"blank nodes cannot be bound to parameter {name}",
                    )
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
        key = format.strip().lower()
        try:
            if isinstance(raw, ox.QueryTriples):
                rdf = rdf_format(_GRAPH_RESULT_ALIASES.get(key, key))
                triples = list(raw)
                data = ox.serialize(triples, output, rdf, prefixes=_prefixes_for(rdf))
                return data, rdf.media_type
            if key not in _RESULT_FORMATS:
                if key in FORMAT_NAMES:
                    raise QueryError(
                        f"formaat {format} past alleen bij CONSTRUCT/DESCRIBE; kies json, xml, csv of tsv",
                        f"format {format} only fits CONSTRUCT/DESCRIBE; choose json, xml, csv or tsv",
                    )
                raise UnknownFormatError(format)
            results = _RESULT_FORMATS[key]
            return raw.serialize(output, results), results.media_type
        except (OSError, RuntimeError) as exc:
            raise QueryError(f"query mislukt: {exc}", f"query failed: {exc}") from None
        except ValueError as exc:
            raise QueryError(
                f"kan dit resultaat niet als {format} schrijven: {exc}",
                f"cannot write this result as {format}: {exc}",
            ) from None

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
        if format is None and isinstance(destination, (str, os.PathLike)):
            suffix = Path(destination).suffix.lower().lstrip(".")
            format = suffix if suffix in FORMAT_NAMES else None
        if format is None:
            format = "trig" if graph is None else "turtle"
        rdf = rdf_format(format)
        kwargs: dict[str, Any] = {"format": rdf}
        if graph is not None:
            name = _graph_name(graph)
            if not isinstance(name, ox.DefaultGraph) and not self._db.contains_named_graph(name):
                raise UnknownGraphError(_graph_label(name))
            kwargs["from_graph"] = name
        elif not rdf.supports_datasets:
            raise UnknownFormatError(
                f"{format} (kan geen named graphs bevatten; kies een graaf of trig/nquads / "
                "cannot hold named graphs; pick a graph or trig/nquads)"
            )
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


# --------------------------------------------------------------------------- helpers


def _sorted_graphs(graphs: Iterable[OxGraphName]) -> tuple[URIRef | BNode | None, ...]:
    out = [_graph_out(g) for g in graphs]
    return tuple(sorted(out, key=lambda g: "" if g is None else str(g)))


def _prefixes_for(rdf: ox.RdfFormat) -> dict[str, str] | None:
    if rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        return dict(sorted(PREFIXES.items()))
    return None


def _bind_prefixes(graph: Graph) -> None:
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)


def _sparql_message(exc: SyntaxError) -> str:
    text = (exc.msg or str(exc)).strip()
    if "Prefix not found" in text:
        where = re.match(r"error at [0-9]+:[0-9]+", text)
        return f"{where.group(0) if where else 'error'}: onbekend prefix / unknown prefix"
    first = text.splitlines()[0] if text else "?"
    return first if len(first) <= 300 else first[:297] + "..."


def _convert_result(raw: Any) -> QueryResult:
    if isinstance(raw, ox.QueryBoolean):
        return QueryResult(kind="ask", boolean=bool(raw))
    conv = _Converter()
    if isinstance(raw, ox.QueryTriples):
        out = Graph()
        _bind_prefixes(out)
        for t in raw:
            out.add((conv(t.subject), conv(t.predicate), conv(t.object)))
        return QueryResult(kind="graph", graph=out)
    variables = tuple(v.value for v in raw.variables)
    rows = [tuple(conv(solution[i]) for i in range(len(variables))) for solution in raw]
    return QueryResult(kind="select", variables=variables, rows=rows)


_SKIP_TOKEN = re.compile(
    r"""
    \#[^\n]*                               # comment
    | '''(?:[^'\\]|\\.|'(?!''))*'''        # long strings
    | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
    | '(?:[^'\\\n]|\\.)*'                  # short strings
    | "(?:[^"\\\n]|\\.)*"
    | <[^<>"{}|^`\\\s]*>                   # IRIs
    """,
    re.VERBOSE | re.DOTALL,
)


def _with_values(sparql: str, substitutions: Mapping[ox.Variable, Any]) -> str:
    """The query with a VALUES block binding the given terms, at the start of its first
    group pattern (the WHERE clause of a SELECT). Terms are written by pyoxigraph, so
    they are well-formed RDF terms, never raw user text."""
    pos = 0
    while pos < len(sparql):
        match = _SKIP_TOKEN.match(sparql, pos)
        if match:
            pos = match.end()
            continue
        if sparql[pos] == "{":
            names = " ".join(f"?{v.value}" for v in substitutions)
            values = " ".join(str(t) for t in substitutions.values())
            block = f" VALUES ({names}) {{ ({values}) }} "
            return sparql[: pos + 1] + block + sparql[pos + 1 :]
        pos += 1
    raise QueryError(
        "kan de parameters niet aan deze query binden", "cannot bind the parameters to this query"
    )
