"""The ontology and the concept schemes: complete, documented, in step with the model and
with ``mag_graph.namespaces``, and consistent under an OWL 2 DL reasoner.

docs/model.md is the contract between the ontology, the data, the shapes and the code;
these tests read it so that a term added there but not here (or the other way round)
fails at once instead of surfacing as a silently minted IRI in the data.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, VANN

from mag_graph.namespaces import CONCEPTS_IRI, MAG, MAGB, ONTOLOGY_IRI, ORG, QB, SCHEMA
from mag_graph.reasoning import hermit as reasoning
from mag_graph.reasoning.hermit import ReasonerUnavailable, check_consistency

ROOT = Path(__file__).resolve().parent.parent
MAG_TTL = ROOT / "ontology" / "mag.ttl"
BEGRIPPEN_TTL = ROOT / "ontology" / "mag-begrippen.ttl"
MODEL_MD = ROOT / "docs" / "model.md"

# A plain Namespace: rdflib's XSD DefinedNamespace warns when pytest probes its attributes.
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")

MAG_NS = str(MAG._NS)
MAGB_NS = str(MAGB._NS)
BRON = "https://data.mag-graph.nl/id/bron/"
SEEDS = ["000", "001", "002", "003", "004"]
CC0 = rdflib.URIRef("https://creativecommons.org/publicdomain/zero/1.0/")

# Names docs/model.md spells differently from its own concept table; the value is the
# name the ontology uses. Remove an entry once the model is corrected.
MODEL_TYPOS: dict[str, str] = {}

# The source documents and locations listed in docs/model.md ("Sources").
SOURCE_LOCATIONS = (
    set(SEEDS)
    | {f"000-sheet-{n}" for n in (2, 3, 5, 7, 9)}
    | {f"001-slide-{n}" for n in range(4, 22)}
    | {
        f"002-{n}"
        for n in ["klankbordgroep", "stuwkr8", "buurtnetwerker", "projectleider", "mag-partners", "ambtelijk-overleg", "wethouder", "gemeenteraad"]
    }
    | {f"003-{n}" for n in ("1.1", "1.2", "1.3", "2.2")}
    | {f"004-{n}" for n in ("kop", "1", "2", "3", "4")}
    | {"roo"}  # the Register van Overheidsorganisaties, for the register's identifiers
)

TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mag() -> rdflib.Graph:
    return rdflib.Graph().parse(MAG_TTL, format="turtle")


@pytest.fixture(scope="module")
def begrippen() -> rdflib.Graph:
    return rdflib.Graph().parse(BEGRIPPEN_TTL, format="turtle")


@pytest.fixture(scope="module")
def both(mag: rdflib.Graph, begrippen: rdflib.Graph) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph += mag
    graph += begrippen
    for prefix, ns in mag.namespaces():
        graph.bind(prefix, ns, replace=True)
    return graph


@pytest.fixture(scope="module")
def model_text() -> str:
    return MODEL_MD.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def reasoner_report(both: rdflib.Graph) -> reasoning.ConsistencyReport:
    return check_consistency(both)


def mag_terms(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    """Classes, properties and the DSD defined in the mag: namespace."""
    terms = {
        s
        for t in TERM_TYPES
        for s in graph.subjects(RDF.type, t)
        if isinstance(s, rdflib.URIRef) and str(s).startswith(MAG_NS)
    }
    terms |= {
        s
        for s in graph.subjects(RDF.type, QB.DataStructureDefinition)
        if str(s).startswith(MAG_NS)
    }
    return terms


def magb_terms(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    return {
        s
        for t in (SKOS.Concept, SKOS.ConceptScheme)
        for s in graph.subjects(RDF.type, t)
        if str(s).startswith(MAGB_NS)
    }


def languages(graph: rdflib.Graph, subject: rdflib.URIRef, predicate: rdflib.URIRef) -> set[str]:
    return {o.language for o in graph.objects(subject, predicate) if isinstance(o, rdflib.Literal)}


def section(text: str, start: str, end: str | None = None) -> str:
    """The text of docs/model.md from a heading or phrase up to the next one."""
    begin = text.index(start)
    stop = text.index(end, begin + len(start)) if end else len(text)
    return text[begin:stop]


def backticked(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def prefixed_names(text: str) -> set[str]:
    """Every ``mag:X`` and ``magb:X`` named inside backticks."""
    names: set[str] = set()
    for span in backticked(text):
        names.update(m.group(0) for m in re.finditer(r"\bmagb?:[A-Za-z]\w*", span))
    return names


def bare_names(text: str) -> list[str]:
    return [span for span in backticked(text) if re.fullmatch(r"[A-Za-z]\w*", span)]


def expand(name: str) -> rdflib.URIRef:
    prefix, local = name.split(":", 1)
    return rdflib.URIRef((MAG_NS if prefix == "mag" else MAGB_NS) + local)


# --- parsing and headers --------------------------------------------------------------


def test_files_parse(mag: rdflib.Graph, begrippen: rdflib.Graph) -> None:
    assert len(mag) > 500
    assert len(begrippen) > 500


@pytest.mark.parametrize(
    ("path", "iri", "version_iri", "prefix", "namespace"),
    [
        (MAG_TTL, ONTOLOGY_IRI, "https://data.mag-graph.nl/def/mag/0.1.0", "mag", MAG_NS),
        (
            BEGRIPPEN_TTL,
            CONCEPTS_IRI,
            "https://data.mag-graph.nl/def/mag/begrip/0.1.0",
            "magb",
            MAGB_NS,
        ),
    ],
)
def test_ontology_header(
    path: Path, iri: rdflib.URIRef, version_iri: str, prefix: str, namespace: str
) -> None:
    graph = rdflib.Graph().parse(path, format="turtle")
    assert set(graph.subjects(RDF.type, OWL.Ontology)) == {iri}
    assert graph.value(iri, OWL.versionIRI) == rdflib.URIRef(version_iri)
    assert str(graph.value(iri, OWL.versionInfo)) == "0.1.0"
    for predicate in (DCTERMS.title, DCTERMS.description):
        assert languages(graph, iri, predicate) >= {"nl", "en"}, predicate
    assert graph.value(iri, DCTERMS.license) == CC0
    assert graph.value(iri, DCTERMS.creator) is not None
    assert str(graph.value(iri, VANN.preferredNamespacePrefix)) == prefix
    assert str(graph.value(iri, VANN.preferredNamespaceUri)) == namespace
    assert set(graph.objects(iri, DCTERMS.source)) == {rdflib.URIRef(BRON + s) for s in SEEDS}


def test_ontology_imports_the_concepts(mag: rdflib.Graph) -> None:
    assert set(mag.objects(ONTOLOGY_IRI, OWL.imports)) == {CONCEPTS_IRI}


# --- every term documented -------------------------------------------------------------


def test_every_mag_term_is_documented(both: rdflib.Graph) -> None:
    terms = mag_terms(both)
    assert len(terms) > 150
    problems = []
    for term in sorted(terms):
        if languages(both, term, RDFS.label) < {"nl", "en"}:
            problems.append(f"{term}: rdfs:label nl+en")
        if languages(both, term, SKOS.definition) < {"nl", "en"}:
            problems.append(f"{term}: skos:definition nl+en")
        if both.value(term, RDFS.isDefinedBy) != ONTOLOGY_IRI:
            problems.append(f"{term}: rdfs:isDefinedBy")
        if both.value(term, DCTERMS.source) is None:
            problems.append(f"{term}: dcterms:source")
    assert not problems, "\n".join(problems)


def test_every_declared_term_has_a_dutch_and_an_english_label() -> None:
    """Every class and property any file in ontology/ declares, the reused ones (``qb:DataSet``,
    ``skos:Concept``, declared for OWL 2 DL) included, is named in both languages: the
    pages at /def, the CMS forms and the JSON Schemas show these names."""
    graph = rdflib.Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    declared = {s for t in TERM_TYPES for s in graph.subjects(RDF.type, t) if isinstance(s, rdflib.URIRef)}
    assert len(declared) > 230
    reused = {s for s in declared if not str(s).startswith(MAG_NS)}
    assert len(reused) > 70 and rdflib.URIRef("http://purl.org/linked-data/cube#DataSet") in reused
    missing = sorted(str(s) for s in declared if languages(graph, s, RDFS.label) < {"nl", "en"})
    assert not missing, "\n".join(missing)
    several = sorted(str(s) for s in declared
                     if len([o for o in graph.objects(s, RDFS.label) if o.language in ("nl", "en")]) > 2)
    assert not several, "\n".join(several)  # one label per language


def test_every_concept_and_scheme_is_documented(begrippen: rdflib.Graph) -> None:
    terms = magb_terms(begrippen)
    assert len(terms) > 100
    problems = []
    for term in sorted(terms):
        label = SKOS.prefLabel if (term, RDF.type, SKOS.Concept) in begrippen else RDFS.label
        if languages(begrippen, term, label) < {"nl", "en"}:
            problems.append(f"{term}: {label} nl+en")
        if languages(begrippen, term, SKOS.definition) < {"nl", "en"}:
            problems.append(f"{term}: skos:definition nl+en")
        if begrippen.value(term, RDFS.isDefinedBy) != CONCEPTS_IRI:
            problems.append(f"{term}: rdfs:isDefinedBy")
        if begrippen.value(term, DCTERMS.source) is None:
            problems.append(f"{term}: dcterms:source")
        if (term, RDF.type, OWL.NamedIndividual) not in begrippen:
            problems.append(f"{term}: owl:NamedIndividual (OWL 2 DL)")
    assert not problems, "\n".join(problems)


def test_labels_and_definitions_have_one_value_per_language(both: rdflib.Graph) -> None:
    problems = []
    for term in sorted(mag_terms(both) | magb_terms(both)):
        for predicate in (RDFS.label, SKOS.prefLabel, SKOS.definition):
            langs = [o.language for o in both.objects(term, predicate)]
            if len(langs) != len(set(langs)):
                problems.append(f"{term} {predicate}: {langs}")
        labels = {
            str(o).lower() for p in (RDFS.label, SKOS.prefLabel) for o in both.objects(term, p)
        }
        definitions = {str(o).lower().rstrip(".") for o in both.objects(term, SKOS.definition)}
        if labels & definitions:
            problems.append(f"{term}: a definition that only repeats the label")
    assert not problems, "\n".join(problems)


def test_sources_point_to_listed_locations(both: rdflib.Graph) -> None:
    allowed = {rdflib.URIRef(BRON + s) for s in SOURCE_LOCATIONS}
    used = set(both.objects(None, DCTERMS.source))
    assert used <= allowed, sorted(used - allowed)


# --- in step with docs/model.md ----------------------------------------------------------


def test_every_term_named_in_the_model_exists(both: rdflib.Graph, model_text: str) -> None:
    defined = mag_terms(both) | magb_terms(both)
    missing = []
    for name in sorted(prefixed_names(model_text)):
        name = MODEL_TYPOS.get(name, name)
        if expand(name) not in defined:
            missing.append(name)
    assert not missing, missing


def test_model_property_lists(both: rdflib.Graph, model_text: str) -> None:
    """Names without prefix in the model's "Properties" lists are mag: properties."""
    props = section(model_text, "## Properties", "## Concept schemes")
    object_list = bare_names(section(props, "Object properties:", "Datatype properties:"))
    datatype_list = bare_names(section(props, "Datatype properties:", "Data Cube:"))
    assert len(object_list) > 70 and len(datatype_list) > 15
    problems = []
    for name in object_list:
        # docs/model.md lists accessionDate among the object properties but marks it
        # "(datatype)": it is a date, so a datatype property.
        kind = OWL.DatatypeProperty if name == "accessionDate" else OWL.ObjectProperty
        if (MAG[name], RDF.type, kind) not in both:
            problems.append(f"mag:{name} is not an {kind}")
    for name in datatype_list:
        if (MAG[name], RDF.type, OWL.DatatypeProperty) not in both:
            problems.append(f"mag:{name} is not an owl:DatatypeProperty")
    assert not problems, problems


