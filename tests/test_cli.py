"""Both command lines in subprocesses, as a user runs them: exit codes, one-line errors, never a traceback."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys
from pathlib import Path

import pytest
from workspace import CORPUS, HIT_KEYS, REPO, RESULT_KEYS, child_env, run_cli

from assistant import Assistant
from assistant.faces import _format
from index import HashEmbedder

GBK_PAGE = "嘉兴市总工会举办职工技能大赛\n\n本报讯 近日，嘉兴市总工会在南湖区举办职工技能大赛。\n"
GOOD_PAGE = "湖州市总工会慰问环卫工人\n\n本报讯 湖州市总工会为一线环卫工人送去清凉用品。\n"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("cli") / "ix"
    done = run_cli("index", "build", "--model", "hash", "--corpus", str(CORPUS), "--index-dir", str(where))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Indexed 5 files: 18 articles, ")  # the seed pages hold 18 headlines
    return where


def test_the_commands_run_as_processes(index_dir: Path) -> None:
    """The other tests run the commands in-process (workspace.run_cli); here the ``python -m``
    entry points themselves: output, exit status, and a usage error's status."""

    def process(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", *args], capture_output=True, text=True, encoding="utf-8", cwd=REPO,
            env=child_env(), timeout=120, check=False,
        )  # fmt: skip

    status = process("index", "status", "--index-dir", str(index_dir))
    assert status.returncode == 0 and "83 chunks" in status.stdout, status.stderr
    ask = ("assistant", "ask", "嘉善县工人先锋号", "--index-dir", str(index_dir), "--json", "-k", "2")
    asked = process(*ask)
    assert asked.returncode == 0 and asked.stderr == ""
    assert list(json.loads(asked.stdout)) == RESULT_KEYS
    assert run_cli(*ask).stdout == asked.stdout  # what the other tests see is what a user sees
    wrong = process("index", "build", "--no-such-option")
    assert wrong.returncode == 2 and "unrecognized arguments: --no-such-option" in wrong.stderr
    assert "Traceback" not in status.stderr + asked.stderr + wrong.stderr


