"""The web pages: every page in both languages, the Linked-Data rules of /id and /doc,
and the same pages driven in a real headless Chromium.

The Flask test client checks what the server says (status, headers, content negotiation,
the cells of the role matrix); the browser tests check what people get: clicking from the
home page to the role matrix, filling in a question form, opening a resource page. The
browser is Debian's Chromium (``scripts/ensure-chromium.sh``), driven by Playwright with
``executable_path``; Playwright never downloads a browser of its own.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS
from store_template import initialised_memory_store

from mag_graph.namespaces import MAG, MAGB, MAGID, TOOI
from mag_graph.store import Store, to_rdflib_term

TEMPLATES = Path(__file__).resolve().parent.parent / "api" / "templates"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

GM0523 = TOOI["gemeente/gm0523"]
COLLEGE = MAGID["orgaan/hg-college"]
RAAD = MAGID["orgaan/hg-gemeenteraad"]
RESPONSIBILITY = MAGID["verantwoordelijkheid/hg-vaststellen-college-1"]
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

# Seed 000: which actors each group of bullets is assigned to and in which phase
# (tests/fixtures/seed000_bullets.txt names the groups, e.g. "## vaststellen college").
PHASES = {
    "opstellen": MAGB.Opstellen,
    "vaststellen": MAGB.Vaststellen,
    "uitvoering": MAGB.Uitvoering,
    "monitoring": MAGB.MonitoringEnControle,
}
ACTORS = {
    "gemeente-partners": (GM0523, MAGB.MagPartner),
    "college": (COLLEGE,),
    "gemeenteraad": (RAAD,),
    "penvoerder": (MAGB.Penvoerder,),
    "mag-partners": (MAGB.MagPartner,),
}


def seed000_cells() -> dict[str, tuple[URIRef, tuple[URIRef, ...]]]:
    """Each of the 38 responsibilities of seed 000 with its phase and actors."""
    out: dict[str, tuple[URIRef, tuple[URIRef, ...]]] = {}
    group: tuple[str, str] | None = None
    n = 0
    for line in (FIXTURES / "seed000_bullets.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            phase, actor = line[3:].split()[:2]
            group, n = (phase, actor), 0
        elif line.strip() and not line.startswith("#") and group is not None:
            n += 1
            iri = MAGID[f"verantwoordelijkheid/hg-{group[0]}-{group[1]}-{n}"]
            out[str(iri)] = (PHASES[group[0]], ACTORS[group[1]])
    assert len(out) == 38
    return out


# --------------------------------------------------------------------------- app


@pytest.fixture(scope="module")
def example_store() -> Iterator[Store]:
    store = initialised_memory_store()
    yield store
    store.close()


def make_app(store: Store) -> Any:
    """The real application (``create_app``), serving the given store.

    The report page waits for its report as long as it takes: these tests read the report,
    and on a loaded machine the default wait (8 s) ends in the progress page (202) instead;
    the progress page itself is tested in test_checking.py with a wait of 0.
    """
    from mag_graph.api import create_app

    return create_app(store, config={"MAG_GRAPH_REPORT_WAIT": 600})


def test_pages_work_with_a_bare_store(example_store: Store) -> None:
    """Without a SPARQL service (a minimal app) the pages query the store directly."""
    from flask import Flask
    from mag_graph.api.pages import bp

    app = Flask("bare")
    app.extensions["mag_graph"] = example_store
    app.register_blueprint(bp)
    client = app.test_client()
    response = client.post("/query", data={"query": "SELECT ?s WHERE { ?s a mag:Municipality } LIMIT 2"})
    assert response.status_code == 200
    assert 'id="results"' in response.get_data(as_text=True)
    assert client.get("/rolmatrix").status_code == 200


def close_app(app: Any) -> None:
    """Stop what the app started (the SPARQL service's query processes)."""
    state = app.extensions.get("mag_graph")
    if hasattr(state, "close") and not isinstance(state, Store):
        state.close()


@pytest.fixture(scope="module")
def app(example_store: Store) -> Iterator[Any]:
    application = make_app(example_store)
    application.config.update(TESTING=True)
    yield application
    close_app(application)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def get(client: Any, url: str, accept: str = BROWSER_ACCEPT, **headers: str) -> Any:
    return client.get(url, headers={"Accept": accept, **headers})


# --------------------------------------------------------------------------- HTML helpers


class Page(HTMLParser):
    """The parts of a page the tests look at: the html lang, links, form controls with
    their labels, table header cells, and the cells of the role matrix."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.lang: str | None = None
        self.links: list[tuple[str, dict[str, str]]] = []
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.th_scopes: list[str | None] = []
        self.cells: dict[tuple[str, str], list[str]] = {}
        self._cell: tuple[str, str] | None = None
        self.text_parts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "a" and "href" in a:
            self.links.append((a["href"], a))
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append({"tag": tag, **a})
        elif tag == "label" and "for" in a:
            self.label_for.add(a["for"])
        elif tag == "th":
            self.th_scopes.append(a.get("scope"))
        elif tag == "td" and "data-actor" in a and "data-phase" in a:
            self._cell = (a["data-actor"], a["data-phase"])
            self.cells[self._cell] = []
        elif tag == "li" and self._cell is not None and "data-responsibility" in a:
            self.cells[self._cell].append(a["data-responsibility"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def hrefs(self) -> list[str]:
        return [href for href, _ in self.links]


def page(response: Any) -> Page:
    return Page(response.get_data(as_text=True))


def assert_accessible(p: Page) -> None:
    """Every form control has a label and every header cell a scope; the page says its
    language."""
    assert p.lang in ("nl", "en")
    for control in p.controls:
        assert control.get("id") in p.label_for, f"control without label: {control}"
    assert all(scope in ("col", "row") for scope in p.th_scopes), p.th_scopes


# --------------------------------------------------------------------------- every page

PAGES = [
    "/",
    "/rolmatrix",
    "/role-matrix",
    "/rolmatrix?gemeente=gm1978",
    "/vragen",
    "/questions",
    "/vragen/q01",
    "/query",
    "/doc/verantwoordelijkheid/hg-vaststellen-college-1",
    "/doc?iri=https%3A%2F%2Fidentifier.overheid.nl%2Ftooi%2Fid%2Fgemeente%2Fgm0523",
    "/doc?iri=https%3A%2F%2Fdata.mag-graph.nl%2Fdef%2Fmag%23Responsibility",
]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_page_renders_in_both_languages(client: Any, url: str, lang: str) -> None:
    sep = "&" if "?" in url else "?"
    response = get(client, f"{url}{sep}lang={lang}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    assert response.headers["Content-Language"] == lang
    assert "Accept-Language" in response.headers["Vary"]
    p = page(response)
    assert p.lang == lang
    assert_accessible(p)
    # The stylesheet is served by the app itself (no CDN).
    assert "/assets/site.css" in response.get_data(as_text=True)
    assert "http://" not in "".join(h for h in p.hrefs() if h.endswith((".css", ".js")))


def test_stylesheet_is_served(client: Any) -> None:
    response = client.get("/assets/site.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert b"table.matrix" in response.data


def test_dutch_is_the_default_and_accept_language_picks_english(client: Any) -> None:
    assert page(get(client, "/")).lang == "nl"
    assert page(get(client, "/", **{"Accept-Language": "de-DE,de;q=0.9"})).lang == "nl"
    english = get(client, "/", **{"Accept-Language": "en-GB,en;q=0.8"})
    assert page(english).lang == "en"
    assert "Who is responsible for what?" in english.get_data(as_text=True)
    # ?lang= wins over the header
    assert page(get(client, "/?lang=nl", **{"Accept-Language": "en"})).lang == "nl"
    assert page(get(client, "/?lang=xx", **{"Accept-Language": "en"})).lang == "en"


def test_language_switch_keeps_the_page_and_its_arguments(client: Any) -> None:
    p = page(get(client, "/rolmatrix?gemeente=gm1978"))
    switch = [a for _, a in p.links if a.get("class") == "lang-switch"]
    assert len(switch) == 1
    assert switch[0]["href"] == "/rolmatrix?gemeente=gm1978&lang=en"
    assert switch[0]["hreflang"] == "en"
    back = [a for _, a in page(get(client, switch[0]["href"])).links if a.get("class") == "lang-switch"]
    assert back[0]["href"] == "/rolmatrix?gemeente=gm1978&lang=nl"


def test_chosen_language_is_carried_through_the_navigation(client: Any) -> None:
    hrefs = page(get(client, "/?lang=en")).hrefs()
    assert "/rolmatrix?lang=en" in hrefs
    assert "/vragen?lang=en" in hrefs
    # without an explicit choice the links stay clean (the header decides)
    assert "/rolmatrix" in page(get(client, "/")).hrefs()


def test_unknown_page_is_404(client: Any) -> None:
    assert get(client, "/bestaat-niet").status_code == 404


# --------------------------------------------------------------------------- home


def test_home_lists_each_municipality_with_its_counts(client: Any) -> None:
    response = get(client, "/")
    text = page(response).text
    for name, cbs in (("Hardinxveld-Giessendam", "GM0523"), ("Maassluis", "GM0556"), ("Molenlanden", "GM1978")):
        assert f"gemeente {name}" in text
        assert cbs in text
    assert "https://identifier.overheid.nl/tooi/id/gemeente/gm0523" in text
    assert "verantwoordelijkheden" in text and "samenwerkingsverbanden" in text
    hrefs = page(response).hrefs()
    assert "/rolmatrix" in hrefs
    assert "/rolmatrix?gemeente=gm0523" in hrefs
    # every graph with its size, illustrative ones marked
    assert "hardinxveld-giessendam-illustratief" in text
    assert "illustratief" in text


def test_overview_counts_match_the_store(example_store: Store) -> None:
    from mag_graph.questions.describe import overview

    found = {m.cbs_code: m for m in overview(example_store, "nl").municipalities}
    assert set(found) == {"GM0523", "GM0556", "GM1978"}
    hg = found["GM0523"]
    assert hg.counts["responsibilities"] == len(
        {s for s, _, _, _ in example_store.quads(None, MAG.municipality, GM0523)
         if next(iter(example_store.quads(s, RDF.type, MAG.Responsibility)), None)}
    )
    assert found["GM0556"].counts["partnerships"] > 0
    assert found["GM1978"].counts["projects"] == 1
    assert {g.illustrative for g in hg.graphs} == {True, False}


# --------------------------------------------------------------------------- role matrix


def test_role_matrix_puts_the_38_seed_responsibilities_in_their_cells(client: Any) -> None:
    p = page(get(client, "/rolmatrix?gemeente=gm0523"))
    for iri, (phase, actors) in seed000_cells().items():
        for actor in actors:
            assert iri in p.cells.get((str(actor), str(phase)), []), (iri, actor, phase)
    # and nowhere else
    for (actor, phase), entries in p.cells.items():
        for iri in entries:
            if iri in seed000_cells():
                expected_phase, expected_actors = seed000_cells()[iri]
                assert phase == str(expected_phase) and URIRef(actor) in expected_actors, (iri, actor, phase)


def test_role_matrix_defaults_to_the_municipality_with_most_responsibilities(client: Any, example_store: Store) -> None:
    p = page(get(client, "/rolmatrix"))
    shown = {iri for entries in p.cells.values() for iri in entries}
    expected = {
        str(s) for s, _, _, _ in example_store.quads(None, MAG.municipality, GM0523)
        if next(iter(example_store.quads(s, RDF.type, MAG.Responsibility)), None)
    }
    assert shown == expected
    assert len(shown) == 71


def test_role_matrix_entries_show_raci_kind_and_source(client: Any) -> None:
    html = get(client, "/rolmatrix").get_data(as_text=True)
    item = re.search(
        rf'<li data-responsibility="{re.escape(str(RESPONSIBILITY))}"[^>]*>(.*?)</li>', html, re.DOTALL
    )
    assert item is not None
    body = item.group(1)
    assert 'data-raci="A"' in item.group(0)
    assert "eindverantwoordelijk" in body  # the RACI kind, spelled out for screen readers
    assert 'href="/doc/bron/000-sheet-5"' in body
    assert 'href="/doc/verantwoordelijkheid/hg-vaststellen-college-1"' in body


def test_role_matrix_marks_illustrative_responsibilities(example_store: Store) -> None:
    from mag_graph.questions.matrix import role_matrix

    matrix = role_matrix(example_store, GM0523, "nl")
    entries = {e.iri: e for cell in matrix.cells.values() for e in cell}
    assert not entries[str(RESPONSIBILITY)].illustrative
    assert [p.label for p in matrix.phases] == ["opstellen/bijstellen", "vaststellen", "uitvoering", "monitoring en controle"]
    english = role_matrix(example_store, GM0523, "en")
    assert english.phases[1].label.lower() != "vaststellen"


def test_role_matrix_in_english_and_other_municipalities(client: Any) -> None:
    response = get(client, "/role-matrix?lang=en&gemeente=gm1978")
    assert response.status_code == 200
    text = page(response).text
    assert "Who is responsible for what?" in text
    assert "Molenlanden" in text
    assert get(client, "/rolmatrix?gemeente=gm9999").status_code == 404
    assert get(client, "/rolmatrix?gemeente=%3Cscript%3E").status_code == 404


# --------------------------------------------------------------------------- questions


def test_questions_page_lists_every_question(client: Any) -> None:
    from mag_graph.questions import list_questions

    hrefs = page(get(client, "/vragen")).hrefs()
    for q in list_questions():
        assert f"/vragen/{q.id}" in hrefs


def test_question_form_shows_parameters_with_defaults(client: Any) -> None:
    response = get(client, "/vragen/q02")
    assert response.status_code == 200
    p = page(response)
    names = {c.get("name") for c in p.controls}
    assert {"actor", "phase"} <= names
    assert "lang" not in names  # follows the page language
    assert_accessible(p)
    html = response.get_data(as_text=True)
    # the actor is asked by name (issue 11: no form asks for an IRI or a path like orgaan/hg-college)
    assert 'value="college van burgemeester en wethouders Hardinxveld-Giessendam"' in html
    assert not [c for c in p.controls if "orgaan/" in c.get("value", "") or "https://" in c.get("value", "")]
    assert '<option value="Vaststellen" selected>' in html
    assert 'id="answer"' not in html  # nothing asked yet


def test_question_answer_table_and_downloads(client: Any) -> None:
    url = "/vragen/q02?vraag=1&actor=orgaan%2Fhg-college&phase=Vaststellen"
    response = get(client, url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="answer"' in html
    assert "Faciliteert het proces van het opstellen van de startfoto" in html
    assert 'href="/doc/verantwoordelijkheid/hg-vaststellen-college-1"' in html
    p = page(response)
    csv_link = next(h for h, a in p.links if a.get("id") == "download-csv")
    json_link = next(h for h, a in p.links if a.get("id") == "download-json")
    csv = client.get(csv_link)
    assert csv.status_code == 200
    assert csv.mimetype == "text/csv"
    assert 'filename="q02.csv"' in csv.headers["Content-Disposition"]
    assert csv.get_data(as_text=True).splitlines()[0].startswith("actor,")
    assert str(RESPONSIBILITY) in csv.get_data(as_text=True)
    data = client.get(json_link)
    assert data.mimetype == "application/json"
    body = json.loads(data.get_data(as_text=True))
    assert body["question"]["id"] == "q02"
    assert len(body["rows"]) == 4  # the college's four bullets on sheet 5


def test_question_in_english(client: Any) -> None:
    html = get(client, "/questions/q02?lang=en&vraag=1&actor=orgaan%2Fhg-college&phase=Vaststellen").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Facilitates the process of drawing up the Startfoto" in html


def test_question_errors(client: Any) -> None:
    bad = get(client, "/vragen/q02?vraag=1&actor=%3Cnot+an+iri%3E")
    assert bad.status_code == 400
    assert "actor" in page(bad).text
    bad_csv = client.get("/vragen/q02?vraag=1&actor=%3Cnot+an+iri%3E&format=csv")
    assert bad_csv.status_code == 400
    assert bad_csv.mimetype == "application/problem+json"
    assert get(client, "/vragen/q99").status_code == 404
    moved = get(client, "/vragen/q2")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("/vragen/q02")


# --------------------------------------------------------------------------- validation


def test_validation_page_groups_by_rule_and_by_actor(client: Any) -> None:
    response = get(client, "/validatie?datum=2019-06-01")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    p = page(response)
    assert_accessible(p)
    assert 'type="date"' in html and 'value="2019-06-01"' in html
    assert "voldoet niet op 2019-06-01" in p.text
    assert 'id="regel-R26"' in html  # the example's overdue dashboards (Maassluis)
    assert "/doc/dashboard/ms-rogplus" in p.hrefs()
    by_actor = get(client, "/validation?datum=2019-06-01&per=actor&lang=en")
    assert by_actor.status_code == 200
    text = page(by_actor).text
    assert "does not conform at 2019-06-01" in text
    assert "Dashboard Rogplus" in text


def test_validation_rejects_a_bad_date(client: Any) -> None:
    response = get(client, "/validatie?datum=2019-13-45")
    assert response.status_code == 400
    assert "Ongeldige datum" in page(response).text


# --------------------------------------------------------------------------- SPARQL page


def test_query_page_form_and_examples(client: Any) -> None:
    response = get(client, "/query")
    p = page(response)
    assert any(c["tag"] == "textarea" and c.get("name") == "query" for c in p.controls)
    assert_accessible(p)
    assert "/query?voorbeeld=klassen" in p.hrefs()
    example = get(client, "/query?voorbeeld=klassen").get_data(as_text=True)
    assert "COUNT(DISTINCT ?s)" in example
    # The same form can send its query to the SPARQL endpoint (no JavaScript needed).
    assert 'formaction="/sparql"' in response.get_data(as_text=True)
    endpoint = client.post("/sparql", data={"query": "ASK { ?s a mag:Responsibility }"},
                           headers={"Accept": "application/sparql-results+json"})
    assert endpoint.status_code == 200
    assert json.loads(endpoint.get_data(as_text=True))["boolean"] is True


def test_query_page_runs_select_ask_and_construct(client: Any) -> None:
    select = client.post("/query", data={"query": f"SELECT ?label WHERE {{ <{RESPONSIBILITY}> rdfs:label ?label }}"})
    assert select.status_code == 200
    html = select.get_data(as_text=True)
    assert 'id="results"' in html
    assert "Faciliteert het proces" in html
    ask = client.post("/query", data={"query": "ASK { ?s a mag:Responsibility }"})
    assert "Ja (true)" in ask.get_data(as_text=True)
    construct = client.post("/query", data={"query": "CONSTRUCT { ?s a mag:Municipality } WHERE { ?s a mag:Municipality }"})
    assert construct.status_code == 200
    links = page(construct).hrefs()
    assert "/doc?iri=https://identifier.overheid.nl/tooi/id/gemeente/gm0523" in links
    # rdf:type is not described in the store: it links to itself rather than to a 404
    assert "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" in links


def test_query_page_reports_errors_and_never_writes(client: Any, example_store: Store) -> None:
    before = len(example_store)
    broken = client.post("/query", data={"query": "SELEC ?x"})
    assert broken.status_code == 400
    assert "ongeldige SPARQL" in broken.get_data(as_text=True)
    update = client.post("/query", data={"query": "INSERT DATA { <urn:x> <urn:y> <urn:z> }"})
    assert update.status_code == 400
    assert len(example_store) == before
    assert client.post("/query", data={"query": "  "}).status_code == 400


# --------------------------------------------------------------------------- /id and /doc


@pytest.mark.parametrize("accept", [BROWSER_ACCEPT, "text/html", "*/*", "application/xhtml+xml"])
def test_id_redirects_browsers_to_the_page(client: Any, accept: str) -> None:
    response = get(client, "/id/verantwoordelijkheid/hg-vaststellen-college-1", accept)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/doc/verantwoordelijkheid/hg-vaststellen-college-1")
    assert "Accept" in response.headers["Vary"]


def test_id_without_accept_header_is_a_page_too(client: Any) -> None:
    response = client.get("/id/verantwoordelijkheid/hg-vaststellen-college-1")
    assert response.status_code == 303


def test_id_keeps_an_explicit_language(client: Any) -> None:
    response = get(client, "/id/orgaan/hg-college?lang=en")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/doc/orgaan/hg-college?lang=en")


def test_id_serves_turtle_to_rdf_clients(client: Any) -> None:
    response = get(client, "/id/verantwoordelijkheid/hg-vaststellen-college-1", "text/turtle")
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    assert "Accept" in response.headers["Vary"]
    assert "/doc/verantwoordelijkheid/hg-vaststellen-college-1" in response.headers["Link"]
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (RESPONSIBILITY, RDF.type, MAG.Responsibility) in graph
    assert (RESPONSIBILITY, MAG.assignedTo, COLLEGE) in graph
    assert (RESPONSIBILITY, DCTERMS.source, MAGID["bron/000-sheet-5"]) in graph
    assert (RESPONSIBILITY, RDFS.label, Literal("Faciliteert het proces van het opstellen van de startfoto en stelt de startfoto vast.", lang="nl")) in graph


def parse_jsonld(data: bytes) -> Graph:
    """JSON-LD read by Oxigraph (rdflib's JSON-LD parser warns about its own internals)."""
    graph = Graph()
    for triple in ox.parse(data, format=ox.RdfFormat.JSON_LD):
        graph.add(tuple(to_rdflib_term(term) for term in (triple.subject, triple.predicate, triple.object)))
    return graph


def test_id_serves_json_ld_to_rdf_clients(client: Any) -> None:
    for accept in ("application/ld+json", "application/ld+json;q=1, text/html;q=0.5", "application/json"):
        response = get(client, "/id/verantwoordelijkheid/hg-vaststellen-college-1", accept)
        assert response.status_code == 200, accept
        assert response.mimetype == "application/ld+json"
        assert "Accept" in response.headers["Vary"]
        graph = parse_jsonld(response.get_data())
        assert (RESPONSIBILITY, MAG.phase, MAGB.Vaststellen) in graph


def test_id_includes_blank_node_details(client: Any) -> None:
    # a term with its beginning and end as blank time:Instants
    response = get(client, "/id/opdracht/hg-gezond-en-vitaal/looptijd", "text/turtle")
    assert response.status_code == 200
    assert "inXSDDate" in response.get_data(as_text=True)


def test_id_refuses_what_it_cannot_give(client: Any) -> None:
    response = get(client, "/id/verantwoordelijkheid/hg-vaststellen-college-1", "image/png")
    assert response.status_code == 406
    assert "Accept" in response.headers["Vary"]


def test_unknown_id_is_404_for_browsers_and_rdf_clients(client: Any) -> None:
    html = get(client, "/id/verantwoordelijkheid/bestaat-niet")
    assert html.status_code == 404
    assert html.mimetype == "text/html"
    assert "Accept" in html.headers["Vary"]
    rdf = get(client, "/id/verantwoordelijkheid/bestaat-niet", "text/turtle")
    assert rdf.status_code == 404
    assert rdf.mimetype == "application/problem+json"
    problem = json.loads(rdf.get_data(as_text=True))
    assert problem["status"] == 404
    assert "bestaat-niet" in problem["detail"]
    assert "Accept" in rdf.headers["Vary"]


def test_resource_page_shows_label_types_properties_sources_and_graphs(client: Any) -> None:
    response = get(client, "/doc/verantwoordelijkheid/hg-vaststellen-college-1")
    assert response.status_code == 200
    p = page(response)
    text = p.text
    assert "Faciliteert het proces van het opstellen van de startfoto en stelt de startfoto vast." in text
    assert "verantwoordelijkheid" in text  # its type, by its label
    assert "toegewezen aan" in text and "college van burgemeester en wethouders Hardinxveld-Giessendam" in text
    # the source location, its document and file
    assert "000, sheet 5: Vaststellen (1)" in text
    assert "000_76fd19d4f8c5d636.txt" in text
    assert "/doc/bron/000-sheet-5" in p.hrefs()
    assert "/doc/bron/000" in p.hrefs()
    assert "/doc/orgaan/hg-college" in p.hrefs()
    assert "hardinxveld-giessendam" in text
    assert "/doc/verantwoordelijkheid/hg-vaststellen-college-1?format=turtle" in p.hrefs()
    assert_accessible(p)


def test_resource_page_lists_incoming_links(client: Any) -> None:
    p = page(get(client, "/doc/orgaan/hg-college"))
    assert "/doc/verantwoordelijkheid/hg-vaststellen-college-1" in p.hrefs()
    assert "Wat hiernaar verwijst" in p.text


def test_resource_page_marks_illustrative_statements(client: Any) -> None:
    p = page(get(client, "/doc/bijeenkomst/hg-raadsoverleg-2019-06-11"))
    assert "Alles wat de graaf hierover zegt is illustratief" in p.text
    sourced = page(get(client, "/doc/verantwoordelijkheid/hg-vaststellen-college-1"))
    assert "Alles wat de graaf hierover zegt is illustratief" not in sourced.text


def test_doc_for_iris_minted_elsewhere(client: Any) -> None:
    response = get(client, "/doc?iri=https%3A%2F%2Fidentifier.overheid.nl%2Ftooi%2Fid%2Fgemeente%2Fgm0523")
    assert response.status_code == 200
    text = page(response).text
    assert "gemeente Hardinxveld-Giessendam" in text
    assert "GM0523" in text
    concept = get(client, "/doc?iri=https%3A%2F%2Fdata.mag-graph.nl%2Fdef%2Fmag%2Fbegrip%2FVaststellen&lang=en")
    assert concept.status_code == 200
    assert page(concept).lang == "en"


def test_doc_query_for_own_iris_redirects_to_the_canonical_page(client: Any) -> None:
    response = get(client, "/doc?iri=https%3A%2F%2Fdata.mag-graph.nl%2Fid%2Forgaan%2Fhg-college&lang=en")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/doc/orgaan/hg-college?lang=en")


@pytest.mark.parametrize(
    "url",
    ["/id/a%20b", "/id/a%3Cb%3E", "/doc/a%20b", "/doc?iri=not%20an%20iri", "/doc?iri=%3Cx%3E", "/doc?iri=urn:x:y"],
)
def test_strings_that_are_no_iri_are_simply_not_found(client: Any, url: str) -> None:
    assert get(client, url).status_code == 404
    assert get(client, url, "text/turtle").status_code == 404


def test_doc_errors(client: Any) -> None:
    assert get(client, "/doc/orgaan/bestaat-niet").status_code == 404
    assert get(client, "/doc?iri=https%3A%2F%2Fexample.org%2Fnothing").status_code == 404
    assert get(client, "/doc").status_code == 400
    assert get(client, "/doc/orgaan/hg-college?format=gif").status_code == 400


def test_doc_offers_the_rdf_of_the_page(client: Any) -> None:
    turtle = client.get("/doc/orgaan/hg-college?format=turtle")
    assert turtle.status_code == 200 and turtle.mimetype == "text/turtle"
    jsonld = client.get("/doc?iri=https%3A%2F%2Fidentifier.overheid.nl%2Ftooi%2Fid%2Fgemeente%2Fgm0523&format=jsonld")
    assert jsonld.status_code == 200 and jsonld.mimetype == "application/ld+json"
    graph = parse_jsonld(jsonld.get_data())
    assert (GM0523, MAG.cbsCode, Literal("GM0523")) in graph


# --------------------------------------------------------------------------- texts


def test_every_text_exists_in_dutch_and_english() -> None:
    from mag_graph.api.i18n import LANGUAGES, STRINGS

    for key, texts in STRINGS.items():
        for lang in LANGUAGES:
            assert texts.get(lang, "").strip(), f"{key} lacks {lang}"
        placeholders = {lang: set(re.findall(r"{(\w+)}", texts[lang])) for lang in LANGUAGES}
        assert placeholders["nl"] == placeholders["en"], key


def test_templates_only_ask_for_known_texts() -> None:
    from mag_graph.api.i18n import STRINGS

    used: set[str] = set()
    families: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\('([a-z0-9_]+)'(?! ~)", source))
        families |= set(re.findall(r"\bt\('([a-z0-9_]+_)' ~", source))
    assert used, "no texts found in the templates"
    assert used - set(STRINGS) == set()
    expected_families = {
        "home_count_": {"responsibilities", "role_assignments", "partnerships", "consultations", "projects"},
        "raci_": {"R", "A", "C", "I"},
        "severity_": {"Violation", "Warning", "Info"},
    }
    assert families <= set(expected_families)
    for prefix, members in expected_families.items():
        for member in members:
            assert prefix + member in STRINGS


def test_pages_never_build_sparql() -> None:
    api = Path(__file__).resolve().parent.parent / "api"
    # The page modules (api/pages.py, split by responsibility) hold no SPARQL outside the
    # fixed example texts people start from (query_page.EXAMPLE_QUERIES).
    for name in ("pages.py", "question_pages.py", "query_page.py", "names.py", "display.py"):
        source = (api / name).read_text(encoding="utf-8")
        rest = re.sub(r"\nEXAMPLE_QUERIES:.*?\n\)\n", "\n", source, flags=re.DOTALL)
        assert "EXAMPLE_QUERIES:" not in rest
        if name == "query_page.py":
            assert len(rest) < len(source)
        for keyword in ("SELECT ", "CONSTRUCT ", "WHERE {", "INSERT ", "DELETE "):
            assert keyword not in rest, (name, keyword)


# --------------------------------------------------------------------------- the real browser


@pytest.fixture(scope="module")
def live_server(served: str) -> str:
    """The app behind waitress on 127.0.0.1 with the example data in an on-disk store (the
    way `mag-graph serve` runs it): conftest's ``served``."""
    return served


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests put their screenshots (``MAG_GRAPH_SCREENSHOTS`` to keep
    them somewhere known, for looking at them)."""
    wanted = os.environ.get("MAG_GRAPH_SCREENSHOTS")
    if wanted:
        path = Path(wanted)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


def test_browser_home_to_role_matrix(browser_page: Any, live_server: str, screenshots: Path) -> None:
    tab = browser_page
    tab.goto(live_server + "/")
    assert tab.locator("html").get_attribute("lang") == "nl"
    tab.screenshot(path=str(screenshots / "home.png"), full_page=True)
    tab.click("#to-matrix")
    tab.wait_for_selector("#rolmatrix")
    assert tab.url == live_server + "/rolmatrix"
    cells = tab.evaluate(
        """() => Array.from(document.querySelectorAll('#rolmatrix td[data-actor]')).map(td => ({
               actor: td.dataset.actor, phase: td.dataset.phase,
               items: Array.from(td.querySelectorAll('li[data-responsibility]')).map(li => li.dataset.responsibility),
               visible: td.offsetWidth > 0 && td.offsetHeight > 0 }))"""
    )
    by_cell = {(c["actor"], c["phase"]): c["items"] for c in cells}
    for iri, (phase, actors) in seed000_cells().items():
        for actor in actors:
            assert iri in by_cell.get((str(actor), str(phase)), []), (iri, actor, phase)
    assert all(c["visible"] for c in cells)
    # The four phases fit side by side on a laptop screen: the table is no wider than the window.
    width = tab.evaluate("() => [document.querySelector('#rolmatrix').scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]
    tab.screenshot(path=str(screenshots / "rolmatrix.png"), full_page=False)


def test_browser_question_form(browser_page: Any, live_server: str, screenshots: Path) -> None:
    tab = browser_page
    tab.goto(live_server + "/vragen")
    tab.click("a[href='/vragen/q02']")
    tab.wait_for_selector("form.question-form")
    # the actor by name (the picker suggests as you type; the name is enough)
    tab.get_by_label(re.compile("^actor")).fill("college van burgemeester en wethouders Hardinxveld-Giessendam")
    tab.get_by_label(re.compile("^fase")).select_option("Uitvoering")
    tab.click("form.question-form button[type=submit]")
    tab.wait_for_selector("#answer")
    rows = tab.locator("#answer tbody tr")
    assert rows.count() == 5  # the college's five bullets on sheet 7
    assert "Uitvoering" in tab.url or "uitvoering" in tab.url.lower()
    csv_link = tab.locator("#download-csv")
    assert csv_link.is_visible()
    href = csv_link.get_attribute("href")
    assert href is not None and "format=csv" in href
    download = tab.request.get(live_server + href)
    assert download.ok
    assert download.headers["content-type"].startswith("text/csv")
    assert download.text().count("\n") == 6  # header and five rows
    tab.screenshot(path=str(screenshots / "vraag-q02.png"), full_page=True)


def test_browser_resource_page_from_the_matrix(browser_page: Any, live_server: str, screenshots: Path) -> None:
    tab = browser_page
    tab.goto(live_server + "/rolmatrix")
    tab.click(f"li[data-responsibility='{RESPONSIBILITY}'] a.entry__text")
    tab.wait_for_selector("#bronnen")
    assert tab.url == live_server + "/doc/verantwoordelijkheid/hg-vaststellen-college-1"
    assert "Faciliteert het proces" in tab.locator("h1").inner_text()
    sources = tab.locator("#bron").inner_text()
    assert "000, sheet 5: Vaststellen (1)" in sources
    assert "000_76fd19d4f8c5d636.txt" in sources
    tab.screenshot(path=str(screenshots / "verantwoordelijkheid.png"), full_page=True)
    # The IRI itself answers a browser with the page (303 followed).
    tab.goto(live_server + "/id/verantwoordelijkheid/hg-vaststellen-college-1")
    assert tab.url == live_server + "/doc/verantwoordelijkheid/hg-vaststellen-college-1"
    # and the language switch turns the page English
    tab.click("a.lang-switch")
    tab.wait_for_load_state()
    assert tab.locator("html").get_attribute("lang") == "en"
    assert "Facilitates the process" in tab.locator("h1").inner_text()


def test_browser_validation_with_the_date_picker(browser_page: Any, live_server: str, screenshots: Path) -> None:
    tab = browser_page
    tab.goto(live_server + "/validatie?datum=2018-01-01")
    tab.fill("#datum", "2019-06-01")
    tab.select_option("#per", "onderwerp")
    tab.click("form.inline-form button[type=submit]")
    tab.wait_for_selector("#samenvatting")
    assert "datum=2019-06-01" in tab.url and "per=onderwerp" in tab.url
    assert "2019-06-01" in tab.locator("#samenvatting").inner_text()
    assert tab.locator(".finding-group h3 a", has_text="Dashboard Rogplus").count() == 1
    # By actor: under the accounthouder the dashboard is assigned to, not the dashboard.
    tab.select_option("#per", "actor")
    tab.click("form.inline-form button[type=submit]")
    tab.wait_for_selector("#actor-uitleg")
    assert tab.locator(".finding-group--actor h3", has_text="Dashboard Rogplus").count() == 0
    assert tab.locator(".finding-group--actor .finding-focus a", has_text="Dashboard Rogplus").count() >= 1
    tab.screenshot(path=str(screenshots / "validatie.png"), full_page=False)
