"""``/api/v1``: the governance questions, validation and the OpenAPI description.

Logius API Design Rules: the major version in the path, lower-case kebab-case paths
without a trailing slash, camelCase query keys, problem+json errors, an ``API-Version``
header (set for every response by the app factory) and the OpenAPI 3 document at
``/api/v1/openapi.json``, open to everyone and to every origin.

The views call :mod:`mag_graph.questions` and :mod:`mag_graph.validation`; answers are
kept in the service's result cache until the next write (with today's date in the key,
since "today" is a default of several questions).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    has_app_context,
    has_request_context,
    jsonify,
    request,
    url_for,
)

from mag_graph import questions, validation
from mag_graph.cms import workflow
from mag_graph.questions import ParameterError, UnknownQuestionError
from mag_graph.validation import ValidationInputError, ValidationTimeoutError

from . import checking, cms, working_copies
from .headers import API_VERSION
from .i18n import request_language
from .openapi import Operations, error_responses, negotiated
from .problems import Problem
from .response_cache import mark_cacheable
from .runtime import state, visible_graphs

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
operations = Operations(bp)

JSON = "application/json"
CSV = "text/csv"


def _single_values(ignore: tuple[str, ...] = ()) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in request.args:
        if key in ignore:
            continue
        values = request.args.getlist(key)
        if len(values) > 1:
            raise Problem(400, f"parameter {key} mag maar één keer voorkomen", f"parameter {key} may occur only once",
                          invalidParams=[{"name": key, "reason": "repeated"}])
        out[key] = values[0]
    return out


def contact() -> dict[str, str]:
    """The OpenAPI document's info.contact (Logius ADR /core/doc-openapi-contact): whoever
    runs this service, by the settings MAG_GRAPH_CONTACT_NAME, _URL and _EMAIL (or the
    environment variables of those names). Without them: the name mag-graph, this
    service's home page, and no e-mail address rather than a made-up one."""
    config = current_app.config if has_app_context() else {}
    found = {key: config.get(f"MAG_GRAPH_CONTACT_{key.upper()}") or os.environ.get(f"MAG_GRAPH_CONTACT_{key.upper()}")
             for key in ("name", "url", "email")}
    out = {"name": found["name"] or "mag-graph"}
    url = found["url"] or (request.host_url if has_request_context() else None)
    if url:
        out["url"] = url
    if found["email"]:
        out["email"] = found["email"]
    return out


# --------------------------------------------------------------------------- questions


@operations.route("/questions", id="listQuestions", tags=["vragen"],
                  summary="Alle vragen met hun parameters / every question with its parameters",
                  description=("De catalogus van bestuurlijke vragen (Q1-Q18): titel en beschrijving in het Nederlands en "
                               "Engels, getypeerde parameters met standaardwaarden, kolommen en de link naar het antwoord. / "
                               "The catalogue of governance questions: titles and descriptions in Dutch and English, "
                               "typed parameters with defaults, columns and the link to the answer."),
                  responses={200: {"description": "De catalogus / the catalogue"}},
                  produces=(JSON,), schema={"$ref": "#/components/schemas/QuestionList"})
def list_questions() -> Response:
    items = []
    for q in questions.list_questions():
        item = q.to_json()
        item["href"] = url_for("api_v1.answer_question", question_id=q.id, _external=True)
        items.append(item)
    return jsonify({"questions": items})


