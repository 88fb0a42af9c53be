"""A validation report for people: each finding under the rule it breaks, named by the
shape that found it.

A rule of the rolverdeling is enforced by several shapes (R24 by seven: a dashboard, an
accounthouder, the three documents on the dashboard...), each with its own name, source
and quotation. A finding belongs to the shape that carries its rule id nearest to the
result's ``sh:sourceShape`` (the shape itself, or the node shape that holds it as a
property or SPARQL constraint): :class:`RulePart`. Headings, sources and quotations come
from that part, never from a sibling of the same rule.

Here: the parts of the shipped shapes (:func:`rule_parts`), the findings of a report with
their part, the label of their field and a link-ready focus node (:func:`findings`),
grouping by rule part, by the assigned actor or by resource (:func:`group_by_rule`,
:func:`group_by_actor`, :func:`group_by_focus`),
the rule catalogue split into rules (R01-R28) and register checks (OD01-OD04)
(:func:`catalogue`), and the report as CSV, one row per finding (:func:`report_csv`).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rdflib import Graph, URIRef
from rdflib.term import Node

from mag_graph.namespaces import DCTERMS, MAG, RDFS, SH, SKOS
from mag_graph.resources import resource_files
from mag_graph.validation.shapes import (
    _SEVERITIES,
    _shapes_source,
    _source_labels,
    texts_by_language,
)

# Rule ids of checks against the national registers rather than the rules of the sources.
REGISTER_PREFIX = "OD"


def pick(texts: dict[str, str] | None, lang: str) -> str:
    """The text in ``lang``, else Dutch, else English, else any."""
    if not texts:
        return ""
    for key in (lang, "nl", "en", ""):
        if texts.get(key):
            return texts[key]
    return next(iter(texts.values()), "")


@dataclass(frozen=True)
class RulePart:
    """One shape that carries a rule id: what it checks and where that comes from."""

    rule: str
    shape: str
    name: dict[str, str]
    description: dict[str, str]
    severity: str
    source: str | None
    sourceLabel: dict[str, str]
    quote: dict[str, str]
    top: bool  # not held by another shape of a rule (a heading of its own in the catalogue)
    parent: str | None = None  # the nearest shape of a rule that holds this one

    def heading(self, lang: str, parts: dict[str, RulePart] | None = None) -> str:
        """``R24 Dashboard en accounthouder: Ambtelijke accounthouder``: the rule id, the
        name of the shape holding this one (if any) and this shape's own name."""
        own = pick(self.name, lang)
        holder = (parts or _shipped_parts()).get(self.parent) if self.parent else None
        if holder is not None and pick(holder.name, lang) and pick(holder.name, lang) != own:
            return f"{self.rule} {pick(holder.name, lang)}: {own}".strip()
        return f"{self.rule} {own}".strip()

    @property
    def kind(self) -> str:
        return "register" if self.rule.startswith(REGISTER_PREFIX) else "rule"


def _holders(shapes: Graph, node: Node) -> list[Node]:
    """The shapes that hold ``node`` (as a property shape, a node shape, a SPARQL constraint)."""
    return [s for p in (SH.property, SH.node, SH.sparql, SH.qualifiedValueShape) for s in shapes.subjects(p, node)]


def _rule_shape_of(shapes: Graph, shape: Node) -> Node | None:
    """The nearest shape carrying a rule id: ``shape`` itself or a shape holding it."""
    seen: set[Node] = set()
    frontier = [shape]
    while frontier:
        node = frontier.pop(0)
        if node in seen:
            continue
        seen.add(node)
        if shapes.value(node, MAG.rule) is not None:
            return node
        frontier.extend(_holders(shapes, node))
    return None


def _quote_of(shapes: Graph, shape: Node) -> dict[str, str]:
    """The shape's quotation, else that of the nearest shape holding it."""
    seen: set[Node] = set()
    frontier = [shape]
    while frontier:
        node = frontier.pop(0)
        if node in seen:
            continue
        seen.add(node)
        found = texts_by_language(shapes, node, MAG.sourceQuote)
        if found:
            return found
        frontier.extend(_holders(shapes, node))
    return {}


def parts_in(shapes: Graph) -> dict[str, RulePart]:
    """Every shape of ``shapes`` that carries a rule id, by shape IRI."""
    sources = _source_labels()
    parts: dict[str, RulePart] = {}
    for shape, rule in shapes.subject_objects(MAG.rule):
        source = shapes.value(shape, DCTERMS.source)
        holders = [h for h in _holders(shapes, shape) if shapes.value(h, MAG.rule) is not None]
        top = not holders
        parts[str(shape)] = RulePart(
            rule=str(rule),
            shape=str(shape),
            name=texts_by_language(shapes, shape, SH.name),
            description=texts_by_language(shapes, shape, SH.description),
            severity=_SEVERITIES.get(shapes.value(shape, SH.severity), "Violation"),
            source=str(source) if source is not None else None,
            sourceLabel=sources.get(source, {}) if source is not None else {},
            quote=_quote_of(shapes, shape),
            top=top,
            parent=str(min(holders)) if holders else None,
        )
    return parts


