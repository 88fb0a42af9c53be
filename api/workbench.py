"""The analyst's workbench: editing the graph in the browser, for editors and reviewers
logged in on the pages (:mod:`.session`).

``/werkbank`` lists the content types with a "new" link and the drafts to finish or to
review; ``/werkbank/{type}/nieuw`` and ``/werkbank/{type}/{ref}/bewerken`` are forms
generated from the type's JSON Schema, the same one ``/api/v1/types/{type}`` gives
(:mod:`.forms`). A form post goes through the same CMS write as the API
(:class:`~mag_graph.cms.content.Content`: validation, history, ETag from a hidden
field); a refused write shows every violated rule next to its field, in the page
language, and nothing is stored. References are picked by name (the FTS5 search,
``/werkbank/zoeken``), never typed as IRIs. Every form carries a CSRF token; the views
work without JavaScript, and a small script (``static/workbench.js``) makes the
reference picker search as you type and adds and removes values in place.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError

from mag_graph.access.auth import Principal
from mag_graph.cms import content as core
from mag_graph.cms import workflow, working_copy
from mag_graph.cms.errors import WorkingCopyPendingError
from mag_graph.questions import describe
from mag_graph.store import MagGraphError

from . import display, forms, pages, session
from .cms import ref_for
from .i18n import t
from .problems import status_for
from .runtime import state

bp = Blueprint("workbench", __name__, template_folder="templates")
bp.context_processor(pages._template_helpers)


class LoginRequired(Exception):
    """The view needs a logged-in user with a role: answered with the login page."""

    def __init__(self, role: str) -> None:
        super().__init__(role)
        self.role = role


@bp.before_request
def _csrf() -> None:
    if request.method == "POST":
        session.protect()


@bp.errorhandler(CSRFError)
def _csrf_failed(exc: CSRFError) -> Any:
    lang = pages.current_lang()
    return render_template("error.html", title=t("error_title", lang), message=t("csrf_failed", lang), code=400), 400


@bp.errorhandler(LoginRequired)
def _login_required(exc: LoginRequired) -> Any:
    lang = pages.current_lang()
    user = session.session_principal()
    if user is None:
        return redirect(pages.link("login.login", next=request.full_path.rstrip("?")), code=303)
    message = t("workbench_role_needed", lang, name=user.name, role=t("role_" + exc.role, lang))
    return render_template("error.html", title=t("error_title", lang), message=message, code=403), 403


def editor(role: str = "editor") -> Principal:
    """The logged-in user when they may act as ``role``; otherwise the login page (not
    logged in) or a 403 page (a role too low)."""
    user = session.session_principal()
    if user is None or not user.may(role):
        raise LoginRequired(role)
    return user


@bp.app_context_processor
def _edit_links() -> dict[str, Any]:
    return {"edit_href": edit_href, "working_copy_of": working_copy_of}


def working_copy_of(iri: Any) -> dict[str, Any] | None:
    """The pending working copy of ``iri`` as the pages mention it to a logged-in editor
    or reviewer (who made it, since when, links to it and to the review list); ``None``
    for anyone else, whatever the store holds."""
    if not iri or not session.sees_drafts():
        return None
    if "mag_graph_copies" not in g:  # one read of magg:werkkopie per request
        g.mag_graph_copies = {str(c.of): c for c in working_copy.all_copies(cms().store)}
    copy = g.mag_graph_copies.get(str(iri))
    if copy is None:
        return None
    lang = pages.current_lang()
    return {"agent": copy.creator, "since": display.dutch_datetime(copy.created, lang), "last": copy.agent,
            "href": edit_href(iri), "review_href": pages.link("review_lists.to_review")}


def edit_href(iri: Any) -> str | None:
    """The workbench form of a content resource, for a logged-in editor (else ``None``)."""
    if not iri or not session.sees_drafts():
        return None
    kind = cms().resource(str(iri)).type
    if kind is None:
        return None
    return pages.link("workbench.edit", type_name=kind.name, ref=ref_for(kind, str(iri)))


def cms() -> core.Content:
    return core.Content.for_store(state().store)


def _page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, active="workbench", **context), status


@bp.get("/workbench", endpoint="dashboard")
@bp.get("/werkbank", endpoint="dashboard")
def dashboard() -> Any:
    """The content types to create, and the drafts to finish or to review."""
    user = editor()
    lang = pages.current_lang()
    types = [{"name": k.name, "title": k.title(lang), "href": pages.link("workbench.create", type_name=k.name)}
             for k in sorted(core.content_types().values(), key=lambda k: k.title(lang).lower())]
    drafts = []
    content = cms()
    for iri in sorted(session.concept_iris()):
        found = content.resource(iri)
        if found.type is None:
            continue
        drafts.append({"iri": iri, "label": found.label(lang),
                       "type": found.type.title(lang),
                       "edit": pages.link("workbench.edit", type_name=found.type.name, ref=ref_for(found.type, iri)),
                       "page": pages.resource_href(iri)})
    drafts.sort(key=lambda d: (d["type"], d["label"].lower()))
    return _page("workbench/dashboard.html", title=t("workbench_title", lang), types=types, drafts=drafts,
                 reviewer=user.may("reviewer"))


# --------------------------------------------------------------------------- forms


def _kind(type_name: str) -> core.ContentType:
    try:
        kind = core.content_type(type_name)
    except core.NotFoundError:
        kind = None
    if kind is None or kind.name != type_name:
        raise NotFound(type_name)
    return kind


class NotFound(Exception):
    """An unknown content type or item: the 404 page."""


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound) -> Any:
    lang = pages.current_lang()
    return render_template("error.html", title=t("not_found_title", lang),
                           message=t("workbench_not_found", lang, name=str(exc)), code=404), 404


def _municipalities(lang: str) -> list[tuple[str, str]]:
    return [(iri, label) for iri, label, _ in describe.municipalities(state().store, lang)]


def _form_view(kind: core.ContentType, document: dict[str, Any] | None, lang: str) -> forms.FormView:
    schema = core.json_schema(kind, lang=lang)
    view = forms.build_form(schema, document, lang=lang, municipality_options=_municipalities(lang))
    refs = [v for f in view.fields if f.widget == "ref" for v in f.values]
    labels = forms.labels_of(state().store, refs, lang)
    for f in view.fields:
        if f.widget == "ref":
            f.labels = {v: labels.get(v, v) for v in f.values}
    return view


def find_by_name(query: str, types: tuple[str, ...], role: str, lang: str, *, limit: int = 10) -> list[dict[str, Any]]:
    """Resources whose names match ``query`` (the FTS5 search), among ``types`` when
    given, best first, with the same visibility as the user's (editors find drafts)."""
    if not query.strip():
        return []
    content = cms()
    if len(types) == 1:
        items = content.search_text(query, role=role, ctype=types[0], limit=limit, lang=lang)["items"]
    else:
        items = content.search_text(query, role=role, limit=100, lang=lang)["items"]
        if types:
            items = [i for i in items if i["type"] in types]
    return [{"id": i["id"], "label": i["label"], "type": core.content_type(i["type"]).title(lang), "state": i["state"]}
            for i in items[:limit]]


