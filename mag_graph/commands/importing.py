"""``mag-graph import ...`` and ``mag-graph pull``: bringing open government data in.

Thin faces on :mod:`mag_graph.opendata`: each command opens the store, calls one importer
and prints its report (records read, imported, skipped with reasons, triples, seconds).
A progress bar goes to stderr when it is a terminal. Errors people can cause (a missing
path, a broken file with ``--strict``, an unknown CBS table, an unreachable endpoint) end
as one line and exit code 2, with the store unchanged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from mag_graph.commands.common import (
    CommandFailed,
    expand_iri,
    municipality_iri,
    open_store,
    store_option,
)
from mag_graph.opendata import (
    import_cbs,
    import_gemeenten,
    import_regelingen,
    import_tooi,
    pull,
)
from mag_graph.opendata.common import ImportReport
from mag_graph.opendata.pull import DEFAULT_TIMEOUT
from mag_graph.store import DEFAULT_GRAPH

_PATHS = click.Path(path_type=str)


def _common_options(func: Any) -> Any:
    """--strict, --format, --quiet and --store: the options every importer has."""
    func = store_option(func)
    func = click.option("--quiet", "-q", is_flag=True, help="Geen voortgangsbalk / no progress bar.")(func)
    func = click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text",
                        show_default=True, help="Uitvoer van het verslag / report output.")(func)
    func = click.option("--strict", is_flag=True,
                        help="Alles of niets: één onleesbaar record en er wordt niets geïmporteerd / "
                             "all or nothing: one unreadable record and nothing is imported.")(func)
    return func


def _graph_option(func: Any) -> Any:
    return click.option("--graph", "-g", metavar="IRI",
                        help="Doelgraaf in plaats van de standaard (wordt vervangen) / target graph "
                             "instead of the default (it is replaced).")(func)


def _print(report: ImportReport, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(report.summary_lines()))


@click.group("import")
def import_group() -> None:
    """Importeer open overheidsdata / import open government data (TOOI, ROO, CBS).

    Every import replaces its own target graph in one transaction, so running it again
    gives the same store; unreadable records are reported (file, record, reason) and
    skipped, or with --strict refuse the whole import.
    """


@import_group.command("tooi")
@click.argument("files", nargs=-1, required=True, type=_PATHS)
@_common_options
def import_tooi_command(files: tuple[str, ...], strict: bool, fmt: str, quiet: bool, store_path: str | None) -> None:
    """TOOI-registers (geëxpandeerde JSON-LD van KOOP) / TOOI registers (expanded JSON-LD).

    FILES are register files or directories holding them, e.g. rwc_gemeenten_compleet_4.json;
    each register goes into magg:tooi-{gemeenten|provincies|waterschappen}.
    """
    with open_store(store_path, create=True) as store:
        report = import_tooi(store, files, strict=strict, show_progress=not quiet)
    _print(report, fmt)


@import_group.command("gemeenten")
@click.argument("paths", nargs=-1, required=True, type=_PATHS)
@_graph_option
@_common_options
def import_gemeenten_command(paths: tuple[str, ...], graph: str | None, strict: bool, fmt: str, quiet: bool,
                             store_path: str | None) -> None:
    """Gemeenterecords (YAML) / municipality records (YAML): identifiers, inhabitants, seats.

    PATHS are YAML files or directories (e.g. polder/gemeenten/); target magg:gemeenten-register.
    """
    target = expand_iri(graph) if graph else None
    with open_store(store_path, create=True) as store:
        report = import_gemeenten(store, paths, strict=strict, show_progress=not quiet, graph=target)
    _print(report, fmt)


@import_group.command("regelingen")
@click.argument("paths", nargs=-1, required=True, type=_PATHS)
@_graph_option
@_common_options
def import_regelingen_command(paths: tuple[str, ...], graph: str | None, strict: bool, fmt: str, quiet: bool,
                              store_path: str | None) -> None:
    """Gemeenschappelijke regelingen (YAML) als samenwerkingsverbanden met deelnemers /
    joint arrangements (YAML) as partnerships with participants.

    PATHS are YAML files or directories (e.g. polder/gemeenschappelijke-regelingen/);
    target magg:regelingen. Import the whole snapshot at once: the graph is replaced.
    """
    target = expand_iri(graph) if graph else None
    with open_store(store_path, create=True) as store:
        report = import_regelingen(store, paths, strict=strict, show_progress=not quiet, graph=target)
    _print(report, fmt)


def _gm_code(text: str | None) -> str | None:
    if text is None:
        return None
    value = text.strip()
    if re.fullmatch(r"(?i)(gm)?[0-9]{4}", value):
        return "GM" + value[-4:]
    iri = str(municipality_iri(value))
    match = re.search(r"/gemeente/gm([0-9]{4})$", iri)
    if not match:
        raise CommandFailed(f"{text!r} is geen gemeente met een CBS-code / is not a municipality with a CBS code")
    return "GM" + match.group(1)


@import_group.command("cbs")
@click.option("--table", "-t", metavar="ID", help="CBS-tabel, bv. / CBS table, e.g. 85984NED (Kerncijfers wijken en buurten 2024).")
@click.option("--municipality", "-m", metavar="GEMEENTE", help="GM0523, gm0523, 0523 of een naam / or a name.")
@click.option("--file", "files", multiple=True, type=_PATHS,
              help="Opgeslagen CBS-JSON (of map van cbsodata) in plaats van live ophalen / saved CBS JSON "
                   "(or a cbsodata folder) instead of fetching live. Repeatable.")
@click.option("--year", type=click.IntRange(1800, 2200), help="Peiljaar als het bestand het niet noemt / reference year if the file does not say.")
@click.option("--startfoto", metavar="IRI", help="Bestaande Startfoto die de cijfers bevat (mag:hasPart) / existing Startfoto that includes the figures.")
@click.option("--save", type=click.Path(dir_okay=False, path_type=str), help="Bewaar de live opgehaalde tabel als JSON / save the fetched table as JSON.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Seconden per verzoek aan CBS / seconds per request to CBS.")
@_common_options
def import_cbs_command(table: str | None, municipality: str | None, files: tuple[str, ...], year: int | None,
                       startfoto: str | None, save: str | None, timeout: float, strict: bool, fmt: str, quiet: bool,
                       store_path: str | None) -> None:
    """CBS-cijfers als nulmetingen (RDF Data Cube) / CBS figures as baselines (RDF Data Cube).

    Live: --table 85984NED --municipality GM0523 (needs a network and the cbsodata
    package). Offline: --file saved.json (--municipality then picks the rows; without it
    every municipality in the file). Target graph magg:cbs-{table}-{gm0523}.
    """
    if files and save:
        raise CommandFailed("--save hoort bij live ophalen, niet bij --file / --save goes with fetching live, not with --file")
    for path in files:
        if not Path(path).exists():
            raise CommandFailed(f"pad niet gevonden / path not found: {path}")
    code = _gm_code(municipality)
    startfoto_iri = str(expand_iri(startfoto)) if startfoto else None
    with open_store(store_path, create=True) as store:
        report = import_cbs(store, files=files, table=table, municipality=code, year=year, startfoto=startfoto_iri,
                            save=save, strict=strict, show_progress=not quiet, timeout=timeout)
    _print(report, fmt)


@click.command("pull")
@click.option("--endpoint", "-e", required=True, metavar="URL", help="SPARQL-endpoint (http/https).")
@click.option("--query", "query_file", type=click.Path(dir_okay=False, path_type=str), metavar="Q.rq",
              help="Bestand met een CONSTRUCT- of DESCRIBE-query / file with a CONSTRUCT or DESCRIBE query.")
@click.option("--construct", "construct", metavar="SPARQL", help="De CONSTRUCT-query zelf / the CONSTRUCT query itself.")
@click.option("--graph", "-g", required=True, metavar="IRI", help="Doelgraaf (wordt vervangen) / target graph (replaced).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconden wachten op het endpoint / seconds to wait for the endpoint.")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@store_option
def pull_command(endpoint: str, query_file: str | None, construct: str | None, graph: str, timeout: float, fmt: str,
                 store_path: str | None) -> None:
    """Haal triples op van een SPARQL-endpoint in een graaf / fetch triples from a SPARQL endpoint into a graph.

    The query must be CONSTRUCT or DESCRIBE (a SELECT table has no triples); the pull is
    recorded in magg:herkomst (prov:Activity with the endpoint, the query and the times).
    """
    if (query_file is None) == (construct is None):
        raise CommandFailed("geef precies één van --query en --construct / give exactly one of --query and --construct")
    if query_file is not None:
        path = Path(query_file)
        if not path.is_file():
            raise CommandFailed(f"querybestand niet gevonden / query file not found: {query_file}")
        sparql = path.read_text(encoding="utf-8")
    else:
        sparql = construct or ""
    target = expand_iri(graph)
    if target == DEFAULT_GRAPH:
        raise CommandFailed("pull schrijft in een benoemde graaf, niet in de standaardgraaf / pull writes into a named graph, not the default graph")
    with open_store(store_path, create=True) as store:
        report = pull(store, endpoint, query=sparql, graph=target, timeout=timeout)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(report.summary_lines()))


COMMANDS = [import_group, pull_command]
