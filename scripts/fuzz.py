"""Fuzz every route of a real ``mag-graph serve``: schemathesis on the OpenAPI document of
``/api/v1`` plus our own generators for ``/sparql``, ``/graph-store``, ``/id`` and
``/doc``, anonymous and as an editor. One command::

    python scripts/fuzz.py [--requests 10000] [--seed 1]

It makes a store with the example data and two users in a temporary directory, starts
``mag-graph serve`` on 127.0.0.1 (a free port), sends at least ``--requests`` requests,
and prints the count per status class, the number of 5xx answers, 4xx answers that are
not ``application/problem+json``, and the tracebacks in the server's log. Exit code 1 if
there was any 5xx (other than 503 for a query stopped at its time limit) or a 4xx without
problem+json.

``tests/test_fuzz.py`` runs the same generators with a bounded number of examples
against a server in the test process (conftest's ``serving``).
"""

from __future__ import annotations

import argparse
import base64
import collections
import concurrent.futures
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

PASSWORD = "fuzz-wachtwoord-2026"
USERS = {"redacteur": "editor", "lezer": "reader"}
THEME = "hg-gezond-en-vitaal"
PROBLEM = "application/problem+json"


# --------------------------------------------------------------------------- requests


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def describe(self) -> str:
        body = "" if self.body is None else f" body={self.body[:120]!r}{'...' if len(self.body) > 120 else ''}"
        return f"{self.method} {self.path[:200]} headers={ {k: v[:80] for k, v in self.headers.items()} }{body}"


@dataclass
class Answer:
    status: int
    media_type: str
    body: bytes


