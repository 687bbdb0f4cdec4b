from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from briefing.config import RankConfig
from briefing.models import HistoryItem, Story
from briefing.rank import first_cue, key_terms, rank_stories

from .helpers import article

NOW = datetime(2026, 11, 26, tzinfo=UTC)
CUES = RankConfig().first_cues


def unit(*values: float) -> tuple[float, ...]:
    v = np.array(values, dtype=np.float64)
    return tuple(float(x) for x in v / np.linalg.norm(v))


def story(id: int, title: str, vector: tuple[float, ...], outlets: int = 1, text: str = "") -> Story:
    arts = tuple(article(id * 100 + i, title, text, outlet=f"Outlet {i}") for i in range(outlets))
    return Story(articles=arts, lead=arts[0], vector=vector)


def past(id: int, title: str, vector: tuple[float, ...], days_ago: float = 1) -> HistoryItem:
    return HistoryItem(article_id=id, title=title, published=NOW - timedelta(days=days_ago), vector=vector,
                       terms=key_terms(title))


def test_first_time_event_outranks_a_well_covered_follow_up() -> None:
    history = [past(1, "Central bank raises rates by a quarter point", unit(1, 0, 0)),
               past(2, "Peace talks resume in Geneva", unit(0, 1, 0))]
    stories = [
        story(1, "Markets digest the central bank rate rise", unit(1, 0.1, 0), outlets=4),
        story(2, "Valdoria deploys troops to the front for the first time", unit(0, 0.2, 1), outlets=3),
        story(3, "Peace talks continue in Geneva", unit(0, 1, 0.05), outlets=2),
    ]
    ranked = rank_stories(stories, history, {}, NOW, RankConfig())
    assert ranked[0].story.lead.title.startswith("Valdoria")
    top = ranked[0]
    assert top.status == "new"
    assert top.reasons[0] == "new: no similar story in 14 days"
    assert "'for the first time' cue" in top.reasons
    assert top.reasons[-1] == "3 sources"
    assert [r.rank for r in ranked] == [1, 2, 3]
    follow_ups = {r.story.lead.title: r for r in ranked[1:]}
    assert follow_ups["Peace talks continue in Geneva"].status == "repeat"
    assert follow_ups["Peace talks continue in Geneva"].matched_title == "Peace talks resume in Geneva"


def test_repeats_come_after_every_fresh_story_whatever_their_score() -> None:
    history = [past(1, "Storm hits the coast", unit(1, 0, 0))]
    stories = [story(1, "Storm hits the coast", unit(1, 0, 0), outlets=10),
               story(2, "Small town fair opens", unit(0, 1, 0), outlets=1)]
    ranked = rank_stories(stories, history, {}, NOW, RankConfig())
    assert [r.status for r in ranked] == ["new", "repeat"]


def test_material_news_on_a_known_story_is_an_update() -> None:
    history = [past(1, "Storm hits the coast of Norland", unit(1, 0, 0))]
    follow = story(1, "Storm death toll rises to 42 as Marina Bay floods", unit(1, 0.6, 0))
    [ranked] = rank_stories([follow], history, {}, NOW, RankConfig())
    assert ranked.status == "update"
    assert ranked.reasons[0].startswith("update of 'Storm hits the coast of Norland'")
    assert "42" in ranked.reasons[0]


def test_older_history_weighs_less() -> None:
    vector = unit(1, 0.5, 0)
    recent = rank_stories([story(1, "x", vector)], [past(1, "y", unit(1, 0, 0), days_ago=1)], {}, NOW, RankConfig())
    old = rank_stories([story(1, "x", vector)], [past(1, "y", unit(1, 0, 0), days_ago=13)], {}, NOW, RankConfig())
    assert old[0].novelty > recent[0].novelty


def test_no_history_means_everything_is_new_and_coverage_orders() -> None:
    stories = [story(1, "a", unit(1, 0), outlets=1), story(2, "b", unit(0, 1), outlets=5)]
    ranked = rank_stories(stories, [], {1: "summary of b"}, NOW, RankConfig())
    assert [r.story.lead.title for r in ranked] == ["b", "a"]
    assert all(r.status == "new" for r in ranked)


def test_summaries_are_attached_by_lead_article_id() -> None:
    s = story(7, "t", unit(1, 0))
    [ranked] = rank_stories([s], [], {s.lead.id: "The summary."}, NOW, RankConfig())
    assert ranked.summary == "The summary."


def test_cues_match_whole_phrases_and_skip_idioms() -> None:
    assert first_cue("Valdoria deploys troops", CUES) == "deploys"
    assert first_cue("For the first time, troops cross", CUES) == "for the first time"
    assert first_cue("The first-ever launch of", CUES) == "first-ever"
    assert first_cue("Profits fell in the first quarter", CUES) is None
    assert first_cue("Inflation at its highest for the first time since 2008", CUES) is None
    assert first_cue("Thirsty firsts", CUES) is None
    assert first_cue("The first set of purchasing managers indexes since the tariffs", CUES) is None
    assert first_cue("Prices post their first monthly fall since 2019", CUES) is None
    assert first_cue("Valdoria sends its first combat troops to the front", CUES) == "first"


def test_key_terms_are_names_and_numbers() -> None:
    terms = key_terms("The Valdorian army sent 3,000 troops to Kursk, said General Ana Ruiz.")
    assert {"valdorian", "3,000", "kursk", "general", "ana", "ruiz"} <= terms
    assert "the" not in terms and "army" not in terms


@given(st.text())
def test_cue_and_terms_never_raise(text: str) -> None:
    first_cue(text, CUES)
    key_terms(text)


def test_a_day_without_stories_ranks_nothing_even_with_history() -> None:
    assert rank_stories([], [past(1, "Storm hits the coast", unit(1, 0, 0))], {}, NOW, RankConfig()) == []
