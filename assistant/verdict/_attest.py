"""Whether the passage the verdict cites says the thing asked about (the question's ``Focus``).

A passage attests the focus when it mentions it as the question writes it, read as every term is
(``plain``: traditional script folded, Chinese numerals in digits, no white space), whole or each
of its words (服务 and 电话 for 服务电话). Nothing looser: "any figure satisfies an amount" would
let a passage with some number stand for a count of beds.

Two things make a missing focus more telling:

- the whole archive never mentions it (no token of the lexical index is the word: document
  frequency 0), the strongest sign that the detail is not there to find (评委会, 电话 on the seed pages);
- another quantity of the same kind stands where it should (建筑面积 for 占地面积: the same head,
  面积, another modifier): reported as ``instead``, so that a reader is not handed the floor area
  as the site area.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from index.text import Lexicon, fold

from ._focus import Focus
from ._forms import FORMS
from ._instances import names_instance
from ._phrases import LEVEL
from ._reading import Vocabulary, plain

__all__ = ["Attestation", "attest"]

# Heads of quantities that a passage may give another kind of (建筑面积 for 占地面积, 营业收入 for 利润
# is not one: different heads). Only these: 困难职工 is no stand-in for 退休职工, although the two
# share a head, while an area is an area and a sum a sum.
_QUANTITY_HEADS = (
    "面积", "长度", "高度", "宽度", "重量", "金额", "总额", "人数", "数量", "收入", "工资", "价格",
    "费用", "产量", "产值", "规模", "比例", "年龄", "距离", "容量", "资金", "经费", "投资",
)  # fmt: skip


# A focus that is one generic dimension and nothing more (面积, 比例) is said by its unit as well as
# its name (in ``plain`` text: no white space): 受影响的面积有多大 is answered by "5000平方公里",
# 比例是多少 by "20%". Only these words alone, and only by their own units: 占地面积 is not attested
# by any area (建筑面积 has one), nor 床位 by any number.
_PERCENT = r"\d%|百分之"
_LENGTH = r"\d(?:米|公分|厘米|毫米|公里|英寸|英尺)"
_DEPTH = r"\d(?:米|公尺|英尺)"
_WEB = r"https?:|www\.|\.(?:com|cn|org|net)"
_MONEY = r"\d(?:万|亿)?(?:元|美元|英镑|欧元|港元|日元|镑)|[$￥£€]\d"
_UNITS = {
    "比例": _PERCENT + r"|\d成", "百分比": _PERCENT, "比率": _PERCENT, "占比": _PERCENT,
    "面积": r"平方(?:米|公里|千米|英里)|公顷|亩", "年份": r"\d{3,4}年", "人口": r"\d(?:万|亿)?人",
    "长度": r"\d(?:米|公里|千米|英里|码|英尺)", "距离": r"\d(?:米|公里|千米|英里)",
    "高度": r"\d(?:米|英尺)", "海拔": r"\d(?:米|英尺)", "温度": r"\d(?:°|℃|度)", "气温": r"\d(?:°|℃|度)",
    "速度": r"每(?:小时|秒|天|年)|/(?:小时|秒|天|年)|时速|年均", "重量": r"\d(?:克|千克|公斤|吨|磅)",
    "体长": _LENGTH, "身长": _LENGTH, "全长": _LENGTH, "水深": _DEPTH, "深度": _DEPTH,
    "年龄": r"\d岁", "年纪": r"\d岁", "岁数": r"\d岁",
    "时间": r"\d{3,4}年|\d月|\d日|\d(?:小时|分钟|分|秒)", "资金": _MONEY, "金额": _MONEY, "售价": _MONEY,
    "价格": _MONEY, "费用": _MONEY, "股份": r"\d%|\d股|百分之",
    # Identifiers (``_focus._IDENTIFIERS``) are given by their form as often as by their name.
    "文号": r"[〔\[(（]\d{4}[〕\])）]\d+号|\d+号文", "电话": r"\d{7,}|\d{3,4}-\d{7,8}|热线",
    "号码": r"\d{5,}", "网址": _WEB, "网站": _WEB, "邮箱": r"@", "邮编": r"(?<!\d)\d{6}(?!\d)",
}  # fmt: skip
_UNIT_PATTERNS = {k: re.compile(v) for k, v in _UNITS.items()}


@dataclass(frozen=True, kw_only=True)
class Attestation:
    """What the cited passage says of the focus: whether it mentions it, whether the archive
    mentions it anywhere, and another quantity of the same kind that the passage gives instead."""

    focus: str
    attested: bool
    nowhere: bool = False
    instead: str | None = None
    # A count was asked and the passage names the thing, but no number of it (会员, not 120名会员).
    uncounted: bool = False
    # Which one was asked (哪所大学) and the passage names none.
    unnamed: bool = False
    # A sum or a share of the thing was asked (津贴有多少钱) and the passage names it with none:
    # the form missing (``_forms.FORMS``).
    valueless: str = ""
    # An amount was asked per unit (每家企业) and the passage gives none per unit.
    per: str = ""


def _mentions(forms: tuple[str, ...], folded: str) -> bool:
    return any(plain(f) in folded for f in forms if f)


# A number counting the focus: within a few characters before it (120名会员, 3家银行中标, 87家景区、
# 饭店) or after it (会员120名, 会员人数达1.2万), inside one clause.
_NEAR = 8
_CLAUSE_END = re.compile(r"[，。；！？,;!?：:]")
_SENTENCE_END = re.compile(r"[。；！？;!?]")
# A number: digits (``plain`` turns 三十名 into 30名), or Chinese numerals it leaves (三十余名, 两千多位)
# before a measure word.
# Not a date or an ordinal (2017年, 8月, 第3届) or a share (65%): those count nothing.
_NOT_COUNTING = r"年|月|日|号|届|期|%"
_CN_COUNT = (
    "|[一二两三四五六七八九十百千万亿]+[余多]?" + "[名个家位人所座条项户支台张只件场次批轮堂节篇部辆间栋套]"
)
_DIGITS = r"(?<![第\d.])\d+(?:\.\d+)?"
_NUMBER = re.compile(_DIGITS + r"(?![\d.]*(?:" + _NOT_COUNTING + "))" + _CN_COUNT)
# Things counted by a measure word (多少名职工) are not counted by a sum (21.5万元), as an amount
# asked without one may be (多少款物: 款物555万元).
_THINGS = re.compile(_DIGITS + r"(?![\d.]*(?:" + _NOT_COUNTING + r"|(?:万|亿)?元))" + _CN_COUNT)


_PEOPLE = "人名位"
_PERSON_ENDS = "工员人者生师匠民"


def _said_per_unit(per: str, folded: str) -> bool:
    """Whether the passage gives an amount per the unit ``per`` (每家企业: 每家, 每个企业, 单家; 每人:
    人均, 每名, 300元/人; any: 平均每, 各获5万元)."""
    unit, noun = per.removeprefix("每").removeprefix("单").removeprefix("一")[:1], per[-1]
    # 每个职工 is 每人 as well: a person counted by any of 人, 名, 位.
    people = unit in _PEOPLE or (len(per) > 2 and noun in _PERSON_ENDS)
    units = _PEOPLE + unit if people else unit + "个"
    # 各 before a number, near (各获5万元); not 各级, 各区.
    each = r"各[^\d，。；,;]{0,2}?[\d一二两三四五六七八九十]"
    per_one = rf"[每单]一?[{units}]|[{units}]均|/[{units}]|平均每|{each}"
    # Or the unit named, then the least or most each may have (县域城市至少设立一处).
    thing = re.sub(r"^(?:[每单]一?|一)[个家人名位户所座间张台辆件项条支只处]?", "", per)
    bound = rf"{re.escape(thing)}\w{{0,4}}?(?:至少|最多|最高|不少于|不低于|不超过)" if len(thing) >= 2 else ""
    return re.search(per_one, folded) is not None or bool(bound and re.search(bound, folded))


def _names(focus: Focus) -> list[str]:
    """The focus's forms in ``plain`` text: whole (和谐企业) and word by word (企业)."""
    return [plain(f) for f in (*focus.whole, *(w for part in focus.parts for w in part)) if f]


