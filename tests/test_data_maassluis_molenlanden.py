"""The example data of Maassluis (seed 003 and the register) and Molenlanden (seed 004).

The files are read directly with rdflib so that these checks hold whatever the store does.
They check what the rules R24-R28 and questions Q6, Q7, Q13 and Q14 need from the data,
that private persons are not named, that only terms of docs/model.md are used, and that
invented facts stay in the ``-illustratief`` graphs.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
MODEL = ROOT / "docs" / "model.md"

MAG = Namespace("https://data.mag-graph.nl/def/mag#")
MAGB = Namespace("https://data.mag-graph.nl/def/mag/begrip/")
MAGG = Namespace("https://data.mag-graph.nl/graph/")
SCHEMA = Namespace("https://schema.org/")
# Plain namespaces: pytest probes module globals, which makes rdflib warn for these two.
TIME = Namespace("http://www.w3.org/2006/time#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
TOOIONT = Namespace("https://identifier.overheid.nl/tooi/def/ont/")
TOOI_GEMEENTE = "https://identifier.overheid.nl/tooi/id/gemeente/gm"
TOOI_SO = "https://identifier.overheid.nl/tooi/id/so/so"
BRON = "https://data.mag-graph.nl/id/bron/"
REGISTER = "https://organisaties.overheid.nl/"

MAASSLUIS = URIRef("https://identifier.overheid.nl/tooi/id/gemeente/gm0556")
MOLENLANDEN = URIRef("https://identifier.overheid.nl/tooi/id/gemeente/gm1978")
REFERENCE_DATE = dt.date(2026, 11, 1)

FILES = {
    "maassluis": ("maassluis.trig", MAASSLUIS, "003"),
    "molenlanden": ("molenlanden.trig", MOLENLANDEN, "004"),
}

PERSONAL_NAMES = ("Slob", "Jonker", "van Eck", "Teunis", "Femmy", "Natacha")


# --------------------------------------------------------------------------- helpers


@cache
def dataset(name: str) -> Dataset:
    ds = Dataset()
    ds.parse(DATA / FILES[name][0], format="trig")
    return ds


def named_graph(name: str, illustrative: bool = False) -> Graph:
    suffix = "-illustratief" if illustrative else ""
    return dataset(name).graph(MAGG[name + suffix])


@cache
def union(name: str) -> Graph:
    g = Graph()
    for s, p, o, _ in dataset(name).quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def one(g: Graph, s, p):
    values = list(g.objects(s, p))
    assert len(values) == 1, f"{s} should have exactly one {p}, has {values}"
    return values[0]


def of_type(g: Graph, cls) -> list[URIRef]:
    return sorted(set(g.subjects(RDF.type, cls)))


def as_date(lit: Literal) -> dt.date:
    assert isinstance(lit, Literal) and lit.datatype == XSD.date, f"{lit!r} is not an xsd:date"
    return lit.toPython()


def lang_labels(g: Graph, s) -> set[str | None]:
    return {o.language for o in g.objects(s, RDFS.label) if isinstance(o, Literal)}


@cache
def model_terms() -> tuple[frozenset[str], frozenset[str]]:
    """The mag: and magb: local names that docs/model.md defines (in backticks)."""
    text = MODEL.read_text(encoding="utf-8")
    mag: set[str] = set()
    magb: set[str] = set()
    section = ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip().lower()
        for code in re.findall(r"`([^`]+)`", line):
            mag.update(re.findall(r"(?<![\w])mag:([A-Za-z][A-Za-z0-9]*)", code))
            magb.update(re.findall(r"(?<![\w])magb:([A-Za-z][A-Za-z0-9]*)", code))
            bare = code.strip()
            if section.startswith("properties") and re.fullmatch(r"[a-z][A-Za-z0-9]*", bare):
                mag.add(bare)
            if section.startswith("concept schemes") and re.fullmatch(r"[A-Z][A-Za-z0-9]*", bare):
                magb.add(bare)
    return frozenset(mag), frozenset(magb)


# --------------------------------------------------------------------------- both files


@pytest.mark.parametrize("name", sorted(FILES))
def test_file_holds_its_two_named_graphs(name):
    ds = dataset(name)
    graphs = {g.identifier for g in ds.graphs() if len(g)}
    assert graphs == {MAGG[name], MAGG[name + "-illustratief"]}


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_named_subject_has_a_source(name):
    g = union(name)
    seed = FILES[name][2]
    for s in set(g.subjects()):
        if isinstance(s, BNode):
            continue  # monetary amounts: described with the resource that holds them
        sources = set(g.objects(s, DCTERMS.source))
        assert sources, f"{s} has no dcterms:source"
        for src in sources:
            src = str(src)
            assert src.startswith(BRON + seed + "-") or src.startswith(REGISTER), (
                f"{s} cites {src}: expected a {seed} source location or a register record"
            )


@pytest.mark.parametrize("name", sorted(FILES))
def test_sourced_graph_cites_the_seed_and_illustrative_graph_only_the_seed(name):
    seed = FILES[name][2]
    facts, invented = named_graph(name), named_graph(name, illustrative=True)
    assert any(str(o).startswith(BRON + seed) for o in facts.objects(None, DCTERMS.source))
    for src in invented.objects(None, DCTERMS.source):
        assert str(src).startswith(BRON + seed + "-"), f"illustrative fact cites {src}"


@pytest.mark.parametrize("name", sorted(FILES))
def test_typed_resources_have_a_mag_class_and_a_dutch_label(name):
    g = union(name)
    for s in set(g.subjects(RDF.type, None)):
        if isinstance(s, BNode):
            continue
        types = set(g.objects(s, RDF.type))
        assert any(str(t).startswith(str(MAG)) for t in types), f"{s} has no mag: class"
        assert "nl" in lang_labels(g, s), f"{s} has no rdfs:label in Dutch"


@pytest.mark.parametrize("name", sorted(FILES))
def test_top_level_resources_name_their_municipality(name):
    g = union(name)
    gemeente = FILES[name][1]
    for cls in (MAG.Responsibility, MAG.RoleAssignment, MAG.Consultation, MAG.AffiliatedParty,
                MAG.Dashboard, MAG.Project, MAG.Budget):
        for s in of_type(g, cls):
            assert one(g, s, MAG.municipality) == gemeente


@pytest.mark.parametrize("name", sorted(FILES))
def test_no_personal_names(name):
    text = (DATA / FILES[name][0]).read_text(encoding="utf-8")
    for person in PERSONAL_NAMES:
        assert person.lower() not in text.lower(), f"{FILES[name][0]} names {person!r}"


@pytest.mark.parametrize("name", sorted(FILES))
def test_only_terms_of_the_model_are_used(name):
    mag, magb = model_terms()
    assert {"AffiliatedParty", "accessionDate", "spokesperson"} <= mag  # the parser works
    assert {"Accounthouder", "TaakActualiseren", "StructureleRaming"} <= magb
    unknown = set()
    for triple in union(name):
        for term in triple:
            iri = str(term.datatype) if isinstance(term, Literal) and term.datatype else str(term)
            if iri.startswith(str(MAG)) and iri[len(str(MAG)):] not in mag:
                unknown.add(iri)
            if iri.startswith(str(MAGB)) and iri[len(str(MAGB)):] not in magb:
                unknown.add(iri)
    assert not unknown, f"terms not in docs/model.md: {sorted(unknown)}"


ILLUSTRATIVE_CLASSES = (MAG.DashboardUpdate, MAG.ImportanceAssessment, MAG.ProcessMoment, MAG.Meeting)
ILLUSTRATIVE_PROPERTIES = (
    MAG.hasUpdate, MAG.angle, MAG.importanceLevel, MAG.overallImportance, MAG.rationale,
    MAG.accounthouder, MAG.forYear, TIME.inXSDDate, DCTERMS.date,
)
SOURCED_DATE_PROPERTIES = (MAG.accessionDate, MAG.dueDate, TOOIONT.begindatum, TOOIONT.einddatum)


@pytest.mark.parametrize("name", sorted(FILES))
def test_invented_facts_only_in_the_illustrative_graph(name):
    facts = named_graph(name)
    for cls in ILLUSTRATIVE_CLASSES:
        assert not list(facts.subjects(RDF.type, cls)), f"{cls} in the sourced graph"
    for p in ILLUSTRATIVE_PROPERTIES:
        assert not list(facts.triples((None, p, None))), f"{p} in the sourced graph"
    for s, p, o in facts:
        if isinstance(o, Literal) and o.datatype in (XSD.date, XSD.gYear):
            assert p in SOURCED_DATE_PROPERTIES or p == MAG.fiscalYear, (
                f"date {o} on {s} {p} in the sourced graph"
            )


# --------------------------------------------------------------------------- Maassluis


def partnerships() -> list[URIRef]:
    return of_type(union("maassluis"), MAG.AffiliatedParty)


def test_maassluis_municipality_identifiers():
    g = union("maassluis")
    assert (MAASSLUIS, RDF.type, MAG.Municipality) in g
    assert (MAASSLUIS, RDF.type, TOOIONT.Gemeente) in g
    assert one(g, MAASSLUIS, MAG.cbsCode) == Literal("GM0556")
    assert one(g, MAASSLUIS, TOOIONT.gemeentecode) == Literal("0556")
    assert one(g, MAASSLUIS, TOOIONT.organisatiecode) == Literal("gm0556")
    for cls in (MAG.MunicipalCouncil, MAG.MunicipalExecutive):
        assert len([b for b in of_type(g, cls) if (b, ORG.unitOf, MAASSLUIS) in g]) == 1
    assert any((grp, ORG.subOrganizationOf, MAASSLUIS) in g for grp in of_type(g, MAG.Group))


def test_maassluis_role_model():
    g = union("maassluis")
    responsibilities = [r for r in of_type(g, MAG.Responsibility)
                        if (r, MAG.municipality, MAASSLUIS) in g]
    assert len(responsibilities) >= 5
    for r in responsibilities:
        assert str(r).startswith("https://data.mag-graph.nl/id/verantwoordelijkheid/ms-")
        assert str(one(g, r, MAG.phase)).startswith(str(MAGB))
        assert str(one(g, r, MAG.raciKind)).startswith(str(MAGB))
        assert list(g.objects(r, MAG.taskKind)) and list(g.objects(r, MAG.assignedTo))
        assert {"nl", "en"} <= lang_labels(g, r)
        assert all(str(s).startswith(BRON + "003-") for s in g.objects(r, DCTERMS.source))
    actualise = [r for r in responsibilities if (r, MAG.taskKind, MAGB.TaakActualiseren) in g]
    assert actualise and all((r, MAG.assignedTo, MAGB.Accounthouder) in g for r in actualise)
    steering = [r for r in responsibilities if (r, MAG.taskKind, MAGB.TaakSturen) in g]
    assert {b for r in steering for b in g.objects(r, MAG.assignedTo)} >= {
        b for cls in (MAG.MunicipalCouncil, MAG.MunicipalExecutive) for b in of_type(g, cls)
    }


def test_maassluis_has_at_least_six_real_partnerships():
    g = named_graph("maassluis")  # real partnerships are sourced facts
    found = of_type(g, MAG.AffiliatedParty)
    assert len(found) >= 6
    for p in found:
        sources = {str(s) for s in g.objects(p, DCTERMS.source)}
        assert BRON + "003-1.1" in sources
        assert any(re.match(REGISTER + r"\d+/", s) for s in sources), f"{p} cites no register record"
        assert re.fullmatch(r"\d+", str(one(g, p, MAG.rooId)))
        assert one(g, p, MAG.legalForm) in {
            MAGB.OpenbaarLichaam, MAGB.GemeenschappelijkOrgaan, MAGB.Bedrijfsvoeringsorganisatie,
            MAGB.CentrumgemeenteConstructie, MAGB.RegelingZonderMeer, MAGB.Stichting}
        body = one(g, p, MAG.executingBody)
        assert re.fullmatch(re.escape(TOOI_SO) + r"\d{4}", str(body)), body
        assert (body, RDF.type, MAG.ExecutingOrganisation) in g
        assert one(g, p, MAG.purpose).language == "nl"


def test_every_partnership_has_a_founding_document():
    g = union("maassluis")
    for p in partnerships():
        doc = one(g, p, MAG.foundingDocument)
        assert one(g, doc, MAG.documentKind) == MAGB.GemeenschappelijkeRegeling
        assert list(g.objects(doc, FOAF.page)), f"{doc} has no foaf:page"


def test_every_partnership_has_a_dashboard_with_its_documents():
    """R24: founding document, current begroting and jaarverslag on the dashboard."""
    g = union("maassluis")
    for p in partnerships():
        (dashboard,) = list(g.subjects(MAG.dashboardOf, p))
        assert (p, MAG.hasDashboard, dashboard) in g
        assert (dashboard, RDF.type, MAG.Dashboard) in g
        linked = set(g.objects(dashboard, MAG.linksDocument))
        assert one(g, p, MAG.foundingDocument) in linked
        kinds = {}
        for doc in linked:
            kinds.setdefault(one(g, doc, MAG.documentKind), []).append(doc)
        for kind in (MAGB.Begroting, MAGB.Jaarverslag):
            assert kind in kinds, f"dashboard of {p} lacks a {kind}"
            for doc in kinds[kind]:
                assert one(g, doc, MAG.forYear).datatype == XSD.gYear


def test_every_partnership_has_an_accounthouder_post():
    g = union("maassluis")
    posts = set()
    for p in partnerships():
        post = one(g, p, MAG.accounthouder)
        assert (post, RDF.type, MAG.Post) in g
        assert (post, ORG.role, MAGB.Accounthouder) in g
        assert (post, ORG.postIn, MAASSLUIS) in g
        posts.add(post)
    assert len(posts) == len(partnerships())


def importance(g: Graph, p: URIRef) -> URIRef:
    (assessment,) = list(g.subjects(MAG.assesses, p))
    return assessment


def test_every_partnership_has_an_importance_assessment():
    """R25: angles, for whom, overall importance, and why."""
    g = union("maassluis")
    angles = {MAGB.ZwaarwegendeOpgave, MAGB.GroteKansen, MAGB.GroteRisicos, MAGB.VeelMiddelen}
    levels = {MAGB.PolitiekZeerBelangrijk, MAGB.PolitiekBelangrijk, MAGB.BestuurlijkBelangrijk,
              MAGB.AmbtelijkBelangrijk}
    overall = []
    for p in partnerships():
        a = importance(g, p)
        assert (a, RDF.type, MAG.ImportanceAssessment) in g
        assert set(g.objects(a, MAG.angle)) <= angles
        assert set(g.objects(a, MAG.importanceLevel)) <= levels
        assert list(g.objects(a, MAG.importanceLevel))
        overall.append(one(g, a, MAG.overallImportance))
        assert "nl" in {r.language for r in g.objects(a, MAG.rationale)}
    assert overall.count(MAGB.Belangrijk) >= 3
    assert overall.count(MAGB.MinderBelangrijk) >= 2


def test_participations_of_maassluis():
    g = union("maassluis")
    bodies = {b for cls in (MAG.MunicipalCouncil, MAG.MunicipalExecutive, MAG.GoverningBody)
              for b in of_type(g, cls) if (b, ORG.unitOf, MAASSLUIS) in g}
    for p in partnerships():
        mine = [m for m in g.subjects(ORG.organization, p) if (m, ORG.member, MAASSLUIS) in g]
        assert len(mine) == 1, f"Maassluis should take part in {p} once"
        m = mine[0]
        assert (m, RDF.type, MAG.Participation) in g
        assert as_date(one(g, m, MAG.accessionDate)) < REFERENCE_DATE
        represented = set(g.objects(m, MAG.representedBy))
        assert represented and represented <= bodies


def test_other_participating_municipalities():
    g = union("maassluis")
    with_others = 0
    for p in partnerships():
        members = {one(g, m, ORG.member) for m in g.subjects(ORG.organization, p)}
        others = members - {MAASSLUIS}
        for m in g.subjects(ORG.organization, p):
            assert (m, RDF.type, MAG.Participation) in g
            as_date(one(g, m, MAG.accessionDate))
        for other in others:
            assert str(other).startswith(TOOI_GEMEENTE)
            assert (other, RDF.type, MAG.Municipality) in g
        with_others += bool(others)
    assert with_others >= 3


def updates(g: Graph, p: URIRef) -> list[dt.date]:
    (dashboard,) = list(g.subjects(MAG.dashboardOf, p))
    post = one(g, p, MAG.accounthouder)
    dates = []
    for u in g.objects(dashboard, MAG.hasUpdate):
        assert (u, RDF.type, MAG.DashboardUpdate) in g
        assert (u, PROV.wasAssociatedWith, post) in g
        dates.append(as_date(one(g, u, DCTERMS.date)))
    return sorted(dates)


def test_dashboards_are_fresh_at_the_reference_date():
    """R26: important at least once a quarter, others at least once a year."""
    g = union("maassluis")
    for p in partnerships():
        dates = [d for d in updates(g, p) if d <= REFERENCE_DATE]
        assert dates, f"dashboard of {p} was never updated"
        important = one(g, importance(g, p), MAG.overallImportance) == MAGB.Belangrijk
        allowed = dt.timedelta(days=92 if important else 366)
        assert REFERENCE_DATE - dates[-1] <= allowed, f"dashboard of {p} overdue on {REFERENCE_DATE}"


def test_update_rhythm_is_well_formed_over_2025_and_2026():
    g = union("maassluis")
    done_quarters = [(y, q) for y in (2025, 2026) for q in (1, 2, 3, 4)
                     if dt.date(y, 3 * q, 28) < REFERENCE_DATE]
    for p in partnerships():
        dates = updates(g, p)
        assert all(dt.date(2025, 1, 1) <= d <= REFERENCE_DATE for d in dates)
        if one(g, importance(g, p), MAG.overallImportance) == MAGB.Belangrijk:
            quarters = {(d.year, (d.month - 1) // 3 + 1) for d in dates}
            assert set(done_quarters) <= quarters, f"{p} misses a quarter"
            assert all((b - a).days <= 92 for a, b in zip(dates, dates[1:]))
        else:
            assert {2025, 2026} <= {d.year for d in dates}
            assert all((b - a).days <= 366 for a, b in zip(dates, dates[1:]))


MOMENT_KINDS = {MAGB.Informatiemoment, MAGB.Invloedsmoment, MAGB.PolitiekeKeuze, MAGB.Bijeenkomst}
INFORMATION_DOCUMENTS = {MAGB.Kadernota, MAGB.Ontwerpbegroting, MAGB.Begroting,
                         MAGB.VoorlopigJaarverslag, MAGB.Jaarverslag, MAGB.Kwartaalrapportage}
INFLUENCE_DOCUMENTS = {MAGB.Zienswijze, MAGB.Verordening}


def test_every_process_moment_has_a_kind_and_a_date():
    """R27."""
    g = union("maassluis")
    moments = of_type(g, MAG.ProcessMoment)
    assert moments
    for m in moments:
        kind = one(g, m, MAG.momentKind)
        assert kind in MOMENT_KINDS
        as_date(one(g, m, TIME.inXSDDate))
        assert one(g, m, MAG.onTimelineOf) in partnerships()
        assert list(g.objects(m, MAG.audience))
        documents = set(g.objects(m, MAG.documentKind))
        if kind == MAGB.Informatiemoment:
            assert len(documents) == 1 and documents <= INFORMATION_DOCUMENTS, m
        if kind == MAGB.Invloedsmoment:
            assert len(documents) == 1 and documents <= INFLUENCE_DOCUMENTS, m


def test_timelines_cover_the_cycle_and_the_coming_months():
    """Q7: every partnership has a timeline with a zienswijze; moments after 2026-11-01."""
    g = union("maassluis")
    all_kinds = set()
    for p in partnerships():
        moments = list(g.subjects(MAG.onTimelineOf, p))
        documents = {d for m in moments for d in g.objects(m, MAG.documentKind)}
        assert {MAGB.Kadernota, MAGB.Ontwerpbegroting, MAGB.Zienswijze, MAGB.Jaarverslag} <= documents
        all_kinds |= {one(g, m, MAG.momentKind) for m in moments}
        assert all(m.startswith("https://data.mag-graph.nl/id/procesmoment/ms-") for m in moments)
    assert all_kinds == MOMENT_KINDS
    dates = [as_date(o) for o in g.objects(None, TIME.inXSDDate)]
    assert {2026, 2027} <= {d.year for d in dates}
    coming = [d for d in dates if REFERENCE_DATE < d <= REFERENCE_DATE + dt.timedelta(days=60)]
    assert len(coming) >= 5


# --------------------------------------------------------------------------- Molenlanden


def project() -> URIRef:
    (p,) = of_type(union("molenlanden"), MAG.Project)
    return p


def test_molenlanden_municipality():
    g = union("molenlanden")
    assert (MOLENLANDEN, RDF.type, MAG.Municipality) in g
    assert one(g, MOLENLANDEN, MAG.cbsCode) == Literal("GM1978")
    assert one(g, MOLENLANDEN, TOOIONT.gemeentecode) == Literal("1978")
    assert as_date(one(g, MOLENLANDEN, TOOIONT.begindatum)) == dt.date(2019, 1, 1)


def test_project_description_in_dutch_and_english():
    g = union("molenlanden")
    p = project()
    assert one(g, p, MAG.municipality) == MOLENLANDEN
    assert {d.language for d in g.objects(p, DCTERMS.description)} == {"nl", "en"}
    assert {"nl", "en"} <= lang_labels(g, p)


def assignments(role) -> list[URIRef]:
    g = union("molenlanden")
    return [a for a in g.subjects(MAG.inContext, project()) if (a, ORG.role, role) in g]


def test_project_has_one_of_each_commissioning_role():
    """R28: one bestuurlijk opdrachtgever (the college, through a portefeuillehouder), one
    ambtelijk opdrachtgever, one projectleider."""
    g = union("molenlanden")
    (bog,) = assignments(MAGB.BestuurlijkOpdrachtgever)
    (aog,) = assignments(MAGB.AmbtelijkOpdrachtgever)
    (pl,) = assignments(MAGB.Projectleider)
    (aon,) = assignments(MAGB.AmbtelijkOpdrachtnemer)
    college = one(g, bog, MAG.holder)
    assert (college, RDF.type, MAG.MunicipalExecutive) in g
    assert (college, ORG.unitOf, MOLENLANDEN) in g
    speaker = one(g, bog, MAG.spokesperson)
    assert (speaker, RDF.type, MAG.Alderman) in g
    assert (speaker, ORG.role, MAGB.Portefeuillehouder) in g
    assert (speaker, ORG.postIn, college) in g
    for a in (aog, pl, aon):
        assert (a, RDF.type, MAG.RoleAssignment) in g
        assert (one(g, a, MAG.holder), RDF.type, MAG.Post) in g


def test_projectgroup_and_its_parts():
    g = union("molenlanden")
    group = one(g, project(), MAG.hasProjectGroup)
    assert (group, RDF.type, MAG.ProjectGroup) in g
    parts = set(g.objects(group, ORG.hasSubOrganization))
    types = {t for part in parts for t in g.objects(part, RDF.type)}
    assert {MAG.CoreTeam, MAG.OuterCircle, MAG.EditorialGroup} <= types
    members = {}
    for part in parts:
        members[part] = {one(g, a, MAG.holder) for a in g.subjects(MAG.inContext, part)
                         if (a, ORG.role, MAGB.Lid) in g}
    (core,) = [part for part in parts if (part, RDF.type, MAG.CoreTeam) in g]
    (aon,) = assignments(MAGB.AmbtelijkOpdrachtnemer)
    assert one(g, aon, MAG.holder) in members[core]
    assert len(members[core]) == 4
    assert all(members.values())


def test_consultations_without_invented_frequency():
    g = union("molenlanden")
    consultations = set(g.objects(project(), MAG.hasConsultation))
    kinds = {one(g, c, MAG.consultationKind) for c in consultations}
    assert kinds == {MAGB.Driehoeksoverleg, MAGB.KernteamOverleg, MAGB.SchilOverleg,
                     MAGB.RedactiegroepOverleg}
    for c in consultations:
        assert list(g.objects(c, MAG.participant))
        assert not list(g.objects(c, MAG.minimumFrequency))


def test_deliverables_have_due_dates():
    g = union("molenlanden")
    due = {}
    for d in g.objects(project(), MAG.hasDeliverable):
        assert (d, RDF.type, MAG.Deliverable) in g
        due[d] = as_date(one(g, d, MAG.dueDate))
    assert sorted(due.values()) == [dt.date(2021, 1, 31), dt.date(2021, 7, 31)]


def test_budget_per_year():
    """004: 2020 EUR 10,000 project budget; EUR 9,707 structural estimate for each of 2021-2024."""
    g = union("molenlanden")
    budgets = of_type(g, MAG.Budget)
    assert len(budgets) == 5
    assert set(g.objects(project(), MAG.hasBudget)) == set(budgets)
    found = {}
    for b in budgets:
        year = int(str(one(g, b, MAG.fiscalYear)))
        assert one(g, b, MAG.fiscalYear).datatype == XSD.gYear
        amount = one(g, b, MAG.amount)
        assert (amount, RDF.type, SCHEMA.MonetaryAmount) in g
        assert one(g, amount, SCHEMA.currency) == Literal("EUR")
        value = one(g, amount, SCHEMA.value)
        assert value.datatype == XSD.decimal
        found[year] = (one(g, b, MAG.budgetKind), Decimal(str(value)))
    assert found == {
        2020: (MAGB.Projectbudget, Decimal("10000.00")),
        2021: (MAGB.StructureleRaming, Decimal("9707.00")),
        2022: (MAGB.StructureleRaming, Decimal("9707.00")),
        2023: (MAGB.StructureleRaming, Decimal("9707.00")),
        2024: (MAGB.StructureleRaming, Decimal("9707.00")),
    }


def test_projectopdracht_leaves_adoption_open():
    g = union("molenlanden")
    (doc,) = [d for d in of_type(g, MAG.Document)
              if (d, MAG.documentKind, MAGB.Projectopdracht) in g]
    assert not list(g.objects(doc, DCTERMS.issued))
    assert not list(g.subjects(MAG.decisionOn, doc))
    assert any("[Datum vaststelling en door wie vastgesteld]" in c for c in g.objects(doc, RDFS.comment))


def test_molenlanden_responsibilities():
    g = union("molenlanden")
    responsibilities = of_type(g, MAG.Responsibility)
    assert len(responsibilities) >= 6
    for r in responsibilities:
        assert str(r).startswith("https://data.mag-graph.nl/id/verantwoordelijkheid/ml-")
        one(g, r, MAG.phase)
        one(g, r, MAG.raciKind)
        assert list(g.objects(r, MAG.taskKind)) and list(g.objects(r, MAG.assignedTo))
        assert {"nl", "en"} <= lang_labels(g, r)
    informed = [r for r in responsibilities if (r, MAG.raciKind, MAGB.Informed) in g]
    assert any((r, DCTERMS.source, URIRef(BRON + "004-1")) in g for r in informed)
