"""Linear models over a story's vector, shipped as JSON, that tell the ranker what coverage counts cannot.

- The importance prior: how widely the wider world tends to cover a story like this one. A reader's own feeds
  see a sliver of the world's coverage. Trained on the UCI news stream (``scripts/train_importance.py``), it
  predicts how many more publishers cover a story of its kind than the reader's count shows (in log2 units).
- The feature model: the log-odds that a piece with text reads as a feature (human interest, profile, trend piece,
  outlook) rather than the day's news, trained on hand-labelled season items (``scripts/train_features.py``).

Each only knows the sentence encoder it was trained with; with another model it is off.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

FILE = "importance.json"
FEATURES_FILE = "features.json"


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


@lru_cache(maxsize=2)
def _shipped(file: str) -> VectorModel:
    document = json.loads(resources.files("briefing").joinpath("data", file).read_text(encoding="utf-8"))
    return VectorModel(np.asarray(document["weights"], dtype=np.float32), float(document["bias"]),
                           str(document["model"]))


def _for_encoder(file: str, model_id: str) -> VectorModel | None:
    model = _shipped(file)
    return model if model_id.split("+")[0] == model.model.split("+")[0] else None


def prior_for(model_id: str) -> VectorModel | None:
    """The shipped prior when ``model_id`` is the encoder it was trained with (quantized or not), else None."""
    return _for_encoder(FILE, model_id)


def features_for(model_id: str) -> VectorModel | None:
    """The shipped feature model (log-odds per row) for the encoder ``model_id`` (quantized or not), else None."""
    return _for_encoder(FEATURES_FILE, model_id)
