"""An editor's judgement of real days: the season's briefings scored against blind, hand-graded headlines.

The UCI bench (``bench ranking``) measures coverage on bare 2014 headlines; the season bench counts statuses.
Neither says whether a real day of WSJ/NYT/FT/Economist items reads in the order an editor would put it. Here a
reader grades every item of sampled season days, blind to the product (items shuffled, no rank, status or
reason shown), by how prominently a careful editor of a general morning briefing would place it that day:

- 3 lead: a major event a reader must know today (front-page top);
- 2 notable: news worth a place in the day's top ten;
- 1 minor: routine data, niche or small-company news, a follow-up adding little;
- 0 not the day's news: opinion, columns, features, explainers, guides, newsletters, evergreen pieces, or a
  repeat of what the two days before already reported with nothing material new.

A listed story's grade is the highest of its items'. Score per day: NDCG@10 of the briefing's order with gain
``2**grade - 1`` against the ideal order of the same stories; beside it, in the same run and on the same stories:
the feeds' own order (each story at its best item's place in its feed, feeds interleaved), newest first, random
(mean of 20 seeded shuffles) and publishers-then-newest (a coverage count).

Days are split once, by a seeded shuffle, into ``tune`` (read and tuned on) and ``test`` (reported only); the
other graded days are ``train``, what the news-grade model is fitted on (``scripts/train_grades.py``), reported
apart as fitted. ``bench/data/editor_labels.md`` says who graded what and when.

``--sheets DIR`` writes the blind grading sheets instead: one text file per sampled day (its items shuffled,
with the two days before's headlines for context) and ``ids.jsonl`` mapping each sheet id to the item's link;
``--train-days N`` for N more days to fit on, ``--ungraded`` for the days the labels do not grade yet.
Scoring reads the briefings' JSON of a season run (``python -m bench season --keep``: ``<work folder>/out``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from .common import REPO, read_jsonl, snapshots, table, write_result
from .ranking import dcg

LABELS = REPO / "bench" / "data" / "editor_labels.jsonl"
TOP_K = 10
SAMPLE_SEED = 2026
SAMPLE_DAYS = 40
FIRST_DAY = date(2025, 4, 21)  # the first days' history is thin: every story is new
RANDOM_SHUFFLES = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--briefings", type=Path, default=None,
                        help="a season run's output folder (<work folder>/out) holding YYYY-MM-DD.json")
    parser.add_argument("--labels", type=Path, default=LABELS, help=f"graded items (default: {LABELS})")
    parser.add_argument("--sheets", type=Path, default=None, help="write blind grading sheets here and stop")
    parser.add_argument("--train-days", type=int, default=0,
                        help="with --sheets: sheets for N more days, graded only to fit a model on")
    parser.add_argument("--ungraded", action="store_true",
                        help="with --sheets: only days that --labels does not grade yet")
    parser.add_argument("--split", choices=("tune", "test", "train", "all"), default="all",
                        help="which graded days to score (default: all, each split reported; the news-grade model "
                             "was fitted on train)")
    parser.add_argument("--list", action="store_true", help="print each scored day's top 10 with grades")
    parser.add_argument("--plot", type=Path, default=None, help="save NDCG@10 per tune and test day here (PNG)")
    parser.add_argument("--compare", type=Path, default=None,
                        help="with --plot: another run's output folder, drawn beside (e.g. the code before a change)")


def sampled_days(available: Iterable[date], count: int = SAMPLE_DAYS, seed: int = SAMPLE_SEED,
                 train: int = 0) -> dict[date, str]:
    """``count`` briefing days drawn with ``seed`` (none before ``FIRST_DAY``), each ``tune`` or ``test``: the
    first half drawn is tuned on, the second half only reported. With ``train``, that many more days drawn from
    the rest, ``train``: grades to fit a model on (``scripts/train_grades.py``), never reported."""
    pool = sorted(d for d in available if d >= FIRST_DAY)
    drawn = random.Random(seed).sample(pool, min(count, len(pool)))
    half = len(drawn) // 2
    days = {day: ("tune" if i < half else "test") for i, day in enumerate(drawn)}
    rest = [d for d in pool if d not in days]
    extra = random.Random(seed + 1).sample(rest, min(train, len(rest)))
    return days | {day: "train" for day in extra}


def feed_items(path: Path) -> list[dict[str, str]]:
    """A feed snapshot's items in the feed's own order: link, title, description (tags stripped)."""
    import feedparser

    from briefing.extract import html_to_text

    with gzip.open(path, "rb") as file:
        parsed = feedparser.parse(file.read())
    return [{"link": entry.get("link", ""), "title": entry.get("title", ""),
             "description": html_to_text(entry.get("summary", "") or "")}
            for entry in parsed.entries]


def _briefing(briefings: Path, day: date) -> dict[str, Any] | None:
    path = briefings / f"{day.isoformat()}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _sources(briefing: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [source for story in briefing["stories"] for source in story["sources"]]


def write_sheets(out: Path, briefings: Path, data: Path, train: int = 0, graded: Path | None = None) -> int:
    """Sheets for the sampled days; with ``train``, for that many ``train`` days only (see ``sampled_days``); with
    ``graded`` (a labels file), only for days it does not grade yet."""
    by_day = snapshots(data)
    days = sampled_days((d for d in by_day if (briefings / f"{d.isoformat()}.json").exists()), train=train)
    if train:
        days = {day: split for day, split in days.items() if split == "train"}
    if graded is not None:
        done = {date.fromisoformat(row["day"]) for row in read_jsonl(graded)}
        days = {day: split for day, split in days.items() if day not in done}
    prefix = "r" if graded is not None else "t" if train else "d"
    out.mkdir(parents=True, exist_ok=True)
    ids: list[dict[str, Any]] = []
    for n, day in enumerate(sorted(days), start=1):
        briefing = _briefing(briefings, day)
        assert briefing is not None
        described: dict[str, str] = {}
        for _, item in items_read_for(by_day, day):
            described.setdefault(item["link"], item["description"])
        items = _sources(briefing)
        random.Random(f"{SAMPLE_SEED}-{day}").shuffle(items)
        lines = [f"DAY {day.isoformat()} (sheet {prefix}{n})", "",
                 "Headlines of the two days before (context only, do not grade):"]
        for before in (day - timedelta(days=2), day - timedelta(days=1)):
            earlier = _briefing(briefings, before)
            lines.extend(f"  [{before.isoformat()}] {s['title']}" for s in (_sources(earlier) if earlier else ()))
        lines += ["", "Items to grade:"]
        for i, source in enumerate(items, start=1):
            sheet_id = f"{prefix}{n}-{i}"
            ids.append({"id": sheet_id, "day": day.isoformat(), "split": days[day], "link": source["url"]})
            lines += ["", f"{sheet_id} | {source['outlet']} | {source['published']}", f"  TITLE: {source['title']}",
                      f"  TEXT: {described.get(source['url'], '')[:600]}"]
        (out / f"{prefix}{n:02d}_{day.isoformat()}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "ids.jsonl").write_text("".join(json.dumps(row) + "\n" for row in ids), encoding="utf-8")
    print(f"bench editor: {len(days)} sheets, {len(ids)} items in {out}")
    return 0


# --- scoring ----------------------------------------------------------------------------------------


def ndcg(ranked_gains: Sequence[float], k: int = TOP_K) -> float | None:
    """NDCG@k of gains in listed order against the same gains sorted; None when all are 0."""
    ideal = dcg(sorted(ranked_gains, reverse=True), k)
    return dcg(ranked_gains, k) / ideal if ideal > 0 else None


def story_grade(story: Mapping[str, Any], grades: Mapping[str, int]) -> int | None:
    """The highest grade of a story's items; None when none of them is graded."""
    found = [grades[s["url"]] for s in story["sources"] if s["url"] in grades]
    return max(found) if found else None


