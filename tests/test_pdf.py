"""Newspaper PDFs: reading order, meta, citations, the page image, and every kind of bad PDF.

The PDFs are printed by headless Chromium from the seed pages (tests/material.py), so these tests
need Debian's chromium and fonts-noto-cjk, as the browser test does.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import unicodedata
from pathlib import Path

import pytest
from material import (
    blank_pdf,
    dated_pdf,
    encrypted_pdf,
    html_to_pdf,
    newspaper_html,
    scanned_pdf,
    seed_pdf,
    stories,
    truncated_pdf,
)
from workspace import CORPUS, DATA

from index import PdfProblem, chunk_document, read_corpus
from index.read._pdf import read_pdf, render_page
from index.split._chunk import split_sentences

SEED_DEV = DATA / "seed_dev.jsonl"
ISSUE = dt.date(2019, 3, 5)


def norm(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", s) if not c.isspace() and c != "#")


def sentences(page_text: str, order: list[int] | None = None) -> list[str]:
    """A page's sentences (8 characters or more) in the order its articles are printed."""
    items = stories(page_text)
    out = []
    for s in [items[i] for i in order] if order else items:
        for t in [s.kicker, s.headline, s.subtitle, *(t for _, t in s.blocks)]:
            out.extend(norm(x) for x in split_sentences(t) if len(norm(x)) >= 8)
    return out


def assert_in_reading_order(expected: list[str], text: str) -> None:
    flat = norm(text)
    at = 0
    for s in expected:
        found = flat.find(s, at)
        assert found >= 0, f"not whole, or out of order: {s}"
        at = found + len(s)


def assert_citations_hold(doc_text: str, chunk_text: str, start: int, end: int) -> None:
    region = iter(doc_text[start:end])
    assert all(c in region for c in chunk_text), chunk_text[:40]


@pytest.fixture(scope="module")
def page3(seed_pdfs: Path) -> Path:
    return seed_pdfs / "002_b66ab0af8ed20314.pdf"


def test_four_columns_read_in_reading_order(seed_pdfs: Path) -> None:
    for page in sorted(CORPUS.glob("*.txt")):
        docs, rejections = read_pdf((seed_pdfs / f"{page.stem}.pdf").read_bytes(), f"{page.stem}.pdf")
        assert not rejections and len(docs) == 1
        assert_in_reading_order(sentences(page.read_text(encoding="utf-8")), docs[0].text)


def test_articles_down_the_columns_with_headlines_inside_them(tmp_path: Path) -> None:
    # Headlines in one column, an article running on from one column into the next, another
    # starting under it: cutting the page across would interleave them.
    text = (CORPUS / "004_30b075de9a65b725.txt").read_text(encoding="utf-8")
    pdf = seed_pdf(text, tmp_path / "flow.pdf", ISSUE, 5, layout="flow")
    docs, _ = read_pdf(pdf.read_bytes(), pdf.name)
    assert_in_reading_order(sentences(text), docs[0].text)


def test_headlines_are_headings_and_the_header_line_is_left_out(page3: Path) -> None:
    (doc,), _ = read_pdf(page3.read_bytes(), "p.pdf")
    assert doc.text.startswith(
        "# 嘉善县总工会 深耕10年打响“五型”品牌\n\n## 引领10余万职工 争创“工人先锋号”\n\n"
    )
    assert "### 打响“五型”品牌,拓“先锋号”内涵\n" in doc.text
    assert "2019年3月5日" not in doc.text and "责任编辑" not in doc.text
    assert "浙江工人日报" not in doc.text  # the rest of the header band is furniture too
    titles = {c.title for c in chunk_document(doc)}
    assert "工运速递 永康工会以赛代训 推进产业工人队伍建设" in titles
    assert "杭州湾信息港基层工会联合会: 立足互联网为职工打造暖心家园" in titles


def test_meta_and_source_of_each_page(page3: Path) -> None:
    (doc,), _ = read_pdf(page3.read_bytes(), "zjgr/page.pdf")
    assert doc.source == "zjgr/page.pdf#p1"
    assert doc.meta == {"date": "2019-03-05", "edition": "第3版", "page": "1"}


def test_a_page_without_header_takes_the_issue_date_of_another_page(tmp_path: Path) -> None:
    text = (CORPUS / "002_b66ab0af8ed20314.txt").read_text(encoding="utf-8")
    html = newspaper_html(stories(text), ISSUE, 7)
    second = '</div><div style="break-before: page"><p>第二页的正文。没有报头。</p></div></body>'
    pdf = html_to_pdf(html.replace("</div></body>", second), tmp_path / "two.pdf")
    docs, rejections = read_pdf(pdf.read_bytes(), "two.pdf")
    assert not rejections
    assert [d.source for d in docs] == ["two.pdf#p1", "two.pdf#p2"]
    assert docs[1].meta == {"date": "2019-03-05", "page": "2"}  # its own page, no edition
    assert docs[0].meta["edition"] == "第7版"


def test_date_from_the_file_name_then_the_pdf_metadata(tmp_path: Path) -> None:
    html = "<html><body><p>嘉善县总工会举办职工技能大赛。比赛设置了十个项目。</p></body></html>"
    plain = html_to_pdf(html, tmp_path / "plain.pdf")
    (doc,), _ = read_pdf(plain.read_bytes(), "zjgr_20190306_02.pdf")
    assert doc.meta["date"] == "2019-03-06"
    stamped = dated_pdf(plain, tmp_path / "stamped.pdf", dt.datetime(2018, 12, 31, 22, 15))
    (doc,), _ = read_pdf(stamped.read_bytes(), "stamped.pdf")
    assert doc.meta == {"date": "2018-12-31", "page": "1"}


