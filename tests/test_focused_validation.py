"""Incremental validation on the set-based engine (mag_graph.validation.focused):
``validate(store, focus_nodes=N)`` gives exactly the full validation's results for the
nodes of N, on both engines, on every rule fixture (each breaks a rule, so there are
findings to compare) and on random node sets of the example; and it reuses what it read
from the shapes without letting one run's store leak into another's.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from mag_graph import validation
from mag_graph.validation.focused import Focus
from mag_graph.validation.shapes import prepared_shapes

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "rules").glob("R*.ru"))


def _key(result: validation.ValidationResult) -> tuple:
    return (result.rule, result.sourceShape, result.focusNode, result.path, result.value,
            result.severity, result.message)


def _date(fixture: Path) -> dt.date:
    for line in fixture.read_text(encoding="utf-8").splitlines():
        if line.startswith("# date:"):
            return dt.date.fromisoformat(line[len("# date:"):].strip())
    return dt.date(2026, 11, 1)


def _subjects(store: ox.Store) -> list[str]:
    return sorted({q.subject.value for q in store if isinstance(q.subject, ox.NamedNode)
                   and q.subject.value.startswith("https://data.mag-graph.nl/id/")})


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_focus_nodes_give_the_full_results_for_them(fixture: Path) -> None:
    """The nodes the fixture's full validation finds (and as many others) validated alone
    give the same findings, messages included, on the set-based engine and on pySHACL."""
    store = validation.example_store()
    store.update(fixture.read_text(encoding="utf-8"))
    date, rules = _date(fixture), [fixture.stem[:3]]
    full = validation.validate(store, date=date, rules=rules)
    found = {r.focusNode for r in full.results if not r.focusNode.startswith("_:")}
    others = random.Random(fixture.stem).sample(_subjects(store), 10)
    focus = {URIRef(n) for n in found | set(others)}
    expected = sorted(_key(r) for r in full.results if r.focusNode in {str(n) for n in focus})
    for engine in ("setbased", "pyshacl"):
        report = validation.validate(store, date=date, rules=rules, focus_nodes=focus, engine=engine)
        assert sorted(_key(r) for r in report.results) == expected, engine


def test_the_fixtures_give_findings_to_compare() -> None:
    """The comparison above is not vacuous: most fixtures break their rule."""
    with_findings = 0
    for fixture in FIXTURES[::10]:
        store = validation.example_store()
        store.update(fixture.read_text(encoding="utf-8"))
        with_findings += bool(validation.validate(store, date=_date(fixture), rules=[fixture.stem[:3]]).results)
    assert with_findings >= len(FIXTURES[::10]) // 2


@pytest.mark.parametrize("seed", range(4))
def test_random_node_sets_of_the_example(seed: int) -> None:
    store = validation.example_store()
    for name in ("R01-no-phase", "R06-goal-without-indicator", "R15-nine-members", "R11-no-financial-account"):
        path = ROOT / "tests" / "fixtures" / "rules" / f"{name}.ru"
        if path.exists():
            store.update(path.read_text(encoding="utf-8"))
    date = dt.date(2026, 11, 1)
    full = validation.validate(store, date=date)
    focus = {URIRef(n) for n in random.Random(seed).sample(_subjects(store), 80)}
    focus |= {URIRef(r.focusNode) for r in full.results[seed::2] if not r.focusNode.startswith("_:")}
    report = validation.validate(store, date=date, focus_nodes=focus)
    assert sorted(map(_key, report.results)) == sorted(_key(r) for r in full.results if URIRef(r.focusNode) in focus)


def test_a_node_no_shape_targets_is_not_validated() -> None:
    store = validation.example_store()
    report = validation.validate(store, focus_nodes={URIRef("https://data.mag-graph.nl/id/no-such-thing")})
    assert report.conforms and report.results == []


def test_which_shapes_target_a_node_is_read_from_the_store() -> None:
    """A class target reaches instances of subclasses (rdfs:subClassOf*), and a node
    that stops being an instance is no longer targeted."""
    store = validation.example_store()
    shapes, _ = prepared_shapes(dt.date(2026, 11, 1), None)
    from mag_graph.validation.setbased import _Run

    node = "https://data.mag-graph.nl/id/verantwoordelijkheid/hg-uitvoering-penvoerder-1"
    run = _Run(store, shapes, None, focus_nodes=[URIRef(node)])
    targeting = {str(s.node) for s in run.shapes() if run.focus.targeted(s)}
    assert any("R01" in s for s in targeting), targeting
    store.remove(next(iter(store.quads_for_pattern(
        ox.NamedNode(node), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), None, None))))
    focus = Focus(store, [URIRef(node)])
    assert not any(focus.targeted(s) for s in run.shapes() if str(s.node) in targeting
                   and not s.target()[0] and not s.target()[3] and not s.target()[4])


def test_the_kept_shapes_serve_another_store_without_its_data() -> None:
    """The shapes read once are reused by later runs; a second store's run sees only its
    own data (a violation in the first store is not found in the second)."""
    broken = validation.example_store()
    broken.update((ROOT / "tests" / "fixtures" / "rules" / "R01-no-phase.ru").read_text(encoding="utf-8"))
    date = dt.date(2026, 11, 1)
    found = validation.validate(broken, date=date, rules=None)
    focus = {URIRef(r.focusNode) for r in found.results if r.rule == "R01"}
    assert focus
    assert validation.validate(broken, date=date, focus_nodes=focus).results
    clean = validation.example_store()
    assert [r for r in validation.validate(clean, date=date, focus_nodes=focus).results if r.rule == "R01"] == []
