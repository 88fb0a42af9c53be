"""Drafts and archived content never leak: an editor's draft, created through the CMS API
of the real server (waitress, on-disk store, query processes on snapshots), is invisible
to anonymous callers and readers on every public face - the SPARQL endpoint (through
SPARQLWrapper and rdflib's SPARQLStore, whatever dataset the query names), the Graph
Store, the questions, the validation report, the CMS API and search, and the pages in
Chromium - while editors see it; once adopted it is public, once archived gone again."""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper
from store_template import initialised_store

from mag_graph.store.bootstrap import initialise

ID = "https://data.mag-graph.nl/id/"
HG = "https://identifier.overheid.nl/tooi/id/gemeente/gm0523"
CONCEPT = "https://data.mag-graph.nl/graph/concept"
HISTORY = "https://data.mag-graph.nl/graph/historie"
PASSWORD = "correct horse battery"
# user -> a token of that name and role on the module's server, sent as the Basic password:
# the same principal as the password, without a deliberately slow scrypt check per request
SECRETS: dict[str, str] = {}
USERS = {"rita": "reader", "eddie": "editor", "rob": "reviewer", "ada": "admin"}
LEAK_QUERY = "SELECT ?s WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'Lekproef')) }"
THEME = ID + "thema/hg-lekproef"
ORGANISATION = ID + "organisatie/lekproef-stichting"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _auth(user: str | None) -> dict[str, str]:
    if user is None:
        return {}
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{SECRETS[user]}".encode()).decode()}


