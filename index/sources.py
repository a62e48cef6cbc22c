"""The one grammar of source names: what a citation says a passage came from.

A source is a corpus file's path relative to its corpus folder (``002_b66ab0af8ed20314.txt``), one
article of a JSON-lines file (``news.jsonl#crud_00230``), or one page of a PDF (``zjgr.pdf#p3``,
1-based). The file is everything before the first ``#``.
"""

from __future__ import annotations

import re

__all__ = ["article_source", "file_of", "page_source", "pdf_page"]

_PAGE = re.compile(r"(?P<name>.+\.pdf)#p(?P<page>[1-9]\d{0,5})", re.IGNORECASE)


def article_source(file: str, article_id: str) -> str:
    """``file#id``: one article of a JSON-lines file.

    >>> article_source("news.jsonl", "7")
    'news.jsonl#7'
    """
    return f"{file}#{article_id}"


def page_source(file: str, page: int) -> str:
    """``file#pN``: page ``page`` (1-based) of a PDF.

    >>> page_source("zjgr.pdf", 3)
    'zjgr.pdf#p3'
    """
    return f"{file}#p{page}"


def file_of(source: str) -> str:
    """The corpus file a source is in.

    >>> file_of("news.jsonl#7"), file_of("zjgr.pdf#p3"), file_of("002_b66.txt")
    ('news.jsonl', 'zjgr.pdf', '002_b66.txt')
    """
    return source.split("#", 1)[0]


def pdf_page(source: str) -> tuple[str, int] | None:
    """The file name and 1-based page of a PDF page source, or None for any other source.

    >>> pdf_page("zjgr_20190305.pdf#p3"), pdf_page("a.jsonl#7"), pdf_page("a.pdf")
    (('zjgr_20190305.pdf', 3), None, None)
    """
    found = _PAGE.fullmatch(source)
    return (found["name"], int(found["page"])) if found else None
