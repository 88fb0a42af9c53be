"""The set-based engine (mag_graph.validation.setbased) gives the same results as the
pySHACL path: compared exactly, as sets of (focus node, path, value, source shape,
component, severity), on the W3C SHACL test suite, on every rule fixture, on the example
graph at several reference dates and on the synthetic graph at 10k and 100k triples
(benchmarks/generate.py). Also: what the engine compiles and what it hands to pySHACL.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import SH

from mag_graph import validation
from mag_graph.validation import ValidationInputError
from mag_graph.validation.report import _path_text
from mag_graph.validation.setbased import _Run
from mag_graph.validation.setbased_sparql import (
    closure_on_this,
    decorrelated,
    set_based,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "rules"
ENGINES = ("pyshacl", "setbased")

Result = tuple[str, str | None, str | None, str, str, str]


def result_set(report_graph: Graph) -> set[Result]:
    """The results of a report graph as (focus, path, value, sourceShape, component, severity)."""
    found = set()
    for node in report_graph.objects(None, SH.result):
        value = report_graph.value(node, SH.value)
        found.add((
            report_graph.value(node, SH.focusNode).n3(),
            _path_text(report_graph, report_graph.value(node, SH.resultPath)),
            value.n3() if value is not None else None,
            str(report_graph.value(node, SH.sourceShape)),
            str(report_graph.value(node, SH.sourceConstraintComponent)),
            str(report_graph.value(node, SH.resultSeverity)),
        ))
    return found


def both(store: ox.Store, **options: Any) -> tuple[set[Result], set[Result]]:
    reports = [validation.validate(store, engine=engine, **options) for engine in ENGINES]
    return result_set(reports[0].report_graph), result_set(reports[1].report_graph)


def _differences(reference: set[Result], setbased: set[Result]) -> str:
    lines = [f"only pySHACL: {r}" for r in sorted(reference - setbased, key=str)[:20]]
    lines += [f"only set-based: {r}" for r in sorted(setbased - reference, key=str)[:20]]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the W3C suite


def test_the_w3c_suite_gives_the_same_results_through_both_engines() -> None:
    """Every sht:Validate test (also those both engines fail, and the shapes graphs both
    refuse) gives the same results, or the same refusal, through both engines."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_w3c_shacl import TESTS

    differing = []
    for test in TESTS:
        outcomes = []
        for engine in ENGINES:
            store = ox.Store()
            store.load(path=str(test.data), format=ox.RdfFormat.TURTLE, base_iri=test.data.resolve().as_uri())
            try:
                report = validation.validate(store, shapes=[test.shapes], engine=engine)
            except ValidationInputError:
                outcomes.append("refused")
                continue
            outcomes.append((report.conforms, _canonical(result_set(report.report_graph))))
        if outcomes[0] != outcomes[1]:
            differing.append(test.name)
    assert differing == []


def _canonical(results: set[Result]) -> frozenset[Any]:
    """Blank nodes (focus nodes, values, shapes of the suite) by position only: both
    engines read the same store, but the shapes graph is read once per run."""
    return frozenset(tuple("_:b" if isinstance(t, str) and t.startswith("_:") else t for t in r) for r in results)


# --------------------------------------------------------------------------- rule fixtures


def _fixture_date(fixture: Path) -> dt.date:
    for line in fixture.read_text(encoding="utf-8").splitlines():
        if line.startswith("# date:"):
            return dt.date.fromisoformat(line[len("# date:"):].strip())
    return dt.date(2026, 11, 1)


FIXTURE_FILES = sorted(FIXTURES.glob("R*.ru"))


def test_there_are_rule_fixtures() -> None:
    assert len(FIXTURE_FILES) > 100


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=[f.stem for f in FIXTURE_FILES])
def test_each_rule_fixture_gives_the_same_results(fixture: Path) -> None:
    """Each fixture's rule on the example with the fixture's change, at its date."""
    store = validation.example_store()
    store.update(fixture.read_text(encoding="utf-8"))
    reference, setbased = both(store, date=_fixture_date(fixture), rules=[fixture.stem[:3]])
    assert reference == setbased, _differences(reference, setbased)


