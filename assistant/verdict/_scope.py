"""What a value a question asks for is *of*, beyond the attribute (``_focus``): the deed it is asked
of (公示 of 几月份公示的), the whole a count is a part of (那9名专家评委里，来自高校的有几位), the unit
an amount is asked per (每家企业最多能拿多少) and whether a count is asked of the whole (一共, 全市).

A passage may give a value of the right form for another deed (今年1月开展评选, for the month of 公示), or
repeat the whole the question starts from (专家评委9名, for how many of them came from universities):
neither answers; nor does a total for an amount per unit, or one level's count for the whole. The
focus carries what is read here (``Focus.predicate``, ``Focus.given``, ``Focus.anchors``,
``Focus.per``, ``Focus.total``) and ``_attest`` tests it on the passage.
"""

from __future__ import annotations

import re

from index.text import fold, numerals

from ._phrases import CLAUSE_ENDS, COUNTING, LINKS, MEASURES, modifiers, nominal

__all__ = ["asks_whole", "given_counts", "part_words", "per_unit", "predicate"]

# A count a question gives: digits before a measure word (1548家, 22名; not 2016年, 3月).
_GIVEN = re.compile(rf"(?<![\d.第])(\d+)(?=[{''.join(sorted(MEASURES))}人])")


# Or Chinese numerals that ``numerals`` leaves, with their measure word (百场, 三个); not 一个 (a, one
# of), nor 几 (how many).
_CN = "二两三四五六七八九十百千万"
_GIVEN_WORDS = re.compile(rf"(?<![第一几{_CN}])[{_CN}]+[{''.join(sorted(MEASURES))}]")


def given_counts(question: str) -> tuple[str, ...]:
    """The counts a (normalised) question states, in digits (1548 of 1548家基层工会里…), or in the
    words that write them (百场 of 计划搞的百场竞赛，已经办了多少场).

    >>> given_counts("那9名评委里，来自高校的有几位？"), given_counts("2016年挂牌的景区有几家？")
    (('9',), ())
    """
    plain = numerals(question)
    return tuple(dict.fromkeys([*_GIVEN.findall(plain), *_GIVEN_WORDS.findall(plain)]))


# Words that ask a form of value (几月份, 哪一年, 多少钱, 多长时间), and verbs that say nothing of what
# was done (是, 有, 进行).
_ASKS_VALUE = re.compile(r"几|多少|哪一?年|哪一?天|哪一?个?月|什么年份|百分之|多大|多长|多久")
# Words between a verb and the question word after it (压减了多少, 提高到多少).
_BEFORE_VALUE = frozenset("了 到 达 至 为 是 有 共 一共 约 大约".split())
_LIGHT_VERBS = frozenset("是 有 在 为 要 会 能 可以 需要 进行 得到 达到 获得 成为".split())


def predicate(tagged: list[tuple[str, str]]) -> str:
    """The verb the question asks a value of: after its question word (几月份公示的, 多少家已经达标),
    or before it (压减多大比例), or "".

    >>> from index.text import Lexicon
    >>> from ._phrases import tagged_question
    >>> predicate(tagged_question("评选结果是几月份公示的？", Lexicon()))
    '公示'
    """
    i = next((k for k, (w, _) in enumerate(tagged) if _ASKS_VALUE.search(w)), None)
    if i is None:
        return ""
    j = i + 1
    while j < len(tagged) and tagged[j][1] in ("q", "d", "ul", "uj", "m"):
        j += 1
    k = i - 1
    while k >= 0 and tagged[k][0] in _BEFORE_VALUE:
        k -= 1
    for w, t in tagged[j : j + 1] + tagged[k : k + 1]:  # k = -1: none before
        if t.startswith("v") and len(w) >= 2 and w not in _LIGHT_VERBS:
            return fold(w)
    return ""


def part_words(tagged: list[tuple[str, str]]) -> list[str]:
    """The words that mark the part a count is asked of: before the question's first 多少 or 几,
    back to its clause's start or link word (来自 高校 of 来自高校的有几位), and the nouns after it in
    its clause (南大 校友 of 有几位是南大校友)."""
    i = next((k for k, (w, _) in enumerate(tagged) if w.startswith(COUNTING)), len(tagged))
    k = i
    while k and (tagged[k - 1][0] in LINKS or tagged[k - 1][1] in ("d", "ul")):
        k -= 1
    after: list[str] = []
    for w, t in tagged[i + 1 :]:
        if w in CLAUSE_ENDS:
            break
        if len(w) >= 2 and nominal(w, t):
            after.append(w)
    return [fold(w) for w in (*modifiers(tagged[:k]), *after)]


# 每家, 每个, 每人, 每一位, 单户, 单人: a unit an amount may be asked per. Not 每年 or 每次: those
# ask how often; nor 单位 (a unit of work). jieba keeps 单人间 (a single room) whole, and 每人每天.
_PER = re.compile(r"(?:每一?[个家人名位户所座间张台辆件项条支只处]|单[户家个人])(?:每[天月年])?")


def per_unit(tagged: list[tuple[str, str]]) -> str:
    """The unit an amount is asked per, with what it counts (每家企业, 每个阵地, 每人), or "": 每 and a
    measure word before the question word in its clause. Not 每个…都 (每个都市区人口都超过多少: each
    of them, not an amount per one)."""
    clause: list[tuple[str, str]] = []
    for word, tag in tagged:
        if word in CLAUSE_ENDS:
            clause = []
            continue
        if word.startswith(COUNTING) and not word.startswith("几乎"):
            for k, (w, _) in enumerate(clause):
                # jieba keeps 每家 whole, and cuts 每 一位 in two.
                glued = w + clause[k + 1][0] if w == "每" and k + 1 < len(clause) else w
                unit = _PER.fullmatch(glued)
                if unit is None or any(x == "都" for x, _ in clause[k:]):
                    continue
                after = clause[k + 1 + (glued != w) : k + 2 + (glued != w)]
                noun = after[0][0] if after and nominal(*after[0]) else ""
                return glued + noun
        clause.append((word, tag))
    return ""


# Words that ask a count of the whole before its question word: 一共, 总共, 全市 (not 共建, a verb
# of its own; nor 全国, which names an honour's level as often: 获评全国工人先锋号).
_WHOLE = re.compile(r"一共|总共|共计|合计|总计|全(?:省|市|县|区)(?!级)")


def asks_whole(question: str) -> bool:
    """Whether a (normalised) question asks a count of the whole before its first 多少 or 几 (一共, 全市).

    >>> asks_whole("全市一共有多少家？"), asks_whole("有几家获评全国工人先锋号？")
    (True, False)
    """
    return _WHOLE.search(re.split(r"多少|几", question, maxsplit=1)[0]) is not None
