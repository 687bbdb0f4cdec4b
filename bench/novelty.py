"""Novelty and story clustering on the UCI News Aggregator stream, replayed day by day.

Label: an item is *new* when it is the first item of its STORY in the stream (by timestamp; the
file is sorted by (timestamp, id)). Scores, higher = more novel, for the same items in one run:

- ``embedding``: 1 − max cosine between the item's MiniLM vector (``briefing.pipeline.embedding_text``
  of the headline) and every earlier item in the history window (the previous ``--history-days`` UTC
  days, plus the earlier items of the same day).
- ``ranker`` / ``ranker_score``: the real pipeline path. The day's items are clustered with
  ``briefing.cluster.cluster_articles`` and ranked with ``briefing.rank.rank_stories`` against
  ``HistoryItem``s of the previous days. The first report of each story (its earliest article, as a
  briefing lists it) gets the story's ``novelty`` (resp. ``score``); the story's later articles are
  follow-ups by our own clustering and rank below every first report. The story is the product's
  unit: this is how its judgement maps onto the item-level label, using only the day's items.
- ``tfidf``: the classic first-story-detection baseline: TF-IDF cosine (fit per day on the window's
  headlines, English stop words, sublinear tf), 1 − max cosine to every earlier headline in the same
  window as ``embedding``.

Clustering: B-cubed precision/recall/F1 of the day's ``cluster_articles`` stories against the day's
STORY ids (items averaged within a day; macro = mean over days, micro = pooled over items).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from .common import read_jsonl, require, table, write_result

DATA_FILE = "uci_news/stream_dev.jsonl.gz"
METHODS = ("embedding", "ranker", "ranker_score", "tfidf")
LABELS = {
    "embedding": "ours: embedding novelty",
    "ranker": "ours: rank_stories novelty, first reports",
    "ranker_score": "ours: rank_stories score, first reports",
    "tfidf": "TF-IDF FSD baseline",
}
TOP_K = (10, 100, 1000)
ROW_CHUNK = 512
"""Rows per similarity block: bounds memory at ROW_CHUNK × history size."""
CURVE_POINTS = 200
REPEAT_OFFSET = 10.0
"""Puts repeats below every new or updated story (scores stay well under this)."""
FOLLOW_UP_OFFSET = 100.0
"""Puts a story's later articles below every story's first report."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=None, help="evaluate at most N days (after --start-day)")
    parser.add_argument("--start-day", type=date.fromisoformat, default=None, help="first UTC day (YYYY-MM-DD)")
    parser.add_argument("--sample-days", type=int, default=1,
                        help="evaluate every Kth day (history days are still embedded; default 1 = every day)")
    parser.add_argument("--max-items-per-day", type=int, default=None,
                        help="keep only each day's first N items (history days too)")
    parser.add_argument("--threshold", type=float, default=None,
                        help="clustering cosine threshold (default: briefing's ClusterConfig().threshold)")
    parser.add_argument("--headline-hours", type=float, default=None,
                        help="time scale of the bare-headline similarity fade (default: briefing's "
                             "ClusterConfig().headline_hours; 0 = no fade)")
    parser.add_argument("--history-days", type=int, default=None,
                        help="history window in days (default: briefing's RankConfig().history_days)")
    parser.add_argument("--sweep-thresholds", default=None,
                        help="comma list of extra clustering thresholds to score (B-cubed only), e.g. 0.4,0.5,0.6")
    parser.add_argument("--no-ranker", action="store_true", help="skip the rank_stories path (the slowest part)")
    parser.add_argument("--batch-size", type=int, default=128, help="encoder batch size (default 128)")
    parser.add_argument("--vector-cache", type=Path, default=None,
                        help="a .npy file keeping headline vectors across runs, e.g. bench/results/cache/uci.npy; "
                             "rebuilt when the model name or the embedded texts change, not when the weights do "
                             "(default: in memory only, this run)")


@dataclass
class Stream:
    ids: np.ndarray
    titles: list[str]
    publishers: list[str]
    urls: list[str]
    stories: list[str]
    times: list[datetime]
    days: list[date]
    positive: np.ndarray  # first item of its story
    day_index: dict[date, np.ndarray] = field(default_factory=dict)  # day -> stream positions