def items_read_for(by_day: Mapping[date, Mapping[str, tuple[Path, Any]]],
                   day: date) -> Iterator[tuple[int, dict[str, str]]]:
    """(place in its feed, item) for the snapshots the briefing of ``day`` was built from: the next day's first,
    then the day's and the day before's (a feed without a snapshot that day keeps its latest before)."""
    for snapshot_day in (day + timedelta(days=1), day, day - timedelta(days=1)):
        for path, _ in by_day.get(snapshot_day, {}).values():
            yield from enumerate(feed_items(path))


def feed_places(by_day: Mapping[date, Mapping[str, tuple[Path, Any]]], day: date) -> dict[str, int]:
    """Each item's place in its feed as the briefing of ``day`` read it (its first snapshot in ``items_read_for``)."""
    places: dict[str, int] = {}
    for place, item in items_read_for(by_day, day):
        places.setdefault(item["link"], place)
    return places


def _published(source: Mapping[str, Any]) -> float:
    return datetime.fromisoformat(source["published"]).timestamp() if source.get("published") else 0.0


def orders(stories: Sequence[Mapping[str, Any]], places: Mapping[str, int]) -> dict[str, list[int]]:
    """The briefing's order and the baselines', as indices into ``stories`` (listed order)."""
    listed = list(range(len(stories)))
    newest = [max(map(_published, s["sources"])) for s in stories]
    place = [min(places.get(src["url"], 10_000) for src in s["sources"]) for s in stories]
    feed = [min(s["sources"], key=lambda src: places.get(src["url"], 10_000))["outlet"] for s in stories]
    publishers = [len({src["publisher"] for src in s["sources"]}) for s in stories]
    return {
        "briefing": listed,
        "feed order": sorted(listed, key=lambda i: (place[i], feed[i], i)),
        "newest first": sorted(listed, key=lambda i: (-newest[i], i)),
        "publishers, newest": sorted(listed, key=lambda i: (-publishers[i], -newest[i], i)),
    }


