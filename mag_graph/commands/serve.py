"""``mag-graph serve``: the web application under waitress, on the embedded store or a
remote triplestore (``--store sparql+http://...``; README, "Running on an existing
triplestore").

The command only wires things together: it opens the store, loads the shipped ontology,
shapes and example data the first time (a store without the ontology graph), builds the
Flask application with :func:`mag_graph.api.create_app` and runs it under waitress, a
production WSGI server that needs no C compiler and runs everywhere Python does.

``--port 0`` lets the system pick a free port; the line "serving on http://..." says
which, so a script (or a test) can start the server without guessing a free port.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

import click

from mag_graph.commands import running
from mag_graph.commands.common import CommandFailed, store_option
from mag_graph.namespaces import Graphs
from mag_graph.sparql import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT
from mag_graph.store import (
    MEMORY,
    MagGraphError,
    Store,
    default_store_path,
    is_remote,
    open_graph_store,
    state_directory,
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
# Request threads. Queries run in worker processes and CMS writes one at a time under the
# CMS write lock, so a thread is mostly waiting; but a writer waiting for the lock holds its
# thread, and with 4 threads a few queued writes left cheap queries waiting for a free
# thread for seconds (benchmarks/mixed_load.py: a ~150 ms COUNT up to 3.6 s with 4 writers,
# longer the slower the writes; issue 14). 16 keeps threads free for readers.
DEFAULT_THREADS = 16


def _stop(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # waitress stops its loop on it; the finally-blocks clean up


@click.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Adres om op te luisteren / address to listen on (0.0.0.0: every interface).")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535),
              help="Poort / port (0: a free port, printed at start).")
@click.option("--threads", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1, 256),
              help="Threads van waitress / waitress worker threads.")
@click.option("--query-timeout", default=DEFAULT_TIMEOUT, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconden per SPARQL-query; daarna wordt de query gestopt / seconds per query, then it is stopped.")
@click.option("--validation-timeout", default=60.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconden per validatie die een verzoek of CMS-wijziging start (0: geen limiet); daarna 503 en "
                   "wordt een wijziging niet opgeslagen / seconds a validation started by a request or a CMS write "
                   "may run (0: no limit), then 503 and a write is not stored.")
@click.option("--max-results", default=DEFAULT_MAX_ROWS, show_default=True, type=click.IntRange(min=1),
              help="Hoogstens zoveel rijen of triples per antwoord / at most this many rows or triples per answer.")
@click.option("--workers", default=None, type=click.IntRange(min=0),
              help="Query-processen (standaard: aantal CPU's, 2-4; 0: in het serverproces) / query processes.")
@click.option("--allow-service", "service_endpoints", multiple=True, metavar="URL",
              help="Federatieve queries (SERVICE) naar dit endpoint toestaan / allow federated queries to this endpoint (repeatable).")
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Herkomst die mag lezen vanuit een browser (herhaalbaar; standaard '*') / origin allowed to read.")
@click.option("--cors-edit-origin", "cors_edit_origins", multiple=True, metavar="ORIGIN",
              help="Herkomst van een aparte bewerk-frontend die via /api/v1 mag schrijven (herhaalbaar) / "
                   "origin of a separate editing front end allowed to write through /api/v1 (repeatable).")
@click.option("--proxy-hops", type=click.IntRange(min=0), default=None, metavar="N",
              help="Aantal vertrouwde reverse proxies (X-Forwarded-*) / number of trusted reverse proxies "
                   "whose X-Forwarded-Proto/Host are honoured (default: $MAG_GRAPH_TRUSTED_PROXIES, else 0).")
@store_option
def serve(
    host: str,
    port: int,
    threads: int,
    query_timeout: float,
    validation_timeout: float,
    max_results: int,
    workers: int | None,
    cors_origins: tuple[str, ...],
    cors_edit_origins: tuple[str, ...],
    service_endpoints: tuple[str, ...],
    proxy_hops: int | None,
    store_path: str | None,
) -> None:
    """Start de webserver: SPARQL, API en pagina's / start the web server.

    SPARQL 1.1 Protocol at /sparql, Graph Store Protocol at /graph-store, the API at
    /api/v1 (OpenAPI: /api/v1/openapi.json; the CMS for editing) and the web pages.
    Anonymous readers see adopted content; editing through /api/v1 needs the editor role,
    raw writes through /sparql and /graph-store the admin role (`mag-graph users`). On first
    run the ontology, shapes and example data are loaded.
    """
    try:
        import waitress
    except ImportError:  # pragma: no cover - a dependency of the package
        raise CommandFailed("waitress ontbreekt; installeer het / waitress is missing; install it") from None
    from mag_graph.api import create_app
    from mag_graph.store.bootstrap import initialise

    path = store_path or str(default_store_path())
    try:
        store = open_graph_store(path, create=True)
    except MagGraphError as exc:
        raise CommandFailed(str(exc.with_traceback(None))) from None
    app = None
    try:
        if not store.has_graph(Graphs.ONTOLOGY):
            click.echo("eerste start: ontologie, shapes en voorbeelddata laden / first run: loading ontology, shapes and example data")
            initialise(store)
        config: dict[str, Any] = {
            "MAG_GRAPH_QUERY_TIMEOUT": query_timeout,
            "MAG_GRAPH_VALIDATION_TIMEOUT": validation_timeout,
            "MAG_GRAPH_MAX_RESULTS": max_results,
            "MAG_GRAPH_QUERY_WORKERS": workers,
            "MAG_GRAPH_WARM_UP": True,  # the first write after start does not wait for validation's analysis
        }
        if cors_origins:
            config["MAG_GRAPH_CORS_ORIGINS"] = list(cors_origins)
        if cors_edit_origins:
            config["MAG_GRAPH_CORS_EDIT_ORIGINS"] = list(cors_edit_origins)
        if service_endpoints:
            config["MAG_GRAPH_ALLOW_SERVICE"] = list(service_endpoints)
        if proxy_hops is not None:
            config["MAG_GRAPH_TRUSTED_PROXIES"] = proxy_hops
        try:
            app = create_app(store, config=config)
        except ValueError as exc:
            raise CommandFailed(f"ongeldige instelling / invalid setting: {exc}") from None
        state = app.extensions["mag_graph"]
        # waitress drops X-Forwarded-* itself unless told otherwise; with --proxy-hops the
        # application (werkzeug ProxyFix) decides which hops to trust, so they must reach it.
        # The server must then be reachable only through the proxy (bind to 127.0.0.1).
        trusting = bool(app.extensions.get("mag_graph_trusted_proxies"))
        server = waitress.create_server(app, host=host, port=port, threads=threads, ident="mag-graph",
                                        clear_untrusted_proxy_headers=not trusting)
        bound_host, bound_port = server.getsockname()[:2]  # type: ignore[union-attr]
        shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
        click.echo(f"store: {store.location} ({len(store)} triples)")
        for line in store.recovery.lines():  # loads or imports a crash left unfinished
            click.echo(line)
        if store.location == MEMORY:
            click.echo("let op / note: in-memory store, queries are not stopped hard at the time limit")
        if is_remote(path):
            click.echo(f"lokale toestand / local state: {state_directory(path)} (zoekindex, gebruikers / search index, users)")
        if not any(p.may("editor") for p in _writers(state.auth)):
            click.echo(
                "nog niemand mag schrijven; maak een gebruiker met `mag-graph users add NAAM --role editor` / "
                "nobody may write yet; create a user with `mag-graph users add NAME --role editor`"
            )
        url = f"http://{shown}:{bound_port}/"
        # Commands beside the server read its snapshots (running.py): a store on this disk
        # only (a remote store has no lock to share and no folder beside it).
        local = isinstance(store, Store) and not store.in_memory
        if local:
            running.write_mark(store.location, url)
        click.echo(f"serving on {url}  (SPARQL: /sparql, API: /api/v1)")
        sys.stdout.flush()
        previous = signal.signal(signal.SIGTERM, _stop)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            server.close()
            if local:
                running.remove_mark(store.location)
    finally:
        if app is not None:
            app.extensions["mag_graph"].close()
            app.extensions["mag_graph"].auth.close()
        store.close()
    click.echo("gestopt / stopped")


def _writers(auth: Any) -> list[Any]:
    from mag_graph.access.auth import Principal

    return [Principal(u.name, u.role, "user") for u in auth.users()] + [
        Principal(t.name, t.role, "token") for t in auth.tokens()
    ]


COMMANDS = [serve]
