"""The web pages: server-rendered HTML, Dutch first with an English switch, no JavaScript needed.

Every view only translates a request into calls of the core (``mag_graph.questions.describe``,
``mag_graph.questions``, ``mag_graph.validation``, the store's read-only ``query``) and
renders the outcome; nothing here opens the store or writes SPARQL. The store comes from
the application (:func:`store`), so the same blueprint serves the real app and a test app.

Resource IRIs follow the Dutch URI strategy: ``/id/{type}/{ref}`` is the thing itself and
answers by content negotiation (303 to ``/doc/{type}/{ref}`` for browsers, Turtle or
JSON-LD for RDF clients); ``/doc/...`` is the page about it. IRIs minted elsewhere (TOOI
municipalities, ontology terms) get their page at ``/doc?iri=...``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from rdflib import URIRef

from mag_graph import sheets
from mag_graph.cms import workflow
from mag_graph.namespaces import MAGB
from mag_graph.questions import describe
from mag_graph.questions.matrix import role_matrix as role_matrix_of
from mag_graph.sparql import NotAcceptableError, negotiate
from mag_graph.store import GraphStore, MagGraphError

from . import display
from .i18n import explicit_language, request_language, t
from .problems import (
    ERROR_PAGE,
    PROBLEM_JSON,
    error_response,
    problem_response,
    title_for,
)
from .session import sees_drafts

bp = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)

# Media types /id/ offers, in order of preference when a client accepts anything.
HTML_TYPES = ("text/html", "application/xhtml+xml")
# JSON-LD in the form its ``profile`` names, compacted first (the default).
JSON_LD_PROFILED = {f'application/ld+json; profile="{iri}"': name for name, iri in describe.JSON_LD_PROFILES.items()}
OFFERED_TYPES = (*HTML_TYPES, *(media for base in describe.RDF_MEDIA_TYPES
                                for media in (JSON_LD_PROFILED if base == "application/ld+json" else (base,))),
                 "application/json")
# ?format= names on /doc pages, for people who want the RDF of what they are looking at.
FORMAT_NAMES = {
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "xml": "application/rdf+xml",
}
RDF_FILE_SUFFIX = {
    "text/turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/n-triples": "nt",
    "application/rdf+xml": "rdf",
}
# --------------------------------------------------------------------------- app wiring


def store() -> GraphStore:
    """What the pages may show of the store the application serves: its public view
    (adopted content only: drafts and the archive never appear), or, for an editor
    logged in on the pages (:mod:`.session`), everything, drafts marked as concepts.
    ``app.extensions["mag_graph"]`` holds the store (the app factory's ``MagGraph``,
    with ``store`` and ``service``; a bare store works too, for a minimal app)."""
    holder = current_app.extensions.get("mag_graph")
    found = getattr(holder, "store", holder)
    if found is None:
        abort(503)
    if sees_drafts():
        return found  # type: ignore[no-any-return]
    return workflow.PublicView(found)  # type: ignore[return-value]


def sparql_service() -> Any | None:
    """The application's SPARQL service (``mag_graph.sparql.SparqlService``), when it
    has one: queries from the pages then get the endpoint's timeout and size limits, and
    slow answers (a validation report) its cache, which every write empties."""
    return getattr(current_app.extensions.get("mag_graph"), "service", None)


def current_lang() -> str:
    """The page language of this request (the one language negotiation: ``?lang=``, then
    Accept-Language, then Dutch; a ``?lang=`` that is not ours falls back to the header)."""
    if "lang" not in g:
        g.lang = request_language()
        g.lang_explicit = explicit_language(request.args.get("lang")) is not None
    return g.lang  # type: ignore[no-any-return]


def _lang_args() -> dict[str, str]:
    """Query arguments that keep an explicitly chosen language on the next page."""
    current_lang()
    return {"lang": g.lang} if g.get("lang_explicit") else {}


def link(endpoint: str, **values: Any) -> str:
    """``url_for`` that carries the chosen language along."""
    return url_for(endpoint, **{**_lang_args(), **values})


def resource_href(iri: str | None) -> str | None:
    """The page of a resource: ``/doc/{type}/{ref}`` for IRIs under the project's base,
    ``/doc?iri=...`` for others."""
    if not iri:
        return None
    path = describe.resource_path(iri)
    if path is not None:
        return link("pages.doc", ref=path)
    return link("pages.doc_iri", iri=iri)


def _switch_url() -> str:
    other = "en" if current_lang() == "nl" else "nl"
    args = request.args.to_dict(flat=False)
    args["lang"] = [other]
    query = urlencode([(k, v) for k, values in args.items() for v in values])
    return f"{request.script_root}{request.path}?{query}"


@bp.app_context_processor  # every page of the app shares the layout (the /def pages, error pages)
def _template_helpers() -> dict[str, Any]:
    lang = current_lang()
    return {
        "lang": lang,
        "other_lang": "en" if lang == "nl" else "nl",
        "t": lambda key, **values: t(key, lang, **values),
        "link": link,
        "resource_href": resource_href,
        "switch_url": _switch_url(),
        "curie": describe.curie,
        "show": lambda value: display.value_text(value, lang),
        "money_of": lambda nested: display.money_of(nested, lang),
        "human": display.human_term,
        "has_endpoint": _has_rule,
    }


def _has_rule(path: str) -> bool:
    """Whether the application serves ``path`` (the SPARQL endpoint and the API are
    registered by other blueprints; the pages link to them only when they exist)."""
    return any(rule.rule == path for rule in current_app.url_map.iter_rules())


@bp.after_request
def _vary(response: Response) -> Response:
    response.vary.add("Accept-Language")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Language", current_lang())
    return response


def _page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


def _error_page(status: int, message: str) -> tuple[str, int]:
    title_key = "not_found_title" if status == 404 else "error_title"
    return _page("error.html", status, title=t(title_key, current_lang()), message=message, code=status)


def _error_document(status: int, texts: tuple[str, str]) -> str:
    """The site's error page (layout, navigation, language switch) for an error answered
    outside a page view, e.g. an unknown URL (api/problems.py asks for it)."""
    lang = current_lang()
    return _error_page(status, texts[0] if lang == "nl" else texts[1])[0]


bp.record_once(lambda setup: setup.app.extensions.__setitem__(ERROR_PAGE, _error_document))


def _problem(status: int, nl: str, en: str) -> Response:
    """An RFC 9457 problem for clients that do not want HTML, in the API's own format
    (``api/problems.py``: "Nederlands / English" details, ``Vary: Accept``)."""
    detail = nl if nl == en else f"{nl} / {en}"
    response = problem_response(status, detail)
    if response.mimetype != PROBLEM_JSON:  # problems.py picks HTML for browsers; here the caller already chose
        body = {"type": "about:blank", "title": title_for(status), "status": status, "detail": detail,
                "instance": request.path}
        response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
        response.vary.add("Accept")
    return response


def _known(iri: str) -> bool:
    """Whether the graph has a page for the IRI (remembered for the request: a result
    table names the same IRIs many times). Others link out to the IRI itself."""
    cache: dict[str, bool] = g.setdefault("known_iris", {})
    if iri not in cache:
        cache[iri] = describe.exists(store(), URIRef(iri))
    return cache[iri]


# --------------------------------------------------------------------------- home


@bp.get("/")
def home() -> Any:
    """What the graph holds, per municipality and per graph."""
    lang = current_lang()
    overview = describe.overview(store(), lang)
    return _page("home.html", overview=overview, active="home", title=t("home_title", lang))


# --------------------------------------------------------------------------- role matrix


# The Dutch path is registered first (the lower decorator), so url_for() links to it;
# the English alias answers too.
@bp.get("/role-matrix")
@bp.get("/rolmatrix")
def role_matrix() -> Any:
    """Wie is verantwoordelijk voor wat? One municipality (``?gemeente=gm0523``, by
    default the one with the most responsibilities) or all (``?gemeente=alle``), with
    filters ``fase``, ``actor`` and ``raci``, each matched against the known choices."""
    lang = current_lang()
    graph_store = store()
    options = describe.municipalities(graph_store, lang)
    selection = _matrix_selection(graph_store, options, lang)
    if isinstance(selection, Response):
        return selection
    iri, filters, selected = selection
    choices = {"phases": describe.concepts(graph_store, "Fasen", lang), "raci": describe.concepts(graph_store, "RaciSoorten", lang)}
    if iri is None and not selected["all"]:
        return _page("matrix.html", matrix=None, options=options, selected=None, choices=choices, filters=selected,
                     actor_choices=[], downloads={}, active="matrix", title=t("matrix_title", lang))
    matrix = role_matrix_of(graph_store, iri, lang, phases=filters["phases"], raci=filters["raci"])
    actor_choices = [(sheets.short_id(a), label) for a, label in matrix.actor_choices]
    if selected["actor"]:
        wanted = sheets.as_iri(selected["actor"])
        if wanted is None or str(wanted) not in dict(matrix.actor_choices):
            return _error_page(400, t("matrix_unknown_filter", lang, name="actor", value=selected["actor"]))
        matrix = role_matrix_of(graph_store, iri, lang, phases=filters["phases"], raci=filters["raci"], actors={wanted})
    args = {k: v for k, v in (("gemeente", selected["gemeente"]), ("fase", selected["fase"]), ("actor", selected["actor"]),
                              ("raci", selected["raci"]), ("lang", lang if g.get("lang_explicit") else None)) if v}
    downloads = {fmt: url_for("pages.role_matrix_download", fmt=fmt, **args) for fmt in ("xlsx", "csv")}
    return _page("matrix.html", matrix=matrix, options=options, selected=matrix.municipality or "alle", choices=choices,
                 filters=selected, actor_choices=actor_choices, downloads=downloads,
                 active="matrix", title=t("matrix_title", lang))


_ALL_MUNICIPALITIES = ("alle", "all", "*")


def _matrix_selection(graph_store: GraphStore, options: list[tuple[str, str, str | None]], lang: str) -> Any:
    """The municipality (``None``: all, or none known) and filters a role-matrix
    request asks for: request values matched against the known municipalities and
    concept schemes, never passed on as they are. An error page (a response) for an
    unknown one."""
    code = (request.args.get("gemeente") or request.args.get("municipality") or "").strip()
    selected = {"gemeente": code, "all": code.lower() in _ALL_MUNICIPALITIES,
                **{key: (request.args.get(key) or "").strip() for key in ("fase", "actor", "raci")}}
    iri: URIRef | None = None
    if code and not selected["all"]:
        iri = describe.municipality_iri(code)
        if iri is None or str(iri) not in {o[0] for o in options}:
            return make_response(_error_page(404, t("matrix_unknown_municipality", lang, code=code)))
    elif not code:
        iri = _default_municipality(graph_store, lang)
    filters: dict[str, set[URIRef] | None] = {}
    for key, scheme, name in (("fase", "Fasen", "phases"), ("raci", "RaciSoorten", "raci")):
        known = {local for local, _ in describe.concepts(graph_store, scheme, lang)}
        value = selected[key]
        if value and value not in known:
            return make_response(_error_page(400, t("matrix_unknown_filter", lang, name=key, value=value)))
        filters[name] = {MAGB[value]} if value else None
    return iri, filters, selected


@bp.get("/rolmatrix.<fmt>")
def role_matrix_download(fmt: str) -> Any:
    """The role matrix (the same choice and filters as the page) as an XLSX workbook, one
    sheet per municipality, or one CSV file: one row per responsibility."""
    if fmt not in ("xlsx", "csv"):
        abort(404)
    lang = current_lang()
    graph_store = store()
    options = describe.municipalities(graph_store, lang)
    selection = _matrix_selection(graph_store, options, lang)
    if isinstance(selection, Response):
        return selection
    iri, filters, selected = selection
    vocabulary = sheets.Vocabulary(graph_store)
    actors = None
    if selected["actor"]:
        wanted = sheets.as_iri(selected["actor"])
        if wanted is None or wanted not in vocabulary.actors.labels:
            return _error_page(400, t("matrix_unknown_filter", lang, name="actor", value=selected["actor"]))
        actors = {wanted}
    groups = sheets.matrix_rows(graph_store, [iri] if iri is not None else None, lang, phases=filters["phases"],
                                raci=filters["raci"], actors=actors, vocabulary=vocabulary)
    name = "rolmatrix-" + (next((o[2] for o in options if o[0] == str(iri)), None) or "alle") + "." + fmt
    if fmt == "xlsx":
        response = Response(sheets.to_xlsx(groups, vocabulary, lang), mimetype=sheets.XLSX)
    else:
        response = Response(sheets.to_csv(groups, lang), mimetype="text/csv")
        response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.vary.add("Accept-Language")
    return response


def _default_municipality(graph_store: GraphStore, lang: str) -> URIRef | None:
    """The municipality with the most responsibilities: the one the matrix is about."""
    counted = describe.overview(graph_store, lang).municipalities
    if not counted:
        return None
    best = max(counted, key=lambda m: (m.counts.get("responsibilities", 0), -counted.index(m)))
    return URIRef(best.iri)


# --------------------------------------------------------------------------- validation


# The report page (``/validatie``, endpoint ``pages.validation``) is served by
# :mod:`.checking`, which registers it on this blueprint with its downloads and the
# background computation of the report.


# --------------------------------------------------------------------------- resources


def _negotiate() -> str | None:
    """The media type to answer with (the one content negotiation of every face); a
    request without Accept takes anything, so it gets the page (RFC 9110: no Accept
    header means */*)."""
    return negotiate(request.headers.get("Accept"), OFFERED_TYPES)


def _wants_html() -> bool:
    best = _negotiate()
    return best is None or best in HTML_TYPES


def _not_found(iri: str) -> Any:
    lang = current_lang()
    message = t("not_found_resource", lang, iri=iri)
    if _wants_html():
        response = make_response(_error_page(404, message))
    else:
        response = _problem(404, t("not_found_resource", "nl", iri=iri), t("not_found_resource", "en", iri=iri))
    response.vary.add("Accept")
    return response


@bp.get("/id/<path:ref>")
def resource_id(ref: str) -> Any:
    """The thing itself: never a page, but a pointer to one (303) or its data."""
    iri = describe.iri_for_path(ref)
    graph_store = store()
    if not describe.exists(graph_store, iri):
        return _not_found(iri)
    best = _negotiate()
    if best is None:
        response = error_response(NotAcceptableError("resource", OFFERED_TYPES))
    elif best in HTML_TYPES:
        response = redirect(link("pages.doc", ref=ref), code=303)
    else:
        response = _rdf_response(graph_store, URIRef(iri), best, doc_url=url_for("pages.doc", ref=ref))
    response.vary.add("Accept")
    return response


def _rdf_response(graph_store: GraphStore, iri: URIRef, offer: str, doc_url: str | None = None,
                  download: str | None = None) -> Response:
    """The resource's RDF in the negotiated (or ``?format=``) media type; JSON (plain) is
    compacted JSON-LD, JSON-LD in the form its profile names."""
    offer = next(iter(JSON_LD_PROFILED)) if offer in ("application/json", "application/ld+json") else offer
    profile = JSON_LD_PROFILED.get(offer, "compacted")
    media_type = "application/ld+json" if offer in JSON_LD_PROFILED else offer
    body = describe.resource_rdf(graph_store, iri, media_type, profile)
    response = Response(body, mimetype=media_type)
    if offer in JSON_LD_PROFILED:
        response.headers["Content-Type"] = offer
    if media_type == "text/turtle":
        response.headers["Content-Type"] = "text/turtle; charset=utf-8"
    if doc_url:
        response.headers["Link"] = f'<{doc_url}>; rel="describedby"; type="text/html"'
    if download:
        response.headers["Content-Disposition"] = f'inline; filename="{download}"'
    return response


@bp.get("/doc/<path:ref>")
def doc(ref: str) -> Any:
    return _resource_page(describe.iri_for_path(ref))


@bp.get("/doc")
def doc_iri() -> Any:
    raw = (request.args.get("iri") or "").strip()
    lang = current_lang()
    if not raw:
        return _error_page(400, t("not_found_resource", lang, iri="?"))
    path = describe.resource_path(raw)
    if path is not None:
        args = {k: v for k, v in request.args.items() if k != "iri"}
        return redirect(url_for("pages.doc", ref=path, **args), code=301)
    return _resource_page(raw)


def _resource_page(raw: str) -> Any:
    """The page of one IRI (or its RDF with ``?format=``); 404 for anything the graph
    does not mention, including strings that cannot be IRIs."""
    lang = current_lang()
    graph_store = store()
    if not describe.exists(graph_store, raw):
        return _not_found(raw)
    iri = URIRef(raw)
    fmt = request.args.get("format", "").lower()
    if fmt:
        media_type = FORMAT_NAMES.get(fmt)
        if media_type is None:
            return _error_page(400, f"format: {', '.join(sorted(FORMAT_NAMES))}")
        name = (describe.resource_path(str(iri)) or "resource").replace("/", "-")
        return _rdf_response(graph_store, iri, media_type, download=f"{name}.{RDF_FILE_SUFFIX[media_type]}")
    best = _negotiate()
    if best is not None and best not in HTML_TYPES:  # an RDF client asking for the document
        response = _rdf_response(graph_store, iri, best)
        response.vary.add("Accept")
        return response
    description = describe.describe(graph_store, iri, lang)
    if description is None:
        return _not_found(raw)
    path = describe.resource_path(str(iri))
    rdf_links = {
        label: (url_for("pages.doc", ref=path, format=fmt_name) if path is not None
                else url_for("pages.doc_iri", iri=str(iri), format=fmt_name))
        for label, fmt_name in (("Turtle", "turtle"), ("JSON-LD", "jsonld"))
    }
    counts: dict[str, int] = defaultdict(int)
    for item in description.incoming:
        counts[item.predicate_label] += 1
    # Grouped by property (with its count), a page of INCOMING_PAGE links at a time.
    ordered = sorted(description.incoming, key=lambda i: (i.predicate_label.lower(), i.subject.text.lower()))
    pages_total = max(1, -(-len(ordered) // INCOMING_PAGE))
    page = _page_number(request.args.get("inkomend"), pages_total)
    incoming_groups: dict[str, list[Any]] = defaultdict(list)
    for item in ordered[(page - 1) * INCOMING_PAGE: page * INCOMING_PAGE]:
        incoming_groups[item.predicate_label].append(item)
    args = {k: v for k, v in request.args.items() if k != "inkomend"}

    def incoming_href(number: int) -> str:
        return f"{request.path}?{urlencode({**args, 'inkomend': number})}#inkomend"

    response = make_response(_page("resource.html", d=description, rdf_links=rdf_links,
                 incoming_groups=list(incoming_groups.items()),
                 incoming_counts=sorted(counts.items(), key=lambda kv: kv[0].lower()), incoming_count_of=counts,
                 incoming_page=page, incoming_pages=pages_total, incoming_href=incoming_href,
                 active=None, title=description.label))
    response.vary.add("Accept")
    return response


INCOMING_PAGE = 50


def _page_number(raw: str | None, pages_total: int) -> int:
    """A page number from the query string, within 1..pages_total (1 when absent or no number)."""
    try:
        number = int(raw or "1")
    except ValueError:
        return 1
    return min(max(number, 1), pages_total)


def _message(exc: BaseException, lang: str) -> str:
    """An error's message in the page language (both languages for other errors)."""
    if isinstance(exc, MagGraphError):
        return exc.nl if lang == "nl" else exc.en
    return str(exc)
