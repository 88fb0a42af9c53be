"""What a read costs on an on-disk (RocksDB) store against an in-memory one, on the same
file: turning a term id into its text (every IRI or long literal handed to Python or
decoded by a FILTER/BIND) and one index lookup per solution (a join, an EXISTS), each
with a variant that does neither as the baseline, CPU seconds of this process.

    python -m benchmarks.disk_reads FILE.nq [--disk DIR]

``--disk DIR``: an existing on-disk store of the file (for instance the one
``python -m benchmarks.validation_shapes FILE --disk DIR`` made), opened read-only;
without it the file is bulk-loaded into a temporary one.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
# (label, query, what its rows cost beyond the baseline: "decode" or "lookup")
QUERIES = (
    ("typed subjects, COUNT(DISTINCT ?s) (baseline: no text)",
     "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c }", None),
    ("typed subjects, COUNT(DISTINCT STR(?s)) (one decode per row)",
     "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?s a ?c BIND (STR(?s) AS ?t) }", "decode"),
    ("typed subjects, COUNT(*) (baseline: no lookup)",
     "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?c }", None),
    ("typed subjects with a label, EXISTS (one lookup per row)",
     f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a ?c FILTER EXISTS {{ ?s {RDFS_LABEL} ?l }} }}", "lookup"),
)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(run: Callable[[], int]) -> tuple[float, float, int]:
    started, cpu = time.perf_counter(), _cpu()
    rows = run()
    return _cpu() - cpu, time.perf_counter() - started, rows


def measure(store: ox.Store) -> list[tuple[str, float, float, int]]:
    """(label, CPU s, wall s, rows) of each query, and of handing every rdf:type row to Python."""
    figures = []
    for label, query, _ in QUERIES:
        def count(query: str = query) -> int:
            return int(next(iter(store.query(query, use_default_graph_as_union=True)))[0].value)

        figures.append((label, *_timed(count)))

    def to_python() -> int:
        return sum(1 for s in store.query("SELECT ?s ?c WHERE { ?s a ?c }", use_default_graph_as_union=True)
                   if s[0].value and s[1].value)

    figures.append(("typed subjects and classes as Python strings (two decodes per row)", *_timed(to_python)))
    return figures


def _per_row(figures: list[tuple[str, float, float, int]]) -> dict[str, float]:
    """Microseconds of CPU per decode and per lookup, above their baselines (one of each
    per rdf:type statement: the BIND and the EXISTS run for every row of ``?s a ?c``)."""
    (_, base_d, _, _), (_, decode, _, _), (_, base_l, _, rows), (_, lookup, _, _), _ = figures
    return {"decode": (decode - base_d) / rows * 1e6, "lookup": (lookup - base_l) / rows * 1e6}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--disk", type=Path, help="an existing on-disk store of the file")
    args = parser.parse_args(argv)
    memory = ox.Store()
    memory.bulk_load(path=str(args.file), format=ox.RdfFormat.N_QUADS)
    with tempfile.TemporaryDirectory(dir=args.file.resolve().parent) as work:
        if args.disk:
            disk = ox.Store.read_only(str(args.disk))
        else:
            disk = ox.Store(work)
            disk.bulk_load(path=str(args.file), format=ox.RdfFormat.N_QUADS)
        results = {"memory": measure(memory), "disk": measure(disk)}
        del disk
    print(f"{args.file.name}: CPU s (wall s) and rows, in memory and on disk")
    for i, (label, *_) in enumerate(results["memory"]):
        (_, m_cpu, m_wall, rows), (_, d_cpu, d_wall, _) = results["memory"][i], results["disk"][i]
        print(f"{label:<68} {m_cpu:6.2f} ({m_wall:6.2f}) {d_cpu:6.2f} ({d_wall:6.2f}) {d_cpu / max(m_cpu, 1e-9):5.1f}x {rows:>9,}")
    memory_us, disk_us = _per_row(results["memory"]), _per_row(results["disk"])
    for what in ("decode", "lookup"):
        print(f"one {what}: {memory_us[what]:.1f} µs CPU in memory, {disk_us[what]:.1f} µs on disk")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
