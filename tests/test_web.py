"""The Gradio page: follow-up questions, rendering (untrusted text stays text), bad input, and the
Gradio API called with gradio_client against the app served on a free port."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from webserver import CORPUS, hash_index, serving

from assistant import Assistant, Hit, InvalidQuery, SearchResult
from assistant.core import _conversation
from assistant.core._conversation import follow_up_query as search_query
from assistant.core._conversation import is_follow_up
from assistant.faces import _render
from assistant.faces import ui as _ui
from assistant.faces._render import document_html, index_html, result_html, user_html
from assistant.faces.ui import EXAMPLES, answer, build_ui
from assistant.faces.web import create_app
from index import Chunk, Document, HashEmbedder, Settings, build

JIASHAN = EXAMPLES[0]
ANJI = EXAMPLES[1]
HIT_FIELDS = [
    "rank", "score", "text", "source", "title", "section", "start", "end", "line_start", "line_end", "answer",
    "date", "edition", "page",
]  # fmt: skip
RESULT_FIELDS = {
    "question", "query", "found", "confidence", "reason", "unmatched", "instead", "terms", "hits"
}  # fmt: skip


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with Assistant.open(hash_index(tmp_path_factory.mktemp("ix")), HashEmbedder()) as a:
        yield a


# --- follow-ups -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "那嘉善呢？",
        "那么绍兴有几个？",
        "还有哪些单位获评了省级工人先锋号？",
        "它成立于哪一年？",
        "嘉善呢",
        "What about Jiashan?",
        "and in Shaoxing?",
        "Who?",
    ],
)
def test_follow_ups(question: str) -> None:
    assert is_follow_up(question)
    assert search_query(question, [ANJI]) in (f"{ANJI} {question}", ANJI.replace("安吉", "嘉善", 1))


@pytest.mark.parametrize("question", ["那嘉善呢？", "嘉善呢", "那嘉善县总工会呢？"])
def test_follow_up_naming_another_place_asks_the_same_question_about_it(question: str) -> None:
    assert search_query(question, [ANJI]).startswith("嘉善")
    assert "安吉" not in search_query(question, [ANJI])


def test_follow_up_that_is_a_new_question_is_searched_with_the_earlier_one() -> None:
    assert search_query("那么绍兴有几个？", [ANJI]) == f"{ANJI} 那么绍兴有几个？"


@pytest.mark.parametrize(
    "question", [JIASHAN, EXAMPLES[2], EXAMPLES[3], "宁波云创青年小镇工会联合会是哪年成立的？"]
)
def test_questions_that_stand_alone(question: str) -> None:
    assert not is_follow_up(question)
    assert search_query(question, [ANJI]) == question


def test_first_question_is_searched_alone() -> None:
    assert search_query("那嘉善呢？", []) == "那嘉善呢？"


def test_follow_up_of_a_follow_up_reaches_back_three_questions() -> None:
    earlier = ["绍兴有几个项目入选？", ANJI, "那嘉善呢？"]
    assert search_query("还有呢？", earlier) == f"{ANJI} 那嘉善呢？ 还有呢？"
    assert search_query("还有呢？", [JIASHAN, "那安吉呢？", "那绍兴呢？"]) == "那安吉呢？ 那绍兴呢？ 还有呢？"


def test_earlier_questions_without_words_are_skipped_and_long_ones_cut() -> None:
    assert search_query("还有吗？", [ANJI, "？？？", "   "]) == f"{ANJI} 还有吗？"
    assert search_query("还有吗？", ["安" * 5000]) == "安" * _conversation.CONTEXT_CHARS + " 还有吗？"


def test_the_users_question_is_shown_as_text() -> None:
    out = user_html('<img src=x> <a href="http://evil.example/">嘉善</a>')
    assert "<img" not in out and "<a " not in out and "&lt;img src=x&gt;" in out


def test_follow_up_in_the_chat_says_what_it_searched(assistant: Assistant) -> None:
    out = answer(assistant, "那嘉善呢？", [ANJI], 3)
    assert "结合前面的问题检索：" in out
    assert ANJI.replace("安吉", "嘉善", 1) in out


# --- rendering --------------------------------------------------------------------------------------


def _hit(
    rank: int = 1,
    text: str = "目前,已有3家获评全国“工人先锋号”。",
    source: str = "002.txt",
    answer: bool = True,
) -> Hit:
    chunk = Chunk(
        text=text,
        source=source,
        title="嘉善县总工会",
        section="打响品牌",
        start=339,
        end=427,
        line_start=11,
        line_end=11,
    )
    return Hit(rank=rank, score=0.91, chunk=chunk, answer=(3, len(text)) if answer else None)


def test_found_answer_in_chinese() -> None:
    out = result_html(
        SearchResult(question=JIASHAN, found=True, hits=[_hit(1), _hit(2, source="001.txt")], confidence=0.93)
    )
    assert "资料里看来有答案" in out and "最相关的 2 段" in out and "已标黄" in out
    assert 'class="na-hit na-weak"' not in out
    assert "嘉善县总工会 · 打响品牌" in out
    assert "002.txt · 第11行" in out
    assert "0.910" in out
    assert 'href="view?source=002.txt&amp;start=339&amp;end=427#passage"' in out
    assert '<mark class="answer">' in out
    assert "把握 93%" in out  # the verdict's confidence is shown


def test_not_found_says_so_in_english_and_marks_the_passages_weak() -> None:
    out = result_html(
        SearchResult(question="Who won the 2030 football cup?", found=False, hits=[_hit(1), _hit(2)])
    )
    assert "does not seem to answer" in out
    assert out.count('class="na-hit na-weak"') == 2
    assert out.count('<span class="na-weak-tag">weak match</span>') == 2
    assert "第11行" not in out and "line 11" in out


def test_no_highlight_is_promised_when_there_is_none() -> None:
    out = result_html(
        SearchResult(
            question="How many sets of clothes?", found=True, hits=[_hit(answer=False)], confidence=0.8
        )
    )
    assert "appears to answer this (80% sure): the 1 best passage below." in out
    assert "highlighted" not in out and "<mark" not in out


def test_not_found_in_chinese() -> None:
    out = result_html(SearchResult(question="2030年世界杯冠军是谁？", found=False, hits=[_hit()]))
    assert "似乎没有回答这个问题" in out and "弱匹配" in out


def test_not_found_says_which_terms_no_passage_mentions() -> None:
    asked = "温州鹿城区<b>总工会</b>今年的重点工作？"
    out = result_html(
        SearchResult(
            question=asked, found=False, hits=[_hit(answer=False)], unmatched=("鹿城区", "<b>"), reason="weak"
        )
    )
    assert "最相关的段落没有提到“鹿城区”、“&lt;b&gt;”" in out and "<b>" not in out
    asked = "How many members did the Yongjia union have in 2018?"
    out = result_html(
        SearchResult(question=asked, found=False, hits=[_hit()], unmatched=("2018",), reason="weak")
    )
    assert "the best passage does not mention “2018”" in out
    # An English question holding a Chinese name is answered in English.
    out = result_html(
        SearchResult(
            question="How many units in 嘉善 won?",
            found=False,
            hits=[_hit()],
            unmatched=("2018",),
            reason="weak",
        )
    )
    assert "does not seem to answer" in out


def test_nothing_at_all() -> None:
    assert "没有找到任何段落" in result_html(SearchResult(question=JIASHAN, found=False, hits=[]))


EVIL = {
    "id": "evil",
    "title": "<script>alert('title')</script>嘉善工人先锋号",
    "text": (
        "嘉善有3家单位获评全国工人先锋号。<script>alert('x')</script>"
        '<img src=x onerror="alert(1)">嘉善工人先锋号。'
        "[点这里 嘉善](http://evil.example/steal) ![图 嘉善](http://evil.example/a.png)"
        "<!-- 嘉善 comment --><a href='javascript:alert(1)'>嘉善链接</a> $x^2$ 嘉善工人先锋号。"
    ),
}


@pytest.fixture(scope="module")
def evil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    corpus = tmp_path_factory.mktemp("evil")
    (corpus / "evil.jsonl").write_text(json.dumps(EVIL, ensure_ascii=False) + "\n", encoding="utf-8")
    index_dir = hash_index(tmp_path_factory.mktemp("evilix"), corpus)
    with Assistant.open(index_dir, HashEmbedder()) as a:
        yield a


def _assert_inert(out: str) -> None:
    assert "&lt;script&gt;" in out
    assert "<script" not in out.lower()
    assert "<img" not in out.lower()
    assert "<!--" not in out
    assert "evil.example" not in " ".join(re.findall(r"<a [^>]*>", out))
    assert "javascript:" not in " ".join(re.findall(r"<a [^>]*>", out))
    for tag in re.findall(r"<([a-zA-Z]+)", out):
        assert tag in {"div", "p", "span", "a", "mark", "strong"}, tag


def test_an_article_with_markup_is_shown_as_text(evil: Assistant) -> None:
    out = answer(evil, "嘉善有几家单位获评全国工人先锋号？", [], 5)
    assert "evil.jsonl#evil" in out
    _assert_inert(out)
    assert "[点这里 嘉善](http://evil.example/steal)" in re.sub(r"<[^>]+>", "", out)  # as typed


def test_the_source_view_shows_markup_as_text(evil: Assistant) -> None:
    doc = evil.document("evil.jsonl#evil")
    out = document_html(doc, 0, 20)
    body = out[out.index("<body>") :]
    assert "&lt;script&gt;" in body and "<script" not in body and "<img" not in body
    assert "<title>&lt;script&gt;" in out


def test_the_chat_renders_html_without_markdown(assistant: Assistant) -> None:
    chatbot = next(b for b in build_ui(assistant).blocks.values() if getattr(b, "elem_id", None) == "answers")
    assert chatbot.render_markdown is False  # type: ignore[attr-defined]
    assert chatbot.sanitize_html is True  # type: ignore[attr-defined]


def test_document_view_marks_the_cited_passage(assistant: Assistant) -> None:
    hit = assistant.search(JIASHAN, 1).hits[0]
    out = document_html(assistant.document(hit.source), hit.start, hit.end)
    assert out.count('id="passage"') == 1
    marked = "".join(re.findall(r"<mark[^>]*>(.*?)</mark>", out))
    assert "".join(hit.text.split()) in "".join(marked.split())
    numbers = re.findall(r'<span class="n">(\d+)</span><span class="t">[^<]*<mark id="passage">', out)
    assert numbers == [str(hit.line_start)]


def test_document_view_counts_lines_at_line_feeds_only() -> None:
    text = "a\x0cb\r\nc\u2028d\n嘉善"
    out = document_html(Document("x.txt", text, line_offset=10), text.index("嘉"), len(text))
    assert re.findall(r'<span class="n">(\d+)</span>', out) == ["11", "12", "13"]
    assert '<span class="n">13</span><span class="t"><mark id="passage">嘉善</mark>' in out


def test_document_view_ignores_a_bad_range(assistant: Assistant) -> None:
    doc = assistant.document("002_b66ab0af8ed20314.txt")
    for start, end in [(None, None), (50, 10), (0, 10**9)]:
        assert "<mark" not in document_html(doc, start, end)


def test_index_panel(assistant: Assistant) -> None:
    out = index_html(assistant.index.manifest)
    assert "hash-bigram-256" in out
    assert "002_b66ab0af8ed20314.txt" in out
    assert f"<td>{assistant.index.manifest.counts['chunks']}</td>" in out


# --- searching --------------------------------------------------------------------------------------


def test_search_filtered_by_source(assistant: Assistant) -> None:
    result = assistant.search(JIASHAN, 3, sources=["000_"])
    assert result.hits and all(h.source.startswith("000_") for h in result.hits)
    assert [h.rank for h in result.hits] == list(range(1, len(result.hits) + 1))
    assert not result.found  # the answer is in 002, not among these
    assert assistant.search(JIASHAN, 3, sources=["002_"]).found == assistant.search(JIASHAN, 3).found
    assert assistant.search(JIASHAN, 3, sources=["nothing-like-this"]).hits == []
    both = assistant.search(JIASHAN, 10, sources=["000_", "002_"])
    assert {h.source[:4] for h in both.hits} == {"000_", "002_"}


@pytest.mark.parametrize("sources", [[1], [None], 5])
def test_sources_must_be_source_names(assistant: Assistant, sources: object) -> None:
    with pytest.raises(InvalidQuery, match="sources must be"):
        assistant.search(JIASHAN, 3, sources=sources)  # type: ignore[arg-type]


def test_one_source_may_be_given_as_a_string(assistant: Assistant) -> None:
    assert assistant.search(JIASHAN, 3, sources="002_") == assistant.search(JIASHAN, 3, sources=["002_"])


@pytest.mark.parametrize("k", [0, 101, True])
def test_search_checks_k_with_a_filter_too(assistant: Assistant, k: int) -> None:
    with pytest.raises(ValueError, match="k must be"):
        assistant.search(JIASHAN, k, sources=["002_"])


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   ",
        "嘉善有几家单位获评全国工人先锋号？" * 600,  # 10,000 characters
        "？！。，……",
        "?!.,",
        "How many sets of winter clothes did the union raise?",
        "嘉善縣有幾家單位獲評全國工人先鋒號？",
        "<script>alert(1)</script>",
        "\x00\x01\u200b",
    ],
)
def test_bad_input_gets_an_answer(assistant: Assistant, question: str) -> None:
    out = answer(assistant, question, [], 5)
    assert out.startswith('<div class="na-answer">')
    assert "<script" not in out


def test_no_words_asks_for_some(assistant: Assistant) -> None:
    assert "请用文字提一个问题" in answer(assistant, "？？？", [], 5)


def test_traditional_chinese_finds_jiashan(assistant: Assistant) -> None:
    assert "002_b66ab0af8ed20314.txt" in answer(assistant, "嘉善縣有幾家單位獲評全國工人先鋒號？", [], 5)


# Each example and the words of the corpus that answer it.
ANSWERS = {
    EXAMPLES[0]: ("002_b66ab0af8ed20314.txt", "已有3家获评全国“工人先锋号”"),
    EXAMPLES[1]: ("000_1e559e3fc737a720.txt", "陈达有 (白茶炒制)"),
    EXAMPLES[2]: ("003_9d0583d7963fa8de.txt", "等7个项目入选省“三重一新”立功竞赛示范项目"),
    EXAMPLES[3]: ("002_b66ab0af8ed20314.txt", "为西藏丁青县的贫困儿童筹集了400多套冬装"),
}


def test_the_examples_are_answered_by_the_corpus() -> None:
    assert set(ANSWERS) == set(EXAMPLES)
    for source, words in ANSWERS.values():
        assert words in (CORPUS / source).read_text(encoding="utf-8")


@pytest.mark.parametrize("question", EXAMPLES[:3])
def test_chinese_examples_find_their_answer(assistant: Assistant, question: str) -> None:
    source, words = ANSWERS[question]
    # The fake embedder only hashes bigrams, so the hybrid ranking here says little; the lexical leg
    # finds each answer. How the real model ranks these questions is measured by the eval (seed_dev
    # d003, d016, d036, d033).
    hits = assistant.search(question, 10, mode="lexical").hits
    assert any(h.source == source and "".join(words.split()) in "".join(h.text.split()) for h in hits)


# --- the Gradio API ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(assistant: Assistant) -> Iterator[Client]:
    with serving(create_app(assistant)) as url:
        yield Client(url, verbose=False)


def test_gradio_search(client: Client) -> None:
    out = client.predict(JIASHAN, 3, "", api_name="/search")
    assert set(out) == RESULT_FIELDS
    assert out["question"] == JIASHAN
    assert isinstance(out["found"], bool)
    assert [list(h) for h in out["hits"]] == [HIT_FIELDS] * 3
    assert out["hits"][0]["source"] == "002_b66ab0af8ed20314.txt"


def test_gradio_search_with_a_source_filter(client: Client) -> None:
    out = client.predict(question=JIASHAN, k=2, source="000_", api_name="/search")
    assert out["hits"] and all(h["source"].startswith("000_") for h in out["hits"])


def test_gradio_chat_follows_up(client: Client) -> None:
    out = client.predict("那嘉善呢？", [ANJI], 2, api_name="/chat")
    assert out["question"] == "那嘉善呢？"
    assert out["query"] == ANJI.replace("安吉", "嘉善", 1)
    assert len(out["hits"]) == 2 and list(out["hits"][0]) == HIT_FIELDS
    alone = client.predict(JIASHAN, api_name="/chat")
    assert alone["query"] == JIASHAN and len(alone["hits"]) == 5


def test_gradio_errors_are_messages(client: Client) -> None:
    with pytest.raises(AppError, match="empty"):
        client.predict("  ", 3, "", api_name="/search")
    with pytest.raises(AppError, match="k must be"):
        client.predict(JIASHAN, 0, "", api_name="/search")
    assert client.predict(JIASHAN, 1, "", api_name="/search")["hits"]  # and it still answers


def test_gradio_endpoints_are_named(client: Client) -> None:
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert names == {"/search", "/chat"}


def test_citation_links_are_relative_to_the_page() -> None:
    assert _render.view_url(_hit()) == "view?source=002.txt&start=339&end=427#passage"


def test_a_page_loaded_after_a_rebuild_describes_the_new_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for page in sorted(CORPUS.glob("*.txt"))[:2]:
        (corpus / page.name).write_bytes(page.read_bytes())
    index_dir = hash_index(tmp_path / "ix", corpus)
    with Assistant.open(index_dir, HashEmbedder()) as a:
        ui = build_ui(a)
        (refresh,) = (f.fn for f in ui.fns.values() if f.fn is not None and f.fn.__name__ == "refresh")
        assert "<td>2</td>" in refresh()[-1]
        (corpus / "003_9d0583d7963fa8de.txt").write_bytes((CORPUS / "003_9d0583d7963fa8de.txt").read_bytes())
        hash_index(index_dir, corpus)
        head, chat_sources, sources, about = refresh()  # no question needed to move to the new version
        assert "<td>3</td>" in about and "003_9d0583d7963fa8de.txt" in about
        assert "（3 篇文章）" in head
        assert "003_9d0583d7963fa8de.txt" in sources["choices"] and chat_sources == sources


def test_the_index_panel_describes_an_upload_at_once(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "001.txt").write_bytes((CORPUS / "001_18f9ea61070103fb.txt").read_bytes())
    settings = Settings(corpus=(corpus,), index_dir=tmp_path / "idx")
    build(settings, HashEmbedder())
    page = tmp_path / "upload" / "002.txt"
    page.parent.mkdir()
    page.write_bytes((CORPUS / "002_b66ab0af8ed20314.txt").read_bytes())
    with Assistant.open(settings.index_dir, HashEmbedder()) as a:
        ui = build_ui(a, settings=settings)
        (upload,) = (f.fn for f in ui.fns.values() if f.fn is not None and f.fn.__name__ == "upload")
        said, head, _, sources, about = upload([str(page)])
        assert said.startswith("Added: 002.txt.")
        assert "（2 篇文章）" in head and "002.txt" in sources["choices"] and "002.txt" in about


def test_uploaded_page_is_indexed_and_found_by_the_next_question(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "seed.txt").write_text(
        "嘉善县总工会\n\n本报讯 嘉善已有3家单位获评全国“工人先锋号”。\n", encoding="utf-8"
    )
    settings = Settings(corpus=(corpus,), index_dir=tmp_path / "idx")
    build(settings, HashEmbedder())
    upload = tmp_path / "upload" / "新 版面 (1).txt"
    upload.parent.mkdir()
    upload.write_text(
        "丽水工会\n\n本报讯 丽水市总工会开展“送清凉”活动，慰问一线职工2000余人。\n", encoding="utf-8"
    )
    with Assistant.open(settings.index_dir, embedder=HashEmbedder()) as assistant:
        assert "丽水" not in assistant.search("丽水市总工会慰问了多少一线职工？", k=1).hits[0].text
        said = _ui.add_uploads(assistant, settings, [upload])
        assert "新_版面_1_.txt" in said  # the name is made safe
        assert (corpus / "新_版面_1_.txt").is_file()
        hit = assistant.search("丽水市总工会慰问了多少一线职工？", k=1).hits[0]
        assert "2000余人" in hit.text and hit.source == "新_版面_1_.txt"
        big = tmp_path / "upload" / "big.txt"
        big.write_bytes(b"x" * (_ui.MAX_UPLOAD_BYTES + 1))
        assert "limit" in _ui.add_uploads(assistant, settings, [big])
        bad = tmp_path / "upload" / "photo.png"
        bad.write_bytes(b"\x89PNG")
        assert "Traceback" not in _ui.add_uploads(assistant, settings, [bad])
