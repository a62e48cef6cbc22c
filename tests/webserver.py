"""For the web tests: an index built with the fast fake embedder, and an app served on a free port
of this machine in a background thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from assistant.faces.web import MAX_REQUEST_BYTES
from index import HashEmbedder, Settings, build

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


def hash_index(index_dir: Path, *corpus: Path) -> Path:
    build(
        Settings(
            corpus=corpus or (CORPUS,), index_dir=index_dir, model="hash", cache_dir=index_dir / "cache"
        ),
        HashEmbedder(),
    )
    return index_dir


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 at a port the system picks; yields the base URL (ending in /)."""
    # As app.py starts it: a long question is answered, not refused by the server as too long.
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        timeout_graceful_shutdown=1,
        h11_max_incomplete_event_size=MAX_REQUEST_BYTES,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = server.force_exit = True  # open event streams would hold it up
        thread.join(timeout=30)