def test_model_classes_are_classes_with_the_model_labels(
    both: rdflib.Graph, model_text: str
) -> None:
    classes = section(model_text, "## Classes", "## Properties")
    problems = []
    seen = 0
    for line in classes.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| `mag:") or len(cells) < 2:
            continue
        names = sorted(prefixed_names(cells[0]), key=cells[0].index)
        labels = [label.strip() for label in cells[1].split(" / ")]
        if len(names) == len(labels):
            expected = [{label} for label in labels]
        else:
            expected = [set(labels) | {cells[1]}] * len(names)
        for name, allowed in zip(names, expected):
            seen += 1
            term = expand(name)
            if (term, RDF.type, OWL.Class) not in both:
                problems.append(f"{name} is not an owl:Class")
                continue
            dutch = {str(o) for o in both.objects(term, RDFS.label) if o.language == "nl"}
            if not dutch & allowed:
                problems.append(f"{name}: nl label {dutch} is not {allowed}")
    for name in prefixed_names(section(classes, "Sources and graphs:")):
        seen += 1
        if (expand(name), RDF.type, OWL.Class) not in both:
            problems.append(f"{name} is not an owl:Class")
    assert seen > 50
    assert not problems, problems


def test_model_concept_schemes(begrippen: rdflib.Graph, model_text: str) -> None:
    """Each row of the model's concept table: the scheme and exactly its concepts."""
    table = section(model_text, "## Concept schemes", "## How the rules")
    problems = []
    for line in table.splitlines():
        if not line.startswith("| `magb:"):
            continue
        scheme_cell, concepts_cell = [c.strip() for c in line.strip().strip("|").split("|")][:2]
        (scheme_name,) = [n for n in prefixed_names(scheme_cell) if n.startswith("magb:")]
        scheme = expand(scheme_name)
        expected = {MAGB[name] for name in bare_names(concepts_cell)}
        actual = set(begrippen.subjects(SKOS.inScheme, scheme))
        if (scheme, RDF.type, SKOS.ConceptScheme) not in begrippen:
            problems.append(f"{scheme} is not a skos:ConceptScheme")
        if expected != actual:
            problems.append(
                f"{scheme}: missing {sorted(expected - actual)}, extra {sorted(actual - expected)}"
            )
    assert not problems, problems


