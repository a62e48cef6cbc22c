"""Word files (``.docx``): paragraphs and tables in order, headings kept as headings.

Word's heading styles (``Title``, ``Heading 1``…) become Markdown ``#`` marks, so the page
pipeline takes them as article and section starts, as it does for a Markdown page. The date
comes from a header line at the top (``2019年3月5日 星期二 第3版``) or the file name; Word's own
"created" stamp is not used: it is the template's as often as the article's.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from ..records import Document, Rejection

__all__ = ["read_docx"]

MAX_DOCX_BYTES = 50 * 1024 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old .doc, or an encrypted Office file


def read_docx(data: bytes, name: str) -> tuple[list[Document], list[Rejection]]:
    """One document per Word file, its text with headings marked ``#``."""
    from docx import Document as open_docx  # noqa: PLC0415  (only Word files need it)
    from docx.opc.exceptions import OpcError  # noqa: PLC0415
    from lxml import etree  # noqa: PLC0415

    if not data.strip():
        return [], [Rejection(name, "empty file, nothing to index")]
    if data.startswith(_OLE):
        return [], [
            Rejection(
                name, "an old .doc or a password-protected Word file; save it as .docx without a password"
            )
        ]
    try:
        doc = open_docx(io.BytesIO(data))
        lines = list(_lines(doc))
    except (zipfile.BadZipFile, OpcError, KeyError, ValueError, etree.XMLSyntaxError) as e:
        reason = (
            "not a Word file (not a .docx package)" if isinstance(e, zipfile.BadZipFile) else f"broken ({e})"
        )
        return [], [Rejection(name, f"cannot read this Word file: {reason}; save it again as .docx")]
    text = "\n\n".join(lines)
    if not text.strip():
        return [], [Rejection(name, "the Word file holds no text, nothing to index")]
    return [Document(source=name, text=text)], []


def _lines(doc: Any) -> Iterator[str]:
    from docx.table import Table  # noqa: PLC0415
    from docx.text.paragraph import Paragraph  # noqa: PLC0415

    for item in doc.iter_inner_content():
        if isinstance(item, Paragraph):
            text = " ".join(item.text.split("\n")).strip()
            if text:
                yield f"{_marks(item)}{text}"
        elif isinstance(item, Table):
            for row in item.rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))
                if cells:
                    yield " | ".join(cells)


def _marks(paragraph: Any) -> str:
    style = (paragraph.style.name if paragraph.style is not None else "").lower()
    if style == "title":
        return "# "
    if style.startswith("heading"):
        level = style.removeprefix("heading").strip()
        return "#" * min(6, int(level) if level.isdigit() else 1) + " "
    return ""
