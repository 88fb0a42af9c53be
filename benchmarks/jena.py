"""Apache Jena SHACL as a second, independent engine: run on the same shapes (the
reference date filled in, as :func:`mag_graph.validation.prepared_shapes` does for our
engines) and the same data, its report read back with rdflib and compared with ours as
sets of (focus node, path, value, source shape, component, severity).

Jena comes from Debian (``libapache-jena-java`` 4.5.0); ``scripts/ensure-jena.sh``
installs it and writes the class path (with the xerces message files Jena 4.5 looks up
in the wrong place) to ``.cache/jena/classpath``, and compiles scripts/JenaShaclBatch.java:
Jena's ``ShaclValidator`` on several (shapes, data) pairs in one JVM,
each file's parsing and validation timed inside the JVM (Jena's own ``shacl validate``
command, ``shacl.shacl`` in jena-cmds.jar, gives neither and starts a JVM per file)::

    java -cp CLASSPATH JenaShaclBatch SHAPES1.ttl DATA1.nt REPORT1.nt [SHAPES2.ttl DATA2.nt REPORT2.nt ...]

Used by the validation benchmark (:mod:`benchmarks.validation_engines`) and the
agreement test (tests/test_jena_agreement.py).

Jena 4.5 needs two adaptations of the shapes, neither of which changes a result
(:func:`for_jena`): one sh:message per constraint, and ``$currentShape`` written in
(Jena pre-binds only ``$this``). With them, Jena's results equal ours on the example
graph, on every rule fixture (tests/test_jena_agreement.py runs a sample) and on the
synthetic graph at 10k and 100k (the benchmark): no kind of difference is left to explain.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal
from rdflib.namespace import SH

ROOT = Path(__file__).resolve().parent.parent
CLASSPATH_FILE = ROOT / ".cache" / "jena" / "classpath"
MAIN_CLASS = "JenaShaclBatch"  # scripts/JenaShaclBatch.java

Result = tuple[str, "str | None", "str | None", str, str, str]


def classpath() -> str | None:
    """Jena's class path as written by scripts/ensure-jena.sh, or None if not set up."""
    if not CLASSPATH_FILE.exists():
        return None
    text = CLASSPATH_FILE.read_text(encoding="utf-8").strip()
    return text or None


def available() -> bool:
    return classpath() is not None and Path("/usr/share/java/jena-shacl.jar").exists()


def ensure() -> bool:
    """Run scripts/ensure-jena.sh (idempotent; installs the Debian package as root) and
    say whether Jena can be run."""
    subprocess.run(["bash", str(ROOT / "scripts" / "ensure-jena.sh")], check=False,
                   stdout=subprocess.DEVNULL)
    return available()


# --------------------------------------------------------------------------- inputs


def write_shapes(shapes: Graph, path: Path) -> Path:
    """The prepared shapes graph as Turtle, for Jena 4.5, with two adaptations that
    change no result (``for_jena``)."""
    for_jena(shapes).serialize(destination=str(path), format="turtle")
    return path


def for_jena(shapes: Graph) -> Graph:
    """A copy of ``shapes`` that Jena 4.5 reads as SHACL means it:

    * Jena refuses a shape or constraint with more than one sh:message ("More than one
      match"), which SHACL allows and our shapes use (Dutch and English): Jena gets the
      English message only. Messages are not compared.
    * Jena pre-binds ``$this`` (and ``$PATH``, ``$value``) in a SPARQL constraint but not
      ``$currentShape`` (SHACL 5.3.1 pre-binds it too): a constraint shared by several
      shapes that picks its row with ``FILTER(?ruleShape = $currentShape)`` (R19-R22's
      mag:MeetingFrequencyConstraint, RequiredConsultationPeriodConstraint and
      RequiredConsultationExistsConstraint) would find nothing. Each use gets its own copy
      of the constraint with the shape written in (:func:`_written_in`), which is what
      pre-binding means.
    """
    copy = Graph()
    for prefix, namespace in shapes.namespaces():
        copy.bind(prefix, namespace)
    for triple in shapes:
        subject, predicate, value = triple
        if predicate == SH.message and getattr(value, "language", None) != "en" \
                and len(list(shapes.objects(subject, SH.message))) > 1:
            continue
        copy.add(triple)
    for shape, constraint in list(copy.subject_objects(SH.sparql)):
        select = copy.value(constraint, SH.select)
        if select is None or "$currentShape" not in str(select):
            continue
        own = BNode()
        for _, predicate, value in copy.triples((constraint, None, None)):
            copy.add((own, predicate, value))
        copy.set((own, SH.select, Literal(_written_in(str(select), shape.n3()))))
        copy.remove((shape, SH.sparql, constraint))
        copy.add((shape, SH.sparql, own))
    return copy


