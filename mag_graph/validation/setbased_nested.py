"""``sh:node``, ``sh:and``, ``sh:or``, ``sh:not``, ``sh:xone``, ``sh:closed``, ``sh:equals``,
``sh:disjoint`` and ``sh:uniqueLang`` for the set-based engine
(:mod:`mag_graph.validation.setbased`).

pySHACL evaluates the nested shapes of the first five once per value node. Here the
conformance of all value nodes to each nested shape is decided at once, with the
engine's own queries (``_Run._nonconforming``: the nested shape evaluated for a
``VALUES ?this`` table of the value nodes, only conformance, no result messages, as for
``sh:qualifiedValueShape``). A value node that certainly passes (it conforms to every
``sh:node`` shape and every member of an ``sh:and``, to a member of each ``sh:or``, to
none of the ``sh:not`` shapes, to exactly one member of each ``sh:xone`` list) never
leaves the store; pySHACL's own component judges the others, so every result, with its
``sh:detail`` for ``sh:node``, is pySHACL's. All value nodes go to pySHACL's component when
the nested shapes can recur (a cycle of shape references in the shapes graph), a nested
shape is missing, filtered or refused, or the nesting is deeper than pySHACL allows;
value nodes that are not IRIs (literals, blank nodes cannot be written in a query
faithfully) always go to it.

``sh:closed``, ``sh:equals``, ``sh:disjoint``, ``sh:uniqueLang``: one query finds the value
nodes (``sh:closed``: with a predicate outside the allowed ones) or the focus nodes (the
others: a value without an identical term among the other property's values or the
reverse; a shared term; two literals with one language tag) pySHACL may reject, and
pySHACL's component judges just those (a focus node with all its value nodes).
"""

from __future__ import annotations

from typing import Any

from rdflib import URIRef
from rdflib.namespace import SH

# Predicates by which a shape refers to other shapes (lists for and/or/xone).
_REFERENCES = (SH.node, SH.property, SH.qualifiedValueShape, SH["not"])
_LISTS = (SH["and"], SH["or"], SH.xone)
_PAIRS_AND_CLOSED = {
    str(SH.UniqueLangConstraintComponent),
    str(SH.ClosedConstraintComponent),
    str(SH.EqualsConstraintComponent),
    str(SH.DisjointConstraintComponent),
}
# A plain, xsd:string or language-tagged literal (rdflib keeps their text as written).
_STRING = (
    "(sameTerm(datatype({0}), <http://www.w3.org/2001/XMLSchema#string>) "
    "|| sameTerm(datatype({0}), <http://www.w3.org/1999/02/22-rdf-syntax-ns#langString>))"
)


def shape_based(
    run: Any, shape: Any, c: Any, targets: str, values: str, path: list[Any]
) -> list[Any]:
    """The results of the component ``c`` of ``shape`` (one :func:`handles` names) for the
    focus nodes of ``targets`` and their value nodes (``values``, a pattern binding
    ``?value`` from ``?this``); ``path`` ends with ``shape`` and ``c``, as pySHACL's."""
    if _pair_or_closed(c):
        suspects = _focus_suspects(run, shape, c, targets, values)
        if suspects is None:
            suspects = run._focus_values(shape, targets, values)
        return c.evaluate(run.executor, run.data, suspects, path)[1] if suspects else []
    focus_values = run._focus_values(shape, targets, values)
    suspects = _suspects(run, shape, c, focus_values, path)
    if suspects is None:
        suspects = focus_values
    if not any(suspects.values()):
        return []
    return c.evaluate(run.executor, run.data, suspects, path)[1]


def _pair_or_closed(c: Any) -> bool:
    return str(c.shacl_constraint_component) in _PAIRS_AND_CLOSED


