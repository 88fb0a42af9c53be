"""The governance questions (``queries/qNN-*.rq``): a catalogue, typed parameters, answers.

Every question of ``QUESTIONS.md`` is one SPARQL file with a small header that says what
it asks (in Dutch and English), which parameters it takes and what its columns mean. The
CLI, the HTTP API and the web pages all go through :func:`list_questions`,
:func:`get_question` and :func:`ask`, so a question behaves the same everywhere.

Parameters are the security boundary. A value people type is converted here into one typed
RDF term (an IRI checked to be an IRI, an ``xsd:date``, an ``xsd:integer``, a plain
literal, ...) and handed to :meth:`mag_graph.store.Store.query` as a binding; the store
binds it with pyoxigraph's substitutions or a ``VALUES`` block written from the term. No
user text is ever pasted into SPARQL, so a hostile value can at worst be a strange
literal that matches nothing.

The header format (comment lines at the very top of the file)::

    # id: q01
    # title@nl: Wie is verantwoordelijk voor wat?
    # title@en: Who is responsible for what?
    # description@nl: De volledige rollenmatrix ...
    #   a line indented by two or more spaces continues the value above it
    # description@en: The full role matrix ...
    # param: municipality | municipality | optional | label@nl: gemeente | label@en: municipality
    # param: lang | language | default: nl | label@nl: taal | label@en: language
    # column: actor | label@nl: actor | label@en: actor

``param``: name (= the SPARQL variable), type, then options: ``default: VALUE``,
``optional`` (no value means "all": the variable stays unbound), ``label@nl``/``label@en``,
``min``/``max`` (integers) and ``scheme`` (concepts: the ``magb:`` concept scheme the
value must belong to). Types: ``iri``, ``municipality``, ``date``, ``integer``,
``string``, ``concept``, ``language``. ``column`` documents a result column (a variable
``x`` whose label is in ``xLabel`` is one column). The header ends at the first line that
is not a comment; a ``#`` line that is empty ends a continued value.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import SKOS, XSD
from rdflib.term import Node

from mag_graph.namespaces import MAGB, MAGID, MUNICIPALITIES, PREFIXES, TOOI
from mag_graph.resources import resource_files
from mag_graph.store import GraphStore, InvalidIRIError, MagGraphError, from_rdflib_term

__all__ = [
    "LANGUAGES",
    "PARAMETER_TYPES",
    "Answer",
    "Cell",
    "Column",
    "Parameter",
    "ParameterError",
    "Question",
    "QuestionFormatError",
    "UnknownQuestionError",
    "ask",
    "convert_parameter",
    "get_question",
    "list_questions",
    "load_questions",
    "parse_question",
    "resolve_parameters",
]

LANGUAGES = ("nl", "en")
PARAMETER_TYPES = ("iri", "municipality", "date", "integer", "string", "concept", "language")
QUERY_PATTERN = "q[0-9][0-9]-*.rq"

# Upper bounds on what a parameter value may be; nothing legitimate comes near them.
MAX_VALUE_LENGTH = 2000
MAX_STRING_LENGTH = 500

# Values that say "no restriction" for an optional parameter that is not free text
# (an HTTP form sends ""; a search for the word "alle" must find "alle").
_ALL_VALUES = {"*", "all", "alle"}
_TODAY_VALUES = {"today", "vandaag"}

# Short codes the example data uses in its identifiers (docs/model.md).
_MUNICIPALITY_ALIASES = {
    "hg": MUNICIPALITIES["hardinxveld-giessendam"],
    "ms": MUNICIPALITIES["maassluis"],
    "ml": MUNICIPALITIES["molenlanden"],
}

_HEADER_KEYS = {
    "id",
    "slug",
    "title@nl",
    "title@en",
    "description@nl",
    "description@en",
    "param",
    "column",
}
_IRI_FORBIDDEN = re.compile(r'[\s<>"{}|\\^`\x00-\x1f\x7f]')
_IRI_SCHEMES = {"http", "https", "urn"}
_IRI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_MAGID_PATH = re.compile(r"^[a-z][a-z0-9-]*/[A-Za-z0-9._~-][A-Za-z0-9._~/-]*$")
_LOCAL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_ID = re.compile(r"^q([0-9]{2})$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_INTEGER = re.compile(r"^[+-]?[0-9]{1,18}$")


# --------------------------------------------------------------------------- errors


class UnknownQuestionError(MagGraphError):
    """A question id, number or slug that the catalogue does not have."""

    def __init__(self, reference: str, known: Sequence[str]) -> None:
        self.reference = reference
        listing = ", ".join(known)
        super().__init__(
            f"onbekende vraag {reference!r} (bekend: {listing})",
            f"unknown question {reference!r} (known: {listing})",
        )


class ParameterError(MagGraphError):
    """A parameter value that is unknown, of the wrong type or out of range.

    ``parameter`` names it (``None`` when the problem is not one parameter's), so an HTTP
    layer can point at the offending query key.
    """

    def __init__(self, nl: str, en: str, *, parameter: str | None = None) -> None:
        self.parameter = parameter
        super().__init__(nl, en)


class QuestionFormatError(MagGraphError):
    """A query file whose header cannot be read: a shipping error, found by the tests."""


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Parameter:
    """One declared parameter of a question; ``name`` is also its SPARQL variable."""

    name: str
    type: str
    default: str | None = None
    optional: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)
    minimum: int | None = None
    maximum: int | None = None
    scheme: str | None = None

    def label(self, lang: str = "nl") -> str:
        return self.labels.get(lang) or self.labels.get("nl") or self.name

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "optional": self.optional,
            "label": dict(self.labels),
        }
        if self.minimum is not None:
            out["min"] = self.minimum
        if self.maximum is not None:
            out["max"] = self.maximum
        if self.scheme is not None:
            out["scheme"] = str(MAGB[self.scheme])
        return out


@dataclass(frozen=True)
class Column:
    """A documented result column: a variable, with its label variable folded in."""

    name: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def label(self, lang: str = "nl") -> str:
        return self.labels.get(lang) or self.labels.get("nl") or self.name


@dataclass(frozen=True)
class Question:
    """A named, parameterised SPARQL query with its Dutch and English description."""

    id: str
    number: int
    slug: str
    titles: Mapping[str, str]
    descriptions: Mapping[str, str]
    params: tuple[Parameter, ...]
    columns: tuple[Column, ...]
    sparql: str
    path: Path | None = None

    def title(self, lang: str = "nl") -> str:
        return self.titles.get(lang) or self.titles["nl"]

    def description(self, lang: str = "nl") -> str:
        return self.descriptions.get(lang) or self.descriptions["nl"]

    def param(self, name: str) -> Parameter | None:
        return next((p for p in self.params if p.name == name), None)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def to_json(self) -> dict[str, Any]:
        """The metadata an API lists: no SPARQL, both languages."""
        return {
            "id": self.id,
            "number": self.number,
            "slug": self.slug,
            "title": dict(self.titles),
            "description": dict(self.descriptions),
            "parameters": [p.to_json() for p in self.params],
            "columns": [{"name": c.name, "label": dict(c.labels)} for c in self.columns],
        }


def _split_options(text: str, where: str) -> tuple[list[str], dict[str, str]]:
    """``a | b | key: value | flag`` -> positional parts and ``key: value`` options."""
    positional: list[str] = []
    options: dict[str, str] = {}
    for raw in text.split("|"):
        part = raw.strip()
        if not part:
            raise QuestionFormatError(f"{where}: leeg veld tussen '|'", f"{where}: empty field between '|'")
        key, sep, value = part.partition(":")
        if sep and re.fullmatch(r"[a-z]+(@[a-z]{2})?", key.strip()):
            if key.strip() in options:
                raise QuestionFormatError(f"{where}: {key.strip()} staat er twee keer", f"{where}: {key.strip()} given twice")
            options[key.strip()] = value.strip()
        else:
            positional.append(part)
    return positional, options


def _labels(options: dict[str, str]) -> dict[str, str]:
    return {lang: options.pop(f"label@{lang}") for lang in LANGUAGES if f"label@{lang}" in options}


def _parse_param(text: str, where: str) -> Parameter:
    positional, options = _split_options(text, where)
    if len(positional) < 2:
        raise QuestionFormatError(
            f"{where}: param heeft een naam en een type nodig", f"{where}: param needs a name and a type"
        )
    name, ptype, *flags = positional
    if not _NAME.match(name):
        raise QuestionFormatError(f"{where}: ongeldige parameternaam {name!r}", f"{where}: invalid parameter name {name!r}")
    if ptype not in PARAMETER_TYPES:
        raise QuestionFormatError(
            f"{where}: onbekend parametertype {ptype!r} ({', '.join(PARAMETER_TYPES)})",
            f"{where}: unknown parameter type {ptype!r} ({', '.join(PARAMETER_TYPES)})",
        )
    unknown_flags = [f for f in flags if f != "optional"]
    labels = _labels(options)
    default = options.pop("default", None)
    minimum = options.pop("min", None)
    maximum = options.pop("max", None)
    scheme = options.pop("scheme", None)
    if unknown_flags or options:
        extra = ", ".join(unknown_flags + sorted(options))
        raise QuestionFormatError(f"{where}: onbekende optie(s) {extra}", f"{where}: unknown option(s) {extra}")
    try:
        bounds = [int(b) if b is not None else None for b in (minimum, maximum)]
    except ValueError:
        raise QuestionFormatError(f"{where}: min/max is geen geheel getal", f"{where}: min/max is not an integer") from None
    if (minimum or maximum) and ptype != "integer":
        raise QuestionFormatError(f"{where}: min/max alleen bij integer", f"{where}: min/max only for integer")
    if scheme is not None and (ptype != "concept" or not _LOCAL_NAME.match(scheme)):
        raise QuestionFormatError(f"{where}: scheme alleen bij concept", f"{where}: scheme only for concept")
    if set(labels) != set(LANGUAGES):
        raise QuestionFormatError(f"{where}: label@nl en label@en zijn verplicht", f"{where}: label@nl and label@en are required")
    return Parameter(
        name=name,
        type=ptype,
        default=default or None,
        optional="optional" in flags,
        labels=labels,
        minimum=bounds[0],
        maximum=bounds[1],
        scheme=scheme,
    )


def _parse_column(text: str, where: str) -> Column:
    positional, options = _split_options(text, where)
    labels = _labels(options)
    if len(positional) != 1 or options or not _NAME.match(positional[0]) or set(labels) != set(LANGUAGES):
        raise QuestionFormatError(
            f"{where}: column heeft de vorm 'naam | label@nl: ... | label@en: ...'",
            f"{where}: column has the form 'name | label@nl: ... | label@en: ...'",
        )
    return Column(positional[0], labels)


def parse_question(text: str, *, source: str = "<query>", path: Path | None = None) -> Question:
    """A :class:`Question` from the text of a ``.rq`` file; errors name file and line."""
    values: dict[str, str] = {}
    params: list[Parameter] = []
    columns: list[Column] = []
    entries: list[tuple[str, str, int]] = []  # key, value, line
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        body = line[1:]
        if not body.strip():
            entries.append(("", "", number))  # ends a continued value
            continue
        if body.startswith("  ") and entries and entries[-1][0]:
            key, value, at = entries[-1]
            entries[-1] = (key, f"{value} {body.strip()}", at)
            continue
        key, sep, value = body.strip().partition(":")
        if not sep or key.strip() not in _HEADER_KEYS:
            raise QuestionFormatError(
                f"{source}:{number}: onbekende kopregel {body.strip()!r}",
                f"{source}:{number}: unknown header line {body.strip()!r}",
            )
        entries.append((key.strip(), value.strip(), number))
    for key, value, number in entries:
        where = f"{source}:{number}"
        if not key:
            continue
        if key == "param":
            params.append(_parse_param(value, where))
        elif key == "column":
            columns.append(_parse_column(value, where))
        elif key in values:
            raise QuestionFormatError(f"{where}: {key} staat er twee keer", f"{where}: {key} given twice")
        else:
            values[key] = value
    missing = [k for k in ("id", "title@nl", "title@en", "description@nl", "description@en") if not values.get(k)]
    if missing:
        raise QuestionFormatError(
            f"{source}: de kop mist {', '.join(missing)}", f"{source}: the header lacks {', '.join(missing)}"
        )
    match = _ID.match(values["id"])
    if not match:
        raise QuestionFormatError(f"{source}: id {values['id']!r} is niet qNN", f"{source}: id {values['id']!r} is not qNN")
    slug = values.get("slug")
    if slug is None and path is not None:
        slug = path.stem.partition("-")[2]
    if not slug or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
        raise QuestionFormatError(f"{source}: geen geldige slug", f"{source}: no valid slug")
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise QuestionFormatError(f"{source}: een parameter staat er twee keer", f"{source}: a parameter is declared twice")
    for p in params:
        if p.default is not None:
            try:
                convert_parameter(p, p.default)
            except ParameterError as exc:
                raise QuestionFormatError(f"{source}: standaardwaarde: {exc.nl}", f"{source}: default value: {exc.en}") from None
    return Question(
        id=values["id"],
        number=int(match.group(1)),
        slug=slug,
        titles={"nl": values["title@nl"], "en": values["title@en"]},
        descriptions={"nl": values["description@nl"], "en": values["description@en"]},
        params=tuple(params),
        columns=tuple(columns),
        sparql=text,
        path=path,
    )


def load_questions(paths: Iterable[Path]) -> list[Question]:
    """Parse query files into questions, ordered by number; ids must be unique."""
    questions = [parse_question(p.read_text(encoding="utf-8"), source=p.name, path=p) for p in paths]
    questions.sort(key=lambda q: q.number)
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            raise QuestionFormatError(f"vraag {q.id} staat er twee keer", f"question {q.id} is defined twice")
        seen.add(q.id)
    return questions


@functools.lru_cache(maxsize=1)
def _catalogue() -> tuple[Question, ...]:
    return tuple(load_questions(resource_files("queries", QUERY_PATTERN)))


def list_questions() -> list[Question]:
    """Every shipped question, q01 first (read once per process)."""
    return list(_catalogue())


def get_question(reference: str) -> Question:
    """A question by id (``q01``), number (``Q1``, ``1``, ``01``) or slug (``rolmatrix``,
    ``q01-rolmatrix``), so people can use whichever they remember."""
    key = str(reference).strip().lower()
    questions = _catalogue()
    number = re.fullmatch(r"q?0*([0-9]{1,2})", key)
    for q in questions:
        if number and q.number == int(number.group(1)):
            return q
        if key in (q.id, q.slug, f"{q.id}-{q.slug}"):
            return q
    raise UnknownQuestionError(str(reference), [q.id for q in questions])


# --------------------------------------------------------------------------- parameters


def _bad(param: Parameter, value: str, nl: str, en: str) -> ParameterError:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return ParameterError(
        f"parameter {param.name} ({param.type}): {shown!r} {nl}",
        f"parameter {param.name} ({param.type}): {shown!r} {en}",
        parameter=param.name,
    )


def _iri(param: Parameter, value: str) -> URIRef:
    """An IRI: ``<iri>``, an absolute IRI, ``prefix:local`` with a project prefix, or a
    path under ``https://data.mag-graph.nl/id/`` such as ``orgaan/hg-college``."""
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, sep, local = text.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        text = PREFIXES[prefix] + local
    elif _MAGID_PATH.match(text):
        text = str(MAGID) + text
    scheme = text.partition(":")[0].lower()
    if not _IRI_SCHEME.match(text) or _IRI_FORBIDDEN.search(text) or scheme not in _IRI_SCHEMES:
        known = ", ".join(sorted(PREFIXES))
        raise _bad(
            param,
            value,
            f"is geen IRI (http(s)://..., urn:..., een pad als orgaan/hg-college of een bekend prefix: {known})",
            f"is not an IRI (http(s)://..., urn:..., a path like orgaan/hg-college or a known prefix: {known})",
        )
    try:
        from_rdflib_term(URIRef(text))  # the store's own IRI check (RFC 3987)
    except InvalidIRIError:
        raise _bad(param, value, "is geen geldige IRI", "is not a valid IRI") from None
    return URIRef(text)


def _municipality(param: Parameter, value: str) -> URIRef:
    key = re.sub(r"[\s_]+", "-", value.strip().lower())
    key = key.removeprefix("gemeente-")
    if key in MUNICIPALITIES:
        return MUNICIPALITIES[key]
    if key in _MUNICIPALITY_ALIASES:
        return _MUNICIPALITY_ALIASES[key]
    if re.fullmatch(r"(gm)?[0-9]{4}", key):
        return TOOI[f"gemeente/gm{key[-4:]}"]
    if ":" in value:
        try:
            return _iri(param, value)
        except ParameterError:
            pass
    known = ", ".join(sorted(MUNICIPALITIES))
    raise _bad(
        param,
        value,
        f"is geen bekende gemeente (bekend: {known}; of een code als gm0556, of een IRI)",
        f"is not a known municipality (known: {known}; or a code like gm0556, or an IRI)",
    )


def _date(param: Parameter, value: str) -> Literal:
    text = value.strip().lower()
    if text in _TODAY_VALUES:
        return Literal(dt.date.today().isoformat(), datatype=XSD.date)
    if not _DATE.match(text):
        raise _bad(param, value, "is geen datum (JJJJ-MM-DD of 'today')", "is not a date (YYYY-MM-DD or 'today')")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise _bad(param, value, "is geen bestaande datum", "is not an existing date") from None
    return Literal(day.isoformat(), datatype=XSD.date)


def _integer(param: Parameter, value: str) -> Literal:
    text = value.strip()
    if not _INTEGER.match(text):
        raise _bad(param, value, "is geen geheel getal", "is not an integer")
    number = int(text)
    if param.minimum is not None and number < param.minimum:
        raise _bad(param, value, f"is kleiner dan {param.minimum}", f"is less than {param.minimum}")
    if param.maximum is not None and number > param.maximum:
        raise _bad(param, value, f"is groter dan {param.maximum}", f"is greater than {param.maximum}")
    return Literal(number, datatype=XSD.integer)


@functools.lru_cache(maxsize=1)
def _concept_names() -> dict[str, str]:
    """Lower-cased local name -> local name of every ``magb:`` term."""
    names = [n for n in getattr(MAGB, "__annotations__", {}) if not n.startswith("_")]
    return {n.lower(): n for n in names}


def _concept(param: Parameter, value: str) -> URIRef:
    text = value.strip()
    base = str(MAGB)
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if text.startswith("magb:"):
        text = text[len("magb:") :]
    elif text.startswith(base):
        text = text[len(base) :]
    elif ":" in text or "/" in text:
        raise _bad(param, value, f"is geen begrip in {base}", f"is not a concept in {base}")
    name = _concept_names().get(text.lower()) if _LOCAL_NAME.match(text) else None
    if name is None:
        raise _bad(param, value, "is geen bekend begrip (magb:)", "is not a known concept (magb:)")
    return URIRef(base + name)


def _language(param: Parameter, value: str) -> Literal:
    text = value.strip().lower()
    if text not in LANGUAGES:
        raise _bad(param, value, "is geen taal (nl of en)", "is not a language (nl or en)")
    return Literal(text)


def _string(param: Parameter, value: str) -> Literal:
    if len(value) > MAX_STRING_LENGTH:
        raise _bad(param, value, f"is langer dan {MAX_STRING_LENGTH} tekens", f"is longer than {MAX_STRING_LENGTH} characters")
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value):
        raise _bad(param, value, "bevat stuurtekens", "contains control characters")
    return Literal(value)


