"""The vocabularies mag-graph uses, as rdflib namespaces.

The project's own vocabularies are ``DefinedNamespace`` classes (as rdflib does for
W3C vocabularies) so that a misspelt term fails at import time instead of silently
minting a new IRI. ``tests/test_ontology.py`` checks that these lists and the ontology
files agree.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import (
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    QB,
    RDF,
    RDFS,
    SH,
    SKOS,
    TIME,
    VANN,
    XSD,
    DefinedNamespace,
)

BASE = "https://data.mag-graph.nl/"

ONTOLOGY_IRI = URIRef(BASE + "def/mag")
CONCEPTS_IRI = URIRef(BASE + "def/mag/begrip")

SCHEMA = Namespace("https://schema.org/")
TOOI = Namespace("https://identifier.overheid.nl/tooi/id/")
TOOIONT = Namespace("https://identifier.overheid.nl/tooi/def/ont/")
MAGID = Namespace(BASE + "id/")
MAGG = Namespace(BASE + "graph/")


class MAG(DefinedNamespace):
    """Classes, properties and shapes of the mag-graph ontology (``ontology/mag.ttl``)."""

    _NS = Namespace(BASE + "def/mag#")
    _fail = True

    # Classes
    Advice: URIRef
    AffiliatedParty: URIRef
    Alderman: URIRef
    BaselineSnapshot: URIRef
    BreakthroughBudget: URIRef
    Budget: URIRef
    Business: URIRef
    Consultation: URIRef
    CoreTeam: URIRef
    Dashboard: URIRef
    DashboardUpdate: URIRef
    DataGraph: URIRef
    Decision: URIRef
    Deliverable: URIRef
    Document: URIRef
    EditorialGroup: URIRef
    Evaluation: URIRef
    ExecutingOrganisation: URIRef
    Goal: URIRef
    GoverningBody: URIRef
    Grant: URIRef
    Group: URIRef
    ImplementationPlan: URIRef
    ImportanceAssessment: URIRef
    Indicator: URIRef
    IndicatorDataSet: URIRef
    IndicatorObservation: URIRef
    Initiative: URIRef
    MagAssignment: URIRef
    Meeting: URIRef
    MunicipalCouncil: URIRef
    MunicipalExecutive: URIRef
    Municipality: URIRef
    OuterCircle: URIRef
    Participation: URIRef
    PartnerOrganisation: URIRef
    Partnership: URIRef
    PerformanceDialogue: URIRef
    Plan: URIRef
    PlanActivity: URIRef
    Post: URIRef
    ProcessMoment: URIRef
    ProfessionalOrganisation: URIRef
    Project: URIRef
    ProjectGroup: URIRef
    Resident: URIRef
    Responsibility: URIRef
    RoleAssignment: URIRef
    SocialAgenda: URIRef
    SocialIssue: URIRef
    SoundingBoardGroup: URIRef
    oin: URIRef
    kvkNumber: URIRef
    inhabitants: URIRef
    councilSeats: URIRef
    rule: URIRef
    referenceDate: URIRef
    sourceQuote: URIRef
    SourceDocument: URIRef
    SourceLocation: URIRef
    Term: URIRef
    Theme: URIRef
    VoluntaryAssociation: URIRef
    VolunteerOrganisation: URIRef

    # Object properties
    about: URIRef
    accountableTo: URIRef
    accounthouder: URIRef
    addressesIssue: URIRef
    adviser: URIRef
    afterEvaluation: URIRef
    amount: URIRef
    angle: URIRef
    applicant: URIRef
    assesses: URIRef
    assignedTo: URIRef
    attendee: URIRef
    audience: URIRef
    basedOn: URIRef
    budgetKind: URIRef
    carriedOutBy: URIRef
    chair: URIRef
    commissionedBy: URIRef
    concerns: URIRef
    consultationKind: URIRef
    contractedBy: URIRef
    contributesToGoal: URIRef
    dashboardOf: URIRef
    decisionKind: URIRef
    decisionOn: URIRef
    derivedFrom: URIRef
    documentKind: URIRef
    evaluates: URIRef
    executingBody: URIRef
    extensionOf: URIRef
    forInitiative: URIRef
    foundingDocument: URIRef
    frequencyPeriod: URIRef
    goalKind: URIRef
    grantedBy: URIRef
    grantedTo: URIRef
    hasActivity: URIRef
    hasBudget: URIRef
    hasConsultation: URIRef
    hasDashboard: URIRef
    assignmentDocument: URIRef
    hasDeliverable: URIRef
    hasGoal: URIRef
    hasIndicator: URIRef
    hasInterestIn: URIRef
    hasPart: URIRef
    hasPerformanceDialogue: URIRef
    hasPlan: URIRef
    hasProjectGroup: URIRef
    hasTheme: URIRef
    hasUpdate: URIRef
    heldBy: URIRef
    holder: URIRef
    importanceLevel: URIRef
    inContext: URIRef
    inSourceDocument: URIRef
    indicator: URIRef
    involvedIn: URIRef
    legalForm: URIRef
    linksDocument: URIRef
    managedBy: URIRef
    meetingOf: URIRef
    meetingPurpose: URIRef
    momentKind: URIRef
    municipality: URIRef
    observationKind: URIRef
    onTimelineOf: URIRef
    overallImportance: URIRef
    partOfBudget: URIRef
    participant: URIRef
    participatesIn: URIRef
    period: URIRef
    phase: URIRef
    raciKind: URIRef
    representedBy: URIRef
    requestedAmount: URIRef
    residentOf: URIRef
    spokesperson: URIRef
    submittedTo: URIRef
    taskKind: URIRef
    theme: URIRef
    towards: URIRef
    withDocument: URIRef
    writtenBy: URIRef

    # Datatype properties
    accessionDate: URIRef
    cbsCode: URIRef
    dueDate: URIRef
    fileName: URIRef
    fiscalYear: URIRef
    forYear: URIRef
    illustrative: URIRef
    inPersonalCapacity: URIRef
    locator: URIRef
    minimumFrequency: URIRef
    order: URIRef
    purpose: URIRef
    rationale: URIRef
    referenceYear: URIRef
    rooId: URIRef
    topic: URIRef
    unitOfMeasure: URIRef
    value: URIRef

    # Data Cube structure
    IndicatorStructure: URIRef

    # SHACL shapes (shapes/*.ttl) are added here with the shapes; the ontology test
    # compares only classes, properties and the DSD above with ontology/mag.ttl.


class MAGB(DefinedNamespace):
    """SKOS concepts and concept schemes (``ontology/mag-begrippen.ttl``)."""

    _NS = Namespace(BASE + "def/mag/begrip/")
    _fail = True

    # Phases of the MAG cycle
    Fasen: URIRef
    Opstellen: URIRef
    Vaststellen: URIRef
    Uitvoering: URIRef
    MonitoringEnControle: URIRef

    # RACI kinds
    RaciSoorten: URIRef
    Responsible: URIRef
    Accountable: URIRef
    Consulted: URIRef
    Informed: URIRef

    # Task kinds
    Taaksoorten: URIRef
    TaakOpstellen: URIRef
    TaakVaststellen: URIRef
    TaakFaciliteren: URIRef
    TaakVoorbereiden: URIRef
    TaakVertalen: URIRef
    TaakBudgetVerdelen: URIRef
    TaakContracteren: URIRef
    TaakUitvoeren: URIRef
    TaakSturen: URIRef
    TaakOndersteunen: URIRef
    TaakVerbinden: URIRef
    TaakSamenwerken: URIRef
    TaakStimuleren: URIRef
    TaakBeheren: URIRef
    TaakVertegenwoordigen: URIRef
    TaakVerantwoorden: URIRef
    TaakFinancieelVerantwoorden: URIRef
    TaakInhoudelijkVerantwoorden: URIRef
    TaakControleren: URIRef
    TaakBeoordelen: URIRef
    TaakMonitoren: URIRef
    TaakAdviseren: URIRef
    TaakInformeren: URIRef
    TaakOverleggen: URIRef
    TaakVoorzitten: URIRef
    TaakRapporteren: URIRef
    TaakSignaleren: URIRef
    TaakPromoten: URIRef
    TaakActualiseren: URIRef

    # Roles
    Rollen: URIRef
    Penvoerder: URIRef
    MagPartner: URIRef
    Adviseur: URIRef
    Voorzitter: URIRef
    Lid: URIRef
    BestuurlijkOpdrachtgever: URIRef
    AmbtelijkOpdrachtgever: URIRef
    AmbtelijkOpdrachtnemer: URIRef
    Projectleider: URIRef
    Buurtnetwerker: URIRef
    Accounthouder: URIRef
    Portefeuillehouder: URIRef
    Uitvoerder: URIRef
    Deelnemer: URIRef
    Besluitvormer: URIRef

    # Goal kinds
    Doelsoorten: URIRef
    Verbetering: URIRef
    Versterking: URIRef
    Verbinding: URIRef
    Behoud: URIRef

    # Document kinds
    Documentsoorten: URIRef
    Kadernota: URIRef
    Ontwerpbegroting: URIRef
    Begroting: URIRef
    VoorlopigJaarverslag: URIRef
    Jaarverslag: URIRef
    Jaarrekening: URIRef
    Kwartaalrapportage: URIRef
    Voortgangsrapportage: URIRef
    Halfjaarrapportage: URIRef
    Jaarrapportage: URIRef
    Uitvoeringsplan: URIRef
    Zienswijze: URIRef
    Verordening: URIRef
    GemeenschappelijkeRegeling: URIRef
    Statuten: URIRef
    Projectopdracht: URIRef
    MagKader: URIRef
    Uitvoeringskader: URIRef

    # Process moment kinds
    Momentsoorten: URIRef
    Informatiemoment: URIRef
    Invloedsmoment: URIRef
    PolitiekeKeuze: URIRef
    Bijeenkomst: URIRef

    # Consultation kinds
    Overlegsoorten: URIRef
    AmbtelijkOverleg: URIRef
    WethouderOverleg: URIRef
    RaadsOverleg: URIRef
    KlankbordgroepOverleg: URIRef
    Voortgangsgesprek: URIRef
    Driehoeksoverleg: URIRef
    KernteamOverleg: URIRef
    SchilOverleg: URIRef
    RedactiegroepOverleg: URIRef

    # Frequency periods
    Frequentieperioden: URIRef
    PerKwartaal: URIRef
    PerHalfjaar: URIRef
    PerJaar: URIRef

    # Importance angles
    Invalshoeken: URIRef
    ZwaarwegendeOpgave: URIRef
    GroteKansen: URIRef
    GroteRisicos: URIRef
    VeelMiddelen: URIRef

    # Importance
    Belangrijkheid: URIRef
    PolitiekZeerBelangrijk: URIRef
    PolitiekBelangrijk: URIRef
    BestuurlijkBelangrijk: URIRef
    AmbtelijkBelangrijk: URIRef
    Belangrijk: URIRef
    MinderBelangrijk: URIRef

    # Legal forms of collaboration
    Bestuursorgaansoorten: URIRef
    Gemeenteraad: URIRef
    CollegeVanBenW: URIRef
    Burgemeester: URIRef
    Samenwerkingsvormen: URIRef
    OpenbaarLichaam: URIRef
    GemeenschappelijkOrgaan: URIRef
    Bedrijfsvoeringsorganisatie: URIRef
    CentrumgemeenteConstructie: URIRef
    RegelingZonderMeer: URIRef
    Stichting: URIRef

    # Observation kinds
    Waarnemingssoorten: URIRef
    Nulmeting: URIRef
    Streefwaarde: URIRef
    Meting: URIRef

    # Budget kinds
    Budgetsoorten: URIRef
    Totaalbudget: URIRef
    Themabudget: URIRef
    Planbudget: URIRef
    Projectbudget: URIRef
    StructureleRaming: URIRef
    Doorbraakbudget: URIRef

    # Decision kinds
    Besluitsoorten: URIRef
    Vaststelling: URIRef
    Bekrachtiging: URIRef
    Verdeling: URIRef
    Gunning: URIRef

    # Meeting purposes
    Bijeenkomstdoelen: URIRef
    UitvoeringsplanVolgendJaar: URIRef
    VerantwoordingVorigJaar: URIRef
    Voortgang: URIRef


class Graphs:
    """The named graphs of a mag-graph store (see docs/model.md)."""

    ONTOLOGY = MAGG["ontologie"]
    SOURCES = MAGG["bronnen"]
    CATALOGUE = MAGG["catalogus"]
    HARDINXVELD_GIESSENDAM = MAGG["hardinxveld-giessendam"]
    HARDINXVELD_GIESSENDAM_ILLUSTRATIVE = MAGG["hardinxveld-giessendam-illustratief"]
    MAASSLUIS = MAGG["maassluis"]
    MAASSLUIS_ILLUSTRATIVE = MAGG["maassluis-illustratief"]
    MOLENLANDEN = MAGG["molenlanden"]
    MOLENLANDEN_ILLUSTRATIVE = MAGG["molenlanden-illustratief"]


MUNICIPALITIES = {
    "hardinxveld-giessendam": TOOI["gemeente/gm0523"],
    "maassluis": TOOI["gemeente/gm0556"],
    "molenlanden": TOOI["gemeente/gm1978"],
}

# Prefixes bound when serialising and offered to SPARQL queries.
PREFIXES: dict[str, str] = {
    "mag": str(MAG._NS),
    "magb": str(MAGB._NS),
    "magid": str(MAGID),
    "magg": str(MAGG),
    "tooi": str(TOOI),
    "tooiont": str(TOOIONT),
    "org": str(ORG),
    "prov": str(PROV),
    "skos": str(SKOS),
    "qb": str(QB),
    "time": str(TIME),
    "dcterms": str(DCTERMS),
    "schema": str(SCHEMA),
    "foaf": str(FOAF),
    "vann": str(VANN),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
}


def sparql_prologue() -> str:
    """PREFIX declarations for every prefix above, for queries written by people."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(PREFIXES.items()))
