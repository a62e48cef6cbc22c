"""The build: bring the saved index up to date with the corpus, redoing only what changed.

A source file whose bytes hash as the live version recorded is not read again: its documents,
chunks and rejected lines are taken over from the live version. A chunk, or one of its sentence
windows, is embedded only if no vector for its exact text exists, from the live version (same
model) or the embedding cache.
BM25 is rebuilt from stored tokens; only new chunks, and old ones containing a word that entered
or left the archive's dictionary, are tokenised again. ``full`` re-reads, re-chunks and
re-tokenises everything, but still embeds only text no vector exists for.

A build holds the index's writer lock from start to end, cleans up after a build that was killed,
and writes a complete new version before switching to it (see index.store).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..embed import CACHE_FILE, Embedder, EmbeddingCache, text_key
from ..errors import IndexCorrupt, IndexIncompatible, IndexNotFound
from ..read import read_corpus
from ..records import Chunk, Rejection
from ..settings import Settings
from ..split import (
    DEFAULT_MAX_CHARS,
    DEFAULT_OVERLAP,
    chunk_document,
    passage_texts,
)
from ..store import (
    LEXICAL_VERSION,
    Contents,
    LexicalIndex,
    Manifest,
    Previous,
    StoredChunk,
    VectorStore,
    describe_model,
    remove_leftovers,
    take_over,
    write_version,
    writer_lock,
)
from ..text import Lexicon, domain_words
from ._hubness import hub_entry, score_build
from ._sources import Source, built_as_now, chunker_settings, nothing_to_index, read_sources, tokens_of
from ._vectors import Units, fill_missing, kept_keys, live_vectors, next_store, vectors_from_live


@dataclass(frozen=True)
class BuildReport:
    index_dir: Path
    files: int  # files indexed
    articles: int  # distinct (source, title): a page's articles, each JSONL article
    sections: int  # distinct (source, title, section)
    chunks: int
    seconds: float
    rejections: list[Rejection] = field(default_factory=list)
    added: list[str] = field(default_factory=list)  # source files new to the index
    updated: list[str] = field(default_factory=list)  # source files whose bytes changed
    removed: list[str] = field(default_factory=list)  # source files gone from the corpus
    unchanged: int = 0  # source files as the previous version had them
    chunks_added: int = 0  # chunks (source and text) the previous version did not have
    chunks_removed: int = 0  # chunks of the previous version that are gone
    embedded: int = 0  # texts the model embedded; every other vector already existed
    embed_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # recoveries and fallbacks, a sentence each
    written: bool = True  # False: nothing had changed, and the live version was kept
    # Seconds by step (read, chunk, take over, tokenise, reuse vectors, embedding cache, encode, write,
    # prune cache): where a build's time goes besides the model.
    phases: dict[str, float] = field(default_factory=dict)
    store: str = ""  # a Milvus store written instead of index_dir ("collection news at URI")

    def summary(self) -> str:
        """The counts, what changed, any notes, then each rejected input as ``file:line: reason``."""
        head = (
            f"Indexed {self.files} files: {self.articles} articles, {self.sections} sections, "
            f"{self.chunks} chunks in {self.seconds:.1f} s into {self.store or self.index_dir}."
        )
        change = (
            f"Sources: {_named(self.added, 'added')}, {_named(self.updated, 'updated')}, "
            f"{_named(self.removed, 'removed')}, {self.unchanged} unchanged. "
            f"Chunks: {self.chunks_added} added, {self.chunks_removed} removed, "
            f"{self.chunks - self.chunks_added} unchanged; "
            f"{self.embedded} embedded in {self.embed_seconds:.1f} s."
        )
        if not self.written:
            change += " Nothing changed: the index was kept as it was."
        lines = [head, change, *(f"Note: {n}." for n in self.notes)]
        if self.rejections:
            n = len(self.rejections)
            lines.append(f"Skipped {n} input{'s' if n != 1 else ''}:")
            lines.extend(str(r) for r in self.rejections)
        return "\n".join(lines)


def _named(names: Sequence[str], what: str) -> str:
    # A weekly update names its few files; a first build of hundreds only counts them.
    return f"{len(names)} {what} ({', '.join(names)})" if 0 < len(names) <= 3 else f"{len(names)} {what}"


def build(
    settings: Settings,
    embedder: Embedder,
    *,
    progress: bool = False,
    full: bool = False,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> BuildReport:
    """Bring the index under ``settings.index_dir`` (or the Milvus store of ``settings.milvus``)
    up to date with ``settings.corpus``.

    When another build is running: wait for it (``on_wait`` is told), or raise BuildRunning when
    not ``wait``. Raises NothingToIndex, leaving any existing index in place, when no document
    could be read.
    """
    if settings.milvus:
        from ._milvus_build import build_milvus

        return build_milvus(settings, embedder, progress=progress, full=full, wait=wait, on_wait=on_wait)
    started = time.monotonic()
    if not settings.index_dir.exists():
        # A first build that finds nothing to index leaves no folder behind.
        corpus = read_corpus(settings.corpus)
        if not any(chunk_document(d, DEFAULT_MAX_CHARS, DEFAULT_OVERLAP) for d in corpus.documents):
            raise nothing_to_index(settings.corpus, corpus.rejections)
    with writer_lock(settings.index_dir, wait=wait, on_wait=on_wait) as interrupted:
        notes = []
        leftovers = remove_leftovers(settings.index_dir)
        if interrupted or leftovers:
            notes.append(_recovery_note(interrupted, leftovers))
        live = _live(settings.index_dir, notes)
        try:
            return _update(_Job(settings, embedder, live, notes, started, progress, full))
        finally:
            if live is not None:
                live.close()


def _recovery_note(interrupted: str | None, leftovers: Sequence[str]) -> str:
    what = interrupted or "an earlier build was interrupted"
    if not leftovers:
        return f"{what}; it left nothing to clean up"
    n = len(leftovers)
    names = ", ".join(leftovers[:3]) + (", …" if n > 3 else "")
    return f"{what}; removed the {n} version folder{'s' if n != 1 else ''} it left behind ({names})"


def _live(index_dir: Path, notes: list[str]) -> Previous | None:
    """The live version to take over from, or None (with a note if there is one it cannot use)."""
    try:
        return take_over(index_dir)
    except IndexNotFound:
        return None
    except (IndexIncompatible, IndexCorrupt) as e:
        reason = str(e).split("; rebuild", 1)[0]
        notes.append(f"the existing index cannot be taken over ({reason}), so every source is read again")
        return None


@dataclass(frozen=True)
class _Job:
    """What one build works with: the settings, the model, the live version if any (and what it
    holds), the notes it gathers, and when it started."""

    settings: Settings
    embedder: Embedder
    live: Previous | None
    notes: list[str]
    started: float
    progress: bool
    full: bool

    @property
    def old(self) -> Manifest | None:
        return self.live.manifest if self.live is not None else None


@dataclass
class _Read:
    """The corpus as this build sees it, and how it differs from the live version's."""

    sources: list[Source]
    rejections: list[Rejection]
    files: dict[str, str]  # source file -> sha256
    added: list[str]
    updated: list[str]
    removed: list[str]
    chunks: list[Chunk]
    documents: int
    articles: int
    sections: int
    chunks_added: int
    chunks_removed: int