def _focus_suspects(
    run: Any, shape: Any, c: Any, targets: str, values: str
) -> dict[Any, set[Any]] | None:
    """For ``sh:closed``, ``sh:equals`` and ``sh:disjoint``: the focus nodes pySHACL must
    judge, with the value nodes it must judge of each (``sh:closed``: those with a
    predicate outside the allowed ones; the pairs: all of them, for the focus nodes where
    a value has no identical term among the other property's values or the reverse, or
    shares one with it). None when pySHACL must judge every focus node."""
    component = str(c.shacl_constraint_component)
    if component == str(SH.ClosedConstraintComponent):
        allowed = _closed_allowed(shape, c)
        if allowed is None:
            return None
        if not allowed:
            return run._focus_values(shape, targets, values, "?value ?mag_p ?mag_o .")
        listed = ", ".join(f"<{p}>" for p in sorted(allowed))
        return run._focus_values(
            shape,
            targets,
            values,
            f"?value ?mag_p ?mag_o . FILTER (?mag_p NOT IN ({listed}))",
        )
    if component == str(SH.UniqueLangConstraintComponent):
        if set(c.string_rules) != {True}:
            return None
        # two literals with one language tag (rdflib may read two of them as one term)
        query = (
            f'SELECT ?this WHERE {{ {targets} {values} FILTER (isLiteral(?value) && LANG(?value) != "") '
            "BIND (LCASE(LANG(?value)) AS ?mag_lang) } GROUP BY ?this ?mag_lang HAVING (COUNT(DISTINCT ?value) > 1)"
        )
        return _chosen(run, shape, query, values)
    others = list(c.property_compare_set)
    if not all(isinstance(p, URIRef) for p in others):
        return None
    parts = []
    for other in others:
        if component == str(SH.EqualsConstraintComponent):
            parts.append(
                f"{{ {targets} {values} OPTIONAL {{ ?this <{other}> ?value . BIND (true AS ?mag_same) }} FILTER (!BOUND(?mag_same)) }}"
            )
            if shape.is_property_shape:
                parts.append(
                    f"{{ {targets} ?this <{other}> ?value . OPTIONAL {{ {values} BIND (true AS ?mag_same) }} "
                    "FILTER (!BOUND(?mag_same)) }"
                )
            else:  # the value node is the focus node itself
                parts.append(
                    f"{{ {targets} ?this <{other}> ?mag_other . FILTER (!sameTerm(?mag_other, ?this)) }}"
                )
        else:  # disjoint: the same term, or two literals rdflib may read as one (it normalises them)
            parts.append(
                f"{{ {targets} {values} ?this <{other}> ?mag_other . FILTER (sameTerm(?mag_other, ?value) || (isLiteral(?value) "
                f"&& isLiteral(?mag_other) && !({_STRING.format('?value')} && {_STRING.format('?mag_other')}))) }}"
            )
    # the targets in each branch: a node shape's values pattern binds ?value from ?this
    query = f"SELECT DISTINCT ?this WHERE {{ {' UNION '.join(parts)} }}"
    return _chosen(run, shape, query, values)


def _chosen(
    run: Any, shape: Any, query: str, values: str
) -> dict[Any, set[Any]] | None:
    """The focus nodes the query selects, with all their value nodes; None when one of
    them cannot be written in a query (pySHACL then judges every focus node)."""
    from pyshacl import graph_abstraction

    chosen = list(
        dict.fromkeys(
            graph_abstraction.to_rdf(s["this"]) for s in run._solutions(query)
        )
    )
    if not chosen:
        return {}
    if not all(isinstance(f, URIRef) for f in chosen):
        return None
    table = "VALUES ?this { " + " ".join(f"<{f}>" for f in chosen) + " }"
    return run._focus_values(shape, table, values)


def _closed_allowed(shape: Any, c: Any) -> set[URIRef] | None:
    """The predicates ``sh:closed`` allows (paths of the property shapes, ignored
    properties), as pySHACL collects them; None when pySHACL would refuse them."""
    if not c.is_closed:
        return None  # pySHACL: nothing to check (and no values to read)
    allowed = {p for p in c.ignored_props if isinstance(p, URIRef)}
    for node in c.property_shapes:
        if shape.sg.is_filtered_out_shape(node):
            continue
        found = shape.get_other_shape(node)
        if not found or not found.is_property_shape:
            return None
        p = found.path()
        if isinstance(p, URIRef):
            allowed.add(p)
    return allowed


