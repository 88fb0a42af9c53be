"""The open-data importers (mag_graph.opendata): TOOI, gemeenten, regelingen, CBS.

Everything runs on the small fixtures in tests/fixtures/opendata (real records in the real
formats, trimmed), never on ../shared/. The promises under test: the mapping to the
project ontology, linking to the example by IRI (no duplicates), per-record error reports,
``strict`` all-or-nothing, idempotent re-imports, the SHACL checks OD01-OD04 and the
questions q15-q18.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, RDF, RDFS, SKOS

from mag_graph import opendata, questions, validation
from mag_graph.namespaces import MAG, MAGB, MAGG, MAGID, TOOI, TOOIONT
from mag_graph.opendata.common import ImportFailed, NewTerms
from mag_graph.opendata.regelingen import regeling_slug, short_name
from mag_graph.store import Store
from mag_graph.store.bootstrap import initialise

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # plain: rdflib's XSD warns on unknown names
OPENDATA = Path(__file__).resolve().parent / "fixtures" / "opendata"
TOOI_DIR = OPENDATA / "tooi"
GEMEENTEN_DIR = OPENDATA / "gemeenten"
REGELINGEN_DIR = OPENDATA / "regelingen"
CBS_FILE = OPENDATA / "cbs" / "85984NED-GM0523.json"

MS = TOOI["gemeente/gm0556"]
HG = TOOI["gemeente/gm0523"]
ML = TOOI["gemeente/gm1978"]
GIESSENLANDEN = TOOI["gemeente/gm0689"]
STROOM = MAGID["samenwerking/stroomopwaarts-mvs"]
REFERENCE_DATE = dt.date(2026, 11, 1)


# The imports run on the embedded store and on a remote store on `oxigraph serve`.
KINDS = ["memory", "oxigraph"]


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, store_of_kind: Any) -> Store:
    return store_of_kind(request.param)


@pytest.fixture(params=KINDS)
def example(request: pytest.FixtureRequest, store_of_kind: Any) -> Store:
    """The shipped ontology, shapes and example data."""
    s = store_of_kind(request.param)
    initialise(s)
    return s


@pytest.fixture
def linked(example: Store) -> Store:
    """The example with every fixture imported on top."""
    opendata.import_tooi(example, [TOOI_DIR])
    opendata.import_gemeenten(example, [GEMEENTEN_DIR])
    opendata.import_regelingen(example, [REGELINGEN_DIR])
    opendata.import_cbs(example, files=[CBS_FILE], municipality="GM0523")
    return example


def objects(store: Store, subject: URIRef, predicate: URIRef) -> set:
    return {o for _, _, o, _ in store.quads(subject, predicate, None)}


def count(store: Store, sparql: str) -> int:
    return int(store.query(sparql).rows[0][0])


# --------------------------------------------------------------------------- TOOI


def test_tooi_keeps_tooi_iris_and_adds_class_and_cbs_code(store: Store) -> None:
    report = opendata.import_tooi(store, [TOOI_DIR])
    assert report.skipped == [] and report.records_read == 9
    assert report.details == {"gemeente": 4, "provincie": 2}
    assert {str(g) for g in store.graphs()} == {str(MAGG["tooi-gemeenten"]), str(MAGG["tooi-provincies"])}
    assert {MAG.Municipality, TOOIONT.Gemeente} <= objects(store, MS, RDF.type)
    assert objects(store, MS, MAG.cbsCode) == {Literal("GM0556")}
    assert objects(store, MS, RDFS.label) == {Literal("gemeente Maassluis", lang="nl")}
    assert objects(store, TOOI["provincie/pv28"], RDF.type) == {TOOIONT.Provincie}
    # Historical municipalities keep their end date; the merger that made Molenlanden stays.
    assert objects(store, GIESSENLANDEN, TOOIONT.einddatum) == {Literal("2018-12-31", datatype=XSD.date)}
    merger = count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?e a tooiont:Samenvoeging ; prov:generated <{ML}> ; prov:invalidated <{GIESSENLANDEN}> }}")
    assert merger == 1
    # The register node loses owl:Ontology and owl:imports, and every node cites it.
    assert not list(store.quads(None, OWL.imports, None)) and not list(store.quads(None, RDF.type, OWL.Ontology))
    register = URIRef("https://identifier.overheid.nl/tooi/set/rwc_gemeenten_compleet/4")
    assert MAG.SourceLocation in objects(store, register, RDF.type)
    assert objects(store, MS, DCTERMS.source) == {register}


def test_tooi_links_the_example_municipalities_without_doubling_labels(linked: Store) -> None:
    for municipality, name in ((MS, "Maassluis"), (HG, "Hardinxveld-Giessendam"), (ML, "Molenlanden")):
        assert objects(linked, municipality, TOOIONT.officieleNaamExclSoort) == {Literal(name)}
        dutch = {label for label in objects(linked, municipality, RDFS.label) if label.language == "nl"}
        assert dutch == {Literal(f"gemeente {name}", lang="nl")}
        assert len(objects(linked, municipality, MAG.cbsCode)) == 1
    assert objects(linked, ML, TOOIONT.begindatum) == {Literal("2019-01-01", datatype=XSD.date)}


def test_tooi_broken_json_is_reported(store: Store, tmp_path: Path) -> None:
    broken = tmp_path / "rwc_gemeenten_compleet_9.json"
    broken.write_text('[{"@id": "https://identifier.overheid.nl/tooi/id/gemeente/gm0556",', encoding="utf-8")
    report = opendata.import_tooi(store, [TOOI_DIR / "rwc_provincies_compleet_1.json", broken])
    assert [s.file for s in report.skipped] == [str(broken)]
    assert "ongeldige JSON" in report.skipped[0].reason
    with pytest.raises(ImportFailed, match="--strict"):
        opendata.import_tooi(store, [broken], strict=True)


# --------------------------------------------------------------------------- gemeenten


def test_gemeenten_identifiers_inhabitants_and_council(store: Store) -> None:
    report = opendata.import_gemeenten(store, [GEMEENTEN_DIR])
    assert report.records_read == 6 and report.records_imported == 4
    assert [(s.record, "TOOI" in s.reason) for s in report.skipped] == [("org:gemeente-boskoop", True)]
    assert [s.record for s in report.ignored] == ["org:gemeente-centrum"]  # a stadsdeel
    assert objects(store, MS, MAG.rooId) == {Literal("30349")}
    assert objects(store, MS, NewTerms_iri("kvkNumber")) == {Literal("24484110")}
    assert objects(store, MS, OWL.sameAs) == {URIRef("http://www.wikidata.org/entity/Q497130")}
    assert objects(store, MS, NewTerms_iri("inhabitants")) == {Literal(37125)}
    # YAML 1.1 would read this unquoted OIN as a number without its leading zeros.
    assert objects(store, HG, NewTerms_iri("oin")) == {Literal("00000001002008221000")}
    council = MAGID["orgaan/ms-gemeenteraad"]  # the example's own council of Maassluis
    assert objects(store, council, ORG.unitOf) == {MS}
    assert objects(store, council, NewTerms_iri("councilSeats")) == {Literal(25)}
    seats = count(store, f"SELECT (SUM(?n) AS ?s) WHERE {{ ?f org:unitOf <{council}> ; mag:councilSeats ?n }}")
    assert seats == 25
    assert objects(store, GIESSENLANDEN, DCTERMS.isReplacedBy) == {ML}
    assert objects(store, ML, DCTERMS.replaces) == {GIESSENLANDEN}
    roo = URIRef("https://organisaties.overheid.nl/30349/maassluis")
    assert objects(store, MS, DCTERMS.source) == {roo}
    assert objects(store, roo, MAG.inSourceDocument) == {URIRef("https://data.mag-graph.nl/id/bron/roo")}


def NewTerms_iri(name: str) -> URIRef:
    return URIRef(getattr(NewTerms, name).value)


def test_gemeenten_strict_refuses_everything(store: Store, quad_snapshot) -> None:
    opendata.import_tooi(store, [TOOI_DIR])
    before = quad_snapshot(store)
    with pytest.raises(ImportFailed) as failure:
        opendata.import_gemeenten(store, [GEMEENTEN_DIR], strict=True)
    assert "boskoop.yaml" in str(failure.value) and "nothing was imported" in str(failure.value)
    assert quad_snapshot(store) == before


# --------------------------------------------------------------------------- regelingen


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Gemeenschappelijke regeling Stroomopwaarts MVS", "stroomopwaarts-mvs"),
        ("Gemeenschappelijke Regeling Jeugdhulp Rijnmond", "jeugdhulp-rijnmond"),
        ("Gemeenschappelijke regeling openbaar lichaam Rogplus", "rogplus"),
        ("Gemeenschappelijke Regeling Voor de Veiligheidsregio Rotterdam-Rijnmond", "veiligheidsregio-rotterdam-rijnmond"),
        ("Gemeenschappelijke regeling Gemeentelijke Gezondheidsdienst Rotterdam-Rijnmond (GGD Rotterdam-Rijnmond)",
         "ggd-rotterdam-rijnmond"),
        ("gemeenschappelijke regeling DCMR Milieudienst Rijnmond 2015", "dcmr-milieudienst-rijnmond"),
        ("Gemeenschappelijke Regeling Metropoolregio Rotterdam Den Haag 2014", "metropoolregio-rotterdam-den-haag"),
        ("Derde wijziging Gemeenschappelijke Regeling SVHW 2023", "svhw"),
        ("‘IJmond Werkt! 2024, 4de wijziging’", "ijmond-werkt"),
    ],
)
def test_slugs_are_the_examples(title: str, slug: str) -> None:
    assert regeling_slug(title) == slug


def test_example_partnership_slugs_match_data_maassluis() -> None:
    text = (Path(__file__).resolve().parent.parent / "data" / "maassluis.trig").read_text(encoding="utf-8")
    import re

    for slug, alt in re.findall(r"samenwerking:([a-z0-9-]+)\n\s+a mag:AffiliatedParty ;.*?skos:altLabel \"([^\"]+)\"", text, re.DOTALL):
        assert regeling_slug(alt) == slug
        assert short_name(alt)  # and a readable name


def test_regelingen_map_partnership_versions_and_participants(store: Store) -> None:
    report = opendata.import_regelingen(store, [REGELINGEN_DIR])
    assert report.records_read == 9
    skipped = {Path(s.file).name: s for s in report.skipped}
    assert set(skipped) == {"kapot-syntax.yaml", "gemeenschappelijke-regeling-ongeldige-datum-99999902.yaml"}
    assert "regel / line 13" in skipped["kapot-syntax.yaml"].reason
    assert skipped["gemeenschappelijke-regeling-ongeldige-datum-99999902.yaml"].record.endswith("99999902")
    assert "2020-02-30" in skipped["gemeenschappelijke-regeling-ongeldige-datum-99999902.yaml"].reason
    assert [Path(s.file).name for s in report.ignored] == ["brandweer.yaml"]
    assert report.details["samenwerkingsverbanden / partnerships"] == 4

    assert objects(store, STROOM, RDF.type) == {MAG.Partnership}
    assert objects(store, STROOM, RDFS.label) == {Literal("Stroomopwaarts MVS", lang="nl")}
    assert objects(store, STROOM, MAG.rooId) == {Literal("29942061")}  # the current version
    assert objects(store, STROOM, MAG.legalForm) == {MAGB.OpenbaarLichaam}
    body = TOOI["so/so0851"]
    assert objects(store, STROOM, MAG.executingBody) == {body}
    assert MAG.ExecutingOrganisation in objects(store, body, RDF.type)
    assert Literal("62911872") in objects(store, body, NewTerms_iri("kvkNumber"))  # from its own record
    assert URIRef("https://identifier.overheid.nl/tooi/def/thes/top/c_9d1917e9") in objects(store, STROOM, DCTERMS.subject)
    purpose = objects(store, STROOM, MAG.purpose)
    assert len(purpose) == 1 and "sociaal domein" in str(next(iter(purpose)))

    # One partnership, two versions: the current one and the previous one with its period.
    founding = MAGID["document/gr-stroomopwaarts-mvs"]
    assert objects(store, STROOM, MAG.foundingDocument) == {founding}
    old, new = MAGID["document/gr-stroomopwaarts-mvs-28468565"], MAGID["document/gr-stroomopwaarts-mvs-29942061"]
    assert objects(store, founding, DCTERMS.hasVersion) == {old, new}
    assert objects(store, new, DCTERMS.replaces) == {old}
    period = store.query(
        f"SELECT ?b ?e WHERE {{ <{old}> mag:period ?p . ?p time:hasBeginning/time:inXSDDate ?b ; time:hasEnd/time:inXSDDate ?e }}"
    ).rows
    assert period == [(Literal("2021-07-17", datatype=XSD.date), Literal("2023-12-31", datatype=XSD.date))]
    assert not objects(store, STROOM, MAG.period)  # still in force

    # Participants: the example's IRIs for Maassluis, {slug}-{gm code} for the others.
    participation = MAGID["deelname/ms-stroomopwaarts-mvs"]
    assert objects(store, participation, ORG.member) == {MS}
    assert objects(store, participation, ORG.organization) == {STROOM}
    assert objects(store, participation, MAG.accessionDate) == {Literal("2015-02-01", datatype=XSD.date)}
    assert objects(store, participation, MAG.representedBy) == {MAGID["orgaan/ms-college"]}
    assert objects(store, MAGID["orgaan/ms-college"], ORG.classification) == {MAGB.CollegeVanBenW}
    assert objects(store, MAGID["deelname/stroomopwaarts-mvs-gm0606"], ORG.member) == {TOOI["gemeente/gm0606"]}


def test_an_ended_regeling_has_an_end(store: Store) -> None:
    opendata.import_regelingen(store, [REGELINGEN_DIR])
    avelingen = MAGID["samenwerking/werkvoorzieningsschap-de-avelingen-groep"]
    ends = store.query(f"SELECT ?e WHERE {{ <{avelingen}> mag:period/time:hasEnd/time:inXSDDate ?e }}").rows
    assert ends == [(Literal("2015-12-31", datatype=XSD.date),)]
    # A participant without a TOOI IRI gets one built on its ROO id.
    members = objects(store, MAGID["deelname/werkvoorzieningsschap-de-avelingen-groep-roo34252"], ORG.member)
    assert members == {MAGID["organisatie/roo-34252"]}


def test_the_example_and_the_register_link_instead_of_duplicating(example: Store) -> None:
    sizes_before = example.graph_sizes()
    opendata.import_regelingen(example, [REGELINGEN_DIR / "gemeenschappelijke-regeling-stroomopwaarts-mvs-29942061.yaml"])
    assert count(example, 'SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a ?kind ; mag:rooId "29942061" . VALUES ?kind { mag:Partnership mag:AffiliatedParty } }') == 1
    assert count(example, f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d org:member <{MS}> ; org:organization <{STROOM}> }}") == 1
    assert count(example, f"SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE {{ <{STROOM}> rdfs:label|skos:altLabel ?l }}") == 2
    assert count(example, f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ <{STROOM}> mag:foundingDocument ?d }}") == 1
    participations = count(example, f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d org:organization <{STROOM}> }}")
    assert participations == 3  # Maassluis, Schiedam, Vlaardingen: the example's three
    # The example graphs themselves are untouched.
    after = example.graph_sizes()
    assert all(after[g] == n for g, n in sizes_before.items())


def test_reimporting_is_idempotent(example: Store) -> None:
    def run() -> list[opendata.ImportReport]:
        return [
            opendata.import_tooi(example, [TOOI_DIR]),
            opendata.import_gemeenten(example, [GEMEENTEN_DIR]),
            opendata.import_regelingen(example, [REGELINGEN_DIR]),
            opendata.import_cbs(example, files=[CBS_FILE]),
        ]

    run()
    first = example.graph_sizes()
    reports = run()
    assert example.graph_sizes() == first
    assert all((r.added, r.removed) == (0, 0) for r in reports)  # nothing written the second time


def test_regelingen_strict_and_missing_paths(store: Store, quad_snapshot) -> None:
    opendata.import_regelingen(store, [REGELINGEN_DIR / "gemeenschappelijke-regeling-sportpark-souburgh.yaml"])
    before = quad_snapshot(store)
    with pytest.raises(ImportFailed, match="kapot-syntax.yaml"):
        opendata.import_regelingen(store, [REGELINGEN_DIR], strict=True)
    with pytest.raises(ImportFailed, match="pad niet gevonden.*path not found"):
        opendata.import_regelingen(store, [REGELINGEN_DIR / "bestaat-niet.yaml"])
    assert quad_snapshot(store) == before


def _regeling(path: Path, roo: str, title: str, participants: list[str], start: str, end: str | None = None) -> None:
    lines = [
        f"id: org:gr-test-{roo}",
        "type: gemeenschappelijke-regeling",
        "identifiers:",
        f"  roo_id: '{roo}'",
        "names:",
        f"- value: {title}",
        f"  valid_from: '{start}'",
        "gr_meta:",
        f"  citeertitel: {title}",
        "  samenwerkingsvorm:",
        "    value: Openbaar lichaam",
        "  deelnemende_organisaties:",
    ]
    for code in participants:
        lines += [f"  - naam: Gemeente {code}", f"    tooi: https://identifier.overheid.nl/tooi/id/gemeente/{code}",
                  f"    toetredings_datum: '{start}'"]
    lines.append(f"  datum_inwerkingtreding: '{start}'")
    if end:
        lines.append(f"  datum_uitwerkingtreding: '{end}'")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_same_name_versions_merge_and_unrelated_namesakes_keep_their_year(store: Store, tmp_path: Path) -> None:
    # Two versions a year apart in the name, sharing participants: one partnership.
    _regeling(tmp_path / "a.yaml", "1001", "Gemeenschappelijke regeling Afval Test 2015", ["gm0001", "gm0002"], "2015-01-01", "2021-01-01")
    _regeling(tmp_path / "b.yaml", "1002", "Gemeenschappelijke regeling Afval Test 2021", ["gm0001", "gm0002"], "2021-01-01")
    # Two unrelated regelingen with one name but for the year (no shared participant).
    _regeling(tmp_path / "c.yaml", "2001", "Gemeenschappelijke regeling Sociale Zaken 2008", ["gm0003"], "2008-01-01")
    _regeling(tmp_path / "d.yaml", "2002", "Gemeenschappelijke regeling Sociale Zaken 2016", ["gm0004"], "2016-01-01")
    report = opendata.import_regelingen(store, [tmp_path])
    assert report.skipped == []
    partnerships = {str(s) for s, _, _, _ in store.quads(None, RDF.type, MAG.Partnership)}
    assert partnerships == {
        str(MAGID["samenwerking/afval-test"]),
        str(MAGID["samenwerking/sociale-zaken-2008"]),
        str(MAGID["samenwerking/sociale-zaken-2016"]),
    }
    assert objects(store, MAGID["samenwerking/afval-test"], MAG.rooId) == {Literal("1002")}


# --------------------------------------------------------------------------- CBS


def test_cbs_rows_become_baseline_observations(store: Store) -> None:
    report = opendata.import_cbs(store, files=[CBS_FILE], municipality="gm0523")
    assert report.skipped == [] and report.details == {"waarnemingen / observations": 7}
    assert [str(g) for g in store.graphs()] == [str(MAGG["cbs-85984ned-gm0523"])]
    dataset = MAGID["startfoto/hg-cbs-85984ned"]
    assert {MAG.BaselineSnapshot} == objects(store, dataset, RDF.type)
    assert objects(store, dataset, MAG.municipality) == {HG}
    observation = MAGID["waarneming/hg-cbs-85984ned-aantal-inwoners-2024"]
    assert objects(store, observation, MAG.value) == {Literal("19402", datatype=XSD.decimal)}
    assert objects(store, observation, MAG.referenceYear) == {Literal("2024", datatype=XSD.gYear)}
    assert objects(store, observation, MAG.observationKind) == {MAGB.Nulmeting}
    assert objects(store, observation, URIRef("http://purl.org/linked-data/cube#dataSet")) == {dataset}
    indicator = MAGID["indicator/cbs-aantal-inwoners"]
    assert objects(store, indicator, MAG.unitOfMeasure) == {Literal("aantal")}
    assert objects(store, indicator, SKOS.notation) == {Literal("AantalInwoners")}
    assert objects(store, MAGID["waarneming/hg-cbs-85984ned-gemiddelde-huishoudensgrootte-2024"], MAG.value) == {
        Literal("2.43", datatype=XSD.decimal)
    }
    # Text columns, empty cells, the wijk, the buurt and the country give nothing.
    assert not objects(store, MAGID["waarneming/hg-cbs-85984ned-gemiddeld-inkomen-per-inwoner-2024"], MAG.value)
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?o a mag:IndicatorObservation }") == 7


def test_cbs_observations_meet_r06(linked: Store) -> None:
    report = validation.validate(linked, date=REFERENCE_DATE, rules=["R06"])
    assert report.results == []


def test_cbs_odata_response_and_plain_rows(store: Store, tmp_path: Path) -> None:
    rows = json.loads(CBS_FILE.read_text(encoding="utf-8"))["TypedDataSet"]
    odata = tmp_path / "odata.json"
    odata.write_text(json.dumps({"odata.metadata": "https://opendata.cbs.nl/ODataApi/OData/85984NED/$metadata#Cbs.OData.WebAPI.TypedDataSet",
                                 "value": rows}), encoding="utf-8")
    with pytest.raises(ImportFailed, match="--year"):
        opendata.import_cbs(store, files=[odata])
    report = opendata.import_cbs(store, files=[odata], year=2024)
    # Without DataProperties the numeric columns are found by value (the null one is not).
    assert report.details == {"waarnemingen / observations": 7}
    assert objects(store, MAGID["indicator/cbs-aantal-inwoners"], RDFS.label) == {Literal("AantalInwoners_5", lang="nl")}

    plain = tmp_path / "rows.json"
    plain.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(ImportFailed, match="tabelnummer|table id"):
        opendata.import_cbs(store, files=[plain], year=2024)
    assert opendata.import_cbs(store, files=[plain], table="85984NED", year=2024).skipped == []

    # With DataProperties a number column is known: text in it skips the row (the record).
    full = json.loads(CBS_FILE.read_text(encoding="utf-8"))
    full["TypedDataSet"][1]["AantalInwoners_5"] = "veel"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(full), encoding="utf-8")
    report = opendata.import_cbs(store, files=[broken])
    assert [(s.record, s.reason) for s in report.skipped] == [
        ("GM0523 rij / row 1234", "AantalInwoners_5: 'veel' is geen getal / is not a number")
    ]
    with pytest.raises(ImportFailed, match="--strict"):
        opendata.import_cbs(store, files=[broken], strict=True)
    with pytest.raises(ImportFailed, match="GM0556"):
        opendata.import_cbs(store, files=[CBS_FILE], municipality="GM0556")


def test_cbs_live_download_with_cbsodata_and_save(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The live path (cbsodata) without a network: cbsodata answers with the fixture."""
    import cbsodata

    saved = json.loads(CBS_FILE.read_text(encoding="utf-8"))
    calls: list[tuple] = []

    def get_meta(table, name, **kwargs):
        calls.append(("meta", table, name))
        return saved[name]

    def download_data(table, typed=False, filters=None, **kwargs):
        calls.append(("data", table, filters, typed))
        return saved

    monkeypatch.setattr(cbsodata, "get_meta", get_meta)
    monkeypatch.setattr(cbsodata, "download_data", download_data)
    target = tmp_path / "saved.json"
    report = opendata.import_cbs(store, table="85984ned", municipality="0523", save=target)
    assert ("data", "85984NED", "startswith(WijkenEnBuurten,'GM0523')", True) in calls
    assert report.details == {"waarnemingen / observations": 7}
    # What was saved imports again, offline, to the same graph content.
    before = store.graph_sizes()
    again = opendata.import_cbs(store, files=[target], municipality="GM0523")
    assert (again.added, again.removed) == (0, 0) and store.graph_sizes() == before


