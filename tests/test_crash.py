"""A build killed outright (SIGKILL) at any moment leaves the previous index loadable and answering
as before, and the next build recovers and says so; two builds never write one index at once."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from workspace import REPO, child_env

from assistant import Assistant
from index import HashEmbedder, load

JIASHAN = "嘉善县总工会怎样创建“工人先锋号”？"
NEW_QUESTION = "鹿城区外卖骑手的暖蜂驿站"
SEED_ANSWER = "004_30b075de9a65b725.txt"  # the seed's best for NEW_QUESTION, before the page is added
NEW_PAGE = (
    "\n温州鹿城区总工会 为外卖骑手建起“暖蜂驿站”\n\n本报讯 近日，温州市鹿城区总工会在五马街道建成首个"
    "“暖蜂驿站”，为外卖骑手和快递小哥提供休息、充电、饮水和应急药品等服务。\n"
)


def articles(n: int) -> str:
    """A JSONL file of n distinct short articles: enough work for a build to be caught in the act."""
    lines = (
        {
            "id": i,
            "title": f"第{i}期职工讲堂",
            "text": f"第{i}期职工讲堂在{i % 11}号会议室举行，讲授安全生产知识。",
        }
        for i in range(n)
    )
    return "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in lines)


def build_cmd(where: Path, *more: str) -> list[str]:
    return [sys.executable, "-m", "index", "build", "--model", "hash", "--corpus", str(where / "corpus"),
            "--index-dir", str(where / "ix"), *more]  # fmt: skip


def run_build(where: Path, *more: str, **extra: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        build_cmd(where, *more), capture_output=True, text=True, encoding="utf-8", cwd=REPO,
        env=child_env(extra), timeout=300,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done


def start_build(where: Path, *more: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        build_cmd(where, *more), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        encoding="utf-8", cwd=REPO, env=child_env(),
    )  # fmt: skip


def versions(where: Path) -> list[str]:
    return sorted(p.name for p in (where / "ix").iterdir() if p.name.startswith("v-"))


def top_hits(where: Path) -> tuple[str, str]:
    """The best hit's source for the seed question and for the new page's question."""
    with Assistant.open(where / "ix", HashEmbedder()) as assistant:
        return tuple(assistant.search(q, 1).hits[0].source for q in (JIASHAN, NEW_QUESTION))  # type: ignore[return-value]


@pytest.fixture(scope="module", autouse=True)
def seed_answers(built: Path) -> None:
    assert top_hits(built) == ("002_b66ab0af8ed20314.txt", SEED_ANSWER)


@pytest.mark.parametrize("point", ["embedding", "writing", "before-switch", "after-switch"])
def test_killed_build_leaves_a_working_index_and_the_next_recovers(work: Path, point: str) -> None:
    before = load(work / "ix")
    answers = ("002_b66ab0af8ed20314.txt", SEED_ANSWER)
    (work / "corpus" / "new.txt").write_text(NEW_PAGE, encoding="utf-8")

    killed = run_build(work, NEWS_ASSISTANT_CRASH_AT=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert killed.stdout == ""
    after = load(work / "ix")
    if point == "after-switch":
        # Killed after the switch: the new version is live, the old one is left behind.
        assert after.version != before.version and top_hits(work) == (answers[0], "new.txt")
        assert before.version.name in versions(work)
    else:
        assert after.version == before.version and len(after) == len(before)
        assert top_hits(work) == answers
        assert len(versions(work)) == (1 if point == "embedding" else 2)  # a half-written one beside it

    done = run_build(work)
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stdout.splitlines() if line.startswith("Note: ")]
    assert len(notes) == 1, done.stdout
    assert notes[0].startswith(f"Note: an earlier build (pid {killed_pid(notes[0])}, started ")
    assert " was interrupted; " in notes[0]
    if point == "embedding":
        assert notes[0].endswith("; it left nothing to clean up.")
        assert "; 0 embedded in " in done.stdout  # what it embedded before dying was kept in the cache
    else:
        assert "; removed the 1 version folder it left behind (v-" in notes[0]
    assert ("Nothing changed" in done.stdout) == (point == "after-switch")
    assert len(versions(work)) == 1
    assert top_hits(work) == (answers[0], "new.txt")
    assert (work / "ix" / ".lock").read_text() == ""  # recovered: the next build has nothing to say


def killed_pid(note: str) -> str:
    return note.split("(pid ", 1)[1].split(",", 1)[0]


def test_killed_at_random_moments(work: Path) -> None:
    """SIGKILL at moments spread over a build (start-up, reading, tokenising, embedding, writing)."""
    answers = ("002_b66ab0af8ed20314.txt", SEED_ANSWER)
    (work / "corpus" / "new.txt").write_text(NEW_PAGE, encoding="utf-8")
    (work / "corpus" / "talks.jsonl").write_text(articles(1500), encoding="utf-8")
    for delay in (0.7, 2.0, 4.0):
        build = start_build(work)
        time.sleep(delay)
        build.send_signal(signal.SIGKILL)
        build.communicate(timeout=60)
        if build.returncode == 0:
            break  # it finished first: nothing left to interrupt
        assert top_hits(work)[0] == answers[0]
    done = run_build(work)
    assert done.returncode == 0, done.stderr
    assert len(versions(work)) == 1
    assert top_hits(work) == (answers[0], "new.txt")


def test_a_second_build_waits_or_refuses(work: Path) -> None:
    (work / "corpus" / "new.txt").write_text(NEW_PAGE, encoding="utf-8")
    lock = os.open(work / "ix" / ".lock", os.O_RDWR)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a running build holds it
        refused = run_build(work, "--no-wait")
        assert refused.returncode == 3
        assert refused.stderr == (
            f"error: another build is running on {work / 'ix'}; try again when it has finished\n"
        )
        waiting = start_build(work)
        assert waiting.stderr is not None
        assert waiting.stderr.readline() == f"another build is running on {work / 'ix'}; waiting…\n"
        time.sleep(0.5)
        assert waiting.poll() is None  # still waiting
    finally:
        os.close(lock)
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert "Sources: 1 added (new.txt)" in out
    assert top_hits(work)[1] == "new.txt"


def test_two_builds_started_together(work: Path) -> None:
    (work / "corpus" / "new.txt").write_text(NEW_PAGE, encoding="utf-8")
    (work / "corpus" / "talks.jsonl").write_text(articles(1500), encoding="utf-8")
    builds = [start_build(work), start_build(work)]
    results = [b.communicate(timeout=300) for b in builds]
    assert [b.returncode for b in builds] == [0, 0], results
    # One did the work; the other waited for it (or came after it), then found nothing to do.
    did = sorted("Nothing changed" in out for out, _ in results)
    assert did == [False, True], results
    waited = [err for _, err in results if "waiting…" in err]
    assert len(waited) <= 1
    assert len(versions(work)) == 1
    ix = load(work / "ix")
    assert sorted(ix.manifest.files)[-2:] == ["new.txt", "talks.jsonl"]
    assert top_hits(work)[1] == "new.txt"
