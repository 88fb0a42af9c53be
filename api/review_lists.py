"""The workbench's lists: "Mijn concepten" (the drafts and working copies an editor made)
and "Te beoordelen" (every draft and working copy waiting for a reviewer), with the
reviewer's buttons: adopt (vaststellen) and archive for drafts, adopt and discard for
working copies. The buttons are the same forms as on the edit page (:mod:`.review`),
offered by the API's workflow rules (:func:`.workbench.transitions_for`): an editor sees
the lists without them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_wtf.csrf import CSRFError

from mag_graph.access.auth import Principal
from mag_graph.cms import history, working_copy

from . import display, pages, session, workbench
from .cms import ref_for
from .i18n import t

bp = Blueprint("review_lists", __name__, template_folder="templates")
bp.context_processor(pages._template_helpers)
bp.register_error_handler(CSRFError, workbench._csrf_failed)
bp.register_error_handler(workbench.LoginRequired, workbench._login_required)


def _drafts(user: Principal, lang: str) -> list[dict[str, Any]]:
    """Every draft the user may see, with who worked on it and when last, and the steps
    the user may take."""
    content = workbench.cms()
    out = []
    for iri in sorted(session.concept_iris()):
        found = content.resource(iri)
        if found.type is None:
            continue
        revisions = history.revisions(content.store, iri)
        ref = ref_for(found.type, iri)
        out.append({
            "iri": iri, "label": found.label(lang), "type": found.type.title(lang), "etag": found.etag,
            "authors": sorted({r.agent for r in revisions if r.agent}),
            "changed": display.dutch_datetime(revisions[0].time, lang) if revisions else "",
            "changed_by": revisions[0].agent if revisions else "",
            "edit": pages.link("workbench.edit", type_name=found.type.name, ref=ref),
            "steps": [dict(s, href=pages.link("review.transition", type_name=found.type.name, ref=ref, step=s["name"]))
                      for s in workbench.transitions_for(found.state, user) if s["name"] != "heropenen"],
        })
    out.sort(key=lambda d: (d["type"], d["label"].lower()))
    return out


def _copies(user: Principal, lang: str) -> list[dict[str, Any]]:
    """Every working copy of adopted content, oldest first."""
    content = workbench.cms()
    out = []
    for copy in working_copy.all_copies(content.store):
        found = content.resource(copy.of)
        if found.type is None:
            continue
        ref = ref_for(found.type, str(copy.of))
        out.append({
            "iri": str(copy.of), "label": found.label(lang), "type": found.type.title(lang), "etag": copy.etag,
            "agent": copy.agent, "saved": display.dutch_datetime(copy.saved, lang), "creator": copy.creator,
            "edit": pages.link("workbench.edit", type_name=found.type.name, ref=ref),
            "adopt": pages.link("review.adopt_copy", type_name=found.type.name, ref=ref) if user.may("reviewer") else None,
            "discard": pages.link("review.discard_copy", type_name=found.type.name, ref=ref),
        })
    return out


def _render(which: str, user: Principal, drafts: list[dict[str, Any]], copies: list[dict[str, Any]]) -> Any:
    lang = pages.current_lang()
    return render_template("workbench/lists.html", title=t("list_" + which, lang), which=which, drafts=drafts,
                           copies=copies, reviewer=user.may("reviewer"), active="workbench",
                           back="review_lists.mine" if which == "mine" else "review_lists.to_review")


@bp.get("/workbench/my-drafts", endpoint="mine")
@bp.get("/werkbank/mijn-concepten", endpoint="mine")
def mine() -> Any:
    """The drafts this editor worked on and the working copies they saved."""
    user = workbench.editor()
    lang = pages.current_lang()
    drafts = [d for d in _drafts(user, lang) if user.name in d["authors"]]
    copies = [c for c in _copies(user, lang) if user.name in (c["agent"], c["creator"])]  # made or last saved
    return _render("mine", user, drafts, copies)


@bp.get("/workbench/to-review", endpoint="to_review")
@bp.get("/werkbank/te-beoordelen", endpoint="to_review")
def to_review() -> Any:
    """Everything waiting for a reviewer: every draft and every working copy."""
    user = workbench.editor()
    lang = pages.current_lang()
    return _render("to_review", user, _drafts(user, lang), _copies(user, lang))


__all__ = ["bp"]
