"""``mag-graph matrix --format xlsx|csv`` and ``mag-graph matrix import``: the role
matrix out to a spreadsheet and a filled-in spreadsheet back in.

Thin: the work is in :mod:`mag_graph.sheets`. ``matrix import FILE`` converts a sheet
to Turtle (stdout or ``-o``); ``--check`` validates it against the rules, with the
store's data as context, and names the sheet and row of every finding (exit 1 on a
violation); ``--into-cms`` imports it through the CMS as one validated revision (new
responsibilities as drafts), all rows or none.
"""

from __future__ import annotations

import datetime as dt
import gc
import getpass
import json
import sys
from pathlib import Path

import click

from mag_graph.commands.common import (
    CommandFailed,
    municipality_iri,
    open_store,
    store_option,
)
from mag_graph.store import MagGraphError

__all__ = ["export_matrix", "matrix_import"]


def export_matrix(store_path: str | None, fmt: str, output: str | None, municipalities: tuple[str, ...], lang: str) -> None:
    """Write the role matrix as XLSX or CSV to ``output`` (or stdout, not for XLSX on a
    terminal)."""
    from mag_graph import sheets

    if fmt == "xlsx" and output is None and sys.stdout.isatty():
        raise CommandFailed("geef een bestand met -o voor XLSX / give a file with -o for XLSX")
    wanted = [municipality_iri(m) for m in municipalities] or None
    with open_store(store_path, create=False, reading=True) as store:
        vocabulary = sheets.Vocabulary(store)
        groups = sheets.matrix_rows(store, wanted, lang, vocabulary=vocabulary)
        data = sheets.to_xlsx(groups, vocabulary, lang) if fmt == "xlsx" else sheets.to_csv(groups, lang)
    count = sum(len(rows) for rows in groups.values())
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    Path(output).write_bytes(data)
    click.echo(f"{count} verantwoordelijkheden geschreven naar / responsibilities written to {output}", err=True)


def _user(value: str | None) -> str:
    if value:
        return value
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "mag-graph"


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Schrijf de Turtle hierheen / write the Turtle here (default: stdout).")
@click.option("--check", is_flag=True, help="Toets aan de regels, per rij / validate against the rules, per row.")
@click.option("--into-cms", is_flag=True,
              help="Importeer via het CMS als concept (één revisie) / import through the CMS as drafts (one revision).")
@click.option("--date", "date_text", metavar="JJJJ-MM-DD", help="Peildatum / reference date (default: today).")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True,
              help="Taal van de meldingen / language of the messages.")
@click.option("--text-lang", type=click.Choice(["nl", "en"]),
              help="Taal van de teksten in het blad / language of the sheet's texts (default: the header's).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Uitvoer van --check en --into-cms / output of --check and --into-cms.")
@click.option("--user", metavar="NAME", help="Naam in de geschiedenis / name recorded in history (default: OS user).")
@click.option("--role", type=click.Choice(["editor", "reviewer", "admin"]), default="editor", show_default=True,
              help="Rol voor --into-cms (vastgestelde inhoud wijzigen: reviewer) / role for --into-cms.")
