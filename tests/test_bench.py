"""The benchmark harness on tiny slices of the evaluation data (full runs are commands in docs/BENCHMARKS.md)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.__main__ import main
from bench.common import table
from bench.novelty import _ranker_scores, bcubed, max_similarity_dense, max_similarity_tfidf, precision_at

REPO = Path(__file__).resolve().parents[1]


def _unit(value: Any) -> bool:
    return isinstance(value, int | float) and not math.isnan(value) and 0.0 <= value <= 1.0


def _run(task: str, out: Path, *args: str, data: Path) -> dict[str, Any]:
    assert main([task, "--data", str(data), "--out", str(out), *args]) == 0
    document = json.loads((out / f"{task}.json").read_text())
    assert document["task"] == task
    assert document["command"].startswith(f"python -m bench {task}")
    assert document["machine"]["cores"] >= 1
    return document


# --- pure helpers: no data needed ------------------------------------------------------------------


def test_bcubed_perfect_split_and_merged() -> None:
    gold = ["a", "a", "b", "c"]
    assert bcubed([1, 1, 2, 3], gold) == (1.0, 1.0, 1.0)
    precision, recall, f1 = bcubed([0, 0, 0, 0], gold)  # one big cluster
    assert recall == 1.0 and precision == pytest.approx((0.5 + 0.5 + 0.25 + 0.25) / 4)
    precision, recall, _ = bcubed([0, 1, 2, 3], gold)  # all singletons
    assert precision == 1.0 and recall == pytest.approx((0.5 + 0.5 + 1 + 1) / 4)
    assert 0 < f1 < 1


def test_max_similarity_looks_only_backwards() -> None:
    today = np.eye(3, dtype=np.float32)[[0, 0, 1]]  # items 0 and 1 identical, item 2 new
    history = np.eye(3, dtype=np.float32)[[2]]
    best = max_similarity_dense(today, history)
    assert best.tolist() == [0.0, 1.0, 0.0]  # item 0 has nothing earlier like it; item 1 repeats item 0
    assert max_similarity_dense(today, np.eye(3, dtype=np.float32)[[1]]).tolist() == [0.0, 1.0, 1.0]
    tfidf = max_similarity_tfidf(["storm hits coast", "storm hits coast", "bank raises rates"], ["election"])
    assert tfidf[0] == 0.0 and tfidf[1] == pytest.approx(1.0) and tfidf[2] == 0.0


def test_first_report_of_each_story_carries_its_score() -> None:
    from datetime import UTC, datetime, timedelta

    from briefing.cluster import cluster_articles
    from briefing.config import RankConfig

    from .helpers import article

    noon = datetime(2014, 3, 24, 12, tzinfo=UTC)
    arts = [article(1, "Storm hits coast", when=noon + timedelta(hours=1), outlet="A"),
            article(2, "Storm batters coast", when=noon, outlet="B"),
            article(3, "Bank raises rates", when=noon + timedelta(hours=2), outlet="C")]
    vecs = np.array([[1, 0.1, 0], [1, 0.12, 0], [0, 1, 0]], dtype=np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    stories = cluster_articles(arts, vecs, 0.9)
    novelty, score = _ranker_scores(stories, [], noon, RankConfig(), "toy-3d")  # no shipped prior for it
    # Article 2 came out first: it carries the storm story's score, article 1 is a follow-up below every first.
    assert min(score[2], score[3]) > score[1]
    assert min(novelty[2], novelty[3]) > novelty[1]
    assert novelty[2] == novelty[3] == 1.0  # no history: both stories are new


def test_precision_at_breaks_ties_at_random_not_by_order() -> None:
    labels = np.array([True] + [False] * 99)
    scores = np.ones(100)
    hits = [precision_at(scores, labels, 1, np.random.default_rng(seed)) for seed in range(50)]
    assert 0 < sum(hits) < 50  # not always the first item
    assert precision_at(scores, labels, 1000, np.random.default_rng(0)) is None


def test_table_aligns_numbers_right() -> None:
    text = table(["name", "score"], [["a", 1.5], ["long name", 10.25]])
    lines = text.splitlines()
    assert lines[0].startswith("name") and lines[2].endswith(" 1.50") and lines[3].endswith("10.25")
    assert len({len(line) for line in lines}) == 1


@pytest.mark.parametrize("task", ["summaries", "novelty", "throughput", "feeds", "season", "briefs", "terms"])
def test_missing_data_exits_2_with_one_line(task: str, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "bench", task, "--data", str(tmp_path / "absent"),
                           "--out", str(tmp_path / "out")],
                          cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout.strip().count("\n") == 0
    assert "not found" in proc.stdout and str(tmp_path / "absent") in proc.stdout
    assert not (tmp_path / "out").exists()


# --- tiny slices of the real data -------------------------------------------------------------------


def test_summaries_ten_articles(shared_data: Path, tmp_path: Path) -> None:
    systems = ["lead3", "lead", "extractive", "lexrank"]
    doc = _run("summaries", tmp_path, "--limit", "10", "--systems", ",".join(systems), data=shared_data)
    assert doc["articles"] == 10 and doc["split"] == "all" and len(doc["article_ids"]) == 10
    assert list(doc["systems"]) == systems
    for name in systems:
        entry = doc["systems"][name]
        assert entry["status"] == "ok", entry["status"]
        for metric in ("rouge1", "rouge2", "rougeLsum"):
            assert 0.0 < entry[metric] <= 100.0
        assert entry["rouge1"] >= entry["rouge2"]
        assert entry["seconds_per_1000"] >= 0.0
        assert 1 <= entry["mean_summary_sentences"] <= 3
    assert doc["systems"]["lead3"]["delta_vs_lead3"] is None
    delta = doc["systems"]["extractive"]["delta_vs_lead3"]["rouge1"]
    assert delta["ci95_low"] <= delta["mean"] <= delta["ci95_high"]
    assert doc["lead3_check"]["full_split"] is False and doc["lead3_check"]["passed"] is None


def test_summaries_split_is_by_row_index(shared_data: Path, tmp_path: Path) -> None:
    train = _run("summaries", tmp_path, "--limit", "3", "--systems", "lead3", "--split", "train", data=shared_data)
    assert train["split"] == "train" and train["first_index"] == 0 and train["last_index"] == 10
    dev = _run("summaries", tmp_path, "--limit", "4", "--systems", "lead3", "--split", "dev", data=shared_data)
    assert dev["first_index"] == 1 and dev["last_index"] == 4


def test_novelty_one_capped_day(shared_data: Path, tmp_path: Path) -> None:
    doc = _run("novelty", tmp_path, "--start-day", "2014-03-11", "--days", "1", "--max-items-per-day", "300",
               "--history-days", "1", data=shared_data)
    assert doc["days"] == 1 and doc["items"] == 300 and doc["history_days"] == 1
    assert 0 < doc["positives"] < 300
    assert doc["per_day"][0]["history_items"] == 300  # the capped previous day
    assert set(doc["methods"]) == {"embedding", "ranker", "ranker_score", "tfidf"}
    for entry in doc["methods"].values():
        assert _unit(entry["average_precision"]) and _unit(entry["p_at_10"]) and _unit(entry["p_at_100"])
        assert entry["p_at_1000"] is None  # fewer items than k
        curve = entry["pr_curve"]
        assert len(curve["recall"]) == len(curve["precision"]) > 1
        assert all(_unit(x) for x in curve["recall"] + curve["precision"])
    for key in ("macro_precision", "macro_recall", "macro_f1", "micro_f1"):
        assert _unit(doc["clustering"][key])
    assert (tmp_path / "novelty_pr.png").stat().st_size > 1000


def test_season_replays_real_days_without_repeating_anything(shared_data: Path, tmp_path: Path) -> None:
    doc = _run("season", tmp_path, "--days", "3", "--backend", "lead", data=shared_data)
    days = [d["day"] for d in doc["per_day"]]
    assert days == ["2025-04-18", "2025-04-19", "2025-04-20"]  # each built on the next day's snapshot
    assert doc["totals"]["shown_again"] == 0
    first, second = doc["per_day"][0], doc["per_day"][1]
    assert first["articles"] > 0 and first["stories"] > 0 and first["failed_feeds"] == []
    # Day two's feeds still carry day one's items: they are history now, not today's news.
    assert second["fetched"]["new"] < second["fetched"]["entries"]
    assert second["new"] + second["development"] + second["update"] + second["repeat"] == second["listed"]
    assert all(line.split(":", 1)[0] in {"new", "development", "update", "repeat"} for line in second["top"])
    assert doc["totals"]["double_counted"] == 0  # WSJ World and WSJ Economy are one publisher
    for day in doc["per_day"]:
        assert day["same_outlet"] == len(day["same_outlet_stories"]) <= day["listed"]
        assert day["opinion_top10"] == len(day["opinion_top10_stories"]) <= 10
        assert day["double_counted"] == len(day["double_counted_stories"]) == 0
        assert all(" | " in titles for titles in day["same_outlet_stories"])  # two articles or more each
    # Every article that arrived as news is in exactly one briefing, and every day comes back byte for byte.
    once = doc["exactly_once"]
    assert once["arrived"] > 50
    assert (once["missed"], once["listed_twice"], once["cut"]) == (0, 0, 0)
    assert once["listed_once"] + once["returned_updated"] == once["arrived"]
    assert once["regenerated"] == once["regenerated_identical"] == 3
    assert once["revisions"] >= once["items"] and once["copies"] >= once["sources"]


def test_one_outlet_twice_looks_at_each_article_once() -> None:
    from bench.season import _one_outlet_twice

    from .helpers import article

    assert _one_outlet_twice([article(1, "a", outlet="WSJ"), article(2, "b", outlet="WSJ")])
    assert not _one_outlet_twice([article(1, "a", outlet="WSJ"), article(2, "b", outlet="FT")])
    assert not _one_outlet_twice([])


def test_double_counted_catches_two_sections_counted_as_two_sources() -> None:
    from dataclasses import replace

    from bench.season import _double_counted
    from briefing.models import Source, Story

    from .helpers import article

    url = "https://archive.is/newest/https://www.wsj.com/world/ukraines-stunning-assault-094f8c1c"
    piece = article(1, "Ukraine’s Stunning Assault", url=url)
    when = piece.published
    # Before publishers: each feed's copy counted as its own source (publisher = feed name).
    by_feed = (Source("wsj_world", piece.title, url, when, "wsj_world.xml"),
               Source("wsj_econ", piece.title, url, when, "wsj_econ.xml"))
    assert _double_counted(Story(articles=(replace(piece, sources=by_feed),), lead=piece, vector=(1.0,)))
    by_publisher = tuple(replace(source, publisher="wsj.com") for source in by_feed)
    fixed = replace(piece, sources=by_publisher)
    assert not _double_counted(Story(articles=(fixed,), lead=fixed, vector=(1.0,)))


def test_feeds_slice_never_crashes(shared_data: Path, tmp_path: Path) -> None:
    doc = _run("feeds", tmp_path, "--limit", "10", data=shared_data)
    assert doc["groups"] == ["feeds", "daily", "daily_extra"]
    assert doc["files"] == 23  # 10 + 10 + the 3 daily_extra files
    assert doc["counts"]["crashed"] == 0 and doc["crashes"] == []
    assert sum(doc["counts"].values()) == doc["files"]
    assert doc["counts"]["ok"] >= 13  # the daily snapshots are clean feeds
    for row in doc["files_detail"]:
        if row["bucket"] == "rejected":
            assert "\n" not in row["message"] and row["message"]


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("BENCH_SLOW"), reason="two model-loading processes: set BENCH_SLOW=1")
def test_throughput_twenty_articles(shared_data: Path, tmp_path: Path) -> None:
    doc = _run("throughput", tmp_path, "--sizes", "20", data=shared_data)
    (result,) = doc["results"]
    assert result["articles"] == 20 and result["feeds"] == 1
    cold, cached = result["cold"], result["cached"]
    assert cold["articles"] == cached["articles"] == 20
    assert cold["model_loaded"] and cold["summarize_articles_per_s"] > 0
    assert not cached["model_loaded"]  # summaries and vectors came from the store
    assert cold["peak_rss_mb"] > 0 and cached["run_s"] > 0
    assert (tmp_path / "throughput.png").stat().st_size > 1000


def test_briefs_table_is_one_line_per_story_with_pipes_escaped() -> None:
    from bench.briefs import Row, markdown_table

    rows = [
        Row(day="2025-06-02", status="new", title="Oil | gas prices rise", outlets=["FT", "WSJ"],
            extractive="Oil rose.\nGas rose too.", written="Oil rose 5%. Gas fell.", shown="Oil rose 5%.",
            backend="instruct", dropped=[{"sentence": "Gas fell.", "reason": "negation", "detail": "x"}],
            reason="1 of 2 sentences dropped"),
        Row(day="2025-06-02", status="update", title="Rates", outlets=["FT"], extractive="Rates held.",
            written="It is.", shown="Rates held.", backend="extractive", dropped=[],
            reason="0 of 1 sentences dropped; 2 words left (under 12): extractive summary used"),
    ]
    lines = markdown_table(rows).splitlines()
    assert len(lines) == 4 and lines[1].startswith("|---|")
    assert all(line.startswith("| ") and line.endswith(" |") for line in (lines[0], *lines[2:]))
    assert lines[2].count(" | ") == 6  # seven cells: the pipe in the headline is escaped
    assert "Oil \\| gas prices rise (FT, WSJ)" in lines[2] and "Oil rose. Gas rose too." in lines[2]
    assert "[negation] Gas fell. (x)" in lines[2]
    assert "**fell back to extractive**: 0 of 1 sentences dropped" in lines[3]


def test_briefs_on_real_days_with_a_tiny_model(shared_data: Path, tmp_path: Path) -> None:
    from .test_instruct import tiny_llama

    model = tiny_llama(tmp_path / "llama")
    doc = _run("briefs", tmp_path / "out", "--start-day", "2025-06-02", "--warmup", "1", "--stories", "3",
               "--per-day", "3", "--model", str(model), data=shared_data)
    assert doc["stories"] == 3 and len(doc["rows"]) == 3
    for row in doc["rows"]:
        assert row["day"] == "2025-06-03" and row["extractive"] and row["written"] is not None
        assert row["backend"] in {"instruct", "extractive"}
        if row["backend"] == "instruct":
            assert row["shown"] != row["extractive"]
    table = (tmp_path / "out" / "briefs.md").read_text(encoding="utf-8")
    assert table.count("\n| ") == 3 and table.startswith("| # |")  # the header, its rule and three stories


@given(st.text())
def test_a_briefs_table_cell_is_one_line_whatever_the_text(text: str) -> None:
    from bench.briefs import _cell

    cell = _cell(text, limit=50)
    assert "\n" not in cell and "\r" not in cell and len(cell) <= 50
    assert "|" not in cell.replace("\\|", "")


def test_instruct_texts_of_another_run_must_match_the_articles(shared_data: Path, tmp_path: Path) -> None:
    earlier = tmp_path / "instruct.json"
    earlier.write_text(json.dumps({"examples": [{"model": "A brief."}] * 3}), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "bench", "instruct", "--data", str(shared_data), "--articles", "2",
                           "--texts", str(earlier), "--out", str(tmp_path / "out")],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode != 0
    assert f"--texts {earlier}: it has 3 briefs for 2 articles; pass --articles 3" in proc.stderr
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "bench", "instruct", "--data", str(shared_data), "--articles", "2",
                           "--texts", str(tmp_path / "bad.json"), "--out", str(tmp_path / "out")],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode != 0 and "not an instruct.json with examples" in proc.stderr


def test_fingerprint_compare_sees_one_changed_bit_and_one_changed_byte(tmp_path: Path) -> None:
    import numpy as np

    from bench.fingerprint import compare

    for name in ("old", "new"):
        folder = tmp_path / name / "demo"
        folder.mkdir(parents=True)
        (folder / "2026-11-26.json").write_text('{"stories": []}\n', encoding="utf-8")
        np.savez(folder / "vectors.npz", **{"k|m": np.array([0.5, 0.25], dtype=np.float32)})
    assert compare(tmp_path / "new", tmp_path / "old", ["demo"]) == []
    changed = np.array([0.5, np.nextafter(np.float32(0.25), np.float32(1))], dtype=np.float32)
    np.savez(tmp_path / "new" / "demo" / "vectors.npz", **{"k|m": changed})
    (tmp_path / "new" / "demo" / "2026-11-26.json").write_text('{"stories": [] }\n', encoding="utf-8")
    problems = compare(tmp_path / "new", tmp_path / "old", ["demo"])
    assert len(problems) == 2
    assert problems[0] == "demo/2026-11-26.json: bytes differ" and problems[1].startswith("demo/vectors k|m")
