"""The ``mag-graph`` command: a thin face on :mod:`mag_graph.store` and friends.

Every command opens the store, calls one core function and prints the result; nothing
here knows Oxigraph. Errors people can cause (a missing or broken file, bad SPARQL, an
unknown graph, a locked store) end as one line on stderr, Dutch first, and exit code 2,
never as a traceback; the store is then as it was.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rdflib.namespace import XSD

from mag_graph import __version__
from mag_graph.commands.common import (
    CommandFailed,
    cell,
    echo_bytes,
    expand_iri,
    graph_name,
    municipality_iri,
    open_store,
    render_table,
    shorten,
    store_option,
)
from mag_graph.store import (
    MagGraphError,
    QueryResult,
    unfinished,
)

F = TypeVar("F", bound=Callable[..., Any])

QUERY_FORMATS = ["table", "json", "xml", "csv", "tsv", "turtle", "ntriples"]
EXPORT_FORMATS = ["trig", "nquads", "turtle", "ntriples", "rdfxml", "jsonld"]
LOAD_FORMATS = ["turtle", "trig", "ntriples", "nquads", "jsonld", "rdfxml"]
_PLAIN_TYPES = {XSD.integer, XSD.decimal, XSD.double, XSD.boolean, XSD.date, XSD.gYear}
_MAX_CELL = 80


class _Group(click.Group):
    """Turns mag-graph's own errors into :class:`CommandFailed` for every command."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # `mag-graph export | head`: the reader has had enough
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(1)
        except MagGraphError as exc:
            # Drop the traceback: its frames would keep the store (and its lock) alive
            # for as long as the error is remembered (CliRunner, an embedding program).
            raise CommandFailed(str(exc.with_traceback(None))) from None
        except OSError as exc:  # writing an export file, reading a query file, ...
            detail = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
            exc.with_traceback(None)
            raise CommandFailed(f"bestandsfout / file error: {detail}") from None


# --------------------------------------------------------------------------- commands


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="mag-graph", message="%(prog)s %(version)s")
def main() -> None:
    """mag-graph: wie is verantwoordelijk voor wat? / who is responsible for what?

    Een kennisgraaf van gemeentelijke rollen en verantwoordelijkheden (Maatschappelijke
    Agenda, samenwerkingsverbanden, projecten) in een RDF-store.
    A knowledge graph of municipal roles and responsibilities in an RDF store.
    """
    # The command line as typed: a load or import a crash leaves unfinished says how to repeat it.
    unfinished.name_command(shlex.join(["mag-graph", *sys.argv[1:]]))


@main.command()
@click.option("--reset", is_flag=True,
              help="Maak eerst de hele store leeg (zegt wat verdwijnt, vraagt bevestiging) / "
                   "empty the whole store first (says what goes, asks to confirm).")
@click.option("--yes", "-y", is_flag=True, help="Niet om bevestiging vragen / do not ask to confirm --reset.")
@store_option
def init(reset: bool, yes: bool, store_path: str | None) -> None:
    """Maak de store en laad ontologie, shapes en voorbeelddata.

    Create the store and load the ontology, shapes and example data. On a store that
    already holds data, only what is missing is added: the ontology and shapes are
    brought up to date, a data graph that exists is kept as it is (it may hold edits
    made in the CMS). --reset drops everything first: it lists the graphs and the number
    of CMS revisions that go, and asks to confirm unless --yes.
    """
    from mag_graph.store.bootstrap import initialise

    with open_store(store_path, create=True) as store:
        in_use = len(store) > 0
        if reset and in_use:
            _confirm_reset(store, yes)
        counts = initialise(store, reset=reset, progress=True, only_missing=in_use and not reset)
        rows = [[graph_name(g), str(n)] for g, n in counts.items()]
        click.echo(f"store: {store.location}")
        if in_use and not reset:
            click.echo("bestaande store: alleen ontbrekende grafen geladen, ontologie en shapes bijgewerkt / "
                       "existing store: only missing graphs loaded, ontology and shapes updated")
        click.echo(render_table(["graaf / graph", "triples"], rows))
        click.echo(f"totaal / total: {len(store)} triples")


