"""A reader over an OpenAI-compatible chat endpoint (a local llama.cpp or vLLM server, Ollama,
a hosted API): the ``Reader`` of ``_reader`` that a user points at a model that reads.

It shows the model the question and the best passages and asks whether they give what the
question asks, one word for the reply. The verdict's own reading checks that the words of the
thing asked are in the passage; a model that reads can check that the passage states it (the
head where only the deputy is named, a cap where only a total is given), which no parse here
can (docs/benchmarks.md, "Names the tagger does not know…").

Only the standard library is used, and any failure (no server, a timeout, an HTTP error, a reply
that is neither yes nor no) is an ``Opinion`` with ``answers=None``: the verdict then stands as
it is, and a search never fails because its reader did.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from collections.abc import Sequence

from ._reader import Opinion

__all__ = ["ChatReader"]

log = logging.getLogger(__name__)

# Enough of a passage to hold its answer (the chunks are sections of about this size), and a bound
# on what each question costs the endpoint.
_PASSAGE_CHARS = 1500
_SYSTEM = (
    "You check whether news passages answer a question. Answer yes only if a passage states what "
    "the question asks for (the number, name, date, place or fact itself); a passage on the same "
    "subject that does not state it is no. Reply with one word: yes or no."
)
# The reply's first word (是的, 不是, No.); a Chinese character has no word boundary after it.
_YES = re.compile(r"^\W*(?:yes\b|是|对)", re.IGNORECASE)
_NO = re.compile(r"^\W*(?:no\b|否|不|没)", re.IGNORECASE)


class ChatReader:
    """Asks ``model`` at ``url`` (the endpoint's base, such as http://127.0.0.1:8080/v1) whether the
    passages answer the question; ``key`` is sent as a bearer token when given."""

    def __init__(self, url: str, model: str, key: str = "", timeout: float = 30.0) -> None:
        self.url = url.rstrip("/") + "/chat/completions"
        self.model = model
        self._key = key
        self.timeout = timeout

    def __repr__(self) -> str:  # never the key
        return f"ChatReader({self.url!r}, model={self.model!r})"

    def read(self, question: str, passages: Sequence[str]) -> Opinion:
        """The endpoint's yes or no; ``answers=None`` when it cannot be had (see the module)."""
        try:
            reply = self._ask(_prompt(question, passages))
        except (OSError, ValueError, KeyError, IndexError, TypeError) as e:
            # urllib's errors are OSErrors, a bad body a ValueError or a missing field.
            log.warning("the reader at %s gave no opinion (%s); the verdict stands", self.url, e)
            return Opinion(answers=None, why=f"reader unavailable: {e}")
        if _YES.match(reply):
            return Opinion(answers=True, why=reply[:80])
        if _NO.match(reply):
            return Opinion(answers=False, why=reply[:80])
        return Opinion(answers=None, why=f"reader replied neither yes nor no: {reply[:80]!r}")

    def _ask(self, prompt: str) -> str:
        body = {
            "model": self.model,
            "messages": [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": prompt}],
            "temperature": 0,
            "max_tokens": 5,
        }
        headers = {"Content-Type": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        request = urllib.request.Request(
            self.url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            answer = json.loads(response.read().decode("utf-8"))
        return str(answer["choices"][0]["message"]["content"]).strip()


def _prompt(question: str, passages: Sequence[str]) -> str:
    shown = "\n\n".join(f"[{i}] {p[:_PASSAGE_CHARS]}" for i, p in enumerate(passages, 1))
    ask = "Do the passages state what the question asks? yes or no"
    return f"Question: {question}\n\nPassages:\n{shown}\n\n{ask}"