def send(host: str, port: int, request: Request, *, timeout: float = 120) -> Answer:
    """One raw HTTP request (``http.client``: nothing fixes up what we send)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.putrequest(request.method, request.path, skip_accept_encoding=True)
        headers = dict(request.headers)
        if request.body is not None:
            headers["Content-Length"] = str(len(request.body))
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders(request.body)
        response = conn.getresponse()
        body = response.read()
        media_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        return Answer(response.status, media_type, body)
    finally:
        conn.close()


def basic(user: str, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# --------------------------------------------------------------------------- our own generators

_quoted = st.binary(max_size=60).map(lambda b: urllib.parse.quote(b, safe=""))
_words = st.sampled_from([
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", "?s", "?p", "?o", "<", ">",
    "GRAPH", "FILTER", "OPTIONAL", "UNION", "SERVICE", "INSERT", "DELETE", "DATA", "LOAD", "CLEAR",
    "DROP", "ALL", "\"", "'", ".", ";", ",", "*", "rdfs:label", "<urn:x>", "\\u0000", "%", "#", "\n",
    "LIMIT", "99999999999999999999", "-1", "COUNT(*)", "BIND", "VALUES", "PREFIX", ":", "a",
])
_sparql_text = st.one_of(
    st.lists(_words, max_size=30).map(" ".join),
    st.text(max_size=200),
    st.integers(1, 3000).map(lambda n: "SELECT * WHERE " + "{" * n + "}" * n),
    st.integers(1, 3000).map(lambda n: "ASK { FILTER(" + "(" * n + "1" + ")" * n + ") }"),
    st.integers(1, 500).map(lambda n: "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * n + "}" * n + "}"),
)
_odd_accept = st.one_of(
    st.sampled_from([
        "*/*", "text/html", "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
        "text/turtle", "application/ld+json", "application/n-quads", "image/png", "", ",,,", ";q=1",
        "*/*;q=abc", "text/html;q=0, */*;q=0", "application/*;q=0.5, text/*;q=2", "*/*;q=-1", "text/turtle;;;",
        "application/sparql-results+json;q=1e400", "\u00e9/\u00e9",
    ]),
    st.integers(100, 20000).map(lambda n: ",".join(["text/x-" + str(i) for i in range(n // 8)])[:n]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=300),
)
_content_types = st.sampled_from([
    "application/sparql-query", "application/sparql-update", "application/x-www-form-urlencoded",
    "text/turtle", "application/n-triples", "application/n-quads", "application/trig", "application/ld+json",
    "application/rdf+xml", "application/json", "application/merge-patch+json", "text/plain", "multipart/form-data",
    "application/x-www-form-urlencoded; charset=latin-1", "text/turtle; charset=utf-16", "", "x/y",
    "application/sparql-query; charset=bogus",
])
_nested_json = st.integers(1, 5000).map(lambda n: ("[" * n + "]" * n).encode())
_nested_objects = st.integers(1, 5000).map(lambda n: ('{"a":' * n + "1" + "}" * n).encode())
_nested_xml = st.integers(1, 3000).map(
    lambda n: ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' + "<a>" * n + "</a>" * n
               + "</rdf:RDF>").encode())
_bodies = st.one_of(
    st.binary(max_size=300), _nested_json, _nested_objects, _nested_xml,
    st.just(b"\xff\xfe\x00"), st.just(b'{"label": {"nl": "\xff\xfe"}}'),
    st.just(b"<urn:a> <urn:b> <urn:c> ."), st.just(b"<urn:a> <urn:b> \"\\uD800\" ."),
    _sparql_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
)
_graph_params = st.one_of(
    st.just("default"), st.just("graph=urn%3Ax"), st.just("graph=https%3A%2F%2Fdata.mag-graph.nl%2Fgraph%2Fmaassluis"),
    _quoted.map(lambda q: "graph=" + q), st.just("graph=&default"), st.just("graph=a&graph=b"),
    st.just("graph=%zz"), st.just(""), st.just("graph=" + "x" * 5000),
)


def _headers(accept: str | None, content_type: str | None) -> dict[str, str]:
    headers = {}
    if accept is not None:
        headers["Accept"] = accept
    if content_type is not None:
        headers["Content-Type"] = content_type
    return headers


@st.composite
def sparql_requests(draw: Callable[..., Any]) -> Request:
    text = draw(_sparql_text)
    quoted = urllib.parse.quote(text.encode("utf-8", "surrogatepass"), safe="")
    accept = draw(st.none() | _odd_accept)
    kind = draw(st.sampled_from(["get", "post-form", "post-direct", "post-update", "bad-query-string", "post-bytes"]))
    extra = draw(st.sampled_from(["", "&default-graph-uri=urn%3Ax", "&named-graph-uri=%3Cbad%3E", "&format=xyz",
                                  "&timeout=-1", "&query=SELECT%201", "&default-graph-uri=" + "y" * 3000, "&%zz=1"]))
    if kind == "get":
        return Request("GET", f"/sparql?query={quoted}{extra}", _headers(accept, None))
    if kind == "post-form":
        return Request("POST", "/sparql", _headers(accept, "application/x-www-form-urlencoded"),
                       f"query={quoted}{extra}".encode())
    if kind == "post-direct":
        return Request("POST", "/sparql" + ("?" + extra[1:] if extra else ""),
                       _headers(accept, draw(_content_types)), text.encode("utf-8", "surrogatepass"))
    if kind == "post-update":
        return Request("POST", "/sparql", _headers(accept, draw(_content_types)), f"update={quoted}".encode())
    if kind == "bad-query-string":
        junk = draw(st.sampled_from(["query", "query=", "query=%", "query=%ff%fe", "=&=&", "query=" + "%25" * 2000,
                                     "query=SELECT%00", "format=json&format=xml&query=ASK%7B%7D", "query[]=1"]))
        return Request("GET", "/sparql?" + junk, _headers(accept, None))
    return Request("POST", "/sparql", _headers(accept, draw(_content_types)), draw(_bodies))


@st.composite
def graph_store_requests(draw: Callable[..., Any]) -> Request:
    method = draw(st.sampled_from(["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"]))
    params = draw(_graph_params)
    path = "/graph-store" + ("?" + params if params else "")
    body = draw(_bodies) if method in ("PUT", "POST", "PATCH") else None
    content_type = draw(st.none() | _content_types) if body is not None else None
    return Request(method, path, _headers(draw(st.none() | _odd_accept), content_type), body)


_segments = st.one_of(
    _quoted, st.just(f"thema/{THEME}"), st.just("organisatie/stuwkr8"), st.just(""), st.just("%2e%2e/%2e%2e/etc/passwd"),
    st.just("a" * 3000), st.just("%00"), st.just("thema/" + "%ff" * 10), st.just("mag"), st.just("mag/Theme"),
    st.lists(_quoted, max_size=6).map("/".join),
)


@st.composite
def resource_requests(draw: Callable[..., Any]) -> Request:
    base = draw(st.sampled_from(["/id/", "/doc/", "/def/", "/id/thema/", "/doc/thema/"]))
    query = draw(st.sampled_from(["", "?lang=xx", "?format=" + "z" * 100, "?lang=en&lang=nl", "?%ff=%fe", "?format=ttl",
                                  "?format=jsonld", "?page=-1"]))
    method = draw(st.sampled_from(["GET", "GET", "GET", "HEAD", "POST", "DELETE"]))
    headers = _headers(draw(st.none() | _odd_accept), None)
    if draw(st.booleans()):
        headers["Accept-Language"] = draw(st.sampled_from(["", "xx", "*", "nl;q=abc", "en-GB,en;q=0.9,nl;q=2",
                                                            "a" * 2000]))
    return Request(method, base + draw(_segments) + query, headers, draw(_bodies) if method == "POST" else None)


def own_requests() -> st.SearchStrategy[Request]:
    """Our generators for the routes outside the OpenAPI document (and their odd headers)."""
    return st.one_of(sparql_requests(), graph_store_requests(), resource_requests())


def with_credentials(request: Request, authorization: str | None) -> Request:
    if authorization is not None:
        request.headers["Authorization"] = authorization
    return request


# --------------------------------------------------------------------------- schemathesis


def schemathesis_requests(openapi: dict[str, Any]) -> list[tuple[str, st.SearchStrategy[Request]]]:
    """One strategy per operation of the OpenAPI document (``/api/v1``), in both of
    schemathesis's modes (valid and invalid data), as raw :class:`Request`s."""
    import schemathesis
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_dict(openapi)
    base = openapi.get("servers", [{"url": "/api/v1"}])[0]["url"].rstrip("/")
    out = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode).map(lambda case: _from_case(case, base))
            out.append((f"{operation.method.upper()} {operation.path} ({mode.value})", strategy))
    return out


