"""Compare PDF text extractors on newspaper pages: is the text in reading order, and how fast.

    .venv/bin/python scripts/bench_pdf.py [PDF_DIR]

Prints the seed pages as four-column newspaper PDFs (tests/material.py: Chromium, the articles in
shuffled order in the content stream, as layout software leaves them) into PDF_DIR (default: a
temporary folder; existing PDFs there are reused), then reads them with each extractor. For each
page the reference is its articles' sentences in reading order (8 characters or more). Scores:

- intact: the share of sentences found whole in the extracted text (after NFKC, spaces and ``#``
  ignored);
  a sentence cut by a column or interleaved with another column is not;
- in order: the longest run of sentences found in increasing position, over all sentences
  (1.0 = every sentence whole and in reading order; captions left out, as their place beside
  the text has no one right order);
- s/page: seconds per page to extract the text (median of three runs).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import material  # noqa: E402

from index.read._pdf import read_pdf  # noqa: E402
from index.split._chunk import split_sentences  # noqa: E402


def _norm(s: str) -> str:
    # NFKC as the eval scorer does: some extractors give Kangxi radicals (⼯) for 工.
    return "".join(c for c in unicodedata.normalize("NFKC", s) if not c.isspace() and c != "#")


def reference(page_text: str, layout: str = "grid") -> tuple[list[str], list[str]]:
    """The page's sentences in reading order, and its captions' (which float beside the text)."""
    ordered: list[str] = []
    captions: list[str] = []
    items = material.stories(page_text)
    for s in items[::-1] if layout == "alt" else items:
        for t in [s.kicker, s.headline, s.subtitle, *(t for _, t in s.blocks)]:
            ordered.extend(_norm(x) for x in split_sentences(t) if len(_norm(x)) >= 8)
        for t in s.captions:
            captions.extend(_norm(x) for x in split_sentences(t) if len(_norm(x)) >= 8)
    return ordered, captions


def score(ref: tuple[list[str], list[str]], text: str) -> tuple[float, float]:
    flat = _norm(text)
    ordered, captions = ref
    intact = sum(1 for s in ordered + captions if s in flat) / len(ordered + captions)
    positions = [flat.find(s) for s in ordered]
    found = [p for p in positions if p >= 0]
    # Longest increasing subsequence of positions: sentences read in the right order.
    tails: list[int] = []
    for p in found:
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if tails[mid] < p:
                lo = mid + 1
            else:
                hi = mid
        tails[lo : lo + 1] = [p]
    return intact, len(tails) / len(ordered)


def pypdfium2_stream(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path)
    out = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    doc.close()
    return out


def pypdf_plain(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() for p in PdfReader(path).pages]


def pypdf_layout(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text(extraction_mode="layout") for p in PdfReader(path).pages]


def pdfplumber_plain(path: Path) -> list[str]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [p.extract_text() or "" for p in pdf.pages]


def pdfminer_layout(path: Path) -> list[str]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer

    out = []
    for page in extract_pages(path, laparams=LAParams()):  # boxes_flow=0.5: pdfminer's column order
        out.append("\n".join(el.get_text() for el in page if isinstance(el, LTTextContainer)))
    return out


def this_reader(path: Path) -> list[str]:
    docs, _ = read_pdf(path.read_bytes(), path.name)
    return [d.text for d in docs]


EXTRACTORS: dict[str, Callable[[Path], list[str]]] = {
    "pypdf 7, extract_text()": pypdf_plain,
    "pypdf 7, extract_text(extraction_mode='layout')": pypdf_layout,
    "pdfplumber 0.11, extract_text()": pdfplumber_plain,
    "pdfminer.six (pdfplumber's parser), LAParams() text boxes": pdfminer_layout,
    "pypdfium2 5, get_text_range() (content-stream order)": pypdfium2_stream,
    "this reader (index/_pdf.py, on pypdfium2 character boxes)": this_reader,
}


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    out.mkdir(parents=True, exist_ok=True)
    pages = sorted((ROOT / "corpus").glob("*.txt"))
    for layout, what in LAYOUTS.items():
        folder = out if layout == "grid" else out / layout
        folder.mkdir(exist_ok=True)
        pdfs = []
        for (date, edition), page in zip(material.seed_dates(len(pages)), pages, strict=True):
            text = page.read_text(encoding="utf-8")
            pdf = folder / f"{page.stem}.pdf"
            if not pdf.exists():
                material.seed_pdf(text, pdf, date, edition, seed=edition, layout=layout)
            pdfs.append((pdf, reference(text, layout)))
        n_pages = sum(len(pypdfium2_stream(p)) for p, _ in pdfs)
        print(f"\n{what}: {len(pdfs)} seed pages printed as {n_pages} PDF pages in {folder}\n")
        print("| extractor | intact | in order | s/page |")
        print("|---|---|---|---|")
        for label, extract in EXTRACTORS.items():
            intact, ordered, seconds = [], [], []
            for pdf, ref in pdfs:
                runs = []
                for _ in range(3):
                    t = time.perf_counter()
                    texts = extract(pdf)
                    runs.append(time.perf_counter() - t)
                seconds.append(statistics.median(runs))
                a, b = score(ref, "\n".join(texts))
                intact.append(a)
                ordered.append(b)
            per_page = sum(seconds) / n_pages
            cells = f"{statistics.mean(intact):.3f} | {statistics.mean(ordered):.3f} | {per_page:.3f}"
            print(f"| {label} | {cells} |")


LAYOUTS = {
    "grid": "Four columns, articles side by side under headlines spanning their columns, "
    "written in shuffled order",
    "flow": "Three columns the articles run down one after another, headlines inside a column",
    "alt": "The grid with the articles in reverse order, a sans-serif body set larger and looser, "
    "narrower gutters (run first as a held-out page: it showed narrow gutters merging columns, "
    "and the gutter test was changed for it, so it is held out no more)",
}


if __name__ == "__main__":
    main()
