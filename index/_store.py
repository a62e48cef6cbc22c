"""The saved index: FAISS vectors, chunk and document text in SQLite, and a manifest that describes both.

Layout under ``index_dir``::

    CURRENT                 name of the live version, e.g. "v-20250101T120000Z-1a2b3c4d"
    v-<time>-<rand>/
        manifest.json       format version, model identity, dim, chunker, file hashes, counts
        vectors.faiss       IndexFlatIP over normalised vectors: rows 0..n-1 are the n chunks
                            (chunks.row), then the windows of chunk 0, of chunk 1, ... (chunks.windows
                            of each): runs of a few sentences, so a chunk scores by its best part
        chunks.sqlite       tables ``chunks`` (with each chunk's source file and BM25 tokens),
                            ``documents`` and ``rejections`` (bad lines inside indexed files)
        lexical/            BM25 over jieba tokens of the same rows, and the archive's word list
    embeddings.sqlite       vectors already computed, by model and text (see _embedcache.py)
    .lock                   held by a build from start to end, so two builds never write at once;
                            it names the running build, and still names it if that build was killed

A build writes a complete new version directory, fsyncs it, then replaces ``CURRENT`` atomically,
so a crash at any moment leaves either the old index or the new one, never a mix. Loading follows
``CURRENT`` only; half-written versions are invisible to it and removed by the next build.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shlex
import shutil
import signal
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import faiss
import numpy as np

from ._embed import Embedder
from ._embedders import model_option
from ._lexical import LEXICAL_VERSION, LexicalIndex
from ._types import Chunk, Document, Rejection

# 3: chunks carry their source file and BM25 tokens; documents their file; table rejections.
# 4: vectors of each chunk's sentence windows after the chunks' own.
FORMAT_VERSION = 4
POINTER = "CURRENT"
VERSION_PREFIX = "v-"
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
DATABASE = "chunks.sqlite"
LEXICAL = "lexical"
LOCK = ".lock"
# Test-only fault injection: a build kills itself with SIGKILL at the named point (see crash_point).
CRASH_ENV = "NEWS_ASSISTANT_CRASH_AT"
CRASH_POINTS = ("embedding", "writing", "before-switch", "after-switch")


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


class BuildRunning(IndexProblem):
    """Another build holds the index's lock, and the caller chose not to wait for it."""


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
    counts: dict[str, int]  # files, documents, sections, chunks, windows
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
    row INTEGER PRIMARY KEY, file TEXT NOT NULL, text TEXT NOT NULL, source TEXT NOT NULL,
    title TEXT NOT NULL, section TEXT NOT NULL, "start" INTEGER NOT NULL, "end" INTEGER NOT NULL,
    line_start INTEGER NOT NULL, line_end INTEGER NOT NULL,
    tokens TEXT,  -- JSON list of BM25 tokens of embed_text; NULL: not tokenised
    windows INTEGER NOT NULL  -- how many window vectors of this chunk follow the chunks' vectors
);
CREATE TABLE documents (
    source TEXT PRIMARY KEY, file TEXT NOT NULL, text TEXT NOT NULL, title TEXT NOT NULL,
    line_offset INTEGER NOT NULL, meta TEXT NOT NULL, is_page INTEGER NOT NULL
);
CREATE TABLE rejections (file TEXT NOT NULL, line INTEGER, reason TEXT NOT NULL);
"""


def crash_point(name: str) -> None:
    """Test-only: kill this process outright at the named point of a build when the environment
    variable NEWS_ASSISTANT_CRASH_AT names it, to prove that a crash there leaves a loadable index.

    The one place faults are injected; the points are CRASH_POINTS. Never set it in real use.
    """
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def writer_lock(
    index_dir: Path, *, wait: bool = True, on_wait: Callable[[str], None] | None = None
) -> Iterator[str | None]:
    """Hold the single-writer lock of ``index_dir`` for a whole build.

    When another build holds it: raise BuildRunning, or with ``wait``, call ``on_wait`` with a
    sentence saying so and block until it is free. Yields a description of an earlier build that
    was killed while holding the lock (the kernel released it, its record stayed), else None.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            message = f"another build{_holder(_read_all(fd))} is running on {index_dir}"
            if not wait:
                raise BuildRunning(f"{message}; try again when it has finished") from None
            if on_wait is not None:
                on_wait(f"{message}; waiting…")
            fcntl.flock(fd, fcntl.LOCK_EX)
        left = _read_all(fd)
        record = {"pid": os.getpid(), "started": datetime.now(UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode("ascii"), 0)
        try:
            yield f"an earlier build{_holder(left)} was interrupted" if left.strip() else None
        finally:
            # Cleared on every way out but a kill, which is how the next build knows.
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


def build_running(index_dir: Path) -> str | None:
    """A sentence naming the build that holds the lock of ``index_dir`` now, or None."""
    try:
        fd = os.open(index_dir / LOCK, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return f"a build{_holder(_read_all(fd))} is running on {index_dir}"
        return None
    finally:
        os.close(fd)


def _read_all(fd: int) -> str:
    return os.pread(fd, 4096, 0).decode("ascii", "replace")


def _holder(record: str) -> str:
    try:
        raw = json.loads(record)
        return f" (pid {int(raw['pid'])}, started {raw['started']})"
    except (ValueError, KeyError, TypeError):
        return ""


def save(
    index_dir: Path,
    manifest: Manifest,
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    documents: Sequence[Document],
    lexical: LexicalIndex | None = None,
    *,
    windows: Sequence[int] | None = None,
) -> Path:
    """Write a new version under ``index_dir``, make it the live one, delete older ones; return its folder.

    Takes the writer lock for the write alone; a build holds it throughout and calls write_version.
    """
    with writer_lock(index_dir):
        version = write_version(index_dir, manifest, chunks, vectors, documents, lexical, windows=windows)
        remove_leftovers(index_dir)
    return version


def write_version(
    index_dir: Path,
    manifest: Manifest,
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    documents: Sequence[Document],
    lexical: LexicalIndex | None = None,
    *,
    files: Sequence[str] | None = None,
    tokens: Sequence[Sequence[str]] | None = None,
    rejections: Sequence[Rejection] = (),
    windows: Sequence[int] | None = None,
) -> Path:
    """Write a complete version beside the live one, then switch ``CURRENT`` to it; return its folder.

    The caller holds writer_lock. ``vectors[i]`` is the normalised embedding of ``chunks[i]``; after
    the chunks' rows come ``windows[0]`` rows for the windows of chunk 0, then chunk 1's, and so on
    (None: no windows), and ``manifest.counts["windows"]`` is their total. ``tokens[i]`` is the chunk's
    BM25 tokens, from which ``lexical`` was built; ``files[j]`` is the source file
    of ``documents[j]`` (default: the document's source up to its ``#``); ``rejections`` are bad
    lines inside indexed files, kept so that a rebuild that does not re-read a file still lists them.
    """
    if lexical is not None and len(lexical) != len(chunks):
        raise ValueError(f"lexical index has {len(lexical)} rows, expected {len(chunks)}")
    windows = [0] * len(chunks) if windows is None else list(windows)
    if len(windows) != len(chunks) or min(windows, default=0) < 0:
        raise ValueError(f"{len(windows)} window counts for {len(chunks)} chunks")
    counted = manifest.counts.get("windows", 0)
    if sum(windows) != counted:
        raise ValueError(f"{sum(windows)} windows, but the manifest counts {counted}")
    rows = len(chunks) + sum(windows)
    if vectors.shape != (rows, manifest.dim):
        raise ValueError(f"vectors have shape {vectors.shape}, expected ({rows}, {manifest.dim})")
    if tokens is not None and len(tokens) != len(chunks):
        raise ValueError(f"{len(tokens)} token lists for {len(chunks)} chunks")
    if files is None:
        files = [d.source if d.is_page else d.source.split("#", 1)[0] for d in documents]
    elif len(files) != len(documents):
        raise ValueError(f"{len(files)} files for {len(documents)} documents")
    file_of = {d.source: f for d, f in zip(documents, files, strict=True)}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    version = index_dir / f"{VERSION_PREFIX}{stamp}Z-{secrets.token_hex(4)}"
    version.mkdir()
    try:
        _write_vectors(version / VECTORS, vectors)
        crash_point("writing")
        _write_database(version / DATABASE, chunks, windows, file_of, tokens, documents, rejections)
        if lexical is not None:
            lexical.save(version / LEXICAL)
            for f in (version / LEXICAL).iterdir():
                _fsync_file(f)
            _fsync_dir(version / LEXICAL)
        _write_file(version / MANIFEST, manifest.to_json().encode("utf-8"))
        _fsync_dir(version)
        crash_point("before-switch")
        # The switch: until this replace, loaders see the previous version untouched.
        tmp = index_dir / f"{POINTER}.{secrets.token_hex(4)}.tmp"
        _write_file(tmp, (version.name + "\n").encode("ascii"))
        os.replace(tmp, index_dir / POINTER)
        _fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    crash_point("after-switch")
    return version


def _write_vectors(path: Path, vectors: np.ndarray) -> None:
    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    _write_file(path, faiss.serialize_index(index).tobytes())


def _write_database(
    path: Path,
    chunks: Sequence[Chunk],
    windows: Sequence[int],
    file_of: dict[str, str],
    tokens: Sequence[Sequence[str]] | None,
    documents: Sequence[Document],
    rejections: Sequence[Rejection],
) -> None:
    con = sqlite3.connect(path)
    try:
        # No journal: the file is unreachable until CURRENT names its folder, and is fsynced below.
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.executescript(_SCHEMA)
        con.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (i, file_of.get(c.source, c.source), c.text, c.source, c.title, c.section, c.start, c.end,
                 c.line_start, c.line_end,
                 None if tokens is None else json.dumps(list(tokens[i]), ensure_ascii=False), windows[i])
                for i, c in enumerate(chunks)
            ),
        )  # fmt: skip
        con.executemany(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (d.source, file_of[d.source], d.text, d.title, d.line_offset,
                 json.dumps(d.meta, ensure_ascii=False), d.is_page)
                for d in documents
            ),
        )  # fmt: skip
        con.executemany(
            "INSERT INTO rejections VALUES (?, ?, ?)", ((r.source, r.line, r.reason) for r in rejections)
        )
        con.commit()
    finally:
        con.close()
    _fsync_file(path)


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


