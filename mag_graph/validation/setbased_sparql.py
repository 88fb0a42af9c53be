"""SPARQL text for the set-based engine (:mod:`mag_graph.validation.setbased`): the
targets of a shape as one sub-select, and a SHACL-SPARQL constraint rewritten to run
once for all focus nodes, with ``$this`` left unbound and joined with the targets.

SHACL pre-binding puts the focus node in place of ``$this`` everywhere in the query,
one query per focus node. Here the query runs once: the targets (``?this``) are joined
in at the start of the WHERE clause, and again at the start of every nested group that
uses ``$this`` in a FILTER, BIND or EXISTS of its own (a UNION branch, a nested group),
where SPARQL's bottom-up evaluation would otherwise see ``$this`` unbound. EXISTS bodies
are evaluated against the solution they filter, and an OPTIONAL's own group is joined
on ``?this`` by the left join, so neither gets the targets again. ``$this`` is added to
the projection and to a GROUP BY, so results and aggregates stay per focus node.

A query this cannot rewrite faithfully returns None, and its constraint is evaluated by
pySHACL per focus node instead: a sub-select that uses ``$this`` without projecting it,
aggregates without GROUP BY (one group per focus node even when nothing matches),
LIMIT/OFFSET (per focus node under pre-binding), GRAPH (the targets would be read in
one graph), and VALUES, MINUS, SERVICE and FROM (pySHACL refuses or handles them on its
own path).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rdflib import Literal, URIRef
from rdflib.term import Node

from mag_graph.store import _SKIP_TOKEN

_THIS = re.compile(r"[?$]this\b")
_CURRENT_SHAPE = re.compile(r"[?$]currentShape\b")
_UNSUPPORTED = re.compile(r"(?i)(?<![?$\w])(VALUES|GRAPH|SERVICE|MINUS|LIMIT|OFFSET|FROM)\b|[?$]shapesGraph\b")
_SELECT = re.compile(r"(?i)\bSELECT\b")
_SELECT_AFTER = re.compile(r"(?i)\s*SELECT\b")
_AGGREGATE = re.compile(r"(?i)(?<![?$\w])(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(")
_GROUP_BY = re.compile(r"(?i)\bGROUP\s+BY\b")
_HAVING = re.compile(r"(?i)\bHAVING\b")
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_SUBCLASS_OF = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"


_XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")


def term_text(term: Node) -> str | None:
    """A term as SPARQL text; None for a blank node (it cannot be written in a query) and
    for a typed literal other than xsd:string: Oxigraph reads ``4.0`` in a query as the
    canonical ``"4"^^xsd:decimal``, while pySHACL compares the term as written."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal) and (term.datatype is None or term.datatype == _XSD_STRING):
        return term.n3()
    return None


def targets_query(
    nodes: Iterable[Node],
    classes: Iterable[Node],
    subjects_of: Iterable[Node],
    objects_of: Iterable[Node],
    restriction: str | None = None,
) -> str | None:
    """The focus nodes of a shape's target declarations as a sub-select binding ``?this``
    (class targets through ``rdf:type/rdfs:subClassOf*``, as SHACL defines them), each
    once; only those in ``restriction`` (a ``VALUES ?this`` table) when given. None when
    a declaration names a blank node, or when there is no declaration at all.

    The sub-select is joined into every query of the shape, so Oxigraph finds the focus
    nodes and joins them with the rest of the query once, instead of once per batch of
    focus nodes (a ``VALUES`` batch re-reads the query's OPTIONAL parts over the whole
    store: R26-dashboard-yearly took 133 s at 1M triples in batches of 2,000, 0.3 s so)."""
    parts = []
    node_texts = [term_text(n) for n in nodes]
    if any(t is None for t in node_texts):
        return None
    if node_texts:
        parts.append("VALUES ?this { " + " ".join(node_texts) + " }")
    for cls in classes:
        text = term_text(cls)
        if text is None or not isinstance(cls, URIRef):
            return None
        parts.append(f"?this {_RDF_TYPE}/{_SUBCLASS_OF}* {text} .")
    for predicate in subjects_of:
        if not isinstance(predicate, URIRef):
            return None
        parts.append(f"?this <{predicate}> ?mag_target_o .")
    for predicate in objects_of:
        if not isinstance(predicate, URIRef):
            return None
        parts.append(f"?mag_target_s <{predicate}> ?this .")
    if not parts:
        return None
    union = " UNION ".join("{ " + p + " }" for p in parts)
    if restriction:
        union = restriction + " " + (union if len(parts) == 1 else "{ " + union + " }")
    return "{ SELECT DISTINCT ?this WHERE { " + union + " } }"


