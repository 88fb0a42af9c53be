"""Two guards of issue 14, each over the real thing:

* ``mag-graph load --replace`` on a graph that CMS revisions changed is refused (exit 2,
  saying which graphs and how many changes) unless ``--reset`` is given too, which says
  what goes and asks to confirm, as ``init --reset`` does: a command that replaces graphs
  never silently undoes edits the history still names.
* Wrong passwords sent with HTTP Basic count with the login limiter: after the limit even
  the right password of that name from that address is refused (429 problem+json with
  Retry-After), while other names and tokens still work.
"""

from __future__ import annotations

import base64
import gc
import http.client
import json
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rdflib import URIRef
from rdflib.namespace import RDFS

from mag_graph.access.auth import AuthRegistry
from mag_graph.cli import main
from mag_graph.cms import Content
from mag_graph.store import Store

THEME = "https://data.mag-graph.nl/id/thema/hg-gezond-en-vitaal"
NEW_LABEL = "Gezond en vitaal (bewerkt in het CMS)"


# --------------------------------------------------------------------------- load --replace


def _edited(path: Path) -> str:
    """An initialised store where an editor changed the theme's label through the CMS;
    the graph the label is in."""
    assert CliRunner().invoke(main, ["init", "--store", str(path)]).exit_code == 0
    store = Store.open(path)
    try:
        cms = Content.for_store(store, search=False)
        current = cms.get(THEME, role="reviewer")
        cms.patch(THEME, {"label": {"nl": NEW_LABEL}}, agent="redacteur", role="reviewer", if_match=current.etag)
        graph = next(g for _, _, o, g in store.quads(URIRef(THEME), RDFS.label, None) if str(o) == NEW_LABEL)
    finally:
        store.close()
        del store
        gc.collect()  # the Oxigraph handle (and its lock) goes with its last reference
    return str(graph)


def _labels(path: Path) -> set[str]:
    store = Store.open(path)
    try:
        return {str(o) for _, _, o, _ in store.quads(URIRef(THEME), RDFS.label, None)}
    finally:
        store.close()
        del store
        gc.collect()


def test_load_replace_of_a_graph_with_cms_edits_needs_reset(tmp_path: Path) -> None:
    path = tmp_path / "store"
    graph = _edited(path)
    triples = tmp_path / "new.ttl"
    triples.write_text(f'<{THEME}> <{RDFS.label}> "Vervangen"@nl .\n', encoding="utf-8")
    refused = CliRunner().invoke(main, ["load", "--replace", "--graph", graph, str(triples), "--store", str(path)])
    assert refused.exit_code == 2, refused.output
    assert "CMS" in refused.output and "--reset" in refused.output
    assert graph.rsplit("/", 1)[-1] in refused.output  # the graph, by name
    assert NEW_LABEL in _labels(path)  # nothing replaced

    # the same graph named inside an N-Quads file (no --graph): found by reading the file
    quads = tmp_path / "new.nq"
    quads.write_text(f'<{THEME}> <{RDFS.label}> "Vervangen"@nl <{graph}> .\n', encoding="utf-8")
    refused = CliRunner().invoke(main, ["load", "--replace", str(quads), "--store", str(path)])
    assert refused.exit_code == 2, refused.output
    assert NEW_LABEL in _labels(path)

    # --reset says what goes and asks; "no" changes nothing
    asked = CliRunner().invoke(main, ["load", "--replace", "--reset", str(quads), "--store", str(path)], input="n\n")
    assert asked.exit_code != 0 and "Continue?" in asked.output
    assert NEW_LABEL in _labels(path)
    done = CliRunner().invoke(main, ["load", "--replace", "--reset", "--yes", str(quads), "--store", str(path)])
    assert done.exit_code == 0, done.output
    assert "Vervangen" in _labels(path) and NEW_LABEL not in _labels(path)


def test_load_replace_of_an_unedited_graph_and_reset_without_replace(tmp_path: Path) -> None:
    path = tmp_path / "store"
    _edited(path)
    other = tmp_path / "other.ttl"
    other.write_text("<urn:x:a> <urn:x:b> <urn:x:c> .\n", encoding="utf-8")
    target = "https://data.mag-graph.nl/graph/proef"
    loaded = CliRunner().invoke(main, ["load", "--replace", "--graph", target, str(other), "--store", str(path)])
    assert loaded.exit_code == 0, loaded.output  # no CMS edits there: replaced without asking
    usage = CliRunner().invoke(main, ["load", "--reset", "--graph", target, str(other), "--store", str(path)])
    assert usage.exit_code == 2 and "--replace" in usage.output


# --------------------------------------------------------------------------- Basic and the limiter


@pytest.fixture(scope="module")
def limited(serving: Callable[[Any], Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, str]]:
    from store_template import initialised_store

    from mag_graph.api import create_app

    path = tmp_path_factory.mktemp("limit") / "store"
    store = initialised_store(path)
    with AuthRegistry.for_store(path) as auth:
        auth.add_user("redacteur", "juist-wachtwoord", "editor")
        auth.add_user("lezer", "juist-wachtwoord", "reader")
        token = auth.create_token("redacteur", "editor")[1]
    app = create_app(store, config={"MAG_GRAPH_LOGIN_LIMIT": "3 per 15 minutes"})
    try:
        with serving(app) as url:
            parts = urllib.parse.urlsplit(url)
            yield parts.hostname or "127.0.0.1", parts.port or 80, token
    finally:
        app.extensions["mag_graph"].close()
        store.close()


def _get(host: str, port: int, authorization: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        connection.request("GET", "/api/v1/themes", headers={"Authorization": authorization,
                                                             "Accept": "application/json"})
        response = connection.getresponse()
        body = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        parsed = json.loads(body) if headers.get("content-type", "").startswith("application/") and body else {}
        return response.status, headers, parsed
    finally:
        connection.close()


def _basic(name: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()


def test_wrong_basic_passwords_are_limited_per_name(limited: tuple[str, int, str]) -> None:
    host, port, token = limited
    assert _get(host, port, _basic("redacteur", "juist-wachtwoord"))[0] == 200
    for _ in range(3):  # MAG_GRAPH_LOGIN_LIMIT of this server
        assert _get(host, port, _basic("redacteur", "fout"))[0] == 401
    status, headers, problem = _get(host, port, _basic("redacteur", "juist-wachtwoord"))
    assert status == 429  # the right password too: guessing stops here
    assert headers["content-type"].startswith("application/problem+json")
    assert int(headers["retry-after"]) > 0
    assert "redacteur" in problem["detail"] or "redacteur" in json.dumps(problem)
    # another name from the same address, and a token of the same user, still work
    assert _get(host, port, _basic("lezer", "juist-wachtwoord"))[0] == 200
    assert _get(host, port, f"Bearer {token}")[0] == 200
    assert _get(host, port, _basic("redacteur", token))[0] == 200
