"""Import the municipality records of the CC0 register snapshot (one YAML file each).

The records ("polder" open data, collected from the Register van Overheidsorganisaties,
Logius, TOOI and Wikidata) add what TOOI lacks: the identifiers other registers use, the
number of inhabitants and the seats in the council. Mapping (docs in the report to the
lead; see also the module docs of :mod:`mag_graph.opendata.regelingen`):

=================================  ==========================================================
YAML                               RDF (subject: the TOOI IRI of the municipality)
=================================  ==========================================================
identifiers.tooi / organisatiecode the subject; ``a mag:Municipality, tooiont:Gemeente``;
                                   ``mag:cbsCode "GM0556"``, ``tooiont:gemeentecode``,
                                   ``tooiont:organisatiecode``
names (the current one)            ``rdfs:label "gemeente Maassluis"@nl`` (TOOI's spelling)
identifiers.roo_id                 ``mag:rooId``
identifiers.oin / kvk              ``mag:oin`` / ``mag:kvkNumber`` (minted, sub-properties of
                                   ``org:identifier``; proposed to the ontology)
identifiers.wikidata               ``owl:sameAs <http://www.wikidata.org/entity/Q...>``
identifiers.owms                   ``tooiont:owmsId`` (``xsd:anyURI``, as TOOI writes it)
geography.aantal_inwoners          ``mag:inhabitants`` (minted, ``xsd:integer``)
council.total_seats                the council ``orgaan:{ref}-gemeenteraad``
                                   (``mag:MunicipalCouncil``, ``org:unitOf`` the municipality)
                                   with ``mag:councilSeats`` (minted, ``xsd:integer``)
council.parties[]                  ``fractie:{ref}-{party}`` (``org:OrganizationalUnit``,
                                   ``org:unitOf`` the council) with ``mag:councilSeats``
predecessor_id / successor_id      ``dcterms:replaces`` / ``dcterms:isReplacedBy`` between
                                   TOOI IRIs (resolved within the import)
sources (roo)                      ``dcterms:source`` the ROO record URL, a
                                   ``mag:SourceLocation`` in ``magid:bron/roo``
=================================  ==========================================================

``{ref}`` is the example's short code for the three example municipalities (``ms``, so the
council is ``orgaan:ms-gemeenteraad``, the one the Maassluis example describes) and the
gemeente code (``gm0606``) for the others. Validity dates are *not* taken from these
records: their ``valid_until`` is sometimes the last day and sometimes the day after, so
they would contradict TOOI's ``tooiont:einddatum`` (import TOOI for dates). Amsterdam's
former stadsdelen, which the snapshot lists as gemeenten, are left out (``ignored``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rdflib import URIRef

from mag_graph.namespaces import (
    DCTERMS,
    MAG,
    MAGG,
    ORG,
    OWL,
    RDF,
    RDFS,
    TOOI,
    TOOIONT,
    XSD,
)
from mag_graph.store import GraphStore, Store

from .common import (
    BRON_ROO,
    ImportReport,
    NewTerms,
    RecordError,
    RecordScope,
    Staging,
    as_integer,
    commit_import,
    describe_graph,
    expand_paths,
    iri,
    lit,
    load_yaml,
    magid,
    org_ref,
    progress,
    roo_location,
    slugify,
    started_clock,
)

__all__ = ["GEMEENTEN_GRAPH", "import_gemeenten", "municipality_iri", "municipality_label"]

GEMEENTEN_GRAPH: URIRef = MAGG["gemeenten-register"]

_TOOI_GEMEENTE = re.compile(r"^https://identifier\.overheid\.nl/tooi/id/gemeente/(gm[0-9]{4})$")
_ORGANISATIECODE = re.compile(r"^gm[0-9]{4}$")
_WIKIDATA = re.compile(r"^Q[0-9]+$")
_RDF_TYPE = iri(RDF.type)
_LABEL = iri(RDFS.label)


def municipality_iri(identifiers: dict[str, Any]) -> tuple[str, str]:
    """(TOOI IRI, gm code) of a municipality record; :class:`RecordError` without one."""
    tooi = str(identifiers.get("tooi") or "").strip()
    match = _TOOI_GEMEENTE.match(tooi)
    if match:
        return tooi, match.group(1)
    code = str(identifiers.get("organisatiecode") or "").strip().lower()
    if _ORGANISATIECODE.match(code):
        return str(TOOI[f"gemeente/{code}"]), code
    raise RecordError(
        "geen TOOI-identificatie of organisatiecode (gm0000) / no TOOI identifier or organisatiecode (gm0000)"
    )


def municipality_label(name: str) -> str:
    """A municipality's label in TOOI's spelling, "gemeente Maassluis", whether the
    register says "Gemeente Maassluis" or only "Maassluis" (as for some historical ones),
    so that TOOI, the register and the example give it one Dutch label, not two."""
    text = " ".join(str(name).split())
    if text[:9].lower() == "gemeente ":
        text = text[9:]
    return f"gemeente {text}"


def _current_name(record: dict[str, Any]) -> str:
    names = [n for n in record.get("names") or [] if isinstance(n, dict) and n.get("value")]
    if not names:
        raise RecordError("geen naam / no name")
    current = [n for n in names if not n.get("valid_until")]
    chosen = current[-1] if current else max(names, key=lambda n: str(n.get("valid_until")))
    return str(chosen["value"])


def _roo_source(record: dict[str, Any]) -> str | None:
    for source in record.get("sources") or []:
        if isinstance(source, dict) and source.get("id") == "roo" and source.get("url"):
            return str(source["url"])
    return None


def _map_record(
    scope: RecordScope,
    record: dict[str, Any],
    successors: dict[str, str],
    report: ImportReport,
    file: str,
) -> None:
    identifiers = record.get("identifiers") or {}
    if not isinstance(identifiers, dict):
        raise RecordError("identifiers is geen lijst van sleutels / identifiers is not a mapping")
    subject_iri, code = municipality_iri(identifiers)
    subject = iri(subject_iri)
    name = _current_name(record)
    short_name = re.sub(r"(?i)^gemeente\s+", "", name)
    ref = org_ref(subject_iri)

    scope.add(subject, _RDF_TYPE, iri(MAG.Municipality))
    scope.add(subject, _RDF_TYPE, iri(TOOIONT.Gemeente))
    scope.add(subject, _LABEL, lit(municipality_label(name), lang="nl"))
    scope.add(subject, iri(MAG.cbsCode), lit(code.upper()))
    scope.add(subject, iri(TOOIONT.gemeentecode), lit(code[2:]))
    scope.add(subject, iri(TOOIONT.organisatiecode), lit(code))

    roo_id = identifiers.get("roo_id")
    if roo_id:
        scope.add(subject, iri(MAG.rooId), lit(str(roo_id).strip()))
    if identifiers.get("oin"):
        scope.add(subject, NewTerms.oin, lit(str(identifiers["oin"]).strip()))
    if identifiers.get("kvk"):
        scope.add(subject, NewTerms.kvkNumber, lit(str(identifiers["kvk"]).strip()))
    wikidata = str(identifiers.get("wikidata") or "").strip()
    if wikidata:
        if not _WIKIDATA.match(wikidata):
            raise RecordError(f"wikidata: {wikidata!r} is geen Q-nummer / is not a Q id")
        scope.add(subject, iri(OWL.sameAs), iri(f"http://www.wikidata.org/entity/{wikidata}"))
    if identifiers.get("owms"):
        scope.add(subject, iri(TOOIONT.owmsId), lit(str(identifiers["owms"]).strip(), datatype=XSD.anyURI))

    geography = record.get("geography") or {}
    if isinstance(geography, dict) and geography.get("aantal_inwoners") not in (None, ""):
        inhabitants = as_integer(geography["aantal_inwoners"], "geography.aantal_inwoners")
        scope.add(subject, NewTerms.inhabitants, lit(inhabitants, datatype=XSD.integer))

    council = record.get("council") or {}
    if isinstance(council, dict) and (council.get("total_seats") not in (None, "") or council.get("parties")):
        council_node = magid(f"orgaan/{ref}-gemeenteraad")
        scope.add(council_node, _RDF_TYPE, iri(MAG.MunicipalCouncil))
        scope.add(council_node, _LABEL, lit(f"gemeenteraad van {short_name}", lang="nl"))
        scope.add(council_node, iri(ORG.unitOf), subject)
        if council.get("total_seats") not in (None, ""):
            seats = as_integer(council["total_seats"], "council.total_seats")
            scope.add(council_node, NewTerms.councilSeats, lit(seats, datatype=XSD.integer))
        seats_by_party: dict[str, list[Any]] = {}
        for party in council.get("parties") or []:
            party_name = " ".join(str(party.get("naam") or "").split())
            if not party_name:
                raise RecordError("council.parties: fractie zonder naam / party without a name")
            seats = as_integer(party.get("aantal_zetels"), f"council.parties ({party_name}).aantal_zetels")
            party_slug = slugify(party_name) or "fractie"
            if party_slug in seats_by_party:
                # The register lists a party twice when it won seats on two lists; the
                # seats add up to total_seats only when both entries count.
                report.warn(file, str(record.get("id") or ""), f"fractie {party_name!r} staat er twee keer; zetels opgeteld / listed twice; seats added up")
                seats_by_party[party_slug][1] += seats
            else:
                seats_by_party[party_slug] = [party_name, seats]
        for party_slug, (party_name, seats) in seats_by_party.items():
            fractie = magid(f"fractie/{ref}-{party_slug}")
            scope.add(fractie, _RDF_TYPE, iri(ORG.OrganizationalUnit))
            scope.add(fractie, _LABEL, lit(f"fractie {party_name} in de gemeenteraad van {short_name}", lang="nl"))
            scope.add(fractie, iri(ORG.unitOf), council_node)
            scope.add(fractie, NewTerms.councilSeats, lit(seats, datatype=XSD.integer))

    own_id = str(record.get("id") or "")
    for key, predicate in (("successor_id", DCTERMS.isReplacedBy), ("predecessor_id", DCTERMS.replaces)):
        others = record.get(key) or []
        for other in others if isinstance(others, list) else [others]:
            target = successors.get(str(other))
            if target is None:
                report.warn(file, own_id, f"{key} {other} staat niet in deze import / is not in this import")
                continue
            scope.add(subject, iri(predicate), iri(target))

    url = _roo_source(record)
    if url and roo_id:
        scope.add(subject, iri(DCTERMS.source), roo_location(scope, url, str(roo_id).strip()))
    else:
        # Records that only TOOI and Wikidata know cite the TOOI IRI itself.
        scope.add(subject, iri(DCTERMS.source), subject)


def import_gemeenten(
    store: GraphStore | Store,
    paths: Sequence[str | Path],
    *,
    strict: bool = False,
    show_progress: bool = False,
    graph: str | URIRef | None = None,
) -> ImportReport:
    """Import municipality YAML records (files or directories) into ``magg:gemeenten-register``."""
    started = started_clock()
    files = expand_paths(paths, (".yaml", ".yml"), "gemeentebestanden / municipality files")
    report = ImportReport(source="gemeenten", files=len(files))
    staging = Staging(report)
    target = staging.target(graph or GEMEENTEN_GRAPH)

    loaded: list[tuple[Path, Any]] = []
    for path in progress(files, total=len(files), description="gemeenten", enabled=show_progress):
        report.records_read += 1
        try:
            loaded.append((path, load_yaml(path)))
        except RecordError as exc:
            report.skip(str(path), "", str(exc))

    # predecessor_id / successor_id name other records by their register id: resolve
    # them to TOOI IRIs over the whole import first.
    by_id: dict[str, str] = {}
    for _, record in loaded:
        if isinstance(record, dict) and record.get("id") and isinstance(record.get("identifiers"), dict):
            try:
                by_id[str(record["id"])] = municipality_iri(record["identifiers"])[0]
            except RecordError:
                pass

    shared = staging.scope(target)
    describe_graph(
        shared,
        "Gemeenten uit het Register van Overheidsorganisaties (open data, CC0)",
        "Municipalities from the Register of Government Organisations (open data, CC0)",
        iri(BRON_ROO),
    )
    staging.keep(shared)

    for path, record in loaded:
        file = str(path)
        if not isinstance(record, dict):
            report.skip(file, "", "geen YAML-object / not a YAML mapping")
            continue
        record_id = str(record.get("id") or path.stem)
        kind = str(record.get("type") or record.get("classification") or "gemeente")
        if kind != "gemeente":
            report.ignore(file, record_id, f"geen gemeente (type {kind}) / not a municipality")
            continue
        try:
            name = _current_name(record)
        except RecordError:
            name = ""
        if name.lower().startswith("stadsdeel"):
            report.ignore(file, record_id, f"{name}: een stadsdeel, geen gemeente / a city district, not a municipality")
            continue
        with staging.record(target, file, record_id) as scope:
            _map_record(scope, record, by_id, report, file)
    report.details["gemeenten"] = report.records_imported
    return commit_import(store, staging, strict=strict, started=started)
