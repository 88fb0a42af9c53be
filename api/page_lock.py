"""The pages read under the CMS's read lock, for the whole request.

A CMS write applies its change to the store itself, validates it and undoes it when it
is refused or only checked (a dry run, "Controleren, niet opslaan"; an editor's working
copy is checked that way too): docs/cms.md, "Every write validated, atomically". The API
reads hold the CMS's read lock and ``/sparql`` reads a snapshot taken between writes,
so neither ever sees such a change. The pages read the store in this process; without
the lock a page rendered during those milliseconds could show a change nobody saved,
an editor's unreviewed text on a public page. So every page request (GET/HEAD of the
page blueprints) holds the read lock from before the view to the end of the request:
it sees the store between writes, never during one.

Not locked for the whole request: the API and ``/sparql`` (they do it themselves), and
the pages that hand their work to a background job or a query process and wait for it
(``/validatie``, the sheet checker, ``/query``): holding the lock while waiting would
hold up every write for as long as the job runs. Those take the lock themselves for
what they read in the request (:func:`reading`: the municipalities of the form), and a
validation of the store reads :func:`committed_store`: a view of the query snapshot
(the state of the last commit, read without holding up writes), or, without query
processes, the store under the read lock. So no page shows a change nobody saved.
The cost is measured in ``python -m benchmarks workbench`` (page reads during writes).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from flask import Flask, current_app, g, request

from mag_graph.sparql.views import open_view

_PAGE_BLUEPRINTS = frozenset({"pages", "names", "definitions", "workbench", "review", "review_lists", "login"})
_NOT_LOCKED = frozenset({"pages.validation", "pages.query", "pages.static"})


def install(app: Flask, content: Any) -> None:
    """Make every page request of ``app`` hold ``content.reading()`` (the CMS's read lock)."""
    app.extensions["mag_graph_page_lock"] = content

    @app.before_request
    def _take_read_lock() -> None:
        if request.method not in ("GET", "HEAD") or request.blueprint not in _PAGE_BLUEPRINTS:
            return
        if request.endpoint in _NOT_LOCKED:
            return
        held = content.reading()
        held.__enter__()
        g.mag_graph_page_lock = held

    @app.teardown_request
    def _release_read_lock(exc: BaseException | None = None) -> None:
        held = g.pop("mag_graph_page_lock", None)
        if held is not None:
            held.__exit__(None, None, None)


def reading() -> Any:
    """The read lock of the current application's CMS (a context manager; it does
    nothing in an application without one)."""
    content = current_app.extensions.get("mag_graph_page_lock")
    return content.reading() if content is not None else contextlib.nullcontext()


@contextlib.contextmanager
def committed_store(service: Any, lock: Any) -> Iterator[Any]:
    """The store as the last commit left it, for a long read (a validation) that must
    not see a write half-way nor hold up writes: a read-only view of the query snapshot
    (made now if a write's snapshot is still pending), closed afterwards. Without query
    processes (``--workers 0``, an in-memory or remote store) the store itself, with
    ``lock`` (:func:`reading`, taken in the request: this may run in a background
    thread) held throughout. Not to be entered holding the read lock."""
    view = open_view(service.store.location) if service.settle_snapshot() else None
    if view is None:
        with lock:
            yield service.store
        return
    try:
        yield view
    finally:
        view.close()


__all__ = ["committed_store", "install", "reading"]
