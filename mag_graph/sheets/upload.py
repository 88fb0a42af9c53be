"""Spreadsheets as uploads to check without storing: XLSX and CSV in the role-matrix
layout offered by :mod:`mag_graph.validation.checking` next to the RDF formats.

Importing this module registers both formats (:func:`register`, called by the package
on import), so ``POST /api/v1/validation``, the page ``/validatie/controleren`` and
``mag-graph validate FILE.xlsx`` read spreadsheets without code of their own: the
validation layer knows parsers by media type, not spreadsheets. A sheet is read with
:func:`~.reading.read_sheet` (names looked up in the check's context store, else in the
example data); the upload carries each responsibility's sheet and row, so every finding
about it names the row, and the rows replace what a context store says of the same
responsibilities (as ``mag-graph matrix import --check`` does). A sheet that cannot be
read is a :class:`SheetUploadError`: every problem with its sheet, row and column.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from mag_graph.sheets.layout import CSV, XLSX, SheetError
from mag_graph.sheets.reading import _example_store, read_sheet
from mag_graph.sheets.vocabulary import Vocabulary
from mag_graph.store import MEMORY, GraphStore, Store, from_rdflib_term
from mag_graph.validation.checking import (
    Parser,
    UploadInfo,
    UploadQuads,
    UploadSyntaxError,
    register_parser,
)

__all__ = ["SheetUploadError", "register", "spreadsheet_quads"]

# At most this many problems are spelled out in one message (all are in ``members``).
SHOWN_PROBLEMS = 10


class SheetUploadError(UploadSyntaxError):
    """A spreadsheet upload that cannot be read into the role model: ``line`` is the row
    of the first problem, ``column`` its column key, ``members["invalidRows"]`` all of
    them (sheet, row, column, message in Dutch and English)."""

    def __init__(self, label: str, error: SheetError) -> None:
        problems = error.problems
        first = problems[0] if problems else None
        shown = problems[:SHOWN_PROBLEMS]
        more = len(problems) - len(shown)
        nl = "; ".join(p.text("nl") for p in shown) + (f" (en nog {more})" if more > 0 else "")
        en = "; ".join(p.text("en") for p in shown) + (f" (and {more} more)" if more > 0 else "")
        UploadSyntaxError.__init__(self, label, "-", first.row if first and first.row else None, None)
        ValueError.__init__(self, f"{label} is niet te lezen: {nl} / cannot read the {label}: {en}")
        self.column = first.column if first else None
        self.detail = en
        self.slug = "invalid-spreadsheet"
        self.members = {"invalidRows": error.to_json()}
        self.problems = problems


def _names(info: UploadInfo) -> GraphStore:
    """The store a sheet's names are looked up in: the check's context, else the example."""
    names = info.names
    if names is None:
        return _example_store()
    if isinstance(names, ox.Store):
        return Store(names, MEMORY, in_memory=True)
    return names  # type: ignore[no-any-return]


def spreadsheet_quads(body: bytes, media_type: str, info: UploadInfo) -> UploadQuads:
    """The quads of a role-matrix spreadsheet, with the row of every responsibility."""
    label = "XLSX" if media_type == XLSX else "CSV"
    name = info.name if media_type == CSV else "xlsx"
    try:
        read = read_sheet(body, media_type, Vocabulary(_names(info)), name=name)
    except SheetError as error:
        raise SheetUploadError(f"{label} ({info.name})", error) from None
    blank: dict[str, Any] = {}
    quads = (ox.Quad(*(from_rdflib_term(t, blank_nodes=blank) for t in triple)) for triple in read.graph)
    locations = {str(iri): (ref.sheet, ref.row) for iri, ref in read.rows.items()}
    return UploadQuads(quads, locations=locations, replaces=locations)


def register() -> None:
    """Offer XLSX and CSV role matrices for checking (idempotent)."""
    register_parser(Parser(XLSX, "xlsx", "XLSX (rolmatrix / role matrix)", ("xlsx",),
                           lambda body, info: spreadsheet_quads(body, XLSX, info), takes_info=True))
    register_parser(Parser(CSV, "csv", "CSV (rolmatrix / role matrix)", ("csv",),
                           lambda body, info: spreadsheet_quads(body, CSV, info), takes_info=True))


register()
