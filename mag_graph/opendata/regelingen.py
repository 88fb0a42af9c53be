"""Import the gemeenschappelijke regelingen of the CC0 register snapshot (YAML, one file each).

The snapshot holds three kinds of record in one folder:

* *versions of a regeling* (with ``gr_meta``): citeertitel, purpose (``doel``), legal form
  (``samenwerkingsvorm``), executing body (``regionaal_samenwerkingsorgaan`` with its TOOI
  ``so`` IRI), participants (``deelnemende_organisaties``: TOOI IRI, accession date, the
  represented bestuursorganen), the founding decisions, validity
  (``datum_inwerkingtreding`` / ``datum_uitwerkingtreding``) and links to the previous and
  next version (ROO ids);
* *executing bodies* (with ``hoort_bij_gemeenschappelijke_regeling``): the organisation
  that carries out a regeling, with its identifiers;
* thematic overview pages of the ROO ("Veiligheidsregio's", "GGD'en"), which are neither:
  reported as ``ignored``.

Partnerships, not versions
--------------------------
A regeling is amended by new versions, each its own ROO record. mag-graph models the
*partnership* once, as the Maassluis example does: the versions linked by
previous/next form one lineage, and so do versions whose names only differ in a year
("... DCMR Milieudienst Rijnmond 2015"), when they share a participant. The version in
force (else the latest) is the current one; it supplies the partnership's facts and
participants. Every version, earlier ones included, is kept as a document with its own
ROO id and validity, so nothing of the history is lost and nothing is doubled.

IRIs (the same the example uses, so importing the register links to the example)
---------------------------------------------------------------------------------
* partnership ``samenwerking:{slug}``: the slug is the current citeertitel without the
  "(De) Gemeenschappelijke regeling" / "GR" / "Regeling" / "Derde wijziging van" prefix,
  without "openbaar lichaam" and "voor de"-style words after it, without a trailing year
  or "4de wijziging"; a name ending in a two-word alias in brackets uses the alias
  ("... (GGD Rotterdam-Rijnmond)" -> ``ggd-rotterdam-rijnmond``). If two unrelated
  regelingen of one import get the same slug, both keep their year or, failing that, get
  their first ROO id appended. Its ``rdfs:label`` is that short name, its
  ``skos:altLabel`` the register's name, as in the example;
* founding document ``document:gr-{slug}`` (the regeling as in force) with versions
  ``document:gr-{slug}-{rooId}`` (``dcterms:isVersionOf``, ``dcterms:replaces``);
* participation ``deelname:{slug}-{ref}``, or ``deelname:{short}-{slug}`` for the three
  example municipalities (``deelname:ms-rogplus``), as in the example;
* represented body ``orgaan:{ref}-college`` / ``-gemeenteraad`` / ``-burgemeester`` /
  ``-{slug of the body}``, with ``org:classification`` the ``magb:`` kind (or the OWMS term);
* executing body and participants: their TOOI IRI, else ``organisatie/roo-{rooId}``;
* validity intervals ``periode/samenwerking-{slug}`` and ``periode/gr-{slug}-{rooId}`` with
  instants ``tijdstip/{...}-begin`` / ``-einde`` (IRIs, not blank nodes, so a re-import
  states the very same triples).

Validity: a version's ``mag:period`` begins on ``datum_inwerkingtreding`` and ends on the
day before ``datum_uitwerkingtreding`` (the register gives the day the next version takes
over; ``time:hasEnd`` is the last day, as everywhere in the model). A partnership whose
every version has ended gets a ``mag:period`` with that end, which the SHACL checks in
``shapes/opendata.ttl`` compare accession dates with.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from mag_graph.namespaces import (
    DCTERMS,
    FOAF,
    MAG,
    MAGB,
    MAGG,
    ORG,
    RDF,
    RDFS,
    SKOS,
    TIME,
    TOOIONT,
)
from mag_graph.store import GraphStore, Store

from .common import (
    BRON_ROO,
    EXAMPLE_SHORT_CODES,
    ImportReport,
    NewTerms,
    RecordError,
    RecordScope,
    Staging,
    as_date,
    commit_import,
    date_lit,
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
    tooi_code,
)

__all__ = ["REGELINGEN_GRAPH", "import_regelingen", "regeling_slug", "short_name"]

REGELINGEN_GRAPH: URIRef = MAGG["regelingen"]

_TOOI_ORG = re.compile(r"^https://identifier\.overheid\.nl/tooi/id/([a-z_]+)/[a-z]{2,6}[0-9a-z_]*$")
_ORDINAL = r"(?:eerste|tweede|derde|vierde|vijfde|zesde|zevende|achtste|negende|tiende|[0-9]+(?:e|de|ste))"
_LEADING_WORDS = [
    re.compile(r"(?i)^(?:de|het)\s+(?=gemeenschappelijke?[\s-]+regeling)"),
    re.compile(rf"(?i)^(?:{_ORDINAL}\s+)?wijziging\s+(?:van\s+)?(?:(?:de|het)\s+)?"),
    re.compile(r"(?i)^gemeenschappelijke?[\s-]+regeling(?:en)?\b[\s:,-]*"),
    re.compile(r"(?i)^gr\s+"),
    re.compile(r"(?i)^regeling\s+(?:zonder\s+meer\s+)?"),
    re.compile(r"(?i)^openbaar\s+lichaam\b[\s:,-]*"),
    re.compile(r"(?i)^(?:voor|van)\s+(?:de|het)\b[\s:,-]*"),
]
_TRAILING_CHANGE = re.compile(rf"(?i)[,\s]+{_ORDINAL}\s+wijziging$")
_QUOTES = "'\"‘’“”`"
_TRAILING_YEAR = re.compile(r"\s+(?:19|20)[0-9]{2}$")
_ALIAS = re.compile(r"\(([^()]+)\)\s*$")
_LEGAL_FORMS = {
    "openbaar lichaam": MAGB.OpenbaarLichaam,
    "ol": MAGB.OpenbaarLichaam,
    "gemeenschappelijk orgaan": MAGB.GemeenschappelijkOrgaan,
    "go": MAGB.GemeenschappelijkOrgaan,
    "bedrijfsvoeringsorganisatie": MAGB.Bedrijfsvoeringsorganisatie,
    "bvo": MAGB.Bedrijfsvoeringsorganisatie,
    "regeling zonder meer": MAGB.RegelingZonderMeer,
    "rzm": MAGB.RegelingZonderMeer,
    "centrumgemeente": MAGB.CentrumgemeenteConstructie,
    "centrumgemeenteconstructie": MAGB.CentrumgemeenteConstructie,
    "centrumgemeentenconstructie": MAGB.CentrumgemeenteConstructie,
    "cg": MAGB.CentrumgemeenteConstructie,
}
# Bestuursorganen the concept scheme magb:Bestuursorgaansoorten knows: (IRI segment, class, concept).
_BODIES = {
    "college van burgemeester en wethouders": ("college", MAG.MunicipalExecutive, MAGB.CollegeVanBenW),
    "gemeenteraad": ("gemeenteraad", MAG.MunicipalCouncil, MAGB.Gemeenteraad),
    "burgemeester": ("burgemeester", MAG.GoverningBody, MAGB.Burgemeester),
}
_BODY_LABELS = {
    "college": "college van burgemeester en wethouders van {0}",
    "gemeenteraad": "gemeenteraad van {0}",
    "burgemeester": "burgemeester van {0}",
}
_RDF_TYPE = iri(RDF.type)
_LABEL = iri(RDFS.label)
_SOURCE = iri(DCTERMS.source)


# --------------------------------------------------------------------------- names


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def short_name(citeertitel: str) -> str:
    """The name a regeling is known by: the citeertitel without "(De) Gemeenschappelijke
    regeling", "GR", "Regeling", "Derde wijziging van" and the like (and "openbaar
    lichaam", "voor de" after them), without a trailing "4de wijziging" or year, without
    quotes; a name ending in a bracketed alias of two or more words is that alias."""
    name = " ".join(str(citeertitel).split()).strip(_QUOTES).strip()
    alias = _ALIAS.search(name)
    if alias and len(alias.group(1).split()) >= 2:
        name = alias.group(1).strip()
    changed = True
    while changed:
        changed = False
        for pattern in _LEADING_WORDS:
            match = pattern.match(name)
            if match and name[match.end() :].strip():
                name = name[match.end() :]
                changed = True
    name = _TRAILING_CHANGE.sub("", name).strip(_QUOTES + " ,")
    name = _TRAILING_YEAR.sub("", name).strip()
    return _capitalised(name)


def regeling_slug(citeertitel: str) -> str:
    """The ``{slug}`` of ``samenwerking:{slug}`` for a citeertitel (see the module doc)."""
    return slugify(short_name(citeertitel)) or "regeling"


def _display_name(name: str) -> str:
    """How an organisation reads in a sentence: "Gemeente Maassluis" -> "Maassluis",
    "Provincie Zuid-Holland" -> "provincie Zuid-Holland"."""
    text = " ".join(str(name).split())
    if text[:9].lower() == "gemeente ":
        return text[9:]
    return _organisation_label(text)


def _organisation_label(name: str) -> str:
    """An organisation's label in TOOI's spelling: the kind in lower case."""
    text = " ".join(str(name).split())
    first, _, rest = text.partition(" ")
    if rest and first.lower() in ("gemeente", "provincie", "waterschap"):
        return f"{first.lower()} {rest}"
    return text


# --------------------------------------------------------------------------- reading


@dataclass
class Body:
    name: str
    owms: str | None


@dataclass
class Participant:
    iri: str
    name: str
    roo_id: str | None
    accession: dt.date
    bodies: list[Body]
    kind: str | None  # gemeente, provincie, waterschap, so, ministerie (from the TOOI IRI)


@dataclass
class Version:
    file: str
    record_id: str
    roo_id: str
    name: str  # the register's current name (the example's skos:altLabel)
    citeertitel: str | None  # the official citation title (slug, dcterms:title)
    url: str | None
    purpose: str | None
    legal_form: str | None
    executing: tuple[str, str, str | None] | None  # (IRI, name, roo id)
    participants: list[Participant]
    start: dt.date | None
    end: dt.date | None
    previous: str | None
    next: str | None
    decisions: list[str]
    policy_areas: list[tuple[str, str]]
    slug: str = ""
    year_slug: str = ""


@dataclass
class Organ:
    file: str
    record_id: str
    iri: str
    name: str
    roo_id: str | None
    belongs_to: str | None
    url: str | None
    kvk: str | None
    oin: str | None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _roo_url(record: dict[str, Any]) -> str | None:
    for source in record.get("sources") or []:
        if isinstance(source, dict) and source.get("id") == "roo" and source.get("url"):
            return str(source["url"])
    return None


def _organisation_iri(tooi: Any, roo_id: str | None, what: str) -> str:
    text = str(tooi or "").strip()
    if text:
        if _TOOI_ORG.match(text):
            return text
        raise RecordError(f"{what}: {text!r} is geen TOOI-IRI van een organisatie / is not a TOOI organisation IRI")
    if roo_id:
        return str(magid(f"organisatie/roo-{slugify(roo_id)}").value)
    raise RecordError(f"{what}: geen TOOI-IRI en geen ROO-id / no TOOI IRI and no ROO id")


def _read_participant(entry: Any, index: int) -> Participant:
    what = f"deelnemende_organisaties[{index}]"
    if not isinstance(entry, dict):
        raise RecordError(f"{what}: geen object / not a mapping")
    name = _text(entry.get("naam"))
    if not name:
        raise RecordError(f"{what}: geen naam / no name")
    roo_id = _text(entry.get("roo_id"))
    org = _organisation_iri(entry.get("tooi"), roo_id, what)
    if entry.get("toetredings_datum") in (None, ""):
        raise RecordError(f"{what} ({name}): geen toetredingsdatum / no accession date")
    accession = as_date(entry["toetredings_datum"], f"{what} ({name}).toetredings_datum")
    bodies = []
    for body in entry.get("bestuursorganen") or []:
        body_name = _text(body.get("naam")) if isinstance(body, dict) else None
        if not body_name:
            raise RecordError(f"{what} ({name}): bestuursorgaan zonder naam / governing body without a name")
        bodies.append(Body(body_name, _text(body.get("owms"))))
    match = _TOOI_ORG.match(org)
    return Participant(org, name, roo_id, accession, bodies, match.group(1) if match else None)


def _read_version(file: str, record: dict[str, Any]) -> Version:
    meta = record["gr_meta"]
    if not isinstance(meta, dict):
        raise RecordError("gr_meta is geen object / gr_meta is not a mapping")
    identifiers = record.get("identifiers") or {}
    roo_id = _text(identifiers.get("roo_id"))
    if not roo_id or not re.fullmatch(r"[0-9]+", roo_id):
        raise RecordError(f"identifiers.roo_id: {roo_id!r} is geen ROO-id / is not a ROO id")
    names = [n for n in record.get("names") or [] if isinstance(n, dict) and n.get("value")]
    citeertitel = _text(meta.get("citeertitel"))
    # The current name: the one valid from the latest date (the list is not ordered).
    latest = max(names, key=lambda n: str(n.get("valid_from") or "")) if names else None
    name = _text(latest["value"]) if latest else citeertitel
    if not name:
        raise RecordError("geen citeertitel en geen naam / no citeertitel and no name")
    form = meta.get("samenwerkingsvorm")
    legal_form = None
    if isinstance(form, dict):
        legal_form = _text(form.get("value")) or _text(form.get("afkorting"))
    elif form is not None:
        legal_form = _text(form)
    executing = None
    body = meta.get("regionaal_samenwerkingsorgaan")
    if isinstance(body, dict) and (body.get("tooi") or body.get("roo_id")):
        body_roo = _text(body.get("roo_id"))
        executing = (
            _organisation_iri(body.get("tooi"), body_roo, "regionaal_samenwerkingsorgaan"),
            _text(body.get("naam")) or "",
            body_roo,
        )
    participants = [_read_participant(entry, i) for i, entry in enumerate(meta.get("deelnemende_organisaties") or [])]
    start = as_date(meta["datum_inwerkingtreding"], "datum_inwerkingtreding") if meta.get("datum_inwerkingtreding") else None
    end = as_date(meta["datum_uitwerkingtreding"], "datum_uitwerkingtreding") if meta.get("datum_uitwerkingtreding") else None
    if start and end and end < start:
        raise RecordError(
            f"datum_uitwerkingtreding {end} ligt vóór datum_inwerkingtreding {start} / "
            f"ends before it came into force"
        )
    previous = _text((meta.get("previous_version") or {}).get("roo_id")) if isinstance(meta.get("previous_version"), dict) else None
    following = _text((meta.get("next_version") or {}).get("roo_id")) if isinstance(meta.get("next_version"), dict) else None
    decisions = [str(u).strip() for u in meta.get("instellingsbesluiten") or [] if str(u).strip()]
    areas = []
    for area in record.get("policy_areas") or []:
        if isinstance(area, dict) and area.get("tooi"):
            areas.append((str(area["tooi"]).strip(), _text(area.get("naam")) or ""))
    return Version(
        file=file,
        record_id=str(record.get("id") or Path(file).stem),
        roo_id=roo_id,
        name=name,
        citeertitel=citeertitel,
        url=_roo_url(record),
        purpose=_text(meta.get("doel")),
        legal_form=legal_form,
        executing=executing,
        participants=participants,
        start=start,
        end=end,
        previous=previous,
        next=following,
        decisions=decisions,
        policy_areas=areas,
    )


def _read_organ(file: str, record: dict[str, Any]) -> Organ:
    identifiers = record.get("identifiers") or {}
    roo_id = _text(identifiers.get("roo_id"))
    names = [n for n in record.get("names") or [] if isinstance(n, dict) and n.get("value")]
    name = _text(names[-1]["value"]) if names else None
    if not name:
        raise RecordError("geen naam / no name")
    belongs = record.get("hoort_bij_gemeenschappelijke_regeling")
    return Organ(
        file=file,
        record_id=str(record.get("id") or Path(file).stem),
        iri=_organisation_iri(identifiers.get("tooi"), roo_id, "identifiers"),
        name=name,
        roo_id=roo_id,
        belongs_to=_text(belongs.get("roo_id")) if isinstance(belongs, dict) else None,
        url=_roo_url(record),
        kvk=_text(identifiers.get("kvk")),
        oin=_text(identifiers.get("oin")),
    )


# --------------------------------------------------------------------------- lineages


def _current(versions: list[Version]) -> Version:
    """The version in force (no end date), else the one that ended last; ties: newest start."""
    return max(
        versions,
        key=lambda v: (v.end is None, v.end or dt.date.min, v.start or dt.date.min, int(v.roo_id)),
    )


def _lineages(versions: list[Version]) -> list[list[Version]]:
    """Group versions into partnerships: linked by previous/next version, and by the same
    slug when they share a participant (versions whose names differ only in a year)."""
    by_roo = {v.roo_id: i for i, v in enumerate(versions)}
    parent = list(range(len(versions)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for i, v in enumerate(versions):
        for other in (v.previous, v.next):
            if other in by_roo:
                union(i, by_roo[other])
    by_slug: dict[str, list[int]] = defaultdict(list)
    for i, v in enumerate(versions):
        by_slug[v.slug].append(i)
    for members in by_slug.values():
        for a_pos, a in enumerate(members):
            for b in members[a_pos + 1 :]:
                if find(a) != find(b) and {p.iri for p in versions[a].participants} & {p.iri for p in versions[b].participants}:
                    union(a, b)
    groups: dict[int, list[Version]] = defaultdict(list)
    for i, v in enumerate(versions):
        groups[find(i)].append(v)
    return list(groups.values())


def _assign_slugs(lineages: list[list[Version]]) -> dict[int, str]:
    """The slug of each lineage; unrelated lineages with one slug keep their year (then
    their first ROO id), so no two partnerships share an IRI."""
    chosen: dict[int, str] = {}
    by_slug: dict[str, list[int]] = defaultdict(list)
    for i, lineage in enumerate(lineages):
        by_slug[_current(lineage).slug].append(i)
    for slug, members in by_slug.items():
        if len(members) == 1:
            chosen[members[0]] = slug
            continue
        year_slugs = {i: _current(lineages[i]).year_slug for i in members}
        counts: dict[str, int] = defaultdict(int)
        for value in year_slugs.values():
            counts[value] += 1
        for i in members:
            candidate = year_slugs[i]
            if counts[candidate] > 1 or candidate == slug:
                first_roo = min((v.roo_id for v in lineages[i]), key=int)
                candidate = f"{candidate}-{first_roo}"
            chosen[i] = candidate
    return chosen


# --------------------------------------------------------------------------- mapping


def _period(scope: RecordScope, subject: ox.NamedNode, ref: str, start: dt.date | None, end_exclusive: dt.date | None) -> None:
    """``mag:period`` with the model's interval shape (``time:hasEnd`` = the last day).

    The interval and its instants get IRIs derived from ``ref`` (``periode/{ref}``,
    ``tijdstip/{ref}-begin``/``-einde``) rather than blank nodes, so that a re-import
    states exactly the same triples and writes nothing."""
    if start is None and end_exclusive is None:
        return
    interval = magid(f"periode/{ref}")
    scope.add(subject, iri(MAG.period), interval)
    scope.add(interval, _RDF_TYPE, iri(TIME.ProperInterval))
    end = end_exclusive - dt.timedelta(days=1) if end_exclusive else None
    for predicate, day, suffix in ((TIME.hasBeginning, start, "begin"), (TIME.hasEnd, end, "einde")):
        if day is None:
            continue
        instant = magid(f"tijdstip/{ref}-{suffix}")
        scope.add(interval, iri(predicate), instant)
        scope.add(instant, _RDF_TYPE, iri(TIME.Instant))
        scope.add(instant, iri(TIME.inXSDDate), date_lit(day))


def _source(scope: RecordScope, version: Version) -> ox.NamedNode | None:
    if version.url:
        return roo_location(scope, version.url, version.roo_id)
    return None


def _legal_form(value: str | None) -> URIRef | None:
    if not value:
        return None
    key = value.strip().strip("'\"‘’“”").strip().lower()
    return _LEGAL_FORMS.get(key)


def _participant_resource(scope: RecordScope, p: Participant, source: ox.NamedNode | None) -> ox.NamedNode:
    node = iri(p.iri)
    if p.kind == "gemeente":
        code = tooi_code(p.iri) or ""
        scope.add(node, _RDF_TYPE, iri(MAG.Municipality))
        scope.add(node, _RDF_TYPE, iri(TOOIONT.Gemeente))
        if re.fullmatch(r"gm[0-9]{4}", code):
            scope.add(node, iri(MAG.cbsCode), lit(code.upper()))
            scope.add(node, iri(TOOIONT.gemeentecode), lit(code[2:]))
            scope.add(node, iri(TOOIONT.organisatiecode), lit(code))
    else:
        scope.add(node, _RDF_TYPE, iri(ORG.Organization))
        if p.kind == "provincie":
            scope.add(node, _RDF_TYPE, iri(TOOIONT.Provincie))
        elif p.kind == "waterschap":
            scope.add(node, _RDF_TYPE, iri(TOOIONT.Waterschap))
    scope.add(node, _LABEL, lit(_organisation_label(p.name), lang="nl"))
    if p.roo_id:
        scope.add(node, iri(MAG.rooId), lit(p.roo_id))
    if source is not None:
        scope.add(node, _SOURCE, source)
    return node


def _body_resource(scope: RecordScope, p: Participant, member: ox.NamedNode, body: Body, source: ox.NamedNode | None) -> ox.NamedNode:
    key = body.name.lower()
    known = _BODIES.get(key)
    segment = known[0] if known else slugify(body.name)
    node = magid(f"orgaan/{org_ref(p.iri, p.roo_id)}-{segment}")
    scope.add(node, _RDF_TYPE, iri(known[1] if known else MAG.GoverningBody))
    who = _display_name(p.name)
    label = _BODY_LABELS[segment].format(who) if segment in _BODY_LABELS else f"{body.name[:1].lower()}{body.name[1:]} van {who}"
    scope.add(node, _LABEL, lit(label, lang="nl"))
    scope.add(node, iri(ORG.unitOf), member)
    if known:
        scope.add(node, iri(ORG.classification), iri(known[2]))
    elif body.owms:
        scope.add(node, iri(ORG.classification), iri(body.owms))
    if source is not None:
        scope.add(node, _SOURCE, source)
    return node


def _map_partnership(scope: RecordScope, slug: str, lineage: list[Version], report: ImportReport, counts: dict[str, int]) -> None:
    current = _current(lineage)
    ordered = sorted(lineage, key=lambda v: (v.start or dt.date.min, int(v.roo_id)))
    partnership = magid(f"samenwerking/{slug}")
    name = short_name(current.citeertitel or current.name)
    source = _source(scope, current)

    # The register records partnerships; which of them a municipality treats as a
    # verbonden partij with a dashboard (R24-R26) is part of that municipality's own
    # role model, as data/maassluis.trig shows for Maassluis.
    scope.add(partnership, _RDF_TYPE, iri(MAG.Partnership))
    scope.add(partnership, _LABEL, lit(name, lang="nl"))
    scope.add(partnership, iri(SKOS.altLabel), lit(current.name, lang="nl"))
    scope.add(partnership, iri(MAG.rooId), lit(current.roo_id))
    form = _legal_form(current.legal_form)
    if form is not None:
        scope.add(partnership, iri(MAG.legalForm), iri(form))
    elif current.legal_form:
        report.warn(current.file, current.record_id, f"onbekende samenwerkingsvorm / unknown legal form {current.legal_form!r}")
    if current.purpose:
        scope.add(partnership, iri(MAG.purpose), lit(current.purpose, lang="nl"))
    if source is not None:
        scope.add(partnership, _SOURCE, source)
    if all(v.end is not None for v in lineage):
        _period(scope, partnership, f"samenwerking-{slug}", min((v.start for v in lineage if v.start), default=None), current.end)
    for concept, label in current.policy_areas:
        node = iri(concept)
        scope.add(partnership, iri(DCTERMS.subject), node)
        scope.add(node, _RDF_TYPE, iri(SKOS.Concept))
        if label:
            scope.add(node, iri(SKOS.prefLabel), lit(label.split("|")[-1].strip(), lang="nl"))
        if "/c_" in concept:
            scope.add(node, iri(SKOS.inScheme), iri(concept.rsplit("/", 1)[0]))

    if current.executing is not None:
        body_iri, body_name, body_roo = current.executing
        body = iri(body_iri)
        scope.add(partnership, iri(MAG.executingBody), body)
        scope.add(body, _RDF_TYPE, iri(MAG.ExecutingOrganisation))
        if body_name:
            scope.add(body, _LABEL, lit(body_name, lang="nl"))
        if body_roo:
            scope.add(body, iri(MAG.rooId), lit(body_roo))
        if source is not None:
            scope.add(body, _SOURCE, source)

    # The regeling as in force, and every version of it.
    document = magid(f"document/gr-{slug}")
    scope.add(partnership, iri(MAG.foundingDocument), document)
    scope.add(document, _RDF_TYPE, iri(MAG.Document))
    scope.add(document, _LABEL, lit(current.name, lang="nl"))
    if current.citeertitel:
        scope.add(document, iri(DCTERMS.title), lit(current.citeertitel, lang="nl"))
    scope.add(document, iri(MAG.documentKind), iri(MAGB.GemeenschappelijkeRegeling))
    if source is not None:
        scope.add(document, _SOURCE, source)
    for page in current.decisions:
        _page(scope, document, page, report, current)
    previous_node: ox.NamedNode | None = None
    for version in ordered:
        node = magid(f"document/gr-{slug}-{version.roo_id}")
        scope.add(document, iri(DCTERMS.hasVersion), node)
        scope.add(node, _RDF_TYPE, iri(MAG.Document))
        scope.add(node, iri(DCTERMS.isVersionOf), document)
        scope.add(node, _LABEL, lit(f"{version.name} (ROO {version.roo_id})", lang="nl"))
        if version.citeertitel:
            scope.add(node, iri(DCTERMS.title), lit(version.citeertitel, lang="nl"))
        scope.add(node, iri(MAG.documentKind), iri(MAGB.GemeenschappelijkeRegeling))
        scope.add(node, iri(MAG.rooId), lit(version.roo_id))
        _period(scope, node, f"gr-{slug}-{version.roo_id}", version.start, version.end)
        for page in version.decisions:
            _page(scope, node, page, report, version)
        version_source = _source(scope, version)
        if version_source is not None:
            scope.add(node, _SOURCE, version_source)
        if previous_node is not None:
            scope.add(node, iri(DCTERMS.replaces), previous_node)
            scope.add(previous_node, iri(DCTERMS.isReplacedBy), node)
        previous_node = node
    counts["versions"] += len(lineage)

    # The participants of the version that counts.
    merged: dict[str, Participant] = {}
    for p in current.participants:
        if p.iri in merged:
            seen = merged[p.iri]
            if p.accession != seen.accession:
                report.warn(current.file, current.record_id, f"{p.name}: twee toetredingsdata / two accession dates ({seen.accession}, {p.accession}); de vroegste telt / the earliest counts")
            seen.accession = min(seen.accession, p.accession)
            seen.bodies.extend(b for b in p.bodies if b not in seen.bodies)
        else:
            merged[p.iri] = Participant(p.iri, p.name, p.roo_id, p.accession, list(p.bodies), p.kind)
    for p in merged.values():
        member = _participant_resource(scope, p, source)
        code = tooi_code(p.iri)
        ref = org_ref(p.iri, p.roo_id)
        local = f"{ref}-{slug}" if code in EXAMPLE_SHORT_CODES else f"{slug}-{ref}"
        participation = magid(f"deelname/{local}")
        who = _display_name(p.name)
        scope.add(participation, _RDF_TYPE, iri(MAG.Participation))
        scope.add(participation, _LABEL, lit(f"Deelname van {who} aan {name}", lang="nl"))
        scope.add(participation, _LABEL, lit(f"Participation of {who} in {name}", lang="en"))
        scope.add(participation, iri(ORG.member), member)
        scope.add(participation, iri(ORG.organization), partnership)
        scope.add(participation, iri(ORG.role), iri(MAGB.Deelnemer))
        scope.add(participation, iri(MAG.accessionDate), date_lit(p.accession))
        for body in p.bodies:
            scope.add(participation, iri(MAG.representedBy), _body_resource(scope, p, member, body, source))
        if source is not None:
            scope.add(participation, _SOURCE, source)
        counts["participations"] += 1
    counts["partnerships"] += 1


def _page(scope: RecordScope, document: ox.NamedNode, page: str, report: ImportReport, version: Version) -> None:
    try:
        scope.add(document, iri(FOAF.page), iri(page))
    except RecordError:
        report.warn(version.file, version.record_id, f"instellingsbesluit {page!r} is geen URL / is not a URL")


def _map_organ(scope: RecordScope, organ: Organ, partnership: ox.NamedNode | None, has_body: bool) -> None:
    node = iri(organ.iri)
    scope.add(node, _RDF_TYPE, iri(MAG.ExecutingOrganisation))
    if not has_body:
        # The regeling names its executing body itself; a second spelling of the name
        # from this record would only give the body two labels.
        scope.add(node, _LABEL, lit(organ.name, lang="nl"))
    if organ.roo_id:
        scope.add(node, iri(MAG.rooId), lit(organ.roo_id))
    if organ.oin:
        scope.add(node, NewTerms.oin, lit(organ.oin))
    if organ.kvk:
        scope.add(node, NewTerms.kvkNumber, lit(organ.kvk))
    if organ.url and organ.roo_id:
        scope.add(node, _SOURCE, roo_location(scope, organ.url, organ.roo_id))
    if partnership is not None:
        scope.add(partnership, iri(MAG.executingBody), node)


def import_regelingen(
    store: GraphStore | Store,
    paths: Sequence[str | Path],
    *,
    strict: bool = False,
    show_progress: bool = False,
    graph: str | URIRef | None = None,
) -> ImportReport:
    """Import gemeenschappelijke regelingen (YAML files or directories) into ``magg:regelingen``."""
    started = started_clock()
    files = expand_paths(paths, (".yaml", ".yml"), "regelingbestanden / regeling files")
    report = ImportReport(source="regelingen", files=len(files))
    staging = Staging(report)
    target = staging.target(graph or REGELINGEN_GRAPH)

    versions: list[Version] = []
    organs: list[Organ] = []
    for path in progress(files, total=len(files), description="regelingen", enabled=show_progress):
        report.records_read += 1
        file = str(path)
        try:
            record = load_yaml(path)
            if not isinstance(record, dict):
                raise RecordError("geen YAML-object / not a YAML mapping")
            record_id = str(record.get("id") or path.stem)
        except RecordError as exc:
            report.skip(file, "", str(exc))
            continue
        try:
            if record.get("gr_meta") is not None:
                version = _read_version(file, record)
                title = version.citeertitel or version.name
                version.slug = regeling_slug(title)
                version.year_slug = slugify(re.sub(r"(?i)^gemeenschappelijke[\s-]+regeling(?:en)?\s+", "", title)) or version.slug
                versions.append(version)
            elif record.get("hoort_bij_gemeenschappelijke_regeling") is not None:
                organs.append(_read_organ(file, record))
            else:
                report.ignore(file, record_id, "geen regeling en geen uitvoeringsorgaan (overzichtspagina van het ROO) / "
                              "neither a regeling nor an executing body (an ROO overview page)")
        except RecordError as exc:
            report.skip(file, record_id, str(exc))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            report.skip(file, record_id, f"onverwachte structuur / unexpected structure: {exc!r}")

    shared = staging.scope(target)
    describe_graph(
        shared,
        "Gemeenschappelijke regelingen uit het Register van Overheidsorganisaties (open data, CC0)",
        "Joint arrangements from the Register of Government Organisations (open data, CC0)",
        iri(BRON_ROO),
    )
    staging.keep(shared)

    lineages = _lineages(versions)
    slugs = _assign_slugs(lineages)
    counts: dict[str, int] = defaultdict(int)
    partnership_of_roo: dict[str, ox.NamedNode] = {}
    with_body: set[str] = set()
    partnerships_with_body: set[ox.NamedNode] = set()
    imported_versions = 0
    for i, lineage in sorted(enumerate(lineages), key=lambda item: slugs[item[0]]):
        current = _current(lineage)
        before = len(report.skipped)
        with staging.record(target, current.file, current.record_id) as scope:
            _map_partnership(scope, slugs[i], lineage, report, counts)
        if len(report.skipped) == before:
            imported_versions += len(lineage)
            node = magid(f"samenwerking/{slugs[i]}")
            for v in lineage:
                partnership_of_roo[v.roo_id] = node
            if current.executing is not None:
                with_body.add(current.executing[0])
                partnerships_with_body.add(node)
    imported_organs = 0
    for organ in organs:
        partnership = partnership_of_roo.get(organ.belongs_to or "")
        if partnership is None and organ.belongs_to:
            report.warn(organ.file, organ.record_id, f"regeling met ROO-id {organ.belongs_to} staat niet in deze import / is not in this import")
        if partnership in partnerships_with_body:
            partnership = None  # the regeling itself names its executing body
        before = len(report.skipped)
        with staging.record(target, organ.file, organ.record_id) as scope:
            _map_organ(scope, organ, partnership, organ.iri in with_body)
        if len(report.skipped) == before:
            imported_organs += 1
    report.records_imported = imported_versions + imported_organs
    report.details.update(
        {
            "samenwerkingsverbanden / partnerships": counts["partnerships"],
            "versies / versions": counts["versions"],
            "deelnames / participations": counts["participations"],
            "uitvoeringsorganen / executing bodies": imported_organs,
        }
    )
    return commit_import(store, staging, strict=strict, started=started)
