"""The evidence: what the best passages say about the question, as the verdict's features."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from index.text import Lexicon, fold, is_common_word, sentence_spans, written_in_english

from ._attest import Attestation, attest
from ._reading import DIGIT, Reading, Term, Vocabulary, idf_of, plain, unseen_weight
from ._sentences import sentence_scores
from ._topic import mentions

__all__ = ["FEATURES", "Around", "Closeness", "Evidence", "Ranked", "evidence", "weigh"]


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """What the best passage says about the question: the verdict's features."""

    lexical_coverage: float  # its BM25 over the most the question's tokens can score (0-1)
    term_coverage: float  # the share of the question's term weight it mentions (0-1)
    missing_rarest: float  # the weight of its rarest missing term, over the largest possible
    keys_missing: int  # key terms it does not mention (names, quoted and Latin words)
    answer_type: int  # +1 the answering sentence holds what is asked, -1 it does not, 0 not asked
    cosine: float  # its dense cosine
    cosine_margin: float  # over the next passage's: a near miss's siblings are all about as close
    lexical_margin: float  # its lexical coverage over the next passage's
    cosine_z: float  # its cosine in standard deviations above the dense leg's top passages
    numbers_missing: int  # numbers of the question it does not mention (a year, 第3届)
    local_coverage: float  # the share of the term weight that two neighbouring sentences of it mention
    any_coverage: float  # the most term weight the best passages mention, one of them
    nowhere_share: float  # the share of the term weight in words the archive has nowhere
    unmatched: tuple[str, ...]  # the key terms it misses (or else the rarest terms), for the reason
    # The question's numbers that it does not mention: it reports another year, another edition
    # (第2届 for 第3届), another count; not the answer, however well the rest matches.
    numbers_absent: tuple[str, ...] = ()
    names_elsewhere: tuple[str, ...] = ()  # places it does not mention that the archive has elsewhere
    # What the question is about, when the passage does not mention it: another subject's passage.
    topic_absent: tuple[str, ...] = ()
    # The closest of its measured sentences, in standard deviations above the dense leg's top
    # passages: a near miss's passage is on the topic as a whole, but no sentence says what is asked.
    sentence_z: float = 0.0
    # Whether it mentions the attribute the question asks for (None: the question names none).
    focus: Attestation | None = None

    def features(self) -> list[float]:
        capped = {"keys_missing": min(self.keys_missing, 2), "numbers_missing": min(self.numbers_missing, 1)}
        return [float(capped.get(name, getattr(self, name))) for name in FEATURES]


FEATURES = (
    "lexical_coverage",
    "term_coverage",
    "missing_rarest",
    "keys_missing",
    "answer_type",
    "cosine",
    "cosine_margin",
    "lexical_margin",
    "cosine_z",
    "numbers_missing",
    "local_coverage",
    "any_coverage",
    "nowhere_share",
    "sentence_z",
)


@dataclass(frozen=True, kw_only=True)
class Closeness:
    """How close the ranking found the best passage, as the verdict reads it."""

    lexical_coverage: float  # its BM25 over the most the question's tokens can score (0-1)
    cosine: float  # its dense cosine
    cosine_margin: float = 0.0  # over the next passage's: a near miss's siblings are all about as close
    lexical_margin: float = 0.0  # its lexical coverage over the next passage's
    cosine_z: float = 0.0  # its cosine in standard deviations above the dense leg's top passages
    # The closest of its measured sentences, in standard deviations above the dense leg's top
    # passages: a near miss's passage is on the topic as a whole, but no sentence says what is asked.
    sentence_z: float = 0.0


@dataclass(frozen=True)
class Around:
    """What the verdict reads beside the best passage: the next passages (``others``: the terms may
    be there when the best is ranked wrong, ``any_coverage``), and what its article says before it
    when it has no title of its own (``Ranked.before``). What the question is about (its topic,
    places and numbers) may be named there, as a reader of the passage in its article knows it;
    what it asks (the focus, the terms' coverage) must be in the passage."""

    others: Sequence[str] = ()
    before: str = ""


def _share(reading: Reading, folded: str, total: float) -> float:
    """The share of the question's term weight that a text (``plain``) mentions."""
    return sum(t.weight for t in reading.terms if t.in_text(folded)) / total


def _local_coverage(reading: Reading, passage: str, total: float) -> float:
    """Where an answer is, the question's terms stand together: the most term weight two
    neighbouring sentences of the passage mention."""
    spans = sentence_spans(passage)
    local = 0.0
    for i in range(len(spans)):
        near = plain(passage[spans[i][0] : spans[min(i + 1, len(spans) - 1)][1]])
        local = max(local, _share(reading, near, total))
    return local


def _names_another_place(passage: str, reading: Reading, lexicon: Lexicon) -> bool:
    """Whether the passage names a place the question does not (嘉善, for a question about 绍兴)."""
    return any(
        flag == "ns" and len(w) >= 2 and fold(w) not in reading.forms and not is_common_word(w)
        for w, flag in lexicon.tagged(passage)
    )