_CONVERTERS = {
    "iri": _iri,
    "municipality": _municipality,
    "date": _date,
    "integer": _integer,
    "string": _string,
    "concept": _concept,
    "language": _language,
}


def convert_parameter(param: Parameter, value: str) -> Node:
    """The typed RDF term for a value people typed; :class:`ParameterError` otherwise."""
    if not isinstance(value, str):
        raise _bad(param, repr(value), "is geen tekst", "is not text")
    if len(value) > MAX_VALUE_LENGTH:
        raise _bad(param, value, f"is langer dan {MAX_VALUE_LENGTH} tekens", f"is longer than {MAX_VALUE_LENGTH} characters")
    return _CONVERTERS[param.type](param, value)


def _check_scheme(store: GraphStore, param: Parameter, term: Node) -> None:
    """A concept parameter with a ``scheme`` must name a concept of that scheme, when the
    store knows the scheme (the ontology is loaded); the message lists the choices."""
    assert param.scheme is not None
    scheme = MAGB[param.scheme]
    members = {
        row[0]
        for row in store.query(
            "SELECT DISTINCT ?concept WHERE { ?concept ?inScheme ?scheme }",
            bindings={"scheme": scheme, "inScheme": SKOS.inScheme},
        ).rows
    }
    if members and term not in members:
        base = str(MAGB)
        choices = ", ".join(sorted(str(m)[len(base) :] for m in members if str(m).startswith(base)))
        raise _bad(
            param,
            str(term).removeprefix(base),
            f"hoort niet bij magb:{param.scheme} (kies uit: {choices})",
            f"is not in magb:{param.scheme} (choose from: {choices})",
        )


