"""Follow-up questions: what to search for when a question leans on the ones before it.

``那嘉善呢？`` after ``安吉评出来的工匠里，哪一位是做白茶炒制的？`` asks the earlier question about
嘉善; ``还有别的吗？`` is searched together with the questions before it. The chat, the command line
and the library share this (``Assistant.converse``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.text import Lexicon, has_words, is_chinese, normalize

__all__ = ["follow_up_query", "is_follow_up", "swap_topic"]

# A question shorter than this cannot say much on its own: 那嘉善呢？ has 4 characters (letters,
# digits, hanzi), the shortest example question 16. An English question counts words instead.
SHORT_CHARS = 8
SHORT_WORDS = 4
FOLLOW_UP_OPENERS = ("那", "还有", "另外", "此外", "其中", "它", "他", "她", "这", "该")
FOLLOW_UP_OPENERS_EN = (
    "what about",
    "how about",
    "and ",
    "also ",
    "what of",
    "it ",
    "its ",
    "they ",
    "their ",
)
FOLLOW_UP_MAX_TURNS = 3  # the follow-up and at most two questions before it
CONTEXT_CHARS = 200  # of each earlier question, so that the new one stays within MAX_QUESTION_CHARS

_LEXICON = Lexicon()


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the one before: it is short (fewer than SHORT_CHARS characters,
    or SHORT_WORDS words in English), or opens with a word that points back (那, 还有, 它, 这…;
    what about, and…).

    >>> is_follow_up("那嘉善呢？"), is_follow_up("还有哪些单位获评了省级工人先锋号？")
    (True, True)
    >>> is_follow_up("嘉善有几家单位获评全国工人先锋号？"), is_follow_up("What about Jiashan?")
    (False, True)
    """
    q = normalize(question.strip())
    if is_chinese(q):
        short = sum(c.isalnum() for c in q) < SHORT_CHARS
    else:
        short = len(q.split()) < SHORT_WORDS
    return short or q.startswith(FOLLOW_UP_OPENERS) or q.lower().startswith(FOLLOW_UP_OPENERS_EN)


def follow_up_query(question: str, previous: Sequence[str], lexicon: Lexicon = _LEXICON) -> str:
    """What to search for: the question alone; for a follow-up that names a new topic
    (``那嘉善呢？``), the question before it asked about that topic (see swap_topic); for another
    follow-up, the questions before it put in front (up to FOLLOW_UP_MAX_TURNS, each cut to
    CONTEXT_CHARS).

    >>> follow_up_query("那嘉善呢？", ["安吉评出来的工匠里，哪一位是做白茶炒制的？"])
    '嘉善评出来的工匠里，哪一位是做白茶炒制的？'
    >>> follow_up_query("那绍兴呢？", ["嘉善有几家单位获评全国工人先锋号？"])
    '绍兴有几家单位获评全国工人先锋号？'
    >>> follow_up_query("还有别的吗？", ["安吉评出来的工匠里，哪一位是做白茶炒制的？"])
    '安吉评出来的工匠里，哪一位是做白茶炒制的？ 还有别的吗？'
    >>> follow_up_query("绍兴有几个项目入选了立功竞赛示范项目？", ["安吉评出了几位工匠？"])
    '绍兴有几个项目入选了立功竞赛示范项目？'
    """
    earlier_questions = [p.strip()[:CONTEXT_CHARS] for p in previous if has_words(p)]
    if earlier_questions and is_follow_up(question):
        swapped = swap_topic(question, earlier_questions[-1], lexicon)
        if swapped:
            return swapped
    parts = [question.strip()]
    for earlier in reversed(earlier_questions):
        if len(parts) >= FOLLOW_UP_MAX_TURNS or not is_follow_up(parts[0]):
            break
        parts.insert(0, earlier)
    return " ".join(parts)


_TOPIC_SWITCH = re.compile(
    r"^(?:那么?|还有)?\s*(?P<topic>[^，,。？?！!\s]{2,12}?)\s*(?:呢|怎么样|如何)?[？?。！!\s]*$"
)
_NAME_FLAGS = ("ns", "nr", "nt", "nz")
_NAME_SUFFIXES = ("总工会", "工会", "联合会", "县", "市", "区", "镇", "街道")


def swap_topic(question: str, earlier: str, lexicon: Lexicon = _LEXICON) -> str | None:
    """``那嘉善呢？`` after a question about 安吉 asks the same question about 嘉善: the earlier
    question with its first proper name (a place, person or organisation, as jieba tags it)
    replaced by the new one. None when the follow-up is not of that form.

    >>> swap_topic("那嘉善呢？", "安吉评出来的工匠里，哪一位是做白茶炒制的？")
    '嘉善评出来的工匠里，哪一位是做白茶炒制的？'
    >>> swap_topic("还有哪些单位获评了省级工人先锋号？", "嘉善有几家单位获评全国工人先锋号？") is None
    True
    """
    m = _TOPIC_SWITCH.match(normalize(question.strip()))
    if not m:
        return None
    topic = m.group("topic")
    tagged = lexicon.tagged(topic)
    names = [w for w, flag in tagged if flag.startswith(_NAME_FLAGS)]
    if not names or any(w not in names and w not in _NAME_SUFFIXES for w, _ in tagged):
        return None  # 那么绍兴有几个？ is a new question, not a new topic for the old one
    for word, flag in lexicon.tagged(earlier):
        if flag.startswith(_NAME_FLAGS) and word != topic:
            # Shown as the user wrote it, unless the name is there only once folded (臺州).
            earlier = earlier if word in earlier else normalize(earlier)
            after = earlier[earlier.index(word) + len(word) :]
            for suffix in ("总工会", "工会", "联合会"):
                if topic.endswith(suffix) and after.startswith(suffix):
                    topic = topic[: -len(suffix)]  # 那鄞州区总工会呢 about 绍兴市总工会
                    break
            return earlier.replace(word, topic, 1)
    return None
