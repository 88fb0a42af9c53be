"""The SPARQL service behind ``/sparql`` and ``/graph-store``: the core, without Flask.

The web layer (``api/sparql.py``) only translates HTTP into calls of :class:`SparqlService`.
What lives here is what an endpoint must get right whatever face it has:

Timeouts that really stop a query
    pyoxigraph evaluates a query in Rust without ever returning to Python, and offers no
    cancellation (Oxigraph has a cancellation token in Rust and in ``oxigraph serve``
    only, see oxigraph/oxigraph#1926): a Python thread cannot interrupt it, and a query
    abandoned by its request keeps a core busy until it ends, possibly never. So queries
    on an on-disk store run in a small pool of worker *processes*, each with a read-only
    view (``pyoxigraph.Store.read_only``). A worker that does not answer in time is
    killed (SIGKILL) and replaced; the server process and the other workers are
    untouched.

    The views are of a *snapshot*: a RocksDB checkpoint of the store made with
    ``Store.backup`` after every write (hard links to the immutable data files, ~5 ms).
    A read-only view of the live directory was tried first and fails now and then: it
    is a snapshot taken at opening (it does not see later writes) and, worse, opening it
    races with the primary's background compaction ("Corruption: ... No such file", in
    about one test run in five), in a fresh process as much as in an old one. After a
    write the workers that have a view are replaced by fresh ones (forked from a fork
    server: a few milliseconds) that open the new snapshot; old snapshots are deleted
    once no worker reads them. Measured: the first query after a write takes ~25 ms,
    later ones under 2 ms.

    An in-memory store cannot be shared with another process. There queries run in the
    server process and the timeout is checked while results are written out and while
    CONSTRUCT triples are collected: that stops queries that stream many results, not
    one that computes for a long time before its first result (an ORDER BY or a COUNT
    over a huge join). The in-memory store is for tests and demonstrations; serve an
    on-disk store for a hard limit.

Maximum result size
    SELECT results are first written as SPARQL TSV (one line per solution: newlines in
    values are escaped) through a writer that counts lines and bytes and raises as soon
    as a limit is passed, which stops Oxigraph's serializer at once; the TSV is then
    converted into the format asked for by Oxigraph itself (``parse_query_results`` +
    ``serialize``, byte-identical to serializing directly). CONSTRUCT/DESCRIBE triples
    are counted as they are collected. Too large a result is refused rather than cut
    off: a silently truncated answer is a wrong answer.

Result cache
    Answers are kept by (query, dataset, formats) and dropped on every write: the
    generation counter is bumped by :meth:`SparqlService.changed`, which every write in
    this module calls. Code elsewhere in the server that writes to the store must call it
    too. A result computed while a write happened is not stored, nor the answer to a
    query that calls NOW(), RAND(), UUID() or STRUUID().

No SSRF through SERVICE
    pyoxigraph evaluates ``SERVICE <url>`` by fetching the URL, so any anonymous query
    could make the server send requests into its own network. Queries using SERVICE
    are refused unless federation is allowed explicitly; the keyword is found by a
    scanner that skips comments, strings, IRIs and escaped local names the way the
    SPARQL grammar does (erring on the side of refusing).
"""

from __future__ import annotations

