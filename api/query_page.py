"""The SPARQL page (``/query``): a form that works without JavaScript, example queries to
start from, the answer as a table. Registered on the pages blueprint (:data:`.pages.bp`),
so the endpoint stays ``pages.query``.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from flask import request
from rdflib import Graph
from rdflib.query import Result

from mag_graph import questions
from mag_graph.resources import resource_files
from mag_graph.sparql import format_by_name
from mag_graph.store import MagGraphError, QueryResult

from .i18n import t
from .pages import _page, bp, current_lang, sparql_service, store
from .question_pages import _cell, _message
from .runtime import public_visible_graphs
from .session import sees_drafts

# A SPARQL result page shows at most this many rows; the protocol endpoint gives all.
QUERY_ROW_LIMIT = 500

# Example queries for the SPARQL page, besides the shipped queries/*.rq files. They are
# fixed texts people can start from, not templates for user input.
EXAMPLE_QUERIES: tuple[tuple[str, dict[str, str], str], ...] = (
    (
        "klassen",
        {"nl": "Hoeveel bronnen per soort?", "en": "How many resources per type?"},
        ("SELECT ?type (COUNT(DISTINCT ?s) AS ?aantal) WHERE {\n"
        "  ?s a ?type .\n"
        "  FILTER(STRSTARTS(STR(?type), STR(mag:)))\n"
        "}\nGROUP BY ?type\nORDER BY DESC(?aantal)"),
    ),
    (
        "college-vaststellen",
        {"nl": "Wat doet het college van Hardinxveld-Giessendam in de fase Vaststellen?",
         "en": "What does the college of Hardinxveld-Giessendam do in the adoption phase?"},
        ("SELECT ?verantwoordelijkheid ?tekst ?raci WHERE {\n"
        "  ?verantwoordelijkheid a mag:Responsibility ;\n"
        "      mag:assignedTo <https://data.mag-graph.nl/id/orgaan/hg-college> ;\n"
        "      mag:phase magb:Vaststellen ;\n"
        "      mag:raciKind ?raci ;\n"
        "      rdfs:label ?tekst .\n"
        "  FILTER(lang(?tekst) = \"nl\")\n"
        "}\nORDER BY ?verantwoordelijkheid"),
    ),
    (
        "grafen",
        {"nl": "Welke grafen zijn illustratief?", "en": "Which graphs are illustrative?"},
        ("SELECT ?graaf ?titel ?illustratief WHERE {\n"
        "  GRAPH magg:catalogus {\n"
        "    ?graaf a mag:DataGraph ; mag:illustrative ?illustratief ; dcterms:title ?titel .\n"
        "    FILTER(lang(?titel) = \"nl\")\n"
        "  }\n"
        "}\nORDER BY ?graaf"),
    ),
)



# --------------------------------------------------------------------------- SPARQL page


def _in_lang(texts: Mapping[str, str] | None, lang: str) -> str:
    """One text of a ``{language: text}`` mapping: the page language, else Dutch, else any."""
    if not texts:
        return ""
    for key in (lang, "nl", "en", ""):
        if texts.get(key):
            return texts[key]
    return next(iter(texts.values()), "")


def _examples(lang: str) -> list[dict[str, str]]:
    """Queries to start from: a few small ones, every question's query (parameters left
    unbound, so they answer for all) and the other shipped ``queries/*.rq`` files."""
    found = [{"key": key, "title": _in_lang(title, lang), "query": text} for key, title, text in EXAMPLE_QUERIES]
    shipped = set()
    for q in questions.list_questions():
        found.append({"key": q.id, "title": f"{q.id}: {q.title(lang)}", "query": q.sparql})
        if q.path is not None:
            shipped.add(q.path.name)
    for path in resource_files("queries", "*.rq"):
        if path.name in shipped:
            continue
        text = path.read_text(encoding="utf-8")
        first = next((line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#")), path.stem)
        found.append({"key": path.stem, "title": first, "query": text})
    return found


@bp.route("/query", methods=["GET", "POST"])
def query() -> Any:
    """A SPARQL form that works without JavaScript: the form posts here and the answer
    comes back as a table (a second button sends the same query to /sparql)."""
    lang = current_lang()
    examples = _examples(lang)
    text = (request.form.get("query") if request.method == "POST" else request.args.get("query")) or ""
    example_key = request.args.get("voorbeeld") or request.args.get("example")
    if not text and example_key:
        text = next((e["query"] for e in examples if e["key"] == example_key), "")
    result = None
    error = None
    run = request.method == "POST" or bool(request.args.get("query"))
    if run and not text.strip():
        error = t("query_empty", lang)
    elif run:
        try:
            result = _query_table(_run_query(text), lang)
        except MagGraphError as exc:
            error = t("query_error", lang, message=_message(exc, lang))
    status = 400 if error else 200
    return _page("query.html", status, query=text, examples=examples, result=result, error=error,
                 active="query", title=t("query_title", lang))


def _run_query(text: str) -> QueryResult:
    """Run a read-only query: through the application's SPARQL service when it has one
    (the same timeout, size limits and cache as /sparql), else on the store directly."""
    service = sparql_service()
    if service is None:
        return store().query(text)
    outcome = service.query(text, results_format=format_by_name("json"), graph_format=format_by_name("ntriples"),
                            visible_graphs=None if sees_drafts() else public_visible_graphs())
    if outcome.kind == "graph":
        graph = Graph()
        graph.parse(data=outcome.data.decode("utf-8"), format="nt")
        return QueryResult(kind="graph", graph=graph)
    parsed = Result.parse(io.BytesIO(outcome.data), format="json")
    if outcome.kind == "ask":
        return QueryResult(kind="ask", boolean=bool(parsed.askAnswer))
    variables = tuple(str(v) for v in parsed.vars or ())
    rows = [tuple(row) for row in parsed]
    return QueryResult(kind="select", variables=variables, rows=rows)


def _query_table(result: Any, lang: str) -> dict[str, Any]:
    if result.kind == "ask":
        return {"kind": "ask", "boolean": bool(result.boolean)}
    if result.kind == "graph":
        triples = sorted(result.graph, key=lambda tr: tuple(str(x) for x in tr))
        rows = [[_cell(s), _cell(p), _cell(o)] for s, p, o in triples[:QUERY_ROW_LIMIT]]
        columns = [t("query_subject", lang), t("query_predicate", lang), t("query_object", lang)]
        return {"kind": "graph", "columns": columns, "rows": rows, "count": len(triples),
                "shown": len(rows)}
    rows = [[_cell(v) for v in row] for row in result.rows[:QUERY_ROW_LIMIT]]
    return {"kind": "select", "columns": list(result.variables), "rows": rows, "count": len(result.rows),
            "shown": len(rows)}



__all__ = ["query"]
