"""Check, don't save (a dry run of the CMS write pipeline) and working copies of adopted
content, on the core, over the API (?dryRun=true, /working-copy) and in the workbench;
the "Mijn concepten / Te beoordelen" lists with the reviewer's buttons. Real store on disk,
real HTTP (waitress on 127.0.0.1), real SPARQL requests."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mag_graph.cms import content as core
from mag_graph.cms import history, working_copy

_spec = importlib.util.spec_from_file_location("workbench_server", Path(__file__).with_name("workbench_server.py"))
assert _spec is not None and _spec.loader is not None
helpers = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("workbench_server", helpers)
_spec.loader.exec_module(helpers)
Client, Html, PASSWORDS = helpers.Client, helpers.Html, helpers.PASSWORDS

HG = "https://identifier.overheid.nl/tooi/id/gemeente/gm0523"
COLLEGE = "https://data.mag-graph.nl/id/orgaan/hg-college"
MAGB = "https://data.mag-graph.nl/def/mag/begrip/"
ADOPTED = "https://data.mag-graph.nl/id/verantwoordelijkheid/hg-uitvoering-penvoerder-1"
ADOPTED_PATH = "/api/v1/responsibilities/hg-uitvoering-penvoerder-1"
ADOPTED_FORM = "/werkbank/responsibility/hg-uitvoering-penvoerder-1/bewerken"
R01_NL = "Een verantwoordelijkheid hoort bij precies één fase"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, require: Any) -> Iterator[Any]:
    require("waitress")
    yield from helpers.serve(tmp_path_factory.mktemp("review"))


snapshot, api = helpers.snapshot, helpers.api


def sparql_labels(server: Any, iri: str, *, user: str | None = None) -> set[str]:
    query = f"SELECT ?l WHERE {{ <{iri}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"
    response = requests.get(server.url + "/sparql", params={"query": query}, timeout=60,
                            headers={"Accept": "application/sparql-results+json"},
                            auth=(user, PASSWORDS[user]) if user else None)
    assert response.status_code == 200, response.text
    return {b["l"]["value"] for b in response.json()["results"]["bindings"]}


def _responsibility(**extra: Any) -> dict[str, Any]:
    data = {"label": {"nl": "Controleert de jaarrekening"}, "municipality": [HG],
            "raciKind": "magb:Accountable", "assignedTo": [COLLEGE]}
    data.update(extra)
    return data


# --------------------------------------------------------------------------- 1. check, don't save


def test_a_dry_run_on_the_core_leaves_store_history_and_listeners_untouched(server: Any) -> None:
    content = core.Content.for_store(server.store)
    heard: list[Any] = []
    content.add_listener(lambda: heard.append(1))
    before, revisions = snapshot(server.store), len(history.revisions(server.store))
    ok = content.create("responsibility", _responsibility(phase="magb:Vaststellen"), agent="eva", role="editor",
                        dry_run=True)
    assert ok.dry_run and ok.revision is None and ok.changed and ok.changed["added"] > 0
    assert ok.to_json()["valid"] is True
    with pytest.raises(core.ValidationFailedError) as refused:
        content.create("responsibility", _responsibility(), agent="eva", role="editor", dry_run=True)
    assert "R01" in {r["rule"] for r in refused.value.results}
    found = content.get(ADOPTED, role="reviewer")
    checked = content.patch(ADOPTED, {"label": {"nl": "Alleen gecontroleerd"}}, agent="rob", role="reviewer",
                            if_match=found.etag, dry_run=True)
    assert checked.dry_run and checked.revision is None
    assert snapshot(server.store) == before
    assert len(history.revisions(server.store)) == revisions
    assert heard == []
    assert content.get(ADOPTED).etag == found.etag


def test_dry_run_over_the_api_answers_the_report_and_stores_nothing(server: Any) -> None:
    before = snapshot(server.store)
    created = api(server, "POST", "/api/v1/responsibilities?dryRun=true", _responsibility(phase="magb:Opstellen"),
                  user="eva")
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["dryRun"] is True and body["valid"] is True and body["revision"] is None
    refused = api(server, "POST", "/api/v1/responsibilities?dryRun=true", _responsibility(), user="eva")
    assert refused.status_code == 422
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert any(p["name"] == "phase" for p in refused.json()["invalidParams"])
    current = api(server, "GET", ADOPTED_PATH)
    etag = current.headers["ETag"]
    patched = api(server, "PATCH", ADOPTED_PATH + "?dryRun=true", {"label": {"nl": "Gecontroleerd"}}, user="rob",
                  headers={"Content-Type": "application/merge-patch+json", "If-Match": etag})
    assert patched.status_code == 200 and patched.json()["dryRun"] is True
    document = current.json()
    document["label"] = {"nl": "Vervangen, niet opgeslagen"}
    replaced = api(server, "PUT", ADOPTED_PATH + "?dryRun=true", document, user="rob", headers={"If-Match": etag})
    assert replaced.status_code == 200 and replaced.json()["changed"]["added"] >= 1
    assert api(server, "PUT", ADOPTED_PATH + "?dryRun=misschien", document, user="rob",
               headers={"If-Match": etag}).status_code == 400
    assert snapshot(server.store) == before
    assert api(server, "GET", ADOPTED_PATH).headers["ETag"] == etag


def test_dry_run_is_in_the_openapi_document(server: Any) -> None:
    document = requests.get(server.url + "/api/v1/openapi.json", timeout=60).json()
    for path, method in (("/{collection}", "post"), ("/{collection}/{ref}", "put"), ("/{collection}/{ref}", "patch")):
        names = [p.get("name") for p in document["paths"][path][method]["parameters"]]
        assert "dryRun" in names, (path, method)
    assert "202" in document["paths"]["/{collection}/{ref}"]["patch"]["responses"]
    copies = document["paths"]["/{collection}/{ref}/working-copy"]
    assert {"get", "delete"} <= set(copies)
    assert "post" in document["paths"]["/{collection}/{ref}/working-copy/adopt"]


def test_the_check_button_validates_without_saving(server: Any) -> None:
    eva = Client(server.url)
    assert eva.login("eva").status_code == 303
    before = snapshot(server.store)
    form = eva.get("/werkbank/responsibility/nieuw")
    assert 'id="check"' in form.text and "Controleren, niet opslaan" in form.text
    data = {"f.label.nl": "Controleert de begroting", "f.municipality": HG, "f.raciKind": MAGB + "Accountable",
            "f.assignedTo": COLLEGE, "_actie": "controleren"}
    refused = eva.post("/werkbank/responsibility/nieuw", data)
    assert refused.status_code == 422
    assert R01_NL in refused.text and "Er is niets opgeslagen" in Html(refused.text).text
    passed = eva.post("/werkbank/responsibility/nieuw", {**data, "f.phase": MAGB + "Vaststellen"})
    assert passed.status_code == 200 and 'id="checked"' in passed.text
    assert 'value="Controleert de begroting"' in passed.text  # the form keeps what was typed
    assert snapshot(server.store) == before


# --------------------------------------------------------------------------- 2. working copies


def test_an_editor_changing_adopted_content_makes_a_working_copy_the_public_never_sees(server: Any) -> None:
    old = api(server, "GET", ADOPTED_PATH)
    old_label = old.json()["label"]["nl"]
    new_label = "Penvoerder van de uitvoering (werkkopie)"
    changed = api(server, "PATCH", ADOPTED_PATH, {"label": {"nl": new_label}}, user="eva",
                  headers={"Content-Type": "application/merge-patch+json", "If-Match": old.headers["ETag"]})
    assert changed.status_code == 202, changed.text
    assert changed.json()["workingCopy"]["agent"] == "eva"
    assert changed.json()["revision"] is None
    # the public (and the adopted version for everyone) is unchanged: API, SPARQL, pages
    assert api(server, "GET", ADOPTED_PATH).json()["label"]["nl"] == old_label
    assert api(server, "GET", ADOPTED_PATH).headers["ETag"] == old.headers["ETag"]
    assert new_label not in sparql_labels(server, ADOPTED)
    assert old_label in sparql_labels(server, ADOPTED)
    anyone = requests.get(server.url + "/sparql", timeout=60, headers={"Accept": "application/sparql-results+json"},
                          params={"query": 'SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o FILTER(CONTAINS(STR(?o), "werkkopie")) } }'})
    assert anyone.json()["results"]["bindings"] == []
    page = requests.get(server.url + "/doc/verantwoordelijkheid/hg-uitvoering-penvoerder-1", timeout=60)
    assert page.status_code == 200 and new_label not in page.text and old_label in page.text
    # the editor reads the working copy; a reader cannot
    copy = api(server, "GET", ADOPTED_PATH + "/working-copy", user="eva")
    assert copy.status_code == 200 and copy.json()["label"]["nl"] == new_label
    # like history, not there for readers and anonymous callers
    assert api(server, "GET", ADOPTED_PATH + "/working-copy", user="lea").status_code == 404
    assert api(server, "GET", ADOPTED_PATH + "/working-copy").status_code == 404
    assert api(server, "GET", ADOPTED_PATH + "/working-copy?lang=xx", user="eva").status_code == 400
    # an editor may not adopt it
    assert api(server, "POST", ADOPTED_PATH + "/working-copy/adopt", user="eva").status_code == 403
    # a change that breaks a rule is refused and the working copy stays as it was
    before = snapshot(server.store)
    broken = api(server, "PATCH", ADOPTED_PATH, {"phase": None}, user="eva",  # on the copy: If-Match its ETag
                 headers={"Content-Type": "application/merge-patch+json", "If-Match": copy.headers["ETag"]})
    assert broken.status_code == 422
    assert snapshot(server.store) == before
    # the reviewer adopts: now it is public, recorded as a revision of rob's adoption
    adopted = api(server, "POST", ADOPTED_PATH + "/working-copy/adopt", user="rob",
                  headers={"If-Match": copy.headers["ETag"]})
    assert adopted.status_code == 200, adopted.text
    assert api(server, "GET", ADOPTED_PATH).json()["label"]["nl"] == new_label
    assert new_label in sparql_labels(server, ADOPTED)
    assert new_label in requests.get(server.url + "/doc/verantwoordelijkheid/hg-uitvoering-penvoerder-1", timeout=60).text
    latest = history.revisions(server.store, ADOPTED)[0]
    assert latest.agent == "rob" and latest.transition == "vaststellen"
    assert working_copy.read(server.store, ADOPTED) is None
    assert api(server, "GET", ADOPTED_PATH + "/working-copy", user="eva").status_code == 404


def test_adopting_a_working_copy_of_a_changed_version_is_refused(server: Any) -> None:
    content = core.Content.for_store(server.store)
    found = content.get(ADOPTED, role="editor")
    content.patch(ADOPTED, {"description": {"nl": "Werkkopie op een oude versie"}}, agent="eva", role="editor",
                  if_match=found.etag)
    assert working_copy.read(server.store, ADOPTED) is not None
    content.patch(ADOPTED, {"label": {"en": "Changed by the reviewer meanwhile"}}, agent="rob", role="reviewer",
                  if_match=found.etag)
    before = snapshot(server.store)
    refused = api(server, "POST", ADOPTED_PATH + "/working-copy/adopt", user="rob")
    assert refused.status_code == 409
    assert snapshot(server.store) == before
    assert api(server, "DELETE", ADOPTED_PATH + "/working-copy", user="eva").status_code == 204
    assert working_copy.read(server.store, ADOPTED) is None


def test_the_workbench_saves_a_working_copy_and_the_reviewer_adopts_it(server: Any) -> None:
    eva = Client(server.url)
    eva.login("eva")
    form = eva.get(ADOPTED_FORM)
    assert 'id="working-copy-intro"' in form.text
    etag = re.search(r'name="_etag" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    page = Html(form.text)
    fields = {c["name"]: c.get("value", "") for c in page.controls
              if c.get("name", "").startswith("f.") and c.get("type") not in ("checkbox", "radio")}
    fields.update({c["name"]: c["value"] for c in page.controls if c.get("type") in ("checkbox", "radio")
                   and "checked" in c and c.get("name", "").startswith("f.")})
    fields.update({"f.label.nl": "Penvoerder via de werkbank", "_etag": etag, "_actie": "opslaan"})
    saved = eva.post(ADOPTED_FORM, fields)
    assert saved.status_code == 303, saved.text
    again = eva.get(ADOPTED_FORM)
    assert "Opgeslagen als werkkopie" in Html(again.text).text and 'id="working-copy"' in again.text
    assert 'value="Penvoerder via de werkbank"' in again.text  # the editor goes on from the working copy
    assert 'id="adopt-copy"' not in again.text  # not for an editor
    assert "Penvoerder via de werkbank" not in requests.get(server.url + "/doc/verantwoordelijkheid/hg-uitvoering-penvoerder-1", timeout=60).text
    # the editor's list and the reviewer's list
    mine = eva.get("/werkbank/mijn-concepten")
    assert mine.status_code == 200 and f'data-iri="{ADOPTED}"' in mine.text
    assert 'data-step="adopt-copy"' not in mine.text
    rob = Client(server.url)
    rob.login("rob")
    review = rob.get("/werkbank/te-beoordelen")
    assert review.status_code == 200
    row = re.search(rf'<tr data-iri="{re.escape(ADOPTED)}">.*?</tr>', review.text, re.DOTALL)
    assert row and 'data-step="adopt-copy"' in row.group(0)
    action = re.search(r'<form method="post" action="([^"]+)"[^>]*>\s*<input[^>]+>\s*<input type="hidden" name="_etag" value="([^"]+)">\s*<input type="hidden" name="_terug" value="review_lists.to_review">\s*<button type="submit" data-step="adopt-copy"', row.group(0))
    assert action, row.group(0)
    adopted = rob.post(action.group(1), {"_etag": action.group(2), "_terug": "review_lists.to_review"})
    assert adopted.status_code == 303 and adopted.headers["Location"].endswith("/werkbank/te-beoordelen")
    assert "Penvoerder via de werkbank" in requests.get(server.url + "/doc/verantwoordelijkheid/hg-uitvoering-penvoerder-1", timeout=60).text


# --------------------------------------------------------------------------- 3. the lists


def test_the_lists_show_drafts_with_the_reviewers_buttons_only_for_reviewers(server: Any) -> None:
    created = api(server, "POST", "/api/v1/responsibilities", _responsibility(phase="magb:Uitvoering",
                  label={"nl": "Voert de lijsttest uit"}), user="eva")
    assert created.status_code == 201, created.text
    iri = created.json()["id"]
    eva = Client(server.url)
    eva.login("eva")
    mine = eva.get("/werkbank/mijn-concepten")
    assert f'data-iri="{iri}"' in mine.text and "Mijn concepten" in mine.text
    assert 'data-step="vaststellen"' not in mine.text
    english = eva.get("/workbench/my-drafts?lang=en")
    assert "My drafts" in english.text and '<html lang="en">' in english.text
    assert Html(mine.text).unlabelled() == []
    lea = Client(server.url)
    lea.login("lea")
    assert lea.get("/werkbank/te-beoordelen").status_code == 403
    assert Client(server.url).get("/werkbank/te-beoordelen", allow_redirects=False).status_code == 303
    rob = Client(server.url)
    rob.login("rob")
    review = rob.get("/werkbank/te-beoordelen")
    row = re.search(rf'<tr data-iri="{re.escape(iri)}">.*?</tr>', review.text, re.DOTALL)
    assert row and 'data-step="vaststellen"' in row.group(0) and 'data-step="archiveren"' in row.group(0)
    assert iri not in rob.get("/werkbank/mijn-concepten").text  # rob did not work on it
    form = re.search(r'<form method="post" action="([^"]+)"[^>]*>\s*<input[^>]+>\s*<input type="hidden" name="_etag" value="([^"]+)">', row.group(0))
    assert form
    done = rob.post(form.group(1), {"_etag": form.group(2), "_terug": "review_lists.to_review"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/werkbank/te-beoordelen")
    assert core.Content.for_store(server.store).resource(iri).state == "vastgesteld"
    assert f'data-iri="{iri}"' not in rob.get("/werkbank/te-beoordelen").text


def test_deleting_adopted_content_removes_its_working_copy(server: Any) -> None:
    content = core.Content.for_store(server.store)
    made = content.create("theme", {"label": {"nl": "Thema dat verdwijnt"}, "municipality": [HG]},
                          agent="eva", role="editor")
    adopted = content.transition(made.iri, "vaststellen", agent="rob", role="reviewer")
    content.patch(made.iri, {"label": {"en": "A theme that goes"}}, agent="eva", role="editor", if_match=adopted.etag)
    assert working_copy.read(server.store, made.iri) is not None
    content.delete(made.iri, agent="rob", role="reviewer", if_match=adopted.etag)
    assert working_copy.read(server.store, made.iri) is None
    assert made.iri not in {c.of for c in working_copy.all_copies(server.store)}
