"""A filled-in role-matrix spreadsheet read back into RDF in the project's vocabulary.

Each row becomes one ``mag:Responsibility`` with its text (``rdfs:label`` in the sheet's
language), municipality, phase, order, actors (``mag:assignedTo``), RACI kind, task
kinds, sources, and what it concerns and is directed towards. Names and identifiers are
looked up in a store (:class:`~.vocabulary.Vocabulary`): an actor, phase or source the
store does not know is reported with its sheet and row, never invented. Every problem in
the file is collected before anything is reported, so people fix them in one go.

A row without an identifier gets one from its municipality and text
(``verantwoordelijkheid/hg-...``), the same every time the sheet is read, so importing
a sheet twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from mag_graph.namespaces import (
    DCTERMS,
    MAG,
    MAGID,
    MUNICIPALITIES,
    PREFIXES,
    RDF,
    RDFS,
)
from mag_graph.questions import describe
from mag_graph.sheets.layout import (
    CSV,
    LIST_SHEETS,
    MEDIA_TYPES,
    XLSX,
    Column,
    RowRef,
    SheetError,
    SheetProblem,
    column_by_header,
)
from mag_graph.sheets.vocabulary import Vocabulary, as_iri, normalise
from mag_graph.store import GraphStore

__all__ = ["MAX_ROWS", "RowMap", "SheetRead", "read_rows", "sheet_to_graph"]

# A sheet this long is not a role matrix; refusing it keeps a bad upload cheap.
MAX_ROWS = 20_000
MAX_SHEETS = 100
RowMap = dict[URIRef, RowRef]
_SPLIT = re.compile(r"\s*[;\n]\s*")
# The short codes the example's identifiers start with (as the CMS mints them).
_SHORT_CODES = {
    MUNICIPALITIES["hardinxveld-giessendam"]: "hg",
    MUNICIPALITIES["maassluis"]: "ms",
    MUNICIPALITIES["molenlanden"]: "ml",
}


@dataclass
class SheetRead:
    """What reading a spreadsheet gives: the RDF, the row each responsibility came from,
    and the language its texts were taken to be in."""

    graph: Graph
    rows: RowMap
    lang: str


# --------------------------------------------------------------------------- cells


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def read_rows(data: bytes, media_type: str, *, name: str = "csv") -> Iterator[tuple[str, int, dict[str, str]]]:
    """The rows of a spreadsheet as ``(sheet, row number, {column key: text})``, empty
    rows skipped. The first row of every sheet is its header (Dutch or English); the
    choices sheet the XLSX export writes is not read. ``name`` names a CSV's one sheet."""
    kind = MEDIA_TYPES.get(media_type)
    if kind is None:
        raise SheetError([SheetProblem(name, 0, None, f"onbekend mediatype {media_type}; verwacht XLSX of CSV",
                                       f"unknown media type {media_type}; expected XLSX or CSV")])
    sheets = _xlsx_sheets(data) if kind == "xlsx" else [(name, _csv_rows(data, name))]
    for sheet, rows in sheets:
        header: list[Column | None] | None = None
        for number, values in enumerate(rows, start=1):
            if number > MAX_ROWS + 1:
                raise SheetError([SheetProblem(sheet, number, None, f"meer dan {MAX_ROWS} rijen",
                                               f"more than {MAX_ROWS} rows")])
            cells = [_text(v) for v in values]
            if header is None:
                if not any(cells):
                    continue
                header = [column_by_header(c) for c in cells]
                _check_header(sheet, number, header)
                continue
            if not any(cells):
                continue
            row = {col.key: cells[i] for i, col in enumerate(header) if col is not None and i < len(cells) and cells[i]}
            if row:
                yield sheet, number, row


