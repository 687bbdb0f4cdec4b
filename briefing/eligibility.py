"""Which articles a briefing may list: arrival decides, and an article is listed once.

Two rules (docs/design-notes.md, "Eligibility and reproduction"):

- ``arrival`` (the daily briefing, the newest date): every article the store has seen and no earlier
  briefing listed, whatever its ``pubDate``. An article published before the window but first seen after
  the previous briefing was built is a *late arrival*, marked so and ranked on its own merits. An
  article already older than ``briefing.backfill_days`` when first seen (a first run, a feed added
  later, a pruned item a feed still carries) is history, not news.
- ``publication`` (a past day filled in later, ``run --date D`` behind the newest briefing): the
  articles published in the day's window that no other briefing listed.

An article already listed comes back only as an update of itself: when a later revision changed
something material (the headline, numbers or names, a first-time event). Both rules read the store
*as of* the run (``Horizon``): the items and revisions it held then, so a rebuild gives the same
briefing.

Pure apart from the ``Store`` reads; no model, no network.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .firsts import first_event
from .models import Article
from .rank import as_written, key_terms
from .store import Horizon, SelectionSource

__all__ = ["RULES", "Returning", "Selection", "choose_rule", "late_reason", "material_changes", "select_articles",
           "update_reason"]

RULES = ("arrival", "publication")
HISTORY_AHEAD = timedelta(days=3650)
"""History reaches this far past the window's end: articles dated in the future are history too."""

_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                 "eight": "8", "nine": "9", "ten": "10"}
_TOKEN = re.compile(r"[\w%$€£.'’-]+")
_NOISE = frozenset({"no", "no.", "number", "nos", "nos."})


@dataclass(frozen=True)
class Returning:
    """An article listed before that comes back: where it was shown and what changed since."""

    listed_on: date
    changes: tuple[str, ...]
    shown: bool = True  # False when that briefing cut it for space


@dataclass(frozen=True)
class Selection:
    """What one briefing is built from."""

    rule: str
    articles: list[Article]
    history: list[Article]
    late: dict[int, datetime] = field(default_factory=dict)  # item id -> publication time, for late arrivals
    returning: dict[int, Returning] = field(default_factory=dict)


def choose_rule(day: date, *, window_end: datetime, now: datetime, latest_briefing: date | None,
                previous_rule: str | None = None) -> str:
    """``arrival`` for the current briefing, ``publication`` for a past day filled in.

    A date run again keeps the rule of its last run. Otherwise a day is past when a briefing for a later
    date exists or its window closed more than a day before ``now``.
    """
    if previous_rule in RULES:
        return previous_rule
    if latest_briefing is not None and latest_briefing > day:
        return "publication"
    if window_end <= now - timedelta(days=1):
        return "publication"
    return "arrival"


