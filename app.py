"""python app.py [--host HOST] [--port PORT] [--index-dir DIR] [--model NAME_OR_PATH]

The assistant in the browser (http://127.0.0.1:7860/ by default) and its JSON API (/api/search,
/docs), building the index first if there is none. Settings default to the NEWS_ASSISTANT_*
environment variables (NEWS_ASSISTANT_HOST and NEWS_ASSISTANT_PORT for where to listen).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from assistant import Assistant
from index import CollectionNotFound, IndexNotFound, Settings, build, make_embedder
from index.errors import InvalidSetting, guard
from index.logs import log_to_stderr

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python app.py", description=__doc__.split("\n\n")[1])
    parser.add_argument(
        "--host",
        default=os.environ.get("NEWS_ASSISTANT_HOST", "127.0.0.1"),
        help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 opens it to the network)",
    )
    parser.add_argument("--port", type=int, default=None, help="port (default: 7860)")
    parser.add_argument("--index-dir", type=Path, metavar="DIR", help="the index (default: .index)")
    parser.add_argument("--model", metavar="NAME_OR_PATH", help="embedding model (default: the index's)")
    parser.add_argument(
        "--milvus",
        metavar="URI",
        help="the index in Milvus instead: a Milvus Lite file (x.db) or a server (http://host:19530)",
    )
    parser.add_argument("--collection", metavar="NAME", help="the Milvus collection (default: news)")
    args = parser.parse_args(argv)
    log_to_stderr()
    return guard(lambda: _serve(args))


def _serve(args: argparse.Namespace) -> int:
    try:
        port = args.port if args.port is not None else int(os.environ.get("NEWS_ASSISTANT_PORT", "7860"))
    except ValueError as e:
        raise InvalidSetting(f"bad NEWS_ASSISTANT_* setting in the environment ({e})") from e
    settings = Settings().with_(
        index_dir=args.index_dir, model=args.model, milvus=args.milvus, collection=args.collection
    )
    assistant = _open(settings)

    import uvicorn

    from assistant.faces.web import MAX_REQUEST_BYTES, create_app

    if args.host not in LOCAL_HOSTS:
        print(
            f"warning: listening on {args.host}: anyone who can reach this machine can use it",
            file=sys.stderr,
        )
    with assistant:
        app = create_app(assistant, settings.top_k, settings)
        shown = f"[{args.host}]" if ":" in args.host else args.host
        print(f"Serving on http://{shown}:{port}/ (JSON API: /api/search, docs: /docs). Ctrl-C stops.")
        uvicorn.run(
            app,
            host=args.host,
            port=port,
            log_level="warning",
            timeout_graceful_shutdown=3,
            h11_max_incomplete_event_size=MAX_REQUEST_BYTES,  # a long question gets a JSON answer
        )
    return 0


def _open(settings: Settings) -> Assistant:
    """The assistant over the index the settings name, building it first if there is none."""
    try:
        return Assistant.open(settings=settings)
    except (IndexNotFound, CollectionNotFound):
        pass
    where = ", ".join(str(p) for p in settings.corpus)
    print(
        f"No index at {settings.milvus or settings.index_dir}: building it from {where} first.",
        file=sys.stderr,
    )
    embedder = make_embedder(settings.model, settings.cache_dir)
    print(build(settings, embedder, progress=True).summary(), file=sys.stderr)
    return Assistant.open(embedder=embedder, settings=settings)


if __name__ == "__main__":
    sys.exit(main())
