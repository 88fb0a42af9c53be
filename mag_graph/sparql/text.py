"""Reading SPARQL text without running it: which watched keywords a query uses, its own
dataset clauses (``FROM`` / ``FROM NAMED``), whether it calls volatile functions, and
the endpoints its ``SERVICE`` clauses name.

No SSRF through SERVICE
    pyoxigraph evaluates ``SERVICE <url>`` by fetching the URL, so any anonymous query
    could make the server send requests into its own network. Queries using SERVICE
    are refused unless federation is allowed explicitly; the keyword is found by a
    scanner that skips comments, strings, IRIs and escaped local names the way the
    SPARQL grammar does (erring on the side of refusing). The refusal itself is
    :class:`~mag_graph.sparql.service.SparqlService`'s.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from mag_graph.namespaces import PREFIXES

# Tokens whose content is not SPARQL code, in the order the grammar recognises them,
# then runs of code that cannot start such a token, then any other single character.
_TOKENS = re.compile(
    r"""
    (?P<skip>
      \#[^\n\r]*                                          # comment
      | '''(?:[^'\\]|\\.|'(?!''))*'''                       # long strings
      | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
      | '(?:[^'\\\n\r]|\\.)*'                               # short strings
      | "(?:[^"\\\n\r]|\\.)*"
      | <(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>  # IRIs
      | \\.                                                # escaped char of a local name
    )
    | (?P<code>[^#'"<\\]+|.)
    """,
    re.VERBOSE | re.DOTALL,
)


def _code(sparql: str) -> str:
    """The query text with comments, strings, IRIs and escapes blanked out. An
    unterminated string or IRI start stays visible as code: the parser refuses such a
    query anyway, and showing more code only errs on the side of refusing."""
    return "".join(m.group("code") or " " for m in _TOKENS.finditer(sparql))


# The keywords the service looks for: SERVICE (federation), FROM (the query's own
# dataset) and the functions whose value changes between evaluations.
WATCHED_KEYWORDS = ("SERVICE", "FROM", "NOW", "RAND", "UUID", "STRUUID")
_KEYWORD = re.compile(r"(?<![\w?$:\\])(" + "|".join(WATCHED_KEYWORDS) + r")(?![\w:-])", re.IGNORECASE)
VOLATILE_KEYWORDS = frozenset({"NOW", "RAND", "UUID", "STRUUID"})


def keywords(sparql: str) -> frozenset[str]:
    """Which of :data:`WATCHED_KEYWORDS` occur in the query as keywords: not inside a
    string, IRI, comment, variable or prefixed name. A keyword right after a ``.``
    counts (``?s ?p 1.SERVICE`` is a triple's end and a keyword). Remembered for query
    texts of ordinary length, since the same queries come back."""
    if len(sparql) <= 16384:
        return _keywords_cached(sparql)
    return _keywords(sparql)


def _keywords(sparql: str) -> frozenset[str]:
    return frozenset(match.group(1).upper() for match in _KEYWORD.finditer(_code(sparql)))


_keywords_cached = functools.lru_cache(maxsize=1024)(_keywords)


def dataset_clauses(sparql: str) -> tuple[list[str], list[str]] | None:
    """The IRIs of the query's own ``FROM`` and ``FROM NAMED`` clauses (prefixed names
    resolved with the query's prologue and the server's prefixes, relative IRIs against
    its ``BASE``), or ``None`` when the text cannot be parsed here. Used to restrict a
    reader's query to the graphs it may see without changing what the query asks."""
    if "FROM" not in keywords(sparql):
        return [], []
    return _dataset_clauses(sparql)


@functools.lru_cache(maxsize=256)
def _dataset_clauses(sparql: str) -> tuple[list[str], list[str]] | None:
    from urllib.parse import urljoin

    from rdflib.plugins.sparql.parser import parseQuery

    try:
        prologue, query = parseQuery(sparql)
    except Exception:  # noqa: BLE001 - pyparsing raises many kinds; Oxigraph reports the error
        return None
    prefixes = dict(PREFIXES)
    base = ""
    for decl in prologue:
        if decl.name == "PrefixDecl":
            prefixes[decl.get("prefix") or ""] = str(decl["iri"])
        elif decl.name == "Base":
            base = str(decl["iri"])

    def resolve(term: Any) -> str | None:
        if getattr(term, "name", None) == "pname":
            namespace = prefixes.get(term.get("prefix") or "")
            return None if namespace is None else namespace + (term.get("localname") or "")
        return urljoin(base, str(term)) if base else str(term)

    default: list[str] = []
    named: list[str] = []
    for clause in query.get("datasetClause") or ():
        if "default" in clause:
            iri = resolve(clause["default"])
            target = default
        else:
            iri = resolve(clause["named"])
            target = named
        if iri is None:
            return None
        target.append(iri)
    return default, named


def uses_keyword(sparql: str, keyword: str) -> bool:
    """Whether one of :data:`WATCHED_KEYWORDS` occurs in the query (see :func:`keywords`)."""
    return keyword.upper() in keywords(sparql)


def is_volatile(sparql: str) -> bool:
    """Whether the query's answer may differ without a write (it calls NOW(), RAND(), ...)."""
    return not VOLATILE_KEYWORDS.isdisjoint(keywords(sparql))


_SERVICE_TARGET = re.compile(r"(?i)\bSERVICE\s+(?:SILENT\s+)?<([^<>\s]*)>")


def service_endpoints(sparql: str) -> list[str] | None:
    """The IRIs the query's ``SERVICE`` clauses name, or ``None`` when one of them names
    its endpoint otherwise (by a variable), so the endpoints cannot be known."""
    mentions = re.findall(r"(?i)\bSERVICE\b", sparql)
    targets = _SERVICE_TARGET.findall(sparql)
    return targets if len(targets) == len(mentions) else None
