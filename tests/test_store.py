"""The store layer: loading (all or nothing), SPARQL, rdflib conversion, transactions,
export and statistics. Only small fixture files; nothing depends on the shipped data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.compare import isomorphic

import mag_graph.store.loading as loading_module
import mag_graph.store.sources as sources_module
from mag_graph.namespaces import MAGG, Graphs
from mag_graph.store import (
    DEFAULT_GRAPH,
    GraphStore,
    InvalidIRIError,
    LoadError,
    MagGraphError,
    ParseError,
    QueryError,
    QuerySyntaxError,
    RemoteStore,
    SourceNotFoundError,
    Store,
    StoreClosedError,
    StoreError,
    StoreLockedError,
    StoreNotFoundError,
    UnknownFormatError,
    UnknownGraphError,
    bootstrap,
    default_store_path,
    from_rdflib_term,
    source_graphs,
    to_rdflib_term,
)

EX = "http://example.org/"
# The remote backends the store tests also run on (tests/conftest.py starts the servers).
REMOTE_KINDS = ["oxigraph", "virtuoso"]


def ex(local: str) -> URIRef:
    return URIRef(EX + local)


@pytest.fixture(params=["memory", "disk", *REMOTE_KINDS])
def any_store(request: pytest.FixtureRequest, store_of_kind: Any) -> Any:
    """Every kind of store (embedded in memory and on disk, remote on a real server),
    for behaviour that must not depend on the kind."""
    return store_of_kind(request.param)


@pytest.fixture(params=["memory", "disk"])
def embedded_store(request: pytest.FixtureRequest, store_of_kind: Any) -> Any:
    """Both kinds of embedded store, for tests that reach into Oxigraph itself."""
    return store_of_kind(request.param)


@pytest.fixture
def large_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Send every load through the path used for big inputs (validate, then write)."""
    monkeypatch.setattr(loading_module, "SMALL_LOAD_BYTES", -1)
    monkeypatch.setattr(loading_module, "BULK_CHUNK", 2)


