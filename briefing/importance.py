"""Linear models over a story's vector, shipped as JSON, that tell the ranker what coverage counts cannot.

- The importance prior: how widely the wider world tends to cover a story like this one. A reader's own feeds
  see a sliver of the world's coverage. Trained on the UCI news stream (``scripts/train_importance.py``), it
  predicts how many more publishers cover a story of its kind than the reader's count shows (in log2 units).
  ``rank.importance_file`` names another prior in the same format (``scripts/train_importance.py --out``), e.g.
  one trained without the days a benchmark reports.
- The feature model: the log-odds that a piece with text reads as a feature (human interest, profile, trend piece,
  outlook) rather than the day's news, trained on hand-labelled season items (``scripts/train_features.py``).
- The news-grade model: how prominently an editor places a piece like this one on its day, from 0 (not the day's
  news) to 3 (a lead), trained on blind grades of real feed days (``scripts/train_grades.py``, ``bench editor``).

Each only knows the sentence encoder it was trained with; with another model it is off.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError

FILE = "importance.json"
FEATURES_FILE = "features.json"
GRADES_FILE = "grades.json"


@dataclass(frozen=True)
class VectorModel:
    weights: np.ndarray
    bias: float
    model: str

    def __call__(self, vectors: np.ndarray) -> np.ndarray:
        """``weights · row + bias`` for each row of ``vectors`` (L2-normalized story vectors)."""
        if len(vectors) == 0:
            return np.zeros(0, dtype=np.float32)
        return (np.asarray(vectors, dtype=np.float32) @ self.weights + self.bias).astype(np.float32)


def parse(document: Any) -> VectorModel:
    """A prior from its JSON document: ``weights`` (a non-empty list of finite numbers), ``bias`` (a finite
    number) and ``model`` (the encoder's id); other keys are notes.

    Raises:
        ValueError: a key is missing or malformed; the message says which, on one line.
    """
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    for key in ("weights", "bias", "model"):
        if key not in document:
            raise ValueError(f"no {key!r}")
    weights, bias, model = document["weights"], document["bias"], document["model"]
    if (not isinstance(weights, list) or not weights
            or not all(isinstance(w, int | float) and not isinstance(w, bool) and math.isfinite(w) for w in weights)):
        raise ValueError("'weights' must be a non-empty list of finite numbers")
    if isinstance(bias, bool) or not isinstance(bias, int | float) or not math.isfinite(bias):
        raise ValueError("'bias' must be a finite number")
    if not isinstance(model, str) or not model:
        raise ValueError("'model' must name the encoder the prior was trained with")
    return VectorModel(np.asarray(weights, dtype=np.float32), float(bias), model)


@lru_cache(maxsize=2)
def _shipped(file: str) -> VectorModel:
    return parse(json.loads(resources.files("briefing").joinpath("data", file).read_text(encoding="utf-8")))


def load(path: Path) -> VectorModel:
    """The prior in ``path`` (read once per version of the file).

    Raises:
        ConfigError: the file is missing, not JSON, or not a prior; one line naming the file.
    """
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read importance prior: {exc.strerror}") from None
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int, size: int) -> VectorModel:
    try:
        return parse(json.loads(Path(path).read_text(encoding="utf-8")))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read importance prior: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: importance prior is not JSON: {exc}") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: not an importance prior: {exc}") from None


def _same_encoder(a: str, b: str) -> bool:
    return a.split("+")[0] == b.split("+")[0]


def prior_for(model_id: str, path: Path | None = None) -> VectorModel | None:
    """The prior for the encoder ``model_id``: the one in ``path`` (``rank.importance_file``) when given, else the
    shipped one. The shipped prior is None for another encoder (quantized or not counts as the same).

    Raises:
        ConfigError: ``path`` cannot be read, is not a prior, or was trained with another encoder.
    """
    if path is None:
        return _shipped_for(FILE, model_id)
    prior = load(path)
    if not _same_encoder(model_id, prior.model):
        raise ConfigError(f"{path}: importance prior trained with {prior.model!r}, not the encoder in use "
                          f"{model_id!r} (rank.importance_file)")
    return prior


def features_for(model_id: str) -> VectorModel | None:
    """The shipped feature model (log-odds per row) for the encoder ``model_id`` (quantized or not), else None."""
    return _shipped_for(FEATURES_FILE, model_id)


def grades_for(model_id: str) -> VectorModel | None:
    """The shipped news-grade model (an editor's grade, 0–3, per row) for the encoder ``model_id``, else None."""
    return _shipped_for(GRADES_FILE, model_id)


def _shipped_for(file: str, model_id: str) -> VectorModel | None:
    model = _shipped(file)
    return model if _same_encoder(model_id, model.model) else None
