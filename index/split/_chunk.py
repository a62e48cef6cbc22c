"""Chunking: documents to cited passages that stay inside one section and end on sentence boundaries."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from ..records import Chunk, Document
from ..text import split_sentences
from ._pages import Article, Para, Section, parse_page

__all__ = ["CHUNKER_VERSION", "chunk_document", "split_sentences", "windows"]

# Bump when chunk boundaries or texts change: the manifest records it, so an index built
# by another chunker is rebuilt rather than mixed.
CHUNKER_VERSION = "4"  # 4: a page's header line is left out
# Measured on the dev sets (docs/benchmarks.md): up to 500 characters (about a newspaper column
# section, within the model's 512 tokens), each chunk repeating up to 150 characters of whole
# sentences from the one before, so that a fact stated across a boundary is whole in one of them.
DEFAULT_MAX_CHARS = 500
DEFAULT_OVERLAP = 150
# Besides the whole passage, each run of its sentences up to this many characters is embedded too,
# and a passage's dense score is that of its best run (docs/benchmarks.md). A question asks about
# one fact; in a 500-character passage covering five, its cosine is diluted, above all for an
# English question, which has no lexical leg to make up for it.
WINDOW_CHARS = 100

_CLAUSE_END = re.compile(r"[，,；;：:、]")


@dataclass
class _Unit:
    """A sentence (or heading line) with the page offset of each character."""

    text: str
    pos: list[int]
    para: int  # which paragraph it came from: units of one paragraph join without a separator
    heading: bool = False


def windows(chunk: Chunk, size: int = WINDOW_CHARS) -> list[str]:
    """Texts to embed for the runs of whole sentences, up to ``size`` characters, of a chunk,
    each under the chunk's title and section; none for a chunk that is a single run.

    >>> c = Chunk("缴了会费。选出了主席。", "p.txt", "小镇工会", "", 0, 11, 1, 1)
    >>> windows(c, 6)
    ['小镇工会\\n缴了会费。', '小镇工会\\n选出了主席。']
    >>> windows(c)
    []
    """
    runs: list[str] = []
    for sentence in split_sentences(chunk.text):
        if runs and len(runs[-1]) + len(sentence) <= size:
            runs[-1] += sentence
        else:
            runs.append(sentence)
    if len(runs) < 2:
        return []
    return [replace(chunk, text=r.strip()).embed_text for r in runs]


def _units(paras: list[Para], max_chars: int) -> Iterator[_Unit]:
    for n, p in enumerate(paras):
        if p.kind != "body":
            yield from _cut(_Unit(p.text, p.pos, n, p.kind == "heading"), max_chars)
            continue
        i = 0
        for sentence in split_sentences(p.text):
            j = i + len(sentence)
            yield from _cut(_Unit(sentence, p.pos[i:j], n), max_chars)
            i = j


def _cut(u: _Unit, max_chars: int) -> Iterator[_Unit]:
    """Cut a sentence longer than a chunk at clause punctuation, or hard as a last resort."""
    while len(u.text) > max_chars:
        window = u.text[:max_chars]
        ends = [m.end() for m in _CLAUSE_END.finditer(window)]
        at = ends[-1] if ends and ends[-1] > max_chars // 3 else max_chars
        yield _Unit(u.text[:at], u.pos[:at], u.para, u.heading)
        u = _Unit(u.text[at:], u.pos[at:], u.para, u.heading)
    if u.text.strip():
        yield u


def _pack(units: list[_Unit], max_chars: int, overlap: int = 0) -> Iterator[list[_Unit]]:
    """Greedy packing of whole sentences up to max_chars; a heading always keeps its first sentence.

    With ``overlap``, a chunk starts with the last sentences of the previous one (at most that
    many characters), so a fact stated across a chunk boundary is whole in one of them.
    """
    group: list[_Unit] = []
    size = 0
    fresh = 0  # units in the group not carried over from the previous chunk
    for u in units:
        if group and fresh and size + len(u.text) > max_chars and not all(g.heading for g in group):
            yield group
            carried: list[_Unit] = []
            for g in reversed(group):
                if g.heading or sum(len(c.text) for c in carried) + len(g.text) > overlap:
                    break
                carried.insert(0, g)
            group, size, fresh = carried, sum(len(c.text) + 1 for c in carried), 0
        while not fresh and group and size + len(u.text) > max_chars:
            size -= len(group.pop(0).text) + 1  # the carried sentences give way to a long one
        group.append(u)
        size += len(u.text) + 1
        fresh += 1
    if group and fresh:
        yield group


def _text(group: list[_Unit]) -> tuple[str, int, int]:
    parts: list[str] = []
    for k, u in enumerate(group):
        if k and u.para != group[k - 1].para:
            parts.append("\n")  # a different line of the page: the source has a newline between
        parts.append(u.text)
    text = "".join(parts)
    lead = len(text) - len(text.lstrip())
    start = group[0].pos[0] if lead == 0 else group[0].pos[min(lead, len(group[0].pos) - 1)]
    return text.strip(), start, group[-1].pos[-1] + 1


def _body_paras(doc: Document) -> list[Article]:
    """A JSONL article: its title is given, its lines are paragraphs."""
    sec = Section("")
    offset = 0
    for line in doc.text.split("\n"):
        stripped = line.strip()
        if stripped:
            begin = offset + len(line) - len(line.lstrip())
            sec.paras.append(Para(stripped, list(range(begin, begin + len(stripped)))))
        offset += len(line) + 1
    return [Article(doc.title, [sec])] if sec.paras else []


def chunk_document(
    doc: Document, max_chars: int = DEFAULT_MAX_CHARS, overlap: int = DEFAULT_OVERLAP
) -> list[Chunk]:
    """Chunks of a document, each citing the region of ``doc.text`` it came from.

    >>> page = "\\n\\n温岭工会 送消防\\n\\n本报讯 演练结束后,还举行了消防\\n\\n安全主题文艺汇演。"
    >>> [(c.title, c.text) for c in chunk_document(Document("p.txt", page))]
    [('温岭工会 送消防', '温岭工会 送消防\\n本报讯 演练结束后,还举行了消防安全主题文艺汇演。')]
    """
    articles = parse_page(doc.text) if doc.is_page else _body_paras(doc)
    newlines = [m.start() for m in re.finditer("\n", doc.text)] if doc.is_page else []
    chunks: list[Chunk] = []
    for a in articles:
        title = a.title or doc.title
        for sec in a.sections:
            for group in _pack(list(_units(sec.paras, max_chars)), max_chars, overlap):
                text, start, end = _text(group)
                if not text:
                    continue
                if doc.is_page:
                    first = bisect.bisect_right(newlines, start) + 1
                    last = bisect.bisect_right(newlines, end - 1) + 1
                else:
                    first = last = 1
                chunks.append(
                    Chunk(
                        text=text,
                        source=doc.source,
                        title=title,
                        section=sec.heading,
                        start=start,
                        end=end,
                        line_start=first + doc.line_offset,
                        line_end=last + doc.line_offset,
                    )
                )
    return chunks


def passage_texts(chunk: Chunk) -> list[str]:
    """The texts embedded for a chunk, in the order of its vectors: the chunk, then its windows.

    >>> passage_texts(Chunk("缴了会费。", "p.txt", "小镇工会", "", 0, 5, 1, 1))
    ['小镇工会\\n缴了会费。']
    """
    return [chunk.embed_text, *windows(chunk)]
