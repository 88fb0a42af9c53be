"""The workbench in Debian's Chromium (Playwright, the real server on 127.0.0.1): an
editor logs in, creates a responsibility by picking the phase, the RACI kind and the
actor by name, sees a rule violation at its field in Dutch and in English, fixes it and
saves; the draft is on the role matrix for the editor and not for anonymous visitors."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_spec = importlib.util.spec_from_file_location("workbench_server", Path(__file__).with_name("workbench_server.py"))
assert _spec is not None and _spec.loader is not None
helpers = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("workbench_server", helpers)
_spec.loader.exec_module(helpers)

COLLEGE = "https://data.mag-graph.nl/id/orgaan/hg-college"
NEW = "https://data.mag-graph.nl/id/verantwoordelijkheid/hg-bespreekt-de-voortgangsrapportage"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, require: Any) -> Iterator[Any]:
    require("waitress")
    for live in helpers.serve(tmp_path_factory.mktemp("workbench-browser")):
        helpers.warm_up(live.store)
        yield live


def log_in(tab: Any, base: str, name: str) -> None:
    tab.goto(base + "/inloggen")
    tab.get_by_label("Gebruikersnaam").fill(name)
    tab.get_by_label("Wachtwoord").fill(helpers.PASSWORDS[name])
    tab.get_by_role("button", name="Inloggen").click()
    tab.wait_for_url("**/werkbank")


def test_editor_creates_a_responsibility_with_pickers_and_sees_rule_messages(browser_page: Any, server: Any,
                                                                          tmp_path: Path) -> None:
    tab = browser_page
    base = server.url
    log_in(tab, base, "eva")
    assert "Ingelogd als eva (redacteur)" in tab.locator(".account").inner_text()
    tab.get_by_role("link", name="verantwoordelijkheid", exact=True).click()
    tab.wait_for_selector("form.cms-form")
    tab.locator("#f-label-nl").fill("Bespreekt de voortgangsrapportage")
    tab.get_by_label("gemeente Hardinxveld-Giessendam", exact=False).first.check()
    tab.locator("#f-raciKind").select_option(label="eindverantwoordelijk")
    # the actor by name: type, and pick from the list the script shows
    search = tab.locator("#q-assignedTo")
    search.fill("college Hardinxveld")
    option = tab.locator("#lb-assignedTo [role=option]", has_text="college van burgemeester en wethouders Hardinxveld")
    option.first.wait_for()
    option.first.dispatch_event("mousedown")
    chosen = tab.locator("[data-field=assignedTo] .picker__chosen input:checked")
    assert chosen.count() == 1 and chosen.first.get_attribute("value") == COLLEGE
    # save without a phase: R01 at the phase field, in Dutch
    tab.locator("#save").click()
    tab.wait_for_selector("#e-phase")
    assert "R01" in tab.locator("#e-phase").inner_text()
    assert "precies één fase" in tab.locator("#e-phase").inner_text()
    assert tab.locator("#f-label-nl").input_value() == "Bespreekt de voortgangsrapportage"
    tab.screenshot(path=str(tmp_path / "werkbank-melding.png"), full_page=True)
    # the same in English, after the language switch
    tab.locator("a.lang-switch").click()
    tab.wait_for_load_state()
    tab.locator("#f-label-nl").fill("Bespreekt de voortgangsrapportage")
    tab.get_by_label("Hardinxveld-Giessendam", exact=False).first.check()
    tab.locator("#f-raciKind").select_option(label="accountable")
    tab.locator("#q-assignedTo").fill("college Hardinxveld")
    english_option = tab.locator("#lb-assignedTo [role=option]", has_text="Hardinxveld")
    english_option.first.wait_for()
    tab.locator("#q-assignedTo").press("ArrowDown")
    tab.locator("#q-assignedTo").press("Enter")
    tab.locator("#save").click()
    tab.wait_for_selector("#e-phase")
    assert "exactly one phase" in tab.locator("#e-phase").inner_text()
    # fix it and save: a draft
    tab.locator("#f-phase").select_option(label="implementation")
    tab.locator("#save").click()
    tab.wait_for_selector("[data-flash=saved]")
    assert "draft" in tab.locator("[data-flash=saved]").inner_text()
    assert tab.url.endswith("/werkbank/responsibility/hg-bespreekt-de-voortgangsrapportage/bewerken?lang=en")
    # the draft on the role matrix for the editor, marked
    tab.goto(base + "/rolmatrix?gemeente=gm0523")
    entry = tab.locator(f"li[data-responsibility='{NEW}']")
    assert entry.count() == 1 and entry.locator(".badge--concept").count() == 1
    assert entry.locator("xpath=ancestor::td").get_attribute("data-actor") == COLLEGE
    # and not for anyone else
    anonymous = helpers.Client(base).get("/rolmatrix?gemeente=gm0523").text
    assert NEW not in anonymous
    # logging out from the header
    tab.get_by_role("button", name="Uitloggen").click()
    tab.wait_for_load_state()
    tab.goto(base + "/rolmatrix?gemeente=gm0523")
    assert tab.locator(f"li[data-responsibility='{NEW}']").count() == 0


def test_reviewer_adopts_then_history_and_revert(browser_page: Any, server: Any, tmp_path: Path) -> None:
    tab = browser_page
    base = server.url
    edit = base + "/werkbank/responsibility/hg-bespreekt-de-voortgangsrapportage/bewerken"
    log_in(tab, base, "rob")
    # the draft is in the reviewer's list
    assert tab.locator(f"#drafts tr[data-iri='{NEW}']").count() == 1
    tab.goto(edit)
    tab.locator("#step-vaststellen").click()
    tab.wait_for_selector("[data-flash=saved]")
    assert "vastgesteld" in tab.locator("[data-flash=saved]").inner_text()
    # public now: on the role matrix for anyone, without the concept mark
    anonymous = helpers.Client(base).get("/rolmatrix?gemeente=gm0523").text
    assert NEW in anonymous
    # a change by the reviewer, then the history tab and a revert
    tab.locator("#f-label-nl").fill("Bespreekt de kwartaalrapportage")
    tab.locator("#save").click()
    tab.wait_for_selector("[data-flash=saved]")
    tab.locator("#history-link").click()
    tab.wait_for_selector("#history")
    assert tab.locator("#history .revision").count() == 3
    newest = tab.locator("#history .revision").first
    assert "Bespreekt de kwartaalrapportage" in newest.locator(".diff__new").inner_text()
    assert "Bespreekt de voortgangsrapportage" in newest.locator(".diff__old").inner_text()
    tab.screenshot(path=str(tmp_path / "werkbank-historie.png"), full_page=True)
    tab.locator("#history .revision").nth(1).locator("[data-revert]").click()
    tab.wait_for_selector("[data-flash=saved]")
    assert tab.locator("#f-label-nl").input_value() == "Bespreekt de voortgangsrapportage"


def test_forms_work_without_javascript(browser_context: Any, server: Any) -> None:
    """The basic flow without the script: search by name with the button, tick, save."""
    tab = browser_context.new_page()
    tab.set_default_timeout(20_000)
    try:
        tab.route("**/workbench.js", lambda route: route.abort())
        log_in(tab, server.url, "eva")
        tab.goto(server.url + "/werkbank/theme/nieuw")
        tab.locator("#f-label-nl").fill("Eenzaamheid")
        tab.get_by_label("gemeente Maassluis", exact=False).first.check()
        tab.locator("#q-source").fill("zzz-niets")
        tab.locator("[data-field=source] button").click()
        tab.wait_for_load_state()
        assert "Niets gevonden" in tab.locator("[data-field=source]").inner_text()
        assert tab.locator("#f-label-nl").input_value() == "Eenzaamheid"
        tab.locator("#save").click()
        tab.wait_for_selector("[data-flash=saved]")
        assert "/werkbank/theme/" in tab.url
    finally:
        tab.close()
