"""Talking to a remote store over HTTP: SPARQL 1.1 Protocol (query, update) and the
SPARQL 1.1 Graph Store HTTP Protocol, with the standard library's ``urllib``.

Every request has a timeout (:attr:`Endpoints.timeout`); what goes wrong ends as an
error of the store layer with a Dutch / English message, never as an ``urllib``
exception:

* cannot connect: :class:`~mag_graph.store.errors.StoreUnreachableError`;
* no answer in time: :class:`~mag_graph.store.errors.StoreTimeoutError`;
* HTTP 401/403: :class:`~mag_graph.store.errors.StoreAccessError`;
* a query or update the server cannot parse (HTTP 400 with a parser message):
  :class:`~mag_graph.store.errors.QuerySyntaxError`, other refusals and server errors
  :class:`~mag_graph.store.errors.QueryError`; a refused Graph Store write
  :class:`~mag_graph.store.errors.LoadError`.

Queries and updates are sent as HTML form posts (``query=`` / ``update=`` with
``default-graph-uri`` / ``named-graph-uri``), the one encoding every SPARQL server reads.
"""

from __future__ import annotations

import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPException, HTTPResponse
from typing import Any

from mag_graph.store.endpoints import ENV_PASSWORD, ENV_USER, Endpoints
from mag_graph.store.errors import (
    LoadError,
    MagGraphError,
    QueryError,
    QuerySyntaxError,
    StoreAccessError,
    StoreError,
    StoreTimeoutError,
    StoreUnreachableError,
)
from mag_graph.store.querytext import sparql_message

FORM = "application/x-www-form-urlencoded"
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"
# A query's form (SELECT/ASK or CONSTRUCT/DESCRIBE) is not known before it runs; the
# server picks the type that fits from this list.
QUERY_ACCEPT = f"{RESULTS_JSON}, {N_TRIPLES};q=0.9"

# A server's way of saying the SPARQL text does not parse.
_SYNTAX = re.compile(r"error at [0-9]+:[0-9]+|syntax error|parse error|parser error|SP030", re.IGNORECASE)
_MAX_MESSAGE = 300


