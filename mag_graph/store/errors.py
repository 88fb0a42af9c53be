"""The errors of the store layer, and :class:`MagGraphError`, the base of every error
mag-graph reports to people (Dutch / English).

Opening the store (:class:`StoreError` and its kinds, among them those of a remote
store: unreachable, too slow, access refused), loading (:class:`LoadError`: a
missing source, a syntax error with its place in the file), queries
(:class:`QueryError`, :class:`QuerySyntaxError`) and names (:class:`UnknownGraphError`,
:class:`InvalidIRIError`). :class:`~mag_graph.store.formats.UnknownFormatError` lives
with the format names it lists.
"""

from __future__ import annotations

import os


class MagGraphError(Exception):
    """Base of every error mag-graph reports to people: the message is Dutch / English."""

    def __init__(self, nl: str, en: str | None = None) -> None:
        self.nl = nl
        self.en = en if en is not None else nl
        super().__init__(f"{nl} / {en}" if en is not None and en != nl else nl)

    @property
    def message(self) -> str:
        return str(self)


class StoreError(MagGraphError):
    """The store cannot be opened or used."""


class StoreLockedError(StoreError):
    """Another process (or another handle in this one) has the on-disk store open."""


class StoreNotFoundError(StoreError):
    """A command that only reads was pointed at a store that does not exist."""


class StoreClosedError(StoreError):
    """The store was used after :meth:`Store.close`."""


class LoadError(MagGraphError):
    """A load was refused or failed; the store is as it was before."""


class SourceNotFoundError(LoadError):
    """A file to load does not exist or is not a file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        super().__init__(
            f"bestand niet gevonden: {self.path}", f"file not found: {self.path}"
        )


class ParseError(LoadError):
    """A source is not valid RDF. Carries where, so people can fix the file."""

    def __init__(
        self, source: str, line: int | None, column: int | None, parser_message: str
    ) -> None:
        self.source = source
        self.line = line
        self.column = column
        self.parser_message = parser_message
        where = source
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        self.location = where
        super().__init__(
            f"{where}: syntaxfout: {parser_message}", f"syntax error: {parser_message}"
        )

    def __str__(self) -> str:
        return f"{self.location}: syntaxfout / syntax error: {self.parser_message}"


class QueryError(MagGraphError):
    """A SPARQL query or update could not be run."""


class QuerySyntaxError(QueryError):
    """The SPARQL text does not parse; the parser's message says where."""

    def __init__(self, parser_message: str) -> None:
        self.parser_message = parser_message
        super().__init__(
            f"ongeldige SPARQL: {parser_message}", f"invalid SPARQL: {parser_message}"
        )

    def __str__(self) -> str:
        return f"ongeldige SPARQL / invalid SPARQL: {self.parser_message}"


class UnknownGraphError(MagGraphError):
    """A named graph that the store does not hold."""

    def __init__(self, graph: str) -> None:
        self.graph = graph
        super().__init__(
            f"de store bevat geen graaf <{graph}>", f"the store has no graph <{graph}>"
        )


class InvalidIRIError(MagGraphError):
    """A string that should be an absolute IRI is not one."""

    def __init__(self, value: str, reason: str) -> None:
        self.value = value
        super().__init__(
            f"ongeldige IRI {value!r}: {reason}", f"invalid IRI {value!r}: {reason}"
        )


class StoreUnreachableError(StoreError):
    """A remote store (a SPARQL endpoint) cannot be reached: refused, unknown host, TLS."""


class StoreTimeoutError(StoreError):
    """A remote store did not answer within the time allowed for one request."""


class StoreAccessError(StoreError):
    """A remote store refused the request (HTTP 401/403): missing or wrong credentials."""
