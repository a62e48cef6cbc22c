"""The plain HTTP API beside the page: JSON in and out, errors as JSON with a status code."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from webserver import CORPUS, hash_index, serving
from workspace import HIT_KEYS, RESULT_KEYS

from assistant import Assistant, IndexCorrupt, SearchResult
from assistant.faces.web import create_app
from index import HashEmbedder

JIASHAN = "嘉善有几家单位获评全国工人先锋号？"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with Assistant.open(hash_index(tmp_path_factory.mktemp("ix")), HashEmbedder()) as a:
        yield a


@pytest.fixture(scope="module")
def client(assistant: Assistant) -> Iterator[TestClient]:
    with TestClient(create_app(assistant, k=4)) as c:
        yield c


def test_search(client: TestClient, assistant: Assistant) -> None:
    r = client.get("/api/search", params={"q": JIASHAN, "k": 3})
    assert r.status_code == 200
    body = r.json()
    assert list(body) == RESULT_KEYS
    assert [list(h) for h in body["hits"]] == [HIT_KEYS] * 3
    assert body["hits"][0]["source"] == "002_b66ab0af8ed20314.txt"
    assert body == assistant.search(JIASHAN, 3).to_dict()  # the same as `python -m assistant ask --json`


def test_search_default_k_is_the_apps(client: TestClient) -> None:
    assert len(client.get("/api/search", params={"q": JIASHAN}).json()["hits"]) == 4


def test_search_by_source(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": JIASHAN, "k": 5, "source": "003_"}).json()["hits"]
    assert hits and {h["source"] for h in hits} == {"003_9d0583d7963fa8de.txt"}
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"q": ""}, "empty"),
        ({"q": "   "}, "empty"),
        ({}, "q"),
        ({"q": JIASHAN, "k": 0}, "k"),
        ({"q": JIASHAN, "k": 101}, "k"),
        ({"q": JIASHAN, "k": "abc"}, "k"),
        ({"q": JIASHAN, "k": "2.5"}, "k"),
    ],
)
def test_bad_search_is_a_json_400(client: TestClient, params: dict[str, Any], says: str) -> None:
    r = client.get("/api/search", params=params)
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/json"
    assert says in r.json()["error"]


def test_long_and_odd_questions_are_answered(client: TestClient) -> None:
    for q in ["工会" * 1500, "？！。", "How many sets of winter clothes?", "嘉善縣總工會"]:
        r = client.get("/api/search", params={"q": q, "k": 2})
        assert r.status_code == 200, q
        assert len(r.json()["hits"]) == 2


def test_document(client: TestClient) -> None:
    hit = client.get("/api/search", params={"q": JIASHAN, "k": 1}).json()["hits"][0]
    doc = client.get("/api/document", params={"source": hit["source"]}).json()
    assert doc["source"] == hit["source"]
    page = (CORPUS / hit["source"]).read_text(encoding="utf-8")
    assert doc["text"] == page
    assert "已有3家获评全国" in doc["text"][hit["start"] : hit["end"]]


def test_unknown_document_is_a_json_404(client: TestClient) -> None:
    r = client.get("/api/document", params={"source": "nope.txt"})
    assert r.status_code == 404
    assert "nope.txt" in r.json()["error"]


def test_source_view(client: TestClient) -> None:
    hit = client.get("/api/search", params={"q": JIASHAN, "k": 1}).json()["hits"][0]
    r = client.get("/view", params={"source": hit["source"], "start": hit["start"], "end": hit["end"]})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert '<mark id="passage">' in r.text
    assert client.get("/view", params={"source": "nope.txt"}).status_code == 404
    assert client.get("/view", params={"source": hit["source"], "start": -1}).status_code == 400


def test_openapi_schema(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    search = schema["paths"]["/api/search"]["get"]
    assert {p["name"] for p in search["parameters"]} == {"q", "k", "since", "until", "source", "order"}
    assert {"200", "400", "503"} <= set(search["responses"])
    hit = schema["components"]["schemas"]["HitOut"]["properties"]
    assert list(hit) == HIT_KEYS
    assert "/api/document" in schema["paths"]


def test_the_schema_describes_every_field_of_the_json(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name, keys in (("HitOut", HIT_KEYS), ("SearchOut", RESULT_KEYS)):
        properties = schemas[name]["properties"]
        assert list(properties) == keys and all(properties[k].get("description") for k in keys), name
    assert schemas["SearchOut"]["properties"]["hits"]["items"] == {"$ref": "#/components/schemas/HitOut"}


def test_the_page_is_served_beside_the_api(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert "text/html" in r.headers["content-type"]


class BrokenAssistant(Assistant):
    def search(self, question: str, k: int = 10, **kwargs: Any) -> SearchResult:
        raise IndexCorrupt("index at .index is damaged: vectors.faiss cannot be read; rebuild it")


def test_index_trouble_is_a_json_503(assistant: Assistant) -> None:
    broken = BrokenAssistant(assistant.index, HashEmbedder())
    with TestClient(create_app(broken)) as c:
        r = c.get("/api/search", params={"q": JIASHAN})
        assert r.status_code == 503
        assert "damaged" in r.json()["error"]
        r = c.get("/api/search", params={"q": JIASHAN})  # and it keeps answering
        assert r.status_code == 503


def test_another_method_is_a_json_error(client: TestClient) -> None:
    r = client.post("/api/search", json={"q": JIASHAN})
    assert r.status_code == 405
    assert list(r.json()) == ["error"] and "GET" in r.json()["error"]


def test_the_api_docs_need_no_network(client: TestClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200
    assert "/api/search" in r.text and "openapi.json" in r.text
    assert "cdn" not in r.text.lower() and "<script" not in r.text.lower()


def test_a_question_over_the_limit_is_a_json_400(client: TestClient) -> None:
    r = client.get("/api/search", params={"q": "a" * 20_001})
    assert r.status_code == 400 and "longer than" in r.json()["error"]


def test_a_very_long_get_is_answered_in_json_by_the_server(assistant: Assistant) -> None:
    # Through a real server, as app.py starts it: 100,000 characters (300 KB of URL).
    with serving(create_app(assistant)) as url:
        query = urllib.parse.urlencode({"q": "嘉" * 100_000})
        try:
            urllib.request.urlopen(f"{url}api/search?{query}", timeout=60)
        except urllib.error.HTTPError as e:
            assert e.code == 400
            assert "longer than" in json.loads(e.read())["error"]
        else:
            raise AssertionError("a 100,000-character question was searched")
        short = urllib.parse.urlencode({"q": ("嘉善工人先锋号" * 2000)[:10_000]})
        with urllib.request.urlopen(f"{url}api/search?{short}&k=1", timeout=60) as r:
            assert json.loads(r.read())["hits"]
