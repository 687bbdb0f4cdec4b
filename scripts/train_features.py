"""Train the ranker's feature model: does a piece with text read as a feature rather than the day's news?

    python scripts/train_features.py --data ../shared/data [--write]

Labels: ``bench/data/feature_labels.jsonl``, 480 items with text drawn at random from the season's news pieces (kind
``news`` by ``briefing.kinds``), each labelled by one reader from its headline, standfirst and link, before any model
was fitted: ``news`` (a development of the last day or two is its hook) or ``feature`` (human interest, profiles,
trend pieces, reconstructions, outlooks, columns in the third person), ``unsure`` left out. The file keeps only links
and labels; titles and standfirsts come from the feed snapshots of ``--data`` (``bench.first_events_pool``), the
first copy of each link.

Split by the link's sha1: even → dev (fitted, C chosen by 5-fold cross-validation), odd → held out, scored once with
the model fitted on dev alone, which is the model written to ``briefing/data/features.json`` with ``--write``.
Input: the vector the pipeline embeds for the article (``briefing.pipeline.embedding_text``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import DataMissing  # noqa: E402
from bench.first_events_pool import embedded  # noqa: E402

LABELS = REPO / "bench" / "data" / "feature_labels.jsonl"
OUT = REPO / "briefing" / "data" / "features.json"
C_GRID = (0.3, 1.0, 3.0, 10.0)


def is_dev(link: str) -> bool:
    return int(hashlib.sha1(link.encode()).hexdigest(), 16) % 2 == 0


def counts(truth: np.ndarray, scores: np.ndarray, threshold: float) -> str:
    flagged = scores >= threshold
    tp, fp, fn = int((flagged & truth).sum()), int((flagged & ~truth).sum()), int((~flagged & truth).sum())
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return f"p ≥ {threshold:.1f}: {tp} / {fp} / {fn} · precision {precision:.2f} recall {recall:.2f}"


def main() -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--write", action="store_true", help=f"write {OUT.relative_to(REPO)}")
    args = parser.parse_args()
    if not (args.data / "daily").is_dir():
        print(f"train_features: {args.data / 'daily'} not found (pass --data)")
        return 2
    labels = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [row for row in labels if row["label"] in ("news", "feature")]
    try:
        x, model_id = embedded(args.data, [row["link"] for row in rows])
    except DataMissing as exc:
        print(f"train_features: {exc}")
        return 2
    y = np.array([r["label"] == "feature" for r in rows])
    dev = np.array([is_dev(r["link"]) for r in rows])
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    print(f"{len(rows)} labelled ({int(y.sum())} features); dev {int(dev.sum())} ({int(y[dev].sum())}), "
          f"held out {int((~dev).sum())} ({int(y[~dev].sum())})")
    best_c, best_auc = C_GRID[0], -1.0
    for c in C_GRID:
        model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
        scores = cross_val_predict(model, x[dev], y[dev], cv=folds, method="predict_proba")[:, 1]
        auc = roc_auc_score(y[dev], scores)
        print(f"  dev 5-fold C={c}: AUC {auc:.3f}; {counts(y[dev], scores, 0.5)}; {counts(y[dev], scores, 0.7)}")
        if auc > best_auc:
            best_c, best_auc = c, auc
    model = LogisticRegression(C=best_c, max_iter=5000, class_weight="balanced").fit(x[dev], y[dev])
    held = model.predict_proba(x[~dev])[:, 1]
    held_auc = roc_auc_score(y[~dev], held)
    print(f"held out (model fitted on dev, C={best_c}): AUC {held_auc:.3f}")
    for threshold in (0.5, 0.7, 0.8):
        print(f"  {counts(y[~dev], held, threshold)}")
    if args.write:
        OUT.write_text(json.dumps({
            "about": "feature model: log-odds that a piece with text reads as a feature rather than the day's news, "
                     "from its story vector; trained by scripts/train_features.py on bench/data/feature_labels.jsonl",
            "model": model_id, "C": best_c, "examples": int(dev.sum()),
            "dev_auc_cv": round(best_auc, 3), "held_out_auc": round(held_auc, 3),
            "bias": round(float(model.intercept_[0]), 6), "weights": [round(float(w), 6) for w in model.coef_[0]],
        }) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
