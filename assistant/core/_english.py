"""The dense leg for an English question: hubs discounted, and a Chinese gloss searched beside it.

A Chinese question is searched as it always was. An English one sits far from every Chinese
passage, and in a large archive a few passages (hubs) sit near every English question, whatever
it asks; they take the top of question after question. Two corrections, both only for English:

- **the hub discount** (CSLS-style): a passage's dense score is its cosine less HUB_WEIGHT times
  its hub score, the mean cosine of its nearest generic English questions, measured at build
  time (``index.build._hubness``; an index built without them gets no discount);
- **the gloss**: the question's terms carried into the archive's own Chinese words through the
  dictionary bridge (``index.text.gloss``), embedded with the question in one pass, its cosine
  fused at GLOSS_WEIGHT: the dense leg then also searches in Chinese, where the hubs are not hubs.

The candidates are the nearest DENSE_POOL passages of each vector, so that the discount can
bring up a passage the raw cosine ranks below the hubs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index import Embedder, Filter, Store
from index.text import gloss

from ..verdict import Reading

__all__ = [
    "DENSE_POOL",
    "GLOSS_WEIGHT",
    "HUB_WEIGHT",
    "EnglishDense",
    "english_dense",
    "question_vectors",
]

# Fit on held-out template questions (index.build._hubness.held_out_questions: the share of the
# most frequent top-3 passage, the share judged found) and seed_dev's English questions over the
# seed pages and over seed + distractors (hit@1, hit@5, unanswerable caught), never on xquad_en
# (docs/benchmarks.md, "English in a large archive"). Any weight from 0.5 removes the hub (top-3
# share 0.72 → 0.04); 1.0 with the gloss at 0.5 judged fewest held-out questions found (0.20)
# while seed_dev kept hit@5 1.0 on both archives and its two English unanswerables caught.
HUB_WEIGHT = 1.0
GLOSS_WEIGHT = 0.5
# Passages each vector brings as candidates before the discount reorders them.
DENSE_POOL = 100


@dataclass(frozen=True)
class EnglishDense:
    """An English question's second vector (its gloss; None when no term has a stand-in) and the
    weights its dense score is made with."""

    gloss: np.ndarray | None
    hub_weight: float = HUB_WEIGHT
    gloss_weight: float = GLOSS_WEIGHT

    def scores(
        self, store: Store, vector: np.ndarray, ids: Sequence[int], known: dict[int, float]
    ) -> np.ndarray:
        """The dense score of passages: (1 − g)·cosine + g·the gloss's cosine − w·hub score.
        ``known``: cosines with ``vector`` already measured, by id."""
        ids = list(ids)
        if not ids:
            return np.zeros(0, dtype=np.float32)
        missing = [i for i in ids if i not in known]
        cos = dict(known)
        if missing:
            cos.update(zip(missing, map(float, store.similarity(vector, missing)), strict=True))
        out = np.array([cos[i] for i in ids], dtype=np.float64)
        if self.gloss is not None and self.gloss_weight:
            out = (1 - self.gloss_weight) * out + self.gloss_weight * store.similarity(self.gloss, ids)
        if self.hub_weight:
            out = out - self.hub_weight * store.hub_scores(ids)
        return out.astype(np.float32)

    def top(self, store: Store, vector: np.ndarray, k: int, where: Filter | None) -> list[tuple[int, float]]:
        """The ``k`` passages of best dense score among the nearest DENSE_POOL of either vector."""
        pool = max(k, DENSE_POOL)
        nearest = store.dense_top(vector, pool, where)
        known = dict(nearest)
        ids = list(known)
        if self.gloss is not None:
            ids.extend(r for r, _ in store.dense_top(self.gloss, pool, where) if r not in known)
        scored = zip(ids, map(float, self.scores(store, vector, ids, known)), strict=True)
        return sorted(scored, key=lambda rs: -rs[1])[:k]


def question_vectors(
    embedder: Embedder, text: str, reading: Reading, store: Store, mode: str
) -> tuple[np.ndarray, EnglishDense | None]:
    """The question's vector, and for an English question searched by the dense leg, its
    EnglishDense (the gloss embedded in the same pass)."""
    if reading.chinese or mode == "lexical" or not text:
        return embedder.embed_query(text), None
    return english_dense(embedder, text, reading, store)


def english_dense(
    embedder: Embedder, text: str, reading: Reading, store: Store
) -> tuple[np.ndarray, EnglishDense]:
    vocabulary = store.vocabulary
    said = ""
    if vocabulary is not None:
        said = gloss([(t.text, t.tokens) for t in reading.terms], vocabulary.idf)
    # The weights are read here, not bound as defaults: scripts/bench_hubness.py varies them.
    if not said:
        return embedder.embed_query(text), EnglishDense(None, HUB_WEIGHT, GLOSS_WEIGHT)
    batch = getattr(embedder, "embed_queries", None)
    if batch is not None:
        vectors = np.asarray(batch([text, said]), dtype=np.float32)
        return vectors[0], EnglishDense(vectors[1], HUB_WEIGHT, GLOSS_WEIGHT)
    return embedder.embed_query(text), EnglishDense(embedder.embed_query(said), HUB_WEIGHT, GLOSS_WEIGHT)
