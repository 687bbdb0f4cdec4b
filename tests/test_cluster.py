from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.cluster import average_link, cluster_articles, cluster_labels, cosine_distances, headline_names

from .helpers import article


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_same_event_from_several_outlets_is_one_story() -> None:
    arts = [article(1, "Troops reach front", "x", outlet="A"), article(2, "Soldiers arrive at front", "xx", outlet="B"),
            article(3, "Bank raises rates", "y", outlet="A")]
    vecs = np.stack([unit(1, 0.1, 0), unit(1, 0.15, 0), unit(0, 1, 0)])
    stories = cluster_articles(arts, vecs, threshold=0.8)
    assert len(stories) == 2
    assert {a.id for a in stories[0].articles} == {1, 2}
    assert stories[0].outlets == {"A", "B"}
    assert np.isclose(np.linalg.norm(stories[0].vector), 1.0)


def test_average_link_does_not_chain_loosely_related_items() -> None:
    # a~b and b~c are above threshold, a~c is not: single link would chain all three.
    a, b, c = unit(1, 0, 0), unit(1, 1, 0), unit(0, 1, 0)
    labels = cluster_labels(np.stack([a, b, c]), threshold=0.7)
    assert len(set(labels)) == 2


def test_lead_is_the_most_central_article() -> None:
    arts = [article(i, f"t{i}", "text") for i in range(3)]
    vecs = np.stack([unit(1, 0.3, 0), unit(1, 0, 0), unit(1, -0.3, 0)])
    [story] = cluster_articles(arts, vecs, threshold=0.8)
    assert story.lead.id == 1


def test_no_articles_no_stories() -> None:
    assert cluster_articles([], np.zeros((0, 3)), 0.6) == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.floats(-1, 1), min_size=4, max_size=4).filter(lambda v: any(abs(x) > 0.1 for x in v)),
                min_size=1, max_size=25),
       st.floats(0.3, 0.95))
def test_every_article_lands_in_exactly_one_story(rows: list[list[float]], threshold: float) -> None:
    vecs = np.stack([unit(*row) for row in rows])
    arts = [article(i, f"t{i}", "") for i in range(len(rows))]
    stories = cluster_articles(arts, vecs, threshold)
    ids = sorted(a.id for s in stories for a in s.articles)
    assert ids == list(range(len(rows)))


def test_bare_headlines_cluster_at_their_own_threshold() -> None:
    a, b = unit(1, 0, 0), unit(1, 1.2, 0)  # cosine about 0.64: below 0.8, above 0.5
    headlines = [article(1, "Storm hits coast", ""), article(2, "Coast battered by storm", "")]
    assert len(cluster_articles(headlines, np.stack([a, b]), threshold=0.8)) == 2
    assert len(cluster_articles(headlines, np.stack([a, b]), threshold=0.8, title_only_threshold=0.5)) == 1
    with_text = [article(i, "t", "word " * 20) for i in (1, 2)]
    assert len(cluster_articles(with_text, np.stack([a, b]), threshold=0.8, title_only_threshold=0.5)) == 2


def test_loosely_similar_headlines_hours_apart_are_different_stories() -> None:
    noon = datetime(2026, 11, 26, 12, tzinfo=UTC)
    a, b = unit(1, 0, 0), unit(1, 1.2, 0)  # cosine about 0.64
    vecs = np.stack([a, b])

    def stories(gap: timedelta, text: str = "", hours: float | None = 2.0) -> int:
        arts = [article(1, "Storm hits coast", text, when=noon), article(2, "Coast battered", text, when=noon + gap)]
        return len(cluster_articles(arts, vecs, threshold=0.8, title_only_threshold=0.5, headline_hours=hours))

    assert stories(timedelta(minutes=10)) == 1
    assert stories(timedelta(hours=8)) == 2  # 0.64 fades to about 0.01, under 0.5
    assert stories(timedelta(hours=8), hours=None) == 1  # no fading asked for
    assert stories(timedelta(hours=8), hours=0.0) == 1  # the config's way to say so
    assert stories(timedelta(hours=8), text="word " * 20, hours=2.0) == 2  # with text: 0.64 < 0.8 at any gap
    near_twins = np.stack([a, unit(1, 0.05, 0)])
    arts = [article(1, "Storm hits coast", "", when=noon),
            article(2, "Storm hits the coast", "", when=noon + timedelta(hours=20))]
    # Near-identical headlines stay one story across the day: the fade takes at most half of theirs.
    assert len(cluster_articles(arts, near_twins, threshold=0.8, title_only_threshold=0.45, headline_hours=2.0)) == 1


