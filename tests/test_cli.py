"""The ``mag-graph`` command: output, --store/$MAG_GRAPH_STORE, and errors that end as
one line on stderr with exit code 2 while the store stays exactly as it was.

Most tests use click's CliRunner; a few run the installed console script for real."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rdflib import RDF, Literal, URIRef

from mag_graph import __version__
from mag_graph.cli import expand_iri, main, municipality_iri, shorten
from mag_graph.namespaces import MAGG, MUNICIPALITIES
from mag_graph.store import DEFAULT_GRAPH, Store, open_graph_store

COMMANDS = ["init", "load", "export", "query", "stats", "matrix"]
SCRIPT = Path(sys.executable).with_name("mag-graph")
EX = "http://example.org/"
# The remote backends the CLI tests also run on (tests/conftest.py starts the servers).
REMOTE_KINDS = ["oxigraph", "virtuoso"]


@pytest.fixture(autouse=True)
def no_env_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests say which store they use; an exported $MAG_GRAPH_STORE must not leak in."""
    monkeypatch.delenv("MAG_GRAPH_STORE", raising=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(params=["disk", *REMOTE_KINDS])
def store_dir(request: pytest.FixtureRequest, tmp_path: Path, triplestores: Any) -> Any:
    """The --store of a test: a directory, or the URL of an emptied remote store."""
    if request.param == "disk":
        return tmp_path / "store"
    triplestores.open(request.param).close()
    return triplestores.url(request.param)


def run(runner: CliRunner, *args: Any, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


def content(path: Path, snapshot: Any) -> list[str]:
    with open_graph_store(path, create=False) as store:
        return snapshot(store)


def assert_clean_failure(result: Result, *expected: str) -> None:
    """Exit code 2, one line on stderr starting with 'fout / error:', no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("fout / error: ")
    assert "Traceback" not in result.output
    for text in expected:
        assert text in lines[0]


# --------------------------------------------------------------------------- help


def test_version(runner: CliRunner) -> None:
    result = run(runner, "--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"mag-graph {__version__}"


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help(runner: CliRunner, command: str | None) -> None:
    args = ["--help"] if command is None else [command, "--help"]
    result = run(runner, *args)
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    if command is not None:
        assert "--store" in result.stdout and "MAG_GRAPH_STORE" in result.stdout


# --------------------------------------------------------------------------- load / stats


def test_load_and_stats(runner: CliRunner, store_dir: Path, fixtures_dir: Path) -> None:
    result = run(runner, "load", fixtures_dir / "stats.trig", "--store", store_dir)
    assert result.exit_code == 0, result.output
    assert "9 triples" in result.stdout
    result = run(runner, "stats", "--format", "json", "--store", store_dir)
    data = json.loads(result.stdout)
    assert data == {
        "total": 9,
        "graphs": {"default": 2, f"<{EX}ga>": 4, f"<{EX}gb>": 3},
        "classes": {f"<{EX}Person>": 3, f"<{EX}Org>": 1},
    }
    table = run(runner, "stats", "--store", store_dir).stdout
    assert "totaal / total: 9" in table
    assert "instanties / instances" in table


def test_stats_table_uses_prefixed_names(runner: CliRunner, store_dir: Path, tmp_path: Path) -> None:
    data = b"@prefix mag: <https://data.mag-graph.nl/def/mag#> . <https://data.mag-graph.nl/graph/x> { <https://data.mag-graph.nl/id/a> a mag:Responsibility . }"
    source = tmp_path / "x.trig"
    source.write_bytes(data)
    run(runner, "load", source, "--store", store_dir)
    table = run(runner, "stats", "--store", store_dir).stdout
    assert "magg:x" in table and "mag:Responsibility" in table


def test_load_into_a_graph_with_a_prefixed_name(runner: CliRunner, store_dir: Path, fixtures_dir: Path) -> None:
    result = run(runner, "load", fixtures_dir / "small.nt", "--graph", "magg:test", "--store", store_dir)
    assert result.exit_code == 0
    assert "magg:test" in result.stdout
    with open_graph_store(store_dir) as store:
        assert store.count(MAGG["test"]) == 4


def test_load_replace(runner: CliRunner, store_dir: Path, fixtures_dir: Path) -> None:
    run(runner, "load", fixtures_dir / "small.ttl", "-g", "magg:t", "--store", store_dir)
    run(runner, "load", fixtures_dir / "small.nt", "-g", "magg:t", "--replace", "--store", store_dir)
    with open_graph_store(store_dir) as store:
        assert store.count(MAGG["t"]) == 4


def test_store_from_environment(runner: CliRunner, tmp_path: Path, fixtures_dir: Path) -> None:
    env = {"MAG_GRAPH_STORE": str(tmp_path / "envstore")}
    assert run(runner, "load", fixtures_dir / "small.nt", env=env).exit_code == 0
    assert (tmp_path / "envstore").is_dir()
    result = run(runner, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv", env=env)
    assert result.stdout.split() == ["n", "4"]
    # --store wins over the environment
    assert run(runner, "stats", "--store", ":memory:", env=env).stdout.count("totaal / total: 0") == 1


def test_default_store_is_under_the_working_directory(runner: CliRunner, tmp_path: Path, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(runner, "load", fixtures_dir / "small.nt").exit_code == 0
    assert (tmp_path / ".mag-graph" / "store").is_dir()


def test_memory_store_for_one_off_use(runner: CliRunner, fixtures_dir: Path) -> None:
    result = run(runner, "load", fixtures_dir / "small.nt", "--store", ":memory:")
    assert result.exit_code == 0 and "4 triples" in result.stdout
    assert "totaal / total: 0" in run(runner, "stats", "--store", ":memory:").stdout


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["load", "{fx}/broken.ttl"], ["broken.ttl:4:", "syntax error"]),
        (["load", "{fx}/small.ttl", "{fx}/broken.nt"], ["broken.nt:2:47"]),
        (["load", "{fx}/broken.trig", "--replace"], ["broken.trig:3:"]),
        (["load", "{fx}/broken.rdf"], ["broken.rdf", "ill-formed"]),
        (["load", "{fx}/missing.ttl"], ["bestand niet gevonden", "file not found", "missing.ttl"]),
        (["load", "{fx}/unknown.xyz"], ["--format"]),
        (["load", "{fx}/small.ttl", "--format", "yaml"], ["onbekend formaat", "yaml"]),
        (["load", "{fx}/small.ttl", "--graph", "not an iri"], ["ongeldige IRI"]),
        (["query", "SELEC * WHERE {}"], ["ongeldige SPARQL", "1:"]),
        (["query", "SELECT * WHERE { ?s a nope:x }"], ["unknown prefix"]),
        (["query", "--file", "{fx}/missing.rq"], ["missing.rq"]),
        (["query", "SELECT * WHERE { ?s ?p ?o }", "--format", "turtle"], ["CONSTRUCT"]),
        (["export", "--graph", "magg:bestaat-niet"], ["geen graaf", "bestaat-niet"]),
        (["export", "--format", "turtle"], ["named graphs"]),
        (["export", "--format", "yaml"], ["yaml"]),
        (["matrix", "--municipality", "atlantis"], ["onbekende gemeente", "atlantis"]),
    ],
)
def test_failures_are_one_line_exit_2_and_change_nothing(
    runner: CliRunner, store_dir: Path, fixtures_dir: Path, quad_snapshot: Any, args: list[str], expected: list[str]
) -> None:
    assert run(runner, "load", fixtures_dir / "small.trig", "--store", store_dir).exit_code == 0
    before = content(store_dir, quad_snapshot)
    result = run(runner, *[a.replace("{fx}", str(fixtures_dir)) for a in args], "--store", store_dir)
    assert_clean_failure(result, *expected)
    assert content(store_dir, quad_snapshot) == before


def test_reading_a_missing_store_does_not_create_it(runner: CliRunner, tmp_path: Path) -> None:
    for command in ["stats", "matrix", "export"]:
        result = run(runner, command, "--store", tmp_path / "nothing")
        assert_clean_failure(result, "mag-graph init")
    result = run(runner, "query", "ASK {}", "--store", tmp_path / "nothing")
    assert_clean_failure(result)
    assert not (tmp_path / "nothing").exists()


def test_locked_store(tmp_path: Path, fixtures_dir: Path, quad_snapshot: Any) -> None:
    store_dir = tmp_path / "store"
    with Store.open(store_dir) as holder:
        holder.load(fixtures_dir / "small.nt")
        before = quad_snapshot(holder)
        proc = subprocess.run(
            [str(SCRIPT), "load", str(fixtures_dir / "small.ttl"), "--store", str(store_dir)],
            capture_output=True, text=True, timeout=60,
        )
        assert proc.returncode == 2
        assert proc.stderr.strip().startswith("fout / error:")
        assert "locked" in proc.stderr and "Traceback" not in proc.stderr
        assert quad_snapshot(holder) == before


def test_query_needs_exactly_one_source(runner: CliRunner) -> None:
    result = runner.invoke(main, ["query", "--store", ":memory:"])
    assert result.exit_code == 2


# --------------------------------------------------------------------------- query


@pytest.fixture
def filled(runner: CliRunner, store_dir: Path, fixtures_dir: Path) -> Path:
    assert run(runner, "load", fixtures_dir / "stats.trig", "--store", store_dir).exit_code == 0
    return store_dir


def test_query_table(runner: CliRunner, filled: Path) -> None:
    result = run(
        runner, "query", "SELECT ?who ?name WHERE { ?who <http://example.org/name> ?name } ORDER BY ?name",
        "--store", filled,
    )
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["who", "name"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == [f"<{EX}carol>", "Carol"]
    assert lines[2].index("Carol") == lines[0].index("name")  # aligned
    assert "(3 rij(en) / row(s))" in result.stdout


def test_query_from_file_and_formats(runner: CliRunner, filled: Path, tmp_path: Path) -> None:
    query_file = tmp_path / "q.rq"
    query_file.write_text("SELECT ?o WHERE { ?o a <http://example.org/Org> }")
    result = run(runner, "query", "--file", query_file, "--format", "json", "--store", filled)
    data = json.loads(result.stdout)
    assert data["results"]["bindings"] == [{"o": {"type": "uri", "value": f"{EX}acme"}}]
    tsv = run(runner, "query", "--file", query_file, "--format", "tsv", "--store", filled).stdout
    assert tsv.split() == ["?o", f"<{EX}acme>"]


def test_ask_and_construct(runner: CliRunner, filled: Path) -> None:
    assert run(runner, "query", "ASK { ?s a <http://example.org/Org> }", "--store", filled).stdout == "true\n"
    assert run(runner, "query", "ASK { ?s a <http://example.org/Nope> }", "--store", filled).stdout == "false\n"
    result = run(runner, "query", "CONSTRUCT WHERE { ?s a <http://example.org/Org> }", "--store", filled)
    assert f"<{EX}acme> a <{EX}Org>" in result.stdout
    result = run(runner, "query", "CONSTRUCT WHERE { ?s a <http://example.org/Org> }", "--format", "json", "--store", filled)
    assert json.loads(result.stdout)[0]["@id"] == f"{EX}acme"


# --------------------------------------------------------------------------- export


def test_export_round_trip(runner: CliRunner, filled: Path, tmp_path: Path, fixtures_dir: Path, quad_snapshot: Any) -> None:
    run(runner, "load", fixtures_dir / "small.ttl", "-g", "magg:klein", "--store", filled)
    out = tmp_path / "dump.trig"
    result = run(runner, "export", "-o", out, "--store", filled)
    assert result.exit_code == 0 and out.read_text().startswith("@prefix")
    fresh = tmp_path / "fresh"
    run(runner, "load", out, "--store", fresh)
    with open_graph_store(filled) as a, Store.open(fresh) as b:
        assert a.graphs() == b.graphs()
        from rdflib.compare import isomorphic

        for graph in [None, *a.graphs()]:
            assert isomorphic(a.to_rdflib(graph), b.to_rdflib(graph))
    one = run(runner, "export", "-g", "magg:klein", "--store", filled).stdout
    assert one.startswith("@prefix") and "GRAPH" not in one and "{" not in one
    nt = run(runner, "export", "-g", "default", "-f", "nt", "--store", filled).stdout
    assert len(nt.strip().splitlines()) == 2


# --------------------------------------------------------------------------- matrix


def test_matrix_groups_by_phase_and_actor(runner: CliRunner, store_dir: Path, fixtures_dir: Path) -> None:
    run(runner, "load", fixtures_dir / "roles.trig", "--store", store_dir)
    result = run(runner, "matrix", "--municipality", "tooi:gemeente/gm9999", "--store", store_dir)
    text = result.stdout
    assert result.exit_code == 0
    assert text.index("1. opstellen/bijstellen") < text.index("2. vaststellen")
    vaststellen = text[text.index("2. vaststellen"):]
    assert vaststellen.index("Testcollege") < vaststellen.index("Testraad")
    assert "[eindverantwoordelijk] Stelt het kader vast" in text
    assert "[uitvoeringsverantwoordelijk] Bereidt het besluit voor" in text
    assert "Elders" not in text  # another municipality


def test_matrix_in_english_falls_back_to_dutch(runner: CliRunner, store_dir: Path, fixtures_dir: Path) -> None:
    run(runner, "load", fixtures_dir / "roles.trig", "--store", store_dir)
    text = run(runner, "matrix", "-m", "gm9999", "--lang", "en", "--store", store_dir).stdout
    assert "Who is responsible for what?" in text
    assert "2. adopting" in text
    assert "Test council" in text and "Testcollege" in text  # no English label: Dutch
    assert "[accountable] Adopts the framework" in text
    assert "[responsible] Schrijft de startfoto" in text


def test_matrix_without_municipality_shows_each(runner: CliRunner, store_dir: Path, fixtures_dir: Path) -> None:
    run(runner, "load", fixtures_dir / "roles.trig", "--store", store_dir)
    text = run(runner, "matrix", "--store", store_dir).stdout
    assert "tooi:gemeente/gm8888" in text and "tooi:gemeente/gm9999" in text
    assert "Elders" in text


def test_matrix_on_an_empty_store(runner: CliRunner) -> None:
    result = run(runner, "matrix", "--store", ":memory:")
    assert result.exit_code == 0
    assert "Geen verantwoordelijkheden" in result.stdout and "No responsibilities" in result.stdout


def test_municipality_names() -> None:
    assert municipality_iri("Maassluis") == MUNICIPALITIES["maassluis"]
    assert municipality_iri("hardinxveld giessendam") == MUNICIPALITIES["hardinxveld-giessendam"]
    assert municipality_iri("GM1978") == MUNICIPALITIES["molenlanden"]


def test_iri_and_term_rendering() -> None:
    assert expand_iri("magg:bronnen") == MAGG["bronnen"]
    assert expand_iri("<http://example.org/x>") == URIRef(f"{EX}x")
    assert expand_iri("default") == DEFAULT_GRAPH
    assert shorten(MAGG["bronnen"]) == "magg:bronnen"
    assert shorten(URIRef("https://data.mag-graph.nl/def/mag#Responsibility")) == "mag:Responsibility"
    assert shorten(Literal("tekst", lang="nl")) == "tekst@nl"
    assert shorten(Literal(5)) == "5"
    assert shorten(Literal("x", datatype=URIRef(f"{EX}dt"))) == f"x^^<{EX}dt>"


# --------------------------------------------------------------------------- init


def test_init_in_memory(runner: CliRunner) -> None:
    result = run(runner, "init", "--store", ":memory:")
    assert result.exit_code == 0, result.output
    assert "magg:ontologie" in result.stdout and "magg:shapes" in result.stdout
    assert "totaal / total:" in result.stdout


def test_init_twice_gives_the_same_store(runner: CliRunner, store_dir: Path) -> None:
    run(runner, "init", "--store", store_dir)
    first = run(runner, "stats", "--store", store_dir).stdout
    again = run(runner, "init", "--store", store_dir).stdout
    assert "only missing graphs loaded" in again  # a store in use keeps its data graphs (tests/test_security.py)
    assert run(runner, "stats", "--store", store_dir).stdout == first


# --------------------------------------------------------------------------- real processes


def _script(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "MAG_GRAPH_STORE"}
    full_env.update(env or {})
    return subprocess.run(
        [str(SCRIPT), *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_console_script_version_and_init(tmp_path: Path) -> None:
    assert SCRIPT.exists(), "the console script is installed next to the interpreter"
    version = _script("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.strip() == f"mag-graph {__version__}"
    init = _script("init", "--store", ":memory:", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    assert "magg:ontologie" in init.stdout


def test_console_script_load_query_and_failure(tmp_path: Path, fixtures_dir: Path) -> None:
    env = {"MAG_GRAPH_STORE": str(tmp_path / "s")}
    load = _script("load", str(fixtures_dir / "stats.trig"), cwd=tmp_path, env=env)
    assert load.returncode == 0, load.stderr
    query = _script("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "-f", "csv", cwd=tmp_path, env=env)
    assert query.stdout.split() == ["n", "9"]
    broken = _script("load", str(fixtures_dir / "small.ttl"), str(fixtures_dir / "broken.ttl"), cwd=tmp_path, env=env)
    assert broken.returncode == 2
    assert broken.stderr.count("\n") == 1 and "broken.ttl:4:" in broken.stderr
    assert "Traceback" not in broken.stderr
    again = _script("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "-f", "csv", cwd=tmp_path, env=env)
    assert again.stdout.split() == ["n", "9"]


def test_python_dash_m(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mag_graph.cli", "--version"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and proc.stdout.strip() == f"mag-graph {__version__}"


# --------------------------------------------------------------------------- remote triplestore


@pytest.fixture(params=REMOTE_KINDS)
def remote_url(request: pytest.FixtureRequest, triplestores: Any) -> str:
    """The URL of an emptied remote store on each server backend."""
    triplestores.open(request.param).close()
    return triplestores.url(request.param)


def test_validate_on_a_remote_store_reports_what_the_embedded_store_reports(
    runner: CliRunner, remote_url: str, tmp_path: Path
) -> None:
    local = tmp_path / "store"
    for store in [remote_url, local]:
        assert run(runner, "init", "--store", store).exit_code == 0
    remote = run(runner, "validate", "--date", "2026-11-01", "-f", "json", "--store", remote_url)
    embedded = run(runner, "validate", "--date", "2026-11-01", "-f", "json", "--store", local)
    assert remote.exit_code == embedded.exit_code
    assert json.loads(remote.stdout) == json.loads(embedded.stdout)
    # the copy pulled from the server for pySHACL is announced, with its size and time
    assert "copy of the remote store:" in remote.stderr and " s\n" in remote.stderr


def test_reason_on_a_remote_store(runner: CliRunner, remote_url: str, tmp_path: Path) -> None:
    source = tmp_path / "dogs.ttl"
    source.write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f"<{EX}Dog> rdfs:subClassOf <{EX}Animal> .\n<{EX}rex> a <{EX}Dog> .\n"
    )
    assert run(runner, "load", source, "-g", "magg:honden", "--store", remote_url).exit_code == 0
    reason = run(runner, "reason", "--mode", "rdfs", "--no-check", "--store", remote_url)
    assert reason.exit_code == 0, reason.output
    with open_graph_store(remote_url) as store:
        inferred = {(s, o) for s, p, o, _ in store.quads(predicate=RDF.type, graph=MAGG["inferentie"])}
    assert (URIRef(f"{EX}rex"), URIRef(f"{EX}Animal")) in inferred


def test_an_unreachable_remote_store_is_one_line(runner: CliRunner) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    for command in ["stats", "init"]:
        result = run(runner, command, "--store", f"sparql+http://127.0.0.1:{port}/?backend=oxigraph")
        assert_clean_failure(result, "kan de triplestore", "cannot reach the triplestore")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sparql+http://user:secret@127.0.0.1:1/", "MAG_GRAPH_STORE_PASSWORD"),
        ("sparql+http://127.0.0.1:1/?backend=fuseki", "unknown backend 'fuseki'"),
        ("sparql+http://127.0.0.1:1/?backend=generic", "needs a query URL"),
        ("sparql+http://127.0.0.1:1/?timeout=soon", "timeout"),
    ],
)
def test_a_wrong_store_url_is_one_line_without_the_secret(runner: CliRunner, url: str, expected: str) -> None:
    result = run(runner, "stats", "--store", url)
    assert_clean_failure(result, expected)
    assert "secret" not in result.output


def test_serve_on_an_unreachable_remote_store_is_one_line(runner: CliRunner) -> None:
    result = run(runner, "serve", "--store", "sparql+http://127.0.0.1:1/?backend=oxigraph")
    assert_clean_failure(result, "kan de triplestore", "cannot reach the triplestore")


def test_console_script_on_a_remote_store(tmp_path: Path, fixtures_dir: Path, triplestores: Any) -> None:
    """The installed script, with the store URL from the environment (CliRunner covers
    every backend; one real process is enough here)."""
    triplestores.open("oxigraph").close()
    env = {"MAG_GRAPH_STORE": triplestores.url("oxigraph")}
    load = _script("load", str(fixtures_dir / "stats.trig"), cwd=tmp_path, env=env)
    assert load.returncode == 0, load.stderr
    broken = _script("load", str(fixtures_dir / "small.ttl"), str(fixtures_dir / "broken.ttl"), cwd=tmp_path, env=env)
    assert broken.returncode == 2 and "broken.ttl:4:" in broken.stderr and "Traceback" not in broken.stderr
    # A caller's own query over the union default graph also sees mag-graph's generation
    # record (the token and its previous, a token per graph written, in its own graph;
    # mag_graph/store/remote_generation.py), as it sees Virtuoso's own graphs there;
    # mag-graph's own counts leave it out.
    record_graph = "GRAPH <urn:mag-graph:generation> { ?s ?p ?o }"
    query = _script("query", f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ {record_graph} }} }}",
                    "-f", "csv", cwd=tmp_path, env=env)
    assert query.stdout.split() == ["n", "9"]
    record = _script("query", f"SELECT (COUNT(*) AS ?n) WHERE {{ {record_graph} }}", "-f", "csv",
                     cwd=tmp_path, env=env)
    # token, previous, the token of a change to everything (the store was emptied before),
    # and the tokens of the default graph, ex:ga and ex:gb
    assert record.stdout.split() == ["n", "6"]


def test_a_query_on_virtuoso_also_sees_its_own_graphs(runner: CliRunner, fixtures_dir: Path, triplestores: Any) -> None:
    """Documented difference (mag_graph/store/remote_sparql.py): the union default graph
    of a query on Virtuoso also holds Virtuoso's own graphs; mag-graph's own counts
    (stats) leave them out."""
    triplestores.open("virtuoso").close()
    url = triplestores.url("virtuoso")
    assert run(runner, "load", fixtures_dir / "stats.trig", "--store", url).exit_code == 0
    everything = run(runner, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "-f", "csv", "--store", url)
    assert int(everything.stdout.split()[1]) > 9
    count = f'SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{EX}")) }}'
    assert run(runner, "query", count, "-f", "csv", "--store", url).stdout.split() == ["n", "9"]
    assert json.loads(run(runner, "stats", "-f", "json", "--store", url).stdout)["total"] == 9


def test_the_cms_commands_on_a_remote_store(runner: CliRunner, triplestores: Any, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Search, history and reindex on a remote store: the search index is local (in
    $MAG_GRAPH_STATE_DIR) and built from the store."""
    monkeypatch.setenv("MAG_GRAPH_STATE_DIR", str(tmp_path / "state"))
    triplestores.open("oxigraph").close()
    url = triplestores.url("oxigraph")
    assert run(runner, "init", "--store", url).exit_code == 0
    found = run(runner, "search", "budget", "--format", "json", "--store", url)
    assert found.exit_code == 0, found.output
    assert json.loads(found.stdout)["total"] > 0
    assert (tmp_path / "state" / "search.sqlite").exists()
    reindex = run(runner, "reindex", "--store", url)
    assert reindex.exit_code == 0, reindex.output
    history = run(runner, "history", "magid:budget/hg-mag-totaal", "--store", url)
    assert history.exit_code == 0, history.output