def _search_candidates(view: forms.FormView, key: str, query: str, role: str, lang: str) -> None:
    """Fill the picker of field ``key`` with what the search finds for ``query`` (the
    no-JavaScript way of picking a reference)."""
    target = view.field(key)
    if target is None or target.widget != "ref":
        return
    target.query = query
    target.candidates = [c for c in find_by_name(query, target.search_types, role, lang) if c["id"] not in target.values]


def _render_form(kind: core.ContentType, view: forms.FormView, *, status: int = 200, iri: str | None = None,
                 etag: str | None = None, **context: Any) -> tuple[str, int]:
    lang = pages.current_lang()
    title = (t("form_edit_title", lang, type=kind.title(lang)) if iri
             else t("form_create_title", lang, type=kind.title(lang)))
    action = (pages.link("workbench.edit", type_name=kind.name, ref=ref_for(kind, iri)) if iri
              else pages.link("workbench.create", type_name=kind.name))
    return _page("workbench/form.html", status, title=title, form=view, kind=kind, iri=iri, etag=etag,
                 action=action, search_url=pages.link("workbench.search"), **context)


def _action() -> tuple[str, str]:
    """What the post asks for: ``save``, ``check``, ``search`` (a field's picker) or
    ``more`` (one more value of a field); with the field's key."""
    raw = request.form.get("_actie", "opslaan")
    name, _, key = raw.partition(":")
    return {"opslaan": "save", "controleren": "check", "zoek": "search", "meer": "more"}.get(name, "save"), key


def _redisplay(kind: core.ContentType, posted: forms.Posted, lang: str, role: str, key: str, action: str) -> forms.FormView:
    view = _form_view(kind, posted.shown, lang)
    for field_key, messages in posted.errors.items():
        f = view.field(field_key)
        if f is not None:
            f.errors.extend(messages)
    if action == "search":
        _search_candidates(view, key, request.form.get("q." + key, ""), role, lang)
    elif action == "more":
        f = view.field(key)
        if f is not None:
            f.values.append("")
    return view


