"""Dates, sources and the newest-first order through every face: the library, the command line,
the HTTP API and the page's handlers; over many passages of which only a few match (as in
test_filter.py, at the index level). Also the hits' date, edition and page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from material import RARE_DAY, dated_brief
from workspace import run_cli

from assistant import Assistant, InvalidQuery, SearchOptions
from assistant.faces.ui import answer, build_ui
from assistant.faces.web import create_app
from index import HashEmbedder, Settings, build
from index.store import _vectors

ARTICLES = 600
LISHUI = "丽水市总工会慰问了多少一线职工？"
# Five reports on one topic, a year apart, and an unrelated article newer than all of them.
READING = [
    (2016, "嘉善县总工会职工书屋新增图书1200册，开展读书分享会8场。"),
    (2017, "嘉善县总工会职工书屋举办“书香嘉善”读书月，吸引职工3000人次参加。"),
    (2018, "嘉善县总工会职工书屋走进企业车间，新建流动书架15个。"),
    (2019, "嘉善县总工会职工书屋评为省级示范点，全年借阅图书9000册次。"),
    (2020, "嘉善县总工会职工书屋开通线上借阅，注册职工超过5000人。"),
]
NEWEST = ("2022-12-31", "外地足球联赛周末开赛，两支球队各进三球战平。")
READING_QUESTION = "嘉善县总工会职工书屋"


def tag(i: int) -> str:
    """Ten ideographs of i's own, so that no two fillers are near duplicates (shown once)."""
    return "".join(chr(0x4E00 + (i * 7919 + j * 104729) % 20000) for j in range(10))


def filler(i: int) -> dict[str, object]:
    """Filler article i: dated, but for every 50th and three on RARE_DAY (tests/material.py)."""
    return dated_brief(i, rare=(100, 300, 500), suffix=f"记录：{tag(i)}。")


