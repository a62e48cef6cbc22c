#!/usr/bin/env bash
# Install everything the assistant needs into .venv; with --dev, also what the tests need.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    echo "error: Python 3.11 is needed (the CPU torch wheel is built for it); set PYTHON=/path/to/python3.11" >&2
    exit 2
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
pip() { .venv/bin/python -m pip --disable-pip-version-check -q "$@"; }
# Nothing to do when this checkout is installed and every requirement in pyproject.toml (with the
# dev extra for --dev) is met: pip would spend ~15 s finding that out.
satisfied() {
    # -I: the check must not see this folder through the current directory, only as installed.
    .venv/bin/python -I - "$PWD" "$@" <<'PY' 2>/dev/null
import sys, tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from packaging.requirements import Requirement

here = Path(sys.argv[1]).resolve()
project = tomllib.loads((here / "pyproject.toml").read_text(encoding="utf-8"))["project"]
wanted = list(project["dependencies"])
if "--dev" in sys.argv[2:]:
    wanted += project["optional-dependencies"]["dev"]
try:
    import assistant, index  # installed editable from this folder?
    if {Path(m.__file__).resolve().parent.parent for m in (assistant, index)} != {here}:
        sys.exit(1)
    for line in wanted:
        req = Requirement(line)
        if not req.specifier.contains(version(req.name), prereleases=True):
            sys.exit(1)
except (ImportError, PackageNotFoundError):
    sys.exit(1)
PY
}
# The CPU build of torch first, pinned: any other version pulls gigabytes of CUDA packages.
.venv/bin/python -c 'import torch' 2>/dev/null || pip install torch==2.13.0
if [ "${1:-}" = "--dev" ]; then
    satisfied --dev || pip install -e ".[dev]"
    # The browser test drives Debian's Chromium (Playwright's own browser download is not reachable);
    # the PDF tests print their newspaper pages with it, in the Noto CJK fonts.
    if ! command -v chromium >/dev/null; then
        SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
    fi
else
    satisfied || pip install -e .
fi
