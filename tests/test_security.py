"""Security of the web service against a real ``mag-graph serve`` (issue 14): no SPARQL
injection through the CMS listings, listings under the query timeout, bad input refused
without a 500 and without a trace in the store, no cross-site writes, files created
private, ``init`` that keeps edits, and URLs behind a TLS proxy.

Every test talks HTTP (``http.client``, nothing in between) to a real server on 127.0.0.1
over an on-disk store, so the query processes and their timeouts are the real ones:
waitress in the test process (conftest's ``serving``), or ``mag-graph serve`` in a
subprocess where the command's own wiring is under test (``--proxy-hops``) or the order
of concurrent answers is (the slow listing).
"""

from __future__ import annotations

import base64
import contextlib
import gc
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import serve_process
from store_template import initialised_store

from mag_graph.access.auth import AuthRegistry
from mag_graph.store import Store
from mag_graph.store.bootstrap import initialise

SCRIPT = Path(sys.executable).with_name("mag-graph")
PASSWORD = "geheim-wachtwoord-14"
USERS = {"beheerder": "admin", "redacteur": "editor", "vaststeller": "reviewer", "lezer": "reader"}
THEME = "https://data.mag-graph.nl/id/thema/hg-gezond-en-vitaal"
THEME_PATH = "/api/v1/themes/hg-gezond-en-vitaal"
THEME_LABEL = "Gezond en vitaal (voorbeeld)"
HG = "https://identifier.overheid.nl/tooi/id/gemeente/gm0523"
RESPONSIBILITIES = "/api/v1/responsibilities"
EDIT_ORIGIN = "https://forms.example.org"
EVIL = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Dest": "document"}


# --------------------------------------------------------------------------- the live server


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    finished: float = 0.0

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def media_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip()


@dataclass
class Server:
    host: str
    port: int
    store: Path
    process: subprocess.Popen[str] | None  # None: served in the test process
    output: list[str]

    def call(self, method: str, path: str, body: bytes | str | None = None, *, user: str | None = None,
             headers: dict[str, str] | None = None, timeout: float = 120) -> Reply:
        """One raw HTTP request."""
        sent = dict(headers or {})
        if user is not None:
            sent["Authorization"] = "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            data = body.encode("utf-8") if isinstance(body, str) else body
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            return Reply(response.status, response.headers, response.read(), time.monotonic())
        finally:
            conn.close()

    def count_quads(self) -> int:
        """Every quad of the store, counted by an admin through /sparql."""
        query = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        reply = self.call("GET", "/sparql?" + urllib.parse.urlencode({"query": query}), user="beheerder",
                          headers={"Accept": "application/sparql-results+json"})
        assert reply.status == 200, reply.body[:300]
        return int(reply.json()["results"]["bindings"][0]["n"]["value"])


def start(store: Path, *extra: str, env: dict[str, str] | None = None, within: float = 120) -> Server:
    """``mag-graph serve --port 0`` in a subprocess, once it says where it listens."""
    running = serve_process.start(store, *extra, env=env, within=within)
    return Server(running.host, running.port, store, running.process, running.output)


def stop(server: Server) -> None:
    assert server.process is not None
    serve_process.stop(server.process)


def make_store(path: Path, *, extra_themes: int = 0) -> Path:
    """An on-disk store with the example data (and ``extra_themes`` more themes) and the
    users of :data:`USERS` (a copy of the process's initialised store, as ``initialise``
    leaves a new one: tests/store_template.py)."""
    store = initialised_store(path)
    try:
        if extra_themes:
            lines = []
            for i in range(extra_themes):
                subject = f"<https://data.mag-graph.nl/id/thema/bulk-{i}>"
                lines.append(f"{subject} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://data.mag-graph.nl/def/mag#Theme> .")
                lines.append(f'{subject} <http://www.w3.org/2000/01/rdf-schema#label> "Bulkthema {i}"@nl .')
            store.load("\n".join(lines).encode("utf-8"), format="ntriples")
    finally:
        store.close()
    with AuthRegistry.for_store(path) as auth:
        for name, role in USERS.items():
            auth.add_user(name, PASSWORD, role)
    return path


@contextlib.contextmanager
def in_process(serving: Callable[[Any], Any], path: Path, **settings: Any) -> Iterator[Server]:
    """The application on the store at ``path`` under conftest's ``serving`` (waitress on
    127.0.0.1, as ``mag-graph serve`` runs it), with ``settings`` as its configuration."""
    from mag_graph.api import create_app

    store = Store.open(path)
    app = None
    try:
        app = create_app(store, config=settings)
        with serving(app) as url:
            host, port = url.removeprefix("http://").rsplit(":", 1)
            yield Server(host, int(port), path, None, [])
    finally:
        if app is not None:
            app.extensions["mag_graph"].close()
            app.extensions["mag_graph"].auth.close()
        store.close()