def _written_in(query: str, shape: str) -> str:
    """``query`` with ``$currentShape`` replaced by the shape's IRI: left out of the
    projection (a constant cannot be selected), ``(<iri>)`` in GROUP BY, ``<iri>`` elsewhere."""
    head, _, rest = query.partition("WHERE")
    head = re.sub(r"\s*[$?]currentShape\b", "", head)
    body, group, tail = rest.partition("GROUP BY")
    body = re.sub(r"[$?]currentShape\b", shape, body)
    tail = re.sub(r"[$?]currentShape\b", f"({shape})", tail)
    return f"{head}WHERE{body}{group}{tail}"


def restricted_to(shapes: Graph, use_shapes: list | None) -> Graph:
    """The shapes graph with the targets of every top-level shape outside ``use_shapes``
    removed (None: all kept): Jena has no choice of shapes, and a shape without targets
    validates nothing unless a selected shape refers to it, as with pySHACL's use_shapes."""
    if use_shapes is None:
        return shapes
    keep = {str(s) for s in use_shapes}
    targets = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target}
    copy = Graph()
    for prefix, namespace in shapes.namespaces():
        copy.bind(prefix, namespace)
    for subject, predicate, value in shapes:
        if predicate in targets and str(subject) not in keep:
            continue
        copy.add((subject, predicate, value))
    return copy


def write_store(store: ox.Store, path: Path) -> Path:
    """Every triple of every graph of ``store`` as N-Triples: the data graph our engines
    validate is the union of the store's graphs, and Jena's command reads one graph."""
    with path.open("wb") as out:
        ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in store), out, ox.RdfFormat.N_TRIPLES)
    return path


def nquads_to_ntriples(source: Path, target: Path, extra: list[Path] = ()) -> Path:
    """N-Quads (and any Turtle files in ``extra``) as one N-Triples file, graph names dropped."""
    def triples():
        for quad in ox.parse(path=str(source), format=ox.RdfFormat.N_QUADS):
            yield ox.Triple(quad.subject, quad.predicate, quad.object)
        for file in extra:
            for quad in ox.parse(path=str(file), format=ox.RdfFormat.TURTLE):
                yield ox.Triple(quad.subject, quad.predicate, quad.object)

    tmp = target.with_suffix(".tmp")
    with tmp.open("wb") as out:
        ox.serialize(triples(), out, ox.RdfFormat.N_TRIPLES)
    tmp.replace(target)
    return target


# --------------------------------------------------------------------------- running


@dataclass
class Validation:
    """Jena's validation of one data file, timed inside the JVM."""

    data: Path
    shapes_seconds: float  # parsing its shapes (0 when the same file came before)
    parse_seconds: float  # reading the data file into an in-memory graph
    seconds: float  # the validation alone
    cpu_seconds: float  # the validation's CPU time (the JVM's main thread)
    report: Graph


@dataclass
class JenaRun:
    wall_seconds: float  # the whole JVM: start, shapes, every data file, reports
    cpu_seconds: float  # the whole JVM's CPU time (all threads: JIT, GC)
    peak_mb: float  # the JVM process's peak resident memory
    validations: list[Validation]


