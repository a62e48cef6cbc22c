"""A Milvus collection opened to answer questions: the ``Store`` protocol over Milvus Lite or a
server, holding nothing of the archive in the process but its lexicon (so app replicas are
stateless: every question asks the collection, and sees a build's commit at its next question).

Passage ids are the passages' keys: a passage's own row has id == key, its windows key+1, ...
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..embed import Embedder, model_option
from ..errors import CollectionNotFound, IndexIncompatible, UnknownSource
from ..records import Chunk, Document
from ..text import Lexicon
from ._database import Issue
from ._filter import Filter
from ._manifest import Manifest, describe_model
from ._milvus_client import Client, connect, describe, is_lite, quote
from ._milvus_lexical import MilvusVocabulary
from ._milvus_schema import Names, load_all
from ._milvus_state import State, read_builds, read_state
from ._protocol import LexicalQuery

__all__ = [
    "CHUNK_FIELDS",
    "MILVUS_FORMAT",
    "chunk_of",
    "MilvusStore",
    "filter_expr",
    "manifest_of",
    "open_milvus",
]

MILVUS_FORMAT = 1
MAX_LIMIT = 16_384  # the most rows one Milvus search returns
# An HNSW search looks at ef candidates: at least EF_MIN, and OVERFETCH times the rows asked for
# under a filter, which leaves the graph's neighbourhoods sparse (docs/benchmarks.md).
EF_MIN = 64
OVERFETCH = 4
# A passage's own row: its chunk's fields (chunk_of), and its issue's.
CHUNK_FIELDS = ["text", "source", "title", "section", "start", "end", "line_start", "line_end"]
_PASSAGE_FIELDS = ["id", *CHUNK_FIELDS, "date", "edition", "page"]


def _successor(prefix: str) -> str | None:
    last = ord(prefix[-1])
    return prefix[:-1] + chr(last + 1) if last < 0x10FFFF else None


def filter_expr(where: Filter | None) -> str:
    """A Filter as a Milvus expression ("" for none): dates as YYYYMMDD integers (0: unknown, left
    out by any bound), a source prefix as the range of names that start with it.

    >>> filter_expr(Filter(since="2019-01-01", sources=["a_", "b"]))
    '(date >= 20190101) and ((source >= "a_" and source < "a`") or (source >= "b" and source < "c"))'
    """
    if where is None or where.empty:
        return ""
    parts = []
    dates = []
    if where.since is not None:
        dates.append(f"date >= {str(where.since).replace('-', '')}")
    if where.until is not None:
        dates.append(
            f"date <= {str(where.until).replace('-', '')}"
            if dates
            else f"date > 0 and date <= {str(where.until).replace('-', '')}"
        )
    if dates:
        parts.append(f"({' and '.join(dates)})")
    if where.sources:
        ranges = []
        for prefix in where.sources:
            upper = _successor(prefix)
            ranges.append(f"source >= {quote(prefix)}" + (f" and source < {quote(upper)}" if upper else ""))
        parts.append("(" + " or ".join(f"({r})" for r in ranges) + ")")
    return " and ".join(parts)


def _and(*parts: str) -> str:
    return " and ".join(f"({p})" for p in parts if p)


def manifest_of(state: State, names: Names) -> Manifest:
    """The manifest a local index would have for what the store holds (its header and files)."""
    header = state.header or {}
    counts = {k: 0 for k in ("files", "documents", "articles", "sections", "chunks", "windows")}
    for record in state.files.values():
        counts["files"] += 1
        for k in ("documents", "articles", "sections", "chunks", "windows"):
            counts[k] += int(record.counts.get(k, 0))
    words = {w for r in state.files.values() for w in r.words}
    return Manifest(
        model=dict(header.get("model", {})),
        dim=int(header.get("dim", 0)),
        chunker=dict(header.get("chunker", {})),
        files={n: r.digest for n, r in sorted(state.files.items())},
        counts=counts,
        built_at=state.built_at or str(header.get("created", "")),
        lexical=dict(header.get("lexical", {})) | {"words": len(words)} if header.get("lexical") else {},
        vectors={"kind": "milvus", "collection": names.passages, "index": str(header.get("index", "FLAT"))},
        hubness=dict(header.get("hubness") or {}),
    )


class _Shared:
    """One client for every view of a store (each ``reopen`` makes a newer one); closing the newest
    closes the client, as an Assistant closes the view it answers from last."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.latest: object = None


