"""Writing a Milvus store: one build's generation from pending to committed to cleaned, and the
recovery of whatever a killed build left (see ``_milvus_state`` for why this is safe)."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ..errors import InvalidSetting
from ..records import Chunk, Document, Rejection
from ._database import Issue
from ._milvus_client import Client, in_list
from ._milvus_lexical import EMPTY, StatsChange, doc_weights, undo_stats
from ._milvus_schema import DUMMY, Names
from ._milvus_state import BuildRecord, FileRecord, State, read_records, read_state, write_records
from ._writer import crash_point

__all__ = ["GRACE", "Passage", "Written", "commit", "recover", "write_generation"]

# Seconds a build waits between its commit and deleting the rows it replaced: a question that read
# the state before the commit finishes on the old rows meanwhile (NEWS_ASSISTANT_MILVUS_GRACE sets
# it: as long as the slowest question). Milvus Lite serves one process, whose questions (threads
# of an app building in place) take well under a second.
GRACE_ENV = "NEWS_ASSISTANT_MILVUS_GRACE"
GRACE = 5.0
LITE_GRACE = 0.5
_BATCH = 512
_DOC_PART = 12_000  # characters of a document's text per row (at most 48 KB of UTF-8)
_FIELD = 20_000  # characters kept of a title or section (a VARCHAR holds 65,535 bytes)


@dataclass(frozen=True)
class Passage:
    """A passage to write: its chunk, its document's issue, its BM25 tokens and its vectors (its
    own, then its windows')."""

    file: str
    chunk: Chunk
    issue: Issue
    tokens: list[str]
    vectors: np.ndarray
    hub: float | None = None  # None: the collection has no hub field (made before them)


@dataclass
class Written:
    """One generation's worth of changes: the passages and documents of the files written, their
    records, and which older files' rows they replace (None: every older row)."""

    passages: list[Passage]
    documents: dict[str, list[Document]]
    files: list[FileRecord]
    retire: list[str] | None
    avglen: float
    removed_tokens: list[list[str]] = field(default_factory=list)


def _who() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _day(issue: Issue) -> int:
    return int(issue.date.replace("-", "")) if issue.date else 0


def _rows(p: Passage, key: int, gen: int, sparse: dict[int, float] | None) -> list[dict[str, Any]]:
    c = p.chunk
    common = {
        "key": key,
        "n": len(p.vectors),
        "gen": gen,
        "file": p.file,
        "source": c.source,
        "date": _day(p.issue),
    }
    if p.hub is not None:
        common["hub"] = float(p.hub)
    own = {
        **common,
        "id": key,
        "own": True,
        "text": c.text,
        "title": c.title[:_FIELD],
        "section": c.section[:_FIELD],
        "start": c.start,
        "end": c.end,
        "line_start": c.line_start,
        "line_end": c.line_end,
        "edition": (p.issue.edition or "")[:200],
        "page": p.issue.page or 0,
        "tokens": json.dumps(p.tokens, ensure_ascii=False),
    }
    blank = {
        "text": "",
        "title": "",
        "section": "",
        "start": 0,
        "end": 0,
        "line_start": 0,
        "line_end": 0,
        "edition": "",
        "page": 0,
        "tokens": "",
    }
    rows = [own] + [{**common, **blank, "id": key + j, "own": False} for j in range(1, len(p.vectors))]
    for row, vector in zip(rows, p.vectors, strict=True):
        row["vector"] = np.asarray(vector, dtype=np.float32).tolist()
        if sparse is not None:
            row["sparse"] = sparse if row["own"] else dict(EMPTY)
    return rows


