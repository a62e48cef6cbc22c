"""Incremental builds, as a maintainer runs them: add, remove and edit sources, rebuild without
re-embedding, ask what is indexed, and a running assistant that follows every rebuild."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from workspace import REPO, child_env, run_cli, settings

from assistant import Assistant
from index import (
    HashEmbedder,
    Settings,
    SourceConflict,
    add_files,
    build,
    load,
    remove_sources,
)
from index.build import _sources
from index.embed import CACHE_FILE
from index.split import windows
from index.store import FORMAT_VERSION, take_over

JIASHAN = "嘉善县总工会怎样创建“工人先锋号”？"
NEW_PAGE = """\

温州鹿城区总工会 为外卖骑手建起“暖蜂驿站”

本报讯 近日，温州市鹿城区总工会在五马街道建成首个“暖蜂驿站”，为外卖骑手和快递小哥提供休息、\
充电、饮水和应急药品等服务。驿站配备了微波炉和冰箱，骑手凭工会会员卡可免费使用。

区总工会负责人介绍，今年全区将建成20个“暖蜂驿站”，覆盖主要商圈。
"""
NEW_QUESTION = "鹿城区外卖骑手的暖蜂驿站"
OLD_LINE = "许万富 (白茶种植) 浙江安吉宋茗白茶有限公司"
NEW_LINE = "许万富 (白茶种植) 安吉溪龙乡白茶数字工坊"


def index_cli(
    command: str, where: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m index COMMAND ARGS --corpus where/corpus --index-dir where/ix --model hash``."""
    model = () if command == "status" else ("--model", "hash")
    where_ = ("--corpus", str(where / "corpus"), "--index-dir", str(where / "ix"))
    return run_cli("index", command, *args, *where_, *model, env=env)


def sources(where: Path, *questions: str, k: int = 100) -> list[str]:
    """The sources of the hits for the questions, in order."""
    with Assistant.open(where / "ix", HashEmbedder()) as assistant:
        return [h.source for q in questions for h in assistant.search(q, k).hits]


def test_add_a_page_then_find_it(work: Path) -> None:
    drop = work / "drop"
    drop.mkdir()
    (drop / "温州 鹿城(第3版).txt").write_text(NEW_PAGE, encoding="utf-8")
    done = index_cli("add", work, str(drop / "温州 鹿城(第3版).txt"))
    assert done.returncode == 0, done.stderr
    name = "温州_鹿城_第3版_.txt"  # made safe: no spaces or brackets
    assert (work / "corpus" / name).read_text(encoding="utf-8") == NEW_PAGE
    out = done.stdout.splitlines()
    assert out[0] == f"Added to {work / 'corpus'}: {name}."
    # 6 files: the 18 articles of the seed pages and the new one
    assert re.match(r"Indexed 6 files: 19 articles, ", out[1]), out[1]
    assert out[2].startswith(f"Sources: 1 added ({name}), 0 updated, 0 removed, 5 unchanged. Chunks: ")
    assert sources(work, NEW_QUESTION, JIASHAN, k=1) == [name, "002_b66ab0af8ed20314.txt"]
    # Adding the same file again copies nothing, and the rebuild has nothing to do.
    again = index_cli("add", work, str(drop / "温州 鹿城(第3版).txt"))
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == f"Already there: {name}."
    assert "0 embedded" in again.stdout and "Nothing changed" in again.stdout


def test_add_refuses_a_name_taken_by_another_file(work: Path) -> None:
    other = work / "drop" / "002_b66ab0af8ed20314.txt"
    other.parent.mkdir()
    other.write_text(NEW_PAGE, encoding="utf-8")
    (work / "drop" / "fine.txt").write_text(NEW_PAGE, encoding="utf-8")
    before = load(work / "ix").version
    done = index_cli("add", work, str(work / "drop" / "fine.txt"), str(other))
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {work / 'corpus' / '002_b66ab0af8ed20314.txt'} already exists ")
    assert "python -m index remove 002_b66ab0af8ed20314.txt" in done.stderr
    assert done.stderr.count("\n") == 1
    assert not (work / "corpus" / "fine.txt").exists()  # all or nothing
    assert load(work / "ix").version == before
    for bad, why in [
        (work / "drop" / "notes.xlsx", "is not a .txt, .md, .jsonl, .pdf, .html, .htm or .docx file"),
        (work / "nope", "no such"),
    ]:
        if bad.suffix:
            bad.write_bytes(b"%PDF")
        refused = index_cli("add", work, str(bad))
        assert refused.returncode == 2 and why in refused.stderr


