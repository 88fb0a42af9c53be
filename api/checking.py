"""Checking role models: the validation report of the store as a page and as downloads,
and checking an upload without storing it (the API and a page).

- ``POST /api/v1/validation``: the body is the RDF (``Content-Type`` names its format:
  every media type :data:`mag_graph.validation.checking.PARSERS` has, so a converter
  registered there is offered here too: :mod:`mag_graph.sheets` registers XLSX and CSV
  role matrices, whose findings name their sheet and row); ``date``, ``lang``, ``rule``,
  ``context=store`` and ``municipality``; the report as JSON (the CLI's shape), Turtle,
  CSV or PDF by ``Accept``. Over the size limit 413, a parse error 400 with ``line`` and ``column``, an
  unknown format 415. Nothing is stored.
- ``/validatie`` (``/validation``): the store's report at a reference date, for the whole
  store or one municipality (``gemeente=``), grouped by rule part, by the actor assigned
  to what a finding concerns (``per=actor``) or by resource (``per=onderwerp``), with
  downloads in JSON, Turtle, CSV, printable HTML and PDF (``format=`` or ``Accept``). The
  report is computed in the background and kept per store generation, date, language
  and scope; while it runs the page shows a progress indicator and refreshes itself.
- ``/validatie/controleren``: a form with a file upload and a paste box; the report of
  the upload, with the same downloads (kept in memory for a while under a random key).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from rdflib import URIRef
from rdflib.namespace import RDFS

from mag_graph import sheets, validation
from mag_graph.cms import workflow
from mag_graph.sparql import negotiate
from mag_graph.store import MagGraphError
from mag_graph.validation import (
    Deadline,
    ValidationInputError,
    ValidationTimeoutError,
    checking,
    rulebook,
    scope,
)
from mag_graph.validation.scope import municipalities

from . import page_lock, pages
from .i18n import STRINGS, request_language, t
from .openapi import Operations, negotiated
from .problems import Problem, retry_after
from .report_pdf import html_to_pdf, pdf_styles
from .runtime import state, visible_graphs
from .session import sees_drafts

bp = Blueprint("checking", __name__, template_folder="templates")
api_bp = Blueprint("api_checking", __name__, url_prefix="/api/v1")
operations = Operations(api_bp)

bp.context_processor(pages._template_helpers)
bp.after_request(pages._vary)

JSON = "application/json"
TURTLE = "text/turtle"
CSV = "text/csv"
HTML = "text/html"
PDF = "application/pdf"
# Download formats by ?format= name: media type, file suffix.
DOWNLOADS = {"json": (JSON, "json"), "turtle": (TURTLE, "ttl"), "csv": (CSV, "csv"), "html": (HTML, "html"),
             "pdf": (PDF, "pdf")}
PAGE_TYPES = (HTML, "application/xhtml+xml", JSON, TURTLE, CSV, PDF)
GROUPS = ("regel", "actor", "onderwerp")  # by rule part, by assigned actor, by resource concerned
# The spreadsheet formats come from mag_graph.sheets, which registers them with the
# upload parsers when imported (above); named here so the dependency is visible.
SPREADSHEETS = (sheets.XLSX, sheets.CSV)
DEFAULT_WAIT = 8.0  # seconds a page waits for a report before it shows the progress indicator
KEPT_CHECKS = 32  # upload reports kept for their downloads

# Page texts of this module (Dutch and English, like every text of the pages).
TEXTS: dict[str, dict[str, str]] = {
    "check_title": {"nl": "Een rolmodel controleren", "en": "Check a role model"},
    "check_intro": {
        "nl": "Controleer een eigen rolmodel op de regels van de rolverdeling zonder het op te slaan: upload een bestand of plak de tekst. Niets wordt bewaard.",
        "en": "Check a role model of your own against the rules of the role division without storing it: upload a file or paste the text. Nothing is kept.",
    },
    "check_file": {"nl": "Bestand", "en": "File"},
    "check_text": {"nl": "Of plak de tekst", "en": "Or paste the text"},
    "check_format": {"nl": "Formaat", "en": "Format"},
    "check_format_auto": {"nl": "volgens de bestandsnaam", "en": "from the file name"},
    "check_context": {"nl": "Samen met de gegevens van de graaf controleren", "en": "Check together with the graph's data"},
    "check_municipality": {"nl": "Gemeente (context)", "en": "Municipality (context)"},
    "check_submit": {"nl": "Controleer", "en": "Check"},
    "check_empty": {"nl": "Kies een bestand of plak een tekst.", "en": "Choose a file or paste a text."},
    "check_failed": {"nl": "Het rolmodel kon niet worden gecontroleerd: {message}", "en": "The role model could not be checked: {message}"},
    "check_expired": {"nl": "Dit rapport is niet meer beschikbaar; controleer het bestand opnieuw.", "en": "This report is no longer available; check the file again."},
    "check_link": {"nl": "Een eigen rolmodel controleren (upload)", "en": "Check a role model of your own (upload)"},
    "check_subject": {"nl": "Gecontroleerd: {name}", "en": "Checked: {name}"},
    "report_downloads": {"nl": "Downloaden", "en": "Download"},
    "report_print": {"nl": "afdrukbaar (HTML)", "en": "printable (HTML)"},
    "report_running": {"nl": "Het rapport wordt berekend", "en": "The report is being computed"},
    "report_running_hint": {
        "nl": "Een volledige validatie duurt bij een grote graaf enkele seconden. Deze pagina ververst zichzelf.",
        "en": "A full validation of a large graph takes a few seconds. This page refreshes itself.",
    },
    "report_scope": {"nl": "Gemeente", "en": "Municipality"},
    "report_scope_all": {"nl": "alle gegevens", "en": "all data"},
    "report_rules": {"nl": "Regels van de rolverdeling ({first}-{last})", "en": "Rules of the role division ({first}-{last})"},
    "report_register": {"nl": "Controles van de registers ({first}-{last})", "en": "Register checks ({first}-{last})"},
    "report_field": {"nl": "veld", "en": "field"},
    "report_quote": {"nl": "De bron zegt", "en": "The source says"},
    "report_value": {"nl": "waarde", "en": "value"},
    "report_of": {"nl": "Validatierapport", "en": "Validation report"},
    "report_by_subject": {"nl": "per onderwerp (de bron van de bevinding)", "en": "by subject (the resource concerned)"},
    "report_no_actor": {"nl": "zonder actor", "en": "no actor"},
    "report_actor_meaning": {
        "nl": "Actor: wie de rol of verantwoordelijkheid heeft waar de bevinding over gaat: bij een verantwoordelijkheid de actor aan wie die is toegewezen, bij een roltoewijzing of rol wie die vervult, bij een samenwerkingsverband de accounthouder of anders de penvoerder, bij een dashboard die van zijn samenwerkingsverband, bij een besluit, subsidie, advies of budget wie besluit, verleent, adviseert of beheert, bij een actor die actor zelf. Bevindingen zonder zo'n actor (een doel, een indicator) staan onder 'zonder actor'.",
        "en": "Actor: who holds the role or responsibility the finding is about: for a responsibility the actor it is assigned to, for a role assignment or role who holds it, for a partnership its accounthouder or else its lead party (penvoerder), for a dashboard that of its partnership, for a decision, grant, advice or budget who decides, grants, advises or manages it, for an actor that actor itself. Findings without such an actor (a goal, an indicator) are under 'no actor'.",
    },
    "report_row": {"nl": "rij", "en": "row"},
}
STRINGS.update(TEXTS)


# --------------------------------------------------------------------------- background reports


class ReportJobs:
    """Reports computed in a background thread and kept by key (the key holds the store
    generation, so a write makes every older report unreachable; they are dropped as
    new ones come)."""

    def __init__(self, keep: int = 16) -> None:
        self.keep = keep
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mag-graph-report")
        self._jobs: OrderedDict[Hashable, Future[Any]] = OrderedDict()
        self._lock = threading.Lock()

    def job(self, key: Hashable, compute: Callable[[], Any], generation: int) -> Future[Any]:
        with self._lock:
            found = self._jobs.get(key)
            if found is not None and not (found.done() and found.exception() is not None):
                self._jobs.move_to_end(key)
                return found
            for old in [k for k in self._jobs if isinstance(k, tuple) and k and k[0] != generation]:
                del self._jobs[old]
            future = self._executor.submit(compute)
            self._jobs[key] = future
            while len(self._jobs) > self.keep:
                self._jobs.popitem(last=False)
            return future


_JOBS_LOCK = threading.Lock()


def _jobs() -> ReportJobs:
    with _JOBS_LOCK:
        return current_app.extensions.setdefault("mag_graph_reports", ReportJobs())  # type: ignore[no-any-return]


class _Kept:
    """Upload reports kept in memory for their downloads, by random key."""

    def __init__(self) -> None:
        self.items: OrderedDict[str, tuple[Any, str]] = OrderedDict()
        self.lock = threading.Lock()

    def put(self, report: Any, name: str) -> str:
        key = secrets.token_hex(16)
        with self.lock:
            self.items[key] = (report, name)
            while len(self.items) > KEPT_CHECKS:
                self.items.popitem(last=False)
        return key

    def get(self, key: str) -> tuple[Any, str] | None:
        with self.lock:
            return self.items.get(key)


def _kept() -> _Kept:
    with _JOBS_LOCK:
        return current_app.extensions.setdefault("mag_graph_checks", _Kept())  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- shared


def _date(raw: str | None) -> dt.date:
    text = (raw or "").strip()
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Problem(400, f"ongeldige datum {text!r}; gebruik JJJJ-MM-DD", f"invalid date {text!r}; use YYYY-MM-DD",
                      invalidParams=[{"name": "date", "reason": "YYYY-MM-DD"}]) from None


def _municipality(name: str | None) -> str | None:
    """A municipality asked for, matched against the ones the store's catalogue knows
    (its slug is what goes on); unknown is a 400 that lists them."""
    if not name or not name.strip():
        return None
    try:
        with page_lock.reading():
            return scope.find_municipality(state().service.store, name).slug
    except ValidationInputError as error:
        raise Problem(400, str(error).split(" / ")[0], str(error).split(" / ", 1)[-1],
                      invalidParams=[{"name": "municipality", "reason": "unknown"}]) from None


def _serialise(report: Any, media: str, lang: str, title: str = "") -> tuple[bytes, str]:
    """The report in one format: body and Content-Type."""
    if media == TURTLE:
        return report.to_turtle().encode("utf-8"), "text/turtle; charset=utf-8"
    if media == CSV:
        return rulebook.report_csv(report, lang).encode("utf-8"), "text/csv; charset=utf-8"
    if media == HTML:
        html = render_template("validation_print.html", title=title or t("report_of", lang),
                               **_report_view(report, lang, "regel"))
        return html.encode("utf-8"), "text/html; charset=utf-8"
    if media == PDF:
        html = render_template("validation_print.html", title=title or t("report_of", lang), pdf=True,
                               pdf_styles=pdf_styles, **_report_view(report, lang, "regel"))
        return html_to_pdf(html), PDF
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2).encode("utf-8"), JSON


def _download(report: Any, fmt: str, lang: str, name: str, title: str = "") -> Response:
    media, suffix = DOWNLOADS[fmt]
    body, content_type = _serialise(report, media, lang, title)
    response = Response(body, status=200, content_type=content_type)
    disposition = "inline" if fmt == "html" else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}.{suffix}"'
    response.headers["Content-Language"] = lang
    return response


def _report_view(report: Any, lang: str, group: str) -> dict[str, Any]:
    """What the report templates show: summary, rule catalogue (rules and register
    checks apart), findings grouped by rule part or by resource, links for resources the
    graph describes."""
    items = rulebook.findings(report, lang)
    _name_actors(items, lang)
    known = {iri: pages._known(iri) for f in items for iri in (f.focus, *f.actors)}
    by_rule: OrderedDict[str, list[rulebook.Group]] = OrderedDict()
    for part_group in rulebook.group_by_rule(items):
        by_rule.setdefault(part_group.rule or "?", []).append(part_group)
    listing = rulebook.catalogue(report, lang, items)
    ranges = {kind: (entries[0].rule, entries[-1].rule) if entries else ("", "") for kind, entries in listing.items()}
    return {
        "report": report,
        "items": items,
        "by_rule": by_rule,
        "by_focus": rulebook.group_by_focus(items),
        "by_actor": rulebook.group_by_actor(items, t("report_no_actor", lang)),
        "listing": listing,
        "ranges": ranges,
        "rule_titles": {rule: rulebook.pick(info.name, lang) for rule, info in report.rules.items()},
        "focus_href": lambda iri: pages.resource_href(iri) if known.get(iri) else None,
        "group": group,
        "date": report.date.isoformat(),
        "pick_text": lambda texts: rulebook.pick(texts, lang),
    }


def _name_actors(items: list[rulebook.Finding], lang: str) -> None:
    """Actors by the names the graph gives them: a report of an upload checked on its
    own only knows the upload's labels (an actor the sheet names by identifier would be
    shown by its IRI's last part)."""
    store = pages.store()  # what the caller may see: drafts' labels only for an editor
    names: dict[str, str] = {}
    for item in items:
        for actor, label in zip(item.actors, item.actorLabels, strict=False):
            if actor not in names and label == actor.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]:
                found = {o.language or "": str(o) for _, _, o, _ in store.quads(URIRef(actor), RDFS.label, None)}
                names[actor] = rulebook.pick(found, lang) or label
        if any(a in names for a in item.actors):
            item.actorLabels = tuple(names.get(a, label) for a, label in zip(item.actors, item.actorLabels, strict=False))


