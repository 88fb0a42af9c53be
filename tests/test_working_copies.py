"""Working copies shared by editors, never replaced unseen; the notice of a pending copy on
the pages (for editors and reviewers only); and dry runs that no page ever sees.

1. Two editors, one adopted item: the copy has its own ETag; a save made on the adopted
   version while a copy is pending is a 409 naming the copy, a save with a stale copy
   ETag a 412 (API) or the 409 "what changed" page (workbench); nothing is stored.
2. The notice "Er is een werkkopie in behandeling" on /doc and the badge in the role
   matrix for logged-in editors and reviewers; anonymous /doc, /id, /sparql and search
   show nothing of the copy.
3. Pages hold the CMS read lock: hammering pages during many dry runs of a change with a
   unique label never shows the label.

Real store on disk, real HTTP (waitress on 127.0.0.1), real SPARQL requests."""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mag_graph.access.auth import AuthRegistry
from mag_graph.cms import working_copy
from mag_graph.cms.concurrency import _ReadWriteLock

_spec = importlib.util.spec_from_file_location("workbench_server", Path(__file__).with_name("workbench_server.py"))
assert _spec is not None and _spec.loader is not None
helpers = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("workbench_server", helpers)
_spec.loader.exec_module(helpers)
Client, Html, PASSWORDS = helpers.Client, helpers.Html, dict(helpers.PASSWORDS)
PASSWORDS["ada"] = "ada-wachtwoord-1"  # a second editor

ITEM = "https://data.mag-graph.nl/id/verantwoordelijkheid/hg-uitvoering-penvoerder-1"
ITEM_PATH = "/api/v1/responsibilities/hg-uitvoering-penvoerder-1"
ITEM_FORM = "/werkbank/responsibility/hg-uitvoering-penvoerder-1/bewerken"
ITEM_PAGE = "/doc/verantwoordelijkheid/hg-uitvoering-penvoerder-1"
MERGE = "application/merge-patch+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, require: Any) -> Iterator[Any]:
    require("waitress")
    for live in helpers.serve(tmp_path_factory.mktemp("copies")):
        with AuthRegistry.for_store(live.store.location) as auth:
            auth.add_user("ada", PASSWORDS["ada"], "editor")
        helpers.warm_up(live.store)
        yield live


@pytest.fixture
def clean(server: Any) -> Iterator[None]:
    """Each test starts and ends without a working copy of the item."""
    _discard(server)
    yield
    _discard(server)


def _discard(server: Any) -> None:
    if working_copy.read(server.store, ITEM) is not None:
        assert api(server, "DELETE", ITEM_PATH + "/working-copy", user="rob").status_code == 204


snapshot = helpers.snapshot
api = functools.partial(helpers.api, passwords=PASSWORDS)  # with the second editor


def patch(server: Any, body: dict[str, Any], user: str, etag: str | None, *, dry_run: bool = False) -> requests.Response:
    headers = {"Content-Type": MERGE, **({"If-Match": etag} if etag is not None else {})}
    return api(server, "PATCH", ITEM_PATH + ("?dryRun=true" if dry_run else ""), body, user=user, headers=headers)


def form_fields(html: str) -> dict[str, str]:
    """What a browser sends for the edit form as shown (fields and the hidden ETag)."""
    page = Html(html)
    fields = dict(page.successful("f."))
    found = re.search(r'class="cms-form"[^>]*>\s*<input[^>]*>\s*<input type="hidden" name="_etag" value="([^"]+)"', html)
    assert found, "the edit form has no ETag"
    fields["_etag"] = found.group(1)
    return fields


# --------------------------------------------------------------------------- 1. two editors, one copy


