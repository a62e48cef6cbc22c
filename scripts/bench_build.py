"""A full build three ways, back to back in one run: today's pipeline, this one, and the dense peer.

    .venv/bin/python scripts/bench_build.py [--articles 200] [--baseline REV] [--only new,peer]

The corpus is the seed pages (corpus/) plus the first N articles of
../shared/eval/news_distractors.jsonl (read there; the N lines are written to a temp folder).

- **today**: the build as it was at git revision REV (default ``main``): its ``index`` package is
  extracted with ``git archive`` into a temp folder and run from there, so it is exactly that
  code: torch fp32, sentence windows, batches in page order.
- **new**: this checkout's build, with its default backend (ONNX int8), windows as they are now.
- **peer**: the dense baseline of ../shared/eval/README.md: LangChain's RecursiveCharacterTextSplitter
  at 500 characters with Chinese separators (no overlap), the same model in torch fp32 through
  sentence-transformers (one encode call, which sorts by length), a FAISS flat index.

Each runs in a fresh process into a fresh index folder, timed from start to exit (imports and
model loading included). The ONNX export is made (or found) before timing. Prints seconds, vectors
embedded, vectors per second, the ratios, and where the new build's time goes besides encoding.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DISTRACTORS = REPO.parent / "shared" / "eval" / "news_distractors.jsonl"
PY = sys.executable

# Each build as a small program: it builds, then prints one JSON line of what it did.
OURS = """
import json, sys
from pathlib import Path
from index import Settings, build, make_embedder
s = Settings(corpus=(Path(sys.argv[1]), Path(sys.argv[2])), index_dir=Path(sys.argv[3]), model="")
backend = {backend!r}
e = make_embedder(s.model, s.cache_dir, backend) if backend else make_embedder(s.model, s.cache_dir)
r = build(s, e)
print(json.dumps({{"vectors": r.embedded, "chunks": r.chunks, "embed_seconds": r.embed_seconds,
                   "phases": getattr(r, "phases", {{}}), "seconds": r.seconds}}))
"""
PEER = """
import json, sys, time
from pathlib import Path
import faiss, numpy as np
from langchain_text_splitters import RecursiveCharacterTextSplitter
from sentence_transformers import SentenceTransformer
from index.embed._source import resolve_model
from index import Settings
s = Settings()
texts = [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).glob("*.txt"))]
texts += [json.loads(line)["text"] for line in open(sys.argv[2], encoding="utf-8")]
splitter = RecursiveCharacterTextSplitter(
    chunk_size=500, chunk_overlap=0,
    separators=["\\n\\n", "\\n", "。", "！", "？", "；", "，", " ", ""], keep_separator="end")
chunks = [c for t in texts for c in splitter.split_text(t)]
model = SentenceTransformer(resolve_model("", s.cache_dir), device="cpu")
started = time.monotonic()
v = model.encode(["passage: " + c for c in chunks], batch_size=32, normalize_embeddings=True)
embed = time.monotonic() - started
index = faiss.IndexFlatIP(v.shape[1])
index.add(np.asarray(v, dtype=np.float32))
Path(sys.argv[3]).mkdir(parents=True)
faiss.write_index(index, str(Path(sys.argv[3]) / "peer.faiss"))
print(json.dumps({"vectors": len(chunks), "chunks": len(chunks), "embed_seconds": embed}))
"""
WARM = """
from index import Settings, make_embedder
s = Settings()
make_embedder(s.model, s.cache_dir, "onnx").embed_documents(["warm"])
"""


@dataclass
class Result:
    wall: float  # seconds from process start to exit
    vectors: int  # texts embedded
    embed_seconds: float
    phases: dict[str, float]


def run(name: str, code: str, cwd: Path, args: list[str]) -> Result:
    started = time.monotonic()
    done = subprocess.run(
        [PY, "-c", code, *args], cwd=cwd, capture_output=True, text=True, env=_env(cwd), check=False
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"error: the {name} build failed:\n{done.stderr[-2000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    r = Result(seconds, int(out["vectors"]), float(out["embed_seconds"]), dict(out.get("phases", {})))
    print(
        f"{name:6s} {r.wall:7.1f} s  {r.vectors:6d} vectors  {r.vectors / r.wall:6.1f} vectors/s  "
        f"(encoding {r.embed_seconds:.1f} s)",
        flush=True,
    )
    return r


def _env(cwd: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NEWS_ASSISTANT_BACKEND")}
    env["PYTHONPATH"] = str(cwd)
    return env


def extract(rev: str, into: Path) -> Path:
    """The ``index`` package as it was at ``rev``."""
    data = subprocess.run(["git", "archive", rev, "index"], cwd=REPO, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200, help="distractor articles (default 200)")
    parser.add_argument("--baseline", default="main", metavar="REV", help="git revision of today's build")
    parser.add_argument("--only", default="today,new,peer", help="which builds, comma-separated")
    args = parser.parse_args()
    if not DISTRACTORS.is_file():
        print(f"error: {DISTRACTORS} is missing", file=sys.stderr)
        return 2
    which = args.only.split(",")
    work = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        articles = work / f"distractors{args.articles}.jsonl"
        with DISTRACTORS.open(encoding="utf-8") as f, articles.open("w", encoding="utf-8") as out:
            for _, line in zip(range(args.articles), f, strict=False):
                out.write(line)
        corpus = [str(REPO / "corpus"), str(articles)]
        subprocess.run([PY, "-c", WARM], cwd=REPO, env=_env(REPO), check=True, capture_output=True)
        print(f"corpus: {REPO / 'corpus'} + the first {args.articles} articles of {DISTRACTORS}", flush=True)
        got: dict[str, Result] = {}
        if "today" in which:
            base = extract(args.baseline, work / "baseline")
            got["today"] = run("today", OURS.format(backend=""), base, [*corpus, str(work / "ix-today")])
        if "new" in which:
            got["new"] = run("new", OURS.format(backend="onnx"), REPO, [*corpus, str(work / "ix-new")])
        if "peer" in which:
            got["peer"] = run("peer", PEER, REPO, [*corpus, str(work / "ix-peer")])
        new = got.get("new")
        if new is not None:
            if "today" in got:
                print(f"today / new: {got['today'].wall / new.wall:.2f}x faster")
            if "peer" in got:
                print(f"new / peer:  {new.wall / got['peer'].wall:.2f}x the peer's seconds")
            rest = {k: v for k, v in new.phases.items() if k != "encode"}
            rest["start (imports, model load)"] = new.wall - sum(new.phases.values())
            print(f"new build, besides encoding ({new.embed_seconds:.1f} s of {new.wall:.1f} s):")
            for k, v in sorted(rest.items(), key=lambda kv: -kv[1]):
                print(f"  {k:30s} {v:6.2f} s  {v / new.wall:6.1%}")
            total = sum(rest.values())
            print(f"  {'all but encoding':30s} {total:6.2f} s  {total / new.wall:6.1%}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
