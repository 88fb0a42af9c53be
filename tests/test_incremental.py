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
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mag_graph import validation
from mag_graph.validation import impact

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
ORG = "http://www.w3.org/ns/org#"
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


def _check(removed: list[ox.Quad], added: list[ox.Quad]) -> set[str]:
    """Apply the edit; check both properties; return the affected set."""
    before_store = ox.Store()
    before_store.extend(_example()[0])
    store = ox.Store()
    store.extend(_example()[0])
    for quad in removed:
        store.remove(quad)
    store.extend(added)
    # The changed statements, looked at in the store before and after the change; and what
    # the CMS write pipeline does: one walk after the change, reading the removed statements
    # as still there (both states at once), which finds at least what the two walks find.
    triples = [(q.subject, q.predicate, q.object) for q in removed + added]
    two_walks = (impact.affected_by(before_store, triples, date=DATE)
                 | impact.affected_by(store, triples, date=DATE))
    gone = [(q.subject, q.predicate, q.object) for q in removed]
    affected_urirefs = impact.affected_by(store, triples, date=DATE, also=gone)
    assert two_walks <= affected_urirefs
    affected = {str(n) for n in affected_urirefs}

    incremental = {_key(r) for r in validation.validate(store, date=DATE, focus_nodes=affected_urirefs).results}
    full = {_key(r) for r in validation.validate(store, date=DATE).results}

    assert incremental == {k for k in full if k[2] in affected}
    assert {k for k in full if k[2] not in affected} == {k for k in _before() if k[2] not in affected}
    return affected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits())
def test_incremental_equals_full_validation(edit: tuple[list[ox.Quad], list[ox.Quad]]) -> None:
    removed, added = edit
    _check(removed, added)


@lru_cache(maxsize=1)
def _read_by_shapes() -> tuple[list[str], list[ox.NamedNode]]:
    """The predicates the shapes read and the IRIs they compare with (concepts, classes,
    the constants of BIND / VALUES), so random edits hit what the analysis prunes on."""
    index = impact._reads_index(DATE, None)
    predicates = sorted({p for reads in index.values() for p in reads.by_predicate} - {"*"})
    constants = {c for reads in index.values() for c in reads.constants.values() if isinstance(c, ox.NamedNode)}
    constants |= {c for reads in index.values() for s in reads.value_sets.values() for c in s if isinstance(c, ox.NamedNode)}
    return predicates, sorted(constants, key=str)


