"""The ontology's documentation at its own IRIs (/def/..., api/definitions.py): pages
for browsers, RDF for RDF clients, by the one content negotiation; every class with its
properties, every property, every concept scheme with its concepts, each term's sources;
Dutch first with an English switch. Over real HTTP against a real server, and in
Debian's Chromium."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parent.parent
MAG = "https://data.mag-graph.nl/def/mag#"
SCHEMA = "https://schema.org/"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def _get(url: str, accept: str = "text/html", language: str | None = None) -> tuple[int, str, bytes]:
    headers = {"Accept": accept}
    if language:
        headers["Accept-Language"] = language
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as reply:
            return reply.status, reply.headers["Content-Type"], reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


class _Sections(HTMLParser):
    """The ids of a page and the links inside each ``section.term``."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: dict[str, list[str]] = {}
        self._stack: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "section":
            self._stack.append(values.get("id") if values.get("class") == "term" else None)
        if tag == "a" and values.get("href"):
            for section in self._stack:
                if section:
                    self.links.setdefault(section, []).append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._stack:
            self._stack.pop()


def _sections(html: bytes) -> _Sections:
    parser = _Sections()
    parser.feed(html.decode("utf-8"))
    return parser


def _local(iri: str) -> str:
    return iri[len(MAG):]


def test_the_ontology_answers_browsers_and_rdf_clients(served: str, ontology: Graph) -> None:
    status, media, html = _get(served + "/def/mag")
    assert status == 200 and media.startswith("text/html")
    assert b'<html lang="nl">' in html and b"<main" in html and b"<nav" in html  # the site's layout
    status, media, turtle = _get(served + "/def/mag", "text/turtle")
    assert status == 200 and media.startswith("text/turtle")
    assert isomorphic(Graph().parse(data=turtle, format="turtle"), Graph().parse(ROOT / "ontology" / "mag.ttl"))
    status, media, jsonld = _get(served + "/def/mag", 'application/ld+json;q=0.9, text/html;q=0.1')
    assert status == 200 and media.startswith("application/ld+json")
    assert isomorphic(Graph().parse(data=jsonld, format="json-ld"), Graph().parse(ROOT / "ontology" / "mag.ttl"))
    for path in ("/def/mag/begrip", "/def/mag/hergebruik"):
        assert _get(served + path)[0] == 200
        assert len(Graph().parse(data=_get(served + path, "text/turtle")[2], format="turtle")) > 100
    # a download link's choice, and the errors
    status, media, _ = _get(served + "/def/mag?format=nt", "text/html")
    assert status == 200 and media.startswith("application/n-triples")
    status, media, body = _get(served + "/def/mag?format=pdf", "application/json")
    assert status == 400 and media == "application/problem+json" and "pdf" in json.loads(body)["detail"]
    status, media, body = _get(served + "/def/mag", "image/png")
    assert status == 406 and "text/turtle" in json.loads(body)["acceptable"]
    status, media, body = _get(served + "/def/mag/bestaat-niet", "text/turtle")
    assert status == 404 and media == "application/problem+json"


def test_every_class_has_a_section_with_its_properties_and_sources(served: str, ontology: Graph) -> None:
    page = _sections(_get(served + "/def/mag")[2])
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(MAG)}
    properties = {p for t in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
                  for p in ontology.subjects(RDF.type, t) if str(p).startswith(MAG)}
    assert len(classes) > 50 and len(properties) > 100
    assert {_local(str(t)) for t in classes | properties} <= page.ids
    for cls in classes:
        links = page.links[_local(str(cls))]
        for prop in properties:
            domains = {*ontology.objects(prop, RDFS.domain), *ontology.objects(prop, URIRef(SCHEMA + "domainIncludes"))}
            if cls in domains:
                assert f"/def/mag#{_local(str(prop))}" in links, (cls, prop)
        for source in ontology.objects(cls, DCTERMS.source):
            assert "/doc/" + str(source).split("/id/", 1)[1] in links, (cls, source)
    for prop in properties:
        for source in ontology.objects(prop, DCTERMS.source):
            assert "/doc/" + str(source).split("/id/", 1)[1] in page.links[_local(str(prop))], (prop, source)


