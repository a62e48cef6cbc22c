"""Answer questions from a saved index: ranked passages with exact citations."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import numpy as np

from index import (
    Document,
    Embedder,
    IndexProblem,
    LoadedIndex,
    Manifest,
    Settings,
    embedder_for,
    load,
    make_embedder,
)

from ._found import KEY_TERM_PASSAGES, judge_found, key_terms, unmatched_terms

# Longer questions are cut before embedding: the model reads at most 512 tokens anyway, and a
# pasted page as a question should still get an answer rather than an error.
MAX_QUESTION_CHARS = 1000
MAX_K = 100
# Hybrid ranking: cosine + LEXICAL_WEIGHT * BM25 / (best BM25 for this question). Chosen on the dev
# sets (docs/benchmarks.md): BM25 alone finds exact names and numbers, dense alone paraphrases and
# English; a question whose words match nothing lexically keeps the pure dense order.
LEXICAL_WEIGHT = 0.1
MODES = ("hybrid", "dense", "lexical")


class InvalidQuery(ValueError):
    """A question or ``k`` that cannot be searched; the message says what to change."""


def check_k(k: object) -> None:
    """Raise InvalidQuery unless ``k`` is a whole number of passages from 1 to MAX_K."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InvalidQuery(f"k must be a whole number from 1 to {MAX_K}, not {k!r}")


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
    found: bool  # the archive appears to answer the question: see _found.py
    hits: list[Hit]
    # The question's specific terms (names, numbers, quoted words) that none of the best passages
    # contains: why it was judged not found.
    unmatched: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "found": self.found,
            "unmatched": list(self.unmatched),
            "hits": [h.to_dict() for h in self.hits],
        }


def is_chinese(text: str) -> bool:
    """Whether most of a question's letters are Chinese characters.

    >>> is_chinese("信息港的“e港青友”是谁办的？"), is_chinese("Who runs the 'e港青友' brand?")
    (True, False)
    """
    letters = [c for c in text if c.isalnum()]
    return sum("\u4e00" <= c <= "\u9fff" for c in letters) >= 0.5 * max(len(letters), 1)


# A passage adding at most this share of new character bigrams to a better-ranked one is a repeat.
NEAR_DUPLICATE_NEW = 0.1


def _bigrams(text: str) -> set[str]:
    t = "".join(text.split())
    return {t[i : i + 2] for i in range(len(t) - 1)} or {t}


def _near_duplicate(grams: set[str], better: set[str]) -> bool:
    """The pages repeat paragraphs, captions and column tails: show such a passage once. A chunk
    that overlaps the one before it (DEFAULT_OVERLAP) but adds sentences of its own is kept.

    >>> _near_duplicate(_bigrams("初步打响了工会的名声。"), _bigrams("为职工提供场所,初步打响了工会的名声。"))
    True
    >>> more = _bigrams("初步打响了工会的名声。此后又成立了爱心联盟。")
    >>> _near_duplicate(more, _bigrams("初步打响了工会的名声。"))
    False
    """
    return len(grams - better) <= max(2, NEAR_DUPLICATE_NEW * len(grams))


