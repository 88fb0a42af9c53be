"""Headers every response carries, set after each view: ``API-Version`` (Logius API
Design Rules) and CORS, for reads of ``/sparql``, ``/graph-store`` and ``/api/v1`` by the
configured origins and for a separate editing front end on ``/api/v1``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request

API_VERSION = "1.0.0"


def install(app: Flask, origins: Any, editors: frozenset[str]) -> None:
    """Set ``API-Version`` and the CORS headers on every response of ``app``
    (``origins``: MAG_GRAPH_CORS_ORIGINS; ``editors``: from :func:`editing_origins`)."""

    @app.after_request
    def _common_headers(response: Response) -> Response:
        response.headers["API-Version"] = API_VERSION
        if not _cors_for_editing(response, editors):
            _cors(response, origins)
        return response


_CORS_PATHS = ("/sparql", "/graph-store", "/api/v1")


def editing_origins(setting: Any) -> frozenset[str]:
    values = [setting] if isinstance(setting, str) else list(setting or [])
    if any(v.strip() == "*" for v in values):
        raise ValueError("MAG_GRAPH_CORS_EDIT_ORIGINS: list each origin; '*' would let any site edit with a user's credentials")
    return frozenset(v.strip().rstrip("/") for v in values if v.strip())


_EDIT_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
_EDIT_HEADERS = "Accept, Accept-Language, Authorization, Content-Type, If-Match, If-None-Match"
_EDIT_EXPOSED = "API-Version, Content-Length, ETag, Location, X-Revision, X-Workflow-State"


def _cors_for_editing(response: Response, edit_origins: frozenset[str]) -> bool:
    """CORS for a separate editing front end: an origin listed in
    MAG_GRAPH_CORS_EDIT_ORIGINS may call /api/v1 (reads and writes) with an
    Authorization header. True when it applied (the read-only rule is then not needed)."""
    if not edit_origins or not request.path.startswith("/api/v1"):
        return False
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin is None or origin.rstrip("/") not in edit_origins:
        return False
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = _EDIT_EXPOSED
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = _EDIT_METHODS
        response.headers["Access-Control-Allow-Headers"] = _EDIT_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
    return True


def _cors(response: Response, origins: Any) -> None:
    """CORS for reads only: GET, HEAD and their preflight. A browser on another origin
    can query but never send credentials or write (no POST/PUT/DELETE, no Authorization)."""
    if request.method not in ("GET", "HEAD", "OPTIONS") or not request.path.startswith(_CORS_PATHS):
        return
    if origins == "*" or origins == ["*"]:
        allow = "*"
    else:
        origin = request.headers.get("Origin")
        allowed = [origins] if isinstance(origins, str) else list(origins or [])
        response.vary.add("Origin")
        if origin is None or origin not in allowed:
            return
        allow = origin
    response.headers["Access-Control-Allow-Origin"] = allow
    response.headers["Access-Control-Expose-Headers"] = "API-Version, Cache-Status, Content-Length, Location"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Accept-Language"
        response.headers["Access-Control-Max-Age"] = "86400"
