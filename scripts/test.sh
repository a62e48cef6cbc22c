#!/usr/bin/env bash
# Install everything (with the test tools), then lint, type-check and run every test, real model included,
# on two workers; the tests marked `model` all run on one of them, which loads the model once.
# mypy runs beside the tests (it waits on no one, and the workers wait on subprocesses often enough),
# its report printed after theirs; the script fails if either fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
types=$(mktemp)
trap 'rm -f "$types"' EXIT
.venv/bin/mypy >"$types" 2>&1 &
mypy_pid=$!
tests=0
.venv/bin/python -m pytest -n 2 --dist loadgroup "$@" || tests=$?
mypy=0
wait "$mypy_pid" || mypy=$?
cat "$types"
[ "$mypy" -eq 0 ] || { echo "mypy found problems (above)" >&2; exit "$mypy"; }
exit "$tests"