def plain_strings(graph: Graph) -> Graph:
    """rdflib keeps an explicit ^^xsd:string; the store reads it as a plain literal."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == ns.XSD.string:
            o = Literal(str(o))
        out.add((s, p, o))
    return out


def datasets_isomorphic(a: Store, b: Store) -> bool:
    """Same graph names and, graph by graph, isomorphic content."""
    if a.graphs() != b.graphs():
        return False
    for name in [None, *a.graphs()]:
        if not isomorphic(a.to_rdflib(name), b.to_rdflib(name)):
            return False
    return True


# --------------------------------------------------------------------------- opening


def test_default_store_path_from_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MAG_GRAPH_STORE", str(tmp_path / "elsewhere"))
    assert default_store_path() == tmp_path / "elsewhere"


def test_default_store_path_under_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MAG_GRAPH_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_store_path() == tmp_path / ".mag-graph" / "store"


def test_memory_store_is_empty_and_in_memory(memory_store: Store) -> None:
    assert memory_store.in_memory
    assert memory_store.location == ":memory:"
    assert len(memory_store) == 0
    assert Store.open(None).in_memory


def test_disk_store_creates_directories_and_persists(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    path = tmp_path / "deep" / "er" / "store"
    with Store.open(path) as store:
        store.load(fixtures_dir / "small.trig")
        size = len(store)
    assert path.is_dir()
    with Store.open(path, create=False) as again:
        assert len(again) == size > 0


def test_open_without_create_refuses_a_missing_store(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFoundError) as info:
        Store.open(tmp_path / "missing", create=False)
    assert "mag-graph init" in str(info.value)
    assert not (tmp_path / "missing").exists()


def test_second_open_reports_a_locked_store(disk_store: Store) -> None:
    with pytest.raises(StoreLockedError):
        Store.open(disk_store.location)


def test_close_releases_the_lock_and_blocks_further_use(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s")
    store.close()
    store.close()  # twice is fine
    assert store.closed
    with pytest.raises(StoreClosedError):
        len(store)
    with Store.open(tmp_path / "s") as again:  # the lock is gone
        assert len(again) == 0


def test_store_implements_the_protocol(each_store: Store) -> None:
    assert isinstance(each_store, GraphStore)


# --------------------------------------------------------------------------- loading


@pytest.mark.parametrize(
    ("name", "graphs", "triples"),
    [
        ("small.ttl", (None,), 12),
        ("small.trig", (None, ex("g1"), ex("g2")), 8),
        ("small.nt", (None,), 4),
        ("small.nq", (None, ex("g3"), ex("g4")), 3),
        ("small.jsonld", (None,), 2),
        ("small.rdf", (None,), 3),
    ],
)
def test_load_every_format_by_extension(
    any_store: Store, fixtures_dir: Path, name: str, graphs: tuple, triples: int
) -> None:
    result = any_store.load(fixtures_dir / name)
    assert result.triples == triples == len(any_store)
    assert result.graphs == graphs
    for graph in graphs:
        if graph is not None:
            assert any_store.has_graph(graph)


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("turtle", "small.ttl"),
        ("ttl", "small.ttl"),
        ("TTL", "small.ttl"),
        ("trig", "small.trig"),
        ("nt", "small.nt"),
        ("ntriples", "small.nt"),
        ("nq", "small.nq"),
        ("nquads", "small.nq"),
        ("jsonld", "small.jsonld"),
        ("json-ld", "small.jsonld"),
        ("rdfxml", "small.rdf"),
        ("xml", "small.rdf"),
        ("rdf", "small.rdf"),
        ("owl", "small.rdf"),
    ],
)
def test_explicit_format_names_override_the_extension(
    memory_store: Store, fixtures_dir: Path, tmp_path: Path, alias: str, name: str
) -> None:
    renamed = tmp_path / "data.unknown"
    renamed.write_bytes((fixtures_dir / name).read_bytes())
    assert memory_store.load(renamed, format=alias).triples > 0


def test_load_bytes_needs_a_format(memory_store: Store) -> None:
    data = b'<http://example.org/a> <http://example.org/p> "x" .'
    with pytest.raises(UnknownFormatError):
        memory_store.load(data)
    assert memory_store.load(data, format="nt").triples == 1


def test_unknown_format_and_extension(memory_store: Store, fixtures_dir: Path) -> None:
    with pytest.raises(UnknownFormatError) as info:
        memory_store.load(fixtures_dir / "unknown.xyz")
    assert "--format" in str(info.value)
    with pytest.raises(UnknownFormatError):
        memory_store.load(fixtures_dir / "small.ttl", format="yaml")
    assert len(memory_store) == 0


def test_missing_file(memory_store: Store, tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError) as info:
        memory_store.load(tmp_path / "nope.ttl")
    assert "nope.ttl" in str(info.value)
    assert isinstance(info.value, LoadError)


def test_triples_go_to_the_given_graph(any_store: Store, fixtures_dir: Path) -> None:
    result = any_store.load(fixtures_dir / "small.nt", graph=ex("target"))
    assert result.graphs == (ex("target"),)
    assert any_store.count(ex("target")) == 4
    assert any_store.count(None) == 0


def test_quads_keep_their_graph_unless_one_is_given(
    any_store: Store, fixtures_dir: Path
) -> None:
    any_store.load(fixtures_dir / "small.nq")
    assert any_store.count(ex("g3")) == 1 and any_store.count(ex("g4")) == 1
    any_store.load(fixtures_dir / "small.trig", graph=ex("all"))
    assert any_store.count(ex("all")) == 8
    assert not any_store.has_graph(ex("g1"))


def test_replace_swaps_the_content_of_the_target_graph(
    any_store: Store, fixtures_dir: Path
) -> None:
    any_store.load(fixtures_dir / "small.ttl", graph=ex("g"))
    any_store.load(fixtures_dir / "small.nt", graph=ex("other"))
    result = any_store.load(fixtures_dir / "small.nt", graph=ex("g"), replace=True)
    assert result.triples == 4
    assert any_store.count(ex("g")) == 4
    assert any_store.count(ex("other")) == 4


def test_blank_nodes_of_two_loads_stay_apart(any_store: Store) -> None:
    data = b'_:b <http://example.org/p> "1" .'
    any_store.load(data, format="nt")
    any_store.load(data, format="nt")
    assert len(any_store) == 2


# ----------------------------------------------------------------- all or nothing


@pytest.mark.parametrize(
    ("name", "line"),
    [("broken.ttl", 4), ("broken.nt", 2), ("broken.trig", 3), ("broken.rdf", None)],
)
def test_parse_errors_say_where(
    each_store: Store, fixtures_dir: Path, name: str, line: int | None
) -> None:
    with pytest.raises(ParseError) as info:
        each_store.load(fixtures_dir / name)
    error = info.value
    assert error.source.endswith(name)
    assert error.line == line
    if line is not None:
        assert error.column is not None and error.column >= 1
        assert f"{name}:{line}:{error.column}" in str(error)
    assert error.parser_message and "syntax error" in str(error)
    assert len(each_store) == 0


def test_parse_error_column(memory_store: Store, fixtures_dir: Path) -> None:
    with pytest.raises(ParseError) as info:
        memory_store.load(fixtures_dir / "broken.nt")
    # '<http://example.org/b> <http://example.org/p> .': the object is missing at the '.'
    assert info.value.column == 47


@pytest.mark.parametrize("path", ["small", "large"])
def test_failed_load_changes_nothing(
    any_store: Store,
    fixtures_dir: Path,
    quad_snapshot: Any,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
) -> None:
    if path == "large":
        monkeypatch.setattr(loading_module, "SMALL_LOAD_BYTES", -1)
        monkeypatch.setattr(loading_module, "BULK_CHUNK", 1)
    any_store.load(fixtures_dir / "small.trig")
    before = quad_snapshot(any_store)
    for name in ["broken.ttl", "broken.nt", "broken.trig", "broken.rdf"]:
        with pytest.raises(ParseError):
            any_store.load(fixtures_dir / name)
        with pytest.raises(ParseError):
            any_store.load(fixtures_dir / name, graph=ex("g1"), replace=True)
    assert quad_snapshot(any_store) == before


@pytest.mark.parametrize("path", ["small", "large"])
def test_several_files_load_all_or_nothing(
    any_store: Store,
    fixtures_dir: Path,
    quad_snapshot: Any,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
) -> None:
    if path == "large":
        monkeypatch.setattr(loading_module, "SMALL_LOAD_BYTES", -1)
    before = quad_snapshot(any_store)
    with pytest.raises(ParseError) as info:
        any_store.load([fixtures_dir / "small.ttl", fixtures_dir / "broken.ttl"])
    assert info.value.source.endswith("broken.ttl")
    assert quad_snapshot(any_store) == before
    result = any_store.load([fixtures_dir / "small.ttl", fixtures_dir / "small.nq"])
    assert result.triples == 15
    assert set(result.graphs) == {None, ex("g3"), ex("g4")}


def test_missing_second_file_loads_nothing(
    any_store: Store, fixtures_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(SourceNotFoundError):
        any_store.load([fixtures_dir / "small.ttl", tmp_path / "missing.ttl"])
    assert len(any_store) == 0


def test_large_path_loads_like_the_small_one(
    store_of_kind: Any, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [
        "small.ttl",
        "small.trig",
        "small.nt",
        "small.nq",
        "small.jsonld",
        "small.rdf",
    ]
    with Store.open(":memory:") as small:
        for name in files:
            small.load(fixtures_dir / name)
        small.load(fixtures_dir / "small.nt", graph=ex("target"))
        monkeypatch.setattr(loading_module, "SMALL_LOAD_BYTES", -1)
        monkeypatch.setattr(loading_module, "BULK_CHUNK", 3)
        monkeypatch.setattr(sources_module, "PROGRESS_BYTES", 0)
        for kind in ["memory", "disk", *REMOTE_KINDS]:
            large = store_of_kind(kind)
            for name in files:
                large.load(fixtures_dir / name, progress=True)
            result = large.load(
                fixtures_dir / "small.nt", graph=ex("target"), progress=True
            )
            assert result.graphs == (ex("target"),)
            assert datasets_isomorphic(small, large), kind


def test_large_path_puts_quads_into_the_given_graph(
    any_store: Store, fixtures_dir: Path, large_path: None
) -> None:
    result = any_store.load(fixtures_dir / "small.trig", graph=ex("all"))
    assert result.graphs == (ex("all"),)
    assert any_store.count(ex("all")) == 8 and any_store.graphs() == [ex("all")]
    any_store.load(fixtures_dir / "small.nq", graph=ex("nq"))
    assert any_store.count(ex("nq")) == 3


def test_large_path_replace(
    any_store: Store, fixtures_dir: Path, large_path: None
) -> None:
    any_store.load(fixtures_dir / "small.ttl", graph=ex("g"))
    result = any_store.load(fixtures_dir / "small.nt", graph=ex("g"), replace=True)
    assert result.triples == 4 == any_store.count(ex("g"))


class _FailingOx:
    """Forwards to a pyoxigraph store but fails one write after doing (part of) it,
    standing in for a full disk in the middle of a load. Later calls work again, as
    they would once space is freed, so the undo can be checked."""

    def __init__(self, inner: ox.Store, fail_on: str) -> None:
        self._inner = inner
        self._fail_on = fail_on
        self.failed = False

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name != self._fail_on or self.failed:
            return attr

        def partial_then_fail(*args: Any, **kwargs: Any) -> Any:
            self.failed = True
            if name == "bulk_extend" and args:  # not atomic: half of it lands
                quads = list(args[0])
                attr(quads[: max(1, len(quads) // 2)])
            elif name != "extend":  # extend is atomic: nothing lands
                attr(*args, **kwargs)
            raise OSError(28, "No space left on device")

        return partial_then_fail

    def __len__(self) -> int:
        return len(self._inner)

    def __iter__(self) -> Any:
        return iter(self._inner)

    def __contains__(self, quad: Any) -> bool:
        return quad in self._inner


@pytest.mark.parametrize("kind", ["memory", "disk"])
def test_system_failure_during_a_large_write_is_undone(
    tmp_path: Path, fixtures_dir: Path, quad_snapshot: Any, large_path: None, kind: str
) -> None:
    store = Store.open(":memory:" if kind == "memory" else tmp_path / "s")
    try:
        store.load(fixtures_dir / "small.trig")
        before = quad_snapshot(store)
        real = store._ox
        method = "load" if kind == "memory" else "bulk_extend"
        store._ox = _FailingOx(real, method)  # type: ignore[assignment]
        with pytest.raises(LoadError) as info:  # two sources: the validated path
            store.load(
                [fixtures_dir / "small.ttl", fixtures_dir / "small.nt"], graph=ex("new")
            )
        assert "No space left" in str(info.value)
        store._ox = _FailingOx(real, method)  # type: ignore[assignment]
        with pytest.raises(
            LoadError
        ):  # replacing an existing graph: its content comes back
            store.load(fixtures_dir / "small.nt", graph=ex("g1"), replace=True)
        store._ox = real
        assert quad_snapshot(store) == before
    finally:
        store.close()


def test_failure_into_a_non_empty_graph_says_it_may_be_partial(
    disk_store: Store, fixtures_dir: Path, large_path: None
) -> None:
    disk_store.load(fixtures_dir / "small.nt", graph=ex("g"))
    real = disk_store._ox
    disk_store._ox = _FailingOx(real, "bulk_extend")  # type: ignore[assignment]
    try:
        with pytest.raises(LoadError) as info:
            disk_store.load(fixtures_dir / "small.ttl", graph=ex("g"))
    finally:
        disk_store._ox = real
    assert "may hold part of the data" in str(info.value)


# --------------------------------------------------------------------------- terms


def test_xsd_string_literals_become_plain_literals(
    each_store: Store, fixtures_dir: Path
) -> None:
    each_store.load(fixtures_dir / "small.ttl")
    graph = each_store.to_rdflib()
    status = graph.value(ex("alice"), ex("status"))
    assert status == Literal("actief")
    assert status.datatype is None and status.language is None
    note = graph.value(ex("alice"), ex("note"))
    assert note == Literal("plain") and note.datatype is None
    assert Literal("Alice", lang="nl") in set(graph.objects(ex("alice"), ns.RDFS.label))
    assert graph.value(ex("alice"), ex("age")) == Literal(42)
    assert graph.value(ex("alice"), ex("born")) == Literal(
        "1980-01-02", datatype=ns.XSD.date
    )
    # the same through SPARQL
    row = each_store.query(
        "SELECT ?s WHERE { <http://example.org/alice> <http://example.org/status> ?s }"
    ).rows[0]
    assert row[0] == Literal("actief") and row[0].datatype is None
    # rdflib, parsing the file itself, agrees statement for statement once its explicit
    # "actief"^^xsd:string is read as the plain literal it is in RDF 1.1
    assert isomorphic(plain_strings(Graph().parse(fixtures_dir / "small.ttl")), graph)


def test_lang_strings_become_plain_language_tagged_literals() -> None:
    term = to_rdflib_term(ox.Literal("hallo", language="nl"))
    assert term == Literal("hallo", lang="nl") and term.datatype is None


_ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_LANGS = st.sampled_from([None, "nl", "en", "en-GB"])
_DATATYPES = st.sampled_from([None, ns.XSD.string, ns.XSD.token, URIRef(EX + "dt")])


def _round_trip(store: Any, text: str, lang: str | None) -> None:
    literal = Literal(text, lang=lang)
    with store:
        with store.transaction() as tx:
            tx.add((ex("s"), ex("p"), literal))
        ((_, _, value, graph),) = store.quads()
    assert graph is None
    assert value == literal
    assert from_rdflib_term(value) == from_rdflib_term(literal)


@settings(max_examples=60, deadline=None)
@given(text=_ANY_TEXT, lang=_LANGS)
def test_literals_round_trip_through_the_store(text: str, lang: str | None) -> None:
    _round_trip(Store.open(":memory:"), text, lang)


@pytest.mark.parametrize("kind", REMOTE_KINDS)
@settings(max_examples=20, deadline=None)  # each example is a dozen HTTP requests
@given(text=_ANY_TEXT, lang=_LANGS)
def test_literals_round_trip_through_a_remote_store(
    triplestores: Any, kind: str, text: str, lang: str | None
) -> None:
    _round_trip(triplestores.open(kind), text, lang)


def _update_path(store: Any, text: str, datatype: URIRef | None) -> None:
    literal = Literal(text, datatype=datatype)
    with store:
        store.load(
            b'<http://example.org/x> <http://example.org/p> "old" <http://example.org/old> .',
            format="nq",
        )
        with store.transaction() as tx:
            tx.remove_graph(ex("old"))
            tx.add((ex("s"), ex("p"), literal, ex("new")))
        ((_, _, value, graph),) = store.quads()
    assert graph == ex("new")
    expected = Literal(text) if datatype == ns.XSD.string else literal
    assert value == expected


@settings(max_examples=60, deadline=None)
@given(text=_ANY_TEXT, datatype=_DATATYPES)
def test_literals_survive_the_sparql_update_path(
    text: str, datatype: URIRef | None
) -> None:
    """A transaction that also drops a graph is written as one SPARQL update, with the
    terms written out as text: quotes, newlines and any character must come through."""
    _update_path(Store.open(":memory:"), text, datatype)


@pytest.mark.parametrize("kind", REMOTE_KINDS)
@settings(max_examples=20, deadline=None)  # each example is a dozen HTTP requests
@given(text=_ANY_TEXT, datatype=_DATATYPES)
def test_literals_survive_a_remote_store(
    triplestores: Any, kind: str, text: str, datatype: URIRef | None
) -> None:
    """On a remote store every transaction is written out as text (SPARQL update, or
    N-Triples for Virtuoso's Graph Store) and read back over HTTP."""
    # Documented difference (README, Virtuoso row): Virtuoso 7.2 does not keep a NUL
    # character in a literal typed other than xsd:string (found here as "\x00"^^xsd:token);
    # test_virtuoso_drops_nul_in_typed_literals pins that behaviour.
    assume(
        not (
            kind == "virtuoso"
            and "\x00" in text
            and datatype not in (None, ns.XSD.string)
        )
    )
    _update_path(triplestores.open(kind), text, datatype)


def test_virtuoso_drops_nul_in_typed_literals(triplestores: Any) -> None:
    """What Virtuoso does with the one input the round trip above leaves out for it."""
    with pytest.raises(AssertionError):
        _update_path(triplestores.open("virtuoso"), "\x00", ns.XSD.token)
    _update_path(
        triplestores.open("virtuoso"), "\x00", ns.XSD.string
    )  # kept as a string


def test_blank_nodes_are_consistent_within_one_conversion(
    each_store: Store, fixtures_dir: Path
) -> None:
    each_store.load(fixtures_dir / "small.trig")
    dataset = each_store.to_dataset()
    g1 = dataset.graph(ex("g1"))
    shared = g1.value(ex("a"), ex("shared"))
    assert isinstance(shared, BNode)
    assert g1.value(shared, ex("q")) == Literal("bnode in g1")


def test_add_graph_from_rdflib_and_back(any_store: Store, fixtures_dir: Path) -> None:
    source = plain_strings(Graph().parse(fixtures_dir / "small.ttl"))
    assert any_store.add_graph(source, ex("copy")) == len(source)
    assert isomorphic(any_store.to_rdflib(ex("copy")), source)
    smaller = Graph().parse(fixtures_dir / "small.nt")
    any_store.add_graph(smaller, ex("copy"), replace=True)
    assert isomorphic(any_store.to_rdflib(ex("copy")), smaller)


def test_to_rdflib_union_and_unknown_graph(
    each_store: Store, fixtures_dir: Path
) -> None:
    each_store.load(fixtures_dir / "small.trig")
    assert len(each_store.to_rdflib(union=True)) == 8
    with pytest.raises(UnknownGraphError):
        each_store.to_rdflib(ex("nope"))


def test_invalid_iri_is_reported(each_store: Store) -> None:
    with pytest.raises(InvalidIRIError):
        each_store.count("not an iri")


# --------------------------------------------------------------------------- graphs


def test_graph_management(any_store: Store, fixtures_dir: Path) -> None:
    any_store.load(fixtures_dir / "small.trig")
    assert any_store.graphs() == [ex("g1"), ex("g2")]
    assert any_store.has_graph(ex("g1")) and not any_store.has_graph(ex("zz"))
    assert any_store.graph_sizes() == {None: 1, ex("g1"): 4, ex("g2"): 3}
    any_store.clear_graph(ex("g1"))
    # Documented difference (mag_graph/store/remote_sparql.py): Virtuoso forgets a named
    # graph with its last statement; every other store keeps the empty graph.
    keeps_empty_graphs = not (
        isinstance(any_store, RemoteStore) and any_store.backend == "virtuoso"
    )
    assert (
        any_store.has_graph(ex("g1")) == keeps_empty_graphs
        and any_store.count(ex("g1")) == 0
    )
    any_store.drop_graph(ex("g1"))
    assert not any_store.has_graph(ex("g1"))
    any_store.drop_graph(DEFAULT_GRAPH)
    assert any_store.count() == 0 and len(any_store) == 3


def test_quads_pattern(each_store: Store, fixtures_dir: Path) -> None:
    each_store.load(fixtures_dir / "small.trig")
    assert {g for *_, g in each_store.quads(predicate=ex("p"))} == {ex("g1"), ex("g2")}
    assert len(list(each_store.quads(graph=None))) == 1
    assert len(list(each_store.quads(subject=ex("b"), graph=ex("g2")))) == 3


def test_source_graphs_reads_without_writing(fixtures_dir: Path) -> None:
    assert source_graphs(fixtures_dir / "small.trig") == {None, ex("g1"), ex("g2")}
    assert source_graphs(fixtures_dir / "small.ttl") == {None}
    with pytest.raises(ParseError):
        source_graphs(fixtures_dir / "broken.trig")


# --------------------------------------------------------------------------- SPARQL


@pytest.fixture
def loaded(each_store: Store, fixtures_dir: Path) -> Store:
    each_store.load(fixtures_dir / "stats.trig")
    return each_store


def test_select_over_the_union_of_all_graphs(loaded: Store) -> None:
    result = loaded.query(
        "SELECT ?p WHERE { ?p a <http://example.org/Person> } ORDER BY ?p"
    )
    assert result.kind == "select" and result.variables == ("p",)
    assert result.column("p") == [ex("carol"), ex("carol"), ex("dave"), ex("erin")]
    only_default = loaded.query(
        "SELECT ?p WHERE { ?p a <http://example.org/Person> }",
        union_default_graph=False,
    )
    assert only_default.column("p") == [ex("carol")]


def test_dataset_narrowing(loaded: Store) -> None:
    result = loaded.query(
        "SELECT ?p WHERE { ?p a <http://example.org/Person> }",
        default_graphs=[ex("gb")],
    )
    assert result.column("p") == [ex("erin")]
    named = loaded.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[ex("ga")]
    )
    assert named.column("g") == [ex("ga")]


