"""Records that flow between the stages. Imports nothing of ours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

Status = Literal["new", "update", "repeat"]


@dataclass(frozen=True)
class Feed:
    """A configured feed: an http(s) URL or a local file path."""

    url: str
    name: str | None = None
    full_text: bool = False


@dataclass(frozen=True)
class Entry:
    """One item as parsed from one feed, before storage."""

    feed_url: str
    outlet: str
    title: str
    url: str | None
    guid: str | None
    text: str
    published: datetime | None  # timezone-aware UTC, None when the feed gave no usable date
    text_source: str = "feed"  # "feed", or "page" when full text was extracted from the article page


@dataclass(frozen=True)
class FetchResult:
    """What fetching one feed gave: entries, or an error, or 'not modified'."""

    feed: Feed
    entries: tuple[Entry, ...] = ()
    error: str | None = None
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    status_code: int | None = None
    warning: str | None = None  # e.g. feedparser bozo on a feed that still parsed
    feed_title: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Source:
    """One outlet's copy of an article."""

    outlet: str
    title: str
    url: str | None
    published: datetime | None
    feed_url: str = ""


@dataclass(frozen=True)
class Article:
    """A stored, deduplicated item: one article, possibly carried by several feeds."""

    id: int
    title: str
    text: str
    url: str | None
    published: datetime  # UTC; the first-seen time when the feed gave no date
    content_hash: str
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class Summary:
    """A summary of one article's text."""

    content_hash: str
    text: str
    backend: str
    sentences: tuple[str, ...] = ()
    note: str | None = None  # e.g. "guard rejected abstractive output; extractive used"


@dataclass(frozen=True)
class HistoryItem:
    """A past article the ranker compares against."""

    article_id: int
    title: str
    published: datetime
    vector: Sequence[float] = field(compare=False, repr=False)  # an L2-normalized row; numpy arrays welcome
    terms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Story:
    """Today's articles about one event, told once."""

    articles: tuple[Article, ...]
    lead: Article  # the representative article
    vector: Sequence[float] = field(compare=False, repr=False)  # mean of the articles' vectors, L2-normalized

    @property
    def sources(self) -> tuple[Source, ...]:
        seen: dict[tuple[str, str | None], Source] = {}
        for article in self.articles:
            for source in article.sources:
                seen.setdefault((source.outlet, source.url), source)
        return tuple(seen.values())

    @property
    def outlets(self) -> frozenset[str]:
        return frozenset(source.outlet for source in self.sources)


@dataclass(frozen=True)
class RankedStory:
    """A story with its place in the briefing and why."""

    story: Story
    rank: int
    status: Status
    score: float
    novelty: float
    reasons: tuple[str, ...]
    summary: str
    matched_title: str | None = None


@dataclass(frozen=True)
class FeedFailure:
    feed: str
    reason: str


@dataclass(frozen=True)
class Briefing:
    """Everything a renderer needs for one dated briefing."""

    date: date
    generated_at: datetime
    window_start: datetime
    window_end: datetime
    backend: str
    model: str
    stories: tuple[RankedStory, ...]
    failed_feeds: tuple[FeedFailure, ...] = ()
    stats: dict[str, float | int] = field(default_factory=dict)
