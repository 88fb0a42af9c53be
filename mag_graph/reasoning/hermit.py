"""Consistency checking with an OWL 2 DL reasoner (HermiT, run through owlready2).

SHACL (``validation``) checks the data against closed-world rules, but it cannot notice
that the ontology's own axioms contradict each other or the data: a thing typed with two
disjoint classes, or a class that can have no members at all. Only a DL reasoner finds
those, so the ontology's test suite and the command line run HermiT over the ontology and,
optionally, the example data.

HermiT is Java, bundled with owlready2. It accepts only the datatypes of the OWL 2
datatype map; dates and years (``xsd:date``, ``xsd:gYear``) are not in it, yet the data
needs them. When the graph holds such values, HermiT is told to treat them as opaque and
the report says which datatypes went unchecked (the SHACL shapes check them instead).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, XSD

__all__ = [
    "ConsistencyReport",
    "ReasonerFailed",
    "ReasonerUnavailable",
    "check_consistency",
]

JAVA_PACKAGE = "default-jre-headless"

# The OWL 2 datatype map (OWL 2 Structural Specification, section 4) plus rdf:langString,
# which HermiT reads as the RDF 1.1 name of a language-tagged rdf:PlainLiteral.
OWL2_DATATYPES: frozenset[rdflib.URIRef] = frozenset(
    [
        RDF.PlainLiteral,
        RDF.XMLLiteral,
        RDF.langString,
        RDFS.Literal,
        OWL.real,
        OWL.rational,
    ]
    + [
        XSD[name]
        for name in (
            "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger "
            "negativeInteger long int short byte unsignedLong unsignedInt unsignedShort "
            "unsignedByte double float string normalizedString token language Name NCName "
            "NMTOKEN boolean hexBinary base64Binary anyURI dateTime dateTimeStamp"
        ).split()
    ]
)

_MAX_HINTS = 5


class ReasonerUnavailable(RuntimeError):
    """HermiT cannot run here, because there is no Java runtime."""


class ReasonerFailed(RuntimeError):
    """HermiT ran but rejected the input (for example: not OWL 2 DL), so there is no verdict."""


@dataclass
class ConsistencyReport:
    """The verdict of one reasoner run.

    ``consistent`` is false both for a logical inconsistency (some fact contradicts the
    axioms) and for unsatisfiable classes (classes that can have no members), because
    both mean the ontology or the data is wrong. ``explanation`` says which, in Dutch and
    in English, so it can be shown to people as is.
    """

    consistent: bool
    unsatisfiable_classes: list[str] = field(default_factory=list)
    explanation: str = ""
    ignored_datatypes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def check_consistency(graph: rdflib.Graph) -> ConsistencyReport:
    """Run HermiT over ``graph`` (ontology, concepts and any data merged into one graph).

    ``owl:imports`` are not followed: the caller passes everything that should be
    checked, so the check never reaches out to the network and always sees exactly the
    files in the repository.
    """
    java = _find_java()
    ignored = _unsupported_datatypes(graph)

    # Imported to keep `import mag_graph.reasoning` cheap for code that never reasons.
    import owlready2

    with tempfile.TemporaryDirectory(prefix="mag-graph-hermit-") as tmp:
        path = Path(tmp) / "graph.nt"
        _without_imports(graph).serialize(destination=str(path), format="nt", encoding="utf-8")

        world = owlready2.World()
        try:
            inconsistent, seconds = _run_hermit(owlready2, world, path, java, bool(ignored))
            unsatisfiable: list[str] = []
            if not inconsistent:
                unsatisfiable = sorted(
                    iri
                    for iri in (str(getattr(c, "iri", c)) for c in world.inconsistent_classes())
                    if iri != str(OWL.Nothing)
                )
        finally:
            world.close()

    explanation = _explain(graph, inconsistent, unsatisfiable, ignored)
    return ConsistencyReport(
        consistent=not inconsistent and not unsatisfiable,
        unsatisfiable_classes=unsatisfiable,
        explanation=explanation,
        ignored_datatypes=[str(d) for d in ignored],
        seconds=seconds,
    )


def _run_hermit(
    owlready2: Any, world: Any, path: Path, java: str, ignore_datatypes: bool
) -> tuple[bool, float]:
    """Load the N-Triples file into ``world`` and run HermiT; true when inconsistent.

    owlready2 reports progress and warnings with print(); they are captured so that a
    command line tool using this keeps its stdout for its own output.
    """
    noise = io.StringIO()
    started = time.perf_counter()
    previous_java = owlready2.JAVA_EXE
    try:
        with contextlib.redirect_stdout(noise), contextlib.redirect_stderr(noise):
            with path.open("rb") as fileobj:
                world.get_ontology("http://mag-graph.invalid/consistency-check#").load(
                    fileobj=fileobj, format="ntriples"
                )
            owlready2.JAVA_EXE = java
            owlready2.sync_reasoner(
                world,
                infer_property_values=False,
                debug=0,
                ignore_unsupported_datatypes=ignore_datatypes,
            )
    except owlready2.OwlReadyInconsistentOntologyError:
        return True, time.perf_counter() - started
    except owlready2.OwlReadyJavaError as error:
        raise ReasonerFailed(
            "HermiT kon de graaf niet verwerken / HermiT could not process the graph:\n"
            + str(error)
        ) from error
    except OSError as error:  # the java executable vanished or may not be run
        raise ReasonerUnavailable(_no_java_message()) from error
    finally:
        owlready2.JAVA_EXE = previous_java
    return False, time.perf_counter() - started


def _find_java() -> str:
    import owlready2

    java = shutil.which(owlready2.JAVA_EXE) or shutil.which("java")
    if java is None:
        raise ReasonerUnavailable(_no_java_message())
    return java


def _no_java_message() -> str:
    return (
        "De redeneerder HermiT heeft Java nodig; installeer het Debian-pakket "
        f"{JAVA_PACKAGE} (apt-get install {JAVA_PACKAGE}). / "
        "The HermiT reasoner needs Java; install the Debian package "
        f"{JAVA_PACKAGE} (apt-get install {JAVA_PACKAGE})."
    )


def _without_imports(graph: rdflib.Graph) -> rdflib.Graph:
    """A copy without owl:imports, so owlready2 does not try to download imported IRIs."""
    copy = rdflib.Graph()
    for triple in graph:
        if triple[1] != OWL.imports:
            copy.add(triple)
    return copy


def _unsupported_datatypes(graph: rdflib.Graph) -> list[rdflib.URIRef]:
    """Datatypes in the graph (literal values or data ranges) outside the OWL 2 map."""
    found: set[rdflib.URIRef] = set()
    for _, _, obj in graph:
        if isinstance(obj, rdflib.Literal) and obj.datatype is not None:
            found.add(obj.datatype)
    for prop in graph.subjects(RDF.type, OWL.DatatypeProperty):
        for rng in graph.objects(prop, RDFS.range):
            if isinstance(rng, rdflib.URIRef):
                found.add(rng)
    return sorted(d for d in found if d not in OWL2_DATATYPES)


def _explain(
    graph: rdflib.Graph,
    inconsistent: bool,
    unsatisfiable: list[str],
    ignored: list[rdflib.URIRef],
) -> str:
    if inconsistent:
        nl = "De ontologie en de gegevens zijn inconsistent: ze spreken elkaar tegen."
        en = "The ontology and the data are inconsistent: they contradict each other."
        hints = _disjointness_hints(graph)
        if hints:
            nl += " Waarschijnlijke oorzaak: " + "; ".join(
                f"{thing} is zowel {a} als {b}, maar die klassen sluiten elkaar uit"
                for thing, a, b in hints
            ) + "."
            en += " Likely cause: " + "; ".join(
                f"{thing} is both {a} and {b}, but those classes are disjoint"
                for thing, a, b in hints
            ) + "."
    elif unsatisfiable:
        listed = ", ".join(_short(graph, rdflib.URIRef(iri)) for iri in unsatisfiable)
        nl = (
            "De gegevens spreken de ontologie niet tegen, maar deze klassen kunnen geen "
            f"leden hebben (onvervulbaar): {listed}."
        )
        en = (
            "The data do not contradict the ontology, but these classes can have no "
            f"members (unsatisfiable): {listed}."
        )
    else:
        nl = "De ontologie en de gegevens zijn consistent."
        en = "The ontology and the data are consistent."
    if ignored:
        types = ", ".join(_short(graph, d) for d in ignored)
        nl += (
            f" Waarden van het type {types} zijn niet door HermiT gecontroleerd"
            " (geen OWL 2-datatype)."
        )
        en += f" Values of type {types} were not checked by HermiT (not an OWL 2 datatype)."
    return f"{nl} / {en}"


def _disjointness_hints(graph: rdflib.Graph) -> list[tuple[str, str, str]]:
    """Things whose types (with their superclasses) include two disjoint classes.

    HermiT only says *that* the graph is inconsistent. This cheap look-up covers the
    commonest cause, so the report can name the offending resource instead of leaving
    people to search for it.
    """
    disjoint: set[frozenset[rdflib.term.Node]] = set()
    for a, b in graph.subject_objects(OWL.disjointWith):
        disjoint.add(frozenset((a, b)))
    if not disjoint:
        return []

    def ancestors(cls: rdflib.term.Node) -> set[rdflib.term.Node]:
        seen = {cls}
        todo = [cls]
        while todo:
            current = todo.pop()
            for parent in graph.objects(current, RDFS.subClassOf):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
            for same in graph.objects(current, OWL.equivalentClass):
                if same not in seen:
                    seen.add(same)
                    todo.append(same)
        return seen

    # Asserted types, plus the types that rdfs:domain and rdfs:range give.
    types: dict[rdflib.term.Node, set[rdflib.term.Node]] = {}
    for thing, cls in graph.subject_objects(RDF.type):
        types.setdefault(thing, set()).add(cls)
    for prop, cls in graph.subject_objects(RDFS.domain):
        for thing in graph.subjects(prop, None):
            types.setdefault(thing, set()).add(cls)
    for prop, cls in graph.subject_objects(RDFS.range):
        for value in graph.objects(None, prop):
            if not isinstance(value, rdflib.Literal):
                types.setdefault(value, set()).add(cls)

    hints: list[tuple[str, str, str]] = []
    for thing in sorted(types, key=str):
        classes: set[rdflib.term.Node] = set()
        for cls in types[thing]:
            classes |= ancestors(cls)
        for pair in sorted(disjoint, key=lambda p: sorted(map(str, p))):
            if pair <= classes and len(pair) == 2:
                a, b = sorted(pair, key=str)
                hints.append((_short(graph, thing), _short(graph, a), _short(graph, b)))
                if len(hints) >= _MAX_HINTS:
                    return hints
    return hints


def _short(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    """``mag:Post`` rather than the full IRI, where the graph binds a prefix for it."""
    if isinstance(node, rdflib.URIRef):
        try:
            prefix, _, name = graph.namespace_manager.compute_qname(node, generate=False)
        except (KeyError, ValueError):
            return f"<{node}>"
        return f"{prefix}:{name}"
    return str(node)
