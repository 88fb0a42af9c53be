"""Concurrency: entity tags for optimistic writes (If-Match) and the read-write lock.

* **ETags** hash a resource's statements, blank nodes by content (so relabelling them
  does not change the tag), and its workflow state. A write must send the tag it read;
  a stale one is refused with 412, a missing one with 428.
* **The lock**: many readers or one writer per store. API reads take the read side, so
  they never see a write that is still being validated (and may yet be undone); the
  write pipeline holds the write side from settling identifiers to notifying listeners.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Protocol

from rdflib import BNode
from rdflib.term import Node

from mag_graph.cms.errors import PreconditionFailedError, PreconditionRequiredError
from mag_graph.cms.types import Triple

__all__ = ["etag_for"]


class _Tagged(Protocol):
    """Anything with a current entity tag (a stored resource)."""

    @property
    def etag(self) -> str: ...


# --------------------------------------------------------------------------- entity tags


def _merkle(node: Node, by_subject: Mapping[Node, list[Triple]], memo: dict[Node, str], stack: frozenset[Node] = frozenset()) -> str:
    """A content hash of a node's description, blank nodes replaced by the hashes of
    theirs: equal for two blank-node trees that say the same thing, whatever their labels."""
    if not isinstance(node, BNode):
        return node.n3()
    if node in memo:
        return memo[node]
    if node in stack:
        return "_:cycle"
    inner = stack | {node}
    lines = sorted(
        f"{p.n3()} {_merkle(o, by_subject, memo, inner) if isinstance(o, BNode) else o.n3()}"
        for _, p, o in by_subject.get(node, ())
    )
    digest = "_:" + hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    memo[node] = digest
    return digest


def _canonical_lines(triples: Iterable[Triple]) -> list[str]:
    triples = list(triples)
    by_subject: dict[Node, list[Triple]] = defaultdict(list)
    for t in triples:
        by_subject[t[0]].append(t)
    memo: dict[Node, str] = {}
    return sorted(
        f"{_merkle(s, by_subject, memo)} {p.n3()} {_merkle(o, by_subject, memo)}"
        for s, p, o in triples
    )


def etag_for(triples: Iterable[Triple], state: str | None) -> str:
    """The entity tag of a resource: a hash of its statements (blank nodes by content,
    so relabelling them does not change it) and its workflow state."""
    digest = hashlib.sha256()
    for line in _canonical_lines(triples):
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    digest.update(f"state:{state}".encode())
    return digest.hexdigest()[:32]



def _parse_tags(value: str | Iterable[str]) -> list[str]:
    items = [value] if isinstance(value, str) else list(value)
    tags: list[str] = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if part:
                tags.append(part)
    return tags


def _check_if_match(current: _Tagged, if_match: str | Iterable[str] | None, *, required: bool) -> None:
    """If-Match against the current ETag: 428 without one (when required), 412 when
    stale. Weak tags never match (If-Match uses the strong comparison)."""
    if if_match is None or (isinstance(if_match, str) and not if_match.strip()):
        if required:
            raise PreconditionRequiredError(
                "stuur de ETag mee in If-Match, zodat een wijziging van een ander niet verloren gaat",
                "send the ETag in If-Match, so nobody else's change is lost",
            )
        return
    tags = _parse_tags(if_match)
    etag = current.etag
    for tag in tags:
        if tag == "*" or (not tag.startswith("W/") and tag.strip('"') == etag):
            return
    raise PreconditionFailedError(
        "de resource is intussen gewijzigd (ETag komt niet overeen); haal haar opnieuw op",
        "the resource has changed meanwhile (ETag does not match); fetch it again",
        etag,
    )



# --------------------------------------------------------------------------- locking


class _ReadWriteLock:
    """Many readers or one writer. API reads take the read side, so they never see a
    write that is still being validated (and may yet be undone); so do the pages, for a
    whole request (``api/page_lock.py``).

    Reads are re-entrant per thread (a page that holds the read side calls the CMS,
    which takes it again, even while a writer waits), and a writer may read what it
    writes. A thread that holds the read side may not start a write: both would wait for
    each other forever, so that is refused at once (``RuntimeError``)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._reading: dict[int, int] = {}  # thread -> how deep it holds the read side
        self._writer: int | None = None
        self._depth = 0
        self._waiting_writers = 0

    def acquire_read(self) -> None:
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:  # a writer may read what it is writing
                self._depth += 1
                return
            if me in self._reading:  # already a reader: waiting for a writer would wait for ourselves
                self._reading[me] += 1
                return
            while self._writer is not None or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
            self._reading[me] = 1

    def release_read(self) -> None:
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:
                self._depth -= 1
                return
            self._reading[me] -= 1
            if self._reading[me]:
                return
            del self._reading[me]
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    def acquire_write(self) -> None:
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:
                self._depth += 1
                return
            if me in self._reading:
                raise RuntimeError("a thread that holds the read lock cannot start a write (it would wait for itself)")
            self._waiting_writers += 1
            while self._writer is not None or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writer = me
            self._depth = 1

    def release_write(self) -> None:
        with self._cond:
            self._depth -= 1
            if not self._depth:
                self._writer = None
                self._cond.notify_all()


class _Reading:
    def __init__(self, lock: _ReadWriteLock) -> None:
        self.lock = lock

    def __enter__(self) -> None:
        self.lock.acquire_read()

    def __exit__(self, *exc: object) -> None:
        self.lock.release_read()


class _Writing(_Reading):
    def __enter__(self) -> None:
        self.lock.acquire_write()

    def __exit__(self, *exc: object) -> None:
        self.lock.release_write()

