"""Answer questions from a saved index: ranked passages with exact citations."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Sequence, Set
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import numpy as np

from index import (
    Document,
    Embedder,
    Filter,
    IndexProblem,
    LoadedIndex,
    Manifest,
    Settings,
    embedder_for,
    load,
    make_embedder,
)
from index.errors import EmptyQuestion, InvalidQuery
from index.text import Lexicon, char_bigrams, normalize, strip_markup

from ..verdict import (
    Ranked,
    Reading,
    SentenceVectors,
    answer_span,
    judge,
    measured_sentences,
    read_question,
    weigh,
)
from ._conversation import follow_up_query

# Longer questions are cut before embedding: the model reads at most 512 tokens anyway, and a
# pasted page as a question should still get an answer rather than an error.
MAX_QUESTION_CHARS = 1000
MAX_K = 100
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
MODES = ("hybrid", "dense", "lexical")
# How hits are ordered: by relevance, or the relevant ones newest first (see newest_first).
ORDERS = ("relevance", "newest")


def check_k(k: object) -> None:
    """Raise InvalidQuery unless ``k`` is a whole number of passages from 1 to MAX_K."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InvalidQuery(f"k must be a whole number from 1 to {MAX_K}, not {k!r}")


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
    # The sentence that answers the question, as (start, end) in ``text``; None when the verdict is
    # not found or no sentence mentions the question's terms.
    answer: tuple[int, int] | None = None
    # Where it was printed, as far as its document says: the issue date (ISO ``YYYY-MM-DD``), the
    # edition (``第3版``) and the 1-based page of a PDF; None when unknown.
    date: str | None = None
    edition: str | None = None
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["answer"] = list(self.answer) if self.answer else None
        return out


@dataclass(frozen=True)
class SearchResult:
    question: str
    found: bool  # the archive appears to answer the question: see _found.py
    hits: list[Hit]
    # The question's terms (names, numbers, quoted words first) that the best passage does not
    # mention: why it was judged not found.
    unmatched: tuple[str, ...] = ()
    confidence: float = 0.0  # the verdict's probability that the archive answers it (calibrated)
    # Why not found: "no_words" (nothing to search for), "unknown_words" (none the archive has),
    # "terms" (the best passage lacks a number of the question, or a name the archive has
    # elsewhere: another year, another place), "weak" (the evidence is too weak), "filtered" (no
    # passage has the dates and sources asked for); "" when found. With a filter, the verdict is on
    # the passages it lets through: whether that part of the archive answers the question.
    reason: str = ""
    # The forms of the question's terms as searched (normalised): what a passage shows marked.
    terms: tuple[str, ...] = ()
    # What was searched, when not the question itself: a follow-up with the questions before it.
    query: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "query": self.query or self.question,
            "found": self.found,
            "confidence": self.confidence,
            "reason": self.reason,
            "unmatched": list(self.unmatched),
            "terms": list(self.terms),
            "hits": [h.to_dict() for h in self.hits],
        }


# A passage adding at most this share of new character bigrams to a better-ranked one is a repeat.
NEAR_DUPLICATE_NEW = 0.1


@functools.lru_cache(maxsize=20_000)  # the same candidates are compared question after question
def _bigrams(text: str) -> frozenset[str]:
    return frozenset(char_bigrams(text))


def _near_duplicate(grams: Set[str], better: Set[str]) -> bool:
    """The pages repeat paragraphs, captions and column tails: show such a passage once. A chunk
    that overlaps the one before it (DEFAULT_OVERLAP) but adds sentences of its own is kept.

    >>> repeat = char_bigrams("为职工提供场所,初步打响了工会的名声。")
    >>> _near_duplicate(char_bigrams("初步打响了工会的名声。"), repeat)
    True
    >>> more = char_bigrams("初步打响了工会的名声。此后又成立了爱心联盟。")
    >>> _near_duplicate(more, char_bigrams("初步打响了工会的名声。"))
    False
    """
    return len(grams - better) <= max(2, NEAR_DUPLICATE_NEW * len(grams))


EVIDENCE_PASSAGES = 3  # the verdict looks for the question's terms in the best three passages
DENSE_SPREAD = 20  # the dense leg's top passages a best passage is compared with


