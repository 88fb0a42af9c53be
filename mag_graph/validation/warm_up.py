"""Warming up validation in the background, so the first CMS write after a start does
not wait for it.

The first validated write of a process used to take tens of seconds: the analysis of
what every shape reads (:func:`mag_graph.validation.shape_reads._reads_index`), the
targets of every shape (:func:`mag_graph.validation.engine._target_index`) and the
prepared shapes graph are computed on first use and then cached for the process. The
web application starts :func:`start` at ``create_app`` (a daemon thread, so it never
holds up a shutdown); a write that comes in meanwhile waits for the warm-up instead of
computing the same analysis a second time on the same two cores.

:func:`state` tells whether it ran (for the tests and for ``/api/v1/health``-like
checks): started, finished, seconds, error.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any

from rdflib import URIRef
from rdflib.namespace import RDFS

from mag_graph.store import MEMORY, Store

__all__ = ["start", "state", "wait", "warm_up"]

log = logging.getLogger(__name__)

_LOCK = threading.Lock()  # one warm-up at a time; writes wait on it (wait())
_STATE: dict[str, Any] = {"started": None, "finished": None, "seconds": None, "error": None, "date": None, "runs": 0}
_PROBE = URIRef("https://data.mag-graph.nl/id/opwarmen/probe")


def warm_up(date: dt.date | None = None) -> dict[str, Any]:
    """Compute what validation caches for the process, for the reference date ``date``
    (today when ``None``, as the CMS's writes use): the shapes' reads and targets, and one
    validation of a tiny store (pySHACL's first run). Returns :func:`state`."""
    _LOCK.acquire()
    return _run(date)


def _run(date: dt.date | None) -> dict[str, Any]:
    """The warm-up itself, with :data:`_LOCK` held by the caller; releases it."""
    from mag_graph.validation.engine import _target_index, validate
    from mag_graph.validation.impact import affected_by
    from mag_graph.validation.shape_reads import _reads_index

    reference_date = date or dt.date.today()
    try:
        _STATE.update(started=time.time(), finished=None, error=None, date=reference_date.isoformat())
        began = time.perf_counter()
        try:
            _target_index(reference_date, None)
            _reads_index(reference_date, None)
            with Store.open(MEMORY) as probe:
                affected_by(probe, [(_PROBE, RDFS.label, _PROBE)], date=reference_date)
                validate(probe, date=reference_date, focus_nodes={_PROBE})
        except Exception as exc:  # a background thread: the first write computes it instead
            log.exception("validatie opwarmen mislukt / warming up validation failed")
            _STATE["error"] = repr(exc)
        _STATE.update(finished=time.time(), seconds=round(time.perf_counter() - began, 3), runs=_STATE["runs"] + 1)
    finally:
        _LOCK.release()
    return state()


def start(date: dt.date | None = None) -> threading.Thread:
    """:func:`warm_up` in a daemon thread; returns the thread (join it to wait)."""
    _LOCK.acquire()  # taken here, so a write right after start() already waits for it
    _STATE["started"] = time.time()
    thread = threading.Thread(target=_run, args=(date,), name="mag-graph-warm-up", daemon=True)
    try:
        thread.start()
    except BaseException:
        _LOCK.release()
        raise
    return thread


def wait(timeout: float | None = None) -> bool:
    """Wait until a running warm-up is done (a write calls this before validating, so it
    does not compute the same analysis at the same time). True when none is running."""
    acquired = _LOCK.acquire(timeout=-1 if timeout is None else timeout)
    if acquired:
        _LOCK.release()
    return acquired


def state() -> dict[str, Any]:
    """What the warm-up did: when it started and finished, how long it took, its error."""
    return dict(_STATE)
