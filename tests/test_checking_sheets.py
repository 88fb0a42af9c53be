"""Checking a role-matrix spreadsheet without storing it, and the report's downloads
parsed back (issue 12, sections 1, 2 and 4).

A spreadsheet (XLSX or CSV in the role-matrix layout, written here with openpyxl or the
csv module) goes through the same door as RDF: ``POST /api/v1/validation``, the page
``/validatie/controleren`` and ``mag-graph validate FILE``; every finding names its sheet
and row. The report comes as JSON, Turtle (``sh:ValidationReport``), CSV, printable HTML
and PDF (WeasyPrint), each read back here: with rdflib, the csv module and pypdf, over
real HTTP (waitress on 127.0.0.1) and through Chromium's download flow.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from rdflib import Graph
from rdflib.namespace import RDF, SH

from mag_graph.cli import main
from mag_graph.validation import checking

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE = dt.date(2026, 11, 1)
SHEET = "Hardinxveld-Giessendam"
HEADER = ["gemeente", "fase", "actor", "actor (id)", "RACI-soort", "taaksoort", "tekst", "bron (id)", "betreft (id)"]
# Row 2 is good; row 3 breaks R03 (the council adopts the Startfoto: needs the graph as
# context to know what the Startfoto is); row 4 breaks R01 (no phase: the sheet alone shows it).
GOOD = ["Hardinxveld-Giessendam", "uitvoering", "penvoerder", None, "uitvoeringsverantwoordelijk", "faciliteren",
        "Organiseert twee keer per jaar een bijeenkomst voor alle MAG-partners.", "bron/000-sheet-7", None]
R03 = ["Hardinxveld-Giessendam", "vaststellen", "gemeenteraad Hardinxveld-Giessendam", None, "eindverantwoordelijk",
       "vaststellen", "Stelt de Startfoto vast.", "bron/000-sheet-5", "startfoto/hg-startfoto"]
R01 = ["Hardinxveld-Giessendam", None, None, "orgaan/hg-college", "uitvoeringsverantwoordelijk", "faciliteren",
       "Faciliteert een proces zonder fase.", "bron/000-sheet-5", None]
COUNCIL = "https://data.mag-graph.nl/id/orgaan/hg-gemeenteraad"
COLLEGE = "https://data.mag-graph.nl/id/orgaan/hg-college"


def workbook(rows: list[list[Any]], title: str = SHEET) -> bytes:
    """A role matrix as an analyst fills one in, written with openpyxl."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_sheet(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue().encode("utf-8")


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def call(base: str, method: str, path: str, body: bytes | None = None, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(base + path, data=body, method=method,
                                     headers={k.replace("_", "-"): v for k, v in headers.items()})
    try:
        with urllib.request.urlopen(request, timeout=180) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def located(report: dict[str, Any]) -> list[tuple[str | None, int | None, str]]:
    found = [(r.get("sheet"), r.get("row"), r["rule"]) for r in report["results"] if r["severity"] == "Violation"]
    return sorted(found, key=lambda f: (f[0] or "", f[1] or 0, f[2]))


# --------------------------------------------------------------------------- the registry


def test_spreadsheets_are_registered_by_the_sheets_package() -> None:
    # mag_graph.validation does not know spreadsheets; importing mag_graph.sheets offers them.
    import mag_graph.sheets  # noqa: F401

    assert checking.parser_for(XLSX).name == "xlsx" and checking.parser_for("text/csv; charset=utf-8").name == "csv"
    assert checking.parser_for_suffix(".xlsx").media_type == XLSX
    report = checking.check(workbook([GOOD, R01]), XLSX, date=DATE)
    assert [(r.rule, report.locations[r.focusNode]) for r in report.violations] == [("R01", (SHEET, 3))]
    assert report.violations[0].actors == (COLLEGE,)
    # The text report names the row.
    assert f"[{SHEET}, rij 3]" in report.to_text()


# --------------------------------------------------------------------------- over HTTP


def test_post_validation_takes_xlsx_and_csv_and_names_rows(served: str) -> None:
    data = workbook([GOOD, R03, R01])
    status, _, body = call(served, "POST", f"/api/v1/validation?date={DATE}&context=store", data,
                                 Content_Type=XLSX)
    assert status == 200, body[:500]
    report = json.loads(body)
    assert located(report) == [(SHEET, 3, "R03"), (SHEET, 4, "R01")]
    by_row = {r["row"]: r for r in report["results"]}
    assert by_row[3]["actors"] == [COUNCIL] and by_row[3]["actorLabels"] == ["gemeenteraad Hardinxveld-Giessendam"]
    # On its own (no context) only what the sheet itself shows: R01.
    status, _, body = call(served, "POST", f"/api/v1/validation?date={DATE}", data, Content_Type=XLSX)
    assert status == 200 and located(json.loads(body)) == [(SHEET, 4, "R01")]
    # The same rows as CSV: the CSV's one sheet is named after the upload.
    status, _, body = call(served, "POST", f"/api/v1/validation?date={DATE}&context=store", csv_sheet([GOOD, R03, R01]),
                           Content_Type="text/csv; charset=utf-8", Accept="text/csv")
    assert status == 200
    rows = sorted(csv.DictReader(io.StringIO(body.decode("utf-8"))), key=lambda r: r["row"])
    assert [(r["sheet"], r["row"], r["rule"]) for r in rows] == [("upload", "3", "R03"), ("upload", "4", "R01")]
    assert [r["actor"] for r in rows] == [COUNCIL, COLLEGE]


def test_an_unreadable_sheet_is_a_400_with_every_row(served: str) -> None:
    wrong = ["Hardinxveld-Giessendam", "uitvoering", "De Koning", None, None, None, "Iets.", None, None]
    status, headers, body = call(served, "POST", "/api/v1/validation", workbook([GOOD, wrong]), Content_Type=XLSX,
                                 Accept_Language="en")
    problem = json.loads(body)
    assert status == 400 and headers["Content-Type"] == "application/problem+json"
    assert problem["type"].endswith("/invalid-spreadsheet")
    assert problem["line"] == 3 and problem["column"] == "actor" and "De Koning" in problem["detail"]
    assert problem["invalidRows"][0]["sheet"] == SHEET and problem["invalidRows"][0]["row"] == 3
    status, _, body = call(served, "POST", "/api/v1/validation", b"not a workbook", Content_Type=XLSX)
    assert status == 400 and "XLSX" in json.loads(body)["detail"]


def test_post_validation_answers_a_pdf(served: str) -> None:
    status, headers, body = call(served, "POST", f"/api/v1/validation?date={DATE}", workbook([GOOD, R01]),
                                 Content_Type=XLSX, Accept="application/pdf")
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    text = pdf_text(body)
    assert "Verantwoordelijkheid hoort" in text and "bij één fase" in text  # the rule's name
    assert "1 overtreding(en), 0 waarschuwing(en), 1 bevinding(en) in totaal." in " ".join(text.split())
    assert f"{SHEET}, rij 3" in text


def test_report_page_downloads_parse_back(served: str) -> None:
    path = "/validatie?datum=2019-06-01&gemeente=maassluis"
    status, _, body = call(served, "GET", path + "&format=json")
    report = json.loads(body)
    count = len(report["results"])
    assert status == 200 and count > 0
    status, headers, body = call(served, "GET", path + "&format=pdf")
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert 'filename="validatie-maassluis-2019-06-01.pdf"' in headers["Content-Disposition"]
    text = " ".join(pdf_text(body).split())
    assert f"{count} bevinding(en) in totaal" in text and "R26" in text and "elk kwartaal actualiseren" in text
    status, headers, body = call(served, "GET", path, Accept="application/pdf")
    assert status == 200 and body.startswith(b"%PDF-")
    status, _, body = call(served, "GET", path + "&format=turtle")
    graph = Graph().parse(data=body.decode(), format="turtle")
    (node,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert len(list(graph.objects(node, SH.result))) == count
    status, _, body = call(served, "GET", path + "&format=csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert len(rows) == count and all(r["actor"] and r["actorLabel"] for r in rows)  # dashboards: accounthouders


# --------------------------------------------------------------------------- command line


def test_cli_validates_a_spreadsheet_and_writes_a_pdf(tmp_path: Path) -> None:
    runner = CliRunner()
    sheet = tmp_path / "matrix.xlsx"
    sheet.write_bytes(workbook([GOOD, R01]))
    result = runner.invoke(main, ["validate", str(sheet), "--date", DATE.isoformat(), "--format", "json"])
    assert result.exit_code == 1, result.output
    assert located(json.loads(result.stdout)) == [(SHEET, 3, "R01")]
    pdf = tmp_path / "rapport.pdf"
    result = runner.invoke(main, ["validate", str(sheet), "--date", DATE.isoformat(), "--format", "pdf", "-o", str(pdf)])
    assert result.exit_code == 1 and pdf.exists()
    text = pdf_text(pdf.read_bytes())
    assert "bij één fase" in text and f"{SHEET}, rij 3" in text
    bad = tmp_path / "bad.csv"
    bad.write_text("gemeente,fase,actor,tekst\nmaassluis,uitvoering,De Koning,Iets.\n", encoding="utf-8")
    result = runner.invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2 and "bad.csv, rij 2 [actor]" in result.output


# --------------------------------------------------------------------------- in the browser


@pytest.fixture
def sheet_file(tmp_path: Path) -> Path:
    path = tmp_path / "rolmatrix.xlsx"
    path.write_bytes(workbook([GOOD, R03, R01]))
    return path


def test_browser_uploads_a_spreadsheet_and_downloads_each_format(browser_page: Any, served: str, sheet_file: Path,
                                                                 tmp_path: Path) -> None:
    tab = browser_page
    tab.set_default_timeout(120_000)
    tab.goto(served + "/validatie/controleren")
    tab.set_input_files("#bestand", str(sheet_file))
    tab.fill("#datum", DATE.isoformat())
    tab.check("#context")
    tab.select_option("#per", "actor")
    tab.click("form#controleren button[type=submit]")
    tab.wait_for_selector("#samenvatting")
    assert "2 overtreding(en)" in tab.locator("#samenvatting-regel").inner_text()
    rows = tab.locator(".finding__row").all_inner_texts()
    assert sorted(rows) == [f"[{SHEET}, rij 3]", f"[{SHEET}, rij 4]"]
    # By actor: the council's finding (R03) and the college's (R01), and what "actor" means.
    actors = [a.split("\n")[0].strip() for a in tab.locator(".finding-group--actor h3").all_inner_texts()]
    assert [a.rsplit(" ", 1)[0] for a in actors] == ["college van burgemeester en wethouders Hardinxveld-Giessendam",
                                                     "gemeenteraad Hardinxveld-Giessendam"]
    assert "zonder actor" in tab.locator("#actor-uitleg").inner_text()
    council = tab.locator(f'.finding-group--actor[data-actor="{COUNCIL}"]')
    assert council.locator(".finding").get_attribute("data-rule") == "R03"

    parsed: dict[str, bytes] = {}
    for fmt in ("json", "turtle", "csv", "pdf"):
        with tab.expect_download() as caught:
            tab.click(f"#download-{fmt}")
        download = caught.value
        assert download.suggested_filename.startswith("validatie-rolmatrix.xlsx"), download.suggested_filename
        parsed[fmt] = Path(download.path()).read_bytes()
    report = json.loads(parsed["json"])
    assert located(report) == [(SHEET, 3, "R03"), (SHEET, 4, "R01")]
    graph = Graph().parse(data=parsed["turtle"].decode(), format="turtle")
    (node,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert len(list(graph.objects(node, SH.result))) == len(report["results"])
    records = list(csv.DictReader(io.StringIO(parsed["csv"].decode())))
    assert sorted((r["row"], r["rule"], r["actorLabel"]) for r in records if r["severity"] == "Violation") == [
        ("3", "R03", "gemeenteraad Hardinxveld-Giessendam"),
        ("4", "R01", "college van burgemeester en wethouders Hardinxveld-Giessendam")]
    text = " ".join(pdf_text(parsed["pdf"]).split())
    assert "Stelt de Startfoto vast." in text and f"{SHEET}, rij 4" in text
    assert f"{len(report['results'])} bevinding(en) in totaal" in text
    # The printable HTML opens in the browser (inline), with the same findings.
    href = tab.locator("#download-html").get_attribute("href")
    printable = tab.request.get(served + href)
    assert printable.ok and f"{SHEET}, rij 3" in printable.text()
    tab.screenshot(path=str(tmp_path / "controleren-rekenblad.png"), full_page=True)
