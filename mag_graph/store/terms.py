"""Terms between rdflib and pyoxigraph: what callers see (rdflib) and what Oxigraph
stores, graph names included.

Terms leaving Oxigraph become rdflib terms that compare equal to what rdflib itself
produces (``"x"^^xsd:string`` becomes the plain literal ``"x"``: without that, pySHACL
reports false ``sh:in`` violations).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from mag_graph.store.errors import InvalidIRIError, MagGraphError

# rdflib's name for the default graph of a Dataset; accepted wherever a graph is named.
DEFAULT_GRAPH: URIRef = DATASET_DEFAULT_GRAPH_ID

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RDF_DIRLANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

GraphArg = URIRef | BNode | str | None
OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
OxGraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


def to_rdflib_term(term: Any) -> Node | None:
    """An rdflib term for a pyoxigraph term.

    ``xsd:string`` literals become plain literals and ``rdf:langString`` literals plain
    language-tagged ones, because that is how rdflib represents them after parsing: an
    explicit ``"x"^^xsd:string`` does not compare equal to ``"x"`` in rdflib.
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return RdfLiteral(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return RdfLiteral(term.value)
        return RdfLiteral(term.value, datatype=URIRef(datatype))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.DefaultGraph):
        return None
    raise MagGraphError(
        f"term {term!r} kan niet naar rdflib worden omgezet (RDF 1.2 triple term?)",
        f"term {term!r} cannot be converted to rdflib (RDF 1.2 triple term?)",
    )


def from_rdflib_term(node: Any, *, blank_nodes: dict[str, ox.BlankNode] | None = None) -> OxTerm:
    """A pyoxigraph term for an rdflib term (a plain ``str`` is read as an IRI; ``bool``,
    ``int`` and ``float`` become typed literals).

    Blank nodes keep their label when Oxigraph accepts it, so that a store -> rdflib ->
    store round trip gives the same nodes; labels Oxigraph refuses get a fresh node,
    the same one for every occurrence when a shared ``blank_nodes`` map is passed.
    """
    if isinstance(node, (ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple)):
        return node
    if isinstance(node, (bool, int, float)):  # Python values as typed literals
        node = RdfLiteral(node)
    if isinstance(node, RdfLiteral):
        lexical = str(node)
        if node.language:
            return ox.Literal(lexical, language=node.language)
        if node.datatype is not None and str(node.datatype) != _XSD_STRING:
            return ox.Literal(lexical, datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(lexical)
    if isinstance(node, BNode):
        label = str(node)
        if blank_nodes is not None and label in blank_nodes:
            return blank_nodes[label]
        try:
            made = ox.BlankNode(label)
        except ValueError:
            made = ox.BlankNode()
        if blank_nodes is not None:
            blank_nodes[label] = made
        return made
    if isinstance(node, (URIRef, str)):
        return _named_node(str(node))
    raise MagGraphError(
        f"kan {node!r} niet als RDF-term gebruiken", f"cannot use {node!r} as an RDF term"
    )


def _named_node(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise InvalidIRIError(iri, str(exc)) from None


def _graph_name(graph: GraphArg | OxGraphName) -> OxGraphName:
    """The pyoxigraph graph name for a graph argument (``None`` = the default graph)."""
    if graph is None or isinstance(graph, ox.DefaultGraph):
        return ox.DefaultGraph()
    if isinstance(graph, (ox.NamedNode, ox.BlankNode)):
        return graph
    if isinstance(graph, BNode):
        return ox.BlankNode(str(graph))
    if str(graph) == str(DEFAULT_GRAPH):
        return ox.DefaultGraph()
    return _named_node(str(graph))


def _graph_out(graph: OxGraphName) -> URIRef | BNode | None:
    if isinstance(graph, ox.DefaultGraph):
        return None
    out = to_rdflib_term(graph)
    assert isinstance(out, (URIRef, BNode))
    return out


def _graph_label(graph: OxGraphName) -> str:
    return "default" if isinstance(graph, ox.DefaultGraph) else graph.value


class _Converter:
    """Memoised pyoxigraph -> rdflib conversion for one result or graph.

    Memoising matters for speed (the same IRIs recur constantly) and keeps every blank
    node of one conversion mapped to one rdflib node.
    """

    def __init__(self) -> None:
        self._cache: dict[Any, Node | None] = {}

    def __call__(self, term: Any) -> Any:
        if term is None:
            return None
        try:
            return self._cache[term]
        except KeyError:
            out = self._cache[term] = to_rdflib_term(term)
            return out
        except TypeError:  # unhashable: should not happen, but never fail on a cache
            return to_rdflib_term(term)


def _has_blank_node(quad: ox.Quad) -> bool:
    return (
        isinstance(quad.subject, ox.BlankNode)
        or isinstance(quad.object, ox.BlankNode)
        or isinstance(quad.graph_name, ox.BlankNode)
        or isinstance(quad.subject, ox.Triple)
        or isinstance(quad.object, ox.Triple)
    )


def _to_quad(quad: Any, graph: GraphArg | OxGraphName = None) -> ox.Quad:
    """A pyoxigraph quad from an ox.Quad or a 3/4-tuple of rdflib terms."""
    if isinstance(quad, ox.Quad):
        if graph is None:
            return quad
        return ox.Quad(quad.subject, quad.predicate, quad.object, _graph_name(graph))
    items = tuple(quad)
    if len(items) == 4:
        s, p, o, g = items
        if graph is not None:
            g = graph
    elif len(items) == 3:
        s, p, o = items
        g = graph
    else:
        raise MagGraphError(
            f"verwacht (s, p, o) of (s, p, o, g), niet {quad!r}",
            f"expected (s, p, o) or (s, p, o, g), not {quad!r}",
        )
    bnodes: dict[str, ox.BlankNode] = {}
    return ox.Quad(
        from_rdflib_term(s, blank_nodes=bnodes),
        from_rdflib_term(p),
        from_rdflib_term(o, blank_nodes=bnodes),
        _graph_name(g),
    )


def _rdflib_quad(q: ox.Quad, conv: _Converter) -> tuple[Any, Any, Any, Any]:
    return (conv(q.subject), conv(q.predicate), conv(q.object), _graph_out(q.graph_name))


def _sorted_graphs(graphs: Iterable[OxGraphName]) -> tuple[URIRef | BNode | None, ...]:
    out = [_graph_out(g) for g in graphs]
    return tuple(sorted(out, key=lambda g: "" if g is None else str(g)))