def _same_as_before(job: _Job, identity: dict[str, Any]) -> tuple[bool, bool]:
    """Whether the live index was built with this model and with this chunker; a note for each
    that changed."""
    old = job.old
    # The identity names the weights and how they run, so the same identity means the same vectors
    # (and dimension): a build that embeds nothing never has to load the model.
    same_model = old is not None and old.model == identity
    if old is not None and not same_model:
        job.notes.append(
            f"the index was built with {describe_model(old.model)} ({old.dim} dimensions), this build "
            f"uses {describe_model(identity)} ({job.embedder.dim}); no vector of the old model is kept"
        )
    chunker = chunker_settings()
    same_chunker = old is not None and old.chunker == chunker
    if old is not None and not same_chunker:
        job.notes.append(
            f"the chunker changed ({old.chunker} to {chunker}), so every source is chunked again"
        )
    return same_model, same_chunker


def _update(job: _Job) -> BuildReport:
    phases: dict[str, float] = {}
    identity = dict(job.embedder.identity)
    old = job.old
    same_model, same_chunker = _same_as_before(job, identity)
    contents = job.live.contents() if job.live is not None else Contents()
    read = _read(job, contents, take_over=same_chunker and not job.full)
    phases["read, chunk, take over"] = time.monotonic() - job.started
    # An index built before hub scores (or with other probes) gains them now, without embedding.
    if old is not None and not job.full and built_as_now(old, job.embedder) and old.hubness == hub_entry():
        if not (read.added or read.updated or read.removed):
            return _report(job, read, phases, written=False)
    mark = time.monotonic()
    lexicon, tokens = _tokenise(job, read.chunks, contents)
    mark = _phase(phases, "tokenise", mark)
    dim = old.dim if old is not None and same_model else job.embedder.dim
    previous = live_vectors(job.live, job.notes) if job.live is not None and same_model else None
    kept: list[int | None] = [None] * len(read.chunks)
    if previous is not None and same_chunker:
        kept = kept_keys(read.chunks, contents)
    new = _Vectors(job, identity, dim, phases)
    store, chunk_keys = new.build(previous, kept, read.chunks, contents, with_windows=same_chunker)
    mark = time.monotonic()
    live = job.live if same_model else None
    hub, probes, hubness = score_build(job.embedder, store, chunk_keys, kept, live)
    mark = _phase(phases, "hub scores", mark)
    manifest = Manifest(
        model=identity,
        dim=dim,
        chunker=chunker_settings(),
        files=read.files,
        counts={
            "files": len(read.files),
            "documents": read.documents,
            "articles": read.articles,
            "sections": read.sections,
            "chunks": len(read.chunks),
            "windows": store.vector_count - len(read.chunks),
        },
        lexical={"version": LEXICAL_VERSION, "words": len(lexicon.words)},
        vectors=store.params(),
        hubness=hubness,
    )
    index_dir = job.settings.index_dir
    rows = _rows(read.sources, chunk_keys, tokens)
    lexical = LexicalIndex.from_tokens(tokens, lexicon)
    write_version(index_dir, manifest, rows, store, lexical, (hub, probes))
    remove_leftovers(index_dir)
    mark = _phase(phases, "write", mark)
    new.prune(read.chunks)
    _phase(phases, "prune cache", mark)
    return _report(job, read, phases, written=True, embedded=new.embedded, embed_seconds=new.seconds)


