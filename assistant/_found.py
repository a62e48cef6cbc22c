""" "found": does the archive appear to answer the question? Calibrated on the dev questions
(docs/benchmarks.md).

Questions the archive cannot answer are typically near misses: a real fact asked about another
year (2018 instead of 2017), another place (鹿城区), or a detail the article never gives. Their
best passages look as close as a real answer's, so a Chinese question must pass two tests:

- lexical evidence: the best raw BM25 score of a passage (jieba words and character bigrams)
  reaches FOUND_MIN_BM25;
- its specific terms (numbers, Latin words, place and person names, anything it quotes) all
  appear in the best passage (its text, title or section). Those it misses are reported, so the
  user sees why (``SearchResult.unmatched``). Checking the first three passages instead lets a
  near miss through whenever another passage happens to mention the other year, and clears only
  one more answerable question in 200 on CMRC/XQuAD (docs/benchmarks.md).

A question in another language has no lexical leg and is judged on the best cosine alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from index._lexical import Lexicon

FOUND_MIN_BM25 = 10.0
FOUND_MIN_COSINE = 0.78
KEY_TERM_PASSAGES = 1
# jieba's tags for names: place, person, transliterated person, Latin word.
_NAME_TAGS = {"ns", "nr", "nrt", "nrfg", "eng"}
# jieba also tags common words as names (城市 and 东西 as places, 长度 too); a word this frequent in
# its reference corpus is not a name the answer must repeat. Names of this archive's places are
# far rarer (温州 456, 绍兴 637, 安吉 45).
_COMMON = 1000
# Question words jieba tags as names or numbers (多少钱 comes out as a person).
_ASKING = frozenset(
    "多少 多少钱 多少个 多少家 多少名 多少人 多少次 几个 几家 几名 几位 几次 几年 哪些 哪个 哪家 哪位 哪里 "
    "哪一年 哪一位 什么 怎样 怎么 如何 为什么 是否 一共 总共".split()
)
_DIGIT = re.compile(r"\d")
_QUOTED = re.compile(r"[“‘「『\"]([^”’」』\"]{2,12})[”’」』\"]")
# 绍兴市 in a question, 绍兴 in the passage: an administrative suffix may be left out.
_SUFFIXED = re.compile(r"(.{2,})(?:省|市|县|区|镇|乡|街道)$")


def key_terms(question: str, lexicon: Lexicon) -> list[str]:
    """The question's terms a passage answering it would contain verbatim.

    >>> key_terms("温州鹿城区总工会2018年的重点工作有哪些？", Lexicon())
    ['温州', '鹿城区', '2018']
    >>> key_terms("安吉“两山”工匠每人能拿到多少奖金？", Lexicon())
    ['安吉', '两山']
    """
    terms = [
        w
        for w, tag in lexicon.tagged(question)
        if len(w) >= 2
        and w not in _ASKING
        and ((tag in _NAME_TAGS and lexicon.frequency(w) <= _COMMON) or _DIGIT.search(w))
    ]
    terms += [lexicon.simplify(m.group(1)) for m in _QUOTED.finditer(question)]
    return list(dict.fromkeys(terms))


def _mentions(text: str, term: str) -> bool:
    """Whether ``text`` has the term; for a longer name, also without an administrative suffix, or
    without a first or last character jieba may have glued on (曾效力 for 效力, 于亚太 for 亚太).

    >>> _mentions("绍兴各级工会", "绍兴市"), _mentions("他效力于国米", "曾效力"), _mentions("鹿城", "温州")
    (True, True, False)
    """
    t = term.lower()
    if t in text:
        return True
    stem = _SUFFIXED.match(t)
    if stem is not None:
        return stem.group(1) in text
    return len(t) >= 3 and not _DIGIT.search(t) and (t[1:] in text or t[:-1] in text)


def unmatched_terms(terms: Sequence[str], passages: Iterable[str], lexicon: Lexicon) -> list[str]:
    """The terms missing from whichever of ``passages`` misses the fewest (all, if none given).

    >>> unmatched_terms(["绍兴市", "2018"], ["绍兴2017年元旦", "2016年"], Lexicon())
    ['2018']
    """
    best = list(terms)
    for text in passages:
        folded = lexicon.simplify(text).lower()
        missing = [t for t in terms if not _mentions(folded, t)]
        if len(missing) < len(best):
            best = missing
    return best


def judge_found(best_cosine: float, best_bm25: float, chinese: bool, unmatched: Sequence[str] = ()) -> bool:
    """Whether the archive appears to answer a question, from its best dense and lexical scores
    and the key terms its best passages leave unmatched.

    >>> judge_found(0.93, 26.7, True), judge_found(0.93, 7.1, True), judge_found(0.80, 4.3, False)
    (True, False, True)
    >>> judge_found(0.93, 26.7, True, ["2018"])
    False
    """
    if chinese:
        return best_bm25 >= FOUND_MIN_BM25 and not unmatched
    return best_cosine >= FOUND_MIN_COSINE
