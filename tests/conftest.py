"""Shared test fixtures: stores (in memory and on disk) and the fixture files.

Kept small and generic on purpose; test modules add their own fixtures next to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mag_graph.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    """The folder with the small RDF files (valid and broken) the tests load."""
    return FIXTURES


@pytest.fixture
def memory_store() -> Iterator[Store]:
    """An empty in-memory store."""
    store = Store.open(":memory:")
    yield store
    store.close()


@pytest.fixture
def disk_store(tmp_path: Path) -> Iterator[Store]:
    """An empty on-disk store in a temporary directory (closed after the test)."""
    store = Store.open(tmp_path / "store")
    yield store
    store.close()


@pytest.fixture
def quad_snapshot() -> Callable[[Store], list[str]]:
    """A function giving a store's exact content as sorted N-Quads lines, to prove a
    failed operation changed nothing (blank node labels included)."""

    def snapshot(store: Store) -> list[str]:
        data = store.export(format="nquads") or b""
        lines = [line for line in data.decode("utf-8").splitlines() if line.strip()]
        lines += [f"GRAPH {graph.n3()}" for graph in store.graphs()]  # empty graphs too
        return sorted(lines)

    return snapshot
