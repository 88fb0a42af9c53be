"""The time limit of a validation (issue 14: every query a request can start runs under a
timeout): ``validate(..., deadline=...)`` on both engines, and over real HTTP the 503
of ``POST /api/v1/validation``, the check page and the report page when
``MAG_GRAPH_VALIDATION_TIMEOUT`` runs out.

The engines are driven by a :class:`Deadline` on a clock that counts its readings, so
"where did it stop" is asserted exactly (how many checks), never a duration."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pyoxigraph as ox
import pytest

from mag_graph import validation
from mag_graph.store import Store
from mag_graph.store.bootstrap import initialise
from mag_graph.validation import Deadline, ValidationTimeoutError
from mag_graph.validation.setbased import run_setbased
from mag_graph.validation.shapes import prepared_shapes

DATE_TEXT = "2026-11-01"

# A small valid role model (it parses; the report has findings, which is fine: 200 either way).
UPLOAD = b"""\
@prefix mag: <https://data.mag-graph.nl/def/mag#> .
@prefix magb: <https://data.mag-graph.nl/def/mag/begrip/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<verantwoordelijkheid/controle-zonder-fase> a mag:Responsibility ;
    rdfs:label "Stelt iets op, zonder fase"@nl ;
    mag:raciKind magb:Responsible ;
    mag:assignedTo <orgaan/hg-college> .