def test_every_chunk_cites_its_page(seed_pdfs: Path) -> None:
    corpus = read_corpus([seed_pdfs])
    assert len(corpus.documents) == 5 and not corpus.rejections
    for doc in corpus.documents:
        for c in chunk_document(doc):
            assert c.source == doc.source and c.source.endswith("#p1")
            assert_citations_hold(doc.text, c.text, c.start, c.end)


def test_every_seed_fact_in_a_page_chunk_is_in_a_pdf_chunk(seed_pdfs: Path) -> None:
    facts = [json.loads(line) for line in SEED_DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    pages = {d.source: d for d in read_corpus([CORPUS]).documents}
    pdfs = {d.source.split(".pdf#")[0]: d for d in read_corpus([seed_pdfs]).documents}
    checked = 0
    for fact in facts:
        for file in fact.get("files", []):
            page_chunks = [norm(c.text) for c in chunk_document(pages[file])]
            pdf_chunks = [norm(c.text) for c in chunk_document(pdfs[file.removesuffix(".txt")])]
            for answer in fact["answers"]:
                if any(norm(answer) in c for c in page_chunks):
                    checked += 1
                    assert any(norm(answer) in c for c in pdf_chunks), (fact["qid"], answer)
    assert checked >= 40


def test_the_page_image_marks_the_passage(page3: Path) -> None:
    from PIL import Image

    (doc,), _ = read_pdf(page3.read_bytes(), page3.name)
    chunk = next(c for c in chunk_document(doc) if "208家获评县级" in c.text)
    plain = Image.open(io.BytesIO(render_page(page3, 1, scale=1.0))).convert("RGB")
    marked = Image.open(io.BytesIO(render_page(page3, 1, [(chunk.start, chunk.end)], scale=1.0))).convert(
        "RGB"
    )
    assert plain.size == marked.size
    changed = [
        (x, y)
        for y in range(0, plain.size[1], 4)
        for x in range(0, plain.size[0], 4)
        if plain.getpixel((x, y)) != marked.getpixel((x, y))
    ]
    assert changed, "nothing was marked"
    # The marks stand where the passage is printed: the first article's columns, near the top.
    xs, ys = [x for x, _ in changed], [y for _, y in changed]
    assert max(ys) < plain.size[1] / 2 and max(xs) < plain.size[0] / 2
    with pytest.raises(PdfProblem, match="has 1 pages, not a page 2"):
        render_page(page3, 2)


# --- bad PDFs: one line each, naming the file -------------------------------------------------


@pytest.fixture(scope="module")
def bad_pdfs(seed_pdfs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("bad")
    source = seed_pdfs / "003_9d0583d7963fa8de.pdf"
    scanned_pdf(source, where / "scan.pdf")
    encrypted_pdf(source, where / "locked.pdf")
    truncated_pdf(source, where / "cut.pdf")
    blank_pdf(where / "blank.pdf")
    (where / "empty.pdf").write_bytes(b"")
    (where / "fake.pdf").write_text("这不是PDF", encoding="utf-8")
    (where / "broken.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    return where


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("scan.pdf", "no text layer (a scan); OCR is not available, so not indexed"),
        ("locked.pdf", "encrypted PDF (it needs a password); save an unprotected copy and add that"),
        ("cut.pdf", "truncated PDF (it has no end-of-file mark); re-download or re-export it"),
        ("blank.pdf", "no text on any page (blank pages), nothing to index"),
        ("empty.pdf", "empty file, nothing to index"),
        ("fake.pdf", "not a PDF (no %PDF header)"),
        ("broken.pdf", "broken PDF (PDFium cannot read it); re-export or re-download it"),
    ],
)
def test_a_bad_pdf_gets_one_line(bad_pdfs: Path, name: str, says: str) -> None:
    docs, rejections = read_pdf((bad_pdfs / name).read_bytes(), name)
    assert docs == []
    assert len(rejections) == 1
    line = str(rejections[0])
    assert line.startswith(f"{name}: ") and says in line and "\n" not in line


def test_bad_pdfs_beside_good_ones_leave_the_rest_indexed(
    bad_pdfs: Path, page3: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    for p in bad_pdfs.iterdir():
        (folder / p.name).write_bytes(p.read_bytes())
    (folder / "page3.pdf").write_bytes(page3.read_bytes())
    corpus = read_corpus([folder])
    assert [d.source for d in corpus.documents] == ["page3.pdf#p1"]
    assert sorted(r.source for r in corpus.rejections) == sorted(p.name for p in bad_pdfs.iterdir())
    assert "page3.pdf" in corpus.files and "scan.pdf" not in corpus.files  # a scan is tried again next build


def test_a_scanned_page_among_text_pages_is_named_by_number(
    page3: Path, bad_pdfs: Path, tmp_path: Path
) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for pdf in (page3, bad_pdfs / "scan.pdf", page3):
        writer.append(PdfReader(pdf))
    out = tmp_path / "three.pdf"
    with open(out, "wb") as f:
        writer.write(f)
    docs, rejections = read_pdf(out.read_bytes(), "three.pdf")
    assert [d.source for d in docs] == ["three.pdf#p1", "three.pdf#p3"]
    assert [str(r) for r in rejections] == [
        "three.pdf: page 2 has no text layer (a scan); OCR is not available, so not indexed"
    ]
