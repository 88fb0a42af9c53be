"""The set-based validation engine: each shape evaluated for all its focus nodes at once,
as SPARQL that Oxigraph runs, instead of pySHACL's evaluation per focus node in Python.

pySHACL stays the reference (``engine="pyshacl"``), and this engine reuses its reading of
the shapes graph (shapes, targets, paths, parameters, prefixes, messages) and its own
constructors of validation results, so a result says the same in both (focus node,
path, value, source shape, component, severity, messages with ``{$this}``/``{?var}``
filled in). What differs is how the results are found:

* targets: one sub-select per shape (:func:`~.setbased_sparql.targets_query`), joined
  into every query of the shape;
* ``sh:minCount``, ``sh:maxCount``: one GROUP BY / HAVING query per constraint;
* ``sh:class``: one query per class, ``FILTER NOT EXISTS { ?value rdf:type/rdfs:subClassOf* C }``;
* ``sh:hasValue``: one query per value, ``FILTER NOT EXISTS`` (property shapes) or
  ``sameTerm`` (node shapes);
* ``sh:property`` of a node shape: its property shapes evaluated the same way, for the
  node shape's focus nodes;
* SHACL-SPARQL constraints: one query per constraint, ``$this`` unbound and joined with
  the targets (:func:`~.setbased_sparql.set_based`);
* every other SHACL Core component (``sh:datatype``, ``sh:in``, ``sh:nodeKind``, ranges,
  lengths, patterns, languages, ``sh:node``, ``sh:qualifiedValueShape``, logical
  constraints, property pairs, ``sh:closed``): the value nodes of all focus nodes are read
  with one query, and pySHACL's own component evaluates them (its logic, exactly).

A shape that cannot be evaluated this way falls back, as a whole, to pySHACL's
evaluation of that shape (``Shape.validate``, its own targets): a path pySHACL cannot
write as SPARQL, a target naming a blank node, custom (SPARQL-based) constraint
components, a shape whose constraints pySHACL would refuse. A SPARQL constraint that
cannot be rewritten faithfully is evaluated by pySHACL's component for the focus nodes
found (docs/shapes-contract.md, "The set-based engine").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef

from mag_graph.validation import pyshacl_patches  # noqa: F401  (patches pySHACL on import)
from mag_graph.validation.deadline import Deadline
from mag_graph.validation.errors import ValidationInputError, ValidationTimeoutError
from mag_graph.validation.focused import Focus, reused_shapes_graph
from mag_graph.validation.setbased_sparql import (
    correlated,
    set_based,
    targets_query,
    term_text,
)

# Focus nodes per query (see _Run._focus_chunks).
CHUNK = 2000
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class _Fallback(Exception):
    """The shape is evaluated by pySHACL instead."""


def run_setbased(
    store: ox.Store, shapes: Graph, use_shapes: Sequence[URIRef] | None = None, deadline: Deadline | None = None,
    focus_nodes: Collection[Any] | None = None,
) -> Graph:
    """The validation report graph of ``store`` against ``shapes`` (only ``use_shapes``
    when given), found set-based; the same graph pySHACL would give, up to blank node
    names. Shapes pySHACL refuses raise :class:`ValidationInputError`. With a
    ``deadline``, it is checked before each shape, each chunk of focus nodes and each
    query, and :class:`ValidationTimeoutError` raised once it has passed. ``focus_nodes``
    (incremental validation, :mod:`.focused`) restricts each shape's targets to those of
    these nodes that it targets."""
    from pyshacl.errors import ReportableRuntimeError, ValidationFailure

    try:
        return _Run(store, shapes, use_shapes, deadline, focus_nodes).report()
    except ValidationFailure as error:
        raise ValidationInputError(f"pySHACL weigert de shapes / pySHACL refuses the shapes: {error.message}") from error
    except ReportableRuntimeError as error:
        raise ValidationInputError(f"pySHACL weigert de shapes / pySHACL refuses the shapes: {error.message}") from error
    except NotImplementedError as error:
        raise ValidationInputError(f"pySHACL kan deze shapes niet uitvoeren / pySHACL cannot run these shapes: {error}") from error


class _Run:
    """One validation run: pySHACL's validator set up as ``pyshacl.validate`` would
    (the store as its data graph, the shapes graph loaded the same way), evaluated set-based."""

    def __init__(
        self, store: ox.Store, shapes: Graph, use_shapes: Sequence[URIRef] | None, deadline: Deadline | None = None,
        focus_nodes: Collection[Any] | None = None,
    ) -> None:
        from pyshacl.graph_abstraction import DataGraph
        from pyshacl.monkey import rdflib_bool_patch, rdflib_bool_unpatch
        from pyshacl.rdfutil import load_from_source
        from pyshacl.validator import Validator

        self.store = store
        self.deadline = deadline
        self.data = DataGraph.from_oxigraph_store(store)
        rdflib_bool_patch()
        try:
            loaded = load_from_source(shapes, multigraph=True, do_owl_imports=False)
        finally:
            rdflib_bool_unpatch()
        self.validator = Validator(self.data, shacl_graph=loaded, options={"inplace": True, "allow_warnings": False})
        self.executor = self.validator.make_executor()
        self.use_shapes = [URIRef(str(s)) for s in use_shapes] if use_shapes else None
        self.fallbacks: list[str] = []  # shapes pySHACL evaluated as a whole (for the docs and tests)
        self.focus = Focus(store, focus_nodes) if focus_nodes is not None else None
        if self.focus is not None:
            self.validator.shacl_graph = reused_shapes_graph(shapes, self.validator.shacl_graph)

    def shapes(self) -> list[Any]:
        sg = self.validator.shacl_graph
        return list(sg.shapes_from_uris(self.use_shapes) if self.use_shapes else sg.shapes)

    def report(self) -> Graph:
        from pyshacl.validator import Validator

        shapes = self.shapes()
        if self.data.is_multigraph():
            self.data.default_union = True
        results: list[Any] = []
        conforms = True
        for shape in shapes:
            if shape.deactivated:
                continue
            self._check_deadline()
            try:
                found = self._top_level(shape)
            except _Fallback:
                self.fallbacks.append(str(shape.node))
                if self.focus is not None:
                    targeted = self.focus.targeted(shape)
                    if targeted is None:
                        targeted = [str(n) for n in shape.focus_nodes(self.data) if str(n) in self.focus.nodes]
                    if not targeted:
                        continue
                    shape_conforms, found = shape.validate(self.executor, self.data, focus=[URIRef(n) for n in targeted])
                else:
                    shape_conforms, found = shape.validate(self.executor, self.data)
                conforms = conforms and shape_conforms
            conforms = conforms and not found
            results.extend(found)
        report, _ = Validator.create_validation_report(self.validator.shacl_graph, conforms, results)
        return report

    # ------------------------------------------------------------------ shapes

    def _top_level(self, shape: Any) -> list[Any]:
        if self.focus is not None:  # incremental: only the focus nodes the shape targets
            return self._evaluate_chunks(shape, self.focus.chunks(shape))
        nodes, classes, implicit, objects_of, subjects_of = (list(t) for t in shape.target())
        if not (nodes or classes or implicit or objects_of or subjects_of):
            return []
        targets = targets_query(nodes, [*classes, *implicit], subjects_of, objects_of)
        if targets is None:
            raise _Fallback
        return self._evaluate_chunks(shape, None, targets)

    def _evaluate_chunks(self, shape: Any, chunks: list[str] | None, targets: str | None = None) -> list[Any]:
        """The shape for each table of focus nodes: ``chunks``, or those of ``targets``."""
        if chunks is None and targets is None:
            raise _Fallback
        try:
            results: list[Any] = []
            for chunk in self._focus_chunks(targets) if chunks is None else chunks:
                self._check_deadline()
                results += self._evaluate(shape, chunk, [])
            return results
        except (_Fallback, ValidationTimeoutError):
            raise
        except Exception as error:  # a constraint pySHACL would refuse: let pySHACL say so
            raise _Fallback from error

    def _focus_chunks(self, targets: str) -> list[str]:
        """The focus nodes as ``VALUES ?this`` tables of at most :data:`CHUNK` nodes each,
        found once: a table joins cheaply wherever Oxigraph's planner puts it, while the
        targets' sub-select could be evaluated again for every solution of a nested loop.
        Focus nodes that cannot be written in a query (blank nodes; typed literals, which
        Oxigraph would read in canonical form) keep the sub-select."""
        found = [s["this"] for s in self._solutions(f"SELECT DISTINCT ?this WHERE {{ {targets} }}")]
        if not found:
            return []
        texts = []
        for term in found:
            if isinstance(term, ox.NamedNode) or isinstance(term, ox.Literal) and term.datatype.value == _XSD_STRING and term.language is None:
                texts.append(str(term))
            else:
                return [targets]
        return ["VALUES ?this { " + " ".join(texts[i:i + CHUNK]) + " }" for i in range(0, len(texts), CHUNK)]

    def _evaluate(self, shape: Any, targets: str, path: list[Any]) -> list[Any]:
        from pyshacl.constraints import (
            ALL_CONSTRAINT_PARAMETERS,
            CONSTRAINT_PARAMETERS_MAP,
        )
        from pyshacl.constraints.core.cardinality_constraints import (
            MaxCountConstraintComponent,
            MinCountConstraintComponent,
        )
        from pyshacl.constraints.core.other_constraints import (
            HasValueConstraintComponent,
        )
        from pyshacl.constraints.core.shape_based_constraints import (
            PropertyConstraintComponent,
        )
        from pyshacl.constraints.core.value_constraints import ClassConstraintComponent
        from pyshacl.constraints.sparql.sparql_based_constraints import (
            SPARQLBasedConstraint,
        )
        from pyshacl.errors import ConstraintLoadWarning

        if shape.deactivated:
            return []
        if shape.find_custom_constraints():
            raise _Fallback
        values = self._value_pattern(shape)
        parameters = set(ALL_CONSTRAINT_PARAMETERS)
        components: list[type] = []
        for predicate, _ in shape.sg.predicate_objects(shape.node):
            if predicate in parameters and CONSTRAINT_PARAMETERS_MAP[predicate] not in components:
                components.append(CONSTRAINT_PARAMETERS_MAP[predicate])
        evaluation_path = [*path, shape]
        results: list[Any] = []
        focus_values: dict[Any, set[Any]] | None = None
        for component in components:
            try:
                c = component(shape) if self.focus is None else self.focus.component(component, shape)
            except ConstraintLoadWarning:
                continue
            if component is MinCountConstraintComponent and shape.is_property_shape:
                results += self._counted(c, targets, values, f"< {int(c.min_count)}", optional=True)
            elif component is MaxCountConstraintComponent and shape.is_property_shape:
                results += self._counted(c, targets, values, f"> {int(c.max_count)}", optional=False)
            elif component is ClassConstraintComponent and all(isinstance(r, URIRef) for r in c.class_rules):
                for rule in c.class_rules:
                    query = (f"SELECT DISTINCT ?this ?value WHERE {{ {targets} {values} FILTER NOT EXISTS "
                             f"{{ ?value <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
                             f"<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{rule}> }} }}")
                    results += [c.make_v_result(self.data, f, value_node=v) for f, v in self._pairs(query)]
            elif component is HasValueConstraintComponent and all(term_text(v) for v in c.has_value_set):
                for value in c.has_value_set:
                    if shape.is_property_shape:
                        test = f"FILTER NOT EXISTS {{ ?this {self._path_text(shape)} {term_text(value)} }}"
                    else:
                        test = f"FILTER (!sameTerm(?this, {term_text(value)}))"
                    query = f"SELECT DISTINCT ?this WHERE {{ {targets} {test} }}"
                    results += [c.make_v_result(self.data, f, value_node=None) for f, _ in self._pairs(query)]
            elif component is PropertyConstraintComponent and not shape.is_property_shape:
                for node in c.property_shapes:
                    if shape.sg.is_filtered_out_shape(node):
                        continue
                    found = shape.get_other_shape(node)
                    if not found or not found.is_property_shape or found in evaluation_path:
                        raise _Fallback
                    results += self._evaluate(found, targets, [*evaluation_path, c])
            elif component is SPARQLBasedConstraint:
                if focus_values is None:
                    focus_values = self._focus_values(shape, targets, values)
                results += self._sparql(shape, c, targets, focus_values, [*evaluation_path, c])
            else:
                if focus_values is None:
                    focus_values = self._focus_values(shape, targets, values)
                _, found_results = c.evaluate(self.executor, self.data, focus_values, [*evaluation_path, c])
                results += found_results
        return results

    def _path_text(self, shape: Any) -> str:
        from pyshacl.helper.path_helper import shacl_path_to_sparql_path

        try:
            return shacl_path_to_sparql_path(shape.sg, shape.path())
        except Exception as error:
            raise _Fallback from error

    def _value_pattern(self, shape: Any) -> str:
        """The value nodes of ``?this`` as ``?value``: the focus node itself for a node
        shape, the path's values for a property shape."""
        if not shape.is_property_shape:
            return "BIND (?this AS ?value)"
        return f"?this {self._path_text(shape)} ?value ."

    # ------------------------------------------------------------------ queries

    def _check_deadline(self) -> None:
        if self.deadline is not None:
            self.deadline.check()

    def _solutions(self, query: str) -> Any:
        self._check_deadline()
        return self.data.query_oxigraph(query)

    def _pairs(self, query: str) -> list[tuple[Any, Any]]:
        """(focus, value) of each solution, as pySHACL's terms (value None if not projected)."""
        from pyshacl import graph_abstraction

        to_rdf = graph_abstraction.to_rdf
        solutions = self._solutions(query)
        with_value = any(v.value == "value" for v in solutions.variables)
        found = []
        for solution in solutions:
            value = solution["value"] if with_value else None
            found.append((to_rdf(solution["this"]), to_rdf(value) if value is not None else None))
        return found

    def _counted(self, c: Any, targets: str, values: str, comparison: str, optional: bool) -> list[Any]:
        pattern = f"OPTIONAL {{ {values} }}" if optional else values
        query = (f"SELECT ?this WHERE {{ {targets} {pattern} }} GROUP BY ?this "
                 f"HAVING (COUNT(DISTINCT ?value) {comparison})")
        from pyshacl import graph_abstraction

        return [c.make_v_result(self.data, graph_abstraction.to_rdf(s["this"])) for s in self._solutions(query)]

    def _focus_values(self, shape: Any, targets: str, values: str) -> dict[Any, set[Any]]:
        """Every focus node with its value nodes (empty when it has none), in one query."""
        from pyshacl import graph_abstraction

        to_rdf = graph_abstraction.to_rdf
        focus_values: dict[Any, set[Any]] = defaultdict(set)
        if not shape.is_property_shape:
            for solution in self._solutions(f"SELECT DISTINCT ?this WHERE {{ {targets} }}"):
                focus = to_rdf(solution["this"])
                focus_values[focus].add(focus)
            return dict(focus_values)
        for solution in self._solutions(f"SELECT ?this ?value WHERE {{ {targets} OPTIONAL {{ {values} }} }}"):
            focus = to_rdf(solution["this"])
            value = solution["value"]
            if value is None:
                focus_values.setdefault(focus, set())
            else:
                focus_values[focus].add(to_rdf(value))
        return dict(focus_values)

    def _sparql(self, shape: Any, c: Any, targets: str, focus_values: dict[Any, set[Any]], path: list[Any]) -> list[Any]:
        """A shape's SPARQL constraints, each run once for all focus nodes; a query that
        cannot be rewritten is run by pySHACL's component per focus node."""
        results: list[Any] = []
        pending = []
        for helper in c.sparql_constraints:
            if helper.deactivated:
                continue
            if not focus_values:
                continue
            _, text = helper.pre_bind_variables(next(iter(focus_values)))  # checks the query as pySHACL does
            text = helper.apply_prefixes(text)
            rewritten = set_based(text, targets, term_text(shape.node) if isinstance(shape.node, URIRef) else None)
            if rewritten is None:
                pending.append(helper)
                continue
            if correlated(text) and all(isinstance(f, URIRef) for f in focus_values):
                rows = self._rows_per_focus(shape, helper, text, focus_values)
                if rows is None:
                    pending.append(helper)
                    continue
            else:
                rows = self._rows(rewritten)
            results += self._sparql_results(shape, c, helper, rows)
        if pending:
            original = c.sparql_constraints
            c.sparql_constraints = pending
            try:
                _, found = c.evaluate(self.executor, self.data, focus_values, path)
            finally:
                c.sparql_constraints = original
            results += found
        return results

    def _rows(self, query: Any) -> dict[Any, list[dict[str, Any]]]:
        """The solutions of a set-based query by focus node (``this`` kept only when the
        original query projected it)."""
        from pyshacl import graph_abstraction

        to_rdf = graph_abstraction.to_rdf
        solutions = self._solutions(query.text)
        names = [v.value for v in solutions.variables]
        per_focus: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for solution in solutions:
            row = {}
            for name in names:
                term = solution[name]
                if term is not None:
                    row[name] = to_rdf(term)
            focus = row.get("this")
            if focus is None:
                continue
            if not query.projects_this:
                row.pop("this")
            per_focus[focus].append(row)
        return per_focus

    def _rows_per_focus(self, shape: Any, helper: Any, text: str, focus_values: dict[Any, set[Any]]) -> Any:
        """The solutions of a query whose EXISTS bodies use ``$this``, run once per focus
        node with the focus node written in, as pySHACL pre-binds it: Oxigraph evaluates
        an EXISTS body without the bindings of the solution it filters, so with ``$this``
        left unbound such a body is evaluated whole, once per solution (a minute at 100k
        triples instead of milliseconds). None when the query cannot be pre-bound so."""
        from pyshacl import graph_abstraction

        from mag_graph.validation.pyshacl_patches import _inline_bindings

        to_rdf = graph_abstraction.to_rdf
        per_focus: dict[Any, list[dict[str, Any]]] = {}
        for focus in focus_values:
            bindings, _ = helper.pre_bind_variables(focus)
            terms = {name: ox.NamedNode(str(term)) for name, term in bindings.items() if isinstance(term, URIRef)}
            if len(terms) != len(bindings):
                return None
            inlined = _inline_bindings(text, terms)
            if inlined is None:
                return None
            solutions = self._solutions(inlined)
            names = [v.value for v in solutions.variables]
            per_focus[focus] = [{n: to_rdf(s[n]) for n in names if s[n] is not None} for s in solutions]
        return per_focus

    def _sparql_results(self, shape: Any, c: Any, helper: Any, per_focus: dict[Any, list[dict[str, Any]]]) -> list[Any]:
        """Results of one SPARQL constraint from its solutions per focus node, made as
        pySHACL makes them from the solutions of its per-focus-node query (same
        de-duplication per focus node)."""
        kwargs = {"source_constraint": helper.node, "extra_messages": helper.messages or None}
        results = []
        for focus, rows in per_focus.items():
            result_value = None if shape.is_property_shape else focus
            violations: list[Any] = []
            failed = False
            for row in rows:
                if row.pop("failure", None) is not None:
                    if not failed:
                        violations.append((True, row))
                        failed = True
                    continue
                p, v, t = row.pop("path", None), row.pop("value", None), row.pop("this", None)
                if p is None and v is None and t is None:
                    continue
                if (t, p, v, row) in violations:
                    continue
                violations.append((t, p, v, row))
            for violation in violations:
                if len(violation) == 2:
                    results.append(c.make_v_result(self.data, focus, value_node=result_value, bound_vars=violation[1], **kwargs))
                    continue
                t, p, v, row = violation
                if v is None:
                    v = result_value
                results.append(c.make_v_result(self.data, t or focus, value_node=v, result_path=p,
                                               bound_vars=(t, p, v, row), **kwargs))
        return results


__all__ = ["run_setbased"]
