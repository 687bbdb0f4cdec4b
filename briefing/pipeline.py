"""The one place that knows the order of the stages: fetch → store → summarize → embed → cluster → rank → write."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .arrange import arrange
from .cluster import cluster_articles
from .config import Config
from .eligibility import Selection, choose_rule, late_reason, select_articles, update_reason
from .embed import Encoder
from .errors import ConfigError, Interrupted, RenderError, StoreError
from .executor import make_encoder
from .importance import VectorModel, features_for, grades_for, prior_for
from .models import (
    SECTION_LABEL,
    Article,
    Briefing,
    FeedFailure,
    FetchResult,
    HistoryItem,
    RankedStory,
    Summary,
    first_words,
)
from .names import TermFinder, term_finder
from .rank import content_words, key_terms, rank_stories
from .store import BriefingStore, Horizon, store_for
from .summarize import Summarizer, cache_params, make_summarizer
from .summarize.stories import STORY_BACKENDS, Writer, brief_stories, guard_from_config, report_note

if TYPE_CHECKING:
    from .mail import EmailReport

MIN_PAGE_CHARS = 400
"""Extracted page text shorter than this is a paywall teaser or a failed extraction: the feed text stays."""
SUMMARY_CHUNK = 256  # articles per summarizer call: one length-sorted stream pads less (26% faster than 32)


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
    email: EmailReport | None = None  # None when no email is configured
    warnings: list[str] = field(default_factory=list)  # things that failed after the briefing was written


@dataclass
class RegenerateResult:
    briefing: Briefing
    paths: list[Path]
    changed: list[Path]  # the paths whose bytes differ from what was there before (or that are new)
    warnings: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)  # with ``refresh``: stories added, dropped, reordered


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
    """What represents an article for clustering and novelty: its title and opening words.

    A section label before the headline ("Opinion | ...") is dropped: shared by unrelated
    pieces, it made two bare opinion headlines look like one story.
    """
    return f"{headline_text(article.title)} {opening(article)}".strip()


def headline_text(title: str) -> str:
    """What represents a headline alone: as in :func:`embedding_text`, without the opening words."""
    return f"{SECTION_LABEL.sub('', title)}."


def history_item(article: Article, vector: np.ndarray,
                 terms: Callable[[str, str], frozenset[str]] = key_terms) -> HistoryItem:
    """A past article as the ranker compares against it: vector, names and numbers (``terms``: ``rank.terms``'s
    finder), content words."""
    lead = opening(article)
    return HistoryItem(article_id=article.id, title=article.title, published=article.published, vector=vector,
                       terms=terms(lead, article.title), words=content_words(f"{article.title} {lead}"),
                       kind=article.kind)


def opening(article: Article) -> str:
    """An article's first 50 words: embedded with its headline, and what the ranker reads of a past article."""
    return " ".join(first_words(article.text, 50))


STORE_STATS = ("stored", "newest_published", "fetched")
"""Briefing stats taken at run time (kept in the run's record, so ``regenerate`` writes the same)."""


