"""Check that a Milvus store answers every question with the same top passage as the local index.

    .venv/bin/python -m index build --corpus corpus/                       # the local index (.index)
    .venv/bin/python -m index build --corpus corpus/ --milvus /tmp/x.db    # the same corpus in Milvus Lite
    .venv/bin/python scripts/check_milvus_answers.py ../shared/eval/seed_dev.jsonl --milvus /tmp/x.db

Asks each question of both (as ``python -m assistant ask … --json`` does, with the model the local
index names) and prints one line per question whose top passage (source, characters, text) or
verdict differs, then the count; exits 1 if any differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant import Assistant
from index import Settings, embedder_for, load


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--milvus", required=True, metavar="URI")
    parser.add_argument("--collection", default="news")
    parser.add_argument("--index-dir", type=Path, default=Path(".index"))
    args = parser.parse_args()
    settings = Settings().with_(index_dir=args.index_dir)
    with load(args.index_dir, lexical=False) as ix:
        embedder = embedder_for(ix.manifest.model, settings.cache_dir)
    questions = [
        json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    differ = 0
    in_milvus = settings.with_(milvus=args.milvus, collection=args.collection)
    with (
        Assistant.open(embedder=embedder, settings=settings) as local,
        Assistant.open(embedder=embedder, settings=in_milvus) as lite,
    ):
        for q in questions:
            a, b = local.search(q["question"], 5), lite.search(q["question"], 5)
            top = [(r.hits[0].source, r.hits[0].start, r.hits[0].text) if r.hits else None for r in (a, b)]
            if top[0] != top[1] or a.found != b.found:
                differ += 1
                print(f"{q.get('qid')}: local {top[0] and top[0][:2]} found={a.found}, "
                      f"milvus {top[1] and top[1][:2]} found={b.found}")  # fmt: skip
    print(f"{len(questions) - differ} of {len(questions)} questions: the same top passage and verdict")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