def test_only_near_identical_headlines_keep_a_floor_across_the_day() -> None:
    noon = datetime(2026, 11, 26, 12, tzinfo=UTC)
    loose = np.stack([unit(1, 0, 0), unit(1, 1.2, 0)])  # cosine about 0.64: half of it would still reach 0.3
    twins = np.stack([unit(1, 0, 0), unit(1, 0.9, 0)])  # about 0.74: near-identical

    def stories(vecs: np.ndarray, gap: timedelta) -> int:
        arts = [article(1, "Storm hits coast", "", when=noon), article(2, "Coast battered", "", when=noon + gap)]
        return len(cluster_articles(arts, vecs, threshold=0.62, title_only_threshold=0.3, headline_hours=2.0))

    assert stories(loose, timedelta(minutes=20)) == 1
    assert stories(loose, timedelta(hours=8)) == 2  # faded to nothing: another event on the subject
    assert stories(twins, timedelta(hours=8)) == 1  # kept at half: 0.37 is still one story


def test_time_fade_leaves_articles_with_text_alone() -> None:
    noon = datetime(2026, 11, 26, 12, tzinfo=UTC)
    vecs = np.stack([unit(1, 0.1, 0), unit(1, 0.15, 0)])  # cosine about 0.999
    arts = [article(i, "t", "word " * 20, when=noon + timedelta(hours=10 * i)) for i in (0, 1)]
    labels_faded = cluster_labels(vecs, 0.99, np.zeros(2, dtype=bool), 0.3, np.array([0.0, 10.0]), 2.0)
    assert len(set(labels_faded)) == 1
    assert len(cluster_articles(arts, vecs, threshold=0.99, title_only_threshold=0.3, headline_hours=2.0)) == 1


def test_section_labels_do_not_make_unrelated_headlines_alike() -> None:
    from briefing.pipeline import embedding_text

    assert embedding_text(article(1, "Opinion | Trump Stiffs Ukraine on Arms")) == "Trump Stiffs Ukraine on Arms."
    assert embedding_text(article(2, "Live: Markets fall", "Shares slid.")) == "Markets fall. Shares slid."
    assert embedding_text(article(3, "Opinion polls narrow")) == "Opinion polls narrow."  # not a label
    assert embedding_text(article(4, "E-cigarettes | A hip gateway")) == "E-cigarettes | A hip gateway."  # a topic


TEXT = "Russian troops kept up their assault on the eastern city, the general staff said on Tuesday."


def test_one_publisher_writes_once_about_an_event_unless_the_pieces_are_close() -> None:
    # The wire's routine report and its first-time event are alike enough to join at 0.62 on similarity
    # alone; from one publisher they are two events. The other outlet's first-time piece still joins.
    arts = [article(1, "North Korean troops reach the front", TEXT, outlet="Wire"),
            article(2, "First North Korean units deployed", TEXT, outlet="Defence"),
            article(3, "Russian forces press assault as fighting goes on", TEXT, outlet="Wire")]
    vecs = np.stack([unit(1, 0.25, 0.55), unit(1, 0, 0.8), unit(1, 1.05, 0)])
    sims = vecs @ vecs.T
    assert sims[0, 1] > 0.75 and 0.62 < sims[0, 2] < 0.75 and (sims[0, 2] + sims[1, 2]) / 2 >= 0.62 > sims[1, 2]
    assert len(cluster_articles(arts, vecs, threshold=0.62)) == 1
    stories = cluster_articles(arts, vecs, threshold=0.62, same_publisher_threshold=0.75)
    assert sorted(sorted(a.id for a in s.articles) for s in stories) == [[1, 2], [3]]
    # Two close pieces of one publisher (a report and its explainer) stay one story.
    close = np.stack([unit(1, 0.25, 0.55), unit(1, 0, 0.8), unit(1, 0.3, 0.5)])
    assert len(cluster_articles(arts, close, threshold=0.62, same_publisher_threshold=0.75)) == 1


def test_bare_headlines_of_one_publisher_are_left_to_the_fade() -> None:
    arts = [article(1, "Troops reach front", "", outlet="Wire"), article(2, "Fighting goes on", "", outlet="Wire")]
    vecs = np.stack([unit(1, 0.5, 0), unit(1, 0.9, 0)])
    assert len(cluster_articles(arts, vecs, threshold=0.62, title_only_threshold=0.3,
                                same_publisher_threshold=0.99)) == 1


