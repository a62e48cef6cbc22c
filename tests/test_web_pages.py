"""E-paper web pages and Word files: the article, its title and date, without the site around it."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from material import BOILERPLATE, epaper_html, make_docx, stories
from workspace import CORPUS

from index import chunk_document, read_corpus
from index.read._docx import read_docx
from index.read._html import read_html

ARTICLE = stories((CORPUS / "002_b66ab0af8ed20314.txt").read_text(encoding="utf-8"))[3]  # 温岭工会
PARAGRAPHS = [t for _, t in ARTICLE.blocks]


def test_an_epaper_page_gives_its_article_and_nothing_of_the_site() -> None:
    page = epaper_html(ARTICLE.headline, PARAGRAPHS, dt.date(2019, 3, 5))
    (doc,), rejections = read_html(page.encode("utf-8"), "epaper/content_123.htm")
    assert not rejections
    assert doc.source == "epaper/content_123.htm"
    assert doc.title == ARTICLE.headline
    assert doc.meta == {"date": "2019-03-05", "edition": "第3版"}
    for paragraph in PARAGRAPHS:
        assert paragraph in doc.text
    assert [b for b in BOILERPLATE if b in doc.text] == []
    chunks = chunk_document(doc)
    assert chunks and all(c.title == ARTICLE.headline for c in chunks)
    assert not any(b in c.text for c in chunks for b in BOILERPLATE)


def test_the_date_printed_under_the_headline_when_the_page_has_no_date_metadata() -> None:
    page = epaper_html(ARTICLE.headline, PARAGRAPHS, dt.date(2019, 3, 5))
    page = page.replace('<meta name="publishdate" content="2019-03-05">', "")
    (doc,), _ = read_html(page.encode("utf-8"), "a.html")
    assert doc.meta["date"] == "2019-03-05"


def test_the_date_in_the_file_name_when_the_page_gives_none() -> None:
    page = epaper_html(ARTICLE.headline, PARAGRAPHS, None)
    (doc,), _ = read_html(page.encode("utf-8"), "2019-03-06_content.html")
    assert doc.meta["date"] == "2019-03-06"
    (doc,), _ = read_html(page.encode("utf-8"), "content.html")
    assert "date" not in doc.meta


def test_a_gbk_page_is_read() -> None:
    page = epaper_html(ARTICLE.headline, PARAGRAPHS, dt.date(2019, 3, 5))
    page = page.replace('<meta charset="utf-8">', '<meta charset="gbk">').replace("©", "")
    (doc,), _ = read_html(page.encode("gbk"), "gbk.html")
    assert PARAGRAPHS[0] in doc.text


def test_broken_markup_still_gives_its_text() -> None:
    (doc,), _ = read_html("<html><body><p>温岭市总工会送消防知识进校园。<div><<<>>></p".encode(), "b.html")
    assert doc.text == "温岭市总工会送消防知识进校园。"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty file, nothing to index"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file, not a web page"),
        (
            '<html><body><ul class="nav"><li><a href="/">首页</a></li></ul></body></html>'.encode(),
            "no article text found in this web page",
        ),
        (b"<html><head><script>var a = 1;</script></head><body></body></html>", "no article text found"),
    ],
)
def test_a_bad_web_page_gets_one_line(data: bytes, says: str) -> None:
    docs, rejections = read_html(data, "bad.html")
    assert docs == [] and len(rejections) == 1
    assert str(rejections[0]).startswith("bad.html: ") and says in str(rejections[0])


def test_a_word_file_keeps_its_headings(tmp_path: Path) -> None:
    blocks = [
        ("body", "本报讯 近日,温岭市总工会开展消防安全活动。"),
        ("subhead", "演练结束"),
        ("body", PARAGRAPHS[2]),
    ]
    path = make_docx(tmp_path / "2019-03-05 温岭.docx", ARTICLE.headline, blocks)
    (doc,) = read_corpus([path]).documents
    assert doc.source == "2019-03-05 温岭.docx"
    assert doc.meta == {"date": "2019-03-05"}
    chunks = chunk_document(doc)
    assert {c.title for c in chunks} == {ARTICLE.headline}
    assert {c.section for c in chunks} == {"", "演练结束"}
    for c in chunks:
        region = iter(doc.text[c.start : c.end])
        assert all(ch in region for ch in c.text)


def test_a_word_file_with_a_header_line_is_dated_by_it(tmp_path: Path) -> None:
    from docx import Document as Docx

    d = Docx()
    d.add_paragraph("2019年3月5日 星期二 第3版")
    d.add_heading("温岭工会送消防知识进校园", level=1)
    d.add_paragraph(PARAGRAPHS[0])
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "参演师生"
    table.rows[0].cells[1].text = "300余人"
    buf = io.BytesIO()
    d.save(buf)
    (doc,), _ = read_docx(buf.getvalue(), "w.docx")
    assert doc.meta == {} and "参演师生 | 300余人" in doc.text
    (doc,) = [x for x in read_corpus([_write(tmp_path / "w.docx", buf.getvalue())]).documents]
    assert doc.meta == {"date": "2019-03-05", "edition": "第3版"}
    assert all("星期二" not in c.text for c in chunk_document(doc))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _zip(**files: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            # A fixed date, not now: the bytes are test ids, and each xdist worker must collect the same.
            z.writestr(zipfile.ZipInfo(name, date_time=(2019, 3, 5, 0, 0, 0)), text)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty file, nothing to index"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "an old .doc or a password-protected Word file"),
        (b"PK\x03\x04 not really a zip", "cannot read this Word file: not a Word file"),
        (_zip(**{"hello.txt": "hi"}), "cannot read this Word file: broken"),
        (
            _zip(**{"[Content_Types].xml": "<Types", "word/document.xml": "<w:document"}),
            "cannot read this Word file: broken",
        ),
    ],
)
def test_a_bad_word_file_gets_one_line(data: bytes, says: str) -> None:
    docs, rejections = read_docx(data, "bad.docx")
    assert docs == [] and len(rejections) == 1
    assert str(rejections[0]).startswith("bad.docx: ") and says in str(rejections[0]), str(rejections[0])


def test_an_empty_word_file(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "e.docx", "", [])
    docs, rejections = read_docx(path.read_bytes(), "e.docx")
    assert docs == [] and "holds no text" in str(rejections[0])
