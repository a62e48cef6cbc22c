"""The worked examples in the docstrings are tests too: every module of index/ and assistant/ is
collected, so a module that gains examples is tested without being listed here."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import assistant
import index


def modules() -> list[str]:
    """Every module of both packages, subpackages included; not ``__main__``, which runs the CLI."""
    names = []
    for package in (index, assistant):
        names.append(package.__name__)
        for found in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if found.name.rsplit(".", 1)[-1] != "__main__":
                names.append(found.name)
    return sorted(names)


@pytest.mark.parametrize("name", modules())
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0


def test_the_examples_are_found() -> None:
    """A discovery that found no modules would pass every test above (there were 128 examples in 32
    modules when this was written)."""
    finder = doctest.DocTestFinder()
    examples = sum(len(t.examples) for name in modules() for t in finder.find(importlib.import_module(name)))
    assert examples >= 100
