"""Questions under load on /api/search: one client, then many at once, in one run.

    .venv/bin/python scripts/bench_load.py [--index-dir DIR] [--clients 20] [--questions 30]

Starts ``app.py`` on a free port of 127.0.0.1 over the index (default .index), waits until it
answers, asks each seed_dev question once to warm it (../shared/eval/seed_dev.jsonl), then asks them
again, cycled: first one client
asking ``--questions`` in turn, then ``--clients`` clients each asking ``--questions`` at once (each
starting at another question). Prints errors, latency p50/p95 and requests per second of both, and
the ratio of the throughputs. Every request goes to this machine only, and the run is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO.parent / "shared" / "eval" / "seed_dev.jsonl"
TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ask(base: str, question: str) -> tuple[float, str | None]:
    """Seconds for one /api/search, and an error (None when it answered with hits)."""
    url = f"{base}/api/search?" + urllib.parse.urlencode({"q": question, "k": 5})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
            body = json.loads(r.read())
        error = None if r.status == 200 and "hits" in body else f"status {r.status}: {body}"
    except (urllib.error.URLError, OSError, ValueError) as e:
        error = str(e)
    return time.perf_counter() - started, error


def clients(base: str, questions: list[str], n: int, each: int) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(n)

    def client(c: int) -> None:
        start.wait()
        for i in range(each):
            seconds, error = ask(base, questions[(c * 7 + i) % len(questions)])
            with lock:
                latencies.append(seconds)
                if error:
                    errors.append(error)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(n)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * each)
    return latencies, errors, time.perf_counter() - began


def report(name: str, latencies: list[float], errors: list[str], seconds: float) -> float:
    q = statistics.quantiles(latencies, n=20)
    rate = len(latencies) / seconds
    print(
        f"{name:22s} {len(latencies):4d} requests  {len(errors)} errors  "
        f"p50 {statistics.median(latencies) * 1000:6.0f} ms  p95 {q[18] * 1000:6.0f} ms  "
        f"{rate:6.1f} requests/s",
        flush=True,
    )
    for e in errors[:3]:
        print(f"  error: {e}")
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, default=Path(".index"))
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=30, help="questions each client asks")
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in QUESTIONS.open(encoding="utf-8")]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "NEWS_ASSISTANT_HOST"}
    server = subprocess.Popen(
        [sys.executable, str(REPO / "app.py"), "--port", str(port), "--index-dir", str(args.index_dir)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = time.monotonic()
        while ask(base, questions[0])[1] is not None:
            if server.poll() is not None:
                print(f"error: the app exited: {server.stderr.read()[-1000:] if server.stderr else ''}")
                return 2
            if time.monotonic() - started > 300:
                print("error: the app did not answer within 300 s", file=sys.stderr)
                return 2
            time.sleep(0.5)
        print(f"app on {base} over {args.index_dir}, answering after {time.monotonic() - started:.1f} s")
        # Warm: every question once, so that both runs meet the same warm state (first passes
        # allocate, and the query side keeps what it read of the passages it met).
        for q in questions:
            ask(base, q)
        one = report("1 client", *clients(base, questions, 1, args.questions))
        many = report(f"{args.clients} clients", *clients(base, questions, args.clients, args.questions))
        print(f"throughput, {args.clients} clients / 1 client: {many / one:.2f}x")
        return 0
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