def test_add_a_folder_keeps_its_layout(work: Path) -> None:
    drop = work / "week42"
    (drop / "第二版").mkdir(parents=True)
    (drop / "第二版" / "page.md").write_text(NEW_PAGE, encoding="utf-8")
    (drop / "articles.jsonl").write_text(
        json.dumps(
            {"id": "a1", "title": "衢州", "text": "衢州市总工会为环卫工人送清凉。"}, ensure_ascii=False
        )
        + "\n{broken\n",
        encoding="utf-8",
    )
    (drop / ".hidden.txt").write_text("不该被加入", encoding="utf-8")
    done = index_cli("add", work, str(drop))
    assert done.returncode == 1, done.stderr  # the broken line is listed, the rest indexed
    assert done.stdout.splitlines()[0] == f"Added to {work / 'corpus'}: articles.jsonl, 第二版/page.md."
    assert done.stdout.splitlines()[-2:] == [
        "Skipped 1 input:",
        "articles.jsonl:2: not valid JSON (Expecting property name enclosed in double quotes, column 2)",
    ]
    assert not (work / "corpus" / ".hidden.txt").exists()
    assert sources(work, NEW_QUESTION, "衢州总工会送清凉", k=1) == ["第二版/page.md", "articles.jsonl#a1"]
    # The file is not read again, but its rejected line is still reported, and still fails the build.
    again = index_cli("build", work)
    assert again.returncode == 1
    assert again.stdout.splitlines()[-1].startswith("articles.jsonl:2: not valid JSON")
    assert "Nothing changed" in again.stdout


def test_remove_a_page_then_it_is_gone(work: Path) -> None:
    name = "000_1e559e3fc737a720.txt"
    assert name in sources(work, "安吉两山工匠荣誉榜")
    done = index_cli("remove", work, name)
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert out[0] == f"Removed from the corpus: {name}."
    assert out[2].startswith(
        f"Sources: 0 added, 0 updated, 1 removed ({name}), 4 unchanged. Chunks: 0 added, "
    )
    assert not (work / "corpus" / name).exists()
    assert name not in sources(
        work, "安吉两山工匠荣誉榜", "郭金贤 木工 安吉县递铺精宜家具厂", JIASHAN, "职工"
    )
    assert name not in load(work / "ix").manifest.files


def test_remove_refuses_what_is_not_indexed(work: Path) -> None:
    done = index_cli("remove", work, "000_1e559e3fc737a720.txt", "nope.txt")
    assert done.returncode == 2
    assert done.stderr.startswith("error: nope.txt is not an indexed source; python -m index status")
    assert (work / "corpus" / "000_1e559e3fc737a720.txt").exists()  # nothing deleted
    article = index_cli("remove", work, "000_1e559e3fc737a720.txt#3")
    assert article.returncode == 2
    assert "is one article of 000_1e559e3fc737a720.txt; remove the whole file" in article.stderr


def test_edit_a_page(work: Path) -> None:
    page = work / "corpus" / "000_1e559e3fc737a720.txt"
    text = page.read_text(encoding="utf-8")
    assert OLD_LINE in text
    page.write_text(text.replace(OLD_LINE, NEW_LINE), encoding="utf-8")
    done = index_cli("build", work)
    assert done.returncode == 0, done.stderr
    change = done.stdout.splitlines()[1]
    assert change.startswith(
        "Sources: 0 added, 1 updated (000_1e559e3fc737a720.txt), 0 removed, 4 unchanged."
    )
    with Assistant.open(work / "ix", HashEmbedder()) as assistant:
        assert "白茶数字工坊" in assistant.search("溪龙乡白茶数字工坊", 1).hits[0].text
        for question in [OLD_LINE, "宋茗白茶"]:
            assert not any("宋茗" in h.text for h in assistant.search(question, 100).hits)
        assert "宋茗" not in assistant.document("000_1e559e3fc737a720.txt").text


