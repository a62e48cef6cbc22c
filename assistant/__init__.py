"""Answer questions from a saved index with ranked, cited passages.

Never imports torch: the real model is built only when ``Assistant.open`` needs it.
"""

from index import IndexCorrupt, IndexIncompatible, IndexNotFound, IndexProblem, UnknownSource

from ._assistant import (
    MAX_K,
    MAX_QUESTION_CHARS,
    ORDERS,
    Assistant,
    EmptyQuestion,
    Hit,
    InvalidQuery,
    SearchResult,
)
from ._conversation import follow_up_query, is_follow_up

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
    "SearchResult",
    "UnknownSource",
    "follow_up_query",
    "is_follow_up",
]