def test_concept_structure(begrippen: rdflib.Graph) -> None:
    problems = []
    for concept in begrippen.subjects(RDF.type, SKOS.Concept):
        schemes = set(begrippen.objects(concept, SKOS.inScheme))
        if len(schemes) != 1:
            problems.append(f"{concept}: in {len(schemes)} schemes")
        top = set(begrippen.objects(concept, SKOS.topConceptOf))
        broader = set(begrippen.objects(concept, SKOS.broader))
        if bool(top) == bool(broader):
            problems.append(f"{concept}: needs either skos:topConceptOf or skos:broader")
        if top and top != schemes:
            problems.append(f"{concept}: top concept of another scheme")
    assert not problems, problems

    assert set(begrippen.objects(None, SKOS.broader)) == {MAGB.TaakVerantwoorden}
    assert set(begrippen.subjects(SKOS.broader, MAGB.TaakVerantwoorden)) == {
        MAGB.TaakFinancieelVerantwoorden,
        MAGB.TaakInhoudelijkVerantwoorden,
    }
    roles = set(begrippen.subjects(SKOS.inScheme, MAGB.Rollen))
    assert roles and all((r, RDF.type, ORG.Role) in begrippen for r in roles)
    assert set(begrippen.subjects(RDF.type, ORG.Role)) == roles


