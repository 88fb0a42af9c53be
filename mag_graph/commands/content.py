"""``mag-graph search``, ``history``, ``reindex``, ``workflow`` and ``refresh``: the CMS
from the command line (``refresh``: announce writes made directly to a remote triplestore).

Thin: each command opens the store, calls :class:`mag_graph.cms.content.Content` (or the
search index) and prints the outcome. The command line is a trusted, local face of the
store - whoever may open the store directory may change it anyway - so it acts with the
``admin`` role and records the operating-system user (or ``--user``) in history.
"""

from __future__ import annotations

import getpass
import json

import click

from mag_graph.commands.common import (
    CommandFailed,
    expand_iri,
    open_store,
    render_table,
    shorten,
    store_option,
)
from mag_graph.store import MagGraphError


def _fail(exc: MagGraphError) -> CommandFailed:
    # Drop the traceback so its frames do not keep the store (and its lock) alive.
    return CommandFailed(str(exc.with_traceback(None)))


def _user(value: str | None) -> str:
    if value:
        return value
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment
        return "mag-graph"


def _content(store: object, *, search: bool = True) -> object:
    from mag_graph.cms import Content

    return Content(store, search=search)  # type: ignore[arg-type]


@click.command("search")
@store_option
@click.argument("query", nargs=-1, required=True)
@click.option("--type", "ctype", metavar="TYPE", help="Alleen dit inhoudstype / only this content type (e.g. responsibility).")
@click.option("--municipality", "-m", metavar="NAME", help="Alleen deze gemeente (naam, gm-code of IRI) / only this municipality.")
@click.option("--drafts/--public", default=False, show_default=True,
              help="Ook concepten en archief (redactieweergave) / also drafts and archive (editors' view).")
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def search_command(store_path: str | None, query: tuple[str, ...], ctype: str | None, municipality: str | None,
                   drafts: bool, limit: int, lang: str, fmt: str) -> None:
    """Zoek in labels en beschrijvingen / full-text search over labels and descriptions."""
    try:
        with open_store(store_path, reading=True) as store:
            cms = _content(store)
            found = cms.search_text(" ".join(query), role="editor" if drafts else None, ctype=ctype,  # type: ignore[attr-defined]
                                    municipality=municipality, limit=limit, lang=lang)
            cms.search.close()  # type: ignore[attr-defined]
    except MagGraphError as exc:
        raise _fail(exc) from None
    if fmt == "json":
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    rows = [[f"{item['score']:.2f}", item["type"], item["state"], item["label"][:60], shorten_iri(item["id"])]
            for item in found["items"]]
    click.echo(render_table(["score", "type", "toestand/state", "label", "IRI"], rows))
    click.echo(f"{found['total']} resultaat/resultaten / result(s)")


def shorten_iri(iri: str) -> str:
    from rdflib import URIRef

    return shorten(URIRef(iri))


@click.command("history")
@store_option
@click.argument("iri")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def history_command(store_path: str | None, iri: str, fmt: str) -> None:
    """Revisies van een resource / the revisions of a resource, newest first."""
    try:
        with open_store(store_path, reading=True) as store:
            cms = _content(store, search=False)
            revisions = cms.history(expand_iri(iri), role="admin")  # type: ignore[attr-defined]
    except MagGraphError as exc:
        raise _fail(exc) from None
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in revisions], ensure_ascii=False, indent=2))
        return
    rows = [[r.id, r.time[:19], r.agent or "", r.role or "", r.transition or r.action,
             f"{r.state_before or '-'} -> {r.state_after or '-'}", f"+{r.added} -{r.removed}"] for r in revisions]
    click.echo(render_table(["revisie/revision", "tijd/time", "agent", "rol/role", "actie/action", "toestand/state", "triples"], rows))


@click.command("reindex")
@store_option
def reindex_command(store_path: str | None) -> None:
    """Bouw de zoekindex opnieuw op / rebuild the search index from the store."""
    try:
        with open_store(store_path) as store:
            cms = _content(store)
            count = cms.search.rebuild(cms)  # type: ignore[attr-defined]
            cms.search.close()  # type: ignore[attr-defined]
    except MagGraphError as exc:
        raise _fail(exc) from None
    click.echo(f"{count} resources geïndexeerd / indexed")


@click.command("workflow")
@store_option
@click.argument("iri")
@click.argument("transition", type=click.Choice(["vaststellen", "archiveren", "heropenen", "adopt", "archive", "reopen"]))
@click.option("--user", metavar="NAME", help="Naam in de geschiedenis / name recorded in history (default: OS user).")
def workflow_command(store_path: str | None, iri: str, transition: str, user: str | None) -> None:
    """Neem een workflowstap / take a workflow step (adopt, archive, reopen)."""
    try:
        with open_store(store_path) as store:
            cms = _content(store)
            result = cms.transition(expand_iri(iri), transition, agent=_user(user), role="admin")  # type: ignore[attr-defined]
            cms.search.close()  # type: ignore[attr-defined]
    except MagGraphError as exc:
        raise _fail(exc) from None
    click.echo(f"{shorten_iri(result.iri)}: {result.state} (revisie/revision {result.revision})")


@click.command("refresh")
@store_option
def refresh_command(store_path: str | None) -> None:
    """Meld wijzigingen buiten mag-graph om / announce changes made to a remote
    triplestore directly (not through mag-graph): every mag-graph process on it then
    empties its caches, updates its search index and reloads its copy for validation."""
    try:
        with open_store(store_path) as store:
            announce = getattr(store, "announce_change", None)
            if announce is None:
                raise CommandFailed(
                    "refresh is voor een externe triplestore (--store sparql+http://...); de ingebouwde store "
                    "schrijft alleen mag-graph zelf / refresh is for a remote triplestore (--store sparql+http://...); "
                    "only mag-graph itself writes the embedded store")
            token = announce()
    except MagGraphError as exc:
        raise _fail(exc) from None
    click.echo(f"generatie/generation {token}: andere mag-graph-processen lezen de store opnieuw / "
               "other mag-graph processes read the store again")


COMMANDS = [search_command, history_command, reindex_command, workflow_command, refresh_command]

__all__ = ["COMMANDS"]
