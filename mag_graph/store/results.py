"""What store operations answer, in rdflib terms and independent of the store behind
them: :class:`QueryResult` (a SPARQL query), :class:`LoadResult` (a load) and
:class:`Stats` (the size of the store).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from mag_graph.store.errors import QueryError
from mag_graph.store.formats import (
    _GRAPH_RESULT_ALIASES,
    _RESULT_FORMATS,
    FORMAT_NAMES,
    UnknownFormatError,
    _bind_prefixes,
    _prefixes_for,
    rdf_format,
)
from mag_graph.store.terms import _Converter


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


def _is_graph_result(raw: Any) -> bool:
    """A CONSTRUCT/DESCRIBE result: Oxigraph's own, or the triples a remote store sent."""
    return isinstance(raw, (ox.QueryTriples, list))


def _convert_result(raw: Any) -> QueryResult:
    """A :class:`QueryResult` from pyoxigraph's result of a query (or parsed results)."""
    if isinstance(raw, ox.QueryBoolean):
        return QueryResult(kind="ask", boolean=bool(raw))
    conv = _Converter()
    if _is_graph_result(raw):
        out = Graph()
        _bind_prefixes(out)
        for t in raw:
            out.add((conv(t.subject), conv(t.predicate), conv(t.object)))
        return QueryResult(kind="graph", graph=out)
    variables = tuple(v.value for v in raw.variables)
    rows = [tuple(conv(solution[i]) for i in range(len(variables))) for solution in raw]
    return QueryResult(kind="select", variables=variables, rows=rows)


def _serialise_result(raw: Any, format: str, output: Any) -> tuple[bytes | None, str]:
    """A query result written by Oxigraph's serialisers: a SPARQL results format for
    SELECT/ASK, an RDF format for CONSTRUCT/DESCRIBE (``json`` = JSON-LD, ``xml`` =
    RDF/XML there); the bytes (``None`` when written to ``output``) and the media type."""
    key = format.strip().lower()
    try:
        if _is_graph_result(raw):
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
