"""Cheap queries on ``/sparql`` while CMS writes renew the query snapshots.

    python -m benchmarks.mixed_load                      # 60 s, 4 writers, 4 readers; 4 threads vs serve's default
    python -m benchmarks.mixed_load --seconds 20 --threads 0

A real ``mag-graph serve`` on a copy of the example store: writers patch theme labels
through the CMS API (every commit renews the caches and the query processes' snapshot),
readers send an anonymous COUNT over all statements (a fresh query text each time, so no
cache answers it) and record status and latency. The same COUNT is also timed on a quiet
server first, the alternative the loaded figures are compared with, and the whole run is
repeated with 4 request threads (serve's old default) and with serve's own default. Prints per phase:
queries, statuses, p50/p95/max latency, and the max over the quiet p50.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.served import Served, make_store, start

THEMES = ["hg-gezond-en-vitaal", "hg-meedoen-en-ontmoeten"]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} # {}"


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    writes: int = 0
    write_errors: list[str] = field(default_factory=list)

    def add(self, status: int, seconds: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(seconds)

    def line(self, name: str) -> str:
        if not self.latencies:
            return f"{name}: no queries"
        ordered = sorted(self.latencies)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        return (f"{name}: {len(ordered)} queries, statuses {dict(sorted(self.statuses.items()))}, "
                f"p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
                + (f", {self.writes} writes" if self.writes else ""))


def _reader(served: Served, figures: Figures, stop: threading.Event, name: str) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        began = time.monotonic()
        reply = served.sparql(COUNT.format(f"{name}-{n}"), timeout=120)
        figures.add(reply.status, time.monotonic() - began)


def _writer(served: Served, figures: Figures, stop: threading.Event, ref: str) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        reply = served.patch_label(f"/api/v1/themes/{ref}", f"Menglast {ref[:8]} {n}", timeout=300)
        if reply.status == 200:
            figures.writes += 1
        elif reply.status != 412:
            figures.write_errors.append(f"{reply.status}: {reply.body[:200]!r}")


def run(served: Served, seconds: float, *, readers: int = 4, writers: int = 2) -> tuple[Figures, Figures]:
    """Quiet (readers alone, ``seconds / 4``), then mixed (readers and writers, ``seconds``)."""
    quiet, mixed = Figures(), Figures()
    for phase, figures, with_writers, length in (("quiet", quiet, False, seconds / 4), ("mixed", mixed, True, seconds)):
        stop = threading.Event()
        threads = [threading.Thread(target=_reader, args=(served, figures, stop, f"{phase}{i}"), daemon=True)
                   for i in range(readers)]
        if with_writers:
            threads += [threading.Thread(target=_writer, args=(served, figures, stop, THEMES[i % len(THEMES)]),
                                         daemon=True) for i in range(writers)]
        for thread in threads:
            thread.start()
        time.sleep(length)
        stop.set()
        for thread in threads:
            thread.join(timeout=600)
    return quiet, mixed


def warm_up(served: Served) -> None:
    """One write per theme: the first write of a process is slow (validation warms up)."""
    for ref in THEMES:
        reply = served.patch_label(f"/api/v1/themes/{ref}", f"Opwarmen {ref}", timeout=900)
        assert reply.status == 200, reply.body[:300]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mixed_load", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--timeout", type=float, default=10, help="the server's query timeout")
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--threads", type=int, nargs="*", default=[4, 0],
                        help="waitress threads per run, 0 = serve's own default (default: 4, then the default)")
    parser.add_argument("--workers", type=int, default=2, help="query processes")
    parser.add_argument("--cold", action="store_true", help="no warm-up write: the first write builds the validation indexes")
    args = parser.parse_args(argv)
    for threads in args.threads:
        name = f"{threads} threads" if threads else "serve's default threads"
        with tempfile.TemporaryDirectory(prefix="mag-graph-mixed-") as tmp:
            store = make_store(Path(tmp) / "store")
            option = ["--threads", str(threads)] if threads else []
            served = start(store, "--workers", str(args.workers), *option, "--query-timeout", str(args.timeout))
            try:
                if not args.cold:
                    warm_up(served)
                quiet, mixed = run(served, args.seconds, readers=args.readers, writers=args.writers)
            finally:
                served.stop()
        print(quiet.line(f"{name}, quiet (readers only)"))
        print(mixed.line(f"{name}, mixed (readers + CMS writers)"))
        if quiet.latencies and mixed.latencies:
            print(f"{name}: mixed max / quiet p50 {max(mixed.latencies) / statistics.median(quiet.latencies):.1f}x; "
                  f"slowest mixed answer {max(mixed.latencies) / args.timeout:.0%} of the {args.timeout:g} s timeout",
                  flush=True)
        if mixed.write_errors:
            print("write errors:", mixed.write_errors[:5])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
