"""The store's behaviour, the same on both backends: the local folder and Milvus Lite (the Store
protocol's top-k operations: dense, lexical, filters, passages, documents, vocabulary), and the
two agreeing with each other passage for passage."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from material import RARE_DAY, dated_brief
from workspace import CORPUS

from index import (
    Filter,
    HashEmbedder,
    IndexIncompatible,
    LexicalQuery,
    Settings,
    Store,
    UnknownSource,
    build,
    store_for,
)
from index.text import Lexicon

EMBEDDER = HashEmbedder()
BRIEFS = 300
RARE = (100, 200, 250)
QUESTIONS = [
    "嘉善有几家单位获评全国工人先锋号？",
    "安吉评出来的工匠里，哪一位是做白茶炒制的？",
    "鹿城区外卖骑手的暖蜂驿站",
    "第120次职工座谈会在几号厅召开？",
]


def corpus(where: Path) -> Path:
    shutil.copytree(CORPUS, where / "corpus")
    lines = [json.dumps(dated_brief(i, RARE), ensure_ascii=False) for i in range(BRIEFS)]
    (where / "corpus" / "briefs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return where / "corpus"


def settings(where: Path, backend: str) -> Settings:
    milvus = str(where / "lite.db") if backend == "lite" else ""
    return Settings(
        corpus=(where / "corpus",), index_dir=where / "ix", model="hash", cache_dir=where, milvus=milvus
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("backends")
    corpus(where)
    for backend in ("local", "lite"):
        build(settings(where, backend), EMBEDDER)
    return where


@pytest.fixture(scope="module", params=["local", "lite"])
def store(request: pytest.FixtureRequest, built: Path) -> Iterator[Store]:
    opened = store_for(settings(built, request.param))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def both(built: Path) -> Iterator[tuple[Store, Store]]:
    local, lite = store_for(settings(built, "local")), store_for(settings(built, "lite"))
    yield local, lite
    local.close()
    lite.close()


def where_of(store: Store, ids: list[int]) -> list[tuple[str, int]]:
    return [(c.source, c.start) for c, _ in store.passages(ids)]


def ranking(store: Store, found: list[tuple[int, float]]) -> list[frozenset[tuple[str, int]]]:
    """The places of the passages, best first, those of equal score (a repeated paragraph) as one
    set: either backend may order such ties either way."""
    groups: list[tuple[float, set[tuple[str, int]]]] = []
    for (_, score), place in zip(found, where_of(store, [i for i, _ in found]), strict=True):
        if groups and abs(score - groups[-1][0]) <= 1e-5 * max(1.0, abs(score)):
            groups[-1][1].add(place)
        else:
            groups.append((score, {place}))
    return [frozenset(g) for _, g in groups]


def query_of(store: Store, question: str) -> LexicalQuery:
    assert store.vocabulary is not None
    return LexicalQuery.of_tokens(store.vocabulary.lexicon.tokens(question))


def test_counts_and_manifest(store: Store) -> None:
    assert len(store) == store.manifest.counts["chunks"] == store.count() > BRIEFS
    assert store.manifest.model == EMBEDDER.identity and store.manifest.dim == EMBEDDER.dim
    assert "briefs.jsonl" in store.manifest.files


def test_dense_finds_the_page_and_scores_by_the_best_vector(store: Store) -> None:
    vector = EMBEDDER.embed_query(QUESTIONS[0])
    top = store.dense_top(vector, 5)
    assert len(top) == 5 and [s for _, s in top] == sorted((s for _, s in top), reverse=True)
    assert store.passages([top[0][0]])[0][0].source == "002_b66ab0af8ed20314.txt"
    assert np.allclose(store.similarity(vector, [i for i, _ in top]), [s for _, s in top], atol=1e-5)


def test_lexical_top_and_scores_agree(store: Store) -> None:
    query = query_of(store, QUESTIONS[3])
    top = store.lexical_top(query, 5)
    assert top and all(s > 0 for _, s in top)
    assert store.passages([top[0][0]])[0][0].title == "第120号简讯"
    assert np.allclose(store.lexical_scores(query, [i for i, _ in top]), [s for _, s in top], rtol=1e-5)
    assert store.attainable(query) >= top[0][1] - 1e-4


def test_filters_return_k_even_when_selective(store: Store) -> None:
    vector = EMBEDDER.embed_query(QUESTIONS[3])
    rare = Filter(since=RARE_DAY, until=RARE_DAY)
    assert store.count(rare) == 3
    dense = store.dense_top(vector, 10, rare)
    assert len(dense) == 3 and {i.date for _, i in store.passages([i for i, _ in dense])} == {RARE_DAY}
    seed = Filter(sources=["002_", "004_"])
    assert {c.source[:4] for c, _ in store.passages([i for i, _ in store.dense_top(vector, 20, seed)])} <= {
        "002_",
        "004_",
    }
    lexical = store.lexical_top(query_of(store, QUESTIONS[3]), 10, Filter(sources="briefs.jsonl#12"))
    assert lexical and all(
        c.source.startswith("briefs.jsonl#12") for c, _ in store.passages([i for i, _ in lexical])
    )
    assert store.dense_top(vector, 5, Filter(since="2030-01-01")) == []


def test_passages_documents_and_issues(store: Store) -> None:
    ids = [i for i, _ in store.dense_top(EMBEDDER.embed_query(QUESTIONS[3]), 3, Filter(sources="briefs"))]
    for chunk, issue in store.passages(ids):
        doc = store.document(chunk.source)
        assert chunk.text.replace(" ", "") in doc.text.replace(" ", "") or chunk.text[:5] in doc.text
        assert issue.date == doc.meta.get("date")
    page = store.document("002_b66ab0af8ed20314.txt")
    assert page.is_page and "工人先锋号" in page.text
    with pytest.raises(UnknownSource):
        store.document("nope.txt")


def test_vocabulary_for_the_verdict(store: Store) -> None:
    v = store.vocabulary
    assert v is not None and len(v) == len(store)
    assert "嘉善" in v and "没有这个词" not in v
    assert v.idf("嘉善") > v.idf("职工")  # 职工 is in every brief
    assert "嘉善" in v.pinyin.get("jiashan", [])
    assert isinstance(v.lexicon, Lexicon) and "工人先锋号" in v.lexicon.words


def test_refuses_another_model(store: Store) -> None:
    with pytest.raises(IndexIncompatible, match="built with hash-bigram-256"):
        store.check_embedder(HashEmbedder(dim=128))


def test_backends_rank_alike(both: tuple[Store, Store]) -> None:
    local, lite = both
    for question in QUESTIONS:
        vector = EMBEDDER.embed_query(question)
        dense = [local.dense_top(vector, 10), lite.dense_top(vector, 10)]
        assert ranking(local, dense[0])[:-1] == ranking(lite, dense[1])[:-1]
        assert np.allclose([s for _, s in dense[0]], [s for _, s in dense[1]], atol=1e-6)
        query = query_of(local, question)
        lexical = [local.lexical_top(query, 10), lite.lexical_top(query, 10)]
        assert ranking(local, lexical[0])[:-1] == ranking(lite, lexical[1])[:-1]
        assert np.allclose([s for _, s in lexical[0]], [s for _, s in lexical[1]], rtol=1e-5)
        assert local.attainable(query) == pytest.approx(lite.attainable(query), rel=1e-5)
        for token in query.tokens:
            assert (token in local.vocabulary) == (token in lite.vocabulary)  # type: ignore[operator]


def test_english_terms_score_each_word_by_its_best_stand_in(both: tuple[Store, Store]) -> None:
    local, lite = both
    query = LexicalQuery.of_terms([["嘉善", "嘉善县"], ["工人先锋号"], ["没有这个词"]])
    top = [local.lexical_top(query, 5), lite.lexical_top(query, 5)]
    assert ranking(local, top[0])[:-1] == ranking(lite, top[1])[:-1]
    assert local.attainable(query) == pytest.approx(lite.attainable(query), rel=1e-5)


def test_hub_scores_agree_passage_for_passage(both: tuple[Store, Store]) -> None:
    local, lite = both
    assert local.manifest.hubness == lite.manifest.hubness != {}
    for question in QUESTIONS:
        vector = EMBEDDER.embed_query(question)
        hubs = []
        for st in both:
            ids = [i for i, _ in st.dense_top(vector, 10)]
            hubs.append(dict(zip(where_of(st, ids), st.hub_scores(ids).tolist(), strict=True)))
        assert hubs[0].keys() == hubs[1].keys()
        # scored (a mean over every probe: of either sign under the hash fake), and alike
        assert all(hubs[0][k] != 0 and hubs[0][k] == pytest.approx(hubs[1][k], abs=1e-6) for k in hubs[0])
    assert len(local.hub_scores([])) == len(lite.hub_scores([])) == 0


@pytest.mark.parametrize("backend", ["local", "lite"])
def test_hub_scores_of_added_passages_as_a_full_build_gives_them(tmp_path: Path, backend: str) -> None:
    corpus(tmp_path)
    (tmp_path / "corpus" / "briefs.jsonl").unlink()
    s = settings(tmp_path, backend)
    build(s, EMBEDDER)
    corpus(tmp_path / "full")
    full = settings(tmp_path / "full", backend)
    build(full, EMBEDDER)
    shutil.copy(tmp_path / "full" / "corpus" / "briefs.jsonl", tmp_path / "corpus" / "briefs.jsonl")
    build(s, EMBEDDER)
    with store_for(s) as grown, store_for(full) as whole:
        vector = EMBEDDER.embed_query(QUESTIONS[3])
        got = [dict(zip(where_of(st, ids), st.hub_scores(ids).tolist(), strict=True))
               for st in (grown, whole) for ids in [[i for i, _ in st.dense_top(vector, 20)]]]  # fmt: skip
        assert got[0].keys() == got[1].keys()
        assert all(got[0][k] == pytest.approx(got[1][k], abs=1e-6) for k in got[0])


def test_a_collection_made_before_hub_scores_answers_without_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant import Assistant
    from index.store import _milvus_schema

    fields = _milvus_schema._fields

    def without_hub(schema: object, spec: list[tuple[str, str, dict[str, object]]]) -> None:
        fields(schema, [f for f in spec if f[0] != "hub"])

    corpus(tmp_path)
    s = settings(tmp_path, "lite")
    with monkeypatch.context() as m:
        m.setattr(_milvus_schema, "_fields", without_hub)
        build(s, EMBEDDER)
    # The build after the upgrade writes into the old schema, without the field.
    (tmp_path / "corpus" / "new.txt").write_text(
        "暖蜂驿站\n\n本报讯 鹿城区总工会建成暖蜂驿站。\n", encoding="utf-8"
    )
    assert build(s, EMBEDDER).added == ["new.txt"]
    with store_for(s) as st:
        assert st.manifest.hubness == {}
        assert not st.hub_scores([i for i, _ in st.dense_top(EMBEDDER.embed_query(QUESTIONS[0]), 5)]).any()
    with Assistant.open(settings=s, embedder=EMBEDDER) as assistant:
        assert assistant.search("How many units in Jiashan were named Workers' Pioneer?", k=3).hits


@pytest.mark.parametrize("backend", ["local", "lite"])
def test_add_update_remove_by_source(tmp_path: Path, backend: str) -> None:
    corpus(tmp_path)
    s = settings(tmp_path, backend)
    build(s, EMBEDDER)
    page = (
        "温州鹿城区总工会 为外卖骑手建起“暖蜂驿站”\n\n"
        "本报讯 温州市鹿城区总工会在五马街道建成首个“暖蜂驿站”。\n"
    )
    (tmp_path / "corpus" / "new.txt").write_text(page, encoding="utf-8")
    (tmp_path / "corpus" / "000_1e559e3fc737a720.txt").unlink()
    report = build(s, EMBEDDER)
    assert report.added == ["new.txt"] and report.removed == ["000_1e559e3fc737a720.txt"]
    with store_for(s) as st:
        best = st.dense_top(EMBEDDER.embed_query(QUESTIONS[2]), 1)
        assert st.passages([best[0][0]])[0][0].source == "new.txt"
        assert st.count(Filter(sources="000_")) == 0
        assert "暖蜂驿站" in st.vocabulary
    (tmp_path / "corpus" / "new.txt").write_text(page.replace("五马街道", "南郊街道"), encoding="utf-8")
    report = build(s, EMBEDDER)
    assert report.updated == ["new.txt"]
    with store_for(s) as st:
        assert "南郊街道" in st.document("new.txt").text and st.count(Filter(sources="new.txt")) == 1