def _from_case(case: Any, base: str) -> Request:
    kwargs = case.as_transport_kwargs(base_url="http://fuzz.invalid" + base)
    url = urllib.parse.urlsplit(kwargs["url"])
    path = url.path
    params = kwargs.get("params") or {}
    query = urllib.parse.urlencode(params, doseq=True) if params else ""
    if url.query:
        query = url.query + ("&" + query if query else "")
    headers = {str(k): str(v) for k, v in (kwargs.get("headers") or {}).items()
               if str(k).lower() not in ("content-length", "host", "user-agent", "x-schemathesis-testcaseid")}
    body: bytes | None = None
    if kwargs.get("json") is not None or "json" in kwargs:
        body = json.dumps(kwargs["json"]).encode()
        headers.setdefault("Content-Type", "application/json")
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        body = data if isinstance(data, bytes) else (urllib.parse.urlencode(data).encode() if isinstance(data, dict)
                                                     else str(data).encode())
    try:
        path.encode("ascii")
    except UnicodeEncodeError:
        path = urllib.parse.quote(path, safe="/%")
    return Request(case.method.upper(), path + ("?" + query if query else ""), headers, body)


# --------------------------------------------------------------------------- judging answers


PAGES = ("/doc/", "/def/", "/id/")


def judge(request: Request, answer: Answer) -> str | None:
    """What is wrong with an answer, or ``None``: no 5xx except 503 (a query stopped at
    its time limit, said as problem+json), every 4xx and 5xx is problem+json; only the
    pages for people (``/doc``, ``/def``, ``/id``) may answer an HTML error page."""
    if answer.status >= 500 and answer.status != 503:
        return f"{answer.status} {answer.body[:300]!r}"
    page = request.path.startswith(PAGES) and answer.media_type in ("text/html", "")
    if answer.status >= 400 and answer.media_type != PROBLEM and not page:
        return f"{answer.status} as {answer.media_type or 'no media type'}: {answer.body[:200]!r}"
    return None


# --------------------------------------------------------------------------- the runner


def _make_store(directory: Path) -> Path:
    from mag_graph.access.auth import AuthRegistry
    from mag_graph.store import Store
    from mag_graph.store.bootstrap import initialise

    path = directory / "store"
    store = Store.open(path, create=True)
    try:
        initialise(store)
    finally:
        store.close()
    with AuthRegistry.for_store(path) as auth:
        for name, role in USERS.items():
            auth.add_user(name, PASSWORD, role)
    return path


