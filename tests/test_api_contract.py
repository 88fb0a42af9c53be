"""What every face of the web layer promises alike: one content negotiation (Accept with
parameters, q-values, wildcards, JSON-LD profiles; 406 as the same problem everywhere),
one language negotiation (?lang=, then Accept-Language ranges, then Dutch), and an
OpenAPI document made from the route declarations that lists every route and every
status the routes answer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Blueprint
from mag_graph.api import cms, create_app, v1
from mag_graph.api.i18n import negotiate as negotiate_language
from mag_graph.api.i18n import parse_accept_language
from mag_graph.api.openapi import Operations
from mag_graph.api.problems import Problem, statuses_of
from store_template import initialised_memory_store

from mag_graph.sparql import GRAPH_FORMATS, RESULT_FORMATS, negotiate, parse_accept
from mag_graph.store import UnknownGraphError

COMPACTED = "http://www.w3.org/ns/json-ld#compacted"
EXPANDED = "http://www.w3.org/ns/json-ld#expanded"
ITEM = "/api/v1/budgets/hg-mag-totaal"
RESOURCE = "/id/verantwoordelijkheid/hg-vaststellen-college-1"
QUESTION = "/api/v1/questions/q04?municipality=maassluis"


@pytest.fixture(scope="module")
def app() -> Iterator[Any]:
    store = initialised_memory_store()
    application = create_app(store, config={"TESTING": True, "MAG_GRAPH_CACHE_ENTRIES": 0})
    yield application
    application.extensions["mag_graph"].close()
    store.close()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


# --------------------------------------------------------------------------- content negotiation: the function


def test_parameters_other_than_q_do_not_make_a_range_unusable() -> None:
    assert negotiate("text/turtle;charset=utf-8", GRAPH_FORMATS).name == "turtle"
    assert negotiate("text/turtle; charset=utf-8, application/n-triples;q=0.5", GRAPH_FORMATS).name == "turtle"
    assert negotiate(f'application/ld+json; profile="{EXPANDED}"', GRAPH_FORMATS).name == "jsonld"
    assert negotiate("application/sparql-results+json;charset=utf-8", RESULT_FORMATS).name == "json"
    offers = ("text/html", "text/turtle", "application/ld+json")
    assert negotiate("text/turtle; charset=utf-8", offers) == "text/turtle"
    assert negotiate("application/ld+json; charset=utf-8", offers) == "application/ld+json"


def test_parameters_are_parsed_with_quotes_and_before_q_only() -> None:
    ranges = parse_accept(f'application/ld+json;profile="{COMPACTED} {EXPANDED}";q=0.8, text/turtle;q=0.5;ext=1, '
                          'text/x;p="a,b"')
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("application", "ld+json", 0.8), ("text", "turtle", 0.5),
                                                          ("text", "x", 1.0)]
    assert ranges[0].params == (("profile", f"{COMPACTED} {EXPANDED}"),)
    assert ranges[1].params == ()  # after q: an extension, not a parameter of the range
    assert ranges[2].params == (("p", "a,b"),)


def test_json_ld_profiles_choose_among_the_offers() -> None:
    compacted = f'application/ld+json; profile="{COMPACTED}"'
    expanded = f'application/ld+json; profile="{EXPANDED}"'
    both = (compacted, expanded)
    assert negotiate("application/ld+json", both) == compacted  # no profile asked: the server's order
    assert negotiate(f'application/ld+json;profile="{EXPANDED}"', both) == expanded
    assert negotiate(f'application/ld+json;profile="{COMPACTED}"', (expanded, compacted)) == compacted
    # JSON-LD lists several profiles separated by spaces
    assert negotiate(f'application/ld+json;profile="http://example.org/other {EXPANDED}"', both) == expanded
    # A profile the face does not have still gets JSON-LD (the one it has) ...
    assert negotiate(f'application/ld+json;profile="{EXPANDED}"', (compacted,)) == compacted
    assert negotiate(f'application/ld+json;profile="{EXPANDED}", text/turtle;q=0.9', (compacted, "text/turtle")) == compacted
    # ... but a range that names another profile does not decide for an offer another range fits.
    assert negotiate(f'application/ld+json;profile="{EXPANDED}";q=0, */*;q=0.5', (compacted,)) == compacted


def test_q_values_and_wildcards() -> None:
    offers = ("application/json", "text/csv")
    assert negotiate("application/json;q=0.4, text/csv;q=0.6", offers) == "text/csv"
    assert negotiate("text/*", offers) == "text/csv"
    assert negotiate("*/*;q=0.1, application/json;q=0", offers) == "text/csv"
    assert negotiate("*/*", offers) == "application/json"
    assert negotiate("image/png, text/html;q=0.5", offers) is None
    assert negotiate(None, offers) == "application/json"


# --------------------------------------------------------------------------- content negotiation: every face


@pytest.mark.parametrize("accept", ["text/turtle; charset=utf-8", "text/turtle;q=0.9, text/html;q=0.1"])
def test_resource_pages_accept_parameters(client: Any, accept: str) -> None:
    answer = client.get(RESOURCE, headers={"Accept": accept})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert answer.mimetype == "text/turtle"
    assert "Accept" in answer.headers["Vary"]


@pytest.mark.parametrize("accept", [f'application/ld+json;profile="{COMPACTED}"', "application/ld+json; charset=utf-8",
                                    f'application/ld+json; profile="{EXPANDED}"'])
def test_resources_give_json_ld_with_parameters(client: Any, accept: str) -> None:
    answer = client.get(RESOURCE, headers={"Accept": accept})
    assert answer.status_code == 200 and answer.mimetype == "application/ld+json"
    item = client.get(ITEM, headers={"Accept": accept})
    assert item.status_code == 200 and item.mimetype == "application/ld+json"
    profile = EXPANDED if EXPANDED in accept else COMPACTED  # the profile asked for, else compacted
    assert item.headers["Content-Type"] == f'application/ld+json; profile="{profile}"'  # says what it is
    document = json.loads(item.get_data())
    if profile == COMPACTED:
        assert document["@context"].endswith("/api/v1/context")
    else:
        assert isinstance(document, list) and document[0]["@id"].endswith(ITEM.rsplit("/", 1)[-1])


def test_cms_items_accept_parameters_and_q_values(client: Any) -> None:
    turtle = client.get(ITEM, headers={"Accept": "text/turtle; charset=utf-8"})
    assert turtle.status_code == 200 and turtle.mimetype == "text/turtle"
    assert "Accept" in turtle.headers["Vary"]
    ntriples = client.get(ITEM, headers={"Accept": "application/ld+json;q=0.2, application/n-triples;q=0.8"})
    assert ntriples.mimetype == "application/n-triples"
    assert client.get(ITEM, headers={"Accept": "text/*"}).mimetype == "text/turtle"


def test_questions_and_sparql_accept_parameters(client: Any) -> None:
    csv = client.get(QUESTION, headers={"Accept": "text/csv; charset=utf-8; header=present"})
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert {"Accept", "Accept-Language"} <= set(csv.headers["Vary"].split(", "))
    picked = client.get(QUESTION, headers={"Accept": "application/json;q=0.4, text/csv;q=0.6"})
    assert picked.mimetype == "text/csv"
    sparql = client.get("/sparql?query=ASK%20%7B%7D", headers={"Accept": "application/sparql-results+json; charset=utf-8"})
    assert sparql.status_code == 200 and sparql.mimetype == "application/sparql-results+json"


@pytest.mark.parametrize(("path", "offers"), [
    (RESOURCE, None),
    (ITEM, list(cms.ITEM_FORMATS)),
    (QUESTION, ["application/json", "text/csv"]),
    ("/sparql?query=ASK%20%7B%7D", None),
])
def test_not_acceptable_is_the_same_problem_everywhere(client: Any, path: str, offers: list[str] | None) -> None:
    answer = client.get(path, headers={"Accept": "image/png"})
    assert answer.status_code == 406
    assert answer.mimetype == "application/problem+json"
    assert "Accept" in answer.headers["Vary"]
    problem = json.loads(answer.get_data())
    assert problem["status"] == 406 and problem["title"] == "Niet aanvaardbaar / Not Acceptable"
    assert " / " in problem["detail"]  # Dutch, then English
    assert problem["acceptable"] and all("/" in media for media in problem["acceptable"])
    if offers is not None:
        assert problem["acceptable"] == offers
        for media in offers:  # each one listed is one the route gives
            assert client.get(path, headers={"Accept": media}).status_code == 200, media


# --------------------------------------------------------------------------- language negotiation


@pytest.mark.parametrize(("explicit", "header", "expected"), [
    (None, None, "nl"),
    (None, "en", "en"),
    (None, "en-GB", "en"),
    (None, "nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7", "nl"),
    (None, "de-DE,de;q=0.9", "nl"),
    (None, "fr, en;q=0.5, nl;q=0.4", "en"),
    (None, "en;q=0.5, nl;q=0.9", "nl"),
    (None, "en, nl", "en"),  # equal q: the client's order
    (None, "*", "nl"),
    (None, "nl;q=0, *", "en"),  # q=0 refuses Dutch
    (None, "en-GB;q=0.8, *;q=0.9", "nl"),
    (None, "en;q=nope, nl", "nl"),
    ("en", "nl", "en"),  # ?lang= first
    ("EN ", None, "en"),
    ("xx", "en", "en"),  # not ours: the header decides
])
def test_one_language_negotiation(explicit: str | None, header: str | None, expected: str) -> None:
    assert negotiate_language(explicit, header) == expected


def test_accept_language_ranges_are_parsed_best_first() -> None:
    assert parse_accept_language("de;q=0.2, en-GB, *;q=0.1, fr;q=0.5, bad tag") == [
        ("en-gb", 1.0), ("fr", 0.5), ("de", 0.2), ("*", 0.1)]


@pytest.mark.parametrize("path", ["/", "/api/v1/types", "/api/v1/validation?rule=R15", QUESTION, "/api/v1/search?q=mag"])
def test_every_face_negotiates_language_the_same_way(client: Any, path: str) -> None:
    cases = (("en-GB,en;q=0.9", "en"), ("nl;q=0, *", "en"), ("*", "nl"), ("fr, en;q=0.3", "en"),
             ("en;q=0.5, nl;q=0.9", "nl"), ("en;q=0, *", "nl"), ("nl-BE;q=0.9, en-US", "en"))
    for header, expected in cases:
        answer = client.get(path, headers={"Accept-Language": header})
        assert answer.status_code == 200, (path, header)
        assert "Accept-Language" in answer.headers["Vary"], path
        if path == "/":
            assert f'<html lang="{expected}"' in answer.get_data(as_text=True), header
        elif path == "/api/v1/types":
            titles = {t["name"]: t["title"] for t in json.loads(answer.get_data())["types"]}
            reference = json.loads(client.get(f"/api/v1/types?lang={expected}").get_data())["types"]
            assert titles == {t["name"]: t["title"] for t in reference}, header
        else:
            content_language = answer.headers.get("Content-Language")
            assert content_language in (None, expected), (path, header)


def test_api_refuses_a_language_it_does_not_have_and_pages_fall_back(client: Any) -> None:
    refused = client.get("/api/v1/types?lang=fr")
    assert refused.status_code == 400 and json.loads(refused.get_data())["invalidParams"][0]["name"] == "lang"
    page = client.get("/?lang=fr", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and '<html lang="en"' in page.get_data(as_text=True)


# --------------------------------------------------------------------------- the OpenAPI document


def _document(client: Any) -> dict[str, Any]:
    return json.loads(client.get("/api/v1/openapi.json").get_data())


def _path(rule: str) -> str:
    """``/api/v1/questions/<question_id>`` -> ``/questions/{questionId}``."""

    def name(match: re.Match[str]) -> str:
        return "{" + re.sub(r"_([a-z])", lambda n: n.group(1).upper(), match.group(1)) + "}"

    return re.sub(r"<(?:\w+:)?(\w+)>", name, rule.removeprefix("/api/v1"))


def test_every_route_is_documented_and_every_documented_operation_is_a_route(app: Any, client: Any) -> None:
    moved = {rule for registry in (v1.operations, cms.operations) for rule in registry.moved}
    routes = {
        (_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1") and _path(rule.rule) not in moved
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in _document(client)["paths"].items() for method in item}
    assert routes == documented
    assert not moved & set(_document(client)["paths"])


def test_a_moved_path_redirects_permanently_to_its_route(client: Any) -> None:
    old = client.get("/api/v1/context.jsonld?x=1")
    assert old.status_code == 308 and old.headers["Location"].endswith("/api/v1/context?x=1")
    new = client.get("/api/v1/context.jsonld", follow_redirects=True)
    assert new.status_code == 200 and new.mimetype == "application/ld+json" and "@context" in new.get_json()


def test_documented_path_parameters_are_the_route_variables(client: Any) -> None:
    for path, item in _document(client)["paths"].items():
        for method, operation in item.items():
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            assert names == re.findall(r"{(\w+)}", path), (path, method)


def _documented_statuses(client: Any, path: str, method: str) -> set[int]:
    return {int(code) for code in _document(client)["paths"][path][method]["responses"]}


def test_error_statuses_are_documented_where_routes_raise_them(client: Any) -> None:
    def has(path: str, method: str, *codes: int) -> None:
        missing = set(codes) - _documented_statuses(client, path, method)
        assert not missing, (path, method, missing)

    for path, method in (("/imports", "post"), ("/{collection}", "post"), ("/{collection}/{ref}", "put"),
                         ("/{collection}/{ref}", "patch")):
        has(path, method, 400, 401, 403, 409, 415, 422)
    for path, method in (("/{collection}/{ref}", "put"), ("/{collection}/{ref}", "patch"), ("/{collection}/{ref}", "delete"),
                         ("/{collection}/{ref}/workflow/{transition}", "post")):
        has(path, method, 401, 403, 404, 412, 428)
    has("/{collection}/{ref}", "get", 200, 304, 404, 406)
    has("/{collection}/{ref}/history/{rev}", "get", 404, 406)
    has("/questions/{questionId}", "get", 400, 404, 406)
    has("/types", "get", 400)  # ?lang= that is not ours
    # and not where they cannot happen: one representation is never a 406, reads need no role
    assert 406 not in _documented_statuses(client, "/questions", "get")
    assert 403 not in _documented_statuses(client, "/{collection}/{ref}", "get")


def test_the_answers_of_the_routes_carry_documented_statuses(app: Any, client: Any) -> None:
    """A tour of the error statuses through the real routes; each answer's status is in
    the document of the operation that gave it (the same check runs on every answer the
    test suite sees: tests/conftest.py)."""
    registry = app.extensions["mag_graph"].auth
    registry.add_user("contract-editor", "a long password 1", role="editor")
    registry.add_user("contract-reader", "a long password 2", role="reader")
    import base64

    def basic(user: str, password: str) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}

    editor = basic("contract-editor", "a long password 1")
    reader = basic("contract-reader", "a long password 2")
    etag = client.get(ITEM).headers["ETag"]
    seen = {
        (ITEM, "get", client.get(ITEM, headers={"Accept": "image/png"}).status_code),
        (ITEM, "get", client.get(ITEM, headers={"If-None-Match": etag}).status_code),
        (ITEM, "get", client.get("/api/v1/budgets/bestaat-niet").status_code),
        (ITEM, "put", client.put(ITEM, json={}).status_code),
        (ITEM, "put", client.put(ITEM, json={}, headers=reader).status_code),
        (ITEM, "put", client.put(ITEM, data="x", headers={**editor, "Content-Type": "application/pdf"}).status_code),
        (ITEM, "patch", client.patch(ITEM, json={"label": {"nl": "x"}}, headers=editor).status_code),
        (ITEM, "patch", client.patch(ITEM, json={"label": {"nl": "x"}}, headers={**editor, "If-Match": '"stale"'}).status_code),
        (ITEM, "delete", client.delete(ITEM, headers={**editor, "If-Match": etag}).status_code),
        ("/api/v1/responsibilities", "post", client.post(
            "/api/v1/responsibilities", headers=editor,
            json={"label": {"nl": "Zonder fase"}, "raciKind": "magb:Responsible", "taskKind": ["magb:TaakUitvoeren"],
                  "assignedTo": ["https://data.mag-graph.nl/id/orgaan/hg-college"]}).status_code),
        ("/api/v1/themes", "post", client.post("/api/v1/themes", json={"id": "https://data.mag-graph.nl/id/budget/hg-mag-totaal",
                                                                      "label": {"nl": "x"}}, headers=editor).status_code),
        (QUESTION, "get", client.get(QUESTION, headers={"Accept": "image/png"}).status_code),
    }
    paths = {ITEM: "/{collection}/{ref}", "/api/v1/themes": "/{collection}", "/api/v1/responsibilities": "/{collection}",
             QUESTION: "/questions/{questionId}"}
    statuses = {status for _, _, status in seen}
    assert {304, 401, 403, 404, 406, 409, 412, 415, 422, 428} <= statuses, sorted(statuses)
    for url, method, status in seen:
        assert status in _documented_statuses(client, paths[url], method), (url, method, status)


def test_error_statuses_are_read_from_the_views() -> None:
    """The statuses of an operation come from what its view can raise: its own Problems,
    the helpers it calls (followed down), helpers marked with the core errors they let
    through, and the core errors the route declares."""
    by_id = {o.operation_id: o for o in cms.operations.operations}
    replace = by_id["replaceItem"]
    derived = set(replace.error_statuses) - statuses_of(replace.raises)
    # 401/403 from require_role (via _writer), 405 two helpers down (_collection ->
    # _refuse_if_another_route_has_the_path), 415 from _body
    assert {401, 403, 405, 415} <= derived
    # 406 of a revision: history_item -> _item_representation -> negotiated()
    assert 406 in by_id["getRevision"].error_statuses and 406 not in statuses_of(by_id["getRevision"].raises)
    # the core error marked on _collection
    assert 404 in by_id["listItems"].error_statuses and 404 not in statuses_of(by_id["listItems"].raises)


def test_a_view_outside_the_package_is_described_from_its_declaration() -> None:
    operations = Operations(Blueprint("toy", __name__))

    @operations.route("/things/<thing_id>", "PUT", id="putThing", summary="x", tags=["toy"],
                      responses={204: {"description": "ok"}}, raises=(UnknownGraphError, 418))
    def put_thing(thing_id: str) -> None:
        raise Problem(409, "not read: only views of mag_graph.api are")

    operation = operations.operations[0]
    assert operation.path == "/things/{thingId}"
    assert operation.statuses == [204, 404, 418, 500]
    assert [p["name"] for p in operation.to_openapi()["parameters"]] == ["thingId"]
    assert "security" not in operation.to_openapi()  # the view asks for no role


# POSTs that read: they take a body but write nothing (a role model checked without storing it).
READING_POSTS = {"checkRoleModel"}


def test_writes_state_their_security_and_reads_do_not(client: Any) -> None:
    for path, item in _document(client)["paths"].items():
        for method, operation in item.items():
            if operation["operationId"] in READING_POSTS:
                assert operation["security"] == [], (path, method)  # open to everyone, said so
            elif method in ("post", "put", "patch", "delete"):
                assert operation["security"] == [{"basic": []}, {"bearer": []}], (path, method)
            else:
                assert operation.get("security") in (None, []), (path, method)


def test_the_cms_fragment_and_the_document_agree(client: Any) -> None:
    document = _document(client)
    fragment = cms.openapi_paths()
    for path, item in fragment["paths"].items():
        assert document["paths"][path] == item
    assert set(fragment["schemas"]) <= set(document["components"]["schemas"])
    assert v1.openapi_document()["paths"].keys() == document["paths"].keys()