def test_a_second_editor_goes_on_from_the_copy_and_never_replaces_it_unseen(server: Any, clean: None) -> None:
    adopted = api(server, "GET", ITEM_PATH)
    adopted_etag = adopted.headers["ETag"]
    first = patch(server, {"label": {"nl": "Penvoerder (eva)"}}, "eva", adopted_etag)
    assert first.status_code == 202, first.text
    copy_etag = first.json()["workingCopy"]["etag"]
    assert copy_etag != adopted_etag.strip('"')
    # ada made her change on the adopted version: refused, naming eva's copy; nothing stored
    before = snapshot(server.store)
    unseen = patch(server, {"description": {"nl": "Beschrijving van ada"}}, "ada", adopted_etag)
    assert unseen.status_code == 409, unseen.text
    assert unseen.headers["Content-Type"].startswith("application/problem+json")
    problem = unseen.json()
    assert problem["type"].endswith("/working-copy-pending")
    assert problem["workingCopy"]["creator"] == "eva" and problem["workingCopy"]["etag"] == copy_etag
    assert problem["workingCopy"]["href"] == ITEM_PATH + "/working-copy"
    assert "eva" in problem["detail"]
    assert snapshot(server.store) == before
    # ... so she fetches the copy and goes on from it: both changes are in it
    fetched = api(server, "GET", problem["workingCopy"]["href"], user="ada")
    assert fetched.status_code == 200 and fetched.headers["ETag"] == f'"{copy_etag}"'
    second = patch(server, {"description": {"nl": "Beschrijving van ada"}}, "ada", fetched.headers["ETag"])
    assert second.status_code == 202, second.text
    now = working_copy.read(server.store, ITEM)
    assert now is not None and now.creator == "eva" and now.agent == "ada" and now.etag != copy_etag
    document = api(server, "GET", ITEM_PATH + "/working-copy", user="eva").json()
    assert document["label"]["nl"] == "Penvoerder (eva)" and document["description"]["nl"] == "Beschrijving van ada"
    # eva's next save on the copy she saw last (stale now) is a 412 naming the copy; nothing stored
    before = snapshot(server.store)
    stale = patch(server, {"label": {"nl": "Penvoerder (eva, tweede keer)"}}, "eva", f'"{copy_etag}"')
    assert stale.status_code == 412, stale.text
    assert stale.json()["workingCopy"]["agent"] == "ada" and stale.json()["currentEtag"] == f'"{now.etag}"'
    full = fetched.json()
    full["label"] = {"nl": "Vervangen op een oude werkkopie"}
    assert api(server, "PUT", ITEM_PATH, full, user="eva", headers={"If-Match": f'"{copy_etag}"'}).status_code == 412
    assert patch(server, {"label": {"nl": "Zonder ETag"}}, "eva", None).status_code == 428
    assert patch(server, {"label": {"nl": "Alleen gecontroleerd"}}, "eva", adopted_etag, dry_run=True).status_code == 409
    # discarding or adopting a copy someone saved since it was read is refused too
    assert api(server, "DELETE", ITEM_PATH + "/working-copy", user="eva",
               headers={"If-Match": f'"{copy_etag}"'}).status_code == 412
    assert api(server, "POST", ITEM_PATH + "/working-copy/adopt", user="rob",
               headers={"If-Match": f'"{copy_etag}"'}).status_code == 412
    assert snapshot(server.store) == before
    # the public still sees the adopted version; the reviewer adopts the copy as it is now
    assert api(server, "GET", ITEM_PATH).headers["ETag"] == adopted_etag
    done = api(server, "POST", ITEM_PATH + "/working-copy/adopt", user="rob", headers={"If-Match": f'"{now.etag}"'})
    assert done.status_code == 200, done.text
    public = api(server, "GET", ITEM_PATH).json()
    assert public["label"]["nl"] == "Penvoerder (eva)" and public["description"]["nl"] == "Beschrijving van ada"
    assert working_copy.read(server.store, ITEM) is None


def test_the_openapi_document_names_the_conflict_with_a_working_copy(server: Any) -> None:
    document = requests.get(server.url + "/api/v1/openapi.json", timeout=60).json()
    responses = document["paths"]["/{collection}/{ref}"]["patch"]["responses"]
    assert {"409", "412", "428"} <= set(responses)
    discard = document["paths"]["/{collection}/{ref}/working-copy"]["delete"]
    assert "If-Match" in [p.get("name") for p in discard["parameters"]] and "412" in discard["responses"]


