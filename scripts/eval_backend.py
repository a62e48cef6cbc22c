"""Score a dev set with one backend, hybrid and dense, building its index first if it is not current.

    .venv/bin/python scripts/eval_backend.py onnx|torch INDEX_DIR QUESTIONS.jsonl CORPUS ...

The same scoring as ``python -m assistant eval`` (assistant.eval), with the backend chosen here
and the index folder given, so that the old encoder's index (e.g. a copy of a prebuilt torch one)
and the new one's can be compared with all else equal. A build in a copy of another index's folder
reuses its embedding cache. Prints each mode's table and a JSON line of its figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import Assistant  # noqa: E402
from assistant.eval import evaluate, read_questions  # noqa: E402
from index import IndexProblem, Settings, build, is_current, load, make_embedder  # noqa: E402


def main() -> int:
    if len(sys.argv) < 5:
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    backend, index_dir, questions, *corpus = sys.argv[1:]
    settings = Settings().with_(corpus=tuple(Path(c) for c in corpus), index_dir=Path(index_dir))
    embedder = make_embedder("", settings.cache_dir, backend)
    try:
        built = load(settings.index_dir, lexical=False)
        current = is_current(built.manifest, settings.corpus, embedder)
        built.close()
    except IndexProblem:
        current = False
    if not current:
        report = build(settings, embedder)
        print(report.summary(), file=sys.stderr)
    asked = read_questions(Path(questions))
    with Assistant.open(settings.index_dir, embedder=embedder) as assistant:
        for mode in ("hybrid", "dense"):
            result = evaluate(assistant, asked, mode)
            print(f"{backend} {questions}\n{result.table()}", flush=True)
            print(json.dumps(result.to_dict()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
