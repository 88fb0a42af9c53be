"""The RACI matrix in spreadsheets: out to XLSX and CSV, and back into the role model.

Analysts keep role matrices in spreadsheets. This package writes the role matrix in a
layout people can fill in (:mod:`.layout`, :mod:`.export`: one row per responsibility,
one sheet per municipality, Dutch or English headers, drop-down lists in the XLSX),
reads such a sheet back into RDF in the project's vocabulary with every unknown name
reported by sheet and row (:mod:`.vocabulary`, :mod:`.reading`), checks it against the
rules with each finding mapped to its row, and imports it through the CMS as one
validated revision (:mod:`.checking`).

For a check without storing (``POST /api/v1/validation``), :func:`sheet_to_graph`
turns an uploaded spreadsheet into an rdflib graph and a ``{focus node: RowRef}`` map,
and :mod:`.upload` registers XLSX and CSV as upload formats with
:mod:`mag_graph.validation.checking` when this package is imported (the validation
layer below knows parsers by media type, never spreadsheets).

May import: :mod:`mag_graph.cms`, :mod:`mag_graph.questions`, :mod:`mag_graph.validation`,
:mod:`mag_graph.store`, :mod:`mag_graph.namespaces`, :mod:`mag_graph.resources`. Never
the web layer.
"""

from mag_graph.sheets.checking import (  # noqa: F401
    SheetFinding,
    SheetImport,
    check_graph,
    import_sheet,
    kept_statements,
)
from mag_graph.sheets.export import SheetRow, matrix_rows, to_csv, to_xlsx  # noqa: F401
from mag_graph.sheets.layout import (  # noqa: F401
    COLUMNS,
    CSV,
    MEDIA_TYPES,
    XLSX,
    Column,
    RowRef,
    SheetError,
    SheetProblem,
    media_type_for,
)
from mag_graph.sheets.reading import RowMap, SheetRead, read_sheet, sheet_to_graph  # noqa: F401
from mag_graph.sheets.upload import SheetUploadError, spreadsheet_quads  # noqa: F401  (registers XLSX, CSV)
from mag_graph.sheets.vocabulary import Vocabulary, as_iri, short_id  # noqa: F401