def test_in_the_workbench_a_stale_save_of_the_copy_shows_what_changed(server: Any, clean: None) -> None:
    eva, ada = Client(server.url), Client(server.url)
    eva.login("eva")
    ada.login("ada", PASSWORDS["ada"])
    # ada opens the form while there is no copy yet; eva saves one meanwhile
    ada_form = ada.get(ITEM_FORM)
    assert 'id="working-copy-intro"' in ada_form.text
    ada_fields = form_fields(ada_form.text)
    eva_fields = form_fields(eva.get(ITEM_FORM).text)
    saved = eva.post(ITEM_FORM, {**eva_fields, "f.label.nl": "Penvoerder via eva", "_actie": "opslaan"})
    assert saved.status_code == 303, saved.text
    before = snapshot(server.store)
    unseen = ada.post(ITEM_FORM, {**ada_fields, "f.label.nl": "Penvoerder via ada", "_actie": "opslaan"})
    assert unseen.status_code == 409, unseen.text
    page = Html(unseen.text)
    assert "stale" in page.ids and "reload" in page.ids
    assert "Iemand anders heeft de werkkopie intussen opgeslagen" in page.text
    assert "Penvoerder via eva" in page.text and "Penvoerder via ada" in page.text  # stored now beside the input
    assert snapshot(server.store) == before
    # reloading: ada edits eva's copy, and the form says whose copy it is and since when
    again = ada.get(ITEM_FORM)
    text = Html(again.text).text
    assert "Er is een werkkopie in behandeling (door eva, sinds" in text
    assert 'id="working-copy-editing"' in again.text and 'value="Penvoerder via eva"' in again.text
    copy = working_copy.read(server.store, ITEM)
    assert copy is not None and form_fields(again.text)["_etag"] == copy.etag
    ada_fields = form_fields(again.text)
    # eva saves once more; ada's save, on the copy as she loaded it, is refused with what changed
    eva_fields = form_fields(eva.get(ITEM_FORM).text)
    assert eva.post(ITEM_FORM, {**eva_fields, "f.label.nl": "Penvoerder, tweede versie van eva",
                                "_actie": "opslaan"}).status_code == 303
    before = snapshot(server.store)
    stale = ada.post(ITEM_FORM, {**ada_fields, "f.label.nl": "Penvoerder, versie van ada", "_actie": "opslaan"})
    assert stale.status_code == 409
    assert "Penvoerder, tweede versie van eva" in Html(stale.text).text and 'id="reload"' in stale.text
    # "check, don't save" on a stale copy is refused the same way
    checked = ada.post(ITEM_FORM, {**ada_fields, "f.label.nl": "Penvoerder, versie van ada", "_actie": "controleren"})
    assert checked.status_code == 409
    assert snapshot(server.store) == before
    # after reloading, ada's save adds to the copy (eva still its maker, ada its last saver)
    fields = form_fields(ada.get(ITEM_FORM).text)
    assert ada.post(ITEM_FORM, {**fields, "f.label.nl": "Penvoerder, versie van ada", "_actie": "opslaan"}).status_code == 303
    copy = working_copy.read(server.store, ITEM)
    assert copy is not None and copy.creator == "eva" and copy.agent == "ada"
    assert "Laatst opgeslagen door ada" in Html(ada.get(ITEM_FORM).text).text
    # both editors' lists show it: eva made it, ada saved it last
    assert f'data-iri="{ITEM}"' in eva.get("/werkbank/mijn-concepten").text
    assert f'data-iri="{ITEM}"' in ada.get("/werkbank/mijn-concepten").text


def test_the_form_warns_when_the_adopted_version_changed_after_the_copy_was_made(server: Any, clean: None) -> None:
    adopted = api(server, "GET", ITEM_PATH)
    assert patch(server, {"description": {"nl": "Werkkopie op de oude versie"}}, "eva", adopted.headers["ETag"]).status_code == 202
    eva = Client(server.url)
    eva.login("eva")
    assert "working-copy-outdated" not in Html(eva.get(ITEM_FORM).text).ids
    # the reviewer changes the adopted version in place meanwhile
    assert patch(server, {"label": {"en": "Changed in place by the reviewer"}}, "rob",
                 adopted.headers["ETag"]).status_code == 200
    form = eva.get(ITEM_FORM)
    assert "working-copy-outdated" in Html(form.text).ids
    assert "de vastgestelde versie is gewijzigd nadat deze werkkopie werd gemaakt" in Html(form.text).text
    copy = working_copy.read(server.store, ITEM)
    assert copy is not None
    assert api(server, "POST", ITEM_PATH + "/working-copy/adopt", user="rob",
               headers={"If-Match": f'"{copy.etag}"'}).status_code == 409


# --------------------------------------------------------------------------- 2. the notice on the pages


