"""Files written so that a crash never leaves one that looks complete, and files known by their hash.

- ``write_synced``, ``fsync_file``, ``fsync_dir``: bytes on disk before the next step relies on them;
- ``install_folder``: a folder built beside its destination, its marker written last, renamed into
  place (the model conversion and the ONNX export);
- ``read_marker``: what a finished folder's marker says;
- ``sha256_hex``, ``file_sha256``: the one way the project hashes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "file_sha256",
    "fsync_dir",
    "fsync_file",
    "install_folder",
    "read_marker",
    "sha256_hex",
    "write_synced",
]

# A temp folder this old beside a destination was left by a killed run.
_STALE_SECONDS = 3600


def write_synced(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` and fsync it."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (a rename, a new file) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_hex(data: bytes | str) -> str:
    """The sha256 of bytes, or of a text's UTF-8.

    >>> sha256_hex("工会")[:12]
    '088df342996b'
    """
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def file_sha256(path: Path) -> str | None:
    """The sha256 of a file's bytes, read in blocks; None when it cannot be read."""
    h = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while block := f.read(1 << 22):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def read_marker(folder: Path, name: str) -> dict[str, Any] | None:
    """The JSON object of ``folder/name``, the marker a finished folder gets last; None when it is
    missing, unreadable or not an object."""
    try:
        marker = json.loads((folder / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def install_folder(
    dest: Path,
    fill: Callable[[Path], tuple[Path, Mapping[str, Any]]],
    marker: str,
    finished: Callable[[Path], bool],
) -> Path:
    """Build a folder beside ``dest`` and rename it into place; return ``dest``.

    ``fill(work)`` writes into the empty temp folder ``work`` and returns the folder to install
    (``work`` or one inside it) and its marker, which is written last, as ``marker``: a killed run
    never leaves a folder that looks finished. When ``finished(dest)`` says another process has
    completed the same work meanwhile, that folder is kept (it may be in use). Temp folders left by
    killed runs are removed first.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    for stale in dest.parent.glob(f".{dest.name}.*"):
        if time.time() - stale.stat().st_mtime > _STALE_SECONDS:
            shutil.rmtree(stale, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        done, facts = fill(work)
        (done / marker).write_text(json.dumps(dict(facts), indent=2) + "\n", encoding="utf-8")
        for p in done.rglob("*"):  # some writers create files 0600 through a temp file
            p.chmod(0o755 if p.is_dir() else 0o644)
        done.chmod(0o755)
        if finished(dest):
            return dest
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(done, dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dest
