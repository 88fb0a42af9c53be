"""axe-core on every kind of page, in Debian's Chromium against the real server on
127.0.0.1 (the example data in an on-disk store, waitress): 0 critical and 0 serious
violations of the WCAG 2.0/2.1 A and AA rules and of WCAG 2.2's ``target-size``, and none
of the landmark rules ``landmark-one-main`` and ``region`` (the ``axe`` fixture of
conftest; axe-core from npm, ``scripts/ensure-axe.sh``).

Reading pages as an anonymous visitor (home, every role matrix, every question form, an
answered question, validation, the upload check and its report, resource pages of many
types, the ontology documentation at /def, the 404 page, login), then the workbench as
an editor (dashboard with the drafts, create forms that between them show every kind of
field, edit forms, a form with rule messages, a saved item, the history tab, the delete
page) and as a reviewer (the list to review). Each test
collects every page's findings and names the pages, so one run shows all that is wrong."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

_spec = importlib.util.spec_from_file_location("workbench_server", Path(__file__).with_name("workbench_server.py"))
assert _spec is not None and _spec.loader is not None
helpers = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("workbench_server", helpers)
_spec.loader.exec_module(helpers)

# A model with one broken rule (R01: a responsibility without a phase), for the upload check.
BROKEN_MODEL = """\
@prefix mag: <https://data.mag-graph.nl/def/mag#> .
@prefix magb: <https://data.mag-graph.nl/def/mag/begrip/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://data.mag-graph.nl/id/verantwoordelijkheid/axe-zonder-fase> a mag:Responsibility ;
    rdfs:label "Stelt iets op, zonder fase"@nl ;
    mag:raciKind magb:Responsible ;
    mag:assignedTo <https://data.mag-graph.nl/id/orgaan/hg-college> .
"""

HG = "https://identifier.overheid.nl/tooi/id/gemeente/gm0523"

# Resource pages of several types (minted here and elsewhere), and the ontology documentation.
RESOURCES = [
    "/doc/verantwoordelijkheid/hg-vaststellen-college-1",
    "/doc/orgaan/hg-college",
    "/doc/functie/hg-wethouder-mag",
    "/doc/bron/000",
    "/doc/budget/hg-mag-totaal",
    "/doc/samenwerking/hg-mag",
    "/doc/bijeenkomst/hg-mag-partnerbijeenkomst-2018-03-20",
    "/doc/indicator/hg-betrokkenheid-buurt",
    "/doc/dashboard/ms-stroomopwaarts-mvs",
    "/doc?iri=https://identifier.overheid.nl/tooi/id/gemeente/gm0523",
    "/doc/verantwoordelijkheid/hg-vaststellen-college-1?lang=en",
]
DEFINITIONS = ["/def/mag", "/def/mag/begrip", "/def/mag/hergebruik", "/def/mag/begrip/Fasen",
               "/def/mag/begrip/Vaststellen", "/def/mag/begrip/Fasen?lang=en", "/def/mag/bestaat-niet"]
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, require: Any) -> Iterator[Any]:
    require("waitress")
    for live in helpers.serve(tmp_path_factory.mktemp("axe")):
        helpers.warm_up(live.store)
        yield live


class Audit:
    """Opens pages in one tab and keeps axe's findings by page."""

    def __init__(self, tab: Any, base: str, axe: Callable[[Any], list[dict[str, Any]]]) -> None:
        self.tab, self.base, self.axe = tab, base, axe
        self.findings: dict[str, list[dict[str, Any]]] = {}
        self.pages: list[str] = []

    def visit(self, path: str, status: int = 200) -> None:
        reply = self.tab.goto(self.base + path)
        assert reply is not None and reply.status == status, (path, reply and reply.status)
        self.check(path)

    def check(self, name: str) -> None:
        """axe on what the tab shows now."""
        self.tab.wait_for_load_state()
        self.pages.append(name)
        found = self.axe(self.tab)
        if found:
            self.findings[name] = found

    def links(self, selector: str) -> list[str]:
        hrefs = self.tab.evaluate("s => Array.from(document.querySelectorAll(s)).map(a => a.getAttribute('href'))",
                                  selector)
        return list(dict.fromkeys(hrefs))