@lru_cache(maxsize=1)
def _shipped_parts() -> dict[str, RulePart]:
    return parts_in(_shapes_source())


def rule_parts() -> dict[str, RulePart]:
    """The parts of the shipped shapes, by shape IRI."""
    return dict(_shipped_parts())


@lru_cache(maxsize=4096)
def _part_key(source_shape: str) -> str | None:
    found = _rule_shape_of(_shapes_source(), URIRef(source_shape))
    return str(found) if found is not None else None


def part_of(source_shape: str | None, shapes: Graph | None = None) -> RulePart | None:
    """The part a result with this ``sh:sourceShape`` belongs to (of ``shapes`` when the
    run used a shapes graph of its own)."""
    if source_shape is None:
        return None
    if shapes is None:
        key = _part_key(source_shape)
        return _shipped_parts().get(key) if key is not None else None
    found = _rule_shape_of(shapes, URIRef(source_shape))
    return parts_in(shapes).get(str(found)) if found is not None else None


# --------------------------------------------------------------------------- findings


@lru_cache(maxsize=1)
def _vocabulary() -> Graph:
    graph = Graph()
    for path in resource_files("ontology", "*.ttl"):
        graph.parse(path, format="turtle")
    return graph


@lru_cache(maxsize=1024)
def _field_labels(path: str) -> tuple[tuple[str, str], ...]:
    vocabulary = _vocabulary()
    for predicate in (RDFS.label, SKOS.prefLabel):
        found = texts_by_language(vocabulary, URIRef(path), predicate)
        if found:
            return tuple(found.items())
    return ()


def field_label(path: str | None, lang: str, part: RulePart | None = None) -> str:
    """The label of a result path: the property's label in the ontology (or the labels
    of reused terms), else the name of the property shape, else the IRI's local name or
    the path expression."""
    if not path:
        return ""
    plain = path.startswith(("http://", "https://")) and not any(c in path for c in "<>^|*+?() ")
    labels = dict(_field_labels(path)) if plain else {}
    if labels:
        return pick(labels, lang)
    if part is not None and not part.top and part.name:
        return pick(part.name, lang)
    if plain:
        return path.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return path


@dataclass
class Finding:
    """One result, ready to show: the rule part, the message, the resource, the field."""

    rule: str
    part: RulePart | None
    severity: str
    message: str
    focus: str
    focusLabel: str
    path: str | None
    pathLabel: str
    value: str | None
    heading: str  # "R24 Ambtelijke accounthouder"
    partName: str
    source: str | None
    sourceLabel: str
    quote: str
    # The actors assigned to what the finding concerns (IRIs and labels; none: "no actor").
    actors: tuple[str, ...] = ()
    actorLabels: tuple[str, ...] = ()
    # Where the resource came from in a checked file with rows ("", 0 when not from one).
    sheet: str = ""
    row: int = 0

    def location(self, lang: str) -> str:
        """``blad, rij 3`` / ``sheet, row 3``, or ``""``."""
        if not self.row:
            return ""
        return f"{self.sheet}, {'row' if lang == 'en' else 'rij'} {self.row}"


def findings(report: Any, lang: str | None = None) -> list[Finding]:
    """The report's results as findings, in the report's order."""
    lang = lang or report.lang
    own_shapes = getattr(report, "shapes_graph", None)
    locations = getattr(report, "locations", None) or {}
    out: list[Finding] = []
    for result in report.results:
        sheet, row = locations.get(result.focusNode, ("", 0))
        part = part_of(result.sourceShape)
        parts = None
        if part is None and own_shapes is not None:  # a run with shapes of the caller's own
            part = part_of(result.sourceShape, own_shapes)
            parts = parts_in(own_shapes)
        rule = result.rule or (part.rule if part else "?")
        name = pick(part.name, lang) if part else ""
        out.append(Finding(
            rule=rule,
            part=part,
            severity=result.severity,
            message=result.message,
            focus=result.focusNode,
            focusLabel=result.focusLabel,
            path=result.path,
            pathLabel=field_label(result.path, lang, part),
            value=result.value,
            heading=part.heading(lang, parts) if part else rule,
            partName=(part.heading(lang, parts).removeprefix(rule).strip() if part else name),
            source=part.source if part else None,
            sourceLabel=pick(part.sourceLabel, lang) if part else "",
            quote=pick(part.quote, "nl") if part else "",
            actors=tuple(getattr(result, "actors", ())),
            actorLabels=tuple(getattr(result, "actorLabels", ())),
            sheet=sheet,
            row=row,
        ))
    return out


