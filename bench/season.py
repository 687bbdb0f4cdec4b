"""A real season: the ``daily/`` snapshots of five news feeds replayed day by day through the real Pipeline.

Protocol (DESIGN §10). Every feed is one stable file in a work folder, like a feed URL whose content
changes. For each snapshot day S, in order, each feed's file is replaced by its snapshot of S (a feed
without a snapshot that day keeps its previous content, as an unchanged URL would), and ``Pipeline.run``
builds the briefing for the day *before* S with ``now`` = S's snapshot time: like a morning run, it
fetches first, so items published late on that day are in. The briefing day is the UTC calendar day
(``day_ends_at = "24:00"``). One process, one store, one model load for the whole season.

Checks, per briefing:

- ``shown_again``: articles of this briefing's new or updated stories that an earlier briefing already
  showed (by stored article id). Must be 0: nothing is repeated as new.
- ``title_again``: new or updated stories whose lead headline an earlier briefing already showed under
  another article (a re-posted item the store did not recognise). Reported, ideally 0.
- ``same_outlet``: listed stories holding two articles of one publisher, a proxy for wrong merges.
- ``opinion_top10``: of the first 10 stories by rank, those of a separate kind (opinion, analysis,
  newsletters, media; live blogs are news): only on days with fewer than 10 fresh news stories.
- ``opinion_above_news``: such stories ranked above a fresh news story. Must be 0.
- ``double_counted``: listed stories whose coverage count (``Story.outlets``) exceeds their number of
  distinct publishers, each source's publisher worked out here from its link (archive links unwrapped),
  else its feed: two sections of one publisher counted as two sources. Must be 0.
- counts of new / development / update / repeat stories, articles in the window, and seconds.

Once per season (issue 10, "every article in exactly one briefing"):

- ``arrived``: articles the store saw that were news when first seen (not older than
  ``briefing.backfill_days`` then); ``listed_once`` / ``missed`` / ``listed_twice``: of those, listed in
  exactly one briefing, in none, in two or more with the same text (an article back as an update of
  itself, with a new revision, is ``returned_updated``). Targets: 0 missed, 0 twice, with
  ``--max-stories`` large so that nothing is cut for space. ``listed_after_its_day``: first listed in a
  briefing dated after the article's own (UTC) date, the late arrivals that the publication window lost;
  ``listed_before_its_day``: dated ahead by its feed (a weekly edition's date).
- ``regenerated_identical``: at the end, every day is regenerated from the store; days whose md, html
  and json come out byte-identical to what the run wrote. Target: all of them.
- the cost of keeping revisions: rows and text bytes of revisions and feed copies per 1,000 articles,
  and the store's size.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import editor
from .common import config_overrides, snapshots, table, write_config, write_result

SHOWN_TOP = 3
KIND_TOP = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start-day", type=date.fromisoformat, default=None,
                        help="first snapshot day (YYYY-MM-DD; default: the first in the data)")
    parser.add_argument("--days", type=int, default=None, help="replay at most N snapshot days")
    parser.add_argument("--backend", default=None, help="summarize.backend (default: briefing's default)")
    parser.add_argument("--title-only-threshold", type=float, default=None,
                        help="cluster.title_only_threshold (default: briefing's)")
    parser.add_argument("--headline-hours", type=float, default=None,
                        help="cluster.headline_hours, 0 = no fade (default: briefing's)")
    parser.add_argument("--max-stories", type=int, default=100_000,
                        help="briefing.max_stories (default 100000: nothing cut, so every article is listed)")
    parser.add_argument("--no-regenerate", action="store_true", help="skip regenerating every day at the end")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (its path is printed)")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override a config key, e.g. --set rank.new_below=0.5 (repeatable)")


def replay(days: Sequence[date], by_day: Mapping[date, Mapping[str, tuple[Path, datetime]]],
           feeds_dir: Path) -> Iterator[tuple[int, date, datetime]]:
    """Each snapshot day's files written over the feed files; then (index, the day to build, when) from the second
    day on: the briefing of a day is built on the next day's snapshot, at the time the last feed was taken."""
    for index, snapshot_day in enumerate(days):
        for feed, (path, _) in by_day[snapshot_day].items():
            with gzip.open(path, "rb") as source, open(feeds_dir / f"{feed}.xml", "wb") as target:
                shutil.copyfileobj(source, target)
        if index:
            yield index, days[index - 1], max(taken for _, taken in by_day[snapshot_day].values())


