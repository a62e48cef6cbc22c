"""Filters by issue date and source applied inside the search, at the index level: many passages, a
few allowed, with each kind of vector store; and the order by date."""

from __future__ import annotations

import json
from contextlib import closing
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from material import RARE_DAY, dated_brief

from index import HashEmbedder, InvalidFilter, LoadedIndex, Settings, build, load
from index.store import Filter, _vectors

EMBEDDER = HashEmbedder()
ARTICLES = 1200


def article(i: int) -> dict[str, object]:
    """Article i: dated, but for every 50th and three on RARE_DAY (tests/material.py)."""
    return dated_brief(i, rare=(100, 500, 900))


@pytest.fixture(scope="module", params=["flat", "ivf"])
def ix(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> LoadedIndex:
    where = tmp_path_factory.mktemp(request.param)
    (where / "corpus").mkdir()
    lines = "".join(json.dumps(article(i), ensure_ascii=False) + "\n" for i in range(ARTICLES))
    (where / "corpus" / "news.jsonl").write_text(lines, encoding="utf-8")
    other = {"id": "x", "title": "外地消息", "text": "外地工会举办了读书会。", "date": "2016-06-06"}
    (where / "corpus" / "other.jsonl").write_text(
        json.dumps(other, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    settings = Settings(corpus=(where / "corpus",), index_dir=where / "ix", model="hash", cache_dir=where)
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "ivf":
            patch.setattr(_vectors, "FLAT_MAX_VECTORS", 500)
            patch.setattr(_vectors, "NPROBE_MIN", 8)  # a few of the cells, as at a million vectors
        build(settings, EMBEDDER)
    index = load(where / "ix")
    assert index.manifest.vectors["kind"] == request.param
    if request.param == "ivf":  # a search scans only some of the cells
        assert index.manifest.vectors["nprobe"] < index.manifest.vectors["nlist"]  # type: ignore[operator]
    yield index
    index.close()


def rows_where(ix: LoadedIndex, keep: object) -> set[int]:
    return {r for r in range(len(ix)) if keep(ix.chunk(r).source, ix.issue(r).date)}  # type: ignore[operator]


def test_a_filter_leaving_three_passages_returns_exactly_those(ix: LoadedIndex) -> None:
    allowed = ix.allowed(Filter(since=RARE_DAY, until=RARE_DAY))
    assert allowed is not None and int(allowed.sum()) == 3
    want = rows_where(ix, lambda source, day: day == RARE_DAY)
    assert {ix.chunk(r).source for r in want} == {"news.jsonl#100", "news.jsonl#500", "news.jsonl#900"}
    # Questions near other passages entirely still get the three, best first, and nothing else.
    for question in ["第7号简讯 安全生产", "外地工会读书会", "县总工会第1111次职工座谈会"]:
        q = EMBEDDER.embed_query(question)
        found = ix.search(q, 10, allowed)
        assert {r for r, _ in found} == want
        assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
        assert np.allclose([s for _, s in found], ix.similarity(q, [r for r, _ in found]), atol=2e-3)
        assert ix.search(q, 1, allowed) == found[:1]


def test_dates_are_inclusive_and_undated_passages_are_left_out(ix: LoadedIndex) -> None:
    since, until = "2015-02-01", "2015-03-02"  # days 31 to 60; day 50 is undated
    allowed = ix.allowed(Filter(since=since, until=until))
    want = rows_where(ix, lambda source, day: day is not None and since <= day <= until)
    assert {ix.chunk(r).source for r in want} == {f"news.jsonl#{i}" for i in range(31, 61) if i != 50}
    assert allowed is not None and set(np.flatnonzero(allowed).tolist()) == want
    found = ix.search(EMBEDDER.embed_query("职工座谈会"), 100, allowed)
    assert {r for r, _ in found} == want
    only_since = ix.allowed(Filter(since="2018-04-01"))  # day 1186 on, and RARE_DAY
    assert only_since is not None
    assert set(np.flatnonzero(only_since)) == rows_where(
        ix, lambda s, day: day is not None and day >= "2018-04-01"
    )


def test_sources_match_by_prefix_with_or_without_dates(ix: LoadedIndex) -> None:
    allowed = ix.allowed(Filter(sources=["other"]))
    assert allowed is not None
    (row,) = np.flatnonzero(allowed)
    assert ix.chunk(int(row)).source == "other.jsonl#x"
    assert [r for r, _ in ix.search(EMBEDDER.embed_query("安全生产"), 5, allowed)] == [row]
    some = ix.allowed(Filter(sources=["news.jsonl#10", "other.jsonl"], until="2015-01-15"))
    assert some is not None  # #10 (day 10) and #100 to #109 but #100 (RARE_DAY); other is later
    names = {ix.chunk(int(r)).source for r in np.flatnonzero(some)}
    assert names == {"news.jsonl#10"}
    assert ix.allowed(Filter(sources=["news.jsonl#"])).sum() == ARTICLES  # type: ignore[union-attr]
    assert ix.allowed(Filter(sources=["nowhere"])).sum() == 0  # type: ignore[union-attr]
    assert ix.search(EMBEDDER.embed_query("安全生产"), 5, ix.allowed(Filter(sources="nowhere"))) == []
    assert ix.allowed(Filter()) is None and ix.allowed(None) is None


def test_the_mask_is_kept_and_cannot_be_changed(ix: LoadedIndex) -> None:
    f = Filter(since="2016-01-01", until="2016-12-31")
    first = ix.allowed(f)
    assert first is not None and ix.allowed(Filter(since="2016-01-01", until=date(2016, 12, 31))) is first
    with pytest.raises(ValueError):
        first[0] = True
    with pytest.raises(ValueError, match="boolean mask of"):
        ix.search(EMBEDDER.embed_query("工会"), 3, np.ones(3, dtype=bool))


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"since": "2019/3/5"}, "since must be a date as YYYY-MM-DD, e.g. 2019-03-05, not '2019/3/5'"),
        ({"until": "2019-02-30"}, "until must be a date as YYYY-MM-DD, e.g. 2019-03-05, not '2019-02-30'"),
        ({"since": 2019}, "since must be a date as YYYY-MM-DD, e.g. 2019-03-05, not '2019'"),
        ({"since": "2020-01-01", "until": "2019-12-31"}, "since (2020-01-01) is after until (2019-12-31)"),
        ({"sources": [3]}, "sources must be source names"),
    ],
)
def test_bad_filters_say_what_to_change(given: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidFilter) as e:
        Filter(**given)  # type: ignore[arg-type]
    assert str(e.value).startswith(message) and "\n" not in str(e.value)
    assert isinstance(e.value, ValueError)


def test_blank_values_filter_nothing() -> None:
    assert Filter(since="", until="  ", sources=["", "  "]).empty
    assert Filter(since=" 2019-03-05 ").since == "2019-03-05"


def test_an_index_without_dates_filters_by_date_to_nothing(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "page.txt").write_text("嘉善县总工会\n\n本报讯 职工书屋揭牌。\n", encoding="utf-8")
    settings = Settings(
        corpus=(tmp_path / "corpus",), index_dir=tmp_path / "ix", model="hash", cache_dir=tmp_path
    )
    build(settings, EMBEDDER)
    with closing(load(tmp_path / "ix")) as ix:
        allowed = ix.allowed(Filter(since="2000-01-01"))
        assert allowed is not None and not allowed.any()
        assert ix.search(EMBEDDER.embed_query("职工书屋"), 5, allowed) == []
        assert len(ix.search(EMBEDDER.embed_query("职工书屋"), 5, ix.allowed(Filter(sources="page")))) == len(
            ix
        )
