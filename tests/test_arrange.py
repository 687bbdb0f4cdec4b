"""Mute words, per-feed weight, topic sections with caps: applied after ranking, shown by the renderers."""

from __future__ import annotations

import dataclasses

import pytest

from briefing.arrange import arrange
from briefing.config import parse_config
from briefing.errors import ConfigError
from briefing.render import render_html, render_markdown

from .test_render import make_briefing, md_headings, ranked, src


def feed_src(feed: str, title: str) -> object:
    return dataclasses.replace(src(feed.title(), title, f"https://{feed}.example/{abs(hash(title))}"),
                               feed_url=f"https://{feed}.example/feed")


def config(**sections: object) -> object:
    feeds = [
        {"url": "https://world.example/feed", "topics": ["world"]},
        {"url": "https://markets.example/feed", "topics": ["markets"], "weight": 2.0},
        {"url": "https://sport.example/feed", "topics": ["sport", "world"], "weight": 0.5},
        {"url": "https://misc.example/feed"},
    ]
    return parse_config({"feeds": feeds, **sections})


def story(title: str, feed: str, rank: int, score: float, **options: object) -> object:
    return ranked(title, rank=rank, score=score, sources=(feed_src(feed, title),), **options)


STORIES = (
    story("Troops cross the border", "world", 1, 0.9),
    story("Cricket final goes to a super over", "sport", 2, 0.8),
    story("Rates held again", "markets", 3, 0.5),
    story("Ceasefire talks resume", "world", 4, 0.45),
    story("Local fair opens", "misc", 5, 0.3),
    story("Oil slips", "markets", 6, 0.2),
)


def test_weight_reorders_and_ranks_are_renumbered() -> None:
    b = arrange(make_briefing(STORIES), config(briefing={"top_stories": 10}))
    assert [(r.rank, r.story.lead.title) for r in b.stories] == [
        (1, "Rates held again"),  # 0.5 x 2
        (2, "Troops cross the border"),
        (3, "Ceasefire talks resume"),
        (4, "Cricket final goes to a super over"),  # 0.8 x 0.5
        (5, "Oil slips"),
        (6, "Local fair opens"),
    ]
    assert b.stories[3].topics == ("world", "sport")  # in the config's order
    assert b.topics == ("world", "markets", "sport")


def test_mute_words_drop_stories_by_headline_or_summary_as_whole_words() -> None:
    cfg = config(filters={"mute": ["cricket", "TALKS resume"]})
    b = arrange(make_briefing((*STORIES, story("Crickets sing", "misc", 7, 0.1),
                               story("Markets", "misc", 8, 0.05, summary="A cricket match."))), cfg)
    titles = [r.story.lead.title for r in b.stories]
    assert "Cricket final goes to a super over" not in titles and "Ceasefire talks resume" not in titles
    assert "Markets" not in titles  # its summary names it
    assert "Crickets sing" in titles  # a whole word only
    assert [r.rank for r in b.stories] == list(range(1, len(b.stories) + 1))


def test_sections_by_topic_after_top_stories_with_caps() -> None:
    b = arrange(make_briefing(STORIES), config(briefing={"top_stories": 2, "per_topic": 1}))
    text = render_markdown(b)
    assert md_headings(text, "h2")[:4] == ["Top stories", "World", "Markets", "Other news"]
    assert md_headings(text, "h3") == [
        "1. Rates held again", "2. Troops cross the border",
        "3. Ceasefire talks resume",  # world's one; the cricket story (world, sport) is over the cap
        "4. Oil slips",
        "5. Local fair opens",
    ]  # numbered in reading order across sections
    html = render_html(b)
    assert html.index("<h2>Top stories</h2>") < html.index("<h2>World</h2>") < html.index("<h2>Markets</h2>")


def test_without_topics_one_top_stories_section_as_before() -> None:
    b = arrange(make_briefing(STORIES), parse_config({}))
    assert b.topics == () and b.top_stories == 0
    assert md_headings(render_markdown(b), "h2") == ["Top stories"]


@pytest.mark.parametrize(("body", "says"), [
    ({"filters": {"mute": [" "]}}, "filters.mute: a mute word must not be empty"),
    ({"feeds": [{"url": "https://a.example/f", "topics": [""]}]}, "feeds.0.topics: a topic must not be empty"),
    ({"feeds": [{"url": "https://a.example/f", "weight": -1}]}, "feeds.0.weight"),
])
def test_bad_topic_mute_weight_are_named(body: dict, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        parse_config(body)


def test_numbers_follow_the_reading_order_across_sections() -> None:
    b = arrange(make_briefing(STORIES), config(briefing={"top_stories": 0}))
    text = render_markdown(b)
    assert md_headings(text, "h2")[:3] == ["World", "Markets", "Other news"]
    assert md_headings(text, "h3") == [
        "1. Troops cross the border", "2. Ceasefire talks resume", "3. Cricket final goes to a super over",
        "4. Rates held again", "5. Oil slips", "6. Local fair opens"]


def test_a_superseded_prospect_stays_after_the_news_whatever_its_weight() -> None:
    prospect = dataclasses.replace(story("Attack could come within days", "markets", 2, 0.9),
                                   superseded_by="Attack launched")  # markets: weight 2
    news = (story("Attack launched", "world", 1, 0.5), prospect, story("Oil slips", "world", 3, 0.2),
            story("Opinion | Why now", "world", 4, 0.8, kind="opinion"))
    b = arrange(make_briefing(news), config(briefing={"top_stories": 10}))
    assert [r.story.lead.title for r in b.stories] == [
        "Attack launched", "Oil slips", "Attack could come within days", "Opinion | Why now"]
