"""For tests that change a corpus or run the commands: where things are, the seed corpus copied with
its index built by the fast fake embedder, and the environment of a child process."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from index import HashEmbedder, Settings, build

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
# What a search answers with, as the CLI's --json and the HTTP API print it: the public contract.
HIT_KEYS = [
    "rank", "score", "text", "source", "title", "section", "start", "end", "line_start", "line_end",
    "answer", "date", "edition", "page",
]  # fmt: skip
RESULT_KEYS = ["question", "query", "found", "confidence", "reason", "unmatched", "terms", "hits"]


def settings(where: Path, embedder: str = "hash") -> Settings:
    """``where/corpus`` indexed into ``where/ix``, with ``where`` as the cache folder."""
    return Settings(corpus=(where / "corpus",), index_dir=where / "ix", model=embedder, cache_dir=where)


def copy_seed(where: Path) -> Path:
    """The seed corpus copied into ``where/corpus`` and indexed into ``where/ix``."""
    shutil.copytree(CORPUS, where / "corpus")
    build(settings(where), HashEmbedder())
    return where


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for ``python -m index`` or ``assistant``: none of the user's settings, a
    throwaway cache (the hash fake needs no model; nothing reaches the user's), this checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWS_ASSISTANT_")}
    env["NEWS_ASSISTANT_CACHE_DIR"] = str(Path(tempfile.gettempdir()) / "news-assistant-test-cache")
    env["PYTHONPATH"] = str(REPO)
    return env | (extra or {})