def test_a_bare_headline_joins_another_outlets_article_when_their_headlines_match() -> None:
    lead = "The Swiss National Bank said consumer prices fell 0.1 percent in May from a year earlier. " * 2
    bare = article(1, "Swiss inflation turns negative for first time in four years", "", outlet="FT")
    told = article(2, "Switzerland Records Deflation for First Time in Four Years", lead, outlet="WSJ")
    other = article(3, "Bank of Japan holds rates", "The central bank held its policy rate. " * 3, outlet="WSJ")
    vectors = np.stack([unit(1, 0, 0), unit(1, 1, 0), unit(0, 0, 1)])  # headline alone vs title + lead: 0.71
    headlines = np.stack([unit(1, 0, 0), unit(1, 0.3, 0), unit(0, 0.2, 1)])  # the two headlines: 0.96
    assert len(cluster_articles([bare, told, other], vectors, threshold=0.8)) == 3
    asked: list[str] = []
    stories = cluster_articles([bare, told, other], vectors, threshold=0.8,
                               headline_vectors=lambda titles: asked.extend(titles) or headlines)
    assert asked == [bare.title, told.title, other.title]
    assert sorted(sorted(a.id for a in s.articles) for s in stories) == [[1, 2], [3]]


def test_headlines_change_nothing_between_two_articles_with_text_or_two_bare_headlines() -> None:
    text = "Officials gave details of the plan on Tuesday morning. " * 2
    vectors = np.stack([unit(1, 0, 0), unit(1, 1, 0)])
    headlines = np.stack([unit(1, 0, 0), unit(1, 0.01, 0)])
    asked: list[str] = []
    for pair in ([article(1, "a", text), article(2, "b", text)], [article(1, "a", ""), article(2, "b", "")]):
        assert len(cluster_articles(pair, vectors, threshold=0.8,
                                    headline_vectors=lambda titles: asked.extend(titles) or headlines)) == 2
    assert asked == []  # no mixed pair: no headline is embedded


def equally_alike(count: int, cosine: float) -> np.ndarray:
    """``count`` unit vectors, every pair exactly ``cosine`` alike."""
    rows = np.sqrt(cosine) * np.eye(1, count + 1, 0) + np.sqrt(1 - cosine) * np.eye(count, count + 1, 1)
    return rows.astype(np.float32)


AIR_INDIA = [  # WSJ World, 2025-06-12: the news, a feature and a graphic, each with its own standfirst
    ("Air India Crash Investigators Recover Black Boxes as Death Toll Hits 265",
     "An early focus of the probe includes a possible loss or reduction of thrust."),
    ("The Man in Seat 11A Who Walked Away From the Air India Crash",
     "Britain’s Viswashkumar Ramesh said he doesn’t know why he survived, while more than 200 others died."),
    ("The First—and Final—Seconds of Air India Flight 171",
     "The Boeing 787 Dreamliner, packed with 242 people on board, barely cleared the rooftops of the neighborhood."),
]
PAST = ["Hundreds Feared Dead in Air India Crash", "Israel Weighs Strike on Iran", "Trump Hails Progress With China",
        "Fed Holds Rates Steady", "Oil Slips as Supply Rises", "EU Proposes Nord Stream Ban"]


def test_one_publishers_pieces_naming_the_days_event_are_one_story() -> None:
    arts = [article(i, title, text, outlet="WSJ") for i, (title, text) in enumerate(AIR_INDIA)]
    vecs = equally_alike(3, 0.40)  # as alike as the real three: far below the threshold
    options = {"threshold": 0.62, "same_publisher_threshold": 0.75}
    assert len(cluster_articles(arts, vecs, **options)) == 3
    stories = cluster_articles(arts, vecs, **options, past_headlines=PAST, named_event_floor=0.35)
    assert len(stories) == 1
    assert len(stories[0].outlets) == 1 and stories[0].placements == 3  # one publisher: prominence, not coverage
    assert len(cluster_articles(arts, equally_alike(3, 0.30), **options, past_headlines=PAST,
                                named_event_floor=0.35)) == 3  # less alike than the floor
    # A first run's past, thinner than two headlines per article today, cannot tell a standing name from an event's.
    assert len(cluster_articles(arts, vecs, **options, past_headlines=PAST[:5], named_event_floor=0.35)) == 3


