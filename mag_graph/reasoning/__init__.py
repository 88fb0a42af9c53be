"""Reasoning: OWL RL / RDFS entailments with owlrl (:mod:`.inference`) and the HermiT
consistency check through owlready2 (:mod:`.hermit`).

May import: :mod:`mag_graph.store`, :mod:`mag_graph.namespaces`, :mod:`mag_graph.resources`.
"""

from mag_graph.reasoning.hermit import *  # noqa: F403
from mag_graph.reasoning.hermit import __all__ as _hermit_all
from mag_graph.reasoning.inference import MODES, infer, materialise  # noqa: F401

__all__ = [*_hermit_all, "MODES", "infer", "materialise"]
