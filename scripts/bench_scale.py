"""The vector store at scale: build the store the index would choose over N vectors, search held-out
questions, compare with exact search.

    flock /tmp/heavy.lock .venv/bin/python scripts/bench_scale.py --vectors 1000000 --json

Prints one JSON line: ``{"vectors", "index", "recall_at_10", "p50_ms", "bytes_per_vector",
"build_s", ...}``. ``recall_at_10`` is the share of the exact top 10 passages (a passage scores its
best vector, as in the index) that the store returns; ``bytes_per_vector`` counts the FAISS index as
written plus every per-passage array the store and a loaded index keep; ``build_s`` is training plus
adding.

The vectors are real: the CMRC/XQuAD paragraphs (``../shared/eval/cmrc_xquad/articles.jsonl``),
chunked as the index chunks them, each chunk with its sentence windows, embedded by the real model
once and kept in ``.index-eval/bench-scale/``. To reach N they are tiled: copy j of a passage adds
Gaussian noise of NOISE times each dimension's spread to each of its vectors, then normalises them.
The questions are CMRC/XQuAD questions (a thousand, embedded as queries); ``--questions tune`` uses the
even-numbered half (where nprobe was fitted), ``report`` (the default) the odd half.

``--nprobe 8,16,32`` overrides the store's nprobe, one line each (for fitting it); ``--allowed 0.01``
restricts every search to a random share of the passages (the filters' path), exact search too;
``--kind flat`` or ``--codec 8bit`` builds another store than the index would, to compare.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import faiss  # noqa: E402

from index import Settings, make_embedder, read_corpus  # noqa: E402
from index.embed._cache import CACHE_FILE, EmbeddingCache, text_key  # noqa: E402
from index.split import chunk_document, passage_texts  # noqa: E402
from index.store import ROW_BYTES  # noqa: E402
from index.store._vectors import CODEC, CODECS, IvfStore, VectorStore, create_store  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "cmrc_xquad"
WORK = ROOT / ".index-eval" / "bench-scale"
QUESTIONS = 1000
NOISE = 0.5
K = 10


def real_vectors() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vectors, counts per passage, question vectors) of the real corpus, embedded once."""
    documents = read_corpus([EVAL / "articles.jsonl"]).documents
    parts = [passage_texts(c) for d in documents for c in chunk_document(d)]
    texts = [t for p in parts for t in p]
    lines = (EVAL / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    step = max(1, len(lines) // QUESTIONS)
    questions = [json.loads(line)["question"] for line in lines[::step][:QUESTIONS]]
    digest = hashlib.sha256("\0".join(texts + ["\1"] + questions).encode()).hexdigest()[:16]
    saved = WORK / f"real-{digest}.npz"
    if saved.is_file():
        data = np.load(saved)
        return data["vectors"], data["counts"], data["queries"]
    WORK.mkdir(parents=True, exist_ok=True)
    embedder = make_embedder(Settings().model, Settings().cache_dir)
    # Any eval index's cache may hold these texts already (same model, same chunker).
    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    todo = dict.fromkeys(range(len(texts)))
    for path in [WORK / CACHE_FILE, *sorted(WORK.parent.glob(f"*/{CACHE_FILE}"))]:
        cache = EmbeddingCache(path, embedder.identity, embedder.dim)
        found = cache.get(text_key(texts[i]) for i in todo)
        for i in list(todo):
            v = found.get(text_key(texts[i]))
            if v is not None:
                vectors[i] = v
                del todo[i]
        cache.close()
    if todo:
        missing = list(todo)
        vectors[missing] = embedder.embed_documents([texts[i] for i in missing])
    queries = np.stack([embedder.embed_query(q) for q in questions]).astype(np.float32)
    counts = np.array([len(p) for p in parts], dtype=np.int64)
    np.savez(saved, vectors=vectors, counts=counts, queries=queries)
    return vectors, counts, queries


def tiled(vectors: np.ndarray, counts: np.ndarray, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """At least ``n`` vectors in passages: the real ones, then noisy copies of them; the last
    passage is cut so that exactly ``n`` remain."""
    rng = np.random.default_rng(seed)
    spread = vectors.std(axis=0)
    copies = math.ceil(n / len(vectors))
    out = np.empty((copies * len(vectors), vectors.shape[1]), dtype=np.float32)
    for j in range(copies):
        block = out[j * len(vectors) : (j + 1) * len(vectors)]
        block[:] = vectors
        if j:
            block += NOISE * spread * rng.standard_normal(vectors.shape, dtype=np.float32)
            block /= np.linalg.norm(block, axis=1, keepdims=True)
    all_counts = np.tile(counts, copies)
    ends = np.cumsum(all_counts)
    last = int(np.searchsorted(ends, n))
    all_counts = all_counts[: last + 1].copy()
    all_counts[-1] -= int(ends[last]) - n
    return out[:n], all_counts


def exact(
    vectors: np.ndarray, counts: np.ndarray, queries: np.ndarray, allowed: np.ndarray | None
) -> list[float]:
    """The exact K-th best passage score of every query, a passage scoring its best vector."""
    owner = np.repeat(np.arange(len(counts)), counts)
    keep = np.ones(len(vectors), dtype=bool) if allowed is None else allowed[owner]
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors[keep])
    owner = owner[keep]
    scores, ids = flat.search(queries, K * int(counts.max()))
    out = []
    for row, score in zip(ids, scores, strict=True):
        best: dict[int, float] = {}
        for i, s in zip(row, score, strict=True):
            if i >= 0:
                best.setdefault(int(owner[i]), float(s))  # scores come best first
        ranked = list(best.values())
        out.append(ranked[min(K, len(ranked)) - 1])
    return out


def measure(
    store: VectorStore,
    keys: np.ndarray,
    vectors: np.ndarray,
    counts: np.ndarray,
    queries: np.ndarray,
    kth: list[float],
    allowed: np.ndarray | None,
) -> tuple[float, float, float]:
    """Recall@K and median milliseconds of the store's searches, and of scoring 20 given passages.
    A returned passage counts when its exact score reaches the exact K-th best: passages tied with
    the K-th (repeated texts) are interchangeable."""
    passage_of = {int(k): i for i, k in enumerate(keys)}
    starts = np.concatenate([[0], np.cumsum(counts)])
    mask = None
    if allowed is not None:
        mask = np.zeros(len(store), dtype=bool)
        mask[store.positions(keys[allowed])] = True
    want = K if allowed is None else min(K, int(allowed.sum()))
    store.search(queries[0], K, mask)  # warm
    recalls, ms, similar = [], [], []
    rng = np.random.default_rng(2)
    for q, bar in zip(queries, kth, strict=True):
        t = time.perf_counter()
        got = store.search(q, K, mask)
        ms.append((time.perf_counter() - t) * 1000)
        good = 0
        for key, _ in got:
            p = passage_of[key]
            if allowed is None or allowed[p]:
                good += float((vectors[starts[p] : starts[p + 1]] @ q).max()) >= bar - 1e-5
        recalls.append(good / want)
        # The hybrid ranking scores the lexical leg's best passages that the dense search missed.
        some = keys[rng.choice(len(keys), 20, replace=False)]
        t = time.perf_counter()
        store.similarity(q, some)
        similar.append((time.perf_counter() - t) * 1000)
    return statistics.mean(recalls), statistics.median(ms), statistics.median(similar)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vectors", type=int, required=True)
    parser.add_argument("--json", action="store_true", help="print only the JSON line(s)")
    parser.add_argument("--questions", choices=("tune", "report"), default="report")
    parser.add_argument("--nprobe", default="", help="comma-separated nprobe values to try (IVF only)")
    parser.add_argument("--codec", choices=sorted(CODECS), default=CODEC, help="the IVF store's codec")
    parser.add_argument(
        "--kind", choices=("flat", "ivf"), help="this kind of store, not the one the size chooses"
    )
    parser.add_argument(
        "--allowed", type=float, default=0.0, help="restrict searches to this share of passages"
    )
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)  # a question is searched on one core; the machine is shared
    real, real_counts, queries = real_vectors()
    queries = queries[0::2] if args.questions == "tune" else queries[1::2]
    vectors, counts = tiled(real, real_counts, args.vectors)
    allowed = None
    if args.allowed:
        rng = np.random.default_rng(1)
        allowed = rng.random(len(counts)) < args.allowed
        allowed[rng.integers(len(counts))] = True
    faiss.omp_set_num_threads(2)
    kth = exact(vectors, counts, queries, allowed)
    passage_sizes = counts.tolist()
    t = time.perf_counter()
    store, keys = create_store(vectors, passage_sizes, vectors.shape[1], args.kind, args.codec)
    build_s = time.perf_counter() - t
    faiss.omp_set_num_threads(1)
    size = store.nbytes() + len(store) * ROW_BYTES
    if not args.json:
        copy = (
            np.sum(vectors[len(real) : 2 * len(real)] * real, axis=1) if len(vectors) >= 2 * len(real) else []
        )
        print(
            f"{len(counts)} passages ({len(real_counts)} real, {len(real)} real vectors); "
            f"a noisy copy's cosine to its original: median {np.median(copy) if len(copy) else np.nan:.3f}; "
            f"{len(queries)} questions ({args.questions})",
            file=sys.stderr,
        )
    probes = [int(p) for p in args.nprobe.split(",") if p] or [0]
    for nprobe in probes:
        if nprobe and isinstance(store, IvfStore):
            store.nprobe = nprobe
        recall, p50, similarity_p50 = measure(store, keys, vectors, counts, queries, kth, allowed)
        line = {
            "vectors": len(vectors),
            "index": store.kind if not isinstance(store, IvfStore) else f"{store.kind}-{store.codec}",
            "recall_at_10": round(recall, 4),
            "p50_ms": round(p50, 3),
            "bytes_per_vector": round(size / len(vectors), 1),
            "build_s": round(build_s, 2),
            "passages": len(counts),
            "bytes_per_passage": round(size / len(counts), 1),
            "similarity_p50_ms": round(similarity_p50, 3),
        }
        if isinstance(store, IvfStore):
            line |= {"nlist": store.nlist, "nprobe": store.nprobe}
        if allowed is not None:
            line["allowed_passages"] = int(allowed.sum())
        print(json.dumps(line))


if __name__ == "__main__":
    main()
