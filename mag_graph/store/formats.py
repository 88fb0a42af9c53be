"""RDF formats: the names mag-graph accepts for files and results and the pyoxigraph
format each stands for, and the prefixes written into (or bound on) what the store
serialises.

The error for an unknown name, :class:`UnknownFormatError`, lives here because its
message lists the known names.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from mag_graph.namespaces import PREFIXES
from mag_graph.store.errors import LoadError

FORMAT_NAMES: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nt": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "n-triples": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "nquads": ox.RdfFormat.N_QUADS,
    "n-quads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "rdf/xml": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
    "rdf": ox.RdfFormat.RDF_XML,
    "owl": ox.RdfFormat.RDF_XML,
}

_RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "srj": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "srx": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}

# For CONSTRUCT/DESCRIBE results asked for in a results format name.
_GRAPH_RESULT_ALIASES = {"json": "jsonld", "xml": "rdfxml", "table": "turtle"}


class UnknownFormatError(LoadError):
    """The RDF format name (or file extension) is not one mag-graph reads or writes."""

    def __init__(self, name: str, *, source: str | None = None) -> None:
        self.name = name
        known = ", ".join(sorted(FORMAT_NAMES))
        if source is not None and not name:
            nl = f"kan het formaat van {source} niet bepalen; geef --format op ({known})"
            en = f"cannot tell the format of {source}; pass --format ({known})"
        else:
            nl = f"onbekend formaat {name!r} (bekend: {known})"
            en = f"unknown format {name!r} (known: {known})"
        super().__init__(nl, en)


def rdf_format(name: str | None, path: str | os.PathLike[str] | None = None) -> ox.RdfFormat:
    """The pyoxigraph format for a format name, or else for a file name's extension."""
    if name:
        key = name.strip().lower()
        if key in FORMAT_NAMES:
            return FORMAT_NAMES[key]
        raise UnknownFormatError(name)
    if path is not None:
        suffix = Path(path).suffix.lower().lstrip(".")
        if suffix in FORMAT_NAMES:
            return FORMAT_NAMES[suffix]
        raise UnknownFormatError("", source=str(path))
    raise UnknownFormatError("", source="<data>")


def _prefixes_for(rdf: ox.RdfFormat) -> dict[str, str] | None:
    if rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        return dict(sorted(PREFIXES.items()))
    return None


def _bind_prefixes(graph: Graph) -> None:
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
