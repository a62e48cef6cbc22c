"""Issue dates and editions: from a metadata value, a file name, or a page's header line.

Dates are parsed by dateparser (imported on first use: it takes a fifth of a second to load);
the only patterns written here find where a date may stand (a run of digits and date
separators) and the edition mark ``第3版``, which is not a date. Every date comes out as ISO
``YYYY-MM-DD``; one that cannot be read, or lies outside 1949…next year, is None.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

__all__ = ["date_in_name", "edition_in", "page_header", "parse_date", "search_date"]

_LANGUAGES = ["zh", "en"]
_SETTINGS = {
    "DATE_ORDER": "YMD",
    "REQUIRE_PARTS": ["day", "month", "year"],
    "RETURN_AS_TIMEZONE_AWARE": False,
    # Absolute dates only: "10年" in "深耕10年" is not "ten years ago".
    "PARSERS": ["custom-formats", "absolute-time"],
}
# Where a date may stand in a file name: digits with the separators dates use, at least 6 long.
_CANDIDATE = re.compile(r"(?<!\d)\d{4}[\d年月日.\-_/]{2,8}\d(?:日)?(?!\d)")
_EDITION = re.compile(r"第\s*([A-Za-z]?\s*\d{1,3})\s*版")
_DIGIT = re.compile(r"\d")
_WEEKDAY = re.compile(
    r"星期[一二三四五六日天]|周[一二三四五六日]|(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day", re.I
)
# A page header is one of the first lines, and short: the newspaper's name, the date, the page.
HEADER_LINES = 3
HEADER_CHARS = 60


@lru_cache(maxsize=1)
def _parser() -> Any:
    import dateparser  # noqa: PLC0415  (slow to import; most builds read no date text)

    return dateparser


def _valid(day: dt.date) -> str | None:
    if 1949 <= day.year <= dt.date.today().year + 1:
        return day.isoformat()
    return None


def parse_date(value: str) -> str | None:
    """A date written any common way (ISO, ``2019年3月5日``, ``20190305``, ``March 5, 2019``, a PDF
    ``D:20190305…`` stamp) as ISO, or None.

    >>> parse_date("2019-03-05T08:30:00+08:00"), parse_date("2019年3月5日"), parse_date("20190305")
    ('2019-03-05', '2019-03-05', '2019-03-05')
    >>> parse_date("D:20190304221500+08'00'"), parse_date("March 5, 2019"), parse_date("第3版")
    ('2019-03-04', '2019-03-05', None)
    """
    text = value.strip()
    if text.startswith("D:"):  # a PDF date stamp: D:YYYYMMDDHHmmSS…
        text = text[2:10]
    try:
        return _valid(dt.date.fromisoformat(text[:10]))
    except ValueError:
        pass
    if not _DIGIT.search(text) and not text[:1].isalpha():
        return None
    formats = ["%Y%m%d"] if text.isdigit() else None
    found = _parser().parse(text, languages=_LANGUAGES, date_formats=formats, settings=_SETTINGS)
    return _valid(found.date()) if found is not None else None


def date_in_name(name: str) -> str | None:
    """The date a file name carries (``2019-03-05``, ``20190305``, ``2019年3月5日``), or None.

    >>> date_in_name("zjgr/20190305_03.pdf"), date_in_name("工会版 2019-03-05 第3版.pdf")
    ('2019-03-05', '2019-03-05')
    >>> date_in_name("002_b66ab0af8ed20314.txt") is None
    True
    """
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    for m in _CANDIDATE.finditer(stem):
        found = parse_date(m.group().replace("_", "-"))
        if found:
            return found
    return None


def search_date(text: str) -> str | None:
    """The first full date written in a line of text, or None.

    >>> search_date("浙江工人日报 2019年3月5日 星期二 第3版")
    '2019-03-05'
    >>> search_date("第3版 工会") is None
    True
    """
    if not _DIGIT.search(text):
        return None
    from dateparser.search import search_dates  # noqa: PLC0415

    found = search_dates(text, languages=_LANGUAGES, settings=_SETTINGS)
    for _, when in found or []:
        day = _valid(when.date())
        if day:
            return day
    return None


def edition_in(text: str) -> str | None:
    """The page (edition) a header names, as ``第3版``.

    >>> edition_in("2019年3月5日 星期二 第 03 版"), edition_in("第A2版:要闻")
    ('第3版', '第A2版')
    """
    m = _EDITION.search(text)
    if not m:
        return None
    mark = m.group(1).replace(" ", "").upper()
    letter = mark[0] if mark[0].isalpha() else ""
    return f"第{letter}{int(mark[len(letter) :])}版"


def page_header(text: str) -> tuple[dict[str, str], tuple[int, int] | None]:
    """The date and edition a page's header line gives, and that line's span in ``text``.

    The header is one of the first few non-empty lines, short, naming an edition or a date with
    its weekday: a headline that starts with a date is not a header.

    >>> page_header("\\n2019年3月5日 星期二 第3版\\n\\n嘉善县总工会\\n")
    ({'date': '2019-03-05', 'edition': '第3版'}, (1, 18))
    >>> page_header("2018年12月3日 杭州召开职工代表大会\\n深耕10年")
    ({}, None)
    """
    offset = 0
    seen = 0
    for line in text.split("\n"):
        start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        seen += 1
        if seen > HEADER_LINES:
            break
        if len(stripped) > HEADER_CHARS:
            continue
        edition = edition_in(stripped)
        if not edition and not _WEEKDAY.search(stripped):
            continue
        meta = {"edition": edition} if edition else {}
        day = search_date(stripped)
        if day:
            meta["date"] = day
        if meta:
            return dict(sorted(meta.items())), (start, start + len(line))
    return {}, None
