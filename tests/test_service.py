"""The SPARQL service, the Graph Store, the /api/v1 routes and their HTTP conventions.

Most tests talk to a real server: ``mag-graph serve`` started in a subprocess on
127.0.0.1 with a free port (``--port 0``; the server prints the port it got), on an
on-disk store it bootstraps itself on first run. SPARQLWrapper and rdflib's SPARQLStore
are the clients for the protocol; raw ``http.client`` requests cover the edge cases
(every method and content type, credentials, content negotiation with q-values). A few
tests use Flask's test client on an in-memory store, where comparing with the core is
easier (the live server holds the lock of its store).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import serve_process
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from store_template import initialised_memory_store, initialised_store

from mag_graph.access.auth import (
    AuthRegistry,
    InvalidCredentialsError,
    NameExistsError,
    Principal,
    WeakPasswordError,
    auth_path_for_store,
)
from mag_graph.namespaces import MAGG
from mag_graph.sparql import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    ResultCache,
    SparqlService,
    format_by_name,
    is_volatile,
    keywords,
    negotiate,
    parse_accept,
    uses_keyword,
)
from mag_graph.store import Store

SCRIPT = Path(sys.executable).with_name("mag-graph")
SD = "http://www.w3.org/ns/sparql-service-description#"
ADMIN, ADMIN_PASSWORD = "beheerder", "geheim-wachtwoord-1"
CMS_EDITOR, CMS_EDITOR_PASSWORD = "redacteur", "geheim-wachtwoord-3"
READER, READER_PASSWORD = "lezer", "geheim-wachtwoord-2"
QUERY_TIMEOUT = 3
MAX_RESULTS = 5000
STUWKR8 = "https://data.mag-graph.nl/id/organisatie/stuwkr8"
LABEL_QUERY = f"SELECT ?label WHERE {{ <{STUWKR8}> rdfs:label ?label }}"
# Three copies of the store joined: ~10^12 combinations, counted before any output, so
# only killing the process that runs it stops it.
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


# --------------------------------------------------------------------------- the live server


@dataclass
class Server:
    url: str
    host: str
    port: int
    process: subprocess.Popen[str]
    output: list[str]
    store: Path
    admin_token: str
    reader_token: str


def start_server(store: Path, *extra: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    """``mag-graph serve --port 0`` in a subprocess; returns it with its base URL once it
    says where it listens (the output keeps being drained, so the pipe never fills)."""
    running = serve_process.start(store, *extra, within=90)
    return running.process, running.url, running.output


def stop_server(process: subprocess.Popen[str]) -> None:
    serve_process.stop(process, timeout=20)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The real server on a store it has to bootstrap itself, with an admin, an editor
    and a reader (users and tokens) made through the core API while it runs."""
    store = tmp_path_factory.mktemp("service") / "store"
    process, url, output = start_server(
        store, "--workers", "2", "--threads", "8", "--query-timeout", str(QUERY_TIMEOUT), "--max-results", str(MAX_RESULTS)
    )
    with AuthRegistry.for_store(store) as auth:
        auth.add_user(ADMIN, ADMIN_PASSWORD, "admin")
        auth.add_user(CMS_EDITOR, CMS_EDITOR_PASSWORD, "editor")
        auth.add_user(READER, READER_PASSWORD, "reader")
        _, admin_token = auth.create_token("ci-admin", "admin")
        _, reader_token = auth.create_token("ci-reader", "reader")
    parsed = urllib.parse.urlsplit(url)
    yield Server(url, parsed.hostname or "127.0.0.1", parsed.port or 80, process, output, store, admin_token, reader_token)
    stop_server(process)


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def media_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip()


