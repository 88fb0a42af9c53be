"""Checking a role model without storing it, per municipality, and a report people can
read and keep (issue 12, sections 1 and 2).

The core (``mag_graph.validation.checking``, ``scope``, ``rulebook``) is tested directly;
the faces through the command line, a real waitress server on 127.0.0.1 and Debian's
Chromium: upload a file on the page, read the report, download each format and parse it
back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from store_template import initialised_store

from mag_graph import validation
from mag_graph.cli import main
from mag_graph.namespaces import DCTERMS, MAG, SH
from mag_graph.store import Store
from mag_graph.validation import checking, rulebook, scope
from mag_graph.validation.report import ValidationReport, ValidationResult

DATE = dt.date(2026, 11, 1)
MUNICIPALITIES = ("hardinxveld-giessendam", "maassluis", "molenlanden")
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent

# A small role model with two planted violations: R01 (no phase) and R02 (the agenda
# adopted by the college). Relative IRIs resolve against https://data.mag-graph.nl/id/.
PLANTED = """\
@prefix mag: <https://data.mag-graph.nl/def/mag#> .
@prefix magb: <https://data.mag-graph.nl/def/mag/begrip/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .

<verantwoordelijkheid/controle-zonder-fase> a mag:Responsibility ;
    rdfs:label "Stelt iets op, zonder fase"@nl ;
    mag:raciKind magb:Responsible ;
    mag:assignedTo <orgaan/hg-college> .
