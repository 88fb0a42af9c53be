"""The SPARQL 1.1 Graph Store HTTP Protocol as the W3C's ``http-rdf-update`` tests
exercise it (the sequence of the W3C test suite, sparql11/http-rdf-update, with the
protocol's indirect graph identification, ``?graph=IRI``), over real HTTP against a real
server on an on-disk store; and the Service Description that promises what the
sequence checks (``sd:EmptyGraphs``, updates by the admin role).

Each step keeps the W3C test's name; the graph IRIs are those of the W3C suite
(``$HOST$/$GRAPHSTORE$/person/1.ttl``), made with this server's address."""

from __future__ import annotations

import base64
import http.client
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from mag_graph.api import create_app
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF
from store_template import initialised_store

from mag_graph.namespaces import MAGG

ADMIN, EDITOR, PASSWORD = "gsp-admin", "gsp-editor", "a long password for the graph store"
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
TURTLE = "text/turtle; charset=utf-8"
PREFIXES = "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n@prefix v: <http://www.w3.org/2006/vcard/ns#> .\n"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def graph(self) -> Graph:
        assert self.headers["content-type"].split(";")[0] == "text/turtle", self.headers
        return Graph().parse(data=self.body, format="turtle")


@dataclass
class Live:
    url: str
    host: str
    port: int
    # user -> a token of that name and role, sent as the Basic password: the same principal
    # as the user's password, without a deliberately slow scrypt check on every request
    secrets: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, body: bytes | str | None = None, *, user: str | None = ADMIN,
             headers: dict[str, str] | None = None) -> Reply:
        sent = dict(headers or {})
        if user is not None:
            sent["Authorization"] = "Basic " + base64.b64encode(f"{user}:{self.secrets[user]}".encode()).decode()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=body.encode("utf-8") if isinstance(body, str) else body, headers=sent)
            response = connection.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()

    def at(self, graph: str) -> str:
        """The graph store URL of a graph (indirect identification)."""
        return "/graph-store?" + urllib.parse.urlencode({"graph": graph})