def call(
    server: Server, method: str, path: str, body: bytes | str | None = None, headers: dict[str, str] | None = None
) -> Reply:
    """One raw HTTP request (nothing between the test and the wire)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
    try:
        data = body.encode("utf-8") if isinstance(body, str) else body
        conn.request(method, path, body=data, headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def q(query: str, **params: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query, **params})


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(reply: Reply, status: int, *words: str) -> dict[str, Any]:
    assert reply.status == status, reply.body[:500]
    assert reply.media_type == "application/problem+json"
    problem = reply.json()
    assert problem["status"] == status
    assert problem["title"] and problem["detail"] and problem["type"]
    assert " / " in problem["detail"]  # Dutch first, then English
    for word in words:
        assert word in problem["detail"], problem
    assert reply.header("API-Version")
    return problem


def label_values(data: bytes) -> set[str]:
    return {b["label"]["value"] for b in json.loads(data)["results"]["bindings"]}


# --------------------------------------------------------------------------- starting


def test_first_run_bootstraps_the_example_data(server: Server) -> None:
    text = "".join(server.output)
    assert "first run: loading" in text
    reply = call(server, "GET", q("ASK { GRAPH ?g { ?s a mag:Responsibility } }"))
    assert reply.status == 200 and reply.json()["boolean"] is True
    assert auth_path_for_store(server.store) == server.store.parent / "auth.sqlite"
    assert (server.store.parent / "auth.sqlite").exists()


# --------------------------------------------------------------------------- queries


def test_query_by_get(server: Server) -> None:
    reply = call(server, "GET", q(LABEL_QUERY), headers={"Accept": "application/sparql-results+json"})
    assert reply.status == 200
    assert reply.media_type == "application/sparql-results+json"
    assert "StuwKR8" in label_values(reply.body)


def test_query_by_post_form(server: Server) -> None:
    body = urllib.parse.urlencode({"query": LABEL_QUERY})
    reply = call(server, "POST", "/sparql", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 200
    assert "StuwKR8" in label_values(reply.body)


def test_query_by_post_direct(server: Server) -> None:
    reply = call(server, "POST", "/sparql", LABEL_QUERY, {"Content-Type": "application/sparql-query; charset=utf-8"})
    assert reply.status == 200
    assert "StuwKR8" in label_values(reply.body)


def test_sparqlwrapper_select_in_every_results_format(server: Server) -> None:
    from SPARQLWrapper import (
        CSV,
        GET,
        JSON,
        POST,
        POSTDIRECTLY,
        TSV,
        URLENCODED,
        XML,
        SPARQLWrapper,
    )

    for method, request_method in ((GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)):
        wrapper = SPARQLWrapper(server.url + "/sparql")
        wrapper.setMethod(method)
        wrapper.setRequestMethod(request_method)
        wrapper.setQuery("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + LABEL_QUERY)
        wrapper.setReturnFormat(JSON)
        result = wrapper.query().convert()
        assert "StuwKR8" in {b["label"]["value"] for b in result["results"]["bindings"]}

    wrapper = SPARQLWrapper(server.url + "/sparql")
    wrapper.setQuery(LABEL_QUERY)
    wrapper.setReturnFormat(XML)
    document = wrapper.query().convert()
    assert "StuwKR8" in document.toxml()
    wrapper.setReturnFormat(CSV)
    assert b"StuwKR8" in wrapper.query().convert()
    wrapper.setReturnFormat(TSV)
    assert b'"StuwKR8"@nl' in wrapper.query().convert()


def test_sparqlwrapper_ask_and_construct(server: Server) -> None:
    from SPARQLWrapper import JSON, JSONLD, RDFXML, TURTLE, SPARQLWrapper

    wrapper = SPARQLWrapper(server.url + "/sparql")
    wrapper.setQuery("ASK { ?s a mag:Responsibility }")
    wrapper.setReturnFormat(JSON)
    assert wrapper.query().convert()["boolean"] is True

    construct = f"CONSTRUCT {{ <{STUWKR8}> ?p ?o }} WHERE {{ <{STUWKR8}> ?p ?o }}"
    for fmt in (RDFXML, JSONLD):
        wrapper = SPARQLWrapper(server.url + "/sparql")
        wrapper.setQuery(construct)
        wrapper.setReturnFormat(fmt)
        graph = wrapper.query().convert()
        if not isinstance(graph, Graph):
            graph = Graph().parse(data=graph, format="json-ld")
        assert (URIRef(STUWKR8), None, Literal("StuwKR8", lang="nl")) in graph
    wrapper = SPARQLWrapper(server.url + "/sparql")
    wrapper.setQuery(construct)
    wrapper.setReturnFormat(TURTLE)
    graph = Graph().parse(data=wrapper.query().convert(), format="turtle")
    assert len(graph) > 3


def test_rdflib_sparqlstore_reads_the_endpoint(server: Server) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(store=SPARQLStore(query_endpoint=server.url + "/sparql"))
    labels = {str(o) for o in graph.objects(URIRef(STUWKR8), URIRef("http://www.w3.org/2000/01/rdf-schema#label"))}
    assert "StuwKR8" in labels
    rows = list(graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://data.mag-graph.nl/def/mag#Responsibility> }"))
    assert int(rows[0][0]) > 30


def test_dataset_parameters(server: Server) -> None:
    maassluis = str(MAGG["maassluis"])
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    everything = int(call(server, "GET", q(count)).json()["results"]["bindings"][0]["n"]["value"])
    one = call(server, "GET", q(count, **{"default-graph-uri": maassluis}))
    assert one.status == 200
    in_graph = int(one.json()["results"]["bindings"][0]["n"]["value"])
    assert 0 < in_graph < everything
    named = call(server, "GET", q("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": maassluis}))
    assert [b["g"]["value"] for b in named.json()["results"]["bindings"]] == [maassluis]
    # With only named graphs given, the default graph is empty (SPARQL 1.1 Protocol 2.1.4).
    empty = call(server, "GET", q(count, **{"named-graph-uri": maassluis}))
    assert empty.json()["results"]["bindings"][0]["n"]["value"] == "0"
    # Without protocol parameters a query's own FROM counts, not the union default graph.
    own = call(server, "GET", q(f"SELECT (COUNT(*) AS ?n) FROM <{maassluis}> WHERE {{ ?s ?p ?o }}"))
    assert int(own.json()["results"]["bindings"][0]["n"]["value"]) == in_graph


def test_malformed_query_is_400_with_the_parser_message(server: Server) -> None:
    reply = call(server, "GET", q("SELECT * WHERE { ?s ?p }"))
    problem = assert_problem(reply, 400, "invalid SPARQL", "error at 1:")
    assert problem["type"].endswith("invalid-query")
    reply = call(server, "POST", "/sparql", "SELEKT", {"Content-Type": "application/sparql-query"})
    assert_problem(reply, 400, "invalid SPARQL")


def test_protocol_errors(server: Server) -> None:
    assert_problem(call(server, "GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D"), 400, "query")
    assert_problem(call(server, "GET", "/sparql?" + urllib.parse.urlencode({"update": "CLEAR ALL"})), 405, "POST")
    both = urllib.parse.urlencode({"query": "ASK {}", "update": "CLEAR ALL"})
    assert_problem(call(server, "POST", "/sparql", both, {"Content-Type": "application/x-www-form-urlencoded"}), 400)
    neither = urllib.parse.urlencode({"foo": "bar"})
    assert_problem(call(server, "POST", "/sparql", neither, {"Content-Type": "application/x-www-form-urlencoded"}), 400)
    problem = assert_problem(call(server, "POST", "/sparql", "ASK {}", {"Content-Type": "text/plain"}), 415)
    assert "application/sparql-query" in problem["acceptable"]
    assert_problem(call(server, "DELETE", "/sparql"), 405)
    assert_problem(call(server, "GET", q("ASK {}", format="png")), 400, "png")


def test_federated_queries_are_refused(server: Server) -> None:
    reply = call(server, "GET", q(f"SELECT * WHERE {{ SERVICE <{server.url}/sparql> {{ ?s ?p ?o }} }}"))
    problem = assert_problem(reply, 400, "SERVICE")
    assert problem["type"].endswith("federation-disabled")


# --------------------------------------------------------------------------- content negotiation


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/sparql-results+xml;q=0.5, text/csv;q=0.9", "text/csv"),
        ("text/csv;q=0.1, text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("text/*;q=0.8, application/sparql-results+json;q=0.2", "text/csv"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml"),
    ],
)
def test_select_conneg(server: Server, accept: str | None, media_type: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    reply = call(server, "GET", q(LABEL_QUERY), headers=headers)
    assert reply.status == 200
    assert reply.media_type == media_type
    assert "Accept" in (reply.header("Vary") or "")


@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        (None, "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("text/turtle;q=0.1, application/n-triples;q=0.9", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml;q=1.0, text/turtle;q=0.5", "application/rdf+xml", "xml"),
    ],
)
def test_construct_conneg(server: Server, accept: str | None, media_type: str, rdflib_format: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    reply = call(server, "GET", q(f"DESCRIBE <{STUWKR8}>"), headers=headers)
    assert reply.status == 200
    assert reply.media_type == media_type
    graph = Graph().parse(data=reply.body, format=rdflib_format)
    assert (URIRef(STUWKR8), None, Literal("StuwKR8", lang="nl")) in graph


def test_format_parameter_wins_over_accept(server: Server) -> None:
    reply = call(server, "GET", q(LABEL_QUERY, format="csv"), headers={"Accept": "application/sparql-results+xml"})
    assert reply.media_type == "text/csv"
    reply = call(server, "GET", q(f"DESCRIBE <{STUWKR8}>", format="text/turtle"))
    assert reply.media_type == "text/turtle"


def test_not_acceptable(server: Server) -> None:
    problem = assert_problem(call(server, "GET", q(LABEL_QUERY), headers={"Accept": "image/png"}), 406)
    assert "application/sparql-results+json" in problem["acceptable"]
    # Turtle is acceptable for CONSTRUCT only: a SELECT answered in it is a 406.
    assert_problem(call(server, "GET", q(LABEL_QUERY), headers={"Accept": "text/turtle"}), 406, "SELECT")
    assert_problem(call(server, "GET", q(f"DESCRIBE <{STUWKR8}>", format="csv")), 406, "CONSTRUCT")


def test_service_description(server: Server) -> None:
    reply = call(server, "GET", "/sparql")
    assert reply.status == 200 and reply.media_type == "text/turtle"
    graph = Graph().parse(data=reply.body, format="turtle")
    service = next(graph.subjects(RDF.type, URIRef(SD + "Service")))
    assert (service, URIRef(SD + "endpoint"), URIRef(server.url + "/sparql")) in graph
    languages = set(graph.objects(service, URIRef(SD + "supportedLanguage")))
    assert {URIRef(SD + "SPARQL11Query"), URIRef(SD + "SPARQL11Update")} <= languages
    formats = set(graph.objects(service, URIRef(SD + "resultFormat")))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert URIRef(SD + "UnionDefaultGraph") in set(graph.objects(service, URIRef(SD + "feature")))
    names = set(graph.objects(None, URIRef(SD + "name")))
    assert MAGG["maassluis"] in names
    assert URIRef(server.url + "/graph-store") in set(graph.objects(service, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso")))
    jsonld = call(server, "GET", "/sparql", headers={"Accept": "application/ld+json"})
    assert jsonld.media_type == "application/ld+json"
    assert len(Graph().parse(data=jsonld.body, format="json-ld")) == len(graph)


# --------------------------------------------------------------------------- updates and credentials


def test_update_needs_credentials(server: Server) -> None:
    update = "INSERT DATA { <http://example.org/t/anonymous> <http://example.org/p> 1 }"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    reply = call(server, "POST", "/sparql", urllib.parse.urlencode({"update": update}), form)
    assert_problem(reply, 401)
    assert any(v.startswith("Basic") for v in reply.headers.get_all("WWW-Authenticate") or [])
    assert any(v.startswith("Bearer") for v in reply.headers.get_all("WWW-Authenticate") or [])
    direct = {"Content-Type": "application/sparql-update"}
    assert_problem(call(server, "POST", "/sparql", update, direct), 401)
    assert_problem(call(server, "POST", "/sparql", update, {**direct, **basic(ADMIN, "wrong password")}), 401)
    assert_problem(call(server, "POST", "/sparql", update, {**direct, **bearer("mgt_nottherightkey_" + "x" * 43)}), 401)
    assert_problem(call(server, "POST", "/sparql", update, {**direct, "Authorization": "Basic %%%"}), 401)
    assert_problem(call(server, "POST", "/sparql", update, {**direct, **basic(READER, READER_PASSWORD)}), 403, "admin")
    # Raw updates bypass validation, history and the workflow: editors write through the CMS API.
    assert_problem(call(server, "POST", "/sparql", update, {**direct, **basic(CMS_EDITOR, CMS_EDITOR_PASSWORD)}), 403, "admin")
    assert_problem(call(server, "PUT", "/graph-store?default", "<http://example.org/a> <http://example.org/b> 1 .",
                        {"Content-Type": "application/n-triples", **basic(CMS_EDITOR, CMS_EDITOR_PASSWORD)}), 403, "admin")
    assert_problem(call(server, "POST", "/sparql", update, {**direct, **bearer(server.reader_token)}), 403)
    ask = "ASK { <http://example.org/t/anonymous> ?p ?o }"
    assert call(server, "GET", q(ask)).json()["boolean"] is False


def test_update_with_every_credential_and_content_type(server: Server) -> None:
    cases = [
        ("form", basic(ADMIN, ADMIN_PASSWORD)),
        ("direct", basic(ADMIN, ADMIN_PASSWORD)),
        ("form", bearer(server.admin_token)),
        ("direct", bearer(server.admin_token)),
        ("direct", basic("anyone", server.admin_token)),  # a token as the Basic password
    ]
    for i, (kind, credential) in enumerate(cases):
        subject = f"http://example.org/t/update-{i}"
        update = f'INSERT DATA {{ <{subject}> rdfs:label "nieuw {i}"@nl }}'
        if kind == "form":
            reply = call(server, "POST", "/sparql", urllib.parse.urlencode({"update": update}),
                         {"Content-Type": "application/x-www-form-urlencoded", **credential})
        else:
            reply = call(server, "POST", "/sparql", update, {"Content-Type": "application/sparql-update", **credential})
        assert reply.status == 204, reply.body
        assert call(server, "GET", q(f"ASK {{ <{subject}> ?p ?o }}")).json()["boolean"] is True


def test_update_syntax_error_is_400(server: Server) -> None:
    reply = call(server, "POST", "/sparql", "INSERT DATA { <x> }",
                 {"Content-Type": "application/sparql-update", **bearer(server.admin_token)})
    assert_problem(reply, 400, "invalid SPARQL")


def test_sparqlwrapper_update(server: Server) -> None:
    from SPARQLWrapper import POST, POSTDIRECTLY, URLENCODED, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import Unauthorized

    for i, request_method in enumerate((URLENCODED, POSTDIRECTLY)):
        wrapper = SPARQLWrapper(server.url + "/sparql", updateEndpoint=server.url + "/sparql")
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(request_method)
        wrapper.setQuery(f"INSERT DATA {{ <http://example.org/t/wrapper-{i}> <http://example.org/p> 1 }}")
        with pytest.raises(Unauthorized):
            wrapper.query()
        wrapper.setCredentials(ADMIN, ADMIN_PASSWORD)
        assert wrapper.query().response.status == 204
    assert call(server, "GET", q("ASK { <http://example.org/t/wrapper-1> ?p ?o }")).json()["boolean"] is True


def test_rdflib_sparqlupdatestore(server: Server) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

    endpoint = server.url + "/sparql"
    store = SPARQLUpdateStore(query_endpoint=endpoint, update_endpoint=endpoint, auth=(ADMIN, ADMIN_PASSWORD))
    graph = Graph(store=store, identifier=URIRef("http://example.org/t/rdflib-graph"))
    graph.add((URIRef("http://example.org/t/rdflib"), URIRef("http://example.org/p"), Literal("via rdflib")))
    check = call(server, "GET", q("SELECT ?o WHERE { GRAPH <http://example.org/t/rdflib-graph> { ?s ?p ?o } }"))
    assert [b["o"]["value"] for b in check.json()["results"]["bindings"]] == ["via rdflib"]
    anonymous = SPARQLUpdateStore(query_endpoint=endpoint, update_endpoint=endpoint)
    with pytest.raises(Exception):
        Graph(store=anonymous).add((URIRef("http://example.org/t/no"), URIRef("http://example.org/p"), Literal(1)))


def test_cli_token_works_in_the_running_server(server: Server) -> None:
    from mag_graph.cli import main

    result = CliRunner().invoke(main, ["users", "token", "made-on-the-cli", "--role", "admin", "--store", str(server.store)])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    reply = call(server, "POST", "/sparql", "INSERT DATA { <http://example.org/t/cli> <http://example.org/p> 1 }",
                 {"Content-Type": "application/sparql-update", **bearer(token)})
    assert reply.status == 204
    revoked = CliRunner().invoke(main, ["users", "revoke", "made-on-the-cli", "--store", str(server.store)])
    assert revoked.exit_code == 0
    reply = call(server, "POST", "/sparql", "INSERT DATA { <http://example.org/t/cli2> <http://example.org/p> 1 }",
                 {"Content-Type": "application/sparql-update", **bearer(token)})
    assert reply.status == 401


# --------------------------------------------------------------------------- cache


def test_cache_is_invalidated_by_an_update(server: Server) -> None:
    subject = "http://example.org/t/cache"
    query = q(f"SELECT ?label WHERE {{ <{subject}> rdfs:label ?label }}")
    first = call(server, "GET", query)
    assert first.header("Cache-Status") == "mag-graph; fwd=miss"
    second = call(server, "GET", query)
    assert second.header("Cache-Status") == "mag-graph; hit"
    assert second.body == first.body
    assert label_values(second.body) == set()
    update = f'INSERT DATA {{ <{subject}> rdfs:label "na de update" }}'
    assert call(server, "POST", "/sparql", update, {"Content-Type": "application/sparql-update", **bearer(server.admin_token)}).status == 204
    third = call(server, "GET", query)
    assert third.header("Cache-Status") == "mag-graph; fwd=miss"
    assert label_values(third.body) == {"na de update"}
    # A Graph Store write invalidates it too.
    put = call(server, "PUT", "/graph-store?" + urllib.parse.urlencode({"graph": "http://example.org/t/cache-graph"}),
               f'<{subject}> <http://www.w3.org/2000/01/rdf-schema#label> "uit de graph store" .',
               {"Content-Type": "text/turtle", **bearer(server.admin_token)})
    assert put.status == 201
    fourth = call(server, "GET", query)
    assert fourth.header("Cache-Status") == "mag-graph; fwd=miss"
    assert label_values(fourth.body) == {"na de update", "uit de graph store"}


def test_volatile_queries_are_not_cached(server: Server) -> None:
    query = q("SELECT (NOW() AS ?now) (RAND() AS ?r) WHERE {}")
    first, second = call(server, "GET", query), call(server, "GET", query)
    assert first.header("Cache-Status") == second.header("Cache-Status") == "mag-graph; fwd=bypass"
    assert first.body != second.body


# --------------------------------------------------------------------------- limits


def _descendants(pid: int) -> dict[int, tuple[int, str, str]]:
    """Every process below ``pid``: pid -> (parent, state, command line)."""
    table: dict[int, tuple[int, str, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), fields[0], cmdline)
    out: dict[int, tuple[int, str, str]] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, info in table.items():
            if info[0] == parent and child not in out:
                out[child] = info
                frontier.append(child)
    return out


def _query_workers(server: Server) -> set[int]:
    tree = _descendants(server.process.pid)
    forkservers = {p for p, (_, _, cmd) in tree.items() if "forkserver" in cmd and tree[p][0] == server.process.pid}
    return {p for p, (parent, state, _) in tree.items() if parent in forkservers and state != "Z"}


def _cpu_seconds(pids: set[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def _settled_workers(server: Server) -> set[int]:
    """The query processes once no replacement (after an earlier write) is under way."""
    deadline = time.monotonic() + 15
    previous: set[int] = set()
    while time.monotonic() < deadline:
        current = _query_workers(server)
        if len(current) == 2 and current == previous:
            return current
        previous = current
        time.sleep(0.5)
    raise AssertionError(f"query processes did not settle: {previous}")


def test_timeout_really_stops_the_query(server: Server) -> None:
    before = _settled_workers(server)
    started = time.monotonic()
    reply = call(server, "GET", q(CROSS_JOIN))
    elapsed = time.monotonic() - started
    problem = assert_problem(reply, 503, f"{QUERY_TIMEOUT} s")
    assert problem["type"].endswith("query-timeout")
    assert QUERY_TIMEOUT - 0.5 <= elapsed < QUERY_TIMEOUT + 10
    # The process that ran the query is gone (killed, not abandoned) and a new one took
    # its place; nothing in the server's process tree keeps computing.
    after = _settled_workers(server)
    killed = before - after
    assert len(killed) == 1
    for pid in killed:
        state = _descendants(server.process.pid).get(pid, (0, "gone", ""))[1]
        assert state in ("gone", "Z")
    # The query processes, where queries run: the server process itself may be busy with
    # its own background work meanwhile (serve warms validation up at start).
    tree = set(_descendants(server.process.pid))
    cpu_before = _cpu_seconds(tree)
    time.sleep(1.5)
    assert _cpu_seconds(tree) - cpu_before < 0.5
    # And the server answers at once.
    started = time.monotonic()
    assert call(server, "GET", q("ASK { ?s ?p ?o }")).status == 200
    assert time.monotonic() - started < 2


def test_max_result_size(server: Server) -> None:
    reply = call(server, "GET", q("SELECT * WHERE { ?s ?p ?o }"))
    problem = assert_problem(reply, 422, str(MAX_RESULTS), "LIMIT")
    assert problem["type"].endswith("result-too-large")
    assert_problem(call(server, "GET", q("CONSTRUCT WHERE { ?s ?p ?o }")), 422, "triples")
    limited = call(server, "GET", q(f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_RESULTS}", format="tsv"))
    assert limited.status == 200
    assert limited.body.count(b"\n") == MAX_RESULTS + 1


# --------------------------------------------------------------------------- graph store


def test_graph_store_get(server: Server) -> None:
    reply = call(server, "GET", "/graph-store?" + urllib.parse.urlencode({"graph": str(MAGG["maassluis"])}))
    assert reply.status == 200 and reply.media_type == "text/turtle"
    assert len(Graph().parse(data=reply.body, format="turtle")) > 100
    nt = call(server, "GET", "/graph-store?" + urllib.parse.urlencode({"graph": str(MAGG["maassluis"])}),
              headers={"Accept": "application/n-triples"})
    assert nt.media_type == "application/n-triples"
    head = call(server, "HEAD", "/graph-store?" + urllib.parse.urlencode({"graph": str(MAGG["maassluis"])}))
    assert head.status == 200 and head.body == b""
    dataset = call(server, "GET", "/graph-store", headers={"Accept": "application/n-quads"})
    assert dataset.status == 200 and dataset.media_type == "application/n-quads"
    assert_problem(call(server, "GET", "/graph-store?graph=http%3A%2F%2Fexample.org%2Fnone"), 404, "http://example.org/none")
    assert_problem(call(server, "GET", "/graph-store?graph=x&default"), 400)
    assert_problem(call(server, "GET", "/graph-store?graph=not%20an%20iri"), 400)


def test_graph_store_writes(server: Server) -> None:
    graph = "http://example.org/t/gsp"
    path = "/graph-store?" + urllib.parse.urlencode({"graph": graph})
    turtle = "<http://example.org/t/a> <http://example.org/p> 1 , 2 ."
    editor = bearer(server.admin_token)
    assert_problem(call(server, "PUT", path, turtle, {"Content-Type": "text/turtle"}), 401)
    assert_problem(call(server, "PUT", path, turtle, {"Content-Type": "text/turtle", **bearer(server.reader_token)}), 403)
    assert_problem(call(server, "PUT", path, turtle, {"Content-Type": "application/pdf", **editor}), 415)
    assert_problem(call(server, "PUT", path, "<a> <b>", {"Content-Type": "text/turtle", **editor}), 400)
    created = call(server, "PUT", path, turtle, {"Content-Type": "text/turtle", **editor})
    assert created.status == 201
    assert created.header("Location") and "graph=" in created.header("Location")
    assert len(Graph().parse(data=call(server, "GET", path).body, format="turtle")) == 2
    replaced = call(server, "PUT", path, '<http://example.org/t/b> <http://example.org/p> "3" .',
                    {"Content-Type": "application/n-triples", **editor})
    assert replaced.status == 204
    assert len(Graph().parse(data=call(server, "GET", path).body, format="turtle")) == 1
    added = call(server, "POST", path, json.dumps({"@id": "http://example.org/t/c", "http://example.org/p": 4}),
                 {"Content-Type": "application/ld+json", **editor})
    assert added.status == 204
    assert len(Graph().parse(data=call(server, "GET", path).body, format="turtle")) == 2
    assert_problem(call(server, "DELETE", path), 401)
    assert call(server, "DELETE", path, headers=editor).status == 204
    assert_problem(call(server, "GET", path), 404)
    assert_problem(call(server, "DELETE", path, headers=editor), 404)
    # Quads posted to the service itself keep their graphs.
    trig = "<http://example.org/t/quads> { <http://example.org/t/q> <http://example.org/p> 5 . }"
    assert call(server, "POST", "/graph-store", trig, {"Content-Type": "application/trig", **editor}).status == 204
    assert call(server, "GET", "/graph-store?graph=http%3A%2F%2Fexample.org%2Ft%2Fquads").status == 200


# --------------------------------------------------------------------------- HTTP conventions


def test_api_version_and_cors_on_every_read(server: Server) -> None:
    for path in ("/sparql", q("ASK {}"), "/api/v1/questions", "/api/v1/openapi.json", "/nowhere", "/graph-store?default"):
        reply = call(server, "GET", path, headers={"Origin": "https://example.org"})
        assert reply.header("API-Version") == "1.0.0", path
        if not path.startswith("/nowhere"):
            assert reply.header("Access-Control-Allow-Origin") == "*", path
    preflight = call(server, "OPTIONS", "/sparql", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"})
    assert preflight.status == 200
    assert "GET" in (preflight.header("Access-Control-Allow-Methods") or "")
    assert "POST" not in (preflight.header("Access-Control-Allow-Methods") or "")
    write = call(server, "POST", "/sparql", "CLEAR ALL", {"Content-Type": "application/sparql-update", "Origin": "https://example.org"})
    assert write.status == 403  # a write from another origin (tests/test_security.py)
    assert write.header("Access-Control-Allow-Origin") is None
    assert write.header("API-Version") == "1.0.0"


def test_unknown_route_is_a_problem_not_html(server: Server) -> None:
    assert_problem(call(server, "GET", "/api/v1/nothing"), 404)
    assert_problem(call(server, "GET", "/api/v1/questions/"), 404)  # no trailing slash
    assert_problem(call(server, "POST", "/api/v1/questions"), 405)


def test_request_body_limit_is_413(memory_app: Any) -> None:
    memory_app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        reply = memory_app.test_client().post("/sparql", data="ASK {} #" + "x" * 2000,
                                              content_type="application/sparql-query")
    finally:
        memory_app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    assert reply.status_code == 413
    assert reply.content_type == "application/problem+json"
    assert reply.headers["API-Version"] == "1.0.0"


def test_server_stops_cleanly(tmp_path: Path) -> None:
    """SIGTERM ends the server with exit code 0, its query processes with it, and
    releases the store's lock."""
    store = tmp_path / "store"
    process, url, output = start_server(store, "--workers", "2")
    parsed = urllib.parse.urlsplit(url)
    probe = Server(url, parsed.hostname or "", parsed.port or 0, process, output, store, "", "")
    assert call(probe, "GET", q("ASK { ?s ?p ?o }")).status == 200
    children = set(_descendants(process.pid))
    assert len(children) >= 3  # fork server and query processes
    stop_server(process)
    assert process.returncode == 0, "".join(output)
    assert "stopped" in "".join(output)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in children):
        time.sleep(0.2)
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]
    with Store.open(store, create=False) as reopened:
        assert len(reopened) > 1000


