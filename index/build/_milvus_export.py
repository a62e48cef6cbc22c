"""Moving an index between the folder and Milvus without embedding again: ``export_to_milvus`` copies
a local index's vectors (as stored), texts, tokens and words into a collection, replacing what it
held; ``export_from_milvus`` copies a collection into a new local version (BM25 computed again)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..records import Document
from ..settings import Settings
from ..store import (
    LEXICAL_VERSION,
    Contents,
    LexicalIndex,
    Manifest,
    StoredChunk,
    create_store,
    load,
    take_over,
    write_version,
)
from ..store import writer_lock as folder_lock
from ..store._milvus import CHUNK_FIELDS, MilvusStore, chunk_of, open_milvus
from ..store._milvus_state import read_state, writer_lock
from ..store._milvus_writer import recover, rejections_of
from ..text import Lexicon
from ._build import BuildReport
from ._milvus_build import FileInput, _Job, _Plan, _written, build_report, open_for_build, write_files

__all__ = ["export_from_milvus", "export_to_milvus"]


def export_to_milvus(settings: Settings) -> BuildReport:
    """Copy the local index under ``settings.index_dir`` into the Milvus store of ``settings``:
    its vectors (as stored), texts, tokens and words, replacing whatever the collection held. No
    model is loaded: the collection records the local index's model."""
    loaded = load(settings.index_dir)
    previous = take_over(settings.index_dir)
    try:
        contents = previous.contents()
        store = loaded.store
        keys = [s.key for file in contents.chunks for s in contents.chunks[file]]
        stored = store.vectors(keys) if keys else np.zeros((0, loaded.manifest.dim), np.float32)
        counts = store.counts[store.positions(np.asarray(keys, dtype=np.int64))] if keys else []
        lexicon = loaded.lexical.lexicon if loaded.lexical is not None else Lexicon()
        # The hub scores go as measured, against the folder's probes (none from an index built
        # before them: the collection then answers without the discount, as the folder did).
        hubness = dict(loaded.manifest.hubness)
        hubs = loaded.hub_scores(range(len(loaded))).tolist() if hubness else []
        files, at, i = [], 0, 0
        for name, chunks in contents.chunks.items():
            f = FileInput(name, loaded.manifest.files.get(name, ""), contents.documents.get(name, []),
                          [s.chunk for s in chunks], contents.rejections.get(name, []))  # fmt: skip
            for s in chunks:
                f.tokens.append(s.tokens if s.tokens is not None else lexicon.tokens(s.chunk.embed_text))
                f.vectors.append(stored[at : at + int(counts[i])])
                if hubs:
                    f.hubs.append(hubs[i])
                at, i = at + int(counts[i]), i + 1
            files.append(f)
        like = _Identity(loaded.manifest.model, loaded.manifest.dim)
    finally:
        previous.close()
        loaded.close()
    return _into_milvus(settings, like, files, hubness)


def _into_milvus(
    settings: Settings, like: _Identity, files: list[FileInput], hubness: dict[str, str | int]
) -> BuildReport:
    """Write ``files`` as the whole of the store (every older row replaced)."""
    client, names, sparse = open_for_build(settings, like)  # type: ignore[arg-type]
    job = _Job(settings, like, client, names, sparse, progress=False)  # type: ignore[arg-type]
    try:
        job.hubness = hubness if client.has_field(names.passages, "hub") else {}
        with writer_lock(client, names):
            job.notes = recover(client, names)
            state = read_state(client, names)
            plan = _Plan([], sorted(set(state.files) - {f.name for f in files}), [], True)
            origin = f"export of {settings.index_dir.resolve()}"
            written = _written(files, {}, None, origin, hub_field=client.has_field(names.passages, "hub"))
            write_files(job, state, written, full=True)
            return build_report(job, read_state(client, names), plan, files, written=True, before=state)
    finally:
        client.close()


@dataclass(frozen=True)
class _Identity:
    """The local index's model as an export names it (no model is loaded)."""

    identity: dict[str, str]
    dim: int


def export_from_milvus(settings: Settings) -> BuildReport:
    """Copy the Milvus store of ``settings`` into a new version of the local index under
    ``settings.index_dir`` (vectors, texts, tokens; BM25 computed again), without embedding."""
    started = time.monotonic()
    store = open_milvus(settings.milvus, settings.collection)
    try:
        contents, vectors, counts, tokens = _contents_of(store)
        m = store.manifest
    finally:
        store.close()
    dim = m.dim
    made, keys = create_store(vectors if len(vectors) else np.zeros((0, dim), np.float32), counts, dim)
    at = iter(keys.tolist())
    for file, chunks in contents.chunks.items():
        contents.chunks[file] = [StoredChunk(next(at), s.chunk, s.tokens) for s in chunks]
    words = sorted({w for r in store.state.files.values() for w in r.words})
    manifest = Manifest(
        model=m.model,
        dim=dim,
        chunker=m.chunker,
        files=m.files,
        counts=m.counts,
        lexical={"version": LEXICAL_VERSION, "words": len(words)},
        vectors=made.params(),
    )
    with folder_lock(settings.index_dir):
        write_version(
            settings.index_dir, manifest, contents, made, LexicalIndex.from_tokens(tokens, Lexicon(words))
        )
    return BuildReport(
        index_dir=settings.index_dir,
        files=len(m.files),
        articles=m.counts["articles"],
        sections=m.counts["sections"],
        chunks=m.counts["chunks"],
        seconds=time.monotonic() - started,
        chunks_added=m.counts["chunks"],
    )


def _contents_of(store: MilvusStore) -> tuple[Contents, np.ndarray, list[int], list[list[str]]]:
    """Everything a Milvus store holds as a local version's contents, each passage's vectors (its own
    then its windows'), their counts and tokens, files in name order."""
    client, names, visible = store.client, store.names, store.state.visible()
    fields = ["id", "key", "own", "n", "file", "vector", *CHUNK_FIELDS, "tokens"]
    rows = sorted(client.query_all(names.passages, visible, fields), key=lambda r: (r["file"], int(r["id"])))
    out = Contents()
    vectors, counts, tokens = [], [], []
    for r in rows:
        vectors.append(r["vector"])
        if r["own"]:
            chunk = chunk_of(r)
            tokens.append(json.loads(r["tokens"]) if r["tokens"] else [])
            out.chunks.setdefault(r["file"], []).append(StoredChunk(0, chunk, tokens[-1]))
            counts.append(int(r["n"]))
    docs: dict[str, list[dict[str, Any]]] = {}
    for d in client.query_all(names.docs, visible, ["source", "file", "part", "body"]):
        docs.setdefault(d["source"], []).append(d)
    for source, parts in sorted(docs.items()):
        parts.sort(key=lambda d: int(d["part"]))
        head = json.loads(parts[0]["body"])
        doc = Document(
            source,
            "".join(p["body"] for p in parts[1:]),
            head["title"],
            int(head["line_offset"]),
            dict(head["meta"]),
            bool(head["is_page"]),
        )
        out.documents.setdefault(parts[0]["file"], []).append(doc)
    for name, record in store.state.files.items():
        out.rejections[name] = rejections_of(record)
    return out, np.asarray(vectors, dtype=np.float32), counts, tokens
