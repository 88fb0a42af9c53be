"""The outcome of a validation: :class:`ValidationReport` and its findings
(:class:`ValidationResult`), read from pySHACL's report graph with the rule, a label for
the focus node and the message in the wanted language; the text report for people
(:func:`format_text`); JSON and Turtle come from the report itself.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from mag_graph.namespaces import RDFS, SH, SKOS
from mag_graph.validation.actors import actors_of
from mag_graph.validation.data import _coerce
from mag_graph.validation.rulebook import findings, group_by_rule
from mag_graph.validation.shapes import (
    _SEVERITIES,
    RuleInfo,
    _list_items,
    _rule_of,
    prepared_shapes,
    texts_by_language,
)


@dataclass(frozen=True)
class ValidationResult:
    """One finding, readable without knowing SHACL: the rule it breaks, where, and why."""

    rule: str | None
    severity: str
    focusNode: str
    focusLabel: str
    path: str | None
    value: str | None
    sourceShape: str
    message: str
    # The actors assigned to what the finding concerns (:mod:`.actors`), and their labels.
    actors: tuple[str, ...] = ()
    actorLabels: tuple[str, ...] = ()


@dataclass
class ValidationReport:
    """The outcome of a validation: ``conforms`` is false only for Violations."""

    conforms: bool
    date: dt.date
    lang: str
    results: list[ValidationResult]
    report_graph: Graph
    rules: dict[str, RuleInfo]
    # The prepared shapes graph the run used (for reading the results again).
    shapes_graph: Graph | None = field(default=None, repr=False, compare=False)
    # Where a focus node came from in the checked file, for formats with rows (a
    # spreadsheet's sheet and row number): ``{focus IRI: (sheet, row)}``.
    locations: dict[str, tuple[str, int]] = field(default_factory=dict, compare=False)

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "date": self.date.isoformat(),
            "results": [self._result_dict(r) for r in self.results],
        }

    def _result_dict(self, result: ValidationResult) -> dict[str, Any]:
        out = asdict(result)
        out["actors"] = list(result.actors)
        out["actorLabels"] = list(result.actorLabels)
        where = self.locations.get(result.focusNode)
        if where is not None:
            out["sheet"], out["row"] = where
        return out

    def location(self, focus: str, lang: str = "nl") -> str:
        """``blad, rij 3`` / ``sheet, row 3`` for a focus node that came from a row, else ``""``."""
        where = self.locations.get(focus)
        if where is None:
            return ""
        return f"{where[0]}, {'row' if lang == 'en' else 'rij'} {where[1]}"

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_turtle(self) -> str:
        return self.report_graph.serialize(format="turtle")

    def to_text(self) -> str:
        return format_text(self)

    def results_in(self, lang: str, data: Any) -> list[ValidationResult]:
        """The same findings with their messages and labels in ``lang``, read again
        from the report graph (no second validation run); ``data`` is the validated
        store, for the labels of focus nodes."""
        shapes = self.shapes_graph if self.shapes_graph is not None else prepared_shapes(self.date)[0]
        return _read_results(self.report_graph, shapes, _coerce(getattr(data, "oxigraph", data)), lang)


def _pick(values: dict[str, str], lang: str) -> str:
    for key in (lang, "nl", "en", ""):
        if key in values:
            return values[key]
    return next(iter(values.values()), "")


def _read_results(report: Graph, shapes: Graph, store: ox.Store, lang: str) -> list[ValidationResult]:
    """The report's top-level results (``sh:result`` of the report; results nested
    under ``sh:detail`` explain a parent result and are not findings of their own)."""
    results: list[ValidationResult] = []
    labels = _Labeller(store, lang)
    for node in report.objects(None, SH.result):
        focus = report.value(node, SH.focusNode)
        shape = report.value(node, SH.sourceShape)
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        severity = _SEVERITIES.get(report.value(node, SH.resultSeverity), "Violation")
        messages = _result_messages(report, node, shapes, shape)
        actors = tuple(actors_of(store, str(focus))) if isinstance(focus, URIRef) else ()
        results.append(
            ValidationResult(
                rule=_rule_of(shapes, shape) if shape is not None else None,
                severity=severity,
                focusNode=str(focus),
                focusLabel=labels.label(focus),
                path=_path_text(report, path),
                value=str(value) if value is not None else None,
                sourceShape=str(shape),
                message=_pick(messages, lang),
                actors=actors,
                actorLabels=tuple(labels.label(URIRef(a)) for a in actors),
            )
        )
    results.sort(key=lambda r: (r.rule or "~", r.severity != "Violation", r.focusLabel, r.path or "", r.value or ""))
    return results


def _path_text(report: Graph, path: Node | None) -> str | None:
    """A result path: the property IRI for a plain path; otherwise the SPARQL property
    path written with full IRIs (``<a>/<b>``, ``^<a>``, ``<a>|<b>``, ``<a>*``)."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    return _path_expression(report, path)


