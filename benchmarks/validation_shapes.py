"""Where full validation spends its time: the set-based engine run shape by shape, and
each SHACL-SPARQL constraint of a shape on its own, on one synthetic file, with the
seconds and results of each (the slowest first), with the rows each handed to Python.

    python -m benchmarks.validation_shapes FILE.nq [--top N] [--disk DIR [--optimize]]

``--disk DIR`` loads the file into an on-disk store in DIR (as ``mag-graph validate``
opens one; kept there and reused by later runs) instead of an in-memory one: on disk
every term handed to Python or decoded by a FILTER is a RocksDB lookup.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from benchmarks.validation import REFERENCE_DATE, _store_from


def _cpu() -> float:
    """CPU seconds of this process so far, every thread (pyoxigraph's queries too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Counting:
    """A store that counts the rows (solutions, quads) its reads hand to Python."""

    def __init__(self, store: ox.Store) -> None:
        self.store, self.rows = store, 0

    def _counted(self, rows: Any) -> Iterator[Any]:
        for row in rows:
            self.rows += 1
            yield row

    def query(self, *args: Any, **kwargs: Any) -> Any:
        found = self.store.query(*args, **kwargs)
        if not isinstance(found, ox.QuerySolutions):
            return found

        class Solutions:  # keeps .variables
            variables = found.variables

            def __iter__(_self) -> Iterator[Any]:
                return self._counted(found)

        return Solutions()

    def quads_for_pattern(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        return self._counted(self.store.quads_for_pattern(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def disk_store(path: Path, directory: Path, optimize: bool) -> ox.Store:
    """The file (and the ontology) bulk-loaded into an on-disk store in ``directory``,
    optimised after loading when asked; an existing store there is reused as it is."""
    from mag_graph.resources import resource_files

    fresh = not directory.exists()
    store = ox.Store(str(directory))
    if fresh:
        started, cpu = time.perf_counter(), _cpu()
        for ontology in resource_files("ontology", "*.ttl"):
            store.load(path=str(ontology), format=ox.RdfFormat.TURTLE,
                       to_graph=ox.NamedNode("https://data.mag-graph.nl/graph/ontologie"))
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        print(f"loaded into {directory}: {_cpu() - cpu:.1f} s CPU, {time.perf_counter() - started:.1f} s wall")
        if optimize:
            started, cpu = time.perf_counter(), _cpu()
            store.optimize()
            print(f"optimize(): {_cpu() - cpu:.1f} s CPU, {time.perf_counter() - started:.1f} s wall")
    return store


def measure(path: Path, only: str | None = None, store: ox.Store | None = None) -> list[tuple[float, str, int, int]]:
    """(CPU seconds, shape or constraint, results, rows handed to Python) for every shape
    and SPARQL constraint (only the shapes whose IRI contains ``only``, when given), on
    ``store`` if given, else on an in-memory store of the file."""
    from mag_graph.validation import prepared_shapes
    from mag_graph.validation import setbased as sb
    from mag_graph.validation.setbased_sparql import decorrelated

    store = _store_from(path) if store is None else store
    shapes_graph, _ = prepared_shapes(REFERENCE_DATE)
    timings: list[tuple[float, str, int, int]] = []
    counting: _Counting | None = None
    original = sb._Run._sparql

    def timed_sparql(self, shape, c, targets, focus_values, path_):  # one constraint at a time
        helpers = list(c.sparql_constraints)
        found = []
        try:
            for helper in helpers:
                c.sparql_constraints = [helper]
                started, rows = _cpu(), counting.rows if counting else 0
                results = original(self, shape, c, targets, focus_values, path_)
                per_node = " (per focus node)" if sb.correlated(decorrelated(helper.apply_prefixes(helper.select_text))) else ""
                timings.append((_cpu() - started, f"  sparql of {shape.node}{per_node}", len(results),
                                (counting.rows if counting else 0) - rows))
                found += results
        finally:
            c.sparql_constraints = helpers
        return found

    sb._Run._sparql = timed_sparql
    try:
        run = sb._Run(store, shapes_graph, None)
        counting = run.data.impl = _Counting(run.data.impl)
        if run.data.is_multigraph():
            run.data.default_union = True  # as _Run.report does
        for shape in run.shapes():
            if shape.deactivated or only and only not in str(shape.node):
                continue
            started, rows = _cpu(), counting.rows
            try:
                found = run._top_level(shape)
            except sb._Fallback:
                _, found = shape.validate(run.executor, run.data)
            timings.append((_cpu() - started, f"shape {shape.node}", len(found), counting.rows - rows))
    finally:
        sb._Run._sparql = original
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--shape", help="only the shapes whose IRI contains this text")
    parser.add_argument("--disk", type=Path, help="an on-disk store in this directory (made if missing)")
    parser.add_argument("--optimize", action="store_true", help="with --disk: optimize() the store after loading it")
    args = parser.parse_args(argv)
    started, cpu_started = time.perf_counter(), _cpu()
    store = disk_store(args.file, args.disk, args.optimize) if args.disk else None
    timings = measure(args.file, args.shape, store)
    wall, cpu = time.perf_counter() - started, _cpu() - cpu_started
    total = sum(s for s, name, _, _ in timings if name.startswith("shape"))
    rows = sum(r for _, name, _, r in timings if name.startswith("shape"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.file.name} ({'on disk' if args.disk else 'in memory'}): {total:.2f} s CPU over all shapes "
          f"(one run per shape), {rows:,} rows handed to Python; with loading {cpu:.1f} s CPU, "
          f"{wall:.1f} s wall; peak {peak:.0f} MB")
    print(f"{'CPU s':>10} {'results':>7} {'rows':>8}")
    for seconds, name, results, rows in sorted(timings, reverse=True)[: args.top]:
        print(f"{seconds:8.3f} s {results:7d} {rows:8d}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
