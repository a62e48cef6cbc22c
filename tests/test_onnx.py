"""The ONNX backend against torch fp32, and what an index records of the backend that built it.

Tests marked ``model`` use the converted model and its ONNX export, made once a run in the run's own
cache (conftest.py's ``model_cache``). The rest use fakes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from workspace import CORPUS, REPO, child_env

from index import (
    ExportFailed,
    IndexIncompatible,
    ModelUnavailable,
    Settings,
    build,
    chunk_document,
    embedder_for,
    load,
    make_embedder,
    read_corpus,
)
from index.embed._onnx import BACKEND, OnnxEmbedder
from index.embed._onnx_export import EXPORT_MARKER, OPTIMISATION, export_folder, export_marker, spec_of
from index.embed._torch import SentenceTransformerEmbedder
from index.split import windows


def corpus_texts(n: int = 40) -> list[str]:
    """Chunks and windows of the seed pages, spread over all of them."""
    chunks = [c for d in read_corpus([CORPUS]).documents for c in chunk_document(d)]
    texts = [t for c in chunks for t in [c.embed_text, *windows(c)]]
    return texts[:: max(1, len(texts) // n)][:n]


@pytest.fixture(scope="module")
def cache(model_cache: Path) -> Path:
    return model_cache


@pytest.fixture(scope="module")
def onnx(onnx_embedder: OnnxEmbedder) -> OnnxEmbedder:
    return onnx_embedder


@pytest.fixture(scope="module")
def torch_fp32(torch_embedder: SentenceTransformerEmbedder) -> SentenceTransformerEmbedder:
    return torch_embedder


@pytest.mark.model
def test_onnx_vectors_agree_with_torch_fp32_on_corpus_texts(
    onnx: OnnxEmbedder, torch_fp32: SentenceTransformerEmbedder
) -> None:
    texts = corpus_texts()
    cos = (onnx.embed_documents(texts) * torch_fp32.embed_documents(texts)).sum(axis=1)
    assert cos.min() >= 0.99, f"lowest cosine {cos.min():.4f}: {texts[int(cos.argmin())][:60]}"
    questions = ["嘉善有几家单位获评全国工人先锋号？", "Who runs the 'e港青友' brand?"]
    for q in questions:
        assert float(onnx.embed_query(q) @ torch_fp32.embed_query(q)) >= 0.99
    # Documents embedded in one batch or alone: int8 activations share one scale per batch, so
    # vectors move a little with their companions, never beyond the bar.
    alone = np.stack([onnx.embed_documents([t])[0] for t in texts[:8]])
    assert (alone * onnx.embed_documents(texts[:8])).sum(axis=1).min() >= 0.99
    assert onnx.dim == 384 and alone.dtype == np.float32


@pytest.mark.model
def test_a_question_gets_the_same_vector_whoever_else_asks(onnx: OnnxEmbedder) -> None:
    import threading

    questions = [f"第{i}个问题：嘉善有几家单位获评全国工人先锋号？" for i in range(12)]
    alone = {q: onnx.embed_query(q) for q in questions}
    together: dict[str, np.ndarray] = {}
    threads = [
        threading.Thread(target=lambda q=q: together.update({q: onnx.embed_query(q)})) for q in questions
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for q in questions:
        np.testing.assert_array_equal(together[q], alone[q])


@pytest.mark.model
def test_a_passage_embedded_while_answering_is_a_documents_vector_on_the_question_session(
    cache: Path,
) -> None:
    answering = OnnxEmbedder("", cache)
    texts = corpus_texts(6)
    passages = [answering.embed_passage(t) for t in texts]
    answering.embed_query("嘉善有几家单位获评全国工人先锋号？")
    # A process that only answers holds one session (a second costs 0.7 s and about 700 MB).
    assert set(answering._sessions) == {"query"}
    for text, vector in zip(texts, passages, strict=True):
        np.testing.assert_array_equal(vector, answering.embed_documents([text])[0])


@pytest.mark.model
def test_the_export_is_cached_with_its_marker(onnx: OnnxEmbedder, cache: Path) -> None:
    folder = export_folder(cache, onnx.identity)
    marker = json.loads((folder / EXPORT_MARKER).read_text(encoding="utf-8"))
    assert marker["optimisation"] == OPTIMISATION and marker["dim"] == 384
    assert marker["prompts"] == {"query": "query: ", "document": "passage: "}
    assert export_marker(folder, onnx.identity) == marker
    assert export_marker(folder, {**onnx.identity, "weights_sha256": "other"}) is None


@pytest.mark.model
def test_identity_names_the_backend_and_an_index_records_it(
    onnx: OnnxEmbedder, torch_fp32: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    assert onnx.identity == {**torch_fp32.identity, "backend": BACKEND, "optimisation": OPTIMISATION}
    assert "backend" not in torch_fp32.identity  # as every index built before the choice recorded it
    one = tmp_path / "one.txt"
    one.write_text("小镇工会\n\n本报讯 小镇工会选出了新一届主席。全体会员投票。\n", encoding="utf-8")
    settings = Settings(corpus=(one,), index_dir=tmp_path / "ix", cache_dir=tmp_path)
    build(settings, torch_fp32)
    ix = load(tmp_path / "ix")
    with pytest.raises(IndexIncompatible, match="on onnxruntime"):
        ix.check_embedder(onnx)  # opened the other way: refused, saying how it was built
    assert isinstance(embedder_for(ix.manifest.model, tmp_path), SentenceTransformerEmbedder)
    ix.close()
    # Built again the other way: every vector is embedded anew, none of torch's is kept.
    report = build(settings, onnx)
    windows_now = load(tmp_path / "ix").manifest.counts["windows"]
    assert report.written and report.embedded == report.chunks + windows_now
    assert any("no vector of the old model is kept" in n for n in report.notes)
    assert isinstance(embedder_for(load(tmp_path / "ix").manifest.model, tmp_path), OnnxEmbedder)


@pytest.mark.model
def test_status_remove_and_a_no_change_build_load_no_model(
    onnx: OnnxEmbedder, cache: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("a.txt", "b.txt"):
        page = f"{name}标题\n\n本报讯 {name}的工会开展了活动。职工参加。\n"
        (corpus / name).write_text(page, encoding="utf-8")
    ix = tmp_path / "ix"
    build(Settings(corpus=(corpus,), index_dir=ix, cache_dir=cache), onnx)
    env = child_env({"NEWS_ASSISTANT_CACHE_DIR": str(cache)})
    common = ["--corpus", str(corpus), "--index-dir", str(ix)]
    for args in (["build", *common], ["status", *common], ["remove", "b.txt", *common]):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "index", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-500:]
        imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
        assert not imported & {"torch", "onnxruntime", "sentence_transformers"}, args
    assert list(load(ix).manifest.files) == ["a.txt"]


def test_a_model_the_export_cannot_compute_is_refused_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "modules.json").write_text(
        json.dumps([{"path": "", "type": "x.Transformer"}, {"path": "1_Pooling", "type": "x.Pooling"}]),
        encoding="utf-8",
    )
    with pytest.raises(ExportFailed, match="Transformer, Pooling, Normalize"):
        spec_of(tmp_path)
    (tmp_path / "modules.json").write_text(
        json.dumps(
            [
                {"path": "", "type": "x.Transformer"},
                {"path": "1_Pooling", "type": "x.Pooling"},
                {"path": "2_Normalize", "type": "x.Normalize"},
            ]
        ),
        encoding="utf-8",
    )
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode": "cls"}', encoding="utf-8")
    with pytest.raises(ExportFailed, match="mean pooling only"):
        spec_of(tmp_path)


def test_a_damaged_export_says_to_delete_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    emb = OnnxEmbedder("", tmp_path)
    identity = {"name": "m", "weights_sha256": "abc", "backend": BACKEND, "optimisation": OPTIMISATION}
    monkeypatch.setattr(OnnxEmbedder, "identity", property(lambda self: identity))
    folder = export_folder(tmp_path, identity)
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(b"not a model")
    (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
    marker = {"exporter_version": "1", "optimisation": OPTIMISATION, "weights_sha256": "abc"}
    (folder / EXPORT_MARKER).write_text(json.dumps(marker | {"max_length": 512, "dim": 4}), encoding="utf-8")
    with pytest.raises(ModelUnavailable, match="delete the folder to export it again"):
        emb.embed_documents(["x"])


def test_the_backend_setting_is_checked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEWS_ASSISTANT_BACKEND", "torch")
    assert Settings().backend == "torch"
    assert isinstance(make_embedder("", tmp_path), SentenceTransformerEmbedder)
    monkeypatch.setenv("NEWS_ASSISTANT_BACKEND", "gpu")
    with pytest.raises(ValueError, match="NEWS_ASSISTANT_BACKEND must be one of onnx, torch"):
        Settings()
    done = subprocess.run(
        [sys.executable, "-m", "index", "status"],
        cwd=tmp_path,
        env=child_env({"NEWS_ASSISTANT_BACKEND": "gpu"}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "NEWS_ASSISTANT_BACKEND" in done.stderr
