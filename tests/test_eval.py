"""The evaluation command scores by the rules of the team's reference scorer (../shared/eval/score.py):
a hit is a passage holding an answer once both are NFKC-normalised and stripped of all whitespace.
tests/data/scoring_rules.jsonl is the project's own copy of those rules, as cases; where ../shared is
beside the checkout (CI), the reference is checked to agree with them and with ``evaluate``."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from workspace import DATA, shared_eval

from assistant import Assistant
from assistant.eval import evaluate, first_hit_rank, read_questions
from index import HashEmbedder, Settings, build

ROOT = Path(__file__).resolve().parent.parent
RULES = [json.loads(line) for line in (DATA / "scoring_rules.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("case", RULES, ids=[case["rule"] for case in RULES])
def test_first_hit_rank_follows_the_scoring_rules(case: dict[str, Any]) -> None:
    assert first_hit_rank(case["hits"], case["answers"]) == case["rank"]


@dataclass
class Passage:
    text: str
    answer: tuple[int, int] | None = None


@dataclass
class Result:
    hits: list[Passage]
    found: bool = True
    confidence: float = 0.9

    def to_dict(self) -> dict[str, Any]:
        return {"found": self.found, "hits": [{"text": h.text} for h in self.hits]}


@dataclass
class Canned:
    """Answers each question with the passages given for it."""

    results: dict[str, Result] = field(default_factory=dict)

    def search(self, question: str, k: int, mode: str) -> Result:
        return self.results[question]


def test_evaluate_counts_by_the_scoring_rules() -> None:
    miss = Passage("无关的段落。")
    questions = [
        {"qid": "a", "question": "a", "answers": ["3家"], "type": "numeric"},  # rank 1
        {"qid": "b", "question": "b", "answers": ["3家"], "type": "context"},  # rank 3
        {"qid": "c", "question": "c", "answers": ["3家"], "type": "numeric"},  # no hit
        {"qid": "d", "question": "d", "answers": ["3家"], "type": "context"},  # rank 12: past MRR@10
        {"qid": "e", "question": "e", "answers": ["3家"]},  # rank 1, but judged not found
        {"qid": "f", "question": "f", "answers": ["3家"], "answerable": False},  # judged not found
        {"qid": "g", "question": "g", "answers": []},  # no answers: unanswerable; judged found
    ]
    hit = Passage("目前已有3家单位。")
    canned = Canned(
        {
            "a": Result([hit, miss]),
            "b": Result([miss, miss, hit]),
            "c": Result([miss] * 10),
            "d": Result([miss] * 11 + [hit]),
            "e": Result([hit], found=False),
            "f": Result([hit], found=False),
            "g": Result([miss]),
        }
    )
    report = evaluate(canned, questions)  # type: ignore[arg-type]
    every = report.groups["all"].row()
    assert every["n"] == 5  # the answerable ones, judged found or not
    assert [every[f"hit@{k}"] for k in (1, 3, 5, 10)] == [0.4, 0.6, 0.6, 0.6]
    assert every["mrr@10"] == pytest.approx((1 + 1 / 3 + 1) / 5)
    assert report.groups["numeric"].row()["hit@1"] == 0.5 and report.groups["context"].row()["n"] == 2
    assert (report.unanswerable, report.abstained) == (2, 1)
    assert (report.answerable, report.false_abstain) == (5, 1)


def reference_scorer():  # type: ignore[no-untyped-def]
    path = shared_eval("score.py")
    spec = importlib.util.spec_from_file_location("reference_score", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reference_scorer_follows_the_same_rules() -> None:
    ref = reference_scorer()
    for case in RULES:
        assert ref.first_hit_rank([{"text": t} for t in case["hits"]], case["answers"]) == case["rank"], case


def test_evaluate_agrees_with_the_reference_on_the_dev_set(tmp_path: Path) -> None:
    ref = reference_scorer()
    questions_file = DATA / "seed_dev.jsonl"
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


@pytest.mark.parametrize(
    ("name", "most"),
    [
        ("absent_details.jsonl", 2),
        ("english_seed.jsonl", 1),
        ("blind_absent.jsonl", 1),
        ("blind_absent2.jsonl", 1),
        ("blind_absent3.jsonl", 1),
        ("blind_absent4.jsonl", 1),
        ("blind_absent5.jsonl", 1),
        ("blind_absent6.jsonl", 1),
        ("blind_absent7.jsonl", 1),
        ("blind_absent8.jsonl", 1),
        ("blind_absent9.jsonl", 1),
        ("blind_absent10.jsonl", 1),
        ("blind_absent11.jsonl", 1),
        ("blind_absent12.jsonl", 1),
        ("blind_absent13.jsonl", 1),
        ("blind_absent14.jsonl", 1),
        ("blind_absent15.jsonl", 1),
    ],
)
def test_the_projects_own_gold_answers_are_spans_of_their_page(name: str, most: int) -> None:
    """A hit is a passage holding the answer (the reference scorer's rule): an answer that other
    pages hold too counts their passages hits (absent_details' 7月 is on two pages, by design)."""
    pages = {p.name: "".join(unicodedata.normalize("NFKC", p.read_text(encoding="utf-8")).split())
             for p in (ROOT / "corpus").glob("*.txt")}  # fmt: skip
    questions = read_questions(DATA / name)
    assert len(questions) >= 40
    for q in questions:
        if not q.get("answerable", True):
            assert q["answers"] == [] and q["files"] == [], q["qid"]
            continue
        assert q["answers"] and len(q["files"]) == 1, q["qid"]
        for answer in q["answers"]:
            span = "".join(unicodedata.normalize("NFKC", answer).split())
            holding = [n for n, text in pages.items() if span in text]
            assert q["files"][0] in holding and len(holding) <= most, (q["qid"], answer, holding)


def _news_texts() -> dict[str, str]:
    """The distractor news articles by id, NFKC and without white space (as the scorer reads them)."""
    texts = {}
    with shared_eval("news_distractors.jsonl").open(encoding="utf-8") as f:
        for line in f:
            article = json.loads(line)
            texts[article["id"]] = "".join(unicodedata.normalize("NFKC", article["text"]).split())
    return texts


def test_the_hard_negative_news_questions_are_answered_by_their_article_alone() -> None:
    """tests/data/news_hard.jsonl: each answer is in its target article of the distractor news and
    in none of the articles on the same subject (``siblings``), the hard negatives it is asked among."""
    texts = _news_texts()
    questions = read_questions(DATA / "news_hard.jsonl")
    assert len(questions) == 60 and len({q["qid"] for q in questions}) == 60
    for q in questions:
        span = "".join(unicodedata.normalize("NFKC", q["answers"][0]).split())
        assert span in texts[q["doc_id"]], q["qid"]
        assert q["siblings"] and not any(span in texts[s] for s in q["siblings"]), q["qid"]


def test_the_news_absent_details_come_in_pairs_on_one_article() -> None:
    """tests/data/news_absent.jsonl: 40 pairs, each on one article of the distractor news; the
    answerable question's answer is in it, the other's answers are empty."""
    texts = _news_texts()
    questions = read_questions(DATA / "news_absent.jsonl")
    pairs: dict[int, list[dict[str, Any]]] = {}
    for q in questions:
        pairs.setdefault(q["pair"], []).append(q)
    assert len(pairs) == 40 and all(len(p) == 2 for p in pairs.values())
    for pair in pairs.values():
        answerable = [q for q in pair if q["answerable"]]
        assert len(answerable) == 1 and len({q["doc_id"] for q in pair}) == 1, pair
        for q in pair:
            span = "".join(unicodedata.normalize("NFKC", "".join(q["answers"])).split())
            assert (span in texts[q["doc_id"]]) if q["answerable"] else q["answers"] == [], q["qid"]


def _one_page(corpus: Path) -> Path:
    """A corpus of one page that answers 嘉善有几家全国工人先锋号 with 3家."""
    corpus.mkdir()
    (corpus / "p.txt").write_text(
        "嘉善县总工会\n\n本报讯 嘉善已有3家单位获评全国“工人先锋号”。\n", encoding="utf-8"
    )
    return corpus


def test_eval_command_prints_scores_by_type(tmp_path: Path) -> None:
    corpus = _one_page(tmp_path / "corpus")
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


def test_eval_of_a_named_index_without_a_corpus_leaves_it_as_it_stands(tmp_path: Path) -> None:
    """An index of another corpus (an archive with distractors) is evaluated, not rebuilt from corpus/."""
    corpus = _one_page(tmp_path / "other")
    index_dir = tmp_path / "idx"
    build(Settings(corpus=(corpus,), index_dir=index_dir, model="hash", cache_dir=tmp_path), HashEmbedder())
    before = sorted(p.name for p in index_dir.iterdir())
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"qid": "a", "question": "嘉善有几家全国工人先锋号", "answers": ["3家"]}), "utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "eval", str(questions), "--index-dir", str(index_dir),
         "--model", "hash"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "as it stands" in done.stderr and "Indexed" not in done.stderr
    assert sorted(p.name for p in index_dir.iterdir()) == before  # no new version
    assert "hit@1=1.000" in done.stdout