def with_store_stats(briefing: Briefing, stats: dict[str, int], timezone: str = "UTC") -> Briefing:
    """``briefing`` with ``stats`` added to its stats, shown in the reader's ``timezone``."""
    return dataclasses.replace(briefing, stats={**briefing.stats, **stats}, timezone=timezone)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class Pipeline:
    """Runs briefings for one config; the model loads once, and only when something needs it.

    Args:
        config: the validated config.
        store: an open store (default: the config's ``store.url``, else its SQLite file).
        encoder: a sentence encoder to share (default: the config's model, loaded lazily).
        progress: where progress goes.
        should_stop: checked between stages and between summarizer chunks; when it returns True
            the run raises ``Interrupted`` (as does a call to ``stop()``).
    """

    def __init__(self, config: Config, *, store: BriefingStore | None = None, encoder: Encoder | None = None,
                 progress: Progress | None = None, should_stop: Callable[[], bool] | None = None) -> None:
        self.config = config
        self.store = store or store_for(config)
        self.encoder = encoder or make_encoder(config)
        self._own_encoder = encoder is None
        self.progress = progress or SilentProgress()
        self.should_stop = should_stop
        self._stop_requested = False
        self._summarizer: Summarizer | None = None
        self._writer: Writer | None = None
        self._terms: TermFinder | None = None

    def stop(self) -> None:
        """Ask a running ``run`` to stop after its current stage (or summarizer chunk); safe from a signal handler
        or thread."""
        self._stop_requested = True

    def _checkpoint(self, finished: str) -> None:
        # Stages end here; a stop between them leaves the store consistent and no output written.
        if self._stopping():
            raise Interrupted(f"stopped after the {finished} stage; no briefing written")

    def _stopping(self) -> bool:
        return self._stop_requested or (self.should_stop is not None and self.should_stop())

    def importance_prior(self) -> VectorModel | None:
        """The importance prior for this encoder: ``rank.importance_file``'s when set, else the shipped one."""
        path = self.config.rank.importance_file
        return prior_for(self.encoder.model_id, self.config.resolve(path) if path is not None else None)

    @property
    def terms(self) -> TermFinder:
        """Names and numbers as ``rank.terms`` finds them (a spaCy model is loaded on first use only)."""
        if self._terms is None:
            self._terms = term_finder(self.config.rank.terms, self.config.rank.spacy_model)
        return self._terms

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
        counts = {"entries": 0, "new": 0, "updated": 0, "pages": 0}
        pages_wanted: dict[int, Article] = {}
        cap = self.config.fetch.max_pages_per_feed
        # A local file left as it was is not parsed again, but it still gave its items: counted as at the last run.
        unchanged = [r.feed.url for r in results if r.not_modified and r.status_code is None]
        held = {row["url"]: row["entries"] or 0 for row in self.store.feed_report()} if unchanged else {}
        counts["entries"] += sum(held.get(url, 0) for url in unchanged)
        for result in results:
            if result.entries:
                try:
                    stats = self.store.upsert_entries(result.entries, seen_at=now)
                except Exception as exc:
                    # Not stored, so no new validator: recorded as failed, the feed keeps its last good one and
                    # the next run fetches it in full again rather than being told "not modified".
                    self._record_unstored(result, exc, now)
                    raise
                counts["entries"] += len(result.entries)
                counts["new"] += stats.new
                counts["updated"] += stats.updated
                if result.feed.full_text and cap:
                    # Only items this fetch created or rewrote: a page already tried is not fetched again.
                    fresh = self.store.items_needing_page_text([*stats.new_ids, *stats.updated_ids])
                    fresh.sort(key=lambda a: a.published, reverse=True)
                    pages_wanted.update((a.id, a) for a in fresh[:cap])
            # The validator (ETag, Last-Modified, a local file's hash) only once the feed's entries are in the
            # store: a run that dies before this point leaves the old one, and the next run refetches the feed.
            self.store.record_fetch(result, now)
            if result.error:
                self.progress.log(f"feed failed: {result.feed.name or result.feed.url}: {result.error}")
        if pages_wanted:
            counts["pages"] = self.fetch_full_text(list(pages_wanted.values()), transport, seen_at=now)
        return results, counts

    def _record_unstored(self, result: FetchResult, exc: Exception, now: datetime) -> None:
        """Record a fetch whose entries could not be stored as failed, with no validators; best effort only, as
        the store may be what failed (the caller re-raises the first error)."""
        unstored = dataclasses.replace(result, entries=(), etag=None, last_modified=None, not_modified=False,
                                       error=f"entries not stored: {exc}".splitlines()[0])
        with contextlib.suppress(Exception):  # the store error being raised says more than this one
            self.store.record_fetch(unstored, now)

    def fetch_full_text(self, articles: Sequence[Article], transport: object | None = None,
                        seen_at: datetime | None = None) -> int:
        """Replace feed text with the article page's where that gives more; returns how many were replaced.

        The page text is used when it has at least ``MIN_PAGE_CHARS`` characters and is longer
        than the feed's; a short, paywalled or failed page keeps the feed text.
        """
        from .extract import extract_page_text, truncate_text
        from .fetch import fetch_pages

        self.progress.stage("pages", len(articles))
        pages = fetch_pages([a.url for a in articles if a.url], self.config.fetch,
                            transport=transport)  # type: ignore[arg-type]
        used = 0
        for article in articles:
            html = pages.get(article.url) if article.url else None
            text = extract_page_text(html, article.url) if html else None
            if text:
                text = truncate_text(text, self.config.fetch.max_item_chars)
            if text and len(text) >= MIN_PAGE_CHARS and len(text) > len(article.text):
                self.store.set_page_text(article.id, text, seen_at=seen_at)
                used += 1
            self.progress.advance()
        return used

    def summarize(self, articles: Sequence[Article], now: datetime) -> dict[str, Summary]:
        """Summaries by content hash, from the cache where possible."""
        summarizer = self.summarizer
        params = cache_params(self.config.summarize, summarizer.model_id)
        hashes = [a.content_hash for a in articles]
        found = self.store.cached_summaries(hashes, summarizer.name, params)
        missing = list({a.content_hash: a for a in articles if a.content_hash not in found}.values())
        self.progress.stage("summarize", len(missing))
        start_run = getattr(summarizer, "start_run", None)
        if callable(start_run):  # a generating backend: its time budget is per run
            start_run()
        step = getattr(summarizer, "chunk_size", SUMMARY_CHUNK)
        for start in range(0, len(missing), step):
            if start and self._stopping():  # the longest stage: stop between chunks, keeping what is done
                raise Interrupted(f"stopped in the summarize stage after {start} of {len(missing)} articles "
                                  "(their summaries are kept); no briefing written")
            chunk = missing[start : start + step]
            made = summarizer.summarize(chunk, max_sentences=self.config.summarize.max_sentences)
            # A stand-in summary (seq2seq out of time: extractive) is not cached: a later run tries again.
            self.store.save_summaries([s for s in made if s.backend == summarizer.name], params, now)
            found.update({s.content_hash: s for s in made})
            self.progress.advance(len(chunk))
        return found

    @property
    def writer(self) -> Writer:
        """The story-brief backend (``summarize.backend = "instruct"``), loaded on first use."""
        if self._writer is None:
            from .summarize.instruct import InstructWriter

            settings = self.config.summarize
            self._writer = InstructWriter(settings.model, max_new_tokens=settings.instruct.max_new_tokens,
                                          batch_size=settings.instruct.batch_size, threads=settings.threads)
        return self._writer

    def brief(self, ranked: Sequence[RankedStory], summaries: dict[str, Summary],
              now: datetime) -> tuple[list[RankedStory], tuple[str, ...]]:
        """Briefs for the top stories from the story backend, each through the faithfulness guard."""
        settings = self.config.summarize
        self.progress.stage("brief", min(settings.instruct.max_stories, sum(r.status != "repeat" for r in ranked)))
        out, report = brief_stories(ranked, summaries, writer=self.writer,
                                    guard=guard_from_config(settings, self.encoder), config=settings,
                                    store=self.store, now=now, progress=self.progress.advance)
        notes = [line for line in (report_note(report, self.writer.name), *report.notes) if line]
        return out, tuple(notes)

    def vectors(self, articles: Sequence[Article]) -> np.ndarray:
        """One embedding per article (title + opening), from the cache where possible."""
        return self._embed([embedding_text(a) for a in articles], stage="embed")

    def headline_vectors(self, titles: Sequence[str]) -> np.ndarray:
        """One embedding per headline, from the cache where possible (a bare headline's is its article's)."""
        return self._embed([headline_text(t) for t in titles])

    def _embed(self, texts: Sequence[str], stage: str | None = None) -> np.ndarray:
        """Embeddings of ``texts`` through the vector cache; ``stage``: shown as a progress stage."""
        keys = [_key(t) for t in texts]
        model = self.encoder.model_id
        cached = self.store.cached_vectors(keys, model)
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in cached}
        if stage:
            self.progress.stage(stage, len(todo))
        if todo:
            fresh = self.encoder.encode(list(todo.values()))
            made = dict(zip(todo.keys(), fresh, strict=True))
            self.store.save_vectors(made, model)
            cached.update(made)
            if stage:
                self.progress.advance(len(todo))
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([cached[k] for k in keys])

    def build(self, day: date, *, generated_at: datetime, failures: Sequence[FeedFailure] = (),
              rule: str = "publication", horizon: Horizon | None = None, run_id: int | None = None) -> Briefing:
        """The briefing for ``day`` from stored items only (``briefing.eligibility`` says which).

        Args:
            day: the briefing's date.
            generated_at: the time shown in it.
            failures: feeds that failed in its run.
            rule: ``arrival`` (the daily briefing) or ``publication`` (a past day filled in).
            horizon: build it from what the store held then (a run's view); None: from everything now.
            run_id: the run it belongs to; listings by earlier runs only keep articles out.
        """
        return self._build(day, generated_at=generated_at, failures=failures, rule=rule, horizon=horizon,
                           run_id=run_id)[0]

    def _build(self, day: date, *, generated_at: datetime, failures: Sequence[FeedFailure], rule: str,
               horizon: Horizon | None, run_id: int | None,
               timings: dict[str, float] | None = None) -> tuple[Briefing, list[tuple[int, int, str]]]:
        """The briefing, and its listings: (item id, revision id, "listed" or "cut") per article ranked.

        ``timings`` gets the seconds of its stages: select, summarize, embed, rank."""
        lap = _Laps(timings)
        start, end = briefing_window(day, self.config)
        selection = select_articles(self.store, day, window=(start, end), rule=rule, horizon=horizon,
                                    run_id=run_id, backfill_days=self.config.briefing.backfill_days,
                                    history_days=self.config.rank.history_days, terms=self.terms)
        articles, history_articles = selection.articles, selection.history
        lap("select")
        summaries = self.summarize(articles, generated_at) if articles else {}
        lap("summarize")
        self._checkpoint("summarize")
        vectors = self.vectors([*articles, *history_articles])
        lap("embed")
        self._checkpoint("embed")
        today_vecs, past_vecs = vectors[: len(articles)], vectors[len(articles) :]
        self.progress.stage("rank", None)
        clustering = self.config.cluster
        stories = cluster_articles(articles, today_vecs, clustering.threshold, clustering.title_only_threshold,
                                   clustering.headline_hours, clustering.same_publisher_threshold,
                                   self.headline_vectors if clustering.compare_headlines else None,
                                   past_headlines=[a.title for a in history_articles],
                                   named_event_floor=clustering.named_event_floor,
                                   shown_before=selection.returning.keys())
        self.terms.prefetch((opening(a), a.title) for a in history_articles)  # in batches, for a model
        history = [history_item(a, past_vecs[i], self.terms) for i, a in enumerate(history_articles)]
        lead_summaries = {s.lead.id: summaries[s.lead.content_hash].text for s in stories
                          if s.lead.content_hash in summaries}
        ranked = rank_stories(stories, history, lead_summaries, start, self.config.rank,
                              separate_kinds=self.config.briefing.separate_kinds,
                              prior=self.importance_prior(), headline_vectors=self.headline_vectors,
                              features=features_for(self.encoder.model_id),
                              grades=grades_for(self.encoder.model_id), terms=self.terms)
        ranked = [_with_arrival_reasons(r, selection) for r in ranked]
        cap, separate = self.config.briefing.max_stories, set(self.config.briefing.separate_kinds)
        fresh = [r for r in ranked if r.status != "repeat"]
        news = [r for r in fresh if r.story.kind not in separate][:cap]
        views = [r for r in fresh if r.story.kind in separate][:cap]  # opinion, analysis...: their own section
        repeats = [r for r in ranked if r.status == "repeat"][:cap]
        kept = [*news, *views, *repeats]
        listed = {id(r) for r in kept}
        listings = [(a.id, a.revision, "listed" if id(r) in listed else "cut")
                    for r in ranked for a in r.story.articles]
        shown, notes = kept, ()
        backend, model = self.summarizer.name, self.summarizer.model_id
        if backend == "seq2seq":
            from .summarize.seq2seq import stories_note, with_verdicts

            shown = with_verdicts(kept, summaries)
            run_notes = getattr(self.summarizer, "notes", lambda: [])()
            notes = tuple(line for line in (stories_note(shown, backend), *run_notes) if line)
        if self.config.summarize.backend in STORY_BACKENDS:
            shown, notes = self.brief(kept, summaries, generated_at)
            backend, model = self.config.summarize.backend, self.writer.model_id
        publishers = {src.publisher for a in articles for src in a.sources}
        briefing = Briefing(
            date=day, generated_at=generated_at, window_start=start, window_end=end,
            backend=backend, model=model, notes=notes,
            stories=tuple(shown), failed_feeds=tuple(failures),
            stats={"feeds": len(self.config.feeds), "articles": len(articles), "stories": len(ranked),
                   "outlets": len(publishers),
                   # Stories ranked below briefing.max_stories: their articles count as taken, and the briefing
                   # says how many.
                   **({"cut": len(ranked) - len(kept)} if len(ranked) > len(kept) else {})},
            separate_kinds=tuple(self.config.briefing.separate_kinds),
        )
        lap("rank")
        return briefing, listings

    def run(self, day: date | None = None, *, fetch: bool = True, now: datetime | None = None,
            transport: object | None = None, out_dir: Path | None = None, stem: str | None = None,
            email: bool = True, resend: bool = False, force: bool = False) -> RunResult:
        """Fetch (optionally), build and write the briefing for ``day`` (default: today).

        After the files: the folder's archive is rebuilt, the briefing is emailed when
        ``delivery.email`` is configured and ``email`` is true (never twice per recipient
        and date unless ``resend``; an empty briefing only with ``send_empty``), and items older
        than ``store.keep_days`` are pruned. Failures of those steps are reported in ``RunResult``
        and do not fail the run. Unless ``force``, a briefing built from fewer articles than the
        file already there is written beside it (``deliver.guard_rebuild``), not over it, and not mailed.
        """
        from .deliver import guard_rebuild, write_briefing

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
                self._checkpoint("fetch")
            rule = self.rule_for(day, now)
            horizon = self.store.horizon()
            self.store.record_view(run_id, rule=rule, as_of=now, horizon=horizon)
            stages: dict[str, float] = {}
            briefing, listings = self._build(day, generated_at=now, failures=failures, rule=rule, horizon=horizon,
                                             run_id=run_id, timings=stages)
            briefing = arrange(with_store_stats(briefing, self._store_stats(counts if fetch else None),
                                                self.config.briefing.timezone), self.config)
            timings["build"] = clock.perf_counter() - started - timings.get("fetch", 0.0)
            timings.update(stages)
            self._checkpoint("rank")
            self.progress.stage("write", None)
            guarded = None
            if not force:
                stem, guarded = guard_rebuild(briefing, out_dir or self.config.output_dir, stem)
            written = clock.perf_counter()
            paths = write_briefing(briefing, out_dir or self.config.output_dir, self.config.output.formats,
                                   title=self.config.briefing.title, stem=stem)
            timings["write"] = clock.perf_counter() - written
            if guarded:  # written beside the day's briefing: not the day's briefing, nothing taken by it
                status = "beside"
            else:
                self.store.record_listings(run_id, day, listings)
                status = "ok"
        except Interrupted:
            status = "interrupted"
            raise
        finally:
            timings["total"] = clock.perf_counter() - started
            stats = {**counts, **{f"seconds_{k}": round(v, 3) for k, v in timings.items()}}
            if status in ("ok", "beside"):
                stats.update({"articles": briefing.stats["articles"], "stories": briefing.stats["stories"],
                              "generated_at": briefing.generated_at.isoformat(),
                              **{k: briefing.stats[k] for k in STORE_STATS if k in briefing.stats}})
            self.store.finish_run(run_id, datetime.now(UTC), status, stats,
                                  [{"feed": f.feed, "reason": f.reason} for f in failures])
        result = RunResult(briefing=briefing, paths=paths, run_id=run_id, timings=timings, fetched=counts)
        if guarded:
            result.warnings.append(guarded)
        target = out_dir or self.config.output_dir
        if stem is None or stem == day.isoformat():
            result.warnings += self.archive(target)
        mail = self.config.delivery.email
        send = email and not guarded and (bool(briefing.stories) or (mail is not None and mail.send_empty))
        if email and not guarded and not send and mail is not None and mail.enabled:
            result.warnings.append("note: the briefing is empty, so it was not emailed "
                                   "(delivery.email.send_empty = true mails empty days too)")
        result.email = self.send_email(briefing, run_id, send=send, resend=resend)
        if result.email is not None:
            from .mail import report_lines

            result.warnings += [line for line in report_lines(result.email) if line.startswith("warning:")]
        self.prune(day, now)
        return result

    def _store_stats(self, counts: dict[str, int] | None) -> dict[str, int]:
        """What an empty briefing explains itself with: items stored, the newest's publication time, and
        (when this run fetched) the items the feeds gave."""
        newest = self.store.newest_published()
        stats = {"stored": self.store.count_items()}
        if newest is not None:
            stats["newest_published"] = int(newest.timestamp())
        if counts is not None:
            stats["fetched"] = counts.get("entries", 0)
        return stats

    def rule_for(self, day: date, now: datetime) -> str:
        """How the run for ``day`` at ``now`` chooses articles (``briefing.eligibility.choose_rule``)."""
        last = self.store.last_briefing_run(day)
        return choose_rule(day, window_end=briefing_window(day, self.config)[1], now=now,
                           latest_briefing=self.store.latest_briefing_date(),
                           previous_rule=last.rule if last is not None else None)

    def archive(self, out_dir: Path) -> list[str]:
        """Rebuild ``out_dir``'s index and Atom feed (when JSON is written); returns warnings."""
        from .archive import write_archive

        if "json" not in self.config.output.formats:
            return []
        try:
            write_archive(out_dir, title=self.config.briefing.title, base_url=self.config.output.base_url)
        except RenderError as exc:
            return [f"warning: archive not updated: {exc}"]
        return []

    def send_email(self, briefing: Briefing, run_id: int | None = None, *, send: bool = True,
                   resend: bool = False) -> EmailReport | None:
        """Email ``briefing`` as ``delivery.email`` says and record the outcome on the run.

        Returns None when no email is configured; a report with no results (status
        "skipped") when ``send`` is false.
        """
        settings = self.config.delivery.email
        if settings is None or not settings.enabled:
            return None
        from .mail import EmailReport, deliver_email
        from .render import lead_headline, render_html, render_markdown

        if send:
            self.progress.stage("email", len(settings.to))
            title = self.config.briefing.title
            report = deliver_email(
                briefing.date, settings, self.store, title=title, resend=resend,
                text=render_markdown(briefing, title=title), html=render_html(briefing, title=title),
                headline=lead_headline(briefing) or "", count=sum(r.status != "repeat" for r in briefing.stories),
                ca_file=self.config.resolve(settings.ca_file) if settings.ca_file else None,
            )
        else:
            report = EmailReport(day=briefing.date)
        if run_id is not None:
            self.store.set_email_status(run_id, report.status)
        return report

    def prune(self, day: date, now: datetime) -> int:
        """Delete items older than ``store.keep_days``, but never one ``day``'s ranking still compares against."""
        keep = max(self.config.store.keep_days, self.config.rank.history_days + 1)
        start, _ = briefing_window(day, self.config)
        return self.store.prune(min(now, start) - timedelta(days=keep),
                                backfill_days=self.config.briefing.backfill_days)

    def regenerate(self, day: date, *, backend: str | None = None, model: str | None = None,
                   out: Path | None = None, force: bool = False, refresh: bool = False) -> RegenerateResult:
        """Rebuild the briefing dated ``day`` from stored items only (no network), as its last run made it.

        That run's ``generated_at``, failed feeds, eligibility rule and view of the store (the items,
        revisions and feed copies it held, the listings of earlier runs) are reused, so with the same
        config and model the files come out byte-identical, whatever the feeds changed since. With
        ``backend``/``model`` the briefing is written beside the original as ``D.<backend>[.<model>].<fmt>``.
        With ``refresh`` it is rebuilt from everything the store holds now (the articles published in its
        window, late arrivals included, each as it reads now; less what earlier briefings listed), written
        as ``D.refreshed.<fmt>``, and ``RegenerateResult.differences`` says what changed against the original.

        Args:
            day: the briefing's date.
            backend: another summarizer backend (a name in ``summarize.BACKENDS``).
            model: another model for the summarizer (the embedding model for "extractive").
            out: a file (its suffix picks the one format written) or a folder.
            force: allow replacing an existing file when ``backend``, ``model`` or ``out`` is given.
            refresh: rebuild from what is known now instead of as of the run.

        Raises:
            StoreError: no run wrote a briefing for ``day``, or the store pruned what it was built from.
            RenderError: a target file exists and ``force`` is false, or writing failed.
            ConfigError: an unknown backend, or ``model`` for a backend that uses none.
        """
        from .deliver import guard_rebuild, write_briefing
        from .render import FORMATS

        record = self.store.last_briefing_run(day)
        if record is None:
            raise StoreError(f"no briefing for {day} in the store (run `briefing run --date {day}` first)")
        stamp = record.stats.get("generated_at")
        generated_at = datetime.fromisoformat(stamp) if stamp else record.started
        failures = [FeedFailure(feed=f["feed"], reason=f["reason"]) for f in record.failed_feeds]
        rule = record.rule or "publication"  # runs recorded before the store kept their rule: by publication
        self._check_kept(day, rule)
        variant = backend is not None or model is not None
        builder = self._variant(backend, model) if variant else self
        # Refreshed: the day's window by publication, as everything is known now (late arrivals and edits
        # included), less what the briefings before it listed.
        kept = {k: record.stats[k] for k in STORE_STATS if k in record.stats}
        zone = self.config.briefing.timezone
        briefing = builder.build(day, generated_at=generated_at, failures=failures,
                                 rule="publication" if refresh else rule,
                                 horizon=None if refresh else record.horizon, run_id=record.id)
        briefing = arrange(with_store_stats(briefing, kept, zone), self.config)
        differences: list[str] = []
        if refresh:
            original = builder.build(day, generated_at=generated_at, failures=failures, rule=rule,
                                     horizon=record.horizon, run_id=record.id)
            differences = story_differences(arrange(with_store_stats(original, kept, zone), self.config), briefing)

        name = day.isoformat()
        if variant:
            name += f".{briefing.backend}" + (f".{_slug(model)}" if model else "")
        if refresh:
            name += ".refreshed"
        formats: list[str] = list(dict.fromkeys(self.config.output.formats))
        out_dir = self.config.output_dir
        if out is not None and out.suffix[1:] in FORMATS:
            out_dir, formats, name = out.parent, [out.suffix[1:]], out.stem
        elif out is not None:
            out_dir = out
        targets = [out_dir / f"{name}.{fmt}" for fmt in formats]
        if (variant or out is not None) and not force:
            for target in targets:
                if target.exists():
                    raise RenderError(f"{target} exists; use --force to overwrite it")
        guarded = None
        if name == day.isoformat() and not force:
            name, guarded = guard_rebuild(briefing, out_dir, name)
            targets = [out_dir / f"{name}.{fmt}" for fmt in formats]
        before = {t: t.read_bytes() if t.is_file() else None for t in targets}
        self.progress.stage("write", None)
        paths = write_briefing(briefing, out_dir, formats, title=self.config.briefing.title, stem=name)
        result = RegenerateResult(briefing=briefing, paths=paths,
                                  changed=[p for p in paths if before.get(p) != p.read_bytes()],
                                  differences=differences)
        if guarded:
            result.warnings.append(guarded.replace("--force replaces", "regenerate --force replaces"))
        if name == day.isoformat():
            result.warnings += self.archive(out_dir)
        return result

    def _check_kept(self, day: date, rule: str) -> None:
        """Refuse a rebuild that would need items the store has pruned since (``store.keep_days``)."""
        pruned = self.store.pruned_before()
        if pruned is None:
            return
        start, _ = briefing_window(day, self.config)
        needs = start - timedelta(days=self.config.rank.history_days)
        if rule == "arrival":
            needs -= timedelta(days=self.config.briefing.backfill_days)
        if pruned > needs:
            raise StoreError(f"cannot rebuild {day}: the store has pruned items before {pruned:%Y-%m-%d} that it was "
                             f"built from (store.keep_days = {self.config.store.keep_days})")

    def _variant(self, backend: str | None, model: str | None) -> Pipeline:
        """A pipeline sharing this one's store and encoder, with another summarizer."""
        settings = self.config.summarize
        if backend is not None:
            settings = settings.model_copy(update={"backend": backend})
        variant = Pipeline(self.config.model_copy(update={"summarize": settings}), store=self.store,
                           encoder=self.encoder, progress=self.progress)
        variant._terms = self._terms  # one NER model load
        if model is not None and settings.backend in (*STORY_BACKENDS, "seq2seq"):
            variant._writer = None
            variant.config = variant.config.model_copy(  # the generating backend's model; the encoder stays
                update={"summarize": settings.model_copy(update={"model": model})})
        elif model is not None:
            # Only the summarizer changes model: clustering and ranking keep the configured encoder.
            own = Encoder.from_config(self.config.embed, model=model)
            variant._summarizer = make_summarizer(settings, own)
            if variant._summarizer.model_id != own.model_id:
                raise ConfigError(f"--model: the {settings.backend!r} summarizer uses no model")
        return variant

    def close(self) -> None:
        self.store.close()
        stop = getattr(self.encoder, "close", None)
        if self._own_encoder and callable(stop):  # a Ray pool: its workers, and the local Ray it started
            stop()