def test_build_with_bad_inputs(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (corpus / "gbk.txt").write_bytes(GBK_PAGE.encode("gbk"))
    (corpus / "good.txt").write_text(GOOD_PAGE, encoding="utf-8")
    (corpus / "articles.jsonl").write_text(
        '{"id": "a1", "title": "杭州", "text": "杭州市总工会开展职工疗休养活动。"}\n'
        "this is not json\n"
        '{"id": "a3", "title": "没有正文"}\n',
        encoding="utf-8",
    )
    ix = tmp_path / "ix"
    done = run_cli("index", "build", "--model", "hash", "--corpus", str(corpus), "--index-dir", str(ix))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Indexed 3 files: 3 articles, ")
    assert lines[1].startswith(
        "Sources: 3 added (articles.jsonl, gbk.txt, good.txt), 0 updated, 0 removed, 0 unchanged. Chunks: "
    )
    assert lines[2] == "Skipped 4 inputs:"
    rejected = sorted(lines[3:])
    assert len(rejected) == 4
    assert rejected[0].startswith("articles.jsonl:2: not valid JSON")
    assert rejected[1].startswith('articles.jsonl:3: no "text"')
    assert rejected[2].startswith("binary.txt: binary file")
    assert rejected[3].startswith("empty.txt: empty file")

    manifest = json.loads(next(ix.glob("v-*/manifest.json")).read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == ["articles.jsonl", "gbk.txt", "good.txt"]
    with Assistant.open(ix, HashEmbedder()) as assistant:
        for question, source, text in [
            ("湖州市总工会慰问环卫工人", "good.txt", "环卫工人"),
            ("嘉兴职工技能大赛", "gbk.txt", "嘉兴市总工会"),  # decoded from GBK, not mojibake
            ("杭州职工疗休养", "articles.jsonl#a1", "疗休养"),
        ]:
            hit = assistant.search(question, k=1).hits[0]
            assert (hit.source, text in hit.text) == (source, True)


def test_build_nothing_readable(tmp_path: Path) -> None:
    (tmp_path / "blank.txt").write_text("\n")
    done = run_cli(
        "index", "build", "--model", "hash", "--corpus", str(tmp_path), "--index-dir", str(tmp_path / "ix")
    )
    assert done.returncode == 2
    assert done.stderr == f"error: nothing to index in {tmp_path}: blank.txt: empty file, nothing to index\n"
    assert not (tmp_path / "ix").exists()


def test_build_usage_error() -> None:
    done = run_cli("index", "build", "--no-such-option")
    assert done.returncode == 2
    assert "error: unrecognized arguments: --no-such-option" in done.stderr


def test_ask_reads_well_on_a_terminal(index_dir: Path) -> None:
    done = run_cli(
        "assistant", "ask", "嘉善县总工会怎样创建“工人先锋号”？", "--index-dir", str(index_dir), "-k", "2"
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "嘉善县总工会怎样创建“工人先锋号”？"
    assert lines[1].startswith("2 passages, best score 0.")
    assert lines[3].startswith(" 1. 0.")
    assert lines[4].startswith("    002_b66ab0af8ed20314.txt:")
    assert "(chars " in lines[4]
    assert any("嘉善" in line for line in lines[5:])
    assert any(line.startswith(" 2. 0.") for line in lines)


def test_ask_json(index_dir: Path) -> None:
    done = run_cli("assistant", "ask", "嘉善县工人先锋号", "--index-dir", str(index_dir), "--json")
    assert done.returncode == 0, done.stderr
    assert "嘉善" in done.stdout  # ensure_ascii=False: Chinese as itself
    result = json.loads(done.stdout)
    assert list(result) == RESULT_KEYS
    assert result["question"] == "嘉善县工人先锋号"
    assert isinstance(result["found"], bool)
    assert len(result["hits"]) == 5  # the default k
    assert all(list(h) == HIT_KEYS for h in result["hits"])
    assert "嘉善" in result["hits"][0]["title"] + result["hits"][0]["text"]


def test_ask_a_follow_up_about_one_source(index_dir: Path) -> None:
    earlier = "嘉善有几家单位获评全国工人先锋号？"
    args = ("assistant", "ask", "那绍兴呢？", "--after", earlier, "--index-dir", str(index_dir), "--json")
    result = json.loads(run_cli(*args, "--source", "002_").stdout)
    assert result["question"] == "那绍兴呢？" and result["query"] == "绍兴有几家单位获评全国工人先锋号？"
    assert not result["found"] and "绍兴" in result["unmatched"]
    assert result["hits"] and all(h["source"].startswith("002_") for h in result["hits"])
    shown = run_cli("assistant", "ask", earlier, "--index-dir", str(index_dir), "-k", "1")
    assert "confidence" in shown.stdout and "answer: " in shown.stdout


def test_ask_empty_question(index_dir: Path) -> None:
    done = run_cli("assistant", "ask", "", "--index-dir", str(index_dir))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: the question is empty; ask something")
    assert done.stderr.count("\n") == 1


def test_ask_very_long_question(index_dir: Path) -> None:
    question = "嘉善县总工会" + "职工" * 4997
    assert len(question) == 10_000
    done = run_cli("assistant", "ask", question, "--index-dir", str(index_dir), "--json", "-k", "3")
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["hits"]) == 3
    shown = run_cli("assistant", "ask", question, "--index-dir", str(index_dir), "-k", "1")
    assert shown.returncode == 0
    assert len(shown.stdout.splitlines()[0]) == 61  # the header shortens the question


def test_ask_missing_index(tmp_path: Path) -> None:
    missing = tmp_path / "no-index"
    done = run_cli("assistant", "ask", "嘉善", "--index-dir", str(missing))
    assert done.returncode == 2
    assert (
        done.stderr
        == f"error: no index at {missing}; build it with: python -m index build --index-dir {missing}\n"
    )


def test_ask_default_index_dir_missing(tmp_path: Path) -> None:
    done = run_cli("assistant", "ask", "嘉善", cwd=tmp_path)
    assert done.returncode == 2
    assert (
        done.stderr == "error: no index at .index; build it with: python -m index build --index-dir .index\n"
    )


def test_ask_with_another_model_refused(index_dir: Path) -> None:
    done = run_cli("assistant", "ask", "嘉善", "--index-dir", str(index_dir), "--model", "hash-bigram-128")
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"error: index at {index_dir} was built with hash-bigram-256, but the model in use"
    )
    assert done.stderr.count("\n") == 1


def test_ask_bad_k(index_dir: Path) -> None:
    done = run_cli("assistant", "ask", "嘉善", "--index-dir", str(index_dir), "-k", "101")
    assert done.returncode == 2
    assert "argument -k: must be a whole number from 1 to 100" in done.stderr


def test_search_batch(index_dir: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"qid": "q1", "question": "嘉善县总工会怎样创建工人先锋号", "answers": ["工人先锋号"]}\n'
        "{broken\n"
        "\n"
        '{"qid": "q3"}\n'
        '{"qid": "q4", "question": "安吉县两山工匠"}\n',
        encoding="utf-8",
    )
    done = run_cli("assistant", "search", "--batch", str(questions), "--index-dir", str(index_dir), "-k", "3")
    assert done.returncode == 1
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["qid"] for r in out] == ["q1", "q4"]
    assert all(list(r) == ["qid", *RESULT_KEYS] for r in out)
    assert [len(r["hits"]) for r in out] == [3, 3]
    assert all(list(h) == HIT_KEYS for r in out for h in r["hits"])
    assert "嘉善" in out[0]["hits"][0]["text"]
    assert "安吉" in out[1]["hits"][0]["text"]
    assert done.stderr.splitlines() == [
        f"{questions}:2: not valid JSON (Expecting property name enclosed in double quotes, column 2)",
        f'{questions}:4: no "question" (or it is empty)',
    ]


def test_search_batch_from_stdin(index_dir: Path) -> None:
    done = run_cli("assistant", "search", "--batch", "-", "--index-dir", str(index_dir),
               stdin='{"qid": 7, "question": "嘉善"}\n')  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    [result] = [json.loads(line) for line in done.stdout.splitlines()]
    assert result["qid"] == 7
    assert len(result["hits"]) == 10  # the batch default k


def test_search_batch_missing_file(index_dir: Path, tmp_path: Path) -> None:
    done = run_cli(
        "assistant", "search", "--batch", str(tmp_path / "none.jsonl"), "--index-dir", str(index_dir)
    )
    assert done.returncode == 2
    assert done.stderr == f"error: No such file or directory: {tmp_path / 'none.jsonl'}\n"


def test_wrap_counts_chinese_as_two_columns() -> None:
    assert doctest.testmod(_format).failed == 0
    assert _format.wrap("工会ab工会", 4) == ["工会", "ab工", "会"]
    assert _format.wrap("第一段\n\n  第二段  ", 80) == ["第一段", "第二段"]
    assert _format.wrap("一二。”三", 4) == ["一二。”", "三"]