def test_project_prefixes_are_predeclared(each_store: Store) -> None:
    each_store.update("INSERT DATA { magid:x a mag:Thing ; rdfs:label 'x'@nl }")
    result = each_store.query("SELECT ?x WHERE { ?x a mag:Thing }")
    assert result.column("x") == [URIRef("https://data.mag-graph.nl/id/x")]
    own = each_store.query("PREFIX mag: <http://other/> ASK { ?x a mag:Thing }")
    assert own.kind == "ask" and own.boolean is False and not own


def test_bindings_are_typed_terms(loaded: Store) -> None:
    query = "SELECT ?who WHERE { ?who <http://example.org/name> ?name }"
    result = loaded.query(query, bindings={"name": Literal("Dave")})
    assert result.column("who") == [ex("dave")]
    assert loaded.query(
        "SELECT ?n WHERE { BIND(?x + 1 AS ?n) }", bindings={"x": 41}
    ).rows == [(Literal(42),)]
    hostile = Literal('Dave" } ; DROP ALL ; #')
    assert loaded.query(query, bindings={"name": hostile}).rows == []
    assert len(loaded) == 9


def test_bindings_on_variables_outside_the_projection(loaded: Store) -> None:
    query = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class }"
    result = loaded.query(query, bindings={"class": ex("Person")})
    assert result.rows == [(Literal(3),)]
    result = loaded.query(
        "SELECT ?s WHERE { # a comment with { braces\n ?s a ?class FILTER(STR(?s) != '{') }",
        bindings={"?class": ex("Org")},
    )
    assert result.column("s") == [ex("acme")]


