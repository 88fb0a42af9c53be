"""Reasoning: OWL RL / RDFS entailments with owlrl (:mod:`.inference`) and the HermiT
consistency check through owlready2 (:mod:`.hermit`).

May import: :mod:`mag_graph.store`, :mod:`mag_graph.namespaces`, :mod:`mag_graph.resources`.
"""

from mag_graph.reasoning.hermit import (
    ConsistencyReport,
    ReasonerFailed,
    ReasonerUnavailable,
    check_consistency,
)
from mag_graph.reasoning.inference import MODES, infer, materialise

__all__ = [
    "MODES",
    "ConsistencyReport",
    "ReasonerFailed",
    "ReasonerUnavailable",
    "check_consistency",
    "infer",
    "materialise",
]
