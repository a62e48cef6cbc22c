"""Turn newspaper pages and articles into a saved, searchable index.

Never imports torch: the real model comes in through ``make_embedder`` only when asked for.
"""

from ._build import BuildReport, NothingToIndex, build, changed_sources, is_current
from ._chunk import chunk_document
from ._embed import Embedder, HashEmbedder
from ._embedders import embedder_for, make_embedder, model_errors
from ._read import read_corpus
from ._settings import Settings
from ._store import (
    IndexCorrupt,
    IndexIncompatible,
    IndexNotFound,
    IndexProblem,
    LoadedIndex,
    Manifest,
    UnknownSource,
    load,
    rebuild_command,
)
from ._types import Chunk, Document, Rejection

__all__ = [
    "BuildReport",
    "Chunk",
    "Document",
    "Embedder",
    "HashEmbedder",
    "IndexCorrupt",
    "IndexIncompatible",
    "IndexNotFound",
    "IndexProblem",
    "LoadedIndex",
    "Manifest",
    "NothingToIndex",
    "Rejection",
    "Settings",
    "UnknownSource",
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
]
