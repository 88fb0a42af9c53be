"""Transactions on a remote store: the changes of a ``with store.transaction() as tx:``
block sent as ONE SPARQL Update request (``DROP``/``CLEAR``, ``DELETE DATA``,
``INSERT DATA``), so a CMS write or a small load is one request.

Whether that is atomic is the server's business, per backend (``Backend.atomic_requests``):

* Oxigraph (``oxigraph serve``) runs every update request in one transaction: all its
  operations or none (a failing operation undoes the earlier ones, tested by
  ``tests/test_store.py::test_update_is_atomic``); readers never see half of it.
* Virtuoso (7.2, tested) applies the operations of a request one after the other and
  keeps those before a failing one, and a request of many operations runs into its
  transaction timeout. So on Virtuoso the steps are sent one by one (drops and
  removals as updates, additions through the Graph Store Protocol, which Virtuoso takes
  about twenty times faster than ``INSERT DATA``); a failure half-way says that the
  change may be partly applied. Each single operation is atomic on Virtuoso.
* Any other store: SPARQL 1.1 Update recommends, but does not require, that a request
  be atomic; mag-graph assumes it (``generic``), so check the store's documentation.

Differences from the embedded :class:`~mag_graph.store.transaction.Transaction`, both
because SPARQL cannot name a blank node that is already in the store:

* removing a statement that involves a blank node, or dropping a graph named by a blank
  node, is refused with a :class:`~mag_graph.store.errors.StoreError` before anything is
  sent (the embedded store does it step by step);
* blank nodes in added statements are new nodes (``INSERT DATA`` semantics), also when
  they carry the label of a node the store holds; within one transaction one label is
  one node (on Virtuoso within one graph, see :mod:`mag_graph.store.remote_sparql`).
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from mag_graph.store import loading as _limits
from mag_graph.store.errors import MagGraphError, StoreError
from mag_graph.store.terms import _has_blank_node
from mag_graph.store.transaction import Transaction


class RemoteTransaction(Transaction):
    """A :class:`Transaction` whose commit is one SPARQL Update request to a remote store."""

    def __init__(self, store: Any) -> None:
        super().__init__(store)

    def commit(self) -> None:
        """Send the collected changes as one update request (called by the ``with`` block)."""
        self._check_open()
        self._open = False
        self._store._require()
        if not len(self):
            return
        adds = list(self._adds)
        removes = list(self._removes)
        refuse_blank_nodes(removes, self._dropped, adds)
        store = self._store
        dialect = store._dialect
        ops: list[str] = []
        if self._clear_all:
            ops += dialect.clear_all(store.graphs())
        ops += [dialect.drop(g) for g in self._dropped]
        ops += dialect.delete(removes)
        if dialect.backend.atomic_requests:
            store._write(" ;\n".join([*ops, *dialect.insert(adds)]))
            return
        # A backend that applies no request atomically: the steps go one by one, the
        # additions without blank nodes through the Graph Store Protocol (much faster on
        # Virtuoso than INSERT DATA), and an error says the change may be partly applied.
        try:
            store._write_ops(ops)
            store._post([q for q in adds if not _has_blank_node(q)], _limits.BULK_CHUNK)
            store._write_ops(dialect.insert([q for q in adds if _has_blank_node(q)]))
        except MagGraphError as exc:
            raise StoreError(
                f"{exc.nl}; de wijziging is mogelijk deels doorgevoerd ({dialect.backend.name} voert een verzoek niet atomair uit)",
                f"{exc.en}; the change may be partly applied ({dialect.backend.name} does not apply a request atomically)",
            ) from None


def refuse_blank_nodes(removes: list[ox.Quad], dropped: Any, adds: list[ox.Quad]) -> None:
    """Raise when a change cannot be said in SPARQL: removing a statement with a blank
    node, or a graph named by a blank node."""
    if any(map(_has_blank_node, removes)):
        raise StoreError(
            "een externe store kan geen uitspraken met blanco knopen verwijderen "
            "(SPARQL kan een opgeslagen blanco knoop niet aanwijzen)",
            "a remote store cannot remove statements with blank nodes "
            "(SPARQL cannot name a stored blank node)",
        )
    if any(isinstance(g, ox.BlankNode) for g in dropped) or any(
        isinstance(q.graph_name, ox.BlankNode) for q in adds
    ):
        raise StoreError(
            "een externe store kan geen graaf met een blanco knoop als naam schrijven of verwijderen",
            "a remote store cannot write or drop a graph named by a blank node",
        )
