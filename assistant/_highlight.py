"""Why a passage answers a question, in terms a reader can check by eye.

Two rules, both simple enough to explain on the page:

* **The answering sentence** is the passage's sentence that contains the most distinct *character
  bigrams* of the question (pairs of neighbouring Chinese characters, plus whole Latin words and
  numbers); ties go to the earlier sentence, and a sentence sharing no bigram is never chosen.
* **The question's terms** are its words (cut by jieba; Latin words and numbers as they are) of two or
  more characters, minus question words such as 几家 or 什么, that occur in the passage. A longer
  Chinese word that does not occur whole is marked by those of its bigrams that do.

Everything here is pure: text in, offsets or escaped HTML out.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from itertools import pairwise

from index._chunk import split_sentences

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{_HAN}]+")
_HAN_CHAR = re.compile(f"[{_HAN}]")
_LATIN = re.compile(r"[A-Za-z]+|\d+(?:\.\d+)?")

# Words that ask rather than say what is asked about: marking them in a passage explains nothing.
QUESTION_WORDS = frozenset(
    "什么 哪些 哪个 哪家 哪位 哪一位 哪一个 哪里 哪儿 怎样 怎么 怎么样 如何 为何 为什么 多少 是否 是不是 "
    "有没有 有几 几家 几个 几位 几名 几项 几人 几次 几年 请问 一下 那么 还有 以及 他们 她们 它们 这个 那个 "
    "这些 那些 我们 你们".split()
)
ENGLISH_STOPWORDS = frozenset(
    "a an and are as at be by did do does for from had has have how in is it its many much of on or "
    "the their there this to was were what when where which who whom why with about into than that".split()
)


def has_chinese(text: str) -> bool:
    """Whether the text holds any Chinese character (then the page answers in Chinese).

    >>> has_chinese("嘉善 has how many?"), has_chinese("How many?")
    (True, False)
    """
    return _HAN_CHAR.search(text) is not None


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


def best_sentence(passage: str, question: str) -> tuple[int, int] | None:
    """The span of the sentence sharing the most distinct bigrams with the question, or None when
    no sentence shares any.

    >>> p = "嘉善县总工会深耕10年。目前已有3家获评全国“工人先锋号”。"
    >>> s, e = best_sentence(p, "嘉善有几家单位获评全国工人先锋号？")
    >>> p[s:e]
    '目前已有3家获评全国“工人先锋号”。'
    """
    wanted = bigrams(question)
    best: tuple[int, int] | None = None
    best_score = 0
    for start, end in sentence_spans(passage):
        score = len(wanted & bigrams(passage[start:end]))
        if score > best_score:
            best, best_score = (start, end), score
    return best


def _words(question: str) -> list[str]:
    import jieba  # imported here: loading its dictionary takes a moment, and only the web face needs it

    jieba.setLogLevel(logging.WARNING)
    return [w.strip() for w in jieba.cut(question) if w.strip()]


def warm_up() -> None:
    """Load jieba's dictionary now rather than on the first question."""
    _words("工会")


def query_terms(question: str, passage: str) -> list[str]:
    """The question's terms that occur in the passage, longest first.

    >>> query_terms("嘉善有几家单位获评全国工人先锋号？", "已有3家获评全国“工人先锋号”")
    ['先锋号', '全国', '工人', '获评']
    """
    folded = passage.lower()
    found: set[str] = set()
    for word in _words(question):
        if _LATIN.fullmatch(word):
            w = word.lower()
            if w not in ENGLISH_STOPWORDS and (len(w) > 1 or w.isdigit()) and w in folded:
                found.add(w)
        elif _HAN_RUN.fullmatch(word) and len(word) > 1 and word not in QUESTION_WORDS:
            if word in passage:
                found.add(word)
            elif len(word) > 2:
                found.update(b for b in bigrams(word) if b in passage and b not in QUESTION_WORDS)
    return sorted(found, key=lambda t: (-len(t), t))


def term_spans(passage: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Where the terms occur, leftmost first and never overlapping (at a tie the longer term wins);
    Latin terms match in any case.

    >>> term_spans("工人先锋号和工人", ["工人", "先锋号"])
    [(0, 2), (2, 5), (6, 8)]
    """
    folded = passage.lower()
    candidates = sorted(
        (m.start(), -len(t), m.start() + len(t))
        for t in set(terms)
        if t
        for m in re.finditer(re.escape(t.lower()), folded)
    )
    spans: list[tuple[int, int]] = []
    for start, _, end in candidates:
        if not spans or start >= spans[-1][1]:
            spans.append((start, end))
    return spans


def highlight_html(passage: str, question: str) -> str:
    """The passage as escaped HTML: the answering sentence in ``<mark class="answer">`` and the
    question's terms in ``<strong class="term">``. Nothing of the passage becomes markup.

    >>> highlight_html("<b>嘉善</b>有3家。别的。", "嘉善有几家？")
    '<mark class="answer">&lt;b&gt;<strong class="term">嘉善</strong>&lt;/b&gt;有3家。</mark>别的。'
    """
    answer = best_sentence(passage, question)
    runs: list[tuple[int, int]] = []  # neighbouring terms read as one: 获评全国, not 获评|全国
    for start, end in term_spans(passage, query_terms(question, passage)):
        if runs and runs[-1][1] == start:
            start = runs.pop()[0]
        runs.append((start, end))
    cuts = {0, len(passage), *(answer or ())}
    for start, end in runs:
        cuts.update((start, end))
    in_term = [False] * len(passage)
    for start, end in runs:
        in_term[start:end] = [True] * (end - start)
    out: list[str] = []
    for start, end in pairwise(sorted(cuts)):
        text = html.escape(passage[start:end])
        if answer and start == answer[0]:
            out.append('<mark class="answer">')
        out.append(f'<strong class="term">{text}</strong>' if in_term[start] else text)
        if answer and end == answer[1]:
            out.append("</mark>")
    return "".join(out)
