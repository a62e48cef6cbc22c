"""The on-disk index: round trip, self-description checked on load, and the atomic version switch."""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from index import (
    BuildRunning,
    Chunk,
    Document,
    HashEmbedder,
    IndexCorrupt,
    IndexIncompatible,
    IndexNotFound,
    IndexProblem,
    Manifest,
    Rejection,
    UnknownSource,
    load,
    store,
)
from index.store import create_store
from index.store._reader import open_version

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
        "counts": {"files": 2, "documents": 2, "sections": 3, "chunks": 3, "windows": 0},
        "vectors": {"kind": "flat"},
    }
    fields.update(changes)
    return Manifest(**fields)  # type: ignore[arg-type]


def contents(
    chunks: list[Chunk],
    keys: list[int],
    tokens: list[list[str]] | None = None,
    rejections: list[Rejection] = (),  # type: ignore[assignment]
) -> store.Contents:
    """DOCS and ``chunks`` by file (a.txt, b.jsonl), the chunks under ``keys``."""
    out = store.Contents()
    for doc in DOCS:
        file = doc.source.split("#", 1)[0]
        out.documents[file] = [doc]
        out.chunks[file] = [
            store.StoredChunk(k, c, None if tokens is None else tokens[i])
            for i, (c, k) in enumerate(zip(chunks, keys, strict=True))
            if c.source == doc.source
        ]
        out.rejections[file] = [r for r in rejections if r.source == file]
    return out


def save(index_dir: Path, chunks: list[Chunk] = CHUNKS, counts: list[int] | None = None) -> Path:
    """``chunks`` saved with a flat store: each chunk's vector, then ``counts[i] - 1`` random ones."""
    counts = counts or [1] * len(chunks)
    rng = np.random.default_rng(len(chunks))
    rows = []
    for c, n in zip(chunks, counts, strict=True):
        rows.append(EMBEDDER.embed_documents([c.embed_text]))
        rows.append(unit(rng.normal(size=(n - 1, EMBEDDER.dim))))
    vectors, keys = create_store(np.concatenate(rows), counts, EMBEDDER.dim)
    m = manifest(counts={"files": 2, "documents": 2, "sections": len(chunks), "chunks": len(chunks),
                         "windows": sum(counts) - len(chunks)})  # fmt: skip
    return write(index_dir, m, contents(chunks, keys.tolist()), vectors)


def write(index_dir: Path, m: Manifest, kept: store.Contents, vectors: store.VectorStore) -> Path:
    """A new live version, as a build writes it (under the lock), leftovers removed."""
    with store.writer_lock(index_dir):
        version = store.write_version(index_dir, m, kept, vectors)
        store.remove_leftovers(index_dir)
    return version


def unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32).reshape(-1, EMBEDDER.dim)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


def versions(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith("v-"))


def test_round_trip(tmp_path: Path) -> None:
    version = save(tmp_path / "ix")
    ix = load(tmp_path / "ix")
    assert (tmp_path / "ix" / "CURRENT").read_text().strip() == version.name
    assert sorted(p.name for p in version.iterdir()) == ["chunks.sqlite", "manifest.json", "vectors"]
    assert len(ix) == 3
    assert [ix.chunk(i) for i in range(3)] == CHUNKS
    assert ix.document("b.jsonl#7") == DOCS[1]
    assert ix.document("a.txt").text == DOCS[0].text
    assert ix.manifest == manifest(built_at=ix.manifest.built_at)  # the clock may have ticked since
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
    assert raw["vectors"] == {"kind": "flat"}
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
    (leftover / "manifest.json").write_bytes(b"half")
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

    monkeypatch.setattr("index.store._writer.write_database", disk_full)
    with pytest.raises(OSError, match="No space"):
        save(tmp_path)
    assert versions(tmp_path) == [good.name]
    assert load(tmp_path).version == good