def _masked(query: str) -> str:
    """The query with comments, strings and IRIs blanked out (same length), so keywords
    and braces can be found by position without being fooled by their contents."""
    return _SKIP_TOKEN.sub(lambda m: " " * len(m.group(0)), query)


@dataclass
class _Group:
    start: int  # index of "{"
    end: int = -1  # index of the matching "}"
    kind: str = "group"  # group | where | exists | optional | subquery
    parent: _Group | None = None
    children: list[_Group] | None = None


def _groups(masked: str) -> list[_Group] | None:
    """Every brace group of the query, in order of opening, with what opened it."""
    found: list[_Group] = []
    stack: list[_Group] = []
    for index, char in enumerate(masked):
        if char == "{":
            kind = _opened_by(masked, index)
            if kind == "group" and _SELECT_AFTER.match(masked, index + 1):
                kind = "subquery"
            group = _Group(index, kind=kind, parent=stack[-1] if stack else None, children=[])
            if stack:
                stack[-1].children.append(group)  # type: ignore[union-attr]
            found.append(group)
            stack.append(group)
        elif char == "}":
            if not stack:
                return None
            stack.pop().end = index
    return found if not stack else None


def _opened_by(masked: str, index: int) -> str:
    """What opens the brace at ``index``: the keyword before it (EXISTS, OPTIONAL, WHERE,
    lower-cased), whitespace between them allowed, or "group". Read backwards from the
    brace, so finding every group takes time linear in the query."""
    end = index
    while end > 0 and masked[end - 1].isspace():
        end -= 1
    for keyword in ("exists", "optional", "where"):
        if masked[max(0, end - len(keyword)):end].lower() == keyword:
            return keyword
    return "group"


def _own_text(masked: str, group: _Group) -> str:
    """A group's text without its nested groups, except EXISTS bodies (evaluated
    against this group's solutions, so their ``$this`` is this group's)."""
    parts = []
    pos = group.start + 1
    for child in group.children or []:
        parts.append(masked[pos:child.start])
        if child.kind == "exists":
            parts.append(masked[child.start:child.end + 1])
        pos = child.end + 1
    parts.append(masked[pos:group.end])
    return "".join(parts)


def _inside(group: _Group, kinds: tuple[str, ...]) -> bool:
    node = group.parent
    while node is not None:
        if node.kind in kinds:
            return True
        node = node.parent
    return False


def _projects_this(projection: str) -> bool:
    """Whether a SELECT clause projects ``$this`` as a plain variable (or ``*``)."""
    depth = 0
    plain = []
    for char in projection:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0:
            plain.append(char)
    text = "".join(plain)
    return "*" in text or bool(_THIS.search(text))


@dataclass(frozen=True)
class SetQuery:
    """A constraint's query rewritten for all focus nodes at once."""

    text: str
    projects_this: bool  # whether the original query projected $this (for messages)


