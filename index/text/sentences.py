"""Sentences: where Chinese and English text is cut into them, and whether a line ends one."""

from __future__ import annotations

import re

__all__ = ["CLOSERS", "TERMINAL", "ends_sentence", "sentence_spans", "split_sentences"]

TERMINAL = "。！？!?…"
CLOSERS = "”’」』)）】\"'"

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


def ends_sentence(text: str, long: bool = True) -> bool:
    """Whether a line ends a sentence; a long paragraph may also end on a closing quote.

    >>> ends_sentence("…文化课培训。截")
    False
    >>> ends_sentence("“这事虽小。”朱玉成说。")
    True
    """
    if not text:
        return False
    if text[-1] in TERMINAL:
        return True
    stripped = text.rstrip(CLOSERS)
    if stripped and stripped[-1] in TERMINAL:
        return True
    return long and text[-1] in "”’"
