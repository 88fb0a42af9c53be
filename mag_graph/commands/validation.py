"""``mag-graph validate`` and ``mag-graph reason``: checking a role model against the
rules of the rolverdeling, and OWL reasoning over the ontology and the data."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import time
from collections.abc import Iterator
from typing import Any

import click

from mag_graph import sheets  # noqa: F401  (registers .xlsx and .csv role matrices as files to check)
from mag_graph.commands.common import (
    CommandFailed,
    expand_iri,
    open_store,
    store_option,
)
from mag_graph.reasoning.hermit import (
    ReasonerFailed,
    ReasonerUnavailable,
    check_consistency,
)
from mag_graph.reasoning.inference import MODES as INFERENCE_MODES
from mag_graph.reasoning.inference import materialise
from mag_graph.store import GraphStore, Store, local_store
from mag_graph.validation import ValidationInputError, load_files, validate
from mag_graph.validation.checking import check_quads, read_files
from mag_graph.validation.engine import DEFAULT_ENGINE, ENGINES
from mag_graph.validation.rulebook import report_csv

EXIT_VIOLATIONS = 1


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"geen datum (JJJJ-MM-DD) / not a date (YYYY-MM-DD): {value!r}") from None


@click.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=str))
@click.option("--graph", "-g", metavar="IRI", help="Alleen deze graaf / only this named graph.")
@click.option("--municipality", "-m", metavar="GEMEENTE",
              help="Het hele rolmodel van een gemeente (bronnen en illustratief samen) / "
                   "one municipality's whole role model, e.g. hardinxveld-giessendam or gm0523.")
@click.option("--with-store", "with_store", is_flag=True,
              help="Bestanden samen met de gegevens van de store (alleen bevindingen die ze raken) / "
                   "validate the files together with the store's data (findings they affect).")
@click.option("--date", "reference_date", metavar="JJJJ-MM-DD", callback=_date,
              help="Peildatum voor tijdsafhankelijke regels (standaard vandaag) / reference date (default today).")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@click.option("--rule", "rules", multiple=True, metavar="RNN", help="Alleen deze regel(s) / only these rule(s), e.g. R15.")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json", "turtle", "csv", "html", "pdf"]), default="text",
              show_default=True, help="html en pdf: het afdrukbare rapport / the printable report (pdf needs -o or a pipe).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=str),
              help="Schrijf het rapport hierheen / write the report here (default: stdout).")
@click.option("--inference", type=click.Choice(["none", *INFERENCE_MODES]), default="none", show_default=True,
              help="Valideer met afgeleide kennis / validate with inferred triples (in a copy).")
@click.option("--engine", type=click.Choice(list(ENGINES)), default=None,
              help="Hoe er gevalideerd wordt: setbased (alle focusknopen tegelijk, SPARQL) of pyshacl "
                   f"(de referentie) / how: set-based or pySHACL (the reference); default {DEFAULT_ENGINE}.")
@store_option
def validate_command(
    files: tuple[str, ...],
    graph: str | None,
    municipality: str | None,
    with_store: bool,
    reference_date: dt.date | None,
    lang: str,
    rules: tuple[str, ...],
    fmt: str,
    output: str | None,
    inference: str,
    engine: str | None,
    store_path: str | None,
) -> None:
    """Toets het rolmodel aan de regels R01-R28 / check the role model against the rules.

    Without FILE arguments the store is validated (or one --municipality's role model,
    or one --graph); with them, the files are validated without loading them into the
    store: on their own (with the ontology), or --with-store together with the store's
    data (of one --municipality, if given), as POST /api/v1/validation does. A FILE may
    be a role-matrix spreadsheet (.xlsx, .csv, as ``matrix`` writes it): its findings
    name their sheet and row. Exit code 0: no violations (warnings allowed); 1:
    violations; 2: a usage or input error.
    """
    if fmt == "pdf" and output is None and sys.stdout.isatty():
        raise CommandFailed("geef een bestand met -o voor PDF / give a file with -o for PDF")
    try:
        if files:
            if graph:
                raise CommandFailed("--graph gaat niet samen met bestanden / --graph cannot be combined with files")
            if municipality and not with_store:
                raise CommandFailed("--municipality met bestanden vraagt --with-store / "
                                    "--municipality with files needs --with-store")
            if with_store:
                with open_store(store_path, reading=True) as store:
                    quads = read_files(files, names=store, lang=lang)
                    report = check_quads(quads, date=reference_date, lang=lang, rules=rules or None,
                                         context=store, municipality=municipality)
            else:
                quads = read_files(files, lang=lang)
                report = check_quads(quads, date=reference_date, lang=lang, rules=rules or None, engine=engine) \
                    if inference == "none" else validate(_with_ontology(quads), date=reference_date, lang=lang,
                                                         rules=rules or None, inference=inference, engine=engine)
        else:
            if with_store:
                raise CommandFailed("--with-store hoort bij bestanden / --with-store goes with files")
            with open_store(store_path, reading=True) as store, _embedded(store) as data:
                report = validate(data, date=reference_date, lang=lang, rules=rules or None,
                                  graph=str(expand_iri(graph)) if graph else None, municipality=municipality,
                                  inference=inference, engine=engine)
    except ValidationInputError as error:
        raise CommandFailed(str(error)) from None
    _write(_rendered(report, fmt, lang), output)
    if not report.conforms:
        sys.exit(EXIT_VIOLATIONS)


def _rendered(report: Any, fmt: str, lang: str) -> bytes:
    """The report in one of the command's formats."""
    if fmt in ("html", "pdf"):
        return _printable(report, fmt, lang)
    if fmt == "csv":
        return report_csv(report).encode("utf-8")
    if fmt == "json":
        return (report.to_json() + "\n").encode("utf-8")
    if fmt == "turtle":
        return (report.to_turtle() + "\n").encode("utf-8")
    return report.to_text().encode("utf-8")