# --------------------------------------------------------------------------- /api/v1


def test_questions_list(server: Server) -> None:
    reply = call(server, "GET", "/api/v1/questions")
    assert reply.status == 200 and reply.media_type == "application/json"
    items = reply.json()["questions"]
    assert [i["id"] for i in items][:2] == ["q01", "q02"]
    first = items[0]
    assert first["title"]["nl"] and first["title"]["en"]
    assert {p["name"] for p in first["parameters"]} >= {"municipality", "lang"}
    assert first["href"].endswith("/api/v1/questions/q01")


def test_question_answer_json_and_csv(server: Server) -> None:
    reply = call(server, "GET", "/api/v1/questions/q01?municipality=hardinxveld-giessendam&lang=en")
    assert reply.status == 200
    answer = reply.json()
    assert answer["language"] == "en"
    row = answer["rows"][0]
    actor = row["actor"]
    assert actor["type"] == "iri" and actor["value"].startswith("http") and actor["label"]
    assert reply.header("Content-Language") == "en"
    csv = call(server, "GET", "/api/v1/questions/q01?municipality=hardinxveld-giessendam", headers={"Accept": "text/csv"})
    assert csv.status == 200 and csv.media_type == "text/csv"
    header = csv.body.decode().splitlines()[0].split(",")
    assert "actor" in header and "actorLabel" in header
    repeated = call(server, "GET", "/api/v1/questions/q01?municipality=hardinxveld-giessendam&lang=en")
    assert repeated.body == reply.body