def resolve_parameters(
    question: Question, params: Mapping[str, str | None], *, lang: str = "nl"
) -> dict[str, Node | None]:
    """Every declared parameter as a typed term (``None``: unbound, meaning "all").

    Applies defaults; a parameter called ``lang`` falls back to ``lang``. Unknown names
    and missing required values are :class:`ParameterError`.
    """
    unknown = sorted(set(params) - {p.name for p in question.params})
    if unknown:
        known = ", ".join(p.name for p in question.params) or "-"
        raise ParameterError(
            f"onbekende parameter(s) voor {question.id}: {', '.join(unknown)} (bekend: {known})",
            f"unknown parameter(s) for {question.id}: {', '.join(unknown)} (known: {known})",
            parameter=unknown[0],
        )
    resolved: dict[str, Node | None] = {}
    for p in question.params:
        raw = params.get(p.name)
        if raw is not None and not isinstance(raw, str):
            raise _bad(p, repr(raw), "is geen tekst", "is not text")
        text = "" if raw is None else raw.strip()
        if text and p.optional and p.type != "string" and text.lower() in _ALL_VALUES:
            resolved[p.name] = None  # explicitly "all" (free text is always searched as typed)
        elif text:
            assert raw is not None
            resolved[p.name] = convert_parameter(p, raw)
        elif p.name == "lang" and p.type == "language":
            resolved[p.name] = convert_parameter(p, lang)
        elif p.default is not None:
            resolved[p.name] = convert_parameter(p, p.default)
        elif p.optional:
            resolved[p.name] = None
        else:
            raise ParameterError(
                f"parameter {p.name} ontbreekt ({p.label('nl')})",
                f"parameter {p.name} is missing ({p.label('en')})",
                parameter=p.name,
            )
    return resolved


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class Cell:
    """One value of an answer with its label (in the asked language, else Dutch)."""

    value: Node | None
    label: str | None = None

    def to_json(self) -> dict[str, Any] | None:
        return _term_json(self.value, self.label)


