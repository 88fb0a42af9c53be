"""Loading sources into the Oxigraph store, all or nothing and still fast.

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
  Each call adds SST files over the whole key range, which every later read merges, so a
  bulk write into an on-disk store ends with ``Store.optimize()`` (a compaction: q01 on
  the 1M store 107 -> 12 ms, for ~2.4 s more CPU; see ``_Loading._write_all``).

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

The strategies are methods of :class:`_Loading`, a mixin of
:class:`~mag_graph.store.embedded.Store`. The limits below are read when a load runs,
so tests can lower them on this module.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import BNode, URIRef

from mag_graph.store import unfinished
from mag_graph.store.errors import LoadError, MagGraphError
from mag_graph.store.results import LoadResult
from mag_graph.store.sources import (
    _parse_error,
    _progress_bar,
    _ProgressReader,
    _reraise_parse,
    _resolve_source,
    _Source,
    _validate,
)
from mag_graph.store.terms import (
    GraphArg,
    OxGraphName,
    _graph_label,
    _graph_name,
    _graph_out,
    _sorted_graphs,
)
from mag_graph.store.transaction import Transaction
from mag_graph.store.unfinished import Marker

# Inputs up to this size are parsed into one transaction (atomic, memory is no concern).
SMALL_LOAD_BYTES = 8 * 1024 * 1024
# Statements per bulk_extend call: bounds the bulk loader's memory (it reserves room per call).
BULK_CHUNK = 100_000
# N-Triples/N-Quads are bulk-loaded in blocks of whole lines of about this size.
LINE_BLOCK_BYTES = 32 * 1024 * 1024
# Whether an on-disk store is compacted (``Store.optimize``) after a bulk write (see _Loading._write_all).
OPTIMIZE_AFTER_BULK_WRITE = True


class _LoadDriver:
    """The one load driver of both stores (:class:`_Loading` for the embedded store,
    :class:`~mag_graph.store.remote_loading._RemoteLoading` for a remote one): resolve the
    sources, load small inputs as one transaction, and for large ones check them (with
    the progress bar) unless a failed write can be undone, then write them, with a marker
    (:mod:`mag_graph.store.unfinished`) that a killed load leaves behind for the next open.
    The stores differ only in the steps below the driver: how a transaction is made, and
    the final write (:meth:`_write_all`)."""

    if TYPE_CHECKING:  # provided by the store class this is mixed into

        @property
        def location(self) -> str: ...

        def __len__(self) -> int: ...

        def count(self, graph: GraphArg = None) -> int: ...

        def has_graph(self, graph: GraphArg) -> bool: ...

        def _is_empty(self, graph: OxGraphName) -> bool: ...

    # Whether a large load into graphs that are empty or replaced may skip the checking
    # pass (a failed write is undone instead).
    _undo_instead_of_checking = False

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
        self._before_load()
        items = [source] if isinstance(source, (str, bytes, bytearray, memoryview, os.PathLike)) else list(source)
        sources = [_resolve_source(s, format) for s in items]
        target = None if graph is None else _graph_name(graph)
        if sum(s.size for s in sources) <= SMALL_LOAD_BYTES:
            return self._load_small(sources, target, replace, base_iri)
        whole = self._load_whole(sources, target, replace, progress, base_iri)
        if whole is not None:
            return whole
        return self._load_large(sources, target, replace, progress, base_iri)

    # -- the steps each store supplies

    def _before_load(self) -> None:
        """Refuse to load at all (a read-only store)."""

    def _load_transaction(self) -> Any:
        """A transaction of this store, to stage small loads in."""
        raise NotImplementedError

    def _load_whole(self, sources: list[_Source], target: OxGraphName | None, replace: bool, progress: bool,
                    base_iri: str | None) -> LoadResult | None:
        """A large load the store can do in one transaction of its own (``None``: it cannot)."""
        return None

    def _write_all(self, sources: list[_Source], target: OxGraphName | None, graphs: list[OxGraphName],
                   replace: bool, bar: Any, base_iri: str | None, marker: Marker) -> LoadResult:
        """Write checked sources without a transaction (the final step), undoing a failure
        where it can, and telling ``marker`` how (:meth:`Marker.can_undo`)."""
        raise NotImplementedError

    # -- the driver

    def _load_small(
        self,
        sources: list[_Source],
        target: OxGraphName | None,
        replace: bool,
        base_iri: str | None,
    ) -> LoadResult:
        tx = self._load_transaction()
        graphs: set[OxGraphName] = set()
        for src in sources:
            graphs |= tx._stage(
                src.path if src.path is not None else src.data,
                format=src.format.file_extension,
                graph=target,
                replace=False,
                base_iri=base_iri,
            )
        before = len(self)
        removed = 0
        if replace:
            for g in graphs:
                removed += self.count(_graph_out(g)) if self.has_graph(_graph_out(g)) else 0
                tx._drop_before_adds(g)
        tx.commit()
        return LoadResult(len(self) - before + removed, _sorted_graphs(graphs))

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
        a checking pass first (otherwise, whenever the graphs are only known by parsing:
        quad formats without ``graph``, and always for a store that cannot skip it)."""
        total = sum(s.size for s in sources)
        known = target is not None or not any(s.format.supports_datasets for s in sources)
        graphs: set[OxGraphName] = {target if target is not None else ox.DefaultGraph()} if known else set()
        undoable = (self._undo_instead_of_checking and known
                    and (replace or all(self._is_empty(g) for g in graphs)))
        bar = _progress_bar(
            progress,
            total if undoable else 2 * total,
            "laden / loading" if undoable else "controleren / checking",
        )
        try:
            if not undoable:
                for src in sources:
                    graphs |= _validate(src, target, bar, base_iri)
            if bar is not None:
                bar.set_description("laden / loading")
            ordered = sorted(graphs, key=_graph_label)
            paths = [str(s.path) for s in sources if s.path is not None]
            with unfinished.started(self.location, "load", [_graph_label(g) for g in ordered],
                                    sources=paths, replace=replace) as marker:
                return self._write_all(sources, target, ordered, replace, bar, base_iri, marker)
        finally:
            if bar is not None:
                bar.close()