def _validation_limit() -> float | None:
    """Seconds a validation a request starts may run (``MAG_GRAPH_VALIDATION_TIMEOUT``;
    0 or None: no limit)."""
    raw = current_app.config.get("MAG_GRAPH_VALIDATION_TIMEOUT", 60.0)
    return float(raw) if raw else None


def _deadline(limit: float | None) -> Deadline | None:
    """The deadline of a validation starting now, ``limit`` seconds away (none without a limit)."""
    return Deadline.after(limit) if limit else None


def request_deadline() -> Deadline | None:
    """The deadline of a validation this request starts now (``MAG_GRAPH_VALIDATION_TIMEOUT``)."""
    return _deadline(_validation_limit())


# --------------------------------------------------------------------------- the store's report


def store_report(date: dt.date, lang: str, municipality: str | None, *, drafts: bool = False) -> Future[Any]:
    """The job computing the report of what the caller may see: adopted content, or for
    a logged-in editor the drafts too (as the CMS validates them), for the whole store or
    one municipality; one per store generation, date, language, scope and audience."""
    service = state().service
    generation = service.generation
    key = (generation, "validation-page", date.isoformat(), lang, municipality, drafts)
    limit = _validation_limit()
    lock = page_lock.reading()

    def compute() -> Any:
        # the time limit counts from the job's start (jobs wait for each other); a job
        # that runs out of time ends with ValidationTimeoutError, which ReportJobs does
        # not keep as a result (the next request starts it again). The store as the last
        # commit left it: never a write being validated or checked (page_lock.py).
        deadline = _deadline(limit)
        with page_lock.committed_store(service, lock) as store:
            data = store if drafts else workflow.public_copy(store)
            return validation.validate(data, date=date, lang=lang, municipality=municipality, deadline=deadline)

    return _jobs().job(key, compute, generation)


