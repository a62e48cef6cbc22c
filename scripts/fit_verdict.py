"""Fit the "found" verdict's logistic coefficients (assistant/verdict COEFFICIENTS, FOUND_AT).

    flock /tmp/heavy.lock .venv/bin/python scripts/fit_verdict.py --base-index DIR   # search, then fit
    .venv/bin/python scripts/fit_verdict.py --replay      # weigh the recorded rankings again, then fit
    .venv/bin/python scripts/fit_verdict.py --refit [--features NAME,...]   # fit on the saved features
    .venv/bin/python scripts/fit_verdict.py --refit --every-rule   # the budget counts every rule's refusals
    .venv/bin/python scripts/fit_verdict.py --base-index DIR --languages en --archive-index ARCHIVE \
        --covering-index COVERING
        # with the large archive's questions asked of ARCHIVE as negatives and of COVERING
        # (cmrc_xquad with the same distractors) as answerable: English, the even XQuAD articles'
        # questions; Chinese (--languages zh), cmrc_xquad's first ARCHIVE_LINES_ZH lines

The fit set is made the way ../shared/eval/notfound/ was, from other paragraphs. notfound takes one
paragraph out of each XQuAD article; of the four it keeps, variant v (0-3) takes out the v-th
instead, so the corpus has notfound's shape (four paragraphs of each article, the sibling
paragraphs on the same topic still there), and every XQuAD question is an unanswerable near miss in
exactly one variant and answerable in the other three: four times the near misses of one draw,
and none of its paragraphs favoured. The questions on the paragraph notfound takes out (notfound's
own unanswerable ones) are left out everywhere; CMRC's questions (answerable, single-paragraph
articles) are asked once, in variant 0. Chinese questions come from cmrc_xquad, English ones from
xquad_en. The report sets (notfound, seed_dev) are never read here, except notfound's article list
to know which paragraph it took out.

Each variant is indexed in a copy of an existing cmrc_xquad index (--base-index, e.g.
.index-eval/<key>), so every passage's vector comes from its embedding cache; question vectors, and
the vectors of the best passages' sentences (``Ranked.sentences``), are cached in WORK (default
/tmp/verdict-fit). A search records what the ranking handed the verdict
(assistant.verdict.Ranked) per question, so a change to the features is weighed again from the
record (--replay: no model, no search). The fit is checked by 4-fold cross-validation over
articles (a question is scored by a model fit without its article), then made on everything;
it prints the coefficients and threshold to paste and how the fit set is separated.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import time
import zlib
from collections import defaultdict
from contextlib import ExitStack, closing
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.verdict import FEATURES, Ranked, judge, read_question, weigh  # noqa: E402
from index import Settings, build, load, make_embedder  # noqa: E402
from index.text import Lexicon, normalize, strip_markup  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
VARIANTS = 4
FOLDS = 4
# The features the verdict uses: all but the raw cosines (on one model's scale) and nowhere_share
# (a word cut apart by jieba in a translated question is no missing detail).
USED = [f for f in FEATURES if f not in ("cosine", "cosine_margin", "nowhere_share")]
# The most answerable questions wrongly marked not found that the threshold may cost on the fit set:
# a wrong "not found" hides an answer the archive has, so it is set under the report target (5%).
MAX_FALSE_ABSTAIN = 0.04


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def _article(doc_id: str) -> str:
    """The XQuAD article of a paragraph (xquad_a3p17 -> xquad_a3); a CMRC paragraph is its own."""
    return doc_id.split("p")[0] if doc_id.startswith("xquad_") else doc_id


def fit_set(work: Path, variant: int) -> tuple[Path, list[dict[str, Any]]]:
    """Variant ``variant``'s corpus and its questions (``answerable``, ``lang`` and ``article`` set)."""
    articles = _lines(EVAL / "cmrc_xquad" / "articles.jsonl")
    kept_by_notfound = {a["id"] for a in _lines(EVAL / "notfound" / "articles.jsonl")}
    by_article: dict[str, list[str]] = defaultdict(list)
    for a in articles:
        if a["id"].startswith("xquad_") and a["id"] in kept_by_notfound:
            by_article[_article(a["id"])].append(a["id"])
    paragraph = lambda p: int(p.rsplit("p", 1)[1])  # noqa: E731
    dropped = {sorted(ps, key=paragraph)[variant] for ps in by_article.values()}
    notfound_drops = {a["id"] for a in articles} - kept_by_notfound
    folder = work / f"v{variant}"
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "articles.jsonl"
    with corpus.open("w", encoding="utf-8") as f:
        for a in articles:
            if a["id"] not in dropped:
                f.write(json.dumps(a, ensure_ascii=False) + "\n")
    questions = []
    for path, lang in (
        (EVAL / "cmrc_xquad" / "questions.jsonl", "zh"),
        (EVAL / "xquad_en" / "questions.jsonl", "en"),
    ):
        for q in _lines(path):
            xquad = q["qid"].startswith("xquad_")
            if q["doc_id"] in notfound_drops or (not xquad and variant):
                continue
            questions.append(
                {
                    **q,
                    "lang": lang,
                    "answerable": q["doc_id"] not in dropped,
                    "article": _article(q["doc_id"]),
                }
            )
    return corpus, questions


