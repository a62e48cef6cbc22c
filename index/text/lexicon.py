"""One jieba for the whole archive: its own words added (quoted names, place stems), in search mode
for the lexical index, accurate mode for questions, and with part-of-speech tags, loaded only when asked."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from .normalize import bigram_tokens, normalize

__all__ = ["Lexicon", "domain_words"]

_WORD = re.compile(r"\w")
# Runs of Chinese characters, with Latin letters and digits inside names (杭工e家, 云创1986);
# their bigrams are marked with "#" so they never collide with a jieba word.
_CJK_RUN = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fffa-z0-9]*")
# Frequent enough that jieba keeps the archive's word whole, and search mode still emits its parts.
_WORD_FREQ = 20_000
_QUOTED_NAME = re.compile(r"[“‘「]([\w·]{2,10})[”’」]")
# County and district names here are two characters (嘉善县, 鄞州区, 瓜沥镇) before the suffix.
_PLACE = re.compile(r"([\u4e00-\u9fff]{2})(?:县|市|区|镇|乡|街道)(?=总工会|工会|供电所)")


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


@contextmanager
def _jieba_quiet(logger: logging.Logger) -> Iterator[None]:
    """jieba announces loading its dictionary on its own logger; quiet only while it loads."""
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


_TAGS_KEPT = 20_000  # sentences whose tags a Lexicon keeps (a few MB)


@functools.cache
def _dictionary() -> tuple[dict[str, int], int]:
    """jieba's own dictionary (word and prefix → frequency, and their total), read once a process:
    reading it takes 0.5 s, copying it 0.03 s, and every index opened or built makes a Lexicon."""
    import jieba

    tokenizer = jieba.Tokenizer()
    with _jieba_quiet(jieba.default_logger):
        tokenizer.initialize()  # "Building prefix dict…" at DEBUG, on jieba's own stderr handler
    return tokenizer.FREQ, tokenizer.total


class Lexicon:
    """jieba in search mode with the archive's own words; every method normalises its text first."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self.words = sorted(set(words))
        # The query side tags the sentences of the same best passages question after question.
        self._tags: dict[str, tuple[tuple[str, str], ...]] = {}

    @cached_property
    def _jieba(self) -> Any:
        import jieba

        tokenizer = jieba.Tokenizer()
        freq, total = _dictionary()
        # A copy: the archive's words go into this tokenizer's table only.
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(freq), total, True
        for w in self.words:
            tokenizer.add_word(w, freq=_WORD_FREQ)
        return tokenizer

    @cached_property
    def _tagger(self) -> Any:
        import jieba.posseg

        # Importing jieba.posseg already read the tags of jieba's dictionary, which this tokenizer
        # uses too (the archive's words are tagged x): share that table rather than read it again.
        # A tagger re-reads it itself only when its tokenizer brings tags of its own.
        tagger = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
        tagger.tokenizer = self._jieba
        tagger.word_tag_tab = dict(jieba.posseg.dt.word_tag_tab)
        return tagger

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

    def in_dictionary(self, word: str) -> bool:
        """Whether jieba's dictionary (or the archive's words) has the word: jieba also makes words
        of unknown runs (家疗 of 多少家疗休养单位), which are guesses.

        >>> Lexicon().in_dictionary("家庭"), Lexicon().in_dictionary("家疗")
        (True, False)
        """
        return self._jieba.FREQ.get(word, 0) > 0

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
