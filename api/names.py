"""Finding things by name: the search box in every page's header (``/zoeken``, results
grouped by type), the JSON the name pickers ask (``/zoeken?format=json``), and turning a
name typed in a question form into the resource it names, with "niet gevonden /
not found" and suggestions when nothing has that name.

All of it is the CMS's FTS5 search (:mod:`mag_graph.cms.search`): every word of the
query, each also as a prefix, ranked by BM25. What a visitor finds is what they may see:
adopted content for anonymous visitors, drafts too for an editor logged in on the pages.
The search text is bound as a parameter of the SQLite query, never pasted into SQL, and
the ``type`` filter is matched against the list of content types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from mag_graph.cms import content as core
from mag_graph.questions import describe
from mag_graph.store import GraphStore, MagGraphError

from . import forms, pages, session
from .i18n import t

bp = Blueprint("names", __name__, template_folder="templates")
bp.context_processor(pages._template_helpers)

# The content types a question parameter names, by the parameter's name (queries/*.rq).
# A parameter not listed here may name any content type.
ACTOR_TYPES = ("body", "organisation", "post", "group", "partnership", "resident")
PARAMETER_TYPES: dict[str, tuple[str, ...]] = {
    "actor": ACTOR_TYPES,
    "from": ACTOR_TYPES,
    "partnership": ("partnership",),
    "project": ("project",),
    "initiative": ("initiative",),
}
MAX_QUERY = 200
_WORD = re.compile(r"\w+", re.UNICODE)


def _content() -> core.Content | None:
    holder = current_app.extensions.get("mag_graph")
    found = getattr(holder, "store", None)
    if found is None:
        return None
    content = core.Content.for_store(found)
    return content if content.search is not None else None


def _role() -> str | None:
    """Whose visibility a search has: an editor's on the pages, else the public's."""
    user = session.session_principal()
    return user.role if user is not None and session.sees_drafts() else None


def find(q: str, types: tuple[str, ...] = (), *, lang: str = "nl", limit: int = 20) -> list[dict[str, Any]]:
    """Resources whose names match ``q``, among ``types`` when given, best first."""
    content = _content()
    text = q.strip()[:MAX_QUERY]
    if content is None or not text:
        return []
    role = _role()
    if len(types) == 1:
        items = content.search_text(text, role=role, ctype=types[0], limit=limit, lang=lang)["items"]
    else:
        items = content.search_text(text, role=role, limit=100, lang=lang)["items"]
        if types:
            items = [i for i in items if i["type"] in types]
    return [_item(i, lang) for i in items[:limit]]


def _item(found: dict[str, Any], lang: str) -> dict[str, Any]:
    kind = core.content_type(found["type"])
    return {"id": found["id"], "label": found["label"], "type": kind.title(lang), "typeName": kind.name,
            "state": found["state"], "href": pages.resource_href(found["id"])}


def suggestions(q: str, types: tuple[str, ...] = (), *, lang: str = "nl", limit: int = 5) -> list[dict[str, Any]]:
    """What a visitor may have meant when nothing matches ``q``: resources matching any
    one of its words, then the first letters of its words (a typo further on:
    "Colege" finds "College")."""
    words = [w for w in _WORD.findall(q) if len(w) >= 3][:5]  # a few searches at most
    seen: dict[str, dict[str, Any]] = {}
    for attempt in [*words, *[w[:4] for w in words if len(w) > 4]]:
        for item in find(attempt, types, lang=lang, limit=limit):
            seen.setdefault(item["id"], item)
        if len(seen) >= limit:
            break
    return list(seen.values())[:limit]


@dataclass
class Resolution:
    """What a name in a question form stands for: one resource (``iri``), several
    (``candidates``: the visitor picks), or none (``suggestions``)."""

    text: str
    iri: str | None = None
    label: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)
    suggestions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        if not self.text:
            return "empty"
        if self.iri:
            return "found"
        return "ambiguous" if self.candidates else "not_found"


def resolve(graph_store: GraphStore, text: str, types: tuple[str, ...], lang: str) -> Resolution:
    """The resource a visitor means by ``text``: a resource's address (a link or bookmark
    made from an earlier answer) is taken as it is when the graph has it; otherwise the
    search by name decides: a name equal to one resource's name, or a query with one
    match, is that resource; several matches are candidates; none gives suggestions."""
    raw = text.strip()[:MAX_QUERY]
    if not raw:
        return Resolution("")
    address = _address(raw)
    if address is not None and describe.exists(graph_store, address):
        return Resolution(raw, address, _label(graph_store, address, lang))
    found = find(raw, types, lang=lang, limit=10)
    exact = [i for i in found if i["label"].casefold() == raw.casefold()]
    if len(exact) == 1 or (len(found) == 1 and not exact):
        chosen = exact[0] if exact else found[0]
        return Resolution(raw, chosen["id"], chosen["label"])
    if found:
        return Resolution(raw, candidates=exact or found)
    return Resolution(raw, suggestions=suggestions(raw, types, lang=lang))


def _address(text: str) -> str | None:
    """A resource's address as links carry it: a full IRI or a path under /id/."""
    if re.match(r"^https?://\S+$", text):
        return text
    if re.match(r"^[a-z][a-z0-9-]*/[A-Za-z0-9._~-][A-Za-z0-9._~/-]*$", text):
        return describe.iri_for_path(text)
    return None


