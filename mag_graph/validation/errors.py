"""The error a validation raises for bad input from its caller (an unknown rule, language,
graph or inference mode, an unreadable file, data of a kind it cannot validate).

Its messages are bilingual (Dutch / English), like every message the CLI and the HTTP
service show; the HTTP service answers it with a 400 problem."""

from __future__ import annotations


class ValidationInputError(ValueError):
    """Bad input to a validation (unknown rule, unknown language, unreadable file)."""
