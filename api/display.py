"""Values as people read them on the pages: dates as "1 januari 2021" (or "1 January
2021"), money as "€ 9.707", numbers with Dutch separators, and literals without their
RDF dressing (no ``xsd:decimal``, no ``@nl``). The "as RDF" links keep the terms; the
visible text never shows them.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import Literal
from rdflib.namespace import XSD

__all__ = ["dutch_date", "dutch_datetime", "human_term", "literal_text", "money", "money_of", "number", "value_text"]

_MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}
_DATE = re.compile(r"^(-?\d{4})-(\d{2})-(\d{2})")


def dutch_date(value: Any, lang: str = "nl") -> str:
    """``2021-01-01`` as "1 januari 2021" ("1 January 2021" in English); anything that is
    no date is given back as text."""
    text = str(value)
    found = _DATE.match(text)
    if not found:
        return text
    year, month, day = int(found.group(1)), int(found.group(2)), int(found.group(3))
    if not 1 <= month <= 12:
        return text
    return f"{day} {_MONTHS['en' if lang == 'en' else 'nl'][month - 1]} {year}"


def dutch_datetime(value: Any, lang: str = "nl") -> str:
    """A timestamp as "7 december 2026, 14:20" (UTC as stored)."""
    text = str(value)
    try:
        stamp = dt.datetime.fromisoformat(text)  # Python 3.11 reads a trailing Z
    except ValueError:
        return text
    return f"{dutch_date(stamp.date().isoformat(), lang)}, {stamp:%H:%M}"


def number(value: Any, lang: str = "nl", *, places: int | None = None) -> str:
    """A number with the page language's separators: 9707.5 -> "9.707,5" in Dutch."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if places is not None:
        amount = round(amount, places)
    sign = "-" if amount < 0 else ""
    text = format(abs(amount), "f")
    whole, _, fraction = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    thousands, decimal_mark = (",", ".") if lang == "en" else (".", ",")
    out = sign + thousands.join(groups)
    return out + (decimal_mark + fraction if fraction else "")


def money(value: Any, lang: str = "nl", currency: str = "EUR") -> str:
    """An amount as "€ 9.707" (cents shown only when there are any: "€ 9.707,50")."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    places = 0 if amount == amount.to_integral_value() else 2
    text = number(amount.quantize(Decimal(1) if places == 0 else Decimal("0.01")), lang)
    symbol = "€" if currency.upper() in ("EUR", "€", "") else currency
    return f"{symbol} {text}"


def literal_text(value: Literal, lang: str = "nl") -> str:
    """A literal as text for people: dates in words, numbers with separators, booleans
    as ja/nee, anything else as its lexical form (never with its datatype or language tag)."""
    datatype = value.datatype
    if datatype in (XSD.date, XSD.dateTime):
        return dutch_date(str(value), lang) if datatype == XSD.date else dutch_datetime(str(value), lang)
    if datatype in (XSD.decimal, XSD.integer, XSD.double, XSD.float, XSD.nonNegativeInteger, XSD.positiveInteger,
                    XSD.int, XSD.long):
        return number(str(value), lang)
    if datatype == XSD.boolean:
        truth = str(value).strip().lower() in ("true", "1")
        return ({"nl": "ja", "en": "yes"} if truth else {"nl": "nee", "en": "no"})["en" if lang == "en" else "nl"]
    return str(value)


_CURIE = re.compile(r"^[a-z][a-z0-9]*:([A-Za-z_][A-Za-z0-9_.-]*)$")
_SCHEMA_VALUE = "https://schema.org/value"
_SCHEMA_CURRENCY = "https://schema.org/currency"


def human_term(text: str) -> str:
    """A name for a term that has no label, instead of its compact IRI: ``org:Post`` ->
    "Post", ``schema:MonetaryAmount`` -> "Monetary amount", an IRI -> its last segment
    in words. Text that is no term is given back as it is."""
    local = None
    found = _CURIE.match(text)
    if found:
        local = found.group(1)
    elif re.match(r"^https?://\S+$", text):
        local = re.split(r"[#/]", text.rstrip("/#"))[-1] or text
    if local is None:
        return text
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).replace("_", " ").replace("-", " ").split()
    if not words:
        return text
    return " ".join([words[0][:1].upper() + words[0][1:], *[w.lower() if not w.isupper() else w for w in words[1:]]])


def value_text(value: Any, lang: str = "nl") -> str:
    """The text a page shows for a described value (:class:`mag_graph.questions.describe.Value`):
    a literal in words (dates, numbers, yes/no) without datatype or language tag; an IRI
    without a label as a name rather than a compact IRI."""
    kind = getattr(value, "kind", None)
    if kind == "literal":
        literal = Literal(value.text, lang=value.lang or None,
                          datatype=None if value.lang or not value.datatype else _datatype(value.datatype))
        return literal_text(literal, lang)
    if kind == "iri":
        text = value.text or value.iri or ""
        return human_term(text) if text in (value.iri, _curie_like(text)) else text
    return str(getattr(value, "text", "") or "")


def money_of(nested: Any, lang: str = "nl") -> str | None:
    """A nested amount (``schema:value`` with ``schema:currency``) as "€ 9.707"; ``None``
    for anything else."""
    amount = currency = None
    for statement in nested or ():
        if statement.predicate == _SCHEMA_VALUE and statement.value.kind == "literal":
            amount = statement.value.text
        elif statement.predicate == _SCHEMA_CURRENCY and statement.value.kind == "literal":
            currency = statement.value.text
    if amount is None or currency is None:
        return None
    return money(amount, lang, currency)


def _curie_like(text: str) -> str | None:
    return text if _CURIE.match(text) else None


_XSD_PREFIX = "xsd:"


def _datatype(name: str) -> Any:
    """A datatype as the description names it (``xsd:decimal`` or a full IRI)."""
    from rdflib import URIRef

    if name.startswith(_XSD_PREFIX):
        return XSD[name[len(_XSD_PREFIX):]]
    return URIRef(name)
