"""The headless CMS: editing the graph.

Owns content types (from the ontology and shapes), JSON-LD in and out, JSON Schema for
forms, the one write pipeline (parse, settle identifiers, diff, validate the change,
record the revision, commit, notify listeners), the PROV-O history, the workflow
states and the full-text search index.

May import: :mod:`mag_graph.validation`, :mod:`mag_graph.access`, :mod:`mag_graph.store`,
:mod:`mag_graph.namespaces`, :mod:`mag_graph.resources`. Never the web layer.
"""
