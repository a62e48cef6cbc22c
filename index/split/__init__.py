"""Pages into articles and sections (``_pages``: headlines, bylines, broken lines, shredded
columns, captions, repeats), and sections into the chunks that are embedded and cited (``_chunk``:
whole sentences up to a size, overlapping, each with its sentence windows)."""

from ._chunk import (
    CHUNKER_VERSION,
    DEFAULT_MAX_CHARS,
    DEFAULT_OVERLAP,
    WINDOW_CHARS,
    chunk_document,
    passage_texts,
    windows,
)
from ._pages import parse_page

__all__ = [
    "CHUNKER_VERSION",
    "DEFAULT_MAX_CHARS",
    "DEFAULT_OVERLAP",
    "WINDOW_CHARS",
    "chunk_document",
    "parse_page",
    "passage_texts",
    "windows",
]
