"""The graph layout that decides who sees what, and the ranking of roles.

A resource's workflow state is nothing but *where its triples are* (docs/cms.md, "Graph
layout"): drafts in ``magg:concept``, archived content in ``magg:gearchiveerd``, adopted
content in every other (public) graph. Anyone who reads only :func:`public_graphs` (the
anonymous API, the public SPARQL endpoint, the public pages) cannot see a draft or an
archived resource, whatever query they write. The states and transitions themselves are
the CMS's (:mod:`mag_graph.cms.workflow`); this module is what every reading face needs.

Roles are ranked ``reader`` < ``editor`` < ``reviewer`` < ``admin``; anonymous callers
pass ``None``.

May import: :mod:`mag_graph.store`, :mod:`mag_graph.namespaces`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Self

from rdflib import URIRef

from mag_graph.namespaces import MAGG
from mag_graph.store import DEFAULT_GRAPH, GraphStore, MagGraphError, Store

__all__ = [
    "ADOPTED_GRAPH",
    "ARCHIVED_GRAPH",
    "CONCEPT_GRAPH",
    "HISTORY_GRAPH",
    "INFERENCE_GRAPH",
    "NON_PUBLIC_GRAPHS",
    "ROLES",
    "WORKING_COPY_GRAPH",
    "ForbiddenError",
    "PublicView",
    "check_role",
    "copy_of_graphs",
    "has_private_content",
    "is_public",
    "may",
    "public_copy",
    "public_dataset",
    "public_graphs",
    "restrict_dataset",
    "visible_graphs",
]

# --------------------------------------------------------------------------- graphs

CONCEPT_GRAPH: URIRef = MAGG["concept"]
ADOPTED_GRAPH: URIRef = MAGG["vastgesteld"]
ARCHIVED_GRAPH: URIRef = MAGG["gearchiveerd"]
HISTORY_GRAPH: URIRef = MAGG["historie"]
# The inference graph is computed over every graph, drafts included, so it is not public.
INFERENCE_GRAPH: URIRef = MAGG["inferentie"]
# Editors' proposed changes of adopted content, until a reviewer adopts them (cms.working_copy).
WORKING_COPY_GRAPH: URIRef = MAGG["werkkopie"]

NON_PUBLIC_GRAPHS: frozenset[URIRef] = frozenset(
    {CONCEPT_GRAPH, ARCHIVED_GRAPH, HISTORY_GRAPH, INFERENCE_GRAPH, WORKING_COPY_GRAPH}
)


def public_graphs(store: GraphStore | Store) -> list[URIRef]:
    """Every graph anonymous readers may see: the default graph and every named graph
    except drafts, archive, history and inference. Pass the list as the dataset of a
    query (``default_graphs=`` and ``named_graphs=``) to restrict a read to adopted
    content; the default graph is :data:`mag_graph.store.DEFAULT_GRAPH`.

    A deny list rather than an allow list, so that graphs added later by imports (open
    data, a new municipality) are public without anyone having to remember it: imported
    data counts as adopted, like the example data."""
    graphs = [g for g in store.graphs() if isinstance(g, URIRef) and g not in NON_PUBLIC_GRAPHS]
    return [DEFAULT_GRAPH, *graphs]


def public_dataset(store: GraphStore | Store) -> dict[str, list[URIRef]]:
    """Keyword arguments for :meth:`~mag_graph.store.GraphStore.query` that restrict a
    query to adopted content: ``default_graphs`` (the public graphs merged, the default
    graph included) and ``named_graphs`` (the public named graphs, for ``GRAPH ?g``)."""
    graphs = public_graphs(store)
    return {"default_graphs": graphs, "named_graphs": [g for g in graphs if g != DEFAULT_GRAPH]}


def has_private_content(store: GraphStore | Store) -> bool:
    """Does the store hold anything anonymous readers may not see (a statement in a
    draft, archive, history or inference graph)? When it does not, the public view is
    the whole store and reads can skip the (slower) restricted dataset."""
    inner = store.store if isinstance(store, PublicView) else store
    if isinstance(inner, Store):
        return any(next(iter(inner.quads(graph=g)), None) is not None for g in NON_PUBLIC_GRAPHS)
    # A remote store: one ASK (its quads() would fetch a whole graph); graph names from
    # the constant list above.
    values = " ".join(f"<{g}>" for g in sorted(NON_PUBLIC_GRAPHS))
    return bool(inner.query(f"ASK {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}", union_default_graph=False))


def visible_graphs(store: GraphStore | Store, role: str | None) -> list[URIRef] | None:
    """The graphs a caller with ``role`` (``None``: anonymous) may read, or ``None`` for
    all of them: editors and up see everything, and so does everyone while the store
    holds no private content. Callers pass the list as a query's dataset."""
    if may(role, "editor") or not has_private_content(store):
        return None
    return public_graphs(store)


