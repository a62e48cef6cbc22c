"""The library's log lines: quiet unless a face asks for them.

Every module logs under the ``index`` or ``assistant`` logger; each package gives its logger a
NullHandler, so a program that imports them prints nothing it did not ask for. The command lines and
the app call ``log_to_stderr`` to show the project's own progress lines (a one-off model conversion,
an export, a rebuild picked up), as plain lines, without touching any other library's logging.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["log_to_stderr"]

PACKAGES = ("index", "assistant")


def log_to_stderr(level: int = logging.INFO) -> None:
    """Print the project's log records of ``level`` and above on stderr, one plain line each."""
    for name in PACKAGES:
        logger = logging.getLogger(name)
        if not any(getattr(h, "_news_assistant", False) for h in logger.handlers):
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(message)s"))
            handler._news_assistant = True  # type: ignore[attr-defined]
            logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False  # the lines are shown here; a root handler would print them twice
