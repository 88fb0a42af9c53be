"""``pull``: a real Oxigraph SPARQL server (the PyPI package ``oxigraph``) on 127.0.0.1,
loaded with a fixture, plays the remote open-data endpoint.

Also checked against servers that misbehave on purpose: one that accepts connections and
never answers (timeout), one that answers with something that is not RDF, a port nobody
listens on (connection refused), and Oxigraph's own HTTP 400 for a broken query.
"""

from __future__ import annotations

import datetime as dt
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import PROV, RDF

from mag_graph.namespaces import MAGG
from mag_graph.opendata import PROVENANCE_GRAPH, PullFailed, pull
from mag_graph.opendata.pull import query_form
from mag_graph.store import Store

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # plain: rdflib's XSD warns on unknown names
REMOTE_DATA = """\
@prefix ex: <https://example.org/register/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix tooiont: <https://identifier.overheid.nl/tooi/def/ont/> .

<https://identifier.overheid.nl/tooi/id/gemeente/gm0556> a tooiont:Gemeente ;
    rdfs:label "gemeente Maassluis"@nl ;
    tooiont:gemeentecode "0556" .
<https://identifier.overheid.nl/tooi/id/gemeente/gm0523> a tooiont:Gemeente ;
    rdfs:label "gemeente Hardinxveld-Giessendam"@nl ;
    tooiont:gemeentecode "0523" .
ex:note rdfs:comment "not a municipality" .
"""
CONSTRUCT_ALL = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
CONSTRUCT_MUNICIPALITIES = """\
PREFIX tooiont: <https://identifier.overheid.nl/tooi/def/ont/>
# municipalities only (the '#' in IRIs below is not a comment: <http://x#y>)
CONSTRUCT { ?g a tooiont:Gemeente ; tooiont:gemeentecode ?c }
WHERE { ?g a tooiont:Gemeente ; tooiont:gemeentecode ?c }
"""
TARGET = MAGG["test-pull"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _oxigraph_cli() -> str | None:
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.exists() else shutil.which("oxigraph")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running ``oxigraph serve`` loaded with REMOTE_DATA; stopped after the module."""
    cli = _oxigraph_cli()
    if cli is None:
        message = "the oxigraph server (PyPI package 'oxigraph', a test dependency) is not installed"
        if os.environ.get("CI"):
            pytest.fail(message)  # `make test` installs it: in CI a missing server is a failure
        pytest.skip(message)
    base = tmp_path_factory.mktemp("remote")
    data = base / "remote.ttl"
    data.write_text(REMOTE_DATA, encoding="utf-8")
    location = base / "db"
    subprocess.run([cli, "load", "--location", str(location), "--file", str(data)], check=True,
                   capture_output=True, timeout=60)
    port = _free_port()
    server = subprocess.Popen([cli, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/query"
    try:
        _wait_until_answering(url, server, "oxigraph serve", seconds=30)
        yield url
    finally:
        _stop(server)


def _wait_until_answering(url: str, server: subprocess.Popen, name: str, *, seconds: float) -> None:
    """Wait until a SPARQL endpoint started as a subprocess answers an ASK query."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}?query=ASK%7B%7D", timeout=2):
                return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start: {server.stderr.read() if server.stderr else ''}")
            time.sleep(0.1)


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store.open(":memory:")
    yield s
    s.close()


def _provenance(store: Store) -> list[dict]:
    rows = store.query(
        """SELECT ?a ?start ?end ?used ?text ?graph WHERE { GRAPH magg:herkomst {
             ?a a prov:Activity ; prov:startedAtTime ?start ; prov:endedAtTime ?end ;
                prov:generated ?graph ; prov:used ?used , ?q . ?q prov:value ?text FILTER(?used != ?q) } }"""
    )
    return rows.bindings()


def test_query_forms() -> None:
    assert query_form(CONSTRUCT_MUNICIPALITIES) == "CONSTRUCT"
    assert query_form("PREFIX ex: <http://x#select> DESCRIBE ?x WHERE { ?x ?p ?o }") == "DESCRIBE"
    assert query_form("# CONSTRUCT in a comment\nSELECT * WHERE { ?s ?p ?o }") == "SELECT"
    assert query_form("BASE <http://x/> ASK { }") == "ASK"
    assert query_form("nothing here") is None


