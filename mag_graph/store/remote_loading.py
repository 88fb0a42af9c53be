"""Loading sources into a remote store, all or nothing as far as the server allows.

Every source is parsed here before anything is sent, so a syntax error is reported with
file, line and column and never reaches the server. Then, like the embedded store
(:mod:`mag_graph.store.loading`, whose limits are read at load time so tests can lower
them there):

1. small inputs (all sources together up to ``SMALL_LOAD_BYTES``) are staged in a
   :class:`~mag_graph.store.remote_transaction.RemoteTransaction` and sent as ONE
   SPARQL Update request (``DROP``/``INSERT DATA``): atomic where the backend runs a
   request as one transaction (Oxigraph; not Virtuoso, see that module);
2. larger inputs are checked by a full parse first (the progress bar says "checking"),
   then streamed to the server in chunks of ``BULK_CHUNK`` statements through the
   Graph Store Protocol (``POST`` of N-Triples per graph), with the same progress bar
   as the embedded store. These chunks are separate requests, so not atomic: when a
   request fails half-way (the server refuses a chunk, the connection drops, a
   timeout), the load is undone where it can be: graphs that were empty or are being
   replaced are emptied again and replaced content is restored from a copy taken
   before; otherwise the error says which graphs may hold part of the data.

Blank nodes: a Graph Store POST and an ``INSERT DATA`` each give the blank nodes of one
request fresh identities, so a blank node must not be split over two requests. Statements
without blank nodes are streamed; statements with blank nodes are kept back, grouped into
sets connected through their blank nodes, and sent as update requests of whole sets at the end. A source made mostly of blank nodes is therefore held in memory.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from mag_graph.store import loading as _limits
from mag_graph.store.errors import MagGraphError
from mag_graph.store.loading import load_failure, undo_plan
from mag_graph.store.protocol import N_TRIPLES
from mag_graph.store.remote_sparql import BlankNodeSets
from mag_graph.store.remote_transaction import RemoteTransaction, refuse_blank_nodes
from mag_graph.store.results import LoadResult
from mag_graph.store.sources import (
    _Source,
)
from mag_graph.store.terms import (
    OxGraphName,
    _graph_out,
    _has_blank_node,
    _sorted_graphs,
)
from mag_graph.store.unfinished import Marker

if TYPE_CHECKING:
    from mag_graph.store.protocol import SparqlClient
    from mag_graph.store.remote_sparql import Dialect


class _RemoteLoading(_limits._LoadDriver):
    """The load steps of :class:`~mag_graph.store.remote.RemoteStore` (a mixin); the
    driver itself is :class:`~mag_graph.store.loading._LoadDriver`, shared with the
    embedded store: sources are always checked by a full parse before anything is sent."""

    if TYPE_CHECKING:  # provided by the store class this is mixed into

        def _writable(self) -> SparqlClient: ...

        def _write(self, update: str) -> None: ...

        def _write_ops(self, ops: list[str]) -> None: ...

        def _load_into(self, db: ox.Store, graph: OxGraphName | None) -> None: ...

        def _announcing(self, *, several: bool = False) -> contextlib.AbstractContextManager[None]: ...

        def _touch(self, graphs: list[OxGraphName] | None) -> None: ...

        _dialect: Dialect

    def _before_load(self) -> None:
        self._writable()

    def _load_transaction(self) -> RemoteTransaction:
        return RemoteTransaction(self)

    def _write_all(
        self,
        sources: list[_Source],
        target: OxGraphName | None,
        graphs: list[OxGraphName],
        replace: bool,
        bar: Any,
        base_iri: str | None,
        marker: Marker,
    ) -> LoadResult:
        refuse_blank_nodes([], graphs, [])
        # The generation moves on once, after the last chunk; the load marks itself
        # unfinished first (it takes several requests on every backend).
        with self._announcing(several=True):
            self._touch(graphs)
            return self._write_chunks(sources, target, graphs, replace, bar, base_iri, marker)

    def _write_chunks(
        self,
        sources: list[_Source],
        target: OxGraphName | None,
        graphs: list[OxGraphName],
        replace: bool,
        bar: Any,
        base_iri: str | None,
        marker: Marker,
    ) -> LoadResult:
        existed = {g: self.has_graph(_graph_out(g)) for g in graphs}
        empty = {g: not existed[g] or self._is_empty(g) for g in graphs}
        backup_dir: Path | None = None
        owned_backup = False
        removed = 0
        if replace and not all(empty.values()):
            # Keep what is replaced until the new content is in, to restore it on failure
            # (in the marker's folder, so the next open can restore it after a crash).
            backup_dir = marker.backup_dir()
            if backup_dir is None:
                backup_dir, owned_backup = Path(tempfile.mkdtemp(prefix="mag-graph-replace-")), True
            for i, g in enumerate(graphs):
                if not empty[g]:
                    _backup(self, g, backup_dir / f"{i}.nt")
                    removed += self.count(_graph_out(g))
        marker.can_undo(undo_plan(graphs, existed, empty, replace, backup_dir))
        before = len(self) - removed
        current = sources[0]
        try:
            if replace:
                self._write_ops([self._dialect.clear(g) for g in graphs if existed[g]])
            sender = _ChunkSender(self)
            for current in sources:
                sender.send_source(current, target, bar, base_iri)
            sender.finish()
        except BaseException as exc:
            restored = self._undo_send(graphs, existed, empty, replace, backup_dir)
            if restored:
                marker.finish()  # undone: nothing left to report
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise load_failure(exc, current, graphs, restored=restored).with_traceback(None) from None
        finally:
            if owned_backup and backup_dir is not None:
                shutil.rmtree(backup_dir, ignore_errors=True)
        return LoadResult(len(self) - before, _sorted_graphs(graphs))

    def _undo_send(
        self,
        graphs: list[OxGraphName],
        existed: dict[OxGraphName, bool],
        empty: dict[OxGraphName, bool],
        replace: bool,
        backup_dir: Path | None,
    ) -> bool:
        """After a failed load: True when the store is as before (every graph written
        into was empty or replaced, and undoing worked)."""
        clean = True
        ops = []
        for g in graphs:
            if not (replace or empty[g]):
                clean = False
            elif existed[g] or isinstance(g, ox.DefaultGraph):
                ops.append(self._dialect.clear(g))
            else:
                ops.append(self._dialect.drop(g))
        try:
            self._write_ops(ops)
            for i, g in enumerate(graphs):
                backup = backup_dir / f"{i}.nt" if backup_dir is not None else None
                if backup is not None and backup.exists():
                    _restore(self, g, backup)
        except MagGraphError:
            return False
        return clean


def _backup(store: Any, graph: OxGraphName, path: Path) -> None:
    """Copy one graph of the remote store to an N-Triples file (blank node labels kept)."""
    copy = ox.Store()
    store._load_into(copy, graph)
    copy.dump(str(path), format=ox.RdfFormat.N_TRIPLES, from_graph=graph)


def _restore(store: Any, graph: OxGraphName, path: Path) -> None:
    """Send a backup back in one request (its blank nodes stay one node each)."""
    client = store._writable()
    store._wrote = True
    client.graph_post(client.graph_url(store._dialect.graph_iri(graph)), path.read_bytes(), N_TRIPLES)


class _ChunkSender:
    """Sends parsed statements to the server: statements without blank nodes in Graph
    Store POSTs of up to ``BULK_CHUNK`` statements, statements with blank nodes at the
    end, in update requests that keep every set of connected blank nodes together."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self._client = store._writable()
        self._pending: list[ox.Quad] = []
        self._count = 0
        self._blank = BlankNodeSets()

    def send_source(self, src: _Source, target: OxGraphName | None, bar: Any, base_iri: str | None) -> None:
        reader = src.reader(bar)
        try:
            for q in ox.parse(reader, format=src.format, base_iri=base_iri, rename_blank_nodes=True):
                if target is not None:
                    q = ox.Quad(q.subject, q.predicate, q.object, target)
                if _has_blank_node(q):
                    self._blank.add(q)
                    continue
                self._pending.append(q)
                self._count += 1
                if self._count >= _limits.BULK_CHUNK:
                    self._flush()
        finally:
            reader.close()

    def _flush(self) -> None:
        self._store._post(self._pending, _limits.BULK_CHUNK, bulk=True)
        self._pending.clear()
        self._count = 0

    def finish(self) -> None:
        self._flush()
        batch: list[ox.Quad] = []
        insert = self._store._dialect.insert
        for quads in self._blank.sets():
            if batch and len(batch) + len(quads) > _limits.BULK_CHUNK:
                self._store._write_ops(insert(batch))
                batch = []
            batch += quads
        if batch:
            self._store._write_ops(insert(batch))
