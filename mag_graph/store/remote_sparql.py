"""The SPARQL a remote store writes for itself, per backend (:class:`Dialect`).

The remote store's own queries and updates (graph listings, counts, pattern matches,
transactions, loads) are written here, so the differences between triplestores stay in
one place. What differs, per backend (see :class:`~mag_graph.store.endpoints.Backend`):

* the default graph: Oxigraph has a real one; Virtuoso has none, so mag-graph keeps
  its default graph in a named graph (``urn:mag-graph:default-graph``) that is never
  listed as a named graph;
* the server's own graphs (Virtuoso keeps its schema and configuration in graphs such
  as ``http://www.openlinksw.com/schemas/virtrdf#``): never listed, counted, exported
  or dropped by mag-graph; but a caller's own query sees them in Virtuoso's union default
  graph (``DEFINE input:default-graph-exclude`` would hide them, but makes Virtuoso 7.2
  stop matching ``GRAPH <iri>`` patterns); clearing the whole store drops the user graphs one by one
  instead of ``DROP ALL``;
* blank nodes in ``INSERT DATA``: Virtuoso refuses them, so statements with blank nodes
  are written as ``INSERT { ... } WHERE { }`` (which gives them fresh nodes as well),
  one per graph (Virtuoso 7.2 fails on blank nodes in two GRAPH blocks of one
  template), so on Virtuoso a blank node used in two graphs becomes two nodes;
* blank node labels in JSON results: Virtuoso writes ``nodeID://b10000`` where SPARQL
  JSON expects a label; the prefix is taken off before parsing;
* empty named graphs: Oxigraph keeps them, Virtuoso forgets a graph with its last
  statement.

On every backend the graph of mag-graph's generation record
(:mod:`mag_graph.store.remote_generation`) is left out like the server's own graphs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, URIRef

from mag_graph.store.endpoints import Backend
from mag_graph.store.errors import StoreError
from mag_graph.store.remote_generation import GENERATION_GRAPH
from mag_graph.store.terms import OxGraphName, _graph_out, _has_blank_node

# Statements per INSERT { } WHERE { } template where INSERT DATA refuses blank nodes.
TEMPLATE_STATEMENTS = 200


class Dialect:
    """How the remote store writes its own SPARQL for one backend."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.default_iri = backend.default_graph
        prefix = backend.blank_node_prefix
        self._bnode_prefix = (
            re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")' + re.escape(prefix.encode()))
            if prefix
            else None
        )

    # -- graph names

    def graph_out(self, term: object) -> URIRef | BNode | None:
        """A graph name from a result (``?g``) as callers see it (``None`` = default graph)."""
        if term is None:
            return None
        if isinstance(term, ox.NamedNode) and term.value == self.default_iri:
            return None
        assert isinstance(term, (ox.NamedNode, ox.BlankNode))
        return _graph_out(term)

    def graph_name(self, term: object) -> OxGraphName:
        """A graph name from a result as a pyoxigraph graph name (the stand-in of the
        default graph becomes the default graph)."""
        if term is None or (isinstance(term, ox.NamedNode) and term.value == self.default_iri):
            return ox.DefaultGraph()
        assert isinstance(term, (ox.NamedNode, ox.BlankNode))
        return term

    def graph_iri(self, name: OxGraphName) -> str | None:
        """The IRI that names a graph in the protocols (``None``: the real default graph)."""
        if isinstance(name, ox.DefaultGraph):
            return self.default_iri
        if isinstance(name, ox.BlankNode):
            raise StoreError(
                "een externe store kan een graaf met een blanco knoop als naam niet aanwijzen",
                "a remote store cannot address a graph named by a blank node",
            )
        return name.value

    def in_graph(self, name: OxGraphName, pattern: str) -> str:
        """``pattern`` matched in one graph."""
        iri = self.graph_iri(name)
        return pattern if iri is None else f"GRAPH <{iri}> {{ {pattern} }}"

    def _system_filter(self, var: str, *, default: bool) -> str:
        tests = [f'!STRSTARTS(STR({var}), "{prefix}")' for prefix in self.backend.system_graphs]
        tests.append(f"{var} != <{GENERATION_GRAPH}>")
        if not default and self.default_iri is not None:
            tests.append(f"{var} != <{self.default_iri}>")
        return f" FILTER({' && '.join(tests)})" if tests else ""

    def every(self, pattern: str) -> str:
        """``pattern`` matched in every graph of the user's data, ``?g`` bound to the
        named graph (unbound, or the stand-in, for the default graph)."""
        if self.default_iri is None:
            return f"{{ {pattern} }} UNION {{ GRAPH ?g {{ {pattern} }}{self._system_filter('?g', default=True)} }}"
        return f"GRAPH ?g {{ {pattern} }}{self._system_filter('?g', default=True)}"

    def named(self, pattern: str) -> str:
        """``pattern`` matched in the named graphs only (``?g`` bound)."""
        return f"GRAPH ?g {{ {pattern} }}{self._system_filter('?g', default=False)}"

    def graphs_query(self) -> str:
        """The named graphs (empty ones too where the backend keeps them)."""
        if self.backend.keeps_empty_graphs:
            return f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ }}{self._system_filter('?g', default=False)} }}"
        return f"SELECT DISTINCT ?g WHERE {{ {self.named('?s ?p ?o')} }}"

    def has_graph_query(self, name: ox.NamedNode) -> str:
        inner = "" if self.backend.keeps_empty_graphs else "?s ?p ?o"
        return f"ASK {{ GRAPH {name} {{ {inner} }} }}"

    # -- updates

    def user_update(self, text: str) -> tuple[str, int]:
        """A caller's update as this backend needs it, and the lines put in front: on a
        store without a default graph, statements outside ``GRAPH`` go to the stand-in
        (Virtuoso's ``DEFINE input:default-graph-uri``, which is also the default graph
        of the update's ``WHERE``, as on the embedded store)."""
        if self.default_iri is None:
            return text, 0
        return f"DEFINE input:default-graph-uri <{self.default_iri}>\n{text}", 1

    def clear(self, name: OxGraphName) -> str:
        iri = self.graph_iri(name)
        return "CLEAR SILENT DEFAULT" if iri is None else f"CLEAR SILENT GRAPH <{iri}>"

    def drop(self, name: OxGraphName) -> str:
        """Drop a named graph; the default graph is emptied."""
        if isinstance(name, ox.DefaultGraph):
            return self.clear(name)
        return f"DROP SILENT GRAPH <{self.graph_iri(name)}>"

    def clear_all(self, graphs: Iterable[URIRef | BNode]) -> list[str]:
        """Empty the whole store: ``DROP ALL`` where the store holds only user data,
        otherwise every user graph (``graphs``) one by one, and the default graph."""
        if self.default_iri is None and not self.backend.system_graphs:
            return ["DROP SILENT ALL"]
        ops = [f"DROP SILENT GRAPH <{g}>" for g in graphs if isinstance(g, URIRef)]
        return [*ops, self.clear(ox.DefaultGraph())]

    def data_block(self, quads: Iterable[ox.Quad]) -> str:
        """The body of INSERT DATA / DELETE DATA: triples grouped by graph."""
        by_graph: dict[str | None, list[str]] = {}
        for q in quads:
            iri = self.graph_iri(q.graph_name)
            by_graph.setdefault(iri, []).append(f"{q.subject} {q.predicate} {q.object} .")
        parts = []
        for iri, lines in by_graph.items():
            body = "\n".join(lines)
            parts.append(body if iri is None else f"GRAPH <{iri}> {{\n{body}\n}}")
        return "\n".join(parts)

    def insert(self, quads: list[ox.Quad]) -> list[str]:
        """The operations that add ``quads`` (blank nodes become new nodes)."""
        if self.backend.blank_nodes_in_insert_data:
            return self._data_operations("INSERT DATA", quads)
        ops = self._data_operations("INSERT DATA", [q for q in quads if not _has_blank_node(q)])
        # Templates hold one graph each (Virtuoso 7.2 fails on blank nodes in two GRAPH
        # blocks of one template, SR002; so a blank node shared by two graphs becomes
        # two) and whole sets of connected blank nodes up to TEMPLATE_STATEMENTS (it
        # compiles a template into SQL of limited length, SP031).
        by_graph: dict[OxGraphName, BlankNodeSets] = {}
        for q in quads:
            if _has_blank_node(q):
                by_graph.setdefault(q.graph_name, BlankNodeSets()).add(q)
        for sets in by_graph.values():
            batch: list[ox.Quad] = []
            for connected in sets.sets():
                if batch and len(batch) + len(connected) > TEMPLATE_STATEMENTS:
                    ops.append(f"INSERT {{\n{self.data_block(batch)}\n}} WHERE {{ }}")
                    batch = []
                batch += connected
            if batch:
                ops.append(f"INSERT {{\n{self.data_block(batch)}\n}} WHERE {{ }}")
        return ops

    def delete(self, quads: list[ox.Quad]) -> list[str]:
        """The operations that remove ``quads`` (none with a blank node)."""
        return self._data_operations("DELETE DATA", quads)

    def _data_operations(self, keyword: str, quads: list[ox.Quad]) -> list[str]:
        size = self.backend.statements_per_operation or len(quads) or 1
        return [
            f"{keyword} {{\n{self.data_block(quads[i : i + size])}\n}}" for i in range(0, len(quads), size)
        ]

    # -- answers

    def fix_results(self, data: bytes) -> bytes:
        """SPARQL JSON results as pyoxigraph reads them (blank node labels without the
        server's prefix)."""
        if self._bnode_prefix is None:
            return data
        return self._bnode_prefix.sub(rb"\1", data)


