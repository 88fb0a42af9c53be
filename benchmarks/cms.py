"""CMS write latency: creating and patching one resource (parse, diff, incremental
validation, history, commit, search index) on the synthetic national store, against
re-validating the whole graph with pySHACL after every write.

    python -m benchmarks.cms                 # the 1M-triple store (342 municipalities)
    python -m benchmarks.cms --size 100k     # smaller, quicker
    python -m benchmarks.cms --no-full       # skip the full re-validation (minutes at 1M)
    python -m benchmarks.cms --no-plain      # skip plain pySHACL on rdflib (the slowest)
    python -m benchmarks.cms --http          # also: creates through the HTTP API (waitress, bearer token)

Every write goes through :class:`mag_graph.cms.content.Content` exactly as the API does.
The numbers are wall-clock milliseconds per write: p50 and p99 over ``--runs`` writes of
each kind, with the share spent in validation (incremental, on the store itself).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from pathlib import Path
from typing import Self

import pyoxigraph as ox

from benchmarks.__main__ import SIZES, dataset

REFERENCE_DATE = dt.date(2026, 11, 1)
RESPONSIBILITY = "https://data.mag-graph.nl/id/verantwoordelijkheid/s{:03d}-uitvoering-penvoerder-{}"
MUNICIPALITY = "https://identifier.overheid.nl/tooi/id/gemeente/gm{:04d}"


def load(path: Path) -> ox.Store:
    from mag_graph.namespaces import Graphs
    from mag_graph.resources import resource_files

    store = ox.Store()
    for ontology in resource_files("ontology", "*.ttl"):
        store.load(path=str(ontology), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(Graphs.ONTOLOGY)))
    store.load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return store


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class _Timer:
    """Adds up the time spent in mag_graph.validation.validate during a write."""

    def __init__(self) -> None:
        from mag_graph import validation
        self.module = validation
        self.original = validation.validate
        self.spent = 0.0

    def __enter__(self) -> Self:
        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.spent += time.perf_counter() - started

        self.module.validate = timed  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        self.module.validate = self.original  # type: ignore[assignment]


def sample_ids(municipalities: int, runs: int) -> list[int]:
    step = max(1, municipalities // runs)
    return [(i * step) % municipalities for i in range(runs)]


def http_creates(store: object, municipalities: int, runs: int) -> list[float]:
    """Creates through the real HTTP API: the application on waitress on 127.0.0.1, a
    bearer token (no password hashing per request), one client, one write at a time."""
    import http.client
    import json
    import socket
    import threading

    import waitress
    from mag_graph.api import create_app

    app = create_app(store, config={"MAG_GRAPH_CACHE_ENTRIES": 0})  # type: ignore[arg-type]
    _, token = app.extensions["mag_graph"].auth.create_token("benchmark", "editor")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = waitress.create_server(app, host="127.0.0.1", port=port, threads=2)
    threading.Thread(target=server.run, daemon=True).start()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}
    timings = []
    try:
        for n, m in enumerate(sample_ids(municipalities, runs + 1)):
            body = json.dumps({
                "label": {"nl": f"HTTP-verantwoordelijkheid {n}"}, "phase": "magb:Uitvoering",
                "raciKind": "magb:Responsible", "taskKind": ["magb:TaakUitvoeren"],
                "assignedTo": [f"https://data.mag-graph.nl/id/orgaan/s{m:03d}-college"],
                "municipality": [MUNICIPALITY.format(9000 + m)],
                "source": ["https://data.mag-graph.nl/id/bron/000-sheet-3"],
            })
            t0 = time.perf_counter()
            connection.request("POST", "/api/v1/responsibilities", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - t0
            if response.status != 201:
                raise RuntimeError(f"create over HTTP answered {response.status}")
            if n:  # the first request warms the app up
                timings.append(elapsed)
    finally:
        connection.close()
        server.close()
        app.extensions["mag_graph"].close()
    return timings


def run(size: str, runs: int, full: bool, plain: bool = True, http: bool = False) -> None:
    from mag_graph.cms import Content
    from mag_graph.store import MEMORY, Store

    municipalities = SIZES[size]
    path, _ = dataset(size, municipalities)
    started = time.perf_counter()
    raw = load(path)
    store = Store(raw, MEMORY, in_memory=True)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    cms = Content.for_store(store, date=REFERENCE_DATE)  # the instance an app on this store shares
    indexed = time.perf_counter() - started
    print(f"{size}: {len(raw):,} quads loaded in {loaded:.1f} s; search index of {cms.search.count():,} resources built in {indexed:.1f} s")

    # warm the caches (shapes, vocabulary) once, as a running server has them
    first = sample_ids(municipalities, 1)[0]
    cms.patch(RESPONSIBILITY.format(first, 1), {"comment": {"en": "warm-up"}}, agent="bench", role="admin",
              if_match=cms.get(RESPONSIBILITY.format(first, 1), role="admin").etag)

    creates: list[float] = []
    create_validation: list[float] = []
    for n, m in enumerate(sample_ids(municipalities, runs)):
        document = {
            "label": {"nl": f"Benchmarkverantwoordelijkheid {n}", "en": f"Benchmark responsibility {n}"},
            "phase": "magb:Uitvoering",
            "raciKind": "magb:Responsible",
            "taskKind": ["magb:TaakUitvoeren"],
            "assignedTo": [f"https://data.mag-graph.nl/id/orgaan/s{m:03d}-college"],
            "municipality": [MUNICIPALITY.format(9000 + m)],
            "source": ["https://data.mag-graph.nl/id/bron/000-sheet-3"],
        }
        with _Timer() as timer:
            t0 = time.perf_counter()
            cms.create("responsibility", document, agent="bench", role="editor")
            creates.append(time.perf_counter() - t0)
        create_validation.append(timer.spent)

    patches: list[float] = []
    patch_validation: list[float] = []
    for n, m in enumerate(sample_ids(municipalities, runs)):
        iri = RESPONSIBILITY.format(m, 1 + n % 9)
        etag = cms.get(iri, role="admin").etag
        with _Timer() as timer:
            t0 = time.perf_counter()
            cms.patch(iri, {"label": {"en": f"Patched responsibility {n}"}}, agent="bench", role="admin", if_match=etag)
            patches.append(time.perf_counter() - t0)
        patch_validation.append(timer.spent)

    def line(name: str, values: list[float], spent: list[float]) -> str:
        p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
        share = statistics.mean(spent) / statistics.mean(values) * 100
        return f"{name:<22} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   ({len(values)} writes; validation {share:4.1f}% of the time)"

    print(line("create responsibility", creates, create_validation))
    print(line("patch responsibility", patches, patch_validation))
    if http:
        over_http = http_creates(store, municipalities, runs)
        p50, p99 = percentile(over_http, 0.5) * 1000, percentile(over_http, 0.99) * 1000
        print(f"{'create over HTTP':<22} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   ({len(over_http)} writes; Flask, waitress, bearer token)")
    if full:
        from mag_graph.validation import validate

        t0 = time.perf_counter()
        report = validate(raw, date=REFERENCE_DATE)
        mag_full = time.perf_counter() - t0
        print(f"{'full re-validation':<22} {mag_full * 1000:9.0f} ms per write (pySHACL on the Oxigraph store, {len(report.results)} results)")
        if not plain:
            return
        from benchmarks.validation import full_pyshacl

        parse_s, plain_s, results = full_pyshacl(path)
        print(f"{'plain pySHACL':<22} {plain_s * 1000:9.0f} ms per write (rdflib graph, + {parse_s:.0f} s parsing; {results} results)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cms", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), default="1M")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--no-full", action="store_true", help="skip the full re-validation with pySHACL")
    parser.add_argument("--no-plain", action="store_true", help="skip plain pySHACL on an rdflib graph (the slowest part)")
    parser.add_argument("--http", action="store_true", help="also time creates through the HTTP API")
    args = parser.parse_args(argv)
    run(args.size, args.runs, not args.no_full, not args.no_plain, args.http)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