def test_question_errors(server: Server) -> None:
    assert_problem(call(server, "GET", "/api/v1/questions/q99"), 404, "q99")
    problem = assert_problem(call(server, "GET", "/api/v1/questions/q01?municipality=atlantis"), 400)
    assert problem["invalidParams"][0]["name"] == "municipality"
    problem = assert_problem(call(server, "GET", "/api/v1/questions/q01?nonsense=1"), 400, "nonsense")
    assert problem["invalidParams"][0]["name"] == "nonsense"
    assert_problem(call(server, "GET", "/api/v1/questions/q01", headers={"Accept": "image/png"}), 406)
    assert_problem(call(server, "GET", "/api/v1/questions/q01?lang=fr"), 400, "fr")


def test_validation_route(server: Server) -> None:
    reply = call(server, "GET", "/api/v1/validation?date=2024-01-01&lang=en&rule=R15")
    assert reply.status == 200, reply.body
    report = reply.json()
    assert set(report) == {"conforms", "date", "results"}
    assert report["date"] == "2024-01-01"
    problem = assert_problem(call(server, "GET", "/api/v1/validation?date=gisteren"), 400, "gisteren")
    assert problem["invalidParams"][0]["name"] == "date"
    assert_problem(call(server, "GET", "/api/v1/validation?rule=R99"), 400, "R99")
    assert_problem(call(server, "GET", "/api/v1/validation?regel=R15"), 400, "regel")