def test_ask_and_construct(loaded: Store) -> None:
    assert loaded.query("ASK { ?s a <http://example.org/Org> }").boolean is True
    result = loaded.query(
        "CONSTRUCT { ?s a ?c } WHERE { GRAPH <http://example.org/gb> { ?s a ?c } }"
    )
    assert result.kind == "graph"
    assert set(result.graph) == {(ex("erin"), ns.RDF.type, ex("Person"))}


def test_query_syntax_error(loaded: Store) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        loaded.query("SELEC * WHERE { ?s ?p ?o }")
    assert "1:" in info.value.parser_message
    with pytest.raises(QuerySyntaxError) as info:
        loaded.query("SELECT * WHERE { ?s a nope:Thing }")
    assert "unknown prefix" in str(info.value)


def test_query_to_serialises_without_rdflib(loaded: Store) -> None:
    data, media = loaded.query_to(
        "SELECT ?s WHERE { ?s a <http://example.org/Org> }", "json"
    )
    assert media.startswith("application/sparql-results+json")
    assert b'"value":"http://example.org/acme"' in data
    data, _ = loaded.query_to(
        "SELECT ?s WHERE { ?s a <http://example.org/Org> }", "csv"
    )
    assert data.splitlines() == [b"s", b"http://example.org/acme"]
    data, media = loaded.query_to(
        "CONSTRUCT WHERE { ?s a <http://example.org/Org> }", "turtle"
    )
    assert media == "text/turtle" and b"<http://example.org/acme>" in data
    data, _ = loaded.query_to("ASK { ?s ?p ?o }", "json")
    assert b'"boolean":true' in data
    with pytest.raises(QueryError):
        loaded.query_to("SELECT * WHERE { ?s ?p ?o }", "turtle")


