"""The SHACL Core components the set-based engine compiles (setbased_core.py,
setbased_nested.py) against pySHACL's own components judging every value node (as the
engine did before), shape by shape in the same process on one synthetic file: CPU
seconds (``getrusage``, Oxigraph's threads included) and wall seconds of each, their
ratio, and whether the results are the same (they must be). The shapes, one per
component, are benchmarks/core_components.ttl; the project's OD02 (an ``sh:or`` inside a
qualified shape) is measured the same way.

    python -m benchmarks.validation_core FILE.nq
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.validation import REFERENCE_DATE, _store_from

SHAPES = Path(__file__).resolve().parent / "core_components.ttl"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def _uncompiled() -> Iterator[None]:
    """The engine as it was before: no conditions, no set-based nested shapes."""
    from mag_graph.validation import setbased as sb

    accepted, handles = sb.accepted, sb.handles
    sb.accepted, sb.handles = (lambda c: None), (lambda component: False)
    try:
        yield
    finally:
        sb.accepted, sb.handles = accepted, handles


def measure(path: Path) -> list[tuple[str, float, float, float, float, int, bool]]:
    """(shape, compiled CPU, compiled wall, pySHACL CPU, pySHACL wall, results, same)."""
    from rdflib import Graph

    from mag_graph.validation import prepared_shapes
    from mag_graph.validation import setbased as sb

    store = _store_from(path)
    project, _ = prepared_shapes(REFERENCE_DATE)
    rows = []
    for graph, only in (
        (Graph().parse(SHAPES), "bench#"),
        (project, "OD02-affiliated"),
    ):
        for shape_node in sorted(
            str(s.node)
            for s in sb._Run(store, graph, None).shapes()
            if only in str(s.node)
        ):
            figures = []
            for compiled in (True, False):
                run = sb._Run(store, graph, None)
                if run.data.is_multigraph():
                    run.data.default_union = True
                shape = next(s for s in run.shapes() if str(s.node) == shape_node)
                with _uncompiled() if not compiled else _nothing():
                    run._top_level(
                        shape
                    )  # once to warm up (shapes graph, components, caches)
                    cpu, wall = _cpu(), time.perf_counter()
                    found = run._top_level(shape)
                    figures.append(
                        (_cpu() - cpu, time.perf_counter() - wall, _results(found))
                    )
            (c_cpu, c_wall, c_found), (p_cpu, p_wall, p_found) = figures
            rows.append(
                (
                    shape_node,
                    c_cpu,
                    c_wall,
                    p_cpu,
                    p_wall,
                    len(c_found),
                    c_found == p_found,
                )
            )
    return rows


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _results(found: list) -> set:
    """The results as (focus, value, component) triples of their terms."""
    from rdflib.namespace import SH

    keys = set()
    for _, node, triples in found:
        about = {p: o for s, p, o in triples if s == node}
        keys.add(
            tuple(
                str(about.get(p))
                for p in (SH.focusNode, SH.value, SH.sourceConstraintComponent)
            )
        )
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    rows = measure(args.file)
    print(
        f"{args.file.name}: compiled against pySHACL's components (CPU s, wall s, ratio of CPU)"
    )
    for shape, c_cpu, c_wall, p_cpu, p_wall, results, same in rows:
        ratio = p_cpu / c_cpu if c_cpu > 0 else float("inf")
        print(
            f"{shape.rsplit('#', 1)[-1]:32s} compiled {c_cpu:7.3f} CPU {c_wall:7.3f} wall | pySHACL {p_cpu:7.3f} CPU "
            f"{p_wall:7.3f} wall | x{ratio:6.1f} | {results:6d} results {'same' if same else 'DIFFERENT'}"
        )
    return 0 if all(row[-1] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