def test_openapi_document(server: Server) -> None:
    reply = call(server, "GET", "/api/v1/openapi.json", headers={"Origin": "https://elsewhere.example"})
    assert reply.status == 200 and reply.header("Access-Control-Allow-Origin") == "*"
    document = reply.json()
    assert document["openapi"].startswith("3.0")
    assert document["info"]["version"] == "1.0.0"
    assert {"/questions", "/questions/{questionId}", "/validation", "/openapi.json"} <= set(document["paths"])
    assert {"/types", "/{collection}", "/{collection}/{ref}", "/{collection}/{ref}/history/{rev}/revert", "/search",
            "/imports"} <= set(document["paths"])  # the CMS routes are merged in
    assert {"Problem", "Document", "WriteResult"} <= set(document["components"]["schemas"])
    assert set(document["components"]["securitySchemes"]) == {"basic", "bearer"}
    ids = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            ids.append(operation["operationId"])
            assert operation["operationId"][0].islower()
            success = [code for code in operation["responses"] if code.startswith("2")]
            assert success, (path, method)
            assert all("API-Version" in operation["responses"][code]["headers"] for code in success)
            if operation["operationId"] == "checkRoleModel":  # a POST that stores nothing: open to all
                assert operation["security"] == [], (path, method)
            elif method in ("post", "put", "patch", "delete") and path != "/openapi.json":
                assert operation["security"], (path, method)
            refs = re.findall(r'"\$ref": "#/components/(\w+)/(\w+)"', json.dumps(operation))
            for section, name in refs:
                assert name in document["components"][section], (path, method, name)
    assert len(ids) == len(set(ids))


