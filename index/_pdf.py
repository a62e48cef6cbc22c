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
import math
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._dates import date_in_name, edition_in, parse_date, search_date
from ._pages import ends_sentence
from ._types import Document, Rejection
from .errors import PdfProblem

__all__ = ["PdfProblem", "PdfText", "read_pdf", "render_page", "page_text"]

_LOCK = threading.Lock()
# Headlines are set at least this much larger than the body; subheads between.
HEADLINE = 1.3
SUBHEAD = 1.05
SMALL = 0.95
_BOLD = ("bold", "black", "heavy", "semibold", "demi", "hei", "黑")
MAX_PDF_BYTES = 200 * 1024 * 1024
MAX_PAGES = 2000


@dataclass(frozen=True)
class _Glyph:
    ch: str
    x0: float
    y0: float  # PDF space: y grows upwards
    x1: float
    y1: float
    font: str
    seq: int  # place in the content stream

    @property
    def size(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class _Line:
    glyphs: list[_Glyph]
    size: float
    font: str

    @property
    def x0(self) -> float:
        return self.glyphs[0].x0

    @property
    def x1(self) -> float:
        return self.glyphs[-1].x1

    @property
    def top(self) -> float:  # distance from the top of the page grows downwards
        return -max(g.y1 for g in self.glyphs)

    @property
    def bottom(self) -> float:
        return -min(g.y0 for g in self.glyphs)


@dataclass
class _Block:
    lines: list[_Line] = field(default_factory=list)
    kind: str = "body"  # head | sub | small | body

    @property
    def size(self) -> float:
        return self.lines[0].size

    @property
    def font(self) -> str:
        return self.lines[0].font

    @property
    def x0(self) -> float:
        return min(ln.x0 for ln in self.lines)

    @property
    def x1(self) -> float:
        return max(ln.x1 for ln in self.lines)

    @property
    def top(self) -> float:
        return self.lines[0].top

    @property
    def bottom(self) -> float:
        return self.lines[-1].bottom


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


def _glyphs(page: Any) -> tuple[list[_Glyph], int]:
    import ctypes  # noqa: PLC0415

    import pypdfium2.raw as c  # noqa: PLC0415

    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        n = c.FPDFText_CountChars(raw)
        rect = c.FS_RECTF()
        matrix = c.FS_MATRIX()
        ox, oy = ctypes.c_double(), ctypes.c_double()
        buf = ctypes.create_string_buffer(128)
        flags = ctypes.c_int()
        out: list[_Glyph] = []
        fonts: dict[bytes, str] = {}
        for i in range(n):
            code = c.FPDFText_GetUnicode(raw, i)
            if c.FPDFText_IsGenerated(raw, i):
                # PDFium puts a space where the text skips one (a word space the PDF does not
                # draw), and line ends, which the geometry decides here instead.
                if code == 32 and out and c.FPDFText_GetLooseCharBox(raw, i, rect):
                    prev = out[-1]
                    out.append(_Glyph(" ", prev.x1, prev.y0, prev.x1, prev.y1, prev.font, len(out)))
                continue
            if code == 0 or chr(code) in "\r\n\t\ufffe\uffff":
                continue
            if not c.FPDFText_GetLooseCharBox(raw, i, rect) or not c.FPDFText_GetCharOrigin(
                raw, i, ctypes.byref(ox), ctypes.byref(oy)
            ):
                continue
            # The size as printed: the font size scaled by the text's matrix. Glyph boxes are no
            # guide (some fonts give each glyph's ink box), so lines stand on their baselines.
            c.FPDFText_GetMatrix(raw, i, matrix)
            size = c.FPDFText_GetFontSize(raw, i) * math.hypot(matrix.b, matrix.d)
            if size <= 0:
                continue
            length = c.FPDFText_GetFontInfo(raw, i, buf, len(buf), ctypes.byref(flags))
            key = buf.raw[: max(0, length - 1)]
            font = fonts.get(key)
            if font is None:
                font = fonts[key] = key.decode("latin-1").split("+", 1)[-1].lower()
            base = oy.value
            ch = _fold(chr(code))
            out.append(
                _Glyph(ch, rect.left, base - 0.12 * size, rect.right, base + 0.88 * size, font, len(out))
            )
    finally:
        textpage.close()
    images = sum(1 for _ in page.get_objects(filter=[c.FPDF_PAGEOBJ_IMAGE], max_depth=3))
    return out, images


def _fold(ch: str) -> str:
    """A Kangxi radical or compatibility ideograph as the ideograph it stands for: some PDFs'
    Unicode maps give ``⼯`` (U+2F2F) for 工, which no question would match.

    >>> _fold("⼯"), _fold("工"), _fold("，")
    ('工', '工', '，')
    """
    code = ord(ch)
    if 0x2E80 <= code <= 0x2FDF or 0xF900 <= code <= 0xFAFF:
        folded = unicodedata.normalize("NFKC", ch)
        return folded if len(folded) == 1 else ch
    return ch


# --- lines and blocks ---------------------------------------------------------------------------


def _sizes(glyphs: Sequence[_Glyph]) -> dict[float, float]:
    """Each glyph size, mapped to the size class it belongs to (sizes within 2% are one: sizes come
    from the font and the text matrix, exact but for rounding; a caption may be set only half a
    point smaller than the body)."""
    classes: dict[float, float] = {}
    base = 0.0
    for h in sorted({round(g.size, 1) for g in glyphs}):
        if not base or h > base * 1.02:
            base = h
        classes[h] = base
    return classes


def _lines(glyphs: Sequence[_Glyph]) -> list[_Line]:
    if not glyphs:
        return []
    classes = _sizes(glyphs)
    by_size: dict[float, list[_Glyph]] = {}
    for g in glyphs:
        by_size.setdefault(classes[round(g.size, 1)], []).append(g)
    body = max(by_size, key=lambda size: len(by_size[size]))
    lines: list[_Line] = []
    for size, group in by_size.items():
        group.sort(key=lambda g: (-g.cy, g.x0))
        rows: list[list[_Glyph]] = []
        anchor = 0.0
        for g in group:
            if rows and abs(g.cy - anchor) < 0.4 * size:
                rows[-1].append(g)
            else:
                rows.append([g])
                anchor = g.cy
        for row in rows:
            # By the middle of each box: punctuation set tight (``(“``) overlaps its neighbour.
            row.sort(key=lambda g: (round(g.x0 + g.x1, 1), g.seq))
            piece: list[_Glyph] = []
            for g in row:
                if piece and _gutter(piece, g, min(size, body)):
                    lines.append(_line(piece, size))
                    piece = []
                last = piece[-1] if piece else None
                if last and g.ch == last.ch and abs(g.x0 - last.x0) < 0.2 * size and g.seq > last.seq + 1:
                    continue  # printed twice over itself (a fake bold); ``——`` is one glyph, two characters
                piece.append(g)
            if piece:
                lines.append(_line(piece, size))
    return [ln for ln in lines if any(not g.ch.isspace() for g in ln.glyphs)]


def _gutter(piece: Sequence[_Glyph], b: _Glyph, size: float) -> bool:
    """Whether the gap between two characters of a row parts two columns.

    ``size`` is the body text's, for headlines too: gutters are set to the body. Characters
    written one after the other in the content stream are one line up to 2.5 em apart (a
    justified line with a long unbreakable word spreads its characters; headlines have word
    spaces). Others are parted by more than 0.35 em: a narrow gutter after a full-width ``”``
    (whose box takes its whole em) can look as small as half an em.
    """
    gap = b.x0 - max(g.x1 for g in piece[-3:])
    if any(b.seq == g.seq + 1 for g in piece[-3:]):
        return gap > 2.5 * size
    return gap > 0.35 * size


def _line(glyphs: list[_Glyph], size: float) -> _Line:
    fonts: dict[str, int] = {}
    for g in glyphs:
        fonts[g.font] = fonts.get(g.font, 0) + 1
    spaces = sum(1 for g in glyphs if g.ch == " ")
    if spaces > 3 and spaces > len(glyphs) // 4:
        # A letter-spaced line (justified around a long word): PDFium saw a space in every gap.
        glyphs = [g for k, g in enumerate(glyphs) if g.ch != " " or _spaced(glyphs, k)]
    while glyphs and glyphs[-1].ch.isspace():
        glyphs.pop()
    while glyphs and glyphs[0].ch.isspace():
        glyphs.pop(0)
    return _Line(glyphs, size, max(fonts, key=fonts.__getitem__))


def _spaced(glyphs: Sequence[_Glyph], k: int) -> bool:
    """Whether the space at ``k`` stands between two Latin letters or digits (a word space)."""
    return 0 < k < len(glyphs) - 1 and _latin(glyphs[k - 1].ch) and _latin(glyphs[k + 1].ch)


def _blocks(lines: Sequence[_Line]) -> list[_Block]:
    """Lines of one size and font, each just under the one before and overlapping it across."""
    blocks: list[_Block] = []
    open_: list[_Block] = []
    for ln in sorted(lines, key=lambda ln: (ln.top, ln.x0)):
        home = None
        for b in open_:
            last = b.lines[-1]
            gap = ln.top - last.bottom
            overlap = min(ln.x1, b.x1) - max(ln.x0, b.x0)
            if (
                b.size == ln.size
                and b.font == ln.font
                and -0.3 * ln.size <= gap <= 1.0 * ln.size
                and overlap > 0.5 * min(ln.x1 - ln.x0, b.x1 - b.x0)
                and ln.x0 >= b.x0 - 3 * ln.size  # the line under an indented first line
            ):
                home = b
                break
        if home is None:
            home = _Block([ln])
            blocks.append(home)
            open_.append(home)
        else:
            home.lines.append(ln)
        # A block more than a few lines above this one is closed.
        open_ = [b for b in open_ if ln.top - b.bottom <= 2 * b.size]
    return blocks


def _kinds(blocks: Sequence[_Block]) -> float:
    """Mark each block head, sub, small or body against the body size (the size most text has)."""
    weight: dict[float, int] = {}
    for b in blocks:
        weight[b.size] = weight.get(b.size, 0) + sum(len(ln.glyphs) for ln in b.lines)
    body = max(weight, key=weight.__getitem__)
    fonts: dict[str, int] = {}
    for b in blocks:
        if b.size == body:
            fonts[b.font] = fonts.get(b.font, 0) + sum(len(ln.glyphs) for ln in b.lines)
    body_font = max(fonts, key=fonts.__getitem__)
    for b in blocks:
        ratio = b.size / body
        bold = b.font != body_font and any(w in b.font for w in _BOLD)
        chars = sum(len(ln.glyphs) for ln in b.lines)
        if ratio >= HEADLINE:
            b.kind = "head"
        elif ratio >= SUBHEAD or (bold and ratio >= SMALL and len(b.lines) <= 2 and chars <= 40):
            b.kind = "sub"
        elif ratio < SMALL:
            b.kind = "small"
    return body


# --- reading order ------------------------------------------------------------------------------


def _split(blocks: Sequence[_Block], axis: str, gap: float) -> list[list[_Block]]:
    """Groups of blocks between gaps (wider than ``gap``) that no block crosses."""
    if axis == "y":
        ordered = sorted(blocks, key=lambda b: b.top)

        def span(b: _Block) -> tuple[float, float]:
            return b.top, b.bottom
    else:
        ordered = sorted(blocks, key=lambda b: b.x0)

        def span(b: _Block) -> tuple[float, float]:
            return b.x0, b.x1

    groups: list[list[_Block]] = []
    end = float("-inf")
    for b in ordered:
        start, stop = span(b)
        if not groups or start > end + gap:
            groups.append([b])
        else:
            groups[-1].append(b)
        end = max(end, stop) if len(groups[-1]) > 1 else stop
    return groups


def _bands(blocks: Sequence[_Block], body: float) -> list[list[_Block]]:
    """Horizontal bands of the page, cut only where an article can end.

    Photos and subheads leave gaps in every column now and then, and where such gaps line up a
    cut would run through the middle of an article. A cut is kept where the band above is only
    headlines or small print (the page header), or where the band below starts with a headline
    and no column's text runs on across the cut (a sentence left open above, going on unindented
    below: articles running down the columns one after another). The width of the gap is no
    guide: a photo leaves a wider one inside an article than the space between two articles.
    """
    bands = _split(blocks, "y", 0.0)
    kept = [bands[0]]
    for below in bands[1:]:
        top = min(b.top for b in below)
        above = kept[-1]
        headline = any(b.kind == "head" and b.top - top < 2 * body for b in below)
        if all(b.kind in ("head", "small") for b in above) or (headline and not _runs_on(above, below, body)):
            kept.append(list(below))
        else:
            above.extend(below)
    return kept


def _runs_on(above: Sequence[_Block], below: Sequence[_Block], body: float) -> bool:
    """Whether some column's text goes on across the cut between two bands: a column whose last
    block above the cut is a headline or subhead set just over the first block below, or a
    sentence left open that the column's first block below goes on with, unindented."""
    above = [b for b in above if b.kind != "small"]
    below = [b for b in below if b.kind != "small"]
    for a in above:
        if any(_over(o, a) and o.top > a.top for o in above if o is not a):
            continue  # not the last block of its column
        under = [b for b in below if _over(a, b)]
        if not under:
            continue
        b = min(under, key=lambda b: b.top)
        # A headline or subhead is set tight on what it heads; a subhead left at a column's foot
        # (its text in the next column) is not followed by the next row's headline that closely.
        close = b.top - a.bottom < 2 * body
        if close and (a.kind == "head" or (a.kind == "sub" and b.kind == "body")):
            return True
        tail = "".join(g.ch for g in a.lines[-1].glyphs).rstrip()
        if a.kind == "body" and b.kind == "body" and not ends_sentence(tail, long=False):
            if b.lines[0].x0 <= b.x0 + 0.8 * b.size:
                return True
    return False


def _over(a: _Block, b: _Block) -> bool:
    """Whether two blocks share most of the narrower one's width (stand in one column)."""
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 * min(a.x1 - a.x0, b.x1 - b.x0)


def _order(blocks: list[_Block], body: float) -> list[_Block]:
    if len(blocks) <= 1:
        return blocks
    bands = _bands(blocks, body)
    if len(bands) > 1:
        merged: list[list[_Block]] = []
        for band in bands:
            if merged and all(b.kind == "head" for b in merged[-1]):
                merged[-1].extend(band)  # a headline row belongs to what is under it
            else:
                merged.append(list(band))
        if len(merged) > 1:
            return [b for band in merged for b in _order(band, body)]
    columns = _split(blocks, "x", 0.5 * body)
    if len(columns) > 1:
        return [b for col in columns for b in _order(col, body)]
    if len(bands) > 1:  # a headline over the columns of its article
        return [b for band in bands for b in _order(band, body)]
    return sorted(blocks, key=lambda b: (b.top, b.x0))


# --- text ---------------------------------------------------------------------------------------


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


class _Writer:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.boxes: list[Box | None] = []

    def put(self, s: str) -> None:
        self.parts.append(s)
        self.boxes.extend([None] * len(s))

    def line(self, ln: _Line) -> None:
        prev: _Glyph | None = None
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
                and _latin(prev.ch)
                and _latin(g.ch)
                and g.x0 - prev.x1 > 0.2 * ln.size
            ):
                self.put(" ")
            self.parts.append(g.ch)
            self.boxes.append((g.x0, g.y0, g.x1, g.y1))
            prev = g

    def join(self, a: _Line, b: _Line) -> None:
        if a.glyphs and b.glyphs and _latin(a.glyphs[-1].ch) and _latin(b.glyphs[0].ch):
            self.put(" ")


