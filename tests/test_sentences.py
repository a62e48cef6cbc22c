"""The best passage's sentences as the verdict reads them: the ones naming most of the question's
terms, each embedded once and alone, and the verdict's sentence_z from the closest of them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from assistant.verdict import (
    MEASURED_SENTENCES,
    Ranked,
    SentenceVectors,
    answer_span,
    measured_sentences,
    read_question,
    weigh,
)
from index import HashEmbedder
from index.text import Lexicon, normalize

PASSAGE = "嘉善工会\n工人先锋号\n嘉善县总工会深耕10年打响品牌。目前已有3家获评全国“工人先锋号”。"


class Counting(HashEmbedder):
    """The tests' embedder, counting the texts it embeds as documents."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[list[str]] = []

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.append(list(texts))
        return super().embed_documents(texts)


def test_each_sentence_is_embedded_once_and_alone() -> None:
    embedder = Counting()
    sentences = SentenceVectors(embedder)
    question = embedder.embed_query("嘉善有几家单位获评全国工人先锋号？")
    texts = ["目前已有3家获评全国“工人先锋号”。", "嘉善县总工会深耕10年打响品牌。"]
    first = sentences.cosines(texts, question)
    again = sentences.cosines(texts[:1], question)
    # Alone: the int8 model scales a batch together. The second time from what was kept.
    assert embedder.embedded == [[t] for t in texts]
    expected = embedder.embed_documents(texts) @ question
    assert np.allclose(first, expected) and again == first[:1]


def test_only_so_many_sentences_are_kept() -> None:
    embedder = Counting()
    sentences = SentenceVectors(embedder, kept=2)
    question = embedder.embed_query("工会")
    for sentence in ("甲工会。", "乙工会。", "丙工会。", "甲工会。"):
        sentences.cosines([sentence], question)
    assert embedder.embedded == [["甲工会。"], ["乙工会。"], ["丙工会。"], ["甲工会。"]]


def test_the_sentences_measured_are_those_naming_most_of_the_question() -> None:
    passage = "开头一句。嘉善工会。嘉善已有3家获评全国工人先锋号。嘉善工人先锋号。嘉善先锋。"
    reading = read_question("嘉善有几家单位获评全国工人先锋号？", Lexicon())
    measured = [passage[s:e] for s, e in measured_sentences(passage, reading, Lexicon())]
    assert measured == ["嘉善已有3家获评全国工人先锋号。", "嘉善工人先锋号。", "嘉善先锋。"]


def _ranked(sentences: tuple[float, ...]) -> Ranked:
    top = (0.80, 0.79, 0.78, 0.77, 0.76)
    return Ranked(
        passages=(PASSAGE, "别的段落。"),
        cosines=(0.80, 0.79),
        coverage=(1.0, 0.5),
        dense_top=top,
        sentences=sentences,
    )


def test_sentence_z_is_the_closest_sentence_over_the_dense_leg() -> None:
    reading = read_question("嘉善有几家单位获评全国工人先锋号？", Lexicon())
    close = weigh(reading, _ranked((0.70, 0.84)), Lexicon(), None)
    far = weigh(reading, _ranked((0.70, 0.74)), Lexicon(), None)
    assert close is not None and far is not None
    spread = np.std([0.80, 0.79, 0.78, 0.77, 0.76])
    assert close.sentence_z == pytest.approx((0.84 - 0.78) / spread)
    assert far.sentence_z < 0 < close.sentence_z
    # No sentence vectors (a ranking recorded without them): the passage's own standing.
    none = weigh(reading, _ranked(()), Lexicon(), None)
    assert none is not None and none.sentence_z == pytest.approx(none.cosine_z)


def test_the_assistant_measures_the_best_passages_sentences(built: Path) -> None:
    embedder = Counting()
    question = normalize("嘉善有几家单位获评全国工人先锋号？")  # as the assistant reads it
    with Assistant.open(built / "ix", embedder=embedder) as assistant:
        result, ranked = assistant._answer(question, 5, "hybrid")
        reading = read_question(question, assistant.index.lexical.lexicon, assistant.index.lexical)  # type: ignore[union-attr]
        lexicon = assistant.index.lexical.lexicon  # type: ignore[union-attr]
    # Of its text, not its title or section: a headline says what the article is about.
    best = result.hits[0].text
    spans = measured_sentences(best, reading, lexicon)
    assert len(ranked.sentences) == len(spans) == MEASURED_SENTENCES
    assert [texts[0] for texts in embedder.embedded[-len(spans) :]] == [best[s:e] for s, e in spans]
    expected = [
        float(embedder.embed_documents([best[s:e]])[0] @ embedder.embed_query(question)) for s, e in spans
    ]
    assert np.allclose(ranked.sentences, expected, atol=1e-5)


def test_of_sentences_naming_the_same_terms_the_closest_is_the_answer() -> None:
    passage = "嘉善去年有2家获评全国工人先锋号。嘉善已有3家获评全国工人先锋号。"
    reading = read_question("嘉善有几家单位获评全国工人先锋号？", Lexicon())
    spans = measured_sentences(passage, reading, Lexicon())
    # Both name every term and hold a number; without the model the first is taken.
    assert answer_span(passage, reading, Lexicon()) == spans[0]
    assert answer_span(passage, reading, Lexicon(), (0.9, 0.7)) == spans[0]
    assert answer_span(passage, reading, Lexicon(), (0.7, 0.9)) == spans[1]


def test_of_sentences_naming_the_same_terms_the_one_saying_the_focus_is_the_answer() -> None:
    """A count of 工会 beside no 小二级 says no count of 小二级工会联合会, so the sentence that gives
    one is marked, though both name every term and hold a number."""
    passage = "鄞州区加强“小二级”工会联合会建设，全区已建工会120家。鄞州区已建“小二级”工会联合会12家。"
    lexicon = Lexicon(["小二级"])  # a word of the archive, as the index's lexicon has it
    reading = read_question(normalize("鄞州区现在已经建起来多少家“小二级”工会联合会？"), lexicon)
    span = answer_span(passage, reading, lexicon)
    assert span is not None and passage[span[0] : span[1]] == "鄞州区已建“小二级”工会联合会12家。"


def test_an_embedder_that_embeds_one_passage_its_own_way_is_asked_that_way() -> None:
    class OnePassage(Counting):
        def __init__(self) -> None:
            super().__init__()
            self.passages: list[str] = []

        def embed_passage(self, text: str) -> np.ndarray:
            self.passages.append(text)
            return super().embed_documents([text])[0]

    embedder = OnePassage()
    SentenceVectors(embedder).cosines(["甲工会。"], embedder.embed_query("工会"))
    assert embedder.passages == ["甲工会。"] and embedder.embedded == [["甲工会。"]]
