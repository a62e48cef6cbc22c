"""Reading documents: files of every format the archive takes into ``Document``s with their issue
dates, and what could not be read into ``Rejection``s (one line each, saying what to do).

- ``_corpus``: finding files, text pages (.txt, .md; UTF-8 or GBK) and JSON lines (.jsonl);
- ``_pdf`` (on ``_pdf_layout``): newspaper PDF pages in reading order, and a page drawn as an image;
- ``_html``: e-paper web pages (trafilatura); ``_docx``: Word files;
- ``_dates``: issue dates and editions from headers, metadata and file names.
"""

from ._corpus import FORMATS, SUFFIXES, Corpus, discover, read_corpus, read_file, size_limit
from ._pdf import render_page

__all__ = [
    "FORMATS",
    "SUFFIXES",
    "Corpus",
    "discover",
    "read_corpus",
    "read_file",
    "render_page",
    "size_limit",
]
