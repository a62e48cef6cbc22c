"""Print the seed pages (corpus/*.txt) as dated four-column newspaper PDFs, one page each.

    .venv/bin/python scripts/make_seed_pdfs.py OUTDIR [--layout grid|flow|alt]

The PDFs are laid out as tests/material.py describes (headless Chromium, Debian's CJK fonts),
dated 2019-03-05, pages 1–5 (第1版…第5版). Then, e.g.:

    .venv/bin/python -m assistant eval ../shared/eval/seed_dev.jsonl --corpus OUTDIR
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import material  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--layout", choices=("grid", "flow", "alt"), default="grid")
    args = parser.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    pages = sorted((ROOT / "corpus").glob("*.txt"))
    started = time.monotonic()
    for (date, edition), page in zip(material.seed_dates(len(pages)), pages, strict=True):
        out = args.outdir / f"{page.stem}.pdf"
        material.seed_pdf(
            page.read_text(encoding="utf-8"), out, date, edition, seed=edition, layout=args.layout
        )
        print(out)
    print(f"{len(pages)} PDFs in {time.monotonic() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
