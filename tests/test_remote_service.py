"""`mag-graph serve` on a remote triplestore, as in a deployment with several servers: two
real `mag-graph serve` processes (subprocesses, waitress, on 127.0.0.1) on one
`oxigraph serve`, each with its own local state (users, search index, session key). The
first bootstraps the store; an editor's draft written through one is invisible to
anonymous callers of both; a write through one is seen by the other's caches and search
index within the generation check (mag_graph/sparql/service.py); a query that passes the
timeout is 503; raw SPARQL updates need the admin role."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import serve_process

from mag_graph.access.auth import AuthRegistry

SCRIPT = Path(sys.executable).with_name("mag-graph")
PASSWORD = "geheim-wachtwoord-remote"
HG = "https://identifier.overheid.nl/tooi/id/gemeente/gm0523"
THEME = "https://data.mag-graph.nl/id/thema/hg-tweeservers"
FIND = "SELECT ?s WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'Tweeservers')) }"
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@dataclass
class Served:
    base: str
    process: subprocess.Popen[str]
    state: Path

    def call(self, method: str, path: str, body: Any = None, *, user: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        sent = dict(headers or {})
        if user is not None:
            sent["Authorization"] = "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/ld+json")
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()

    def select(self, query: str, *, user: str | None = None) -> list[str]:
        status, _, body = self.call("GET", "/sparql?" + urllib.parse.urlencode({"query": query}), user=user,
                                    headers={"Accept": "application/sparql-results+json"})
        assert status == 200, body
        return [next(iter(row.values()))["value"] for row in json.loads(body)["results"]["bindings"] if row]


def _start(url: str, state: Path) -> Served:
    state.mkdir(parents=True, exist_ok=True)
    with AuthRegistry(state / "auth.sqlite") as auth:  # each machine its own users
        auth.add_user("eddie", PASSWORD, "editor")
        auth.add_user("ada", PASSWORD, "admin")
    env = {"MAG_GRAPH_STATE_DIR": str(state), "MAG_GRAPH_SECRET_KEY": "same-on-every-machine"}
    running = serve_process.start(url, "--query-timeout", "3", env=env, host=None)
    return Served(running.url, running.process, state)


@pytest.fixture(scope="module")
def pair(triplestores: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Served]]:
    triplestores.open("oxigraph", "two-servers").close()
    url = triplestores.url("oxigraph", "two-servers")
    first = _start(url, tmp_path_factory.mktemp("machine-1"))  # bootstraps the empty store
    second = _start(url, tmp_path_factory.mktemp("machine-2"))
    try:
        yield first, second
    finally:
        for served in (first, second):
            served.process.terminate()
            try:
                served.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                served.process.kill()


def test_both_servers_read_the_one_store(pair: tuple[Served, Served]) -> None:
    first, second = pair
    query = "SELECT ?g WHERE { GRAPH ?g { } } ORDER BY ?g"
    assert first.select(query) == second.select(query)
    assert "https://data.mag-graph.nl/graph/ontologie" in first.select(query)
    # the local state is local: each machine its own search index
    assert (first.state / "search.sqlite").exists() and (second.state / "search.sqlite").exists()


def test_a_draft_is_seen_by_the_other_server_for_editors_only(pair: tuple[Served, Served]) -> None:
    first, second = pair
    assert second.select(FIND) == []  # cached on the second server before the write
    status, _, body = first.call("POST", "/api/v1/themes", {"label": {"nl": "Tweeservers"}, "municipality": [HG]},
                                 user="eddie")
    assert status == 201, body
    assert json.loads(body)["id"] == THEME
    time.sleep(1.2)  # the generation check (GENERATION_CHECK_SECONDS)
    assert THEME in second.select(FIND, user="eddie")
    assert second.select(FIND) == [] and first.select(FIND) == []  # never for anonymous callers
    status, _, _ = second.call("GET", "/api/v1/themes/hg-tweeservers")
    assert status == 404
    status, _, body = second.call("GET", "/api/v1/search?q=tweeservers", user="eddie")
    deadline = time.monotonic() + 30  # the other server's search index catches up in the background
    while json.loads(body)["total"] == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
        status, _, body = second.call("GET", "/api/v1/search?q=tweeservers", user="eddie")
    assert status == 200 and json.loads(body)["total"] == 1
    assert json.loads(second.call("GET", "/api/v1/search?q=tweeservers")[2])["total"] == 0


def test_a_hidden_graph_named_in_the_dataset_stays_hidden(pair: tuple[Served, Served]) -> None:
    first, _ = pair
    concept = urllib.parse.quote("https://data.mag-graph.nl/graph/concept", safe="")
    path = f"/sparql?query={urllib.parse.quote(FIND)}&default-graph-uri={concept}&named-graph-uri={concept}"
    status, _, body = first.call("GET", path, headers={"Accept": "application/sparql-results+json"})
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    from_clause = "SELECT ?s FROM <https://data.mag-graph.nl/graph/concept> WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'Tweeservers')) }"
    assert first.select(from_clause) == []


def test_a_query_past_the_timeout_is_503(pair: tuple[Served, Served]) -> None:
    first, _ = pair
    status, headers, body = first.call("GET", "/sparql?" + urllib.parse.urlencode({"query": CROSS_JOIN}))
    assert status == 503, body
    assert headers["content-type"].startswith("application/problem+json")


def test_updates_need_the_admin_role_and_empty_the_caches(pair: tuple[Served, Served]) -> None:
    first, _ = pair
    update = 'INSERT DATA { GRAPH <https://data.mag-graph.nl/graph/extra> { <urn:x> <urn:p> "Tweeservers-update" } }'
    form = {"Content-Type": "application/sparql-update"}
    assert first.call("POST", "/sparql", update, headers=form)[0] == 401
    assert first.call("POST", "/sparql", update, user="eddie", headers=form)[0] == 403
    before = first.select(FIND)
    status, _, body = first.call("POST", "/sparql", update, user="ada", headers=form)
    assert status in (200, 204), body
    assert first.select(FIND) == [*before, "urn:x"]


EXTRA = "https://data.mag-graph.nl/graph/generatie"
IN_EXTRA = f"SELECT ?s WHERE {{ GRAPH <{EXTRA}> {{ ?s ?p ?o }} }} ORDER BY ?s"


def _after_the_check(served: Served, query: str) -> list[str]:
    """The answer after the generation check's interval (GENERATION_CHECK_SECONDS): the
    check runs before a cached answer is given."""
    time.sleep(1.2)
    return served.select(query)


def test_updates_and_graph_store_writes_through_one_server_reach_the_others_caches(pair: tuple[Served, Served]) -> None:
    """A raw SPARQL update and a Graph Store write through one server move the store's
    generation, so the other server empties its caches (its cached answer was the old one)."""
    first, second = pair
    assert second.select(IN_EXTRA) == []  # cached on the second server
    update = f'INSERT DATA {{ GRAPH <{EXTRA}> {{ <urn:gen:a> <urn:p> "Generatie" }} }}'
    status, _, body = first.call("POST", "/sparql", update, user="ada", headers={"Content-Type": "application/sparql-update"})
    assert status == 204, body
    assert _after_the_check(second, IN_EXTRA) == ["urn:gen:a"]
    turtle = "<urn:gen:b> <urn:p> \"Graph Store\" ."
    graph = urllib.parse.quote(EXTRA, safe="")
    status, _, body = first.call("PUT", f"/graph-store?graph={graph}", turtle, user="ada",
                                 headers={"Content-Type": "text/turtle"})
    assert status in (200, 204), body
    assert _after_the_check(second, IN_EXTRA) == ["urn:gen:b"]


def test_a_raw_update_through_one_server_reaches_the_others_search_index(pair: tuple[Served, Served]) -> None:
    first, second = pair
    theme = "https://data.mag-graph.nl/id/thema/hg-generatiezoek"
    update = (
        "PREFIX mag: <https://data.mag-graph.nl/def/mag#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        f"INSERT DATA {{ GRAPH <{EXTRA}> {{ <{theme}> a mag:Theme ; rdfs:label \"Generatiezoek\"@nl ; "
        f"mag:municipality <{HG}> }} }}"
    )
    assert json.loads(second.call("GET", "/api/v1/search?q=generatiezoek", user="eddie")[2])["total"] == 0
    status, _, body = first.call("POST", "/sparql", update, user="ada", headers={"Content-Type": "application/sparql-update"})
    assert status == 204, body
    time.sleep(1.2)
    second.select(IN_EXTRA)  # a cached read runs the generation check, which starts the rebuild
    deadline = time.monotonic() + 60
    found = 0
    while time.monotonic() < deadline:
        found = json.loads(second.call("GET", "/api/v1/search?q=generatiezoek", user="eddie")[2])["total"]
        if found:
            break
        time.sleep(0.5)
    assert found == 1


def test_a_write_made_directly_to_the_triplestore_waits_for_refresh(pair: tuple[Served, Served], triplestores: Any) -> None:
    """Not through mag-graph: the servers keep their cached answers until `mag-graph
    refresh --store URL` moves the generation on."""
    first, second = pair
    url = triplestores.url("oxigraph", "two-servers")
    before = second.select(IN_EXTRA)
    server = url.removeprefix("sparql+").split("?")[0].rstrip("/")
    direct = f'INSERT DATA {{ GRAPH <{EXTRA}> {{ <urn:gen:c> <urn:p> "direct" }} }}'
    request = urllib.request.Request(server + "/update", data=direct.encode(), method="POST",
                                     headers={"Content-Type": "application/sparql-update"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status in (200, 204)
    time.sleep(1.2)
    assert second.select(IN_EXTRA) == before  # still the cached answer: nobody announced the write
    done = subprocess.run([str(SCRIPT), "refresh", "--store", url], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _after_the_check(second, IN_EXTRA) == sorted([*before, "urn:gen:c"])
    assert first.select(IN_EXTRA) == sorted([*before, "urn:gen:c"])
