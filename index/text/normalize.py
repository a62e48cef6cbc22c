"""Text normalised once, the same way for every caller: NFKC, case, traditional script folded to
simplified, Chinese numerals in digits, markup out; and the character pairs every comparison uses.

>>> normalize("嘉善有幾家單位獲評全國工人先鋒號？２０１８")
'嘉善有几家单位获评全国工人先锋号?2018'
>>> numerals("第三届有两千名职工参加，一起三三两两")
'第3届有2000名职工参加，一起三三两两'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "HAN",
    "bigram_tokens",
    "bigrams",
    "char_bigrams",
    "fold",
    "has_words",
    "is_chinese",
    "normalize",
    "numerals",
    "pairs",
    "strip_markup",
]

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{HAN}]+")
_HAN_CHAR = re.compile(f"[{HAN}]")
_LATIN = re.compile(r"[A-Za-z]+|\d+(?:\.\d+)?")


def fold(text: str) -> str:
    """``normalize`` character by character, keeping the length, so offsets into the folded text
    are offsets into ``text`` (the highlighter marks a raw passage with a folded question's terms).

    >>> fold("工會ＡＢ，"), len(fold("㈱工會")) == len("㈱工會"), len(fold("İ工會"))
    ('工会ab,', True, 3)
    """
    plain = text.translate(_ONE_CHAR)
    simple = _t2s(plain)
    if len(simple) != len(plain):  # a phrase conversion changed the length: convert one by one
        simple = "".join(s if len(s := _t2s(c)) == 1 else c for c in plain)
    return simple


class _OneChar(dict[int, str]):
    """A character's NFKC form and lower case, each where it is still one character; filled as
    characters are met (the query side folds every passage it reads, so this is the hot path)."""

    def __missing__(self, code: int) -> str:
        c = chr(code)
        n = unicodedata.normalize("NFKC", c)
        n = n if len(n) == 1 else c
        low = n.lower()
        self[code] = low if len(low) == 1 else n
        return self[code]


_ONE_CHAR = _OneChar()


def normalize(text: str) -> str:
    """NFKC (full-width forms to plain ones) and traditional characters to simplified: how a
    question is read, once, before anything else looks at it. Case is kept (names are capitalised)."""
    return _t2s(unicodedata.normalize("NFKC", text))


@functools.cache
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@dataclass(frozen=True)
class _Convertible:
    """What a t2s conversion can change: the characters its character table maps to another, and
    the phrases of its phrase table that change a character the character table keeps (覆 in 反覆,
    沈 in 沈默). A text with none of them comes out as it went in, so the converter (pure Python,
    slow) is not run on it: a simplified passage is folded at ``str.translate`` speed."""

    chars: frozenset[str]
    phrase_chars: frozenset[str]
    phrases: re.Pattern[str] | None
    unknown: bool = False  # the tables were not found: any Han character may change

    def __call__(self, text: str) -> bool:
        if self.unknown:
            return _HAN_CHAR.search(text) is not None
        if not self.chars.isdisjoint(text):
            return True
        return (
            self.phrases is not None
            and not self.phrase_chars.isdisjoint(text)
            and self.phrases.search(text) is not None
        )


@functools.cache
def _convertible() -> _Convertible:
    """Read from the converter's own tables; if they are not where the package keeps them, every
    text with a Han character is converted."""
    import opencc

    folder = Path(opencc.__file__).parent / "dictionary"
    try:
        tables = [
            (folder / n).read_text(encoding="utf-8").splitlines()
            for n in ("TSCharacters.txt", "TSPhrases.txt")
        ]
    except OSError:
        return _Convertible(frozenset(), frozenset(), None, unknown=True)
    chars = {k for k, _, v in (line.partition("\t") for line in tables[0]) if v.split() and v.split()[0] != k}
    phrases: list[str] = []
    phrase_chars: set[str] = set()
    for key, _, values in (line.partition("\t") for line in tables[1]):
        value = values.split()[0] if values.split() else key
        if len(key) == len(value):
            kept = {a for a, b in zip(key, value, strict=True) if a != b and a not in chars}
        else:  # a length-changing entry: any of its characters may be the one it changes
            kept = set(key) if chars.isdisjoint(key) else set()
        if kept:
            phrases.append(key)
            phrase_chars |= kept
    pattern = (
        re.compile("|".join(map(re.escape, sorted(phrases, key=len, reverse=True)))) if phrases else None
    )
    return _Convertible(frozenset(chars), frozenset(phrase_chars), pattern)


# Where a text is cut for conversion: no entry of the t2s tables spans these.
_CLAUSE_END = re.compile(r"(?<=[。！？；，、,?!;\n])")


def _t2s(text: str) -> str:
    needs = _convertible()
    if not needs(text):
        return text
    # Only the clauses that need it are converted (a long passage has one 覆 in 覆盖).
    return "".join(_t2s_clause(part) if needs(part) else part for part in _CLAUSE_END.split(text))


@functools.lru_cache(maxsize=8192)
def _t2s_clause(text: str) -> str:
    return str(_converter().convert(text))


_NUMERAL = "零〇一二三四五六七八九十百千万亿两"
# A Chinese numeral is a number only after 第 or before a counter: 第三届, 两千名, 三家; not 一起, 三重一新.
# 哪一位, 这一年, 每一个 and 统一 are not numbers either.
_COUNTED = re.compile(
    f"(?:(?<=第)[{_NUMERAL}]+)|(?:(?<![哪这那每任某同唯统万单{_NUMERAL}])[{_NUMERAL}]+"
    "(?=[届年月日号名人家个项次位元岁批期条所座场件户支只天周倍%]))"
)


def numerals(text: str) -> str:
    """Chinese numerals that count or order something written in digits (cn2an), so that 第三届
    and 第3届, 两千 and 2000 compare equal; other uses of 一, 两, 三 are left alone."""

    def arabic(m: re.Match[str]) -> str:
        run = m.group(0)
        # 一个, 一位, 一次 are mostly "a": only 第一 or a longer numeral counts.
        if run in ("万", "亿", "千", "百") or (run == "一" and not text.endswith("第", 0, m.start())):
            return run
        return _arabic(run)

    return _COUNTED.sub(arabic, text)


@functools.lru_cache(maxsize=4096)
def _arabic(run: str) -> str:
    """A Chinese numeral in digits (itself if cn2an cannot read it)."""
    try:
        import cn2an

        return str(cn2an.cn2an(run, "smart"))
    except ValueError:
        return run


_CODE = re.compile(r"<(script|style)\b[^<>]{0,200}>.*?(?:</\1\s*>|$)", re.I | re.S)


def strip_markup(text: str) -> str:
    """Markup out of a question: tags, and what a ``<script>`` or ``<style>`` holds (code asks
    about nothing).

    >>> strip_markup("<script>alert(1)</script> 工会"), strip_markup("<b>嘉善</b>有几家？")
    ('工会', '嘉善 有几家？')
    """
    return " ".join(re.sub(r"</?[A-Za-z][^<>]{0,200}>", " ", _CODE.sub(" ", text)).split())


def has_words(text: str) -> bool:
    """Whether the text has a letter or digit of any script (not only punctuation or emoji).

    >>> has_words("？？？😀"), has_words("\\ufffd\\ufffd"), has_words("a")
    (False, False, True)
    """
    return any(c.isalnum() for c in text)


def is_chinese(text: str) -> bool:
    """Whether most of the text's letters are Chinese characters: the one test of a question's
    language, for searching and for the language of the reply alike.

    >>> is_chinese("信息港的“e港青友”是谁办的？"), is_chinese("Who runs the 'e港青友' brand?")
    (True, False)
    >>> is_chinese("How many units in 嘉善 were named?")
    False
    """
    letters = [c for c in text if c.isalnum()]
    return sum(bool(_HAN_CHAR.match(c)) for c in letters) >= 0.5 * max(len(letters), 1)


_LATIN_WORD = re.compile(r"[A-Za-z]+")


def written_in_english(text: str) -> bool:
    """Whether a passage is written in English: more English words than Chinese characters (a
    study text with its translations), not a Chinese passage that names something in English
    (国际移民组织（英语：International Organization for Migration）…), whose letters may well
    outnumber its characters. A question's language is ``is_chinese``'s.

    >>> written_in_english("Wearing a seat belt saves lives; it halves the risk. 系安全带能救命。")
    True
    >>> written_in_english("国际移民组织（英语：International Organization for Migration）是政府间组织。")
    False
    """
    return len(_LATIN_WORD.findall(text)) > len(_HAN_CHAR.findall(text))


def pairs(text: str) -> list[str]:
    """The text's neighbouring characters, in order: the one bigram every comparison is built on.

    >>> pairs("嘉善县"), pairs("嘉")
    (['嘉善', '善县'], [])
    """
    return [text[i : i + 2] for i in range(len(text) - 1)]


def bigrams(text: str) -> set[str]:
    """The character bigrams inside each run of Chinese characters, and lowercased Latin words and
    numbers; a lone Chinese character between non-Chinese ones counts as itself.

    >>> sorted(bigrams("嘉善有3家？Union"))
    ['3', 'union', '善有', '嘉善', '家']
    """
    out: set[str] = set()
    for run in _HAN_RUN.findall(text):
        out.update(pairs(run) or [run])
    out.update(w.lower() for w in _LATIN.findall(text))
    return out


def char_bigrams(text: str) -> set[str]:
    """Every pair of neighbouring characters, white space removed: how alike two passages are.

    >>> sorted(char_bigrams("工会 名声"))
    ['会名', '名声', '工会']
    """
    t = "".join(text.split())
    return set(pairs(t)) or {t}


def bigram_tokens(word: str) -> list[str]:
    """The lexical index's tokens for the character bigrams of a run of Chinese characters
    (``Lexicon.tokens`` adds them after the words): ``#`` and the pair.

    >>> bigram_tokens("嘉善县")
    ['#嘉善', '#善县']
    """
    return ["#" + p for p in pairs(word)]