# On the pages' blueprint, so the endpoint stays ``pages.validation`` (the Dutch path is
# registered first, so url_for() links to it).
@pages.bp.get("/validation", endpoint="validation")
@pages.bp.get("/validatie", endpoint="validation")
def report_page() -> Any:
    """``/validatie``: the page (or a download) of the store's report."""
    lang = pages.current_lang()
    raw_date = (request.args.get("datum") or request.args.get("date") or "").strip()
    group = request.args.get("per", "regel")
    group = group if group in GROUPS else "regel"
    with page_lock.reading():
        options = [(m.slug, m.label) for m in municipalities(state().service.store)]
    chosen = (request.args.get("gemeente") or request.args.get("municipality") or "").strip()
    fmt = (request.args.get("format") or "").strip().lower()
    context: dict[str, Any] = {"date": raw_date, "group": group, "options": options, "chosen": chosen,
                               "active": "validation", "title": t("validation_title", lang), "report": None,
                               "error": None, "running": False}
    if fmt and fmt not in DOWNLOADS:
        return pages._problem(400, f"onbekend formaat {fmt!r} ({', '.join(DOWNLOADS)})",
                              f"unknown format {fmt!r} ({', '.join(DOWNLOADS)})")
    media = DOWNLOADS[fmt][0] if fmt else negotiate(request.headers.get("Accept"), PAGE_TYPES)
    if media is None:
        return pages._problem(406, "geen van de gevraagde formaten: " + ", ".join(PAGE_TYPES),
                              "none of the formats asked for: " + ", ".join(PAGE_TYPES))
    try:
        date = dt.date.fromisoformat(raw_date) if raw_date else dt.date.today()
    except ValueError:
        if media != HTML and media != "application/xhtml+xml" or fmt:
            return pages._problem(400, t("validation_bad_date", "nl", value=raw_date), t("validation_bad_date", "en", value=raw_date))
        context["error"] = t("validation_bad_date", lang, value=raw_date)
        return pages._page("validation.html", 400, **context)
    context["date"] = date.isoformat()
    slug = None
    if chosen:
        slug = next((s for s, _ in options if chosen.lower() in (s, s.replace("-", " "))), None)
        if slug is None:
            try:
                with page_lock.reading():
                    slug = scope.find_municipality(state().service.store, chosen).slug
            except ValidationInputError:
                context["error"] = t("matrix_unknown_municipality", lang, code=chosen)
                return pages._page("validation.html", 404, **context)
        context["chosen"] = slug
    job = store_report(date, lang, slug, drafts=sees_drafts())
    download = fmt or (media not in (HTML, "application/xhtml+xml") and media)
    wait = None if download else float(current_app.config.get("MAG_GRAPH_REPORT_WAIT", DEFAULT_WAIT))
    try:
        report = job.result(timeout=wait)
    except FutureTimeout:
        context["running"] = True
        response = pages._page("validation.html", 202, **context)
        return response
    except ValidationTimeoutError as exc:
        if download:
            raise  # a 503 problem with Retry-After (api/problems.py)
        context["error"] = t("validation_error", lang, message=pages._message(exc, lang))
        html, status = pages._page("validation.html", 503, **context)
        return html, status, {"Retry-After": retry_after(exc)}
    except (ValidationInputError, MagGraphError) as exc:
        context["error"] = t("validation_error", lang, message=pages._message(exc, lang))
        return pages._page("validation.html", 400, **context)
    name = f"validatie-{slug or 'alle'}-{date.isoformat()}"
    if download:
        name_fmt = fmt or next(k for k, (m, _) in DOWNLOADS.items() if m == media)
        response = _download(report, name_fmt, lang, name)
        response.vary.add("Accept")
        return response
    base = {k: v for k, v in {"datum": date.isoformat(), "gemeente": slug, **pages._lang_args()}.items() if v}
    context["downloads"] = {k: url_for("pages.validation", **base, format=k) for k in DOWNLOADS}
    with page_lock.reading():  # the actors' names, read from the store
        context.update(_report_view(report, lang, group))
    response = make_response(pages._page("validation.html", **context))
    response.vary.add("Accept")
    return response


