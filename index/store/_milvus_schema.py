"""The collections of a Milvus store and what their rows hold.

For a collection name ``news``::

    news          one row per vector: a passage's own vector (``own``, id == the passage's key)
                  then its sentence windows' (ids key+1, ...); every row carries what a filter or
                  the build needs (file, source, issue date as INT64 YYYYMMDD, generation, the
                  passage's hub score); the own
                  row also the passage (text, citation fields, edition, page, BM25 tokens) and its
                  document-side BM25 weights as a sparse vector
    news_docs     the documents the viewer shows, their text in parts
    news_meta     the header (the manifest's fixed part: format, model, dimension, chunker,
                  lexical settings), one record per source file (digest, counts, its archive
                  words) and one per build (its generation and state)
    news_stats    one row per BM25 token: its sparse dimension, document frequency, best weight
                  and pinyin key, with the values before the build that last changed it

Milvus wants a vector in every collection: the companions carry a 2-dimensional one, unused.
"""

from __future__ import annotations

import os
import time
from typing import Any

from ..errors import InvalidSetting
from ._milvus_client import Client

__all__ = [
    "DUMMY",
    "INDEX_ENV",
    "VECTOR_INDEXES",
    "vector_index",
    "MAX_TEXT",
    "Names",
    "create_all",
    "load_all",
    "supports_sparse",
]

MAX_TEXT = 65_535  # bytes of a VARCHAR
# The index of the passages' vectors, chosen when the collection is made (NEWS_ASSISTANT_MILVUS_INDEX):
# FLAT searches every vector (exact, and exact under any filter); HNSW a graph, for collections
# too large to scan each question (docs/benchmarks.md: what a selective filter costs it).
INDEX_ENV = "NEWS_ASSISTANT_MILVUS_INDEX"
VECTOR_INDEXES: dict[str, dict[str, int]] = {"FLAT": {}, "HNSW": {"M": 16, "efConstruction": 200}}
_NAME = 1024
DUMMY = [0.0, 1.0]  # the companions' unused vector


class Names:
    """The four collections of one store, and the alias its builders take as their lock."""

    def __init__(self, base: str) -> None:
        self.passages = base
        self.docs = f"{base}_docs"
        self.meta = f"{base}_meta"
        self.stats = f"{base}_stats"
        self.lock = f"{base}_writer_lock"

    def all(self) -> list[str]:
        return [self.passages, self.docs, self.meta, self.stats]


def supports_sparse(client: Client) -> bool:
    """Sparse vectors (the lexical leg) came with Milvus 2.4; Lite has them."""
    if client.lite:
        return True
    version = client.version().lstrip("v").split("-")[0].split(".")
    try:
        return (int(version[0]), int(version[1])) >= (2, 4)
    except (ValueError, IndexError):
        return True  # a version it cannot read is a newer one


def _fields(schema: Any, spec: list[tuple[str, str, dict[str, Any]]]) -> None:
    from pymilvus import DataType

    for name, kind, extra in spec:
        schema.add_field(name, getattr(DataType, kind), **extra)


def vector_index() -> str:
    """The vector index a new collection gets (INDEX_ENV, default FLAT); InvalidSetting for another."""
    chosen = os.environ.get(INDEX_ENV, "FLAT").strip().upper() or "FLAT"
    if chosen not in VECTOR_INDEXES:
        raise InvalidSetting(f"{INDEX_ENV} must be one of {', '.join(VECTOR_INDEXES)}, not {chosen!r}")
    return chosen