def restrict_dataset(
    visible: Sequence[URIRef | str],
    default_graphs: Sequence[URIRef | str] | None,
    named_graphs: Sequence[URIRef | str] | None,
) -> tuple[list[str], list[str]]:
    """The dataset of a read restricted to ``visible`` graphs: the graphs the caller asked
    for (protocol parameters or the query's ``FROM``/``FROM NAMED``; ``None`` when it
    asked for none) that are visible, else all visible graphs. A graph asked for that is
    not visible is simply not in the dataset, as if it did not exist."""
    allowed = [str(g) for g in visible]
    allowed_set = set(allowed)
    default_text = str(DEFAULT_GRAPH)
    if default_graphs is None and named_graphs is None:
        return allowed, [g for g in allowed if g != default_text]
    chosen_default = [str(g) for g in default_graphs or () if str(g) in allowed_set]
    chosen_named = [str(g) for g in named_graphs or () if str(g) in allowed_set and str(g) != default_text]
    return chosen_default, chosen_named


def copy_of_graphs(store: GraphStore | Store, graphs: Iterable[URIRef | str]) -> Any:
    """An in-memory pyoxigraph store holding just ``graphs`` of ``store`` (an Oxigraph
    store, a remote store - pulled with Graph Store GETs - or a :class:`PublicView` of
    either; the default graph is :data:`~mag_graph.store.DEFAULT_GRAPH`)."""
    import pyoxigraph as ox

    inner = store.store if isinstance(store, PublicView) else store
    if not isinstance(inner, Store):
        present = {str(g) for g in inner.graphs()} | {str(DEFAULT_GRAPH)}
        return inner.local_copy([g for g in graphs if str(g) in present]).oxigraph  # type: ignore[attr-defined]
    raw = inner.oxigraph  # type: ignore[union-attr]
    wanted = {str(g) for g in graphs}
    keep_default = str(DEFAULT_GRAPH) in wanted
    copy = ox.Store()
    copy.bulk_extend(
        q for q in raw
        if (keep_default if isinstance(q.graph_name, ox.DefaultGraph) else getattr(q.graph_name, "value", None) in wanted)
    )
    return copy


def public_copy(store: GraphStore | Store) -> Any:
    """The public graphs as a pyoxigraph store (the store's own while nothing in it is
    private, else an in-memory copy): what validation reads for anonymous callers, whose
    report must not mention drafts."""
    inner = store.store if isinstance(store, PublicView) else store
    if isinstance(inner, Store) and not has_private_content(inner):
        return inner.oxigraph
    return copy_of_graphs(inner, public_graphs(inner))


def is_public(graph: object) -> bool:
    """Is a graph (``None`` = the default graph) readable by anonymous callers?"""
    return graph is None or graph == DEFAULT_GRAPH or URIRef(str(graph)) not in NON_PUBLIC_GRAPHS