"""


def _turtle_in(fmt: ox.RdfFormat, text: str = PLANTED) -> bytes:
    """The same model in another format, written by Oxigraph."""
    quads = list(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE, base_iri=checking.BASE_IRI))
    if fmt.supports_datasets:
        return ox.serialize(quads, format=fmt)
    return ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=fmt)


# --------------------------------------------------------------------------- scope: per municipality


@pytest.fixture(scope="module")
def example() -> ox.Store:
    return validation.example_store()


@pytest.mark.parametrize("name", MUNICIPALITIES)
def test_each_municipality_conforms_on_its_own_as_the_whole_does(example: ox.Store, name: str) -> None:
    report = validation.validate(example, date=DATE, municipality=name)
    assert report.conforms, report.to_text()
    assert report.results == []


def test_the_whole_example_conforms_and_one_graph_alone_does_not(example: ox.Store) -> None:
    assert validation.validate(example, date=DATE).conforms
    # The split the municipality scope repairs: the sourced graph alone misses what its
    # -illustratief graph says (dashboards, assessments, accounthouders).
    alone = validation.validate(example, date=DATE, graph="https://data.mag-graph.nl/graph/maassluis")
    assert {r.rule for r in alone.violations} == {"R24", "R25", "R26"}


def test_the_scope_holds_both_graphs_and_the_shared_ones(example: ox.Store) -> None:
    found = scope.find_municipality(example, "GM0556")
    assert found.slug == "maassluis"
    assert scope.find_municipality(example, "gemeente Maassluis") == found
    copy = scope.municipality_store(example, "maassluis")
    graphs = {g.value for g in copy.named_graphs()}
    assert graphs == {
        "https://data.mag-graph.nl/graph/maassluis", "https://data.mag-graph.nl/graph/maassluis-illustratief",
        "https://data.mag-graph.nl/graph/bronnen", "https://data.mag-graph.nl/graph/catalogus",
        "https://data.mag-graph.nl/graph/ontologie",
    }
    with pytest.raises(validation.ValidationInputError, match="utrecht"):
        scope.find_municipality(example, "utrecht")


def test_cli_validates_one_municipality(tmp_path: Path) -> None:
    runner = CliRunner()
    store = str(tmp_path / "store")
    assert runner.invoke(main, ["init", "--store", store]).exit_code == 0
    for name in MUNICIPALITIES:
        result = runner.invoke(main, ["validate", "--store", store, "--municipality", name, "--date", "2026-11-01",
                                      "--format", "json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["conforms"] is True
    # Files are read by the same parsers as uploads: the planted model fails R01, and
    # the CSV has one row per finding.
    model = tmp_path / "model.ttl"
    model.write_text(PLANTED, encoding="utf-8")
    result = runner.invoke(main, ["validate", str(model), "--date", "2026-11-01", "--format", "csv"])
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {r["rule"] for r in rows} == {"R01"} and len(rows) == 1
    with_store = runner.invoke(main, ["validate", str(model), "--with-store", "--store", store, "-m",
                                      "hardinxveld-giessendam", "--date", "2026-11-01", "--format", "json"])
    assert with_store.exit_code == 1, with_store.output
    assert {r["rule"] for r in json.loads(with_store.output)["results"]} == {"R01"}
    # Last: a failed command in this process may leave the store's lock to the garbage collector.
    wrong = runner.invoke(main, ["validate", "--store", store, "-m", "utrecht"])
    assert wrong.exit_code == 2 and "utrecht" in wrong.output
    both = runner.invoke(main, ["validate", "--store", store, "-m", "maassluis", "--graph", "magg:maassluis"])
    assert both.exit_code == 2


# --------------------------------------------------------------------------- checking uploads (core)


@pytest.mark.parametrize("fmt", [ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N_TRIPLES,
                                 ox.RdfFormat.N_QUADS, ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML])
def test_every_format_gives_the_same_report(fmt: ox.RdfFormat) -> None:
    report = checking.check(_turtle_in(fmt), fmt.media_type, date=DATE)
    assert not report.conforms
    assert [(r.rule, r.focusNode) for r in report.violations] == [
        ("R01", "https://data.mag-graph.nl/id/verantwoordelijkheid/controle-zonder-fase")]


def test_parse_errors_name_line_and_column() -> None:
    broken = PLANTED.replace('"Stelt iets op, zonder fase"@nl', '"Stelt iets op\n')
    with pytest.raises(checking.UploadSyntaxError) as caught:
        checking.check(broken.encode(), "text/turtle")
    assert caught.value.line == 7
    assert "regel 7" in str(caught.value) and "line 7" in str(caught.value)
    with pytest.raises(checking.UploadSyntaxError) as xml:
        checking.check(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n  <a>\n</rdf:RDF>',
                       "application/rdf+xml")
    assert xml.value.line == 3
    with pytest.raises(checking.UploadTooLargeError):
        checking.check(PLANTED.encode(), "text/turtle", max_bytes=100)
    with pytest.raises(checking.UnsupportedUploadError) as unknown:
        checking.check(b"a,b", "image/png")
    assert "text/turtle" in str(unknown.value)


def test_with_the_store_as_context_only_what_the_upload_affects_is_reported(example: ox.Store) -> None:
    before = sorted(str(q) for q in example)
    # The planted responsibility names the college of Hardinxveld-Giessendam; with the
    # store as context its own findings are reported, and no one else's.
    report = checking.check(PLANTED.encode(), "text/turtle", date=DATE, context=example,
                            municipality="hardinxveld-giessendam")
    assert {(r.rule, r.focusLabel) for r in report.violations} == {("R01", "Stelt iets op, zonder fase")}
    # A date at which the store's own data has findings (overdue dashboards): those are
    # not the upload's and stay out of its report.
    old = checking.check(PLANTED.encode(), "text/turtle", date=dt.date(2019, 6, 1), context=example)
    assert {r.rule for r in old.results} == {"R01"}
    assert sorted(str(q) for q in example) == before  # nothing stored


def test_a_registered_converter_is_offered_without_other_changes() -> None:
    """The registry is how a spreadsheet converter plugs in: a parser for a media type."""

    def lines(body: bytes) -> list[ox.Quad]:
        subject = ox.NamedNode(checking.BASE_IRI + "verantwoordelijkheid/uit-regels")
        kind = ox.NamedNode(str(MAG.Responsibility))
        return [ox.Quad(subject, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), kind)
                for _ in body.splitlines()[:1]]

    parser = checking.Parser("text/x-mag-regels", "regels", "Regels", ("regels",), lines)
    checking.register_parser(parser)
    try:
        report = checking.check(b"een regel\n", "text/x-mag-regels", date=DATE)
        assert {r.rule for r in report.violations} >= {"R01"}
        assert checking.parser_for_suffix(".regels") is parser
    finally:
        del checking.PARSERS["text/x-mag-regels"]


# --------------------------------------------------------------------------- the report: headings from the right shape


def test_every_rule_part_heads_its_own_findings() -> None:
    """For every shape that carries a rule id (every part of R01-R28 and OD01-OD04), a
    finding from it is headed by that shape's own name, never by a sibling's."""
    parts = rulebook.rule_parts()
    assert {p.rule for p in parts.values()} == {f"R{n:02d}" for n in range(1, 29)} | {f"OD0{n}" for n in range(1, 5)}
    results = [
        ValidationResult(part.rule, "Violation", f"https://example.org/{i}", f"ding {i}", None, None, part.shape, "m")
        for i, part in enumerate(sorted(parts.values(), key=lambda p: p.shape))
    ]
    report = ValidationReport(False, DATE, "nl", results, Graph(), validation.rules())
    for lang in ("nl", "en"):
        groups = rulebook.group_by_rule(rulebook.findings(report, lang))
        assert len(groups) == len(parts)
        for group in groups:
            (item,) = group.findings
            own = parts[item.part.shape]
            assert own.shape == results[int(item.focus.rsplit("/", 1)[-1])].sourceShape
            holder = parts.get(own.parent) if own.parent else None
            own_name = rulebook.pick(own.name, lang)
            holder_name = rulebook.pick(holder.name, lang) if holder else ""
            expected = f"{own.rule} {holder_name}: {own_name}" if holder_name and holder_name != own_name else f"{own.rule} {own_name}"
            assert group.heading == expected
            # the name in the heading is this shape's; a sibling's name appears only when
            # it is the same text or the name of the shape holding this one
            named = group.heading.removeprefix(own.rule + " ").removeprefix(holder_name + ": " if holder_name != own_name else "")
            for sibling in parts.values():
                if sibling.rule == own.rule and sibling.shape != own.shape and named == rulebook.pick(sibling.name, lang):
                    assert rulebook.pick(sibling.name, lang) == own_name


def test_a_missing_accounthouder_is_not_headed_begroting(example: ox.Store) -> None:
    report = validation.validate(example, date=DATE, graph="https://data.mag-graph.nl/graph/maassluis")
    headings = {f.heading for f in rulebook.findings(report) if f.part and f.part.shape.endswith("R24-verbonden-partij-accounthouder")}
    assert headings == {"R24 Dashboard en accounthouder: Ambtelijke accounthouder"}
    text = report.to_text()
    section = text.split("R24 Dashboard en accounthouder: Ambtelijke accounthouder", 1)[1].split("\n\n", 1)[0]
    assert "accounthouder" in section and "begroting" not in section.lower()
    quarterly = validation.validate(example, date=dt.date(2019, 6, 1), rules=["R26"])
    for item in rulebook.findings(quarterly):
        assert item.heading == item.part.heading("nl")
        assert ("kwartaal" in item.heading) == item.part.shape.endswith("quarterly")


def test_the_rule_names_are_the_whole_rule_and_the_catalogue_splits_rules_and_registers() -> None:
    info = validation.rules()
    assert info["R24"].name["nl"] == "Documenten op het dashboard; Dashboard en accounthouder"
    assert "Begroting" not in info["R24"].name["nl"]
    report = validation.validate(validation.example_store(), date=DATE)
    listing = rulebook.catalogue(report, "nl")
    assert [e.rule for e in listing["rules"]] == [f"R{n:02d}" for n in range(1, 29)]
    assert [e.rule for e in listing["register"]] == ["OD01", "OD02", "OD03", "OD04"]


def _seeds() -> Path:
    """The seed texts, copied into tests/fixtures/seeds (personal names left out)."""
    return ROOT / "tests" / "fixtures" / "seeds"


def test_every_quotation_is_in_the_seed_its_source_names() -> None:
    seeds = _seeds()
    shapes = validation.shapes_graph()
    sources = Graph().parse(ROOT / "data" / "bronnen.ttl")

    def norm(text: str) -> str:
        return re.sub(r"\s+", " ", re.sub(r"[\uf000-\uf8ff]", " ", text)).strip()

    quoted = list(shapes.subject_objects(MAG.sourceQuote))
    assert len(quoted) >= 28
    for shape, quote in quoted:
        source = shapes.value(shape, DCTERMS.source)
        document = sources.value(source, MAG.inSourceDocument)
        name = sources.value(document, MAG.fileName)
        assert name is not None, shape
        assert norm(str(quote)) in norm((seeds / str(name)).read_text(encoding="utf-8")), (shape, quote)
    # Every rule of the sources (R01-R28) has a quotation for each of its parts.
    for part in rulebook.rule_parts().values():
        assert bool(part.quote) == part.rule.startswith("R"), part.shape


def test_csv_has_one_row_per_finding_with_field_labels() -> None:
    report = validation.validate(validation.example_store(), date=dt.date(2019, 6, 1))
    rows = list(csv.DictReader(io.StringIO(rulebook.report_csv(report))))
    assert len(rows) == len(report.results) > 0
    assert all(r["rule"] and r["message"] and r["focusLabel"] for r in rows)
    assert all(not r["path"] or r["pathLabel"] for r in rows)


# --------------------------------------------------------------------------- HTTP and the browser


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, base: str, store: Store) -> None:
        self.base = base
        self.store = store

    def call(self, method: str, path: str, body: bytes | None = None, **headers: str) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.base + path, data=body, method=method,
                                         headers={k.replace("_", "-"): v for k, v in headers.items()})
        try:
            with urllib.request.urlopen(request, timeout=120) as reply:
                return reply.status, dict(reply.headers), reply.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, require: Any) -> Iterator[Server]:
    """The application under waitress with the example in an on-disk store; a small
    upload limit (so a 413 needs no megabytes) and no waiting for reports (so the
    progress indicator shows)."""
    waitress = require("waitress")
    from mag_graph.api import create_app

    store = initialised_store(tmp_path_factory.mktemp("store") / "store")
    app = create_app(store, config={"MAG_GRAPH_CHECK_MAX_BYTES": 20_000, "MAG_GRAPH_REPORT_WAIT": 0})
    http = waitress.create_server(app, host="127.0.0.1", port=_free_port(), threads=4)
    thread = threading.Thread(target=http.run, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{http.effective_port}", store)
    finally:
        http.close()
        thread.join(timeout=5)
        app.extensions["mag_graph"].close()
        store.close()


def test_post_validation_checks_without_storing(server: Server, quad_snapshot: Any) -> None:
    before = quad_snapshot(server.store)
    status, headers, body = server.call("POST", "/api/v1/validation?date=2026-11-01", PLANTED.encode(),
                                        Content_Type="text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    report = json.loads(body)
    assert report["conforms"] is False and {r["rule"] for r in report["results"]} == {"R01"}
    status, headers, body = server.call("POST", "/api/v1/validation?date=2026-11-01&context=store&municipality=gm0523",
                                        _turtle_in(ox.RdfFormat.JSON_LD), Content_Type="application/ld+json",
                                        Accept="text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=body.decode(), format="turtle")
    assert len(list(graph.subjects(None, SH.ValidationReport))) == 1
    assert {str(o) for o in graph.objects(None, SH.focusNode)} == {
        "https://data.mag-graph.nl/id/verantwoordelijkheid/controle-zonder-fase"}
    status, headers, body = server.call("POST", "/api/v1/validation?date=2026-11-01", PLANTED.encode(),
                                        Content_Type="text/turtle", Accept="text/csv")
    assert status == 200 and len(list(csv.DictReader(io.StringIO(body.decode())))) == 1
    assert quad_snapshot(server.store) == before


def test_post_validation_errors(server: Server, quad_snapshot: Any) -> None:
    before = quad_snapshot(server.store)
    broken = PLANTED.replace('"Stelt iets op, zonder fase"@nl', '"Stelt iets op\n').encode()
    status, headers, body = server.call("POST", "/api/v1/validation", broken, Content_Type="text/turtle")
    problem = json.loads(body)
    assert status == 400 and headers["Content-Type"] == "application/problem+json"
    assert problem["line"] == 7 and isinstance(problem["column"], int) and "regel 7" in problem["detail"]
    status, headers, body = server.call("POST", "/api/v1/validation", b"x" * 30_000, Content_Type="text/turtle")
    assert status == 413 and json.loads(body)["limit"] == 20_000
    status, _, body = server.call("POST", "/api/v1/validation", b"a;b", Content_Type="image/png")
    assert status == 415 and "text/turtle" in json.loads(body)["acceptable"]
    assert "text/csv" in json.loads(body)["acceptable"]  # the role matrix spreadsheets (mag_graph.sheets)
    for query, name in (("?date=gisteren", "gisteren"), ("?municipality=utrecht&context=store", "utrecht"),
                        ("?municipality=maassluis", "context"), ("?context=alles", "context"), ("?regel=R01", "regel")):
        status, _, body = server.call("POST", "/api/v1/validation" + query, PLANTED.encode(), Content_Type="text/turtle")
        assert status == 400 and name in json.loads(body)["detail"], query
    assert quad_snapshot(server.store) == before


def test_get_validation_takes_a_municipality(server: Server) -> None:
    for name in MUNICIPALITIES:
        status, _, body = server.call("GET", f"/api/v1/validation?date=2026-11-01&municipality={name}")
        assert status == 200 and json.loads(body) == {"conforms": True, "date": "2026-11-01", "results": []}
    status, _, body = server.call("GET", "/api/v1/validation?date=2019-06-01&municipality=maassluis")
    assert {r["rule"] for r in json.loads(body)["results"]} == {"R26"}
    status, _, body = server.call("GET", "/api/v1/validation?municipality=utrecht")
    assert status == 400 and "utrecht" in json.loads(body)["detail"]


def test_post_validation_is_documented(server: Server) -> None:
    _, _, body = server.call("GET", "/api/v1/openapi.json")
    operation = json.loads(body)["paths"]["/validation"]["post"]
    assert operation["operationId"] == "checkRoleModel"
    assert {"200", "400", "406", "413", "415"} <= set(operation["responses"])
    assert "text/turtle" in operation["requestBody"]["content"]


def test_report_page_downloads_and_negotiation(server: Server) -> None:
    path = "/validatie?datum=2019-06-01&gemeente=maassluis"
    status, _, body = server.call("GET", path + "&format=json")  # waits for the report
    report = json.loads(body)
    assert status == 200 and report["conforms"] is False and {r["rule"] for r in report["results"]} == {"R26"}
    status, headers, body = server.call("GET", path, Accept="text/csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert status == 200 and len(rows) == len(report["results"]) and headers["Vary"].count("Accept")
    status, _, body = server.call("GET", path + "&format=turtle")
    assert (None, None, SH.ValidationReport) in Graph().parse(data=body.decode(), format="turtle")
    status, _, body = server.call("GET", path + "&format=html")
    assert status == 200 and "R26 Belangrijk: elk kwartaal actualiseren" in body.decode()
    status, _, body = server.call("GET", "/validatie?datum=2019-06-01&format=docx")
    assert status == 400
    status, _, _ = server.call("GET", "/validatie?gemeente=utrecht", Accept="text/html")
    assert status == 404


def test_report_page_shows_progress_then_the_report(server: Server) -> None:
    status, _, body = server.call("GET", "/validatie?datum=2020-02-02", Accept="text/html")
    html = body.decode()
    if status == 202:  # not computed yet: the progress indicator, refreshing itself
        assert 'id="voortgang"' in html and "<progress" in html and 'http-equiv="refresh"' in html
    for _ in range(120):
        status, _, body = server.call("GET", "/validatie?datum=2020-02-02", Accept="text/html")
        if status == 200:
            break
        threading.Event().wait(0.5)
    assert status == 200 and 'id="samenvatting"' in body.decode()


def test_report_page_lists_rules_and_register_checks_apart(server: Server) -> None:
    server.call("GET", "/validatie?datum=2019-06-01&format=json")
    status, _, body = server.call("GET", "/validatie?datum=2019-06-01", Accept="text/html")
    html = body.decode()
    assert status == 200
    assert "Regels van de rolverdeling (R01-R28) (28)" in html
    assert "Controles van de registers (OD01-OD04) (4)" in html
    # The page never calls the 32 rules it lists "R01-R28": the intro names both kinds.
    intro = html.split("<h1>", 1)[1].split("</p>", 1)[0]
    assert "R01-R28" in intro and "OD01-OD04" in intro
    # Each part under its own name, with its source and the quotation.
    assert "R26 Belangrijk: elk kwartaal actualiseren" in html
    assert "minimaal 1 keer per kwartaal" in html


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("MAG_GRAPH_SCREENSHOTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        return Path(wanted)
    return tmp_path_factory.mktemp("screenshots")


def test_browser_uploads_a_file_and_downloads_each_format(browser_page: Any, server: Server, tmp_path: Path,
                                                          shots: Path, quad_snapshot: Any) -> None:
    before = quad_snapshot(server.store)
    model = tmp_path / "model.ttl"
    model.write_text(PLANTED, encoding="utf-8")
    tab = browser_page
    tab.goto(server.base + "/validatie")
    tab.click("#to-check")
    tab.wait_for_selector("form#controleren")
    tab.set_input_files("#bestand", str(model))
    tab.fill("#datum", "2026-11-01")
    tab.click("form#controleren button[type=submit]")
    tab.wait_for_selector("#samenvatting")
    assert "voldoet niet op 2026-11-01" in tab.locator("#samenvatting").inner_text()
    headings = tab.locator(".rule-part__heading").all_inner_texts()
    assert headings == ["R01 Verantwoordelijkheid hoort bij één fase: fase"]
    assert "1 overtreding(en)" in tab.locator("#samenvatting-regel").inner_text()
    assert "Stelt iets op, zonder fase" in tab.locator(".finding-focus").inner_text()
    assert tab.locator("blockquote.quote").count() == 1
    tab.screenshot(path=str(shots / "controleren.png"), full_page=True)
    parsed = {}
    for fmt in ("json", "turtle", "csv", "html"):
        href = tab.locator(f"#download-{fmt}").get_attribute("href")
        reply = tab.request.get(server.base + href)
        assert reply.ok, fmt
        parsed[fmt] = reply.text()
    assert [r["rule"] for r in json.loads(parsed["json"])["results"]] == ["R01"]
    graph = Graph().parse(data=parsed["turtle"], format="turtle")
    assert set(graph.objects(None, SH.focusNode)) == {URIRef(checking.BASE_IRI + "verantwoordelijkheid/controle-zonder-fase")}
    assert [r["rule"] for r in csv.DictReader(io.StringIO(parsed["csv"]))] == ["R01"]
    assert "R01 Verantwoordelijkheid hoort bij één fase: fase" in parsed["html"] and "report.css" in parsed["html"]
    # A pasted text with an error: the form again, with the line.
    tab.goto(server.base + "/validatie/controleren?lang=en")
    tab.fill("#tekst", "<a> <b> .")
    tab.select_option("#formaat", "turtle")
    tab.click("form#controleren button[type=submit]")
    tab.wait_for_selector("#fout")
    assert "line 1" in tab.locator("#fout").inner_text()
    assert quad_snapshot(server.store) == before


def test_browser_report_page_waits_for_the_background_report(browser_page: Any, server: Server, shots: Path) -> None:
    tab = browser_page
    tab.goto(server.base + "/validatie?datum=2018-03-03&gemeente=maassluis&per=onderwerp")
    tab.wait_for_selector("#samenvatting", timeout=120_000)  # after the progress page refreshed itself
    assert "2018-03-03" in tab.locator("#samenvatting").inner_text()
    assert tab.locator(".finding-group h3 a", has_text="Dashboard Rogplus").count() == 1
    # By actor: the dashboard's findings are the accounthouder's, not the dashboard's.
    tab.select_option("#per", "actor")
    tab.click("form.inline-form button[type=submit]")
    tab.wait_for_selector("#actor-uitleg", timeout=120_000)
    actors = tab.locator(".finding-group--actor h3").all_inner_texts()
    assert actors and not any("Dashboard" in a for a in actors)
    assert any("ccounthouder" in a for a in actors), actors
    tab.screenshot(path=str(shots / "validatie-maassluis.png"), full_page=False)
