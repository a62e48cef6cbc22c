"""The build into a Milvus store: the same reading, chunking, tokens and vectors as the local build,
written as one generation holding only the source files that changed (see index.store's Milvus
modules); and ``export``, which copies a local index's vectors and texts into a collection
without embedding anything again.

Against the local build: a source whose bytes did not change is not read, and its passages keep
their tokens even when the archive's words change (``--full`` cuts every passage again), and
their document-side BM25 weights (which depend on the archive's average passage length).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..embed import CACHE_FILE, Embedder, EmbeddingCache, text_key
from ..errors import IndexIncompatible
from ..files import file_sha256
from ..read import discover, read_file
from ..records import Chunk, Document, Rejection
from ..settings import Settings
from ..split import DEFAULT_MAX_CHARS, DEFAULT_OVERLAP, chunk_document, passage_texts
from ..store import LEXICAL_VERSION, Issue, describe_model
from ..store._milvus import CHUNK_FIELDS, MILVUS_FORMAT, check_header, chunk_of
from ..store._milvus_client import Client, connect, describe, in_list
from ..store._milvus_schema import Names, create_all, load_all, supports_sparse
from ..store._milvus_state import FileRecord, State, read_state, writer_lock
from ..store._milvus_writer import Passage, Written, commit, recover, rejections_of, write_generation
from ..text import Lexicon, domain_words
from ._build import BuildReport
from ._hubness import hub_entry, score_files
from ._sources import chunker_settings, nothing_to_index
from ._vectors import Units, fill_missing

__all__ = ["FileInput", "build_milvus", "build_report", "open_for_build", "origin_of", "write_files"]


@dataclass
class FileInput:
    """A source file as a generation writes it: its documents, chunks, their tokens and vectors."""

    name: str
    digest: str
    documents: list[Document]
    chunks: list[Chunk]
    rejections: list[Rejection]
    tokens: list[list[str]] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)
    hubs: list[float] = field(default_factory=list)  # empty: none measured


def origin_of(settings: Settings) -> str:
    """Which builder a source comes from: this host's corpus folders."""
    return f"{socket.gethostname()}:" + ",".join(str(p.resolve()) for p in settings.corpus)


def _record(f: FileInput, origin: str) -> FileRecord:
    return FileRecord(
        f.name,
        0,
        f.digest,
        {
            "documents": len(f.documents),
            "articles": len({(c.source, c.title) for c in f.chunks}),
            "sections": len({(c.source, c.title, c.section) for c in f.chunks}),
            "chunks": len(f.chunks),
            "windows": sum(len(v) - 1 for v in f.vectors),
            "tokens": sum(len(t) for t in f.tokens),
            "fanout": max((len(v) for v in f.vectors), default=1),
        },
        domain_words(c.embed_text for c in f.chunks),
        [(r.line, r.reason) for r in f.rejections],
        origin,
    )


def _written(
    files: Sequence[FileInput],
    kept: dict[str, FileRecord],
    retire: list[str] | None,
    origin: str,
    *,
    hub_field: bool = False,
) -> Written:
    passages: list[Passage] = []
    documents = {}
    for f in files:
        issue = {d.source: Issue.of(d.meta) for d in f.documents}
        documents[f.name] = f.documents
        # A collection with the hub field needs a value on every row: 0 (no discount) unmeasured.
        hubs: Sequence[float | None] = f.hubs or [0.0 if hub_field else None] * len(f.chunks)
        passages.extend(
            Passage(f.name, c, issue.get(c.source, Issue()), t, v, hub if hub_field else None)
            for c, t, v, hub in zip(f.chunks, f.tokens, f.vectors, hubs, strict=True)
        )
    tokens = sum(int(r.counts.get("tokens", 0)) for r in kept.values()) + sum(len(p.tokens) for p in passages)
    count = sum(int(r.counts.get("chunks", 0)) for r in kept.values()) + len(passages)
    return Written(passages, documents, [_record(f, origin) for f in files], retire, tokens / max(count, 1))


def _removed_tokens(client: Client, names: Names, state: State, retire: list[str] | None) -> list[list[str]]:
    """The BM25 tokens of the passages this generation replaces or removes (their counts go down)."""
    if retire is not None and not retire:
        return []
    expr = " and ".join(
        p
        for p in ["own == true", state.visible(), in_list("file", retire) if retire is not None else ""]
        if p
    )
    return [
        json.loads(r["tokens"]) for r in client.query_all(names.passages, expr, ["tokens"]) if r["tokens"]
    ]