def _counts(focus: Focus, folded: str) -> bool:
    """Whether the passage gives a number of the focus (``plain`` text: numerals in digits): by its
    name (120名会员), or by a number of its measure word standing by one of its anchors (模范型65家
    for 模范型工会有几家, 3家获评全国… for 几家单位获评全国…), where a passage leaves the noun out."""
    # A part of the whole the question gives (1548家基层工会里，非公企业工会占了多少家) is counted by
    # its whole name: the head alone (工会) has counts of the other parts (11个乡镇工会).
    names = [plain(f) for f in focus.whole] if focus.given and focus.whole else _names(focus)
    level = plain(focus.level)
    folded = _ungiven(folded, focus.given)
    number = _THINGS if focus.measure else _NUMBER
    if focus.total:  # a count of one level is a part of the whole asked (市级示范点44家)
        folded = _without_parts(folded)
    if any(_near(form, folded, number, level=level, also=_others(focus, form, folded)) for form in names):
        return True
    # A share of it (节省了50%的业务办理周期 for 省了多少业务办理周期).
    if any(re.search(rf"\d%的[^，。；,;]{{0,4}}{re.escape(form)}", folded) for form in names):
        return True
    if not focus.measure:
        return False
    measured = re.compile(r"(?:\d|[一二两三四五六七八九十百千万亿])[余多]?" + re.escape(focus.measure))
    # By its measure word the number may stand further off (2支美国足球大联盟球队; 上颌骨齿细小,约4列).
    if any(
        _near(form, folded, measured, wide=True, level=level, also=_others(focus, form, folded))
        for form in names
    ):
        return True
    return any(_near(plain(anchor), folded, measured, level=level) for anchor in focus.anchors)


