"""An on-disk store with what ``mag-graph init`` loads (ontology, shapes, example data),
cheaply: :func:`initialised_store`.

Loading the shipped files into a new on-disk store takes seconds (parsing, RocksDB
writes); many test modules need such a store for their server and most of them change
it. So each test process loads one store once, closes it, and every caller gets a copy
of its directory: the same statements (blank node labels included) as
:func:`mag_graph.store.bootstrap.initialise` on a new store, in a fraction of the time.
Tests of ``initialise`` itself keep calling it. Imported by name (conftest puts this
folder on ``sys.path``).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path

import pyoxigraph as ox

from mag_graph.store import MEMORY, Store
from mag_graph.store.bootstrap import initialise

_LOCK = threading.Lock()
_TEMPLATE: Path | None = None
_CONTENT: tuple[list[ox.NamedOrBlankNode], list[ox.Quad]] | None = None


def _template() -> Path:
    """The process's initialised store directory (made on first use, removed at exit)."""
    global _TEMPLATE
    with _LOCK:
        if _TEMPLATE is None:
            root = Path(tempfile.mkdtemp(prefix="mag-graph-template-"))
            atexit.register(shutil.rmtree, root, True)
            with Store.open(root / "store") as store:
                initialise(store)
            _TEMPLATE = root / "store"
        return _TEMPLATE


def initialised_store(path: str | Path) -> Store:
    """A new on-disk store at ``path`` (which must not exist yet) holding what
    ``initialise`` loads into a new store; the caller closes it."""
    shutil.copytree(_template(), path)
    return Store.open(path)


def initialised_memory_store() -> Store:
    """A new in-memory store holding what ``initialise`` loads (the template's quads)."""
    global _CONTENT
    if _CONTENT is None:
        template = ox.Store.read_only(str(_template()))
        _CONTENT = list(template.named_graphs()), list(template)
        del template
    graphs, quads = _CONTENT
    store = ox.Store()
    for graph in graphs:
        store.add_graph(graph)
    store.extend(quads)
    return Store(store, MEMORY, in_memory=True)


def indexed(path: Path) -> Path:
    """Build the search index of the closed store at ``path`` (beside it, where
    ``benchmarks.served.copy_store`` copies it from), so that a server started on a copy
    finds it current instead of rebuilding it; ``path`` again."""
    from mag_graph.cms import Content

    with Store.open(path, create=False) as store:
        Content.for_store(store).search.close()
    return path


def served_store(path: Path) -> Path:
    """What :func:`benchmarks.served.make_store` makes (the initialised store and the
    users of ``benchmarks.served.USERS``), from this process's template, with its search
    index built: closed, ready for ``benchmarks.served.start`` or ``copy_store``."""
    from benchmarks.served import add_users

    initialised_store(path).close()
    return indexed(add_users(path))
