#!/usr/bin/env bash
# Install what the assistant needs into .venv, at the versions of requirements.lock; with --dev, also
# what the tests need; with --bench, the peers the benchmark scripts compare against.
# Safe to run again: when .venv already holds this checkout and the lock, it returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_pip.sh

extras=()
for arg in "$@"; do
    case $arg in
        --dev) extras+=(dev) ;;
        --bench) extras+=(bench) ;;
        *) echo "usage: bash scripts/setup.sh [--dev] [--bench]" >&2; exit 2 ;;
    esac
done
PY=${PYTHON:-python3}
require_python311 "$PY"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
VENV=.venv
STAMP=.venv/installed-from-lock
# What was installed, and from which pyproject.toml and lock: their hash, then one line per part.
state=$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)

# Nothing to do when the stamp names this state and every part asked for, this checkout is what is
# installed, and no installed package has moved off its locked version: pip would take ~15 s to
# find that out.
satisfied() {
    [ -f "$STAMP" ] && [ "$(head -n1 "$STAMP")" = "$state" ] || return 1
    local part
    for part in runtime "${extras[@]}"; do
        grep -qx "$part" "$STAMP" || return 1
    done
    # -I: the check must not see this folder through the current directory, only as installed.
    .venv/bin/python -I - "$PWD" <<'PY' 2>/dev/null
import re, sys
from importlib.metadata import distributions
from pathlib import Path

here = Path(sys.argv[1]).resolve()
import assistant, index  # installed editable from this folder?

if {Path(m.__file__).resolve().parent.parent for m in (assistant, index)} != {here}:
    sys.exit(1)
key = lambda name: re.sub(r"[-_.]+", "-", name).lower()
locked = dict(
    line.split("==", 1) for line in (here / "requirements.lock").read_text().splitlines() if "==" in line
)
locked = {key(name): version.strip() for name, version in locked.items()}
for dist in distributions():
    if locked.get(key(dist.metadata["Name"]), dist.version) != dist.version:
        sys.exit(1)
PY
}

if ! satisfied; then
    spec=.
    [ ${#extras[@]} -eq 0 ] || spec=".[$(IFS=,; echo "${extras[*]}")]"
    # The locked pip (older ones do not see that lxml provides justext's lxml[html_clean]) and the
    # locked setuptools, which builds this checkout in place of an isolated build environment.
    pip install -c requirements.lock pip setuptools
    # -c: of the lock, only what this install needs, at the locked versions (torch's is the CPU
    # build, found in PIP_FIND_LINKS on this team's machines).
    # PYTHONWARNINGS: setuptools' note that an editable install maps the packages from this folder
    # ("Editable installation. Please be careful with folders…"), which pip shows for a project built
    # from its own folder: there is nothing in it for whoever runs this.
    PYTHONWARNINGS="ignore:Editable installation" \
        pip install --no-build-isolation -c requirements.lock -e "$spec"
    if ! broken=$(pip check); then echo "$broken" >&2; exit 1; fi
    parts=$( { [ -f "$STAMP" ] && [ "$(head -n1 "$STAMP")" = "$state" ] && tail -n+2 "$STAMP"; \
               printf '%s\n' runtime "${extras[@]}"; } | sort -u)
    printf '%s\n%s\n' "$state" "$parts" >"$STAMP"
fi

if [[ " ${extras[*]} " == *" dev "* ]] && ! command -v chromium >/dev/null; then
    # The browser test drives Debian's Chromium (Playwright's own browser download is not reachable);
    # the PDF tests print their newspaper pages with it, in the Noto CJK fonts.
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
