"""Fixtures shared by the modules that change a copy of the seed corpus and its index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from workspace import copy_seed


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed corpus, copied, and its index: built once, copied by each test that changes it."""
    return copy_seed(tmp_path_factory.mktemp("seed"))


@pytest.fixture
def work(built: Path, tmp_path: Path) -> Path:
    shutil.copytree(built / "corpus", tmp_path / "corpus")
    shutil.copytree(built / "ix", tmp_path / "ix")
    return tmp_path
