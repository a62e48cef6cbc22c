"""Writing a version: the single-writer lock, fault injection for the crash tests, writing a
complete folder beside the live one and switching ``CURRENT`` to it, and removing what is left over."""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..errors import (
    BuildRunning,
    IndexCorrupt,
    IndexNotFound,
)
from ..files import fsync_dir, fsync_file, write_synced
from ._database import Contents, StoredChunk, write_database
from ._layout import (
    DATABASE,
    HUB_PROBES,
    HUBNESS,
    LEXICAL,
    LOCK,
    POINTER,
    VECTORS,
    VERSION_PREFIX,
    live_version,
)
from ._lexical import LexicalIndex
from ._manifest import MANIFEST, Manifest
from ._vectors import VectorStore

# Test-only fault injection: a build kills itself with SIGKILL at the named point (see crash_point).
CRASH_ENV = "NEWS_ASSISTANT_CRASH_AT"


CRASH_POINTS = ("embedding", "writing", "before-switch", "after-switch")


def crash_point(name: str) -> None:
    """Test-only: kill this process outright at the named point of a build when the environment
    variable NEWS_ASSISTANT_CRASH_AT names it, to prove that a crash there leaves a loadable index.

    The one place faults are injected; the points are CRASH_POINTS. Never set it in real use.
    """
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def writer_lock(
    index_dir: Path, *, wait: bool = True, on_wait: Callable[[str], None] | None = None
) -> Iterator[str | None]:
    """Hold the single-writer lock of ``index_dir`` for a whole build.

    When another build holds it: raise BuildRunning, or with ``wait``, call ``on_wait`` with a
    sentence saying so and block until it is free. Yields a description of an earlier build that
    was killed while holding the lock (the kernel released it, its record stayed), else None.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            message = f"another build{_holder(_read_all(fd))} is running on {index_dir}"
            if not wait:
                raise BuildRunning(f"{message}; try again when it has finished") from None
            if on_wait is not None:
                on_wait(f"{message}; waiting…")
            fcntl.flock(fd, fcntl.LOCK_EX)
        left = _read_all(fd)
        record = {"pid": os.getpid(), "started": datetime.now(UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode("ascii"), 0)
        try:
            yield f"an earlier build{_holder(left)} was interrupted" if left.strip() else None
        finally:
            # Cleared on every way out but a kill, which is how the next build knows.
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


def build_running(index_dir: Path) -> str | None:
    """A sentence naming the build that holds the lock of ``index_dir`` now, or None."""
    try:
        fd = os.open(index_dir / LOCK, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return f"a build{_holder(_read_all(fd))} is running on {index_dir}"
        return None
    finally:
        os.close(fd)


def _read_all(fd: int) -> str:
    return os.pread(fd, 4096, 0).decode("ascii", "replace")


def _holder(record: str) -> str:
    try:
        raw = json.loads(record)
        return f" (pid {int(raw['pid'])}, started {raw['started']})"
    except (ValueError, KeyError, TypeError):
        return ""


def _check_parts(
    manifest: Manifest,
    rows: list[tuple[str, StoredChunk]],
    vectors: VectorStore,
    lexical: LexicalIndex | None,
    hubness: tuple[np.ndarray, np.ndarray] | None,
) -> None:
    """ValueError unless the parts of a version describe the same rows (a bug, never a user's error)."""
    if lexical is not None and len(lexical) != len(rows):
        raise ValueError(f"lexical index has {len(lexical)} rows, expected {len(rows)}")
    keys = np.array([s.key for _, s in rows], dtype=np.int64)
    if len(keys) != len(vectors) or not np.array_equal(np.sort(keys), vectors.keys):
        raise ValueError(
            f"{len(rows)} chunks, but their keys are not the {len(vectors)} passages of the vectors"
        )
    windows = vectors.vector_count - len(rows)
    counted = (manifest.counts.get("chunks"), manifest.counts.get("windows", 0))
    if counted != (len(rows), windows):
        raise ValueError(f"{len(rows)} chunks and {windows} windows, but the manifest counts {counted}")
    if (manifest.dim, manifest.vectors) != (vectors.dim, vectors.params()):
        raise ValueError(f"the manifest describes {manifest.dim}-dimensional {manifest.vectors}, not "
                         f"{vectors.dim}-dimensional {vectors.params()}")  # fmt: skip
    described = bool(manifest.hubness)
    if (hubness is not None) != described or (hubness is not None and len(hubness[0]) != len(rows)):
        raise ValueError(f"hub scores for {len(rows)} rows must come with the manifest's description of them")


def write_version(
    index_dir: Path,
    manifest: Manifest,
    contents: Contents,
    vectors: VectorStore,
    lexical: LexicalIndex | None = None,
    hubness: tuple[np.ndarray, np.ndarray] | None = None,
) -> Path:
    """Write a complete version beside the live one, then switch ``CURRENT`` to it; return its folder.

    The caller holds writer_lock. ``contents`` gives the rows (chunks in order) and the key of
    each in ``vectors``, which holds exactly those keys; ``lexical`` scores the same rows, built
    from their tokens. ``manifest`` counts the chunks and windows (vectors beyond one a chunk) and
    records ``vectors.params()``. ``hubness``: each row's hub score and the probe vectors they
    were measured against, which the manifest describes (``Manifest.hubness``).
    """
    rows = contents.rows()
    _check_parts(manifest, rows, vectors, lexical, hubness)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    version = index_dir / f"{VERSION_PREFIX}{stamp}Z-{secrets.token_hex(4)}"
    version.mkdir()
    try:
        for f in vectors.save(version / VECTORS):
            fsync_file(f)
        fsync_dir(version / VECTORS)
        crash_point("writing")
        write_database(version / DATABASE, contents)
        if lexical is not None:
            lexical.save(version / LEXICAL)
            for f in (version / LEXICAL).iterdir():
                fsync_file(f)
            fsync_dir(version / LEXICAL)
        if hubness is not None:
            for name, array in ((HUBNESS, hubness[0]), (HUB_PROBES, hubness[1])):
                np.save(version / name, np.asarray(array, dtype=np.float32), allow_pickle=False)
                fsync_file(version / name)
        write_synced(version / MANIFEST, manifest.to_json().encode("utf-8"))
        fsync_dir(version)
        crash_point("before-switch")
        # The switch: until this replace, loaders see the previous version untouched.
        tmp = index_dir / f"{POINTER}.{secrets.token_hex(4)}.tmp"
        write_synced(tmp, (version.name + "\n").encode("ascii"))
        os.replace(tmp, index_dir / POINTER)
        fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    crash_point("after-switch")
    return version


def remove_leftovers(index_dir: Path) -> list[str]:
    """Delete every version but the live one (older ones, and half-written ones from a killed build)
    and orphaned pointer temp files; return the names of the versions removed. The caller holds
    writer_lock. Readers that opened an old version keep what they opened (POSIX)."""
    try:
        live = live_version(index_dir)
    except IndexNotFound:
        live = ""  # no live version yet: every version folder is from a build that never finished
    except IndexCorrupt:
        return []  # keep everything for whoever repairs it; the next complete build cleans up
    removed = []
    for p in sorted(index_dir.iterdir()):
        if p.name.startswith(VERSION_PREFIX) and p.name != live and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
        elif p.name.startswith(f"{POINTER}.") and p.name.endswith(".tmp"):
            p.unlink(missing_ok=True)
    return removed
