"""Full validation by engine: the set-based engine against the pySHACL path and Apache
Jena SHACL (Debian's libapache-jena-java, installed by scripts/ensure-jena.sh; see
benchmarks/jena.py), each size in a fresh process (Jena: a fresh JVM) so its peak memory
is its own, on the same shapes (the reference date filled in) and the same data, with the
results compared exactly and every difference listed. Each engine's time is its
validation alone, without loading the data (Jena's is timed inside the JVM; its whole
run, with the JVM's start and parsing, is printed beside it).

Run through ``python -m benchmarks validation``; one measurement alone (what the parent
runs in a child process)::

    python -m benchmarks.validation_engines FILE.nq ENGINE   # prints one JSON line
"""

from __future__ import annotations

import datetime as dt
import json
import resource
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
    started, cpu_started = time.perf_counter(), time.process_time()
    report = validate(store, date=REFERENCE_DATE, engine=engine)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
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
    return {"engine": engine, "seconds": seconds, "cpu_seconds": cpu_seconds, "results": results, "peak_mb": peak_mb}


def _child(path: Path, engine: str, timeout: float) -> dict | None:
    try:
        out = subprocess.run([sys.executable, "-m", "benchmarks.validation_engines", str(path), engine],
                             capture_output=True, text=True, check=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def jena_available() -> bool:
    """Whether Apache Jena SHACL can be run (scripts/ensure-jena.sh, run here, installs
    Debian's libapache-jena-java when missing and writes its class path)."""
    from benchmarks import jena

    return jena.ensure()


def _jena_inputs(path: Path) -> tuple[Path, Path]:
    """The inputs Jena reads, written next to the synthetic file (benchmarks/out): the
    data with the ontology as one N-Triples graph (our engines validate the union of the
    store's graphs, the ontology in its own graph) and the shapes with the reference date
    filled in (benchmarks/jena.py: English messages only)."""
    from benchmarks import jena
    from mag_graph.resources import resource_files
    from mag_graph.validation import prepared_shapes

    data = path.with_suffix(".nt")
    if not data.exists():
        jena.nquads_to_ntriples(path, data, list(resource_files("ontology", "*.ttl")))
    shapes = path.parent / f"jena-shapes-{REFERENCE_DATE}.ttl"
    jena.write_shapes(prepared_shapes(REFERENCE_DATE)[0], shapes)
    return data, shapes


def _jena(label: str, path: Path, ours: dict | None, reference: dict | None, timeout: float) -> None:
    """Jena SHACL on the same data and shapes, in a fresh JVM: its validation time (inside
    the JVM, as ours is timed inside Python: without parsing), the whole JVM's time, its
    results and peak memory; and every result one side gives and the other does not
    (benchmarks/jena.py: the shapes as Jena 4.5 reads them)."""
    from benchmarks import jena

    data, shapes = _jena_inputs(path)
    try:
        run = jena.run_batch([(shapes, data)], timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"{label:>6} {'jena':>9} {'> ' + str(int(timeout)):>9}")
        return
    except jena.JenaError as error:
        print(f"{label:>6} jena failed: {error}")
        return
    validation = run.validations[0]
    theirs = jena.result_set(validation.report)
    ratio = f"{reference['seconds'] / validation.seconds:10.1f}x" if reference else "-"
    print(f"{label:>6} {'jena':>9} {validation.seconds:9.2f} {validation.cpu_seconds:8.2f} {len(theirs):8d}"
          f" {run.peak_mb:8.0f} {ratio:>11}   (whole JVM {run.wall_seconds:.1f} s, {run.cpu_seconds:.1f} s CPU:"
          f" parsing the data {validation.parse_seconds:.1f} s, the shapes {validation.shapes_seconds:.1f} s)")
    if ours is None:
        return
    mine = {jena.as_result(r) for r in ours["results"]}
    name = ours["engine"]
    print(f"{label:>6} {name} vs jena: {validation.seconds / ours['seconds']:.1f}x faster"
          f" ({validation.cpu_seconds / max(ours.get('cpu_seconds', 0), 0.001):.1f}x in CPU time),"
          f" peak memory {ours['peak_mb']:.0f} MB vs {run.peak_mb:.0f} MB")
    listed = jena.differences(mine, theirs)
    if not listed:
        print(f"{label:>6} {name} and jena: results identical ({len(mine)})")
    for side, result in listed[:40]:
        print(f"{label:>6} only {'jena' if side == 'jena' else name}: {result}")
    if len(listed) > 40:
        print(f"{label:>6} ... {len(listed) - 40} more differences")


def report(files: dict[str, Path], *, engines: tuple[str, ...] = ENGINES, timeout: float = 1800,
           with_jena: bool = True) -> None:
    """Full validation per size and engine: seconds, CPU seconds (the machine may be
    shared), results, peak memory, ratio to the
    pySHACL path, and the results one engine gives and the other does not; Apache Jena
    SHACL on the same shapes and data when it can be installed."""
    jena_ok = with_jena and jena_available()
    print(f"\nFull validation by engine (reference date {REFERENCE_DATE}; each run in its own process)")
    print(f"{'size':>6} {'engine':>9} {'seconds':>9} {'CPU s':>8} {'results':>8} {'peak MB':>8} {'vs pySHACL':>11}")
    for label, path in files.items():
        measured = {engine: _child(path, engine, timeout) for engine in engines}
        reference = measured.get("pyshacl")
        for engine, m in measured.items():
            if m is None:
                print(f"{label:>6} {engine:>9} {'> ' + str(int(timeout)):>9} {'-':>8} {'-':>8} {'-':>8} {'-':>11}")
                continue
            ratio = f"{reference['seconds'] / m['seconds']:10.1f}x" if reference and engine != "pyshacl" else "-"
            print(f"{label:>6} {engine:>9} {m['seconds']:9.2f} {m['cpu_seconds']:8.2f} {len(m['results']):8d}"
                  f" {m['peak_mb']:8.0f} {ratio:>11}")
        if reference and measured.get("setbased"):
            ours = {tuple(r) for r in measured["setbased"]["results"]}
            theirs = {tuple(r) for r in reference["results"]}
            if ours == theirs:
                print(f"{label:>6} results identical ({len(ours)})")
            for r in sorted(theirs - ours, key=str)[:20]:
                print(f"{label:>6} only pySHACL: {r}")
            for r in sorted(ours - theirs, key=str)[:20]:
                print(f"{label:>6} only set-based: {r}")
        if jena_ok:
            _jena(label, path, measured.get("setbased") or reference, reference, timeout)
    if not jena_ok:
        print("Apache Jena SHACL: not available (scripts/ensure-jena.sh installs Debian's libapache-jena-java)")


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]), sys.argv[2])))
