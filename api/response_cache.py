"""Whole responses kept until the store's next write: :class:`ResponseCache`, the WSGI
middleware that answers a repeated GET of ``/sparql`` or a question without running
Flask, and :func:`mark_cacheable`, with which a view lets it keep its response.
"""

from __future__ import annotations

import time
from typing import Any

from flask import request

from mag_graph.sparql import ResultCache, SparqlService

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
        # Another process may have written a shared (remote) store: its generation is read
        # first (at most once a second), or a cached response would outlive that write.
        self.service.check_generation()
        generation = self.service.generation
        if generation != self._generation:
            self.cache.invalidate()
            self._generation = generation
        key = (
            environ.get("wsgi.url_scheme", ""),  # answers hold absolute URLs (behind a proxy: https)
            environ.get("HTTP_HOST", ""),
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
