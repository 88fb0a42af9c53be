"""Checking a role model without storing it.

:func:`check` takes an uploaded body and its media type, parses it into an in-memory
pyoxigraph store together with the ontology (and, when asked, the public data of a
store as context, or one municipality's role model of it), validates that at a
reference date and in a language, and returns the report. Nothing is written to any
store: the upload lives in a throw-away in-memory store.

What can be uploaded is a registry of parsers by media type (:data:`PARSERS`): the six
RDF formats pyoxigraph reads are registered here; a converter from another format (a
spreadsheet into RDF, say) registers itself with :func:`register_parser` and the web
face, the API and the command line offer it without a change of their own.

Bad input is a :class:`ValidationInputError` with a bilingual message, more precisely:
:class:`UploadTooLargeError` (over the size limit), :class:`UnsupportedUploadError` (a
media type nobody registered) and :class:`UploadSyntaxError` (with the line and column
of a parse error, where the parser gives them).
"""

from __future__ import annotations

import datetime as dt
import re
import xml.parsers.expat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from mag_graph.namespaces import MAGG, MAGID, Graphs
from mag_graph.resources import resource_files
from mag_graph.validation.data import _coerce
from mag_graph.validation.deadline import Deadline
from mag_graph.validation.engine import validate
from mag_graph.validation.errors import ValidationInputError
from mag_graph.validation.impact import affected_by
from mag_graph.validation.report import ValidationReport
from mag_graph.validation.scope import municipality_store
from mag_graph.validation.shape_reads import _reads_index

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
# Triples of a format without graphs (and the default graph of one with graphs) go here.
UPLOAD_GRAPH = MAGG["controle"]
# Relative IRIs in an upload resolve against the project's own base, as in data/*.trig.
BASE_IRI = str(MAGID)


class UploadError(ValidationInputError):
    """Something wrong with an upload (size, media type, syntax)."""


class UploadTooLargeError(UploadError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"de upload is te groot: {size} bytes, hoogstens {limit} / the upload is too large: {size} bytes, at most {limit}"
        )
        self.size = size
        self.limit = limit


class UnsupportedUploadError(UploadError):
    def __init__(self, media_type: str) -> None:
        accepted = ", ".join(PARSERS)
        super().__init__(
            f"onbekend formaat {media_type!r} (bekend: {accepted}) / unknown format {media_type!r} (known: {accepted})"
        )
        self.media_type = media_type
        self.accepted = list(PARSERS)


class UploadSyntaxError(UploadError):
    """A parse error, with its place in the upload when the parser tells it."""

    def __init__(self, label: str, message: str, line: int | None = None, column: int | None = None) -> None:
        if line is not None:
            where_nl = f" op regel {line}" + (f", kolom {column}" if column is not None else "")
            where_en = f" at line {line}" + (f", column {column}" if column is not None else "")
        else:
            where_nl = where_en = ""
        super().__init__(
            f"{label} is niet te lezen{where_nl}: {message} / cannot read the {label}{where_en}: {message}"
        )
        self.line = line
        self.column: int | str | None = column
        self.detail = message
        # For a problem document: its type's last part, and members besides line and column.
        self.slug = "invalid-rdf"
        self.members: dict[str, Any] = {}


@dataclass(frozen=True)
class UploadInfo:
    """What a converter may want to know besides the bytes: the file's name (for its
    messages), a store whose names it may look up (actors, phases: the check's context,
    or ``None`` for the converter's own default) and the language of messages."""

    name: str = "upload"
    names: Any | None = None
    lang: str = "nl"


class UploadQuads(list):  # type: ignore[type-arg]
    """The quads of an upload, and for a format with rows (a spreadsheet) where each
    resource came from (``locations``: ``{IRI: (sheet, row)}``) and the resources the
    upload describes whole (``replaces``: a check with context leaves out the context's
    own statements about them, as a row replaces what the store says)."""

    def __init__(self, quads: Iterable[ox.Quad] = (), locations: dict[str, tuple[str, int]] | None = None,
                 replaces: Iterable[str] = ()) -> None:
        super().__init__(quads)
        self.locations: dict[str, tuple[str, int]] = dict(locations or {})
        self.replaces: set[str] = set(replaces)


@dataclass(frozen=True)
class Parser:
    """One format an upload may come in: its media type, a short name (for a form or
    ``?format=``), a label, file suffixes, and the function that turns the bytes into
    quads (raising :class:`UploadSyntaxError`). With ``takes_info`` the function is
    called with an :class:`UploadInfo` too, and may return :class:`UploadQuads`."""

    media_type: str
    name: str
    label: str
    suffixes: tuple[str, ...]
    parse: Callable[..., Iterable[ox.Quad]]
    takes_info: bool = False