def _term_json(term: Node | None, label: str | None = None) -> dict[str, Any] | None:
    if term is None:
        return None
    out: dict[str, Any]
    if isinstance(term, URIRef):
        out = {"value": str(term), "type": "iri"}
    elif isinstance(term, BNode):
        out = {"value": str(term), "type": "bnode"}
    else:
        assert isinstance(term, Literal)
        out = {"value": str(term), "type": "literal"}
        if term.language:
            out["lang"] = term.language
        elif term.datatype is not None and term.datatype != XSD.string:
            out["datatype"] = str(term.datatype)
    if label is not None:
        out["label"] = label
    return out


@dataclass
class Answer:
    """The answer to a question: the raw SPARQL variables and the columns people read.

    A variable ``x`` with a companion ``xLabel`` is one column whose cells carry both the
    IRI (or literal) and its label.
    """

    question: Question
    parameters: dict[str, Node | None]
    lang: str
    variables: tuple[str, ...]
    columns: tuple[str, ...]
    rows: list[dict[str, Cell]]

    def __len__(self) -> int:
        return len(self.rows)

    def column_label(self, name: str) -> str:
        column = self.question.column(name)
        return column.label(self.lang) if column else name

    def values(self, column: str) -> list[Node | None]:
        """All values of one column, in row order (handy in tests and templates)."""
        return [row[column].value for row in self.rows]

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question.to_json(),
            "language": self.lang,
            "parameters": {name: _term_json(term) for name, term in self.parameters.items()},
            "columns": [
                {"name": c, "label": dict(col.labels) if (col := self.question.column(c)) else {"nl": c, "en": c}}
                for c in self.columns
            ],
            "rows": [{c: row[c].to_json() for c in self.columns} for row in self.rows],
        }

    def to_csv(self) -> str:
        """The raw variables as CSV (IRIs and labels in their own columns), RFC 4180."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.variables)
        for row in self.rows:
            cells: list[str] = []
            for var in self.variables:
                if var in row:
                    term = row[var].value
                else:  # a label variable folded into its column
                    label = row[var[: -len("Label")]].label
                    cells.append(label or "")
                    continue
                cells.append("" if term is None else str(term))
            writer.writerow(cells)
        return buffer.getvalue()


def _fold_columns(variables: Sequence[str]) -> tuple[str, ...]:
    present = set(variables)
    return tuple(
        v for v in variables if not (v.endswith("Label") and v[: -len("Label")] in present)
    )


def ask(
    store: GraphStore, question_id: str, params: Mapping[str, str | None] | None = None, *, lang: str = "nl"
) -> Answer:
    """Answer a question from the store, with parameters as people typed them.

    Raises :class:`UnknownQuestionError` or :class:`ParameterError` (both
    :class:`~mag_graph.store.MagGraphError`) for what people can get wrong.
    """
    question = get_question(question_id)
    language = (lang or "nl").strip().lower()
    if language not in LANGUAGES:
        raise ParameterError(
            f"onbekende taal {lang!r} (nl of en)", f"unknown language {lang!r} (nl or en)", parameter="lang"
        )
    resolved = resolve_parameters(question, dict(params or {}), lang=language)
    for p in question.params:
        term = resolved.get(p.name)
        if p.scheme is not None and term is not None:
            _check_scheme(store, p, term)
    lang_term = resolved.get("lang")
    if lang_term is not None:
        language = str(lang_term)
    bindings = {name: term for name, term in resolved.items() if term is not None}
    result = store.query(question.sparql, bindings=bindings)
    variables = tuple(result.variables)
    columns = _fold_columns(variables)
    rows: list[dict[str, Cell]] = []
    index = {v: i for i, v in enumerate(variables)}
    for raw in result.rows:
        row: dict[str, Cell] = {}
        for column in columns:
            label_index = index.get(f"{column}Label")
            label = raw[label_index] if label_index is not None else None
            row[column] = Cell(raw[index[column]], None if label is None else str(label))
        rows.append(row)
    return Answer(question, resolved, language, variables, columns, rows)
