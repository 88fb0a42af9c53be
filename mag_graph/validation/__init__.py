"""Validation of a role model against the rules of the rolverdeling (R01-R28, OD01-OD04).

Owns the SHACL validation of the graph and what it needs, one module per concern:

* :mod:`~mag_graph.validation.engine` - :func:`validate` (pySHACL on the Oxigraph store)
  and the per-node targeting behind incremental validation (``focus_nodes``);
* :mod:`~mag_graph.validation.setbased` - the set-based engine (the default): each shape
  evaluated for all its focus nodes at once as SPARQL on Oxigraph, with pySHACL's own
  results (:mod:`~mag_graph.validation.setbased_sparql`: targets and SHACL-SPARQL
  constraints rewritten for all focus nodes);
* :mod:`~mag_graph.validation.pyshacl_patches` - pySHACL's compatibility and speed
  patches, applied on import;
* :mod:`~mag_graph.validation.shapes` - the shapes graph, the rule catalogue and the
  shapes prepared for one run;
* :mod:`~mag_graph.validation.data` - the data to validate (files, stores, rdflib graphs,
  the example graph, one named graph, inference);
* :mod:`~mag_graph.validation.report` - reports and their findings (text, JSON, Turtle);
* :mod:`~mag_graph.validation.rulebook` - a report for people: each finding under the rule
  part (shape) that found it, with its field, source and quotation; the rule catalogue
  split into rules and register checks; CSV;
* :mod:`~mag_graph.validation.checking` - checking an upload without storing it (parsers
  by media type, size limit, parse errors with line and column);
* :mod:`~mag_graph.validation.scope` - one municipality's whole role model (its sourced
  and illustrative graphs with the shared ones);
* :mod:`~mag_graph.validation.errors` - the bad-input error and the time-limit error;
* :mod:`~mag_graph.validation.deadline` - the cooperative time limit of one validation
  (``validate(..., deadline=...)``), checked by both engines between shapes and queries;
* :mod:`~mag_graph.validation.impact` - what a change can affect (incremental validation
  in the CMS), built on what each shape reads
  (:mod:`~mag_graph.validation.shape_reads`, :mod:`~mag_graph.validation.sparql_reads`,
  :mod:`~mag_graph.validation.dependency_graph`).
* :mod:`~mag_graph.validation.focused` - incremental validation on the set-based engine:
  each shape for just the focus nodes it targets among those a change affects;
* :mod:`~mag_graph.validation.warm_up` - computing those caches in the background at a
  server's start, so the first write does not wait for them.

Other packages import from here (``from mag_graph.validation import validate``) and
from :mod:`mag_graph.validation.impact`.

May import: :mod:`mag_graph.store`, :mod:`mag_graph.reasoning`,
:mod:`mag_graph.namespaces`, :mod:`mag_graph.resources`.
"""

from mag_graph.validation.data import (  # noqa: F401
    INFERENCE_GRAPH,
    INFERENCE_MODES,
    example_dataset,
    example_store,
    load_files,
)
from mag_graph.validation.deadline import Deadline  # noqa: F401
from mag_graph.validation.engine import validate  # noqa: F401
from mag_graph.validation.errors import ValidationInputError, ValidationTimeoutError  # noqa: F401
from mag_graph.validation.impact import affected_by, affected_nodes, validate_change  # noqa: F401
from mag_graph.validation.report import ValidationReport, ValidationResult, format_text  # noqa: F401
from mag_graph.validation.shapes import (  # noqa: F401
    LANGUAGES,
    SHAPES_ONTOLOGY,
    RuleInfo,
    prepared_shapes,
    rules,
    shapes_graph,
    texts_by_language,
)