def _places_elsewhere(
    reading: Reading, missing: list[Term], passage: str, lexicon: Lexicon
) -> tuple[str, ...]:
    """The places the passage does not mention that the archive writes about elsewhere (绍兴, when
    the best passage is about 嘉善): the question swaps the place. A place the archive has nowhere
    is left to the model (it may be written another way here), unless it is an English name whose
    Chinese the dictionary gives (Harbin: the archive has no 哈尔滨). People's names are left to
    the model too: translated text writes them many ways (measured on the fit set, where a rule
    on every name cost 4% of the answerable questions)."""
    if not reading.chinese:
        return tuple(t.text for t in missing if t.foreign or (t.place and t.archive_place))
    folded = plain(passage)
    # A place the passage shares a character bigram with is written another way there
    # (奥斯曼 for 奥斯曼帝国, 香港 for 香港地区), not swapped.
    swapped = [
        t.text
        for t in missing
        if t.place and t.known and not any(t.text[i : i + 2] in folded for i in range(len(t.text) - 1))
    ]
    return tuple(swapped) if swapped and _names_another_place(passage, reading, lexicon) else ()


def _both_english(reading: Reading, passage: str) -> bool:
    return not reading.chinese and written_in_english(passage)


def _in_english(reading: Reading) -> Reading:
    """An English question as a passage written in English mentions it: by its own words only.
    The Chinese a word may stand for is how a Chinese text says it; in an English text with a
    translation beside it (a study text, a bilingual page) it matches whatever the translation
    says (身份 for identity), not what the English says."""
    terms = tuple(replace(t, forms=("".join(fold(t.text).split()),)) for t in reading.terms)
    return replace(reading, terms=terms)


def _names_unspelled(missing: list[Term]) -> tuple[str, ...]:
    """An English question's names that a passage in English does not spell (its topic, as far as
    it has one: ``_topic`` parses Chinese only). There a name is spelled as the question spells
    it, so one missing is not written another way (as it may be in Chinese): another subject."""
    return tuple(t.text for t in missing if t.key and not DIGIT.search(t.text))


def _topic_absent(reading: Reading, folded: str, lexical: Vocabulary | None) -> tuple[str, ...]:
    """The question's topic, when the passage does not mention it (``_topic``)."""
    topic = reading.topic
    has = (lambda token: True) if lexical is None else lexical.__contains__
    if topic is None or mentions(topic, folded, lambda w: idf_of(w, lexical), has):
        return ()
    return (topic.phrase,)


def _answer_type(reading: Reading, passage: str, lexicon: Lexicon) -> int:
    """+1 when the sentence naming most of the question's terms (or one naming nearly as many)
    holds what it asks for, -1 when none does, 0 when it asks for nothing in particular."""
    if reading.asked is None:
        return 0
    scored = sentence_scores(passage, reading, lexicon)
    if not scored:
        return -1
    best = max(scored, key=lambda s: s[0])
    return 1 if best[1] or any(s[1] and s[0] >= 0.8 * best[0] for s in scored) else -1


def evidence(
    reading: Reading,
    passage: str,
    lexicon: Lexicon,
    closeness: Closeness,
    lexical: Vocabulary | None = None,
    around: Around = Around(),
) -> Evidence:
    """The features of the best passage (``passage``: its title, section and text) for the verdict,
    as close as the ranking found it (``closeness``), in an archive of vocabulary ``lexical`` (None:
    unknown), read with what is ``around`` it."""
    english = _both_english(reading, passage)
    if english:
        reading = _in_english(reading)
    folded = plain(passage)
    unseen = unseen_weight(lexical)
    focus = attest(reading.focus, passage, lexicon, lexical) if reading.focus is not None else None
    total = sum(t.weight for t in reading.terms) or 1.0
    missing = [t for t in reading.terms if not t.in_text(folded)]
    # The passage read in its article: what the article named before it, then the passage.
    about = plain(f"{around.before}\n{passage}") if around.before else folded
    unnamed = [t for t in missing if not t.in_text(about)]
    covered = 1.0 - sum(t.weight for t in missing) / total
    rarest = max((t.weight for t in missing), default=0.0) / max(unseen, 1e-9)
    keys = [t.text for t in missing if t.key]
    numbers = [k for k in keys if DIGIT.search(k)]
    # The best passage may be ranked wrong while the next one holds the terms.
    anywhere = max((_share(reading, plain(o), total) for o in around.others), default=0.0)
    return Evidence(
        lexical_coverage=float(closeness.lexical_coverage),
        term_coverage=covered,
        missing_rarest=rarest,
        keys_missing=len(keys) - len(numbers),
        answer_type=_answer_type(reading, passage, lexicon),
        cosine=float(closeness.cosine),
        cosine_margin=float(closeness.cosine_margin),
        lexical_margin=float(closeness.lexical_margin),
        cosine_z=float(closeness.cosine_z),
        numbers_missing=len(numbers),
        local_coverage=_local_coverage(reading, passage, total),
        any_coverage=max(anywhere, covered),
        nowhere_share=sum(t.weight for t in reading.terms if t.nowhere) / total,
        unmatched=tuple(
            keys or [t.text for t in sorted(missing, key=lambda t: -t.weight)[:2] if t.weight >= 0.5 * rarest]
        ),
        # The question's numbers (of two characters or more: one digit occurs everywhere) that the
        # best passage does not mention: it reports another year, edition or count.
        numbers_absent=tuple(
            t.text
            for t in unnamed
            if t.key and DIGIT.search(t.text) and len(t.text) >= 2 and _replaced(t.text, folded)
        ),
        names_elsewhere=_places_elsewhere(reading, unnamed, passage, lexicon),
        topic_absent=_names_unspelled(missing) if english else _topic_absent(reading, about, lexical),
        sentence_z=float(closeness.sentence_z),
        focus=focus,
    )


