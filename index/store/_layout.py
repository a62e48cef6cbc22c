"""Where a version lives: the folder names under ``index_dir``, and following ``CURRENT`` to the live one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..errors import (
    IndexCorrupt,
    IndexNotFound,
)
from ._manifest import corrupt

POINTER = "CURRENT"


VERSION_PREFIX = "v-"


VECTORS = "vectors"


DATABASE = "chunks.sqlite"


LEXICAL = "lexical"


LOCK = ".lock"


# The passages' hub scores in row order, and the probe vectors they were measured against (so
# that the next build scores the passages it adds against the same probes).
HUBNESS = "hubness.npy"


HUB_PROBES = "hubness_probes.npy"


_T = TypeVar("_T")


def follow(index_dir: Path, open_: Callable[[str], _T]) -> _T:
    name = live_version(index_dir)
    while True:
        try:
            return open_(name)
        except IndexCorrupt:
            # A build that finished between reading CURRENT and opening the files deletes the
            # version being opened; the new one is fine. A pointer that does not move is real damage.
            previous, name = name, live_version(index_dir)
            if name == previous:
                raise


def live_version(index_dir: Path) -> str:
    try:
        name = (index_dir / POINTER).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError) as e:
        raise IndexNotFound(index_dir) from e
    except UnicodeDecodeError as e:
        raise corrupt(index_dir, f"{POINTER} is not a version name") from e
    if not name.startswith(VERSION_PREFIX) or "/" in name or "\\" in name:
        raise corrupt(index_dir, f"{POINTER} holds {name[:40]!r}, not a version name")
    return name
