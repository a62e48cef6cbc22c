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
    """Questions asked at the same time share forward passes; one asked alone runs at once.

    Up to ``lanes`` passes run at a time (one per core, each on one thread: for a question's few
    tokens two threads on one pass gain little, two passes side by side nearly double the rate).
    A question arriving while every lane is busy queues; when a pass ends, its lane takes the
    whole queue (up to ``limit``) as its next batch, so nobody waits for more than the pass before
    their own, and a single client never waits at all.
    """

    def __init__(
        self, encode: Callable[[list[str]], np.ndarray], limit: int = QUERY_BATCH, lanes: int = 1
    ) -> None:
        self._encode = encode
        self._limit = limit
        self._lanes = max(1, lanes)
        self._lock = threading.Lock()
        self._queue: list[_Asked] = []
        self._active = 0  # passes running

    def __call__(self, text: str) -> np.ndarray:
        asked = _Asked(text)
        with self._lock:
            if self._active < self._lanes:  # then nothing is queued: a lane ending takes the queue
                self._active += 1
                asked.batch = [asked]
            else:
                self._queue.append(asked)
        if asked.batch is None:
            asked.ready.wait()
        if asked.batch is not None:  # leading a pass: its own, or the queue handed over
            self._run(asked.batch)
        if asked.error is not None:
            raise asked.error
        assert asked.vector is not None
        return asked.vector

    def _run(self, batch: list[_Asked]) -> None:
        try:
            vectors = self._encode([a.text for a in batch])
            for a, v in zip(batch, vectors, strict=True):
                a.vector = v
        except BaseException as e:  # each caller of this batch sees its own failure
            for a in batch:
                a.error = e
        for a in batch:
            a.batch = None
            a.ready.set()
        with self._lock:
            if not self._queue:
                self._active -= 1
                return
            batch, self._queue = self._queue[: self._limit], self._queue[self._limit :]
        # This caller has its answer; the oldest waiting one leads the lane's next pass.
        batch[0].batch = batch
        batch[0].ready.set()


class _Asked:
    __slots__ = ("text", "ready", "vector", "error", "batch")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ready = threading.Event()
        self.batch: list[_Asked] | None = None  # set: this caller runs this pass
        self.vector: np.ndarray | None = None
        self.error: BaseException | None = None