@pytest.fixture(scope="module")
def server(serving: Callable[[Any], Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    store = make_store(tmp_path_factory.mktemp("security") / "store")
    with in_process(serving, store, MAG_GRAPH_QUERY_WORKERS=2, MAG_GRAPH_QUERY_TIMEOUT=10,
                    MAG_GRAPH_CORS_EDIT_ORIGINS=[EDIT_ORIGIN]) as running:
        yield running


def assert_problem(reply: Reply, status: int, *words: str) -> dict[str, Any]:
    assert reply.status == status, reply.body[:500]
    assert reply.media_type == "application/problem+json", reply.media_type
    problem = reply.json()
    assert problem["status"] == status and problem["title"] and problem["type"]
    assert " / " in problem["detail"], problem  # Dutch, then English
    for word in words:
        assert word in problem["detail"], problem
    return problem


def listing(server: Server, path: str, params: list[tuple[str, str]], **kwargs: Any) -> Reply:
    return server.call("GET", path + "?" + urllib.parse.urlencode(params), **kwargs)


def ids(reply: Reply) -> list[str]:
    assert reply.status == 200, reply.body[:500]
    return [item["id"] for item in reply.json()["items"]]


# --------------------------------------------------------------------------- 1. listings: no injection


BREAK_OUT_KEY = "urn:doesnotexist>?|<urn:doesnotexist"
# Keys that used to be pasted into the query as <key>: the issue's break-out, a cross join
# over the whole store (it used to hang the server), a full IRI and a compact IRI of a
# real property (not keys of the API), and keys that are no names at all.
BAD_KEYS = [
    BREAK_OUT_KEY,
    "urn:a>?x.?y?z?w.?s<urn:b",
    "rdfs:label>?x.?a?b?c.?d?e?f.?s<rdfs:label",
    "urn:a> ?x . ?y ?z ?w . ?s <urn:b",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "rdfs:label",
    "label }",
    "label\u0000",
    "Label",
    "nonsense",
]


def test_the_issues_break_out_key_is_refused_with_the_allowed_keys(server: Server) -> None:
    plain = listing(server, "/api/v1/themes", [("urn:doesnotexist", THEME)])
    broken = listing(server, "/api/v1/themes", [(BREAK_OUT_KEY, THEME)])
    for reply, key in ((plain, "urn:doesnotexist"), (broken, BREAK_OUT_KEY)):
        problem = assert_problem(reply, 400, key)
        assert problem["invalidParams"][0]["name"] == key
        assert {"label", "municipality", "type"} <= set(problem["allowed"])
        assert "onbekende filtersleutel" in problem["detail"] and "unknown filter key" in problem["detail"]
    english = listing(server, "/api/v1/themes", [(BREAK_OUT_KEY, THEME), ("lang", "en")])
    assert assert_problem(english, 400)["invalidParams"][0]["reason"].startswith("unknown filter key")


@pytest.mark.parametrize("key", BAD_KEYS)
def test_unknown_filter_keys_are_refused(server: Server, key: str) -> None:
    before = server.count_quads()
    started = time.monotonic()
    reply = listing(server, RESPONSIBILITIES, [(key, "magb:Uitvoering")])
    problem = assert_problem(reply, 400)
    assert problem["invalidParams"][0]["name"] == key
    assert "phase" in problem["allowed"]
    # refused before any query runs: long before the 10 s query timeout
    assert time.monotonic() - started < 5
    assert server.count_quads() == before


def test_the_cross_join_key_that_hung_the_server_is_refused_and_writers_go_on(server: Server) -> None:
    """The key from the issue that built a cross join over the whole store: refused at
    once, while an editor's write goes through."""
    key = "urn:a>?x.?y?z?w.?q?r?t.?s<urn:b"  # no spaces: the old check let it through
    replies: list[Reply] = []
    threads = [threading.Thread(target=lambda: replies.append(listing(server, "/api/v1/themes", [(key, "1")])))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    created = server.call("POST", "/api/v1/themes", json.dumps({"label": {"nl": "Kruisproef", "en": "Cross test"},
                                                                "municipality": [HG]}),
                          user="redacteur", headers={"Content-Type": "application/ld+json"})
    for thread in threads:
        thread.join(60)
    assert created.status == 201, created.body[:500]
    assert [r.status for r in replies] == [400] * 4


def test_known_filters_still_work_by_compact_iri_full_iri_and_segment(server: Server) -> None:
    everything = ids(listing(server, RESPONSIBILITIES, [("pageSize", "200")]))
    by_curie = ids(listing(server, RESPONSIBILITIES, [("phase", "magb:Uitvoering"), ("pageSize", "200")]))
    by_iri = ids(listing(server, RESPONSIBILITIES, [("phase", "https://data.mag-graph.nl/def/mag/begrip/Uitvoering"),
                                                    ("pageSize", "200")]))
    assert by_curie and by_curie == by_iri and set(by_curie) < set(everything)
    either = ids(listing(server, RESPONSIBILITIES, [("phase", "magb:Uitvoering"), ("phase", "magb:Vaststellen"),
                                                    ("pageSize", "200")]))
    assert set(by_curie) < set(either) <= set(everything)
    themes = ids(listing(server, "/api/v1/themes", [("label", THEME_LABEL)]))
    assert themes == [THEME]


# Values for a reference property (phase): each tries to close the IRI or the FILTER.
BAD_IRI_VALUES = [
    "magb:Uitvoering> || true || <urn:x",
    "magb:Uitvoering>) } UNION { ?s ?p ?o } #",
    "https://data.mag-graph.nl/def/mag/begrip/Uitvoering> . ?s ?p ?o . <urn:x",
    "urn:doesnotexist>?|<urn:doesnotexist",
    "magb:Uit voering",
    "<magb:Uitvoering>",
    "magb:Uitvoering\"",
    "{}",
]


@pytest.mark.parametrize("value", BAD_IRI_VALUES)
def test_reference_values_that_are_no_iri_are_refused(server: Server, value: str) -> None:
    problem = assert_problem(listing(server, RESPONSIBILITIES, [("phase", value)]), 400, "phase")
    assert problem["invalidParams"][0]["name"] == "phase"


# Values for a text property (label): bound as a literal, so they match nothing, exactly
# like any other label no resource has.
TEXT_VALUES = [
    'x") || true || ("',
    "x\") } UNION { ?s ?p ?o } #",
    "' || 1=1 --",
    '"""',
    "\\",
    THEME_LABEL + '") || ("',
    "?s",
]


@pytest.mark.parametrize("value", TEXT_VALUES)
def test_text_values_are_bound_as_literals_and_match_only_themselves(server: Server, value: str) -> None:
    reply = listing(server, "/api/v1/themes", [("label", value), ("pageSize", "200")])
    assert reply.status == 200 and reply.json()["total"] == 0 and ids(reply) == []
    control = listing(server, "/api/v1/themes", [("label", "Geen thema heet zo"), ("pageSize", "200")])
    assert control.json()["total"] == 0


BAD_SORTS = ["label> ?x", "--label", "label DESC", "?s", "-type", "urn:doesnotexist>?|<urn:doesnotexist",
             "label) ?s LIMIT 1000000 #", "rdfs:label", "", "+-label"]


@pytest.mark.parametrize("sort", BAD_SORTS)
def test_sort_keys_outside_the_list_are_refused(server: Server, sort: str) -> None:
    problem = assert_problem(listing(server, RESPONSIBILITIES, [("sort", sort)]), 400)
    assert problem["invalidParams"][0]["name"] == "sort"
    assert "label" in problem["allowed"] and "type" not in problem["allowed"]


def test_sorting_by_a_known_key_both_ways(server: Server) -> None:
    up = listing(server, RESPONSIBILITIES, [("sort", "label"), ("pageSize", "200")]).json()["items"]
    down = listing(server, RESPONSIBILITIES, [("sort", "-label"), ("pageSize", "200")]).json()["items"]
    assert [i["id"] for i in up] == [i["id"] for i in reversed(down)] or [i["title"] for i in up] == sorted(
        (i["title"] for i in down), key=lambda t: t)
    assert listing(server, RESPONSIBILITIES, [("sort", "+order")]).status == 200


BAD_PAGING = [("page", "0"), ("page", "-1"), ("page", "1e3"), ("page", "1 OFFSET 0"), ("page", "2000000"),
              ("page", "1}"), ("pageSize", "0"), ("pageSize", "201"), ("pageSize", "20 LIMIT 100000"),
              ("pageSize", "-5"), ("state", "adopted } UNION {"), ("state", "x"), ("lang", 'en" ) } #')]


@pytest.mark.parametrize(("name", "value"), BAD_PAGING)
def test_paging_state_and_language_outside_their_ranges_are_refused(server: Server, name: str, value: str) -> None:
    assert_problem(listing(server, RESPONSIBILITIES, [(name, value)], user="redacteur"), 400)


def test_too_many_values_for_one_key_are_refused(server: Server) -> None:
    params = [("phase", "magb:Uitvoering")] * 51
    assert_problem(listing(server, RESPONSIBILITIES, params), 400, "phase")
    assert listing(server, RESPONSIBILITIES, params[:50]).status == 200


# --------------------------------------------------------------------------- 1. listings: under the timeout


@pytest.fixture(scope="module")
def slow_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store whose anonymous theme listings take seconds (60,000 extra themes; 30,000
    took about 8 s on a loaded machine and 3-4 s on a quiet one), closed, to be copied.
    Its search index (beside it, copied with it) is built here once, as the CMS builds it
    on opening a store whose index is behind: each server on a copy finds it current
    instead of indexing the 60,000 themes again at its start (7 s CPU each)."""
    from mag_graph.cms import Content

    path = make_store(tmp_path_factory.mktemp("slow") / "store", extra_themes=60_000)
    store = Store.open(path)
    try:
        content = Content.for_store(store)
        assert content.search is not None and content.search.ensure(content) is False  # built and current
        content.search.close()
    finally:
        store.close()
    return path


@pytest.fixture(scope="module")
def slow_server(slow_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on (a copy of) the slow store whose queries may take 2 s."""
    copy = tmp_path_factory.mktemp("slow-2s")
    shutil.copytree(slow_store.parent, copy, dirs_exist_ok=True)
    running = start(copy / slow_store.name, "--workers", "2", "--threads", "8", "--query-timeout", "2", within=600)
    yield running
    stop(running)


@pytest.fixture(scope="module")
def patient_server(slow_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on (a copy of) the slow store whose queries may take 10 minutes: a listing
    runs until it is done, however long a write takes meanwhile. A subprocess, so its
    query processes can be found and paused (SIGSTOP)."""
    copy = tmp_path_factory.mktemp("slow-patient")
    shutil.copytree(slow_store.parent, copy, dirs_exist_ok=True)
    running = start(copy / slow_store.name, "--workers", "2", "--threads", "8", "--query-timeout", "600", within=600)
    yield running
    stop(running)


def _patch_theme(server: Server, text: str, timeout: float = 120) -> Reply:
    current = server.call("GET", THEME_PATH, user="vaststeller", timeout=timeout)
    assert current.status == 200
    return server.call("PATCH", THEME_PATH, json.dumps({"description": {"nl": text}}), user="vaststeller",
                       headers={"If-Match": current.header("ETag") or "", "Content-Type": "application/merge-patch+json"},
                       timeout=timeout)


def _cpu_ticks(pid: int) -> int:
    """User and system CPU time of a process, in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (the query processes hang under the fork server)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, p in parents.items() if p == parent and child not in found]
        found.update(children)
        frontier += children
    return found


def _the_process_running_a_query(server: Server, started: threading.Thread, *, cpu: int = 30) -> int:
    """The server's query process that is working on a query: the one below the server
    whose CPU time grows by ``cpu`` ticks (0.3 s) while ``started`` waits for its answer.
    The server process itself is not below itself, so a listing run in the server (as it
    once was, under the CMS's read lock) is never found here."""
    assert server.process is not None
    baseline = {pid: _cpu_ticks(pid) for pid in _descendants(server.process.pid)}
    while started.is_alive():
        for pid in _descendants(server.process.pid):
            if _cpu_ticks(pid) - baseline.setdefault(pid, _cpu_ticks(pid)) >= cpu:
                return pid
        time.sleep(0.02)
    raise AssertionError("the listing was answered before a query process was seen working on it")


def test_a_slow_listing_ends_with_503(slow_server: Server) -> None:
    """A listing that passes the query timeout is stopped like a /sparql query (503), and
    a quick listing is answered after it (writes meanwhile: the next test)."""
    problem = assert_problem(listing(slow_server, "/api/v1/themes", [("sort", "-label")]), 503)
    assert problem["type"].endswith("query-timeout")
    assert listing(slow_server, RESPONSIBILITIES, [("phase", "magb:Uitvoering")]).status == 200


def test_a_running_listing_holds_up_no_writer_and_no_other_listing(patient_server: Server) -> None:
    """While a listing is running, a reviewer's write and a quick listing are answered:
    the listing holds no lock of the CMS (it used to hold the read lock until it ended,
    so the write waited for it).

    No clock decides it: the query process working on the slow listing is found (its CPU
    time grows) and paused with SIGSTOP, so the listing cannot end, whatever the load of
    the machine, until the test lets it go on (SIGCONT) after the write was answered. Had
    the listing taken a lock the write needs, the write could not be answered meanwhile
    (it would wait for the 10-minute query limit; the test gives up on it after 9)."""
    # the first write loads the shapes (minutes on a loaded machine with 60,000 themes)
    assert _patch_theme(patient_server, "Opwarmen", timeout=900).status == 200
    answers: dict[str, Reply] = {}

    def slow() -> None:
        answers["slow"] = listing(patient_server, "/api/v1/themes", [("sort", "-label")], timeout=900)

    thread = threading.Thread(target=slow)
    thread.start()
    worker = _the_process_running_a_query(patient_server, thread)
    os.kill(worker, signal.SIGSTOP)
    try:
        writes: dict[str, Reply] = {}
        writer = threading.Thread(target=lambda: writes.setdefault("patch", _patch_theme(patient_server, "Tijdens een trage lijst", timeout=540)))
        writer.start()
        writer.join(560)
        assert not writer.is_alive(), "the write waited for the running listing"
        assert writes["patch"].status == 200, writes["patch"].body[:500]
        quick = listing(patient_server, RESPONSIBILITIES, [("phase", "magb:Uitvoering")], timeout=500)
        assert quick.status == 200, quick.body[:500]
        assert thread.is_alive() and "slow" not in answers  # the listing was running all along
    finally:
        os.kill(worker, signal.SIGCONT)
    thread.join(900)
    assert answers["slow"].status == 200, answers["slow"].body[:500]  # it went on and finished
    assert ids(answers["slow"])


# --------------------------------------------------------------------------- 2. bad input: never a 500, never stored

JSON_LD = {"Content-Type": "application/ld+json"}
MERGE = "application/merge-patch+json"
ITEM_ROUTES = ["POST /api/v1/themes", "PUT " + THEME_PATH, "PATCH " + THEME_PATH, "POST /api/v1/imports"]


def _send(server: Server, route: str, body: bytes, content_type: str | None = None) -> Reply:
    method, path = route.split(" ", 1)
    headers = {"Content-Type": content_type or (MERGE if method == "PATCH" else "application/ld+json")}
    if method in ("PUT", "PATCH"):
        headers["If-Match"] = server.call("GET", path, user="vaststeller").header("ETag") or ""
    return server.call(method, path, body, user="vaststeller", headers=headers)


@pytest.mark.parametrize("route", ITEM_ROUTES)
def test_invalid_utf8_is_refused_everywhere_and_nothing_is_stored(server: Server, route: str) -> None:
    before = server.count_quads()
    json_body = b'{"label": {"nl": "\xff\xfe kapot"}, "municipality": ["' + HG.encode() + b'"]}'
    assert_problem(_send(server, route, json_body), 400, "UTF-8")
    if not route.startswith("PATCH"):
        turtle = (b'@prefix mag: <https://data.mag-graph.nl/def/mag#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
                  b'<https://data.mag-graph.nl/id/thema/kapot> a mag:Theme ; rdfs:label "\xff\xfe"@nl .')
        assert _send(server, route, turtle, "text/turtle").status == 400
    assert server.count_quads() == before


DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"label": {"nl": "x"}, "description": ' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_000 + b"}"


@pytest.mark.parametrize("route", ITEM_ROUTES)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["arrays", "objects"])
def test_deeply_nested_json_is_400_not_a_recursion_error(server: Server, route: str, body: bytes) -> None:
    before = server.count_quads()
    assert_problem(_send(server, route, body), 400)
    assert server.count_quads() == before


def test_deeply_nested_bodies_of_the_graph_store_and_rdf_xml_are_refused(server: Server) -> None:
    """JSON-LD 100,000 levels deep, and RDF/XML 100,000 elements deep (Oxigraph's RDF/XML
    parser is quadratic in the depth: that upload used to take hours of CPU)."""
    before = server.count_quads()
    graph = "/graph-store?graph=" + urllib.parse.quote("https://example.org/graph/diep")
    reply = server.call("PUT", graph, DEEP, user="beheerder", headers={"Content-Type": "application/ld+json"})
    assert_problem(reply, 400)
    n = 100_000
    xml = ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:p="urn:p#">'
           '<rdf:Description rdf:about="urn:a">' + "<p:p><rdf:Description>" * n + "</rdf:Description></p:p>" * n
           + "</rdf:Description></rdf:RDF>").encode()
    started = time.monotonic()
    assert_problem(server.call("PUT", graph, xml, user="beheerder", headers={"Content-Type": "application/rdf+xml"}),
                   400, "512")
    assert_problem(server.call("POST", "/api/v1/imports", xml, user="vaststeller",
                               headers={"Content-Type": "application/rdf+xml"}), 400, "512")
    assert time.monotonic() - started < 30  # refused by a linear scan, not after the quadratic parse
    assert server.count_quads() == before


def test_a_date_that_is_no_date_is_422_naming_the_field(server: Server) -> None:
    before = server.count_quads()
    document = {"label": {"nl": "Besluit met een kapotte datum"}, "municipality": [HG], "date": "not-a-date"}
    reply = server.call("POST", "/api/v1/decisions", json.dumps(document), user="redacteur", headers=JSON_LD)
    problem = assert_problem(reply, 422, "date", "not-a-date")
    assert problem["invalidParams"][0]["name"] == "date"
    for wrong in ("2023-02-30", "2023-13-01", "1 januari 2023", "2023-1-1"):
        document["date"] = wrong
        reply = server.call("POST", "/api/v1/decisions", json.dumps(document), user="redacteur", headers=JSON_LD)
        assert assert_problem(reply, 422)["invalidParams"][0]["name"] == "date", wrong
    assert server.count_quads() == before
    document["date"] = "2023-02-28"
    assert server.call("POST", "/api/v1/decisions", json.dumps(document), user="redacteur", headers=JSON_LD).status == 201


@pytest.mark.parametrize("route", ITEM_ROUTES[:3])
def test_unknown_keys_are_refused_naming_the_key(server: Server, route: str) -> None:
    before = server.count_quads()
    document: dict[str, Any] = {"label": {"nl": "Thema met tikfout"}, "municipality": [HG], "descriptoin": {"nl": "x"},
                                "amount": {"curency": "EUR"}}
    if route.startswith("PUT"):
        document["id"] = THEME
    reply = _send(server, route, json.dumps(document).encode())
    problem = assert_problem(reply, 400, "descriptoin", "amount.curency")
    assert {p["name"] for p in problem["invalidParams"]} == {"descriptoin", "amount.curency"}
    assert server.count_quads() == before


def test_compact_iri_keys_and_an_inline_context_are_still_accepted(server: Server) -> None:
    document = {"label": {"nl": "Thema met eigen sleutels"}, "municipality": [HG],
                "dcterms:subject": "https://data.mag-graph.nl/id/thema/hg-meedoen-en-ontmoeten"}
    assert server.call("POST", "/api/v1/themes", json.dumps(document), user="redacteur", headers=JSON_LD).status == 201
    inline = {"@context": {"naam": {"@id": "http://www.w3.org/2000/01/rdf-schema#label", "@language": "nl"},
                           "gemeente": {"@id": "https://data.mag-graph.nl/def/mag#municipality", "@type": "@id"}},
              "@type": "https://data.mag-graph.nl/def/mag#Theme", "naam": "Thema met eigen context", "gemeente": HG}
    assert server.call("POST", "/api/v1/themes", json.dumps(inline), user="redacteur", headers=JSON_LD).status == 201


def test_a_theme_with_every_label_removed_is_422_and_keeps_its_label(server: Server) -> None:
    before = server.call("GET", THEME_PATH).json()
    for patch in ({"label": None}, {"label": {"nl": None, "en": None}}):
        reply = _send(server, "PATCH " + THEME_PATH, json.dumps(patch).encode())
        assert assert_problem(reply, 422, "label")["invalidParams"][0]["name"] == "label"
    created = server.call("POST", "/api/v1/themes", json.dumps({"municipality": [HG], "description": {"nl": "naamloos"}}),
                          user="redacteur", headers=JSON_LD)
    assert assert_problem(created, 422)["invalidParams"][0]["name"] == "label"
    assert server.call("GET", THEME_PATH).json()["label"] == before["label"]
    # replacing one language by another is fine
    assert _send(server, "PATCH " + THEME_PATH, json.dumps({"label": {"en": "Healthy"}}).encode()).status == 200
    _send(server, "PATCH " + THEME_PATH, json.dumps({"label": before["label"]}).encode())


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "x\\ud83d", "\\u0000", "\\u001b[31m"])
def test_a_merge_patch_with_text_that_is_no_text_is_refused(server: Server, escape: str) -> None:
    before = server.count_quads()
    body = ('{"label": {"nl": "kapot ' + escape + '"}}').encode("ascii")
    problem = assert_problem(_send(server, "PATCH " + THEME_PATH, body), 400, "label.nl")
    assert problem["invalidParams"][0]["name"] == "label.nl"
    assert server.count_quads() == before
    # a correct surrogate pair is one character, and fine
    fine = _send(server, "PATCH " + THEME_PATH, b'{"description": {"nl": "emoji \\ud83d\\ude00"}}')
    assert fine.status == 200, fine.body[:300]


