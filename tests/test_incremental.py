"""Incremental validation equals full validation, on random edits of the example graph.

For every edit (triples removed and added), with A = the resources the edit can affect:
1. validating only A gives exactly the full validation's results for A (the issue's
   property), and
2. outside A nothing changed: the full results there are those before the edit, so
   validating A alone never misses a consequence of the edit.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pyoxigraph as ox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mag_graph import validation

DATE = dt.date(2026, 11, 1)
DATA_GRAPHS = (
    "https://data.mag-graph.nl/graph/hardinxveld-giessendam",
    "https://data.mag-graph.nl/graph/hardinxveld-giessendam-illustratief",
    "https://data.mag-graph.nl/graph/maassluis",
    "https://data.mag-graph.nl/graph/maassluis-illustratief",
    "https://data.mag-graph.nl/graph/molenlanden",
    "https://data.mag-graph.nl/graph/molenlanden-illustratief",
)
MAG = "https://data.mag-graph.nl/def/mag#"
MAGB = "https://data.mag-graph.nl/def/mag/begrip/"
# Predicates the shapes look at, so random additions often matter.
PREDICATES = [
    MAG + p for p in (
        "phase", "inContext", "holder", "hasPlan", "forYear", "amount", "meetingOf", "chair",
        "managedBy", "grantedBy", "hasUpdate", "assesses", "overallImportance", "momentKind",
        "involvedIn", "about", "adviser", "partOfBudget", "theme", "goalKind", "hasIndicator",
        "decisionOn", "hasActivity", "hasPart", "contractedBy", "extensionOf",
    )
] + ["http://www.w3.org/ns/org#role", "http://www.w3.org/ns/prov#wasAssociatedWith",
     "http://purl.org/dc/terms/date", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"]
CONCEPTS = [MAGB + c for c in ("Penvoerder", "Lid", "Buurtnetwerker", "Uitvoering", "Belangrijk",
                                "Informatiemoment", "Verbetering", "Projectleider")]
CLASSES = [MAG + c for c in ("PlanActivity", "Responsibility", "RoleAssignment", "Meeting", "Decision",
                              "BreakthroughBudget", "Initiative", "Advice")]


@lru_cache(maxsize=1)
def _example() -> tuple[tuple[ox.Quad, ...], tuple[ox.Quad, ...], tuple[ox.NamedNode, ...]]:
    store = validation.example_store()
    graphs = {ox.NamedNode(g) for g in DATA_GRAPHS}
    data = tuple(sorted((q for q in store if q.graph_name in graphs), key=str))
    subjects = tuple(sorted({q.subject for q in data if isinstance(q.subject, ox.NamedNode)}, key=str))
    return tuple(store), data, subjects


@lru_cache(maxsize=1)
def _before() -> frozenset[tuple]:
    store = ox.Store()
    store.extend(_example()[0])
    return frozenset(_key(r) for r in validation.validate(store, date=DATE).results)


def _key(result: validation.ValidationResult) -> tuple:
    return (result.rule, result.sourceShape, result.focusNode, result.path, result.value, result.severity)


@st.composite
def edits(draw: st.DrawFn) -> tuple[list[ox.Quad], list[ox.Quad]]:
    _, data, subjects = _example()
    removed = draw(st.lists(st.sampled_from(data), max_size=3, unique=True))
    added = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        subject = draw(st.sampled_from(subjects))
        predicate = draw(st.sampled_from(PREDICATES))
        if predicate.endswith("#type"):
            obj = ox.NamedNode(draw(st.sampled_from(CLASSES)))
        else:
            obj = draw(st.one_of(
                st.sampled_from(subjects),
                st.sampled_from([ox.NamedNode(c) for c in CONCEPTS]),
                st.sampled_from([
                    ox.Literal("2019-06-30", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")),
                    ox.Literal("2019", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")),
                    ox.Literal("10000.00", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
                ]),
            ))
        added.append(ox.Quad(subject, ox.NamedNode(predicate), obj, ox.NamedNode(DATA_GRAPHS[0])))
    return removed, added


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits())
def test_incremental_equals_full_validation(edit: tuple[list[ox.Quad], list[ox.Quad]]) -> None:
    removed, added = edit
    store = ox.Store()
    store.extend(_example()[0])
    for quad in removed:
        store.remove(quad)
    store.extend(added)
    changed = {q.subject for q in removed + added} | {
        q.object for q in removed + added if isinstance(q.object, (ox.NamedNode, ox.BlankNode))
    }
    from mag_graph.store import to_rdflib_term

    changed_terms = [to_rdflib_term(node) for node in changed]
    affected = {str(n) for n in validation.affected_nodes(store, changed_terms)}

    incremental = {_key(r) for r in validation.validate_change(store, changed_terms, date=DATE).results}
    full = {_key(r) for r in validation.validate(store, date=DATE).results}

    assert incremental == {k for k in full if k[2] in affected}
    assert {k for k in full if k[2] not in affected} == {k for k in _before() if k[2] not in affected}
