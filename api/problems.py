"""Errors as RFC 9457 ``application/problem+json``, Dutch first, never a traceback.

The Logius API Design Rules ask for problem details on every error. Views raise
:class:`Problem` (or let a :class:`~mag_graph.store.MagGraphError` from the core escape);
the handlers registered by :func:`register` turn those, werkzeug's HTTP errors and any
unforeseen exception into a problem document with ``type``, ``title``, ``status``,
``detail`` and ``instance``. Titles and details read "Nederlands / English", like the
messages of the CLI. Mistakes people can make are 4xx; only the unforeseen is a 500,
and its detail says nothing about the internals (the traceback goes to the log).

A browser that asks for a page outside the API (an unknown URL, say) gets a small
HTML page with the same words instead of JSON.
"""

from __future__ import annotations

import html
import json
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from mag_graph.access.auth import AuthError, InvalidCredentialsError
from mag_graph.questions import ParameterError, UnknownQuestionError
from mag_graph.sparql import (
    NotAcceptableError,
    QueryTimeoutError,
    ResultTooLargeError,
    ServiceNotAllowedError,
    UnsupportedMediaTypeError,
    negotiate,
)
from mag_graph.store import (
    InvalidIRIError,
    LoadError,
    MagGraphError,
    QueryError,
    QuerySyntaxError,
    StoreError,
    UnknownGraphError,
)
from mag_graph.validation import ValidationInputError, ValidationTimeoutError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://data.mag-graph.nl/def/problem/"

STATUS_TITLES: dict[int, tuple[str, str]] = {
    400: ("Ongeldig verzoek", "Bad Request"),
    401: ("Niet geauthenticeerd", "Unauthorized"),
    403: ("Geen toegang", "Forbidden"),
    404: ("Niet gevonden", "Not Found"),
    405: ("Methode niet toegestaan", "Method Not Allowed"),
    406: ("Niet aanvaardbaar", "Not Acceptable"),
    409: ("Conflict", "Conflict"),
    412: ("Voorwaarde niet vervuld", "Precondition Failed"),
    413: ("Verzoek te groot", "Content Too Large"),
    415: ("Mediatype niet ondersteund", "Unsupported Media Type"),
    422: ("Niet verwerkbaar", "Unprocessable Content"),
    428: ("Voorwaarde vereist", "Precondition Required"),
    429: ("Te veel verzoeken", "Too Many Requests"),
    500: ("Interne serverfout", "Internal Server Error"),
    503: ("Dienst niet beschikbaar", "Service Unavailable"),
}

# Details for werkzeug's own errors (routing, body size, methods), Dutch / English.
_STATUS_DETAILS: dict[int, tuple[str, str]] = {
    404: ("deze URL bestaat niet", "this URL does not exist"),
    405: ("deze methode is hier niet toegestaan", "this method is not allowed here"),
    413: ("de inhoud van het verzoek is te groot", "the request content is too large"),
    500: ("er ging iets mis op de server", "something went wrong on the server"),
}

WWW_AUTHENTICATE = ('Basic realm="mag-graph", charset="UTF-8"', 'Bearer realm="mag-graph"')
BEARER_ONLY = 'Bearer realm="mag-graph"'


def www_authenticate() -> tuple[str, ...] | str:
    """The challenge of a 401. Clients outside a browser (curl, SPARQLWrapper, scripts)
    are told that Basic and Bearer work. A browser page is told Bearer only: a Basic
    challenge makes a browser ask for a password and then send it with every later
    request to this server, also the ones another site's page makes it send (the
    workbench signs in through its own page instead). A request is from a browser page
    when it carries the ``Sec-Fetch-*`` headers every current browser sends, or asks for
    HTML first."""
    if request.headers.get("Sec-Fetch-Mode") or request.headers.get("Sec-Fetch-Dest"):
        return BEARER_ONLY
    accept = request.headers.get("Accept") or ""
    if "text/html" in accept and negotiate(accept, ("text/html", PROBLEM_JSON, "application/json")) == "text/html":
        return BEARER_ONLY
    return WWW_AUTHENTICATE