@dataclass
class Live:
    base: str

    def call(self, method: str, path: str, body: Any = None, *, user: str | None = None,
             headers: dict[str, str] | None = None) -> Reply:
        sent = {**_auth(user), **(headers or {})}
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/ld+json")
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=300) as response:  # a first write warms pySHACL up
                return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())

    def select(self, query: str, *, user: str | None = None, **params: str) -> list[str]:
        """The first column of a SELECT through SPARQLWrapper, as a real client sends it."""
        client = SPARQLWrapper(self.base + "/sparql")
        client.setQuery(query)
        client.setReturnFormat(JSON)
        if user is not None:
            client.setCredentials(user, SECRETS[user])
        for name, value in params.items():
            client.addParameter(name.replace("_", "-"), value)
        rows = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
        return [next(iter(row.values()))["value"] for row in rows if row]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module", params=["disk", "oxigraph"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, triplestores: Any) -> Iterator[Live]:
    """The server on an on-disk store (query processes on snapshots) and on a remote
    store on `oxigraph serve` (queries run by that server, with the caller's dataset)."""
    import waitress
    from mag_graph.api import create_app

    state = os.environ.get("MAG_GRAPH_STATE_DIR")
    if request.param == "disk":
        store: Any = initialised_store(tmp_path_factory.mktemp("store") / "store")
    else:
        os.environ["MAG_GRAPH_STATE_DIR"] = str(tmp_path_factory.mktemp("state"))
        store = triplestores.open("oxigraph", "visibility")
        initialise(store)
    app = create_app(store)
    for name, role in USERS.items():
        app.extensions["mag_graph"].auth.add_user(name, PASSWORD, role=role)
        SECRETS[name] = app.extensions["mag_graph"].auth.create_token(name, role)[1]
    server = waitress.create_server(app, host="127.0.0.1", port=_free_port(), threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield Live(f"http://127.0.0.1:{server.effective_port}")
    finally:
        server.close()
        thread.join(timeout=5)
        app.extensions["mag_graph"].close()
        store.close()
        if state is None:
            os.environ.pop("MAG_GRAPH_STATE_DIR", None)
        else:
            os.environ["MAG_GRAPH_STATE_DIR"] = state


@pytest.fixture(scope="module")
def drafts(live: Live) -> dict[str, str]:
    """An editor's drafts: a theme, and a partner organisation with a MAG-partner role
    assignment (stored with an R23 warning on the organisation)."""
    theme = live.call("POST", "/api/v1/themes", {"label": {"nl": "Lekproef"}, "description": {"nl": "Lekproef thema"},
                                                  "municipality": [HG]}, user="eddie")
    assert theme.status == 201, theme.body
    assert theme.json()["id"] == THEME
    turtle = f"""@prefix mag: <https://data.mag-graph.nl/def/mag#> .
@prefix magb: <https://data.mag-graph.nl/def/mag/begrip/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{ORGANISATION}> a mag:PartnerOrganisation ; rdfs:label "Stichting Lekproef"@nl ; mag:municipality <{HG}> .
<{ID}roltoewijzing/lekproef-partner> a mag:RoleAssignment ; rdfs:label "Stichting Lekproef als MAG-partner"@nl ;
    mag:holder <{ORGANISATION}> ; org:role magb:MagPartner ; mag:inContext <{ID}samenwerking/hg-mag> ;
    mag:municipality <{HG}> ."""
    imported = live.call("POST", "/api/v1/imports", turtle, user="eddie", headers={"Content-Type": "text/turtle"})
    assert imported.status == 201, imported.body
    assert [w["rule"] for w in imported.json()["warnings"]] == ["R23"]
    return {"theme": theme.json()["href"]}


# --------------------------------------------------------------------------- SPARQL


def test_anonymous_sparql_does_not_see_a_draft(live: Live, drafts: dict[str, str]) -> None:
    # the editor first (its answer must not be cached for others), then everyone else
    assert THEME in live.select(LEAK_QUERY, user="eddie")
    assert live.select(LEAK_QUERY) == []
    assert live.select(LEAK_QUERY, user="rita") == []  # readers see what the public sees
    assert THEME in live.select(LEAK_QUERY, user="eddie")  # and the anonymous answer is not served to editors


@pytest.mark.parametrize("query, params", [
    ("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'Lekproef')) } }", {}),
    (f"SELECT ?s WHERE {{ GRAPH <{CONCEPT}> {{ ?s ?p ?o }} }}", {}),
    (f"SELECT ?s FROM <{CONCEPT}> WHERE {{ ?s ?p ?o }}", {}),
    ("SELECT ?s FROM magg:concept FROM NAMED magg:historie WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", {}),
    (f"SELECT ?s WHERE {{ GRAPH <{HISTORY}> {{ ?s ?p ?o }} }}", {}),
    ("SELECT ?s WHERE { ?s ?p ?o }", {"default_graph_uri": CONCEPT}),
    ("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }", {"named_graph_uri": CONCEPT}),
])
def test_no_dataset_trick_reaches_a_draft(live: Live, drafts: dict[str, str], query: str, params: dict[str, str]) -> None:
    assert live.select(query, **params) == []
    assert live.select(query, user="eddie", **params) != []  # the same query does reach it for an editor


def test_a_public_from_clause_still_works_anonymously(live: Live, drafts: dict[str, str]) -> None:
    """Restricting the dataset keeps what the query asks: FROM a public graph is that graph."""
    query = ("SELECT (COUNT(*) AS ?n) FROM magg:hardinxveld-giessendam WHERE "
             "{ ?s a mag:Responsibility }")
    anonymous = live.select(query)
    assert anonymous == live.select(query, user="eddie")
    assert int(anonymous[0]) > 38


def test_rdflib_sparqlstore_anonymously(live: Live, drafts: dict[str, str]) -> None:
    graph = Graph(SPARQLStore(live.base + "/sparql", returnFormat="json"))
    assert list(graph.query(LEAK_QUERY)) == []
    assert len(list(graph.query("SELECT ?s WHERE { ?s a mag:Theme }"))) > 0


def test_graph_store_hides_the_draft_graphs(live: Live, drafts: dict[str, str]) -> None:
    quoted = urllib.parse.quote(CONCEPT, safe="")
    assert live.call("GET", f"/graph-store?graph={quoted}").status == 404
    assert live.call("GET", f"/graph-store?graph={urllib.parse.quote(HISTORY, safe='')}", user="rita").status == 404
    own = live.call("GET", f"/graph-store?graph={quoted}", user="eddie", headers={"Accept": "text/turtle"})
    assert own.status == 200 and b"Lekproef" in own.body
    dataset = live.call("GET", "/graph-store", headers={"Accept": "application/n-quads"})
    assert dataset.status == 200 and b"Lekproef" not in dataset.body and b"hg-college" in dataset.body
    assert b"Lekproef" in live.call("GET", "/graph-store", user="eddie", headers={"Accept": "application/n-quads"}).body


# --------------------------------------------------------------------------- API


def test_questions_validation_api_and_search(live: Live, drafts: dict[str, str]) -> None:
    assert b"Lekproef" not in live.call("GET", "/api/v1/questions/q08").body
    assert b"Lekproef" in live.call("GET", "/api/v1/questions/q08", user="eddie").body
    anonymous = live.call("GET", "/api/v1/validation?date=2026-11-01").json()
    assert not [r for r in anonymous["results"] if "lekproef" in r["focusNode"]]
    editor = live.call("GET", "/api/v1/validation?date=2026-11-01", user="eddie").json()
    assert [r["rule"] for r in editor["results"] if r["focusNode"] == ORGANISATION] == ["R23"]
    item = urllib.parse.urlsplit(drafts["theme"]).path
    assert live.call("GET", item).status == 404 and live.call("GET", item, user="rita").status == 404
    assert live.call("GET", item, user="eddie").status == 200
    listed = live.call("GET", "/api/v1/themes?pageSize=200").json()
    assert THEME not in {i["id"] for i in listed["items"]}
    assert live.call("GET", "/api/v1/search?q=lekproef").json()["total"] == 0
    assert live.call("GET", "/api/v1/search?q=lekproef", user="eddie").json()["total"] == 3


# --------------------------------------------------------------------------- pages (Chromium)


def test_pages_follow_the_workflow(live: Live, drafts: dict[str, str], browser_page: Any) -> None:
    tab = browser_page
    doc = live.base + "/doc/thema/hg-lekproef"
    answer = tab.goto(doc)
    assert answer.status == 404
    answer = tab.goto(live.base + "/id/thema/hg-lekproef")
    assert answer.status == 404
    tab.goto(live.base + "/query")
    tab.fill("#query", LEAK_QUERY)
    tab.click("form.query-form button[type=submit]:not(.secondary)")
    tab.wait_for_selector("#resultaat")
    assert tab.locator("#results tbody tr").count() == 0 and "Lekproef" not in tab.locator("main").inner_text()
    tab.goto(live.base + "/validatie?datum=2026-11-01")
    tab.wait_for_selector("#samenvatting", timeout=120_000)  # the report, after the progress page if any
    assert "Lekproef" not in tab.content()

    item = urllib.parse.urlsplit(drafts["theme"]).path
    etag = live.call("GET", item, user="rob").headers["etag"]  # a workflow step needs If-Match
    assert live.call("POST", item + "/workflow/vaststellen", user="rob", headers={"If-Match": etag}).status == 200
    answer = tab.goto(doc)
    assert answer.status == 200 and "Lekproef" in tab.locator("h1").inner_text()
    assert set(live.select(LEAK_QUERY)) == {THEME}
    assert live.call("GET", item).status == 200

    etag = live.call("GET", item, user="rob").headers["etag"]
    assert live.call("POST", item + "/workflow/archiveren", user="rob", headers={"If-Match": etag}).status == 200
    assert tab.goto(doc).status == 404
    assert live.select(LEAK_QUERY) == []
    assert URIRef(THEME) not in {URIRef(s) for s in live.select("SELECT ?s WHERE { ?s a mag:Theme }")}


def test_history_is_queryable_with_sparql_by_editors_only(live: Live, drafts: dict[str, str]) -> None:
    query = f"""PREFIX cms: <https://data.mag-graph.nl/def/cms#>
SELECT ?agent WHERE {{ GRAPH magg:historie {{
  ?rev prov:startedAtTime ?time ; prov:wasAssociatedWith ?agent ; cms:change ?c .
  ?c cms:resource <{THEME}> }} }} ORDER BY ?time"""
    assert live.select(query, user="eddie")[0] == ID + "gebruiker/eddie"
    assert live.select(query) == [] and live.select(query, user="rita") == []


# --------------------------------------------------------------------------- the dataset rules themselves


def test_dataset_clauses_resolve_prefixes_and_base() -> None:
    from mag_graph.sparql import dataset_clauses

    assert dataset_clauses("SELECT * WHERE { ?s ?p ?o }") == ([], [])
    assert dataset_clauses("SELECT * FROM magg:concept FROM NAMED <x> WHERE { ?s ?p ?o }") == ([CONCEPT], ["x"])
    assert dataset_clauses("PREFIX g: <http://e.org/g/> BASE <http://e.org/b/> SELECT * FROM g:a FROM NAMED <c> "
                           "WHERE { ?s ?p ?o }") == (["http://e.org/g/a"], ["http://e.org/b/c"])
    assert dataset_clauses("SELECT * FROM nope:a WHERE { ?s ?p ?o }") is None  # unknown prefix: Oxigraph refuses it
    assert dataset_clauses("SELECT * FROM <a WHERE {") is None
    assert dataset_clauses("SELECT * WHERE { ?s ?p 'FROM <x>' }") == ([], [])  # a string is not a clause


def test_restrict_dataset() -> None:
    from mag_graph.cms.workflow import restrict_dataset
    from mag_graph.store import DEFAULT_GRAPH

    visible = [DEFAULT_GRAPH, URIRef("http://e.org/a"), URIRef("http://e.org/b")]
    default, named = restrict_dataset(visible, None, None)
    assert default == [str(g) for g in visible] and named == ["http://e.org/a", "http://e.org/b"]
    assert restrict_dataset(visible, ["http://e.org/a", CONCEPT], []) == (["http://e.org/a"], [])
    assert restrict_dataset(visible, [], [CONCEPT, "http://e.org/b"]) == ([], ["http://e.org/b"])
    assert restrict_dataset(visible, [CONCEPT], None) == ([], [])


def test_search_catches_up_with_a_raw_admin_write(live: Live) -> None:
    """Raw SPARQL updates bypass the CMS; its search index is rebuilt in the background."""
    import time

    update = f"""INSERT DATA {{ GRAPH magg:hardinxveld-giessendam {{
        <{ID}thema/hg-ruwe-invoer> a mag:Theme ; rdfs:label "Ruwe invoer"@nl }} }}"""
    answer = live.call("POST", "/sparql", update, user="ada", headers={"Content-Type": "application/sparql-update"})
    assert answer.status == 204
    deadline = time.monotonic() + 30
    found = 0
    while time.monotonic() < deadline and not found:
        found = live.call("GET", "/api/v1/search?q=ruwe+invoer").json()["total"]
        if not found:
            time.sleep(0.2)
    assert found == 1