def test_every_scheme_has_a_page_with_its_concepts(served: str, ontology: Graph) -> None:
    schemes = sorted(ontology.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) == 17
    overview = _sections(_get(served + "/def/mag/begrip")[2])
    for scheme in schemes:
        path = str(scheme).split("/def", 1)[1]
        status, _, html = _get(served + "/def" + path)
        assert status == 200, scheme
        concepts = set(ontology.subjects(SKOS.inScheme, scheme))
        assert concepts
        text = html.decode("utf-8")
        for concept in concepts:
            concept_path = "/def" + str(concept).split("/def", 1)[1]
            assert f'href="{concept_path}"' in text, (scheme, concept)
            assert concept_path in overview.links[path.rsplit("/", 1)[-1]], (scheme, concept)
            dutch = {str(o) for o in ontology.objects(concept, SKOS.prefLabel) if o.language == "nl"}
            assert len(dutch) == 1 and dutch.pop() in html_unescape(text), concept  # Dutch first
    # a concept is a page, and RDF with its statements
    status, _, html = _get(served + "/def/mag/begrip/Vaststellen")
    assert status == 200 and b"vaststellen" in html and b"/doc/bron/000-sheet-5" in html
    described = Graph().parse(data=_get(served + "/def/mag/begrip/Vaststellen", "text/turtle")[2], format="turtle")
    concept = URIRef("https://data.mag-graph.nl/def/mag/begrip/Vaststellen")
    assert set(described.objects(concept, SKOS.prefLabel)) == set(ontology.objects(concept, SKOS.prefLabel))
    assert set(described.objects(concept, SKOS.inScheme)) == {URIRef("https://data.mag-graph.nl/def/mag/begrip/Fasen")}


def test_dutch_first_and_english_on_request(served: str) -> None:
    dutch = _get(served + "/def/mag")[2].decode("utf-8")
    assert "<h2 id=\"klassen\">Klassen</h2>" in dutch and ">gemeente <code" in dutch
    english = _get(served + "/def/mag?lang=en")[2].decode("utf-8")
    assert '<html lang="en">' in english and "<h2 id=\"klassen\">Classes</h2>" in english and ">municipality <code" in english
    assert '<html lang="en">' in _get(served + "/def/mag/begrip/Fasen", language="en-GB,en;q=0.9")[2].decode("utf-8")
    reused = _get(served + "/def/mag/hergebruik?lang=en")[2].decode("utf-8")
    assert 'id="qb-DataSet"' in reused and "data set (Data Cube)" in reused


def test_browser_reads_the_documentation(browser_page: Any, served: str) -> None:
    tab = browser_page
    tab.goto(served + "/def/mag#Responsibility")
    assert tab.locator("html").get_attribute("lang") == "nl"
    section = tab.locator("section#Responsibility")
    assert section.is_visible()
    assert "verantwoordelijkheid" in section.locator("h3").inner_text().lower()
    assert tab.locator("main").count() == 1 and tab.locator("header nav").count() == 1
    # the class's properties link to their own sections on the page
    tab.locator("section#Responsibility table a", has_text="fase").first.click()
    assert tab.url.endswith("/def/mag#phase")
    assert tab.locator("section#phase").is_visible()
    tab.click("a.lang-switch")
    tab.wait_for_load_state()
    assert tab.locator("html").get_attribute("lang") == "en"
    assert tab.locator("h2#klassen").inner_text() == "Classes"
    tab.goto(served + "/def/mag/begrip/Fasen")
    rows = tab.locator("table.concepts tbody tr")
    assert rows.count() == 4
    assert tab.locator("table.concepts tbody tr th a").first.inner_text() == "opstellen/bijstellen"  # in order
