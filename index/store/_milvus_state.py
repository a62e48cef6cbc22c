"""What a Milvus store holds as committed, and the writer lock.

**Generations.** Every build gets a generation (1, 2, ...: higher than any before it) and writes
each row it adds under it. Its build record in ``<name>_meta`` says ``pending`` while it writes.
A reader takes only the rows of generations up to the last committed one it has seen, so a build
under way, or killed at any point, is invisible to it. One upsert of that record to ``committed``
(naming the source files it replaced or removed) switches readers over at their next question:
they then take the new rows and leave out the replaced files' older rows, until the build deletes
those and marks itself ``cleaned``. The next build finishes whatever a killed one left:
it deletes a pending generation's rows and puts back the token statistics it changed, and cleans up
after a committed one. Only the changed sources are written: an update costs what it changes.

**One writer at a time.** Milvus has no transactions, so builders take turns: the one that
creates the alias ``<name>_writer_lock`` writes; the others wait (or give up: BuildRunning). The
holder's record says who it is and renews itself; a lock whose holder has not renewed it within
LEASE seconds, or whose process on this host is gone, is taken over. So two builders writing
different sources into one collection both land, one after the other.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..errors import BuildRunning
from ._milvus_client import Client, in_list, quote
from ._milvus_schema import DUMMY, Names

__all__ = [
    "BuildRecord",
    "FileRecord",
    "LEASE",
    "State",
    "read_records",
    "read_state",
    "write_records",
    "writer_lock",
]

_PART = 16_000  # characters of a record's JSON per row (a VARCHAR holds 65,535 bytes)
LEASE = 600.0  # seconds a writer lock lives without being renewed
_RENEW = 30.0


@dataclass(frozen=True)
class BuildRecord:
    gen: int
    state: str  # pending | committed | cleaned
    retire: list[str] | None = None  # files whose older rows this build replaced or removed; None: all
    next_dim: int = 1  # the next sparse dimension free for a new token after this build
    started: str = ""
    built_at: str = ""
    who: str = ""

    @property
    def rid(self) -> str:
        return f"build@{self.gen:012d}"

    def body(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "retire": self.retire,
            "next_dim": self.next_dim,
            "started": self.started,
            "built_at": self.built_at,
            "who": self.who,
        }


@dataclass(frozen=True)
class FileRecord:
    """A source file as a build wrote it: its digest and counts, its archive words, skipped lines."""

    name: str
    gen: int
    digest: str
    counts: dict[str, int]  # documents, articles, sections, chunks, windows, tokens, fanout
    words: list[str] = field(default_factory=list)
    rejections: list[tuple[int | None, str]] = field(default_factory=list)
    # Which builder's corpus it came from: a build removes only its own files gone from disk, so
    # builders of different corpus folders share one collection.
    origin: str = ""

    @property
    def rid(self) -> str:
        return f"file:{self.name}@{self.gen:012d}"

    def body(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "digest": self.digest,
            "counts": self.counts,
            "words": self.words,
            "rejections": self.rejections,
            "origin": self.origin,
        }


def write_records(
    client: Client, names: Names, kind: str, gen: int, records: dict[str, dict[str, Any]]
) -> None:
    """Upsert records (rid -> JSON body), each as one row per part of its JSON."""
    rows: list[dict[str, Any]] = []
    for rid, body in records.items():
        text = json.dumps(body, ensure_ascii=False)
        parts = [text[i : i + _PART] for i in range(0, len(text), _PART)] or [""]
        rows.extend(
            {"id": f"{rid}#{i}", "kind": kind, "gen": gen, "part": i, "body": p, "v": DUMMY}
            for i, p in enumerate(parts)
        )
    client.upsert(names.meta, rows)


def read_records(client: Client, names: Names, expr: str) -> dict[str, tuple[int, dict[str, Any]]]:
    """rid -> (generation, body) of the records whose rows match ``expr``."""
    rows = client.query_all(names.meta, expr, ["id", "gen", "part", "body"])
    parts: dict[str, list[tuple[int, str]]] = {}
    gens: dict[str, int] = {}
    for row in rows:
        rid = row["id"].rsplit("#", 1)[0]
        parts.setdefault(rid, []).append((int(row["part"]), row["body"]))
        gens[rid] = int(row["gen"])
    return {rid: (gens[rid], json.loads("".join(p for _, p in sorted(ps)))) for rid, ps in parts.items()}


@dataclass(frozen=True)
class State:
    """The committed state as readers see it: the builds not yet cleaned up (and the last one
    cleaned), from which the rows to leave out follow, and the source files as last written."""

    builds: tuple[BuildRecord, ...]
    files: dict[str, FileRecord]
    header: dict[str, Any] | None

    @property
    def pending(self) -> list[int]:
        return [b.gen for b in self.builds if b.state == "pending"]

    @property
    def live(self) -> int:
        """The last committed generation: a reader of this state sees no row of a later one."""
        return max((b.gen for b in self.builds if b.state != "pending"), default=0)

    @property
    def next_gen(self) -> int:
        return max((b.gen for b in self.builds), default=0) + 1

    @property
    def next_dim(self) -> int:
        return max((b.next_dim for b in self.builds if b.state != "pending"), default=1)

    def hidden(self, gen: int, file: str) -> bool:
        """Whether a row of ``file`` written by build ``gen`` is left out (as ``visible`` says)."""
        if gen > self.live:
            return True
        return any(
            b.state == "committed" and gen < b.gen and (b.retire is None or file in b.retire)
            for b in self.builds
        )

    def visible(self) -> str:
        """A filter that keeps the rows of the live generation and those before it (none of a build
        under way, or committed after this state was read), less the rows that committed builds
        replaced and have not deleted yet."""
        parts = [f"gen <= {self.live}"]
        for b in self.builds:
            if b.state == "committed":
                older = f"gen < {b.gen}"
                parts.append(
                    f"not ({older})" if b.retire is None else f"not ({in_list('file', b.retire)} and {older})"
                )
        return " and ".join(parts)

    @property
    def built_at(self) -> str:
        return max((b.built_at for b in self.builds if b.state != "pending"), default="")


def _builds(client: Client, names: Names) -> tuple[BuildRecord, ...]:
    found = read_records(client, names, 'kind == "build"')
    builds = [
        BuildRecord(
            gen,
            body["state"],
            body.get("retire"),
            int(body.get("next_dim", 1)),
            body.get("started", ""),
            body.get("built_at", ""),
            body.get("who", ""),
        )
        for gen, body in found.values()
    ]
    return tuple(sorted(builds, key=lambda b: b.gen))


def read_state(client: Client, names: Names, *, with_files: bool = True) -> State:
    """The store's state: its builds, header and (``with_files``) the visible file records."""
    builds = _builds(client, names)
    header = read_records(client, names, 'kind == "header"')
    state = State(builds, {}, header["header"][1] if "header" in header else None)
    if not with_files:
        return state
    files: dict[str, FileRecord] = {}
    for gen, body in read_records(client, names, 'kind == "file"').values():
        name = body["name"]
        if state.hidden(gen, name) or (name in files and files[name].gen > gen):
            continue
        rejections = [(line, reason) for line, reason in body.get("rejections", [])]
        files[name] = FileRecord(
            name,
            gen,
            body["digest"],
            dict(body["counts"]),
            list(body["words"]),
            rejections,
            body.get("origin", ""),
        )
    return State(builds, {n: r for n, r in files.items() if r.digest}, state.header)


