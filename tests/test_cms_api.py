"""The CMS routes of /api/v1 (api/cms.py) on a real server on 127.0.0.1: collections and
items as JSON-LD with ETags, validation answered as problem+json, history, workflow,
imports, search, roles, and what anonymous readers can (not) see."""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from mag_graph.api import cms as cms_api
from mag_graph.api import create_app
from rdflib import Graph
from werkzeug.serving import make_server

from mag_graph import validation
from mag_graph.cms import content as core
from mag_graph.store import MEMORY, Store
from mag_graph.validation import warm_up

DATE = dt.date(2026, 11, 1)
ID = "https://data.mag-graph.nl/id/"
HG = "https://identifier.overheid.nl/tooi/id/gemeente/gm0523"
PASSWORD = "correct horse battery"
USERS = {"rita": "reader", "eddie": "editor", "rob": "reviewer", "ada": "admin"}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Server:
    host: str
    port: int
    store: Store
    token: str = ""
    secrets: dict[str, str] = field(default_factory=dict)  # user -> a token of that name and role

    def call(self, method: str, path: str, body: Any = None, *, user: str | None = None,
             headers: dict[str, str] | None = None, password: bool = False) -> Answer:
        """A request as ``user`` (HTTP Basic): with the user's password when ``password``,
        otherwise with a token of the user's name and role as the Basic password (the same
        principal; checking a token is a hash lookup, checking a password a deliberately
        slow scrypt, which made this module's hundreds of requests take minutes)."""
        sent = dict(headers or {})
        data: bytes | None = None
        if body is not None:
            if isinstance(body, (bytes, str)):
                data = body.encode("utf-8") if isinstance(body, str) else body
            else:
                data = json.dumps(body).encode("utf-8")
                sent.setdefault("Content-Type", "application/ld+json")
        if user is not None:
            secret = PASSWORD if password else self.secrets[user]
            token = base64.b64encode(f"{user}:{secret}".encode()).decode()
            sent["Authorization"] = f"Basic {token}"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    store = Store(validation.example_store(), MEMORY, in_memory=True)
    core.Content.for_store(store, date=DATE)  # the app shares this instance (fixed reference date)
    # What the first validated write of a process computes (tens of seconds on a busy
    # machine), done here, so the requests' timeouts measure the requests.
    warm_up.warm_up(DATE)
    app = create_app(store, config={"MAG_GRAPH_CACHE_ENTRIES": 0})
    if "cms" not in app.blueprints:
        app.register_blueprint(cms_api.bp)
    registry = app.extensions["mag_graph"].auth
    secrets = {}
    for name, role in USERS.items():
        registry.add_user(name, PASSWORD, role=role)
        secrets[name] = registry.create_token(name, role)[1]
    http_server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http_server.serve_forever, daemon=True)
    thread.start()
    try:
        _, token = registry.create_token("ci-robot", "editor")
        yield Server("127.0.0.1", http_server.server_port, store, token, secrets)
    finally:
        http_server.shutdown()


def _theme(label: str) -> dict[str, Any]:
    return {"label": {"nl": label}, "description": {"nl": f"beschrijving van {label}"}, "municipality": [HG]}


def _step(server: Server, item: str, transition: str, user: str) -> Answer:
    """A workflow step with the current ETag in If-Match (required over HTTP)."""
    etag = server.call("GET", item, user=user).headers["etag"]
    return server.call("POST", f"{item}/workflow/{transition}", user=user, headers={"If-Match": etag})


def _path(href: str) -> str:
    return urllib.parse.urlsplit(href).path


# --------------------------------------------------------------------------- vocabulary


def test_context_types_and_schemas(server: Server) -> None:
    context = server.call("GET", "/api/v1/context")
    assert context.status == 200 and context.headers["content-type"].startswith("application/ld+json")
    assert context.json()["@context"]["phase"]["@type"] == "@id"
    assert context.headers["api-version"]
    types = server.call("GET", "/api/v1/types", headers={"Accept-Language": "en"}).json()["types"]
    responsibility = next(t for t in types if t["name"] == "responsibility")
    assert responsibility["title"] == "responsibility"
    assert _path(responsibility["collectionHref"]) == "/api/v1/responsibilities"
    schema = server.call("GET", _path(responsibility["href"]), headers={"Accept-Language": "nl"})
    assert schema.status == 200 and schema.headers["content-type"].startswith("application/schema+json")
    assert schema.json()["properties"]["phase"]["title"] == "fase"
    assert server.call("GET", "/api/v1/types/unicorn").status == 404