def _passages_schema(client: Client, dim: int, sparse: bool) -> tuple[Any, Any]:
    raw = client.raw
    schema = raw.create_schema(auto_id=False, enable_dynamic_field=False)
    text = {"max_length": MAX_TEXT}
    name = {"max_length": _NAME}
    _fields(
        schema,
        [
            ("id", "INT64", {"is_primary": True}),
            ("key", "INT64", {}),
            ("own", "BOOL", {}),
            ("n", "INT64", {}),
            ("gen", "INT64", {}),
            ("file", "VARCHAR", name),
            ("source", "VARCHAR", name),
            ("date", "INT64", {}),
            ("vector", "FLOAT_VECTOR", {"dim": dim}),
            ("text", "VARCHAR", text),
            ("title", "VARCHAR", text),
            ("section", "VARCHAR", text),
            ("start", "INT64", {}),
            ("end", "INT64", {}),
            ("line_start", "INT64", {}),
            ("line_end", "INT64", {}),
            ("edition", "VARCHAR", {"max_length": 256}),
            ("page", "INT64", {}),
            ("tokens", "VARCHAR", text),
            # The passage's hub score (index.build._hubness), on its windows' rows too. A
            # collection made before it lacks the field and answers without the discount.
            ("hub", "FLOAT", {}),
        ],
    )
    index = raw.prepare_index_params()
    kind = vector_index()
    index.add_index("vector", index_type=kind, metric_type="IP", params=VECTOR_INDEXES[kind])
    if sparse:
        _fields(schema, [("sparse", "SPARSE_FLOAT_VECTOR", {})])
        index.add_index(
            "sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP", params={"drop_ratio_build": 0.0}
        )
    return schema, index


def _companion_schema(client: Client, spec: list[tuple[str, str, dict[str, Any]]]) -> tuple[Any, Any]:
    raw = client.raw
    schema = raw.create_schema(auto_id=False, enable_dynamic_field=False)
    _fields(schema, [*spec, ("v", "FLOAT_VECTOR", {"dim": len(DUMMY)})])
    index = raw.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="IP")
    return schema, index


def create_all(client: Client, names: Names, dim: int, sparse: bool) -> None:
    """Create whichever of the store's collections are missing, loaded."""
    text = {"max_length": MAX_TEXT}
    name = {"max_length": _NAME}
    specs = {
        names.passages: _passages_schema(client, dim, sparse),
        names.docs: _companion_schema(
            client,
            [
                ("id", "VARCHAR", {"is_primary": True, "max_length": _NAME + 64}),
                ("source", "VARCHAR", name),
                ("file", "VARCHAR", name),
                ("gen", "INT64", {}),
                ("part", "INT64", {}),
                ("body", "VARCHAR", text),
            ],
        ),
        names.meta: _companion_schema(
            client,
            [
                ("id", "VARCHAR", {"is_primary": True, "max_length": _NAME + 64}),
                ("kind", "VARCHAR", {"max_length": 32}),
                ("gen", "INT64", {}),
                ("part", "INT64", {}),
                ("body", "VARCHAR", text),
            ],
        ),
        names.stats: _companion_schema(
            client,
            [
                ("token", "VARCHAR", {"is_primary": True, "max_length": 256}),
                ("dim", "INT64", {}),
                ("df", "INT64", {}),
                ("maxw", "FLOAT", {}),
                ("gen", "INT64", {}),
                ("prev_df", "INT64", {}),
                ("prev_maxw", "FLOAT", {}),
                ("prev_gen", "INT64", {}),
                ("pinyin", "VARCHAR", {"max_length": 128}),
            ],
        ),
    }
    for collection, (schema, index) in specs.items():
        if not client.has(collection):
            _create(client, collection, schema, index)
    load_all(client, names)


def load_all(client: Client, names: Names, wait: float = 60.0) -> None:
    """Load the store's collections. A collection that another builder has just created may not
    have its index yet (Milvus makes the collection, then the index, then loads): wait for it."""
    from pymilvus.exceptions import MilvusException

    from ._milvus_client import store_error

    deadline = time.monotonic() + wait
    for collection in names.all():
        while True:
            try:
                client.raw.load_collection(collection)
                break
            except MilvusException as e:
                if "index not found" not in str(e).lower() or time.monotonic() > deadline:
                    raise store_error(e, client.uri, client.collection) from e
                time.sleep(0.5)


def _create(client: Client, collection: str, schema: Any, index: Any) -> None:
    from pymilvus.exceptions import MilvusException

    from ._milvus_client import store_error

    try:
        # Strong: a reader sees a build's commit record and the rows it makes visible together.
        client.raw.create_collection(collection, schema=schema, consistency_level="Strong", num_shards=1)
        # Not waited for: the collection is empty, so there is nothing to index, and pymilvus's wait
        # polls every half second (a build makes eight collections, five indexes). load_all loads.
        client.raw.create_index(collection, index, sync=False)
    except MilvusException as e:
        if not client.has(collection):  # else another builder made it a moment ago: the same schema
            raise store_error(e, client.uri, client.collection) from e