class CachedEmbedder:
    """The real embedder, with question vectors (and the vectors of each batch of sentences the
    verdict embeds) kept in files between runs; the model itself is loaded only when a text is
    not in them (``inner`` makes it). A batch is kept whole, as the assistant embeds it: the int8
    model's activations are scaled per batch."""

    def __init__(self, inner: Any, path: Path, identity: dict[str, str], dim: int) -> None:
        self._make = inner
        self._inner: Any = None
        self._path = path
        self._batches_path = path.with_name("sentences.npz")
        self.identity = identity
        self.dim = dim
        self._cache: dict[str, np.ndarray] = {}
        self._batches: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as z:
                self._cache = dict(zip(json.loads(str(z["keys"])), z["vectors"], strict=True))
        if self._batches_path.exists():
            with np.load(self._batches_path) as z:
                ends = np.cumsum(z["counts"])
                vectors = np.split(z["vectors"], ends[:-1])
                self._batches = dict(zip(json.loads(str(z["keys"])), vectors, strict=True))

    def _model(self) -> Any:
        if self._inner is None:
            self._inner = self._make()
        return self._inner

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self._cache:
            self._cache[text] = np.asarray(self._model().embed_query(text), dtype=np.float32)
        return self._cache[text]

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        key = "\x1f".join(texts)
        if key not in self._batches:
            vectors = self._model().embed_documents(texts)
            self._batches[key] = np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)
        return self._batches[key]

    def save(self) -> None:
        keys = list(self._cache)
        np.savez(self._path, keys=json.dumps(keys), vectors=np.stack([self._cache[k] for k in keys]))
        batches = list(self._batches)
        np.savez(
            self._batches_path,
            keys=json.dumps(batches),
            counts=np.array([len(self._batches[k]) for k in batches]),
            vectors=np.concatenate([self._batches[k] for k in batches])
            if batches
            else np.zeros((0, self.dim), np.float32),
        )


def _record(assistant: Assistant, embedder: Any, q: dict[str, Any]) -> dict[str, Any]:
    """What the verdict weighed for one question, as a trace line."""
    result, ranked = assistant._answer(q["question"], 10, "hybrid")
    # For study, not for the verdict: where the gold paragraph ranks, and the dense
    # leg's top passages by article.
    vector = embedder.embed_query(normalize(strip_markup(q["question"])) or q["question"])
    top = assistant.index.dense_top(vector, 20)
    dense = [
        (chunk.source.split("#")[-1], round(s, 5))
        for (chunk, _), (_, s) in zip(assistant.index.passages([r for r, _ in top]), top, strict=True)
    ]
    return {
        "qid": q["qid"],
        "lang": q["lang"],
        "answerable": int(q["answerable"]),
        "article": q["article"],
        "doc_id": q["doc_id"],
        "question": q["question"],
        "ranked": asdict(ranked),
        "hits": [h.source.split("#")[-1] for h in result.hits],
        "dense": dense,
    }


# The Chinese questions asked of the large archives: cmrc_xquad's first 1,800 lines, the samples
# read at earlier stops (docs/benchmarks.md); lines 1,801 on are left to report on.
ARCHIVE_LINES_ZH = 1800


