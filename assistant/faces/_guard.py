"""One translation of an ArchiveError into a face's answer, for the web API and the Gradio page
alike: the HTTP status that says whose trouble it is, and the error in one line. (The command
line has its own: ``index.errors.guard``, an exit status and a line on stderr.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from index.errors import ArchiveError, InvalidQuery, PageUnavailable, PdfProblem, UnknownSource, one_line

__all__ = ["answered", "http_status"]

_T = TypeVar("_T")
_R = TypeVar("_R")


def http_status(e: ArchiveError) -> int:
    """400 for a question or filter to change, 404 for a source or page that is not there, 503
    for an index or model that cannot answer now.

    >>> http_status(UnknownSource("no source 'x.txt' in the index")), http_status(InvalidQuery("k"))
    (404, 400)
    """
    if isinstance(e, UnknownSource | PageUnavailable | PdfProblem):
        return 404
    if isinstance(e, InvalidQuery):
        return 400
    return 503


def answered(run: Callable[[], _T], refuse: Callable[[int, str], _R]) -> _T | _R:
    """``run()``; when it raises an ArchiveError, what ``refuse(status, line)`` makes of it (a
    JSON error, a ``gr.Error`` raised, a line in the chat).

    >>> def missing() -> str:
    ...     raise UnknownSource("no source 'x.txt' in the index")
    >>> answered(missing, lambda status, line: f"{status}: {line}")
    "404: no source 'x.txt' in the index"
    """
    try:
        return run()
    except ArchiveError as e:
        return refuse(http_status(e), one_line(e))
