#!/usr/bin/env bash
# Install what is missing, build the index on first run, and start the assistant at http://127.0.0.1:7860
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python app.py "$@"