def test_phases_are_ordered(begrippen: rdflib.Graph) -> None:
    phases = [MAGB.Opstellen, MAGB.Vaststellen, MAGB.Uitvoering, MAGB.MonitoringEnControle]
    for number, phase in enumerate(phases, start=1):
        assert begrippen.value(phase, MAG.order) == rdflib.Literal(number, datatype=XSD.integer)
        assert str(begrippen.value(phase, SKOS.notation)) == str(number)


def test_importance_levels_name_their_audience(begrippen: rdflib.Graph) -> None:
    audiences = {
        MAGB.PolitiekZeerBelangrijk: "gemeenteraad",
        MAGB.PolitiekBelangrijk: "gemeenteraad",
        MAGB.BestuurlijkBelangrijk: "college",
        MAGB.AmbtelijkBelangrijk: "ambtelijke organisatie",
    }
    for level, audience in audiences.items():
        notes = {str(n) for n in begrippen.objects(level, SKOS.scopeNote) if n.language == "nl"}
        assert any(audience in n for n in notes), (level, notes)
        assert languages(begrippen, level, SKOS.scopeNote) >= {"nl", "en"}


# --- OWL 2 DL hygiene ---------------------------------------------------------------------


def test_no_property_has_two_kinds(both: rdflib.Graph) -> None:
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    clashes = [
        p
        for p in set(both.subjects(RDF.type, None))
        if sum((p, RDF.type, k) in both for k in kinds) > 1
    ]
    assert not clashes, clashes


