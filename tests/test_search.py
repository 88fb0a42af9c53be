"""Search (mag_graph.cms.search): SQLite FTS5 over labels and descriptions in Dutch and
English, ranked with BM25, filtered by type and municipality, respecting the visibility
rule, kept up to date in the CMS's write path and rebuildable from the store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from rdflib import URIRef
from store_template import initialised_store

from mag_graph import validation
from mag_graph.cms import content as C
from mag_graph.cms import search as S
from mag_graph.store import MEMORY, Store

DATE = dt.date(2026, 11, 1)
ID = "https://data.mag-graph.nl/id/"
HG = "https://identifier.overheid.nl/tooi/id/gemeente/gm0523"


@pytest.fixture(scope="module")
def shared() -> C.Content:
    """One CMS over the example data for the read-only tests."""
    return C.Content(Store(validation.example_store(), MEMORY, in_memory=True), date=DATE)


@pytest.fixture
def cms() -> C.Content:
    return C.Content(Store(validation.example_store(), MEMORY, in_memory=True), date=DATE)


def ids(found: dict) -> list[str]:
    return [item["id"] for item in found["items"]]


def test_index_holds_every_content_resource(shared: C.Content) -> None:
    total = sum(shared.list(t, role="admin", page_size=1).total for t in C.content_types())
    assert shared.search.count() == total > 400


def test_ranked_label_hits_first(shared: C.Content) -> None:
    found = shared.search_text("klankbordgroep")
    assert found["total"] > 10
    first = found["items"][0]
    assert "klankbordgroep" in first["label"].lower()
    scores = [item["score"] for item in found["items"]]
    assert scores == sorted(scores, reverse=True)
    assert "«" in first["snippet"]


def test_every_word_must_match_and_words_match_as_prefixes(shared: C.Content) -> None:
    both = shared.search_text("klankbordgroep evaluatie")
    either = set(ids(shared.search_text("klankbordgroep", limit=100)))
    assert both["total"] and set(ids(both)) <= either
    assert shared.search_text("verantwoordelijk")["total"] >= shared.search_text("verantwoordelijkheid")["total"] > 0


def test_diacritics_are_folded(shared: C.Content) -> None:
    assert set(ids(shared.search_text("financiele"))) == set(ids(shared.search_text("financiële"))) != set()
    assert shared.search_text("geinformeerd")["total"] > 0


def test_english_labels_are_searched_too(shared: C.Content) -> None:
    found = shared.search_text("sounding board", lang="en")
    assert found["total"] and "sounding" in found["items"][0]["label"].lower()
    assert shared.search_text("sounding board", lang="nl")["items"][0]["label"]


def test_filters_by_type_and_municipality(shared: C.Content) -> None:
    everything = shared.search_text("college", limit=100)
    responsibilities = shared.search_text("college", ctype="responsibilities", limit=100)
    assert responsibilities["total"] and {i["type"] for i in responsibilities["items"]} == {"responsibility"}
    assert responsibilities["total"] < everything["total"]
    maassluis = shared.search_text("college", municipality="maassluis", limit=100)
    by_code = shared.search_text("college", municipality="gm0556", limit=100)
    by_iri = shared.search_text("college", municipality="https://identifier.overheid.nl/tooi/id/gemeente/gm0556", limit=100)
    assert ids(maassluis) == ids(by_code) == ids(by_iri) and maassluis["total"]
    hg = shared.search_text("college", municipality="Hardinxveld-Giessendam", limit=100)
    assert not set(ids(hg)) & set(ids(maassluis))
    with pytest.raises(S.SearchError):
        shared.search_text("college", municipality="Atlantis")
    with pytest.raises(C.NotFoundError):
        shared.search_text("college", ctype="unicorns")


def test_paging(shared: C.Content) -> None:
    first = shared.search_text("de", limit=5)
    second = shared.search_text("de", limit=5, offset=5)
    assert first["total"] == second["total"] > 10
    assert not set(ids(first)) & set(ids(second))


def test_query_syntax_in_the_input_is_just_words(shared: C.Content) -> None:
    for text in ('NEAR("x" "y")', "a AND OR NOT", '"', "col:umn*", "^x", "-", ""):
        found = shared.search_text(text)
        assert isinstance(found["total"], int)
    assert S.fts_query("  ") is None
    assert S.fts_query('a "b" c*') == '"a" "b" "c"'


def test_the_index_follows_every_write(cms: C.Content) -> None:
    created = cms.create("theme", {"label": {"nl": "Zeldzaamwoord thema"}, "municipality": [HG]}, agent="e", role="editor")
    assert ids(cms.search_text("zeldzaamwoord", role="editor")) == [created.iri]
    assert cms.search_text("zeldzaamwoord", role=None)["total"] == 0  # a draft
    patched = cms.patch(created.iri, {"label": {"nl": "Anderwoord thema"}}, agent="e", role="editor", if_match=created.etag)
    assert cms.search_text("zeldzaamwoord", role="editor")["total"] == 0
    assert ids(cms.search_text("anderwoord", role="editor")) == [created.iri]
    adopted = cms.transition(created.iri, "adopt", agent="r", role="reviewer")
    assert cms.search_text("anderwoord")["items"][0]["state"] == "vastgesteld"
    cms.delete(created.iri, agent="r", role="reviewer", if_match=adopted.etag)
    assert cms.search_text("anderwoord", role="editor")["total"] == 0
    assert patched.revision


def test_a_refused_write_leaves_the_index_alone(cms: C.Content) -> None:
    with pytest.raises(C.ValidationFailedError):
        cms.create("responsibility", {"label": {"nl": "Onmogelijkwoord"}, "raciKind": "magb:Responsible"},
                   agent="e", role="editor")
    assert cms.search_text("onmogelijkwoord", role="editor")["total"] == 0


def _rows(index: S.SearchIndex) -> list[tuple]:
    with index._lock:
        resources = index._conn.execute("SELECT iri, type, state, label_nl, label_en FROM resource ORDER BY iri").fetchall()
        texts = index._conn.execute(
            "SELECT r.iri, t.text_nl, t.text_en FROM resource_text t JOIN resource r ON r.id = t.rowid ORDER BY r.iri"
        ).fetchall()
        towns = index._conn.execute(
            "SELECT r.iri, m.municipality FROM resource_municipality m JOIN resource r ON r.id = m.resource_id ORDER BY 1, 2"
        ).fetchall()
    return resources + texts + towns


def test_rebuilding_gives_the_index_the_writes_kept_up(cms: C.Content) -> None:
    created = cms.create("theme", {"label": {"nl": "Een", "en": "One"}, "description": {"nl": "uitleg"}, "municipality": [HG]},
                         agent="e", role="editor")
    cms.transition(created.iri, "adopt", agent="r", role="reviewer")
    budget = URIRef(ID + "budget/hg-mag-totaal")
    cms.patch(budget, {"label": {"en": "Everything"}}, agent="r", role="admin", if_match=cms.get(budget).etag)
    incremental = _rows(cms.search)
    cms.search.rebuild(cms)
    assert _rows(cms.search) == incremental


def test_the_index_lives_beside_an_on_disk_store_and_catches_up(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with initialised_store(path) as store:
        cms = C.Content(store, date=DATE)
        assert cms.search.path == tmp_path / "search.sqlite" and cms.search.path.exists()
        created = cms.create("theme", {"label": {"nl": "Blijvend"}}, agent="e", role="editor")
        cms.search.close()
    with Store.open(path) as store:
        # changed outside the CMS: the next start notices and rebuilds
        store.load(b'<https://data.mag-graph.nl/id/thema/buiten> a <https://data.mag-graph.nl/def/mag#Theme> ; '
                   b'<http://www.w3.org/2000/01/rdf-schema#label> "Buitenom"@nl .', format="turtle")
        cms = C.Content(store, date=DATE)
        assert ids(cms.search_text("blijvend", role="editor")) == [created.iri]
        assert ids(cms.search_text("buitenom")) == [ID + "thema/buiten"]
        cms.search.close()
    assert S.search_path_for_store(MEMORY) is None


def test_an_index_that_lost_its_last_commits_is_rebuilt_on_the_next_start(tmp_path: Path) -> None:
    """The index commits without an fsync (WAL, synchronous NORMAL: no wait for the disk
    per write); a power cut can then lose its last commits, never the store's. Such an
    index is behind the store's latest revision, and the next start rebuilds it."""
    path = tmp_path / "store"
    with initialised_store(path) as store:
        cms = C.Content(store, date=DATE)
        conn = cms.search._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        before = conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0]
        created = cms.create("theme", {"label": {"nl": "Verloren commit"}}, agent="e", role="editor")
        with cms.search._transaction():  # what the lost commit had written, gone again
            cms.search._delete(created.iri)
            cms.search._set_meta("revision", before)
        assert ids(cms.search_text("verloren", role="editor")) == []
        cms.search.close()
    with Store.open(path) as store:
        cms = C.Content(store, date=DATE)
        assert ids(cms.search_text("verloren", role="editor")) == [created.iri]
        cms.search.close()


def test_command_line_search_and_reindex(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from mag_graph.commands.content import reindex_command, search_command

    path = tmp_path / "store"
    initialised_store(path).close()
    runner = CliRunner()
    rebuilt = runner.invoke(reindex_command, ["--store", str(path)])
    assert rebuilt.exit_code == 0 and "geïndexeerd / indexed" in rebuilt.output
    found = runner.invoke(search_command, ["--store", str(path), "klankbordgroep", "--format", "json", "--limit", "3"])
    assert found.exit_code == 0, found.output
    assert len(json.loads(found.output)["items"]) == 3
    table = runner.invoke(search_command, ["--store", str(path), "klankbordgroep", "-m", "hardinxveld-giessendam"])
    assert table.exit_code == 0 and "klankbordgroep" in table.output.lower()
    bad = runner.invoke(search_command, ["--store", str(path), "x", "-m", "Atlantis"])
    assert bad.exit_code == 2 and "Atlantis" in bad.output
