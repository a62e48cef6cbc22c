"""The build: read the corpus, chunk every document, embed every chunk, save the index."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ._chunk import CHUNKER_VERSION, DEFAULT_MAX_CHARS, chunk_document
from ._embed import Embedder
from ._lexical import LEXICAL_VERSION, LexicalIndex, Lexicon, domain_words
from ._read import discover, read_corpus
from ._settings import Settings
from ._store import IndexProblem, Manifest, save
from ._types import Chunk, Rejection

BATCH_SIZE = 32


class NothingToIndex(IndexProblem):
    """No document could be read, so no index was written (and any previous one was kept)."""


@dataclass(frozen=True)
class BuildReport:
    index_dir: Path
    files: int  # files read
    articles: int  # documents: page files and JSONL articles
    sections: int  # distinct (source, title, section)
    chunks: int
    seconds: float
    rejections: list[Rejection] = field(default_factory=list)

    def summary(self) -> str:
        """One line of counts, then each rejected input on its own line as ``file:line: reason``."""
        head = (
            f"Indexed {self.files} files: {self.articles} articles, {self.sections} sections, "
            f"{self.chunks} chunks in {self.seconds:.1f} s into {self.index_dir}."
        )
        if not self.rejections:
            return head
        n = len(self.rejections)
        lines = [head, f"Skipped {n} input{'s' if n != 1 else ''}:"]
        return "\n".join(lines + [str(r) for r in self.rejections])


def build(settings: Settings, embedder: Embedder, *, progress: bool = False) -> BuildReport:
    """Index ``settings.corpus`` into ``settings.index_dir`` with ``embedder``.

    Raises NothingToIndex, leaving any existing index in place, when no document could be read.
    """
    started = time.monotonic()
    corpus = read_corpus(settings.corpus)
    chunks = [c for doc in corpus.documents for c in chunk_document(doc, DEFAULT_MAX_CHARS)]
    if not chunks:
        where = ", ".join(str(p) for p in settings.corpus)
        why = "; ".join(str(r) for r in corpus.rejections[:3]) or "no .txt, .md or .jsonl files with text"
        more = f" (and {len(corpus.rejections) - 3} more)" if len(corpus.rejections) > 3 else ""
        raise NothingToIndex(f"nothing to index in {where}: {why}{more}")
    vectors = embed_chunks(chunks, embedder, progress=progress)
    lexicon = Lexicon(domain_words(c.embed_text for c in chunks))
    lexical = LexicalIndex.build([c.embed_text for c in chunks], lexicon)
    sections = len({(c.source, c.title, c.section) for c in chunks})
    manifest = Manifest(
        model=dict(embedder.identity),
        dim=embedder.dim,
        chunker={"version": CHUNKER_VERSION, "max_chars": DEFAULT_MAX_CHARS},
        files=dict(corpus.files),
        counts={
            "files": len(corpus.files),
            "documents": len(corpus.documents),
            "sections": sections,
            "chunks": len(chunks),
        },
        lexical={"version": LEXICAL_VERSION, "words": len(lexicon.words)},
    )
    save(settings.index_dir, manifest, chunks, vectors, corpus.documents, lexical)
    return BuildReport(
        index_dir=settings.index_dir,
        files=len(corpus.files),
        articles=len(corpus.documents),
        sections=sections,
        chunks=len(chunks),
        seconds=time.monotonic() - started,
        rejections=list(corpus.rejections),
    )


def embed_chunks(chunks: Sequence[Chunk], embedder: Embedder, *, progress: bool = False) -> np.ndarray:
    """(len(chunks), dim) float32: the embedding of each chunk's title, section and text."""
    out = np.empty((len(chunks), embedder.dim), dtype=np.float32)
    with tqdm(total=len(chunks), unit="chunk", desc="embedding", disable=not progress) as bar:
        for i in range(0, len(chunks), BATCH_SIZE):
            batch = [c.embed_text for c in chunks[i : i + BATCH_SIZE]]
            vectors = np.asarray(embedder.embed_documents(batch), dtype=np.float32)
            if vectors.shape != (len(batch), embedder.dim):
                raise ValueError(
                    f"embedder returned shape {vectors.shape} for {len(batch)} texts, "
                    f"expected ({len(batch)}, {embedder.dim})"
                )
            out[i : i + len(batch)] = vectors
            bar.update(len(batch))
    return out


def changed_sources(manifest: Manifest, paths: Sequence[Path]) -> dict[str, str]:
    """Source files that differ between the index and the disk: name -> added | changed | removed."""
    on_disk: dict[str, str] = {}
    files, _ = discover(paths)
    for path, name in files:
        try:
            on_disk[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue
    changes = {n: "removed" for n in manifest.files if n not in on_disk}
    for name, digest in on_disk.items():
        if name not in manifest.files:
            changes[name] = "added"
        elif manifest.files[name] != digest:
            changes[name] = "changed"
    return dict(sorted(changes.items()))


def is_current(manifest: Manifest, paths: Sequence[Path], embedder: Embedder) -> bool:
    """Whether an index already holds exactly these sources, chunked and embedded as a build would now."""
    return (
        manifest.model == dict(embedder.identity)
        and manifest.chunker == {"version": CHUNKER_VERSION, "max_chars": DEFAULT_MAX_CHARS}
        and bool(manifest.lexical)
        and not changed_sources(manifest, paths)
    )
