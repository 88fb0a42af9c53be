"""The SPARQL 1.1 Protocol at ``/sparql`` and the Graph Store Protocol at ``/graph-store``.

Only HTTP is handled here: which parameter holds the query, which media type the client
accepts, whether the credential may write. Running queries, limits, the cache and the
graph operations are :class:`~mag_graph.sparql.SparqlService`'s.

``/sparql``
    Query: ``GET ?query=``, ``POST`` form-encoded (``query=``) or ``POST``
    ``application/sparql-query``; ``default-graph-uri`` / ``named-graph-uri`` set the
    dataset. Answer by ``Accept`` (q-values count) or a ``format`` (or ``output``)
    parameter for browsers. ``GET`` without a query: the Service Description.
    Update: ``POST`` form-encoded (``update=``) or ``application/sparql-update``, with a
    credential of the ``admin`` role (it bypasses the CMS's validation, history and
    workflow; editors write through ``/api/v1``); 204 on success.

``/graph-store`` (indirect graph identification, ``?graph=IRI`` or ``?default``)
    ``GET``/``HEAD`` a graph (without a parameter: the whole dataset as TriG/N-Quads),
    ``PUT`` replaces, ``POST`` adds, ``DELETE`` drops; writes need the ``admin`` role.
    A named graph exists after a PUT or POST even when the body held no statements
    (``sd:EmptyGraphs``); a POST may be ``multipart/form-data`` with one RDF document per
    part; a POST of a graph to ``/graph-store`` itself creates a new graph (IRI under
    ``magg:graph-store/``) and answers 201 with its ``Location``.
    ``/graph-store`` is a service of its own next to ``/sparql`` (as the protocol's
    examples have it); the Service Description points to it.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, Response, request, url_for

from mag_graph.sparql import (
    DATASET_FORMATS,
    GRAPH_FORMATS,
    RESULT_FORMATS,
    Format,
    NotAcceptableError,
    formats_for_parameter,
    input_format,
    negotiate,
)

from .problems import Problem
from .response_cache import mark_cacheable
from .runtime import require_role, state, visible_graphs

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
MULTIPART = "multipart/form-data"


# --------------------------------------------------------------------------- helpers


def _single(values: Sequence[str], name: str) -> str | None:
    if len(values) > 1:
        raise Problem(400, f"parameter {name} mag maar één keer voorkomen", f"parameter {name} may occur only once",
                      invalidParams=[{"name": name, "reason": "repeated"}])
    return values[0] if values else None


def _body_text() -> str:
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    try:
        return request.get_data().decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise Problem(400, f"de inhoud is geen geldige {charset}-tekst", f"the content is not valid {charset} text") from None


def _formats() -> tuple[Format | None, Format | None]:
    """The (results, graph) formats the client asks for: ``format``/``output`` first
    (for browsers, and what SPARQLWrapper sends), else the Accept header."""
    requested = request.args.get("format") or request.args.get("output")
    if request.mimetype == FORM and not requested:
        requested = request.form.get("format") or request.form.get("output")
    if requested:
        try:
            return formats_for_parameter(requested)
        except KeyError:
            names = "json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml"
            raise Problem(400, f"onbekend formaat {requested!r} (bekend: {names})", f"unknown format {requested!r} (known: {names})",
                          invalidParams=[{"name": "format", "reason": "unknown"}]) from None
    accept = request.headers.get("Accept")
    return negotiate(accept, RESULT_FORMATS), negotiate(accept, GRAPH_FORMATS)


def _answer_query(sparql: str, default_graphs: list[str], named_graphs: list[str]) -> Response:
    if not sparql.strip():
        raise Problem(400, "de query is leeg", "the query is empty", type="https://data.mag-graph.nl/def/problem/invalid-query")
    results_format, graph_format = _formats()
    if results_format is None and graph_format is None:
        raise NotAcceptableError("select", [f.media_type for f in (*RESULT_FORMATS, *GRAPH_FORMATS)])
    # Either protocol parameter defines the whole dataset (the other part is then empty).
    dataset_given = bool(default_graphs or named_graphs)
    outcome = state().service.query(
        sparql,
        results_format=results_format,
        graph_format=graph_format,
        default_graphs=default_graphs if dataset_given else None,
        named_graphs=named_graphs if dataset_given else None,
        visible_graphs=visible_graphs(),
    )
    response = Response(outcome.data, status=200, content_type=outcome.media_type)
    if outcome.cacheable:
        response.headers["Cache-Status"] = "mag-graph; hit" if outcome.cached else "mag-graph; fwd=miss"
        if request.method == "GET":
            mark_cacheable()
    else:
        response.headers["Cache-Status"] = "mag-graph; fwd=bypass"
    response.vary.add("Accept")
    response.vary.add("Authorization")
    return response


def _answer_update(sparql: str, using: Sequence[str]) -> Response:
    require_role()
    if using:
        raise Problem(
            400,
            "using-graph-uri en using-named-graph-uri worden niet ondersteund; gebruik USING of WITH in de update",
            "using-graph-uri and using-named-graph-uri are not supported; use USING or WITH in the update",
        )
    if not sparql.strip():
        raise Problem(400, "de update is leeg", "the update is empty")
    state().service.update(sparql)
    _written_outside_the_cms()
    return Response(status=204)


def _written_outside_the_cms() -> None:
    """A raw write changed the store behind the CMS's back: its search index catches up
    in the background."""
    from mag_graph.cms import Content

    Content.for_store(state().store).reindex_later()


def _description() -> Response:
    fmt = negotiate(request.headers.get("Accept"), GRAPH_FORMATS)
    requested = request.args.get("format")
    if requested:
        try:
            fmt = formats_for_parameter(requested)[1]
        except KeyError:
            fmt = None
    if fmt is None:
        raise NotAcceptableError("rdf", [f.media_type for f in GRAPH_FORMATS])
    endpoint = url_for("sparql.sparql", _external=True)
    graph_store = url_for("sparql.graph_store", _external=True)
    data = state().service.description(endpoint, graph_store, fmt, update=True)
    response = Response(data, status=200, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


# --------------------------------------------------------------------------- /sparql


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    if request.method in ("GET", "HEAD"):
        args = request.args
        if "update" in args:
            raise Problem(405, "een update kan alleen met POST", "an update needs POST", headers={"Allow": "GET, HEAD, POST, OPTIONS"})
        query = _single(args.getlist("query"), "query")
        if query is None:
            return _description()
        return _answer_query(query, args.getlist("default-graph-uri"), args.getlist("named-graph-uri"))

    mimetype = request.mimetype
    if mimetype == FORM:
        form = request.form
        query = _single(form.getlist("query"), "query")
        update = _single(form.getlist("update"), "update")
        if query is not None and update is not None:
            raise Problem(400, "geef query of update, niet allebei", "give query or update, not both")
        if query is not None:
            return _answer_query(
                query,
                form.getlist("default-graph-uri") or request.args.getlist("default-graph-uri"),
                form.getlist("named-graph-uri") or request.args.getlist("named-graph-uri"),
            )
        if update is not None:
            using = form.getlist("using-graph-uri") + form.getlist("using-named-graph-uri")
            return _answer_update(update, using)
        raise Problem(400, "het formulier bevat geen query en geen update", "the form holds neither query nor update",
                      invalidParams=[{"name": "query", "reason": "missing"}])
    if mimetype == SPARQL_QUERY:
        return _answer_query(_body_text(), request.args.getlist("default-graph-uri"), request.args.getlist("named-graph-uri"))
    if mimetype == SPARQL_UPDATE:
        using = request.args.getlist("using-graph-uri") + request.args.getlist("using-named-graph-uri")
        return _answer_update(_body_text(), using)
    raise Problem(
        415,
        f"mediatype {mimetype or '(geen)'} wordt niet ondersteund; gebruik {FORM}, {SPARQL_QUERY} of {SPARQL_UPDATE}",
        f"media type {mimetype or '(none)'} is not supported; use {FORM}, {SPARQL_QUERY} or {SPARQL_UPDATE}",
        acceptable=[FORM, SPARQL_QUERY, SPARQL_UPDATE],
    )


# --------------------------------------------------------------------------- /graph-store


def _graph_parameter(*, required: bool) -> tuple[bool, str | None]:
    """(whether a graph is named, the graph IRI or None for the default graph)."""
    graphs = request.args.getlist("graph")
    default = "default" in request.args
    if graphs and default:
        raise Problem(400, "geef ?graph= of ?default, niet allebei", "give ?graph= or ?default, not both")
    if len(graphs) > 1:
        raise Problem(400, "parameter graph mag maar één keer voorkomen", "parameter graph may occur only once")
    if graphs:
        if not graphs[0].strip():
            raise Problem(400, "?graph= is leeg", "?graph= is empty", invalidParams=[{"name": "graph", "reason": "empty"}])
        return True, graphs[0]
    if default:
        return True, None
    if required:
        raise Problem(400, "noem een graaf met ?graph=IRI of ?default", "name a graph with ?graph=IRI or ?default",
                      invalidParams=[{"name": "graph", "reason": "missing"}])
    return False, None


@bp.route("/graph-store", methods=["GET", "PUT", "POST", "DELETE"])
def graph_store() -> Response:
    service = state().service
    if request.method in ("GET", "HEAD"):
        named, graph = _graph_parameter(required=False)
        offers = GRAPH_FORMATS if named else DATASET_FORMATS
        fmt = negotiate(request.headers.get("Accept"), offers)
        requested = request.args.get("format")
        if requested:
            fmt = next((f for f in offers if requested.lower() in (f.name, *f.media_types)), None)
        if fmt is None:
            raise NotAcceptableError("rdf" if named else "dataset", [f.media_type for f in offers])
        visible = visible_graphs()
        data = service.get_graph(graph, fmt, visible_graphs=visible) if named else service.get_dataset(fmt, visible_graphs=visible)
        response = Response(data, status=200, content_type=fmt.content_type)
        response.vary.add("Accept")
        response.vary.add("Authorization")
        return response

    require_role()
    if request.method == "DELETE":
        _, graph = _graph_parameter(required=True)
        service.delete_graph(graph)
        _written_outside_the_cms()
        return Response(status=204)

    named, graph = _graph_parameter(required=request.method == "PUT")
    multipart = request.method == "POST" and request.mimetype == MULTIPART
    if multipart:
        parts = _multipart_documents()
    else:
        parts = [(request.get_data(), input_format(request.headers.get("Content-Type"), datasets=True))]
    if request.method == "PUT":
        created = service.put_graph(graph, *parts[0])
    elif named:
        created = service.post_graph(graph, parts)
    elif not multipart and parts[0][1].kind == "dataset":  # quads into the graphs they name
        service.post_dataset(*parts[0])
        created = False
    else:  # RDF for the graph store itself: a new graph with a minted IRI (GSP section 5.5)
        if any(fmt.kind == "dataset" for _, fmt in parts):
            raise Problem(400, "een nieuwe graaf is één graaf: stuur geen TriG/N-Quads in delen",
                          "a new graph is one graph: send no TriG/N-Quads in parts")
        graph = service.post_new_graph(parts)
        created = True
    _written_outside_the_cms()
    response = Response(status=201 if created else 204)
    if created and graph is not None:
        response.headers["Location"] = url_for("sparql.graph_store", graph=graph, _external=True)
    return response


def _multipart_documents() -> list[tuple[bytes, Format]]:
    """The RDF documents of a ``multipart/form-data`` POST: every part a file with the
    Content-Type of its format (their statements are merged into the graph)."""
    if request.form:
        names = ", ".join(sorted(request.form))
        raise Problem(400, f"deel zonder bestandsnaam en mediatype: {names}", f"part without a file name and media type: {names}")
    documents = [(part.read(), input_format(part.content_type, datasets=True)) for _, part in request.files.items(multi=True)]
    if not documents:
        raise Problem(400, "het multipart-verzoek bevat geen RDF-documenten", "the multipart request holds no RDF documents")
    return documents
