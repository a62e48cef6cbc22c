"""For tests that change a corpus or run the commands: where things are, the seed corpus copied with
its index built by the fast fake embedder, the commands run as a user runs them, and the environment
of a child process."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from index import HashEmbedder, Settings, build

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
# Small data the tests need, kept with them (tests/data/README.md says where each file came from).
DATA = REPO / "tests" / "data"
# The team's evaluation sets, beside the checkout: CI has them, a clone of the project alone does not.
SHARED_EVAL = REPO.parent / "shared" / "eval"
# What a search answers with, as the CLI's --json and the HTTP API print it: the public contract.
HIT_KEYS = [
    "rank", "score", "text", "source", "title", "section", "start", "end", "line_start", "line_end",
    "answer", "date", "edition", "page",
]  # fmt: skip
RESULT_KEYS = ["question", "query", "found", "confidence", "reason", "unmatched", "instead", "terms", "hits"]


def shared_eval(name: str) -> Path:
    """``../shared/eval/name``; without it the calling test is skipped, saying what it needs (when
    ../shared/eval is there, a skip fails the run: see conftest.py)."""
    path = SHARED_EVAL / name
    if not path.exists():
        pytest.skip(f"needs {path} (the team's evaluation sets, ../shared/eval beside the checkout)")
    return path


def settings(where: Path, embedder: str = "hash") -> Settings:
    """``where/corpus`` indexed into ``where/ix``, with ``where`` as the cache folder."""
    return Settings(corpus=(where / "corpus",), index_dir=where / "ix", model=embedder, cache_dir=where)


def copy_seed(where: Path) -> Path:
    """The seed corpus copied into ``where/corpus`` and indexed into ``where/ix``."""
    shutil.copytree(CORPUS, where / "corpus")
    build(settings(where), HashEmbedder())
    return where


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for ``python -m index`` or ``assistant``: none of the user's settings, a
    throwaway cache (the hash fake needs no model; nothing reaches the user's), this checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWS_ASSISTANT_")}
    env["NEWS_ASSISTANT_CACHE_DIR"] = str(Path(tempfile.gettempdir()) / "news-assistant-test-cache")
    env["PYTHONPATH"] = str(REPO)
    return env | (extra or {})


def run_cli(
    *args: str, stdin: str | None = None, cwd: Path = REPO, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m index …`` or ``python -m assistant …`` (``args``) as a user runs it, with what it
    printed and its exit status, but run in this process: a new process spends 1.3 s starting jieba
    and its tagger before it does anything, for each of the sixty commands the tests run. What only
    a process shows (the ``python -m`` entry points, import cost, a kill) is tested with processes:
    tests/test_cli.py::test_the_commands_run_as_processes, tests/test_crash.py, tests/test_onnx.py."""
    from assistant.faces.cli import main as assistant_main
    from index.__main__ import main as index_main

    module, *argv = args
    main = {"index": index_main, "assistant": assistant_main}[module]
    out, err = io.StringIO(), io.StringIO()
    stdin_stream = io.TextIOWrapper(io.BytesIO((stdin or "").encode("utf-8")), encoding="utf-8")
    with _as_a_child(child_env(env), cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        sys.stdin = stdin_stream
        try:
            status = main(argv)
        except SystemExit as e:  # argparse's usage errors
            status = e.code if isinstance(e.code, int) else 1
    done = subprocess.CompletedProcess(list(args), status, out.getvalue(), err.getvalue())
    assert "Traceback" not in done.stderr, done.stderr
    return done


@contextlib.contextmanager
def _as_a_child(env: dict[str, str], cwd: Path) -> Iterator[None]:
    """The project's settings from ``env``, ``cwd`` as the working folder, and afterwards this
    process as it was: environment, folder, stdin, and the log handlers a command installs (they
    hold the stderr of the command that installed them)."""
    saved_env, saved_cwd, saved_stdin = dict(os.environ), Path.cwd(), sys.stdin
    loggers = [logging.getLogger(name) for name in ("index", "assistant")]
    saved_logs = [(lg, list(lg.handlers), lg.level, lg.propagate) for lg in loggers]
    for key in [k for k in os.environ if k.startswith("NEWS_ASSISTANT_")]:
        del os.environ[key]
    os.environ.update({k: v for k, v in env.items() if k.startswith("NEWS_ASSISTANT_")})
    os.chdir(cwd)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
        sys.stdin = saved_stdin
        for lg, handlers, level, propagate in saved_logs:
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate
