"""Opening a store by the name people give it (``--store``, ``$MAG_GRAPH_STORE``): a
directory or ``:memory:`` opens the embedded store, a ``sparql+http(s)://`` URL a remote
one; and an embedded copy of any store, for the work that needs Oxigraph itself.
"""

from __future__ import annotations

import os

from mag_graph.store.embedded import Store
from mag_graph.store.endpoints import is_remote
from mag_graph.store.interface import GraphStore
from mag_graph.store.remote import RemoteStore


def open_graph_store(
    location: str | os.PathLike[str] | None = None,
    *,
    create: bool = True,
    read_only: bool = False,
) -> Store | RemoteStore:
    """The store named by ``location``: a remote store for a ``sparql+http(s)://`` URL
    (:class:`~mag_graph.store.remote.RemoteStore`), otherwise the embedded store at that
    directory, or in memory for ``None``/":memory:" (:meth:`Store.open`, whose ``create``
    and ``read_only`` apply)."""
    if location is not None and is_remote(location):
        return RemoteStore.open(str(location), create=create, read_only=read_only)
    return Store.open(location, create=create, read_only=read_only)


def local_store(store: GraphStore) -> Store:
    """An embedded store with the content of ``store``: the store itself when it is
    embedded, otherwise an in-memory copy pulled from the server
    (:meth:`RemoteStore.local_copy`; the caller closes it). For pySHACL validation and
    OWL reasoning, which run on Oxigraph directly."""
    if isinstance(store, Store):
        return store
    if isinstance(store, RemoteStore):
        return store.local_copy()
    raise TypeError(f"cannot copy a {type(store).__name__} into an embedded store")
