"""The lexical leg in Milvus: the same jieba + bigram tokens and the same BM25 (bm25s's Lucene
variant, k1 1.5, b 0.75) as the local store, split so that Milvus can compute it.

BM25 of a passage for a question is a sum over the question's tokens of idf(token) times the
passage's term-frequency component ``tf / (tf + k1 (1 - b + b len / avglen))``. The second factor
is the passage's own: each passage's own row stores it as a sparse vector (one dimension per
token). The first is the archive's: each token's document frequency lives in ``<name>_stats``,
so a question is a sparse vector of idf weights, computed from collection-wide counts (not
per segment), and Milvus's inner product is the BM25. A fresh build scores exactly as the local
store; after an update, older passages keep the average length of their build (it moves little).

Each stats row also keeps its values from before the build that last changed it: readers use those
while that build is pending, and the next build puts them back if it was killed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..text import Lexicon, pinyin_key
from ._milvus_client import Client, in_list
from ._milvus_schema import DUMMY, Names
from ._milvus_state import State

__all__ = ["K1", "B", "MilvusVocabulary", "StatsChange", "doc_weights", "pinyin_of"]

K1, B = 1.5, 0.75  # bm25s's defaults, which the local store uses
EMPTY = {0: 1.0}  # dimension 0 is no token: Milvus wants a weight in every sparse vector
_MAX_TOKEN = 250
_HAN = re.compile(r"[\u4e00-\u9fff]{2,6}")
_BATCH = 2000


def pinyin_of(token: str) -> str:
    """The toneless pinyin an English question may spell the token as (archive words of 2-6 Han
    characters, as the local store's table)."""
    return pinyin_key(token) if _HAN.fullmatch(token) else ""


def doc_weights(tokens: Sequence[str], dims: Mapping[str, int], avglen: float) -> dict[int, float]:
    """A passage's sparse vector: each token's term-frequency component, computed as bm25s does (in
    float32), so that idf times it is bm25s's stored score."""
    counts = Counter(t for t in tokens if t in dims)
    if not counts or avglen <= 0:
        return dict(EMPTY)
    tf = np.array(list(counts.values()), dtype=np.float32)
    tfc = tf / (K1 * ((1 - B) + B * len(tokens) / avglen) + tf)
    return {dims[t]: float(w) for t, w in zip(counts, tfc, strict=True)}


def idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _value(row: dict[str, Any], live: int) -> tuple[int, int, float]:
    """(dimension, df, best weight) as of the live generation: a later build's change is not yet."""
    if int(row["gen"]) > live:
        return int(row["dim"]), int(row["prev_df"]), float(row["prev_maxw"])
    return int(row["dim"]), int(row["df"]), float(row["maxw"])


_FIELDS = ["token", "dim", "df", "maxw", "gen", "prev_df", "prev_maxw", "prev_gen"]


def read_stats(client: Client, names: Names, tokens: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stats rows of these tokens, as stored."""
    wanted = sorted({t for t in tokens if len(t) <= _MAX_TOKEN})
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(wanted), _BATCH):
        # A filter of our own quoting, not get(ids=): pymilvus quotes string ids without escaping (')
        batch = wanted[i : i + _BATCH]
        for row in client.query(names.stats, in_list("token", batch), _FIELDS, limit=len(batch)):
            out[row["token"]] = row
    return out


class StatsChange:
    """What one build does to the token statistics: dimensions for its new tokens, document
    frequencies up for the passages it adds and down for those it removes, best weights up."""

    def __init__(self, client: Client, names: Names, gen: int, next_dim: int, *, full: bool = False) -> None:
        """``full``: the build rewrites every passage, so each best weight is set anew (else it
        only grows: a removal leaves it an upper bound)."""
        self.client, self.names, self.gen, self.full = client, names, gen, full
        self.next_dim = next_dim
        self.rows: dict[str, dict[str, Any]] = {}
        self.df: Counter[str] = Counter()
        self.best: dict[str, float] = {}

    def dims(self, tokens: Iterable[str]) -> dict[str, int]:
        """Each token's sparse dimension, new ones numbered from ``next_dim``."""
        wanted = {t for t in tokens if len(t) <= _MAX_TOKEN}
        missing = [t for t in wanted if t not in self.rows]
        self.rows.update(read_stats(self.client, self.names, missing))
        out = {}
        for t in sorted(wanted):
            row = self.rows.get(t)
            if row is None:
                row = {
                    "token": t,
                    "dim": self.next_dim,
                    "df": 0,
                    "maxw": 0.0,
                    "gen": 0,
                    "prev_df": 0,
                    "prev_maxw": 0.0,
                    "prev_gen": 0,
                    "new": True,
                }
                self.rows[t] = row
                self.next_dim += 1
            out[t] = int(row["dim"])
        return out

    def add(self, weights: dict[int, float], tokens: Sequence[str], dims: Mapping[str, int]) -> None:
        for t in {t for t in tokens if t in dims}:
            self.df[t] += 1
            self.best[t] = max(self.best.get(t, 0.0), weights[dims[t]])

    def remove(self, tokens: Sequence[str]) -> None:
        """A passage leaves: its tokens' frequencies go down (their best weight stays an upper
        bound until a full build)."""
        for t in {t for t in tokens if len(t) <= _MAX_TOKEN}:
            self.df[t] -= 1

    def write(self) -> None:
        """Insert the new tokens' rows and upsert every other changed token's, keeping its values
        from before (an upsert costs a delete and an insert: Lite takes new rows 3 times faster)."""
        self.dims(self.df)  # rows of the tokens only removed
        new: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for t, delta in self.df.items():
            row = self.rows[t]
            if not delta and t not in self.best:
                continue
            best = self.best.get(t, 0.0)
            (new if row.get("new") else changed).append(
                {
                    "token": t,
                    "dim": int(row["dim"]),
                    "df": max(0, int(row["df"]) + delta),
                    "maxw": best if self.full else max(float(row["maxw"]), best),
                    "gen": self.gen,
                    "prev_df": int(row["df"]),
                    "prev_maxw": float(row["maxw"]),
                    "prev_gen": int(row["gen"]),
                    "pinyin": pinyin_of(t),
                    "v": DUMMY,
                }
            )
        for rows, write in ((new, self.client.insert), (changed, self.client.upsert)):
            for i in range(0, len(rows), _BATCH):
                write(self.names.stats, rows[i : i + _BATCH])


def undo_stats(client: Client, names: Names, gen: int) -> None:
    """Put back what a killed build ``gen`` changed in the token statistics."""
    rows = client.query_all(names.stats, f"gen == {gen}", [*_FIELDS, "pinyin"])
    gone = [r["token"] for r in rows if int(r["prev_gen"]) == 0 and int(r["prev_df"]) == 0]
    back = [
        {**r, "df": r["prev_df"], "maxw": r["prev_maxw"], "gen": r["prev_gen"], "v": DUMMY}
        for r in rows
        if r["token"] not in set(gone)
    ]
    client.delete_ids(names.stats, gone)
    client.upsert(names.stats, back)


class _Pinyin(Mapping[str, list[str]]):
    """The archive's words by their pinyin, looked up in the stats when asked."""

    def __init__(self, vocabulary: MilvusVocabulary) -> None:
        self._v = vocabulary
        self._found: dict[str, list[str]] = {}

    def __getitem__(self, key: str) -> list[str]:
        if key not in self._found:
            rows = (
                self._v.client.query(self._v.names.stats, f'pinyin == "{key}"', _FIELDS)
                if key.isalnum()
                else []
            )
            live = self._v.state.live
            self._found[key] = sorted(r["token"] for r in rows if _value(r, live)[1] > 0)
        if not self._found[key]:
            raise KeyError(key)
        return self._found[key]

    def __iter__(self) -> Any:
        return iter(self._found)

    def __len__(self) -> int:
        return len(self._found)


class MilvusVocabulary:
    """What the verdict and the lexical leg need of the archive's tokens (as LexicalIndex gives
    it locally): the lexicon, whether a token occurs, its idf and best weight, the pinyin table;
    looked up in ``<name>_stats`` and kept for the state it was read in."""

    def __init__(self, client: Client, names: Names, state: State, lexicon: Lexicon, passages: int) -> None:
        self.client, self.names, self.state = client, names, state
        self.lexicon = lexicon
        self._n = passages
        self._known: dict[str, tuple[int, int, float]] = {}  # token -> (dim, df, best weight); df 0: absent
        self.pinyin: Mapping[str, list[str]] = _Pinyin(self)

    def prefetch(self, tokens: Iterable[str]) -> None:
        """Look up these tokens at once (each lookup otherwise costs a round trip)."""
        missing = {t for t in tokens if t not in self._known}
        if not missing:
            return
        found = read_stats(self.client, self.names, missing)
        live = self.state.live
        for t in missing:
            self._known[t] = _value(found[t], live) if t in found else (0, 0, 0.0)

    def _get(self, token: str) -> tuple[int, int, float]:
        self.prefetch([token])
        return self._known[token]

    def __len__(self) -> int:
        return self._n

    def __contains__(self, token: object) -> bool:
        return isinstance(token, str) and self._get(token)[1] > 0

    def idf(self, token: str) -> float:
        """BM25's idf of the token (ln(1 + (N - df + 0.5) / (df + 0.5))), as LexicalIndex.idf."""
        return float(np.log1p((self._n - self._get(token)[1] + 0.5) / (self._get(token)[1] + 0.5)))

    def dim(self, token: str) -> int | None:
        dim, df, _ = self._get(token)
        return dim if df > 0 else None

    def weight(self, token: str) -> float:
        """The token's idf as bm25s stores it (float32): a question's sparse weight."""
        df = self._get(token)[1]
        return float(np.float32(idf(df, self._n))) if df > 0 else 0.0

    def maximum(self, token: str) -> float:
        """The most the token scores in one passage (idf times its best weight), as the local
        store's token maxima."""
        _, df, best = self._get(token)
        return float(np.float32(self.weight(token)) * np.float32(best)) if df > 0 else 0.0
