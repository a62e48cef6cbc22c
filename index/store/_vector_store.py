"""The interface every kind of vector store keeps (after txtai's ``ann/base.py``): passages under
keys, each with one or more vectors (its own, then its windows'), searched by its best one, with
FAISS ids mapping back to keys; the kinds themselves are in ``_vectors``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import faiss
import numpy as np

FILES = ("index.faiss", "passages.npy")


class VectorStore(ABC):
    """Passages' vectors: ``add``, ``search`` (a passage scores its best vector), ``remove``,
    ``save``, ``open_store``, and ``len`` (passages). Thread-safe for searches; ``add`` and
    ``remove`` are for a build, which owns its copy."""

    kind: ClassVar[str]
    exact: ClassVar[bool]  # whether vectors are kept as given (else approximately, in fewer bytes)

    def __init__(self, index: Any, keys: np.ndarray, counts: np.ndarray) -> None:
        """``keys`` sorted ascending; ``counts[i]`` vectors belong to ``keys[i]``."""
        self._index = index
        self._keys = np.asarray(keys, dtype=np.int64)
        self._counts = np.asarray(counts, dtype=np.int64)
        self._fanout = int(self._counts.max(initial=1))

    @property
    def dim(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def vector_count(self) -> int:
        return int(self._index.ntotal)

    @property
    def keys(self) -> np.ndarray:
        """Every passage's key, ascending (positions in this order index ``allowed`` masks)."""
        return self._keys

    @property
    def counts(self) -> np.ndarray:
        """How many vectors each passage of ``keys`` has."""
        return self._counts

    def positions(self, keys: np.ndarray) -> np.ndarray:
        """Where ``keys`` stand in ``self.keys``; KeyError if one is not there."""
        keys = np.asarray(keys, dtype=np.int64)
        at = np.searchsorted(self._keys, keys)
        if len(keys) and (
            (at >= len(self._keys)).any() or (self._keys[np.minimum(at, len(self) - 1)] != keys).any()
        ):
            raise KeyError("a key that is not in the store")
        return at

    # --- changing ----------------------------------------------------------------------------------

    def add(self, vectors: np.ndarray, counts: Sequence[int]) -> np.ndarray:
        """Add passages: ``counts[i]`` rows of ``vectors`` each, in order; return their new keys."""
        counts_ = np.asarray(counts, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if (counts_ < 1).any() or int(counts_.sum()) != len(vectors):
            raise ValueError(f"{len(vectors)} vectors for passages of {int(counts_.sum())} in all")
        if not len(counts_):
            return np.zeros(0, dtype=np.int64)
        start = int(self._keys[-1] + self._counts[-1]) if len(self) else 0
        ids = np.arange(start, start + len(vectors), dtype=np.int64)
        keys = ids[np.concatenate([[0], np.cumsum(counts_)[:-1]])]
        self._add(vectors, ids)
        self._keys = np.concatenate([self._keys, keys])
        self._counts = np.concatenate([self._counts, counts_])
        self._fanout = int(self._counts.max(initial=1))
        return keys

    def remove(self, keys: Sequence[int] | np.ndarray) -> None:
        """Remove passages and all their vectors; KeyError for a key not in the store."""
        at = self.positions(np.unique(np.asarray(keys, dtype=np.int64)))
        if not len(at):
            return
        ids = _expand(self._keys[at], self._counts[at])
        removed = self._index.remove_ids(faiss.IDSelectorBatch(ids))
        if removed != len(ids):
            raise RuntimeError(f"removed {removed} vectors of {len(ids)}")
        keep = np.ones(len(self), dtype=bool)
        keep[at] = False
        self._keys, self._counts = self._keys[keep], self._counts[keep]
        self._fanout = int(self._counts.max(initial=1))

    # --- searching ---------------------------------------------------------------------------------

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` passages nearest ``query`` as (key, inner product), best first, each scoring
        its best vector. ``allowed``, a boolean mask over ``keys``, limits the search to those
        passages; it returns ``min(k, allowed passages)`` of them (all of them when k is larger)."""
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        if q.shape[1] != self.dim:
            raise ValueError(f"query vector has {q.shape[1]} dimensions, the store {self.dim}")
        if allowed is not None and allowed.shape != (len(self),):
            raise ValueError(f"allowed mask of shape {allowed.shape} for {len(self)} passages")
        passages = len(self) if allowed is None else int(allowed.sum())
        k = min(k, passages)
        if k <= 0:
            return []
        if allowed is None or passages == len(self):
            selected, bitmap, vectors = None, None, self.vector_count
        else:
            ids = _expand(self._keys[allowed], self._counts[allowed])
            bitmap = _bitmap(ids)
            selected = faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap))
            vectors = len(ids)
        # Each of the k best passages has at most _fanout vectors, so its best vector is among the
        # best k * _fanout vectors: exact for an exact index.
        fetch = min(k * self._fanout, vectors)
        share = vectors / max(self.vector_count, 1)
        found = self._fold(*self._search(q, fetch, selected, share, exhaustive=False))
        if len(found) < k:
            # An approximate search can miss: it scanned cells holding fewer than k allowed
            # passages. Scanning all of them cannot.
            found = self._fold(*self._search(q, fetch, selected, share, exhaustive=True))
        del bitmap  # FAISS read it through a raw pointer until here
        return found[:k]

    def similarity(self, query: np.ndarray, keys: Sequence[int] | np.ndarray) -> np.ndarray:
        """Inner product of ``query`` with each passage of ``keys`` (its best vector), in order."""
        keys = np.asarray(keys, dtype=np.int64)
        if not len(keys):
            return np.zeros(0, dtype=np.float32)
        allowed = np.zeros(len(self), dtype=bool)
        allowed[self.positions(keys)] = True
        best = dict(self.search(query, int(allowed.sum()), allowed))
        return np.array([best[int(key)] for key in keys], dtype=np.float32)

    def _fold(self, scores: np.ndarray, ids: np.ndarray) -> list[tuple[int, float]]:
        """Vector hits, best first, to passage hits: each passage at its best vector's place."""
        ok = ids >= 0
        scores, ids = scores[ok], ids[ok]
        owners = self._keys[np.searchsorted(self._keys, ids, side="right") - 1]
        _, first = np.unique(owners, return_index=True)
        first.sort()
        return [(int(owners[i]), float(scores[i])) for i in first]

    # --- reading back ------------------------------------------------------------------------------

    def vectors(self, keys: Sequence[int] | np.ndarray) -> np.ndarray:
        """The vectors of the passages of ``keys``, each passage's in order, one passage after
        another (as decoded: exact for flat, as coded for ivf)."""
        at = self.positions(np.asarray(keys, dtype=np.int64))
        ids = _expand(self._keys[at], self._counts[at])
        return self._decode(ids)

    def nbytes(self) -> int:
        """Memory held: the FAISS index as written, and the keys and counts of the passages."""
        return len(faiss.serialize_index(self._index)) + self._keys.nbytes + self._counts.nbytes

    def save(self, folder: Path) -> list[Path]:
        """Write the store into ``folder`` (FILES); return the files written, for the caller to fsync."""
        folder.mkdir(parents=True, exist_ok=True)
        index_file, passages_file = (folder / name for name in FILES)
        faiss.write_index(self._index, str(index_file))
        with open(passages_file, "wb") as f:
            np.save(f, np.stack([self._keys, self._counts]) if len(self) else np.zeros((2, 0), np.int64))
        return [index_file, passages_file]

    @abstractmethod
    def params(self) -> dict[str, str | int]:
        """What the manifest records of the store: its kind and parameters."""

    @abstractmethod
    def suits(self, vectors: int) -> bool:
        """Whether the store still fits an index of this many vectors (else a build makes a new one)."""

    def _add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        self._index.add_with_ids(vectors, ids)

    @abstractmethod
    def _search(
        self, q: np.ndarray, fetch: int, selected: Any, share: float, *, exhaustive: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the ``fetch`` best vectors among ``selected`` (None: all), which
        hold ``share`` of the vectors."""

    @abstractmethod
    def _decode(self, ids: np.ndarray) -> np.ndarray: ...


def _expand(keys: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Every vector id of the passages: key, key + 1, ... for each.

    >>> _expand(np.array([0, 5]), np.array([2, 3])).tolist()
    [0, 1, 5, 6, 7]
    """
    counts = np.asarray(counts, dtype=np.int64)
    starts = np.repeat(np.asarray(keys, dtype=np.int64) - np.cumsum(counts) + counts, counts)
    return starts + np.arange(int(counts.sum()), dtype=np.int64)


def _bitmap(ids: np.ndarray) -> np.ndarray:
    """A bitmap of ``ids`` as FAISS's IDSelectorBitmap reads it (bit ``i & 7`` of byte ``i >> 3``)."""
    bits = np.zeros(int(ids.max(initial=-1)) + 1, dtype=bool)
    bits[ids] = True
    return np.packbits(bits, bitorder="little")