def test_pull_construct_into_a_graph_with_provenance(store: Store, endpoint: str) -> None:
    before = dt.datetime.now(dt.UTC)
    report = pull(store, endpoint, query=CONSTRUCT_ALL, graph=TARGET)
    assert report.triples == 7 and report.query_form == "CONSTRUCT"
    assert store.count(TARGET) == 7
    maassluis = URIRef("https://identifier.overheid.nl/tooi/id/gemeente/gm0556")
    labels = {o for _, _, o, g in store.quads(maassluis, None, None) if g == TARGET and isinstance(o, Literal) and o.language}
    assert labels == {Literal("gemeente Maassluis", lang="nl")}
    [prov] = _provenance(store)
    assert prov["graph"] == TARGET and prov["used"] == URIRef(endpoint)
    assert str(prov["text"]) == CONSTRUCT_ALL
    used = {o for _, _, o, _ in store.quads(URIRef(report.activity), PROV.used, None)}
    assert URIRef(endpoint) in used
    started, ended = prov["start"].toPython(), prov["end"].toPython()
    assert before <= started <= ended <= dt.datetime.now(dt.UTC)
    assert prov["start"].datatype == XSD.dateTime
    assert (URIRef(endpoint), RDF.type, PROV.Entity, PROVENANCE_GRAPH) in set(store.quads(URIRef(endpoint), RDF.type, None))


def test_pulling_again_replaces_the_data_and_adds_to_the_history(store: Store, endpoint: str) -> None:
    pull(store, endpoint, query=CONSTRUCT_ALL, graph=TARGET)
    report = pull(store, endpoint, query=CONSTRUCT_MUNICIPALITIES, graph=TARGET, timeout=10)
    assert report.triples == 4 and store.count(TARGET) == 4
    assert len(_provenance(store)) == 2
    described = pull(store, endpoint, query="DESCRIBE <https://example.org/register/note>", graph=MAGG["test-describe"])
    assert described.triples == 1 and described.query_form == "DESCRIBE"


def test_select_and_ask_are_refused_before_anything_is_sent(store: Store) -> None:
    for sparql, form in (("SELECT * WHERE { ?s ?p ?o }", "SELECT"), ("ASK { ?s ?p ?o }", "ASK")):
        with pytest.raises(PullFailed, match=f"{form}-query geeft geen triples.*CONSTRUCT of DESCRIBE"):
            pull(store, "http://127.0.0.1:9/query", query=sparql, graph=TARGET)
    with pytest.raises(PullFailed, match="eigen grafen|own graphs"):
        pull(store, "http://127.0.0.1:9/query", query=CONSTRUCT_ALL, graph=MAGG["ontologie"])
    with pytest.raises(PullFailed, match="geen http"):
        pull(store, "ftp://example.org/sparql", query=CONSTRUCT_ALL, graph=TARGET)
    assert len(store) == 0


def test_a_bad_query_gives_the_servers_http_400(store: Store, endpoint: str, quad_snapshot) -> None:
    pull(store, endpoint, query=CONSTRUCT_ALL, graph=TARGET)
    before = quad_snapshot(store)
    with pytest.raises(PullFailed) as failure:
        pull(store, endpoint, query="CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p }", graph=TARGET)
    message = str(failure.value)
    assert "HTTP 400" in message and "query" in message.lower()
    assert "\n" not in message and len(message) < 1200
    assert quad_snapshot(store) == before


def test_connection_refused_is_clear(store: Store) -> None:
    port = _free_port()  # nothing listens there
    with pytest.raises(PullFailed, match="weigert de verbinding.*refused the connection"):
        pull(store, f"http://127.0.0.1:{port}/query", query=CONSTRUCT_ALL, graph=TARGET, timeout=5)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
                accepted.append(connection)  # keep it open, say nothing
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/query"
    stop.set()
    thread.join(timeout=2)
    for connection in accepted:
        connection.close()
    listener.close()