def _doc_rows(file: str, docs: Iterable[Document], gen: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for d in docs:
        head = json.dumps(
            {"title": d.title[:_FIELD], "line_offset": d.line_offset, "meta": d.meta, "is_page": d.is_page},
            ensure_ascii=False,
        )
        parts = [head, *(d.text[i : i + _DOC_PART] for i in range(0, len(d.text), _DOC_PART))]
        rows.extend(
            {
                "id": f"{d.source}#{i}@{gen}",
                "source": d.source,
                "file": file,
                "gen": gen,
                "part": i,
                "body": b,
                "v": DUMMY,
            }
            for i, b in enumerate(parts)
        )
    return rows


def _insert(client: Client, name: str, rows: Iterable[dict[str, Any]], halfway: int | None = None) -> int:
    """Insert in batches; crash_point("writing") once ``halfway`` rows are in (the crash tests)."""
    batch: list[dict[str, Any]] = []
    done = 0
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            client.insert(name, batch)
            done, batch = done + len(batch), []
            if halfway is not None and done >= halfway:
                crash_point("writing")
    client.insert(name, batch)
    return done + len(batch)


def write_generation(
    client: Client, names: Names, state: State, written: Written, *, sparse: bool, full: bool
) -> BuildRecord:
    """Write one build's rows under a new generation, pending until ``commit``; return its record."""
    gen = state.next_gen
    record = BuildRecord(gen, "pending", written.retire, state.next_dim, _now(), "", _who())
    write_records(client, names, "build", gen, {record.rid: record.body()})
    stats = StatsChange(client, names, gen, state.next_dim, full=full)
    dims = stats.dims(t for p in written.passages for t in p.tokens) if sparse else {}
    total = sum(len(p.vectors) for p in written.passages)
    key = gen << 32

    def rows() -> Iterable[dict[str, Any]]:
        nonlocal key
        for p in written.passages:
            weights = doc_weights(p.tokens, dims, written.avglen) if sparse else None
            if weights is not None:
                stats.add(weights, p.tokens, dims)
            yield from _rows(p, key, gen, weights)
            key += len(p.vectors)

    _insert(client, names.passages, rows(), halfway=total // 2)
    _insert(client, names.docs, (r for f, docs in written.documents.items() for r in _doc_rows(f, docs, gen)))
    write_records(client, names, "file", gen, {f.rid: f.body() for f in _with_gen(written.files, gen)})
    if sparse:
        for tokens in written.removed_tokens:
            stats.remove(tokens)
        stats.write()
    crash_point("before-switch")
    return BuildRecord(gen, "committed", written.retire, stats.next_dim, record.started, _now(), record.who)


def _with_gen(files: Sequence[FileRecord], gen: int) -> list[FileRecord]:
    return [FileRecord(f.name, gen, f.digest, f.counts, f.words, f.rejections, f.origin) for f in files]


def commit(
    client: Client,
    names: Names,
    record: BuildRecord,
    *,
    header: dict[str, Any] | None = None,
    grace: float | None = None,
) -> None:
    """Make the generation live (one upsert of its record), then delete what it replaced. A new
    ``header`` (the model, chunker, lexical settings) is written once the generation is live: a
    build killed before then leaves the old one, and the next build writes every source again."""
    write_records(client, names, "build", record.gen, {record.rid: record.body()})
    if header is not None:
        write_records(client, names, "header", 0, {"header": header})
    crash_point("after-switch")
    time.sleep(grace if grace is not None else LITE_GRACE if client.lite else _grace())
    _clean(client, names, record)


def _grace() -> float:
    value = os.environ.get(GRACE_ENV, str(GRACE))
    try:
        return max(0.0, float(value))
    except ValueError:
        raise InvalidSetting(f"{GRACE_ENV} must be a number of seconds, not {value!r}") from None


def _older(record: BuildRecord) -> str:
    older = f"gen < {record.gen}"
    return older if record.retire is None else f"{in_list('file', record.retire)} and {older}"


def _clean(client: Client, names: Names, record: BuildRecord) -> None:
    """Delete the rows a committed build replaced, then mark it cleaned and forget older records."""
    client.delete(names.passages, _older(record))
    client.delete(names.docs, _older(record))
    stale = [
        rid
        for rid, (gen, body) in read_records(client, names, f'kind == "file" and gen < {record.gen}').items()
        if record.retire is None or body["name"] in record.retire
    ]
    _delete_records(client, names, "file", stale)
    cleaned = BuildRecord(
        record.gen, "cleaned", None, record.next_dim, record.started, record.built_at, record.who
    )
    write_records(client, names, "build", record.gen, {cleaned.rid: cleaned.body()})
    older = [b.rid for b in read_state(client, names, with_files=False).builds if b.gen < record.gen]
    _delete_records(client, names, "build", older)


def _delete_records(client: Client, names: Names, kind: str, rids: Sequence[str]) -> None:
    """Delete records by rid: every row (part) of each."""
    if not rids:
        return
    wanted = set(rids)
    rows = client.query_all(names.meta, f'kind == "{kind}"', ["id"])
    client.delete_ids(names.meta, [r["id"] for r in rows if r["id"].rsplit("#", 1)[0] in wanted])


def recover(client: Client, names: Names) -> list[str]:
    """Finish what killed builds left: a pending generation's rows go and the token statistics it
    changed are put back; a committed one's replaced rows are deleted. Sentences saying what was done."""
    notes = []
    for b in read_state(client, names, with_files=False).builds:
        if b.state == "pending":
            client.delete(names.passages, f"gen == {b.gen}")
            client.delete(names.docs, f"gen == {b.gen}")
            client.delete(names.meta, f'kind == "file" and gen == {b.gen}')
            undo_stats(client, names, b.gen)
            _delete_records(client, names, "build", [b.rid])
            notes.append(
                f"an earlier build ({b.who}, started {b.started}) was interrupted; its rows were removed"
            )
        elif b.state == "committed":
            _clean(client, names, b)
            notes.append(f"an earlier build ({b.who}) was interrupted after it went live; it was cleaned up")
    return notes


def rejections_of(record: FileRecord) -> list[Rejection]:
    return [Rejection(record.name, reason, line) for line, reason in record.rejections]