def load_stream(path: Path, limit: int | None) -> Stream:
    ids, titles, publishers, urls, stories, times, days = [], [], [], [], [], [], []
    seen: set[str] = set()
    positive = []
    for row in read_jsonl(path):
        moment = datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00"))
        ids.append(int(row["id"]))
        titles.append(row["title"])
        publishers.append(row.get("publisher") or "")
        urls.append(row.get("url") or "")
        stories.append(row["story"])
        times.append(moment)
        days.append(moment.astimezone(UTC).date())
        positive.append(row["story"] not in seen)
        seen.add(row["story"])
        if limit is not None and len(ids) >= limit:
            break
    stream = Stream(np.asarray(ids), titles, publishers, urls, stories, times, days, np.asarray(positive, dtype=bool))
    order = np.arange(len(ids))
    day_array = np.asarray([d.toordinal() for d in days])
    for ordinal in np.unique(day_array):
        stream.day_index[date.fromordinal(int(ordinal))] = order[day_array == ordinal]
    return stream


def select_days(stream: Stream, args: argparse.Namespace) -> list[date]:
    days = sorted(stream.day_index)
    if args.start_day is not None:
        days = [d for d in days if d >= args.start_day]
    days = days[:: max(1, args.sample_days)]
    if args.days is not None:
        days = days[: args.days]
    return days


# --- metrics ----------------------------------------------------------------------------------------


