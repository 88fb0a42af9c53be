"""Load and query benchmark: mag-graph's store against raw pyoxigraph and rdflib.

Each engine runs in a subprocess of its own, so its peak memory (ru_maxrss) is its own.
Run through ``python -m benchmarks store``.

    python -m benchmarks.store validation FILE.nq

loads the file with ``mag-graph load``'s code into an on-disk store (optimised after the
bulk write, and once without), and into an in-memory one, and times q01 and a full
validation on each (CPU and wall; results compared exactly), each in its own process.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

QUERY_REPEATS = 20

# The role matrix of one municipality (question Q1), the governance query of issue 2.
ROLE_MATRIX = """
PREFIX mag: <https://data.mag-graph.nl/def/mag#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?phase ?order ?actor ?responsibility ?label ?raci WHERE {
  ?responsibility a mag:Responsibility ;
      mag:municipality ?municipality ;
      mag:phase ?phase ;
      mag:assignedTo ?actor ;
      mag:raciKind ?raci ;
      rdfs:label ?label .
  OPTIONAL { ?phase mag:order ?order }
}
ORDER BY ?order ?actor ?responsibility
"""
MUNICIPALITY = "https://identifier.overheid.nl/tooi/id/gemeente/gm9000"
ENGINES = ("mag-graph", "pyoxigraph", "rdflib")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_engine(engine: str, data: Path, workdir: Path) -> dict[str, float]:
    """Load ``data`` with one engine and time the role-matrix query (in this process)."""
    import pyoxigraph as ox

    values = f"VALUES ?municipality {{ <{MUNICIPALITY}> }}\n"
    query = ROLE_MATRIX.replace("WHERE {", "WHERE {\n" + values, 1)
    started = time.perf_counter()
    if engine == "mag-graph":
        from rdflib import URIRef

        from mag_graph.store import Store

        store = Store.open(workdir / "mag")
        store.load(data)
        loaded = time.perf_counter()

        def ask() -> int:
            return len(store.query(ROLE_MATRIX, bindings={"municipality": URIRef(MUNICIPALITY)}).rows)
    elif engine == "pyoxigraph":
        raw = ox.Store(str(workdir / "raw"))
        raw.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
        loaded = time.perf_counter()

        def ask() -> int:
            return len(list(raw.query(query, use_default_graph_as_union=True)))
    elif engine == "rdflib":
        from rdflib import Dataset

        dataset = Dataset(default_union=True)
        dataset.parse(data, format="nquads")
        loaded = time.perf_counter()

        def ask() -> int:
            return len(list(dataset.query(query)))
    else:
        raise ValueError(engine)
    rows = ask()
    timings = []
    repeats = QUERY_REPEATS if engine != "rdflib" else 3
    for _ in range(repeats):
        t0 = time.perf_counter()
        ask()
        timings.append(time.perf_counter() - t0)
    return {
        "load_s": loaded - started,
        "query_ms": statistics.median(timings) * 1000,
        "rows": rows,
        "peak_mb": _peak_mb(),
    }


STORE_KINDS = ("memory", "disk", "disk-unoptimised")


def _cpu() -> float:
    """CPU seconds of this process so far, every thread (pyoxigraph's queries and compactions too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_validation(kind: str, data: Path, workdir: Path) -> dict[str, Any]:
    """Load ``data`` (after the ontology) into a mag-graph store of ``kind`` (in memory,
    on disk optimised after loading, on disk as loaded) and time q01 and a full validation."""
    from rdflib import URIRef
    from rdflib.namespace import SH

    from benchmarks.validation import REFERENCE_DATE
    from mag_graph.namespaces import Graphs
    from mag_graph.resources import resource_files
    from mag_graph.store import Store, loading
    from mag_graph.validation import validate
    from mag_graph.validation.report import _path_text

    loading.OPTIMIZE_AFTER_BULK_WRITE = kind != "disk-unoptimised"
    store = Store.open(None if kind == "memory" else workdir / "mag")
    store.load(list(resource_files("ontology", "*.ttl")), graph=Graphs.ONTOLOGY)
    started, cpu = time.perf_counter(), _cpu()
    store.load(data)
    figures: dict[str, Any] = {"load_s": time.perf_counter() - started, "load_cpu_s": _cpu() - cpu}
    municipality = URIRef(MUNICIPALITY)
    store.query(ROLE_MATRIX, bindings={"municipality": municipality})
    timings = []
    for _ in range(QUERY_REPEATS):
        t0 = time.perf_counter()
        store.query(ROLE_MATRIX, bindings={"municipality": municipality})
        timings.append(time.perf_counter() - t0)
    figures["q01_ms"] = statistics.median(timings) * 1000
    started, cpu = time.perf_counter(), _cpu()
    report = validate(store, date=REFERENCE_DATE)
    figures.update(validate_s=time.perf_counter() - started, validate_cpu_s=_cpu() - cpu, peak_mb=_peak_mb())
    graph = report.report_graph
    figures["results"] = sorted(
        [
            graph.value(r, SH.focusNode).n3(),
            _path_text(graph, graph.value(r, SH.resultPath)),
            str(graph.value(r, SH.value)),
            str(graph.value(r, SH.sourceShape)),
            str(graph.value(r, SH.sourceConstraintComponent)),
        ]
        for r in graph.objects(None, SH.result)
    )
    store.close()
    return figures


def report_validation(data: Path) -> dict[str, dict[str, Any]]:
    """Full validation and q01 on each kind of store, each in its own process, one after the other."""
    results = {}
    for kind in STORE_KINDS:
        with tempfile.TemporaryDirectory(dir=Path(__file__).resolve().parent / "out") as workdir:
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.store", "validation-of", kind, str(data), workdir],
                check=True, capture_output=True, text=True,
            )
            results[kind] = json.loads(out.stdout.strip().splitlines()[-1])
    memory = results["memory"]
    print(f"\nFull validation by store ({data.name}; CPU: every thread of the process)")
    print(f"{'store':<17} {'load s':>7} {'CPU':>6} {'q01 ms':>7} {'validate s':>10} {'CPU s':>7} "
          f"{'CPU x mem':>9} {'peak MB':>8} {'results':>7}")
    for kind, r in results.items():
        print(f"{kind:<17} {r['load_s']:7.1f} {r['load_cpu_s']:6.1f} {r['q01_ms']:7.2f} {r['validate_s']:10.1f} "
              f"{r['validate_cpu_s']:7.1f} {r['validate_cpu_s'] / memory['validate_cpu_s']:9.2f} "
              f"{r['peak_mb']:8.0f} {len(r['results']):7d}")
    same = all(r["results"] == memory["results"] for r in results.values())
    print(f"same results on every store: {'yes' if same else 'NO'}")
    return results


