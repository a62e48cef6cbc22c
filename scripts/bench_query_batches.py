"""What batching questions would gain with the ONNX encoder: milliseconds a question alone and in
batches, and how far a batched vector moves from the lone one.

    flock /tmp/heavy.lock .venv/bin/python scripts/bench_query_batches.py [--questions 200]

Takes the first N cmrc_xquad questions (../shared/eval/cmrc_xquad/questions.jsonl), embeds each
alone on the query session (one thread, as the app does), then in batches of 4, 8 and 20, and
prints wall milliseconds per question and the cosine of each batched vector to its lone one
(dynamic int8 quantises activations with one scale per batch, so batch-mates move a vector).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index import Settings  # noqa: E402
from index.embed._onnx import OnnxEmbedder  # noqa: E402

QUESTIONS = REPO.parent / "shared" / "eval" / "cmrc_xquad" / "questions.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    with QUESTIONS.open(encoding="utf-8") as f:
        questions = [json.loads(line)["question"] for line in f][: args.questions]
    embedder = OnnxEmbedder("", Settings().cache_dir)

    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray(embedder._encode(texts, "query"))  # the query session, one thread

    encode(questions[:2])  # load and warm
    start = time.perf_counter()
    alone = np.stack([encode([q])[0] for q in questions])
    per_question = (time.perf_counter() - start) / len(questions)
    print(f"{len(questions)} questions: alone {per_question * 1000:.2f} ms a question")
    for size in (4, 8, 20):
        start = time.perf_counter()
        batched = np.concatenate([encode(questions[i : i + size]) for i in range(0, len(questions), size)])
        took = (time.perf_counter() - start) / len(questions)
        cos = (batched * alone).sum(1) / np.linalg.norm(batched, axis=1) / np.linalg.norm(alone, axis=1)
        print(f"batches of {size:2d}: {took * 1000:.2f} ms a question; cosine to alone min {cos.min():.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
