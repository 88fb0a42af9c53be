"""SHACL Core components as SPARQL conditions for the set-based engine
(:mod:`mag_graph.validation.setbased`).

A component judged value node by value node gets a condition that holds only for value
nodes pySHACL certainly accepts. The engine asks Oxigraph for the value nodes where it
does not hold (usually none), and pySHACL's own component judges just those: a result
is pySHACL's, while the value nodes that pass never leave the store. A condition may
leave out value nodes that do pass (they are judged by pySHACL and pass there); it
never takes in one that fails:

* ``sh:in``: the value is one of the list's IRIs (``sameTerm``: pySHACL compares IRIs as
  strings). Literals of the list are left to pySHACL (Oxigraph reads some literals in a
  canonical form, pySHACL compares them as written).
* ``sh:datatype`` D, for the datatypes in :data:`_CASTABLE`: a literal of datatype D
  that is its own cast ``D(STR(value))``, i.e. well-formed and canonical, which rdflib
  also parses as D. A value of another form (``"01"^^xsd:integer``), of a type derived
  from D that Oxigraph stores as D (see pyshacl_patches), or of D outside this list is
  left to pySHACL.
* ``sh:nodeKind``: ``isIRI``/``isBlank``/``isLiteral``, exactly SHACL's node kinds.
* ``sh:minInclusive``, ``sh:minExclusive``, ``sh:maxInclusive``, ``sh:maxExclusive``:
  a bound of xsd:integer or xsd:decimal (within Oxigraph's exact range) against a
  canonical xsd:integer or xsd:decimal value (exact numbers in both: Python compares
  ``int``/``Decimal`` exactly, Oxigraph too); a bound of xsd:date without time zone
  against a canonical xsd:date of four-digit year without time zone (both compare the
  day). Doubles, floats, time zones, other types: pySHACL.
* ``sh:minLength``, ``sh:maxLength``: ``STRLEN(STR(?value))`` of an IRI or a string
  (xsd:string, rdf:langString) literal: both count code points of the same text (pySHACL
  takes rdflib's lexical form, which rdflib normalises for other datatypes). Blank nodes
  never pass (``sh:minLength 0`` always does, as in pySHACL).
* ``sh:pattern`` with ``sh:flags`` (only ``i`` and ``m``: pySHACL ignores the others):
  ``REGEX`` on an IRI or a string literal, for patterns in a subset whose matches are the
  same or fewer in Oxigraph's regular expressions than in Python's ``re`` (literal
  characters, ``.``, ``^``, ``$``, groups, ``|``, ``*``, ``+``, ``?``, ``{n,m}``,
  simple character classes, ``\\d`` and escaped punctuation; no ``(?``, back
  references, ``\\w``, ``\\s``, ``\\b``, nested or set-operation classes). With ``i`` only
  for printable ASCII values (case folding beyond ASCII differs).
* ``sh:languageIn``: a literal with a language tag that ``langMatches`` a range without
  a hyphen (pySHACL: the tag or its first subtag in the list), equals a range with one
  (pySHACL compares the whole tag), or any tag for ``*``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

_XSD = str(XSD)
# Datatypes whose cast from a string Oxigraph supports and whose canonical form rdflib
# parses as a value of that datatype.
_CASTABLE = {
    _XSD + name
    for name in (
        "date",
        "dateTime",
        "time",
        "gYear",
        "gYearMonth",
        "integer",
        "decimal",
        "boolean",
    )
}
_NODE_KINDS = {
    SH.IRI: "isIRI(?value)",
    SH.BlankNode: "isBlank(?value)",
    SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
    SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
    SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
}
# An IRI or a literal whose text pySHACL takes as written (strings, language strings).
_TEXT = (
    f"(isIRI(?value) || sameTerm(datatype(?value), <{XSD.string}>) "
    f"|| sameTerm(datatype(?value), <{RDF.langString}>))"
)
_EXACT_NUMBER = (
    f"((sameTerm(datatype(?value), <{XSD.integer}>) && sameTerm(?value, <{XSD.integer}>(STR(?value)))) "
    f"|| (sameTerm(datatype(?value), <{XSD.decimal}>) && sameTerm(?value, <{XSD.decimal}>(STR(?value)))))"
)
_PLAIN_DATE = (
    f"(sameTerm(datatype(?value), <{XSD.date}>) && sameTerm(?value, <{XSD.date}>(STR(?value))) "
    f'&& REGEX(STR(?value), "^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$") && !STRSTARTS(STR(?value), "0000"))'
)
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LANGUAGE_RANGE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# Escapes that mean the same single character (or \d, Unicode digits) in Python's re
# and in Oxigraph's regular expressions.
_ESCAPED = set(".\\-()[]{}^$*+?|") | {"d", "D"}
_QUANTIFIER = re.compile(r"\{[0-9]+(,[0-9]*)?\}")


def accepted(c: Any) -> str | None:
    """A SPARQL condition on ``?value`` that holds only for value nodes the component
    ``c`` accepts; None when the component has none (pySHACL judges every value node)."""
    from pyshacl.constraints.core.other_constraints import InConstraintComponent
    from pyshacl.constraints.core.string_based_constraints import (
        LanguageInConstraintComponent,
        MaxLengthConstraintComponent,
        MinLengthConstraintComponent,
        PatternConstraintComponent,
    )
    from pyshacl.constraints.core.value_constraints import (
        DatatypeConstraintComponent,
        NodeKindConstraintComponent,
    )
    from pyshacl.constraints.core.value_range_constraints import (
        MaxExclusiveConstraintComponent,
        MaxInclusiveConstraintComponent,
        MinExclusiveConstraintComponent,
        MinInclusiveConstraintComponent,
    )

    if isinstance(c, InConstraintComponent):
        iris = sorted(str(v) for v in c.in_vals if isinstance(v, URIRef))
        if not iris:
            return None
        return "(" + " || ".join(f"sameTerm(?value, <{iri}>)" for iri in iris) + ")"
    if isinstance(c, DatatypeConstraintComponent):
        rule = c.datatype_rule
        if not isinstance(rule, URIRef) or str(rule) not in _CASTABLE:
            return None
        return (
            f"(isLiteral(?value) && sameTerm(datatype(?value), <{rule}>) "
            f"&& sameTerm(?value, <{rule}>(STR(?value))))"
        )
    if isinstance(c, NodeKindConstraintComponent):
        return _NODE_KINDS.get(c.nodekind_rule)
    ranges = {
        MinInclusiveConstraintComponent: ">=",
        MinExclusiveConstraintComponent: ">",
        MaxInclusiveConstraintComponent: "<=",
        MaxExclusiveConstraintComponent: "<",
    }
    if type(c) in ranges:
        operator = ranges[type(c)]
        return _all(
            [
                _in_range(b, operator)
                for b in (c.min_vals if operator[0] == ">" else c.max_vals)
            ]
        )
    if isinstance(c, (MinLengthConstraintComponent, MaxLengthConstraintComponent)):
        return _length(
            c.string_rules[0],
            ">=" if isinstance(c, MinLengthConstraintComponent) else "<=",
        )
    if isinstance(c, PatternConstraintComponent):
        return _all([_pattern(p, c.flags) for p in c.string_rules])
    if isinstance(c, LanguageInConstraintComponent):
        return _language_in(c)
    return None


def _all(conditions: list[str | None]) -> str | None:
    """The conjunction, None when one of them is None (or there are none)."""
    if not conditions or any(x is None for x in conditions):
        return None
    return "(" + " && ".join(conditions) + ")"  # type: ignore[arg-type]


def _in_range(bound: Any, operator: str) -> str | None:
    """``?value <operator> bound`` where SPARQL and pySHACL's ``compare_literal`` agree."""
    if not isinstance(bound, Literal) or getattr(bound, "ill_typed", False):
        return None
    value = bound.value
    if bound.datatype in (XSD.integer, XSD.decimal) and not isinstance(value, bool):
        if isinstance(value, int) and abs(value) < 2**63:
            text = f'"{value}"^^<{XSD.integer}>'
        elif (
            isinstance(value, Decimal)
            and value.is_finite()
            and abs(value) < 10**18
            and value.as_tuple().exponent >= -18
        ):  # type: ignore[operator]
            text = f'"{value:f}"^^<{XSD.decimal}>'
        else:
            return None
        return f"(isLiteral(?value) && {_EXACT_NUMBER} && ?value {operator} {text})"
    if (
        bound.datatype == XSD.date
        and _DATE_TEXT.fullmatch(str(bound))
        and value is not None
        and not str(bound).startswith("0000")
    ):
        return f'(isLiteral(?value) && {_PLAIN_DATE} && ?value {operator} "{bound}"^^<{XSD.date}>)'
    return None


