"""Evaluation: hit@k and MRR@10 by question type, and how well ``found`` separates answerable questions.

A returned passage is a hit when it contains one of the question's answer strings after both are
normalised (NFKC, all whitespace removed), the rule of the shared reference scorer, so figures do
not depend on how the index chunks its articles.
"""

from __future__ import annotations

import json
import re
import statistics
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.text import is_chinese

from .core import Assistant, SearchResult

__all__ = ["Report", "evaluate", "first_hit_rank", "norm", "read_questions"]

KS = (1, 3, 5, 10)
_WS = re.compile(r"\s+")


def norm(s: str) -> str:
    """NFKC, then no whitespace at all, as the reference scorer does.

    >>> norm("陈达有 (白茶炒制)")
    '陈达有(白茶炒制)'
    """
    return _WS.sub("", unicodedata.normalize("NFKC", s))


def first_hit_rank(texts: Sequence[str], answers: Sequence[str]) -> int | None:
    gold = [norm(a) for a in answers if norm(a)]
    for rank, text in enumerate(texts, 1):
        t = norm(text)
        if any(a in t for a in gold):
            return rank
    return None


def read_questions(path: Path) -> list[dict[str, Any]]:
    """Lines ``{"qid", "question", "answers", "answerable"?, "type"?}``; ValueError names a bad line."""
    out = []
    with open(path, encoding="utf-8-sig") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                q = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{lineno}: not valid JSON ({e.msg})") from e
            if not isinstance(q, dict) or not isinstance(q.get("question"), str):
                raise ValueError(f'{path}:{lineno}: expected {{"qid", "question", "answers"}}')
            q.setdefault("qid", f"line{lineno}")
            out.append(q)
    if not out:
        raise ValueError(f"{path}: no questions")
    return out


@dataclass
class Scores:
    n: int = 0
    hits: dict[int, int] = field(default_factory=lambda: dict.fromkeys(KS, 0))
    rr: float = 0.0

    def add(self, rank: int | None) -> None:
        self.n += 1
        if rank is not None and rank <= 10:
            self.rr += 1.0 / rank
        for k in KS:
            self.hits[k] += int(rank is not None and rank <= k)

    def row(self) -> dict[str, float]:
        n = self.n or 1
        return {"n": self.n, **{f"hit@{k}": self.hits[k] / n for k in KS}, "mrr@10": self.rr / n}


@dataclass
class Abstention:
    """How well ``found`` separates the questions of one language."""

    unanswerable: int = 0
    abstained: int = 0  # unanswerable questions marked not found: good
    answerable: int = 0
    false_abstain: int = 0  # answerable questions marked not found: bad

    def add(self, answerable: bool, found: bool) -> None:
        if answerable:
            self.answerable += 1
            self.false_abstain += int(not found)
        else:
            self.unanswerable += 1
            self.abstained += int(not found)

    def line(self) -> str:
        def share(a: int, b: int) -> str:
            return f"{a}/{b} ({a / b:.3f})" if b else f"{a}/{b}"

        return (
            f"{share(self.abstained, self.unanswerable)} unanswerable marked not found; "
            f"{share(self.false_abstain, self.answerable)} answerable wrongly marked not found"
        )


BINS = 10


