"""Loads and imports that did not finish: a marker written before, removed after, and
what the next open of the store does with one left behind.

A bulk load (``mag-graph load`` of a large file) writes without a transaction, so a
process killed half-way leaves part of the data in the store; an import writes in one
transaction, so a killed import leaves nothing, but the user still has to know it did not
happen. So every load that writes without a transaction, and every import, first writes
a *marker* (a small JSON file) and removes it when it is done:

* beside an on-disk store: ``.mag-graph/store`` -> ``.mag-graph/store.unfinished/<id>.json``
  (the copy of replaced graphs it keeps to undo a failure goes there too, not to
  ``/tmp``, so it survives a crash);
* for a remote store: in ``$XDG_STATE_HOME/mag-graph/unfinished/<hash of the URL>/``;
* none for an in-memory store (a crash leaves no store behind).

The marker says what can be done about it. When every graph the load wrote into was empty
or was being replaced (``undo`` holds one entry per graph), the next writable open
**rolls it back** (:func:`recover`): those graphs are emptied or dropped again and replaced
content comes back from the copy; a marker of an import (``atomic``) needs nothing undone.
Both leave a notice (:attr:`Recovery.notices`) that ``serve`` and ``stats`` print. A load
that added to graphs that held data already cannot be undone (what was there before is not
known); its marker stays and ``stats`` and ``serve`` report it, with the command to repair
it: run the same load again (N-Triples without blank nodes: statements loaded already are
not added twice); the marker goes when a load or import into the same graphs finishes.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

__all__ = [
    "Marker",
    "Recovery",
    "UnfinishedLoad",
    "described_as",
    "marker_dir",
    "markers",
    "name_command",
    "recover",
    "started",
]

MEMORY = ":memory:"
# The command line the CLI runs, so a marker can say how to repeat it (set by the commands).
_COMMAND: contextvars.ContextVar[str | None] = contextvars.ContextVar("mag_graph_command", default=None)
# Set while a rollback restores a backup: that load writes no marker of its own.
_QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("mag_graph_unfinished_quiet", default=False)


@contextlib.contextmanager
def described_as(command: str) -> Iterator[None]:
    """Name the command that is running (``mag-graph load --graph ... FILE``), for the
    repair advice of a marker it leaves behind."""
    token = _COMMAND.set(command)
    try:
        yield
    finally:
        _COMMAND.reset(token)


def name_command(command: str) -> None:
    """Name the command this process runs (the CLI does, once): the repair advice of a
    marker it leaves behind."""
    _COMMAND.set(command)


def marker_dir(location: str) -> Path | None:
    """Where the markers of the store at ``location`` live (``None``: in memory)."""
    if not location or location == MEMORY:
        return None
    if "://" in location:
        base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
        return base / "mag-graph" / "unfinished" / hashlib.sha256(location.encode()).hexdigest()[:16]
    path = Path(location)
    return path.with_name(path.name + ".unfinished")


@dataclass
class UnfinishedLoad:
    """One marker: a load or import that started and did not finish (yet)."""

    id: str
    kind: str
    command: str
    graphs: list[str]
    started: str
    pid: int
    atomic: bool = False
    undo: list[dict[str, Any]] | None = None
    path: Path | None = None

    @property
    def undoable(self) -> bool:
        return self.atomic or self.undo is not None

    def advice(self) -> tuple[str, str]:
        """What to tell the user (Dutch, English) about a marker that stays."""
        graphs = ", ".join(self.graphs) or "?"
        if self.undoable:
            return (
                (f"{self.kind} van {self.started} is niet afgemaakt; de volgende keer dat de store schrijvend wordt "
                f"geopend (bv. mag-graph serve) wordt het teruggedraaid (grafen {graphs}); daarna opnieuw: {self.command}"),
                (f"the {self.kind} started {self.started} did not finish; the next time the store is opened for writing "
                f"(e.g. mag-graph serve) it is rolled back (graphs {graphs}); then run again: {self.command}"),
            )
        return (
            (f"{self.kind} van {self.started} is niet afgemaakt; de grafen {graphs} bevatten mogelijk een deel "
            f"van de data. Herstel: voer opnieuw uit: {self.command}"),
            (f"the {self.kind} started {self.started} did not finish; graphs {graphs} may hold part of the data. "
            f"Repair: run again: {self.command}"),
        )

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "command": self.command, "graphs": self.graphs,
                "started": self.started, "pid": self.pid, "atomic": self.atomic, "undo": self.undo}


def _write(path: Path, data: dict[str, Any]) -> None:
    """Write a marker so it is either all there or not at all (rename after fsync)."""
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def markers(location: str) -> list[UnfinishedLoad]:
    """The markers left for the store at ``location``, oldest first."""
    folder = marker_dir(location)
    if folder is None or not folder.is_dir():
        return []
    for orphan in folder.glob("*-backup"):  # copies made by a load killed before its first write
        if not orphan.with_name(orphan.name[: -len("-backup")] + ".json").exists() and not _alive_owner(orphan):
            shutil.rmtree(orphan, ignore_errors=True)
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            found.append(UnfinishedLoad(**{k: data[k] for k in data if k in UnfinishedLoad.__dataclass_fields__},
                                        path=path))
        except (OSError, ValueError, TypeError, KeyError):
            log.warning("onleesbare markering / unreadable marker: %s", path)
    return sorted(found, key=lambda m: m.started)


class Marker:
    """The marker of one running load or import (see :func:`started`)."""

    def __init__(self, location: str, kind: str, graphs: Sequence[str], *, atomic: bool, command: str) -> None:
        self.folder = marker_dir(location)
        self.id = dt.datetime.now(dt.UTC).strftime("%Y%m%dt%H%M%S") + "-" + uuid.uuid4().hex[:8]
        self.info = UnfinishedLoad(self.id, kind, command, list(graphs),
                                   dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), os.getpid(), atomic=atomic)
        self.location = location
        self.active = self.folder is not None and not _QUIET.get()
        self._backup: Path | None = None
        if self.active:
            assert self.folder is not None
            self.folder.mkdir(parents=True, exist_ok=True)
            if atomic:
                self._save()
        # A bulk load's marker is written by can_undo, once the copies of replaced graphs
        # are made and before the first statement is written.

    def _save(self) -> None:
        if self.active:
            assert self.folder is not None
            _write(self.folder / f"{self.id}.json", self.info.to_json())

    def backup_dir(self) -> Path | None:
        """A folder for copies of replaced graphs that survives a crash (``None``: use a
        temporary one)."""
        if not self.active:
            return None
        if self._backup is None:
            assert self.folder is not None
            self._backup = self.folder / f"{self.id}-backup"
            self._backup.mkdir(exist_ok=True)
            (self._backup / "pid").write_text(str(os.getpid()))
        return self._backup

    def can_undo(self, plan: list[dict[str, Any]] | None) -> None:
        """Record how to undo the write (one entry per graph: its IRI or ``None`` for the
        default graph, whether it existed, the file holding its old content), or that it
        cannot be undone (``None``)."""
        self.info.undo = plan
        self._save()

    def finish(self) -> None:
        """The write is complete (or was undone cleanly): remove this marker and any older
        one of the same graphs, which this load has now repaired."""
        if not self.active:
            return
        assert self.folder is not None
        for old in markers(self.location):
            if old.id == self.id or (old.kind == self.info.kind and set(old.graphs) == set(self.info.graphs)):
                _remove(old)
        if self._backup is not None:
            shutil.rmtree(self._backup, ignore_errors=True)
        self.active = False


def _remove(marker: UnfinishedLoad) -> None:
    if marker.path is None:
        return
    shutil.rmtree(marker.path.with_name(f"{marker.id}-backup"), ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        marker.path.unlink()


def _default_command(kind: str, sources: Sequence[str], graphs: Sequence[str], replace: bool) -> str:
    parts = ["mag-graph", kind]
    if kind == "load" and len(graphs) == 1 and graphs[0] != "default":
        parts += ["--graph", graphs[0]]
    if replace:
        parts.append("--replace")
    return " ".join([*parts, *sources]) if sources else " ".join(parts)


@contextlib.contextmanager
def started(location: str, kind: str, graphs: Sequence[str], *, atomic: bool = False,
            sources: Sequence[str] = (), replace: bool = False) -> Iterator[Marker]:
    """A marker for the duration of a load or import: written now, removed when the block
    ends without an exception (the block calls :meth:`Marker.finish` itself when it undid
    a failure cleanly). An exception that leaves it means the write may be partial."""
    command = _COMMAND.get() or _default_command(kind, sources, graphs, replace)
    marker = Marker(location, kind, graphs, atomic=atomic, command=command)
    try:
        yield marker
    except BaseException:
        if atomic:
            marker.finish()  # a transaction that failed left nothing behind
        raise
    marker.finish()


# --------------------------------------------------------------------------- the next open


@dataclass
class Recovery:
    """What opening the store did about markers: ``notices`` (Dutch, English) for what was
    rolled back, and ``unfinished`` for what could not be (reported until repaired)."""

    notices: list[tuple[str, str]] = field(default_factory=list)
    unfinished: list[UnfinishedLoad] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per notice and per unfinished load, Dutch / English."""
        out = [f"let op: {nl} / note: {en}" for nl, en in self.notices]
        out += ["let op: {} / warning: {}".format(*m.advice()) for m in self.unfinished]
        return out


