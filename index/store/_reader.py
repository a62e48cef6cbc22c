"""Opening a version: following ``CURRENT`` to the live one, checking its parts against each other,
and the two views of it: ``load`` (a LoadedIndex, to answer) and ``take_over`` (a Previous, for the
next build)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from ..errors import (
    IndexIncompatible,
    rebuild_command,
)
from ..records import Chunk, Document, Rejection
from ._database import Contents, OpenVersion, StoredChunk, row_keys
from ._layout import DATABASE, HUB_PROBES, HUBNESS, LEXICAL, POINTER, VECTORS, follow
from ._lexical import LEXICAL_VERSION, LexicalIndex
from ._loaded import LoadedIndex
from ._manifest import MANIFEST, Manifest, corrupt
from ._vectors import VectorStore, open_store

# --- what a version holds -------------------------------------------------------------------------


# --- writing -----------------------------------------------------------------------------------------


# --- reading -----------------------------------------------------------------------------------------


def load(index_dir: Path, *, lexical: bool = True) -> LoadedIndex:
    """Open the live version of the index under ``index_dir`` to answer questions.

    Without ``lexical``, the BM25 index is neither loaded nor checked (``LoadedIndex.lexical`` is
    None): for a caller that needs only the manifest, or the dense leg.
    """

    def open_(name: str) -> LoadedIndex:
        version, manifest, con, keys, bm25 = open_version(index_dir, name, lexical=lexical)
        try:
            store = open_vectors(index_dir, version, manifest, keys)
        except BaseException:
            con.close()
            raise
        try:
            hub = open_hubness(index_dir, version, manifest, len(keys))
        except BaseException:
            con.close()
            raise
        opened = OpenVersion(index_dir, version, manifest, con)
        return LoadedIndex(opened, store, keys, bm25, None if hub is None else hub[0])

    return follow(index_dir, open_)


def read_manifest(index_dir: Path) -> Manifest:
    """The live version's manifest alone, without opening its vectors or texts (checked as ``load``
    checks it: IndexNotFound, IndexIncompatible, IndexCorrupt)."""
    return read_live(index_dir)[1]


def read_live(index_dir: Path) -> tuple[str, Manifest]:
    """The live version's name and manifest (see ``read_manifest``)."""

    def open_(name: str) -> tuple[str, Manifest]:
        version = index_dir / name
        try:
            return name, Manifest.from_json((version / MANIFEST).read_text(encoding="utf-8"), index_dir)
        except (FileNotFoundError, NotADirectoryError) as e:
            raise corrupt(index_dir, f"{POINTER} names {name}, whose {MANIFEST} is missing") from e

    return follow(index_dir, open_)


def take_over(index_dir: Path) -> Previous:
    """Open the live version of the index under ``index_dir`` for the next build to take over.

    The BM25 index is neither loaded nor checked: a build tokenises anew under another lexical
    version. The vector store is the build's own to change (Previous.vectors).
    """

    def open_(name: str) -> Previous:
        version, manifest, con, _, _ = open_version(index_dir, name, lexical=False)
        return Previous(index_dir, version, manifest, con)

    return follow(index_dir, open_)


def open_version(
    index_dir: Path, name: str, *, lexical: bool
) -> tuple[Path, Manifest, sqlite3.Connection, np.ndarray, LexicalIndex | None]:
    """(version folder, manifest, database, key of each row, BM25 or None without ``lexical``),
    checked against each other. The vectors are opened apart (open_vectors)."""
    version = index_dir / name
    if not version.is_dir():
        raise corrupt(index_dir, f"{POINTER} names {name}, which is missing")
    try:
        manifest = Manifest.from_json((version / MANIFEST).read_text(encoding="utf-8"), index_dir)
    except FileNotFoundError as e:
        raise corrupt(index_dir, f"{version.name}/{MANIFEST} is missing") from e
    db = version / DATABASE
    if not db.is_file():
        raise corrupt(index_dir, f"{version.name}/{DATABASE} is missing")
    # immutable: a version never changes once live, so SQLite need not lock it or look for a
    # journal. The open file keeps serving after a later build deletes its folder (POSIX).
    uri = f"{db.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        con = sqlite3.connect(uri, uri=True, check_same_thread=False)
    except sqlite3.DatabaseError as e:
        raise corrupt(index_dir, f"{DATABASE} cannot be opened ({e})") from e
    try:
        keys = row_keys(con, index_dir, manifest)
        bm25 = open_lexical(index_dir, version, manifest, len(keys)) if lexical else None
    except BaseException:
        con.close()
        raise
    return version, manifest, con, keys, bm25


