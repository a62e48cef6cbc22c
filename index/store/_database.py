"""``chunks.sqlite``: the chunks, their documents and the lines skipped, written once per version
and read by row; and an opened version's database (``OpenVersion``)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Self

import numpy as np

from ..embed import Embedder
from ..errors import (
    UnknownSource,
)
from ..files import fsync_file
from ..records import Chunk, Document, Rejection
from ._filter import iso_date
from ._layout import DATABASE
from ._manifest import MANIFEST, Manifest, corrupt


class StoredChunk(NamedTuple):
    key: int  # the chunk's key in the vector store: its vectors, its own and its windows'
    chunk: Chunk
    tokens: list[str] | None  # BM25 tokens of its embed_text; None: stored without tokens


@dataclass
class Contents:
    """Everything a version holds but its vectors and BM25, by source file, in row order: what a
    build writes, and what the next build takes over for the files that did not change."""

    documents: dict[str, list[Document]] = field(default_factory=dict)
    chunks: dict[str, list[StoredChunk]] = field(default_factory=dict)
    rejections: dict[str, list[Rejection]] = field(default_factory=dict)

    def rows(self) -> list[tuple[str, StoredChunk]]:
        """(file, chunk) of every row, in row order."""
        return [(file, s) for file, kept in self.chunks.items() for s in kept]


@dataclass(frozen=True)
class Issue:
    """Where a passage was printed, as far as its document says: the issue's date (ISO
    ``YYYY-MM-DD``), the edition (``第3版``) and the 1-based page of the PDF; None when unknown."""

    date: str | None = None
    edition: str | None = None
    page: int | None = None

    @classmethod
    def of(cls, meta: dict[str, str]) -> Issue:
        """From a document's ``meta``: anything but an ISO date, a text edition or a positive
        page number counts as unknown.

        >>> Issue.of({"date": "2019-03-05", "edition": "第3版", "page": "2"})
        Issue(date='2019-03-05', edition='第3版', page=2)
        >>> Issue.of({"date": "去年", "page": "0"})
        Issue(date=None, edition=None, page=None)
        """
        edition = meta.get("edition")
        page = str(meta.get("page", "")).strip()
        return cls(
            iso_date(meta.get("date")),
            edition.strip() or None if isinstance(edition, str) else None,
            int(page) if page.isdecimal() and int(page) > 0 else None,
        )


_SCHEMA = """
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, key INTEGER NOT NULL UNIQUE, file TEXT NOT NULL, text TEXT NOT NULL,
    source TEXT NOT NULL, title TEXT NOT NULL, section TEXT NOT NULL, "start" INTEGER NOT NULL,
    "end" INTEGER NOT NULL, line_start INTEGER NOT NULL, line_end INTEGER NOT NULL,
    tokens TEXT,  -- JSON list of BM25 tokens of embed_text; NULL: not tokenised
    date TEXT, edition TEXT, page INTEGER  -- of the chunk's document (Issue); NULL: unknown
);
CREATE TABLE documents (
    source TEXT PRIMARY KEY, file TEXT NOT NULL, text TEXT NOT NULL, title TEXT NOT NULL,
    line_offset INTEGER NOT NULL, meta TEXT NOT NULL, is_page INTEGER NOT NULL
);
CREATE TABLE rejections (file TEXT NOT NULL, line INTEGER, reason TEXT NOT NULL);
"""


def write_database(path: Path, contents: Contents) -> None:
    issue_of = {d.source: Issue.of(d.meta) for docs in contents.documents.values() for d in docs}
    con = sqlite3.connect(path)
    try:
        # No journal: the file is unreachable until CURRENT names its folder, and is fsynced below.
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.executescript(_SCHEMA)

        def chunk_rows() -> Iterator[tuple[object, ...]]:
            for row, (file, (key, c, tokens)) in enumerate(contents.rows()):
                issue = issue_of.get(c.source, Issue())
                yield (row, key, file, c.text, c.source, c.title, c.section, c.start, c.end, c.line_start,
                       c.line_end, None if tokens is None else json.dumps(list(tokens), ensure_ascii=False),
                       issue.date, issue.edition, issue.page)  # fmt: skip

        con.executemany(f"INSERT INTO chunks VALUES ({', '.join('?' * 15)})", chunk_rows())
        con.executemany(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (d.source, file, d.text, d.title, d.line_offset, json.dumps(d.meta, ensure_ascii=False),
                 d.is_page)
                for file, docs in contents.documents.items()
                for d in docs
            ),
        )  # fmt: skip
        con.executemany(
            "INSERT INTO rejections VALUES (?, ?, ?)",
            ((file, r.line, r.reason) for file, rs in contents.rejections.items() for r in rs),
        )
        con.commit()
    finally:
        con.close()
    fsync_file(path)


def row_keys(con: sqlite3.Connection, index_dir: Path, manifest: Manifest) -> np.ndarray:
    try:
        keys = np.fromiter((k for (k,) in con.execute("SELECT key FROM chunks ORDER BY row")), dtype=np.int64)
    except (sqlite3.DatabaseError, TypeError, ValueError) as e:
        raise corrupt(index_dir, f"{DATABASE} cannot be read ({e})") from e
    if len(keys) != manifest.counts.get("chunks", -1):
        raise corrupt(index_dir, f"{DATABASE} has {len(keys)} chunks, {MANIFEST} counts {manifest.counts}")
    return keys


class OpenVersion:
    """One version of the index, opened: its manifest and database."""

    def __init__(self, index_dir: Path, version: Path, manifest: Manifest, con: sqlite3.Connection) -> None:
        self.index_dir = index_dir
        self.version = version
        self.manifest = manifest
        self._con = con
        self._lock = threading.Lock()

    def check_embedder(self, embedder: Embedder) -> None:
        """Refuse an embedder other than the one that built this version (see Manifest.check_embedder)."""
        self.manifest.check_embedder(embedder, self.index_dir)

    def document(self, source: str) -> Document:
        """The whole document a chunk was cut from, to show a citation in its context."""
        with self._lock:
            found = self._con.execute(
                "SELECT source, text, title, line_offset, meta, is_page FROM documents WHERE source = ?",
                (source,),
            ).fetchone()
        if found is None:
            raise UnknownSource(f"no document {source!r} in the index at {self.index_dir}")
        src, text, title, line_offset, meta, is_page = found
        return Document(src, text, title, line_offset, json.loads(meta), bool(is_page))

    @property
    def connection(self) -> sqlite3.Connection:
        """The version's database, for a view that takes this version over (LoadedIndex)."""
        return self._con

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
