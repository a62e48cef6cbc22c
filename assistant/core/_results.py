"""What a search is asked with and what it returns: ``SearchOptions`` in, a ``SearchResult`` of
``Hit``s out, and the JSON both faces print (``to_dict``; the web API's schema is made from
``json_fields``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any, get_type_hints

from index import Chunk, Filter, Issue
from index.errors import InvalidQuery

__all__ = [
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "MODES",
    "ORDERS",
    "Hit",
    "SearchOptions",
    "SearchResult",
    "check_k",
]

# Longer questions are cut before embedding: the model reads at most 512 tokens anyway, and a
# pasted page as a question should still get an answer rather than an error.
MAX_QUESTION_CHARS = 1000
MAX_K = 100
MODES = ("hybrid", "dense", "lexical")
# How hits are ordered: by relevance, or the relevant ones newest first (see newest_first).
ORDERS = ("relevance", "newest")


def check_k(k: object) -> None:
    """Raise InvalidQuery unless ``k`` is a whole number of passages from 1 to MAX_K."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InvalidQuery(f"k must be a whole number from 1 to {MAX_K}, not {k!r}")


@dataclass(frozen=True, kw_only=True)
class SearchOptions:
    """Which passages a search may return, and in what order: those of issues dated ``since`` to
    ``until`` (ISO dates, inclusive; an undated passage is left out by either) whose source starts
    with one of ``sources`` (a prefix, or several), ``order`` "relevance" or "newest". Blank values
    mean no bound; bad ones raise InvalidQuery (one line) when the options are made, so a face
    can check them before the model loads.

    >>> SearchOptions(since=" 2019-01-01 ", sources="002_", order="newest")
    SearchOptions(since='2019-01-01', until=None, sources=('002_',), order='newest')
    >>> SearchOptions(since="2019/1/1")
    Traceback (most recent call last):
    ...
    index.errors.InvalidFilter: since must be a date as YYYY-MM-DD, e.g. 2019-03-05, not '2019/1/1'
    """

    since: str | date | None = None
    until: str | date | None = None
    sources: str | Sequence[str] | None = ()
    order: str = "relevance"

    def __post_init__(self) -> None:
        if self.sources is not None and not isinstance(self.sources, str | Sequence):
            raise InvalidQuery(f"sources must be a source name or a list of them, not {self.sources!r}")
        where = Filter(since=self.since, until=self.until, sources=self.sources or ())
        if self.order not in ORDERS:
            raise InvalidQuery(f"order must be one of {', '.join(ORDERS)}, not {self.order!r}")
        object.__setattr__(self, "since", where.since)
        object.__setattr__(self, "until", where.until)
        object.__setattr__(self, "sources", where.sources)

    @property
    def where(self) -> Filter:
        """The index's filter of these options' dates and sources."""
        return Filter(since=self.since, until=self.until, sources=self.sources or ())


def _fields(cls: type) -> dict[str, Any]:
    hints = get_type_hints(cls)
    return {f.name: hints[f.name] for f in fields(cls)}


@dataclass(frozen=True, kw_only=True)
class Hit:
    """One ranked passage: the stored chunk (its text, and where it is: ``source`` lines
    ``line_start``-``line_end``, characters ``start``-``end`` of the document's text), the issue
    its document was printed in, and the sentence that answers the question. Its fields are read
    as the chunk's and the issue's (``hit.source``, ``hit.date``)."""

    rank: int
    score: float
    chunk: Chunk
    issue: Issue = Issue()
    answer: tuple[int, int] | None = None

    @property
    def text(self) -> str:
        return self.chunk.text

    @property
    def source(self) -> str:
        return self.chunk.source

    @property
    def title(self) -> str:
        return self.chunk.title

    @property
    def section(self) -> str:
        return self.chunk.section

    @property
    def start(self) -> int:
        return self.chunk.start

    @property
    def end(self) -> int:
        return self.chunk.end

    @property
    def line_start(self) -> int:
        return self.chunk.line_start

    @property
    def line_end(self) -> int:
        return self.chunk.line_end

    @property
    def date(self) -> str | None:
        return self.issue.date

    @property
    def edition(self) -> str | None:
        return self.issue.edition

    @property
    def page(self) -> int | None:
        return self.issue.page

    def to_dict(self) -> dict[str, Any]:
        """The hit as JSON: the keys of ``json_fields``, in order."""
        answer = list(self.answer) if self.answer else None
        return {
            "rank": self.rank,
            "score": self.score,
            **asdict(self.chunk),
            "answer": answer,
            **asdict(self.issue),
        }

    @classmethod
    def json_fields(cls) -> dict[str, tuple[Any, str]]:
        """Each key of ``to_dict``, in order, with its type and what it means."""
        types = {"rank": int, "score": float, **_fields(Chunk), "answer": list[int] | None, **_fields(Issue)}
        return {name: (kind, HIT_FIELDS[name]) for name, kind in types.items()}