# --------------------------------------------------------------------------- in-process: app and core


@pytest.fixture(scope="module")
def memory_app() -> Iterator[Any]:
    from mag_graph.api import create_app

    store = initialised_memory_store()
    app = create_app(store, config={"TESTING": True})
    yield app
    app.extensions["mag_graph"].close()
    store.close()


def test_validation_route_matches_the_core(memory_app: Any) -> None:
    from mag_graph.validation import validate

    client = memory_app.test_client()
    reply = client.get("/api/v1/validation?date=2030-06-01&lang=en&rule=R17,R18")
    assert reply.status_code == 200
    store = memory_app.extensions["mag_graph"].store
    expected = validate(store, date=dt.date(2030, 6, 1), lang="en", rules=["R17", "R18"]).to_dict()
    assert reply.get_json() == json.loads(json.dumps(expected))


def test_question_route_matches_the_core(memory_app: Any) -> None:
    from mag_graph.questions import ask

    reply = memory_app.test_client().get("/api/v1/questions/q04?municipality=maassluis")
    store = memory_app.extensions["mag_graph"].store
    assert reply.get_json() == json.loads(json.dumps(ask(store, "q04", {"municipality": "maassluis"}).to_json()))


def test_every_api_route_is_in_the_openapi_document(memory_app: Any) -> None:
    document = memory_app.test_client().get("/api/v1/openapi.json").get_json()
    from mag_graph.api import cms, v1

    moved = {"/api/v1" + rule for registry in (v1.operations, cms.operations) for rule in registry.moved}
    assert moved == {"/api/v1/context.jsonld"}  # old paths redirect (308), they are no operations
    rules = [r.rule for r in memory_app.url_map.iter_rules() if r.rule.startswith("/api/v1") and r.rule not in moved]
    assert rules
    for rule in rules:
        assert not rule.endswith("/"), rule
        assert re.fullmatch(r"(/[a-z0-9.-]+|/<[a-z_]+>)+", rule), rule  # kebab-case, no trailing slash
        path = re.sub(r"<([a-z_]+)>", lambda m: "{" + re.sub(r"_([a-z])", lambda n: n.group(1).upper(), m.group(1)) + "}", rule)
        assert path[len("/api/v1"):] in document["paths"], rule
        for method in r_methods(memory_app, rule):
            assert method.lower() in document["paths"][path[len("/api/v1"):]]


def r_methods(app: Any, rule: str) -> list[str]:
    methods: set[str] = set()
    for r in app.url_map.iter_rules():
        if r.rule == rule:
            methods |= set(r.methods or ()) - {"HEAD", "OPTIONS"}
    return sorted(methods)


def test_every_setting_is_documented() -> None:
    from mag_graph.api import SETTINGS, create_app

    for name, (_, doc) in SETTINGS.items():
        assert len(doc) > 20, name
    with pytest.raises(ValueError, match="MAG_GRAPH_NOPE"):
        create_app(Store.open(":memory:"), config={"MAG_GRAPH_NOPE": 1})


def test_in_memory_timeout_stops_a_streaming_query() -> None:
    """An in-memory store has no query processes; the deadline is checked while the
    answer is written, which stops a query that streams a huge answer."""
    from mag_graph.api import create_app

    store = initialised_memory_store()
    app = create_app(store, config={"MAG_GRAPH_QUERY_TIMEOUT": 1, "MAG_GRAPH_MAX_RESULTS": 10**12,
                                    "MAG_GRAPH_MAX_RESULT_BYTES": 10**12})
    try:
        started = time.monotonic()
        reply = app.test_client().get(q("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"))
        assert reply.status_code == 503
        assert time.monotonic() - started < 10
        assert reply.get_json()["type"].endswith("query-timeout")
    finally:
        app.extensions["mag_graph"].close()
        store.close()


def test_service_core_without_http(tmp_path: Path) -> None:
    with initialised_store(tmp_path / "store") as store:
        service = SparqlService(store, timeout=10, workers=1)
        try:
            one = service.query(LABEL_QUERY)
            assert one.kind == "select" and one.rows == 1 and not one.cached
            assert service.query(LABEL_QUERY).cached
            service.update(f'INSERT DATA {{ <{STUWKR8}> rdfs:label "tweede" }}')
            again = service.query(LABEL_QUERY)
            assert not again.cached and again.rows == 2  # a fresh worker sees the write
            ask = service.query("ASK { ?s ?p ?o }", results_format=format_by_name("xml"))
            assert ask.kind == "ask" and b"<boolean>true</boolean>" in ask.data
            described = service.description("http://x/sparql", None, format_by_name("ntriples"))
            assert b"sparql-service-description#Service" in described
        finally:
            service.close()


def test_reads_see_every_write_under_load(tmp_path: Path) -> None:
    """Writes while other threads keep the query processes busy: every read after a
    write sees it, no read fails (query processes open snapshots, never the live store
    that the primary is compacting), and old snapshots are cleaned up."""
    with initialised_store(tmp_path / "store") as store:
        service = SparqlService(store, timeout=20, workers=2)
        errors: list[str] = []
        stop = threading.Event()

        def reader() -> None:
            i = 0
            while not stop.is_set():
                try:
                    service.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} # {i}", use_cache=False)
                except Exception as exc:  # noqa: BLE001 - collected and asserted below
                    errors.append(repr(exc))
                i += 1

        readers = [threading.Thread(target=reader, daemon=True) for _ in range(3)]
        try:
            for thread in readers:
                thread.start()
            for i in range(25):
                service.update(f"INSERT DATA {{ <http://example.org/t/w{i}> <http://example.org/p> {i} }}")
                answer = service.query(f"ASK {{ <http://example.org/t/w{i}> <http://example.org/p> {i} }}")
                assert b"true" in answer.data, i
        finally:
            stop.set()
            for thread in readers:
                thread.join(timeout=30)
            snapshots = service._snapshots
            assert snapshots is not None and len(list(snapshots.iterdir())) <= 3
            service.close()
        assert errors == []
        assert not snapshots.exists()


