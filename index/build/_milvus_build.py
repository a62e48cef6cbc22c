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
from typing import Any

import numpy as np

from ..embed import CACHE_FILE, Embedder, EmbeddingCache, text_key
from ..errors import IndexIncompatible
from ..files import file_sha256
from ..read import discover, read_file
from ..records import Chunk, Document, Rejection
from ..settings import Settings
from ..split import DEFAULT_MAX_CHARS, DEFAULT_OVERLAP, chunk_document, passage_texts
from ..store import LEXICAL_VERSION, Contents, Issue, StoredChunk, describe_model
from ..store._milvus import MILVUS_FORMAT, MilvusStore, check_header
from ..store._milvus_client import Client, connect, describe, in_list
from ..store._milvus_schema import Names, create_all, supports_sparse
from ..store._milvus_state import FileRecord, State, read_state, writer_lock
from ..store._milvus_writer import Passage, Written, commit, recover, rejections_of, write_generation
from ..text import Lexicon, domain_words
from ._build import BuildReport
from ._sources import chunker_settings, nothing_to_index
from ._vectors import Units, fill_missing

__all__ = ["FileInput", "build_milvus", "export_from_milvus", "export_to_milvus"]


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
    files: Sequence[FileInput], kept: dict[str, FileRecord], retire: list[str] | None, origin: str
) -> Written:
    passages: list[Passage] = []
    documents = {}
    for f in files:
        issue = {d.source: Issue.of(d.meta) for d in f.documents}
        documents[f.name] = f.documents
        passages.extend(
            Passage(f.name, c, issue.get(c.source, Issue()), t, v)
            for c, t, v in zip(f.chunks, f.tokens, f.vectors, strict=True)
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


def _header(embedder: Embedder, sparse: bool, dim: int) -> dict[str, object]:
    return {
        "format_version": MILVUS_FORMAT,
        "model": dict(embedder.identity),
        "dim": dim,
        "chunker": chunker_settings(),
        "lexical": {"version": LEXICAL_VERSION} if sparse else {},
        "sparse": sparse,
        "index": "FLAT",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _open(settings: Settings, embedder: Embedder) -> tuple[Client, Names, bool]:
    client = connect(settings.milvus, settings.collection)
    names = Names(settings.collection)
    try:
        sparse = supports_sparse(client)
        if not all(client.has(n) for n in names.all()):
            create_all(client, names, embedder.dim, sparse)
        else:
            for n in names.all():
                client.load(n)
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
    started = time.monotonic()
    client, names, sparse = _open(settings, embedder)
    try:
        with writer_lock(client, names, wait=wait, on_wait=on_wait) as interrupted:
            notes = recover(client, names)
            if interrupted and not notes:
                notes.append(f"{interrupted}; it left nothing to clean up")
            state = read_state(client, names)
            _check_model(state, embedder, settings)
            plan = _plan(settings, state, full)
            if not plan.changed and not plan.removed and state.header is not None:
                return _report(settings, state, plan, [], notes, started, written=False)
            files, embedded, seconds = _read_and_embed(
                settings, client, names, state, plan, embedder, progress
            )
            kept = {
                n: r for n, r in state.files.items() if n not in {f.name for f in files} | set(plan.removed)
            }
            if not sum(len(f.chunks) for f in files) + sum(
                int(r.counts.get("chunks", 0)) for r in kept.values()
            ):
                raise nothing_to_index(
                    settings.corpus, plan.rejections + [r for f in files for r in f.rejections]
                )
            retire = sorted({f.name for f in files} | set(plan.removed))
            # A full build of every source the store holds sets each token's best weight anew.
            exact = plan.everything and not kept
            _write(
                client,
                names,
                state,
                _written(files, kept, retire, origin_of(settings)),
                embedder,
                sparse,
                exact,
            )
            after = read_state(client, names)
            return _report(
                settings,
                after,
                plan,
                files,
                notes,
                started,
                written=True,
                embedded=embedded,
                embed_seconds=seconds,
                before=state,
            )
    finally:
        client.close()


def _write(
    client: Client, names: Names, state: State, written: Written, embedder: Embedder, sparse: bool, full: bool
) -> None:
    written.removed_tokens = _removed_tokens(client, names, state, written.retire) if sparse else []
    record = write_generation(client, names, state, written, sparse=sparse, full=full)
    commit_header = state.header is None or full or state.header.get("chunker") != chunker_settings()
    dim = int((state.header or {}).get("dim") or embedder.dim)
    commit(client, names, record, header=_header(embedder, sparse, dim) if commit_header else None)


def _read_and_embed(
    settings: Settings,
    client: Client,
    names: Names,
    state: State,
    plan: _Plan,
    embedder: Embedder,
    progress: bool,
) -> tuple[list[FileInput], int, float]:
    """The changed files read, chunked, tokenised and embedded (vectors of unchanged text reused
    from the store's rows of those files, else the embedding cache, else the model)."""
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
    parts = [passage_texts(c) for f in files for c in f.chunks]
    units = Units.of(parts, embedder.dim if not state.header else int(state.header["dim"]))
    old = _old_vectors(client, names, state, [f.name for f in files])
    missing = [i for i, k in enumerate(units.keys) if k not in old]
    for i, k in enumerate(units.keys):
        if k in old:
            units.vectors[i] = old[k]
    cache_path = settings.index_dir / CACHE_FILE
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(cache_path, dict(embedder.identity), units.vectors.shape[1])
    try:
        embedded, seconds = fill_missing(units, missing, embedder, cache, progress=progress)
    finally:
        cache.close()
    at, part = 0, iter(parts)
    for f in files:
        f.tokens = [lexicon.tokens(c.embed_text) for c in f.chunks]
        for _ in f.chunks:
            n = len(next(part))
            f.vectors.append(units.vectors[at : at + n])
            at += n
    return files, embedded, seconds


def _old_vectors(client: Client, names: Names, state: State, files: list[str]) -> dict[str, np.ndarray]:
    """The stored vectors of these files' passages by text key (an update re-embeds only new text)."""
    known = [f for f in files if f in state.files]
    if not known:
        return {}
    expr = " and ".join(p for p in [in_list("file", known), state.visible()] if p)
    fields = [
        "id",
        "key",
        "own",
        "n",
        "vector",
        "text",
        "source",
        "title",
        "section",
        "start",
        "end",
        "line_start",
        "line_end",
    ]
    rows = client.query_all(names.passages, expr, fields)
    by_id = {int(r["id"]): r for r in rows}
    out = {}
    for r in rows:
        if not r["own"]:
            continue
        chunk = Chunk(
            r["text"],
            r["source"],
            r["title"],
            r["section"],
            int(r["start"]),
            int(r["end"]),
            int(r["line_start"]),
            int(r["line_end"]),
        )
        texts = passage_texts(chunk)
        if len(texts) != int(r["n"]):
            texts = texts[:1]
        for j, t in enumerate(texts):
            row = by_id.get(int(r["key"]) + j)
            if row is not None:
                out[text_key(t)] = np.asarray(row["vector"], dtype=np.float32)
    return out


def _report(
    settings: Settings,
    state: State,
    plan: _Plan,
    files: Sequence[FileInput],
    notes: list[str],
    started: float,
    *,
    written: bool,
    embedded: int = 0,
    embed_seconds: float = 0.0,
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
    new_chunks = sum(len(f.chunks) for f in files)
    gone = sum(int(old[n].counts.get("chunks", 0)) for n in (names | set(plan.removed)) if n in old)
    return BuildReport(
        index_dir=settings.index_dir,
        files=len(state.files),
        articles=totals["articles"],
        sections=totals["sections"],
        chunks=totals["chunks"],
        seconds=time.monotonic() - started,
        rejections=rejections,
        added=sorted(n for n in names if n not in old),
        updated=sorted(n for n in names if n in old),
        removed=plan.removed,
        unchanged=len(state.files) - len(names),
        chunks_added=new_chunks if written else 0,
        chunks_removed=gone if written else 0,
        embedded=embedded,
        embed_seconds=embed_seconds,
        notes=notes,
        written=written,
        store=describe(settings.milvus, settings.collection),
    )


def export_to_milvus(settings: Settings) -> BuildReport:
    """Copy the local index under ``settings.index_dir`` into the Milvus store of ``settings``:
    its vectors (as stored), texts, tokens and words, replacing whatever the collection held. No
    model is loaded: the collection records the local index's model."""
    from ..store import load, take_over

    started = time.monotonic()
    loaded = load(settings.index_dir)
    previous = take_over(settings.index_dir)
    try:
        contents = previous.contents()
        store = loaded.store
        keys = [s.key for file in contents.chunks for s in contents.chunks[file]]
        stored = store.vectors(keys) if keys else np.zeros((0, loaded.manifest.dim), np.float32)
        counts = store.counts[store.positions(np.asarray(keys, dtype=np.int64))] if keys else []
        lexicon = loaded.lexical.lexicon if loaded.lexical is not None else Lexicon()
        files, at, i = [], 0, 0
        for name, chunks in contents.chunks.items():
            f = FileInput(
                name,
                loaded.manifest.files.get(name, ""),
                contents.documents.get(name, []),
                [s.chunk for s in chunks],
                contents.rejections.get(name, []),
            )
            for s in chunks:
                f.tokens.append(s.tokens if s.tokens is not None else lexicon.tokens(s.chunk.embed_text))
                f.vectors.append(stored[at : at + int(counts[i])])
                at, i = at + int(counts[i]), i + 1
            files.append(f)
        like = _Identity(loaded.manifest.model, loaded.manifest.dim)
        client, names, sparse = _open(settings, like)  # type: ignore[arg-type]
    finally:
        previous.close()
        loaded.close()
    try:
        with writer_lock(client, names):
            notes = recover(client, names)
            state = read_state(client, names)
            plan = _Plan([], sorted(set(state.files) - {f.name for f in files}), [], True)
            written = _written(files, {}, None, f"export of {settings.index_dir.resolve()}")
            _write(client, names, state, written, like, sparse, True)  # type: ignore[arg-type]
            return _report(
                settings, read_state(client, names), plan, files, notes, started, written=True, before=state
            )
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
    from ..store import LexicalIndex, Manifest, create_store, write_version
    from ..store import writer_lock as folder_lock
    from ..store._milvus import open_milvus

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
    fields = [
        "id",
        "key",
        "own",
        "n",
        "file",
        "vector",
        "text",
        "source",
        "title",
        "section",
        "start",
        "end",
        "line_start",
        "line_end",
        "tokens",
    ]
    rows = sorted(client.query_all(names.passages, visible, fields), key=lambda r: (r["file"], int(r["id"])))
    out = Contents()
    vectors, counts, tokens = [], [], []
    for r in rows:
        vectors.append(r["vector"])
        if r["own"]:
            chunk = Chunk(
                r["text"],
                r["source"],
                r["title"],
                r["section"],
                int(r["start"]),
                int(r["end"]),
                int(r["line_start"]),
                int(r["line_end"]),
            )
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
