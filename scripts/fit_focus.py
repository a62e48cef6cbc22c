"""The focus rule on tests/data/absent_details.jsonl: caught and wrongly not found on each half, and
the confidence to show when it fires (assistant/verdict FOCUS_CONFIDENCE), fit on the FIT half.

    .venv/bin/python scripts/fit_focus.py                       # index the seed pages, ask, fit, report
    .venv/bin/python scripts/fit_focus.py --score RESULTS.jsonl # score another run's results by half

The set pairs each unanswerable question (a detail its article does not give) with an answerable
one on the same article (tests/data/README.md). FIT is the odd pairs, TEST the even ones: the
confidence is fit on FIT and the figures reported for both, TEST being the half it never saw.
``--score`` reads the JSON lines of ``python -m assistant eval … --results FILE`` (from any
version, e.g. main before the focus) and prints the same figures, so before and after compare.

The confidence of a rule is what share of the questions it fires on were answerable nonetheless,
as RULE_CONFIDENCE is for the key-term rule: here (answerable + 1) / (fired + 2), since on a small
half none may be, and a confidence of 0 would claim a certainty that 22 pairs cannot give.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.verdict import read_question, weigh  # noqa: E402
from index import Settings, build, make_embedder  # noqa: E402
from index.text import is_chinese, normalize, strip_markup  # noqa: E402

QUESTIONS = ROOT / "tests" / "data" / "absent_details.jsonl"


def half(q: dict[str, Any]) -> str:
    return "FIT" if int(q["pair"]) % 2 else "TEST"


def report(questions: list[dict[str, Any]], found: dict[str, bool]) -> None:
    """Caught and wrongly not found per half and language."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for q in questions:
        lang = "zh" if is_chinese(q["question"]) else "en"
        for key in ((half(q), "all"), (half(q), lang)):
            c = counts[key]
            if q["answerable"]:
                c[2] += 1
                c[3] += int(not found[q["qid"]])
            else:
                c[0] += 1
                c[1] += int(not found[q["qid"]])
    for (name, lang), (n_u, caught, n_a, wrong) in sorted(counts.items()):
        print(f"{name:4s} {lang:3s}  unanswerable caught {caught}/{n_u}  answerable wrongly {wrong}/{n_a}")


def fit(questions: list[dict[str, Any]], corpus: list[Path], index_dir: Path) -> dict[str, bool]:
    settings = Settings(corpus=tuple(corpus), index_dir=index_dir)
    embedder = make_embedder(settings.model, settings.cache_dir, settings.backend)
    build(settings, embedder)
    found: dict[str, bool] = {}
    fired: dict[bool, list[int]] = {False: [0, 0], True: [0, 0]}  # nowhere -> [fired, answerable]
    with Assistant.open(embedder=embedder, settings=settings) as assistant:
        for q in questions:
            result, ranked = assistant._answer(q["question"], 5)
            found[q["qid"]] = result.found
            if half(q) != "FIT" or result.reason != "focus":
                continue
            vocabulary = assistant.index.vocabulary
            lexicon = assistant._lexicon()
            reading = read_question(normalize(strip_markup(q["question"])), lexicon, vocabulary)
            ev = weigh(reading, ranked, lexicon, vocabulary)
            assert ev is not None and ev.focus is not None
            fired[ev.focus.nowhere][0] += 1
            fired[ev.focus.nowhere][1] += int(q["answerable"])
    shares = {k: round((a + 1) / (n + 2), 2) for k, (n, a) in fired.items()}
    print(f"FIT: the focus rule fired on {fired} (nowhere: [fired, answerable])")
    print(f"FOCUS_CONFIDENCE = {{False: {shares[False]}, True: {shares[True]}}}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--corpus", type=Path, nargs="+", default=[ROOT / "corpus"])
    parser.add_argument("--index-dir", type=Path, default=ROOT / ".index-eval" / "focus")
    parser.add_argument(
        "--score", type=Path, metavar="RESULTS.jsonl", help="score an eval's --results by half"
    )
    args = parser.parse_args()
    questions = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line]
    if args.score:
        lines = [json.loads(line) for line in args.score.read_text(encoding="utf-8").splitlines() if line]
        found = {r["qid"]: bool(r["found"]) for r in lines}
    else:
        found = fit(questions, args.corpus, args.index_dir)
    report(questions, found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
