"""Make a larger absent-detail set mechanically from ../shared/eval/cmrc_xquad: each question whose
focus (the attribute it asks for: 人口, 面积, 体长…; assistant.verdict.chinese_focus) its article
mentions is asked again about an attribute the article never mentions, and paired with itself.

    .venv/bin/python scripts/make_absent_set.py OUT.jsonl [--sample 20]

The stand-in comes from the set itself: the foci of questions on the articles most like this one
(the most character bigrams shared: other towns for a town, other fish for a fish) that ask about
it in the same slot (的X是多少, 的X在哪里, X有多长), so it fits (澉浦镇的人口是多少 → 澉浦镇的面积
是多少, not 体长): of those, nearest article first, the first that this article has nowhere
(neither the word nor, for a word of three or more characters, its last two). Checked by hand on
a sample of 20 (``--sample 20``), 4 read as a question someone might ask (水温 for a fish's
体长); the rest put an attribute of another kind of thing in the slot (a town's 编号) or replace
a word the parser took for the focus wrongly. So it measures whether the rule fires, not how a
person would be misled: the hand-written set
(tests/data/absent_details.jsonl) is the one reported. Each pair is two
lines in seed_dev's format: ``{"qid": "<qid>-absent", "answerable": false, …}`` and the original
question, answerable, with its answers. The output is not for the repository (../shared/eval's
questions are not copied into it): evaluate it with

    .venv/bin/python -m assistant eval OUT.jsonl --corpus ../shared/eval/cmrc_xquad/articles.jsonl

``--sample N`` prints N pairs, drawn with a fixed seed, to check by hand that the question made
reads as one someone might ask.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.verdict import chinese_focus  # noqa: E402
from index.text import Lexicon, char_bigrams, normalize  # noqa: E402

SOURCE = ROOT.parent / "shared" / "eval" / "cmrc_xquad"
_ASKING = (
    "多少",
    "几",
    "多大",
    "多长",
    "多高",
    "多远",
    "多重",
    "哪里",
    "哪儿",
    "哪一年",
    "哪年",
    "哪一天",
    "何时",
)
NEAREST = 30  # articles whose questions lend a stand-in


def _slot(question: str, focus: str) -> str | None:
    """How the question asks about its focus: whether 的 stands before it, and what follows it up
    to the question word (的·是多少, 的·在哪里, ·有多长): a stand-in must fit the same slot."""
    at = question.find(focus)
    after = question[at + len(focus) :]
    ends = [after.find(w) + len(w) for w in _ASKING if 0 <= after.find(w) <= 2]
    if at < 1 or not ends:
        return None
    return ("的" if question[at - 1] == "的" else "") + "·" + after[: min(ends)]


def _absent(word: str, article: str) -> bool:
    return word not in article and (len(word) < 3 or word[-2:] not in article)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--sample", type=int, default=0, help="print this many pairs to check by hand")
    args = parser.parse_args()
    articles = {}
    for line in (args.source / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        a = json.loads(line)
        articles[a["id"]] = normalize(a["title"] + a["text"])
    grams = {k: set(char_bigrams(t)) for k, t in articles.items()}
    lexicon = Lexicon()
    asked: list[tuple[dict[str, Any], str, str, str]] = []  # question, normalised, focus, slot
    foci: dict[tuple[str, str], set[str]] = defaultdict(set)  # (article, slot) -> foci
    for line in (args.source / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        question = normalize(q["question"])
        focus = chinese_focus(question, lexicon)
        word = _slot(question, focus.text) if focus is not None else None
        # A focus written as such in the question and said in its article: the answerable partner
        # is then known to say it, and the question made asks what its article lacks.
        if focus is None or focus.kind != "attribute" or word is None or focus.text not in question:
            continue
        if focus.text not in articles.get(q.get("doc_id", ""), "\0"):
            continue
        asked.append((q, question, focus.text, word))
        foci[(q["doc_id"], word)].add(focus.text)
    pairs = []
    for q, question, said, word in asked:
        mine = grams[q["doc_id"]]
        lenders = sorted(
            (k for k, w in foci if w == word and k != q["doc_id"]),
            key=lambda k: (-len(mine & grams[k]) / (len(mine | grams[k]) or 1), k),
        )[:NEAREST]
        article = articles[q["doc_id"]]
        stand_in = next(
            (f for k in lenders for f in sorted(foci[(k, word)]) if f != said and _absent(f, article)), None
        )
        if stand_in is None:
            continue
        common = {"doc_id": q["doc_id"], "focus": said}
        pairs.append(
            (
                {"qid": f"{q['qid']}-absent", "question": question.replace(said, stand_in, 1), "answers": [],
                 "answerable": False, "type": "absent_detail", "stand_in": stand_in, **common},
                {**q, "type": "answerable_partner", **common},
            )
        )  # fmt: skip
    with open(args.out, "w", encoding="utf-8") as f:
        for pair in pairs:
            for line in pair:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"{len(pairs)} pairs of {len(asked)} questions with a focus their article says", file=sys.stderr)
    for absent, original in random.Random(18).sample(pairs, min(args.sample, len(pairs))):
        print(f"{original['question']}  →  {absent['question']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
