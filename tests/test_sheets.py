"""The RACI matrix in spreadsheets (mag_graph.sheets): export to XLSX and CSV, the same
layout read back into RDF, unknown names reported by sheet and row, rule findings mapped
to rows, the command line, the import through the CMS over real HTTP, and the role
matrix page's filters and downloads in Chromium.

The spreadsheets the tests upload are written here with openpyxl (or the csv module),
not kept as binary fixtures."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import http.client
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from rdflib import Graph, Literal
from rdflib.compare import isomorphic, to_isomorphic

from mag_graph import sheets
from mag_graph.cli import main
from mag_graph.cms import Content
from mag_graph.namespaces import MAG, MAGB, MAGID, MUNICIPALITIES, RDF, RDFS
from mag_graph.sheets.checking import SHEET_PREDICATES
from mag_graph.store import MEMORY, Store
from mag_graph.validation import example_store

DATE = dt.date(2026, 11, 1)
HG = MUNICIPALITIES["hardinxveld-giessendam"]
HEADER_NL = ["gemeente", "fase", "actor", "actor (id)", "RACI-soort", "taaksoort", "tekst", "bron (id)", "betreft (id)"]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    s = Store(example_store(), MEMORY, in_memory=True)
    yield s
    s.close()


def responsibilities(store: Any, lang: str) -> Graph:
    """What a sheet carries of every stored responsibility: the statements of its
    columns and its text in the sheet's language."""
    out = Graph()
    for iri, _, _, _ in store.quads(None, RDF.type, MAG.Responsibility):
        for _, predicate, obj, _ in store.quads(iri, None, None):
            if predicate in SHEET_PREDICATES or (predicate == RDFS.label and obj.language == lang):
                out.add((iri, predicate, obj))
    return out