def _suspects(
    run: Any, shape: Any, c: Any, focus_values: dict[Any, set[Any]], path: list[Any]
) -> dict[Any, set[Any]] | None:
    """The value nodes pySHACL must judge, per focus node: those not certainly accepted.
    None when every value node must be judged by pySHACL."""
    every = {
        v for values in focus_values.values() for v in values if isinstance(v, URIRef)
    }
    if not every:
        return None
    groups = _groups(shape, c)
    if groups is None or len(path) // 2 + 2 >= run.executor.max_validation_depth:
        return None
    members = {node for _, nodes in groups for node in nodes}
    graph = shape.sg.graph
    if any(_may_recur(graph, node) for node in members):
        return None
    failing: dict[Any, set[Any]] = {}
    for node in members:
        other = shape.get_other_shape(node)
        if not other or (
            c.shacl_constraint_component == SH.NodeConstraintComponent
            and other.is_property_shape
        ):
            return None  # pySHACL's component says what is wrong
        found = run._nonconforming(other, every, path)
        if found is None:
            return None
        failing[node] = found
    accepted = {
        v
        for v in every
        if all(_passes(kind, nodes, failing, v) for kind, nodes in groups)
    }
    return {
        focus: {v for v in values if v not in accepted}
        for focus, values in focus_values.items()
    }


def _passes(
    kind: str, nodes: list[Any], failing: dict[Any, set[Any]], value: Any
) -> bool:
    conforming = sum(1 for node in nodes if value not in failing[node])
    if kind == "all":
        return conforming == len(nodes)
    if kind == "any":
        return conforming > 0 or not nodes
    if kind == "one":
        return conforming == 1 or not nodes
    return conforming == 0  # "none"


def handles(component: type) -> bool:
    """Whether ``component`` (a pySHACL constraint component class) is one of this module's."""
    from pyshacl.constraints.core.logical_constraints import (
        AndConstraintComponent,
        NotConstraintComponent,
        OrConstraintComponent,
        XoneConstraintComponent,
    )
    from pyshacl.constraints.core.other_constraints import ClosedConstraintComponent
    from pyshacl.constraints.core.property_pair_constraints import (
        DisjointConstraintComponent,
        EqualsConstraintComponent,
    )
    from pyshacl.constraints.core.shape_based_constraints import NodeConstraintComponent
    from pyshacl.constraints.core.string_based_constraints import (
        UniqueLangConstraintComponent,
    )

    return component in (
        UniqueLangConstraintComponent,
        ClosedConstraintComponent,
        EqualsConstraintComponent,
        DisjointConstraintComponent,
        NodeConstraintComponent,
        AndConstraintComponent,
        OrConstraintComponent,
        NotConstraintComponent,
        XoneConstraintComponent,
    )


def _groups(shape: Any, c: Any) -> list[tuple[str, list[Any]]] | None:
    """What a value node must do to pass, as (kind, nested shapes) pairs, each nested
    shape as pySHACL takes it (filtered shapes left out; a sh:xone list's duplicates
    kept, pySHACL counts them); None for a list pySHACL would refuse."""
    sg = shape.sg
    name = str(c.shacl_constraint_component)
    if name == str(SH.NodeConstraintComponent):
        return [("all", [n for n in c.node_shapes if not sg.is_filtered_out_shape(n)])]
    if name == str(SH.NotConstraintComponent):
        return [("none", [n]) for n in c.not_list if not sg.is_filtered_out_shape(n)]
    kind, heads = {
        str(SH.AndConstraintComponent): ("all", getattr(c, "and_list", None)),
        str(SH.OrConstraintComponent): ("any", getattr(c, "or_list", None)),
        str(SH.XoneConstraintComponent): ("one", getattr(c, "xone_nodes", None)),
    }.get(name, ("", None))
    if heads is None:
        return None
    groups = []
    for head in heads:
        items = list(sg.graph.items(head))
        if not items:
            return None  # pySHACL: not a valid RDF list
        groups.append((kind, [n for n in items if not sg.is_filtered_out_shape(n)]))
    return groups


def _may_recur(graph: Any, start: Any) -> bool:
    """Whether a cycle of shape references (``sh:node``, ``sh:property``,
    ``sh:qualifiedValueShape``, ``sh:not``, members of ``sh:and/or/xone``) can be reached
    from ``start`` in the shapes graph."""
    done: set[Any] = set()
    on_path: set[Any] = set()

    def visit(node: Any) -> bool:
        if node in on_path:
            return True
        if node in done:
            return False
        on_path.add(node)
        following = [o for p in _REFERENCES for o in graph.objects(node, p)]
        following += [
            m
            for p in _LISTS
            for head in graph.objects(node, p)
            for m in graph.items(head)
        ]
        found = any(visit(o) for o in following)
        on_path.discard(node)
        done.add(node)
        return found

    return visit(start)


__all__ = ["handles", "shape_based"]
