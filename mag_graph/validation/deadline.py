"""A cooperative time limit for one validation (``validate(..., deadline=...)``).

Neither engine can be interrupted from outside (Oxigraph runs a query to its end,
pySHACL loops in Python), so a validation stops itself: it checks its
:class:`Deadline` at points where stopping is cheap and leaves nothing half done, and
raises :class:`~mag_graph.validation.errors.ValidationTimeoutError` once it has passed.

* The set-based engine (:mod:`~mag_graph.validation.setbased`) checks before each
  top-level shape and before each SPARQL query it runs (also those of a per-focus-node
  query and of a qualified shape's nested check).
* pySHACL is checked before each shape it evaluates (top-level and nested, including
  the set-based engine's fallbacks): :func:`_checked_per_shape` wraps pySHACL's
  ``Shape.validate`` once, on import, and the wrapper asks the deadline of the current
  run, which :func:`running_until` sets in a context variable (so runs in other threads,
  with other limits or none, are not affected).

A single query or a single shape is never cut short: a run stops at most one query or
one shape's evaluation after its deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from mag_graph.validation import pyshacl_patches  # noqa: F401  (its Shape.validate patch comes first)
from mag_graph.validation.errors import ValidationTimeoutError


class Deadline:
    """An instant on ``clock`` (``time.monotonic`` seconds) after which a validation
    stops; ``limit`` is the time it was given, named in the error. ``checks`` counts how
    often it was asked (tests use it to see where a run stopped)."""

    __slots__ = ("at", "checks", "clock", "limit")

    def __init__(self, at: float, limit: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.at = at
        self.limit = limit
        self.clock = clock
        self.checks = 0

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        """The deadline ``seconds`` from now."""
        return cls(time.monotonic() + seconds, limit=seconds)

    @classmethod
    def of(cls, value: float | Deadline | None) -> Deadline | None:
        """A :class:`Deadline` from what ``validate`` accepts: one, a monotonic instant, or None."""
        if value is None or isinstance(value, Deadline):
            return value
        return cls(float(value))

    def passed(self) -> bool:
        return self.clock() >= self.at

    def check(self) -> None:
        """Raise :class:`ValidationTimeoutError` when the deadline has passed."""
        self.checks += 1
        if self.passed():
            raise ValidationTimeoutError(self.limit)


_CURRENT: ContextVar[Deadline | None] = ContextVar("mag_graph_validation_deadline", default=None)


@contextmanager
def running_until(deadline: Deadline | None) -> Iterator[None]:
    """Within this block, pySHACL's shapes check ``deadline`` (none: no limit)."""
    token = _CURRENT.set(deadline)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def check_current() -> None:
    """Check the deadline of the current run, if it has one."""
    deadline = _CURRENT.get()
    if deadline is not None:
        deadline.check()


def _checked_per_shape() -> None:
    """Wrap pySHACL's ``Shape.validate`` (pySHACL 0.40, see
    :mod:`~mag_graph.validation.pyshacl_patches`) so that every shape evaluation first
    checks the current run's deadline. Marked, so applying it twice does nothing."""
    from pyshacl.shape import Shape

    original = Shape.validate
    if getattr(original, "_checks_deadline", False):
        return

    def validate_shape(self: Any, *args: Any, **kwargs: Any) -> Any:
        check_current()
        return original(self, *args, **kwargs)

    validate_shape._checks_deadline = True  # type: ignore[attr-defined]
    # keep the mark of the patch underneath, so applying that one again does not wrap twice
    validate_shape._top_level_focus_only = getattr(original, "_top_level_focus_only", False)  # type: ignore[attr-defined]
    validate_shape.__wrapped__ = original  # type: ignore[attr-defined]
    Shape.validate = validate_shape  # type: ignore[method-assign]


_checked_per_shape()
