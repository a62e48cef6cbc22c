"""Reaching Milvus: one client per address (Milvus Lite for a ``.db`` file, a server for
``http(s)://``), its errors turned into the archive's one-line ones, and the filter language.

pymilvus is imported here only, when a store is opened: ``import index`` never loads it.
"""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ParamSpec, TypeVar

from ..errors import CollectionNotFound, StoreLocked, StoreRefused, StoreUnavailable, StoreUnreachable

__all__ = [
    "TOKEN_ENV",
    "Client",
    "connect",
    "describe",
    "guarded",
    "is_lite",
    "quote",
    "store_error",
]

TOKEN_ENV = "MILVUS_TOKEN"
# A request longer than ~20 s (an index being built) is cut by the server's keepalive policy
# (GOAWAY too_many_pings) unless the client stops pinging.
_GRPC_OPTIONS = {"grpc.keepalive_time_ms": 2**31 - 1}
# Seconds a request may take before the server counts as gone.
TIMEOUT = 60.0
_P = ParamSpec("_P")
_R = TypeVar("_R")


def is_lite(uri: str) -> bool:
    return uri.endswith(".db")


def describe(uri: str, collection: str) -> str:
    """How messages name a store: ``collection news in /tmp/x.db``."""
    return f"collection {collection} in {uri}" if is_lite(uri) else f"collection {collection} at {uri}"


def quote(value: str) -> str:
    """A string as a Milvus filter literal.

    >>> quote('a"b\\\\c')
    '"a\\\\"b\\\\\\\\c"'
    """
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def in_list(field: str, values: Iterable[object]) -> str:
    """``field in [...]`` of strings or numbers.

    >>> in_list("gen", [3, 4]), in_list("file", ["a.txt"])
    ('gen in [3, 4]', 'file in ["a.txt"]')
    """
    items = [quote(v) if isinstance(v, str) else str(int(v)) for v in values]  # type: ignore[call-overload]
    return f"{field} in [{', '.join(items)}]"