# --------------------------------------------------------------------------- 3. no cross-site writes

FORM = "application/x-www-form-urlencoded"


def _own(server: Server) -> dict[str, str]:
    return {"Origin": f"http://{server.host}:{server.port}", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}


def _insert(label: str) -> str:
    return f'INSERT DATA {{ GRAPH <https://example.org/graph/csrf> {{ <urn:csrf:x> <urn:csrf:label> "{label}" }} }}'


def _has(server: Server, label: str) -> bool:
    query = f'ASK {{ GRAPH ?g {{ ?s <urn:csrf:label> "{label}" }} }}'
    reply = server.call("GET", "/sparql?" + urllib.parse.urlencode({"query": query}), user="beheerder",
                        headers={"Accept": "application/sparql-results+json"})
    return bool(reply.json()["boolean"])


def test_the_issues_three_cross_site_writes_are_refused(server: Server) -> None:
    """What a page on another site could make a browser with cached credentials send:
    a form-encoded SPARQL update, a text/plain Graph Store POST, an empty workflow POST."""
    before = server.count_quads()
    update = server.call("POST", "/sparql", urllib.parse.urlencode({"update": _insert("kwaad")}), user="beheerder",
                         headers={**EVIL, "Content-Type": FORM})
    assert assert_problem(update, 403, "evil.example")["type"].endswith("cross-site-write")
    graph = "/graph-store?graph=" + urllib.parse.quote("https://example.org/graph/csrf")
    plain = server.call("POST", graph, '<urn:csrf:x> <urn:csrf:label> "kwaad" .', user="beheerder",
                        headers={**EVIL, "Content-Type": "text/plain"})
    assert_problem(plain, 403)
    step = server.call("POST", "/api/v1/themes/hg-meedoen-en-ontmoeten/workflow/archiveren", user="vaststeller",
                       headers=EVIL)
    assert_problem(step, 403)
    assert server.count_quads() == before and not _has(server, "kwaad")


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "null"},
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "same-origin"},  # a lying header does not help
    {"Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"},  # another port is another origin
    {"Origin": EDIT_ORIGIN},  # the editing origin may use /api/v1, not /sparql
], ids=["origin", "sec-fetch-site", "null-cross", "null", "lying", "other-port", "edit-origin"])
def test_every_foreign_origin_is_refused_on_the_sparql_endpoint(server: Server, headers: dict[str, str]) -> None:
    reply = server.call("POST", "/sparql", _insert("vreemd"), user="beheerder",
                        headers={**headers, "Content-Type": "application/sparql-update"})
    assert_problem(reply, 403)
    assert not _has(server, "vreemd")


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_graph_store_writes_from_another_site_are_refused(server: Server, method: str) -> None:
    graph = "/graph-store?graph=" + urllib.parse.quote("https://example.org/graph/csrf-gsp")
    body = None if method == "DELETE" else '<urn:csrf:y> <urn:csrf:label> "gsp" .'
    reply = server.call(method, graph, body, user="beheerder",
                        headers={**EVIL, "Content-Type": "application/n-triples"})
    assert_problem(reply, 403)


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/v1/themes"), ("PATCH", THEME_PATH), ("PUT", THEME_PATH),
                                              ("DELETE", THEME_PATH), ("POST", "/api/v1/imports"),
                                              ("POST", THEME_PATH + "/workflow/archiveren")])