class MilvusStore:
    """A view of a Milvus store's committed state (see the module's docstring)."""

    def __init__(self, shared: _Shared, names: Names, state: State) -> None:
        self._shared, self.names, self.state = shared, names, state
        shared.latest = self
        self.client = shared.client
        self.manifest = manifest_of(state, names)
        self.where = describe(self.client.uri, names.passages)
        self._visible = state.visible()
        self._n = self.manifest.counts["chunks"]
        self._fanout = max((int(r.counts.get("fanout", 1)) for r in state.files.values()), default=1)
        self.sparse = bool((state.header or {}).get("sparse"))
        self.index_type = str((state.header or {}).get("index", "FLAT"))
        self.hub_field = bool((state.header or {}).get("hubness"))
        self.vocabulary: MilvusVocabulary | None = None
        if self.sparse and (state.header or {}).get("lexical"):
            lexicon = Lexicon({w for r in state.files.values() for w in r.words})
            self.vocabulary = MilvusVocabulary(self.client, names, state, lexicon, self._n)

    def __len__(self) -> int:
        return self._n

    def check_embedder(self, embedder: Embedder) -> None:
        built, given = self.manifest.model, dict(embedder.identity)
        uri = self.client.uri
        again = f"python -m index build --milvus {uri} --collection NEW_NAME --model {model_option(given)}"
        if built != given:
            raise IndexIncompatible(
                f"{self.where} was built with {describe_model(built)}, but the model in use is "
                f"{describe_model(given)}; use the collection's model (--model), or build another "
                f"collection with: {again}"
            )
        if embedder.dim != self.manifest.dim:
            raise IndexIncompatible(
                f"{self.where} holds {self.manifest.dim}-dimensional vectors, but the model gives "
                f"{embedder.dim}; build another collection with: {again}"
            )

    # --- searching ---------------------------------------------------------------------------------

    def _expr(self, where: Filter | None, own: bool = True) -> str:
        return _and("own == true" if own else "", filter_expr(where), self._visible)

    def count(self, where: Filter | None = None) -> int:
        if where is None or where.empty:
            return self._n
        return self.client.count(self.names.passages, self._expr(where))

    def dense_top(self, vector: np.ndarray, k: int, where: Filter | None = None) -> list[tuple[int, float]]:
        if k <= 0 or not self._n:
            return []
        q = np.asarray(vector, dtype=np.float32).reshape(-1).tolist()
        # Each of the k best passages has at most fanout vectors, so its best vector is among the
        # best k * fanout (exact for an exact index), as the local store searches.
        fetch = min(MAX_LIMIT, k * self._fanout)
        while True:
            hits = self.client.search(
                self.names.passages,
                "vector",
                [q],
                fetch,
                self._expr(where, own=False),
                fields=["key"],
                params=self._dense_params(fetch, where),
            )[0]
            found: dict[int, float] = {}
            for h in hits:
                key = int(h["entity"]["key"])
                if key not in found:
                    found[key] = float(h["distance"])
            if len(found) >= k or len(hits) < fetch or fetch >= MAX_LIMIT:
                return list(found.items())[:k]
            fetch = min(MAX_LIMIT, fetch * 4)

    def _dense_params(self, fetch: int, where: Filter | None) -> dict[str, int]:
        if self.index_type != "HNSW":
            return {}
        wanted = fetch * (OVERFETCH if where is not None and not where.empty else 1)
        return {"ef": min(32_768, max(EF_MIN, wanted))}

    def _sparse_query(self, query: LexicalQuery) -> dict[int, float]:
        assert self.vocabulary is not None
        v = self.vocabulary
        v.prefetch(query.tokens)
        out: dict[int, float] = {}
        for group in query.groups:
            for t in group:
                dim = v.dim(t)
                if dim is not None:
                    out[dim] = out.get(dim, 0.0) + v.weight(t)
        return out

    def lexical_top(
        self, query: LexicalQuery, k: int, where: Filter | None = None
    ) -> list[tuple[int, float]]:
        if self.vocabulary is None or k <= 0 or not query.groups:
            return []
        sparse = self._sparse_query(query)
        if not sparse:
            return []
        # An English question scores each word by its best stand-in, which no inner product does:
        # the passages of highest summed score are rescored exactly.
        fetch = min(MAX_LIMIT, k if query.per_token else max(4 * k, 50))
        hits = self.client.search(
            self.names.passages,
            "sparse",
            [sparse],
            fetch,
            self._expr(where),
            params={"drop_ratio_search": 0.0},
        )[0]
        found = [(int(h["id"]), float(h["distance"])) for h in hits if float(h["distance"]) > 0]
        if query.per_token:
            return found[:k]
        ids = [i for i, _ in found]
        exact = self.lexical_scores(query, ids)
        ranked = sorted(zip(ids, map(float, exact), strict=True), key=lambda x: -x[1])
        return [(i, s) for i, s in ranked[:k] if s > 0]

    def lexical_scores(self, query: LexicalQuery, ids: Sequence[int]) -> np.ndarray:
        out = np.zeros(len(ids), dtype=np.float32)
        if self.vocabulary is None or not len(ids) or not query.groups:
            return out
        v = self.vocabulary
        v.prefetch(query.tokens)
        rows = {
            int(r["id"]): r["sparse"]
            for r in self.client.get(self.names.passages, list(ids), ["id", "sparse"])
        }
        for i, pid in enumerate(ids):
            weights = rows.get(int(pid)) or {}
            total = np.float32(0)
            for group in query.groups:
                best = np.float32(0)
                for t in group:
                    dim = v.dim(t)
                    if dim is not None and dim in weights:
                        best = max(best, np.float32(v.weight(t)) * np.float32(weights[dim]))
                total += best
            out[i] = total
        return out

    def attainable(self, query: LexicalQuery) -> float:
        if self.vocabulary is None or not query.groups:
            return 0.0
        v = self.vocabulary
        v.prefetch(query.tokens)
        if query.per_token and query.rarest_for_unknown:
            tokens = [g[0] for g in query.groups]
            known = [v.maximum(t) for t in tokens if t in v]
            unknown = sum(t not in v for t in tokens)
            return sum(known) + unknown * (max(known) if known else 0.0)
        return float(sum(max((v.maximum(t) for t in g), default=0.0) for g in query.groups))

    def similarity(self, vector: np.ndarray, ids: Sequence[int]) -> np.ndarray:
        if not len(ids):
            return np.zeros(0, dtype=np.float32)
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        own = {
            int(r["id"]): r for r in self.client.get(self.names.passages, list(ids), ["id", "n", "vector"])
        }
        windows = [pid + j for pid in map(int, ids) if pid in own for j in range(1, int(own[pid]["n"]))]
        rows = self.client.get(self.names.passages, windows, ["id", "key", "vector"])
        best = {pid: float(np.dot(np.asarray(r["vector"], dtype=np.float32), q)) for pid, r in own.items()}
        for r in rows:
            key = int(r["key"])
            best[key] = max(best[key], float(np.dot(np.asarray(r["vector"], dtype=np.float32), q)))
        return np.array([best.get(int(i), 0.0) for i in ids], dtype=np.float32)

    def hub_scores(self, ids: Sequence[int]) -> np.ndarray:
        # A collection made before hub scores has no such field: it answers without the discount.
        if not self.hub_field or not len(ids):
            return np.zeros(len(ids), dtype=np.float32)
        rows = {int(r["id"]): r for r in self.client.get(self.names.passages, list(ids), ["id", "hub"])}
        return np.array(
            [float(rows[int(i)]["hub"] or 0.0) if int(i) in rows else 0.0 for i in ids], np.float32
        )

    # --- texts -------------------------------------------------------------------------------------

    def passages(self, ids: Sequence[int]) -> list[tuple[Chunk, Issue]]:
        rows = {int(r["id"]): r for r in self.client.get(self.names.passages, list(ids), _PASSAGE_FIELDS)}
        out = []
        for pid in ids:
            r = rows.get(int(pid))
            if r is None:
                raise IndexError(f"no passage {pid} in {self.where}")
            out.append((chunk_of(r), _issue(r)))
        return out

    def document(self, source: str) -> Document:
        import json

        expr = _and(f"source == {quote(source)}", self._visible)
        rows = self.client.query(self.names.docs, expr, ["part", "body"], limit=MAX_LIMIT)
        if not rows:
            raise UnknownSource(f"no document {source!r} in {self.where}")
        parts = [r["body"] for r in sorted(rows, key=lambda r: int(r["part"]))]
        head = json.loads(parts[0])
        return Document(
            source,
            "".join(parts[1:]),
            head["title"],
            int(head["line_offset"]),
            dict(head["meta"]),
            bool(head["is_page"]),
        )

    # --- following builds ------------------------------------------------------------------------------

    def newer_version(self) -> str | None:
        """``generation N`` when a build has committed since this view's state was read, else None
        (one small query of the build records; a build under way changes nothing a reader sees)."""
        live = max((b.gen for b in read_builds(self.client, self.names) if b.state != "pending"), default=0)
        return f"generation {live}" if live > self.state.live else None

    def reopen(self) -> MilvusStore:
        return MilvusStore(self._shared, self.names, read_state(self.client, self.names))

    def close(self) -> None:
        if self._shared.latest is self:
            self._shared.client.close()

    def __enter__(self) -> MilvusStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def chunk_of(r: dict[str, Any]) -> Chunk:
    """The chunk of a passage's own row (read with CHUNK_FIELDS)."""
    return Chunk(*(r[f] for f in CHUNK_FIELDS[:4]), *(int(r[f]) for f in CHUNK_FIELDS[4:]))