@lru_cache(maxsize=1024)
def set_based(query: str, targets: str, current_shape: str | None = None) -> SetQuery | None:
    """The query (prefixes applied, ``$PATH`` filled in) rewritten to run once for all
    focus nodes of ``targets``; ``$currentShape`` is the IRI ``current_shape`` (its term
    in the WHERE clause, ``(<iri> AS ?currentShape)`` in the projection). None when that
    cannot be done faithfully (see the module docstring)."""
    masked = _masked(query)
    if _UNSUPPORTED.search(masked):
        return None
    groups = _groups(masked)
    selects = [m.start() for m in _SELECT.finditer(masked)]
    if not groups or not selects:
        return None
    top = next((g for g in groups if g.parent is None), None)
    if top is None or top.start < selects[0] or any(g.parent is None and g is not top for g in groups):
        return None
    insertions: list[tuple[int, str]] = []
    replacements = _current_shape_edits(masked, current_shape, selects[0], top, groups)
    if replacements is None:
        return None
    top_projection = masked[selects[0] + len("SELECT"):top.start]
    projects_this = _projects_this(re.sub(r"(?i)\bWHERE\b", "", top_projection))
    # Sub-selects: each must carry $this out if it uses it.
    for group in groups:
        if group.kind != "subquery":
            continue
        span = masked[group.start:group.end + 1]
        if not _THIS.search(span):
            continue
        if _inside(group, ("exists",)):
            return None
        inner = next((c for c in group.children or [] if c.kind == "where"), None)
        if inner is None:
            return None
        select = _SELECT.search(masked, group.start)
        if select is None or not _projects_this(masked[select.end():inner.start]):
            return None
        modifiers = masked[inner.end + 1:group.end]
        edit = _grouping_edit(masked[select.end():inner.start], modifiers, inner.end + 1)
        if edit is False:
            return None
        if edit is not None:
            insertions.append(edit)
    # The top level: $this projected, and grouped by.
    modifiers = masked[top.end + 1:]
    edit = _grouping_edit(top_projection, modifiers, top.end + 1)
    if edit is False:
        return None
    if edit is not None:
        insertions.append(edit)
    if not projects_this:
        distinct = re.compile(r"(?i)\s*(DISTINCT|REDUCED)\b").match(masked, selects[0] + len("SELECT"))
        insertions.append((distinct.end() if distinct else selects[0] + len("SELECT"), " ?this"))
    # The targets, where $this must be bound.
    for group in groups:
        if group is top:
            insertions.append((group.start + 1, " " + targets + " "))
            continue
        if group.kind in ("exists", "optional", "subquery") or _inside(group, ("exists",)):
            continue
        if _THIS.search(_own_text(masked, group)) and re.search(r"(?i)\b(FILTER|BIND)\b", _own_text(masked, group)):
            insertions.append((group.start + 1, " " + targets + " "))
    edits = [(position, position, addition) for position, addition in insertions] + replacements
    text = query
    for start, end, addition in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + addition + text[end:]
    return SetQuery(text, projects_this)


def _current_shape_edits(
    masked: str, current_shape: str | None, select: int, top: _Group, groups: list[_Group]
) -> list[tuple[int, int, str]] | None:
    """``$currentShape`` replaced by the shape's IRI: a projected variable bound to it in
    the top projection, the IRI itself inside groups; None where neither is possible
    (a sub-select's projection, GROUP BY, or a shape without an IRI)."""
    found = list(_CURRENT_SHAPE.finditer(masked))
    if not found:
        return []
    if current_shape is None:
        return None
    subqueries = [g for g in groups if g.kind == "subquery"]
    edits = []
    for match in found:
        position = match.start()
        if select < position < top.start:
            edits.append((match.start(), match.end(), f"({current_shape} AS ?currentShape)"))
        elif top.start < position < top.end:
            for sub in subqueries:
                inner = next((c for c in sub.children or [] if c.kind == "where"), None)
                if sub.start < position < sub.end and not (inner and inner.start < position < inner.end):
                    return None
            edits.append((match.start(), match.end(), current_shape))
        elif position > top.end:
            # Grouping by a constant changes nothing: it leaves the GROUP BY; elsewhere
            # (HAVING, ORDER BY) it is the IRI.
            clauses = list(re.finditer(r"(?i)\bGROUP\s+BY\b|\bHAVING\b|\bORDER\s+BY\b", masked[:position]))
            in_group_by = bool(clauses) and clauses[-1].group(0).upper().startswith("GROUP")
            edits.append((match.start(), match.end(), "" if in_group_by else current_shape))
        else:
            return None
    return edits


_CLOSURE_ON_THIS = re.compile(
    r"[?$]this\s+[^\s;,.{}]*[)>\w][*+]\s+[?$]\w|[?$]\w+\s+[^\s;,.{}]*[)>\w][*+]\s+[?$]this\b"
)


