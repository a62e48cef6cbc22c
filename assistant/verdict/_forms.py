"""The form of value a question asks for when it names no attribute: a sum of money (缴多少钱), a
percentage (具体是百分之几), a duration (持续了多长时间), how often (多长时间办一次, 多久评一次), an
amount in a unit it names (占了多少亩地), a point in time finer than "when" (哪天签的, 哪一年出台的,
几月份搞的, 星期几见报, 几点开门), or a count by its measure word alone (帮扶了多少户, 办几期:
``counted_form``).

The answer to such a question is a value of that form, whatever the passage calls it, so the
passage the verdict cites must hold one: a number of 元 for 多少钱, a percentage for 百分之几.
Necessary, not sufficient: a passage with some sum of money may still not give the fee asked
(the model weighs the rest); one with none cannot. A named attribute (多少奖金, 津贴有多少钱) is the
focus instead (``_focus``): it says more than its form.
"""

from __future__ import annotations

import re

__all__ = ["COUNTS", "FORMS", "asked_form", "counted_form"]

# Chinese numerals that ``plain`` leaves before a unit (半小时, 两周, 三十余天).
_NUMERALS = "一二两三四五六七八九十百千万"
_CN = rf"[{_NUMERALS}半]+[余多]?"
# Not a bare 月: 1月 is January; a duration in months is 1个月.
_DURATION_UNITS = r"(?:个)?(?:小时|钟头|分钟|天|日|周|星期|个月|年)"
# What a passage writes for each form, in ``plain`` text (numerals in digits, no white space).
# A duration in years is a small number of them (5年, 半年), not a year (2016年).
FORMS: dict[str, re.Pattern[str]] = {
    "金额": re.compile(
        r"\d(?:万|亿|千|百)?(?:多|余)?(?:元|块|美元|英镑|欧元|港元|日元)|[$￥£€]\d|" + _CN + "元"
    ),
    "百分比": re.compile(r"\d%|百分之|\d成|" + _CN + "成"),
    # Or until when (直至19世纪: how long the Huguenots kept French names), over centuries, or from
    # one year to another (从1870年到1939年运营).
    "时长": re.compile(
        r"(?<![\d.])\d{1,3}(?:\.\d+)?(?:万|亿)?(?:多|余)?"
        + _DURATION_UNITS
        + "|"
        + _CN
        + _DURATION_UNITS
        + r"|半(?:个)?(?:小时|天|年|月)|直至|直到|至今|世纪|\d0年代|\d{3,4}年?(?:到|至|-|–|—|~)\d{2,4}年"
    ),
    # How often (多长时间办一次): 每月都会定期举办, 一年一度, 两周一次.
    # Or by how rarely or often (很少, 经常: a person's habits, 他多久独自旅行一次).
    "频率": re.compile(
        r"每(?:\d+|[一二两三四五六七八九十半])?(?:个)?(?:天|日|周|星期|月|季度?|年)|定期|一度|很少|经常|常常|偶尔|不时"
        r"|[一二两三四五六七八九十\d](?:个)?(?:天|周|星期|月|季度?|年)[一1]次"
    ),
    # A day of the month (5日, 8号; not 8号文, a document number), or one named relative to the report.
    "日期": re.compile(r"(?<!\d)\d{1,2}(?:日|号(?!文))|今天|昨天|前天|当天|当日|次日"),
    # A year (2012年, 967年; not 15年, a duration), a decade, or one named relative to the report.
    # An era's year (光海君7年, 绍兴14年) is not told from a duration: such a passage is refused.
    "年份": re.compile(
        r"(?<!\d)\d{3,4}年|\d0年代|元年|今年|去年|前年|明年|同年|当年|次年|翌年"
        # A year written bare (生于1185, 1279 -): four digits from 1000 to 2099 counting no unit.
        r"|(?<![\d.])(?:1\d|20)\d\d(?![\d.%万亿]|[名个家位人元米])"
    ),
    # A month (8月, 十月), or a part of the year named (月初, 年底, 上旬, 春节前后).
    "月份": re.compile(
        r"(?<!\d)\d{1,2}月(?!份?\d)|[一二三四五六七八九十冬腊正]+月|月[初底末中]|[上中下]旬|年[初底末中]"
        r"|春节|元旦|国庆|五一|[春夏秋冬]季|[春夏秋冬]天|暑期|暑假|寒假"
    ),
    "星期": re.compile(r"星期[一二三四五六日天]|周[一二三四五六日末]|礼拜[一二三四五六日天]"),
    # A time of day (9点, 8:30, 上午), or opening round the clock.
    "时刻": re.compile(r"(?<!\d)\d{1,2}(?:点|时(?!间)|:\d{2})|[上下中]午|早上|晚上|凌晨|全天|24小时"),
}
# A difference (比去年同期增加了多少): a change said as one (增加1200人, 同比增长12%, 比去年多, 翻一番),
# not the level it came to (会员达9984人).
FORMS["增减量"] = re.compile(
    r"(?:增加|增长|增幅|提高|提升|上升|减少|下降|降低|多出|新增|净增|增收|上涨|涨)了?\D{0,6}?\d"
    r"|同比|环比|比(?:上年|去年|上一?年|同期)|\d(?:\.\d+)?倍|翻了?\d?番"
)
# A number of any kind (满意度是多少): digits (``plain`` writes numerals so), a share, or 半.
FORMS["数值"] = re.compile(r"\d|百分之|[半两几]成|[一二两三四五六七八九十]+[个名家位项倍成]")
# Units a question may ask an amount in (多少亩地, 几吨): the passage gives a number of the same unit.
_UNITS = ("平方公里", "平方米", "立方米", "千瓦时", "公顷", "公里", "千米", "公斤", "千克", "亩", "吨")
FORMS.update({u: re.compile(r"\d(?:万|亿|千|百)?(?:多|余)?" + u + "|" + _CN + u) for u in _UNITS})