@st.composite
def targeted_edits(draw: st.DrawFn) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """Edits made of what the shapes read: removals of statements with a predicate some
    shape reads, additions linking resources with those predicates to resources,
    constants of the shapes or dates."""
    _, data, subjects = _example()
    predicates, constants = _read_by_shapes()
    read = [q for q in data if q.predicate.value in set(predicates)]
    removed = draw(st.lists(st.sampled_from(read), max_size=3, unique=True))
    added = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        subject = draw(st.sampled_from(subjects))
        predicate = draw(st.sampled_from(predicates))
        obj = draw(st.one_of(
            st.sampled_from(subjects),
            st.sampled_from(constants),
            st.sampled_from([
                ox.Literal("2019-06-30", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")),
                ox.Literal("2024-01-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")),
                ox.Literal("2019", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")),
                ox.Literal("10000.00", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
            ]),
        ))
        added.append(ox.Quad(subject, ox.NamedNode(predicate), obj, ox.NamedNode(DATA_GRAPHS[0])))
    return removed, added


# A literal as rdf:type once crashed validation inside pySHACL (validation.py,
# _literals_have_no_outgoing_statements); kept as a fixed example.
_LITERAL_TYPE = ox.Quad(
    ox.NamedNode("https://data.mag-graph.nl/id/belangrijkheid/ms-dcmr-milieudienst-rijnmond"),
    ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
    ox.Literal("2019-06-30", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")),
    ox.NamedNode("https://data.mag-graph.nl/graph/hardinxveld-giessendam"),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(targeted_edits())
@example(edit=([], [_LITERAL_TYPE]))
def test_incremental_equals_full_validation_on_what_the_shapes_read(edit: tuple[list[ox.Quad], list[ox.Quad]]) -> None:
    removed, added = edit
    _check(removed, added)


def test_removing_every_statement_a_shape_reads_one_at_a_time_is_caught() -> None:
    """Each data statement with a predicate some shape reads, removed on its own (a
    deterministic sweep over a sample, so a missed node shows up the same way every run)."""
    _, data, _ = _example()
    predicates, _ = _read_by_shapes()
    read = [q for q in data if q.predicate.value in set(predicates)]
    for quad in read[:: max(1, len(read) // 25)]:
        _check([quad], [])


def test_a_new_responsibility_of_the_college_does_not_revalidate_the_college() -> None:
    """The CMS benchmark's write: a responsibility assigned to a college, with a task kind
    R11 does not look for. Only the new resource is affected (the college has no shape
    that reads ^mag:assignedTo; the municipality's R11 looks only for the two account
    task kinds), and validating it gives what full validation gives."""
    _, data, subjects = _example()
    colleges = [s for s in subjects if s.value.endswith("-college") or "college" in s.value.rsplit("/", 1)[-1]]
    municipalities = sorted({q.object for q in data if q.predicate.value == MAG + "municipality"}, key=str)
    assert colleges and municipalities
    new = ox.NamedNode("https://data.mag-graph.nl/id/verantwoordelijkheid/test-nieuw")
    graph = ox.NamedNode(DATA_GRAPHS[0])
    added = [
        ox.Quad(new, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(MAG + "Responsibility"), graph),
        ox.Quad(new, ox.NamedNode(MAG + "phase"), ox.NamedNode(MAGB + "Uitvoering"), graph),
        ox.Quad(new, ox.NamedNode(MAG + "taskKind"), ox.NamedNode(MAGB + "TaakUitvoeren"), graph),
        ox.Quad(new, ox.NamedNode(MAG + "assignedTo"), colleges[0], graph),
        ox.Quad(new, ox.NamedNode(MAG + "municipality"), municipalities[0], graph),
    ]
    assert _check([], added) == {new.value}
    # With a task kind R11 does look for, assigned to the penvoerder, the municipality's
    # result can change, and it is revalidated.
    added[2] = ox.Quad(new, ox.NamedNode(MAG + "taskKind"), ox.NamedNode(MAGB + "TaakFinancieelVerantwoorden"), graph)
    added[3] = ox.Quad(new, ox.NamedNode(MAG + "assignedTo"), ox.NamedNode(MAGB + "Penvoerder"), graph)
    assert municipalities[0].value in _check([], added)


def test_a_literal_holder_is_a_focus_node_of_the_shape_that_targets_the_objects_of_holder() -> None:
    """R23 targets the objects of mag:holder (sh:targetObjectsOf), so a literal put where a
    MAG partner's holder belongs is a focus node of its own: the impact analysis finds it
    (only IRIs were found before) and incremental validation, on both engines, reports what
    full validation reports for it."""
    _, data, _ = _example()
    partners = {q.subject for q in data if q.predicate.value == ORG + "role" and q.object.value == MAGB + "MagPartner"}
    holder = next(q for q in data if q.predicate.value == MAG + "holder" and q.subject in partners)
    literal = ox.Literal("2019-06-30", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    added = ox.Quad(holder.subject, holder.predicate, literal, holder.graph_name)
    assert "2019-06-30" in _check([], [added])
    assert "2019-06-30" in _check([added], [])  # removed again: its result goes with it
    store = ox.Store()
    store.extend(_example()[0])
    store.add(added)
    focus = impact.affected_by(store, [(added.subject, added.predicate, added.object)], date=DATE)
    full = {_key(r) for r in validation.validate(store, date=DATE).results if r.focusNode == "2019-06-30"}
    assert full and {r[0] for r in full} == {"R23"}
    by_pyshacl = {_key(r) for r in validation.validate(store, date=DATE, focus_nodes=focus, engine="pyshacl").results}
    assert {k for k in by_pyshacl if k[2] == "2019-06-30"} == full
