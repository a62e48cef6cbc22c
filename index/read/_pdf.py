"""Newspaper PDFs: the text layer of each page in reading order, as a page the page pipeline reads.

A print page is laid out in columns, with headlines spanning the columns of their article,
subheads, photos with captions, and a dated header line. Layout software writes the text in
whatever order its boxes were made, so the order is recovered from the geometry alone:

1. characters (PDFium's boxes and sizes) are grouped into lines, and lines into blocks: runs
   of lines of one size and font, one under the other, in one column;
2. blocks are put in reading order by cutting the page recursively (an XY-cut): into bands
   where nothing crosses a horizontal gap, else into columns where nothing crosses a vertical
   gap. A band holding only headlines goes with the band under it, so that articles side by
   side under their own headlines are read one after the other, not headline row first;
3. each block becomes paragraphs (a new one where a line is indented or the line before ends
   short), and headlines become Markdown headings (``#`` the first line of a headline group,
   ``##`` its kicker or subtitle, ``###`` a subhead), which the page pipeline takes as article
   and section starts. Small print after a gap is set apart as the page pipeline's captions.

The header line (``2019年3月5日 星期二 第3版``) gives the page's date and edition and is left
out of the text, as is any other page furniture beside it. Each character of the text keeps
the box it came from, so a passage can be marked on the rendered page (``render_page``).

PDFium is not thread-safe: every call into it holds one lock.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PdfProblem
from ..records import Document, Rejection
from ..sources import page_source
from ._dates import date_in_name, edition_in, parse_date, search_date
from ._pdf_layout import (
    Block,
    Glyph,
    Line,
    blocks_of,
    is_latin,
    lines_of,
    mark_kinds,
    page_glyphs,
    reading_order,
    split_blocks,
)

__all__ = ["PdfProblem", "PdfText", "read_pdf", "render_page", "page_text"]

_LOCK = threading.Lock()
MAX_PDF_BYTES = 200 * 1024 * 1024
MAX_PAGES = 2000


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF space


@dataclass(frozen=True)
class PdfText:
    """One page's text in reading order, each character's box (None for a separator put in),
    and what its header line says (``date``, ``edition``)."""

    text: str
    boxes: list[Box | None]
    meta: dict[str, str]
    glyphs: int  # characters on the page
    images: int  # image objects on the page (a scan has images and no characters)


# --- reading PDFium ---------------------------------------------------------------------------


def _open(data: bytes | Path, name: str) -> Any:
    import pypdfium2 as pdfium  # noqa: PLC0415  (a C library; only PDFs need it)

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        message = str(e).lower()
        if "password" in message:
            raise PdfProblem(
                "encrypted PDF (it needs a password); save an unprotected copy and add that"
            ) from e
        if "format" in message or "not found" in message:
            raise PdfProblem("broken PDF (PDFium cannot read it); re-export or re-download it") from e
        raise PdfProblem(f"cannot read this PDF ({e}); re-export or re-download it") from e


# --- lines and blocks ---------------------------------------------------------------------------


# --- reading order ------------------------------------------------------------------------------


# --- text ---------------------------------------------------------------------------------------


class _Writer:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.boxes: list[Box | None] = []

    def put(self, s: str) -> None:
        self.parts.append(s)
        self.boxes.extend([None] * len(s))

    def line(self, ln: Line) -> None:
        prev: Glyph | None = None
        for g in ln.glyphs:
            if g.ch.isspace():
                if prev is not None and not prev.ch.isspace():
                    self.parts.append(" ")
                    self.boxes.append((g.x0, g.y0, g.x1, g.y1))
                    prev = g
                continue
            if (
                prev is not None
                and not prev.ch.isspace()
                and is_latin(prev.ch)
                and is_latin(g.ch)
                and g.x0 - prev.x1 > 0.2 * ln.size
            ):
                self.put(" ")
            self.parts.append(g.ch)
            self.boxes.append((g.x0, g.y0, g.x1, g.y1))
            prev = g

    def join(self, a: Line, b: Line) -> None:
        if a.glyphs and b.glyphs and is_latin(a.glyphs[-1].ch) and is_latin(b.glyphs[0].ch):
            self.put(" ")


def _paragraphs(b: Block) -> list[list[Line]]:
    if b.kind != "body":
        return [b.lines]
    x0, x1 = b.x0, b.x1
    paras: list[list[Line]] = []
    for ln in b.lines:
        indented = ln.x0 > x0 + 0.8 * ln.size
        short = bool(paras) and paras[-1][-1].x1 < x1 - 1.2 * ln.size
        if paras and not indented and not short:
            paras[-1].append(ln)
        else:
            paras.append([ln])
    return paras


def _continues(a: Block, b: Block) -> bool:
    """Whether body block ``b`` goes on with the paragraph ``a`` ends: ``a`` ends on a full line,
    ``b`` starts on an unindented one, in the same type, in a column to the right or below."""
    if a.kind != "body" or b.kind != "body" or a.size != b.size or a.font != b.font:
        return False
    last, first = a.lines[-1], b.lines[0]
    full = last.x1 >= a.x1 - 1.2 * last.size and len(a.lines) > 1
    indented = first.x0 > b.x0 + 0.8 * first.size
    return full and not indented and (b.x0 > a.x1 - a.size or b.top > a.bottom)


def _furniture(
    blocks: Sequence[Block], page_top: float, page_height: float
) -> tuple[set[int], dict[str, str]]:
    """The header line at the top of the page (and a folio at its foot): the first (last) band of
    the page, near its edge, in print no larger than the body's, naming an edition or a date.
    Left out of the text; its date and edition are kept."""
    meta: dict[str, str] = {}
    out: set[int] = set()
    bands = split_blocks(blocks, "y", 0.0)
    for band, edge in ((bands[0], "top"), (bands[-1], "bottom")):
        if edge == "top":
            near = max(b.bottom for b in band) - page_top < 0.08 * page_height
        else:
            near = min(b.top for b in band) - page_top > 0.95 * page_height
        text = " ".join("".join(g.ch for ln in b.lines for g in ln.glyphs) for b in band)
        if not near or len(text) > 120 or any(b.kind == "head" for b in band):
            continue
        found: dict[str, str] = {}
        edition = edition_in(text)
        if edition:
            found["edition"] = edition
        day = search_date(text)
        if day:
            found["date"] = day
        if found:
            out.update(id(b) for b in band)
            for k, v in found.items():
                meta.setdefault(k, v)
    return out, meta


def _page_text(
    glyphs: Sequence[Glyph], page_top: float, page_height: float
) -> tuple[str, list[Box | None], dict[str, str]]:
    lines = lines_of(glyphs)
    if not lines:
        return "", [], {}
    blocks = blocks_of(lines)
    body = mark_kinds(blocks)
    skip, meta = _furniture(blocks, page_top, page_height)
    ordered = reading_order([b for b in blocks if id(b) not in skip], body)
    w = _Writer()
    heading_run = False
    prev: Block | None = None
    for b in ordered:
        paras = _paragraphs(b)
        for n, para in enumerate(paras):
            if n == 0 and prev is not None and _continues(prev, b):
                w.join(prev.lines[-1], para[0])  # a paragraph running on into the next column
            elif w.parts:
                w.put("\n\n\n" if b.kind == "small" else "\n\n")
            if b.kind == "head":
                w.put("## " if heading_run else "# ")
            elif b.kind == "sub":
                w.put("### ")
            for k, ln in enumerate(para):
                if k:
                    w.join(para[k - 1], ln)
                w.line(ln)
        heading_run = b.kind == "head"
        prev = b
    return "".join(w.parts), w.boxes, meta


def page_text(page: Any) -> PdfText:
    """The text of one PDFium page in reading order (see the module's description)."""
    glyphs, images = page_glyphs(page)
    left, bottom, right, top = page.get_cropbox()
    text, boxes, meta = _page_text(glyphs, -top, top - bottom)
    return PdfText(text, boxes, meta, len(glyphs), images)


# --- documents ----------------------------------------------------------------------------------


def _unreadable(text: str) -> bool:
    """A text layer of private-use or unmapped codes (fonts without a Unicode map) reads as noise."""
    letters = [c for c in text if not c.isspace() and c not in "#"]
    if not letters:
        return True
    bad = sum(1 for c in letters if unicodedata.category(c) in ("Co", "Cn", "Cc") or c == "\ufffd")
    return bad > len(letters) // 3


def read_pdf(data: bytes, name: str) -> tuple[list[Document], list[Rejection]]:
    """One document per page with text, ``name#pN``, with meta ``page`` (1-based), and ``date`` and
    ``edition`` where known: from the page's header line, else the file name, else the PDF's
    creation date. Pages without a text layer are named in one rejection line (OCR is not
    available); a PDF that cannot be read at all gets one line and no documents."""
    if not data.strip():
        return [], [Rejection(name, "empty file, nothing to index")]
    if not data.lstrip()[:1024].startswith(b"%PDF") and b"%PDF" not in data[:1024]:
        return [], [Rejection(name, "not a PDF (no %PDF header); give a PDF exported from the layout")]
    if b"%%EOF" not in data[-2048:]:
        return [], [
            Rejection(name, "truncated PDF (it has no end-of-file mark); re-download or re-export it")
        ]
    with _LOCK:
        try:
            pdf = _open(data, name)
        except PdfProblem as e:
            return [], [Rejection(name, str(e))]
        try:
            return _documents(pdf, name)
        finally:
            pdf.close()


def _documents(pdf: Any, name: str) -> tuple[list[Document], list[Rejection]]:
    n = len(pdf)
    if n == 0:
        return [], [Rejection(name, "the PDF has no pages, nothing to index")]
    if n > MAX_PAGES:
        return [], [Rejection(name, f"the PDF has {n:,} pages, over the {MAX_PAGES:,} limit; split it")]
    texts: list[tuple[int, PdfText]] = []
    scans: list[int] = []
    noise: list[int] = []
    for i in range(n):
        page = pdf[i]
        try:
            got = page_text(page)
        finally:
            page.close()
        if not got.text.strip():
            if got.images:
                scans.append(i + 1)
        elif _unreadable(got.text):
            noise.append(i + 1)
        else:
            texts.append((i + 1, got))
    # A page without a header line is dated by another page's header (one file is one issue),
    # else by the file name, else by the PDF's creation date. Its edition is its own.
    day = next((got.meta["date"] for _, got in texts if "date" in got.meta), None) or date_in_name(name)
    if not day:
        info = pdf.get_metadata_dict(skip_empty=True)
        day = next(
            (d for d in (parse_date(info[k]) for k in ("CreationDate", "ModDate") if k in info) if d), None
        )
    docs: list[Document] = []
    for number, got in texts:
        meta = {**({"date": day} if day else {}), **got.meta, "page": str(number)}
        docs.append(
            Document(source=page_source(name, number), text=got.text, meta=dict(sorted(meta.items())))
        )
    rejections = []
    if scans:
        rejections.append(
            Rejection(name, f"{_which(scans, n)}no text layer (a scan); OCR is not available, so not indexed")
        )
    if noise:
        rejections.append(
            Rejection(
                name,
                f"{_which(noise, n)}text that cannot be decoded (fonts without a Unicode map); "
                "OCR is not available, so not indexed",
            )
        )
    if not docs and not rejections:
        rejections.append(Rejection(name, "no text on any page (blank pages), nothing to index"))
    return docs, rejections


def _which(numbers: Sequence[int], n: int) -> str:
    """The pages a problem is on, to start a sentence (nothing for a one-page file).

    >>> _which([1], 1), _which([2], 3), _which([2, 3], 3), _which([1, 2], 2)
    ('', 'page 2 has ', 'pages 2, 3 have ', 'all 2 pages have ')
    """
    if len(numbers) == n:
        return "" if n == 1 else f"all {n} pages have "
    shown = ", ".join(str(p) for p in numbers[:10]) + (", …" if len(numbers) > 10 else "")
    return f"pages {shown} have " if len(numbers) > 1 else f"page {shown} has "


# --- the page as a picture ------------------------------------------------------------------------


def render_page(path: Path, page: int, spans: Iterable[tuple[int, int]] = (), *, scale: float = 1.5) -> bytes:
    """PNG of one page (1-based), with each ``(start, end)`` span of its document text marked.

    The spans are offsets into the text ``read_pdf`` gave the page's document (a citation's
    ``start``/``end``); each marked line of the passage gets a translucent box.
    """
    from PIL import Image, ImageDraw  # noqa: PLC0415

    if not path.is_file():
        raise PdfProblem(f"{path} is not in the corpus any more; build the index again")
    with _LOCK:
        pdf = _open(path, path.name)
        try:
            if not 1 <= page <= len(pdf):
                raise PdfProblem(f"{path.name} has {len(pdf)} pages, not a page {page}")
            p = pdf[page - 1]
            try:
                got = page_text(p)
                left, _, _, top = p.get_cropbox()
                image = p.render(scale=scale).to_pil().convert("RGBA")
            finally:
                p.close()
        finally:
            pdf.close()
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for start, end in spans:
        for x0, y0, x1, y1 in _line_boxes(got.boxes[max(0, start) : max(0, end)]):
            rect = ((x0 - left) * scale, (top - y1) * scale, (x1 - left) * scale, (top - y0) * scale)
            draw.rectangle(rect, fill=(255, 214, 0, 90), outline=(230, 140, 0, 255), width=2)
    out = io.BytesIO()
    Image.alpha_composite(image, overlay).convert("RGB").save(out, "PNG")
    return out.getvalue()


def _line_boxes(boxes: Sequence[Box | None]) -> list[Box]:
    """One box per printed line the characters stand on."""
    out: list[list[float]] = []
    for box in boxes:
        if box is None:
            continue
        x0, y0, x1, y1 = box
        if out:
            last = out[-1]
            same_line = abs((y0 + y1) / 2 - (last[1] + last[3]) / 2) < 0.5 * (y1 - y0)
            if same_line and -0.5 * (y1 - y0) <= x0 - last[2] <= 2 * (y1 - y0):
                last[2] = max(last[2], x1)
                last[1], last[3] = min(last[1], y0), max(last[3], y1)
                continue
        out.append([x0, y0, x1, y1])
    return [(a, b, c, d) for a, b, c, d in out]
