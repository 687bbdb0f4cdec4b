"""A simulated reader on the UCI News stream: does the briefing put the day's new stories first?

Protocol. The reader follows the ``--followed`` (20) publishers with the most items in the whole
dev stream, one headlines-only RSS 2.0 feed each (channel title = publisher, channel link = the
host of its item URLs; items: title, link, guid = link, pubDate; no description), each file
rewritten every UTC day with that day's items. One real ``briefing.pipeline.Pipeline`` (one
store, one model load) replays every day from the first evaluated day minus ``--history-days``
(warm-up, run but not scored: a reader who started two weeks earlier) with
``Pipeline.run(day, now=<end of that UTC day + 5 min>, email=False)``; the briefing it returns
is read in its listed order (fresh stories, then repeats).

Label. UCI story ids last about one day, so the first item of a story id is no "new story" label:
a story S present on day D is NEW on D when the TF-IDF centroid of its headlines on D has cosine
< 0.3 to every UCI story centroid (headlines pooled per story id) of the 3 days before D. The
vectorizer (English stop words, sublinear tf) is fit on all headlines (every publisher) of D and
the 3 days before. Candidates on D: NEW stories with >= 1 item from a followed publisher that
day; gain = log2(1 + distinct publishers of the whole stream covering S on D).

Score per day: NDCG@10 over the new stories. Each listed story maps to the UCI story most of its
articles' copies (sources) belong to, ties to the story with the earliest item; only listed
stories mapping to a candidate are kept, in order; a candidate credited earlier in the list (a
split) gains 0 again; DCG@10 of that list over the ideal DCG@10 of the day's candidates.

Baselines on the same candidates: ``newest-first`` (UCI story ids, ordered by their newest
followed item), ``followed-coverage`` (distinct followed publishers, then followed items, then
earliest first; UCI's own ids = perfect clustering), ``random`` (the candidates shuffled, mean
NDCG@10 of 20 seeded shuffles).
"""

from __future__ import annotations

import argparse
import html
import math
import shutil
import subprocess
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import numpy as np

from .common import REPO, config_overrides, read_jsonl, require, table, write_config, write_result

DATA_FILE = "uci_news/stream_dev.jsonl.gz"
NEW_BELOW = 0.3
"""A story is NEW when its headline centroid's cosine to every story of the previous days is below this."""
LABEL_DAYS = 3
"""How many days before D the NEW label looks back (and the vectorizer is fit on, with D)."""
TOP_K = 10
RANDOM_SHUFFLES = 20
RUN_MARGIN = timedelta(minutes=5)
"""Each day's run happens this long after the UTC day ends."""
BASELINES = ("newest-first", "followed-coverage", "random")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start-day", type=date.fromisoformat, default=None,
                        help="first evaluated UTC day (default: the stream's first day + --history-days)")
    parser.add_argument("--days", type=int, default=7, help="evaluated days (per week with --weeks; default 7)")
    parser.add_argument("--weeks", default=None,
                        help="comma list of start days, e.g. 2014-03-24,2014-04-07: --days evaluated days from each "
                             "(one pipeline, days run once in order; a week's warm-up may overlap the previous week)")
    parser.add_argument("--history-days", type=int, default=14,
                        help="warm-up days run before each first evaluated day, not scored (default 14)")
    parser.add_argument("--followed", type=int, default=20,
                        help="follow the N publishers with the most items in the stream (default 20)")
    parser.add_argument("--max-stories", type=int, default=25, help="briefing.max_stories (default 25)")
    parser.add_argument("--backend", default=None, help="summarize.backend (default: briefing's default)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random baseline (default 0)")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override a config setting, e.g. rank.weights.coverage=0.5 (repeatable; VALUE is JSON)")
    parser.add_argument("--importance", type=Path, default=None, metavar="PATH",
                        help="rank with this importance prior (rank.importance_file; e.g. one written by "
                             "scripts/train_importance.py --hold-out ... --out PATH) instead of the shipped one")
    parser.add_argument("--plot", type=Path, default=None, help="also save the NDCG@10 plot here")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (its path is printed)")