class BlankNodeSets:
    """Statements with blank nodes, grouped into sets connected through shared blank
    nodes (union-find on the labels), so each set can go in one request."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._quads: list[tuple[str, ox.Quad]] = []

    def _find(self, label: str) -> str:
        root = label
        while self._parent.setdefault(root, root) != root:
            root = self._parent[root]
        while self._parent[label] != root:  # path compression
            self._parent[label], label = root, self._parent[label]
        return root

    def add(self, quad: ox.Quad) -> None:
        labels = [t.value for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)]
        if not labels:  # an RDF 1.2 triple term: a set of its own
            labels = [f"#{len(self._quads)}"]
        first = self._find(labels[0])
        for other in labels[1:]:
            root = self._find(other)
            if root != first:
                self._parent[root] = first
        self._quads.append((labels[0], quad))

    def sets(self) -> list[list[ox.Quad]]:
        grouped: dict[str, list[ox.Quad]] = defaultdict(list)
        for label, quad in self._quads:
            grouped[self._find(label)].append(quad)
        return list(grouped.values())


_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_PROLOGUE_ONLY = re.compile(r"(?is)\s*((PREFIX\s+[^\s:]*:\s*|BASE\s*)<>\s*)*")


def then(update: str, ops: list[str]) -> str:
    """``update`` (a caller's request) followed by ``ops`` in the same request. Oxigraph
    allows no prologue after a ``;``, so the operations go last, after a ``;`` unless
    the request already ends with one or holds no operation (only ``PREFIX``/``BASE``)."""
    tail = " ;\n".join(ops)
    bare = _significant(update)
    if not bare or bare.endswith(";") or _PROLOGUE_ONLY.fullmatch(bare):
        return f"{update}\n{tail}"
    return f"{update}\n;\n{tail}"


def _significant(text: str) -> str:
    """The text without comments and with IRIs and strings emptied (``<>``, ``""``), so
    what is left can be read for its last token or its form."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c == "<" and (m := _IRI.match(text, i)):
            out.append("<>")
            i = m.end()
        elif c in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else c
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                i += 2 if text[i] == "\\" else 1
            i += len(quote)
            out.append('""')
        else:
            out.append(c)
            i += 1
    return "".join(out).strip()
