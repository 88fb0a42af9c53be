"""The role matrix as a spreadsheet: one row per responsibility, one sheet per
municipality (XLSX, with drop-down lists for phase and RACI kind) or one CSV file.

The rows hold what the matrix page shows (municipality, phase, actors, RACI kind, task
kinds, text, sources) plus the identifiers that let the same sheet be read back
(:mod:`.reading`): of the actors, the sources, what a responsibility concerns and is
directed towards, and of the responsibility itself.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Literal, URIRef

from mag_graph.namespaces import DCTERMS, MAG, RDF, RDFS
from mag_graph.sheets.layout import COLUMNS, LIST_SHEETS, MULTI_VALUE_SEPARATOR
from mag_graph.sheets.vocabulary import Vocabulary, short_id
from mag_graph.store import GraphStore

__all__ = ["SheetRow", "matrix_rows", "to_csv", "to_xlsx"]

# Rows the drop-down lists cover beyond the written ones, for rows people add.
_SPARE_ROWS = 500


@dataclass
class SheetRow:
    """One responsibility as a row, its values already in the sheet's language."""

    iri: URIRef
    municipality: URIRef
    municipality_label: str
    phase: URIRef | None
    phase_label: str
    order: int | None
    actors: list[tuple[URIRef, str]]
    raci: URIRef | None
    raci_label: str
    tasks: list[tuple[URIRef, str]]
    text: str
    sources: list[tuple[URIRef, str]]
    concerns: list[URIRef] = field(default_factory=list)
    towards: list[URIRef] = field(default_factory=list)

    def cells(self) -> list[str | int | None]:
        """The row's cells, in the order of :data:`~.layout.COLUMNS`."""
        join = MULTI_VALUE_SEPARATOR.join
        values: dict[str, str | int | None] = {
            "municipality": self.municipality_label,
            "phase": self.phase_label or None,
            "order": self.order,
            "actor": join(label for _, label in self.actors) or None,
            "actor_id": join(short_id(iri) for iri, _ in self.actors) or None,
            "raci": self.raci_label or None,
            "task": join(label for _, label in self.tasks) or None,
            "text": self.text,
            "source": join(label for _, label in self.sources) or None,
            "source_id": join(short_id(iri) for iri, _ in self.sources) or None,
            "concerns": join(short_id(iri) for iri in self.concerns) or None,
            "towards": join(short_id(iri) for iri in self.towards) or None,
            "id": short_id(self.iri),
        }
        return [values[c.key] for c in COLUMNS]


def matrix_rows(
    store: GraphStore,
    municipalities: Iterable[URIRef] | None = None,
    lang: str = "nl",
    *,
    phases: set[URIRef] | None = None,
    actors: set[URIRef] | None = None,
    raci: set[URIRef] | None = None,
    vocabulary: Vocabulary | None = None,
) -> dict[str, list[SheetRow]]:
    """The responsibilities of the given municipalities (default: all), as rows grouped
    by municipality label, each group in phase order, then by order and text. The
    filters keep only rows with that phase, one of those actors, that RACI kind."""
    vocab = vocabulary or Vocabulary(store)
    wanted = set(municipalities) if municipalities is not None else None
    found: list[SheetRow] = []
    seen: set[URIRef] = set()
    for iri, _, _, _ in store.quads(None, RDF.type, MAG.Responsibility):
        if not isinstance(iri, URIRef) or iri in seen:
            continue
        seen.add(iri)
        row = _row(store, vocab, iri, lang)
        if row is None or (wanted is not None and row.municipality not in wanted):
            continue
        if phases and row.phase not in phases:
            continue
        if actors and not any(a in actors for a, _ in row.actors):
            continue
        if raci and row.raci not in raci:
            continue
        found.append(row)
    found.sort(key=lambda r: (r.municipality_label.casefold(),
                              vocab.phase_order(r.phase) if r.phase else 10**6,
                              r.order if r.order is not None else 10**6, r.text.casefold(), str(r.iri)))
    grouped: dict[str, list[SheetRow]] = {}
    for row in found:
        grouped.setdefault(row.municipality_label, []).append(row)
    return grouped