def _printable(report: Any, fmt: str, lang: str) -> bytes:
    """The printable report (HTML or PDF) from the pages' templates, in a throw-away
    application around an empty in-memory store."""
    import pyoxigraph as ox

    from mag_graph.api import create_app
    from mag_graph.api.checking import printable
    from mag_graph.store import MEMORY

    store = Store(ox.Store(), MEMORY, in_memory=True)
    app = create_app(store, config={"MAG_GRAPH_CACHE_ENTRIES": 0})
    try:
        with app.test_request_context(f"/validatie?lang={lang}"):
            return printable(report, fmt, lang)
    finally:
        app.extensions["mag_graph"].close()
        store.close()


def _write(data: bytes, output: str | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        with open(output, "wb") as handle:
            handle.write(data)
    except OSError as error:
        raise CommandFailed(f"kan niet schrijven / cannot write {output}: {error.strerror}") from None
    click.echo(f"rapport geschreven naar / report written to {output}", err=True)


def _with_ontology(quads: list[Any]) -> Any:
    """An in-memory store with the ontology and the files' quads."""
    store = load_files([])
    store.extend(quads)
    return store


@contextlib.contextmanager
def _embedded(store: GraphStore) -> Iterator[Store]:
    """The store for pySHACL: itself when embedded; a remote store is first copied into
    memory (one Graph Store GET of the dataset), and the time that took goes to stderr."""
    if isinstance(store, Store):
        yield store
        return
    started = time.perf_counter()
    copy = local_store(store)
    seconds = time.perf_counter() - started
    click.echo(
        f"kopie van de externe store / copy of the remote store: {len(copy)} triples, {seconds:.2f} s",
        err=True,
    )
    try:
        yield copy
    finally:
        copy.close()


@click.command("reason")
@click.option("--mode", type=click.Choice(list(INFERENCE_MODES)), default="owlrl", show_default=True,
              help="OWL RL of RDFS / OWL RL or RDFS entailment.")
@click.option("--materialise/--no-materialise", "materialise_graph", default=True, show_default=True,
              help="Schrijf afgeleide triples naar magg:inferentie / write inferred triples to magg:inferentie.")
@click.option("--check/--no-check", default=True, show_default=True,
              help="Consistentiecontrole met HermiT / consistency check with HermiT (needs Java).")
@store_option
def reason_command(mode: str, materialise_graph: bool, check: bool, store_path: str | None) -> None:
    """Redeneren over ontologie en gegevens / reasoning over ontology and data.

    (a) materialises OWL RL (or RDFS) entailments into their own named graph, so asserted
    data stays clean; (b) checks ontology + data for consistency with HermiT and names
    unsatisfiable classes in plain words. Exit code 1 when inconsistent.
    """
    with open_store(store_path, reading=not materialise_graph) as store:
        if materialise_graph:
            count = materialise(store, mode=mode)
            click.echo(f"{count} afgeleide triples in magg:inferentie / inferred triples written ({mode})")
        if not check:
            return
        graph = store.to_rdflib(union=True)
    try:
        report = check_consistency(graph)
    except ReasonerUnavailable as error:
        raise CommandFailed(str(error)) from None
    except ReasonerFailed as error:
        raise CommandFailed(f"redeneerder faalde / reasoner failed: {error}") from None
    click.echo(report.explanation)
    if not report.consistent:
        sys.exit(EXIT_VIOLATIONS)


COMMANDS = [validate_command, reason_command]
