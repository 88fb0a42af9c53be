"""Validating a role model against the rules of the rolverdeling (SHACL shapes R01-R28).

One public entry point, :func:`validate`, serves the CLI and the HTTP service alike.
pySHACL does the validation; it runs directly on a pyoxigraph store, so SPARQL-based
constraints are evaluated by Oxigraph (which, unlike rdflib's engine, does xsd:date
arithmetic) and the data is never copied into rdflib. The patches that make pySHACL
correct and fast on Oxigraph are in :mod:`mag_graph.validation.pyshacl_patches`.

The shapes graph is prepared before each run
(:func:`mag_graph.validation.shapes.prepared_shapes`): time-dependent constraints
contain the token ``$referenceDate`` (see docs/shapes-contract.md), replaced by the
typed date literal. ``validate(..., shapes=graph)`` runs a caller's shapes graph the
same way (the W3C SHACL test suite runs through it: tests/test_w3c_shacl.py).

Incremental validation (``focus_nodes``) runs on the set-based engine restricted to those
nodes (:mod:`mag_graph.validation.focused`); with ``engine="pyshacl"`` it is worked out here
per node: which shapes target it, and one pySHACL run over just those shapes, each
retargeted to its nodes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pyshacl
from pyshacl.errors import ReportableRuntimeError, ValidationFailure
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from mag_graph.namespaces import RDF, RDFS, SH
from mag_graph.store import from_rdflib_term
from mag_graph.validation import pyshacl_patches  # noqa: F401  (patches pySHACL on import)
from mag_graph.validation.data import (
    INFERENCE_MODES,
    _coerce,
    _restrict_to_graph,
    _with_inference,
)
from mag_graph.validation.deadline import Deadline, running_until
from mag_graph.validation.errors import ValidationInputError
from mag_graph.validation.focused import _classes_of
from mag_graph.validation.report import ValidationReport, _read_results
from mag_graph.validation.scope import municipality_store
from mag_graph.validation.setbased import run_setbased
from mag_graph.validation.shapes import (
    LANGUAGES,
    _prepared,
    _rules_cached,
    _rules_in,
    prepared_own_shapes,
    prepared_shapes,
)

# The evaluation engines of a full validation; pySHACL stays the reference.
ENGINES = ("pyshacl", "setbased")
DEFAULT_ENGINE = "setbased"


def validate(
    data: Any,
    *,
    date: dt.date | None = None,
    lang: str = "nl",
    rules: Iterable[str] | None = None,
    graph: str | None = None,
    municipality: str | None = None,
    inference: str = "none",
    focus_nodes: Iterable[Node] | None = None,
    shapes: Graph | Sequence[str | Path] | None = None,
    engine: str | None = None,
    deadline: float | Deadline | None = None,
) -> ValidationReport:
    """Validate a store, a named graph of it, an rdflib graph or a list of files.

    ``date`` is the reference date for time-dependent rules (default: today); ``lang``
    picks the language of messages and labels; ``rules`` restricts to some rule ids;
    ``municipality`` (a slug, CBS code, label or IRI) validates that municipality's whole
    role model: its sourced and illustrative graphs with the shared graphs they need
    (:mod:`mag_graph.validation.scope`); ``graph`` validates one named graph alone;
    ``inference`` adds RDFS or OWL RL entailments (in a copy) before validating;
    ``focus_nodes`` validates only those nodes (incremental validation).

    ``shapes`` validates against that shapes graph, or those shapes files (read with
    their literals as written), instead of the shipped shapes (a copy, with
    ``$referenceDate`` filled in); not together with ``rules`` or ``focus_nodes``, which
    select among the shipped shapes. Shapes pySHACL refuses raise
    :class:`ValidationInputError`.

    ``engine`` picks how a full validation is evaluated: ``"setbased"`` (each shape for
    all its focus nodes at once, as SPARQL on Oxigraph: :mod:`.setbased`) or
    ``"pyshacl"`` (pySHACL per focus node, the reference); default :data:`DEFAULT_ENGINE`.
    Both give the same results (tests/test_setbased_engine.py), for all nodes and for
    ``focus_nodes`` alone (incremental validation: each shape's constraints for the focus
    nodes it targets, :mod:`.focused`; tests/test_focused_validation.py).

    ``deadline`` limits the run's time: a ``time.monotonic()`` instant or a
    :class:`~mag_graph.validation.deadline.Deadline` (``Deadline.after(seconds)`` names
    its limit in the error). Both engines check it between shapes and queries
    (:mod:`~mag_graph.validation.deadline`) and raise
    :class:`~mag_graph.validation.errors.ValidationTimeoutError` once it has passed.
    None (the default, and the CLI's) means no limit.
    """
    engine = engine or DEFAULT_ENGINE
    if engine not in ENGINES:
        raise ValidationInputError(f"onbekende engine / unknown engine: {engine} ({', '.join(ENGINES)})")
    if lang not in LANGUAGES:
        raise ValidationInputError(f"onbekende taal / unknown language: {lang} (nl, en)")
    if inference not in INFERENCE_MODES:
        raise ValidationInputError(f"onbekende inferentie / unknown inference: {inference} ({', '.join(INFERENCE_MODES)})")
    if shapes is not None and (rules is not None or focus_nodes is not None):
        raise ValidationInputError(
            "eigen shapes gaan niet samen met regels of focusknopen / "
            "own shapes do not go together with rules or focus nodes"
        )
    if graph is not None and municipality is not None:
        raise ValidationInputError("kies een graaf of een gemeente, niet beide / choose a graph or a municipality, not both")
    limit = Deadline.of(deadline)
    reference_date = date or dt.date.today()
    with running_until(limit):
        return _validate(data, limit, reference_date, lang, rules, graph, municipality, inference, focus_nodes, shapes, engine)


def _validate(
    data: Any,
    deadline: Deadline | None,
    reference_date: dt.date,
    lang: str,
    rules: Iterable[str] | None,
    graph: str | None,
    municipality: str | None,
    inference: str,
    focus_nodes: Iterable[Node] | None,
    shapes: Graph | Sequence[str | Path] | None,
    engine: str,
) -> ValidationReport:
    """:func:`validate` once its arguments are checked, within its deadline."""
    if deadline is not None:
        deadline.check()
    store = _coerce(data)
    if municipality is not None:
        store = municipality_store(store, municipality)
    if graph is not None:
        store = _restrict_to_graph(store, graph)
    if inference != "none":
        store = _with_inference(store, inference)
    if shapes is not None:
        shapes_graph, use_shapes, catalogue = prepared_own_shapes(shapes, reference_date), None, None
    else:
        shapes_graph, use_shapes = prepared_shapes(reference_date, rules)
        catalogue = _rules_cached()
    if focus_nodes is not None:
        nodes = {n if isinstance(n, Literal) else URIRef(str(n)) for n in focus_nodes if not isinstance(n, BNode)}
        if engine == "setbased":
            report_graph = run_setbased(store, shapes_graph, use_shapes, deadline, focus_nodes=nodes)
        else:
            report_graph = _validate_focus(store, nodes, reference_date, rules)
    elif engine == "setbased":
        # the prepared shipped shapes are cached per date: pySHACL's reading of them is kept too
        report_graph = run_setbased(store, shapes_graph, use_shapes, deadline, keep=shapes is None)
    else:
        options: dict[str, Any] = {"shacl_graph": shapes_graph, "inplace": True, "allow_warnings": False}
        if use_shapes is not None:
            options["use_shapes"] = [str(s) for s in use_shapes]
        report_graph = _run_pyshacl(store, options)
    if deadline is not None:
        deadline.check()
    if catalogue is None:
        catalogue = _rules_in(shapes_graph)
    results = _read_results(report_graph, shapes_graph, store, lang)
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationReport(conforms, reference_date, lang, results, report_graph, catalogue, shapes_graph)


def _run_pyshacl(store: ox.Store, options: dict[str, Any]) -> Graph:
    """pySHACL's report graph for ``store``. A shapes graph pySHACL refuses (a SPARQL
    constraint it does not accept, a malformed shape) is the caller's input error, said
    in both languages, not a crash further on."""
    try:
        _, report, _ = pyshacl.validate(store, **options)
    except ReportableRuntimeError as error:
        raise ValidationInputError(f"pySHACL weigert de shapes / pySHACL refuses the shapes: {error.message}") from error
    except NotImplementedError as error:  # e.g. $shapesGraph in a SPARQL constraint
        raise ValidationInputError(f"pySHACL kan deze shapes niet uitvoeren / pySHACL cannot run these shapes: {error}") from error
    if isinstance(report, ValidationFailure):
        raise ValidationInputError(f"pySHACL weigert de shapes / pySHACL refuses the shapes: {report.message}")
    return report


# --------------------------------------------------------------------------- focus nodes


@dataclass(frozen=True)
class _Targets:
    """What a top-level shape targets (SHACL Core target declarations)."""

    classes: frozenset[str]
    nodes: frozenset[str]
    subjects_of: frozenset[str]
    objects_of: frozenset[str]


@lru_cache(maxsize=16)
def _target_index(reference_date: dt.date, rule_ids: tuple[str, ...] | None) -> dict[URIRef, _Targets]:
    """The targets of every top-level shape of a prepared shapes graph."""
    shapes, use_shapes = _prepared(reference_date, rule_ids)
    wanted = set(use_shapes) if use_shapes is not None else None
    index: dict[URIRef, _Targets] = {}
    candidates = set()
    for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
        candidates.update(s for s in shapes.subjects(predicate, None) if isinstance(s, URIRef))
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape)):
        if isinstance(shape, URIRef) and (shape, RDF.type, RDFS.Class) in shapes:
            candidates.add(shape)  # implicit class target
    for shape in candidates:
        if wanted is not None and shape not in wanted:
            continue
        if (shape, SH.target, None) in shapes:
            raise NotImplementedError(f"SPARQL-based targets are not indexed: {shape}")
        classes = {str(c) for c in shapes.objects(shape, SH.targetClass)}
        if (shape, RDF.type, RDFS.Class) in shapes:
            classes.add(str(shape))
        index[shape] = _Targets(
            classes=frozenset(classes),
            nodes=frozenset(str(n) for n in shapes.objects(shape, SH.targetNode)),
            subjects_of=frozenset(str(p) for p in shapes.objects(shape, SH.targetSubjectsOf)),
            objects_of=frozenset(str(p) for p in shapes.objects(shape, SH.targetObjectsOf)),
        )
    return index


def _validate_focus(
    store: ox.Store,
    nodes: set[URIRef],
    reference_date: dt.date,
    rules: Iterable[str] | None,
) -> Graph:
    """Validate only ``nodes``, each against the shapes that target it.

    pySHACL's own ``focus_nodes`` option still computes every shape's targets over the
    whole store (seconds at a million triples) before filtering them, and its
    ``use_shapes`` option silently drops named property shapes it was not given. Here
    the targets are worked out per node from its types, its properties and the shapes'
    target declarations, and one pySHACL run validates a shapes graph holding just the
    applicable shapes, each retargeted with ``sh:targetNode`` to exactly its nodes."""
    key = tuple(sorted({r.upper() for r in rules})) if rules is not None else None
    index = _target_index(reference_date, key)
    closure: dict[ox.NamedNode, set[str]] = {}
    targeted: dict[URIRef, list[URIRef | Literal]] = defaultdict(list)
    for node in sorted(nodes, key=lambda n: (isinstance(n, Literal), str(n))):
        # A literal is a focus node only as the object of a sh:targetObjectsOf predicate:
        # it has no class, is the subject of nothing, and sh:targetNode names IRIs here.
        term = from_rdflib_term(node)
        iri = isinstance(term, ox.NamedNode)
        classes = _classes_of(store, term, closure) if iri else set()
        as_subject = {q.predicate.value for q in store.quads_for_pattern(term, None, None, None)} if iri else set()
        as_object = {q.predicate.value for q in store.quads_for_pattern(None, None, term, None)}
        for shape, t in index.items():
            if t.classes & classes or (iri and str(node) in t.nodes) or t.subjects_of & as_subject or t.objects_of & as_object:
                targeted[shape].append(node)
    if not targeted:
        return _empty_report()
    options = {"shacl_graph": _shapes_for_nodes(reference_date, key, targeted), "inplace": True, "allow_warnings": False}
    return _run_pyshacl(store, options)


_TARGET_PREDICATES = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


@lru_cache(maxsize=512)
def _shape_closure(reference_date: dt.date, rule_ids: tuple[str, ...] | None, shape: URIRef) -> tuple:
    """Every triple a shape needs, without target declarations: the shape, its property
    and nested shapes, lists, messages, prefixes and groups (everything reachable)."""
    shapes, _ = _prepared(reference_date, rule_ids)
    seen: set[Node] = set()
    frontier: list[Node] = [shape]
    triples = []
    while frontier:
        node = frontier.pop()
        if node in seen:
            continue
        seen.add(node)
        for predicate, obj in shapes.predicate_objects(node):
            if predicate in _TARGET_PREDICATES:
                continue
            triples.append((node, predicate, obj))
            if isinstance(obj, (URIRef, BNode)) and predicate != RDF.type:
                frontier.append(obj)
    return tuple(triples)


def _shapes_for_nodes(
    reference_date: dt.date, rule_ids: tuple[str, ...] | None, targeted: dict[URIRef, list[URIRef | Literal]]
) -> Graph:
    """A shapes graph holding only the given shapes, each targeting exactly its nodes:
    the same constraints, so the same results for those nodes, with no target to compute."""
    graph = Graph()
    for shape, nodes in targeted.items():
        for triple in _shape_closure(reference_date, rule_ids, shape):
            graph.add(triple)
        for node in nodes:
            graph.add((shape, SH.targetNode, node))
    return graph


def _empty_report() -> Graph:
    graph = Graph()
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(True)))
    return graph


__all__ = ["validate"]