# --------------------------------------------------------------------------- POST /api/v1/validation

_CHECK_KEYS = ("date", "lang", "rule", "context", "municipality")


@operations.route(
    "/validation", "POST", id="checkRoleModel", tags=["validatie"],
    summary="Controleer een rolmodel zonder het op te slaan / check a role model without storing it",
    description=(
        "De body is het rolmodel; Content-Type noemt het formaat (Turtle, TriG, N-Triples, N-Quads, "
        "JSON-LD, RDF/XML, of een rolmatrix als XLSX of CSV). Niets wordt opgeslagen. / The body is the role "
        "model; Content-Type names its format (an RDF format, or a role matrix spreadsheet as XLSX or CSV in "
        "the layout of the role matrix download). Nothing is stored. With context=store the upload is validated "
        "together with the graph's (public) data, or one municipality's role model of it, and the report holds "
        "the findings the upload can affect. A parse error names the line and column (problem members line, "
        "column); a spreadsheet's findings name their sheet and row (result members sheet, row), and a sheet "
        "that cannot be read lists every problem (invalidRows). Accept: application/pdf gives the printable report."
    ),
    parameters=[
        {"name": "date", "in": "query", "required": False,
         "description": "Peildatum (standaard vandaag) / reference date (default today)",
         "schema": {"type": "string", "format": "date"}},
        {"name": "rule", "in": "query", "required": False, "style": "form", "explode": True,
         "description": "Alleen deze regel(s) / only these rules",
         "schema": {"type": "array", "items": {"type": "string"}}},
        {"name": "context", "in": "query", "required": False,
         "description": "store: samen met de gegevens van de graaf / together with the graph's data",
         "schema": {"type": "string", "enum": ["none", "store"]}},
        {"name": "municipality", "in": "query", "required": False,
         "description": "Alleen het rolmodel van deze gemeente als context (vraagt context=store) / only this municipality's role model as context",
         "schema": {"type": "string", "example": "maassluis"}},
    ],
    request_body={
        "required": True,
        "content": {media: {"schema": {"type": "string"}} for media in
                    ("text/turtle", "application/trig", "application/n-triples", "application/n-quads",
                     "application/ld+json", "application/rdf+xml", *SPREADSHEETS)},
    },
    responses={200: {"description": "Het validatierapport / the validation report"}},
    produces=(JSON, TURTLE, CSV, PDF),
    media_schemas={JSON: {"$ref": "#/components/schemas/ValidationReport"}, TURTLE: {"type": "string"},
                   CSV: {"type": "string"}, PDF: {"type": "string", "format": "binary"}},
    raises=(ValidationInputError, ValidationTimeoutError),
    negotiation="validation report",
    public=True,  # reads: nothing is stored
)
def check_upload() -> Response:
    media = negotiated()
    lang = request_language(strict=True)
    unknown = sorted(set(request.args) - set(_CHECK_KEYS))
    if unknown:
        raise Problem(400, f"onbekende parameter(s): {', '.join(unknown)} (bekend: {', '.join(_CHECK_KEYS)})",
                      f"unknown parameter(s): {', '.join(unknown)} (known: {', '.join(_CHECK_KEYS)})",
                      invalidParams=[{"name": k, "reason": "unknown"} for k in unknown])
    date = _date(request.args.get("date"))
    rules = [r.strip() for value in request.args.getlist("rule") for r in value.split(",") if r.strip()]
    context_name = (request.args.get("context") or "none").strip().lower()
    if context_name not in ("none", "store"):
        raise Problem(400, "context is 'store' of 'none'", "context is 'store' or 'none'",
                      invalidParams=[{"name": "context", "reason": "store | none"}])
    municipality = _municipality(request.args.get("municipality"))
    if municipality and context_name != "store":
        raise Problem(400, "municipality vraagt context=store", "municipality needs context=store",
                      invalidParams=[{"name": "municipality", "reason": "needs context=store"}])
    body = _limited_body()
    service = state().service
    with contextlib.ExitStack() as stack:
        context = None
        if context_name == "store":  # the store as the last commit left it (page_lock.py)
            store = stack.enter_context(page_lock.committed_store(service, page_lock.reading()))
            context = workflow.public_copy(store) if visible_graphs() is not None else store
        report = _checked(body, request.content_type, date=date, lang=lang, rules=rules or None,
                          context=context, municipality=municipality, name="upload",
                          deadline=request_deadline())
    data, content_type = _serialise(report, media, lang)
    response = Response(data, status=200, content_type=content_type)
    response.headers["Content-Language"] = lang
    response.headers["Cache-Control"] = "no-store"
    return response


