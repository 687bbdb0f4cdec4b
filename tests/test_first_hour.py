"""The first hour of a new user: init in a folder, where files land, --version, --date words, history."""

from __future__ import annotations

import os
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefing.cli import _parse_date, app
from briefing.config import load_config, parse_config, starter_config, system_timezone
from briefing.errors import ConfigError

from .test_cli import briefing_cmd

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def lead_backend(path: Path = Path("configs/default.toml")) -> None:
    """The starter config with the model-free summarizer (runs stay fast)."""
    path.write_text(path.read_text().replace('backend = "extractive"', 'backend = "lead"'))


def test_init_in_a_folder_puts_outputs_and_store_in_that_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert "wrote configs/default.toml" in result.output
    assert "briefings go to outputs/, the store to briefing.db" in result.output
    assert "--config" not in result.output  # the default place needs no flag
    config = load_config()
    assert config.output_dir == tmp_path / "outputs"
    assert config.store_path == tmp_path / "briefing.db"
    text = Path("configs/default.toml").read_text()
    assert 'dir = "../outputs"' in text and 'path = "../briefing.db"' in text


def test_init_takes_config_like_every_command_and_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", "--config", "news/mine.toml"])
    assert result.exit_code == 0, result.output
    assert "briefing run --config news/mine.toml" in result.output
    config = load_config(Path("news/mine.toml"))
    assert config.output_dir == tmp_path / "outputs"
    assert Path("news/feeds.example.opml").is_file()
    assert runner.invoke(app, ["init", "--config", "news/mine.toml"]).exit_code == 2


def test_init_far_from_the_folder_writes_absolute_paths(tmp_path: Path) -> None:
    text = starter_config(tmp_path / "a" / "b" / "c" / "config.toml", home=tmp_path / "home", timezone="UTC")
    config = parse_config(__import__("tomllib").loads(text), source=tmp_path / "a" / "b" / "c" / "config.toml")
    assert config.output_dir == tmp_path / "home" / "outputs"
    assert f'dir = "{(tmp_path / "home" / "outputs").as_posix()}"' in text


def test_init_takes_the_system_timezone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    assert system_timezone() == "Europe/Berlin"
    runner.invoke(app, ["init"])
    assert load_config().briefing.timezone == "Europe/Berlin"
    monkeypatch.setenv("TZ", "not/a zone")
    assert system_timezone() != "not/a zone"


def test_user_level_config_is_used_from_any_folder(tmp_path: Path) -> None:
    xdg = Path(os.environ["XDG_CONFIG_HOME"])
    assert runner.invoke(app, ["init", "--config", str(xdg / "briefing" / "config.toml")]).exit_code == 0
    (tmp_path / "elsewhere").mkdir()
    os.chdir(tmp_path / "elsewhere")
    listed = runner.invoke(app, ["feeds", "list"])
    assert listed.exit_code == 0, listed.output
    assert "no feeds configured" in listed.output


def test_run_prints_paths_without_dot_dot(tmp_path: Path) -> None:
    runner.invoke(app, ["init"])
    lead_backend()
    result = briefing_cmd("run", "--date", "2026-11-26", "--no-fetch", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "outputs/2026-11-26.md" in result.stdout.splitlines()
    assert ".." not in result.stdout
    assert (tmp_path / "outputs" / "2026-11-26.md").is_file()
    assert (tmp_path / "briefing.db").is_file()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("briefing ")


@pytest.mark.parametrize(
    ("text", "offset"), [("today", 0), ("yesterday", -1), ("-1", -1), ("0", 0), ("-7", -7), ("Yesterday", -1)])
def test_date_words_and_offsets(text: str, offset: int) -> None:
    config = parse_config({"briefing": {"timezone": "UTC"}})
    from briefing.pipeline import today

    assert _parse_date(text, config) == today(config) + timedelta(days=offset)


def test_dates_without_leading_zeros() -> None:
    assert _parse_date("2025-6-2") == date(2025, 6, 2)
    assert _parse_date("2025-06-02") == date(2025, 6, 2)
    for bad in ("2025-13-01", "2025-02-30", "26/11/2026", "next week", ""):
        with pytest.raises(ConfigError, match="--date: expected YYYY-MM-DD, today, yesterday or -N"):
            _parse_date(bad)


def test_history_lists_runs_by_when_they_ran(tmp_path: Path) -> None:
    runner.invoke(app, ["init"])
    lead_backend()
    assert briefing_cmd("run", "--no-fetch", cwd=tmp_path).returncode == 0
    assert briefing_cmd("run", "--date", "2020-1-5", "--no-fetch", cwd=tmp_path).returncode == 0
    result = runner.invoke(app, ["history", "--days", "3"])
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()[1:]
    assert len(rows) == 2
    assert "2020-01-05" in rows[0]  # the latest run, though it briefed a past date
    with sqlite3.connect(tmp_path / "briefing.db") as db:
        db.execute("UPDATE runs SET started = '2001-01-01T00:00:00+00:00'")
    assert "no runs in the last 3 days" in runner.invoke(app, ["history", "--days", "3"]).output


def test_date_offset_passes_the_command_line(tmp_path: Path) -> None:
    runner.invoke(app, ["init"])
    lead_backend()
    result = briefing_cmd("run", "--date", "-1", "--no-fetch", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    from briefing.pipeline import today

    day = today(load_config(tmp_path / "configs" / "default.toml")) - timedelta(days=1)
    assert result.stdout.startswith(f"{day.isoformat()}: 0 stories")
    assert f"outputs/{day.isoformat()}.md" in result.stdout.splitlines()
