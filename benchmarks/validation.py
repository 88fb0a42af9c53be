"""Validation benchmark: full validation by engine (the set-based engine against the
pySHACL path, :mod:`benchmarks.validation_engines`), full validation through mag-graph
against plain pySHACL on an rdflib graph, at three sizes, and the latency of incremental
validation of one changed resource at the largest size.

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
# The resources the incremental benchmarks change, one per kind ({:03d}: the municipality).
SAMPLES = (
    "https://data.mag-graph.nl/id/groep/s{:03d}-klankbordgroep",
    "https://data.mag-graph.nl/id/budget/s{:03d}-thema-1",
    "https://data.mag-graph.nl/id/samenwerking/s{:03d}-3",
    "https://data.mag-graph.nl/id/verantwoordelijkheid/s{:03d}-vaststellen-college-1",
    "https://data.mag-graph.nl/id/overleg/s{:03d}-ambtelijkoverleg",
)


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

    from mag_graph.validation import validate_change

    validate_change(store, [URIRef(SAMPLES[0].format(0))], date=REFERENCE_DATE)  # warm caches
    timings = []
    for run in range(INCREMENTAL_RUNS):
        iri = URIRef(SAMPLES[run % len(SAMPLES)].format(run % 300))
        started = time.perf_counter()
        validate_change(store, [iri], date=REFERENCE_DATE)
        timings.append(time.perf_counter() - started)
    return timings


def statement_edits(store: ox.Store) -> list[float]:
    """Latency of validating one edited statement the way the CMS does: what the
    statement can affect according to the shapes (``impact.affected_by`` on the store
    before and after), each node against the shapes that target it. The edit changes a
    literal of a sample resource (its first one, with " (bewerkt)" appended), is timed
    from before the change to the report, and is undone afterwards."""
    from rdflib import URIRef

    from mag_graph.store import to_rdflib_term
    from mag_graph.validation import affected_by, validate

    timings = []
    for run in range(INCREMENTAL_RUNS + 1):
        node = ox.NamedNode(SAMPLES[run % len(SAMPLES)].format(run % 300))
        old = next((q for q in store.quads_for_pattern(node, None, None, None) if isinstance(q.object, ox.Literal)), None)
        if old is None:
            continue
        new = ox.Quad(old.subject, old.predicate, ox.Literal(old.object.value + " (bewerkt)", language=old.object.language)
                      if old.object.language else ox.Literal(old.object.value + " (bewerkt)"), old.graph_name)
        triples = [tuple(to_rdflib_term(t) for t in (q.subject, q.predicate, q.object)) for q in (old, new)]
        started = time.perf_counter()
        before = affected_by(store, triples, date=REFERENCE_DATE)
        store.remove(old)
        store.add(new)
        after = affected_by(store, triples, date=REFERENCE_DATE)
        validate(store, date=REFERENCE_DATE, focus_nodes=before | after | {URIRef(node.value)})
        elapsed = time.perf_counter() - started
        store.remove(new)
        store.add(old)
        if run:  # the first run warms the caches
            timings.append(elapsed)
    return timings


def _percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def report_incremental(path: Path, label: str) -> None:
    """Only the incremental figures (full validation at 1M takes far too long to wait for)."""
    store = _store_from(path)
    for name, timings in (("one changed resource, everything within two links (validate_change)", incremental(store)),
                          ("one edited statement, what the shapes read (impact.affected_by)", statement_edits(store))):
        p50, p99 = _percentiles(timings)
        print(f"incremental validation at {label}, {name}: p50 {p50:.1f} ms, p99 {p99:.1f} ms ({len(timings)} runs)")


# Plain pySHACL over rdflib is run only up to this size: with these shapes (SPARQL
# constraints evaluated by rdflib's engine) it took 272 s at 10k triples here, so 100k
# and 1M would take hours.
PYSHACL_SIZES = ("10k",)


def report(files: dict[str, Path], *, with_pyshacl: bool = True) -> None:
    from benchmarks import validation_engines

    # The engines compared at every size (the pySHACL path is skipped at 1M: hours).
    validation_engines.report({k: v for k, v in files.items() if k != "1M"})
    if "1M" in files:
        validation_engines.report({"1M": files["1M"]}, engines=("setbased",))
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
        for name, timings in (("one changed resource, everything within two links", incremental(largest_store)),
                              ("one edited statement, what the shapes read", statement_edits(largest_store))):
            p50, p99 = _percentiles(timings)
            print(f"incremental validation at {list(files)[-1]}, {name}: p50 {p50:.1f} ms, p99 {p99:.1f} ms ({len(timings)} runs)")