def _causes(e: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    at: BaseException | None = e
    while at is not None and id(at) not in seen:
        seen.add(id(at))
        yield at
        at = at.__cause__ or at.__context__


def store_error(e: BaseException, uri: str, collection: str = "") -> StoreUnavailable:
    """The archive's error for what pymilvus or Milvus Lite raised, with what to do about it."""
    names = {type(c).__name__ for c in _causes(e)}
    text = " ".join(str(getattr(c, "message", "") or c) for c in _causes(e)).lower()
    code = getattr(e, "code", None)
    if "DataDirLockedError" in names or "another process holds the lock" in text:
        return StoreLocked(
            f"the Milvus Lite database {uri} is open in another process (Lite serves one process at a "
            "time); stop it, or use a Milvus server"
        )
    if "CollectionNotExistException" in names or "does not exist" in text or code == 100:
        return CollectionNotFound(
            f"no {describe(uri, collection)}; build it with: python -m index build --milvus {uri}"
            + (f" --collection {collection}" if collection != "news" else "")
        )
    if code in (1800, 2200) or any(w in text for w in ("authenticat", "credential", "permission denied")):
        return StoreRefused(f"the Milvus server at {uri} refuses the token; set {TOKEN_ENV} to a valid one")
    if code == 2 or any(
        w in text for w in ("unavailable", "connect", "deadline", "timed out", "connection refused", "goaway")
    ):
        return StoreUnreachable(
            f"no Milvus server answers at {uri}; start it, or check the address "
            "(--milvus, NEWS_ASSISTANT_MILVUS)"
        )
    first = " ".join(str(getattr(e, "message", "") or e).split())[:200]
    return StoreUnavailable(f"the Milvus store {uri} failed: {first}")


def _milvus_errors() -> tuple[type[BaseException], ...]:
    from pymilvus.exceptions import MilvusException

    errors: list[type[BaseException]] = [MilvusException]
    try:
        import grpc

        errors.append(grpc.RpcError)
    except ImportError:  # pragma: no cover - pymilvus depends on grpc
        pass
    return tuple(errors)


def guarded(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run a Client method, turning what Milvus raises into a StoreUnavailable."""

    @functools.wraps(method)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        client = args[0]
        assert isinstance(client, Client)
        try:
            if client.broken:
                client.reconnect()
            return method(*args, **kwargs)
        except _milvus_errors() as e:
            error = store_error(e, client.uri, client.collection)
            # A server that went away: the next call connects again (the channel stays dead).
            client.broken = isinstance(error, StoreUnreachable)
            raise error from e

    return run


class Client:
    """One connection to a Milvus store for one collection name (and its companions): the few calls
    the store makes, each raising StoreUnavailable (or a subclass) instead of pymilvus's errors."""

    def __init__(self, uri: str, collection: str, raw: Any, kwargs: dict[str, Any]) -> None:
        self.uri, self.collection, self.raw = uri, collection, raw
        self.lite = is_lite(uri)
        self.broken = False
        self._kwargs = kwargs

    def reconnect(self) -> None:
        from pymilvus import MilvusClient

        try:
            self.raw.close()
        except _milvus_errors():
            pass  # the old channel is dead anyway
        self.raw = MilvusClient(self.uri, **self._kwargs)
        self.broken = False

    @guarded
    def has(self, name: str) -> bool:
        return bool(self.raw.has_collection(name))

    @guarded
    def load(self, name: str) -> None:
        self.raw.load_collection(name)

    @guarded
    def query(
        self, name: str, expr: str, fields: Sequence[str], limit: int | None = None
    ) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {"limit": limit} if limit is not None else {}
        return list(self.raw.query(name, filter=expr, output_fields=list(fields), **kwargs))

    def query_all(
        self, name: str, expr: str, fields: Sequence[str], batch: int = 4096
    ) -> list[dict[str, Any]]:
        """Every row the filter matches, however many (a query alone returns at most 16,384)."""
        try:
            it = self.raw.query_iterator(name, filter=expr, output_fields=list(fields), batch_size=batch)
            out: list[dict[str, Any]] = []
            while True:
                page = it.next()
                if not page:
                    it.close()
                    return out
                out.extend(page)
        except _milvus_errors() as e:
            raise store_error(e, self.uri, self.collection) from e

    @guarded
    def count(self, name: str, expr: str) -> int:
        found = self.raw.query(name, filter=expr, output_fields=["count(*)"])
        return int(found[0]["count(*)"]) if found else 0

    @guarded
    def get(self, name: str, ids: Sequence[object], fields: Sequence[str]) -> list[dict[str, Any]]:
        if not len(ids):
            return []
        return list(self.raw.get(name, ids=list(ids), output_fields=list(fields)))

    @guarded
    def search(
        self, name: str, field: str, data: list[Any], limit: int, expr: str, **options: Any
    ) -> list[Any]:
        """Hits per query vector of ``data`` on ``field`` (inner product), best first; ``options``:
        ``fields`` to return, search ``params``."""
        params = {"metric_type": "IP", "params": options.get("params") or {}}
        fields = list(options.get("fields", ()))
        found = self.raw.search(
            name,
            data=data,
            anns_field=field,
            limit=limit,
            filter=expr,
            output_fields=fields,
            search_params=params,
        )
        return [list(hits) for hits in found]

    @guarded
    def has_field(self, name: str, field: str) -> bool:
        """Whether the collection's schema has ``field`` (a collection made by an older version
        lacks the fields added since)."""
        described = self.raw.describe_collection(name) or {}
        return any(f.get("name") == field for f in described.get("fields", []))

    @guarded
    def vector_index(self, name: str) -> str:
        """The index type of the collection's ``vector`` field (FLAT, HNSW, ...)."""
        described = self.raw.describe_index(name, "vector")
        return str((described or {}).get("index_type", "FLAT"))

    @guarded
    def insert(self, name: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.raw.insert(name, rows)

    @guarded
    def upsert(self, name: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.raw.upsert(name, rows)

    @guarded
    def delete(self, name: str, expr: str) -> None:
        self.raw.delete(name, filter=expr)

    @guarded
    def delete_ids(self, name: str, ids: Sequence[object]) -> None:
        if len(ids):
            self.raw.delete(name, ids=list(ids))

    @guarded
    def create_alias(self, name: str, alias: str) -> bool:
        """Whether the alias was made now (False: it exists already: the writer lock is taken)."""
        from pymilvus.exceptions import MilvusException

        try:
            self.raw.create_alias(name, alias)
            return True
        except MilvusException as e:
            if "exist" in str(e).lower():
                return False
            raise

    @guarded
    def drop_alias(self, alias: str) -> None:
        self.raw.drop_alias(alias)

    @guarded
    def drop(self, name: str) -> None:
        self.raw.drop_collection(name)

    @guarded
    def version(self) -> str:
        return str(self.raw.get_server_version())

    def close(self) -> None:
        try:
            self.raw.close()
        except _milvus_errors():
            pass  # already gone: nothing left to close
        if self.lite:
            _release_lite(self.uri)


_quiet = False
# Milvus Lite serves a file from a server thread in this process, holding the file's lock until it
# is released; the clients open on each file, so the last one to close releases it.
_lite_users: dict[str, int] = {}
_lite_lock = threading.Lock()


def _use_lite(uri: str) -> None:
    with _lite_lock:
        path = os.path.abspath(uri)
        _lite_users[path] = _lite_users.get(path, 0) + 1


def _release_lite(uri: str) -> None:
    path = os.path.abspath(uri)
    with _lite_lock:
        _lite_users[path] = _lite_users.get(path, 1) - 1
        last = _lite_users[path] <= 0
        if last:
            del _lite_users[path]
    if last:
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(path)


def _held_elsewhere(uri: str) -> bool:
    """Whether another process holds the Lite file's lock (Lite reports only that it failed)."""
    lock = os.path.join(os.path.abspath(uri), "LOCK")
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def _quiet_pymilvus() -> None:
    """pymilvus logs every failed call at ERROR with a traceback; the store raises its own one line."""
    global _quiet
    if not _quiet:
        for name in list(logging.root.manager.loggerDict):
            if name.startswith(("pymilvus", "milvus_lite", "grpc")):
                logging.getLogger(name).setLevel(logging.CRITICAL)
        for name in ("pymilvus", "milvus_lite", "grpc"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        _quiet = True


def connect(uri: str, collection: str) -> Client:
    """A client for the store at ``uri``: Milvus Lite when it ends in ``.db`` (the file is made if
    missing), else a server, with the token in MILVUS_TOKEN. Raises StoreUnavailable (or a subclass)."""
    from pymilvus import MilvusClient

    _quiet_pymilvus()

    kwargs: dict[str, Any] = {"timeout": TIMEOUT}
    if is_lite(uri):
        parent = os.path.dirname(os.path.abspath(uri))
        os.makedirs(parent, exist_ok=True)
    else:
        kwargs["grpc_options"] = _GRPC_OPTIONS
        # A channel of its own: pymilvus shares one per address, and a dead shared one is reused.
        kwargs["dedicated"] = True
        token = os.environ.get(TOKEN_ENV, "")
        if token:
            kwargs["token"] = token
    if is_lite(uri):
        _use_lite(uri)
    try:
        raw = MilvusClient(uri, **kwargs)
        raw.list_collections()  # a server that refuses the token says so here
    except _milvus_errors() as e:
        if is_lite(uri):
            _release_lite(uri)
            if _held_elsewhere(uri):
                raise store_error(StoreLocked("another process holds the lock"), uri, collection) from e
        raise store_error(e, uri, collection) from e
    return Client(uri, collection, raw, kwargs)
