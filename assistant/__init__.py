"""Answer questions from a saved index with ranked, cited passages.

Never imports torch: the real model is built only when ``Assistant.open`` needs it.

``core`` answers (the Assistant, ranking, results), ``verdict`` judges whether the passages answer,
``faces`` are the ways in (command line, web API, Gradio page), ``eval`` measures the answers.
"""

from index import IndexCorrupt, IndexIncompatible, IndexNotFound, IndexProblem, UnknownSource
from index.errors import EmptyQuestion, InvalidQuery

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

__all__ = [
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "ORDERS",
    "Assistant",
    "EmptyQuestion",
    "Hit",
    "IndexCorrupt",
    "IndexIncompatible",
    "IndexNotFound",
    "IndexProblem",
    "InvalidQuery",
    "SearchOptions",
    "SearchResult",
    "UnknownSource",
    "follow_up_query",
    "is_follow_up",
]
