"""Reading a store that a running server has open: :func:`open_view`, a read-only view of
the server's newest query snapshot, and :func:`snapshot_prefix`, where those snapshots live.

Why not open the store itself
    An on-disk Oxigraph store is locked by the process that has it open (RocksDB's
    ``LOCK``), so a command cannot open it while ``mag-graph serve`` runs. pyoxigraph 0.5
    offers no secondary instance (0.4 had ``Store.secondary`` with
    ``try_catch_up_with_primary``; 0.5 kept only ``Store.read_only``), and its
    documentation says a read-only view of a directory another process writes is
    undefined behaviour; :mod:`mag_graph.sparql.service` measured it: opening races with
    the writer's compaction ("Corruption: ... No such file") about one test run in five.

What a view is
    The server keeps a RocksDB checkpoint of the store for its query processes, renewed
    after every write it makes, in the background after it answered that write
    (:meth:`~mag_graph.sparql.service.SparqlService.changed`); until the new one is there
    a ``pending`` mark (holding the server's process id) lies beside the snapshots, and a
    view waits for it to go. A checkpoint never changes.
    A view hard-links the files of the newest one into a private directory beside the
    store (the server may delete its snapshot meanwhile; RocksDB writes the view's own
    log files there, not into the server's snapshot) and opens that read-only. So a
    command beside a server reads the whole store (drafts, history and all graphs, as on
    a closed store) as it was after the server's last write before the command started:
    every write the server acknowledged by then, nothing written later. A server started
    with ``--workers 0`` keeps no snapshots; then there is no view.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from mag_graph.store import Store

_ATTEMPTS = 5
# The file beside a server's snapshots while the snapshot of an acknowledged write is
# being made, and how long a view waits for it at most (seconds).
PENDING_MARK = "pending"
PENDING_WAIT = 60.0


def snapshot_prefix(store: Path) -> str:
    """The name prefix of the directories beside ``store`` that hold a server's query
    snapshots (``snapshot-1``, ``snapshot-2``, ... inside)."""
    return f".{store.name}-query-snapshots-"


def _view_prefix(store: Path) -> str:
    return f".{store.name}-view-"


def newest_snapshot(store: Path) -> Path | None:
    """The newest complete query snapshot of ``store`` (a checkpoint directory appears
    under its name only when it is complete), or ``None``."""
    best: tuple[float, int, Path] | None = None
    for root in store.parent.glob(snapshot_prefix(store) + "*"):
        try:
            made = root.stat().st_mtime
            children = list(root.iterdir())
        except OSError:
            continue
        for snapshot in children:
            number = snapshot.name.removeprefix("snapshot-")
            if snapshot.name.startswith("snapshot-") and number.isdigit():
                key = (made, int(number), snapshot)
                if best is None or key[:2] > best[:2]:
                    best = key
    return best[2] if best is not None else None


class SnapshotView(Store):
    """A read-only :class:`Store` on a private copy (hard links) of a server's query
    snapshot; closing it removes the copy. Its ``location`` is the store it shows."""

    def __init__(self, handle: ox.Store, location: str, directory: Path, snapshot: Path) -> None:
        super().__init__(handle, location, in_memory=False)
        self.directory = directory
        self.snapshot = snapshot

    def close(self) -> None:
        """Release the view (a read-only instance has nothing to flush) and its copy."""
        if self._ox is None:
            return
        handle, self._ox = self._ox, None
        del handle
        shutil.rmtree(self.directory, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop_abandoned_views(store: Path) -> None:
    """Views left by a command that was killed (their process no longer exists)."""
    for stale in store.parent.glob(_view_prefix(store) + "*"):
        pid = stale.name.removeprefix(_view_prefix(store)).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def _link_all(source: Path, target: Path) -> None:
    for item in source.iterdir():
        try:
            os.link(item, target / item.name)
        except PermissionError:  # a file system without hard links
            shutil.copy2(item, target / item.name)


def _wait_while_pending(store: Path) -> None:
    """Wait while a live server is making the snapshot of a write it acknowledged."""
    deadline = time.monotonic() + PENDING_WAIT
    while time.monotonic() < deadline:
        marks = list(store.parent.glob(snapshot_prefix(store) + "*/" + PENDING_MARK))
        live = []
        for mark in marks:
            try:
                pid = mark.read_text().strip()
            except OSError:
                continue
            if pid.isdigit() and _alive(int(pid)):
                live.append(mark)
        if not live:
            return
        time.sleep(0.01)


def open_view(store: str | os.PathLike[str]) -> SnapshotView | None:
    """A read-only view of the newest query snapshot of the on-disk store at ``store``,
    or ``None`` when there is no snapshot (no server, or one with ``--workers 0``). If the
    server deletes the snapshot while it is being linked, the next newest is taken; while
    the server is still making the snapshot of a write it acknowledged, this waits."""
    path = Path(store)
    _drop_abandoned_views(path)
    _wait_while_pending(path)
    for _ in range(_ATTEMPTS):
        snapshot = newest_snapshot(path)
        if snapshot is None:
            return None
        directory = Path(tempfile.mkdtemp(prefix=f"{_view_prefix(path)}{os.getpid()}-", dir=path.parent))
        try:
            _link_all(snapshot, directory)
            handle = ox.Store.read_only(str(directory))
        except OSError:  # the snapshot went away under us: a newer one is there
            shutil.rmtree(directory, ignore_errors=True)
            continue
        return SnapshotView(handle, str(path), directory, snapshot)
    return None

