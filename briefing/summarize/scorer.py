"""A learned sentence scorer: logistic regression over MiniLM sentence embeddings and position features.

Trained by ``scripts/train_scorer.py`` on the CNN/DailyMail dev half (labels: the greedy ROUGE oracle),
shipped as a few KB of JSON. Inference is one matrix-vector product in numpy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np

from ..errors import SummaryError

FEATURE_NAMES = (
    "first",
    "second",
    "third",
    "inverse_position",
    "relative_position",
    "log_words",
    "short",
    "centrality",
    "lead_similarity",
    "max_similarity_before",
    "log_sentences",
)


def sentence_features(sentences: list[str], vectors: np.ndarray) -> np.ndarray:
    """Per-sentence features: the hand-made ones of ``FEATURE_NAMES``, then the embedding itself."""
    n = len(sentences)
    index = np.arange(n, dtype=np.float32)
    words = np.array([len(s.split()) for s in sentences], dtype=np.float32)
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    similarity = vectors @ vectors.T
    before = np.where(np.tril(np.ones((n, n), dtype=bool), k=-1), similarity, -1.0).max(axis=1) if n > 1 else [-1.0]
    handmade = np.column_stack([
        index == 0, index == 1, index == 2,
        1.0 / (index + 1.0),
        index / max(n - 1, 1),
        np.log1p(words),
        words < 8,
        vectors @ centroid,
        similarity[0],
        np.maximum(before, 0.0),
        np.full(n, np.log1p(n)),
    ]).astype(np.float32)
    return np.hstack([handmade, vectors.astype(np.float32)])


@dataclass(frozen=True)
class LinearScorer:
    """``score = features @ coef + intercept`` (standardization folded into the weights)."""

    coef: np.ndarray
    intercept: float
    meta: dict[str, object]

    def score(self, features: np.ndarray) -> np.ndarray:
        if features.shape[1] != len(self.coef):
            raise SummaryError(f"sentence scorer expects {len(self.coef)} features, got {features.shape[1]} "
                               "(was it trained for another embedding model?)")
        return features @ self.coef + self.intercept

    def save(self, path: Path) -> None:
        payload = {**self.meta, "intercept": round(float(self.intercept), 6),
                   "coef": [round(float(x), 6) for x in self.coef]}
        path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> LinearScorer:
        """The shipped scorer, or one from ``path``.

        Raises:
            SummaryError: the file is missing or malformed.
        """
        source = path or files("briefing").joinpath("data/sentence_scorer.json")
        try:
            payload = json.loads(source.read_text(encoding="utf-8"))
            coef = np.asarray(payload.pop("coef"), dtype=np.float32)
            intercept = float(payload.pop("intercept"))
        except (OSError, ValueError, KeyError) as exc:
            raise SummaryError(f"{source}: cannot read sentence scorer: {exc}") from exc
        return cls(coef=coef, intercept=intercept, meta=payload)
