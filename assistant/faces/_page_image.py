"""The printed page behind a PDF page source (``name.pdf#p3``), drawn with a passage marked.

A source names a file relative to one of the corpus folders. Whatever a request says, only a
file inside those folders is ever opened: the name must be one the index holds, relative, with no
``..``; and the file must still hold the bytes that were indexed, since a citation's offsets are
into the text read from those bytes. (A symbolic link that the corpus's owner put in a corpus
folder is followed, as the build followed it.)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from index import UnknownSource, pdf_page, render_page
from index.errors import PageUnavailable
from index.files import file_sha256

__all__ = ["PageImages", "PageUnavailable"]

_KEPT = 16  # rendered images kept (a reader opening one citation's page, then another)


class PageImages:
    """PNGs of PDF pages under ``corpus`` (folders, or files indexed by their own name), whose
    indexed sha256 ``digests`` (the manifest's ``files``) says which bytes the citations are into."""

    def __init__(self, corpus: Sequence[Path]) -> None:
        self._corpus = tuple(corpus)
        self._lock = threading.Lock()
        self._images: OrderedDict[tuple[Path, str, int, int, int], bytes] = OrderedDict()
        self._digests: dict[tuple[Path, int, int], str | None] = {}

    def file(self, name: str, digests: dict[str, str]) -> Path:
        """The corpus file indexed as ``name``; PageUnavailable if none holds the bytes indexed."""
        relative = PurePosixPath(name)
        if name not in digests or relative.is_absolute() or ".." in relative.parts or "\\" in name:
            raise UnknownSource(f"no source {name!r} in the index")
        for root in self._corpus:
            path = (root if root.name == name else None) if root.is_file() else root / relative
            if path is not None and path.is_file():
                if self._digest(path) != digests[name]:
                    raise PageUnavailable(f"{name} has changed since it was indexed; build the index again")
                return path
        raise PageUnavailable(f"{name} is not in the corpus folder any more; build the index again")

    def png(self, source: str, digests: dict[str, str], start: int | None, end: int | None) -> bytes:
        """The page of ``source`` as a PNG, characters ``start``-``end`` of its text marked."""
        found = pdf_page(source)
        if found is None:
            raise PageUnavailable(f"{source!r} is not a page of a PDF (name.pdf#p3); it has no page image")
        name, page = found
        path = self.file(name, digests)
        span = (start, end) if start is not None and end is not None and 0 <= start < end else (0, 0)
        key = (path, digests[name], page, *span)
        with self._lock:
            if key in self._images:
                self._images.move_to_end(key)
                return self._images[key]
        image = render_page(path, page, [span] if span[1] else [])  # PdfProblem: page out of range
        with self._lock:
            self._images[key] = image
            while len(self._images) > _KEPT:
                self._images.popitem(last=False)
        return image

    def _digest(self, path: Path) -> str | None:
        # A 200 MB PDF takes a second to hash: once per version of the file on disk.
        try:
            stat = path.stat()
        except OSError:
            return None
        key = (path, stat.st_size, stat.st_mtime_ns)
        with self._lock:
            if key in self._digests:
                return self._digests[key]
        digest = file_sha256(path)
        with self._lock:
            self._digests[key] = digest
        return digest
