"""Answer questions from a saved index with ranked, cited passages.

Never imports torch: the real model is built only when ``Assistant.open`` needs it.

``core`` answers (the Assistant, ranking, results), ``verdict`` judges whether the passages answer,
``faces`` are the ways in (command line, web API, Gradio page), ``eval`` measures the answers.
"""

import logging

from index.errors import (
    ArchiveError,
    EmptyQuestion,
    IndexCorrupt,
    IndexIncompatible,
    IndexNotFound,
    IndexProblem,
    InvalidQuery,
    UnknownSource,
)

from .core import (
    MAX_K,
    MAX_QUESTION_CHARS,
    ORDERS,
    Assistant,
    Hit,
    SearchOptions,
    SearchResult,
    follow_up_query,
    is_follow_up,
)
from .verdict import Opinion, Reader

# Quiet unless the application asks: the faces show it on stderr (index.logs.log_to_stderr).
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "ORDERS",
    "ArchiveError",
    "Assistant",
    "EmptyQuestion",
    "Hit",
    "IndexCorrupt",
    "IndexIncompatible",
    "IndexNotFound",
    "IndexProblem",
    "InvalidQuery",
    "Opinion",
    "Reader",
    "SearchOptions",
    "SearchResult",
    "UnknownSource",
    "follow_up_query",
    "is_follow_up",
]
