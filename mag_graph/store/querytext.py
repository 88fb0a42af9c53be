"""SPARQL text the stores write or read: parameters bound as a ``VALUES`` block of typed
terms (never raw user text), the project prefixes declared in front of a query sent to a
remote endpoint, and a parser's message made short enough for one line.

Shared by the embedded store (:mod:`mag_graph.store.embedded`) and the remote store
(:mod:`mag_graph.store.remote`), so a query with parameters means the same on both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

from mag_graph.namespaces import PREFIXES
from mag_graph.store.errors import QueryError
from mag_graph.store.terms import from_rdflib_term

_SKIP_TOKEN = re.compile(
    r"""
    \#[^\n]*                               # comment
    | '''(?:[^'\\]|\\.|'(?!''))*'''        # long strings
    | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
    | '(?:[^'\\\n]|\\.)*'                  # short strings
    | "(?:[^"\\\n]|\\.)*"
    | <[^<>"{}|^`\\\s]*>                   # IRIs
    """,
    re.VERBOSE | re.DOTALL,
)

# "line:column" (Oxigraph) or "line N" (Virtuoso) in a parser message.
_LINE_COLUMN = re.compile(r"\b(at|between|and) ([0-9]+):([0-9]+)")
_LINE = re.compile(r"\bline ([0-9]+)\b")
_WORD = re.compile(r"[A-Za-z_][\w.-]*:?")
QUERY_FORMS = ("select", "ask", "construct", "describe")

# A PREFIX declaration of the query's own prologue (its name, "" for the empty prefix).
_PREFIX_DECLARATION = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:", re.IGNORECASE)


def substitutions_for(bindings: Mapping[str, Any] | None) -> dict[ox.Variable, Any]:
    """Parameters as pyoxigraph variables and terms (``?name``/``$name`` or ``name``);
    blank nodes are refused: a query cannot name a stored blank node."""
    if not bindings:
        return {}
    substitutions = {
        ox.Variable(name.lstrip("?$")): from_rdflib_term(value) for name, value in bindings.items()
    }
    for name, value in substitutions.items():
        if isinstance(value, ox.BlankNode):
            raise QueryError(
                f"blanco knopen kunnen niet als parameter {name} dienen",
                f"blank nodes cannot be bound to parameter {name}",
            )
    return substitutions


def bind_values(sparql: str, bindings: Mapping[str, Any]) -> str:
    """``sparql`` with ``bindings`` (variable name -> rdflib term, or a string read as
    an IRI) bound by a VALUES block, as :meth:`Store.query` binds them: for a query that
    runs elsewhere (a worker process). The terms are written by pyoxigraph from typed
    terms, never from raw request text; a term pyoxigraph refuses raises."""
    return _with_values(sparql, substitutions_for(bindings)) if bindings else sparql


def _with_values(sparql: str, substitutions: Mapping[ox.Variable, Any]) -> str:
    """The query with a VALUES block binding the given terms, at the start of its first
    group pattern (the WHERE clause of a SELECT). Terms are written by pyoxigraph, so
    they are well-formed RDF terms, never raw user text."""
    pos = 0
    while pos < len(sparql):
        match = _SKIP_TOKEN.match(sparql, pos)
        if match:
            pos = match.end()
            continue
        if sparql[pos] == "{":
            names = " ".join(f"?{v.value}" for v in substitutions)
            values = " ".join(str(t) for t in substitutions.values())
            block = f" VALUES ({names}) {{ ({values}) }} "
            return sparql[: pos + 1] + block + sparql[pos + 1 :]
        pos += 1
    raise QueryError(
        "kan de parameters niet aan deze query binden", "cannot bind the parameters to this query"
    )


def with_prefixes(sparql: str) -> tuple[str, int]:
    """The query or update with the project prefixes (:data:`mag_graph.namespaces.PREFIXES`)
    declared in front, except those it declares itself (its own declarations win, as
    with the embedded store's predeclared prefixes); and the number of lines added, to
    put a parser's line numbers back where the caller's text has them."""
    own = {match.group(1) or "" for match in _PREFIX_DECLARATION.finditer(_code_only(sparql))}
    lines = [f"PREFIX {name}: <{iri}>" for name, iri in PREFIXES.items() if name not in own]
    return ("\n".join([*lines, sparql]), len(lines)) if lines else (sparql, 0)


def _code_only(sparql: str) -> str:
    """The text with comments, strings and IRIs blanked out (for scanning keywords)."""
    return _SKIP_TOKEN.sub(lambda m: " " * len(m.group(0)) if m.group(0).startswith("#") else '""', sparql)


def sparql_message(text: str, line_offset: int = 0) -> str:
    """A SPARQL parser's message in one line: where, and what (an unknown prefix said so).
    ``line_offset`` lines declared in front of the caller's text are taken off the line
    numbers."""
    text = text.split("SPARQL query:", 1)[0].strip()  # Virtuoso echoes the whole query
    if line_offset:
        text = _LINE_COLUMN.sub(lambda m: f"{m.group(1)} {max(1, int(m.group(2)) - line_offset)}:{m.group(3)}", text)
        text = _LINE.sub(lambda m: f"line {max(1, int(m.group(1)) - line_offset)}", text)
    if "Prefix not found" in text:
        where = re.match(r"error at [0-9]+:[0-9]+", text)
        return f"{where.group(0) if where else 'error'}: onbekend prefix / unknown prefix"
    if "Undefined namespace prefix" in text:
        where = _LINE.search(text)
        return f"{where.group(0) if where else 'error'}: onbekend prefix / unknown prefix"
    first = text.splitlines()[0] if text else "?"
    return first if len(first) <= 300 else first[:297] + "..."


def query_form(sparql: str) -> str | None:
    """``select``, ``ask``, ``construct`` or ``describe``: the form of a query, read past
    its prologue (comments, ``PREFIX``/``BASE``); ``None`` when it has none of them."""
    pos = 0
    while pos < len(sparql):
        match = _SKIP_TOKEN.match(sparql, pos)
        if match:
            pos = match.end()
            continue
        word = _WORD.match(sparql, pos)
        if word:
            if word.group(0).lower() in QUERY_FORMS:
                return word.group(0).lower()
            if word.group(0).lower() not in ("prefix", "base") and not word.group(0).endswith(":"):
                return None
            pos = word.end()
            continue
        pos += 1
    return None