_log = logging.getLogger(__name__)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _on_live_index(
    method: Callable[Concatenate[Assistant, _P], _R],
) -> Callable[Concatenate[Assistant, _P], _R]:
    """Run ``method`` on the live index, the same one throughout: a rebuild switching versions
    mid-query must not mix one version's rows with another's texts."""

    @functools.wraps(method)
    def on_live(self: Assistant, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        self._pinned.index = self._fresh_index()
        try:
            return method(self, *args, **kwargs)
        finally:
            self._pinned.index = None

    return on_live


class Assistant:
    """Searches the live index with the embedder that built it, following rebuilds without a restart."""

    def __init__(self, index: LoadedIndex, embedder: Embedder) -> None:
        index.check_embedder(embedder)
        self._current = index
        self._embedder = embedder
        self._pinned = threading.local()  # .index: the version this thread's query uses
        self._swap = threading.Lock()
        self._refused: str | None = None  # a version that cannot be used; asked about once

    @property
    def index(self) -> LoadedIndex:
        """The version this thread's query is using, or else the latest one loaded."""
        pinned = getattr(self._pinned, "index", None)
        return self._current if pinned is None else pinned

    def _fresh_index(self) -> LoadedIndex:
        """The loaded index, or the newer version a build has switched to since: reloaded here.

        A query costs one read of CURRENT's few bytes. One thread loads while the others keep
        answering from the old version, which closes when its last query ends (reference count).
        A newer version that cannot be used (another model, damage) is logged once and skipped.
        """
        current = self._current
        newer = current.newer_version()
        if newer is None or newer == self._refused or not self._swap.acquire(blocking=False):
            return current
        try:
            if self._current is not current:
                return self._current
            fresh = load(current.index_dir)
            try:
                fresh.check_embedder(self._embedder)
            except IndexProblem:
                fresh.close()
                raise
            self._current = fresh
            return fresh
        except IndexProblem as e:
            self._refused = newer
            _log.warning("still answering from %s: %s", current.version.name, e)
            return current
        finally:
            self._swap.release()

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

    @_on_live_index
    def search(self, question: str, k: int = 10, *, mode: str = "hybrid") -> SearchResult:
        """The ``k`` passages nearest the question, best first, each distinct text once.

        ``mode`` is ``hybrid`` (the default), or ``dense`` / ``lexical`` for one leg alone (to
        compare them). Only the first MAX_QUESTION_CHARS characters of the question are used.
        """
        if mode not in MODES:
            raise InvalidQuery(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        check_k(k)
        if not question.strip():
            raise EmptyQuestion()
        query = question.strip()[:MAX_QUESTION_CHARS]
        if self.index.lexical is not None:
            # The archive is in simplified script; a question typed in traditional (臺灣, 總工會)
            # is searched in simplified, and the passages are shown as written.
            query = self.index.lexical.lexicon.simplify(query)
        vector = self._embedder.embed_query(query)
        # Scored once: BM25 covers every chunk, and both the ranking and "found" need it.
        lexical = self.index.lexical.scores(query) if self.index.lexical is not None else np.zeros(0)
        chinese = is_chinese(query)
        # "found" looks at the first KEY_TERM_PASSAGES passages whatever k is.
        hits, top = self._distinct_hits(vector, lexical, chinese, max(k, KEY_TERM_PASSAGES), mode)
        unmatched: list[str] = []
        if chinese and self.index.lexical is not None:
            lexicon = self.index.lexical.lexicon
            best = [f"{h.title}\n{h.section}\n{h.text}" for h in hits[:KEY_TERM_PASSAGES]]
            unmatched = unmatched_terms(key_terms(query, lexicon), best, lexicon)
        best_bm25 = float(lexical.max()) if lexical.size else 0.0
        # Only a question in another language is judged on its best cosine, and its dense ranking
        # (kept as it is, see _ranked) starts with it.
        best_cosine = 0.0
        if not chinese and hits:
            best_cosine = top if mode != "lexical" else self.index.search(vector, 1)[0][1]
        found = bool(hits) and judge_found(best_cosine, best_bm25, chinese, unmatched)
        return SearchResult(question, found, hits[:k], tuple(unmatched))

    def _ranked(
        self, vector: Any, lexical: np.ndarray, chinese: bool, want: int, mode: str
    ) -> list[tuple[int, float]]:
        """Rows by fused score: the dense top ``want`` and the lexical top ``want``, best first."""
        if mode == "lexical":
            return [(int(r), float(lexical[r])) for r in np.argsort(-lexical)[:want] if lexical[r] > 0]
        scores = dict(self.index.search(vector, want))
        # A question that is not mostly Chinese keeps the dense order: its few Latin words match
        # stray English in the news (NBA, ESPN) and would push the passages that answer it down.
        if mode == "hybrid" and chinese and lexical.size and float(lexical.max()) > 0:
            top = [int(r) for r in np.argsort(-lexical)[:want] if lexical[r] > 0]
            missing = [r for r in top if r not in scores]
            scores.update(zip(missing, map(float, self.index.similarity(vector, missing)), strict=True))
            norm = lexical / float(lexical.max())
            scores = {r: s + LEXICAL_WEIGHT * float(norm[r]) for r, s in scores.items()}
        return sorted(scores.items(), key=lambda rs: -rs[1])

    def _distinct_hits(
        self, vector: Any, lexical: np.ndarray, chinese: bool, k: int, mode: str
    ) -> tuple[list[Hit], float]:
        """Up to ``k`` hits, and the best score of the ranking (unrounded)."""
        # Pages repeat text (a caption printed twice, a repeated paragraph), so fetch more than k
        # and widen the net until k distinct texts are found or the index is exhausted.
        want = min(len(self.index), 2 * k + 8)
        while True:
            hits: list[Hit] = []
            kept: list[set[str]] = []
            ranked = self._ranked(vector, lexical, chinese, want, mode)
            top = ranked[0][1] if ranked else 0.0
            for row, score in ranked:
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
                    return hits, top
            if want >= len(self.index):
                return hits, top
            want = min(len(self.index), want * 4)

    @_on_live_index
    def manifest(self) -> Manifest:
        """What the live index holds and what built it, following a rebuild since the last query."""
        return self.index.manifest

    @_on_live_index
    def document(self, source: str) -> Document:
        """The full text of a cited source (``Hit.source``); UnknownSource if there is none."""
        return self.index.document(source)

    def close(self) -> None:
        self._current.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