def _ungiven(folded: str, given: tuple[str, ...]) -> str:
    """The passage with the counts the question gives blanked: the whole it asks a part of
    (1548家基层工会里…多少家) answers nothing."""
    for number in given:
        folded = re.sub(rf"(?<![\d.]){re.escape(number)}(?![\d.])", "#", folded)
    return folded


_SUMMED = re.compile(r"共|总|累计|合计")  # a clause that gives a whole, whatever level it names


def _clauses(folded: str) -> list[str]:
    """The passage's clauses, each with the mark that ends it."""
    return re.split(rf"(?<={_CLAUSE_END.pattern})", folded)


def _one_level(folded: str) -> list[str]:
    """The passage's clauses that count one level and no whole (市级示范点44家; not 全市共有县级以上
    示范点120家), when they count one level only; none when they count several (3家全国…, 29家市级…,
    208家县级…), which add up to the whole and so answer a count of it."""
    parts = [c for c in _clauses(folded) if LEVEL.search(c) and _THINGS.search(c) and not _SUMMED.search(c)]
    return [] if len({m.group(0) for c in parts for m in LEVEL.finditer(c)}) > 1 else parts


def _without_parts(folded: str) -> str:
    """For a count asked of the whole: the passage without its clauses that count one level only."""
    parts = _one_level(folded)
    return "".join(c for c in _clauses(folded) if c not in parts)


def _part_counted(focus: Focus, folded: str) -> str | None:
    """For a count of the whole that the passage gives only for one level: that level's count
    (市级的数目), the quantity it gives instead; else None."""
    parts = _one_level(folded) if focus.total else []
    if not parts or not _counts(replace(focus, total=False), folded):
        return None
    level = LEVEL.search(parts[0])
    return f"{level.group(0)}的数目" if level else None