def _confirm_reset(store: Any, yes: bool) -> None:
    """Say what --reset drops (every graph with its size, the CMS revisions) and ask."""
    from mag_graph.cms import history

    sizes = store.graph_sizes()
    revisions = len(history.revisions(store))
    rows = [[graph_name(g) if g is not None else "(standaardgraaf / default graph)", str(n)]
            for g, n in sorted(sizes.items(), key=lambda kv: str(kv[0] or "")) if n]
    click.echo("--reset verwijdert / drops:")
    click.echo(render_table(["graaf / graph", "triples"], rows))
    click.echo(f"en {revisions} CMS-revisie(s) met hun geschiedenis / and {revisions} CMS revision(s) with their history")
    if not yes:
        click.confirm("Doorgaan? / Continue?", abort=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--graph", "-g", metavar="IRI", help="Doelgraaf / target graph (IRI of magg:naam).")
@click.option(
    "--format", "-f", "fmt", metavar="FORMAT",
    help=f"Formaat, anders volgens extensie / format, else by extension: {', '.join(LOAD_FORMATS)}.",
)
@click.option("--replace", is_flag=True, help="Vervang de doelgrafen / replace the target graphs.")
@click.option("--reset", is_flag=True,
              help="Met --replace: ook grafen met CMS-bewerkingen vervangen (zegt wat verdwijnt, vraagt bevestiging) / "
                   "with --replace: also replace graphs holding CMS edits (says what goes, asks to confirm).")
@click.option("--yes", "-y", is_flag=True, help="Niet om bevestiging vragen / do not ask to confirm --reset.")
@store_option
def load(files: tuple[str, ...], graph: str | None, fmt: str | None, replace: bool, reset: bool, yes: bool,
         store_path: str | None) -> None:
    """Laad RDF-bestanden, alles of niets / load RDF files, all or nothing.

    Triples go to --graph (default: the default graph); quads keep their graph unless
    --graph is given. If any file is broken, none of them is loaded. --replace refuses
    to replace a graph that CMS revisions changed (their edits would be gone while the
    history still names them) unless --reset is given too.
    """
    target = expand_iri(graph) if graph else None
    if reset and not replace:
        raise click.UsageError("--reset hoort bij --replace / --reset goes with --replace")
    with open_store(store_path, create=True) as store:
        if replace:
            _guard_replace(store, files, fmt, target, reset, yes)
        result = store.load(list(files), format=fmt, graph=target, replace=replace, progress=True)
        graphs = ", ".join(graph_name(g) for g in result.graphs) or "-"
        click.echo(
            f"{result.triples} triples geladen in / loaded into: {graphs}"
        )


def _guard_replace(store: Any, files: tuple[str, ...], fmt: str | None, target: Any, reset: bool, yes: bool) -> None:
    """Refuse (exit 2) to replace graphs that hold CMS edits, unless ``reset``: then say
    what goes and ask to confirm unless ``yes`` (the rule `init` follows)."""
    from mag_graph.cms import history
    from mag_graph.cms.workflow import HISTORY_GRAPH

    revised = history.revised_graphs(store)
    if not revised:
        return
    targets = {target} if target is not None else _graphs_in(files, fmt)
    hit = {g: n for g, n in revised.items() if g in targets}
    if HISTORY_GRAPH in targets:
        hit[HISTORY_GRAPH] = len(history.revisions(store))
    if not hit:
        return
    rows = [[graph_name(g), str(n)] for g, n in sorted(hit.items(), key=lambda kv: str(kv[0]))]
    table = render_table(["graaf / graph", "CMS-wijzigingen / CMS changes"], rows)
    if not reset:
        raise CommandFailed(
            "--replace zou CMS-bewerkingen ongedaan maken terwijl de historie ze blijft noemen; "
            "geef ook --reset om ze toch te vervangen / --replace would undo CMS edits while the history "
            "still names them; add --reset to replace them anyway:\n" + table)
    click.echo("--replace --reset vervangt grafen met CMS-bewerkingen / replaces graphs holding CMS edits:")
    click.echo(table)
    if not yes:
        click.confirm("Doorgaan? / Continue?", abort=True)


def _graphs_in(files: tuple[str, ...], fmt: str | None) -> set[Any]:
    """The graphs the statements of ``files`` go into without --graph (parsed: quads keep
    their graph, triples go to the default graph); unreadable files are left to the load."""
    import pyoxigraph as ox

    from mag_graph.store import to_rdflib_term
    from mag_graph.store.formats import rdf_format

    found: set[Any] = set()
    for path in files:
        try:
            rdf = rdf_format(fmt, path)
            if not rdf.supports_datasets:
                found.add(None)
                continue
            for quad in ox.parse(path=path, format=rdf):
                graph = quad.graph_name
                found.add(None if isinstance(graph, ox.DefaultGraph) else to_rdflib_term(graph))
        except (OSError, SyntaxError, ValueError, MagGraphError):
            continue
    return found


@main.command()
@click.option("--graph", "-g", metavar="IRI", help="Alleen deze graaf / only this graph ('default' = standaardgraaf).")
@click.option(
    "--format", "-f", "fmt", metavar="FORMAT",
    help=f"Formaat / format: {', '.join(EXPORT_FORMATS)} (standaard trig, of turtle met --graph).",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=str), help="Schrijf naar bestand / write to a file.")