@lru_cache(maxsize=1024)
def closure_on_this(query: str) -> bool:
    """Whether a triple pattern of the query follows a ``*`` or ``+`` path from ``$this``
    to a variable (or from a variable to ``$this``). Joined with the targets' sub-select,
    Oxigraph computes such a path for every node of the store before the join
    (R05-agenda-no-activities at 1M triples: 5.2 s CPU and 500 MB more at its peak); with
    the focus nodes as a ``VALUES`` table it starts from them (0.06 s)."""
    text = _SKIP_TOKEN.sub(lambda m: m.group(0) if m.group(0).startswith("<") else " " * len(m.group(0)), query)
    return _CLOSURE_ON_THIS.search(text) is not None


@lru_cache(maxsize=1024)
def correlated(query: str) -> bool:
    """Whether an EXISTS body of the query uses ``$this`` (see
    :meth:`mag_graph.validation.setbased._Run._rows_per_focus`)."""
    masked = _masked(query)
    groups = _groups(masked) or []
    return any(g.kind == "exists" and _THIS.search(masked[g.start:g.end + 1]) for g in groups)


_VARIABLE = re.compile(r"[?$](\w+)")
EXISTS_FLAG = "mag_exists_"  # the prefix of the flag variables decorrelated() adds
_EXISTS_BEFORE = re.compile(r"(?i)(\bNOT\s+)?\bEXISTS\s*$")
_FILTER_OR_BIND = re.compile(r"(?i)\b(FILTER|BIND)\b")
_BIND = re.compile(r"(?i)\bBIND\s*\(")
_FILTER_CALL = re.compile(r"(?i)\bFILTER\b[\s\w:]*\(")
_BIND_TARGET = re.compile(r"(?i)\bAS\s+[?$](\w+)\s*$")
_CONSTANT = re.compile(r"(?i)^\s*(\w[\w.-]*:[\w.-]*|[-+]?[\d.]+(e[-+]?\d+)?|true|false)?\s*$")


def _blanked(text: str, spans: Iterable[tuple[int, int]], offset: int = 0) -> str:
    """``text`` with the given (start, end inclusive) spans, counted from ``offset``, blanked out."""
    chars = list(text)
    for start, end in spans:
        for index in range(max(start - offset, 0), min(end - offset + 1, len(chars))):
            chars[index] = " "
    return "".join(chars)


def _closing_paren(text: str, start: int) -> int:
    """The index of the parenthesis closing the one at ``start`` (-1 if none)."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _certain(masked: str, group: _Group, top: _Group) -> set[str]:
    """Variables every solution of ``group`` binds: those of its own triple patterns, a
    BIND of a constant, every branch of a UNION, a nested plain group (and ``?this`` in
    the top group, where the targets are joined). OPTIONAL, EXISTS, MINUS and sub-selects
    count for nothing; a FILTER's variables are not bound by it."""
    children = group.children or []
    own = _blanked(masked[group.start + 1:group.end], [(c.start, c.end) for c in children], group.start + 1)
    certain: set[str] = set()
    for pattern in (_FILTER_CALL, _BIND):
        while (match := pattern.search(own)) is not None:
            close = _closing_paren(own, match.end() - 1)
            if close < 0:
                return set()
            if pattern is _BIND:
                inside = own[match.end():close]
                target = _BIND_TARGET.search(inside)
                if target is not None and _CONSTANT.match(inside[:target.start()]):
                    certain.add(target.group(1))
            own = own[:match.start()] + " " * (close + 1 - match.start()) + own[close + 1:]
    if "(" in own:  # an expression not understood: nothing is certain
        return set()
    certain |= set(_VARIABLE.findall(own))
    union: set[str] | None = None
    for index, child in enumerate(children):
        if child.kind != "group":
            union = None
            continue
        found = _certain(masked, child, top)
        joined = index > 0 and re.fullmatch(r"(?i)\s*UNION\s*", masked[children[index - 1].end + 1:child.start])
        if joined and union is not None:
            certain -= union
            union &= found
        else:
            union = found
        certain |= union
    if group is top:
        certain.add("this")
    return certain