def test_a_name_shared_by_two_pieces_in_the_news_for_days_or_written_in_lower_case_names_no_event() -> None:
    options = {"threshold": 0.62, "same_publisher_threshold": 0.75, "named_event_floor": 0.35}
    arts = [article(i, title, text, outlet="WSJ") for i, (title, text) in enumerate(AIR_INDIA)]
    two = [*arts[:2], article(5, "The First—and Final—Seconds of Flight 171", AIR_INDIA[2][1], outlet="WSJ")]
    assert len(cluster_articles(two, equally_alike(3, 0.40), past_headlines=PAST, **options)) == 3
    known = [*PAST, "Air India Plans Fleet Overhaul"]  # the name in two past headlines: a subject, not an event
    assert len(cluster_articles(arts, equally_alike(3, 0.40), past_headlines=known, **options)) == 3
    other = [article(1, "Air India Crash Inquiry Opens", "Investigators met.", outlet="WSJ"),
             article(2, "Air India Crash Victims Named", "Families gathered.", outlet="FT"),
             article(3, "Air India Crash Shakes Boeing", "Shares fell.", outlet="NYT")]
    assert len(cluster_articles(other, equally_alike(3, 0.40), past_headlines=PAST, **options)) == 3  # publishers
    rates = [article(i, title, text, outlet="WSJ") for i, (title, text) in enumerate([
        ("Taiwan Central Bank Leaves Key Interest Rates Unchanged", "The bank held its benchmark."),
        ("Fed Cuts Interest Rates by a Quarter Point", "When the Federal Reserve cut interest rates Wednesday."),
        ("Capital Account: Interest Rates and Recession Odds", "Whatever probability you put on recession.")])]
    assert len(cluster_articles(rates, equally_alike(3, 0.45), past_headlines=PAST, **options)) == 3  # a phrase


def test_pieces_shown_before_or_columns_take_no_part_in_a_named_event() -> None:
    options = {"threshold": 0.62, "same_publisher_threshold": 0.75, "named_event_floor": 0.35, "past_headlines": PAST}
    arts = [article(i, title, text, outlet="WSJ") for i, (title, text) in enumerate(AIR_INDIA)]
    vecs = equally_alike(3, 0.40)
    # Yesterday's report, back with a new headline, is judged against what the reader saw: today's two stay apart.
    assert len(cluster_articles(arts, vecs, **options, shown_before={0})) == 3
    column = [*arts[:2], replace(arts[2], kind="opinion")]
    assert len(cluster_articles(column, vecs, **options)) == 3
    # "Iran’s Nuclear" in the past headlines is "Iran Nuclear" in today's: in the news for days.
    iran = [article(i, f"{lead} Iran’s Nuclear {tail}", "Text of the piece, long enough to be no bare headline here.",
                    outlet="WSJ") for i, (lead, tail) in enumerate([("Bomb Could Cripple", "Ambitions"),
                                                                   ("U.S. Weighs Hitting", "Sites"),
                                                                   ("Europe Fears", "Fallout")])]
    known = [*PAST, "Israel Launches Attack on Iran’s Nuclear Facilities",
             "Israel’s Attacks Hit More Than Iran’s Nuclear Program"]
    assert len(cluster_articles(iran, vecs, **{**options, "past_headlines": known})) == 3
    assert len(cluster_articles(iran, vecs, **options)) == 1


def test_a_headline_names_pairs_of_capitalised_words_possessives_dropped() -> None:
    assert headline_names("Pope Francis’ Death Triggers Succession Process") >= {"pope francis", "francis death"}
    assert headline_names("Israel’s Attacks Hit More Than Iran’s Nuclear Program") >= {"israel attacks", "iran nuclear"}
    assert headline_names("Oil price falls back as flow of crude through Strait of Hormuz unaffected") == set()
    assert "kills hundreds" not in headline_names("Air India Crash Kills, Hundreds Flee")  # not across a comma


@settings(max_examples=200, deadline=None)
@given(n=st.integers(2, 40), seed=st.integers(0, 2**32 - 1), levels=st.sampled_from([0, 4, 10]),
       cut=st.floats(0.05, 0.95))
def test_average_link_cuts_the_tree_scipy_builds(n: int, seed: int, levels: int, cut: float) -> None:
    from scipy.cluster.hierarchy import fcluster, linkage

    rng = np.random.default_rng(seed)
    distances = rng.random(n * (n - 1) // 2)
    if levels:  # few distinct values: ties everywhere
        distances = np.round(distances * levels) / levels
    mine = average_link(distances, n, cut)
    theirs = fcluster(linkage(distances, method="average"), t=cut, criterion="distance")
    assert len(set(zip(mine.tolist(), theirs.tolist(), strict=True))) == len(set(mine.tolist())) == len(set(theirs))


def test_cosine_distances_are_pdists() -> None:
    from scipy.spatial.distance import pdist

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(30, 8)).astype(np.float32)
    assert np.allclose(cosine_distances(vectors), pdist(vectors.astype(np.float64), metric="cosine"), atol=1e-12)
