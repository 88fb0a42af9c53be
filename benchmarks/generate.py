"""A synthetic national-scale mag-graph: every municipality with its agenda, role model,
klankbordgroep, consultations and partnerships, shaped like the example graph.

The graph is written as N-Quads (one named graph per municipality), the format both
pyoxigraph and rdflib parse without a prefix table, so load benchmarks compare engines
and not parsers of different syntaxes. Deterministic: the same arguments give the same
bytes.

    python -m benchmarks.generate --municipalities 342 -o benchmarks/out/national.nq
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path

# Raised whenever the generated graph changes, so cached files (benchmarks/out) are made anew.
# 2: periods, decisions, account and report tasks, advisers, fitting document kinds: the
#    synthetic municipalities keep every rule.
VERSION = 2

BASE = "https://data.mag-graph.nl/"
MAG = BASE + "def/mag#"
MAGB = BASE + "def/mag/begrip/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"
TOOI = "https://identifier.overheid.nl/tooi/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
QB = "http://purl.org/linked-data/cube#"
TIME = "http://www.w3.org/2006/time#"
SCHEMA = "https://schema.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"

PHASES = ["Opstellen", "Vaststellen", "Uitvoering", "MonitoringEnControle"]
# (phase, actor slug, count) as in seed 000: 38 responsibilities per municipality.
ROLE_MODEL = [
    ("Opstellen", "gemeente-partners", 3),
    ("Vaststellen", "college", 4),
    ("Vaststellen", "gemeenteraad", 3),
    ("Uitvoering", "penvoerder", 9),
    ("Uitvoering", "mag-partners", 3),
    ("Uitvoering", "college", 5),
    ("MonitoringEnControle", "penvoerder", 2),
    ("MonitoringEnControle", "gemeenteraad", 3),
    ("MonitoringEnControle", "college", 6),
]
TASKS = ["TaakOpstellen", "TaakVaststellen", "TaakFaciliteren", "TaakUitvoeren",
         "TaakControleren", "TaakMonitoren", "TaakInformeren", "TaakVerantwoorden"]
RACI = ["Responsible", "Accountable", "Consulted", "Informed"]
GOAL_KINDS = ["Verbetering", "Versterking", "Verbinding", "Behoud"]
MOMENT_KINDS = ["Informatiemoment", "Invloedsmoment", "PolitiekeKeuze", "Bijeenkomst"]
DOC_KINDS = ["Kadernota", "Ontwerpbegroting", "Jaarverslag", "Kwartaalrapportage", "Zienswijze"]
# The document kinds that fit a moment kind (R27); other kinds of moment take any.
FITTING_DOC_KINDS = {"Informatiemoment": DOC_KINDS[:4], "Invloedsmoment": ["Zienswijze", "Verordening"]}
# Tasks the role model gives besides seed 000's table: the penvoerder renders account
# (R11), the project leader writes the plans and the progress reports (R12).
ACCOUNT_TASKS = ["TaakFinancieelVerantwoorden", "TaakInhoudelijkVerantwoorden"]


def iri(value: str) -> str:
    return f"<{value}>"


def lit(value: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


class Writer:
    """Collects the quads of one named graph as N-Quads lines."""

    def __init__(self, graph: str) -> None:
        self.graph = iri(graph)
        self.lines: list[str] = []

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{iri(s)} {iri(p)} {o} {self.graph} .\n")

    def typed(self, s: str, cls: str, label: str, source: str, municipality: str | None) -> None:
        self.add(s, RDF_TYPE, iri(MAG + cls))
        self.add(s, RDFS_LABEL, lit(label, "nl"))
        self.add(s, DCT + "source", iri(ID + "bron/" + source))
        if municipality:
            self.add(s, MAG + "municipality", iri(municipality))

    def money(self, s: str, prop: str, amount: str) -> None:
        node = s + "/bedrag"
        self.add(s, MAG + prop, iri(node))
        self.add(node, RDF_TYPE, iri(SCHEMA + "MonetaryAmount"))
        self.add(node, SCHEMA + "value", lit(amount, datatype=XSD + "decimal"))
        self.add(node, SCHEMA + "currency", lit("EUR"))

    def date(self, s: str, value: str) -> None:
        self.add(s, DCT + "date", lit(value, datatype=XSD + "date"))

    def period(self, s: str, begins: str, ends: str) -> None:
        """``s mag:period`` a time:ProperInterval from ``begins`` through ``ends`` (its last day)."""
        node, begin, end = s + "/looptijd", s + "/looptijd/begin", s + "/looptijd/einde"
        self.add(s, MAG + "period", iri(node))
        self.add(node, RDF_TYPE, iri(TIME + "ProperInterval"))
        self.add(node, TIME + "hasBeginning", iri(begin))
        self.add(node, TIME + "hasEnd", iri(end))
        self.add(begin, RDF_TYPE, iri(TIME + "Instant"))
        self.add(begin, TIME + "inXSDDate", lit(begins, datatype=XSD + "date"))
        self.add(end, RDF_TYPE, iri(TIME + "Instant"))
        self.add(end, TIME + "inXSDDate", lit(ends, datatype=XSD + "date"))

    def decision(self, s: str, on: str, body: str, label: str, municipality: str) -> None:
        """A decision of ``body`` on ``on`` (R04: the council sets and divides the budget)."""
        self.typed(s, "Decision", label, "000-sheet-5", municipality)
        self.add(s, MAG + "decisionOn", iri(on))
        self.add(s, PROV + "wasAssociatedWith", iri(body))


def municipality(index: int, partnerships: int, rng: random.Random) -> Iterator[str]:
    """All quads of one synthetic municipality, in its own named graph."""
    code = f"gm{9000 + index:04d}" if index >= 0 else "gm0000"
    ref = f"s{index:03d}"
    gm = TOOI + "gemeente/" + code
    w = Writer(GRAPH + f"synthetisch-{ref}")
    w.typed(gm, "Municipality", f"Gemeente {ref}", "000", None)
    w.add(gm, MAG + "cbsCode", lit(code.upper()))
    raad, college = ID + f"orgaan/{ref}-gemeenteraad", ID + f"orgaan/{ref}-college"
    w.typed(raad, "MunicipalCouncil", f"Gemeenteraad {ref}", "000-sheet-5", gm)
    w.typed(college, "MunicipalExecutive", f"College {ref}", "000-sheet-5", gm)
    for body in (raad, college):
        w.add(body, ORG + "unitOf", iri(gm))
    wethouder = ID + f"functie/{ref}-wethouder"
    w.typed(wethouder, "Alderman", f"Wethouder MAG {ref}", "002-wethouder", gm)
    w.add(wethouder, ORG + "postIn", iri(college))
    stuw = ID + f"organisatie/{ref}-uitvoerder"
    w.typed(stuw, "ExecutingOrganisation", f"Uitvoerder {ref}", "002-stuwkr8", gm)
    leader = ID + f"functie/{ref}-projectleider"
    w.typed(leader, "Post", f"Projectleider {ref}", "002-projectleider", gm)
    w.add(leader, ORG + "postIn", iri(stuw))
    w.add(leader, ORG + "role", iri(MAGB + "Projectleider"))
    networker = ID + f"functie/{ref}-buurtnetwerker"
    w.typed(networker, "Post", f"Buurtnetwerker {ref}", "002-buurtnetwerker", gm)
    w.add(networker, ORG + "postIn", iri(stuw))
    w.add(networker, ORG + "role", iri(MAGB + "Buurtnetwerker"))
    actors = {
        "gemeente-partners": [gm, MAGB + "MagPartner"],
        "college": [college],
        "gemeenteraad": [raad],
        "penvoerder": [MAGB + "Penvoerder"],
        "mag-partners": [MAGB + "MagPartner"],
    }

    # The role model (seed 000).
    for phase, actor, count in ROLE_MODEL:
        for n in range(1, count + 1):
            r = ID + f"verantwoordelijkheid/{ref}-{phase.lower()}-{actor}-{n}"
            w.typed(r, "Responsibility", f"Taak {n} van {actor} in {phase}", "000-sheet-5", gm)
            w.add(r, MAG + "phase", iri(MAGB + phase))
            w.add(r, MAG + "raciKind", iri(MAGB + rng.choice(RACI)))
            w.add(r, MAG + "taskKind", iri(MAGB + rng.choice(TASKS)))
            w.add(r, MAG + "order", lit(str(n), datatype=XSD + "integer"))
            for who in actors[actor]:
                w.add(r, MAG + "assignedTo", iri(who))

    for n, task in enumerate(ACCOUNT_TASKS, start=1):
        r = ID + f"verantwoordelijkheid/{ref}-verantwoording-penvoerder-{n}"
        w.typed(r, "Responsibility", f"Verantwoording {n} door de penvoerder", "000-sheet-7", gm)
        w.add(r, MAG + "phase", iri(MAGB + "MonitoringEnControle"))
        w.add(r, MAG + "raciKind", iri(MAGB + "Responsible"))
        w.add(r, MAG + "taskKind", iri(MAGB + task))
        w.add(r, MAG + "order", lit(str(10 + n), datatype=XSD + "integer"))
        w.add(r, MAG + "assignedTo", iri(MAGB + "Penvoerder"))
    for n, (task, kind, phase) in enumerate((("TaakOpstellen", "Uitvoeringsplan", "Opstellen"),
                                             ("TaakRapporteren", "Voortgangsrapportage", "MonitoringEnControle")), start=1):
        doc = ID + f"document/{ref}-{kind.lower()}"
        w.typed(doc, "Document", f"{kind} {ref}", "002-projectleider", gm)
        w.add(doc, MAG + "documentKind", iri(MAGB + kind))
        r = ID + f"verantwoordelijkheid/{ref}-projectleider-{n}"
        w.typed(r, "Responsibility", f"{kind} door de projectleider", "002-projectleider", gm)
        w.add(r, MAG + "phase", iri(MAGB + phase))
        w.add(r, MAG + "raciKind", iri(MAGB + "Responsible"))
        w.add(r, MAG + "taskKind", iri(MAGB + task))
        w.add(r, MAG + "order", lit(str(20 + n), datatype=XSD + "integer"))
        w.add(r, MAG + "assignedTo", iri(leader))
        w.add(r, MAG + "concerns", iri(doc))
    # R12: the project leader's progress reports, two for every year of the assignments.
    for year in (2018, 2019):
        for half in (1, 2):
            report = ID + f"document/{ref}-voortgangsrapportage-{year}-{half}"
            w.typed(report, "Document", f"Voortgangsrapportage {year}-{half} ({ref})", "002-projectleider", gm)
            w.add(report, MAG + "documentKind", iri(MAGB + "Voortgangsrapportage"))
            w.add(report, MAG + "writtenBy", iri(leader))
            w.add(report, MAG + "forYear", lit(str(year), datatype=XSD + "gYear"))

    # The agenda, its themes, goals, indicators and observations (seed 001).
    agenda = ID + f"agenda/{ref}-mag"
    startfoto = ID + f"startfoto/{ref}"
    monitor = ID + f"dataset/{ref}-monitor"
    w.typed(agenda, "SocialAgenda", f"Maatschappelijke Agenda {ref}", "001-slide-14", gm)
    w.typed(startfoto, "BaselineSnapshot", f"Startfoto {ref}", "001-slide-12", gm)
    w.add(startfoto, RDF_TYPE, iri(QB + "DataSet"))
    w.typed(monitor, "IndicatorDataSet", f"MAG-monitor {ref}", "001-slide-13", gm)
    w.add(agenda, MAG + "basedOn", iri(startfoto))
    total = ID + f"budget/{ref}-totaal"
    w.typed(total, "Budget", f"Totaalbudget MAG {ref}", "000-sheet-5", gm)
    w.add(total, MAG + "budgetKind", iri(MAGB + "Totaalbudget"))
    w.money(total, "amount", "900000.00")
    w.add(total, MAG + "fiscalYear", lit("2019", datatype=XSD + "gYear"))
    w.decision(ID + f"besluit/{ref}-totaalbudget", total, raad, f"Vaststelling totaalbudget {ref}", gm)
    for t in range(1, 4):
        theme = ID + f"thema/{ref}-{t}"
        w.typed(theme, "Theme", f"Thema {t} ({ref})", "001-slide-13", gm)
        w.add(agenda, MAG + "hasTheme", iri(theme))
        tb = ID + f"budget/{ref}-thema-{t}"
        w.typed(tb, "Budget", f"Themabudget {t} ({ref})", "000-sheet-5", gm)
        w.add(tb, MAG + "budgetKind", iri(MAGB + "Themabudget"))
        w.add(tb, MAG + "theme", iri(theme))
        w.add(tb, MAG + "partOfBudget", iri(total))
        w.money(tb, "amount", "300000.00")
        w.decision(ID + f"besluit/{ref}-themabudget-{t}", tb, raad, f"Verdeling themabudget {t} ({ref})", gm)
        opdracht = ID + f"opdracht/{ref}-{t}"
        w.typed(opdracht, "MagAssignment", f"MAG-opdracht {t} ({ref})", "001-slide-15", gm)
        w.add(opdracht, MAG + "theme", iri(theme))
        w.add(opdracht, MAG + "derivedFrom", iri(agenda))
        w.period(opdracht, "2018-01-01", "2019-12-31")  # R08: a plan for each year of the term
        ra = ID + f"roltoewijzing/{ref}-penvoerder-{t}"
        w.typed(ra, "RoleAssignment", f"Penvoerder opdracht {t}", "001-slide-19", gm)
        w.add(ra, MAG + "holder", iri(leader))
        w.add(ra, ORG + "role", iri(MAGB + "Penvoerder"))
        w.add(ra, MAG + "inContext", iri(opdracht))
        w.add(ra, MAG + "contractedBy", iri(college))
        for year in (2018, 2019):
            plan = ID + f"plan/{ref}-{t}-{year}"
            w.typed(plan, "ImplementationPlan", f"Uitvoeringsplan {t} {year}", "002-stuwkr8", gm)
            w.add(plan, MAG + "forYear", lit(str(year), datatype=XSD + "gYear"))
            w.add(plan, MAG + "writtenBy", iri(leader))
            w.add(opdracht, MAG + "hasPlan", iri(plan))
            pb = ID + f"budget/{ref}-plan-{t}-{year}"
            w.typed(pb, "Budget", f"Planbudget {t} {year}", "001-slide-16", gm)
            w.add(pb, MAG + "budgetKind", iri(MAGB + "Planbudget"))
            w.money(pb, "amount", "150000.00")
            w.add(plan, MAG + "hasBudget", iri(pb))
            for a in range(1, 4):
                act = ID + f"activiteit/{ref}-{t}-{year}-{a}"
                w.typed(act, "PlanActivity", f"Activiteit {a}", "000-sheet-3", gm)
                w.add(plan, MAG + "hasActivity", iri(act))
        for g, kind in enumerate(GOAL_KINDS, start=1):
            goal = ID + f"doel/{ref}-{t}-{g}"
            w.typed(goal, "Goal", f"Doel {t}.{g}", "001-slide-13", gm)
            w.add(goal, MAG + "goalKind", iri(MAGB + kind))
            w.add(goal, MAG + "theme", iri(theme))
            w.add(agenda, MAG + "hasGoal", iri(goal))
            for i in range(1, 3):
                ind = ID + f"indicator/{ref}-{t}-{g}-{i}"
                w.typed(ind, "Indicator", f"Indicator {t}.{g}.{i}", "000-sheet-3", gm)
                w.add(goal, MAG + "hasIndicator", iri(ind))
                for kind_obs, dataset, year in (("Nulmeting", startfoto, 2016),
                                                ("Streefwaarde", monitor, 2020),
                                                ("Meting", monitor, 2018),
                                                ("Meting", monitor, 2019)):
                    obs = ID + f"waarneming/{ref}-{t}-{g}-{i}-{kind_obs.lower()}-{year}"
                    w.typed(obs, "IndicatorObservation", f"{kind_obs} {year}", "001-slide-12", None)
                    w.add(obs, QB + "dataSet", iri(dataset))
                    w.add(obs, MAG + "indicator", iri(ind))
                    w.add(obs, MAG + "observationKind", iri(MAGB + kind_obs))
                    w.add(obs, MAG + "referenceYear", lit(str(year), datatype=XSD + "gYear"))
                    w.add(obs, MAG + "value", lit(f"{rng.uniform(10, 90):.1f}", datatype=XSD + "decimal"))

    # The klankbordgroep (seed 002).
    kbg = ID + f"groep/{ref}-klankbordgroep"
    w.typed(kbg, "SoundingBoardGroup", f"Klankbordgroep {ref}", "002-klankbordgroep", gm)
    for m in range(1, 9):
        person = ID + f"inwoner/{ref}-{m}"
        w.typed(person, "Resident", f"Inwoner {m} ({ref})", "002-klankbordgroep", gm)
        w.add(person, MAG + "residentOf", iri(gm))
        ra = ID + f"roltoewijzing/{ref}-kbg-lid-{m}"
        w.typed(ra, "RoleAssignment", f"Lid {m} klankbordgroep", "002-klankbordgroep", gm)
        w.add(ra, MAG + "holder", iri(person))
        w.add(ra, ORG + "role", iri(MAGB + "Lid"))
        w.add(ra, MAG + "inContext", iri(kbg))
        w.add(ra, MAG + "inPersonalCapacity", lit("true", datatype=XSD + "boolean"))
        term, begin, end = ra + "/termijn", ra + "/begin", ra + "/einde"
        w.add(ra, ORG + "memberDuring", iri(term))
        w.add(term, RDF_TYPE, iri(MAG + "Term"))
        w.add(term, TIME + "hasBeginning", iri(begin))
        w.add(term, TIME + "hasEnd", iri(end))
        w.add(begin, TIME + "inXSDDate", lit("2018-01-01", datatype=XSD + "date"))
        w.add(end, TIME + "inXSDDate", lit("2019-12-31", datatype=XSD + "date"))

    adviser = ID + f"roltoewijzing/{ref}-kbg-adviseur"  # R16: the buurtnetwerker advises the group
    w.typed(adviser, "RoleAssignment", f"Adviseur klankbordgroep {ref}", "002-buurtnetwerker", gm)
    w.add(adviser, MAG + "holder", iri(networker))
    w.add(adviser, ORG + "role", iri(MAGB + "Adviseur"))
    w.add(adviser, MAG + "inContext", iri(kbg))

    # Required consultations and their meetings (seed 002).
    for kind, freq, period, per_year in (("KlankbordgroepOverleg", 1, "PerKwartaal", 4),
                                         ("AmbtelijkOverleg", 4, "PerJaar", 4),
                                         ("WethouderOverleg", 4, "PerJaar", 4),
                                         ("RaadsOverleg", 2, "PerJaar", 2)):
        c = ID + f"overleg/{ref}-{kind.lower()}"
        w.typed(c, "Consultation", f"{kind} {ref}", "002-ambtelijk-overleg", gm)
        w.add(c, MAG + "consultationKind", iri(MAGB + kind))
        w.add(c, MAG + "minimumFrequency", lit(str(freq), datatype=XSD + "integer"))
        w.add(c, MAG + "frequencyPeriod", iri(MAGB + period))
        w.add(c, MAG + "chair", iri(leader))
        w.period(c, "2018-01-01", "2019-12-31")  # R19-R22: from when the frequency applies
        if kind == "KlankbordgroepOverleg":  # R19: the group takes part in its consultation
            w.add(c, MAG + "participant", iri(kbg))
        if kind == "AmbtelijkOverleg":  # R20: the officials advise
            officials = ID + f"roltoewijzing/{ref}-ambtelijk-adviseur"
            w.typed(officials, "RoleAssignment", f"Adviseur ambtelijk overleg {ref}", "002-ambtelijk-overleg", gm)
            w.add(officials, MAG + "holder", iri(leader))
            w.add(officials, ORG + "role", iri(MAGB + "Adviseur"))
            w.add(officials, MAG + "inContext", iri(c))
        for year in (2018, 2019):
            for q in range(per_year):
                meeting = c + f"/{year}-{q + 1}"
                w.typed(meeting, "Meeting", f"{kind} {year}-{q + 1}", "002-ambtelijk-overleg", None)
                w.add(meeting, MAG + "meetingOf", iri(c))
                w.date(meeting, f"{year}-{3 * q + 2:02d}-15")
                if kind == "RaadsOverleg":  # R22: the plan for next year, the account of last year
                    purpose = ("UitvoeringsplanVolgendJaar", "VerantwoordingVorigJaar")[q % 2]
                    w.add(meeting, MAG + "meetingPurpose", iri(MAGB + purpose))

    # Partnerships with dashboards, importance and timelines (seed 003).
    for p in range(1, partnerships + 1):
        vp = ID + f"samenwerking/{ref}-{p}"
        w.typed(vp, "AffiliatedParty", f"Verbonden partij {p} ({ref})", "003-1.1", gm)
        acc = ID + f"functie/{ref}-accounthouder-{p}"
        w.typed(acc, "Post", f"Accounthouder {p} ({ref})", "003-2.2", gm)
        w.add(acc, ORG + "role", iri(MAGB + "Accounthouder"))
        w.add(vp, MAG + "accounthouder", iri(acc))
        part = ID + f"deelname/{ref}-{p}"
        w.typed(part, "Participation", f"Deelname {p}", "003-1.1", gm)
        w.add(part, ORG + "member", iri(gm))
        w.add(part, ORG + "organization", iri(vp))
        w.add(part, MAG + "accessionDate", lit("2015-01-01", datatype=XSD + "date"))
        w.add(part, MAG + "representedBy", iri(college))
        dash = ID + f"dashboard/{ref}-{p}"
        w.typed(dash, "Dashboard", f"Dashboard {p}", "003-1.1", gm)
        w.add(dash, MAG + "dashboardOf", iri(vp))
        w.add(vp, MAG + "hasDashboard", iri(dash))
        for kind in ("GemeenschappelijkeRegeling", "Begroting", "Jaarverslag"):
            doc = ID + f"document/{ref}-{p}-{kind.lower()}"
            w.typed(doc, "Document", f"{kind} {p}", "003-1.1", gm)
            w.add(doc, MAG + "documentKind", iri(MAGB + kind))
            w.add(dash, MAG + "linksDocument", iri(doc))
        important = p % 3 == 0
        ass = ID + f"belangrijkheid/{ref}-{p}"
        w.typed(ass, "ImportanceAssessment", f"Belangrijkheid {p}", "003-1.2", gm)
        w.add(ass, MAG + "assesses", iri(vp))
        w.add(ass, MAG + "overallImportance",
              iri(MAGB + ("Belangrijk" if important else "MinderBelangrijk")))
        w.add(ass, MAG + "angle", iri(MAGB + "VeelMiddelen"))
        w.add(ass, MAG + "importanceLevel",
              iri(MAGB + ("PolitiekZeerBelangrijk" if important else "AmbtelijkBelangrijk")))
        for u, month in enumerate(("02", "05", "08", "10") if important else ("06",), start=1):
            upd = ID + f"actualisatie/{ref}-{p}-{u}"
            w.typed(upd, "DashboardUpdate", f"Actualisatie {p}.{u}", "003-2.2", None)
            w.add(dash, MAG + "hasUpdate", iri(upd))
            w.add(upd, PROV + "wasAssociatedWith", iri(acc))
            w.date(upd, f"2026-{month}-10")
        for k in range(1, 9):
            moment = ID + f"procesmoment/{ref}-{p}-{k}"
            w.typed(moment, "ProcessMoment", f"Procesmoment {p}.{k}", "003-1.3", None)
            w.add(moment, MAG + "onTimelineOf", iri(vp))
            w.add(moment, MAG + "momentKind", iri(MAGB + MOMENT_KINDS[k % 4]))
            kinds = FITTING_DOC_KINDS.get(MOMENT_KINDS[k % 4], DOC_KINDS)
            w.add(moment, MAG + "documentKind", iri(MAGB + kinds[k % len(kinds)]))
            w.add(moment, TIME + "inXSDDate", lit(f"2027-{k:02d}-01", datatype=XSD + "date"))
    yield from w.lines


def generate(municipalities: int, partnerships: int = 15, seed: int = 523) -> Iterator[str]:
    """N-Quads lines for the given number of synthetic municipalities."""
    rng = random.Random(seed)
    for index in range(municipalities):
        yield from municipality(index, partnerships, rng)


def write(path: Path, municipalities: int, partnerships: int = 15) -> int:
    """Writes the graph to ``path`` and returns the number of quads. The file appears
    only when complete (written beside it, then renamed), so an interrupted run never
    leaves a short file that a later run would take for the whole dataset."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    count = 0
    with partial.open("w", encoding="utf-8") as out:
        for line in generate(municipalities, partnerships):
            out.write(line)
            count += 1
    partial.replace(path)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--municipalities", type=int, default=342)
    parser.add_argument("--partnerships", type=int, default=15)
    parser.add_argument("-o", "--output", type=Path, default=Path("benchmarks/out/national.nq"))
    args = parser.parse_args(argv)
    count = write(args.output, args.municipalities, args.partnerships)
    print(f"{count} quads -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
