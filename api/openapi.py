"""The OpenAPI description made from the route definitions, so a route and its
documentation cannot drift apart.

A face declares each route once with :meth:`Operations.route`: path, method, operation
id, summary, parameters, request body, the success responses and the media types they
come in. That one declaration registers the Flask view and describes the operation.
What is not declared is derived:

- the error statuses: from what the view can raise, read from its source and from the
  helpers of this package it calls (``raise Problem(404, ...)``, ``raise
  NotAcceptableError(...)``, helpers marked with :func:`~.problems.raises`), plus the errors of the
  core it lets escape (``raises=``, their status as the error handlers answer them);
- the ``lang`` parameter and ``Vary: Accept-Language``: when the view asks for the
  language (:func:`~.i18n.request_language`);
- 406 and ``Vary: Accept``: when the operation has more than one representation, which
  the view picks with :func:`negotiated` from exactly the media types documented;
- the security requirement: when the view asks for a role (:func:`~.runtime.require_role`).

:func:`undocumented_status` tells whether an answer of a registered route has a status
its operation does not document; the test suite checks every answer it sees with it.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import FunctionType, ModuleType
from typing import Any

from flask import Blueprint, Response, g, make_response, redirect, request, url_for

from mag_graph.sparql import NotAcceptableError, negotiate

from .i18n import request_language
from .problems import (
    PROBLEM_JSON,
    STATUS_TITLES,
    Problem,
    status_for,
    statuses_of,
    title_for,
)
from .runtime import require_role

_PACKAGE = __name__.rsplit(".", 1)[0]
BASIC_AND_BEARER: list[dict[str, list[str]]] = [{"basic": []}, {"bearer": []}]


@dataclass
class Operation:
    """One route of a face, as declared and as derived from its view."""

    rule: str  # the Flask rule below the blueprint's prefix, e.g. "/<collection>/<ref>"
    method: str
    view: Callable[..., Any]
    operation_id: str
    summary: str
    tags: tuple[str, ...]
    description: str | None = None
    parameters: list[dict[str, Any]] = field(default_factory=list)
    request_body: dict[str, Any] | None = None
    responses: dict[int, dict[str, Any]] = field(default_factory=dict)
    produces: tuple[str, ...] = ()
    schema: dict[str, Any] | None = None  # of the body in every produced media type ...
    media_schemas: dict[str, dict[str, Any]] = field(default_factory=dict)  # ... unless given here
    raises: tuple[type[BaseException] | int, ...] = ()
    etag: bool = False
    public: bool = False  # security: [] (open to everyone, stated explicitly)
    negotiation: str = "resource"  # what a 406 calls the representation

    @property
    def path(self) -> str:
        """The OpenAPI path (``{camelCase}`` parameters) below the prefix."""
        return openapi_path(self.rule)

    @functools.cached_property
    def _reach(self) -> tuple[frozenset[int], frozenset[Callable[..., Any]]]:
        statuses, reached = _reached_from(self.view)
        return frozenset(statuses), frozenset(reached)

    @property
    def uses_language(self) -> bool:
        return request_language in self._reach[1]

    @property
    def needs_role(self) -> bool:
        return require_role in self._reach[1]

    @property
    def negotiated(self) -> bool:
        return len(self.produces) > 1

    @property
    def error_statuses(self) -> list[int]:
        found = set(self._reach[0]) | statuses_of(self.raises) | {500}
        if self.negotiated:
            found.add(406)
        if self.uses_language:
            found.add(400)
        return sorted(found)

    @property
    def statuses(self) -> list[int]:
        """Every status the operation documents."""
        return sorted({*self.responses, *self.error_statuses})

    def to_openapi(self) -> dict[str, Any]:
        operation: dict[str, Any] = {"operationId": self.operation_id, "tags": list(self.tags), "summary": self.summary}
        if self.description:
            operation["description"] = self.description
        parameters = self._parameters()
        if parameters:
            operation["parameters"] = parameters
        if self.request_body is not None:
            operation["requestBody"] = self.request_body
        responses: dict[str, Any] = {}
        version = {"API-Version": {"$ref": "#/components/headers/API-Version"}}
        for status, declared in sorted(self.responses.items()):
            response = dict(declared)
            if "content" not in response and self.produces and status not in (204, 304):
                response["content"] = {media: self._media_object(media) for media in self.produces}
            headers = dict(version)
            if self.etag and status in (200, 201):
                headers["ETag"] = {"description": "Versie van de bron / version of the resource", "schema": {"type": "string"}}
            response["headers"] = {**headers, **response.get("headers", {})}
            responses[str(status)] = response
        for status in self.error_statuses:
            responses[str(status)] = {"$ref": f"#/components/responses/{response_name(status)}"}
        operation["responses"] = responses
        if self.public:
            operation["security"] = []
        elif self.needs_role:
            operation["security"] = BASIC_AND_BEARER
        return operation

    def _media_object(self, media: str) -> dict[str, Any]:
        schema = self.media_schemas.get(media, self.schema)
        return {"schema": schema} if schema else {}

    def _parameters(self) -> list[dict[str, Any]]:
        """The path parameters in the order of the path (declared, or plain strings),
        then the other declared parameters, then ``lang`` when the view asks for it."""
        declared = {(p["name"], p["in"]): p for p in self.parameters}
        found = [
            declared.get((name, "path"), {"name": name, "in": "path", "required": True, "schema": {"type": "string"}})
            for name in re.findall(r"{(\w+)}", self.path)
        ]
        found += [p for p in self.parameters if p["in"] != "path"]
        if self.uses_language and ("lang", "query") not in declared:
            found.append(LANG_PARAMETER)
        return found


LANG_PARAMETER: dict[str, Any] = {
    "name": "lang",
    "in": "query",
    "required": False,
    "description": "Taal van labels en meldingen / language of labels and messages (default: Accept-Language, else nl).",
    "schema": {"type": "string", "enum": ["nl", "en"]},
}


def openapi_path(rule: str) -> str:
    """``/<collection>/<question_id>`` as ``/{collection}/{questionId}``."""

    def name(match: re.Match[str]) -> str:
        raw = match.group(1).rsplit(":", 1)[-1]
        return "{" + re.sub(r"_([a-z])", lambda m: m.group(1).upper(), raw) + "}"

    return re.sub(r"<([^>]+)>", name, rule)


class Operations:
    """The documented routes of one blueprint."""

    def __init__(self, blueprint: Blueprint) -> None:
        self.blueprint = blueprint
        self.operations: list[Operation] = []
        self.schemas: dict[str, Any] = {}
        self.moved: dict[str, str] = {}  # an old rule -> the endpoint of the route that replaced it

    def route(self, rule: str, method: str = "GET", *, id: str, summary: str, tags: Sequence[str],
              **details: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register the decorated view for ``method`` on ``rule`` and describe it (see
        :class:`Operation` for ``details``). The success ``responses`` map a status to an
        OpenAPI response; ``produces`` are the media types of the body (more than one:
        the view picks one with :func:`negotiated`)."""

        def register(view: Callable[..., Any]) -> Callable[..., Any]:
            operation = Operation(rule, method.upper(), view, id, summary, tuple(tags), **details)
            self.operations.append(operation)

            @functools.wraps(view)
            def answer(**values: Any) -> Response:
                g.mag_graph_operation = operation
                response = make_response(view(**values))
                if operation.negotiated:
                    response.vary.add("Accept")
                if operation.uses_language:
                    response.vary.add("Accept-Language")
                return response

            self.blueprint.add_url_rule(rule, view.__name__, answer, methods=[method.upper()])
            return view

        return register

    def redirect(self, rule: str, endpoint: str) -> None:
        """Keep an old path of a renamed route working: GET and HEAD on ``rule`` answer a
        permanent redirect (308) to the route of ``endpoint`` (a view of this blueprint),
        with the query string. The old path is no operation of the OpenAPI document, which
        describes the current paths only."""
        target = f"{self.blueprint.name}.{endpoint}"

        def moved(**values: Any) -> Response:
            location = url_for(target, **values)
            if request.query_string:
                location += "?" + request.query_string.decode("latin-1")
            return redirect(location, 308)

        self.blueprint.add_url_rule(rule, f"moved_{endpoint}", moved, methods=["GET"])
        self.moved[rule] = endpoint

    def paths(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for operation in self.operations:
            found.setdefault(operation.path, {})[operation.method.lower()] = operation.to_openapi()
        return found

    def statuses(self) -> set[int]:
        return {s for operation in self.operations for s in operation.error_statuses}

    def find(self, endpoint: str, method: str) -> Operation | None:
        name = endpoint.split(".", 1)[-1] if endpoint.startswith(self.blueprint.name + ".") else None
        if name is None:
            return None
        method = "GET" if method == "HEAD" else method
        return next((o for o in self.operations if o.view.__name__ == name and o.method == method), None)


def negotiated() -> str:
    """The media type the current request gets, among those its operation documents
    (the one content negotiation, :func:`mag_graph.sparql.negotiate`); none acceptable
    is a 406 that lists them."""
    operation: Operation = g.mag_graph_operation
    chosen = negotiate(request.headers.get("Accept"), operation.produces)
    if chosen is None:
        raise NotAcceptableError(operation.negotiation, operation.produces)
    return chosen


def response_name(status: int) -> str:
    """``404`` -> ``NotFound``: the name of the shared response of an error status."""
    english = STATUS_TITLES.get(status, ("", f"Status {status}"))[1]
    return re.sub(r"[^A-Za-z0-9]", "", english.title())


# What some shared error responses mean, beyond their title.
_ERROR_DETAILS = {
    503: ("De query of validatie duurde te lang (problem type query-timeout, service-busy of validation-timeout). "
          "Bij validation-timeout staat de limiet in `limit` en het aantal seconden waarna opnieuw proberen zin heeft "
          "in Retry-After; een wijziging (schrijven via de CMS-API) is dan geweigerd en niets ervan is opgeslagen "
          "(MAG_GRAPH_VALIDATION_TIMEOUT, serve --validation-timeout). / The query or validation took too long "
          "(problem type query-timeout, service-busy or validation-timeout). With validation-timeout, `limit` gives "
          "the limit and Retry-After the seconds after which trying again makes sense; a write (through the CMS "
          "API) was then refused and nothing of it was stored."),
}
_ERROR_HEADERS = {
    503: {"Retry-After": {"description": "Seconden / seconds (validation-timeout)", "schema": {"type": "integer"}}},
}


def error_responses(statuses: Iterable[int]) -> dict[str, Any]:
    """``components.responses`` for the error statuses: problem documents."""
    return {
        response_name(status): {
            "description": title_for(status) + (f". {_ERROR_DETAILS[status]}" if status in _ERROR_DETAILS else ""),
            "headers": {"API-Version": {"$ref": "#/components/headers/API-Version"}, **_ERROR_HEADERS.get(status, {})},
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in sorted(set(statuses))
    }


def undocumented_status(registries: Iterable[Operations], endpoint: str | None, method: str, status: int) -> str | None:
    """Why an answer breaks its documentation (``None`` when it does not, or when the
    route is not a documented one)."""
    if endpoint is None or method == "OPTIONS":
        return None
    for registry in registries:
        operation = registry.find(endpoint, method)
        if operation is not None:
            if status in operation.statuses:
                return None
            return f"{method} {operation.rule} ({operation.operation_id}) answered {status}, which it does not document"
    return None


# --------------------------------------------------------------------------- reading views


def _resolve(node: ast.expr, namespace: dict[str, Any]) -> Any:
    """What a name or dotted name in a function's source stands for (``None``: unknown)."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, namespace)
        if isinstance(owner, (ModuleType, type)):
            return getattr(owner, node.attr, None)
    return None


def _reached_from(fn: Callable[..., Any], seen: set[Callable[..., Any]] | None = None) -> tuple[set[int], set[Callable[..., Any]]]:
    """The statuses ``fn`` can raise and the functions of this package it calls, followed
    through those functions. Raises of :class:`Problem` with a literal status, raises of
    error classes, and helpers marked with :func:`~.problems.raises` count."""
    seen = set() if seen is None else seen
    fn = inspect.unwrap(fn)
    if fn in seen:
        return set(), set()
    seen.add(fn)
    statuses = statuses_of(getattr(fn, "__openapi_raises__", ()))
    reached: set[Callable[..., Any]] = {fn}
    if not isinstance(fn, FunctionType) or not fn.__module__.startswith(_PACKAGE):
        return statuses, reached
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError):  # no source (an install without .py files): the declarations only
        return statuses, reached
    definition = tree.body[0]
    body = definition.body if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)) else [definition]
    namespace = fn.__globals__
    for node in (n for statement in body for n in ast.walk(statement)):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            error = _resolve(node.exc.func, namespace)
            if error is Problem:
                first = node.exc.args[0] if node.exc.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, int):
                    statuses.add(first.value)
            elif isinstance(error, type) and issubclass(error, BaseException):
                statuses.add(status_for(error))
        elif isinstance(node, ast.Call):
            called = _resolve(node.func, namespace)
            if callable(called) and (hasattr(called, "__openapi_raises__") or isinstance(called, FunctionType)):
                more, also = _reached_from(called, seen)
                statuses |= more
                reached |= also
    return statuses, reached
