"""What keeps builds and questions cheap, with fakes: questions asked together share one pass, a
build that embeds nothing never asks for the model, the embedding cache is pruned, and the build
embeds texts longest first with a progress bar that counts what it says."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from workspace import settings

from index import HashEmbedder, build, load, make_embedder
from index.build._vectors import BATCH_SIZE, embed_texts
from index.embed import QueryBatcher
from index.embed._cache import CACHE_FILE, KEEP_BUILDS, EmbeddingCache, text_key

NEW_PAGE = "新闻标题\n\n本报讯 海盐县总工会举办职工运动会。共有300名职工参加了比赛。\n"

# ----------------------------------------------------------------------------- query batching


class SlowBatches:
    """Encodes a list of texts in one 'pass' that takes ``seconds``, recording each batch."""

    def __init__(self, seconds: float = 0.05, fail_on: str | None = None) -> None:
        self.seconds = seconds
        self.fail_on = fail_on
        self.batches: list[list[str]] = []
        self._fake = HashEmbedder()

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        time.sleep(self.seconds)
        if self.fail_on in texts:
            raise RuntimeError("model failed")
        return np.stack([self._fake.embed_query(t) for t in texts])


def ask_together(batcher: QueryBatcher, questions: Sequence[str]) -> dict[str, object]:
    """Each question from its own thread, all at once; each thread's vector or error."""
    got: dict[str, object] = {}
    start = threading.Barrier(len(questions))

    def one(q: str) -> None:
        start.wait()
        try:
            got[q] = batcher(q)
        except RuntimeError as e:
            got[q] = e

    threads = [threading.Thread(target=one, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return got


def test_questions_asked_together_share_passes_and_get_their_own_vectors() -> None:
    encode = SlowBatches()
    questions = [f"问题{i}：嘉善有几家单位获评工人先锋号？" for i in range(20)]
    got = ask_together(QueryBatcher(encode), questions)
    fake = HashEmbedder()
    for q in questions:
        assert np.allclose(got[q], fake.embed_query(q))  # type: ignore[arg-type]
    # The first pass starts with whoever came first; the rest queue behind it and go together.
    assert len(encode.batches) < len(questions) / 2
    assert sorted(q for b in encode.batches for q in b) == sorted(questions)


def test_a_question_alone_is_one_pass_of_one_and_does_not_wait() -> None:
    encode = SlowBatches(seconds=0.0)
    batcher = QueryBatcher(encode)
    for q in ["第一个问题", "第二个问题"]:
        assert np.allclose(batcher(q), HashEmbedder().embed_query(q))
    assert encode.batches == [["第一个问题"], ["第二个问题"]]


def test_batches_are_capped() -> None:
    encode = SlowBatches()
    got = ask_together(QueryBatcher(encode, limit=3), [f"q{i}" for i in range(10)])
    assert len(got) == 10 and max(len(b) for b in encode.batches) <= 3


def test_a_failed_pass_fails_its_own_questions_only_and_the_batcher_goes_on() -> None:
    encode = SlowBatches(fail_on="bad")
    batcher = QueryBatcher(encode)
    with pytest.raises(RuntimeError, match="model failed"):
        batcher("bad")
    assert np.allclose(batcher("good"), HashEmbedder().embed_query("good"))  # not stuck
    got = ask_together(batcher, ["bad", *(f"q{i}" for i in range(6))])
    assert isinstance(got["bad"], RuntimeError)
    together = [b for b in encode.batches if "bad" in b][-1]
    for q in (f"q{i}" for i in range(6)):  # only those that shared the failed pass fail
        assert isinstance(got[q], RuntimeError) == (q in together)


def test_the_real_embedders_route_questions_through_a_batcher(tmp_path: Path) -> None:
    for backend in ("onnx", "torch"):  # nothing is loaded: the constructors are lazy
        assert isinstance(make_embedder("", tmp_path, backend)._queries, QueryBatcher)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="backend must be one of onnx, torch"):
        make_embedder("", tmp_path, "tensorflow")


# ----------------------------------------------------------------------------- no model needed


class NoModel(HashEmbedder):
    """Has an identity, but touching the model (its dimension or an embedding) fails the test."""

    @property
    def dim(self) -> int:
        raise AssertionError("the model was asked for")

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        raise AssertionError("the model was asked to embed")

    def embed_query(self, text: str) -> np.ndarray:
        raise AssertionError("the model was asked to embed")


def test_a_rebuild_with_nothing_changed_or_a_removal_never_asks_for_the_model(work: Path) -> None:
    assert not build(settings(work), NoModel()).written
    (work / "corpus" / "000_1e559e3fc737a720.txt").unlink()
    report = build(settings(work), NoModel())
    assert report.written and report.removed == ["000_1e559e3fc737a720.txt"] and report.embedded == 0
    assert load(work / "ix").manifest.files.keys() == report_files(work)


def report_files(work: Path) -> set[str]:
    return {p.name for p in (work / "corpus").iterdir()}


def test_new_text_does_ask_for_the_model(work: Path) -> None:
    (work / "corpus" / "new.txt").write_text(NEW_PAGE, encoding="utf-8")
    with pytest.raises(AssertionError, match="the model was asked"):
        build(settings(work), NoModel())


def test_the_build_reports_where_its_time_goes(work: Path) -> None:
    (work / "corpus" / "new.txt").write_text(NEW_PAGE, encoding="utf-8")
    report = build(settings(work), HashEmbedder())
    steps = [
        "read, chunk, take over",
        "tokenise",
        "reuse vectors",
        "embedding cache",
        "encode",
        "hub scores",
        "write",
    ]
    assert list(report.phases)[: len(steps)] == steps and "prune cache" in report.phases
    assert all(s >= 0 for s in report.phases.values())
    assert sum(report.phases.values()) <= report.seconds + 0.01
    assert report.phases["encode"] == report.embed_seconds


# ----------------------------------------------------------------------------- embedding order, progress


class Recording(HashEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return super().embed_documents(texts)


def test_the_build_embeds_longest_first_so_batches_hold_one_length(tmp_path: Path) -> None:
    embedder = Recording()
    report = build(settings_for(tmp_path), embedder)
    lengths = [len(t) for b in embedder.batches for t in b]
    assert lengths == sorted(lengths, reverse=True)
    assert sum(map(len, embedder.batches)) == report.embedded
    assert all(len(b) <= BATCH_SIZE for b in embedder.batches)


def settings_for(tmp_path: Path):  # type: ignore[no-untyped-def]
    from workspace import CORPUS

    return settings(tmp_path).with_(corpus=(CORPUS,))


def test_the_progress_bar_counts_characters_of_chunks_and_windows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = ["甲" * 300, "乙" * 40, "丙" * 60]
    vectors = embed_texts(texts, HashEmbedder(), progress=True, desc="embedding 1 chunks, 2 windows")
    assert vectors.shape == (3, HashEmbedder().dim)
    bar = capsys.readouterr().err.strip().splitlines()[-1]
    assert "embedding 1 chunks, 2 windows" in bar and "400/400" in bar and "char" in bar
    assert embed_texts([], HashEmbedder()).shape == (0, HashEmbedder().dim)


# ----------------------------------------------------------------------------- pruning the cache


def cached_keys(index_dir: Path) -> set[str]:
    con = sqlite3.connect(index_dir / CACHE_FILE)
    try:
        return {k for (k,) in con.execute("SELECT text_sha256 FROM vectors")}
    finally:
        con.close()


def live_keys(index_dir: Path) -> set[str]:
    from index.split import windows

    ix = load(index_dir)
    try:
        return {text_key(t) for c in map(ix.chunk, range(len(ix))) for t in [c.embed_text, *windows(c)]}
    finally:
        ix.close()


def test_cache_keeps_live_text_and_recently_removed_text_only(work: Path) -> None:
    page = work / "corpus" / "new.txt"
    page.write_text(NEW_PAGE, encoding="utf-8")
    build(settings(work), HashEmbedder())
    added = live_keys(work / "ix")
    assert cached_keys(work / "ix") >= added
    page.unlink()
    build(settings(work), HashEmbedder())
    gone = added - live_keys(work / "ix")
    assert gone and cached_keys(work / "ix") >= gone  # removed a build ago: kept, in case it returns
    other = work / "corpus" / "other.txt"
    notes = []
    for n in range(KEEP_BUILDS):  # builds that each change something, without the page
        other.write_text(f"其他标题\n\n本报讯 第{n}次更新的消息内容在这里。\n", encoding="utf-8")
        notes += build(settings(work), HashEmbedder()).notes
    assert not gone & cached_keys(work / "ix")  # not held for KEEP_BUILDS builds: pruned
    assert cached_keys(work / "ix") >= live_keys(work / "ix")
    assert any("cached vectors of text no longer indexed" in n for n in notes)
    # And the pruned page costs embedding again when it comes back, nothing more.
    other.unlink()
    page.write_text(NEW_PAGE, encoding="utf-8")
    assert build(settings(work), HashEmbedder()).embedded == len(gone)


def test_pruning_keeps_other_models_vectors_of_live_text(work: Path) -> None:
    build(settings(work, "hash-bigram-128"), HashEmbedder(128))
    build(settings(work), HashEmbedder())
    cache = EmbeddingCache(work / "ix" / CACHE_FILE, HashEmbedder(128).identity, 128)
    try:
        assert len(cache.get(live_keys(work / "ix"))) == len(live_keys(work / "ix"))
    finally:
        cache.close()


def test_a_cache_from_before_pruning_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / CACHE_FILE
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE vectors (model TEXT NOT NULL, weights TEXT NOT NULL, text_sha256 TEXT NOT NULL, "
        "vector BLOB NOT NULL, PRIMARY KEY (model, weights, text_sha256))"
    )
    v = np.ones(4, dtype=np.float32)
    con.execute("INSERT INTO vectors VALUES ('m', 'w', 'old', ?)", (v.tobytes(),))
    con.commit()
    con.close()
    cache = EmbeddingCache(path, {"name": "m", "weights_sha256": "w"}, 4)
    try:
        assert np.allclose(cache.get(["old"])["old"], v) and cache.notes == []
        for _ in range(KEEP_BUILDS - 1):
            assert cache.prune([]) == 0
        assert cache.prune([]) == 1
    finally:
        cache.close()


def test_backends_never_share_cached_vectors(tmp_path: Path) -> None:
    torch_like = {"name": "m", "weights_sha256": "w"}
    onnx_like = {**torch_like, "backend": "onnxruntime", "optimisation": "int8"}
    a = EmbeddingCache(tmp_path / CACHE_FILE, torch_like, 4)
    a.put(["t"], np.ones((1, 4), dtype=np.float32))
    b = EmbeddingCache(tmp_path / CACHE_FILE, onnx_like, 4)
    try:
        assert b.get(["t"]) == {} and "t" in a.get(["t"])
    finally:
        a.close()
        b.close()


def test_with_two_lanes_two_passes_run_side_by_side() -> None:
    running = 0
    most = 0
    lock = threading.Lock()
    fake = HashEmbedder()

    def encode(texts: list[str]) -> np.ndarray:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return np.stack([fake.embed_query(t) for t in texts])

    questions = [f"q{i}" for i in range(12)]
    got = ask_together(QueryBatcher(encode, lanes=2), questions)
    assert most == 2
    assert all(np.allclose(got[q], fake.embed_query(q)) for q in questions)  # type: ignore[arg-type]
