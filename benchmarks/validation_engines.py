"""Full validation by engine: the set-based engine against the pySHACL path (and Apache
Jena SHACL when its command-line tool is installed), each size in a fresh process so its
peak memory is its own, with the results compared exactly and every difference listed.

Run through ``python -m benchmarks validation``; one measurement alone (what the parent
runs in a child process)::

    python -m benchmarks.validation_engines FILE.nq ENGINE   # prints one JSON line
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REFERENCE_DATE = dt.date(2026, 11, 1)
ENGINES = ("setbased", "pyshacl")


def measure(path: Path, engine: str) -> dict:
    """One full validation of the synthetic file with ``engine``, in this process."""
    from rdflib.namespace import SH

    from benchmarks.validation import _store_from
    from mag_graph.validation import validate
    from mag_graph.validation.report import _path_text

    store = _store_from(path)
    started = time.perf_counter()
    report = validate(store, date=REFERENCE_DATE, engine=engine)
    seconds = time.perf_counter() - started
    graph = report.report_graph
    results = sorted(
        [
            graph.value(r, SH.focusNode).n3(),
            _path_text(graph, graph.value(r, SH.resultPath)),
            graph.value(r, SH.value).n3() if graph.value(r, SH.value) is not None else None,
            str(graph.value(r, SH.sourceShape)),
            str(graph.value(r, SH.sourceConstraintComponent)),
            str(graph.value(r, SH.resultSeverity)),
        ]
        for r in graph.objects(None, SH.result)
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"engine": engine, "seconds": seconds, "results": results, "peak_mb": peak_mb}


def _child(path: Path, engine: str, timeout: float) -> dict | None:
    try:
        out = subprocess.run([sys.executable, "-m", "benchmarks.validation_engines", str(path), engine],
                             capture_output=True, text=True, check=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def jena_available() -> str | None:
    """The path of Jena's ``shacl`` command-line tool, if installed (optional)."""
    return shutil.which("shacl")


def report(files: dict[str, Path], *, engines: tuple[str, ...] = ENGINES, timeout: float = 1800) -> None:
    """Full validation per size and engine: seconds, results, peak memory, ratio to the
    pySHACL path, and the results one engine gives and the other does not."""
    print(f"\nFull validation by engine (reference date {REFERENCE_DATE}; each run in its own process)")
    print(f"{'size':>6} {'engine':>9} {'seconds':>9} {'results':>8} {'peak MB':>8} {'vs pySHACL':>11}")
    for label, path in files.items():
        measured = {engine: _child(path, engine, timeout) for engine in engines}
        reference = measured.get("pyshacl")
        for engine, m in measured.items():
            if m is None:
                print(f"{label:>6} {engine:>9} {'> ' + str(int(timeout)):>9} {'-':>8} {'-':>8} {'-':>11}")
                continue
            ratio = f"{reference['seconds'] / m['seconds']:10.1f}x" if reference and engine != "pyshacl" else "-"
            print(f"{label:>6} {engine:>9} {m['seconds']:9.2f} {len(m['results']):8d} {m['peak_mb']:8.0f} {ratio:>11}")
        if reference and measured.get("setbased"):
            ours = {tuple(r) for r in measured["setbased"]["results"]}
            theirs = {tuple(r) for r in reference["results"]}
            if ours == theirs:
                print(f"{label:>6} results identical ({len(ours)})")
            for r in sorted(theirs - ours, key=str)[:20]:
                print(f"{label:>6} only pySHACL: {r}")
            for r in sorted(ours - theirs, key=str)[:20]:
                print(f"{label:>6} only set-based: {r}")
    if jena_available() is None:
        print("Apache Jena SHACL: not installed (optional; Debian libapache-jena-java), not measured")


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]), sys.argv[2])))
