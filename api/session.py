"""The browser session of the workbench: who is logged in on the pages, and the
protections that come with a cookie.

* The session is Flask's: a cookie signed with the application's secret key
  (itsdangerous), ``HttpOnly`` and ``SameSite=Lax``. It holds the user's name and a stamp
  of the password it logged in with (:meth:`~mag_graph.access.auth.AuthRegistry.session_stamp`),
  never a password or a role: the role is read afresh on every request, and a changed
  password or a removed user ends the session.
* The secret key: the setting ``MAG_GRAPH_SECRET_KEY`` (or the environment variable of
  that name); else a random key made once and kept beside the store in
  ``session-secret`` (mode 0600, like ``auth.sqlite``), so sessions survive a restart;
  an in-memory store gets a key that lives as long as the process.
* CSRF: every state-changing form of the workbench carries a token (Flask-WTF's
  :class:`~flask_wtf.csrf.CSRFProtect`); the blueprints that have such forms call
  :func:`protect` before their views, and a POST without a good token is refused (400)
  before anything happens. The API is not protected this way: it authenticates by the
  ``Authorization`` header, never by this cookie.
* Failed logins are limited per user name and address and per address
  (:class:`LoginLimiter`, on the ``limits`` library), so a password cannot be guessed at
  the speed of scrypt.

The session only speaks for the pages: :func:`mag_graph.api.runtime.principal` (the API)
never reads it.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import CSRFProtect
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from rdflib import URIRef
from rdflib.namespace import RDF

from mag_graph.access.auth import Principal
from mag_graph.cms import workflow
from mag_graph.store import state_directory

from .i18n import request_language, t

SECRET_FILE = "session-secret"
SESSION_COOKIE = "mag_graph_session"
DEFAULT_LOGIN_LIMIT = "5 per 15 minutes"  # wrong passwords per user name and address
DEFAULT_ADDRESS_LIMIT = "30 per 15 minutes"  # wrong passwords per address, whatever the name

csrf = CSRFProtect()


# --------------------------------------------------------------------------- secret key


def secret_key(setting: str | bytes | None, store_location: str | None) -> bytes:
    """The key that signs session cookies and CSRF tokens (see the module's docstring)."""
    value = setting or os.environ.get("MAG_GRAPH_SECRET_KEY")
    if value:
        return value.encode("utf-8") if isinstance(value, str) else value
    directory = state_directory(store_location)
    if directory is None:
        return secrets.token_bytes(32)
    path = directory / SECRET_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        pass
    key = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with 0600 from the start (never readable by others, not even briefly).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
    return key


# --------------------------------------------------------------------------- login limits


@dataclass(frozen=True)
class Refusal:
    """Why a login is not even tried: too many failures; ``minutes`` until it may."""

    minutes: int


class LoginLimiter:
    """Counts failed logins per (user name, address) and per address, in a moving
    window; while either count is at its limit, every login from there is refused
    (the right password too), without checking the password."""

    def __init__(self, per_user: str = DEFAULT_LOGIN_LIMIT, per_address: str = DEFAULT_ADDRESS_LIMIT) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.per_user = parse(per_user)
        self.per_address = parse(per_address)

    def _keys(self, name: str, address: str) -> Iterable[tuple[Any, tuple[str, ...]]]:
        yield self.per_user, ("login-user", name.lower(), address)
        yield self.per_address, ("login-address", address)

    def refused(self, name: str, address: str) -> Refusal | None:
        waits = []
        for item, keys in self._keys(name, address):
            if not self.limiter.test(item, *keys):
                reset = self.limiter.get_window_stats(item, *keys).reset_time
                waits.append(max(1, int((reset - time.time()) // 60) + 1))
        return Refusal(max(waits)) if waits else None

    def failed(self, name: str, address: str) -> None:
        for item, keys in self._keys(name, address):
            self.limiter.hit(item, *keys)

    # HTTP Basic (api/runtime.py) counts per name and address only: every client of one
    # address (a proxy, the tests) would otherwise lock out each other's right passwords.
    def refused_user(self, name: str, address: str) -> Refusal | None:
        item, keys = next(iter(self._keys(name, address)))
        if self.limiter.test(item, *keys):
            return None
        reset = self.limiter.get_window_stats(item, *keys).reset_time
        return Refusal(max(1, int((reset - time.time()) // 60) + 1))

    def failed_user(self, name: str, address: str) -> None:
        item, keys = next(iter(self._keys(name, address)))
        self.limiter.hit(item, *keys)

    def succeeded(self, name: str, address: str) -> None:
        """A good login clears the count for the name at that address."""
        item, keys = next(iter(self._keys(name, address)))
        self.limiter.clear(item, *keys)


# --------------------------------------------------------------------------- the app


def install(app: Flask, settings: dict[str, Any], store_location: str | None) -> None:
    """Give ``app`` its secret key, the session cookie's settings, CSRF protection (for
    the views that ask for it) and the login limiter; make the logged-in user known to
    every template (``session_user``, ``is_concept``)."""
    if not app.secret_key:
        app.secret_key = secret_key(settings.get("MAG_GRAPH_SECRET_KEY"), store_location)
    if app.config.get("SESSION_COOKIE_NAME") in (None, "session"):  # Flask's default: ours, unless set
        app.config["SESSION_COOKIE_NAME"] = SESSION_COOKIE
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=10))
    # Only the views that call protect() are checked (the API and SPARQL endpoints
    # authenticate by header, not by cookie); a token lasts as long as the session.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    app.extensions["mag_graph_login_limiter"] = LoginLimiter(
        settings.get("MAG_GRAPH_LOGIN_LIMIT") or DEFAULT_LOGIN_LIMIT,
        settings.get("MAG_GRAPH_LOGIN_ADDRESS_LIMIT") or DEFAULT_ADDRESS_LIMIT,
    )

    @app.context_processor
    def _session_helpers() -> dict[str, Any]:
        user = session_principal()
        lang = request_language()
        here = request.full_path.rstrip("?")
        return {
            "session_user": user,
            "session_role_label": t("role_" + user.role, lang) if user is not None else "",
            "sees_drafts": sees_drafts(),
            "is_concept": is_concept,
            "login_next": None if request.path in ("/inloggen", "/login") else here,
        }


def login_limiter() -> LoginLimiter:
    return current_app.extensions["mag_graph_login_limiter"]  # type: ignore[no-any-return]


def protect() -> None:
    """Refuse (400) a state-changing request without the form's CSRF token."""
    csrf.protect()


# --------------------------------------------------------------------------- who is logged in


def _registry() -> Any:
    holder = current_app.extensions.get("mag_graph")
    return getattr(holder, "auth", None)


def session_principal() -> Principal | None:
    """The user logged in on the pages (``None``: anonymous, or the session is no longer
    good). Remembered for the request."""
    if "mag_graph_session_user" not in g:
        found = None
        registry = _registry()
        name = session.get("user") if current_app.secret_key else None
        if registry is not None and isinstance(name, str):
            found = registry.session_principal(name, str(session.get("stamp", "")))
            if found is None:
                session.clear()
        g.mag_graph_session_user = found
    return g.mag_graph_session_user  # type: ignore[no-any-return]


def session_may(role: str) -> bool:
    """Whether the logged-in user has ``role`` (or a higher one)."""
    found = session_principal()
    return found is not None and found.may(role)


def sees_drafts() -> bool:
    """Whether the pages show this request drafts (a logged-in editor, reviewer or admin)."""
    return session_may("editor")


def log_in(name: str, stamp: str) -> None:
    session.clear()
    session["user"] = name
    session["stamp"] = stamp
    session.permanent = True
    g.pop("mag_graph_session_user", None)


def log_out() -> None:
    session.clear()
    g.mag_graph_session_user = None


def concept_iris() -> frozenset[str]:
    """The resources that are drafts (their type statement is in ``magg:concept``), for
    marking them on the pages; empty for anyone who does not see drafts."""
    if "mag_graph_concepts" not in g:
        found: frozenset[str] = frozenset()
        holder = current_app.extensions.get("mag_graph")
        store = getattr(holder, "store", None)
        if store is not None and sees_drafts() and store.has_graph(workflow.CONCEPT_GRAPH):
            found = frozenset(str(s) for s, _, _, _ in store.quads(None, RDF.type, None, workflow.CONCEPT_GRAPH)
                              if isinstance(s, URIRef))
        g.mag_graph_concepts = found
    return g.mag_graph_concepts  # type: ignore[no-any-return]


def is_concept(iri: Any) -> bool:
    """Whether ``iri`` is a draft this request may see (for the pages' concept marks)."""
    return bool(iri) and str(iri) in concept_iris()


__all__ = ["SECRET_FILE", "LoginLimiter", "Refusal", "concept_iris", "csrf", "install", "is_concept", "log_in",
           "log_out", "login_limiter", "protect", "secret_key", "sees_drafts", "session_may", "session_principal"]