def as_filter(
    since: str | date | None = None,
    until: str | date | None = None,
    sources: str | Sequence[str] | None = None,
) -> Filter:
    """The filter of a search's ``since``/``until``/``sources``; InvalidQuery (one line) for bad ones.

    >>> as_filter("2019-01-01", sources="002_").sources
    ('002_',)
    >>> as_filter("2019/1/1")
    Traceback (most recent call last):
    ...
    index.errors.InvalidFilter: since must be a date as YYYY-MM-DD, e.g. 2019-03-05, not '2019/1/1'
    """
    if sources is not None and not isinstance(sources, str | Sequence):
        raise InvalidQuery(f"sources must be a source name or a list of them, not {sources!r}")
    return Filter(since, until, () if sources is None else sources)


def newest_first(hits: list[Hit], relevant: int) -> list[Hit]:
    """``hits`` (best first) with the first ``relevant`` ordered by date, newest first and undated
    last (a date's hits keep their order), the rest after them as they were; ranked again from 1.

    >>> hits = [Hit(i, 1.0, "", f"{i}.txt", "", "", 0, 1, 1, 1, date=d)
    ...         for i, d in enumerate(["2019-01-01", None, "2020-01-01", "2021-01-01"], 1)]
    >>> [(h.rank, h.source) for h in newest_first(hits, 3)]
    [(1, '3.txt'), (2, '1.txt'), (3, '2.txt'), (4, '4.txt')]
    """
    head = sorted(hits[:relevant], key=lambda h: h.date or "", reverse=True)  # sorted() is stable
    return [replace(h, rank=rank) for rank, h in enumerate(head + hits[relevant:], 1)]


