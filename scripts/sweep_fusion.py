"""The fusion weight (``LEXICAL_WEIGHT``) over a built index: hit@1 · hit@5 · MRR@10 of the Chinese
answerable questions for the dense leg alone, the lexical leg alone and the hybrid at each weight.

    .venv/bin/python scripts/sweep_fusion.py QUESTIONS.jsonl --index-dir DIR --grid 0.02,0.05,0.1,0.2

Questions are ``{"qid", "question", "answers"}`` lines (those without answers are left out); a hit
is a passage holding an answer, as ../shared/eval/score.py counts it. docs/benchmarks.md says on
which sets the weight was chosen and where this was run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import assistant.core._ranking as ranking  # noqa: E402
from assistant import Assistant  # noqa: E402
from assistant.eval import first_hit_rank, read_questions  # noqa: E402
from index.text import is_chinese  # noqa: E402


def _scores(assistant: Assistant, questions: list[dict], mode: str) -> str:
    ranks = [
        first_hit_rank([h.text for h in assistant.search(q["question"], 10, mode=mode).hits], q["answers"])
        for q in questions
    ]
    n = len(ranks) or 1
    hit1 = sum(r == 1 for r in ranks) / n
    hit5 = sum(r is not None and r <= 5 for r in ranks) / n
    mrr = sum(1 / r for r in ranks if r is not None) / n
    return f"{hit1:.3f} · {hit5:.3f} · {mrr:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--grid", default="0.02,0.05,0.1,0.2", help="lexical weights, comma-separated")
    args = parser.parse_args()
    questions = [q for q in read_questions(args.questions) if q.get("answers") and is_chinese(q["question"])]
    print(f"{len(questions)} Chinese answerable questions; hit@1 · hit@5 · MRR@10")
    with Assistant.open(args.index_dir) as assistant:
        for mode in ("dense", "lexical"):
            print(f"{mode} leg alone: {_scores(assistant, questions, mode)}", flush=True)
        for weight in (float(w) for w in args.grid.split(",")):
            ranking.LEXICAL_WEIGHT = weight
            print(f"hybrid, weight {weight:g}: {_scores(assistant, questions, 'hybrid')}", flush=True)


if __name__ == "__main__":
    main()
