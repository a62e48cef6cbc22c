"""The corpus folder and the index as a maintainer sees them: add files, remove them, ask what is indexed.

``add_files`` and ``remove_sources`` change only the corpus folder; the build that follows brings the
index up to date, so the folder stays the one truth about what is indexed.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..embed import CACHE_FILE, cached_vectors
from ..errors import SourceConflict, UnknownSource
from ..files import file_sha256
from ..read import FORMATS, SUFFIXES, discover
from ..settings import Settings
from ..sources import file_of
from ..store import Manifest, build_running, describe_model, read_live, read_manifest
from ._sources import changed_sources

_UNSAFE = re.compile(r"[^\w.\-]+")
_MAX_PART = 120


def safe_name(name: str) -> str:
    """A source name that is safe as a path below the corpus folder: in each part, anything but
    letters, digits, ``.``, ``-`` and ``_`` becomes ``_``, and no part starts with a dot (the build
    skips hidden files).

    >>> safe_name("第3版 工会/新闻(终稿).TXT")
    '第3版_工会/新闻_终稿_.TXT'
    >>> safe_name("../.secret.md")
    '_/secret.md'
    """
    parts = []
    for part in unicodedata.normalize("NFC", name).split("/"):
        part = _UNSAFE.sub("_", part).lstrip(".") or "_"
        if len(part) > _MAX_PART:
            stem, dot, suffix = part.rpartition(".")
            part = f"{stem[: _MAX_PART - len(suffix) - 1]}.{suffix}" if dot else part[:_MAX_PART]
        parts.append(part)
    return "/".join(parts)


def add_files(settings: Settings, paths: Sequence[Path]) -> tuple[list[str], list[str]]:
    """Copy pages and article files into the first corpus folder, for the next build to index.

    A folder's files keep their paths below it. Names are made safe (see safe_name). Returns the
    names copied and the names already there with the same bytes. Refuses with SourceConflict,
    copying nothing, a path that is neither a file of an accepted format (``index.SUFFIXES``) nor a
    folder holding one,
    and a name already taken by a different file.
    """
    target = settings.corpus[0]
    if target.exists() and not target.is_dir():
        raise SourceConflict(f"cannot add files to {target}: the first corpus path is a file, not a folder")
    wanted: dict[str, Path] = {}
    for path in paths:
        if path.is_dir():
            found, _ = discover([path])
            if not found:
                raise SourceConflict(f"{path} holds no {FORMATS.removeprefix('a ')}")
        elif path.is_file():
            if path.suffix.lower() not in SUFFIXES:
                raise SourceConflict(f"{path} is not {FORMATS}")
            found = [(path, path.name)]
        else:
            raise SourceConflict(f"{path}: no such file or folder")
        for src, name in found:
            safe = safe_name(name)
            if Path(safe).suffix.lower() not in SUFFIXES:
                endings = ", ".join(SUFFIXES)
                raise SourceConflict(f"{src}: its name {safe!r} has none of the endings {endings}")
            if safe in wanted and not _same_bytes(wanted[safe], src):
                raise SourceConflict(f"{src} and {wanted[safe]} would both be added as {safe}; rename one")
            wanted[safe] = src
    # A name is taken in any corpus path, not only the folder copied into: two files of one name
    # cannot both be indexed.
    taken = {name: path for path, name in discover(settings.corpus)[0]}
    copied: list[str] = []
    present: list[str] = []
    for name, src in wanted.items():
        dest = taken.get(name, target / name)
        if dest.is_dir() or (dest.exists() and not _same_bytes(dest, src)):
            raise SourceConflict(
                f"{dest} already exists with other content; rename {src}, or first remove the old one "
                f"with: python -m index remove {name}"
            )
        (present if dest.exists() else copied).append(name)
    for name in copied:
        _copy_atomically(wanted[name], target / name)
    return copied, present


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
    except OSError:
        return False
    digest = file_sha256(a)
    return digest is not None and digest == file_sha256(b)


def _copy_atomically(src: Path, dest: Path) -> None:
    # A hidden temporary name, which the build skips, then a rename: a build running meanwhile
    # sees the whole file or none of it.
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(src, tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_sources(settings: Settings, names: Sequence[str]) -> tuple[list[str], list[str]]:
    """Delete indexed source files (names as the index has them, or their paths) from the corpus,
    for the next build to drop. Returns the names deleted and the names already gone from disk.
    Refuses with UnknownSource, deleting nothing, a name the index does not hold, and with
    SourceConflict a file named itself as a corpus path (not found in a corpus folder): that is
    the caller's file, to drop from the corpus setting rather than delete."""
    indexed = dict(_manifest(settings).files)
    files, _ = discover(settings.corpus)
    on_disk = {name: path for path, name in files}
    by_path = {path.resolve(): name for path, name in files}
    chosen: dict[str, Path | None] = {}
    for given in names:
        name = given if given in indexed else by_path.get(Path(given).resolve(), given)
        if name not in indexed:
            file = file_of(given)
            if file != given and file in indexed:
                raise UnknownSource(
                    f"{given} is one article of {file}; remove the whole file, or delete the "
                    "article's line from it and build again"
                )
            raise UnknownSource(
                f"{given} is not an indexed source; python -m index status "
                + (f"--milvus {settings.milvus}" if settings.milvus else f"--index-dir {settings.index_dir}")
                + " lists them"
            )
        path = on_disk.get(name)
        if path is not None and path in settings.corpus:
            raise SourceConflict(
                f"{path} is itself a corpus path, not a file in a corpus folder; leave it out of "
                "--corpus (or NEWS_ASSISTANT_CORPUS) instead"
            )
        chosen[name] = path
    deleted: list[str] = []
    gone: list[str] = []
    for name, path in chosen.items():
        if path is not None and path.exists():
            path.unlink()
            deleted.append(name)
        else:
            gone.append(name)
    return deleted, gone


