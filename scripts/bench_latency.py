"""Time the parts of a search over a built index: embedding the question, the dense leg, the lexical leg.

    .venv/bin/python scripts/bench_latency.py INDEX_DIR [QUESTIONS.jsonl]

Prints p50/p95 milliseconds per question for: embedding the question, FAISS search, reading the
question and BM25 scoring,
and a whole hybrid search; the hybrid overhead over dense only is the BM25 scoring plus fusion.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.core._ranking import lexical_query  # noqa: E402
from assistant.eval import read_questions  # noqa: E402
from assistant.verdict import read_question  # noqa: E402


def main() -> None:
    index_dir = Path(sys.argv[1])
    questions_file = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "tests" / "data" / "seed_dev.jsonl"
    questions = [q["question"] for q in read_questions(questions_file)]
    parts = ("embed question", "dense (FAISS)", "lexical (reading + BM25)", "whole search, hybrid")
    timings: dict[str, list[float]] = {name: [] for name in (*parts, "whole search, dense only")}
    with Assistant.open(index_dir) as assistant:
        index = assistant.index
        assistant.search(questions[0])  # loads jieba and warms the caches
        for q in questions:
            t0 = time.perf_counter()
            vector = assistant.embedder.embed_query(q)
            t1 = time.perf_counter()
            index.dense_top(vector, 28)
            t2 = time.perf_counter()
            vocabulary = index.vocabulary
            if vocabulary is not None:
                lexical, _ = lexical_query(index, read_question(q, vocabulary.lexicon, vocabulary))
                if lexical is not None:
                    index.lexical_top(lexical, 28)
            t3 = time.perf_counter()
            assistant.search(q, k=10)
            t4 = time.perf_counter()
            assistant.search(q, k=10, mode="dense")
            t5 = time.perf_counter()
            for name, seconds in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
                timings[name].append(seconds * 1000)
        print(f"{len(index)} chunks, {len(questions)} questions")
    for name, ms in timings.items():
        ms.sort()
        print(
            f"  {name:26s} p50 {statistics.median(ms):7.1f} ms   p95 {ms[int(0.95 * (len(ms) - 1))]:7.1f} ms"
        )


if __name__ == "__main__":
    main()
