"""The focus of a Chinese question: the attribute it asks for (床位, 办公地址, 占地面积), as against its
topic (the organisation, place or person it is about).

A question that finds the right article but asks a detail the article never gives (开化县职工疗休养
服务中心有多少张床位？) is on the topic in every word but one; the verdict checks that one word in
the passage it cites (``_attest``). The focus is read from the words around the question word,
by jieba's part-of-speech tags:

- ``X是多少``, ``X为几``, ``X是哪一天``: the noun phrase before 是/为 (服务电话, 占地面积);
- ``多少(量词)X？`` at the question's end: X (床位, 退休职工), and ``X有几(量词)``: a count of X, which
  a passage gives only with a number counting X (5名会员; 会员 alone, or a count of others, does
  not; a dimension, 面积 or 比例, is said by its unit instead). Followed by a verb, X is what is
  counted too (几家单位获评…), but the answer may leave the noun out: a number of the measure word
  next to what they did counts them (3家获评…; ``Focus.anchors``). X is not asked after a unit
  (多少万元), a count of events or times (多少次, 几月), kinds (多少种), or in order (第几批);
- ``有没有X``, ``是否有X``: X;
- no attribute named, but a form of value asked (多少钱, 百分之几, 多长时间, 多少亩): the form
  (``_forms``), which a passage says with a value of it;
- ``哪个X``, ``哪家X`` before a verb or at the end: a *type* (评委会); an answer names an instance
  (乌毡帽酒业有限公司 for 哪家企业), so only a type the archive never mentions counts against it.
  ``X在哪里`` is read the same way (办公地址): a place's name answers it (位于…, 出生于…).

``X是谁``, ``是什么``, ``什么X``, ``多久`` and ``多大``/``多长`` have no focus here: the answer
is a name, a thing or a measurement, which need not repeat the noun; the existing model weighs
them. Names (jieba's ns/nr/nt) are the topic, never the focus. Every exception was measured: each
is a kind of answerable question the rule refused on notfound or cmrc_xquad (docs/benchmarks.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.text import Lexicon, fold, numerals

from ._forms import asked_form

__all__ = ["Focus", "chinese_focus"]


@dataclass(frozen=True, kw_only=True)
class Focus:
    """What a question asks for, and how a passage may say it.

    ``parts`` are the phrase's words, each with the forms that count for it (a passage attests the
    focus when it mentions every part, or one of ``whole``); ``kind`` is ``attribute`` (the
    passage must say it) or ``type`` (only a type the archive never mentions counts)."""

    text: str
    parts: tuple[tuple[str, ...], ...]
    whole: tuple[str, ...]
    kind: str = "attribute"
    chinese: bool = True
    # A count is asked (多少名会员, 景区有几家): a passage says it only with a number of them.
    counted: bool = False
    # The measure word of a count (名, 家), and the words a count of it may stand by instead of the
    # noun, which a passage often leaves out: its modifier (模范型65家 for 模范型工会有几家) or what
    # the counted did (3家获评全国工人先锋号 for 几家单位获评全国工人先锋号).
    measure: str = ""
    anchors: tuple[str, ...] = ()
    # A form of value asked without an attribute named (多少钱: 金额; ``_forms.FORMS``): a passage
    # says it with a value of that form.
    form: str = ""


# Words that ask for an amount, a time or a place of the phrase before 是/为/在.
# Not 多久 (多长时间): it asks a duration, and X in X是多久 is the span itself (期限, 任期), which an
# answer gives as "5年" without naming it.
# Nor 多大, 多长, 多高 (有多长): they ask a measurement, which an answer gives with its unit ("30公分")
# without naming the dimension (体长, 最长记录).
_AMOUNT = ("多少", "几", "哪一天", "哪天", "哪一年", "哪年")
_COUNTING = ("多少", "几")  # the words of them that ask how many
# A measure word after the question word that counts events (多少次奖杯: times won, not trophies)
# or times (几月产生): what follows is no attribute asked for.
_NOT_COUNTED = frozenset({"次", "回", "遍", "趟", "届", "月", "日", "号", "点", "天", "年", "周", "时"})
# Units written as words (多少公分, 多少万元): a measure word, not the thing asked.
_UNIT_WORD = re.compile(
    r"(?:公分|公里|公尺|公斤|公顷|厘米|毫米|千米|英尺|英寸|英里|平方\w*|立方\w*|万元|亿元|美元|千克)"
)
_PLACE = ("哪里", "哪儿", "何处", "何地", "在哪")
_LINKS = frozenset({"是", "为", "约", "达", "有", "在", "位于", "设在", "占"})
# Tags of the words a focus phrase is made of: nouns (jieba tags 日期 and 年纪 as time words, 藏书
# nz), and verbs jieba gives to attribute nouns (服务电话's 服务, 截止日期's 截止) when a noun ends
# the phrase.
_NOUNS = frozenset({"n", "vn", "l", "ng", "an", "nz", "t"})
_VERBAL = frozenset({"v", "vd", "a", "b"})
_RELATIVE_TIME = frozenset({"今年", "去年", "明年", "当年", "目前", "现在", "近年", "每年", "当时"})
_TAIL = frozenset({"？", "?", "。", "呢", "啊", "呀", "吗", "！", "!"})
_KINDS = frozenset({"种", "类"})  # 多少种树木: kinds, which a passage names one by one
_NOT_TYPES = frozenset({"ns", "nr", "nt", "p", "uj"})
_WHICH = ("哪个", "哪家", "哪位", "哪一个", "哪一家", "哪些", "哪所", "哪支", "哪座", "哪种")
# At most this many words make a focus phrase: the attribute, and one word that qualifies it
# (服务 电话, 截止 日期); further back lies the topic (开化县职工疗休养服务中心).
_PHRASE_WORDS = 2


_NEGATION = re.compile(r"[没不未无]")


def _nominal(word: str, tag: str) -> bool:
    # jieba tags set phrases l, predicates among them (没通上): a negated word says, not names.
    return tag in _NOUNS and len(word) >= 2 and word not in _RELATIVE_TIME and not _NEGATION.search(word)


def _phrase(tagged: list[tuple[str, str]]) -> list[str]:
    """The noun phrase at the end of ``tagged`` (read backwards): nominal words, a verbal one only
    inside it, never a name; empty when the last word is no noun."""
    words: list[str] = []
    for word, tag in reversed(tagged):
        if len(words) >= _PHRASE_WORDS:
            break
        if _nominal(word, tag) or (tag in _VERBAL and words and len(word) >= 2):
            words.append(word)
        else:
            break
    return list(reversed(words))


def _forward(tagged: list[tuple[str, str]], measure: str = "") -> tuple[list[str], list[str]]:
    """The noun phrase at the start of ``tagged`` (多少张床位？), and the content words after it (几家
    单位获评全国工人先锋号: what the counted did). After a measure word the next word is the thing
    counted whatever jieba tags it (多少名选手上台: 选手 v); with none, a verbal word alone before the
    question's end is a noun too (多少预算？), while 多少人死亡 counts 人, and 死亡 says what they did."""
    words: list[str] = []
    rest = list(tagged)
    if rest and rest[0][0] == "的":
        rest = rest[1:]
    if rest and measure in _MEASURES and rest[0][1] not in _NOT_COUNTED_TAGS:
        if len(rest[0][0]) < 2:  # 几个属生存到中新世: the thing counted is 属, too short to check
            return [], []
        words.append(rest.pop(0)[0])
    # A verbal word only opens the phrase (注册义工, 退休职工): after a noun, a verb says what the
    # counted ones did (几家单位获评全国工人先锋号).
    while rest and (_nominal(*rest[0]) or (not words and _verbal(*rest[0]) and _opens(rest[1:], measure))):
        word, _ = rest.pop(0)
        words.append(word)
    after = [w for w, t in rest if len(w) >= 2 and w not in _TAIL and t not in _NOT_CONTENT]
    return words[-_PHRASE_WORDS:], after


