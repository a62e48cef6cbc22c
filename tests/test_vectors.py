"""The vector store on random vectors (as txtai tests FAISS): each kind against exact search, with
windows folded into their passages, restricted to a few passages, after removals, saved and loaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.store import _vectors
from index.store._vectors import (
    FlatStore,
    IvfStore,
    VectorStore,
    cells_for,
    create_store,
    kind_for,
    open_store,
)

DIM = 32
KINDS = ["flat", "ivf"]


def unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def clustered(rng: np.random.Generator, n: int) -> np.ndarray:
    """Vectors around 200 centres, as real embeddings cluster by topic: IVF's cells then mean something."""
    centres = unit(rng.normal(size=(200, DIM)))
    return unit(centres[rng.integers(200, size=n)] + 0.1 * rng.normal(size=(n, DIM)))


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    """20,000 vectors in passages of 1 to 6 vectors each (a chunk and up to five windows)."""
    rng = np.random.default_rng(0)
    counts = rng.integers(1, 7, size=6000)
    return clustered(rng, int(counts.sum())), counts


@pytest.fixture(scope="module")
def stores(data: tuple[np.ndarray, np.ndarray]) -> dict[str, tuple[VectorStore, np.ndarray]]:
    vectors, counts = data
    return {kind: create_store(vectors, counts, DIM, kind) for kind in KINDS}


def best_per_passage(vectors: np.ndarray, counts: np.ndarray, q: np.ndarray) -> np.ndarray:
    owner = np.repeat(np.arange(len(counts)), counts)
    best = np.full(len(counts), -np.inf)
    np.maximum.at(best, owner, vectors @ q)
    return best


def queries(n: int, seed: int = 1) -> np.ndarray:
    return clustered(np.random.default_rng(seed), n)


def test_the_kind_follows_the_size(monkeypatch: pytest.MonkeyPatch, stores: dict) -> None:
    assert kind_for(_vectors.FLAT_MAX_VECTORS) == "flat" and kind_for(_vectors.FLAT_MAX_VECTORS + 1) == "ivf"
    ivf = stores["ivf"][0]
    assert isinstance(ivf, IvfStore) and ivf.nlist == cells_for(ivf.vector_count) and ivf.nprobe < ivf.nlist
    assert ivf.params() == {"kind": "ivf", "codec": "fp16", "nlist": ivf.nlist, "nprobe": ivf.nprobe,
                            "trained": ivf.vector_count}  # fmt: skip
    monkeypatch.setattr(_vectors, "FLAT_MAX_VECTORS", 100)
    store, _ = create_store(unit(np.ones((101, DIM))), [1] * 101, DIM)
    assert isinstance(store, IvfStore)
    assert not store.suits(40) and store.suits(101) and not store.suits(101 * 5)
    assert FlatStore.empty(DIM).suits(100) and not FlatStore.empty(DIM).suits(101)


@pytest.mark.parametrize("kind", KINDS)
def test_search_folds_windows_into_passages(kind: str, data: tuple, stores: dict) -> None:
    vectors, counts = data
    store, keys = stores[kind]
    assert len(store) == len(counts) and store.vector_count == len(vectors)
    recall = []
    for q in queries(50):
        best = best_per_passage(vectors, counts, q)
        found = store.search(q, 10)
        assert len(found) == 10 and len({k for k, _ in found}) == 10
        assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
        exact = set(keys[np.argsort(-best)[:10]].tolist())
        recall.append(len(exact & {k for k, _ in found}) / 10)
        # Every score is the passage's best vector's (to fp16's precision for ivf).
        position = {int(k): i for i, k in enumerate(keys)}
        assert np.allclose([s for _, s in found], best[[position[k] for k, _ in found]], atol=2e-3)
    assert np.mean(recall) == 1.0 if kind == "flat" else np.mean(recall) > 0.9


