"""Filters and the newest-first order measured on dated articles: does the order keep a relevant
passage on top, and what do filters cost a search.

    flock /tmp/heavy.lock .venv/bin/python scripts/bench_newest.py [--limit N] [--index-dir DIR]

The CMRC/XQuAD paragraphs (``../shared/eval/cmrc_xquad/articles.jsonl``) are given random issue
dates, 2010-01-01 to 2023-12-31 (seeded), written to a temporary JSONL of the same name, and built
into DIR (default ``.index-eval/newest-cmrc``; copy a prebuilt cmrc_xquad index folder there first
and the build embeds nothing). Each of the first N questions (default 1,000) is asked:

- by relevance, k=5: hit@1 and hit@5 (a hit: the passage holds a gold answer);
- ``order="newest"``: hit@1 (is the top passage still one that answers), how many passages were
  reordered (``relevant_count``), and in how many questions anything moved;
- the naive order for comparison: all five hits sorted newest first;
- with ``since``/``until`` set to the year of the question's own paragraph (about 1/14 of the
  passages let through): hit@1 and hit@5; and with the years before it only (the answer is out).

Prints the figures and p50 milliseconds of a search with and without a filter.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.eval import first_hit_rank, read_questions  # noqa: E402
from index import Settings, build, make_embedder  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "cmrc_xquad"
FIRST, LAST = date(2010, 1, 1), date(2023, 12, 31)


def dated_copy(where: Path) -> dict[str, str]:
    """articles.jsonl with a random date on each article, in ``where``; returns id -> date."""
    rng = random.Random(11)
    days = (LAST - FIRST).days
    dates: dict[str, str] = {}
    with (
        (EVAL / "articles.jsonl").open(encoding="utf-8") as f,
        (where / "articles.jsonl").open("w", encoding="utf-8") as out,
    ):
        for line in f:
            a = json.loads(line)
            a["date"] = dates[a["id"]] = (FIRST + timedelta(days=rng.randrange(days + 1))).isoformat()
            out.write(json.dumps(a, ensure_ascii=False) + "\n")
    return dates


def p50_ms(times: list[float]) -> float:
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--index-dir", type=Path, default=Path(".index-eval/newest-cmrc"))
    args = parser.parse_args()
    settings = Settings()
    embedder = make_embedder(settings.model, settings.cache_dir)
    with tempfile.TemporaryDirectory() as tmp:
        dates = dated_copy(Path(tmp))
        report = build(settings.with_(corpus=(Path(tmp),), index_dir=args.index_dir), embedder)
        print(report.summary().splitlines()[1], file=sys.stderr)
    questions = [q for q in read_questions(EVAL / "questions.jsonl") if q.get("answers")][: args.limit]
    n = len(questions)
    counts = dict.fromkeys(["rel1", "rel5", "new1", "naive1", "moved", "year1", "year5", "before5"], 0)
    reordered: list[int] = []
    took: dict[str, list[float]] = {"no filter": [], "one year": [], "newest": []}
    with Assistant.open(args.index_dir, embedder=embedder) as assistant:
        assistant.search("预热", 5)
        for q in questions:
            answers, year = q["answers"], dates[q["doc_id"]][:4]
            started = time.perf_counter()
            rel = assistant.search(q["question"], 5)
            took["no filter"].append(time.perf_counter() - started)
            started = time.perf_counter()
            new = assistant.search(q["question"], 5, order="newest")
            took["newest"].append(time.perf_counter() - started)
            started = time.perf_counter()
            in_year = assistant.search(q["question"], 5, since=f"{year}-01-01", until=f"{year}-12-31")
            took["one year"].append(time.perf_counter() - started)
            before = assistant.search(q["question"], 5, until=f"{int(year) - 1}-12-31")
            naive = sorted(rel.hits, key=lambda h: h.date or "", reverse=True)
            rank = first_hit_rank([h.text for h in rel.hits], answers)
            counts["rel1"] += rank == 1
            counts["rel5"] += rank is not None
            counts["new1"] += first_hit_rank([h.text for h in new.hits[:1]], answers) == 1
            counts["naive1"] += first_hit_rank([h.text for h in naive[:1]], answers) == 1
            moved = sum(1 for a, b in zip(rel.hits, new.hits, strict=True) if a.source != b.source)
            counts["moved"] += moved > 0
            reordered.append(moved)
            year_rank = first_hit_rank([h.text for h in in_year.hits], answers)
            counts["year1"] += year_rank == 1
            counts["year5"] += year_rank is not None
            counts["before5"] += first_hit_rank([h.text for h in before.hits], answers) is not None
    print(f"{n} CMRC/XQuAD questions, k=5, paragraphs dated at random {FIRST} to {LAST}")
    print("| order or filter | hit@1 | hit@5 |")
    print("|---|---|---|")
    print(f"| relevance | {counts['rel1'] / n:.3f} | {counts['rel5'] / n:.3f} |")
    print(f"| newest first (relevant_count) | {counts['new1'] / n:.3f} | {counts['rel5'] / n:.3f} |")
    print(f"| all five newest first (naive) | {counts['naive1'] / n:.3f} | {counts['rel5'] / n:.3f} |")
    print(f"| since/until: the answer's year | {counts['year1'] / n:.3f} | {counts['year5'] / n:.3f} |")
    print(f"| until the year before (answer out) | – | {counts['before5'] / n:.3f} |")
    print(
        f"newest first: the order changed in {counts['moved']} of {n} questions; "
        f"places that changed per question: mean {statistics.mean(reordered):.2f}"
    )
    print("p50 ms per search: " + ", ".join(f"{k} {p50_ms(v):.1f}" for k, v in took.items()))


if __name__ == "__main__":
    main()
