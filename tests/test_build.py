"""The build: corpus in, a self-describing index out; a bad or failed build keeps the old index."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from index import (
    HashEmbedder,
    NothingToIndex,
    Rejection,
    Settings,
    build,
    chunk_document,
    load,
    read_corpus,
)
from index.build import BuildReport
from index.build._vectors import BATCH_SIZE
from index.split import CHUNKER_VERSION, DEFAULT_MAX_CHARS, DEFAULT_OVERLAP, WINDOW_CHARS, windows

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def settings(corpus: Path, index_dir: Path) -> Settings:
    return Settings(
        corpus=(corpus,), index_dir=index_dir, model="hash", cache_dir=index_dir / "cache", top_k=5
    )


class FailingEmbedder(HashEmbedder):
    """Dies after its first batch, like a model running out of memory half-way."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        if self.calls > 1:
            raise MemoryError("out of memory")
        return super().embed_documents(texts)


def test_build_the_corpus(tmp_path: Path) -> None:
    started = datetime.now().astimezone().replace(microsecond=0)
    report = build(settings(CORPUS, tmp_path / "ix"), HashEmbedder())
    pages = sorted(p.name for p in CORPUS.glob("*.txt"))
    docs = read_corpus([CORPUS]).documents
    chunks = [c for d in docs for c in chunk_document(d)]
    # A page holds many articles: each headline is one, as its chunks' title says.
    articles = len({(c.source, c.title) for c in chunks})
    assert articles > 3 * len(pages)
    assert (report.files, report.articles, report.chunks) == (len(pages), articles, len(chunks))
    assert report.sections == len({(c.source, c.title, c.section) for c in chunks})
    assert report.rejections == []
    counts = f"{articles} articles, {report.sections} sections, {len(chunks)} chunks"
    head, change = report.summary().splitlines()
    assert head.startswith(f"Indexed {len(pages)} files: {counts} in ")
    # A first build: everything is new, and each distinct text, chunk or window, is embedded once.
    texts = len({c.embed_text for c in chunks} | {w for c in chunks for w in windows(c)})
    assert report.embedded == texts
    assert change.startswith(
        f"Sources: 5 added, 0 updated, 0 removed, 0 unchanged. "
        f"Chunks: {len(chunks)} added, 0 removed, 0 unchanged; {texts} embedded in "
    )

    ix = load(tmp_path / "ix")
    m = ix.manifest
    assert m.model == {"name": "hash-bigram-256", "weights_sha256": "none"}
    assert m.dim == 256
    chunker = {"version": CHUNKER_VERSION, "max_chars": DEFAULT_MAX_CHARS, "overlap": DEFAULT_OVERLAP,
               "windows": WINDOW_CHARS}  # fmt: skip
    assert m.chunker == chunker
    assert m.files == {p: hashlib.sha256((CORPUS / p).read_bytes()).hexdigest() for p in pages}
    n_windows = sum(len(windows(c)) for c in chunks)
    assert n_windows > len(chunks)  # most passages hold several sentence windows
    assert m.counts == {"files": 5, "documents": 5, "articles": report.articles, "sections": report.sections,
                        "chunks": len(chunks), "windows": n_windows}  # fmt: skip
    assert started <= datetime.fromisoformat(m.built_at) <= datetime.now().astimezone()
    assert len(ix) == len(chunks)
    # Rows are in chunk order, and the full documents are kept for showing a citation in context.
    assert ix.chunk(0) == chunks[0] and ix.chunk(len(chunks) - 1) == chunks[-1]
    assert ix.document(docs[2].source).text == (CORPUS / docs[2].source).read_text(encoding="utf-8")


def test_embeds_title_and_section_with_the_text(tmp_path: Path) -> None:
    build(settings(CORPUS, tmp_path), HashEmbedder())
    ix = load(tmp_path)
    c = next(ix.chunk(i) for i in range(len(ix)) if ix.chunk(i).context)
    [(row, score)] = ix.search(HashEmbedder().embed_query(c.embed_text), 1)
    assert score == pytest.approx(1.0, abs=1e-5)
    assert ix.chunk(row).embed_text == c.embed_text