def measure(data: Path) -> dict[str, dict[str, float]]:
    """Every engine on the same file, each in its own subprocess."""
    results = {}
    for engine in ENGINES:
        with tempfile.TemporaryDirectory() as workdir:
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.store", engine, str(data), workdir],
                check=True, capture_output=True, text=True,
            )
            results[engine] = json.loads(out.stdout.strip().splitlines()[-1])
    return results


def report(data: Path, quads: int) -> dict[str, dict[str, float]]:
    results = measure(data)
    raw = results["pyoxigraph"]
    print(f"\nStore: {quads:,} quads ({data})")
    print(f"{'engine':<12} {'load s':>8} {'x raw':>7} {'query ms':>9} {'x raw':>7} {'rows':>5} {'peak MB':>8}")
    for engine, r in results.items():
        print(
            f"{engine:<12} {r['load_s']:8.2f} {r['load_s'] / raw['load_s']:7.2f} "
            f"{r['query_ms']:9.2f} {r['query_ms'] / raw['query_ms']:7.2f} {r['rows']:5d} {r['peak_mb']:8.0f}"
        )
    return results


if __name__ == "__main__":
    if len(sys.argv) < 3 or (sys.argv[1] not in ("validation", "validation-of") and len(sys.argv) < 4):
        sys.exit("usage: python -m benchmarks.store validation FILE  (q01 and full validation in memory and "
                 "on disk, optimised and as loaded)\n       python -m benchmarks.store ENGINE FILE WORKDIR  "
                 "(one engine's load and q01, as python -m benchmarks store runs it)")
    if sys.argv[1] == "validation":
        report_validation(Path(sys.argv[2]))
    elif sys.argv[1] == "validation-of":
        print(json.dumps(run_validation(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))))
    else:
        engine_name, data_file, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
        print(json.dumps(run_engine(engine_name, data_file, work)))