def title_for(status: int) -> str:
    nl, en = STATUS_TITLES.get(status, ("Fout", "Error"))
    return nl if nl == en else f"{nl} / {en}"


def _both(nl: str, en: str | None) -> str:
    return nl if not en or en == nl else f"{nl} / {en}"


class Problem(Exception):
    """An HTTP error a view wants to answer: status, Dutch and English detail, and
    optional extension members (e.g. ``invalidParams``) and headers."""

    def __init__(
        self,
        status: int,
        nl: str,
        en: str | None = None,
        *,
        type: str = "about:blank",
        headers: Mapping[str, str | tuple[str, ...]] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(_both(nl, en))
        self.status = status
        self.detail = _both(nl, en)
        self.texts = (nl, en or nl)
        self.type = type
        self.headers = dict(headers or {})
        self.extensions = extensions


def problem_response(
    status: int,
    detail: str,
    *,
    type: str = "about:blank",
    headers: Mapping[str, str | tuple[str, ...]] | None = None,
    texts: tuple[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """The problem document, or for a browser outside the API an HTML page: the site's
    error page (in the page language, from ``texts``: Dutch and English) when the app
    has the pages (:data:`ERROR_PAGE`), else a small plain one."""
    body: dict[str, Any] = {
        "type": type,
        "title": title_for(status),
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    body.update(extensions)
    renderer = current_app.extensions.get(ERROR_PAGE) if _wants_html() else None
    if renderer is not None:
        response = Response(renderer(status, texts or (detail, detail)), status=status, mimetype="text/html")
    elif _wants_html():
        page = (
            "<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(body['title'])}</title></head><body>"
            f"<h1>{status} {html.escape(body['title'])}</h1><p>{html.escape(detail)}</p>"
            "<p><a href=\"/\">mag-graph</a></p></body></html>"
        )
        response = Response(page, status=status, mimetype="text/html")
    else:
        response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            response.headers.add(name, item)
    response.vary.add("Accept")
    return response


_API_PATHS = ("/api/", "/sparql", "/graph-store")
# The key in ``app.extensions`` of the function that renders the site's error page,
# ``(status, (dutch, english)) -> html`` (registered by the pages blueprint).
ERROR_PAGE = "mag_graph_error_page"
_ERROR_MEDIA_TYPES = ("application/json", PROBLEM_JSON, "text/html")


def _wants_html() -> bool:
    if request.path.startswith(_API_PATHS):
        return False
    return negotiate(request.headers.get("Accept"), _ERROR_MEDIA_TYPES) == "text/html"


# Errors of the core outside the CMS (whose errors carry their own ``status``): the
# status and problem type each answers with, most specific class first.
_CORE_STATUSES: tuple[tuple[type[BaseException], int, str], ...] = (
    (UnknownQuestionError, 404, PROBLEM_BASE + "unknown-question"),
    (ParameterError, 400, PROBLEM_BASE + "invalid-parameter"),
    (ResultTooLargeError, 422, PROBLEM_BASE + "result-too-large"),
    (QuerySyntaxError, 400, PROBLEM_BASE + "invalid-query"),
    (ServiceNotAllowedError, 400, PROBLEM_BASE + "federation-disabled"),
    (NotAcceptableError, 406, "about:blank"),
    (UnsupportedMediaTypeError, 415, "about:blank"),
    (UnknownGraphError, 404, PROBLEM_BASE + "unknown-graph"),
    (InvalidCredentialsError, 401, PROBLEM_BASE + "invalid-credentials"),
    (StoreError, 503, PROBLEM_BASE + "store-unavailable"),
    (ValidationTimeoutError, 503, PROBLEM_BASE + "validation-timeout"),
    (LoadError, 400, PROBLEM_BASE + "invalid-rdf"),
    (ValidationInputError, 400, PROBLEM_BASE + "invalid-parameter"),
    (InvalidIRIError, 400, "about:blank"),
    (QueryError, 400, "about:blank"),
    (AuthError, 400, "about:blank"),
)


def _status_of(exc: BaseException) -> tuple[int, str]:
    """HTTP status and problem type for an error of the core."""
    if isinstance(exc, QueryTimeoutError):
        return 503, PROBLEM_BASE + ("service-busy" if exc.busy else "query-timeout")
    for kind, status, type_ in _CORE_STATUSES:
        if isinstance(exc, kind):
            return status, type_
    return 400, "about:blank"


def status_for(error: type[BaseException]) -> int:
    """The status an error of this class is answered with (for the OpenAPI document):
    its own ``status`` (the CMS's errors), else the one the handlers give it."""
    own = getattr(error, "status", None)
    if isinstance(own, int):
        return own
    if issubclass(error, QueryTimeoutError):
        return 503
    return next((status for kind, status, _ in _CORE_STATUSES if issubclass(error, kind)), 400)


def raises(*errors: type[BaseException] | int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a helper with the errors (classes of the core, or statuses) it can raise
    through calls that reading its source cannot follow (into the core); the OpenAPI
    document (:mod:`.openapi`) of every route whose view calls the helper lists them."""

    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__openapi_raises__ = tuple(errors)  # type: ignore[attr-defined]
        return fn

    return mark


def statuses_of(errors: Iterable[type[BaseException] | int]) -> set[int]:
    """The statuses errors of these classes (or these statuses) are answered with."""
    return {e if isinstance(e, int) else status_for(e) for e in errors}


def retry_after(exc: ValidationTimeoutError) -> str:
    """``Retry-After`` of a validation that ran out of time: its limit, rounded up (at
    least a second); a busy server may have room by then."""
    return str(max(1, math.ceil(exc.limit or 1)))


def error_response(exc: MagGraphError) -> Response:
    """The problem document of an error of the core: 406 and 415 list what is
    ``acceptable``, a 401 says how to authenticate, a wrong parameter is named in
    ``invalidParams``. Every face answers a core error through this function."""
    status, kind = _status_of(exc)
    extensions: dict[str, Any] = {}
    headers: dict[str, str | tuple[str, ...]] = {}
    parameter = getattr(exc, "parameter", None)
    if parameter:
        extensions["invalidParams"] = [{"name": parameter, "reason": str(exc)}]
    if status == 401:
        headers["WWW-Authenticate"] = www_authenticate()
    if isinstance(exc, NotAcceptableError):
        extensions["acceptable"] = exc.offers
    if isinstance(exc, UnsupportedMediaTypeError):
        extensions["acceptable"] = exc.accepted
    if isinstance(exc, ValidationTimeoutError):
        headers["Retry-After"] = retry_after(exc)
        if exc.limit is not None:
            extensions["limit"] = exc.limit
    return problem_response(status, str(exc), type=kind, headers=headers, **extensions)


def register(app: Flask) -> None:
    """Install the handlers that make every error a problem document."""

    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return problem_response(exc.status, exc.detail, type=exc.type, headers=exc.headers, texts=exc.texts,
                                **exc.extensions)

    @app.errorhandler(MagGraphError)
    def _core_error(exc: MagGraphError) -> Response:
        return error_response(exc)

    @app.errorhandler(ValidationInputError)
    def _validation_input(exc: ValidationInputError) -> Response:
        return problem_response(400, str(exc), type=PROBLEM_BASE + "invalid-parameter")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        nl, en = _STATUS_DETAILS.get(status, ("", ""))
        detail = _both(nl, en) if nl else (exc.description or title_for(status))
        headers: dict[str, str | tuple[str, ...]] = {}
        if status == 405 and getattr(exc, "valid_methods", None):
            headers["Allow"] = ", ".join(exc.valid_methods or [])
        return problem_response(status, detail, headers=headers, texts=(nl, en) if nl else None)

    @app.errorhandler(Exception)
    def _unforeseen(exc: Exception) -> Response:
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return _http_error(exc)
        log.exception("unforeseen error on %s %s", request.method, request.path)
        nl, en = _STATUS_DETAILS[500]
        return problem_response(500, _both(nl, en))