def _check_header(sheet: str, number: int, header: list[Column | None]) -> None:
    keys = {c.key for c in header if c is not None}
    missing = [k for k in ("text",) if k not in keys]
    if "actor" not in keys and "actor_id" not in keys:
        missing.append("actor")
    if missing:
        raise SheetError([SheetProblem(
            sheet, number, None,
            f"de kopregel mist de kolom(men) {', '.join(missing)} (zie de export van de rolmatrix)",
            f"the header row lacks the column(s) {', '.join(missing)} (see the role matrix export)",
        )])


def _xlsx_sheets(data: bytes) -> list[tuple[str, Iterator[tuple[Any, ...]]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise SheetError([SheetProblem("xlsx", 0, None, f"geen leesbaar XLSX-bestand: {exc}",
                                       f"not a readable XLSX file: {exc}")]) from None
    skip = {normalise(t) for t in LIST_SHEETS.values()}
    sheets = [ws for ws in workbook.worksheets if normalise(ws.title) not in skip and ws.sheet_state == "visible"]
    if len(sheets) > MAX_SHEETS:
        raise SheetError([SheetProblem("xlsx", 0, None, f"meer dan {MAX_SHEETS} bladen", f"more than {MAX_SHEETS} sheets")])
    return [(ws.title, ws.iter_rows(values_only=True)) for ws in sheets]


def _csv_rows(data: bytes, name: str) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # what a Dutch Excel saves as "CSV"
        except UnicodeDecodeError:
            raise SheetError([SheetProblem(name, 0, None, "de CSV is geen UTF-8-tekst",
                                           "the CSV is not UTF-8 text")]) from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise SheetError([SheetProblem(name, 0, None, f"geen geldige CSV: {exc}", f"not valid CSV: {exc}")]) from None


# --------------------------------------------------------------------------- rows to RDF


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60].rstrip("-")


class _RowReader:
    """Turns one row into statements, noting each problem with its sheet and row."""

    def __init__(self, vocab: Vocabulary, lang: str) -> None:
        self.vocab = vocab
        self.lang = lang
        self.problems: list[SheetProblem] = []
        self.graph = Graph()
        for prefix, namespace in PREFIXES.items():
            self.graph.bind(prefix, namespace, override=True, replace=True)
        self.rows: RowMap = {}

    def problem(self, ref: RowRef, column: str | None, nl: str, en: str) -> None:
        self.problems.append(SheetProblem(ref.sheet, ref.row, column, nl, en))

    def _one_name(self, names: Any, text: str, ref: RowRef, column: str, what: tuple[str, str]) -> URIRef | None:
        found = names.find(text)
        if len(found) == 1:
            return next(iter(found))
        if not found:
            near = difflib.get_close_matches(normalise(text), list(names.by_name), n=3, cutoff=0.6)
            hint_nl = f"; bedoelt u {' of '.join(repr(names.written[n]) for n in near)}?" if near else ""
            hint_en = f"; did you mean {' or '.join(repr(names.written[n]) for n in near)}?" if near else ""
            self.problem(ref, column, f"onbekende {what[0]} {text!r}{hint_nl}", f"unknown {what[1]} {text!r}{hint_en}")
        else:
            self.problem(ref, column, f"{what[0]} {text!r} is niet eenduidig ({len(found)} treffers); geef de id",
                         f"{what[1]} {text!r} is ambiguous ({len(found)} matches); give the identifier")
        return None

    def _identifiers(self, text: str, ref: RowRef, column: str, known: Any) -> list[URIRef]:
        out = []
        for part in (p for p in _SPLIT.split(text) if p):
            iri = as_iri(part)
            if iri is None:
                self.problem(ref, column, f"{part!r} is geen identificatie", f"{part!r} is not an identifier")
            elif not known(iri):
                self.problem(ref, column, f"onbekende identificatie {part!r} (niet in de graaf)",
                             f"unknown identifier {part!r} (not in the graph)")
            else:
                out.append(iri)
        return out

    def _names(self, text: str, names: Any, ref: RowRef, column: str, what: tuple[str, str]) -> list[URIRef]:
        whole = names.find(text)
        if len(whole) == 1:  # a name that itself holds the separator
            return [next(iter(whole))]
        out = []
        for part in (p for p in _SPLIT.split(text) if p):
            iri = self._one_name(names, part, ref, column, what)
            if iri is not None:
                out.append(iri)
        return out

    def _things(self, row: dict[str, str], ref: RowRef, names: Any, name_key: str, id_key: str,
                what: tuple[str, str]) -> list[URIRef]:
        if row.get(id_key):
            return self._identifiers(row[id_key], ref, id_key, lambda iri: iri in names.labels)
        if row.get(name_key):
            return self._names(row[name_key], names, ref, name_key, what)
        return []

    def read(self, sheet: str, number: int, row: dict[str, str]) -> None:
        ref = RowRef(sheet, number)
        vocab = self.vocab
        text = row.get("text", "")
        if not text:
            self.problem(ref, "text", "de tekst van de verantwoordelijkheid ontbreekt", "the responsibility's text is missing")
        municipality = self._municipality(row, sheet, ref)
        phase = self._one_name(vocab.phases, row["phase"], ref, "phase", ("fase", "phase")) if row.get("phase") else None
        raci = self._one_name(vocab.raci, row["raci"], ref, "raci", ("RACI-soort", "RACI kind")) if row.get("raci") else None
        tasks = self._names(row["task"], vocab.tasks, ref, "task", ("taaksoort", "task kind")) if row.get("task") else []
        actors = self._things(row, ref, vocab.actors, "actor", "actor_id", ("actor", "actor"))
        if not actors and not row.get("actor") and not row.get("actor_id"):
            self.problem(ref, "actor", "geen actor: wie heeft deze verantwoordelijkheid?", "no actor: whose responsibility is this?")
        sources = self._things(row, ref, vocab.sources, "source", "source_id", ("bron", "source"))
        concerns = self._identifiers(row["concerns"], ref, "concerns", vocab.exists) if row.get("concerns") else []
        towards = self._identifiers(row["towards"], ref, "towards", vocab.exists) if row.get("towards") else []
        order = None
        if row.get("order"):
            try:
                order = int(row["order"])
            except ValueError:
                self.problem(ref, "order", f"volgorde {row['order']!r} is geen geheel getal",
                             f"order {row['order']!r} is not a whole number")
        iri = self._identifier(row, ref, municipality, text)
        if iri is None or municipality is None or not text:
            return
        if iri in self.rows:
            first = self.rows[iri]
            self.problem(ref, "id", f"dezelfde verantwoordelijkheid als {first.text('nl')}",
                         f"the same responsibility as {first.text('en')}")
            return
        self.rows[iri] = ref
        g = self.graph
        g.add((iri, RDF.type, MAG.Responsibility))
        g.add((iri, RDFS.label, Literal(text, lang=self.lang)))
        g.add((iri, MAG.municipality, municipality))
        for predicate, values in ((MAG.phase, [phase]), (MAG.raciKind, [raci]), (MAG.taskKind, tasks),
                                  (MAG.assignedTo, actors), (DCTERMS.source, sources),
                                  (MAG.concerns, concerns), (MAG.towards, towards)):
            for value in values:
                if value is not None:
                    g.add((iri, predicate, value))
        if order is not None:
            g.add((iri, MAG.order, Literal(order, datatype=XSD.integer)))

    def _municipality(self, row: dict[str, str], sheet: str, ref: RowRef) -> URIRef | None:
        names = self.vocab.municipalities
        text = row.get("municipality")
        if text:
            iri = as_iri(text) or describe.municipality_iri(re.sub(r"\s+", "-", text.strip()))
            if iri is not None and iri in names.labels:
                return iri
            return self._one_name(names, text, ref, "municipality", ("gemeente", "municipality"))
        found = names.find(sheet)  # an XLSX sheet is named after its municipality
        if len(found) == 1:
            return next(iter(found))
        self.problem(ref, "municipality", "de gemeente ontbreekt", "the municipality is missing")
        return None

    def _identifier(self, row: dict[str, str], ref: RowRef, municipality: URIRef | None, text: str) -> URIRef | None:
        given = row.get("id")
        if given:
            iri = as_iri(given)
            if iri is None or not str(iri).startswith(str(MAGID)):
                self.problem(ref, "id", f"{given!r} is geen identificatie onder {MAGID}",
                             f"{given!r} is not an identifier under {MAGID}")
                return None
            return iri
        if municipality is None or not text:
            return None
        short = _SHORT_CODES.get(municipality) or str(municipality).rsplit("/", 1)[-1]
        digest = hashlib.sha1(f"{municipality}|{normalise(text)}".encode()).hexdigest()[:8]
        return MAGID[f"verantwoordelijkheid/{short}-{_slug(text) or 'blad'}-{digest}"]


def sheet_to_graph(
    data: bytes,
    media_type: str,
    store: GraphStore | None = None,
    *,
    lang: str | None = None,
    name: str = "csv",
) -> tuple[Graph, RowMap]:
    """Read a role-matrix spreadsheet (XLSX or CSV, the layout ``mag-graph matrix
    --format xlsx|csv`` writes) into an rdflib :class:`~rdflib.Graph` of
    ``mag:Responsibility`` resources, and the row each came from.

    ``media_type`` is :data:`~.layout.XLSX` or :data:`~.layout.CSV`. Names and
    identifiers of actors, phases, RACI kinds, task kinds, sources and municipalities
    are looked up in ``store`` (default: the example data shipped with mag-graph, for a
    check without a store). ``lang`` is the language of the texts; by default the
    header row's language. ``name`` names a CSV's one sheet in messages.

    The graph holds only the sheet's statements (no ontology): validate it together with
    the ontology, e.g. with :func:`mag_graph.sheets.check_graph`, and map each finding's
    focus node to its row with the returned ``{responsibility IRI: RowRef}``.
    Raises :class:`~.layout.SheetError` with every problem (sheet, row, column, message
    in Dutch and English) when a row cannot be read; nothing is half-read.
    """
    reference = store if store is not None else _example_store()
    vocab = Vocabulary(reference)
    read = read_sheet(data, media_type, vocab, lang=lang, name=name)
    return read.graph, read.rows


def read_sheet(data: bytes, media_type: str, vocab: Vocabulary, *, lang: str | None = None,
               name: str = "csv") -> SheetRead:
    """:func:`sheet_to_graph` with a vocabulary already read (and the language found)."""
    rows = list(read_rows(data, media_type, name=name))
    chosen = lang or _header_language(data, media_type)
    reader = _RowReader(vocab, chosen)
    for sheet, number, row in rows:
        reader.read(sheet, number, row)
    if reader.problems:
        raise SheetError(reader.problems)
    if not reader.rows:
        raise SheetError([SheetProblem(name if media_type == CSV else "xlsx", 0, None,
                                       "het rekenblad bevat geen verantwoordelijkheden",
                                       "the spreadsheet holds no responsibilities")])
    return SheetRead(reader.graph, reader.rows, chosen)


def _header_language(data: bytes, media_type: str) -> str:
    """English when the first header row uses the English headers, else Dutch."""
    from mag_graph.sheets.layout import COLUMNS

    english = {normalise(c.en) for c in COLUMNS if c.en != c.nl}
    dutch = {normalise(c.nl) for c in COLUMNS if c.en != c.nl}
    if media_type == XLSX:
        sheets = _xlsx_sheets(data)
        first = next(iter(sheets), None)
        cells = next(first[1], ()) if first else ()
    else:
        cells = next(_csv_rows(data, "csv"), [])
    names = {normalise(_text(c)) for c in cells}
    return "en" if len(names & english) > len(names & dutch) else "nl"


def _example_store() -> GraphStore:
    from mag_graph.store import MEMORY, Store
    from mag_graph.validation import example_store

    return Store(example_store(), MEMORY, in_memory=True)
