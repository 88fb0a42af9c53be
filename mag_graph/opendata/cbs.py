"""Import CBS StatLine figures for a municipality as baseline observations (RDF Data Cube).

A Startfoto is "all available figures" about a municipality (source 001); CBS publishes
most of them, e.g. the table *Kerncijfers wijken en buurten* (85984NED for 2024). This
importer turns the rows of one table for one municipality into the same Data Cube shape
the example's Startfoto uses, so the figures can serve as the baseline (Nulmeting) of an
indicator without any conversion:

==============================  ============================================================
CBS OData                       RDF
==============================  ============================================================
table + municipality            ``startfoto:{ref}-cbs-{table}``: ``mag:BaselineSnapshot``
                                (a ``qb:DataSet``), ``qb:structure mag:IndicatorStructure``,
                                ``mag:municipality`` the TOOI IRI (from the GM code)
DataProperties topic            ``indicator:cbs-{topic}`` (``mag:Indicator``, label = Title,
                                ``mag:unitOfMeasure`` = Unit, ``skos:notation`` = the key);
                                other (non-geo, non-time) dimensions become part of the
                                indicator: ``indicator:cbs-{topic}-{value}``
one cell of a row               ``waarneming:{ref}-cbs-{table}-{topic}-{year}``:
                                ``mag:IndicatorObservation`` with ``mag:indicator``,
                                ``mag:referenceYear`` (the time dimension, else the table's
                                period), ``mag:observationKind magb:Nulmeting``,
                                ``mag:value`` (``xsd:decimal``), ``qb:dataSet``
==============================  ============================================================

Text columns (municipality name, postcode, region kind) are not figures and are left out;
empty cells (``null``, CBS's ``.``) give no observation. A row with a value that is not a
number is a skipped record.

Sources: live with the ``cbsodata`` package when there is a network (``table`` +
``municipality``), or a saved JSON file in one of the forms the CBS OData API and
``cbsodata`` produce:

* ``{"TableInfos": [...], "DataProperties": [...], "TypedDataSet": [...]}`` (what
  ``cbsodata.download_data`` returns; ``--save`` writes this form);
* an OData response ``{"odata.metadata": ".../OData/85984NED/$metadata#...", "value": [rows]}``;
* a plain list of rows (``cbsodata.get_data``), or a folder that ``cbsodata`` saved with
  ``dir=`` (``TableInfos.json``, ``DataProperties.json``, ``TypedDataSet.json``).

Without ``DataProperties`` the columns' keys serve as labels and numbers are recognised
by value. One graph per table and municipality, ``magg:cbs-{table}-{gm0523}``, replaced
on re-import.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from rdflib import URIRef

from mag_graph.namespaces import (
    DCTERMS,
    MAG,
    MAGB,
    MAGG,
    QB,
    RDF,
    RDFS,
    SKOS,
    TOOI,
    XSD,
)
from mag_graph.store import GraphStore, Store

from .common import (
    BRON_CBS,
    ImportFailed,
    ImportReport,
    RecordError,
    Staging,
    as_decimal,
    commit_import,
    decimal_lit,
    describe_graph,
    iri,
    lit,
    magid,
    org_ref,
    progress,
    slugify,
    source_document,
    started_clock,
)

__all__ = ["CBS_ODATA", "CBS_TABLE_KWB_2024", "CbsTable", "cbs_graph", "download_cbs", "import_cbs", "read_cbs_file"]

CBS_ODATA = "https://opendata.cbs.nl/ODataApi/OData/"
CBS_TABLE_KWB_2024 = "85984NED"  # Kerncijfers wijken en buurten 2024

_TABLE_ID = re.compile(r"^[0-9]{5}[A-Za-z]{3}$|^[0-9]{4,6}[A-Za-z]{2,4}$")
_GM_CODE = re.compile(r"^GM[0-9]{4}$")
_NUMERIC_TYPES = {"long", "integer", "int", "int32", "int64", "short", "byte", "double", "float", "decimal", "single"}
_MISSING = {"", ".", "x", "-"}
_ODATA_TABLE = re.compile(r"/OData/([0-9A-Za-z]+)/", re.IGNORECASE)
_YEAR_PERIOD = re.compile(r"^((?:19|20)[0-9]{2})JJ00$")
_SKIP_KEYS = {"ID", "odata.type"}
_RDF_TYPE = iri(RDF.type)
_LABEL = iri(RDFS.label)


def cbs_graph(table: str, municipality: str) -> URIRef:
    """``magg:cbs-{table}-{gm0523}``: one graph per CBS table and municipality."""
    return MAGG[f"cbs-{table.lower()}-{municipality.lower()}"]


@dataclass
class CbsTable:
    """A CBS table as read from the API or a file: metadata (possibly empty) and rows."""

    table_id: str | None
    title: str | None = None
    period: str | None = None
    properties: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    dimension_titles: dict[str, dict[str, str]] = field(default_factory=dict)
    label: str = ""

    def to_json(self) -> dict[str, Any]:
        """The ``cbsodata.download_data`` form, for ``--save`` (re-readable by :func:`read_cbs_file`)."""
        data: dict[str, Any] = {
            "TableInfos": [{"Identifier": self.table_id, "Title": self.title, "Period": self.period}],
            "DataProperties": self.properties,
            "TypedDataSet": self.rows,
        }
        for key, titles in self.dimension_titles.items():
            data[key] = [{"Key": k, "Title": t} for k, t in titles.items()]
        return data


def _from_mapping(data: dict[str, Any], label: str, table_hint: str | None) -> CbsTable:
    if "value" in data and isinstance(data["value"], list):
        match = _ODATA_TABLE.search(str(data.get("odata.metadata", "")))
        return CbsTable(table_id=match.group(1) if match else table_hint, rows=data["value"], label=label)
    rows = data.get("TypedDataSet", data.get("UntypedDataSet"))
    if not isinstance(rows, list):
        raise ImportFailed(
            f"{label}: geen CBS-tabel (verwacht TypedDataSet, UntypedDataSet of een OData-'value'-lijst)",
            f"{label}: not a CBS table (expected TypedDataSet, UntypedDataSet or an OData 'value' list)",
        )
    infos = data.get("TableInfos") or [{}]
    info = infos[0] if isinstance(infos, list) and infos and isinstance(infos[0], dict) else {}
    properties = [p for p in data.get("DataProperties") or [] if isinstance(p, dict)]
    titles: dict[str, dict[str, str]] = {}
    for prop in properties:
        key = prop.get("Key")
        if prop.get("Type") in ("Dimension", "GeoDimension", "TimeDimension") and isinstance(data.get(key), list):
            titles[key] = {str(d.get("Key")): str(d.get("Title")) for d in data[key] if isinstance(d, dict)}
    return CbsTable(
        table_id=str(info.get("Identifier") or table_hint or "") or None,
        title=info.get("Title"),
        period=str(info["Period"]) if info.get("Period") else None,
        properties=properties,
        rows=rows,
        dimension_titles=titles,
        label=label,
    )


def read_cbs_file(path: str | Path, *, table: str | None = None) -> CbsTable:
    """A saved CBS table (see the module doc for the accepted forms)."""
    source = Path(path)
    label = str(source)
    try:
        if source.is_dir():
            parts: dict[str, Any] = {}
            for name in ("TableInfos", "DataProperties", "TypedDataSet", "UntypedDataSet"):
                part = source / f"{name}.json"
                if part.is_file():
                    parts[name] = json.loads(part.read_text(encoding="utf-8"))
            for prop in parts.get("DataProperties") or []:
                key = prop.get("Key") if isinstance(prop, dict) else None
                if key and (source / f"{key}.json").is_file():
                    parts[key] = json.loads((source / f"{key}.json").read_text(encoding="utf-8"))
            data: Any = parts
        elif source.is_file():
            data = json.loads(source.read_text(encoding="utf-8"))
        else:
            raise ImportFailed(f"pad niet gevonden: {source}", f"path not found: {source}")
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"{label}: ongeldige JSON (regel {exc.lineno}, kolom {exc.colno}): {exc.msg}",
            f"{label}: invalid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}",
        ) from None
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{label}: geen UTF-8: {exc}", f"{label}: not UTF-8: {exc}") from None
    if isinstance(data, list):
        return CbsTable(table_id=table, rows=data, label=label)
    if isinstance(data, dict):
        parsed = _from_mapping(data, label, table)
        if table and parsed.table_id and parsed.table_id.upper() != table.upper():
            raise ImportFailed(
                f"{label} bevat tabel {parsed.table_id}, niet {table}",
                f"{label} holds table {parsed.table_id}, not {table}",
            )
        return parsed
    raise ImportFailed(f"{label}: geen CBS-tabel", f"{label}: not a CBS table")


def download_cbs(table: str, municipality: str, *, timeout: float = 60.0) -> CbsTable:
    """Fetch one municipality's rows of a table live from CBS with ``cbsodata``."""
    try:
        import cbsodata
        import requests
    except ImportError:
        raise ImportFailed(
            "het pakket cbsodata is niet geïnstalleerd; gebruik --file met een opgeslagen tabel",
            "the cbsodata package is not installed; use --file with a saved table",
        ) from None
    try:
        properties = cbsodata.get_meta(table, "DataProperties", timeout=timeout)
        geo = next((p["Key"] for p in properties if p.get("Type") == "GeoDimension"), None)
        filters = f"startswith({geo},'{municipality}')" if geo else None
        data = cbsodata.download_data(table, typed=True, filters=filters, timeout=timeout)
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status == 404:
            raise ImportFailed(f"onbekende CBS-tabel {table}", f"unknown CBS table {table}") from None
        raise ImportFailed(f"CBS gaf een fout voor tabel {table}: {exc}", f"CBS returned an error for table {table}: {exc}") from None
    except requests.Timeout:
        raise ImportFailed(
            f"CBS antwoordde niet binnen {timeout:g} s; gebruik --file met een opgeslagen tabel",
            f"CBS did not answer within {timeout:g} s; use --file with a saved table",
        ) from None
    except requests.RequestException as exc:
        raise ImportFailed(
            f"CBS StatLine is niet bereikbaar ({type(exc).__name__}); gebruik --file met een opgeslagen tabel",
            f"CBS StatLine cannot be reached ({type(exc).__name__}); use --file with a saved table",
        ) from None
    return _from_mapping(data, f"{CBS_ODATA}{table}", table)


