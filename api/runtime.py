"""What the views of every face share while they answer a request: the application's
:class:`MagGraph` (store, SPARQL service, credentials, settings) in
``app.extensions["mag_graph"]``, who sends the request (:func:`principal`,
:func:`require_role`) and which graphs that caller may read (:func:`visible_graphs`).

Code in the server that writes to the store outside the SPARQL service must call
``service.changed()`` afterwards, so cached answers and the query processes' snapshots
are renewed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, request

from mag_graph.access.auth import AuthRegistry, InvalidCredentialsError, Principal
from mag_graph.cms import workflow
from mag_graph.sparql import SparqlService
from mag_graph.store import Store

from .problems import Problem, raises, www_authenticate

# Raw SPARQL updates and Graph Store writes bypass the CMS's validation, history and
# workflow (an editor could publish straight into the public graphs), so they are for
# admins; editors and reviewers write through /api/v1 (docs/cms.md).
WRITE_ROLE = "admin"


@dataclass
class MagGraph:
    """What the views share: the store, the SPARQL service over it, the credentials."""

    store: Store
    service: SparqlService
    auth: AuthRegistry
    settings: dict[str, Any] = field(default_factory=dict)
    owns_store: bool = False

    def close(self) -> None:
        """Stop the query processes (and close the store if the app opened it)."""
        self.service.close()
        if self.owns_store:
            self.store.close()


def state() -> MagGraph:
    """The :class:`MagGraph` of the application handling the current request."""
    return current_app.extensions["mag_graph"]  # type: ignore[no-any-return]


@raises(InvalidCredentialsError, 429)
def principal() -> Any:
    """Who sends the current request (a :class:`~mag_graph.access.auth.Principal`), ``None`` when
    anonymous; wrong credentials raise (401), they never count as anonymous."""
    if "mag_graph_principal" not in g:
        g.mag_graph_principal = _authenticate(request.headers.get("Authorization"))
    return g.mag_graph_principal


def _authenticate(authorization: str | None) -> Any:
    """The principal of an ``Authorization`` header; a user name and password sent with
    HTTP Basic count with the login form's limiter (api/session.py): after too many wrong
    passwords for that name from that address even the right one is refused (429), so a
    password cannot be guessed at scrypt speed. Tokens are not counted (not guessable)."""
    auth = state().auth
    name = auth.password_login_name(authorization)
    limiter = current_app.extensions.get("mag_graph_login_limiter")
    if name is None or limiter is None:
        return auth.authenticate(authorization)
    address = request.remote_addr or "?"
    refusal = limiter.refused_user(name, address)
    if refusal is not None:
        raise Problem(
            429,
            f"te veel mislukte aanmeldingen voor {name}; probeer het over {refusal.minutes} minuten opnieuw",
            f"too many failed logins for {name}; try again in {refusal.minutes} minutes",
            headers={"Retry-After": str(refusal.minutes * 60)},
        )
    try:
        found = auth.authenticate(authorization)
    except InvalidCredentialsError:
        limiter.failed_user(name, address)
        raise
    limiter.succeeded(name, address)
    return found


def require_role(role: str = WRITE_ROLE) -> Principal:
    """The principal of the request if it may act as ``role``: 401 without (valid)
    credentials, 403 with credentials whose role is too low."""
    found = principal()
    if found is None:
        raise Problem(
            401,
            "schrijven vraagt inloggegevens (HTTP Basic of een Bearer-token)",
            "writing needs credentials (HTTP Basic or a Bearer token)",
            headers={"WWW-Authenticate": www_authenticate()},
        )
    if not found.may(role):
        nl_hint = en_hint = ""
        if role == WRITE_ROLE and found.may("editor") and request.path in ("/sparql", "/graph-store"):
            nl_hint = " (redacteuren bewerken de graaf via /api/v1: gevalideerd, met historie)"
            en_hint = " (editors edit the graph through /api/v1: validated, with history)"
        raise Problem(
            403,
            f"{found.name} heeft de rol {found.role}; hiervoor is de rol {role} nodig{nl_hint}",
            f"{found.name} has the role {found.role}; this needs the role {role}{en_hint}",
        )
    return found  # type: ignore[no-any-return]


def visible_graphs() -> list[str] | None:
    """The graphs the current caller may read (``None``: all). Anonymous callers and
    readers see adopted content only (docs/cms.md, "Graph layout and visibility")."""
    if "mag_graph_visible" not in g:
        found = principal()
        role = found.role if found is not None else None
        g.mag_graph_visible = None if workflow.may(role, "editor") else public_visible_graphs()
    return g.mag_graph_visible  # type: ignore[no-any-return]


def public_visible_graphs() -> list[str] | None:
    """What anonymous callers may read (``None``: all, while nothing is private); the
    same for every reader until the next write, so kept in the result cache."""
    service = state().service

    def compute() -> tuple[list[str] | None]:  # a tuple: the cache does not keep None
        graphs = workflow.visible_graphs(service.store, None)
        return (None if graphs is None else [str(x) for x in graphs],)

    (graphs,) = service.cached(("visible-graphs",), compute)
    return graphs  # type: ignore[no-any-return]