def test_cms_writes_from_another_site_are_refused(server: Server, method: str, path: str) -> None:
    before = server.call("GET", THEME_PATH).json()
    etag = server.call("GET", THEME_PATH).header("ETag") or ""
    reply = server.call(method, path, json.dumps({"label": {"nl": "Overgenomen"}}), user="vaststeller",
                        headers={**EVIL, "Content-Type": "application/ld+json", "If-Match": etag})
    assert_problem(reply, 403)
    assert server.call("GET", THEME_PATH).json() == before


def test_same_origin_the_editing_origin_and_clients_outside_a_browser_may_write(server: Server) -> None:
    own = server.call("POST", "/sparql", urllib.parse.urlencode({"update": _insert("eigen")}), user="beheerder",
                      headers={**_own(server), "Content-Type": FORM})
    assert own.status == 204, own.body[:300]
    # SPARQL 1.1 Protocol: a form-encoded update from a client that is no browser page
    plain_client = server.call("POST", "/sparql", urllib.parse.urlencode({"update": _insert("client")}),
                               user="beheerder", headers={"Content-Type": FORM})
    assert plain_client.status == 204
    assert _has(server, "eigen") and _has(server, "client")
    editing = server.call("POST", "/api/v1/themes", json.dumps({"label": {"nl": "Via de redactie"}, "municipality": [HG]}),
                          user="redacteur", headers={"Origin": EDIT_ORIGIN, "Sec-Fetch-Site": "cross-site",
                                                      "Content-Type": "application/ld+json"})
    assert editing.status == 201, editing.body[:300]
    assert editing.header("Access-Control-Allow-Origin") == EDIT_ORIGIN