# --- the stream -------------------------------------------------------------------------------------


class Row(NamedTuple):
    id: int
    title: str
    url: str
    publisher: str
    story: str
    time: datetime


def load_rows(path: Path, limit: int | None) -> dict[date, list[Row]]:
    """The stream's rows by UTC day, in file (time) order."""
    days: dict[date, list[Row]] = defaultdict(list)
    for n, row in enumerate(read_jsonl(path), 1):
        moment = datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00")).astimezone(UTC)
        days[moment.date()].append(Row(int(row["id"]), row["title"], row.get("url") or "",
                                       row.get("publisher") or "", str(row["story"]), moment))
        if limit is not None and n >= limit:
            break
    return dict(sorted(days.items()))


def top_publishers(by_day: Mapping[date, Sequence[Row]], n: int) -> list[str]:
    """The ``n`` publishers with the most items (ties by name)."""
    counts = Counter(row.publisher for rows in by_day.values() for row in rows if row.publisher)
    return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


# --- the label --------------------------------------------------------------------------------------


def new_labels(today: Mapping[str, Sequence[str]], before: Mapping[str, Sequence[str]],
               threshold: float = NEW_BELOW) -> dict[str, tuple[bool, float]]:
    """Per story of ``today`` (story id -> its headlines that day): (NEW?, max cosine to a story of ``before``).

    ``before``: story id -> its headlines over the previous days, pooled per id. The TF-IDF vectorizer
    (English stop words, sublinear tf) is fit on all headlines of both; a story's centroid is the mean
    of its headlines' rows. A story with no vocabulary (only stop words) has cosine 0 to everything.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    ids = list(today)
    if not ids:
        return {}
    past = [s for s in before if before[s]]
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, dtype=np.float32)
    try:
        vectorizer.fit([t for s in ids for t in today[s]] + [t for s in past for t in before[s]])
    except ValueError:  # empty vocabulary
        return {s: (True, 0.0) for s in ids}
    if not past:
        return {s: (True, 0.0) for s in ids}
    now_c = normalize(_centroids(vectorizer, [today[s] for s in ids]))
    past_c = normalize(_centroids(vectorizer, [before[s] for s in past]))
    best = np.asarray((now_c @ past_c.T).max(axis=1).toarray()).ravel()
    return {s: (bool(b < threshold), float(b)) for s, b in zip(ids, best, strict=True)}


def _centroids(vectorizer: Any, groups: Sequence[Sequence[str]]) -> Any:
    from scipy import sparse

    rows = vectorizer.transform([t for g in groups for t in g])
    owner = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    sizes = np.asarray([len(g) for g in groups], dtype=np.float32)
    mean = sparse.csr_matrix((1.0 / sizes[owner], (owner, np.arange(len(owner)))), shape=(len(groups), len(owner)))
    return (mean @ rows).tocsr()


@dataclass
class StoryDay:
    """A UCI story on one day."""

    story: str
    new: bool
    max_cosine: float
    world_size: int  # distinct publishers (whole stream) covering it that day
    followed_publishers: int
    followed_items: int
    first_followed: datetime | None
    last_followed: datetime | None
    headline: str  # its first followed headline (else its first headline)

    @property
    def gain(self) -> float:
        return math.log2(1 + self.world_size)


def story_days(day: date, by_day: Mapping[date, Sequence[Row]], followed: set[str]) -> dict[str, StoryDay]:
    """Every UCI story present on ``day``, with its label and coverage."""
    today: dict[str, list[str]] = defaultdict(list)
    before: dict[str, list[str]] = defaultdict(list)
    rows = by_day.get(day, ())
    for row in rows:
        today[row.story].append(row.title)
    for back in range(1, LABEL_DAYS + 1):
        for row in by_day.get(day - timedelta(days=back), ()):
            before[row.story].append(row.title)
    labels = new_labels(today, before)
    publishers: dict[str, set[str]] = defaultdict(set)
    fol: dict[str, list[Row]] = defaultdict(list)
    first_title: dict[str, str] = {}
    for row in rows:
        publishers[row.story].add(row.publisher)
        first_title.setdefault(row.story, row.title)
        if row.publisher in followed:
            fol[row.story].append(row)
    out = {}
    for story, (is_new, cosine) in labels.items():
        mine = fol.get(story, [])
        out[story] = StoryDay(story, is_new, cosine, len(publishers[story]), len({r.publisher for r in mine}),
                              len(mine), min((r.time for r in mine), default=None),
                              max((r.time for r in mine), default=None),
                              mine[0].title if mine else first_title[story])
    return out


# --- metrics ----------------------------------------------------------------------------------------


def dcg(gains: Iterable[float], k: int = TOP_K) -> float:
    return float(sum(g / math.log2(i + 2) for i, g in enumerate(list(gains)[:k])))


def ndcg_at(ranked: Sequence[str | None], gains: Mapping[str, float], k: int = TOP_K) -> float | None:
    """NDCG@k of a ranked list of UCI story ids against the candidates' ``gains``.

    Entries that are no candidate (None, or not in ``gains``) are dropped first; a candidate's
    second appearance (a split) stays in the list with gain 0. None when there is no candidate.
    """
    ideal = dcg(sorted(gains.values(), reverse=True), k)
    if ideal <= 0:
        return None
    seen: set[str] = set()
    kept: list[float] = []
    for story in ranked:
        if story is None or story not in gains:
            continue
        kept.append(0.0 if story in seen else gains[story])
        seen.add(story)
    return dcg(kept, k) / ideal


def majority(votes: Sequence[tuple[str, datetime]]) -> str | None:
    """The UCI story most ``votes`` (story id, item time) name; ties: the story with the earliest item."""
    if not votes:
        return None
    counts = Counter(s for s, _ in votes)
    first: dict[str, datetime] = {}
    for s, t in votes:
        first[s] = min(t, first.get(s, t))
    return min(counts, key=lambda s: (-counts[s], first[s], s))


def merge_split_counts(listed: Sequence[Sequence[str]], top: int = TOP_K) -> dict[str, int]:
    """Wrong merges and splits of listed stories, each given as the UCI story ids of its copies.

    ``wrong_merges``: listed stories holding >= 2 UCI stories (``top_mixed``: among the first ``top``);
    ``splits``: UCI stories whose copies are spread over >= 2 listed stories.
    """
    mixed = [len(set(ids)) >= 2 for ids in listed]
    spread = Counter(s for ids in listed for s in set(ids))
    return {"wrong_merges": sum(mixed), "top_mixed": sum(mixed[:top]),
            "splits": sum(1 for n in spread.values() if n >= 2)}


def newest_first(stories: Mapping[str, StoryDay]) -> list[str]:
    """UCI stories with followed items, newest followed item first (what a feed reader shows)."""
    have = [s for s in stories.values() if s.last_followed is not None]
    return [s.story for s in sorted(have, key=lambda s: (-s.last_followed.timestamp(), s.story))]  # type: ignore[union-attr]


def followed_coverage(stories: Mapping[str, StoryDay]) -> list[str]:
    """NEW stories by distinct followed publishers, then followed items, then earliest followed item."""
    have = [s for s in stories.values() if s.new and s.followed_items]
    return [s.story for s in sorted(have, key=lambda s: (-s.followed_publishers, -s.followed_items,
                                                          s.first_followed, s.story))]


def random_ndcg(gains: Mapping[str, float], rng: np.random.Generator, shuffles: int = RANDOM_SHUFFLES) -> float | None:
    """Mean NDCG@10 of ``shuffles`` random orders of the candidates."""
    ids = sorted(gains)
    if not ids:
        return None
    values = [ndcg_at([ids[i] for i in rng.permutation(len(ids))], gains) for _ in range(shuffles)]
    return float(np.mean([v for v in values if v is not None]))


# --- feeds ------------------------------------------------------------------------------------------


def slug(name: str) -> str:
    text = "".join(c.lower() if c.isalnum() else "-" for c in name)
    return "-".join(part for part in text.split("-") if part) or "feed"


def site_link(rows: Iterable[Row]) -> str:
    """The publisher's site: scheme and most common host of its item URLs."""
    hosts = Counter()
    for row in rows:
        try:
            parts = urlsplit(row.url)
        except ValueError:
            continue
        if parts.hostname:
            hosts[(parts.scheme or "http", parts.hostname)] += 1
    if not hosts:
        return "http://example.invalid/"
    scheme, host = hosts.most_common(1)[0][0]
    return f"{scheme}://{host}/"


