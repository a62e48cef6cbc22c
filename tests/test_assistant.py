"""The assistant: ranked, cited, distinct passages from a saved index, with the question checked."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from webserver import CORPUS, REPO, hash_index

from assistant import (
    MAX_QUESTION_CHARS,
    Assistant,
    EmptyQuestion,
    Hit,
    IndexIncompatible,
    IndexNotFound,
    InvalidQuery,
    SearchResult,
    UnknownSource,
)
from index import HashEmbedder, Settings, build

JIASHAN = "嘉善县总工会怎样创建“工人先锋号”？"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hash_index(tmp_path_factory.mktemp("ix"))


@pytest.fixture
def assistant(index_dir: Path) -> Assistant:
    return Assistant.open(index_dir, HashEmbedder())


def is_subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(c in it for c in needle)


def test_finds_the_passage_about_jiashan(assistant: Assistant) -> None:
    result = assistant.search(JIASHAN, k=5)
    assert isinstance(result, SearchResult)
    assert result.question == JIASHAN
    top = result.hits[0]
    assert "嘉善" in top.text
    assert top.source == "002_b66ab0af8ed20314.txt"
    assert [h.rank for h in result.hits] == [1, 2, 3, 4, 5]
    assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)
    assert result.found  # 嘉善 and 工人先锋号 are in the index
    assert 0.5 < result.confidence <= 1.0


def test_the_verdict_does_not_depend_on_k(assistant: Assistant) -> None:
    for question in (JIASHAN, "温州鹿城区总工会今年的重点工作有哪些？"):
        one, many = assistant.search(question, k=1), assistant.search(question, k=20)
        assert (one.found, one.confidence, one.unmatched) == (many.found, many.confidence, many.unmatched)


def test_the_answer_is_marked_only_when_found(assistant: Assistant) -> None:
    found = assistant.search("嘉善有几家单位获评全国工人先锋号？", k=3)
    assert found.found and found.hits[0].answer is not None
    start, end = found.hits[0].answer
    assert "3家获评全国" in found.hits[0].text[start:end]
    missed = assistant.search("绍兴有几家单位获评全国工人先锋号？", k=3)
    assert not missed.found and all(h.answer is None for h in missed.hits)


def test_a_follow_up_is_judged_on_what_it_asks(assistant: Assistant) -> None:
    earlier = ["嘉善有几家单位获评全国工人先锋号？"]
    follow = assistant.converse("那绍兴呢？", earlier, k=3)
    assert follow.question == "那绍兴呢？" and follow.query == "绍兴有几家单位获评全国工人先锋号？"
    assert not follow.found and "绍兴" in follow.unmatched
    assert assistant.converse("嘉善有几家单位获评全国工人先锋号？", [], k=3).found


@pytest.mark.parametrize(
    "question",
    ["a", "？？？", "😀", "the", "asdfghjkl", "<script>alert(1)</script>", "%ff%fe", "\ufffd\ufffd"],
)
def test_nonsense_is_not_found(assistant: Assistant, question: str) -> None:
    result = assistant.search(question, k=3)
    assert not result.found and result.reason in {"no_words", "unknown_words", "weak"}


def test_not_found_names_what_no_passage_mentions(assistant: Assistant) -> None:
    # A near miss: a real kind of fact, asked of a district the archive never mentions.
    miss = assistant.search("温州鹿城区总工会今年的重点工作有哪些？", k=1)
    assert not miss.found and "鹿城区" in miss.unmatched
    assert len(miss.hits) == 1  # still shown, as weak matches
    # Another year than the one reported (2017年元旦春节期间 on page 003).
    year = assistant.search("绍兴市2019年元旦春节期间工会发了多少送温暖款物？", k=5)
    assert not year.found and year.unmatched == ("2019",)
    real = assistant.search("绍兴市2017年元旦春节期间工会发了多少送温暖款物？", k=5)
    assert real.found and real.unmatched == ()
    # Traditional script and a question quoting a name: matched after folding to simplified.
    quoted = assistant.search("嘉善縣總工會怎樣創建“工人先鋒號”？", k=5)
    assert quoted.found and quoted.unmatched == ()


def test_citations_point_into_the_source(assistant: Assistant) -> None:
    for hit in assistant.search("安吉县评出的两山工匠有哪些人", k=10).hits:
        page = (CORPUS / hit.source).read_text(encoding="utf-8")
        region = page[hit.start : hit.end]
        assert is_subsequence("".join(hit.text.split()), region), hit
        first = page.index(hit.text[0], hit.start)
        assert hit.line_start <= page.count("\n", 0, first) + 1 <= hit.line_end
        assert page.count("\n", 0, hit.end - 1) + 1 <= hit.line_end + 1


def test_hit_shape(assistant: Assistant) -> None:
    names = ["rank", "score", "text", "source", "title", "section", "start", "end", "line_start", "line_end"]
    names += ["answer", "date", "edition", "page"]
    # A Hit holds its Chunk and Issue; its JSON keys, and the API schema's, are these, in order.
    assert list(Hit.json_fields()) == names
    hit = assistant.search(JIASHAN, k=1).hits[0]
    assert list(hit.to_dict()) == names
    assert (hit.date, hit.edition, hit.page) == (None, None, None)  # a .txt page without a header
    with pytest.raises(dataclasses.FrozenInstanceError):
        hit.rank = 2  # type: ignore[misc]
    assert list(assistant.search(JIASHAN, k=1).to_dict()) == [
        "question", "query", "found", "confidence", "reason", "unmatched", "instead", "terms", "hits"
    ]  # fmt: skip


def test_found_when_a_passage_matches_exactly(assistant: Assistant) -> None:
    hit = assistant.search(JIASHAN, k=1).hits[0]
    context = " · ".join(dict.fromkeys(p for p in (hit.title, hit.section) if p))
    same = f"{context}\n{hit.text}" if context else hit.text
    exact = assistant.search(same, k=1)
    assert exact.hits[0].text == hit.text
    assert exact.hits[0].score >= 1.0 - 1e-3  # cosine 1, plus any lexical share
    assert exact.found


def test_identical_texts_appear_once(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    para = "嘉善县总工会开展“五型工人先锋号”创建工作，十余万职工踊跃参加。"
    (corpus / "a.txt").write_text(f"{para}\n", encoding="utf-8")
    (corpus / "b.txt").write_text(f"{para}\n", encoding="utf-8")
    (corpus / "c.txt").write_text("安吉县评出首届两山工匠。\n", encoding="utf-8")
    with Assistant.open(hash_index(tmp_path / "ix", corpus), HashEmbedder()) as a:
        hits = a.search(para, k=3).hits
    assert [h.text for h in hits].count(para) == 1
    assert len(hits) == 2
    assert [h.rank for h in hits] == [1, 2]


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question(assistant: Assistant, question: str) -> None:
    with pytest.raises(EmptyQuestion) as e:
        assistant.search(question)
    assert isinstance(e.value, ValueError)
    assert str(e.value).startswith("the question is empty; ask something")


def test_very_long_question(assistant: Assistant) -> None:
    # 嘉善 (padded with spaces, which the fake ignores) fills the first 1,000 characters and 安吉
    # the other 9,000: only the start is embedded, or 安吉 would win.
    question = (
        JIASHAN.ljust(MAX_QUESTION_CHARS) + ("安吉县两山工匠有哪些人" * 1000)[: 10_000 - MAX_QUESTION_CHARS]
    )
    assert len(question) == 10_000
    result = assistant.search(question, k=3)
    assert result.question == question
    assert len(result.hits) == 3
    assert "嘉善" in result.hits[0].text


@pytest.mark.parametrize("k", [0, 101, -1, True])
def test_k_is_checked(assistant: Assistant, k: int) -> None:
    with pytest.raises(InvalidQuery, match="k must be a whole number from 1 to 100"):
        assistant.search(JIASHAN, k=k)


def test_k_of_100_is_fine(assistant: Assistant) -> None:
    hits = assistant.search(JIASHAN, k=100).hits
    # every chunk, but for the few that only repeat a better-ranked one (pages repeat text)
    assert 0.9 * len(assistant.index) <= len(hits) <= len(assistant.index)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert len({"".join(h.text.split()) for h in hits}) == len(hits)


def test_document_of_a_citation(assistant: Assistant) -> None:
    hit = assistant.search(JIASHAN, k=1).hits[0]
    doc = assistant.document(hit.source)
    assert doc.text == (CORPUS / hit.source).read_text(encoding="utf-8")
    with pytest.raises(UnknownSource):
        assistant.document("nope.txt")


def test_other_embedder_is_refused(index_dir: Path) -> None:
    with pytest.raises(
        IndexIncompatible, match="built with hash-bigram-256, but the model in use is hash-bigram-64"
    ):
        Assistant.open(index_dir, HashEmbedder(64))


def test_open_builds_the_embedder_the_manifest_names(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWS_ASSISTANT_MODEL", raising=False)
    with Assistant.open(index_dir) as a:
        assert "嘉善" in a.search(JIASHAN, k=1).hits[0].text
    with pytest.raises(IndexIncompatible):
        Assistant.open(index_dir, settings=Settings(model="hash-bigram-128"))


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match="no index at"):
        Assistant.open(tmp_path / "nothing", HashEmbedder())


def test_imports_stay_light() -> None:
    code = (
        "import sys, assistant, index, assistant.faces.cli, index.__main__\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'gradio', 'transformers',"
        " 'index.embed._torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_traditional_script_question_finds_simplified_passage(assistant: Assistant) -> None:
    simplified = assistant.search("云创青年小镇的微信公众号叫什么名字", k=3)
    traditional = assistant.search("雲創青年小鎮的微信公眾號叫什麼名字", k=3)
    assert any("云创1986" in h.text for h in traditional.hits)
    assert traditional.hits[0].text == simplified.hits[0].text
    assert traditional.question == "雲創青年小鎮的微信公眾號叫什麼名字"  # shown as typed


def test_near_duplicate_passages_appear_once(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    tail = "工会联合会建起“职工之家”,为职工提供会议、活动、学习场所,初步打响了工会的名声。"
    (corpus / "a.txt").write_text(f"宁波云创青年小镇工会联合会成立。{tail}\n", encoding="utf-8")
    (corpus / "b.txt").write_text(f"{tail}\n", encoding="utf-8")  # a page repeating the tail (002:179)
    build(Settings(corpus=(corpus,), index_dir=tmp_path / "idx"), HashEmbedder())
    with Assistant.open(tmp_path / "idx", embedder=HashEmbedder()) as a:
        hits = a.search("宁波云创青年小镇工会联合会为职工提供会议、活动、学习场所", k=5).hits
        assert [h.source for h in hits] == ["a.txt"]  # b.txt only repeats what a.txt says
        shorter_first = a.search("工会联合会为职工提供会议、活动、学习场所", k=5).hits
    # the longer passage adds a sentence of its own, so it still appears after the repeat
    assert [h.source for h in shorter_first] == ["b.txt", "a.txt"]


def test_keyword_and_pasted_sentence_questions(assistant: Assistant) -> None:
    keywords = assistant.search("嘉善 工人先锋号 几家", k=5)
    assert any("3家获评全国" in h.text for h in keywords.hits)
    pasted = "自2008年开始,嘉善县总工会把“工人先锋号”的创建作为推动经济社会发展的一项重要举措来抓。" * 3
    assert "嘉善" in assistant.search(pasted, k=1).hits[0].title


def test_the_library_is_quiet_by_default() -> None:
    # Without a NullHandler, logging's last resort would print the warning on stderr.
    code = "import logging, assistant\nlogging.getLogger('assistant.core').warning('still answering from v2')"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stderr == ""