def test_snapshot_after_the_write_answers_and_a_reader_holding_the_lock_still_reads_it(tmp_path: Path) -> None:
    """The query snapshot is made in the background after a write (SparqlService.changed):
    a write leaves it pending, a query made meanwhile reads the write anyway, and the
    pending mark beside the snapshots goes when it is made. A reader that holds the CMS's
    read lock (a page) while a writer waits for that lock reads its query too: it makes
    the pending snapshot itself, instead of waiting for the background thread, which
    waits behind the writer (a deadlock until the query's timeout)."""
    from mag_graph.cms.content import Content
    from mag_graph.sparql.views import PENDING_MARK

    with initialised_store(tmp_path / "store") as store:
        content = Content(store, search=False)
        service = SparqlService(store, timeout=20, workers=2)
        service.share_locks(content.writing(), content.reading())
        try:
            assert service._snapshots is not None
            mark = service._snapshots / PENDING_MARK
            for i in range(5):
                generation = service.generation
                service.update(f"INSERT DATA {{ <http://example.org/t/s{i}> <http://example.org/p> {i} }}")
                assert service.generation == generation + 1
                assert service.pool is not None and service.pool.expected == generation + 1
                answer = service.query(f"ASK {{ <http://example.org/t/s{i}> <http://example.org/p> {i} }}")
                assert b"true" in answer.data, i
                assert not service.pool.pending and not mark.exists()

            answers: list[bytes] = []
            page_reads = threading.Event()
            writer_done = threading.Event()

            def writer() -> None:
                service.update("INSERT DATA { <http://example.org/t/late> <http://example.org/p> 1 }")
                writer_done.set()

            service.update("INSERT DATA { <http://example.org/t/w> <http://example.org/p> 1 }")
            with content.reading():  # a page's request
                late = threading.Thread(target=writer, daemon=True)
                late.start()
                deadline = time.monotonic() + 10
                while not content._lock._waiting_writers and time.monotonic() < deadline:
                    time.sleep(0.005)
                assert content._lock._waiting_writers == 1  # the writer waits for this reader
                answers.append(service.query("ASK { <http://example.org/t/w> <http://example.org/p> 1 }").data)
                page_reads.set()
                assert not writer_done.is_set()
            late.join(timeout=20)
            assert writer_done.is_set()
            assert b"true" in answers[0]
            assert b"true" in service.query("ASK { <http://example.org/t/late> <http://example.org/p> 1 }").data
        finally:
            service.close()


def test_a_long_read_of_the_committed_store_sees_the_last_write_and_not_one_half_way(tmp_path: Path) -> None:
    """What the validation report and the sheet check validate (api/page_lock.py,
    committed_store): a view of the query snapshot, with every acknowledged write (its
    pending snapshot made at once), without a change that is applied but not committed
    (a write being validated, a dry run), and without waiting for that writer."""
    from api.page_lock import committed_store
    from mag_graph.cms.content import Content

    half = (URIRef("http://example.org/t/half"), URIRef("http://example.org/p"), Literal(1))
    with initialised_store(tmp_path / "store") as store:
        content = Content(store, search=False)
        service = SparqlService(store, timeout=20, workers=2)
        service.share_locks(content.writing(), content.reading())
        applied, release = threading.Event(), threading.Event()

        def writer_half_way() -> None:
            with content.writing():
                with store.transaction() as tx:
                    tx.add(half)
                applied.set()
                release.wait(30)
                with store.transaction() as tx:
                    tx.remove(half)

        try:
            service.update("INSERT DATA { <http://example.org/t/done> <http://example.org/p> 1 }")
            # its snapshot made (a pending one is made holding the read side, so it would
            # wait for the writer below: a consistent state cannot be had sooner)
            assert service.settle_snapshot()
            writer = threading.Thread(target=writer_half_way, daemon=True)
            writer.start()
            assert applied.wait(10)
            with committed_store(service, content.reading()) as view:
                assert view is not store and view.location == store.location
                assert len(list(view.quads(URIRef("http://example.org/t/done")))) == 1
                assert list(view.quads(half[0])) == []
                assert not release.is_set()  # read while the writer still held the lock
            assert len(list(store.quads(half[0]))) == 1  # it was there, half-way
            release.set()
            writer.join(timeout=30)
        finally:
            release.set()
            service.close()
        with committed_store(SparqlService(store, workers=0), contextlib.nullcontext()) as same:
            assert same is store  # no query processes: the store itself, under the lock given


# --------------------------------------------------------------------------- units


def test_parse_accept_and_negotiate() -> None:
    ranges = parse_accept("text/csv;q=0.5, application/*;q=0.2, */*;q=0.1, bad, text/x;q=nope")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("text", "csv", 0.5), ("application", "*", 0.2), ("*", "*", 0.1)]
    assert negotiate(None, RESULT_FORMATS).name == "json"
    assert negotiate("", GRAPH_FORMATS).name == "turtle"
    assert negotiate("text/csv;q=0.5, application/*;q=0.2", RESULT_FORMATS).name == "csv"
    # The most specific range decides: */* would give xml q=1, but the exact range says 0.
    assert negotiate("*/*, application/sparql-results+json;q=0", RESULT_FORMATS).name == "xml"
    assert negotiate("image/png", RESULT_FORMATS) is None
    assert negotiate("application/json", GRAPH_FORMATS).name == "jsonld"


def test_keyword_scanner_is_not_fooled() -> None:
    refused = [
        "SELECT * WHERE { SERVICE <http://x> { ?s ?p ?o } }",
        "select * where { service silent <http://x> {} }",
        "PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:a\\# ?o . SERVICE <http://x> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p 1.SERVICE <http://evil> {?a ?b ?c} }",
        "SELECT * WHERE { ?s <http://x\\u0023#> ?o . SERVICE <http://e> {} }",
        "SELECT * WHERE { ?s ?p ?o } #\nSERVICE <x> {}",
    ]
    allowed = [
        "SELECT * WHERE { ?s ?p ?o FILTER(?o = 'SERVICE') }",
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <x>",
        "SELECT ?service WHERE { ?s ?p ?service }",
        "PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:service ?o }",
        "SELECT * WHERE { ?s ?p '''a\nSERVICE''' }",
        "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
    ]
    for text in refused:
        assert uses_keyword(text, "SERVICE"), text
    for text in allowed:
        assert not uses_keyword(text, "SERVICE"), text
    assert keywords("SELECT * FROM <g> WHERE { BIND(NOW() AS ?n) }") == {"FROM", "NOW"}
    assert is_volatile("SELECT (STRUUID() AS ?u) {}") and not is_volatile("SELECT ?now { ?s ?p ?now }")


def test_result_cache_refuses_stale_answers() -> None:
    cache = ResultCache(max_entries=2, max_bytes=100)
    generation = cache.generation
    cache.invalidate()
    cache.put("old", "value", 1, generation)
    assert cache.get("old") is None
    cache.put("a", 1, 10, cache.generation)
    cache.put("b", 2, 10, cache.generation)
    cache.put("c", 3, 10, cache.generation)
    assert cache.get("a") is None and cache.get("c") == 3
    cache.put("big", 4, 1000, cache.generation)
    assert cache.get("big") is None