def relevant_count(scores: Sequence[float], pool: Sequence[float]) -> int:
    """How many of ``scores`` (the hits', best first) are about as relevant as the best: within one
    standard deviation of the candidates' scores (``pool``) of it. A passage that stands out alone
    keeps its place at the top; several about as close to the question are all reordered.

    >>> relevant_count([0.9, 0.88, 0.5], [0.9, 0.88, 0.5, 0.45, 0.4, 0.42])
    2
    >>> relevant_count([0.9], [0.9])
    1
    """
    if not scores:
        return 0
    spread = float(np.std(pool)) if len(pool) > 1 else 0.0
    return sum(1 for s in scores if s >= scores[0] - spread)


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
        self._sentences = SentenceVectors(embedder)
        self._pinned = threading.local()  # .index: the version this thread's query uses
        self._swap = threading.Lock()
        self._refused: str | None = None  # a version that cannot be used; asked about once

    @property
    def embedder(self) -> Embedder:
        """The model that embeds questions (and that a build of this index must use)."""
        return self._embedder

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
                    embedder = make_embedder(settings.model, settings.cache_dir, settings.backend)
                else:
                    embedder = embedder_for(index.manifest.model, settings.cache_dir)
            return cls(index, embedder)
        except BaseException:
            index.close()
            raise

    @_on_live_index
    def search(
        self,
        question: str,
        k: int = 10,
        *,
        mode: str = "hybrid",
        since: str | date | None = None,
        until: str | date | None = None,
        sources: str | Sequence[str] | None = None,
        order: str = "relevance",
    ) -> SearchResult:
        """The ``k`` passages nearest the question, best first, each distinct text once, and the
        verdict on whether they answer it (``found``, ``confidence``; see _found.py).

        ``mode`` is ``hybrid`` (the default), or ``dense`` / ``lexical`` for one leg alone (to
        compare them). ``since``/``until`` (ISO dates, inclusive) keep the passages of issues
        dated so (an undated passage is left out by either), ``sources`` those whose source starts
        with one of these prefixes (or this one): applied while searching, so a filter that lets
        three passages through finds those three. The verdict is then on those passages alone: it
        says whether that part of the archive answers the question. ``order="newest"`` shows the
        passages about as relevant as the best one newest first (``relevant_count``), then the
        others. Only the first MAX_QUESTION_CHARS characters of the question are used.
        """
        return self._answer(question, k, mode, as_filter(since, until, sources), order)[0]

    def _answer(
        self, question: str, k: int, mode: str, where: Filter | None = None, order: str = "relevance"
    ) -> tuple[SearchResult, Ranked]:
        """``search``, and what its verdict weighed (scripts/fit_verdict.py records it to fit on)."""
        if mode not in MODES:
            raise InvalidQuery(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if order not in ORDERS:
            raise InvalidQuery(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
        check_k(k)
        if not question.strip():
            raise EmptyQuestion()
        raw = question.strip()[:MAX_QUESTION_CHARS]
        # Read once, the same way everywhere: markup out, NFKC, traditional script to simplified
        # (the archive's; passages are shown as written).
        asked = normalize(strip_markup(raw))
        lexical = self.index.lexical
        lexicon = lexical.lexicon if lexical is not None else Lexicon()
        reading = read_question(asked, lexicon, lexical)  # "" for markup alone: nothing asked
        # Passages are still listed for a question of markup alone (as weak matches).
        vector = self._embedder.embed_query(asked or normalize(raw))
        # Scored once: BM25 covers every chunk, and both the ranking and the verdict need it. The
        # rows a filter leaves out score 0; the attainable score stays the whole archive's, so a
        # passage's share of it, and so its rank among the others let through, is what it was
        # unfiltered (over only three passages, each word's best would flatter a weak one).
        allowed = self.index.allowed(where)
        every, possible = self._lexical_scores(reading, asked)
        scores = every if allowed is None or not every.size else np.where(allowed, every, np.float32(0))
        # The verdict reads the best EVIDENCE_PASSAGES whatever k is: the same question gets the
        # same verdict at any k.
        want = max(k, EVIDENCE_PASSAGES)
        hits, rows, dense, spread = self._distinct_hits(
            vector, scores, possible, reading, want, mode, allowed
        )
        # The best passage's sentences that name most of the question's terms, each measured
        # against it by the model (for the verdict, and to choose the answer sentence).
        measured = (
            [hits[0].text[s:e] for s, e in measured_sentences(hits[0].text, reading, lexicon)] if hits else []
        )
        sentences = self._sentences.cosines(measured, vector)
        ranked = self._ranked_for_verdict(hits, rows, dense, spread, scores, possible, vector, sentences)
        verdict = judge(reading, weigh(reading, ranked, lexicon, lexical))
        kept = hits[:k]
        if verdict.found:  # when not found, no sentence is offered as the answer
            kept = [
                replace(h, answer=answer_span(h.text, reading, lexicon, ranked.sentences if i == 0 else ()))
                for i, h in enumerate(kept)
            ]
        if order == "newest":
            # How far apart relevance lies for this question: the spread of the archive's best
            # candidates, filter or not (among the two passages a filter leaves, one always
            # stands a whole spread above the other).
            pool = [s for _, s in self._ranked(vector, every, possible, reading, DENSE_SPREAD, mode, None)[0]]
            kept = newest_first(kept, relevant_count([h.score for h in kept], pool[:DENSE_SPREAD]))
        reason = verdict.reason
        if allowed is not None and not allowed.any() and reason != "no_words":
            reason = "filtered"
        result = SearchResult(
            question, verdict.found, kept, verdict.unmatched, verdict.confidence, reason,
            tuple(dict.fromkeys(reading.shown_terms)),
        )  # fmt: skip
        return result, ranked

    def _lexical_scores(self, reading: Reading, query: str) -> tuple[np.ndarray, float]:
        """BM25 of every chunk for the question, and the most its tokens can score together.

        A Chinese question is scored on its own tokens. An English question's words stand for
        several archive words each (CC-CEDICT's senses, pinyin): each word scores a passage by its
        best-scoring stand-in, so that a word with ten translations does not count ten times."""
        lexical = self.index.lexical
        if lexical is None or not len(lexical) or not reading.terms:
            return np.zeros(len(lexical) if lexical is not None else 0, dtype=np.float32), 0.0
        if reading.chinese:
            tokens = lexical.lexicon.tokens(query)
            return lexical.token_scores(tokens), lexical.best_possible(tokens)
        total = np.zeros(len(lexical), dtype=np.float32)
        possible = 0.0
        for term in reading.terms:
            if term.tokens:
                best = lexical.per_token(term.tokens).max(axis=0)
                total += best
                possible += float(best.max())
        return total, possible

    def _ranked_for_verdict(
        self,
        hits: list[Hit],
        rows: list[int],
        dense: dict[int, float],
        spread: list[float],
        scores: np.ndarray,
        possible: float,
        vector: Any,
        sentences: tuple[float, ...],
    ) -> Ranked:
        """The best EVIDENCE_PASSAGES as the verdict reads them (see Ranked), with the cosines of
        the best one's measured sentences."""
        rows = rows[:EVIDENCE_PASSAGES]
        missing = [r for r in rows if r not in dense]
        if missing:  # ranked by the lexical leg alone
            dense = {
                **dense,
                **dict(zip(missing, map(float, self.index.similarity(vector, missing)), strict=True)),
            }
        return Ranked(
            passages=tuple(f"{h.title}\n{h.section}\n{h.text}" for h in hits[:EVIDENCE_PASSAGES]),
            cosines=tuple(dense[r] for r in rows),
            coverage=tuple(
                min(1.0, float(scores[r]) / possible) if possible > 0 and scores.size else 0.0 for r in rows
            ),
            dense_top=tuple(spread),
            sentences=sentences,
        )

    def _ranked(
        self,
        vector: Any,
        lexical: np.ndarray,
        possible: float,
        reading: Reading,
        want: int,
        mode: str,
        allowed: np.ndarray | None,
    ) -> tuple[list[tuple[int, float]], dict[int, float], list[float]]:
        """Rows by fused score (the dense top ``want`` and the lexical top ``want`` of the rows
        ``allowed``, best first), the dense cosines known, and the dense leg's top DENSE_SPREAD
        cosines (whatever ``want`` is, so that the verdict does not depend on k)."""
        if mode == "lexical":
            ranked = [(int(r), float(lexical[r])) for r in np.argsort(-lexical)[:want] if lexical[r] > 0]
            return ranked, {}, []
        nearest = self.index.search(vector, max(want, DENSE_SPREAD), allowed=allowed)
        spread = [c for _, c in nearest[:DENSE_SPREAD]]
        dense = dict(nearest[:want])
        scores = dict(dense)
        if mode == "hybrid" and lexical.size and possible > 0 and float(lexical.max()) > 0:
            top = [int(r) for r in np.argsort(-lexical)[:want] if lexical[r] > 0]
            missing = [r for r in top if r not in scores]
            found = dict(zip(missing, map(float, self.index.similarity(vector, missing)), strict=True))
            dense.update(found)
            scores.update(found)
            weight = LEXICAL_WEIGHT if reading.chinese else ENGLISH_LEXICAL_WEIGHT
            scores = {r: s + weight * min(1.0, float(lexical[r]) / possible) for r, s in scores.items()}
        return sorted(scores.items(), key=lambda rs: -rs[1]), dense, spread

    def _distinct_hits(
        self,
        vector: Any,
        lexical: np.ndarray,
        possible: float,
        reading: Reading,
        k: int,
        mode: str,
        allowed: np.ndarray | None = None,
    ) -> tuple[list[Hit], list[int], dict[int, float], list[float]]:
        """Up to ``k`` hits among the rows ``allowed`` (None: all), their rows, the dense cosines
        known, and the dense leg's top cosines (``_ranked``)."""
        # Pages repeat text (a caption printed twice, a repeated paragraph), so fetch more than k
        # and widen the net until k distinct texts are found or the rows allowed are exhausted.
        available = len(self.index) if allowed is None else int(allowed.sum())
        want = min(available, 2 * k + 8)
        while True:
            hits: list[Hit] = []
            rows: list[int] = []
            kept: list[frozenset[str]] = []
            ranked, dense, spread = self._ranked(vector, lexical, possible, reading, want, mode, allowed)
            for row, score in ranked:
                c, issue = self.index.passage(row)
                grams = _bigrams(c.text)
                if any(_near_duplicate(grams, other) for other in kept):
                    continue
                kept.append(grams)
                rows.append(row)
                hits.append(
                    Hit(len(hits) + 1, round(score, 4), c.text, c.source, c.title, c.section,
                        c.start, c.end, c.line_start, c.line_end, None, issue.date, issue.edition, issue.page)
                )  # fmt: skip
                if len(hits) == k:
                    return hits, rows, dense, spread
            if want >= available:
                return hits, rows, dense, spread
            want = min(available, want * 4)

    def converse(
        self,
        question: str,
        previous: Sequence[str] = (),
        k: int = 10,
        *,
        since: str | date | None = None,
        until: str | date | None = None,
        sources: str | Sequence[str] | None = None,
        order: str = "relevance",
    ) -> SearchResult:
        """``search`` for a question in a conversation: ``previous`` are the user's earlier
        questions, oldest first, and a follow-up (``那绍兴呢？``, ``what about Yongkang?``) is searched
        as ``follow_up_query`` rewrites it: the earlier question about the new place, or the
        questions together. The verdict is on what was searched; ``query`` says what that was.
        The filters and the order are ``search``'s."""
        if not question.strip():
            raise EmptyQuestion()
        lexical = self.index.lexical
        query = follow_up_query(question, previous, lexical.lexicon if lexical is not None else Lexicon())
        result = self.search(query, k, since=since, until=until, sources=sources, order=order)
        return replace(result, question=question, query=query)

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
