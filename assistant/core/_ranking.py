"""Hybrid ranking: the dense and the lexical leg fused into one score, each distinct text once.

- **fusion** (``fuse``): a passage's cosine with the question, plus a weight times its BM25 over
  the most the question's tokens can score (``LEXICAL_WEIGHT``; less for an English question);
- **distinct hits** (``distinct_hits``): the pages repeat paragraphs, captions and column tails,
  so a passage that adds next to nothing to a better-ranked one (``near_duplicate``) is shown once;
- **what the verdict reads** (``for_verdict``): the best passages' cosines and lexical shares.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence, Set
from dataclasses import dataclass, field, replace

import numpy as np

from index import Filter, LexicalQuery, Store, UnknownSource
from index.text import char_bigrams

from ..verdict import Ranked, Reading
from ._english import EnglishDense
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
    "lexical_query",
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
    """One question as the ranking scores it: its vector, its BM25 tokens (``lexical``; None: no
    lexical leg) and the most they can score together, the passages ``where`` lets through (None:
    all) and how many those are, the legs used (``mode``), and the BM25 of the passages seen so far
    (``bm25``, by id: the store is asked for each passage once a question)."""

    vector: np.ndarray
    lexical: LexicalQuery | None
    possible: float
    chinese: bool = True
    mode: str = "hybrid"
    where: Filter | None = None
    available: int = 0
    bm25: dict[int, float] = field(default_factory=dict)
    # An English question's dense leg (hubs discounted); None: the cosine.
    english: EnglishDense | None = None

    def dense_top(self, store: Store, k: int) -> list[tuple[int, float]]:
        """The dense leg's ``k`` best passages among those let through, as (id, dense score)."""
        if self.english is not None:
            return self.english.top(store, self.vector, k, self.where)
        return store.dense_top(self.vector, k, self.where)

    def unfiltered(self, store: Store) -> Query:
        """The same question over the whole archive."""
        return replace(self, where=None, available=len(store))

    @property
    def weight(self) -> float:
        return LEXICAL_WEIGHT if self.chinese else ENGLISH_LEXICAL_WEIGHT

    def share(self, row: int) -> float:
        """The passage's BM25 over the attainable score (0-1): what the fusion adds, weighted
        (``known`` must have seen it)."""
        if self.possible <= 0 or self.lexical is None:
            return 0.0
        return min(1.0, self.bm25.get(row, 0.0) / self.possible)

    def known(self, store: Store, rows: Sequence[int]) -> None:
        """Ask the store for the BM25 of the passages not yet seen."""
        missing = [r for r in dict.fromkeys(rows) if r not in self.bm25]
        if self.lexical is not None and missing:
            self.bm25.update(
                zip(missing, map(float, store.lexical_scores(self.lexical, missing)), strict=True)
            )


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


def lexical_query(store: Store, reading: Reading) -> tuple[LexicalQuery | None, float]:
    """The question's BM25 tokens, and the most they can score together (None, 0 without a
    lexical leg or terms).

    A Chinese question is scored on its own tokens. An English question's words stand for
    several archive words each (CC-CEDICT's senses, pinyin): each word scores a passage by its
    best-scoring stand-in, so that a word with ten translations does not count ten times."""
    vocabulary = store.vocabulary
    if vocabulary is None or not len(vocabulary) or not reading.terms:
        return None, 0.0
    if reading.chinese:
        query = LexicalQuery.of_tokens(vocabulary.lexicon.tokens(reading.text))
    else:
        query = LexicalQuery.of_terms([t.tokens for t in reading.terms if t.tokens])
    return query, store.attainable(query)


def _cosines(store: Store, query: Query, rows: list[int]) -> dict[int, float]:
    """The dense scores of passages the dense leg did not rank (the lexical leg did)."""
    if not rows:
        return {}
    if query.english is not None:
        return dict(zip(rows, map(float, query.english.scores(store, query.vector, rows, {})), strict=True))
    return dict(zip(rows, map(float, store.similarity(query.vector, rows)), strict=True))


def fuse(store: Store, query: Query, want: int) -> Fused:
    """The dense top ``want`` and the lexical top ``want`` of the passages let through, by fused
    score (the dense leg's top cosines whatever ``want`` is, so that the verdict does not depend on k)."""
    if query.mode == "lexical":
        scored = store.lexical_top(query.lexical, want, query.where) if query.lexical is not None else []
        query.bm25.update(scored)
        return Fused(scored=scored, dense={}, spread=[])
    nearest = query.dense_top(store, max(want, DENSE_SPREAD))
    dense = dict(nearest[:want])
    scores = dict(dense)
    if query.mode == "hybrid" and query.lexical is not None and query.possible > 0:
        top = store.lexical_top(query.lexical, want, query.where)  # positive scores only
        if top:
            query.bm25.update(top)
            dense.update(_cosines(store, query, [r for r, _ in top if r not in dense]))
            query.known(store, list(dense))
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


def distinct_hits(store: Store, query: Query, k: int) -> Candidates:
    """Up to ``k`` hits among the passages let through, each distinct text once, best first."""
    # Pages repeat text (a caption printed twice, a repeated paragraph), so fetch more than k
    # and widen the net until k distinct texts are found or the passages let through are exhausted.
    available = query.available
    want = min(available, 2 * k + 8)
    while True:
        fused = fuse(store, query, want)
        found = Candidates(dense=fused.dense, spread=fused.spread)
        kept: list[frozenset[str]] = []
        texts = store.passages([row for row, _ in fused.scored])  # one request for all of them
        for (row, score), (chunk, issue) in zip(fused.scored, texts, strict=True):
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


def for_verdict(store: Store, found: Candidates, query: Query, sentences: tuple[float, ...]) -> Ranked:
    """The best EVIDENCE_PASSAGES as the verdict reads them (see Ranked), with the cosines of the
    best one's measured sentences (``sentences``)."""
    rows = found.rows[:EVIDENCE_PASSAGES]
    query.known(store, rows)
    if query.english is not None:
        # The verdict compares the question's cosines with its sentences' (``sentences``): on one
        # scale, the plain cosine's, not the ranking's discounted score.
        cosines = tuple(map(float, store.similarity(query.vector, rows)))
        spread = tuple(c for _, c in store.dense_top(query.vector, DENSE_SPREAD, query.where))
    else:
        dense = found.dense | _cosines(store, query, [r for r in rows if r not in found.dense])
        cosines, spread = tuple(dense[r] for r in rows), tuple(found.spread)
    return Ranked(
        passages=tuple(f"{h.title}\n{h.section}\n{h.text}" for h in found.hits[:EVIDENCE_PASSAGES]),
        before=_article_before(store, found.hits[0]) if found.hits else "",
        cosines=cosines,
        coverage=tuple(query.share(r) for r in rows),
        dense_top=spread,
        sentences=sentences,
    )


def _article_before(store: Store, hit: Hit) -> str:
    """What the passage's article says before it, when the passage has no title of its own: a news
    article given without a title names its subject in its opening (台风“杜苏芮” in the lead, not in
    the paragraph further on that answers), as a page's article does in the title read from the page."""
    if hit.title or hit.chunk.start == 0:
        return ""
    try:
        document = store.document(hit.source)
    except UnknownSource:
        return ""
    return "" if document.is_page else document.text[: hit.chunk.start]
