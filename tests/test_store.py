"""The on-disk index: round trip, self-description checked on load, and the atomic version switch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import (
    Chunk,
    Document,
    HashEmbedder,
    IndexCorrupt,
    IndexIncompatible,
    IndexNotFound,
    IndexProblem,
    Manifest,
    UnknownSource,
    load,
)
from index import _store as store

EMBEDDER = HashEmbedder()

DOCS = [
    Document("a.txt", "嘉善县总工会\n\n深耕10年打响品牌\n"),
    Document("b.jsonl#7", "安吉县评出首届两山工匠。", "两山工匠", 2, {"date": "2018-01-02"}, is_page=False),
]
CHUNKS = [
    Chunk("嘉善县总工会", "a.txt", "", "", 0, 6, 1, 1),
    Chunk("深耕10年打响品牌", "a.txt", "嘉善县总工会", "品牌", 8, 17, 3, 3),
    Chunk("安吉县评出首届两山工匠。", "b.jsonl#7", "两山工匠", "", 0, 12, 3, 3),
]


def manifest(**changes: object) -> Manifest:
    fields: dict[str, object] = {
        "model": EMBEDDER.identity,
        "dim": EMBEDDER.dim,
        "chunker": {"version": "0", "max_chars": 300},
        "files": {"a.txt": "0" * 64, "b.jsonl": "1" * 64},
        "counts": {"files": 2, "documents": 2, "sections": 3, "chunks": 3},
    }
    fields.update(changes)
    return Manifest(**fields)  # type: ignore[arg-type]


def save(index_dir: Path, chunks: list[Chunk] = CHUNKS) -> Path:
    vectors = EMBEDDER.embed_documents([c.embed_text for c in chunks])
    m = manifest(counts={"files": 2, "documents": 2, "sections": len(chunks), "chunks": len(chunks)})
    return store.save(index_dir, m, chunks, vectors, DOCS)


def versions(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith("v-"))


def test_round_trip(tmp_path: Path) -> None:
    version = save(tmp_path / "ix")
    ix = load(tmp_path / "ix")
    assert (tmp_path / "ix" / "CURRENT").read_text().strip() == version.name
    assert sorted(p.name for p in version.iterdir()) == ["chunks.sqlite", "manifest.json", "vectors.faiss"]
    assert len(ix) == 3
    assert [ix.chunk(i) for i in range(3)] == CHUNKS
    assert ix.document("b.jsonl#7") == DOCS[1]
    assert ix.document("a.txt").text == DOCS[0].text
    assert ix.manifest == manifest()
    rows = ix.search(EMBEDDER.embed_query("安吉县两山工匠"), 10)
    assert len(rows) == 3  # k larger than the index: every row once
    assert rows[0][0] == 2
    assert rows[0][1] >= rows[1][1] >= rows[2][1]
    # an identical text scores (almost exactly) 1: the vectors are normalised, inner product is cosine
    assert ix.search(EMBEDDER.embed_query(CHUNKS[0].embed_text), 1)[0] == (0, pytest.approx(1.0, abs=1e-5))
    ix.close()


def test_manifest_on_disk(tmp_path: Path) -> None:
    version = save(tmp_path)
    raw = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    assert raw["format_version"] == store.FORMAT_VERSION
    assert raw["model"] == {"name": "hash-bigram-256", "weights_sha256": "none"}
    assert raw["dim"] == 256
    assert raw["chunker"] == {"version": "0", "max_chars": 300}
    assert raw["counts"]["chunks"] == 3
    assert raw["built_at"].endswith("+00:00")


def test_unknown_source_and_row(tmp_path: Path) -> None:
    save(tmp_path)
    ix = load(tmp_path)
    with pytest.raises(UnknownSource, match="nope.txt"):
        ix.document("nope.txt")
    with pytest.raises(IndexError):
        ix.chunk(3)


@pytest.mark.parametrize("make", [lambda p: p / "missing", lambda p: p])
def test_missing_index(tmp_path: Path, make: object) -> None:
    where = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(IndexNotFound) as e:
        load(where)
    assert str(e.value) == f"no index at {where}; build it with: python -m index build --index-dir {where}"
    assert isinstance(e.value, IndexProblem)


def test_bumped_format_version_refused(tmp_path: Path) -> None:
    version = save(tmp_path)
    path = version / "manifest.json"
    raw = json.loads(path.read_text())
    raw["format_version"] = store.FORMAT_VERSION + 1
    path.write_text(json.dumps(raw))
    with pytest.raises(IndexIncompatible) as e:
        load(tmp_path)
    message = str(e.value)
    assert "\n" not in message
    assert f"format version {store.FORMAT_VERSION + 1}" in message
    assert f"python -m index build --index-dir {tmp_path}" in message


def test_other_embedder_refused(tmp_path: Path) -> None:
    save(tmp_path)
    ix = load(tmp_path)
    ix.check_embedder(HashEmbedder())  # the same identity passes
    with pytest.raises(IndexIncompatible) as e:
        ix.check_embedder(HashEmbedder(128))
    message = str(e.value)
    assert "\n" not in message
    assert "built with hash-bigram-256" in message and "hash-bigram-128" in message
    assert f"python -m index build --index-dir {tmp_path} --model hash-bigram-128" in message


def test_damaged_versions_are_reported(tmp_path: Path) -> None:
    version = save(tmp_path)
    (tmp_path / "CURRENT").write_text("v-gone\n")
    with pytest.raises(IndexCorrupt, match="v-gone, which is missing"):
        load(tmp_path)
    (tmp_path / "CURRENT").write_text(version.name)
    (version / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorrupt, match="rebuild it with: python -m index build"):
        load(tmp_path)


def test_new_version_replaces_old_and_open_readers_keep_working(tmp_path: Path) -> None:
    first = save(tmp_path, CHUNKS[:2])
    reader = load(tmp_path)
    second = save(tmp_path)
    assert versions(tmp_path) == [second.name]
    assert not first.exists()
    assert len(load(tmp_path)) == 3
    # The old reader's version folder is gone, but what it opened stays readable.
    assert len(reader) == 2
    assert reader.chunk(1) == CHUNKS[1]
    assert reader.document("a.txt") == DOCS[0]


def test_half_written_version_is_ignored_then_cleaned(tmp_path: Path) -> None:
    good = save(tmp_path)
    leftover = tmp_path / "v-20990101T000000Z-deadbeef"  # newer name than the good one
    leftover.mkdir()
    (leftover / "vectors.faiss").write_bytes(b"half")
    stray = tmp_path / "CURRENT.0badf00d.tmp"
    stray.write_text(leftover.name)
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("keep me")
    assert load(tmp_path).version == good
    newest = save(tmp_path)
    assert versions(tmp_path) == [newest.name]
    assert not stray.exists()
    assert unrelated.read_text() == "keep me"


def test_failed_save_leaves_previous_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = save(tmp_path)

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "_write_database", disk_full)
    with pytest.raises(OSError, match="No space"):
        save(tmp_path)
    assert versions(tmp_path) == [good.name]
    assert load(tmp_path).version == good


def test_vectors_must_match_chunks(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="shape"):
        store.save(tmp_path, manifest(), CHUNKS, EMBEDDER.embed_documents(["x"]), DOCS)
    assert not (tmp_path / "CURRENT").exists()


def test_load_follows_a_switch_that_happens_while_opening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save(tmp_path, CHUNKS[:2])
    open_version = store._open_version
    newer: list[Path] = []

    def build_finishes_first(index_dir: Path, name: str) -> store.LoadedIndex:
        if not newer:
            newer.append(save(tmp_path))  # deletes the version `name` names
        return open_version(index_dir, name)

    monkeypatch.setattr(store, "_open_version", build_finishes_first)
    ix = load(tmp_path)
    assert ix.version == newer[0]
    assert len(ix) == 3
