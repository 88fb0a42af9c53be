"""Full-text search over the content: SQLite FTS5 (the standard library's ``sqlite3``),
kept in the CMS's write path and rebuildable from the store at any time.

Why FTS5 and not a hand-made index: it tokenises Unicode (with diacritics folded, so
"geinformeerd" finds "geïnformeerd"), does prefix queries, ranks with BM25, and is
maintained by the SQLite project. What it lacks is a Dutch stemmer; prefix matching
("verantwoordelijk" finds "verantwoordelijkheid") covers most of what a stemmer would.

The index lives beside the store (``.mag-graph/store`` -> ``.mag-graph/search.sqlite``,
like the credentials), in memory for an in-memory store. One row per content resource
(every state, so editors can find drafts), with its labels and descriptions per language,
its type, its workflow state and its municipalities; anonymous searches and readers only
get rows in the state ``vastgesteld``, the same visibility rule as everywhere else.

The index listens to the CMS's write pipeline: after a write is committed, and under the
same lock, it updates the rows of the resources the write touched
(:meth:`SearchIndex.committed`). If that ever fails, or the store was changed outside the CMS
(``mag-graph load``), the index notices on the next start (its last revision or its
number of resources differ from the store's) and rebuilds itself; ``mag-graph reindex``
does so on demand.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from rdflib.term import Node

from mag_graph.cms.history import CMS
from mag_graph.cms.types import content_type, content_types, type_for_classes
from mag_graph.cms.workflow import (
    ADOPTED,
    ARCHIVED,
    ARCHIVED_GRAPH,
    CONCEPT,
    CONCEPT_GRAPH,
    HISTORY_GRAPH,
    may,
)
from mag_graph.namespaces import MAG, MUNICIPALITIES, TOOI
from mag_graph.store import GraphStore, MagGraphError, Store, state_directory

__all__ = ["SEARCH_FILE", "SearchError", "SearchIndex", "latest_revision", "search_path_for_store"]

log = logging.getLogger(__name__)

SEARCH_FILE = "search.sqlite"
LABELS = (RDFS.label, DCTERMS.title, SKOS.prefLabel, SKOS.altLabel)
TEXTS = (DCTERMS.description, RDFS.comment, SKOS.definition, MAG.topic, MAG.rationale, MAG.purpose)
# BM25 weights of the columns label_nl, label_en, text_nl, text_en: a hit in a label
# counts four times a hit in a description.
_WEIGHTS = (4.0, 4.0, 1.0, 1.0)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS resource (
    id INTEGER PRIMARY KEY,
    iri TEXT UNIQUE NOT NULL,
    type TEXT NOT NULL,
    state TEXT NOT NULL,
    label_nl TEXT NOT NULL,
    label_en TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS resource_municipality (
    resource_id INTEGER NOT NULL REFERENCES resource(id) ON DELETE CASCADE,
    municipality TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resource_municipality_m ON resource_municipality (municipality, resource_id);
CREATE INDEX IF NOT EXISTS resource_municipality_r ON resource_municipality (resource_id);
CREATE VIRTUAL TABLE IF NOT EXISTS resource_text USING fts5(
    label_nl, label_en, text_nl, text_en,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
"""


class SearchError(MagGraphError):
    status = 400


class _Source(Protocol):
    """What the index reads from: anything with the store (the CMS)."""

    @property
    def store(self) -> GraphStore | Store: ...


def search_path_for_store(store_location: str | None) -> Path | None:
    """Where a store's search index lives (``None``: in memory). Beside the store
    directory, never in it: Oxigraph owns that directory; for a remote store in its local
    state directory (:func:`mag_graph.store.state_directory`), rebuilt from the store
    when it is behind."""
    directory = state_directory(store_location)
    return None if directory is None else directory / SEARCH_FILE


def _private(path: Path, *, create: bool = True) -> None:
    """Make ``path`` readable by its owner only (0600), creating it empty if asked: the
    index holds the labels of drafts, which anonymous readers may not see, so other users
    of the machine may not read it either (like ``auth.sqlite``). An index made by an
    older version with the default mode is fixed on the next start."""
    try:
        if create and not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        if path.exists():
            os.chmod(path, 0o600)
    except OSError as exc:
        log.warning("cannot make %s private (%s)", path, exc)


