"""The two encoders side by side on corpus texts: CPU seconds, cosine, and what padding costs.

    .venv/bin/python scripts/bench_encoder.py [--texts 100] [--rounds 2]

Takes chunks and windows (half each) of the seed pages plus the first 200 distractor articles
(../shared/eval/news_distractors.jsonl), embeds them with torch fp32 (sentence-transformers) and
with the ONNX int8 export, one thread each, alternating for ``--rounds``, and prints the best CPU
seconds of each (CPU time, not wall time: the machine is shared), the speed-up and the cosine of
each vector to torch's. Then counts, with the model's tokenizer, the token positions that
batches of 32 cost over the whole corpus in page order (the old build) and sorted by length.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index import Settings, chunk_document, read_corpus  # noqa: E402
from index.embed._onnx import OnnxEmbedder  # noqa: E402
from index.embed._torch import SentenceTransformerEmbedder  # noqa: E402
from index.split._chunk import windows  # noqa: E402

DISTRACTORS = REPO.parent / "shared" / "eval" / "news_distractors.jsonl"


def padded(lengths: list[int], batch: int = 32) -> int:
    groups = (lengths[i : i + batch] for i in range(0, len(lengths), batch))
    return sum(max(g) * len(g) for g in groups)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    lines = list(itertools.islice(DISTRACTORS.open(encoding="utf-8"), 200))
    articles = Path("/tmp/bench-encoder-distractors200.jsonl")
    articles.write_text("".join(lines), encoding="utf-8")
    docs = read_corpus([REPO / "corpus", articles]).documents
    chunks = [c.embed_text for d in docs for c in chunk_document(d)]
    wins = list(dict.fromkeys(w for d in docs for c in chunk_document(d) for w in windows(c)))
    rng = np.random.default_rng(0)
    half = args.texts // 2
    texts = [chunks[i] for i in rng.choice(len(chunks), half, replace=False)]
    texts += [wins[i] for i in rng.choice(len(wins), args.texts - half, replace=False)]

    import torch

    torch.set_num_threads(1)
    cache = Settings().cache_dir
    ref = SentenceTransformerEmbedder("", cache, batch_size=32)
    new = OnnxEmbedder("", cache, threads=1)
    ref.embed_documents(texts[:2])
    new.embed_documents(texts[:2])
    best = {"torch fp32": float("inf"), "onnx int8": float("inf")}
    vectors = {}
    for _ in range(args.rounds):
        for name, emb in (("torch fp32", ref), ("onnx int8", new)):
            started = time.process_time()
            vectors[name] = emb.embed_documents(texts)
            best[name] = min(best[name], time.process_time() - started)
    cos = (vectors["torch fp32"] * vectors["onnx int8"]).sum(axis=1)
    print(f"{len(texts)} texts ({half} chunks, {len(texts) - half} windows), one thread each")
    for name, seconds in best.items():
        print(f"  {name:11s} {seconds:6.2f} CPU s")
    speedup = best["torch fp32"] / best["onnx int8"]
    print(f"  speed-up {speedup:.2f}x; cosine min {cos.min():.4f} mean {cos.mean():.4f}")

    tok = ref._load().tokenizer
    count = [len(ids) for ids in tok(["passage: " + t for t in chunks + wins])["input_ids"]]
    in_order = padded(count[: len(chunks)]) + padded(count[len(chunks) :])
    by_length = padded(sorted(count, reverse=True))
    print(
        f"token positions for {len(chunks)} chunks and {len(wins)} distinct windows in batches of 32: "
        f"page order {in_order}, longest first {by_length} ({in_order / by_length:.2f}x fewer)"
    )
    print(json.dumps({"speedup": speedup, "cos_min": float(cos.min())}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
