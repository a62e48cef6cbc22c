"""Turn newspaper pages and articles into a saved, searchable index.

The pipeline, one subpackage a stage::

    read/    files (.txt .md .jsonl .pdf .html .docx) into Documents with issue dates
    split/   pages into articles and sections, sections into chunks and their windows
    embed/   texts into vectors: the model (ONNX or torch), the fake, the cache
    store/   the saved index: manifest, versions and the writer lock, vectors, BM25, filters
    build/   the build and the corpus on top: what changed, what to embed, the next version

beside ``text`` (one home for text analysis), ``errors`` (every exception), ``records`` (Document,
Chunk, Rejection), ``settings`` and ``files`` (atomic writes, hashes).

Never imports torch: the real model comes in through ``make_embedder`` only when asked for.
"""

import logging

from .build import (
    BuildReport,
    IndexStatus,
    add_files,
    build,
    changed_sources,
    is_current,
    remove_sources,
    status,
)
from .embed import Embedder, HashEmbedder, embedder_for, make_embedder
from .errors import (
    ArchiveError,
    BuildRunning,
    CollectionNotFound,
    DecodeError,
    EmptyQuestion,
    ExportFailed,
    IndexCorrupt,
    IndexIncompatible,
    IndexNotFound,
    IndexProblem,
    InvalidFilter,
    InvalidQuery,
    InvalidSetting,
    ModelUnavailable,
    NothingToIndex,
    PageUnavailable,
    PdfProblem,
    SourceConflict,
    StoreLocked,
    StoreRefused,
    StoreUnavailable,
    StoreUnreachable,
    UnknownSource,
    guard,
    one_line,
    rebuild_command,
)
from .read import SUFFIXES, read_corpus, render_page, size_limit
from .records import Chunk, Document, Rejection
from .settings import Settings
from .sources import file_of, pdf_page
from .split import chunk_document
from .store import (
    Filter,
    Issue,
    LexicalQuery,
    LoadedIndex,
    Manifest,
    Store,
    Vocabulary,
    load,
    read_manifest,
    store_for,
)

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "ArchiveError",
    "BuildReport",
    "BuildRunning",
    "Chunk",
    "CollectionNotFound",
    "DecodeError",
    "Document",
    "Embedder",
    "EmptyQuestion",
    "ExportFailed",
    "Filter",
    "HashEmbedder",
    "IndexCorrupt",
    "IndexIncompatible",
    "IndexNotFound",
    "IndexProblem",
    "IndexStatus",
    "InvalidFilter",
    "InvalidQuery",
    "InvalidSetting",
    "Issue",
    "LexicalQuery",
    "LoadedIndex",
    "Manifest",
    "ModelUnavailable",
    "NothingToIndex",
    "PageUnavailable",
    "PdfProblem",
    "Rejection",
    "SUFFIXES",
    "Settings",
    "SourceConflict",
    "Store",
    "StoreLocked",
    "StoreRefused",
    "StoreUnavailable",
    "StoreUnreachable",
    "UnknownSource",
    "Vocabulary",
    "add_files",
    "build",
    "changed_sources",
    "chunk_document",
    "embedder_for",
    "file_of",
    "guard",
    "is_current",
    "load",
    "make_embedder",
    "one_line",
    "pdf_page",
    "read_corpus",
    "read_manifest",
    "rebuild_command",
    "remove_sources",
    "render_page",
    "size_limit",
    "status",
    "store_for",
]
