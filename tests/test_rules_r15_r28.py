"""Rules R15-R28 (klankbordgroep, required consultations, partnerships and dashboards,
projects) against the example graph and one minimal change per fixture.

Each fixture in ``tests/fixtures/rules/R15-*.ru`` ... ``R28-*.ru`` is a SPARQL Update that
breaks (or, for ``Rnn-ok-*``, stretches to the boundary without breaking) one rule in a
copy of the example graph. The test runs all of R15-R28 at the reference date 2026-11-01
and compares the *whole* set of results with the expected ones, so a fixture must trigger
exactly its own finding and nothing else; the unchanged example has none at all (no
Violations and no Warnings from these rules).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH

from mag_graph import validation

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"
SHAPES = ROOT / "shapes"

MAG = Namespace("https://data.mag-graph.nl/def/mag#")
ID = "https://data.mag-graph.nl/id/"
ORG = Namespace("http://www.w3.org/ns/org#")
TIME = Namespace("http://www.w3.org/2006/time#")
SHAPES_HEADER = URIRef("https://data.mag-graph.nl/def/mag-shapes")
CC0 = URIRef("https://creativecommons.org/publicdomain/zero/1.0/")

REFERENCE_DATE = dt.date(2026, 11, 1)
RULES = [f"R{n}" for n in range(15, 29)]
FILE_RULES = {
    "klankbordgroep.ttl": {"R15", "R16", "R17", "R18", "R19"},
    "overleg.ttl": {"R20", "R21", "R22"},
    "aanbevelingen.ttl": {"R23"},
    "samenwerking.ttl": {"R24", "R25", "R26", "R27"},
    "project.ttl": {"R28"},
}
WARNING_RULES = {"R23"}
REFERENCE_LINE = "BIND(COALESCE($referenceDate, xsd:date(SUBSTR(STR(NOW()), 1, 10))) AS ?today)"

# Expected findings per fixture: (rule, shape, focus node, result path), with the shape
# as its local name in mag:, the focus node relative to https://data.mag-graph.nl/id/ and
# the path as a CURIE (^mag:x for an inverse path; None where the shape has no path).
KBG = "groep/hg-klankbordgroep"
KBG_OVERLEG = "overleg/hg-klankbordgroep-overleg"
PROJECTLEIDER = "functie/hg-projectleider-stuwkr8"
PROJECT = "project/ml-samenlevingsprogramma"
EXPECTED: dict[str, list[tuple[str, str, str, str | None]]] = {
    # R15 at most 8 members at the same time
    "R15-nine-members": [("R15", "R15-klankbordgroep-max-members", KBG, None)],
    "R15-ok-eight-members": [],
    "R15-ok-turnover-over-time": [],
    # R16 residents in a personal capacity; the buurtnetwerker is adviser, never member
    "R16-member-not-resident": [
        ("R16", "R16-klankbordgroep-member-resident", "roltoewijzing/hg-klankbordgroep-lid-b-1", "mag:holder")
    ],
    "R16-member-not-in-personal-capacity": [
        ("R16", "R16-klankbordgroep-member-personal-capacity", "roltoewijzing/hg-klankbordgroep-lid-e-1",
         "mag:inPersonalCapacity")
    ],
    "R16-buurtnetwerker-member": [
        ("R16", "R16-buurtnetwerker-not-member", "roltoewijzing/hg-fixture-buurtnetwerker-lid", "org:role")
    ],
    "R16-no-buurtnetwerker-adviser": [("R16", "R16-klankbordgroep-buurtnetwerker-adviser", KBG, "^mag:inContext")],
    "R16-member-without-holder": [
        ("R16", "R16-klankbordgroep-member-resident", "roltoewijzing/hg-klankbordgroep-lid-b-1", "mag:holder")
    ],
    # A group without a municipality: its members' memberships give it; with neither,
    # no member can be a resident of it (not: a resident of anywhere).
    "R16-ok-group-without-municipality": [],
    "R16-group-without-municipality-member-not-resident": [
        ("R16", "R16-klankbordgroep-member-resident", "roltoewijzing/hg-klankbordgroep-lid-b-1", "mag:holder")
    ],
    "R16-no-municipality-for-membership": [
        ("R16", "R16-klankbordgroep-member-resident", "roltoewijzing/hg-klankbordgroep-lid-b-1", "mag:holder")
    ],
    # R17 terms of at most 2 years; extensions after an evaluation
    "R17-ok-term-exactly-two-years": [],
    "R17-term-longer-than-two-years": [
        ("R17", "R17-klankbordgroep-term-max-two-years", "roltoewijzing/hg-klankbordgroep-lid-b-1", "org:memberDuring")
    ],
    "R17-term-three-years": [
        ("R17", "R17-klankbordgroep-term-max-two-years", "roltoewijzing/hg-klankbordgroep-lid-g-1", "org:memberDuring")
    ],
    "R17-member-without-term": [
        ("R17", "R17-klankbordgroep-term-max-two-years", "roltoewijzing/hg-klankbordgroep-lid-f-1", "org:memberDuring")
    ],
    "R17-extension-without-evaluation": [
        ("R17", "R17-klankbordgroep-extension-after-evaluation", "roltoewijzing/hg-klankbordgroep-lid-a-2",
         "mag:afterEvaluation")
    ],
    "R17-untyped-member-without-term": [
        ("R17", "R17-klankbordgroep-term-max-two-years", "roltoewijzing/hg-klankbordgroep-lid-f-1", "org:memberDuring")
    ],
    "R17-undeclared-extension-without-evaluation": [
        ("R17", "R17-klankbordgroep-extension-after-evaluation", "roltoewijzing/hg-klankbordgroep-lid-a-2",
         "mag:afterEvaluation")
    ],
    "R17-evaluation-after-extension-began": [
        ("R17", "R17-klankbordgroep-extension-after-evaluation", "roltoewijzing/hg-klankbordgroep-lid-a-2",
         "mag:afterEvaluation")
    ],
    # R18 no advice with a conflict of interest
    "R18-member-advises-on-own-initiative": [
        ("R18", "R18-no-advice-with-conflict-of-interest", "advies/hg-fixture-beweegprogramma-inwoner-c", "mag:adviser")
    ],
    "R18-member-advises-with-interest": [
        ("R18", "R18-no-advice-with-conflict-of-interest", "advies/hg-ontmoetingsochtend-inwoner-b", "mag:adviser")
    ],
    "R18-ok-member-advises-on-other-initiative": [],
    "R18-untyped-advice-with-interest": [
        ("R18", "R18-no-advice-with-conflict-of-interest", "advies/hg-ontmoetingsochtend-inwoner-b", "mag:adviser")
    ],
    # R19 klankbordgroep meets every quarter, chaired by the projectleider
    "R19-quarter-without-meeting": [("R19", "R19-klankbordgroep-overleg-frequency", KBG_OVERLEG, None)],
    "R19-meeting-moved-to-next-quarter": [("R19", "R19-klankbordgroep-overleg-frequency", KBG_OVERLEG, None)],
    "R19-ok-meeting-on-last-day-of-quarter": [],
    "R19-chair-not-projectleider": [("R19", "R19-klankbordgroep-overleg-chair", KBG_OVERLEG, "mag:chair")],
    # R19 loopholes: the source's number whatever the data declares; no kind, no period
    "R19-declared-half-yearly-frequency": [("R19", "R19-klankbordgroep-overleg-frequency", KBG_OVERLEG, None)],
    "R19-consultation-without-kind": [("R19", "R19-klankbordgroep-overleg-held", KBG, None)],
    "R19-consultation-without-period": [("R19", "R19-klankbordgroep-overleg-frequency", KBG_OVERLEG, "mag:period")],
    # R20 ambtelijk overleg 4 times a year, officials as advisers
    "R20-three-meetings-in-a-year": [("R20", "R20-ambtelijk-overleg-frequency", "overleg/hg-ambtelijk-overleg", None)],
    "R20-meeting-moved-into-next-year": [
        ("R20", "R20-ambtelijk-overleg-frequency", "overleg/hg-ambtelijk-overleg", None)
    ],
    "R20-ok-four-meetings-at-year-ends": [],
    "R20-ok-year-not-ended": [],
    "R20-no-adviser": [("R20", "R20-ambtelijk-overleg-advisers", "overleg/hg-ambtelijk-overleg", None)],
    # R20 loopholes: a declared minimum of 3, no declared frequency, no kind, no class, no period
    "R20-declared-minimum-three": [("R20", "R20-ambtelijk-overleg-frequency", "overleg/hg-ambtelijk-overleg", None)],
    "R20-no-declared-frequency": [("R20", "R20-ambtelijk-overleg-frequency", "overleg/hg-ambtelijk-overleg", None)],
    "R20-consultation-without-kind": [("R20", "R20-ambtelijk-overleg-held", PROJECTLEIDER, None)],
    "R20-consultation-not-typed": [("R20", "R20-ambtelijk-overleg-frequency", "overleg/hg-ambtelijk-overleg", None)],
    "R20-consultation-without-period": [
        ("R20", "R20-ambtelijk-overleg-frequency", "overleg/hg-ambtelijk-overleg", "mag:period")
    ],
    # R21 wethouder 4 times a year
    "R21-three-meetings-in-a-year": [("R21", "R21-wethouder-overleg-frequency", "overleg/hg-wethouder-overleg", None)],
    "R21-declared-minimum-two": [("R21", "R21-wethouder-overleg-frequency", "overleg/hg-wethouder-overleg", None)],
    "R21-consultation-of-another-kind": [("R21", "R21-wethouder-overleg-held", PROJECTLEIDER, None)],
    # R22 raad twice a year: next year's plan and last year's account
    "R22-one-meeting-in-a-year": [
        ("R22", "R22-raadsoverleg-frequency", "overleg/hg-raadsoverleg", None),
        ("R22", "R22-raadsoverleg-purposes", "overleg/hg-raadsoverleg", None),
    ],
    "R22-no-account-of-previous-year": [("R22", "R22-raadsoverleg-purposes", "overleg/hg-raadsoverleg", None)],
    "R22-no-declared-frequency": [("R22", "R22-raadsoverleg-frequency", "overleg/hg-raadsoverleg", None)],
    "R22-consultation-without-kind": [("R22", "R22-raadsoverleg-held", PROJECTLEIDER, None)],
    # R23 (warning) MAG partners take part in networks and meetings
    "R23-partner-without-participation": [
        ("R23", "R23-mag-partner-participates", "organisatie/hg-ondernemer", "mag:participatesIn")
    ],
    # R24 dashboard (founding document, begroting, jaarverslag) and accounthouder
    "R24-no-dashboard": [
        ("R24", "R24-verbonden-partij-has-dashboard", "samenwerking/stroomopwaarts-mvs", "mag:hasDashboard")
    ],
    "R24-no-accounthouder": [
        ("R24", "R24-verbonden-partij-accounthouder", "samenwerking/jeugdhulp-rijnmond", "mag:accounthouder")
    ],
    "R24-accounthouder-without-role": [
        ("R24", "R24-verbonden-partij-accounthouder", "samenwerking/jeugdhulp-rijnmond", "mag:accounthouder")
    ],
    "R24-dashboard-without-founding-document": [
        ("R24", "R24-dashboard-founding-document", "dashboard/ms-dcmr-milieudienst-rijnmond", "mag:linksDocument")
    ],
    "R24-dashboard-without-begroting": [
        ("R24", "R24-dashboard-begroting", "dashboard/ms-metropoolregio-rotterdam-den-haag", "mag:linksDocument")
    ],
    "R24-dashboard-without-jaarverslag": [
        ("R24", "R24-dashboard-jaarverslag", "dashboard/ms-ggd-rotterdam-rijnmond", "mag:linksDocument")
    ],
    "R24-ok-statuten-as-founding-document": [],
    "R24-untyped-verbonden-partij-without-dashboard": [
        ("R24", "R24-verbonden-partij-has-dashboard", "samenwerking/stroomopwaarts-mvs", "mag:hasDashboard")
    ],
    # R25 importance assessment
    "R25-no-assessment": [
        ("R25", "R25-verbonden-partij-importance-assessment", "samenwerking/ggd-rotterdam-rijnmond", "^mag:assesses")
    ],
    "R25-angle-outside-list": [
        ("R25", "R25-importance-angle", "belangrijkheid/ms-ggd-rotterdam-rijnmond", "mag:angle")
    ],
    "R25-no-importance-level": [
        ("R25", "R25-importance-level", "belangrijkheid/ms-dcmr-milieudienst-rijnmond", "mag:importanceLevel")
    ],
    "R25-no-outcome": [
        ("R25", "R25-importance-overall", "belangrijkheid/ms-metropoolregio-rotterdam-den-haag",
         "mag:overallImportance")
    ],
    # R26 dashboard freshness: 92 days when important, 366 days otherwise
    "R26-ok-important-updated-92-days-ago": [],
    "R26-important-updated-93-days-ago": [
        ("R26", "R26-important-dashboard-quarterly", "dashboard/ms-stroomopwaarts-mvs", "mag:hasUpdate")
    ],
    "R26-only-future-update": [
        ("R26", "R26-important-dashboard-quarterly", "dashboard/ms-jeugdhulp-rijnmond", "mag:hasUpdate")
    ],
    "R26-ok-future-update-ignored": [],
    "R26-ok-other-updated-366-days-ago": [],
    "R26-other-updated-367-days-ago": [
        ("R26", "R26-dashboard-yearly", "dashboard/ms-ggd-rotterdam-rijnmond", "mag:hasUpdate")
    ],
    # R27 process moments: kind from the four, a date, a fitting document kind
    "R27-moment-without-kind": [
        ("R27", "R27-process-moment-kind", "procesmoment/ms-stroomopwaarts-mvs-raadsinformatiebijeenkomst-2026-11",
         "mag:momentKind")
    ],
    "R27-moment-kind-outside-list": [
        ("R27", "R27-process-moment-kind", "procesmoment/ms-stroomopwaarts-mvs-lokaal-maatwerk-2026-12",
         "mag:momentKind")
    ],
    "R27-moment-without-date": [
        ("R27", "R27-process-moment-date", "procesmoment/ms-stroomopwaarts-mvs-lokaal-maatwerk-2026-12",
         "time:inXSDDate")
    ],
    "R27-untyped-moment-without-kind": [
        ("R27", "R27-process-moment-kind", "procesmoment/ms-stroomopwaarts-mvs-raadsinformatiebijeenkomst-2026-11",
         "mag:momentKind")
    ],
    "R27-document-kind-does-not-fit": [
        ("R27", "R27-process-moment-document-kind",
         "procesmoment/ms-stroomopwaarts-mvs-zienswijze-ontwerpbegroting-2027", "mag:documentKind")
    ],
    # R28 projects
    "R28-no-bestuurlijk-opdrachtgever": [("R28", "R28-project-bestuurlijk-opdrachtgever", PROJECT, "^mag:inContext")],
    "R28-two-ambtelijk-opdrachtgevers": [("R28", "R28-project-ambtelijk-opdrachtgever", PROJECT, "^mag:inContext")],
    "R28-no-projectleider": [("R28", "R28-project-projectleider", PROJECT, "^mag:inContext")],
    "R28-bestuurlijk-opdrachtgever-not-college": [
        ("R28", "R28-bestuurlijk-opdrachtgever-college",
         "roltoewijzing/ml-bestuurlijk-opdrachtgever-samenlevingsprogramma", "mag:holder")
    ],
    "R28-no-spokesperson": [
        ("R28", "R28-bestuurlijk-opdrachtgever-college",
         "roltoewijzing/ml-bestuurlijk-opdrachtgever-samenlevingsprogramma", "mag:spokesperson")
    ],
    "R28-deliverable-without-due-date": [
        ("R28", "R28-deliverable-due-date", "product/ml-deel-2-update-samenlevingsprogramma", "mag:dueDate")
    ],
    "R28-due-date-not-a-date": [
        ("R28", "R28-deliverable-due-date", "product/ml-deel-1-digitale-wrap-up", "mag:dueDate")
    ],
    "R28-budget-without-fiscal-year": [("R28", "R28-project-budget-per-year", PROJECT, "mag:hasBudget")],
    "R28-project-without-budget": [("R28", "R28-project-budget-per-year", PROJECT, "mag:hasBudget")],
    "R28-untyped-deliverable-without-due-date": [("R28", "R28-project-deliverables", PROJECT, "mag:hasDeliverable")],
}

Finding = tuple[str, str, str, str, str | None]


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module", autouse=True)
def _fast_pyshacl() -> Iterator[None]:
    """A pure speed-up for pySHACL 0.40 on Oxigraph, for this module only (no effect on
    results): pySHACL evaluates ``datagraph or shapes_graph`` for every result it
    describes (also the passing checks inside sh:qualifiedValueShape), and ``bool()`` of
    its Oxigraph data graph counts every triple of the store, ~10 ms each time. A no-op
    once ``mag_graph.validation`` does the same."""
    from pyshacl.graph_abstraction import OxigraphDataGraph

    with pytest.MonkeyPatch.context() as patch:
        if "__bool__" not in vars(OxigraphDataGraph):
            patch.setattr(OxigraphDataGraph, "__bool__", lambda self: True, raising=False)
        yield


def _curie(iri: str | None) -> str | None:
    if iri is None:
        return None
    if iri.startswith("^<") and iri.endswith(">"):
        inner = _curie(iri[2:-1])
        return f"^{inner}"
    for prefix, namespace in (("mag", str(MAG)), ("org", str(ORG)), ("time", str(TIME))):
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _local(iri: str) -> str:
    return iri.removeprefix(str(MAG))


def findings(store, date: dt.date = REFERENCE_DATE, rules: list[str] = RULES) -> Counter[Finding]:
    """The results of R15-R28 as (rule, severity, shape, focus, path)."""
    report = validation.validate(store, date=date, rules=rules)
    found: Counter[Finding] = Counter()
    for result in report.results:
        focus = result.focusNode.removeprefix(ID)
        found[(result.rule, result.severity, _local(result.sourceShape), focus, _curie(result.path))] += 1
    return found


def expected_findings(name: str) -> Counter[Finding]:
    return Counter(
        (rule, "Warning" if rule in WARNING_RULES else "Violation", shape, focus, path)
        for rule, shape, focus, path in EXPECTED[name]
    )


def fixture_names() -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob("R*.ru") if 15 <= int(p.stem[1:3]) <= 28)


@pytest.fixture(scope="module")
def example_quads() -> frozenset:
    return frozenset(validation.example_store())


def _shapes_graph() -> Graph:
    graph = Graph()
    graph.parse(SHAPES / "mag-shapes.ttl", format="turtle")
    for name in FILE_RULES:
        graph.parse(SHAPES / name, format="turtle")
    return graph


# --------------------------------------------------------------------------- the example


def test_example_graph_has_no_findings_for_r15_r28() -> None:
    """All three municipalities conform to R15-R28 at the reference date, without warnings."""
    assert findings(validation.example_store()) == Counter()


# --------------------------------------------------------------------------- fixtures


def test_every_fixture_has_an_expectation_and_every_rule_a_failing_fixture() -> None:
    assert fixture_names() == sorted(EXPECTED)
    failing = {name[:3] for name, found in EXPECTED.items() if found}
    assert failing == set(RULES)
    for name, found in EXPECTED.items():
        assert ("-ok-" in name) == (not found), f"{name}: only Rnn-ok-* fixtures expect no finding"
        assert all(rule == name[:3] for rule, *_ in found), f"{name}: a fixture breaks its own rule only"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_yields_exactly_the_expected_findings(name: str, example_quads: frozenset) -> None:
    store = validation.example_store()
    store.update((FIXTURES / f"{name}.ru").read_text(encoding="utf-8"))
    assert frozenset(store) != example_quads, f"{name} changed nothing: does it still match the data?"
    assert findings(store) == expected_findings(name)


def test_reference_date_decides_whether_a_year_is_complete() -> None:
    """2026 is not over on 2026-12-31, so its missing ambtelijk overleg cannot fall short yet;
    on 2027-01-01 it has."""
    store = validation.example_store()
    store.update((FIXTURES / "R20-ok-year-not-ended.ru").read_text(encoding="utf-8"))
    assert findings(store, dt.date(2026, 12, 31), ["R20"]) == Counter()
    assert findings(store, dt.date(2027, 1, 1), ["R20"]) == Counter(
        {("R20", "Violation", "R20-ambtelijk-overleg-frequency", "overleg/hg-ambtelijk-overleg", None): 1}
    )


def test_messages_name_the_period_and_the_numbers() -> None:
    store = validation.example_store()
    store.update((FIXTURES / "R20-three-meetings-in-a-year.ru").read_text(encoding="utf-8"))
    report = validation.validate(store, date=REFERENCE_DATE, rules=["R20"])
    texts = {str(m) for m in report.report_graph.objects(None, SH.resultMessage)}
    assert "Ambtelijk overleg MAG kwam in 2019 3 keer bijeen; vereist is minimaal 4 keer per jaar." in texts
    assert "MAG consultation with officials met 3 time(s) in 2019; the required minimum is 4 per year." in texts


# --------------------------------------------------------------------------- the shapes


def test_shape_files_have_headers() -> None:
    for name in FILE_RULES:
        graph = Graph().parse(SHAPES / name, format="turtle")
        (ontology,) = list(graph.subjects(RDF.type, OWL.Ontology))
        assert graph.value(ontology, OWL.versionInfo) == Literal("0.1.0"), name
        assert (ontology, OWL.imports, SHAPES_HEADER) in graph, name
        assert (ontology, DCTERMS.license, CC0) in graph, name
        assert {t.language for t in graph.objects(ontology, DCTERMS.title)} == {"nl", "en"}, name


def _texts_by_language(graph: Graph, subject, predicate) -> list[str | None]:
    return sorted((o.language or "") for o in graph.objects(subject, predicate) if isinstance(o, Literal))


def test_every_shape_names_its_rule_source_texts_and_severity() -> None:
    graph = _shapes_graph()
    sources = Graph().parse(ROOT / "data" / "bronnen.ttl", format="turtle")
    locations = set(sources.subjects(RDF.type, MAG.SourceLocation))
    groups = set(graph.subjects(RDF.type, SH.PropertyGroup))
    for name, file_rules in FILE_RULES.items():
        own = Graph().parse(SHAPES / name, format="turtle")
        shapes = {
            s for kind in (SH.NodeShape, SH.PropertyShape) for s in own.subjects(RDF.type, kind)
        } | set(own.subjects(MAG.rule, None))
        # Every shape that can be a result's source shape (one with a target, or a property
        # shape of a named shape) is a named IRI carrying its rule. Blank shapes only occur
        # as value shapes (sh:qualifiedValueShape, sh:node), whose failures are not results.
        for target in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            for subject in own.subjects(target, None):
                assert isinstance(subject, URIRef), f"{name}: unnamed shape {subject}"
                shapes.add(subject)
        for subject, obj in own.subject_objects(SH.property):
            if isinstance(subject, URIRef):
                assert isinstance(obj, URIRef), f"{name}: unnamed property shape of {subject}"
                shapes.add(obj)
        assert shapes, name
        for shape in shapes:
            rule = str(graph.value(shape, MAG.rule))
            assert re.fullmatch(r"R\d\d", rule) and rule in file_rules, f"{shape}: rule {rule} in {name}"
            assert _local(str(shape)).startswith(f"{rule}-"), shape
            shape_sources = set(graph.objects(shape, DCTERMS.source))
            assert shape_sources and shape_sources <= locations, f"{shape}: source {shape_sources}"
            for predicate in (RDFS.label, SH.name, SH.description, SH.message):
                assert _texts_by_language(graph, shape, predicate) == ["en", "nl"], f"{shape} {predicate}"
            severity = SH.Warning if rule in WARNING_RULES else SH.Violation
            assert list(graph.objects(shape, SH.severity)) == [severity], shape
            if (shape, SH.path, None) in graph:
                assert graph.value(shape, SH.group) in groups, f"{shape}: sh:group"
                order = graph.value(shape, SH.order)
                assert isinstance(order, Literal) and isinstance(order.value, int), f"{shape}: sh:order"
    assert {str(r) for r in graph.objects(None, MAG.rule)} == set(RULES)


def test_sparql_constraints_are_complete_and_use_the_reference_date_token() -> None:
    graph = _shapes_graph()
    constraints = set(graph.objects(None, SH.sparql))
    assert constraints
    for constraint in constraints:
        assert (constraint, RDF.type, SH.SPARQLConstraint) in graph, constraint
        assert graph.value(constraint, SH.prefixes) == SHAPES_HEADER, constraint
        assert _texts_by_language(graph, constraint, SH.message) == ["en", "nl"], constraint
        query = str(graph.value(constraint, SH.select))
        for line in query.splitlines():
            if "$referenceDate" in line:
                assert line.strip() == REFERENCE_LINE, line
        # pyoxigraph 0.5.13 yields no value for xsd:date + a duration: only subtract.
        assert not re.search(r'\+\s*"P', query), f"{constraint}: adds a duration to a date"
        assert "VALUES" not in query.upper() and "MINUS" not in query.upper(), constraint


def test_one_meeting_frequency_pattern_serves_r19_to_r22() -> None:
    graph = _shapes_graph()
    pattern = MAG.MeetingFrequencyConstraint
    users = set(graph.subjects(SH.sparql, pattern))
    assert {_local(str(u)) for u in users} == {
        "R19-klankbordgroep-overleg-frequency",
        "R20-ambtelijk-overleg-frequency",
        "R21-wethouder-overleg-frequency",
        "R22-raadsoverleg-frequency",
    }
    listed = set(re.findall(r"BIND\(mag:(R\d\d-[\w-]+) AS \?ruleShape\)", str(graph.value(pattern, SH.select))))
    assert listed == {_local(str(u)) for u in users}
    for user in users:
        assert graph.value(user, SH.targetClass) == MAG.Consultation
