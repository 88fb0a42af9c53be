"""Pull triples from a remote SPARQL endpoint into a named graph, with PROV-O provenance.

``pull`` sends a CONSTRUCT or DESCRIBE query with SPARQLWrapper (SPARQL 1.1 Protocol,
URL-encoded POST), parses the answer with Oxigraph and replaces the target graph with it,
all in one store transaction. Next to the data it records *where it came from* in
``magg:herkomst``: a ``prov:Activity`` that ``prov:used`` the endpoint and the query (a
``prov:Entity`` whose ``prov:value`` is the query text), with ``prov:startedAtTime`` /
``prov:endedAtTime`` and ``prov:generated`` the graph. Pulling again replaces the data
and adds a new activity, so the provenance graph is the history of pulls.

SELECT and ASK queries are refused, not converted: a table of bindings has no triple
structure, and any conversion would invent one. Ask for triples with CONSTRUCT (or
``mag-graph query`` for a table).

Failures people can run into end in one clear line, Dutch / English: the endpoint refuses
the connection, does not answer within the timeout, answers with an HTTP error (the
server's own text is quoted, e.g. Oxigraph's parse error for a bad query), or answers
with something that is not RDF. The store is unchanged then.
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import re
import socket
import time
import urllib.error
import urllib.parse
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from mag_graph.namespaces import DCTERMS, MAG, MAGG, PROV, RDF, RDFS, XSD
from mag_graph.store import GraphStore, MagGraphError, Store

from .common import iri, lit, magid

__all__ = ["PROVENANCE_GRAPH", "PullFailed", "PullReport", "protected_graphs", "pull", "query_form"]

PROVENANCE_GRAPH: URIRef = MAGG["herkomst"]
DEFAULT_TIMEOUT = 30.0
# What we ask the endpoint for: N-Triples streams and parses fastest; the rest are fallbacks.
ACCEPT = (
    "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.6, "
    "application/ld+json;q=0.5, application/n-quads;q=0.4, application/trig;q=0.4"
)
_MAX_SERVER_TEXT = 400

_SKIP = re.compile(
    r"""
    \#[^\n]*
    | '''(?:[^'\\]|\\.|'(?!''))*''' | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
    | '(?:[^'\\\n]|\\.)*' | "(?:[^"\\\n]|\\.)*"
    | <[^<>"{}|^`\\\s]*>
    """,
    re.VERBOSE | re.DOTALL,
)


class PullFailed(MagGraphError):
    """A pull that did not happen; the store is unchanged."""


@dataclass(frozen=True)
class PullReport:
    """What a pull fetched and where it recorded it."""

    endpoint: str
    graph: str
    query_form: str
    triples: int
    activity: str
    started: dt.datetime
    ended: dt.datetime
    media_type: str

    @property
    def seconds(self) -> float:
        return (self.ended - self.started).total_seconds()

    def summary_lines(self) -> list[str]:
        return [
            (
                f"{self.triples} triples van / from {self.endpoint} ({self.query_form}, {self.media_type}) "
                f"in <{self.graph}> ({self.seconds:.2f} s)"
            ),
            f"herkomst / provenance: <{self.activity}> in <{PROVENANCE_GRAPH}>",
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "graph": self.graph,
            "queryForm": self.query_form,
            "triples": self.triples,
            "activity": self.activity,
            "startedAtTime": self.started.isoformat(),
            "endedAtTime": self.ended.isoformat(),
            "mediaType": self.media_type,
        }


def query_form(sparql: str) -> str | None:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the first keyword after the
    prologue (comments, strings and IRIs skipped, so ``<http://x#y>`` is no comment)."""
    text = _SKIP.sub(lambda m: " " if m.group(0).startswith("#") else " x ", sparql)
    text = re.sub(r"(?is)\b(?:PREFIX\s+[A-Za-z0-9_.-]*:\s*x|BASE\s+x)", " ", text)
    match = re.search(r"(?i)\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", text)
    return match.group(1).upper() if match else None


def protected_graphs() -> set[str]:
    """Graphs a pull must not overwrite: what ``mag-graph init`` owns, and the provenance."""
    from mag_graph.store.bootstrap import owned_graphs

    return {str(g) for g in owned_graphs()} | {str(PROVENANCE_GRAPH)}


def _check_endpoint(endpoint: str) -> str:
    url = endpoint.strip()
    parts = urllib.parse.urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PullFailed(
            f"{endpoint!r} is geen http(s)-adres van een SPARQL-endpoint",
            f"{endpoint!r} is not an http(s) address of a SPARQL endpoint",
        )
    return url


def _server_text(exc: BaseException) -> str:
    """The response body SPARQLWrapper tucked into its exception message, as text."""
    message = str(exc)
    marker = "Response:\n"
    if marker in message:
        raw = message.split(marker, 1)[1].strip()
        try:
            value = ast.literal_eval(raw)
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        except (ValueError, SyntaxError):
            text = raw
    else:
        text = ""
    text = " ".join(text.split())
    return text if len(text) <= _MAX_SERVER_TEXT else text[: _MAX_SERVER_TEXT - 3] + "..."


def _http_failure(endpoint: str, status: int, text: str) -> PullFailed:
    detail = f": {text}" if text else ""
    hint_nl = {
        400: " (de query is waarschijnlijk ongeldig)",
        401: " (niet geautoriseerd)",
        404: " (endpoint niet gevonden; klopt het adres?)",
        414: " (query te lang voor de URL)",
    }.get(status, "")
    hint_en = {
        400: " (the query is probably invalid)",
        401: " (unauthorised)",
        404: " (endpoint not found; is the address right?)",
        414: " (query too long for the URL)",
    }.get(status, "")
    return PullFailed(
        f"{endpoint} antwoordde met HTTP {status}{hint_nl}{detail}",
        f"{endpoint} answered with HTTP {status}{hint_en}{detail}",
    )


def _timeout_failure(endpoint: str, timeout: float) -> PullFailed:
    return PullFailed(
        f"{endpoint} antwoordde niet binnen {timeout:g} s (time-out); probeer later opnieuw of geef een ruimere --timeout",
        f"{endpoint} did not answer within {timeout:g} s (timeout); try again later or give a larger --timeout",
    )


def _fetch(endpoint: str, sparql: str, timeout: float) -> tuple[bytes, str]:
    """Run the query with SPARQLWrapper; (response body, media type) or :class:`PullFailed`."""
    from SPARQLWrapper import POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import (
        EndPointInternalError,
        EndPointNotFound,
        QueryBadFormed,
        Unauthorized,
        URITooLong,
    )

    from mag_graph import __version__
    client = SPARQLWrapper(endpoint, agent=f"mag-graph/{__version__} (SPARQLWrapper)")
    client.setQuery(sparql)
    client.setMethod(POST)
    client.addCustomHttpHeader("Accept", ACCEPT)
    client.setTimeout(max(1, int(timeout)))
    client.timeout = timeout  # setTimeout truncates to whole seconds; urllib takes floats
    statuses = {QueryBadFormed: 400, Unauthorized: 401, EndPointNotFound: 404, URITooLong: 414, EndPointInternalError: 500}
    try:
        result = client.query()
        response = result.response
        body = response.read()
        media_type = response.headers.get_content_type() if response.headers else ""
        return body, media_type
    except tuple(statuses) as exc:
        raise _http_failure(endpoint, statuses[type(exc)], _server_text(exc)) from None
    except urllib.error.HTTPError as exc:
        try:
            text = " ".join(exc.read().decode("utf-8", "replace").split())[:_MAX_SERVER_TEXT]
        except OSError:
            text = ""
        raise _http_failure(endpoint, exc.code, text) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise _timeout_failure(endpoint, timeout) from None
        if isinstance(reason, ConnectionRefusedError):
            raise PullFailed(
                f"{endpoint} weigert de verbinding: draait daar een SPARQL-endpoint?",
                f"{endpoint} refused the connection: is a SPARQL endpoint running there?",
            ) from None
        if isinstance(reason, socket.gaierror):
            raise PullFailed(
                f"de host van {endpoint} is onbekend (DNS): {reason}",
                f"the host of {endpoint} is unknown (DNS): {reason}",
            ) from None
        raise PullFailed(f"{endpoint} is niet bereikbaar: {reason}", f"{endpoint} cannot be reached: {reason}") from None
    except TimeoutError:
        raise _timeout_failure(endpoint, timeout) from None
    except ConnectionError as exc:
        raise PullFailed(
            f"de verbinding met {endpoint} is verbroken: {exc}",
            f"the connection to {endpoint} was broken off: {exc}",
        ) from None


def _parse(endpoint: str, body: bytes, media_type: str, graph: ox.NamedNode) -> list[ox.Quad]:
    fmt = ox.RdfFormat.from_media_type(media_type) if media_type else None
    if fmt is None:
        shown = media_type or "onbekend / unknown"
        raise PullFailed(
            f"{endpoint} gaf geen RDF terug (content type {shown}); is het een SPARQL-endpoint?",
            f"{endpoint} did not return RDF (content type {shown}); is it a SPARQL endpoint?",
        )
    try:
        return [
            ox.Quad(q.subject, q.predicate, q.object, graph)
            for q in ox.parse(input=body, format=fmt, base_iri=endpoint, rename_blank_nodes=True)
        ]
    except SyntaxError as exc:
        message = (exc.msg or str(exc)).strip().splitlines()[0] if (exc.msg or str(exc)) else "?"
        raise PullFailed(
            f"het antwoord van {endpoint} is geen geldige {fmt.name}: {message}",
            f"the answer of {endpoint} is not valid {fmt.name}: {message}",
        ) from None


def pull(
    store: GraphStore | Store,
    endpoint: str,
    *,
    query: str,
    graph: str | URIRef,
    timeout: float = DEFAULT_TIMEOUT,
) -> PullReport:
    """Fetch the triples a CONSTRUCT/DESCRIBE ``query`` gives at ``endpoint`` into ``graph``
    (replacing its content) and record the pull in ``magg:herkomst``."""
    url = _check_endpoint(endpoint)
    target_text = str(graph).strip()
    if target_text in protected_graphs():
        raise PullFailed(
            f"<{target_text}> is een graaf van mag-graph zelf (ontologie, vormen, voorbeeld of herkomst); kies een andere --graph",
            f"<{target_text}> is one of mag-graph's own graphs (ontology, shapes, example or provenance); choose another --graph",
        )
    try:
        target = ox.NamedNode(target_text)
    except ValueError as exc:
        raise PullFailed(f"ongeldige graaf-IRI {target_text!r}: {exc}", f"invalid graph IRI {target_text!r}: {exc}") from None
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target_text):
        raise PullFailed(f"graaf {target_text!r} is geen absolute IRI", f"graph {target_text!r} is not an absolute IRI")
    if timeout <= 0:
        raise PullFailed("--timeout moet groter dan 0 zijn", "--timeout must be greater than 0")
    form = query_form(query)
    if form in ("SELECT", "ASK"):
        raise PullFailed(
            f"een {form}-query geeft geen triples; pull verwacht CONSTRUCT of DESCRIBE (een tabel opvragen kan met `mag-graph query`)",
            f"a {form} query gives no triples; pull expects CONSTRUCT or DESCRIBE (ask for a table with `mag-graph query`)",
        )
    if form is None:
        raise PullFailed(
            "de query is geen CONSTRUCT of DESCRIBE (geen querysoort gevonden)",
            "the query is not a CONSTRUCT or DESCRIBE (no query form found)",
        )

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    body, media_type = _fetch(url, query, timeout)
    quads = _parse(url, body, media_type, target)
    ended = started + dt.timedelta(seconds=time.perf_counter() - clock)

    digest = hashlib.sha1(f"{url}\n{target_text}\n{query}".encode()).hexdigest()[:8]
    stamp = started.strftime("%Y%m%dT%H%M%S%fZ")
    activity = magid(f"ophaling/{stamp}-{digest}")
    query_entity = magid(f"ophaling/{stamp}-{digest}-query")
    endpoint_node = iri(url)
    prov_graph = ox.NamedNode(str(PROVENANCE_GRAPH))

    def prov(s: Any, p: Any, o: Any) -> ox.Quad:
        return ox.Quad(s, iri(p), o, prov_graph)

    provenance = [
        prov(activity, RDF.type, iri(PROV.Activity)),
        prov(activity, RDFS.label, lit(f"Ophalen van <{target_text}> uit {url}", lang="nl")),
        prov(activity, RDFS.label, lit(f"Pull of <{target_text}> from {url}", lang="en")),
        prov(activity, PROV.startedAtTime, lit(started.isoformat(), datatype=XSD.dateTime)),
        prov(activity, PROV.endedAtTime, lit(ended.isoformat(), datatype=XSD.dateTime)),
        prov(activity, PROV.used, endpoint_node),
        prov(activity, PROV.used, query_entity),
        prov(activity, PROV.generated, target),
        prov(endpoint_node, RDF.type, iri(PROV.Entity)),
        prov(endpoint_node, RDFS.label, lit(f"SPARQL-endpoint {url}", lang="nl")),
        prov(query_entity, RDF.type, iri(PROV.Entity)),
        prov(query_entity, RDFS.label, lit(f"{form}-query van ophaling {stamp}", lang="nl")),
        prov(query_entity, PROV.value, lit(query)),
        prov(query_entity, DCTERMS.format, lit("application/sparql-query")),
        prov(target, RDF.type, iri(PROV.Entity)),
        prov(target, RDF.type, iri(MAG.DataGraph)),
        prov(target, MAG.illustrative, lit("false", datatype=XSD.boolean)),
        prov(target, PROV.wasGeneratedBy, activity),
        prov(target, PROV.wasDerivedFrom, endpoint_node),
        prov(target, DCTERMS.source, endpoint_node),
    ]
    with store.transaction() as tx:
        if store.has_graph(URIRef(target_text)):
            tx.remove_graph(URIRef(target_text))
        for quad in quads:
            tx.add(quad)
        for quad in provenance:
            tx.add(quad)
    return PullReport(
        endpoint=url,
        graph=target_text,
        query_form=form,
        triples=len(set(quads)),
        activity=activity.value,
        started=started,
        ended=ended,
        media_type=media_type,
    )
