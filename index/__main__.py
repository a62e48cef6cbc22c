"""python -m index build | add PATH ... | remove SOURCE ... | status | export

``build`` brings the index up to date with the corpus: only changed sources are read again and only
new text is embedded (``--full`` re-reads and re-chunks everything, still reusing embeddings).
``add`` copies files or folders into the first corpus folder, ``remove`` deletes indexed sources
from the corpus; both then build. ``status`` says what is indexed and what changed on disk since.
``--milvus URI`` (a Milvus Lite ``x.db`` or a server ``http://host:port``) keeps the index in Milvus
instead of the folder; ``export --milvus URI`` copies the folder's index into it without embedding.

Exit status: 0 done; 1 done, but some inputs were rejected (listed); 2 nothing written (usage
error, nothing readable, refused file, model or disk trouble), with one line on stderr saying why;
3 another build is running and --no-wait was given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from . import BuildRunning, Settings, add_files, build, make_embedder, remove_sources, status
from .errors import guard
from .logs import log_to_stderr


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    log_to_stderr()
    return guard(lambda: _run(args), interrupted="interrupted; the previous index, if any, is unchanged")


def _run(args: argparse.Namespace) -> int:
    settings = Settings().with_(
        corpus=tuple(args.corpus) if args.corpus else None,
        index_dir=args.index_dir,
        model=getattr(args, "model", None),
        milvus=args.milvus,
        collection=args.collection,
    )
    if args.command == "status":
        print(status(settings).summary())
        return 0
    if args.command == "export":
        return _export(settings, back=args.back)
    embedder = make_embedder(settings.model, settings.cache_dir, settings.backend)
    done = ""
    if args.command == "add":
        copied, present = add_files(settings, args.paths)
        done = f"{len(copied)} file{'s' if len(copied) != 1 else ''} copied into {settings.corpus[0]}"
        _say(f"Added to {settings.corpus[0]}", copied, "Already there", present)
    elif args.command == "remove":
        deleted, gone = remove_sources(settings, args.sources)
        done = f"{len(deleted)} file{'s' if len(deleted) != 1 else ''} deleted from the corpus"
        _say("Removed from the corpus", deleted, "Already gone from disk", gone)
    try:
        report = build(
            settings,
            embedder,
            progress=sys.stderr.isatty(),
            full=getattr(args, "full", False),
            wait=not args.no_wait,
            on_wait=lambda message: print(message, file=sys.stderr, flush=True),
        )
    except BuildRunning as e:
        if not done:
            raise
        # The corpus change is made; only its indexing waits for the next build.
        raise BuildRunning(f"{e}; {done}, and the next build indexes them") from e
    print(report.summary())
    return 1 if report.rejections else 0


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--corpus",
        nargs="+",
        action="extend",
        type=Path,
        metavar="PATH",
        help="files or folders to index; add copies into the first (default: corpus)",
    )
    common.add_argument(
        "--index-dir", type=Path, metavar="DIR", help="where the index is saved (default: .index)"
    )
    common.add_argument(
        "--milvus",
        metavar="URI",
        help="keep the index in Milvus instead: a Milvus Lite file (x.db) or a server "
        "(http://host:19530, token in MILVUS_TOKEN)",
    )
    common.add_argument("--collection", metavar="NAME", help="the Milvus collection (default: news)")
    building = _building(common)
    parser = argparse.ArgumentParser(prog="python -m index", description="Build and keep the search index.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_commands(commands, common, building)
    return parser


def _building(common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of the commands that build."""
    building = argparse.ArgumentParser(add_help=False, parents=[common])
    building.add_argument(
        "--model",
        metavar="NAME_OR_PATH",
        help="embedding model: a hub name or a local folder (default: the cached "
        "multilingual-e5-small); 'hash' is a fast fake for trying the pipeline without it",
    )
    building.add_argument(
        "--no-wait",
        action="store_true",
        help="if another build is running, exit with status 3 instead of waiting for it",
    )
    return building


_ENV = "Settings default to the NEWS_ASSISTANT_* environment variables."
# name: (help, description, the building options or only the common ones)
_COMMANDS = {
    "build": (
        "bring the index up to date with the corpus",
        "Read pages (.txt, .md) and articles (.jsonl) that are new or changed, embed text not embedded "
        "before, drop sources that are gone, and switch the index over at once.",
        True,
    ),
    "add": (
        "copy files or folders into the corpus folder, then build",
        "Copy pages and article files (a folder's keep their paths below it) into the first corpus "
        "folder under safe names, then build. Refuses, copying nothing, a name that is taken by a "
        "different file.",
        True,
    ),
    "remove": (
        "delete indexed sources from the corpus, then build",
        "Delete source files (as `status` names them, or their paths) from the corpus, then build. "
        "Refuses, deleting nothing, a name that is not indexed.",
        True,
    ),
    "status": (
        "what is indexed, with which model, and what changed on disk since",
        "Describe the index and list the sources changed on disk since it was built.",
        False,
    ),
    "export": (
        "copy the folder's index into a Milvus collection, without embedding again",
        "Copy the index under --index-dir (vectors as stored, texts, tokens) into the Milvus store of "
        "--milvus, replacing what the collection held; or with --back, the collection into the folder.",
        False,
    ),
}


def _add_commands(commands: Any, common: argparse.ArgumentParser, building: argparse.ArgumentParser) -> None:
    made = {
        name: commands.add_parser(
            name, parents=[building if builds else common], help=text, description=f"{about} {_ENV}"
        )
        for name, (text, about, builds) in _COMMANDS.items()
    }
    made["build"].add_argument(
        "--full",
        action="store_true",
        help="read and chunk every source again (embeddings of unchanged text are still reused)",
    )
    made["add"].add_argument("paths", nargs="+", type=Path, metavar="PATH")
    made["export"].add_argument(
        "--back", action="store_true", help="copy the Milvus collection into the folder instead"
    )
    made["remove"].add_argument("sources", nargs="+", metavar="SOURCE")


def _export(settings: Settings, *, back: bool) -> int:
    from .build import export_from_milvus, export_to_milvus

    if not settings.milvus:
        print("error: export needs --milvus URI (or NEWS_ASSISTANT_MILVUS)", file=sys.stderr)
        return 2
    print((export_from_milvus if back else export_to_milvus)(settings).summary())
    return 0


def _say(done: str, names: list[str], skipped: str, others: list[str]) -> None:
    parts = [f"{what}: {', '.join(n)}." for what, n in ((done, names), (skipped, others)) if n]
    print(" ".join(parts))


if __name__ == "__main__":
    sys.exit(main())