@operations.route(
    "/questions/<question_id>", id="answerQuestion", tags=["vragen"],
    summary="Het antwoord op één vraag / the answer to one question",
    description=(
        "Elke andere query-parameter is een parameter van de vraag (zie listQuestions). / "
        "Every other query key is a parameter of the question (see listQuestions). "
        "JSON gives each value with its IRI and its label; CSV (Accept: text/csv) gives "
        "the raw columns, IRIs and labels side by side."
    ),
    parameters=[
        {
            "name": "questionId",
            "in": "path",
            "required": True,
            "description": "Id (q01), nummer (1) of slug (rolmatrix) / id, number or slug",
            "schema": {"type": "string"},
        },
        {
            "name": "parameters",
            "in": "query",
            "required": False,
            "description": "De parameters van de vraag, bijvoorbeeld municipality=maassluis / the question's parameters",
            "style": "form",
            "explode": True,
            "schema": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    ],
    responses={200: {"description": "Het antwoord / the answer"}},
    produces=(JSON, CSV),
    media_schemas={JSON: {"$ref": "#/components/schemas/Answer"}, CSV: {"type": "string"}},
    raises=(UnknownQuestionError, ParameterError),
    negotiation="answer",
)
def answer_question(question_id: str) -> Response:
    question = questions.get_question(question_id)  # 404 problem when unknown
    media = negotiated()
    lang = request_language(strict=True)
    params = _single_values(ignore=("lang",))  # ask() gives a question's own lang parameter this lang
    service = state().service
    restricted = visible_graphs() is not None  # anonymous callers and readers: adopted content only
    name = "csv" if media == CSV else "json"
    key = ("question", question.id, tuple(sorted(params.items())), lang, name, dt.date.today().isoformat(), restricted)

    def compute() -> bytes:
        answer = questions.ask(workflow.PublicView(service.store) if restricted else service.store, question.id, params, lang=lang)
        if media == CSV:
            return answer.to_csv().encode("utf-8")
        return json.dumps(answer.to_json(), ensure_ascii=False).encode("utf-8")

    data = service.cached(key, compute, size=len)
    mark_cacheable()
    response = Response(data, status=200, content_type="text/csv; charset=utf-8" if media == CSV else JSON)
    response.headers["Content-Language"] = lang
    return response


# --------------------------------------------------------------------------- validation

_VALIDATION_KEYS = ("date", "lang", "rule", "municipality")


@operations.route(
    "/validation", id="validate", tags=["validatie"],
    summary="Valideer de graaf tegen de regels / validate the graph against the rules",
    description="Hetzelfde rapport als `mag-graph validate --format json` / the same report.",
    parameters=[
        {
            "name": "date",
            "in": "query",
            "required": False,
            "description": "Peildatum voor tijdgebonden regels (standaard vandaag) / reference date (default today)",
            "schema": {"type": "string", "format": "date"},
        },
        {
            "name": "rule",
            "in": "query",
            "required": False,
            "description": "Alleen deze regel(s), herhaalbaar of kommagescheiden / only these rules (R01..R28)",
            "style": "form",
            "explode": True,
            "schema": {"type": "array", "items": {"type": "string", "pattern": "^R[0-9]{2}$"}},
        },
        {
            "name": "municipality",
            "in": "query",
            "required": False,
            "description": ("Het hele rolmodel van één gemeente (bronnen en illustratief samen) / one municipality's "
                            "whole role model: slug, CBS code or name"),
            "schema": {"type": "string", "example": "hardinxveld-giessendam"},
        },
    ],
    responses={200: {"description": "Het validatierapport / the validation report"}},
    produces=(JSON,), schema={"$ref": "#/components/schemas/ValidationReport"},
    raises=(ValidationInputError, ValidationTimeoutError),
)
def validation_report() -> Response:
    unknown = sorted(set(request.args) - set(_VALIDATION_KEYS))
    if unknown:
        raise Problem(400, f"onbekende parameter(s): {', '.join(unknown)} (bekend: {', '.join(_VALIDATION_KEYS)})",
                      f"unknown parameter(s): {', '.join(unknown)} (known: {', '.join(_VALIDATION_KEYS)})",
                      invalidParams=[{"name": k, "reason": "unknown"} for k in unknown])
    date_text = request.args.get("date")
    reference: dt.date | None = None
    if date_text:
        try:
            reference = dt.date.fromisoformat(date_text.strip())
        except ValueError:
            raise Problem(400, f"ongeldige datum {date_text!r}; gebruik JJJJ-MM-DD", f"invalid date {date_text!r}; use YYYY-MM-DD",
                          invalidParams=[{"name": "date", "reason": "YYYY-MM-DD"}]) from None
    lang = request_language(strict=True)
    rules = [r.strip() for value in request.args.getlist("rule") for r in value.split(",") if r.strip()]
    service = state().service
    effective = reference or dt.date.today()
    restricted = visible_graphs() is not None  # the report of what anonymous callers may see
    municipality = (request.args.get("municipality") or "").strip() or None
    key = ("validation", effective.isoformat(), lang, tuple(rules), restricted, municipality)

    def compute() -> bytes:  # a timed-out run raises (503) and is not cached
        deadline = checking.request_deadline()
        data = workflow.public_copy(service.store) if restricted else service.store
        report = validation.validate(data, date=effective, lang=lang, rules=rules or None, municipality=municipality,
                                     deadline=deadline)
        return json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")

    data = service.cached(key, compute, size=len)
    response = Response(data, status=200, content_type=JSON)
    response.headers["Content-Language"] = lang
    return response


# --------------------------------------------------------------------------- OpenAPI


@operations.route("/openapi.json", id="openApi", tags=["api"], summary="Deze beschrijving / this description",
                  description=("Het OpenAPI 3-document van /api/v1, gemaakt uit de routedeclaraties; voor iedereen en "
                               "elke origin. / The OpenAPI 3 document of /api/v1, made from the route declarations; "
                               "open to everyone and every origin."),
                  responses={200: {"description": "OpenAPI 3.0"}}, produces=(JSON,), schema={"type": "object"},
                  public=True)
def openapi() -> Response:
    document = openapi_document()
    return Response(json.dumps(document, ensure_ascii=False, indent=2), status=200, content_type=JSON)


def openapi_document(server_url: str = "/api/v1") -> dict[str, Any]:
    """The OpenAPI 3.0 description of every ``/api/v1`` route, made from the route
    definitions of this module and of :mod:`.cms` (see :mod:`.openapi`); the question
    ids are filled in from the catalogue. The server URL is relative (to the host that
    serves the document), so it is right behind any proxy and on http and https alike."""
    registries = (operations, cms.operations, checking.operations, working_copies.operations)
    paths: dict[str, dict[str, Any]] = {}
    for registry in registries:
        for path, item in registry.paths().items():
            paths.setdefault(path, {}).update(item)
    ids = [q.id for q in questions.list_questions()]
    for parameter in paths["/questions/{questionId}"]["get"]["parameters"]:
        if parameter["name"] == "questionId":
            parameter["schema"] = {"type": "string", "example": ids[0] if ids else "q01"}
            parameter["examples"] = {qid: {"value": qid} for qid in ids}
    document = _base_document(server_url)
    document["paths"] = paths
    components = document["components"]
    components["responses"] = error_responses(s for registry in registries for s in registry.statuses())
    components["schemas"].update(cms.operations.schemas)
    components["securitySchemes"] = {
        "basic": {"type": "http", "scheme": "basic", "description": "Gebruiker en wachtwoord of token / user and password or token"},
        "bearer": {"type": "http", "scheme": "bearer", "description": "API-token van mag-graph users token / API token"},
    }
    return document


def _base_document(server_url: str) -> dict[str, Any]:
    """What the OpenAPI document says besides the paths: the API, its tags, the shared
    headers and the schemas of the questions and the validation report."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "mag-graph API",
            "version": API_VERSION,
            "description": (
                "Wie is verantwoordelijk voor wat? Vragen over de rolverdeling van gemeenten en "
                "validatie tegen de regels. / Who is responsible for what? Questions about the "
                "division of roles of municipalities, and validation against the rules. The SPARQL "
                "1.1 endpoint (/sparql) and Graph Store (/graph-store) are described by their "
                "Service Description, not here."
            ),
            "contact": contact(),
            "license": {"name": "EUPL-1.2", "url": "https://interoperable-europe.ec.europa.eu/collection/eupl/eupl-text-eupl-12"},
        },
        "servers": [{"url": server_url}],
        "tags": [
            {"name": "vragen", "description": "Bestuurlijke vragen / governance questions"},
            {"name": "validatie", "description": "Validatie tegen de regels / validation against the rules"},
            {"name": "api", "description": "Beschrijving van de API / API description"},
            {"name": "cms", "description": "De graaf bewerken: inhoudstypen, historie, workflow, zoeken / "
                                           "editing the graph: content types, history, workflow, search"},
        ],
        "components": {
            "headers": {
                "API-Version": {
                    "description": "De volledige versie van de API / the full version of the API",
                    "schema": {"type": "string", "example": API_VERSION},
                }
            },
            "schemas": {
                "Problem": {
                    "type": "object",
                    "description": "RFC 9457 problem details; title and detail in Dutch, then English",
                    "required": ["type", "title", "status"],
                    "properties": {
                        "type": {"type": "string", "format": "uri-reference"},
                        "title": {"type": "string"},
                        "status": {"type": "integer", "minimum": 400, "maximum": 599},
                        "detail": {"type": "string"},
                        "instance": {"type": "string", "format": "uri-reference"},
                        "invalidParams": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"name": {"type": "string"}, "reason": {"type": "string"}},
                            },
                        },
                    },
                },
                "Texts": {
                    "type": "object",
                    "description": "Tekst per taal / text per language",
                    "properties": {"nl": {"type": "string"}, "en": {"type": "string"}},
                },
                "Parameter": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "type": {"type": "string", "enum": list(questions.PARAMETER_TYPES)},
                        "default": {"type": "string", "nullable": True},
                        "optional": {"type": "boolean"},
                        "label": {"$ref": "#/components/schemas/Texts"},
                        "min": {"type": "integer"},
                        "max": {"type": "integer"},
                        "scheme": {"type": "string", "format": "uri"},
                    },
                },
                "Question": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "example": "q01"},
                        "number": {"type": "integer"},
                        "slug": {"type": "string"},
                        "title": {"$ref": "#/components/schemas/Texts"},
                        "description": {"$ref": "#/components/schemas/Texts"},
                        "parameters": {"type": "array", "items": {"$ref": "#/components/schemas/Parameter"}},
                        "columns": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"name": {"type": "string"}, "label": {"$ref": "#/components/schemas/Texts"}},
                            },
                        },
                        "href": {"type": "string", "format": "uri"},
                    },
                },
                "QuestionList": {
                    "type": "object",
                    "properties": {"questions": {"type": "array", "items": {"$ref": "#/components/schemas/Question"}}},
                },
                "Term": {
                    "type": "object",
                    "description": "Een waarde: IRI of literal, met label / a value with its label",
                    "nullable": True,
                    "required": ["value", "type"],
                    "properties": {
                        "value": {"type": "string"},
                        "type": {"type": "string", "enum": ["iri", "bnode", "literal"]},
                        "lang": {"type": "string"},
                        "datatype": {"type": "string", "format": "uri"},
                        "label": {"type": "string"},
                    },
                },
                "Answer": {
                    "type": "object",
                    "properties": {
                        "question": {"$ref": "#/components/schemas/Question"},
                        "language": {"type": "string", "enum": ["nl", "en"]},
                        "parameters": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Term"}},
                        "columns": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"name": {"type": "string"}, "label": {"$ref": "#/components/schemas/Texts"}},
                            },
                        },
                        "rows": {
                            "type": "array",
                            "items": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Term"}},
                        },
                    },
                },
                "ValidationResult": {
                    "type": "object",
                    "properties": {
                        "rule": {"type": "string", "nullable": True, "example": "R15"},
                        "severity": {"type": "string", "enum": ["Violation", "Warning", "Info"]},
                        "focusNode": {"type": "string"},
                        "focusLabel": {"type": "string"},
                        "path": {"type": "string", "nullable": True},
                        "value": {"type": "string", "nullable": True},
                        "sourceShape": {"type": "string"},
                        "message": {"type": "string"},
                        "actors": {"type": "array", "items": {"type": "string"},
                                   "description": "De actoren aan wie toegewezen is waar de bevinding over gaat / "
                                                  "the actors assigned to what the finding concerns"},
                        "actorLabels": {"type": "array", "items": {"type": "string"}},
                        "sheet": {"type": "string", "description": "Blad van een gecontroleerd rekenblad / sheet of a checked spreadsheet"},
                        "row": {"type": "integer", "description": "Rij daarin / its row"},
                    },
                },
                "ValidationReport": {
                    "type": "object",
                    "required": ["conforms", "date", "results"],
                    "properties": {
                        "conforms": {"type": "boolean"},
                        "date": {"type": "string", "format": "date"},
                        "results": {"type": "array", "items": {"$ref": "#/components/schemas/ValidationResult"}},
                    },
                },
            },
        },
    }
