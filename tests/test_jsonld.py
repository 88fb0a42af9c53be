"""The JSON-LD of the CMS as an independent JSON-LD processor reads it: PyLD (the JSON-LD
1.1 API in Python) is the oracle. Over real HTTP against a real server:

- the published context protects its terms (``@protected``, JSON-LD 1.1, so ``@version``
  stays 1.1), and a document that redefines one is refused, by PyLD and by the API;
- every CMS item's JSON-LD, expanded by PyLD into RDF, is the same graph as its Turtle
  (isomorphic), in each of the three forms a ``profile`` in ``Accept`` can ask for:
  compacted (the default), expanded and flattened.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from mag_graph.api import create_app
from pyld import jsonld
from rdflib import Graph
from rdflib.compare import isomorphic, to_isomorphic
from store_template import initialised_store

JSON_LD = "http://www.w3.org/ns/json-ld#"
EDITOR, PASSWORD = "jsonld-editor", "a long password for json-ld"
TOKENS: dict[str, str] = {}  # role -> a bearer token (cheap to check, unlike a password)


@pytest.fixture(scope="module")
def served(serving: Callable[[Any], Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = initialised_store(tmp_path_factory.mktemp("store") / "store")
    app = create_app(store, config={"MAG_GRAPH_CACHE_ENTRIES": 0})
    app.extensions["mag_graph"].auth.add_user(EDITOR, PASSWORD, role="editor")
    TOKENS["admin"] = app.extensions["mag_graph"].auth.create_token("jsonld-admin", "admin")[1]
    try:
        with serving(app) as url:
            yield url
    finally:
        app.extensions["mag_graph"].close()
        store.close()


def _get(url: str, accept: str, role: str | None = "admin") -> tuple[str, bytes]:
    headers = {"Accept": accept}
    if role:
        headers["Authorization"] = f"Bearer {TOKENS[role]}"
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as reply:
        assert reply.status == 200, url
        return reply.headers["Content-Type"], reply.read()


@pytest.fixture(scope="module")
def context(served: str) -> dict[str, Any]:
    media, body = _get(served + "/api/v1/context", "application/ld+json", role=None)
    assert media.startswith("application/ld+json")
    return json.loads(body)


def _loader(served: str, context: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """PyLD's document loader: the context as the server published it (fetched once
    over HTTP by the fixture); any other URL is an error. Tagged static (it does not
    change during the module), so PyLD keeps the processed context instead of
    processing it again for every document."""

    def load(url: str, options: Any = None) -> dict[str, Any]:
        assert url == served + "/api/v1/context", url
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": context,
                "tag": "static"}

    return load


def _rdf(document: Any, loader: Callable[..., dict[str, Any]]) -> Graph:
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": loader})
    return Graph().parse(data=nquads, format="nt")


def test_the_context_protects_its_terms(served: str, context: dict[str, Any]) -> None:
    inner = context["@context"]
    assert inner["@protected"] is True
    assert inner["@version"] == 1.1  # @protected is a JSON-LD 1.1 feature
    loader = _loader(served, context)
    document = {"@context": [served + "/api/v1/context", {"label": "http://example.org/not-a-label"}],
                "id": "http://example.org/x", "label": {"nl": "x"}}
    with pytest.raises(jsonld.JsonLdError) as refused:
        jsonld.expand(document, {"documentLoader": loader})
    assert "protected term redefinition" in str(refused.value)
    # without the redefinition the same document is fine
    plain = {"@context": served + "/api/v1/context", "id": "http://example.org/x", "label": {"nl": "x"}}
    assert len(_rdf(plain, loader)) == 1


def test_the_api_refuses_a_document_that_redefines_a_term(served: str) -> None:
    document = {"@context": [served + "/api/v1/context", {"label": "http://example.org/not-a-label"}],
                "label": {"nl": "Herdefinitie"}, "description": {"nl": "een thema dat label herdefinieert"},
                "municipality": ["https://identifier.overheid.nl/tooi/id/gemeente/gm0523"]}
    before = _get(served + "/api/v1/themes?pageSize=200", "application/json")[1]
    request = urllib.request.Request(
        served + "/api/v1/themes", data=json.dumps(document).encode(), method="POST",
        headers={"Content-Type": "application/ld+json",
                 "Authorization": "Basic " + base64.b64encode(f"{EDITOR}:{PASSWORD}".encode()).decode()})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    assert refused.value.code == 400
    problem = json.loads(refused.value.read())
    assert "protected" in problem["detail"]
    assert _get(served + "/api/v1/themes?pageSize=200", "application/json")[1] == before


def _every_item(served: str) -> list[str]:
    types = json.loads(_get(served + "/api/v1/types", "application/json")[1])["types"]
    hrefs = []
    for kind in types:
        url: str | None = kind["collectionHref"] + "?pageSize=200"
        while url:
            page = json.loads(_get(url, "application/json")[1])
            hrefs += [item["href"] for item in page["items"]]
            url = page["_links"].get("next", {}).get("href")
    return hrefs


def test_every_item_is_the_same_graph_in_json_ld_and_turtle(served: str, context: dict[str, Any]) -> None:
    """Every item of every content type (drafts included: an admin asks), in each form."""
    loader = _loader(served, context)
    items = _every_item(served)
    assert len(items) > 500  # the whole example data
    assert len({urllib.parse.urlsplit(href).path.split("/")[3] for href in items}) == 36  # every content type
    for href in items:
        _, turtle = _get(href, "text/turtle")
        expected = to_isomorphic(Graph().parse(data=turtle, format="turtle"))
        assert len(expected) > 0, href
        forms = {}
        for profile in ("compacted", "expanded", "flattened"):
            media, body = _get(href, f'application/ld+json;profile="{JSON_LD}{profile}"')
            assert media == f'application/ld+json; profile="{JSON_LD}{profile}"', (href, media)
            forms[profile] = json.loads(body)
            assert isomorphic(_rdf(forms[profile], loader), expected), (href, profile)
        # each form is what its profile says
        assert forms["compacted"]["@context"] == served + "/api/v1/context" and "@graph" not in forms["compacted"]
        assert isinstance(forms["expanded"], list) and "@context" not in json.dumps(forms["expanded"])
        assert forms["flattened"]["@context"] == served + "/api/v1/context"
        assert not any(_nested(node) for node in forms["flattened"]["@graph"]), href


def _nested(node: dict[str, Any]) -> bool:
    """Whether a node object holds another node object (not a reference, a value object
    or a language map): one with a type or with more than its id."""
    for value in node.values():
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, dict) and ("type" in entry or ("id" in entry and len(entry) > 1)):
                return True
    return False


def test_the_profile_decides_and_plain_json_ld_is_compacted(served: str) -> None:
    href = served + "/api/v1/budgets/hg-mag-totaal"
    assert _get(href, "application/ld+json")[0] == f'application/ld+json; profile="{JSON_LD}compacted"'
    assert _get(href, "application/json")[0] == "application/json"
    # several profiles listed: the first of the server's that the list holds
    listed = f'application/ld+json;profile="http://example.org/other {JSON_LD}expanded"'
    assert _get(href, listed)[0] == f'application/ld+json; profile="{JSON_LD}expanded"'
    # q-values between profiles
    both = f'application/ld+json;profile="{JSON_LD}compacted";q=0.5, application/ld+json;profile="{JSON_LD}flattened"'
    assert _get(href, both)[0] == f'application/ld+json; profile="{JSON_LD}flattened"'
    # an unknown profile still gets JSON-LD (the default form), not a 406
    assert _get(href, 'application/ld+json;profile="http://example.org/mine"')[0].startswith("application/ld+json")