def recover(store: Any, *, writable: bool = True) -> Recovery:
    """Deal with the markers of ``store`` (at open): roll back what can be rolled back
    (only when ``writable``), list the rest."""
    found = Recovery()
    for marker in markers(store.location):
        shared = "://" in store.location or not writable  # others may write meanwhile
        if shared and marker.pid != os.getpid() and _alive(marker.pid):
            continue  # still running in another process (a writable embedded store is ours alone)
        if not writable or not marker.undoable:
            found.unfinished.append(marker)
            continue
        try:
            if not marker.atomic:
                _roll_back(store, marker)
        except Exception as exc:  # noqa: BLE001 - reported; the marker stays for the next attempt
            log.warning("terugdraaien mislukt / rollback failed: %s", exc)
            found.unfinished.append(marker)
            continue
        graphs = ", ".join(marker.graphs)
        if marker.atomic:
            found.notices.append((
                (f"{marker.kind} van {marker.started} is niet afgemaakt en heeft niets geschreven (één transactie); "
                f"voer opnieuw uit: {marker.command}"),
                (f"the {marker.kind} started {marker.started} did not finish and wrote nothing (one transaction); "
                f"run again: {marker.command}"),
            ))
        else:
            found.notices.append((
                (f"{marker.kind} van {marker.started} is niet afgemaakt en is teruggedraaid (grafen {graphs}); "
                f"voer opnieuw uit: {marker.command}"),
                (f"the {marker.kind} started {marker.started} did not finish and was rolled back (graphs {graphs}); "
                f"run again: {marker.command}"),
            ))
        _remove(marker)
    for nl, en in found.notices:
        log.info("%s / %s", nl, en)
    return found


def _alive_owner(backup: Path) -> bool:
    """Is the process that makes this backup folder still running (it writes ``pid``)?"""
    try:
        return _alive(int((backup / "pid").read_text()))
    except (OSError, ValueError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _roll_back(store: Any, marker: UnfinishedLoad) -> None:
    """Empty (or drop) every graph the load wrote into and restore replaced content."""
    from rdflib import URIRef

    assert marker.undo is not None and marker.path is not None
    backup = marker.path.with_name(f"{marker.id}-backup")
    token = _QUIET.set(True)
    try:
        for entry in marker.undo:
            graph = URIRef(entry["graph"]) if entry.get("graph") else None
            if graph is None:
                store.clear_graph(None)
            elif store.has_graph(graph):
                store.drop_graph(graph)
            if graph is not None and entry.get("existed"):
                store.create_graph(graph)
            saved = backup / entry["backup"] if entry.get("backup") else None
            if saved is not None:
                if not saved.exists():
                    raise FileNotFoundError(saved)
                store.load(saved, format="ntriples", graph=graph)
    finally:
        _QUIET.reset(token)
