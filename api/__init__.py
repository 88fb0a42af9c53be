"""The HTTP face of mag-graph: a Flask application factory and thin views over the core.

``create_app`` builds the application around one store: the SPARQL 1.1 Protocol and
Graph Store Protocol (:mod:`.sparql`), the ``/api/v1`` routes (:mod:`.v1`), the web pages
(:mod:`.pages`, when present) and the error handlers that answer every failure as a
problem document (:mod:`.problems`). Views only translate HTTP into calls of the core
(:class:`~mag_graph.sparql.SparqlService`, :mod:`mag_graph.questions`,
:mod:`mag_graph.validation`, :class:`~mag_graph.access.auth.AuthRegistry`); they never open the
store or write SPARQL.

Everything the views need lives in ``app.extensions["mag_graph"]`` (a :class:`MagGraph`,
with ``store``, ``service``, ``auth`` and ``settings``). Code in the server that writes to
the store outside the SPARQL service must call ``service.changed()`` afterwards, so
cached answers and the query processes' snapshots are renewed.

Every response carries ``API-Version`` (Logius API Design Rules); reads of ``/sparql``,
``/graph-store`` and ``/api/v1`` carry CORS headers for the configured origins.

May import: every core package of :mod:`mag_graph`; the core never imports this layer.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request

from mag_graph.access.auth import AuthRegistry
from mag_graph.sparql import (
    DEFAULT_CACHE_BYTES,
    DEFAULT_CACHE_ENTRIES,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    DEFAULT_TIMEOUT,
    SparqlService,
)
from mag_graph.store import Store, default_store_path

__all__ = ["API_VERSION", "SETTINGS", "MagGraph", "ResponseCache", "create_app", "mark_cacheable", "principal",
           "public_visible_graphs", "state", "visible_graphs"]

API_VERSION = "1.0.0"

# Every setting create_app() understands: name -> (default, what it does). Also the
# documentation of the settings (a test checks that each one is described here).
SETTINGS: dict[str, tuple[Any, str]] = {
    "MAG_GRAPH_STORE": (
        None,
        "Path of the on-disk store when create_app() is not given a store "
        "(default: $MAG_GRAPH_STORE or ./.mag-graph/store; ':memory:' for a throw-away store).",
    ),
    "MAG_GRAPH_AUTH": (
        None,
        "The credential registry: an AuthRegistry, or the path of its SQLite file "
        "(default: auth.sqlite next to the store directory; in memory for an in-memory store).",
    ),
    "MAG_GRAPH_QUERY_TIMEOUT": (
        DEFAULT_TIMEOUT,
        "Seconds a SPARQL query may run; on an on-disk store the query process is killed when it passes.",
    ),
    "MAG_GRAPH_MAX_RESULTS": (
        DEFAULT_MAX_ROWS,
        "Maximum rows (SELECT) or triples (CONSTRUCT/DESCRIBE) of one answer; larger answers are refused (422).",
    ),
    "MAG_GRAPH_MAX_RESULT_BYTES": (
        DEFAULT_MAX_BYTES,
        "Maximum size in bytes of one serialised answer; larger answers are refused (422).",
    ),
    "MAG_GRAPH_QUERY_WORKERS": (
        None,
        "Number of query processes for an on-disk store (default: the number of CPUs, 2 to 4); "
        "0 runs queries in the server process, without a hard timeout.",
    ),
    "MAG_GRAPH_CACHE_ENTRIES": (
        DEFAULT_CACHE_ENTRIES,
        "Answers kept in the result cache (emptied on every write); 0 turns the cache off.",
    ),
    "MAG_GRAPH_CACHE_BYTES": (DEFAULT_CACHE_BYTES, "Total bytes the result cache may hold."),
    "MAG_GRAPH_CORS_ORIGINS": (
        "*",
        "Origins allowed to read /sparql, /graph-store and /api/v1 from a browser: '*', "
        "a list of origins, or an empty list for none. Writes are never allowed cross-origin.",
    ),
    "MAG_GRAPH_CORS_EDIT_ORIGINS": (
        [],
        "Origins of a separate editing front end (forms) allowed to call the CMS routes of /api/v1 from "
        "a browser with an Authorization header and to write (POST, PUT, PATCH, DELETE); none by default. "
        "Never '*': list each origin.",
    ),
    "MAG_GRAPH_ALLOW_SERVICE": (
        False,
        "Allow federated queries (SERVICE). Off: the server would fetch any URL a query names.",
    ),
    "MAX_CONTENT_LENGTH": (
        64 * 1024 * 1024,
        "Flask's limit on request bodies in bytes (updates, Graph Store uploads); larger ones get 413.",
    ),
}


@dataclass
class MagGraph:
    """What the views share: the store, the SPARQL service over it, the credentials."""

    store: Store
    service: SparqlService
    auth: AuthRegistry
    settings: dict[str, Any] = field(default_factory=dict)
    owns_store: bool = False

    def close(self) -> None:
        """Stop the query processes (and close the store if the app opened it)."""
        self.service.close()
        if self.owns_store:
            self.store.close()


def state() -> MagGraph:
    """The :class:`MagGraph` of the application handling the current request."""
    return current_app.extensions["mag_graph"]  # type: ignore[no-any-return]


def principal() -> Any:
    """Who sends the current request (a :class:`~mag_graph.access.auth.Principal`), ``None`` when
    anonymous; wrong credentials raise (401), they never count as anonymous."""
    if "mag_graph_principal" not in g:
        g.mag_graph_principal = state().auth.authenticate(request.headers.get("Authorization"))
    return g.mag_graph_principal


def visible_graphs() -> list[str] | None:
    """The graphs the current caller may read (``None``: all). Anonymous callers and
    readers see adopted content only (docs/cms.md, "Graph layout and visibility")."""
    from mag_graph.cms import workflow
    if "mag_graph_visible" not in g:
        found = principal()
        role = found.role if found is not None else None
        g.mag_graph_visible = None if workflow.may(role, "editor") else public_visible_graphs()
    return g.mag_graph_visible  # type: ignore[no-any-return]


def public_visible_graphs() -> list[str] | None:
    """What anonymous callers may read (``None``: all, while nothing is private); the
    same for every reader until the next write, so kept in the result cache."""
    from mag_graph.cms import workflow
    service = state().service

    def compute() -> tuple[list[str] | None]:  # a tuple: the cache does not keep None
        graphs = workflow.visible_graphs(service.store, None)
        return (None if graphs is None else [str(x) for x in graphs],)

    (graphs,) = service.cached(("visible-graphs",), compute)
    return graphs  # type: ignore[no-any-return]


def _settings(config: Mapping[str, Any] | None) -> dict[str, Any]:
    values = {name: default for name, (default, _) in SETTINGS.items()}
    for key, value in (config or {}).items():
        if key.startswith("MAG_GRAPH_") and key not in SETTINGS:
            known = ", ".join(sorted(k for k in SETTINGS if k.startswith("MAG_GRAPH_")))
            raise ValueError(f"unknown setting {key} (known: {known})")
        values[key] = value
    return values


def _allow_service(setting: Any) -> bool | list[str]:
    """MAG_GRAPH_ALLOW_SERVICE: True (any endpoint), False, or a list of endpoint IRIs
    (prefixes) that federated queries may call."""
    if isinstance(setting, (list, tuple)):
        return [str(s) for s in setting]
    return bool(setting)


def create_app(store: Store | None = None, *, config: Mapping[str, Any] | None = None) -> Flask:
    """The mag-graph web application around ``store`` (opened from ``MAG_GRAPH_STORE``
    when not given). ``config``: the :data:`SETTINGS` and any Flask setting."""
    settings = _settings(config)
    edit_origins = _edit_origins(settings["MAG_GRAPH_CORS_EDIT_ORIGINS"])  # refuse '*' before opening anything
    owns = store is None
    if store is None:
        path = settings["MAG_GRAPH_STORE"] or os.environ.get("MAG_GRAPH_STORE") or str(default_store_path())
        store = Store.open(path, create=True)
    auth = settings["MAG_GRAPH_AUTH"]
    if auth is None:
        auth = AuthRegistry.for_store(store.location)
    elif not isinstance(auth, AuthRegistry):
        auth = AuthRegistry(auth)
    service = SparqlService(
        store,
        timeout=float(settings["MAG_GRAPH_QUERY_TIMEOUT"]),
        max_rows=int(settings["MAG_GRAPH_MAX_RESULTS"]),
        max_bytes=int(settings["MAG_GRAPH_MAX_RESULT_BYTES"]),
        workers=settings["MAG_GRAPH_QUERY_WORKERS"],
        cache_entries=int(settings["MAG_GRAPH_CACHE_ENTRIES"]),
        cache_bytes=int(settings["MAG_GRAPH_CACHE_BYTES"]),
        allow_service=_allow_service(settings["MAG_GRAPH_ALLOW_SERVICE"]),
    )

    app = Flask(__name__)
    app.config.update({k: v for k, v in settings.items() if not k.startswith("MAG_GRAPH_")})
    app.config.update({k: v for k, v in settings.items() if k.startswith("MAG_GRAPH_") and k != "MAG_GRAPH_AUTH"})
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["mag_graph"] = MagGraph(store, service, auth, settings, owns)

    from mag_graph.cms.content import Content

    from . import cms, problems, sparql, v1

    # The CMS of this store (one per store; made now, so a crashed write is recovered
    # and the search index is brought up to date before the first request). SPARQL
    # updates and Graph Store writes take the CMS's write lock, so they never interleave
    # with a CMS write that is being validated; queries in this process its read lock.
    content = Content.for_store(store)
    service.share_locks(content.writing(), content.reading())
    # Every committed CMS write renews the caches and the query processes' snapshot while
    # it still holds the write lock, so no reader sees the new state with old caches.
    content.add_listener(service.changed)

    problems.register(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(v1.bp)
    app.register_blueprint(cms.bp)
    if (Path(__file__).resolve().parent / "pages.py").exists():
        from .pages import bp as pages_bp

        app.register_blueprint(pages_bp)

    origins = settings["MAG_GRAPH_CORS_ORIGINS"]

    @app.after_request
    def _common_headers(response: Response) -> Response:
        response.headers["API-Version"] = API_VERSION
        if not _cors_for_editing(response, edit_origins):
            _cors(response, origins)
        return response

    app.wsgi_app = ResponseCache(app.wsgi_app, service, int(settings["MAG_GRAPH_CACHE_ENTRIES"]),  # type: ignore[method-assign]
                                 int(settings["MAG_GRAPH_CACHE_BYTES"]))
    return app


_CACHEABLE = "mag_graph.cacheable"
_CACHED_PATHS = ("/sparql", "/api/v1/questions/")


def mark_cacheable() -> None:
    """Let :class:`ResponseCache` keep the response to this GET until the next write
    (the view has checked the answer depends only on the request and the store)."""
    request.environ[_CACHEABLE] = True


class ResponseCache:
    """WSGI middleware that answers a repeated GET of ``/sparql`` or a question without
    running Flask: the whole response (status, headers, body) of a view that called
    :func:`mark_cacheable`, kept until the store's next write.

    Why a second cache next to the service's: on a cache hit the service answers in
    microseconds, but Flask's request handling around it costs ten times that, and this
    server should keep up with ``oxigraph serve`` on repeated questions. The key is
    everything the answer can depend on: path and query string, the Accept,
    Accept-Language and Origin headers, the day (questions default to "today") and the
    store generation.
    """

    def __init__(self, wsgi_app: Any, service: SparqlService, max_entries: int, max_bytes: int) -> None:
        from mag_graph.sparql import ResultCache

        self.wsgi_app = wsgi_app
        self.service = service
        self.cache = ResultCache(max_entries, max_bytes)
        self._generation = service.generation

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        # Authenticated requests may see more than anonymous ones (drafts): never cached here.
        if (environ.get("REQUEST_METHOD") != "GET" or not path.startswith(_CACHED_PATHS) or self.cache.max_entries <= 0
                or environ.get("HTTP_AUTHORIZATION")):
            return self.wsgi_app(environ, start_response)
        generation = self.service.generation
        if generation != self._generation:
            self.cache.invalidate()
            self._generation = generation
        key = (
            path,
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT", ""),
            environ.get("HTTP_ACCEPT_LANGUAGE", ""),
            environ.get("HTTP_ORIGIN", ""),
            time.strftime("%Y-%m-%d"),
        )
        hit = self.cache.get(key)
        if hit is not None:
            status, headers, body = hit
            start_response(status, list(headers))
            return [body]
        cache_generation = self.cache.generation
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        if not environ.get(_CACHEABLE) or not captured or not captured[0].startswith("200"):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if self.service.generation == generation:
            headers = tuple(
                (name, "mag-graph; hit" if name.lower() == "cache-status" else value) for name, value in captured[1]
            )
            self.cache.put(key, (captured[0], headers, body), len(body) + 512, cache_generation)
        return [body]


_CORS_PATHS = ("/sparql", "/graph-store", "/api/v1")


def _edit_origins(setting: Any) -> frozenset[str]:
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