"""


class Ticks:
    """A clock that reads 1, 2, 3, ... (one tick per reading): a deadline at ``n`` on
    it passes exactly at its n-th check."""

    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> float:
        self.now += 1
        return float(self.now)


@pytest.fixture(scope="module")
def example() -> ox.Store:
    return validation.example_store()


@pytest.mark.parametrize("engine", ["setbased", "pyshacl"])
def test_a_passed_deadline_stops_either_engine_at_once(example: ox.Store, engine: str) -> None:
    deadline = Deadline(time.monotonic() - 1, limit=2.5)
    with pytest.raises(ValidationTimeoutError) as raised:
        validation.validate(example, engine=engine, deadline=deadline)
    assert deadline.checks == 1  # stopped at the first check, before any shape ran
    assert raised.value.limit == 2.5 and "2.5 s" in raised.value.nl and "2.5 s" in raised.value.en
    # a plain monotonic instant is accepted too
    with pytest.raises(ValidationTimeoutError):
        validation.validate(example, engine=engine, deadline=time.monotonic() - 1)


@pytest.mark.parametrize("engine", ["setbased", "pyshacl"])
def test_each_engine_checks_its_deadline_while_it_runs(example: ox.Store, engine: str) -> None:
    unlimited = Deadline(float("inf"), clock=Ticks())
    report = validation.validate(example, engine=engine, deadline=unlimited)
    assert report.conforms is True  # the example conforms: the deadline changed nothing
    # the start and the end are two checks; the rest are per shape / per query inside the engine
    assert unlimited.checks > 10, unlimited.checks
    stop_at = unlimited.checks // 2
    halfway = Deadline(stop_at, clock=Ticks())
    with pytest.raises(ValidationTimeoutError):
        validation.validate(example, engine=engine, deadline=halfway)
    assert halfway.checks == stop_at  # it stopped at the check where the deadline passed, no later


def test_the_setbased_engine_stops_before_its_first_query(example: ox.Store) -> None:
    shapes, use_shapes = prepared_shapes(dt.date(2026, 11, 1), None)
    deadline = Deadline(0.0, clock=Ticks())  # already passed at its first reading
    with pytest.raises(ValidationTimeoutError):
        run_setbased(example, shapes, use_shapes, deadline)
    assert deadline.checks == 1


def test_without_a_deadline_there_is_no_limit(example: ox.Store) -> None:
    # the CLI's case: no deadline at all (and none left behind by an earlier run in this thread)
    assert validation.validate(example).conforms is True


# --------------------------------------------------------------------------- over HTTP


def _call(base: str, method: str, path: str, body: bytes | None = None, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(base + path, data=body, method=method,
                                     headers={k.replace("_", "-"): v for k, v in headers.items()})
    try:
        with urllib.request.urlopen(request, timeout=300) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def server(serving: Callable[[Any], Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """The example on an on-disk store, served with a validation limit of 1 ms (the
    tests raise it through the app's config to show the limit made the difference)."""
    from mag_graph.api import create_app

    store = Store.open(tmp_path_factory.mktemp("store") / "store")
    initialise(store)
    app = create_app(store, config={"MAG_GRAPH_VALIDATION_TIMEOUT": 0.001, "MAG_GRAPH_REPORT_WAIT": 300.0})
    try:
        with serving(app) as url:
            yield url, app
    finally:
        app.extensions["mag_graph"].close()
        store.close()


@pytest.fixture
def limit(server: tuple[str, Any]) -> Iterator[Callable[[float], None]]:
    _, app = server

    def set_limit(seconds: float) -> None:
        app.config["MAG_GRAPH_VALIDATION_TIMEOUT"] = seconds

    yield set_limit
    set_limit(0.001)


def test_post_validation_answers_503_when_the_limit_runs_out(server: tuple[str, Any], limit: Callable[[float], None]) -> None:
    base, _ = server
    path = f"/api/v1/validation?date={DATE_TEXT}"
    status, headers, body = _call(base, "POST", path, UPLOAD, Content_Type="text/turtle")
    assert status == 503, body
    assert headers["Content-Type"] == "application/problem+json"
    assert int(headers["Retry-After"]) >= 1
    problem = json.loads(body)
    assert problem["type"].endswith("/validation-timeout") and problem["status"] == 503
    assert "0.001 s" in problem["detail"] and "validatie" in problem["detail"].lower()
    assert "validation" in problem["detail"].lower() and problem["limit"] == 0.001
    # the same request with a normal limit is answered
    limit(60.0)
    status, _, body = _call(base, "POST", path, UPLOAD, Content_Type="text/turtle")
    assert status == 200 and {r["rule"] for r in json.loads(body)["results"]} == {"R01"}
    # and with context=store (the incremental path) the limit holds as well
    limit(0.001)
    status, headers, _ = _call(base, "POST", path + "&context=store", UPLOAD, Content_Type="text/turtle")
    assert status == 503 and "Retry-After" in headers


def test_the_check_page_answers_503_with_the_message(server: tuple[str, Any], limit: Callable[[float], None]) -> None:
    base, _ = server
    form = urllib.parse.urlencode({"formaat": "", "tekst": UPLOAD.decode(), "datum": DATE_TEXT}).encode()
    status, headers, body = _call(base, "POST", "/validatie/controleren", form,
                                  Content_Type="application/x-www-form-urlencoded", Accept="text/html")
    page = body.decode()
    assert status == 503 and headers["Content-Type"].startswith("text/html") and "Retry-After" in headers
    assert "De validatie duurde langer dan de limiet van 0.001 s" in page
    limit(60.0)
    status, _, body = _call(base, "POST", "/validatie/controleren", form,
                            Content_Type="application/x-www-form-urlencoded", Accept="text/html")
    assert status == 200 and "De validatie duurde langer" not in body.decode()


def test_the_report_page_shows_a_timed_out_job_and_does_not_keep_it(server: tuple[str, Any],
                                                                    limit: Callable[[float], None]) -> None:
    base, _ = server
    path = "/validatie?datum=2019-06-01&gemeente=maassluis"
    status, headers, body = _call(base, "GET", path, Accept="text/html")
    assert status == 503 and "Retry-After" in headers
    assert "De validatie duurde langer dan de limiet van 0.001 s" in body.decode()
    status, headers, body = _call(base, "GET", path + "&format=json")
    assert status == 503 and headers["Content-Type"] == "application/problem+json"
    assert json.loads(body)["type"].endswith("/validation-timeout")
    # the failed job was not kept as the report: with a normal limit the same page is computed
    limit(60.0)
    status, _, body = _call(base, "GET", path + "&format=json")
    assert status == 200 and {r["rule"] for r in json.loads(body)["results"]} == {"R26"}


def test_the_limit_is_documented(server: tuple[str, Any]) -> None:
    base, _ = server
    _, _, body = _call(base, "GET", "/api/v1/openapi.json")
    paths = json.loads(body)["paths"]
    assert "503" in paths["/validation"]["post"]["responses"]
    assert "503" in paths["/validation"]["get"]["responses"]


def test_get_validation_answers_503_and_keeps_no_timed_out_report(server: tuple[str, Any],
                                                                  limit: Callable[[float], None]) -> None:
    base, _ = server
    path = "/api/v1/validation?date=2019-06-01&municipality=maassluis"
    status, headers, body = _call(base, "GET", path)
    assert status == 503 and "Retry-After" in headers
    assert json.loads(body)["type"].endswith("/validation-timeout")
    limit(60.0)
    status, _, body = _call(base, "GET", path)
    assert status == 200 and {r["rule"] for r in json.loads(body)["results"]} == {"R26"}