def _length(rule: Any, operator: str) -> str | None:
    """``STRLEN`` of an IRI's or a string's text against ``sh:minLength``/``maxLength``."""
    if not isinstance(rule, Literal) or type(rule.value) is not int or rule.value < 0:
        return None  # pySHACL refuses or compares otherwise
    if operator == ">=" and rule.value == 0:
        return "true"
    return (
        f"(!isBlank(?value) && {_TEXT} && STRLEN(STR(?value)) {operator} {rule.value})"
    )


def _pattern(pattern: Any, flags: Any) -> str | None:
    """``REGEX`` on an IRI's or a string's text, for a pattern that matches no more in
    Oxigraph than in Python (:func:`_portable`)."""
    if (
        not isinstance(pattern, Literal)
        or pattern.datatype not in (None, XSD.string)
        or pattern.language
    ):
        return None
    text = str(pattern)
    if not _portable(text):
        return None
    given = str(
        flags.value
        if isinstance(flags, Literal) and flags.value is not None
        else flags or ""
    ).lower()
    used = "".join(f for f in "im" if f in given)
    condition = f'(!isBlank(?value) && {_TEXT} && REGEX(STR(?value), "{_escaped(text)}", "{used}"))'
    if "i" in used:
        condition = f'(REGEX(STR(?value), "^[ -~]*$") && {condition})'
    return condition


