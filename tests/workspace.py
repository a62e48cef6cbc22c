"""For tests that change a corpus or run the commands: where things are, the seed corpus copied with
its index built by the fast fake embedder, and the environment of a child process."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from index import HashEmbedder, Settings, build

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
# Small data the tests need, kept with them (tests/data/README.md says where each file came from).
DATA = REPO / "tests" / "data"
# The team's evaluation sets, beside the checkout: CI has them, a clone of the project alone does not.
SHARED_EVAL = REPO.parent / "shared" / "eval"
# What a search answers with, as the CLI's --json and the HTTP API print it: the public contract.
HIT_KEYS = [
    "rank", "score", "text", "source", "title", "section", "start", "end", "line_start", "line_end",
    "answer", "date", "edition", "page",
]  # fmt: skip
RESULT_KEYS = ["question", "query", "found", "confidence", "reason", "unmatched", "instead", "terms", "hits"]


def shared_eval(name: str) -> Path:
    """``../shared/eval/name``; without it the calling test is skipped, saying what it needs (when
    ../shared/eval is there, a skip fails the run: see conftest.py)."""
    path = SHARED_EVAL / name
    if not path.exists():
        pytest.skip(f"needs {path} (the team's evaluation sets, ../shared/eval beside the checkout)")
    return path


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
