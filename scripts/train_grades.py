"""Train the ranker's news-grade model: how prominently would an editor place a piece with text on its day?

    python scripts/train_grades.py --data ../shared/data [--write]

Labels: ``bench/data/editor_labels.jsonl`` (``bench editor``): every item of sampled season days graded blind, 0 (not
the day's news) to 3 (a lead), each row with its day and split. Only ``train`` days are fitted (ridge regression on
the story vector to the grade, alpha chosen by leave-days-out cross-validation); ``tune`` days are scored here
(Spearman and a top-3 hit rate against the grades) and are where the ranker's weight is chosen (``bench editor``);
``test`` days are never read by this script. Titles and standfirsts come from the feed snapshots of ``--data``.
Input: the vector the pipeline embeds for the article (``briefing.pipeline.embedding_text``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import DataMissing  # noqa: E402
from bench.first_events_pool import embedded  # noqa: E402

LABELS = REPO / "bench" / "data" / "editor_labels.jsonl"
OUT = REPO / "briefing" / "data" / "grades.json"
ALPHAS = (1.0, 3.0, 10.0, 30.0)


def top_hits(days: list[str], truth: np.ndarray, scores: np.ndarray, k: int = 3) -> float:
    """Share of each day's top ``k`` by score that the editor graded 2 or 3, averaged over days."""
    by_day: dict[str, list[int]] = defaultdict(list)
    for i, day in enumerate(days):
        by_day[day].append(i)
    shares = []
    for rows in by_day.values():
        best = sorted(rows, key=lambda i: -scores[i])[:k]
        shares.append(float(np.mean([truth[i] >= 2 for i in best])))
    return float(np.mean(shares))


def main() -> int:
    from scipy.stats import spearmanr
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GroupKFold, cross_val_predict

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--write", action="store_true", help=f"write {OUT.relative_to(REPO)}")
    args = parser.parse_args()
    if not (args.data / "daily").is_dir():
        print(f"train_grades: {args.data / 'daily'} not found (pass --data)")
        return 2
    rows = [json.loads(line) for line in args.labels.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [row for row in rows if row["split"] in ("train", "tune")]
    try:
        x, model_id = embedded(args.data, [row["link"] for row in rows])
    except DataMissing as exc:
        print(f"train_grades: {exc}")
        return 2
    y = np.array([float(r["grade"]) for r in rows])
    days = [r["day"] for r in rows]
    train = np.array([r["split"] == "train" for r in rows])
    train_days = [d for d, t in zip(days, train, strict=True) if t]
    tune_days = [d for d, t in zip(days, train, strict=True) if not t]
    print(f"{int(train.sum())} train items on {len(set(train_days))} days; {int((~train).sum())} tune items on "
          f"{len(set(tune_days))} days")
    folds = GroupKFold(5)
    best_alpha, best_rho = ALPHAS[0], -1.0
    for alpha in ALPHAS:
        predicted = cross_val_predict(Ridge(alpha=alpha), x[train], y[train], cv=folds, groups=train_days)
        rho = spearmanr(predicted, y[train]).statistic
        print(f"  train, 5 folds of days, alpha={alpha}: Spearman {rho:.3f}, "
              f"top-3 graded 2+ {top_hits(train_days, y[train], predicted):.2f}")
        if rho > best_rho:
            best_alpha, best_rho = alpha, rho
    model = Ridge(alpha=best_alpha).fit(x[train], y[train])
    tuned = model.predict(x[~train])
    print(f"tune days (model fitted on train, alpha={best_alpha}): Spearman "
          f"{spearmanr(tuned, y[~train]).statistic:.3f}, top-3 graded 2+ {top_hits(tune_days, y[~train], tuned):.2f} "
          f"(share of items graded 2+: {float(np.mean(y[~train] >= 2)):.2f})")
    if args.write:
        OUT.write_text(json.dumps({
            "about": "news-grade model: the grade (0 not the day's news … 3 a lead) an editor gave pieces like this "
                     "one, from its story vector; trained by scripts/train_grades.py on the train days of "
                     "bench/data/editor_labels.jsonl",
            "model": model_id, "alpha": best_alpha, "examples": int(train.sum()),
            "train_spearman_cv": round(best_rho, 3),
            "bias": round(float(model.intercept_), 6), "weights": [round(float(w), 6) for w in model.coef_],
        }) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