def test_update_is_atomic(loaded: Store, quad_snapshot: Any) -> None:
    before = quad_snapshot(loaded)
    with pytest.raises(QueryError):
        loaded.update(
            "INSERT DATA { <http://example.org/new> <http://example.org/p> 1 } ;"
            " LOAD <file:///definitely/not/here.ttl>"
        )
    if isinstance(loaded, RemoteStore) and loaded.backend == "virtuoso":
        # Documented difference (mag_graph/store/remote_transaction.py): Virtuoso runs
        # the operations of one update request one by one; those before a failing one stay.
        new = '<http://example.org/new> <http://example.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'
        assert quad_snapshot(loaded) == sorted([*before, new])
    else:
        assert quad_snapshot(loaded) == before
    with pytest.raises(QuerySyntaxError):
        loaded.update("INSERT DATA { <http://example.org/a> }")


# --------------------------------------------------------------------------- transactions


def test_transaction_applies_everything_at_the_end(
    any_store: Store, fixtures_dir: Path
) -> None:
    any_store.load(fixtures_dir / "small.trig")
    with any_store.transaction() as tx:
        tx.add((ex("new"), ex("p"), Literal("x")), graph=ex("g3"))
        tx.add((ex("n2"), ex("p"), Literal(2), ex("g3")))
        tx.remove((ex("x"), ex("inDefault"), Literal("default")))
        tx.remove_graph(ex("g2"))
        assert any_store.count(ex("g3")) == 0  # nothing written yet
    assert any_store.count(ex("g3")) == 2
    assert any_store.count(None) == 0
    assert not any_store.has_graph(ex("g2"))
    assert set(tx.added) == {
        (ex("new"), ex("p"), Literal("x"), ex("g3")),
        (ex("n2"), ex("p"), Literal(2), ex("g3")),
    }
    assert tx.removed == [(ex("x"), ex("inDefault"), Literal("default"), None)]
    assert tx.dropped_graphs == [ex("g2")]


def test_exception_inside_a_transaction_writes_nothing(
    any_store: Store, fixtures_dir: Path, quad_snapshot: Any
) -> None:
    any_store.load(fixtures_dir / "small.trig")
    before = quad_snapshot(any_store)
    with pytest.raises(RuntimeError), any_store.transaction() as tx:
        tx.add((ex("n"), ex("p"), Literal("x")))
        tx.remove_graph(ex("g1"))
        tx.load(fixtures_dir / "small.ttl", graph=ex("g9"))
        raise RuntimeError("changed my mind")
    assert quad_snapshot(any_store) == before


def test_transaction_parse_error_stages_nothing(
    each_store: Store, fixtures_dir: Path
) -> None:
    with pytest.raises(ParseError), each_store.transaction() as tx:
        tx.add((ex("n"), ex("p"), Literal("x")))
        tx.load(fixtures_dir / "broken.ttl")
    assert len(each_store) == 0