def open_vectors(index_dir: Path, version: Path, manifest: Manifest, keys: np.ndarray) -> VectorStore:
    """The version's vector store, checked against the manifest and the keys of the chunks."""
    try:
        store = open_store(version / VECTORS, manifest.vectors)
    except ValueError as e:
        raise IndexIncompatible(
            f"index at {index_dir} has {e}; rebuild it with: {rebuild_command(index_dir)}"
        ) from e
    except (OSError, RuntimeError) as e:
        raise corrupt(index_dir, f"{VECTORS}/ cannot be read ({str(e).splitlines()[0][:120]})") from e
    if store.dim != manifest.dim or store.vector_count != len(keys) + manifest.counts.get("windows", 0):
        raise corrupt(index_dir, f"{VECTORS}/ does not match {MANIFEST}")
    if not np.array_equal(np.sort(keys), store.keys):
        raise corrupt(index_dir, f"the chunks of {DATABASE} are not the {len(store)} passages of {VECTORS}/")
    return store


def open_hubness(
    index_dir: Path, version: Path, manifest: Manifest, rows: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """(hub score of each row, the probe vectors they were measured against), or None for a
    version built without them (which answers without the discount)."""
    if not manifest.hubness:
        return None
    try:
        scores = np.load(version / HUBNESS, allow_pickle=False)
        probes = np.load(version / HUB_PROBES, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise corrupt(index_dir, f"{HUBNESS} cannot be read ({e})") from e
    if scores.shape != (rows,) or probes.ndim != 2 or probes.shape[1] != manifest.dim:
        raise corrupt(index_dir, f"{HUBNESS} has {scores.shape[0]} scores but {DATABASE} has {rows} rows")
    return scores.astype(np.float32), probes.astype(np.float32)


def open_lexical(index_dir: Path, version: Path, manifest: Manifest, rows: int) -> LexicalIndex | None:
    built = manifest.lexical.get("version", LEXICAL_VERSION)
    if built != LEXICAL_VERSION:
        raise IndexIncompatible(
            f"index at {index_dir} has lexical index version {built}, this program reads version "
            f"{LEXICAL_VERSION}; rebuild it with: {rebuild_command(index_dir)}"
        )
    if not manifest.lexical:
        return None
    try:
        bm25 = LexicalIndex.load(version / LEXICAL)
    except (OSError, ValueError, KeyError) as e:
        raise corrupt(index_dir, f"{LEXICAL}/ cannot be read ({e})") from e
    if len(bm25) != rows:
        raise corrupt(index_dir, f"{LEXICAL}/ has {len(bm25)} rows but {DATABASE} has {rows}")
    return bm25


class Previous(OpenVersion):
    """The live version as the next build takes it over: what it holds by source file, and its
    vector store, which the build changes into the next version's (remove, add) or replaces."""

    def __init__(self, index_dir: Path, version: Path, manifest: Manifest, con: sqlite3.Connection) -> None:
        super().__init__(index_dir, version, manifest, con)
        self._store: VectorStore | None = None

    @property
    def vectors(self) -> VectorStore:
        """Read on first use: a build that finds nothing changed never reads the vectors. Raises
        IndexCorrupt or IndexIncompatible when they cannot be used."""
        if self._store is None:
            with self._lock:
                keys = row_keys(self._con, self.index_dir, self.manifest)
            self._store = open_vectors(self.index_dir, self.version, self.manifest, keys)
        return self._store

    def hubness(self) -> dict[int, float]:
        """The hub score of each passage, by key (empty for a version built without them)."""
        found = open_hubness(self.index_dir, self.version, self.manifest, len(self._keys()))
        if found is None:
            return {}
        return dict(zip(self._keys().tolist(), found[0].tolist(), strict=True))

    def hub_probes(self) -> np.ndarray | None:
        """The probe vectors the hub scores were measured against, or None."""
        found = open_hubness(self.index_dir, self.version, self.manifest, len(self._keys()))
        return None if found is None else found[1]

    def _keys(self) -> np.ndarray:
        with self._lock:
            return row_keys(self._con, self.index_dir, self.manifest)

    def contents(self) -> Contents:
        """Every document, chunk (with its key and tokens) and stored rejection, by source file."""
        out = Contents()
        with self._lock:
            chunks = self._con.execute(
                'SELECT key, file, text, source, title, section, "start", "end", line_start, line_end, '
                "tokens FROM chunks ORDER BY row"
            ).fetchall()
            documents = self._con.execute(
                "SELECT file, source, text, title, line_offset, meta, is_page FROM documents ORDER BY rowid"
            ).fetchall()
            rejections = self._con.execute(
                "SELECT file, line, reason FROM rejections ORDER BY rowid"
            ).fetchall()
        for key, file, *fields, tokens in chunks:
            stored = StoredChunk(key, Chunk(*fields), None if tokens is None else json.loads(tokens))
            out.chunks.setdefault(file, []).append(stored)
        for file, source, text, title, line_offset, meta, is_page in documents:
            doc = Document(source, text, title, line_offset, json.loads(meta), bool(is_page))
            out.documents.setdefault(file, []).append(doc)
        for file, line, reason in rejections:
            out.rejections.setdefault(file, []).append(Rejection(file, reason, line))
        return out