# --------------------------------------------------------------------------- the example


@pytest.mark.parametrize("date", ["2019-01-01", "2020-07-01", "2023-06-01", "2026-11-01", "2031-01-01"])
def test_the_example_gives_the_same_results_and_messages(date: str) -> None:
    store = validation.example_store()
    reports = [validation.validate(store, engine=e, date=dt.date.fromisoformat(date)) for e in ENGINES]
    assert result_set(reports[0].report_graph) == result_set(reports[1].report_graph)
    # The findings as people read them, messages in Dutch and English included.
    assert reports[0].results == reports[1].results
    assert reports[0].results_in("en", store) == reports[1].results_in("en", store)


def test_a_broken_example_gives_findings_in_both() -> None:
    """The comparison above is not vacuous: with the fixtures of several rules applied
    together the example breaks rules, and both engines find the same."""
    store = validation.example_store()
    for name in ("R01-no-phase", "R06-goal-without-indicator", "R15-nine-members", "R20-three-meetings-in-a-year"):
        path = FIXTURES / f"{name}.ru"
        if path.exists():
            store.update(path.read_text(encoding="utf-8"))
    reference, setbased = both(store, date=dt.date(2026, 11, 1))
    assert len(reference) >= 3
    assert reference == setbased, _differences(reference, setbased)


# --------------------------------------------------------------------------- synthetic graphs


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ox.Store]:
    sys.path.insert(0, str(ROOT))
    from benchmarks import generate
    from benchmarks.validation import _store_from

    stores = {}
    for label, municipalities in (("10k", 3), ("100k", 27)):
        path = tmp_path_factory.mktemp("synthetic") / f"synthetic-{label}.nq"
        generate.write(path, municipalities)
        stores[label] = _store_from(path)
    return stores


@pytest.mark.parametrize("size", ["10k", "100k"])
def test_the_synthetic_graph_gives_the_same_results(synthetic: dict[str, ox.Store], size: str) -> None:
    reference, setbased = both(synthetic[size], date=dt.date(2026, 11, 1))
    assert reference == setbased, _differences(reference, setbased)


def test_synthetic_municipalities_conform(synthetic: dict[str, ox.Store]) -> None:
    """benchmarks/generate.py writes role models that keep the rules (so the benchmark
    measures validation, not the reporting of made-up findings)."""
    report = validation.validate(synthetic["10k"], date=dt.date(2026, 11, 1), engine="setbased")
    assert report.violations == [], "\n".join(f"{r.rule} {r.focusNode} {r.path}" for r in report.violations[:20])


# --------------------------------------------------------------------------- what is compiled


def test_the_project_shapes_are_all_evaluated_set_based() -> None:
    """No shipped shape falls back to pySHACL as a whole."""
    shapes, _ = validation.prepared_shapes(dt.date(2026, 11, 1))
    run = _Run(validation.example_store(), shapes, None)
    run.report()
    assert run.fallbacks == []


def test_a_shape_with_a_path_pyshacl_cannot_write_falls_back(tmp_path: Path) -> None:
    """A sequence path of one item is no SPARQL path: the shape is evaluated by pySHACL,
    with the same result."""
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
        "ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:targetClass ex:C ;\n"
        "  sh:property [ sh:path ( ex:p ) ; sh:minCount 1 ] .\n"
    )
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/b"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode("http://example.org/C")))
    outcomes = []
    for engine in ENGINES:
        try:
            outcomes.append(result_set(validation.validate(store, shapes=[shapes], engine=engine).report_graph))
        except ValidationInputError as error:
            outcomes.append(str(error))
    assert outcomes[0] == outcomes[1]


