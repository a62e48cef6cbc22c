"""The saved index: the passages' vectors, chunk and document text in SQLite, and a manifest that
describes both.

Layout under ``index_dir``::

    CURRENT                 name of the live version, e.g. "v-20250101T120000Z-1a2b3c4d"
    v-<time>-<rand>/
        manifest.json       format version, model identity, dim, chunker, vector store kind and
                            parameters, file hashes, counts
        vectors/            the vector store (``_vectors``): each chunk's vectors, its own then its
                            sentence windows', under the chunk's key
        chunks.sqlite       tables ``chunks`` (row, key in vectors/, source file, BM25 tokens, and
                            the issue date, edition and page of the document it was cut from),
                            ``documents`` and ``rejections`` (bad lines inside indexed files)
        lexical/            BM25 over jieba tokens of the same rows, and the archive's word list
    embeddings.sqlite       vectors already computed, by model and text (``index.embed``)
    .lock                   held by a build from start to end, so two builds never write at once;
                            it names the running build, and still names it if that build was killed

Rows number the chunks 0..n-1 in each version (the lexical index scores the same rows); keys name
them in the vector store and survive from one version to the next, so a build changes only the
vectors of what changed.

A build writes a complete new version directory, fsyncs it, then replaces ``CURRENT`` atomically,
so a crash at any moment leaves either the old index or the new one, never a mix. Loading follows
``CURRENT`` only; half-written versions are invisible to it and removed by the next build.

The same index can live in Milvus instead (``_milvus*``: Milvus Lite or a server, chosen by
``Settings.milvus``); ``store_for`` opens whichever the settings name, as a ``Store`` (``_protocol``):
the top-k operations questions need, which both carry out.

Two views of a version: ``load`` gives a ``LoadedIndex`` for questions (search, filters, texts),
``take_over`` a ``Previous`` for the next build (everything it holds by source file, and its vector
store to change).
"""

from ..settings import Settings
from ._database import Contents, Issue, StoredChunk
from ._filter import Filter, RowFacts, iso_date
from ._layout import DATABASE, LEXICAL, LOCK, POINTER, VECTORS, VERSION_PREFIX
from ._lexical import LEXICAL_VERSION, LexicalIndex
from ._loaded import ROW_BYTES, LoadedIndex
from ._manifest import FORMAT_VERSION, MANIFEST, Manifest, describe_model
from ._protocol import LexicalQuery, Store, Vocabulary
from ._reader import Previous, load, read_live, read_manifest, take_over
from ._vectors import VectorStore, create_store, open_store
from ._writer import (
    CRASH_ENV,
    CRASH_POINTS,
    build_running,
    crash_point,
    remove_leftovers,
    write_version,
    writer_lock,
)

__all__ = [
    "CRASH_ENV",
    "LexicalQuery",
    "Store",
    "Vocabulary",
    "store_for",
    "CRASH_POINTS",
    "DATABASE",
    "FORMAT_VERSION",
    "LEXICAL",
    "LEXICAL_VERSION",
    "LOCK",
    "MANIFEST",
    "POINTER",
    "ROW_BYTES",
    "VECTORS",
    "VERSION_PREFIX",
    "Contents",
    "Filter",
    "Issue",
    "LexicalIndex",
    "LoadedIndex",
    "Manifest",
    "Previous",
    "RowFacts",
    "StoredChunk",
    "VectorStore",
    "build_running",
    "crash_point",
    "create_store",
    "describe_model",
    "iso_date",
    "load",
    "open_store",
    "read_live",
    "read_manifest",
    "remove_leftovers",
    "take_over",
    "write_version",
    "writer_lock",
]


def store_for(settings: Settings) -> Store:
    """The index the settings name, opened to answer questions: the Milvus store of
    ``settings.milvus`` (collection ``settings.collection``) if set, else the folder ``index_dir``."""
    if settings.milvus:
        from ._milvus import open_milvus

        return open_milvus(settings.milvus, settings.collection)
    return load(settings.index_dir)
