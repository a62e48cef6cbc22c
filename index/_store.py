"""The saved index: FAISS vectors, chunk and document text in SQLite, and a manifest that describes both.

Layout under ``index_dir``::

    CURRENT                 name of the live version, e.g. "v-20250101T120000Z-1a2b3c4d"
    v-<time>-<rand>/
        manifest.json       format version, model identity, dim, chunker, file hashes, counts
        vectors.faiss       IndexFlatIP over normalised vectors; row i is chunks.row = i
        chunks.sqlite       tables ``chunks`` and ``documents``
        lexical/            BM25 over jieba tokens of the same rows, and the archive's word list
    .lock                   held while a build writes and switches, so two builds never collide

A build writes a complete new version directory, fsyncs it, then replaces ``CURRENT`` atomically,
so a crash at any moment leaves either the old index or the new one, never a mix. Loading follows
``CURRENT`` only; half-written versions are invisible to it and removed by the next save.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shlex
import shutil
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from ._embed import Embedder
from ._embedders import model_option
from ._lexical import LexicalIndex
from ._types import Chunk, Document

FORMAT_VERSION = 2
POINTER = "CURRENT"
VERSION_PREFIX = "v-"
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
DATABASE = "chunks.sqlite"
LEXICAL = "lexical"


class IndexProblem(Exception):
    """Base of every error about the saved index; its message says what to do."""


class IndexNotFound(IndexProblem):
    def __init__(self, index_dir: Path) -> None:
        super().__init__(f"no index at {index_dir}; build it with: {rebuild_command(index_dir)}")
        self.index_dir = index_dir


class IndexIncompatible(IndexProblem):
    """The index was written by another format version, or for another model or dimension."""


class IndexCorrupt(IndexProblem):
    """The live version is missing files or they do not agree with each other."""


class UnknownSource(IndexProblem, LookupError):
    """A source name that is not in the index."""


def rebuild_command(index_dir: Path, model: str | None = None) -> str:
    cmd = f"python -m index build --index-dir {shlex.quote(str(index_dir))}"
    return f"{cmd} --model {shlex.quote(model)}" if model else cmd


@dataclass(frozen=True)
class Manifest:
    """What the index holds and what produced it; checked on load."""

    model: dict[str, str]  # the embedder's identity: name, weights_sha256
    dim: int
    chunker: dict[str, str | int]  # version, max_chars
    files: dict[str, str]  # source file -> sha256 of its bytes
    counts: dict[str, int]  # files, documents, sections, chunks
    built_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    format_version: int = FORMAT_VERSION
    lexical: dict[str, str | int] = field(default_factory=dict)  # version, words; empty: dense only

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, index_dir: Path) -> Manifest:
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as e:
            raise _corrupt(index_dir, f"{MANIFEST} is not valid JSON ({e.msg})") from e
        if not isinstance(raw, dict):
            raise _corrupt(index_dir, f"{MANIFEST} is not a JSON object")
        # The version is checked before anything else: another version may have another shape.
        version = raw.get("format_version")
        if version != FORMAT_VERSION:
            raise IndexIncompatible(
                f"index at {index_dir} has format version {version}, this program reads version "
                f"{FORMAT_VERSION}; rebuild it with: {rebuild_command(index_dir)}"
            )
        try:
            return cls(
                model={str(k): str(v) for k, v in raw["model"].items()},
                dim=int(raw["dim"]),
                chunker=dict(raw["chunker"]),
                files={str(k): str(v) for k, v in raw["files"].items()},
                counts={str(k): int(v) for k, v in raw["counts"].items()},
                built_at=str(raw["built_at"]),
                format_version=version,
                lexical=dict(raw.get("lexical", {})),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise _corrupt(index_dir, f"{MANIFEST} lacks or mangles a field ({e})") from e


def _corrupt(index_dir: Path, what: str) -> IndexCorrupt:
    return IndexCorrupt(
        f"index at {index_dir} is damaged: {what}; rebuild it with: {rebuild_command(index_dir)}"
    )


# --- writing -----------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, text TEXT NOT NULL, source TEXT NOT NULL, title TEXT NOT NULL,
    section TEXT NOT NULL, "start" INTEGER NOT NULL, "end" INTEGER NOT NULL,
    line_start INTEGER NOT NULL, line_end INTEGER NOT NULL
);
CREATE TABLE documents (
    source TEXT PRIMARY KEY, text TEXT NOT NULL, title TEXT NOT NULL, line_offset INTEGER NOT NULL,
    meta TEXT NOT NULL, is_page INTEGER NOT NULL
);
"""