def test_editors_see_a_notice_of_the_pending_copy_and_anonymous_visitors_nothing(server: Any, clean: None) -> None:
    secret = f"Werkkopielabel {uuid.uuid4().hex[:12]}"
    adopted = api(server, "GET", ITEM_PATH)
    assert patch(server, {"label": {"nl": secret}}, "eva", adopted.headers["ETag"]).status_code == 202
    for name in ("eva", "rob"):
        user = Client(server.url)
        user.login(name)
        page = user.get(ITEM_PAGE)
        assert page.status_code == 200
        html = Html(page.text)
        assert "working-copy-notice" in html.ids, name
        assert re.search(r"Er is een werkkopie in behandeling \(door eva, sinds \d+ \w+ \d{4}", html.text)
        assert ITEM_FORM in page.text and "/werkbank/te-beoordelen" in page.text
        assert secret not in page.text  # the page shows the adopted version, the copy is a link away
        english = user.get(ITEM_PAGE + "?lang=en")
        assert "A working copy is pending (by eva, since" in Html(english.text).text
        matrix = user.get("/rolmatrix?gemeente=gm0523")
        assert f'data-working-copy="{ITEM}"' in matrix.text, name
    # anonymous: the page, the matrix, /id in RDF, /sparql, the search (page and API) show nothing of it
    anonymous = Client(server.url)
    page = anonymous.get(ITEM_PAGE)
    assert page.status_code == 200
    assert "working-copy-notice" not in Html(page.text).ids and "werkkopie" not in page.text.lower()
    assert "data-working-copy" not in anonymous.get("/rolmatrix?gemeente=gm0523").text
    reader = Client(server.url)
    reader.login("lea")
    assert "working-copy-notice" not in Html(reader.get(ITEM_PAGE).text).ids
    turtle = requests.get(server.url + "/id/verantwoordelijkheid/hg-uitvoering-penvoerder-1", timeout=60,
                          headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and secret not in turtle.text
    query = f'SELECT * WHERE {{ GRAPH ?g {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), "{secret[-12:]}")) }} }}'
    found = requests.get(server.url + "/sparql", params={"query": query}, timeout=60,
                         headers={"Accept": "application/sparql-results+json"})
    assert found.status_code == 200 and found.json()["results"]["bindings"] == []
    # the search for the copy's first word finds nothing of it (the answer echoes the query, not the label)
    token = secret.split()[-1]
    by_name = requests.get(server.url + "/zoeken", params={"q": "Werkkopielabel"}, timeout=60)
    assert by_name.status_code == 200 and token not in by_name.text and ITEM_PAGE not in by_name.text
    api_search = api(server, "GET", "/api/v1/search?q=Werkkopielabel")
    assert api_search.status_code == 200 and token not in api_search.text and ITEM not in api_search.text
    # while the editor's search does not find it either: the copy is not the adopted content
    assert token not in api(server, "GET", "/api/v1/search?q=Werkkopielabel", user="eva").text


# --------------------------------------------------------------------------- 3. dry runs no page sees


def test_pages_never_see_a_dry_run_while_it_is_validated(server: Any, clean: None) -> None:
    """Many dry runs of a change with a unique label (a reviewer's change in place, an
    editor's working copy), and page reads hammering the item's page, the role matrix
    and the home page all the while: not one shows the label."""
    label = f"Nooit opgeslagen {uuid.uuid4().hex[:12]}"
    etag = api(server, "GET", ITEM_PATH).headers["ETag"]
    before = snapshot(server.store)
    stop = threading.Event()
    seen: list[str] = []
    reads = [0]
    errors: list[str] = []

    def hammer(client: Any, paths: list[str]) -> None:
        while not stop.is_set():
            for path in paths:
                response = client.get(path)
                if response.status_code != 200:
                    errors.append(f"{path}: {response.status_code}")
                reads[0] += 1
                if label in response.text:
                    seen.append(path)

    anonymous, editor = Client(server.url), Client(server.url)
    editor.login("eva")
    readers = [threading.Thread(target=hammer, args=(client, [ITEM_PAGE, "/rolmatrix?gemeente=gm0523"]), daemon=True)
               for client in (anonymous, editor)]
    for reader in readers:
        reader.start()
    try:
        for i in range(12):
            user = "rob" if i % 2 else "eva"  # in place (reviewer) or as a working copy (editor)
            answer = patch(server, {"label": {"nl": label}}, user, etag, dry_run=True)
            assert answer.status_code == 200 and answer.json()["dryRun"] is True, answer.text
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=120)
    assert reads[0] >= 12 and not errors
    assert seen == []
    assert snapshot(server.store) == before


def test_the_lock_lets_a_reader_read_again_while_a_writer_waits_and_refuses_an_upgrade() -> None:
    lock = _ReadWriteLock()
    lock.acquire_read()
    wrote = threading.Event()

    def writer() -> None:
        lock.acquire_write()
        wrote.set()
        lock.release_write()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    while not lock._waiting_writers:  # the writer waits for our read
        threading.Event().wait(0.01)
    lock.acquire_read()  # a page that reads again (the CMS inside a locked page) does not wait for the writer
    lock.release_read()
    assert not wrote.is_set()
    with pytest.raises(RuntimeError):
        lock.acquire_write()  # would wait for itself
    lock.release_read()
    thread.join(timeout=10)
    assert wrote.is_set()
