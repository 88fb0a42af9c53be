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
* ``sh:datatype``, ``sh:in``, ``sh:nodeKind``, ranges, lengths, patterns, languages
  (:mod:`.setbased_core`), ``sh:node``, logical constraints, ``sh:closed``,
  ``sh:equals``, ``sh:disjoint``, ``sh:uniqueLang`` (:mod:`.setbased_nested`): one query
  per constraint finds the value nodes that are not certainly accepted, and pySHACL's own
  component judges just those (its logic, exactly);
* ``sh:qualifiedValueShape``: the value nodes checked against the qualified shape at once;
* ``sh:lessThan``, ``sh:lessThanOrEquals``: the value nodes of all focus nodes are read
  with one query, and pySHACL's component evaluates them;
* full validation runs the top-level shapes in a small thread pool
  (``MAG_GRAPH_VALIDATION_THREADS``), results in the shapes' order.

A shape that cannot be evaluated this way falls back, as a whole, to pySHACL's
evaluation of that shape (``Shape.validate``, its own targets): a path pySHACL cannot
write as SPARQL, a target naming a blank node, custom (SPARQL-based) constraint
components, a shape whose constraints pySHACL would refuse. A SPARQL constraint that
cannot be rewritten faithfully is evaluated by pySHACL's component for the focus nodes
found (docs/shapes-contract.md, "The set-based engine").
"""

from __future__ import annotations

import contextvars
import copy
import os
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from mag_graph.validation import pyshacl_patches  # noqa: F401  (patches pySHACL on import)
from mag_graph.validation.deadline import Deadline, running_until
from mag_graph.validation.errors import ValidationInputError, ValidationTimeoutError
from mag_graph.validation.focused import Focus, reused_shapes_graph
from mag_graph.validation.setbased_core import accepted
from mag_graph.validation.setbased_nested import handles, shape_based
from mag_graph.validation.setbased_sparql import (
    EXISTS_FLAG,
    closure_on_this,
    correlated,
    decorrelated,
    set_based,
    targets_query,
    term_text,
)

THREADS = max(1, int(os.environ.get("MAG_GRAPH_VALIDATION_THREADS", "2")))
"""Threads a full validation evaluates its shapes in (1: one after the other)."""


class _RunDeadline:
    """A run's deadline as pySHACL's per-shape check (:func:`~.deadline.check_current`)
    asks it in a worker thread: through :meth:`_Run._check_deadline`."""

    def __init__(self, run: _Run) -> None:
        self.run = run

    def check(self) -> None:
        self.run._check_deadline()


class _Fallback(Exception):
    """The shape is evaluated by pySHACL instead."""


class _FocusValues:
    """A shape's focus nodes with their value nodes, read from the store when first
    needed (:meth:`_Run._focus_values`); until then one focus node, if any."""

    def __init__(self, run: _Run, shape: Any, targets: str, values: str) -> None:
        self.run, self.shape, self.targets, self.values = run, shape, targets, values
        self.read: dict[Any, set[Any]] | None = None

    def sample(self) -> Any:
        from pyshacl import graph_abstraction

        if self.read is not None:
            return next(iter(self.read), None)
        found = list(self.run._solutions(f"SELECT ?this WHERE {{ {self.targets} }} LIMIT 1"))
        return graph_abstraction.to_rdf(found[0]["this"]) if found else None

    def __call__(self) -> dict[Any, set[Any]]:
        if self.read is None:
            self.read = self.run._focus_values(self.shape, self.targets, self.values)
        return self.read


def _read(focus_values: Any) -> dict[Any, set[Any]]:
    """Focus nodes with their value nodes, read now if they were not yet."""
    return focus_values() if isinstance(focus_values, _FocusValues) else focus_values


class _Failed:
    """A result while only conformance is checked: the focus node that has it."""

    __slots__ = ("focus",)

    def __init__(self, focus: Any) -> None:
        self.focus = focus


def _focus_of(result: Any) -> Any:
    """The focus node of a result: a :class:`_Failed`, or a result pySHACL made (its
    text, node and triples)."""
    if isinstance(result, _Failed):
        return result.focus
    from rdflib.namespace import SH

    _, node, triples = result
    focus = next(o for s, p, o in triples if s == node and p == SH.focusNode)
    return focus[1] if isinstance(focus, tuple) else focus  # pySHACL writes (data graph, term)


def run_setbased(
    store: ox.Store,
    shapes: Graph,
    use_shapes: Sequence[URIRef] | None = None,
    deadline: Deadline | None = None,
    focus_nodes: Iterable[Node] | None = None,
    keep: bool = False,
) -> Graph:
    """The validation report graph of ``store`` against ``shapes`` (only ``use_shapes``
    when given), found set-based; the same graph pySHACL would give, up to blank node
    names. Shapes pySHACL refuses raise :class:`ValidationInputError`. With a
    ``deadline``, it is checked before each shape and each query, and
    :class:`ValidationTimeoutError` raised once it has passed. With ``focus_nodes``, each
    shape's focus nodes are only those of its targets among them (IRIs only, as
    pySHACL's ``focus_nodes`` option: other nodes are ignored); shapes evaluated by
    pySHACL as a whole then get the same restriction. With ``focus_nodes`` or ``keep``,
    pySHACL's reading of ``shapes`` is kept for later runs with the same graph
    (:func:`~.focused.reused_shapes_graph`, for as long as the process runs: only for the
    prepared shipped shapes, which are cached anyway), so ``shapes`` must not change after
    its first run."""
    from pyshacl.errors import ReportableRuntimeError, ValidationFailure

    try:
        return _Run(store, shapes, use_shapes, deadline, focus_nodes, keep).report()
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
        self,
        store: ox.Store,
        shapes: Graph,
        use_shapes: Sequence[URIRef] | None,
        deadline: Deadline | None = None,
        focus_nodes: Iterable[Node] | None = None,
        keep: bool = False,
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
        # The given focus nodes (IRIs, and literals: the objects of a sh:targetObjectsOf
        # predicate), as a set and the IRIs as a VALUES ?this table.
        self.focus_set: set[URIRef | Literal] | None = None
        self.focus_table: str | None = None
        self.focus: Focus | None = None
        if focus_nodes is not None:
            self.focus_set = {n if isinstance(n, Literal) else URIRef(str(n)) for n in focus_nodes
                              if isinstance(n, (URIRef, Literal))}
            iris = sorted(str(n) for n in self.focus_set if isinstance(n, URIRef))
            self.focus_table = "VALUES ?this { " + " ".join(f"<{i}>" for i in iris) + " }"
            # which shapes target which of them, read per node (a shape targeting none is skipped),
            # and pySHACL's components kept across incremental runs (.focused)
            self.focus = Focus(store, self.focus_set)
        # pySHACL's shapes graph kept across runs (.focused), and with it the SPARQL constraints
        # (each collects its prefixes when made: a fifth of a full validation's time at 100k)
        self.kept = keep or focus_nodes is not None
        if self.kept:
            self.validator.shacl_graph = reused_shapes_graph(shapes, self.validator.shacl_graph)
        self.executor = self.validator.make_executor()
        self.use_shapes = [URIRef(str(s)) for s in use_shapes] if use_shapes else None
        self.fallbacks: list[str] = []  # shapes pySHACL evaluated as a whole (for the docs and tests)
        self.deadline_lock = threading.Lock()
        self.timed_out = False
        self.local = threading.local()  # .checking: only conformance is checked (see _nonconforming)
        self.tables: dict[str, str] = {}  # focus nodes as VALUES tables (see _table_of)
        # focus nodes with their value nodes, read once per (targets, value pattern, condition)
        # (sibling property shapes on one path read the same: R24's three qualified shapes)
        self.focus_values_read: dict[tuple[bool, str, str, str], dict[Any, set[Any]]] = {}

    def shapes(self) -> list[Any]:
        sg = self.validator.shacl_graph
        return list(sg.shapes_from_uris(self.use_shapes) if self.use_shapes else sg.shapes)

    def report(self) -> Graph:
        from pyshacl.validator import Validator

        shapes = [shape for shape in self.shapes() if not shape.deactivated]
        if self.data.is_multigraph():
            self.data.default_union = True
        results: list[Any] = []
        conforms = True
        for shape_conforms, found in self._outcomes(shapes):
            conforms = conforms and shape_conforms and not found
            results.extend(found)
        report, _ = Validator.create_validation_report(self.validator.shacl_graph, conforms, results)
        return report

    def _outcomes(self, shapes: list[Any]) -> Iterator[tuple[bool, list[Any]]]:
        """(conforms, results) of each top-level shape, in the order of ``shapes``. In a
        full validation the shapes run in a small pool of threads (``THREADS``): pyoxigraph
        releases the GIL while a query runs, so one shape's query runs while another's
        results are made. The deadline (its context variable too) holds in every thread;
        once it has passed, the shapes not yet started are cancelled and the error raised."""
        threads = min(THREADS, len(shapes))
        if self.focus is not None or threads < 2:
            for shape in shapes:
                yield self._shape_outcome(shape)
            return
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mag-validation") as pool:
            futures = [pool.submit(contextvars.copy_context().run, self._shape_in_thread, shape) for shape in shapes]
            try:
                for future in futures:
                    yield future.result()
            finally:
                for future in futures:
                    future.cancel()

    def _shape_in_thread(self, shape: Any) -> tuple[bool, list[Any]]:
        """:meth:`_shape_outcome` in a worker thread, pySHACL's own deadline checks (per
        nested shape) going through :meth:`_check_deadline` as well."""
        if self.deadline is None:
            return self._shape_outcome(shape)
        with running_until(_RunDeadline(self)):  # type: ignore[arg-type]
            return self._shape_outcome(shape)

    def _shape_outcome(self, shape: Any) -> tuple[bool, list[Any]]:
        self._check_deadline()
        try:
            return True, self._top_level(shape)
        except _Fallback:
            self.fallbacks.append(str(shape.node))
            return self._fallback(shape)

    @property
    def checking(self) -> bool:
        """Whether only conformance is checked (see :meth:`_nonconforming`), in this thread."""
        return getattr(self.local, "checking", False)

    @checking.setter
    def checking(self, value: bool) -> None:
        self.local.checking = value

    def _fallback(self, shape: Any) -> tuple[bool, list[Any]]:
        """pySHACL's evaluation of a whole shape: its own targets, restricted to the given
        focus nodes (handed to the shape as its focus: pySHACL's own ``focus_nodes``
        option would also filter the value nodes of nested shapes)."""
        if self.focus_set is None:
            return shape.validate(self.executor, self.data)
        if not self.focus_set:
            return True, []
        focus = [f for f in shape.focus_nodes(self.data) if f in self.focus_set]
        return shape.validate(self.executor, self.data, focus=focus) if focus else (True, [])

    # ------------------------------------------------------------------ shapes

    def _top_level(self, shape: Any) -> list[Any]:
        # Incremental: which given focus nodes the shape targets, from its declarations as
        # read once per shapes graph (.focused), before pySHACL reads them from rdflib again.
        targeted = self.focus.targeted(shape) if self.focus is not None else None
        if self.focus is not None and self.focus.targets_a_literal(shape):
            raise _Fallback  # a literal cannot be written in VALUES as pySHACL compares it (term_text)
        if targeted == []:
            return []
        nodes, classes, implicit, objects_of, subjects_of = (list(t) for t in shape.target())
        if not (nodes or classes or implicit or objects_of or subjects_of):
            return []
        table = self.focus_table
        if targeted is not None:
            table = "VALUES ?this { " + " ".join(f"<{i}>" for i in targeted) + " }"
        targets = targets_query(nodes, [*classes, *implicit], subjects_of, objects_of, table)
        if targets is None:
            raise _Fallback
        try:
            return self._evaluate(shape, targets, [])
        except (_Fallback, ValidationTimeoutError):
            raise
        except Exception as error:  # a constraint pySHACL would refuse: let pySHACL say so
            raise _Fallback from error

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
            QualifiedValueShapeConstraintComponent,
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
        focus_values: Any = None  # a dict, or a _FocusValues not read yet
        counts: list[tuple[Any, int]] | None = None  # focus nodes outside sh:minCount/maxCount (_counts)
        for component in components:
            try:
                kept = self.focus is not None or self.kept and component is SPARQLBasedConstraint
                c = Focus.component(component, shape) if kept else component(shape)
            except ConstraintLoadWarning:
                continue
            if component in (MinCountConstraintComponent, MaxCountConstraintComponent) and shape.is_property_shape:
                if counts is None:
                    counts = self._counts(shape, targets, values)
                if component is MinCountConstraintComponent:
                    results += [self._make(c, focus) for focus, n in counts if n < int(c.min_count)]
                else:
                    results += [self._make(c, focus) for focus, n in counts if n > int(c.max_count)]
            elif component is ClassConstraintComponent and all(isinstance(r, URIRef) for r in c.class_rules):
                for rule in c.class_rules:
                    query = (f"SELECT DISTINCT ?this ?value WHERE {{ {targets} {values} FILTER NOT EXISTS "
                             f"{{ ?value <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
                             f"<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{rule}> }} }}")
                    results += [self._make(c, f, value_node=v) for f, v in self._pairs(query)]
            elif component is HasValueConstraintComponent and all(term_text(v) for v in c.has_value_set):
                for value in c.has_value_set:
                    if shape.is_property_shape:
                        test = f"FILTER NOT EXISTS {{ ?this {self._path_text(shape)} {term_text(value)} }}"
                    else:
                        test = f"FILTER (!sameTerm(?this, {term_text(value)}))"
                    query = f"SELECT DISTINCT ?this WHERE {{ {targets} {test} }}"
                    results += [self._make(c, f, value_node=None) for f, _ in self._pairs(query)]
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
                    focus_values = _FocusValues(self, shape, targets, values)
                results += self._sparql(shape, c, targets, focus_values, [*evaluation_path, c])
            elif component is QualifiedValueShapeConstraintComponent and not c.is_disjoint:
                focus_values = self._focus_values(shape, targets, values) if focus_values is None else _read(focus_values)
                found_qualified = self._qualified(shape, c, focus_values, [*evaluation_path, c])
                if found_qualified is None:
                    _, found_qualified = c.evaluate(self.executor, self.data, focus_values, [*evaluation_path, c])
                results += found_qualified
            elif handles(component):  # sh:node, logical, sh:closed, sh:equals/disjoint: setbased_nested.py
                results += shape_based(self, shape, c, targets, values, [*evaluation_path, c])
            elif (condition := accepted(c)) is not None:
                # Only the value nodes the condition does not accept go to pySHACL's component.
                suspects = self._focus_values(shape, targets, values, f"FILTER (!COALESCE({condition}, false))")
                results += self._judged(c, suspects, [*evaluation_path, c])
            else:
                focus_values = self._focus_values(shape, targets, values) if focus_values is None else _read(focus_values)
                _, found_results = c.evaluate(self.executor, self.data, focus_values, [*evaluation_path, c])
                results += found_results
        return results

    def _qualified(self, shape: Any, c: Any, focus_values: dict[Any, set[Any]], path: list[Any]) -> list[Any] | None:
        """``sh:qualifiedValueShape`` with ``sh:qualifiedMinCount``/``MaxCount``: which
        value nodes conform to the qualified shape is found set-based for all value nodes
        at once (:meth:`_nonconforming`), then counted per focus node as pySHACL counts.
        None when pySHACL's component must judge (a shape that may recur, value nodes
        that cannot be written in a query); sibling shapes (``sh:qualifiedValueShapesDisjoint``)
        are left to pySHACL by the caller."""
        from pyshacl.constraints.core.shape_based_constraints import (
            SH_QualifiedMaxCountConstraintComponent,
            SH_QualifiedMinCountConstraintComponent,
        )

        every_value = set().union(*focus_values.values()) if focus_values else set()
        if not every_value and (c.min_count is None or c.min_count < 1):
            return []
        if c.recursion_triggers(path):
            return None
        reports: list[Any] = []
        for node in c.value_shapes:
            if shape.sg.is_filtered_out_shape(node):
                continue
            other = shape.get_other_shape(node)
            if not other:
                return None  # pySHACL's component says what is wrong
            failing = self._nonconforming(other, every_value, path) if every_value else set()
            if failing is None:
                return None
            for focus, value_nodes in focus_values.items():
                conforming = sum(1 for v in value_nodes if v not in failing)
                if c.max_count is not None and conforming > c.max_count:
                    reports.append(self._make(c, focus, constraint_component=SH_QualifiedMaxCountConstraintComponent))
                if c.min_count is not None and conforming < c.min_count:
                    reports.append(self._make(c, focus, constraint_component=SH_QualifiedMinCountConstraintComponent))
        return reports

    def _nonconforming(self, shape: Any, nodes: set[Any], path: list[Any]) -> set[Any] | None:
        """The nodes that do not conform to ``shape``, each taken as its focus node (as
        pySHACL's ``Shape.validate(focus=node)``), found with this engine's queries for all
        nodes at once and without making results. None when a node cannot be written in a
        query (only IRIs are) or a part of the shape must be evaluated by pySHACL as a whole."""
        if not all(isinstance(n, URIRef) for n in nodes):
            return None
        table = "VALUES ?this { " + " ".join(f"<{n}>" for n in nodes) + " }"
        checking, self.checking = self.checking, True
        try:
            found = self._evaluate(shape, table, path)
        except _Fallback:
            return None
        finally:
            self.checking = checking
        return {_focus_of(r) for r in found}

    def _judged(self, c: Any, focus_values: dict[Any, set[Any]], path: list[Any]) -> list[Any]:
        """The results of pySHACL's component ``c`` (one judged value node by value node)
        for these value nodes; while only conformance is checked, without the messages
        pySHACL would write for each (most of its time in a qualified value shape)."""
        if not self.checking:
            return c.evaluate(self.executor, self.data, focus_values, path)[1]
        c.make_v_result = lambda _data, focus, **_: _Failed(focus)
        try:
            return c.evaluate(self.executor, self.data, focus_values, path)[1]
        finally:
            del c.make_v_result

    def _make(self, c: Any, focus: Any, **kwargs: Any) -> Any:
        """A validation result as pySHACL makes it; while only conformance is checked
        (:meth:`_nonconforming`), just the focus node that has it."""
        if self.checking:
            return _Failed(focus)
        return c.make_v_result(self.data, focus, **kwargs)

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
        """Check the deadline; once one thread found it passed, every later check in any
        thread raises without asking it again (so the run stops at the check where it passed)."""
        if self.deadline is None:
            return
        with self.deadline_lock:
            if self.timed_out:
                raise ValidationTimeoutError(self.deadline.limit)
            try:
                self.deadline.check()
            except ValidationTimeoutError:
                self.timed_out = True
                raise

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

    def _counts(self, shape: Any, targets: str, values: str) -> list[tuple[Any, int]]:
        """(focus node, number of distinct value nodes) of the focus nodes of a property
        shape whose number is outside its ``sh:minCount``/``sh:maxCount`` (both at once):
        one GROUP BY query, instead of one per component, each reading the targets and
        the values again (R27-process-moment at 1M triples: four queries of 0.7 s CPU)."""
        from pyshacl import graph_abstraction
        from rdflib.namespace import SH

        bounds = []
        for parameter, comparison in ((SH.minCount, "<"), (SH.maxCount, ">")):
            for value in shape.objects(parameter):
                bounds.append(f"COUNT(DISTINCT ?value) {comparison} {int(value)}")
        if not bounds:
            return []
        query = (f"SELECT ?this (COUNT(DISTINCT ?value) AS ?count) WHERE {{ {targets} OPTIONAL {{ {values} }} }} "
                 f"GROUP BY ?this HAVING ({' || '.join(bounds)})")
        return [(graph_abstraction.to_rdf(s["this"]), int(s["count"].value)) for s in self._solutions(query)]

    def _focus_values(self, shape: Any, targets: str, values: str, condition: str = "") -> dict[Any, set[Any]]:
        """Every focus node with its value nodes (empty when it has none), in one query;
        with a ``condition`` (a FILTER on ``?value``), only the value nodes that meet it,
        with their focus nodes."""
        from pyshacl import graph_abstraction

        key = (shape.is_property_shape, targets, values, condition)
        cached = self.focus_values_read.get(key)
        if cached is not None:
            return cached
        to_rdf = graph_abstraction.to_rdf
        focus_values: dict[Any, set[Any]] = defaultdict(set)
        if not shape.is_property_shape:
            query = f"SELECT DISTINCT ?this WHERE {{ {targets} {values} {condition} }}" if condition else \
                f"SELECT DISTINCT ?this WHERE {{ {targets} }}"
            for solution in self._solutions(query):
                focus = to_rdf(solution["this"])
                focus_values[focus].add(focus)
            self.focus_values_read[key] = dict(focus_values)
            return self.focus_values_read[key]
        if condition:
            query = f"SELECT DISTINCT ?this ?value WHERE {{ {targets} {values} {condition} }}"
        else:
            query = f"SELECT ?this ?value WHERE {{ {targets} OPTIONAL {{ {values} }} }}"
        for solution in self._solutions(query):
            focus = to_rdf(solution["this"])
            value = solution["value"]
            if value is None:
                focus_values.setdefault(focus, set())
            else:
                focus_values[focus].add(to_rdf(value))
        self.focus_values_read[key] = dict(focus_values)
        return self.focus_values_read[key]

    def _sparql(self, shape: Any, c: Any, targets: str, focus_values: Any, path: list[Any]) -> list[Any]:
        """A shape's SPARQL constraints, each run once for all focus nodes; a query that
        cannot be rewritten is run by pySHACL's component per focus node. ``focus_values``
        is the focus nodes with their value nodes, or a :class:`_FocusValues` that reads
        them only when needed (a query run per focus node, or by pySHACL)."""
        results: list[Any] = []
        pending = []
        sample = focus_values.sample() if isinstance(focus_values, _FocusValues) else next(iter(focus_values), None)
        for helper in c.sparql_constraints:
            if helper.deactivated:
                continue
            if sample is None:
                continue
            _, text = helper.pre_bind_variables(sample)  # checks the query as pySHACL does
            text = helper.apply_prefixes(text)
            current = term_text(shape.node) if isinstance(shape.node, URIRef) else None
            scope = self._table_of(targets) if closure_on_this(text) else targets
            if correlated(text):  # EXISTS bodies on $this as joins, if they mean the same
                flat = decorrelated(text)
                joined = None if correlated(flat) else set_based(flat, scope, current)
                if joined is not None:
                    results += self._sparql_results(shape, c, helper, self._rows(joined))
                    continue
            rewritten = set_based(text, scope, current)
            if rewritten is None:
                pending.append(helper)
                continue
            if correlated(text) and all(isinstance(f, URIRef) for f in _read(focus_values)):
                rows = self._rows_per_focus(shape, helper, text, _read(focus_values))
                if rows is None:
                    pending.append(helper)
                    continue
            else:
                rows = self._rows(rewritten)
            results += self._sparql_results(shape, c, helper, rows)
        if pending:
            only = copy.copy(c)  # c may be kept across runs and threads (Focus.component): not changed
            only.sparql_constraints = pending
            _, found = only.evaluate(self.executor, self.data, _read(focus_values), path)
            results += found
        return results

    def _table_of(self, targets: str) -> str:
        """The focus nodes of ``targets`` as a ``VALUES ?this`` table, read once per run
        (``targets`` itself when one is not an IRI): for a query that follows a ``*`` or
        ``+`` path from ``$this`` (:func:`~.setbased_sparql.closure_on_this`)."""
        table = self.tables.get(targets)
        if table is None:
            nodes = [s["this"] for s in self._solutions(f"SELECT DISTINCT ?this WHERE {{ {targets} }}")]
            table = targets
            if all(isinstance(n, ox.NamedNode) for n in nodes):
                table = "VALUES ?this { " + " ".join(str(n) for n in nodes) + " }"
            self.tables[targets] = table
        return table

    def _rows(self, query: Any) -> dict[Any, list[dict[str, Any]]]:
        """The solutions of a set-based query by focus node (``this`` kept only when the
        original query projected it)."""
        from pyshacl import graph_abstraction

        to_rdf = graph_abstraction.to_rdf
        solutions = self._solutions(query.text)
        names = [v.value for v in solutions.variables if not v.value.startswith(EXISTS_FLAG)]
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
                    results.append(self._make(c, focus, value_node=result_value, bound_vars=violation[1], **kwargs))
                    continue
                t, p, v, row = violation
                if v is None:
                    v = result_value
                results.append(self._make(c, t or focus, value_node=v, result_path=p,
                                               bound_vars=(t, p, v, row), **kwargs))
        return results


__all__ = ["run_setbased"]
