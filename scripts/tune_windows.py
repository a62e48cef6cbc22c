"""Compare window sizes for the dense leg on a built index: how a chunk scored by its own vector
compares with a chunk scored by the best of its own and its sentence windows' vectors.

    .venv/bin/python scripts/tune_windows.py INDEX_DIR QUESTIONS.jsonl 100,150,250 [0.05,0.1,0.2]

For each size, embeds the windows of every chunk of the index (the index's own for its size;
others cached in the temp folder by index version and size) and prints hit@1, hit@5 and MRR@10
by question type for: dense with the chunk vector alone, dense with the best window, and both
fused with BM25 as the assistant does (at each lexical weight given, default LEXICAL_WEIGHT;
Chinese questions only). This is how WINDOW_CHARS was chosen, and LEXICAL_WEIGHT checked
(docs/benchmarks.md).
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.core._ranking import LEXICAL_WEIGHT  # noqa: E402
from assistant.eval import first_hit_rank, read_questions  # noqa: E402
from index.build._vectors import embed_texts  # noqa: E402
from index.split import windows  # noqa: E402
from index.store import LoadedIndex  # noqa: E402
from index.text import is_chinese, normalize  # noqa: E402


def main(index_dir: str, questions_file: str, sizes: str, weights: str = str(LEXICAL_WEIGHT)) -> None:
    assistant = Assistant.open(index_dir)
    ix, embedder = assistant.index, assistant.embedder
    # The vectors of every chunk and BM25 of every row: a folder's index, not a Milvus store.
    if not isinstance(ix, LoadedIndex):
        sys.exit(f"tune_windows needs a local index folder, not {type(ix).__name__}")
    assert ix.lexical is not None
    n = len(ix)
    chunks = [ix.chunk(i) for i in range(n)]
    own = ix.vectors()[:n]
    questions = [q for q in read_questions(Path(questions_file)) if q.get("answers")]
    queries = [normalize(q["question"]) for q in questions]
    vectors = np.stack([embedder.embed_query(q) for q in queries])
    lexical = []
    for q in queries:
        b = ix.lexical.scores(q)
        lexical.append(b / b.max() if is_chinese(q) and b.max() > 0 else np.zeros(n))
    for size in map(int, sizes.split(",")):
        texts, owner = [], []
        for i, c in enumerate(chunks):
            for w in windows(c, size):
                texts.append(w)
                owner.append(i)
        cache = Path(tempfile.gettempdir()) / f"news-assistant-windows-{ix.version.name}-{size}.npy"
        if size == ix.manifest.chunker.get("windows") and ix.manifest.counts.get("windows") == len(texts):
            window_vectors = ix.vectors()[n:]
        elif cache.exists():
            window_vectors = np.load(cache)
        else:
            window_vectors = embed_texts(texts, embedder, progress=True)
            np.save(cache, window_vectors)
        ranks: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for question, v, lex in zip(questions, vectors, lexical, strict=True):
            chunk_scores = own @ v
            best = chunk_scores.copy()
            np.maximum.at(best, np.asarray(owner, dtype=np.int64), window_vectors @ v)
            runs = [("dense chunk", chunk_scores), ("dense best window", best)]
            for weight in map(float, weights.split(",")):
                runs.append((f"hybrid {weight} chunk", chunk_scores + weight * lex))
                runs.append((f"hybrid {weight} window", best + weight * lex))
            for name, s in runs:
                top = np.argsort(-s)[:10]
                rank = first_hit_rank([chunks[i].text for i in top], question["answers"]) or 99
                ranks[name].append((str(question.get("type", "all")), rank))
        print(f"window {size} characters: {len(texts)} windows for {n} chunks")
        for name, got in ranks.items():
            for kind in ["all", *sorted({t for t, _ in got})]:
                rs = [r for t, r in got if kind == "all" or t == kind]
                print(
                    f"  {name:22s} {kind:12s} n={len(rs):5d}  hit@1={sum(r == 1 for r in rs) / len(rs):.3f}"
                    f"  hit@5={sum(r <= 5 for r in rs) / len(rs):.3f}"
                    f"  mrr@10={sum(1 / r for r in rs if r <= 10) / len(rs):.3f}"
                )


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    main(*sys.argv[1:])
