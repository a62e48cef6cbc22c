"""The query core: what a question is searched as, how passages are ranked, and what comes back.

``Assistant`` (``_assistant``) opens a saved index, follows its rebuilds and answers ``search``
and ``converse``; ``_conversation`` rewrites a follow-up into what to search; ``_ranking`` fuses
the dense and lexical legs and keeps each distinct text once; ``_order`` puts the relevant
passages newest first; ``_results`` holds what goes in and out (``SearchOptions``, ``Hit``,
``SearchResult``). The verdict on the passages comes from ``assistant.verdict``. The faces
(``assistant.faces``) and the evaluation (``assistant.eval``) use only the names exported here.
"""

from ._assistant import Assistant
from ._conversation import follow_up_query, is_follow_up
from ._results import MAX_K, MAX_QUESTION_CHARS, MODES, ORDERS, Hit, SearchOptions, SearchResult

__all__ = [
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "MODES",
    "ORDERS",
    "Assistant",
    "Hit",
    "SearchOptions",
    "SearchResult",
    "follow_up_query",
    "is_follow_up",
]