# --- what the index holds --------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexStatus:
    index_dir: Path
    version: str
    manifest: Manifest
    changes: dict[str, str]  # source file -> added | changed | removed, on disk since the build
    running: str | None  # the build holding the lock now
    cached_vectors: int  # in the embedding cache, for every model
    store: str = ""  # a Milvus store described instead of index_dir

    def summary(self) -> str:
        m = self.manifest
        c = m.counts
        articles = c.get("articles", c.get("documents", 0))  # counted by headline since the manifest has it
        lines = [
            f"Index {self.store or self.index_dir}: version {self.version}, built {m.built_at}, "
            f"format {m.format_version}.",
            f"Model {describe_model(m.model)} ({m.dim} dimensions); chunker {m.chunker.get('version')}, "
            f"up to {m.chunker.get('max_chars')} characters, {m.chunker.get('overlap', 0)} overlapping; "
            f"{m.lexical.get('words', 0)} dictionary words; "
            f"{self.cached_vectors} cached embeddings.",
            f"Holds {c.get('files', 0)} files: {articles} articles, {c.get('sections', 0)} sections, "
            f"{c.get('chunks', 0)} chunks with {c.get('windows', 0)} sentence windows.",
        ]
        if self.running:
            lines.append(f"{self.running[0].upper()}{self.running[1:]}.")
        if self.changes:
            n = len(self.changes)
            s = "s" if n != 1 else ""
            lines.append(f"Changed on disk since: {n} source{s} (python -m index build applies them):")
            lines.extend(f"  {what:<8} {name}" for name, what in self.changes.items())
        else:
            lines.append("The corpus on disk matches the index.")
        lines.append("Sources:")
        lines.extend(f"  {name}" for name in sorted(m.files))
        return "\n".join(lines)  # fmt: skip


def status(settings: Settings) -> IndexStatus:
    """What the index under ``settings.index_dir`` holds, and what changed in the corpus since.

    Reads the manifest and hashes the corpus files: no model, and no BM25 index, is loaded."""
    if settings.milvus:
        return _milvus_status(settings)
    name, manifest = read_live(settings.index_dir)
    return IndexStatus(
        settings.index_dir,
        name,
        manifest,
        changed_sources(manifest, settings.corpus),
        build_running(settings.index_dir),
        cached_vectors(settings.index_dir / CACHE_FILE),
    )


def _manifest(settings: Settings) -> Manifest:
    if not settings.milvus:
        return read_manifest(settings.index_dir)
    from ..store._milvus import open_milvus

    with open_milvus(settings.milvus, settings.collection) as store:
        return store.manifest


def _milvus_status(settings: Settings) -> IndexStatus:
    from ..store._milvus import open_milvus

    with open_milvus(settings.milvus, settings.collection) as store:
        running = [b for b in store.state.builds if b.state == "pending"]
        return IndexStatus(
            settings.index_dir,
            f"generation {max((b.gen for b in store.state.builds if b.state != 'pending'), default=0)}",
            store.manifest,
            changed_sources(store.manifest, settings.corpus),
            f"a build ({running[-1].who}) is writing to it" if running else None,
            cached_vectors(settings.index_dir / CACHE_FILE),
            store.where,
        )
