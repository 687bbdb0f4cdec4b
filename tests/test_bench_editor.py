"""The editor bench: blind sheets, sampled days, and NDCG of a briefing's order against graded items."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest

from bench import editor
from bench.__main__ import main

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
{items}
</channel></rss>"""


def _item(link: str, title: str, text: str) -> str:
    return f"<item><title>{title}</title><link>{link}</link><description>{text}</description></item>"


def _story(rank: int, title: str, links: list[str], published: str, status: str = "new",
           publishers: list[str] | None = None) -> dict:
    return {"rank": rank, "title": title, "status": status, "kind": "news",
            "sources": [{"outlet": "wsj_world", "publisher": (publishers or ["wsj.com"] * len(links))[i],
                         "title": title, "url": link, "published": published} for i, link in enumerate(links)]}


def _season(tmp_path: Path) -> tuple[Path, Path]:
    """A data folder with snapshots for 2025-05-01..03 and briefings for 05-01 and 05-02."""
    data, out = tmp_path / "data", tmp_path / "out"
    rows = []
    for day, links in (("2025-05-01", ["a", "b"]), ("2025-05-02", ["c", "d", "e"]), ("2025-05-03", ["f"])):
        folder = data / "daily" / day / "output"
        folder.mkdir(parents=True)
        items = "".join(_item(f"https://x/{link}", f"Title {link}", f"About {link}") for link in links)
        (folder / "wsj_world.xml.gz").write_bytes(gzip.compress(FEED.format(items=items).encode()))
        rows.append({"date": day, "path": f"{day}/output/wsj_world.xml.gz", "commit_time": f"{day}T23:00:00Z"})
    (data / "daily" / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    out.mkdir()
    briefings = {
        "2025-05-01": [_story(1, "Title b", ["https://x/b"], "2025-05-01T10:00:00+00:00"),
                       _story(2, "Title a", ["https://x/a"], "2025-05-01T09:00:00+00:00")],
        "2025-05-02": [_story(1, "Title e", ["https://x/e"], "2025-05-02T08:00:00+00:00"),
                       _story(2, "Title d", ["https://x/d"], "2025-05-02T09:00:00+00:00"),
                       _story(3, "Title c", ["https://x/c", "https://y/c"], "2025-05-02T07:00:00+00:00",
                              publishers=["wsj.com", "ft.com"])],
    }
    for day, stories in briefings.items():
        (out / f"{day}.json").write_text(json.dumps({"date": day, "stories": stories}))
    return data, out


def test_days_are_drawn_once_and_split_in_halves() -> None:
    pool = [date(2025, 4, d) for d in range(1, 31)]
    first, again = editor.sampled_days(pool, count=10), editor.sampled_days(pool, count=10)
    assert first == again
    assert min(first) >= editor.FIRST_DAY
    assert sorted(first.values()).count("tune") == 5 and sorted(first.values()).count("test") == 5


def test_ndcg_is_one_for_the_ideal_order_and_none_without_gains() -> None:
    assert editor.ndcg([7.0, 3.0, 1.0, 0.0]) == pytest.approx(1.0)
    assert editor.ndcg([0.0, 1.0, 3.0, 7.0]) < 0.6
    assert editor.ndcg([0.0, 0.0]) is None


def test_a_story_takes_the_best_grade_of_its_items() -> None:
    story = _story(1, "t", ["https://x/1", "https://x/2", "https://x/3"], "2025-05-01T00:00:00+00:00")
    assert editor.story_grade(story, {"https://x/1": 1, "https://x/2": 3}) == 3
    assert editor.story_grade(story, {}) is None


def test_baselines_order_by_feed_place_time_and_publishers(tmp_path: Path) -> None:
    data, out = _season(tmp_path)
    briefing = json.loads((out / "2025-05-02.json").read_text())
    places = editor.feed_places(editor.snapshots(data), date(2025, 5, 2))
    assert places["https://x/c"] == 0 and places["https://x/e"] == 2  # the next day's snapshot first, then the day's
    orders = editor.orders(briefing["stories"], places)
    assert orders["briefing"] == [0, 1, 2]
    assert orders["feed order"] == [2, 1, 0]
    assert orders["newest first"] == [1, 0, 2]
    assert orders["publishers, newest"] == [2, 1, 0]


def test_sheets_hide_the_ranking_and_scoring_reads_the_grades(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    data, out = _season(tmp_path)
    monkeypatch.setattr(editor, "FIRST_DAY", date(2025, 5, 1))
    sheets = tmp_path / "sheets"
    assert main(["editor", "--data", str(data), "--briefings", str(out), "--sheets", str(sheets)]) == 0
    ids = [json.loads(line) for line in (sheets / "ids.jsonl").read_text().splitlines()]
    assert {row["link"] for row in ids} == {f"https://x/{k}" for k in "abcde"} | {"https://y/c"}
    text = (sheets / "d02_2025-05-02.txt").read_text()
    assert "About e" in text and "[2025-05-01] Title b" in text
    assert "rank" not in text and "new" not in text.split("Items to grade:")[1]
    grades = {"https://x/a": 3, "https://x/b": 0, "https://x/c": 1, "https://x/d": 2, "https://x/e": 0}
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps(row | {"grade": grades.get(row["link"], 0)}) + "\n" for row in ids))
    result = editor.score(out, labels, data)
    day1, day2 = result["per_day"]["2025-05-01"], result["per_day"]["2025-05-02"]
    assert day1["briefing"] == pytest.approx(1 / 1.5849625, rel=1e-6)  # the 3 at place 2 of 2
    assert day2["briefing"] == pytest.approx((3 / 1.5849625 + 1 / 2) / (3 + 1 / 1.5849625))
    assert day2["missed"] == []
    plotted = tmp_path / "ndcg.png"
    assert main(["editor", "--data", str(data), "--briefings", str(out), "--labels", str(labels),
                 "--out", str(tmp_path / "res"), "--plot", str(plotted), "--compare", str(out)]) == 0
    assert "briefing" in capsys.readouterr().out
    assert plotted.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # More days to fit on: only those the labels do not grade yet.
    labels.write_text("".join(json.dumps(row | {"grade": 1}) + "\n" for row in ids if row["day"] == "2025-05-01"))
    rest = tmp_path / "rest"
    assert main(["editor", "--data", str(data), "--briefings", str(out), "--sheets", str(rest), "--labels",
                 str(labels), "--ungraded"]) == 0
    assert sorted(p.name for p in rest.glob("*.txt")) == ["r01_2025-05-02.txt"]


def test_without_briefings_or_labels_it_says_what_to_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["editor", "--data", str(tmp_path)]) == 2
    assert "--briefings" in capsys.readouterr().out
    assert main(["editor", "--data", str(tmp_path), "--briefings", str(tmp_path),
                 "--labels", str(tmp_path / "none.jsonl")]) == 2
    assert "no graded items" in capsys.readouterr().out
