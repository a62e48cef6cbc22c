"""The geometry of a PDF page: characters into lines, lines into blocks of one size and font in one
column, the blocks' kinds (headline, subhead, body, small print), and their reading order by an XY-cut
(see ``_pdf`` for the whole method)."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..text import ends_sentence

# Headlines are set at least this much larger than the body; subheads between.
HEADLINE = 1.3


SUBHEAD = 1.05


SMALL = 0.95


_BOLD = ("bold", "black", "heavy", "semibold", "demi", "hei", "黑")


@dataclass(frozen=True)
class Glyph:
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
class Line:
    glyphs: list[Glyph]
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
class Block:
    lines: list[Line] = field(default_factory=list)
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


def page_glyphs(page: Any) -> tuple[list[Glyph], int]:
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
        out: list[Glyph] = []
        fonts: dict[bytes, str] = {}
        for i in range(n):
            code = c.FPDFText_GetUnicode(raw, i)
            if c.FPDFText_IsGenerated(raw, i):
                # PDFium puts a space where the text skips one (a word space the PDF does not
                # draw), and line ends, which the geometry decides here instead.
                if code == 32 and out and c.FPDFText_GetLooseCharBox(raw, i, rect):
                    prev = out[-1]
                    out.append(Glyph(" ", prev.x1, prev.y0, prev.x1, prev.y1, prev.font, len(out)))
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
                Glyph(ch, rect.left, base - 0.12 * size, rect.right, base + 0.88 * size, font, len(out))
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


def _sizes(glyphs: Sequence[Glyph]) -> dict[float, float]:
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


def lines_of(glyphs: Sequence[Glyph]) -> list[Line]:
    if not glyphs:
        return []
    classes = _sizes(glyphs)
    by_size: dict[float, list[Glyph]] = {}
    for g in glyphs:
        by_size.setdefault(classes[round(g.size, 1)], []).append(g)
    body = max(by_size, key=lambda size: len(by_size[size]))
    lines: list[Line] = []
    for size, group in by_size.items():
        group.sort(key=lambda g: (-g.cy, g.x0))
        rows: list[list[Glyph]] = []
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
            piece: list[Glyph] = []
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


def _gutter(piece: Sequence[Glyph], b: Glyph, size: float) -> bool:
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


def _line(glyphs: list[Glyph], size: float) -> Line:
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
    return Line(glyphs, size, max(fonts, key=fonts.__getitem__))


def _spaced(glyphs: Sequence[Glyph], k: int) -> bool:
    """Whether the space at ``k`` stands between two Latin letters or digits (a word space)."""
    return 0 < k < len(glyphs) - 1 and is_latin(glyphs[k - 1].ch) and is_latin(glyphs[k + 1].ch)


def blocks_of(lines: Sequence[Line]) -> list[Block]:
    """Lines of one size and font, each just under the one before and overlapping it across."""
    blocks: list[Block] = []
    open_: list[Block] = []
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
            home = Block([ln])
            blocks.append(home)
            open_.append(home)
        else:
            home.lines.append(ln)
        # A block more than a few lines above this one is closed.
        open_ = [b for b in open_ if ln.top - b.bottom <= 2 * b.size]
    return blocks


def mark_kinds(blocks: Sequence[Block]) -> float:
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


def split_blocks(blocks: Sequence[Block], axis: str, gap: float) -> list[list[Block]]:
    """Groups of blocks between gaps (wider than ``gap``) that no block crosses."""
    if axis == "y":
        ordered = sorted(blocks, key=lambda b: b.top)

        def span(b: Block) -> tuple[float, float]:
            return b.top, b.bottom
    else:
        ordered = sorted(blocks, key=lambda b: b.x0)

        def span(b: Block) -> tuple[float, float]:
            return b.x0, b.x1

    groups: list[list[Block]] = []
    end = float("-inf")
    for b in ordered:
        start, stop = span(b)
        if not groups or start > end + gap:
            groups.append([b])
        else:
            groups[-1].append(b)
        end = max(end, stop) if len(groups[-1]) > 1 else stop
    return groups


def _bands(blocks: Sequence[Block], body: float) -> list[list[Block]]:
    """Horizontal bands of the page, cut only where an article can end.

    Photos and subheads leave gaps in every column now and then, and where such gaps line up a
    cut would run through the middle of an article. A cut is kept where the band above is only
    headlines or small print (the page header), or where the band below starts with a headline
    and no column's text runs on across the cut (a sentence left open above, going on unindented
    below: articles running down the columns one after another). The width of the gap is no
    guide: a photo leaves a wider one inside an article than the space between two articles.
    """
    bands = split_blocks(blocks, "y", 0.0)
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


def _runs_on(above: Sequence[Block], below: Sequence[Block], body: float) -> bool:
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


def _over(a: Block, b: Block) -> bool:
    """Whether two blocks share most of the narrower one's width (stand in one column)."""
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 * min(a.x1 - a.x0, b.x1 - b.x0)


def reading_order(blocks: list[Block], body: float) -> list[Block]:
    if len(blocks) <= 1:
        return blocks
    bands = _bands(blocks, body)
    if len(bands) > 1:
        merged: list[list[Block]] = []
        for band in bands:
            if merged and all(b.kind == "head" for b in merged[-1]):
                merged[-1].extend(band)  # a headline row belongs to what is under it
            else:
                merged.append(list(band))
        if len(merged) > 1:
            return [b for band in merged for b in reading_order(band, body)]
    columns = split_blocks(blocks, "x", 0.5 * body)
    if len(columns) > 1:
        return [b for col in columns for b in reading_order(col, body)]
    if len(bands) > 1:  # a headline over the columns of its article
        return [b for band in bands for b in reading_order(band, body)]
    return sorted(blocks, key=lambda b: (b.top, b.x0))


def is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()
