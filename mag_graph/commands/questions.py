"""``mag-graph questions`` and ``mag-graph ask``: the governance questions of
``QUESTIONS.md`` from the command line.

The commands only translate: ``--param NAME=VALUE`` pairs go to
:func:`mag_graph.questions.ask` as the text people typed (the core types and checks them),
and the answer is printed as a table, JSON or CSV. Mistakes people can make (an unknown
question, a bad parameter) end as one line on stderr with exit code 2.
"""

from __future__ import annotations

import json
from typing import Any

import click
from rdflib import Literal

from mag_graph import questions as core
from mag_graph.commands.common import (
    CommandFailed,
    open_store,
    render_table,
    shorten,
    store_option,
)
from mag_graph.questions import Answer, Question
from mag_graph.store import MagGraphError

_MAX_CELL = 70


def _fail(exc: MagGraphError) -> CommandFailed:
    # Drop the traceback so its frames do not keep the store (and its lock) alive.
    return CommandFailed(str(exc.with_traceback(None)))


def _params(pairs: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CommandFailed(
                f"--param verwacht NAAM=WAARDE, niet {pair!r} / --param expects NAME=VALUE, not {pair!r}"
            )
        if name in params:
            raise CommandFailed(f"parameter {name} staat er twee keer / parameter {name} is given twice")
        params[name] = value
    return params


def _param_summary(question: Question, lang: str) -> str:
    parts = []
    for p in question.params:
        if p.name == "lang":
            continue
        if p.default is not None:
            parts.append(f"{p.name}={p.default}")
        else:
            parts.append(f"{p.name}?" if p.optional else p.name)
    return " ".join(parts) or "-"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def _text(cell: Any) -> str:
    """A cell as people read it: its label, else the literal's text, else a short IRI."""
    if cell.label is not None:
        return cell.label
    if isinstance(cell.value, Literal):
        return str(cell.value)
    return shorten(cell.value)


def _render(answer: Answer) -> str:
    lang = answer.lang
    heading = f"{answer.question.id}: {answer.question.title(lang)}"
    headers = [answer.column_label(c) for c in answer.columns]
    rows = [
        [_clip(_text(cell)) for cell in row.values()]
        for row in answer.rows
    ]
    noun = "rij(en)" if lang == "nl" else "row(s)"
    return "\n".join([heading, "=" * min(len(heading), 100), render_table(headers, rows), f"({len(rows)} {noun})"])


@click.command("questions")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def questions(lang: str, fmt: str) -> None:
    """De vragen die de graaf beantwoordt / the questions the graph answers.

    Lists every question (q01-q14) with its title and parameters (NAME=DEFAULT; NAME?
    is optional and means "all" when left out). Ask one with `mag-graph ask ID`.
    """
    try:
        catalogue = core.list_questions()
    except MagGraphError as exc:
        raise _fail(exc) from None
    if fmt == "json":
        click.echo(json.dumps([q.to_json() for q in catalogue], ensure_ascii=False, indent=2))
        return
    rows = [[q.id, q.slug, q.title(lang), _param_summary(q, lang)] for q in catalogue]
    headers = ["id", "naam" if lang == "nl" else "name", "vraag" if lang == "nl" else "question",
               "parameters"]
    click.echo(render_table(headers, rows))


@click.command("ask")
@click.argument("question_id", metavar="ID")
@click.option("--param", "-p", "pairs", multiple=True, metavar="NAAM=WAARDE",
              help="Parameter van de vraag, herhaalbaar / question parameter, repeatable.")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@store_option
def ask(question_id: str, pairs: tuple[str, ...], lang: str, fmt: str, store_path: str | None) -> None:
    """Beantwoord een vraag / answer a question: ID is q01..q14, 1..14 or its name.

    Example: mag-graph ask q02 --param actor=orgaan/hg-college --param phase=Vaststellen
    """
    params = _params(pairs)
    try:
        core.get_question(question_id)  # an unknown question needs no store
        with open_store(store_path, create=False, reading=True) as store:
            answer = core.ask(store, question_id, params, lang=lang)
    except MagGraphError as exc:
        raise _fail(exc) from None
    if fmt == "json":
        click.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(answer.to_csv(), nl=False)
    else:
        click.echo(_render(answer))


COMMANDS: list[Any] = [questions, ask]
