"""Who may change the graph: users and API tokens with a role, kept next to the store.

Writing to the SPARQL endpoint and the Graph Store is never open by default: a request
must carry a credential with the ``editor`` role (or a higher one). The credentials live
in a small SQLite file beside the store (``.mag-graph/store`` -> ``.mag-graph/auth.sqlite``)
so that ``mag-graph users ...`` on the command line and a running server share them: a
token made on the command line works in the server at once, without a restart.

Secrets are never stored, only hashes:

* passwords with :func:`werkzeug.security.generate_password_hash` (scrypt), a slow,
  salted hash that makes guessing from a stolen file expensive;
* API tokens are 256 random bits, so a dictionary attack on them is hopeless and a slow
  hash would only cost time on every request: they are kept as SHA-256 digests, looked
  up by a public key part and compared with :func:`hmac.compare_digest`.

Checks take the same time whether or not the name exists (a dummy hash is checked for
unknown users), so timing does not tell which names are registered.

Roles are ranked: ``reader`` < ``editor`` < ``reviewer`` < ``admin``; a higher role may do
what a lower one may (a reviewer also edits, an admin also reviews). No Flask here: the
web layer passes the ``Authorization`` header to :meth:`AuthRegistry.authenticate`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from mag_graph.store import MEMORY, MagGraphError, state_directory

__all__ = [
    "AUTH_FILE",
    "ROLES",
    "TOKEN_PREFIX",
    "AuthError",
    "AuthRegistry",
    "InvalidCredentialsError",
    "InvalidNameError",
    "InvalidRoleError",
    "NameExistsError",
    "Principal",
    "TokenInfo",
    "UnknownNameError",
    "User",
    "WeakPasswordError",
    "auth_path_for_store",
]

ROLES: tuple[str, ...] = ("reader", "editor", "reviewer", "admin")
_RANK = {role: i for i, role in enumerate(ROLES)}
AUTH_FILE = "auth.sqlite"
TOKEN_PREFIX = "mgt_"
MIN_PASSWORD_LENGTH = 8
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
_TOKEN = re.compile(r"^mgt_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{40,64})$")


@functools.cache
def _dummy_hash() -> str:
    """The hash checked for unknown users, so a wrong name costs as much time as a wrong
    password. Made at its first use, not at import: a scrypt hash costs about 0.2 s of
    CPU, which every process importing this module (each CLI command, each server's fork
    server) paid at import when it was a module constant."""
    return generate_password_hash("mag-graph dummy password")


_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    lookup TEXT NOT NULL UNIQUE,
    secret_sha256 TEXT NOT NULL,
    created TEXT NOT NULL
);
"""


# --------------------------------------------------------------------------- errors


class AuthError(MagGraphError):
    """A user or token operation was refused (the registry is unchanged)."""


class InvalidRoleError(AuthError):
    def __init__(self, role: str) -> None:
        known = ", ".join(ROLES)
        super().__init__(f"onbekende rol {role!r} (bekend: {known})", f"unknown role {role!r} (known: {known})")


class InvalidNameError(AuthError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"ongeldige naam {name!r}: letters, cijfers en . _ @ + -, hoogstens 64 tekens",
            f"invalid name {name!r}: letters, digits and . _ @ + -, at most 64 characters",
        )


class NameExistsError(AuthError):
    def __init__(self, kind: str, name: str) -> None:
        nl = "gebruiker" if kind == "user" else "token"
        super().__init__(f"{nl} {name!r} bestaat al", f"{kind} {name!r} already exists")


class UnknownNameError(AuthError):
    def __init__(self, kind: str, name: str) -> None:
        nl = "gebruiker" if kind == "user" else "token"
        super().__init__(f"onbekende {nl} {name!r}", f"unknown {kind} {name!r}")


class WeakPasswordError(AuthError):
    def __init__(self) -> None:
        super().__init__(
            f"wachtwoord te kort: minstens {MIN_PASSWORD_LENGTH} tekens",
            f"password too short: at least {MIN_PASSWORD_LENGTH} characters",
        )


class InvalidCredentialsError(AuthError):
    """The request carries an Authorization header that is malformed or does not match."""

    def __init__(self) -> None:
        super().__init__("ongeldige inloggegevens", "invalid credentials")


# --------------------------------------------------------------------------- records


def _check_role(role: str) -> str:
    if role not in _RANK:
        raise InvalidRoleError(role)
    return role


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidNameError(str(name))
    return name


