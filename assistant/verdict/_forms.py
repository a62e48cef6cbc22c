"""The form of value a question asks for when it names no attribute: a sum of money (缴多少钱), a
percentage (具体是百分之几), a duration (持续了多长时间) or an amount in a unit it names (占了多少亩地).

The answer to such a question is a value of that form, whatever the passage calls it, so the
passage the verdict cites must hold one: a number of 元 for 多少钱, a percentage for 百分之几.
Necessary, not sufficient: a passage with some sum of money may still not give the fee asked
(the model weighs the rest); one with none cannot. A named attribute (多少奖金, 津贴有多少钱) is the
focus instead (``_focus``): it says more than its form.
"""

from __future__ import annotations

import re

__all__ = ["FORMS", "asked_form"]

# Chinese numerals that ``plain`` leaves before a unit (半小时, 两周, 三十余天).
_CN = r"[一二两三四五六七八九十百千万半]+[余多]?"
_DURATION_UNITS = r"(?:个)?(?:小时|钟头|分钟|天|日|周|星期|个月|月|年)"
# What a passage writes for each form, in ``plain`` text (numerals in digits, no white space).
# A duration in years is a small number of them (5年, 半年), not a year (2016年).
FORMS: dict[str, re.Pattern[str]] = {
    "金额": re.compile(
        r"\d(?:万|亿|千|百)?(?:多|余)?(?:元|块|美元|英镑|欧元|港元|日元)|[$￥£€]\d|" + _CN + "元"
    ),
    "百分比": re.compile(r"\d%|百分之|\d成|" + _CN + "成"),
    # Or until when (直至19世纪: how long the Huguenots kept French names), or over centuries.
    "时长": re.compile(
        r"(?<![\d.])\d{1,3}(?:\.\d+)?(?:万|亿)?(?:多|余)?"
        + _DURATION_UNITS
        + "|"
        + _CN
        + _DURATION_UNITS
        + r"|半(?:个)?(?:小时|天|年|月)|直至|直到|至今|世纪|\d0年代"
    ),
}
# Units a question may ask an amount in (多少亩地, 几吨): the passage gives a number of the same unit.
_UNITS = ("平方公里", "平方米", "立方米", "千瓦时", "公顷", "公里", "千米", "公斤", "千克", "亩", "吨")
FORMS.update({u: re.compile(r"\d(?:万|亿|千|百)?(?:多|余)?" + u + "|" + _CN + u) for u in _UNITS})

_ASKED_DURATION = r"(?:小时|钟头|分钟|天|周|星期|个月|年(?!级))"
_ASKED = (
    ("金额", re.compile(r"(?:多少|几)(?:万|亿|千|百)?(?:块)?(?:钱|元|块|美元)")),
    ("百分比", re.compile(r"百分之(?:几|多少)|几成")),
    # Not 几月 or 几日 (which month, which day), nor 第几天 (which of the days), nor 几年级 (a grade);
    # nor 多久, answered as often by an end (直至十九世纪), a season (一个半赛季), a frequency (很少).
    (
        "时长",
        re.compile(r"多长时间|多少时间|(?<!第)(?:多少|几)个?" + _ASKED_DURATION),
    ),
    *((u, re.compile(r"(?:多少|几)(?:万|亿|千|百)?" + u)) for u in _UNITS),
)


def asked_form(question: str) -> str | None:
    """The form of value the (normalised) question asks for, as ``FORMS`` names it, or None.

    >>> asked_form("每个职工一年要缴多少钱？"), asked_form("具体是百分之几？")
    ('金额', '百分比')
    >>> asked_form("总共占了多少亩地？")
    '亩'
    >>> asked_form("演练持续了多长时间？"), asked_form("他读几年级？")
    ('时长', None)
    """
    for form, pattern in _ASKED:
        if pattern.search(question):
            return form
    return None