def write_jsonl(path: Path, articles: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")


def make_corpus(where: Path) -> Path:
    corpus = where / "corpus"
    corpus.mkdir()
    write_jsonl(corpus / "news.jsonl", [filler(i) for i in range(ARTICLES)])
    lishui = "丽水市总工会开展“送清凉”活动，慰问一线职工2000余人，送去防暑用品。"
    write_jsonl(
        corpus / "lishui.jsonl", [{"id": "x", "title": "丽水送清凉", "text": lishui, "date": "2016-06-06"}]
    )
    topic = [{"id": y, "title": f"职工书屋{y}", "text": t, "date": f"{y}-06-01"} for y, t in READING]
    topic.append({"id": "ball", "title": "足球", "text": NEWEST[1], "date": NEWEST[0]})
    write_jsonl(corpus / "reading.jsonl", topic)
    return corpus


@pytest.fixture(scope="module", params=["flat", "ivf"])
def index_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp(request.param)
    settings = Settings(corpus=(make_corpus(where),), index_dir=where / "ix", model="hash", cache_dir=where)
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "ivf":
            patch.setattr(_vectors, "FLAT_MAX_VECTORS", 500)
            patch.setattr(_vectors, "NPROBE_MIN", 8)  # a few of the cells: a filter must still find all
        build(settings, HashEmbedder())
    return where / "ix"


@pytest.fixture(scope="module")
def assistant(index_dir: Path) -> Iterator[Assistant]:
    with Assistant.open(index_dir, HashEmbedder()) as a:
        assert a.index.manifest.vectors["kind"] in ("flat", "ivf")
        yield a


RARE = {"news.jsonl#100", "news.jsonl#300", "news.jsonl#500"}


# --- the library -----------------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["第7号简讯 安全生产", LISHUI, "县总工会第599次职工座谈会"])
def test_a_filter_leaving_three_passages_finds_exactly_those(assistant: Assistant, question: str) -> None:
    result = assistant.search(question, 10, since=RARE_DAY, until=RARE_DAY)
    assert {h.source for h in result.hits} == RARE
    assert [h.rank for h in result.hits] == [1, 2, 3]
    assert all(h.date == RARE_DAY for h in result.hits)
    for mode in ("dense", "lexical"):  # each leg alone also searches among them only
        hits = assistant.search(question, 10, mode=mode, since=RARE_DAY, until=RARE_DAY).hits
        assert {h.source for h in hits} <= RARE


def test_dates_are_inclusive_and_undated_passages_are_left_out(assistant: Assistant) -> None:
    since, until = date(2015, 2, 1), "2015-03-02"  # days 31 to 60; day 50 is undated
    hits = assistant.search("职工座谈会", 100, since=since, until=until).hits
    assert {h.source for h in hits} == {f"news.jsonl#{i}" for i in range(31, 61) if i != 50}
    assert all("2015-02-01" <= str(h.date) <= until for h in hits)
    assert {h.source for h in assistant.search("职工座谈会", 100, until="2015-01-03").hits} == {
        "news.jsonl#1",
        "news.jsonl#2",
    }  # day 0 (no. 0) is undated


def test_sources_and_dates_together(assistant: Assistant) -> None:
    hits = assistant.search("职工座谈会", 20, sources=["news.jsonl#10", "lishui"], until="2015-01-15").hits
    assert [h.source for h in hits] == ["news.jsonl#10"]  # #100-#109 are later; lishui is 2016
    assert assistant.search(LISHUI, 5, sources="lishui.jsonl").hits[0].source == "lishui.jsonl#x"


def test_the_verdict_is_on_the_passages_let_through(assistant: Assistant) -> None:
    everything = assistant.search(LISHUI, 5)
    assert everything.found and everything.hits[0].source == "lishui.jsonl#x"
    # The 2016 archive answers it; the 2015 archive does not.
    assert assistant.search(LISHUI, 5, since="2016-01-01", until="2016-12-31").found
    earlier = assistant.search(LISHUI, 5, until="2015-12-31")
    assert not earlier.found and earlier.reason in ("terms", "weak")
    assert earlier.hits and all(str(h.date) <= "2015-12-31" for h in earlier.hits)
    assert all(h.answer is None for h in earlier.hits)


def test_a_filter_that_lets_nothing_through_says_so(assistant: Assistant) -> None:
    for given in ({"since": "2030-01-01"}, {"sources": ["nowhere"]}):
        result = assistant.search(LISHUI, 5, **given)  # type: ignore[arg-type]
        assert (result.hits, result.found, result.reason) == ([], False, "filtered")
        assert result.to_dict()["reason"] == "filtered"
    assert assistant.search("？？？", 5, sources=["nowhere"]).reason == "no_words"


def test_newest_first_reorders_the_relevant_passages_only(assistant: Assistant) -> None:
    relevant = assistant.search(READING_QUESTION, 8)
    newest = assistant.search(READING_QUESTION, 8, order="newest")
    assert {h.source for h in newest.hits} == {h.source for h in relevant.hits}  # the same passages
    assert [h.rank for h in newest.hits] == list(range(1, 9))
    assert (newest.found, newest.confidence) == (relevant.found, relevant.confidence)
    reports = [f"reading.jsonl#{y}" for y, _ in READING]
    assert set(reports) <= {h.source for h in relevant.hits[:5]}
    # The five reports, newest first, at the top; the newer football report does not jump above.
    assert [h.source for h in newest.hits[:5]] == reports[::-1]
    assert [h.date for h in newest.hits[:5]] == sorted((h.date for h in newest.hits[:5]), reverse=True)
    assert "reading.jsonl#ball" not in [h.source for h in newest.hits[:5]]


def test_newest_first_with_a_filter(assistant: Assistant) -> None:
    hits = assistant.search(READING_QUESTION, 3, order="newest", since="2017-01-01", until="2018-12-31").hits
    assert [h.source for h in hits][:2] == ["reading.jsonl#2018", "reading.jsonl#2017"]


def test_hits_carry_their_issue_date(assistant: Assistant) -> None:
    hit = assistant.search(LISHUI, 1).hits[0]
    assert (hit.date, hit.edition, hit.page) == ("2016-06-06", None, None)
    shown = hit.to_dict()
    assert (shown["date"], shown["edition"], shown["page"]) == ("2016-06-06", None, None)
    undated = assistant.search("县总工会第50次职工座谈会", 1, sources=["news.jsonl#50"]).hits[0]
    assert undated.source == "news.jsonl#50" and undated.date is None


def test_follow_ups_take_the_filters(assistant: Assistant) -> None:
    result = assistant.converse("还有呢？", [LISHUI], 10, since=RARE_DAY, until=RARE_DAY)
    assert result.query == f"{LISHUI} 还有呢？" and {h.source for h in result.hits} == RARE
    with pytest.raises(InvalidQuery, match="until must be a date"):
        assistant.converse("还有呢？", [LISHUI], 3, until="昨天")


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"since": "2019/3/5"}, "since must be a date as YYYY-MM-DD, e.g. 2019-03-05, not '2019/3/5'"),
        ({"until": "2019-02-30"}, "until must be a date as YYYY-MM-DD"),
        ({"since": "2020-01-01", "until": "2019-12-31"}, "since (2020-01-01) is after until (2019-12-31)"),
        ({"sources": [3]}, "sources must be source names"),
        ({"sources": 3}, "sources must be a source name or a list of them"),
        ({"order": "oldest"}, "order must be one of relevance, newest, not 'oldest'"),
    ],
)
def test_bad_filters_are_one_line(assistant: Assistant, given: dict[str, Any], says: str) -> None:
    with pytest.raises(InvalidQuery) as e:
        assistant.search(LISHUI, 3, **given)
    assert str(e.value).startswith(says) and "\n" not in str(e.value)