def save(
    index_dir: Path,
    manifest: Manifest,
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    documents: Sequence[Document],
    lexical: LexicalIndex | None = None,
) -> Path:
    """Write a new version under ``index_dir``, make it the live one, delete older ones; return its folder.

    ``vectors[i]`` is the normalised embedding of ``chunks[i]``; ``lexical`` scores the same rows.
    """
    if lexical is not None and len(lexical) != len(chunks):
        raise ValueError(f"lexical index has {len(lexical)} rows, expected {len(chunks)}")
    if vectors.shape != (len(chunks), manifest.dim):
        raise ValueError(f"vectors have shape {vectors.shape}, expected ({len(chunks)}, {manifest.dim})")
    index_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        version = index_dir / f"{VERSION_PREFIX}{stamp}Z-{secrets.token_hex(4)}"
        version.mkdir()
        try:
            _write_vectors(version / VECTORS, vectors)
            _write_database(version / DATABASE, chunks, documents)
            if lexical is not None:
                lexical.save(version / LEXICAL)
                for f in (version / LEXICAL).iterdir():
                    _fsync_file(f)
                _fsync_dir(version / LEXICAL)
            _write_file(version / MANIFEST, manifest.to_json().encode("utf-8"))
            _fsync_dir(version)
            # The switch: until this replace, loaders see the previous version untouched.
            tmp = index_dir / f"{POINTER}.{secrets.token_hex(4)}.tmp"
            _write_file(tmp, (version.name + "\n").encode("ascii"))
            os.replace(tmp, index_dir / POINTER)
            _fsync_dir(index_dir)
        except BaseException:
            shutil.rmtree(version, ignore_errors=True)
            raise
        _remove_stale(index_dir, keep=version.name)
    return version


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    # Two builds into one folder must not delete each other's half-written versions.
    with open(index_dir / ".lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _write_vectors(path: Path, vectors: np.ndarray) -> None:
    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    _write_file(path, faiss.serialize_index(index).tobytes())


def _write_database(path: Path, chunks: Sequence[Chunk], documents: Sequence[Document]) -> None:
    con = sqlite3.connect(path)
    try:
        # No journal: the file is unreachable until CURRENT names its folder, and is fsynced below.
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.executescript(_SCHEMA)
        con.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (i, c.text, c.source, c.title, c.section, c.start, c.end, c.line_start, c.line_end)
                for i, c in enumerate(chunks)
            ),
        )
        con.executemany(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
            (
                (d.source, d.text, d.title, d.line_offset, json.dumps(d.meta, ensure_ascii=False), d.is_page)
                for d in documents
            ),
        )
        con.commit()
    finally:
        con.close()
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale(index_dir: Path, keep: str) -> None:
    """Delete older versions, half-written ones from crashed builds, and orphaned pointer temp files."""
    for p in index_dir.iterdir():
        if p.name.startswith(VERSION_PREFIX) and p.name != keep and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(f"{POINTER}.") and p.name.endswith(".tmp"):
            p.unlink(missing_ok=True)


# --- reading -----------------------------------------------------------------------------------------


def load(index_dir: Path) -> LoadedIndex:
    """Open the live version of the index under ``index_dir``."""
    name = _live_version(index_dir)
    while True:
        try:
            return _open_version(index_dir, name)
        except IndexCorrupt:
            # A build that finished between reading CURRENT and opening the files deletes the
            # version being opened; the new one is fine. A pointer that does not move is real damage.
            previous, name = name, _live_version(index_dir)
            if name == previous:
                raise


def _live_version(index_dir: Path) -> str:
    try:
        name = (index_dir / POINTER).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError) as e:
        raise IndexNotFound(index_dir) from e
    except UnicodeDecodeError as e:
        raise _corrupt(index_dir, f"{POINTER} is not a version name") from e
    if not name.startswith(VERSION_PREFIX) or "/" in name or "\\" in name:
        raise _corrupt(index_dir, f"{POINTER} holds {name[:40]!r}, not a version name")
    return name


