"""Highlighting: the answering sentence and the question's terms, checked on cases read by hand."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from assistant._highlight import (
    best_sentence,
    bigrams,
    has_chinese,
    highlight_html,
    query_terms,
    sentence_spans,
    term_spans,
)

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
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


def test_bigrams() -> None:
    assert bigrams("工人先锋号") == {"工人", "人先", "先锋", "锋号"}
    assert bigrams("How many? 400多套") == {"how", "many", "400", "多套"}
    assert bigrams("？！、") == set()


def test_sentences_end_at_punctuation_and_line_breaks() -> None:
    passage = "打响“五型”品牌,拓“先锋号”内涵\n为了使“工人先锋号”更具针对性。在2009年提出开展。 "
    assert [passage[s:e] for s, e in sentence_spans(passage)] == [
        "打响“五型”品牌,拓“先锋号”内涵",
        "为了使“工人先锋号”更具针对性。",
        "在2009年提出开展。",
    ]


def test_best_sentence_is_the_one_that_answers() -> None:
    start, end = best_sentence(LINE_11, JIASHAN) or (0, 0)
    assert LINE_11[start:end].startswith("目前,已有3家获评全国“工人先锋号”")
    assert LINE_11[start:end].endswith("良好的形象。")


def test_best_sentence_for_the_tea_maker() -> None:
    page = (CORPUS / "000_1e559e3fc737a720.txt").read_text(encoding="utf-8")
    passage = page[page.index("郭金贤 (木工)") : page.index("葛国明 (家具设计)")]
    start, end = best_sentence(passage, "安吉评出来的工匠里，哪一位是做白茶炒制的？") or (0, 0)
    assert passage[start:end] == "陈达有 (白茶炒制) 溪龙乡溪龙村村民"


def test_no_sentence_when_nothing_is_shared() -> None:
    assert best_sentence(LINE_11, "How many sets of winter clothes?") is None
    assert best_sentence("", JIASHAN) is None


def test_ties_go_to_the_earlier_sentence() -> None:
    passage = "嘉善很好。嘉善也好。"
    assert best_sentence(passage, "嘉善") == (0, 5)


def test_terms_leave_out_question_words() -> None:
    terms = query_terms(JIASHAN, LINE_11)
    assert set(terms) == {"嘉善", "获评", "全国", "工人", "先锋号"}
    assert "几家" not in terms  # 有几家 asks; it says nothing about the passage
    assert terms == sorted(terms, key=lambda t: (-len(t), t))


def test_terms_only_those_in_the_passage() -> None:
    assert query_terms(JIASHAN, "安吉县总工会") == []


def test_long_word_not_in_the_passage_marks_its_bigrams() -> None:
    # jieba keeps 总工会 whole; the passage has 工会 only
    assert "工会" in query_terms("县总工会做了什么？", "基层工会分别围绕")


def test_english_terms() -> None:
    terms = query_terms("How did the Union raise 400 sets?", "the union raised 400 sets in Tibet")
    assert set(terms) == {"union", "raise", "400", "sets"}


def test_term_spans_do_not_overlap() -> None:
    assert term_spans("工人先锋号", ["工人先锋号", "先锋"]) == [(0, 5)]
    assert term_spans("UNION union", ["union"]) == [(0, 5), (6, 11)]
    assert term_spans("abc", []) == []


def test_highlight_marks_sentence_and_terms() -> None:
    out = highlight_html(LINE_11, JIASHAN)
    assert out.count('<mark class="answer">') == 1
    marked = re.search(r'<mark class="answer">(.*?)</mark>', out)
    assert marked and re.sub(r"<[^>]+>", "", marked.group(1)).startswith("目前,已有3家获评全国")
    assert '<strong class="term">获评全国</strong>' in out  # neighbouring terms read as one
    assert '<strong class="term">嘉善</strong>' in out


def test_highlight_without_any_match_is_the_escaped_text() -> None:
    assert highlight_html("a < b & c", "工会") == "a &lt; b &amp; c"


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
    out = highlight_html(payload + "有3家。", "嘉善有几家？")
    assert re.sub(r"</?(mark|strong)[^>]*>", "", out) == html.escape(payload + "有3家。")


def test_highlight_keeps_every_character_of_the_corpus() -> None:
    for page in sorted(CORPUS.glob("*.txt")):
        text = page.read_text(encoding="utf-8")
        for paragraph in filter(None, text.split("\n\n")[:40]):
            out = highlight_html(paragraph, "嘉善县总工会怎样创建“工人先锋号”？")
            assert html.unescape(re.sub(r"<[^>]+>", "", out)) == paragraph


def test_is_chinese() -> None:
    assert has_chinese("嘉善縣總工會怎樣創建工人先鋒號")  # traditional too
    assert not has_chinese("How many? 123 ？")