def test_transaction_sequence_semantics(each_store: Store) -> None:
    triple = (ex("s"), ex("p"), Literal("o"))
    with each_store.transaction() as tx:
        tx.add(triple, graph=ex("g"))
        tx.remove_graph(ex("g"))  # drops what was added before
        tx.add((ex("s2"), ex("p"), Literal("o")), graph=ex("g"))  # added after the drop
        tx.add(triple)
        tx.remove(triple)  # add then remove: gone
    assert list(each_store.quads()) == [(ex("s2"), ex("p"), Literal("o"), ex("g"))]


def test_blank_node_removal_takes_the_stepwise_path(
    any_store: Store, fixtures_dir: Path, quad_snapshot: Any
) -> None:
    any_store.load(fixtures_dir / "small.trig")
    ((bnode, _, _, _),) = any_store.quads(predicate=ex("q"))
    if isinstance(any_store, RemoteStore):
        # Documented difference (mag_graph/store/remote_transaction.py): SPARQL cannot
        # name a stored blank node; it is removed by its shape, all its statements in a
        # graph at once, so removing some of them is refused up front.
        any_store.load(
            b'<http://example.org/c> <http://example.org/has> [ <http://example.org/q> "1" ; <http://example.org/r> "2" ] , [ <http://example.org/q> "1" ] .',
            format="turtle",
            graph=ex("g3"),
        )
        nodes = {
            q[0]: [t for t in any_store.quads(graph=ex("g3")) if t[0] == q[0]]
            for q in any_store.quads(predicate=ex("q"), graph=ex("g3"))
        }
        ((big, big_quads),) = [(n, qs) for n, qs in nodes.items() if len(qs) == 2]
        ((small, small_quads),) = [(n, qs) for n, qs in nodes.items() if len(qs) == 1]
        before = quad_snapshot(any_store)
        with (
            pytest.raises(StoreError, match="some of a blank node's statements"),
            any_store.transaction() as tx,
        ):
            tx.remove((big, ex("q"), Literal("1"), ex("g3")))
        assert quad_snapshot(any_store) == before
        # The node with one statement is removed, not the one that has the same statement and more.
        with any_store.transaction() as tx:
            tx.remove((ex("c"), ex("has"), small, ex("g3")))
            tx.remove(small_quads[0])
        left = set(any_store.quads(graph=ex("g3")))
        assert left == {*big_quads, (ex("c"), ex("has"), big, ex("g3"))}
        assert len(quad_snapshot(any_store)) == len(before) - 2
        return
    with any_store.transaction() as tx:
        tx.remove((bnode, ex("q"), Literal("bnode in g1"), ex("g1")))
        tx.add((bnode, ex("q"), Literal("changed"), ex("g1")))  # reuses the stored node
    assert list(any_store.quads(predicate=ex("q"))) == [
        (bnode, ex("q"), Literal("changed"), ex("g1"))
    ]
    assert (ex("a"), ex("shared"), bnode, ex("g1")) in set(any_store.quads())


BUDGET_TTL = b"""
@prefix ex: <http://example.org/> . @prefix schema: <http://schema.org/> .
@prefix time: <http://www.w3.org/2006/time#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:b1 ex:amount [ a schema:MonetaryAmount ; schema:value "1200000.00"^^xsd:decimal ; schema:currency "EUR" ] ;
    ex:period [ a time:ProperInterval ;
        time:hasBeginning [ a time:Instant ; time:inXSDDate "2018-01-01"^^xsd:date ] ;
        time:hasEnd [ a time:Instant ; time:inXSDDate "2019-12-31"^^xsd:date ] ] .
ex:b2 ex:amount [ a schema:MonetaryAmount ; schema:value "1200000.00"^^xsd:decimal ; schema:currency "EUR" ;
    ex:note "one statement more" ] .
"""


def test_nested_blank_nodes_with_types_and_typed_literals_are_removed_whole(
    any_store: Store,
) -> None:
    """The example budget's shape (issue 16): an amount with an rdf:type, an xsd:decimal
    that Virtuoso reads back as "1200000" and a currency, and a period of nested blank
    nodes with xsd:date values. Read back and removed in one transaction, as the CMS does,
    it goes on every backend (on Virtuoso, sameTerm with an IRI or another blank node made
    the remote removal refuse it); a node with one statement more is not taken for it."""
    any_store.load(BUDGET_TTL, format="turtle", graph=ex("g"))
    before = set(any_store.quads(graph=ex("g")))

    def reachable(root: URIRef) -> set[tuple]:
        out: set[tuple] = set()
        todo: list[Any] = [root]
        while todo:
            node = todo.pop()
            for quad in before:
                if quad[0] == node and quad not in out:
                    out.add(quad)
                    if isinstance(quad[2], BNode):
                        todo.append(quad[2])
        return out

    b1, b2 = reachable(ex("b1")), reachable(ex("b2"))
    assert len(b1) == 12 and len(b2) == 5 and b1 | b2 == before
    if isinstance(any_store, RemoteStore):
        partial = {q for q in b2 if q[1] != ex("note")}
        with (
            pytest.raises(StoreError, match="some of a blank node's statements"),
            any_store.transaction() as tx,
        ):
            for quad in partial:
                tx.remove(quad)
        assert set(any_store.quads(graph=ex("g"))) == before
    with any_store.transaction() as tx:
        for quad in b1:
            tx.remove(quad)
    assert set(any_store.quads(graph=ex("g"))) == b2
    with any_store.transaction() as tx:
        for quad in b2:
            tx.remove(quad)
    assert list(any_store.quads(graph=ex("g"))) == []


def test_stepwise_path_is_undone_on_failure(
    embedded_store: Store, fixtures_dir: Path, quad_snapshot: Any
) -> None:
    embedded_store.load(fixtures_dir / "small.trig")
    before = quad_snapshot(embedded_store)
    ((bnode, _, _, _),) = embedded_store.quads(predicate=ex("q"))
    real = embedded_store._ox
    embedded_store._ox = _FailingOx(real, "extend")  # type: ignore[assignment]
    try:
        with pytest.raises(OSError), embedded_store.transaction() as tx:
            tx.remove((bnode, ex("q"), Literal("bnode in g1"), ex("g1")))
            tx.remove_graph(ex("g2"))
            tx.add((ex("z"), ex("p"), Literal(1)))
            tx.add((ex("z"), ex("p"), Literal(2)))
    finally:
        embedded_store._ox = real
    assert quad_snapshot(embedded_store) == before


