"""The vector store across builds: a large index (the IVF store, with the size threshold forced low)
loses a deleted source's passages in place, an index changes kind as it grows or shrinks without
re-embedding, and an index of the previous format is refused, then rebuilt from the embedding cache."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from index import HashEmbedder, IndexIncompatible, Settings, build, load, remove_sources
from index.split import windows
from index.store import FORMAT_VERSION, _vectors

EMBEDDER = HashEmbedder()


def articles(name: str, n: int) -> str:
    lines = (
        {"id": i, "title": f"{name}第{i}期", "date": f"2019-{i % 12 + 1:02d}-01",
         "text": f"{name}工会第{i}期职工夜校今天正式开课，来自全县各行各业的一线职工报名参加了这次学习。"
                 f"夜校讲授{i % 9}门技能课程，包括电工、焊接和数控加工，由劳模和工匠担任讲师。"
                 f"学员结业后可参加{name}技能比武，优胜者将获得县总工会颁发的技能证书和奖金。"}
        for i in range(n)
    )  # fmt: skip
    return "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in lines)


def corpus(where: Path, names: list[str], n: int = 60) -> Settings:
    (where / "corpus").mkdir(exist_ok=True)
    for name in names:
        (where / "corpus" / f"{name}.jsonl").write_text(articles(name, n), encoding="utf-8")
    return Settings(corpus=(where / "corpus",), index_dir=where / "ix", model="hash", cache_dir=where)


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_vectors, "FLAT_MAX_VECTORS", 300)


def test_deleting_a_source_from_a_large_index_removes_its_passages(
    tmp_path: Path, small_threshold: None
) -> None:
    settings = corpus(tmp_path, ["嘉善", "安吉", "鄞州", "绍兴"])
    build(settings, EMBEDDER)
    before = load(settings.index_dir)
    assert before.manifest.vectors["kind"] == "ivf"
    rows = [r for r in range(len(before)) if before.chunk(r).source.startswith("安吉.jsonl#")]
    gone_vectors = sum(1 + len(windows(before.chunk(r))) for r in rows)
    assert rows and gone_vectors > len(rows)  # their windows go too
    question = EMBEDDER.embed_query(before.chunk(rows[0]).embed_text)
    assert before.chunk(before.search(question, 1)[0][0]).source.startswith("安吉.jsonl#")

    assert remove_sources(settings, ["安吉.jsonl"]) == (["安吉.jsonl"], [])
    report = build(settings, EMBEDDER)
    assert report.removed == ["安吉.jsonl"] and report.embedded == 0
    with closing(load(settings.index_dir)) as after:
        # The same IVF store, changed in place: the cells were not fitted again.
        assert after.manifest.vectors == before.manifest.vectors
        assert len(after) == len(before) - len(rows)
        assert after.store.vector_count == before.store.vector_count - gone_vectors
        assert after.manifest.counts["windows"] == after.store.vector_count - len(after)
        kept = {r: before.chunk(r) for r in range(len(before)) if r not in rows}
        assert sorted(after.store.keys) == sorted(before.store.keys[before._place[list(kept)]])
        assert not any(after.chunk(r).source.startswith("安吉") for r in range(len(after)))
        found = after.search(question, len(after))
        assert len(found) == len(after) and not any(
            after.chunk(r).source.startswith("安吉") for r, _ in found
        )
    before.close()
    with Assistant.open(settings.index_dir, embedder=EMBEDDER) as assistant:
        hits = assistant.search("安吉工会职工夜校", k=20).hits
        assert hits and not any(h.source.startswith("安吉") for h in hits)


def test_the_store_changes_kind_with_the_size_without_re_embedding(
    tmp_path: Path, small_threshold: None
) -> None:
    settings = corpus(tmp_path, ["嘉善"], n=40)
    build(settings, EMBEDDER)
    with closing(load(settings.index_dir)) as small:
        assert small.manifest.vectors == {"kind": "flat"} and small.store.vector_count <= 300
        exact = small.vectors()
    corpus(tmp_path, ["安吉", "鄞州", "绍兴"], n=60)
    grown = build(settings, EMBEDDER)
    with closing(load(settings.index_dir)) as large:
        assert large.manifest.vectors["kind"] == "ivf" and large.store.vector_count > 300
        assert grown.embedded == large.store.vector_count - len(exact)  # the old vectors came along
        # 嘉善.jsonl's 40 rows come first; their own vectors are as the flat store held them (to fp16).
        assert np.allclose(large.vectors()[:40], exact[:40], atol=1e-3)
    for name in ["安吉", "鄞州", "绍兴"]:
        (tmp_path / "corpus" / f"{name}.jsonl").unlink()
    shrunk = build(settings, EMBEDDER)
    assert shrunk.embedded == 0
    with closing(load(settings.index_dir)) as small_again:
        assert small_again.manifest.vectors == {"kind": "flat"}
        assert np.allclose(small_again.vectors(), exact, atol=1e-3)


def test_an_index_of_the_previous_format_is_refused_then_rebuilt_from_the_cache(tmp_path: Path) -> None:
    settings = corpus(tmp_path, ["嘉善", "安吉"], n=20)
    build(settings, EMBEDDER)
    version = next(settings.index_dir.glob("v-*"))
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = FORMAT_VERSION - 1
    (version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexIncompatible) as e:
        load(settings.index_dir)
    assert str(e.value) == (
        f"index at {settings.index_dir} has format version {FORMAT_VERSION - 1}, this program reads version "
        f"{FORMAT_VERSION}; rebuild it with: python -m index build --index-dir {settings.index_dir}"
    )
    report = build(settings, EMBEDDER)
    assert report.written and report.embedded == 0  # every vector from embeddings.sqlite
    assert any("cannot be taken over" in n for n in report.notes)
    with closing(load(settings.index_dir)) as ix:
        assert ix.manifest.format_version == FORMAT_VERSION and len(ix) == 40


def test_damaged_vectors_are_rebuilt_from_the_cache(tmp_path: Path) -> None:
    settings = corpus(tmp_path, ["嘉善"], n=20)
    build(settings, EMBEDDER)
    version = next(settings.index_dir.glob("v-*"))
    (version / "vectors" / "index.faiss").write_bytes(b"damaged")
    (tmp_path / "corpus" / "安吉.jsonl").write_text(articles("安吉", 5), encoding="utf-8")
    report = build(settings, EMBEDDER)
    assert any("the existing vectors cannot be taken over" in n for n in report.notes)
    with closing(load(settings.index_dir)) as ix:
        assert len(ix) == 25
        new = [r for r in range(len(ix)) if ix.chunk(r).source.startswith("安吉")]
        assert report.embedded == sum(
            1 + len(windows(ix.chunk(r))) for r in new
        )  # the old ones came from the cache
        assert ix.store.vector_count == len(ix) + ix.manifest.counts["windows"]
