"""Fixtures shared by the modules that change a copy of the seed corpus and its index, and the seed
pages printed as PDFs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from material import seed_dates, seed_pdf
from workspace import CORPUS, copy_seed


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed corpus, copied, and its index: built once, copied by each test that changes it."""
    return copy_seed(tmp_path_factory.mktemp("seed"))


@pytest.fixture
def work(built: Path, tmp_path: Path) -> Path:
    shutil.copytree(built / "corpus", tmp_path / "corpus")
    shutil.copytree(built / "ix", tmp_path / "ix")
    return tmp_path


@pytest.fixture(scope="session")
def seed_pdfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed pages printed as four-column newspaper PDFs (tests/material.py), one page each,
    dated 2019-03-05, pages 1–5."""
    where = tmp_path_factory.mktemp("seed-pdfs")
    pages = sorted(CORPUS.glob("*.txt"))
    for (date, edition), page in zip(seed_dates(len(pages)), pages, strict=True):
        seed_pdf(page.read_text(encoding="utf-8"), where / f"{page.stem}.pdf", date, edition, seed=edition)
    return where
