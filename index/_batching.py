"""Questions asked at the same time share one forward pass of the model.

A web server answers each request on its own thread; embedding each question alone leaves the
model's batch dimension unused, and on two cores twenty one-question passes take far longer than
one pass over twenty. The embedders route ``embed_query`` through a QueryBatcher, so callers keep
asking for one vector and get it back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

# A question arriving while another is being embedded waits for it, then goes in one batch with
# every other question that arrived meanwhile, up to this many.
QUERY_BATCH = 32


class QueryBatcher:
    """Questions asked at the same time share one forward pass; one asked alone runs at once.

    The first caller encodes its question immediately. Questions arriving meanwhile queue; when a
    batch ends, the oldest waiting caller encodes the whole queue (up to ``limit``) as the next
    batch, so nobody waits for more than the batch before their own, and a single client never
    waits at all.
    """

    def __init__(self, encode: Callable[[list[str]], np.ndarray], limit: int = QUERY_BATCH) -> None:
        self._encode = encode
        self._limit = limit
        self._lock = threading.Lock()
        self._queue: list[_Asked] = []
        self._busy = False

    def __call__(self, text: str) -> np.ndarray:
        asked = _Asked(text)
        with self._lock:
            self._queue.append(asked)
            lead = not self._busy
            self._busy = True
        if not lead:
            asked.ready.wait()
        if asked.vector is None and asked.error is None:  # woken to run the next batch
            self._run()
        if asked.error is not None:
            raise asked.error
        assert asked.vector is not None
        return asked.vector

    def _run(self) -> None:
        with self._lock:
            batch, self._queue = self._queue[: self._limit], self._queue[self._limit :]
        try:
            vectors = self._encode([a.text for a in batch])
            for a, v in zip(batch, vectors, strict=True):
                a.vector = v
        except BaseException as e:  # each caller of this batch sees its own failure
            for a in batch:
                a.error = e
        with self._lock:
            if self._queue:
                self._queue[0].ready.set()  # the next leader
            else:
                self._busy = False
        for a in batch:
            a.ready.set()


class _Asked:
    __slots__ = ("text", "ready", "vector", "error")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ready = threading.Event()
        self.vector: np.ndarray | None = None
        self.error: BaseException | None = None
