"""Shared machinery of the open-data importers (TOOI, gemeenten, regelingen, CBS).

Every importer works the same way, so that people can rely on three promises:

* **Per record, not per file.** A source holds many records (a JSON-LD node, a YAML file,
  a CBS row). A record that cannot be read is reported as (file, record, reason) and left
  out; the rest is imported. Its half-built statements never reach the store: a record's
  statements are staged in a :class:`RecordScope` and only kept when the whole record was
  mapped.
* **All or nothing.** What an import writes is applied in one store transaction
  (:meth:`mag_graph.store.Store.transaction`). With ``strict`` a single skipped record
  refuses the whole import and the store stays as it was.
* **Idempotent.** An import *replaces* the content of its target named graphs
  (``magg:tooi-gemeenten``, ``magg:gemeenten-register``, ``magg:regelingen``,
  ``magg:cbs-...``), writing only the difference. Every IRI it mints is derived from the
  source (TOOI codes, ROO ids, names, CBS keys), never from a counter or the clock, and no
  blank nodes are minted, so importing the same data again gives the same graph, not a
  second copy, and writes nothing.

The statements are built as pyoxigraph terms directly (not rdflib terms): the national
snapshot yields a few hundred thousand statements, and converting each one would cost
more than the whole store write.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
import re
import sys
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox
from rdflib import URIRef

from mag_graph.namespaces import DCTERMS, MAG, MAGG, MAGID, RDF, RDFS, XSD
from mag_graph.store import GraphStore, MagGraphError, Store, unfinished
from mag_graph.store.crashpoints import IMPORT_STEP, crash_point

__all__ = [
    "EXAMPLE_SHORT_CODES",
    "ImportFailed",
    "ImportReport",
    "NewTerms",
    "RecordError",
    "RecordScope",
    "SkippedRecord",
    "Staging",
    "as_date",
    "as_decimal",
    "as_integer",
    "commit_import",
    "expand_paths",
    "iri",
    "lit",
    "load_yaml",
    "org_ref",
    "progress",
    "roo_location",
    "slugify",
]

T = TypeVar("T")

# The example municipalities have a short code in the IRIs of things that belong to them
# (docs/model.md, "Identifiers"). Importers mint IRIs with the same codes, so a
# participation of Maassluis imported from the register is `deelname:ms-rogplus`, the very
# resource the example already describes, and the two link instead of duplicating.
EXAMPLE_SHORT_CODES: dict[str, str] = {"gm0523": "hg", "gm0556": "ms", "gm1978": "ml"}

# Source documents that imported statements cite (dcterms:source -> a mag:SourceLocation
# whose mag:inSourceDocument is one of these). bron/roo is declared in data/bronnen.ttl.
BRON_ROO = "https://data.mag-graph.nl/id/bron/roo"
BRON_TOOI = "https://data.mag-graph.nl/id/bron/tooi"
BRON_CBS = "https://data.mag-graph.nl/id/bron/cbs-statline"

TOOI_ID = "https://identifier.overheid.nl/tooi/id/"
_TOOI_CODE = re.compile(r"^https://identifier\.overheid\.nl/tooi/id/[a-z_]+/([a-z]{2,6}[0-9_a-z]*)$")



class NewTerms:
    """The register identifiers and figures of ``ontology/mag.ttl`` as pyoxigraph terms."""

    oin = ox.NamedNode(str(MAG.oin))
    kvkNumber = ox.NamedNode(str(MAG.kvkNumber))
    inhabitants = ox.NamedNode(str(MAG.inhabitants))
    councilSeats = ox.NamedNode(str(MAG.councilSeats))


# --------------------------------------------------------------------------- errors and reports


class ImportFailed(MagGraphError):
    """An import that cannot go ahead (missing path, strict mode with a bad record, an
    unknown CBS table...). The store is unchanged when this is raised."""


class RecordError(Exception):
    """One record cannot be mapped; the message is the reason people read (Dutch / English)."""


@dataclass(frozen=True)
class SkippedRecord:
    """A record left out of an import: where it is and why."""

    file: str
    record: str
    reason: str

    def __str__(self) -> str:
        where = self.file if not self.record else f"{self.file}: {self.record}"
        return f"{where}: {self.reason}"

    def to_dict(self) -> dict[str, str]:
        return {"file": self.file, "record": self.record, "reason": self.reason}


@dataclass
class ImportReport:
    """What an import read, wrote and left out.

    ``skipped`` are records that could not be read (errors: ``strict`` refuses them);
    ``ignored`` are records that were read fine but are outside what the importer maps
    (e.g. the ROO's thematic overview pages among the regelingen), so they do not make
    a strict import fail; ``warnings`` are smaller gaps inside imported records (a
    successor that is not in the import, an unknown legal form...).
    """

    source: str
    graphs: list[str] = field(default_factory=list)
    files: int = 0
    records_read: int = 0
    records_imported: int = 0
    skipped: list[SkippedRecord] = field(default_factory=list)
    ignored: list[SkippedRecord] = field(default_factory=list)
    warnings: list[SkippedRecord] = field(default_factory=list)
    triples: int = 0
    added: int = 0
    removed: int = 0
    seconds: float = 0.0
    details: dict[str, int] = field(default_factory=dict)

    def skip(self, file: str, record: str, reason: str) -> None:
        self.skipped.append(SkippedRecord(file, record, reason))

    def ignore(self, file: str, record: str, reason: str) -> None:
        self.ignored.append(SkippedRecord(file, record, reason))

    def warn(self, file: str, record: str, reason: str) -> None:
        self.warnings.append(SkippedRecord(file, record, reason))

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "graphs": list(self.graphs),
            "files": self.files,
            "recordsRead": self.records_read,
            "recordsImported": self.records_imported,
            "skipped": [s.to_dict() for s in self.skipped],
            "ignored": [s.to_dict() for s in self.ignored],
            "warnings": [s.to_dict() for s in self.warnings],
            "triples": self.triples,
            "added": self.added,
            "removed": self.removed,
            "seconds": round(self.seconds, 3),
            "details": dict(self.details),
        }

    def summary_lines(self, *, limit: int = 20) -> list[str]:
        """The report as people read it on a terminal, Dutch first."""
        lines = [
            (
                f"{self.source}: {self.files} bestand(en) / file(s), "
                f"{self.records_read} records gelezen / read, {self.records_imported} geïmporteerd / imported, "
                f"{len(self.skipped)} overgeslagen / skipped, {len(self.ignored)} buiten bereik / out of scope"
            ),
            (
                f"{self.triples} triples in {', '.join(self.graphs) or '-'} "
                f"(+{self.added} / -{self.removed} gewijzigd / changed; {self.seconds:.2f} s)"
            ),
        ]
        for name, value in sorted(self.details.items()):
            lines.append(f"  {name}: {value}")
        for title, items in (
            ("overgeslagen / skipped", self.skipped),
            ("waarschuwingen / warnings", self.warnings),
            ("buiten bereik / out of scope", self.ignored),
        ):
            if not items:
                continue
            lines.append(f"{title}:")
            lines.extend(f"  {item}" for item in items[:limit])
            if len(items) > limit:
                lines.append(f"  ... en nog {len(items) - limit} / and {len(items) - limit} more")
        return lines


# --------------------------------------------------------------------------- terms


@functools.lru_cache(maxsize=65536)
def iri(value: str | URIRef) -> ox.NamedNode:
    """A pyoxigraph IRI; cached because the same predicates and classes recur constantly.
    Raises :class:`RecordError` for text that is not an IRI (bad source data)."""
    try:
        return ox.NamedNode(str(value))
    except ValueError as exc:
        raise RecordError(f"ongeldige IRI / invalid IRI {str(value)!r}: {exc}") from None


_XSD_STRING = str(XSD.string)


def lit(value: Any, *, lang: str | None = None, datatype: str | URIRef | None = None) -> ox.Literal:
    """A literal: ``lang`` for text in a language, ``datatype`` for typed values."""
    text = str(value)
    if lang:
        return ox.Literal(text, language=lang)
    if datatype is not None and str(datatype) != _XSD_STRING:
        return ox.Literal(text, datatype=iri(str(datatype)))
    return ox.Literal(text)


def date_lit(value: dt.date) -> ox.Literal:
    return lit(value.isoformat(), datatype=XSD.date)


def as_date(value: Any, what: str) -> dt.date:
    """A date from a source value (YAML gives ``date`` objects or ISO strings)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else dt.date.fromisoformat(text)
    except ValueError:
        raise RecordError(f"{what}: {text!r} is geen datum / is not a date") from None


def as_integer(value: Any, what: str) -> int:
    """A whole number from a source value (digits, possibly as text)."""
    if isinstance(value, bool):
        raise RecordError(f"{what}: {value!r} is geen geheel getal / is not an integer")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise RecordError(f"{what}: {text!r} is geen geheel getal / is not an integer")
    return int(text)


def as_decimal(value: Any, what: str) -> Decimal:
    """A number from a source value (int, float or numeric text); floats go through
    ``repr`` so 0.1 stays 0.1 and does not become 0.1000000000000000055..."""
    if isinstance(value, bool):
        raise RecordError(f"{what}: {value!r} is geen getal / is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise RecordError(f"{what}: {value!r} is geen eindig getal / is not a finite number")
        return Decimal(repr(value))
    text = str(value).strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise RecordError(f"{what}: {text!r} is geen getal / is not a number") from None
    if not number.is_finite():
        raise RecordError(f"{what}: {text!r} is geen eindig getal / is not a finite number")
    return number


def decimal_lit(number: Decimal) -> ox.Literal:
    """An ``xsd:decimal`` in the form Oxigraph writes it back (``1002``, ``2.43``), so a
    re-import finds the very same literal in the store and changes nothing."""
    text = format(number.normalize(), "f")
    if text in ("-0", "+0"):
        text = "0"
    return lit(text, datatype=XSD.decimal)


def slugify(text: str) -> str:
    """Lower-case kebab for IRIs (docs/model.md): accents dropped, anything else a hyphen."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def tooi_code(org_iri: str) -> str | None:
    """The code at the end of a TOOI organisation IRI (``gm0556``, ``pv28``, ``so0851``)."""
    match = _TOOI_CODE.match(org_iri)
    return match.group(1) if match else None


def org_ref(org_iri: str, roo_id: str | None = None) -> str:
    """The ``{ref}`` of things that belong to one organisation: the example's short code
    (``ms``), else the TOOI code (``gm0606``, ``pv28``), else ``roo`` + the ROO id."""
    code = tooi_code(org_iri)
    if code is not None:
        return EXAMPLE_SHORT_CODES.get(code, code)
    if roo_id:
        return f"roo{slugify(roo_id)}"
    return slugify(org_iri.rsplit("/", 1)[-1]) or "org"


# --------------------------------------------------------------------------- staging


class RecordScope:
    """The statements of one record, kept only if the whole record maps (see module doc)."""

    def __init__(self, staging: Staging, graph: ox.NamedNode) -> None:
        self._staging = staging
        self.graph = graph
        self.quads: list[ox.Quad] = []

    def add(self, s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode, o: Any) -> None:
        self.quads.append(ox.Quad(s, p, o, self.graph))

    def add_all(self, s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode, objects: Iterable[Any]) -> None:
        for o in objects:
            self.quads.append(ox.Quad(s, p, o, self.graph))


class Staging:
    """Statements per target graph, collected before anything is written."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self._quads: dict[ox.Quad, None] = {}
        self._graphs: dict[ox.NamedNode, None] = {}

    def target(self, graph: str | URIRef) -> ox.NamedNode:
        """Declare a graph this import replaces (even when it ends up empty)."""
        node = iri(str(graph))
        self._graphs[node] = None
        return node

    @property
    def graphs(self) -> list[ox.NamedNode]:
        return list(self._graphs)

    def scope(self, graph: ox.NamedNode) -> RecordScope:
        """A scope for statements that belong together but are not one source record
        (shared resources such as source locations); kept with :meth:`keep`."""
        return RecordScope(self, graph)

    def keep(self, scope: RecordScope) -> None:
        for q in scope.quads:
            self._quads[q] = None
        scope.quads = []

    @contextlib.contextmanager
    def record(self, graph: ox.NamedNode, file: str, record: str) -> Iterator[RecordScope]:
        """Map one record: statements added to the yielded scope are kept when the block
        ends normally; a :class:`RecordError` (or a data error such as a missing key)
        skips the record with its reason and the block's statements are dropped."""
        scope = RecordScope(self, graph)
        try:
            yield scope
        except RecordError as exc:
            self.report.skip(file, record, str(exc))
            return
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            self.report.skip(file, record, _data_error(exc))
            return
        self.keep(scope)
        self.report.records_imported += 1

    def __len__(self) -> int:
        return len(self._quads)

    def quads(self) -> Iterable[ox.Quad]:
        return self._quads.keys()


def _data_error(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"verplicht veld ontbreekt / required field missing: {exc.args[0]!r}"
    if isinstance(exc, (TypeError, AttributeError)):
        return f"onverwachte structuur / unexpected structure: {exc}"
    return f"onleesbare waarde / unreadable value: {exc}"


def commit_import(store: GraphStore | Store, staging: Staging, *, strict: bool, started: float) -> ImportReport:
    """Make the import's target graphs hold exactly the staged statements, in one
    transaction; with ``strict`` refuse everything when a record was skipped.

    Only the difference is written: what the graph holds and the import no longer states
    is removed, what is new is added. Re-importing the same data therefore writes
    nothing at all (a full replace of ~100,000 statements costs seconds on disk), and a
    new snapshot changes only what changed in it. The importers mint no blank nodes, so
    the comparison is exact.
    """
    report = staging.report
    if strict and report.skipped:
        shown = "; ".join(str(s) for s in report.skipped[:5])
        more = f" (+{len(report.skipped) - 5})" if len(report.skipped) > 5 else ""
        raise ImportFailed(
            f"--strict: {len(report.skipped)} record(s) niet leesbaar, er is niets geïmporteerd",
            f"{len(report.skipped)} unreadable record(s), nothing was imported: {shown}{more}",
        )
    staged = set(staging.quads())
    # One transaction: a killed import writes nothing, and its marker tells the next open
    # (mag_graph.store.unfinished) so stats and serve can say it did not happen.
    with unfinished.started(store.location, "import", [_short_graph(g.value) for g in staging.graphs], atomic=True), \
            store.transaction() as tx:
        for graph in staging.graphs:
            for quad in _graph_content(store, graph):
                if quad in staged:
                    staged.discard(quad)
                else:
                    tx.remove(quad)
                    report.removed += 1
        for quad in staged:
            tx.add(quad)
        report.added = len(staged)
        crash_point(IMPORT_STEP)  # test-only (MAG_GRAPH_CRASH_AT=import)
    report.graphs = [_short_graph(g.value) for g in staging.graphs]
    report.triples = len(staging)
    report.seconds = time.perf_counter() - started
    return report


def _graph_content(store: GraphStore | Store, graph: ox.NamedNode) -> list[ox.Quad]:
    """What a graph holds now, as pyoxigraph quads (read through the store's own export,
    N-Triples, which keeps blank node labels as stored)."""
    name = URIRef(graph.value)
    if not store.has_graph(name):
        return []
    data = store.export(graph=name, format="ntriples") or b""
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(input=data, format=ox.RdfFormat.N_TRIPLES)]


def _short_graph(value: str) -> str:
    return "magg:" + value[len(str(MAGG)) :] if value.startswith(str(MAGG)) else f"<{value}>"


# --------------------------------------------------------------------------- sources


def expand_paths(paths: Sequence[str | Path], suffixes: Sequence[str], what: str) -> list[Path]:
    """The files to import: files as given, directories searched (recursively, sorted)
    for files with one of ``suffixes``. A path that does not exist is an error."""
    if not paths:
        raise ImportFailed(f"geen {what} opgegeven", f"no {what} given")
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
            if not found:
                raise ImportFailed(
                    f"geen {what} ({', '.join(suffixes)}) in map {path}",
                    f"no {what} ({', '.join(suffixes)}) in directory {path}",
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ImportFailed(f"pad niet gevonden: {path}", f"path not found: {path}")
    return files


@functools.lru_cache(maxsize=1)
def _yaml_loader() -> Any:
    """A safe YAML loader (libyaml when available) that keeps numbers as text.

    YAML 1.1 reads ``ictu: 00123`` as the octal number 83 and ``oin: 000...1000`` as an
    integer without its leading zeros; identifiers must stay exactly as written, so the
    int and float resolvers are removed and the importers convert numbers themselves.
    """
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    dropped = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}

    class TextNumberLoader(base):  # type: ignore[misc, valid-type]
        pass

    TextNumberLoader.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag not in dropped]
        for key, resolvers in base.yaml_implicit_resolvers.items()
    }
    return TextNumberLoader


