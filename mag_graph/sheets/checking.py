"""Checking a spreadsheet against the rules, and importing it through the CMS.

A check validates the sheet's responsibilities in an in-memory store that holds the
ontology, the sheet and (when given) a copy of a store's data as context: the rules
look at more than the sheet (whether what a responsibility concerns is a Startfoto, who
holds the penvoerder role), and the sheet's rows replace the stored versions of the same
responsibilities. Only the sheet's responsibilities are validated (``focus_nodes``), and
every finding is mapped back to its sheet and row. Nothing is stored.

An import hands the sheet to the CMS (:meth:`~mag_graph.cms.Content.import_document`):
one revision, validated, all rows or none; new responsibilities become drafts
(``concept``). What the sheet does not carry of a stored responsibility (its text in
the other language, a comment) is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from mag_graph.cms import Content, ImportResult, ValidationFailedError
from mag_graph.namespaces import DCTERMS, MAG, MAGG, RDF, RDFS, Graphs
from mag_graph.resources import resource_files
from mag_graph.sheets.reading import RowMap, read_sheet
from mag_graph.sheets.vocabulary import Vocabulary
from mag_graph.store import GraphStore, from_rdflib_term
from mag_graph.validation import ValidationResult, validate

__all__ = ["SHEET_GRAPH", "SheetFinding", "SheetImport", "check_graph", "import_sheet", "kept_statements"]

# The graph a checked sheet sits in, inside the throw-away validation store.
SHEET_GRAPH = MAGG["rekenblad"]
# The predicates a sheet's columns carry; a stored responsibility keeps the others.
SHEET_PREDICATES = frozenset({RDF.type, MAG.municipality, MAG.phase, MAG.order, MAG.assignedTo, MAG.raciKind,
                              MAG.taskKind, DCTERMS.source, MAG.concerns, MAG.towards})


@dataclass(frozen=True)
class SheetFinding:
    """A rule's finding about one row of the sheet."""

    sheet: str | None
    row: int | None
    result: ValidationResult

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {"sheet": self.sheet, "row": self.row, **asdict(self.result)}

    def text(self, lang: str = "nl") -> str:
        where = f"{self.sheet}, {'row' if lang == 'en' else 'rij'} {self.row}" if self.row else self.result.focusNode
        rule = self.result.rule or "?"
        return f"{where}: {rule} ({self.result.severity}) {self.result.message}"


def _context_quads(context: GraphStore, replaced: set[URIRef]) -> list[ox.Quad]:
    """The context store's statements, less those about the sheet's responsibilities."""
    skip = {ox.NamedNode(str(iri)) for iri in replaced}
    inner = getattr(context, "oxigraph", None)
    if isinstance(inner, ox.Store):
        return [q for q in inner if q.subject not in skip]
    blank: dict[str, ox.BlankNode] = {}
    out = []
    for s, p, o, g in context.quads(None, None, None):
        if s in replaced:
            continue
        graph = ox.DefaultGraph() if g is None else from_rdflib_term(g, blank_nodes=blank)
        out.append(ox.Quad(*(from_rdflib_term(t, blank_nodes=blank) for t in (s, p, o)), graph))
    return out


def check_graph(
    graph: Graph,
    rows: RowMap,
    *,
    context: GraphStore | None = None,
    date: dt.date | None = None,
    lang: str = "nl",
) -> list[SheetFinding]:
    """The rules' findings about a sheet read by :func:`~.reading.sheet_to_graph`, each
    with its sheet and row (in row order). ``context`` is a store whose data the rules
    may look at besides the sheet (its own versions of the sheet's responsibilities are
    left out); without it the sheet is validated with the ontology alone."""
    store = ox.Store()
    if context is not None:
        store.extend(_context_quads(context, set(rows)))
    else:
        for path in resource_files("ontology", "*.ttl"):
            store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(Graphs.ONTOLOGY)))
    blank: dict[str, ox.BlankNode] = {}
    target = ox.NamedNode(str(SHEET_GRAPH))
    store.extend(ox.Quad(*(from_rdflib_term(t, blank_nodes=blank) for t in triple), target) for triple in graph)
    report = validate(store, date=date, lang=lang, focus_nodes=list(rows))
    findings = []
    for result in report.results:
        ref = rows.get(URIRef(result.focusNode))
        findings.append(SheetFinding(ref.sheet if ref else None, ref.row if ref else None, result))
    findings.sort(key=lambda f: (f.sheet or "", f.row or 0, f.result.rule or "", f.result.message))
    return findings


def kept_statements(graph: Graph, rows: RowMap, store: GraphStore, lang: str) -> Graph:
    """The sheet's graph plus what it does not carry of each stored responsibility:
    statements of predicates without a column, and texts in other languages. So an
    import replaces what the sheet says and keeps the rest."""
    out = Graph()
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace)
    for triple in graph:
        out.add(triple)
    for iri in rows:
        for _, predicate, obj, _ in store.quads(iri, None, None):
            if predicate in SHEET_PREDICATES:
                continue
            if predicate == RDFS.label and isinstance(obj, Literal) and (obj.language or "") == lang:
                continue
            out.add((iri, predicate, obj))
    return out


@dataclass
class SheetImport:
    """An import's outcome: the CMS's result and the row of each responsibility."""

    result: ImportResult
    rows: RowMap

    def to_json(self) -> dict[str, Any]:
        body = self.result.to_json()
        body["rows"] = {str(iri): ref.to_json() for iri, ref in self.rows.items()}
        return body


def import_sheet(
    content: Content,
    data: bytes,
    media_type: str,
    *,
    agent: str,
    role: str | None,
    lang: str = "nl",
    text_lang: str | None = None,
    name: str = "csv",
) -> SheetImport:
    """Import a role-matrix spreadsheet through the CMS, as ``agent`` with ``role``: one
    validated revision, every row or none. A row that cannot be read raises
    :class:`~.layout.SheetError`; a broken rule raises the CMS's
    :class:`~mag_graph.cms.ValidationFailedError`, each result with its ``sheet`` and
    ``row``. ``lang`` is the language of messages, ``text_lang`` that of the sheet's texts
    (default: the header's)."""
    store = content.store
    read = read_sheet(data, media_type, Vocabulary(store), lang=text_lang, name=name)
    full = kept_statements(read.graph, read.rows, store, read.lang)
    document = full.serialize(format="nt", encoding="utf-8")
    failed: list[dict[str, Any]] | None = None
    try:
        result = content.import_document(document, format="ntriples", agent=agent, role=role, lang=lang)
    except ValidationFailedError as exc:
        # Raised again outside this block: the first error's traceback would keep the
        # store's frames (and an on-disk store's lock) alive as the new one's context.
        failed = exc.results
    if failed is not None:
        results = []
        for finding in failed:
            ref = read.rows.get(URIRef(str(finding.get("focusNode", ""))))
            results.append({**finding, "sheet": ref.sheet if ref else None, "row": ref.row if ref else None})
        results.sort(key=lambda r: (r["sheet"] or "", r["row"] or 0))
        raise ValidationFailedError(results)
    return SheetImport(result, read.rows)
