"""Load and query benchmark: mag-graph's store against raw pyoxigraph and rdflib.

Each engine runs in a subprocess of its own, so its peak memory (ru_maxrss) is its own.
Run through ``python -m benchmarks store``.
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
    engine_name, data_file, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    print(json.dumps(run_engine(engine_name, data_file, work)))