@store_option
def matrix_import(file: Path, output: Path | None, check: bool, into_cms: bool, date_text: str | None, lang: str,
                  text_lang: str | None, fmt: str, user: str | None, role: str, store_path: str | None) -> None:
    """Lees een rolmatrix uit XLSX of CSV / read a role matrix from XLSX or CSV.

    Zonder opties: het blad als Turtle. Without options: the sheet as Turtle.
    Actoren, fasen, RACI-soorten en bronnen worden op naam of id gezocht in de store;
    onbekende worden per rij gemeld / unknown names are reported per row.
    """
    from mag_graph import sheets

    if check and into_cms:
        raise CommandFailed("--check of --into-cms, niet beide / --check or --into-cms, not both")
    media_type = sheets.media_type_for(file.name)
    if media_type is None:
        raise CommandFailed(f"{file}: verwacht .xlsx of .csv / expected .xlsx or .csv")
    date = None
    if date_text:
        try:
            date = dt.date.fromisoformat(date_text)
        except ValueError:
            raise CommandFailed(f"geen datum (JJJJ-MM-DD) / not a date (YYYY-MM-DD): {date_text}") from None
    data = file.read_bytes()
    try:
        with open_store(store_path, create=False, reading=not into_cms) as store:
            if into_cms:
                _import(store, data, media_type, file.name, lang, text_lang, fmt, _user(user), role, date)
                return
            read = sheets.read_sheet(data, media_type, sheets.Vocabulary(store), lang=text_lang, name=file.name)
            if check:
                findings = sheets.check_graph(read.graph, read.rows, context=store, date=date, lang=lang)
    except sheets.SheetError as exc:
        raise CommandFailed(_problems(exc, lang)) from None
    except MagGraphError as exc:
        raise CommandFailed(str(exc.with_traceback(None))) from None
    finally:
        if into_cms:
            # A CMS write leaves reference cycles (validation's graphs) that hold the
            # Oxigraph handle; collect them so the on-disk lock goes with the command.
            gc.collect()
    if check:
        _report(findings, len(read.rows), lang, fmt)
        return
    turtle = read.graph.serialize(format="turtle")
    if output is None:
        click.echo(turtle.rstrip())
    else:
        output.write_text(turtle, encoding="utf-8")
        click.echo(f"{len(read.rows)} verantwoordelijkheden / responsibilities -> {output}", err=True)


def _problems(exc: MagGraphError, lang: str) -> str:
    from mag_graph.sheets import SheetError

    if not isinstance(exc, SheetError):
        return str(exc)
    lines = [p.text(lang) for p in exc.problems]
    head = "het rekenblad is niet gelezen / the spreadsheet was not read"
    return head + ":\n  " + "\n  ".join(lines)


def _report(findings: list, rows: int, lang: str, fmt: str) -> None:
    violations = [f for f in findings if f.result.severity == "Violation"]
    if fmt == "json":
        click.echo(json.dumps({"conforms": not violations, "rows": rows,
                               "results": [f.to_json() for f in findings]}, ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            click.echo(finding.text(lang))
        if lang == "en":
            click.echo(f"{rows} rows, {len(violations)} violation(s), {len(findings) - len(violations)} warning(s)")
        else:
            click.echo(f"{rows} rijen, {len(violations)} overtreding(en), {len(findings) - len(violations)} waarschuwing(en)")
    if violations:
        click.get_current_context().exit(1)


def _import(store: object, data: bytes, media_type: str, name: str, lang: str, text_lang: str | None, fmt: str,
            agent: str, role: str, date: dt.date | None) -> None:
    from mag_graph import sheets
    from mag_graph.cms import Content, ValidationFailedError

    content = Content(store, search=True, date=date)  # type: ignore[arg-type]
    failed: list[dict] | None = None
    try:
        outcome = sheets.import_sheet(content, data, media_type, agent=agent, role=role, lang=lang,
                                      text_lang=text_lang, name=name)
    except ValidationFailedError as exc:
        failed = exc.results  # reported below, outside this block (no traceback keeps the store)
    finally:
        if content.search is not None:
            content.search.close()
    if failed is not None:
        lines = []
        for r in failed:
            where = f"{r.get('sheet')}, {'row' if lang == 'en' else 'rij'} {r.get('row')}" if r.get("row") else r.get("focusNode")
            message = r.get("message", {})
            text = (message.get(lang) or next(iter(message.values()), "")) if isinstance(message, dict) else str(message)
            lines.append(f"{where}: {r.get('rule') or '?'} {text}")
        rules = ", ".join(sorted({str(r.get("rule") or "?") for r in failed}))
        raise CommandFailed(f"niet opgeslagen, overtreding(en) van / not stored, violation(s) of {rules}:\n  "
                            + "\n  ".join(lines))
    result = outcome.result
    if fmt == "json":
        click.echo(json.dumps(outcome.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(f"revisie / revision {result.revision}: {len(result.created)} nieuw (concept) / created (draft), "
               f"{len(result.replaced)} vervangen / replaced, {len(result.unchanged)} ongewijzigd / unchanged")
