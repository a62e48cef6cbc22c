"""The reader over an OpenAI-compatible chat endpoint, against a fake endpoint on loopback: what it
sends, how it reads the reply, that any failure leaves the verdict as it is, and that the settings
plug it into every face."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from webserver import hash_index

from assistant import Assistant
from assistant.faces._render import result_html
from assistant.verdict import ChatReader
from index import HashEmbedder, Settings
from index.errors import InvalidSetting

ANSWERED = "宁波云创青年小镇的建筑面积是多少？"  # found by the verdict alone


class Endpoint:
    """A fake chat endpoint on loopback: replies ``reply`` (or fails with ``status``, stalls
    ``delay`` s, or sends ``raw``) and records every request."""

    def __init__(self) -> None:
        self.reply = "yes"
        self.status = 200
        self.delay = 0.0
        self.raw: bytes | None = None  # a body to send instead of a chat completion
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                endpoint.requests.append((self.path, dict(self.headers), body))
                time.sleep(endpoint.delay)
                out = json.dumps({"choices": [{"message": {"role": "assistant", "content": endpoint.reply}}]})
                self.send_response(endpoint.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(endpoint.raw if endpoint.raw is not None else out.encode("utf-8"))

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    served = Endpoint()
    yield served
    served.server.shutdown()
    served.server.server_close()


def test_it_asks_the_model_with_the_question_and_the_passages(endpoint: Endpoint) -> None:
    reader = ChatReader(endpoint.url, "qwen2.5-7b-instruct", key="sk-test")
    assert reader.read("瓜沥供电所有几名党员？", ["瓜沥供电所有党员25名。", "另一篇"]).answers is True
    path, headers, body = endpoint.requests[0]
    assert path == "/v1/chat/completions" and headers["Authorization"] == "Bearer sk-test"
    assert body["model"] == "qwen2.5-7b-instruct" and body["temperature"] == 0
    asked = body["messages"][-1]["content"]
    assert (
        "瓜沥供电所有几名党员？" in asked and "[1] 瓜沥供电所有党员25名。" in asked and "[2] 另一篇" in asked
    )
    assert "sk-test" not in repr(reader)


@pytest.mark.parametrize(
    ("reply", "answers"),
    [("yes", True), ("Yes.", True), ("是", True), ("是的。", True),
     ("no", False), ("No, it does not.", False), ("否", False), ("不是", False), ("没有提到", False),
     ("nothing", None), ("I cannot tell", None), ("", None)],
)  # fmt: skip
def test_the_reply_is_read_as_yes_no_or_neither(endpoint: Endpoint, reply: str, answers: bool | None) -> None:
    endpoint.reply = reply
    assert ChatReader(endpoint.url, "m").read("问题", ["段落"]).answers is answers


def test_a_failing_endpoint_gives_no_opinion(endpoint: Endpoint) -> None:
    endpoint.status = 500
    assert ChatReader(endpoint.url, "m").read("问题", ["段落"]).answers is None
    endpoint.status, endpoint.delay = 200, 1.0
    slow = ChatReader(endpoint.url, "m", timeout=0.2).read("问题", ["段落"])
    assert slow.answers is None and "unavailable" in slow.why
    endpoint.delay, endpoint.raw = 0.0, b'{"error": "no such model"}'  # no chat completion
    assert ChatReader(endpoint.url, "m").read("问题", ["段落"]).answers is None
    endpoint.raw = b"<html>502 Bad Gateway</html>"  # no JSON
    assert ChatReader(endpoint.url, "m").read("问题", ["段落"]).answers is None
    nobody = ChatReader("http://127.0.0.1:9/v1", "m", timeout=1.0).read("问题", ["段落"])  # nothing listens
    assert nobody.answers is None


def test_the_settings_plug_it_into_the_assistant(tmp_path: Path, endpoint: Endpoint) -> None:
    index_dir = hash_index(tmp_path / "ix")
    endpoint.reply = "no"
    settings = Settings(reader_url=endpoint.url, reader_model="m")
    with Assistant.open(index_dir, HashEmbedder(), settings=settings) as assistant:
        result = assistant.search(ANSWERED, k=3)
        assert not result.found and result.reason == "reader"
        assert "阅读模型认为这些段落没有给出所问的内容" in result_html(result)
        assert len(endpoint.requests) == 1
    endpoint.status = 500  # the endpoint fails: the verdict stands
    with Assistant.open(index_dir, HashEmbedder(), settings=settings) as assistant:
        assert assistant.search(ANSWERED, k=3).found


def test_a_bad_reader_setting_is_one_line_that_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWS_ASSISTANT_READER_URL", "localhost:8080")
    with pytest.raises(InvalidSetting, match="READER_URL must be an endpoint's base"):
        Settings()
    monkeypatch.setenv("NEWS_ASSISTANT_READER_URL", "http://127.0.0.1:8080/v1")
    with pytest.raises(InvalidSetting, match="needs NEWS_ASSISTANT_READER_MODEL"):
        Settings()
    monkeypatch.setenv("NEWS_ASSISTANT_READER_MODEL", "m")
    monkeypatch.setenv("NEWS_ASSISTANT_READER_KEY", "sk-secret")
    settings = Settings()
    assert settings.reader_key == "sk-secret" and "sk-secret" not in repr(settings)