@pytest.fixture
def audit(browser_context: Any, browser_page: Any, server: Any, axe: Any) -> Audit:
    browser_context.clear_cookies()  # anonymous unless the test logs in
    return Audit(browser_page, server.url, axe)


def covering_forms(base: str, hrefs: list[str]) -> list[str]:
    """Few create forms that together show every kind of field (texts per language,
    municipality boxes, selects, pickers, money, dates, periods, numbers, multi-valued
    ones...): the forms are one template and axe takes seconds a page, so not all 30-odd
    are audited, but no kind of field is left out. Read over HTTP, chosen greedily."""
    editor = helpers.Client(base)
    editor.login("eva")
    kinds: dict[str, set[str]] = {}
    for href in hrefs:
        html = editor.get(href).text
        kinds[href] = set(re.findall(r'class="field (field--[\w-]+)', html))
        kinds[href] |= {f"input--{kind}" for kind in re.findall(r'<input\b[^>]*?\btype="([\w-]+)"', html)}
    left = set().union(*kinds.values())
    assert {"field--langmap", "field--ref", "field--select"} <= left, left
    chosen: list[str] = []
    while left:
        best = max(hrefs, key=lambda h: len(kinds[h] & left))
        chosen.append(best)
        left -= kinds[best]
    return chosen


def log_in(audit: Audit, name: str) -> None:
    tab = audit.tab
    audit.visit("/inloggen")
    tab.get_by_label("Gebruikersnaam").fill(name)
    tab.get_by_label("Wachtwoord").fill(helpers.PASSWORDS[name])
    tab.get_by_role("button", name="Inloggen").click()
    tab.wait_for_url("**/werkbank")


def test_reading_pages(audit: Audit) -> None:
    for path in ("/", "/?lang=en", "/vragen", "/query", "/inloggen", "/inloggen?lang=en"):
        audit.visit(path)
    audit.visit("/bestaat/niet", status=404)
    # the header's search: results grouped by type, and suggestions when nothing matches
    for path in ("/zoeken?q=college", "/zoeken?q=college&lang=en", "/zoeken?q=colege"):
        audit.visit(path)
    audit.visit("/bestaat/niet?lang=en", status=404)
    for path in RESOURCES:
        audit.visit(path)
    for path in DEFINITIONS:
        audit.visit(path, status=404 if path.endswith("bestaat-niet") else 200)
    assert audit.findings == {}, audit.findings


def test_every_role_matrix(audit: Audit) -> None:
    audit.visit("/rolmatrix")
    choices = audit.tab.evaluate("() => Array.from(document.querySelectorAll('#gemeente option')).map(o => o.value)")
    assert "alle" in choices and len(choices) >= 4, choices
    for choice in choices:
        audit.visit(f"/rolmatrix?gemeente={choice}")
    audit.visit("/rolmatrix?gemeente=alle&fase=Vaststellen&lang=en")
    assert audit.findings == {}, audit.findings


def test_every_question_form_and_its_answer(audit: Audit) -> None:
    audit.visit("/vragen")
    forms = audit.links("a[href^='/vragen/q']")
    assert len(forms) >= 18, forms
    for href in forms:
        audit.visit(href)
    # the last form as it comes, with its defaults: an answer, or the form with what is missing
    audit.tab.click("form.question-form button[type=submit]")
    audit.check(forms[-1] + " (verstuurd)")
    audit.visit("/vragen/q02?actor=orgaan/hg-college&fase=Uitvoering")
    assert audit.tab.locator("#answer tbody tr").count() > 0
    audit.visit("/vragen/q02?actor=orgaan/hg-college&fase=Uitvoering&lang=en")
    assert audit.findings == {}, audit.findings


