"""The workbench over real HTTP (waitress on 127.0.0.1, requests with a cookie jar):
logging in and out, the session cookie, CSRF tokens, the login limiter, drafts on the
pages for editors only (section 1 of issue 11), and the forms generated from the shapes:
every content type, field order, inputs and labels, saving through the CMS, rule
violations at their fields in Dutch and English with nothing stored, stale ETags, the
reference picker (section 2)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import stat
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mag_graph.access.auth import AuthRegistry
from mag_graph.cms import content as core

_spec = importlib.util.spec_from_file_location("workbench_server", Path(__file__).with_name("workbench_server.py"))
assert _spec is not None and _spec.loader is not None
helpers = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("workbench_server", helpers)
_spec.loader.exec_module(helpers)
Client, Html, PASSWORDS = helpers.Client, helpers.Html, helpers.PASSWORDS

HG = "https://identifier.overheid.nl/tooi/id/gemeente/gm0523"
COLLEGE = "https://data.mag-graph.nl/id/orgaan/hg-college"
MAGB = "https://data.mag-graph.nl/def/mag/begrip/"
R01_NL = "Een verantwoordelijkheid hoort bij precies één fase"
R01_EN = "A responsibility belongs to exactly one phase"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, require: Any) -> Iterator[Any]:
    require("waitress")
    yield from helpers.serve(tmp_path_factory.mktemp("workbench"),
                             config={"MAG_GRAPH_LOGIN_LIMIT": "4 per 15 minutes"})


@pytest.fixture
def eva(server: Any) -> Client:
    client = Client(server.url)
    assert client.login("eva").status_code == 303
    return client


def snapshot(store: Any) -> list[str]:
    data = store.export(format="nquads") or b""
    return sorted(line for line in data.decode("utf-8").splitlines() if line.strip())


def form_fields(html: str) -> list[str]:
    return re.findall(r'data-field="([^"]+)"', html)


# --------------------------------------------------------------------------- 1. logging in


def test_login_page_in_dutch_and_english_with_labelled_fields(server: Any) -> None:
    client = Client(server.url)
    response = client.get("/inloggen")
    assert response.status_code == 200
    page = Html(response.text)
    assert "Gebruikersnaam" in page.text and "Wachtwoord" in page.text
    assert page.unlabelled() == []
    english = client.get("/inloggen?lang=en")
    assert "User name" in Html(english.text).text and '<html lang="en">' in english.text
    assert client.get("/login").status_code == 200  # the English address answers too
    # Anonymous pages show the login link in the header, with the way back.
    home = client.get("/rolmatrix")
    assert 'id="login-link"' in home.text and "next=/rolmatrix" in home.text


def test_login_sets_a_signed_httponly_samesite_cookie_and_shows_the_user(server: Any) -> None:
    client = Client(server.url)
    response = client.login("eva")
    assert response.status_code == 303 and response.headers["Location"].endswith("/werkbank")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("mag_graph_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "wachtwoord" not in cookie  # the cookie holds no password
    page = client.get("/rolmatrix")
    assert "Ingelogd als eva (redacteur)" in Html(page.text).text
    assert 'id="login-link"' not in page.text
    # A tampered cookie is no session.
    value = client.http.cookies.get("mag_graph_session")
    forged = Client(server.url)
    forged.http.cookies.set("mag_graph_session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert "Ingelogd als" not in forged.get("/rolmatrix").text


def test_login_goes_back_where_it_came_from_but_never_elsewhere(server: Any) -> None:
    client = Client(server.url)
    client.get("/inloggen?next=/vragen")
    response = client.post("/inloggen", {"name": "eva", "password": PASSWORDS["eva"], "next": "/vragen"})
    assert response.headers["Location"].endswith("/vragen")
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        other = Client(server.url)
        other.get("/inloggen")
        response = other.post("/inloggen", {"name": "eva", "password": PASSWORDS["eva"], "next": target})
        assert response.status_code == 303 and response.headers["Location"].endswith("/werkbank"), target


def test_wrong_password_is_refused_without_telling_whether_the_name_exists(server: Any) -> None:
    client = Client(server.url)
    client.get("/inloggen")
    wrong = client.post("/inloggen", {"name": "rob", "password": "niet-zijn-wachtwoord"})
    client.get("/inloggen")
    unknown = client.post("/inloggen", {"name": "niemand", "password": "niet-zijn-wachtwoord"})
    assert wrong.status_code == unknown.status_code == 403
    assert "Naam of wachtwoord klopt niet." in Html(wrong.text).text
    assert Html(wrong.text).text.replace("rob", "X") == Html(unknown.text).text.replace("niemand", "X")
    assert "mag_graph_session" not in client.http.cookies or "Ingelogd" not in client.get("/").text
    client.get("/inloggen")
    assert client.post("/inloggen", {"name": "", "password": ""}).status_code == 400


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(server: Any) -> None:
    client = Client(server.url)
    client.get("/inloggen")
    response = client.post("/inloggen", {"name": "eva", "password": PASSWORDS["eva"]}, token=None)
    assert response.status_code == 400
    assert "Ingelogd als" not in client.get("/").text
    bad = client.post("/inloggen", {"name": "eva", "password": PASSWORDS["eva"]}, token="not-a-token")
    assert bad.status_code == 400
    # Logged in, a form post without the token changes nothing either.
    eva = Client(server.url)
    eva.login("eva")
    before = snapshot(server.store)
    create = eva.post("/werkbank/theme/nieuw", {"f.label.nl": "Zonder token", "f.municipality": HG}, token=None)
    assert create.status_code == 400
    assert "beveiligingstoken" in Html(create.text).text
    assert snapshot(server.store) == before
    assert eva.post("/uitloggen", {}, token=None).status_code == 400
    assert "Ingelogd als eva" in eva.get("/").text  # still logged in


def test_logout_ends_the_session(server: Any) -> None:
    client = Client(server.url)
    client.login("eva")
    client.get("/")
    response = client.post("/uitloggen", {})
    assert response.status_code == 303
    page = client.get("/werkbank", allow_redirects=False)
    assert page.status_code == 303 and "/inloggen" in page.headers["Location"]


def test_the_login_limiter_refuses_even_the_right_password_after_too_many_failures(server: Any) -> None:
    client = Client(server.url)
    for _ in range(4):  # MAG_GRAPH_LOGIN_LIMIT of this server: 4 per 15 minutes
        client.get("/inloggen")
        assert client.post("/inloggen", {"name": "lea", "password": "geraden-1234"}).status_code == 403
    client.get("/inloggen")
    refused = client.post("/inloggen", {"name": "lea", "password": PASSWORDS["lea"]})
    assert refused.status_code == 429
    assert "Te veel mislukte pogingen" in Html(refused.text).text
    assert int(refused.headers["Retry-After"]) > 0
    assert "Ingelogd als lea" not in client.get("/").text
    # Another user from the same address is not locked out by lea's failures.
    assert Client(server.url).login("rob").status_code == 303


def test_the_session_never_authorises_the_api(server: Any, eva: Client) -> None:
    before = snapshot(server.store)
    response = eva.http.post(server.url + "/api/v1/themes", data=json.dumps({"label": {"nl": "Via de cookie"}}),
                             headers={"Content-Type": "application/ld+json", "Accept": "application/json"})
    assert response.status_code == 401
    assert snapshot(server.store) == before


def test_the_session_secret_is_kept_beside_the_store_readable_by_the_owner_only(server: Any) -> None:
    secret = server.location / "session-secret"
    assert secret.exists()
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600


def test_a_changed_password_ends_the_session_and_a_reader_sees_no_drafts(server: Any) -> None:
    client = Client(server.url)
    client.get("/inloggen")
    client.post("/inloggen", {"name": "lea", "password": PASSWORDS["lea"]})  # may be limited by the test above
    with AuthRegistry.for_store(server.store.location) as auth:
        auth.add_user("kim", "kim-wachtwoord-1", "editor")
    kim = Client(server.url)
    assert kim.login("kim", "kim-wachtwoord-1").status_code == 303
    assert "Ingelogd als kim" in kim.get("/").text
    with AuthRegistry.for_store(server.store.location) as auth:
        auth.set_password("kim", "kim-wachtwoord-2")
    assert "Ingelogd als kim" not in kim.get("/").text
    with AuthRegistry.for_store(server.store.location) as auth:
        auth.add_user("ria", "ria-wachtwoord-1", "reader")
    ria = Client(server.url)
    ria.login("ria", "ria-wachtwoord-1")
    assert "Ingelogd als ria (lezer)" in ria.get("/").text
    assert 'id="concept-modus"' not in ria.get("/rolmatrix").text
    assert ria.get("/werkbank").status_code == 403


# --------------------------------------------------------------------------- 1. drafts on the pages


@pytest.fixture(scope="module")
def draft(server: Any) -> str:
    """A draft responsibility of Hardinxveld-Giessendam (created through the API)."""
    response = __import__("requests").post(
        server.url + "/api/v1/responsibilities", auth=("eva", PASSWORDS["eva"]),
        headers={"Content-Type": "application/ld+json", "Accept": "application/json"},
        data=json.dumps({"label": {"nl": "Stelt het conceptwerkplan op"}, "municipality": [HG],
                         "phase": "magb:Opstellen", "raciKind": "magb:Responsible", "assignedTo": [COLLEGE]}))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_drafts_on_every_page_for_editors_marked_as_concept_and_never_for_anonymous(server: Any, eva: Client,
                                                                                  draft: str) -> None:
    path = "/doc/" + draft.split("/id/", 1)[1]
    anonymous = Client(server.url)
    assert anonymous.get(path).status_code == 404
    page = eva.get(path)
    assert page.status_code == 200
    assert 'id="concept-notice"' in page.text and "badge--concept" in page.text
    assert 'id="edit-link"' in page.text
    # the role matrix
    matrix = eva.get("/rolmatrix?gemeente=gm0523").text
    entry = re.search(rf'<li data-responsibility="{re.escape(draft)}".*?</li>', matrix, re.DOTALL)
    assert entry and "badge--concept" in entry.group(0)
    assert draft not in anonymous.get("/rolmatrix?gemeente=gm0523").text
    assert "concept-modus" not in anonymous.get("/rolmatrix").text
    # the questions: q02 lists what the college does in a phase
    question = "/vragen/q02?actor=orgaan/hg-college&phase=Opstellen"
    assert draft in eva.get(question).text
    assert draft not in anonymous.get(question).text
    for fmt in ("csv", "json"):
        assert draft not in anonymous.get(question + "&format=" + fmt).text
    # the validation report and the SPARQL page work for both, drafts only for the editor
    assert eva.get("/validatie?datum=2026-11-01").status_code == 200
    assert anonymous.get("/validatie?datum=2026-11-01").status_code == 200
    query = 'SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> "Stelt het conceptwerkplan op"@nl }'
    eva.get("/query")
    assert draft in eva.post("/query", {"query": query}, token=None).text
    assert draft not in anonymous.post("/query", {"query": query}, token=None).text
    # the home page's counts include the draft for the editor only
    assert anonymous.get("/").status_code == 200


def test_an_editor_sees_the_draft_in_the_workbench_list(server: Any, eva: Client, draft: str) -> None:
    page = eva.get("/werkbank")
    assert page.status_code == 200
    assert f'data-iri="{draft}"' in page.text
    assert Client(server.url).get("/werkbank", allow_redirects=False).status_code == 303


# --------------------------------------------------------------------------- 2. forms from the shapes


def test_every_content_type_has_a_create_form_with_labelled_fields_in_schema_order(eva: Client) -> None:
    for kind in core.content_types().values():
        response = eva.get(f"/werkbank/{kind.name}/nieuw")
        assert response.status_code == 200, kind.name
        page = Html(response.text)
        assert page.unlabelled() == [], (kind.name, page.unlabelled())
        schema = core.json_schema(kind, lang="nl")
        expected = [k for fs in schema["fieldsets"] for k in fs["fields"]]
        assert form_fields(response.text) == expected, kind.name
        # never a field where the analyst types an IRI
        assert not [c for c in page.controls if c.get("name") in ("f.id", "id")], kind.name
        legends = re.findall(r'<fieldset class="fieldset" id="groep-([a-z]+)">', response.text)
        assert legends == [fs["id"] for fs in schema["fieldsets"]]


def test_the_responsibility_form_has_the_right_inputs(eva: Client) -> None:
    html = eva.get("/werkbank/responsibility/nieuw").text
    page = Html(html)
    by_name: dict[str, list[dict[str, str]]] = {}
    for control in page.controls:
        by_name.setdefault(control.get("name", ""), []).append(control)
    assert by_name["f.phase"][0]["tag"] == "select" and by_name["f.phase"][0]["aria-required"] == "true"
    phases = re.search(r'<select id="f-phase".*?</select>', html, re.DOTALL).group(0)  # type: ignore[union-attr]
    assert [MAGB + p for p in ("Opstellen", "Vaststellen", "Uitvoering", "MonitoringEnControle")] == \
        re.findall(r'<option value="(https[^"]+)"', phases)
    raci = re.search(r'<select id="f-raciKind".*?</select>', html, re.DOTALL).group(0)  # type: ignore[union-attr]
    assert "eindverantwoordelijk" in raci and "geïnformeerd" in raci
    assert {c["lang"] for c in by_name["f.label.nl"] + by_name["f.label.en"]} == {"nl", "en"}
    assert by_name["f.order"][0]["type"] == "number"
    assert by_name["q.assignedTo"][0]["type"] == "search"  # a picker by name, never an IRI field
    assert "f.assignedTo" not in by_name  # nothing chosen yet
    assert "(verplicht)" in page.text and "regels: R01" in page.text
    english = eva.get("/werkbank/responsibility/nieuw?lang=en").text
    assert "(required)" in Html(english).text and "Search by name" in english


def test_dates_years_and_money_get_their_own_inputs(eva: Client) -> None:
    html = eva.get("/werkbank/budget/hg-doorbraakbudget-buurtbarbecue/bewerken").text
    page = Html(html)
    controls = {c.get("name"): c for c in page.controls}
    assert controls["f.amount"]["inputmode"] == "decimal" and controls["f.amount"]["value"] == "150"
    assert controls["f.period.begin"]["type"] == "date"
    assert controls["f.fiscalYear"]["pattern"] == "-?[0-9]{4}" and controls["f.fiscalYear"]["value"] == "2018"
    assert "€" in page.text
    # the budget's subclasses are a choice, current one selected
    assert re.search(r'<option value="BreakthroughBudget" selected>', html)
    # references show names, not IRIs
    assert "Buurtnetwerker" in page.text or "buurtnetwerker" in page.text.lower()


def test_money_in_dutch_notation() -> None:
    from mag_graph.api.forms import parse_money

    assert parse_money("€ 9.707") == "9707"
    assert parse_money("9.707,50") == "9707.50"
    assert parse_money("1.234.567,8") == "1234567.8"
    assert parse_money("12500") == "12500"
    assert parse_money("12.5") == "12.5"
    assert parse_money("twaalf") is None and parse_money("1,2,3") is None


def _responsibility(**extra: Any) -> dict[str, Any]:
    data = {"f.label.nl": "Stelt het jaarplan vast", "f.label.en": "Adopts the annual plan", "f.municipality": HG,
            "f.raciKind": MAGB + "Accountable", "f.assignedTo": COLLEGE, "_actie": "opslaan"}
    data.update(extra)
    return data


def test_a_violation_is_shown_at_its_field_in_the_page_language_and_nothing_is_stored(server: Any, eva: Client) -> None:
    before = snapshot(server.store)
    eva.get("/werkbank/responsibility/nieuw")
    response = eva.post("/werkbank/responsibility/nieuw", _responsibility())
    assert response.status_code == 422
    errors = re.search(r'<ul class="field-errors" id="e-phase">(.*?)</ul>', response.text, re.DOTALL)
    assert errors and "R01" in errors.group(1) and R01_NL in errors.group(1)
    assert 'aria-describedby="h-phase e-phase"' in response.text
    # the values typed are still there
    assert 'value="Stelt het jaarplan vast"' in response.text and f'value="{COLLEGE}" checked' in response.text
    assert snapshot(server.store) == before
    eva.get("/werkbank/responsibility/nieuw?lang=en")
    english = eva.post("/werkbank/responsibility/nieuw?lang=en", _responsibility())
    assert english.status_code == 422 and R01_EN in english.text and R01_NL not in english.text
    assert snapshot(server.store) == before


def test_saving_goes_through_the_cms_and_makes_a_draft_with_history(server: Any, eva: Client) -> None:
    eva.get("/werkbank/responsibility/nieuw")
    response = eva.post("/werkbank/responsibility/nieuw", _responsibility(**{"f.phase": MAGB + "Vaststellen",
                                                                              "f.order": "3"}))
    assert response.status_code == 303, response.text
    location = response.headers["Location"]
    assert location.endswith("/werkbank/responsibility/hg-stelt-het-jaarplan-vast/bewerken")
    page = eva.get(location)
    assert "Aangemaakt als concept." in page.text and 'id="state"' in page.text
    iri = "https://data.mag-graph.nl/id/verantwoordelijkheid/hg-stelt-het-jaarplan-vast"
    content = core.Content.for_store(server.store)
    document, found = content.document(iri, role="editor")
    assert found.state == "concept"
    assert document["phase"] == "magb:Vaststellen" and document["order"] == 3
    assert document["label"] == {"nl": "Stelt het jaarplan vast", "en": "Adopts the annual plan"}
    assert document["assignedTo"] == [COLLEGE]
    assert [r.agent for r in content.history(iri, role="editor")] == ["eva"]
    # the edit form carries the ETag the change is based on
    assert re.search(rf'name="_etag" value="{found.etag}"', page.text)


def test_editing_patches_the_fields_and_a_stale_etag_never_overwrites(server: Any, eva: Client) -> None:
    iri = "https://data.mag-graph.nl/id/verantwoordelijkheid/hg-stelt-het-jaarplan-vast"
    path = "/werkbank/responsibility/hg-stelt-het-jaarplan-vast/bewerken"
    content = core.Content.for_store(server.store)
    if not content.resource(iri).exists:
        test_saving_goes_through_the_cms_and_makes_a_draft_with_history(server, eva)
    page = eva.get(path)
    etag = re.search(r'name="_etag" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    data = _responsibility(**{"f.phase": MAGB + "Vaststellen", "f.label.en": "", "_etag": etag,
                              "f.towards": "https://data.mag-graph.nl/id/orgaan/hg-gemeenteraad"})
    # the post holds every field of the form: "order" left empty removes it
    response = eva.post(path, data)
    assert response.status_code == 303, response.text
    document, found = content.document(iri, role="editor")
    assert document["label"] == {"nl": "Stelt het jaarplan vast"}  # the English label removed
    assert document["towards"] == ["https://data.mag-graph.nl/id/orgaan/hg-gemeenteraad"]
    assert "order" not in document
    # someone else changes it meanwhile (through the API's core)
    content.patch(iri, {"label": {"nl": "Stelt het jaarplan definitief vast"}}, agent="rob", role="reviewer",
                  if_match=f'"{found.etag}"')
    before = snapshot(server.store)
    eva.get(path)
    stale = eva.post(path, {**data, "_etag": found.etag, "f.label.nl": "Mijn versie"})
    assert stale.status_code == 412
    assert 'id="stale"' in stale.text and "Stelt het jaarplan definitief vast" in stale.text
    assert "Mijn versie" in stale.text and 'id="reload"' in stale.text
    assert snapshot(server.store) == before


def test_bad_values_are_refused_at_their_field_before_the_cms(server: Any, eva: Client) -> None:
    before = snapshot(server.store)
    eva.get("/werkbank/budget/nieuw")
    response = eva.post("/werkbank/budget/nieuw", {"f.label.nl": "Testbudget", "f.municipality": HG,
                                                    "f.amount": "heel veel", "f.fiscalYear": "18",
                                                    "f.period.begin": "31-12-2026", "_actie": "opslaan"})
    assert response.status_code == 400
    for key, words in (("amount", "geen bedrag"), ("fiscalYear", "geen jaartal"), ("period", "geen datum")):
        errors = re.search(rf'<ul class="field-errors" id="e-{key}">(.*?)</ul>', response.text, re.DOTALL)
        assert errors and words in errors.group(1), key
    forged = eva.post("/werkbank/budget/nieuw", {"f.label.nl": "Testbudget", "f.managedBy": "geen iri",
                                                  "f.budgetKind": "https://example.org/verzonnen", "_actie": "opslaan"})
    assert forged.status_code == 400
    assert "Kies een verwijzing met de zoekfunctie." in forged.text and "is geen van de keuzes" in forged.text
    assert snapshot(server.store) == before


def test_money_is_stored_as_a_decimal_in_euros(server: Any, eva: Client) -> None:
    path = "/werkbank/grant/hg-bijdrage-beweegmaatjes/bewerken"
    content = core.Content.for_store(server.store)
    iri = "https://data.mag-graph.nl/id/bijdrage/hg-bijdrage-beweegmaatjes"
    if not content.resource(iri).exists:  # the example's first grant
        item = content.list("grant", role="admin", page_size=1).items[0]
        iri = item["id"]
        path = f"/werkbank/grant/{iri.rsplit('/', 1)[1]}/bewerken"
    page = eva.get(path)
    assert page.status_code == 200
    rob = Client(server.url)
    rob.login("rob")  # adopted content: a reviewer changes it
    rob.get(path)
    before, _ = content.document(iri, role="reviewer")
    form = [(k, v) for k, v in Html(rob.last_html).successful() if k != "f.amount" and k != "csrf_token"]
    response = rob.post(path, [*form, ("f.amount", "€ 9.707,50"), ("_actie", "opslaan")])
    assert response.status_code == 303, Html(response.text).text[:2000]
    document, _ = content.document(iri, role="reviewer")
    assert Decimal(document["amount"]["schemaValue"]) == Decimal("9707.50") and document["amount"]["currency"] == "EUR"
    # the form posted back everything as it was: only the amount changed
    assert {k: v for k, v in document.items() if k != "amount"} == {k: v for k, v in before.items() if k != "amount"}
    assert 'value="9.707,50"' in rob.get(path).text


def test_the_picker_finds_references_by_name_without_javascript(eva: Client) -> None:
    eva.get("/werkbank/consultation/nieuw")
    response = eva.post("/werkbank/consultation/nieuw", {"f.label.nl": "Overleg", "_actie": "zoek:participant",
                                                          "q.participant": "gemeenteraad"})
    assert response.status_code == 200
    candidates = re.findall(r'class="picker__candidate"><input type="checkbox" id="[^"]+" name="f.participant" value="([^"]+)"',
                            response.text)
    assert "https://data.mag-graph.nl/id/orgaan/hg-gemeenteraad" in candidates
    assert 'value="Overleg"' in response.text  # what was typed stays
    nothing = eva.post("/werkbank/consultation/nieuw", {"_actie": "zoek:participant", "q.participant": "xyzzyq"})
    assert "Niets gevonden voor" in nothing.text


def test_the_picker_search_route_answers_json_with_the_users_visibility(server: Any, eva: Client, draft: str) -> None:
    found = eva.get("/werkbank/zoeken?q=conceptwerkplan").json()
    assert [i["id"] for i in found["items"]] == [draft] and found["items"][0]["state"] == "concept"
    typed = eva.get("/werkbank/zoeken?q=college&type=body").json()["items"]
    assert typed and all(i["type"] == "bestuursorgaan" for i in typed)
    assert eva.get("/werkbank/zoeken?q=college&type=geen-soort").status_code == 404
    assert Client(server.url).get("/werkbank/zoeken?q=college", allow_redirects=False).status_code == 303


def test_workbench_texts_exist_in_both_languages_and_templates_ask_for_known_ones() -> None:
    from mag_graph.api.i18n import STRINGS
    from mag_graph.api.workbench_texts import WORKBENCH_STRINGS

    for key, texts in WORKBENCH_STRINGS.items():
        assert STRINGS[key] is texts or STRINGS[key] == texts
        assert texts["nl"].strip() and texts["en"].strip(), key
        assert set(re.findall(r"{(\w+)}", texts["nl"])) == set(re.findall(r"{(\w+)}", texts["en"])), key
    folder = Path(__file__).resolve().parent.parent / "api" / "templates"
    used: set[str] = set()
    for template in [*folder.glob("workbench/*.html"), folder / "base.html", folder / "_macros.html"]:
        used |= set(re.findall(r"\bt\('([a-z0-9_]+)'(?! ~)", template.read_text(encoding="utf-8")))
    assert used - set(STRINGS) == set()
    for family, members in (("state_", ("concept", "vastgesteld", "gearchiveerd")), ("form_lang_", ("nl", "en")),
                            ("role_", ("reader", "editor", "reviewer", "admin"))):
        assert all(family + m in STRINGS for m in members)


# --------------------------------------------------------------------------- 3. review and history


def _post_form(client: Client, path: str, **changes: str) -> Any:
    """Send the edit form at ``path`` as a browser would, with some fields changed."""
    client.get(path)
    fields = [(k, v) for k, v in Html(client.last_html).successful() if k not in changes and k != "csrf_token"]
    return client.post(path, [*fields, *changes.items(), ("_actie", "opslaan")])


def test_review_adopt_history_diff_and_revert(server: Any, eva: Client) -> None:
    eva.get("/werkbank/theme/nieuw")
    created = eva.post("/werkbank/theme/nieuw", {"f.label.nl": "Armoede", "f.municipality": HG})
    assert created.status_code == 303
    path = created.headers["Location"].split(server.url, 1)[-1]
    iri = "https://data.mag-graph.nl/id/thema/hg-armoede"
    page = eva.get(path)
    assert 'id="step-vaststellen"' not in page.text  # editors do not adopt
    assert _post_form(eva, path, **{"f.label.nl": "Armoede en schulden", "f.label.en": "Poverty and debt"}).status_code == 303
    anonymous = Client(server.url)
    assert anonymous.get("/doc/thema/hg-armoede").status_code == 404
    rob = Client(server.url)
    rob.login("rob")
    page = rob.get(path)
    assert 'id="step-vaststellen"' in page.text
    etag = re.search(r'name="_etag" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert rob.post(path.replace("/bewerken", "/workflow/vaststellen"), {"_etag": etag}, token=None).status_code == 400
    adopted = rob.post(path.replace("/bewerken", "/workflow/vaststellen"), {"_etag": etag})
    assert adopted.status_code == 303
    assert "nu vastgesteld" in rob.get(path).text
    assert anonymous.get("/doc/thema/hg-armoede").status_code == 200  # public now
    # the history tab: who, when, what changed, in words
    history = rob.get(path.replace("/bewerken", "/historie"))
    assert history.status_code == 200
    heads = [" ".join(h.split()) for h in re.findall(r'<h2 class="revision__head">(.*?)</h2>', history.text, re.DOTALL)]
    assert len(heads) == 3
    assert "rob" in heads[0] and "vaststellen" in heads[0]
    assert "eva" in heads[1] and "gewijzigd" in heads[1]
    assert "eva" in heads[2] and "aangemaakt" in heads[2]
    rows = re.findall(r'<td class="diff__old">(.*?)</td><td class="diff__new">(.*?)</td>', history.text)
    assert ("nl: Armoede", "en: Poverty and debt / nl: Armoede en schulden") in rows
    assert "https://data.mag-graph.nl" not in Html(history.text).text  # names, not IRIs
    # revert to the first version: a new, validated revision
    first = re.findall(r'data-revert="([^"]+)"', history.text)[-1]
    reverted = rob.post(path.replace("/bewerken", f"/historie/{first}/terugzetten"),
                        {"_etag": re.search(r'name="_etag" value="([^"]+)"', history.text).group(1)})  # type: ignore[union-attr]
    assert reverted.status_code == 303
    document, found = core.Content.for_store(server.store).document(iri, role="reviewer")
    assert document["label"] == {"nl": "Armoede"} and found.state == "vastgesteld"
    assert len(core.Content.for_store(server.store).history(iri, role="reviewer")) == 4
    # the English history tab
    assert "Revert to this revision" in rob.get(path.replace("/bewerken", "/historie") + "?lang=en").text


def test_delete_shows_what_refers_to_the_item_and_refuses(server: Any, eva: Client) -> None:
    before = snapshot(server.store)
    page = eva.get("/werkbank/body/hg-college/verwijderen")
    assert page.status_code == 200
    referrers = re.findall(r'<li data-iri="([^"]+)">', page.text)
    assert len(referrers) > 5 and 'id="delete"' not in page.text  # only an admin could force it
    etag = core.Content.for_store(server.store).resource(COLLEGE).etag
    refused = eva.post("/werkbank/body/hg-college/verwijderen", {"_etag": etag})
    assert refused.status_code in (403, 409)
    assert snapshot(server.store) == before
    # something nothing refers to can go
    eva.get("/werkbank/theme/nieuw")
    created = eva.post("/werkbank/theme/nieuw", {"f.label.nl": "Tijdelijk thema", "f.municipality": HG})
    path = created.headers["Location"].split(server.url, 1)[-1].replace("/bewerken", "/verwijderen")
    confirm = eva.get(path)
    assert "Niets verwijst hiernaar" in confirm.text
    done = eva.post(path, {"_etag": re.search(r'name="_etag" value="([^"]+)"', confirm.text).group(1)})  # type: ignore[union-attr]
    assert done.status_code == 303
    assert not core.Content.for_store(server.store).resource("https://data.mag-graph.nl/id/thema/hg-tijdelijk-thema").exists