class SparqlClient:
    """The HTTP requests of one remote store (see the module docstring for errors)."""

    def __init__(self, endpoints: Endpoints) -> None:
        self.endpoints = endpoints
        handlers: list[Any] = []
        if endpoints.user is not None:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in {endpoints.query_url, endpoints.update_url, endpoints.data_url}:
                passwords.add_password(None, url, endpoints.user, endpoints.password or "")
            handlers += [
                urllib.request.HTTPBasicAuthHandler(passwords),
                urllib.request.HTTPDigestAuthHandler(passwords),
            ]
        self._opener = urllib.request.build_opener(*handlers)

    # -- SPARQL 1.1 Protocol

    def query(
        self, text: str, *, line_offset: int = 0, params: list[tuple[str, str]] | None = None,
        accept: str = QUERY_ACCEPT, timeout: float | None = None,
    ) -> tuple[bytes, str]:
        """Run a query; the response body and its media type (without parameters).
        ``timeout``: seconds instead of the store URL's."""
        body = urllib.parse.urlencode([("query", text), *(params or [])]).encode("utf-8")
        response = self._send(
            "POST", self.endpoints.query_url, body=body, content_type=FORM, accept=accept,
            what="query", line_offset=line_offset, timeout=timeout,
        )
        with response:
            data = self._read(response, "query")
            return data, _media_type(response)

    def update(self, text: str, *, line_offset: int = 0) -> None:
        """Run an update request (one or more operations separated by ``;``)."""
        body = urllib.parse.urlencode([("update", text)]).encode("utf-8")
        response = self._send(
            "POST", self.endpoints.update_url, body=body, content_type=FORM, accept="*/*",
            what="update", line_offset=line_offset,
        )
        with response:
            self._read(response, "update")

    # -- Graph Store HTTP Protocol

    def graph_url(self, graph: str | None, *, dataset: bool = False) -> str:
        """The Graph Store URL of a named graph (an IRI), the default graph (``None``) or,
        with ``dataset``, the whole dataset (a backend extension, see
        :attr:`Backend.dataset_get`)."""
        base = self.endpoints.data_url
        sep = "&" if "?" in base else "?"
        if dataset:
            return base
        if graph is None:
            return f"{base}{sep}default"
        return f"{base}{sep}{urllib.parse.urlencode({'graph': graph})}"

    def graph_get(self, url: str, accept: str) -> HTTPResponse:
        """Open a Graph Store GET (the caller reads and closes the response); a graph the
        store does not hold raises :class:`GraphReadError` with code 404."""
        return self._send("GET", url, accept=accept, what="read")

    def graph_post(self, url: str, data: bytes, content_type: str) -> None:
        """Add statements to a graph (Graph Store POST)."""
        response = self._send("POST", url, body=data, content_type=content_type, accept="*/*", what="load")
        with response:
            self._read(response, "load")

    # -- plumbing

    def _send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        content_type: str | None = None,
        accept: str,
        what: str,
        line_offset: int = 0,
        timeout: float | None = None,
    ) -> HTTPResponse:
        headers = {"Accept": accept, "User-Agent": "mag-graph"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            return self._opener.open(request, timeout=timeout or self.endpoints.timeout)
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc, what, line_offset) from None
        except (urllib.error.URLError, OSError, HTTPException) as exc:
            raise self._connection_error(exc, timeout) from None

    def _read(self, response: HTTPResponse, what: str) -> bytes:
        try:
            return response.read()
        except (OSError, HTTPException) as exc:
            raise self._connection_error(exc) from None

    def _connection_error(self, exc: BaseException, timeout: float | None = None) -> StoreError:
        where = self.endpoints.location
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, (socket.timeout, TimeoutError)):
            seconds = f"{timeout or self.endpoints.timeout:g}"
            return StoreTimeoutError(
                f"de triplestore {where} antwoordde niet binnen {seconds} s",
                f"the triplestore {where} did not answer within {seconds} s",
            )
        return StoreUnreachableError(
            f"kan de triplestore {where} niet bereiken: {reason}",
            f"cannot reach the triplestore {where}: {reason}",
        )

    def _http_error(self, exc: urllib.error.HTTPError, what: str, line_offset: int) -> MagGraphError:
        try:
            text = exc.read().decode("utf-8", "replace").strip()
        except (OSError, HTTPException):
            text = ""
        finally:
            exc.close()
        code = exc.code
        where = self.endpoints.location
        if code in (401, 403):
            return StoreAccessError(
                f"de triplestore {where} weigert toegang (HTTP {code}); controleer ${ENV_USER} en ${ENV_PASSWORD}",
                f"the triplestore {where} refuses access (HTTP {code}); check ${ENV_USER} and ${ENV_PASSWORD}",
            )
        detail = _short(text) or exc.reason
        if what in ("query", "update") and code == 400 and _SYNTAX.search(text):
            return QuerySyntaxError(sparql_message(text, line_offset))
        if what in ("query", "update"):
            verb_nl, verb_en = ("query", "query") if what == "query" else ("update", "update")
            return QueryError(
                f"{verb_nl} mislukt (HTTP {code}): {detail}", f"{verb_en} failed (HTTP {code}): {detail}"
            )
        if what == "load":
            return LoadError(
                f"de triplestore weigerde de data (HTTP {code}): {detail}",
                f"the triplestore refused the data (HTTP {code}): {detail}",
            )
        return GraphReadError(code, detail)


class GraphReadError(StoreError):
    """A Graph Store read failed; ``code`` 404 means the graph is not there."""

    def __init__(self, code: int, detail: str) -> None:
        self.code = code
        super().__init__(
            f"lezen uit de triplestore mislukt (HTTP {code}): {detail}",
            f"reading from the triplestore failed (HTTP {code}): {detail}",
        )


def _media_type(response: HTTPResponse) -> str:
    return (response.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()


def _short(text: str) -> str:
    line = " ".join(text.split("SPARQL query:", 1)[0].split())  # Virtuoso echoes the query
    return line if len(line) <= _MAX_MESSAGE else line[: _MAX_MESSAGE - 3] + "..."