def test_validation_report_and_upload_check(audit: Audit, tmp_path: Path) -> None:
    tab = audit.tab
    tab.goto(audit.base + "/validatie?datum=2026-11-01")
    tab.wait_for_selector("#samenvatting", timeout=120_000)  # after the progress page, if any
    audit.check("/validatie?datum=2026-11-01")
    tab.goto(audit.base + "/validatie?datum=2018-03-03&per=actor&lang=en")
    tab.wait_for_selector("#samenvatting", timeout=120_000)
    audit.check("/validatie?datum=2018-03-03&per=actor&lang=en")
    audit.visit("/validatie/controleren")
    model = tmp_path / "model.ttl"
    model.write_text(BROKEN_MODEL, encoding="utf-8")
    tab.set_input_files("#bestand", str(model))
    tab.fill("#datum", "2026-11-01")
    tab.click("form#controleren button[type=submit]")
    tab.wait_for_selector("#samenvatting")
    assert "R01" in tab.locator("main").inner_text()
    audit.check("/validatie/controleren (rapport)")
    audit.visit("/validatie/controleren?lang=en")
    tab.fill("#tekst", "<a> <b> .")
    tab.select_option("#formaat", "turtle")
    tab.click("form#controleren button[type=submit]")
    tab.wait_for_selector("#fout")
    audit.check("/validatie/controleren (syntaxfout)")
    assert audit.findings == {}, audit.findings


def test_workbench_as_editor(audit: Audit) -> None:
    tab = audit.tab
    log_in(audit, "eva")
    audit.check("/werkbank")
    create_forms = audit.links("#types a")
    assert len(create_forms) >= 30, create_forms
    for href in covering_forms(audit.base, create_forms):
        audit.visit(href)
    audit.visit("/werkbank/budget/hg-doorbraakbudget-buurtbarbecue/bewerken")
    audit.visit("/werkbank/responsibility/hg-vaststellen-college-1/bewerken?lang=en")
    # a form with rule messages next to the fields: a responsibility without a phase
    audit.visit("/werkbank/responsibility/nieuw")
    tab.locator("#f-label-nl").fill("Bespreekt de jaarrapportage")
    tab.get_by_label("gemeente Hardinxveld-Giessendam", exact=False).first.check()
    tab.locator("#f-raciKind").select_option(label="eindverantwoordelijk")
    tab.locator("#save").click()
    tab.wait_for_selector("#e-phase")
    audit.check("/werkbank/responsibility/nieuw (meldingen)")
    # save a theme, then its edit form with the message, its history and the delete page
    audit.visit("/werkbank/theme/nieuw")
    tab.locator("#f-label-nl").fill("Toegankelijkheid")
    tab.get_by_label("gemeente Maassluis", exact=False).first.check()
    tab.locator("#save").click()
    tab.wait_for_selector("[data-flash=saved]")
    edit = tab.url
    audit.check("theme (opgeslagen)")
    tab.locator("#f-label-nl").fill("Digitale toegankelijkheid")
    tab.locator("#save").click()
    tab.wait_for_selector("[data-flash=saved]")
    tab.locator("#history-link").click()
    tab.wait_for_selector("#history")
    assert tab.locator("#history .revision").count() == 2
    audit.check("theme (historie)")
    audit.visit(re.sub(r"/bewerken(\?.*)?$", "/verwijderen", edit.removeprefix(audit.base)))
    audit.visit("/werkbank/mijn-concepten")
    audit.visit("/werkbank/mijn-concepten?lang=en")
    assert audit.findings == {}, audit.findings


def test_workbench_as_reviewer(audit: Audit) -> None:
    eva = helpers.Client(audit.base)  # a draft to review, saved by the editor over HTTP
    eva.login("eva")
    eva.get("/werkbank/theme/nieuw")
    saved = eva.post("/werkbank/theme/nieuw", {"f.label.nl": "Te beoordelen thema", "f.municipality": HG})
    assert saved.status_code == 303, saved.text[:500]
    log_in(audit, "rob")
    audit.check("/werkbank (beoordelaar)")
    drafts = audit.links("#drafts a")
    assert drafts, "the reviewer's list is empty"
    audit.visit(drafts[-1])
    audit.visit("/werkbank?lang=en")
    audit.visit("/werkbank/te-beoordelen")
    audit.visit("/werkbank/te-beoordelen?lang=en")
    assert audit.findings == {}, audit.findings