def test_unchanged_rebuild_embeds_nothing(work: Path) -> None:
    # How long it takes is a figure, not a test: scripts/bench_incremental.py times it.
    before = load(work / "ix").version
    done = index_cli("build", work)
    assert done.returncode == 0, done.stderr
    head, change = done.stdout.splitlines()
    assert change == (
        "Sources: 0 added, 0 updated, 0 removed, 5 unchanged. Chunks: 0 added, 0 removed, "
        f"{load(work / 'ix').manifest.counts['chunks']} unchanged; 0 embedded in 0.0 s. "
        "Nothing changed: the index was kept as it was."
    )
    assert load(work / "ix").version == before
    report = build(settings(work), HashEmbedder())
    assert (report.embedded, report.written) == (0, False)
    # --full reads and chunks everything again, and writes a new version, but embeds nothing.
    full = index_cli("build", work, "--full")
    assert full.returncode == 0, full.stderr
    assert "; 0 embedded in " in full.stdout and "Nothing changed" not in full.stdout
    assert load(work / "ix").version != before
    assert sources(work, JIASHAN)[0] == "002_b66ab0af8ed20314.txt"


def test_status(work: Path) -> None:
    done = index_cli("status", work)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    ix = load(work / "ix")
    assert lines[0] == (
        f"Index {work / 'ix'}: version {ix.version.name}, built {ix.manifest.built_at}, "
        f"format {FORMAT_VERSION}."
    )
    assert lines[1].startswith("Model hash-bigram-256 (256 dimensions); chunker ")
    counts = ix.manifest.counts
    assert lines[2] == (
        f"Holds 5 files: 18 articles, {counts['sections']} sections, {len(ix)} chunks "
        f"with {counts['windows']} sentence windows."
    )
    assert lines[3] == "The corpus on disk matches the index."
    assert lines[4:] == ["Sources:", *(f"  {n}" for n in sorted(ix.manifest.files))]
    (work / "corpus" / "new.txt").write_text(NEW_PAGE, encoding="utf-8")
    (work / "corpus" / "000_1e559e3fc737a720.txt").unlink()
    (work / "corpus" / "001_18f9ea61070103fb.txt").write_text(NEW_PAGE, encoding="utf-8")
    lines = index_cli("status", work).stdout.splitlines()
    assert lines[3:7] == [
        "Changed on disk since: 3 sources (python -m index build applies them):",
        "  removed  000_1e559e3fc737a720.txt",
        "  changed  001_18f9ea61070103fb.txt",
        "  added    new.txt",
    ]


def test_status_without_an_index(tmp_path: Path) -> None:
    done = run_cli("index", "status", "--index-dir", str(tmp_path / "none"))
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: no index at {tmp_path / 'none'}; build it with: ")


def tokens_by_file(index_dir: Path) -> dict[str, list[list[str] | None]]:
    return {f: [s.tokens for s in ss] for f, ss in take_over(index_dir).contents().chunks.items()}


def test_dictionary_changes_retokenise_old_chunks(work: Path, built: Path) -> None:
    # “康润制药” in quotes on a new page enters the dictionary; an old page names the company
    # without quotes, so its chunk must be tokenised again to be found by that word.
    (work / "corpus" / "new.txt").write_text(
        NEW_PAGE + "\n本报讯 “康润制药”职工书屋揭牌。\n", encoding="utf-8"
    )
    report = build(settings(work), HashEmbedder())
    assert report.added == ["new.txt"]
    ix = load(work / "ix")
    assert ix.lexical is not None and "康润制药" in ix.lexical.lexicon.words
    contents = take_over(work / "ix").contents()
    old = [s for s in contents.chunks["000_1e559e3fc737a720.txt"] if "康润制药" in s.chunk.text]
    assert old and all(s.tokens is not None and "康润制药" in s.tokens for s in old)
    # Every chunk's tokens are what a build from nothing gives.
    fresh = work / "fresh"
    shutil.copytree(work / "corpus", fresh / "corpus")
    build(settings(fresh), HashEmbedder())
    assert tokens_by_file(work / "ix") == tokens_by_file(fresh / "ix")
    # The page goes, its words leave the dictionary, and the old chunk is as it was.
    (work / "corpus" / "new.txt").unlink()
    build(settings(work), HashEmbedder())
    assert tokens_by_file(work / "ix") == tokens_by_file(built / "ix")


