"""python -m index build [--corpus PATH ...] [--index-dir DIR] [--model NAME_OR_PATH]

Exit status: 0 all indexed; 1 indexed, but some inputs were rejected (listed); 2 nothing written
(usage error, nothing readable, model or disk trouble), with one line on stderr saying why.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import IndexProblem, Settings, build, make_embedder, model_errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description="Build the search index.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cmd = commands.add_parser(
        "build",
        help="read the corpus, embed it and save the index",
        description="Read pages (.txt, .md) and articles (.jsonl), embed them and save the index. "
        "Settings default to the NEWS_ASSISTANT_* environment variables.",
    )
    cmd.add_argument(
        "--corpus",
        nargs="+",
        action="extend",
        type=Path,
        metavar="PATH",
        help="files or folders to index (default: corpus)",
    )
    cmd.add_argument(
        "--index-dir", type=Path, metavar="DIR", help="where to save the index (default: .index)"
    )
    cmd.add_argument(
        "--model",
        metavar="NAME_OR_PATH",
        help="embedding model: a hub name or a local folder (default: the cached "
        "multilingual-e5-small); 'hash' is a fast fake for trying the pipeline without it",
    )
    args = parser.parse_args(argv)
    try:
        settings = Settings().with_(
            corpus=tuple(args.corpus) if args.corpus else None, index_dir=args.index_dir, model=args.model
        )
    except ValueError as e:
        return _fail(f"bad NEWS_ASSISTANT_* setting in the environment ({e})")
    try:
        embedder = make_embedder(settings.model, settings.cache_dir)
        report = build(settings, embedder, progress=sys.stderr.isatty())
    except _known_errors() as e:
        return _fail(str(e))
    except OSError as e:
        return _fail(f"{e.strerror or e}: {e.filename}" if e.filename else str(e.strerror or e))
    except KeyboardInterrupt:
        return _fail("interrupted; the previous index, if any, is unchanged")
    print(report.summary())
    return 1 if report.rejections else 0


def _known_errors() -> tuple[type[Exception], ...]:
    # Called as the exception is matched: the model's errors exist only once it was imported.
    return (IndexProblem, *model_errors())


def _fail(message: str) -> int:
    # One line, whatever the message: some errors (e.g. from the model hub) span several.
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
