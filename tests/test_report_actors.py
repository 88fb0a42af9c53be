"""Grouping a report by actor: each finding under the actor ASSIGNED to what it concerns
(a responsibility's actor, a role's holder, a partnership's accounthouder...), never
under the resource itself unless that resource is an actor (issue 12, section 2).

Tested over the fixture of every rule (tests/fixtures/rules: one small change to the
example each, breaking one rule): the actors of each finding are checked against SPARQL
queries written here from the definition in mag_graph/validation/actors.py, by the kind
of resource the finding concerns; and the report page groups by them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from mag_graph import validation
from mag_graph.validation import rulebook
from mag_graph.validation.report import ValidationReport

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"
DATE = dt.date(2026, 11, 1)
FAILING = sorted(f for f in FIXTURES.glob("R*.ru") if "-ok-" not in f.name)

PREFIXES = """
PREFIX mag: <https://data.mag-graph.nl/def/mag#>
PREFIX magb: <https://data.mag-graph.nl/def/mag/begrip/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""
# What "the assigned actor" is, by the kind of resource a finding concerns: SPARQL
# written from the definition, independent of the quad walk in actors.py.
BY_KIND = {
    "Responsibility": "SELECT ?a WHERE { $f mag:assignedTo ?a }",
    "RoleAssignment": "SELECT ?a WHERE { $f mag:holder ?a }",
    "Decision": "SELECT ?a WHERE { $f prov:wasAssociatedWith ?a }",
    "Grant": "SELECT ?a WHERE { $f mag:grantedBy ?a }",
    "Advice": "SELECT ?a WHERE { $f mag:adviser ?a }",
    "Initiative": "SELECT ?a WHERE { $f mag:applicant ?a }",
    "BreakthroughBudget": "SELECT ?a WHERE { $f mag:managedBy ?a }",
    "AffiliatedParty": "SELECT ?a WHERE { $f mag:accounthouder ?a }",
    "Dashboard": "SELECT ?a WHERE { $f mag:dashboardOf/mag:accounthouder ?a }",
    "Post": "SELECT ?a WHERE { BIND($f AS ?a) }",
    "Municipality": "SELECT ?a WHERE { BIND($f AS ?a) }",
    "SoundingBoardGroup": "SELECT ?a WHERE { BIND($f AS ?a) }",
    "Business": "SELECT ?a WHERE { BIND($f AS ?a) }",
    "Partnership": """SELECT ?a WHERE { { $f mag:accounthouder ?a } UNION
        { FILTER NOT EXISTS { $f mag:accounthouder ?any }
          ?r mag:inContext $f ; org:role magb:Penvoerder ; mag:holder ?a } }""",
}
# What an actor is typed as (a partnership counts: a MAG assignment is carried out by one).
ACTOR_TYPES = """ASK { VALUES ?type { mag:Municipality mag:MunicipalCouncil mag:MunicipalExecutive mag:GoverningBody
    mag:Post org:Post org:Organization org:FormalOrganization org:OrganizationalUnit mag:PartnerOrganisation
    mag:VolunteerOrganisation mag:VoluntaryAssociation mag:ProfessionalOrganisation mag:Business mag:Resident
    mag:Group mag:SoundingBoardGroup mag:ProjectGroup mag:Partnership mag:AffiliatedParty mag:ExecutingOrganisation
    <https://identifier.overheid.nl/tooi/def/ont/Gemeente> }
  $a a ?type }"""
MAG = "https://data.mag-graph.nl/def/mag#"


def _bound(query: str, bound: dict[str, str]) -> str:
    """The query with ``$name`` replaced by an IRI (from a validation result: test data)."""
    for key, iri in bound.items():
        query = query.replace(f"${key}", str(ox.NamedNode(iri)))
    return PREFIXES + query


def _ask(store: ox.Store, query: str, **bound: str) -> bool:
    return bool(store.query(_bound(query, bound), use_default_graph_as_union=True))


def _select(store: ox.Store, query: str, **bound: str) -> list[ox.QuerySolution]:
    return list(store.query(_bound(query, bound), use_default_graph_as_union=True))


def _date(fixture: Path) -> dt.date:
    for line in fixture.read_text(encoding="utf-8").splitlines():
        if line.startswith("# date:"):
            return dt.date.fromisoformat(line[len("# date:"):].strip())
    return DATE


def _kind(store: ox.Store, focus: str) -> str | None:
    """The most specific of the kinds above the focus node is typed as."""
    types = {q.object.value.removeprefix(MAG) for q in store.quads_for_pattern(
        ox.NamedNode(focus), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), None, None)}
    for kind in ("BreakthroughBudget", "AffiliatedParty", "SoundingBoardGroup", "Business", *BY_KIND):
        if kind in types:
            return kind
    return None


@pytest.fixture(scope="module")
def checked() -> list[tuple[str, ox.Store, ValidationReport]]:
    """Every failing fixture applied to the example and validated for its own rule."""
    out = []
    for fixture in FAILING:
        store = validation.example_store()
        store.update(fixture.read_text(encoding="utf-8"))
        rule = fixture.name.split("-", 1)[0]
        out.append((fixture.name, store, validation.validate(store, date=_date(fixture), rules=[rule])))
    return out


def test_every_finding_is_under_its_assigned_actors(checked: list[tuple[str, ox.Store, ValidationReport]]) -> None:
    compared = Counter()
    with_actor = set()
    for name, store, report in checked:
        items = rulebook.findings(report, "nl")
        assert items, name  # every failing fixture gives findings
        groups = rulebook.group_by_actor(items)
        for item in items:
            under = {g.key for g in groups if any(f is item for f in g.findings)}
            assert under == (set(item.actors) or {rulebook.NO_ACTOR}), (name, item.focus)
            for actor in item.actors:
                # typed as an actor (the "untyped" fixtures remove a type on purpose)
                assert _ask(store, ACTOR_TYPES, a=actor) or "untyped" in name, (name, actor)
                # a resource is its own actor only when it is an actor
                if actor == item.focus:
                    assert _ask(store, ACTOR_TYPES, a=item.focus), name
            kind = _kind(store, item.focus)
            if kind is not None:
                expected = {row["a"].value for row in _select(store, BY_KIND[kind], f=item.focus)}
                assert set(item.actors) == expected, (name, kind, item.focus)
                compared[kind] += 1
            if item.actors:
                with_actor.add(name)
    # The comparison covered the kinds of resource the rules are about, and most
    # fixtures (those about goals, indicators, process moments have no actor).
    assert {"Responsibility", "RoleAssignment", "Decision", "Grant", "Advice", "Initiative", "AffiliatedParty",
            "Dashboard", "Post", "Partnership"} <= set(compared)
    assert len(with_actor) >= 80, sorted({n for n, _, _ in checked} - with_actor)


def test_a_few_actors_by_name(checked: list[tuple[str, ox.Store, ValidationReport]]) -> None:
    by_name = {name: report for name, _, report in checked}

    def actors(name: str) -> list[tuple[str, ...]]:
        return [r.actorLabels for r in by_name[name].results]

    # A responsibility without a phase: the projectleider it is assigned to, not itself.
    assert actors("R01-no-phase.ru") == [("Projectleider StuwKR8",)]
    # A penvoerder role nobody contracted: who holds it.
    assert actors("R10-penvoerder-not-contracted.ru") == [("Projectleider StuwKR8",)]
    # A grant given by the college: the college.
    assert actors("R09-grant-by-college.ru") == [("college van burgemeester en wethouders Hardinxveld-Giessendam",)]
    # A dashboard not updated in time: the accounthouder of its verbonden partij.
    (dashboard,) = actors("R26-other-updated-367-days-ago.ru")
    assert len(dashboard) == 1 and "ccounthouder" in dashboard[0]
    # A consultation's chair who is not the projectleider: the chair it is held by.
    assert actors("R19-chair-not-projectleider.ru") == [("Buurtnetwerker StuwKR8",)]
    # A goal has no actor.
    assert actors("R06-goal-without-kind.ru") == [()]


def test_the_page_groups_by_actor_and_says_what_an_actor_is(checked: list[tuple[str, ox.Store, ValidationReport]]) -> None:
    from flask import render_template
    from mag_graph.api import create_app
    from mag_graph.api.checking import _report_view

    from mag_graph.store import MEMORY, Store

    _, store, report = next(c for c in checked if c[0] == "R02-agenda-adopted-also-by-college.ru")
    app = create_app(Store(store, MEMORY, in_memory=True))
    try:
        with app.test_request_context("/validatie?per=actor"):
            html = render_template("_report.html", downloads=None, **_report_view(report, "nl", "actor"))
    finally:
        app.extensions["mag_graph"].close()
    assert 'id="actor-uitleg"' in html and "zonder actor" in html
    # One finding about a decision taken by two bodies: under each of them.
    headings = [part.split(">", 1)[1].split("<", 1)[0] for part in html.split('class="actor-heading">')[1:]]
    assert headings == ["college van burgemeester en wethouders Hardinxveld-Giessendam",
                        "gemeenteraad Hardinxveld-Giessendam"], headings
    assert html.count('data-actor="https://data.mag-graph.nl/id/orgaan/hg-') == 2
