"""Turn a model name (from the command line, the settings or a manifest) into an embedder.

Shared by both command lines and the assistant, so that an index built with ``--model hash``
is searched with the same fake, and anything else with the real model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ..settings import BACKENDS, DEFAULT_MODEL, default_backend
from ._protocol import Embedder, HashEmbedder

# "hash" on the command line; "hash-bigram-256" is what HashEmbedder writes into a manifest.
_HASH = re.compile(r"hash(?:-bigram-(\d+))?")


def make_embedder(name_or_path: str, cache_dir: Path, backend: str | None = None) -> Embedder:
    """``hash`` (or ``hash-bigram-N``): the fast fake, for trying the pipeline. Anything else,
    including ``""`` (find the default model), a hub name or a local folder: the real model on
    ``backend`` (default: NEWS_ASSISTANT_BACKEND, else onnx), whose modules are imported only now."""
    m = _HASH.fullmatch(name_or_path)
    if m:
        return HashEmbedder(int(m.group(1))) if m.group(1) else HashEmbedder()
    backend = backend or default_backend()
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend == "onnx":
        from ._onnx import OnnxEmbedder

        return OnnxEmbedder(name_or_path, cache_dir)
    from ._torch import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(name_or_path, cache_dir)


def embedder_for(identity: Mapping[str, str], cache_dir: Path) -> Embedder:
    """The embedder named by an index's manifest (``Manifest.model``), on the backend that built it
    (an identity without ``backend`` is torch's, as every index was before the ONNX export).

    The default model's name is resolved the way the default is, local conversion first: a
    converted copy carries the hub name too, and only the weights hash (checked by the caller)
    tells which copy built the index.
    """
    name = identity.get("name", "")
    backend = "onnx" if identity.get("backend") == "onnxruntime" else "torch"
    return make_embedder("" if name == DEFAULT_MODEL else name, cache_dir, backend)


def model_option(identity: Mapping[str, str]) -> str | None:
    """The ``--model`` value that builds this identity again, or None when the default does or
    none is known (a local folder is recorded by its name only)."""
    name = identity.get("name", "")
    if _HASH.fullmatch(name) or ("/" in name and name != DEFAULT_MODEL and not Path(name).is_absolute()):
        return name
    return None
