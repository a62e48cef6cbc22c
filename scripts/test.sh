#!/usr/bin/env bash
# Install everything (with the test tools), then lint, type-check and run every test, real model included,
# on two workers; the tests marked `model` all run on one of them, which loads the model once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# glibc hands every large freed block back to the kernel and faults it in again on the next one: the
# model's one-time conversion and export (protobuf copies of a 470 MB graph) spent more time in page
# faults than in Python (4.5 M faults, 22 s of system time; 0.7 M and 10 s with these). A test run is
# short-lived, so keeping freed memory for reuse costs nothing; a long-running app keeps glibc's default.
export MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296
.venv/bin/python -m pytest -n 2 --dist loadgroup "$@"
