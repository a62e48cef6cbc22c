"""E-paper web pages (``.html``/``.htm``): the article's text, title and date, without the site.

trafilatura finds the main text and leaves out menus, page lists, ads, related links and the
copyright footer. The date is the page's own metadata (``article:published_time``,
``publishdate``… read by htmldate without guessing from the text), else the date printed
near the headline (``2019年03月05日 来源:…``, read by dateparser), else one in the file name.
The edition (``第03版``) is read from the same lines.
"""

from __future__ import annotations

from typing import Any

from ..records import Document, Rejection
from ._dates import date_in_name, edition_in, search_date

__all__ = ["read_html"]

MAX_HTML_BYTES = 20 * 1024 * 1024
# Lines of the page, around the headline, where its date and page are printed.
_NEAR_TITLE = 6


def read_html(data: bytes, name: str) -> tuple[list[Document], list[Rejection]]:
    """One document: the article of a web page, its title, and meta ``date``/``edition`` where known."""
    import trafilatura  # noqa: PLC0415  (slow to import; only web pages need it)

    if not data.strip():
        return [], [Rejection(name, "empty file, nothing to index")]
    if b"\x00" in data[:8192]:
        return [], [Rejection(name, "binary file, not a web page; give the page's .html file")]
    try:
        found = trafilatura.bare_extraction(
            data,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            favor_precision=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except (ValueError, TypeError, UnicodeError) as e:
        return [], [Rejection(name, f"cannot read this web page ({e}); save it again as HTML")]
    text = (getattr(found, "text", None) or "").strip()
    if not text:
        return [], [Rejection(name, "no article text found in this web page (only menus, links or scripts)")]
    title = (getattr(found, "title", None) or "").strip()
    meta: dict[str, str] = {}
    date = getattr(found, "date", None)
    lines = _lines_near_title(data, title)
    if date:
        meta["date"] = str(date)[:10]
    else:
        for line in lines:
            day = search_date(line)
            if day:
                meta["date"] = day
                break
        else:
            day = date_in_name(name)
            if day:
                meta["date"] = day
    for line in lines:
        edition = edition_in(line)
        if edition:
            meta["edition"] = edition
            break
    url = getattr(found, "url", None)
    if url:
        meta["url"] = str(url)
    return [Document(source=name, text=text, title=title, meta=meta, is_page=False)], []


def _lines_near_title(data: bytes, title: str) -> list[str]:
    """The page's visible lines just under (and above) the headline, where e-papers print the
    date, source and page of an article."""
    lines = [ln.strip() for ln in _visible_text(data).split("\n")]
    lines = [ln for ln in lines if ln]
    at = next((i for i, ln in enumerate(lines) if title and title in ln), None)
    if at is None:
        return lines[:_NEAR_TITLE]
    return lines[at + 1 : at + 1 + _NEAR_TITLE] + lines[max(0, at - 2) : at]


def _visible_text(data: bytes) -> str:
    from lxml import etree, html  # noqa: PLC0415

    try:
        root: Any = html.fromstring(data)
    except (etree.ParserError, ValueError):
        return ""
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    blocks = root.xpath(
        "//body//*[self::p or self::div or self::span or self::td or self::li or self::h1 "
        "or self::h2 or self::h3]"
    )
    out = []
    for el in blocks:
        own = (el.text or "").strip()
        if own:
            out.append(own)
    return "\n".join(out)
