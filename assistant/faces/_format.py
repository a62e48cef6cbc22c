"""Search results as text for a terminal, where a Chinese character takes two columns."""

from __future__ import annotations

import unicodedata

from ..core import Hit, SearchResult

_NO_LINE_START = frozenset("，。、；：！？）》」』”’,.;:!?)]}")


def width(text: str) -> int:
    """Terminal columns: wide and fullwidth characters count two.

    >>> width("工会ab")
    6
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, columns: int) -> list[str]:
    """Lines of at most ``columns`` columns, keeping the text's own line breaks and dropping blank lines.

    Chinese has no spaces to break at, so lines break between any two characters, except that
    closing punctuation never starts a line: it hangs past the margin instead.

    >>> wrap("嘉善县总工会深耕10年", 8)
    ['嘉善县总', '工会深耕', '10年']
    >>> wrap("周全、周伟", 4)
    ['周全、', '周伟']
    """
    lines: list[str] = []
    for paragraph in text.splitlines():
        line, used = "", 0
        for c in paragraph.strip():
            w = width(c)
            if used + w > columns and line and c not in _NO_LINE_START:
                lines.append(line.rstrip())
                line, used = "", 0
            if not line and c.isspace():
                continue
            line += c
            used += w
        if line.strip():
            lines.append(line.rstrip())
    return lines


def cite(hit: Hit) -> str:
    """``file:9`` or ``file:9-12``, then the character range in the document.

    >>> from index import Chunk
    >>> chunk = Chunk(text="…", source="002.txt", title="", section="", start=120, end=260,
    ...               line_start=9, line_end=9)
    >>> cite(Hit(rank=1, score=0.9, chunk=chunk))
    '002.txt:9 (chars 120–260)'
    """
    lines = f"{hit.line_start}" if hit.line_start == hit.line_end else f"{hit.line_start}-{hit.line_end}"
    return f"{hit.source}:{lines} (chars {hit.start}–{hit.end})"


def printed(hit: Hit, chinese: bool = True) -> str:
    """Where the passage was printed, as far as known: ``2019-03-05 · 第3版 · 第1页`` ("" if unknown).

    >>> from index import Chunk, Issue
    >>> chunk = Chunk(text="…", source="a.pdf#p1", title="", section="", start=0, end=9,
    ...               line_start=1, line_end=1)
    >>> printed(Hit(rank=1, score=0.9, chunk=chunk, issue=Issue(date="2019-03-05", edition="第3版", page=1)))
    '2019-03-05 · 第3版 · 第1页'
    >>> printed(Hit(rank=1, score=0.9, chunk=chunk, issue=Issue(page=2)), chinese=False)
    'page 2'
    """
    page = None if hit.page is None else (f"第{hit.page}页" if chinese else f"page {hit.page}")
    return " · ".join(p for p in (hit.date, hit.edition, page) if p)


def format_result(result: SearchResult, columns: int = 80) -> str:
    question = " ".join(result.question.split())
    if len(question) > 60:
        question = question[:60] + "…"
    if not result.hits:
        said = "No passage has the dates and sources asked for." if result.reason == "filtered" else ""
        return f"{question}\n{said or 'No passages.'}"
    verdict = "found" if result.found else "weak matches only: the archive may not answer this"
    if result.unmatched:
        verdict += f"; the best passage does not mention {', '.join(result.unmatched)}"
    if result.instead:
        verdict += f"; it gives only {result.instead}"
    verdict += f"; confidence {result.confidence:.2f}"
    n = len(result.hits)
    out = [f"{question}"]
    if result.query and result.query != result.question:
        out.append(f"searched: {' '.join(result.query.split())}")
    out.append(f"{n} passage{'s' if n != 1 else ''}, best score {result.hits[0].score:.3f} ({verdict})")
    out = ["\n".join(out)]
    for hit in result.hits:
        heading = " · ".join(dict.fromkeys(p for p in (hit.title, hit.section) if p))
        out.append("")
        out.append(f"{hit.rank:>2}. {hit.score:.3f}  {heading}".rstrip())
        issue = printed(hit)
        out.append(f"    {cite(hit)}" + (f" · {issue}" if issue else ""))
        out.extend(f"    {line}" for line in wrap(hit.text, max(20, columns - 4)))
        if hit.answer:
            answer = " ".join(hit.text[hit.answer[0] : hit.answer[1]].split())
            out.append(f"    answer: {answer}")
    return "\n".join(out)
