"""Hybrid ranking: the dense and the lexical leg fused into one score, each distinct text once.

- **fusion** (``fuse``): a passage's cosine with the question, plus a weight times its BM25 over
  the most the question's tokens can score (``LEXICAL_WEIGHT``; less for an English question);
- **distinct hits** (``distinct_hits``): the pages repeat paragraphs, captions and column tails,
  so a passage that adds next to nothing to a better-ranked one (``near_duplicate``) is shown once;
- **what the verdict reads** (``for_verdict``): the best passages' cosines and lexical shares.
"""

from __future__ import annotations

import functools
from collections.abc import Set
from dataclasses import dataclass, field, replace

import numpy as np

from index import LoadedIndex
from index.text import char_bigrams

from ..verdict import Ranked, Reading
from ._results import Hit

__all__ = [
    "DENSE_SPREAD",
    "EVIDENCE_PASSAGES",
    "Candidates",
    "Fused",
    "Query",
    "distinct_hits",
    "for_verdict",
    "fuse",
    "lexical_scores",
    "near_duplicate",
]

# Hybrid ranking: cosine + weight × (the passage's BM25 over the most the question's tokens can
# score, each at its best passage). Dividing by the question's best BM25 instead gave the full bonus
# to a passage that shares one common word with the question (兄弟姐妹 for 破产姐妹), pushing down
# the dense leg's right answer; over the attainable score, one common word earns little. Chosen on
# cmrc_xquad (hit@1 0.974 at 0.1, 0.973 at 0.2, 0.971 at 0.3; 0.972 for the old fusion at 0.1) and
# seed_dev (0.961 at every weight): the smallest of the best, for the sets where the dense leg alone
# is strongest. English questions reach the archive's words through CC-CEDICT and pinyin, weaker
# evidence than a Chinese question's own: 0.05, chosen on xquad_en (hit@1 0.767 dense only, 0.869
# at 0.05, 0.850 at 0.1, 0.807 at 0.2; docs/benchmarks.md).
LEXICAL_WEIGHT = 0.1
ENGLISH_LEXICAL_WEIGHT = 0.05
EVIDENCE_PASSAGES = 3  # the verdict looks for the question's terms in the best three passages
DENSE_SPREAD = 20  # the dense leg's top passages a best passage is compared with
# A passage adding at most this share of new character bigrams to a better-ranked one is a repeat.
NEAR_DUPLICATE_NEW = 0.1


@dataclass(frozen=True, kw_only=True)
class Query:
    """One question as the ranking scores it: its vector, the BM25 of each row (``lexical``: 0 for
    the rows the filter leaves out; ``every``: whatever the filter) and the most its tokens can
    score together, the rows ``allowed`` (None: all), and the legs used (``mode``)."""

    vector: np.ndarray
    lexical: np.ndarray
    every: np.ndarray
    possible: float
    chinese: bool = True
    mode: str = "hybrid"
    allowed: np.ndarray | None = None

    def unfiltered(self) -> Query:
        """The same question over the whole archive."""
        return replace(self, lexical=self.every, allowed=None)

    @property
    def weight(self) -> float:
        return LEXICAL_WEIGHT if self.chinese else ENGLISH_LEXICAL_WEIGHT

    def share(self, row: int) -> float:
        """The row's BM25 over the attainable score (0-1): what the fusion adds, weighted."""
        if self.possible <= 0 or not self.lexical.size:
            return 0.0
        return min(1.0, float(self.lexical[row]) / self.possible)


@dataclass(frozen=True, kw_only=True)
class Fused:
    """Rows by fused score, best first, the dense cosines known (by row), and the dense leg's top
    DENSE_SPREAD cosines (none in lexical mode)."""

    scored: list[tuple[int, float]]
    dense: dict[int, float]
    spread: list[float]


@dataclass(kw_only=True)
class Candidates:
    """A question's distinct hits and their rows, with what the fusion knew of them (``Fused``)."""

    dense: dict[int, float]
    spread: list[float]
    hits: list[Hit] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


def lexical_scores(index: LoadedIndex, reading: Reading) -> tuple[np.ndarray, float]:
    """BM25 of every chunk for the question read, and the most its tokens can score together.

    A Chinese question is scored on its own tokens. An English question's words stand for
    several archive words each (CC-CEDICT's senses, pinyin): each word scores a passage by its
    best-scoring stand-in, so that a word with ten translations does not count ten times."""
    lexical = index.lexical
    if lexical is None or not len(lexical) or not reading.terms:
        return np.zeros(len(lexical) if lexical is not None else 0, dtype=np.float32), 0.0
    if reading.chinese:
        tokens = lexical.lexicon.tokens(reading.text)
        return lexical.token_scores(tokens), lexical.best_possible(tokens)
    total = np.zeros(len(lexical), dtype=np.float32)
    possible = 0.0
    for term in reading.terms:
        if term.tokens:
            best = lexical.per_token(term.tokens).max(axis=0)
            total += best
            possible += float(best.max())
    return total, possible