def workbook_bytes(rows: list[list[Any]], *, title: str = "Hardinxveld-Giessendam", header: list[str] = HEADER_NL) -> bytes:
    """A spreadsheet as an analyst fills one in: a header row and the rows, by openpyxl."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# A new responsibility of the penvoerder, by names only (row 2), and one broken rule per
# row after it: R03 (the Startfoto adopted by the council, row 3), R01 (no phase, row 4).
GOOD_ROW = ["Hardinxveld-Giessendam", "uitvoering", "penvoerder", None, "uitvoeringsverantwoordelijk", "faciliteren",
            "Organiseert twee keer per jaar een bijeenkomst voor alle MAG-partners.", "bron/000-sheet-7", None]
R03_ROW = ["Hardinxveld-Giessendam", "vaststellen", "gemeenteraad Hardinxveld-Giessendam", None, "eindverantwoordelijk",
           "vaststellen", "Stelt de Startfoto vast.", "bron/000-sheet-5", "startfoto/hg-startfoto"]
R01_ROW = ["Hardinxveld-Giessendam", None, None, "orgaan/hg-college", "uitvoeringsverantwoordelijk", "faciliteren",
           "Faciliteert een proces zonder fase.", "bron/000-sheet-5", None]


# --------------------------------------------------------------------------- export and round trip


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_xlsx_export_has_a_sheet_per_municipality_headers_and_drop_down_lists(store: Store, lang: str) -> None:
    vocabulary = sheets.Vocabulary(store)
    data = sheets.to_xlsx(sheets.matrix_rows(store, None, lang, vocabulary=vocabulary), vocabulary, lang)
    book = load_workbook(io.BytesIO(data))
    municipal = [ws for ws in book.worksheets if ws.title not in ("keuzelijsten", "choices")]
    assert len(municipal) == 3
    assert sum(ws.max_row - 1 for ws in municipal) == 84  # every responsibility of the example, one row each
    hg = next(ws for ws in municipal if "Hardinxveld" in ws.title)
    header = [c.value for c in hg[1]]
    assert header[:4] == (["gemeente", "fase", "volgorde", "actor"] if lang == "nl"
                          else ["municipality", "phase", "order", "actor"])
    validations = {str(v.sqref).split(":")[0]: v for v in hg.data_validations.dataValidation}
    phase_column = "B"
    raci_column = chr(ord("A") + header.index("RACI-soort" if lang == "nl" else "RACI kind"))
    assert validations[f"{phase_column}2"].type == "list" and validations[f"{raci_column}2"].type == "list"
    lists = book["keuzelijsten" if lang == "nl" else "choices"]
    phases = [c.value for c in lists["A"][1:] if c.value]
    raci = [c.value for c in lists["B"][1:] if c.value]
    assert phases == (["opstellen/bijstellen", "vaststellen", "uitvoering", "monitoring en controle"] if lang == "nl"
                      else ["drawing up/revising", "adoption", "implementation", "monitoring and control"])
    assert raci[0] == ("uitvoeringsverantwoordelijk" if lang == "nl" else "responsible") and len(raci) == 4
    # Every phase written in a row is one of the list's choices.
    column = header.index("fase" if lang == "nl" else "phase")
    assert {row[column] for row in hg.iter_rows(min_row=2, values_only=True)} <= set(phases)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_round_trip_gives_an_isomorphic_set_of_responsibilities(store: Store, fmt: str, lang: str) -> None:
    vocabulary = sheets.Vocabulary(store)
    groups = sheets.matrix_rows(store, None, lang, vocabulary=vocabulary)
    data = sheets.to_xlsx(groups, vocabulary, lang) if fmt == "xlsx" else sheets.to_csv(groups, lang)
    graph, rows = sheets.sheet_to_graph(data, sheets.XLSX if fmt == "xlsx" else sheets.CSV, store)
    expected = responsibilities(store, lang)
    assert len(rows) == 84
    assert isomorphic(to_isomorphic(graph), to_isomorphic(expected))
    # Each responsibility knows its row: data rows start under the header.
    assert min(ref.row for ref in rows.values()) == 2


def test_csv_is_one_file_with_every_municipality(store: Store) -> None:
    data = sheets.to_csv(sheets.matrix_rows(store, [MUNICIPALITIES["maassluis"], MUNICIPALITIES["molenlanden"]]))
    assert data.startswith("\ufeff".encode())
    records = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(records) == 5 + 8
    assert {r["gemeente"] for r in records} == {"gemeente Maassluis", "gemeente Molenlanden"}
    accounthouder = [r for r in records if r["actor (id)"] == "magb:Accounthouder"]
    assert accounthouder and all(r["actor"] == "accounthouder" for r in accounthouder)


# --------------------------------------------------------------------------- reading a filled-in sheet


def test_a_sheet_written_with_openpyxl_is_read_by_names_and_identifiers(store: Store) -> None:
    data = workbook_bytes([GOOD_ROW, ["Hardinxveld-Giessendam", "Vaststellen", None, "orgaan/hg-college; magb:Penvoerder",
                                      "Accountable", "voorbereiden", "Bereidt iets voor.", None, None]])
    graph, rows = sheets.sheet_to_graph(data, sheets.XLSX, store)
    by_row = {ref.row: iri for iri, ref in rows.items()}
    first, second = by_row[2], by_row[3]
    assert (first, MAG.assignedTo, MAGB.Penvoerder) in graph
    assert (first, MAG.phase, MAGB.Uitvoering) in graph and (first, MAG.raciKind, MAGB.Responsible) in graph
    assert (first, MAG.municipality, HG) in graph
    assert (first, RDFS.label, Literal(GOOD_ROW[6], lang="nl")) in graph
    assert set(graph.objects(second, MAG.assignedTo)) == {MAGID["orgaan/hg-college"], MAGB.Penvoerder}
    assert (second, MAG.raciKind, MAGB.Accountable) in graph  # by the concept's own name too
    assert str(first).startswith(str(MAGID) + "verantwoordelijkheid/hg-")
    # The same sheet read again gives the same identifiers (an import can be repeated).
    again, _ = sheets.sheet_to_graph(data, sheets.XLSX, store)
    assert set(again.subjects(RDF.type, MAG.Responsibility)) == {first, second}


def test_unknown_names_are_reported_with_sheet_and_row_not_invented(store: Store) -> None:
    data = workbook_bytes([
        GOOD_ROW,
        ["Hardinxveld-Giessendam", "uitvoering", "De Koning", None, "uitvoeringsverantwoordelijk", None, "Iets.", None, None],
        ["Hardinxveld-Giessendam", "fase X", None, "orgaan/hg-bestaat-niet", "zz", None, "Iets anders.", None, None],
        ["Atlantis", "uitvoering", "college van burgemeester en wethouders Hardinxveld-Giessendam", None, None, None,
         "Nog iets.", "bron/999", None],
    ])
    with pytest.raises(sheets.SheetError) as caught:
        sheets.sheet_to_graph(data, sheets.XLSX, store)
    found = {(p.sheet, p.row, p.column) for p in caught.value.problems}
    assert found == {
        ("Hardinxveld-Giessendam", 3, "actor"),
        ("Hardinxveld-Giessendam", 4, "phase"), ("Hardinxveld-Giessendam", 4, "actor_id"), ("Hardinxveld-Giessendam", 4, "raci"),
        ("Hardinxveld-Giessendam", 5, "municipality"), ("Hardinxveld-Giessendam", 5, "source_id"),
    }
    koning = next(p for p in caught.value.problems if p.row == 3)
    assert "De Koning" in koning.nl and "onbekende actor" in koning.nl and "unknown actor" in koning.en
    assert "rij 3" in str(caught.value) and "row 3" in str(caught.value)


def test_a_broken_rule_is_reported_on_its_row(store: Store) -> None:
    data = workbook_bytes([GOOD_ROW, R03_ROW, R01_ROW])
    graph, rows = sheets.sheet_to_graph(data, sheets.XLSX, store)
    findings = sheets.check_graph(graph, rows, context=store, date=DATE, lang="en")
    violations = [(f.sheet, f.row, f.result.rule) for f in findings if f.result.severity == "Violation"]
    assert violations == [("Hardinxveld-Giessendam", 3, "R03"), ("Hardinxveld-Giessendam", 4, "R01")]
    r03 = next(f for f in findings if f.row == 3)
    assert "Startfoto" in r03.result.message and r03.result.value == str(MAGID["orgaan/hg-gemeenteraad"])
    # Without the store as context R01 still speaks: it needs only the sheet.
    alone = sheets.check_graph(graph, rows, date=DATE)
    assert [(f.row, f.result.rule) for f in alone if f.result.severity == "Violation"] == [(4, "R01")]


def test_the_exported_example_passes_the_check(store: Store) -> None:
    vocabulary = sheets.Vocabulary(store)
    data = sheets.to_csv(sheets.matrix_rows(store, [HG], vocabulary=vocabulary))
    graph, rows = sheets.sheet_to_graph(data, sheets.CSV, store)
    findings = sheets.check_graph(graph, rows, context=store, date=DATE)
    assert [f for f in findings if f.result.severity == "Violation"] == []


def test_broken_files_get_a_clear_error(store: Store) -> None:
    for data, media in ((b"not a zip file", sheets.XLSX), (b"", sheets.CSV), (b"a,b\n1,2\n", sheets.CSV)):
        with pytest.raises(sheets.SheetError) as caught:
            sheets.sheet_to_graph(data, media, store)
        assert caught.value.problems and caught.value.status == 400
    english = workbook_bytes([["Hardinxveld-Giessendam", "adoption", "penvoerder", None, "responsible", None,
                               "Prepares something.", None, None]],
                             header=["municipality", "phase", "actor", "actor (identifier)", "RACI kind", "task kind",
                                     "text", "source (identifier)", "concerns (identifier)"])
    graph, _ = sheets.sheet_to_graph(english, sheets.XLSX, store)
    assert Literal("Prepares something.", lang="en") in set(graph.objects(None, RDFS.label))


# --------------------------------------------------------------------------- command line


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("MAG_GRAPH_STORE", raising=False)
    path = tmp_path / "store"
    result = CliRunner().invoke(main, ["init", "--store", str(path)])
    assert result.exit_code == 0, result.output
    return path


def test_cli_export_import_check_and_import_as_drafts(store_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "matrix.xlsx"
    result = runner.invoke(main, ["matrix", "--format", "xlsx", "-o", str(out), "-m", "maassluis", "--store", str(store_dir)])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert [ws.title for ws in book.worksheets] == ["gemeente Maassluis", "keuzelijsten"]
    result = runner.invoke(main, ["matrix", "-f", "csv", "--lang", "en", "--store", str(store_dir)])
    assert result.exit_code == 0 and result.stdout.lstrip("\ufeff").startswith("municipality,phase,")

    converted = runner.invoke(main, ["matrix", "import", str(out), "--store", str(store_dir)])
    assert converted.exit_code == 0, converted.output
    graph = Graph().parse(data=converted.stdout, format="turtle")
    assert len(set(graph.subjects(RDF.type, MAG.Responsibility))) == 5

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(workbook_bytes([GOOD_ROW, R03_ROW]))
    checked = runner.invoke(main, ["matrix", "import", str(broken), "--check", "--date", DATE.isoformat(),
                                   "--store", str(store_dir)])
    assert checked.exit_code == 1
    assert "Hardinxveld-Giessendam, rij 3: R03" in checked.stdout

    unknown = tmp_path / "unknown.csv"
    unknown.write_text("gemeente,fase,actor,tekst\nmaassluis,uitvoering,De Koning,Iets.\n", encoding="utf-8")
    failed = runner.invoke(main, ["matrix", "import", str(unknown), "--store", str(store_dir)])
    assert failed.exit_code == 2 and "unknown.csv, rij 2 [actor]: onbekende actor 'De Koning'" in failed.output

    before = Store.open(store_dir)
    count = len(before)
    before.close()
    refused = runner.invoke(main, ["matrix", "import", str(broken), "--into-cms", "--date", DATE.isoformat(),
                                   "--store", str(store_dir)])
    assert refused.exit_code == 2 and "rij 3: R03" in refused.output
    after = Store.open(store_dir)
    assert len(after) == count  # all or nothing: the good row was not stored either
    after.close()

    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook_bytes([GOOD_ROW]))
    imported = runner.invoke(main, ["matrix", "import", str(good), "--into-cms", "--date", DATE.isoformat(),
                                    "--format", "json", "--user", "analist", "--store", str(store_dir)])
    assert imported.exit_code == 0, imported.output
    body = json.loads(imported.stdout)
    (iri,) = body["created"]
    assert body["rows"][iri] == {"sheet": "Hardinxveld-Giessendam", "row": 2}
    with Store.open(store_dir) as reopened:
        content = Content(reopened, search=False)
        assert content.get(iri, role="editor").state == "concept"


# --------------------------------------------------------------------------- HTTP import through the CMS


class Server:
    def __init__(self, host: str, port: int, store: Store) -> None:
        self.host, self.port, self.store = host, port, store

    def post(self, path: str, body: bytes, media_type: str, user: str | None = None, lang: str = "nl") -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": media_type, "Accept-Language": lang}
        if user:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            connection.close()


@pytest.fixture(scope="module")
def server(serving: Any) -> Iterator[Server]:
    from mag_graph.api import cms as cms_api
    from mag_graph.api import create_app

    live = Store(example_store(), MEMORY, in_memory=True)
    Content.for_store(live, date=DATE)
    app = create_app(live, config={"MAG_GRAPH_CACHE_ENTRIES": 0})
    if "cms" not in app.blueprints:
        app.register_blueprint(cms_api.bp)
    registry = app.extensions["mag_graph"].auth
    registry.add_user("eddie", PASSWORD, role="editor")
    registry.add_user("rita", PASSWORD, role="reader")
    with serving(app) as url:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        yield Server(host, int(port), live)


def test_http_import_of_a_spreadsheet_as_a_draft(server: Server) -> None:
    size = len(server.store)
    status, body = server.post("/api/v1/imports", workbook_bytes([GOOD_ROW]), sheets.XLSX)
    assert status == 401 and len(server.store) == size
    status, body = server.post("/api/v1/imports", workbook_bytes([GOOD_ROW]), sheets.XLSX, user="rita")
    assert status == 403 and len(server.store) == size

    status, body = server.post("/api/v1/imports", workbook_bytes([GOOD_ROW, R03_ROW, R01_ROW]), sheets.XLSX, user="eddie")
    assert status == 422, body
    assert [(r["row"], r["rule"]) for r in body["results"]] == [(3, "R03"), (4, "R01")]
    assert len(server.store) == size  # all or nothing

    status, body = server.post("/api/v1/imports", workbook_bytes([GOOD_ROW, ["Hardinxveld-Giessendam", "uitvoering",
                               "De Koning", None, None, None, "Iets.", None, None]]), sheets.XLSX, user="eddie", lang="en")
    assert status == 400 and body["invalidRows"] == [{"sheet": "Hardinxveld-Giessendam", "row": 3, "column": "actor",
                                                       "message": body["invalidRows"][0]["message"]}]
    assert "De Koning" in body["invalidRows"][0]["message"]["en"]
    assert len(server.store) == size

    csv_body = (b"gemeente,fase,actor,RACI-soort,tekst,bron (id)\r\n"
                b"Hardinxveld-Giessendam,uitvoering,penvoerder,uitvoeringsverantwoordelijk,"
                b"Houdt een lijst bij van alle MAG-partners.,bron/000-sheet-7\r\n")
    status, body = server.post("/api/v1/imports", csv_body, "text/csv", user="eddie")
    assert status == 201, body
    (iri,) = body["created"]
    assert body["rows"][iri]["row"] == 2
    content = Content.for_store(server.store)
    assert content.get(iri, role="editor").state == "concept"
    # A draft: anonymous readers do not see it.
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    connection.request("GET", "/api/v1/responsibilities/" + iri.rsplit("/", 1)[-1], headers={"Accept": "application/ld+json"})
    assert connection.getresponse().status == 404
    connection.close()

    status, body = server.post("/api/v1/imports", csv_body, "text/csv", user="eddie")
    assert status == 200 and body["unchanged"] == [iri]  # the same sheet again changes nothing


# --------------------------------------------------------------------------- the role matrix page


@pytest.fixture(scope="module")
def client(store: Store) -> Any:
    from mag_graph.api import create_app

    app = create_app(store)
    app.config.update(TESTING=True)
    yield app.test_client()
    app.extensions["mag_graph"].close()


def test_matrix_page_all_municipalities_filters_and_holders(client: Any) -> None:
    page = client.get("/rolmatrix?gemeente=hardinxveld-giessendam", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "penvoerder" in page and "vervuld door" in page and "Projectleider StuwKR8" in page
    every = client.get("/rolmatrix?gemeente=alle", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Alle gemeenten" in every and "alle gemeenten: 84 verantwoordelijkheden" in every
    only = client.get("/rolmatrix?gemeente=alle&fase=Vaststellen&raci=Accountable").get_data(as_text=True)
    assert 'data-phase="https://data.mag-graph.nl/def/mag/begrip/Uitvoering"' not in only
    assert 'data-raci="R"' not in only and 'data-raci="A"' in only
    actor = client.get("/rolmatrix?gemeente=gm0523&actor=orgaan/hg-college").get_data(as_text=True)
    assert 'data-actor="https://data.mag-graph.nl/id/orgaan/hg-college"' in actor
    assert 'tr data-actor="https://data.mag-graph.nl/id/orgaan/hg-gemeenteraad"' not in actor
    for bad in ("fase=Vergaderen", "raci=X", "actor=orgaan/hg-niemand", "actor=%3Cscript%3E"):
        response = client.get(f"/rolmatrix?gemeente=alle&{bad}", headers={"Accept": "text/html"})
        assert response.status_code == 400, bad
        assert "Onbekende waarde" in response.get_data(as_text=True)
    assert client.get("/rolmatrix.xlsx?gemeente=atlantis").status_code == 404
    assert client.get("/rolmatrix.pdf").status_code == 404


def test_matrix_download_follows_the_filters(client: Any) -> None:
    response = client.get("/rolmatrix.csv?gemeente=gm0523&fase=Vaststellen&lang=en")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="rolmatrix-gm0523.csv"' in response.headers["Content-Disposition"]
    records = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert records and {r["phase"] for r in records} == {"adoption"}


# --------------------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def live_server(served: str) -> str:
    return served


def test_browser_filters_and_xlsx_download(browser_page: Any, live_server: str, store: Store) -> None:
    tab = browser_page
    tab.goto(live_server + "/rolmatrix")
    tab.select_option("#gemeente", "alle")
    tab.select_option("#fase", "Vaststellen")
    tab.click("#matrix-filters button[type=submit]")
    tab.wait_for_selector("#rolmatrix")
    phases = tab.evaluate("() => Array.from(document.querySelectorAll('#rolmatrix thead th[data-phase]')).map(th => th.dataset.phase)")
    assert phases == [str(MAGB.Vaststellen)]
    shown = set(tab.evaluate(
        "() => Array.from(document.querySelectorAll('#rolmatrix li[data-responsibility]')).map(li => li.dataset.responsibility)"))
    adopting = {str(s) for s, _, _, _ in store.quads(None, MAG.phase, MAGB.Vaststellen)}
    assert shown == adopting  # of every municipality
    assert len({iri.rsplit("/", 1)[-1][:3] for iri in shown}) > 1
    with tab.expect_download() as caught:
        tab.click("#download-xlsx")
    assert caught.value.suggested_filename == "rolmatrix-alle.xlsx"
    book = load_workbook(io.BytesIO(Path(caught.value.path()).read_bytes()))
    titles = [ws.title for ws in book.worksheets]
    assert titles[-1] == "keuzelijsten" and len(titles) > 2  # a sheet per municipality with rows
    phase_values = {row[1] for ws in book.worksheets if ws.title != "keuzelijsten"
                    for row in ws.iter_rows(min_row=2, values_only=True)}
    assert phase_values == {"vaststellen"}
    ids = {str(MAGID) + row[-1] for ws in book.worksheets if ws.title != "keuzelijsten"
           for row in ws.iter_rows(min_row=2, values_only=True)}
    assert ids == shown
