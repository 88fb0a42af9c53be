"""Import the TOOI registers of gemeenten, provincies and waterschappen (KOOP, CC0).

KOOP publishes each register ("Register gemeenten compleet", ...) as expanded JSON-LD: a
list of nodes, one per organisation, historical version or change event, plus one node
describing the register itself. TOOI is already RDF in the TOOI ontology, so the mapping
keeps every statement as published and only adds what mag-graph needs to recognise the
nodes:

* the subjects stay the TOOI IRIs (``tooi:gemeente/gm0556``): the example data names
  municipalities by the same IRIs, so importing links instead of duplicating;
* a ``tooiont:Gemeente`` is also typed ``mag:Municipality`` and gets ``mag:cbsCode``
  ("GM" + gemeentecode), the code CBS figures are keyed on;
* historical municipalities keep their ``tooiont:einddatum`` (and ``prov:invalidatedAtTime``);
  the merge events (``tooiont:Samenvoeging`` ... with ``prov:invalidated`` and
  ``prov:generated``) are kept, so "what did Giessenlanden become" can be asked;
* ``rdfs:label`` gets the language tag ``@nl`` (the project convention, and what the
  example data uses, so the label is not doubled with and without a tag);
* every node cites the register (``dcterms:source``), declared as a ``mag:SourceLocation``
  in the source document ``magid:bron/tooi``;
* the register node itself loses ``owl:Ontology`` and ``owl:imports`` (they would make
  OWL tools try to fetch TOOI's ontologies); its other statements are kept.

One register goes into one graph, ``magg:tooi-gemeenten``, ``magg:tooi-provincies``,
``magg:tooi-waterschappen`` (named after the register), which an import replaces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from mag_graph.namespaces import MAG, MAGG, OWL, RDF, RDFS, TOOIONT, XSD
from mag_graph.store import GraphStore, Store

from .common import (
    BRON_TOOI,
    ImportFailed,
    ImportReport,
    RecordError,
    RecordScope,
    Staging,
    commit_import,
    describe_graph,
    expand_paths,
    iri,
    lit,
    progress,
    slugify,
    source_document,
    started_clock,
)

__all__ = ["import_tooi", "tooi_graph"]

_REGISTER_TYPE = "https://identifier.overheid.nl/tooi/def/wl/RegisterwaardelijstCompleet"
_ORGANISATION_TYPES = {
    str(TOOIONT.Gemeente),
    str(TOOIONT.Provincie),
    str(TOOIONT.Waterschap),
}
_DROPPED_PREDICATES = {str(OWL.imports)}
_DROPPED_TYPES = {str(OWL.Ontology)}
_REGISTER_NAME = re.compile(r"rwc_([a-z]+)_compleet", re.IGNORECASE)
_GEMEENTECODE = re.compile(r"^[0-9]{4}$")
_RDF_TYPE = iri(RDF.type)
_RDFS_LABEL = iri(RDFS.label)
_DCT_SOURCE = iri("http://purl.org/dc/terms/source")


def tooi_graph(register_name: str) -> URIRef:
    """The graph a TOOI register is imported into: ``magg:tooi-{gemeenten|provincies|...}``."""
    return MAGG[f"tooi-{slugify(register_name)}"]


def _nodes(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("@graph"), list):
        return data["@graph"]
    if isinstance(data, dict) and "@id" in data:
        return [data]
    raise RecordError("geen JSON-LD-lijst van knopen (verwacht [ {...}, ... ] of {\"@graph\": [...]}) / "
                      "not a JSON-LD list of nodes")


def _register_name(nodes: list[Any], path: Path) -> tuple[str, str | None]:
    """(short name, register IRI) from the register node, else from the file name."""
    for node in nodes:
        if isinstance(node, dict) and _REGISTER_TYPE in (node.get("@type") or []):
            register = str(node.get("@id", ""))
            match = _REGISTER_NAME.search(register)
            if match:
                return match.group(1).lower(), register
    match = _REGISTER_NAME.search(path.name)
    return (match.group(1).lower() if match else slugify(path.stem)), None


def _subject(value: Any) -> ox.NamedNode | ox.BlankNode:
    text = str(value)
    if text.startswith("_:"):
        return ox.BlankNode(re.sub(r"[^A-Za-z0-9_]", "_", text[2:]) or None)
    return iri(text)


def _object(value: Any, predicate: str) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An RDF term for one expanded JSON-LD value object."""
    if isinstance(value, dict):
        if "@id" in value:
            return _subject(value["@id"])
        if "@value" in value:
            raw = value["@value"]
            if isinstance(raw, bool):
                return lit("true" if raw else "false", datatype=XSD.boolean)
            if "@language" in value:
                return lit(raw, lang=str(value["@language"]))
            if "@type" in value:
                return lit(raw, datatype=str(value["@type"]))
            if isinstance(raw, int):
                return lit(raw, datatype=XSD.integer)
            if isinstance(raw, float):
                return lit(repr(raw), datatype=XSD.double)
            return lit(raw)
        if "@list" in value or "@set" in value:
            raise RecordError(f"{predicate}: JSON-LD-lijsten worden niet ondersteund / JSON-LD lists are not supported")
        raise RecordError(f"{predicate}: waarde zonder @id of @value / value without @id or @value")
    if isinstance(value, bool):
        return lit("true" if value else "false", datatype=XSD.boolean)
    if isinstance(value, (str, int, float)):
        return _object({"@value": value}, predicate)
    raise RecordError(f"{predicate}: onverwachte waarde / unexpected value {value!r}")


