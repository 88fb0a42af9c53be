"""The generation of a remote store: a record in the triplestore that every write made
through mag-graph moves on, so other mag-graph processes on the same triplestore know
when to empty their caches, update their search index and refresh their in-memory copy.

The record is two statements in a graph of its own, ``urn:mag-graph:generation``, which
the remote store never lists, counts, exports or copies (like Virtuoso's own graphs)::

    <urn:mag-graph:store> <urn:mag-graph:generation#token>    "a fresh UUID" ;
                          <urn:mag-graph:generation#previous> "the token before it" .

Every write through :class:`~mag_graph.store.remote.RemoteStore` (a transaction, an
update, a load, a graph cleared or dropped; so CMS writes, ``/sparql`` updates, Graph
Store writes, ``mag-graph load``/``import``) ends by replacing the token with a new one
and keeping the old one as ``previous`` (:func:`bump_update`): in the same request as a
transaction on a backend that applies a request atomically (Oxigraph), as a request of
its own after the other steps elsewhere (Virtuoso; after an update request everywhere).
Writes made directly to the triplestore do not move it: ``mag-graph refresh`` (or
:meth:`RemoteStore.announce_change`) does.

Why two statements: a process that keeps an in-memory copy in step with its own writes
knows the token it wrote and the token its copy was current at; the store still shows
exactly that pair until someone else writes, and a write by another process between
two of its own shows up as a different ``previous``. So a copy is current exactly when
the store shows the pair the copy expects (:class:`KeptCopy`).
"""

from __future__ import annotations

import uuid
from typing import NamedTuple

GENERATION_GRAPH = "urn:mag-graph:generation"
_STORE = "urn:mag-graph:store"
_TOKEN = "urn:mag-graph:generation#token"
_PREVIOUS = "urn:mag-graph:generation#previous"


class Generation(NamedTuple):
    """The record as read: the current token and the one before it (``None``: none yet)."""

    token: str | None
    previous: str | None


READ_QUERY = (
    f"SELECT ?t ?p WHERE {{ OPTIONAL {{ GRAPH <{GENERATION_GRAPH}> {{ <{_STORE}> <{_TOKEN}> ?t }} }} "
    f"OPTIONAL {{ GRAPH <{GENERATION_GRAPH}> {{ <{_STORE}> <{_PREVIOUS}> ?p }} }} }}"
)


def new_token() -> str:
    return str(uuid.uuid4())


def bump_update(token: str) -> str:
    """The update operation that makes ``token`` the current token and the current one
    the previous (one operation, so it is atomic on every backend)."""
    graph = f"<{GENERATION_GRAPH}>"
    return (
        f"DELETE {{ GRAPH {graph} {{ <{_STORE}> <{_TOKEN}> ?t . <{_STORE}> <{_PREVIOUS}> ?p }} }}\n"
        f"INSERT {{ GRAPH {graph} {{ <{_STORE}> <{_TOKEN}> \"{token}\" . <{_STORE}> <{_PREVIOUS}> ?t }} }}\n"
        f"WHERE {{ OPTIONAL {{ GRAPH {graph} {{ <{_STORE}> <{_TOKEN}> ?t }} }} "
        f"OPTIONAL {{ GRAPH {graph} {{ <{_STORE}> <{_PREVIOUS}> ?p }} }} }}"
    )


def generation_of(rows: object) -> Generation:
    """The record from the rows of :data:`READ_QUERY` (pyoxigraph solutions)."""
    for row in rows:  # type: ignore[attr-defined]
        token, previous = row["t"], row["p"]
        return Generation(token.value if token is not None else None, previous.value if previous is not None else None)
    return Generation(None, None)


class KeptCopy(NamedTuple):
    """What an in-memory copy of the store is current at: the record the store shows
    while nobody else has written since the copy was pulled or last brought in step."""

    expected: Generation

    def after_own_write(self, token: str) -> KeptCopy:
        """The copy applied this process's write that moved the token to ``token``: the
        store should now show ``token`` with the copy's old token as previous."""
        return KeptCopy(Generation(token, self.expected.token))
