"""The generation of a remote store: a record in the triplestore that every write made
through mag-graph moves on, so other mag-graph processes on the same triplestore know
when to empty their caches, update their search index and refresh their in-memory copy,
and which graphs of the copy to pull again.

The record is a few statements in a graph of its own, ``urn:mag-graph:generation``,
which the remote store never lists, counts, exports or copies (like Virtuoso's own
graphs)::

    <urn:mag-graph:store> <urn:mag-graph:generation#token>      "a fresh UUID" ;
                          <urn:mag-graph:generation#previous>   "the token before it" ;
                          <urn:mag-graph:generation#everything> "the last write to any graph" ;
                          <urn:mag-graph:generation#pending>    "a write not finished" .
    <urn:mag-graph:graph:{a graph IRI}> <urn:mag-graph:generation#graph> "the last write to it" .

Every write through :class:`~mag_graph.store.remote.RemoteStore` (a transaction, an
update, a load, a graph cleared or dropped; so CMS writes, ``/sparql`` updates, Graph
Store writes, ``mag-graph load``/``import``) replaces the token with a new one, keeps
the old one as ``previous`` and gives the new token to the graphs it changed (to
``everything`` when it may have changed any: an update request, a clear of the whole
store, ``mag-graph refresh``) (:func:`bump_operations`). Where the write is one request
on a backend that applies a request atomically (Oxigraph: a transaction, an update
request), the move is in that same request: no crash can come between. Where it takes
several requests (every write on Virtuoso, a large load everywhere), the write first
sets a ``pending`` mark with a move of its own and removes it with its last move; a
crash in between leaves the mark, which every process sees (:meth:`RemoteStore.unfinished_writes`;
its ``generation()`` is then new at every read, so no cache trusts itself, and the
kept copy is pulled whole) until ``mag-graph refresh`` removes it.
Writes made directly to the triplestore do not move it: ``mag-graph refresh`` (or
:meth:`RemoteStore.announce_change`) does.

Why the token and its previous: a process that keeps an in-memory copy in step with its
own writes knows the token it wrote and the token its copy was current at; the store
still shows exactly that pair until someone else writes, and a write by another process
between two of its own shows up as a different ``previous``. So a copy is current
exactly when the store shows the pair the copy expects (:class:`KeptCopy`); when not,
the graph tokens say which graphs to pull again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import NamedTuple

GENERATION_GRAPH = "urn:mag-graph:generation"
_STORE = "urn:mag-graph:store"
_TOKEN = "urn:mag-graph:generation#token"
_PREVIOUS = "urn:mag-graph:generation#previous"
_EVERYTHING = "urn:mag-graph:generation#everything"
_PENDING = "urn:mag-graph:generation#pending"
_GRAPH_TOKEN = "urn:mag-graph:generation#graph"
# The default graph's name in the record (graphs are named by IRI there).
DEFAULT_KEY = "urn:mag-graph:default-graph"
# A graph's token is said of this prefix + its IRI, not of the graph's own IRI, so a
# caller's query about their own IRIs does not find the record.
_GRAPH_SUBJECT = "urn:mag-graph:graph:"
# The previous token of the first record (not "": Virtuoso 7.2 does not delete a stored
# empty string matched by a variable).
NONE = "none"
_G = f"<{GENERATION_GRAPH}>"


class Generation(NamedTuple):
    """The record as read: the current token and the one before it (``None``: none yet),
    the token of the last write that may have changed any graph (an update request, a
    clear of the whole store, ``mag-graph refresh``) and the tokens of writes begun in
    several requests and not finished (a crash between them leaves one behind)."""

    token: str | None
    previous: str | None
    everything: str | None = None
    pending: frozenset[str] = frozenset()


READ_QUERY = (
    f"SELECT ?t ?p ?e ?w WHERE {{ OPTIONAL {{ GRAPH {_G} {{ <{_STORE}> <{_TOKEN}> ?t }} }} "
    f"OPTIONAL {{ GRAPH {_G} {{ <{_STORE}> <{_PREVIOUS}> ?p }} }} "
    f"OPTIONAL {{ GRAPH {_G} {{ <{_STORE}> <{_EVERYTHING}> ?e }} }} "
    f"OPTIONAL {{ GRAPH {_G} {{ <{_STORE}> <{_PENDING}> ?w }} }} }}"
)
GRAPH_TOKENS_QUERY = f"SELECT ?g ?t WHERE {{ GRAPH {_G} {{ ?g <{_GRAPH_TOKEN}> ?t }} }}"


def new_token() -> str:
    return str(uuid.uuid4())


def bump_operations(
    token: str,
    graphs: Iterable[str] | None = None,
    *,
    pending: bool = False,
    finished: str | None = None,
    clear_pending: bool = False,
) -> list[str]:
    """The update operations that make ``token`` the current token and the current one
    the previous, in this order: the move (when there is a record) and the first record
    (when there is none; its previous is :data:`NONE`); then ``token`` as the token of
    each graph in ``graphs`` (IRIs, :data:`DEFAULT_KEY` for the default graph) or, with
    ``graphs=None``, as the token of a change to everything. ``pending``: ``token`` marks
    a write begun in several requests; ``finished``: the mark of this process's write that
    ends now is removed; ``clear_pending``: every mark is removed (``mag-graph refresh``).

    Each matches what it changes with a required pattern or a count: Virtuoso 7.2
    instantiates no template over a ``WHERE`` made of ``OPTIONAL`` parts that match
    nothing, and ignores a ``FILTER NOT EXISTS`` that stands alone in a ``WHERE`` (tested
    in tests/test_remote_generation.py). Each operation is atomic on every backend; one
    request holds them all where the backend applies a request atomically."""
    store, tok, prev = f"<{_STORE}>", f"<{_TOKEN}>", f"<{_PREVIOUS}>"
    ops = [
        (
            f"DELETE {{ GRAPH {_G} {{ {store} {tok} ?t . {store} {prev} ?p }} }}\n"
            f'INSERT {{ GRAPH {_G} {{ {store} {tok} "{token}" . {store} {prev} ?t }} }}\n'
            f"WHERE {{ GRAPH {_G} {{ {store} {tok} ?t . {store} {prev} ?p }} }}"
        ),
        (
            f'INSERT {{ GRAPH {_G} {{ {store} {tok} "{token}" . {store} {prev} "{NONE}" }} }}\n'
            f"WHERE {{ {{ SELECT (COUNT(?t) AS ?n) WHERE {{ GRAPH {_G} {{ {store} {tok} ?t }} }} }} FILTER(?n = 0) }}"
        ),
    ]
    if graphs is None:
        ops += [
            f"DELETE {{ GRAPH {_G} {{ {store} <{_EVERYTHING}> ?x }} }} WHERE {{ GRAPH {_G} {{ {store} <{_EVERYTHING}> ?x }} }}",
            f'INSERT DATA {{ GRAPH {_G} {{ {store} <{_EVERYTHING}> "{token}" }} }}',
        ]
    else:
        names = sorted(set(graphs))
        if names:
            listed = ", ".join(f"<{_GRAPH_SUBJECT}{g}>" for g in names)
            ops.append(
                f"DELETE {{ GRAPH {_G} {{ ?g <{_GRAPH_TOKEN}> ?x }} }} "
                f"WHERE {{ GRAPH {_G} {{ ?g <{_GRAPH_TOKEN}> ?x }} FILTER(?g IN ({listed})) }}"
            )
            rows = " ".join(f'<{_GRAPH_SUBJECT}{g}> <{_GRAPH_TOKEN}> "{token}" .' for g in names)
            ops.append(f"INSERT DATA {{ GRAPH {_G} {{ {rows} }} }}")
    if clear_pending:
        ops.append(
            f"DELETE {{ GRAPH {_G} {{ {store} <{_PENDING}> ?w }} }} WHERE {{ GRAPH {_G} {{ {store} <{_PENDING}> ?w }} }}"
        )
    if finished is not None:
        ops.append(
            f'DELETE DATA {{ GRAPH {_G} {{ {store} <{_PENDING}> "{finished}" }} }}'
        )
    if pending:
        ops.append(f'INSERT DATA {{ GRAPH {_G} {{ {store} <{_PENDING}> "{token}" }} }}')
    return ops


def graph_key(name: object) -> str:
    """A graph's name in the record: its IRI, :data:`DEFAULT_KEY` for the default graph."""
    value = getattr(name, "value", None)
    return DEFAULT_KEY if value is None else str(value)


