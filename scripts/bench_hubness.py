"""Hubness of English questions: do they collapse onto a few passages, and do they still reach
their own?

    .venv/bin/python scripts/bench_hubness.py QUESTIONS.jsonl --index-dir DIR [--english] [--chinese]
        [--no-gold] [--grid HUB_WEIGHTS] [-k 5]
    .venv/bin/python scripts/bench_hubness.py held-out --index-dir DIR   # the held-out template questions

For the questions (``{"qid", "question", "answers"?}`` lines; ``held-out`` for
``index.build._hubness.held_out_questions``, which no build uses as probes) asked of the index in
DIR, prints:

- the share of questions whose top passage is the most frequent top passage (top-1 share), and
  the share whose top 3 hold the passage most frequent in top-3 lists (top-3 share): near 1/n for
  questions about different things, near 1 when one hub takes them all;
- the share judged found;
- with gold answers (not ``--no-gold``): hit@1 and hit@5 (a hit holds a gold answer, normalised
  as ../shared/eval/score.py does), and each miss whose passage ranks 4 or lower (or not in the
  top k);
- p50 milliseconds a search.

``--grid 0,0.5,1`` runs the questions once for each HUB_WEIGHT of ``assistant.core._english``
(docs/benchmarks.md says on which questions the weight was chosen).
``--half even`` / ``--half odd`` keeps the questions of even- or odd-numbered XQuAD articles (the
weight was chosen on the even ones). ``--english`` / ``--chinese`` keep the questions in that language only.
``--dump`` prints the questions as JSONL (``held-out --dump > held_out.jsonl``, to ask a revision
that predates them: copy this script into its checkout and run it on that file).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.eval import first_hit_rank, read_questions  # noqa: E402
from index.text import is_chinese  # noqa: E402


def _half(q: dict[str, Any]) -> str | None:
    """Which half a question is in: the parity of the XQuAD article it was written from (its
    ``doc_id``, ``xquad_a12p63``: article 12, even). The weight is chosen on the even half."""
    found = re.match(r"xquad_a(\d+)p", str(q.get("doc_id", "")))
    return None if found is None else ("even", "odd")[int(found.group(1)) % 2]


def _questions(spec: str, english: bool, chinese: bool) -> list[dict[str, Any]]:
    if spec == "held-out":
        from index.build._hubness import held_out_questions

        qs = [{"qid": f"held_{i}", "question": q, "answers": []} for i, q in enumerate(held_out_questions())]
    else:
        qs = read_questions(Path(spec))
    if english:
        qs = [q for q in qs if not is_chinese(str(q["question"]))]
    if chinese:
        qs = [q for q in qs if is_chinese(str(q["question"]))]
    return qs


def run(assistant: Assistant, questions: list[dict[str, Any]], k: int, gold: bool) -> dict[str, Any]:
    top1: Counter[tuple[str, int]] = Counter()
    top3: Counter[tuple[str, int]] = Counter()
    found = 0
    hit1 = hit5 = answerable = 0
    misses: list[str] = []
    seconds: list[float] = []
    for q in questions:
        started = time.perf_counter()
        result = assistant.search(q["question"], k=k)
        seconds.append(time.perf_counter() - started)
        ids = [(h.source, h.start) for h in result.hits]
        if ids:
            top1[ids[0]] += 1
        top3.update(set(ids[:3]))
        found += result.found
        if gold and q.get("answers") and q.get("answerable", True):
            answerable += 1
            rank = first_hit_rank([h.text for h in result.hits], q["answers"])
            hit1 += rank == 1
            hit5 += rank is not None and rank <= 5
            if rank is None or rank >= 4:
                misses.append(f"  {q['qid']}: rank {rank or f'>{k}'}: {q['question']}")
    n = max(1, len(questions))
    out: dict[str, Any] = {
        "questions": len(questions),
        "top1_share": top1.most_common(1)[0][1] / n if top1 else 0.0,
        "top1_passage": top1.most_common(1)[0][0] if top1 else None,
        "top3_share": top3.most_common(1)[0][1] / n if top3 else 0.0,
        "found": found / n,
        "p50_ms": 1000 * statistics.median(seconds) if seconds else 0.0,
    }
    if answerable:
        out |= {"hit@1": hit1 / answerable, "hit@5": hit5 / answerable, "answerable": answerable}
    out["misses"] = misses
    return out


def _show(label: str, r: dict[str, Any]) -> None:
    line = (
        f"{label}{r['questions']} questions: top-1 share {r['top1_share']:.3f} {r['top1_passage']}, "
        f"top-3 share {r['top3_share']:.3f}, found {r['found']:.3f}, p50 {r['p50_ms']:.0f} ms"
    )
    if "hit@1" in r:
        line += f"; hit@1 {r['hit@1']:.3f}, hit@5 {r['hit@5']:.3f} of {r['answerable']}"
    print(line, flush=True)
    if r["misses"]:
        print(f"misses (rank 4 or lower): {len(r['misses'])}")
        print("\n".join(r["misses"]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("questions", help="a questions JSONL, or held-out")
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--english", action="store_true", help="English questions only")
    parser.add_argument("--chinese", action="store_true", help="Chinese questions only")
    parser.add_argument("--no-gold", action="store_true", help="the answers are not in this archive")
    parser.add_argument("--dump", action="store_true", help="print the questions as JSONL and stop")
    parser.add_argument(
        "--half", choices=["even", "odd"], help="XQuAD questions of even or odd articles only"
    )
    parser.add_argument("--grid", metavar="HUB_WEIGHTS", help="comma-separated weights to try")
    args = parser.parse_args()
    questions = _questions(args.questions, args.english, args.chinese)
    if args.half:
        questions = [q for q in questions if _half(q) == args.half]
    if args.dump:  # to ask a revision without _hubness (the baseline) the same held-out questions
        print("\n".join(json.dumps(q, ensure_ascii=False) for q in questions))
        return
    gold = not args.no_gold and args.questions != "held-out"
    with Assistant.open(args.index_dir) as assistant:
        if not args.grid:
            _show("", run(assistant, questions, args.k, gold))
            return
        from assistant.core import _english

        for hub in (float(x) for x in args.grid.split(",")):
            _english.HUB_WEIGHT = hub
            result = run(assistant, questions, args.k, gold)
            result["misses"] = []
            _show(f"hub {hub}: ", result)


if __name__ == "__main__":
    main()