class SearchIndex:
    """The FTS5 index of one store. Thread-safe (one connection behind a lock)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _private(self.path)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path) if self.path else ":memory:", check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA foreign_keys = ON")
        if self.path is not None:
            self._conn.execute("PRAGMA journal_mode = WAL")
            # No fsync per commit (each write's re-index is one): in WAL mode that keeps the
            # file consistent, and a power cut can only lose the last commits, after which
            # the index's revision is behind the store's and ensure() rebuilds it on start.
            self._conn.execute("PRAGMA synchronous = NORMAL")
            for extra in ("-wal", "-shm"):  # SQLite gives them the database's mode; made sure
                _private(self.path.with_name(self.path.name + extra), create=False)
        self._conn.executescript(_SCHEMA)

    @classmethod
    def for_store(cls, store: GraphStore | Store) -> SearchIndex:
        return cls(search_path_for_store(store.location))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- keeping it in step with the store

    def _meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def mark_stale(self) -> None:
        with self._lock:
            self._set_meta("revision", "stale")

    def ensure(self, content: _Source) -> bool:
        """Rebuild when the index is behind the store; True when it did."""
        latest = _latest_revision(content.store) or ""
        count = len(_content_iris(content.store))
        with self._lock:
            known = self._meta("revision")
            rows = self._conn.execute("SELECT COUNT(*) FROM resource").fetchone()[0]
        if known == latest and rows == count:
            return False
        self.rebuild(content)
        return True

    def rebuild(self, content: _Source) -> int:
        """Index every content resource of the store again; the number indexed."""
        records = _records(content.store, _content_iris(content.store))
        latest = _latest_revision(content.store) or ""
        with self._transaction():
            self._conn.execute("DELETE FROM resource_municipality")
            self._conn.execute("DELETE FROM resource")
            self._conn.execute("DELETE FROM resource_text")
            for record in records:
                self._insert(record)
            self._set_meta("revision", latest)
        return len(records)

    def update(self, content: _Source, iris: Iterable[URIRef], *, revision: str | None = None) -> None:
        """Re-index the given resources (removing those that are gone)."""
        wanted = list(dict.fromkeys(URIRef(str(i)) for i in iris))
        present = _content_iris(content.store, wanted)
        records = _records(content.store, present)
        latest = revision or _latest_revision(content.store) or ""
        with self._transaction():
            for iri in wanted:
                self._delete(str(iri))
            for record in records:
                self._insert(record)
            self._set_meta("revision", latest)

    def committed(self, content: _Source, iris: Iterable[URIRef], revision: str) -> None:
        """The write pipeline's listener: re-index what a committed write touched. A
        failure does not undo the write; the index is marked stale (and rebuilt on the
        next start or by ``mag-graph reindex``)."""
        try:
            self.update(content, iris, revision=revision)
        except Exception:
            log.exception("zoekindex niet bijgewerkt / search index not updated")
            self.mark_stale()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One SQLite transaction under the index's lock: committed, or rolled back on any error."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _delete(self, iri: str) -> None:
        row = self._conn.execute("SELECT id FROM resource WHERE iri = ?", (iri,)).fetchone()
        if row is None:
            return
        self._conn.execute("DELETE FROM resource_text WHERE rowid = ?", (row[0],))
        self._conn.execute("DELETE FROM resource_municipality WHERE resource_id = ?", (row[0],))
        self._conn.execute("DELETE FROM resource WHERE id = ?", (row[0],))

    def _insert(self, record: dict[str, Any]) -> None:
        cursor = self._conn.execute(
            "INSERT INTO resource(iri, type, state, label_nl, label_en) VALUES (?, ?, ?, ?, ?)",
            (record["iri"], record["type"], record["state"], record["label_nl"], record["label_en"]),
        )
        rowid = cursor.lastrowid
        self._conn.execute(
            "INSERT INTO resource_text(rowid, label_nl, label_en, text_nl, text_en) VALUES (?, ?, ?, ?, ?)",
            (rowid, record["label_nl"], record["label_en"], record["text_nl"], record["text_en"]),
        )
        self._conn.executemany(
            "INSERT INTO resource_municipality(resource_id, municipality) VALUES (?, ?)",
            [(rowid, m) for m in record["municipalities"]],
        )

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM resource").fetchone()[0])

    # -- searching

    def search(
        self,
        q: str,
        *,
        role: str | None = None,
        ctype: str | None = None,
        municipality: str | None = None,
        limit: int = 20,
        offset: int = 0,
        lang: str = "nl",
    ) -> dict[str, Any]:
        """Resources matching every word of ``q`` (each also as a prefix), best first
        (BM25, labels weigh more than descriptions). Drafts and archived resources only
        for editors and up."""
        match = fts_query(q)
        limit = max(1, min(int(limit), 100))
        offset = max(0, int(offset))
        type_name = _type_name(ctype) if ctype else None
        town = municipality_iri(municipality) if municipality else None
        if match is None:
            return {"query": q, "total": 0, "items": [], "limit": limit, "offset": offset}
        public_only = not may(role, "editor")
        where = ["resource_text MATCH ?"]
        params: list[Any] = [match]
        if public_only:
            where.append("r.state = ?")
            params.append(ADOPTED)
        if type_name:
            where.append("r.type = ?")
            params.append(type_name)
        if town:
            where.append("EXISTS (SELECT 1 FROM resource_municipality m WHERE m.resource_id = r.id AND m.municipality = ?)")
            params.append(str(town))
        condition = " AND ".join(where)
        weights = ", ".join(str(w) for w in _WEIGHTS)
        nl = lang.lower().startswith("nl") or not lang.lower().startswith("en")
        column = 0 if nl else 1
        with self._lock:
            total = self._conn.execute(
                f"SELECT COUNT(*) FROM resource_text JOIN resource r ON r.id = resource_text.rowid WHERE {condition}", params
            ).fetchone()[0]
            rows = self._conn.execute(
                f"SELECT r.iri, r.type, r.state, r.label_nl, r.label_en, bm25(resource_text, {weights}) AS score, "
                f"snippet(resource_text, -1, '«', '»', '…', 16) "
                f"FROM resource_text JOIN resource r ON r.id = resource_text.rowid WHERE {condition} "
                f"ORDER BY score, r.iri LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
        items = []
        for iri, type_, state, label_nl, label_en, score, snippet in rows:
            labels = (label_nl, label_en) if column == 0 else (label_en, label_nl)
            items.append({
                "id": iri,
                "type": type_,
                "state": state,
                "label": next((l for l in labels if l), iri),
                "score": round(-float(score), 4),
                "snippet": snippet,
            })
        return {"query": q, "total": int(total), "items": items, "limit": limit, "offset": offset}


def fts_query(text: str) -> str | None:
    """An FTS5 query for what someone typed: every word must occur, each word also
    as a prefix; quoted, so FTS5's operators in the input are just words."""
    words = re.findall(r"\w+", text.lower())
    if not words:
        return None
    return " ".join(f'"{w}"*' if len(w) >= 3 else f'"{w}"' for w in words[:32])


