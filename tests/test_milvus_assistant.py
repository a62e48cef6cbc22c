"""The assistant over a Milvus store (Lite): the same answers as over the local folder, question
for question (the top passage, the verdict); the command line with --milvus; and the web API
answering a JSON error while the store's server is gone, then recovering when it returns."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from workspace import CORPUS, REPO, child_env

from assistant import Assistant
from assistant.faces.web import create_app
from index import HashEmbedder, Settings, build

EMBEDDER = HashEmbedder()
QUESTIONS = [
    "嘉善有几家单位获评全国工人先锋号？",
    "安吉评出来的工匠里，哪一位是做白茶炒制的？",
    "绍兴有几家单位获评全国工人先锋号？",
    "How many units in Jiashan were named national Worker Pioneer?",
    "杭工e家是什么？",
    "什么是量子引力？",
]


@pytest.fixture(scope="module")
def where(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("milvus-assistant")
    shutil.copytree(CORPUS, where / "corpus")
    for s in settings(where, ""), settings(where, str(where / "x.db")):
        build(s, EMBEDDER)
    return where


def settings(where: Path, milvus: str) -> Settings:
    return Settings(corpus=(where / "corpus",), index_dir=where / "ix", model="hash", cache_dir=where,
                    milvus=milvus)  # fmt: skip


@pytest.fixture(scope="module")
def both(where: Path) -> Iterator[tuple[Assistant, Assistant]]:
    with (
        Assistant.open(embedder=EMBEDDER, settings=settings(where, "")) as local,
        Assistant.open(embedder=EMBEDDER, settings=settings(where, str(where / "x.db"))) as lite,
    ):
        yield local, lite


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_same_answer_on_both_stores(both: tuple[Assistant, Assistant], question: str) -> None:
    local, lite = (a.search(question, 5) for a in both)
    assert (lite.found, lite.reason, lite.unmatched) == (local.found, local.reason, local.unmatched)
    assert lite.confidence == pytest.approx(local.confidence, abs=1e-4)
    assert [(h.text, round(h.score, 3)) for h in lite.hits[:1]] == [
        (h.text, round(h.score, 3)) for h in local.hits[:1]
    ]
    assert [h.text for h in lite.hits] == [h.text for h in local.hits]


def test_filters_and_newest_on_both_stores(both: tuple[Assistant, Assistant]) -> None:
    local, lite = both
    for options in ({"sources": ["002_", "004_"]}, {"since": "2030-01-01"}, {"order": "newest"}):
        a, b = (x.search(QUESTIONS[0], 5, **options) for x in (local, lite))  # type: ignore[arg-type]
        assert [h.text for h in a.hits] == [h.text for h in b.hits] and a.reason == b.reason
    assert lite.search(QUESTIONS[0], 5, since="2030-01-01").reason == "filtered"


def test_ask_from_the_command_line(where: Path, tmp_path: Path) -> None:
    # A database of its own: the module's is open in this process (Lite serves one at a time).
    build(settings(where, str(tmp_path / "own.db")), EMBEDDER)
    ask = [sys.executable, "-m", "assistant", "ask", QUESTIONS[0], "--json", "-k", "3"]
    done = subprocess.run(
        [*ask, "--milvus", str(tmp_path / "own.db")],
        capture_output=True, text=True, encoding="utf-8", cwd=REPO, env=child_env(), timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["hits"][0]["source"] == "002_b66ab0af8ed20314.txt" and result["found"] is True


def test_the_api_answers_json_while_the_store_is_gone_and_recovers(where: Path) -> None:
    from pymilvus.exceptions import MilvusException

    with Assistant.open(embedder=EMBEDDER, settings=settings(where, str(where / "x.db"))) as assistant:
        client = TestClient(create_app(assistant))
        ok = client.get("/api/search", params={"q": QUESTIONS[0], "k": 2})
        assert ok.status_code == 200
        store = assistant.index.client  # type: ignore[attr-defined]
        real = store.raw

        class Gone:
            def __getattr__(self, name: str) -> object:
                def fail(*args: object, **kwargs: object) -> None:
                    raise MilvusException(code=2, message="Fail connecting to server on 127.0.0.1:19530")

                return fail

        store.raw = Gone()
        store.reconnect = lambda: None  # the server is still gone
        gone = client.get("/api/search", params={"q": QUESTIONS[0], "k": 2})
        assert gone.status_code == 503
        message = f"no Milvus server answers at {where / 'x.db'}; start it, or check the address "
        assert gone.json() == {"error": message + "(--milvus, NEWS_ASSISTANT_MILVUS)"}
        store.raw = real
        store.broken = False
        back = client.get("/api/search", params={"q": QUESTIONS[0], "k": 2})
        assert back.status_code == 200 and back.json() == ok.json()
