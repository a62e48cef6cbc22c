"""A version opened to answer questions: the local store (the ``Store`` protocol's top-k operations
over rows), dense search by rows, filters as row masks, texts by row."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from ..errors import (
    IndexProblem,
)
from ..records import Chunk
from ._database import Issue, OpenVersion
from ._filter import Filter, RowFacts
from ._layout import live_version
from ._lexical import LexicalIndex
from ._protocol import LexicalQuery
from ._vectors import VectorStore

# What a loaded index keeps per row beside the vector store: the row's place in the store and
# back (int32 each), its date and its source (RowFacts, int32 each).
ROW_BYTES = 16


# Row masks of the last few filters, kept: a reader filtering by one source asks again and again.
_MASKS_KEPT = 8
# BM25 of every row for the last few questions: a question asks for its top rows, then for the
# scores of the dense leg's rows, then the verdict's.
_SCORES_KEPT = 4


class LoadedIndex(OpenVersion):
    """A read-only, thread-safe view of one version of the index, to answer questions.

    Rows are the chunks, 0..len-1, as ``lexical`` scores them. Every search can be limited to the
    rows of a boolean mask (``allowed``, from a ``Filter``): the dense search skips the others
    while it searches, whatever the kind of vector store, and the lexical leg's scores are masked
    the same way.
    """

    def __init__(
        self,
        opened: OpenVersion,
        vectors: VectorStore,
        keys: np.ndarray,
        lexical: LexicalIndex | None,
        hub: np.ndarray | None = None,
    ) -> None:
        """The version ``opened`` (whose database this takes over), its vectors and BM25;
        ``keys[row]``: the key of the row's chunk in ``vectors``; ``hub[row]`` its hub score
        (None: built without them)."""
        super().__init__(opened.index_dir, opened.version, opened.manifest, opened.connection)
        self._vectors = vectors
        self.lexical = lexical
        self._hub = hub
        # Row -> its place in the store's key order, and back.
        self._place = vectors.positions(keys).astype(np.int32)
        self._row_at = np.empty(len(keys), dtype=np.int32)
        self._row_at[self._place] = np.arange(len(keys), dtype=np.int32)
        self._facts: RowFacts | None = None
        self._masks: OrderedDict[Filter, np.ndarray | None] = OrderedDict()
        self._scores: OrderedDict[LexicalQuery, np.ndarray] = OrderedDict()
        self._scores_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._place)

    @property
    def store(self) -> VectorStore:
        """The vector store, for its kind and figures; search through ``search``, which speaks rows."""
        return self._vectors

    # --- the Store protocol: ids are rows ----------------------------------------------------------

    @property
    def vocabulary(self) -> LexicalIndex | None:
        return self.lexical

    def count(self, where: Filter | None = None) -> int:
        allowed = self.allowed(where)
        return len(self) if allowed is None else int(allowed.sum())

    def dense_top(self, vector: np.ndarray, k: int, where: Filter | None = None) -> list[tuple[int, float]]:
        return self.search(vector, k, self.allowed(where))

    def lexical_top(
        self, query: LexicalQuery, k: int, where: Filter | None = None
    ) -> list[tuple[int, float]]:
        scores = self._every_score(query)
        allowed = self.allowed(where)
        if allowed is not None and scores.size:
            scores = np.where(allowed, scores, np.float32(0))
        return [(int(r), float(scores[r])) for r in np.argsort(-scores)[:k] if scores[r] > 0]

    def lexical_scores(self, query: LexicalQuery, ids: Sequence[int]) -> np.ndarray:
        scores = self._every_score(query)
        if not scores.size:
            return np.zeros(len(ids), dtype=np.float32)
        return scores[np.asarray(ids, dtype=np.int64)]

    def attainable(self, query: LexicalQuery) -> float:
        bm25 = self.lexical
        if bm25 is None or not len(bm25) or not query.groups:
            return 0.0
        if query.per_token and query.rarest_for_unknown:
            return bm25.best_possible([g[0] for g in query.groups])
        return float(sum(float(self._group_scores(g).max()) for g in query.groups))

    def _every_score(self, query: LexicalQuery) -> np.ndarray:
        """BM25 of every row (zeros without a lexical index), kept for the last few queries."""
        with self._scores_lock:
            if query in self._scores:
                self._scores.move_to_end(query)
                return self._scores[query]
        bm25 = self.lexical
        if bm25 is None or not len(bm25) or not query.groups:
            scores = np.zeros(len(bm25) if bm25 is not None else 0, dtype=np.float32)
        elif query.per_token and query.rarest_for_unknown:
            scores = bm25.token_scores([g[0] for g in query.groups])
        else:
            scores = np.zeros(len(bm25), dtype=np.float32)
            for group in query.groups:
                scores += self._group_scores(group)
        scores.setflags(write=False)
        with self._scores_lock:
            self._scores[query] = scores
            while len(self._scores) > _SCORES_KEPT:
                self._scores.popitem(last=False)
        return scores

    def _group_scores(self, group: Sequence[str]) -> np.ndarray:
        assert self.lexical is not None
        return self.lexical.per_token(list(group)).max(axis=0)

    def hub_scores(self, ids: Sequence[int]) -> np.ndarray:
        if self._hub is None:
            return np.zeros(len(ids), dtype=np.float32)
        return self._hub[np.asarray(ids, dtype=np.int64)]

    def passages(self, ids: Sequence[int]) -> list[tuple[Chunk, Issue]]:
        return [self.passage(int(i)) for i in ids]

    def reopen(self) -> LoadedIndex:
        from ._reader import load

        return load(self.index_dir)

    # --- dense -------------------------------------------------------------------------------------

    def search(
        self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` chunks nearest ``vector`` as (row, inner product), best first: a chunk's
        product is the best of its own vector's and its windows'. With ``allowed`` (a boolean mask
        over rows, see ``allowed``), only those rows, searched among them: all of them when fewer
        than ``k``."""
        if vector.size != self.manifest.dim:
            raise ValueError(f"query vector has {vector.size} dimensions, the index {self.manifest.dim}")
        mask = None if allowed is None else self._mask_in_store(allowed)
        found = self._vectors.search(vector, k, mask)
        if not found:
            return []
        rows = self._row_at[self._vectors.positions(np.array([key for key, _ in found], dtype=np.int64))]
        return [(int(row), score) for row, (_, score) in zip(rows, found, strict=True)]

    def similarity(self, vector: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        """Inner product of ``vector`` with the chunks of ``rows``, each the best of its vectors."""
        if not len(rows):
            return np.zeros(0, dtype=np.float32)
        keys = self._vectors.keys[self._place[np.asarray(rows, dtype=np.int64)]]
        return self._vectors.similarity(vector, keys)

    def _mask_in_store(self, allowed: np.ndarray) -> np.ndarray:
        if allowed.shape != (len(self),) or allowed.dtype != np.bool_:
            raise ValueError(
                f"allowed must be a boolean mask of {len(self)} rows, not {allowed.dtype} {allowed.shape}"
            )
        return allowed[self._row_at]

    # --- filters -----------------------------------------------------------------------------------

    def allowed(self, f: Filter | None) -> np.ndarray | None:
        """The rows a filter lets through, as a boolean mask for ``search`` and ``lexical_scores``;
        None when it lets every row through (no filter). The mask is shared: do not change it."""
        if f is None or f.empty:
            return None
        with self._lock:
            if f in self._masks:
                self._masks.move_to_end(f)
                return self._masks[f]
        mask = self._row_facts().mask(f)
        if mask is not None:
            mask.setflags(write=False)
        with self._lock:
            self._masks[f] = mask
            while len(self._masks) > _MASKS_KEPT:
                self._masks.popitem(last=False)
        return mask

    def _row_facts(self) -> RowFacts:
        # Read on the first filter, not at load: a question without one never pays for it.
        if self._facts is None:
            with self._lock:
                found = self._con.execute("SELECT date, source FROM chunks ORDER BY row").fetchall()
            self._facts = RowFacts([d for d, _ in found], [s for _, s in found])
        return self._facts

    # --- texts -------------------------------------------------------------------------------------

    def chunk(self, row: int) -> Chunk:
        return self.passage(row)[0]

    def issue(self, row: int) -> Issue:
        """The date, edition and page of the document the chunk of ``row`` was cut from."""
        return self.passage(row)[1]

    def passage(self, row: int) -> tuple[Chunk, Issue]:
        """The chunk of ``row`` and its document's issue, in one query (a search reads both per hit)."""
        with self._lock:
            found = self._con.execute(
                'SELECT text, source, title, section, "start", "end", line_start, line_end, '
                "date, edition, page FROM chunks WHERE row = ?",
                (row,),
            ).fetchone()
        if found is None:
            raise IndexError(f"no chunk row {row}; the index has {len(self)}")
        return Chunk(*found[:8]), Issue(*found[8:])

    def vectors(self) -> np.ndarray:
        """(vectors, dim) float32, as stored: every chunk's own vector in row order, then the
        windows' of row 0, of row 1, ... (for tools that study them; the search never needs it)."""
        keys = self._vectors.keys[self._place]
        counts = self._vectors.counts[self._place]
        stored = self._vectors.vectors(keys)
        if not len(stored):
            return np.zeros((0, self.manifest.dim), dtype=np.float32)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        own = np.zeros(len(stored), dtype=bool)
        own[starts] = True
        return np.concatenate([stored[own], stored[~own]])

    def newer_version(self) -> str | None:
        """The live version's name if a build has switched ``CURRENT`` away from this one, else None.

        Reads the few bytes of ``CURRENT``: cheap enough to ask before every query. A pointer that
        is missing or unreadable is not newer: whoever broke it, this version still answers.
        """
        try:
            name = live_version(self.index_dir)
        except (IndexProblem, OSError):
            return None
        return name if name != self.version.name else None
