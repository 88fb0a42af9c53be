"""The in-memory copy a :class:`~mag_graph.store.remote.RemoteStore` keeps for
validation (a mixin of the store): pulled whole once, kept in step with this process's
own transactions, and after another process's write brought up to date graph by graph,
by the graph tokens of the generation record (:mod:`mag_graph.store.remote_generation`):
only the graphs whose token moved, and those this process wrote since, are pulled again.
After a write that may have changed any graph (an update request, ``mag-graph refresh``)
or while a write made in several requests is unfinished, the whole store is pulled.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import pyoxigraph as ox

from mag_graph.store.embedded import Store
from mag_graph.store.remote_generation import DEFAULT_KEY, Generation, KeptCopy
from mag_graph.store.terms import OxGraphName, _has_blank_node

if TYPE_CHECKING:
    from rdflib import BNode, URIRef


class _KeptCopy:
    """The kept copy's methods of :class:`~mag_graph.store.remote.RemoteStore`."""

    _mirror: Store | None
    _mirror_state: KeptCopy | None
    _mirror_checked: bool
    _mirror_depth: int
    _mirror_hold: bool
    last_pull: list[str] | None

    if TYPE_CHECKING:  # provided by the store class this is mixed into

        def _read_generation(self) -> Generation: ...

        def _graph_tokens(self) -> dict[str, str]: ...

        def graphs(self) -> list[URIRef | BNode]: ...

        def local_copy(self, graphs: Iterable[object] | None = None) -> Store: ...

        def _load_into(self, db: ox.Store, graph: OxGraphName | None) -> None: ...

    @contextlib.contextmanager
    def mirrored(self) -> Iterator[None]:
        """Within the block, :meth:`local_view` answers one in-memory copy of the store,
        checked against the store's generation once (one small query) and used for every
        read of the block. The CMS runs each write in such a block. The copy is kept after
        the block: this process's transactions are applied to it as they commit, so it
        stays current; when the generation shows another write (another process, or a
        write this process did not apply to it: an update, a load, blank nodes added,
        whose labels the server chooses), the next block pulls what changed again."""
        if not self._mirror_depth:
            self._mirror_checked = False
        self._mirror_depth += 1
        try:
            yield
        finally:
            self._mirror_depth -= 1

    def local_view(self) -> Store:
        """An in-memory copy of the store, current at the generation the store shows (to
        read, not to close): pulled when there is none; when others wrote, only the
        graphs whose token in the record moved (and those this process wrote since) are
        pulled again, the whole store after a write to any graph or while a write is
        unfinished; inside :meth:`mirrored` checked only at the block's first use."""
        state = self._mirror_state
        if self._mirror is not None and not self._mirror_checked:
            # Read before any pull: a write meanwhile shows as a later token.
            seen = self._read_generation()
            if state is None or not state.current(seen):
                tokens = self._graph_tokens()
                stale = None if state is None else state.stale_graphs(seen, tokens)
                if stale is None:
                    self._forget_mirror(force=True)
                else:
                    self._pull_again(self._mirror.oxigraph, stale)
                    self._mirror_state = (
                        None if seen.pending else KeptCopy(seen, tokens)
                    )
        if self._mirror is None:
            seen, tokens = self._read_generation(), self._graph_tokens()
            self._mirror = self.local_copy()
            self._mirror_state = None if seen.pending else KeptCopy(seen, tokens)
            self.last_pull = None
        self._mirror_checked = self._mirror_depth > 0
        return self._mirror

    def _pull_again(self, db: ox.Store, keys: set[str]) -> None:
        """Replace the named graphs (record keys) of the kept copy with the store's."""
        listed = {str(g) for g in self.graphs()} if keys - {DEFAULT_KEY} else set()
        for key in sorted(keys):
            name: OxGraphName = (
                ox.DefaultGraph() if key == DEFAULT_KEY else ox.NamedNode(key)
            )
            _drop(db, name)
            self._load_into(db, name)
            if key in listed:
                db.add_graph(name)
        self.last_pull = sorted(keys)

    def _forget_mirror(self, *, force: bool = False) -> None:
        if self._mirror is not None and (force or not self._mirror_hold):
            self._mirror = None  # not closed: a reader may still hold it
            self._mirror_state = None

    def _mirror_applied(
        self,
        clear_all: bool,
        dropped: Iterable[OxGraphName],
        removes: list[ox.Quad],
        adds: list[ox.Quad],
    ) -> bool:
        """A committed transaction, applied to the kept copy too; False when there is no
        copy or it was dropped instead (the transaction added blank nodes: the server
        gave them labels of its own)."""
        mirror = self._mirror
        if mirror is None:
            return False
        if any(_has_blank_node(q) for q in adds):
            self._forget_mirror(force=True)
            return False
        db = mirror.oxigraph
        if clear_all:
            db.clear()
        for graph in dropped:
            _drop(db, graph)
        for q in removes:
            db.remove(q)
        for q in adds:
            if not isinstance(q.graph_name, ox.DefaultGraph):
                db.add_graph(q.graph_name)
            db.add(q)
        return True


def _drop(db: ox.Store, graph: OxGraphName) -> None:
    """Empty the default graph, or remove a named graph, of the kept copy."""
    if isinstance(graph, ox.DefaultGraph):
        db.clear_graph(graph)
    else:
        db.remove_graph(graph)