class _Laps:
    """Records the seconds since the previous lap under each name, into ``into`` (nothing when None)."""

    def __init__(self, into: dict[str, float] | None) -> None:
        self.into = into
        self.last = clock.perf_counter()

    def __call__(self, name: str) -> None:
        now = clock.perf_counter()
        if self.into is not None:
            self.into[name] = now - self.last
        self.last = now


def story_differences(before: Briefing, after: Briefing) -> list[str]:
    """What a rebuilt briefing changed, one line per story: ``added``, ``dropped``, ``moved 3 -> 1``, and
    ``changed`` for a story listed at the same place whose summary or status differs."""
    def keyed(b: Briefing) -> dict[str, RankedStory]:
        return {r.story.lead.url or r.story.lead.title: r for r in sorted(b.stories, key=lambda r: r.rank)}

    old, new = keyed(before), keyed(after)
    lines = [f"added #{r.rank}: {r.story.lead.title}" for key, r in new.items() if key not in old]
    lines += [f"dropped (was #{r.rank}): {r.story.lead.title}" for key, r in old.items() if key not in new]
    old_order = [key for key in old if key in new]
    new_order = [key for key in new if key in old]
    for key in new_order:
        was, now = old[key], new[key]
        if old_order.index(key) != new_order.index(key):
            lines.append(f"moved #{was.rank} -> #{now.rank}: {now.story.lead.title}")
        elif (was.summary, was.status, was.story.lead.title) != (now.summary, now.status, now.story.lead.title):
            lines.append(f"changed #{now.rank}: {now.story.lead.title}")
    return lines


def _with_arrival_reasons(ranked: RankedStory, selection: Selection) -> RankedStory:
    """Say so when the story's lead arrived late, and when an article comes back updated since it was shown."""
    extra: list[str] = []
    lead = ranked.story.lead
    if lead.id in selection.late:
        extra.append(late_reason(selection.late[lead.id]))
    extra.extend(update_reason(selection.returning[a.id]) for a in ranked.story.articles if a.id in selection.returning)
    if not extra:
        return ranked
    return dataclasses.replace(ranked, reasons=(*ranked.reasons, *extra))


def _slug(name: str | None) -> str:
    """A model name fit for a file name: its last path part, odd characters made dashes."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", Path(name or "").name).strip("-") or "model"
