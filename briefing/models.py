"""Records that flow between the stages. Imports nothing of ours."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal


def first_words(text: str, count: int) -> list[str]:
    """The first ``count`` whitespace-separated words of ``text``: ``text.split()[:count]`` without splitting the
    rest of a long article."""
    return text.split(None, count)[:count]


_LONG_WORD = re.compile(r"[A-Za-z][\w'’-]{3,}")
_TITLE_CASE_SHARE = 0.6
"""A headline whose longer words are mostly capitalised is Title Case: its casing names nothing."""


# A section label before a headline ("Opinion | ", "Live: "): the piece's kind, not words of its headline.
SECTION_LABEL = re.compile(
    r"^\s*(?:opinion|op-ed|analysis|explainer|editorial|comment|letters?|review|live|watch|video|podcast)"
    r"\s*[|:]\s+",
    re.IGNORECASE,
)


def is_title_case(text: str) -> bool:
    """True when most words of four letters or more are capitalised ("Ukraine Says It Destroyed Dozens")."""
    words = _LONG_WORD.findall(text)
    if len(words) < 3:
        return False
    return sum(w[0].isupper() for w in words) / len(words) >= _TITLE_CASE_SHARE


Status = Literal["new", "development", "update", "repeat"]

KINDS: tuple[str, ...] = ("news", "opinion", "analysis", "live", "newsletter", "media")
"""Kinds of piece (``briefing.kinds``): news; opinion (columns, editorials, reviews, letters); analysis
(explainers, long reads, named analysis columns); live (live blogs); newsletter (newsletter issues and
roundups); media (podcasts, videos, galleries)."""
SEPARATE_KINDS: tuple[str, ...] = ("opinion", "analysis", "newsletter", "media")
"""Kinds shown in their own section after the day's news, by default (``[briefing] separate_kinds``)."""


@dataclass(frozen=True)
class Feed:
    """A configured feed: an http(s) URL or a local file path."""

    url: str
    name: str | None = None
    full_text: bool = False
    publisher: str | None = None  # who publishes it, when the config says; else found from the feed's site


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
    categories: tuple[str, ...] = ()  # the item's category/tag terms, as the feed gave them
    publisher: str = ""  # the publisher's key (``briefing.publishers``); "" = not known
    kind: str = "news"  # the kind of piece (``briefing.kinds``)


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
    """One feed's copy of an article.

    ``outlet`` is the name shown to readers (the feed's); ``publisher`` says who published it: a
    registrable domain such as ``wsj.com``, or a name set in the config. Two sections of one
    publisher are two sources of one publisher. It defaults to ``outlet``.
    """

    outlet: str
    title: str
    url: str | None
    published: datetime | None
    feed_url: str = ""
    publisher: str = ""

    def __post_init__(self) -> None:
        if not self.publisher:
            object.__setattr__(self, "publisher", self.outlet)


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
    kind: str = "news"  # the kind of piece: one of ``KINDS``
    first_seen: datetime | None = None  # when the store first saw it (None for articles made in code)
    revision: int = 0  # the store's id of the text revision this is (0 for articles made in code)


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
    terms: frozenset[str] = frozenset()  # names and numbers (``briefing.rank.key_terms``)
    words: frozenset[str] = frozenset()  # content words (``briefing.rank.content_words``)
    kind: str = "news"  # the kind of piece (``briefing.kinds``)


@dataclass(frozen=True)
class Story:
    """Today's articles about one event, told once."""

    articles: tuple[Article, ...]
    lead: Article  # the representative article
    vector: Sequence[float] = field(compare=False, repr=False)  # mean of the articles' vectors, L2-normalized

    @property
    def sources(self) -> tuple[Source, ...]:
        """One source per publisher and piece: a publisher's copies of one article in several of its
        feeds (sections), or of one URL, are one source (the first seen)."""
        pieces: set[tuple[str, int]] = set()
        urls: set[tuple[str, str]] = set()
        kept: list[Source] = []
        for article in self.articles:
            for source in article.sources:
                piece = (source.publisher, article.id)
                link = (source.publisher, source.url) if source.url else None
                if piece in pieces or (link is not None and link in urls):
                    continue
                pieces.add(piece)
                if link is not None:
                    urls.add(link)
                kept.append(source)
        return tuple(kept)

    @property
    def outlets(self) -> frozenset[str]:
        """The publishers carrying the story: what coverage counts."""
        return frozenset(source.publisher for source in self.sources)

    @property
    def placements(self) -> int:
        """Copies of the story's articles across feeds: (feed, article) pairs. More than ``len(outlets)``
        when a publisher put a piece in several of its feeds, or ran several pieces: a prominence signal."""
        return len({(article.id, source.feed_url or source.outlet) for article in self.articles
                    for source in article.sources})

    @property
    def kind(self) -> str:
        """``news`` when any article is news (an opinion piece on a news story joins the news); else the lead's."""
        kinds = {article.kind for article in self.articles}
        return "news" if "news" in kinds else self.lead.kind


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
    topics: tuple[str, ...] = ()  # the sections it belongs in (its feeds' ``topics``), in the config's order
    summary_backend: str | None = None  # the backend whose text ``summary`` is; None: the briefing's
    guard: dict[str, Any] | None = None  # the faithfulness guard's verdict on a generated brief
    superseded_by: str | None = None  # a headline of another of today's stories that reports as done what it announced


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
    separate_kinds: tuple[str, ...] = SEPARATE_KINDS  # kinds of piece shown in their own section, after the news
    timezone: str = "UTC"  # the reader's IANA timezone: times are shown in it
    top_stories: int = 0  # with topics: the leading stories shown as "Top stories" before the topic sections
    topics: tuple[str, ...] = ()  # the configured topics, in order: one section each after "Top stories"
    notes: tuple[str, ...] = ()  # lines for the footer, e.g. what the summary backend and its guard did