def _start(store: Path) -> tuple[subprocess.Popen[bytes], str, int, Path]:
    log = store.parent / "serve.log"
    script = Path(sys.executable).with_name("mag-graph")
    env = {k: v for k, v in os.environ.items() if k != "MAG_GRAPH_STORE"}
    handle = log.open("wb")
    process = subprocess.Popen([str(script), "serve", "--store", str(store), "--port", "0", "--threads", "4",
                                "--query-timeout", "3"], stdout=handle, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        match = re.search(r"serving on http://([0-9.]+):([0-9]+)/", log.read_text(encoding="utf-8", errors="replace"))
        if match:
            return process, match.group(1), int(match.group(2)), log
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise SystemExit("mag-graph serve did not start:\n" + log.read_text(encoding="utf-8", errors="replace"))


def draw_batch(strategy: st.SearchStrategy[Request], count: int, rng: random.Random) -> list[Request]:
    """Up to ``count`` examples of ``strategy``, seeded from ``rng`` (Hypothesis's
    generation phase only: it explores, it does not shrink). Empty if the strategy cannot
    make any (schemathesis's negative mode on an operation with nothing to break)."""
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis.errors import Unsatisfiable

    found: list[Request] = []

    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def pick(request: Request) -> None:
        found.append(request)

    try:
        seed(rng.getrandbits(64))(pick)()
    except Unsatisfiable:
        pass
    return found


def run(total: int, seed: int, concurrency: int = 4) -> int:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="mag-graph-fuzz-") as tmp:
        store = _make_store(Path(tmp))
        process, host, port, log = _start(store)
        try:
            openapi = json.loads(send(host, port, Request("GET", "/api/v1/openapi.json")).body)
            sources = [(f"own {name}", strategy) for name, strategy in (
                ("/sparql", sparql_requests()), ("/graph-store", graph_store_requests()), ("/id /doc", resource_requests()))]
            sources += schemathesis_requests(openapi)
            classes: collections.Counter[str] = collections.Counter()
            wrong: list[str] = []
            slow: list[tuple[float, str]] = []
            started = time.monotonic()
            sent = 0
            batch = 24  # requests drawn per source in one go (drawing one by one is slow)

            def one(request: Request) -> tuple[Request, Answer | Exception, float]:
                began = time.monotonic()
                try:
                    return request, send(host, port, request), time.monotonic() - began
                except (OSError, http.client.HTTPException) as exc:
                    return request, exc, time.monotonic() - began

            with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as senders:
                while sent < total and sources:
                    name, strategy = rng.choice(sources)
                    auth = rng.choice([None, basic("redacteur"), basic("lezer"), "Basic !!!", basic("redacteur", "fout")])
                    drawn = draw_batch(strategy, batch, rng)
                    if not drawn:
                        sources.remove((name, strategy))
                        continue
                    for request, answer, took in senders.map(one, [with_credentials(r, auth) for r in drawn]):
                        sent += 1
                        slow.append((took, request.describe()[:160]))
                        if isinstance(answer, Exception):
                            wrong.append(f"no answer ({answer}): {request.describe()}")
                            classes["no answer"] += 1
                            continue
                        classes[f"{answer.status // 100}xx"] += 1
                        problem = judge(request, answer)
                        if problem is not None:
                            wrong.append(f"{problem}\n    {request.describe()}")
                            print(f"WRONG {wrong[-1]}", file=sys.stderr, flush=True)
                    slow = sorted(slow, reverse=True)[:5]
                    if sent // 1000 != (sent - len(drawn)) // 1000:
                        print(f"... {sent} requests, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        finally:
            process.terminate()
            process.wait(timeout=60)
        text = log.read_text(encoding="utf-8", errors="replace")
        tracebacks = text.count("Traceback (most recent call last)")
    elapsed = time.monotonic() - started
    print(f"requests: {sent} in {elapsed:.0f} s (seed {seed})")
    for key in sorted(classes):
        print(f"  {key}: {classes[key]}")
    fives = sum(n for k, n in classes.items() if k == "5xx")
    print(f"5xx: {fives} (503 = query stopped at its time limit, allowed)")
    print(f"wrong answers (5xx other than 503, or a 4xx/5xx without problem+json): {len(wrong)}")
    print(f"tracebacks in the server log: {tracebacks}")
    print("slowest answers:")
    for took, what in slow:
        print(f"  {took:.2f} s  {what}")
    for line in wrong[:40]:
        print("  " + line)
    if tracebacks:
        print(text[text.index("Traceback"):][:4000])
    return 1 if wrong or tracebacks else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight at once")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)  # so the server is stopped too
    return run(args.requests, args.seed, args.concurrency)


def _stop(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
