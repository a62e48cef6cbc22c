"""The evidence: what the best passages say about the question, as the verdict's features."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from index.text import Lexicon, fold, is_common_word, sentence_spans

from ._reading import DIGIT, Reading, Vocabulary, plain, unseen_weight
from ._sentences import sentence_scores

__all__ = ["FEATURES", "Evidence", "Ranked", "evidence", "weigh"]


@dataclass(frozen=True)
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
    # The closest of its measured sentences, in standard deviations above the dense leg's top
    # passages: a near miss's passage is on the topic as a whole, but no sentence says what is asked.
    sentence_z: float = 0.0

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


def _names_another_place(passage: str, reading: Reading, lexicon: Lexicon) -> bool:
    """Whether the passage names a place the question does not (嘉善, for a question about 绍兴)."""
    return any(
        flag == "ns" and len(w) >= 2 and fold(w) not in reading.forms and not is_common_word(w)
        for w, flag in lexicon.tagged(passage)
    )


def evidence(
    reading: Reading,
    passage: str,
    lexicon: Lexicon,
    *,
    lexical_coverage: float,
    cosine: float,
    unseen_weight: float,
    cosine_margin: float = 0.0,
    lexical_margin: float = 0.0,
    cosine_z: float = 0.0,
    sentence_z: float = 0.0,
    others: Sequence[str] = (),
) -> Evidence:
    """The features of the best passage (``passage``: its title, section and text) for the verdict;
    ``others`` are the next passages (for ``any_coverage``)."""
    folded = plain(passage)
    total = sum(t.weight for t in reading.terms) or 1.0
    missing = [t for t in reading.terms if not t.in_text(folded)]
    # Where an answer is, the question's terms stand together: in two neighbouring sentences.
    spans = sentence_spans(passage)
    local = 0.0
    for i in range(len(spans)):
        near = plain(passage[spans[i][0] : spans[min(i + 1, len(spans) - 1)][1]])
        local = max(local, sum(t.weight for t in reading.terms if t.in_text(near)) / total)
    # The best passage may be ranked wrong while the next one holds the terms.
    plain_others = [plain(o) for o in others]
    anywhere = max(
        (sum(t.weight for t in reading.terms if t.in_text(o)) / total for o in plain_others), default=0.0
    )
    # The question's numbers (of two characters or more: one digit occurs everywhere) that the
    # best passage does not mention: it reports another year, edition or count.
    absent = tuple(t.text for t in missing if t.key and DIGIT.search(t.text) and len(t.text) >= 2)
    # And the places it does not mention that the archive writes about elsewhere (绍兴, when the
    # best passage is about 嘉善): the question swaps the place. A place the archive has nowhere is
    # left to the model (it may be written another way here), unless it is an English name whose
    # Chinese the dictionary gives (Harbin: the archive has no 哈尔滨). People's names are left to
    # the model too: translated text writes them many ways (measured on the fit set, where a rule
    # on every name cost 4% of the answerable questions).
    if reading.chinese:
        # A place the passage shares a character bigram with is written another way there
        # (奥斯曼 for 奥斯曼帝国, 香港 for 香港地区), not swapped.
        swapped = [
            t for t in missing
            if t.place and t.known and not any(t.text[i : i + 2] in folded for i in range(len(t.text) - 1))
        ]  # fmt: skip
        elsewhere = (
            tuple(t.text for t in swapped)
            if swapped and _names_another_place(passage, reading, lexicon)
            else ()
        )
    else:
        elsewhere = tuple(t.text for t in missing if t.foreign or (t.place and t.archive_place))
    covered = 1.0 - sum(t.weight for t in missing) / total
    rarest = max((t.weight for t in missing), default=0.0) / max(unseen_weight, 1e-9)
    keys = [t.text for t in missing if t.key]
    numbers = [k for k in keys if DIGIT.search(k)]
    answer_type = 0
    if reading.asked is not None:
        scored = sentence_scores(passage, reading, lexicon)
        if scored:
            best = max(scored, key=lambda s: s[0])
            answer_type = 1 if best[1] or any(s[1] and s[0] >= 0.8 * best[0] for s in scored) else -1
        else:
            answer_type = -1
    shown = keys or [t.text for t in sorted(missing, key=lambda t: -t.weight)[:2] if t.weight >= 0.5 * rarest]
    return Evidence(
        float(lexical_coverage), covered, rarest, len(keys) - len(numbers), answer_type, float(cosine),
        float(cosine_margin), float(lexical_margin), float(cosine_z), len(numbers), local,
        max(anywhere, covered), sum(t.weight for t in reading.terms if t.nowhere) / total, tuple(shown),
        absent, elsewhere, float(sentence_z),
    )  # fmt: skip


@dataclass(frozen=True)
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
    return evidence(
        reading,
        ranked.passages[0],
        lexicon,
        lexical_coverage=ranked.coverage[0],
        cosine=ranked.cosines[0],
        unseen_weight=unseen_weight(lexical),
        cosine_margin=ranked.cosines[0] - ranked.cosines[1] if two else 0.0,
        lexical_margin=ranked.coverage[0] - ranked.coverage[1] if two else 0.0,
        cosine_z=cosine_z,
        sentence_z=sentence_z,
        others=ranked.passages[1:],
    )