def test_clear_in_a_transaction(each_store: Store, fixtures_dir: Path) -> None:
    each_store.load(fixtures_dir / "small.trig")
    with each_store.transaction() as tx:
        tx.clear()
        tx.add((ex("only"), ex("p"), Literal(1)))
    assert len(each_store) == 1 and each_store.graphs() == []
    assert tx.cleared


def test_finished_transaction_refuses_more_changes(each_store: Store) -> None:
    with each_store.transaction() as tx:
        pass
    with pytest.raises(MagGraphError, match="already finished"):
        tx.add((ex("a"), ex("b"), Literal(1)))


# --------------------------------------------------------------------------- export


def test_export_round_trip_is_isomorphic(
    any_store: Store, fixtures_dir: Path, tmp_path: Path
) -> None:
    for name in ["small.ttl", "small.trig", "small.nq", "small.jsonld", "small.rdf"]:
        any_store.load(fixtures_dir / name)
    any_store.load(fixtures_dir / "small.nt", graph=ex("nt"))
    for fmt in ["trig", "nquads", "jsonld"]:
        target = (
            tmp_path
            / f"export.{ {'trig': 'trig', 'nquads': 'nq', 'jsonld': 'jsonld'}[fmt] }"
        )
        assert any_store.export(format=fmt, destination=target) is None
        with Store.open(":memory:") as fresh:
            fresh.load(target)
            assert datasets_isomorphic(any_store, fresh), fmt
        with Store.open(":memory:") as fresh:
            fresh.load(any_store.export(format=fmt), format=fmt)
            assert datasets_isomorphic(any_store, fresh), fmt


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "rdfxml", "jsonld"])
def test_export_one_graph(each_store: Store, fixtures_dir: Path, fmt: str) -> None:
    each_store.load(fixtures_dir / "small.ttl", graph=ex("g"))
    data = each_store.export(graph=ex("g"), format=fmt)
    assert data
    with Store.open(":memory:") as fresh:
        fresh.load(data, format=fmt)
        assert isomorphic(fresh.to_rdflib(), each_store.to_rdflib(ex("g")))


def test_export_uses_project_prefixes(each_store: Store) -> None:
    each_store.update("INSERT DATA { GRAPH magg:x { magid:a a mag:Thing } }")
    data = each_store.export().decode()
    assert "@prefix mag: <https://data.mag-graph.nl/def/mag#> ." in data
    assert "magid:a a mag:Thing" in data
    assert each_store.export(graph=MAGG["x"]).decode().count("mag:Thing") == 1


def test_export_errors(each_store: Store) -> None:
    with pytest.raises(UnknownGraphError):
        each_store.export(graph=ex("nope"))
    with pytest.raises(UnknownFormatError):
        each_store.export(format="turtle")  # one graph only
    with pytest.raises(UnknownFormatError):
        each_store.export(format="yaml")


def test_export_to_a_path_writes_the_whole_file_or_nothing(
    each_store: Store, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "dump.nq"
    each_store.update("INSERT DATA { <http://example.org/a> <http://example.org/p> 1 }")
    each_store.export(destination=target)  # format from the extension
    assert target.read_text().strip().endswith(".")
    assert [p.name for p in target.parent.iterdir()] == ["dump.nq"]


# --------------------------------------------------------------------------- stats


def test_stats_counts(loaded: Store) -> None:
    stats = loaded.stats()
    assert stats.total == 9
    assert stats.graphs == {None: 2, ex("ga"): 4, ex("gb"): 3}
    assert stats.classes == [(ex("Person"), 3), (ex("Org"), 1)]
    as_json = stats.to_json()
    assert as_json["graphs"]["default"] == 2 and as_json["classes"][EX + "Person"] == 3


def test_stats_of_an_empty_store(each_store: Store) -> None:
    stats = each_store.stats()
    assert stats.total == 0 and stats.classes == [] and stats.graphs == {None: 0}


# --------------------------------------------------------------------------- bootstrap


@pytest.fixture
def shipped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fixtures_dir: Path
) -> Path:
    """Stand-in shipped resources, so bootstrap is tested without the real ontology/data."""
    root = tmp_path / "shipped"
    for folder in ["ontology", "shapes", "data"]:
        (root / folder).mkdir(parents=True)
    (root / "ontology" / "mag.ttl").write_bytes(
        (fixtures_dir / "small.ttl").read_bytes()
    )
    (root / "shapes" / "shapes.ttl").write_bytes(
        (fixtures_dir / "small.nt")
        .read_bytes()
        .replace(b"_:x", b"<http://example.org/x>")
    )
    (root / "data" / "bronnen.ttl").write_text(
        '<http://example.org/src> <http://example.org/p> "bron" .\n'
    )
    (root / "data" / "extra.ttl").write_text(
        '<http://example.org/e> <http://example.org/p> "extra" .\n'
    )
    (root / "data" / "gemeente.trig").write_bytes(
        (fixtures_dir / "small.trig")
        .read_bytes()
        .replace(b'ex:x ex:inDefault "default" .', b"")
    )

    def files(name: str, *patterns: str) -> list[Path]:
        return sorted(p for pattern in patterns for p in (root / name).glob(pattern))

    monkeypatch.setattr(bootstrap, "resource_files", files)
    return root


def test_bootstrap_loads_each_file_into_its_graph(
    each_store: Store, shipped: Path
) -> None:
    counts = bootstrap.initialise(each_store)
    assert list(counts)[:2] == [Graphs.ONTOLOGY, bootstrap.SHAPES_GRAPH]
    assert counts[Graphs.ONTOLOGY] == 12
    assert counts[bootstrap.SHAPES_GRAPH] == 4
    assert counts[Graphs.SOURCES] == 1
    assert counts[MAGG["extra"]] == 1
    assert counts[ex("g1")] == 4 and counts[ex("g2")] == 3
    assert each_store.count(None) == 0