def load_failure(exc: BaseException, current: _Source, graphs: Any, *, restored: bool) -> MagGraphError:
    """The error a failed load reports, for either kind of store: the parse error with its
    place in ``current``, a store error as it is, anything else as a load failure; when the
    target ``graphs`` could not be put back, it says they may hold part of the data."""
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
    return err


def undo_plan(graphs: list[OxGraphName], existed: dict[OxGraphName, bool], empty: dict[OxGraphName, bool],
              replace: bool, backup_dir: Path | None) -> list[dict[str, Any]] | None:
    """How the next open undoes a write killed half-way (:meth:`Marker.can_undo`): per
    graph its IRI (``None``: the default graph), whether it existed and the file with its
    replaced content; ``None`` when a graph already held data that stays (not undoable)."""
    plan = []
    for i, g in enumerate(graphs):
        if not (replace or empty[g]):
            return None
        saved = backup_dir / f"{i}.nt" if backup_dir is not None else None
        plan.append({
            "graph": None if isinstance(g, ox.DefaultGraph) else str(_graph_out(g)),
            "existed": existed[g],
            "backup": saved.name if saved is not None and saved.exists() else None,
        })
    return plan


class _Loading(_LoadDriver):
    """The load strategies of :class:`~mag_graph.store.embedded.Store` (a mixin: it
    writes through the store's pyoxigraph handle and asks the store for graph sizes)."""

    if TYPE_CHECKING:  # provided by the store class this is mixed into
        in_memory: bool

        @property
        def _db(self) -> ox.Store: ...

        def graph_sizes(self) -> dict[URIRef | BNode | None, int]: ...

        def _require(self) -> ox.Store: ...

    _undo_instead_of_checking = True

    def _load_transaction(self) -> Transaction:
        return Transaction(self)

    def _load_whole(self, sources: list[_Source], target: OxGraphName | None, replace: bool, progress: bool,
                    base_iri: str | None) -> LoadResult | None:
        """One large source into an in-memory store: ``Store.load`` (transactional, fastest)."""
        remap = target is not None and sources[0].format.supports_datasets
        if self.in_memory and len(sources) == 1 and not replace and not remap:
            return self._load_transactional(sources[0], target, progress, base_iri)
        return None

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

    def _is_empty(self, graph: OxGraphName) -> bool:
        """Cheap emptiness test (ASK stops at the first statement; COUNT reads them all)."""
        if isinstance(graph, ox.DefaultGraph):
            return not bool(self._db.query("ASK { ?s ?p ?o }"))
        if not self._db.contains_named_graph(graph):
            return True
        return not bool(
            self._db.query("ASK { GRAPH ?g { ?s ?p ?o } }", named_graphs=[graph])
        )

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
        existed = {g: isinstance(g, ox.DefaultGraph) or self._db.contains_named_graph(g) for g in graphs}
        empty = {g: self._is_empty(g) for g in graphs}
        backup_dir: Path | None = None
        owned_backup = False
        removed = 0
        if replace and not all(empty.values()):
            # Keep what is replaced until the new content is in, to restore it on failure
            # (beside the store, so the next open can restore it after a crash).
            backup_dir = marker.backup_dir()
            if backup_dir is None:
                backup_dir, owned_backup = Path(tempfile.mkdtemp(prefix="mag-graph-replace-")), True
            for i, g in enumerate(graphs):
                if not empty[g]:
                    self._db.dump(str(backup_dir / f"{i}.nt"), format=ox.RdfFormat.N_TRIPLES, from_graph=g)
                    removed += self.count(_graph_out(g))
        marker.can_undo(undo_plan(graphs, existed, empty, replace, backup_dir))
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
            restored = self._undo_write(graphs, existed, empty, replace, backup_dir)
            if restored:
                marker.finish()  # undone: nothing left to report
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise load_failure(exc, current, graphs, restored=restored).with_traceback(None) from None
        finally:
            if owned_backup and backup_dir is not None:
                shutil.rmtree(backup_dir, ignore_errors=True)
        if not self.in_memory and OPTIMIZE_AFTER_BULK_WRITE:
            # Every bulk_load block or bulk_extend chunk adds its own SST files over the whole
            # key range, so each read merges them all until the store is compacted. Measured
            # (python -m benchmarks.store validation, 1M quads in nine blocks, a busy 2-core
            # machine): the load 39.9 -> 42.3 s CPU, q01 107 -> 12 ms, full validation 84.4 ->
            # 73.7 s CPU. Only data already written is rearranged: a failure here loses nothing.
            self._db.optimize()
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
