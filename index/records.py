"""The records that flow through the build: documents in, chunks out."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One readable unit of a source: a whole page file, or one JSONL article.

    ``text`` is the decoded source exactly as it is (page files) or the article's
    ``text`` value (JSONL). Chunk offsets index into this string, so a citation can
    always be checked against it.
    """

    source: str  # file path relative to its corpus root, or "file.jsonl#id"
    text: str
    title: str = ""  # given title (JSONL); page files recover titles themselves
    line_offset: int = 0  # line number of the document's first line, minus one
    meta: dict[str, str] = field(default_factory=dict)  # date, url, source from JSONL
    is_page: bool = True  # page layout to recover (False: JSONL article body)


@dataclass(frozen=True)
class Chunk:
    """A passage to embed and cite.

    Every character of ``text`` appears, in order, inside ``document.text[start:end]``;
    ``line_start``/``line_end`` are 1-based lines of the source file holding that region.
    """

    text: str
    source: str
    title: str
    section: str
    start: int
    end: int
    line_start: int
    line_end: int

    @property
    def context(self) -> str:
        """Title and section heading, which the passage body often does not repeat."""
        parts = [p for p in (self.title, self.section) if p]
        return " · ".join(dict.fromkeys(parts))

    @property
    def embed_text(self) -> str:
        return f"{self.context}\n{self.text}" if self.context else self.text


@dataclass(frozen=True)
class Rejection:
    """Input that could not be indexed, with what to do about it."""

    source: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.reason}"
