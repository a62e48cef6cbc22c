"""The page in a real browser: type a question, press Enter, see the passage that answers it.

Drives Debian's Chromium (``apt-get install chromium fonts-noto-cjk``) with Playwright's Python
package (``pip install playwright``; Playwright's own browser download is not used). Without either
the tests fail, saying what to install. Saves a screenshot (to $NEWS_ASSISTANT_SCREENSHOT, else the
temp folder). The time from Enter to the answer on screen is a figure: scripts/bench_browser.py.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from material import BROWSER_ARGS, CHROMIUM
from webserver import CORPUS, hash_index, serving

from assistant import Assistant
from assistant.faces.web import create_app
from index import HashEmbedder, Settings, build

# The README's screenshot is refreshed on request (NEWS_ASSISTANT_SCREENSHOT=docs/screenshot-answer.png),
# so a test run never rewrites a tracked file.
SCREENSHOT = Path(
    os.environ.get("NEWS_ASSISTANT_SCREENSHOT") or Path(tempfile.gettempdir()) / "news-assistant-answer.png"
)
JIASHAN = "嘉善有几家单位获评全国工人先锋号？"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser test needs Playwright's Python package: pip install playwright", False)
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.fail(
            f"the browser test needs Chromium at {CHROMIUM}: apt-get install chromium fonts-noto-cjk "
            "(or set CHROMIUM to its path)",
            pytrace=False,
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    index_dir = hash_index(tmp_path_factory.mktemp("ix"))
    with Assistant.open(index_dir, HashEmbedder()) as a, serving(create_app(a)) as u:
        yield u


def ask(page: Any, question: str) -> None:
    """Type the question, press Enter and wait for the answer."""
    box = page.locator("#question textarea")
    box.fill(question)
    before = page.locator("#answers .na-answer").count()
    box.press("Enter")
    page.locator("#answers .na-answer").nth(before).wait_for(state="visible", timeout=30_000)


def test_ask_in_the_browser(browser: Any, url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    page.locator("#question textarea").wait_for(timeout=30_000)
    ask(page, JIASHAN)

    answer = page.locator("#answers .na-answer").last
    first = answer.locator(".na-hit").first
    assert "嘉善" in first.inner_text()  # in its heading: 嘉善县总工会 深耕10年…
    assert "002_b66ab0af8ed20314.txt" in first.locator(".na-where").inner_text()
    assert first.locator("mark.answer").is_visible()
    assert "3家获评全国" in first.locator("mark.answer").inner_text()
    assert first.is_visible()  # the best passage is in view, not scrolled past
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    # The citation opens the source at the passage.
    with page.context.expect_page() as opened:
        first.locator("a.na-source").click()
    source = opened.value
    source.wait_for_load_state()
    mark = source.locator("#passage")  # the first marked line of the passage, scrolled to
    assert "3家获评全国" in "".join(source.locator("mark").all_inner_texts())  # the passage spans lines
    assert mark.is_visible()
    box = mark.bounding_box()
    assert box is not None and 0 <= box["y"] < source.viewport_size["height"]
    page.close()
    source.close()


def test_a_follow_up_in_the_browser(browser: Any, url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    page.locator("#question textarea").wait_for(timeout=30_000)
    ask(page, "安吉评出来的工匠里，哪一位是做白茶炒制的？")
    ask(page, "那嘉善呢？")
    last = page.locator("#answers .na-answer").last
    assert "结合前面的问题检索" in last.inner_text()
    assert last.locator(".na-verdict").is_visible()
    page.close()


def test_markup_in_an_article_stays_text_in_the_browser(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    corpus = tmp_path_factory.mktemp("evil")
    article = {
        "id": "evil",
        "title": "嘉善<img src=x onerror=alert(1)>",
        "text": "嘉善有3家单位获评全国工人先锋号。<script>alert(2)</script><img src=x onerror=alert(3)>"
        "[嘉善](http://evil.example/) <!-- 嘉善 -->",
    }
    (corpus / "evil.jsonl").write_text(json.dumps(article, ensure_ascii=False) + "\n", encoding="utf-8")
    index_dir = hash_index(tmp_path_factory.mktemp("evilix"), corpus)
    dialogs: list[str] = []
    with Assistant.open(index_dir, HashEmbedder()) as a, serving(create_app(a)) as u:
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(u)
        page.locator("#question textarea").wait_for(timeout=30_000)
        ask(page, JIASHAN)
        answer = page.locator("#answers .na-answer").last
        text = answer.inner_text()
        assert "<script>alert(2)</script>" in text and "[嘉善](http://evil.example/)" in text
        assert answer.locator("img, script").count() == 0
        assert answer.locator("a[href*='evil.example']").count() == 0
        page.goto(u + "view?source=evil.jsonl%23evil&start=0&end=10")
        assert "<script>alert(2)</script>" in page.locator("main").inner_text()
        page.close()
    assert dialogs == []


def test_the_users_own_markup_stays_text_in_the_browser(browser: Any, url: str) -> None:
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(url)
    page.locator("#question textarea").wait_for(timeout=30_000)
    ask(page, '<img src=x> <a href="http://evil.example/">嘉善</a>')
    asked = page.locator("#answers .na-asked").last
    assert "<img src=x>" in asked.inner_text()
    assert page.locator("#answers img, #answers a[href*='evil.example']").count() == 0
    assert not any(u.endswith("/x") for u in requested)
    page.close()


def test_a_pdf_page_filtered_by_date_in_the_browser(
    browser: Any, seed_pdfs: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The chat's filters, a PDF hit's citation with its issue, and its page drawn beside the text
    (the source view's CSP lets its own image in, and nothing else)."""
    where = tmp_path_factory.mktemp("pdfweb")
    corpus = where / "corpus"
    shutil.copytree(CORPUS, corpus)  # the seed pages as .txt (undated) …
    pdf = "002_b66ab0af8ed20314.pdf"
    shutil.copy(seed_pdfs / pdf, corpus / pdf)  # … and one of them printed, dated 2019-03-05
    settings = Settings(corpus=(corpus,), index_dir=where / "ix", model="hash", cache_dir=where)
    build(settings, HashEmbedder())
    with (
        Assistant.open(settings.index_dir, HashEmbedder()) as a,
        serving(create_app(a, settings=settings)) as u,
    ):
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(u)
        page.locator("#question textarea").wait_for(timeout=30_000)
        page.locator("#chat-filters").click()
        page.locator("#chat-since textarea, #chat-since input").first.fill("2019-03-01")
        page.locator("#chat-until textarea, #chat-until input").first.fill("2019-03-31")
        ask(page, JIASHAN)
        hits = page.locator("#answers .na-answer").last.locator(".na-hit")
        assert hits.count() >= 1
        wheres = hits.locator(".na-where").all_inner_texts()
        assert all(w.startswith(f"{pdf}#p1") for w in wheres), wheres  # the undated .txt pages are out
        assert hits.first.locator(".na-issue").inner_text() == "2019-03-05 · 第3版 · 第1页"
        with page.context.expect_page() as opened:
            hits.first.locator("a.na-source").click()
        view = opened.value
        view.wait_for_load_state("load")
        image = view.locator(".page img")
        image.wait_for(timeout=30_000)
        view.wait_for_function("document.querySelector('.page img').complete", timeout=30_000)
        assert view.evaluate("document.querySelector('.page img').naturalWidth") > 500
        assert "3家获评全国" in "".join(view.locator("mark").all_inner_texts())
        view.close()
        page.close()
