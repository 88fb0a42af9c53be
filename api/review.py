"""Review and history in the workbench: the workflow steps (vaststellen, archiveren,
heropenen) with the API's rules, the history tab of an item (who, when, what changed, as
a diff of fields rather than triples), reverting to a revision (itself a validated
revision), and deleting with the link-integrity check shown as a list of what refers to
the item. Every step is a form with a CSRF token and the ETag it is based on, and goes
through :class:`~mag_graph.cms.content.Content`, like the API.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request
from flask_wtf.csrf import CSRFError

from mag_graph.cms import content as core
from mag_graph.cms import workflow, working_copy
from mag_graph.store import MagGraphError

from . import forms, pages, workbench
from .cms import ref_for
from .i18n import t
from .problems import status_for

bp = Blueprint("review", __name__, template_folder="templates")
bp.context_processor(pages._template_helpers)
bp.before_request(workbench._csrf)
bp.register_error_handler(CSRFError, workbench._csrf_failed)
bp.register_error_handler(workbench.LoginRequired, workbench._login_required)
bp.register_error_handler(workbench.NotFound, workbench._not_found)


_ACTIONS = ("create", "update", "replace", "patch", "delete", "import", "revert")


def _item(type_name: str, ref: str, role: str) -> tuple[core.ContentType, str]:
    kind = workbench._kind(type_name)
    iri = workbench._iri(kind, ref)
    return kind, iri


def _back(kind: core.ContentType, ref: str) -> Any:
    return redirect(pages.link("workbench.edit", type_name=kind.name, ref=ref), code=303)


def _message(exc: MagGraphError, lang: str) -> str:
    return exc.nl if lang == "nl" else exc.en


@bp.post("/workbench/<type_name>/<ref>/workflow/<step>", endpoint="transition")
@bp.post("/werkbank/<type_name>/<ref>/workflow/<step>", endpoint="transition")
def transition(type_name: str, ref: str, step: str) -> Any:
    """Adopt, archive or reopen (reviewers; reopening archived content: editors too)."""
    user = workbench.editor()
    lang = pages.current_lang()
    kind, iri = _item(type_name, ref, user.role)
    if step not in workflow.TRANSITIONS:
        raise workbench.NotFound(step)
    try:
        result = workbench.cms().transition(iri, step, agent=user.name, role=user.role,
                                            if_match=f'"{request.form.get("_etag", "")}"', ctype=kind, lang=lang)
    except MagGraphError as exc:
        flash(_message(exc, lang), "error")
        return _back(kind, ref)
    flash(t("review_done", lang, step=workflow.TRANSITIONS[step].label[lang],
            state=t("state_" + (result.state or "concept"), lang)), "saved")
    return _back_to(kind, ref)


@bp.post("/workbench/<type_name>/<ref>/working-copy/adopt", endpoint="adopt_copy")
@bp.post("/werkbank/<type_name>/<ref>/werkkopie/vaststellen", endpoint="adopt_copy")
def adopt_copy(type_name: str, ref: str) -> Any:
    """A reviewer adopts an editor's working copy of adopted content (validated again)."""
    user = workbench.editor("reviewer")
    lang = pages.current_lang()
    kind, iri = _item(type_name, ref, user.role)
    try:
        working_copy.adopt(workbench.cms(), iri, agent=user.name, role=user.role,
                           if_match=f'"{request.form.get("_etag", "")}"', ctype=kind, lang=lang)
    except core.ValidationFailedError as exc:
        for finding in exc.results:
            message = finding.get("message", {})
            flash(f"{finding.get('rule') or ''}: {message.get(lang) or message.get('nl', '')}", "error")
        return _back(kind, ref)
    except MagGraphError as exc:
        flash(_message(exc, lang), "error")
        return _back(kind, ref)
    flash(t("working_copy_adopted", lang), "saved")
    return _back_to(kind, ref)


@bp.post("/workbench/<type_name>/<ref>/working-copy/discard", endpoint="discard_copy")
@bp.post("/werkbank/<type_name>/<ref>/werkkopie/weggooien", endpoint="discard_copy")
def discard_copy(type_name: str, ref: str) -> Any:
    """Throw a working copy away (editors and up); the adopted version stays."""
    user = workbench.editor()
    lang = pages.current_lang()
    kind, iri = _item(type_name, ref, user.role)
    try:
        etag = request.form.get("_etag", "")  # the copy the user saw: a copy saved since is not thrown away unseen
        working_copy.discard(workbench.cms(), iri, agent=user.name, role=user.role, ctype=kind,
                             if_match=f'"{etag}"' if etag else None)
    except MagGraphError as exc:
        flash(_message(exc, lang), "error")
        return _back(kind, ref)
    flash(t("working_copy_discarded", lang), "saved")
    return _back_to(kind, ref)


def _back_to(kind: core.ContentType, ref: str) -> Any:
    """Back where the step was taken: a list page (``_terug``, a known page only) or the item."""
    target = request.form.get("_terug", "")
    if target in _LIST_PAGES:
        return redirect(pages.link(target), code=303)
    return _back(kind, ref)


_LIST_PAGES = ("review_lists.mine", "review_lists.to_review")


# --------------------------------------------------------------------------- history


