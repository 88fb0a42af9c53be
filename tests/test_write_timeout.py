"""A CMS write's own validation runs under MAG_GRAPH_VALIDATION_TIMEOUT (issue 14): past it
the write is refused with 503 ``validation-timeout`` and Retry-After, and everything is
as before it: the store (an N-Quads dump, history included), no pending revision, the
search index, and the public faces (anonymous SPARQL through the query processes, the
item as anonymous readers get it). Over a real server (waitress) on an on-disk store;
the same requests with a normal limit are stored, so the limit made the difference."""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mag_graph.cms import content as core
from mag_graph.cms import history
from mag_graph.store import Store
from mag_graph.store.bootstrap import initialise

DATE = dt.date(2026, 11, 1)
HG = "https://identifier.overheid.nl/tooi/id/gemeente/gm0523"
PASSWORD = "correct horse battery"
ITEM = "/api/v1/responsibilities/hg-uitvoering-penvoerder-1"
TINY = 0.001


@pytest.fixture(scope="module")
def server(serving: Callable[[Any], Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, Store]]:
    from mag_graph.api import create_app

    store = Store.open(tmp_path_factory.mktemp("store") / "store")
    initialise(store)
    core.Content.for_store(store, date=DATE)  # the app shares this instance (fixed reference date)
    app = create_app(store, config={"MAG_GRAPH_VALIDATION_TIMEOUT": TINY, "MAG_GRAPH_CACHE_ENTRIES": 0})
    registry = app.extensions["mag_graph"].auth
    registry.add_user("eddie", PASSWORD, role="editor")
    registry.add_user("rob", PASSWORD, role="reviewer")
    try:
        with serving(app) as url:
            yield url, app, store
    finally:
        app.extensions["mag_graph"].close()
        store.close()


@pytest.fixture
def limit(server: tuple[str, Any, Store]) -> Iterator[Callable[[float], None]]:
    app = server[1]

    def set_limit(seconds: float) -> None:
        app.config["MAG_GRAPH_VALIDATION_TIMEOUT"] = seconds

    set_limit(TINY)
    yield set_limit
    set_limit(TINY)


def _call(base: str, method: str, path: str, body: Any = None, user: str | None = None,
          **headers: str) -> tuple[int, dict[str, str], bytes]:
    sent = {k.replace("_", "-"): v for k, v in headers.items()}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/ld+json")
    if user:
        sent["Authorization"] = "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
    request = urllib.request.Request(base + path, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            return reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def _faces(base: str, store: Store, quad_snapshot: Any, word: str) -> dict[str, Any]:
    """Everything a refused write must leave as it was."""
    query = ("SELECT (COUNT(*) AS ?n) WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l "
             f'FILTER (CONTAINS(STR(?l), "{word}")) }}')
    status, _, body = _call(base, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                            Accept="application/sparql-results+json")
    assert status == 200, body
    _, _, item = _call(base, "GET", ITEM, Accept="application/json")
    _, _, found = _call(base, "GET", "/api/v1/search?" + urllib.parse.urlencode({"q": word}), user="eddie")
    return {
        "quads": quad_snapshot(store),
        "revisions": len(history.revisions(store)),
        "pending": history.pending_revisions(store),
        "sparql": json.loads(body)["results"]["bindings"][0]["n"]["value"],
        "item": json.loads(item),
        "search": json.loads(found)["total"],
    }


def _refused(status: int, headers: dict[str, str], body: bytes) -> None:
    assert status == 503, body[:500]
    assert headers["content-type"] == "application/problem+json"
    assert int(headers["retry-after"]) >= 1
    problem = json.loads(body)
    assert problem["type"].endswith("/validation-timeout") and problem["status"] == 503
    assert problem["limit"] == TINY
    assert "niet opgeslagen" in problem["detail"] and "not stored" in problem["detail"]


def test_a_patch_past_the_limit_is_refused_and_changes_nothing(server: tuple[str, Any, Store], limit: Any,
                                                              quad_snapshot: Any) -> None:
    base, _, store = server
    before = _faces(base, store, quad_snapshot, "tijdslimietproef")
    etag = _call(base, "GET", ITEM, user="rob", Accept="application/json")[1]["etag"]
    patch = {"label": {"en": "Lead party, tijdslimietproef"}}
    answer = _call(base, "PATCH", ITEM, patch, user="rob", If_Match=etag, Content_Type="application/merge-patch+json")
    _refused(*answer)
    assert _faces(base, store, quad_snapshot, "tijdslimietproef") == before
    assert before["pending"] == [] and before["sparql"] == "0" and before["search"] == 0
    # with a normal limit the same patch is stored, and every face shows it
    limit(60.0)
    status, _, body = _call(base, "PATCH", ITEM, patch, user="rob", If_Match=etag,
                            Content_Type="application/merge-patch+json")
    assert status == 200, body[:500]
    after = _faces(base, store, quad_snapshot, "tijdslimietproef")
    assert after["revisions"] == before["revisions"] + 1 and after["pending"] == []
    assert after["sparql"] == "1" and after["search"] == 1 and after["quads"] != before["quads"]


def test_a_create_and_a_delete_past_the_limit_are_refused(server: tuple[str, Any, Store], limit: Any,
                                                         quad_snapshot: Any) -> None:
    base, _, store = server
    theme = {"type": "Theme", "label": {"nl": "grensthema"}, "description": {"nl": "een thema"}, "municipality": [HG]}
    before = _faces(base, store, quad_snapshot, "grensthema")
    _refused(*_call(base, "POST", "/api/v1/themes", theme, user="eddie"))
    assert _faces(base, store, quad_snapshot, "grensthema") == before
    # created with a normal limit; deleting it past the limit is refused
    limit(60.0)
    status, headers, body = _call(base, "POST", "/api/v1/themes", theme, user="eddie")
    assert status == 201, body[:500]
    item = urllib.parse.urlsplit(headers["location"]).path
    created = _faces(base, store, quad_snapshot, "grensthema")
    assert created["search"] == 1 and created["revisions"] == before["revisions"] + 1
    limit(TINY)
    etag = _call(base, "GET", item, user="eddie", Accept="application/json")[1]["etag"]
    _refused(*_call(base, "DELETE", item, user="eddie", If_Match=etag))
    assert _faces(base, store, quad_snapshot, "grensthema") == created
    limit(60.0)
    status, _, body = _call(base, "DELETE", item, user="eddie", If_Match=etag)
    assert status == 204, body[:500]
    assert _faces(base, store, quad_snapshot, "grensthema")["search"] == 0


def test_the_limit_is_documented_for_writes(server: tuple[str, Any, Store]) -> None:
    base = server[0]
    document = json.loads(_call(base, "GET", "/api/v1/openapi.json")[2])
    for path, method in (("/{collection}/{ref}", "patch"), ("/{collection}", "post"),
                         ("/{collection}/{ref}", "put"), ("/{collection}/{ref}", "delete")):
        operation = document["paths"][path][method]
        assert "503" in operation["responses"], (path, method)
    unavailable = document["components"]["responses"]["ServiceUnavailable"]
    assert "validation-timeout" in unavailable["description"] and "Retry-After" in unavailable["headers"]
