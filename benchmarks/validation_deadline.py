"""The cost and the precision of the validation time limit (``validate(..., deadline=...)``).

For each engine, on the example graph and the synthetic 10k set:

* overhead: full validation with no deadline against the same with a deadline far away
  (every check made, none passing), median of a few runs each, and the ratio;
* precision: with a deadline at a fraction of the full run's time, how long after the
  deadline the run stopped (it stops at the next shape or query, never mid-query).

    python -m benchmarks deadline [--runs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

REFERENCE_DATE = dt.date(2026, 11, 1)
ENGINES = ("setbased", "pyshacl")


def _full(store: object, engine: str, deadline: object) -> float:
    from mag_graph.validation import validate

    started = time.perf_counter()
    validate(store, date=REFERENCE_DATE, engine=engine, deadline=deadline)
    return time.perf_counter() - started


def _overshoot(store: object, engine: str, after: float) -> float:
    """Seconds between the deadline and the ValidationTimeoutError."""
    from mag_graph.validation import Deadline, ValidationTimeoutError, validate

    deadline = Deadline.after(after)
    try:
        validate(store, date=REFERENCE_DATE, engine=engine, deadline=deadline)
    except ValidationTimeoutError:
        return time.monotonic() - deadline.at
    return float("nan")  # finished before its deadline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks deadline", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    from benchmarks.__main__ import dataset
    from benchmarks.validation import _store_from
    from mag_graph.validation import Deadline, example_store

    path, quads = dataset("10k", 3)
    stores = {"example": example_store(), f"synthetic {quads} quads": _store_from(path)}
    print(f"{'data':28} {'engine':9} {'no limit s':>11} {'limit s':>9} {'ratio':>6} {'stop after deadline s (at 25/50/75%)':>40}")
    for name, store in stores.items():
        for engine in ENGINES:
            _full(store, engine, None)  # warm the caches (prepared shapes, analysis)
            plain = statistics.median(_full(store, engine, None) for _ in range(args.runs))
            limited = statistics.median(_full(store, engine, Deadline.after(3600)) for _ in range(args.runs))
            late = [_overshoot(store, engine, plain * share) for share in (0.25, 0.5, 0.75)]
            print(f"{name:28} {engine:9} {plain:11.3f} {limited:9.3f} {limited / plain:6.2f} "
                  f"{' / '.join(f'{s:.3f}' for s in late):>40}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
