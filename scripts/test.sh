#!/usr/bin/env bash
# Install everything (with the test tools), then lint, type-check and run every test, real model included,
# on two workers; the tests marked `model` all run on one of them, which loads the model once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest -n 2 --dist loadgroup "$@"
