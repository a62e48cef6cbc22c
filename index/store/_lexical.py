"""The lexical leg: jieba tokens scored with BM25 (bm25s), saved beside the vectors.

Dense embeddings miss exact names and numbers that a reader types (``云创1986``, ``23个``);
BM25 over words finds them. jieba's dictionary does not know this archive's names, so the
index carries a small dictionary built from the corpus itself: quoted names (``“杭工e家”``,
``“工人先锋号”``) and the stems of place names (``鄞州`` from ``鄞州区``), so that new
articles improve it. Traditional characters are folded to simplified for matching only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..text import Lexicon, domain_words, pinyin_key

__all__ = ["LEXICAL_VERSION", "LexicalIndex", "Lexicon", "domain_words"]

# 3: tokens of the NFKC-normalised text (full-width letters and digits as plain ones), and the
# pinyin of the archive's words for English questions.
LEXICAL_VERSION = "3"
WORDS_FILE = "words.json"
# Archive words of this many Chinese characters get a pinyin key (names: 嘉善, 永康市, 杭州市总工会).
_PINYIN_CHARS = (2, 6)
_ALL_HAN = re.compile(r"[\u4e00-\u9fff]+")


class LexicalIndex:
    """BM25 over the tokens of every chunk; row i scores chunk i."""

    def __init__(
        self, lexicon: Lexicon, bm25: Any, rows: int, pinyin: dict[str, list[str]] | None = None
    ) -> None:
        self.lexicon = lexicon
        self._bm25 = bm25
        self._rows = rows
        self._pinyin = pinyin

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
        meta = {"version": LEXICAL_VERSION, "rows": self._rows, "words": self.lexicon.words,
                "pinyin": self.pinyin}  # fmt: skip
        (folder / WORDS_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
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
        pinyin = meta.get("pinyin")
        if not isinstance(pinyin, dict):
            raise ValueError("lexical index without its pinyin table")
        return cls(Lexicon(meta["words"]), bm25, rows, pinyin)

    def __len__(self) -> int:
        return self._rows

    @property
    def vocabulary(self) -> dict[str, int]:
        """Every token of the archive and its column in the BM25 index."""
        return dict(self._bm25.vocab_dict) if self._rows else {}

    def __contains__(self, token: str) -> bool:
        return bool(self._rows) and token in self._bm25.vocab_dict

    @property
    def pinyin(self) -> dict[str, list[str]]:
        """The archive's Chinese words by their toneless pinyin (``jiashan`` → 嘉善): how an English
        question's names are found. Computed once when the index is built."""
        if self._pinyin is None:
            table: dict[str, list[str]] = {}
            lo, hi = _PINYIN_CHARS
            for token in sorted(self.vocabulary):
                if lo <= len(token) <= hi and _ALL_HAN.fullmatch(token):
                    table.setdefault(pinyin_key(token), []).append(token)
            self._pinyin = table
        return self._pinyin

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for the query; all zeros when no query word is in the index."""
        return self.token_scores(self.lexicon.tokens(query))

    def token_scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for these tokens (each as often as it is given)."""
        if not self._rows:
            return np.zeros(0, dtype=np.float32)
        vocab = self._bm25.vocab_dict
        words = [w for w in tokens if w in vocab]
        if not words:
            return np.zeros(self._rows, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(words), dtype=np.float32)

    def per_token(self, tokens: Sequence[str]) -> np.ndarray:
        """One row of BM25 scores over all chunks for each token (zeros for a token the archive lacks)."""
        out = np.zeros((len(tokens), self._rows), dtype=np.float32)
        if not self._rows:
            return out
        vocab = self._bm25.vocab_dict
        data, indices, indptr = (self._bm25.scores[k] for k in ("data", "indices", "indptr"))
        for i, t in enumerate(tokens):
            col = vocab.get(t)
            if col is not None:
                lo, hi = int(indptr[col]), int(indptr[col + 1])
                out[i, indices[lo:hi]] = data[lo:hi]
        return out

    def best_possible(self, tokens: Sequence[str]) -> float:
        """The most these tokens can score together: each at its best passage. A passage's BM25
        divided by this says how much of the question's lexical evidence it holds, where dividing
        by the question's best BM25 gives the full bonus to a passage sharing one common word."""
        if not self._rows:
            return 0.0
        maxima = self._token_maxima
        vocab = self._bm25.vocab_dict
        known = [float(maxima[vocab[t]]) for t in tokens if t in vocab]
        # A token the archive lacks could have been evidence too: count it as much as the rarest.
        unknown = sum(t not in vocab for t in tokens)
        return sum(known) + unknown * (max(known) if known else 0.0)

    @cached_property
    def _token_maxima(self) -> np.ndarray:
        data, indptr = self._bm25.scores["data"], self._bm25.scores["indptr"]
        counts = np.diff(indptr)
        out = np.zeros(len(counts), dtype=np.float32)
        nonempty = counts > 0
        if nonempty.any():
            out[nonempty] = np.maximum.reduceat(data, indptr[:-1][nonempty])
        return out

    def document_frequency(self, token: str) -> int:
        """In how many chunks the token occurs."""
        if not self._rows or token not in self._bm25.vocab_dict:
            return 0
        col = self._bm25.vocab_dict[token]
        indptr = self._bm25.scores["indptr"]
        return int(indptr[col + 1] - indptr[col])

    def idf(self, token: str) -> float:
        """How rare the token is in the archive: ln(1 + (N - df + 0.5) / (df + 0.5)), BM25's own."""
        df = self.document_frequency(token)
        return float(np.log1p((self._rows - df + 0.5) / (df + 0.5)))