def test_a_silent_endpoint_times_out(store: Store, silent_server: str) -> None:
    started = time.monotonic()
    with pytest.raises(PullFailed, match="niet binnen 0.5 s.*time-out"):
        pull(store, silent_server, query=CONSTRUCT_ALL, graph=TARGET, timeout=0.5)
    assert time.monotonic() - started < 5
    assert len(store) == 0


class _Answer(http.server.BaseHTTPRequestHandler):
    content_type = "text/turtle"
    body = b"this is <not turtle"

    def do_POST(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def answering_server() -> Iterator[tuple[str, type[_Answer]]]:
    class Handler(_Answer):
        pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", Handler
    server.shutdown()
    server.server_close()


def test_malformed_results_and_non_rdf_answers(store: Store, answering_server) -> None:
    url, handler = answering_server
    with pytest.raises(PullFailed, match="geen geldige"):
        pull(store, url, query=CONSTRUCT_ALL, graph=TARGET)
    handler.content_type, handler.body = "text/html", b"<html>hello</html>"
    with pytest.raises(PullFailed, match="geen RDF.*text/html"):
        pull(store, url, query=CONSTRUCT_ALL, graph=TARGET)
    assert len(store) == 0


def test_cli_pull(tmp_path: Path, endpoint: str) -> None:
    from mag_graph.cli import main

    runner = CliRunner()
    store = str(tmp_path / "store")
    query = tmp_path / "gemeenten.rq"
    query.write_text(CONSTRUCT_MUNICIPALITIES, encoding="utf-8")
    result = runner.invoke(main, ["pull", "--endpoint", endpoint, "--query", str(query), "--graph", "magg:test-pull",
                                  "--store", store])
    assert result.exit_code == 0, result.output
    assert "4 triples" in result.output and "magg:herkomst" not in result.output
    result = runner.invoke(main, ["pull", "--endpoint", endpoint, "--construct", "SELECT * WHERE {?s ?p ?o}",
                                  "--graph", "magg:test-pull", "--store", store])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "CONSTRUCT" in result.output
    result = runner.invoke(main, ["pull", "--endpoint", endpoint, "--graph", "magg:x", "--store", store])
    assert result.exit_code == 2 and "--query" in result.output


# --------------------------------------------------------------------------- federation


@pytest.fixture(scope="module")
def mag_server(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``mag-graph serve`` that may federate to the remote endpoint only."""
    store = tmp_path_factory.mktemp("federation") / "store"
    port = _free_port()
    cli = Path(sys.executable).with_name("mag-graph")
    server = subprocess.Popen(
        [str(cli), "serve", "--store", str(store), "--port", str(port), "--allow-service", endpoint],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        _wait_until_answering(url, server, "mag-graph serve", seconds=90)
        yield url
    finally:
        _stop(server)


def test_federated_query_through_mag_graph(mag_server: str, endpoint: str) -> None:
    """Maassluis' local role model next to the remote register: the example's gemeente
    joined with the remote endpoint's gemeentecode, through mag-graph's own /sparql."""
    from SPARQLWrapper import JSON, SPARQLWrapper

    client = SPARQLWrapper(mag_server)
    client.setReturnFormat(JSON)
    client.setQuery(f"""
        PREFIX mag: <https://data.mag-graph.nl/def/mag#>
        PREFIX tooiont: <https://identifier.overheid.nl/tooi/def/ont/>
        SELECT ?gemeente ?cbs ?code WHERE {{
          ?gemeente a mag:Municipality ; mag:cbsCode ?cbs .
          SERVICE <{endpoint}> {{ ?gemeente tooiont:gemeentecode ?code }}
        }} ORDER BY ?cbs""")
    rows = client.queryAndConvert()["results"]["bindings"]
    assert [(r["cbs"]["value"], r["code"]["value"]) for r in rows] == [("GM0523", "0523"), ("GM0556", "0556")]


def test_federation_to_other_endpoints_is_refused(mag_server: str) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    request = urllib.request.Request(
        mag_server, data=query.encode(), headers={"Content-Type": "application/sparql-query"}, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code in (400, 403)
    assert refused.value.headers["Content-Type"].startswith("application/problem+json")
    assert "SERVICE" in refused.value.read().decode()
