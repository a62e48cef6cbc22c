"""Embedders: the protocol the index and assistant use, and a fast fake for tests.

The real model lives in ``_model.py`` and is only imported when built, so that
``import index`` and ``import assistant`` never load torch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from ..text.normalize import pairs


class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors; inner product is cosine."""

    @property
    def identity(self) -> dict[str, str]:
        """What produced the vectors (name, weights hash): stored in the manifest."""
        ...

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, normalised."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32, normalised."""
        ...


class HashEmbedder:
    """Hashes character unigrams and bigrams into a small normalised vector.

    Chinese has no spaces, so bigrams carry most of the meaning a fake can have:
    a query about 嘉善 really lands near the chunk about 嘉善. Deterministic and
    fast; for tests and for trying the pipeline without the model.
    """

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim

    @property
    def identity(self) -> dict[str, str]:
        return {"name": f"hash-bigram-{self._dim}", "weights_sha256": "none"}

    @property
    def dim(self) -> int:
        return self._dim

    def _one(self, text: str) -> np.ndarray:
        v = np.zeros(self._dim, dtype=np.float32)
        t = "".join(text.split()).lower()
        grams = list(t) + pairs(t)
        for g in grams:
            h = hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest()
            v[int.from_bytes(h[:4], "little") % self._dim] += 1.0 if h[4] & 1 else -1.0
        n = float(np.linalg.norm(v))
        return v / n if n > 0 else v

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return np.stack([self._one(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._one(text)