def _verbal(word: str, tag: str) -> bool:
    return tag in _VERBAL | {"vn"} and len(word) >= 2


def _opens(rest: list[tuple[str, str]], measure: str) -> bool:
    """Whether a verbal word followed by ``rest`` opens a noun phrase: a noun follows, or nothing
    (after no measure word)."""
    return (bool(rest) and _nominal(*rest[0])) or (not measure and all(w in _TAIL for w, _ in rest))


# Tags of words that say nothing a count could be written against: particles, pronouns, adverbs.
_NOT_CONTENT = frozenset({"ul", "uj", "uz", "y", "x", "r", "d", "p", "c", "f"})


# Tags of a word after a measure word that is not the thing counted: names, numbers, particles.
_NOT_COUNTED_TAGS = frozenset({"ns", "nr", "nt", "nrt", "m", "q", "p", "x", "uj", "ul", "r", "d"})


def _before_link(before: list[tuple[str, str]]) -> tuple[list[str], str, int]:
    """X in ``X是(每平方米)多少``: the phrase before the last link word, when at most measure
    words stand between it and the question word; the link word, and where X ends."""
    for j in range(len(before) - 1, -1, -1):
        word, tag = before[j]
        if word in _LINKS:
            return _phrase(before[:j]), word, j
        if not (tag in ("m", "q", "d") or word.startswith("每")):
            return [], "", 0
    return [], "", 0


