"""The application factory: :func:`create_app` builds the mag-graph web application
around one store from the :data:`SETTINGS`, shares the store, the SPARQL service and the
credentials with the views (:class:`~.runtime.MagGraph`), registers every face (the
SPARQL Protocol and Graph Store, ``/api/v1`` with the CMS, the pages), the error
handlers, the common headers and the response cache.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from mag_graph.access.auth import AuthRegistry
from mag_graph.cms import Content
from mag_graph.sparql import (
    DEFAULT_CACHE_BYTES,
    DEFAULT_CACHE_ENTRIES,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    DEFAULT_TIMEOUT,
    SparqlService,
)
from mag_graph.store import GraphStore, Store, default_store_path, open_graph_store
from mag_graph.validation import warm_up

from . import (
    checking,
    cms,
    csrf,
    definitions,
    headers,
    login,
    names,
    pages,
    problems,
    query_page,  # noqa: F401  (registers /query on the pages blueprint)
    question_pages,  # noqa: F401  (registers /vragen on the pages blueprint)
    review,
    review_lists,
    session,
    sparql,
    v1,
    workbench,
    working_copies,
)
from .page_lock import install as lock_pages
from .response_cache import ResponseCache
from .runtime import MagGraph

# Every setting create_app() understands: name -> (default, what it does). Also the
# documentation of the settings (a test checks that each one is described here).
SETTINGS: dict[str, tuple[Any, str]] = {
    "MAG_GRAPH_STORE": (
        None,
        ("Path of the on-disk store when create_app() is not given a store "
        "(default: $MAG_GRAPH_STORE or ./.mag-graph/store; ':memory:' for a throw-away store)."),
    ),
    "MAG_GRAPH_AUTH": (
        None,
        ("The credential registry: an AuthRegistry, or the path of its SQLite file "
        "(default: auth.sqlite next to the store directory; in memory for an in-memory store)."),
    ),
    "MAG_GRAPH_QUERY_TIMEOUT": (
        DEFAULT_TIMEOUT,
        "Seconds a SPARQL query may run; on an on-disk store the query process is killed when it passes.",
    ),
    "MAG_GRAPH_MAX_RESULTS": (
        DEFAULT_MAX_ROWS,
        "Maximum rows (SELECT) or triples (CONSTRUCT/DESCRIBE) of one answer; larger answers are refused (422).",
    ),
    "MAG_GRAPH_MAX_RESULT_BYTES": (
        DEFAULT_MAX_BYTES,
        "Maximum size in bytes of one serialised answer; larger answers are refused (422).",
    ),
    "MAG_GRAPH_QUERY_WORKERS": (
        None,
        ("Number of query processes for an on-disk store (default: the number of CPUs, 2 to 4); "
        "0 runs queries in the server process, without a hard timeout."),
    ),
    "MAG_GRAPH_CACHE_ENTRIES": (
        DEFAULT_CACHE_ENTRIES,
        "Answers kept in the result cache (emptied on every write); 0 turns the cache off.",
    ),
    "MAG_GRAPH_CACHE_BYTES": (DEFAULT_CACHE_BYTES, "Total bytes the result cache may hold."),
    "MAG_GRAPH_CORS_ORIGINS": (
        "*",
        ("Origins allowed to read /sparql, /graph-store and /api/v1 from a browser: '*', "
        "a list of origins, or an empty list for none. Writes are never allowed cross-origin."),
    ),
    "MAG_GRAPH_CORS_EDIT_ORIGINS": (
        [],
        ("Origins of a separate editing front end (forms) allowed to call the CMS routes of /api/v1 from "
        "a browser with an Authorization header and to write (POST, PUT, PATCH, DELETE); none by default. "
        "Never '*': list each origin. Writes from any other origin (Origin, Sec-Fetch-Site) are refused (403)."),
    ),
    "MAG_GRAPH_ALLOW_SERVICE": (
        False,
        "Allow federated queries (SERVICE). Off: the server would fetch any URL a query names.",
    ),
    "MAG_GRAPH_SECRET_KEY": (
        None,
        ("Key that signs the pages' session cookies and CSRF tokens (default: $MAG_GRAPH_SECRET_KEY, else a random "
        "key made once and kept in session-secret beside the store, mode 0600; per process for an in-memory store)."),
    ),
    "MAG_GRAPH_LOGIN_LIMIT": (
        "5 per 15 minutes",
        "Wrong passwords allowed per user name and address on /inloggen before logging in is refused for a while.",
    ),
    "MAG_GRAPH_LOGIN_ADDRESS_LIMIT": (
        "30 per 15 minutes",
        "Wrong passwords allowed per address (whatever the name) on /inloggen before logging in is refused for a while.",
    ),
    "MAG_GRAPH_CHECK_MAX_BYTES": (
        16 * 1024 * 1024,
        "Largest role model POST /api/v1/validation and /validatie/controleren check, in bytes; larger ones get 413.",
    ),
    "MAG_GRAPH_VALIDATION_TIMEOUT": (
        60.0,
        ("Seconds a validation a request starts may run (POST /api/v1/validation, /validatie/controleren, the "
         "report of /validatie, and the validation of every CMS write); past it the validation stops between two "
         "shapes or queries and the request gets 503 with Retry-After (a write is then refused: nothing stored). "
         "0 or None: no limit."),
    ),
    "MAG_GRAPH_WARM_UP": (
        False,
        ("Warm up validation in a background thread at start (what each shape reads), so the first CMS write "
         "does not wait for it; `mag-graph serve` turns it on."),
    ),
    "MAG_GRAPH_REPORT_WAIT": (
        8.0,
        ("Seconds /validatie waits for a report not yet computed before it shows a progress indicator "
        "(the report goes on in the background; 0: never wait)."),
    ),
    "MAG_GRAPH_TRUSTED_PROXIES": (
        None,
        ("Number of reverse proxies in front of the server whose X-Forwarded-For, -Proto, -Host and -Port "
        "headers are trusted (werkzeug ProxyFix), so URLs it writes (Location, OpenAPI servers, the JSON-LD "
        "@context, the service description) say https behind a TLS proxy. Default: the environment variable "
        "MAG_GRAPH_TRUSTED_PROXIES, else 0: the headers are ignored (anyone could send them)."),
    ),
    "MAG_GRAPH_CONTACT_EMAIL": (
        None,
        ("The e-mail address the OpenAPI document gives as its contact (info.contact.email; the Logius API "
        "Design Rules ask for one): the mailbox of whoever runs this service. Default: the environment "
        "variable MAG_GRAPH_CONTACT_EMAIL, else none (the project has no mailbox of its own to give)."),
    ),
    "MAG_GRAPH_CONTACT_URL": (
        None,
        ("The web address of the OpenAPI document's contact (info.contact.url). Default: the environment "
        "variable MAG_GRAPH_CONTACT_URL, else this service's home page."),
    ),
    "MAG_GRAPH_CONTACT_NAME": (
        None,
        ("The name of the OpenAPI document's contact (info.contact.name). Default: the environment variable "
        "MAG_GRAPH_CONTACT_NAME, else 'mag-graph'."),
    ),
    "MAX_CONTENT_LENGTH": (
        64 * 1024 * 1024,
        "Flask's limit on request bodies in bytes (updates, Graph Store uploads); larger ones get 413.",
    ),
}


def _settings(config: Mapping[str, Any] | None) -> dict[str, Any]:
    values = {name: default for name, (default, _) in SETTINGS.items()}
    for key, value in (config or {}).items():
        if key.startswith("MAG_GRAPH_") and key not in SETTINGS:
            known = ", ".join(sorted(k for k in SETTINGS if k.startswith("MAG_GRAPH_")))
            raise ValueError(f"unknown setting {key} (known: {known})")
        values[key] = value
    return values


def _allow_service(setting: Any) -> bool | list[str]:
    """MAG_GRAPH_ALLOW_SERVICE: True (any endpoint), False, or a list of endpoint IRIs
    (prefixes) that federated queries may call."""
    if isinstance(setting, (list, tuple)):
        return [str(s) for s in setting]
    return bool(setting)


def create_app(store: Store | GraphStore | None = None, *, config: Mapping[str, Any] | None = None) -> Flask:
    """The mag-graph web application around ``store`` (opened from ``MAG_GRAPH_STORE``
    when not given). ``config``: the :data:`SETTINGS` and any Flask setting."""
    settings = _settings(config)
    editors = headers.editing_origins(settings["MAG_GRAPH_CORS_EDIT_ORIGINS"])  # refuse '*' before opening anything
    proxies = _trusted_proxies(settings["MAG_GRAPH_TRUSTED_PROXIES"])
    owns = store is None
    if store is None:
        path = settings["MAG_GRAPH_STORE"] or os.environ.get("MAG_GRAPH_STORE") or str(default_store_path())
        store = open_graph_store(path, create=True)
    auth = settings["MAG_GRAPH_AUTH"]
    if auth is None:
        auth = AuthRegistry.for_store(store.location)
    elif not isinstance(auth, AuthRegistry):
        auth = AuthRegistry(auth)
    # The CMS of this store (one per store), made before anything reads the store: a
    # crashed write is recovered and the search index brought up to date before the
    # SPARQL service takes the query processes' first snapshot and before the first
    # request (a snapshot taken before recovery showed a write never acknowledged).
    content = Content.for_store(store)
    service = SparqlService(
        store,
        timeout=float(settings["MAG_GRAPH_QUERY_TIMEOUT"]),
        max_rows=int(settings["MAG_GRAPH_MAX_RESULTS"]),
        max_bytes=int(settings["MAG_GRAPH_MAX_RESULT_BYTES"]),
        workers=settings["MAG_GRAPH_QUERY_WORKERS"],
        cache_entries=int(settings["MAG_GRAPH_CACHE_ENTRIES"]),
        cache_bytes=int(settings["MAG_GRAPH_CACHE_BYTES"]),
        allow_service=_allow_service(settings["MAG_GRAPH_ALLOW_SERVICE"]),
    )

    app = Flask(__package__)
    app.config.update({k: v for k, v in settings.items() if not k.startswith("MAG_GRAPH_")})
    app.config.update({k: v for k, v in settings.items() if k.startswith("MAG_GRAPH_") and k != "MAG_GRAPH_AUTH"})
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["mag_graph"] = MagGraph(store, service, auth, settings, owns)

    # SPARQL updates and Graph Store writes take the CMS's write lock, so they never
    # interleave with a CMS write that is being validated; queries in this process its read lock.
    service.share_locks(content.writing(), content.reading())
    # Every committed CMS write drops the cached answers while it still holds the write lock
    # and marks the query processes' snapshot as behind; the snapshot is renewed in the
    # background after the write has answered, and a query that comes first makes it itself
    # (docs/cms.md), so no reader sees the new state with old caches or misses its own write.
    content.add_listener(service.changed)
    # A CMS write's own validation runs under the same limit as the validations requests
    # start (read at each write, so a changed config holds at once); past it: 503, nothing stored.
    content.pipeline.validation_limit = lambda: float(app.config.get("MAG_GRAPH_VALIDATION_TIMEOUT") or 0) or None
    # Listings (the CMS's queries built from request parameters) run like /sparql's
    # queries: in the worker processes, under the same timeout, holding no CMS lock.
    content.use_query_service(service)
    # The first validated write would compute what each shape reads (tens of seconds):
    # done now, in the background (mag_graph.validation.warm_up); a write meanwhile waits.
    if _flag(settings["MAG_GRAPH_WARM_UP"]):
        app.extensions["mag_graph_warm_up"] = warm_up.start(content.date)
    if not isinstance(store, Store):
        # A remote store is shared with other mag-graph processes: their CMS writes move
        # its generation, which empties this process's caches and updates its search index.
        service.watch_generation(content.generation, content.reindex_later)

    problems.register(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(v1.bp)
    app.register_blueprint(cms.bp)
    app.register_blueprint(working_copies.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(names.bp)
    session.install(app, settings, store.location)  # the pages' login session, CSRF tokens, login limits
    app.register_blueprint(login.bp)
    app.register_blueprint(workbench.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(review_lists.bp)
    checking.register(app)
    app.register_blueprint(definitions.bp)
    headers.install(app, settings["MAG_GRAPH_CORS_ORIGINS"], editors)
    csrf.install(app, editors)
    lock_pages(app, content)  # pages never read a write that is being validated (a dry run, a refused write)
    app.wsgi_app = ResponseCache(app.wsgi_app, service, int(settings["MAG_GRAPH_CACHE_ENTRIES"]),  # type: ignore[method-assign]
                                 int(settings["MAG_GRAPH_CACHE_BYTES"]))
    app.extensions["mag_graph_trusted_proxies"] = proxies  # serve: let waitress pass the headers on
    if proxies:
        # Outermost, so the cache, the CSRF check and url_for all see the client's scheme and host.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,  # type: ignore[method-assign]
                                x_port=proxies)
    return app


def _flag(setting: Any) -> bool:
    """A boolean setting: True, or a text such as "1", "true", "yes"."""
    return setting is True or str(setting).strip().lower() in ("1", "true", "yes", "on")


def _trusted_proxies(setting: Any) -> int:
    """MAG_GRAPH_TRUSTED_PROXIES (else the environment variable): a whole number >= 0."""
    value = setting if setting is not None else os.environ.get("MAG_GRAPH_TRUSTED_PROXIES", "0")
    try:
        hops = int(str(value).strip() or "0")
    except ValueError:
        raise ValueError(f"MAG_GRAPH_TRUSTED_PROXIES must be a whole number of proxies, not {value!r}") from None
    if hops < 0:
        raise ValueError(f"MAG_GRAPH_TRUSTED_PROXIES must be 0 or more, not {hops}")
    return hops
