"""Where full validation spends its time: the set-based engine run shape by shape, and
each SHACL-SPARQL constraint of a shape on its own, on one synthetic file, with the
seconds and results of each (the slowest first).

    python -m benchmarks.validation_shapes FILE.nq [--top N]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from benchmarks.validation import REFERENCE_DATE, _store_from


def _cpu() -> float:
    """CPU seconds of this process so far, every thread (pyoxigraph's queries too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(path: Path, only: str | None = None) -> list[tuple[float, str, int]]:
    """(CPU seconds, shape or constraint, results) for every shape and SPARQL constraint
    (only the shapes whose IRI contains ``only``, when given)."""
    from mag_graph.validation import prepared_shapes
    from mag_graph.validation import setbased as sb
    from mag_graph.validation.setbased_sparql import decorrelated

    store = _store_from(path)
    shapes_graph, _ = prepared_shapes(REFERENCE_DATE)
    timings: list[tuple[float, str, int]] = []
    original = sb._Run._sparql

    def timed_sparql(self, shape, c, targets, focus_values, path_):  # one constraint at a time
        helpers = list(c.sparql_constraints)
        found = []
        try:
            for helper in helpers:
                c.sparql_constraints = [helper]
                started = _cpu()
                results = original(self, shape, c, targets, focus_values, path_)
                timings.append((_cpu() - started, f"  sparql of {shape.node}" + (" (per focus node)" if sb.correlated(decorrelated(helper.apply_prefixes(helper.select_text))) else ""), len(results)))
                found += results
        finally:
            c.sparql_constraints = helpers
        return found

    sb._Run._sparql = timed_sparql
    try:
        run = sb._Run(store, shapes_graph, None)
        if run.data.is_multigraph():
            run.data.default_union = True  # as _Run.report does
        for shape in run.shapes():
            if shape.deactivated or only and only not in str(shape.node):
                continue
            started = _cpu()
            try:
                found = run._top_level(shape)
            except sb._Fallback:
                _, found = shape.validate(run.executor, run.data)
            timings.append((_cpu() - started, f"shape {shape.node}", len(found)))
    finally:
        sb._Run._sparql = original
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--shape", help="only the shapes whose IRI contains this text")
    args = parser.parse_args(argv)
    started, cpu_started = time.perf_counter(), _cpu()
    timings = measure(args.file, args.shape)
    wall, cpu = time.perf_counter() - started, _cpu() - cpu_started
    total = sum(s for s, name, _ in timings if name.startswith("shape"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.file.name}: {total:.2f} s CPU over all shapes (one run per shape); with loading "
          f"{cpu:.1f} s CPU, {wall:.1f} s wall; peak {peak:.0f} MB")
    for seconds, name, results in sorted(timings, reverse=True)[: args.top]:
        print(f"{seconds:8.3f} s {results:6d}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