@dataclass(kw_only=True)
class Report:
    mode: str
    groups: dict[str, Scores] = field(default_factory=lambda: defaultdict(Scores))
    unanswerable: int = 0
    abstained: int = 0  # unanswerable questions marked not found: good
    answerable: int = 0
    false_abstain: int = 0  # answerable questions marked not found: bad
    latencies_ms: list[float] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    by_language: dict[str, Abstention] = field(default_factory=lambda: defaultdict(Abstention))
    # Per tenth of confidence: [questions, answerable ones], for the reliability of ``confidence``.
    reliability: list[list[int]] = field(default_factory=lambda: [[0, 0] for _ in range(BINS)])
    # Of the answerable questions judged found whose best passage holds a gold answer: how many,
    # and in how many the sentence marked as the answer holds it.
    answer_sentences: int = 0
    answer_sentence_holds: int = 0

    def reliability_lines(self) -> list[str]:
        out = []
        for i, (n, good) in enumerate(self.reliability):
            if n:
                out.append(
                    f"    confidence {i / BINS:.1f}-{(i + 1) / BINS:.1f}: "
                    f"{n:5d} questions, {good / n:.3f} answerable"
                )
        return out

    def table(self) -> str:
        lines = [f"[{self.mode}]"]
        for name in ["all", *sorted(g for g in self.groups if g != "all")]:
            r = self.groups[name].row()
            lines.append(
                f"  {name:14s} n={r['n']:5d}  "
                + "  ".join(f"hit@{k}={r[f'hit@{k}']:.3f}" for k in KS)
                + f"  mrr@10={r['mrr@10']:.3f}"
            )
        if self.unanswerable or self.answerable:
            lines.append(
                f"  not found: {self.abstained}/{self.unanswerable} unanswerable marked not found; "
                f"{self.false_abstain}/{self.answerable} answerable wrongly marked not found"
            )
            for lang in sorted(self.by_language):
                lines.append(
                    f"    {'Chinese' if lang == 'zh' else 'English'} questions: "
                    + self.by_language[lang].line()
                )
            if self.answer_sentences:
                held, of = self.answer_sentence_holds, self.answer_sentences
                lines.append(
                    f"  answer sentence: {held}/{of} ({held / of:.3f}) of the found questions whose "
                    "best passage holds the answer mark a sentence that holds it"
                )
            lines.append("  reliability (share answerable by the verdict's confidence):")
            lines.extend(self.reliability_lines())
        lat = sorted(self.latencies_ms)
        lines.append(
            f"  latency per question: p50 {statistics.median(lat):.1f} ms, "
            f"p95 {lat[int(0.95 * (len(lat) - 1))]:.1f} ms"
        )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            **{name: s.row() for name, s in self.groups.items()},
            "not_found": {
                "unanswerable": self.unanswerable,
                "abstained": self.abstained,
                "answerable": self.answerable,
                "false_abstain": self.false_abstain,
                **{lang: vars(a) for lang, a in self.by_language.items()},
            },
            "reliability": self.reliability,
            "answer_sentence": {"of": self.answer_sentences, "holds": self.answer_sentence_holds},
            "latency_ms_p50": statistics.median(self.latencies_ms),
        }


def evaluate(assistant: Assistant, questions: Iterable[dict[str, Any]], mode: str = "hybrid") -> Report:
    report = Report(mode=mode)
    for q in questions:
        started = time.perf_counter()
        result: SearchResult = assistant.search(q["question"], k=10, mode=mode)
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        report.results.append({"qid": q["qid"], **result.to_dict()})
        answerable = bool(q.get("answerable", True) and q.get("answers"))
        lang = "zh" if is_chinese(q["question"]) else "en"
        report.by_language[lang].add(answerable, result.found)
        cell = report.reliability[min(BINS - 1, int(result.confidence * BINS))]
        cell[0] += 1
        cell[1] += int(answerable)
        if not answerable:
            report.unanswerable += 1
            report.abstained += int(not result.found)
            continue
        report.answerable += 1
        report.false_abstain += int(not result.found)
        rank = first_hit_rank([h.text for h in result.hits], q["answers"])
        if result.found and rank == 1:
            best = result.hits[0]
            report.answer_sentences += 1
            marked = best.text[best.answer[0] : best.answer[1]] if best.answer else ""
            report.answer_sentence_holds += int(first_hit_rank([marked], q["answers"]) == 1)
        # By the question's type, and by its language ("lang:en" is English hit@k on any set).
        for g in {"all", str(q.get("type", "all")), f"lang:{lang}"}:
            report.groups[g].add(rank)
    return report
