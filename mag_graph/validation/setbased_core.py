"""SHACL Core components as SPARQL conditions for the set-based engine
(:mod:`mag_graph.validation.setbased`).

A component judged value node by value node (``sh:in``, ``sh:datatype``,
``sh:nodeKind``) gets a condition that holds only for value nodes pySHACL certainly
accepts. The engine asks Oxigraph for the value nodes where it does not hold (usually
none), and pySHACL's own component judges just those: a result is pySHACL's, while the
value nodes that pass never leave the store. A condition may leave out value nodes that
do pass (they are judged by pySHACL and pass there); it never takes in one that fails:

* ``sh:in``: the value is one of the list's IRIs (``sameTerm``: pySHACL compares IRIs as
  strings). Literals of the list are left to pySHACL (Oxigraph reads some literals in a
  canonical form, pySHACL compares them as written).
* ``sh:datatype`` D, for the datatypes in :data:`_CASTABLE`: a literal of datatype D
  that is its own cast ``D(STR(value))``, i.e. well-formed and canonical, which rdflib
  also parses as D. A value of another form (``"01"^^xsd:integer``), of a type derived
  from D that Oxigraph stores as D (see pyshacl_patches), or of D outside this list is
  left to pySHACL.
* ``sh:nodeKind``: ``isIRI``/``isBlank``/``isLiteral``, exactly SHACL's node kinds.
"""

from __future__ import annotations

from typing import Any

from rdflib import URIRef
from rdflib.namespace import SH, XSD

_XSD = str(XSD)
# Datatypes whose cast from a string Oxigraph supports and whose canonical form rdflib
# parses as a value of that datatype.
_CASTABLE = {_XSD + name for name in ("date", "dateTime", "time", "gYear", "gYearMonth", "integer", "decimal", "boolean")}
_NODE_KINDS = {
    SH.IRI: "isIRI(?value)",
    SH.BlankNode: "isBlank(?value)",
    SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
    SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
    SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
}


def accepted(c: Any) -> str | None:
    """A SPARQL condition on ``?value`` that holds only for value nodes the component
    ``c`` accepts; None when the component has none (pySHACL judges every value node)."""
    from pyshacl.constraints.core.other_constraints import InConstraintComponent
    from pyshacl.constraints.core.value_constraints import (
        DatatypeConstraintComponent,
        NodeKindConstraintComponent,
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
        return (f"(isLiteral(?value) && sameTerm(datatype(?value), <{rule}>) "
                f"&& sameTerm(?value, <{rule}>(STR(?value))))")
    if isinstance(c, NodeKindConstraintComponent):
        return _NODE_KINDS.get(c.nodekind_rule)
    return None


__all__ = ["accepted"]
