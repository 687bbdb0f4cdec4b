"""``bench first-events --in-context``: the first-time-event detector as the ranking uses it, with the days before.

The product does not show ``briefing.firsts.first_event`` on an item alone. ``briefing.rank`` drops an event when a
related past article (cosine >= ``rank.new_below`` to the story's vector, within ``rank.history_days``) already
reported a first-time event in its headline (``known_event``), and a story that matches past coverage becomes a
``development`` only when its event is in the headline. This module scores every labelled item (``labels`` and the
fresh set) as a one-article story on its own day, with the history the product would have had, by calling the
product's code: ``briefing.rank.related_past`` and ``story_event`` for the event, ``rank_stories`` for the status.

History: the items of the pool rebuilt from the ``daily/`` snapshots (``bench/first_events_pool.py``) published in
the ``history_days`` days before the item's ``published`` date. Dates only (the pool has no times): an item of day
D is ranked at 00:00 UTC of D against the items of D-14..D-1, each at 00:00 of its day (ages in whole days). Items of
``daily_extra/`` (one 2024 snapshot, no days around it) have no history: empty. Articles are built as the fetcher
builds them from a feed item: title, the description as text (300 characters here), the link, the kind from
``briefing.kinds.kind_of`` (no feed categories: the pool keeps none), vectors of ``briefing.pipeline.embedding_text``
and ``history_item`` with the product's encoder (``EmbedConfig()``), headlines through ``headline_text``, as
``Pipeline.vectors`` and ``Pipeline.headline_vectors`` do. Vectors are cached by text in
``<--out>/first-events-context-vectors.npz`` (for that encoder only), so a rerun embeds nothing.

What is counted, per item (a hit is compared with the label):

- ``isolated``: ``first_event(title, description)``, as ``bench first-events`` scores it (``new``).
- ``no-history``: ``story_event`` with no related past article: the product's event on an empty history (it reads
  the headline and the first 60 words of the text, so it can differ from ``isolated`` on long descriptions).
- ``shown``: ``story_event`` with the day's history: an event the product keeps after the ``known_event`` rule; the
  reader sees it in the reasons ("first-time event: ..." or "new development in an ongoing story ...") and it adds
  ``weights.first_event`` to the score, whatever the status.
- ``new-or-development``: ``shown`` and the status ``rank_stories`` assigns the one-story day is ``new`` or
  ``development``: the story leads as fully novel with its first-time event (an event in the text of a story
  matched as an update or repeat is shown but does not make it news).

Each decision is checked against the reasons ``rank_stories`` wrote for the story: a mismatch is an error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from briefing.config import BriefingConfig, EmbedConfig, RankConfig
from briefing.firsts import first_event
from briefing.kinds import kind_of
from briefing.models import Article, HistoryItem, Source, Story
from briefing.pipeline import embedding_text, headline_text, history_item
from briefing.rank import rank_stories, related_past, story_event

from .common import DataMissing, read_jsonl, require, table
from .first_events_pool import build_pool

VECTORS = "first-events-context-vectors.npz"
DETECTORS = ("isolated", "no-history", "shown", "new-or-development")
SETS = (("labels", "all", "labels (in-sample)"), ("fresh", "dev", "fresh dev"), ("fresh", "heldout", "fresh held-out"),
        ("fresh", "all", "fresh all"))
EVENT_REASONS = ("first-time event:", "new development in an ongoing story")


def make_encoder() -> Any:
    """The product's encoder with its default settings (``[embed]`` of a default config)."""
    from briefing.embed import Encoder

    return Encoder.from_config(EmbedConfig())


