"""Running one query of the SPARQL service on a remote store (:class:`~mag_graph.store.RemoteStore`).

On the embedded store a query runs in a worker process on a snapshot and is killed when
it passes the timeout (:mod:`mag_graph.sparql.pool`). A remote store runs the query on
its own server: mag-graph sends it with the dataset the caller may read (the protocol's
``default-graph-uri``/``named-graph-uri``, made from graph names only, never from
request text), waits at most the service's timeout for the answer (then the request is
dropped and the caller gets 503; whether the triplestore stops the query too is its own
setting, see the README) and serialises the answer within the same row and byte limits
as :func:`mag_graph.sparql.execute.execute`.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from mag_graph.sparql.errors import QueryTimeoutError, ResultTooLargeError
from mag_graph.sparql.execute import (
    QueryOutcome,
    QueryTask,
    _construct,
    _LimitExceeded,
    _select,
)
from mag_graph.sparql.formats import RESULT_FORMATS, NotAcceptableError, format_by_name
from mag_graph.store import StoreTimeoutError


def execute_remote(store: Any, task: QueryTask, timeout: float) -> QueryOutcome:
    """Run ``task`` on the remote ``store`` within ``timeout`` seconds and the task's
    limits; raises like :func:`~mag_graph.sparql.execute.execute`."""
    given = task.default_graphs is not None or task.named_graphs is not None
    try:
        raw = store.raw_query(
            task.sparql,
            default_graphs=list(task.default_graphs or ()) if given else None,
            named_graphs=list(task.named_graphs or ()) if given else None,
            union_default_graph=task.union_default_graph,
            own_dataset=not given and not task.union_default_graph,
            timeout=timeout,
        )
    except StoreTimeoutError:
        raise QueryTimeoutError(timeout) from None
    try:
        if isinstance(raw, ox.QueryBoolean):
            if task.results_format is None:
                raise NotAcceptableError("select", [f.media_type for f in RESULT_FORMATS])
            fmt = format_by_name(task.results_format).oxigraph
            return QueryOutcome("ask", raw.serialize(format=fmt), task.results_format, 1)
        if isinstance(raw, ox.QuerySolutions):
            return _select(raw, task, None)
        return _construct(raw, task, None)
    except _LimitExceeded as exc:
        raise ResultTooLargeError(exc.limit, exc.what) from None
