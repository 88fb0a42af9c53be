"""The serialisations the SPARQL service and the Graph Store speak: result formats
(SPARQL JSON/XML/CSV/TSV), graph formats (Turtle, N-Triples, JSON-LD, RDF/XML) and
dataset formats (TriG, N-Quads), their names in ``?format=`` and the media types that
ask for them; which format a request body is in; the errors for a format nobody can
read or write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pyoxigraph as ox

from mag_graph.store import MagGraphError


class NotAcceptableError(MagGraphError):
    """None of the media types the client accepts fits this kind of result. Every face
    answers it the same way: 406, a problem document listing ``offers`` as ``acceptable``."""

    _WHAT: ClassVar[dict[str, tuple[str, str]]] = {
        "select": ("SELECT/ASK-resultaten", "SELECT/ASK results"),
        "graph": ("CONSTRUCT/DESCRIBE-resultaten", "CONSTRUCT/DESCRIBE results"),
        "rdf": ("deze graaf", "this graph"),
        "dataset": ("deze dataset", "this dataset"),
        "resource": ("deze bron", "this resource"),
        "answer": ("dit antwoord", "this answer"),
    }

    def __init__(self, kind: str, offers: Sequence[str]) -> None:
        self.kind = kind
        self.offers = list(offers)
        what, what_en = self._WHAT.get(kind, (kind, kind))
        listed = ", ".join(offers)
        super().__init__(
            f"geen van de gevraagde formaten past bij {what}; mogelijk: {listed}",
            f"none of the requested formats fits {what_en}; available: {listed}",
        )


class UnsupportedMediaTypeError(MagGraphError):
    """A request body in a media type this service does not read."""

    def __init__(self, media_type: str, accepted: Sequence[str]) -> None:
        self.media_type = media_type
        self.accepted = list(accepted)
        listed = ", ".join(accepted)
        super().__init__(
            f"mediatype {media_type or '(geen)'} wordt niet ondersteund; gebruik {listed}",
            f"media type {media_type or '(none)'} is not supported; use {listed}",
        )


@dataclass(frozen=True)
class Format:
    """A serialisation the service writes: its name (as in ``?format=``), the media type
    it is sent as, and the other media types that ask for it."""

    name: str
    media_type: str
    aliases: tuple[str, ...] = ()
    kind: str = "results"  # "results", "rdf" (one graph) or "dataset"

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type.split(";")[0].strip(), *self.aliases)

    @property
    def oxigraph(self) -> ox.QueryResultsFormat | ox.RdfFormat:
        return _OX_FORMATS[self.name]

    @property
    def content_type(self) -> str:
        """The Content-Type header value (text formats say their charset)."""
        base = self.media_type.split(";")[0].strip()
        if base.startswith("text/") or base in ("application/n-triples", "application/n-quads", "application/trig"):
            return f"{base}; charset=utf-8"
        return base


# Order is preference: the first is the default when the client accepts anything.
RESULT_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", ("application/json",)),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml")),
    Format("csv", "text/csv", ()),
    Format("tsv", "text/tab-separated-values", ()),
)
GRAPH_FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", ("application/x-turtle",), "rdf"),
    Format("ntriples", "application/n-triples", ("text/plain",), "rdf"),
    Format("jsonld", "application/ld+json", ("application/json",), "rdf"),
    Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml"), "rdf"),
)
DATASET_FORMATS: tuple[Format, ...] = (
    Format("trig", "application/trig", (), "dataset"),
    Format("nquads", "application/n-quads", (), "dataset"),
)
_ALL_FORMATS = {f.name: f for f in (*RESULT_FORMATS, *GRAPH_FORMATS, *DATASET_FORMATS)}
_OX_FORMATS: dict[str, Any] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
}
# ?format= values (also SPARQLWrapper's), as (results format, graph format).
_FORMAT_PARAMETER: dict[str, tuple[str | None, str | None]] = {
    "json": ("json", "jsonld"),
    "srj": ("json", None),
    "xml": ("xml", "rdfxml"),
    "srx": ("xml", None),
    "csv": ("csv", None),
    "tsv": ("tsv", None),
    "turtle": (None, "turtle"),
    "ttl": (None, "turtle"),
    "n3": (None, "turtle"),
    "ntriples": (None, "ntriples"),
    "n-triples": (None, "ntriples"),
    "nt": (None, "ntriples"),
    "jsonld": (None, "jsonld"),
    "json-ld": (None, "jsonld"),
    "rdfxml": (None, "rdfxml"),
    "rdf+xml": (None, "rdfxml"),
    "rdf": (None, "rdfxml"),
}


def format_by_name(name: str) -> Format:
    return _ALL_FORMATS[name]


def formats_for_parameter(value: str) -> tuple[Format | None, Format | None]:
    """The (results, graph) formats a ``format`` parameter asks for: a short name
    (``json``, ``turtle``, ...) or a media type. Raises ``KeyError`` for unknown values."""
    key = value.strip().lower()
    if key in _FORMAT_PARAMETER:
        res, graph = _FORMAT_PARAMETER[key]
        return (_ALL_FORMATS[res] if res else None, _ALL_FORMATS[graph] if graph else None)
    media = key.split(";")[0].strip()
    res_match = next((f for f in RESULT_FORMATS if media in f.media_types), None)
    graph_match = next((f for f in GRAPH_FORMATS if media in f.media_types), None)
    if res_match is None and graph_match is None:
        raise KeyError(value)
    return res_match, graph_match


def input_format(content_type: str | None, *, datasets: bool = True) -> Format:
    """The RDF format of a request body from its Content-Type (Graph Store writes)."""
    media = (content_type or "").split(";")[0].strip().lower()
    candidates = [*GRAPH_FORMATS, *(DATASET_FORMATS if datasets else ())]
    for fmt in candidates:
        if media in fmt.media_types and media not in ("text/plain", "application/json", "application/xml", "text/xml"):
            return fmt
    # The generic types only where they cannot be misread.
    if media in ("application/xml", "text/xml"):
        return _ALL_FORMATS["rdfxml"]
    if media == "application/json":
        return _ALL_FORMATS["jsonld"]
    # text/plain (N-Triples before RDF 1.1) is refused: it is what an HTML form with
    # enctype="text/plain" sends, so accepting it would let any page write with a
    # browser's credentials; N-Triples is application/n-triples.
    raise UnsupportedMediaTypeError(media, [f.media_type for f in candidates])
