"""Validation benchmark: full validation through mag-graph (pySHACL on the Oxigraph
store) against plain pySHACL on an rdflib graph, at three sizes, and the latency of
incremental validation of one changed resource at the largest size.

Run through ``python -m benchmarks validation``.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from pathlib import Path

import pyoxigraph as ox

REFERENCE_DATE = dt.date(2026, 11, 1)
INCREMENTAL_RUNS = 30


def _store_from(path: Path) -> ox.Store:
    from mag_graph.resources import resource_files

    store = ox.Store()
    for ontology in resource_files("ontology", "*.ttl"):
        store.load(path=str(ontology), format=ox.RdfFormat.TURTLE,
                   to_graph=ox.NamedNode("https://data.mag-graph.nl/graph/ontologie"))
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return store


def full_mag(store: ox.Store) -> tuple[float, int]:
    from mag_graph.validation import validate

    started = time.perf_counter()
    report = validate(store, date=REFERENCE_DATE)
    return time.perf_counter() - started, len(report.results)


def full_pyshacl(path: Path) -> tuple[float, float, int]:
    """Plain pySHACL as a user would run it: the data parsed into rdflib, the shapes
    with the reference date filled in. Returns (parse seconds, validate seconds, results)."""
    import pyshacl
    from rdflib import Dataset, Graph

    from mag_graph.resources import resource_files
    from mag_graph.validation import prepared_shapes

    started = time.perf_counter()
    data = Dataset(default_union=True)
    data.parse(path, format="nquads")
    ontology = Graph()
    for file in resource_files("ontology", "*.ttl"):
        ontology.parse(file)
    data.graph("https://data.mag-graph.nl/graph/ontologie").__iadd__(ontology)
    parsed = time.perf_counter()
    shapes, _ = prepared_shapes(REFERENCE_DATE)
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inplace=True)
    done = time.perf_counter()
    from rdflib.namespace import SH

    results = len(list(report.objects(None, SH.result)))
    return parsed - started, done - parsed, results


def incremental(store: ox.Store) -> list[float]:
    """Latency of validating what one edit can affect, for a sample of resources."""
    from rdflib import URIRef

    from mag_graph.impact import validate_change

    samples = [
        "https://data.mag-graph.nl/id/groep/s{:03d}-klankbordgroep",
        "https://data.mag-graph.nl/id/budget/s{:03d}-thema-1",
        "https://data.mag-graph.nl/id/samenwerking/s{:03d}-3",
        "https://data.mag-graph.nl/id/verantwoordelijkheid/s{:03d}-vaststellen-college-1",
        "https://data.mag-graph.nl/id/overleg/s{:03d}-ambtelijkoverleg",
    ]
    validate_change(store, [URIRef(samples[0].format(0))], date=REFERENCE_DATE)  # warm caches
    timings = []
    for run in range(INCREMENTAL_RUNS):
        iri = URIRef(samples[run % len(samples)].format(run % 300))
        started = time.perf_counter()
        validate_change(store, [iri], date=REFERENCE_DATE)
        timings.append(time.perf_counter() - started)
    return timings


# Plain pySHACL over rdflib is run only up to this size: with these shapes (SPARQL
# constraints evaluated by rdflib's engine) it took 272 s at 10k triples here, so 100k
# and 1M would take hours.
PYSHACL_SIZES = ("10k",)


def report(files: dict[str, Path], *, with_pyshacl: bool = True) -> None:
    print(f"\nValidation (reference date {REFERENCE_DATE})")
    print(f"{'size':>10} {'mag-graph s':>12} {'results':>8} {'pySHACL s':>10} {'(+parse s)':>10} {'results':>8} {'ratio':>7}")
    largest_store = None
    for label, path in files.items():
        store = _store_from(path)
        mag_s, mag_n = full_mag(store)
        if with_pyshacl and label in PYSHACL_SIZES:
            parse_s, plain_s, plain_n = full_pyshacl(path)
            print(f"{label:>10} {mag_s:12.2f} {mag_n:8d} {plain_s:10.2f} {parse_s:10.2f} {plain_n:8d} {plain_s / mag_s:7.2f}")
        else:
            print(f"{label:>10} {mag_s:12.2f} {mag_n:8d} {'-':>10} {'-':>10} {'-':>8} {'-':>7}")
        largest_store = store
    if largest_store is not None:
        timings = sorted(incremental(largest_store))
        p50 = statistics.median(timings) * 1000
        p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))] * 1000
        print(f"incremental validation of one changed resource at {list(files)[-1]}: p50 {p50:.1f} ms, p99 {p99:.1f} ms ({len(timings)} runs)")