def _row(store: GraphStore, vocab: Vocabulary, iri: URIRef, lang: str) -> SheetRow | None:
    values: dict[URIRef, list[object]] = {}
    for _, predicate, obj, _ in store.quads(iri, None, None):
        bucket = values.setdefault(predicate, [])  # type: ignore[arg-type]
        if obj not in bucket:
            bucket.append(obj)
    municipality = next((m for m in values.get(MAG.municipality, []) if isinstance(m, URIRef)), None)
    if municipality is None:
        return None
    texts = {o.language or "": str(o) for o in values.get(RDFS.label, []) if isinstance(o, Literal)}
    text = next((texts[k] for k in (lang, "nl", "", "en") if k in texts), next(iter(texts.values()), ""))
    phase = next((p for p in values.get(MAG.phase, []) if isinstance(p, URIRef)), None)
    raci = next((k for k in values.get(MAG.raciKind, []) if isinstance(k, URIRef)), None)
    order_value = next(iter(values.get(MAG.order, [])), None)
    try:
        order = int(order_value) if isinstance(order_value, Literal) else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        order = None

    def iris(predicate: URIRef) -> list[URIRef]:
        return sorted((o for o in values.get(predicate, []) if isinstance(o, URIRef)), key=str)

    return SheetRow(
        iri=iri,
        municipality=municipality,
        municipality_label=vocab.municipalities.label(municipality, lang),
        phase=phase,
        phase_label=vocab.phases.label(phase, lang) if phase else "",
        order=order,
        actors=sorted(((a, vocab.actors.label(a, lang)) for a in iris(MAG.assignedTo)), key=lambda a: a[1].casefold()),
        raci=raci,
        raci_label=vocab.raci.label(raci, lang) if raci else "",
        tasks=[(t, vocab.tasks.label(t, lang)) for t in iris(MAG.taskKind)],
        text=" ".join(text.split()),
        sources=[(s, vocab.sources.label(s, lang)) for s in iris(DCTERMS.source)],
        concerns=iris(MAG.concerns),
        towards=iris(MAG.towards),
    )


def to_csv(groups: dict[str, list[SheetRow]], lang: str = "nl") -> bytes:
    """One CSV file (UTF-8 with a byte order mark, so spreadsheet programs read the
    accents right): the header row, then every row of every municipality."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header(lang) for c in COLUMNS])
    for rows in groups.values():
        for row in rows:
            writer.writerow(["" if v is None else v for v in row.cells()])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(label: str, taken: set[str]) -> str:
    """A worksheet title: at most 31 characters, none of ``[]:*?/\\``, unique."""
    clean = "".join("-" if ch in "[]:*?/\\" else ch for ch in label).strip("'") or "gemeente"
    title = clean[:31]
    n = 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title = clean[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(title.casefold())
    return title


def to_xlsx(groups: dict[str, list[SheetRow]], vocabulary: Vocabulary, lang: str = "nl") -> bytes:
    """An XLSX workbook: one sheet per municipality (a header row, frozen, with a filter;
    drop-down lists for phase and RACI kind), and a sheet with the lists' choices."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    lists_title = LIST_SHEETS["en" if lang == "en" else "nl"]
    taken: set[str] = {lists_title.casefold()}
    first = True
    choices = {"phase": vocabulary.choices(vocabulary.phases, lang), "raci": vocabulary.choices(vocabulary.raci, lang)}
    list_columns = {"phase": "A", "raci": "B"}
    index = {c.key: i + 1 for i, c in enumerate(COLUMNS)}
    for label, rows in (groups or {"": []}).items():
        sheet = workbook.active if first else workbook.create_sheet()
        first = False
        sheet.title = _sheet_title(label, taken)
        sheet.append([c.header(lang) for c in COLUMNS])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row.cells())
        for i, column in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = column.width
        wrap = Alignment(wrap_text=True, vertical="top")
        for cell in sheet[get_column_letter(index["text"])][1:]:
            cell.alignment = wrap
        sheet.freeze_panes = "A2"
        last = max(len(rows) + 1, 2)
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{last}"
        for key, letter in list_columns.items():
            n = len(choices[key])
            if not n:
                continue
            rule = DataValidation(type="list", formula1=f"'{lists_title}'!${letter}$2:${letter}${n + 1}",
                                  allow_blank=True, showErrorMessage=True)
            rule.errorTitle = "Onbekende waarde" if lang == "nl" else "Unknown value"
            rule.error = ("Kies een waarde uit de lijst." if lang == "nl" else "Choose a value from the list.")
            column = get_column_letter(index[key])
            rule.add(f"{column}2:{column}{len(rows) + _SPARE_ROWS}")
            sheet.add_data_validation(rule)
    lists = workbook.create_sheet(lists_title)
    lists.append([COLUMNS[index["phase"] - 1].header(lang), COLUMNS[index["raci"] - 1].header(lang)])
    for i in range(max(len(v) for v in choices.values()) if choices else 0):
        lists.append([choices["phase"][i] if i < len(choices["phase"]) else None,
                      choices["raci"][i] if i < len(choices["raci"]) else None])
    lists.column_dimensions["A"].width = 26
    lists.column_dimensions["B"].width = 26
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
