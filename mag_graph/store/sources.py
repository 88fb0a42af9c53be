"""Reading the sources of a load: files or bytes with their format, read with a
progress bar when asked, parsed without writing (the validation pass), and parser
errors turned into :class:`~mag_graph.store.errors.ParseError` with file, line and column.

Used both by transactions (small loads) and by the load strategies of
:mod:`mag_graph.store.loading`.
"""

from __future__ import annotations

import io
import os
import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox
from rdflib import BNode, URIRef

from mag_graph.store.errors import LoadError, ParseError, SourceNotFoundError
from mag_graph.store.formats import rdf_format
from mag_graph.store.terms import OxGraphName, _graph_out

# Show a progress bar for inputs above this size (when asked to).
PROGRESS_BYTES = 1024 * 1024


@dataclass
class _Source:
    label: str
    path: Path | None
    data: bytes | None
    format: ox.RdfFormat
    size: int

    def reader(self, bar: Any = None) -> IO[bytes]:
        # The caller closes the reader.
        raw: IO[bytes] = open(self.path, "rb") if self.path is not None else io.BytesIO(self.data or b"")  # noqa: SIM115
        return _ProgressReader(raw, bar) if bar is not None else raw

    def parse_kwargs(self) -> dict[str, Any]:
        if self.path is not None:
            return {"path": str(self.path)}
        return {"input": self.data}


class _ProgressReader(io.RawIOBase):
    """A binary reader that advances a tqdm bar by the bytes pyoxigraph reads."""

    def __init__(self, raw: IO[bytes], bar: Any) -> None:
        self._raw = raw
        self._bar = bar

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        if chunk:
            self._bar.update(len(chunk))
        return chunk

    def readinto(self, buffer: Any) -> int:
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _resolve_source(source: Any, format: str | None) -> _Source:
    """The source to load; RDF/XML is checked for its depth first (:func:`check_xml_depth`)."""
    found = _source(source, format)
    if found.format == ox.RdfFormat.RDF_XML:
        with found.reader(None) as scan:
            check_xml_depth(scan, found.label)
    return found


def _source(source: Any, format: str | None) -> _Source:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return _Source("<data>", None, data, rdf_format(format, None), len(data))
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise SourceNotFoundError(path)
        fmt = rdf_format(format, path)
        return _Source(str(source), path, None, fmt, path.stat().st_size)
    raise LoadError(
        f"kan {type(source).__name__} niet laden (verwacht een pad of bytes)",
        f"cannot load a {type(source).__name__} (expected a path or bytes)",
    )


_PARSER_PREFIX = re.compile(r"^Parser error (?:at|between) line[^:]*?: ")


def _parse_error(source: _Source, exc: SyntaxError) -> ParseError:
    message = (exc.msg or str(exc)).strip()
    message = _PARSER_PREFIX.sub("", message)
    return ParseError(source.label, exc.lineno, exc.offset, message)


def _reraise_parse(source: _Source, exc: BaseException) -> None:
    if isinstance(exc, SyntaxError):
        raise _parse_error(source, exc) from None
    if isinstance(exc, ValueError):  # pyoxigraph: unsupported format or base IRI
        raise LoadError(
            f"{source.label}: kan niet laden: {exc}", f"cannot load: {exc}"
        ) from None
    if isinstance(exc, OSError):
        raise LoadError(
            f"{source.label}: lees- of schrijffout: {exc}", f"read or write error: {exc}"
        ) from None


def _progress_bar(enabled: bool, total: int, description: str) -> Any:
    if not enabled or total <= PROGRESS_BYTES:
        return None
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=description,
        leave=False,
        dynamic_ncols=True,
    )


# How deep RDF/XML may nest elements. Oxigraph's RDF/XML parser takes time quadratic in
# the depth (10,000 levels: 5 s, 20,000: 24 s, measured), so a small upload could keep a
# core busy for hours; real RDF/XML nests a few dozen levels at most.
MAX_XML_DEPTH = 512


class _TooDeep(Exception):
    pass


def check_xml_depth(data: bytes | IO[bytes], label: str = "<data>", limit: int = MAX_XML_DEPTH) -> None:
    """Refuse RDF/XML nested deeper than ``limit`` elements (:class:`ParseError`) before
    Oxigraph parses it; counted by expat in one linear pass. Other XML errors are left to
    Oxigraph, whose messages say more."""
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0

    def start(*_: Any) -> None:
        nonlocal depth
        depth += 1
        if depth > limit:
            raise _TooDeep()

    def end(*_: Any) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        if isinstance(data, (bytes, bytearray)):
            parser.Parse(bytes(data), True)
        else:
            parser.ParseFile(data)
    except _TooDeep:
        raise ParseError(label, parser.CurrentLineNumber, parser.CurrentColumnNumber,
                         f"XML nested deeper than {limit} elements") from None
    except xml.parsers.expat.ExpatError:
        pass


def _validate(
    src: _Source, target: OxGraphName | None, bar: Any, base_iri: str | None
) -> set[OxGraphName]:
    """Parse a source without writing; the graphs it would write into."""
    reader = src.reader(bar)
    try:
        parser = ox.parse(reader, format=src.format, base_iri=base_iri)
        if target is not None:
            deque(parser, maxlen=0)
            return {target}
        if not src.format.supports_datasets:
            deque(parser, maxlen=0)
            return {ox.DefaultGraph()}
        return {q.graph_name for q in parser}
    except (SyntaxError, ValueError, OSError) as exc:
        _reraise_parse(src, exc)
        raise
    finally:
        reader.close()


def source_graphs(
    source: Any, *, format: str | None = None, base_iri: str | None = None
) -> set[URIRef | BNode | None]:
    """The graphs a source would write into (``None`` = default graph), by parsing it
    without touching any store. Raises :class:`ParseError` like a load would."""
    src = _resolve_source(source, format)
    return {_graph_out(g) for g in _validate(src, None, None, base_iri)}
