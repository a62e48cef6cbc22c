"""The passages' vectors behind one small interface (after txtai's ``ann/base.py``).

A passage has one or more vectors: its own, then one per sentence window (``index.split.passage_texts`` gives
their texts, in that order, and is the one place that layout is defined), and it scores by its
best one. The store names each passage by a *key*, the FAISS id of its first vector; the others
follow it (key + 1, ...). Keys stay valid from one version of the index to the next, so a build
removes the passages that are gone, adds the new ones and leaves the rest in place.

Two kinds, chosen by size (``kind_for``):

- ``flat``: exact inner product over float32 vectors, up to FLAT_MAX_VECTORS vectors.
- ``ivf``: an inverted file of about 4 * sqrt(n) cells (txtai's rule) over scalar-quantised
  vectors (``codec``: ``fp16``, 768 bytes a 384-dimensional vector instead of 1,536, or ``8bit``,
  384 bytes); the ``nprobe`` cells nearest the question are searched. ``remove`` deletes from the
  inverted lists, so no tombstones are kept. 16 bits, not 8: at a million vectors the 8-bit codes'
  rounding reorders near-equal passages (recall@10 0.954 against 0.997; docs/benchmarks.md).

Every search can be restricted to some passages (``allowed``): FAISS skips the others while it
scans, so a restriction that leaves three passages in a million returns those three, and a
restricted IVF search probes more cells in proportion to what it skips, up to all of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from ._vector_store import FILES, VectorStore

__all__ = [
    "FLAT_MAX_VECTORS",
    "FlatStore",
    "IvfStore",
    "VectorStore",
    "create_store",
    "kind_for",
    "open_store",
]

# Below this many vectors the exact flat index costs little (77 MB and a few milliseconds a
# question at the limit; docs/benchmarks.md) and every score is exact.
FLAT_MAX_VECTORS = 50_000
# An IVF index is trained again when the vectors have grown or shrunk this many times since: its
# cells then hold too many or too few vectors each for its nprobe.
IVF_REGROW = 4
# nprobe, the cells an IVF search scans: NPROBE_SHARE of them, at least NPROBE_MIN. Fitted with
# scripts/bench_scale.py on half of the held-out questions, where recall@10 against exact search
# reaches 0.99: at the threshold (50,000 vectors, the tiled vectors least unlike real ones) 128 of
# 894 cells; at a million, 1/16 of the cells (far more than enough there, and 6 ms). Reported on
# the other half (docs/benchmarks.md).
NPROBE_SHARE = 1 / 16
NPROBE_MIN = 128
# Training an IVF index clusters at most this many sampled vectors per cell.
TRAIN_PER_CELL = 40
TRAIN_ITERATIONS = 10
# An IVF store's codecs: FAISS's scalar quantiser type and index_factory name for each.
CODECS = {"fp16": (faiss.ScalarQuantizer.QT_fp16, "SQfp16"), "8bit": (faiss.ScalarQuantizer.QT_8bit, "SQ8")}
CODEC = "fp16"


def kind_for(vectors: int) -> str:
    """The store kind for this many vectors.

    >>> kind_for(1_000), kind_for(1_000_000)
    ('flat', 'ivf')
    """
    return FlatStore.kind if vectors <= FLAT_MAX_VECTORS else IvfStore.kind


class FlatStore(VectorStore):
    """Exact search over every vector, kept as float32."""

    kind = "flat"
    exact = True

    @classmethod
    def empty(cls, dim: int) -> FlatStore:
        return cls(faiss.IndexIDMap(faiss.IndexFlatIP(dim)), np.zeros(0), np.zeros(0))

    def params(self) -> dict[str, str | int]:
        return {"kind": self.kind}

    def suits(self, vectors: int) -> bool:
        return vectors <= FLAT_MAX_VECTORS

    def _search(
        self, q: np.ndarray, fetch: int, selected: Any, share: float, *, exhaustive: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        params: Any = None
        if selected is not None:
            params = faiss.SearchParameters()
            params.sel = selected
        scores, ids = self._index.search(q, fetch, params=params)
        return scores[0], ids[0]

    def _decode(self, ids: np.ndarray) -> np.ndarray:
        stored = faiss.vector_to_array(self._index.id_map)
        # IndexIDMap keeps ids in the order they were added, and keys only grow, so it is sorted.
        at = np.searchsorted(stored, ids)
        flat: Any = faiss.downcast_index(self._index.index)
        data = faiss.rev_swig_ptr(flat.get_xb(), self.vector_count * self.dim)
        return np.array(data.reshape(-1, self.dim)[at], dtype=np.float32)


class IvfStore(VectorStore):
    """An inverted file over scalar-quantised vectors: ``nlist`` cells, ``nprobe`` searched."""

    kind = "ivf"
    exact = False

    def __init__(self, index: Any, keys: np.ndarray, counts: np.ndarray, trained: int) -> None:
        super().__init__(index, keys, counts)
        self.trained = trained  # how many vectors the cells were fitted to

    @property
    def nlist(self) -> int:
        return int(self._index.nlist)

    @property
    def nprobe(self) -> int:
        return int(self._index.nprobe)

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        self._index.nprobe = max(1, min(int(value), self.nlist))

    @property
    def codec(self) -> str:
        return next(name for name, (qtype, _) in CODECS.items() if qtype == self._index.sq.qtype)

    @classmethod
    def trained_on(cls, sample: np.ndarray, vectors: int, codec: str = CODEC, seed: int = 0) -> IvfStore:
        """An empty store with cells for ``vectors`` vectors, fitted to ``sample`` (some of them)."""
        dim = sample.shape[1]
        nlist = cells_for(vectors)
        rng = np.random.default_rng(seed)
        if len(sample) > TRAIN_PER_CELL * nlist:
            sample = sample[np.sort(rng.choice(len(sample), TRAIN_PER_CELL * nlist, replace=False))]
        index: Any = faiss.index_factory(dim, f"IVF{nlist},{CODECS[codec][1]}", faiss.METRIC_INNER_PRODUCT)
        # The vectors themselves are coded, not their offsets from the cell's centre: then a
        # vector decodes the same whichever cell holds it.
        index.by_residual = False
        index.cp.niter = TRAIN_ITERATIONS
        index.cp.seed = seed
        index.cp.max_points_per_centroid = TRAIN_PER_CELL
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        index.nprobe = nprobe_for(nlist)
        return cls(index, np.zeros(0), np.zeros(0), vectors)

    def params(self) -> dict[str, str | int]:
        return {"kind": self.kind, "codec": self.codec, "nlist": self.nlist, "nprobe": self.nprobe,
                "trained": self.trained}  # fmt: skip

    def suits(self, vectors: int) -> bool:
        return (
            vectors > FLAT_MAX_VECTORS // 2
            and self.trained / IVF_REGROW <= vectors <= self.trained * IVF_REGROW
        )

    def _search(
        self, q: np.ndarray, fetch: int, selected: Any, share: float, *, exhaustive: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        # A restriction to a share of the vectors leaves that share in each cell, on average:
        # scanning nprobe / share cells finds as many allowed vectors as nprobe cells would
        # without it, and costs about as many distances, since FAISS skips the others unscored.
        nprobe = self.nlist if exhaustive else min(self.nlist, math.ceil(self.nprobe / max(share, 1e-12)))
        params: Any = faiss.SearchParametersIVF()
        params.nprobe = nprobe
        if selected is not None:
            params.sel = selected
        scores, ids = self._index.search(q, fetch, params=params)
        return scores[0], ids[0]

    def _decode(self, ids: np.ndarray) -> np.ndarray:
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        order = np.argsort(ids)
        wanted = ids[order]
        lists = self._index.invlists
        sq = self._index.sq
        code_size = int(self._index.code_size)
        for cell in range(self.nlist):
            size = lists.list_size(cell)
            if not size:
                continue
            stored = faiss.rev_swig_ptr(lists.get_ids(cell), size).copy()
            at = np.searchsorted(wanted, stored)
            hit = (at < len(wanted)) & (wanted[np.minimum(at, len(wanted) - 1)] == stored)
            if hit.any():
                codes = faiss.rev_swig_ptr(lists.get_codes(cell), size * code_size).reshape(size, code_size)
                out[order[at[hit]]] = sq.decode(np.ascontiguousarray(codes[hit]))
        return out


def cells_for(vectors: int) -> int:
    """IVF cells for this many vectors: about 4 * sqrt(n) (txtai's rule), with enough vectors in
    each to fit it (FAISS asks for 39).

    >>> cells_for(1_000_000), cells_for(100_000), cells_for(200)
    (4000, 1265, 5)
    """
    return max(1, min(round(4 * math.sqrt(vectors)), vectors // 39))


def nprobe_for(nlist: int) -> int:
    """The cells an IVF search of ``nlist`` cells scans.

    >>> nprobe_for(4000), nprobe_for(1265), nprobe_for(10)
    (250, 128, 10)
    """
    return min(nlist, max(NPROBE_MIN, round(nlist * NPROBE_SHARE)))


def create_store(
    vectors: np.ndarray, counts: Sequence[int], dim: int, kind: str | None = None, codec: str = CODEC
) -> tuple[VectorStore, np.ndarray]:
    """A new store of the kind that suits this many vectors (or ``kind``), holding the passages
    of ``vectors`` (``counts[i]`` rows each); and their keys."""
    kind = kind or kind_for(len(vectors))
    store: VectorStore
    if kind == FlatStore.kind:
        store = FlatStore.empty(dim)
    elif kind == IvfStore.kind:
        store = IvfStore.trained_on(vectors, len(vectors), codec)
    else:
        raise ValueError(f"no vector store of kind {kind!r}")
    return store, store.add(vectors, counts)


def open_store(folder: Path, params: dict[str, Any]) -> VectorStore:
    """The store saved in ``folder`` with these manifest parameters. Raises ValueError for a kind
    this program does not know, OSError or RuntimeError for missing or damaged files."""
    kind = params.get("kind")
    if kind not in (FlatStore.kind, IvfStore.kind) or (
        kind == IvfStore.kind and params.get("codec") not in CODECS
    ):
        raise ValueError(f"vectors of kind {kind!r}, which this program does not know")
    index = faiss.read_index(str(folder / FILES[0]))
    passages = np.load(folder / FILES[1], allow_pickle=False)
    if passages.ndim != 2 or passages.shape[0] != 2:
        raise ValueError(f"{FILES[1]} has shape {passages.shape}")
    keys, counts = passages[0], passages[1]
    if (np.diff(keys) <= 0).any() or (counts < 1).any() or int(counts.sum()) != index.ntotal:
        raise ValueError(f"{FILES[1]} does not describe the {index.ntotal} vectors of {FILES[0]}")
    if kind == FlatStore.kind:
        if not isinstance(index, faiss.IndexIDMap):
            raise ValueError(f"a flat store whose {FILES[0]} holds a {type(index).__name__}")
        return FlatStore(index, keys, counts)
    ivf: Any = index
    if (
        not isinstance(index, faiss.IndexIVFScalarQuantizer)
        or ivf.sq.qtype != CODECS[params.get("codec", "")][0]
    ):
        raise ValueError(
            f"an IVF store whose {FILES[0]} holds a {type(index).__name__} not coded as {params}"
        )
    ivf.nprobe = int(params.get("nprobe", nprobe_for(ivf.nlist)))
    return IvfStore(ivf, keys, counts, int(params.get("trained", ivf.ntotal)))
