"""The Assistant: a saved index (a Store: the local folder or a Milvus collection) and the model that
built it, answering questions, following rebuilds."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Concatenate, ParamSpec, TypedDict, TypeVar, Unpack

import numpy as np

from index import (
    Document,
    Embedder,
    IndexProblem,
    Manifest,
    Settings,
    Store,
    embedder_for,
    make_embedder,
    store_for,
)
from index.errors import EmptyQuestion, InvalidQuery
from index.text import Lexicon, bigram_tokens, normalize, strip_markup

from ..verdict import (
    READER_PASSAGES,
    ChatReader,
    Ranked,
    Reader,
    Reading,
    SentenceVectors,
    answer_span,
    consult,
    judge,
    measured_sentences,
    read_question,
    weigh,
)
from ._conversation import follow_up_query
from ._english import question_vectors
from ._order import newest_first, relevant_count
from ._ranking import (
    DENSE_SPREAD,
    EVIDENCE_PASSAGES,
    Candidates,
    Query,
    distinct_hits,
    for_verdict,
    fuse,
    lexical_query,
)
from ._results import MAX_QUESTION_CHARS, MODES, SearchOptions, SearchResult, check_k

__all__ = ["Assistant"]


def _prefetch(vocabulary: object, lexicon: Lexicon, asked: str) -> None:
    """A store that looks tokens up remotely (Milvus) learns the question's at once: its tokens,
    its words and their character bigrams, which the verdict asks about one by one."""
    prefetch = getattr(vocabulary, "prefetch", None)
    if prefetch is None or not asked:
        return
    words = lexicon.words_of(asked)
    prefetch([*lexicon.tokens(asked), *words, *(g for w in words for g in bigram_tokens(w))])


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


class Filters(TypedDict, total=False):
    """``search``'s filter keywords, as ``converse`` takes them too (see SearchOptions)."""

    since: str | date | None
    until: str | date | None
    sources: str | Sequence[str] | None
    order: str


_NO_FILTERS: Filters = {"since": None, "until": None, "sources": None, "order": "relevance"}


def _options(options: SearchOptions | None, filters: Filters) -> SearchOptions:
    """``options``, or else the options of the loose filter keywords (not both)."""
    if options is None:
        return SearchOptions(**filters)
    if {**_NO_FILTERS, **filters} != _NO_FILTERS:
        raise InvalidQuery("give either options or since/until/sources/order, not both")
    return options


