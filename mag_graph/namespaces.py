"""The vocabularies mag-graph uses, as rdflib namespaces.

The project's own vocabularies are ``DefinedNamespace`` classes (as rdflib does for
W3C vocabularies) so that a misspelt term fails at import time instead of silently
minting a new IRI. ``tests/test_ontology.py`` checks that these lists and the ontology
files agree.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import (
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    QB,
    RDF,
    RDFS,
    SH,
    SKOS,
    TIME,
    VANN,
    XSD,
    DefinedNamespace,
)

BASE = "https://data.mag-graph.nl/"

ONTOLOGY_IRI = URIRef(BASE + "def/mag")
CONCEPTS_IRI = URIRef(BASE + "def/mag/begrip")

SCHEMA = Namespace("https://schema.org/")
TOOI = Namespace("https://identifier.overheid.nl/tooi/id/")
TOOIONT = Namespace("https://identifier.overheid.nl/tooi/def/ont/")
MAGID = Namespace(BASE + "id/")
MAGG = Namespace(BASE + "graph/")


class MAG(DefinedNamespace):
    """Classes, properties and shapes of the mag-graph ontology (``ontology/mag.ttl``)."""

    _NS = Namespace(BASE + "def/mag#")
    _fail = True
    # The term list is filled in with the ontology (see docs/model.md).


class MAGB(DefinedNamespace):
    """SKOS concepts and concept schemes (``ontology/mag-begrippen.ttl``)."""

    _NS = Namespace(BASE + "def/mag/begrip/")
    _fail = True


class Graphs:
    """The named graphs of a mag-graph store (see docs/model.md)."""

    ONTOLOGY = MAGG["ontologie"]
    SOURCES = MAGG["bronnen"]
    CATALOGUE = MAGG["catalogus"]
    HARDINXVELD_GIESSENDAM = MAGG["hardinxveld-giessendam"]
    HARDINXVELD_GIESSENDAM_ILLUSTRATIVE = MAGG["hardinxveld-giessendam-illustratief"]
    MAASSLUIS = MAGG["maassluis"]
    MAASSLUIS_ILLUSTRATIVE = MAGG["maassluis-illustratief"]
    MOLENLANDEN = MAGG["molenlanden"]
    MOLENLANDEN_ILLUSTRATIVE = MAGG["molenlanden-illustratief"]


MUNICIPALITIES = {
    "hardinxveld-giessendam": TOOI["gemeente/gm0523"],
    "maassluis": TOOI["gemeente/gm0556"],
    "molenlanden": TOOI["gemeente/gm1978"],
}

# Prefixes bound when serialising and offered to SPARQL queries.
PREFIXES: dict[str, str] = {
    "mag": str(MAG._NS),
    "magb": str(MAGB._NS),
    "magid": str(MAGID),
    "magg": str(MAGG),
    "tooi": str(TOOI),
    "tooiont": str(TOOIONT),
    "org": str(ORG),
    "prov": str(PROV),
    "skos": str(SKOS),
    "qb": str(QB),
    "time": str(TIME),
    "dcterms": str(DCTERMS),
    "schema": str(SCHEMA),
    "foaf": str(FOAF),
    "vann": str(VANN),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
}


def sparql_prologue() -> str:
    """PREFIX declarations for every prefix above, for queries written by people."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(PREFIXES.items()))