def _issue(r: dict[str, Any]) -> Issue:
    day = int(r["date"])
    date = f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}" if day else None
    return Issue(date, r["edition"] or None, int(r["page"]) or None)


def open_milvus(uri: str, collection: str) -> MilvusStore:
    """Open the store's collection at ``uri`` to answer questions. Raises CollectionNotFound when
    nothing has been built into it, IndexIncompatible for another format, StoreUnavailable (or a
    subclass) when it cannot be reached."""
    if is_lite(uri) and not os.path.exists(uri):  # opening would create an empty database
        raise _not_found(uri, collection)
    client = connect(uri, collection)
    shared = _Shared(client)
    try:
        names = Names(collection)
        if not all(client.has(name) for name in names.all()):
            raise _not_found(uri, collection)
        load_all(client, names)
        state = read_state(client, names)
        check_header(state, uri, collection)
        return MilvusStore(shared, names, state)
    except BaseException:
        client.close()
        raise


def _not_found(uri: str, collection: str) -> CollectionNotFound:
    also = f" --collection {collection}" if collection != "news" else ""
    return CollectionNotFound(
        f"no {describe(uri, collection)}; build it with: python -m index build --milvus {uri}{also}"
    )


def check_header(state: State, uri: str, collection: str) -> None:
    version = (state.header or {}).get("format_version")
    if state.header is None:
        raise CollectionNotFound(
            f"nothing has been built into {describe(uri, collection)} yet; build it with: "
            f"python -m index build --milvus {uri}"
            + (f" --collection {collection}" if collection != "news" else "")
        )
    if version != MILVUS_FORMAT:
        raise IndexIncompatible(
            f"{describe(uri, collection)} has format version {version}, this program reads version "
            f"{MILVUS_FORMAT}; build another collection with: python -m index build --milvus {uri} "
            "--collection NEW_NAME"
        )
