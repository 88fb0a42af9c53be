"""mag-graph's validation agrees with an independent SHACL engine, Apache Jena SHACL
(Debian's libapache-jena-java 4.5, installed by scripts/ensure-jena.sh; run through
benchmarks/jena.py): on the example graph with all shapes, and on a sample of rule
fixtures (one change to the example each, tests/fixtures/rules) with the fixture's rule,
the results - (focus node, path, value, source shape, constraint component, severity) -
are the same sets.

Jena reads the same shapes (the reference date filled in; the shapes of other rules
without targets, as ``rules=[...]`` selects them; the two adaptations Jena 4.5 needs,
benchmarks/jena.py ``for_jena``: one sh:message per constraint, ``$currentShape`` written
in) and the same data (every graph of the store as one N-Triples graph), all in one JVM.
R19-R22's shared constraints select their row by ``$currentShape``: the sample's R19-R22
fixtures show that writing it in for Jena is what pre-binding means.
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks import jena
from mag_graph import validation
from mag_graph.validation import prepared_shapes

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "rules"
REFERENCE_DATE = dt.date(2026, 11, 1)


def _sample() -> list[Path]:
    """The first failing fixture of every rule (so each rule is seen finding something),
    every fixture of R16 (the group without a municipality) and of R20 (its frequency,
    period and existence constraints are the ones shared by R19-R22 through
    ``$currentShape``)."""
    by_rule: dict[str, list[Path]] = {}
    for fixture in sorted(FIXTURES.glob("R*.ru")):
        by_rule.setdefault(fixture.stem[:3], []).append(fixture)
    chosen = {next(f for f in fixtures if "-ok-" not in f.stem) for fixtures in by_rule.values()}
    chosen |= set(by_rule.get("R16", [])) | set(by_rule.get("R20", []))
    return sorted(chosen)


SAMPLE = _sample()
CASES = ["example"] + [f.stem for f in SAMPLE]


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[set, set]]:
    """Per case, (our results, Jena's results), Jena's all from one JVM. The JVM starts as
    soon as every case's shapes and data are written, and runs while our engine validates
    the same cases in this process (a thread waits for the JVM): the two engines' times
    overlap instead of adding up."""
    if not jena.ensure():
        message = "Apache Jena SHACL is not installed; run scripts/ensure-jena.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("jena")
    jobs, stores, ours = [], {}, {}
    shapes_files: dict[str | None, Path] = {}

    def shapes_for(rule: str | None) -> Path:
        # N-Triples: the same graph as write_shapes' Turtle, written and read in less time
        if rule not in shapes_files:
            graph, use_shapes = prepared_shapes(REFERENCE_DATE, [rule] if rule else None)
            shapes = jena.for_jena(jena.restricted_to(graph, use_shapes))
            shapes_files[rule] = folder / f"shapes-{rule or 'all'}.nt"
            shapes.serialize(destination=str(shapes_files[rule]), format="nt", encoding="utf-8")
        return shapes_files[rule]

    for case in CASES:
        store = validation.example_store()
        rule = None
        if case != "example":
            store.update((FIXTURES / f"{case}.ru").read_text(encoding="utf-8"))
            rule = case[:3]
        data = jena.write_store(store, folder / f"{case}.nt")
        jobs.append((shapes_for(rule), data))
        stores[case] = (store, rule)
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(jena.run_batch, jobs, timeout=1500, jvm_options=jena.SHORT_RUN_OPTIONS)
        for case, (store, rule) in stores.items():
            report = validation.validate(store, date=REFERENCE_DATE, rules=[rule] if rule else None)
            ours[case] = jena.result_set(report.report_graph)
        run = running.result()  # Jena's error, if any, is raised here
    return {case: (ours[case], jena.result_set(v.report)) for case, v in zip(CASES, run.validations)}


def test_the_sample_covers_every_rule() -> None:
    assert {f.stem[:3] for f in SAMPLE} == {f"R{n:02d}" for n in range(1, 29)}


def test_jena_gives_the_same_results(compared: dict[str, tuple[set, set]]) -> None:
    """Every case gives the same results in Jena as in our engine; and Jena finds
    something on every failing fixture and nothing on the example and the passing ones,
    so the agreement is not one of empty reports. One test for all cases: they share one
    JVM run, which ``pytest -n 2`` would otherwise start in both workers."""
    differing = {case: jena.differences(*compared[case]) for case in CASES}
    assert {case: found for case, found in differing.items() if found} == {}
    failing = [case for case in CASES if case != "example" and "-ok-" not in case]
    assert [case for case in failing if not compared[case][1]] == []
    assert [case for case in CASES if case not in failing and compared[case][1]] == []
