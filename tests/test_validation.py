"""The validation API, the report formats, the CLI's exit codes, and reasoning."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH, XSD

from mag_graph import validation
from mag_graph.cli import main
from mag_graph.namespaces import MAG
from mag_graph.reasoning.inference import INFERENCE_GRAPH
from mag_graph.store import Store
from mag_graph.validation import pyshacl_patches

DATE = dt.date(2026, 11, 1)
EX = Namespace("http://example.org/")
BROKEN_MODEL = """
@prefix mag: <https://data.mag-graph.nl/def/mag#> .
@prefix magb: <https://data.mag-graph.nl/def/mag/begrip/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<http://example.org/taak> a mag:Responsibility ; rdfs:label "Stelt de agenda vast"@nl ;
    mag:phase magb:Vaststellen, magb:Uitvoering .
"""


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("validation") / "store"
    result = CliRunner().invoke(main, ["init", "--store", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture()
def broken_file(tmp_path: Path) -> Path:
    path = tmp_path / "model.ttl"
    path.write_text(BROKEN_MODEL, encoding="utf-8")
    return path


def test_every_rule_has_shapes_names_and_a_source() -> None:
    rules = validation.rules()
    assert sorted(r for r in rules if r.startswith("R")) == [f"R{n:02d}" for n in range(1, 29)]
    for rule_id, info in rules.items():
        assert info.name.get("nl") and info.name.get("en"), rule_id
        assert info.sourceLabel.get("nl"), rule_id
        assert info.shapes, rule_id


def test_the_example_conforms_at_the_reference_date() -> None:
    report = validation.validate(validation.example_store(), date=DATE)
    assert report.conforms
    assert report.violations == []
    assert report.to_dict() == {"conforms": True, "date": "2026-11-01", "results": []}


def test_a_result_names_rule_focus_path_and_message_in_both_languages() -> None:
    store = validation.example_store()
    store.load(BROKEN_MODEL.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(EX.g)))
    nl = validation.validate(store, date=DATE, rules=["R01"], lang="nl")
    en = validation.validate(store, date=DATE, rules=["R01"], lang="en")
    assert not nl.conforms
    (result,) = nl.results
    assert (result.rule, result.severity, result.focusNode) == ("R01", "Violation", str(EX.taak))
    assert result.path == str(MAG.phase)
    assert result.focusLabel == "Stelt de agenda vast"
    assert result.sourceShape.startswith(str(MAG) + "R01")
    assert en.results[0].message != result.message
    assert "fase" in result.message and "phase" in en.results[0].message


def test_rules_restrict_the_run_and_unknown_rules_are_refused() -> None:
    store = validation.example_store()
    store.load(BROKEN_MODEL.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(EX.g)))
    assert validation.validate(store, date=DATE, rules=["R15"]).conforms
    with pytest.raises(validation.ValidationInputError, match="R99"):
        validation.validate(store, date=DATE, rules=["R99"])


def test_validating_a_named_graph_alone(store_dir: Path) -> None:
    with Store.open(store_dir) as store:
        report = validation.validate(store, date=DATE, graph="https://data.mag-graph.nl/graph/maassluis-illustratief",
                                     rules=["R27"])
    # The process moments live in the illustrative graph, with their kinds and dates.
    assert report.conforms
    with Store.open(store_dir) as store, pytest.raises(validation.ValidationInputError, match="graph"):
        validation.validate(store, date=DATE, graph="https://example.org/no-such-graph")


def test_plain_string_literals_in_shapes_match_oxigraph_values() -> None:
    """The known trap: Oxigraph hands a plain "a" back as "a"^^xsd:string, which rdflib
    (the shapes graph) does not consider equal to "a". The bridge hands such literals
    back plain (pyshacl_patches._plain_strings_stay_plain), so sh:in and sh:hasValue with
    plain literals hold on the store as written, and the shapes are left as they are."""
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <http://example.org/S> a sh:NodeShape ; sh:targetClass <http://example.org/C> ;
            sh:property [ sh:path <http://example.org/p> ; sh:in ("ja" "nee") ] ;
            sh:property [ sh:path <http://example.org/p> ; sh:hasValue "ja" ] .
        <http://example.org/T> a sh:NodeShape ; sh:targetNode "Test" ; sh:hasValue "Test" .
    """, format="turtle")
    store = ox.Store()
    store.load(b'<http://example.org/a> a <http://example.org/C> ; <http://example.org/p> "ja" .',
               format=ox.RdfFormat.TURTLE)
    conforms, report, _ = pyshacl.validate(store, shacl_graph=shapes)
    assert conforms, report.serialize(format="turtle")
    assert validation.validate(store, shapes=shapes).results == []
    members = list(shapes.objects(None, RDF.first))
    assert Literal("ja") in members and Literal("ja", datatype=XSD.string) not in members


