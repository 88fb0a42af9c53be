"""Workflow and visibility (mag_graph.cms.workflow): concept -> vastgesteld -> gearchiveerd by
transitions with role checks, recorded in history; drafts and archived content live in
graphs that anonymous readers never see - not through the CMS, not through SPARQL over
the public graphs, not through the pages' view of the store."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rdflib import URIRef

from mag_graph.cms import content as C
from mag_graph.cms import workflow
from mag_graph.questions import describe
from mag_graph.store import DEFAULT_GRAPH

DATE = dt.date(2026, 11, 1)
ID = "https://data.mag-graph.nl/id/"
HG = "https://identifier.overheid.nl/tooi/id/gemeente/gm0523"
ADOPTED_EXAMPLE = URIRef(ID + "verantwoordelijkheid/hg-uitvoering-penvoerder-1")
SECRET = "Geheimzinnig concept"


@pytest.fixture
def cms(cms_kind: str, example_of_kind: Any) -> C.Content:
    """The CMS on the example graph, on each kind of store (tests/conftest.py: CMS_KINDS)."""
    return C.Content(example_of_kind(cms_kind), date=DATE)


def _draft(cms: C.Content, label: str = SECRET) -> C.WriteResult:
    return cms.create("theme", {"label": {"nl": label}, "description": {"nl": "nog niet vastgesteld"},
                                "municipality": [HG]}, agent="eddie", role="editor")


# --------------------------------------------------------------------------- states and roles


def test_the_example_data_counts_as_adopted(cms: C.Content) -> None:
    assert workflow.state_of(cms.store, ADOPTED_EXAMPLE) == workflow.ADOPTED
    assert workflow.state_of(cms.store, URIRef(ID + "thema/bestaat-niet")) is None


@pytest.mark.parametrize("cms_kind", ["memory", "oxigraph", "virtuoso"], indirect=True)
def test_adopt_archive_reopen(cms: C.Content) -> None:
    draft = _draft(cms)
    iri = URIRef(draft.iri)
    assert draft.state == workflow.CONCEPT
    adopted = cms.transition(iri, "vaststellen", agent="rita", role="reviewer")
    assert adopted.state == workflow.ADOPTED and adopted.etag != draft.etag
    assert {g for *_, g in cms.store.quads(iri)} == {workflow.ADOPTED_GRAPH}
    archived = cms.transition(iri, "archive", agent="rita", role="reviewer")
    assert archived.state == workflow.ARCHIVED
    assert {g for *_, g in cms.store.quads(iri)} == {workflow.ARCHIVED_GRAPH}
    reopened = cms.transition(iri, "heropenen", agent="eddie", role="editor")
    assert reopened.state == workflow.CONCEPT
    assert {g for *_, g in cms.store.quads(iri)} == {workflow.CONCEPT_GRAPH}
    steps = [(r.transition, r.state_before, r.state_after) for r in cms.history(iri, role="editor") if r.action == "transition"]
    assert steps == [("heropenen", "gearchiveerd", "concept"), ("archiveren", "vastgesteld", "gearchiveerd"),
                     ("vaststellen", "concept", "vastgesteld")]


@pytest.mark.parametrize("role", [None, "reader", "editor"])
def test_only_reviewers_and_admins_adopt_or_archive(cms: C.Content, role: str | None) -> None:
    iri = _draft(cms).iri
    for step in ("vaststellen", "archiveren"):
        with pytest.raises((workflow.ForbiddenError, C.NotFoundError)):
            cms.transition(iri, step, agent="x", role=role)
    assert workflow.state_of(cms.store, URIRef(iri)) == workflow.CONCEPT


def test_admins_adopt_too(cms: C.Content) -> None:
    iri = _draft(cms).iri
    assert cms.transition(iri, "adopt", agent="root", role="admin").state == workflow.ADOPTED


def test_transitions_from_the_wrong_state_are_409(cms: C.Content) -> None:
    with pytest.raises(workflow.StateConflictError) as caught:
        cms.transition(ADOPTED_EXAMPLE, "vaststellen", agent="r", role="reviewer")
    assert caught.value.status == 409
    iri = _draft(cms).iri
    with pytest.raises(workflow.StateConflictError):
        cms.transition(iri, "heropenen", agent="r", role="reviewer")
    with pytest.raises(workflow.UnknownTransitionError):
        cms.transition(iri, "publish", agent="r", role="reviewer")


def test_reopening_adopted_content_is_for_reviewers(cms: C.Content) -> None:
    with pytest.raises(workflow.ForbiddenError):
        cms.transition(ADOPTED_EXAMPLE, "reopen", agent="e", role="editor")
    assert cms.transition(ADOPTED_EXAMPLE, "reopen", agent="r", role="reviewer").state == workflow.CONCEPT


def test_editors_change_drafts_and_make_working_copies_of_adopted_content(cms: C.Content) -> None:
    draft = _draft(cms)
    cms.patch(draft.iri, {"label": {"en": "Secret"}}, agent="e", role="editor", if_match=draft.etag)
    adopted = cms.get(ADOPTED_EXAMPLE)
    # an editor's change of adopted content is no change in place but a working copy
    # (mag_graph.cms.working_copy, docs/cms.md): the adopted version stays as it was
    kept = cms.patch(ADOPTED_EXAMPLE, {"label": {"en": "x"}}, agent="e", role="editor", if_match=adopted.etag)
    assert kept.working_copy is not None and kept.revision is None
    assert cms.get(ADOPTED_EXAMPLE).etag == adopted.etag
    with pytest.raises(workflow.ForbiddenError):  # readers change nothing at all
        cms.patch(ADOPTED_EXAMPLE, {"label": {"en": "x"}}, agent="l", role="reader", if_match=adopted.etag)
    result = cms.patch(ADOPTED_EXAMPLE, {"label": {"en": "x"}}, agent="r", role="reviewer", if_match=adopted.etag)
    assert result.state == workflow.ADOPTED
    # adopted content stays in its graph when changed in place
    assert {g for s, p, o, g in cms.store.quads(ADOPTED_EXAMPLE)} <= {
        URIRef("https://data.mag-graph.nl/graph/hardinxveld-giessendam"),
        URIRef("https://data.mag-graph.nl/graph/hardinxveld-giessendam-illustratief"),
    }


def test_archived_content_is_frozen(cms: C.Content) -> None:
    iri = _draft(cms).iri
    archived = cms.transition(iri, "archive", agent="r", role="reviewer")
    with pytest.raises(workflow.StateConflictError):
        cms.patch(iri, {"label": {"en": "x"}}, agent="r", role="admin", if_match=archived.etag)


def test_transition_if_match_is_checked_when_given(cms: C.Content) -> None:
    draft = _draft(cms)
    with pytest.raises(C.PreconditionFailedError):
        cms.transition(draft.iri, "adopt", agent="r", role="reviewer", if_match='"stale"')
    assert cms.transition(draft.iri, "adopt", agent="r", role="reviewer", if_match=draft.etag).state == workflow.ADOPTED


def test_role_helpers() -> None:
    assert workflow.may("admin", "reviewer") and workflow.may("reviewer", "editor")
    assert not workflow.may("editor", "reviewer") and not workflow.may(None, "reader")
    assert workflow.can_see(None, workflow.ADOPTED) and not workflow.can_see(None, workflow.CONCEPT)
    assert not workflow.can_see("reader", workflow.ARCHIVED) and workflow.can_see("editor", workflow.ARCHIVED)
    with pytest.raises(workflow.ForbiddenError):
        workflow.check_role("superuser")
    assert workflow.transition_named("adopt").name == "vaststellen"


# --------------------------------------------------------------------------- visibility


def test_public_graphs_leave_out_drafts_archive_and_history(cms: C.Content) -> None:
    _draft(cms)
    graphs = workflow.public_graphs(cms.store)
    assert workflow.CONCEPT_GRAPH not in graphs and workflow.ARCHIVED_GRAPH not in graphs
    assert workflow.HISTORY_GRAPH not in graphs
    assert URIRef("https://data.mag-graph.nl/graph/hardinxveld-giessendam") in graphs
    assert graphs[0] == DEFAULT_GRAPH


def test_drafts_and_archive_never_leak_through_the_cms(cms: C.Content) -> None:
    draft = URIRef(_draft(cms).iri)
    archived = URIRef(_draft(cms, "Gearchiveerd geheim").iri)
    cms.transition(archived, "archive", agent="r", role="reviewer")
    for role in (None, "reader"):
        for iri in (draft, archived):
            with pytest.raises(C.NotFoundError):
                cms.get(iri, role=role)
        listed = {i["id"] for i in cms.list("themes", role=role, page_size=200).items}
        assert str(draft) not in listed and str(archived) not in listed
        assert cms.search_text("geheim", role=role)["total"] == 0
        assert cms.search_text("geheimzinnig", role=role)["total"] == 0
    listed = {i["id"] for i in cms.list("themes", role="editor", page_size=200).items}
    assert {str(draft), str(archived)} <= listed
    assert {i["id"] for i in cms.list("themes", role="editor", state="concept").items} == {str(draft)}
    assert cms.search_text("geheimzinnig", role="editor")["total"] == 1


QUERIES = [
    "SELECT ?s WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'eheim')) }",
    "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'eheim')) } }",
    "SELECT ?s WHERE { GRAPH magg:concept { ?s ?p ?o } }",
    "SELECT ?s FROM magg:concept WHERE { ?s ?p ?o }",
    "SELECT ?s FROM NAMED magg:gearchiveerd WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?s WHERE { GRAPH magg:historie { ?s ?p ?o } }",
]


@pytest.mark.parametrize("query", QUERIES)
def test_drafts_never_leak_through_sparql_over_the_public_graphs(cms: C.Content, query: str) -> None:
    draft = URIRef(_draft(cms).iri)
    archived = _draft(cms, "Gearchiveerd geheim").iri
    cms.transition(archived, "archive", agent="r", role="reviewer")
    view = workflow.PublicView(cms.store)
    secret = {draft, URIRef(archived)}
    for rows in (view.query(query).rows, cms.store.query(query, **workflow.public_dataset(cms.store)).rows):
        subjects = {row[0] for row in rows}
        assert not subjects & secret
        assert not any(str(s).startswith("https://data.mag-graph.nl/graph/historie/") for s in subjects)
    data, _ = view.query_to(query, "json")
    assert b"eheim" not in (data or b"") and str(draft).encode() not in (data or b"")
    if "magg:" in query and "FROM" not in query:
        assert view.query(query).rows == []
    # ... while the editors' view (the whole store) has them
    assert cms.store.query(QUERIES[0]).rows


def test_the_public_view_for_pages_and_questions(cms: C.Content) -> None:
    draft = URIRef(_draft(cms).iri)
    view = workflow.PublicView(cms.store)
    assert describe.describe(view, draft) is None or not describe.describe(view, draft).statements
    assert describe.describe(view, ADOPTED_EXAMPLE) is not None
    assert not describe.exists(view, draft)
    assert list(view.quads(draft)) == [] and view.count(workflow.CONCEPT_GRAPH) == 0
    assert workflow.CONCEPT_GRAPH not in view.graphs()
    assert all(workflow.is_public(g) for g in view.graph_sizes())
    assert len(view.to_rdflib(workflow.CONCEPT_GRAPH)) == 0
    assert not any(s == draft for s, _, _ in view.to_rdflib(union=True))
    with pytest.raises(workflow.ForbiddenError):
        view.update("INSERT DATA { <x:a> <x:b> <x:c> }")
    overview = describe.overview(view)
    assert overview.total == len(view)


def test_adopting_makes_it_public(cms: C.Content) -> None:
    draft = _draft(cms)
    cms.transition(draft.iri, "adopt", agent="r", role="reviewer")
    assert cms.get(draft.iri, role=None).state == workflow.ADOPTED
    view = workflow.PublicView(cms.store)
    assert view.query(QUERIES[0]).rows
    assert cms.search_text("geheimzinnig")["total"] == 1