def test_every_used_iri_is_declared(both: rdflib.Graph) -> None:
    """OWL 2 DL wants every class and property declared; mag: IRIs must also be defined."""
    builtin = (str(RDF), str(RDFS), str(OWL), str(XSD))
    declared = set(both.subjects(RDF.type, None))
    used: set[rdflib.URIRef] = set()
    headers = set(both.subjects(RDF.type, OWL.Ontology))
    for s, p, o in both:
        if s in headers:
            continue  # version IRIs and imports name ontologies, not terms
        used.add(p)
        if p in (
            RDFS.subClassOf,
            OWL.equivalentClass,
            OWL.disjointWith,
            RDFS.domain,
            RDFS.subPropertyOf,
            OWL.inverseOf,
            RDF.type,
        ) and isinstance(o, rdflib.URIRef):
            used.add(o)
        if p == RDFS.range and not str(o).startswith(builtin):
            used.add(o)
        for node in (s, o):
            if isinstance(node, rdflib.URIRef) and str(node).startswith((MAG_NS, MAGB_NS)):
                used.add(node)
    missing = sorted(u for u in used if not str(u).startswith(builtin) and u not in declared)
    assert not missing, missing


def test_includes_are_annotations(both: rdflib.Graph) -> None:
    for prop in (SCHEMA.domainIncludes, SCHEMA.rangeIncludes):
        assert (prop, RDF.type, OWL.AnnotationProperty) in both


def test_no_datatype_outside_owl2_in_axioms(both: rdflib.Graph) -> None:
    """xsd:date and xsd:gYear ranges would take the ontology out of OWL 2 DL (HermiT
    rejects them); those properties name their datatype with schema:rangeIncludes."""
    for prop in both.subjects(RDF.type, OWL.DatatypeProperty):
        for rng in both.objects(prop, RDFS.range):
            assert rng in reasoning.OWL2_DATATYPES, (prop, rng)
    assert (MAG.accessionDate, SCHEMA.rangeIncludes, XSD.date) in both
    assert (MAG.referenceYear, SCHEMA.rangeIncludes, XSD.gYear) in both


# The datatypes OWL 2 RL supports (OWL 2 Profiles, section 4.2: the datatype map minus
# owl:real and owl:rational).
OWL2_RL_DATATYPES = {rdflib.RDF.PlainLiteral, rdflib.RDF.XMLLiteral, RDFS.Literal} | {
    XSD[name]
    for name in (
        "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger long int short "
        "byte unsignedLong unsignedInt unsignedShort unsignedByte double float string normalizedString token "
        "language Name NCName NMTOKEN boolean hexBinary base64Binary anyURI dateTime dateTimeStamp"
    ).split()
}
# The vocabulary of the axioms the ontology may use: each is allowed in OWL 2 RL with
# named classes and properties on both sides.
RL_AXIOMS = {RDF.type, RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
             OWL.disjointWith, OWL.inverseOf, OWL.imports, OWL.versionIRI, OWL.versionInfo}


