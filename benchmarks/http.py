"""HTTP benchmark: ``mag-graph serve`` against ``oxigraph serve`` on the same data.

    python -m benchmarks.http [--requests 3000] [--concurrency 4] [--rounds 2]

Both servers run on 127.0.0.1 with the example data (``mag-graph init``, exported and
loaded into Oxigraph with ``oxigraph load``; ``oxigraph serve --union-default-graph`` so
both answer the same queries the same way). One client (``http.client`` with keep-alive,
a few threads, a fixed number of requests: a bounded load, not a flood) measures
throughput and latency (p50, p99) of:

* a simple lookup (``SELECT ?p ?o WHERE { <s> ?p ?o }``), every request a different
  subject and a unique comment, so mag-graph's result cache never answers it;
* the same lookup repeated (the cache answers after the first request);
* Q1, the role matrix (``queries/q01-rolmatrix.rq`` as plain SPARQL), uncached and
  repeated, and repeated through ``/api/v1/questions/q01``.

Scenarios alternate between the servers round by round, so a busy machine slows both
alike; the figures are medians over the rounds. The ratio is mag-graph's throughput
divided by Oxigraph's (1.0: as fast; 0.5: half as fast).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

JSON = "application/sparql-results+json"


@dataclass
class Result:
    rps: float
    p50: float
    p99: float


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


Request = tuple[str, str, bytes | None]  # method, path, body (a SPARQL query for POST)


def load(port: int, paths: Callable[[int], Request], *, requests: int, concurrency: int, accept: str = JSON) -> Result:
    """``requests`` requests spread over ``concurrency`` keep-alive connections."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_thread = requests // concurrency
    errors: list[str] = []

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        try:
            for i in range(per_thread):
                method, path, body = paths(index * per_thread + i)
                headers = {"Accept": accept}
                if body is not None:
                    headers["Content-Type"] = "application/sparql-query"
                started = time.perf_counter()
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                mine.append(time.perf_counter() - started)
                if response.status != 200:
                    errors.append(f"{response.status} for {path[:80]}: {data[:300]!r}")
                    return
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(errors[0])
    latencies.sort()
    return Result(
        rps=len(latencies) / elapsed,
        p50=latencies[len(latencies) // 2] * 1000,
        p99=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    )


def _wait(port: int, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not come up")


def _prepare(work: Path) -> tuple[Path, Path, list[str], str]:
    """A mag-graph store and an Oxigraph store with the same quads; subjects to look up;
    the Q1 query text."""
    from mag_graph.namespaces import sparql_prologue
    from mag_graph.questions import get_question
    from mag_graph.store import Store
    from mag_graph.store.bootstrap import initialise

    store_dir = work / "mag" / "store"
    nquads = work / "all.nq"
    with Store.open(store_dir) as store:
        initialise(store)
        store.export(format="nquads", destination=nquads)
        subjects = sorted({str(q[0]) for q in store.quads() if str(q[0]).startswith("https://data.mag-graph.nl/id/")})
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    subprocess.run([oxigraph, "load", "--location", str(work / "ox"), "--file", str(nquads)],
                   check=True, capture_output=True)
    q1 = get_question("q01").sparql
    # Self-contained for Oxigraph: the project's prefixes declared (mag-graph predeclares them).
    q1 = sparql_prologue() + re.sub(r"^PREFIX[^\n]*\n", "", q1, flags=re.MULTILINE)
    return store_dir, work / "ox", subjects, q1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads of mag-graph serve")
    parser.add_argument("--workers", type=int, default=None, help="query processes of mag-graph serve")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="mag-graph-http-bench-"))
    procs: list[subprocess.Popen[str]] = []
    try:
        store_dir, ox_dir, subjects, q1 = _prepare(work)
        mag_port, ox_port = _free_port(), _free_port()
        command = [str(Path(sys.executable).with_name("mag-graph")), "serve", "--store", str(store_dir),
                   "--port", str(mag_port), "--threads", str(args.threads)]
        if args.workers is not None:
            command += ["--workers", str(args.workers)]
        procs.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True))
        oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
        procs.append(subprocess.Popen(
            [oxigraph, "serve", "--location", str(ox_dir), "--bind", f"127.0.0.1:{ox_port}", "--union-default-graph"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True))
        _wait(mag_port, "/sparql")
        _wait(ox_port, "/query")

        def sparql_path(base: str) -> Callable[[str], Request]:
            # Short queries by GET; long ones (Q1) by POST: oxigraph serve refuses request
            # heads over 8 KB, and the URL-encoded role matrix is longer than that.
            def request(query: str) -> Request:
                if len(query) < 2000:
                    return ("GET", f"{base}?query={urllib.parse.quote(query)}", None)
                return ("POST", base, query.encode("utf-8"))

            return request

        lookup = "SELECT ?p ?o WHERE {{ <{s}> ?p ?o }}"
        scenarios: list[tuple[str, Callable[[Callable[[str], Request]], Callable[[int], Request]]]] = [
            ("lookup, each request new", lambda p: lambda i: p(f"# {i} {time.perf_counter_ns()}\n" + lookup.format(s=subjects[i % len(subjects)]))),
            ("lookup, repeated", lambda p: lambda i: p(lookup.format(s=subjects[0]))),
            ("Q1 role matrix, each request new", lambda p: lambda i: p(f"# {i} {time.perf_counter_ns()}\n" + q1)),
            ("Q1 role matrix, repeated", lambda p: lambda i: p(q1)),
        ]
        paths = {"mag-graph": sparql_path("/sparql"), "oxigraph": sparql_path("/query")}
        ports = {"mag-graph": mag_port, "oxigraph": ox_port}
        results: dict[tuple[str, str], list[Result]] = {}
        heavy = {"Q1 role matrix, each request new"}
        for _ in range(args.rounds):
            for name, make in scenarios:
                n = max(args.concurrency * 10, args.requests // 10) if name in heavy else args.requests
                for server in ("mag-graph", "oxigraph"):
                    fn = make(paths[server])
                    load(ports[server], fn, requests=args.concurrency * 20, concurrency=args.concurrency)  # warm up
                    results.setdefault((name, server), []).append(
                        load(ports[server], fn, requests=n, concurrency=args.concurrency))
            # The question API of mag-graph, against Oxigraph answering the same query.
            api = "Q1 via /api/v1/questions/q01, repeated"
            question: Callable[[int], Request] = lambda i: ("GET", "/api/v1/questions/q01", None)
            load(mag_port, question, requests=40, concurrency=args.concurrency, accept="application/json")
            results.setdefault((api, "mag-graph"), []).append(
                load(mag_port, question, requests=args.requests, concurrency=args.concurrency, accept="application/json"))
            results.setdefault((api, "oxigraph"), []).append(
                load(ox_port, lambda i: paths["oxigraph"](q1), requests=args.requests // 10, concurrency=args.concurrency))

        print(f"HTTP benchmark: {len(subjects)} subjects, {args.requests} requests per scenario, "
              f"{args.concurrency} client threads, {args.rounds} rounds, {os.cpu_count()} CPUs")
        print(f"{'scenario':42} {'server':10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6}")
        names = [s[0] for s in scenarios] + ["Q1 via /api/v1/questions/q01, repeated"]
        for name in names:
            med = {}
            for server in ("mag-graph", "oxigraph"):
                runs = results[(name, server)]
                med[server] = Result(statistics.median(r.rps for r in runs), statistics.median(r.p50 for r in runs),
                                     statistics.median(r.p99 for r in runs))
            ratio = med["mag-graph"].rps / med["oxigraph"].rps
            for server in ("mag-graph", "oxigraph"):
                r = med[server]
                shown = f"{ratio:6.2f}" if server == "mag-graph" else ""
                print(f"{name:42} {server:10} {r.rps:8.0f} {r.p50:8.2f} {r.p99:8.2f} {shown:>6}")
        return 0
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
