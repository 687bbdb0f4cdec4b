"""The store alone on a synthetic day: SQLite against PostgreSQL, operation by operation.

A day of N CNN/DM articles (the throughput bench's day: 100 entries a feed, pubDates over one UTC day)
goes through what a run asks of its store, timed per step, on an SQLite file in a temporary folder and,
with ``--store postgresql://…``, on a fresh schema of that database (dropped afterwards): the first fetch
(one ``upsert_entries`` per feed), a refetch of the same entries, the day's articles, the selection reads
(sightings and the day as of the run's view), summaries and vectors missed, saved and read back, and the
run's records (start, view, listings, finish). No model is loaded; summaries and vectors are made up.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from .common import read_jsonl, require, table, write_result

DATA_FILE = "cnndm/test_even.jsonl.gz"
PER_FEED = 100
DAY = date(2024, 5, 1)
DIM = 384
STEPS = ("upsert new", "upsert again", "articles of the day", "selection reads", "summaries missed",
         "summaries saved", "summaries read", "vectors saved", "vectors read", "run records")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="1000", help="comma list of day sizes in articles (default 1000)")
    parser.add_argument("--store", default=None, metavar="URL",
                        help="a PostgreSQL database to compare with (postgresql://…); SQLite is always measured")
    parser.add_argument("--repeat", type=int, default=1, help="runs per store and size; the fastest is kept")


def _entries(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """The day as feeds: lists of entries, 100 a feed."""
    from briefing.models import Entry

    start = datetime.combine(DAY, datetime.min.time(), UTC)
    step = 86400 / max(1, len(rows))
    feeds: list[list[Any]] = []
    for number, first in enumerate(range(0, len(rows), PER_FEED)):
        feed = f"https://bench.example/feed/{number}"
        feeds.append([
            Entry(feed_url=feed, outlet=f"Bench outlet {number}", title=" ".join(row["article"].split()[:12]),
                  url=f"https://bench.example/cnndm/{row['id']}", guid=row["id"], text=row["article"],
                  published=start + timedelta(seconds=int((first + offset) * step)))
            for offset, row in enumerate(rows[first : first + PER_FEED])
        ])
    return feeds


def measure(store: Any, feeds: list[list[Any]]) -> dict[str, float]:
    """Seconds per step of one synthetic day on an empty store."""
    from briefing.models import Summary

    seen = datetime.combine(DAY + timedelta(days=1), datetime.min.time(), UTC)
    start, end = datetime.combine(DAY, datetime.min.time(), UTC), seen
    timings: dict[str, float] = {}

    def timed(name: str, work: Callable[[], Any]) -> Any:
        began = time.perf_counter()
        result = work()
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - began
        return result

    for feed in feeds:
        timed("upsert new", lambda feed=feed: store.upsert_entries(feed, seen))
    for feed in feeds:
        timed("upsert again", lambda feed=feed: store.upsert_entries(feed, seen + timedelta(hours=1)))
    articles = timed("articles of the day", lambda: store.articles_between(start, end))
    horizon = store.horizon()
    timed("selection reads", lambda: (store.sightings(horizon), store.listings_before(None, DAY),
                                      store.published_as_of(start, end, horizon)))
    hashes = [a.content_hash for a in articles]
    timed("summaries missed", lambda: store.cached_summaries(hashes, "extractive", "bench"))
    made = [Summary(content_hash=h, text=a.text[:300], backend="extractive", sentences=(a.text[:300],))
            for h, a in zip(hashes, articles, strict=True)]
    timed("summaries saved", lambda: store.save_summaries(made, "bench", seen))
    found = timed("summaries read", lambda: store.cached_summaries(hashes, "extractive", "bench"))
    assert len(found) == len(set(hashes))
    rng = np.random.default_rng(0)
    vectors = {h: rng.standard_normal(DIM).astype(np.float32) for h in hashes}
    timed("vectors saved", lambda: store.save_vectors(vectors, "bench-model"))
    back = timed("vectors read", lambda: store.cached_vectors(hashes, "bench-model"))
    assert len(back) == len(vectors)

    def records() -> None:
        run = store.start_run(DAY, seen)
        store.record_view(run, rule="arrival", as_of=seen, horizon=horizon)
        store.record_listings(run, DAY, [(a.id, horizon.revision, "listed") for a in articles])
        store.finish_run(run, seen, "ok", {"articles": len(articles)}, [])

    timed("run records", records)
    timings["total"] = sum(timings[s] for s in STEPS)
    return timings


def _fresh_schema(url: str) -> tuple[str, str]:
    import psycopg

    schema = f"bench_store_{os.getpid()}_{time.monotonic_ns()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return schema, f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def _drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _one(kind: str, url: str | None, feeds: list[list[Any]]) -> dict[str, float]:
    from briefing.store import open_store

    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="bench-store-"))
        try:
            with open_store(f"sqlite:///{folder / 'briefing.db'}") as store:
                return measure(store, feeds)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    assert url is not None
    schema, fresh = _fresh_schema(url)
    try:
        with open_store(fresh) as store:
            return measure(store, feeds)
    finally:
        _drop_schema(url, schema)


def run(args: argparse.Namespace) -> int:
    path = require(args.data, DATA_FILE)
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        print(f"bench store: --sizes wants a comma list of integers, got {args.sizes!r}")
        return 2
    if not sizes or sizes[0] < 1 or args.repeat < 1:
        print("bench store: --sizes and --repeat must be positive")
        return 2
    if args.limit is not None:
        sizes = [min(s, args.limit) for s in sizes]
    rows: list[dict[str, Any]] = []
    for row in read_jsonl(path):
        rows.append(row)
        if len(rows) >= max(sizes):
            break
    kinds = ["sqlite", "postgresql"] if args.store else ["sqlite"]
    results: list[dict[str, Any]] = []
    for size in sizes:
        feeds = _entries(rows[:size])
        for kind in kinds:
            runs = [_one(kind, args.store, feeds) for _ in range(args.repeat)]
            best = min(runs, key=lambda r: r["total"])
            results.append({"articles": size, "store": kind, "seconds": best, "totals": [r["total"] for r in runs]})
            print(f"  {size} articles, {kind}: {best['total']:.2f} s", flush=True)
    print(f"\nstore: a synthetic day of CNN/DM articles from {path}, {os.cpu_count()} cores; seconds per step "
          f"(fastest of {args.repeat})")
    print(table(["articles", "store", *STEPS, "total"],
                [[r["articles"], r["store"], *(r["seconds"][s] for s in (*STEPS, "total"))] for r in results], 2))
    payload = {"data": str(path), "sizes": sizes, "per_feed": PER_FEED, "repeat": args.repeat, "steps": list(STEPS),
               "results": results,
               "notes": ["PostgreSQL on the --store server (a fresh schema per run); SQLite a file in a temp folder",
                         "no model: summaries and vectors are made up, their cost is the store's alone"]}
    out = write_result(args.out, "store", payload, args.argv)
    print(f"wrote {out}")
    return 0