@dataclass
class Group:
    """Findings under one heading."""

    key: str
    heading: str
    rule: str | None
    part: RulePart | None
    focus: str | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "register" if (self.rule or "").startswith(REGISTER_PREFIX) else "rule"


def group_by_rule(items: list[Finding]) -> list[Group]:
    """One group per rule part, in rule order, then by the part's name; within a group,
    by resource."""
    groups: dict[str, Group] = {}
    for item in items:
        key = item.part.shape if item.part else item.rule
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(key, item.heading, item.rule, item.part, None)
        group.findings.append(item)
    for group in groups.values():
        group.findings.sort(key=lambda f: (f.focusLabel.lower(), f.severity != "Violation", f.pathLabel, f.message))
    return sorted(groups.values(), key=lambda g: (g.rule or "~", g.heading.lower()))


def group_by_focus(items: list[Finding]) -> list[Group]:
    """One group per resource concerned (a responsibility, partnership, ...), by its
    name; within a group, by rule."""
    groups: dict[str, Group] = {}
    for item in items:
        group = groups.get(item.focus)
        if group is None:
            group = groups[item.focus] = Group(item.focus, item.focusLabel, None, None, item.focus)
        group.findings.append(item)
    for group in groups.values():
        group.findings.sort(key=lambda f: (f.rule, f.heading.lower(), f.message))
    return sorted(groups.values(), key=lambda g: (g.heading.lower(), g.key))


# The key of the group of findings whose resource has no assigned actor.
NO_ACTOR = ""


def group_by_actor(items: list[Finding], no_actor: str = "zonder actor / no actor") -> list[Group]:
    """One group per assigned actor (:mod:`.actors`: a responsibility's actor, a role's
    holder, a partnership's accounthouder or penvoerder...), by the actor's name; a
    finding about a resource with several actors is under each of them; findings without
    one last, under ``no_actor`` (key :data:`NO_ACTOR`). Within a group, by rule."""
    groups: dict[str, Group] = {}
    for item in items:
        pairs = list(zip(item.actors, item.actorLabels, strict=False)) or [(NO_ACTOR, no_actor)]
        for actor, label in pairs:
            group = groups.get(actor)
            if group is None:
                group = groups[actor] = Group(actor, label, None, None, actor or None)
            group.findings.append(item)
    for group in groups.values():
        group.findings.sort(key=lambda f: (f.rule, f.heading.lower(), f.focusLabel.lower(), f.message))
    return sorted(groups.values(), key=lambda g: (g.key == NO_ACTOR, g.heading.lower(), g.key))


@dataclass
class CatalogueEntry:
    rule: str
    title: str
    severity: str
    count: int
    parts: list[RulePart]


def catalogue(report: Any, lang: str, items: list[Finding] | None = None) -> dict[str, list[CatalogueEntry]]:
    """The rules the report checked, split into ``rules`` (R01-R28) and ``register``
    checks (OD01-OD04), each with its title, severity and number of findings."""
    items = findings(report, lang) if items is None else items
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item.rule] += 1
    parts = _shipped_parts()
    out: dict[str, list[CatalogueEntry]] = {"rules": [], "register": []}
    for rule_id, info in sorted(report.rules.items()):
        own = sorted((p for p in parts.values() if p.rule == rule_id), key=lambda p: p.shape)
        title = pick(info.name, lang)
        entry = CatalogueEntry(rule_id, title, info.severity, counts.get(rule_id, 0), own)
        out["register" if rule_id.startswith(REGISTER_PREFIX) else "rules"].append(entry)
    return out


# --------------------------------------------------------------------------- CSV

CSV_COLUMNS = (
    "rule", "ruleName", "severity", "focusNode", "focusLabel", "path", "pathLabel", "value",
    "message", "source", "sourceLabel", "quote", "sourceShape", "actor", "actorLabel", "sheet", "row",
)


def report_csv(report: Any, lang: str | None = None) -> str:
    """The report as CSV for a spreadsheet: a header row, then one row per finding."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item, result in zip(findings(report, lang), report.results):
        writer.writerow([
            item.rule, item.partName, item.severity, item.focus, item.focusLabel, item.path or "",
            item.pathLabel, item.value or "", item.message, item.source or "", item.sourceLabel, item.quote,
            result.sourceShape, "; ".join(item.actors), "; ".join(item.actorLabels), item.sheet,
            item.row or "",
        ])
    return buffer.getvalue()