# --------------------------------------------------------------------------- the item life cycle


def test_create_read_replace_patch_delete(server: Server) -> None:
    created = server.call("POST", "/api/v1/themes", _theme("Levenscyclus"), user="eddie")
    assert created.status == 201, created.body
    body = created.json()
    location = created.headers["location"]
    assert body["id"] == ID + "thema/hg-levenscyclus" and body["state"] == "concept"
    assert _path(location) == "/api/v1/themes/hg-levenscyclus"
    etag = created.headers["etag"]
    assert etag == f'"{body["etag"]}"'
    # a draft: invisible to anonymous callers, visible to editors
    assert server.call("GET", _path(location)).status == 404
    got = server.call("GET", _path(location), user="eddie")
    assert got.status == 200 and got.headers["etag"] == etag
    assert got.headers["content-type"].startswith("application/ld+json")
    document = got.json()
    assert document["label"] == {"nl": "Levenscyclus"} and document["@context"].endswith("/api/v1/context")
    assert server.call("GET", _path(location), user="eddie", headers={"If-None-Match": etag}).status == 304
    turtle = server.call("GET", _path(location), user="eddie", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert len(Graph().parse(data=turtle.body, format="turtle")) == 4
    # what you GET you can PUT back unchanged
    same = server.call("PUT", _path(location), document, user="eddie", headers={"If-Match": etag})
    assert same.status == 200 and same.json()["revision"] is None and same.headers["etag"] == etag
    # preconditions
    missing = server.call("PUT", _path(location), document, user="eddie")
    assert missing.status == 428 and missing.headers["content-type"] == "application/problem+json"
    document["label"]["en"] = "Life cycle"
    changed = server.call("PUT", _path(location), document, user="eddie", headers={"If-Match": etag})
    assert changed.status == 200 and changed.headers["etag"] != etag
    stale = server.call("PUT", _path(location), document, user="eddie", headers={"If-Match": etag})
    assert stale.status == 412 and stale.json()["currentEtag"] == changed.headers["etag"]
    patched = server.call("PATCH", _path(location), {"description": None}, user="eddie",
                          headers={"If-Match": changed.headers["etag"], "Content-Type": "application/merge-patch+json"})
    assert patched.status == 200
    assert "description" not in server.call("GET", _path(location), user="eddie").json()
    gone = server.call("DELETE", _path(location), user="eddie", headers={"If-Match": patched.headers["etag"]})
    assert gone.status == 204 and gone.headers["x-revision"]
    assert server.call("GET", _path(location), user="eddie").status == 404


def test_turtle_bodies(server: Server) -> None:
    body = f"""@prefix mag: <https://data.mag-graph.nl/def/mag#> .
<{ID}thema/turtle-thema> a mag:Theme ; <http://www.w3.org/2000/01/rdf-schema#label> "Turtle"@nl ."""
    created = server.call("POST", "/api/v1/themes", body, user="eddie", headers={"Content-Type": "text/turtle"})
    assert created.status == 201 and created.json()["id"] == ID + "thema/turtle-thema"
    unsupported = server.call("POST", "/api/v1/themes", "x", user="eddie", headers={"Content-Type": "text/csv"})
    assert unsupported.status == 415


def test_validation_errors_are_422_problems_in_the_asked_language(server: Server) -> None:
    before = (server.store.export(format="nquads") or b"")
    doc = {"label": {"nl": "Zonder fase"}, "raciKind": "magb:Responsible", "taskKind": ["magb:TaakUitvoeren"],
           "assignedTo": [ID + "orgaan/hg-college"]}
    for lang, start in (("en", "A responsibility belongs"), ("nl", "Een verantwoordelijkheid hoort")):
        answer = server.call("POST", "/api/v1/responsibilities", doc, user="eddie", headers={"Accept-Language": lang})
        assert answer.status == 422 and answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["status"] == 422 and problem["type"].endswith("/validation-failed")
        [param] = problem["invalidParams"]
        assert param["name"] == "phase" and param["rule"] == "R01" and param["reason"].startswith(start)
        assert problem["results"][0]["message"]["nl"] and problem["results"][0]["message"]["en"]
    assert (server.store.export(format="nquads") or b"") == before


def test_delete_with_referrers_is_a_409_listing_them(server: Server) -> None:
    item = server.call("GET", "/api/v1/budgets/hg-mag-totaal")
    answer = server.call("DELETE", "/api/v1/budgets/hg-mag-totaal", user="rob", headers={"If-Match": item.headers["etag"]})
    assert answer.status == 409
    referrers = answer.json()["referrers"]
    assert any(r["id"] == ID + "besluit/hg-vaststelling-totaalbudget" for r in referrers)
    assert all(_path(r["href"]).startswith("/api/v1/") for r in referrers)
    forced = server.call("DELETE", "/api/v1/budgets/hg-mag-totaal?force=true", user="rob",
                         headers={"If-Match": item.headers["etag"]})
    assert forced.status == 403  # force is for admins


# --------------------------------------------------------------------------- roles


def test_who_may_write(server: Server) -> None:
    anonymous = server.call("POST", "/api/v1/themes", _theme("Anoniem"))
    assert anonymous.status == 401 and "www-authenticate" in anonymous.headers
    reader = server.call("POST", "/api/v1/themes", _theme("Lezer"), user="rita")
    assert reader.status == 403
    assert server.call("POST", "/api/v1/themes", _theme("Lezer"), user="rita", password=True).status == 403
    wrong = server.call("POST", "/api/v1/themes", _theme("Fout"), headers={"Authorization": "Basic " + base64.b64encode(b"eddie:nope").decode()})
    assert wrong.status == 401
    item = server.call("GET", "/api/v1/responsibilities/hg-uitvoering-penvoerder-1")
    adopted = server.call("PATCH", "/api/v1/responsibilities/hg-uitvoering-penvoerder-1", {"label": {"en": "x"}},
                          user="eddie", password=True,
                          headers={"If-Match": item.headers["etag"], "Content-Type": "application/merge-patch+json"})
    # editors do not change adopted content in place: their change is kept as a working
    # copy for a reviewer (202), and the adopted version stays what everyone reads
    assert adopted.status == 202 and adopted.json()["workingCopy"]["agent"] == "eddie"
    assert server.call("GET", "/api/v1/responsibilities/hg-uitvoering-penvoerder-1").headers["etag"] == item.headers["etag"]
    assert server.call("DELETE", "/api/v1/responsibilities/hg-uitvoering-penvoerder-1/working-copy", user="eddie").status == 204


# --------------------------------------------------------------------------- workflow and visibility


def test_workflow_and_what_the_public_sees(server: Server) -> None:
    created = server.call("POST", "/api/v1/themes", _theme("Zichtbaarheidsproef"), user="eddie").json()
    item = _path(created["href"])
    assert server.call("GET", item).status == 404
    assert created["id"] not in {i["id"] for i in server.call("GET", "/api/v1/themes?pageSize=200").json()["items"]}
    assert server.call("GET", "/api/v1/search?q=zichtbaarheidsproef").json()["total"] == 0
    assert server.call("GET", "/api/v1/search?q=zichtbaarheidsproef", user="eddie").json()["total"] == 1
    assert server.call("POST", item + "/workflow/vaststellen", user="eddie").status == 403
    assert server.call("POST", item + "/workflow/publish", user="rob").status == 404
    assert server.call("POST", item + "/workflow/adopt", user="rob").status == 428  # If-Match is required
    adopted = _step(server, item, "adopt", "rob")
    assert adopted.status == 200 and adopted.json()["state"] == "vastgesteld"
    public = server.call("GET", item)
    assert public.status == 200 and public.headers["x-workflow-state"] == "vastgesteld"
    assert created["id"] in {i["id"] for i in server.call("GET", "/api/v1/themes?pageSize=200").json()["items"]}
    found = server.call("GET", "/api/v1/search?q=zichtbaarheidsproef&type=theme&municipality=gm0523").json()
    assert [i["id"] for i in found["items"]] == [created["id"]]
    assert _step(server, item, "archiveren", "rob").status == 200
    assert server.call("GET", item).status == 404
    assert server.call("POST", item + "/workflow/archiveren", user="rob").status == 409


# --------------------------------------------------------------------------- collections


def test_listing_with_paging_filters_and_links(server: Server) -> None:
    first = server.call("GET", "/api/v1/responsibilities?pageSize=10&phase=magb:Uitvoering&sort=label")
    assert first.status == 200
    page = first.json()
    assert page["page"] == 1 and page["pageSize"] == 10 and len(page["items"]) == 10 and page["total"] > 10
    assert _path(page["items"][0]["href"]).startswith("/api/v1/responsibilities/")
    following = server.call("GET", urllib.parse.urlsplit(page["_links"]["next"]["href"]).path + "?" +
                            urllib.parse.urlsplit(page["_links"]["next"]["href"]).query).json()
    assert following["page"] == 2 and not {i["id"] for i in following["items"]} & {i["id"] for i in page["items"]}
    assert server.call("GET", "/api/v1/responsibilities?nonsense=1").status == 400
    assert server.call("GET", "/api/v1/responsibilities?pageSize=0").status == 400
    assert server.call("GET", "/api/v1/unicorns").status == 404


def test_items_outside_the_id_pattern_have_an_opaque_ref(server: Server) -> None:
    page = server.call("GET", "/api/v1/organisations?pageSize=200").json()
    tooi = next(i for i in page["items"] if i["id"].startswith("https://identifier.overheid.nl/"))
    assert "/~" in tooi["href"]
    got = server.call("GET", _path(tooi["href"]))
    assert got.status == 200 and got.json()["id"] == tooi["id"]


# --------------------------------------------------------------------------- history


def test_history_as_of_and_revert(server: Server) -> None:
    created = server.call("POST", "/api/v1/themes", _theme("Geschiedenis"), user="eddie")
    item = _path(created.json()["href"])
    first = server.call("PATCH", item, {"label": {"en": "History one"}}, user="eddie",
                        headers={"If-Match": created.headers["etag"], "Content-Type": "application/merge-patch+json"})
    second = server.call("PATCH", item, {"label": {"en": "History two"}}, user="eddie",
                         headers={"If-Match": first.headers["etag"], "Content-Type": "application/merge-patch+json"})
    assert second.status == 200
    assert server.call("GET", item + "/history").status == 404  # not for anonymous callers
    revisions = server.call("GET", item + "/history", user="eddie").json()["revisions"]
    assert [r["action"] for r in revisions] == ["update", "update", "create"]
    assert revisions[0]["agent"] == "eddie" and revisions[0]["role"] == "editor"
    old = server.call("GET", _path(revisions[1]["href"]), user="eddie").json()
    assert old["label"] == {"nl": "Geschiedenis", "en": "History one"}
    reverted = server.call("POST", _path(revisions[1]["href"]) + "/revert", user="eddie")
    assert reverted.status == 200 and reverted.json()["revision"]
    assert server.call("GET", item, user="eddie").json()["label"]["en"] == "History one"
    assert server.call("GET", item + "/history/20000101t000000000000-0000", user="eddie").status == 404


# --------------------------------------------------------------------------- imports


def test_import_all_or_nothing(server: Server) -> None:
    good = f"""@prefix mag: <https://data.mag-graph.nl/def/mag#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{ID}thema/import-een> a mag:Theme ; rdfs:label "Import een"@nl .
<{ID}thema/import-twee> a mag:Theme ; rdfs:label "Import twee"@nl ."""
    answer = server.call("POST", "/api/v1/imports", good, user="eddie", headers={"Content-Type": "text/turtle"})
    assert answer.status == 201 and sorted(answer.json()["created"]) == [ID + "thema/import-een", ID + "thema/import-twee"]
    bad = good.replace("import-", "import-b-") + f"""
<{ID}verantwoordelijkheid/import-zonder-fase> a mag:Responsibility ; rdfs:label "x"@nl ."""
    before = server.store.export(format="nquads")
    refused = server.call("POST", "/api/v1/imports", bad, user="eddie", headers={"Content-Type": "text/turtle"})
    assert refused.status == 422
    assert server.store.export(format="nquads") == before


# --------------------------------------------------------------------------- concurrency


def test_concurrent_http_writers_lose_no_update(server: Server) -> None:
    created = server.call("POST", "/api/v1/themes", {**_theme("Teller"), "comment": {"nl": "0"}}, user="eddie").json()
    item = _path(created["href"])
    writers, rounds = 3, 3
    failures: list[str] = []

    def work() -> None:
        for _ in range(rounds):
            while True:
                got = server.call("GET", item, user="eddie")
                doc = got.json()
                doc["comment"] = {"nl": str(int(doc["comment"]["nl"]) + 1)}
                put = server.call("PUT", item, doc, user="eddie", headers={"If-Match": got.headers["etag"]})
                if put.status == 200:
                    break
                if put.status != 412:
                    failures.append(f"{put.status} {put.body[:200]!r}")
                    return

    threads = [threading.Thread(target=work) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert server.call("GET", item, user="eddie").json()["comment"]["nl"] == str(writers * rounds)


def test_every_route_is_in_the_openapi_fragment() -> None:
    from flask import Flask

    app = Flask(__name__)
    app.register_blueprint(cms_api.bp)
    paths = cms_api.openapi_paths()["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("cms."):
            continue
        path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
        if path in cms_api.operations.moved:  # an old path that redirects to its route
            continue
        assert path in paths, path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in paths[path], (path, method)


# --------------------------------------------------------------------------- every error case, every role


def _json_error(answer: Answer, status: int) -> dict[str, Any]:
    assert answer.status == status, (answer.status, answer.body[:300])
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == status and " / " in problem["detail"]  # Dutch, then English
    return problem


def test_request_errors_are_problems_and_change_nothing(server: Server) -> None:
    before = server.store.export(format="nquads")
    _json_error(server.call("POST", "/api/v1/themes", "{not json", user="eddie",
                            headers={"Content-Type": "application/ld+json"}), 400)
    _json_error(server.call("POST", "/api/v1/themes", b"", user="eddie", headers={"Content-Type": "application/ld+json"}), 400)
    _json_error(server.call("POST", "/api/v1/themes", "<a> <b", user="eddie", headers={"Content-Type": "text/turtle"}), 400)
    _json_error(server.call("POST", "/api/v1/themes", {"@context": "https://elsewhere.example/context.jsonld",
                                                       "label": {"nl": "x"}}, user="eddie"), 400)
    _json_error(server.call("POST", "/api/v1/themes", {"type": "Responsibility", "label": {"nl": "x"}}, user="eddie"), 400)
    _json_error(server.call("POST", "/api/v1/themes", {"id": ID + "budget/hg-mag-totaal", "label": {"nl": "x"}},
                            user="eddie"), 409)  # an IRI that is taken (by a budget)
    _json_error(server.call("POST", "/api/v1/imports", "x", user="eddie", headers={"Content-Type": "application/pdf"}), 415)
    _json_error(server.call("GET", "/api/v1/search"), 400)
    _json_error(server.call("GET", "/api/v1/search?q=mag&lang=fr"), 400)
    _json_error(server.call("GET", "/api/v1/themes?page=x"), 400)
    _json_error(server.call("GET", "/api/v1/budgets/hg-mag-totaal", headers={"Accept": "application/pdf"}), 406)
    _json_error(server.call("GET", "/api/v1/budgets/~%%%"), 404)
    _json_error(server.call("GET", "/api/v1/budgets/bestaat-niet"), 404)
    _json_error(server.call("POST", "/api/v1/budgets/hg-mag-totaal/workflow/vaststellen", user="rob"), 409)  # already adopted
    _json_error(server.call("PATCH", "/api/v1/budgets/hg-mag-totaal", {"label": {"en": "x"}}, user="rob",
                            headers={"If-Match": '"stale"', "Content-Type": "application/merge-patch+json"}), 412)
    _json_error(server.call("PATCH", "/api/v1/budgets/hg-mag-totaal", {"label": {"en": "x"}}, user="rob",
                            headers={"If-Match": '"stale"', "Content-Type": "text/plain"}), 415)
    _json_error(server.call("DELETE", "/api/v1/budgets/hg-mag-totaal", user="rob"), 428)
    _json_error(server.call("DELETE", "/api/v1/budgets/hg-mag-totaal", user="rob", headers={"If-Match": '"stale"'}), 412)
    _json_error(server.call("POST", "/api/v1/questions"), 405)
    assert server.store.export(format="nquads") == before


def test_an_existing_id_is_a_409_and_head_has_no_body(server: Server) -> None:
    existing = server.call("GET", "/api/v1/themes?pageSize=1").json()["items"][0]
    document = server.call("GET", _path(existing["href"])).json()
    _json_error(server.call("POST", "/api/v1/themes", document, user="eddie"), 409)
    head = server.call("HEAD", _path(existing["href"]))
    assert head.status == 200 and head.body == b"" and head.headers["etag"]


def test_reviewers_change_adopted_content_and_archived_content_is_frozen(server: Server) -> None:
    created = server.call("POST", "/api/v1/themes", _theme("Bevroren"), user="eddie").json()
    item = _path(created["href"])
    assert _step(server, item, "vaststellen", "rob").status == 200
    current = server.call("GET", item)
    patched = server.call("PATCH", item, {"label": {"en": "Frozen"}}, user="rob",
                          headers={"If-Match": current.headers["etag"], "Content-Type": "application/merge-patch+json"})
    assert patched.status == 200 and patched.json()["state"] == "vastgesteld"
    assert server.call("GET", item).json()["label"] == {"nl": "Bevroren", "en": "Frozen"}
    assert _step(server, item, "archive", "rob").status == 200
    archived = server.call("GET", item, user="eddie")
    _json_error(server.call("PATCH", item, {"label": {"en": "x"}}, user="rob",
                            headers={"If-Match": archived.headers["etag"], "Content-Type": "application/merge-patch+json"}), 409)
    reopened = _step(server, item, "heropenen", "eddie")  # editors may reopen the archive
    assert reopened.status == 200 and reopened.json()["state"] == "concept"
    _json_error(server.call("GET", item + "/history", user="rita"), 404)  # readers see no drafts, nor their history
    history = server.call("GET", item + "/history", user="eddie").json()["revisions"]
    assert [r["action"] for r in history] == ["transition", "transition", "update", "transition", "create"]
    _json_error(server.call("POST", _path(history[-1]["href"]) + "/revert", user="rita"), 403)


def test_admins_force_a_delete_and_the_links_go_with_it(server: Server) -> None:
    theme = server.call("POST", "/api/v1/themes", _theme("Doelwit"), user="eddie").json()
    referrer = server.call("POST", "/api/v1/themes", {**_theme("Verwijzer"), "seeAlso": [theme["id"]]}, user="eddie")
    if referrer.status != 201:  # no such key for a theme: link with a generic relation instead
        referrer = server.call("POST", "/api/v1/imports",
                               f'<{ID}thema/hg-verwijzer> a <https://data.mag-graph.nl/def/mag#Theme> ; '
                               f'<http://www.w3.org/2000/01/rdf-schema#label> "Verwijzer"@nl ; '
                               f'<http://www.w3.org/2000/01/rdf-schema#seeAlso> <{theme["id"]}> .',
                               user="eddie", headers={"Content-Type": "text/turtle"})
    assert referrer.status == 201, referrer.body
    item = _path(theme["href"])
    etag = server.call("GET", item, user="eddie").headers["etag"]
    conflict = _json_error(server.call("DELETE", item, user="eddie", headers={"If-Match": etag}), 409)
    assert [r["id"] for r in conflict["referrers"]] == [ID + "thema/hg-verwijzer"]
    _json_error(server.call("DELETE", item + "?force=true", user="eddie", headers={"If-Match": etag}), 403)
    forced = server.call("DELETE", item + "?force=true", user="ada", headers={"If-Match": etag})
    assert forced.status == 204
    assert server.call("GET", item, user="ada").status == 404
    assert theme["id"] not in server.call("GET", "/api/v1/themes/hg-verwijzer", user="ada").body.decode()


def test_bearer_tokens_write_too(server: Server) -> None:
    headers = {"Authorization": f"Bearer {server.token}"}
    created = server.call("POST", "/api/v1/themes", _theme("Met token"), headers=headers)
    assert created.status == 201
    history = server.call("GET", _path(created.json()["href"]) + "/history", headers=headers).json()["revisions"]
    assert history[0]["agent"] == "ci-robot" and history[0]["role"] == "editor"


# --------------------------------------------------------------------------- property: a refused write changes nothing


_PATCH_VALUES: dict[str, list[Any]] = {
    "phase": ["magb:Uitvoering", "magb:Opstellen", "magb:Nonsens", "phase-as-text", None, 3],
    "raciKind": ["magb:Accountable", "magb:Responsible", "magb:Onbekend", None],
    "assignedTo": [["magb:Penvoerder"], [ID + "orgaan/hg-college"], [ID + "orgaan/bestaat-niet"], [], None],
    "label": [{"nl": "Nieuw label"}, {"en": "New label"}, {}, None, "geen taalkaart"],
    "order": [1, 2, -5, "een", None],
    "unknownKey": ["x"],
}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(patch=st.dictionaries(st.sampled_from(sorted(_PATCH_VALUES)), st.integers(0, 5), min_size=1, max_size=4))
def test_a_refused_patch_over_http_leaves_the_store_exactly_as_it_was(server: Server, patch: dict[str, int]) -> None:
    """Random valid and invalid merge patches of an adopted responsibility by a reviewer:
    whatever is refused (4xx) leaves every quad as it was; whatever is accepted leaves no
    violation on the resource (checked by a validation of its own)."""
    document = {key: _PATCH_VALUES[key][index % len(_PATCH_VALUES[key])] for key, index in patch.items()}
    item = "/api/v1/responsibilities/hg-uitvoering-penvoerder-2"
    current = server.call("GET", item, user="rob")
    before = server.store.export(format="nquads")
    answer = server.call("PATCH", item, document, user="rob",
                         headers={"If-Match": current.headers["etag"], "Content-Type": "application/merge-patch+json"})
    assert answer.status in (200, 400, 409, 422), answer.body[:300]
    event(f"HTTP {answer.status}")
    if answer.status != 200:
        assert answer.headers["content-type"] == "application/problem+json"
        assert server.store.export(format="nquads") == before
    else:
        report = validation.validate(server.store, date=DATE, focus_nodes=[ID + "verantwoordelijkheid/hg-uitvoering-penvoerder-2"])
        assert not report.violations, [r.message for r in report.violations]


# --------------------------------------------------------------------------- every route for every role


ROLES = [None, "rita", "eddie", "rob", "ada"]  # anonymous, reader, editor, reviewer, admin
_RANK = {None: 0, "rita": 1, "eddie": 2, "rob": 3, "ada": 4}


def _expect(user: str | None, needed: int, ok: int, *, hidden: bool = False) -> int:
    """The status a caller gets for an operation needing rank ``needed`` (2 editor, 3
    reviewer): 401 anonymous, 403 too low (404 when the resource is a draft it may not
    see), else ``ok``."""
    if _RANK[user] >= needed:
        return ok
    if hidden and _RANK[user] < 2:
        return 404
    return 401 if user is None else 403


@pytest.mark.parametrize("user", ROLES, ids=["anonymous", "reader", "editor", "reviewer", "admin"])
def test_every_route_for_every_role(server: Server, user: str | None) -> None:
    name = f"Rolproef {user or 'anoniem'}"
    slug = "hg-" + name.lower().replace(" ", "-")

    def draft(label: str) -> tuple[str, str]:
        made = server.call("POST", "/api/v1/themes", _theme(label), user="eddie")
        assert made.status == 201, made.body
        return _path(made.json()["href"]), made.headers["etag"]

    for path in ("/api/v1/context", "/api/v1/types", "/api/v1/types/theme", "/api/v1/search?q=mag",
                 "/api/v1/themes", "/api/v1/budgets/hg-mag-totaal", "/api/v1/openapi.json"):
        assert server.call("GET", path, user=user).status == 200, path
    created = server.call("POST", "/api/v1/themes", _theme(name), user=user)
    assert created.status == _expect(user, 2, 201)
    imported = server.call("POST", "/api/v1/imports",
                           f'<{ID}thema/{slug}-import> a <https://data.mag-graph.nl/def/mag#Theme> ; '
                           f'<http://www.w3.org/2000/01/rdf-schema#label> "{name} import"@nl .',
                           user=user, headers={"Content-Type": "text/turtle"})
    assert imported.status == _expect(user, 2, 201)

    item, etag = draft(name + " concept")
    assert server.call("GET", item, user=user).status == _expect(user, 2, 200, hidden=True)
    assert server.call("HEAD", item, user=user).status == _expect(user, 2, 200, hidden=True)
    document = server.call("GET", item, user="eddie").json()
    document["label"]["en"] = "changed"
    replaced = server.call("PUT", item, document, user=user, headers={"If-Match": etag})
    assert replaced.status == _expect(user, 2, 200)
    etag = server.call("GET", item, user="eddie").headers["etag"]
    patched = server.call("PATCH", item, {"label": {"en": "patched"}}, user=user,
                          headers={"If-Match": etag, "Content-Type": "application/merge-patch+json"})
    assert patched.status == _expect(user, 2, 200)
    history = server.call("GET", item + "/history", user=user)
    assert history.status == _expect(user, 2, 200, hidden=True)
    revisions = server.call("GET", item + "/history", user="eddie").json()["revisions"]
    assert server.call("GET", _path(revisions[-1]["href"]), user=user).status == _expect(user, 2, 200, hidden=True)
    reverted = server.call("POST", _path(revisions[-1]["href"]) + "/revert", user=user)
    assert reverted.status == _expect(user, 2, 200)
    etag = server.call("GET", item, user="eddie").headers["etag"]
    adopted = server.call("POST", item + "/workflow/vaststellen", user=user, headers={"If-Match": etag})
    assert adopted.status == _expect(user, 3, 200)

    other, other_etag = draft(name + " weg")
    assert server.call("DELETE", other, user=user, headers={"If-Match": other_etag}).status == _expect(user, 2, 204)

    public, _ = draft(name + " openbaar")
    assert _step(server, public, "vaststellen", "rob").status == 200
    assert server.call("GET", public, user=user).status == 200
    public_etag = server.call("GET", public).headers["etag"]
    change = server.call("PATCH", public, {"label": {"en": "reviewed"}}, user=user,
                         headers={"If-Match": public_etag, "Content-Type": "application/merge-patch+json"})
    # adopted content: reviewers and admins change it in place; an editor's change is kept
    # as a working copy for a reviewer (202; docs/cms.md, "Working copies")
    assert change.status == (202 if user == "eddie" else _expect(user, 3, 200))
    if user == "eddie":
        assert server.call("GET", public).headers["etag"] == public_etag  # the public version stays
    public_etag = server.call("GET", public).headers["etag"]
    archived = server.call("POST", public + "/workflow/archiveren", user=user, headers={"If-Match": public_etag})
    assert archived.status == _expect(user, 3, 200)


def test_queries_in_the_server_process_wait_for_a_write_being_validated(server: Server) -> None:
    """An in-memory store answers SPARQL in the server process: a query must not run
    while a CMS write holds the write lock (the write may yet be undone)."""
    cms = core.Content.for_store(server.store)
    answered = threading.Event()

    def ask() -> None:
        reply = server.call("GET", "/sparql?query=" + urllib.parse.quote("ASK { ?s ?p ?o }"),
                            headers={"Accept": "application/sparql-results+json"})
        assert reply.status == 200
        answered.set()

    with cms.writing():
        thread = threading.Thread(target=ask)
        thread.start()
        assert not answered.wait(0.5)  # held back while the write is in progress
    thread.join(timeout=30)
    assert answered.is_set()
