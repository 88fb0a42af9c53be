"""The SHACL Core components the set-based engine compiles to SPARQL
(mag_graph/validation/setbased_core.py: sh:in, sh:datatype, sh:nodeKind as conditions on
the value nodes; setbased.py: sh:qualifiedValueShape with its qualified shape evaluated
set-based) give exactly pySHACL's results on small focused graphs, edge cases included:
literals of derived datatypes, ill-formed and non-canonical literals, language tags,
blank nodes as values, focus nodes without values, literals as qualified value nodes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from mag_graph import validation

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_setbased_engine import ENGINES, _canonical, result_set

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/> .
"""

DATA = PREFIXES + """
ex:a a ex:Thing ; ex:kind ex:Red, ex:Blue, "Red", _:k ; ex:date "2020-01-01"^^xsd:date, "2020-1-1"^^xsd:date,
    "2020-01-01Z"^^xsd:date, "2020-01-01", "2020-01-01"@nl, ex:notADate, _:d ;
    ex:year "2024"^^xsd:gYear, "24"^^xsd:gYear ; ex:n "5"^^xsd:integer, "05"^^xsd:integer, "5"^^xsd:byte,
    "300"^^xsd:byte, "-1"^^xsd:nonNegativeInteger, "1.5"^^xsd:decimal, "true"^^xsd:boolean, "1"^^xsd:boolean ;
    ex:part ex:p1, ex:p2, ex:p3, "literal part", _:bpart .
ex:b a ex:Thing ; ex:kind ex:Green ; ex:part ex:p1 .
ex:c a ex:Thing .
ex:d a ex:Thing ; ex:kind "Red"@en ; ex:date "x"^^xsd:date ; ex:part ex:p3 .
ex:p1 ex:role ex:Chair ; ex:tag "a", "b" ; a ex:Part .
ex:p2 ex:role ex:Member, ex:Chair .
ex:p3 ex:role ex:Member .
_:bpart ex:role ex:Chair .
"""


def _compare(tmp_path: Path, shapes: str, data: str = DATA) -> set:
    path = tmp_path / "shapes.ttl"
    path.write_text(PREFIXES + shapes, encoding="utf-8")
    outcomes = []
    for engine in ENGINES:
        store = ox.Store()
        store.load(data.encode(), format=ox.RdfFormat.TURTLE, base_iri="http://example.org/")
        outcomes.append(result_set(validation.validate(store, shapes=[path], engine=engine).report_graph))
    reference, setbased = (_canonical({_shape_named(r) for r in found}) for found in outcomes)
    assert reference == setbased, reference ^ setbased
    return outcomes[0]


def _shape_named(result: tuple) -> tuple:
    """A result with its source shape left out when it is a blank node (the shapes file
    is read once per run, so its blank nodes are named anew)."""
    shape = result[3]
    return (*result[:3], shape if shape.startswith("http") else "_:b", *result[4:])


IN_SHAPES = {
    "iris": "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:kind ; sh:in ( ex:Red ex:Blue ) ] .",
    "iris and literals": 'ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:kind ; sh:in ( ex:Red "Red" ) ] .',
    "literals only": 'ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:kind ; sh:in ( "Red" "Red"@en ) ] .',
    "node shape": "ex:S a sh:NodeShape ; sh:targetObjectsOf ex:kind ; sh:in ( ex:Red ex:Green ) .",
    "empty list": "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:kind ; sh:in () ] .",
}


@pytest.mark.parametrize("name", list(IN_SHAPES))
def test_sh_in(tmp_path: Path, name: str) -> None:
    found = _compare(tmp_path, IN_SHAPES[name])
    assert found  # every variant has a value outside its list


DATATYPES = ["xsd:date", "xsd:gYear", "xsd:integer", "xsd:byte", "xsd:nonNegativeInteger", "xsd:decimal",
             "xsd:boolean", "xsd:string", "rdf:langString", "rdfs:Literal", "xsd:dateTime"]


@pytest.mark.parametrize("datatype", DATATYPES)
def test_sh_datatype(tmp_path: Path, datatype: str) -> None:
    shapes = ("@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
              f"ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;\n"
              f"  sh:property [ sh:path ex:date ; sh:datatype {datatype} ] ,\n"
              f"    [ sh:path ex:year ; sh:datatype {datatype} ] , [ sh:path ex:n ; sh:datatype {datatype} ] ,\n"
              f"    [ sh:path ex:kind ; sh:datatype {datatype} ] .")
    assert _compare(tmp_path, shapes)


@pytest.mark.parametrize("kind", ["sh:IRI", "sh:BlankNode", "sh:Literal", "sh:BlankNodeOrIRI",
                                  "sh:BlankNodeOrLiteral", "sh:IRIOrLiteral"])
def test_sh_node_kind(tmp_path: Path, kind: str) -> None:
    shapes = (f"ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:kind ; sh:nodeKind {kind} ] .\n"
              f"ex:T a sh:NodeShape ; sh:targetSubjectsOf ex:role ; sh:nodeKind {kind} .")
    assert _compare(tmp_path, shapes)