def test_the_ontology_is_in_owl2_rl(both: rdflib.Graph) -> None:
    """owlrl reasons in OWL 2 RL: the ontology stays in the profile (docs/model.md, "OWL
    profile"). No class expressions (a blank node in an axiom), axioms of the RL
    vocabulary only, and every datatype an axiom names in the RL datatype list
    (``mag:topic`` states ``rdf:langString`` with ``schema:rangeIncludes``)."""
    axioms = [(s, p, o) for s, p, o in both if str(p).startswith((str(OWL), str(RDFS))) and p in RL_AXIOMS | {
        OWL.unionOf, OWL.intersectionOf, OWL.someValuesFrom, OWL.allValuesFrom, OWL.onProperty}]
    assert not [t for t in axioms if isinstance(t[0], rdflib.BNode) or isinstance(t[2], rdflib.BNode)]
    owl_predicates = {p for _, p, _ in both if str(p).startswith(str(OWL))}
    assert owl_predicates <= RL_AXIOMS, owl_predicates - RL_AXIOMS
    datatypes = {o for p in (RDFS.range,) for o in both.objects(None, p) if str(o).startswith((str(XSD), str(RDF), str(RDFS)))}
    assert datatypes and datatypes <= OWL2_RL_DATATYPES, datatypes - OWL2_RL_DATATYPES
    topic = rdflib.URIRef(MAG_NS + "topic")
    assert both.value(topic, RDFS.range) is None
    assert both.value(topic, SCHEMA.rangeIncludes) == RDF.langString


def test_data_cube_structure(both: rdflib.Graph) -> None:
    dsd = MAG.IndicatorStructure
    assert (dsd, RDF.type, QB.DataStructureDefinition) in both
    components = list(both.objects(dsd, QB.component))
    dimensions = {both.value(c, QB.dimension) for c in components} - {None}
    measures = {both.value(c, QB.measure) for c in components} - {None}
    assert dimensions == {MAG.indicator, MAG.referenceYear, MAG.observationKind}
    assert measures == {MAG.value}
    for dim in dimensions:
        assert (dim, RDF.type, QB.DimensionProperty) in both
    assert (MAG.value, RDF.type, QB.MeasureProperty) in both


def test_reuse_and_disjointness(both: rdflib.Graph) -> None:
    assert (MAG.hasPart, RDFS.subPropertyOf, DCTERMS.hasPart) in both
    assert (MAG.RoleAssignment, RDFS.subClassOf, ORG.Membership) in both
    assert (MAG.phase, RDFS.range, SKOS.Concept) in both
    assert (MAG.cbsCode, RDFS.domain, MAG.Municipality) in both
    for prop in (MAG.assignedTo, MAG.holder, MAG.inContext):
        assert both.value(prop, RDFS.range) is None, prop
        assert both.value(prop, SCHEMA.rangeIncludes) is not None, prop
    pairs = {frozenset(p) for p in both.subject_objects(OWL.disjointWith)}
    for a, b in (
        (MAG.Resident, MAG.Post),
        (MAG.PlanActivity, MAG.Goal),
        (MAG.Theme, MAG.Goal),
    ):
        assert frozenset((a, b)) in pairs


# --- namespaces.py -----------------------------------------------------------------------


def _shape_names() -> set[str]:
    """Shape IRIs in shapes/*.ttl: they live in MAG too but not in the ontology."""
    names: set[str] = set()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        graph = rdflib.Graph().parse(path, format="turtle")
        names |= {str(s)[len(MAG_NS) :] for s in graph.subjects() if str(s).startswith(MAG_NS)}
    return names


def test_mag_namespace_lists_exactly_the_ontology_terms(both: rdflib.Graph) -> None:
    in_python = set(MAG.__annotations__) - _shape_names()
    in_files = {str(t)[len(MAG_NS) :] for t in mag_terms(both)}
    assert in_python - in_files == set(), "in namespaces.py but not in mag.ttl"
    assert in_files - in_python == set(), "in mag.ttl but not in namespaces.py"