def rss(publisher: str, link: str, rows: Sequence[Row]) -> str:
    """An RSS 2.0 document: headlines only."""
    items = "".join(
        f"<item><title>{escape(r.title)}</title><link>{escape(r.url)}</link>"
        f'<guid isPermaLink="true">{escape(r.url)}</guid><pubDate>{format_datetime(r.time, usegmt=True)}</pubDate>'
        "</item>\n"
        for r in rows
    )
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>\n'
            f"<title>{escape(publisher)}</title><link>{escape(link)}</link><description>{escape(publisher)}"
            f"</description>\n{items}</channel></rss>\n")


def _norm_title(title: str) -> str:
    return " ".join(html.unescape(title).split()).casefold()


class RowIndex:
    """Our articles' copies back to UCI rows: by URL within the day, else by (publisher, title)."""

    def __init__(self, rows: Sequence[Row]) -> None:
        by_url: dict[str, list[Row]] = defaultdict(list)
        self.by_title: dict[tuple[str, str], Row] = {}
        for row in rows:
            by_url[row.url].append(row)
            self.by_title.setdefault((row.publisher, _norm_title(row.title)), row)
        self.by_url = {url: found[0] for url, found in by_url.items() if len(found) == 1}
        self.by_norm: dict[str, Row] = {}
        collided: set[str] = set()
        from briefing.store import normalize_url

        for url, row in self.by_url.items():
            key = normalize_url(url)
            if key in self.by_norm:
                collided.add(key)
            self.by_norm[key] = row
        for key in collided:
            del self.by_norm[key]
        self._normalize = normalize_url

    def find(self, url: str | None, outlet: str, title: str) -> Row | None:
        if url:
            row = self.by_url.get(url)
            if row is None:
                try:
                    row = self.by_norm.get(self._normalize(url))
                except ValueError:
                    row = None
            if row is not None:
                return row
        return self.by_title.get((outlet, _norm_title(title)))


