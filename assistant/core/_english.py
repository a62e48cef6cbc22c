"""The dense leg for an English question: hubs discounted.

A Chinese question is searched as it always was. An English one sits far from every Chinese
passage, and in a large archive a few passages (hubs) sit near every English question, whatever
it asks; they take the top of question after question. The correction, for English questions
only, is CSLS's (Conneau et al., 2018): a passage's dense score is its cosine less HUB_WEIGHT times
its hub score, its mean cosine with generic English questions measured at build time
(``index.build._hubness``; an index built without them gets no discount). The candidates are the
nearest DENSE_POOL passages, so that the discount can bring up a passage the raw cosine ranks
below the hubs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index import Embedder, Filter, Store

from ..verdict import Reading

__all__ = ["DENSE_POOL", "HUB_WEIGHT", "EnglishDense", "question_vectors"]

# Chosen on the xquad_en questions of even-numbered XQuAD articles (325), asked of the seed pages
# with the 2,930 distractor articles (where one passage was in the top 3 of 87% of them) and of
# cmrc_xquad's paragraphs (their own archive, no hub): the smallest weight, in steps of 0.05, that
# brings the most frequent passage's top-3 share to 5% or under (0.046; CSLS's own 0.5 left 0.105),
# at a cost of hit@1 0.877 → 0.865 over cmrc_xquad. Reported on the odd-numbered articles, notfound
# and seed_dev (docs/benchmarks.md, "English in a large archive"). A Chinese gloss of the question
# searched beside it took the share a little lower but cost more hit@1: not used.
HUB_WEIGHT = 0.6
# Passages the vector brings as candidates before the discount reorders them.
DENSE_POOL = 100


@dataclass(frozen=True)
class EnglishDense:
    """How an English question's dense score is made: the cosine less ``hub_weight`` × the
    passage's hub score."""

    hub_weight: float = HUB_WEIGHT

    def scores(
        self, store: Store, vector: np.ndarray, ids: Sequence[int], known: dict[int, float]
    ) -> np.ndarray:
        """The dense score of passages (``known``: cosines with ``vector`` already measured, by id)."""
        ids = list(ids)
        if not ids:
            return np.zeros(0, dtype=np.float32)
        missing = [i for i in ids if i not in known]
        cos = dict(known)
        if missing:
            cos.update(zip(missing, map(float, store.similarity(vector, missing)), strict=True))
        out = np.array([cos[i] for i in ids], dtype=np.float64)
        if self.hub_weight:
            out = out - self.hub_weight * store.hub_scores(ids)
        return out.astype(np.float32)

    def top(self, store: Store, vector: np.ndarray, k: int, where: Filter | None) -> list[tuple[int, float]]:
        """The ``k`` passages of best dense score among the vector's nearest DENSE_POOL."""
        known = dict(store.dense_top(vector, max(k, DENSE_POOL), where))
        ids = list(known)
        scored = zip(ids, map(float, self.scores(store, vector, ids, known)), strict=True)
        return sorted(scored, key=lambda rs: -rs[1])[:k]


def question_vectors(
    embedder: Embedder, text: str, reading: Reading, mode: str
) -> tuple[np.ndarray, EnglishDense | None]:
    """The question's vector, and for an English question searched by the dense leg, how its
    dense score is made (the weight read now: scripts/bench_hubness.py varies it)."""
    vector = embedder.embed_query(text)
    if reading.chinese or mode == "lexical" or not text:
        return vector, None
    return vector, EnglishDense(HUB_WEIGHT)