def _label(graph_store: GraphStore, iri: str, lang: str) -> str:
    return forms.labels_of(graph_store, [iri], lang).get(iri, iri)


def label_of(graph_store: GraphStore, value: str, lang: str) -> str:
    """The name to show for a parameter value (an address from a link or a default)."""
    address = _address(value.strip()) if value else None
    if address is None or not describe.exists(graph_store, address):
        return value
    return _label(graph_store, address, lang)


def problem_text(resolution: Resolution, label: str, lang: str) -> str:
    """The message at a name field that named nothing, or more than one thing."""
    if resolution.status == "ambiguous":
        return t("names_ambiguous", lang, field=label, name=resolution.text)
    return t("names_not_found", lang, field=label, name=resolution.text)


# --------------------------------------------------------------------------- the search page


@bp.get("/search", endpoint="search")
@bp.get("/zoeken", endpoint="search")
def search() -> Any:
    """The header's search box: resources by name, grouped by type; ``format=json`` (or
    Accept: application/json) for the name pickers."""
    lang = pages.current_lang()
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    wanted = tuple(dict.fromkeys(name for raw in request.args.getlist("type") for name in raw.split(",") if name))
    known = {k.name for k in core.content_types().values()}
    unknown = [name for name in wanted if name not in known]
    wants_json = request.args.get("format") == "json" or (
        request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json")
    if unknown:
        message = t("names_unknown_type", lang, name=", ".join(unknown))
        if wants_json:
            return pages._problem(400, t("names_unknown_type", "nl", name=", ".join(unknown)),
                                  t("names_unknown_type", "en", name=", ".join(unknown)))
        return pages._error_page(400, message)
    try:
        items = find(q, wanted, lang=lang, limit=100 if not wants_json else 10)
    except MagGraphError as exc:
        items = []
        if wants_json:
            return pages._problem(400, exc.nl, exc.en)
    if wants_json:
        response = jsonify({"query": q, "items": items})
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Cookie")
        return response
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(item["type"], []).append(item)
    hints = suggestions(q, wanted, lang=lang) if q and not items else []
    response = pages._page("search.html", q=q, groups=sorted(groups.items(), key=lambda kv: kv[0].lower()),
                           count=len(items), hints=hints, active=None, title=t("names_title", lang))
    return response


__all__ = ["PARAMETER_TYPES", "Resolution", "bp", "find", "label_of", "resolve", "suggestions"]
