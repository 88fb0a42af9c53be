"""Two editors and one working copy, in Debian's Chromium (Playwright, the real server on
127.0.0.1): eva saves a working copy; ada opens the item and edits eva's copy (the form
says whose copy it is and since when); eva saves again; ada's save of the copy as she
loaded it is refused with the 409 page that shows what changed and a reload; the /doc
page tells editors a copy is pending; the reviewer adopts it. axe-core on the new
notice and pages: no critical or serious violations.

The two editors use two tabs of one browser whose session cookies are swapped before
each acts (the module's browser is one persistent profile): each tab's form keeps the
CSRF token and ETag of its own user's session, as two browsers would."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mag_graph.access.auth import AuthRegistry
from mag_graph.cms import working_copy

_spec = importlib.util.spec_from_file_location("workbench_server", Path(__file__).with_name("workbench_server.py"))
assert _spec is not None and _spec.loader is not None
helpers = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("workbench_server", helpers)
_spec.loader.exec_module(helpers)

PASSWORDS = {**helpers.PASSWORDS, "ada": "ada-wachtwoord-1"}
ITEM = "https://data.mag-graph.nl/id/verantwoordelijkheid/hg-uitvoering-penvoerder-1"
ITEM_PAGE = "/doc/verantwoordelijkheid/hg-uitvoering-penvoerder-1"
ITEM_FORM = "/werkbank/responsibility/hg-uitvoering-penvoerder-1/bewerken"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, require: Any) -> Iterator[Any]:
    require("waitress")
    for live in helpers.serve(tmp_path_factory.mktemp("copies-browser")):
        with AuthRegistry.for_store(live.store.location) as auth:
            auth.add_user("ada", PASSWORDS["ada"], "editor")
        helpers.warm_up(live.store)
        yield live


def snapshot(store: Any) -> list[str]:
    return sorted(line for line in (store.export(format="nquads") or b"").decode("utf-8").splitlines() if line.strip())


class Users:
    """Session cookies per user in one browser profile: ``act(name)`` makes the browser
    that user (logging in the first time)."""

    def __init__(self, context: Any, tab: Any, base: str) -> None:
        self.context, self.tab, self.base = context, tab, base
        self.cookies: dict[str, list[dict[str, Any]]] = {}

    def act(self, name: str) -> None:
        self.context.clear_cookies()
        if name in self.cookies:
            self.context.add_cookies(self.cookies[name])
            return
        tab = self.tab
        tab.goto(self.base + "/inloggen")
        tab.get_by_label("Gebruikersnaam").fill(name)
        tab.get_by_label("Wachtwoord").fill(PASSWORDS[name])
        tab.get_by_role("button", name="Inloggen").click()
        tab.wait_for_url("**/werkbank")
        self.cookies[name] = self.context.cookies()


def test_two_editors_a_stale_save_of_the_copy_and_the_reviewer_adopts(browser_context: Any, browser_page: Any,
                                                                       server: Any, axe: Any, tmp_path: Path) -> None:
    browser_context.clear_cookies()
    eva_tab, ada_tab = browser_page, browser_context.new_page()
    ada_tab.set_default_timeout(20_000)
    users = Users(browser_context, eva_tab, server.url)
    findings: dict[str, list[dict[str, Any]]] = {}

    def audit(tab: Any, name: str) -> None:
        tab.wait_for_load_state()
        found = axe(tab)
        if found:
            findings[name] = found

    try:
        users.act("ada")
        # eva saves a working copy of the adopted item
        users.act("eva")
        eva_tab.goto(server.url + ITEM_FORM)
        eva_tab.locator("#f-label-nl").fill("Penvoerder, versie 1 van eva")
        eva_tab.locator("#save").click()
        eva_tab.wait_for_selector("#working-copy")
        # ada opens the item: she edits eva's copy, and the form says so
        users.act("ada")
        ada_tab.goto(server.url + ITEM_FORM)
        notice = ada_tab.locator("#working-copy").inner_text()
        assert "Er is een werkkopie in behandeling (door eva, sinds" in notice
        assert ada_tab.locator("#working-copy-editing").is_visible()
        assert ada_tab.locator("#f-label-nl").input_value() == "Penvoerder, versie 1 van eva"
        audit(ada_tab, "form with a working copy")
        # eva saves again meanwhile
        users.act("eva")
        eva_tab.locator("#f-label-nl").fill("Penvoerder, versie 2 van eva")
        with eva_tab.expect_navigation():
            eva_tab.locator("#save").click()
        assert "werkkopie" in eva_tab.locator("[data-flash=saved]").inner_text()
        # ada's save of the copy as she loaded it: the 409 page with what changed, nothing stored
        users.act("ada")
        before = snapshot(server.store)
        ada_tab.locator("#f-label-nl").fill("Penvoerder, versie van ada")
        with ada_tab.expect_response(lambda r: r.request.method == "POST") as answer:
            ada_tab.locator("#save").click()
        assert answer.value.status == 409
        ada_tab.wait_for_selector("#stale")
        stale = ada_tab.locator("#stale").inner_text()
        assert "werkkopie intussen opgeslagen" in stale
        assert "Penvoerder, versie 2 van eva" in stale and "Penvoerder, versie van ada" in stale
        assert snapshot(server.store) == before
        audit(ada_tab, "409: the working copy changed")
        ada_tab.screenshot(path=str(tmp_path / "werkkopie-409.png"), full_page=True)
        # reload: ada goes on from eva's second version and saves; the copy has both editors
        ada_tab.locator("#reload").click()
        ada_tab.wait_for_selector("#working-copy")
        assert ada_tab.locator("#f-label-nl").input_value() == "Penvoerder, versie 2 van eva"
        ada_tab.locator("#f-label-nl").fill("Penvoerder, versie 3 van ada")
        with ada_tab.expect_navigation():
            ada_tab.locator("#save").click()
        assert "werkkopie" in ada_tab.locator("[data-flash=saved]").inner_text()
        copy = working_copy.read(server.store, ITEM)
        assert copy is not None and copy.creator == "eva" and copy.agent == "ada"
        # the page of the item tells the editor a copy is pending, with a link to it
        ada_tab.goto(server.url + ITEM_PAGE)
        assert "Er is een werkkopie in behandeling (door eva" in ada_tab.locator("#working-copy-notice").inner_text()
        audit(ada_tab, "/doc with the working-copy notice")
        ada_tab.goto(server.url + ITEM_PAGE + "?lang=en")
        assert "A working copy is pending (by eva" in ada_tab.locator("#working-copy-notice").inner_text()
        ada_tab.locator("#working-copy-link").click()
        ada_tab.wait_for_selector("#working-copy")
        # anonymous: nothing of it
        public = requests.get(server.url + ITEM_PAGE, timeout=60).text
        assert "Penvoerder, versie 3 van ada" not in public and "working-copy-notice" not in public
        # the reviewer adopts the copy from the list (from the notice's review link)
        users.act("rob")
        eva_tab.goto(server.url + ITEM_PAGE)
        eva_tab.locator("#working-copy-review").click()
        eva_tab.wait_for_selector("#list-copies")
        audit(eva_tab, "Te beoordelen with a shared working copy")
        eva_tab.locator(f"#list-copies tr[data-iri='{ITEM}'] [data-step=adopt-copy]").click()
        eva_tab.wait_for_selector("[data-flash=saved]")
        public = requests.get(server.url + ITEM_PAGE, timeout=60).text
        assert "Penvoerder, versie 3 van ada" in public
        assert working_copy.read(server.store, ITEM) is None
    finally:
        ada_tab.close()
        browser_context.clear_cookies()
    assert findings == {}, findings