def _limit() -> int:
    return int(current_app.config.get("MAG_GRAPH_CHECK_MAX_BYTES", checking.DEFAULT_MAX_BYTES))


def _limited_body() -> bytes:
    """The request body, refused with 413 when over the limit (read no further)."""
    limit = _limit()
    length = request.content_length
    if length is not None and length > limit:
        raise Problem(413, f"de upload is te groot: {length} bytes, hoogstens {limit}",
                      f"the upload is too large: {length} bytes, at most {limit}", limit=limit)
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise Problem(413, f"de upload is te groot: meer dan {limit} bytes", f"the upload is too large: more than {limit} bytes",
                      limit=limit)
    return body


def _checked(body: bytes, media_type: str | None, **options: Any) -> Any:
    """:func:`checking.check`, its input errors as problems: 413, 415 (with the
    acceptable types), 400 with line and column."""
    try:
        return checking.check(body, media_type, max_bytes=_limit(), **options)
    except checking.UploadTooLargeError as error:
        raise Problem(413, str(error).split(" / ")[0], str(error).split(" / ", 1)[-1], limit=error.limit) from None
    except checking.UnsupportedUploadError as error:
        raise Problem(415, str(error).split(" / ")[0], str(error).split(" / ", 1)[-1], acceptable=error.accepted) from None
    except checking.UploadSyntaxError as error:
        raise Problem(400, str(error).split(" / ")[0], str(error).split(" / ", 1)[-1],
                      type=f"https://data.mag-graph.nl/def/problem/{error.slug}", line=error.line, column=error.column,
                      **error.members) from None


