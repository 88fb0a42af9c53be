"""Running one query on a pyoxigraph store and serialising its answer within the limits:
:class:`QueryTask` (everything a worker process needs, picklable), :func:`execute` and
:class:`QueryOutcome` (the serialised answer).

Maximum result size
    SELECT results are first written as SPARQL TSV (one line per solution: newlines in
    values are escaped) through a writer that counts lines and bytes and raises as soon
    as a limit is passed, which stops Oxigraph's serializer at once; the TSV is then
    converted into the format asked for by Oxigraph itself (``parse_query_results`` +
    ``serialize``, byte-identical to serializing directly). CONSTRUCT/DESCRIBE triples
    are counted as they are collected. Too large a result is refused rather than cut
    off: a silently truncated answer is a wrong answer.

Timeouts in the server process
    An in-memory store cannot be shared with another process. There queries run in the
    server process and the timeout is checked while results are written out and while
    CONSTRUCT triples are collected: that stops queries that stream many results, not
    one that computes for a long time before its first result (an ORDER BY or a COUNT
    over a huge join). The in-memory store is for tests and demonstrations; serve an
    on-disk store for a hard limit (see :mod:`mag_graph.sparql.pool`).
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from mag_graph.namespaces import PREFIXES
from mag_graph.sparql.errors import QueryTimeoutError, ResultTooLargeError
from mag_graph.sparql.formats import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    NotAcceptableError,
    format_by_name,
)
from mag_graph.store import DEFAULT_GRAPH, QueryError, QuerySyntaxError

DEFAULT_MAX_ROWS = 100_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class _LimitExceeded(Exception):
    """Raised inside a serializer's write() to stop it at once."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(what)
        self.what = what
        self.limit = limit


@dataclass(frozen=True)
class QueryTask:
    """One query with everything needed to run it in another process (picklable)."""

    sparql: str
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    results_format: str | None = "json"
    graph_format: str | None = "turtle"
    max_rows: int = DEFAULT_MAX_ROWS
    max_bytes: int = DEFAULT_MAX_BYTES
    # Whether the default graph is the union of all graphs (decided by the service: not
    # when the query has FROM clauses of its own).
    union_default_graph: bool = True


@dataclass(frozen=True)
class QueryOutcome:
    """A serialised answer: ``kind`` is ``select``, ``ask`` or ``graph``."""

    kind: str
    data: bytes
    format: str
    rows: int
    cached: bool = False
    # False for answers that may differ next time (NOW(), RAND(), UUID(), ...).
    cacheable: bool = True

    @property
    def media_type(self) -> str:
        return format_by_name(self.format).content_type


class _LimitedWriter(io.RawIOBase):
    """A binary sink that stops a serializer when a limit is passed (by raising from
    ``write``, which Oxigraph passes on), and checks the deadline on every chunk."""

    def __init__(self, max_bytes: int, max_lines: int | None, deadline: float | None) -> None:
        self._buffer = bytearray()
        self._max_bytes = max_bytes
        self._max_lines = max_lines
        self._deadline = deadline
        self.lines = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._buffer += chunk
        if len(self._buffer) > self._max_bytes:
            raise _LimitExceeded("bytes", self._max_bytes)
        if self._max_lines is not None:
            self.lines += chunk.count(b"\n")
            if self.lines > self._max_lines:
                raise _LimitExceeded("rows", self._max_lines - 1)
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise _Deadline()
        return len(chunk)

    def getvalue(self) -> bytes:
        return bytes(self._buffer)


class _Deadline(Exception):
    """The cooperative deadline of an in-process query passed."""


def _graph_term(iri: str) -> ox.NamedNode | ox.DefaultGraph:
    if iri == str(DEFAULT_GRAPH):
        return ox.DefaultGraph()
    return ox.NamedNode(iri)


