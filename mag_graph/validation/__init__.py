"""Validation of a role model against the rules of the rolverdeling (R01-R28, OD01-OD04).

Owns the SHACL engine (pySHACL running on the Oxigraph store, with its compatibility
patches), the shapes and rule catalogue, the reports (text, JSON, Turtle) and the
incremental impact analysis (:mod:`mag_graph.validation.impact`) the CMS validates
each write with.

May import: :mod:`mag_graph.store`, :mod:`mag_graph.reasoning`,
:mod:`mag_graph.namespaces`, :mod:`mag_graph.resources`.
"""

from mag_graph.validation.engine import (  # noqa: F401
    INFERENCE_GRAPH,
    INFERENCE_MODES,
    LANGUAGES,
    RuleInfo,
    SHAPES_ONTOLOGY,
    ValidationInputError,
    ValidationReport,
    ValidationResult,
    example_dataset,
    example_store,
    format_text,
    load_files,
    prepared_shapes,
    rules,
    shapes_graph,
    texts_by_language,
    validate,
)
