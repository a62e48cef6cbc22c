"""The evaluation command scores exactly as the shared reference scorer does."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.eval import evaluate, first_hit_rank, read_questions
from index import HashEmbedder, Settings, build

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"


def _reference_scorer():  # type: ignore[no-untyped-def]
    path = EVAL / "score.py"
    if not path.is_file():
        pytest.fail(f"the reference scorer {path} is missing: check out shared/ beside the project")
    spec = importlib.util.spec_from_file_location("reference_score", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_first_hit_rank_normalises_like_the_reference() -> None:
    ref = _reference_scorer()
    hits = ["无关的段落。", "陈达有 (白茶炒制) 溪龙乡溪龙村村民", "ｅ港青友"]
    for answers in (["陈达有(白茶炒制)"], ["e港青友"], ["不存在"]):
        assert first_hit_rank(hits, answers) == ref.first_hit_rank([{"text": t} for t in hits], answers)


def test_evaluate_agrees_with_the_reference_on_the_dev_set(tmp_path: Path) -> None:
    ref = _reference_scorer()
    questions_file = EVAL / "seed_dev.jsonl"
    build(Settings(corpus=(ROOT / "corpus",), index_dir=tmp_path / "idx"), HashEmbedder())
    questions = read_questions(questions_file)
    with Assistant.open(tmp_path / "idx", embedder=HashEmbedder()) as assistant:
        report = evaluate(assistant, questions)
    expected = ref.score(ref.load_jsonl(str(questions_file)), report.results)
    for group, scores in report.to_dict().items():
        if group in expected:
            for key in ("hit@1", "hit@3", "hit@5", "hit@10", "mrr@10"):
                assert scores[key] == pytest.approx(expected[group][key], abs=1e-4), (group, key)
    ab = expected["_abstention"]
    assert (report.abstained, report.false_abstain) == (ab["abstained"], ab["false_abstain"])


def test_eval_command_prints_scores_by_type(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "p.txt").write_text(
        "嘉善县总工会\n\n本报讯 嘉善已有3家单位获评全国“工人先锋号”。\n", encoding="utf-8"
    )
    questions = tmp_path / "q.jsonl"
    lines = [
        {"qid": "a", "question": "嘉善有几家全国工人先锋号", "answers": ["3家"], "type": "numeric"},
        {"qid": "b", "question": "天气", "answers": [], "answerable": False, "type": "unanswerable"},
    ]
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in lines), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "eval", str(questions), "--corpus", str(corpus),
         "--index-dir", str(tmp_path / "idx"), "--model", "hash", "--compare"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for mode in ("[hybrid]", "[dense]", "[lexical]"):
        assert mode in done.stdout
    assert "numeric" in done.stdout and "hit@1=1.000" in done.stdout
    assert "not found:" in done.stdout
    assert "Traceback" not in done.stderr


def test_the_answer_sentence_is_scored_where_the_best_passage_holds_the_answer() -> None:
    from assistant import Hit, SearchResult
    from index import Chunk

    text = "嘉善县总工会深耕10年。目前已有3家获评全国“工人先锋号”。"
    marked = {"right": (11, len(text)), "wrong": (0, 11), "none": None}

    class Answers:
        """Hands back one passage holding the answer, with the sentence the qid names marked."""

        def search(self, question: str, k: int, mode: str) -> SearchResult:
            chunk = Chunk(
                text=text,
                source="p.txt",
                title="",
                section="",
                start=0,
                end=len(text),
                line_start=1,
                line_end=1,
            )
            hit = Hit(rank=1, score=0.9, chunk=chunk, answer=marked[question])
            return SearchResult(question=question, found=question != "none", hits=[hit])

    questions = [{"qid": q, "question": q, "answers": ["3家"]} for q in ("right", "wrong", "none")]
    report = evaluate(Answers(), questions)  # type: ignore[arg-type]
    # "none" was judged not found: no sentence is marked, and it is not counted.
    assert (report.answer_sentence_holds, report.answer_sentences) == (1, 2)
    assert "answer sentence: 1/2" in report.table()
