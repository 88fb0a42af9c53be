"""History (mag_graph.cms.history): every write a PROV-O revision in the store, listed per
resource, readable as of a revision, revertible (a validated, recorded write), kept
across restarts, queryable with SPARQL, never public, and the write-ahead log that lets
a crashed write be undone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDFS
from store_template import initialised_store

from mag_graph.cms import content as C
from mag_graph.cms import history, workflow
from mag_graph.cms.concurrency import _canonical_lines
from mag_graph.namespaces import MAG
from mag_graph.store import RemoteStore, Store

DATE = dt.date(2026, 11, 1)
ID = "https://data.mag-graph.nl/id/"
BUDGET = URIRef(ID + "budget/hg-mag-totaal")
RESPONSIBILITY = URIRef(ID + "verantwoordelijkheid/hg-uitvoering-penvoerder-1")


@pytest.fixture
def cms(cms_kind: str, example_of_kind: Any) -> C.Content:
    """The CMS on the example graph, on each kind of store (tests/conftest.py: CMS_KINDS)."""
    return C.Content(example_of_kind(cms_kind), date=DATE, search=False)


def snapshot(store: Store) -> list[str]:
    data = store.export(format="nquads") or b""
    if isinstance(store, RemoteStore):
        # Documented difference (mag_graph/store/remote_transaction.py): a blank node put
        # back on a remote store has the same statements under a new label.
        dataset = ox.Dataset(ox.parse(data, format=ox.RdfFormat.N_QUADS))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        data = "".join(f"{q} .\n" for q in dataset).encode("utf-8")
    lines = data.decode("utf-8").splitlines()
    return sorted([line for line in lines if line.strip()] + [f"GRAPH {g.n3()}" for g in store.graphs()])


def _edit_label(cms: C.Content, iri: URIRef, text: str, *, agent: str = "alice", role: str = "admin") -> C.WriteResult:
    resource = cms.get(iri, role=role)
    return cms.patch(iri, {"label": {"en": text}}, agent=agent, role=role, if_match=resource.etag)


def test_every_write_is_a_prov_activity_with_agent_time_and_triples(cms: C.Content) -> None:
    result = _edit_label(cms, RESPONSIBILITY, "changed", agent="alice", role="reviewer")
    rows = cms.store.query(
        """
        PREFIX cms: <https://data.mag-graph.nl/def/cms#>
        SELECT ?rev ?agent ?role ?time ?action ?s ?p ?o ?kind ?g WHERE {
          GRAPH magg:historie {
            ?rev a prov:Activity ; prov:wasAssociatedWith ?agent ; prov:startedAtTime ?time ;
                 cms:action ?action ; prov:qualifiedAssociation [ prov:agent ?agent ; prov:hadRole ?role ] ;
                 cms:change ?c .
            ?c cms:resource ?res ; ?kind ?st .
            ?st a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; cms:graph ?g .
          }
        }""",
        bindings={"res": RESPONSIBILITY},
    ).bindings()
    assert {str(r["rev"]) for r in rows} == {history.REVISION_BASE + result.revision}
    assert {str(r["agent"]) for r in rows} == {ID + "gebruiker/alice"}
    assert {r["role"] for r in rows} == {history.CMS.Reviewer}
    assert {r["action"] for r in rows} == {history.CMS.Update}
    changes = {(str(r["kind"]).rsplit("#")[-1], str(r["o"])) for r in rows}
    assert ("added", "changed") in changes
    assert ("removed", "Bears the main responsibility for carrying out (part of) the MAG assignment.") in changes
    assert all(r["time"].datatype is not None for r in rows)


def test_history_lists_revisions_newest_first(cms: C.Content) -> None:
    created = cms.create("theme", {"label": {"nl": "Thema"}}, agent="bob", role="editor")
    first = _edit_label(cms, URIRef(created.iri), "one", agent="bob", role="editor")
    second = _edit_label(cms, URIRef(created.iri), "two", agent="carol", role="editor")
    adopted = cms.transition(created.iri, "adopt", agent="rita", role="reviewer")
    revisions = cms.history(created.iri, role="editor")
    assert [r.id for r in revisions] == [adopted.revision, second.revision, first.revision, created.revision]
    assert [r.action for r in revisions] == ["transition", "update", "update", "create"]
    assert revisions[0].transition == "vaststellen"
    assert (revisions[0].state_before, revisions[0].state_after) == ("concept", "vastgesteld")
    assert revisions[-1].state_before is None and revisions[-1].agent == "bob"
    assert revisions[1].to_json()["agent"] == "carol"


def test_resource_as_it_was_after_a_revision(cms: C.Content) -> None:
    original = cms.get(RESPONSIBILITY)
    first = _edit_label(cms, RESPONSIBILITY, "one")
    after_first = cms.get(RESPONSIBILITY)
    _edit_label(cms, RESPONSIBILITY, "two")
    old = cms.as_of(RESPONSIBILITY, first.revision, role="editor")
    assert set(_canonical_lines(old.triples)) == set(_canonical_lines(after_first.triples))
    assert old.state == workflow.ADOPTED
    assert set(_canonical_lines(old.triples)) != set(_canonical_lines(original.triples))
    with pytest.raises(history.UnknownRevisionError):
        cms.as_of(RESPONSIBILITY, "20000101t000000000000-0000", role="editor")


def test_as_of_restores_blank_nodes_and_graphs(cms: C.Content) -> None:
    original = cms.get(BUDGET)
    first = _edit_label(cms, BUDGET, "x")
    document, resource = cms.document(BUDGET)
    document["amount"]["schemaValue"] = "1250000.00"
    cms.replace(BUDGET, document, agent="a", role="admin", if_match=resource.etag)
    old = cms.as_of(BUDGET, first.revision, role="admin")
    # the amount is the stored blank node again, with its label, in its graph
    original_amount = {q for q in original.quads if q[1] == MAG.amount}
    assert original_amount <= set(old.quads)


def test_revert_is_a_validated_recorded_write(cms: C.Content) -> None:
    first = _edit_label(cms, RESPONSIBILITY, "one")
    target = cms.get(RESPONSIBILITY)
    _edit_label(cms, RESPONSIBILITY, "two")
    result = cms.revert(RESPONSIBILITY, first.revision, agent="dave", role="reviewer")
    assert set(_canonical_lines(cms.get(RESPONSIBILITY).triples)) == set(_canonical_lines(target.triples))
    latest = cms.history(RESPONSIBILITY, role="editor")[0]
    assert latest.id == result.revision and latest.action == "revert" and latest.revert_of == first.revision
    assert latest.agent == "dave"


def _set_amount(cms: C.Content, iri: URIRef, value: str) -> C.WriteResult:
    resource = cms.get(iri)
    return cms.patch(iri, {"amount": {"schemaValue": value}}, agent="a", role="admin", if_match=resource.etag)


def test_revert_to_a_state_that_now_breaks_a_rule_is_refused(cms: C.Content) -> None:
    """Theme budgets may not add up to more than the total (R04). Going back to an
    earlier amount after another theme took the room is refused, and nothing changes."""
    meedoen = URIRef(ID + "budget/hg-thema-meedoen-en-ontmoeten")
    gezond = URIRef(ID + "budget/hg-thema-gezond-en-vitaal")
    earlier = _set_amount(cms, meedoen, "450000.00")
    _set_amount(cms, meedoen, "400000.00")
    _set_amount(cms, gezond, "800000.00")
    before = snapshot(cms.store)
    with pytest.raises(C.ValidationFailedError) as caught:
        cms.revert(meedoen, earlier.revision, agent="a", role="admin")
    assert {f["rule"] for f in caught.value.results} == {"R04"}
    assert snapshot(cms.store) == before


def test_revert_of_a_deleted_resource_brings_it_back_as_a_concept(cms: C.Content) -> None:
    created = cms.create("theme", {"label": {"nl": "Weg"}}, agent="b", role="editor")
    cms.delete(created.iri, agent="b", role="editor", if_match=created.etag)
    assert not cms.resource(created.iri).exists
    revived = cms.revert(created.iri, created.revision, agent="b", role="editor")
    assert revived.state == workflow.CONCEPT and cms.resource(created.iri).exists


def test_history_is_for_editors_and_never_public(cms: C.Content) -> None:
    _edit_label(cms, RESPONSIBILITY, "x")
    for role in (None, "reader"):
        with pytest.raises(C.NotFoundError):
            cms.history(RESPONSIBILITY, role=role)
    assert workflow.HISTORY_GRAPH not in workflow.public_graphs(cms.store)
    public = workflow.PublicView(cms.store)
    assert not public.query("ASK { ?rev a prov:Activity ; <https://data.mag-graph.nl/def/cms#change> ?c }").boolean
    assert not public.query("ASK { GRAPH ?g { ?rev a <https://data.mag-graph.nl/def/cms#Revision> } }").boolean


def test_history_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with initialised_store(path) as store:
        cms = C.Content(store, date=DATE, search=False)
        result = _edit_label(cms, RESPONSIBILITY, "persisted")
    with Store.open(path) as store:
        cms = C.Content(store, date=DATE, search=False)
        [revision] = cms.history(RESPONSIBILITY, role="editor")
        assert revision.id == result.revision
        assert (RESPONSIBILITY, RDFS.label, Literal("persisted", lang="en")) in {
            (s, p, o) for s, p, o, _ in store.quads(RESPONSIBILITY, RDFS.label)
        }


def test_a_write_interrupted_after_the_data_step_is_undone_on_start(cms: C.Content) -> None:
    """History doubles as the write-ahead log: a revision still marked pending is a
    write whose process died before it was validated; the next start undoes it."""
    before = snapshot(cms.store)
    resource = cms.resource(BUDGET)  # has blank nodes: the two-step path
    rev_id, stamp = history.new_revision_id()
    removed = [q for q in resource.quads if q[1] in (MAG.amount, RDFS.label)]
    if isinstance(cms.store, RemoteStore):
        # A remote store removes a blank node with all its statements or not at all
        # (mag_graph/store/remote_transaction.py): the amounts go whole.
        amounts = {q[2] for q in removed if q[1] == MAG.amount}
        removed += [q for q in resource.quads if q[0] in amounts]
    added = [(BUDGET, RDFS.comment, Literal("half-done"), workflow.CONCEPT_GRAPH)]
    change = history.ChangeSet(BUDGET, added, removed, "vastgesteld", "vastgesteld")
    record = history.record_quads(rev_id, stamp, agent="crash", role="admin", action="update", changes=[change])
    cms.pipeline._apply(record, added, removed)  # ... and the process dies here
    assert history.pending_revisions(cms.store) == [rev_id]
    assert history.revisions(cms.store, BUDGET) == []  # pending revisions are not listed
    restarted = C.Content(cms.store, date=DATE, search=False)
    assert restarted is not cms
    assert history.pending_revisions(cms.store) == []
    lines = [l for l in snapshot(cms.store) if not l.startswith("GRAPH")]
    assert lines == [l for l in before if not l.startswith("GRAPH")]


def test_revision_ids_sort_in_time_order() -> None:
    ids = [history.new_revision_id()[0] for _ in range(50)]
    assert ids == sorted(ids) and len(set(ids)) == 50


def test_agent_iris_round_trip() -> None:
    for name in ("alice", "bob@example.org", "x+y", "a b"):
        assert history.agent_name(history.agent_iri(name)) == name
    assert str(history.agent_iri("a b")).endswith("/gebruiker/a%20b")


def test_skolem_iris_round_trip() -> None:
    from rdflib import BNode

    node = BNode("abc123")
    assert history.deskolemize(history.skolemize(node)) == node
    assert history.skolemize(RESPONSIBILITY) == RESPONSIBILITY


def test_command_line_history_and_workflow(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from mag_graph.commands.content import history_command, workflow_command

    path = tmp_path / "store"
    with initialised_store(path) as store:
        cms = C.Content(store, date=DATE, search=False)
        _edit_label(cms, RESPONSIBILITY, "via the CLI test", agent="carla")
    runner = CliRunner()
    listed = runner.invoke(history_command, ["--store", str(path), "magid:verantwoordelijkheid/hg-uitvoering-penvoerder-1"])
    assert listed.exit_code == 0, listed.output
    assert "carla" in listed.output and "update" in listed.output
    reopened = runner.invoke(workflow_command, ["--store", str(path), str(RESPONSIBILITY), "heropenen", "--user", "cli"])
    assert reopened.exit_code == 0 and ": concept" in reopened.output
    again = runner.invoke(workflow_command, ["--store", str(path), str(RESPONSIBILITY), "heropenen"])
    assert again.exit_code == 2 and "heropenen" in again.output
    as_json = runner.invoke(history_command, ["--store", str(path), str(RESPONSIBILITY), "--format", "json"])
    assert [r["agent"] for r in json.loads(as_json.output)] == ["cli", "carla"]
