"""Shared test fixtures: stores (in memory and on disk) and the fixture files.

Kept small and generic on purpose; test modules add their own fixtures next to them.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mag_graph.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The browser of the page tests: Debian's Chromium (scripts/ensure-chromium.sh), driven by
# Playwright with executable_path; Playwright never downloads a browser of its own.
CHROMIUM = os.environ.get("MAG_GRAPH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require(module: str) -> Any:
    """A package the server and browser tests need: missing is a failure on CI (the test
    command installs it), a skip on a developer's machine that has not installed it yet."""
    try:
        return importlib.import_module(module)
    except ImportError:
        message = f"{module} is not installed (pip install playwright waitress)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def require() -> Callable[[str], Any]:
    """The function that imports a package the server and browser tests need (a failure
    on CI when it is missing, a skip elsewhere)."""
    return _require


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's Chromium, headless, with a fresh profile and a Dutch locale."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM}; run scripts/ensure-chromium.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    sync_api = _require("playwright.sync_api")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            locale="nl-NL",
            viewport={"width": 1366, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def browser_page(browser_context: Any) -> Iterator[Any]:
    """A fresh tab in the module's browser."""
    tab = browser_context.new_page()
    tab.set_default_timeout(20_000)
    try:
        yield tab
    finally:
        tab.close()


@pytest.fixture
def fixtures_dir() -> Path:
    """The folder with the small RDF files (valid and broken) the tests load."""
    return FIXTURES


@pytest.fixture
def memory_store() -> Iterator[Store]:
    """An empty in-memory store."""
    store = Store.open(":memory:")
    yield store
    store.close()


@pytest.fixture
def disk_store(tmp_path: Path) -> Iterator[Store]:
    """An empty on-disk store in a temporary directory (closed after the test)."""
    store = Store.open(tmp_path / "store")
    yield store
    store.close()


@pytest.fixture
def quad_snapshot() -> Callable[[Store], list[str]]:
    """A function giving a store's exact content as sorted N-Quads lines, to prove a
    failed operation changed nothing (blank node labels included)."""

    def snapshot(store: Store) -> list[str]:
        data = store.export(format="nquads") or b""
        lines = [line for line in data.decode("utf-8").splitlines() if line.strip()]
        lines += [f"GRAPH {graph.n3()}" for graph in store.graphs()]  # empty graphs too
        return sorted(lines)

    return snapshot


# --------------------------------------------------------------------------- OpenAPI


@pytest.fixture(autouse=True)
def _answers_are_documented() -> Iterator[None]:
    """Every answer a test sees from a documented ``/api/v1`` route (in this process:
    test clients and threaded servers) has a status its OpenAPI operation lists, so the
    document and the routes cannot drift (api/openapi.py)."""
    from flask import request, request_finished

    wrong: list[str] = []

    def check(sender: Any, response: Any, **extra: Any) -> None:
        from mag_graph.api import cms, v1
        from mag_graph.api.openapi import undocumented_status

        reason = undocumented_status((v1.operations, cms.operations), request.endpoint, request.method,
                                     response.status_code)
        if reason is not None:
            wrong.append(reason)

    request_finished.connect(check)
    try:
        yield
    finally:
        request_finished.disconnect(check)
    assert wrong == [], "answers the OpenAPI document does not describe:\n" + "\n".join(sorted(set(wrong)))


# --------------------------------------------------------------------------- a real server


@contextlib.contextmanager
def _serving(app: Any) -> Iterator[str]:
    """``app`` under waitress on a free port of 127.0.0.1 (as ``mag-graph serve`` runs
    it); yields the base URL and stops the server afterwards."""
    waitress = _require("waitress")
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except (OSError, ValueError):  # the loop's select() on sockets close() just closed
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        server.close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def serving() -> Callable[[Any], contextlib.AbstractContextManager[str]]:
    """The context manager that serves a Flask app over real HTTP: ``with serving(app) as url``."""
    return _serving