def score_day(briefing: Mapping[str, Any], grades: Mapping[str, int], places: Mapping[str, int]) -> dict[str, Any]:
    """One day: NDCG@10 of each order, the top 10 with grades, and the stories graded 2 or 3 listed below it."""
    stories = briefing["stories"]
    graded = [story_grade(s, grades) for s in stories]
    gains = [2.0 ** g - 1 if g is not None else 0.0 for g in graded]
    scores: dict[str, Any] = {name: ndcg([gains[i] for i in order]) for name, order in orders(stories, places).items()}
    rng = random.Random(f"{SAMPLE_SEED}-{briefing['date']}")
    shuffles = [ndcg(rng.sample(gains, len(gains))) for _ in range(RANDOM_SHUFFLES)]
    scores["random"] = sum(v for v in shuffles if v is not None) / RANDOM_SHUFFLES if scores["briefing"] else None
    scores["ungraded"] = sum(g is None for g in graded)
    scores["top"] = [(s["title"], s["status"], s["kind"], g) for s, g in zip(stories[:TOP_K], graded, strict=False)]
    scores["missed"] = sorted(((g, s["rank"], s["status"], s["title"]) for s, g in zip(stories, graded, strict=True)
                               if g is not None and g >= 2 and s["rank"] > TOP_K), reverse=True)
    return scores


METHODS = ("briefing", "feed order", "newest first", "publishers, newest", "random")