def test_cbs_live_download_failures_are_clear(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import cbsodata
    import requests

    def refused(*args, **kwargs):
        raise requests.ConnectionError("no network")

    monkeypatch.setattr(cbsodata, "get_meta", refused)
    with pytest.raises(ImportFailed, match="niet bereikbaar.*--file"):
        opendata.import_cbs(store, table="85984NED", municipality="GM0523")

    def not_found(*args, **kwargs):
        response = requests.Response()
        response.status_code = 404
        raise requests.HTTPError("404", response=response)

    monkeypatch.setattr(cbsodata, "get_meta", not_found)
    with pytest.raises(ImportFailed, match="onbekende CBS-tabel 99999XXX"):
        opendata.import_cbs(store, table="99999XXX", municipality="GM0523")
    with pytest.raises(ImportFailed, match="tabelnummer"):
        opendata.import_cbs(store, table="drop table", municipality="GM0523")
    assert len(store) == 0


# --------------------------------------------------------------------------- SHACL OD01-OD04


def _findings(store: Store) -> set[tuple[str, str]]:
    report = validation.validate(store, date=REFERENCE_DATE, rules=["OD01", "OD02", "OD03", "OD04"])
    return {(r.rule, str(r.focusNode)) for r in report.results}


def test_imported_fixtures_meet_the_open_data_checks(linked: Store) -> None:
    assert _findings(linked) == set()


def test_open_data_checks_find_what_the_registers_rule_out(linked: Store) -> None:
    avelingen = MAGID["samenwerking/werkvoorzieningsschap-de-avelingen-groep"]
    late = MAGID["deelname/hg-werkvoorzieningsschap-de-avelingen-groep"]
    souburgh = MAGID["samenwerking/sportpark-souburgh"]
    linked.update(f"""
        DELETE {{ GRAPH ?g {{ <{late}> mag:accessionDate ?d }} }}
        INSERT {{ GRAPH ?g {{ <{late}> mag:accessionDate "2017-03-01"^^xsd:date }} }}
        WHERE {{ GRAPH ?g {{ <{late}> mag:accessionDate ?d }} }} ;
        INSERT DATA {{ GRAPH <urn:test> {{
            <urn:test:giessenlanden> a mag:Participation ; org:member <{GIESSENLANDEN}> ;
                org:organization <{souburgh}> ; mag:accessionDate "2019-01-01"^^xsd:date .
            <urn:test:twice> a mag:Participation ; org:member <{ML}> ; org:organization <{souburgh}> .
            <urn:test:empty> a mag:AffiliatedParty .
        }} }}
    """)
    found = _findings(linked)
    assert ("OD01", str(late)) in found  # joined after Avelingen ended (2015-12-31)
    assert ("OD03", "urn:test:giessenlanden") in found  # Giessenlanden ended 2018-12-31
    assert ("OD02", "urn:test:empty") in found
    assert ("OD04", "urn:test:twice") in found
    assert ("OD04", str(MAGID["deelname/ml-sportpark-souburgh"])) in found  # and the one it doubles
    assert not any(focus == str(avelingen) for _, focus in found)


# --------------------------------------------------------------------------- questions q15-q18


def _rows(store: Store, question: str, **params: str) -> list[dict]:
    return questions.ask(store, question, params).rows


def test_q15_verbonden_partijen_of_maassluis(linked: Store) -> None:
    rows = _rows(linked, "q15", municipality="maassluis")
    by_partnership = {r["partnership"].value: r for r in rows}
    assert len(rows) == 7 and STROOM in by_partnership  # the example's seven, no doubles
    stroom = by_partnership[STROOM]
    assert stroom["accessionDate"].value == Literal("2015-02-01", datatype=XSD.date)
    assert str(stroom["representedBy"].value) == "college van burgemeester en wethouders van Maassluis"
    assert str(stroom["rooId"].value) == "29942061"
    assert stroom["executingBody"].value == TOOI["so/so0851"]
    dcmr = by_partnership[MAGID["samenwerking/dcmr-milieudienst-rijnmond"]]
    assert str(dcmr["representedBy"].value).count("van Maassluis") == 3


def test_q16_other_participants(linked: Store) -> None:
    rows = _rows(linked, "q16", partnership="samenwerking/stroomopwaarts-mvs", municipality="maassluis")
    assert {r["participant"].value for r in rows} == {TOOI["gemeente/gm0606"], TOOI["gemeente/gm0622"]}
    everyone = _rows(linked, "q16", partnership="samenwerking/stroomopwaarts-mvs")
    assert len(everyone) == 3


def test_q17_most_shared_partnerships(linked: Store) -> None:
    rows = _rows(linked, "q17")  # default: Maassluis
    top = [(r["other"].value, int(r["shared"].value)) for r in rows[:2]]
    assert sorted(top) == [(TOOI["gemeente/gm0606"], 7), (TOOI["gemeente/gm0622"], 7)]
    molenlanden = _rows(linked, "q17", municipality="molenlanden")
    assert [r["other"].value for r in molenlanden] == [TOOI["gemeente/gm0482"]]  # Sportpark Souburgh


def test_q18_baseline_figures_with_cbs(linked: Store) -> None:
    rows = _rows(linked, "q18", municipality="hardinxveld-giessendam")
    cbs = [r for r in rows if r["dataset"].value == MAGID["startfoto/hg-cbs-85984ned"]]
    assert len(cbs) == 7 and all(r["illustrative"].value == Literal(False) for r in cbs)
    inhabitants = next(r for r in cbs if r["indicator"].value == MAGID["indicator/cbs-aantal-inwoners"])
    assert (str(inhabitants["year"].value), str(inhabitants["value"].value)) == ("2024", "19402")
    example = [r for r in rows if r["dataset"].value == MAGID["startfoto/hg-startfoto"]]
    assert example and all(r["illustrative"].value == Literal(True) for r in example)


# --------------------------------------------------------------------------- CLI


def _cli(*args: str):
    from mag_graph.cli import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_imports_print_a_summary_and_fail_in_one_line(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    result = _cli("import", "regelingen", str(REGELINGEN_DIR), "--store", store, "--quiet")
    assert result.exit_code == 0, result.output
    assert "9 records gelezen / read" in result.output and "kapot-syntax.yaml" in result.output
    assert "triples in magg:regelingen" in result.output

    result = _cli("import", "regelingen", str(REGELINGEN_DIR), "--strict", "--store", store, "--quiet")
    assert result.exit_code == 2
    assert result.output.startswith("fout / error: --strict") and result.output.count("\n") == 1

    result = _cli("import", "gemeenten", str(tmp_path / "nergens"), "--store", store)
    assert result.exit_code == 2 and "pad niet gevonden" in result.output

    result = _cli("import", "cbs", "--file", str(CBS_FILE), "-m", "hardinxveld-giessendam", "--store", store, "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["details"] == {"waarnemingen / observations": 7}

    result = _cli("import", "cbs", "--table", "85984NED", "--store", store)
    assert result.exit_code == 2 and "--municipality" in result.output

    result = _cli("import", "tooi", str(TOOI_DIR), "--store", store, "-q")
    assert result.exit_code == 0 and "gemeente: 4" in result.output
