"""The SPARQL service behind ``/sparql`` and ``/graph-store``: the core, without Flask.

The web layer (``api/sparql.py``) only translates HTTP into calls of :class:`SparqlService`.
What lives in this package is what an endpoint must get right whatever face it has:
timeouts that really stop a query (:mod:`mag_graph.sparql.pool`,
:mod:`mag_graph.sparql.execute`), a maximum result size
(:mod:`mag_graph.sparql.execute`), a result cache (:mod:`mag_graph.sparql.cache`) and
no SSRF through SERVICE (:mod:`mag_graph.sparql.text`). This module puts them
together: queries, updates, the Graph Store Protocol, the service description and the
snapshots the query processes read.

Snapshots for the query processes
    The query processes' views are of a *snapshot*: a RocksDB checkpoint of the store
    made with ``Store.backup`` after every write (hard links to the immutable data
    files, ~5 ms). A read-only view of the live directory was tried first and fails now
    and then: it is a snapshot taken at opening (it does not see later writes) and,
    worse, opening it races with the primary's background compaction ("Corruption: ...
    No such file", in about one test run in five), in a fresh process as much as in an
    old one. After a write the workers that have a view are replaced by fresh ones
    (forked from a fork server: a few milliseconds) that open the new snapshot; old
    snapshots are deleted once no worker reads them. Measured: the first query after a
    write takes ~25 ms, later ones under 2 ms.

    The snapshot is made in the background, after the write is answered: flushing the
    memtables for it was about half of a CMS write at 1M triples (benchmarks/workbench.py).
    :meth:`SparqlService.changed` bumps the generation (cached answers are gone at once),
    tells the pool which generation to wait for (:meth:`QueryPool.expect`) and leaves a
    ``pending`` mark beside the snapshots; a background thread then flushes the store and
    takes the snapshot holding the read side of the CMS's lock (so no write is half-way
    in it: never a pending, refused or dry-run change) and hands it to the pool. A query
    that comes before it makes it itself, the same way (read your writes: an answer
    never predates a write acknowledged before the query was asked), and a command beside
    the server waits while the mark is there (:func:`mag_graph.sparql.views.open_view`).
    The thread starts once the writes pause (:data:`SNAPSHOT_QUIET_SECONDS` without one, at
    most :data:`SNAPSHOT_DELAY_MAX_SECONDS` after the first): writes in quick succession
    (an editor saving form after form, an import script) share one flush and checkpoint,
    and none competes with or waits for the one before's.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from mag_graph.namespaces import MAGG
from mag_graph.sparql.cache import (
    DEFAULT_CACHE_BYTES,
    DEFAULT_CACHE_ENTRIES,
    ResultCache,
)
from mag_graph.sparql.errors import (
    QueryTimeoutError,
    ResultTooLargeError,
    ServiceNotAllowedError,
)
from mag_graph.sparql.execute import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    QueryOutcome,
    QueryTask,
    execute,
    prefixes_for,
)
from mag_graph.sparql.formats import (
    DATASET_FORMATS,
    GRAPH_FORMATS,
    RESULT_FORMATS,
    Format,
    format_by_name,
)
from mag_graph.sparql.pool import QueryPool
from mag_graph.sparql.remote import execute_remote
from mag_graph.sparql.text import (
    VOLATILE_KEYWORDS,
    dataset_clauses,
    keywords,
    service_endpoints,
)
from mag_graph.sparql.views import PENDING_MARK, snapshot_prefix
from mag_graph.store import (
    DEFAULT_GRAPH,
    Store,
    StoreClosedError,
    UnknownGraphError,
    bind_values,
    to_rdflib_term,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
# How stale a process's caches of a store other processes write may be, at most (seconds).
GENERATION_CHECK_SECONDS = 1.0
# The background snapshot waits until no write came for SNAPSHOT_QUIET_SECONDS (at most
# SNAPSHOT_DELAY_MAX_SECONDS after the write that asked for it): saves back to back share one
# flush and checkpoint, and none waits for the one before's. A query needs no waiting: it
# makes the pending snapshot itself (settle_snapshot).
SNAPSHOT_QUIET_SECONDS = 0.2
SNAPSHOT_DELAY_MAX_SECONDS = 1.0

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
    prefix = snapshot_prefix(store)  # where commands beside the server find them (views)
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
    """The SPARQL 1.1 Protocol and Graph Store Protocol operations on a :class:`Store`
    (or a :class:`~mag_graph.store.RemoteStore`, whose server runs the queries).

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
        # The background snapshot (see the module docstring): the lock it holds (the
        # CMS's read side once shared, else the write lock), one snapshot at a time
        # (_snapshot_mutex, taken after that lock), and the thread (guarded by _renew_state).
        self._snapshot_lock: Any = self._write_lock
        self._renew_state = threading.Lock()
        self._snapshot_mutex = threading.Lock()
        self._renewer: threading.Thread | None = None
        self._closing = threading.Event()  # set by close(): the background thread waits no longer
        # A remote store runs queries on its own server (mag_graph.sparql.remote): no
        # worker processes, no snapshots.
        self.remote = not isinstance(store, Store)
        # Other processes may write a remote store: its generation is read from the store
        # (at most every GENERATION_CHECK_SECONDS) before a cached answer is given.
        self._generation_source: Callable[[], Hashable] | None = None
        self._generation_changed: Callable[[], None] | None = None
        self._seen_generation: Hashable = None
        self._checked_at = 0.0
        if not self.remote and not store.in_memory and size > 0:
            self._snapshots = _snapshot_root(Path(store.location))
            self.pool = QueryPool(store.location, size, self.cache.generation, self._snapshot())

    # -- lifecycle

    @property
    def hard_timeout(self) -> bool:
        """Whether queries run in worker processes that are killed on timeout (or on a
        remote server whose answer is not waited for past the timeout)."""
        return self.pool is not None or self.remote

    @property
    def generation(self) -> int:
        return self.cache.generation

    def watch_generation(self, source: Callable[[], Hashable], on_change: Callable[[], None] | None = None) -> None:
        """Read the store's generation with ``source`` (a cheap query) before cached
        answers are used, at most every :data:`GENERATION_CHECK_SECONDS`; when another
        process moved it on, the caches are emptied and ``on_change`` is called (the
        search index catching up). For a store other processes write too (remote)."""
        self._generation_source = source
        self._generation_changed = on_change
        self._seen_generation = source()
        self._checked_at = time.monotonic()

    def check_generation(self) -> None:
        """On a store other processes write (see :meth:`watch_generation`): read its
        generation, at most every GENERATION_CHECK_SECONDS, and empty the caches when it
        moved on. Called before any cached answer is given (the response cache too)."""
        source = self._generation_source
        if source is None or time.monotonic() - self._checked_at < GENERATION_CHECK_SECONDS:
            return
        self._checked_at = time.monotonic()
        seen = source()
        if seen == self._seen_generation:
            return
        self._seen_generation = seen
        self.cache.invalidate()
        self._description.clear()
        if self._generation_changed is not None:
            self._generation_changed()

    def changed(self) -> int:
        """Tell the service the store was written: drop cached answers and give the
        query processes a new snapshot. Every write in the server must call this."""
        if self._generation_source is not None:  # our own write: not another process's
            self._seen_generation = self._generation_source()
            self._checked_at = time.monotonic()
        with self._write_lock:
            generation = self.cache.invalidate()
            if self.pool is not None:
                self.pool.expect(generation)
                self._renew_later()
            return generation

    def _renew_later(self) -> None:
        """Mark a snapshot as pending and have the background thread make it."""
        with self._renew_state:
            self._mark_pending(True)
            if self._renewer is None:
                self._renewer = threading.Thread(target=self._renew, name="mag-graph-snapshot", daemon=True)
                self._renewer.start()

    def _renew(self) -> None:
        """The background thread: makes snapshots until none is pending."""
        tries = 0
        waited = False
        while True:
            with self._renew_state:
                pool = self.pool
                if pool is None or not pool.pending or self.store.closed:
                    self._renewer = None
                    return
            if not waited:  # until the writes pause (checked again at the top: a query may make it meanwhile)
                waited = True
                self._quiet()
                continue
            # The memtables are flushed first, without the lock: flushing is most of the
            # time a snapshot takes (disk I/O, ~80 ms at 1M triples however little was
            # written), and the checkpoint flushes again whatever is not flushed yet. So
            # when a write came in meanwhile this is done again, and the lock, which
            # holds up writes, is held only for a checkpoint that has nothing to flush.
            # After three tries (writes keep coming) the checkpoint flushes under the lock.
            tries += 1
            flushed_at = self.cache.generation if tries <= 3 else None
            with contextlib.suppress(OSError, StoreClosedError):
                self.store.oxigraph.flush()
            try:
                if self._renew_now(flushed_at):
                    tries, waited = 0, False
            except Exception:  # a thread must not die silently: queries would wait
                log.exception("snapshot voor de query-processen mislukt / query snapshot failed")
                pool = self.pool
                if pool is not None:
                    pool.refresh(self.cache.generation, None)

    def _quiet(self) -> None:
        """Wait until no write came for :data:`SNAPSHOT_QUIET_SECONDS`, at most
        :data:`SNAPSHOT_DELAY_MAX_SECONDS`; sooner when the snapshot is no longer pending
        (a query made it) or the store is closed."""
        until = time.monotonic() + SNAPSHOT_DELAY_MAX_SECONDS
        seen = self.cache.generation
        while time.monotonic() < until and not self._closing.wait(SNAPSHOT_QUIET_SECONDS):
            pool = self.pool
            if pool is None or not pool.pending or self.store.closed or self.cache.generation == seen:
                return
            seen = self.cache.generation

    def _renew_now(self, flushed_at: int | None = None) -> bool:
        """Make the pending snapshot, unless it is there already: by the background
        thread, or by a query that needs it before that thread got to it. Holds the
        read side of the CMS's lock (taken as any reader takes it: a writer waiting goes
        first; a page that holds it already, waiting for this snapshot, makes it itself),
        so no write is half-way in the snapshot. ``flushed_at``: the generation the store
        was flushed at (the background thread); written since, nothing is done (the
        thread flushes again). True when this made one."""
        with self._snapshot_lock, self._snapshot_mutex:
            pool = self.pool
            if pool is None or not pool.pending or self.store.closed:
                return False
            if flushed_at is not None and flushed_at != self.cache.generation:
                return False
            generation = self.cache.generation  # no write runs now: every one so far has called changed()
            snapshot = self._snapshot(flush=False)
            with self._renew_state:
                if generation == self.cache.generation:
                    self._mark_pending(False)
            pool.refresh(generation, snapshot)
            return True

    def settle_snapshot(self) -> bool:
        """Make sure the query snapshot shows every write acknowledged so far (made now
        if it is still pending); False when there are no snapshots (no query processes)."""
        if self.pool is None:
            return False
        if self.pool.pending:
            self._renew_now()
        return self.pool.snapshot is not None

    def _mark_pending(self, pending: bool) -> None:
        """The ``pending`` mark beside the snapshots (with this process's id), for
        commands beside the server (:mod:`mag_graph.sparql.views`)."""
        if self._snapshots is None:
            return
        mark = self._snapshots / PENDING_MARK
        try:
            if pending:
                mark.write_text(str(os.getpid()))
            else:
                mark.unlink(missing_ok=True)
        except OSError:
            pass

    def _snapshot(self, *, flush: bool = True) -> str | None:
        """A checkpoint of the store for the query processes (hard links to the
        immutable data files; the in-memory buffers are flushed first, so a view opens
        in ~25 ms instead of replaying the write-ahead log: up to 1.5 s after the
        first-run load). ``None`` if it cannot be made (then views open the live store)."""
        assert self._snapshots is not None
        self._snapshot_number += 1
        target = self._snapshots / f"snapshot-{self._snapshot_number}"
        try:
            if flush:
                self.store.oxigraph.flush()
            self.store.oxigraph.backup(str(target))
        except OSError as exc:
            log.warning("no snapshot for the query processes (%s); they read the live store", exc)
            shutil.rmtree(target, ignore_errors=True)
            return None
        return str(target)

    def close(self) -> None:
        self._closing.set()
        with self._renew_state:
            renewer = self._renewer
        if renewer is not None:
            renewer.join(timeout=60)  # a snapshot being made is finished, not cut off
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
        targets = service_endpoints(query)
        return targets is not None and all(t.startswith(allowed) for t in targets)

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
        volatile = not VOLATILE_KEYWORDS.isdisjoint(found)
        use_cache = use_cache and not volatile
        self.check_generation()
        if use_cache:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        if "SERVICE" in found and not self._service_allowed(sparql):
            raise ServiceNotAllowedError()
        generation = self.generation
        if self.remote:
            with self._read_lock:
                outcome = execute_remote(self.store, task, self.timeout)
        elif self.pool is not None:
            self.settle_snapshot()  # the snapshot of an acknowledged write: made now if not yet
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

    def select(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Any] | None = None,
        default_graphs: Sequence[Any] | None = None,
        named_graphs: Sequence[Any] | None = None,
    ) -> list[tuple[Any, ...]]:
        """The rows (rdflib terms, ``None`` for unbound) of a SELECT query that the server
        itself builds from a request (the CMS's listings), run like every query of
        ``/sparql``: in a worker process on the snapshot of the last write, killed when it
        passes the timeout (:class:`QueryTimeoutError`, 503), and cached until the next
        write. ``bindings`` are bound as typed terms (:func:`~mag_graph.store.bind_values`)."""
        text = bind_values(sparql, bindings) if bindings else sparql
        outcome = self.query(
            text,
            results_format=format_by_name("tsv"),
            graph_format=None,
            default_graphs=None if default_graphs is None else [str(g) for g in default_graphs],
            named_graphs=None if named_graphs is None else [str(g) for g in named_graphs],
        )
        solutions = ox.parse_query_results(outcome.data, ox.QueryResultsFormat.TSV)
        names = solutions.variables
        return [tuple(to_rdflib_term(solution[name]) for name in names) for solution in solutions]

    def cached(self, key: Hashable, compute: Callable[[], Any], size: Callable[[Any], int] = lambda v: 1024) -> Any:
        """A value from the result cache, or computed and remembered until the next
        write (for answers other than raw SPARQL: questions, validation reports)."""
        full_key = ("value", key)
        self.check_generation()
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
        the worker processes need no lock: their snapshots are only taken holding
        ``reading``, between writes."""
        self._write_lock = writing
        self._read_lock = reading
        self._snapshot_lock = reading

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
        self.check_generation()
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
            data = copy.dump(format=fmt.oxigraph, prefixes=prefixes_for(fmt.oxigraph)) or b""
        if len(data) > self.max_bytes:
            raise ResultTooLargeError(self.max_bytes, "bytes")
        return data

    def put_graph(self, graph: str | None, data: bytes, fmt: Format) -> bool:
        """Replace a graph's content (all or nothing); True when the graph is new. A
        named graph exists afterwards even when the body holds no statements
        (``sd:EmptyGraphs``)."""
        with self._write_lock:
            existed = self.graph_exists(graph)
            try:
                self.store.load(data, format=fmt.name, graph=self._target(graph), replace=True)
                if graph is not None:
                    self.store.create_graph(graph)
            finally:
                self.changed()
            return not existed

    def post_graph(self, graph: str | None, parts: Sequence[tuple[bytes, Format]]) -> bool:
        """Add the statements of one or more RDF documents (the parts of a
        ``multipart/form-data`` request, each in its own format) to a graph (``None``:
        the default graph; quads of a dataset format all go into it), all or nothing,
        each document's blank nodes its own; True when the graph is new (it exists
        afterwards, empty if nothing was sent)."""
        with self._write_lock:
            existed = self.graph_exists(graph)
            try:
                if len(parts) == 1:  # one document: the store's loader (large bodies too)
                    self.store.load(parts[0][0], format=parts[0][1].name, graph=self._target(graph))
                else:
                    with self.store.transaction() as tx:
                        for data, fmt in parts:
                            tx.load(data, format=fmt.name, graph=self._target(graph))
                if graph is not None:
                    self.store.create_graph(graph)
            finally:
                self.changed()
            return not existed

    def post_new_graph(self, parts: Sequence[tuple[bytes, Format]]) -> str:
        """A POST to the graph store itself: a new graph with a minted IRI (under
        ``magg:graph-store/``) holding the statements of ``parts``; returns its IRI."""
        graph = str(MAGG[f"graph-store/{uuid.uuid4()}"])
        self.post_graph(graph, parts)
        return graph

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
        data = ox.serialize(triples, None, oxfmt, prefixes=prefixes if prefixes_for(oxfmt) else None)
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
            "Updates (en schrijven in de Graph Store) vragen een gebruiker of token met de rol admin (HTTP Basic of Bearer); "
            "redacteuren schrijven via de CMS-API (/api/v1)."
        )
        limits_en = (
            f"Time limit per query {self.timeout:g} s; at most {self.max_rows} rows or triples "
            f"and {self.max_bytes} bytes per result. The default graph is the union of all graphs. "
            "Updates (and Graph Store writes) need a user or token with the admin role (HTTP Basic or Bearer); "
            "editors write through the CMS API (/api/v1)."
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