class VectorCache:
    """An encoder's vectors by text, kept between runs in an ``.npz`` (for this encoder only)."""

    def __init__(self, encoder: Any, path: Path) -> None:
        self.encoder, self.path = encoder, path
        self.model = str(getattr(encoder, "model_id", type(encoder).__name__))
        self.cache: dict[str, np.ndarray] = {}
        self.embedded = 0
        if path.is_file():
            with np.load(path, allow_pickle=False) as stored:
                if str(stored["model"]) == self.model:
                    self.cache = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest()[:32] for t in texts]
        todo = dict(item for item in zip(keys, texts, strict=True) if item[0] not in self.cache)
        if todo:
            self.cache.update(zip(todo, np.asarray(self.encoder.encode(list(todo.values())), dtype=np.float32),
                                  strict=True))
            self.embedded += len(todo)
            self.save()
        return np.stack([self.cache[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self.cache)
        tmp = self.path.with_name(self.path.name + ".tmp.npz")
        np.savez(tmp, model=np.array(self.model), keys=np.array(keys), vectors=np.stack([self.cache[k] for k in keys]))
        tmp.replace(self.path)


@dataclass(frozen=True)
class Decision:
    isolated: str | None  # first_event(title, description): "where: phrase"
    no_history: str | None  # story_event with no past
    shown: str | None  # story_event with the day's history
    status: str  # rank_stories' status of the one-story day
    history: int  # history items that day
    related: int  # related past headlines (cosine >= rank.new_below to the story's vector)
    known_event: bool  # one of them reports a first-time event in its headline: the rule that drops an event
    closest: str | None  # the closest past headline (age-decayed) and its similarity
    known_by: tuple[str, ...]  # related past headlines reporting a first-time event: why an event was dropped

    def hit(self, detector: str) -> bool:
        if detector == "isolated":
            return self.isolated is not None
        if detector == "no-history":
            return self.no_history is not None
        if detector == "shown":
            return self.shown is not None
        return self.shown is not None and self.status in ("new", "development")


def to_article(index: int, row: dict[str, Any]) -> Article:
    """A pool item as the fetcher stores a feed item: its date at 00:00 UTC, the description as text."""
    published = datetime.combine(date.fromisoformat(row["published"]), datetime.min.time(), UTC)
    title, text, link = row["title"], row.get("description") or "", row["link"]
    return Article(id=index, title=title, text=text, url=link, published=published,
                   content_hash=hashlib.sha256(f"{title}\n{text}".encode()).hexdigest(),
                   sources=(Source(outlet=row["source"], title=title, url=link, published=published),),
                   kind=kind_of(title, link, (), row["source"], text))


def decide(article: Article, vector: np.ndarray, history: Sequence[HistoryItem], config: RankConfig,
           headline_vectors: Callable[[Sequence[str]], np.ndarray],
           separate_kinds: Sequence[str] = ()) -> Decision:
    """What the product shows for ``article`` as a one-article story on its day, with ``history`` before it."""
    now = article.published
    story = Story(articles=(article,), lead=article, vector=vector)
    match = related_past([story], history, now, config)[0]
    shown = story_event(story, match)
    alone = story_event(story, related_past([story], [], now, config)[0])
    ranked = rank_stories([story], history, {}, now, config, separate_kinds=separate_kinds,
                          headline_vectors=headline_vectors)[0]
    said = any(reason.startswith(EVENT_REASONS) for reason in ranked.reasons)
    if said != (shown is not None):
        raise AssertionError(f"story_event and rank_stories disagree on {article.title!r}: {ranked.reasons}")
    isolated = first_event(article.title, article.text)
    # Why an event was dropped: the related past headlines that report one (the rule is match.known_event).
    known_by = tuple(t for t in match.related_titles if first_event(t) is not None) if match.known_event else ()
    closest = f"'{match.item.title}' ({match.similarity:.2f})" if match.item is not None else None
    return Decision(
        isolated=None if isolated is None else f"{isolated.where}: {isolated.phrase}",
        no_history=None if alone is None else f"{alone.where}: {alone.phrase}",
        shown=None if shown is None else f"{shown.where}: {shown.phrase}",
        status=ranked.status, history=len(history), related=len(match.related_titles), known_event=match.known_event,
        closest=closest, known_by=known_by)


def in_context(items: Sequence[Any], fresh: Sequence[Any], data: Path, out: Path,
               show_heldout: bool = True, encoder: Any = None) -> dict[str, Any]:
    """Decide every labelled item in context, print the tables and every in-context error; the JSON block."""
    try:
        pool = build_pool(data)
        labelled = {row["link"]: row for row in read_jsonl(require(data, "first_events/labels.jsonl"))}
    except DataMissing as exc:
        print(f"\nin context: skipped: {exc}")
        return {"skipped": str(exc)}
    config, separate = RankConfig(), tuple(BriefingConfig().separate_kinds)
    extra = {path.stem for path in (data / "daily_extra").glob("*.xml")}
    by_link = {row["link"]: row for row in pool}
    past_rows = [row for row in pool if row["source"] not in extra]
    past = [to_article(i, row) for i, row in enumerate(past_rows)]
    by_day: dict[date, list[int]] = {}
    for i, article in enumerate(past):
        by_day.setdefault(article.published.date(), []).append(i)

    cache = VectorCache(encoder if encoder is not None else make_encoder(), out / VECTORS)
    past_vectors = cache.encode([embedding_text(a) for a in past])
    past_items = [history_item(a, past_vectors[i]) for i, a in enumerate(past)]

    def headline_vectors(titles: Sequence[str]) -> np.ndarray:
        return cache.encode([headline_text(t) for t in titles])

    decisions: dict[str, list[Decision]] = {}
    no_history = {"daily_extra": 0, "empty": 0}
    for name, chosen in (("labels", items), ("fresh", fresh)):
        rows = [by_link.get(item.link) or labelled[item.link] for item in chosen]
        articles = [to_article(len(past) + i, row) for i, row in enumerate(rows)]
        vectors = cache.encode([embedding_text(a) for a in articles])
        found = []
        for article, row, vector in zip(articles, rows, vectors, strict=True):
            day = article.published.date()
            history = [] if row["source"] in extra else [
                past_items[i] for back in range(1, config.history_days + 1)
                for i in by_day.get(day - timedelta(days=back), [])]
            no_history["daily_extra"] += row["source"] in extra
            no_history["empty"] += not history
            found.append(decide(article, vector, history, config, headline_vectors, separate))
        decisions[name] = found

    dates = {row["title"]: row["published"] for row in past_rows}
    result_rows, metrics = [], {}
    for name, half, label in SETS:
        if half == "heldout" and not show_heldout:
            continue
        chosen = items if name == "labels" else fresh
        picked = [(item, d) for item, d in zip(chosen, decisions[name], strict=True) if half == "all"
                  or item.half == half]
        if not picked:
            continue
        metrics[label] = {}
        for detector in DETECTORS:
            tp = sum(d.hit(detector) and item.label == 1 for item, d in picked)
            fp = sum(d.hit(detector) and item.label == 0 for item, d in picked)
            fn = sum(not d.hit(detector) and item.label == 1 for item, d in picked)
            precision = tp / (tp + fp) if tp + fp else None
            recall = tp / (tp + fn) if tp + fn else None
            metrics[label][detector] = {"n": len(picked), "tp": tp, "fp": fp, "fn": fn,
                                        "precision": precision, "recall": recall}
            result_rows.append([label, detector, len(picked), tp + fn, tp, fp, fn, precision, recall])

    counted = {name: len(decisions[name]) for name in decisions}
    every = [d for name in decisions for d in decisions[name]]
    rule = {"with_related_past": sum(d.related > 0 for d in every), "known_event": sum(d.known_event for d in every),
            "events_dropped": sum(d.no_history is not None and d.shown is None for d in every)}
    print(f"\nin context ({counted['labels']} labels + {counted['fresh']} fresh items, each a one-article story on its "
          f"day; history: pool items of the {config.history_days} days before, none for daily_extra): "
          f"{no_history['empty']} items with no history ({no_history['daily_extra']} of daily_extra); "
          f"{cache.embedded} texts embedded, the rest from {out / VECTORS}")
    print(f"  {rule['with_related_past']} items with a related past article (cosine >= {config.new_below}), "
          f"{rule['known_event']} of them with one reporting a first in its headline (known_event); "
          f"events dropped by it: {rule['events_dropped']}")
    print(table(["set", "detector", "n", "pos", "TP", "FP", "FN", "precision", "recall"], result_rows))

    errors: dict[str, list[dict[str, Any]]] = {}
    visible = {"dev", "heldout"} if show_heldout else {"dev"}
    for detector in ("shown", "new-or-development"):
        listed = []
        for name, chosen in (("labels", items), ("fresh", fresh)):
            for item, d in zip(chosen, decisions[name], strict=True):
                if d.hit(detector) == bool(item.label) or (name == "fresh" and item.half not in visible):
                    continue
                listed.append({"set": name, "half": item.half, "label": item.label, "title": item.title,
                               "kind": item.kind, "why": _why(d, detector, dates), "status": d.status})
        errors[detector] = listed
        print(f"\nin context, {detector}: {sum(e['label'] == 0 for e in listed)} false positives, "
              f"{sum(e['label'] == 1 for e in listed)} false negatives")
        for entry in sorted(listed, key=lambda e: (-e["label"], e["set"], e["half"])):
            print(f"  {'FN' if entry['label'] else 'FP'} [{entry['set']}, {entry['half']}] {entry['title']} | "
                  f"{entry['kind']} | {entry['why']}")
    return {"method": "each item a one-article story on its day, history the pool items of the history_days days "
                      "before (none for daily_extra); briefing.rank.related_past + story_event, rank_stories' status",
            "rank": config.model_dump(mode="json"),
            "items_without_history": no_history, "rule": rule, "metrics": metrics, "errors": errors,
            "vectors": str(out / VECTORS), "embedded": cache.embedded}


def _why(d: Decision, detector: str, dates: dict[str, str]) -> str:
    """The reason an in-context decision is what it is, for the error lists."""
    if d.shown is not None:
        base = f"shown ({d.shown}); status {d.status}"
        if detector == "new-or-development" and d.status not in ("new", "development"):
            base += " (an event in the text of a matched story)"
        return base + (f"; closest: {d.closest}" if d.closest else f"; history {d.history}, no match") + \
            f"; {d.related} related past headlines, none reporting a first"
    if d.known_by:
        return "known_event: matched " + "; ".join(f"'{t}' from {dates.get(t, '?')}" for t in d.known_by) + \
            f" (detector: {d.no_history})"
    if d.isolated is not None:
        return f"isolated {d.isolated}, but the product reads only the first 60 words of the text"
    return "detector: no first-time event found"