def read_builds(client: Client, names: Names) -> tuple[BuildRecord, ...]:
    """The build records alone: one small query, what a reader asks before each question."""
    return _builds(client, names)


# --- the writer lock ---------------------------------------------------------------------------------


def _who() -> str:
    return json.dumps(
        {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "renewed": time.time(),
        }
    )


def _holder(client: Client, names: Names) -> dict[str, Any] | None:
    found = read_records(client, names, 'kind == "lock"')
    return found["lock"][1] if "lock" in found else None


def _stale(holder: dict[str, Any] | None) -> bool:
    if holder is None:
        return False
    if time.time() - float(holder.get("renewed", 0)) > LEASE:
        return True
    if holder.get("host") == socket.gethostname():
        try:
            os.kill(int(holder.get("pid", 0)), 0)
        except ProcessLookupError:
            return True
        except (PermissionError, ValueError):
            return False
    return False


def _describe(holder: dict[str, Any] | None) -> str:
    if not holder:
        return ""
    return f" (pid {holder.get('pid')} on {holder.get('host')}, started {holder.get('started')})"


@contextmanager
def writer_lock(
    client: Client, names: Names, *, wait: bool = True, on_wait: Callable[[str], None] | None = None
) -> Iterator[str | None]:
    """Hold the store's single-writer lock for a whole build (see the module's docstring). Yields
    a sentence naming an earlier build whose lock was taken over (it was killed), else None."""
    told = False
    interrupted = None
    while not client.create_alias(names.meta, names.lock):
        holder = _holder(client, names)
        if _stale(holder):
            client.drop_alias(names.lock)  # its holder is gone; whoever creates it next holds it
            interrupted = f"an earlier build{_describe(holder)} was interrupted"
            continue
        message = f"another build{_describe(holder)} is writing to {client.uri} collection {names.passages}"
        if not wait:
            raise BuildRunning(f"{message}; try again when it has finished")
        if on_wait is not None and not told:
            on_wait(f"{message}; waiting…")
            told = True
        time.sleep(1.0)
    me = json.loads(_who())
    write_records(client, names, "lock", 0, {"lock": me})
    stop = threading.Event()
    renewer = threading.Thread(target=_renew, args=(client, names, me, stop), daemon=True)
    renewer.start()
    try:
        yield interrupted
    finally:
        stop.set()
        renewer.join()
        client.delete(names.meta, 'kind == "lock"')
        client.drop_alias(names.lock)


def _renew(client: Client, names: Names, me: dict[str, Any], stop: threading.Event) -> None:
    from ..errors import StoreUnavailable

    while not stop.wait(_RENEW):
        try:
            write_records(client, names, "lock", 0, {"lock": me | {"renewed": time.time()}})
        except StoreUnavailable:
            pass  # the build itself will fail on the same trouble and say so


def holder_expr(rid: str) -> str:
    return f"id == {quote(rid + '#0')}"
