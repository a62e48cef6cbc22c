"""The query core: what a question is searched as, how passages are ranked, and what comes back.

``Assistant`` opens a saved index, follows its rebuilds and answers ``search`` and ``converse``;
the verdict on its passages comes from ``assistant.verdict``. The faces (``assistant.faces``) and
the evaluation (``assistant.eval``) use only the names exported here.
"""

from ._assistant import MAX_K, MAX_QUESTION_CHARS, MODES, ORDERS, Assistant, Hit, SearchResult
from ._conversation import follow_up_query, is_follow_up

__all__ = [
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "MODES",
    "ORDERS",
    "Assistant",
    "Hit",
    "SearchResult",
    "follow_up_query",
    "is_follow_up",
]