def _open_version(index_dir: Path, name: str) -> LoadedIndex:
    version = index_dir / name
    if not version.is_dir():
        raise _corrupt(index_dir, f"{POINTER} names {name}, which is missing")
    try:
        manifest = Manifest.from_json((version / MANIFEST).read_text(encoding="utf-8"), index_dir)
        data = (version / VECTORS).read_bytes()
    except FileNotFoundError as e:
        raise _corrupt(index_dir, f"{version.name}/{Path(e.filename or '?').name} is missing") from e
    try:
        vectors = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    except RuntimeError as e:
        raise _corrupt(index_dir, f"{VECTORS} cannot be read") from e
    if vectors.d != manifest.dim or vectors.ntotal != manifest.counts.get("chunks"):
        raise _corrupt(index_dir, f"{VECTORS} does not match {MANIFEST}")
    db = version / DATABASE
    if not db.is_file():
        raise _corrupt(index_dir, f"{version.name}/{DATABASE} is missing")
    # immutable: a version never changes once live, so SQLite need not lock it or look for a
    # journal. The open file keeps serving after a later build deletes its folder (POSIX).
    uri = f"{db.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        con = sqlite3.connect(uri, uri=True, check_same_thread=False)
    except sqlite3.DatabaseError as e:
        raise _corrupt(index_dir, f"{DATABASE} cannot be opened ({e})") from e
    try:
        (rows,) = con.execute("SELECT count(*) FROM chunks").fetchone()
    except sqlite3.DatabaseError as e:
        con.close()
        raise _corrupt(index_dir, f"{DATABASE} cannot be read ({e})") from e
    if rows != vectors.ntotal:
        con.close()
        raise _corrupt(index_dir, f"{DATABASE} has {rows} chunks but {VECTORS} has {vectors.ntotal}")
    lexical = None
    if manifest.lexical:
        try:
            lexical = LexicalIndex.load(version / LEXICAL)
        except (OSError, ValueError, KeyError) as e:
            con.close()
            raise _corrupt(index_dir, f"{LEXICAL}/ cannot be read ({e})") from e
        if len(lexical) != rows:
            con.close()
            raise _corrupt(index_dir, f"{LEXICAL}/ has {len(lexical)} rows but {VECTORS} has {rows}")
    return LoadedIndex(index_dir, version, manifest, vectors, con, lexical)


class LoadedIndex:
    """A read-only, thread-safe view of one version of the index."""

    def __init__(
        self,
        index_dir: Path,
        version: Path,
        manifest: Manifest,
        vectors: Any,
        con: sqlite3.Connection,
        lexical: LexicalIndex | None = None,
    ) -> None:
        self.index_dir = index_dir
        self.version = version
        self.manifest = manifest
        self.lexical = lexical
        self._vectors = vectors
        self._con = con
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return int(self._vectors.ntotal)

    def check_embedder(self, embedder: Embedder) -> None:
        """Refuse an embedder other than the one that built the index: its scores would be meaningless."""
        built, given = self.manifest.model, embedder.identity
        if built != given:
            raise IndexIncompatible(
                f"index at {self.index_dir} was built with {_describe(built)}, but the model in use is "
                f"{_describe(given)}; use the index's model (--model), or rebuild with: "
                f"{rebuild_command(self.index_dir, model_option(given))}"
            )
        if embedder.dim != self.manifest.dim:
            raise IndexIncompatible(
                f"index at {self.index_dir} holds {self.manifest.dim}-dimensional vectors, but the model "
                f"gives {embedder.dim}; rebuild with: {rebuild_command(self.index_dir, model_option(given))}"
            )

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` rows nearest ``vector`` as (row, inner product), best first."""
        q = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        if q.shape[1] != self.manifest.dim:
            raise ValueError(f"query vector has {q.shape[1]} dimensions, the index {self.manifest.dim}")
        k = min(k, len(self))
        if k <= 0:
            return []
        scores, rows = self._vectors.search(q, k)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def similarity(self, vector: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        """Inner product of ``vector`` with the stored vectors of ``rows``."""
        if not rows:
            return np.zeros(0, dtype=np.float32)
        stored = np.stack([self._vectors.reconstruct(int(r)) for r in rows])
        return stored @ np.asarray(vector, dtype=np.float32).reshape(-1)

    def chunk(self, row: int) -> Chunk:
        with self._lock:
            found = self._con.execute(
                'SELECT text, source, title, section, "start", "end", line_start, line_end '
                "FROM chunks WHERE row = ?",
                (row,),
            ).fetchone()
        if found is None:
            raise IndexError(f"no chunk row {row}; the index has {len(self)}")
        return Chunk(*found)

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

    def close(self) -> None:
        with self._lock:
            self._con.close()


def _describe(identity: dict[str, str]) -> str:
    name = identity.get("name", "?")
    weights = identity.get("weights_sha256", "")
    return f"{name} (weights {weights[:12]})" if weights and weights != "none" else name