def test_text_plain_is_not_rdf_on_the_graph_store(server: Server) -> None:
    graph = "/graph-store?graph=" + urllib.parse.quote("https://example.org/graph/csrf-plain")
    reply = server.call("POST", graph, '<urn:csrf:z> <urn:csrf:label> "plain" .', user="beheerder",
                        headers={"Content-Type": "text/plain"})
    problem = assert_problem(reply, 415)
    assert "application/n-triples" in problem["acceptable"]
    assert not _has(server, "plain")
    ntriples = server.call("POST", graph, '<urn:csrf:z> <urn:csrf:label> "plain" .', user="beheerder",
                           headers={"Content-Type": "application/n-triples"})
    assert ntriples.status in (201, 204) and _has(server, "plain")


def test_workflow_steps_need_if_match(server: Server) -> None:
    created = server.call("POST", "/api/v1/themes", json.dumps({"label": {"nl": "Stap met ETag"}, "municipality": [HG]}),
                          user="redacteur", headers={"Content-Type": "application/ld+json"}).json()
    path = urllib.parse.urlsplit(created["href"]).path
    bare = server.call("POST", path + "/workflow/vaststellen", user="vaststeller")
    assert_problem(bare, 428, "If-Match")
    assert server.call("GET", path, user="vaststeller").header("X-Workflow-State") == "concept"
    stale = server.call("POST", path + "/workflow/vaststellen", user="vaststeller", headers={"If-Match": '"oud"'})
    assert_problem(stale, 412)
    etag = server.call("GET", path, user="vaststeller").header("ETag") or ""
    adopted = server.call("POST", path + "/workflow/vaststellen", user="vaststeller", headers={"If-Match": etag})
    assert adopted.status == 200 and adopted.json()["state"] == "vastgesteld"


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
    {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"},
    {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
], ids=["navigate", "fetch", "html"])
def test_no_basic_challenge_for_a_browser_page(server: Server, headers: dict[str, str]) -> None:
    """A Basic challenge would make the browser ask for a password and send it with every
    later request, also those another site makes it send; a browser page gets Bearer."""
    for method, path in (("POST", "/sparql"), ("POST", "/api/v1/themes")):
        reply = server.call(method, path, "x", headers={**headers, "Content-Type": "application/sparql-update"})
        assert reply.status == 401
        challenges = reply.headers.get_all("WWW-Authenticate") or []
        assert challenges and all(c.startswith("Bearer") for c in challenges), challenges
    wrong = server.call("GET", "/api/v1/themes", headers={**headers, "Authorization": "Basic " + base64.b64encode(
        b"lezer:fout").decode()})
    assert wrong.status == 401 and all(c.startswith("Bearer") for c in wrong.headers.get_all("WWW-Authenticate") or [])


