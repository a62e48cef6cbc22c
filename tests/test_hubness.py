"""Hub scores (index.build._hubness) and the English dense leg that discounts them
(assistant.core._english): computed at build time, saved, loaded, kept exact by incremental
builds, absent from old indexes without harm, and a hub passage demoted for English questions
only."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from workspace import CORPUS, settings

from assistant import Assistant
from assistant.core import _english
from assistant.core._english import EnglishDense
from index import Filter, HashEmbedder, build, load
from index.build._hubness import (
    PROBE_K,
    held_out_questions,
    hub_entry,
    hub_scores,
    probe_questions,
)
from index.store import MANIFEST, take_over

ENGLISH = "How many units in Jiashan were named national Workers' Pioneer?"
CHINESE = "嘉善有几家单位获评全国工人先锋号？"


class CountingEmbedder(HashEmbedder):
    """The fake model, counting the questions it embeds (the probes are embedded as questions)."""

    def __init__(self) -> None:
        super().__init__()
        self.questions = 0

    def embed_query(self, text: str) -> np.ndarray:
        self.questions += 1
        return super().embed_query(text)


def corpus(where: Path, pages: Sequence[str] | None = None) -> Path:
    (where / "corpus").mkdir(parents=True, exist_ok=True)
    for page in sorted(CORPUS.iterdir()):
        if pages is None or page.name in pages:
            shutil.copy(page, where / "corpus" / page.name)
    return where


def expected(index_dir: Path) -> np.ndarray:
    """Every row's hub score measured anew from the stored vectors and probes, by brute force."""
    with load(index_dir) as loaded:
        probes = np.load(loaded.version / "hubness_probes.npy")
        out = []
        for row in range(len(loaded)):
            key = loaded.store.keys[loaded._place[row]]
            vectors = loaded.store.vectors([key])
            best = (vectors @ probes.T).max(axis=0)
            out.append(np.sort(best)[-PROBE_K:].mean())
        return np.array(out, dtype=np.float32)


def scores(index_dir: Path) -> dict[tuple[str, int], float]:
    """Hub score by passage (source, start), as the loaded index gives them."""
    with load(index_dir) as loaded:
        hubs = loaded.hub_scores(range(len(loaded)))
        rows = loaded.passages(range(len(loaded)))
        return {(c.source, c.start): float(h) for (c, _), h in zip(rows, hubs, strict=True)}


def test_probes_are_generic_templates_apart_from_the_held_out_ones() -> None:
    probes, held = probe_questions(), held_out_questions()
    assert len(probes) == len(set(probes)) == 512
    assert not set(probes) & set(held)
    assert all(q.endswith("?") and q.isascii() for q in probes)


def test_hub_score_is_the_mean_of_the_k_nearest_probes_over_a_passages_best_vector() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(7, 8)).astype(np.float32)
    probes = rng.normal(size=(20, 8)).astype(np.float32)
    counts = [1, 4, 2]
    for k in (3, 20):  # 20: every probe, the plain mean (PROBE_K is every probe)
        got = hub_scores(vectors, counts, probes, k=k)
        at = 0
        for i, n in enumerate(counts):
            best = (vectors[at : at + n] @ probes.T).max(axis=0)
            assert got[i] == pytest.approx(np.sort(best)[-k:].mean(), abs=1e-6)
            at += n
    assert PROBE_K == len(probe_questions())


def test_a_build_saves_hub_scores_that_load_and_match_the_vectors(tmp_path: Path) -> None:
    where = corpus(tmp_path)
    build(settings(where), HashEmbedder())
    with load(where / "ix") as loaded:
        assert loaded.manifest.hubness == hub_entry()
        assert (loaded.version / "hubness.npy").is_file()
        got = loaded.hub_scores(range(len(loaded)))
    assert got.shape == (len(got),) and np.ptp(got) > 0
    np.testing.assert_allclose(got, expected(where / "ix"), atol=1e-5)


def test_incremental_add_and_remove_keep_scores_exact_against_the_same_probes(tmp_path: Path) -> None:
    pages = sorted(p.name for p in CORPUS.iterdir())
    grown = corpus(tmp_path / "grown", pages[:3])
    embedder = CountingEmbedder()
    build(settings(grown), embedder)
    before = scores(grown / "ix")
    asked = embedder.questions
    assert asked >= len(probe_questions())  # the first build embedded the probes

    corpus(grown, pages)  # two pages added
    build(settings(grown), embedder)
    assert embedder.questions == asked  # the new passages were scored against the saved probes
    after = scores(grown / "ix")
    assert {k: after[k] for k in before} == before  # kept passages keep their scores

    fresh = corpus(tmp_path / "fresh", pages)
    build(settings(fresh), HashEmbedder())
    assert after.keys() == scores(fresh / "ix").keys()
    for k, v in scores(fresh / "ix").items():
        assert after[k] == pytest.approx(v, abs=1e-6)
    np.testing.assert_allclose(list(after.values()), expected(grown / "ix"), atol=1e-5)

    (grown / "corpus" / pages[0]).unlink()  # one removed
    build(settings(grown), embedder)
    left = scores(grown / "ix")
    assert left and not any(source == pages[0] for source, _ in left)
    assert left == {k: after[k] for k in left}
    with load(grown / "ix") as loaded:
        assert len(loaded.hub_scores(range(len(loaded)))) == len(loaded)


