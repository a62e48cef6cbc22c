#!/usr/bin/env bash
# Run a command beside a real Milvus server (the PyPI `milvus==2.3.5` standalone, `milvus-server`)
# that only loopback can reach:
#
#   bash scripts/milvus_server.sh -- .venv/bin/python -m pytest -q tests/test_milvus_server.py
#   bash scripts/milvus_server.sh -- .venv/bin/python scripts/bench_milvus.py --server
#
# The server and the command share a network namespace of their own (`unshare -n`) in which only
# `lo` is up, and every component's ip is 127.0.0.1: no packet can leave the machine. The command
# finds the server in MILVUS_TEST_URI (http://127.0.0.1:19530); the server stops when it ends, and
# the script exits with the command's status. Needs root (unshare) and ~1.5 GB of memory.
#
# The server is installed once into its own virtual environment (MILVUS_SERVER_VENV, default
# ~/.cache/union-news-assistant/milvus-server), apart from the project's: it is a test tool.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" != "--inside" ]]; then
    [[ "${1:-}" == "--" ]] && shift
    if [[ $# -eq 0 ]]; then
        echo "usage: bash scripts/milvus_server.sh -- COMMAND [ARG ...]" >&2
        exit 2
    fi
    venv="${MILVUS_SERVER_VENV:-${NEWS_ASSISTANT_CACHE_DIR:-$HOME/.cache/union-news-assistant}/milvus-server}"
    if [[ ! -x "$venv/bin/milvus-server" ]]; then
        python3.11 -m venv "$venv" 2>/dev/null || python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet "milvus==2.3.5"
    fi
    exec unshare -n -- bash "$0" --inside "$venv" "$@"
fi

# Inside the namespace: loopback only.
venv="$2"
shift 2
ip link set lo up
data="$(mktemp -d /tmp/milvus-server.XXXXXX)"
log="$data/server.log"
ips=()
for part in rootCoord proxy queryCoord queryNode indexNode dataCoord dataNode; do
    ips+=(--extra-config "$part.ip=127.0.0.1")
done
"$venv/bin/milvus-server" --data "$data" "${ips[@]}" >"$log" 2>&1 &
server=$!
stop() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -rf "$data" 2>/dev/null || true  # a component may still be flushing as it exits
}
trap stop EXIT

export MILVUS_TEST_URI="http://127.0.0.1:19530"
started=$SECONDS
until "$(dirname "$0")/../.venv/bin/python" - <<'EOF' 2>/dev/null
import os, sys
from pymilvus import MilvusClient
MilvusClient(os.environ["MILVUS_TEST_URI"], timeout=2).list_collections()
EOF
do
    if ! kill -0 "$server" 2>/dev/null || (( SECONDS - started > 180 )); then
        echo "milvus-server did not start; its log:" >&2
        tail -n 40 "$log" >&2
        exit 2
    fi
    sleep 1
done
echo "milvus-server ready at $MILVUS_TEST_URI after $((SECONDS - started)) s" >&2
status=0
"$@" || status=$?
exit "$status"
