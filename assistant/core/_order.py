"""The one ordering besides relevance: the passages about as relevant as the best, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ._results import Hit

__all__ = ["newest_first", "relevant_count"]


def newest_first(hits: list[Hit], relevant: int) -> list[Hit]:
    """``hits`` (best first) with the first ``relevant`` ordered by date, newest first and undated
    last (a date's hits keep their order), the rest after them as they were; ranked again from 1.

    >>> from index import Chunk, Issue
    >>> def hit(i, day):
    ...     chunk = Chunk(text="", source=f"{i}.txt", title="", section="", start=0, end=1,
    ...                   line_start=1, line_end=1)
    ...     return Hit(rank=i, score=1.0, chunk=chunk, issue=Issue(date=day))
    >>> hits = [hit(i, d) for i, d in enumerate(["2019-01-01", None, "2020-01-01", "2021-01-01"], 1)]
    >>> [(h.rank, h.source) for h in newest_first(hits, 3)]
    [(1, '3.txt'), (2, '1.txt'), (3, '2.txt'), (4, '4.txt')]
    """
    head = sorted(hits[:relevant], key=lambda h: h.date or "", reverse=True)  # sorted() is stable
    return [replace(h, rank=rank) for rank, h in enumerate(head + hits[relevant:], 1)]


def relevant_count(scores: Sequence[float], pool: Sequence[float]) -> int:
    """How many of ``scores`` (the hits', best first) are about as relevant as the best: within one
    standard deviation of the candidates' scores (``pool``) of it. A passage that stands out alone
    keeps its place at the top; several about as close to the question are all reordered.

    >>> relevant_count([0.9, 0.88, 0.5], [0.9, 0.88, 0.5, 0.45, 0.4, 0.42])
    2
    >>> relevant_count([0.9], [0.9])
    1
    """
    if not scores:
        return 0
    spread = float(np.std(pool)) if len(pool) > 1 else 0.0
    return sum(1 for s in scores if s >= scores[0] - spread)
