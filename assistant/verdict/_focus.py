"""The focus of a Chinese question: the attribute it asks for (床位, 办公地址, 占地面积), as against its
topic (the organisation, place or person it is about).

A question that finds the right article but asks a detail the article never gives (开化县职工疗休养
服务中心有多少张床位？) is on the topic in every word but one; the verdict checks that one word in
the passage it cites (``_attest``). The focus is read from the words around the question word,
by jieba's part-of-speech tags:

- ``X是多少``, ``X为几``, ``X是哪一天``: the noun phrase before 是/为 (服务电话, 占地面积), whose
  value a passage gives with a number by it (满意度 named alone does not: ``FORMS["数值"]``);
- ``多少(量词)X？`` at the question's end: X (床位, 退休职工), and ``X有几(量词)``: a count of X, which
  a passage gives only with a number counting X (5名会员; 会员 alone, or a count of others, does
  not; a dimension, 面积 or 比例, is said by its unit instead). Followed by a verb, X is what is
  counted too (几家单位获评…), but the answer may leave the noun out: a number of the measure word
  next to what they did counts them (3家获评…; ``Focus.anchors``). X is not asked after a unit
  (多少万元), a count of events or times (多少次, 几月), kinds (多少种), or in order (第几批, 排多少位);
  A count of one level (县级, 一线) is said only in a clause that names the level (``Focus.level``),
  and a count of the whole (一共, 全市) not by one level's alone (``Focus.total``); a name the
  archive quotes is counted as a noun is (多少家“妈咪暖心小屋”); a count of a part of a whole the
  question gives (那9名评委里，来自高校的有几位) not by that whole, but by what marks the part
  (``Focus.given``);
- an amount asked per unit (每家企业最多能拿多少, 每人每月补贴多少钱, 单户最多拿到多少钱): said per unit
  (每家, 人均), not by a total (``Focus.per``);
- ``有没有X``, ``是否有X``: X;
- no attribute named, but a form of value asked (多少钱, 百分之几, 多长时间, 哪天, 哪一年, 星期几,
  几点, 多长时间一次, 多少亩, or a count by its measure word alone: 多少户, 几票): the form
  (``_forms``), which a passage says with a value of it. Named with one (津贴有多少钱, 参保率提高到了
  百分之几; any rate), the value must stand by the name; asked as a type (哪个月份), by its value;
  asked of a deed (几月份公示的), in a sentence that says the deed, where the passage says it
  (``Focus.predicate``);
- ``哪个X``, ``哪家X``, ``哪几项X`` before a verb or at the end: a *type* (评委会); an answer names an
  instance (乌毡帽酒业有限公司 for 哪家企业), so only a type the archive never mentions counts against
  it, except types whose instances end with their word (哪所大学, 哪个乡镇, 哪条路: ``_instances``).
  ``X在哪里`` is read the same way (办公地址): a place's name answers it (位于…, 出生于…).

``X是谁``, ``是什么``, ``什么X``, ``多久`` and ``多大``/``多长`` alone have no focus here: the
answer is a name, a thing or a measurement, which need not repeat the noun; the existing model
weighs them. Except: an office (主席是谁, 编辑叫什么名字: a passage naming its holder names the
office), an identifier (文号是什么, 电话是什么: given by its name or its form), and a measurement
named after its word (多大面积). Names (jieba's ns/nr/nt) are the topic, never the focus. Every
exception was measured: each is a kind of answerable question the rule refused on notfound or
cmrc_xquad (docs/benchmarks.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import NamedTuple

from index.text import Lexicon, fold

from ._forms import COUNTS, asked_form, counted_form
from ._instances import NAMED_BY_HEAD
from ._phrases import (
    CLAUSE_ENDS,
    COUNTING,
    DIMENSIONS,
    LEVEL,
    MEASURES,
    NOT_TYPES,
    PHRASE_WORDS,
    TAIL,
    VERBAL,
    before_link,
    ending_phrase,
    modifiers,
    nominal,
    opening_phrase,
    quoted,
    tagged_question,
)
from ._scope import asks_whole, given_counts, part_words, per_unit, predicate

__all__ = ["Focus", "chinese_focus"]


@dataclass(frozen=True, kw_only=True)
class Focus:
    """What a question asks for, and how a passage may say it.

    ``parts`` are the phrase's words, each with the forms that count for it (a passage attests the
    focus when it mentions every part, or one of ``whole``); ``kind`` is ``attribute`` (the
    passage must say it), ``type`` (only a type the archive never mentions counts) or
    ``instance`` (a type whose instances end with its word: the passage must name one)."""

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
    # The level of what is counted (县级 of 县级和谐企业, 一线 of 一线职工): a count of another level
    # (75家省级以上…企业) does not say it, so the number's clause must name it.
    level: str = ""
    # A form of value asked without an attribute named (多少钱: 金额; ``_forms.FORMS``): a passage
    # says it with a value of that form.
    form: str = ""
    # An amount asked per unit (每家企业最多能拿多少, 每人每月补贴多少钱: 每家企业, 每人): a passage
    # gives it per unit too (每家, 人均, 各5万元), not as the total it may give instead.
    per: str = ""
    # A count asked of the whole (一共, 全市), naming no level: a count of one level (市级示范点44家)
    # is a part of it, not the answer.
    total: bool = False
    # The counts the question itself gives (1548 of 1548家基层工会里，非公企业工会占了多少家): a
    # passage that repeats one gives the whole the question starts from, not the count it asks.
    given: tuple[str, ...] = ()
    # The verb a form of value is asked of (公示 of 几月份公示的, 压减 of 压减多少钱): a passage that
    # uses it says the value in the same sentence, or it gives the value of something else.
    predicate: str = ""


# Words that ask for an amount, a time or a place of the phrase before 是/为/在.
# Not 多久 (多长时间): it asks a duration, and X in X是多久 is the span itself (期限, 任期), which an
# answer gives as "5年" without naming it.
# Nor 多大, 多长, 多高 (有多长): they ask a measurement, which an answer gives with its unit ("30公分")
# without naming the dimension (体长, 最长记录).
_AMOUNT = ("多少", "几", "哪一天", "哪天", "哪一年", "哪年")
# A measure word after the question word that counts events (多少次奖杯: times won, not trophies)
# or times (几月产生): what follows is no attribute asked for.
_NOT_COUNTED = frozenset({"次", "回", "遍", "趟", "届", "月", "日", "号", "点", "天", "年", "周", "时"})
# Units written as words (多少公分, 多少万元): a measure word, not the thing asked.
_UNIT_WORD = re.compile(
    r"(?:公分|公里|公尺|公斤|公顷|厘米|毫米|千米|英尺|英寸|英里|平方\w*|立方\w*|万元|亿元|美元|千克)"
)
_PLACE = ("哪里", "哪儿", "何处", "何地", "在哪")
_KINDS = frozenset({"种", "类"})  # 多少种树木: kinds, which a passage names one by one
_WHICH = tuple("哪个 哪家 哪位 哪一个 哪一家 哪些 哪所 哪支 哪座 哪种 哪条".split())


def _which(word: str) -> bool:
    """Whether a word asks which (哪家, 哪几项: which ones, not how many)."""
    return word in _WHICH or (word.startswith("哪几") and word[2:] in MEASURES)


def _amount_word(tagged: list[tuple[str, str]], i: int) -> int:
    """How many words from ``i`` ask for an amount (多少, 几家; 多 大, which jieba cuts in two), or 0."""
    word, tag = tagged[i]
    if word.startswith(_AMOUNT) or word in ("百分之几", "百分之多少"):
        return 1
    if word == "多" and i + 1 < len(tagged) and tagged[i + 1][0] in DIMENSIONS:
        return 2
    # 多大面积: the noun after names what is measured; 有多长？ alone is left to the model (above).
    if word[:1] == "多" and word[1:] in DIMENSIONS and i + 1 < len(tagged) and nominal(*tagged[i + 1]):
        return 1
    return 0


# Words that say only that a count is asked (种类数量: how many kinds): the others name what.
_COUNT_WORDS = frozenset({"数量", "数目", "总数", "数字", "个数", "种类", "数额"})


def _in_order(tagged: list[tuple[str, str]], i: int) -> bool:
    """Whether the question word at ``i`` asks which one in order (第几批, 第多少代, 排多少位: 第195位)
    or a weekday (星期几, ``_forms``): no count."""
    return i > 0 and tagged[i - 1][0].endswith(("第", "星期", "周", "礼拜", "排", "排名", "名列", "位列"))


def _level(words: list[str]) -> str:
    """The first of ``words`` that names a level of what is counted (县级, 一线), or ""."""
    return next((w for w in words if LEVEL.fullmatch(w)), "")


class _Count(NamedTuple):
    """How a count asked of a phrase may be said: its measure word, the words it may stand by,
    its level (``Focus``)."""

    measure: str
    anchors: list[str]
    level: str


def _focus_of(
    words: list[str], tags: dict[str, str], kind: str = "attribute", count: _Count | None = None
) -> Focus | None:
    """The focus of a phrase's words (a count of them, with ``count``). Each noun of it must be in a
    passage; a verb jieba tagged in it (估计人口's 估计, 服务电话's 服务) only qualifies (人口估计,
    服务热线电话 say the same), and a count word (种类数量) only says that a number is asked: a phrase
    of nothing else has no focus."""
    words = [fold(w) for w in words if len(w) >= 2]
    if not words:
        return None
    text = "".join(words)
    needed = [w for w in words if tags.get(w) not in VERBAL | {"vn"}] or words
    needed = [w for w in needed if w not in _COUNT_WORDS]
    if not needed:
        return None
    focus = Focus(text=text, parts=tuple((w,) for w in needed), whole=(text,), kind=kind)
    if count is None:
        return focus
    anchors = tuple(fold(a) for a in count.anchors if fold(a) not in words)
    return replace(focus, counted=True, measure=count.measure, anchors=anchors, level=fold(count.level))


def _amount_focus(tagged: list[tuple[str, str]], i: int, size: int, tags: dict[str, str]) -> Focus | None:
    """The focus of a question whose ``i``-th word asks for an amount (``size`` words: 多少, 多 大)."""
    word = tagged[i][0]
    if _in_order(tagged, i):
        return None
    after = tagged[i + size :]
    # 有几位？是怎么评出来的？: the clause that asks the amount is what it counts.
    end = next((k for k, (w, _) in enumerate(after) if w in CLAUSE_ENDS), len(after))
    after = after[: end + 1]
    first = after[0][0] if after else ""
    measure = first if (len(first) == 1 and first not in TAIL) or _UNIT_WORD.fullmatch(first) else ""
    # 多少张床位: skip the measure word (jieba tags it q, or p: 多少对情侣).
    after = after[1:] if measure else after
    glued = word[2:] if word.startswith("多少") else word[1:] if word.startswith("几") else ""
    if len(glued) == 1:  # 几月, 几点, 多少次: the measure word glued to the question word
        measure = glued
    counting = word.startswith(COUNTING)
    if all(w in TAIL or t in ("m", "q") or w in ("到", "至") for w, t in after):  # X是几点到几点
        phrase, link, j = before_link(tagged[:i])
        if not phrase and measure in ("钱", "元", "块"):  # 每天补贴多少钱: the sum of 补贴
            phrase, j = ending_phrase(tagged[:i]), i
        # 电话多少？: a clause of a noun and the question word, the link left out as people type.
        opens = i == 1 or (i > 1 and tagged[i - 2][0] in CLAUSE_ENDS)
        if not phrase and opens and tagged[i - 1][1] in ("n", "nz"):
            phrase, j = [tagged[i - 1][0]], i - 1
        # X有几家, X有多少, X占了多少家: how many X there are (景区有几家); X是多少 asks X's value
        # (电话), unless a measure word says that things are counted (X是几家).
        counted = counting and (link == "有" or measure in MEASURES) and not _UNIT_WORD.fullmatch(measure)
        anchors = modifiers(tagged[: j - len(phrase)]) if counted and phrase else []
        count = _Count(measure, anchors, _level([*anchors, *phrase]))
        focus = _focus_of(phrase, tags, count=count if counted else None)
        # 满意度是多少: a number of it, which a passage that names it without one does not give.
        valued = focus is not None and not counted and not measure and word.startswith(COUNTING)
        return replace(focus, form="数值") if valued and focus is not None else focus
    if not any(nominal(w, t) or t in VERBAL or quoted(w, t) for w, t in after):  # X是哪一年成立的
        return None
    if word.startswith(("哪", "几月")) and after and after[0][1] in VERBAL | {"v", "vn"}:  # 哪一年启动的
        return None
    # 在几码线开球: a place in a prepositional phrase, not what is had; 多少种树木: kinds of
    # X, which a passage names one by one (树种, 乔木), not as X.
    # 多少万元送温暖: an amount in a unit is the answer, what follows says what it did.
    # 在多少家企业建设服务站 counts the firms, by their measure word.
    placed = i and tagged[i - 1][1] == "p" and measure not in MEASURES
    if placed or measure in _KINDS | _NOT_COUNTED or len(measure) > 1:
        return None
    ahead, rest = opening_phrase(after, measure)
    # 多少名会员 counts; 水深多少的海域 (how deep) and 哪一年的格莱美奖 (which year) do not.
    of = i + size < len(tagged) and tagged[i + size][0] == "的"
    counted = counting and not of
    # Followed by what they did (几家单位获评…), a count of them by its measure word may be written
    # against that (3家获评全国工人先锋号); anything else followed by more words is no focus
    # (多少地方没有得到开发: an extent, 大片未开发的地区).
    if rest and not (counted and measure in MEASURES):
        return None
    # jieba's 一线 (a numeral) stands before the phrase; 县级 inside it.
    count = _Count(measure, rest, _level([w for w, _ in after[:1]] + ahead))
    return _focus_of(ahead, tags, count=count if counted else None)


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
    tagged = tagged_question(question, lexicon)
    focus = _chinese_focus(question, tagged)
    if focus is not None and focus.form and not focus.parts:
        focus = replace(focus, predicate=predicate(tagged))
    given = given_counts(question)
    if focus is None or not given or not (focus.counted or focus.form in COUNTS):
        return focus
    # A part of a whole the question gives (那9名专家评委里，来自高校的有几位): its count stands by
    # what marks the part (来自高校), which a passage giving it names.
    part = tuple(part_words(tagged)) if focus.form in COUNTS else focus.anchors
    return replace(focus, given=given, anchors=part)


def _chinese_focus(question: str, tagged: list[tuple[str, str]]) -> Focus | None:
    """The focus of a question's words (``chinese_focus``), before the counts it gives are read."""
    tags = {fold(w): t for w, t in tagged}
    # 营业厅在哪儿？具体是哪条路？: of a question's parts, the one a passage must answer by naming
    # something (a road) says more than one any place name answers.
    found = [f for f in (_named_focus(part, tags) for part in _parts(tagged)) if f is not None]
    named = next((f for f in found if f.kind != "type"), found[0] if found else None)
    form = asked_form(question)
    per = per_unit(tagged)
    if per:  # 每人每天补贴多少钱: the sum of 补贴, per person
        asked = named if named is not None and named.kind == "attribute" else None
        asked = replace(asked, form=form) if asked is not None and form in _VALUED else asked
        return replace(asked or Focus(text=form or "", parts=(), whole=(), form=form or ""), per=per)
    if named is not None and named.kind == "attribute" and named.chinese:
        # 津贴有多少钱, 参保率提高到了百分之几: a sum or a share of the thing, by its name; a rate is
        # a share whatever the question's words.
        valued = form if form in _VALUED else "百分比" if named.text.endswith("率") else ""
        if valued:
            return replace(named, form=valued, counted=False, measure="", anchors=(), level="")
    if named is not None and named.counted and not named.level and asks_whole(question):
        return replace(named, total=True)
    # 是哪个月份做的: a month, said by one (8月); as a type, 月份 would count against a passage only
    # where the archive has the word nowhere.
    if named is not None and (named.kind != "type" or not form):
        return named
    form = form or _count_asked(tagged)
    return Focus(text=form, parts=(), whole=(), form=form) if form else None


