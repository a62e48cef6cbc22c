"""A real archive folder through both command lines: a newspaper PDF, a scan, an e-paper page and
dated JSONL articles are indexed together; the scan is named in one line; answers cite the PDF's
page and leave the web page's site out."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from material import BOILERPLATE, epaper_html, scanned_pdf, stories
from workspace import CORPUS, run_cli

from index.store import take_over


@pytest.fixture(scope="module")
def archive(seed_pdfs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("archive")
    corpus = where / "corpus"
    (corpus / "2019").mkdir(parents=True)
    (corpus / "2019" / "zjgr_20190305_03.pdf").write_bytes(
        (seed_pdfs / "002_b66ab0af8ed20314.pdf").read_bytes()
    )
    scanned_pdf(seed_pdfs / "003_9d0583d7963fa8de.pdf", corpus / "2019" / "scan_page4.pdf")
    article = stories((CORPUS / "004_30b075de9a65b725.txt").read_text(encoding="utf-8"))[1]  # 淳安
    page = epaper_html(article.headline, [t for _, t in article.blocks], dt.date(2019, 3, 6))
    (corpus / "content_2019-03-06.htm").write_text(page, encoding="utf-8")
    lines = [
        {"id": "q1", "title": "衢州", "text": "衢州市总工会为环卫工人送清凉。", "date": "2019年7月2日"},
        {"id": "h1", "title": "湖州", "text": "湖州市总工会举办职工运动会。", "date": "2019-08-01T10:00:00"},
    ]
    (corpus / "news.jsonl").write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8"
    )
    done = run_cli(
        "index", "build", "--model", "hash", "--corpus", str(corpus), "--index-dir", str(where / "ix")
    )
    where.joinpath("build.out").write_text(done.stdout + "\n--\n" + done.stderr, encoding="utf-8")
    where.joinpath("build.rc").write_text(str(done.returncode))
    return where


def test_the_build_indexes_the_rest_and_names_the_scan_in_one_line(archive: Path) -> None:
    assert (archive / "build.rc").read_text() == "1"
    out = (archive / "build.out").read_text(encoding="utf-8")
    assert out.startswith("Indexed 3 files: 10 articles, ")  # articles by headline, over 4 documents
    named = [line for line in out.splitlines() if "scan_page4.pdf" in line]
    assert named == ["2019/scan_page4.pdf: no text layer (a scan); OCR is not available, so not indexed"]


def test_every_document_carries_its_date_edition_and_page(archive: Path) -> None:
    previous = take_over(archive / "ix")
    try:
        docs = {d.source: d.meta for ds in previous.contents().documents.values() for d in ds}
    finally:
        previous.close()
    assert docs == {
        "2019/zjgr_20190305_03.pdf#p1": {"date": "2019-03-05", "edition": "第3版", "page": "1"},
        "content_2019-03-06.htm": {"date": "2019-03-06", "edition": "第3版"},
        "news.jsonl#q1": {"date": "2019-07-02"},
        "news.jsonl#h1": {"date": "2019-08-01"},
    }


def test_ask_cites_the_pdf_page(archive: Path) -> None:
    done = run_cli(
        "assistant", "ask", "嘉善有几家单位获评全国工人先锋号？", "--index-dir", str(archive / "ix"), "--json"
    )
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)["hits"]
    best = next(h for h in hits if "3家获评全国" in h["text"])
    assert best["source"] == "2019/zjgr_20190305_03.pdf#p1"
    assert best["title"] == "嘉善县总工会 深耕10年打响“五型”品牌 引领10余万职工 争创“工人先锋号”"


def test_ask_finds_the_web_page_without_its_site(archive: Path) -> None:
    question = "淳安县总工会新年要做优做强哪些工作品牌？"
    done = run_cli("assistant", "ask", question, "--index-dir", str(archive / "ix"), "--json", "-k", "10")
    hits = json.loads(done.stdout)["hits"]
    page = [h for h in hits if h["source"] == "content_2019-03-06.htm"]
    assert page, [h["source"] for h in hits]
    assert not any(b in h["text"] for h in page for b in BOILERPLATE)
    everything = run_cli(
        "assistant", "ask", "版权所有 首页 扫码下载客户端", "--index-dir", str(archive / "ix"), "--json"
    )
    assert not any(b in h["text"] for h in json.loads(everything.stdout)["hits"] for b in BOILERPLATE)


def test_add_takes_the_new_formats_and_refuses_others(seed_pdfs: Path, tmp_path: Path) -> None:
    from index import Settings, SourceConflict, add_files

    settings = Settings(
        corpus=(tmp_path / "corpus",), index_dir=tmp_path / "ix", model="hash", cache_dir=tmp_path
    )
    drop = tmp_path / "drop"
    drop.mkdir()
    pdf = drop / "第3版 2019-03-05.pdf"
    pdf.write_bytes((seed_pdfs / "002_b66ab0af8ed20314.pdf").read_bytes())
    (drop / "page.HTM").write_text("<html><body><p>正文。</p></body></html>", encoding="utf-8")
    (drop / "notes.xlsx").write_bytes(b"PK")
    copied, present = add_files(settings, [pdf, drop / "page.HTM"])
    assert copied == ["第3版_2019-03-05.pdf", "page.HTM"] and present == []
    with pytest.raises(
        SourceConflict, match=r"notes\.xlsx is not a \.txt, \.md, \.jsonl, \.pdf, \.html, \.htm"
    ):
        add_files(settings, [drop / "notes.xlsx"])