# A year (1500-2099) standing alone, and an ordinal (第3 of 第三届, 第四节): in a news passage
# both are often left to the context (the date, "this season", "the final quarter").
_YEAR = re.compile(r"(?<![\d.])(?:1[5-9]|20)\d\d(?![\d.])")
_ORDINAL = re.compile(r"第\d+")


def _replaced(number: str, folded: str) -> bool:
    """Whether the passage, lacking ``number``, gives another in its place: another year for a year,
    another ordinal for an ordinal (第3届 where 第5届 was asked). A passage that gives none is silent
    on it, not about something else. Any other number (a count, a code) missing counts as such.

    >>> _replaced("2015", "本赛季黑豹队24次拦截"), _replaced("2015", "2014年黑豹队24次拦截")
    (False, True)
    >>> _replaced("第4", "比赛还剩4分51秒"), _replaced("第4", "第3节还剩"), _replaced("308", "丢了24分")
    (False, True, True)
    """
    if _YEAR.fullmatch(number):
        return any(m.group(0) != number for m in _YEAR.finditer(folded))
    if _ORDINAL.fullmatch(number):
        return any(m.group(0) != number for m in _ORDINAL.finditer(folded))
    return True


@dataclass(frozen=True, kw_only=True)
class Ranked:
    """What the ranking hands the verdict: the best passages (each its title, section and text),
    the dense cosine and lexical coverage (BM25 over the attainable) of each, the dense leg's top
    cosines, and the cosines of the best passage's ``measured_sentences`` (of its text alone: a
    title says what the article is about, not what it says). Plain numbers and strings, so a fit
    can record it and weigh it again."""

    passages: tuple[str, ...]
    cosines: tuple[float, ...]
    coverage: tuple[float, ...]
    dense_top: tuple[float, ...]
    sentences: tuple[float, ...] = ()
    # What the best passage's article says before it, when the passage has no title of its own
    # (a news article given without one): where the article names what it is about.
    before: str = ""


def _standing(value: float, others: Sequence[float]) -> float:
    """How many standard deviations ``value`` lies above the mean of ``others`` (0 if too few)."""
    if len(others) < 3:
        return 0.0
    mean = sum(others) / len(others)
    spread = math.sqrt(sum((o - mean) ** 2 for o in others) / len(others))
    return (value - mean) / spread if spread > 1e-6 else 0.0


def weigh(reading: Reading, ranked: Ranked, lexicon: Lexicon, lexical: Vocabulary | None) -> Evidence | None:
    """The evidence of the ranked passages (None: there are none)."""
    if not ranked.passages:
        return None
    two = len(ranked.cosines) > 1
    # How far the best passage stands out from the dense leg's top passages (model-free: in
    # standard deviations): a near miss's siblings on the same topic are all about as close.
    cosine_z = _standing(ranked.cosines[0], ranked.dense_top)
    sentence_z = _standing(max(ranked.sentences), ranked.dense_top) if ranked.sentences else cosine_z
    if _both_english(reading, ranked.passages[0]):
        # Among Chinese passages, an English one stands out to an English question by its
        # language alone (cosines 0.77 to 0.70 for a text on seat belts, asked about Vikings):
        # its standing says nothing of what it says, so its words must.
        cosine_z = sentence_z = 0.0
    closeness = Closeness(
        lexical_coverage=ranked.coverage[0],
        cosine=ranked.cosines[0],
        cosine_margin=ranked.cosines[0] - ranked.cosines[1] if two else 0.0,
        lexical_margin=ranked.coverage[0] - ranked.coverage[1] if two else 0.0,
        cosine_z=cosine_z,
        sentence_z=sentence_z,
    )
    around = Around(others=ranked.passages[1:], before=ranked.before)
    return evidence(reading, ranked.passages[0], lexicon, closeness, lexical, around)
