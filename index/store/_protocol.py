"""What answering a question needs of a saved index, as top-k operations that a folder loaded into
memory (``LoadedIndex``) and a Milvus collection (``MilvusStore``) both carry out.

Passages are named by ids (ints): a local index's rows, a Milvus store's passage keys. Nothing
here hands out a per-passage array or mask, which a collection of tens of millions of passages
could not afford: a filter travels as a ``Filter`` into each search.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ..embed import Embedder
from ..records import Chunk, Document
from ..text import Lexicon
from ._database import Issue
from ._filter import Filter
from ._manifest import Manifest

__all__ = ["LexicalQuery", "Store", "Vocabulary"]


@dataclass(frozen=True)
class LexicalQuery:
    """A question's BM25 tokens in groups: a passage scores each group by its best token, and the
    groups add up. A Chinese question has one token a group (a token asked twice counts twice); an
    English one a group a word, of the archive's words it may stand for (its translations, the
    names its pinyin spells), so that a word with ten translations does not count ten times.

    ``rarest_for_unknown``: the attainable score counts a token the archive lacks as much as its
    rarest known one (it could have been evidence too); else such a token attains nothing.

    >>> LexicalQuery.of_tokens(["嘉善", "嘉善"]).groups
    (('嘉善',), ('嘉善',))
    """

    groups: tuple[tuple[str, ...], ...]
    rarest_for_unknown: bool = True

    @classmethod
    def of_tokens(cls, tokens: Sequence[str]) -> LexicalQuery:
        return cls(tuple((t,) for t in tokens), True)

    @classmethod
    def of_terms(cls, terms: Sequence[Sequence[str]]) -> LexicalQuery:
        return cls(tuple(tuple(t) for t in terms if t), False)

    @property
    def tokens(self) -> list[str]:
        return list(dict.fromkeys(t for g in self.groups for t in g))

    @property
    def per_token(self) -> bool:
        """Whether each group is one token (a plain BM25 query)."""
        return all(len(g) == 1 for g in self.groups)


@runtime_checkable
class Vocabulary(Protocol):
    """What the verdict needs of the archive's tokens: the lexicon that cuts text into them,
    whether one occurs, how rare it is, and the archive's names by their pinyin."""

    lexicon: Lexicon

    @property
    def pinyin(self) -> Mapping[str, list[str]]: ...
    def __len__(self) -> int: ...
    def __contains__(self, token: str) -> bool: ...
    def idf(self, token: str) -> float: ...


class Store(Protocol):
    """A saved index as questions use it (see the module's docstring). Thread-safe for questions."""

    @property
    def manifest(self) -> Manifest:
        """What the index holds and what built it."""
        ...

    @property
    def vocabulary(self) -> Vocabulary | None:
        """The archive's tokens, or None for an index without a lexical leg."""
        ...

    def __len__(self) -> int:
        """Passages."""
        ...

    def check_embedder(self, embedder: Embedder) -> None:
        """IndexIncompatible unless ``embedder`` is the model that built the index."""
        ...

    def count(self, where: Filter | None = None) -> int:
        """How many passages ``where`` lets through (all of them for None)."""
        ...

    def dense_top(self, vector: np.ndarray, k: int, where: Filter | None = None) -> list[tuple[int, float]]:
        """The ``k`` passages nearest ``vector`` among those ``where`` lets through, as (id,
        inner product), best first: a passage's product is the best of its own vector's and its
        sentence windows'. All of them when fewer than ``k`` are let through."""
        ...

    def lexical_top(
        self, query: LexicalQuery, k: int, where: Filter | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` passages of highest BM25 (positive only) among those ``where`` lets through,
        as (id, BM25), best first."""
        ...

    def lexical_scores(self, query: LexicalQuery, ids: Sequence[int]) -> np.ndarray:
        """BM25 of these passages for the query, in order."""
        ...

    def attainable(self, query: LexicalQuery) -> float:
        """The most the query can score: each group at its best passage (see LexicalQuery)."""
        ...

    def similarity(self, vector: np.ndarray, ids: Sequence[int]) -> np.ndarray:
        """Inner product of ``vector`` with these passages, each the best of its vectors."""
        ...

    def hub_scores(self, ids: Sequence[int]) -> np.ndarray:
        """How close each passage sits to English questions in general (index.build._hubness), in
        order: zeros for an index built without hub scores."""
        ...

    def passages(self, ids: Sequence[int]) -> list[tuple[Chunk, Issue]]:
        """Each passage and where it was printed, in order."""
        ...

    def document(self, source: str) -> Document:
        """The whole document a passage was cut from; UnknownSource if there is none."""
        ...

    def newer_version(self) -> str | None:
        """A name for what a build has made live since this view was opened, else None: cheap
        enough to ask before every question."""
        ...

    def reopen(self) -> Store:
        """A view of what is live now (this one keeps answering as it was until closed)."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...
