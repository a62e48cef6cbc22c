"""What a question is about and what it asks for: its content words and the kind of answer it wants."""

from __future__ import annotations

import re

from .lexicon import Lexicon
from .normalize import is_chinese, numerals

__all__ = ["QUESTION_WORDS", "asked_for", "content_words"]

_WORD = re.compile(r"\w")

# Words that ask rather than say what is asked about (能告诉我, 我想知道 ask too): they are not terms
# an answer repeats.
QUESTION_WORDS = frozenset(
    "什么 哪些 哪个 哪家 哪位 哪一位 哪一个 哪一年 哪年 哪里 哪儿 哪国 哪种 怎样 "
    "怎么 怎么样 如何 为何 为什么 多少 多少钱 多少个 多少家 多少名 多少人 多少次 "
    "多久 多长 多大 多高 是否 是不是 有没有 有几 几家 几个 几位 几名 几项 几人 "
    "几次 几年 几种 请问 一下 那么 还有 以及 他们 她们 它们 这个 那个 这些 那些 "
    "我们 你们 一共 总共 主要 哪里 是谁 谁是 何时 何地 何处 叫做 称为 被称为 "
    "属于 告诉 知道 想知道 文章 文中".split()
)
# Words that only shape the question (已经建起来的, 除了…还, 具体是, 一直没), which no answer need
# repeat: an adverb of time or degree, a preposition of exception, a verb's direction.
_SHAPING = frozenset(
    "已经 起来 出来 下来 上来 过来 除了 一直 曾经 正在 究竟 到底 具体 分别 一般 通常".split()
)
# 几道, 哪几项, 哪条: a question word with its measure word, which jieba keeps as one word; and words
# that start with one (哪些方面, 什么样, 多少岁), whose pieces would be looked for too (些方面).
_ASKING = re.compile(
    r"(?:几|哪[一几]?)[个家位项条种所座支张名次年天道件期批类场部本篇首门届月号只台间户]|(?:哪些|什么|多少).+"
)


# 这首, 那位, 每项: they point at something, they do not name it.
_POINTING = re.compile(r"[这那哪每该此本][一]?[个位首项条种家次些名件座届年篇趟回批]?")


def content_words(question: str, lexicon: Lexicon) -> list[str]:
    """The words of a (normalised) Chinese question that say what it is about: jieba's words of two
    or more characters, and numbers, without question words; Chinese numerals in digits.

    >>> content_words("第三届嘉善有几家单位获评全国工人先锋号？", Lexicon())
    ['第3', '嘉善', '单位', '获评', '全国', '工人', '先锋号']
    """
    out = []
    words = lexicon.words_of(numerals(question))
    for n, w in enumerate(words):
        w = w.lower()
        if w.isdigit() and n and words[n - 1] == "第":
            w = "第" + w  # an ordinal: 第3届 does not answer a question about 第2届
        if w in QUESTION_WORDS or w in _SHAPING or _POINTING.fullmatch(w) or _ASKING.fullmatch(w):
            continue
        if not _WORD.search(w):
            continue
        if len(w) >= 2 or w.isdigit():
            out.append(w)
    return list(dict.fromkeys(out))


# --- what a question asks for ----------------------------------------------------------------------

_ASKS_ZH = (
    ("time", re.compile(r"哪一?年|何时|什么时候|哪一?天|几月|几号|几日|多久|哪个月|什么时间|哪一?届")),
    ("number", re.compile(r"多少|几[个家名位项人次年种岁条所座件户只天倍批期]|多[大高长远重]|几")),
    ("person", re.compile(r"谁|哪一?位|哪些人|什么人|叫什么名字")),
    ("place", re.compile(r"哪里|哪儿|何地|何处|什么地方|哪个(?:国家|城市|地区|省|县)|哪国|哪座城")),
)
_ASKS_EN = (
    ("time", re.compile(r"\b(?:when|what (?:year|date|day|month|time|century|decade))\b", re.I)),
    ("number", re.compile(r"\bhow (?:many|much|long|old|far|big|large|high|tall)\b|\bwhat percent", re.I)),
    ("person", re.compile(r"\bwho(?:m|se)?\b", re.I)),
    ("place", re.compile(r"\bwhere\b|\bwhat (?:country|city|place|region|state|province)\b", re.I)),
)


def asked_for(question: str) -> str | None:
    """What kind of thing the question asks for: ``number``, ``time``, ``person``, ``place``, or
    None (a how, why or what question, whose answer can be anything).

    >>> asked_for("嘉善有几家单位获评？"), asked_for("哪一位是做白茶炒制的？"), asked_for("How many units?")
    ('number', 'person', 'number')
    >>> asked_for("嘉善县总工会怎样创建“工人先锋号”？") is None
    True
    """
    for kind, pattern in _ASKS_ZH if is_chinese(question) else _ASKS_EN:
        if pattern.search(question):
            return kind
    return None