# --- run --------------------------------------------------------------------------------------------


def plan(args: argparse.Namespace, days: Sequence[date]) -> tuple[list[date], dict[date, str]]:
    """The days to run (in order) and the evaluated ones, each with its week label."""
    if args.weeks:
        starts = [date.fromisoformat(s.strip()) for s in args.weeks.split(",") if s.strip()]
    else:
        starts = [args.start_day or days[0] + timedelta(days=args.history_days)]
    run_days: set[date] = set()
    scored: dict[date, str] = {}
    for start in starts:
        for offset in range(-args.history_days, args.days):
            day = start + timedelta(days=offset)
            if day < days[0] or day > days[-1]:
                continue
            run_days.add(day)
            if offset >= 0:
                scored.setdefault(day, start.isoformat())
    return sorted(run_days), scored


def git_state() -> dict[str, Any]:
    """The commit measured and whether the working tree had uncommitted changes (read-only)."""
    def git(*cmd: str) -> str | None:
        try:
            proc = subprocess.run(["git", "--no-optional-locks", *cmd], cwd=REPO, capture_output=True, text=True,
                                  timeout=20, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return proc.stdout if proc.returncode == 0 else None

    head = git("rev-parse", "HEAD")
    status = git("status", "--porcelain")
    changed = [line[3:] for line in (status or "").splitlines() if line.strip()]
    return {"head": head.strip() if head else None, "uncommitted": changed}


def run(args: argparse.Namespace) -> int:
    path = require(args.data, DATA_FILE)
    if args.days < 1 or args.followed < 1 or args.history_days < 0 or args.max_stories < 1:
        print("bench ranking: --days, --followed, --max-stories must be at least 1, --history-days at least 0")
        return 2
    git = git_state()
    started = time.perf_counter()
    by_day = load_rows(path, args.limit)
    if not by_day:
        print(f"bench ranking: no rows in {path}")
        return 2
    followed = top_publishers(by_day, args.followed)
    run_days, scored = plan(args, list(by_day))
    if not scored:
        print("bench ranking: no evaluated day inside the stream (check --start-day/--weeks)")
        return 2
    load_s = time.perf_counter() - started

    from briefing.config import load_config
    from briefing.errors import ConfigError
    from briefing.pipeline import Pipeline

    workdir = Path(tempfile.mkdtemp(prefix="bench-ranking-"))
    feeds_dir = workdir / "feeds"
    feeds_dir.mkdir()
    files = {p: feeds_dir / f"{i:02d}-{slug(p)}.xml" for i, p in enumerate(followed)}
    all_rows = [r for rows in by_day.values() for r in rows]
    links = {p: site_link(r for r in all_rows if r.publisher == p) for p in followed}
    del all_rows
    sections: dict[str, dict[str, Any]] = {"store": {"keep_days": 3650}, "briefing": {"max_stories": args.max_stories},
                                           "output": {"formats": ["json"]}}
    if args.backend:
        sections["summarize"] = {"backend": args.backend}
    for section, key, value in config_overrides(args.set):
        sections.setdefault(section, {})[key] = value
    if args.importance is not None:  # absolute: the config is written into the work folder
        sections.setdefault("rank", {})["importance_file"] = str(args.importance.resolve())
    try:
        config = load_config(write_config(workdir / "ranking.toml",
                                          [(p, str(files[p].relative_to(workdir))) for p in followed], sections))
    except ConfigError as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        print(f"bench ranking: {str(exc).split(': ', 1)[-1]}")
        return 2
    pipeline = Pipeline(config)
    followed_set = set(followed)
    rng = np.random.default_rng(args.seed)
    per_day: list[dict[str, Any]] = []
    run_seconds: list[float] = []
    print(f"ranking: {len(run_days)} day(s) to run {run_days[0]}..{run_days[-1]}, {len(scored)} evaluated; "
          f"following {len(followed)} publishers; importance prior "
          f"{config.rank.importance_file or 'shipped'}; work folder {workdir}", flush=True)
    try:
        for day in run_days:
            rows = by_day.get(day, [])
            mine = [r for r in rows if r.publisher in followed_set]
            per_publisher: dict[str, list[Row]] = defaultdict(list)
            for r in mine:
                per_publisher[r.publisher].append(r)
            for p in followed:
                files[p].write_text(rss(p, links[p], per_publisher.get(p, [])), encoding="utf-8")
            now = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC) + RUN_MARGIN
            t = time.perf_counter()
            result = pipeline.run(day, now=now, email=False)
            seconds = time.perf_counter() - t
            run_seconds.append(seconds)
            if day not in scored:
                print(f"  {day} warm-up: {len(mine)} followed items, {result.briefing.stats.get('stories', 0)} "
                      f"stories, {seconds:.1f}s", flush=True)
                continue
            record = score_day(day, scored[day], result.briefing, by_day, followed_set, mine, rng)
            record.update(seconds=round(seconds, 3), timings={k: round(v, 3) for k, v in result.timings.items()},
                          fetched=result.fetched, followed_items=len(mine), stream_items=len(rows))
            per_day.append(record)
            nd = record["ndcg"]
            print(f"  {day}: {len(mine)} followed items, {record['listed']} listed, {record['candidates']} new "
                  f"candidates ({record['new_share']:.0%} of {record['eligible']}); NDCG@10 ours "
                  f"{_fmt(nd['ours'])} newest {_fmt(nd['newest-first'])} coverage {_fmt(nd['followed-coverage'])} "
                  f"random {_fmt(nd['random'])}; new@10 {_fmt(record['new_at_10']['ours'])}; {seconds:.1f}s",
                  flush=True)
    finally:
        model_loaded = pipeline.encoder.loaded
        pipeline.close()
        if args.keep:
            print(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return report(args, path, per_day, followed, run_days, run_seconds, time.perf_counter() - started, load_s,
                  git, model_loaded)


def score_day(day: date, week: str, briefing: Any, by_day: Mapping[date, Sequence[Row]], followed: set[str],
              mine: Sequence[Row], rng: np.random.Generator) -> dict[str, Any]:
    stories = story_days(day, by_day, followed)
    eligible = [s for s in stories.values() if s.followed_items]
    gains = {s.story: s.gain for s in eligible if s.new}
    index = RowIndex(mine)
    listed_ids: list[list[str]] = []
    mapped: list[str | None] = []
    copies = unmapped = 0
    for ranked in briefing.stories:
        votes: list[tuple[str, datetime]] = []
        for article in ranked.story.articles:
            sources = article.sources or ()
            for source in sources:
                copies += 1
                row = index.find(source.url, source.outlet, source.title)
                if row is None:
                    unmapped += 1
                else:
                    votes.append((row.story, row.time))
            if not sources:
                copies += 1
                unmapped += 1
        listed_ids.append([s for s, _ in votes])
        mapped.append(majority(votes))
    ours = ndcg_at(mapped, gains)
    newest = newest_first(stories)
    coverage = followed_coverage(stories)
    counts = merge_split_counts(listed_ids)
    split_listed = sum(1 for n in Counter(s for s in mapped if s is not None).values() if n >= 2)

    def new_at(order: Sequence[str | None]) -> float | None:
        head = list(order[:TOP_K])
        return sum(1 for s in head if s in gains) / len(head) if head else None

    top = []
    for ranked, story_id, ids in zip(briefing.stories[:TOP_K], mapped, listed_ids, strict=False):
        info = stories.get(story_id) if story_id else None
        top.append({"rank": ranked.rank, "title": ranked.story.lead.title, "status": ranked.status,
                    "reasons": list(ranked.reasons), "articles": len(ranked.story.articles),
                    "uci_story": story_id, "uci_stories": dict(Counter(ids)),
                    "new": bool(info.new) if info else None,
                    "max_cosine": round(info.max_cosine, 3) if info else None,
                    "world_size": info.world_size if info else None,
                    "uci_headline": info.headline if info else None})
    ideal = sorted((stories[s] for s in gains), key=lambda s: (-s.world_size, s.first_followed, s.story))[:TOP_K]
    ours_at: dict[str, tuple[int, str, str, list[str]]] = {}
    for position, (ranked, story_id) in enumerate(zip(briefing.stories, mapped, strict=True), start=1):
        if story_id is not None:
            ours_at.setdefault(story_id, (position, ranked.status, ranked.story.lead.title, list(ranked.reasons)))
    statuses = Counter(r.status for r in briefing.stories)
    agreement: Counter[str] = Counter()
    labelled = []
    for ranked, story_id in zip(briefing.stories, mapped, strict=True):
        info = stories.get(story_id) if story_id else None
        if info is None:
            continue
        label = "new" if info.new else "continuing"
        agreement[f"{label}/{ranked.status}"] += 1
        labelled.append({"rank": ranked.rank, "status": ranked.status, "label": label,
                         "world_size": info.world_size, "title": ranked.story.lead.title,
                         "matched": ranked.matched_title, "uci_story": story_id})
    return {
        "day": day.isoformat(), "week": week, "articles": int(briefing.stats.get("articles", 0)),
        "stories": int(briefing.stats.get("stories", 0)), "listed": len(briefing.stories),
        "statuses": dict(statuses), "status_vs_label": dict(agreement), "labelled": labelled,
        "uci_stories": len(stories), "eligible": len(eligible),
        "candidates": len(gains), "new_share": len(gains) / len(eligible) if eligible else 0.0,
        "ndcg": {"ours": ours, "newest-first": ndcg_at(newest, gains),
                 "followed-coverage": ndcg_at(coverage, gains), "random": random_ndcg(gains, rng)},
        "new_at_10": {"ours": new_at(mapped), "newest-first": new_at(newest), "followed-coverage": new_at(coverage)},
        **counts, "split_listed": split_listed,
        "copies": copies, "unmapped_copies": unmapped,
        "top10": top,
        "ideal_top10": [{"uci_story": s.story, "headline": s.headline, "world_size": s.world_size,
                         "followed_publishers": s.followed_publishers,
                         "ours": ours_at.get(s.story)} for s in ideal],
    }


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _mean(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


def summary_row(days: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "days": len(days),
        "ndcg": {m: _mean(d["ndcg"][m] for d in days) for m in ("ours", *BASELINES)},
        "new_at_10": {m: _mean(d["new_at_10"][m] for d in days) for m in ("ours", "newest-first", "followed-coverage")},
        "new_share": _mean(d["new_share"] for d in days),
        "candidates_per_day": _mean(d["candidates"] for d in days),
        "wrong_merges_per_day": _mean(d["wrong_merges"] for d in days),
        "top_mixed_per_day": _mean(d["top_mixed"] for d in days),
        "splits_per_day": _mean(d["splits"] for d in days),
        "unmapped_copies": sum(d["unmapped_copies"] for d in days),
        "status_vs_label": dict(sum((Counter(d.get("status_vs_label", {})) for d in days), Counter())),
        "copies": sum(d["copies"] for d in days),
    }


def report(args: argparse.Namespace, path: Path, per_day: list[dict[str, Any]], followed: list[str],
           run_days: list[date], run_seconds: list[float], total_s: float, load_s: float,
           git: dict[str, Any], model_loaded: bool) -> int:
    weeks: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in per_day:
        weeks[d["week"]].append(d)
    summaries = {week: summary_row(days) for week, days in weeks.items()}
    if len(weeks) > 1:
        summaries["all"] = summary_row(per_day)
    headers = ["week", "ours", "newest-first", "followed-cov", "random", "new@10", "new share", "cands/day",
               "merges/day", "top10 mixed", "splits/day", "days"]

    def row(label: str, s: dict[str, Any]) -> list[Any]:
        n = s["ndcg"]
        return [label, n["ours"], n["newest-first"], n["followed-coverage"], n["random"], s["new_at_10"]["ours"],
                s["new_share"], s["candidates_per_day"], s["wrong_merges_per_day"], s["top_mixed_per_day"],
                s["splits_per_day"], s["days"]]

    print(f"\nranking: {path}, following {len(followed)} publishers; NDCG@10 over NEW stories "
          f"(cosine < {NEW_BELOW} to the previous {LABEL_DAYS} days), warm-up {args.history_days} days")
    print(table(headers, [row(w, s) for w, s in summaries.items()], [0, 3, 3, 3, 3, 3, 3, 1, 2, 2, 2, 0]))
    statuses = ("new", "development", "update", "repeat")
    print("\nour status of listed stories by the label (stories mapped to a UCI story, all days):")
    print(table(["week", "label", *statuses],
                [[week, label, *(s["status_vs_label"].get(f"{label}/{status}", 0) for status in statuses)]
                 for week, s in summaries.items() for label in ("new", "continuing")], [0, 0, 0, 0, 0, 0]))
    print()
    print(table(["day", "ours", "newest-first", "followed-cov", "random", "new@10", "cands", "listed", "merges",
                 "top10 mixed", "splits", "seconds"],
                [[d["day"], d["ndcg"]["ours"], d["ndcg"]["newest-first"], d["ndcg"]["followed-coverage"],
                  d["ndcg"]["random"], d["new_at_10"]["ours"], d["candidates"], d["listed"], d["wrong_merges"],
                  d["top_mixed"], d["splits"], d["seconds"]] for d in per_day],
                [0, 3, 3, 3, 3, 2, 0, 0, 0, 0, 0, 1]))
    ordered = sorted(run_seconds)
    seconds = {"load": round(load_s, 2), "total": round(total_s, 2), "days_run": len(run_seconds),
               "per_day_mean": float(np.mean(run_seconds)) if run_seconds else None,
               "per_day_median": ordered[len(ordered) // 2] if ordered else None,
               "per_day_max": ordered[-1] if ordered else None,
               "first_day": run_seconds[0] if run_seconds else None}
    print(f"time: {len(run_seconds)} day(s) run in {sum(run_seconds):.0f}s, mean {seconds['per_day_mean']:.1f}s/day, "
          f"median {seconds['per_day_median']:.1f}s, first {seconds['first_day']:.1f}s (model load); "
          f"total {total_s:.0f}s")
    unmapped = sum(d["unmapped_copies"] for d in per_day)
    copies = sum(d["copies"] for d in per_day)
    if unmapped:
        print(f"{unmapped} of {copies} listed copies could not be mapped to a UCI row")

    plot = args.out / "ranking_ndcg.png"
    _plot(plot, per_day)
    if args.plot is not None:
        _plot(args.plot, per_day)
    payload = {
        "data": str(path), "limit": args.limit, "followed": followed, "history_days": args.history_days,
        "max_stories": args.max_stories, "backend": args.backend, "seed": args.seed, "overrides": args.set,
        "importance_file": str(args.importance.resolve()) if args.importance is not None else None,
        "weeks": list(weeks), "days_evaluated": len(per_day), "days_run": [d.isoformat() for d in run_days],
        "git": git, "summary": summaries, "per_day": per_day, "seconds": seconds, "model_loaded": model_loaded,
        "plot": str(plot),
        "notes": [
            f"NEW: TF-IDF (English stop words, sublinear tf, fit on all headlines of D and the {LABEL_DAYS} days "
            f"before) centroid of the story's headlines on D has cosine < {NEW_BELOW} to every story centroid "
            f"(headlines pooled per story id) of the {LABEL_DAYS} days before D",
            "candidates: NEW stories with >= 1 followed item on D; gain log2(1 + distinct publishers, whole stream)",
            "ours: listed order (fresh, then repeats); a listed story maps to the UCI story most of its copies "
            "(article sources) belong to, ties to the earliest item; copies mapped by URL within the day, else "
            "normalized URL, else (publisher, title)",
            "NDCG@10: non-candidates dropped, a candidate's second appearance gains 0",
            "random: mean NDCG@10 of 20 seeded shuffles of the candidates",
            "splits: UCI stories whose copies appear in >= 2 listed stories; split_listed: UCI stories that >= 2 "
            "listed stories map to by majority",
            "feeds: headlines only (title, link, guid = link, pubDate), one file per followed publisher, rewritten "
            "daily; each day run at the end of that UTC day + 5 min",
        ],
    }
    out = write_result(args.out, "ranking", payload, args.argv)
    print(f"wrote {out} and {plot}" + (f" and {args.plot}" if args.plot else ""))
    return 0


def _plot(path: Path, per_day: Sequence[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    x = np.arange(len(per_day))
    for method, style in (("ours", "o-"), ("followed-coverage", "s--"), ("newest-first", "^:"), ("random", "x:")):
        y = [np.nan if d["ndcg"][method] is None else d["ndcg"][method] for d in per_day]
        ax.plot(x, y, style, label=method)
    ax.set_xticks(x, [d["day"][5:] for d in per_day], rotation=60, fontsize=7)
    for i in range(1, len(per_day)):
        if per_day[i]["week"] != per_day[i - 1]["week"]:
            ax.axvline(i - 0.5, color="grey", linewidth=0.8)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("NDCG@10 over new stories")
    ax.set_title("Simulated reader on the UCI stream: new stories first?")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
