"""The JSON-LD of ``/id/...`` resources (and of ``/doc/...`` for a client that asks for
JSON-LD) as an independent JSON-LD processor reads it: PyLD is the oracle. Over real
HTTP against the example data: for resources of every kind, each of the three forms a
``profile`` in ``Accept`` can ask for (compacted, the default; expanded; flattened) is,
turned into RDF by PyLD, the same graph as the resource's Turtle, and is the form its
profile names."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections import defaultdict
from typing import Any

from pyld import jsonld
from rdflib import Graph
from rdflib.compare import isomorphic, to_isomorphic

BASE = "https://data.mag-graph.nl/id/"
JSON_LD = "http://www.w3.org/ns/json-ld#"
PROFILES = ("compacted", "expanded", "flattened")
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _get(url: str, accept: str) -> tuple[int, str, bytes, str]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return reply.status, reply.headers["Content-Type"], reply.read(), reply.headers.get("Vary", "")


def _refuse(url: str, options: Any = None) -> Any:
    raise jsonld.JsonLdError(f"no remote context expected: {url}", "jsonld.LoadDocumentError")


def _rdf(document: Any) -> Graph:
    """The document as RDF, by PyLD (never fetching anything)."""
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": _refuse})
    return Graph().parse(data=nquads, format="nt")


def _sample(served: str) -> list[str]:
    """Two resources of each kind of /id/ IRI in the example data, and a blank-node one."""
    query = f'SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?s), "{BASE}")) }}'
    url = served + "/sparql?" + urllib.parse.urlencode({"query": query})
    rows = json.loads(_get(url, "application/sparql-results+json")[2])["results"]["bindings"]
    by_kind: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        ref = row["s"]["value"].removeprefix(BASE)
        by_kind[ref.split("/")[0]].append(ref)
    assert len(by_kind) > 30, sorted(by_kind)
    sample = [ref for refs in by_kind.values() for ref in sorted(refs)[:2]]
    return [*sample, "opdracht/hg-gezond-en-vitaal/looptijd"]


def _nested(node: dict[str, Any]) -> bool:
    """Whether a node object holds another node object (more than a reference)."""
    for value in node.values():
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, dict) and "@value" not in entry and len(entry) > 1:
                return True
    return False


def test_every_form_of_json_ld_is_the_graph_of_the_turtle(served: str) -> None:
    for ref in _sample(served):
        url = f"{served}/id/{ref}"
        status, media, turtle, _ = _get(url, "text/turtle")
        assert status == 200 and media == "text/turtle; charset=utf-8", (ref, media)
        expected = to_isomorphic(Graph().parse(data=turtle, format="turtle"))
        assert len(expected) > 0, ref
        forms = {}
        for profile in PROFILES:
            _, media, body, vary = _get(url, f'application/ld+json;profile="{JSON_LD}{profile}"')
            assert media == f'application/ld+json; profile="{JSON_LD}{profile}"', (ref, media)
            assert "Accept" in vary
            forms[profile] = json.loads(body)
            got = _rdf(forms[profile])
            assert isomorphic(got, expected), (ref, profile, set(got) ^ set(expected))
        # each form is what its profile says
        assert isinstance(forms["compacted"]["@context"], dict)
        assert isinstance(forms["expanded"], list) and "@context" not in json.dumps(forms["expanded"])
        assert all(key.startswith(("@", "http")) for node in forms["expanded"] for key in node)
        flat = forms["flattened"]
        assert isinstance(flat["@context"], dict) and isinstance(flat.get("@graph", [flat]), list)
        assert not any(_nested(node) for node in flat.get("@graph", [flat])), ref


def test_plain_json_ld_and_json_are_compacted_and_doc_answers_json_ld_clients(served: str) -> None:
    url = served + "/id/budget/hg-mag-totaal"
    compacted = f'application/ld+json; profile="{JSON_LD}compacted"'
    plain = _get(url, "application/ld+json")
    assert plain[1] == compacted
    assert _get(url, "application/json")[1] == compacted
    assert _get(url, "application/ld+json; charset=utf-8")[1] == compacted
    # several profiles listed: the first of the server's that the list holds
    listed = _get(url, f'application/ld+json;profile="http://example.org/other {JSON_LD}flattened"')
    assert listed[1] == f'application/ld+json; profile="{JSON_LD}flattened"'
    # an unknown profile still gets JSON-LD (the default form), not a 406
    assert _get(url, 'application/ld+json;profile="http://example.org/mine"')[1] == compacted
    # /doc: the page for browsers, the same JSON-LD as /id for a JSON-LD client
    doc = served + "/doc/budget/hg-mag-totaal"
    page = _get(doc, BROWSER_ACCEPT)
    assert page[1].startswith("text/html") and "Accept" in page[3]
    for profile in PROFILES:
        accept = f'application/ld+json;profile="{JSON_LD}{profile}"'
        from_doc, from_id = _get(doc, accept), _get(url, accept)
        assert from_doc[1] == from_id[1] == f'application/ld+json; profile="{JSON_LD}{profile}"'
        assert isomorphic(_rdf(json.loads(from_doc[2])), _rdf(json.loads(from_id[2]))), profile
    assert _get(doc, "text/turtle")[1] == "text/turtle; charset=utf-8"
    assert _get(doc, "image/png")[1].startswith("text/html")  # nothing else it could give: the page