def test_clients_outside_a_browser_still_learn_that_basic_works(server: Server) -> None:
    reply = server.call("POST", "/sparql", _insert("anoniem"), headers={"Content-Type": "application/sparql-update"})
    challenges = reply.headers.get_all("WWW-Authenticate") or []
    assert reply.status == 401 and any(c.startswith("Basic") for c in challenges) and any(
        c.startswith("Bearer") for c in challenges)


def test_reads_from_other_sites_keep_their_cors(server: Server) -> None:
    query = "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    reply = server.call("GET", query, headers={**EVIL, "Sec-Fetch-Mode": "cors", "Accept": "application/sparql-results+json"})
    assert reply.status == 200 and reply.header("Access-Control-Allow-Origin") == "*"
    listing_reply = server.call("GET", "/api/v1/themes", headers={**EVIL, "Sec-Fetch-Mode": "cors"})
    assert listing_reply.status == 200 and listing_reply.header("Access-Control-Allow-Origin") == "*"
    preflight = server.call("OPTIONS", "/sparql", headers={"Origin": "https://evil.example",
                                                          "Access-Control-Request-Method": "POST"})
    assert "POST" not in (preflight.header("Access-Control-Allow-Methods") or "")


# --------------------------------------------------------------------------- 4. private files


def test_the_search_index_is_private_like_the_credentials(server: Server) -> None:
    """search.sqlite holds the labels of drafts: 0600 like auth.sqlite, its WAL files too."""
    # a write, so the index has written through its WAL
    created = server.call("POST", "/api/v1/themes", json.dumps({"label": {"nl": "Geheim concept"}, "municipality": [HG]}),
                          user="redacteur", headers={"Content-Type": "application/ld+json"})
    assert created.status == 201
    folder = server.store.parent
    index = folder / "search.sqlite"
    assert index.exists()
    for path in [index, folder / "auth.sqlite", *folder.glob("search.sqlite-*")]:
        assert path.stat().st_mode & 0o777 == 0o600, (path, oct(path.stat().st_mode))


