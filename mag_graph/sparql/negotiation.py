"""Content negotiation: the media ranges of an ``Accept`` header (RFC 9110 12.5.1)
and the offer a client prefers among the representations a response can take.

The one negotiation of every face of mag-graph: the SPARQL Protocol and the Graph Store
(offers are :class:`~mag_graph.sparql.formats.Format` objects), the pages of ``/id`` and
the ``/api/v1`` routes (offers are plain media types, which may carry parameters, e.g.
``application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"``).

Parameters on a media range never make it unusable: a parameter the offer does not
declare (``charset``, a ``profile`` where the face has one representation) is ignored;
one the offer declares with the same value (a JSON-LD ``profile`` among several) makes
the range fit that offer better than its siblings; one with a different value counts
only when no other range reaches the offer.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from mag_graph.sparql.formats import Format

Offer = TypeVar("Offer", Format, str)


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    params: tuple[tuple[str, str], ...] = ()  # the parameters before q, names lower-cased

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        return 1 if self.subtype == "*" else 2

    def matches(self, media_type: str) -> bool:
        t, _, s = media_type.partition("/")
        return (self.type == "*" or self.type == t) and (self.subtype == "*" or self.subtype == s)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def _split_parameters(text: str) -> list[str]:
    """``a=1; b="x;y"`` split at the semicolons outside quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _split_ranges(header: str) -> list[str]:
    """The comma-separated elements of a header, commas inside quotes kept."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def media_type_parameters(media_type: str) -> tuple[str, dict[str, str]]:
    """``type/subtype`` (lower-cased) and the parameters of a media type."""
    head, *rest = _split_parameters(media_type)
    params: dict[str, str] = {}
    for item in rest:
        key, sep, value = item.partition("=")
        if sep and key.strip():
            params[key.strip().lower()] = _unquote(value)
    return head.strip().lower(), params


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header with their q-values and parameters
    (RFC 9110 12.5.1). Ranges that do not parse, or whose q is not a number in [0, 1],
    are left out."""
    ranges: list[MediaRange] = []
    for part in _split_ranges(header or ""):
        items = _split_parameters(part)
        media = items[0].strip().lower()
        if "/" not in media:
            continue
        t, _, s = media.partition("/")
        if not t or not s or (t == "*" and s != "*"):
            continue
        q = 1.0
        ok = True
        params: list[tuple[str, str]] = []
        for param in items[1:]:
            key, _, value = param.partition("=")
            key = key.strip().lower()
            if key == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    ok = False
                if not 0.0 <= q <= 1.0:
                    ok = False
                break  # parameters after q are accept-extensions
            if key:
                params.append((key, _unquote(value)))
        if ok:
            ranges.append(MediaRange(t, s, q, tuple(params)))
    return ranges


def _parameter_fit(range_: MediaRange, offered: dict[str, str]) -> int | None:
    """How many parameters of the range the offered media type declares with the same
    value; ``None`` when it declares one with another value. A ``profile`` range may list
    several URIs (JSON-LD: space-separated); the offer's profile must be one of them."""
    fit = 0
    for key, value in range_.params:
        if key not in offered:
            continue  # charset, or a profile where the face has one representation
        if key == "profile":
            same = offered[key] in value.split()
        elif key == "charset":
            same = offered[key].lower() == value.lower()
        else:
            same = offered[key] == value
        if not same:
            return None
        fit += 1
    return fit


def _media_of(offer: Format | str) -> list[tuple[str, dict[str, str], bool]]:
    """(type/subtype, parameters, is an alias) for each media type an offer answers to."""
    if isinstance(offer, str):
        base, params = media_type_parameters(offer)
        return [(base, params, False)]
    _, params = media_type_parameters(offer.media_type)
    return [(media, params if i == 0 else {}, i > 0) for i, media in enumerate(offer.media_types)]


def _quality(ranges: list[MediaRange], media: str, params: dict[str, str], alias: bool) -> tuple[float, int] | None:
    """The q-value the client gives one offered media type, and how well the deciding
    range's parameters fit it (-1: they differ, used only as a last resort)."""
    fitting: list[tuple[int, int, float]] = []  # (specificity, parameter fit, q)
    differing: list[float] = []
    for r in ranges:
        # Wildcards reach an offer's own media type; aliases (application/json for JSON
        # results, text/xml for XML...) count only when named exactly.
        if not r.matches(media) or (alias and r.specificity != 2):
            continue
        fit = _parameter_fit(r, params)
        if fit is None:
            differing.append(r.q)
        else:
            fitting.append((r.specificity, fit, r.q))
    if fitting:
        top = max((s, f) for s, f, _ in fitting)
        return max(q for s, f, q in fitting if (s, f) == top), top[1]
    if differing:
        return max(differing), -1
    return None


def negotiate(accept: str | None, offers: Sequence[Offer]) -> Offer | None:
    """See :func:`_negotiate`; remembered per (header, offers): clients send few
    distinct Accept headers, and this runs on every request."""
    return _negotiate(accept, tuple(offers))  # type: ignore[return-value]


@functools.lru_cache(maxsize=1024)
def _negotiate(accept: str | None, offers: tuple[Format | str, ...]) -> Format | str | None:
    """The offer the client prefers. Offers are :class:`Format` objects (their media type
    and aliases) or media types (with parameters, if any). For each media type of an
    offer the q-value of the most specific range that matches it counts (aliases only by
    an exact range; see the module's docstring for parameters); highest q wins, then the
    offer whose parameters the client named, then the order of ``offers`` (the server's
    preference). No Accept header (or an empty one) accepts anything; ``None`` when
    nothing offered is acceptable (answer 406)."""
    if not offers:
        return None
    ranges = parse_accept(accept)
    if not ranges:  # no header, an empty one, or one that does not parse: anything goes
        return offers[0]
    best: Format | str | None = None
    best_key = (0.0, -2)
    for offer in offers:
        offer_key = (0.0, -2)
        for media, params, alias in _media_of(offer):
            found = _quality(ranges, media, params, alias)
            if found is not None and found > offer_key:
                offer_key = found
        if offer_key[0] > 0.0 and offer_key > best_key:
            best, best_key = offer, offer_key
    return best
