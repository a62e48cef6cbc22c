"""Noun phrases around a question word, read from jieba's part-of-speech tags: the phrase that
ends before it (服务电话 of 服务电话是多少), the one that opens after it (床位 of 多少张床位), the link
word between (是, 有, 提高到), and the words that qualify a phrase (模范 of 模范型工会). ``_focus``
decides which of them a question asks for; this module only reads them, and mends the few cuts
jieba gets wrong in questions (``retagged``).
"""

from __future__ import annotations

import re

from index.text import Lexicon, numerals

__all__ = [
    "CLAUSE_ENDS", "COUNTING", "DIMENSIONS", "LEVEL", "LINKS", "MEASURES", "NOT_TYPES", "PHRASE_WORDS",
    "RELATIVE_TIME", "TAIL", "VERBAL", "before_link", "direct_question", "ending_phrase", "modifiers",
    "nominal", "opening_phrase", "quoted", "tagged_question",
]  # fmt: skip


# Words that link a phrase to the question word after it (X是多少, X有几家, X约为, X叫什么).
LINKS = frozenset({"是", "为", "约", "达", "达到", "有", "在", "位于", "设在", "占", "叫"})
# Tags of the words a focus phrase is made of: nouns (jieba tags 日期 and 年纪 as time words, 藏书
# nz), and verbs jieba gives to attribute nouns (服务电话's 服务, 截止日期's 截止) when a noun ends
# the phrase.
_NOUNS = frozenset({"n", "vn", "l", "ng", "an", "nz", "t"})
VERBAL = frozenset({"v", "vd", "a", "b"})
RELATIVE_TIME = frozenset({"今年", "去年", "明年", "当年", "目前", "现在", "近年", "每年", "当时"})
# Levels of what is counted: 县级 and 市级 counts are other counts (市级先进职工之家59家), and so are
# the 一线 workers among all workers.
LEVEL = re.compile(r"(?:国家|全国|省部|省|市|县|区|镇|乡|街道|村)级(?:以上|以下)?|一线")
TAIL = frozenset({"？", "?", "。", "呢", "啊", "呀", "吗", "！", "!"})
NOT_TYPES = frozenset({"ns", "nr", "nt", "p", "uj"})  # names, prepositions, 的: never a type
# At most this many words make a focus phrase: the attribute, and one word that qualifies it
# (服务 电话, 截止 日期); further back lies the topic (开化县职工疗休养服务中心).
PHRASE_WORDS = 2
_NEGATION = re.compile(r"[没不未无]")


# A request typed in a chat box names what it asks for without a question word (能告诉我…的联系电话
# 吗, 我想知道…的服务电话): it asks what that is.
_REQUEST = re.compile(
    r"^(?:请问|请|麻烦)?(?:你|您)?(?:能不能|可不可以|能否|能|可以)?(?:帮我)?"
    r"(?:告诉我|告知|说说|说一下|查一下|查查|提供|我想知道|想知道|我想了解|想了解|我想问)"
    r"[，,：:\s]*(?P<asked>.+?)[吗呢吧]?[？?。.!！\s]*$"
)
_QUESTION_WORD = re.compile(r"什么|多少|几|哪|谁|怎|何|是否|有没有|是不是")


def direct_question(question: str) -> str:
    """A request without a question word asked directly (…的联系电话是什么？), else the question.

    >>> direct_question("能告诉我淳安县工人文化宫的联系电话吗？")
    '淳安县工人文化宫的联系电话是什么？'
    >>> direct_question("我想知道嘉善有几家单位获评？")
    '我想知道嘉善有几家单位获评？'
    """
    request = _REQUEST.match(question.strip())
    if request is None or _QUESTION_WORD.search(request.group("asked")):
        return question
    return request.group("asked") + "是什么？"


def nominal(word: str, tag: str) -> bool:
    # jieba tags set phrases l, predicates among them (没通上): a negated word says, not names.
    # Nor a distributive (每人每天): how the sum is reckoned, not what it is of.
    return (
        tag in _NOUNS
        and len(word) >= 2
        and word not in RELATIVE_TIME
        and not _NEGATION.search(word)
        and not word.startswith("每")
    )


def ending_phrase(tagged: list[tuple[str, str]]) -> list[str]:
    """The noun phrase at the end of ``tagged`` (read backwards): nominal words, a verbal one only
    inside it, never a name; empty when the last word is no noun."""
    words: list[str] = []
    for word, tag in reversed(tagged):
        if len(words) >= PHRASE_WORDS:
            break
        if nominal(word, tag) or (tag in VERBAL and words and len(word) >= 2):
            words.append(word)
        else:
            break
    return list(reversed(words))


