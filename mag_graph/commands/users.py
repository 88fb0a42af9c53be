"""``mag-graph users``: who may write through the server (users and API tokens).

The credentials live next to the store (``.mag-graph/auth.sqlite`` beside
``.mag-graph/store``, see :mod:`mag_graph.access.auth`), so these commands work while the server
runs and their effect is immediate. Passwords are read from a hidden prompt or, for
scripts, from standard input (``--password-stdin``), never from the command line where
other users could read them in the process list. A token is printed once, when it is
made; only its digest is kept.
"""

from __future__ import annotations

import sys

import click

from mag_graph.access.auth import ROLES, AuthRegistry, auth_path_for_store
from mag_graph.commands.common import CommandFailed, render_table, store_option
from mag_graph.store import MEMORY, default_store_path

_ROLE = click.Choice(list(ROLES))


def _registry(store_path: str | None) -> AuthRegistry:
    path = store_path or str(default_store_path())
    if path == MEMORY:
        raise CommandFailed(
            "een store in het geheugen heeft geen blijvende gebruikers / an in-memory store has no lasting users"
        )
    return AuthRegistry(auth_path_for_store(path))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise CommandFailed("geen wachtwoord op stdin / no password on stdin")
        return password
    return click.prompt("Wachtwoord / password", hide_input=True, confirmation_prompt=True)


@click.group("users")
def users() -> None:
    """Gebruikers en API-tokens / users and API tokens.

    Roles, from low to high: reader, editor, reviewer, admin. Editors create and change
    drafts through /api/v1, reviewers adopt and archive, admins may also write raw
    SPARQL through /sparql and /graph-store (not validated, not in history). Anonymous
    callers and readers see adopted content only.
    """


@users.command("add")
@click.argument("name")
@click.option("--role", type=_ROLE, default="reader", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Lees het wachtwoord van stdin / read the password from stdin.")
@store_option
def add(name: str, role: str, password_stdin: bool, store_path: str | None) -> None:
    """Voeg een gebruiker toe / add a user (the password is asked for)."""
    with _registry(store_path) as registry:
        password = _read_password(password_stdin)
        registry.add_user(name, password, role)
    click.echo(f"gebruiker / user {name} ({role}) toegevoegd / added")


@users.command("list")
@store_option
def list_(store_path: str | None) -> None:
    """Toon gebruikers en tokens / list users and tokens (never secrets)."""
    with _registry(store_path) as registry:
        rows = [[u.name, "gebruiker / user", u.role, u.created] for u in registry.users()]
        rows += [[t.name, "token", t.role, t.created] for t in registry.tokens()]
    if not rows:
        click.echo("geen gebruikers of tokens / no users or tokens")
        return
    click.echo(render_table(["naam / name", "soort / kind", "rol / role", "sinds / since"], rows))


@users.command("remove")
@click.argument("name")
@store_option
def remove(name: str, store_path: str | None) -> None:
    """Verwijder een gebruiker / remove a user."""
    with _registry(store_path) as registry:
        registry.remove_user(name)
    click.echo(f"gebruiker / user {name} verwijderd / removed")


@users.command("set-role")
@click.argument("name")
@click.option("--role", type=_ROLE, required=True)
@store_option
def set_role(name: str, role: str, store_path: str | None) -> None:
    """Geef een gebruiker (of token) een andere rol / change the role of a user (or token)."""
    with _registry(store_path) as registry:
        registry.set_role(name, role)
    click.echo(f"{name}: rol / role {role}")


@users.command("token")
@click.argument("name")
@click.option("--role", type=_ROLE, default="reader", show_default=True)
@store_option
def token(name: str, role: str, store_path: str | None) -> None:
    """Maak een API-token; het wordt één keer getoond / make an API token, shown once.

    Use it as `Authorization: Bearer TOKEN` (or as the password of HTTP Basic).
    """
    with _registry(store_path) as registry:
        _, secret = registry.create_token(name, role)
    click.echo(secret)
    click.echo(
        f"token {name} ({role}): bewaar het nu, het wordt niet nog eens getoond / keep it now, it is not shown again",
        err=True,
    )


@users.command("revoke")
@click.argument("name")
@store_option
def revoke(name: str, store_path: str | None) -> None:
    """Trek een API-token in / revoke an API token."""
    with _registry(store_path) as registry:
        registry.revoke_token(name)
    click.echo(f"token {name} ingetrokken / revoked")


COMMANDS = [users]
