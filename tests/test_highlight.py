"""Highlighting: the answering sentence and the question's terms, checked on cases read by hand."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from assistant.faces._highlight import highlight_html, term_spans
from assistant.verdict import answer_span, read_question
from index import chunk_document, read_corpus
from index.store import LexicalIndex
from index.text import Lexicon, domain_words, normalize

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
# The seed pages' own lexical index (IDF, pinyin of their names), as a build makes it.
CHUNKS = [c for d in read_corpus([CORPUS]).documents for c in chunk_document(d)]
LEXICON = Lexicon(domain_words(c.embed_text for c in CHUNKS))
LEXICAL = LexicalIndex.from_tokens([LEXICON.tokens(c.embed_text) for c in CHUNKS], LEXICON)


def shown(passage: str, question: str, found: bool = True) -> str:
    """The passage as the page shows it for the question (the answer marked only when found)."""
    reading = read_question(normalize(question), LEXICON, LEXICAL)
    answer = answer_span(passage, reading, LEXICON) if found else None
    return highlight_html(passage, reading.shown_terms, answer)


def best(passage: str, question: str) -> str | None:
    span = answer_span(passage, read_question(normalize(question), LEXICON, LEXICAL), LEXICON)
    return passage[span[0] : span[1]] if span else None


JIASHAN = "嘉善有几家单位获评全国工人先锋号？"
# corpus/002_b66ab0af8ed20314.txt line 11, the paragraph that answers JIASHAN.
LINE_11 = (
    "自2008年开始,嘉善县总工会把“工人先锋号”的创建作为推动经济社会发展的一项重要举措来抓,"
    "激发和调动了广大职工的积极性和创造性。该县3000多个车间(科室、班组)的10多万职工踊跃参加创建活动,"
    "以出色的工作、优质的服务、优秀的业绩、高效的团队,诠释着“工人先锋号”的深刻内涵。目前,已有3家获评"
    "全国“工人先锋号”、1家获评省级“工人先锋号”、29家获评市级“工人先锋号”、208家获评县级“工人先锋号”,"
    "成为全县各行各业标杆,在社会上树立起良好的形象。"
)


def test_the_paragraph_is_the_corpus_text() -> None:
    assert LINE_11 in (CORPUS / "002_b66ab0af8ed20314.txt").read_text(encoding="utf-8")


def test_the_answer_is_the_sentence_with_the_number_asked_for() -> None:
    sentence = best(LINE_11, JIASHAN) or ""
    assert sentence.startswith("目前,已有3家获评全国“工人先锋号”") and sentence.endswith("良好的形象。")


def test_the_answer_holds_what_is_asked_not_only_the_words() -> None:
    # Both sentences repeat the question's words; only the second holds a number.
    passage = "嘉善县总工会积极组织单位获评全国工人先锋号。目前嘉善已有3家。"
    assert best(passage, JIASHAN) == "目前嘉善已有3家。"


def test_the_answer_for_the_tea_maker() -> None:
    page = (CORPUS / "000_1e559e3fc737a720.txt").read_text(encoding="utf-8")
    passage = page[page.index("郭金贤 (木工)") : page.index("葛国明 (家具设计)")]
    assert best(passage, "安吉评出来的工匠里，哪一位是做白茶炒制的？") == "陈达有 (白茶炒制) 溪龙乡溪龙村村民"


def test_no_answer_when_nothing_is_shared() -> None:
    assert best(LINE_11, "How many penguins live on Mars?") is None
    assert best("", JIASHAN) is None


def test_no_answer_is_marked_when_not_found() -> None:
    out = shown(LINE_11, JIASHAN, found=False)
    assert "<mark" not in out and '<strong class="term">嘉善</strong>' in out


def test_terms_leave_out_question_words() -> None:
    terms = read_question(JIASHAN, LEXICON, LEXICAL).shown_terms
    assert {"嘉善", "获评", "全国", "工人", "先锋号"} <= set(terms)
    assert "几家" not in terms  # 有几家 asks; it says nothing about the passage


def test_a_traditional_question_marks_the_simplified_passage() -> None:
    out = shown(LINE_11, "嘉善有幾家單位獲評全國工人先鋒號")
    assert '<strong class="term">获评全国</strong>' in out and "先锋号</strong>" in out


def test_english_terms_mark_the_chinese_words_they_stand_for() -> None:
    out = shown(
        "嘉善县总工会。已有3家获评全国工人先锋号。", "How many units in Jiashan were named Workers' Pioneer?"
    )
    # Jiashan is the county, named with or without 县 (CC-CEDICT gives both).
    assert re.search(r'<strong class="term">嘉善县?</strong>', out) and "先锋" in re.sub(
        r"</?strong[^>]*>", "", out
    )
    assert '<strong class="term">' in out.split("嘉善")[1]


def test_term_spans_do_not_overlap() -> None:
    assert term_spans("工人先锋号", ["工人先锋号", "先锋"]) == [(0, 5)]
    assert term_spans("UNION union", ["union"]) == [(0, 5), (6, 11)]
    assert term_spans("abc", []) == []


def test_highlight_marks_sentence_and_terms() -> None:
    out = shown(LINE_11, JIASHAN)
    assert out.count('<mark class="answer">') == 1
    marked = re.search(r'<mark class="answer">(.*?)</mark>', out)
    assert marked and re.sub(r"<[^>]+>", "", marked.group(1)).startswith("目前,已有3家获评全国")
    assert '<strong class="term">获评全国</strong>' in out  # neighbouring terms read as one
    assert '<strong class="term">嘉善</strong>' in out


def test_highlight_without_any_match_is_the_escaped_text() -> None:
    assert shown("a < b & c", "工会有几家？") == "a &lt; b &amp; c"
    assert highlight_html("a < b", ["a"], (3, 99)) == "a &lt; b"  # an answer outside the passage is none


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>嘉善",
        '<img src=x onerror="alert(1)">嘉善',
        "[嘉善](http://evil.example/)",
        "<!-- 嘉善 -->",
        "嘉善<style>*{display:none}</style>",
    ],
)
def test_highlight_never_lets_markup_through(payload: str) -> None:
    out = shown(payload + "有3家。", "嘉善有几家？")
    assert re.sub(r"</?(mark|strong)[^>]*>", "", out) == html.escape(payload + "有3家。")


def test_highlight_keeps_every_character_of_the_corpus() -> None:
    for page in sorted(CORPUS.glob("*.txt")):
        text = page.read_text(encoding="utf-8")
        for paragraph in filter(None, text.split("\n\n")[:40]):
            out = shown(paragraph, "嘉善县总工会怎样创建“工人先锋号”？")
            assert html.unescape(re.sub(r"<[^>]+>", "", out)) == paragraph
