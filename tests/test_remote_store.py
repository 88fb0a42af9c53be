"""What only the remote store has: its store URL, HTTP errors and timeouts, credentials,
chunked loads that keep blank nodes whole and are undone when a request fails, and the
in-memory copy that validation runs on. The behaviour it shares with the embedded store
is tested by running tests/test_store.py, test_questions.py and test_cli.py on it."""

from __future__ import annotations

import base64
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from rdflib import BNode, Literal, URIRef

import mag_graph.store.loading as loading_module
import mag_graph.store.remote as remote_module
import mag_graph.store.sources as sources_module
from mag_graph.store import (
    ENV_PASSWORD,
    ENV_USER,
    LoadError,
    RemoteStore,
    Store,
    StoreAccessError,
    StoreError,
    StoreTimeoutError,
    StoreUnreachableError,
    is_remote,
    local_store,
    open_graph_store,
)
from mag_graph.store.endpoints import DEFAULT_TIMEOUT, parse_store_url
from mag_graph.store.protocol import SparqlClient

EX = "http://example.org/"


def ex(local: str) -> URIRef:
    return URIRef(EX + local)


# --------------------------------------------------------------------------- store URLs


def test_backends_derive_the_three_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_USER, raising=False)
    oxigraph = parse_store_url("sparql+http://127.0.0.1:7878/?backend=oxigraph")
    assert (oxigraph.query_url, oxigraph.update_url, oxigraph.data_url) == (
        "http://127.0.0.1:7878/query", "http://127.0.0.1:7878/update", "http://127.0.0.1:7878/store"
    )
    assert oxigraph.timeout == DEFAULT_TIMEOUT and oxigraph.backend.name == "oxigraph"
    assert parse_store_url("sparql+http://h:7878").backend.name == "oxigraph"  # the default
    virtuoso = parse_store_url("sparql+https://ts.example.org/base/?backend=virtuoso&timeout=5")
    assert (virtuoso.query_url, virtuoso.update_url, virtuoso.data_url) == (
        "https://ts.example.org/base/sparql", "https://ts.example.org/base/sparql",
        "https://ts.example.org/base/sparql-graph-crud",
    )
    assert virtuoso.timeout == 5.0
    generic = parse_store_url(
        "sparql+http://h:3030/?backend=generic&query=/ds/query&update=/ds/update&data=http://other/ds/data"
    )
    assert (generic.query_url, generic.update_url, generic.data_url) == (
        "http://h:3030/ds/query", "http://h:3030/ds/update", "http://other/ds/data"
    )


def test_credentials_come_from_the_environment_and_pick_the_authenticated_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_USER, "dba")
    monkeypatch.setenv(ENV_PASSWORD, "geheim")
    endpoints = parse_store_url("sparql+http://h:8890/?backend=virtuoso")
    assert endpoints.user == "dba" and endpoints.password == "geheim"
    assert endpoints.update_url == "http://h:8890/sparql-auth"
    assert endpoints.data_url == "http://h:8890/sparql-graph-crud-auth"
    assert "geheim" not in endpoints.location and "dba" not in endpoints.location


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sparql+http://dba:geheim@h:8890/", "MAG_GRAPH_STORE_PASSWORD"),
        ("sparql+ftp://h/", "sparql+http or sparql+https"),
        ("sparql+http:///path", "host is missing"),
        ("sparql+http://h:port/", "port is not a number"),
        ("sparql+http://h/?backend=graphdb", "unknown backend 'graphdb'"),
        ("sparql+http://h/?backend=generic&query=/q", "needs a update URL"),
        ("sparql+http://h/?timeout=0", "positive number of seconds"),
        ("sparql+http://h/?timeout=1&timeout=2", "given twice"),
        ("sparql+http://h/?colour=blue", "unknown parameter(s) colour"),
    ],
)
def test_wrong_store_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(StoreError) as info:
        parse_store_url(url)
    assert message in str(info.value)
    assert "geheim" not in str(info.value)


def test_open_graph_store_picks_the_kind_by_name(remote_store: RemoteStore, tmp_path: Path) -> None:
    assert is_remote(remote_store.location) and not is_remote(tmp_path) and not is_remote(None)
    with open_graph_store(remote_store.location) as store:
        assert isinstance(store, RemoteStore) and store.backend == "oxigraph"
    with open_graph_store(tmp_path / "s") as store:
        assert isinstance(store, Store)
    with open_graph_store(None) as store:
        assert isinstance(store, Store) and store.in_memory


# --------------------------------------------------------------------------- HTTP errors


