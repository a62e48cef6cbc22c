"""How long a full build takes, and how long updating it does, with the real model.

    .venv/bin/python scripts/bench_incremental.py [--model NAME_OR_PATH] [--keep DIR]

Indexes the seed corpus plus the 2,930 distractor articles of ../shared/eval/news_distractors.jsonl
(read where they are, never copied) into a fresh index and a fresh embedding cache, then:

1. times the full build;
2. adds one new page (a seed page under a new name, its place name and every sentence's ending
   changed, so that every one of its chunks is new text) and times the update;
3. times a rebuild with nothing changed (it must embed nothing);
4. times ``--full`` (re-read, re-chunk, re-tokenise everything; embeddings all reused).

The full build with the real model takes minutes on two cores; run it in the background.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index import BuildReport, Embedder, Settings, build, make_embedder  # noqa: E402

DISTRACTORS = REPO.parent / "shared" / "eval" / "news_distractors.jsonl"
SEED_PAGE = "002_b66ab0af8ed20314.txt"
NEW_PAGE = "005_bench_new_page.txt"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="", help="embedding model (default: the real default model)")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="build here and keep it (default: a temp dir)"
    )
    args = parser.parse_args()
    if not DISTRACTORS.is_file():
        print(f"error: {DISTRACTORS} is missing", file=sys.stderr)
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-incremental-"))
    if (work / "ix").exists() or (work / "corpus").exists():
        print(f"error: {work} already holds an index or corpus; give an empty folder", file=sys.stderr)
        return 2
    try:
        shutil.copytree(REPO / "corpus", work / "corpus")
        settings = Settings(corpus=(work / "corpus", DISTRACTORS), index_dir=work / "ix", model=args.model)
        embedder = make_embedder(settings.model, settings.cache_dir)
        print(f"model: {embedder.identity['name']}; corpus: {work / 'corpus'} + {DISTRACTORS}", flush=True)

        full = timed("full build", settings, embedder)
        page = (REPO / "corpus" / SEED_PAGE).read_text(encoding="utf-8")
        # Every sentence changed (。 to ！), so every chunk of the page is new text to embed.
        new = page.replace("嘉善", "海盐").replace("。", "！")
        (work / "corpus" / NEW_PAGE).write_text(new, encoding="utf-8")
        update = timed("one-page update", settings, embedder)
        same = timed("no-change rebuild", settings, embedder)
        again = timed("--full rebuild", settings, embedder, full=True)

        print()
        print(f"full build:        {full.seconds:7.1f} s  {full.chunks} chunks, {full.embedded} embedded")
        share = update.seconds / full.seconds
        print(
            f"one-page update:   {update.seconds:7.1f} s  {share:.1%} of the full build; "
            f"{update.chunks_added} chunks added, {update.embedded} embedded "
            f"({update.embed_seconds:.1f} s embedding)"
        )
        print(f"no-change rebuild: {same.seconds:7.1f} s  {same.embedded} embedded")
        print(f"--full rebuild:    {again.seconds:7.1f} s  {again.embedded} embedded")
        return 0 if share < 0.05 and same.embedded == 0 and again.embedded == 0 else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def timed(what: str, settings: Settings, embedder: Embedder, *, full: bool = False) -> BuildReport:
    started = time.monotonic()
    report = build(settings, embedder, progress=sys.stderr.isatty(), full=full)
    print(f"--- {what} ({time.monotonic() - started:.1f} s)\n{report.summary()}", flush=True)
    return report


if __name__ == "__main__":
    sys.exit(main())
