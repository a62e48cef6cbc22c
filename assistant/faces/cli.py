"""python -m assistant ask "问题" | search --batch QUESTIONS.jsonl | eval QUESTIONS.jsonl

Exit status: 0 done; 1 some batch lines were skipped (each named on stderr); 2 nothing searched
(usage error, empty question, no or incompatible index, model trouble), with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from index import IndexProblem, Settings, build, is_current, load, make_embedder, store_for
from index.errors import InvalidQuery, fail, guard, one_line
from index.logs import log_to_stderr

from ..core import MAX_K, MODES, Assistant, SearchOptions
from ._format import format_result


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    log_to_stderr()
    return guard(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    settings = Settings().with_(
        index_dir=args.index_dir, model=args.model, milvus=args.milvus, collection=args.collection
    )
    if args.command == "eval":
        return run_eval(args, settings)
    options = _options(args)  # checked before the model loads: a bad date costs nothing
    if args.command == "ask":
        with Assistant.open(settings=settings) as assistant:
            k = args.k or settings.top_k
            result = assistant.converse(args.question, args.after or [], k, options=options)
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            print(format_result(result, min(100, shutil.get_terminal_size().columns)))
        return 0
    with Assistant.open(settings=settings) as assistant:
        if args.batch == "-":
            skipped = search_batch(assistant, sys.stdin.buffer, "<stdin>", args.k or 10, sys.stdout, options)
        else:
            with open(args.batch, "rb") as f:
                skipped = search_batch(assistant, f, args.batch, args.k or 10, sys.stdout, options)
    return 1 if skipped else 0


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Build (or reuse) an index of the corpus, answer every question, print the scores."""
    from ..eval import evaluate, read_questions

    try:
        questions = read_questions(args.questions)
    except ValueError as e:
        return fail(str(e))
    corpus = tuple(args.corpus) if args.corpus else settings.corpus
    index_dir = args.index_dir or _eval_index_dir(corpus, settings)
    settings = settings.with_(corpus=corpus, index_dir=index_dir)
    embedder = make_embedder(settings.model, settings.cache_dir, settings.backend)
    # An index named without a corpus is evaluated as it stands: building it from the default
    # corpus would drop whatever else it holds (an archive of distractors, say).
    as_it_is = bool(args.index_dir or settings.milvus) and not args.corpus
    try:
        with closing(_manifest_only(settings)) as built:  # the manifest is all it needs
            current = as_it_is or is_current(built.manifest, corpus, embedder)
    except IndexProblem:  # none yet, or one this version cannot read: build it afresh
        current = False
    where = settings.milvus or index_dir
    if current and as_it_is:
        print(
            f"evaluating the index at {where} as it stands (--corpus PATH builds it from PATH)",
            file=sys.stderr,
        )
    elif current:
        print(f"reusing the index at {where} (it holds exactly this corpus)", file=sys.stderr)
    else:
        report = build(settings, embedder, progress=sys.stderr.isatty())
        print(report.summary(), file=sys.stderr)
    reports = []
    with Assistant.open(embedder=embedder, settings=settings) as assistant:
        for mode in MODES if args.compare else ("hybrid",):
            reports.append(evaluate(assistant, questions, mode))
            print(reports[-1].table())
    if args.results:
        with open(args.results, "w", encoding="utf-8") as f:
            for r in reports[0].results:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], ensure_ascii=False))
    return 0


def _manifest_only(settings: Settings) -> Any:
    """The index the settings name, opened for its manifest (a local one without its BM25)."""
    return store_for(settings) if settings.milvus else load(settings.index_dir, lexical=False)


def _eval_index_dir(corpus: tuple[Path, ...], settings: Settings) -> Path:
    """One reusable index per corpus, beside the default one, so evaluating never replaces it."""
    import hashlib

    key = "\n".join(sorted(str(p.resolve()) for p in corpus))
    return (
        settings.index_dir.with_name(settings.index_dir.name + "-eval")
        / hashlib.sha256(key.encode()).hexdigest()[:12]
    )


# A batch line's own filter fields, each overriding the command line's: SearchOptions' names.
LINE_OPTIONS = {"since": "since", "until": "until", "source": "sources", "order": "order"}


