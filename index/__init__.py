"""Turn newspaper pages and articles into a saved, searchable index.

Never imports torch: the real model comes in through ``make_embedder`` only when asked for.
"""

from ._build import BuildReport, NothingToIndex, build, changed_sources, is_current
from ._chunk import chunk_document
from ._embed import Embedder, HashEmbedder
from ._embedders import embedder_for, make_embedder, model_errors
from ._filter import Filter, InvalidFilter
from ._manage import IndexStatus, SourceConflict, add_files, remove_sources, status
from ._pdf import PdfProblem, render_page
from ._read import SUFFIXES, read_corpus, size_limit
from ._settings import Settings
from ._store import (
    BuildRunning,
    IndexCorrupt,
    IndexIncompatible,
    IndexNotFound,
    IndexProblem,
    Issue,
    LoadedIndex,
    Manifest,
    UnknownSource,
    load,
    rebuild_command,
)
from ._types import Chunk, Document, Rejection

__all__ = [
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
    "model_errors",
    "read_corpus",
    "rebuild_command",
    "render_page",
    "remove_sources",
    "size_limit",
    "status",
]