def test_the_reference_date_decides_time_dependent_rules() -> None:
    """Dashboards of important Maassluis partnerships are updated quarterly in the
    example; a year later they are all overdue (R26)."""
    store = validation.example_store()
    assert validation.validate(store, date=DATE, rules=["R26"]).conforms
    late = validation.validate(store, date=dt.date(2027, 11, 1), rules=["R26"])
    assert not late.conforms
    assert {r.rule for r in late.results} == {"R26"}


# --------------------------------------------------------------------------- CLI


def test_cli_exit_code_0_for_a_conforming_store(store_dir: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--store", str(store_dir), "--date", "2026-11-01"])
    assert result.exit_code == 0, result.output
    assert "Samenvatting: 0 overtreding(en)" in result.output


def test_cli_text_report_for_people(broken_file: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(broken_file), "--date", "2026-11-01"])
    assert result.exit_code == 1
    out = result.output
    assert "R01" in out and "Stelt de agenda vast" in out  # the label, not the IRI
    assert "bron: 000, sheet 3" in out
    assert "1 overtreding(en)" in out and "voldoet niet" in out
    english = CliRunner().invoke(main, ["validate", str(broken_file), "--date", "2026-11-01", "--lang", "en"])
    assert "Summary: 1 violation(s)" in english.output


