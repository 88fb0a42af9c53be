"""No cross-site writes: a state-changing request (POST, PUT, PATCH, DELETE) to
``/sparql``, ``/graph-store`` or ``/api/v1`` that a browser sends for a page of another
site is refused with 403 before any view runs.

A browser says where a request comes from: ``Origin`` on every POST, PUT, PATCH and
DELETE (and on cross-origin fetches), and ``Sec-Fetch-Site`` (``same-origin``,
``same-site``, ``cross-site``, ``none``) in every current browser. A write is allowed
when

* it names no origin at all (no ``Origin``, no ``Sec-Fetch-Site``): not a browser page
  but a client such as curl, SPARQLWrapper or the command line, which sends credentials
  only on purpose; SPARQL 1.1 Protocol updates as ``application/x-www-form-urlencoded``
  keep working for them;
* or its ``Origin`` is the server's own (scheme and host as the request reached the
  application: behind a trusted proxy, its ``X-Forwarded-Proto/Host``), or, for
  ``/api/v1`` only, one of ``MAG_GRAPH_CORS_EDIT_ORIGINS`` (a separate editing front
  end), and ``Sec-Fetch-Site`` is not ``cross-site`` unless that origin is listed.

Everything else, ``Origin: null`` included (sandboxed frames, ``file:`` pages), is a 403
problem. This is what stops a page elsewhere from using a browser's cached Basic
credentials: an HTML form (``enctype`` form-urlencoded, multipart or ``text/plain``)
always carries ``Origin`` and ``Sec-Fetch-Site: cross-site``. Reads stay open as the
CORS settings say (:mod:`.headers`).
"""

from __future__ import annotations

from flask import Flask, request

from .problems import Problem

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_GUARDED = ("/sparql", "/graph-store", "/api/v1/")


def own_origin() -> str:
    """The origin of this server as the current request reached it."""
    return request.host_url.rstrip("/")


def install(app: Flask, edit_origins: frozenset[str]) -> None:
    """Refuse cross-site writes on every request of ``app`` (see the module docstring)."""

    @app.before_request
    def _refuse_cross_site_writes() -> None:
        if request.method not in STATE_CHANGING or not request.path.startswith(_GUARDED):
            return
        origin = request.headers.get("Origin")
        site = (request.headers.get("Sec-Fetch-Site") or "").strip().lower()
        if origin is None and not site:
            return  # not sent for a browser page
        listed = request.path.startswith("/api/v1/") and origin is not None and origin.rstrip("/") in edit_origins
        own = origin is not None and origin.rstrip("/") == own_origin()
        if origin is None:
            allowed = site in ("same-origin", "none")
        else:
            allowed = listed or (own and site in ("", "same-origin", "none"))
        if not allowed:
            shown = origin if origin is not None else f"Sec-Fetch-Site: {site}"
            raise Problem(
                403,
                f"schrijven vanaf een andere site ({shown}) wordt geweigerd; gebruik de API vanaf deze site, "
                "een ingestelde redactie-origin of een client zonder browser",
                f"writing from another site ({shown}) is refused; use the API from this site, "
                "a configured editing origin or a client outside a browser",
                type="https://data.mag-graph.nl/def/problem/cross-site-write",
            )