def municipality_iri(text: str) -> URIRef:
    """A municipality by name, CBS/TOOI code (``gm0556``) or IRI."""
    key = re.sub(r"[\s_]+", "-", text.strip().lower())
    if key in MUNICIPALITIES:
        return MUNICIPALITIES[key]
    if re.fullmatch(r"gm[0-9]{4}", key):
        return TOOI[f"gemeente/{key}"]
    if re.match(r"^https?://", text.strip()):
        return URIRef(text.strip())
    raise SearchError(
        f"onbekende gemeente {text!r} (naam, code zoals gm0523, of TOOI-IRI)",
        f"unknown municipality {text!r} (name, code such as gm0523, or TOOI IRI)",
    )


def _type_name(text: str) -> str:
    return content_type(text).name


# --------------------------------------------------------------------------- reading the store


def _all_classes() -> list[URIRef]:
    return sorted({c for t in content_types().values() for c in t.classes}, key=str)


def _content_iris(store: GraphStore | Store, only: Sequence[URIRef] | None = None) -> list[URIRef]:
    """Content resources in the store (among ``only`` when given)."""
    classes = set(_all_classes())
    if only is not None:
        return [iri for iri in only if any(o in classes and g != HISTORY_GRAPH for _, _, o, g in store.quads(iri, RDF.type))]
    found: dict[URIRef, None] = {}
    for cls in sorted(classes, key=str):
        for s, _, _, g in store.quads(None, RDF.type, cls):
            if isinstance(s, URIRef) and g != HISTORY_GRAPH:
                found[s] = None
    return list(found)