def test_bootstrap_is_idempotent_and_keeps_other_graphs(
    any_store: Store, shipped: Path, fixtures_dir: Path
) -> None:
    any_store.load(fixtures_dir / "small.nq")  # someone else's graphs
    first = bootstrap.initialise(any_store)
    snapshot = {g: any_store.to_rdflib(g) for g in [None, *any_store.graphs()]}
    second = bootstrap.initialise(any_store)
    assert first == second
    assert any_store.graphs() == sorted(snapshot.keys() - {None}, key=str)
    for graph, content in snapshot.items():
        assert isomorphic(any_store.to_rdflib(graph), content)
    assert any_store.count(ex("g3")) == 1
    bootstrap.initialise(any_store, reset=True)
    assert not any_store.has_graph(ex("g3"))


def test_bootstrap_with_a_broken_file_changes_nothing(
    each_store: Store, shipped: Path, fixtures_dir: Path, quad_snapshot: Any
) -> None:
    bootstrap.initialise(each_store)
    before = quad_snapshot(each_store)
    (shipped / "data" / "catalogus.ttl").write_bytes(
        (fixtures_dir / "broken.ttl").read_bytes()
    )
    with pytest.raises(ParseError) as info:
        bootstrap.initialise(each_store, reset=True)
    assert info.value.source.endswith("catalogus.ttl")
    assert quad_snapshot(each_store) == before


def test_data_file_graphs_follow_the_model() -> None:
    assert bootstrap.data_file_graph(Path("bronnen.ttl")) == Graphs.SOURCES
    assert bootstrap.data_file_graph(Path("catalogus.ttl")) == Graphs.CATALOGUE
    assert bootstrap.data_file_graph(Path("nieuw.ttl")) == MAGG["nieuw"]
    assert Graphs.ONTOLOGY in bootstrap.owned_graphs()
    assert str(bootstrap.SHAPES_GRAPH) == "https://data.mag-graph.nl/graph/shapes"


# ----------------------------------------------------------- big N-Triples in blocks


def _nt_lines(
    n: int, *, broken_at: int | None = None, bnode_at: tuple[int, ...] = ()
) -> bytes:
    lines = []
    for i in range(1, n + 1):
        if i == broken_at:
            lines.append(f'<{EX}s{i}> <{EX}p> "unterminated .')
        elif i in bnode_at:
            lines.append(f'_:shared <{EX}p{i}> "{i}" .')
        else:
            lines.append(f'<{EX}s{i}> <{EX}p> "{i}" .')
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def tiny_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading_module, "SMALL_LOAD_BYTES", -1)
    monkeypatch.setattr(loading_module, "LINE_BLOCK_BYTES", 100)
    monkeypatch.setattr(loading_module, "BULK_CHUNK", 3)


def test_blocks_load_everything(
    disk_store: Store, tmp_path: Path, tiny_blocks: None
) -> None:
    source = tmp_path / "big.nt"
    source.write_bytes(_nt_lines(50).rstrip(b"\n"))  # no newline at the very end
    result = disk_store.load(source)
    assert result.triples == 50 == disk_store.count(None)
    result = disk_store.load(source, graph=ex("g"))
    assert result.triples == 50 == disk_store.count(ex("g"))


@pytest.mark.parametrize("into", ["empty", "non-empty"])
def test_blocks_syntax_error_line_and_nothing_written(
    disk_store: Store, tmp_path: Path, tiny_blocks: None, quad_snapshot: Any, into: str
) -> None:
    if into == "non-empty":  # cannot be undone, so it is validated before writing
        disk_store.load(
            b'<http://example.org/old> <http://example.org/p> "1" .', format="nt"
        )
    before = quad_snapshot(disk_store)
    source = tmp_path / "big.nt"
    source.write_bytes(_nt_lines(50, broken_at=37))
    with pytest.raises(ParseError) as info:
        disk_store.load(source)
    assert info.value.line == 37 and info.value.source == str(source)
    assert quad_snapshot(disk_store) == before


def test_blocks_keep_a_blank_node_across_block_boundaries(
    disk_store: Store, tmp_path: Path, tiny_blocks: None
) -> None:
    source = tmp_path / "bnodes.nt"
    source.write_bytes(_nt_lines(60, bnode_at=(25, 45, 58)))
    disk_store.load(source)
    subjects = {s for s, *_ in disk_store.quads() if isinstance(s, BNode)}
    assert len(subjects) == 1
    assert disk_store.count(None) == 60


def test_blocks_broken_after_a_blank_node(
    disk_store: Store, tmp_path: Path, tiny_blocks: None, quad_snapshot: Any
) -> None:
    source = tmp_path / "bnodes.nt"
    source.write_bytes(_nt_lines(60, bnode_at=(25,), broken_at=51))
    with pytest.raises(ParseError) as info:
        disk_store.load(source)
    assert info.value.line == 51
    assert len(disk_store) == 0


def test_blocks_nquads(disk_store: Store, tmp_path: Path, tiny_blocks: None) -> None:
    lines = [f'<{EX}s{i}> <{EX}p> "{i}" <{EX}g{i % 3}> .' for i in range(40)]
    source = tmp_path / "big.nq"
    source.write_text("\n".join(lines) + "\n")
    result = disk_store.load(source)
    assert set(result.graphs) == {ex("g0"), ex("g1"), ex("g2")}
    assert result.triples == 40
    disk_store.load(source, graph=ex("all"))
    assert disk_store.count(ex("all")) == 40


def test_blocks_system_failure_is_undone(
    disk_store: Store, tmp_path: Path, tiny_blocks: None, quad_snapshot: Any
) -> None:
    disk_store.load(
        b'<http://example.org/old> <http://example.org/p> "1" <http://example.org/other> .',
        format="nq",
    )
    before = quad_snapshot(disk_store)
    source = tmp_path / "big.nt"
    source.write_bytes(_nt_lines(50))
    real = disk_store._ox
    proxy = _FailingOx(real, "bulk_load")
    calls = {"n": 0}
    original = proxy.__class__.__getattr__

    def later_failure(self: _FailingOx, name: str) -> Any:  # fail on the third block
        if name == "bulk_load" and not self.failed:
            calls["n"] += 1
            if calls["n"] < 3:
                return getattr(real, name)
        return original(self, name)

    disk_store._ox = type("Later", (_FailingOx,), {"__getattr__": later_failure})(
        real, "bulk_load"
    )  # type: ignore[assignment]
    try:
        with pytest.raises(LoadError) as info:
            disk_store.load(source)
    finally:
        disk_store._ox = real
    assert "No space left" in str(info.value)
    assert calls["n"] == 3
    assert quad_snapshot(disk_store) == before
