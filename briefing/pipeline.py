"""The one place that knows the order of the stages: fetch → store → summarize → embed → cluster → rank → write."""

from __future__ import annotations

import hashlib
import time as clock
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol

import numpy as np

from .cluster import cluster_articles
from .config import Config
from .embed import Encoder
from .models import Article, Briefing, FeedFailure, FetchResult, HistoryItem, Summary
from .rank import key_terms, rank_stories
from .store import Store
from .summarize import Summarizer, cache_params, make_summarizer

SUMMARY_CHUNK = 32


class Progress(Protocol):
    """How the pipeline reports progress; the CLI draws bars or prints log lines."""

    def stage(self, name: str, total: int | None = None) -> None: ...

    def advance(self, amount: int = 1) -> None: ...

    def log(self, message: str) -> None: ...


class SilentProgress:
    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass

    def log(self, message: str) -> None:
        pass


@dataclass
class RunResult:
    briefing: Briefing
    paths: list[Path]
    run_id: int
    timings: dict[str, float] = field(default_factory=dict)
    fetched: dict[str, int] = field(default_factory=dict)


def briefing_window(day: date, config: Config) -> tuple[datetime, datetime]:
    """The UTC span the briefing dated ``day`` covers: the 24 hours ending at ``day_ends_at`` local time."""
    zone = config.zone
    ends_at = config.briefing.day_ends_at
    if ends_at == "24:00":
        end_day, end_time = day + timedelta(days=1), time(0, 0)
    else:
        end_day, end_time = day, time.fromisoformat(ends_at)
    end = datetime.combine(end_day, end_time, zone)
    start = datetime.combine(end_day - timedelta(days=1), end_time, zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def today(config: Config, now: datetime | None = None) -> date:
    """The date of the briefing due now, in the configured timezone."""
    return (now or datetime.now(UTC)).astimezone(config.zone).date()


def embedding_text(article: Article) -> str:
    """What represents an article for clustering and novelty: its title and opening words."""
    lead = " ".join(article.text.split()[:50])
    return f"{article.title}. {lead}".strip()


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class Pipeline:
    """Runs briefings for one config; the model loads once, and only when something needs it.

    Args:
        config: the validated config.
        store: an open store (default: the config's SQLite file).
        encoder: a sentence encoder to share (default: the config's model, loaded lazily).
        progress: where progress goes.
    """

    def __init__(self, config: Config, *, store: Store | None = None, encoder: Encoder | None = None,
                 progress: Progress | None = None) -> None:
        self.config = config
        self.store = store or Store(config.store_path)
        self.encoder = encoder or Encoder(config.embed.model, batch_size=config.embed.batch_size,
                                          threads=config.embed.threads)
        self.progress = progress or SilentProgress()
        self._summarizer: Summarizer | None = None

    @property
    def summarizer(self) -> Summarizer:
        if self._summarizer is None:
            self._summarizer = make_summarizer(self.config.summarize, self.encoder)
        return self._summarizer

    def fetch(self, now: datetime, transport: object | None = None) -> tuple[list[FetchResult], dict[str, int]]:
        """Fetch every configured feed and store what came; returns results and item counts."""
        from .fetch import fetch_feeds

        feeds = self.config.feed_records()
        self.progress.stage("fetch", len(feeds))
        results = fetch_feeds(feeds, self.config.fetch, self.store.feed_states(),
                              transport=transport,  # type: ignore[arg-type]
                              on_result=lambda _: self.progress.advance())
        counts = {"entries": 0, "new": 0, "updated": 0}
        for result in results:
            self.store.record_fetch(result, now)
            if result.entries:
                stats = self.store.upsert_entries(result.entries, seen_at=now)
                counts["entries"] += len(result.entries)
                counts["new"] += stats.new
                counts["updated"] += stats.updated
            if result.error:
                self.progress.log(f"feed failed: {result.feed.name or result.feed.url}: {result.error}")
        return results, counts

    def summarize(self, articles: Sequence[Article], now: datetime) -> dict[str, Summary]:
        """Summaries by content hash, from the cache where possible."""
        summarizer = self.summarizer
        params = cache_params(self.config.summarize, summarizer.model_id)
        hashes = [a.content_hash for a in articles]
        found = self.store.cached_summaries(hashes, summarizer.name, params)
        missing = list({a.content_hash: a for a in articles if a.content_hash not in found}.values())
        self.progress.stage("summarize", len(missing))
        for start in range(0, len(missing), SUMMARY_CHUNK):
            chunk = missing[start : start + SUMMARY_CHUNK]
            made = summarizer.summarize(chunk, max_sentences=self.config.summarize.max_sentences)
            self.store.save_summaries(made, params, now)
            found.update({s.content_hash: s for s in made})
            self.progress.advance(len(chunk))
        return found

    def vectors(self, articles: Sequence[Article]) -> np.ndarray:
        """One embedding per article (title + opening), from the cache where possible."""
        texts = [embedding_text(a) for a in articles]
        keys = [_key(t) for t in texts]
        model = self.encoder.model_name
        cached = self.store.cached_vectors(keys, model)
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in cached}
        self.progress.stage("embed", len(todo))
        if todo:
            fresh = self.encoder.encode(list(todo.values()))
            made = dict(zip(todo.keys(), fresh, strict=True))
            self.store.save_vectors(made, model)
            cached.update(made)
            self.progress.advance(len(todo))
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([cached[k] for k in keys])

    def build(self, day: date, *, generated_at: datetime, failures: Sequence[FeedFailure] = ()) -> Briefing:
        """The briefing for ``day`` from stored items only, using history before its window."""
        start, end = briefing_window(day, self.config)
        articles = self.store.articles_between(start, end)
        history_articles = self.store.articles_between(start - timedelta(days=self.config.rank.history_days), start)
        summaries = self.summarize(articles, generated_at) if articles else {}
        vectors = self.vectors([*articles, *history_articles])
        today_vecs, past_vecs = vectors[: len(articles)], vectors[len(articles) :]
        self.progress.stage("rank", None)
        stories = cluster_articles(articles, today_vecs, self.config.cluster.threshold)
        history = [
            HistoryItem(article_id=a.id, title=a.title, published=a.published,
                        vector=tuple(float(x) for x in past_vecs[i]), terms=key_terms(embedding_text(a)))
            for i, a in enumerate(history_articles)
        ]
        lead_summaries = {s.lead.id: summaries[s.lead.content_hash].text for s in stories
                          if s.lead.content_hash in summaries}
        ranked = rank_stories(stories, history, lead_summaries, start, self.config.rank)
        fresh = [r for r in ranked if r.status != "repeat"][: self.config.briefing.max_stories]
        repeats = [r for r in ranked if r.status == "repeat"][: self.config.briefing.max_stories]
        outlets = {src.outlet for a in articles for src in a.sources}
        return Briefing(
            date=day, generated_at=generated_at, window_start=start, window_end=end,
            backend=self.summarizer.name, model=self.summarizer.model_id,
            stories=tuple([*fresh, *repeats]), failed_feeds=tuple(failures),
            stats={"feeds": len(self.config.feeds), "articles": len(articles), "stories": len(ranked),
                   "outlets": len(outlets)},
        )

    def run(self, day: date | None = None, *, fetch: bool = True, now: datetime | None = None,
            transport: object | None = None, out_dir: Path | None = None, stem: str | None = None) -> RunResult:
        """Fetch (optionally), build and write the briefing for ``day`` (default: today)."""
        from .deliver import write_briefing

        now = now or datetime.now(UTC)
        day = day or today(self.config, now)
        run_id = self.store.start_run(day, now)
        timings: dict[str, float] = {}
        started = clock.perf_counter()
        failures: list[FeedFailure] = []
        counts: dict[str, int] = {}
        status = "failed"
        try:
            if fetch:
                results, counts = self.fetch(now, transport)
                failures = [FeedFailure(feed=r.feed.name or r.feed.url, reason=r.error) for r in results if r.error]
                timings["fetch"] = clock.perf_counter() - started
            briefing = self.build(day, generated_at=now, failures=failures)
            timings["build"] = clock.perf_counter() - started - timings.get("fetch", 0.0)
            self.progress.stage("write", None)
            paths = write_briefing(briefing, out_dir or self.config.output_dir, self.config.output.formats,
                                   title=self.config.briefing.title, stem=stem)
            status = "ok"
        finally:
            timings["total"] = clock.perf_counter() - started
            stats = {**counts, **{f"seconds_{k}": round(v, 3) for k, v in timings.items()}}
            if status == "ok":
                stats.update({"articles": briefing.stats["articles"], "stories": briefing.stats["stories"],
                              "generated_at": briefing.generated_at.isoformat()})
            self.store.finish_run(run_id, datetime.now(UTC), status, stats,
                                  [{"feed": f.feed, "reason": f.reason} for f in failures])
        return RunResult(briefing=briefing, paths=paths, run_id=run_id, timings=timings, fetched=counts)

    def close(self) -> None:
        self.store.close()