def test_vectors_must_match_chunks(tmp_path: Path) -> None:
    vectors, keys = create_store(EMBEDDER.embed_documents(["x", "y"]), [1, 1], EMBEDDER.dim)
    with pytest.raises(ValueError, match="their keys are not the 2 passages"):
        write(tmp_path, manifest(), contents(CHUNKS, [0, 1, 2]), vectors)
    vectors, keys = create_store(EMBEDDER.embed_documents(["x", "y", "z"]), [1, 1, 1], EMBEDDER.dim)
    with pytest.raises(ValueError, match="the manifest describes"):
        write(tmp_path, manifest(vectors={"kind": "ivf"}), contents(CHUNKS, [0, 1, 2]), vectors)
    with pytest.raises(ValueError, match=r"3 chunks and 0 windows, but the manifest counts \(3, 2\)"):
        m = manifest(counts={"chunks": 3, "windows": 2})
        write(tmp_path, m, contents(CHUNKS, [0, 1, 2]), vectors)
    assert not (tmp_path / "CURRENT").exists()


def test_load_follows_a_switch_that_happens_while_opening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save(tmp_path, CHUNKS[:2])
    newer: list[Path] = []

    def build_finishes_first(index_dir: Path, name: str, lexical: bool = True) -> object:
        if not newer:
            newer.append(save(tmp_path))  # deletes the version `name` names
        return open_version(index_dir, name, lexical=lexical)

    monkeypatch.setattr("index.store._reader.open_version", build_finishes_first)
    ix = load(tmp_path)
    assert ix.version == newer[0]
    assert len(ix) == 3


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    me = f"pid {os.getpid()}, started "
    with store.writer_lock(tmp_path) as interrupted:
        assert interrupted is None
        assert json.loads((tmp_path / ".lock").read_text())["pid"] == os.getpid()
        with pytest.raises(BuildRunning) as e, store.writer_lock(tmp_path, wait=False):
            pass
        assert str(e.value).startswith(f"another build ({me}")
        assert str(e.value).endswith(f") is running on {tmp_path}; try again when it has finished")
        assert (store.build_running(tmp_path) or "").startswith(f"a build ({me}")
    assert (tmp_path / ".lock").read_text() == ""  # a build that ends, however, clears its record
    assert store.build_running(tmp_path) is None


def test_a_killed_writer_is_noticed(tmp_path: Path) -> None:
    # What a build killed with SIGKILL leaves: its record, but no lock (the kernel drops it).
    (tmp_path / ".lock").write_text('{"pid": 4242, "started": "2025-01-01T00:00:00+00:00"}')
    with store.writer_lock(tmp_path) as interrupted:
        assert interrupted == "an earlier build (pid 4242, started 2025-01-01T00:00:00+00:00) was interrupted"
    with store.writer_lock(tmp_path) as interrupted:
        assert interrupted is None


def test_contents_for_the_next_build(tmp_path: Path) -> None:
    vectors, keys = create_store(
        EMBEDDER.embed_documents([c.embed_text for c in CHUNKS]), [1, 1, 1], EMBEDDER.dim
    )
    tokens = [["嘉善", "工会"], [], ["两山", "工匠"]]
    rejected = [Rejection("b.jsonl", "not valid JSON", 4)]
    with store.writer_lock(tmp_path):
        store.write_version(tmp_path, manifest(), contents(CHUNKS, [0, 1, 2], tokens, rejected), vectors)
    previous = store.take_over(tmp_path)
    taken = previous.contents()
    assert taken.documents == {"a.txt": [DOCS[0]], "b.jsonl": [DOCS[1]]}
    assert taken.chunks == {
        "a.txt": [store.StoredChunk(0, CHUNKS[0], tokens[0]), store.StoredChunk(1, CHUNKS[1], [])],
        "b.jsonl": [store.StoredChunk(2, CHUNKS[2], tokens[2])],
    }
    assert taken.rejections == {"b.jsonl": rejected}
    assert (
        previous.vectors.vectors(keys).tolist()
        == EMBEDDER.embed_documents([c.embed_text for c in CHUNKS]).tolist()
    )
    # Saved without tokens (no lexical index): the next build tokenises every chunk.
    save(tmp_path)
    assert [s.tokens for s in store.take_over(tmp_path).contents().chunks["a.txt"]] == [None, None]


def test_newer_version(tmp_path: Path) -> None:
    save(tmp_path, CHUNKS[:2])
    ix = load(tmp_path)
    assert ix.newer_version() is None
    second = save(tmp_path)
    assert ix.newer_version() == second.name
    (tmp_path / "CURRENT").unlink()
    assert ix.newer_version() is None  # nothing better to switch to: keep answering


