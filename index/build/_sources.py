"""What a build reads: the corpus's files, each taken over from the live version while its bytes hash
the same, else read and chunked; their BM25 tokens, stored ones kept where still valid; and whether an
index is current."""

from __future__ import annotations

import bisect
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from ..embed import Embedder
from ..errors import NothingToIndex
from ..files import file_sha256
from ..read import discover, read_file
from ..records import Chunk, Document, Rejection
from ..split import (
    CHUNKER_VERSION,
    DEFAULT_MAX_CHARS,
    DEFAULT_OVERLAP,
    WINDOW_CHARS,
    chunk_document,
)
from ..store import (
    LEXICAL_VERSION,
    Contents,
    Manifest,
)
from ..text import Lexicon

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


@dataclass
class Source:
    name: str
    digest: str
    documents: list[Document]
    chunks: list[Chunk]
    rejections: list[Rejection]  # bad lines inside the file


def read_sources(
    paths: Sequence[Path], unchanged: dict[str, str], contents: Contents
) -> tuple[list[Source], list[Rejection]]:
    """Every indexable source file under ``paths``, in order, and every rejected input. A file
    whose bytes still hash as ``unchanged`` says is taken from ``contents`` without reading it."""
    sources: list[Source] = []
    files, rejections = discover(paths)
    for path, name in files:
        if name in unchanged and file_sha256(path) == unchanged[name]:
            kept = contents.rejections.get(name, [])
            chunks = [s.chunk for s in contents.chunks.get(name, [])]
            sources.append(Source(name, unchanged[name], contents.documents.get(name, []), chunks, kept))
            rejections.extend(kept)
            continue
        docs, rejected, digest = read_file(path, name)
        rejections.extend(rejected)
        if digest is not None:
            chunks = [c for d in docs for c in chunk_document(d, DEFAULT_MAX_CHARS, DEFAULT_OVERLAP)]
            sources.append(Source(name, digest, docs, chunks, rejected))
    return sources, rejections


def nothing_to_index(paths: Sequence[Path], rejections: Sequence[Rejection]) -> NothingToIndex:
    where = ", ".join(str(p) for p in paths)
    why = "; ".join(str(r) for r in rejections[:3]) or "no .txt, .md or .jsonl files with text"
    more = f" (and {len(rejections) - 3} more)" if len(rejections) > 3 else ""
    return NothingToIndex(f"nothing to index in {where}: {why}{more}")


def tokens_of(
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


def chunker_settings() -> dict[str, str | int]:
    """What the manifest records of the chunker (read when asked: a test swaps CHUNKER)."""
    return dict(CHUNKER)


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