def opening_phrase(tagged: list[tuple[str, str]], measure: str = "") -> tuple[list[str], list[str]]:
    """The noun phrase at the start of ``tagged`` (多少张床位？), and the content words after it (几家
    单位获评全国工人先锋号: what the counted did). After a measure word the next word is the thing
    counted whatever jieba tags it (多少名选手上台: 选手 v); with none, a verbal word alone before the
    question's end is a noun too (多少预算？), while 多少人死亡 counts 人, and 死亡 says what they did."""
    words: list[str] = []
    rest = list(tagged)
    if rest and rest[0][0] == "的":
        rest = rest[1:]
    # 多少名一线职工: jieba reads 一线 as a numeral; it qualifies the thing counted.
    if measure in MEASURES and len(rest) > 1 and rest[0][1] == "m" and not rest[0][0][-1].isdigit():
        rest = rest[1:] if nominal(*rest[1]) else rest
    # 多少家规模以上企业建设服务站: the threshold's noun is the thing counted; the rest is its deed.
    if measure in MEASURES and len(rest) > 1 and rest[0][0].endswith(("以上", "以下")) and nominal(*rest[1]):
        words, rest = [rest[0][0], rest[1][0]], rest[2:]
        return words, _after(rest)
    if rest and measure in MEASURES and (rest[0][1] not in _NOT_COUNTED_TAGS or quoted(*rest[0])):
        if len(rest[0][0]) < 2:  # 几个属生存到中新世: the thing counted is 属, too short to check
            return [], []
        words.append(rest.pop(0)[0])
    # A verbal word only opens the phrase (注册义工, 退休职工): after a noun, a verb says what the
    # counted ones did (几家单位获评全国工人先锋号).
    while rest and (nominal(*rest[0]) or (not words and _verbal(*rest[0]) and _opens(rest[1:], measure))):
        word, _ = rest.pop(0)
        words.append(word)
    return words[-PHRASE_WORDS:], _after(rest)


def _after(rest: list[tuple[str, str]]) -> list[str]:
    return [w for w, t in rest if len(w) >= 2 and w not in TAIL and t not in _NOT_CONTENT]


_HANZI = re.compile(r"[\u4e00-\u9fff]+")


def quoted(word: str, tag: str) -> bool:
    """Whether a word is a name the archive quotes (“妈咪暖心小屋”: jieba tags it x), not punctuation."""
    return tag == "x" and len(word) >= 2 and _HANZI.fullmatch(word) is not None


# Localisers that place a thing (以上, 里面), not words jieba tags so that qualify it (外来务工人员).
_PLACING = frozenset("中间 前后 左右 上下 内外 里面 外面 上面 下面 后面 前面".split())


def _verbal(word: str, tag: str) -> bool:
    qualifying = tag == "f" and word[:1] not in "以之" and word not in _PLACING
    return (tag in VERBAL | {"vn"} or qualifying) and len(word) >= 2


def _opens(rest: list[tuple[str, str]], measure: str) -> bool:
    """Whether a verbal word followed by ``rest`` opens a noun phrase: a noun follows, or nothing
    (after no measure word)."""
    return (bool(rest) and nominal(*rest[0])) or (not measure and all(w in TAIL for w, _ in rest))


# Tags of words that say nothing a count could be written against: particles, pronouns, adverbs.
_NOT_CONTENT = frozenset({"ul", "uj", "uz", "y", "x", "r", "d", "p", "c", "f"})


# Tags of a word after a measure word that is not the thing counted: names, numbers, particles.
_NOT_COUNTED_TAGS = frozenset({"ns", "nr", "nt", "nrt", "m", "q", "p", "x", "uj", "ul", "r", "d"})


def before_link(before: list[tuple[str, str]]) -> tuple[list[str], str, int]:
    """X in ``X是(每平方米)多少``: the phrase before the last link word, when at most measure
    words stand between it and the question word; the link word, and where X ends."""
    for j in range(len(before) - 1, -1, -1):
        word, tag = before[j]
        if word in LINKS:
            # 覆盖率要达到多少: a modal between the phrase and the link.
            if j and before[j - 1][0] in _MODALS:
                j -= 1
            # 企业一共有多少家, 工会现在有几名: a total or a time between the phrase and 有 (not 大约有,
            # where the count is of what a passage may name otherwise: 收藏品 for 服装收藏品).
            k = j
            while k and word == "有" and (before[k - 1][0] in _TOTAL or before[k - 1][0] in RELATIVE_TIME):
                k -= 1
            return ending_phrase(before[:k]), word, k
        # 提高到了百分之几, 增加至多少: the verb and its 到 link the phrase to the amount.
        if word in ("到", "至") and j and before[j - 1][1] in ("v", "vn"):
            return ending_phrase(before[: j - 1]), word, j - 1
        if not (tag in ("m", "q", "d", "ul") or word.startswith("每")):
            return [], "", 0
    return [], "", 0