def test_sparql_constraints_are_rewritten_for_all_focus_nodes() -> None:
    targets = "{ SELECT DISTINCT ?this WHERE { ?this a <urn:C> } }"
    query = set_based("SELECT ?value WHERE { { ?x <urn:p> ?value FILTER(?x = $this) } UNION { $this <urn:q> ?value } }", targets)
    assert query is not None and not query.projects_this
    assert query.text.startswith("SELECT ?this ?value WHERE { " + targets)
    assert query.text.count(targets) == 2  # the top level and the UNION branch whose FILTER uses $this
    aggregate = set_based("SELECT $this (COUNT(?x) AS ?n) WHERE { $this <urn:p> ?x } GROUP BY $this HAVING (COUNT(?x) > 2)", targets)
    assert aggregate is not None and "GROUP BY ?this  $this" in aggregate.text
    # Pre-bound per focus node, an aggregate without GROUP BY has a group even when nothing matches.
    assert set_based("SELECT $this (COUNT(?x) AS ?n) WHERE { OPTIONAL { $this <urn:p> ?x } } HAVING (COUNT(?x) = 0)", targets) is None
    assert set_based("SELECT $this WHERE { $this <urn:p> ?x } LIMIT 1", targets) is None
    assert set_based("SELECT $this ?from WHERE { $this <urn:p> ?from }", targets) is not None


def test_an_unknown_engine_is_an_input_error() -> None:
    with pytest.raises(ValidationInputError, match="engine"):
        validation.validate(validation.example_store(), engine="jena")


def test_the_command_line_takes_the_engine(tmp_path: Path) -> None:
    """``mag-graph validate --engine``: both engines give the same report for a file
    that breaks a rule; an unknown engine is a usage error (exit code 2)."""
    from click.testing import CliRunner

    from mag_graph.cli import main

    broken = tmp_path / "goal.ttl"
    broken.write_text(
        "@prefix mag: <https://data.mag-graph.nl/def/mag#> .\n"
        "<https://data.mag-graph.nl/id/doel/x> a mag:Goal .\n"
    )
    runner = CliRunner()
    outputs = []
    for engine in ENGINES:
        result = runner.invoke(main, ["validate", str(broken), "--engine", engine, "--date", "2026-11-01",
                                      "--format", "json"])
        assert result.exit_code == 1, result.output
        outputs.append(result.output)
    assert outputs[0] == outputs[1]
    assert "R06" in outputs[0]
    unknown = runner.invoke(main, ["validate", str(broken), "--engine", "jena"])
    assert unknown.exit_code == 2


def _rows(store: ox.Store, query: str) -> set[tuple[str, ...]]:
    solutions = store.query(query)
    names = [v.value for v in solutions.variables]
    return {tuple(str(s[n]) if s[n] is not None else "" for n in names) for s in solutions}


def test_exists_on_this_is_written_as_a_join_with_the_same_answers() -> None:
    """A [NOT] EXISTS whose body uses $this (run per focus node before) is written as a
    left join on a DISTINCT sub-select, and gives what pre-binding gives node by node."""
    ex = "urn:ex:"
    store = ox.Store()
    for s, p, o in [("a", "type", "C"), ("b", "type", "C"), ("c", "type", "C"), ("d", "p", "x"),
                    ("a", "p", "x"), ("a", "p", "x2"), ("x", "kind", "k1"), ("x2", "kind", "k1"),
                    ("b", "p", "y"), ("y", "kind", "k2"), ("c", "q", "z")]:
        store.add(ox.Quad(ox.NamedNode(ex + s), ox.NamedNode(ex + p), ox.NamedNode(ex + o)))
    query = ("SELECT $this ?v WHERE { { BIND (<urn:ex:k1> AS ?v) } UNION { BIND (<urn:ex:k2> AS ?v) }"
             " FILTER NOT EXISTS { $this <urn:ex:p> ?x . ?x <urn:ex:kind> ?v }"
             " FILTER (EXISTS { $this <urn:ex:p> ?any } || EXISTS { $this <urn:ex:q> ?other }) }")
    flat = decorrelated(query)
    assert "EXISTS" not in flat and flat.count("OPTIONAL { SELECT DISTINCT") == 3
    targets = "{ SELECT DISTINCT ?this WHERE { ?this <urn:ex:type> <urn:ex:C> } }"
    rewritten = set_based(flat, targets)
    assert rewritten is not None
    expected = set()
    for focus in ("a", "b", "c"):
        prebound = query.replace("SELECT $this ?v", "SELECT ?v").replace("$this", f"<{ex}{focus}>")
        expected |= {(f"<{ex}{focus}>", *row) for row in _rows(store, prebound)}
    assert _rows(store, rewritten.text) == expected
    assert expected == {(f"<{ex}a>", f"<{ex}k2>"), (f"<{ex}b>", f"<{ex}k1>"), (f"<{ex}c>", f"<{ex}k1>"), (f"<{ex}c>", f"<{ex}k2>")}


