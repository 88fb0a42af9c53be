"""Benchmarks of mag-graph, each against a real alternative in the same run.

    python -m benchmarks                 # store and validation at all sizes
    python -m benchmarks store           # load + query: mag-graph vs pyoxigraph vs rdflib
    python -m benchmarks validation      # full validation vs plain pySHACL; incremental latency
    python -m benchmarks --quick         # smaller sizes (a few minutes instead of ~15)
    python -m benchmarks report          # the readable report: actors, spreadsheet uploads, PDF
    python -m benchmarks workbench       # form render and save p50 (benchmarks/workbench.py)
    python -m benchmarks deadline        # the validation time limit: overhead and stop precision
    python -m benchmarks store --backend oxigraph --backend virtuoso --size 100k
                                         # the store on each backend, ratios to embedded

Synthetic national-scale data comes from benchmarks/generate.py and is cached in
benchmarks/out/ (not committed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import generate

OUT = Path(__file__).resolve().parent / "out"
# Municipalities per size: about 3,700 quads each.
SIZES = {"10k": 3, "100k": 27, "1M": 342}
QUICK_SIZES = {"10k": 3, "100k": 27}


def dataset(label: str, municipalities: int) -> tuple[Path, int]:
    path = OUT / f"synthetic-{label}-v{generate.VERSION}.nq"
    if not path.exists():
        quads = generate.write(path, municipalities)
    else:
        with path.open("rb") as handle:
            quads = sum(1 for _ in handle)
    return path, quads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="?", choices=["all", "store", "validation", "incremental", "report"], default="all")
    parser.add_argument("--quick", action="store_true", help="skip the 1M-triple size")
    parser.add_argument("--no-pyshacl", action="store_true", help="skip plain pySHACL (slow at 1M)")
    parser.add_argument("--backend", action="append", choices=["embedded", "oxigraph", "virtuoso"],
                        help="store: load, q01, a CMS write and full validation on this backend "
                             "(repeatable; the embedded store is the reference) - see benchmarks/backends.py")
    parser.add_argument("--size", choices=list(SIZES), help="with --backend: the one size to run (default 100k)")
    parser.add_argument("--no-validation", action="store_true",
                        help="with --backend: leave out full validation (load, q01 and the CMS write only)")
    if argv is None:
        import sys

        argv = sys.argv[1:]
    if argv[:1] == ["deadline"]:  # the validation time limit's cost and precision
        from . import validation_deadline

        return validation_deadline.main(argv[1:])
    if argv[:1] == ["workbench"]:  # its own options (--runs, --size)
        from . import workbench

        return workbench.main(argv[1:])
    args = parser.parse_args(argv)
    if args.backend:
        from . import backends

        label = args.size or "100k"
        path, quads = dataset(label, SIZES[label])
        print(f"{label}: {quads:,} quads in {path.name}")
        backends.report(path, SIZES[label], args.backend, validation=not args.no_validation)
        return 0
    if args.which == "report":  # on the example graph: no synthetic data needed
        from . import report

        report.report()
        return 0
    sizes = QUICK_SIZES if args.quick else SIZES
    files = {}
    for label, count in sizes.items():
        path, quads = dataset(label, count)
        files[label] = path
        print(f"{label}: {quads:,} quads in {path.name}")
    if args.which in ("all", "store"):
        from . import store

        largest = list(files)[-1]
        store.report(files[largest], dataset(largest, sizes[largest])[1])
    if args.which == "incremental":  # only the incremental latencies, at the largest size
        from . import validation

        largest = list(files)[-1]
        validation.report_incremental(files[largest], largest)
        return 0
    if args.which in ("all", "validation"):
        from . import validation

        validation.report(files, with_pyshacl=not args.no_pyshacl)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