def _parts(tagged: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The question's parts, each up to its question mark."""
    parts: list[list[tuple[str, str]]] = [[]]
    for word, tag in tagged:
        parts[-1].append((word, tag))
        if word in ("？", "?"):
            parts.append([])
    return [p for p in parts if p]


def _count_asked(tagged: list[tuple[str, str]]) -> str | None:
    """The form of a count asked by its measure word alone, no thing named after it (帮扶了多少户,
    得了几票, 有多少人关注: 户数, 票数, 人数), or None."""
    for i, (word, _) in enumerate(tagged):
        if _in_order(tagged, i):
            continue
        if word in COUNTING and i + 1 < len(tagged):
            return counted_form(tagged[i + 1][0])
        if word.startswith(COUNTING) and len(word.removeprefix("多少").removeprefix("几")) == 1:
            return counted_form(word[-1])  # 几位, 几家: jieba keeps them whole
    return None


# The forms of value that a question naming an attribute asks of it (its sum, its share).
_VALUED = frozenset({"金额", "百分比"})


# Not 地址: an address is given as often by where a place lies (位于…).
_IDENTIFIERS = ("文号", "电话", "号码", "网址", "网站", "邮箱", "邮编", "编号", "热线", "账号")
# Not 负责人, the one in charge, answered by any of these (吴兴区总工会负责人: its 常务副主席).
_TITLES = (
    "董事长", "主席", "书记", "局长", "主任", "经理", "校长", "院长", "部长", "厂长", "所长",
    "站长", "队长", "会长", "社长", "编辑", "主编", "评委", "市长", "县长", "区长", "镇长", "馆长",
)  # fmt: skip


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
            rest = tagged[i + whether :]
            # 有没有设年龄上限, 有没有接着出新一轮计划: the thing, after what would be done with it.
            done = next((k for k, (_, t) in enumerate(rest[:3]) if t not in ("v", "d", "ul")), 0)
            had, _ = opening_phrase(rest[done:])
            # 有没有过半: whether it is more than half, a time word jieba tags as a noun, not a thing had.
            if had and tags.get(fold(had[0])) != "t":
                return _focus_of(had, tags)
        size = _amount_word(tagged, i)
        if size:
            return _amount_focus(tagged, i, size, tags)
        # X是什么 has no focus (the answer is a thing, which need not repeat X), except an identifier:
        # a document number, a phone number or an address is given with its name (文号, 电话).
        if word == "什么" and i and tagged[i - 1][0] in ("是", "为"):
            phrase = before_link(tagged[:i])[0]
            return _focus_of(phrase, tags) if phrase and phrase[-1].endswith(_IDENTIFIERS) else None
        # X是谁 has none either (导演 is written 执导, 母亲 生母), except an office: a passage that
        # names its holder names the office (主席, 评委, 编辑), though not always as asked (常务副主席).
        if (word == "谁" and i and tagged[i - 1][0] in ("是", "为", "有")) or tagged[i - 1 : i + 1] == [
            ("叫", "v"),
            ("什么", "r"),
        ]:
            # jieba tags 主任 alone b, which no noun phrase holds: the word before the link, then.
            phrase = before_link(tagged[:i])[0] or [w for w, _ in tagged[max(i - 2, 0) : i - 1]]
            title = next((t for t in _TITLES if phrase and phrase[-1].endswith(t)), "")
            return Focus(text=title, parts=((title,),), whole=(title,)) if title else None
        if word.startswith(_PLACE):  # X在哪里(举行)
            # Answered by a place's name (位于上海, 出生于…): 地址, 出生地, 发源地 need not be said, so,
            # as for a type, only one the archive has nowhere counts (办公地址 on the seed pages).
            return _focus_of(before_link(tagged[:i])[0], tags, kind="type")
        if _which(word):
            ahead: list[str] = []
            for w, t in tagged[i + 1 :]:
                # jieba tags some nouns as verbs (哪家超市提供: 超市 v): the word after 哪家 is the type.
                if len(w) < 2 or w in TAIL or (ahead and not nominal(w, t)) or t in NOT_TYPES:
                    break
                ahead.append(w)
            rest = tagged[i + 1 + len(ahead) :]
            # 哪个石油生产国是美国的盟友: which X *is* something, answered by a name alone; a type
            # counts where it does something (由哪个评委会负责, 哪家超市提供) or ends the question.
            if rest and rest[0][0] in ("是", "为"):
                return None
            # 哪所大学, 哪条路(上): a type whose instances end with it, which a passage names to answer.
            last = [w.removesuffix(w[-1]) if w[-1] in "上里中内" else w for w in ahead[-1:]]
            named = next((w for w in (*last, *(w for w, _ in rest[:1])) if w in NAMED_BY_HEAD), "")
            if named and (last == [named] or not ahead):
                return Focus(text=named, parts=((named,),), whole=(named,), kind="instance")
            return _focus_of(ahead[-PHRASE_WORDS:], tags, kind="type")
    return None