class Assistant:
    """Searches the live index with the embedder that built it, following rebuilds without a restart."""

    def __init__(self, index: Store, embedder: Embedder, reader: Reader | None = None) -> None:
        """Answer from ``index`` (``index.store_for(settings)``: the folder or a Milvus store) with
        ``embedder``, which must be the model that built it. A ``reader`` (a cross-encoder, a chat
        endpoint: assistant.verdict.Reader) is consulted on every verdict; without one, the
        verdict reads the passages itself."""
        index.check_embedder(embedder)
        self._current = index
        self._embedder = embedder
        self._reader = reader
        self._sentences = SentenceVectors(embedder)
        self._pinned = threading.local()  # .index: the version this thread's query uses
        self._swap = threading.Lock()
        self._refused: str | None = None  # a version that cannot be used; asked about once

    @property
    def embedder(self) -> Embedder:
        """The model that embeds questions (and that a build of this index must use)."""
        return self._embedder

    @property
    def index(self) -> Store:
        """The version this thread's query is using, or else the latest one loaded."""
        pinned = getattr(self._pinned, "index", None)
        return self._current if pinned is None else pinned

    def _fresh_index(self) -> Store:
        """The loaded index, or the newer version a build has switched to since: reloaded here.

        A query costs one read of CURRENT's few bytes (a Milvus store: one small query of its
        build records). One thread loads while the others keep
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
            fresh = current.reopen()
            try:
                fresh.check_embedder(self._embedder)
            except IndexProblem:
                fresh.close()
                raise
            self._current = fresh
            return fresh
        except IndexProblem as e:
            self._refused = newer
            _log.warning("still answering from the version before %s: %s", newer, e)
            return current
        finally:
            self._swap.release()

    @classmethod
    def open(
        cls,
        index_dir: Path | str | None = None,
        embedder: Embedder | None = None,
        settings: Settings | None = None,
        reader: Reader | None = None,
    ) -> Assistant:
        """Open the index the settings name (``settings.milvus``, else the folder ``index_dir``, or
        ``settings.index_dir``). Without an embedder, build the model that ``settings.model``
        names, or else the one named in the index's manifest. ``reader``: see ``__init__``; without
        one, the chat endpoint ``settings.reader_url`` names, if any (``ChatReader``)."""
        settings = settings or Settings()
        if index_dir is not None:
            settings = settings.with_(index_dir=Path(index_dir))
        if reader is None and settings.reader_url:
            reader = ChatReader(settings.reader_url, settings.reader_model, settings.reader_key)
        index = store_for(settings)
        try:
            if embedder is None:
                if settings.model:
                    embedder = make_embedder(settings.model, settings.cache_dir, settings.backend)
                else:
                    embedder = embedder_for(index.manifest.model, settings.cache_dir)
                # The model loads in the background (where the backend can) while the first
                # question is read: a one-question command starts in less time.
                prepare = getattr(embedder, "prepare", None)
                if prepare is not None:
                    prepare()
            return cls(index, embedder, reader)
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
        options: SearchOptions | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
        sources: str | Sequence[str] | None = None,
        order: str = "relevance",
    ) -> SearchResult:
        """The ``k`` passages nearest the question, best first, each distinct text once, and the
        verdict on whether they answer it (``found``, ``confidence``; see assistant.verdict).

        ``mode`` is ``hybrid`` (the default), or ``dense`` / ``lexical`` for one leg alone (to
        compare them). ``since``/``until`` (ISO dates, inclusive) keep the passages of issues
        dated so (an undated passage is left out by either), ``sources`` those whose source starts
        with one of these prefixes (or this one): applied while searching, so a filter that lets
        three passages through finds those three. The verdict is then on those passages alone: it
        says whether that part of the archive answers the question. ``order="newest"`` shows the
        passages about as relevant as the best one newest first (``relevant_count``), then the
        others. ``options`` gives the four at once (a ``SearchOptions``, as the faces do). Only
        the first MAX_QUESTION_CHARS characters of the question are used.
        """
        filters = Filters(since=since, until=until, sources=sources, order=order)
        return self._answer(question, k, mode, _options(options, filters))[0]

    def _answer(
        self, question: str, k: int, mode: str = "hybrid", options: SearchOptions | None = None
    ) -> tuple[SearchResult, Ranked]:
        """``search``, and what its verdict weighed (scripts/fit_verdict.py records it to fit on)."""
        options = options or SearchOptions()
        if mode not in MODES:
            raise InvalidQuery(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        check_k(k)
        if not question.strip():
            raise EmptyQuestion()
        raw = question.strip()[:MAX_QUESTION_CHARS]
        # Read once, the same way everywhere: markup out, NFKC, traditional script to simplified
        # (the archive's; passages are shown as written).
        asked = normalize(strip_markup(raw))
        lexicon = self._lexicon()
        vocabulary = self.index.vocabulary
        _prefetch(vocabulary, lexicon, asked)
        reading = read_question(asked, lexicon, vocabulary)  # "" for markup alone: nothing asked
        # Passages are still listed for a question of markup alone (as weak matches).
        vector, english = question_vectors(self._embedder, asked or normalize(raw), reading, mode)
        query = replace(self._query(reading, vector, mode, options), english=english)
        # The verdict reads the best EVIDENCE_PASSAGES whatever k is: the same question gets the
        # same verdict at any k.
        found = distinct_hits(self.index, query, max(k, EVIDENCE_PASSAGES))
        ranked = for_verdict(self.index, found, query, self._measured(found, reading, lexicon, query.vector))
        verdict = judge(reading, weigh(reading, ranked, lexicon, vocabulary))
        if self._reader is not None and ranked.passages:
            verdict = consult(verdict, self._reader.read(asked, ranked.passages[:READER_PASSAGES]))
        hits = found.hits[:k]
        if verdict.found:  # when not found, no sentence is offered as the answer
            hits = [
                replace(h, answer=answer_span(h.text, reading, lexicon, ranked.sentences if i == 0 else ()))
                for i, h in enumerate(hits)
            ]
        if options.order == "newest":
            # How far apart relevance lies for this question: the spread of the archive's best
            # candidates, filter or not (among the two passages a filter leaves, one always
            # stands a whole spread above the other).
            pool = [s for _, s in fuse(self.index, query.unfiltered(self.index), DENSE_SPREAD).scored]
            hits = newest_first(hits, relevant_count([h.score for h in hits], pool[:DENSE_SPREAD]))
        reason = verdict.reason
        if query.where is not None and not query.available and reason != "no_words":
            reason = "filtered"
        result = SearchResult(
            question=question,
            found=verdict.found,
            confidence=verdict.confidence,
            reason=reason,
            unmatched=verdict.unmatched,
            instead=verdict.instead,
            terms=tuple(dict.fromkeys(reading.shown_terms)),
            hits=hits,
        )
        return result, ranked

    def _lexicon(self) -> Lexicon:
        vocabulary = self.index.vocabulary
        return vocabulary.lexicon if vocabulary is not None else Lexicon()

    def _query(self, reading: Reading, vector: np.ndarray, mode: str, options: SearchOptions) -> Query:
        """The question as the ranking scores it, among the passages ``options`` let through."""
        where = options.where if options.where is not None and not options.where.empty else None
        # The attainable score stays the whole archive's under a filter, so a passage's share of
        # it, and so its rank among the others let through, is what it was unfiltered (over only
        # three passages, each word's best would flatter a weak one).
        lexical, possible = lexical_query(self.index, reading)
        return Query(
            vector=vector,
            lexical=lexical,
            possible=possible,
            chinese=reading.chinese,
            mode=mode,
            where=where,
            available=self.index.count(where),
        )

    def _measured(
        self, found: Candidates, reading: Reading, lexicon: Lexicon, vector: np.ndarray
    ) -> tuple[float, ...]:
        """The cosines with the question of the best passage's sentences that name most of its
        terms (``measured_sentences``): for the verdict, and to choose the answer sentence."""
        if not found.hits:
            return ()
        text = found.hits[0].text
        sentences = [text[s:e] for s, e in measured_sentences(text, reading, lexicon)]
        return self._sentences.cosines(sentences, vector)

    def converse(
        self,
        question: str,
        previous: Sequence[str] = (),
        k: int = 10,
        *,
        options: SearchOptions | None = None,
        **filters: Unpack[Filters],
    ) -> SearchResult:
        """``search`` for a question in a conversation: ``previous`` are the user's earlier
        questions, oldest first, and a follow-up (``那绍兴呢？``, ``what about Yongkang?``) is searched
        as ``follow_up_query`` rewrites it: the earlier question about the new place, or the
        questions together. The verdict is on what was searched; ``query`` says what that was.
        The filters (``since``, ``until``, ``sources``, ``order``) and ``options`` are ``search``'s."""
        if not question.strip():
            raise EmptyQuestion()
        options = _options(options, filters)
        query = follow_up_query(question, previous, self._lexicon())
        result = self.search(query, k, options=options)
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