import collections
import contextlib
import functools
import io
import logging
import multiprocessing
import os
import re
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from mag_graph.namespaces import PREFIXES
from mag_graph.sparql.formats import (
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
from mag_graph.sparql.negotiation import negotiate, parse_accept
from mag_graph.store import (
    DEFAULT_GRAPH,
    MagGraphError,
    QueryError,
    QuerySyntaxError,
    Store,
    UnknownGraphError,
)

__all__ = [
    "DATASET_FORMATS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "DEFAULT_TIMEOUT",
    "GRAPH_FORMATS",
    "RESULT_FORMATS",
    "WATCHED_KEYWORDS",
    "Format",
    "NotAcceptableError",
    "QueryOutcome",
    "QueryPool",
    "QueryTask",
    "QueryTimeoutError",
    "ResultCache",
    "ResultTooLargeError",
    "ServiceNotAllowedError",
    "SparqlService",
    "UnsupportedMediaTypeError",
    "execute",
    "format_by_name",
    "formats_for_parameter",
    "input_format",
    "is_volatile",
    "keywords",
    "negotiate",
    "parse_accept",
    "uses_keyword",
]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 100_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_CACHE_ENTRIES = 2048
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
# Answers bigger than this are not cached: they would push out many small ones.
CACHE_ENTRY_BYTES = 4 * 1024 * 1024


# --------------------------------------------------------------------------- errors


class QueryTimeoutError(QueryError):
    """The query did not finish within the time limit and was stopped."""

    def __init__(self, timeout: float, *, busy: bool = False) -> None:
        self.timeout = timeout
        self.busy = busy
        if busy:
            super().__init__(
                f"alle query-processen waren {timeout:g} s bezet; probeer het later opnieuw",
                f"all query processes were busy for {timeout:g} s; try again later",
            )
        else:
            super().__init__(
                f"de query is na {timeout:g} s afgebroken (tijdslimiet)",
                f"the query was stopped after {timeout:g} s (time limit)",
            )


class ResultTooLargeError(QueryError):
    """The result passes the maximum number of rows/triples or bytes."""

    def __init__(self, limit: int, unit: str) -> None:
        self.limit = limit
        self.unit = unit
        nl_unit = {"rows": "rijen", "triples": "triples", "bytes": "bytes"}[unit]
        super().__init__(
            f"het resultaat is groter dan de limiet van {limit} {nl_unit}; beperk de query (LIMIT)",
            f"the result exceeds the limit of {limit} {unit}; narrow the query (LIMIT)",
        )


_SERVICE_TARGET = re.compile(r"(?i)\bSERVICE\s+(?:SILENT\s+)?<([^<>\s]*)>")


class ServiceNotAllowedError(QueryError):
    """A federated query (SERVICE) on a server that does not allow them."""

    def __init__(self) -> None:
        super().__init__(
            "federatieve queries (SERVICE) zijn op deze server uitgeschakeld",
            "federated queries (SERVICE) are disabled on this server",
        )


class _LimitExceeded(Exception):
    """Raised inside a serializer's write() to stop it at once."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(what)
        self.what = what
        self.limit = limit


# --------------------------------------------------------------------------- reading SPARQL text

# Tokens whose content is not SPARQL code, in the order the grammar recognises them,
# then runs of code that cannot start such a token, then any other single character.
_TOKENS = re.compile(
    r"""
    (?P<skip>
      \#[^\n\r]*                                          # comment
      | '''(?:[^'\\]|\\.|'(?!''))*'''                       # long strings
      | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
      | '(?:[^'\\\n\r]|\\.)*'                               # short strings
      | "(?:[^"\\\n\r]|\\.)*"
      | <(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>  # IRIs
      | \\.                                                # escaped char of a local name
    )
    | (?P<code>[^#'"<\\]+|.)
    """,
    re.VERBOSE | re.DOTALL,
)


def _code(sparql: str) -> str:
    """The query text with comments, strings, IRIs and escapes blanked out. An
    unterminated string or IRI start stays visible as code: the parser refuses such a
    query anyway, and showing more code only errs on the side of refusing."""
    return "".join(m.group("code") or " " for m in _TOKENS.finditer(sparql))


# The keywords the service looks for: SERVICE (federation), FROM (the query's own
# dataset) and the functions whose value changes between evaluations.
WATCHED_KEYWORDS = ("SERVICE", "FROM", "NOW", "RAND", "UUID", "STRUUID")
_KEYWORD = re.compile(r"(?<![\w?$:\\])(" + "|".join(WATCHED_KEYWORDS) + r")(?![\w:-])", re.IGNORECASE)
_VOLATILE = frozenset({"NOW", "RAND", "UUID", "STRUUID"})


def keywords(sparql: str) -> frozenset[str]:
    """Which of :data:`WATCHED_KEYWORDS` occur in the query as keywords: not inside a
    string, IRI, comment, variable or prefixed name. A keyword right after a ``.``
    counts (``?s ?p 1.SERVICE`` is a triple's end and a keyword). Remembered for query
    texts of ordinary length, since the same queries come back."""
    if len(sparql) <= 16384:
        return _keywords_cached(sparql)
    return _keywords(sparql)


def _keywords(sparql: str) -> frozenset[str]:
    return frozenset(match.group(1).upper() for match in _KEYWORD.finditer(_code(sparql)))


_keywords_cached = functools.lru_cache(maxsize=1024)(_keywords)


def dataset_clauses(sparql: str) -> tuple[list[str], list[str]] | None:
    """The IRIs of the query's own ``FROM`` and ``FROM NAMED`` clauses (prefixed names
    resolved with the query's prologue and the server's prefixes, relative IRIs against
    its ``BASE``), or ``None`` when the text cannot be parsed here. Used to restrict a
    reader's query to the graphs it may see without changing what the query asks."""
    if "FROM" not in keywords(sparql):
        return [], []
    return _dataset_clauses(sparql)


@functools.lru_cache(maxsize=256)
def _dataset_clauses(sparql: str) -> tuple[list[str], list[str]] | None:
    from urllib.parse import urljoin

    from rdflib.plugins.sparql.parser import parseQuery

    try:
        prologue, query = parseQuery(sparql)
    except Exception:  # noqa: BLE001 - pyparsing raises many kinds; Oxigraph reports the error
        return None
    prefixes = dict(PREFIXES)
    base = ""
    for decl in prologue:
        if decl.name == "PrefixDecl":
            prefixes[decl.get("prefix") or ""] = str(decl["iri"])
        elif decl.name == "Base":
            base = str(decl["iri"])

    def resolve(term: Any) -> str | None:
        if getattr(term, "name", None) == "pname":
            namespace = prefixes.get(term.get("prefix") or "")
            return None if namespace is None else namespace + (term.get("localname") or "")
        return urljoin(base, str(term)) if base else str(term)

    default: list[str] = []
    named: list[str] = []
    for clause in query.get("datasetClause") or ():
        if "default" in clause:
            iri = resolve(clause["default"])
            target = default
        else:
            iri = resolve(clause["named"])
            target = named
        if iri is None:
            return None
        target.append(iri)
    return default, named


def uses_keyword(sparql: str, keyword: str) -> bool:
    """Whether one of :data:`WATCHED_KEYWORDS` occurs in the query (see :func:`keywords`)."""
    return keyword.upper() in keywords(sparql)


def is_volatile(sparql: str) -> bool:
    """Whether the query's answer may differ without a write (it calls NOW(), RAND(), ...)."""
    return not _VOLATILE.isdisjoint(keywords(sparql))


# --------------------------------------------------------------------------- executing


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


def _prefixes_for(fmt: ox.RdfFormat) -> dict[str, str] | None:
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        return dict(sorted(PREFIXES.items()))
    return None


def execute(db: ox.Store, task: QueryTask, *, deadline: float | None = None) -> QueryOutcome:
    """Run one query on a pyoxigraph store and serialise the answer within the limits.

    Used by the worker processes and, for an in-memory store, in the server process
    (then ``deadline`` is checked while results are written). Raises the errors of this
    module and :class:`~mag_graph.store.QuerySyntaxError`.
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
    ox.serialize(triples, out, fmt, prefixes=_prefixes_for(fmt))
    return QueryOutcome("graph", out.getvalue(), task.graph_format, len(triples))


# --------------------------------------------------------------------------- worker processes


def _worker_main(conn: Any) -> None:
    """A query process: answers tasks on one read-only view, opened at its first task
    from the snapshot directory that task names. The view never changes; after a write
    the pool replaces the process (its next task would name a newer snapshot).

    A plain :class:`QueryError` (Oxigraph's I/O and evaluation errors) is answered as
    ``retry`` and the process ends, so the pool can try once more on a fresh process.
    """
    db: ox.Store | None = None
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if message is None:
            return
        path, task = message
        reply: tuple[str, Any]
        done = False
        try:
            if db is None:
                db = ox.Store.read_only(path)
            reply = ("ok", execute(db, task))
        except (QuerySyntaxError, ResultTooLargeError, NotAcceptableError) as exc:
            reply = ("error", _pack_error(exc))
        except MagGraphError as exc:
            reply, done = ("retry", _pack_error(exc)), True
        except Exception as exc:  # opening the view failed, or something unforeseen
            reply = ("retry", ("QueryError", (f"query mislukt: {exc}", f"query failed: {exc}")))
            done = True
        try:
            conn.send(reply)
        except (OSError, BrokenPipeError):
            return
        if done:
            return


def _pack_error(exc: MagGraphError) -> tuple[str, tuple[Any, ...]]:
    if isinstance(exc, QuerySyntaxError):
        return ("QuerySyntaxError", (exc.parser_message,))
    if isinstance(exc, ResultTooLargeError):
        return ("ResultTooLargeError", (exc.limit, exc.unit))
    if isinstance(exc, NotAcceptableError):
        return ("NotAcceptableError", (exc.kind, exc.offers))
    return ("QueryError", (exc.nl, exc.en))


def _unpack_error(packed: tuple[str, tuple[Any, ...]]) -> MagGraphError:
    name, args = packed
    kinds: dict[str, Callable[..., MagGraphError]] = {
        "QuerySyntaxError": QuerySyntaxError,
        "ResultTooLargeError": ResultTooLargeError,
        "NotAcceptableError": NotAcceptableError,
        "QueryError": QueryError,
    }
    return kinds.get(name, QueryError)(*args)


class _Waiter:
    """A request waiting for an idle worker."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.worker: _Worker | None = None


class _Worker:
    def __init__(self, ctx: Any) -> None:
        parent, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child,), name="mag-graph-query", daemon=True)
        self.process.start()
        child.close()
        self.conn = parent
        # The generation (and snapshot) its view shows; None until its first task, when
        # it opens the view, so a worker that has not worked yet is never stale.
        self.generation: int | None = None
        self.snapshot: str | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: the only way to stop Oxigraph in the middle of a query."""
        try:
            self.process.kill()
        except (OSError, ValueError):
            pass
        self.process.join(timeout=5)
        self._close()

    def stop(self) -> None:
        """Ask an idle worker to end (it is not in a query, so this is immediate)."""
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.kill()
        else:
            self._close()

    def _close(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass
        try:
            self.process.close()
        except ValueError:
            pass


class QueryPool:
    """Worker processes for queries on an on-disk store; see the module docstring.

    Workers read a *snapshot* of the store: a RocksDB checkpoint made with
    ``pyoxigraph.Store.backup`` (hard links, a few ms) after every write. A read-only
    view of the live store directory races with the primary's background compaction:
    a view that reads the file list just before compaction deletes a file fails with
    "Corruption: ... No such file" (seen in about one test run in five). A checkpoint
    never changes, so a view of it cannot meet that. A snapshot is deleted once no
    worker uses it any more. ``snapshot=None`` falls back to the live directory.

    Workers are forked from a fork server (``multiprocessing`` "forkserver"): the server
    process has threads and an open RocksDB, so it must never fork itself, and a fresh
    interpreter per worker ("spawn") would take a third of a second to import everything
    where a fork from the fork server takes a few ms. That matters because every write
    replaces the workers that have a view open.

    An idle worker is taken for each query (the most recently used first); if none is
    free within the time limit the request is refused as busy.
    """

    def __init__(self, path: str, size: int, generation: int = 0, snapshot: str | None = None) -> None:
        self.path = path
        self.size = max(1, size)
        self._ctx = multiprocessing.get_context("forkserver")
        # A forked worker still runs the parent's main script (multiprocessing's
        # "prepare" step; preloading "__main__" does not prevent it on Python 3.11). For
        # the mag-graph console script that means importing the whole CLI: 0.5-1 s per
        # new worker, measured. With mag_graph.cli preloaded in the fork server the
        # script finds everything imported already.
        self._ctx.set_forkserver_preload(["__main__", "mag_graph.sparql", "mag_graph.cli"])
        self._lock = threading.Lock()
        # Idle workers (the most recently used last, taken first: a quiet server keeps
        # few views warm) and the requests waiting for one, served first come first
        # served: a returned worker is handed to the oldest waiter, so a busy request
        # thread cannot take it back again and again while another one starves.
        self._idle: list[_Worker] = []
        self._waiting: collections.deque[_Waiter] = collections.deque()
        self._workers: set[_Worker] = set()
        self._closed = False
        self.generation = generation
        self.snapshot = snapshot
        self._retired_snapshots: set[str] = set()
        self.killed = 0
        self.started = 0
        for _ in range(self.size):
            self._add_worker()

    def _add_worker(self) -> None:
        if self._closed:
            return
        worker = _Worker(self._ctx)
        with self._lock:
            closed = self._closed
            if not closed:
                self._workers.add(worker)
                self.started += 1
        if closed:
            worker.stop()
            return
        self._release(worker)

    def _release(self, worker: _Worker) -> None:
        """An idle worker: to the oldest waiting request, or to the idle list. One
        whose view is out of date (a write happened while it worked) is replaced."""
        with self._lock:
            stale = worker.generation is not None and worker.generation != self.generation
            if not stale:
                if self._waiting:
                    waiter = self._waiting.popleft()
                    waiter.worker = worker
                    waiter.ready.set()
                else:
                    self._idle.append(worker)
                return
        self._replace(worker, kill=False)

    def _replace(self, worker: _Worker, *, kill: bool) -> None:
        """End a worker (killed: it overran its time or broke) and start a replacement
        in the background, so the request at hand is answered without waiting."""
        with self._lock:
            self._workers.discard(worker)
            if kill:
                self.killed += 1
        if kill:
            worker.kill()
            self._drop_unused_snapshots()
        else:
            def stop() -> None:
                worker.stop()
                self._drop_unused_snapshots()

            threading.Thread(target=stop, name="mag-graph-stop", daemon=True).start()
        threading.Thread(target=self._add_worker, name="mag-graph-start", daemon=True).start()

    def _drop_unused_snapshots(self) -> None:
        with self._lock:
            in_use = {w.snapshot for w in self._workers}
            unused = {s for s in self._retired_snapshots if s not in in_use}
            self._retired_snapshots -= unused
        for path in unused:
            shutil.rmtree(path, ignore_errors=True)

    def refresh(self, generation: int, snapshot: str | None = None) -> None:
        """The store was written (and ``snapshot`` shows the new state): replace the
        idle workers with a view now, busy ones as they return."""
        with self._lock:
            if self.snapshot is not None and self.snapshot != snapshot:
                self._retired_snapshots.add(self.snapshot)
            self.generation = generation
            self.snapshot = snapshot
            used = [w for w in self._idle if w.generation is not None]
            self._idle = [w for w in self._idle if w.generation is None]
        for worker in used:
            self._replace(worker, kill=False)
        self._drop_unused_snapshots()

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return sorted(w.pid for w in self._workers if w.pid is not None)

    def _checkout(self, deadline: float, timeout: float) -> _Worker:
        with self._lock:
            if self._idle and not self._waiting:
                return self._claim(self._idle.pop())
            waiter = _Waiter()
            self._waiting.append(waiter)
        waiter.ready.wait(max(deadline - time.monotonic(), 0.0))
        with self._lock:
            if waiter.worker is None:
                self._waiting.remove(waiter)
                raise QueryTimeoutError(timeout, busy=True)
            return self._claim(waiter.worker)

    def _claim(self, worker: _Worker) -> _Worker:
        """Bind a worker that has no view yet to the current snapshot (lock held)."""
        if worker.generation is None:
            worker.generation = self.generation
            worker.snapshot = self.snapshot
        return worker

    def run(self, task: QueryTask, timeout: float) -> QueryOutcome:
        deadline = time.monotonic() + timeout
        for attempt in (1, 2):
            worker: _Worker | None = self._checkout(deadline, timeout)
            assert worker is not None
            try:
                worker.conn.send((worker.snapshot or self.path, task))
                if not worker.conn.poll(max(deadline - time.monotonic(), 0.0)):
                    self._replace(worker, kill=True)
                    worker = None
                    raise QueryTimeoutError(timeout)
                status, payload = worker.conn.recv()
            except (EOFError, OSError):
                if worker is not None:
                    self._replace(worker, kill=True)
                    worker = None
                if attempt == 1:
                    continue
                raise QueryError(
                    "het query-proces is onverwacht gestopt", "the query process stopped unexpectedly"
                ) from None
            if status == "retry":
                self._replace(worker, kill=False)
                worker = None
                if attempt == 1:
                    continue
                raise _unpack_error(payload)
            self._release(worker)
            if status == "ok":
                return payload
            raise _unpack_error(payload)
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.stop()


# --------------------------------------------------------------------------- cache


class ResultCache:
    """A least-recently-used map of answers, bounded in entries and bytes, emptied on
    every write. Entries computed before the latest write are refused by :meth:`put`."""

    def __init__(self, max_entries: int = DEFAULT_CACHE_ENTRIES, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.generation = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, value: Any, size: int, generation: int) -> None:
        if self.max_entries <= 0 or size > min(CACHE_ENTRY_BYTES, self.max_bytes):
            return
        with self._lock:
            if generation != self.generation:
                return  # computed before a write: may be stale
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def invalidate(self) -> int:
        """Forget everything and start a new generation; returns the new generation."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self.generation += 1
            return self.generation

    def __len__(self) -> int:
        return len(self._entries)


# --------------------------------------------------------------------------- the service

SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS_NS = "http://www.w3.org/ns/formats/"
_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML",
    "trig": "TriG",
    "nquads": "N-Quads",
}