def archive_set(answerable: bool, lang: str) -> list[dict[str, Any]]:
    """The questions asked of a large archive: one that does not cover them (``--archive-index``),
    the negatives a large archive produces, which the near misses lack (a passage on another
    subject that shares a few words); or one that does, among the same news
    (``--covering-index``), the answerable questions of a large archive, whose best passage has
    thousands of others about as close (a standing the near misses' small archive never shows).
    English: the questions of even-numbered XQuAD articles (the odd ones are left to report on,
    scripts/bench_hubness.py --half odd); Chinese: cmrc_xquad's first ARCHIVE_LINES_ZH lines."""
    if lang == "zh":
        chosen = _lines(EVAL / "cmrc_xquad" / "questions.jsonl")[:ARCHIVE_LINES_ZH]
    else:
        chosen = [
            q
            for q in _lines(EVAL / "xquad_en" / "questions.jsonl")
            if int(_article(q["doc_id"]).removeprefix("xquad_a")) % 2 == 0
        ]
    return [{**q, "lang": lang, "answerable": answerable, "article": _article(q["doc_id"])} for q in chosen]


def _ranked(record: dict[str, Any]) -> Ranked:
    """A recorded ranking again: its lists as tuples (``before`` is a string)."""
    fields: dict[str, Any] = {k: v if isinstance(v, str) else tuple(v) for k, v in record.items()}
    return Ranked(**fields)


def search(args: argparse.Namespace) -> None:
    """Answer every question of every variant; record what each verdict weighed."""
    embedder: CachedEmbedder | None = None
    languages = set(args.languages.split(","))
    for variant in range(VARIANTS):
        corpus, questions = fit_set(args.work, variant)
        questions = [q for q in questions if q["lang"] in languages]
        index_dir = args.work / f"v{variant}" / "index"
        if not index_dir.exists():
            if args.base_index is None:
                raise SystemExit(f"{index_dir} does not exist: give --base-index")
            shutil.copytree(args.base_index, index_dir, symlinks=True)
        settings = Settings().with_(corpus=(corpus,), index_dir=index_dir)
        if not args.reuse_index:
            report = build(settings, make_embedder(settings.model, settings.cache_dir))
            print(report.summary(), file=sys.stderr)
        if embedder is None:
            with closing(load(index_dir, lexical=False)) as built:
                identity, dim = built.manifest.model, built.manifest.dim
            embedder = CachedEmbedder(
                lambda s=settings: make_embedder(s.model, s.cache_dir),
                args.work / "questions.npz",
                identity,
                dim,
            )
        started = time.perf_counter()
        trace = args.work / f"v{variant}" / "traces.jsonl"
        with (
            Assistant.open(index_dir, embedder=embedder) as assistant,  # type: ignore[arg-type]
            trace.open("w", encoding="utf-8") as out,
        ):
            for q in questions:
                out.write(json.dumps(_record(assistant, embedder, q), ensure_ascii=False) + "\n")
        embedder.save()
        per = (time.perf_counter() - started) * 1000 / len(questions)
        print(f"variant {variant}: {len(questions)} questions, {per:.0f} ms each", file=sys.stderr)
    archives = (("archive", args.archive_index, False), ("covering", args.covering_index, True))
    for (name, index_dir, answerable), lang in itertools.product(archives, sorted(languages)):
        if index_dir is None:
            continue
        assert embedder is not None
        folder = args.work / f"{name}-{lang}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index").write_text(str(index_dir.resolve()), encoding="utf-8")
        with (
            Assistant.open(index_dir, embedder=embedder) as assistant,  # type: ignore[arg-type]
            (folder / "traces.jsonl").open("w", encoding="utf-8") as out,
        ):
            for q in archive_set(answerable, lang):
                out.write(json.dumps(_record(assistant, embedder, q), ensure_ascii=False) + "\n")
        embedder.save()


def replay(work: Path) -> None:
    """Weigh every recorded ranking with the verdict's code as it is now; save the features."""
    dump = work / "features.jsonl"
    # The variants, then the large archives' questions (each index's path is recorded beside them).
    folders = [(v, work / f"v{v}", work / f"v{v}" / "index") for v in range(VARIANTS)]
    for variant, name in ((-1, "archive"), (-2, "covering")):
        for folder in sorted(work.glob(f"{name}-*")):
            if (folder / "traces.jsonl").exists():
                folders.append((variant, folder, Path((folder / "index").read_text(encoding="utf-8"))))
    with ExitStack() as stack, dump.open("w", encoding="utf-8") as out:
        for variant, folder, index_dir in folders:
            index = stack.enter_context(closing(load(index_dir)))
            lexical = index.lexical
            lexicon = lexical.lexicon if lexical is not None else Lexicon()
            with (folder / "traces.jsonl").open(encoding="utf-8") as f:
                for line in f:
                    r = json.loads(line)
                    ranked = _ranked(r["ranked"])
                    reading = read_question(normalize(strip_markup(r["question"])), lexicon, lexical)
                    ev = weigh(reading, ranked, lexicon, lexical)
                    if ev is None:
                        continue
                    row = {
                        **{k: r[k] for k in ("qid", "lang", "answerable", "article")},
                        "variant": variant,
                        "rule": bool(ev.numbers_absent or ev.names_elsewhere),
                        # Every refusal that is not the model's (a key term, the topic or the
                        # focus missing), for --every-rule.
                        "any_rule": judge(reading, ev).reason not in ("", "weak"),
                        "features": dict(zip(FEATURES, ev.features(), strict=True)),
                    }
                    out.write(json.dumps(row) + "\n")


def logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 50) -> np.ndarray:
    """Weights (intercept first) of a logistic regression, by Newton's method with a small ridge."""
    a = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(a.shape[1])
    ridge = l2 * np.eye(a.shape[1])
    ridge[0, 0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-a @ w))
        grad = a.T @ (p - y) + ridge @ w
        hess = a.T @ (a * (p * (1 - p))[:, None]) + ridge
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


# The direction in which each feature can only make an answer likelier (+1) or less likely (-1). A
# weight fit the other way is an artefact of the fit set (on XQuAD's translated English questions
# a missing rare word is more often the translation's than a missing detail), so that feature is
# left out and the rest refit: the model stays monotone in what it reads.
DIRECTION = {
    "lexical_coverage": 1, "term_coverage": 1, "missing_rarest": -1, "keys_missing": -1,
    "answer_type": 1, "cosine": 1, "cosine_margin": 1, "lexical_margin": 1, "cosine_z": 1,
    "numbers_missing": -1, "local_coverage": 1, "any_coverage": 1, "nowhere_share": -1,
    "sentence_z": 1,
}  # fmt: skip


def monotone_logistic(x: np.ndarray, y: np.ndarray, names: list[str]) -> np.ndarray:
    """``logistic`` with every feature whose weight comes out against its DIRECTION dropped (weight
    0), refit until none does."""
    kept = list(range(len(names)))
    while True:
        w = logistic(x[:, kept], y)
        wrong = [i for i, v in zip(kept, w[1:], strict=True) if v * DIRECTION[names[i]] < 0]
        if not wrong:
            full = np.zeros(len(names) + 1)
            full[0] = w[0]
            full[[i + 1 for i in kept]] = w[1:]
            return full
        kept = [i for i in kept if i not in wrong]


def _threshold(p: np.ndarray, y: np.ndarray, groups: list[np.ndarray]) -> float:
    """The highest confidence below which at most MAX_FALSE_ABSTAIN of each group's answerable
    questions fall (counting those the rule turns away: p = -1)."""
    candidates = np.unique(p[(y == 1) & (p >= 0)])
    return max(
        (
            float(c)
            for c in candidates
            if max(float(np.mean(p[g & (y == 1)] < c)) for g in groups) <= MAX_FALSE_ABSTAIN
        ),
        default=0.0,
    )