def test_an_index_left_world_readable_is_made_private(tmp_path: Path) -> None:
    from mag_graph.cms.search import SearchIndex

    path = tmp_path / "search.sqlite"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    index = SearchIndex(path)
    try:
        assert path.stat().st_mode & 0o777 == 0o600
    finally:
        index.close()


# --------------------------------------------------------------------------- 5. init keeps edits


def _edited_store(path: Path) -> tuple[str, str]:
    """An initialised on-disk store where a reviewer adopted a label change through the
    CMS; the new and the shipped label."""
    from click.testing import CliRunner

    from mag_graph.cli import main
    from mag_graph.cms import Content

    result = CliRunner().invoke(main, ["init", "--store", str(path)])
    assert result.exit_code == 0, result.output
    store = Store.open(path)
    try:
        cms = Content.for_store(store, search=False)
        before = cms.get(THEME).triples
        shipped = next(str(o) for s, p, o in before if str(p).endswith("#label") and getattr(o, "language", None) == "nl")
        current = cms.get(THEME, role="reviewer")
        cms.patch(THEME, {"label": {"nl": "Gezond en vitaal (bijgewerkt)"}}, agent="vaststeller", role="reviewer",
                  if_match=current.etag)
    finally:
        store.close()
        del store
        gc.collect()  # the Oxigraph handle (and its lock) goes with its last reference
    return "Gezond en vitaal (bijgewerkt)", shipped


def _label(path: Path) -> set[str]:
    store = Store.open(path)
    try:
        rows = store.query(f'SELECT ?l WHERE {{ <{THEME}> rdfs:label ?l FILTER(LANG(?l) = "nl") }}').rows
        return {str(r[0]) for r in rows}
    finally:
        store.close()


