"""The layout of a role-matrix spreadsheet: its columns, media types, where a row came
from and what can be wrong with one.

The same layout is written (:mod:`.export`) and read (:mod:`.reading`), so what an
analyst downloads is what they can fill in and upload again. A header cell may be in
Dutch or English, whatever the language the sheet was written in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mag_graph.cms import InvalidDocumentError

__all__ = [
    "COLUMNS",
    "CSV",
    "LIST_SHEETS",
    "MEDIA_TYPES",
    "MULTI_VALUE_SEPARATOR",
    "XLSX",
    "Column",
    "RowRef",
    "SheetError",
    "SheetProblem",
    "column_by_header",
    "media_type_for",
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
# Media types a spreadsheet is read from, with the short name the faces use.
MEDIA_TYPES: dict[str, str] = {XLSX: "xlsx", CSV: "csv"}
# Cells that hold more than one value (actors, task kinds, sources) separate them so.
MULTI_VALUE_SEPARATOR = "; "
# The sheet with the choices of the drop-down lists: written in the XLSX, never read.
LIST_SHEETS = {"nl": "keuzelijsten", "en": "choices"}


@dataclass(frozen=True)
class Column:
    """One column: its key in code, its header in Dutch and English, and whether it
    holds identifiers (IRIs) or names for people."""

    key: str
    nl: str
    en: str
    width: int = 18

    def header(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


# In the order they are written. One row per responsibility.
COLUMNS: tuple[Column, ...] = (
    Column("municipality", "gemeente", "municipality", 22),
    Column("phase", "fase", "phase", 22),
    Column("order", "volgorde", "order", 9),
    Column("actor", "actor", "actor", 30),
    Column("actor_id", "actor (id)", "actor (identifier)", 30),
    Column("raci", "RACI-soort", "RACI kind", 22),
    Column("task", "taaksoort", "task kind", 22),
    Column("text", "tekst", "text", 70),
    Column("source", "bron", "source", 36),
    Column("source_id", "bron (id)", "source (identifier)", 30),
    Column("concerns", "betreft (id)", "concerns (identifier)", 30),
    Column("towards", "richting (id)", "towards (identifier)", 30),
    Column("id", "id", "identifier", 40),
)

_BY_HEADER: dict[str, Column] = {}
for _column in COLUMNS:
    for _text in (_column.nl, _column.en, _column.key):
        _BY_HEADER[" ".join(_text.lower().split())] = _column


def column_by_header(text: Any) -> Column | None:
    """The column a header cell names (Dutch, English or the key; case and spacing do
    not matter); ``None`` for a column the layout does not know (it is ignored)."""
    if text is None:
        return None
    return _BY_HEADER.get(" ".join(str(text).lower().split()))


def media_type_for(name: str) -> str | None:
    """The media type for a file name's extension or a short name (``xlsx``, ``csv``)."""
    key = name.rsplit(".", 1)[-1].strip().lower()
    return {"xlsx": XLSX, "csv": CSV}.get(key)


@dataclass(frozen=True)
class RowRef:
    """Where a responsibility came from: the sheet (an XLSX tab, or the CSV file) and
    the row number as the spreadsheet program shows it (the header is row 1)."""

    sheet: str
    row: int

    def to_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row}

    def text(self, lang: str = "nl") -> str:
        return f"{self.sheet}, {'row' if lang == 'en' else 'rij'} {self.row}"


@dataclass(frozen=True)
class SheetProblem:
    """One thing wrong with one row (or with the file, ``row`` 0): what, in both
    languages, and in which column."""

    sheet: str
    row: int
    column: str | None
    nl: str
    en: str

    def message(self, lang: str = "nl") -> str:
        return self.en if lang == "en" else self.nl

    def to_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "message": {"nl": self.nl, "en": self.en}}

    def text(self, lang: str = "nl") -> str:
        where = RowRef(self.sheet, self.row).text(lang) if self.row else self.sheet
        column = f" [{self.column}]" if self.column else ""
        return f"{where}{column}: {self.message(lang)}"


class SheetError(InvalidDocumentError):
    """The spreadsheet cannot be read into the role model: every problem found, each
    with its sheet and row. Nothing was changed."""

    slug = "invalid-spreadsheet"

    def __init__(self, problems: list[SheetProblem]) -> None:
        self.problems = problems
        first = problems[0] if problems else None
        more = len(problems) - 1
        nl = first.text("nl") if first else "het rekenblad is niet te lezen"
        en = first.text("en") if first else "the spreadsheet cannot be read"
        if more > 0:
            nl += f" (en nog {more} probleem/problemen)"
            en += f" (and {more} more problem(s))"
        super().__init__(nl, en)

    def to_json(self) -> list[dict[str, Any]]:
        return [p.to_json() for p in self.problems]
