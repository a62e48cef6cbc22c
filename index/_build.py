"""The build: bring the saved index up to date with the corpus, redoing only what changed.

A source file whose bytes hash as the live version recorded is not read again: its documents,
chunks and rejected lines are taken over from the live version. A chunk, or one of its sentence
windows, is embedded only if no vector for its exact text exists, from the live version (same
model) or the embedding cache.
BM25 is rebuilt from stored tokens; only new chunks, and old ones containing a word that entered
or left the archive's dictionary, are tokenised again. ``full`` re-reads, re-chunks and
re-tokenises everything, but still embeds only text no vector exists for.

A build holds the index's writer lock from start to end, cleans up after a build that was killed,
and writes a complete new version before switching to it (see _store.py).
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ._chunk import CHUNKER_VERSION, DEFAULT_MAX_CHARS, DEFAULT_OVERLAP, WINDOW_CHARS, chunk_document
from ._embed import Embedder
from ._embedcache import CACHE_FILE, EmbeddingCache, text_key
from ._lexical import LEXICAL_VERSION, LexicalIndex, Lexicon, domain_words
from ._read import discover, read_corpus, read_file
from ._settings import Settings
from ._store import (
    Contents,
    IndexCorrupt,
    IndexIncompatible,
    IndexNotFound,
    Manifest,
    Previous,
    StoredChunk,
    crash_point,
    describe_model,
    remove_leftovers,
    take_over,
    write_version,
    writer_lock,
)
from ._types import Chunk, Document, Rejection
from ._vectors import VectorStore, create_store, passage_texts
from .errors import NothingToIndex

BATCH_SIZE = 32
# What the manifest records of the chunker; chunks from a different one are never taken over.
CHUNKER: dict[str, str | int] = {
    "version": CHUNKER_VERSION,
    "max_chars": DEFAULT_MAX_CHARS,
    "overlap": DEFAULT_OVERLAP,
    "windows": WINDOW_CHARS,
}
# Up to this many changed dictionary words, find each in all stored text at once; beyond, look
# up every text's substrings instead (a fixed cost of a few seconds, whatever the word count).
_FIND_WORDS = 300


@dataclass(frozen=True)
class BuildReport:
    index_dir: Path
    files: int  # files indexed
    articles: int  # documents: page files and JSONL articles
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

    def summary(self) -> str:
        """The counts, what changed, any notes, then each rejected input as ``file:line: reason``."""
        head = (
            f"Indexed {self.files} files: {self.articles} articles, {self.sections} sections, "
            f"{self.chunks} chunks in {self.seconds:.1f} s into {self.index_dir}."
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
    """Bring the index under ``settings.index_dir`` up to date with ``settings.corpus``.

    When another build is running: wait for it (``on_wait`` is told), or raise BuildRunning when
    not ``wait``. Raises NothingToIndex, leaving any existing index in place, when no document
    could be read.
    """
    started = time.monotonic()
    if not settings.index_dir.exists():
        # A first build that finds nothing to index leaves no folder behind.
        corpus = read_corpus(settings.corpus)
        if not any(chunk_document(d, DEFAULT_MAX_CHARS, DEFAULT_OVERLAP) for d in corpus.documents):
            raise _nothing(settings.corpus, corpus.rejections)
    with writer_lock(settings.index_dir, wait=wait, on_wait=on_wait) as interrupted:
        notes = []
        leftovers = remove_leftovers(settings.index_dir)
        if interrupted or leftovers:
            notes.append(_recovery_note(interrupted, leftovers))
        live = _live(settings.index_dir, notes)
        try:
            return _update(settings, embedder, live, notes, started, progress=progress, full=full)
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


@dataclass
class _Source:
    name: str
    digest: str
    documents: list[Document]
    chunks: list[Chunk]
    rejections: list[Rejection]  # bad lines inside the file


def _update(
    settings: Settings,
    embedder: Embedder,
    live: Previous | None,
    notes: list[str],
    started: float,
    *,
    progress: bool,
    full: bool,
) -> BuildReport:
    index_dir = settings.index_dir
    phases: dict[str, float] = {}
    identity = dict(embedder.identity)
    old = live.manifest if live is not None else None
    # The identity names the weights and how they run, so the same identity means the same vectors
    # (and dimension): a build that embeds nothing never has to load the model.
    same_model = old is not None and old.model == identity
    if old is not None and not same_model:
        notes.append(
            f"the index was built with {describe_model(old.model)} ({old.dim} dimensions), this build "
            f"uses {describe_model(identity)} ({embedder.dim}); no vector of the old model is kept"
        )
    dim = old.dim if old is not None and same_model else embedder.dim
    same_chunker = old is not None and old.chunker == CHUNKER
    if old is not None and not same_chunker:
        notes.append(f"the chunker changed ({old.chunker} to {CHUNKER}), so every source is chunked again")
    take_over = same_chunker and not full
    contents = live.contents() if live is not None else Contents()
    old_files = old.files if old is not None else {}
    sources, rejections = _sources(settings.corpus, old_files if take_over else {}, contents)
    new_files = {s.name: s.digest for s in sources}
    added = [n for n in new_files if n not in old_files]
    updated = [n for n in new_files if n in old_files and old_files[n] != new_files[n]]
    removed = [n for n in old_files if n not in new_files]
    documents = [d for s in sources for d in s.documents]
    chunks = [c for s in sources for c in s.chunks]
    if not chunks:
        raise _nothing(settings.corpus, rejections)
    sections = len({(c.source, c.title, c.section) for c in chunks})
    old_chunks = Counter((s.chunk.source, s.chunk.embed_text) for ss in contents.chunks.values() for s in ss)
    new_chunks = Counter((c.source, c.embed_text) for c in chunks)

    phases["read, chunk, take over"] = time.monotonic() - started

    def report(written: bool, embedded: int = 0, embed_seconds: float = 0.0) -> BuildReport:
        return BuildReport(
            index_dir, len(new_files), len(documents), sections, len(chunks), time.monotonic() - started,
            rejections, added, updated, removed, len(new_files) - len(added) - len(updated),
            (new_chunks - old_chunks).total(), (old_chunks - new_chunks).total(), embedded, embed_seconds,
            notes, written, dict(phases),
        )  # fmt: skip

    if old is not None and not full and built_as_now(old, embedder) and not (added or updated or removed):
        return report(False)

    mark = time.monotonic()
    texts = [c.embed_text for c in chunks]
    lexicon = Lexicon(domain_words(texts))
    changed_words = None  # stored tokens are not valid
    if not full and old is not None and old.lexical.get("version") == LEXICAL_VERSION:
        # The live version's dictionary, as its build derived it: from all its chunks.
        old_words = domain_words(s.chunk.embed_text for kept in contents.chunks.values() for s in kept)
        changed_words = set(lexicon.words) ^ set(old_words)
    tokens = _tokens(texts, contents, lexicon, changed_words)
    mark = _phase(phases, "tokenise", mark)

    # Chunks the live store holds with the same texts keep their vectors there, under their keys.
    # The others are embedded: each chunk's own text, then its windows' (see passage_texts).
    previous = _live_vectors(live, notes) if live is not None and same_model else None
    kept = _kept_keys(chunks, contents) if previous is not None and same_chunker else [None] * len(chunks)
    parts = [passage_texts(c) for c, key in zip(chunks, kept, strict=True) if key is None]
    units = [t for p in parts for t in p]
    vectors = np.empty((len(units), dim), dtype=np.float32)
    keys = [text_key(t) for t in units]
    # Where each chunk's own text stands in ``units`` (its windows' follow it).
    chunk_at = frozenset(itertools.accumulate((len(p) for p in parts[:-1]), initial=0) if parts else ())
    if previous is not None:
        missing = _vectors_from_live(vectors, keys, previous, contents, with_windows=same_chunker)
    else:
        missing = list(range(len(keys)))
    mark = _phase(phases, "reuse vectors", mark)
    cache = EmbeddingCache(index_dir / CACHE_FILE, identity, dim)
    try:
        embedded, embed_seconds = _fill_missing(
            vectors, keys, units, missing, embedder, cache, progress=progress, chunk_at=chunk_at
        )
    finally:
        cache.close()
        notes.extend(cache.notes)
    mark = _phase(phases, "embedding cache", mark, minus=embed_seconds)
    phases["encode"] = embed_seconds
    store, chunk_keys = _next_store(previous, kept, vectors, [len(p) for p in parts], dim)

    manifest = Manifest(
        model=identity,
        dim=dim,
        chunker=dict(CHUNKER),
        files=new_files,
        counts={
            "files": len(new_files),
            "documents": len(documents),
            "sections": sections,
            "chunks": len(chunks),
            "windows": store.vector_count - len(chunks),
        },
        lexical={"version": LEXICAL_VERSION, "words": len(lexicon.words)},
        vectors=store.params(),
    )
    written = Contents()
    at = 0  # the row of the source's first chunk
    for s in sources:
        rows = range(at, at + len(s.chunks))
        written.documents[s.name] = s.documents
        written.chunks[s.name] = [StoredChunk(chunk_keys[r], chunks[r], tokens[r]) for r in rows]
        written.rejections[s.name] = s.rejections
        at = rows.stop
    write_version(index_dir, manifest, written, store, LexicalIndex.from_tokens(tokens, lexicon))
    remove_leftovers(index_dir)
    mark = _phase(phases, "write", mark)
    # Only once the new version is live: until then the old one may still need its vectors.
    cache = EmbeddingCache(index_dir / CACHE_FILE, identity, dim)
    try:
        # Every text the new version holds, the kept chunks' too, not only those embedded now.
        pruned = cache.prune(text_key(t) for c in chunks for t in passage_texts(c))
    finally:
        cache.close()
        notes.extend(cache.notes)
    if pruned:
        notes.append(f"dropped {pruned} cached vectors of text no longer indexed")
    _phase(phases, "prune cache", mark)
    return report(True, embedded, embed_seconds)


def _phase(phases: dict[str, float], name: str, since: float, minus: float = 0.0) -> float:
    """Record the seconds since ``since`` (less ``minus``) under ``name``; return now."""
    now = time.monotonic()
    phases[name] = phases.get(name, 0.0) + now - since - minus
    return now


def _sources(
    paths: Sequence[Path], unchanged: dict[str, str], contents: Contents
) -> tuple[list[_Source], list[Rejection]]:
    """Every indexable source file under ``paths``, in order, and every rejected input. A file
    whose bytes still hash as ``unchanged`` says is taken from ``contents`` without reading it."""
    sources: list[_Source] = []
    files, rejections = discover(paths)
    for path, name in files:
        if name in unchanged and file_sha256(path) == unchanged[name]:
            kept = contents.rejections.get(name, [])
            chunks = [s.chunk for s in contents.chunks.get(name, [])]
            sources.append(_Source(name, unchanged[name], contents.documents.get(name, []), chunks, kept))
            rejections.extend(kept)
            continue
        docs, rejected, digest = read_file(path, name)
        rejections.extend(rejected)
        if digest is not None:
            chunks = [c for d in docs for c in chunk_document(d, DEFAULT_MAX_CHARS, DEFAULT_OVERLAP)]
            sources.append(_Source(name, digest, docs, chunks, rejected))
    return sources, rejections


def _nothing(paths: Sequence[Path], rejections: Sequence[Rejection]) -> NothingToIndex:
    where = ", ".join(str(p) for p in paths)
    why = "; ".join(str(r) for r in rejections[:3]) or "no .txt, .md or .jsonl files with text"
    more = f" (and {len(rejections) - 3} more)" if len(rejections) > 3 else ""
    return NothingToIndex(f"nothing to index in {where}: {why}{more}")


def file_sha256(path: Path) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None  # read_file says why


def _tokens(
    texts: Sequence[str], contents: Contents, lexicon: Lexicon, changed_words: set[str] | None
) -> list[list[str]]:
    """BM25 tokens of every text: stored ones where still valid, else tokenised now.

    Stored tokens stay valid unless the text contains a word that entered or left the dictionary
    (``changed_words``; None: none are valid). jieba works on the text folded to simplified
    characters, so a traditional-script text matching a new word only after folding keeps its old
    tokens until a full build; so do texts whose best split shifts only through jieba's total word
    frequency, which each new word nudges. Both change a rare token, never the passage found.
    """
    stored: dict[str, list[str]] = {}
    if changed_words is not None:
        for kept in contents.chunks.values():
            stored.update((s.chunk.embed_text, s.tokens) for s in kept if s.tokens is not None)
    tokens: list[list[str] | None] = [stored.get(t) for t in texts]
    have = [i for i, t in enumerate(tokens) if t is not None]
    for j in containing(changed_words or set(), [texts[i] for i in have]):
        tokens[have[j]] = None
    return [t if t is not None else lexicon.tokens(texts[i]) for i, t in enumerate(tokens)]


def containing(words: Collection[str], texts: Sequence[str]) -> set[int]:
    """Indices of the texts that contain any of the words.

    >>> sorted(containing({"鄞州", "杭工e家"}, ["宁波鄞州区", "杭州", "推出“杭工e家”"]))
    [0, 2]
    """
    if not words or not texts:
        return set()
    found: set[int] = set()
    if len(words) <= _FIND_WORDS:
        # One string, one C-speed find per word: ~1 ms per word for the whole archive.
        joined = "\0".join(texts)
        starts = list(accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
        for w in words:
            at = joined.find(w)
            while at != -1:
                i = bisect.bisect_right(starts, at) - 1
                found.add(i)
                at = joined.find(w, starts[i] + len(texts[i]) + 1) if i + 1 < len(texts) else -1
        return found
    lengths = sorted({len(w) for w in words})
    for i, t in enumerate(texts):
        if any(t[j : j + n] in words for n in lengths for j in range(len(t) - n + 1)):
            found.add(i)
    return found


def _live_vectors(live: Previous, notes: list[str]) -> VectorStore | None:
    """The live version's vector store, or None (with a note) when it cannot be used: then every
    vector comes from the embedding cache or the model."""
    try:
        return live.vectors
    except (IndexIncompatible, IndexCorrupt) as e:
        reason = str(e).split("; rebuild", 1)[0]
        notes.append(f"the existing vectors cannot be taken over ({reason}), so none is kept in place")
        return None


def _kept_keys(chunks: Sequence[Chunk], contents: Contents) -> list[int | None]:
    """For each chunk, the key of a live chunk with the same texts (its vectors are kept), or
    None. A chunk's texts, its own and its windows', follow from its context and text alone; a
    live chunk is kept for one chunk at most."""
    live: dict[tuple[str, str], list[int]] = {}
    for stored in contents.chunks.values():
        for s in stored:
            live.setdefault((s.chunk.context, s.chunk.text), []).append(s.key)
    for keys in live.values():
        keys.reverse()
    out: list[int | None] = []
    for c in chunks:
        same = live.get((c.context, c.text))
        out.append(same.pop() if same else None)
    return out


def _next_store(
    previous: VectorStore | None,
    kept: Sequence[int | None],
    vectors: np.ndarray,
    counts: Sequence[int],
    dim: int,
) -> tuple[VectorStore, list[int]]:
    """The next version's vector store, and the key of each chunk in it.

    ``kept[i]``: chunk i's key in ``previous``, or None for the next of the new passages
    (``counts[j]`` rows of ``vectors`` each). The previous store, which the build owns, loses the
    passages not kept and gains the new ones, if it still suits the new size; otherwise a new
    store of the kind that does is filled with the kept passages' vectors (as stored) and the new.
    """
    old = np.array([k for k in kept if k is not None], dtype=np.int64)
    total = len(vectors)
    if previous is not None and len(old):
        total += int(previous.counts[previous.positions(old)].sum())
    if previous is not None and previous.suits(total):
        previous.remove(np.setdiff1d(previous.keys, old))
        store, moved, added = previous, old, previous.add(vectors, counts)
    else:
        old_counts = previous.counts[previous.positions(old)] if previous is not None and len(old) else []
        old_vectors = previous.vectors(old) if previous is not None and len(old) else np.zeros((0, dim))
        store, all_keys = create_store(
            np.concatenate([old_vectors, vectors]).astype(np.float32), [*old_counts, *counts], dim
        )
        moved, added = all_keys[: len(old)], all_keys[len(old) :]
    renamed = dict(zip(old.tolist(), moved.tolist(), strict=True))
    fresh = iter(added.tolist())
    return store, [renamed[k] if k is not None else next(fresh) for k in kept]


def _vectors_from_live(
    vectors: np.ndarray,
    keys: Sequence[str],
    previous: VectorStore,
    contents: Contents,
    *,
    with_windows: bool,
) -> list[int]:
    """Copy into ``vectors`` the live store's vector of every text it holds exactly; return the
    rest's indices (all of them when the store keeps its vectors approximately: those come from
    the embedding cache, exact).

    ``with_windows``: the live version cut windows as this build does, so its window vectors are
    known from its chunks; otherwise only chunk vectors are taken over.
    """
    if not previous.exact or not len(keys):
        return list(range(len(keys)))
    counts = dict(zip(previous.keys.tolist(), previous.counts.tolist(), strict=True))
    where: dict[str, tuple[int, int]] = {}  # text key -> (passage key, which of its vectors)
    for kept in contents.chunks.values():
        for s in kept:
            texts = passage_texts(s.chunk) if with_windows else [s.chunk.embed_text]
            if len(texts) != counts[s.key]:
                texts = texts[:1]
            where.update((text_key(t), (s.key, i)) for i, t in enumerate(texts))
    wanted = [(i, where[k]) for i, k in enumerate(keys) if k in where]
    passages = sorted({key for _, (key, _) in wanted})
    if passages:
        stored = previous.vectors(passages)
        start = dict(zip(passages, np.cumsum([0, *(counts[p] for p in passages[:-1])]).tolist(), strict=True))
        for i, (key, slot) in wanted:
            vectors[i] = stored[start[key] + slot]
    found = {i for i, _ in wanted}
    return [i for i in range(len(keys)) if i not in found]


def _fill_missing(
    vectors: np.ndarray,
    keys: Sequence[str],
    texts: Sequence[str],
    missing: Sequence[int],
    embedder: Embedder,
    cache: EmbeddingCache,
    *,
    progress: bool,
    chunk_at: frozenset[int] = frozenset(),
) -> tuple[int, float]:
    """Fill ``vectors[missing]`` from the cache, else the model (caching each batch at once);
    return how many texts the model embedded, and the seconds it took. A text repeated in the
    archive is embedded once. ``chunk_at`` are the positions of chunks' own texts, the rest are
    their windows' (for the progress bar).
    """
    cached = cache.get(keys[i] for i in missing)
    todo: dict[str, list[int]] = {}
    for i in missing:
        if keys[i] in cached:
            vectors[i] = cached[keys[i]]
        else:
            todo.setdefault(keys[i], []).append(i)
    # Longest first, so that each batch holds texts of about one length: a batch is padded to its
    # longest text, and chunks then windows in page order cost 1.6 times the token positions
    # (docs/benchmarks.md).
    order = sorted(todo, key=lambda k: -len(texts[todo[k][0]]))

    def store(start: int, batch: np.ndarray) -> None:
        batch_keys = order[start : start + len(batch)]
        cache.put(batch_keys, batch)
        for k, v in zip(batch_keys, batch, strict=True):
            vectors[todo[k]] = v
        crash_point("embedding")

    if not order:
        return 0, 0.0
    new_chunks = sum(1 for k in order if todo[k][0] in chunk_at)
    what = f"embedding {new_chunks} chunks, {len(order) - new_chunks} windows"
    started = time.monotonic()
    embed_texts([texts[todo[k][0]] for k in order], embedder, progress=progress, on_batch=store, desc=what)
    return len(order), time.monotonic() - started


def embed_texts(
    texts: Sequence[str],
    embedder: Embedder,
    *,
    progress: bool = False,
    on_batch: Callable[[int, np.ndarray], None] | None = None,
    desc: str = "embedding",
) -> np.ndarray:
    """(len(texts), dim) float32 embeddings, in batches; ``on_batch(start, vectors)`` sees each one.

    The progress bar counts characters embedded, which is what the time goes with (a chunk is five
    windows' worth), so its rate and time left hold while lengths change.
    """
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    out: np.ndarray | None = None
    total = sum(len(t) for t in texts)
    with tqdm(total=total, unit="char", unit_scale=True, desc=desc, disable=not progress) as bar:
        for i in range(0, len(texts), BATCH_SIZE):
            batch = list(texts[i : i + BATCH_SIZE])
            vectors = np.asarray(embedder.embed_documents(batch), dtype=np.float32)
            if out is None:
                out = np.empty((len(texts), embedder.dim), dtype=np.float32)
            if vectors.shape != (len(batch), out.shape[1]):
                raise ValueError(
                    f"embedder returned shape {vectors.shape} for {len(batch)} texts, "
                    f"expected ({len(batch)}, {out.shape[1]})"
                )
            out[i : i + len(batch)] = vectors
            if on_batch is not None:
                on_batch(i, vectors)
            bar.update(sum(len(t) for t in batch))
    assert out is not None
    return out


def changed_sources(manifest: Manifest, paths: Sequence[Path]) -> dict[str, str]:
    """Source files that differ between the index and the disk: name -> added | changed | removed."""
    on_disk: dict[str, str] = {}
    files, _ = discover(paths)
    for path, name in files:
        digest = file_sha256(path)
        if digest is not None:
            on_disk[name] = digest
    changes = {n: "removed" for n in manifest.files if n not in on_disk}
    for name, digest in on_disk.items():
        if name not in manifest.files:
            changes[name] = "added"
        elif manifest.files[name] != digest:
            changes[name] = "changed"
    return dict(sorted(changes.items()))


def built_as_now(manifest: Manifest, embedder: Embedder) -> bool:
    """Whether a build now would embed, chunk and tokenise as the one that wrote ``manifest`` did."""
    # The identity fixes the dimension too; asking the embedder for it could load the model.
    return (
        manifest.model == dict(embedder.identity)
        and manifest.chunker == CHUNKER
        and manifest.lexical.get("version") == LEXICAL_VERSION
    )


def is_current(manifest: Manifest, paths: Sequence[Path], embedder: Embedder) -> bool:
    """Whether an index already holds exactly these sources, chunked and embedded as a build would now."""
    return built_as_now(manifest, embedder) and not changed_sources(manifest, paths)
