"""Enter to answer on screen in a real browser, as the chat page is used.

    .venv/bin/python scripts/bench_browser.py [--index-dir DIR] [--repeat N]

Serves the app on a free local port and drives Debian's Chromium (Playwright's Python package, as
tests/test_browser.py does): types each example question, presses Enter and waits until its answer
is visible. Without --index-dir it serves the seed pages indexed by the fast fake embedder, so the
figure is the page's own cost (Gradio, the server, rendering); with --index-dir, that index and the
model it was built with. Prints the milliseconds per question, median and max over the repeats.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from material import BROWSER_ARGS, CHROMIUM  # noqa: E402
from webserver import hash_index, serving  # noqa: E402

from assistant import Assistant  # noqa: E402
from assistant.faces.web import create_app  # noqa: E402
from index import HashEmbedder  # noqa: E402

QUESTIONS = [
    "嘉善有几家单位获评全国工人先锋号？",
    "安吉评出来的工匠里，哪一位是做白茶炒制的？",
    "How many units in Jiashan were named national Workers' Pioneer?",
]


def answer_ms(page: object, question: str) -> float:
    box = page.locator("#question textarea")  # type: ignore[attr-defined]
    box.fill(question)
    answers = page.locator("#answers .na-answer")  # type: ignore[attr-defined]
    before = answers.count()
    started = time.perf_counter()
    box.press("Enter")
    answers.nth(before).wait_for(state="visible", timeout=60_000)
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, help="a built index (default: seed pages, fake embedder)")
    parser.add_argument("--repeat", type=int, default=5, help="times each question is asked (default 5)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        if args.index_dir:
            opened = Assistant.open(args.index_dir)
        else:
            opened = Assistant.open(hash_index(Path(tmp) / "ix"), HashEmbedder())
        with opened as assistant, serving(create_app(assistant)) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(url)
            page.locator("#question textarea").wait_for(timeout=60_000)
            answer_ms(page, QUESTIONS[0])  # the first answer also loads the page's scripts
            times: dict[str, list[float]] = {q: [] for q in QUESTIONS}
            for _ in range(args.repeat):
                for q in QUESTIONS:
                    times[q].append(answer_ms(page, q))
            browser.close()
    served = f"index {args.index_dir}" if args.index_dir else "the seed pages, fake embedder"
    print(f"Enter to answer on screen, each question {args.repeat} times ({served}):")
    for q, ms in times.items():
        print(f"  {statistics.median(ms):6.0f} ms median, {max(ms):6.0f} ms max  {q}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