# --------------------------------------------------------------------------- the upload page


_PREPARED: set[dt.date] = set()


def _prepare_in_background() -> None:
    """Start :func:`checking.prepare` in a thread, once a day: a check with the graph as
    context needs it, and people take longer to fill in the form than it takes."""
    today = dt.date.today()
    with _JOBS_LOCK:
        if today in _PREPARED:
            return
        _PREPARED.add(today)
    threading.Thread(target=checking.prepare, name="mag-graph-check-prepare", daemon=True).start()


def _formats() -> list[tuple[str, str]]:
    return [(p.name, p.label) for p in checking.PARSERS.values()]


def _upload_context(lang: str, **extra: Any) -> dict[str, Any]:
    with page_lock.reading():
        options = [(m.slug, m.label) for m in municipalities(state().service.store)]
    form = {"formaat": "", "tekst": "", "context": False, "gemeente": "", "datum": dt.date.today().isoformat()}
    form.update(extra.pop("form", {}))
    suffixes = ",".join("." + x for p in checking.PARSERS.values() for x in p.suffixes)
    return {"formats": _formats(), "suffixes": suffixes, "options": options, "form": form, "active": "validation",
            "title": t("check_title", lang), "report": None, "error": None, **extra}


@bp.route("/validation/check", endpoint="check", methods=["GET", "POST"])
@bp.route("/validatie/controleren", endpoint="check", methods=["GET", "POST"])
def check_page() -> Any:
    """The form (GET); the report of an uploaded file or pasted text (POST), or the form
    again with a 4xx for bad input."""
    lang = pages.current_lang()
    if request.method == "GET":
        _prepare_in_background()
        return pages._page("check.html", **_upload_context(lang))
    form = {
        "formaat": (request.form.get("formaat") or "").strip(),
        "tekst": request.form.get("tekst") or "",
        "context": request.form.get("context") == "store",
        "gemeente": (request.form.get("gemeente") or "").strip(),
        "datum": (request.form.get("datum") or "").strip() or dt.date.today().isoformat(),
    }

    def fail(status: int, message: str) -> Any:
        return pages._page("check.html", status, **_upload_context(lang, form=form, error=message))

    upload = request.files.get("bestand")
    limit = _limit()
    name = "upload"
    if upload is not None and upload.filename:
        body = upload.stream.read(limit + 1)
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", upload.filename).strip("-.") or "upload"
        suffix = upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else ""
        by_suffix = checking.parser_for_suffix(suffix)
        chosen = next((p for p in checking.PARSERS.values() if p.name == form["formaat"]), None)
        parser = chosen or by_suffix
        form["tekst"] = ""
    else:
        body = form["tekst"].encode("utf-8")
        parser = next((p for p in checking.PARSERS.values() if p.name == form["formaat"]), None)
        if parser is None:
            parser = checking.PARSERS.get("text/turtle")
    if not body.strip():
        return fail(400, t("check_empty", lang))
    if len(body) > limit:
        return fail(413, t("check_failed", lang, message=pages._message(checking.UploadTooLargeError(len(body), limit), lang)))
    if parser is None:
        return fail(415, t("check_failed", lang, message=pages._message(checking.UnsupportedUploadError(form["formaat"] or name), lang)))
    try:
        date = dt.date.fromisoformat(form["datum"])
    except ValueError:
        return fail(400, t("validation_bad_date", lang, value=form["datum"]))
    municipality = None
    if form["gemeente"]:
        form["context"] = True
        try:
            with page_lock.reading():
                municipality = scope.find_municipality(state().service.store, form["gemeente"]).slug
        except ValidationInputError as error:
            return fail(400, t("check_failed", lang, message=pages._message(error, lang)))
    service = state().service
    try:
        with contextlib.ExitStack() as stack:
            context = None
            if form["context"]:  # the store as the last commit left it (page_lock.py)
                context = workflow.public_copy(stack.enter_context(page_lock.committed_store(service, page_lock.reading())))
            report = checking.check(body, parser.media_type, date=date, lang=lang, context=context,
                                    municipality=municipality, max_bytes=limit, name=name,
                                    deadline=request_deadline())
    except ValidationTimeoutError as error:
        html, status = fail(503, t("check_failed", lang, message=pages._message(error, lang)))
        return html, status, {"Retry-After": retry_after(error)}
    except ValidationInputError as error:
        status = 413 if isinstance(error, checking.UploadTooLargeError) else 415 if isinstance(error, checking.UnsupportedUploadError) else 400
        return fail(status, t("check_failed", lang, message=pages._message(error, lang)))
    key = _kept().put(report, name)
    downloads = {k: pages.link("checking.check_download", key=key, format=k) for k in DOWNLOADS}
    context_view = _upload_context(lang, form=form, downloads=downloads, checked=name)
    group = request.form.get("per", "regel")
    with page_lock.reading():  # the actors' names, read from the store
        context_view.update(_report_view(report, lang, group if group in GROUPS else "regel"))
    return pages._page("check.html", **context_view)


