"""Rules R01-R14 (shapes/agenda.ttl, shapes/opdracht.ttl) against the example graph.

The example graph must break none of these rules. Each fixture in tests/fixtures/rules is a
SPARQL Update making one small change to the example; its header states the results it must
produce, one line per result::

    # expect: R03 magid:besluit/hg-vaststelling-startfoto prov:wasAssociatedWith

(rule, focus node, result path or ``-``). The validation must give exactly those results for
the rules R01-R14 and no others; fixtures named ``Rnn-ok-*`` are valid boundary cases that
must give none. A ``# date: YYYY-MM-DD`` line overrides the reference date (2026-11-01).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH

from mag_graph import validation

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "shapes"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"

RULES = [f"R{n:02d}" for n in range(1, 15)]
FILES = {"agenda.ttl": RULES[:6], "opdracht.ttl": RULES[6:]}
REFERENCE_DATE = dt.date(2026, 11, 1)

MAG = "https://data.mag-graph.nl/def/mag#"
EXPANSIONS = {
    "magid:": "https://data.mag-graph.nl/id/",
    "mag:": MAG,
    "prov:": "http://www.w3.org/ns/prov#",
    "rdf:": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "qb:": "http://purl.org/linked-data/cube#",
    "schema:": "https://schema.org/",
    "gemeente:": "https://identifier.overheid.nl/tooi/id/gemeente/",
}
REFERENCE_LINE = "BIND(COALESCE($referenceDate, xsd:date(SUBSTR(STR(NOW()), 1, 10))) AS ?today)"

Key = tuple[str, str, str | None]


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module", autouse=True)
def _check_each_query_once() -> Iterator[None]:
    """pySHACL re-checks the text of a SPARQL constraint (MINUS, VALUES, SERVICE...) with
    regexes that are quadratic in its length, once per focus node: two thirds of the run
    time here. The check depends only on the text, so remember its outcome while this
    module runs."""
    original = SPARQLQueryHelper.check_invalid_sparql
    if getattr(original, "_checks_once", False):  # the library layer already does it
        yield
        return
    passed: set[tuple[str, bool, frozenset[str]]] = set()

    def check_once(self, sparql_text, valuenode=None, extravars=None):
        key = (sparql_text, valuenode is not None, frozenset(extravars or ()))
        if key not in passed:
            original(self, sparql_text, valuenode=valuenode, extravars=extravars)
            passed.add(key)
        return True

    check_once._checks_once = True  # type: ignore[attr-defined]
    patch = pytest.MonkeyPatch()
    patch.setattr(SPARQLQueryHelper, "check_invalid_sparql", check_once)
    yield
    patch.undo()


def _expand_path(path: str) -> str:
    """A result path as the report gives it: the IRI, or ``<a>/<b>`` for a sequence."""
    steps = path.split("/") if "/" in path and not path.startswith("http") else [path]
    if len(steps) == 1:
        return _expand(path)
    return "/".join(f"<{_expand(step)}>" for step in steps)


def _expand(term: str) -> str:
    for prefix, namespace in EXPANSIONS.items():
        if term.startswith(prefix):
            return namespace + term[len(prefix):]
    return term


def _field(result: object, *names: str) -> str | None:
    for name in names:
        if hasattr(result, name):
            return getattr(result, name)
    raise AttributeError(names[0])


def _key(result: object) -> Key:
    path = _field(result, "path")
    return (
        _field(result, "rule"),
        _field(result, "focus_node", "focusNode"),
        str(path) if path is not None else None,
    )


def _validate(store: ox.Store, date: dt.date = REFERENCE_DATE) -> list:
    return validation.validate(store, date=date, rules=RULES).results


def _apply(fixture: Path) -> ox.Store:
    store = validation.example_store()
    store.update(fixture.read_text(encoding="utf-8"))
    return store


def _expectations(fixture: Path) -> tuple[set[Key], dt.date]:
    expected: set[Key] = set()
    date = REFERENCE_DATE
    for line in fixture.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            rule, focus, path = line[len("# expect:"):].split()
            expected.add((rule, _expand(focus), None if path == "-" else _expand_path(path)))
        elif line.startswith("# date:"):
            date = dt.date.fromisoformat(line[len("# date:"):].strip())
    return expected, date


# The folder is shared with the other rules; these are the fixtures of R01-R14.
FIXTURE_FILES = sorted(f for f in FIXTURES.glob("R*.ru") if f.name[:3] in RULES)


# --------------------------------------------------------------------------- the example


@pytest.mark.parametrize("date", [REFERENCE_DATE, dt.date(2018, 6, 30), dt.date(2020, 1, 1)], ids=str)
def test_example_breaks_none_of_r01_r14(date: dt.date) -> None:
    results = _validate(validation.example_store(), date)
    assert [(_key(r), _field(r, "message")) for r in results] == []


def test_all_rules_are_known_to_the_validation() -> None:
    known = validation.rules()
    assert set(RULES) <= set(known)
    for rule in RULES:
        assert known[rule].severity == "Violation", rule


# --------------------------------------------------------------------------- fixtures


def test_fixtures_cover_every_rule() -> None:
    failing = {f.name[:3] for f in FIXTURE_FILES if "-ok-" not in f.name}
    assert failing == set(RULES)
    for fixture in FIXTURE_FILES:
        expected, _ = _expectations(fixture)
        if "-ok-" in fixture.name:
            assert not expected, fixture.name
        else:
            assert any(rule == fixture.name[:3] for rule, _, _ in expected), fixture.name


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda f: f.stem)
def test_fixture_gives_exactly_the_expected_results(fixture: Path) -> None:
    expected, date = _expectations(fixture)
    results = _validate(_apply(fixture), date)
    assert {_key(r) for r in results} == expected
    for result in results:
        assert _field(result, "severity") == "Violation"
        assert _field(result, "message")


@pytest.mark.parametrize(
    ("fixture", "date", "expected"),
    [
        # The year 2019 is checked only once it has ended.
        ("R08-missing-plan-year.ru", dt.date(2019, 12, 31), set()),
        ("R08-missing-plan-year.ru", dt.date(2020, 1, 1),
         {("R08", _expand("magid:opdracht/hg-gezond-en-vitaal"), MAG + "hasPlan")}),
        ("R12-missing-progress-report.ru", dt.date(2019, 12, 31), set()),
        ("R12-missing-progress-report.ru", dt.date(2020, 1, 1),
         {("R12", _expand("magid:functie/hg-projectleider-stuwkr8"), None)}),
    ],
    ids=["R08-2019-running", "R08-2019-ended", "R12-2019-running", "R12-2019-ended"],
)
def test_only_years_that_have_ended_are_checked(fixture: str, date: dt.date, expected: set[Key]) -> None:
    results = _validate(_apply(FIXTURES / fixture), date)
    assert {_key(r) for r in results} == expected


def test_reference_date_defaults_to_today_in_plain_pyshacl() -> None:
    """Without mag-graph's substitution the token is unbound and NOW() is used: the
    shapes still load and run in plain pySHACL."""
    import pyshacl

    shapes = Graph()
    for name in ("mag-shapes.ttl", *FILES):
        shapes.parse(SHAPES / name, format="turtle")
    conforms, _, text = pyshacl.validate(validation.example_store(), shacl_graph=shapes)
    assert conforms, text


# --------------------------------------------------------------------------- the shapes


def _shapes_of(name: str) -> Graph:
    graph = Graph()
    graph.parse(SHAPES / name, format="turtle")
    return graph


def _source_locations() -> set[URIRef]:
    graph = Graph()
    graph.parse(ROOT / "data" / "bronnen.ttl", format="turtle")
    return set(graph.subjects(RDF.type, URIRef(MAG + "SourceLocation")))


def _groups() -> set[URIRef]:
    return set(_shapes_of("mag-shapes.ttl").subjects(RDF.type, SH.PropertyGroup))


def _languages(graph: Graph, subject, predicate) -> dict[str, str]:
    return {
        value.language: str(value)
        for value in graph.objects(subject, predicate)
        if isinstance(value, Literal) and value.language
    }


@pytest.mark.parametrize("name", sorted(FILES))
def test_shape_file_header(name: str) -> None:
    graph = _shapes_of(name)
    (header,) = set(graph.subjects(RDF.type, OWL.Ontology))
    assert graph.value(header, OWL.versionInfo) == Literal("0.1.0")
    assert set(_languages(graph, header, DCTERMS.title)) == {"nl", "en"}
    assert graph.value(header, DCTERMS.license) == URIRef("https://creativecommons.org/publicdomain/zero/1.0/")
    assert (header, OWL.imports, URIRef("https://data.mag-graph.nl/def/mag-shapes")) in graph


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_shape_is_named_documented_and_sourced(name: str) -> None:
    graph = _shapes_of(name)
    locations = _source_locations()
    groups = _groups()
    shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(RDF.type, SH.PropertyShape))
    shapes |= set(graph.objects(None, SH.property)) | set(graph.objects(None, SH.node))
    shapes |= set(graph.objects(None, SH.qualifiedValueShape))
    assert shapes
    seen_rules = set()
    for shape in shapes:
        assert isinstance(shape, URIRef) and str(shape).startswith(MAG), shape
        rule = str(graph.value(shape, URIRef(MAG + "rule")))
        assert re.fullmatch(r"R\d\d", rule) and rule in FILES[name], (shape, rule)
        assert str(shape)[len(MAG):].startswith(rule + "-"), shape
        seen_rules.add(rule)
        assert graph.value(shape, DCTERMS.source) in locations, shape
        for predicate in (RDFS.label, SH.name, SH.description, SH.message):
            assert set(_languages(graph, shape, predicate)) == {"nl", "en"}, (shape, predicate)
        assert graph.value(shape, SH.severity) in (SH.Violation, SH.Warning), shape
        if (shape, RDF.type, SH.PropertyShape) in graph:
            assert graph.value(shape, SH.group) in groups, shape
            assert isinstance(graph.value(shape, SH.order).toPython(), int), shape
    assert seen_rules == set(FILES[name])


@pytest.mark.parametrize("name", sorted(FILES))
def test_sparql_constraints_follow_the_contract(name: str) -> None:
    graph = _shapes_of(name)
    for shape, constraint in graph.subject_objects(SH.sparql):
        assert len(list(graph.objects(shape, SH.sparql))) == 1, shape
        assert isinstance(constraint, BNode)
        assert graph.value(constraint, SH.prefixes) == URIRef("https://data.mag-graph.nl/def/mag-shapes")
        assert _languages(graph, constraint, SH.message) == _languages(graph, shape, SH.message), shape
        query = str(graph.value(constraint, SH.select))
        assert "SELECT $this" in query or "SELECT DISTINCT $this" in query, shape
        if "$referenceDate" in query:
            assert query.count("$referenceDate") == query.count(REFERENCE_LINE) == 1, shape
