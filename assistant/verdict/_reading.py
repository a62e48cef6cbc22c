"""Reading a question as the verdict does: its terms, which of them are key, and what it asks for.

- its **terms**: its content words (jieba's, or for an English question its words mapped to the
  archive's through CC-CEDICT and the pinyin of the archive's names), each weighted by its rarity
  in this archive (IDF), with Chinese numerals in digits (第三届 = 第3届);
- its **key terms**: names (jieba's tags, unless CC-CEDICT lists the word only as a common one),
  numbers, Latin words and quoted words: an answer repeats them;
- **what it asks for** (a number, a time, a person, a place), and its **focus**: the attribute it
  asks for (床位, 服务电话; ``_focus``), which the passage cited must mention.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from index import Vocabulary
from index.text import (
    Lexicon,
    asked_for,
    bigram_tokens,
    content_words,
    english_places,
    english_words,
    fold,
    has_words,
    is_chinese,
    is_common_word,
    numerals,
    translations,
)

from ._focus import Focus, chinese_focus
from ._focus_english import english_focus
from ._phrases import direct_question
from ._topic import Topic, chinese_topic

__all__ = [
    "DIGIT",
    "NUMBER",
    "Reading",
    "Term",
    "Vocabulary",
    "idf_of",
    "plain",
    "read_question",
    "unseen_weight",
]

# (Not nz, "other proper noun": jieba gives it to phrases such as 英语翻译.)
_NAME_TAGS = frozenset({"ns", "nr", "nrt", "nrfg", "eng"})
DIGIT = re.compile(r"\d")
_QUOTED = re.compile(r"[“‘「『\"《]([^”’」』\"》]{2,12})[”’」』\"》]")
# 绍兴市 in a question, 绍兴 in the passage: an administrative suffix may be left out.
_SUFFIXED = re.compile(r"(.{2,})(?:省|市|县|区|镇|乡|街道|总工会|工会)$")
# A span of time counted back or on from when it is asked or told (21年前, 3天后, 两个月之前, 5年来):
# a passage dates the event instead (2002年), so its number is no key a passage must repeat. Not a
# year (1970年前: before 1970), nor a month (6月以来: since June).
_RELATIVE = re.compile(
    r"(?<![\d.])(\d{1,3})多?(?:年|天|日|个月|周|个?星期|小时)(?:前|后|以前|以后|之前|之后|以来|来)"
)
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True, kw_only=True)
class Term:
    """A word of the question: how it is shown, the forms that count as a passage mentioning it,
    its BM25 tokens, its rarity in this archive and whether an answer must repeat it."""

    text: str
    forms: tuple[str, ...]
    tokens: tuple[str, ...]
    weight: float
    key: bool
    known: bool  # the archive has it somewhere, as a word
    # A place (jieba's ns), or an English name that CC-CEDICT gives as a Chinese name (Harbin is
    # 哈尔滨, whether or not the archive has it): what a near miss swaps.
    place: bool = False
    # For an English place: the archive shares not one character bigram with its Chinese names
    # (哈尔滨: no 哈尔, no 尔滨), so it is not written another way here either.
    foreign: bool = False
    nowhere: bool = False  # a Chinese word none of whose character bigrams the archive has
    # For an English place: the archive has its Chinese (CC-CEDICT's place, or the archive word its
    # pinyin spells), so a passage about this place would say so.
    archive_place: bool = False

    def in_text(self, folded: str) -> bool:
        return any(f in folded for f in self.forms)


@dataclass(frozen=True, kw_only=True)
class Reading:
    """A question as the verdict reads it (``text`` normalised)."""

    text: str
    chinese: bool
    terms: tuple[Term, ...]
    asked: str | None
    words: bool  # it has letters or digits at all
    focus: Focus | None = None  # the attribute it asks for, when it names one
    topic: Topic | None = None  # what it is about, when it names it (``_topic``)

    @functools.cached_property
    def forms(self) -> frozenset[str]:
        """Every form of its terms: a name in a passage that is none of these is another name."""
        return frozenset(f for t in self.terms for f in t.forms)

    @functools.cached_property
    def numbers(self) -> frozenset[str]:
        """The numbers it gives itself (numerals in digits): a number that answers is another."""
        return frozenset(NUMBER.findall(plain(self.text)))

    @property
    def shown_terms(self) -> list[str]:
        """What to mark in a passage (the highlighter's): the terms' forms, and the words jieba's
        search mode finds inside them (工人 and 先锋号 in 工人先锋号)."""
        return [w for t in self.terms for w in (*t.forms, *(x for x in t.tokens if not x.startswith("#")))]


def unseen_weight(lexical: Vocabulary | None) -> float:
    """The IDF of a word the archive does not have: the most any term can weigh."""
    return math.log1p((len(lexical) + 0.5) / 0.5) if lexical is not None else 1.0


def _nowhere(word: str, lexical: Vocabulary | None) -> bool:
    """Whether the archive has not one character bigram of a Chinese word (奖金 in pages that never
    speak of prize money): a detail the archive never gives, not a word it cuts another way."""
    grams = bigram_tokens(word)
    return lexical is not None and bool(grams) and not any(g in lexical for g in grams)


def idf_of(word: str, lexical: Vocabulary | None) -> tuple[float, bool]:
    """A word's IDF in the archive and whether it occurs there. A word that is no token of the
    archive (jieba cut it otherwise there) is as rare as its rarest character bigram."""
    if lexical is None:
        return 1.0, True
    if word in lexical:
        return lexical.idf(word), True
    grams = bigram_tokens(word)
    if grams and all(g in lexical for g in grams):
        return max(lexical.idf(g) for g in grams), False
    return unseen_weight(lexical), False


def _chinese_forms(word: str) -> tuple[str, ...]:
    """A word and the forms a passage may use: without an administrative suffix (绍兴市 → 绍兴), or
    without a first or last character jieba may have glued on (曾效力 → 效力); an ordinal of two
    digits or more also as its number (第50 in Super Bowl 50; one digit occurs everywhere)."""
    forms = [word]
    if re.fullmatch(r"第\d{2,}", word):
        forms.append(word[1:])
    elif word == "第1":  # the first is as often 首 (首届, 首任, 首次)
        forms.append("首")
    stem = _SUFFIXED.match(word)
    if stem is not None:
        forms.append(stem.group(1))
    elif len(word) >= 3 and not DIGIT.search(word):
        forms += [word[1:], word[:-1]]
    return tuple(dict.fromkeys("".join(fold(f).split()) for f in forms))


def read_question(question: str, lexicon: Lexicon, lexical: Vocabulary | None = None) -> Reading:
    """Read a normalised question: its terms (weighted by ``lexical``'s IDF, when given), which are
    key, and what it asks for.

    >>> r = read_question("绍兴有几家单位获评全国工人先锋号？", Lexicon())
    >>> [t.text for t in r.terms if t.key], r.asked
    (['绍兴'], 'number')
    >>> [t.text for t in read_question("温州有哪些城市工会？", Lexicon()).terms if t.key]
    ['温州']
    """
    chinese = is_chinese(question)
    words = has_words(question)
    if not words:
        return Reading(text=question, chinese=chinese, terms=(), asked=None, words=False)
    terms = _chinese_terms(question, lexicon, lexical) if chinese else _english_terms(question, lexical)
    # 能告诉我…的联系电话吗 asks what that is: its focus and topic are read as 联系电话是什么's.
    direct = direct_question(question) if chinese else question
    focus = chinese_focus(direct, lexicon) if chinese else english_focus(question)
    return Reading(
        text=question,
        chinese=chinese,
        terms=tuple(terms),
        asked=asked_for(question),
        words=True,
        focus=focus,
        topic=chinese_topic(direct, lexicon) if chinese else None,
    )


def _chinese_terms(question: str, lexicon: Lexicon, lexical: Vocabulary | None) -> list[Term]:
    tags = dict(lexicon.tagged(numerals(question)))
    quoted = {fold(m.group(1)) for m in _QUOTED.finditer(question)}
    relative = set(_RELATIVE.findall(numerals(question)))
    terms = []
    for w in content_words(question, lexicon):
        weight, known = idf_of(w, lexical)
        name = tags.get(w) in _NAME_TAGS and not is_common_word(w)
        key = name or w in quoted or ((bool(DIGIT.search(w)) or w.isascii()) and w not in relative)
        place = name and tags.get(w) == "ns"
        terms.append(
            Term(
                text=w,
                forms=_chinese_forms(w),
                tokens=tuple(lexicon.tokens(w)),
                weight=weight,
                key=key,
                known=known,
                place=place,
                nowhere=not known and _nowhere(w, lexical),
            )
        )
    seen = {t.text for t in terms}
    for q in sorted(quoted - seen):  # a quoted name jieba cut into pieces
        weight, known = idf_of(q, lexical)
        terms.append(
            Term(text=q, forms=(q,), tokens=tuple(lexicon.tokens(q)), weight=weight, key=True, known=known)
        )
    return terms


def _english_terms(question: str, lexical: Vocabulary | None) -> list[Term]:
    """Each English content word with the archive's words it may stand for: itself (Latin words
    and numbers occur in Chinese text), CC-CEDICT's translations, and the archive's words whose
    pinyin it spells (Jiashan → 嘉善). A capitalised pair is also looked up as one (Jiashan County,
    Yong Kang)."""
    words = english_words(question)
    pinyin: Mapping[str, list[str]] = lexical.pinyin if lexical is not None else {}
    terms = []
    i = 0
    while i < len(words):
        word, cap = words[i]
        following = words[i + 1][0] if i + 1 < len(words) and cap and words[i + 1][1] else None
        found = _stand_ins(word, following, pinyin)
        terms.append(_english_term(word, cap, found, lexical))
        i += 1 if found.shown == word else 2
    return terms


class _StandIns(NamedTuple):
    shown: str  # the word, or the capitalised pair looked up as one
    words: set[str]  # the archive's words it may stand for
    spelled: list[str]  # those of them whose pinyin it spells


def _stand_ins(word: str, following: str | None, pinyin: Mapping[str, list[str]]) -> _StandIns:
    """What an English word stands for, looked up together with the ``following`` capitalised
    word (Jiashan County) when the pair is known as one."""
    if following is not None:
        pair = f"{word} {following}"
        spelled = list(pinyin.get(word + following, ()))
        joined = set(translations(pair)) | set(spelled)
        if joined:
            return _StandIns(shown=pair, words=joined, spelled=spelled)
    spelled = list(pinyin.get(word, ()))
    # Latin words and numbers occur in Chinese text as they are.
    return _StandIns(shown=word, words=set(translations(word)) | set(spelled) | {word}, spelled=spelled)


def _english_term(word: str, cap: bool, found: _StandIns, lexical: Vocabulary | None) -> Term:
    # One Chinese character stands for too much to count as mentioning the word.
    candidates = {c for c in found.words if len(c) >= 2}
    in_archive = sorted(c for c in candidates if lexical is None or c in lexical)
    if lexical is not None and in_archive:
        weight = min(lexical.idf(c) for c in in_archive)
    else:
        weight = unseen_weight(lexical)
    # A passage may hold a word the archive's tokens cut otherwise (艾伦 inside 贾里德·艾伦).
    shown = [*in_archive, *sorted(candidates - set(in_archive)), word]
    forms = tuple(dict.fromkeys("".join(fold(c).split()) for c in shown))
    # A place is what a near miss swaps: a capitalised word that CC-CEDICT gives as a place
    # (Harbin: 哈尔滨), or that spells one of the archive's words in pinyin (Yongjia: 永嘉) and
    # is no English word CC-CEDICT translates otherwise (lama is 喇嘛, not 拉玛).
    places = (english_places(found.shown) or english_places(word)) if cap else frozenset()
    translated = candidates - set(found.spelled) - {word}
    consistent = [c for c in found.spelled if len(c) >= 2 and (not translated or c in translated)]
    return Term(
        text=found.shown,
        forms=forms,
        tokens=tuple(in_archive),
        weight=weight,
        key=cap or word.isdigit(),
        known=bool(in_archive),
        place=cap and (bool(places) or bool(consistent)),
        # Foreign: the archive shares not one character bigram with its Chinese names (哈尔滨: no
        # 哈尔, no 尔滨), so it is not written another way here either.
        foreign=bool(places)
        and lexical is not None
        and not any(g in lexical for n in places for g in bigram_tokens(n)),
        archive_place=any(c in in_archive for c in (*consistent, *places)),
    )


@functools.lru_cache(maxsize=20_000)  # the same best passages and sentences, question after question
def plain(text: str) -> str:
    """A text as terms are looked for in it: folded, numerals in digits, no white space (a
    translated passage writes 第 49 届 and 2015 年)."""
    return "".join(fold(numerals(text)).split())
