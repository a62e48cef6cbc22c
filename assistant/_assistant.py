"""Answer questions from a saved index: ranked passages with exact citations."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index import Document, Embedder, LoadedIndex, Settings, embedder_for, load, make_embedder

# A top score at or above this means the archive probably answers the question. Placeholder:
# multilingual-e5 cosines crowd into 0.7-0.9 for anything in Chinese; to be calibrated on
# the answerable and unanswerable questions of the dev set.
FOUND_MIN_SCORE = 0.80
# Longer questions are cut before embedding: the model reads at most 512 tokens anyway, and a
# pasted page as a question should still get an answer rather than an error.
MAX_QUESTION_CHARS = 1000
MAX_K = 100
# Hybrid ranking: cosine + LEXICAL_WEIGHT * BM25 / (best BM25 for this question). Chosen on the dev
# sets (docs/benchmarks.md): BM25 alone finds exact names and numbers, dense alone paraphrases and
# English; a question whose words match nothing lexically keeps the pure dense order.
LEXICAL_WEIGHT = 0.2


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
    found: bool  # the best score reaches FOUND_MIN_SCORE
    hits: list[Hit]

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "found": self.found, "hits": [h.to_dict() for h in self.hits]}


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

    def search(self, question: str, k: int = 10) -> SearchResult:
        """The ``k`` passages nearest the question, best first, each distinct text once.

        Only the first MAX_QUESTION_CHARS characters of the question are embedded.
        """
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise InvalidQuery(f"k must be a whole number from 1 to {MAX_K}, not {k!r}")
        if not question.strip():
            raise EmptyQuestion()
        query = question.strip()[:MAX_QUESTION_CHARS]
        vector = self._embedder.embed_query(query)
        hits = self._distinct_hits(query, vector, k)
        found = bool(hits) and hits[0].score >= FOUND_MIN_SCORE
        return SearchResult(question, found, hits)

    def _ranked(self, query: str, vector: Any, want: int) -> list[tuple[int, float]]:
        """Rows by fused score: the dense top ``want`` and the lexical top ``want``, best first."""
        scores = dict(self.index.search(vector, want))
        lexical = self.index.lexical.scores(query) if self.index.lexical is not None else None
        if lexical is not None and lexical.size and float(lexical.max()) > 0:
            top = [int(r) for r in np.argsort(-lexical)[:want] if lexical[r] > 0]
            missing = [r for r in top if r not in scores]
            scores.update(zip(missing, map(float, self.index.similarity(vector, missing)), strict=True))
            norm = lexical / float(lexical.max())
            scores = {r: s + LEXICAL_WEIGHT * float(norm[r]) for r, s in scores.items()}
        return sorted(scores.items(), key=lambda rs: -rs[1])

    def _distinct_hits(self, query: str, vector: Any, k: int) -> list[Hit]:
        # Pages repeat text (a caption printed twice, a repeated paragraph), so fetch more than k
        # and widen the net until k distinct texts are found or the index is exhausted.
        want = min(len(self.index), 2 * k + 8)
        while True:
            hits: list[Hit] = []
            seen: set[str] = set()
            for row, score in self._ranked(query, vector, want):
                c = self.index.chunk(row)
                key = "".join(c.text.split())
                if key in seen:
                    continue
                seen.add(key)
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
