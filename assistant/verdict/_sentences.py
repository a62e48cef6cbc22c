"""How close sentences of a passage lie to a question, by the model that ranks.

A near miss's best passage is about the question's topic (a sibling paragraph of the one that
answered it), so the passage as a whole is close; none of its sentences says what is asked, so
none is as close as an answering sentence is. The verdict reads that (assistant/_found.py,
``measured_sentences`` and ``sentence_z``), and the answer sentence is chosen by it among ties.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from index import Embedder

# Sentences whose vectors are kept (1.5 KB each): the same passages come first question after
# question.
KEPT = 20_000


class SentenceVectors:
    """Sentence vectors by sentence text; bounded, safe across threads."""

    def __init__(self, embedder: Embedder, kept: int = KEPT) -> None:
        self._embedder = embedder
        self._kept = kept
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, sentence: str) -> np.ndarray:
        """The sentence's vector, embedded as a passage. Each is embedded alone: the int8 model
        scales a batch's activations together, so a sentence's vector would otherwise depend on
        which others came with it."""
        with self._lock:
            vector = self._vectors.get(sentence)
            if vector is not None:
                self._vectors.move_to_end(sentence)
                return vector
        vector = self._embed(sentence)
        with self._lock:
            self._vectors[sentence] = vector
            while len(self._vectors) > self._kept:
                self._vectors.popitem(last=False)
        return vector

    def _embed(self, sentence: str) -> np.ndarray:
        # The ONNX embedder embeds one passage on its questions' session (the same vector as
        # embed_documents gives, without opening a second session in a process that only
        # answers); any other embeds it as a batch of one.
        one = getattr(self._embedder, "embed_passage", None)
        if one is not None:
            return np.asarray(one(sentence), dtype=np.float32)
        return np.asarray(self._embedder.embed_documents([sentence]), dtype=np.float32)[0]

    def cosines(self, sentences: Sequence[str], question: np.ndarray) -> tuple[float, ...]:
        """Each sentence's cosine with the question's vector, in the order given."""
        q = np.asarray(question, dtype=np.float32)
        return tuple(float(self.of(s) @ q) for s in sentences)