def _decorrelate_one(query: str, masked: str, groups: list[_Group], top: _Group, exists: _Group, fresh: str) -> str | None:
    """The query with one [NOT] EXISTS of a FILTER replaced by ``(BOUND(?fresh))``
    (``(!BOUND(?fresh))``) and ``OPTIONAL { SELECT DISTINCT shared (true AS ?fresh)
    WHERE body }`` at the end of the FILTER's group; None when that would not mean the
    same (see :func:`decorrelated`)."""
    group = exists.parent
    if group is None or group.kind == "subquery":
        return None
    before = _blanked(masked[group.start + 1:exists.start], [(c.start, c.end) for c in group.children or []
                                                              if c.end < exists.start], group.start + 1)
    keyword = _EXISTS_BEFORE.search(before)
    clauses = list(_FILTER_OR_BIND.finditer(before))
    if keyword is None or not clauses or clauses[-1].group(1).upper() != "FILTER":
        return None
    body = set(_VARIABLE.findall(masked[exists.start:exists.end + 1]))
    rest = set(_VARIABLE.findall(masked[:exists.start] + masked[exists.end + 1:]))
    shared = sorted(body & rest)
    if not shared:
        return None
    if not set(shared) <= _certain(masked, group, top):
        return None
    if not set(shared) <= _certain(masked, exists, top):
        return None
    start = group.start + 1 + keyword.start()
    test = f"(!BOUND(?{fresh}))" if keyword.group(1) else f"(BOUND(?{fresh}))"
    projection = " ".join(f"?{v}" for v in shared)
    optional = (f" OPTIONAL {{ SELECT DISTINCT {projection} (true AS ?{fresh}) WHERE "
                f"{query[exists.start:exists.end + 1]} }} ")
    return query[:start] + test + query[exists.end + 1:group.end] + optional + query[group.end:]


@lru_cache(maxsize=1024)
def decorrelated(query: str) -> str:
    """The query with each ``[NOT] EXISTS { body }`` of a FILTER that shares variables
    with its group written as a join: ``OPTIONAL { SELECT DISTINCT shared (true AS ?f)
    WHERE { body } }`` at the end of the group and ``BOUND(?f)`` (``!BOUND(?f)``) in
    the FILTER. Oxigraph evaluates an EXISTS body without the bindings of the solution
    it filters, once per solution (R11-penvoerder-renders-account at 1M triples: 22 s
    run per municipality); the sub-select is evaluated once and joined by hash (0.2 s).

    The same meaning, when every variable the body shares with the rest of the query is
    bound in every solution of the FILTER's group (:func:`_certain`) and by the body's
    own patterns: EXISTS then asks whether the body has a solution agreeing on those
    variables, which is what the left join on them finds (DISTINCT: at most one match,
    so no solution is repeated). Innermost first; an EXISTS that cannot be so written
    (inside a BIND or a projection, sharing a variable not certainly bound, sharing
    none) is left as it is."""
    text = query
    refused: set[int] = set()
    count = 0
    while True:
        masked = _masked(text)
        groups = _groups(masked)
        top = next((g for g in groups or [] if g.parent is None), None)
        if top is None:
            return text
        candidates = [g for g in groups or [] if g.kind == "exists" and g.start not in refused]
        candidates.sort(key=lambda g: -_depth(g))
        for exists in candidates:
            rewritten = _decorrelate_one(text, masked, groups or [], top, exists, f"{EXISTS_FLAG}{count}")
            if rewritten is not None:
                text, count, refused = rewritten, count + 1, set()
                break
            refused.add(exists.start)
        else:
            return text


def _depth(group: _Group) -> int:
    depth = 0
    node = group.parent
    while node is not None:
        depth += 1
        node = node.parent
    return depth


def _grouping_edit(projection: str, modifiers: str, offset: int) -> tuple[int, str] | None | bool:
    """What makes a (sub-)query's groups per focus node: ``?this`` added to its GROUP BY
    (an insertion), nothing when it does not aggregate, False when it aggregates without
    GROUP BY (one group per focus node, even an empty one, cannot be had by a join)."""
    group_by = _GROUP_BY.search(modifiers)
    if group_by is not None:
        return (offset + group_by.end(), " ?this ")
    if _AGGREGATE.search(projection) or _HAVING.search(modifiers):
        return False
    return None


__all__ = ["EXISTS_FLAG", "SetQuery", "closure_on_this", "correlated", "decorrelated", "set_based", "targets_query", "term_text"]
