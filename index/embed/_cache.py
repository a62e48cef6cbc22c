"""Vectors already computed, so that a rebuild embeds only text it has never seen.

One SQLite file beside the index versions (``index_dir/embeddings.sqlite``), keyed by the model's
identity (name, weights hash, and backend where it is not torch) and the sha256 of the exact text
embedded. A changed chunker that cuts the same passages therefore re-embeds nothing, and two models
never share a vector. After each build only the vectors of the live version's texts stay (prune).

The cache is never required for correctness: a missing file is an empty cache, and a damaged one
is replaced by a new, empty one (with a note), which only costs re-embedding. WAL mode keeps it
consistent when a build is killed half-way, and what that build embedded before dying is kept.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from ..files import sha256_hex

CACHE_FILE = "embeddings.sqlite"
# Models that differ only in how they run (backend, optimisation) give different vectors; their
# identity's other fields join the weights column, so an identity of name and weights alone keeps
# the key it always had.
_WEIGHTS_ONLY = ("name", "weights_sha256")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL, weights TEXT NOT NULL, text_sha256 TEXT NOT NULL, vector BLOB NOT NULL,
    seen INTEGER NOT NULL DEFAULT 0,  -- the last build (PRAGMA user_version) whose index held the text
    PRIMARY KEY (model, weights, text_sha256)
)
"""
# A vector stays while its text was in one of the last this many built versions: a page removed and
# added back, or an edit undone, costs nothing, and text gone for good stops taking room.
KEEP_BUILDS = 3
# SQLite refuses statements with more parameters than this (32766 in current builds; be modest).
_LOOKUP_BATCH = 500


def text_key(text: str) -> str:
    """The cache key of an embedded text: sha256 of its UTF-8 bytes, as hex."""
    return sha256_hex(text)


class EmbeddingCache:
    """Vectors by (model identity, text key) for one model; ``notes`` says what went wrong, if anything."""

    def __init__(self, path: Path, identity: Mapping[str, str], dim: int) -> None:
        self.path = path
        self.notes: list[str] = []
        self._model = identity.get("name", "")
        extra = sorted((k, v) for k, v in identity.items() if k not in _WEIGHTS_ONLY)
        self._weights = identity.get("weights_sha256", "") + "".join(f"|{k}={v}" for k, v in extra)
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
            columns = {row[1] for row in con.execute("PRAGMA table_info(vectors)")}
            if "seen" not in columns:  # a cache from before pruning: its rows count as seen now
                con.execute("ALTER TABLE vectors ADD COLUMN seen INTEGER NOT NULL DEFAULT 0")
                con.execute("UPDATE vectors SET seen = (SELECT user_version FROM pragma_user_version)")
                con.commit()
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
        try:
            (build,) = self._con.execute("PRAGMA user_version").fetchone()
            rows = [
                (self._model, self._weights, k, np.asarray(v, dtype=np.float32).tobytes(), build)
                for k, v in zip(keys, vectors, strict=True)
            ]
            with self._con:
                self._con.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)", rows)
        except sqlite3.DatabaseError as e:
            self._failed(e)

    def prune(self, keep: Iterable[str]) -> int:
        """Mark the texts ``keep`` as held by a new build, then delete the vectors (of every model)
        of texts no build among the last KEEP_BUILDS held; return how many went.

        A build calls it once its new version is live, with every text that version holds. So the
        cache holds the live texts' vectors, by each model that embedded them (switching back to
        another model or backend costs nothing), and recently removed text for a while. The file
        is compacted when at least half of it was freed.
        """
        if self._con is None:
            return 0
        try:
            with self._con:
                (build,) = self._con.execute("PRAGMA user_version").fetchone()
                build += 1
                self._con.execute("CREATE TEMP TABLE IF NOT EXISTS keep (text_sha256 TEXT PRIMARY KEY)")
                self._con.execute("DELETE FROM keep")
                self._con.executemany("INSERT OR IGNORE INTO keep VALUES (?)", ((k,) for k in keep))
                self._con.execute(
                    "UPDATE vectors SET seen = ? WHERE text_sha256 IN (SELECT text_sha256 FROM keep)",
                    (build,),
                )
                self._con.execute("DROP TABLE keep")
                (before,) = self._con.execute("SELECT count(*) FROM vectors").fetchone()
                old = build - KEEP_BUILDS
                gone = self._con.execute("DELETE FROM vectors WHERE seen <= ?", (old,)).rowcount
                self._con.execute(f"PRAGMA user_version = {int(build)}")
            if gone and 2 * gone >= before:
                self._con.execute("VACUUM")
        except sqlite3.DatabaseError as e:
            self._failed(e)
            return 0
        return int(gone)

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
