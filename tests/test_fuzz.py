"""Property-based fuzzing of every route (issue 14): schemathesis on the OpenAPI document
of ``/api/v1`` (valid and invalid data) and our own Hypothesis generators for
``/sparql``, ``/graph-store``, ``/id`` and ``/doc`` (odd bytes, deep nesting, huge and odd
``Accept`` headers, broken query strings), anonymous and with an editor's credentials.

Every answer: no 5xx (503 only for a query stopped at its time limit), every 4xx is
``application/problem+json`` (the pages for people may answer an HTML error page), and a
refused request leaves the store as it was: the SPARQL service's generation (renewed by
every write) and the number of quads are the same after it, and after the anonymous
runs the whole store is the same N-Quads. The server is real (waitress on 127.0.0.1 over
an on-disk store, conftest's ``serving``); the requests raw ``http.client``. The bounded
number of examples keeps the module near a minute; ``scripts/fuzz.py`` is the long run
(10,000 requests and more, against ``mag-graph serve``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_template import initialised_store

from mag_graph.access.auth import AuthRegistry
from mag_graph.store import Store


def _load_runner() -> Any:
    path = Path(__file__).resolve().parents[1] / "scripts" / "fuzz.py"
    spec = importlib.util.spec_from_file_location("mag_graph_fuzz_runner", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fuzz = _load_runner()
SCHEMATHESIS_EXAMPLES = 1  # per operation, mode and caller (20 x 2 x 2 = 80 requests; scripts/fuzz.py does the volume)
OWN_EXAMPLES = 40


@dataclass
class Live:
    host: str
    port: int
    store: Store
    app: Any
    # The editor's Authorization: Basic with a token of the editor as the password (the
    # same principal as the password; a token is a hash lookup, a password a deliberately
    # slow scrypt on each of the module's hundreds of requests). The readers use passwords.
    editor: str = ""

    def generation(self) -> int:
        return int(self.app.extensions["mag_graph"].service.generation)

    def fingerprint(self) -> tuple[int, int]:
        return self.generation(), len(self.store)

    def dump(self) -> list[str]:
        return sorted((self.store.export(format="nquads") or b"").decode("utf-8").splitlines())


@pytest.fixture(scope="module")
def live(serving: Callable[[Any], Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from mag_graph.api import create_app

    path = tmp_path_factory.mktemp("fuzz") / "store"
    store = initialised_store(path)
    with AuthRegistry.for_store(path) as auth:
        for name, role in fuzz.USERS.items():
            auth.add_user(name, fuzz.PASSWORD, role)
        editor = fuzz.basic("redacteur", auth.create_token("redacteur", fuzz.USERS["redacteur"])[1])
    app = create_app(store, config={"MAG_GRAPH_QUERY_TIMEOUT": 1.0})
    try:
        with serving(app) as url:
            host, port = url.removeprefix("http://").split(":")
            yield Live(host, int(port), store, app, editor)
    finally:
        app.extensions["mag_graph"].close()
        app.extensions["mag_graph"].auth.close()
        store.close()


def check(live: Live, request: Any) -> Any:
    """Send ``request``; assert the answer is sound and a refusal changed nothing."""
    before = live.fingerprint()
    answer = fuzz.send(live.host, live.port, request)
    wrong = fuzz.judge(request, answer)
    assert wrong is None, f"{wrong}\n{request.describe()}"
    if answer.status >= 400:
        assert live.fingerprint() == before, f"a refused request changed the store: {request.describe()}"
    if answer.media_type == fuzz.PROBLEM and request.method != "HEAD":
        problem = json.loads(answer.body)
        assert problem["status"] == answer.status and problem["title"], problem
    return answer


def test_the_runner_judges_what_the_test_asserts() -> None:
    """The judge itself: a 500, a 4xx as HTML on the API, and a 4xx as HTML on a page."""
    api = fuzz.Request("GET", "/api/v1/themes")
    page = fuzz.Request("GET", "/doc/thema/x")
    assert fuzz.judge(api, fuzz.Answer(500, fuzz.PROBLEM, b"{}")) is not None
    assert fuzz.judge(api, fuzz.Answer(400, "text/html", b"<p>")) is not None
    assert fuzz.judge(api, fuzz.Answer(503, fuzz.PROBLEM, b"{}")) is None
    assert fuzz.judge(page, fuzz.Answer(404, "text/html", b"<p>")) is None
    assert fuzz.judge(api, fuzz.Answer(422, fuzz.PROBLEM, b"{}")) is None


@pytest.fixture(scope="module")
def schemathesis_examples(live: Live) -> tuple[int, list[Any]]:
    """The number of schemathesis strategies (every operation of the served OpenAPI
    document, in both modes) and the requests drawn from them, seeded: drawn once for
    both callers (drawing is most of the time of this module), each sent by each."""
    openapi = json.loads(fuzz.send(live.host, live.port, fuzz.Request("GET", "/api/v1/openapi.json")).body)
    sources = fuzz.schemathesis_requests(openapi)
    rng = random.Random(14)
    return len(sources), [request for _name, strategy in sources
                          for request in fuzz.draw_batch(strategy, SCHEMATHESIS_EXAMPLES, rng)]


@pytest.mark.parametrize("caller", ["anonymous", "editor"])
def test_schemathesis_on_every_operation_of_the_openapi_document(live: Live, caller: str,
                                                                 schemathesis_examples: tuple[int, list[Any]]) -> None:
    authorization = live.editor if caller == "editor" else None
    strategies, requests = schemathesis_examples
    assert strategies >= 2 * 15  # every operation, in both modes
    dump = live.dump() if authorization is None else None
    statuses: set[int] = set()
    sent = 0
    for drawn in requests:  # a copy: with_credentials sets the header in place
        request = dataclasses.replace(drawn, headers=dict(drawn.headers))
        statuses.add(check(live, fuzz.with_credentials(request, authorization)).status)
        sent += 1
    assert sent >= strategies // 2  # most operations yield examples in both modes
    assert any(s < 300 for s in statuses) and any(400 <= s < 500 for s in statuses)
    if dump is not None:  # anonymous: nothing may have been written at all
        assert live.dump() == dump


@settings(max_examples=OWN_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(request=fuzz.own_requests(), authorization=st.sampled_from([None, "Basic !!!", fuzz.basic("lezer")]))
def test_own_generators_anonymous_and_readers_change_nothing(live: Live, request: Any, authorization: str | None) -> None:
    before = live.fingerprint()
    answer = check(live, fuzz.with_credentials(request, authorization))
    # nobody here may write: whatever the answer, the store is as it was
    assert live.fingerprint() == before, (answer.status, request.describe())


@settings(max_examples=OWN_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(request=fuzz.own_requests())
def test_own_generators_as_an_editor(live: Live, request: Any) -> None:
    check(live, fuzz.with_credentials(request, live.editor))


def test_nested_bodies_on_cms_writes_are_4xx(live: Live) -> None:
    """The issue's RecursionError cases, every time (not left to chance)."""
    etag_answer = fuzz.send(live.host, live.port, fuzz.Request("GET", f"/api/v1/themes/{fuzz.THEME}",
                                                             {"Authorization": live.editor}))
    assert etag_answer.status == 200
    for body in (b"[" * 20000 + b"]" * 20000, b'{"a":' * 5000 + b"1" + b"}" * 5000):
        for method, path, content_type in (("POST", "/api/v1/themes", "application/ld+json"),
                                           ("PATCH", f"/api/v1/themes/{fuzz.THEME}", "application/merge-patch+json"),
                                           ("POST", "/api/v1/imports", "application/json"),
                                           ("PUT", "/graph-store?graph=urn%3Ax", "application/ld+json")):
            answer = check(live, fuzz.Request(method, path, {"Authorization": live.editor, "Content-Type": content_type,
                                                             "If-Match": "*"}, body))
            assert 400 <= answer.status < 500, (method, path, answer.status)
