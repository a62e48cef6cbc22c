"""Turn newspaper pages and articles into a saved, searchable index.

Never imports torch: the real model comes in through ``make_embedder`` only when asked for.
"""

from ._build import BuildReport, build, changed_sources, is_current
from ._chunk import chunk_document
from ._embed import Embedder, HashEmbedder
from ._embedders import embedder_for, make_embedder
from ._filter import Filter
from ._manage import IndexStatus, add_files, remove_sources, status
from ._pdf import render_page
from ._read import SUFFIXES, read_corpus, size_limit
from ._settings import Settings
from ._store import Issue, LoadedIndex, Manifest, load
from ._types import Chunk, Document, Rejection
from .errors import (
    ArchiveError,
    BuildRunning,
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
    StoreUnavailable,
    UnknownSource,
    guard,
    one_line,
    rebuild_command,
)

__all__ = [
    "one_line",
    "guard",
    "StoreUnavailable",
    "PageUnavailable",
    "ModelUnavailable",
    "InvalidSetting",
    "InvalidQuery",
    "ExportFailed",
    "EmptyQuestion",
    "DecodeError",
    "ArchiveError",
    "BuildReport",
    "BuildRunning",
    "Chunk",
    "Document",
    "Embedder",
    "Filter",
    "HashEmbedder",
    "IndexCorrupt",
    "IndexIncompatible",
    "IndexNotFound",
    "IndexProblem",
    "IndexStatus",
    "InvalidFilter",
    "Issue",
    "LoadedIndex",
    "Manifest",
    "NothingToIndex",
    "PdfProblem",
    "Rejection",
    "SUFFIXES",
    "Settings",
    "SourceConflict",
    "UnknownSource",
    "add_files",
    "build",
    "changed_sources",
    "is_current",
    "chunk_document",
    "embedder_for",
    "load",
    "make_embedder",
    "read_corpus",
    "rebuild_command",
    "render_page",
    "remove_sources",
    "size_limit",
    "status",
]