class JenaError(RuntimeError):
    pass


# JVM options for a short batch whose speed is not measured (the agreement test): the
# client compiler only and one GC thread, about a third less CPU than the defaults for
# Jena's few minutes of work on the example graph. They change how fast the JVM runs Jena,
# never what Jena computes. The benchmark keeps the defaults (C2 pays off on a long run).
SHORT_RUN_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def run_batch(jobs: list[tuple[Path, Path]], *, max_heap: str | None = None, timeout: float = 1800,
              jvm_options: tuple[str, ...] = ()) -> JenaRun:
    """Jena SHACL's validation of each (shapes, data) pair, all in one fresh JVM
    (scripts/JenaShaclBatch.java, each shapes file parsed once); each report (N-Triples)
    parsed with rdflib. ``jvm_options`` go to ``java`` as they are (e.g.
    :data:`SHORT_RUN_OPTIONS`)."""
    cp = classpath()
    if cp is None:
        raise JenaError("Jena is not set up: run scripts/ensure-jena.sh")
    with tempfile.TemporaryDirectory(prefix="mag-jena-") as tmp:
        reports = [Path(tmp) / f"report-{i}.nt" for i in range(len(jobs))]
        command = ["java", *jvm_options] + ([f"-Xmx{max_heap}"] if max_heap else []) + ["-cp", cp, MAIN_CLASS]
        for (shapes, data), report in zip(jobs, reports):
            command += [str(shapes), str(data), str(report)]
        out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            started = time.perf_counter()
            process = subprocess.Popen(command, stdout=out, stderr=err)
            timer = threading.Timer(timeout, process.kill)
            timer.start()
            try:
                # wait4: this child's own peak memory (RUSAGE_CHILDREN would be the largest
                # child this process ever waited for).
                _, status, usage = os.wait4(process.pid, 0)
            finally:
                timer.cancel()
            wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            if wall >= timeout:
                raise subprocess.TimeoutExpired(command, timeout)
            message = err_path.read_text(errors="replace")[-2000:]
            raise JenaError(f"Jena SHACL exited {process.returncode} after {wall:.0f} s: {message}")
        lines = [line.split("\t") for line in out_path.read_text().splitlines()]
        validations = []
        for (_, data), report, line in zip(jobs, reports, lines):
            graph = Graph()
            graph.parse(report, format="nt")
            validations.append(Validation(data, float(line[0]), float(line[1]), float(line[2]), float(line[4]), graph))
    return JenaRun(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, validations)


# --------------------------------------------------------------------------- comparing


def result_set(report: Graph) -> set[Result]:
    """A report's results as (focus, path, value, source shape, component, severity),
    blank-node source shapes as ``_:shape`` (their labels differ between processes)."""
    from mag_graph.validation.report import _path_text

    found = set()
    for node in report.objects(None, SH.result):
        value = report.value(node, SH.value)
        shape = report.value(node, SH.sourceShape)
        found.add((
            report.value(node, SH.focusNode).n3(),
            _path_text(report, report.value(node, SH.resultPath)),
            value.n3() if value is not None else None,
            "_:shape" if shape is None or shape.n3().startswith("_:") else str(shape),
            str(report.value(node, SH.sourceConstraintComponent)),
            str(report.value(node, SH.resultSeverity)),
        ))
    return found


def differences(ours: set[Result], jena: set[Result]) -> list[tuple[str, Result]]:
    """Every result one side gives and the other does not: ("jena" or "ours", result)."""
    return [("jena", r) for r in sorted(jena - ours, key=str)] + [("ours", r) for r in sorted(ours - jena, key=str)]


def as_result(row: list | tuple) -> Result:
    """A result row of benchmarks.validation_engines.measure as a :data:`Result`."""
    focus, path, value, shape, component, severity = row
    return (focus, path, value, "_:shape" if shape.startswith("_:") or shape == "None" else shape,
            component, severity)