class _Stub(http.server.BaseHTTPRequestHandler):
    """A fake SPARQL endpoint: slow, or asking for credentials."""

    mode = "slow"
    seen_authorization: ClassVar[list[str | None]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.mode == "slow":
            time.sleep(1.5)
        if self.mode == "auth":
            auth = self.headers.get("Authorization")
            type(self).seen_authorization.append(auth)
            if auth != "Basic " + base64.b64encode(b"dba:geheim").decode():
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="sparql"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        body = b'{"head":{},"boolean":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout test)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stub() -> Iterator[Any]:
    handler = type("Handler", (_Stub,), {"seen_authorization": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_a_slow_server_ends_in_a_timeout_error(stub: Any) -> None:
    stub.RequestHandlerClass.mode = "slow"
    port = stub.server_address[1]
    with pytest.raises(StoreTimeoutError) as info:
        RemoteStore.open(f"sparql+http://127.0.0.1:{port}/?timeout=0.3")
    assert "did not answer within 0.3 s" in str(info.value)


def test_credentials_are_sent_when_asked_and_refusal_is_an_access_error(stub: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    stub.RequestHandlerClass.mode = "auth"
    url = f"sparql+http://127.0.0.1:{stub.server_address[1]}/"
    monkeypatch.delenv(ENV_USER, raising=False)
    with pytest.raises(StoreAccessError) as info:
        RemoteStore.open(url)
    assert "HTTP 401" in str(info.value) and ENV_USER in str(info.value)
    monkeypatch.setenv(ENV_USER, "dba")
    monkeypatch.setenv(ENV_PASSWORD, "wrong")
    with pytest.raises(StoreAccessError):
        RemoteStore.open(url)
    monkeypatch.setenv(ENV_PASSWORD, "geheim")
    with RemoteStore.open(url) as store:
        assert store.location == url
    assert stub.RequestHandlerClass.seen_authorization[-1].startswith("Basic ")


def test_an_unreachable_server() -> None:
    with pytest.raises(StoreUnreachableError) as info:
        RemoteStore.open("sparql+http://127.0.0.1:9/?timeout=2")
    assert "cannot reach the triplestore" in str(info.value)


# --------------------------------------------------------------------------- reading and writing


def test_read_only_refuses_writes(remote_store: RemoteStore) -> None:
    with RemoteStore.open(remote_store.location, read_only=True) as reader:
        assert len(reader) == 0
        for write in [
            lambda: reader.update("INSERT DATA { <http://example.org/a> <http://example.org/p> 1 }"),
            lambda: reader.load(b"<http://example.org/a> <http://example.org/p> 1 .", format="nt"),
            lambda: reader.transaction(),
            lambda: reader.drop_graph(ex("g")),
        ]:
            with pytest.raises(StoreError, match="read-only"):
                write()
    assert len(remote_store) == 0


def test_blank_node_patterns_find_the_stored_node(remote_store: RemoteStore, fixtures_dir: Path) -> None:
    remote_store.load(fixtures_dir / "small.trig")
    (node, _, _, _), = remote_store.quads(predicate=ex("q"))
    assert isinstance(node, BNode)
    assert list(remote_store.quads(subject=node)) == [(node, ex("q"), Literal("bnode in g1"), ex("g1"))]
    assert list(remote_store.quads(object=node)) == [(ex("a"), ex("shared"), node, ex("g1"))]
    assert list(remote_store.quads(subject=BNode("not-there"))) == []


def test_a_graph_named_by_a_blank_node_cannot_be_written(remote_store: RemoteStore) -> None:
    with pytest.raises(StoreError, match="graph named by a blank node"), remote_store.transaction() as tx:
        tx.add((ex("s"), ex("p"), Literal(1), BNode("g")))
    assert len(remote_store) == 0


@pytest.fixture
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every load takes the chunked Graph Store path, two statements per request."""
    monkeypatch.setattr(loading_module, "SMALL_LOAD_BYTES", -1)
    monkeypatch.setattr(loading_module, "BULK_CHUNK", 2)


def _nt(n: int, *, bnode_every: int = 0) -> bytes:
    lines = []
    for i in range(n):
        subject = f"_:b{i // bnode_every}" if bnode_every and i % bnode_every else f"<{EX}s{i}>"
        lines.append(f'{subject} <{EX}p> "{i}" .')
    return ("\n".join(lines) + "\n").encode()


def test_chunks_keep_each_blank_node_whole(remote_store: RemoteStore, tiny_chunks: None) -> None:
    # _:b0 .. _:b4 each carry three statements, which the chunks of two would split
    data = "".join(f'_:b{i} <{EX}p> "{i}-{j}" .\n' for i in range(5) for j in range(3)).encode()
    data += f'_:b0 <{EX}next> _:b1 .\n<{EX}x> <{EX}p> "plain" .\n'.encode()
    result = remote_store.load(data, format="nt", graph=ex("g"))
    assert result.triples == 17 == remote_store.count(ex("g"))
    subjects = {s for s, p, _, _ in remote_store.quads(predicate=ex("p")) if isinstance(s, BNode)}
    assert len(subjects) == 5
    (first, _, second, _), = remote_store.quads(predicate=ex("next"))
    assert len(list(remote_store.quads(subject=first, predicate=ex("p")))) == 3
    assert len(list(remote_store.quads(subject=second, predicate=ex("p")))) == 3


def test_chunked_load_counts_and_progress(remote_store: RemoteStore, tiny_chunks: None, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setattr(sources_module, "PROGRESS_BYTES", 0)
    posts: list[int] = []
    original = SparqlClient.graph_post

    def counting(self: SparqlClient, url: str, data: bytes, content_type: str) -> None:
        posts.append(data.count(b"\n"))
        original(self, url, data, content_type)

    monkeypatch.setattr(SparqlClient, "graph_post", counting)
    result = remote_store.load(_nt(9), format="nt", progress=True)
    assert result.triples == 9 == len(remote_store) and result.graphs == (None,)
    assert posts == [2, 2, 2, 2, 1]
    assert "laden / loading" in capsys.readouterr().err


def test_large_loads_go_to_oxigraphs_bulk_loader(remote_store: RemoteStore, tiny_chunks: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The chunks of a large load are POSTed with Oxigraph's ``no_transaction`` (its bulk
    loader; in a transaction a chunk costs more the bigger the store), only when big
    enough to be worth its fixed cost; what is loaded is the same."""
    monkeypatch.setattr(remote_module, "_BULK_LEAST", 2)
    urls: list[str] = []
    original = SparqlClient.graph_post

    def recording(self: SparqlClient, url: str, data: bytes, content_type: str) -> None:
        urls.append(url)
        original(self, url, data, content_type)

    monkeypatch.setattr(SparqlClient, "graph_post", recording)
    remote_store.load(_nt(5), format="nt", graph=ex("g"))
    assert [url.endswith("?no_transaction") for url in urls] == [True, True, False]  # 2, 2 (as N-Quads), then 1
    assert remote_store.count(ex("g")) == 5
    assert {str(o) for _, _, o, _ in remote_store.quads(graph=ex("g"))} == {str(i) for i in range(5)}


@pytest.mark.parametrize("into", ["new graph", "replaced graph"])
def test_a_failed_request_during_a_chunked_load_is_undone(
    remote_store: RemoteStore, tiny_chunks: None, monkeypatch: pytest.MonkeyPatch, quad_snapshot: Any, into: str
) -> None:
    remote_store.load(_nt(3), format="nt", graph=ex("g"))
    remote_store.load(_nt(2), format="nt", graph=ex("other"))
    before = quad_snapshot(remote_store)
    original = SparqlClient.graph_post
    calls = []

    def failing(self: SparqlClient, url: str, data: bytes, content_type: str) -> None:
        calls.append(url)
        if len(calls) == 2:  # the first chunk is in, the second fails
            raise LoadError("de server viel om", "the server fell over")
        original(self, url, data, content_type)

    monkeypatch.setattr(SparqlClient, "graph_post", failing)
    target = ex("new") if into == "new graph" else ex("g")
    with pytest.raises(LoadError) as info:
        remote_store.load(_nt(12, bnode_every=3), format="nt", graph=target, replace=into == "replaced graph")
    assert "the server fell over" in str(info.value) and "part of the data" not in str(info.value)
    assert quad_snapshot(remote_store) == before


def test_a_failed_request_into_a_graph_with_data_says_it_may_be_partial(
    remote_store: RemoteStore, tiny_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote_store.load(_nt(3), format="nt", graph=ex("g"))

    def failing(self: SparqlClient, url: str, data: bytes, content_type: str) -> None:
        raise LoadError("de server viel om", "the server fell over")

    monkeypatch.setattr(SparqlClient, "graph_post", failing)
    with pytest.raises(LoadError) as info:
        remote_store.load(_nt(6), format="nt", graph=ex("g"))
    assert f"graphs {EX}g may hold part of the data" in str(info.value)


# --------------------------------------------------------------------------- copies


def test_local_copy_holds_everything_or_the_graphs_asked_for(remote_store: RemoteStore, fixtures_dir: Path) -> None:
    remote_store.load(fixtures_dir / "small.trig")
    remote_store.update("CREATE GRAPH <http://example.org/empty>")
    with remote_store.local_copy() as copy:
        assert isinstance(copy, Store) and copy.in_memory
        assert copy.graph_sizes() == remote_store.graph_sizes()
        assert set(copy.quads()) == set(remote_store.quads())  # blank node labels kept
    with remote_store.local_copy([ex("g2")]) as copy:
        assert copy.graphs() == [ex("g2")] and len(copy) == 3
    embedded = Store.open(None)
    assert local_store(embedded) is embedded