def test_options_are_one_value_for_the_four_filters(assistant: Assistant) -> None:
    options = SearchOptions(since=RARE_DAY, until=RARE_DAY, sources="news.jsonl", order="newest")
    by_options = assistant.search(LISHUI, 10, options=options)
    assert by_options == assistant.search(
        LISHUI, 10, since=RARE_DAY, until=RARE_DAY, sources="news.jsonl", order="newest"
    )
    assert options.sources == ("news.jsonl",) and SearchOptions(sources=[" ", ""]).sources == ()
    with pytest.raises(InvalidQuery, match="either options or since"):
        assistant.search(LISHUI, 3, options=options, order="newest")
    with pytest.raises(InvalidQuery, match="order must be one of"):
        SearchOptions(order="oldest")  # refused when made, before any search


# --- the command line ------------------------------------------------------------------------------


def test_cli_ask_with_dates(index_dir: Path) -> None:
    done = run_cli("assistant", "ask", LISHUI, "--index-dir", str(index_dir), "--json", "-k", "10",
               "--since", RARE_DAY, "--until", RARE_DAY)  # fmt: skip
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)["hits"]
    assert {h["source"] for h in hits} == RARE and {h["date"] for h in hits} == {RARE_DAY}
    assert list(hits[0])[-3:] == ["date", "edition", "page"]
    shown = run_cli(
        "assistant", "ask", LISHUI, "--index-dir", str(index_dir), "-k", "1", "--source", "lishui"
    )
    assert "lishui.jsonl#x:1 (chars 0–" in shown.stdout and " · 2016-06-06" in shown.stdout


def test_cli_sources_repeat_and_newest(index_dir: Path) -> None:
    done = run_cli("assistant", "ask", READING_QUESTION, "--index-dir", str(index_dir), "--json", "-k", "3",
               "--source", "reading.jsonl#2016", "--source", "reading.jsonl#2019", "--newest")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [h["source"] for h in json.loads(done.stdout)["hits"]] == [
        "reading.jsonl#2019",
        "reading.jsonl#2016",
    ]


def test_cli_filter_to_nothing(index_dir: Path) -> None:
    done = run_cli("assistant", "ask", LISHUI, "--index-dir", str(index_dir), "--since", "2030-01-01")
    assert done.returncode == 0
    assert done.stdout.splitlines()[1] == "No passage has the dates and sources asked for."


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ("--since", "2019-13-01"),
            "error: since must be a date as YYYY-MM-DD, e.g. 2019-03-05, not '2019-13-01'\n",
        ),
        (("--until", "March"), "error: until must be a date as YYYY-MM-DD, e.g. 2019-03-05, not 'March'\n"),
        (("--since", "2020-01-02", "--until", "2020-01-01"), "error: since (2020-01-02) is after until"),
    ],
)
def test_cli_bad_dates_are_one_line(index_dir: Path, args: tuple[str, ...], says: str) -> None:
    for command in (("ask", LISHUI), ("search", "--batch", "-")):
        done = run_cli("assistant", *command, "--index-dir", str(index_dir), *args, stdin="")
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.startswith(says) and done.stderr.count("\n") == 1


