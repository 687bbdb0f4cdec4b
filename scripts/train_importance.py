"""Train the ranker's importance prior: how widely the world covers a story like this one.

    python scripts/train_importance.py --data ../shared/data [--hold-out 2014-03-31:7 ...] [--write | --out PATH]

Data: the UCI dev stream (``uci_news/stream_dev.jsonl.gz``) seen as ``python -m bench ranking`` sees it:
a reader following the 20 publishers with the most items. Each training example is one UCI story on
one day that the followed publishers carried: the input is the mean MiniLM vector of their headlines
(embedded as the pipeline embeds a bare headline), the target is log2(1 + publishers in the whole
stream covering it that day) less what the followed coverage alone predicts. So the prior learns what
the reader's own count of publishers cannot see: which *kinds* of story the wider world covers widely.

Days held out of training: the bench's tuning week (2014-03-24..30) and its two report weeks
(2014-04-14..20, 2014-05-12..18), and any ``--hold-out START:N`` (N days from START; repeatable), so
that ``python -m bench ranking --importance PATH`` can measure a week the prior never saw. Ridge
regression (closed form, fixed alpha); the weights are written to ``briefing/data/importance.json``
with ``--write``, or to ``--out PATH``. For every held-out week it prints NDCG@10 over the new stories
for followed coverage alone and with the prior added at several weights (perfect clustering): a quick
look before the real bench.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.ranking import load_rows, ndcg_at, story_days, top_publishers  # noqa: E402
from briefing.embed import Encoder  # noqa: E402

HELD_OUT = [(date(2014, 3, 24), 7), (date(2014, 4, 14), 7), (date(2014, 5, 12), 7)]
ALPHA = 10.0
OUT = REPO / "briefing" / "data" / "importance.json"


def held_out_days(weeks: list[tuple[date, int]]) -> set[date]:
    return {start + timedelta(days=i) for start, n in weeks for i in range(n)}


def span(text: str) -> tuple[date, int]:
    """``START:N`` (``2014-03-31:7``): N days from START."""
    start, sep, days = text.partition(":")
    try:
        parsed = (date.fromisoformat(start), int(days) if sep else 7)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected START:N such as 2014-03-31:7, got {text!r}") from None
    if parsed[1] < 1:
        raise argparse.ArgumentTypeError(f"expected START:N with N at least 1, got {text!r}")
    return parsed


def examples(by_day, days, followed, encoder):  # type: ignore[no-untyped-def]
    """(vectors, log2 world size, log2 followed publishers, day, story id, new?) for every followed story."""
    texts, owners, rows_out = [], [], []
    for day in days:
        for story in story_days(day, by_day, followed).values():
            if not story.followed_items:
                continue
            titles = [r.title for r in by_day[day] if r.story == story.story and r.publisher in followed]
            for title in titles:
                texts.append(f"{title}.")
                owners.append(len(rows_out))
            rows_out.append((day, story.story, story.new, np.log2(1 + story.world_size),
                             np.log2(1 + story.followed_publishers)))
    vectors = encoder.encode(texts)
    owners_arr = np.asarray(owners)
    centroids = np.zeros((len(rows_out), vectors.shape[1]), dtype=np.float64)
    np.add.at(centroids, owners_arr, vectors)
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    return centroids, rows_out


def fit(x: np.ndarray, rows: list) -> tuple[np.ndarray, float, float]:  # type: ignore[type-arg]
    """Ridge of the residual target (world coverage beyond the followed count) on the vectors."""
    world = np.array([r[3] for r in rows])
    fol = np.array([r[4] for r in rows])
    slope, intercept = np.polyfit(fol, world, 1)
    residual = world - (slope * fol + intercept)
    mean = x.mean(axis=0)
    xc = x - mean
    weights = np.linalg.solve(xc.T @ xc + ALPHA * np.eye(x.shape[1]), xc.T @ residual)
    bias = float(-mean @ weights)
    return weights, bias, float(slope)


def check(x: np.ndarray, rows: list, weights: np.ndarray, bias: float) -> None:  # type: ignore[type-arg]
    prior = x @ weights + bias
    by_day: dict[date, list[int]] = {}
    for i, row in enumerate(rows):
        by_day.setdefault(row[0], []).append(i)
    print(f"prior on {len(rows)} held-out stories: corr with residual world coverage "
          f"{np.corrcoef(prior, np.array([r[3] for r in rows]))[0, 1]:.3f}")
    for w in (0.0, 0.25, 0.5, 1.0, 2.0):
        scores = []
        for _, idx in sorted(by_day.items()):
            gains = {rows[i][1]: float(rows[i][3]) for i in idx if rows[i][2]}  # log2(1 + world size)
            order = sorted(idx, key=lambda i: -(rows[i][4] + w * prior[i]))
            value = ndcg_at([rows[i][1] for i in order], gains)
            if value is not None:
                scores.append(value)
        print(f"  followed coverage + {w:.2f} x prior: NDCG@10 {np.mean(scores):.3f} over {len(scores)} days")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--hold-out", type=span, action="append", default=[], metavar="START:N",
                        help="also hold out N days from START, e.g. 2014-03-31:7 (repeatable; A, B, C always are)")
    parser.add_argument("--write", action="store_true", help=f"write {OUT.relative_to(REPO)}")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"write the weights to this file instead of {OUT.relative_to(REPO)}")
    args = parser.parse_args()
    weeks = HELD_OUT + [w for w in args.hold_out if w not in HELD_OUT]
    path = args.data / "uci_news" / "stream_dev.jsonl.gz"
    if not path.is_file():
        print(f"train_importance: {path} not found (pass --data)")
        return 2
    by_day = load_rows(path, None)
    followed = set(top_publishers(by_day, 20))
    held = held_out_days(weeks)
    train_days = [d for d in by_day if d not in held and by_day[d]]
    encoder = Encoder()
    x, rows = examples(by_day, train_days, followed, encoder)
    weights, bias, slope = fit(x, rows)
    print(f"trained on {len(rows)} stories from {len(train_days)} days (coverage slope {slope:.2f})")
    for start, n in weeks:
        days = [start + timedelta(days=i) for i in range(n) if by_day.get(start + timedelta(days=i))]
        if not days:
            print(f"held-out week {start}: no rows in the stream")
            continue
        hx, hrows = examples(by_day, days, followed, encoder)
        print(f"held-out week {start} ({len(days)} of {n} days have rows):")
        check(hx, hrows, weights, bias)
    if args.write or args.out is not None:
        out = args.out or OUT
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({
            "about": "importance prior: predicted log2 world coverage beyond the followed count, from the story "
                     "vector; trained by scripts/train_importance.py on the UCI dev stream",
            "model": encoder.model_id, "alpha": ALPHA, "held_out": [f"{s}+{n}d" for s, n in weeks],
            "examples": len(rows), "bias": round(bias, 6), "weights": [round(float(w), 6) for w in weights],
        }) + "\n", encoding="utf-8")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
