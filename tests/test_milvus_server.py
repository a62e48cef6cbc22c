"""The dense path against a real Milvus server: build, search, filters, add and remove, two builders
at once, readers during a build, the server going away mid-question and coming back.

Runs when MILVUS_TEST_URI names a server; ``bash scripts/milvus_server.sh -- .venv/bin/python -m
pytest tests/test_milvus_server.py`` starts the PyPI ``milvus-server`` (2.3.5, no sparse vectors:
the lexical leg is off there) on loopback for it and sets it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse

import pytest
from loopback_proxy import LoopbackProxy
from material import RARE_DAY
from test_store_backends import QUESTIONS, corpus
from workspace import REPO, child_env

from index import Filter, HashEmbedder, Settings, StoreUnreachable, build, one_line, store_for
from index.store import _milvus_client

URI = os.environ.get("MILVUS_TEST_URI", "")
pytestmark = pytest.mark.skipif(
    not URI,
    reason="no MILVUS_TEST_URI: run it with bash scripts/milvus_server.sh -- .venv/bin/python -m pytest",
)
EMBEDDER = HashEmbedder()
T = TypeVar("T")


@pytest.fixture
def collection() -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:10]}"
    yield name
    client = _milvus_client.connect(URI, name)
    for suffix in ("", "_docs", "_meta", "_stats"):
        if client.has(name + suffix):
            client.drop(name + suffix)
    client.close()


def on_server(where: Path, collection: str, uri: str = URI) -> Settings:
    return Settings(corpus=(where / "corpus",), index_dir=where / "ix", model="hash", cache_dir=where,
                    milvus=uri, collection=collection)  # fmt: skip


def best(s: Settings, question: str, where: Filter | None = None) -> list[str]:
    with store_for(s) as store:
        found = store.dense_top(EMBEDDER.embed_query(question), 3, where)
        return [c.source for c, _ in store.passages([i for i, _ in found])]


def test_build_search_filters_add_remove(tmp_path: Path, collection: str) -> None:
    corpus(tmp_path)
    server, local = on_server(tmp_path, collection), on_server(tmp_path, collection).with_(milvus="")
    local = Settings(corpus=local.corpus, index_dir=tmp_path / "local", model="hash", cache_dir=tmp_path)
    build(server, EMBEDDER)
    build(local, EMBEDDER)
    for q in QUESTIONS:
        assert best(server, q)[0] == best(local, q)[0]
    with store_for(server) as store:
        assert store.count(Filter(since=RARE_DAY, until=RARE_DAY)) == 3
        rare = store.dense_top(EMBEDDER.embed_query(QUESTIONS[3]), 10, Filter(since=RARE_DAY, until=RARE_DAY))
        assert len(rare) == 3
        assert store.vocabulary is None  # no sparse vectors before Milvus 2.4: dense only
    assert set(s[:4] for s in best(server, QUESTIONS[0], Filter(sources=["004_", "001_"]))) <= {
        "004_",
        "001_",
    }
    (tmp_path / "corpus" / "002_b66ab0af8ed20314.txt").unlink()
    report = build(server, EMBEDDER)
    assert report.removed == ["002_b66ab0af8ed20314.txt"]
    assert "002_b66ab0af8ed20314.txt" not in best(server, QUESTIONS[0])


def builder(where: Path, collection: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "index", "build", "--model", "hash", "--corpus", str(where / "corpus"),
           "--index-dir", str(where / "ix"), "--milvus", URI, "--collection", collection]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env=child_env())  # fmt: skip


def test_two_builders_of_different_sources_at_once(tmp_path: Path, collection: str) -> None:
    corpus(tmp_path / "a")
    (tmp_path / "b" / "corpus").mkdir(parents=True)
    for page in sorted((tmp_path / "a" / "corpus").glob("00[34]_*.txt")):
        shutil.move(page, tmp_path / "b" / "corpus" / page.name)
    runs = [builder(tmp_path / "a", collection), builder(tmp_path / "b", collection)]
    results = [r.communicate(timeout=600) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], results
    with store_for(on_server(tmp_path / "a", collection)) as store:
        assert set(store.manifest.files) == {p.name for p in (tmp_path / "a" / "corpus").iterdir()} | {
            p.name for p in (tmp_path / "b" / "corpus").iterdir()
        }
        assert len(store) == store.manifest.counts["chunks"] == store.count()
    # Each builder's next build keeps the other's sources.
    again = builder(tmp_path / "b", collection)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0 and "Nothing changed" in out, err


def test_readers_keep_answering_during_a_build(tmp_path: Path, collection: str) -> None:
    corpus(tmp_path)
    s = on_server(tmp_path, collection)
    build(s, EMBEDDER)
    before = {q: best(s, q)[0] for q in QUESTIONS}
    (tmp_path / "corpus" / "more.txt").write_text("职工书屋新增图书。\n" * 50, encoding="utf-8")
    errors: list[BaseException] = []
    answered: list[dict[str, str]] = []
    stop = threading.Event()

    def ask() -> None:
        with store_for(s) as store:
            while not stop.is_set():
                try:
                    if store.newer_version() is not None:
                        store = store.reopen()
                    got = {}
                    for q in QUESTIONS:
                        found = store.dense_top(EMBEDDER.embed_query(q), 1)
                        got[q] = store.passages([found[0][0]])[0][0].source
                    answered.append(got)
                except BaseException as e:  # noqa: BLE001 - the test reports whatever a reader met
                    errors.append(e)
                    return

    reader = threading.Thread(target=ask)
    reader.start()
    run = builder(tmp_path, collection)
    run.communicate(timeout=600)
    stop.set()
    reader.join(timeout=120)
    assert run.returncode == 0 and not errors, errors
    assert answered and all(a == before for a in answered)


def test_server_going_away_mid_question_and_back(
    tmp_path: Path, collection: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus(tmp_path)
    build(on_server(tmp_path, collection), EMBEDDER)
    monkeypatch.setattr(_milvus_client, "TIMEOUT", 5.0)
    proxy = LoopbackProxy(urlparse(URI).port or 19530)
    try:
        s = on_server(tmp_path, collection, f"http://127.0.0.1:{proxy.port}")
        with store_for(s) as store:
            vector = EMBEDDER.embed_query(QUESTIONS[0])
            first = store.dense_top(vector, 1)
            proxy.cut()
            with pytest.raises(StoreUnreachable) as e:
                store.dense_top(vector, 1)
            assert one_line(e.value).startswith("no Milvus server answers at http://127.0.0.1:")
            proxy.restore()
            assert _answered_again(lambda: store.dense_top(vector, 1)) == first
    finally:
        proxy.close()


def _answered_again(ask: Callable[[], T], within: float = 60.0) -> T:
    """The first answer after the server is back. The reconnection takes a new channel; on a
    loaded machine its first request may still time out, and the question after it is answered."""
    deadline = time.monotonic() + within
    while True:
        try:
            return ask()
        except StoreUnreachable:
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)
