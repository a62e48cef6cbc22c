"""Every error the archive can raise, in one place, and the one guard that turns them into a line.

Callers catch the root, ``ArchiveError``; each message says in one sentence what to do::

    ArchiveError
    ├── IndexProblem            the saved index, the corpus and the files read into it
    │   ├── IndexNotFound       no index yet: build it
    │   ├── IndexIncompatible   another format, model or dimension: rebuild
    │   ├── IndexCorrupt        files missing or disagreeing: rebuild
    │   ├── UnknownSource       a source name the index does not hold (also a LookupError)
    │   ├── BuildRunning        another build holds the lock (exit status 3)
    │   ├── NothingToIndex      no document could be read
    │   ├── SourceConflict      a file that cannot be added to the corpus
    │   ├── PdfProblem          a PDF or page that cannot be read or drawn
    │   ├── PageUnavailable     a page image that cannot be drawn
    │   └── StoreUnavailable    a vector database that cannot be reached or used
    │       ├── StoreUnreachable    no server answers at the address (or it went away)
    │       ├── StoreRefused        the server refuses the token (MILVUS_TOKEN)
    │       ├── StoreLocked         a Milvus Lite file that another process has open
    │       └── CollectionNotFound  no such collection: build it
    ├── ModelUnavailable        no embedding model can be found, converted or loaded
    │   └── ExportFailed        the ONNX export failed (the torch backend still works)
    ├── InvalidQuery            a question, k, filter or order that cannot be searched (a ValueError)
    │   ├── EmptyQuestion
    │   └── InvalidFilter       a date or source filter
    └── InvalidSetting          a bad NEWS_ASSISTANT_* value or option (a ValueError)

``DecodeError`` is no ArchiveError: a reader raises it for bytes that are no text, and the build
turns it into a skipped file (a Rejection), never into a failure.

Nothing here imports more than the standard library: every face can name every error before
any model or store has been loaded.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "ArchiveError",
    "BuildRunning",
    "DecodeError",
    "EmptyQuestion",
    "ExportFailed",
    "fail",
    "IndexCorrupt",
    "IndexIncompatible",
    "IndexNotFound",
    "IndexProblem",
    "InvalidFilter",
    "InvalidQuery",
    "InvalidSetting",
    "ModelUnavailable",
    "NothingToIndex",
    "PageUnavailable",
    "PdfProblem",
    "SourceConflict",
    "StoreLocked",
    "StoreRefused",
    "StoreUnavailable",
    "StoreUnreachable",
    "CollectionNotFound",
    "UnknownSource",
    "guard",
    "one_line",
    "rebuild_command",
]


class ArchiveError(Exception):
    """The root: anything a user's file, question, setting, index or model can go wrong with."""

    exit_status = 2  # what a command line exits with when this is the error


class IndexProblem(ArchiveError):
    """Base of every error about the saved index and what is read into it; the message says what to do."""


class IndexNotFound(IndexProblem):
    def __init__(self, index_dir: Path) -> None:
        super().__init__(f"no index at {index_dir}; build it with: {rebuild_command(index_dir)}")
        self.index_dir = index_dir


class IndexIncompatible(IndexProblem):
    """The index was written by another format version, or for another model or dimension."""


class IndexCorrupt(IndexProblem):
    """The live version is missing files or they do not agree with each other."""


class UnknownSource(IndexProblem, LookupError):
    """A source name that is not in the index."""


class BuildRunning(IndexProblem):
    """Another build holds the index's lock, and the caller chose not to wait for it."""

    exit_status = 3


class NothingToIndex(IndexProblem):
    """No document could be read, so no index was written (and any previous one was kept)."""


class SourceConflict(IndexProblem):
    """A file cannot be added to the corpus: it is not a page or article file, or its name is
    taken by a different file."""


class PdfProblem(IndexProblem):
    """A PDF (or a page of it) that cannot be read; the message says why and what to do. The build
    turns it into a Rejection; ``render_page`` raises it."""


class PageUnavailable(IndexProblem):
    """The page image of a source cannot be drawn: not a PDF page, the file is gone or changed."""


class StoreUnavailable(IndexProblem):
    """A vector database that cannot be reached, refuses the token, or is held by another process."""


class StoreUnreachable(StoreUnavailable):
    """No Milvus server answers at the address, or it went away in the middle of a request."""


class StoreRefused(StoreUnavailable):
    """The server refuses the credentials (MILVUS_TOKEN)."""


class StoreLocked(StoreUnavailable):
    """A Milvus Lite database file held by another process (Lite opens a file in one process only)."""


class CollectionNotFound(StoreUnavailable):
    """The store answers, but holds no collection of that name: nothing has been built into it."""


class ModelUnavailable(ArchiveError):
    """No embedding model can be found, converted or downloaded."""


class ExportFailed(ModelUnavailable):
    """The model could not be exported to ONNX; the torch backend still works."""


class InvalidQuery(ArchiveError, ValueError):
    """A question, ``k``, filter or order that cannot be searched; the message says what to change."""


class EmptyQuestion(InvalidQuery):
    def __init__(self) -> None:
        super().__init__("the question is empty; ask something, e.g. 嘉善县总工会怎样创建“工人先锋号”？")


class InvalidFilter(InvalidQuery):
    """A date or source filter that cannot be applied; the message says what to change."""


class InvalidSetting(ArchiveError, ValueError):
    """A setting from the environment or an option that cannot be used."""


class DecodeError(ValueError):
    """Bytes that are no text in any encoding the readers accept."""


def rebuild_command(index_dir: Path, model: str | None = None) -> str:
    """The command that builds the index under ``index_dir`` again (with ``model``, if given).

    >>> rebuild_command(Path("my index"))
    "python -m index build --index-dir 'my index'"
    """
    cmd = f"python -m index build --index-dir {shlex.quote(str(index_dir))}"
    return f"{cmd} --model {shlex.quote(model)}" if model else cmd


def one_line(e: BaseException | str, limit: int = 300) -> str:
    """An error's message on one line (some, from a model hub or a server, span several), cut to ``limit``.

    >>> one_line(ValueError("cannot read\\n  the file"))
    'cannot read the file'
    """
    return " ".join(str(e).split())[:limit]


def _os_message(e: OSError) -> str:
    what = e.strerror or str(e)
    return f"{what}: {e.filename}" if e.filename else what


def guard(run: Callable[[], int], *, interrupted: str = "interrupted") -> int:
    """Run a command's body and return its exit status; what a user can cause ends it with one line
    on stderr instead of a traceback: an ArchiveError (its ``exit_status``), a file that cannot be
    opened, a closed pipe (``| head``), Ctrl-C (``interrupted`` says what was kept)."""
    try:
        return run()
    except ArchiveError as e:
        return fail(one_line(e, 2000), e.exit_status)
    except BrokenPipeError:
        # The reader has gone; say nothing more on the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as e:
        return fail(_os_message(e))
    except KeyboardInterrupt:
        return fail(interrupted)


def fail(message: str, status: int = 2) -> int:
    """Print ``error: message`` on one line to stderr; return ``status``."""
    print("error: " + one_line(message, 2000), file=sys.stderr)
    return status