def _parser_message(exc: SyntaxError) -> str:
    text = (getattr(exc, "msg", None) or str(exc)).strip()
    first = text.splitlines()[0] if text else "?"
    return first if len(first) <= 500 else first[:497] + "..."


def prefixes_for(fmt: ox.RdfFormat) -> dict[str, str] | None:
    """The prefixes to write into a serialisation, for the formats that use them."""
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        return dict(sorted(PREFIXES.items()))
    return None


def execute(db: ox.Store, task: QueryTask, *, deadline: float | None = None) -> QueryOutcome:
    """Run one query on a pyoxigraph store and serialise the answer within the limits.

    Used by the worker processes and, for an in-memory store, in the server process
    (then ``deadline`` is checked while results are written). Raises the errors of
    :mod:`mag_graph.sparql.errors`, :class:`~mag_graph.sparql.formats.NotAcceptableError`
    and :class:`~mag_graph.store.QuerySyntaxError`.
    """
    kwargs: dict[str, Any] = {"prefixes": PREFIXES}
    if task.default_graphs is not None or task.named_graphs is not None:
        # The protocol's dataset replaces the query's FROM / FROM NAMED (SPARQL 1.1
        # Protocol 2.1.4); a graph not named is not part of it.
        kwargs["default_graph"] = [_graph_term(g) for g in task.default_graphs or ()]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in task.named_graphs or ()]
    elif task.union_default_graph:
        kwargs["use_default_graph_as_union"] = True
    try:
        raw = db.query(task.sparql, **kwargs)
        if isinstance(raw, ox.QueryBoolean):
            if task.results_format is None:
                raise NotAcceptableError("select", [f.media_type for f in RESULT_FORMATS])
            fmt = format_by_name(task.results_format).oxigraph
            return QueryOutcome("ask", raw.serialize(format=fmt), task.results_format, 1)
        if isinstance(raw, ox.QuerySolutions):
            return _select(raw, task, deadline)
        return _construct(raw, task, deadline)
    except SyntaxError as exc:
        raise QuerySyntaxError(_parser_message(exc)) from None
    except _LimitExceeded as exc:
        unit = exc.what
        raise ResultTooLargeError(exc.limit, unit) from None
    except _Deadline:
        raise QueryTimeoutError(0.0) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryError(f"query mislukt: {exc}", f"query failed: {exc}") from None


def _select(raw: ox.QuerySolutions, task: QueryTask, deadline: float | None) -> QueryOutcome:
    if task.results_format is None:
        raise NotAcceptableError("select", [f.media_type for f in RESULT_FORMATS])
    # One header line, then one line per solution.
    writer = _LimitedWriter(task.max_bytes, task.max_rows + 1, deadline)
    raw.serialize(writer, ox.QueryResultsFormat.TSV)
    tsv = writer.getvalue()
    rows = max(writer.lines - 1, 0)
    if task.results_format == "tsv":
        return QueryOutcome("select", tsv, "tsv", rows)
    out = _LimitedWriter(task.max_bytes, None, deadline)
    ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(out, format_by_name(task.results_format).oxigraph)
    return QueryOutcome("select", out.getvalue(), task.results_format, rows)


def _construct(raw: Iterable[ox.Triple], task: QueryTask, deadline: float | None) -> QueryOutcome:
    if task.graph_format is None:
        raise NotAcceptableError("graph", [f.media_type for f in GRAPH_FORMATS])
    triples: list[ox.Triple] = []
    for triple in raw:
        triples.append(triple)
        if len(triples) > task.max_rows:
            raise ResultTooLargeError(task.max_rows, "triples")
        if deadline is not None and not len(triples) % 1024 and time.monotonic() > deadline:
            raise _Deadline()
    fmt = format_by_name(task.graph_format).oxigraph
    out = _LimitedWriter(task.max_bytes, None, deadline)
    ox.serialize(triples, out, fmt, prefixes=prefixes_for(fmt))
    return QueryOutcome("graph", out.getvalue(), task.graph_format, len(triples))

