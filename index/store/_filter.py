"""Which passages a search may return: issue dates and source names, as a mask over the index's rows.

A ``Filter`` says what a reader asked for (``since``/``until`` dates, inclusive, and source name
prefixes); ``RowFacts`` holds each row's date and source and turns a filter into a boolean row mask,
which the dense search (``LoadedIndex.search(..., allowed=)``) and the lexical scores both apply
while searching, so a filter that leaves three passages finds those three.

A row's date is its document's ``meta["date"]`` when that is an ISO date (``YYYY-MM-DD``); a row
without one is left out by any date bound, and kept otherwise.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from ..errors import InvalidFilter

__all__ = ["Filter", "InvalidFilter", "RowFacts", "iso_date"]

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_EXAMPLE = "e.g. 2019-03-05"


def iso_date(value: object) -> str | None:
    """``value`` as an ISO date ``YYYY-MM-DD`` if it is one (a string, or a ``date``), else None.

    >>> iso_date("2019-03-05"), iso_date("2019-02-30"), iso_date("2019年3月5日"), iso_date(None)
    ('2019-03-05', None, None, None)
    """
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str) or not _ISO.fullmatch(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return None


def _bound(name: str, value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    found = iso_date(value)
    if found is None:
        raise InvalidFilter(f"{name} must be a date as YYYY-MM-DD, {_EXAMPLE}, not {str(value)[:40]!r}")
    return found


def _day(iso: str) -> int:
    return int(iso.replace("-", ""))


@dataclass(frozen=True)
class Filter:
    """Passages dated from ``since`` to ``until`` (inclusive; either may be None) whose source
    starts with one of ``sources`` (none: any source). Bad values raise InvalidFilter.

    >>> Filter(since="2019-01-01", sources="a.txt")
    Filter(since='2019-01-01', until=None, sources=('a.txt',))
    >>> Filter().empty, Filter(sources=["", " "]).empty
    (True, True)
    """

    since: str | date | None = None
    until: str | date | None = None
    sources: str | Sequence[str] = field(default=())

    def __post_init__(self) -> None:
        since, until = _bound("since", self.since), _bound("until", self.until)
        if since and until and since > until:
            raise InvalidFilter(f"since ({since}) is after until ({until}); give the earlier date as since")
        given = [self.sources] if isinstance(self.sources, str) else list(self.sources)
        if not all(isinstance(s, str) for s in given):
            raise InvalidFilter("sources must be source names (text), e.g. 002_b66ab0af8ed20314.txt")
        sources = tuple(dict.fromkeys(s.strip() for s in given if s.strip()))
        object.__setattr__(self, "since", since)
        object.__setattr__(self, "until", until)
        object.__setattr__(self, "sources", sources)

    @property
    def empty(self) -> bool:
        """Whether the filter lets every passage through."""
        return self.since is None and self.until is None and not self.sources


class RowFacts:
    """Each row's date and source, to filter rows.

    >>> facts = RowFacts(["2019-03-05", None, "2020-01-02"], ["a.txt", "b.jsonl#1", "b.jsonl#2"])
    >>> facts.mask(Filter(since="2019-06-01")).tolist()
    [False, False, True]
    >>> facts.mask(Filter(sources=["b.jsonl", "zzz"])).tolist()
    [False, True, True]
    """

    def __init__(self, dates: Iterable[str | None], sources: Sequence[str]) -> None:
        self._days = np.array([_day(d) if d else 0 for d in dates], dtype=np.int32)
        self._names = sorted(set(sources))
        index = {name: i for i, name in enumerate(self._names)}
        self._source = np.array([index[s] for s in sources], dtype=np.int32)
        if len(self._days) != len(self._source):
            raise ValueError(f"{len(self._days)} dates for {len(self._source)} rows")

    def __len__(self) -> int:
        return len(self._days)

    def mask(self, f: Filter) -> np.ndarray | None:
        """The rows ``f`` lets through, as a boolean array; None when it lets every row through."""
        if f.empty:
            return None
        keep = np.ones(len(self), dtype=bool)
        if f.since is not None or f.until is not None:
            keep &= self._days > 0
        if f.since is not None:
            keep &= self._days >= _day(str(f.since))
        if f.until is not None:
            keep &= self._days <= _day(str(f.until))
        if f.sources:
            named = np.zeros(len(self), dtype=bool)
            for lo, hi in (self._prefixed(p) for p in f.sources):
                named |= (self._source >= lo) & (self._source < hi)
            keep &= named
        return keep

    def _prefixed(self, prefix: str) -> tuple[int, int]:
        """The range of source ids whose names start with ``prefix`` (names are sorted, so those
        names stand together, up to the first name at or after the prefix's successor)."""
        lo = bisect.bisect_left(self._names, prefix)
        successor = prefix[:-1] + chr(ord(prefix[-1]) + 1) if ord(prefix[-1]) < 0x10FFFF else None
        hi = len(self._names) if successor is None else bisect.bisect_left(self._names, successor)
        return lo, hi