def _map_node(scope: RecordScope, node: dict[str, Any], location: ox.NamedNode, register_iri: str | None) -> None:
    if "@id" not in node:
        raise RecordError("knoop zonder @id / node without @id")
    subject = _subject(node["@id"])
    types = node.get("@type") or []
    if isinstance(types, str):
        types = [types]
    is_register = node["@id"] == register_iri or _REGISTER_TYPE in types
    for t in types:
        if str(t) not in _DROPPED_TYPES:
            scope.add(subject, _RDF_TYPE, iri(str(t)))
    for key, values in node.items():
        if key.startswith("@"):
            continue
        if ":" not in key:
            raise RecordError(f"eigenschap {key!r} is geen IRI (geen geëxpandeerde JSON-LD?) / "
                              f"property {key!r} is not an IRI (not expanded JSON-LD?)")
        if key in _DROPPED_PREDICATES:
            continue
        predicate = iri(key)
        for value in values if isinstance(values, list) else [values]:
            term = _object(value, key)
            if predicate == _RDFS_LABEL and isinstance(term, ox.Literal) and not term.language:
                term = lit(term.value, lang="nl")
            scope.add(subject, predicate, term)
    if is_register:
        return
    scope.add(subject, _DCT_SOURCE, location)
    if str(TOOIONT.Gemeente) in types:
        _municipality(scope, subject, node)


def _first_value(node: dict[str, Any], key: str) -> str | None:
    values = node.get(key)
    if isinstance(values, list) and values:
        first = values[0]
        return str(first.get("@value")) if isinstance(first, dict) and "@value" in first else str(first)
    return None


def _municipality(scope: RecordScope, subject: Any, node: dict[str, Any]) -> None:
    """What mag-graph adds to a TOOI gemeente: its class and its CBS code."""
    scope.add(subject, _RDF_TYPE, iri(MAG.Municipality))
    code = _first_value(node, str(TOOIONT.gemeentecode))
    if code is None:
        organisatiecode = _first_value(node, str(TOOIONT.organisatiecode)) or ""
        code = organisatiecode[2:] if organisatiecode.startswith("gm") else None
    if code is None or not _GEMEENTECODE.match(code):
        raise RecordError(f"gemeente zonder geldige gemeentecode / municipality without a valid gemeentecode: {code!r}")
    scope.add(subject, iri(MAG.cbsCode), lit(f"GM{code}"))


def import_tooi(
    store: GraphStore | Store,
    paths: Sequence[str | Path],
    *,
    strict: bool = False,
    show_progress: bool = False,
) -> ImportReport:
    """Import TOOI register files (expanded JSON-LD) into ``magg:tooi-{register}`` graphs."""
    started = started_clock()
    files = expand_paths(paths, (".json", ".jsonld"), "TOOI-bestanden / TOOI files")
    report = ImportReport(source="tooi", files=len(files))
    staging = Staging(report)
    for path in files:
        label = str(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            nodes = _nodes(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            report.records_read += 1
            report.skip(label, "", f"ongeldige JSON / invalid JSON: {exc}")
            continue
        except RecordError as exc:
            report.records_read += 1
            report.skip(label, "", str(exc))
            continue
        name, register_iri = _register_name(nodes, path)
        graph = staging.target(tooi_graph(name))
        shared = staging.scope(graph)
        source_document(
            shared,
            BRON_TOOI,
            "TOOI-registers van overheidsorganisaties (KOOP)",
            "TOOI registers of government organisations (KOOP)",
            "https://standaarden.overheid.nl/tooi",
        )
        location = iri(register_iri) if register_iri else iri(path.resolve().as_uri())
        shared.add(location, _RDF_TYPE, iri(MAG.SourceLocation))
        shared.add(location, iri(MAG.inSourceDocument), iri(BRON_TOOI))
        shared.add(location, iri(MAG.locator), lit(register_iri.rsplit("/set/", 1)[-1] if register_iri else path.name))
        shared.add(location, _RDFS_LABEL, lit(f"TOOI: register {name}", lang="nl"))
        describe_graph(shared, f"TOOI-register {name}", f"TOOI register {name}", location)
        staging.keep(shared)
        counts: dict[str, int] = {}
        for node in progress(nodes, total=len(nodes), description=f"tooi {path.name}", enabled=show_progress):
            report.records_read += 1
            record = str(node.get("@id", "?")) if isinstance(node, dict) else "?"
            if not isinstance(node, dict):
                report.skip(label, record, "geen JSON-object / not a JSON object")
                continue
            with staging.record(graph, label, record) as scope:
                _map_node(scope, node, location, register_iri)
                for t in node.get("@type") or []:
                    if str(t) in _ORGANISATION_TYPES:
                        key = str(t).rsplit("/", 1)[-1].lower()
                        counts[key] = counts.get(key, 0) + 1
        for key, value in counts.items():
            report.details[key] = report.details.get(key, 0) + value
    if not staging.graphs and not report.skipped:
        raise ImportFailed("geen TOOI-gegevens gevonden", "no TOOI data found")
    return commit_import(store, staging, strict=strict, started=started)