def bcubed(predicted: Sequence[Any], gold: Sequence[Any]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 (item-averaged P and R, F1 of the two)."""
    n = len(gold)
    if n == 0:
        return 1.0, 1.0, 1.0
    _, p = np.unique(np.asarray(predicted, dtype=str), return_inverse=True)
    _, g = np.unique(np.asarray(gold, dtype=str), return_inverse=True)
    pair = p.astype(np.int64) * (g.max() + 1) + g
    _, pair_inv, pair_counts = np.unique(pair, return_inverse=True, return_counts=True)
    both = pair_counts[pair_inv]  # per item: items sharing its cluster and its story
    precision = float(np.mean(both / np.bincount(p)[p]))
    recall = float(np.mean(both / np.bincount(g)[g]))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def precision_at(scores: np.ndarray, labels: np.ndarray, k: int, rng: np.random.Generator) -> float | None:
    """Precision of the top ``k`` by score; ties broken at random (seeded), not by stream order."""
    if len(scores) < k:
        return None
    order = np.lexsort((rng.random(len(scores)), -scores))
    return float(labels[order[:k]].mean())


def average_precision(scores: np.ndarray, labels: np.ndarray) -> float | None:
    from sklearn.metrics import average_precision_score

    if not labels.any():
        return None
    return float(average_precision_score(labels, scores))


def pr_curve(scores: np.ndarray, labels: np.ndarray) -> dict[str, list[float]]:
    """sklearn's precision–recall points (recall decreasing), thinned to about CURVE_POINTS.

    Kept: evenly spaced points along the curve, plus the first point at or below each step of an
    even recall grid, plus both ends; plot them with ``drawstyle="steps-post"``.
    """
    from sklearn.metrics import precision_recall_curve

    if not labels.any():
        return {"recall": [], "precision": []}
    precision, recall, _ = precision_recall_curve(labels, scores)
    n = len(recall)
    along = np.linspace(0, n - 1, CURVE_POINTS // 2).round().astype(int)
    by_recall = np.searchsorted(-recall, -np.linspace(1.0, 0.0, CURVE_POINTS // 2), side="left").clip(0, n - 1)
    keep = np.unique(np.concatenate([along, by_recall, [0, n - 1]]))
    return {"recall": [round(float(x), 5) for x in recall[keep]],
            "precision": [round(float(x), 5) for x in precision[keep]]}


# --- scores -----------------------------------------------------------------------------------------


def max_similarity_dense(today: np.ndarray, history: np.ndarray) -> np.ndarray:
    """Per row of ``today``: max cosine to ``history`` rows and to earlier rows of ``today`` (0 if none)."""
    n = len(today)
    best = np.zeros(n, dtype=np.float32)
    if n == 0:
        return best
    best[:] = -np.inf
    for start in range(0, n, ROW_CHUNK):
        block = today[start : start + ROW_CHUNK]
        if len(history):
            best[start : start + len(block)] = (block @ history.T).max(axis=1)
        within = block @ today[: start + len(block)].T
        rows = np.arange(len(block))[:, None] + start
        within[np.arange(within.shape[1])[None, :] >= rows] = -np.inf  # only strictly earlier items
        best[start : start + len(block)] = np.maximum(best[start : start + len(block)], within.max(axis=1))
    best[~np.isfinite(best)] = 0.0
    return best


def max_similarity_tfidf(today_titles: Sequence[str], history_titles: Sequence[str]) -> np.ndarray:
    """The TF-IDF analogue of :func:`max_similarity_dense` (vectorizer fit on window + today's headlines)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(today_titles)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, dtype=np.float32)
    try:
        vectorizer.fit([*history_titles, *today_titles])
    except ValueError:  # empty vocabulary: nothing but stop words
        return np.zeros(n, dtype=np.float32)
    today = vectorizer.transform(today_titles).tocsr()
    history = vectorizer.transform(history_titles).tocsr() if history_titles else None
    best = np.zeros(n, dtype=np.float32)
    for start in range(0, n, ROW_CHUNK):
        block = today[start : start + ROW_CHUNK]
        if history is not None:
            best[start : start + block.shape[0]] = block.dot(history.T).max(axis=1).toarray().ravel()
        within = block.dot(today[: start + block.shape[0]].T).tocoo()
        keep = within.col < within.row + start
        if keep.any():
            rows_best = np.zeros(block.shape[0], dtype=np.float32)
            np.maximum.at(rows_best, within.row[keep], within.data[keep])
            best[start : start + block.shape[0]] = np.maximum(best[start : start + block.shape[0]], rows_best)
    return best


# --- vectors ----------------------------------------------------------------------------------------


class VectorCache:
    """Headline vectors by stream position, in memory, optionally backed by a .npy file across runs."""

    def __init__(self, encoder: Any, size: int, path: Path | None, texts: Sequence[str]) -> None:
        self.encoder = encoder
        self.texts = texts
        self.path = path
        self.encoded = 0
        self.seconds = 0.0
        self._matrix: np.ndarray | None = None
        self._done: np.ndarray | None = None
        self._memory: dict[int, np.ndarray] = {}
        self._size = size

    def _open(self, dim: int) -> None:
        if self.path is None or self._matrix is not None:
            return
        meta_path = self.path.with_suffix(".json")
        import hashlib

        digest = hashlib.sha1("\n".join(self.texts).encode("utf-8")).hexdigest()  # embedding_text changes → stale
        meta = {"model": self.encoder.model_name, "rows": self._size, "dim": dim, "texts_sha1": digest}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = True
        if self.path.exists() and meta_path.exists():
            try:
                old = json.loads(meta_path.read_text())
            except (OSError, ValueError):
                old = {}
            fresh = any(old.get(k) != v for k, v in meta.items() if k != "rows") or old.get("rows", 0) != self._size
        if fresh:
            from numpy.lib.format import open_memmap

            self._matrix = open_memmap(self.path, mode="w+", dtype=np.float32, shape=(self._size, dim))
            self._done = np.zeros(self._size, dtype=bool)
            meta_path.write_text(json.dumps(meta))
            np.save(self.path.with_suffix(".done.npy"), self._done)
        else:
            self._matrix = np.load(self.path, mmap_mode="r+")
            done_path = self.path.with_suffix(".done.npy")
            self._done = np.load(done_path) if done_path.exists() else np.zeros(len(self._matrix), dtype=bool)

    def get(self, positions: np.ndarray) -> np.ndarray:
        if self.path is not None and self._matrix is None:
            self._open(self.encoder.dimension)
        if self._matrix is not None and self._done is not None:
            missing = positions[~self._done[positions]]
            if len(missing):
                self._matrix[missing] = self._encode(missing)
                self._done[missing] = True
                self._matrix.flush()
                np.save(self.path.with_suffix(".done.npy"), self._done)  # type: ignore[union-attr]
            return np.asarray(self._matrix[positions], dtype=np.float32)
        missing = np.asarray([p for p in positions if int(p) not in self._memory], dtype=np.int64)
        if len(missing):
            for p, row in zip(missing, self._encode(missing), strict=True):
                self._memory[int(p)] = row
        return np.stack([self._memory[int(p)] for p in positions]) if len(positions) else np.zeros((0, 0))

    def forget(self, positions: np.ndarray) -> None:
        for p in positions:
            self._memory.pop(int(p), None)

    def _encode(self, positions: np.ndarray) -> np.ndarray:
        started = time.perf_counter()
        vectors = self.encoder.encode([self.texts[int(p)] for p in positions])
        self.seconds += time.perf_counter() - started
        self.encoded += len(positions)
        return vectors


# --- run --------------------------------------------------------------------------------------------


@dataclass
class DayData:
    positions: np.ndarray
    vectors: np.ndarray
    history_items: list[Any] | None = None


def run(args: argparse.Namespace) -> int:
    path = require(args.data, DATA_FILE)
    from briefing.config import ClusterConfig, EmbedConfig, RankConfig
    from briefing.embed import Encoder
    from briefing.models import Article
    from briefing.pipeline import embedding_text

    threshold = args.threshold if args.threshold is not None else ClusterConfig().threshold
    # What the pipeline does with bare headlines, unless a threshold is forced.
    title_only_threshold = ClusterConfig().title_only_threshold if args.threshold is None else None
    headline_hours = ClusterConfig().headline_hours if args.headline_hours is None else args.headline_hours
    rank_config = RankConfig()
    if args.history_days is not None:
        rank_config = rank_config.model_copy(update={"history_days": args.history_days})
    history_days = rank_config.history_days
    use_ranker = not args.no_ranker
    methods = [m for m in METHODS if use_ranker or not m.startswith("ranker")]

    started_all = time.perf_counter()
    stream = load_stream(path, args.limit)
    load_s = time.perf_counter() - started_all
    eval_days = select_days(stream, args)
    if not eval_days:
        print(f"bench novelty: no days selected in {path}")
        return 2
    cap = args.max_items_per_day
    day_positions = {d: (p[:cap] if cap else p) for d, p in stream.day_index.items()}
    needed = sorted({d - timedelta(days=back) for d in eval_days for back in range(history_days + 1)}
                    & set(day_positions))
    evaluate = set(eval_days)
    fixed = datetime(2000, 1, 1, tzinfo=UTC)
    texts = [embedding_text(Article(id=0, title=t, text="", url=None, published=fixed, content_hash=""))
             for t in stream.titles]

    encoder = Encoder.from_config(EmbedConfig(), batch_size=args.batch_size)
    t0 = time.perf_counter()
    encoder.load()
    model_load_s = time.perf_counter() - t0
    cache_path: Path | None = args.vector_cache
    cache = VectorCache(encoder, len(stream.titles), cache_path, texts)

    window: deque[tuple[date, DayData]] = deque()
    scores: dict[str, list[np.ndarray]] = {m: [] for m in methods}
    labels: list[np.ndarray] = []
    per_day: list[dict[str, Any]] = []
    seconds = dict.fromkeys(["embedding", "tfidf", "cluster", "sweep", "ranker"], 0.0)
    try:
        sweep = sorted({float(x) for x in args.sweep_thresholds.split(",") if x.strip()}) if args.sweep_thresholds \
            else []
    except ValueError:
        print(f"bench novelty: --sweep-thresholds wants numbers, got {args.sweep_thresholds!r}")
        return 2
    from briefing.cluster import cluster_articles, cluster_labels

    rng = np.random.default_rng(0)
    print(f"novelty: {len(eval_days)} day(s) to evaluate, {len(needed)} day(s) to embed "
          f"(history {history_days} days), threshold {threshold}, bare headlines {title_only_threshold}, "
          f"headline fade {headline_hours} h", flush=True)

    for day in needed:
        positions = day_positions[day]
        while window and (day - window[0][0]).days > history_days:
            _, old = window.popleft()
            cache.forget(old.positions)
        vectors = cache.get(positions)
        data = DayData(positions, vectors)
        if day in evaluate:
            history = [(d, dd) for d, dd in window if (day - d).days <= history_days]
            hist_positions = (np.concatenate([dd.positions for _, dd in history]) if history
                              else np.zeros(0, dtype=np.int64))
            hist_vectors = (np.concatenate([dd.vectors for _, dd in history]) if history
                            else np.zeros((0, vectors.shape[1]), dtype=np.float32))
            y = stream.positive[positions]
            record: dict[str, Any] = {"day": day.isoformat(), "items": len(positions), "positives": int(y.sum()),
                                      "stories": len({stream.stories[int(p)] for p in positions}),
                                      "history_items": len(hist_positions)}
            day_scores: dict[str, np.ndarray] = {}

            t = time.perf_counter()
            day_scores["embedding"] = 1.0 - max_similarity_dense(vectors, hist_vectors)
            seconds["embedding"] += time.perf_counter() - t

            t = time.perf_counter()
            day_scores["tfidf"] = 1.0 - max_similarity_tfidf([stream.titles[int(p)] for p in positions],
                                                             [stream.titles[int(p)] for p in hist_positions])
            seconds["tfidf"] += time.perf_counter() - t

            t = time.perf_counter()
            articles = [_article(stream, int(p)) for p in positions]
            stories = cluster_articles(articles, vectors, threshold, title_only_threshold, headline_hours)
            seconds["cluster"] += time.perf_counter() - t
            story_of = {a.id: i for i, s in enumerate(stories) for a in s.articles}
            predicted = [story_of[a.id] for a in articles]
            bp, br, bf = bcubed(predicted, [stream.stories[int(p)] for p in positions])
            record.update(clusters=len(stories), bcubed_precision=bp, bcubed_recall=br, bcubed_f1=bf)
            if sweep:
                t = time.perf_counter()
                gold = [stream.stories[int(p)] for p in positions]
                record["sweep"] = {}
                hours = np.asarray([stream.times[int(p)].timestamp() / 3600.0 for p in positions])
                for value in sweep:
                    labels_t = (cluster_labels(vectors, value, np.ones(len(positions), dtype=bool), None, hours,
                                               headline_hours) if len(positions) else np.zeros(0, dtype=int))
                    record["sweep"][str(value)] = [*bcubed(labels_t, gold), len(np.unique(labels_t))]
                seconds["sweep"] += time.perf_counter() - t

            if use_ranker:
                t = time.perf_counter()
                for _, dd in history:
                    if dd.history_items is None:
                        dd.history_items = _history_items(stream, dd.positions, dd.vectors)
                novelty, score = _ranker_scores(stories, [h for _, dd in history for h in dd.history_items or []],
                                                datetime.combine(day, datetime.min.time(), UTC), rank_config,
                                                encoder.model_id)
                day_scores["ranker"] = np.asarray([novelty[a.id] for a in articles], dtype=np.float32)
                day_scores["ranker_score"] = np.asarray([score[a.id] for a in articles], dtype=np.float32)
                seconds["ranker"] += time.perf_counter() - t

            for m in methods:
                scores[m].append(day_scores[m])
                record[f"ap_{m}"] = average_precision(day_scores[m], y)
                record[f"p10_{m}"] = precision_at(day_scores[m], y, 10, rng)
            labels.append(y)
            per_day.append(record)
            print(f"  {day}: {len(positions):,} items, {record['positives']} new, B3 F1 {bf:.3f}, "
                  + ", ".join(f"AP {m} {record[f'ap_{m}'] or 0:.3f}" for m in methods), flush=True)
        window.append((day, data))

    total_s = time.perf_counter() - started_all
    settings = {"threshold": threshold, "title_only_threshold": title_only_threshold, "headline_hours": headline_hours}
    return report(args, path, stream, methods, scores, labels, per_day, settings, history_days, rng,
                  {"load_stream": load_s, "model_load": model_load_s, "encode": cache.seconds,
                   "encoded_items": cache.encoded, **{f"score_{k}": v for k, v in seconds.items()}, "total": total_s},
                  cache_path)


def _article(stream: Stream, p: int) -> Any:
    from briefing.models import Article, Source
    from briefing.store import content_hash

    title = stream.titles[p]
    published = stream.times[p]
    url = stream.urls[p] or None
    source = Source(outlet=stream.publishers[p], title=title, url=url, published=published,
                    feed_url=stream.publishers[p])
    return Article(id=int(stream.ids[p]), title=title, text="", url=url, published=published,
                   content_hash=content_hash(title, ""), sources=(source,))


def _history_items(stream: Stream, positions: np.ndarray, vectors: np.ndarray) -> list[Any]:
    from briefing.pipeline import history_item

    # The vector stays a float32 array (HistoryItem says tuple): rank_stories only stacks them, and
    # 384 Python floats per item would cost ~12 KB each over a 45k-item window.
    return [history_item(_article(stream, int(p)), vector) for p, vector in zip(positions, vectors, strict=True)]


def _ranker_scores(stories: Sequence[Any], history: Sequence[Any], now: datetime, config: Any, model_id: str
                   ) -> tuple[dict[int, float], dict[int, float]]:
    from briefing.importance import prior_for
    from briefing.rank import rank_stories

    # As the pipeline ranks: the shipped importance prior (trained on days outside the reported weeks).
    ranked = rank_stories(stories, history, {}, now, config, prior=prior_for(model_id))
    novelty: dict[int, float] = {}
    score: dict[int, float] = {}
    for r in ranked:
        # "repeat" stories are listed after all new/updated ones regardless of score: mirror that.
        penalty = 0.0 if r.status != "repeat" else REPEAT_OFFSET
        first, *later = r.story.articles  # in publication order
        novelty[first.id] = r.novelty
        score[first.id] = r.score - penalty
        for article in later:
            novelty[article.id] = r.novelty - FOLLOW_UP_OFFSET
            score[article.id] = r.score - penalty - FOLLOW_UP_OFFSET
    return novelty, score


def report(args: argparse.Namespace, path: Path, stream: Stream, methods: Sequence[str],
           scores: dict[str, list[np.ndarray]], labels: list[np.ndarray], per_day: list[dict[str, Any]],
           settings: dict[str, float | None], history_days: int, rng: np.random.Generator, seconds: dict[str, float],
           cache_path: Path | None) -> int:
    y = np.concatenate(labels)
    results: dict[str, Any] = {}
    rows = []
    for m in methods:
        s = np.concatenate(scores[m])
        p10_days = [d[f"p10_{m}"] for d in per_day if d[f"p10_{m}"] is not None]
        ap_days = [d[f"ap_{m}"] for d in per_day if d[f"ap_{m}"] is not None]
        entry = {
            "label": LABELS[m],
            "average_precision": average_precision(s, y),
            **{f"p_at_{k}": precision_at(s, y, k, rng) for k in TOP_K},
            "mean_daily_p_at_10": float(np.mean(p10_days)) if p10_days else None,
            "mean_daily_ap": float(np.mean(ap_days)) if ap_days else None,
            "pr_curve": pr_curve(s, y),
        }
        results[m] = entry
        rows.append([m, LABELS[m], entry["average_precision"], entry["p_at_10"], entry["p_at_100"],
                     entry["p_at_1000"], entry["mean_daily_p_at_10"], entry["mean_daily_ap"]])
    base_ap = results["tfidf"]["average_precision"]
    for m in methods:
        ap = results[m]["average_precision"]
        results[m]["ap_minus_tfidf"] = None if ap is None or base_ap is None else ap - base_ap

    f1s = [d["bcubed_f1"] for d in per_day]
    weights = np.asarray([d["items"] for d in per_day], dtype=float)
    clustering = {
        **settings,
        "macro_precision": float(np.mean([d["bcubed_precision"] for d in per_day])),
        "macro_recall": float(np.mean([d["bcubed_recall"] for d in per_day])),
        "macro_f1": float(np.mean(f1s)),
        "micro_precision": float(np.average([d["bcubed_precision"] for d in per_day], weights=weights)),
        "micro_recall": float(np.average([d["bcubed_recall"] for d in per_day], weights=weights)),
        "micro_f1": float(np.average(f1s, weights=weights)),
        "min_day_f1": float(np.min(f1s)),
        "days_f1_at_least_0_90": int(sum(f >= 0.90 for f in f1s)),
    }
    sweep_rows = []
    if per_day and "sweep" in per_day[0]:
        clustering["sweep"] = {}
        for key in per_day[0]["sweep"]:
            values = np.asarray([d["sweep"][key] for d in per_day], dtype=float)
            summary = {"macro_precision": float(values[:, 0].mean()), "macro_recall": float(values[:, 1].mean()),
                       "macro_f1": float(values[:, 2].mean()), "mean_clusters": float(values[:, 3].mean())}
            clustering["sweep"][key] = summary
            sweep_rows.append([float(key), summary["macro_precision"], summary["macro_recall"], summary["macro_f1"],
                               summary["mean_clusters"]])
    n_items, n_pos = len(y), int(y.sum())
    print(f"\nnovelty: {path} — {len(per_day)} day(s) {per_day[0]['day']}..{per_day[-1]['day']}, {n_items:,} items, "
          f"{n_pos:,} new ({n_pos / n_items:.1%}; random AP ≈ {n_pos / n_items:.3f}), history {history_days} days"
          + (f", first {args.max_items_per_day} items/day" if args.max_items_per_day else "")
          + (f", every {args.sample_days}th day" if args.sample_days > 1 else ""))
    print(table(["method", "", "AP", "P@10", "P@100", "P@1000", "mean day P@10", "mean day AP"], rows, 3))
    described = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in settings.items() if v is not None)
    print(f"\nclustering (B-cubed vs STORY ids, {described}): "
          f"macro P {clustering['macro_precision']:.3f} R {clustering['macro_recall']:.3f} "
          f"F1 {clustering['macro_f1']:.3f}; micro F1 {clustering['micro_f1']:.3f}; "
          f"worst day F1 {clustering['min_day_f1']:.3f}; {clustering['days_f1_at_least_0_90']}/{len(per_day)} "
          "days ≥ 0.90")
    if sweep_rows:
        mean_stories = float(np.mean([d["stories"] for d in per_day]))
        print(f"threshold sweep (cluster_labels; mean STORY ids per day {mean_stories:.1f}):")
        print(table(["threshold", "B3 P", "B3 R", "B3 F1", "clusters/day"], sweep_rows, [2, 3, 3, 3, 1]))
    timing = ", ".join(f"{k} {v:.1f}s" if isinstance(v, float) else f"{k} {v:,}" for k, v in seconds.items())
    print(f"time: {timing}")

    plot = args.out / "novelty_pr.png"
    _plot(plot, results, methods, n_pos / n_items, len(per_day))
    payload = {
        "data": str(path), "limit": args.limit, "days": len(per_day),
        "first_day": per_day[0]["day"], "last_day": per_day[-1]["day"],
        "sample_days": args.sample_days, "max_items_per_day": args.max_items_per_day,
        "history_days": history_days, "items": n_items, "positives": n_pos,
        "positive_rate": n_pos / n_items,
        "methods": results, "clustering": clustering, "per_day": per_day,
        "seconds": seconds, "vector_cache": str(cache_path) if cache_path else None,
        "plot": str(plot),
        "notes": ["label: first item of its STORY in the stream (file order = timestamp order)",
                  "history window: the previous history_days whole UTC days plus earlier items of the same day "
                  "(embedding, tfidf); rank_stories sees only the previous days, as in a briefing",
                  "P@k ties broken at random (seed 0)",
                  "ranker, ranker_score: the first report of each story gets the story's value, its later "
                  "articles rank below every first report; ranker_score puts repeats after new/updated stories"],
    }
    out = write_result(args.out, "novelty", payload, args.argv)
    print(f"wrote {out} and {plot}")
    return 0


def _plot(path: Path, results: dict[str, Any], methods: Sequence[str], base_rate: float, days: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=120)
    for m in methods:
        curve = results[m]["pr_curve"]
        ap = results[m]["average_precision"]
        label = f"{LABELS[m]} (AP {ap:.3f})" if ap is not None else LABELS[m]
        ax.plot(curve["recall"], curve["precision"], drawstyle="steps-post", label=label)
    ax.axhline(base_rate, color="grey", linestyle=":", label=f"random ({base_rate:.3f})")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"First-story detection, UCI News stream ({days} day{'s' if days != 1 else ''})")
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