def test_remove_leftovers_names_what_it_removed(tmp_path: Path) -> None:
    good = save(tmp_path)
    (tmp_path / "v-20990101T000000Z-deadbeef").mkdir()
    (tmp_path / "CURRENT.0badf00d.tmp").write_text("x")
    assert store.remove_leftovers(tmp_path) == ["v-20990101T000000Z-deadbeef"]
    assert versions(tmp_path) == [good.name] and not (tmp_path / "CURRENT.0badf00d.tmp").exists()


def test_other_lexical_version_refused_but_readable_for_a_build(tmp_path: Path) -> None:
    version = save(tmp_path)
    path = version / "manifest.json"
    raw = json.loads(path.read_text())
    raw["lexical"] = {"version": "0", "words": 0}
    path.write_text(json.dumps(raw))
    with pytest.raises(IndexIncompatible) as e:
        load(tmp_path)
    assert str(e.value) == (
        f"index at {tmp_path} has lexical index version 0, this program reads version "
        f"{store.LEXICAL_VERSION}; rebuild it with: python -m index build --index-dir {tmp_path}"
    )
    ix = load(tmp_path, lexical=False)  # what a build takes over: vectors and texts
    assert ix.lexical is None and len(ix) == 3


def test_a_chunk_scores_by_its_best_vector_among_its_own_and_its_windows(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    counts = [3, 1, 4]  # chunk 0 has two windows, chunk 1 none, chunk 2 three
    save(tmp_path, CHUNKS, counts)
    with closing(load(tmp_path)) as ix:
        assert len(ix) == 3 and [window_count(ix, r) for r in range(3)] == [2, 0, 3]
        stored = ix.vectors()  # the chunks' own, then the windows of each in turn
        owner = np.array([0, 1, 2, 0, 0, 2, 2, 2])
        assert stored.shape == (8, EMBEDDER.dim)
        for _ in range(20):
            q = unit(rng.normal(size=EMBEDDER.dim))[0]
            best = np.full(3, -np.inf)
            np.maximum.at(best, owner, stored @ q)
            ranked = ix.search(q, 3)
            assert [r for r, _ in ranked] == list(np.argsort(-best))
            assert np.allclose([s for _, s in ranked], np.sort(best)[::-1], atol=1e-5)
            assert ix.search(q, 1) == ranked[:1]
            assert np.allclose(ix.similarity(q, [2, 0, 1]), best[[2, 0, 1]], atol=1e-5)


@pytest.mark.parametrize("damage", ["UPDATE chunks SET key = key + 100 WHERE row = 0",
                                    "DELETE FROM chunks WHERE row = 2"])  # fmt: skip
def test_chunks_that_do_not_match_the_vectors_are_damage(tmp_path: Path, damage: str) -> None:
    version = save(tmp_path, CHUNKS, [3, 1, 1])
    with closing(load(tmp_path)) as ix:
        assert window_count(ix, 0) == 2
    con = sqlite3.connect(version / "chunks.sqlite")
    con.execute(damage)
    con.commit()
    con.close()
    with pytest.raises(IndexCorrupt, match="chunks.sqlite"):
        load(tmp_path)


def test_damaged_or_unknown_vectors(tmp_path: Path) -> None:
    version = save(tmp_path)
    (version / "vectors" / "index.faiss").write_bytes(b"not an index")
    with pytest.raises(IndexCorrupt, match="vectors/ cannot be read"):
        load(tmp_path)
    version = save(tmp_path)
    path = version / "manifest.json"
    raw = json.loads(path.read_text())
    raw["vectors"] = {"kind": "hnsw"}
    path.write_text(json.dumps(raw))
    with pytest.raises(IndexIncompatible) as e:
        load(tmp_path)
    assert str(e.value) == (
        f"index at {tmp_path} has vectors of kind 'hnsw', which this program does not know; "
        f"rebuild it with: python -m index build --index-dir {tmp_path}"
    )


def test_the_issue_of_each_row(tmp_path: Path) -> None:
    save(tmp_path)
    with closing(load(tmp_path)) as ix:
        assert ix.issue(2) == store.Issue("2018-01-02", None, None)  # from its document's meta
        assert ix.issue(0) == store.Issue()
        with pytest.raises(IndexError):
            ix.issue(3)


def window_count(ix: store.LoadedIndex, row: int) -> int:
    """How many vectors beside its own the chunk of ``row`` has in the store."""
    return int(ix.store.counts[ix._place[row]]) - 1
