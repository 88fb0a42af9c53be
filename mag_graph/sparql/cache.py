"""The result cache: :class:`ResultCache`.

Result cache
    Answers are kept by (query, dataset, formats) and dropped on every write: the
    generation counter is bumped by :meth:`SparqlService.changed
    <mag_graph.sparql.service.SparqlService.changed>`, which every write in
    :mod:`mag_graph.sparql.service` calls. Code elsewhere in the server that writes to
    the store must call it too. A result computed while a write happened is not
    stored, nor the answer to a query that calls NOW(), RAND(), UUID() or STRUUID().
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

DEFAULT_CACHE_ENTRIES = 2048
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
# Answers bigger than this are not cached: they would push out many small ones.
CACHE_ENTRY_BYTES = 4 * 1024 * 1024


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