def score(briefings: Path, labels: Path, data: Path, split: str = "all", show: bool = False) -> dict[str, Any]:
    rows = list(read_jsonl(labels))
    split_of = {date.fromisoformat(row["day"]): row["split"] for row in rows}
    grades_on: dict[str, dict[str, int]] = {}
    for row in rows:
        grades_on.setdefault(row["day"], {})[row["link"]] = int(row["grade"])
    by_day = snapshots(data)
    per_day: dict[str, dict[str, Any]] = {}
    for day in sorted(split_of):
        if split != "all" and split_of[day] != split:
            continue
        briefing = _briefing(briefings, day)
        if briefing is None:
            continue
        result = score_day(briefing, grades_on[day.isoformat()], feed_places(by_day, day))
        result["split"] = split_of[day]
        per_day[day.isoformat()] = result
        if show:
            print(f"\n{day} ({split_of[day]}): briefing {result['briefing']:.3f}")
            for rank, (title, status, kind, grade) in enumerate(result["top"], start=1):
                print(f"  {rank:2d} [{grade if grade is not None else '?'}] {status[:3]} {kind[:4]} {title[:90]}")
            for grade, rank, status, title in result["missed"]:
                print(f"   missed: [{grade}] #{rank} {status[:3]} {title[:90]}")
    summary: dict[str, dict[str, float]] = {}
    for part in ("tune", "test", "train"):  # train: the news-grade model was fitted on these days' grades
        days = [r for r in per_day.values() if r["split"] == part]
        if days:
            summary[part] = {m: _mean(r[m] for r in days) for m in METHODS} | {"days": len(days)}
    return {"per_day": per_day, "summary": summary}


def _mean(values: Iterable[float | None]) -> float:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else float("nan")


def report(result: Mapping[str, Any]) -> str:
    rows = [[part if part != "train" else "train (fitted)", int(s["days"]), *(s[m] for m in METHODS)]
            for part, s in result["summary"].items()]
    return table(["days", "n", *METHODS], rows, digits=4)


def run(args: argparse.Namespace) -> int:
    if args.briefings is None:
        print("bench editor: pass --briefings DIR, a season run's output folder (python -m bench season --keep)")
        return 2
    if args.sheets is not None:
        return write_sheets(args.sheets, args.briefings, args.data, args.train_days,
                            args.labels if args.ungraded else None)
    if not args.labels.exists():
        print(f"bench editor: no graded items at {args.labels} (pass --labels FILE)")
        return 2
    result = score(args.briefings, args.labels, args.data, args.split, args.list)
    print("\nNDCG@10 against an editor's grades (gain 2^grade - 1), mean over days:")
    print(report(result))
    write_result(args.out, "editor", {"labels": str(args.labels), **result}, args.argv)
    if args.plot is not None:
        before = score(args.compare, args.labels, args.data, args.split)["per_day"] if args.compare else None
        plot(args.plot, result["per_day"], before)
        print(f"wrote {args.plot}")
    return 0


def plot(path: Path, per_day: Mapping[str, Mapping[str, Any]],
         before: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """NDCG@10 per tune day, then per test day: the briefing (and ``before``'s), publishers-newest, newest, random."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = [d for part in ("tune", "test") for d in sorted(per_day) if per_day[d]["split"] == part]
    lines = [("briefing", per_day, "o-", "briefing"), ("briefing", before, "o--", "briefing before"),
             ("publishers, newest", per_day, "s:", "publishers, newest"),
             ("newest first", per_day, "^:", "newest first"), ("random", per_day, "x:", "random")]
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=120)
    for method, source, style, label in lines:
        if source is not None:
            values = [source[d][method] if d in source and source[d][method] is not None else float("nan")
                      for d in days]
            ax.plot(range(len(days)), values, style, label=label, markersize=4)
    tune = sum(per_day[d]["split"] == "tune" for d in days)
    ax.axvline(tune - 0.5, color="grey", linewidth=0.8)
    ax.text(tune / 2, 1.0, "tune", ha="center", fontsize=8)
    ax.text(tune + (len(days) - tune) / 2, 1.0, "test", ha="center", fontsize=8)
    ax.set_xticks(range(len(days)), [d[5:] for d in days], rotation=60, fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("NDCG@10 against an editor's grades")
    ax.set_title("Real season days: does the briefing lead with what an editor would?")
    ax.legend(fontsize=7, loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
