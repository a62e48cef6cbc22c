"""Every script under scripts/ still imports: a script that stands on a module or name the packages
have moved or dropped fails here, not on the day someone runs the benchmark. Importing runs no
script's main (its ``__name__`` is not ``"__main__"``) and loads no model."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from workspace import REPO

SCRIPTS = sorted((REPO / "scripts").glob("*.py"))


def test_there_are_scripts() -> None:
    assert SCRIPTS


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_script_imports(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"script_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    # Registered while it runs (dataclasses look their module up by name), then taken away, as is
    # whatever the script puts on sys.path.
    monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(sys, "path", list(sys.path))
    spec.loader.exec_module(module)
    assert module.__doc__, f"{path.name} has no docstring to say how it is run"
