"""Why a passage answers a question, in terms a reader can check by eye.

The search decides what to mark (``SearchResult.terms``, ``Hit.answer``); this module only marks it:

* **the answering sentence** (``Hit.answer``): the sentence holding what the question asks for, chosen
  by the verdict (``_found.answer_span``), and none when the archive does not seem to answer;
* **the question's terms**: its words as they were searched (normalised: a traditional-script
  question marks the simplified passage), wherever the passage has them, in any script or case.

Everything here is pure: text in, offsets or escaped HTML out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from itertools import pairwise

from index.text import fold

__all__ = ["highlight_html", "term_spans"]


def term_spans(passage: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Where the terms occur, leftmost first and never overlapping (at a tie the longer term wins);
    they match the passage folded (any case, full-width forms, traditional script).

    >>> term_spans("工人先锋号和工人", ["工人", "先锋号"])
    [(0, 2), (2, 5), (6, 8)]
    >>> term_spans("獲評全國工人先鋒號", ["先锋号"])
    [(6, 9)]
    """
    folded = fold(passage)
    candidates = sorted(
        (m.start(), -len(t), m.start() + len(t))
        for t in {fold(t) for t in terms}
        if len(t) >= 2 or t.isdigit()
        for m in re.finditer(re.escape(t), folded)
    )
    spans: list[tuple[int, int]] = []
    for start, _, end in candidates:
        if not spans or start >= spans[-1][1]:
            spans.append((start, end))
    return spans


def highlight_html(passage: str, terms: Iterable[str] = (), answer: tuple[int, int] | None = None) -> str:
    """The passage as escaped HTML: the answering sentence ``answer`` in ``<mark class="answer">``
    and the terms in ``<strong class="term">``. Nothing of the passage becomes markup.

    >>> highlight_html("<b>嘉善</b>有3家。别的。", ["嘉善"], (0, 13))
    '<mark class="answer">&lt;b&gt;<strong class="term">嘉善</strong>&lt;/b&gt;有3家。</mark>别的。'
    """
    if answer is not None and not 0 <= answer[0] < answer[1] <= len(passage):
        answer = None
    runs: list[tuple[int, int]] = []  # neighbouring terms read as one: 获评全国, not 获评|全国
    for start, end in term_spans(passage, terms):
        if runs and runs[-1][1] == start:
            start = runs.pop()[0]
        runs.append((start, end))
    cuts = {0, len(passage), *(answer or ())}
    for start, end in runs:
        cuts.update((start, end))
    in_term = [False] * len(passage)
    for start, end in runs:
        in_term[start:end] = [True] * (end - start)
    out: list[str] = []
    for start, end in pairwise(sorted(cuts)):
        text = html.escape(passage[start:end])
        if answer and start == answer[0]:
            out.append('<mark class="answer">')
        out.append(f'<strong class="term">{text}</strong>' if in_term[start] else text)
        if answer and end == answer[1]:
            out.append("</mark>")
    return "".join(out)