@pytest.fixture(scope="module")
def live(serving: Callable[[Any], Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    store = initialised_store(tmp_path_factory.mktemp("store") / "store")
    app = create_app(store)
    auth = app.extensions["mag_graph"].auth
    secrets = {}
    for name, role in ((ADMIN, "admin"), (EDITOR, "editor")):
        auth.add_user(name, PASSWORD, role=role)
        secrets[name] = auth.create_token(name, role)[1]
    try:
        with serving(app) as url:
            parsed = urllib.parse.urlsplit(url)
            yield Live(url, parsed.hostname or "127.0.0.1", parsed.port or 80, secrets)
    finally:
        app.extensions["mag_graph"].close()
        store.close()


def _person(live: Live, number: int) -> URIRef:
    return URIRef(f"{live.url}/graph-store/person/{number}")


def _card(name_property: URIRef, name: str, subject: URIRef | BNode | None = None) -> Graph:
    """A foaf:Person with a vCard business card (the W3C tests' data)."""
    graph = Graph()
    person = subject if subject is not None else BNode()
    card = BNode()
    graph.add((person, RDF.type, FOAF.Person))
    graph.add((person, FOAF.businessCard, card))
    graph.add((card, RDF.type, VCARD.VCard))
    graph.add((card, name_property, Literal(name)))
    return graph


def test_the_w3c_http_rdf_update_sequence(live: Live) -> None:
    person1 = _person(live, 1)
    graph1 = live.at(f"{live.url}/graph-store/person/1.ttl")
    graph2 = live.at(f"{live.url}/graph-store/person/2.ttl")
    graph4 = live.at(f"{live.url}/graph-store/person/4.ttl")

    def card(name: str, subject: URIRef | None = None) -> str:
        who = f"<{subject}>" if subject is not None else "[]"
        return PREFIXES + f'{who} a foaf:Person; foaf:businessCard [ a v:VCard; v:fn "{name}" ] .\n'

    # PUT - Initial state
    reply = live.call("PUT", graph1, card("John Doe", person1), headers={"Content-Type": TURTLE})
    assert reply.status == 201, reply.body
    # GET of PUT - Initial state
    reply = live.call("GET", graph1, headers={"Accept": "text/turtle"})
    assert reply.status == 200 and isomorphic(reply.graph(), _card(VCARD.fn, "John Doe", person1))
    # PUT - graph already in store
    reply = live.call("PUT", graph1, card("Jane Doe", person1), headers={"Content-Type": TURTLE})
    assert reply.status == 204, reply.body
    # GET of PUT - graph already in store
    assert isomorphic(live.call("GET", graph1, headers={"Accept": "text/turtle"}).graph(), _card(VCARD.fn, "Jane Doe", person1))
    # PUT - default graph (it always exists: 204, which the W3C test allows besides 201)
    alice = PREFIXES + '[] a foaf:Person; foaf:businessCard [ a v:VCard; v:given-name "Alice" ] .\n'
    reply = live.call("PUT", "/graph-store?default", alice, headers={"Content-Type": TURTLE})
    assert reply.status in (201, 204), reply.body
    # GET of PUT - default graph
    reply = live.call("GET", "/graph-store?default", headers={"Accept": "text/turtle"})
    assert reply.status == 200 and isomorphic(reply.graph(), _card(VCARD["given-name"], "Alice"))
    # PUT - mismatched payload: a body that is not the Turtle it says it is; nothing changes
    reply = live.call("PUT", graph1, "@prefix fo", headers={"Content-Type": TURTLE})
    assert reply.status == 400 and reply.headers["content-type"] == "application/problem+json"
    assert isomorphic(live.call("GET", graph1, headers={"Accept": "text/turtle"}).graph(), _card(VCARD.fn, "Jane Doe", person1))
    # PUT - empty graph: the graph exists afterwards, empty (sd:EmptyGraphs)
    reply = live.call("PUT", graph2, b"", headers={"Content-Type": TURTLE})
    assert reply.status == 201, reply.body
    # GET of PUT - empty graph
    reply = live.call("GET", graph2, headers={"Accept": "text/turtle"})
    assert reply.status == 200 and len(reply.graph()) == 0
    # PUT - replace empty graph
    reply = live.call("PUT", graph2, alice, headers={"Content-Type": TURTLE})
    assert reply.status == 204, reply.body
    # GET of replacement for empty graph
    assert isomorphic(live.call("GET", graph2, headers={"Accept": "text/turtle"}).graph(), _card(VCARD["given-name"], "Alice"))
    # DELETE - existing graph
    assert live.call("DELETE", graph2).status in (200, 204)
    # GET of DELETE - existing graph
    assert live.call("GET", graph2).status == 404
    # DELETE - non-existent graph
    assert live.call("DELETE", graph2).status == 404
    # POST - existing graph
    reply = live.call("POST", graph1, f'@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n<{person1}> foaf:name "Jane Doe" .',
                      headers={"Content-Type": TURTLE})
    assert reply.status in (200, 204), reply.body
    # GET of POST - existing graph
    expected = _card(VCARD.fn, "Jane Doe", person1)
    expected.add((person1, FOAF.name, Literal("Jane Doe")))
    assert isomorphic(live.call("GET", graph1, headers={"Accept": "text/turtle"}).graph(), expected)
    # POST - multipart/form-data: one RDF document per part, merged into the graph
    boundary = "a6fe4cd636164618814be9f8d3d1a0de"
    parts = [("lastName.ttl", f'<{person1}> <{FOAF.familyName}> "Doe" .'),
             ("firstName.ttl", f'<{person1}> <{FOAF.givenName}> "Jane" .')]
    body = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
                   f"Content-Type: {TURTLE}\r\n\r\n{text}\r\n" for name, text in parts) + f"--{boundary}--\r\n"
    reply = live.call("POST", graph1, body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert reply.status in (200, 204), reply.body
    # GET of POST - multipart/form-data
    expected.add((person1, FOAF.familyName, Literal("Doe")))
    expected.add((person1, FOAF.givenName, Literal("Jane")))
    reply = live.call("GET", graph1)
    assert reply.status == 200 and isomorphic(reply.graph(), expected)
    # POST - create new graph: a graph sent to the graph store itself
    reply = live.call("POST", "/graph-store", alice, headers={"Content-Type": TURTLE})
    assert reply.status == 201, reply.body
    first_location = reply.headers["location"]
    location = urllib.parse.urlsplit(first_location)
    assert location.path == "/graph-store" and f"{location.scheme}://{location.netloc}" == live.url
    new_graph = urllib.parse.parse_qs(location.query)["graph"][0]
    assert new_graph.startswith(str(MAGG["graph-store/"]))
    new_path = f"{location.path}?{location.query}"
    # GET of POST - create new graph
    reply = live.call("GET", new_path, headers={"Accept": "text/turtle"})
    assert reply.status == 200 and isomorphic(reply.graph(), _card(VCARD["given-name"], "Alice"))
    # POST - empty graph to existing graph
    reply = live.call("POST", new_path, b"", headers={"Content-Type": TURTLE})
    assert reply.status in (200, 204), reply.body
    # GET of POST - after noop
    assert isomorphic(live.call("GET", new_path, headers={"Accept": "text/turtle"}).graph(), _card(VCARD["given-name"], "Alice"))
    # HEAD on an existing graph
    reply = live.call("HEAD", graph1)
    assert reply.status == 200 and reply.body == b"" and reply.headers["content-type"].startswith("text/turtle")
    # HEAD on a non-existing graph
    assert live.call("HEAD", graph4).status == 404
    # and a second POST to the graph store makes another graph
    again = live.call("POST", "/graph-store", alice, headers={"Content-Type": TURTLE})
    assert again.status == 201 and again.headers["location"] != first_location


def test_what_the_sequence_must_refuse(live: Live) -> None:
    """Bad writes get a problem and change nothing; only the admin role writes."""
    before = live.call("GET", "/graph-store", headers={"Accept": "application/n-quads"}).body
    alice = PREFIXES + '[] a foaf:Person; foaf:businessCard [ a v:VCard; v:given-name "Alice" ] .\n'
    assert live.call("POST", "/graph-store", alice, user=None, headers={"Content-Type": TURTLE}).status == 401
    assert live.call("POST", "/graph-store", alice, user=EDITOR, headers={"Content-Type": TURTLE}).status == 403
    assert live.call("PUT", live.at("http://example.org/empty"), b"", user=EDITOR, headers={"Content-Type": TURTLE}).status == 403
    boundary = "xyz"
    good = f'--{boundary}\r\nContent-Disposition: form-data; name="a"; filename="a.ttl"\r\nContent-Type: text/turtle\r\n\r\n' \
           f"<http://example.org/s> <http://example.org/p> 1 .\r\n"
    broken = f'--{boundary}\r\nContent-Disposition: form-data; name="b"; filename="b.ttl"\r\nContent-Type: text/turtle\r\n\r\n' \
             f"<http://example.org/s> <http://example.org/p> .\r\n"
    multipart = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    target = live.at("http://example.org/multipart")
    # one broken part: nothing of the other is written either
    reply = live.call("POST", target, good + broken + f"--{boundary}--\r\n", headers=multipart)
    assert reply.status == 400 and reply.headers["content-type"] == "application/problem+json"
    # a part without a file name and media type; no parts at all
    field = f'--{boundary}\r\nContent-Disposition: form-data; name="c"\r\n\r\nhello\r\n'
    assert live.call("POST", target, field + f"--{boundary}--\r\n", headers=multipart).status == 400
    assert live.call("POST", target, f"--{boundary}--\r\n", headers=multipart).status == 400
    # a dataset in parts cannot be a new graph
    trig = f'--{boundary}\r\nContent-Disposition: form-data; name="d"; filename="d.trig"\r\nContent-Type: application/trig\r\n\r\n' \
           f"<http://example.org/g> {{ <http://example.org/s> <http://example.org/p> 1 . }}\r\n--{boundary}--\r\n"
    assert live.call("POST", "/graph-store", trig, headers=multipart).status == 400
    # a part in a format that is no RDF
    pdf = f'--{boundary}\r\nContent-Disposition: form-data; name="e"; filename="e.pdf"\r\nContent-Type: application/pdf\r\n\r\n' \
          f"%PDF\r\n--{boundary}--\r\n"
    assert live.call("POST", target, pdf, headers=multipart).status == 415
    assert live.call("GET", target).status == 404
    assert live.call("GET", "/graph-store", headers={"Accept": "application/n-quads"}).body == before


def test_the_service_description_promises_what_the_service_does(live: Live) -> None:
    reply = live.call("GET", "/sparql", user=None, headers={"Accept": "text/turtle"})
    description = Graph().parse(data=reply.body, format="turtle")
    service = next(description.subjects(RDF.type, SD.Service))
    assert SD.EmptyGraphs in set(description.objects(service, SD.feature))
    comments = {str(c) for c in description.objects(service, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"))}
    assert any("rol admin" in c for c in comments) and any("admin role" in c for c in comments), comments
    assert not any("editor role" in c or "rol editor" in c for c in comments), comments
    # an empty graph made by PUT is listed as a named graph of zero triples
    empty = "http://example.org/t/declared-empty"
    assert live.call("PUT", live.at(empty), b"", headers={"Content-Type": TURTLE}).status == 201
    description = Graph().parse(data=live.call("GET", "/sparql", user=None, headers={"Accept": "text/turtle"}).body,
                                format="turtle")
    named = next(description.subjects(SD.name, URIRef(empty)))
    inner = next(description.objects(named, SD.graph))
    assert int(next(description.objects(inner, VOID.triples))) == 0