# Measure words a count may be asked by alone (帮扶了多少户, 得了几票, 有多少人关注): the answer is a
# number of them (of 人 also written 名 or 位), whatever the passage counts by them.
_COUNTED_BY = {"人数": "人名位", "床数": "床张", "棵数": "棵株", "岁数": "岁"}
_COUNTED_BY.update({m + "数": m for m in "户票家所座项件场篇本册辆张条支台间栋幢套个期集处"})
_COUNT_OF = {m: label for label, alts in _COUNTED_BY.items() for m in alts} | {"人次": "人数"}
COUNTS = frozenset(_COUNTED_BY)  # the forms that count things (户数, 人数)
# 人: also a headcount written as such (参会人数达300, 2万人次), or a population in round
# numbers or shares, which leaves 人 out (说勉语的人约有150万, 3到5万的居民, 三分之二的人口).
_HEADCOUNT = r"|人数\D{0,3}\d|人次|\d[万千](?!元)|分之"
FORMS.update(
    {
        # Not an ordinal (第3期, 第二批): one of them, no count.
        label: re.compile(
            rf"(?<![第\d.])\d+(?:\.\d+)?[万千百]?[余多]?[{m}]|(?<![第{_NUMERALS}]){_CN}[{m}]"
            + _HEADCOUNT * (label == "人数")
        )
        for label, m in _COUNTED_BY.items()
    }
)

# An age is also written in full years (年满18周岁) or by the traditional count (虚岁).
FORMS["岁数"] = re.compile(rf"(?<![第\d.])\d+[余多]?(?:周|虚)?岁|{_CN}(?:周|虚)?岁")

_ASKED_DURATION = r"(?:小时|钟头|分钟|天|周|星期|个月|年(?!级))"
_ASKED = (
    # A difference from another time or thing, before the form it is counted in (多拨多少钱).
    (
        "增减量",
        re.compile(
            r"(?<!对)比(?![赛例武重率分较])\w{0,12}?(?:增加|增长|多|少|减少|提高|涨|降|下降|上升)\w{0,2}?(?:多少|几)"
            r"|(?:增加|增长|减少|上涨|涨|提高|上升|下降)了(?:多少|几)(?!倍)"
        ),
    ),
    # 多久…一次 too: how often, answered by 每年 as by 很少 or 经常 (``FORMS``).
    ("频率", re.compile(r"(?:多长时间|多久|多少天|几天|几周|几个月|几年)\w{0,4}?[一1]次")),
    # Not 几块功能: 块 before a noun counts pieces.
    ("金额", re.compile(r"(?:多少|几)(?:万|亿|千|百)?(?:块)?(?:钱|元|块(?![\u4e00-\u9fff])|美元)")),
    ("百分比", re.compile(r"百分之(?:几|多少)|几成")),
    # Not 几月 or 几日 (which month, which day), nor 第几天 (which of the days), nor 几年级 (a grade);
    # nor 多久, answered as often by an end (直至十九世纪), a season (一个半赛季), a frequency (很少).
    (
        "时长",
        re.compile(r"多长时间|多少时间|(?<!第)(?:多少|几)个?" + _ASKED_DURATION),
    ),
    *((u, re.compile(r"(?:多少|几)(?:万|亿|千|百)?" + u)) for u in _UNITS),
    # Not 第几天 (which of the days), 哪一年级 (a grade), 几点建议 (points made).
    ("日期", re.compile(r"(?<!第)(?:哪一?天|几号|几月几[日号]|哪一?日)")),
    ("年份", re.compile(r"哪一?年(?!级)|几几年|什么年份")),
    # After 日期: 几月几日 asks the day.
    ("月份", re.compile(r"几月份?|哪一?个?月份?(?!\w*?[天日号])")),
    ("星期", re.compile(r"星期几|周几|礼拜几")),
    ("时刻", re.compile(r"几点(?:钟|开|关|到|至|起|上|下|营|出|结|截|[？?、，,])|几点$")),
)


def asked_form(question: str) -> str | None:
    """The form of value the (normalised) question asks for, as ``FORMS`` names it, or None.

    >>> asked_form("每个职工一年要缴多少钱？"), asked_form("具体是百分之几？")
    ('金额', '百分比')
    >>> asked_form("总共占了多少亩地？")
    '亩'
    >>> asked_form("演练持续了多长时间？"), asked_form("他读几年级？")
    ('时长', None)
    >>> asked_form("协议是哪天签的？"), asked_form("办法是哪一年出台的？"), asked_form("几点开门？")
    ('日期', '年份', '时刻')
    """
    for form, pattern in _ASKED:
        if pattern.search(question):
            return form
    return None


def counted_form(measure: str) -> str | None:
    """The form of a count asked by a measure word alone (多少户: 户数), or None for one that
    counts no things.

    >>> counted_form("户"), counted_form("位"), counted_form("次")
    ('户数', '人数', None)
    """
    return _COUNT_OF.get(measure)