def fit(work: Path, names: list[str], every_rule: bool = False) -> None:
    """Fit each language's model on the questions the key-term rule leaves (no number of theirs,
    nor a place the archive has elsewhere, is absent from the best passage; ``every_rule``: that
    no rule of the verdict refuses). Its threshold keeps the answerable questions wrongly not
    found (by the rule or the model) under MAX_FALSE_ABSTAIN both over all of them and over
    XQuAD's alone (the near misses' own kind of question)."""
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with (work / "features.jsonl").open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            rows[r["lang"]].append(r)
    print(f"features: {', '.join(names)}")
    for lang, data in sorted(rows.items(), reverse=True):
        x = np.array([[r["features"][n] for n in names] for r in data], dtype=float)
        y = np.array([r["answerable"] for r in data], dtype=float)
        xquad = np.array([r["qid"].startswith("xquad_") for r in data], dtype=bool)
        terms_rule = np.array([r["rule"] for r in data], dtype=bool)
        rule = np.array([r["any_rule"] for r in data], dtype=bool) if every_rule else terms_rule
        articles = sorted({r["article"] for r in data if r["qid"].startswith("xquad_")})
        fold_of = {a: i % FOLDS for i, a in enumerate(articles)}
        fold = np.array([fold_of.get(r["article"], zlib.crc32(r["article"].encode()) % FOLDS) for r in data])
        groups = [np.ones_like(xquad), xquad]

        # Cross-validated: each fold scored by a model and threshold fit on the other folds.
        caught = wrong = wrong_x = 0
        unseen = np.zeros(len(y))  # each question's confidence from the model fit without its fold
        for k in range(FOLDS):
            train, test = (fold != k) & ~rule, fold == k
            w = monotone_logistic(x[train], y[train], names)
            p = 1.0 / (1.0 + np.exp(-(w[0] + x @ w[1:])))
            p[rule] = -1.0
            unseen[test] = p[test]
            at = _threshold(p[fold != k], y[fold != k], [g[fold != k] for g in groups])
            caught += int(np.sum((p < at) & test & (y == 0)))
            wrong += int(np.sum((p < at) & test & (y == 1)))
            wrong_x += int(np.sum((p < at) & test & (y == 1) & xquad))
        n0, n1, n1x = int(np.sum(y == 0)), int(np.sum(y == 1)), int(np.sum((y == 1) & xquad))
        print(
            f"{lang} cross-validated: caught {caught}/{n0} ({caught / n0:.3f}), answerable wrongly "
            f"{wrong}/{n1} ({wrong / n1:.3f}; XQuAD's {wrong_x}/{n1x}, {wrong_x / n1x:.3f})"
        )

        w = monotone_logistic(x[~rule], y[~rule], names)
        p = 1.0 / (1.0 + np.exp(-(w[0] + x @ w[1:])))
        p[rule] = -1.0  # not found whatever the threshold
        # The threshold is set on the confidences of questions their model never saw: set on the
        # final model's own, it turns away more answerable questions than MAX_FALSE_ABSTAIN once
        # the questions are new (English: 4.7% of them cross-validated, for 4.0% in the fit).
        at = _threshold(unseen, y, groups)
        own = _threshold(p, y, groups)
        print(
            f"{lang}: threshold on unseen confidences {at:.3f} (on the fit's own {own:.3f}): "
            f"unseen caught {float(np.mean(unseen[y == 0] < at)):.3f}, "
            f"answerable wrongly {float(np.mean(unseen[y == 1] < at)):.3f}"
        )
        rule_confidence = float(np.mean(y[terms_rule])) if terms_rule.any() else 0.0
        coefficients = ", ".join(f'"{n}": {v:.3f}' for n, v in zip(["intercept", *names], w, strict=True))
        print(
            f"{lang}: n={len(y)} ({n0} unanswerable); rule fires on {int(rule.sum())} "
            f"({rule_confidence:.3f} of them answerable); threshold {at:.3f}: caught "
            f"{float(np.mean(p[y == 0] < at)):.3f}, answerable wrongly {float(np.mean(p[y == 1] < at)):.3f} "
            f"(XQuAD's {float(np.mean(p[(y == 1) & xquad] < at)):.3f})\n"
            f'    "{lang}": {{{coefficients}}},\n'
            f'    FOUND_AT "{lang}": {at:.3f}, RULE_CONFIDENCE "{lang}": {rule_confidence:.3f}'
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--base-index", type=Path, help="an index of cmrc_xquad to copy (its vectors are reused)"
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/verdict-fit"))
    parser.add_argument(
        "--archive-index",
        type=Path,
        help="an index of an archive that covers none of cmrc_xquad (the seed pages and the news "
        "distractors): the questions of archive_set are added as negatives",
    )
    parser.add_argument(
        "--covering-index",
        type=Path,
        help="an index of cmrc_xquad with the same distractors: the questions of archive_set are "
        "added as answerable ones",
    )
    parser.add_argument("--languages", default="zh,en", help="the questions to search: zh, en or both")
    parser.add_argument("--replay", action="store_true", help="weigh the recorded rankings again (no search)")
    parser.add_argument(
        "--refit", action="store_true", help="fit on the features saved last (no search, no replay)"
    )
    parser.add_argument(
        "--features",
        default=",".join(USED),
        help=f"the features to fit on, by name, of: {', '.join(FEATURES)}",
    )
    parser.add_argument(
        "--every-rule",
        action="store_true",
        help="count every rule's refusals (the topic's and the focus's too, not only the key "
        "terms') in the threshold's budget, and fit on the questions none of them refuses",
    )
    parser.add_argument(
        "--reuse-index",
        action="store_true",
        help="search the variant indexes the last run built as they are (then, with every question "
        "vector cached, the model is never loaded)",
    )
    args = parser.parse_args()
    if not (args.replay or args.refit):
        search(args)
    if not args.refit:
        replay(args.work)
    fit(args.work, args.features.split(","), args.every_rule)
    return 0


if __name__ == "__main__":
    sys.exit(main())