def test_vectors_of_chunks_and_windows_are_taken_over_from_the_live_version(work: Path) -> None:
    before = load(work / "ix")
    (work / "ix" / CACHE_FILE).unlink()
    report = build(settings(work), HashEmbedder(), full=True)
    after = load(work / "ix")
    assert report.written and report.embedded == 0
    assert after.version != before.version and after.manifest.counts == before.manifest.counts
    assert (after.vectors() == before.vectors()).all()
    before.close()
    after.close()


def test_a_new_chunker_re_chunks_without_re_embedding(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sources, "CHUNKER", dict(_sources.CHUNKER, version="next"))
    report = build(settings(work), HashEmbedder())
    assert report.written and report.embedded == 0
    assert any("the chunker changed" in n for n in report.notes)
    assert load(work / "ix").manifest.chunker["version"] == "next"


def test_another_model_is_never_mixed_in(work: Path) -> None:
    (work / "corpus" / "new.txt").write_text(NEW_PAGE, encoding="utf-8")
    build(settings(work), HashEmbedder())
    report = build(settings(work, "hash-bigram-128"), HashEmbedder(128))
    ix = load(work / "ix")
    texts = {t for c in map(ix.chunk, range(len(ix))) for t in [c.embed_text, *windows(c)]}
    assert report.embedded == len(texts)  # every vector anew: none of the old model is kept
    assert any("no vector of the old model is kept" in n for n in report.notes)
    assert (ix.manifest.model["name"], ix.manifest.dim) == ("hash-bigram-128", 128)
    ix.check_embedder(HashEmbedder(128))
    # Back to the first model: its vectors are all in the cache.
    again = build(settings(work), HashEmbedder())
    assert again.written and again.embedded == 0