def _header(
    embedder: Embedder, sparse: bool, dim: int, index: str, hubness: dict[str, str | int]
) -> dict[str, object]:
    return {
        "hubness": hubness,
        "format_version": MILVUS_FORMAT,
        "model": dict(embedder.identity),
        "dim": dim,
        "chunker": chunker_settings(),
        "lexical": {"version": LEXICAL_VERSION} if sparse else {},
        "sparse": sparse,
        "index": index,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def open_for_build(settings: Settings, embedder: Embedder) -> tuple[Client, Names, bool]:
    client = connect(settings.milvus, settings.collection)
    names = Names(settings.collection)
    try:
        sparse = supports_sparse(client)
        if not all(client.has(n) for n in names.all()):
            create_all(client, names, embedder.dim, sparse)
        else:
            load_all(client, names)
        return client, names, sparse
    except BaseException:
        client.close()
        raise


def _check_model(state: State, embedder: Embedder, settings: Settings) -> None:
    header = state.header
    if header is None or not state.files:
        return
    if header.get("model") != dict(embedder.identity):
        raise IndexIncompatible(
            f"{describe(settings.milvus, settings.collection)} was built with "
            f"{describe_model(header.get('model', {}))}, this build uses "
            f"{describe_model(dict(embedder.identity))}; "
            f"build with its model (--model), or into another collection (--collection NEW_NAME)"
        )
    check_header(state, settings.milvus, settings.collection)


@dataclass
class _Plan:
    """What changed on disk against the store: files to write, files to drop."""

    changed: list[tuple[Path, str]]
    removed: list[str]
    rejections: list[Rejection]
    everything: bool  # every source is written again (--full, or another chunker)


def _plan(settings: Settings, state: State, full: bool) -> _Plan:
    header = state.header or {}
    everything = full or bool(
        header
        and (
            header.get("chunker") != chunker_settings()
            or (header.get("lexical") or {}).get("version") not in (None, LEXICAL_VERSION)
        )
    )
    found, rejected = discover(settings.corpus)
    old = {n: r.digest for n, r in state.files.items()}
    changed = [(p, n) for p, n in found if everything or old.get(n) != file_sha256(p)]
    mine = {n for n, r in state.files.items() if r.origin == origin_of(settings)}
    removed = sorted(mine - {n for _, n in found})
    return _Plan(changed, removed, rejected, everything)


@dataclass
class _Job:
    """One build into a Milvus store: where it writes, with what, and what it has found so far."""

    settings: Settings
    embedder: Embedder
    client: Client
    names: Names
    sparse: bool
    progress: bool
    started: float = field(default_factory=time.monotonic)
    notes: list[str] = field(default_factory=list)
    embedded: int = 0
    embed_seconds: float = 0.0
    # The hub scores' description when the collection has the field (hub_entry), else empty.
    hubness: dict[str, str | int] = field(default_factory=dict)


def build_milvus(
    settings: Settings,
    embedder: Embedder,
    *,
    progress: bool = False,
    full: bool = False,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> BuildReport:
    """Bring the Milvus store of ``settings.milvus`` up to date with ``settings.corpus`` (as
    ``build`` does the folder): only changed sources are read and written."""
    client, names, sparse = open_for_build(settings, embedder)
    job = _Job(settings, embedder, client, names, sparse, progress)
    try:
        job.hubness = hub_entry() if client.has_field(names.passages, "hub") else {}
        with writer_lock(client, names, wait=wait, on_wait=on_wait) as interrupted:
            job.notes = recover(client, names)
            if interrupted and not job.notes:
                job.notes.append(f"{interrupted}; it left nothing to clean up")
            state = read_state(client, names)
            _check_model(state, embedder, settings)
            return _update(job, state, _plan(settings, state, full))
    finally:
        client.close()


def _update(job: _Job, state: State, plan: _Plan) -> BuildReport:
    if not plan.changed and not plan.removed and state.header is not None:
        return build_report(job, state, plan, [], written=False)
    files = _read(job, state, plan)
    gone = {f.name for f in files} | set(plan.removed)
    kept = {n: r for n, r in state.files.items() if n not in gone}
    if not sum(len(f.chunks) for f in files) + sum(int(r.counts.get("chunks", 0)) for r in kept.values()):
        raise nothing_to_index(
            job.settings.corpus, plan.rejections + [r for f in files for r in f.rejections]
        )
    # A full build of every source the store holds sets each token's best weight anew.
    written = _written(files, kept, sorted(gone), origin_of(job.settings), hub_field=bool(job.hubness))
    write_files(job, state, written, full=plan.everything and not kept)
    return build_report(job, read_state(job.client, job.names), plan, files, written=True, before=state)


def write_files(job: _Job, state: State, written: Written, *, full: bool) -> None:
    client, names = job.client, job.names
    written.removed_tokens = _removed_tokens(client, names, state, written.retire) if job.sparse else []
    record = write_generation(client, names, state, written, sparse=job.sparse, full=full)
    new_header = state.header is None or full or state.header.get("chunker") != chunker_settings()
    dim = int((state.header or {}).get("dim") or job.embedder.dim)
    header = (
        _header(job.embedder, job.sparse, dim, client.vector_index(names.passages), job.hubness)
        if new_header
        else None
    )
    commit(client, names, record, header=header)


def _read(job: _Job, state: State, plan: _Plan) -> list[FileInput]:
    """The changed files read, chunked, tokenised (with the archive's words as they will be) and
    embedded (``_embed``)."""
    files = []
    for path, name in plan.changed:
        docs, rejected, digest = read_file(path, name)
        plan.rejections.extend(rejected)
        if digest is not None:
            chunks = [c for d in docs for c in chunk_document(d, DEFAULT_MAX_CHARS, DEFAULT_OVERLAP)]
            files.append(FileInput(name, digest, docs, chunks, rejected))
    gone = {f.name for f in files} | set(plan.removed)
    keep_words = {w for n, r in state.files.items() if n not in gone for w in r.words}
    lexicon = Lexicon(keep_words | set(domain_words(c.embed_text for f in files for c in f.chunks)))
    for f in files:
        f.tokens = [lexicon.tokens(c.embed_text) for c in f.chunks]
    _embed(job, state, files)
    return files


def _embed(job: _Job, state: State, files: list[FileInput]) -> None:
    """Each chunk's vectors (its own, then its windows'): reused from the store's rows of its
    file where the text is the same, else from the embedding cache, else the model."""
    parts = [passage_texts(c) for f in files for c in f.chunks]
    units = Units.of(parts, job.embedder.dim if not state.header else int(state.header["dim"]))
    old = _old_vectors(job.client, job.names, state, [f.name for f in files])
    for i, k in enumerate(units.keys):
        if k in old:
            units.vectors[i] = old[k]
    missing = [i for i, k in enumerate(units.keys) if k not in old]
    cache_path = job.settings.index_dir / CACHE_FILE
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(cache_path, dict(job.embedder.identity), units.vectors.shape[1])
    try:
        job.embedded, job.embed_seconds = fill_missing(
            units, missing, job.embedder, cache, progress=job.progress
        )
    finally:
        cache.close()
        job.notes.extend(cache.notes)
    at, part = 0, iter(parts)
    for f in files:
        for _ in f.chunks:
            n = len(next(part))
            f.vectors.append(units.vectors[at : at + n])
            at += n
    if job.hubness:
        for f, hubs in zip(files, score_files(job.embedder, [f.vectors for f in files]), strict=True):
            f.hubs = hubs


def _old_vectors(client: Client, names: Names, state: State, files: list[str]) -> dict[str, np.ndarray]:
    """The stored vectors of these files' passages by text key (an update re-embeds only new text)."""
    known = [f for f in files if f in state.files]
    if not known:
        return {}
    expr = " and ".join(p for p in [in_list("file", known), state.visible()] if p)
    fields = ["id", "key", "own", "n", "vector", *CHUNK_FIELDS]
    rows = client.query_all(names.passages, expr, fields)
    by_id = {int(r["id"]): r for r in rows}
    out = {}
    for r in rows:
        if not r["own"]:
            continue
        chunk = chunk_of(r)
        texts = passage_texts(chunk)
        if len(texts) != int(r["n"]):
            texts = texts[:1]
        for j, t in enumerate(texts):
            row = by_id.get(int(r["key"]) + j)
            if row is not None:
                out[text_key(t)] = np.asarray(row["vector"], dtype=np.float32)
    return out


def build_report(
    job: _Job,
    state: State,
    plan: _Plan,
    files: Sequence[FileInput],
    *,
    written: bool,
    before: State | None = None,
) -> BuildReport:
    totals = {
        k: sum(int(r.counts.get(k, 0)) for r in state.files.values())
        for k in ("articles", "sections", "chunks")
    }
    old = (before or state).files
    names = {f.name for f in files}
    rejections = plan.rejections + [
        r for n, rec in state.files.items() if n not in names for r in rejections_of(rec)
    ]
    gone = sum(int(old[n].counts.get("chunks", 0)) for n in (names | set(plan.removed)) if n in old)
    return BuildReport(
        index_dir=job.settings.index_dir,
        files=len(state.files),
        articles=totals["articles"],
        sections=totals["sections"],
        chunks=totals["chunks"],
        seconds=time.monotonic() - job.started,
        rejections=rejections,
        added=sorted(n for n in names if n not in old),
        updated=sorted(n for n in names if n in old),
        removed=plan.removed,
        unchanged=len(state.files) - len(names),
        chunks_added=sum(len(f.chunks) for f in files) if written else 0,
        chunks_removed=gone if written else 0,
        embedded=job.embedded,
        embed_seconds=job.embed_seconds,
        notes=job.notes,
        written=written,
        store=describe(job.settings.milvus, job.settings.collection),
    )