def test_init_again_keeps_an_adopted_label_change(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from mag_graph.cli import main

    path = tmp_path / "store"
    new, shipped = _edited_store(path)
    assert new != shipped and _label(path) == {new}
    result = CliRunner().invoke(main, ["init", "--store", str(path)])
    assert result.exit_code == 0, result.output
    assert "only missing graphs" in result.output
    assert _label(path) == {new}
    # a graph that went missing comes back; the edited one is untouched
    store = Store.open(path)
    try:
        store.drop_graph("https://data.mag-graph.nl/graph/catalogus")
    finally:
        store.close()
    again = CliRunner().invoke(main, ["init", "--store", str(path)])
    assert again.exit_code == 0 and "catalogus" in again.output
    assert _label(path) == {new}


def test_init_reset_says_what_it_drops_and_asks(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from mag_graph.cli import main

    path = tmp_path / "store"
    new, shipped = _edited_store(path)
    refused = CliRunner().invoke(main, ["init", "--reset", "--store", str(path)], input="n\n")
    assert refused.exit_code != 0
    assert "1 CMS-revisie(s)" in refused.output and "1 CMS revision(s)" in refused.output
    assert "historie" in refused.output and "hardinxveld" in refused.output  # the graphs, by name
    assert _label(path) == {new}
    done = CliRunner().invoke(main, ["init", "--reset", "--yes", "--store", str(path)])
    assert done.exit_code == 0, done.output
    assert _label(path) == {shipped}


# --------------------------------------------------------------------------- 6. behind a TLS proxy

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "mag.example.nl", "X-Forwarded-For": "203.0.113.9"}


@pytest.fixture(scope="module")
def proxied_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    store = make_store(tmp_path_factory.mktemp("proxied") / "store")
    running = start(store, "--workers", "1", "--proxy-hops", "1")
    yield running
    stop(running)


def _absolute_urls(server: Server, headers: dict[str, str]) -> dict[str, str]:
    """Every kind of absolute URL the server writes, as it writes them for a request."""
    openapi = server.call("GET", "/api/v1/openapi.json", headers=headers).json()
    item = server.call("GET", THEME_PATH, headers=headers).json()
    created = server.call("POST", "/api/v1/themes", json.dumps({"label": {"nl": "Achter de proxy"}, "municipality": [HG]}),
                          user="redacteur", headers={**headers, "Content-Type": "application/ld+json"})
    assert created.status == 201, created.body[:300]
    description = server.call("GET", "/sparql", headers={**headers, "Accept": "application/n-triples"}).body.decode()
    endpoint = re.search(r"<http://www.w3.org/ns/sparql-service-description#endpoint> <([^>]+)>", description)
    assert endpoint is not None
    # The OpenAPI document names its server relatively ("/api/v1"), right behind any proxy.
    assert openapi["servers"][0]["url"] == "/api/v1"
    return {"context": item["@context"],
            "location": created.header("Location") or "", "endpoint": endpoint.group(1)}


def test_behind_a_trusted_proxy_every_absolute_url_says_https(proxied_server: Server) -> None:
    urls = _absolute_urls(proxied_server, FORWARDED)
    for what, url in urls.items():
        assert url.startswith("https://mag.example.nl/"), (what, url)
    # and the same request without the proxy's headers is answered for what it reached
    direct = _absolute_urls(proxied_server, {})
    for what, url in direct.items():
        assert url.startswith(f"http://{proxied_server.host}:{proxied_server.port}/"), (what, url)


def test_behind_a_trusted_proxy_the_public_origin_may_write(proxied_server: Server) -> None:
    created = proxied_server.call(
        "POST", "/api/v1/themes", json.dumps({"label": {"nl": "Vanaf de publieke origin"}, "municipality": [HG]}),
        user="redacteur", headers={**FORWARDED, "Origin": "https://mag.example.nl", "Sec-Fetch-Site": "same-origin",
                                   "Content-Type": "application/ld+json"})
    assert created.status == 201, created.body[:300]


def test_without_trusted_proxies_the_forwarded_headers_are_ignored(server: Server) -> None:
    urls = _absolute_urls(server, FORWARDED)
    for what, url in urls.items():
        assert url.startswith(f"http://{server.host}:{server.port}/"), (what, url)
    # a client cannot make the server believe a forged origin is its own
    forged = server.call("POST", "/api/v1/themes", json.dumps({"label": {"nl": "Vervalst"}, "municipality": [HG]}),
                         user="redacteur", headers={**FORWARDED, "Origin": "https://mag.example.nl",
                                                    "Content-Type": "application/ld+json"})
    assert_problem(forged, 403)


def test_the_trusted_proxies_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from mag_graph.api import create_app
    from werkzeug.serving import make_server

    monkeypatch.setenv("MAG_GRAPH_TRUSTED_PROXIES", "1")
    store = Store.open(":memory:")
    initialise(store)
    app = create_app(store, config={"MAG_GRAPH_CACHE_ENTRIES": 0})
    http_server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http_server.serve_forever, daemon=True)
    thread.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", http_server.server_port, timeout=30)
        conn.request("GET", "/sparql", headers={**FORWARDED, "Accept": "application/n-triples"})
        description = conn.getresponse().read().decode()
        endpoint = re.search(r"<http://www.w3.org/ns/sparql-service-description#endpoint> <([^>]+)>", description)
        assert endpoint is not None and endpoint.group(1).startswith("https://mag.example.nl/"), description[:300]
    finally:
        http_server.shutdown()
        app.extensions["mag_graph"].close()
        store.close()
    monkeypatch.setenv("MAG_GRAPH_TRUSTED_PROXIES", "een")
    with pytest.raises(ValueError, match="whole number"):
        create_app(Store.open(":memory:"))
