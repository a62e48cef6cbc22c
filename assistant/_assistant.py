"""Answer questions from a saved index: ranked passages with exact citations."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index import Document, Embedder, LoadedIndex, Settings, embedder_for, load, make_embedder

# "found": does the archive appear to answer the question? Calibrated on the dev questions
# (docs/benchmarks.md). Cosines of multilingual-e5 crowd into 0.75-0.95 whatever the question, so
# for a question with words in the index the evidence is lexical: the best raw BM25 score of a
# passage must reach FOUND_MIN_BM25. A question with no word in the index (English) is judged on
# the cosine alone.
FOUND_MIN_BM25 = 4.0
FOUND_MIN_COSINE = 0.78
# Longer questions are cut before embedding: the model reads at most 512 tokens anyway, and a
# pasted page as a question should still get an answer rather than an error.
MAX_QUESTION_CHARS = 1000
MAX_K = 100
# Hybrid ranking: cosine + LEXICAL_WEIGHT * BM25 / (best BM25 for this question). Chosen on the dev
# sets (docs/benchmarks.md): BM25 alone finds exact names and numbers, dense alone paraphrases and
# English; a question whose words match nothing lexically keeps the pure dense order.
LEXICAL_WEIGHT = 0.2
MODES = ("hybrid", "dense", "lexical")


class InvalidQuery(ValueError):
    """A question or ``k`` that cannot be searched; the message says what to change."""


class EmptyQuestion(InvalidQuery):
    def __init__(self) -> None:
        super().__init__("the question is empty; ask something, e.g. 嘉善县总工会怎样创建“工人先锋号”？")


@dataclass(frozen=True)
class Hit:
    """One ranked passage and where it is: ``source`` lines ``line_start``-``line_end``,
    characters ``start``-``end`` of the document's text."""

    rank: int
    score: float
    text: str
    source: str
    title: str
    section: str
    start: int
    end: int
    line_start: int
    line_end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SearchResult:
    question: str
    found: bool  # the archive appears to answer the question: see judge_found
    hits: list[Hit]

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "found": self.found, "hits": [h.to_dict() for h in self.hits]}


def judge_found(best_cosine: float, best_bm25: float) -> bool:
    """Whether the archive appears to answer a question, from its best dense and lexical scores.

    >>> judge_found(0.93, 12.6), judge_found(0.92, 3.8), judge_found(0.81, 0.0)
    (True, False, True)
    """
    if best_bm25 > 0:
        return best_bm25 >= FOUND_MIN_BM25
    return best_cosine >= FOUND_MIN_COSINE


NEAR_DUPLICATE = 0.8  # share of a passage's character bigrams found in a better-ranked one


def _bigrams(text: str) -> set[str]:
    t = "".join(text.split())
    return {t[i : i + 2] for i in range(len(t) - 1)} or {t}


def _near_duplicate(grams: set[str], better: set[str]) -> bool:
    """The pages repeat paragraphs, captions and column tails: show such a passage once.

    >>> _near_duplicate(_bigrams("初步打响了工会的名声。"), _bigrams("为职工提供场所,初步打响了工会的名声。"))
    True
    """
    return len(grams & better) >= NEAR_DUPLICATE * min(len(grams), len(better))


class Assistant:
    """Searches one loaded index with the embedder that built it."""

    def __init__(self, index: LoadedIndex, embedder: Embedder) -> None:
        index.check_embedder(embedder)
        self.index = index
        self._embedder = embedder

    @classmethod
    def open(
        cls, index_dir: Path | str, embedder: Embedder | None = None, settings: Settings | None = None
    ) -> Assistant:
        """Load the index under ``index_dir``. Without an embedder, build the model that
        ``settings.model`` names, or else the one named in the index's manifest."""
        index = load(Path(index_dir))
        try:
            if embedder is None:
                settings = settings or Settings()
                if settings.model:
                    embedder = make_embedder(settings.model, settings.cache_dir)
                else:
                    embedder = embedder_for(index.manifest.model, settings.cache_dir)
            return cls(index, embedder)
        except BaseException:
            index.close()
            raise

    def search(self, question: str, k: int = 10, *, mode: str = "hybrid") -> SearchResult:
        """The ``k`` passages nearest the question, best first, each distinct text once.

        ``mode`` is ``hybrid`` (the default), or ``dense`` / ``lexical`` for one leg alone (to
        compare them). Only the first MAX_QUESTION_CHARS characters of the question are used.
        """
        if mode not in MODES:
            raise InvalidQuery(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise InvalidQuery(f"k must be a whole number from 1 to {MAX_K}, not {k!r}")
        if not question.strip():
            raise EmptyQuestion()
        query = question.strip()[:MAX_QUESTION_CHARS]
        if self.index.lexical is not None:
            # The archive is in simplified script; a question typed in traditional (臺灣, 總工會)
            # is searched in simplified, and the passages are shown as written.
            query = self.index.lexical.lexicon.simplify(query)
        vector = self._embedder.embed_query(query)
        hits = self._distinct_hits(query, vector, k, mode)
        lexical = self.index.lexical.scores(query) if self.index.lexical is not None else None
        best_bm25 = float(lexical.max()) if lexical is not None and lexical.size else 0.0
        best_cosine = self.index.search(vector, 1)[0][1] if len(self.index) else 0.0
        return SearchResult(question, bool(hits) and judge_found(best_cosine, best_bm25), hits)

    def _ranked(self, query: str, vector: Any, want: int, mode: str) -> list[tuple[int, float]]:
        """Rows by fused score: the dense top ``want`` and the lexical top ``want``, best first."""
        lexical = self.index.lexical.scores(query) if self.index.lexical is not None else None
        if mode == "lexical":
            if lexical is None or not lexical.size:
                return []
            return [(int(r), float(lexical[r])) for r in np.argsort(-lexical)[:want] if lexical[r] > 0]
        scores = dict(self.index.search(vector, want))
        if mode == "hybrid" and lexical is not None and lexical.size and float(lexical.max()) > 0:
            top = [int(r) for r in np.argsort(-lexical)[:want] if lexical[r] > 0]
            missing = [r for r in top if r not in scores]
            scores.update(zip(missing, map(float, self.index.similarity(vector, missing)), strict=True))
            norm = lexical / float(lexical.max())
            scores = {r: s + LEXICAL_WEIGHT * float(norm[r]) for r, s in scores.items()}
        return sorted(scores.items(), key=lambda rs: -rs[1])

    def _distinct_hits(self, query: str, vector: Any, k: int, mode: str) -> list[Hit]:
        # Pages repeat text (a caption printed twice, a repeated paragraph), so fetch more than k
        # and widen the net until k distinct texts are found or the index is exhausted.
        want = min(len(self.index), 2 * k + 8)
        while True:
            hits: list[Hit] = []
            kept: list[set[str]] = []
            for row, score in self._ranked(query, vector, want, mode):
                c = self.index.chunk(row)
                grams = _bigrams(c.text)
                if any(_near_duplicate(grams, other) for other in kept):
                    continue
                kept.append(grams)
                hits.append(
                    Hit(len(hits) + 1, round(score, 4), c.text, c.source, c.title, c.section,
                        c.start, c.end, c.line_start, c.line_end)
                )  # fmt: skip
                if len(hits) == k:
                    return hits
            if want >= len(self.index):
                return hits
            want = min(len(self.index), want * 4)

    def document(self, source: str) -> Document:
        """The full text of a cited source (``Hit.source``); UnknownSource if there is none."""
        return self.index.document(source)

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
