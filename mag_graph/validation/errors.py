"""The error a validation raises for bad input from its caller (an unknown rule, language,
graph or inference mode, an unreadable file, data of a kind it cannot validate).

Its messages are bilingual (Dutch / English), like every message the CLI and the HTTP
service show; the HTTP service answers it with a 400 problem. A validation that runs past
its time limit raises :class:`ValidationTimeoutError` (a 503 problem in the service)."""

from __future__ import annotations

from mag_graph.store.errors import MagGraphError


class ValidationInputError(ValueError):
    """Bad input to a validation (unknown rule, unknown language, unreadable file)."""


class ValidationTimeoutError(MagGraphError):
    """A validation ran past its time limit (``validate(..., deadline=...)``) and was
    stopped between two shapes or two queries (:mod:`mag_graph.validation.deadline`).
    The HTTP service answers it with a 503 problem and ``Retry-After``."""

    def __init__(self, limit: float | None = None) -> None:
        self.limit = limit
        if limit is None:
            super().__init__(
                "De validatie duurde langer dan toegestaan en is afgebroken.",
                "The validation took longer than allowed and was stopped.",
            )
        else:
            super().__init__(
                f"De validatie duurde langer dan de limiet van {limit:g} s en is afgebroken.",
                f"The validation took longer than the limit of {limit:g} s and was stopped.",
            )