def _portable(pattern: str) -> bool:
    """Whether a regular expression is in the subset both engines read alike."""
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if ord(char) < 32 or char == "\x7f":
            return False
        if char == "\\":
            if pattern[index + 1 : index + 2] not in _ESCAPED:
                return False
            index += 2
            continue
        if in_class:
            if char == "[" or pattern[index : index + 2] in ("&&", "--", "~~"):
                return False
            in_class = char != "]"
        elif char == "[":
            if (
                pattern[index + 1 : index + 2] == "]"
                or pattern[index + 1 : index + 3] == "^]"
            ):
                return False
            in_class = True
            if pattern[index + 1 : index + 2] == "^":
                index += 1
        elif char == "(" and pattern[index + 1 : index + 2] == "?":
            return False
        elif char == "{":
            quantifier = _QUANTIFIER.match(pattern, index)
            if quantifier is None or index == 0 or pattern[index - 1] in "(|":
                return False
            index = quantifier.end()
            continue
        elif char == "}":
            return False
        index += 1
    return not in_class


def _escaped(text: str) -> str:
    """Text as the inside of a SPARQL string literal."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _language_in(c: Any) -> str | None:
    """A language tag pySHACL's ``sh:languageIn`` accepts."""
    try:
        ranges = list(c.shape.sg.graph.items(c.string_rules[0]))
    except (KeyError, AttributeError, ValueError):  # pySHACL refuses the list
        return None
    if not ranges or not all(
        isinstance(r, Literal) and isinstance(r.value, str) for r in ranges
    ):
        return None
    tests = []
    for r in sorted({str(r.value).lower() for r in ranges}):
        if r == "*":
            tests.append('LANG(?value) != ""')
        elif not _LANGUAGE_RANGE.fullmatch(r):
            continue  # pySHACL compares it, but no tag can be certain to match
        elif "-" in r:
            tests.append(f'LCASE(LANG(?value)) = "{r}"')
        else:
            tests.append(f'langMatches(LANG(?value), "{r}")')
    if not tests:
        return None
    return '(isLiteral(?value) && LANG(?value) != "" && (' + " || ".join(tests) + "))"


__all__ = ["accepted"]
