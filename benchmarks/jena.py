"""Apache Jena SHACL as a second, independent engine: run on the same shapes (the
reference date filled in, as :func:`mag_graph.validation.prepared_shapes` does for our
engines) and the same data, its report read back with rdflib and compared with ours as
sets of (focus node, path, value, source shape, component, severity).

Jena comes from Debian (``libapache-jena-java`` 4.5.0); ``scripts/ensure-jena.sh``
installs it and writes the class path (with the xerces message files Jena 4.5 looks up
in the wrong place) to ``.cache/jena/classpath``. Jena's own command-line entry point
``shacl.shacl`` (in jena-cmds.jar) is run in a fresh JVM per validation::

    java -cp CLASSPATH shacl.shacl validate --shapes SHAPES.ttl --data DATA.nt

Used by the validation benchmark (:mod:`benchmarks.validation_engines`) and the
agreement test (tests/test_jena_agreement.py).

Known differences between Jena and our engines, each a different reading of the SHACL
specification rather than a fault in the data (:data:`KNOWN_DIFFERENCES`, listed by the
benchmark and allowed by the test), are described in :func:`explain`.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import SH

ROOT = Path(__file__).resolve().parent.parent
CLASSPATH_FILE = ROOT / ".cache" / "jena" / "classpath"
MAIN_CLASS = "shacl.shacl"

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
    """The prepared shapes graph as Turtle, for Jena. Jena 4.5 refuses a shape or
    constraint with more than one sh:message ("More than one match"), which SHACL allows
    and our shapes use (Dutch and English): Jena gets the English message only.
    Messages are not compared."""
    copy = Graph()
    for prefix, namespace in shapes.namespaces():
        copy.bind(prefix, namespace)
    for triple in shapes:
        subject, predicate, value = triple
        if predicate == SH.message and getattr(value, "language", None) != "en" \
                and len(list(shapes.objects(subject, SH.message))) > 1:
            continue
        copy.add(triple)
    copy.serialize(destination=str(path), format="turtle")
    return path


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
class JenaRun:
    seconds: float  # the whole JVM: start, parsing shapes and data, validation, report
    peak_mb: float  # the JVM process's peak resident memory
    report: Graph


class JenaError(RuntimeError):
    pass


def run(shapes: Path, data: Path, *, max_heap: str | None = None, timeout: float = 1800) -> JenaRun:
    """Jena SHACL's validation of ``data`` against ``shapes`` in a fresh JVM; its report
    (Turtle on standard output) parsed with rdflib."""
    cp = classpath()
    if cp is None:
        raise JenaError("Jena is not set up: run scripts/ensure-jena.sh")
    command = ["java"]
    if max_heap:
        command.append(f"-Xmx{max_heap}")
    command += ["-cp", cp, MAIN_CLASS, "validate", "--shapes", str(shapes), "--data", str(data)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
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
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            message = err.read().decode(errors="replace")[-2000:]
            raise JenaError(f"Jena SHACL exited {process.returncode} after {seconds:.0f} s: {message}")
        out.seek(0)
        report = Graph()
        report.parse(data=out.read().decode("utf-8"), format="turtle")
    return JenaRun(seconds, usage.ru_maxrss / 1024, report)


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


def explain(result: Result, side: str) -> str | None:
    """The documented reason for a result only one side gives, or None if unexplained.
    ``side`` is "jena" (only Jena gives it) or "ours"."""
    for kind, applies in KNOWN_DIFFERENCES:
        if applies(result, side):
            return kind
    return None


def _no_value_for_sparql(result: Result, side: str) -> bool:
    return False


# (name, predicate) pairs; filled in from what the comparison shows (see the module text).
KNOWN_DIFFERENCES: list[tuple[str, object]] = []


def differences(ours: set[Result], jena: set[Result]) -> list[tuple[str, Result, str | None]]:
    """Every result one side gives and the other does not: (side, result, explanation)."""
    listed = [("jena", r, explain(r, "jena")) for r in sorted(jena - ours, key=str)]
    listed += [("ours", r, explain(r, "ours")) for r in sorted(ours - jena, key=str)]
    return listed






def as_result(row: list | tuple) -> Result:
    """A result row of benchmarks.validation_engines.measure as a :data:`Result`."""
    focus, path, value, shape, component, severity = row
    return (focus, path, value, "_:shape" if shape.startswith("_:") or shape == "None" else shape,
            component, severity)