def generation_of(rows: object) -> Generation:
    """The record from the rows of :data:`READ_QUERY` (pyoxigraph solutions)."""
    token = previous = everything = None
    pending: set[str] = set()
    for row in rows:  # type: ignore[attr-defined]
        t, p, e, w = row["t"], row["p"], row["e"], row["w"]
        token = t.value if t is not None else token
        previous = p.value if p is not None and p.value != NONE else previous
        everything = e.value if e is not None else everything
        if w is not None:
            pending.add(w.value)
    return Generation(token, previous, everything, frozenset(pending))


def graph_tokens_of(rows: object) -> dict[str, str]:
    """Graph IRI (or :data:`DEFAULT_KEY`) to the token of the last write to it, from the
    rows of :data:`GRAPH_TOKENS_QUERY`."""
    return {
        row["g"].value.removeprefix(_GRAPH_SUBJECT): row["t"].value
        for row in rows  # type: ignore[attr-defined]
    }


class KeptCopy(NamedTuple):
    """What an in-memory copy of the store is current at: the record the store shows
    while nobody else has written since the copy was pulled or last brought in step,
    the graph tokens and the everything token when it was pulled, and the graphs this
    process wrote since (applied to the copy, but another process may have written
    them in between)."""

    expected: Generation
    graphs: dict[str, str]
    own: frozenset[str] = frozenset()

    def current(self, seen: Generation) -> bool:
        """Whether the store shows exactly what the copy expects (no write by anyone else
        since, none unfinished)."""
        return not seen.pending and (seen.token, seen.previous) == (
            self.expected.token,
            self.expected.previous,
        )

    def after_own_write(
        self, token: str, previous: str | None, graphs: Iterable[str]
    ) -> KeptCopy:
        """The copy applied this process's write that moved the token to ``token`` (from
        ``previous``: the copy's token, or the mark this write set first)."""
        before = self.expected.token if previous is None else previous
        return KeptCopy(
            Generation(token, before, self.expected.everything),
            self.graphs,
            self.own | set(graphs),
        )

    def stale_graphs(self, seen: Generation, tokens: dict[str, str]) -> set[str] | None:
        """The graphs to pull again after others wrote (``None``: everything): those whose
        token differs from the copy's, and those this process wrote since."""
        if seen.pending or seen.everything != self.expected.everything:
            return None
        changed = {
            g
            for g in tokens.keys() | self.graphs.keys()
            if tokens.get(g) != self.graphs.get(g)
        }
        return changed | self.own