@pytest.mark.parametrize("query", [
    # ?x is shared and unbound where the OPTIONAL finds nothing: EXISTS would see it free
    "SELECT $this WHERE { OPTIONAL { $this <urn:p> ?x } FILTER NOT EXISTS { ?x <urn:q> ?y } }",
    # the body does not bind $this itself (only a FILTER of it uses it)
    "SELECT $this WHERE { $this <urn:p> ?z FILTER NOT EXISTS { ?x <urn:p> ?y . FILTER (?y = $this) } }",
    # EXISTS in a BIND, not a FILTER
    "SELECT $this ?b WHERE { $this <urn:p> ?z BIND (EXISTS { $this <urn:p> ?x } AS ?b) }",
])
def test_exists_is_left_as_it_is_where_a_join_would_mean_something_else(query: str) -> None:
    assert decorrelated(query) == query


def test_a_closure_path_on_this_is_recognised() -> None:
    assert closure_on_this("SELECT $this WHERE { $this (<urn:a>|<urn:b>)* ?holder . }")
    assert closure_on_this("SELECT $this WHERE { ?x <urn:a>+ $this }")
    assert not closure_on_this("SELECT $this WHERE { $this a/<urn:sub>* <urn:C> }")  # to a constant
    assert not closure_on_this("SELECT $this (COUNT(*) AS ?n) WHERE { $this <urn:p> ?o FILTER (?a+ ?b > 1) } GROUP BY $this")
    assert not closure_on_this('SELECT $this WHERE { $this <urn:p> "?this <urn:a>* ?x" }')


def test_threads_give_the_same_report_in_the_same_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shapes run in a pool of threads (MAG_GRAPH_VALIDATION_THREADS); the report is
    the one a run in one thread gives, its results in the same order (shape by shape)."""
    from mag_graph.validation import setbased

    store = validation.example_store()
    for name in ("R01-no-phase", "R06-goal-without-indicator", "R15-nine-members", "R20-three-meetings-in-a-year"):
        path = FIXTURES / f"{name}.ru"
        if path.exists():
            store.update(path.read_text(encoding="utf-8"))
    shapes, use_shapes = validation.prepared_shapes(dt.date(2026, 11, 1))
    orders = []
    for threads in (1, 2, 3):
        monkeypatch.setattr(setbased, "THREADS", threads)
        report = setbased.run_setbased(store, shapes, use_shapes)
        orders.append([str(report.value(r, SH.sourceShape)) + " " + report.value(r, SH.focusNode).n3()
                       for r in report.objects(None, SH.result)])
    assert len(orders[0]) >= 3
    assert sorted(orders[0]) == sorted(orders[1]) == sorted(orders[2])
    assert result_shapes_in_order(orders[0]) == result_shapes_in_order(orders[1]) == result_shapes_in_order(orders[2])


def result_shapes_in_order(lines: list[str]) -> list[str]:
    """The shapes of the results, each once, in the order they first appear."""
    return list(dict.fromkeys(line.split(" ")[0] for line in lines))