def _is_safe_iri(text: str) -> bool:
    return bool(re.fullmatch(r"[^\s<>\"{}|^`\\]+", text))


def _records(store: GraphStore | Store, iris: Sequence[URIRef]) -> list[dict[str, Any]]:
    """The index rows of these resources: for a few, their statements one by one; for
    many (a rebuild), one pass per indexed property over the whole store."""
    if not iris:
        return []
    wanted = set(iris)
    predicates = (*LABELS, *TEXTS, MAG.municipality, RDF.type)
    values: dict[URIRef, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
    if len(wanted) <= 200:
        for iri in wanted:
            for s, p, o, g in store.quads(iri):
                if p in predicates and g != HISTORY_GRAPH:
                    values[iri][p].append(o)
    else:
        for predicate in predicates:
            for s, _, o, g in store.quads(None, predicate):
                if s in wanted and g != HISTORY_GRAPH:
                    values[s][predicate].append(o)  # type: ignore[index]
    concept = _subjects_in(store, CONCEPT_GRAPH, wanted)
    archived = _subjects_in(store, ARCHIVED_GRAPH, wanted)
    out = []
    for iri in iris:
        props = values.get(iri, {})
        kind = type_for_classes(props.get(RDF.type, []))
        if kind is None:
            continue
        state = CONCEPT if iri in concept else ARCHIVED if iri in archived else ADOPTED
        labels = _by_language(v for p in LABELS for v in props.get(p, []))
        texts = _by_language(v for p in TEXTS for v in props.get(p, []))
        out.append({
            "iri": str(iri),
            "type": kind.name,
            "state": state,
            "label_nl": labels["nl"],
            "label_en": labels["en"],
            "text_nl": texts["nl"],
            "text_en": texts["en"],
            "municipalities": sorted({str(m) for m in props.get(MAG.municipality, []) if isinstance(m, URIRef)}),
        })
    return out


def _by_language(literals: Iterable[Node]) -> dict[str, str]:
    """Texts per language; untagged texts count for both."""
    parts: dict[str, list[str]] = {"nl": [], "en": []}
    for value in literals:
        if not isinstance(value, Literal):
            continue
        lang = (value.language or "").lower()[:2]
        if lang in parts:
            parts[lang].append(str(value))
        elif not lang:
            parts["nl"].append(str(value))
            parts["en"].append(str(value))
    return {k: " \n".join(dict.fromkeys(v)) for k, v in parts.items()}


def _subjects_in(store: GraphStore | Store, graph: URIRef, wanted: set[URIRef]) -> set[URIRef]:
    if not store.has_graph(graph):
        return set()
    if len(wanted) <= 200:
        return {iri for iri in wanted if next(store.quads(iri, graph=graph), None) is not None}
    return {s for s, _, _, _ in store.quads(None, RDF.type, None, graph) if s in wanted}  # type: ignore[misc]


def latest_revision(store: GraphStore | Store) -> str | None:
    """The id of the latest committed revision (``None``: none yet): the store's
    generation as every mag-graph process sees it."""
    return _latest_revision(store)


def _latest_revision(store: GraphStore | Store) -> str | None:
    query = (
        f"SELECT (MAX(STR(?id)) AS ?m) WHERE {{ GRAPH <{HISTORY_GRAPH}> {{ ?r <{CMS.revisionId}> ?id "
        f"FILTER NOT EXISTS {{ ?r <{CMS.pending}> true }} }} }}"
    )
    rows = store.query(query).rows
    return str(rows[0][0]) if rows and rows[0][0] is not None else None


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