def _snapshot_root(store: Path) -> Path:
    """A fresh directory for the query processes' snapshots, beside the store (hard
    links need the same file system). Snapshot directories of this store left by a
    server that did not stop cleanly are removed: whoever has the store open (we do)
    is the only one that can have made them."""
    prefix = f".{store.name}-query-snapshots-"
    for stale in store.parent.glob(prefix + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=store.parent))


def _default_workers() -> int:
    return max(2, min(4, os.cpu_count() or 2))


@dataclass
class ServiceStats:
    generation: int
    cache_entries: int
    cache_hits: int
    cache_misses: int
    workers: list[int] = field(default_factory=list)
    killed: int = 0


class SparqlService:
    """The SPARQL 1.1 Protocol and Graph Store Protocol operations on a :class:`Store`.

    ``timeout`` (seconds) bounds each query; ``max_rows`` / ``max_bytes`` bound each
    answer; ``workers`` sets the number of query processes for an on-disk store (0 runs
    queries in the server process, without a hard timeout); ``allow_service`` permits
    federated queries (SERVICE): False (default), True, or a list of endpoint IRIs
    (prefixes) that SERVICE may name. Writes go through the store and then
    :meth:`changed`.
    """

    def __init__(
        self,
        store: Store,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_rows: int = DEFAULT_MAX_ROWS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        workers: int | None = None,
        cache_entries: int = DEFAULT_CACHE_ENTRIES,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        allow_service: bool | Sequence[str] = False,
        union_default_graph: bool = True,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.store = store
        self.timeout = float(timeout)
        self.max_rows = int(max_rows)
        self.max_bytes = int(max_bytes)
        self.allow_service = allow_service
        self.union_default_graph = union_default_graph
        self.cache = ResultCache(cache_entries, cache_bytes)
        self._write_lock: Any = threading.RLock()
        self._read_lock: Any = contextlib.nullcontext()
        self._description: dict[tuple[Any, ...], tuple[int, bytes]] = {}
        size = _default_workers() if workers is None else workers
        self.pool: QueryPool | None = None
        self._snapshots: Path | None = None
        self._snapshot_number = 0
        if not store.in_memory and size > 0:
            self._snapshots = _snapshot_root(Path(store.location))
            self.pool = QueryPool(store.location, size, self.cache.generation, self._snapshot())

    # -- lifecycle

    @property
    def hard_timeout(self) -> bool:
        """Whether queries run in worker processes that are killed on timeout."""
        return self.pool is not None

    @property
    def generation(self) -> int:
        return self.cache.generation

    def changed(self) -> int:
        """Tell the service the store was written: drop cached answers and give the
        query processes a new snapshot. Every write in the server must call this."""
        with self._write_lock:
            snapshot = self._snapshot() if self.pool is not None else None
            generation = self.cache.invalidate()
            if self.pool is not None:
                self.pool.refresh(generation, snapshot)
            return generation

    def _snapshot(self) -> str | None:
        """A checkpoint of the store for the query processes (hard links to the
        immutable data files; the in-memory buffers are flushed first, so a view opens
        in ~25 ms instead of replaying the write-ahead log: up to 1.5 s after the
        first-run load). ``None`` if it cannot be made (then views open the live store)."""
        assert self._snapshots is not None
        self._snapshot_number += 1
        target = self._snapshots / f"snapshot-{self._snapshot_number}"
        try:
            self.store.oxigraph.flush()
            self.store.oxigraph.backup(str(target))
        except OSError as exc:
            log.warning("no snapshot for the query processes (%s); they read the live store", exc)
            shutil.rmtree(target, ignore_errors=True)
            return None
        return str(target)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        if self._snapshots is not None:
            shutil.rmtree(self._snapshots, ignore_errors=True)
            self._snapshots = None

    def _service_allowed(self, query: str) -> bool:
        """Federation is allowed when ``allow_service`` is True, or when every SERVICE of
        the query names (by IRI, not by variable) an endpoint on the allowlist."""
        if self.allow_service is True:
            return True
        allowed = tuple(self.allow_service or ())
        if not allowed:
            return False
        mentions = re.findall(r"(?i)\bSERVICE\b", query)
        targets = _SERVICE_TARGET.findall(query)
        return len(targets) == len(mentions) and all(t.startswith(allowed) for t in targets)

    def stats(self) -> ServiceStats:
        return ServiceStats(
            generation=self.generation,
            cache_entries=len(self.cache),
            cache_hits=self.cache.hits,
            cache_misses=self.cache.misses,
            workers=self.pool.pids if self.pool is not None else [],
            killed=self.pool.killed if self.pool is not None else 0,
        )

    # -- queries

    def query(
        self,
        sparql: str,
        *,
        results_format: Format | None = RESULT_FORMATS[0],
        graph_format: Format | None = GRAPH_FORMATS[0],
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        use_cache: bool = True,
        visible_graphs: Sequence[str] | None = None,
    ) -> QueryOutcome:
        """Run a query and serialise its answer in the format for its kind.

        ``results_format`` is used for SELECT/ASK, ``graph_format`` for CONSTRUCT/DESCRIBE
        (``None``: the client accepts none, :class:`NotAcceptableError` if the query turns
        out to be of that kind). ``default_graphs`` / ``named_graphs`` are the protocol's
        ``default-graph-uri`` / ``named-graph-uri``.

        ``visible_graphs`` (``None``: all) restricts the query to the graphs the caller
        may read: the dataset it asks for (protocol parameters, else the query's own
        ``FROM``/``FROM NAMED``) less the graphs it may not see, else every visible graph,
        so ``GRAPH <hidden> { }`` and ``FROM <hidden>`` match nothing.
        """
        found = keywords(sparql)
        if visible_graphs is not None:
            from mag_graph.access.visibility import restrict_dataset

            if default_graphs is None and named_graphs is None and "FROM" in found:
                clauses = dataset_clauses(sparql)
                if clauses is not None:
                    default_graphs, named_graphs = clauses
            default_graphs, named_graphs = restrict_dataset(visible_graphs, default_graphs, named_graphs)
        task = QueryTask(
            sparql=sparql,
            default_graphs=tuple(default_graphs) if default_graphs is not None else None,
            named_graphs=tuple(named_graphs) if named_graphs is not None else None,
            results_format=results_format.name if results_format else None,
            graph_format=graph_format.name if graph_format else None,
            max_rows=self.max_rows,
            max_bytes=self.max_bytes,
            # Oxigraph's union flag would override the query's own FROM clauses.
            union_default_graph=self.union_default_graph and "FROM" not in found,
        )
        key = ("sparql", task)
        volatile = not _VOLATILE.isdisjoint(found)
        use_cache = use_cache and not volatile
        if use_cache:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        if "SERVICE" in found and not self._service_allowed(sparql):
            raise ServiceNotAllowedError()
        generation = self.generation
        if self.pool is not None:
            outcome = self.pool.run(task, self.timeout)
        else:
            deadline = time.monotonic() + self.timeout
            try:
                with self._read_lock:
                    outcome = execute(self.store.oxigraph, task, deadline=deadline)
            except QueryTimeoutError:
                raise QueryTimeoutError(self.timeout) from None
        if use_cache:
            cached = QueryOutcome(outcome.kind, outcome.data, outcome.format, outcome.rows, cached=True)
            self.cache.put(key, cached, len(outcome.data), generation)
        elif volatile:
            outcome = QueryOutcome(outcome.kind, outcome.data, outcome.format, outcome.rows, cacheable=False)
        return outcome

    def cached(self, key: Hashable, compute: Callable[[], Any], size: Callable[[Any], int] = lambda v: 1024) -> Any:
        """A value from the result cache, or computed and remembered until the next
        write (for answers other than raw SPARQL: questions, validation reports)."""
        full_key = ("value", key)
        hit = self.cache.get(full_key)
        if hit is not None:
            return hit
        generation = self.generation
        value = compute()
        self.cache.put(full_key, value, size(value), generation)
        return value

    # -- updates

    def share_locks(self, writing: Any, reading: Any) -> None:
        """Take another writer's locks (re-entrant context managers; the CMS's): writes
        through SPARQL and the Graph Store hold ``writing``, so they are serialised with
        that writer, and queries run in this process hold ``reading``, so they never see
        one of its writes half-way (applied, being validated, maybe undone). Queries in
        the worker processes need no lock: their snapshots are only taken under
        ``writing``, between writes."""
        self._write_lock = writing
        self._read_lock = reading

    def update(self, sparql: str) -> None:
        """Run a SPARQL update (one transaction), then invalidate cached answers."""
        with self._write_lock:
            try:
                self.store.update(sparql)
            finally:
                self.changed()

    # -- graph store protocol

    @staticmethod
    def _target(graph: str | None) -> Any:
        return DEFAULT_GRAPH if graph is None else graph

    def graph_exists(self, graph: str | None) -> bool:
        return graph is None or self.store.has_graph(graph)

    def get_graph(self, graph: str | None, fmt: Format, *, visible_graphs: Sequence[str] | None = None) -> bytes:
        """One graph (``None``: the default graph) serialised; raises
        :class:`~mag_graph.store.UnknownGraphError` for a named graph the store lacks
        or the caller may not see (``visible_graphs``; ``None``: all)."""
        hidden = visible_graphs is not None and graph is not None and graph not in {str(g) for g in visible_graphs}
        if graph is not None and (hidden or not self.store.has_graph(graph)):
            raise UnknownGraphError(graph)
        key = ("graph", graph, fmt.name)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        generation = self.generation
        data = self.store.export(graph=self._target(graph), format=fmt.name) or b""
        if len(data) > self.max_bytes:
            raise ResultTooLargeError(self.max_bytes, "bytes")
        self.cache.put(key, data, len(data), generation)
        return data

    def get_dataset(self, fmt: Format, *, visible_graphs: Sequence[str] | None = None) -> bytes:
        """Every graph (or every one in ``visible_graphs``), as TriG or N-Quads."""
        if visible_graphs is None:
            data = self.store.export(format=fmt.name) or b""
        else:
            from mag_graph.access.visibility import copy_of_graphs

            copy = copy_of_graphs(self.store, visible_graphs)
            data = copy.dump(format=fmt.oxigraph, prefixes=_prefixes_for(fmt.oxigraph)) or b""
        if len(data) > self.max_bytes:
            raise ResultTooLargeError(self.max_bytes, "bytes")
        return data

    def put_graph(self, graph: str | None, data: bytes, fmt: Format) -> bool:
        """Replace a graph's content (all or nothing); True when the graph is new."""
        with self._write_lock:
            existed = self.graph_exists(graph)
            try:
                self.store.load(data, format=fmt.name, graph=self._target(graph), replace=True)
            finally:
                self.changed()
            return not existed

    def post_graph(self, graph: str | None, data: bytes, fmt: Format) -> bool:
        """Add statements to a graph (``None``: the default graph; quads of a dataset
        format all go into it); True when the graph is new."""
        with self._write_lock:
            existed = self.graph_exists(graph)
            try:
                self.store.load(data, format=fmt.name, graph=self._target(graph))
            finally:
                self.changed()
            return not existed

    def post_dataset(self, data: bytes, fmt: Format) -> None:
        """Add quads (TriG, N-Quads) to the graphs they name."""
        with self._write_lock:
            try:
                self.store.load(data, format=fmt.name)
            finally:
                self.changed()

    def delete_graph(self, graph: str | None) -> None:
        """Drop a named graph (404 if absent) or empty the default graph."""
        with self._write_lock:
            if graph is not None and not self.store.has_graph(graph):
                raise UnknownGraphError(graph)
            try:
                self.store.drop_graph(self._target(graph))
            finally:
                self.changed()

    # -- service description

    def description(
        self,
        endpoint_url: str,
        graph_store_url: str | None,
        fmt: Format,
        *,
        update: bool = True,
    ) -> bytes:
        """The SPARQL 1.1 Service Description of this endpoint, with the graphs the store
        holds and their sizes (remembered until the next write)."""
        key = (endpoint_url, graph_store_url, fmt.name, update)
        known = self._description.get(key)
        if known is not None and known[0] == self.generation:
            return known[1]
        generation = self.generation
        triples = self._description_triples(endpoint_url, graph_store_url, update)
        oxfmt = fmt.oxigraph
        prefixes = {"sd": SD, "formats": _FORMATS_NS, "void": "http://rdfs.org/ns/void#",
                    "dcterms": "http://purl.org/dc/terms/", "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
        data = ox.serialize(triples, None, oxfmt, prefixes=prefixes if _prefixes_for(oxfmt) else None)
        self._description[key] = (generation, data)
        return data

    def _description_triples(self, endpoint_url: str, graph_store_url: str | None, update: bool) -> list[ox.Triple]:
        rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        sd = lambda local: ox.NamedNode(SD + local)
        rdfs = "http://www.w3.org/2000/01/rdf-schema#"
        service = ox.BlankNode("service")
        out: list[ox.Triple] = []

        def add(s: Any, p: Any, o: Any) -> None:
            out.append(ox.Triple(s, p, o))

        add(service, rdf_type, sd("Service"))
        add(service, sd("endpoint"), ox.NamedNode(endpoint_url))
        add(service, sd("supportedLanguage"), sd("SPARQL11Query"))
        if update:
            add(service, sd("supportedLanguage"), sd("SPARQL11Update"))
        for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS):
            add(service, sd("resultFormat"), ox.NamedNode(_FORMATS_NS + _FORMAT_IRIS[fmt.name]))
        for fmt in (*GRAPH_FORMATS, *DATASET_FORMATS):
            add(service, sd("inputFormat"), ox.NamedNode(_FORMATS_NS + _FORMAT_IRIS[fmt.name]))
        if self.union_default_graph:
            add(service, sd("feature"), sd("UnionDefaultGraph"))
        add(service, sd("feature"), sd("EmptyGraphs"))
        if self.allow_service:
            add(service, sd("feature"), sd("BasicFederatedQuery"))
        add(service, sd("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple"))
        add(service, ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal("mag-graph SPARQL-endpoint", language="nl"))
        add(service, ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal("mag-graph SPARQL endpoint", language="en"))
        limits_nl = (
            f"Tijdslimiet per query {self.timeout:g} s; hoogstens {self.max_rows} rijen of triples "
            f"en {self.max_bytes} bytes per resultaat. De standaardgraaf is de vereniging van alle grafen. "
            "Updates vragen een gebruiker of token met de rol editor (HTTP Basic of Bearer)."
        )
        limits_en = (
            f"Time limit per query {self.timeout:g} s; at most {self.max_rows} rows or triples "
            f"and {self.max_bytes} bytes per result. The default graph is the union of all graphs. "
            "Updates need a user or token with the editor role (HTTP Basic or Bearer)."
        )
        if graph_store_url:
            limits_nl += f" Graph Store Protocol: {graph_store_url}"
            limits_en += f" Graph Store Protocol: {graph_store_url}"
            add(service, ox.NamedNode(rdfs + "seeAlso"), ox.NamedNode(graph_store_url))
        add(service, ox.NamedNode(rdfs + "comment"), ox.Literal(limits_nl, language="nl"))
        add(service, ox.NamedNode(rdfs + "comment"), ox.Literal(limits_en, language="en"))

        dataset = ox.BlankNode("dataset")
        add(service, sd("defaultDataset"), dataset)
        add(dataset, rdf_type, sd("Dataset"))
        default = ox.BlankNode("defaultGraph")
        add(dataset, sd("defaultGraph"), default)
        add(default, rdf_type, sd("Graph"))
        void_triples = ox.NamedNode("http://rdfs.org/ns/void#triples")
        sizes = self.store.graph_sizes()
        total = sum(sizes.values()) if self.union_default_graph else sizes.get(None, 0)
        add(default, void_triples, ox.Literal(str(total), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
        for i, (graph, count) in enumerate(sizes.items()):
            if graph is None or not str(graph).startswith(("http://", "https://", "urn:")):
                continue
            named = ox.BlankNode(f"g{i}")
            inner = ox.BlankNode(f"g{i}content")
            add(dataset, sd("namedGraph"), named)
            add(named, rdf_type, sd("NamedGraph"))
            add(named, sd("name"), ox.NamedNode(str(graph)))
            add(named, sd("graph"), inner)
            add(inner, rdf_type, sd("Graph"))
            add(inner, void_triples, ox.Literal(str(count), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
        return out
