"""A build's vectors: kept in place for chunks whose texts the live version holds, copied from its
store or the embedding cache for texts seen before, embedded only for new text; and the next
version's store, changed in place while it suits the size, else made anew."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from ..embed import Embedder, EmbeddingCache, text_key
from ..errors import IndexCorrupt, IndexIncompatible
from ..records import Chunk
from ..split import (
    passage_texts,
)
from ..store import (
    Contents,
    Previous,
    VectorStore,
    crash_point,
    create_store,
)

BATCH_SIZE = 32


def live_vectors(live: Previous, notes: list[str]) -> VectorStore | None:
    """The live version's vector store, or None (with a note) when it cannot be used: then every
    vector comes from the embedding cache or the model."""
    try:
        return live.vectors
    except (IndexIncompatible, IndexCorrupt) as e:
        reason = str(e).split("; rebuild", 1)[0]
        notes.append(f"the existing vectors cannot be taken over ({reason}), so none is kept in place")
        return None


def kept_keys(chunks: Sequence[Chunk], contents: Contents) -> list[int | None]:
    """For each chunk, the key of a live chunk with the same texts (its vectors are kept), or
    None. A chunk's texts, its own and its windows', follow from its context and text alone; a
    live chunk is kept for one chunk at most."""
    live: dict[tuple[str, str], list[int]] = {}
    for stored in contents.chunks.values():
        for s in stored:
            live.setdefault((s.chunk.context, s.chunk.text), []).append(s.key)
    for keys in live.values():
        keys.reverse()
    out: list[int | None] = []
    for c in chunks:
        same = live.get((c.context, c.text))
        out.append(same.pop() if same else None)
    return out


def next_store(
    previous: VectorStore | None,
    kept: Sequence[int | None],
    vectors: np.ndarray,
    counts: Sequence[int],
    dim: int,
) -> tuple[VectorStore, list[int]]:
    """The next version's vector store, and the key of each chunk in it.

    ``kept[i]``: chunk i's key in ``previous``, or None for the next of the new passages
    (``counts[j]`` rows of ``vectors`` each). The previous store, which the build owns, loses the
    passages not kept and gains the new ones, if it still suits the new size; otherwise a new
    store of the kind that does is filled with the kept passages' vectors (as stored) and the new.
    """
    old = np.array([k for k in kept if k is not None], dtype=np.int64)
    total = len(vectors)
    if previous is not None and len(old):
        total += int(previous.counts[previous.positions(old)].sum())
    if previous is not None and previous.suits(total):
        previous.remove(np.setdiff1d(previous.keys, old))
        store, moved, added = previous, old, previous.add(vectors, counts)
    else:
        old_counts = previous.counts[previous.positions(old)] if previous is not None and len(old) else []
        old_vectors = previous.vectors(old) if previous is not None and len(old) else np.zeros((0, dim))
        store, all_keys = create_store(
            np.concatenate([old_vectors, vectors]).astype(np.float32), [*old_counts, *counts], dim
        )
        moved, added = all_keys[: len(old)], all_keys[len(old) :]
    renamed = dict(zip(old.tolist(), moved.tolist(), strict=True))
    fresh = iter(added.tolist())
    return store, [renamed[k] if k is not None else next(fresh) for k in kept]


def vectors_from_live(
    units: Units, previous: VectorStore, contents: Contents, *, with_windows: bool
) -> list[int]:
    """Copy into ``units.vectors`` the live store's vector of every text it holds exactly; return the
    rest's indices (all of them when the store keeps its vectors approximately: those come from
    the embedding cache, exact).

    ``with_windows``: the live version cut windows as this build does, so its window vectors are
    known from its chunks; otherwise only chunk vectors are taken over.
    """
    vectors, keys = units.vectors, units.keys
    if not previous.exact or not len(keys):
        return list(range(len(keys)))
    counts = dict(zip(previous.keys.tolist(), previous.counts.tolist(), strict=True))
    where: dict[str, tuple[int, int]] = {}  # text key -> (passage key, which of its vectors)
    for kept in contents.chunks.values():
        for s in kept:
            texts = passage_texts(s.chunk) if with_windows else [s.chunk.embed_text]
            if len(texts) != counts[s.key]:
                texts = texts[:1]
            where.update((text_key(t), (s.key, i)) for i, t in enumerate(texts))
    wanted = [(i, where[k]) for i, k in enumerate(keys) if k in where]
    passages = sorted({key for _, (key, _) in wanted})
    if passages:
        stored = previous.vectors(passages)
        start = dict(zip(passages, np.cumsum([0, *(counts[p] for p in passages[:-1])]).tolist(), strict=True))
        for i, (key, slot) in wanted:
            vectors[i] = stored[start[key] + slot]
    found = {i for i, _ in wanted}
    return [i for i in range(len(keys)) if i not in found]


@dataclass(frozen=True)
class Units:
    """The texts a build needs vectors for, in order (each new chunk's own text, then its windows'),
    their cache keys, the vectors as they are filled in, and where each chunk's own text stands (the
    rest are windows)."""

    texts: list[str]
    keys: list[str]
    vectors: np.ndarray
    chunk_at: frozenset[int]

    @classmethod
    def of(cls, parts: Sequence[list[str]], dim: int) -> Units:
        """For chunks' texts, each a chunk's own text then its windows' (``passage_texts``)."""
        texts = [t for p in parts for t in p]
        starts = itertools.accumulate((len(p) for p in parts[:-1]), initial=0) if parts else ()
        return cls(
            texts, [text_key(t) for t in texts], np.empty((len(texts), dim), np.float32), frozenset(starts)
        )