# --------------------------------------------------------------------------- mapping


def _topic_slug(key: str) -> str:
    """``AantalInwoners_5`` -> ``aantal-inwoners``; ``k_0Tot15Jaar_8`` -> ``k-0-tot-15-jaar``."""
    base = re.sub(r"_[0-9]+$", "", key)
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z0-9])|(?<=[0-9])(?=[A-Za-z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", base)
    return slugify(spaced) or slugify(key)


@dataclass
class _Columns:
    geo: str | None
    time: str | None
    dimensions: list[str]
    topics: dict[str, dict[str, Any]]  # key -> DataProperties entry (may be {})


def _columns(table: CbsTable) -> _Columns:
    geo = time = None
    dimensions: list[str] = []
    topics: dict[str, dict[str, Any]] = {}
    for prop in table.properties:
        kind, key = prop.get("Type"), prop.get("Key")
        if not key:
            continue
        if kind == "GeoDimension":
            geo = key
        elif kind == "TimeDimension":
            time = key
        elif kind == "Dimension":
            dimensions.append(key)
        elif kind == "Topic":
            datatype = str(prop.get("Datatype") or prop.get("DataType") or "").lower()
            if not datatype or datatype in _NUMERIC_TYPES:
                topics[key] = prop
    if not table.properties:
        keys: list[str] = []
        for row in table.rows:
            keys.extend(k for k in row if k not in keys)
        for key in keys:
            values = [row.get(key) for row in table.rows]
            if key in ("WijkenEnBuurten", "RegioS", "Gemeenten"):
                geo = key
            elif key == "Perioden":
                time = key
            elif key not in _SKIP_KEYS and all(_numeric_or_missing(v) for v in values) and any(
                not _is_missing(v) for v in values
            ):
                topics[key] = {}
    return _Columns(geo, time, dimensions, topics)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in _MISSING)


def _numeric_or_missing(value: Any) -> bool:
    if _is_missing(value) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return True
    if isinstance(value, str):
        try:
            Decimal(value.strip())
            return True
        except ArithmeticError:
            return False
    return False


def _row_code(row: dict[str, Any], columns: _Columns) -> str | None:
    """The GM code of a row: its geo dimension, else any column holding a GM code
    (``cbsodata.get_data`` replaces the dimension by its title; ``Codering_3`` keeps the code)."""
    if columns.geo is not None:
        value = str(row.get(columns.geo) or "").strip().upper()
        if _GM_CODE.match(value):
            return value
    for value in row.values():
        if isinstance(value, str) and _GM_CODE.match(value.strip().upper()):
            return value.strip().upper()
    return None


def _municipality_name(row: dict[str, Any]) -> str | None:
    for key, value in row.items():
        if key.lower().startswith("gemeentenaam") and isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _year(row: dict[str, Any], columns: _Columns, table: CbsTable, year: int | None) -> int:
    if columns.time is not None and row.get(columns.time):
        match = _YEAR_PERIOD.match(str(row[columns.time]).strip())
        if not match:
            raise RecordError(f"{columns.time} {row[columns.time]!r} is geen jaarcijfer (JJ00) / is not a yearly period")
        return int(match.group(1))
    if year is not None:
        return year
    if table.period and re.fullmatch(r"(?:19|20)[0-9]{2}", table.period.strip()):
        return int(table.period.strip())
    raise ImportFailed(
        f"{table.label}: kan het peiljaar niet bepalen (geen Perioden, geen TableInfos.Period); geef --year",
        f"{table.label}: cannot tell the reference year (no Perioden, no TableInfos.Period); pass --year",
    )


def import_cbs(
    store: GraphStore | Store,
    *,
    files: Sequence[str | Path] = (),
    table: str | None = None,
    municipality: str | None = None,
    year: int | None = None,
    startfoto: str | None = None,
    save: str | Path | None = None,
    strict: bool = False,
    show_progress: bool = False,
    timeout: float = 60.0,
) -> ImportReport:
    """Import CBS figures: live (``table`` + ``municipality``) or from saved ``files``.

    ``municipality`` (``GM0523`` or ``gm0523``) selects the rows; without it every
    municipality in the files is imported. ``startfoto`` (an IRI) is linked to each
    imported data set with ``mag:hasPart``, so an existing Startfoto includes the figures.
    """
    started = started_clock()
    code = None
    if municipality:
        code = municipality.strip().upper()
        if re.fullmatch(r"[0-9]{4}", code):
            code = "GM" + code
        if not _GM_CODE.match(code):
            raise ImportFailed(
                f"gemeentecode {municipality!r} heeft niet de vorm GM0523", f"municipality code {municipality!r} is not of the form GM0523"
            )
    if table is not None and not _TABLE_ID.match(table.strip()):
        raise ImportFailed(f"{table!r} is geen CBS-tabelnummer (zoals 85984NED)", f"{table!r} is not a CBS table id (such as 85984NED)")
    if year is not None and not 1800 <= year <= 2200:
        raise ImportFailed(f"peiljaar {year} is onwaarschijnlijk", f"reference year {year} is implausible")
    tables: list[CbsTable] = []
    if files:
        for path in files:
            tables.append(read_cbs_file(path, table=table))
    else:
        if table is None or code is None:
            raise ImportFailed(
                "geef --table en --municipality (live van CBS) of --file (opgeslagen tabel)",
                "give --table and --municipality (live from CBS) or --file (a saved table)",
            )
        downloaded = download_cbs(table.strip().upper(), code, timeout=timeout)
        if save is not None:
            Path(save).write_text(json.dumps(downloaded.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
        tables.append(downloaded)

    report = ImportReport(source="cbs", files=len(tables))
    staging = Staging(report)
    observations = 0
    for cbs in tables:
        table_id = (cbs.table_id or table or "").strip().upper()
        if not table_id:
            raise ImportFailed(
                f"{cbs.label}: kan het tabelnummer niet bepalen; geef --table",
                f"{cbs.label}: cannot tell the table id; pass --table",
            )
        columns = _columns(cbs)
        if not columns.topics:
            raise ImportFailed(f"{cbs.label}: geen cijfers (numerieke kolommen) gevonden", f"{cbs.label}: no figures (numeric columns) found")
        rows = [(i, row) for i, row in enumerate(cbs.rows)]
        selected: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for i, row in rows:
            if not isinstance(row, dict):
                report.records_read += 1
                report.skip(cbs.label, f"rij / row {i}", "geen JSON-object / not a JSON object")
                continue
            row_code = _row_code(row, columns)
            if row_code is None or (code is not None and row_code != code):
                continue  # a wijk, buurt, another municipality or the country
            selected.setdefault(row_code, []).append((i, row))
        if code is not None and code not in selected:
            raise ImportFailed(f"{cbs.label}: geen rijen voor {code}", f"{cbs.label}: no rows for {code}")
        if not selected:
            raise ImportFailed(f"{cbs.label}: geen rijen van een gemeente (GM....)", f"{cbs.label}: no municipality rows (GM....)")
        location = CBS_ODATA + table_id
        for gm, gm_rows in selected.items():
            municipality_iri = str(TOOI[f"gemeente/{gm.lower()}"])
            ref = org_ref(municipality_iri)
            graph = staging.target(cbs_graph(table_id, gm))
            name = next((n for _, r in gm_rows if (n := _municipality_name(r))), gm)
            shared = staging.scope(graph)
            source_document(shared, BRON_CBS, "CBS StatLine (open data)", "Statistics Netherlands StatLine (open data)", "https://opendata.cbs.nl/statline/")
            loc = iri(location)
            shared.add(loc, _RDF_TYPE, iri(MAG.SourceLocation))
            shared.add(loc, iri(MAG.inSourceDocument), iri(BRON_CBS))
            shared.add(loc, iri(MAG.locator), lit(table_id))
            shared.add(loc, _LABEL, lit(f"CBS {table_id}: {cbs.title or table_id}", lang="nl"))
            title = cbs.title or f"CBS-tabel {table_id}"
            describe_graph(shared, f"{title}: {name}", f"CBS table {table_id}: {name}", loc, municipality_iri)
            dataset = magid(f"startfoto/{ref}-cbs-{table_id.lower()}")
            municipality_node = iri(municipality_iri)
            shared.add(municipality_node, _RDF_TYPE, iri(MAG.Municipality))
            shared.add(municipality_node, iri(MAG.cbsCode), lit(gm))
            shared.add(dataset, _RDF_TYPE, iri(MAG.BaselineSnapshot))
            shared.add(dataset, _LABEL, lit(f"Startfoto-cijfers {name} uit CBS {table_id} ({title})", lang="nl"))
            shared.add(dataset, _LABEL, lit(f"Baseline figures of {name} from CBS {table_id}", lang="en"))
            shared.add(dataset, iri(QB.structure), iri(MAG.IndicatorStructure))
            shared.add(dataset, iri(MAG.municipality), municipality_node)
            shared.add(dataset, iri(DCTERMS.source), loc)
            if startfoto:
                shared.add(iri(startfoto), iri(MAG.hasPart), dataset)
            staging.keep(shared)
            for i, row in progress(gm_rows, total=len(gm_rows), description=f"cbs {table_id} {gm}", enabled=show_progress):
                report.records_read += 1
                before, made = len(report.skipped), 0
                with staging.record(graph, cbs.label, f"{gm} rij / row {row.get('ID', i)}") as scope:
                    reference_year = _year(row, columns, cbs, year)
                    suffix, note = "", ""
                    for dim in columns.dimensions:
                        value = str(row.get(dim) or "").strip()
                        shown = cbs.dimension_titles.get(dim, {}).get(value, value)
                        suffix += f"-{slugify(shown)}"
                        note += f", {shown}"
                    for key, prop in columns.topics.items():
                        value = row.get(key)
                        if _is_missing(value):
                            continue
                        number = as_decimal(value, key)
                        topic = _topic_slug(key) + suffix
                        indicator = magid(f"indicator/cbs-{topic}")
                        label = str(prop.get("Title") or key).strip() + note
                        scope.add(indicator, _RDF_TYPE, iri(MAG.Indicator))
                        scope.add(indicator, _LABEL, lit(label, lang="nl"))
                        scope.add(indicator, iri(SKOS.notation), lit(re.sub(r"_[0-9]+$", "", key)))
                        if prop.get("Unit"):
                            scope.add(indicator, iri(MAG.unitOfMeasure), lit(str(prop["Unit"]).strip()))
                        if prop.get("Description"):
                            scope.add(indicator, iri(DCTERMS.description), lit(" ".join(str(prop["Description"]).split()), lang="nl"))
                        observation = magid(f"waarneming/{ref}-cbs-{table_id.lower()}-{topic}-{reference_year}")
                        scope.add(observation, _RDF_TYPE, iri(MAG.IndicatorObservation))
                        scope.add(observation, _LABEL, lit(f"Nulmeting {reference_year}: {label} ({name}, CBS {table_id})", lang="nl"))
                        scope.add(observation, _LABEL, lit(f"Baseline {reference_year}: {label} ({name}, CBS {table_id})", lang="en"))
                        scope.add(observation, iri(QB.dataSet), dataset)
                        scope.add(observation, iri(MAG.indicator), indicator)
                        scope.add(observation, iri(MAG.referenceYear), lit(str(reference_year), datatype=XSD.gYear))
                        scope.add(observation, iri(MAG.observationKind), iri(MAGB.Nulmeting))
                        scope.add(observation, iri(MAG.value), decimal_lit(number))
                        scope.add(observation, iri(DCTERMS.source), loc)
                        made += 1
                if len(report.skipped) == before:
                    observations += made
    report.details["waarnemingen / observations"] = observations
    return commit_import(store, staging, strict=strict, started=started)
