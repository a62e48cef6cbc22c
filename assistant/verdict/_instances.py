"""Types whose instances are named with the type's own word at their end: 宁波大学 for 哪所大学,
农业银行 for 哪家银行, 天子湖镇 for 哪个乡镇, 航坞路 for 哪条路.

For most types an answer names an instance in words of its own (乌毡帽酒业有限公司 for 哪家企业),
so only a type the archive never mentions counts against a passage (``_focus``). For these, a
passage that answers names one: one that speaks of 在校大学生 or 3家银行 without naming a
university or a bank does not say which.
"""

from __future__ import annotations

import re

__all__ = ["NAMED_BY_HEAD", "names_instance"]

# The type a question asks for, and the heads its instances end with.
NAMED_BY_HEAD: dict[str, tuple[str, ...]] = {
    "大学": ("大学", "学院"),
    "学院": ("学院", "大学"),
    "学校": ("学校", "中学", "小学", "学院", "大学", "幼儿园"),
    "中学": ("中学",),
    "小学": ("小学",),
    "银行": ("银行",),
    "医院": ("医院",),
    "乡镇": ("镇", "乡", "街道"),
    "镇": ("镇",),
    "街道": ("街道", "镇"),
    "路": ("路", "街", "大道"),
    "酒店": ("酒店", "宾馆", "饭店"),
    "超市": ("超市",),
    "报纸": ("日报", "晚报", "时报", "商报", "早报", "周报", "导报"),
    "企业": ("公司", "集团", "厂"),
    "公司": ("公司", "集团"),
}
# Before a head, what makes it no name: a word of quantity or reference (3家银行, 各大银行, 该医院),
# a function word, or the first half of a common word (乡镇, 城镇, 小镇, 道路, 思路, 线路).
_NOT_NAMING = (
    "的各大小等和与及该本此这那些多几家所个座条名们在到于是为或、，,。；" + "0123456789一二两三四五六七八九十"
)
_COMMON = {"镇": "乡城", "路": "道思线出马网套门一", "街": "上大", "公司": "子母", "厂": "工药"}
# After a head, what makes it part of a longer common word (大学生, 路线, 镇上, 街区).
_LONGER = {"大学": "生", "路": "线径费上", "镇": "上", "学院": "派", "街": "区道头坊"}


# Types often named without their head (苹果, JR東日本 for 哪家公司): a passage that never speaks of
# the type may name one so; one that speaks of them (22家企业通过验收) without a name does not say which.
_NAMED_OTHERWISE = {"企业": ("企业", "公司"), "公司": ("公司",)}


def names_instance(type_: str, text: str) -> bool:
    """Whether ``text`` (``plain``: no white space) names an instance of ``type_``, a key of
    ``NAMED_BY_HEAD``.

    >>> names_instance("大学", "以宁波大学为代表"), names_instance("大学", "在校大学生创业团队")
    (True, False)
    >>> names_instance("乡镇", "分到天子湖镇履职"), names_instance("银行", "3家银行中标")
    (True, False)
    >>> names_instance("企业", "全县共有22家企业通过验收"), names_instance("公司", "由东日本旅客铁道经营")
    (False, True)
    """
    spoken = _NAMED_OTHERWISE.get(type_)
    if spoken is not None and not any(word in text for word in spoken):
        return True
    for head in NAMED_BY_HEAD[type_]:
        before = _NOT_NAMING + _COMMON.get(head, "")
        after = _LONGER.get(head, "")
        pattern = rf"(?<=[\u4e00-\u9fffA-Za-z])(?<![{re.escape(before)}]){re.escape(head)}"
        if after:
            pattern += rf"(?![{after}])"
        if re.search(pattern, text):
            return True
    return False