def _others(focus: Focus, form: str, folded: str) -> tuple[tuple[str, ...], ...]:
    """The focus's other words, for a count of one of them (工会 of 小二级工会) that the passage
    writes: a count of the head alone is of the thing only in a clause that names the rest."""
    if form in (plain(f) for f in focus.whole):
        return ()
    others = [tuple(plain(w) for w in part if w) for part in focus.parts]
    # What qualifies it (兼挂 of 兼挂副主席, 规模以上 of 规模以上企业), whether or not a part.
    text = plain(focus.text)
    if form in text:
        others.extend((rest,) for rest in text.split(form) if len(rest) >= 2)
    return tuple(forms for forms in others if form not in forms and _mentions(forms, folded))


def _near(
    form: str,
    folded: str,
    number: re.Pattern[str],
    wide: bool = False,
    level: str = "",
    also: tuple[tuple[str, ...], ...] = (),
) -> bool:
    """Whether ``number`` occurs within a few characters of ``form``, in its clause (``wide``:
    twice as far, in its sentence), the clause of ``form`` names ``level`` if one is given, and
    the number's clause names one form of each of ``also``."""
    reach, end = (2 * _NEAR, _SENTENCE_END) if wide else (_NEAR, _CLAUSE_END)
    for m in re.finditer(re.escape(form), folded):
        # Numbers are read whole (65% is a share, not 6) and kept if they reach into the window.
        before = end.split(folded[: m.start()])[-1]
        after = end.split(folded[m.end() :])[0]
        start = m.start() - len(before)
        at = [start + n.start() for n in number.finditer(before) if n.end() > len(before) - reach]
        at += [m.end() + n.start() for n in number.finditer(after) if n.start() < reach]
        if (
            at
            and level in _clause_at(folded, m.start())
            and any(_names_all(_clause_at(folded, i), also) for i in at)
        ):
            return True
    return False


def _clause_at(folded: str, i: int) -> str:
    """The clause of ``folded`` that position ``i`` falls in."""
    return _CLAUSE_END.split(folded[:i])[-1] + _CLAUSE_END.split(folded[i:])[0]


def _names_all(clause: str, also: tuple[tuple[str, ...], ...]) -> bool:
    return all(any(f in clause for f in forms) for forms in also)


def _in_archive(forms: tuple[str, ...], vocabulary: Vocabulary | None) -> bool:
    """Whether the archive speaks of any of the forms: as a token, or as two words it has that make
    the form up (政府 and 部门 for 政府部门: jieba keeps the compound whole only where its dictionary
    has it). 评委会 is no such pair (评委 and a lone 会): the archive has 评委, not a panel."""
    if vocabulary is None:
        return True
    for form in (fold(f).lower() for f in forms):
        if form in vocabulary:
            return True
        if any(form[:i] in vocabulary and form[i:] in vocabulary for i in range(2, len(form) - 1)):
            return True
        # 哪种老办法: an old or new kind of a thing the archive has (办法), which jieba glued whole.
        if len(form) >= 3 and form[0] in "老新旧" and form[1:] in vocabulary:
            return True
    return False


def _instead(focus: Focus, passage: str, lexicon: Lexicon) -> str | None:
    """A quantity of the focus's kind that the passage names (建筑面积 for 占地面积), or None."""
    head = next((h for h in _QUANTITY_HEADS if focus.text.endswith(h)), None)
    if head is None or not focus.chinese:
        return None
    words = lexicon.words_of(passage)
    for before, word in zip(["", *words], words, strict=False):
        # jieba writes 建筑面积 as one word or as 建筑 面积.
        whole = word if word.endswith(head) and len(word) > len(head) else ""
        if word == head:
            whole = before + word
        if len(whole) > len(head) and fold(whole) != focus.text and before not in ("的", "，", ","):
            return whole
    return None


