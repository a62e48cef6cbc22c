"""python -m assistant ask "问题" | search --batch QUESTIONS.jsonl

Exit status: 0 done; 1 some batch lines were skipped (each named on stderr); 2 nothing searched
(usage error, empty question, no or incompatible index, model trouble), with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from index import IndexProblem, Settings, model_errors

from ._assistant import MAX_K, Assistant, InvalidQuery
from ._format import format_result


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings().with_(index_dir=args.index_dir, model=args.model)
    except ValueError as e:
        return _fail(f"bad NEWS_ASSISTANT_* setting in the environment ({e})")
    try:
        if args.command == "ask":
            with Assistant.open(settings.index_dir, settings=settings) as assistant:
                result = assistant.search(args.question, args.k or settings.top_k)
            if args.json:
                print(json.dumps(result.to_dict(), ensure_ascii=False))
            else:
                print(format_result(result, min(100, shutil.get_terminal_size().columns)))
            return 0
        with Assistant.open(settings.index_dir, settings=settings) as assistant:
            if args.batch == "-":
                skipped = search_batch(assistant, sys.stdin.buffer, "<stdin>", args.k or 10, sys.stdout)
            else:
                with open(args.batch, "rb") as f:
                    skipped = search_batch(assistant, f, args.batch, args.k or 10, sys.stdout)
        return 1 if skipped else 0
    except _known_errors() as e:
        return _fail(str(e))
    except BrokenPipeError:
        # The reader (e.g. `| head`) has gone; say nothing more on the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as e:
        return _fail(f"{e.strerror or e}: {e.filename}" if e.filename else str(e.strerror or e))
    except KeyboardInterrupt:
        return _fail("interrupted")


def search_batch(assistant: Assistant, lines: BinaryIO, name: str, k: int, out: TextIO) -> int:
    """Answer each ``{"qid", "question", …}`` line with one JSON line on ``out``; return how many
    lines were skipped, each reported on stderr as ``name:line: reason``."""
    skipped = 0
    for lineno, question in _questions(lines):
        if isinstance(question, str):
            print(f"{name}:{lineno}: {question}", file=sys.stderr)
            skipped += 1
            continue
        result = assistant.search(str(question["question"]), k)
        out.write(json.dumps({"qid": question.get("qid"), **result.to_dict()}, ensure_ascii=False) + "\n")
        out.flush()
    return skipped


def _questions(lines: BinaryIO) -> Iterator[tuple[int, dict[str, object] | str]]:
    """(line number, the question object or why the line is unusable), skipping blank lines."""
    for lineno, raw in enumerate(lines, 1):
        try:
            line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
        except UnicodeDecodeError:
            yield lineno, "not UTF-8 text"
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield lineno, f"not valid JSON ({e.msg}, column {e.colno})"
            continue
        if not isinstance(obj, dict):
            yield lineno, 'expected a JSON object {"qid", "question"}'
        elif not isinstance(obj.get("question"), str) or not obj["question"].strip():
            yield lineno, 'no "question" (or it is empty)'
        else:
            yield lineno, obj


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description="Search the newspaper archive. Settings default to the NEWS_ASSISTANT_* "
        "environment variables.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    ask = commands.add_parser("ask", help="show the passages that best answer one question")
    ask.add_argument("question", help="the question, e.g. 嘉善县总工会怎样创建“工人先锋号”？")
    ask.add_argument("--json", action="store_true", help='print {"question", "found", "hits"} as JSON')
    search = commands.add_parser("search", help="answer a file of questions, one JSON line each")
    search.add_argument(
        "--batch",
        required=True,
        metavar="QUESTIONS.jsonl",
        help='lines {"qid", "question", …}; "-" reads standard input',
    )
    for cmd, k in ((ask, "5, or NEWS_ASSISTANT_TOP_K"), (search, "10")):
        cmd.add_argument("-k", type=_k, metavar="K", help=f"passages per question, 1-{MAX_K} (default: {k})")
        cmd.add_argument("--index-dir", type=Path, metavar="DIR", help="the index (default: .index)")
        cmd.add_argument(
            "--model", metavar="NAME_OR_PATH", help="embedding model (default: the one named in the index)"
        )
    return parser


def _k(text: str) -> int:
    try:
        k = int(text)
    except ValueError:
        k = 0
    if not 1 <= k <= MAX_K:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_K}, not {text!r}")
    return k


def _known_errors() -> tuple[type[Exception], ...]:
    # Called as the exception is matched: the model's errors exist only once it was imported.
    return (IndexProblem, InvalidQuery, *model_errors())


def _fail(message: str) -> int:
    # One line, whatever the message: some errors (e.g. from the model hub) span several.
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return 2
