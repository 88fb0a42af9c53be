"""The new workbench pieces in Debian's Chromium (Playwright, the real server on
127.0.0.1): "Controleren, niet opslaan" shows the rule at its field and stores nothing;
an editor's change of adopted content becomes a working copy the public does not see
until a reviewer adopts it from "Te beoordelen"; the header's search box and a question
form that takes the actor by name with the picker, and "niet gevonden" with suggestions."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

_spec = importlib.util.spec_from_file_location("workbench_server", Path(__file__).with_name("workbench_server.py"))
assert _spec is not None and _spec.loader is not None
helpers = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("workbench_server", helpers)
_spec.loader.exec_module(helpers)

COLLEGE = "https://data.mag-graph.nl/id/orgaan/hg-college"
ADOPTED = "https://data.mag-graph.nl/id/verantwoordelijkheid/hg-uitvoering-penvoerder-1"
ADOPTED_PAGE = "/doc/verantwoordelijkheid/hg-uitvoering-penvoerder-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, require: Any) -> Iterator[Any]:
    require("waitress")
    for live in helpers.serve(tmp_path_factory.mktemp("review-browser")):
        helpers.warm_up(live.store)
        yield live


def snapshot(store: Any) -> list[str]:
    return sorted(line for line in (store.export(format="nquads") or b"").decode("utf-8").splitlines() if line.strip())


def log_in(tab: Any, base: str, name: str) -> None:
    tab.goto(base + "/inloggen")
    tab.get_by_label("Gebruikersnaam").fill(name)
    tab.get_by_label("Wachtwoord").fill(helpers.PASSWORDS[name])
    tab.get_by_role("button", name="Inloggen").click()
    tab.wait_for_url("**/werkbank")


def log_out(tab: Any) -> None:
    tab.get_by_role("button", name="Uitloggen").click()
    tab.wait_for_load_state()


def test_check_dont_save_shows_the_rule_and_stores_nothing(browser_page: Any, server: Any, tmp_path: Path) -> None:
    tab = browser_page
    log_in(tab, server.url, "eva")
    tab.goto(server.url + "/werkbank/responsibility/nieuw")
    tab.locator("#f-label-nl").fill("Controleert alleen")
    tab.get_by_label("gemeente Hardinxveld-Giessendam", exact=False).first.check()
    tab.locator("#f-raciKind").select_option(label="eindverantwoordelijk")
    tab.locator("#q-assignedTo").fill("college Hardinxveld")
    option = tab.locator("#lb-assignedTo [role=option]", has_text="Hardinxveld")
    option.first.wait_for()
    option.first.dispatch_event("mousedown")
    before = snapshot(server.store)
    tab.locator("#check").click()
    tab.wait_for_selector("#e-phase")
    assert "R01" in tab.locator("#e-phase").inner_text()
    assert "Er is niets opgeslagen" in tab.locator("#form-errors").inner_text()
    tab.locator("#f-phase").select_option(label="uitvoering")
    tab.locator("#check").click()
    tab.wait_for_selector("#checked")
    assert "voldoet aan de regels" in tab.locator("#checked").inner_text()
    assert tab.locator("#f-label-nl").input_value() == "Controleert alleen"
    tab.screenshot(path=str(tmp_path / "controleren.png"), full_page=True)
    assert snapshot(server.store) == before
    log_out(tab)


def test_a_working_copy_waits_for_the_reviewer_and_the_public_sees_the_adopted_version(browser_page: Any,
                                                                                     server: Any) -> None:
    tab = browser_page
    old = requests.get(server.url + ADOPTED_PAGE, timeout=60).text
    log_in(tab, server.url, "eva")
    tab.goto(server.url + "/werkbank/responsibility/hg-uitvoering-penvoerder-1/bewerken")
    assert tab.locator("#working-copy-intro").is_visible()
    tab.locator("#f-label-nl").fill("Penvoerder (werkkopie in de browser)")
    tab.locator("#save").click()
    tab.wait_for_selector("#working-copy")
    assert "werkkopie" in tab.locator("[data-flash=saved]").inner_text()
    assert tab.locator("#adopt-copy").count() == 0  # an editor does not adopt
    public = requests.get(server.url + ADOPTED_PAGE, timeout=60).text
    assert "Penvoerder (werkkopie in de browser)" not in public
    # the editor's own list
    tab.locator("#link-mine").click()
    tab.wait_for_selector("#list-copies")
    assert tab.locator(f"#list-copies tr[data-iri='{ADOPTED}']").count() == 1
    log_out(tab)
    # the reviewer adopts it from the list of what waits for review
    log_in(tab, server.url, "rob")
    tab.locator("#link-to-review").click()
    tab.wait_for_selector("#list-copies")
    row = tab.locator(f"#list-copies tr[data-iri='{ADOPTED}']")
    row.locator("[data-step=adopt-copy]").click()
    tab.wait_for_selector("[data-flash=saved]")
    assert "vastgesteld" in tab.locator("[data-flash=saved]").inner_text()
    assert tab.locator(f"#list-copies tr[data-iri='{ADOPTED}']").count() == 0
    public = requests.get(server.url + ADOPTED_PAGE, timeout=60).text
    assert "Penvoerder (werkkopie in de browser)" in public and public != old
    log_out(tab)


def test_the_reviewer_adopts_a_draft_from_the_list(browser_page: Any, server: Any) -> None:
    created = requests.post(server.url + "/api/v1/themes", auth=("eva", helpers.PASSWORDS["eva"]), timeout=120,
                            headers={"Content-Type": "application/ld+json", "Accept": "application/json"},
                            data='{"label": {"nl": "Thema uit de lijst"}, '
                                 '"municipality": ["https://identifier.overheid.nl/tooi/id/gemeente/gm0523"]}')
    assert created.status_code == 201, created.text
    iri = created.json()["id"]
    tab = browser_page
    log_in(tab, server.url, "rob")
    tab.goto(server.url + "/werkbank/te-beoordelen")
    tab.locator(f"#list-drafts tr[data-iri='{iri}'] [data-step=vaststellen]").click()
    tab.wait_for_selector("[data-flash=saved]")
    assert tab.locator(f"#list-drafts tr[data-iri='{iri}']").count() == 0
    assert requests.get(server.url + "/doc/" + iri.split("/id/", 1)[1], timeout=60).status_code == 200
    log_out(tab)


def test_search_box_and_a_question_by_name_with_the_picker(browser_page: Any, server: Any, tmp_path: Path) -> None:
    tab = browser_page
    tab.goto(server.url + "/rolmatrix")
    tab.locator("#header-search-q").fill("college")
    tab.locator("#header-search-q").press("Enter")
    tab.wait_for_selector(".search-group")
    body = tab.locator(".search-group[data-type=body]")
    assert body.locator(f"li[data-iri='{COLLEGE}']").count() == 1
    # a question: the actor by name, picked from the suggestions as one types
    tab.goto(server.url + "/vragen/q02")
    actor = tab.locator("#p-actor")
    actor.fill("college hardinx")
    option = tab.locator("#lb-actor [role=option]", has_text="Hardinxveld")
    option.first.wait_for()
    option.first.dispatch_event("mousedown")
    assert actor.input_value() == "college van burgemeester en wethouders Hardinxveld-Giessendam"
    tab.locator("#p-phase").select_option("Uitvoering")
    tab.locator("form.question-form button[type=submit]").click()
    tab.wait_for_selector("#answer")
    assert tab.locator("#answer tbody tr").count() == 5
    # a name that names nothing: not found, with what may have been meant
    tab.locator("#p-actor").fill("Colege Hardinxveld")
    tab.locator("form.question-form button[type=submit]").click()
    tab.wait_for_selector("#e-actor")
    assert "niet gevonden" in tab.locator("#e-actor").inner_text()
    assert tab.locator("#answer").count() == 0
    tab.screenshot(path=str(tmp_path / "vraag-niet-gevonden.png"), full_page=True)
    tab.locator(f"#e-actor a[data-iri='{COLLEGE}']").click()
    tab.wait_for_selector("#answer")
    assert tab.locator("#p-actor").input_value() == "college van burgemeester en wethouders Hardinxveld-Giessendam"
