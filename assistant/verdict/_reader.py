"""A place for a reading model: something that reads the question and the best passages and says
whether they answer it, beside the verdict's own reading.

No such model installs here (no reranker, reading-comprehension or NLI model ships in a registry
this project can use, and the one Chinese-capable generator there is takes 6–10 s a passage on two
cores), so none is built in. A ``Reader`` is any object with a ``read`` method; hand one to
``Assistant(index, embedder, reader=...)`` (or ``Assistant.open(..., reader=...)``) and the
verdict consults it on every question that has words the archive knows:

- a cross-encoder: score (question, passage) pairs and answer ``Opinion(answers=score > t,
  confidence=score)``;
- an OpenAI-compatible chat endpoint: ``ChatReader`` (``_chat_reader``) asks whether the passages
  state what the question asks, yes or no, and maps the reply to an ``Opinion`` (``answers=None``
  when it says neither, or the call fails: the verdict then stands as it is). Set
  NEWS_ASSISTANT_READER_URL and NEWS_ASSISTANT_READER_MODEL (and READER_KEY) and every face uses it.

What a reader may change, and what not: a question with no words, or none the archive has, stays
not found (there is nothing a passage could match); otherwise the reader's ``answers`` decides
``found``, and its ``confidence`` (if given) replaces the verdict's. The verdict's reason is kept
when both agree it is not found, so the reason a person reads still names what is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

from ._judge import Verdict

__all__ = ["READER_PASSAGES", "Opinion", "Reader", "consult"]

# How many of the best passages a reader is shown: the ones the verdict weighs too.
READER_PASSAGES = 3
# Reasons no reader can overturn: nothing in the question to find.
_SETTLED = frozenset({"no_words", "unknown_words"})


@dataclass(frozen=True, kw_only=True)
class Opinion:
    """A reader's say on a question: whether the passages answer it (None: it cannot tell), how
    sure it is (0-1, or None to keep the verdict's), and why, in a few words."""

    answers: bool | None
    confidence: float | None = None
    why: str = ""


@runtime_checkable
class Reader(Protocol):
    """Reads a (normalised) question and the best passages (title · section and text, best first)."""

    def read(self, question: str, passages: Sequence[str]) -> Opinion: ...


def consult(verdict: Verdict, opinion: Opinion) -> Verdict:
    """The verdict once a reader has had its say (see the module's docstring).

    >>> weak = Verdict(found=False, confidence=0.2, reason="weak", unmatched=("床位",))
    >>> consult(weak, Opinion(answers=True, confidence=0.9)).found
    True
    >>> consult(Verdict(found=True, confidence=0.8, reason=""), Opinion(answers=False, why="no beds")).reason
    'reader'
    >>> consult(Verdict(found=False, confidence=0.0, reason="no_words"), Opinion(answers=True)).found
    False
    """
    if opinion.answers is None or verdict.reason in _SETTLED:
        return verdict
    confidence = verdict.confidence if opinion.confidence is None else round(float(opinion.confidence), 4)
    if opinion.answers:
        return replace(verdict, found=True, confidence=confidence, reason="", unmatched=(), instead=None)
    if not verdict.found:
        return replace(verdict, confidence=confidence)
    return replace(verdict, found=False, confidence=confidence, reason="reader")