@store_option
def export(graph: str | None, fmt: str | None, output: str | None, store_path: str | None) -> None:
    """Schrijf de store (of één graaf) weg / serialise the store (or one graph).

    All graphs: TriG (default), N-Quads or JSON-LD. One graph: also Turtle (default),
    N-Triples or RDF/XML.
    """
    target = expand_iri(graph) if graph else None
    with open_store(store_path, create=False, reading=True) as store:
        data = store.export(graph=target, format=fmt, destination=output)
        if output is None:
            echo_bytes(data)
        else:
            click.echo(f"geschreven / written: {output}", err=True)


@main.command()
@click.argument("sparql", required=False)
@click.option("--file", "query_file", type=click.Path(exists=False, dir_okay=False, path_type=str), help="Lees de query uit een bestand / read the query from a file.")
@click.option("--format", "-f", "fmt", type=click.Choice(QUERY_FORMATS, case_sensitive=False), default="table", show_default=True)
@store_option
def query(sparql: str | None, query_file: str | None, fmt: str, store_path: str | None) -> None:
    """Voer een SPARQL-query uit / run a SPARQL query.

    The project's prefixes (mag:, magb:, magg:, rdfs:, skos:, ...) are predeclared and the
    default graph is the union of all graphs. ASK prints true/false; CONSTRUCT and
    DESCRIBE print Turtle in table format.
    """
    if (sparql is None) == (query_file is None):
        raise click.UsageError("geef een query of --file / give a query or --file")
    if query_file is not None:
        path = Path(query_file)
        if not path.is_file():
            raise CommandFailed(f"bestand niet gevonden / file not found: {query_file}")
        sparql = path.read_text(encoding="utf-8")
    assert sparql is not None
    fmt = fmt.lower()
    with open_store(store_path, create=False, reading=True) as store:
        if fmt == "table":
            _print_result(store.query(sparql))
        else:
            data, _media_type = store.query_to(sparql, fmt)
            echo_bytes(data)


def _print_result(result: QueryResult) -> None:
    if result.kind == "ask":
        click.echo("true" if result.boolean else "false")
    elif result.kind == "graph":
        assert result.graph is not None
        click.echo(result.graph.serialize(format="turtle").rstrip())
    else:
        rows = [[cell(v) for v in row] for row in result.rows]
        click.echo(render_table(list(result.variables), rows))
        click.echo(f"({len(rows)} rij(en) / row(s))")


@main.command()
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"], case_sensitive=False), default="table", show_default=True)
@store_option
def stats(fmt: str, store_path: str | None) -> None:
    """Omvang van de store / size of the store.

    Triples per named graph (and the default graph) and instances per class.
    """
    with open_store(store_path, create=False, reading=True) as store:
        result = store.stats()
        for line in store.recovery.lines():  # loads or imports a crash left unfinished
            click.echo(line, err=True)
    if fmt.lower() == "json":
        click.echo(json.dumps(result.to_json(shorten), indent=2, ensure_ascii=False))
        return
    graph_rows = [[graph_name(g), str(n)] for g, n in result.graphs.items()]
    click.echo(render_table(["graaf / graph", "triples"], graph_rows))
    click.echo(f"totaal / total: {result.total}")
    click.echo("")
    class_rows = [[shorten(c), str(n)] for c, n in result.classes]
    click.echo(render_table(["klasse / class", "instanties / instances"], class_rows))