def _strip_hubness(index_dir: Path) -> None:
    """Make the live version look like one built before hub scores."""
    live = take_over(index_dir)
    version = live.version
    live.close()
    manifest = json.loads((version / MANIFEST).read_text(encoding="utf-8"))
    del manifest["hubness"]
    (version / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    (version / "hubness.npy").unlink()
    (version / "hubness_probes.npy").unlink()


def test_an_index_built_before_hub_scores_loads_and_answers_without_the_discount(tmp_path: Path) -> None:
    where = corpus(tmp_path)
    build(settings(where), HashEmbedder())
    _strip_hubness(where / "ix")
    with load(where / "ix") as loaded:
        assert loaded.manifest.hubness == {}
        assert not loaded.hub_scores([0, 1, 2]).any()
    with Assistant.open(where / "ix", embedder=HashEmbedder()) as assistant:
        assert assistant.search(ENGLISH, k=3).hits
        assert assistant.search(CHINESE, k=3).hits
    # The next build scores every passage, though nothing changed on disk, and embeds nothing.
    report = build(settings(where), HashEmbedder())
    assert report.written and report.embedded == 0 and report.chunks_added == 0
    with load(where / "ix") as loaded:
        assert loaded.manifest.hubness == hub_entry()
    np.testing.assert_allclose(list(scores(where / "ix").values()), expected(where / "ix"), atol=1e-5)


class FakeStore:
    """Three passages: a hub (nearest the question by cosine, but near every English question), the
    right one, and a far one."""

    cosine = {0: 0.80, 1: 0.75, 2: 0.40}
    hubs = {0: 0.60, 1: 0.10, 2: 0.10}

    def dense_top(self, vector: np.ndarray, k: int, where: Filter | None = None) -> list[tuple[int, float]]:
        return sorted(self.cosine.items(), key=lambda rs: -rs[1])[:k]

    def similarity(self, vector: np.ndarray, ids: Sequence[int]) -> np.ndarray:
        return np.array([self.cosine[i] for i in ids], dtype=np.float32)

    def hub_scores(self, ids: Sequence[int]) -> np.ndarray:
        return np.array([self.hubs[i] for i in ids], dtype=np.float32)


QUESTION = np.array([0.0, 1.0])


def test_the_discount_demotes_the_hub() -> None:
    store = FakeStore()
    plain = EnglishDense(hub_weight=0.0).top(store, QUESTION, 3, None)  # type: ignore[arg-type]
    assert [r for r, _ in plain] == [0, 1, 2]
    discounted = EnglishDense(hub_weight=1.0).top(store, QUESTION, 3, None)  # type: ignore[arg-type]
    assert [r for r, _ in discounted] == [1, 2, 0]
    assert dict(discounted)[1] == pytest.approx(0.65)


def test_the_discount_reorders_the_vectors_nearest_pool_only() -> None:
    """A passage outside the pool is not a candidate, however the discount would rank it."""
    store = FakeStore()
    _english.DENSE_POOL, pool = 2, _english.DENSE_POOL
    try:
        rows = EnglishDense(hub_weight=1.0).top(store, QUESTION, 1, None)  # type: ignore[arg-type]
    finally:
        _english.DENSE_POOL = pool
    assert [r for r, _ in rows] == [1]


def test_english_questions_only_are_discounted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where = corpus(tmp_path)
    build(settings(where), HashEmbedder())
    with Assistant.open(where / "ix", embedder=HashEmbedder()) as assistant:
        chinese = [(h.source, h.start) for h in assistant.search(CHINESE, k=5).hits]
        english = assistant.search(ENGLISH, k=5).hits
        top = english[0]
        # Make the English top passage a hub: it falls, the Chinese question's ranking does not move.
        store = assistant.index
        keep = type(store).hub_scores

        def hub(self: object, ids: Sequence[int]) -> np.ndarray:
            out = keep(self, ids)  # type: ignore[arg-type]
            texts = [c for c, _ in store.passages(ids)]
            return np.where([(c.source, c.start) == (top.source, top.start) for c in texts], 10.0, out)

        monkeypatch.setattr(type(store), "hub_scores", hub)
        assert [(h.source, h.start) for h in assistant.search(CHINESE, k=5).hits] == chinese
        moved = [(h.source, h.start) for h in assistant.search(ENGLISH, k=5).hits]
        assert moved[0] != (top.source, top.start)
