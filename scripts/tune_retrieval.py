"""Compare chunk sizes, overlaps, lexical terms and fusion weights on the dev sets.

    .venv/bin/python scripts/tune_retrieval.py seed,cmrc250 200:0,300:100,400:120,500:150

``seed`` is seed_dev.jsonl over corpus/; ``cmrc250`` is the first 250 articles of
../shared/eval/cmrc_xquad with their questions (about 1,000), to keep a sweep within minutes.
Embeddings are cached by text in the temp folder, so configurations share what they can.
Prints one line per (set, size, overlap, lexical terms, weight): hit@1, hit@5, MRR@10,
English hit@5. This is how DEFAULT_MAX_CHARS, DEFAULT_OVERLAP and LEXICAL_WEIGHT were chosen
(docs/benchmarks.md).
"""

from __future__ import annotations

import json
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import bm25s
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
sys.path.insert(0, str(ROOT))

from assistant.eval import first_hit_rank, read_questions  # noqa: E402
from index import Settings, make_embedder  # noqa: E402
from index.read._corpus import read_corpus  # noqa: E402
from index.split._chunk import chunk_document  # noqa: E402
from index.text import Lexicon, domain_words  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "news-assistant-tune-embeddings.pkl"


def dev_set(name: str) -> tuple[list, list[dict]]:
    if name == "seed":
        return read_corpus([ROOT / "corpus"]).documents, read_questions(EVAL / "seed_dev.jsonl")
    articles = (EVAL / "cmrc_xquad" / "articles.jsonl").read_text(encoding="utf-8").splitlines()[:250]
    subset = Path(tempfile.gettempdir()) / "news-assistant-cmrc250.jsonl"
    subset.write_text("\n".join(articles), encoding="utf-8")
    ids = {json.loads(a)["id"] for a in articles}
    questions = [q for q in read_questions(EVAL / "cmrc_xquad" / "questions.jsonl") if q["doc_id"] in ids]
    return read_corpus([subset]).documents, questions


def scores(questions: list[dict], texts: list[str], ranking: np.ndarray) -> str:
    groups: dict[str, list[int | None]] = {"all": [], "english": []}
    for q, row in zip(questions, ranking, strict=True):
        if not (q.get("answerable", True) and q.get("answers")):
            continue
        rank = first_hit_rank([texts[i] for i in np.argsort(-row)[:10]], q["answers"])
        groups["all"].append(rank)
        if q.get("type") == "english":
            groups["english"].append(rank)
    ranks = groups["all"]
    hit1 = np.mean([r == 1 for r in ranks])
    hit5 = np.mean([r is not None and r <= 5 for r in ranks])
    mrr = np.mean([1 / r if r else 0 for r in ranks])
    en = groups["english"]
    en5 = f"{np.mean([r is not None and r <= 5 for r in en]):.2f}" if en else "-"
    return f"hit@1={hit1:.3f} hit@5={hit5:.3f} mrr@10={mrr:.3f} english@5={en5}"


def term_functions(lexicon: Lexicon) -> dict[str, Callable[[str], list[str]]]:
    """The lexical terms compared: jieba words alone, character bigrams alone, and both (the index's)."""

    def words(text: str) -> list[str]:
        return [w for w in lexicon.tokens(text) if not w.startswith("#")]

    def bigrams(text: str) -> list[str]:
        return [w for w in lexicon.tokens(text) if w.startswith("#")]

    return {"words": words, "bigrams": bigrams, "both": lexicon.tokens}


def main() -> None:
    sets, configs = sys.argv[1].split(","), [tuple(map(int, c.split(":"))) for c in sys.argv[2].split(",")]
    embedder = make_embedder("", Settings().cache_dir)
    cache: dict[str, np.ndarray] = pickle.loads(CACHE.read_bytes()) if CACHE.exists() else {}

    def embed(texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        for i in range(0, len(todo), 64):
            cache.update(zip(todo[i : i + 64], embedder.embed_documents(todo[i : i + 64]), strict=True))
        if todo:
            CACHE.write_bytes(pickle.dumps(cache))
        return np.stack([cache[t] for t in texts])

    for name in sets:
        docs, questions = dev_set(name)
        qv = np.stack([embedder.embed_query(q["question"]) for q in questions])
        for size, overlap in configs:
            chunks = [c for d in docs for c in chunk_document(d, size, overlap)]
            dense = qv @ embed([c.embed_text for c in chunks]).T
            terms = term_functions(Lexicon(domain_words(c.embed_text for c in chunks)))
            texts = [c.text for c in chunks]
            head = f"{name} size={size} overlap={overlap} chunks={len(chunks)}"
            print(f"{head} dense            {scores(questions, texts, dense)}", flush=True)
            for label, tokenize in terms.items():
                bm25 = bm25s.BM25()
                bm25.index([tokenize(c.embed_text) for c in chunks], show_progress=False)
                lexical = np.zeros_like(dense)
                for i, q in enumerate(questions):
                    known = [w for w in tokenize(q["question"]) if w in bm25.vocab_dict]
                    if known:
                        lexical[i] = bm25.get_scores(known)
                print(f"{head} {label:7s} lexical  {scores(questions, texts, lexical)}", flush=True)
                norm = lexical / np.maximum(lexical.max(axis=1, keepdims=True), 1e-9)
                for w in (0.05, 0.1, 0.2):
                    print(
                        f"{head} {label:7s} +{w:<5}   {scores(questions, texts, dense + w * norm)}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