@main.group(invoke_without_command=True)
@click.option("--municipality", "-m", "municipalities", metavar="NAAM|IRI", multiple=True,
              help="Alleen deze gemeente (herhaalbaar) / only this municipality (repeatable).")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@click.option("--format", "-f", "fmt", type=click.Choice(["tree", "xlsx", "csv"]), default="tree", show_default=True,
              help="Boom op het scherm, of een rekenblad / a tree on screen, or a spreadsheet.")
@click.option("--output", "-o", metavar="FILE", help="Schrijf naar dit bestand / write to this file (xlsx, csv).")
@store_option
@click.pass_context
def matrix(ctx: click.Context, municipalities: tuple[str, ...], lang: str, fmt: str, output: str | None,
           store_path: str | None) -> None:
    """Wie is verantwoordelijk voor wat? De rollenmatrix / the role matrix.

    Per phase (in order) and per actor: the responsibilities with their RACI kind
    (question q01, `mag-graph ask q01`, as a tree). `--format xlsx|csv -o FILE` writes
    it as a spreadsheet, one row per responsibility; `mag-graph matrix import FILE`
    reads such a sheet back.
    """
    if ctx.invoked_subcommand is not None:
        return
    if fmt != "tree":
        from mag_graph.commands.sheets import export_matrix

        export_matrix(store_path, fmt, output, municipalities, lang)
        return
    from mag_graph import questions
    answers = []
    with open_store(store_path, create=False, reading=True) as store:
        for municipality in municipalities or (None,):
            params = {"municipality": str(municipality_iri(municipality))} if municipality else {}
            answers.extend(questions.ask(store, "q01", params, lang=lang).rows)
    if not answers:
        where = f" voor {', '.join(municipalities)}" if municipalities else ""
        click.echo(
            f"Geen verantwoordelijkheden gevonden{where} (nog niets geladen? `mag-graph init`).\n"
            "No responsibilities found (nothing loaded yet? run `mag-graph init`)."
        )
        return
    click.echo(_render_matrix(answers, lang))


def _render_matrix(rows: list[dict[str, Any]], lang: str) -> str:
    """q01's rows as a tree: municipality, phase (in order), actor, responsibilities."""

    def value(row: dict[str, Any], key: str) -> Any:
        cell = row.get(key)
        return cell.value if cell is not None else None

    def num(row: dict[str, Any], key: str, default: int = 10**6) -> int:
        try:
            return int(value(row, key))
        except (TypeError, ValueError):
            return default

    def text(row: dict[str, Any], key: str) -> str:
        cell = row.get(key)
        if cell is None or cell.value is None:
            return "-"
        return " ".join(cell.label.split()) if cell.label else shorten(cell.value)

    rows = sorted(rows, key=lambda r: (text(r, "municipality"), num(r, "phaseOrder"), str(value(r, "phase")),
                                       text(r, "actor").lower(), num(r, "order"), text(r, "responsibility")))
    title = "Wie is verantwoordelijk voor wat?" if lang == "nl" else "Who is responsible for what?"
    out = [title, "=" * len(title)]
    current: tuple[Any, ...] = (None, None, None)
    for row in rows:
        m, p, a = value(row, "municipality"), value(row, "phase"), value(row, "actor")
        if m != current[0]:
            out += ["", f"{text(row, 'municipality')}  ({shorten(m)})"]
            current = (m, None, None)
        if p != current[1]:
            order = value(row, "phaseOrder")
            prefix = f"{order}. " if order is not None else ""
            out += ["", f"  {prefix}{text(row, 'phase')}"]
            current = (m, p, None)
        if a != current[2]:
            out.append(f"    {text(row, 'actor')}")
            current = (m, p, a)
        out.append(f"      [{text(row, 'raci')}] {text(row, 'responsibility')}")
    return "\n".join(out)


if __name__ == "__main__":  # python -m mag_graph.cli
    sys.exit(main())


# --------------------------------------------------------------------------- feature commands


def _register_feature_commands() -> None:
    """Attach the commands of each area (mag_graph/commands/*.py) to the main group."""
    from importlib import import_module

    for name in ("validation", "questions", "importing", "serve", "users", "content"):
        try:
            module = import_module(f"mag_graph.commands.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"mag_graph.commands.{name}":
                continue  # an area not built yet
            raise
        for command in module.COMMANDS:
            main.add_command(command)


_register_feature_commands()


def _register_matrix_import() -> None:
    from mag_graph.commands.sheets import matrix_import

    matrix.add_command(matrix_import)


_register_matrix_import()