@bp.route("/workbench/<type_name>/new", methods=["GET", "POST"], endpoint="create")
@bp.route("/werkbank/<type_name>/nieuw", methods=["GET", "POST"], endpoint="create")
def create(type_name: str) -> Any:
    """A new resource of a type (a concept until a reviewer adopts it)."""
    user = editor()
    lang = pages.current_lang()
    kind = _kind(type_name)
    if request.method == "GET":
        return _render_form(kind, _form_view(kind, None, lang))
    schema = core.json_schema(kind, lang=lang)
    posted = forms.read_form(schema, request.form, lang=lang, municipality_options=_municipalities(lang))
    action, key = _action()
    if action in ("search", "more") or posted.errors:
        view = _redisplay(kind, posted, lang, user.role, key, action)
        return _render_form(kind, view, status=400 if posted.errors and action not in ("search", "more") else 200)
    document = dict(posted.document)
    document.setdefault("type", schema["properties"]["type"].get("default"))
    dry_run = action == "check"
    try:
        result = cms().create(kind, document, agent=user.name, role=user.role, lang=lang, dry_run=dry_run)
    except core.ValidationFailedError as exc:
        view = _redisplay(kind, posted, lang, user.role, "", "save")
        forms.findings_by_field(view, exc.results, None, lang)
        return _render_form(kind, view, status=422, refused=True, checking=dry_run)
    except MagGraphError as exc:
        view = _redisplay(kind, posted, lang, user.role, "", "save")
        view.general_errors.append(exc.nl if lang == "nl" else exc.en)
        return _render_form(kind, view, status=status_for(type(exc)), refused=True)
    if dry_run:
        return _render_form(kind, _redisplay(kind, posted, lang, user.role, "", "save"), checked=_checked(result, lang))
    flash(_saved_message(result, lang, created=True), "saved")
    return redirect(pages.link("workbench.edit", type_name=kind.name, ref=ref_for(kind, result.iri)), code=303)


def _checked(result: core.WriteResult, lang: str) -> dict[str, Any]:
    """What a "check, don't save" shows: it passed, with the warnings it raised."""
    warnings = []
    for warning in result.warnings:
        message = warning.get("message", {})
        warnings.append(f"{warning.get('rule') or ''}: {message.get(lang) or message.get('nl', '')}")
    return {"warnings": warnings}


def _saved_message(result: core.WriteResult, lang: str, *, created: bool = False) -> str:
    if result.revision is None:
        return t("form_unchanged", lang)
    state_label = t("state_" + (result.state or "concept"), lang)
    return t("form_created" if created else "form_saved", lang, state=state_label)


@bp.route("/workbench/<type_name>/<ref>/edit", methods=["GET", "POST"], endpoint="edit")
@bp.route("/werkbank/<type_name>/<ref>/bewerken", methods=["GET", "POST"], endpoint="edit")
def edit(type_name: str, ref: str) -> Any:
    """Change a resource: a merge patch of the form's fields, with the ETag the form was
    made from (someone else's change meanwhile is shown, never overwritten)."""
    user = editor()
    lang = pages.current_lang()
    kind = _kind(type_name)
    iri = _iri(kind, ref)
    try:
        document, found = cms().document(iri, role=user.role, ctype=kind)
    except core.NotFoundError:
        raise NotFound(ref) from None
    copy = working_copy.read(cms().store, iri) if found.state == workflow.ADOPTED else None
    diverts = working_copy.diverts(user.role, found.state)
    if copy is not None and diverts:
        document = working_copy.document(cms(), copy, kind)  # the editor goes on from the working copy
    context = {"state": found.state, "page_href": pages.resource_href(iri), **review_context(found.state, kind, ref, user),
               "working_copy": _copy_context(copy, kind, ref, user, lang, found.etag) if copy else None,
               "diverts": diverts}
    if request.method == "GET":
        # An editor's save of a pending working copy names the copy's version (its own ETag).
        return _render_form(kind, _form_view(kind, document, lang), iri=iri, etag=found.etag,
                            save_etag=copy.etag if copy is not None and diverts else found.etag, **context)
    schema = core.json_schema(kind, lang=lang)
    posted = forms.read_form(schema, request.form, lang=lang, current=document,
                             municipality_options=_municipalities(lang))
    action, key = _action()
    etag = request.form.get("_etag", "")
    context["save_etag"] = etag
    context["etag"] = found.etag if copy is not None and diverts else etag  # the workflow buttons' version
    if action in ("search", "more") or posted.errors:
        view = _redisplay(kind, posted, lang, user.role, key, action)
        status = 400 if posted.errors and action not in ("search", "more") else 200
        return _render_form(kind, view, status=status, iri=iri, **context)
    dry_run = action == "check"
    try:
        result = cms().patch(iri, posted.document, agent=user.name, role=user.role, if_match=f'"{etag}"',
                             ctype=kind, lang=lang, dry_run=dry_run)
    except core.ValidationFailedError as exc:
        view = _redisplay(kind, posted, lang, user.role, "", "save")
        forms.findings_by_field(view, exc.results, iri, lang)
        return _render_form(kind, view, status=422, iri=iri, refused=True, checking=dry_run, **context)
    except (core.PreconditionFailedError, WorkingCopyPendingError) as exc:
        # someone saved meanwhile (the item, or its working copy): what is stored now beside the input
        view = _redisplay(kind, posted, lang, user.role, "", "save")
        changed = _changed_fields(view, kind, document, posted, lang)
        on_copy = copy is not None and diverts
        return _render_form(kind, view, status=409 if on_copy else 412, iri=iri, stale=changed, stale_copy=on_copy,
                            stale_message=exc.nl if lang == "nl" else exc.en,
                            reload_href=pages.link("workbench.edit", type_name=kind.name, ref=ref), **context)
    except MagGraphError as exc:
        view = _redisplay(kind, posted, lang, user.role, "", "save")
        view.general_errors.append(exc.nl if lang == "nl" else exc.en)
        return _render_form(kind, view, status=status_for(type(exc)), iri=iri, refused=True, **context)
    if dry_run:
        return _render_form(kind, _redisplay(kind, posted, lang, user.role, "", "save"), iri=iri,
                            checked=_checked(result, lang), **context)
    flash(t("working_copy_saved", lang) if result.working_copy else _saved_message(result, lang), "saved")
    for warning in result.warnings:
        message = warning.get("message", {})
        flash(f"{warning.get('rule') or ''}: {message.get(lang) or message.get('nl', '')}", "warning")
    return redirect(pages.link("workbench.edit", type_name=kind.name, ref=ref), code=303)


