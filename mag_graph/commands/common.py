"""What every command of the ``mag-graph`` CLI shares: the ``--store`` option, opening
the store, the one-line error with exit code 2, and printing terms and tables."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from mag_graph.namespaces import MUNICIPALITIES, PREFIXES, TOOI
from mag_graph.store import (
    DEFAULT_GRAPH,
    ENV_STORE,
    MEMORY,
    InvalidIRIError,
    RemoteStore,
    Store,
    StoreLockedError,
    default_store_path,
    open_graph_store,
)

F = TypeVar("F", bound=Callable[..., Any])

_PLAIN_TYPES = {XSD.integer, XSD.decimal, XSD.double, XSD.boolean, XSD.date, XSD.gYear}
_MAX_CELL = 80


class CommandFailed(click.ClickException):
    """An error people can cause: one line on stderr, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"fout / error: {self.message}", err=True)


def store_option(func: F) -> F:
    """``--store PATH|URL`` (or $MAG_GRAPH_STORE); ":memory:" for a throw-away store, a
    ``sparql+http(s)://`` URL for a remote triplestore."""
    return click.option(
        "--store",
        "store_path",
        envvar=ENV_STORE,
        show_envvar=True,
        metavar="PATH|URL",
        help=(
            "Map van de store / store directory (standaard ./.mag-graph/store; "
            f"'{MEMORY}' voor een tijdelijke store in het geheugen), of een externe triplestore / "
            "or a remote triplestore: sparql+http://host:poort/?backend=oxigraph|virtuoso "
            "(inloggegevens / credentials: $MAG_GRAPH_STORE_USER, $MAG_GRAPH_STORE_PASSWORD)."
        ),
    )(func)


def open_store(store_path: str | None, *, create: bool = False, reading: bool = False) -> Store | RemoteStore:
    """The store at ``--store`` (or the default), opened for one command: the embedded
    store in a directory, or a remote triplestore for a ``sparql+http(s)://`` URL.

    When a server has the store open (locked): a command that only reads
    (``reading=True``) gets a read-only view of the server's newest snapshot, a writing
    one a message saying how to write instead (:mod:`mag_graph.commands.running`)."""
    from mag_graph.commands import running

    path = store_path or str(default_store_path())
    try:
        return open_graph_store(path, create=create)
    except StoreLockedError:
        if not reading:
            raise CommandFailed(running.locked_for_writing(path)) from None
        view = running.view_beside_server(path)
        if view is None:
            raise CommandFailed(running.locked_for_reading(path)) from None
        return view


def expand_iri(text: str) -> URIRef:
    """An IRI from the command line: ``<iri>``, an absolute IRI, or a prefixed name
    (``magg:bronnen``) with one of the project's prefixes."""
    value = text.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    if value.lower() == "default":
        return DEFAULT_GRAPH
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return URIRef(PREFIXES[prefix] + local)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) and " " not in value:
        return URIRef(value)
    raise InvalidIRIError(text, "geen IRI of bekend prefix / not an IRI or known prefix")


def shorten(term: Any) -> str:
    """A term as people read it: prefixed names where a prefix fits."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        iri = str(term)
        best = ""
        for prefix, ns in PREFIXES.items():
            if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
                local = iri[len(ns) :]
                if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_./-]*", local or "x") and not local.endswith("."):
                    best = prefix
        if best:
            return f"{best}:{iri[len(PREFIXES[best]):]}"
        return f"<{iri}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        text = str(term)
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is None or term.datatype in _PLAIN_TYPES:
            return text
        return f"{text}^^{shorten(term.datatype)}"
    return str(term)


def cell(term: Any) -> str:
    text = " ".join(shorten(term).split())
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned columns with a rule under the header."""
    widths = [_width(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], _width(cell))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths)).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in rows]
    return "\n".join(out)


def echo_bytes(data: bytes | None) -> None:
    if not data:
        return
    stream = sys.stdout.buffer
    stream.write(data)
    if not data.endswith(b"\n"):
        stream.write(b"\n")
    stream.flush()


def graph_name(graph: Any) -> str:
    return "(standaardgraaf / default graph)" if graph is None else shorten(graph)


def municipality_iri(text: str) -> URIRef:
    """A municipality from the command line: its name (``maassluis``,
    ``Hardinxveld-Giessendam``), CBS/TOOI code (``gm0556``) or IRI."""
    key = re.sub(r"[\s_]+", "-", text.strip().lower())
    if key in MUNICIPALITIES:
        return MUNICIPALITIES[key]
    if re.fullmatch(r"gm[0-9]{4}", key):
        return TOOI[f"gemeente/{key}"]
    try:
        return expand_iri(text)
    except InvalidIRIError:
        known = ", ".join(sorted(MUNICIPALITIES))
        raise CommandFailed(
            f"onbekende gemeente {text!r} (bekend: {known}) / unknown municipality {text!r}"
        ) from None
