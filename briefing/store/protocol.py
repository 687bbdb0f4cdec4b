"""What a store does, split by concern: each ``Protocol`` is one part of the interface the pipeline, CLI,
mail and schedule code use, and ``BriefingStore`` is all of them together (what ``open_store`` returns).

Every implementation keeps the same semantics: one item per article however many feeds carry it, every
text revision and feed copy remembered with the time it was first seen, so a briefing is rebuilt byte for
byte as of its run; one listing per (item, run); a delivery per (date, recipient) never sent twice.
Times go in as aware datetimes and come back in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..models import Article, Entry, FetchResult, Summary
from .records import DeliveryRecord, Horizon, ItemSighting, Listing, RunRecord, UpsertStats

__all__ = ["BriefingStore", "Caches", "Deliveries", "FeedStates", "History", "Items", "Listings", "Runs",
           "SelectionSource"]


class FeedStates(Protocol):
    """How each feed's last fetch went, and its validators for a conditional GET."""

    def feed_states(self) -> dict[str, tuple[str | None, str | None]]:
        """ETag and Last-Modified per feed URL."""
        ...

    def record_fetch(self, result: FetchResult, fetched_at: datetime) -> None:
        """Remember how fetching a feed went; validators are kept from the last good fetch."""
        ...

    def feed_report(self) -> list[dict[str, Any]]:
        """One row per feed, by URL: title, validators, last fetch time, status, error and entry count."""
        ...


class Items(Protocol):
    """Deduplicated articles with their feed copies; pruning."""

    def upsert_entries(self, entries: Iterable[Entry], seen_at: datetime) -> UpsertStats:
        """Store parsed entries, one item per article however many feeds carry it."""
        ...

    def items_needing_page_text(self, item_ids: Sequence[int]) -> list[Article]:
        """Of these items, those still holding feed text with an http(s) URL, in the given order."""
        ...

    def set_page_text(self, item_id: int, text: str, seen_at: datetime | None = None) -> None:
        """Replace an item's text with its article page's (a new revision)."""
        ...

    def articles_between(self, start: datetime, end: datetime) -> list[Article]:
        """Articles published in ``[start, end)``, oldest first, with their sources."""
        ...

    def count_items(self) -> int: ...

    def newest_published(self) -> datetime | None:
        """When the newest stored item was published (None for an empty store)."""
        ...

    def prune(self, before: datetime, *, backfill_days: float = 0) -> int:
        """Delete items published before ``before`` (and what hangs on them); returns items deleted."""
        ...

    def pruned_before(self) -> datetime | None:
        """The cutoff of the latest prune."""
        ...

    def size_report(self) -> dict[str, int]:
        """Rows per table and the text bytes kept in items and their revisions."""
        ...


class History(Protocol):
    """The store as it stood at a moment (a run's ``Horizon``): what a briefing is built and rebuilt from."""

    def horizon(self) -> Horizon: ...

    def sightings(self, horizon: Horizon | None = None) -> list[ItemSighting]: ...

    def revised_between(self, after: Horizon | None, upto: Horizon | None) -> set[int]: ...

    def previous_view(self, run_id: int | None) -> Horizon | None: ...

    def articles_as_of(self, item_ids: Sequence[int], horizon: Horizon | None = None) -> list[Article]: ...

    def published_as_of(self, start: datetime, end: datetime, horizon: Horizon | None = None) -> list[Article]: ...

    def revision_as_article(self, item_id: int, revision_id: int,
                            horizon: Horizon | None = None) -> Article | None: ...


class Listings(Protocol):
    """Which briefing listed which item, and which revision of it."""

    def record_listings(self, run_id: int, day: date, listed: Iterable[tuple[int, int, str]]) -> None: ...

    def listings_before(self, run_id: int | None, day: date) -> dict[int, Listing]: ...

    def listings_by_item(self) -> dict[int, list[Listing]]: ...


class SelectionSource(History, Listings, Protocol):
    """What choosing a briefing's articles reads: the store as of a run, and what earlier briefings listed."""


class Caches(Protocol):
    """Summaries by (content hash, backend, params) and vectors by (key, model): shared by every briefing."""

    def cached_summaries(self, hashes: Iterable[str], backend: str, params: str) -> dict[str, Summary]: ...

    def save_summaries(self, summaries: Iterable[Summary], params: str, now: datetime) -> None: ...

    def cached_vectors(self, keys: Iterable[str], model: str) -> dict[str, np.ndarray]: ...

    def save_vectors(self, vectors: dict[str, np.ndarray], model: str) -> None: ...


class Runs(Protocol):
    """One record per run: its date, outcome, statistics and view of the store."""

    def start_run(self, day: date, started: datetime) -> int: ...

    def finish_run(self, run_id: int, finished: datetime, status: str, stats: dict[str, Any],
                   failed_feeds: list[dict[str, str]]) -> None: ...

    def record_view(self, run_id: int, *, rule: str, as_of: datetime, horizon: Horizon) -> None: ...

    def latest_briefing_date(self) -> date | None: ...

    def set_email_status(self, run_id: int, status: str) -> None: ...

    def runs(self, since: date | None = None) -> list[RunRecord]: ...

    def last_briefing_run(self, day: date) -> RunRecord | None: ...


class Deliveries(Protocol):
    """What was sent to whom for which date: never twice."""

    def deliveries(self, day: date) -> dict[str, DeliveryRecord]: ...

    def unfinished_sends(self) -> list[DeliveryRecord]: ...

    def mark_sending(self, day: date, recipient: str, message_id: str, since: datetime) -> None: ...

    def record_delivery(self, day: date, recipient: str, status: str, *, attempts: int, error: str | None = None,
                        sent_at: datetime | None = None) -> None: ...


@runtime_checkable
class BriefingStore(FeedStates, Items, History, Listings, Caches, Runs, Deliveries, Protocol):
    """A whole store: every concern, and closing (also as a context manager)."""

    briefing: str
    """The briefing whose runs, listings and deliveries this store reads and writes."""

    @property
    def location(self) -> str:
        """Where the store is, for messages: a file path or a URL without its password."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> BriefingStore: ...

    def __exit__(self, *exc: object) -> None: ...
