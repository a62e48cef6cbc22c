"""Issue dates and editions: every form a date comes in, and where each document's date comes from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import chunk_document, read_corpus
from index.read._dates import date_in_name, edition_in, page_header, parse_date, search_date


@pytest.mark.parametrize(
    ("given", "iso"),
    [
        ("2019-03-05", "2019-03-05"),
        ("2019-03-05 08:30:00", "2019-03-05"),
        ("2019-03-05T08:30:00+08:00", "2019-03-05"),
        ("2019/3/5", "2019-03-05"),
        ("2019.03.05", "2019-03-05"),
        ("2019年3月5日", "2019-03-05"),
        ("2019年03月05日 星期二", "2019-03-05"),
        ("20190305", "2019-03-05"),
        ("March 5, 2019", "2019-03-05"),
        ("5 March 2019", "2019-03-05"),
        ("D:20190304221500+08'00'", "2019-03-04"),
    ],
)
def test_a_date_in_any_common_form_becomes_iso(given: str, iso: str) -> None:
    assert parse_date(given) == iso


@pytest.mark.parametrize(
    "given", ["", "第3版", "深耕10年", "2019年", "13/45/2019", "1890-01-01", "2999-01-01", "明天"]
)
def test_no_date_is_made_up(given: str) -> None:
    assert parse_date(given) is None


def test_dates_in_file_names() -> None:
    assert date_in_name("2019-03-05.pdf") == "2019-03-05"
    assert date_in_name("archive/zjgr_20190305_03.pdf") == "2019-03-05"
    assert date_in_name("工会版2019年3月5日.txt") == "2019-03-05"
    assert date_in_name("2019_03_05_page3.html") == "2019-03-05"
    assert date_in_name("002_b66ab0af8ed20314.txt") is None
    assert date_in_name("page_12345678.pdf") is None  # digits that are no date


def test_a_date_inside_a_line_is_found_and_relative_words_are_not() -> None:
    assert search_date("浙江工人日报 2019年3月5日 星期二 第3版 责任编辑:本报") == "2019-03-05"
    assert search_date("嘉善县总工会深耕10年打响品牌") is None
    assert search_date("近日,3月5日上午举行") is None  # no year: not an issue date


def test_editions() -> None:
    assert edition_in("第3版") == "第3版"
    assert edition_in("第 03 版:工会") == "第3版"
    assert edition_in("第A2版") == "第A2版"
    assert edition_in("打响“五型”品牌") is None


def test_the_header_line_of_a_page() -> None:
    meta, span = page_header("\n\n2019年3月5日 星期二 第3版\n\n嘉善县总工会\n")
    assert meta == {"date": "2019-03-05", "edition": "第3版"}
    assert span == (2, 19)
    assert page_header("浙江工人日报 第3版\n\n标题\n")[0] == {"edition": "第3版"}
    # A headline that starts with a date is no header; nor is a date far down the page.
    assert page_header("2018年12月3日 杭州召开职工代表大会\n\n正文。\n") == ({}, None)
    assert page_header("一\n\n二\n\n三\n\n2019年3月5日 星期二 第3版\n") == ({}, None)


PAGE = (
    "\n\n2019年3月5日 星期二 第3版\n\n嘉善县总工会 深耕10年打响品牌\n\n本报讯 近日,嘉善县总工会举办活动。\n"
)


def test_a_page_is_dated_by_its_header_line_which_is_not_indexed(tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_text(PAGE, encoding="utf-8")
    (doc,) = read_corpus([tmp_path]).documents
    assert doc.meta == {"date": "2019-03-05", "edition": "第3版"}
    chunks = chunk_document(doc)
    assert chunks and all("星期二" not in c.text for c in chunks)
    assert chunks[0].title == "嘉善县总工会 深耕10年打响品牌"


def test_a_page_without_a_header_is_dated_by_its_file_name(tmp_path: Path) -> None:
    (tmp_path / "2019-04-01_p2.md").write_text("标题\n\n本报讯 正文。\n", encoding="utf-8")
    (tmp_path / "undated.txt").write_text("标题\n\n本报讯 正文。\n", encoding="utf-8")
    docs = {d.source: d.meta for d in read_corpus([tmp_path]).documents}
    assert docs == {"2019-04-01_p2.md": {"date": "2019-04-01"}, "undated.txt": {}}


def test_jsonl_dates_are_kept_as_iso(tmp_path: Path) -> None:
    lines = [
        {"id": "a", "title": "t", "text": "正文。", "date": "2019年7月2日"},
        {"id": "b", "title": "t", "text": "正文。", "date": "2019-08-01T10:00:00+08:00"},
        {"id": "c", "title": "t", "text": "正文。", "date": 20190901},
        {"id": "d", "title": "t", "text": "正文。", "date": "不是日期"},
        {"id": "e", "title": "t", "text": "正文。"},
    ]
    (tmp_path / "articles-20191001.jsonl").write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8"
    )
    (tmp_path / "more.jsonl").write_text(json.dumps(lines[3], ensure_ascii=False), encoding="utf-8")
    corpus = read_corpus([tmp_path])
    dates = {d.source: d.meta.get("date") for d in corpus.documents}
    assert dates == {
        "articles-20191001.jsonl#a": "2019-07-02",
        "articles-20191001.jsonl#b": "2019-08-01",
        "articles-20191001.jsonl#c": "2019-09-01",
        "articles-20191001.jsonl#d": "2019-10-01",  # unreadable: the file's date stands in
        "articles-20191001.jsonl#e": "2019-10-01",
        "more.jsonl#d": None,  # unreadable and no other: no date rather than a wrong one
    }
    assert not corpus.rejections
