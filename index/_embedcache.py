"""Vectors already computed, so that a rebuild embeds only text it has never seen.

One SQLite file beside the index versions (``index_dir/embeddings.sqlite``), keyed by the model's
identity (name and weights hash) and the sha256 of the exact text embedded. A changed chunker that
cuts the same passages therefore re-embeds nothing, and two models never share a vector.

The cache is never required for correctness: a missing file is an empty cache, and a damaged one
is replaced by a new, empty one (with a note), which only costs re-embedding. WAL mode keeps it
consistent when a build is killed half-way, and what that build embedded before dying is kept.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

CACHE_FILE = "embeddings.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL, weights TEXT NOT NULL, text_sha256 TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (model, weights, text_sha256)
)
"""
# SQLite refuses statements with more parameters than this (32766 in current builds; be modest).
_LOOKUP_BATCH = 500


def text_key(text: str) -> str:
    """The cache key of an embedded text: sha256 of its UTF-8 bytes, as hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors by (model identity, text key) for one model; ``notes`` says what went wrong, if anything."""

    def __init__(self, path: Path, identity: Mapping[str, str], dim: int) -> None:
        self.path = path
        self.notes: list[str] = []
        self._model = identity.get("name", "")
        self._weights = identity.get("weights_sha256", "")
        self._dim = dim
        self._con: sqlite3.Connection | None = None
        try:
            self._con = self._open()
        except sqlite3.DatabaseError as e:
            self._reset(e)

    def _open(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode survives a killed process; only a power cut may lose the last batches.
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute(_SCHEMA)
            con.execute("SELECT 1 FROM vectors LIMIT 1").fetchall()
        except BaseException:
            con.close()
            raise
        return con

    def _reset(self, error: sqlite3.DatabaseError) -> None:
        # Only builds use the cache and a build holds the index lock, so nothing else has it open.
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        try:
            self._con = self._open()
            self.notes.append(f"the embedding cache {self.path} was unreadable ({error}); started a new one")
        except sqlite3.DatabaseError as e:
            self._con = None
            self.notes.append(f"the embedding cache {self.path} cannot be used ({e}); embedding without it")

    def _failed(self, error: sqlite3.DatabaseError) -> None:
        self.close()
        self.notes.append(f"the embedding cache {self.path} failed ({error}); embedding without it")

    def get(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors among ``keys``; a vector of the wrong size counts as missing."""
        found: dict[str, np.ndarray] = {}
        wanted = list(dict.fromkeys(keys))
        for i in range(0, len(wanted), _LOOKUP_BATCH):
            if self._con is None:
                break
            batch = wanted[i : i + _LOOKUP_BATCH]
            marks = ",".join("?" * len(batch))
            try:
                rows = self._con.execute(
                    "SELECT text_sha256, vector FROM vectors WHERE model = ? AND weights = ? "
                    f"AND text_sha256 IN ({marks})",
                    (self._model, self._weights, *batch),
                ).fetchall()
            except sqlite3.DatabaseError as e:
                self._failed(e)
                break
            for key, blob in rows:
                if len(blob) == 4 * self._dim:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors[i]`` under ``keys[i]``, committed at once: a later crash keeps them."""
        if self._con is None:
            return
        rows = [
            (self._model, self._weights, k, np.asarray(v, dtype=np.float32).tobytes())
            for k, v in zip(keys, vectors, strict=True)
        ]
        try:
            with self._con:
                self._con.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
        except sqlite3.DatabaseError as e:
            self._failed(e)

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


def cached_vectors(path: Path) -> int:
    """How many vectors the cache at ``path`` holds, for every model; 0 when it is missing or unreadable."""
    if not path.is_file():
        return 0
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            (n,) = con.execute("SELECT count(*) FROM vectors").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return 0
    return int(n)