def select_articles(store: SelectionSource, day: date, *, window: tuple[datetime, datetime], rule: str,
                    horizon: Horizon | None, run_id: int | None, backfill_days: float,
                    history_days: int, terms: Callable[[str, str], frozenset[str]] = key_terms) -> Selection:
    """The articles of the briefing dated ``day`` and the history they are ranked against.

    Args:
        store: the store, read as of ``horizon`` (None: as it is now).
        day: the briefing's date; listings of this date by earlier runs do not count (a rerun rebuilds it).
        window: the briefing's ``[start, end)`` in UTC.
        rule: ``arrival`` or ``publication``.
        horizon: what the store held when the run built the briefing.
        run_id: the run building it; only listings by earlier runs count (None: all).
        backfill_days: at first sight, an article older than this is history, not news.
        history_days: history reaches back this many days before the window.
        terms: names and numbers of a text and headline (``rank.terms``), for a revision's material changes.
    """
    if rule not in RULES:
        raise ValueError(f"unknown eligibility rule {rule!r} (expected one of {', '.join(RULES)})")
    start, end = window
    listed = store.listings_before(run_id, day)
    history_start = start - timedelta(days=history_days)
    if rule == "publication":
        articles = [a for a in store.published_as_of(start, end, horizon) if a.id not in listed]
        history = store.published_as_of(history_start, start, horizon)
        return Selection(rule=rule, articles=articles, history=history)

    backfill = timedelta(days=backfill_days)
    fresh_ids: list[int] = []
    for sighting in store.sightings(horizon):
        if sighting.id in listed or sighting.history_only:
            continue
        if sighting.published < sighting.first_seen - backfill:
            continue  # already old when it first reached us: history, not news
        fresh_ids.append(sighting.id)
    articles = store.articles_as_of(fresh_ids, horizon)

    returning: dict[int, Returning] = {}
    shown: dict[int, Article] = {}
    # A listed article edited since the last briefing was built: its text now against what was shown. (One
    # edited before that was weighed then; with no newer revision, the answer is the same.)
    edited = store.revised_between(store.previous_view(run_id), horizon)
    moved = sorted(item for item in edited if item in listed)
    for current in store.articles_as_of(moved, horizon):
        if current.revision == listed[current.id].revision_id:
            continue
        before = store.revision_as_article(current.id, listed[current.id].revision_id, horizon)
        if before is None:
            continue
        changes = material_changes(before, current, terms)
        if changes:
            returning[current.id] = Returning(listed_on=listed[current.id].date, changes=changes,
                                              shown=listed[current.id].status == "listed")
            shown[current.id] = before
            articles.append(current)
    articles.sort(key=lambda a: (a.published, a.id))

    taken = {a.id for a in articles}
    # Everything else the store held is history, whatever its date (a story shown yesterday may carry
    # today's date: it arrived before yesterday's briefing was built).
    history = [a for a in store.published_as_of(history_start, end + HISTORY_AHEAD, horizon) if a.id not in taken]
    history.extend(shown.values())  # an update is compared with what the reader was shown
    history.sort(key=lambda a: (a.published, a.id))
    late = {a.id: a.published for a in articles
            if listed and a.id not in returning and a.published < start}
    return Selection(rule=rule, articles=articles, history=history, late=late, returning=returning)


def material_changes(before: Article, after: Article,
                     terms: Callable[[str, str], frozenset[str]] = key_terms) -> tuple[str, ...]:
    """What changed between two revisions of one article that a reader would want to know; () when nothing.

    Material: the headline's words, a number or name not in the earlier text, a first-time event the earlier
    text did not report. Not material: spelling of numbers ("number one" / "No. 1"), case, spacing,
    punctuation, words moved about.
    """
    changes: list[str] = []
    if _words(before.title) != _words(after.title):
        changes.append("new headline")
    old_terms = _terms(before, terms)
    known = _words(f"{before.title} {before.text}")
    added = as_written({term for term in _terms(after, terms) - old_terms if term not in known},
                       f"{after.title} {after.text}")
    if added:
        changes.append("new: " + ", ".join(added[:4]))
    if first_event(after.title, after.text) is not None and first_event(before.title, before.text) is None:
        changes.append("now reports a first-time event")
    return tuple(changes)


def late_reason(published: datetime) -> str:
    """``published 3 Nov, arrived late``."""
    return f"published {published.day} {published:%b}, arrived late"


def update_reason(returning: Returning) -> str:
    """``updated since shown on 3 Nov: new headline; new: 4.5%`` (``since cut for space on`` when it was)."""
    day = returning.listed_on
    since = "shown" if returning.shown else "cut for space"
    return f"updated since {since} on {day.day} {day:%b}: " + "; ".join(returning.changes)


def _words(text: str) -> frozenset[str]:
    words = set()
    for token in _TOKEN.findall(text.casefold()):
        token = token.strip(".'’-")
        if not token or token in _NOISE:
            continue
        words.add(_NUMBER_WORDS.get(token, token))
    return frozenset(words)


def _terms(article: Article, terms_of: Callable[[str, str], frozenset[str]] = key_terms) -> frozenset[str]:
    terms = set()
    for term in terms_of(article.text, article.title):
        term = term.strip(".'’-")
        if term and term not in _NOISE:
            terms.add(_NUMBER_WORDS.get(term, term))
    return frozenset(terms)