HIT_FIELDS = {
    "rank": "1 for the best passage",
    "score": "the fused score: the dense cosine plus the lexical leg's share",
    "text": "the passage, as cleaned for reading (every character of it is in the document's "
    "text between start and end)",
    "source": "file path relative to the corpus, file.pdf#p3 (page 3 of a PDF), or file.jsonl#id",
    "title": "the article's title",
    "section": "the section's heading within the article",
    "start": "first character of the passage in the document's text",
    "end": "the character after the passage's last in the document's text",
    "line_start": "1-based line of the source file",
    "line_end": "1-based line of the source file where the passage ends",
    "answer": "[start, end] of the sentence that answers the question, in `text`; null when not found "
    "or no sentence mentions the question's terms",
    "date": "the issue date, YYYY-MM-DD; null when unknown",
    "edition": "the edition (page of the issue), e.g. 第3版; null when unknown",
    "page": "the 1-based page of a PDF; null for other sources",
}


@dataclass(frozen=True, kw_only=True)
class SearchResult:
    """The passages found for a question, best first, and the verdict on whether they answer it
    (``found``, ``confidence``, ``reason``: see assistant.verdict). With a filter, the verdict is
    on the passages it lets through: whether that part of the archive answers the question."""

    question: str
    query: str = ""  # what was searched, when not the question itself (a follow-up)
    found: bool
    confidence: float = 0.0
    reason: str = ""
    unmatched: tuple[str, ...] = ()
    # Another quantity of the kind asked for that the best passage gives (建筑面积 for 占地面积).
    instead: str | None = None
    terms: tuple[str, ...] = ()
    hits: list[Hit]

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON: the keys of ``json_fields``, in order."""
        return {
            "question": self.question,
            "query": self.query or self.question,
            "found": self.found,
            "confidence": self.confidence,
            "reason": self.reason,
            "unmatched": list(self.unmatched),
            "instead": self.instead,
            "terms": list(self.terms),
            "hits": [h.to_dict() for h in self.hits],
        }

    @classmethod
    def json_fields(cls) -> dict[str, tuple[Any, str]]:
        """Each key of ``to_dict``, in order, with its type (``hits`` a list of Hit's) and meaning."""
        types = {"question": str, "query": str, "found": bool, "confidence": float, "reason": str,
                 "unmatched": list[str], "instead": str | None, "terms": list[str],
                 "hits": list[Hit]}  # fmt: skip
        return {name: (kind, RESULT_FIELDS[name]) for name, kind in types.items()}


RESULT_FIELDS = {
    "question": "the question as asked",
    "query": "what was searched: the question, or for a follow-up the question with the ones before it",
    "found": "whether the archive appears to answer the question",
    "confidence": "the verdict's probability (0-1) that the archive answers it (calibrated)",
    "reason": 'why not found: "no_words" (nothing to search for), "unknown_words" (no word the archive '
    'has), "terms" (the best passage lacks a number of the question, or a place the archive has '
    'elsewhere), "focus" (the best passage does not mention the attribute asked for, such as 床位), '
    '"weak" (the evidence is weak), "reader" (a reader plugged into the verdict says the passages do not '
    'answer it), or "filtered" (no passage has the dates and '
    'sources asked for); "" when found',
    "unmatched": "the question's terms that the best passage does not mention (why it was judged not found)",
    "instead": "another quantity of the kind asked for that the best passage gives instead (建筑面积 when "
    "asked for 占地面积); null when none",
    "terms": "the question's terms as searched, normalised (what a passage shows marked)",
    "hits": "the passages, best first",
}