def _versions(kind: core.ContentType, iri: str, role: str, lang: str) -> list[dict[str, Any]]:
    """Each revision, newest first, with what it changed field by field."""
    content = workbench.cms()
    revisions = content.history(iri, role=role)
    documents = []
    for revision in revisions:
        found = content.as_of(iri, revision.id, role=role)
        documents.append(core.to_jsonld(found.iri, found.triples, found.type or kind) if found.quads else {})
    views = [workbench._form_view(kind, document, lang) for document in documents]
    empty = workbench._form_view(kind, {}, lang)
    out = []
    for n, revision in enumerate(revisions):
        after = views[n]
        before = views[n + 1] if n + 1 < len(views) else empty
        changes = []
        for field in after.fields:
            old = before.field(field.key)
            old_text = forms.shown(old) if old is not None else ""
            new_text = forms.shown(field)
            if old_text != new_text:
                changes.append({"label": field.label, "old": old_text, "new": new_text})
        if documents[n] and (n + 1 == len(documents) or documents[n + 1]) and \
                after.type_value != (before.type_value if n + 1 < len(views) else after.type_value):
            changes.insert(0, {"label": t("form_type", lang), "old": before.type_value, "new": after.type_value})
        out.append({
            "id": revision.id,
            "time": revision.time.replace("T", " ")[:16],
            "agent": revision.agent or "?",
            "action": revision.action,
            "action_label": t("history_action_" + revision.action, lang) if revision.action in _ACTIONS else revision.action,
            "transition": revision.transition,
            "revert_of": revision.revert_of,
            "state_before": revision.state_before,
            "state_after": revision.state_after,
            "changes": changes,
            "latest": n == 0,
            "deleted": not documents[n],
        })
    return out


@bp.get("/workbench/<type_name>/<ref>/history", endpoint="history")
@bp.get("/werkbank/<type_name>/<ref>/historie", endpoint="history")
def history(type_name: str, ref: str) -> Any:
    """The history tab: who changed what, when; revert to any earlier revision."""
    user = workbench.editor()
    lang = pages.current_lang()
    kind, iri = _item(type_name, ref, user.role)
    try:
        versions = _versions(kind, iri, user.role, lang)
    except core.NotFoundError:
        raise workbench.NotFound(ref) from None
    current = workbench.cms().resource(iri)
    label = current.label(lang) if current.exists else iri.rsplit("/", 1)[-1]
    return render_template("workbench/history.html", title=t("history_title", lang, name=label), versions=versions,
                           kind=kind, ref=ref, iri=iri, etag=current.etag if current.exists else "",
                           exists=current.exists, state=current.state, active="workbench",
                           edit_href=pages.link("workbench.edit", type_name=kind.name, ref=ref) if current.exists else None)


@bp.post("/workbench/<type_name>/<ref>/history/<rev>/revert", endpoint="revert")
@bp.post("/werkbank/<type_name>/<ref>/historie/<rev>/terugzetten", endpoint="revert")
def revert(type_name: str, ref: str, rev: str) -> Any:
    """Restore the item as it was right after a revision: a new, validated revision."""
    user = workbench.editor()
    lang = pages.current_lang()
    kind, iri = _item(type_name, ref, user.role)
    etag = request.form.get("_etag", "")
    try:
        result = workbench.cms().revert(iri, rev, agent=user.name, role=user.role,
                                        if_match=f'"{etag}"' if etag else None, lang=lang)
    except core.ValidationFailedError as exc:
        for finding in exc.results:
            message = finding.get("message", {})
            flash(f"{finding.get('rule') or ''}: {message.get(lang) or message.get('nl', '')}", "error")
        return redirect(pages.link("review.history", type_name=kind.name, ref=ref), code=303)
    except MagGraphError as exc:
        flash(_message(exc, lang), "error")
        return redirect(pages.link("review.history", type_name=kind.name, ref=ref), code=303)
    flash(t("history_reverted", lang, state=t("state_" + (result.state or "concept"), lang)), "saved")
    return redirect(pages.link("workbench.edit", type_name=kind.name, ref=ref_for(kind, iri)), code=303)


# --------------------------------------------------------------------------- delete


@bp.route("/workbench/<type_name>/<ref>/delete", methods=["GET", "POST"], endpoint="delete")
@bp.route("/werkbank/<type_name>/<ref>/verwijderen", methods=["GET", "POST"], endpoint="delete")
def delete(type_name: str, ref: str) -> Any:
    """Delete after confirming, showing what refers to the item (then it cannot be
    deleted without removing those links first; admins may force it)."""
    user = workbench.editor()
    lang = pages.current_lang()
    kind, iri = _item(type_name, ref, user.role)
    content = workbench.cms()
    try:
        found = content.get(iri, role=user.role, ctype=kind)
    except core.NotFoundError:
        raise workbench.NotFound(ref) from None
    error = None
    status = 200
    if request.method == "POST":
        force = request.form.get("force") == "1" and user.may("admin")
        try:
            content.delete(iri, agent=user.name, role=user.role, if_match=f'"{request.form.get("_etag", "")}"',
                           force=force, ctype=kind, lang=lang)
        except core.HasReferrersError:
            error, status = t("delete_has_referrers", lang), 409
        except MagGraphError as exc:
            error, status = _message(exc, lang), status_for(type(exc))
        else:
            flash(t("delete_done", lang, name=found.label(lang)), "saved")
            return redirect(pages.link("workbench.dashboard"), code=303)
    referrers = [dict(r, href=pages.resource_href(r["id"])) for r in content.referrers(iri)]
    return render_template("workbench/delete.html", title=t("delete_title", lang, name=found.label(lang)),
                           referrers=referrers, etag=found.etag, kind=kind, ref=ref, error=error,
                           may_force=user.may("admin"), active="workbench",
                           edit_href=pages.link("workbench.edit", type_name=kind.name, ref=ref)), status


__all__ = ["bp"]