def load_yaml(path: Path) -> Any:
    """One YAML document; a syntax error becomes a :class:`RecordError` with its position."""
    import yaml

    try:
        with path.open("rb") as handle:
            return yaml.load(handle, Loader=_yaml_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (regel / line {mark.line + 1}, kolom / column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RecordError(f"ongeldige YAML / invalid YAML{where}: {problem}") from None
    except UnicodeDecodeError as exc:
        raise RecordError(f"geen UTF-8 / not UTF-8: {exc}") from None
    except OSError as exc:
        raise RecordError(f"onleesbaar / unreadable: {exc.strerror or exc}") from None


def progress(items: Iterable[T], *, total: int | None, description: str, enabled: bool) -> Iterable[T]:
    """A tqdm bar on stderr (only on a terminal, so logs and tests stay clean)."""
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(
        items,
        total=total,
        desc=description,
        unit="rec",
        file=sys.stderr,
        leave=False,
        dynamic_ncols=True,
        disable=None,
    )


def roo_location(scope: RecordScope, url: str, roo_id: str) -> ox.NamedNode:
    """Declare a register record URL as a ``mag:SourceLocation`` in the ROO, in the same
    form as ``data/bronnen.ttl`` does, and return it for ``dcterms:source``."""
    node = iri(url)
    scope.add(node, iri(RDF.type), iri(MAG.SourceLocation))
    scope.add(node, iri(RDFS.label), lit(f"ROO {roo_id}: {url.rstrip('/').rsplit('/', 1)[-1]}", lang="nl"))
    scope.add(node, iri(MAG.inSourceDocument), iri(BRON_ROO))
    scope.add(node, iri(MAG.locator), lit(roo_id))
    return node


def source_document(scope: RecordScope, node: str, title_nl: str, title_en: str, page: str) -> ox.NamedNode:
    """Declare a source document (``mag:SourceDocument``) other than the shipped five."""
    subject = iri(node)
    scope.add(subject, iri(RDF.type), iri(MAG.SourceDocument))
    scope.add(subject, iri(DCTERMS.title), lit(title_nl, lang="nl"))
    scope.add(subject, iri(DCTERMS.title), lit(title_en, lang="en"))
    scope.add(subject, iri("http://xmlns.com/foaf/0.1/page"), iri(page))
    return subject


def describe_graph(scope: RecordScope, title_nl: str, title_en: str, source: ox.NamedNode, municipality: str | None = None) -> None:
    """The catalogue entry of an import graph, inside the graph itself (``magg:catalogus``
    belongs to ``mag-graph init``, which would drop entries written there)."""
    graph = scope.graph
    scope.add(graph, iri(RDF.type), iri(MAG.DataGraph))
    scope.add(graph, iri(DCTERMS.title), lit(title_nl, lang="nl"))
    scope.add(graph, iri(DCTERMS.title), lit(title_en, lang="en"))
    scope.add(graph, iri(MAG.illustrative), lit("false", datatype=XSD.boolean))
    scope.add(graph, iri(DCTERMS.source), source)
    if municipality is not None:
        scope.add(graph, iri(MAG.municipality), iri(municipality))


def magid(path: str) -> ox.NamedNode:
    """A thing's IRI under ``https://data.mag-graph.nl/id/``."""
    return iri(str(MAGID) + path)


def started_clock() -> float:
    return time.perf_counter()