def _read(job: _Job, contents: Contents, *, take_over: bool) -> _Read:
    """The sources under the corpus paths (unchanged ones taken over when ``take_over``), their
    chunks, and what changed since the live version; NothingToIndex when there is no chunk."""
    paths = job.settings.corpus
    old_files = job.old.files if job.old is not None else {}
    sources, rejections = read_sources(paths, old_files if take_over else {}, contents)
    files = {s.name: s.digest for s in sources}
    chunks = [c for s in sources for c in s.chunks]
    if not chunks:
        raise nothing_to_index(paths, rejections)
    old_chunks = Counter((s.chunk.source, s.chunk.embed_text) for ss in contents.chunks.values() for s in ss)
    new_chunks = Counter((c.source, c.embed_text) for c in chunks)
    return _Read(
        sources=sources,
        rejections=rejections,
        files=files,
        added=[n for n in files if n not in old_files],
        updated=[n for n in files if n in old_files and old_files[n] != files[n]],
        removed=[n for n in old_files if n not in files],
        chunks=chunks,
        documents=sum(len(s.documents) for s in sources),
        # A page holds many articles: each is a headline, and its chunks carry it as their title.
        articles=len({(c.source, c.title) for c in chunks}),
        sections=len({(c.source, c.title, c.section) for c in chunks}),
        chunks_added=(new_chunks - old_chunks).total(),
        chunks_removed=(old_chunks - new_chunks).total(),
    )


def _tokenise(job: _Job, chunks: list[Chunk], contents: Contents) -> tuple[Lexicon, list[list[str]]]:
    """The archive's lexicon (its own words added to jieba) and every chunk's BM25 tokens, the
    live version's kept where no word entered or left the dictionary."""
    texts = [c.embed_text for c in chunks]
    lexicon = Lexicon(domain_words(texts))
    changed_words = None  # stored tokens are not valid
    old = job.old
    if not job.full and old is not None and old.lexical.get("version") == LEXICAL_VERSION:
        # The live version's dictionary, as its build derived it: from all its chunks.
        old_words = domain_words(s.chunk.embed_text for kept in contents.chunks.values() for s in kept)
        changed_words = set(lexicon.words) ^ set(old_words)
    return lexicon, tokens_of(texts, contents, lexicon, changed_words)