@bp.get("/validatie/controleren/<key>", endpoint="check_download")
def check_download(key: str) -> Any:
    """A download of an upload's report (kept in memory for a while)."""
    lang = pages.current_lang()
    fmt = (request.args.get("format") or "json").lower()
    found = _kept().get(key) if re.fullmatch(r"[0-9a-f]{32}", key) else None
    if fmt not in DOWNLOADS:
        return pages._problem(400, f"onbekend formaat {fmt!r} ({', '.join(DOWNLOADS)})",
                              f"unknown format {fmt!r} ({', '.join(DOWNLOADS)})")
    if found is None:
        return pages._error_page(404, t("check_expired", lang))
    report, name = found
    return _download(report, fmt, lang, f"validatie-{name}", title=t("check_subject", lang, name=name))


def printable(report: Any, fmt: str, lang: str = "nl", title: str = "") -> bytes:
    """A report as a printable document (``pdf`` or ``html``), rendered by the pages'
    templates; needs an application's request context (the command line makes one
    around an empty in-memory store, so resources are named, not linked)."""
    if fmt not in ("pdf", "html"):
        raise ValueError(f"not a printable format: {fmt}")
    return _serialise(report, DOWNLOADS[fmt][0], lang, title)[0]


def register(app: Any) -> None:
    """Register the blueprints (the API's and the pages')."""
    app.register_blueprint(api_bp)
    app.register_blueprint(bp)


__all__ = ["DOWNLOADS", "ReportJobs", "api_bp", "bp", "operations", "printable", "register", "report_page",
           "store_report"]