def season_config(workdir: Path, feeds: list[str], args: argparse.Namespace) -> Path:
    cluster = {key: value for key, value in (("title_only_threshold", args.title_only_threshold),
                                             ("headline_hours", args.headline_hours)) if value is not None}
    sections = {"store": {"keep_days": 400}, "summarize": {"backend": args.backend} if args.backend else {},
                "cluster": cluster, "briefing": {"max_stories": getattr(args, "max_stories", 100_000)}}
    for section, key, value in config_overrides(getattr(args, "set", ())):
        sections.setdefault(section, {})[key] = value
    return write_config(workdir / "season.toml", [(feed, f"feeds/{feed}.xml") for feed in feeds], sections)


def run(args: argparse.Namespace) -> int:
    from briefing.config import load_config
    from briefing.pipeline import Pipeline

    by_day = snapshots(args.data)
    days = [d for d in by_day if args.start_day is None or d >= args.start_day]
    count = args.days if args.days is not None else args.limit
    if count is not None:
        days = days[: count + 1]  # the briefing of a day is built on the next day's snapshot
    if len(days) < 2:
        print("bench season: need at least two snapshot days (one to build, the next to build it on)")
        return 2
    feeds = sorted({feed for d in days for feed in by_day[d]})
    workdir = Path(tempfile.mkdtemp(prefix="bench-season-"))
    (workdir / "feeds").mkdir()
    config = load_config(season_config(workdir, feeds, args))
    pipeline = Pipeline(config)
    shown_ids: dict[int, int] = {}
    shown_titles: set[str] = set()
    per_day: list[dict[str, Any]] = []
    once: dict[str, Any] = {}
    started = time.perf_counter()
    try:
        for _, briefing_day, now in replay(days, by_day, workdir / "feeds"):
            t = time.perf_counter()
            result = pipeline.run(briefing_day, now=now, email=False)
            seconds = time.perf_counter() - t
            per_day.append(_check(result.briefing, briefing_day, seconds, result.fetched, shown_ids, shown_titles,
                                  model_loaded=pipeline.encoder.loaded))
            record = per_day[-1]
            print(f"  {briefing_day}: {record['articles']} articles, {record['stories']} stories "
                  f"({record['new']} new, {record['development']} development, {record['update']} update, "
                  f"{record['repeat']} repeat), "
                  f"shown again {record['shown_again']}, {seconds:.1f}s", flush=True)
        season_s = time.perf_counter() - started
        once = exactly_once(pipeline.store, config.briefing.backfill_days)
        once.update(store_cost(pipeline.store, Path(config.store_path)))
        graded = editor.score(workdir / "out", editor.LABELS, args.data)["summary"] if editor.LABELS.exists() else {}
        if graded:  # an editor's blind grades of the days replayed (bench editor)
            once["editor"] = graded
        if not args.no_regenerate:
            t = time.perf_counter()
            once.update(regenerate_all(pipeline, [date.fromisoformat(d["day"]) for d in per_day]))
            once["regenerate_seconds"] = round(time.perf_counter() - t, 1)
    finally:
        pipeline.close()
        if args.keep:
            print(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return report(args, per_day, season_s, feeds, once)


def exactly_once(store: Any, backfill_days: float) -> dict[str, Any]:
    """Articles that arrived as news, against the briefings that list them (each date's last run)."""
    from datetime import timedelta

    listings = store.listings_by_item()
    arrived = [s.id for s in store.sightings()
               if not s.history_only and s.published >= s.first_seen - timedelta(days=backfill_days)]
    counts: Counter[str] = Counter()
    dated = {s.id: s.published for s in store.sightings()}
    for item in arrived:
        places = listings.get(item, [])
        if places:  # the briefing day is the UTC calendar day here: compare its date with the article's
            counts["listed_after_its_day"] += places[0].date > dated[item].date()
            counts["listed_before_its_day"] += places[0].date < dated[item].date()
        revisions = [place.revision_id for place in places]
        if not places:
            counts["missed"] += 1
        elif len(set(revisions)) < len(revisions):
            counts["listed_twice"] += 1
        elif len(places) > 1:
            counts["returned_updated"] += 1
        else:
            counts["listed_once"] += 1
        counts["cut"] += any(place.status == "cut" for place in places)
    history = sum(1 for item in listings if item not in set(arrived))
    return {"arrived": len(arrived), "listed_once": counts["listed_once"], "missed": counts["missed"],
            "listed_twice": counts["listed_twice"], "returned_updated": counts["returned_updated"],
            "cut": counts["cut"], "listed_not_arrived": history,
            "listed_after_its_day": counts["listed_after_its_day"],
            "listed_before_its_day": counts["listed_before_its_day"]}


def store_cost(store: Any, path: Path) -> dict[str, Any]:
    """What keeping every revision and feed copy costs, per 1,000 articles."""
    sizes = store.size_report()
    items = max(sizes["items"], 1)
    per_k = 1000 / items
    files = [path, path.with_name(path.name + "-wal")]
    return {"items": sizes["items"], "revisions": sizes["revisions"], "copies": sizes["copies"],
            "sources": sizes["sources"],
            "extra_revisions_per_1k": round((sizes["revisions"] - sizes["items"]) * per_k, 1),
            "extra_copies_per_1k": round((sizes["copies"] - sizes["sources"]) * per_k, 1),
            "revision_text_mb_per_1k": round(sizes["revision_bytes"] * per_k / 1e6, 3),
            "item_text_mb_per_1k": round(sizes["item_bytes"] * per_k / 1e6, 3),
            "store_mb": round(sum(f.stat().st_size for f in files if f.exists()) / 1e6, 2)}


def regenerate_all(pipeline: Any, days: list[date]) -> dict[str, Any]:
    """Regenerate every day in place; count the days whose files came out byte-identical."""
    identical: list[str] = []
    differing: list[str] = []
    for day in days:
        result = pipeline.regenerate(day)
        (differing if result.changed else identical).append(day.isoformat())
    return {"regenerated": len(days), "regenerated_identical": len(identical), "regenerated_differing": differing}


def _check(briefing: Any, day: date, seconds: float, fetched: dict[str, int], shown_ids: dict[int, int],
           shown_titles: set[str], *, model_loaded: bool) -> dict[str, Any]:
    statuses = Counter(story.status for story in briefing.stories)
    fresh = [story for story in briefing.stories if story.status != "repeat"]
    # An article back with a new revision (an update of itself) is not shown again.
    shown_again = sum(1 for story in fresh for article in story.story.articles
                      if shown_ids.get(article.id) == article.revision)
    title_again = [f"{story.status}: {story.story.lead.title}" for story in fresh
                   if story.story.lead.title in shown_titles and story.story.lead.id not in shown_ids]
    # One outlet rarely covers one event twice in a day: a story holding two articles of one outlet is
    # most often two different pieces merged (or a live blog and its follow-up).
    same_outlet = [" | ".join(a.title for a in story.story.articles) for story in briefing.stories
                   if _one_outlet_twice(story.story.articles)]
    by_rank = sorted(briefing.stories, key=lambda story: story.rank)
    views = set(briefing.separate_kinds)  # opinion, analysis, newsletter, media by default; live blogs are news
    opinion_top = [f"{_kind(story.story)}: {story.story.lead.title}" for story in by_rank[:KIND_TOP]
                   if _kind(story.story) in views]
    last_news = max((i for i, story in enumerate(by_rank) if _kind(story.story) not in views
                     and story.status != "repeat"), default=-1)
    above_news = [story.story.lead.title for story in by_rank[:last_news] if _kind(story.story) in views]
    double_counted = [story.story.lead.title for story in briefing.stories if _double_counted(story.story)]
    for story in briefing.stories:
        shown_ids.update((article.id, article.revision) for article in story.story.articles)
        shown_titles.add(story.story.lead.title)
    return {
        "day": day.isoformat(), "articles": int(briefing.stats.get("articles", 0)),
        "stories": int(briefing.stats.get("stories", 0)), "listed": len(briefing.stories),
        "new": statuses["new"], "development": statuses["development"], "update": statuses["update"],
        "repeat": statuses["repeat"],
        "shown_again": shown_again, "title_again": len(title_again), "title_again_stories": title_again,
        "same_outlet": len(same_outlet), "same_outlet_stories": same_outlet,
        "opinion_top10": len(opinion_top), "opinion_top10_stories": opinion_top,
        "opinion_above_news": len(above_news), "opinion_above_news_stories": above_news,
        "double_counted": len(double_counted), "double_counted_stories": double_counted,
        "failed_feeds": [f.feed for f in briefing.failed_feeds], "fetched": fetched,
        "seconds": round(seconds, 3), "model_loaded": model_loaded,
        "top": [f"{story.status}: {story.story.lead.title}" for story in briefing.stories[:SHOWN_TOP]],
    }


def _one_outlet_twice(articles: Any) -> bool:
    outlets = Counter(_publisher(article.sources[0]) for article in articles if article.sources)
    return max(outlets.values(), default=0) > 1


def _publisher(source: Any) -> str:
    return getattr(source, "publisher", "") or source.outlet


def _kind(story: Any) -> str:
    return str(getattr(story, "kind", "news"))


def _double_counted(story: Any) -> bool:
    """The story counts more sources for coverage than it has publishers (judged here from links)."""
    from briefing.publishers import publisher_for

    publishers = {publisher_for(item_url=source.url, feed_url=source.feed_url, name=source.outlet)
                  for source in story.sources}
    return len(story.outlets) > len(publishers)


def report(args: argparse.Namespace, per_day: list[dict[str, Any]], total_s: float, feeds: list[str],
           once: dict[str, Any] | None = None) -> int:
    totals = {key: sum(d[key] for d in per_day)
              for key in ("articles", "stories", "listed", "new", "development", "update", "repeat", "shown_again",
                          "title_again", "same_outlet", "opinion_top10", "opinion_above_news", "double_counted")}
    seconds = sorted(d["seconds"] for d in per_day)
    empty = sum(1 for d in per_day if d["articles"] == 0)
    rows = [[len(per_day), totals["articles"], totals["articles"] / len(per_day), totals["stories"] / len(per_day),
             totals["new"], totals["development"], totals["update"], totals["repeat"], totals["shown_again"],
             totals["title_again"], totals["same_outlet"], totals["opinion_top10"],
             totals["opinion_above_news"], totals["double_counted"],
             seconds[len(seconds) // 2], seconds[-1], total_s]]
    print(f"\nseason: {per_day[0]['day']}..{per_day[-1]['day']}, feeds {', '.join(feeds)}")
    print(table(["briefings", "articles", "articles/day", "stories/day", "new", "development", "update", "repeat",
                 "shown again", "title again", "one publisher twice", "views in top 10", "views above news",
                 "double counted",
                 "median s", "max s", "season s"], rows, 1))
    if empty:
        print(f"{empty} briefing(s) with no articles in their window")
    for record in (per_day[0], per_day[len(per_day) // 2], per_day[-1]):
        print(f"  {record['day']} top: " + " | ".join(record["top"]))
    once = once or {}
    if once:
        print(table(["arrived", "listed once", "missed", "listed twice", "back as update", "cut",
                     "listed after its day (late)", "listed before its day (dated ahead)"],
                    [[once["arrived"], once["listed_once"], once["missed"], once["listed_twice"],
                      once["returned_updated"], once["cut"], once["listed_after_its_day"],
                      once["listed_before_its_day"]]], 1))
        print(f"store: {once['items']:,} items, {once['revisions']:,} revisions "
              f"(+{once['extra_revisions_per_1k']} per 1,000 articles), {once['copies']:,} feed copies "
              f"(+{once['extra_copies_per_1k']} per 1,000), revision text {once['revision_text_mb_per_1k']} MB "
              f"per 1,000 articles against {once['item_text_mb_per_1k']} MB of current text; "
              f"store {once['store_mb']} MB")
    if "regenerated" in once:
        print(f"regenerated {once['regenerated']} days: {once['regenerated_identical']} byte-identical "
              f"({once['regenerate_seconds']} s)" + (f"; differing: {', '.join(once['regenerated_differing'][:10])}"
                                                     if once["regenerated_differing"] else ""))
    if "editor" in once:
        print("NDCG@10 against an editor's blind grades (bench editor):")
        print(editor.report({"summary": once["editor"]}))
    payload = {"data": str(args.data), "feeds": feeds, "briefings": len(per_day), "totals": totals,
               "exactly_once": once,
               "median_seconds": seconds[len(seconds) // 2], "max_seconds": seconds[-1], "season_seconds": total_s,
               "empty_briefings": empty, "per_day": per_day,
               "notes": ["briefing for day D built at D+1's snapshot time, after fetching D+1's snapshot",
                         "shown_again must be 0: an article of a new/updated story already shown before",
                         "opinion_top10: stories of the first 10 by rank of a separate kind "
                         "(opinion, analysis, newsletter, media)",
                         "opinion_above_news must be 0: such a story ranked above a fresh news story",
                         "double_counted must be 0: a story counted more sources than it has publishers",
                         "exactly_once: articles arrived as news vs the briefings listing them; "
                         "missed and listed_twice must be 0, regenerated_identical must equal regenerated"]}
    out = write_result(args.out, "season", payload, args.argv)
    print(f"wrote {out}")
    failed = totals["shown_again"] or once.get("missed") or once.get("listed_twice") or \
        once.get("regenerated_identical", 0) != once.get("regenerated", 0)
    return 1 if failed else 0