PARSERS: dict[str, Parser] = {}


def register_parser(parser: Parser) -> None:
    """Offer a format for uploads (a later registration for a media type replaces the
    earlier one)."""
    PARSERS[parser.media_type] = parser


def parser_for(media_type: str | None) -> Parser:
    """The parser of a media type (parameters such as ``charset`` ignored, any case);
    unknown is :class:`UnsupportedUploadError`."""
    essence = (media_type or "").split(";", 1)[0].strip().lower()
    found = PARSERS.get(essence) or next((p for p in PARSERS.values() if essence in _ALIASES.get(p.media_type, ())), None)
    if found is None:
        raise UnsupportedUploadError(essence or "-")
    return found


def parser_for_suffix(suffix: str) -> Parser | None:
    """The parser of a file suffix (``.ttl``, ``trig``), if any."""
    wanted = suffix.lower().lstrip(".")
    return next((p for p in PARSERS.values() if wanted in p.suffixes), None)


_ALIASES = {
    "text/turtle": ("application/x-turtle",),
    "application/ld+json": ("application/json",),
    "application/rdf+xml": ("application/xml", "text/xml"),
    "application/n-triples": ("text/plain",),
}


def _rdf_parser(fmt: ox.RdfFormat, label: str) -> Callable[[bytes], Iterable[ox.Quad]]:
    def parse(body: bytes) -> list[ox.Quad]:
        try:
            return list(ox.parse(body, format=fmt, base_iri=BASE_IRI))
        except SyntaxError as error:
            line, column = error.lineno, error.offset
            message = re.sub(r"^Parser error (at|between) [^:]*: ", "", str(error.msg or error))
            if line is None and fmt == ox.RdfFormat.RDF_XML:
                line, column = _xml_position(body)
            raise UploadSyntaxError(label, message, line, column) from None
        except ValueError as error:  # e.g. JSON-LD features pyoxigraph refuses
            raise UploadSyntaxError(label, str(error)) from None

    return parse


def _xml_position(body: bytes) -> tuple[int | None, int | None]:
    """Where an XML document stops being well-formed (pyoxigraph names no position for
    some RDF/XML errors); ``(None, None)`` when it is well-formed XML."""
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(body, True)
    except xml.parsers.expat.ExpatError as error:
        return error.lineno, error.offset + 1
    return None, None


for _fmt, _name, _label, _suffixes in (
    (ox.RdfFormat.TURTLE, "turtle", "Turtle", ("ttl", "turtle")),
    (ox.RdfFormat.TRIG, "trig", "TriG", ("trig",)),
    (ox.RdfFormat.N_TRIPLES, "ntriples", "N-Triples", ("nt",)),
    (ox.RdfFormat.N_QUADS, "nquads", "N-Quads", ("nq",)),
    (ox.RdfFormat.JSON_LD, "jsonld", "JSON-LD", ("jsonld", "json")),
    (ox.RdfFormat.RDF_XML, "rdfxml", "RDF/XML", ("rdf", "owl", "xml")),
):
    register_parser(Parser(_fmt.media_type, _name, _label, _suffixes, _rdf_parser(_fmt, _label)))


def parse_upload(body: bytes, media_type: str | None, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 info: UploadInfo | None = None) -> UploadQuads:
    """The quads of an upload, triples (and the default graph) placed in
    :data:`UPLOAD_GRAPH`. Over ``max_bytes``, an unknown media type or unreadable text
    raise the errors above. ``info`` goes to a converter that takes it."""
    if len(body) > max_bytes:
        raise UploadTooLargeError(len(body), max_bytes)
    parser = parser_for(media_type)
    upload = ox.NamedNode(str(UPLOAD_GRAPH))
    parsed = parser.parse(body, info or UploadInfo()) if parser.takes_info else parser.parse(body)
    quads = UploadQuads(locations=getattr(parsed, "locations", None), replaces=getattr(parsed, "replaces", ()))
    for quad in parsed:
        if isinstance(quad.graph_name, ox.DefaultGraph):
            quad = ox.Quad(quad.subject, quad.predicate, quad.object, upload)
        quads.append(quad)
    return quads


@lru_cache(maxsize=1)
def _ontology_quads() -> tuple[ox.Quad, ...]:
    store = ox.Store()
    for path in resource_files("ontology", "*.ttl"):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(Graphs.ONTOLOGY)))
    return tuple(store)


def prepare() -> None:
    """Work out, once per day and process, what every shape reads (the analysis behind
    a check with context, some seconds at first); a server calls it in the background
    when someone opens the upload form, so the first check does not wait for it."""
    _reads_index(dt.date.today(), None)


