"""Chunks of the seed pages: structure recovered, and every citation checkable against the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.read import read_corpus
from index.records import Chunk, Document
from index.split._chunk import DEFAULT_MAX_CHARS, chunk_document, split_sentences

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def seed() -> list[tuple[Document, list[Chunk]]]:
    docs = read_corpus([CORPUS]).documents
    assert len(docs) == 5
    return [(d, chunk_document(d)) for d in docs]


def _subsequence(text: str, region: str) -> bool:
    it = iter(region)
    return all(c in it for c in text)


def test_every_chunk_is_a_subsequence_of_its_cited_region(seed: list[tuple[Document, list[Chunk]]]) -> None:
    checked = 0
    for doc, chunks in seed:
        lines = doc.text.split("\n")
        for c in chunks:
            region = doc.text[c.start : c.end]
            assert _subsequence(c.text, region), (c.source, c.start, c.end, c.text[:40])
            # the cited lines hold the region: its first and last characters sit on them
            assert c.text[0] in lines[c.line_start - 1], (c.source, c.line_start)
            assert c.text[-1] in lines[c.line_end - 1], (c.source, c.line_end)
            checked += 1
    assert checked > 50


def test_chunks_stay_within_size_and_end_on_sentences(seed: list[tuple[Document, list[Chunk]]]) -> None:
    for _, chunks in seed:
        for c in chunks:
            # a heading line may ride along with the first sentence of its section
            assert len(c.text) <= DEFAULT_MAX_CHARS + 60, c.text


def test_sentence_cut_across_blank_line_is_joined(seed: list[tuple[Document, list[Chunk]]]) -> None:
    texts = ["".join(c.text.split()) for _, chunks in seed for c in chunks]
    assert any("突出贡献等指标进行量化评价" in t for t in texts)  # 000:5/7
    assert any("截至目前,已有812名青年职工" in t for t in texts)  # 002:35/37
    assert any("党组书记、常务副主席阮善良在谈到" in t for t in texts)  # 004:53/55


def test_shredded_column_is_rejoined(seed: list[tuple[Document, list[Chunk]]]) -> None:
    texts = [c.text for _, chunks in seed for c in chunks]
    # 001:45–69, about 13 fragments: joined without the newlines between them
    assert any("搭建劳动关系双方沟通、协商、调解的平台,促进劳动关系和谐稳定。" in t for t in texts)


def test_caption_inside_a_word_is_kept_out_of_the_body(seed: list[tuple[Document, list[Chunk]]]) -> None:
    texts = [c.text for _, chunks in seed for c in chunks]
    assert any("设立了“专项通道”" in t for t in texts)  # 002:141 | caption 145 | 147
    captions = [c for _, chunks in seed for c in chunks if c.section == "图片说明"]
    assert any("工资集体协商现场会。" in c.text for c in captions)


def test_repeats_are_folded(seed: list[tuple[Document, list[Chunk]]]) -> None:
    doc = next(d for d, _ in seed if d.source.startswith("000"))
    joined = "\n".join(c.text for c in chunk_document(doc, overlap=0))  # overlap repeats on purpose
    assert joined.count("曹位钧 (烹饪) 安吉县烹饪协会") == 1


def test_headlines_become_titles_and_subheads_sections(seed: list[tuple[Document, list[Chunk]]]) -> None:
    titles = {c.title for _, chunks in seed for c in chunks}
    assert "嘉善县总工会 深耕10年打响“五型”品牌 引领10余万职工 争创“工人先锋号”" in titles
    assert "践行“两山”理论 锻造工会铁军 ——安吉县总工会深化工会改革纪实" in titles
    assert any(t.startswith("宁波鄞州区总工会党组书记、常务副主席阮善良:") for t in titles)
    sections = {(c.title[:6], c.section) for _, chunks in seed for c in chunks}
    assert ("绍兴工会在服", "上下合力 形成机制") in sections or any(
        s == "上下合力 形成机制" for _, s in sections
    )
    # 001 marks headings with Markdown; the marks are not part of the text
    assert any(c.section == "全省首创医疗互助信息共享" for _, chunks in seed for c in chunks)
    assert not any(c.text.startswith("#") for _, chunks in seed for c in chunks)


def test_no_text_of_the_body_is_lost(seed: list[tuple[Document, list[Chunk]]]) -> None:
    """Apart from folded repeats, every non-blank line's characters reach some chunk."""
    for doc, chunks in seed:
        covered = "".join("".join(c.text.split()) for c in chunks)
        for line in doc.text.split("\n"):
            key = "".join(line.strip().lstrip("#").split())
            if key and key not in covered:
                # only repeats may be folded away; the first copy is indexed
                assert doc.text.count(line.strip()) > 1 or key[-12:] in covered, (doc.source, line[:40])


def test_jsonl_article_chunks_cite_the_jsonl_line() -> None:
    doc = Document("a.jsonl#7", "第一段。第二段。\n第三段。", title="标题", line_offset=6, is_page=False)
    chunks = chunk_document(doc, max_chars=300)
    assert [c.title for c in chunks] == ["标题"]
    assert (chunks[0].line_start, chunks[0].line_end) == (7, 7)
    assert chunks[0].text == "第一段。第二段。\n第三段。"


def test_long_sentence_is_cut_at_clauses() -> None:
    sentence = "，".join(["职工服务中心建设"] * 60) + "。"
    chunks = chunk_document(Document("x.jsonl#1", sentence, is_page=False), max_chars=100)
    assert len(chunks) > 3
    assert all(len(c.text) <= 100 for c in chunks)
    assert "".join(c.text for c in chunks) == sentence


def test_split_sentences_keeps_closing_quotes() -> None:
    assert split_sentences("他说:“好。”然后走了。") == ["他说:“好。”", "然后走了。"]


def test_overlap_repeats_whole_sentences_of_the_previous_chunk() -> None:
    sentences = [f"第{i}句讲的是嘉善县总工会的第{i}项工作。" for i in range(1, 13)]
    doc = Document("x.jsonl#1", "".join(sentences), title="t", is_page=False)
    chunks = chunk_document(doc, max_chars=100, overlap=40)
    assert len(chunks) > 2
    for before, after in zip(chunks, chunks[1:], strict=False):
        last = before.text.split("。")[-2] + "。"
        assert last in after.text  # the sentence at the boundary is whole in the next chunk too
        assert after.text.startswith(tuple(s for s in sentences if s in before.text))
        assert after.start < before.end  # the cited regions overlap as well
        assert len(after.text) <= 100
    assert all(any(s in c.text for c in chunks) for s in sentences)
    assert chunk_document(doc, max_chars=100, overlap=0)[1].start >= chunk_document(doc, 100, 0)[0].end
