"""The saved index: the passages' vectors, chunk and document text in SQLite, and a manifest that
describes both.

Layout under ``index_dir``::

    CURRENT                 name of the live version, e.g. "v-20250101T120000Z-1a2b3c4d"
    v-<time>-<rand>/
        manifest.json       format version, model identity, dim, chunker, vector store kind and
                            parameters, file hashes, counts
        vectors/            the vector store (_vectors.py): each chunk's vectors, its own then its
                            sentence windows', under the chunk's key
        chunks.sqlite       tables ``chunks`` (row, key in vectors/, source file, BM25 tokens, and
                            the issue date, edition and page of the document it was cut from),
                            ``documents`` and ``rejections`` (bad lines inside indexed files)
        lexical/            BM25 over jieba tokens of the same rows, and the archive's word list
    embeddings.sqlite       vectors already computed, by model and text (see _embedcache.py)
    .lock                   held by a build from start to end, so two builds never write at once;
                            it names the running build, and still names it if that build was killed

Rows number the chunks 0..n-1 in each version (the lexical index scores the same rows); keys name
them in the vector store and survive from one version to the next, so a build changes only the
vectors of what changed.

A build writes a complete new version directory, fsyncs it, then replaces ``CURRENT`` atomically,
so a crash at any moment leaves either the old index or the new one, never a mix. Loading follows
``CURRENT`` only; half-written versions are invisible to it and removed by the next build.

Two views of a version: ``load`` gives a ``LoadedIndex`` for questions (search, filters, texts),
``take_over`` a ``Previous`` for the next build (everything it holds by source file, and its vector
store to change).
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import signal
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple, TypeVar

import numpy as np

from ._embed import Embedder
from ._embedders import model_option
from ._filter import Filter, RowFacts, iso_date
from ._lexical import LEXICAL_VERSION, LexicalIndex
from ._types import Chunk, Document, Rejection
from ._vectors import VectorStore, open_store
from .errors import (
    BuildRunning,
    IndexCorrupt,
    IndexIncompatible,
    IndexNotFound,
    IndexProblem,
    UnknownSource,
    rebuild_command,
)

# 3: chunks carry their source file and BM25 tokens; documents their file; table rejections.
# 4: vectors of each chunk's sentence windows after the chunks' own.
# 5: a vector store chosen by size (vectors/), each chunk under a key that outlives the version;
#    chunks carry their document's date, edition and page.
FORMAT_VERSION = 5
POINTER = "CURRENT"
VERSION_PREFIX = "v-"
MANIFEST = "manifest.json"
VECTORS = "vectors"
DATABASE = "chunks.sqlite"
LEXICAL = "lexical"
LOCK = ".lock"
# Test-only fault injection: a build kills itself with SIGKILL at the named point (see crash_point).
CRASH_ENV = "NEWS_ASSISTANT_CRASH_AT"
CRASH_POINTS = ("embedding", "writing", "before-switch", "after-switch")
# What a loaded index keeps per row beside the vector store: the row's place in the store and
# back (int32 each), its date and its source (RowFacts, int32 each).
ROW_BYTES = 16
# Row masks of the last few filters, kept: a reader filtering by one source asks again and again.
_MASKS_KEPT = 8

_T = TypeVar("_T")


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
    vectors: dict[str, str | int] = field(default_factory=dict)  # the store's kind and parameters

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
                vectors=dict(raw["vectors"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise _corrupt(index_dir, f"{MANIFEST} lacks or mangles a field ({e})") from e


def _corrupt(index_dir: Path, what: str) -> IndexCorrupt:
    return IndexCorrupt(
        f"index at {index_dir} is damaged: {what}; rebuild it with: {rebuild_command(index_dir)}"
    )


# --- what a version holds -------------------------------------------------------------------------


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


# --- writing -----------------------------------------------------------------------------------------

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
    contents: Contents,
    vectors: VectorStore,
    lexical: LexicalIndex | None = None,
) -> Path:
    """Write a new version under ``index_dir``, make it the live one, delete older ones; return its folder.

    Takes the writer lock for the write alone; a build holds it throughout and calls write_version.
    """
    with writer_lock(index_dir):
        version = write_version(index_dir, manifest, contents, vectors, lexical)
        remove_leftovers(index_dir)
    return version


def write_version(
    index_dir: Path,
    manifest: Manifest,
    contents: Contents,
    vectors: VectorStore,
    lexical: LexicalIndex | None = None,
) -> Path:
    """Write a complete version beside the live one, then switch ``CURRENT`` to it; return its folder.

    The caller holds writer_lock. ``contents`` gives the rows (chunks in order) and the key of
    each in ``vectors``, which holds exactly those keys; ``lexical`` scores the same rows, built
    from their tokens. ``manifest`` counts the chunks and windows (vectors beyond one a chunk) and
    records ``vectors.params()``.
    """
    rows = contents.rows()
    if lexical is not None and len(lexical) != len(rows):
        raise ValueError(f"lexical index has {len(lexical)} rows, expected {len(rows)}")
    keys = np.array([s.key for _, s in rows], dtype=np.int64)
    if len(keys) != len(vectors) or not np.array_equal(np.sort(keys), vectors.keys):
        raise ValueError(
            f"{len(rows)} chunks, but their keys are not the {len(vectors)} passages of the vectors"
        )
    windows = vectors.vector_count - len(rows)
    counted = (manifest.counts.get("chunks"), manifest.counts.get("windows", 0))
    if counted != (len(rows), windows):
        raise ValueError(f"{len(rows)} chunks and {windows} windows, but the manifest counts {counted}")
    if (manifest.dim, manifest.vectors) != (vectors.dim, vectors.params()):
        raise ValueError(f"the manifest describes {manifest.dim}-dimensional {manifest.vectors}, not "
                         f"{vectors.dim}-dimensional {vectors.params()}")  # fmt: skip
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    version = index_dir / f"{VERSION_PREFIX}{stamp}Z-{secrets.token_hex(4)}"
    version.mkdir()
    try:
        for f in vectors.save(version / VECTORS):
            _fsync_file(f)
        _fsync_dir(version / VECTORS)
        crash_point("writing")
        _write_database(version / DATABASE, contents)
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


def _write_database(path: Path, contents: Contents) -> None:
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
    """Open the live version of the index under ``index_dir`` to answer questions.

    Without ``lexical``, the BM25 index is neither loaded nor checked (``LoadedIndex.lexical`` is
    None): for a caller that needs only the manifest, or the dense leg.
    """

    def open_(name: str) -> LoadedIndex:
        version, manifest, con, keys, bm25 = _open_version(index_dir, name, lexical=lexical)
        try:
            store = _open_vectors(index_dir, version, manifest, keys)
        except BaseException:
            con.close()
            raise
        return LoadedIndex(index_dir, version, manifest, con, store, keys, bm25)

    return _follow(index_dir, open_)


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
            raise _corrupt(index_dir, f"{POINTER} names {name}, whose {MANIFEST} is missing") from e

    return _follow(index_dir, open_)


def take_over(index_dir: Path) -> Previous:
    """Open the live version of the index under ``index_dir`` for the next build to take over.

    The BM25 index is neither loaded nor checked: a build tokenises anew under another lexical
    version. The vector store is the build's own to change (Previous.vectors).
    """

    def open_(name: str) -> Previous:
        version, manifest, con, _, _ = _open_version(index_dir, name, lexical=False)
        return Previous(index_dir, version, manifest, con)

    return _follow(index_dir, open_)


def _follow(index_dir: Path, open_: Callable[[str], _T]) -> _T:
    name = _live_version(index_dir)
    while True:
        try:
            return open_(name)
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


def _open_version(
    index_dir: Path, name: str, *, lexical: bool
) -> tuple[Path, Manifest, sqlite3.Connection, np.ndarray, LexicalIndex | None]:
    """(version folder, manifest, database, key of each row, BM25 or None without ``lexical``),
    checked against each other. The vectors are opened apart (_open_vectors)."""
    version = index_dir / name
    if not version.is_dir():
        raise _corrupt(index_dir, f"{POINTER} names {name}, which is missing")
    try:
        manifest = Manifest.from_json((version / MANIFEST).read_text(encoding="utf-8"), index_dir)
    except FileNotFoundError as e:
        raise _corrupt(index_dir, f"{version.name}/{MANIFEST} is missing") from e
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
        keys = _row_keys(con, index_dir, manifest)
        bm25 = _open_lexical(index_dir, version, manifest, len(keys)) if lexical else None
    except BaseException:
        con.close()
        raise
    return version, manifest, con, keys, bm25


def _row_keys(con: sqlite3.Connection, index_dir: Path, manifest: Manifest) -> np.ndarray:
    try:
        keys = np.fromiter((k for (k,) in con.execute("SELECT key FROM chunks ORDER BY row")), dtype=np.int64)
    except (sqlite3.DatabaseError, TypeError, ValueError) as e:
        raise _corrupt(index_dir, f"{DATABASE} cannot be read ({e})") from e
    if len(keys) != manifest.counts.get("chunks", -1):
        raise _corrupt(index_dir, f"{DATABASE} has {len(keys)} chunks, {MANIFEST} counts {manifest.counts}")
    return keys


def _open_vectors(index_dir: Path, version: Path, manifest: Manifest, keys: np.ndarray) -> VectorStore:
    """The version's vector store, checked against the manifest and the keys of the chunks."""
    try:
        store = open_store(version / VECTORS, manifest.vectors)
    except ValueError as e:
        raise IndexIncompatible(
            f"index at {index_dir} has {e}; rebuild it with: {rebuild_command(index_dir)}"
        ) from e
    except (OSError, RuntimeError) as e:
        raise _corrupt(index_dir, f"{VECTORS}/ cannot be read ({str(e).splitlines()[0][:120]})") from e
    if store.dim != manifest.dim or store.vector_count != len(keys) + manifest.counts.get("windows", 0):
        raise _corrupt(index_dir, f"{VECTORS}/ does not match {MANIFEST}")
    if not np.array_equal(np.sort(keys), store.keys):
        raise _corrupt(index_dir, f"the chunks of {DATABASE} are not the {len(store)} passages of {VECTORS}/")
    return store


