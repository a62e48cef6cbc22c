"""Answer questions from a saved index with ranked, cited passages.

Never imports torch: the real model is built only when ``Assistant.open`` needs it.
"""

from index import IndexCorrupt, IndexIncompatible, IndexNotFound, IndexProblem, UnknownSource

from ._assistant import (
    FOUND_MIN_SCORE,
    MAX_K,
    MAX_QUESTION_CHARS,
    Assistant,
    EmptyQuestion,
    Hit,
    InvalidQuery,
    SearchResult,
)

__all__ = [
    "FOUND_MIN_SCORE",
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "Assistant",
    "EmptyQuestion",
    "Hit",
    "IndexCorrupt",
    "IndexIncompatible",
    "IndexNotFound",
    "IndexProblem",
    "InvalidQuery",
    "SearchResult",
    "UnknownSource",
]