def fill_missing(
    units: Units, missing: Sequence[int], embedder: Embedder, cache: EmbeddingCache, *, progress: bool
) -> tuple[int, float]:
    """Fill ``units.vectors[missing]`` from the cache, else the model (caching each batch at once);
    return how many texts the model embedded, and the seconds it took. A text repeated in the
    archive is embedded once.
    """
    vectors, keys, texts, chunk_at = units.vectors, units.keys, units.texts, units.chunk_at
    cached = cache.get(keys[i] for i in missing)
    todo: dict[str, list[int]] = {}
    for i in missing:
        if keys[i] in cached:
            vectors[i] = cached[keys[i]]
        else:
            todo.setdefault(keys[i], []).append(i)
    # Longest first, so that each batch holds texts of about one length: a batch is padded to its
    # longest text, and chunks then windows in page order cost 1.6 times the token positions
    # (docs/benchmarks.md).
    order = sorted(todo, key=lambda k: -len(texts[todo[k][0]]))

    def store(start: int, batch: np.ndarray) -> None:
        batch_keys = order[start : start + len(batch)]
        cache.put(batch_keys, batch)
        for k, v in zip(batch_keys, batch, strict=True):
            vectors[todo[k]] = v
        crash_point("embedding")

    if not order:
        return 0, 0.0
    new_chunks = sum(1 for k in order if todo[k][0] in chunk_at)
    what = f"embedding {new_chunks} chunks, {len(order) - new_chunks} windows"
    started = time.monotonic()
    embed_texts([texts[todo[k][0]] for k in order], embedder, progress=progress, on_batch=store, desc=what)
    return len(order), time.monotonic() - started


def embed_texts(
    texts: Sequence[str],
    embedder: Embedder,
    *,
    progress: bool = False,
    on_batch: Callable[[int, np.ndarray], None] | None = None,
    desc: str = "embedding",
) -> np.ndarray:
    """(len(texts), dim) float32 embeddings, in batches; ``on_batch(start, vectors)`` sees each one.

    The progress bar counts characters embedded, which is what the time goes with (a chunk is five
    windows' worth), so its rate and time left hold while lengths change.
    """
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    out: np.ndarray | None = None
    total = sum(len(t) for t in texts)
    with tqdm(total=total, unit="char", unit_scale=True, desc=desc, disable=not progress) as bar:
        for i in range(0, len(texts), BATCH_SIZE):
            batch = list(texts[i : i + BATCH_SIZE])
            vectors = np.asarray(embedder.embed_documents(batch), dtype=np.float32)
            if out is None:
                out = np.empty((len(texts), embedder.dim), dtype=np.float32)
            if vectors.shape != (len(batch), out.shape[1]):
                raise ValueError(
                    f"embedder returned shape {vectors.shape} for {len(batch)} texts, "
                    f"expected ({len(batch)}, {out.shape[1]})"
                )
            out[i : i + len(batch)] = vectors
            if on_batch is not None:
                on_batch(i, vectors)
            bar.update(sum(len(t) for t in batch))
    assert out is not None
    return out