@pytest.mark.parametrize("kind", KINDS)
def test_a_restriction_to_three_passages_returns_those_three(kind: str, data: tuple, stores: dict) -> None:
    vectors, counts = data
    store, keys = stores[kind]
    rng = np.random.default_rng(2)
    for q in queries(20, seed=3):
        chosen = rng.choice(len(store), 3, replace=False)
        allowed = np.zeros(len(store), dtype=bool)
        allowed[chosen] = True
        found = store.search(q, 10, allowed)
        assert sorted(k for k, _ in found) == sorted(keys[chosen].tolist())
        best = best_per_passage(vectors, counts, q)[chosen]
        assert [k for k, _ in found] == keys[chosen][np.argsort(-best)].tolist()
        assert store.search(q, 2, allowed) == found[:2]
    assert store.search(queries(1)[0], 10, np.zeros(len(store), dtype=bool)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_restriction_to_a_share_finds_the_best_allowed(kind: str, data: tuple, stores: dict) -> None:
    vectors, counts = data
    store, keys = stores[kind]
    rng = np.random.default_rng(4)
    allowed = rng.random(len(store)) < 0.02  # about 120 passages
    hits = []
    for q in queries(30, seed=5):
        found = store.search(q, 10, allowed)
        assert len(found) == 10 and all(allowed[store.positions(np.array([k]))[0]] for k, _ in found)
        best = np.where(allowed, best_per_passage(vectors, counts, q), -np.inf)
        hits.append(found[0][0] == keys[int(np.argmax(best))])
    assert all(hits) if kind == "flat" else np.mean(hits) > 0.9


@pytest.mark.parametrize("kind", KINDS)
def test_similarity_is_the_best_vector_of_each_passage(kind: str, data: tuple, stores: dict) -> None:
    vectors, counts = data
    store, keys = stores[kind]
    q = queries(1, seed=6)[0]
    best = best_per_passage(vectors, counts, q)
    some = [5, 4000, 17, 5999]
    assert np.allclose(store.similarity(q, keys[some]), best[some], atol=2e-3)
    assert store.similarity(q, []).shape == (0,)


@pytest.mark.parametrize("kind", KINDS)
def test_vectors_read_back(kind: str, data: tuple, stores: dict) -> None:
    vectors, counts = data
    store, keys = stores[kind]
    starts = np.concatenate([[0], np.cumsum(counts)])
    want = np.concatenate([vectors[starts[i] : starts[i + 1]] for i in (7, 3)])
    got = store.vectors(keys[[7, 3]])
    assert got.shape == want.shape
    assert np.array_equal(got, want) if kind == "flat" else np.allclose(got, want, atol=1e-3)


@pytest.mark.parametrize("kind", KINDS)
def test_removed_passages_are_gone_and_new_ones_found(kind: str, data: tuple, tmp_path: Path) -> None:
    vectors, counts = data
    store, keys = create_store(vectors, counts, DIM, kind)
    gone = keys[::2]
    store.remove(gone)
    assert len(store) == len(keys) - len(gone)
    assert store.vector_count == int(counts[1::2].sum())
    with pytest.raises(KeyError):
        store.remove(gone[:1])
    for q in queries(10, seed=7):
        assert not {k for k, _ in store.search(q, 50)} & set(gone.tolist())
    # A passage added now is found by its own vector, under a key never used before.
    fresh = unit(np.random.default_rng(8).normal(size=(3, DIM)))
    (new,) = store.add(fresh, [3])
    assert new > keys.max()
    assert store.search(fresh[1], 1)[0][0] == new
    # Saved and opened again, it answers the same.
    store.save(tmp_path)
    again = open_store(tmp_path, store.params())
    assert type(again) is type(store) and again.params() == store.params()
    assert np.array_equal(again.keys, store.keys) and np.array_equal(again.counts, store.counts)
    for q in queries(5, seed=9):
        assert again.search(q, 10) == store.search(q, 10)


def test_bad_input_to_the_store() -> None:
    store, keys = create_store(unit(np.ones((4, DIM))), [2, 2], DIM, "flat")
    with pytest.raises(ValueError, match="dimensions"):
        store.search(np.ones(DIM + 1), 1)
    with pytest.raises(ValueError, match="allowed mask"):
        store.search(unit(np.ones(DIM)), 1, np.ones(3, dtype=bool))
    with pytest.raises(ValueError, match="4 vectors for passages of 3"):
        store.add(unit(np.ones((4, DIM))), [1, 2])
    with pytest.raises(KeyError):
        store.similarity(unit(np.ones(DIM)), [1])
    with pytest.raises(ValueError, match="kind 'hnsw'"):
        open_store(Path("."), {"kind": "hnsw"})
    with pytest.raises(ValueError, match="no vector store of kind"):
        create_store(unit(np.ones((4, DIM))), [4], DIM, "hnsw")
    found = store.search(unit(np.ones(DIM)), 5)  # k beyond the passages: both, once each
    assert sorted(k for k, _ in found) == [0, 2] and np.allclose([s for _, s in found], 1.0)