def test_cache_outlives_versions_and_a_damaged_cache_is_replaced(work: Path) -> None:
    page = work / "corpus" / "new.txt"
    page.write_text(NEW_PAGE, encoding="utf-8")
    assert build(settings(work), HashEmbedder()).embedded > 0
    page.unlink()
    assert build(settings(work), HashEmbedder()).removed == ["new.txt"]
    # The live version no longer has the page's vectors; the cache does.
    page.write_text(NEW_PAGE, encoding="utf-8")
    assert build(settings(work), HashEmbedder()).embedded == 0
    page.unlink()
    build(settings(work), HashEmbedder())
    (work / "ix" / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    page.write_text(NEW_PAGE, encoding="utf-8")
    report = build(settings(work), HashEmbedder())
    assert report.embedded > 0
    assert [n for n in report.notes if "embedding cache" in n] == [
        f"the embedding cache {work / 'ix' / CACHE_FILE} was unreadable (file is not a database); "
        "started a new one"
    ]
    assert sources(work, NEW_QUESTION)[0] == "new.txt"
    page.unlink()
    build(settings(work), HashEmbedder())
    page.write_text(NEW_PAGE, encoding="utf-8")
    assert build(settings(work), HashEmbedder()).embedded == 0  # the new cache works


def test_a_running_assistant_follows_rebuilds(work: Path) -> None:
    with Assistant.open(work / "ix", HashEmbedder()) as assistant:
        first = assistant.index.version
        assert assistant.search(NEW_QUESTION, 1).hits[0].source != "new.txt"
        (work / "corpus" / "new.txt").write_text(NEW_PAGE, encoding="utf-8")
        build(settings(work), HashEmbedder())
        assert assistant.search(NEW_QUESTION, 1).hits[0].source == "new.txt"
        assert assistant.index.version != first
        assert NEW_PAGE == assistant.document("new.txt").text
        # A version built with another model is not used: the loaded one keeps answering.
        loaded = assistant.index.version
        build(settings(work, "hash-bigram-128"), HashEmbedder(128))
        assert assistant.search(NEW_QUESTION, 1).hits[0].source == "new.txt"
        assert assistant.index.version == loaded


LOOP = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from assistant import Assistant
    from index import HashEmbedder

    index_dir, stop = Path(sys.argv[1]), Path(sys.argv[2])
    questions = [sys.argv[3], sys.argv[4]]
    seen, errors, empty, queries, found_new = set(), [], 0, 0, 0
    deadline = time.monotonic() + 120
    with Assistant.open(index_dir, HashEmbedder()) as assistant:
        assistant.search(questions[0], 5)  # jieba started: the loop is at speed before the first rebuild
        print("ready", flush=True)
        while not stop.exists() and time.monotonic() < deadline:
            for q in questions:
                try:
                    result = assistant.search(q, 5)
                    seen.add(assistant.index.version.name)
                    empty += not result.hits
                    found_new += result.hits[0].source == "new.txt" if result.hits else 0
                    assistant.document("002_b66ab0af8ed20314.txt")
                except Exception as e:
                    errors.append(repr(e))
                queries += 1
    print(json.dumps({"queries": queries, "errors": errors, "empty": empty, "versions": len(seen),
                      "found_new": found_new}))
    """
)


def test_a_query_loop_in_another_process_never_fails_during_rebuilds(work: Path) -> None:
    stop = work / "stop"
    loop = subprocess.Popen(
        [sys.executable, "-c", LOOP, str(work / "ix"), str(stop), JIASHAN, NEW_QUESTION],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", cwd=REPO,
        env=child_env(),
    )  # fmt: skip
    try:
        assert loop.stdout is not None and loop.stdout.readline() == "ready\n"
        page = work / "corpus" / "new.txt"
        for step in ["add", "edit", "remove"]:
            if step == "add":
                page.write_text(NEW_PAGE, encoding="utf-8")
            elif step == "edit":
                page.write_text(NEW_PAGE.replace("冰箱", "洗衣机"), encoding="utf-8")
            elif step == "remove":
                page.unlink()
            done = index_cli("build", work)
            assert done.returncode == 0, done.stderr
            time.sleep(0.3)
    finally:
        stop.touch()
        out, err = loop.communicate(timeout=60)
    assert loop.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["errors"] == [] and summary["empty"] == 0
    assert summary["queries"] > 10
    assert summary["versions"] >= 2 and summary["found_new"] > 0


def test_add_and_remove_respect_every_corpus_path(work: Path) -> None:
    articles = work / "elsewhere" / "articles.jsonl"
    articles.parent.mkdir()
    articles.write_text(json.dumps({"id": 1, "text": "衢州市总工会送清凉。"}, ensure_ascii=False) + "\n")
    two = Settings(corpus=(work / "corpus", articles), index_dir=work / "ix", model="hash", cache_dir=work)
    build(two, HashEmbedder())
    # The name is taken by the second corpus path: adding another file of that name is refused.
    other = work / "drop" / "articles.jsonl"
    other.parent.mkdir()
    other.write_text(json.dumps({"id": 2, "text": "别的内容。"}, ensure_ascii=False) + "\n")
    with pytest.raises(SourceConflict, match=f"{articles} already exists with other content"):
        add_files(two, [other])
    # A corpus path that is a file is the caller's file: remove refuses to delete it.
    with pytest.raises(SourceConflict, match="is itself a corpus path"):
        remove_sources(two, ["articles.jsonl"])
    assert articles.exists()
    assert remove_sources(two, [str(work / "corpus" / "003_9d0583d7963fa8de.txt")]) == (
        ["003_9d0583d7963fa8de.txt"],
        [],
    )


def test_another_lexical_version_is_tokenised_again_not_embedded(work: Path, built: Path) -> None:
    manifest = load(work / "ix").version / "manifest.json"
    raw = json.loads(manifest.read_text())
    raw["lexical"]["version"] = "0"  # as an older program wrote it
    manifest.write_text(json.dumps(raw))
    report = build(settings(work), HashEmbedder())
    assert report.written and report.embedded == 0
    assert tokens_by_file(work / "ix") == tokens_by_file(built / "ix")
    assert sources(work, JIASHAN, k=1) == ["002_b66ab0af8ed20314.txt"]
