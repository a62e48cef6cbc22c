"""The source view of a PDF page: the printed page drawn with the passage marked, beside the text,
from the corpus folders only; and the hits of a PDF with their date, edition and page.

Needs the seed PDFs that tests/material.py prints with Chromium (conftest's ``seed_pdfs``)."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from workspace import CORPUS

from assistant import Assistant, UnknownSource
from assistant.faces._page_image import PageImages, PageUnavailable
from assistant.faces.web import create_app
from index import HashEmbedder, Settings, build

PDF = "002_b66ab0af8ed20314.pdf"
SOURCE = f"{PDF}#p1"
JIASHAN = "嘉善有几家单位获评全国工人先锋号？"


def index_of(where: Path, seed_pdfs: Path) -> Settings:
    (where / "corpus").mkdir()
    shutil.copy(seed_pdfs / PDF, where / "corpus" / PDF)
    shutil.copy(CORPUS / "000_1e559e3fc737a720.txt", where / "corpus")
    settings = Settings(corpus=(where / "corpus",), index_dir=where / "ix", model="hash", cache_dir=where)
    build(settings, HashEmbedder())
    return settings


@pytest.fixture(scope="module")
def settings(seed_pdfs: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return index_of(tmp_path_factory.mktemp("pdfix"), seed_pdfs)


@pytest.fixture(scope="module")
def assistant(settings: Settings) -> Iterator[Assistant]:
    with Assistant.open(settings.index_dir, HashEmbedder()) as a:
        yield a


@pytest.fixture(scope="module")
def client(assistant: Assistant, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(assistant, settings=settings)) as c:
        yield c


def pdf_hit(client: TestClient) -> dict[str, object]:
    hits = client.get("/api/search", params={"q": JIASHAN, "k": 5, "source": PDF}).json()["hits"]
    return next(h for h in hits if "3家获评全国" in h["text"])


def test_a_pdf_hit_names_its_issue_edition_and_page(client: TestClient) -> None:
    hit = pdf_hit(client)
    assert (hit["source"], hit["date"], hit["edition"], hit["page"]) == (SOURCE, "2019-03-05", "第3版", 1)
    page = client.get("/", params={}).status_code
    assert page == 200


def test_the_view_shows_the_page_beside_the_text(client: TestClient) -> None:
    hit = pdf_hit(client)
    r = client.get("/view", params={"source": SOURCE, "start": hit["start"], "end": hit["end"]})
    assert r.status_code == 200
    assert "img-src 'self'" in r.headers["content-security-policy"]
    assert "script-src" not in r.headers["content-security-policy"]  # default-src 'none': no script
    (src,) = re.findall(r'<img src="([^"]+)"', r.text)
    url = src.replace("&amp;", "&")
    assert url.startswith("view/page.png?")
    assert parse_qs(urlsplit(url).query) == {
        "source": [SOURCE],
        "start": [str(hit["start"])],
        "end": [str(hit["end"])],
    }
    assert '<mark id="passage">' in r.text  # the text as read, marked, as for any source
    # A source that is no PDF page is shown as text alone.
    other = client.get("/view", params={"source": "000_1e559e3fc737a720.txt"})
    assert other.status_code == 200 and "<img" not in other.text


def test_the_page_image_marks_the_passage(client: TestClient) -> None:
    from PIL import Image

    hit = pdf_hit(client)
    marked = client.get("/view/page.png", params={"source": SOURCE, "start": hit["start"], "end": hit["end"]})
    assert marked.status_code == 200 and marked.headers["content-type"] == "image/png"
    assert marked.content.startswith(b"\x89PNG\r\n\x1a\n")
    plain = client.get("/view/page.png", params={"source": SOURCE})
    assert plain.status_code == 200
    a = Image.open(io.BytesIO(plain.content)).convert("RGB")
    b = Image.open(io.BytesIO(marked.content)).convert("RGB")
    assert a.size == b.size
    changed = sum(
        1
        for y in range(0, a.size[1], 5)
        for x in range(0, a.size[0], 5)
        if a.getpixel((x, y)) != b.getpixel((x, y))
    )
    assert changed > 20, "the passage is not marked"


@pytest.mark.parametrize(
    "source",
    [
        f"../corpus/{PDF}#p1",
        f"../../{PDF}#p1",
        f"/{PDF}#p1",
        "/etc/passwd.pdf#p1",
        "..\\..\\x.pdf#p1",
        f"corpus/../{PDF}#p1",
        f"{PDF}#p2",  # no such page in the index
        f"{PDF}#p0",
        PDF,
        "000_1e559e3fc737a720.txt",  # no PDF page
        "nope.pdf#p1",
    ],
)
def test_only_pdf_pages_of_the_index_are_drawn(client: TestClient, source: str) -> None:
    r = client.get("/view/page.png", params={"source": source})
    assert r.status_code == 404 and list(r.json()) == ["error"]


def test_an_absolute_path_is_refused(client: TestClient, settings: Settings) -> None:
    absolute = client.get("/view/page.png", params={"source": f"{settings.corpus[0].resolve() / PDF}#p1"})
    assert absolute.status_code == 404 and "no document" in absolute.json()["error"]


def test_no_name_reaches_outside_the_corpus_folders(tmp_path: Path) -> None:
    corpus, outside = tmp_path / "corpus", tmp_path / "secret.pdf"
    corpus.mkdir()
    outside.write_bytes(b"%PDF-1.4 secret")
    images = PageImages([corpus])
    # Even a name the index held could not lead out: it must be relative and without "..".
    for name in ["../secret.pdf", str(outside), "a/../../secret.pdf"]:
        with pytest.raises(UnknownSource):
            images.file(name, {name: "whatever"})
    with pytest.raises(PageUnavailable, match="not a page of a PDF"):
        images.png("secret.txt", {"secret.txt": "x"}, None, None)


def test_bad_marks_are_refused_or_ignored(client: TestClient) -> None:
    assert client.get("/view/page.png", params={"source": SOURCE, "start": -1, "end": 5}).status_code == 400
    assert client.get("/view/page.png", params={"source": SOURCE, "start": "x"}).status_code == 400
    # A range past the page's text marks what there is of it.
    assert (
        client.get("/view/page.png", params={"source": SOURCE, "start": 0, "end": 10**9}).status_code == 200
    )
    assert client.get("/view/page.png").status_code == 400


def test_a_pdf_changed_or_gone_since_it_was_indexed(seed_pdfs: Path, tmp_path: Path) -> None:
    settings = index_of(tmp_path, seed_pdfs)
    pdf = settings.corpus[0] / PDF
    with (
        Assistant.open(settings.index_dir, HashEmbedder()) as a,
        TestClient(create_app(a, settings=settings)) as c,
    ):
        assert c.get("/view/page.png", params={"source": SOURCE}).status_code == 200
        pdf.write_bytes(pdf.read_bytes() + b"\n% edited\n")
        r = c.get("/view/page.png", params={"source": SOURCE})
        assert (
            r.status_code == 404
            and "has changed since it was indexed; build the index again" in r.json()["error"]
        )
        pdf.unlink()
        r = c.get("/view/page.png", params={"source": SOURCE})
        assert r.status_code == 404 and "not in the corpus folder any more" in r.json()["error"]
        view = c.get("/view", params={"source": SOURCE})  # the text is still there to read
        assert view.status_code == 200 and "<img" not in view.text and "No page image" in view.text
    # Without the corpus folders (no settings), no page is drawn and the text is shown.
    with Assistant.open(settings.index_dir, HashEmbedder()) as a, TestClient(create_app(a)) as c:
        assert c.get("/view/page.png", params={"source": SOURCE}).status_code == 404
        assert "<img" not in c.get("/view", params={"source": SOURCE}).text


def test_the_chat_citation_shows_the_issue(assistant: Assistant) -> None:
    from assistant.faces._render import result_html

    out = result_html(assistant.search(JIASHAN, 5, sources=PDF))
    assert '<span class="na-issue">2019-03-05 · 第3版 · 第1页</span>' in out