def remove_leftovers(index_dir: Path) -> list[str]:
    """Delete every version but the live one (older ones, and half-written ones from a killed build)
    and orphaned pointer temp files; return the names of the versions removed. The caller holds
    writer_lock. Readers that opened an old version keep what they opened (POSIX)."""
    try:
        live = _live_version(index_dir)
    except IndexNotFound:
        live = ""  # no live version yet: every version folder is from a build that never finished
    except IndexCorrupt:
        return []  # keep everything for whoever repairs it; the next complete build cleans up
    removed = []
    for p in sorted(index_dir.iterdir()):
        if p.name.startswith(VERSION_PREFIX) and p.name != live and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
        elif p.name.startswith(f"{POINTER}.") and p.name.endswith(".tmp"):
            p.unlink(missing_ok=True)
    return removed


# --- reading -----------------------------------------------------------------------------------------


def load(index_dir: Path, *, lexical: bool = True) -> LoadedIndex:
    """Open the live version of the index under ``index_dir``.

    Without ``lexical``, the BM25 index is neither loaded nor checked (``LoadedIndex.lexical`` is
    None): a build takes over vectors and texts, and tokenises anew under another lexical version.
    """
    name = _live_version(index_dir)
    while True:
        try:
            return _open_version(index_dir, name, lexical=lexical)
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


