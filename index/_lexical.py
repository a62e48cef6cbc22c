"""The lexical leg: jieba tokens scored with BM25 (bm25s), saved beside the vectors.

Dense embeddings miss exact names and numbers that a reader types (``云创1986``, ``23个``);
BM25 over words finds them. jieba's dictionary does not know this archive's names, so the
index carries a small dictionary built from the corpus itself: quoted names (``“杭工e家”``,
``“工人先锋号”``) and the stems of place names (``鄞州`` from ``鄞州区``), so that new
articles improve it. Traditional characters are folded to simplified for matching only.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

LEXICAL_VERSION = "2"
WORDS_FILE = "words.json"
_QUOTED = re.compile(r"[“‘「]([\w·]{2,10})[”’」]")
# County and district names here are two characters (嘉善县, 鄞州区, 瓜沥镇) before the suffix.
_PLACE = re.compile(r"([\u4e00-\u9fff]{2})(?:县|市|区|镇|乡|街道)(?=总工会|工会|供电所)")
_WORD = re.compile(r"\w")
# Runs of Chinese characters, with Latin letters and digits inside names (杭工e家, 云创1986);
# their bigrams are marked with "#" so they never collide with a jieba word.
_CJK_RUN = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fffa-z0-9]*")
# Frequent enough that jieba keeps the word whole, and search mode still emits its parts.
_WORD_FREQ = 20_000


def domain_words(texts: Iterable[str]) -> list[str]:
    """Names this archive uses that a general dictionary splits.

    >>> domain_words(["宁波鄞州区总工会推出“杭工e家”"])
    ['杭工e家', '鄞州']
    """
    words: set[str] = set()
    for text in texts:
        words.update(m.group(1) for m in _QUOTED.finditer(text))
        words.update(m.group(1) for m in _PLACE.finditer(text))
    return sorted(words)


class Lexicon:
    """jieba in search mode with the archive's own words, and traditional folded to simplified."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self.words = sorted(set(words))

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
        """How often the word occurs in jieba's reference corpus (0: not in its dictionary)."""
        return int(self._jieba.FREQ.get(word) or 0)

    def tagged(self, text: str) -> list[tuple[str, str]]:
        """jieba's words of the simplified text with their part-of-speech tags (ns: place, nr: person,
        m: number, eng: Latin letters, x: the archive's own words, ...).

        >>> Lexicon(["杭工e家"]).tagged("温州推出杭工e家")
        [('温州', 'ns'), ('推出', 'v'), ('杭工e家', 'x')]
        """
        return [(p.word, p.flag) for p in self._tagger.cut(self.simplify(text))]

    @cached_property
    def _t2s(self) -> Any:
        import opencc

        return opencc.OpenCC("t2s")

    def simplify(self, text: str) -> str:
        return str(self._t2s.convert(text))

    def tokens(self, text: str) -> list[str]:
        """Terms to match on: search-mode jieba words (lower-cased, no punctuation, no single
        characters, which would match every passage), plus the character bigrams of Chinese runs,
        which catch names jieba cuts differently in the question and the passage.

        >>> Lexicon(["杭工e家"]).tokens("推进“杭工e家”")
        ['推进', '杭工e家', '#推进', '#杭工', '#工e', '#e家']
        """
        simple = self.simplify(text)
        out = []
        for w in self._jieba.cut_for_search(simple):
            w = w.strip().lower()
            if len(w) >= 2 and _WORD.search(w):
                out.append(w)
        for run in _CJK_RUN.findall(simple.lower()):
            out.extend("#" + run[i : i + 2] for i in range(len(run) - 1))
        return out


class LexicalIndex:
    """BM25 over the tokens of every chunk; row i scores chunk i."""

    def __init__(self, lexicon: Lexicon, bm25: Any, rows: int) -> None:
        self.lexicon = lexicon
        self._bm25 = bm25
        self._rows = rows

    @classmethod
    def from_tokens(cls, tokens: Sequence[list[str]], lexicon: Lexicon) -> LexicalIndex:
        """BM25 over ready-made token lists (``lexicon.tokens`` of each chunk, or stored ones)."""
        import bm25s

        bm25 = bm25s.BM25()
        if tokens:
            bm25.index(list(tokens), show_progress=False)
        return cls(lexicon, bm25, len(tokens))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / WORDS_FILE).write_text(
            json.dumps({"version": LEXICAL_VERSION, "rows": self._rows, "words": self.lexicon.words},
                       ensure_ascii=False),
            encoding="utf-8",
        )  # fmt: skip
        if self._rows:
            self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Raises OSError or ValueError when the files are missing or damaged."""
        import bm25s

        meta = json.loads((folder / WORDS_FILE).read_text(encoding="utf-8"))
        if meta.get("version") != LEXICAL_VERSION:
            raise ValueError(f"lexical index version {meta.get('version')!r}, expected {LEXICAL_VERSION}")
        rows = int(meta["rows"])
        bm25 = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0) if rows else None
        return cls(Lexicon(meta["words"]), bm25, rows)

    def __len__(self) -> int:
        return self._rows

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for the query; all zeros when no query word is in the index."""
        if not self._rows:
            return np.zeros(0, dtype=np.float32)
        vocab = self._bm25.vocab_dict
        words = [w for w in self.lexicon.tokens(query) if w in vocab]
        if not words:
            return np.zeros(self._rows, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(words), dtype=np.float32)