def _modifiers(before: list[tuple[str, str]]) -> list[str]:
    """The words that qualify a noun phrase ending ``before`` (模范 of 模范型工会; 获评 市级 工人 先锋号
    of 获评市级“工人先锋号”的单位), back to a comma, a link word or a name: a count of the phrase
    may be written against them (模范型65家)."""
    out: list[str] = []
    for word, tag in reversed(before):
        if word in _LINKS or word in "，,。；;：:" or tag in _NOT_TYPES - {"uj"} or len(out) >= 4:
            break
        if len(word) >= 2 and word not in _RELATIVE_TIME and tag not in ("m", "r", "d", "t"):
            out.append(word)
    return list(reversed(out))


def _amount_word(tagged: list[tuple[str, str]], i: int) -> int:
    """How many words from ``i`` ask for an amount (多少, 几家; 多 大, which jieba cuts in two), or 0."""
    word, tag = tagged[i]
    if word.startswith(_AMOUNT):
        return 1
    if word == "多" and i + 1 < len(tagged) and tagged[i + 1][0] in ("大", "高", "长", "久", "远", "重"):
        return 2
    return 0


# Words that say only that a count is asked (种类数量: how many kinds): the others name what.
_COUNT_WORDS = frozenset({"数量", "数目", "总数", "数字", "个数", "种类", "数额"})


def _focus_of(
    words: list[str],
    tags: dict[str, str],
    kind: str = "attribute",
    counted: bool = False,
    measure: str = "",
    anchors: list[str] | None = None,
) -> Focus | None:
    """The focus of a phrase's words. Each noun of it must be in a passage; a verb jieba tagged in
    it (估计人口's 估计, 服务电话's 服务) only qualifies (人口估计, 服务热线电话 say the same), and a
    count word (种类数量) only says that a number is asked: a phrase of nothing else has no focus."""
    words = [fold(w) for w in words if len(w) >= 2]
    if not words:
        return None
    text = "".join(words)
    needed = [w for w in words if tags.get(w) not in _VERBAL | {"vn"}] or words
    needed = [w for w in needed if w not in _COUNT_WORDS]
    if not needed:
        return None
    return Focus(
        text=text,
        parts=tuple((w,) for w in needed),
        whole=(text,),
        kind=kind,
        counted=counted,
        measure=measure if counted else "",
        anchors=tuple(fold(a) for a in anchors or () if fold(a) not in words) if counted else (),
    )


def _amount_focus(tagged: list[tuple[str, str]], i: int, size: int, tags: dict[str, str]) -> Focus | None:
    """The focus of a question whose ``i``-th word asks for an amount (``size`` words: 多少, 多 大)."""
    word = tagged[i][0]
    if i and tagged[i - 1][0].endswith("第"):  # 第几批, 第多少代: which one in order, no count
        return None
    after = tagged[i + size :]
    first = after[0][0] if after else ""
    measure = first if (len(first) == 1 and first not in _TAIL) or _UNIT_WORD.fullmatch(first) else ""
    # 多少张床位: skip the measure word (jieba tags it q, or p: 多少对情侣).
    after = after[1:] if measure else after
    glued = word[2:] if word.startswith("多少") else word[1:] if word.startswith("几") else ""
    if len(glued) == 1:  # 几月, 几点, 多少次: the measure word glued to the question word
        measure = glued
    counting = word.startswith(_COUNTING)
    if all(w in _TAIL or t in ("m", "q") or w in ("到", "至") for w, t in after):  # X是几点到几点
        phrase, link, j = _before_link(tagged[:i])
        # X有几家, X有多少: how many X there are (景区有几家); X是多少 asks X's value (电话).
        counted = counting and link == "有" and not _UNIT_WORD.fullmatch(measure)
        anchors = _modifiers(tagged[: j - len(phrase)]) if counted and phrase else []
        return _focus_of(phrase, tags, counted=counted, measure=measure, anchors=anchors)
    if not any(_nominal(w, t) or t in _VERBAL for w, t in after):  # X是哪一年成立的
        return None
    # 在几码线开球: a place in a prepositional phrase, not what is had; 多少种树木: kinds of
    # X, which a passage names one by one (树种, 乔木), not as X.
    # 多少万元送温暖: an amount in a unit is the answer, what follows says what it did.
    if (i and tagged[i - 1][1] == "p") or measure in _KINDS | _NOT_COUNTED or len(measure) > 1:
        return None
    ahead, rest = _forward(after, measure)
    # 多少名会员 counts; 水深多少的海域 (how deep) and 哪一年的格莱美奖 (which year) do not.
    of = i + size < len(tagged) and tagged[i + size][0] == "的"
    counted = counting and not of
    # Followed by what they did (几家单位获评…), a count of them by its measure word may be written
    # against that (3家获评全国工人先锋号); anything else followed by more words is no focus
    # (多少地方没有得到开发: an extent, 大片未开发的地区).
    if rest and not (counted and measure in _MEASURES):
        return None
    return _focus_of(ahead, tags, counted=counted, measure=measure, anchors=rest)