def _open_version(index_dir: Path, name: str, *, lexical: bool = True) -> LoadedIndex:
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
    chunk_rows = manifest.counts.get("chunks", -1)
    if vectors.d != manifest.dim or vectors.ntotal != chunk_rows + manifest.counts.get("windows", 0):
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
        windows = np.array(
            [n for (n,) in con.execute("SELECT windows FROM chunks ORDER BY row")], dtype=np.int64
        )
    except (sqlite3.DatabaseError, TypeError, ValueError) as e:
        con.close()
        raise _corrupt(index_dir, f"{DATABASE} cannot be read ({e})") from e
    rows = len(windows)
    if rows != chunk_rows or rows + int(windows.sum()) != vectors.ntotal or (windows < 0).any():
        con.close()
        n = int(windows.sum())
        what = f"{DATABASE} has {rows} chunks and {n} windows, {VECTORS} {vectors.ntotal} rows"
        raise _corrupt(index_dir, what)
    built = manifest.lexical.get("version", LEXICAL_VERSION)
    if lexical and built != LEXICAL_VERSION:
        con.close()
        raise IndexIncompatible(
            f"index at {index_dir} has lexical index version {built}, this program reads version "
            f"{LEXICAL_VERSION}; rebuild it with: {rebuild_command(index_dir)}"
        )
    bm25 = None
    if manifest.lexical and lexical:
        try:
            bm25 = LexicalIndex.load(version / LEXICAL)
        except (OSError, ValueError, KeyError) as e:
            con.close()
            raise _corrupt(index_dir, f"{LEXICAL}/ cannot be read ({e})") from e
        if len(bm25) != rows:
            con.close()
            raise _corrupt(index_dir, f"{LEXICAL}/ has {len(bm25)} rows but {VECTORS} has {rows}")
    return LoadedIndex(index_dir, version, manifest, vectors, con, bm25, windows)


