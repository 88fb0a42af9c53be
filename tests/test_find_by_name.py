"""Finding things by name (issue 11, section 4): the search box in the header with results
grouped by type, question forms that take resources by name ("niet gevonden" with
suggestions, never an IRI or a path to type), and resource pages that show names rather
than RDF terms (money, dates, grouped backlinks). Real app behind waitress on 127.0.0.1,
example data in an on-disk store; and the background warm-up of validation."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mag_graph.questions import list_questions

_spec = importlib.util.spec_from_file_location("workbench_server", Path(__file__).with_name("workbench_server.py"))
assert _spec is not None and _spec.loader is not None
helpers = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("workbench_server", helpers)
_spec.loader.exec_module(helpers)
Client, Html, PASSWORDS = helpers.Client, helpers.Html, helpers.PASSWORDS

HG = "https://identifier.overheid.nl/tooi/id/gemeente/gm0523"
COLLEGE = "https://data.mag-graph.nl/id/orgaan/hg-college"
COLLEGE_NAME = "college van burgemeester en wethouders Hardinxveld-Giessendam"
RDF_TERMS = ("org:", "xsd:", "@nl", "@en", "magg:", "magid:", "rdf:", "schema:", "mag:", "https://data.mag-graph.nl/")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, require: Any) -> Iterator[Any]:
    require("waitress")
    yield from helpers.serve(tmp_path_factory.mktemp("names"))


def visible_text(html: str) -> str:
    """What a reader sees: the body's text, without the head, scripts and attributes."""
    body = re.sub(r"<head>.*?</head>|<script.*?</script>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def get(server: Any, path: str, **kwargs: Any) -> requests.Response:
    return requests.get(server.url + path, timeout=120, headers={"Accept": helpers.BROWSER_ACCEPT}, **kwargs)


# --------------------------------------------------------------------------- the search box


def test_every_page_has_a_labelled_search_box_in_the_header(server: Any) -> None:
    for path in ("/", "/rolmatrix", "/vragen", "/doc/orgaan/hg-college"):
        html = get(server, path).text
        header = re.search(r'<header class="site-header">.*?</header>', html, re.DOTALL)
        assert header and 'role="search"' in header.group(0), path
        assert '<label for="header-search-q"' in header.group(0)
        assert Html(header.group(0)).unlabelled() == []


def test_search_results_are_grouped_by_type(server: Any) -> None:
    response = get(server, "/zoeken?q=college")
    assert response.status_code == 200
    groups = re.findall(r'<section aria-labelledby="groep-\d+" class="search-group" data-type="([a-z-]+)">(.*?)</section>',
                        response.text, re.DOTALL)
    types = [name for name, _ in groups]
    assert "body" in types and len(types) == len(set(types)) >= 2
    bodies = dict(groups)["body"]
    assert f'data-iri="{COLLEGE}"' in bodies and "(3)" in bodies  # the three municipal executives
    for name, section in groups:  # every item in its type's group
        for iri in re.findall(r'data-iri="([^"]+)"', section):
            found = requests.get(server.url + "/zoeken", params={"q": "college", "format": "json", "type": name},
                                 timeout=60).json()["items"]
            assert iri in {i["id"] for i in found}, (name, iri)
    english = get(server, "/search?q=college&lang=en")
    assert "found for" in visible_text(english.text) and '<html lang="en">' in english.text


def test_nothing_found_gives_suggestions(server: Any) -> None:
    response = get(server, "/zoeken?q=colege+hardinxvel")
    assert response.status_code == 200
    text = visible_text(response.text)
    assert "Niets gevonden" in text and "Bedoelde u" in text
    assert COLLEGE_NAME in text


def test_the_picker_json_filters_by_known_types_only(server: Any) -> None:
    found = requests.get(server.url + "/zoeken", params={"q": "college", "type": "body", "format": "json"}, timeout=60)
    assert found.status_code == 200
    items = found.json()["items"]
    assert items and {i["typeName"] for i in items} == {"body"}
    bad = requests.get(server.url + "/zoeken", params={"q": "college", "type": "orgaan/x", "format": "json"}, timeout=60)
    assert bad.status_code == 400 and bad.headers["Content-Type"].startswith("application/problem+json")


def test_anonymous_search_never_finds_drafts_an_editor_does(server: Any) -> None:
    created = requests.post(server.url + "/api/v1/themes", auth=("eva", PASSWORDS["eva"]), timeout=120,
                            headers={"Content-Type": "application/ld+json", "Accept": "application/json"},
                            data=json.dumps({"label": {"nl": "Zoekbaar conceptthema"}, "municipality": [HG]}))
    assert created.status_code == 201, created.text
    iri = created.json()["id"]
    assert iri not in get(server, "/zoeken?q=zoekbaar+conceptthema").text
    assert iri not in requests.get(server.url + "/zoeken", params={"q": "zoekbaar", "format": "json"}, timeout=60).text
    eva = Client(server.url)
    eva.login("eva")
    page = eva.get("/zoeken?q=zoekbaar+conceptthema").text
    assert f'data-iri="{iri}"' in page and "badge--concept" in page


# --------------------------------------------------------------------------- question forms


def test_no_question_form_asks_for_an_iri_or_a_path(server: Any) -> None:
    for question in list_questions():
        html = get(server, f"/vragen/{question.id}").text
        page = Html(html)
        for control in page.controls:
            value = control.get("value", "") + control.get("placeholder", "")
            assert "://" not in value and not re.search(r"\b[a-z]+/[a-z]{2}-", value), (question.id, control)
        assert "orgaan/hg-college" not in visible_text(html), question.id
        assert page.unlabelled() == [], question.id


def test_a_question_takes_an_actor_by_name(server: Any) -> None:
    form = get(server, "/vragen/q02")
    assert f'value="{COLLEGE_NAME}"' in form.text  # the default, by name
    assert 'data-picker data-fill="true"' in form.text and 'data-type="body,organisation' in form.text
    answer = get(server, "/vragen/q02", params={"actor": COLLEGE_NAME, "phase": "Uitvoering", "vraag": "1"})
    assert answer.status_code == 200
    assert len(re.findall(r"<tr>", re.search(r'<table class="data" id="answer">.*?</table>', answer.text,
                                             re.DOTALL).group(0))) == 6  # header and five rows
    # the downloads ask the same question
    csv_href = re.search(r'id="download-csv" href="([^"]+)"', answer.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    assert requests.get(server.url + csv_href, timeout=60).text.count("\n") == 6


def test_an_unknown_name_is_not_found_with_suggestions_instead_of_no_rows(server: Any) -> None:
    response = get(server, "/vragen/q02", params={"actor": "Colege Hardinxveld", "vraag": "1"})
    assert response.status_code == 400
    text = visible_text(response.text)
    assert "niet gevonden" in text and "0 rijen" not in text and 'id="answer"' not in response.text
    errors = re.search(r'<div class="field-errors" id="e-actor" data-name-status="not_found">(.*?)</div>',
                       response.text, re.DOTALL)
    assert errors and COLLEGE in errors.group(1)
    assert 'aria-describedby="h-actor e-actor"' in response.text and 'aria-invalid="true"' in response.text
    # a suggestion is a link that asks again with that one
    link = re.search(rf'<a href="([^"]+)" data-iri="{re.escape(COLLEGE)}">', errors.group(1)).group(1)  # type: ignore[union-attr]
    followed = get(server, link.replace("&amp;", "&"))
    assert followed.status_code == 200 and 'id="answer"' in followed.text
    english = get(server, "/vragen/q02", params={"actor": "Colege Hardinxveld", "vraag": "1", "lang": "en"})
    assert "not found" in visible_text(english.text)
    csv = requests.get(server.url + "/vragen/q02", params={"actor": "nergens", "vraag": "1", "format": "csv"}, timeout=60)
    assert csv.status_code == 400 and csv.headers["Content-Type"].startswith("application/problem+json")


def test_a_name_of_several_resources_asks_which_one(server: Any) -> None:
    response = get(server, "/vragen/q02", params={"actor": "college", "vraag": "1"})
    assert response.status_code == 400
    errors = re.search(r'data-name-status="ambiguous">(.*?)</div>', response.text, re.DOTALL)
    assert errors and "meerdere gevonden" in errors.group(1)
    assert COLLEGE in errors.group(1) and "https://data.mag-graph.nl/id/orgaan/ms-college" in errors.group(1)


# --------------------------------------------------------------------------- resource pages


@pytest.mark.parametrize("path", ["/doc/budget/hg-mag-totaal", "/doc/orgaan/hg-college",
                                  "/doc/verantwoordelijkheid/hg-uitvoering-penvoerder-1",
                                  "/doc?iri=https%3A%2F%2Fidentifier.overheid.nl%2Ftooi%2Fid%2Fgemeente%2Fgm0523"])
def test_resource_pages_show_names_not_rdf_terms(server: Any, path: str) -> None:
    response = get(server, path)
    assert response.status_code == 200
    text = visible_text(response.text)
    for term in RDF_TERMS:
        assert term not in text, (path, term, text[max(0, text.find(term) - 80):text.find(term) + 80])
    assert 'rel="bookmark"' in response.text  # the IRI stays reachable as a link
    assert "format=turtle" in response.text  # and as RDF


def test_money_and_dates_in_dutch(server: Any) -> None:
    text = visible_text(get(server, "/doc/budget/hg-mag-totaal").text)
    assert "€ 1.200.000" in text
    assert "1 januari 2018" in text and "31 december 2019" in text
    english = visible_text(get(server, "/doc/budget/hg-mag-totaal?lang=en").text)
    assert "€ 1,200,000" in english and "1 January 2018" in english


def test_backlinks_are_grouped_by_property_with_a_count(server: Any) -> None:
    html = get(server, "/doc/orgaan/hg-college").text
    counts = re.search(r'<ul class="incoming-counts" id="incoming-counts">(.*?)</ul>', html, re.DOTALL)
    assert counts and "toegewezen aan: 15" in visible_text(counts.group(1))
    municipality = get(server, "/doc?iri=https%3A%2F%2Fidentifier.overheid.nl%2Ftooi%2Fid%2Fgemeente%2Fgm0523").text
    assert 'id="incoming-pager"' in municipality  # hundreds of links: paged
    second = re.search(r'<a href="([^"]+)" rel="next">', municipality).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    page_two = get(server, second)
    assert page_two.status_code == 200 and "Pagina 2 van" in visible_text(page_two.text)
    assert get(server, "/doc/orgaan/hg-college?inkomend=zes").status_code == 200  # no number: the first page


def test_display_helpers() -> None:
    from mag_graph.api import display

    assert display.money("9707") == "€ 9.707" and display.money("9707.5") == "€ 9.707,50"
    assert display.money("1200000", "en") == "€ 1,200,000"
    assert display.dutch_date("2021-01-01") == "1 januari 2021"
    assert display.dutch_date("2021-13-01") == "2021-13-01"  # not a date: given back
    assert display.human_term("org:Post") == "Post" and display.human_term("schema:MonetaryAmount") == "Monetary amount"
    assert display.human_term("gewone tekst") == "gewone tekst"


# --------------------------------------------------------------------------- warming up


def test_the_server_warms_up_validation_so_the_first_write_finds_it_ready(tmp_path: Path) -> None:
    from mag_graph.api import create_app

    from mag_graph.cms import Content
    from mag_graph.store import Store
    from mag_graph.store.bootstrap import initialise
    from mag_graph.validation import engine, shape_reads, warm_up

    store = Store.open(tmp_path / "store")
    initialise(store)
    quiet = create_app(store)  # the setting is off by default (tests make many apps)
    assert "mag_graph_warm_up" not in quiet.extensions
    quiet.extensions["mag_graph"].close()
    shape_reads._reads_index.cache_clear()
    engine._target_index.cache_clear()
    runs = warm_up.state()["runs"]
    app = create_app(store, config={"MAG_GRAPH_WARM_UP": "true"})
    try:
        thread = app.extensions["mag_graph_warm_up"]
        thread.join(timeout=900)
        assert not thread.is_alive()
        done = warm_up.state()
        assert done["runs"] == runs + 1 and done["error"] is None and done["finished"] is not None
        ready = shape_reads._reads_index.cache_info()
        assert ready.currsize >= 1
        content = Content.for_store(store)
        result = content.create("theme", {"label": {"nl": "Na het opwarmen"}, "municipality": [HG]},
                                agent="eva", role="editor")
        assert result.revision is not None
        after = shape_reads._reads_index.cache_info()
        assert after.misses == ready.misses and after.hits > ready.hits  # the write used the warmed analysis
    finally:
        app.extensions["mag_graph"].close()
        store.close()
