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
and keeping the old one as ``previous`` (:func:`bump_operations`): in the same request as a
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
# The previous token of the first record (not "": Virtuoso 7.2 does not delete a stored
# empty string matched by a variable).
NONE = "none"


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


def bump_operations(token: str) -> list[str]:
    """The update operations that make ``token`` the current token and the current one
    the previous, in this order: the move (when there is a record) and the first record
    (when there is none; its previous is :data:`NONE`). Each matches what it changes with a
    required pattern or a count: Virtuoso 7.2 instantiates no template over a ``WHERE``
    made of ``OPTIONAL`` parts that match nothing, and ignores a ``FILTER NOT EXISTS``
    that stands alone in a ``WHERE`` (tested in tests/test_remote_generation.py). Each
    operation is atomic on every backend; one request holds both where the backend
    applies a request atomically."""
    g, store, tok, prev = f"<{GENERATION_GRAPH}>", f"<{_STORE}>", f"<{_TOKEN}>", f"<{_PREVIOUS}>"
    move = (
        f"DELETE {{ GRAPH {g} {{ {store} {tok} ?t . {store} {prev} ?p }} }}\n"
        f"INSERT {{ GRAPH {g} {{ {store} {tok} \"{token}\" . {store} {prev} ?t }} }}\n"
        f"WHERE {{ GRAPH {g} {{ {store} {tok} ?t . {store} {prev} ?p }} }}"
    )
    first = (
        f"INSERT {{ GRAPH {g} {{ {store} {tok} \"{token}\" . {store} {prev} \"{NONE}\" }} }}\n"
        f"WHERE {{ {{ SELECT (COUNT(?t) AS ?n) WHERE {{ GRAPH {g} {{ {store} {tok} ?t }} }} }} FILTER(?n = 0) }}"
    )
    return [move, first]


def generation_of(rows: object) -> Generation:
    """The record from the rows of :data:`READ_QUERY` (pyoxigraph solutions)."""
    for row in rows:  # type: ignore[attr-defined]
        token, previous = row["t"], row["p"]
        return Generation(token.value if token is not None else None, previous.value if previous is not None and previous.value != NONE else None)
    return Generation(None, None)


class KeptCopy(NamedTuple):
    """What an in-memory copy of the store is current at: the record the store shows
    while nobody else has written since the copy was pulled or last brought in step."""

    expected: Generation

    def after_own_write(self, token: str) -> KeptCopy:
        """The copy applied this process's write that moved the token to ``token``: the
        store should now show ``token`` with the copy's old token as previous."""
        return KeptCopy(Generation(token, self.expected.token))
