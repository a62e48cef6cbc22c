"""The verdict: does the archive appear to answer the question, how sure is it, which sentence answers.

It reads the question (``read_question``: its terms, which are key, what it asks for), weighs the
best passages the ranking hands it (``weigh``: the ``Evidence``), and judges (``judge``: a key-term
rule, then a small logistic model). It knows nothing of the saved index beyond its vocabulary, so
a fit (scripts/fit_verdict.py) can weigh recorded passages again without the model.
"""

from ._found import (
    FEATURES,
    MEASURED_SENTENCES,
    Evidence,
    Ranked,
    Reading,
    Term,
    Verdict,
    answer_span,
    evidence,
    judge,
    measured_sentences,
    read_question,
    weigh,
)
from ._sentences import SentenceVectors

__all__ = [
    "FEATURES",
    "MEASURED_SENTENCES",
    "Evidence",
    "Ranked",
    "Reading",
    "SentenceVectors",
    "Term",
    "Verdict",
    "answer_span",
    "evidence",
    "judge",
    "measured_sentences",
    "read_question",
    "weigh",
]
