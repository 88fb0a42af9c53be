"""The pool of worker processes that runs queries on an on-disk store under a hard
time limit: :class:`QueryPool`.

Timeouts that really stop a query
    pyoxigraph evaluates a query in Rust without ever returning to Python, and offers no
    cancellation (Oxigraph has a cancellation token in Rust and in ``oxigraph serve``
    only, see oxigraph/oxigraph#1926): a Python thread cannot interrupt it, and a query
    abandoned by its request keeps a core busy until it ends, possibly never. So queries
    on an on-disk store run in a small pool of worker *processes*, each with a read-only
    view (``pyoxigraph.Store.read_only``). A worker that does not answer in time is
    killed (SIGKILL) and replaced; the server process and the other workers are
    untouched.

    The views are of a *snapshot* of the store, made by
    :class:`~mag_graph.sparql.service.SparqlService` after every write, in the background
    (why, see :mod:`mag_graph.sparql.service`). While one is being made the pool knows
    the generation it waits for (:meth:`QueryPool.expect`), and a query waits for it
    rather than read the state before a write that was already acknowledged. For an in-memory store, which cannot be shared
    with another process, see :mod:`mag_graph.sparql.execute`.
"""

from __future__ import annotations

import collections
import multiprocessing
import shutil
import threading
import time
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from mag_graph.sparql.errors import QueryTimeoutError, ResultTooLargeError
from mag_graph.sparql.execute import QueryOutcome, QueryTask, execute
from mag_graph.sparql.formats import NotAcceptableError
from mag_graph.store import MagGraphError, QueryError, QuerySyntaxError


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
        except Exception as exc:  # noqa: BLE001 - opening the view failed, or something unforeseen
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
        # The generation a snapshot is being made for in the background (``expect``):
        # until ``refresh`` reaches it, a query waits, so a reader never gets an answer
        # older than a write already acknowledged. Signalled on ``_lock``.
        self.expected = generation
        self._renewed = threading.Condition(self._lock)
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

    def expect(self, generation: int) -> None:
        """A write was committed and its snapshot is being made (in the background):
        queries wait until :meth:`refresh` brings ``generation`` (see :meth:`run`)."""
        with self._lock:
            self.expected = max(self.expected, generation)

    @property
    def pending(self) -> bool:
        """Whether a snapshot of an acknowledged write is still being made."""
        with self._lock:
            return self.generation < self.expected

    def refresh(self, generation: int, snapshot: str | None = None) -> None:
        """The store was written (and ``snapshot`` shows the new state): replace the
        idle workers with a view now, busy ones as they return; queries waiting for
        this generation go on."""
        with self._lock:
            if self.snapshot is not None and self.snapshot != snapshot:
                self._retired_snapshots.add(self.snapshot)
            self.generation = generation
            self.expected = max(self.expected, generation)
            self.snapshot = snapshot
            self._renewed.notify_all()
            used = [w for w in self._idle if w.generation is not None]
            self._idle = [w for w in self._idle if w.generation is None]
        for worker in used:
            self._replace(worker, kill=False)
        # Deleting a retired snapshot's files takes tens of milliseconds on a busy disk:
        # not in the write that called this (nothing waits for it; a worker still reading
        # one keeps it until it stops).
        threading.Thread(target=self._drop_unused_snapshots, name="mag-graph-drop", daemon=True).start()

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return sorted(w.pid for w in self._workers if w.pid is not None)

    def _wait_for_snapshot(self, deadline: float, timeout: float) -> None:
        """Wait until the snapshot of the last acknowledged write is there (read your
        writes); past the deadline the query is refused as busy, like one that finds no
        idle worker."""
        with self._lock:
            while self.generation < self.expected and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise QueryTimeoutError(timeout, busy=True)
                self._renewed.wait(remaining)

    def _checkout(self, deadline: float, timeout: float) -> _Worker:
        self._wait_for_snapshot(deadline, timeout)
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
            self._renewed.notify_all()
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.stop()