def _rows(sources: Sequence[Source], chunk_keys: Sequence[int], tokens: Sequence[list[str]]) -> Contents:
    """What the next version holds, by source file, in row order."""
    written = Contents()
    at = 0  # the row of the source's first chunk
    for s in sources:
        rows = range(at, at + len(s.chunks))
        written.documents[s.name] = s.documents
        written.chunks[s.name] = [StoredChunk(chunk_keys[r], s.chunks[r - at], tokens[r]) for r in rows]
        written.rejections[s.name] = s.rejections
        at = rows.stop
    return written


def _report(job: _Job, read: _Read, phases: dict[str, float], **done: object) -> BuildReport:
    unchanged = len(read.files) - len(read.added) - len(read.updated)
    return BuildReport(
        index_dir=job.settings.index_dir,
        files=len(read.files),
        articles=read.articles,
        sections=read.sections,
        chunks=len(read.chunks),
        seconds=time.monotonic() - job.started,
        rejections=read.rejections,
        added=read.added,
        updated=read.updated,
        removed=read.removed,
        unchanged=unchanged,
        chunks_added=read.chunks_added,
        chunks_removed=read.chunks_removed,
        notes=job.notes,
        phases=dict(phases),
        **done,  # type: ignore[arg-type]
    )


class _Vectors:
    """The next version's vectors for one build: kept, copied, cached or embedded (see ``_vectors``)."""

    def __init__(self, job: _Job, identity: dict[str, str], dim: int, phases: dict[str, float]) -> None:
        self.job, self.identity, self.dim, self.phases = job, identity, dim, phases
        self.embedded = 0
        self.seconds = 0.0

    def _cache(self) -> EmbeddingCache:
        return EmbeddingCache(self.job.settings.index_dir / CACHE_FILE, self.identity, self.dim)

    def build(
        self,
        previous: VectorStore | None,
        kept: list[int | None],
        chunks: list[Chunk],
        contents: Contents,
        *,
        with_windows: bool,
    ) -> tuple[VectorStore, list[int]]:
        """The store and each chunk's key in it. Chunks the live store holds with the same texts keep
        their vectors there, under their keys; the others are embedded: each chunk's own text, then
        its windows' (see passage_texts)."""
        mark = time.monotonic()
        parts = [passage_texts(c) for c, key in zip(chunks, kept, strict=True) if key is None]
        units = Units.of(parts, self.dim)
        if previous is not None:
            missing = vectors_from_live(units, previous, contents, with_windows=with_windows)
        else:
            missing = list(range(len(units.keys)))
        mark = _phase(self.phases, "reuse vectors", mark)
        cache = self._cache()
        try:
            self.embedded, self.seconds = fill_missing(
                units, missing, self.job.embedder, cache, progress=self.job.progress
            )
        finally:
            cache.close()
            self.job.notes.extend(cache.notes)
        _phase(self.phases, "embedding cache", mark, minus=self.seconds)
        self.phases["encode"] = self.seconds
        return next_store(previous, kept, units.vectors, [len(p) for p in parts], self.dim)

    def prune(self, chunks: Sequence[Chunk]) -> None:
        """Drop the cached vectors of text no longer indexed. Only once the new version is live:
        until then the old one may still need its vectors."""
        cache = self._cache()
        try:
            # Every text the new version holds, the kept chunks' too, not only those embedded now.
            pruned = cache.prune(text_key(t) for c in chunks for t in passage_texts(c))
        finally:
            cache.close()
            self.job.notes.extend(cache.notes)
        if pruned:
            self.job.notes.append(f"dropped {pruned} cached vectors of text no longer indexed")


def _phase(phases: dict[str, float], name: str, since: float, minus: float = 0.0) -> float:
    """Record the seconds since ``since`` (less ``minus``) under ``name``; return now."""
    now = time.monotonic()
    phases[name] = phases.get(name, 0.0) + now - since - minus
    return now
