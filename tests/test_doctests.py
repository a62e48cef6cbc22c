"""The worked examples in the text-handling docstrings are tests too."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "index.split._pages",
    "index.split._chunk",
    "index.read._corpus",
    "index.read._dates",
    "index.read._pdf",
    "index.text.normalize",
    "index.text.sentences",
    "index.text.lexicon",
    "index.text.question",
    "index.text.english",
    "index.files",
    "index.errors",
    "index.build._sources",
    "index.build._manage",
    "assistant.core._order",
    "assistant.core._ranking",
    "assistant.core._results",
    "assistant.verdict._reading",
    "assistant.verdict._sentences",
    "assistant.verdict._judge",
    "assistant.eval",
    "assistant.faces._highlight",
    "assistant.faces._format",
    "assistant.faces.ui",
    "assistant.faces._guard",
    "assistant.core._conversation",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