class PublicView:
    """A read-only view of a store that holds adopted content only: every read method
    of :class:`~mag_graph.store.GraphStore` that the pages, the questions and the public
    SPARQL endpoint use, restricted to :func:`public_graphs`. Pass it where those take a
    store, and drafts, the archive and history cannot leak, whatever is asked.

    SPARQL runs with the public graphs as its dataset (``default_graphs`` and
    ``named_graphs``), which overrides any ``FROM``/``FROM NAMED`` in the query text and
    makes ``GRAPH <magg:concept>`` match nothing. Pattern reads filter by graph."""

    def __init__(self, store: GraphStore | Store) -> None:
        self._store = store

    @property
    def store(self) -> GraphStore | Store:
        return self._store

    @property
    def location(self) -> str:
        return self._store.location

    def close(self) -> None:  # the view does not own the store
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def graphs(self) -> list[URIRef]:
        return [g for g in self._store.graphs() if isinstance(g, URIRef) and is_public(g)]

    def has_graph(self, graph: object) -> bool:
        return is_public(graph) and self._store.has_graph(graph)  # type: ignore[arg-type]

    def count(self, graph: object = None) -> int:
        return self._store.count(graph) if is_public(graph) else 0  # type: ignore[arg-type]

    def graph_sizes(self) -> dict[URIRef | None, int]:
        return {g: n for g, n in self._store.graph_sizes().items() if is_public(g)}  # type: ignore[misc]

    def __len__(self) -> int:
        return sum(self.graph_sizes().values())

    def quads(self, subject: object = None, predicate: object = None, object: object = None, graph: object = ...):  # type: ignore[no-untyped-def]
        if graph is not ... and not is_public(graph):
            return iter(())
        return (q for q in self._store.quads(subject, predicate, object, graph) if is_public(q[3]))

    def _dataset(self, default_graphs: object, named_graphs: object) -> dict[str, object]:
        if not has_private_content(self._store):  # nothing to hide: the plain (faster) union
            return {"default_graphs": default_graphs, "named_graphs": named_graphs}
        public = public_graphs(self._store)
        allowed = {str(g) for g in public}
        chosen_default = public if default_graphs is None else [g for g in default_graphs if str(g) in allowed or g is None]  # type: ignore[union-attr]
        named = [g for g in public if g != DEFAULT_GRAPH]
        chosen_named = named if named_graphs is None else [g for g in named_graphs if str(g) in allowed and g != DEFAULT_GRAPH]  # type: ignore[union-attr]
        return {"default_graphs": chosen_default, "named_graphs": chosen_named}

    def query(self, sparql: str, *, bindings: object = None, union_default_graph: bool = True,
              default_graphs: object = None, named_graphs: object = None):  # type: ignore[no-untyped-def]
        return self._store.query(sparql, bindings=bindings, **self._dataset(default_graphs, named_graphs))  # type: ignore[arg-type]

    def query_to(self, sparql: str, format: str = "json", *, output: object = None, bindings: object = None,
                 union_default_graph: bool = True, default_graphs: object = None, named_graphs: object = None):  # type: ignore[no-untyped-def]
        return self._store.query_to(sparql, format, output=output, bindings=bindings,  # type: ignore[arg-type]
                                    **self._dataset(default_graphs, named_graphs))

    def to_rdflib(self, graph: object = None, *, union: bool = False):  # type: ignore[no-untyped-def]
        from rdflib import Graph

        if not union:
            if not is_public(graph):
                return Graph()
            return self._store.to_rdflib(graph)  # type: ignore[arg-type]
        out = Graph()
        for s, p, o, _ in self.quads():
            out.add((s, p, o))
        return out

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise ForbiddenError("dit is een alleen-lezen, openbare weergave van de store",
                             "this is a read-only, public view of the store")

    load = update = add_graph = transaction = clear_graph = drop_graph = _refuse


# --------------------------------------------------------------------------- roles

ROLES: tuple[str, ...] = ("reader", "editor", "reviewer", "admin")
_RANK = {role: rank for rank, role in enumerate(ROLES)}


class ForbiddenError(MagGraphError):
    """The caller's role does not allow this (403)."""

    status = 403


def check_role(role: str | None) -> str | None:
    """The role, checked (``None`` = anonymous)."""
    if role is None or role in _RANK:
        return role
    raise ForbiddenError(
        f"onbekende rol {role!r} (bekend: {', '.join(ROLES)})",
        f"unknown role {role!r} (known: {', '.join(ROLES)})",
    )


def may(role: str | None, needed: str) -> bool:
    """True when ``role`` is ``needed`` or ranks above it (anonymous may nothing)."""
    if check_role(role) is None:
        return False
    return _RANK[role] >= _RANK[needed]  # type: ignore[index]
