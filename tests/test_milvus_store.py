"""The Milvus store's own guarantees, on Milvus Lite: one-line errors for each way it can fail, a
build killed at any moment (SIGKILL) leaving every question answered as before and the next build
recovering, export of a local index without embedding, and readers following a build."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from workspace import CORPUS, REPO, child_env

from index import (
    CollectionNotFound,
    HashEmbedder,
    IndexIncompatible,
    Settings,
    StoreLocked,
    StoreRefused,
    StoreUnreachable,
    build,
    one_line,
    store_for,
)
from index.store._milvus_client import store_error

EMBEDDER = HashEmbedder()
QUESTIONS = {
    "嘉善县总工会怎样创建“工人先锋号”？": "002_b66ab0af8ed20314.txt",
    "安吉评出来的工匠里，哪一位是做白茶炒制的？": "000_1e559e3fc737a720.txt",
    "鹿城区外卖骑手的暖蜂驿站": "new.txt",
}
NEW_PAGE = (
    "\n温州鹿城区总工会 为外卖骑手建起“暖蜂驿站”\n\n本报讯 近日，温州市鹿城区总工会在五马街道建成首个"
    "“暖蜂驿站”，为外卖骑手和快递小哥提供休息、充电、饮水和应急药品等服务。\n"
)


def lite(where: Path, **more: object) -> Settings:
    return Settings(
        corpus=(where / "corpus",),
        index_dir=where / "ix",
        model="hash",
        cache_dir=where,
        milvus=str(where / "x.db"),
        **more,
    )  # type: ignore[arg-type]


def answers(s: Settings) -> dict[str, str]:
    """Each question's best passage's source, by the dense and the lexical leg."""
    with store_for(s) as store:
        out = {}
        for q in QUESTIONS:
            dense = store.dense_top(EMBEDDER.embed_query(q), 1)
            out[q] = store.passages([dense[0][0]])[0][0].source
        return out


@pytest.fixture(scope="module")
def seeded_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("lite-seed")
    shutil.copytree(CORPUS, where / "corpus")
    build(lite(where), EMBEDDER)
    return where


@pytest.fixture
def seeded(seeded_once: Path, tmp_path: Path) -> Path:
    """The seed corpus built into a Lite database, copied (a closed Lite database is a folder)."""
    for part in ("corpus", "x.db"):
        shutil.copytree(seeded_once / part, tmp_path / part)
    return tmp_path


def run_build(where: Path, **env: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        "-m",
        "index",
        "build",
        "--model",
        "hash",
        "--corpus",
        str(where / "corpus"),
        "--index-dir",
        str(where / "ix"),
        "--milvus",
        str(where / "x.db"),
    ]
    return subprocess.run(
        cmd, capture_output=True, text=True, encoding="utf-8", cwd=REPO, env=child_env(env), timeout=300
    )


@pytest.mark.parametrize("point", ["embedding", "writing", "before-switch", "after-switch"])
def test_killed_build_leaves_every_question_answered_and_the_next_recovers(seeded: Path, point: str) -> None:
    before = answers(lite(seeded))
    (seeded / "corpus" / "new.txt").write_text(NEW_PAGE, encoding="utf-8")
    lines = [
        json.dumps(
            {"id": i, "title": f"第{i}期职工讲堂", "text": f"第{i}期职工讲堂讲授安全生产知识。"},
            ensure_ascii=False,
        )
        for i in range(1200)
    ]
    (seeded / "corpus" / "talks.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    killed = run_build(seeded, NEWS_ASSISTANT_CRASH_AT=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    after = answers(lite(seeded))
    if point == "after-switch":  # killed once the new generation was live: it answers
        assert after == before | {"鹿城区外卖骑手的暖蜂驿站": "new.txt"}
    else:
        assert after == before
        with store_for(lite(seeded)) as store:
            assert "new.txt" not in store.manifest.files

    done = run_build(seeded)
    assert done.returncode == 0, done.stderr
    assert "Note: an earlier build (pid " in done.stdout
    assert answers(lite(seeded))["鹿城区外卖骑手的暖蜂驿站"] == "new.txt"
    with store_for(lite(seeded)) as store:
        assert store.manifest.counts["chunks"] == len(store) == store.count()
        assert store.manifest.files.keys() >= {"new.txt", "talks.jsonl"}
        assert [b.state for b in store.state.builds] == ["cleaned"]  # type: ignore[attr-defined]


def test_readers_follow_a_build(seeded: Path) -> None:
    with store_for(lite(seeded)) as store:
        assert store.newer_version() is None
        (seeded / "corpus" / "new.txt").write_text(NEW_PAGE, encoding="utf-8")
        build(lite(seeded), EMBEDDER)
        assert store.newer_version() is not None
        assert "new.txt" not in store.manifest.files  # this view keeps answering as it was
        fresh = store.reopen()
        assert "new.txt" in fresh.manifest.files and fresh.newer_version() is None
        fresh.close()


def test_export_copies_a_local_index_without_embedding(tmp_path: Path, seeded: Path) -> None:
    local = Settings(corpus=(seeded / "corpus",), index_dir=seeded / "local", model="hash", cache_dir=seeded)
    build(local, EMBEDDER)
    target = local.with_(milvus=str(tmp_path / "exported.db"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "index",
            "export",
            "--index-dir",
            str(local.index_dir),
            "--milvus",
            target.milvus,
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        env=child_env(),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert answers(target) == {q: s for q, s in answers(lite(seeded)).items()}
    with store_for(local) as a, store_for(target) as b:
        assert a.manifest.files == b.manifest.files and a.manifest.counts == b.manifest.counts
        assert a.manifest.model == b.manifest.model
        # The hub scores go with the vectors, passage for passage.
        assert b.manifest.hubness == a.manifest.hubness != {}
        ids_a = [i for i, _ in a.dense_top(EMBEDDER.embed_query("嘉善"), 8)]
        ids_b = [i for i, _ in b.dense_top(EMBEDDER.embed_query("嘉善"), 8)]
        hubs_a = dict(
            zip([(c.source, c.start) for c, _ in a.passages(ids_a)], a.hub_scores(ids_a), strict=True)
        )
        hubs_b = dict(
            zip([(c.source, c.start) for c, _ in b.passages(ids_b)], b.hub_scores(ids_b), strict=True)
        )
        assert hubs_a.keys() == hubs_b.keys() and all(hubs_a[k] != 0 for k in hubs_a)
        assert all(hubs_a[k] == pytest.approx(hubs_b[k], abs=1e-6) for k in hubs_a)
    back = Settings(index_dir=tmp_path / "back", milvus=target.milvus)
    from index.build import export_from_milvus

    export_from_milvus(back)
    assert answers(back.with_(milvus="")) == answers(target)


def test_missing_collection(tmp_path: Path) -> None:
    with pytest.raises(CollectionNotFound) as e:
        store_for(lite(tmp_path))
    assert one_line(e.value) == (
        f"no collection news in {tmp_path / 'x.db'}; build it with: "
        f"python -m index build --milvus {tmp_path / 'x.db'}"
    )
    assert not (tmp_path / "x.db").exists()  # asking did not create it


def test_collection_of_another_model_or_dimension(seeded: Path) -> None:
    with store_for(lite(seeded)) as store, pytest.raises(IndexIncompatible) as e:
        store.check_embedder(HashEmbedder(dim=128))
    assert "was built with hash-bigram-256" in str(e.value) and "--collection NEW_NAME" in str(e.value)
    with pytest.raises(IndexIncompatible, match="this build uses hash-bigram-128"):
        build(lite(seeded), HashEmbedder(dim=128))


def test_unreachable_server() -> None:
    with pytest.raises(StoreUnreachable) as e:
        store_for(Settings(milvus="http://127.0.0.1:9"))
    assert one_line(e.value) == (
        "no Milvus server answers at http://127.0.0.1:9; start it, or check the address (--milvus, "
        "NEWS_ASSISTANT_MILVUS)"
    )


def test_wrong_token_is_named() -> None:
    from pymilvus.exceptions import MilvusException

    refused = MilvusException(code=1800, message="user hasn't authenticated")
    error = store_error(refused, "http://127.0.0.1:19530", "news")
    assert isinstance(error, StoreRefused)
    assert (
        str(error)
        == "the Milvus server at http://127.0.0.1:19530 refuses the token; set MILVUS_TOKEN to a valid one"
    )


def test_a_lite_database_held_by_another_process(seeded: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from index import Settings, store_for; "
            f"s = store_for(Settings(milvus={str(seeded / 'x.db')!r})); "
            "print('open', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=child_env(),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        with pytest.raises(StoreLocked) as e:
            store_for(lite(seeded))
        assert one_line(e.value).startswith(
            f"the Milvus Lite database {seeded / 'x.db'} is open in another process"
        )
        done = run_build(seeded)
        assert done.returncode == 2 and done.stderr.startswith("error: the Milvus Lite database ")
        assert len(done.stderr.splitlines()) == 1
    finally:
        holder.communicate("", timeout=60)


def test_a_full_build_writes_every_source_again_and_answers_the_same(seeded: Path) -> None:
    before = answers(lite(seeded))
    report = build(lite(seeded), EMBEDDER, full=True)
    assert report.written and report.updated == sorted(p.name for p in (seeded / "corpus").iterdir())
    assert report.embedded == 0  # every vector was in the store already
    assert answers(lite(seeded)) == before
    with store_for(lite(seeded)) as store:
        assert len(store) == store.count() == store.manifest.counts["chunks"]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("NEWS_ASSISTANT_MILVUS", "milvus.example", "must be a Milvus Lite file ending in .db or a server"),
        ("NEWS_ASSISTANT_COLLECTION", "news-2", "must be a letter or _ then up to 120 letters, digits or _"),
        ("NEWS_ASSISTANT_MILVUS_INDEX", "IVF_PQ", "NEWS_ASSISTANT_MILVUS_INDEX must be one of FLAT, HNSW"),
    ],
)
def test_bad_milvus_settings_are_one_line(tmp_path: Path, variable: str, value: str, message: str) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    cmd = [sys.executable, "-m", "index", "build", "--model", "hash", "--corpus", str(tmp_path / "corpus"),
           "--index-dir", str(tmp_path / "ix")]  # fmt: skip
    if variable != "NEWS_ASSISTANT_MILVUS":
        cmd += ["--milvus", str(tmp_path / "x.db")]
    done = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", cwd=REPO,
                          env=child_env({variable: value}), timeout=300)  # fmt: skip
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
    assert message in done.stderr