def chinese_focus(question: str, lexicon: Lexicon) -> Focus | None:
    """The focus of a normalised Chinese question, or None when it asks for nothing in particular
    that a passage must name.

    >>> lexicon = Lexicon()
    >>> chinese_focus("开化县职工疗休养服务中心有多少张床位？", lexicon).text
    '床位'
    >>> chinese_focus("瓜沥供电所的服务电话是多少？", lexicon).text
    '服务电话'
    >>> chinese_focus("嘉善有几家单位获评全国工人先锋号？", lexicon).anchors  # 3家获评… counts them
    ('获评', '全国', '工人', '先锋号')
    >>> chinese_focus("每个职工一年要缴多少钱？", lexicon).form
    '金额'
    """
    tagged = _measure_apart([(w, t) for w, t in lexicon.tagged(numerals(question)) if w.strip()], lexicon)
    named = _named_focus(tagged, {fold(w): t for w, t in tagged})
    if named is not None:
        return named
    form = asked_form(question)
    return Focus(text=form, parts=(), whole=(), form=form) if form else None


# Measure words of things counted (名, 家): the word after one is what is counted, and a number of
# one may say a count without the noun. jieba's guesses at an unknown run glue them to the noun
# after them (多少家疗休养单位: 家疗).
_MEASURES = frozenset("家名位个张所座条项户支台只件场")


def _measure_apart(tagged: list[tuple[str, str]], lexicon: Lexicon) -> list[tuple[str, str]]:
    """``tagged`` with a measure word after 多少/几 split from a guessed word it was glued to."""
    out: list[tuple[str, str]] = []
    for word, tag in tagged:
        glued = out and out[-1][0] in ("多少", "几") and len(word) >= 2 and word[0] in _MEASURES
        if glued and not lexicon.in_dictionary(word):
            out.append((word[0], "q"))
            out.extend(lexicon.tagged(word[1:]))
        else:
            out.append((word, tag))
    return out


def _whether(tagged: list[tuple[str, str]], i: int) -> int:
    """How many words from ``i`` ask whether there is something (有没有, 有无; 是否 有), or 0."""
    if tagged[i][0] in ("有没有", "有无"):
        return 1
    return 2 if tagged[i][0] == "是否" and tagged[i + 1 : i + 2] == [("有", "v")] else 0


def _named_focus(tagged: list[tuple[str, str]], tags: dict[str, str]) -> Focus | None:
    """The attribute or type the question names by its question word, or None."""
    for i, (word, _) in enumerate(tagged):
        # 有没有奖金, 是否有补贴: whether there is X, which a passage answers only by speaking of X.
        whether = _whether(tagged, i)
        if whether:
            had, _ = _forward(tagged[i + whether :])
            if had:
                return _focus_of(had, tags)
        size = _amount_word(tagged, i)
        if size:
            return _amount_focus(tagged, i, size, tags)
        if word.startswith(_PLACE):  # X在哪里(举行)
            # Answered by a place's name (位于上海, 出生于…): 地址, 出生地, 发源地 need not be said, so,
            # as for a type, only one the archive has nowhere counts (办公地址 on the seed pages).
            return _focus_of(_before_link(tagged[:i])[0], tags, kind="type")
        if word in _WHICH:
            ahead: list[str] = []
            for w, t in tagged[i + 1 :]:
                # jieba tags some nouns as verbs (哪家超市提供: 超市 v): the word after 哪家 is the type.
                if len(w) < 2 or w in _TAIL or (ahead and not _nominal(w, t)) or t in _NOT_TYPES:
                    break
                ahead.append(w)
            rest = tagged[i + 1 + len(ahead) :]
            # 哪个石油生产国是美国的盟友: which X *is* something, answered by a name alone; a type
            # counts where it does something (由哪个评委会负责, 哪家超市提供) or ends the question.
            if rest and rest[0][0] in ("是", "为"):
                return None
            return _focus_of(ahead[-_PHRASE_WORDS:], tags, kind="type")
    return None
