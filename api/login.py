"""Logging in and out on the pages: ``/inloggen`` (``/login``) and ``/uitloggen``
(``/logout``), for the users of ``mag-graph users`` (:class:`~mag_graph.access.auth.AuthRegistry`).

A good login starts a session (:mod:`.session`) and goes back to where the user came
from (a path on this site only, never another site); a wrong one says so without telling
whether the name exists; after too many wrong ones for a name from an address, or from
an address at all, every login from there is refused for a while, the right password
too, and the page says how long. Both forms carry a CSRF token.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, render_template, request

from . import pages, session
from .i18n import t

bp = Blueprint("login", __name__, template_folder="templates")
bp.context_processor(pages._template_helpers)


@bp.before_request
def _csrf() -> None:
    if request.method == "POST":
        session.protect()


def _safe_next(target: str | None) -> str | None:
    """A place on this site to go back to after logging in (a path, not a URL that
    could lead elsewhere: ``//host``, ``http://...`` and backslashes are refused)."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _form(status: int = 200, **context: Any) -> tuple[str, int]:
    lang = pages.current_lang()
    defaults = {"name": "", "next": _safe_next(request.values.get("next")) or "", "error": None}
    return render_template("workbench/login.html", title=t("login_title", lang), active="login",
                           **{**defaults, **context}), status


@bp.route("/login", methods=["GET", "POST"], endpoint="login")
@bp.route("/inloggen", methods=["GET", "POST"], endpoint="login")
def login() -> Any:
    lang = pages.current_lang()
    if request.method == "GET":
        return _form()
    name = (request.form.get("name") or "").strip()
    password = request.form.get("password") or ""
    if not name or not password:
        return _form(400, name=name, error=t("login_missing", lang))
    limiter = session.login_limiter()
    address = request.remote_addr or "?"
    refusal = limiter.refused(name, address)
    if refusal is not None:
        response = _form(429, name=name, error=t("login_limited", lang, minutes=refusal.minutes))
        return response[0], response[1], {"Retry-After": str(refusal.minutes * 60)}
    registry = session._registry()
    found = registry.verify_password(name, password) if registry is not None else None
    if found is None:
        limiter.failed(name, address)
        return _form(403, name=name, error=t("login_failed", lang))
    limiter.succeeded(name, address)
    session.log_in(found.name, registry.session_stamp(found.name) or "")
    target = _safe_next(request.form.get("next")) or pages.link("workbench.dashboard")
    return redirect(target, code=303)


@bp.post("/logout", endpoint="logout")
@bp.post("/uitloggen", endpoint="logout")
def logout() -> Response:
    session.log_out()
    return redirect(pages.link("pages.home"), code=303)  # type: ignore[return-value]


__all__ = ["bp"]