def _open_lexical(index_dir: Path, version: Path, manifest: Manifest, rows: int) -> LexicalIndex | None:
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
        raise _corrupt(index_dir, f"{LEXICAL}/ cannot be read ({e})") from e
    if len(bm25) != rows:
        raise _corrupt(index_dir, f"{LEXICAL}/ has {len(bm25)} rows but {DATABASE} has {rows}")
    return bm25


class _Version:
    """One version of the index, opened: its manifest and database."""

    def __init__(self, index_dir: Path, version: Path, manifest: Manifest, con: sqlite3.Connection) -> None:
        self.index_dir = index_dir
        self.version = version
        self.manifest = manifest
        self._con = con
        self._lock = threading.Lock()

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


class Previous(_Version):
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
                keys = _row_keys(self._con, self.index_dir, self.manifest)
            self._store = _open_vectors(self.index_dir, self.version, self.manifest, keys)
        return self._store

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


class LoadedIndex(_Version):
    """A read-only, thread-safe view of one version of the index, to answer questions.

    Rows are the chunks, 0..len-1, as ``lexical`` scores them. Every search can be limited to the
    rows of a boolean mask (``allowed``, from a ``Filter``): the dense search skips the others
    while it searches, whatever the kind of vector store, and ``lexical_scores`` zeroes them.
    """

    def __init__(
        self,
        index_dir: Path,
        version: Path,
        manifest: Manifest,
        con: sqlite3.Connection,
        vectors: VectorStore,
        keys: np.ndarray,
        lexical: LexicalIndex | None,
    ) -> None:
        """``keys[row]``: the key of the row's chunk in ``vectors``."""
        super().__init__(index_dir, version, manifest, con)
        self._vectors = vectors
        self.lexical = lexical
        # Row -> its place in the store's key order, and back.
        self._place = vectors.positions(keys).astype(np.int32)
        self._row_at = np.empty(len(keys), dtype=np.int32)
        self._row_at[self._place] = np.arange(len(keys), dtype=np.int32)
        self._facts: RowFacts | None = None
        self._masks: OrderedDict[Filter, np.ndarray | None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._place)

    @property
    def store(self) -> VectorStore:
        """The vector store, for its kind and figures; search through ``search``, which speaks rows."""
        return self._vectors

    # --- dense -------------------------------------------------------------------------------------

    def search(
        self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` chunks nearest ``vector`` as (row, inner product), best first: a chunk's
        product is the best of its own vector's and its windows'. With ``allowed`` (a boolean mask
        over rows, see ``allowed``), only those rows, searched among them: all of them when fewer
        than ``k``."""
        if vector.size != self.manifest.dim:
            raise ValueError(f"query vector has {vector.size} dimensions, the index {self.manifest.dim}")
        mask = None if allowed is None else self._mask_in_store(allowed)
        found = self._vectors.search(vector, k, mask)
        if not found:
            return []
        rows = self._row_at[self._vectors.positions(np.array([key for key, _ in found], dtype=np.int64))]
        return [(int(row), score) for row, (_, score) in zip(rows, found, strict=True)]

    def similarity(self, vector: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        """Inner product of ``vector`` with the chunks of ``rows``, each the best of its vectors."""
        if not len(rows):
            return np.zeros(0, dtype=np.float32)
        keys = self._vectors.keys[self._place[np.asarray(rows, dtype=np.int64)]]
        return self._vectors.similarity(vector, keys)

    def _mask_in_store(self, allowed: np.ndarray) -> np.ndarray:
        if allowed.shape != (len(self),) or allowed.dtype != np.bool_:
            raise ValueError(
                f"allowed must be a boolean mask of {len(self)} rows, not {allowed.dtype} {allowed.shape}"
            )
        return allowed[self._row_at]

    # --- filters -----------------------------------------------------------------------------------

    def allowed(self, f: Filter | None) -> np.ndarray | None:
        """The rows a filter lets through, as a boolean mask for ``search`` and ``lexical_scores``;
        None when it lets every row through (no filter). The mask is shared: do not change it."""
        if f is None or f.empty:
            return None
        with self._lock:
            if f in self._masks:
                self._masks.move_to_end(f)
                return self._masks[f]
        mask = self._row_facts().mask(f)
        if mask is not None:
            mask.setflags(write=False)
        with self._lock:
            self._masks[f] = mask
            while len(self._masks) > _MASKS_KEPT:
                self._masks.popitem(last=False)
        return mask

    def lexical_scores(self, query: str, allowed: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros without a lexical index or a matching word),
        0 for the rows ``allowed`` leaves out."""
        if self.lexical is None:
            return np.zeros(len(self), dtype=np.float32)
        scores = self.lexical.scores(query)
        return scores if allowed is None else np.where(allowed, scores, np.float32(0))

    def newest_first(self, rows: Sequence[int]) -> list[int]:
        """``rows`` by their documents' dates, newest first, undated last; ties keep their order."""
        return self._row_facts().newest_first(rows)

    def _row_facts(self) -> RowFacts:
        # Read on the first filter, not at load: a question without one never pays for it.
        if self._facts is None:
            with self._lock:
                found = self._con.execute("SELECT date, source FROM chunks ORDER BY row").fetchall()
            self._facts = RowFacts([d for d, _ in found], [s for _, s in found])
        return self._facts

    # --- texts -------------------------------------------------------------------------------------

    def chunk(self, row: int) -> Chunk:
        return self.passage(row)[0]

    def issue(self, row: int) -> Issue:
        """The date, edition and page of the document the chunk of ``row`` was cut from."""
        return self.passage(row)[1]

    def passage(self, row: int) -> tuple[Chunk, Issue]:
        """The chunk of ``row`` and its document's issue, in one query (a search reads both per hit)."""
        with self._lock:
            found = self._con.execute(
                'SELECT text, source, title, section, "start", "end", line_start, line_end, '
                "date, edition, page FROM chunks WHERE row = ?",
                (row,),
            ).fetchone()
        if found is None:
            raise IndexError(f"no chunk row {row}; the index has {len(self)}")
        return Chunk(*found[:8]), Issue(*found[8:])

    def window_count(self, row: int) -> int:
        """How many sentence windows the chunk of ``row`` has vectors for."""
        return int(self._vectors.counts[self._place[row]]) - 1

    def vectors(self) -> np.ndarray:
        """(vectors, dim) float32, as stored: every chunk's own vector in row order, then the
        windows' of row 0, of row 1, ... (for tools that study them; the search never needs it)."""
        keys = self._vectors.keys[self._place]
        counts = self._vectors.counts[self._place]
        stored = self._vectors.vectors(keys)
        if not len(stored):
            return np.zeros((0, self.manifest.dim), dtype=np.float32)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        own = np.zeros(len(stored), dtype=bool)
        own[starts] = True
        return np.concatenate([stored[own], stored[~own]])

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


def describe_model(identity: dict[str, str]) -> str:
    name = identity.get("name", "?")
    weights = identity.get("weights_sha256", "")
    described = f"{name} (weights {weights[:12]})" if weights and weights != "none" else name
    backend = identity.get("backend")  # absent: torch, as before there was a choice
    return f"{described} on {backend}, {identity.get('optimisation', '')}" if backend else described