def modifiers(before: list[tuple[str, str]]) -> list[str]:
    """The words that qualify a noun phrase ending ``before`` (模范 of 模范型工会; 获评 市级 工人 先锋号
    of 获评市级“工人先锋号”的单位), back to a comma, a link word or a name: a count of the phrase
    may be written against them (模范型65家)."""
    out: list[str] = []
    for word, tag in reversed(before):
        if word in LINKS or word in "，,。；;：:" or tag in NOT_TYPES - {"uj"} or len(out) >= 4:
            break
        if len(word) >= 2 and word not in RELATIVE_TIME and tag not in ("m", "r", "d", "t"):
            out.append(word)
    return list(reversed(out))


DIMENSIONS = frozenset("大高长久远重宽深")


# Measure words of things counted (名, 家): the word after one is what is counted, and a number of
# one may say a count without the noun. jieba's guesses at an unknown run glue them to the noun
# after them (多少家疗休养单位: 家疗).
MEASURES = frozenset("家名位个张所座条项户支台只件场")
COUNTING = ("多少", "几")  # the question words that ask how many
CLAUSE_ENDS = frozenset({"？", "?", "。", "！", "!", "，", ",", "；", ";"})


_TOTAL = frozenset({"一共", "总共", "共", "合计", "总计", "共计", "都"})
# Not 可 or 能: 可达多少 is how much at most, of what is written 体长可达 as 特长可达.
_MODALS = frozenset("要 将 应 需 应该 需要 预计 力争".split())


# Quotation marks set off a programme's name (首届“技能大师”有几位): they part no phrase.
_QUOTES = frozenset("“”‘’\"'《》「」『』〈〉")


def tagged_question(question: str, lexicon: Lexicon) -> list[tuple[str, str]]:
    """The (normalised) question's words and tags, numerals in digits, without white space or
    quotation marks; a measure word after 多少/几 split from a guessed word it was glued to, the
    dimension after 多 split from the noun jieba read it into (多 大面积: 多大 面积), a measure word
    after 哪 joined to it (哪 所: 哪所; 哪 几项: 哪几项), a rate to its verb (参保 率: 参保率), a
    one-character distinguishing word to its noun (副 主席: 副主席) and a threshold to what it
    qualifies (规模 以上: 规模以上).

    >>> tagged_question("参保率提高到了百分之几？", Lexicon())[0]
    ('参保率', 'n')
    """
    out: list[tuple[str, str]] = []
    for word, tag in lexicon.tagged(numerals(question)):
        if not word.strip() or word in _QUOTES:
            continue
        if out and out[-1][0] == "哪" and word in MEASURES | {"条"}:  # 哪 所 大学: 哪所
            out[-1] = ("哪" + word, "r")
            continue
        # 哪 几家 报纸, 哪 几项 指标: which, not how many.
        if out and out[-1][0] == "哪" and word[:1] == "几" and word[1:] in MEASURES:
            out[-1] = ("哪" + word, "r")
            continue
        # jieba tags some degrees and rates as places (满意度 ns): they are attributes.
        if tag in ("ns", "nr", "nt") and len(word) >= 3 and word[-1] in "度率":
            tag = "n"
        if out and word == "率" and len(out[-1][0]) >= 2:  # 参保 率: the rate 参保率
            out[-1] = (out[-1][0] + word, "n")
            continue
        if out and out[-1][0] == "是非" and word[:1] == "公":  # 有几家是 非公企业: not 是非 (right and wrong)
            out[-1:] = [("是", "v"), ("非" + word[:1], "b")]
            if word[1:]:
                out.extend(lexicon.tagged(word[1:]))
            continue
        # 副 主席: a one-character distinguishing word names a kind of the noun it precedes (副主席).
        if out and out[-1][1] == "b" and len(out[-1][0]) == 1 and tag in ("n", "nz"):
            out[-1] = (out[-1][0] + word, "n")
            continue
        # 规模 以上 企业, 县级 以上 工会: a threshold qualifies the noun after it, as a kind.
        if out and word in ("以上", "以下") and out[-1][1] in ("n", "b"):
            out[-1] = (out[-1][0] + word, "b")
            continue
        glued = out and out[-1][0] in ("多少", "几") and len(word) >= 2 and word[0] in MEASURES
        dimension = out and out[-1][0] == "多" and len(word) >= 3 and word[0] in DIMENSIONS
        if (glued and not lexicon.in_dictionary(word)) or dimension:
            out.append((word[0], "a" if dimension else "q"))
            out.extend(lexicon.tagged(word[1:]))
        else:
            out.append((word, tag))
    return out
