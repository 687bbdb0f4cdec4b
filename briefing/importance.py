"""The importance prior: how widely the wider world tends to cover a story like this one.

A reader's own feeds see a sliver of the world's coverage. A linear model over the story's vector,
trained on the UCI news stream (``scripts/train_importance.py``), predicts how many more publishers
cover a story of its kind than the reader's count shows (in log2 units). It only knows the sentence
encoder it was trained with; with another model the prior is off.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

FILE = "importance.json"


@dataclass(frozen=True)
class ImportancePrior:
    weights: np.ndarray
    bias: float
    model: str

    def __call__(self, vectors: np.ndarray) -> np.ndarray:
        """The prior for each row of ``vectors`` (L2-normalized story vectors)."""
        if len(vectors) == 0:
            return np.zeros(0, dtype=np.float32)
        return (np.asarray(vectors, dtype=np.float32) @ self.weights + self.bias).astype(np.float32)


@lru_cache(maxsize=1)
def _shipped() -> ImportancePrior:
    document = json.loads(resources.files("briefing").joinpath("data", FILE).read_text(encoding="utf-8"))
    return ImportancePrior(np.asarray(document["weights"], dtype=np.float32), float(document["bias"]),
                           str(document["model"]))


def prior_for(model_id: str) -> ImportancePrior | None:
    """The shipped prior when ``model_id`` is the encoder it was trained with (quantized or not), else None."""
    prior = _shipped()
    return prior if model_id.split("+")[0] == prior.model.split("+")[0] else None
