#!/usr/bin/env bash
# Refresh requirements.lock, the exact version of every package scripts/setup.sh installs.
#
#     bash scripts/lock.sh
#
# Resolves pyproject.toml with every extra (dev, bench) by pip's own resolver in a throwaway venv,
# so the lock is one consistent set that each extra's install takes its part of; checks it with
# `pip check`, then writes what was installed (pip and setuptools included). Run it after changing a
# dependency in pyproject.toml, commit the lock with the change; the next setup.sh installs it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_pip.sh

PY=${PYTHON:-python3}
require_python311 "$PY"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" -m venv "$tmp/venv"
VENV=$tmp/venv
# The newest pip and setuptools: both are locked too (setup.sh builds this project with the locked
# setuptools, without an isolated build environment).
pip install --upgrade pip setuptools
pip install --no-build-isolation ".[dev,bench]"
pip check
{
    echo "# Every package scripts/setup.sh installs, at the versions it installs: the runtime, and the"
    echo "# dev and bench extras. Written by \`bash scripts/lock.sh\` from pyproject.toml; do not edit."
    echo "# Python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())'), $(uname -m) Linux."
    pip freeze --all | grep -v -i '^union-news-assistant\b' | LC_ALL=C sort -f
} >requirements.lock
echo "requirements.lock: $(grep -c '==' requirements.lock) packages"