class StoredChunk(NamedTuple):
    row: int
    chunk: Chunk
    tokens: list[str] | None  # None: stored without tokens


@dataclass
class Contents:
    """Everything a version holds, by source file: what a rebuild takes over for unchanged files."""

    documents: dict[str, list[Document]] = field(default_factory=dict)
    chunks: dict[str, list[StoredChunk]] = field(default_factory=dict)
    rejections: dict[str, list[Rejection]] = field(default_factory=dict)


class LoadedIndex:
    """A read-only, thread-safe view of one version of the index."""

    def __init__(
        self,
        index_dir: Path,
        version: Path,
        manifest: Manifest,
        vectors: Any,
        con: sqlite3.Connection,
        lexical: LexicalIndex | None,
        windows: np.ndarray,
    ) -> None:
        """``windows[i]``: how many window vectors chunk ``i`` has (see the layout above)."""
        self.index_dir = index_dir
        self.version = version
        self.manifest = manifest
        self.lexical = lexical
        self._vectors = vectors
        self._con = con
        self._lock = threading.Lock()
        n = len(windows)
        # Vector row -> chunk row, and where each chunk's windows start among the vectors.
        self._owner = np.concatenate([np.arange(n), np.repeat(np.arange(n), windows)])
        self._first = n + np.concatenate([[0], np.cumsum(windows)[:-1]]).astype(np.int64)
        self._windows = windows
        self._fanout = 1 + int(windows.max(initial=0))

    def __len__(self) -> int:
        return len(self._windows)

    def check_embedder(self, embedder: Embedder) -> None:
        """Refuse an embedder other than the one that built the index: its scores would be meaningless."""
        built, given = self.manifest.model, embedder.identity
        if built != given:
            raise IndexIncompatible(
                f"index at {self.index_dir} was built with {describe_model(built)}, but the model in use is "
                f"{describe_model(given)}; use the index's model (--model), or rebuild with: "
                f"{rebuild_command(self.index_dir, model_option(given))}"
            )
        if embedder.dim != self.manifest.dim:
            raise IndexIncompatible(
                f"index at {self.index_dir} holds {self.manifest.dim}-dimensional vectors, but the model "
                f"gives {embedder.dim}; rebuild with: {rebuild_command(self.index_dir, model_option(given))}"
            )

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` chunks nearest ``vector`` as (row, inner product), best first: a chunk's
        product is the best of its own vector's and its windows'."""
        q = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        if q.shape[1] != self.manifest.dim:
            raise ValueError(f"query vector has {q.shape[1]} dimensions, the index {self.manifest.dim}")
        k = min(k, len(self))
        if k <= 0:
            return []
        # Exact: each chunk above the k-th has at most _fanout vectors, so the best vector of
        # every one of the top k chunks is among the top k * _fanout vectors.
        scores, found = self._vectors.search(q, min(k * self._fanout, int(self._vectors.ntotal)))
        best: dict[int, float] = {}
        for r, s in zip(found[0], scores[0], strict=True):
            if r >= 0:
                best.setdefault(int(self._owner[r]), float(s))
        return list(best.items())[:k]

    def similarity(self, vector: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        """Inner product of ``vector`` with the chunks of ``rows``, each the best of its vectors."""
        if not len(rows):
            return np.zeros(0, dtype=np.float32)
        units = [[int(row), *self.windows_of(int(row))] for row in rows]
        ids = np.fromiter((u for us in units for u in us), dtype=np.int64)
        products = self._vectors.reconstruct_batch(ids) @ np.asarray(vector, dtype=np.float32).reshape(-1)
        starts = np.cumsum([0, *(len(us) for us in units[:-1])])
        return np.maximum.reduceat(products, starts).astype(np.float32)

    def windows_of(self, row: int) -> range:
        """The vector rows of the windows of chunk ``row`` (see windows in _chunk.py)."""
        start = int(self._first[row])
        return range(start, start + int(self._windows[row]))

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

    def newer_version(self) -> str | None:
        """The live version's name if a build has switched ``CURRENT`` away from this one, else None.

        Reads the few bytes of ``CURRENT``: cheap enough to ask before every query. A pointer that
        is missing or unreadable is not newer: whoever broke it, this version still answers.
        """
        try:
            name = _live_version(self.index_dir)
        except (IndexProblem, OSError):
            return None
        return name if name != self.version.name else None

    def vectors(self) -> np.ndarray:
        """(vectors, dim) float32: every stored vector, the chunks' then their windows'."""
        total = int(self._vectors.ntotal)
        if not total:
            return np.zeros((0, self.manifest.dim), dtype=np.float32)
        return np.asarray(self._vectors.reconstruct_n(0, total), dtype=np.float32)

    def contents(self) -> Contents:
        """Every document, chunk (with its row and tokens) and stored rejection, by source file."""
        out = Contents()
        with self._lock:
            chunks = self._con.execute(
                'SELECT row, file, text, source, title, section, "start", "end", line_start, line_end, '
                "tokens FROM chunks ORDER BY row"
            ).fetchall()
            documents = self._con.execute(
                "SELECT file, source, text, title, line_offset, meta, is_page FROM documents ORDER BY rowid"
            ).fetchall()
            rejections = self._con.execute(
                "SELECT file, line, reason FROM rejections ORDER BY rowid"
            ).fetchall()
        for row, file, *fields, tokens in chunks:
            stored = StoredChunk(row, Chunk(*fields), None if tokens is None else json.loads(tokens))
            out.chunks.setdefault(file, []).append(stored)
        for file, source, text, title, line_offset, meta, is_page in documents:
            doc = Document(source, text, title, line_offset, json.loads(meta), bool(is_page))
            out.documents.setdefault(file, []).append(doc)
        for file, line, reason in rejections:
            out.rejections.setdefault(file, []).append(Rejection(file, reason, line))
        return out

    def close(self) -> None:
        with self._lock:
            self._con.close()


def describe_model(identity: dict[str, str]) -> str:
    name = identity.get("name", "?")
    weights = identity.get("weights_sha256", "")
    described = f"{name} (weights {weights[:12]})" if weights and weights != "none" else name
    backend = identity.get("backend")  # absent: torch, as before there was a choice
    return f"{described} on {backend}, {identity.get('optimisation', '')}" if backend else described
