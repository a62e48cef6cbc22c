"""The worked examples in the text-handling docstrings are tests too."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "index._pages",
    "index._chunk",
    "index._read",
    "index._dates",
    "index._pdf",
    "index.text",
    "index._build",
    "index._manage",
    "assistant._assistant",
    "assistant._found",
    "assistant._eval",
    "assistant._highlight",
    "assistant._conversation",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