def _cosines(index: LoadedIndex, query: Query, rows: list[int]) -> dict[int, float]:
    """The dense cosines of rows the dense leg did not rank (the lexical leg did)."""
    if not rows:
        return {}
    return dict(zip(rows, map(float, index.similarity(query.vector, rows)), strict=True))


def fuse(index: LoadedIndex, query: Query, want: int) -> Fused:
    """The dense top ``want`` and the lexical top ``want`` of the rows allowed, by fused score
    (the dense leg's top cosines whatever ``want`` is, so that the verdict does not depend on k)."""
    lexical = query.lexical
    if query.mode == "lexical":
        scored = [(int(r), float(lexical[r])) for r in np.argsort(-lexical)[:want] if lexical[r] > 0]
        return Fused(scored=scored, dense={}, spread=[])
    nearest = index.search(query.vector, max(want, DENSE_SPREAD), allowed=query.allowed)
    dense = dict(nearest[:want])
    scores = dict(dense)
    if query.mode == "hybrid" and lexical.size and query.possible > 0 and float(lexical.max()) > 0:
        top = [int(r) for r in np.argsort(-lexical)[:want] if lexical[r] > 0]
        dense.update(_cosines(index, query, [r for r in top if r not in dense]))
        scores = {r: c + query.weight * query.share(r) for r, c in dense.items()}
    scored = sorted(scores.items(), key=lambda rs: -rs[1])
    return Fused(scored=scored, dense=dense, spread=[c for _, c in nearest[:DENSE_SPREAD]])


@functools.lru_cache(maxsize=20_000)  # the same candidates are compared question after question
def _bigrams(text: str) -> frozenset[str]:
    return frozenset(char_bigrams(text))


def near_duplicate(grams: Set[str], better: Set[str]) -> bool:
    """The pages repeat paragraphs, captions and column tails: show such a passage once. A chunk
    that overlaps the one before it (DEFAULT_OVERLAP) but adds sentences of its own is kept.

    >>> repeat = char_bigrams("为职工提供场所,初步打响了工会的名声。")
    >>> near_duplicate(char_bigrams("初步打响了工会的名声。"), repeat)
    True
    >>> more = char_bigrams("初步打响了工会的名声。此后又成立了爱心联盟。")
    >>> near_duplicate(more, char_bigrams("初步打响了工会的名声。"))
    False
    """
    return len(grams - better) <= max(2, NEAR_DUPLICATE_NEW * len(grams))


def distinct_hits(index: LoadedIndex, query: Query, k: int) -> Candidates:
    """Up to ``k`` hits among the rows allowed, each distinct text once, best first."""
    # Pages repeat text (a caption printed twice, a repeated paragraph), so fetch more than k
    # and widen the net until k distinct texts are found or the rows allowed are exhausted.
    available = len(index) if query.allowed is None else int(query.allowed.sum())
    want = min(available, 2 * k + 8)
    while True:
        fused = fuse(index, query, want)
        found = Candidates(dense=fused.dense, spread=fused.spread)
        kept: list[frozenset[str]] = []
        for row, score in fused.scored:
            chunk, issue = index.passage(row)
            grams = _bigrams(chunk.text)
            if any(near_duplicate(grams, other) for other in kept):
                continue
            kept.append(grams)
            found.rows.append(row)
            found.hits.append(Hit(rank=len(found.hits) + 1, score=round(score, 4), chunk=chunk, issue=issue))
            if len(found.hits) == k:
                return found
        if want >= available:
            return found
        want = min(available, want * 4)


def for_verdict(index: LoadedIndex, found: Candidates, query: Query, sentences: tuple[float, ...]) -> Ranked:
    """The best EVIDENCE_PASSAGES as the verdict reads them (see Ranked), with the cosines of the
    best one's measured sentences (``sentences``)."""
    rows = found.rows[:EVIDENCE_PASSAGES]
    dense = found.dense | _cosines(index, query, [r for r in rows if r not in found.dense])
    return Ranked(
        passages=tuple(f"{h.title}\n{h.section}\n{h.text}" for h in found.hits[:EVIDENCE_PASSAGES]),
        cosines=tuple(dense[r] for r in rows),
        coverage=tuple(query.share(r) for r in rows),
        dense_top=tuple(found.spread),
        sentences=sentences,
    )
