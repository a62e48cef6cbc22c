"""The sentences of the best passage: which are measured against the question by the model, how
close they lie to it, and which one answers it.

A near miss's best passage is about the question's topic (a sibling paragraph of the one that
answered it), so the passage as a whole is close; none of its sentences says what is asked, so
none is as close as an answering sentence is. The verdict reads that (``measured_sentences``, and
``sentence_z`` in ``Evidence``), and the answer sentence is chosen by it among ties.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from index import Embedder
from index.text import Lexicon, fold, is_common_word, sentence_spans

from ._attest import attest
from ._reading import NUMBER, Reading, plain

__all__ = ["MEASURED_SENTENCES", "SentenceVectors", "answer_span", "measured_sentences", "sentence_scores"]

_TIME = re.compile(r"\d{2,4}年|\d{1,2}月|\d{1,2}日|世纪|年代|今年|去年|明年|当年|春节|元旦|[春夏秋冬]季")


def _holds(kind: str, sentence: str, reading: Reading, lexicon: Lexicon) -> bool:
    """Whether a sentence holds a thing of the kind asked for that the question does not give."""
    folded = plain(sentence)
    if kind == "number":
        return any(n not in reading.numbers for n in NUMBER.findall(folded))
    if kind == "time":
        return _TIME.search(folded) is not None
    wanted = ("nr", "nrfg", "nrt") if kind == "person" else ("ns",)
    return any(
        flag in wanted and len(w) >= 2 and fold(w) not in reading.forms and not is_common_word(w)
        for w, flag in lexicon.tagged(sentence)
    )


def sentence_scores(
    passage: str, reading: Reading, lexicon: Lexicon
) -> list[tuple[float, bool, tuple[int, int]]]:
    """Each sentence of a passage: the weight of the question's terms it mentions, whether it holds
    what the question asks for, and its span."""
    out = []
    for start, end in sentence_spans(passage):
        folded = plain(passage[start:end])
        covered = sum(t.weight for t in reading.terms if t.in_text(folded))
        if covered <= 0:
            continue
        holds = reading.asked is not None and _holds(reading.asked, passage[start:end], reading, lexicon)
        out.append((covered, holds, (start, end)))
    return out


# How many of the best passage's sentences are measured against the question by the model: those
# naming most of its term weight. On the fit set (scripts/fit_verdict.py, cross-validated), the
# closest of three caught as many Chinese near misses as the closest of every sentence (0.639
# against 0.638) and more English ones (0.282 against 0.227: across languages, a sentence that holds
# the question's terms is better evidence than the one the model likes best); 2, 4 and 6 did no
# better. At most three sentences are embedded a question.
MEASURED_SENTENCES = 3


def measured_sentences(passage: str, reading: Reading, lexicon: Lexicon) -> list[tuple[int, int]]:
    """The spans of the passage's sentences whose closeness to the question the verdict and the
    answer sentence read (``Ranked.sentences``): the MEASURED_SENTENCES mentioning most of its term
    weight, in that order (ties in the passage's)."""
    return _measured(sentence_scores(passage, reading, lexicon))


def _measured(scored: list[tuple[float, bool, tuple[int, int]]]) -> list[tuple[int, int]]:
    """``measured_sentences`` of sentences already scored (``sentence_scores``)."""
    return [span for _, _, span in sorted(scored, key=lambda s: -s[0])[:MEASURED_SENTENCES]]


def answer_span(
    passage: str, reading: Reading, lexicon: Lexicon, closeness: Sequence[float] = ()
) -> tuple[int, int] | None:
    """The sentence of the passage that answers the question: of those holding what it asks for
    (a number, a time, a person, a place) when any does, and of them those that say the thing a
    Chinese question asks (its focus, ``attest``) when any does, the one mentioning most of its
    term weight, and of those that tie, the closest to the question (``closeness``: the dense
    cosines of its ``measured_sentences``, when known); None when no sentence mentions any term.

    >>> from assistant.verdict import read_question
    >>> p = "嘉善县总工会深耕10年打响品牌。目前已有3家获评全国“工人先锋号”。"
    >>> s, e = answer_span(p, read_question("嘉善有几家单位获评全国工人先锋号？", Lexicon()), Lexicon())
    >>> p[s:e]
    '目前已有3家获评全国“工人先锋号”。'
    """
    scored = sentence_scores(passage, reading, lexicon)
    if not scored:
        return None
    holding = [s for s in scored if s[1]] or scored
    # Of those, the ones that say the thing asked (a count of 会员, not of 工会) when any does.
    focus = reading.focus
    if focus is not None and focus.chinese:
        holding = [
            s for s in holding if attest(focus, passage[s[2][0] : s[2][1]], lexicon, None).attested
        ] or holding
    # Ties are common (two sentences naming the same terms); the model then tells which one is
    # about what is asked: the marked sentence holds the answer more often (xquad_en 0.762 against
    # 0.741, cmrc_xquad 0.781 against 0.771; docs/benchmarks.md).
    close = dict(zip(_measured(scored), closeness, strict=False))
    best = max(holding, key=lambda s: (s[0], close.get(s[2], -1.0)))
    return best[2]


# Sentences whose vectors are kept (1.5 KB each): the same passages come first question after
# question.
KEPT = 20_000


class SentenceVectors:
    """Sentence vectors by sentence text; bounded, safe across threads."""

    def __init__(self, embedder: Embedder, kept: int = KEPT) -> None:
        self._embedder = embedder
        self._kept = kept
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, sentence: str) -> np.ndarray:
        """The sentence's vector, embedded as a passage. Each is embedded alone: the int8 model
        scales a batch's activations together, so a sentence's vector would otherwise depend on
        which others came with it."""
        with self._lock:
            vector = self._vectors.get(sentence)
            if vector is not None:
                self._vectors.move_to_end(sentence)
                return vector
        vector = self._embed(sentence)
        with self._lock:
            self._vectors[sentence] = vector
            while len(self._vectors) > self._kept:
                self._vectors.popitem(last=False)
        return vector

    def _embed(self, sentence: str) -> np.ndarray:
        # The ONNX embedder embeds one passage on its questions' session (the same vector as
        # embed_documents gives, without opening a second session in a process that only
        # answers); any other embeds it as a batch of one.
        one = getattr(self._embedder, "embed_passage", None)
        if one is not None:
            return np.asarray(one(sentence), dtype=np.float32)
        return np.asarray(self._embedder.embed_documents([sentence]), dtype=np.float32)[0]

    def cosines(self, sentences: Sequence[str], question: np.ndarray) -> tuple[float, ...]:
        """Each sentence's cosine with the question's vector, in the order given."""
        q = np.asarray(question, dtype=np.float32)
        return tuple(float(self.of(s) @ q) for s in sentences)