def search_batch(
    assistant: Assistant,
    lines: BinaryIO,
    name: str,
    k: int,
    out: TextIO,
    options: SearchOptions | None = None,
) -> int:
    """Answer each ``{"qid", "question", …}`` line with one JSON line on ``out``; return how many
    lines were skipped, each reported on stderr as ``name:line: reason``.

    ``options`` apply to every line; a line's own ``since``, ``until``, ``source`` (a prefix or a
    list of them) and ``order`` replace them for that line."""
    skipped = 0
    for lineno, question in _questions(lines):
        if not isinstance(question, str):
            own: dict[str, Any] = {
                LINE_OPTIONS[f]: question[f] for f in LINE_OPTIONS if question.get(f) is not None
            }
            try:
                result = assistant.search(
                    str(question["question"]), k, options=replace(options or SearchOptions(), **own)
                )
            except InvalidQuery as e:  # a bad date or source of this line: skip it, say why
                question = one_line(e)
            else:
                line = json.dumps({"qid": question.get("qid"), **result.to_dict()}, ensure_ascii=False)
                out.write(line + "\n")
                out.flush()
                continue
        print(f"{name}:{lineno}: {question}", file=sys.stderr)
        skipped += 1
    return skipped


def _options(args: argparse.Namespace) -> SearchOptions:
    """The search options of the command line; InvalidQuery (one line) for bad ones."""
    order = "newest" if args.newest else "relevance"
    return SearchOptions(since=args.since, until=args.until, sources=args.source or (), order=order)


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
    ask.add_argument("--json", action="store_true", help='print {"question", "found", "hits", …} as JSON')
    ask.add_argument(
        "--after",
        action="append",
        metavar="EARLIER",
        help="an earlier question of the conversation (repeat, oldest first): a follow-up such as "
        "那绍兴呢？ is then asked about it",
    )
    search = commands.add_parser("search", help="answer a file of questions, one JSON line each")
    search.add_argument(
        "--batch",
        required=True,
        metavar="QUESTIONS.jsonl",
        help='lines {"qid", "question", …} (a line\'s own "since", "until", "source", "order" '
        'replace the options for it); "-" reads standard input',
    )
    for cmd in (ask, search):
        _add_options(cmd)
    ev = _add_eval(commands)
    for cmd, k in ((ask, "5, or NEWS_ASSISTANT_TOP_K"), (search, "10")):
        cmd.add_argument("-k", type=_k, metavar="K", help=f"passages per question, 1-{MAX_K} (default: {k})")
    for cmd in (ask, search, ev):
        default = ".index-eval/<corpus key>" if cmd is ev else ".index"
        cmd.add_argument("--index-dir", type=Path, metavar="DIR", help=f"the index (default: {default})")
        cmd.add_argument(
            "--model", metavar="NAME_OR_PATH", help="embedding model (default: the one named in the index)"
        )
        cmd.add_argument(
            "--milvus",
            metavar="URI",
            help="the index in Milvus instead: a Milvus Lite file (x.db) or a server (http://host:19530)",
        )
        cmd.add_argument("--collection", metavar="NAME", help="the Milvus collection (default: news)")
    return parser


def _add_options(cmd: argparse.ArgumentParser) -> None:
    """The options a search takes (SearchOptions)."""
    cmd.add_argument(
        "--since", metavar="YYYY-MM-DD", help="only passages of issues dated on or after this day"
    )
    cmd.add_argument(
        "--until", metavar="YYYY-MM-DD", help="only passages of issues dated on or before this day"
    )
    cmd.add_argument(
        "--source",
        action="append",
        metavar="PREFIX",
        help="only passages whose source starts with this (repeat for any of several)",
    )
    cmd.add_argument(
        "--newest",
        action="store_true",
        help="the passages about as relevant as the best one newest first, then the others",
    )


def _add_eval(commands: Any) -> argparse.ArgumentParser:
    ev: argparse.ArgumentParser = commands.add_parser(
        "eval",
        help="build (or reuse) an index of a corpus, run a question file, print hit@k / MRR by type",
    )
    ev.add_argument(
        "questions", type=Path, metavar="QUESTIONS.jsonl", help='lines {"qid", "question", "answers"}'
    )
    ev.add_argument(
        "--corpus",
        type=Path,
        nargs="+",
        metavar="PATH",
        help="files or folders to index (default: corpus/; without it, an index named by --index-dir "
        "or --milvus is evaluated as it stands)",
    )
    ev.add_argument("--compare", action="store_true", help="also run the dense-only and lexical-only legs")
    ev.add_argument("--results", type=Path, metavar="FILE", help="write the ranked hits as JSON lines")
    ev.add_argument("--json", action="store_true", help="also print the scores as one JSON line")
    return ev


def _k(text: str) -> int:
    try:
        k = int(text)
    except ValueError:
        k = 0
    if not 1 <= k <= MAX_K:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_K}, not {text!r}")
    return k
