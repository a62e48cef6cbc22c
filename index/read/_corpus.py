"""Read corpus paths into documents, turning every unreadable input into a Rejection.

Page files (``.txt``, ``.md``) and Word files (``.docx``) become one document each; a ``.jsonl``
file becomes one document per line ``{"id", "title", "text", "date"?, "source"?, "url"?}``; a
PDF one document per page with text (``name.pdf#p3``, see _pdf.py); a web page (``.html``,
``.htm``) one document, its article (see _html.py). Nothing here raises on bad input: a bad
file, page or line is listed, and the rest is still read.

Every document gets ``meta["date"]`` (ISO) where one can be known: the JSONL ``date`` field; a
PDF page's header line, else the file name, else the PDF's creation date; a web page's
metadata, else the date printed under its headline, else the file name; a page's or Word
file's header line (``2019年3月5日 星期二 第3版``), else the file name. ``meta["edition"]``
(``第3版``) comes from the same header lines, ``meta["page"]`` is a PDF page's number.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DecodeError
from ..files import sha256_hex
from ..records import Document, Rejection
from ..sources import article_source
from ._dates import date_in_name, page_header, parse_date
from ._docx import MAX_DOCX_BYTES, read_docx
from ._html import MAX_HTML_BYTES, read_html
from ._pdf import MAX_PDF_BYTES, read_pdf

PAGE_SUFFIXES = (".txt", ".md")
SUFFIXES = (*PAGE_SUFFIXES, ".jsonl", ".pdf", ".html", ".htm", ".docx")
FORMATS = "a .txt, .md, .jsonl, .pdf, .html, .htm or .docx file"
# A newspaper page is ~20 KB; a page file far larger is almost surely a mistake (a dump,
# a binary) and would take minutes to embed, so it is refused with a way out.
MAX_PAGE_BYTES = 5 * 1024 * 1024
MAX_ARTICLE_CHARS = 1_000_000
_LIMITS = {".pdf": MAX_PDF_BYTES, ".html": MAX_HTML_BYTES, ".htm": MAX_HTML_BYTES, ".docx": MAX_DOCX_BYTES}
_META_KEYS = ("date", "source", "url")


def size_limit(suffix: str) -> int | None:
    """The most bytes a file ending in ``suffix`` may have to be read; None: no limit (JSONL).

    >>> size_limit(".PDF") // 1024 // 1024, size_limit(".jsonl")
    (200, None)
    """
    suffix = suffix.lower()
    return _LIMITS.get(suffix, MAX_PAGE_BYTES if suffix in PAGE_SUFFIXES else None)


@dataclass
class Corpus:
    documents: list[Document] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # source file -> sha256 of its bytes


def decode(data: bytes) -> str:
    """Decode page bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK).

    >>> decode("工会".encode("gbk"))
    '工会'
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise DecodeError("broken UTF-16 text; re-save the file as UTF-8") from e
    if b"\x00" in data[:8192]:
        raise DecodeError(f"binary file, not text; give {FORMATS}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise DecodeError("neither UTF-8 nor GBK/GB18030 text; re-save the file as UTF-8") from e
    if _mostly_control(text):
        raise DecodeError(f"binary file, not text; give {FORMATS}")
    return text


def _mostly_control(text: str) -> bool:
    sample = text[:4096]
    bad = sum(1 for c in sample if ord(c) < 32 and c not in "\t\n\r\f")
    return bad > len(sample) // 20


def discover(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[Rejection]]:
    """Expand files and folders into sorted (file, source name) pairs; names are relative to a folder."""
    found: list[tuple[Path, str]] = []
    rejected: list[Rejection] = []
    for root in paths:
        if root.is_dir():
            for p in sorted(root.rglob("*")):
                rel = p.relative_to(root)
                if (
                    p.is_file()
                    and p.suffix.lower() in SUFFIXES
                    and not any(part.startswith(".") for part in rel.parts)
                ):
                    found.append((p, rel.as_posix()))
        elif root.is_file():
            if root.suffix.lower() in SUFFIXES:
                found.append((root, root.name))
            else:
                rejected.append(Rejection(str(root), f"not {FORMATS}"))
        else:
            rejected.append(Rejection(str(root), "no such file or folder"))
    seen: dict[str, Path] = {}
    unique: list[tuple[Path, str]] = []
    for p, name in found:
        if name in seen and seen[name].resolve() != p.resolve():
            rejected.append(Rejection(str(p), f"another file is already indexed as {name!r}; rename one"))
        elif name not in seen:
            seen[name] = p
            unique.append((p, name))
    return unique, rejected


def read_corpus(paths: Iterable[Path]) -> Corpus:
    corpus = Corpus()
    files, corpus.rejections = discover(paths)
    for path, name in files:
        docs, rejections, digest = read_file(path, name)
        corpus.documents.extend(docs)
        corpus.rejections.extend(rejections)
        if digest:
            corpus.files[name] = digest
    return corpus


def read_file(path: Path, name: str) -> tuple[list[Document], list[Rejection], str | None]:
    """Documents of one file, its rejections, and the sha256 of its bytes (None if unreadable)."""
    suffix = path.suffix.lower()
    limit = size_limit(suffix)
    try:
        size = path.stat().st_size
        if limit is not None and size > limit:
            mb, most = size / 1024 / 1024, limit // 1024 // 1024
            what = "page " if suffix in PAGE_SUFFIXES else ""
            return (
                [],
                [Rejection(name, f"file is {mb:.1f} MB, over the {most} MB {what}limit; split it")],
                None,
            )
        data = path.read_bytes()
    except OSError as e:
        return [], [Rejection(name, f"cannot read: {e.strerror or e}")], None
    digest = sha256_hex(data)
    if suffix == ".jsonl":
        docs, rejections = _read_jsonl(data, name)
        return docs, rejections, digest
    if suffix in (".pdf", ".html", ".htm", ".docx"):
        reader = {".pdf": read_pdf, ".html": read_html, ".htm": read_html, ".docx": read_docx}[suffix]
        docs, rejections = reader(data, name)
        if suffix == ".docx":
            docs = [_dated_page(d) for d in docs]
        # A file none of whose pages could be read is not recorded, so the next build tries again.
        return docs, rejections, digest if docs else None
    try:
        text = decode(data)
    except DecodeError as e:
        return [], [Rejection(name, str(e))], None
    if not text.strip():
        return [], [Rejection(name, "empty file, nothing to index")], None
    return [_dated_page(Document(source=name, text=text))], [], digest


def _dated_page(doc: Document) -> Document:
    """A page with the date and edition of its header line, else the date in its file name."""
    meta, _ = page_header(doc.text)
    if "date" not in meta:
        day = date_in_name(doc.source)
        if day:
            meta["date"] = day
    if not meta:
        return doc
    return Document(doc.source, doc.text, doc.title, doc.line_offset, {**doc.meta, **meta}, doc.is_page)


def _read_jsonl(data: bytes, name: str) -> tuple[list[Document], list[Rejection]]:
    try:
        text = decode(data)
    except DecodeError as e:
        return [], [Rejection(name, str(e))]
    docs: list[Document] = []
    rejections: list[Rejection] = []
    ids: set[str] = set()
    file_date = date_in_name(name)
    for lineno, line in _lines(text):
        try:
            doc = _article(json.loads(line), name, lineno, file_date)
        except json.JSONDecodeError as e:
            rejections.append(Rejection(name, f"not valid JSON ({e.msg}, column {e.colno})", lineno))
            continue
        except ValueError as e:
            rejections.append(Rejection(name, str(e), lineno))
            continue
        if doc.source in ids:
            rejections.append(Rejection(name, f"duplicate id {doc.source.split('#', 1)[1]!r}", lineno))
            continue
        ids.add(doc.source)
        docs.append(doc)
    if not docs and not rejections:
        rejections.append(Rejection(name, "empty file, nothing to index"))
    return docs, rejections


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for i, line in enumerate(text.split("\n"), 1):
        if line.strip():
            yield i, line


def _article(obj: object, name: str, lineno: int, file_date: str | None = None) -> Document:
    if not isinstance(obj, dict):
        raise ValueError('expected a JSON object {"id", "title", "text"}')
    body = obj.get("text")
    if not isinstance(body, str) or not body.strip():
        raise ValueError('no "text" (or it is empty); each line needs a non-empty "text" string')
    if len(body) > MAX_ARTICLE_CHARS:
        raise ValueError(
            f'"text" has {len(body):,} characters, over the {MAX_ARTICLE_CHARS:,} limit; split it'
        )
    raw_id = obj.get("id")
    art_id = str(raw_id) if isinstance(raw_id, str | int) and str(raw_id).strip() else f"line{lineno}"
    title = obj.get("title")
    meta = {k: str(obj[k]) for k in _META_KEYS if isinstance(obj.get(k), str | int)}
    # The date as given may be any common form; the index keeps it as ISO (or not at all).
    day = parse_date(meta.pop("date")) if "date" in meta else None
    if day or file_date:
        meta["date"] = day or file_date or ""
    return Document(
        source=article_source(name, art_id),
        text=body,
        title=title.strip() if isinstance(title, str) else "",
        line_offset=lineno - 1,
        meta=meta,
        is_page=False,
    )
