"""The Milvus store beside the local one: ingest rate and query p50/p95 at 10k and 100k passages, on
the local folder, Milvus Lite and (with --server, or MILVUS_TEST_URI) a Milvus server; and recall@10
of a filtered dense search letting 1% of the passages through, against exact search.

    .venv/bin/python scripts/bench_milvus.py [--sizes 10000 100000] [--queries 200]
    bash scripts/milvus_server.sh -- .venv/bin/python scripts/bench_milvus.py --server

The passages are made up (tests/material.py's dated briefs, one source per 100 of them), embedded
by the hash fake at the real model's 384 dimensions, so the figures are the stores' alone: ingest
is the export of a local index into the store (no embedding), a query one dense top-10 and one
lexical top-10 (the server: 2.3.5 has no sparse vectors, so dense only), each filtered to 1% of
the passages or not. Prints one table; timings are provisional on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from material import dated_brief  # noqa: E402

from index import Filter, HashEmbedder, LexicalQuery, Settings, Store, build, store_for  # noqa: E402
from index.build import export_to_milvus  # noqa: E402
from index.store import _milvus  # noqa: E402
from index.store._milvus_schema import INDEX_ENV  # noqa: E402

EMBEDDER = HashEmbedder(dim=384)
PER_SOURCE = 100


def corpus(where: Path, n: int) -> None:
    """n one-chunk briefs in files of PER_SOURCE each (``briefs-00042.jsonl``)."""
    (where / "corpus").mkdir(parents=True)
    for f in range(0, n, PER_SOURCE):
        lines = [
            json.dumps(dated_brief(i, (), f"编号{i}。"), ensure_ascii=False)
            for i in range(f, min(n, f + PER_SOURCE))
        ]
        (where / "corpus" / f"briefs-{f // PER_SOURCE:05d}.jsonl").write_text(
            "\n".join(lines) + "\n", encoding="utf-8"
        )


def timed(run: object) -> float:
    started = time.perf_counter()
    run()  # type: ignore[operator]
    return time.perf_counter() - started


def queries(store: Store, n: int, where: Filter | None, rng: np.random.Generator) -> list[float]:
    vocabulary = store.vocabulary
    out = []
    for i in rng.integers(0, len(store), n):
        q = f"第{int(i)}次职工座谈会在几号厅召开？"
        vector = EMBEDDER.embed_query(q)
        started = time.perf_counter()
        store.dense_top(vector, 10, where)
        if vocabulary is not None:
            store.lexical_top(LexicalQuery.of_tokens(vocabulary.lexicon.tokens(q)), 10, where)
        out.append((time.perf_counter() - started) * 1000)
    return out


def one_percent(n: int) -> Filter:
    """Sources briefs-00000 .. the first 1% of the files (source names sort by number)."""
    files = max(1, n // PER_SOURCE // 100)
    return Filter(sources=[f"briefs-{i:05d}.jsonl" for i in range(files)])


def recall(store: Store, exact: Store, where: Filter, n: int, rng: np.random.Generator) -> float:
    got = 0.0
    for i in rng.integers(0, len(store), n):
        vector = EMBEDDER.embed_query(f"第{int(i)}次职工座谈会")
        truth = {
            (c.source, c.start) for c, _ in exact.passages([p for p, _ in exact.dense_top(vector, 10, where)])
        }
        found = {
            (c.source, c.start) for c, _ in store.passages([p for p, _ in store.dense_top(vector, 10, where)])
        }
        got += len(truth & found) / max(1, len(truth))
    return got / n


def measure(name: str, store: Store, exact: Store, size: int, args: argparse.Namespace) -> str:
    """Query p50 / p95 ms, filtered and not, and recall@10 of the filtered dense search."""
    rng = np.random.default_rng(1)
    queries(store, 5, None, rng)  # warm
    plain = queries(store, args.queries, None, rng)
    filtered = queries(store, args.queries, one_percent(size), rng)
    recalls = []
    for overfetch in (1, 4, 16) if name.endswith("HNSW") else (4,):
        _milvus.OVERFETCH = overfetch
        recalls.append(recall(store, exact, one_percent(size), args.queries, rng) if name != "local" else 1.0)
    _milvus.OVERFETCH = 4
    ms = [f"{np.percentile(t, 50):.1f} / {np.percentile(t, 95):.1f}" for t in (plain, filtered)]
    return f"{ms[0]} | {ms[1]} | {' / '.join(f'{r:.3f}' for r in recalls)}"


def targets(args: argparse.Namespace, where: Path) -> list[tuple[str, str, str]]:
    """(label, URI, vector index) of each Milvus store measured."""
    out = [("lite", str(where / "x.db"), "FLAT")]
    if args.server:
        out += [("server", args.server, "FLAT"), ("server HNSW", args.server, "HNSW")]
    return out


def run(size: int, args: argparse.Namespace, where: Path) -> None:
    corpus(where, size)
    local = Settings(corpus=(where / "corpus",), index_dir=where / "local", model="hash", cache_dir=where)
    report = build(local, EMBEDDER)
    stores = {"local": (local, report.phases.get("write", report.seconds))}
    for name, uri, index in targets(args, where):
        os.environ[INDEX_ENV] = index
        s = local.with_(milvus=uri, collection=f"bench_{size}_{index.lower()}")
        stores[name] = (s, timed(lambda s=s: export_to_milvus(s)))
    os.environ.pop(INDEX_ENV, None)
    with store_for(local) as exact:
        for name, (s, seconds) in stores.items():
            with store_for(s) as store:
                row = measure(name, store, exact, size, args)
                print(f"| {name} | {size:,} | {size / seconds:,.0f} | {row} |", flush=True)
    if args.server:
        drop(args.server, size)


def drop(uri: str, size: int) -> None:
    from index.store._milvus_client import connect

    client = connect(uri, "bench")
    for index in ("flat", "hnsw"):
        for suffix in ("", "_docs", "_meta", "_stats"):
            if client.has(f"bench_{size}_{index}{suffix}"):
                client.drop(f"bench_{size}_{index}{suffix}")
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--server", nargs="?", const=os.environ.get("MILVUS_TEST_URI", ""), default="")
    args = parser.parse_args()
    print("| store | passages | ingest (passages/s) | query p50 / p95 ms | filtered 1% p50 / p95 ms | "
          "recall@10 filtered 1% (HNSW: ef 1x / 4x / 16x the rows fetched) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        where = Path(tempfile.mkdtemp(prefix=f"bench-milvus-{size}-"))
        try:
            run(size, args, where)
        finally:
            shutil.rmtree(where, ignore_errors=True)


if __name__ == "__main__":
    main()