def test_magb_namespace_lists_exactly_the_concepts(begrippen: rdflib.Graph) -> None:
    in_python = set(MAGB.__annotations__)
    in_files = {str(t)[len(MAGB_NS) :] for t in magb_terms(begrippen)}
    assert in_python - in_files == set(), "in namespaces.py but not in mag-begrippen.ttl"
    assert in_files - in_python == set(), "in mag-begrippen.ttl but not in namespaces.py"


def test_misspelt_term_fails_at_import_time() -> None:
    with pytest.raises(AttributeError):
        MAG.Municipallity  # noqa: B018 - the attribute access is the test


# --- reasoning -------------------------------------------------------------------------


def test_ontology_and_concepts_are_consistent(
    reasoner_report: reasoning.ConsistencyReport,
) -> None:
    assert reasoner_report.consistent, reasoner_report.explanation
    assert reasoner_report.unsatisfiable_classes == []
    assert reasoner_report.ignored_datatypes == [], "the ontology should be plain OWL 2 DL"
    assert reasoner_report.explanation.startswith("De ontologie en de gegevens zijn consistent")
    assert "The ontology and the data are consistent" in reasoner_report.explanation


def test_disjoint_types_are_reported_in_plain_words(both: rdflib.Graph) -> None:
    graph = rdflib.Graph()
    graph += both
    graph.namespace_manager = both.namespace_manager
    someone = rdflib.URIRef("https://data.mag-graph.nl/id/inwoner/test-a")
    graph.add((someone, RDF.type, MAG.Resident))
    graph.add((someone, RDF.type, MAG.Post))

    report = check_consistency(graph)

    assert not report.consistent
    assert "inconsistent" in report.explanation
    assert "De ontologie en de gegevens zijn inconsistent" in report.explanation
    assert "The ontology and the data are inconsistent" in report.explanation
    assert str(someone) in report.explanation
    assert "mag:Resident" in report.explanation and "mag:Post" in report.explanation


def test_unsatisfiable_class_is_reported(both: rdflib.Graph) -> None:
    graph = rdflib.Graph()
    graph += both
    odd = MAG_NS + "ResidentPost"
    graph.parse(
        data=f"""
        @prefix mag: <{MAG_NS}> .
        @prefix owl: <{OWL}> .
        @prefix rdfs: <{RDFS}> .
        <{odd}> a owl:Class ; rdfs:subClassOf mag:Resident, mag:Post .
        """,
        format="turtle",
    )
    report = check_consistency(graph)
    assert not report.consistent
    assert report.unsatisfiable_classes == [odd]
    assert "onvervulbaar" in report.explanation and "unsatisfiable" in report.explanation


def test_dates_in_data_do_not_stop_the_reasoner(both: rdflib.Graph) -> None:
    """The data carries xsd:date and xsd:gYear values, which HermiT does not know."""
    graph = rdflib.Graph()
    graph += both
    deliverable = rdflib.URIRef("https://data.mag-graph.nl/id/product/ml-test")
    graph.add((deliverable, RDF.type, MAG.Deliverable))
    graph.add((deliverable, MAG.dueDate, rdflib.Literal("2021-01-31", datatype=XSD.date)))
    graph.add((deliverable, MAG.forYear, rdflib.Literal("2021", datatype=XSD.gYear)))

    report = check_consistency(graph)

    assert report.consistent, report.explanation
    assert set(report.ignored_datatypes) == {str(XSD.date), str(XSD.gYear)}
    assert "xsd:date" in report.explanation


def test_missing_java_names_the_debian_package(
    both: rdflib.Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reasoning.shutil, "which", lambda name: None)
    with pytest.raises(ReasonerUnavailable, match="default-jre-headless"):
        check_consistency(both)


def test_reasoner_keeps_stdout_clean(
    both: rdflib.Graph, capfd: pytest.CaptureFixture[str]
) -> None:
    check_consistency(both)
    out, _ = capfd.readouterr()
    assert out == ""