@dataclass(frozen=True)
class Principal:
    """Who a request acts as, once a credential has been verified."""

    name: str
    role: str
    kind: str  # "user" or "token"

    def may(self, role: str) -> bool:
        """True when this principal's role is ``role`` or ranks above it."""
        return _RANK[self.role] >= _RANK[_check_role(role)]


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created: str


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: its name and role, never its secret."""

    name: str
    role: str
    created: str


def auth_path_for_store(store_location: str | os.PathLike[str] | None) -> Path | None:
    """Where the credentials of a store live (``None``: an in-memory store, an in-memory
    registry). The file sits beside the store directory, not in it, because Oxigraph
    owns everything inside that directory; for a remote store in its local state
    directory (:func:`mag_graph.store.state_directory`)."""
    directory = state_directory(store_location)
    return None if directory is None else directory / AUTH_FILE


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- registry


class AuthRegistry:
    """Users and API tokens in SQLite (a file, or in memory for a throw-away store).

    One connection guarded by a lock: SQLite serialises writers anyway, and an
    in-memory database exists only inside its one connection. Other processes (the
    CLI) may change the file meanwhile; every call reads afresh.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path: Path | None = None if path is None or str(path) == MEMORY else Path(path)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            new = not self.path.exists()
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10.0)
            if new:
                try:  # secrets' hashes only, but still nobody else's business
                    os.chmod(self.path, 0o600)
                except OSError:
                    pass
        else:
            self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        with self._cursor() as cur:
            cur.executescript(_SCHEMA)

    @classmethod
    def for_store(cls, store_location: str | os.PathLike[str] | None) -> AuthRegistry:
        """The registry that belongs to a store (see :func:`auth_path_for_store`)."""
        return cls(auth_path_for_store(store_location))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> AuthRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _cursor(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._db.cursor()
            try:
                yield cur
                self._db.commit()
            except BaseException:
                self._db.rollback()
                raise
            finally:
                cur.close()

    # -- users

    def add_user(self, name: str, password: str, role: str = "reader") -> User:
        """Register a user; the password is kept only as a scrypt hash."""
        _check_name(name)
        _check_role(role)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise WeakPasswordError()
        user = User(name, role, _now())
        with self._cursor() as cur:
            try:
                cur.execute(
                    "INSERT INTO users (name, role, password_hash, created) VALUES (?, ?, ?, ?)",
                    (name, role, generate_password_hash(password), user.created),
                )
            except sqlite3.IntegrityError:
                raise NameExistsError("user", name) from None
        return user

    def set_password(self, name: str, password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise WeakPasswordError()
        with self._cursor() as cur:
            cur.execute("UPDATE users SET password_hash = ? WHERE name = ?", (generate_password_hash(password), name))
            if cur.rowcount == 0:
                raise UnknownNameError("user", name)

    def set_role(self, name: str, role: str) -> None:
        """Change the role of a user (or, if no user has that name, of a token)."""
        _check_role(role)
        with self._cursor() as cur:
            cur.execute("UPDATE users SET role = ? WHERE name = ?", (role, name))
            if cur.rowcount == 0:
                cur.execute("UPDATE tokens SET role = ? WHERE name = ?", (role, name))
                if cur.rowcount == 0:
                    raise UnknownNameError("user", name)

    def remove_user(self, name: str) -> None:
        with self._cursor() as cur:
            cur.execute("DELETE FROM users WHERE name = ?", (name,))
            if cur.rowcount == 0:
                raise UnknownNameError("user", name)

    def users(self) -> list[User]:
        with self._cursor() as cur:
            rows = cur.execute("SELECT name, role, created FROM users ORDER BY name").fetchall()
        return [User(*row) for row in rows]

    def get_user(self, name: str) -> User | None:
        with self._cursor() as cur:
            row = cur.execute("SELECT name, role, created FROM users WHERE name = ?", (name,)).fetchone()
        return User(*row) if row else None

    def session_principal(self, name: str, stamp: str) -> Principal | None:
        """The user a browser session names, while the session is still good: the user
        exists and its password is the one it logged in with (``stamp``, from
        :meth:`session_stamp`); a changed password or a removed user ends every session.
        The role is read afresh, so a changed role applies at once."""
        with self._cursor() as cur:
            row = cur.execute("SELECT role, password_hash FROM users WHERE name = ?", (name,)).fetchone()
        if row is None or not hmac.compare_digest(_sha256(row[1])[:32], stamp or ""):
            return None
        return Principal(name, row[0], "user")

    def session_stamp(self, name: str) -> str | None:
        """What a browser session keeps to notice a changed password: a digest of the
        stored hash (it says nothing about the password)."""
        with self._cursor() as cur:
            row = cur.execute("SELECT password_hash FROM users WHERE name = ?", (name,)).fetchone()
        return _sha256(row[0])[:32] if row else None

    # -- tokens

    def create_token(self, name: str, role: str = "reader") -> tuple[TokenInfo, str]:
        """Make an API token; returns its record and the token itself, which is shown
        this once and cannot be recovered afterwards (only its digest is kept)."""
        _check_name(name)
        _check_role(role)
        lookup = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
        secret = secrets.token_urlsafe(32)  # 256 bits
        token = f"{TOKEN_PREFIX}{lookup}_{secret}"
        info = TokenInfo(name, role, _now())
        with self._cursor() as cur:
            try:
                cur.execute(
                    "INSERT INTO tokens (name, role, lookup, secret_sha256, created) VALUES (?, ?, ?, ?, ?)",
                    (name, role, lookup, _sha256(secret), info.created),
                )
            except sqlite3.IntegrityError:
                raise NameExistsError("token", name) from None
        return info, token

    def revoke_token(self, name: str) -> None:
        with self._cursor() as cur:
            cur.execute("DELETE FROM tokens WHERE name = ?", (name,))
            if cur.rowcount == 0:
                raise UnknownNameError("token", name)

    def tokens(self) -> list[TokenInfo]:
        with self._cursor() as cur:
            rows = cur.execute("SELECT name, role, created FROM tokens ORDER BY name").fetchall()
        return [TokenInfo(*row) for row in rows]

    # -- verifying

    def verify_password(self, name: str, password: str) -> Principal | None:
        """The user, if the password is theirs; ``None`` otherwise (same cost either way)."""
        with self._cursor() as cur:
            row = cur.execute("SELECT role, password_hash FROM users WHERE name = ?", (name,)).fetchone()
        stored = row[1] if row else _dummy_hash()
        ok = check_password_hash(stored, password)
        if row is None or not ok:
            return None
        return Principal(name, row[0], "user")

    def verify_token(self, token: str) -> Principal | None:
        """The token's principal if ``token`` is a live token; ``None`` otherwise."""
        match = _TOKEN.match(token.strip())
        lookup, secret = (match.group(1), match.group(2)) if match else ("", "")
        with self._cursor() as cur:
            row = cur.execute(
                "SELECT name, role, secret_sha256 FROM tokens WHERE lookup = ?", (lookup,)
            ).fetchone()
        expected = row[2] if row else _sha256("no such token")
        ok = hmac.compare_digest(expected, _sha256(secret))
        if row is None or not ok or match is None:
            return None
        return Principal(row[0], row[1], "token")

    @staticmethod
    def password_login_name(authorization: str | None) -> str | None:
        """The user name of a ``Basic`` header that carries a password (not a token):
        the logins a limiter on guessing counts (api/runtime.py); ``None`` otherwise."""
        scheme, _, value = (authorization or "").strip().partition(" ")
        if scheme.lower() != "basic" or not value.strip():
            return None
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        name, sep, password = decoded.partition(":")
        return name if sep and not _TOKEN.match(password) else None

    def authenticate(self, authorization: str | None) -> Principal | None:
        """The principal an ``Authorization`` header stands for.

        ``None`` when there is no header (an anonymous request); raises
        :class:`InvalidCredentialsError` when there is one that is malformed or wrong, so
        the caller can answer 401 rather than treat the request as anonymous.
        Accepted: ``Bearer <token>``, and ``Basic`` with a user's name and password or
        with any name and a token as the password (for clients that only speak Basic).
        """
        if authorization is None or not authorization.strip():
            return None
        scheme, _, value = authorization.strip().partition(" ")
        scheme = scheme.lower()
        value = value.strip()
        principal: Principal | None = None
        if scheme == "bearer" and value:
            principal = self.verify_token(value)
        elif scheme == "basic" and value:
            try:
                decoded = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                raise InvalidCredentialsError() from None
            name, sep, password = decoded.partition(":")
            if not sep:
                raise InvalidCredentialsError()
            if _TOKEN.match(password):
                principal = self.verify_token(password)
            if principal is None:
                principal = self.verify_password(name, password)
        if principal is None:
            raise InvalidCredentialsError()
        return principal