def read_files(paths: Iterable[str | Path], *, max_bytes: int | None = None, names: Any | None = None,
               lang: str = "nl") -> UploadQuads:
    """The quads of files, each parsed by the parser of its suffix (as an upload of that
    media type is: the same errors, with line and column); a message naming the file.
    ``names`` is the store a converter looks names up in (see :class:`UploadInfo`)."""
    quads = UploadQuads()
    for raw in paths:
        path = Path(raw)
        parser = parser_for_suffix(path.suffix)
        if parser is None:
            raise UnsupportedUploadError(path.suffix or path.name)
        try:
            body = path.read_bytes()
        except OSError as error:
            raise ValidationInputError(f"bestand niet te lezen / cannot read file: {path} ({error.strerror})") from None
        try:
            info = UploadInfo(name=path.name, names=names, lang=lang)
            parsed = parse_upload(body, parser.media_type, max_bytes=max_bytes or max(len(body), 1), info=info)
        except UploadSyntaxError as error:
            if type(error) is not UploadSyntaxError:  # a converter's own error names its file already
                raise
            raise UploadSyntaxError(f"{parser.label} ({path})", error.detail, error.line, error.column) from None
        quads += parsed
        quads.locations.update(parsed.locations)
        quads.replaces.update(parsed.replaces)
    return quads


def check(
    body: bytes,
    media_type: str | None,
    *,
    date: dt.date | None = None,
    lang: str = "nl",
    rules: Iterable[str] | None = None,
    context: Any | None = None,
    municipality: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    name: str = "upload",
    deadline: float | Deadline | None = None,
) -> ValidationReport:
    """Validate an upload without storing it; the :class:`~.report.ValidationReport`.

    Without ``context`` the upload is validated on its own, with the ontology (as
    ``mag-graph validate FILE`` does). With ``context`` (a store, or whatever
    :func:`~.engine.validate` takes) the upload is validated together with that data,
    or with one ``municipality``'s role model of it (:mod:`.scope`), and the report
    holds the findings about the resources the upload can affect (the incremental
    analysis of :mod:`.impact`), not the context's own findings elsewhere. ``name`` is the
    file's name, for a converter's messages (a CSV's sheet is named after it).
    ``deadline`` limits the time as in :func:`~.engine.validate` (raising
    :class:`~.errors.ValidationTimeoutError`); none by default."""
    info = UploadInfo(name=name, names=context, lang=lang)
    quads = parse_upload(body, media_type, max_bytes=max_bytes, info=info)
    return check_quads(quads, date=date, lang=lang, rules=rules, context=context, municipality=municipality,
                       deadline=deadline)


def check_quads(
    quads: list[ox.Quad],
    *,
    date: dt.date | None = None,
    lang: str = "nl",
    rules: Iterable[str] | None = None,
    context: Any | None = None,
    municipality: str | None = None,
    engine: str | None = None,
    deadline: float | Deadline | None = None,
) -> ValidationReport:
    """:func:`check` of quads already parsed (from :func:`parse_upload` or :func:`read_files`)."""
    limit = Deadline.of(deadline)
    store = ox.Store()
    store.extend(_ontology_quads())
    if context is None and municipality is not None:
        raise ValidationInputError(
            "een gemeente kiest een deel van de context; geef ook de context / "
            "a municipality selects part of the context; give the context too"
        )
    locations = dict(getattr(quads, "locations", {}))
    if context is None:
        store.extend(quads)
        return _located(validate(store, date=date, lang=lang, rules=rules, engine=engine, deadline=limit), locations)
    base = municipality_store(context, municipality) if municipality is not None else _coerce(context)
    replaced = {ox.NamedNode(iri) for iri in getattr(quads, "replaces", ())}
    store.extend(q for q in base if q.subject not in replaced)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    # What an upload can affect does not depend on the reference date (the date is a
    # constant in FILTERs, not a pattern), so the analysis runs with today's, which the
    # server's CMS keeps warm, and the validation with the asked one.
    if limit is not None:
        limit.check()
    before = affected_by(store, triples, rules=rules)
    store.extend(quads)
    if limit is not None:
        limit.check()
    after = affected_by(store, triples, rules=rules)
    mentioned = {URIRef(t.subject.value) for t in triples if isinstance(t.subject, ox.NamedNode)}
    report = validate(store, date=date, lang=lang, rules=rules, focus_nodes=before | after | mentioned,
                      deadline=limit)
    return _located(report, locations)


def _located(report: ValidationReport, locations: dict[str, tuple[str, int]]) -> ValidationReport:
    """The report with the rows the focus nodes came from (for an upload with rows)."""
    report.locations = dict(locations)
    return report