def test_auth_registry(tmp_path: Path) -> None:
    path = tmp_path / "auth.sqlite"
    with AuthRegistry(path) as auth:
        auth.add_user("ed", "lang-genoeg", "editor")
        with pytest.raises(NameExistsError):
            auth.add_user("ed", "lang-genoeg", "editor")
        with pytest.raises(WeakPasswordError):
            auth.add_user("kort", "kort", "editor")
        raw = path.read_bytes()
        assert b"lang-genoeg" not in raw
        assert b"scrypt:" in raw or b"pbkdf2:" in raw
        info, token = auth.create_token("bot", "reviewer")
        assert token.startswith("mgt_") and token.encode() not in path.read_bytes()
        assert auth.verify_token(token) == Principal("bot", "reviewer", "token")
        assert auth.verify_token(token + "x") is None
        assert auth.verify_password("ed", "lang-genoeg") == Principal("ed", "editor", "user")
        assert auth.verify_password("ed", "fout") is None and auth.verify_password("niemand", "x") is None
        assert auth.authenticate(None) is None
        assert auth.authenticate("Bearer " + token).may("editor")
        assert not auth.authenticate(basic("ed", "lang-genoeg")["Authorization"]).may("admin")
        for bad in ("Bearer nope", "Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Digest x"):
            with pytest.raises(InvalidCredentialsError):
                auth.authenticate(bad)
        auth.set_role("ed", "admin")
        assert auth.verify_password("ed", "lang-genoeg").may("reviewer")
        auth.revoke_token("bot")
        assert auth.verify_token(token) is None
        auth.remove_user("ed")
        assert auth.users() == []
    assert AuthRegistry.for_store(":memory:").path is None
    if os.name == "posix":
        assert path.stat().st_mode & 0o077 == 0


def test_users_commands(tmp_path: Path) -> None:
    from mag_graph.cli import main

    runner = CliRunner()
    store = str(tmp_path / ".mag-graph" / "store")
    added = runner.invoke(main, ["users", "add", "anna", "--role", "editor", "--password-stdin", "--store", store],
                          input="een-goed-wachtwoord\n")
    assert added.exit_code == 0, added.output
    prompted = runner.invoke(main, ["users", "add", "bert", "--store", store], input="nog-een-wachtwoord\nnog-een-wachtwoord\n")
    assert prompted.exit_code == 0, prompted.output
    token = runner.invoke(main, ["users", "token", "robot", "--role", "editor", "--store", store])
    assert token.exit_code == 0 and token.stdout.startswith("mgt_")
    listing = runner.invoke(main, ["users", "list", "--store", store])
    assert all(name in listing.output for name in ("anna", "bert", "robot", "editor", "reader"))
    assert token.stdout.strip() not in listing.output
    assert runner.invoke(main, ["users", "set-role", "bert", "--role", "reviewer", "--store", store]).exit_code == 0
    with AuthRegistry.for_store(store) as auth:
        assert auth.verify_password("bert", "nog-een-wachtwoord").role == "reviewer"
        assert auth.verify_password("anna", "een-goed-wachtwoord").role == "editor"
    failed = runner.invoke(main, ["users", "add", "anna", "--password-stdin", "--store", store], input="een-goed-wachtwoord\n")
    assert failed.exit_code == 2 and "bestaat al" in failed.output
    assert runner.invoke(main, ["users", "revoke", "robot", "--store", store]).exit_code == 0
    assert runner.invoke(main, ["users", "remove", "bert", "--store", store]).exit_code == 0
    assert runner.invoke(main, ["users", "remove", "bert", "--store", store]).exit_code == 2
    assert (tmp_path / ".mag-graph" / "auth.sqlite").exists()


def test_an_editing_front_end_on_a_listed_origin_may_write_through_the_api() -> None:
    """MAG_GRAPH_CORS_EDIT_ORIGINS: a separate forms front end may call /api/v1 with an
    Authorization header and write; other origins still only read, and '*' is refused."""
    from mag_graph.api import create_app

    store = initialised_memory_store()
    app = create_app(store, config={"TESTING": True, "MAG_GRAPH_CORS_EDIT_ORIGINS": ["https://forms.example.org"]})
    client = app.test_client()
    try:
        preflight = client.options("/api/v1/themes/hg-x", headers={
            "Origin": "https://forms.example.org", "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, content-type, if-match"})
        assert preflight.headers["Access-Control-Allow-Origin"] == "https://forms.example.org"
        assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]
        assert "If-Match" in preflight.headers["Access-Control-Allow-Headers"]
        assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
        write = client.post("/api/v1/themes", json={"label": {"nl": "x"}}, headers={"Origin": "https://forms.example.org"})
        assert write.status_code == 401 and write.headers["Access-Control-Allow-Origin"] == "https://forms.example.org"
        assert "ETag" in write.headers["Access-Control-Expose-Headers"]
        other = client.options("/api/v1/themes", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert "POST" not in other.headers.get("Access-Control-Allow-Methods", "")
        assert client.post("/api/v1/themes", json={}, headers={"Origin": "https://evil.example"}).headers.get(
            "Access-Control-Allow-Origin") is None
        sparql = client.options("/sparql", headers={"Origin": "https://forms.example.org", "Access-Control-Request-Method": "POST"})
        assert "POST" not in sparql.headers.get("Access-Control-Allow-Methods", "")  # only the CMS API
    finally:
        app.extensions["mag_graph"].close()
        store.close()
    with pytest.raises(ValueError, match="list each origin"):
        create_app(Store.open(":memory:"), config={"MAG_GRAPH_CORS_EDIT_ORIGINS": ["*"]})


def test_serve_refuses_a_wildcard_editing_origin() -> None:
    from mag_graph.cli import main

    result = CliRunner().invoke(main, ["serve", "--store", ":memory:", "--port", "0", "--cors-edit-origin", "*"])
    assert result.exit_code == 2, result.output
    assert "list each origin" in result.output and "Traceback" not in result.output


def test_writes_in_quick_succession_share_one_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The background snapshot waits until the writes pause (SNAPSHOT_QUIET_SECONDS without
    one): writes back to back leave it pending and then share one flush and checkpoint,
    made after the last of them; a query reads every write all the same."""
    from mag_graph.sparql import service as module

    monkeypatch.setattr(module, "SNAPSHOT_QUIET_SECONDS", 1.5)  # wide enough for a loaded machine
    monkeypatch.setattr(module, "SNAPSHOT_DELAY_MAX_SECONDS", 20.0)
    with initialised_store(tmp_path / "store") as store:
        service = SparqlService(store, timeout=20, workers=1)
        try:
            assert service.pool is not None
            made = service._snapshot_number
            for i in range(4):
                service.update(f"INSERT DATA {{ <http://example.org/t/q{i}> <http://example.org/p> {i} }}")
            assert service.pool.pending  # the thread waits for the pause
            until = time.monotonic() + 30
            while service.pool.pending and time.monotonic() < until:
                time.sleep(0.05)
            assert not service.pool.pending
            assert service._snapshot_number == made + 1  # one snapshot for the four writes
            answer = service.query("SELECT (COUNT(*) AS ?n) WHERE { ?s <http://example.org/p> ?o }",
                                   results_format=format_by_name("csv"))
            assert answer.data.decode().split()[-1] == "4"
        finally:
            began = time.monotonic()
            service.update("INSERT DATA { <http://example.org/t/last> <http://example.org/p> 9 }")
            service.close()  # does not sit out the quiet wait
            assert time.monotonic() - began < 10
