"""The Hardinxveld-Giessendam example graph against its sources and docs/model.md.

The example graph is what every later part (shapes, queries, pages) is tested against,
so these tests check it directly from the files with rdflib, without the store code:
the responsibilities of seed 000 are all there, verbatim and counted per phase and
actor; every resource cites a source location; no term is used that the design does not
define; sourced and illustrative facts stay in their own graphs; no person is named.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, QB, RDF, RDFS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

MAG = Namespace("https://data.mag-graph.nl/def/mag#")
MAGB = Namespace("https://data.mag-graph.nl/def/mag/begrip/")
MAGID = Namespace("https://data.mag-graph.nl/id/")
MAGG = Namespace("https://data.mag-graph.nl/graph/")
SCHEMA = Namespace("https://schema.org/")
# Plain namespaces: pytest probes module attributes, which rdflib's closed TIME/XSD warn on.
TIME = Namespace("http://www.w3.org/2006/time#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
TOOI = "https://identifier.overheid.nl/tooi/id/"

GM0523 = URIRef(TOOI + "gemeente/gm0523")
SOURCED = MAGG["hardinxveld-giessendam"]
ILLUSTRATIVE = MAGG["hardinxveld-giessendam-illustratief"]

COLLEGE = MAGID["orgaan/hg-college"]
RAAD = MAGID["orgaan/hg-gemeenteraad"]
KLANKBORDGROEP = MAGID["groep/hg-klankbordgroep"]
PROJECTLEIDER = MAGID["functie/hg-projectleider-stuwkr8"]
BUURTNETWERKER = MAGID["functie/hg-buurtnetwerker-stuwkr8"]

PHASES = {
    "opstellen": MAGB.Opstellen,
    "vaststellen": MAGB.Vaststellen,
    "uitvoering": MAGB.Uitvoering,
    "monitoring": MAGB.MonitoringEnControle,
}
ACTORS = {
    "gemeente-partners": frozenset({GM0523, MAGB.MagPartner}),
    "college": frozenset({COLLEGE}),
    "gemeenteraad": frozenset({RAAD}),
    "penvoerder": frozenset({MAGB.Penvoerder}),
    "mag-partners": frozenset({MAGB.MagPartner}),
}
# Roles that responsibilities may name as counterparty (mag:towards) besides typed agents.
ACTORS_AND_ROLES = {MAGB.MagPartner, MAGB.Penvoerder}
# Seed 000: bullets per (phase, actor), as the brief and the sheets give them.
EXPECTED_000 = {
    ("opstellen", "gemeente-partners"): 3,
    ("vaststellen", "college"): 4,
    ("vaststellen", "gemeenteraad"): 3,
    ("uitvoering", "penvoerder"): 9,
    ("uitvoering", "mag-partners"): 3,
    ("uitvoering", "college"): 5,
    ("monitoring", "penvoerder"): 2,
    ("monitoring", "gemeenteraad"): 3,
    ("monitoring", "college"): 6,
}
# Seed 002: the statements modelled as responsibilities (refs hg-002-...), verbatim.
STATEMENTS_002 = {
    "klankbordgroep": [
        "Geven van advies aan StuwKR8 over de algemene kaders.",
        "Geven van gevraagd en ongevraagd advies over initiatieven.",
        "Geven van input en advies over het uitvoeringsplan MAG.",
        "Signaleren van kansen en opgaven in de gemeente en deze gezamenlijk verzilveren.",
        "Invullen van de prestatiedialoog over de initiatieven vanaf €10.000,-",
        "Promoten van de MAG.",
    ],
    "stuwkr8": [
        "StuwKR8 werkt daarbij nauw samen met inwoners, verenigingen, ondernemers, "
        "vrijwilligersorganisaties en organisaties met betaalde krachten.",
        "Samen met deze MAG-partners stelt StuwKR8 jaarlijks een uitvoeringsplan op.",
        "StuwKR8 coördineert de uitvoering van het plan en ondersteunt de partners waar nodig.",
        "Ook beheert StuwKR8 de financiële middelen en stelt deze beschikbaar.",
        "StuwKR8 onderhoudt namens alle partners de contacten met de gemeente.",
        "Ze zorgt voor rapportages en legt verantwoording af.",
    ],
    "buurtnetwerker": [
        "De buurtnetwerker bouwt netwerken op, op de schaal van de buurt maar ook "
        "gemeentebreed als het om een specifiek thema gaat.",
        "Begeleiden van indieners van (inwoners)initiatieven, zodat zij tot een kwalitatief "
        "goede aanvraag komen of ontlast worden op administratieve taken.",
        "Kansen benutten en initiatieven aanjagen. Waar nodig kan de buurtnetwerker ook zelf "
        "initiatieven starten. De insteek is dan wel dat het om een tijdelijke inzet gaat en "
        "het initiatief uiteindelijk op eigen kracht door kan gaan of elders kan worden "
        "ondergebracht.",
        "Adviseren van (kleinere) MAG-partners over aanvragen",
        "‘Beheert’ doorbraakbudgetten tot €150,-.",
        "Coördineert de vrijwillige buurtondersteuners.",
        "Sluit als adviseur aan bij de klankbordgroep.",
    ],
    "projectleider": [
        "De projectleider StuwKR8 voert de formele functie als “penvoerder” uit en is overall "
        "verantwoordelijk voor de uitvoering van de MAG.",
        "MAG-kader opstellen",
        "Beoordelen en honoreren MAG-aanvragen",
        "Jaarlijks MAG-uitvoeringsplan maken",
        "Voortgangsrapportages opstellen (ieder half jaar)",
        "Overleg met de betrokken ambtenaren",
        "Overleg met de wethouder en gemeenteraad",
        "Voorzitten overleg met de Klankbordgroep",
        "Bevorderen samenwerking tussen MAG-partners",
        "Klankbord voor (grotere) MAG-partners over aanvragen",
        "Communicatie StuwKR8 en MAG",
        "Aansturen Buurtnetwerker",
    ],
    "mag-partners": [
        "Van MAG-partners wordt verwacht dat ze actief deelnemen aan relevante netwerken en "
        "MAG-bijeenkomsten.",
    ],
    "ambtenaren": ["De ambtenaren hebben een adviserende rol."],
}
# Names of private persons in seed 004; they must never appear in the data.
PERSONAL_NAMES = ("Slob", "Jonker", "van Eck", "Teunis", "Femmy", "Natacha")


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    ds = Dataset()
    ds.parse(DATA / "hardinxveld-giessendam.trig", format="trig")
    return ds


@pytest.fixture(scope="module")
def sourced(dataset: Dataset) -> Graph:
    return dataset.graph(SOURCED)


@pytest.fixture(scope="module")
def illustrative(dataset: Dataset) -> Graph:
    return dataset.graph(ILLUSTRATIVE)


@pytest.fixture(scope="module")
def union(sourced: Graph, illustrative: Graph) -> Graph:
    g = Graph()
    for t in sourced:
        g.add(t)
    for t in illustrative:
        g.add(t)
    return g


@pytest.fixture(scope="module")
def bronnen() -> Graph:
    return Graph().parse(DATA / "bronnen.ttl", format="turtle")


@pytest.fixture(scope="module")
def catalogus() -> Graph:
    return Graph().parse(DATA / "catalogus.ttl", format="turtle")


def responsibilities(g: Graph, *, from_002: bool) -> list[URIRef]:
    found = [
        s for s in g.subjects(RDF.type, MAG.Responsibility)
        if ("/hg-002-" in str(s)) == from_002
    ]
    return sorted(found)


def label(g: Graph, s, lang: str) -> str | None:
    values = [o for o in g.objects(s, RDFS.label) if isinstance(o, Literal) and o.language == lang]
    assert len(values) <= 1, f"{s} has {len(values)} rdfs:label @{lang}"
    return str(values[0]) if values else None


def one(g: Graph, s, p):
    values = list(g.objects(s, p))
    assert len(values) == 1, f"{s} has {len(values)} values for {p}"
    return values[0]


def amount(g: Graph, s, p=MAG.amount) -> Decimal:
    node = one(g, s, p)
    assert str(one(g, node, SCHEMA.currency)) == "EUR"
    return one(g, node, SCHEMA.value).toPython()


def interval(g: Graph, node) -> tuple[date, date]:
    begin = one(g, one(g, node, TIME.hasBeginning), TIME.inXSDDate).toPython()
    end = one(g, one(g, node, TIME.hasEnd), TIME.inXSDDate).toPython()
    return begin, end


def read_seed000_groups() -> dict[tuple[str, str], list[str]]:
    groups: dict[tuple[str, str], list[str]] = {}
    current = None
    for line in (FIXTURES / "seed000_bullets.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            phase, actor = line[3:].split()[:2]
            current = groups.setdefault((phase, actor), [])
        elif line.startswith("#") or not line.strip():
            continue
        else:
            assert current is not None, "a bullet before the first group header"
            current.append(line)
    return groups


# ---------------------------------------------------------------------------
# The files
# ---------------------------------------------------------------------------


def test_files_parse_into_the_expected_graphs(dataset: Dataset, bronnen: Graph, catalogus: Graph):
    named = {g.identifier for g in dataset.graphs() if len(g)}
    assert named == {SOURCED, ILLUSTRATIVE}
    assert len(dataset.graph(SOURCED)) > 0 and len(dataset.graph(ILLUSTRATIVE)) > 0
    assert len(bronnen) > 0 and len(catalogus) > 0


def test_the_municipality(union: Graph):
    assert (GM0523, RDF.type, MAG.Municipality) in union
    assert (GM0523, RDF.type, URIRef("https://identifier.overheid.nl/tooi/def/ont/Gemeente")) in union
    assert str(one(union, GM0523, MAG.cbsCode)) == "GM0523"
    for body, cls in ((RAAD, MAG.MunicipalCouncil), (COLLEGE, MAG.MunicipalExecutive)):
        assert (body, RDF.type, cls) in union
        assert (body, ORG.unitOf, GM0523) in union
    wethouder = MAGID["functie/hg-wethouder-mag"]
    assert (wethouder, RDF.type, MAG.Alderman) in union
    assert (wethouder, ORG.postIn, COLLEGE) in union
    assert (wethouder, ORG.role, MAGB.Portefeuillehouder) in union


# ---------------------------------------------------------------------------
# Seed 000: the 38 responsibilities
# ---------------------------------------------------------------------------


def test_seed000_counts_per_phase_and_actor(sourced: Graph):
    counted: Counter = Counter()
    for r in responsibilities(sourced, from_002=False):
        phase = one(sourced, r, MAG.phase)
        assigned = frozenset(sourced.objects(r, MAG.assignedTo))
        phase_slug = next(k for k, v in PHASES.items() if v == phase)
        actor_slug = next(k for k, v in ACTORS.items() if v == assigned)
        counted[(phase_slug, actor_slug)] += 1
    assert dict(counted) == EXPECTED_000
    assert sum(counted.values()) == 38


def test_seed000_fixture_has_the_38_bullets():
    groups = read_seed000_groups()
    assert {k: len(v) for k, v in groups.items()} == EXPECTED_000


def test_seed000_labels_are_the_bullets_verbatim_in_their_place(sourced: Graph):
    for (phase, actor), bullets in read_seed000_groups().items():
        for n, bullet in enumerate(bullets, start=1):
            r = MAGID[f"verantwoordelijkheid/hg-{phase}-{actor}-{n}"]
            assert (r, RDF.type, MAG.Responsibility) in sourced, r
            assert label(sourced, r, "nl") == bullet, r
            assert label(sourced, r, "en"), f"{r} has no English label"
            assert one(sourced, r, MAG.phase) == PHASES[phase], r
            assert frozenset(sourced.objects(r, MAG.assignedTo)) == ACTORS[actor], r


def test_seed000_responsibilities_are_sourced_to_their_sheet(sourced: Graph):
    sheets = {
        "opstellen": "000-sheet-3",
        "vaststellen": "000-sheet-5",
        "uitvoering": "000-sheet-7",
        "monitoring": "000-sheet-9",
    }
    for r in responsibilities(sourced, from_002=False):
        phase = str(r).rsplit("/", 1)[1].split("-")[1]
        assert set(sourced.objects(r, DCTERMS.source)) == {MAGID["bron/" + sheets[phase]]}, r


def test_seed000_order_follows_the_sheet(sourced: Graph):
    by_phase: dict[URIRef, list[int]] = {}
    for r in responsibilities(sourced, from_002=False):
        order = one(sourced, r, MAG.order)
        assert order.datatype == XSD.integer
        by_phase.setdefault(one(sourced, r, MAG.phase), []).append(order.toPython())
    for phase, orders in by_phase.items():
        assert sorted(orders) == list(range(1, len(orders) + 1)), phase


@pytest.mark.parametrize("from_002", [False, True])
def test_every_responsibility_is_complete(sourced: Graph, union: Graph, from_002: bool):
    raci = {MAGB.Responsible, MAGB.Accountable, MAGB.Consulted, MAGB.Informed}
    for r in responsibilities(sourced, from_002=from_002):
        assert one(sourced, r, MAG.phase) in PHASES.values(), r
        assert one(sourced, r, MAG.raciKind) in raci, r
        tasks = set(sourced.objects(r, MAG.taskKind))
        assert tasks and all(str(t).startswith(str(MAGB) + "Taak") for t in tasks), r
        assert one(sourced, r, MAG.municipality) == GM0523, r
        assert label(sourced, r, "nl") and label(sourced, r, "en"), r
        for target in union.objects(r, MAG.towards):
            assert target in ACTORS_AND_ROLES or (target, RDF.type, None) in union, (r, target)


def test_raci_rule_examples(sourced: Graph):
    """Spot checks of the RACI rule written at the top of the TriG file."""
    def raci(ref: str):
        return one(sourced, MAGID["verantwoordelijkheid/" + ref], MAG.raciKind)

    assert raci("hg-vaststellen-gemeenteraad-1") == MAGB.Accountable  # stelt vast
    assert raci("hg-vaststellen-gemeenteraad-3") == MAGB.Accountable  # verdeelt het budget
    assert raci("hg-uitvoering-penvoerder-1") == MAGB.Accountable  # hoofdverantwoordelijk
    assert raci("hg-uitvoering-college-1") == MAGB.Accountable  # contracteert
    assert raci("hg-uitvoering-college-2") == MAGB.Accountable  # stuurt op
    assert raci("hg-uitvoering-penvoerder-2") == MAGB.Responsible  # schrijft
    assert raci("hg-uitvoering-mag-partners-2") == MAGB.Consulted  # overleggen en stemmen af
    assert raci("hg-monitoring-gemeenteraad-3") == MAGB.Informed  # monitort
    tasks = set(sourced.objects(MAGID["verantwoordelijkheid/hg-monitoring-penvoerder-1"], MAG.taskKind))
    assert tasks == {MAGB.TaakFinancieelVerantwoorden}
    tasks = set(sourced.objects(MAGID["verantwoordelijkheid/hg-monitoring-penvoerder-2"], MAG.taskKind))
    assert tasks == {MAGB.TaakInhoudelijkVerantwoorden}
    towards = set(sourced.objects(MAGID["verantwoordelijkheid/hg-monitoring-college-5"], MAG.towards))
    assert towards == {RAAD}


# ---------------------------------------------------------------------------
# Seed 002: the additional responsibilities
# ---------------------------------------------------------------------------


def test_seed002_labels_are_verbatim(sourced: Graph):
    expected = {
        MAGID[f"verantwoordelijkheid/hg-002-{actor}-{n}"]: text
        for actor, texts in STATEMENTS_002.items()
        for n, text in enumerate(texts, start=1)
    }
    assert set(responsibilities(sourced, from_002=True)) == set(expected)
    for r, text in expected.items():
        assert label(sourced, r, "nl") == text, r
        source = one(sourced, r, DCTERMS.source)
        assert str(source).startswith(str(MAGID) + "bron/002-"), r


# ---------------------------------------------------------------------------
# Sources and terms
# ---------------------------------------------------------------------------


def test_bronnen_has_the_five_seeds_the_register_and_the_needed_locations(bronnen: Graph):
    files = {
        "000": "000_76fd19d4f8c5d636.txt",
        "001": "001_64d46d0028e1bab5.txt",
        "002": "002_6d3750d77e533fd2.txt",
        "003": "003_34ed740f1db901b5.txt",
        "004": "004_5ba6ab2940200f7b.txt",
    }
    docs = set(bronnen.subjects(RDF.type, MAG.SourceDocument))
    # The five seed documents, and the public register the real partnerships come from.
    assert docs == {MAGID["bron/" + k] for k in files} | {MAGID["bron/roo"]}
    for key, name in files.items():
        doc = MAGID["bron/" + key]
        assert str(one(bronnen, doc, MAG.fileName)) == name
        assert {o.language for o in bronnen.objects(doc, DCTERMS.title)} == {"nl", "en"}
        assert str(one(bronnen, doc, MAG.municipality)).startswith(TOOI + "gemeente/gm")
    assert one(bronnen, MAGID["bron/001"], DCTERMS.date) == Literal("2016-06-01", datatype=XSD.date)
    needed = ["000-sheet-3", "000-sheet-5", "000-sheet-7", "000-sheet-9"]
    needed += [f"001-slide-{n}" for n in range(4, 22)]
    needed += ["002-" + s for s in ("klankbordgroep", "stuwkr8", "buurtnetwerker", "projectleider",
                                    "mag-partners", "ambtelijk-overleg", "wethouder", "gemeenteraad")]
    needed += ["003-1.1", "003-1.2", "003-1.3", "003-2.2", "004-kop", "004-1", "004-2", "004-3", "004-4"]
    for ref in needed:
        loc = MAGID["bron/" + ref]
        assert (loc, RDF.type, MAG.SourceLocation) in bronnen, ref
        assert one(bronnen, loc, MAG.inSourceDocument) == MAGID["bron/" + ref[:3]], ref
        assert one(bronnen, loc, MAG.locator), ref
        assert {o.language for o in bronnen.objects(loc, RDFS.label)} == {"nl", "en"}, ref


def test_every_resource_cites_a_source_location(union: Graph, bronnen: Graph):
    locations = set(bronnen.subjects(RDF.type, MAG.SourceLocation))
    for s in set(union.subjects()):
        named = isinstance(s, URIRef) and (str(s).startswith(str(MAGID)) or str(s).startswith(TOOI))
        statement = isinstance(s, BNode) and (s, RDF.type, RDF.Statement) in union
        if named or statement:
            sources = set(union.objects(s, DCTERMS.source))
            assert sources, f"{s} has no dcterms:source"
            assert sources <= locations, f"{s} cites {sources - locations}"
    for o in union.objects(None, DCTERMS.source):
        assert o in locations, o


def test_top_level_resources_name_their_municipality(union: Graph):
    top = (MAG.SocialAgenda, MAG.Responsibility, MAG.RoleAssignment, MAG.Consultation,
           MAG.Partnership, MAG.Budget, MAG.BreakthroughBudget, MAG.Decision)
    for cls in top:
        for s in union.subjects(RDF.type, cls):
            assert one(union, s, MAG.municipality) == GM0523, s


def model_names() -> set[str]:
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    names: set[str] = set()
    for span in re.findall(r"`([^`]+)`", text):
        names.update(re.findall(r"(?:magb?:)?([A-Za-z][A-Za-z0-9]*)", span))
    return names


def test_every_mag_term_used_is_defined_in_the_model(dataset: Dataset, bronnen: Graph, catalogus: Graph):
    names = model_names()
    used: set[URIRef] = set()
    for graph in (*dataset.graphs(), bronnen, catalogus):
        for triple in graph:
            used.update(t for t in triple if isinstance(t, URIRef))
    unknown = set()
    for term in used:
        iri = str(term)
        if iri.startswith(str(MAG)):
            local = iri[len(str(MAG)):]
        elif iri.startswith(str(MAGB)):
            local = iri[len(str(MAGB)):]
        else:
            continue
        if local not in names:
            unknown.add(iri)
    assert not unknown, f"terms not in docs/model.md: {sorted(unknown)}"


# ---------------------------------------------------------------------------
# Sourced versus illustrative
# ---------------------------------------------------------------------------


def test_dates_values_and_amounts_are_illustrative(sourced: Graph, illustrative: Graph):
    for p in (DCTERMS.date, DCTERMS.issued, MAG.value, MAG.amount, MAG.requestedAmount, SCHEMA.value,
              TIME.inXSDDate, MAG.forYear, MAG.fiscalYear, MAG.referenceYear, MAG.period):
        assert not list(sourced.triples((None, p, None))), f"{p} in the sourced graph"
    for o in sourced.objects():
        if isinstance(o, Literal):
            assert o.datatype not in (XSD.date, XSD.gYear, XSD.decimal, XSD.dateTime), o
    for cls in (MAG.Meeting, MAG.IndicatorObservation, MAG.Initiative, MAG.Grant, MAG.Advice,
                MAG.Theme, MAG.Goal, MAG.Indicator, MAG.MagAssignment, MAG.ImplementationPlan,
                MAG.Resident, MAG.Term):
        assert not list(sourced.subjects(RDF.type, cls)), f"{cls} instance in the sourced graph"
        assert list(illustrative.subjects(RDF.type, cls)), f"no {cls} in the illustrative graph"
    for m in illustrative.subjects(RDF.type, MAG.Meeting):
        assert one(illustrative, m, DCTERMS.date).datatype == XSD.date
    for o in illustrative.subjects(RDF.type, MAG.IndicatorObservation):
        assert one(illustrative, o, MAG.value).datatype == XSD.decimal
    for i in illustrative.subjects(RDF.type, MAG.Initiative):
        assert amount(illustrative, i, MAG.requestedAmount) > 0
    for d in sourced.subjects(RDF.type, MAG.Decision):
        assert one(illustrative, d, DCTERMS.date).datatype == XSD.date


def test_catalogue_describes_every_graph(catalogus: Graph):
    expected = {
        "bronnen": False,
        "hardinxveld-giessendam": False,
        "hardinxveld-giessendam-illustratief": True,
        "maassluis": False,
        "maassluis-illustratief": True,
        "molenlanden": False,
        "molenlanden-illustratief": True,
    }
    assert set(catalogus.subjects(RDF.type, MAG.DataGraph)) == {MAGG[k] for k in expected}
    for name, flag in expected.items():
        g = MAGG[name]
        assert one(catalogus, g, MAG.illustrative) == Literal(flag)
        assert {o.language for o in catalogus.objects(g, DCTERMS.title)} == {"nl", "en"}
        assert {o.language for o in catalogus.objects(g, DCTERMS.description)} == {"nl", "en"}
        assert list(catalogus.objects(g, MAG.municipality))
        assert list(catalogus.objects(g, DCTERMS.source))


def test_no_private_person_is_named(dataset: Dataset, bronnen: Graph, catalogus: Graph):
    for graph in (*dataset.graphs(), bronnen, catalogus):
        for o in graph.objects():
            if isinstance(o, Literal):
                for name in PERSONAL_NAMES:
                    assert name.lower() not in str(o).lower(), f"{name!r} in {o!r}"
    for r in dataset.graph(ILLUSTRATIVE).subjects(RDF.type, MAG.Resident):
        assert re.fullmatch(r"Inwoner [A-Z] \(voorbeeld\)", label(dataset.graph(ILLUSTRATIVE), r, "nl"))


# ---------------------------------------------------------------------------
# The rules of 000-002 hold in the example
# ---------------------------------------------------------------------------


def test_accountability_chain(sourced: Graph):
    chain = [MAGB.MagPartner, MAGB.Penvoerder, COLLEGE, RAAD]
    for lower, higher in zip(chain, chain[1:]):
        assert (lower, MAG.accountableTo, higher) in sourced
        statements = [
            s for s in sourced.subjects(RDF.subject, lower)
            if (s, RDF.predicate, MAG.accountableTo) in sourced and (s, RDF.object, higher) in sourced
        ]
        assert len(statements) == 1, (lower, higher)
        assert list(sourced.objects(statements[0], DCTERMS.source))


def test_decisions_and_their_bodies(union: Graph):
    expected = {
        "hg-vaststelling-startfoto": (MAGID["startfoto/hg-startfoto"], COLLEGE),
        "hg-bekrachtiging-mag": (MAGID["agenda/hg-mag"], RAAD),
        "hg-vaststelling-totaalbudget": (MAGID["budget/hg-mag-totaal"], RAAD),
        "hg-verdeling-totaalbudget": (MAGID["budget/hg-mag-totaal"], RAAD),
    }
    for ref, (thing, body) in expected.items():
        d = MAGID["besluit/" + ref]
        assert (d, MAG.decisionOn, thing) in union
        assert one(union, d, PROV.wasAssociatedWith) == body
        assoc = one(union, d, PROV.qualifiedAssociation)
        assert one(union, assoc, PROV.agent) == body
        assert one(union, assoc, PROV.hadRole) == MAGB.Besluitvormer


def test_budgets_add_up(union: Graph):
    total = MAGID["budget/hg-mag-totaal"]
    themes = list(union.subjects(MAG.partOfBudget, total))
    assert len(themes) == 2
    assert all(one(union, t, MAG.budgetKind) == MAGB.Themabudget for t in themes)
    assert sum(amount(union, t) for t in themes) <= amount(union, total)
    for t in themes:
        plans = [b for b in union.subjects(MAG.partOfBudget, t) if (b, MAG.budgetKind, MAGB.Planbudget) in union]
        assert plans and sum(amount(union, b) for b in plans) <= amount(union, t)
    for plan in union.subjects(RDF.type, MAG.ImplementationPlan):
        assert one(union, plan, MAG.writtenBy) == PROJECTLEIDER
        assert one(union, one(union, plan, MAG.hasBudget), MAG.budgetKind) == MAGB.Planbudget
    for opdracht in union.subjects(RDF.type, MAG.MagAssignment):
        years = [one(union, p, MAG.forYear) for p in union.objects(opdracht, MAG.hasPlan)]
        assert len(years) == len(set(years)) >= 1, opdracht  # one plan per opdracht per year
        penvoerders = [a for a in union.subjects(MAG.inContext, opdracht)
                       if (a, ORG.role, MAGB.Penvoerder) in union]
        assert len(penvoerders) == 1, opdracht
        assert one(union, penvoerders[0], MAG.contractedBy) == COLLEGE
    for b in union.subjects(RDF.type, MAG.BreakthroughBudget):
        assert amount(union, b) <= Decimal(150)
        assert one(union, b, MAG.managedBy) == BUURTNETWERKER


def test_the_projectleider_reports_every_half_year(union: Graph):
    halves = {
        (d.year, 1 if d.month <= 6 else 2)
        for r in union.subjects(MAG.documentKind, MAGB.Voortgangsrapportage)
        if one(union, r, MAG.writtenBy) == PROJECTLEIDER
        for d in [one(union, r, DCTERMS.issued).toPython()]
    }
    assert {(2018, 1), (2018, 2), (2019, 1), (2019, 2)} <= halves


def test_grants_come_from_the_penvoerder(union: Graph):
    penvoerder_holders = {
        one(union, a, MAG.holder) for a in union.subjects(ORG.role, MAGB.Penvoerder)
    }
    grants = list(union.subjects(RDF.type, MAG.Grant))
    assert grants
    for g in grants:
        assert one(union, g, MAG.grantedBy) in penvoerder_holders
        assert (g, MAG.grantedBy, GM0523) not in union


def test_initiatives_and_prestatiedialoog(union: Graph):
    small = big = 0
    for i in union.subjects(RDF.type, MAG.Initiative):
        if amount(union, i, MAG.requestedAmount) >= Decimal(10000):
            big += 1
            dialogue = one(union, i, MAG.hasPerformanceDialogue)
            assert one(union, dialogue, MAG.heldBy) == KLANKBORDGROEP
            assert one(union, dialogue, MAG.about) == i
        else:
            small += 1
    assert small >= 1 and big >= 1


def member_assignments(g: Graph) -> list:
    return [a for a in g.subjects(ORG.role, MAGB.Lid) if (a, MAG.inContext, KLANKBORDGROEP) in g]


def test_klankbordgroep_members(union: Graph):
    assignments = member_assignments(union)
    holders = {one(union, a, MAG.holder) for a in assignments}
    assert 6 <= len(holders) <= 8
    assert len(assignments) <= 8
    assert BUURTNETWERKER not in holders
    for a in assignments:
        holder = one(union, a, MAG.holder)
        assert (holder, RDF.type, MAG.Resident) in union
        assert one(union, holder, MAG.residentOf) == GM0523
        assert one(union, a, MAG.inPersonalCapacity) == Literal(True)
        begin, end = interval(union, one(union, a, ORG.memberDuring))
        assert end == begin.replace(year=begin.year + 2), a
    adviser = [a for a in union.subjects(MAG.holder, BUURTNETWERKER)
               if (a, MAG.inContext, KLANKBORDGROEP) in union]
    assert len(adviser) == 1 and one(union, adviser[0], ORG.role) == MAGB.Adviseur


def test_an_extension_follows_an_evaluation(union: Graph):
    extensions = [a for a in member_assignments(union) if (a, MAG.extensionOf, None) in union]
    assert extensions
    for ext in extensions:
        first = one(union, ext, MAG.extensionOf)
        evaluation = one(union, ext, MAG.afterEvaluation)
        assert one(union, evaluation, MAG.evaluates) == first
        ext_begin, _ = interval(union, one(union, ext, ORG.memberDuring))
        _, first_end = interval(union, one(union, first, ORG.memberDuring))
        assert ext_begin == first_end
        assert one(union, evaluation, DCTERMS.date).toPython() < ext_begin


def test_no_advice_under_a_conflict_of_interest(union: Graph):
    advices = list(union.subjects(RDF.type, MAG.Advice))
    assert advices
    for advice in advices:
        adviser = one(union, advice, MAG.adviser)
        initiative = one(union, advice, MAG.about)
        assert (adviser, MAG.involvedIn, initiative) not in union
        assert (adviser, MAG.hasInterestIn, initiative) not in union
    assert list(union.triples((None, MAG.involvedIn, None)))


def test_required_consultations_are_met_in_2018_and_2019(union: Graph):
    expected = {
        "hg-klankbordgroep-overleg": (1, MAGB.PerKwartaal),
        "hg-ambtelijk-overleg": (4, MAGB.PerJaar),
        "hg-wethouder-overleg": (4, MAGB.PerJaar),
        "hg-raadsoverleg": (2, MAGB.PerJaar),
    }
    for ref, (minimum, period) in expected.items():
        c = MAGID["overleg/" + ref]
        assert one(union, c, MAG.minimumFrequency).toPython() == minimum
        assert one(union, c, MAG.frequencyPeriod) == period
        assert interval(union, one(union, c, MAG.period)) == (date(2018, 1, 1), date(2019, 12, 31))
        dates = [one(union, m, DCTERMS.date).toPython() for m in union.subjects(MAG.meetingOf, c)]
        for year in (2018, 2019):
            if period == MAGB.PerKwartaal:
                for q in range(4):
                    n = sum(1 for d in dates if d.year == year and (d.month - 1) // 3 == q)
                    assert n >= minimum, (ref, year, q + 1)
            else:
                assert sum(1 for d in dates if d.year == year) >= minimum, (ref, year)
    klankbord = MAGID["overleg/hg-klankbordgroep-overleg"]
    assert one(union, klankbord, MAG.chair) == PROJECTLEIDER
    raad = MAGID["overleg/hg-raadsoverleg"]
    for year in (2018, 2019):
        purposes = {
            p for m in union.subjects(MAG.meetingOf, raad)
            if one(union, m, DCTERMS.date).toPython().year == year
            for p in union.objects(m, MAG.meetingPurpose)
        }
        assert {MAGB.UitvoeringsplanVolgendJaar, MAGB.VerantwoordingVorigJaar} <= purposes, year


def test_goals_indicators_and_observations(union: Graph):
    kinds = {one(union, g, MAG.goalKind) for g in union.subjects(RDF.type, MAG.Goal)}
    assert kinds == {MAGB.Verbetering, MAGB.Versterking, MAGB.Verbinding, MAGB.Behoud}
    startfoto = MAGID["startfoto/hg-startfoto"]
    for goal in union.subjects(RDF.type, MAG.Goal):
        assert one(union, goal, MAG.theme)
        indicators = list(union.objects(goal, MAG.hasIndicator))
        assert indicators, goal
        for ind in indicators:
            observations = list(union.subjects(MAG.indicator, ind))
            baseline = [o for o in observations if (o, MAG.observationKind, MAGB.Nulmeting) in union]
            assert len(baseline) == 1 and one(union, baseline[0], QB.dataSet) == startfoto, ind
            assert any((o, MAG.observationKind, MAGB.Streefwaarde) in union for o in observations), ind
            assert any((o, MAG.observationKind, MAGB.Meting) in union for o in observations), ind
    # R05: the agenda holds no activities
    assert not list(union.objects(MAGID["agenda/hg-mag"], MAG.hasActivity))


def test_mag_partners_of_every_kind_take_part(union: Graph):
    partners = [one(union, a, MAG.holder) for a in union.subjects(ORG.role, MAGB.MagPartner)
                if (a, MAG.inContext, MAGID["samenwerking/hg-mag"]) in union]
    kinds = {c for p in partners for c in union.objects(p, RDF.type)}
    assert {MAG.VoluntaryAssociation, MAG.VolunteerOrganisation, MAG.ProfessionalOrganisation,
            MAG.Business, MAG.Resident} <= kinds
    for p in partners:
        assert list(union.objects(p, MAG.participatesIn)), p
