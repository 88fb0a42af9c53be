"""The question pages (``/vragen``, ``/vragen/{id}``): the catalogue, one question's form
and its answer as a table with CSV and JSON downloads; and the table cells the SPARQL page
(:mod:`.query_page`) shares. Registered on the pages blueprint (:data:`.pages.bp`), so
the endpoints stay ``pages.questions`` and ``pages.question``.

Parameters that name a resource (an actor, a partnership, a project) are asked by name:
the form has a name field with the reference picker, and :mod:`.names` turns the name
into the resource (or says "niet gevonden" with suggestions); nobody types an IRI.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Response, redirect, request, url_for
from rdflib import BNode, URIRef

from mag_graph import questions
from mag_graph.questions import describe
from mag_graph.store import GraphStore, MagGraphError

from . import names
from .i18n import LANGUAGES, STRINGS, t
from .pages import (
    _error_page,
    _known,
    _lang_args,
    _message,
    _page,
    _problem,
    bp,
    current_lang,
    resource_href,
    store,
)


def _parameter_view(graph_store: GraphStore, parameter: Any, lang: str) -> dict[str, Any] | None:
    """A form field for one declared parameter; ``None`` for the ``lang`` parameter,
    which follows the page language instead of asking for it twice."""
    if parameter.name == "lang" and parameter.type == "language":
        return None
    default = parameter.default or ""
    choices: list[tuple[str, str]] = []
    if parameter.type == "municipality":
        choices = [(code or iri, label) for iri, label, code in describe.municipalities(graph_store, lang)]
    elif parameter.type == "concept" and parameter.scheme:
        choices = describe.concepts(graph_store, parameter.scheme, lang)
    elif parameter.type == "language":
        choices = [(code, code) for code in LANGUAGES]
    if parameter.type == "date" and default.lower() in ("today", "vandaag"):
        default = dt.date.today().isoformat()
    required = not parameter.optional and parameter.default is None
    input_type = {"date": "date", "integer": "number"}.get(parameter.type, "text")
    hint_key = f"question_hint_{parameter.type}"
    by_name = parameter.type == "iri"  # a resource: asked by its name, with the picker
    return {
        "name": parameter.name,
        "by_name": by_name,
        "types": names.PARAMETER_TYPES.get(parameter.name, ()) if by_name else (),
        "label": parameter.label(lang),
        "type": input_type,
        "required": required,
        "optional": parameter.optional,
        "default": default,
        "default_label": (names.label_of(graph_store, default, lang) if by_name
                          else dict(choices).get(default, default)),
        "choices": choices,
        "min": parameter.minimum,
        "max": parameter.maximum,
        "hint": t(hint_key, lang) if hint_key in STRINGS else "",
    }


@bp.get("/questions", endpoint="questions")
@bp.get("/vragen", endpoint="questions")
def questions_page() -> Any:
    """The question catalogue."""
    lang = current_lang()
    items = [
        {"id": q.id, "title": q.title(lang), "description": q.description(lang)}
        for q in questions.list_questions()
    ]
    return _page("questions.html", questions=items, active="questions", title=t("questions_title", lang))


@bp.get("/questions/<qid>")
@bp.get("/vragen/<qid>")
def question(qid: str) -> Any:
    """One question: its form (GET, so answers can be bookmarked and shared), and once
    submitted the answer as a table with CSV and JSON downloads of the same answer."""
    lang = current_lang()
    try:
        found = questions.get_question(qid)
    except questions.UnknownQuestionError:
        return _error_page(404, t("question_unknown", lang, id=qid))
    if found.id != qid:  # q1, rolmatrix, ... -> the canonical address
        return redirect(url_for("pages.question", qid=found.id, **request.args.to_dict()), code=301)
    graph_store = store()
    fields = [f for p in found.params if (f := _parameter_view(graph_store, p, lang)) is not None]
    keys = {f["name"] for f in fields}
    given = {n: request.args.get(n, "").strip() for n in keys if request.args.get(n, "").strip()}
    submitted = "vraag" in request.args or bool(given)
    form = {f["name"]: given.get(f["name"], "" if submitted else f["default"]) for f in fields}
    unresolved = _resolve_names(graph_store, found.id, fields, given, form, lang)

    answer = None
    error = None
    fmt = request.args.get("format", "").lower()
    if unresolved and (submitted or fmt):
        nl = " ".join(names.problem_text(f["resolution"], f["label"], "nl") for f in unresolved)
        en = " ".join(names.problem_text(f["resolution"], f["label"], "en") for f in unresolved)
        if fmt in ("csv", "json"):
            return _problem(400, nl, en)
        error = nl if lang == "nl" else en
    elif submitted or fmt:
        failure: MagGraphError | None = None
        try:
            answer = questions.ask(graph_store, found.id, given, lang=lang)
        except MagGraphError as exc:
            failure = exc
            error = _message(exc, lang)
        if fmt in ("csv", "json"):
            if failure is not None:
                return _problem(400, failure.nl, failure.en)
            return _download(answer, found.id, fmt)
    table = None
    downloads = None
    if answer is not None:
        table = _answer_table(answer)
        base = {**_lang_args(), **given, "vraag": "1"}
        downloads = {
            "csv": url_for("pages.question", qid=found.id, **base, format="csv"),
            "json": url_for("pages.question", qid=found.id, **base, format="json"),
        }
    view = {"id": found.id, "title": found.title(lang), "description": found.description(lang)}
    return _page("question.html", 400 if error else 200, question=view, fields=fields, form=form,
                 table=table, error=error, downloads=downloads, active="questions", title=view["title"])


def _resolve_names(graph_store: GraphStore, qid: str, fields: list[dict[str, Any]], given: dict[str, str],
                   form: dict[str, str], lang: str) -> list[dict[str, Any]]:
    """Turn the names typed in the name fields into the resources they name: ``given``
    gets the resource's address (what the question binds), the form shows its name. A
    field that names nothing, or several things, gets its resolution (suggestions or
    candidates, each a link that asks again with that one) and is returned."""
    unresolved = []
    for f in fields:
        if not f["by_name"]:
            continue
        text = given.get(f["name"])
        if text is None:
            form[f["name"]] = names.label_of(graph_store, form[f["name"]], lang) if form[f["name"]] else ""
            continue
        resolution = names.resolve(graph_store, text, f["types"], lang)
        if resolution.iri is not None:
            given[f["name"]] = describe.resource_path(resolution.iri) or resolution.iri
            form[f["name"]] = resolution.label
            continue
        options = resolution.candidates or resolution.suggestions
        f["resolution"] = resolution
        f["options"] = [dict(item, ask=url_for("pages.question", qid=qid, **{
            **_lang_args(), **given, f["name"]: describe.resource_path(item["id"]) or item["id"], "vraag": "1"}))
            for item in options]
        f["problem"] = names.problem_text(resolution, f["label"], lang)
        unresolved.append(f)
    return unresolved


def _download(answer: questions.Answer, qid: str, fmt: str) -> Response:
    if fmt == "csv":
        response = Response(answer.to_csv(), mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    else:
        body = json.dumps(answer.to_json(), ensure_ascii=False, indent=2)
        response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{qid}.{fmt}"'
    return response


def _answer_table(answer: questions.Answer) -> dict[str, Any]:
    """The answer's columns (a variable and its label folded into one) as printable,
    linkable cells."""
    rows = [[_cell(row[c].value, row[c].label) for c in answer.columns] for row in answer.rows]
    return {
        "columns": [(c, answer.column_label(c)) for c in answer.columns],
        "rows": rows,
        "count": len(answer.rows),
    }


def _cell(value: Any, label: Any = None) -> dict[str, Any]:
    text = str(label) if label not in (None, "") else None
    if value is None:
        return {"text": text or "", "href": None, "iri": None}
    if isinstance(value, URIRef):
        iri = str(value)
        href = resource_href(iri) if _known(iri) else (iri if iri.startswith(("http://", "https://")) else None)
        return {"text": text or describe.curie(iri), "href": href, "iri": iri}
    if isinstance(value, BNode):
        return {"text": text or "_:" + str(value), "href": None, "iri": None}
    return {"text": text or str(value), "href": None, "iri": None}



__all__ = ["question", "questions_page"]
