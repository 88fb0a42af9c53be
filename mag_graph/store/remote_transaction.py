"""Transactions on a remote store: the changes of a ``with store.transaction() as tx:``
block sent as ONE SPARQL Update request (``DROP``/``CLEAR``, ``DELETE DATA``,
``INSERT DATA``), so a CMS write or a small load is one request.

Whether that request is atomic is the server's business, per backend:

* Oxigraph (``oxigraph serve``) runs every update request in one transaction: all
  operations of the request or none (a failing operation rolls back the earlier ones);
  readers never see half of it.
* Virtuoso runs an update request in one transaction by default (its SPARQL endpoint
  uses transactional mode unless ``log_enable`` is changed); a request that fails
  half-way is rolled back.
* Any other store: SPARQL 1.1 Update recommends, but does not require, that a request
  be atomic; check the store's documentation.

Differences from the embedded :class:`~mag_graph.store.transaction.Transaction`, both
because SPARQL cannot name a blank node that is already in the store:

* removing a statement that involves a blank node, or dropping a graph named by a blank
  node, is refused with a :class:`~mag_graph.store.errors.StoreError` before anything is
  sent (the embedded store does it step by step);
* blank nodes in added statements are new nodes (``INSERT DATA`` semantics), also when
  they carry the label of a node the store holds; within one transaction one label is
  one node.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from mag_graph.store.errors import StoreError
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
        self._store._write(self._as_update(adds, removes))


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