def _valued(focus: Focus, folded: str) -> Attestation:
    """Whether the passage gives a value of the form asked with no attribute named (多少钱, 几月份):
    anywhere; by what marks the part, for a count of a part of a whole the question gives (来自高校的
    有几位); in a sentence that says the deed it is asked of, where one does (几月份公示的)."""
    counts, form = _ungiven(folded, focus.given), FORMS[focus.form]
    done = [s for s in _SENTENCE_END.split(counts) if focus.predicate and plain(focus.predicate) in s]
    if focus.given and focus.anchors:
        valued = any(_near(plain(a), counts, form, wide=True) for a in focus.anchors)
    elif done:
        valued = any(form.search(s) for s in done)
    else:
        valued = form.search(counts) is not None
    # The reason names what is missing: 公示的月份, 来自高校的人数.
    of = "".join(focus.anchors) if focus.given else focus.predicate if done else ""
    return Attestation(focus=f"{of}的{focus.text}" if of else focus.text, attested=valued)


def attest(focus: Focus, passage: str, lexicon: Lexicon, vocabulary: Vocabulary | None) -> Attestation:
    """Whether ``passage`` (title, section and text) mentions the question's focus.

    >>> from assistant.verdict._focus import chinese_focus
    >>> focus = chinese_focus("宁波云创青年小镇的占地面积是多少？", Lexicon())
    >>> a = attest(focus, "宁波云创青年小镇建筑面积约5.6万平方米", Lexicon(), None)
    >>> a.attested, a.instead
    (False, '建筑面积')
    >>> attest(focus, "小镇佔地面積約3萬平方米", Lexicon(), None).attested  # traditional script
    True
    """
    folded = plain(passage)
    if focus.per and not _said_per_unit(focus.per, folded):
        return Attestation(focus=focus.text, attested=False, per=focus.per)
    if not focus.text:  # 每家企业最多能拿多少: nothing asked but the amount per unit
        return Attestation(focus=focus.text, attested=True)
    if focus.kind == "instance":  # 哪所大学: a university named, not 大学生
        one = names_instance(focus.text, folded)
        return Attestation(focus=focus.text, attested=one, unnamed=not one)
    if focus.form and not focus.parts:  # 多少钱, 百分之几: a value of that form, whatever it is called
        return _valued(focus, folded)
    if focus.form:  # 津贴有多少钱: a sum by the 津贴, in its sentence
        valued = any(
            _near(name, folded, FORMS[focus.form], wide=True, also=_others(focus, name, folded))
            for name in _names(focus)
        )
        if valued:
            return Attestation(focus=focus.text, attested=True)
        if _mentions(focus.whole, folded) or all(_mentions(part, folded) for part in focus.parts):
            return Attestation(focus=focus.text, attested=False, valueless=focus.form)
    # An English focus is said by a unit as its Chinese words are (percentage: 百分比, so "20%").
    one_word = focus.parts[0] if len(focus.parts) == 1 else ()
    named = (focus.text,) if focus.chinese else focus.whole or one_word
    units = [_UNIT_PATTERNS[w] for w in named if w in _UNIT_PATTERNS]
    attested = (
        _mentions(focus.whole, folded)
        or (bool(focus.parts) and all(_mentions(part, folded) for part in focus.parts))
        or any(unit.search(folded) is not None for unit in units)
    )
    # A dimension (时间, 比例, 面积) is no count of things: its value is said by its unit, above.
    dimension = focus.text in _UNITS or focus.text.endswith(_QUANTITY_HEADS)
    if focus.counted and not dimension:
        if _counts(focus, folded):
            return Attestation(focus=focus.text, attested=True)
        if attested:
            part = _part_counted(focus, folded)
            return Attestation(focus=focus.text, attested=False, uncounted=True, instead=part)
    if attested:
        return Attestation(focus=focus.text, attested=True)
    # A Chinese focus is nowhere when one of its words is (退休 of 退休职工); an English one only when
    # none of the Chinese the dictionary gives for any of its words is anywhere, the dictionary
    # being a guess at the archive's wording (温度 for the condenser temperature is there).
    parts = [_in_archive(part, vocabulary) for part in focus.parts]
    somewhere = all(parts) if focus.chinese else any(parts)
    nowhere = not _in_archive(focus.whole, vocabulary) and (not parts or not somewhere)
    return Attestation(
        focus=focus.text, attested=False, nowhere=nowhere, instead=_instead(focus, passage, lexicon)
    )
