"""``python -m bench first-events`` on a tiny labelled file: counts, halves, JSON, and missing data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import main
from bench.first_events import half_of

ROWS = [
    # (title, label, sample, kind): old = cue words, new = briefing.firsts
    ("Russia, Ukraine Begin First Direct Peace Talks in Three Years", 1, "cue", "first in years (rare break)"),  # both
    ("Gold hits $3,500 for first time", 0, "cue", "statistic/record"),  # old FP
    ("Entities linked to First Brands file for bankruptcy protection", 0, "cue", "other sense"),  # old FP
    ("Acme announces first quarterly dividend", 0, "cue", "statistic/record"),  # old FP ("announces")
    ("UK regulator approves Pisces private share market", 1, "random", "new market/regime"),  # both miss
    ("Central bank holds rates steady", 0, "random", "routine news"),  # neither
]


def _link(index: int, half: str) -> str:
    """A link that lands in the wanted half (the split is by sha1 of the link)."""
    for attempt in range(100):
        link = f"https://example.com/{index}/{attempt}"
        if half_of(link) == half:
            return link
    raise AssertionError("no link found")


FRESH = [
    # (title, description, label, half, quoted)
    ("Japan Gets Its First Female Leader, a Conservative Who Favors a Stronger Military", "", 1, "heldout", True),
    ("Hedge fund Millennium valued at $14bn in minority stake sale talks",
     "It opens up to external investors for the first time Markets", 0, "heldout", False),  # a prospect
    ("Swiss inflation turns negative for first time in four years", "", 0, "dev", False),  # old FP
    ("Apple opens its first retail stores in India", "", 1, "dev", False),
    ("Britain’s Royals Give Up Their Luxury Train", "", 1, "heldout", False),  # both miss
]


def _write(data: Path) -> Path:
    folder = data / "first_events"
    folder.mkdir(parents=True)
    with (folder / "labels.jsonl").open("w", encoding="utf-8") as file:
        for index, (title, label, sample, kind) in enumerate(ROWS):
            row = {"title": title, "description": "", "link": _link(index, "dev" if index % 2 else "heldout"),
                   "published": "2025-05-16", "source": "ft-home", "label": label, "kind": kind,
                   "note": f"note {index}", "sample": sample}
            file.write(json.dumps(row) + "\n")
    fresh = data / "fresh.jsonl"
    with fresh.open("w", encoding="utf-8") as file:
        for index, (title, description, label, half, quoted) in enumerate(FRESH):
            row = {"title": title, "description": description, "link": _link(100 + index, half), "label": label,
                   "kind": "", "note": "", "sample": "cue", "quoted": quoted}
            file.write(json.dumps(row) + "\n")
    return fresh


def _counts(block: dict[str, Any]) -> tuple[int, int, int, int]:
    return block["tp"], block["fp"], block["fn"], block["tn"]


def test_first_events_counts_halves_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    fresh = _write(data)
    assert main(["first-events", "--data", str(data), "--out", str(out), "--fresh", str(fresh)]) == 0
    printed = capsys.readouterr().out
    assert "6 labelled items, 2 positive" in printed
    assert "dev: 3 items" in printed and "heldout: 3 items" in printed

    document = json.loads((out / "first-events.json").read_text())
    assert document["task"] == "first-events"
    assert document["command"].startswith("python -m bench first-events")
    assert document["split"]["measured_on"] == "fresh heldout" and document["split"]["dev"] == 3
    metrics = document["metrics"]
    assert _counts(metrics["new"]["all"]["all"]) == (1, 0, 1, 4)
    assert _counts(metrics["old"]["all"]["all"]) == (1, 3, 1, 1)
    assert _counts(metrics["new"]["all"]["cue"]) == (1, 0, 0, 3)
    assert _counts(metrics["new"]["all"]["random"]) == (0, 0, 1, 1)
    assert metrics["new"]["all"]["all"]["precision"] == 1.0 and metrics["new"]["all"]["all"]["recall"] == 0.5
    for name in ("old", "new"):  # halves add up to the whole
        for key in ("tp", "fp", "fn", "tn"):
            assert metrics[name]["dev"]["all"][key] + metrics[name]["heldout"]["all"][key] == \
                metrics[name]["all"]["all"][key]
    # pool-weighted: the cue stratum's 4 items stand for 390, the random stratum's 2 for 6,089
    estimate = metrics["new"]["all"]["pool_weighted"]
    assert estimate["precision"] == 1.0
    assert estimate["recall"] == pytest.approx((390 / 4) / (390 / 4 + 6089 / 2))

    # the fresh set: counts per half and by quoted/unquoted; the target is read on its held-out half
    assert document["fresh"]["items"] == 5 and document["fresh"]["positives"] == 3
    fresh_metrics = document["fresh"]["metrics"]
    assert _counts(fresh_metrics["new"]["heldout"]["all"]) == (1, 0, 1, 1)
    assert _counts(fresh_metrics["new"]["dev"]["all"]) == (1, 0, 0, 1)
    assert _counts(fresh_metrics["old"]["dev"]["all"]) == (1, 1, 0, 0)
    assert _counts(fresh_metrics["new"]["all"]["quoted"]) == (1, 0, 0, 0)
    assert _counts(fresh_metrics["new"]["all"]["unquoted"]) == (1, 0, 1, 2)
    assert document["target"]["on"] == "fresh heldout" and document["target"]["met"] is False
    assert "fresh held-out half (cue stratum only): missed (TP 1, FP 0, FN 1" in printed
    # the title-only ablation misses a cue told in the description
    assert _counts(metrics["new-title"]["all"]["all"])[0] == 1
    assert [e["title"] for e in document["errors"]["fresh"]["new"]["false_negatives"]] == [FRESH[4][0]]

    errors = document["errors"]["labels"]
    assert [e["title"] for e in errors["new"]["false_negatives"]] == [ROWS[4][0]]
    assert errors["new"]["false_positives"] == []
    assert {e["title"] for e in errors["old"]["false_positives"]} == {ROWS[1][0], ROWS[2][0], ROWS[3][0]}
    assert ROWS[4][0] in printed and "new market/regime" in printed  # every error is listed


def test_first_events_without_data_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["first-events", "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "out")]) == 2
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("bench first-events: evaluation data folder not found") and "\n" not in printed

    (tmp_path / "empty").mkdir()
    assert main(["first-events", "--data", str(tmp_path / "empty"), "--out", str(tmp_path / "out")]) == 2
    printed = capsys.readouterr().out.strip()
    assert "first_events/labels.jsonl" in printed and "\n" not in printed
    assert not (tmp_path / "out").exists()


def test_first_events_hide_heldout_prints_no_heldout_item(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    fresh = _write(data)
    assert main(["first-events", "--data", str(data), "--out", str(out), "--fresh", str(fresh),
                 "--hide-heldout"]) == 0
    printed = capsys.readouterr().out
    assert "heldout " not in printed.split("halves by")[1].split("\n", 2)[2]  # no held-out row after the header
    # held-out errors are not listed
    assert FRESH[4][0] not in printed and ROWS[2][0] not in printed and ROWS[4][0] not in printed
    assert "target" not in printed
    document = json.loads((out / "first-events.json").read_text())
    assert set(document["fresh"]["metrics"]["new"]) == {"dev"}