QUALIFIED = {
    "has value, min": "sh:qualifiedValueShape [ sh:property [ sh:path ex:role ; sh:hasValue ex:Chair ] ] ; sh:qualifiedMinCount 1",
    "has value, max": "sh:qualifiedValueShape [ sh:property [ sh:path ex:role ; sh:hasValue ex:Chair ] ] ; sh:qualifiedMaxCount 1",
    "in and min count": ("sh:qualifiedValueShape [ sh:property [ sh:path ex:role ; sh:in ( ex:Member ) ; sh:minCount 1 ] ] ; "
                         "sh:qualifiedMinCount 2 ; sh:qualifiedMaxCount 2"),
    "class": "sh:qualifiedValueShape [ sh:class ex:Part ] ; sh:qualifiedMinCount 1",
    "node kind, literal values": "sh:qualifiedValueShape [ sh:nodeKind sh:Literal ] ; sh:qualifiedMaxCount 0",
    "max count zero": "sh:qualifiedValueShape [ sh:property [ sh:path ex:tag ; sh:minCount 2 ] ] ; sh:qualifiedMaxCount 0",
    "sparql": ('sh:qualifiedValueShape [ sh:sparql [ sh:select "SELECT $this WHERE { $this <http://example.org/role> '
               '<http://example.org/Member> }" ] ] ; sh:qualifiedMinCount 1'),
}


# Only IRIs as parts: the qualified shape is evaluated set-based (with a literal or a
# blank node among the values, pySHACL's component judges them all).
DATA_IRI_PARTS = DATA.replace(', "literal part", _:bpart .', " .")


@pytest.mark.parametrize("data", [DATA, DATA_IRI_PARTS], ids=["mixed values", "iri values"])
@pytest.mark.parametrize("name", list(QUALIFIED))
def test_sh_qualified_value_shape(tmp_path: Path, name: str, data: str) -> None:
    shapes = f"ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:part ; {QUALIFIED[name]} ] ."
    found = _compare(tmp_path, shapes, data)
    assert found or (name == "node kind, literal values" and data is DATA_IRI_PARTS)  # no literal part: conforms


def test_qualified_value_shapes_disjoint_and_empty_value_sets(tmp_path: Path) -> None:
    """Sibling shapes (left to pySHACL) and focus nodes with no values at all."""
    shapes = ("ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;\n"
              "  sh:property [ sh:path ex:part ; sh:qualifiedValueShape [ sh:property [ sh:path ex:role ; sh:hasValue ex:Chair ] ] ;\n"
              "                sh:qualifiedValueShapesDisjoint true ; sh:qualifiedMinCount 1 ] ,\n"
              "              [ sh:path ex:part ; sh:qualifiedValueShape [ sh:property [ sh:path ex:role ; sh:hasValue ex:Member ] ] ;\n"
              "                sh:qualifiedValueShapesDisjoint true ; sh:qualifiedMinCount 1 ] ,\n"
              "              [ sh:path ex:nothing ; sh:qualifiedValueShape [ sh:class ex:Part ] ; sh:qualifiedMinCount 0 ] ,\n"
              "              [ sh:path ex:nothing ; sh:qualifiedValueShape [ sh:class ex:Part ] ; sh:qualifiedMinCount 1 ] .")
    found = _compare(tmp_path, shapes)
    assert any(r[0] == "<http://example.org/c>" for r in found)  # no parts: below the minimum


def test_compiled_components_leave_conforming_values_in_the_store(tmp_path: Path) -> None:
    """The point of compiling: pySHACL's sh:in component is handed only the value nodes
    the SPARQL condition did not accept, not every value node."""
    from pyshacl.constraints.core.other_constraints import InConstraintComponent

    seen: list[int] = []
    original = InConstraintComponent.evaluate

    def counting(self, executor, target_graph, focus_value_nodes, path):  # type: ignore[no-untyped-def]
        seen.append(sum(len(v) for v in focus_value_nodes.values()))
        return original(self, executor, target_graph, focus_value_nodes, path)

    InConstraintComponent.evaluate = counting  # type: ignore[method-assign]
    try:
        path = tmp_path / "shapes.ttl"
        path.write_text(PREFIXES + IN_SHAPES["iris"], encoding="utf-8")
        store = ox.Store()
        store.load(DATA.encode(), format=ox.RdfFormat.TURTLE, base_iri="http://example.org/")
        validation.validate(store, shapes=[path], engine="setbased")
    finally:
        InConstraintComponent.evaluate = original  # type: ignore[method-assign]
    # ex:a has Red, Blue, "Red", a blank node; ex:b Green; ex:d "Red"@en: 4 outside the list.
    assert seen == [4]


def test_focus_nodes_restrict_each_shape_to_those_nodes() -> None:
    """``run_setbased(..., focus_nodes=...)`` (for incremental validation) finds exactly
    the full run's results whose focus node is among the given nodes."""
    import datetime as dt

    from mag_graph.validation.setbased import run_setbased

    root = Path(__file__).resolve().parent / "fixtures" / "rules"
    store = validation.example_store()
    for name in ("R06-goal-without-indicator", "R15-nine-members", "R24-dashboard-without-founding-document"):
        store.update((root / f"{name}.ru").read_text(encoding="utf-8"))
    shapes, _ = validation.prepared_shapes(dt.date(2026, 11, 1))
    full = result_set(run_setbased(store, shapes))
    focus_nodes = sorted({r[0] for r in full})
    assert len(focus_nodes) >= 2
    chosen = focus_nodes[:-1]
    from rdflib import URIRef

    restricted = result_set(run_setbased(store, shapes, focus_nodes=[URIRef(n[1:-1]) for n in chosen]))
    assert restricted == {r for r in full if r[0] in chosen}
    assert result_set(run_setbased(store, shapes, focus_nodes=[])) == set()
