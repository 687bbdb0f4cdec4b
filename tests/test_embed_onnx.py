"""The ONNX Runtime encoder (``embed.runtime = "onnx"``), exported from a tiny random BERT written offline."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from briefing import embed_onnx
from briefing.config import EmbedConfig
from briefing.embed import Encoder
from briefing.errors import SummaryError

from .helpers import tiny_bert

TEXTS = ["the war", "bank rates rise in the city as the minister says growth is low", "storm", "",
         "a storm on the coast of the city today"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(autouse=True)
def user_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def test_model_id_names_the_runtime_so_vector_caches_never_mix() -> None:
    ids = {Encoder("m", runtime=r, quantize=q).model_id for r in ("torch", "onnx") for q in (True, False)}
    assert ids == {"m+int8", "m", "m+onnx-int8", "m+onnx"}
    assert Encoder.from_config(EmbedConfig(runtime="onnx")).model_id.endswith("+onnx-int8")
    with pytest.raises(SummaryError, match=r"embed\.runtime"):
        Encoder("m", runtime="tensorflow")


def test_missing_onnxruntime_is_one_line_with_the_install_command(tiny_model: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_onnxruntime(name: str, *args: object, **kwargs: object) -> object:
        if name.split(".")[0] in {"onnxruntime", "onnx"}:
            raise ImportError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnxruntime)
    with pytest.raises(SummaryError, match=r'pip install -e "\.\[onnx\]"') as info:
        Encoder(str(tiny_model), runtime="onnx").encode(["hello"])
    assert "\n" not in str(info.value)
    assert "onnxruntime missing" in str(info.value)


def test_onnx_vectors_match_torch_and_the_export_is_reused(tiny_model: Path, user_cache: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    pytest.importorskip("onnx", reason="the onnx extra is not installed")
    torch_fp32 = Encoder(str(tiny_model), batch_size=2, quantize=False).encode(TEXTS)
    onnx_fp32 = Encoder(str(tiny_model), batch_size=2, quantize=False, runtime="onnx").encode(TEXTS)
    assert onnx_fp32.shape == torch_fp32.shape and onnx_fp32.dtype == np.float32
    assert (1 - (onnx_fp32 * torch_fp32).sum(axis=1)).max() < 1e-3  # cosine gap, unit vectors
    onnx_int8 = Encoder(str(tiny_model), batch_size=2, runtime="onnx")
    int8 = onnx_int8.encode(TEXTS)
    assert (1 - (int8 * torch_fp32).sum(axis=1)).max() < 0.05
    assert onnx_int8.dimension == 32
    np.testing.assert_allclose(np.linalg.norm(int8, axis=1), 1.0, rtol=1e-5)
    files = sorted(p.name for p in (user_cache / "briefing" / "models" / "onnx").glob("*/*.onnx"))
    assert files == ["model-int8.onnx", "model.onnx"]
    assert not list((user_cache / "briefing" / "models" / "onnx").glob("*/.tmp-*"))  # scratch folders removed

    def no_export(*args: object, **kwargs: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(embed_onnx, "_export", no_export)
    again = Encoder(str(tiny_model), batch_size=2, runtime="onnx").encode(TEXTS)
    np.testing.assert_array_equal(again, int8)


def test_the_onnx_encoder_runs_the_same_batches(tiny_model: Path) -> None:
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    pytest.importorskip("onnx", reason="the onnx extra is not installed")
    encoder = Encoder(str(tiny_model), batch_size=2, runtime="onnx")
    vectors = encoder.encode(TEXTS)
    plan = encoder.plan(TEXTS)
    assert plan == Encoder(str(tiny_model), batch_size=2).plan(TEXTS)
    for batch in plan:
        np.testing.assert_array_equal(encoder.embed_batch([TEXTS[i] for i in batch]), vectors[batch])


def test_a_changed_model_is_exported_again(tmp_path: Path) -> None:
    model = tiny_bert(tmp_path / "bert")
    first = embed_onnx.export_key(str(model), str(model))
    (model / "config.json").write_text((model / "config.json").read_text().replace("{", '{"note": 1,', 1))
    assert embed_onnx.export_key(str(model), str(model)) != first


def test_word_pieces_give_transformers_tokens(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    texts = [*TEXTS[:3], " ", "storm " * 400]  # the last one is truncated
    expected = AutoTokenizer.from_pretrained(str(tiny_model))(texts, padding=True, truncation=True,
                                                               max_length=256, return_tensors="np")
    words = embed_onnx.WordPieces.for_folder(tiny_model, 256)
    assert words is not None
    got = words(texts)
    for key in ("input_ids", "attention_mask", "token_type_ids"):
        np.testing.assert_array_equal(got[key], expected[key])


def test_a_cached_export_runs_without_torch(tiny_model: Path, user_cache: Path) -> None:
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    pytest.importorskip("onnx", reason="the onnx extra is not installed")
    Encoder(str(tiny_model), runtime="onnx").load()  # exported here if no test before did
    script = ("import sys; from briefing.embed import Encoder; "
              f"v = Encoder({str(tiny_model)!r}, runtime='onnx').encode(['storm']); "
              "print(v.shape[1], 'torch' in sys.modules, 'transformers' in sys.modules)")
    env = {**os.environ, "XDG_CACHE_HOME": str(user_cache),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["32", "False", "False"]
