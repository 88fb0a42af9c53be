"""Content negotiation: the media ranges of an ``Accept`` header (RFC 9110 12.5.1)
and the offer a client prefers among the formats a response can take.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from mag_graph.sparql.formats import Format


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        return 1 if self.subtype == "*" else 2

    def matches(self, media_type: str) -> bool:
        t, _, s = media_type.partition("/")
        return (self.type == "*" or self.type == t) and (self.subtype == "*" or self.subtype == s)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header with their q-values (RFC 9110 12.5.1).
    Ranges that do not parse, or whose q is not a number in [0, 1], are left out."""
    ranges: list[MediaRange] = []
    for part in (header or "").split(","):
        items = [p.strip() for p in part.split(";")]
        media = items[0].lower()
        if "/" not in media:
            continue
        t, _, s = media.partition("/")
        if not t or not s or (t == "*" and s != "*"):
            continue
        q = 1.0
        ok = True
        for param in items[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    ok = False
                if not 0.0 <= q <= 1.0:
                    ok = False
                break  # parameters after q are accept-extensions
        if ok:
            ranges.append(MediaRange(t, s, q))
    return ranges


def negotiate(accept: str | None, offers: Sequence[Format]) -> Format | None:
    """See :func:`_negotiate`; remembered per (header, offers): clients send few
    distinct Accept headers, and this runs on every request."""
    return _negotiate(accept, tuple(offers))


@functools.lru_cache(maxsize=1024)
def _negotiate(accept: str | None, offers: tuple[Format, ...]) -> Format | None:
    """The offer the client prefers: for each media type of an offer the q-value of the
    most specific range that matches it counts (aliases only by an exact range);
    highest q wins, ties go to the order of
    ``offers`` (the server's preference). No Accept header (or an empty one) accepts
    anything; ``None`` when nothing offered is acceptable (answer 406)."""
    if not offers:
        return None
    ranges = parse_accept(accept)
    if not ranges:  # no header, an empty one, or one that does not parse: anything goes
        return offers[0]
    best: Format | None = None
    best_q = 0.0
    for offer in offers:
        offer_q = 0.0
        for i, media in enumerate(offer.media_types):
            # Wildcards reach an offer's own media type; aliases (application/json for
            # JSON results, text/xml for XML...) count only when named exactly.
            matching = [r for r in ranges if r.matches(media) and (i == 0 or r.specificity == 2)]
            if not matching:
                continue
            top = max(r.specificity for r in matching)
            q = max(r.q for r in matching if r.specificity == top)
            offer_q = max(offer_q, q)
        if offer_q > best_q:
            best, best_q = offer, offer_q
    return best