def test_rejections_are_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("嘉兴市总工会举办职工技能大赛。\n", encoding="utf-8")
    (corpus / "empty.txt").write_text("  \n")
    (corpus / "a.jsonl").write_text('{"id": 1, "text": "浙江省总工会发布通知。"}\n{oops\n', encoding="utf-8")
    report = build(settings(corpus, tmp_path / "ix"), HashEmbedder())
    assert report.articles == 2
    assert [str(r) for r in report.rejections] == [
        "a.jsonl:2: not valid JSON (Expecting property name enclosed in double quotes, column 2)",
        "empty.txt: empty file, nothing to index",
    ]
    lines = report.summary().splitlines()
    assert lines[2:] == ["Skipped 2 inputs:", *map(str, report.rejections)]
    assert load(tmp_path / "ix").document("a.jsonl#1").text == "浙江省总工会发布通知。"


def test_summary_format() -> None:
    report = BuildReport(
        Path("ix"), 3, 7, 9, 40, 1.25, [Rejection("x.jsonl", "not valid JSON", 4)],
        added=["new.txt"], updated=[], removed=["a.md", "b.md", "c.md", "d.md"], unchanged=2,
        chunks_added=6, chunks_removed=12, embedded=5, embed_seconds=0.25,
        notes=["an earlier build was interrupted; it left nothing to clean up"],
    )  # fmt: skip
    assert report.summary() == (
        "Indexed 3 files: 7 articles, 9 sections, 40 chunks in 1.2 s into ix.\n"
        "Sources: 1 added (new.txt), 0 updated, 4 removed, 2 unchanged. "
        "Chunks: 6 added, 12 removed, 34 unchanged; 5 embedded in 0.2 s.\n"
        "Note: an earlier build was interrupted; it left nothing to clean up.\n"
        "Skipped 1 input:\n"
        "x.jsonl:4: not valid JSON"
    )
    kept = BuildReport(Path("ix"), 1, 1, 1, 2, 0.0, unchanged=1, written=False)
    assert kept.summary().endswith(
        "Chunks: 0 added, 0 removed, 2 unchanged; 0 embedded in 0.0 s. "
        "Nothing changed: the index was kept as it was."
    )


def test_nothing_to_index_keeps_the_previous_index(tmp_path: Path) -> None:
    build(settings(CORPUS, tmp_path / "ix"), HashEmbedder())
    before = load(tmp_path / "ix")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "blank.txt").write_text("\n\n")
    with pytest.raises(NothingToIndex) as e:
        build(settings(empty, tmp_path / "ix"), HashEmbedder())
    assert str(e.value) == f"nothing to index in {empty}: blank.txt: empty file, nothing to index"
    after = load(tmp_path / "ix")
    assert after.version == before.version and len(after) == len(before)


def test_missing_corpus_is_nothing_to_index(tmp_path: Path) -> None:
    with pytest.raises(NothingToIndex, match="no such file or folder"):
        build(settings(tmp_path / "nope", tmp_path / "ix"), HashEmbedder())
    assert not (tmp_path / "ix").exists()


def test_failed_build_keeps_the_previous_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    build(settings(corpus, tmp_path / "ix"), HashEmbedder())
    before = load(tmp_path / "ix")
    # Enough new text for several batches: the embedder dies on the second.
    (corpus / "new.jsonl").write_text(
        "".join(json.dumps({"id": i, "text": f"第{i}届职工运动会在湖州举行。"}) + "\n" for i in range(80))
    )
    failing = FailingEmbedder()
    with pytest.raises(MemoryError):
        build(settings(corpus, tmp_path / "ix"), failing)
    assert failing.calls == 2
    after = load(tmp_path / "ix")
    assert after.version == before.version
    assert [p.name for p in (tmp_path / "ix").iterdir() if p.name.startswith("v-")] == [before.version.name]
    assert json.loads((after.version / "manifest.json").read_text())["counts"] == before.manifest.counts
    # What the dead build embedded before failing was cached: the next build does only the rest.
    report = build(settings(corpus, tmp_path / "ix"), HashEmbedder())
    assert (report.added, report.embedded) == (["new.jsonl"], 80 - BATCH_SIZE)