def _path_expression(graph: Graph, path: Node) -> str | None:
    if isinstance(path, URIRef):
        return f"<{path}>"
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        inner = _path_expression(graph, inverse)
        return f"^{inner}" if inner else None
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner_node = graph.value(path, predicate)
        if inner_node is not None:
            inner = _path_expression(graph, inner_node)
            return f"({inner}){suffix}" if inner else None
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        parts = [_path_expression(graph, p) for p in _list_items(graph, alternatives)]
        return "(" + "|".join(parts) + ")" if parts and all(parts) else None
    parts = [_path_expression(graph, p) for p in _list_items(graph, path)]
    return "/".join(parts) if parts and all(parts) else None


_PLACEHOLDER = re.compile(r"\\\{\\[?$][A-Za-z_][A-Za-z0-9_]*\\\}")


def _result_messages(report: Graph, node: Node, shapes: Graph, shape: Node | None) -> dict[str, str]:
    """The result's messages by language.

    pySHACL fills in the templates of SPARQL constraints as untagged literals, so the
    language is recovered by matching each filled-in message against the language-tagged
    templates of its source constraint or shape."""
    messages: dict[str, str] = {}
    untagged: list[str] = []
    for value in report.objects(node, SH.resultMessage):
        if isinstance(value, Literal):
            if value.language:
                messages.setdefault(value.language, str(value))
            else:
                untagged.append(str(value))
    # The most specific templates first: those of the SPARQL constraint that produced the
    # result, then the shape's own, so a generic shape message never wins over them.
    holders = [h for h in (report.value(node, SH.sourceConstraint), shape) if h is not None]
    for holder in holders:
        templates = [t for t in shapes.objects(holder, SH.message) if isinstance(t, Literal) and t.language]
        for text in untagged:
            for template in templates:
                pattern = _PLACEHOLDER.sub(".*?", re.escape(str(template)))
                if re.fullmatch(pattern, text, flags=re.DOTALL):
                    messages.setdefault(template.language, text)
                    break
    if not messages:
        for text in untagged:
            messages.setdefault("", text)
    if not messages and shape is not None:
        messages = texts_by_language(shapes, shape, SH.message)
    return messages


class _Labeller:
    """Labels of focus nodes, read from the validated store, in the wanted language."""

    def __init__(self, store: ox.Store, lang: str) -> None:
        self.store = store
        self.lang = lang
        self.cache: dict[Node, str] = {}

    def label(self, node: Node | None) -> str:
        if node is None:
            return ""
        if node not in self.cache:
            self.cache[node] = self._lookup(node)
        return self.cache[node]

    def _lookup(self, node: Node) -> str:
        if isinstance(node, URIRef):
            subject = ox.NamedNode(str(node))
            found: dict[str, str] = {}
            for predicate in (RDFS.label, SKOS.prefLabel):
                for quad in self.store.quads_for_pattern(subject, ox.NamedNode(str(predicate)), None, None):
                    obj = quad.object
                    if isinstance(obj, ox.Literal):
                        found.setdefault(obj.language or "", obj.value)
                if found:
                    break
            if found:
                return _pick(found, self.lang)
            text = str(node)
            return text.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        return str(node)


def format_text(report: ValidationReport) -> str:
    """The report for people: grouped by rule (each part of a rule under its own name,
    :mod:`.rulebook`), then by the resource concerned, with labels instead of IRIs, the
    field, the rule's source and quotation, and a summary line."""
    lang = report.lang
    nl = lang == "nl"
    lines: list[str] = []
    heading = (
        f"Validatie van de rolverdeling op peildatum {report.date.isoformat()}"
        if nl
        else f"Validation of the role division at reference date {report.date.isoformat()}"
    )
    lines.append(heading)
    lines.append("=" * len(heading))
    for group in group_by_rule(findings(report, lang)):
        lines.append("")
        lines.append(group.heading)
        first = group.findings[0]
        if first.sourceLabel:
            lines.append(("  bron: " if nl else "  source: ") + first.sourceLabel)
        if first.quote:
            lines.append(f"  “{first.quote}”")
        by_focus: dict[str, list[Any]] = defaultdict(list)
        for item in group.findings:
            by_focus[item.focusLabel].append(item)
        for focus_label in sorted(by_focus):
            lines.append(f"  - {focus_label}")
            for item in by_focus[focus_label]:
                severity = _severity_word(item.severity, lang)
                where = f" ({item.pathLabel})" if item.pathLabel else ""
                row = report.location(item.focus, lang)
                row = f" [{row}]" if row else ""
                lines.append(f"      [{severity}]{row}{where} {item.message}")
    violations, warnings = len(report.violations), len(report.warnings)
    lines.append("")
    if nl:
        verdict = "voldoet" if report.conforms else "voldoet niet"
        lines.append(f"Samenvatting: {violations} overtreding(en), {warnings} waarschuwing(en); het rolmodel {verdict}.")
    else:
        verdict = "conforms" if report.conforms else "does not conform"
        lines.append(f"Summary: {violations} violation(s), {warnings} warning(s); the role model {verdict}.")
    return "\n".join(lines) + "\n"


def _severity_word(severity: str, lang: str) -> str:
    words = {
        "nl": {"Violation": "overtreding", "Warning": "waarschuwing", "Info": "informatie"},
        "en": {"Violation": "violation", "Warning": "warning", "Info": "info"},
    }
    return words[lang].get(severity, severity)
