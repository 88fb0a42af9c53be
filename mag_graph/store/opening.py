"""Opening a store by the name people give it (``--store``, ``$MAG_GRAPH_STORE``): a
directory or ``:memory:`` opens the embedded store, a ``sparql+http(s)://`` URL a remote
one; an embedded copy of any store, for the work that needs Oxigraph itself; and
where a store's local state lives (:func:`state_directory`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from mag_graph.store.embedded import MEMORY, Store
from mag_graph.store.endpoints import is_remote
from mag_graph.store.interface import GraphStore
from mag_graph.store.remote import RemoteStore

# The directory for the local state of a remote store (users, search index, session key).
ENV_STATE_DIR = "MAG_GRAPH_STATE_DIR"


def state_directory(location: str | os.PathLike[str] | None) -> Path | None:
    """Where the local files that belong to a store live (``auth.sqlite``, the search
    index, the session key), or ``None`` for an in-memory store (they are then kept in
    memory too). Beside an embedded store's directory, never in it (Oxigraph owns that).
    For a remote store: ``$MAG_GRAPH_STATE_DIR`` when set, else
    ``./.mag-graph/remote-<hash of the store URL>``, so two triplestores never share a
    search index. These files are per process (per machine): see the README, "Running on
    an existing triplestore"."""
    if location is None or str(location) == MEMORY:
        return None
    if is_remote(location):
        given = os.environ.get(ENV_STATE_DIR)
        if given:
            return Path(given).resolve()
        digest = hashlib.sha256(str(location).strip().encode("utf-8")).hexdigest()[:12]
        return (Path.cwd() / ".mag-graph" / f"remote-{digest}").resolve()
    return Path(location).resolve().parent


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