def test_cli_json_report(broken_file: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(broken_file), "--date", "2026-11-01", "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["conforms"] is False and report["date"] == "2026-11-01"
    (finding,) = report["results"]
    assert set(finding) == {"rule", "severity", "focusNode", "focusLabel", "path", "value", "sourceShape", "message",
                            "actors", "actorLabels"}  # the actors assigned to what it concerns (validation.actors)
    assert finding["rule"] == "R01" and finding["focusNode"] == str(EX.taak)


def test_cli_turtle_report_is_a_shacl_validation_report(broken_file: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(broken_file), "--date", "2026-11-01", "--format", "turtle"])
    assert result.exit_code == 1
    graph = Graph().parse(data=result.output, format="turtle")
    (report,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms) == Literal(False)
    assert len(list(graph.objects(report, SH.result))) == 1


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--rule", "R99"], "R99"),
        (["--date", "2026-13-01"], "--date"),
        (["--lang", "fr"], "--lang"),
        (["/no/such/file.ttl"], "file.ttl"),
        (["--graph", "https://example.org/none"], "graph"),
    ],
)
def test_cli_usage_and_input_errors_exit_2(store_dir: Path, args: list[str], fragment: str) -> None:
    result = CliRunner().invoke(main, ["validate", "--store", str(store_dir), *args])
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_cli_unparseable_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text("<a> <b> .", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "broken.ttl" in result.output


# --------------------------------------------------------------------------- reasoning


def test_validation_with_inference_still_conforms() -> None:
    report = validation.validate(validation.example_store(), date=DATE, inference="owlrl", rules=["R01", "R16", "R28"])
    assert report.conforms


def test_reason_materialises_into_its_own_graph_and_checks_consistency(store_dir: Path) -> None:
    with Store.open(store_dir) as store:
        before = {g: store.count(g) for g in store.graphs() if g != INFERENCE_GRAPH}
    result = CliRunner().invoke(main, ["reason", "--store", str(store_dir)])
    assert result.exit_code == 0, result.output
    assert "consistent" in result.output
    with Store.open(store_dir) as store:
        assert store.count(INFERENCE_GRAPH) > 0
        assert {g: store.count(g) for g in store.graphs() if g != INFERENCE_GRAPH} == before
        # An entailment of the class hierarchy: the college is a governing body (bestuursorgaan).
        ask = store.query(
            "ASK { GRAPH <https://data.mag-graph.nl/graph/inferentie> {"
            " <https://data.mag-graph.nl/id/orgaan/hg-college> a <https://data.mag-graph.nl/def/mag#GoverningBody> } }"
        )
        assert ask.boolean


def test_reason_reports_an_inconsistent_model_in_plain_words(tmp_path: Path) -> None:
    path = tmp_path / "store"
    assert CliRunner().invoke(main, ["init", "--store", str(path)]).exit_code == 0
    clash = tmp_path / "clash.ttl"
    clash.write_text(
        "@prefix mag: <https://data.mag-graph.nl/def/mag#> .\n"
        "<http://example.org/x> a mag:Resident, mag:Post .\n",
        encoding="utf-8",
    )
    assert CliRunner().invoke(main, ["load", str(clash), "--store", str(path)]).exit_code == 0
    result = CliRunner().invoke(main, ["reason", "--store", str(path), "--no-materialise"])
    assert result.exit_code == 1, result.output
    assert "inconsistent" in result.output.lower()
    assert URIRef("http://example.org/x").split("/")[-1] in result.output


# ----------------------------------------------------------------- pySHACL speed patches


def test_constraint_parameters_answer_in_like_the_list() -> None:
    from pyshacl import shape as shape_module
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS

    parameters, _ = shape_module.CONSTRAINT_PARAMS
    assert isinstance(parameters, pyshacl_patches._ParameterList)
    assert list(parameters) == list(ALL_CONSTRAINT_PARAMETERS)
    for candidate in [*ALL_CONSTRAINT_PARAMETERS, SH.targetClass, RDF.type, Literal(str(SH["in"])), URIRef(str(SH["in"]))]:
        assert (candidate in parameters) == (candidate in list(ALL_CONSTRAINT_PARAMETERS))


def test_shape_triples_are_replayed_in_order() -> None:
    from pyshacl.shapes_graph import ShapesGraph

    shapes, _ = validation.prepared_shapes(DATE)
    wrapped = ShapesGraph(shapes)
    node = URIRef("https://data.mag-graph.nl/def/mag#R16-klankbordgroep-buurtnetwerker-adviser")
    expected = list(shapes.predicate_objects(node))
    assert expected
    assert list(wrapped.predicate_objects(node)) == expected
    assert list(wrapped.predicate_objects(node)) == expected


def test_components_naming_the_same_class_share_one_builder() -> None:
    from pyshacl import shape as shape_module

    _, classes = shape_module.CONSTRAINT_PARAMS
    qualified = {classes[SH.qualifiedValueShape], classes[SH.qualifiedMinCount], classes[SH.qualifiedMaxCount]}
    assert len(qualified) == 1
    assert getattr(qualified.pop(), "_built_once", False)
    assert not getattr(classes[SH.sparql], "_built_once", False)


def test_a_qualified_shape_reports_once_per_focus_node() -> None:
    """Regression: one builder per parameter made pySHACL run sh:qualifiedMinCount and
    sh:qualifiedMaxCount as two components, each reporting the same result."""
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:Group ;
            sh:property [ sh:path ex:member ; sh:qualifiedValueShape [ sh:class ex:Adviser ] ;
                          sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ] .
        """,
        format="turtle",
    )
    store = ox.Store()
    for index in range(3):
        group = ox.NamedNode(f"http://example.org/g{index}")
        store.add(ox.Quad(group, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(EX.Group))))
        store.add(ox.Quad(group, ox.NamedNode(str(EX.member)), ox.NamedNode(f"http://example.org/p{index}")))
    for _ in range(2):  # the second run reuses nothing from the first
        _, report, _ = pyshacl.validate(store, shacl_graph=shapes, inplace=True)
        focus = [report.value(r, SH.focusNode) for r in report.objects(None, SH.result)]
        assert sorted(focus) == [EX.g0, EX.g1, EX.g2]


def test_prebinding_searches_answer_like_the_patterns() -> None:
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

    remembered = SPARQLQueryHelper.bind_this_regex
    assert isinstance(remembered, pyshacl_patches._RememberedSearch)
    for text in ["SELECT $this WHERE { $this a ?c }", "SELECT ?x WHERE { ?x a ?c }", "ASK { ?this ?p ?o }"]:
        for _ in range(2):
            found, expected = remembered.search(text), remembered.pattern.search(text)
            assert (found and found.span()) == (expected and expected.span())
    path = SPARQLQueryHelper.bind_path_regex
    assert path.sub(r"\g<1><p>", "SELECT * { ?a $PATH ?b }") == "SELECT * { ?a <p> ?b }"


def test_oxigraph_terms_convert_to_equal_rdflib_terms_once() -> None:
    from pyshacl import graph_abstraction

    to_rdf = graph_abstraction.to_rdf
    assert getattr(to_rdf, "_converts_once", False)
    iri = ox.NamedNode("http://example.org/a")
    assert to_rdf(iri) == URIRef("http://example.org/a") and to_rdf(iri) is to_rdf(ox.NamedNode(iri.value))
    for literal, expected in [
        (ox.Literal("a"), Literal("a")),  # plain, as rdflib reads it (_plain_strings_stay_plain)
        (ox.Literal("a", language="nl"), Literal("a", lang="nl")),
        (ox.Literal("01", datatype=ox.NamedNode(str(XSD.integer))), Literal("01", datatype=XSD.integer)),
        (ox.Literal("1", datatype=ox.NamedNode(str(XSD.integer))), Literal("1", datatype=XSD.integer)),
    ]:
        converted = to_rdf(literal)
        assert converted == expected and str(converted) == str(expected)
    assert to_rdf(ox.BlankNode("b1")) is not to_rdf(ox.BlankNode("b1"))


def test_a_literal_where_a_class_is_expected_does_not_crash_validation() -> None:
    """A literal as rdf:type (found by the incremental property test): pySHACL's Oxigraph
    bridge used to pass it as a subject to Oxigraph, which raised a TypeError."""
    store = validation.example_store()
    node = ox.NamedNode("https://data.mag-graph.nl/id/belangrijkheid/ms-dcmr-milieudienst-rijnmond")
    store.add(ox.Quad(node, ox.NamedNode(str(RDF.type)), ox.Literal("2019-06-30", datatype=ox.NamedNode(str(XSD.date))),
                      ox.NamedNode("https://data.mag-graph.nl/graph/maassluis")))
    report = validation.validate(store, date=dt.date(2026, 11, 1))
    assert report.conforms  # the node keeps its real class too, so nothing is wrong


# --------------------------------------------------------------------------- own shapes (W3C conformance causes)

EX_SHAPES = """
    @prefix sh: <http://www.w3.org/ns/shacl#> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    @prefix ex: <http://example.org/> .
"""


def _store(turtle: str) -> ox.Store:
    store = ox.Store()
    store.load((EX_SHAPES + turtle).encode(), format=ox.RdfFormat.TURTLE)
    return store


def _values(report: validation.ValidationReport) -> list[str | None]:
    return sorted(r.value or "" for r in report.results)


def test_own_shapes_are_validated_instead_of_the_shipped_ones() -> None:
    shapes = Graph().parse(data=EX_SHAPES + "ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .",
                           format="turtle")
    report = validation.validate(_store("ex:a ex:q 1 ."), shapes=shapes)
    assert not report.conforms and [r.focusNode for r in report.results] == ["http://example.org/a"]
    assert report.rules == {}
    assert report.results_in("en", _store("ex:a ex:q 1 .")) == report.results
    with pytest.raises(validation.ValidationInputError, match="own shapes"):
        validation.validate(_store(""), shapes=shapes, rules=["R01"])


def test_shapes_files_are_read_as_written(tmp_path: Path) -> None:
    """``"1"^^xsd:boolean`` is not ``true``: sh:uniqueLang "1"^^xsd:boolean is inactive."""
    path = tmp_path / "shapes.ttl"
    path.write_text(EX_SHAPES + 'ex:S a sh:PropertyShape ; sh:targetNode ex:a ; sh:path ex:p ; sh:uniqueLang "1"^^xsd:boolean .')
    data = _store('ex:a ex:p "x"@en, "y"@en .')
    assert validation.validate(data, shapes=[path]).results == []
    path.write_text(EX_SHAPES + "ex:S a sh:PropertyShape ; sh:targetNode ex:a ; sh:path ex:p ; sh:uniqueLang true .")
    assert len(validation.validate(data, shapes=[path]).results) == 1
    with pytest.raises(validation.ValidationInputError, match="not found"):
        validation.validate(data, shapes=[tmp_path / "missing.ttl"])


def test_a_refused_shapes_graph_is_an_input_error_not_a_crash() -> None:
    shapes = Graph().parse(data=EX_SHAPES + """
        ex:S a sh:NodeShape ; sh:targetNode ex:a ;
            sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o MINUS { $this ex:q ?o } }" ] .
    """, format="turtle")
    with pytest.raises(validation.ValidationInputError, match="weigert de shapes / pySHACL refuses the shapes"):
        validation.validate(_store("ex:a ex:p 1 ."), shapes=shapes)


def test_bound_this_is_true_when_prebound() -> None:
    query = "SELECT $this WHERE { { FILTER bound($this) } $this <http://example.org/p> ?o . FILTER (BOUND( $this )) }"
    inlined = pyshacl_patches._inline_bindings(query, {"this": ox.NamedNode("http://example.org/a")})
    assert inlined is not None and "bound" not in inlined.lower() and inlined.count("(true)") == 2
    shapes = Graph().parse(data=EX_SHAPES + """
        ex:S a sh:NodeShape ; sh:targetNode ex:a ;
            sh:sparql [ sh:select "SELECT $this WHERE { { FILTER bound($this) } $this ex:p ?o . }" ;
                        sh:prefixes ex: ] .
        ex: sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
    """, format="turtle")
    assert [r.focusNode for r in validation.validate(_store("ex:a ex:p 1 ."), shapes=shapes).results] == ["http://example.org/a"]


def test_derived_integer_types_and_timestamps_on_oxigraph() -> None:
    """Oxigraph keeps "5"^^xsd:nonNegativeInteger as "5"^^xsd:integer and an
    xsd:dateTimeStamp as an xsd:dateTime; valid values still pass sh:datatype."""
    shapes = Graph().parse(data=EX_SHAPES + """
        ex:S a sh:NodeShape ; sh:targetNode ex:a ;
            sh:property [ sh:path ex:n ; sh:datatype xsd:nonNegativeInteger ] ;
            sh:property [ sh:path ex:t ; sh:datatype xsd:dateTimeStamp ] .
    """, format="turtle")
    valid = _store('ex:a ex:n "5"^^xsd:nonNegativeInteger ; ex:t "2020-01-01T10:00:00Z"^^xsd:dateTimeStamp .')
    assert validation.validate(valid, shapes=shapes).results == []
    invalid = _store('ex:a ex:n "-1"^^xsd:nonNegativeInteger, "x"^^xsd:nonNegativeInteger ; ex:t "2020-01-01T10:00:00"^^xsd:dateTime .')
    assert _values(validation.validate(invalid, shapes=shapes)) == ["-1", "2020-01-01T10:00:00", "x"]


def test_ill_typed_literals_of_rdflib_input_stay_ill_typed() -> None:
    """rdflib reads "none"^^xsd:boolean as an ill-typed "false"; the violation is kept."""
    text = EX_SHAPES + """
        ex:a ex:p "none"^^xsd:boolean, true .
        ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:datatype xsd:boolean ] .
    """
    graph = Graph().parse(data=text, format="turtle")
    report = validation.validate(graph, shapes=graph)
    assert len(report.results) == 1 and report.results[0].value == "false"