def test_cli_batch_with_filters_of_its_own(index_dir: Path) -> None:
    lines = [
        {"qid": "all-rare", "question": LISHUI},  # the command's dates
        {"qid": "own", "question": LISHUI, "since": "2016-01-01", "until": "2016-12-31"},
        {"qid": "src", "question": READING_QUESTION, "source": ["reading.jsonl#2017", "reading.jsonl#2020"],
         "since": None, "until": None, "order": "newest"},
        {"qid": "bad", "question": LISHUI, "until": "2015-02-30"},
    ]  # fmt: skip
    stdin = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    done = run_cli("assistant", "search", "--batch", "-", "--index-dir", str(index_dir), "-k", "5",
               "--since", RARE_DAY, "--until", RARE_DAY, stdin=stdin)  # fmt: skip
    assert done.returncode == 1
    out = {r["qid"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert list(out) == ["all-rare", "own", "src"]
    assert {h["source"] for h in out["all-rare"]["hits"]} == RARE
    assert out["own"]["hits"] and {h["date"][:4] for h in out["own"]["hits"]} == {"2016"}
    assert out["own"]["found"]
    # "since": null keeps the command's date; "source" and "order" are the line's own.
    assert out["src"]["hits"] == []
    assert done.stderr == "<stdin>:4: until must be a date as YYYY-MM-DD, e.g. 2019-03-05, not '2015-02-30'\n"


# --- the HTTP API and the page ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(assistant: Assistant) -> Iterator[TestClient]:
    with TestClient(create_app(assistant)) as c:
        yield c


def test_api_search_with_dates_and_sources(client: TestClient) -> None:
    body = client.get(
        "/api/search", params={"q": LISHUI, "k": 10, "since": RARE_DAY, "until": RARE_DAY}
    ).json()
    assert {h["source"] for h in body["hits"]} == RARE and {h["date"] for h in body["hits"]} == {RARE_DAY}
    params = [("q", READING_QUESTION), ("k", "5"), ("source", "reading.jsonl#2016"),
              ("source", "reading.jsonl#2018"), ("order", "newest")]  # fmt: skip
    body = client.get("/api/search", params=params).json()
    assert [h["source"] for h in body["hits"]] == ["reading.jsonl#2018", "reading.jsonl#2016"]
    empty = client.get("/api/search", params={"q": LISHUI, "since": "2030-01-01"}).json()
    assert (empty["hits"], empty["reason"]) == ([], "filtered")


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"since": "2019-3-5"}, "since must be a date as YYYY-MM-DD"),
        ({"until": "tomorrow"}, "until must be a date as YYYY-MM-DD"),
        ({"since": "2020-01-02", "until": "2020-01-01"}, "is after until"),
        ({"order": "oldest"}, "order"),
    ],
)
def test_api_bad_filters_are_json_400(client: TestClient, params: dict[str, str], says: str) -> None:
    r = client.get("/api/search", params={"q": LISHUI, **params})
    assert r.status_code == 400 and list(r.json()) == ["error"]
    assert says in r.json()["error"]


def test_the_page_handlers_take_the_filters(assistant: Assistant) -> None:
    ui = build_ui(assistant)
    fns = {f.fn.__name__: f.fn for f in ui.fns.values() if f.fn is not None}
    shown, raw = fns["search_panel"](LISHUI, 10, RARE_DAY, RARE_DAY, "", "relevance")
    assert {h["source"] for h in raw["hits"]} == RARE and f"{RARE_DAY}" in shown
    _, raw = fns["search_panel"](READING_QUESTION, 5, "", "", "reading.jsonl#201", "newest")
    assert [h["source"] for h in raw["hits"]] == [f"reading.jsonl#{y}" for y in (2019, 2018, 2017, 2016)]
    _, chat, asked = fns["respond"](LISHUI, [], [], RARE_DAY, RARE_DAY, None, "relevance")
    reply = chat[-1]["content"]
    assert asked == [LISHUI] and all(f"news.jsonl#{i}" in reply for i in (100, 300, 500))
    assert "lishui.jsonl" not in reply
    assert f"筛选 · Filters: {RARE_DAY} – {RARE_DAY}</p>" in reply  # the chat says what it applied
    _, chat, _ = fns["respond"](LISHUI, [], [], "", "", "", "relevance")
    assert "筛选" not in chat[-1]["content"]
    _, chat, _ = fns["respond"](LISHUI, [], [], "2019-02-30", "", None, "relevance")
    assert "na-error" in chat[-1]["content"] and "since must be a date" in chat[-1]["content"]
    said = answer(assistant, LISHUI, [], 3, SearchOptions(since="2030-01-01"))
    assert "所选的日期和来源里没有段落" in said


def test_the_page_apis_take_the_filters(assistant: Assistant) -> None:
    ui = build_ui(assistant)
    fns = {f.fn.__name__: f.fn for f in ui.fns.values() if f.fn is not None}
    out = fns["search_api"](LISHUI, 10, "", RARE_DAY, RARE_DAY)
    assert {h["source"] for h in out["hits"]} == RARE
    out = fns["chat_api"]("还有呢？", [LISHUI], 10, "news.jsonl", RARE_DAY, RARE_DAY, "newest")
    assert {h["source"] for h in out["hits"]} == RARE
    with pytest.raises(Exception, match="since must be a date"):
        fns["search_api"](LISHUI, 3, "", "2019")
