"""Recover articles, sections and paragraphs from a page extracted from a print layout.

The pages break sentences across blank lines, shred narrow columns into short fragments,
float photo captions between paragraphs, repeat text, and mark headlines only by being
short lines without closing punctuation (see ``shared/CORPUS.md``). Everything here is a
pure function on the page text. Each recovered character keeps the offset it had in the
page, so a passage can always be cited back to the exact region it came from; recovery
only ever drops characters (blank lines, repeats, ``#`` marks), never invents them, except
the ``\\n`` put between two lines, and the source has a newline there too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..read._dates import page_header
from ..text import ends_sentence

# A line ending in one of these stops mid-sentence: the next line continues it.
MID = ",，、;；"
SHORT = 32  # captions and list lines are at most this long; body paragraphs rarely are
HEADLINE = 26  # headlines and subheads are shorter still
LIST_RUN = 5  # this many short lines in a row is a list (names, units), not a headline group

_MD = re.compile(r"^(#{1,6})\s+")
_BYLINE = re.compile(
    r"^(■|本版(撰稿|编辑)\s*[:：])|^((特约)?(记者|通讯员|撰稿)\s*[\u4e00-\u9fff]{2,4}\s*){1,3}$"
)
_NAMES = re.compile(r"^[\u4e00-\u9fff]{2,3}(\s+[\u4e00-\u9fff]{2,3})+$")
_LEAD = re.compile(r"^(本报讯|[^。，,!?！？]{2,30}?报道\s)")
_SENTENCE_START = re.compile(
    r"^(为了?|同时|截至|截止|通过|据|但|而|并|此外|另外|其中|随后|目前|近年来|今年|去年|\d{4}年)"
    r"|^[^,，“]{1,10}(后|时|中|前|上|以来)[,，]"
)
_PAIRS = (("“", "”"), ("(", ")"), ("（", "）"), ("《", "》"), ("‘", "’"))
FRAGMENT = 16  # a shredded column's pieces are 10–13 characters


@dataclass
class Para:
    """A paragraph with the page offset of each of its characters."""

    text: str
    pos: list[int]
    kind: str = "body"  # body | heading | byline | item | caption

    @property
    def open(self) -> bool:
        """An unfinished body paragraph: the next line probably continues it."""
        return self.kind == "body" and not ends_sentence(self.text, long=len(self.text) > SHORT)

    def extend(self, other: Para, sep: str = "") -> None:
        if sep:
            self.pos.append(self.pos[-1] + 1)  # a newline of the page lies after the last character
        self.text += sep + other.text
        self.pos.extend(other.pos)


@dataclass
class Section:
    heading: str
    paras: list[Para] = field(default_factory=list)


@dataclass
class Article:
    title: str
    sections: list[Section] = field(default_factory=list)

    def section(self, heading: str) -> Section:
        s = Section(heading)
        self.sections.append(s)
        return s


@dataclass
class _Block:
    para: Para
    line: int
    gap: int  # blank lines before it
    kind: str  # md | byline | lead | caption | short | text
    level: int = 0


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    gap = 0
    offset = 0
    # The page's header line (``2019年3月5日 星期二 第3版``) is page furniture: its date and edition
    # are the document's meta (see _read.py), and it is not text to search.
    _, header = page_header(text)
    for lineno, line in enumerate(text.split("\n"), 1):
        start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if not stripped or (header is not None and start == header[0]):
            gap += 1 if not stripped else 0
            continue
        begin = start + len(line) - len(line.lstrip())
        level = 0
        md = _MD.match(stripped)
        if md:
            level = len(md.group(1))
            begin += md.end()
            stripped = stripped[md.end() :].strip()
            if not stripped:
                gap += 1
                continue
        para = Para(stripped, list(range(begin, begin + len(stripped))))
        blocks.append(_Block(para, lineno, gap, "md" if level else "", level))
        gap = 0
    blocks = _fold_repeats(blocks)
    for i, b in enumerate(blocks):
        if b.kind:
            continue
        b.kind = _kind(b, i, blocks)
    return blocks


_FOLD_MIN = 12
_FOLD_MAX_PAGE = 200_000  # repeat folding compares each line with the page so far: keep it to page sizes


def _fold_repeats(blocks: list[_Block]) -> list[_Block]:
    """Drop lines the page already printed and trim a repeated tail (000:21, 001:131, 002:179).

    Earlier lines are compared as one string, so a repeat of a shredded column is found too;
    a tail only counts as repeated where the earlier copy also ended a line, so a paragraph
    that quotes its own headline (004:53) keeps its words.
    """
    if sum(len(b.para.text) for b in blocks) > _FOLD_MAX_PAGE:
        return blocks
    seen = ""
    ends: set[int] = set()
    kept: list[_Block] = []
    for b in blocks:
        p = b.para
        if not b.kind and len(p.text) >= 4:
            cut = _repeated_tail(p.text, seen, ends)
            if cut == len(p.text):
                continue
            if cut:
                p.text, p.pos = p.text[:-cut], p.pos[:-cut]
        seen += p.text
        ends.add(len(seen))
        kept.append(b)
    return kept


def _repeated_tail(text: str, seen: str, ends: set[int]) -> int:
    """Length of the longest tail of ``text`` printed before at the end of a line.

    A whole line of at least 4 characters counts; a partial tail needs _FOLD_MIN.
    """

    def printed(k: int) -> bool:
        tail = text[-k:]
        at = seen.find(tail)
        while at >= 0:
            if at + k in ends:
                return True
            at = seen.find(tail, at + 1)
        return False

    if len(text) >= 8 and printed(len(text)):
        return len(text)
    best = 0
    for k in range(_FOLD_MIN, len(text)):
        if not printed(k):
            break
        best = k
    return best


def _kind(b: _Block, i: int, blocks: list[_Block]) -> str:
    s = b.para.text
    rest = blocks[i + 1 :]
    if _BYLINE.match(s) or (_NAMES.match(s) and all(_BYLINE.match(r.para.text) for r in rest)):
        return "byline"
    if _LEAD.match(s):
        return "lead"
    short = len(s) <= SHORT
    if short and i > 0 and b.gap >= 2:
        nxt = rest[0].para.text if rest else ""
        signed = bool(_LEAD.match(nxt) or _BYLINE.match(nxt)) and i + 2 < len(blocks)
        if ends_sentence(s, long=False) or s.endswith(")") or not signed:
            return "caption"
    if len(s) <= HEADLINE and not ends_sentence(s, long=False) and s[-1] not in MID and _balanced(s):
        return "short"
    return "text"


def _balanced(s: str) -> bool:
    """Headlines close what they open; a line cut mid-sentence often does not (``…7名(市``)."""
    return all(s.count(a) == s.count(b) for a, b in _PAIRS)


def parse_page(text: str) -> list[Article]:
    """Split a page into articles, sections and paragraphs.

    >>> page = "嘉善县总工会\\n\\n深耕10年打响品牌\\n\\n本报讯 近日,嘉善县总工会举办活动。"
    >>> [a.title for a in parse_page(page)]
    ['嘉善县总工会 深耕10年打响品牌']
    """
    return _PageReader(_blocks(text)).articles_read()


class _PageReader:
    """Reads a page's blocks in order into articles, one block kind a method; each method returns
    the index of the next block to read."""

    def __init__(self, blocks: list[_Block]) -> None:
        self.blocks = blocks
        self.has_md = any(b.kind == "md" for b in blocks)
        self.articles: list[Article] = []
        self.captions: dict[int, list[Para]] = {}
        self.last: Para | None = None  # the body paragraph lines may still be joined to
        self.last_piece = 0  # length of the line last joined to it: short pieces mean a shredded column

    def articles_read(self) -> list[Article]:
        i = 0
        readers = {"caption": self._caption, "md": self._markdown, "byline": self._byline}
        while i < len(self.blocks):
            kind = self.blocks[i].kind
            read = readers.get(kind, self._text if kind in ("text", "lead") else self._short)
            i = read(i)
        for idx, caps in self.captions.items():
            a = self.articles[idx] if idx >= 0 else (self.articles[0] if self.articles else self._article(""))
            sec = a.section("图片说明")
            for c in caps:
                c.kind = "caption"
                sec.paras.append(c)
        for a in self.articles:
            a.sections = [s for s in a.sections if s.paras]
        return [a for a in self.articles if a.sections]

    def _article(self, title: str) -> Article:
        a = Article(title)
        self.articles.append(a)
        a.section("")
        return a

    def _current(self) -> Section:
        return (self.articles[-1] if self.articles else self._article("")).sections[-1]

    def _caption(self, i: int) -> int:
        self.captions.setdefault(len(self.articles) - 1, []).append(self.blocks[i].para)
        return i + 1

    def _markdown(self, i: int) -> int:
        b, articles = self.blocks[i], self.articles
        self.last = None
        if b.level == 1 or not articles or (b.level == 2 and _only_title(articles[-1])):
            if b.level == 2 and articles and _only_title(articles[-1]):
                a = articles[-1]
                a.title = f"{a.title} {b.para.text}".strip()
            else:
                a = self._article(b.para.text)
            _heading(a.sections[-1], b.para)
        else:
            _heading(articles[-1].section(b.para.text), b.para)
        return i + 1

    def _byline(self, i: int) -> int:
        para = self.blocks[i].para
        para.kind = "byline"
        self._current().paras.append(para)
        self.last = None
        return i + 1

    def _text(self, i: int) -> int:
        para = self.blocks[i].para
        if self.last is not None and self.last.open:
            self.last.extend(para)
        else:
            self.last = para
            self._current().paras.append(para)
        self.last_piece = len(para.text)
        return i + 1

    def _short(self, i: int) -> int:
        """A short line without closing punctuation: headline, subhead, list item or fragment."""
        blocks, b, last = self.blocks, self.blocks[i], self.last
        run = _short_run(blocks, i)
        after = blocks[run[-1] + 1] if run[-1] + 1 < len(blocks) else None
        shredded = last is not None and last.open and self.last_piece <= FRAGMENT
        group = not self.has_md and not shredded
        group = group and _headline_group(blocks, run, after, first=not self.articles)
        if last is not None and last.open and not group:
            if self.has_md or shredded or not _looks_like_heading(b.para.text):
                last.extend(b.para)
                self.last_piece = len(b.para.text)
                return i + 1
        if group:
            a = self._article(" ".join(blocks[j].para.text for j in run))
            for j in run:
                _heading(a.sections[-1], blocks[j].para)
            self.last = None
            return run[-1] + 1
        if self.has_md or _shredded(blocks, run) or _SENTENCE_START.match(b.para.text):
            return self._text_alone(i)
        if len(run) >= LIST_RUN:
            for j in run:
                blocks[j].para.kind = "item"
                self._current().paras.append(blocks[j].para)
            self.last = None
            return run[-1] + 1
        sec = (self.articles[-1] if self.articles else self._article("")).section(b.para.text)
        _heading(sec, b.para)
        self.last = None
        return i + 1

    def _text_alone(self, i: int) -> int:
        """A short line that starts a paragraph of its own (not joined to the one before)."""
        para = self.blocks[i].para
        self.last = para
        self._current().paras.append(para)
        self.last_piece = len(para.text)
        return i + 1


def _heading(sec: Section, para: Para) -> None:
    para.kind = "heading"
    sec.paras.append(para)


def _only_title(a: Article) -> bool:
    return all(p.kind == "heading" for s in a.sections for p in s.paras)


def _short_run(blocks: list[_Block], i: int) -> list[int]:
    """Indices of consecutive short lines from ``i``; a layout gap (a photo) ends the run."""
    run = [i]
    j = i + 1
    while j < len(blocks) and blocks[j].kind == "short" and blocks[j].gap < 2:
        run.append(j)
        j += 1
    return run


def _shredded(blocks: list[_Block], run: list[int]) -> bool:
    """A narrow column cut into 10–13 character fragments, some ending mid-clause."""
    nxt = run[-1] + 1
    if nxt >= len(blocks) or len(blocks[run[0]].para.text) > FRAGMENT + 8:
        return False
    return blocks[nxt].kind == "text" and len(blocks[nxt].para.text) <= FRAGMENT and not blocks[nxt].para.open


def _headline_group(blocks: list[_Block], run: list[int], after: _Block | None, first: bool) -> bool:
    """A headline (with kicker, subtitle or interviewee line): it starts a new article.

    Every headline on these pages carries a cue: top of the page, a byline or ``本报讯``
    lead after it, an interviewee line ending in a colon, or a ``——`` subtitle.
    """
    texts = [blocks[j].para.text for j in run]
    if len(run) >= LIST_RUN:
        return False
    if first:
        return True
    if any(t.endswith((":", "：")) or t.startswith("——") for t in texts):
        return True
    return after is not None and after.kind in ("lead", "byline")


def _looks_like_heading(s: str) -> bool:
    """Two parallel phrases (``上下合力 形成机制``) rather than the start of a sentence."""
    return len(s) >= 6 and any(c in s for c in " ,，") and not _SENTENCE_START.match(s)