def _copy_context(copy: working_copy.WorkingCopy, kind: core.ContentType, ref: str, user: Principal,
                  lang: str, adopted_etag: str) -> dict[str, Any]:
    """What the edit form says of a working copy: who saved it when, and for reviewers
    the buttons to adopt or discard it."""
    return {"agent": copy.agent, "saved": display.dutch_datetime(copy.saved, lang), "etag": copy.etag,
            "creator": copy.creator, "created": display.dutch_datetime(copy.created, lang),
            "editing": working_copy.diverts(user.role, workflow.ADOPTED),
            "outdated": copy.based_on != adopted_etag,  # the adopted version changed since the copy was made
            "may_adopt": user.may("reviewer"),
            "adopt_href": pages.link("review.adopt_copy", type_name=kind.name, ref=ref),
            "discard_href": pages.link("review.discard_copy", type_name=kind.name, ref=ref)}


def _changed_fields(view: forms.FormView, kind: core.ContentType, document: dict[str, Any], posted: forms.Posted,
                    lang: str) -> list[dict[str, str]]:
    """What is stored now that differs from what the form shows (someone else's change
    since the form was opened), field by field, in words."""
    stored = _form_view(kind, document, lang)
    out = []
    for mine in view.fields:
        theirs = stored.field(mine.key)
        if theirs is None:
            continue
        if forms.shown(theirs) != forms.shown(mine):
            out.append({"label": mine.label, "stored": forms.shown(theirs) or "—", "mine": forms.shown(mine) or "—"})
    return out


def transitions_for(state: str | None, user: Principal) -> list[dict[str, Any]]:
    """The workflow steps this user may take from ``state`` (the API's rules)."""
    return [{"name": step.name, "label": step.label} for step in workflow.TRANSITIONS.values()
            if (needed := step.role_needed(state or "")) is not None and user.may(needed)]


def review_context(state: str | None, kind: core.ContentType, ref: str, user: Principal) -> dict[str, Any]:
    """What the edit form shows of review and history (:mod:`.review`): the workflow
    steps this user may take, the history tab, deleting."""
    return {
        "ref": ref,
        "transitions": transitions_for(state, user),
        "history_href": pages.link("review.history", type_name=kind.name, ref=ref),
        "delete_href": pages.link("review.delete", type_name=kind.name, ref=ref),
    }


def _iri(kind: core.ContentType, ref: str) -> str:
    if ref.startswith("~"):
        import base64
        import binascii

        try:
            return base64.urlsafe_b64decode(ref[1:] + "=" * (-len(ref[1:]) % 4)).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise NotFound(ref) from None
    return str(cms().iri_for(kind, ref))


# --------------------------------------------------------------------------- picker


@bp.get("/workbench/search", endpoint="search")
@bp.get("/werkbank/zoeken", endpoint="search")
def search() -> Any:
    """Resources by name for the reference picker (JSON for the script; the same
    visibility as the user's: editors find drafts too)."""
    user = editor()
    lang = pages.current_lang()
    q = request.args.get("q", "")
    types = tuple(dict.fromkeys(_kind(name).name for raw in request.args.getlist("type") for name in raw.split(",") if name))
    items = find_by_name(q, types, user.role, lang)
    response = jsonify({"query": q, "items": items})
    response.headers["Cache-Control"] = "private, no-store"
    return response


__all__ = ["bp", "editor"]