def _paragraphs(b: _Block) -> list[list[_Line]]:
    if b.kind != "body":
        return [b.lines]
    x0, x1 = b.x0, b.x1
    paras: list[list[_Line]] = []
    for ln in b.lines:
        indented = ln.x0 > x0 + 0.8 * ln.size
        short = bool(paras) and paras[-1][-1].x1 < x1 - 1.2 * ln.size
        if paras and not indented and not short:
            paras[-1].append(ln)
        else:
            paras.append([ln])
    return paras


def _continues(a: _Block, b: _Block) -> bool:
    """Whether body block ``b`` goes on with the paragraph ``a`` ends: ``a`` ends on a full line,
    ``b`` starts on an unindented one, in the same type, in a column to the right or below."""
    if a.kind != "body" or b.kind != "body" or a.size != b.size or a.font != b.font:
        return False
    last, first = a.lines[-1], b.lines[0]
    full = last.x1 >= a.x1 - 1.2 * last.size and len(a.lines) > 1
    indented = first.x0 > b.x0 + 0.8 * first.size
    return full and not indented and (b.x0 > a.x1 - a.size or b.top > a.bottom)


def _furniture(
    blocks: Sequence[_Block], page_top: float, page_height: float
) -> tuple[set[int], dict[str, str]]:
    """The header line at the top of the page (and a folio at its foot): the first (last) band of
    the page, near its edge, in print no larger than the body's, naming an edition or a date.
    Left out of the text; its date and edition are kept."""
    meta: dict[str, str] = {}
    out: set[int] = set()
    bands = _split(blocks, "y", 0.0)
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
    glyphs: Sequence[_Glyph], page_top: float, page_height: float
) -> tuple[str, list[Box | None], dict[str, str]]:
    lines = _lines(glyphs)
    if not lines:
        return "", [], {}
    blocks = _blocks(lines)
    body = _kinds(blocks)
    skip, meta = _furniture(blocks, page_top, page_height)
    ordered = _order([b for b in blocks if id(b) not in skip], body)
    w = _Writer()
    heading_run = False
    prev: _Block | None = None
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
    glyphs, images = _glyphs(page)
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
        docs.append(Document(source=f"{name}#p{number}", text=got.text, meta=dict(sorted(meta.items()))))
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
