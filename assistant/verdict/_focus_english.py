"""The focus of an English question, in the archive's words: the attribute it asks for (the phone
number, the average salary), mapped to Chinese through the same dictionary bridge as its terms
(CC-CEDICT: phone number → 电话), in the words whose entry gives it first (address: 地址, 住址;
讲话 is a speech first, an address third) when there are any.

- ``what is the X of/in/at/for …``, ``what are the X …``: X;
- ``how many X do/does/did … have``: X (how many beds does the centre have). ``How many X were
  named…`` counts X: the answer is a number, not the noun.

A phrase CC-CEDICT knows whole (floor area → 占地面积) is looked for whole; otherwise each of its
words must be there, but for a generic head (number, amount, date) that any figure stands in for.
"""

from __future__ import annotations

import re

from index.text import ENGLISH_STOPWORDS, fold, primary_translations, translations

from ._focus import Focus

__all__ = ["english_focus"]

_WHAT = re.compile(r"\bwhat (?:is|are|was|were) the ((?:[a-z]+ ){0,2}[a-z]+?) (?:of|in|at|for|on)\b", re.I)
_HOW_MANY = re.compile(
    r"\bhow many ((?:[a-z]+ ){0,1}[a-z]+) (?:do|does|did) .+ (?:have|has|own|hold)\W*$", re.I
)
# Words of a phrase that any figure or name stands in for (the phone *number*), and words that pick
# one of several (the *fifth* type): what is left names the attribute, if anything does.
_GENERIC = frozenset(
    {"number", "numbers", "amount", "date", "figure", "total", "name", "level", "size", "type", "types",
     "kind", "kinds", "one", "part", "main", "other", "first", "second", "third", "fourth", "fifth",
     "sixth", "last"}
)  # fmt: skip


# A form of value asked without an attribute (``_forms``), in English: the Chinese passage must hold
# a value of it whatever the question's language. Not "how long" (a length or a duration), nor
# "when" (any date, which most passages hold), nor "what time period" or "time of year".
_ASKED = (
    ("星期", re.compile(r"\bwhat day of the week\b|\bwhich weekday\b", re.I)),
    ("日期", re.compile(r"\b(?:what|which) (?:day|date)\b", re.I)),
    ("年份", re.compile(r"\b(?:what|which) year\b", re.I)),
    ("时刻", re.compile(r"\bwhat time (?:does|do|did|is|are|will)\b|\bopening hours\b", re.I)),
    (
        "金额",
        re.compile(
            r"\bhow much (?:money|does .+ cost|is the (?:fee|prize|subsidy|bonus|price))\b|\bhow many yuan\b",
            re.I,
        ),
    ),
    ("百分比", re.compile(r"\bwhat (?:percentage|percent|proportion)\b", re.I)),
    ("户数", re.compile(r"\bhow many households\b", re.I)),
    ("票数", re.compile(r"\bhow many votes\b", re.I)),
    ("人数", re.compile(r"\bhow many (?:people|persons)\b", re.I)),
)

# Words that ask what a thing is called, not which of its attributes.
_SAYING = frozenset({"known", "called", "named", "termed", "word", "term"})


def _forms(word: str) -> tuple[str, ...]:
    # The words whose first sense it is (address: 地址, not 讲话, a speech first), else any. One
    # Chinese character stands for too much to count as mentioning the word.
    for found in (primary_translations(word), translations(word)):
        forms = tuple(sorted({fold(w) for w in found if len(w) >= 2}))
        if forms:
            return forms
    return ()


def english_focus(question: str) -> Focus | None:
    """The focus of an English question, or None when it asks for nothing a passage must name.

    >>> f = english_focus("What is the phone number of the Guali power supply station?")
    >>> f.text, f.whole
    ('phone number', ('电话',))
    >>> english_focus("How many units in Jiashan were named national Workers' Pioneer?") is None
    True
    >>> english_focus("In what year was the union's craftsman scheme launched?").form
    '年份'
    """
    match = _WHAT.search(question) or _HOW_MANY.search(question)
    if match is None:
        form = next((form for form, pattern in _ASKED if pattern.search(question)), None)
        return Focus(text=form, parts=(), whole=(), form=form, chinese=False) if form else None
    phrase = match.group(1).lower()
    whole = _forms(phrase) if " " in phrase else ()
    words = [w for w in phrase.split() if w not in _GENERIC]
    if not words or any(w in ENGLISH_STOPWORDS or w in _SAYING for w in words):
        return None  # the fifth type; the hymn known as: which one, or how it is called, not what
    parts = tuple(_forms(w) for w in words)
    if not whole and not all(parts):
        # A word the dictionary has no Chinese for (fumbles): the focus cannot be looked for.
        return None
    return Focus(text=phrase, parts=parts if not whole else (), whole=whole, chinese=False)
