"""The errors of the SPARQL service, on top of the store's
(:class:`~mag_graph.store.QueryError`, :class:`~mag_graph.store.QuerySyntaxError`):
a query stopped by its time limit, a result over its size limit, a federated query
(SERVICE) the server does not allow. The protocol's format errors are in
:mod:`mag_graph.sparql.formats`.
"""

from __future__ import annotations

from mag_graph.store import QueryError


class QueryTimeoutError(QueryError):
    """The query did not finish within the time limit and was stopped."""

    def __init__(self, timeout: float, *, busy: bool = False) -> None:
        self.timeout = timeout
        self.busy = busy
        if busy:
            super().__init__(
                f"alle query-processen waren {timeout:g} s bezet; probeer het later opnieuw",
                f"all query processes were busy for {timeout:g} s; try again later",
            )
        else:
            super().__init__(
                f"de query is na {timeout:g} s afgebroken (tijdslimiet)",
                f"the query was stopped after {timeout:g} s (time limit)",
            )


class ResultTooLargeError(QueryError):
    """The result passes the maximum number of rows/triples or bytes."""

    def __init__(self, limit: int, unit: str) -> None:
        self.limit = limit
        self.unit = unit
        nl_unit = {"rows": "rijen", "triples": "triples", "bytes": "bytes"}[unit]
        super().__init__(
            f"het resultaat is groter dan de limiet van {limit} {nl_unit}; beperk de query (LIMIT)",
            f"the result exceeds the limit of {limit} {unit}; narrow the query (LIMIT)",
        )


class ServiceNotAllowedError(QueryError):
    """A federated query (SERVICE) on a server that does not allow them."""

    def __init__(self) -> None:
        super().__init__(
            "federatieve queries (SERVICE) zijn op deze server uitgeschakeld",
            "federated queries (SERVICE) are disabled on this server",
        )

