"""What multilingual-e5 needs wherever it runs: its prompts, and transformers kept quiet while it
loads a local folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["PROMPTS", "quiet_transformers"]

# multilingual-e5 was trained with these prefixes; sentence-transformers applies them by name.
PROMPTS = {"query": "query: ", "document": "passage: "}


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """No "Loading weights" / "Writing model shards" bars for local, seconds-long steps."""
    from transformers.utils import logging as tlog

    was = tlog.is_progress_bar_enabled()
    tlog.disable_progress_bar()
    try:
        yield
    finally:
        if was:
            tlog.enable_progress_bar()
