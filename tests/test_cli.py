from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import briefing
from briefing.cli import app
from briefing.config import load_config

runner = CliRunner()

COMMANDS = [["run"], ["init"], ["history"], ["schedule"], ["regenerate"], ["feeds"], ["feeds", "list"],
            ["feeds", "add"], ["feeds", "remove"],
            ["feeds", "import-opml"], ["feeds", "export-opml"], ["feeds", "check"], ["search"], ["show"], ["open"],
            ["serve"]]


def briefing_cmd(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from briefing.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
    assert len(result.output.strip().splitlines()) > 3


def test_public_names_are_sorted_and_importable() -> None:
    assert briefing.__all__ == sorted(briefing.__all__)
    for name in briefing.__all__:
        assert getattr(briefing, name) is not None


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = ("import sys, briefing.cli; heavy = ['torch', 'transformers', 'apscheduler', 'feedparser', 'trafilatura']; "
            "print([m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_init_writes_a_valid_commented_config_and_refuses_to_overwrite(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", "configs/default.toml"])
    assert result.exit_code == 0, result.output
    written = Path("configs/default.toml")
    assert written.read_text().startswith("# briefing configuration")
    assert load_config(written).feeds == []
    assert Path("configs/feeds.example.opml").is_file()
    again = runner.invoke(app, ["init", "configs/default.toml"])
    assert again.exit_code == 2
    assert runner.invoke(app, ["init", "configs/default.toml", "--force"]).exit_code == 0


def test_feeds_add_list_export_remove(tmp_path: Path) -> None:
    runner.invoke(app, ["init"])
    added = runner.invoke(app, ["feeds", "add", "https://example.com/a.xml", "--name", "A & B", "--no-check"])
    assert added.exit_code == 0
    again = runner.invoke(app, ["feeds", "add", "https://example.com/a.xml", "--no-check"])
    assert "already configured" in again.output
    listed = runner.invoke(app, ["feeds", "list"]).output
    assert "https://example.com/a.xml" in listed and "never fetched" in listed
    exported = runner.invoke(app, ["feeds", "export-opml"]).output
    assert 'xmlUrl="https://example.com/a.xml"' in exported and "A &amp; B" in exported
    assert runner.invoke(app, ["feeds", "remove", "https://example.com/a.xml"]).exit_code == 0
    assert load_config(Path("configs/default.toml")).feeds == []


def test_import_opml_adds_every_feed(tmp_path: Path) -> None:
    runner.invoke(app, ["init"])
    result = runner.invoke(app, ["feeds", "import-opml", "configs/feeds.example.opml"])
    assert result.exit_code == 0, result.output
    assert "added 3 of 3" in result.output
    assert len(load_config(Path("configs/default.toml")).feeds) == 3


def test_feeds_check_reports_each_feed(tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    good.write_text("<rss version='2.0'><channel><title>T</title><item><title>Hello</title>"
                    "<link>https://example.com/1</link><description>Body text.</description></item></channel></rss>")
    Path("c.toml").write_text(f'[[feeds]]\nurl = "{good}"\n\n[[feeds]]\nurl = "{tmp_path / "none.xml"}"\n')
    result = runner.invoke(app, ["feeds", "check", "--config", "c.toml"])
    assert result.exit_code == 1
    assert "ok   T: 1 items" in result.output
    assert "FAIL" in result.output and "1 ok, 1 failed" in result.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[fetch]\ntimeoutt = 3\n", "fetch.timeoutt: unknown key"),
        ('[fetch]\ntimeout = "fast"\n', "fetch.timeout"),
        ("[[feeds]]\nname = 'x'\n", "feeds.0.url: required key is missing"),
        ("[briefing\n", "invalid TOML"),
    ],
)
def test_bad_config_is_one_line_and_exit_2(tmp_path: Path, content: str, expected: str) -> None:
    (tmp_path / "bad.toml").write_text(content)
    result = briefing_cmd("run", "--config", "bad.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: bad.toml: ")
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_missing_config_file_says_how_to_make_one(tmp_path: Path) -> None:
    result = briefing_cmd("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "configs/default.toml: config file not found, nor " in result.stderr
    assert "xdg-config/briefing/config.toml (create one with `briefing init`, or pass --config FILE)" in result.stderr


def test_bad_date_is_a_usage_error(tmp_path: Path) -> None:
    Path("c.toml").write_text("")
    result = briefing_cmd("run", "--config", "c.toml", "--date", "26/11/2026", cwd=tmp_path)
    assert result.returncode == 2
    assert "--date: expected YYYY-MM-DD, today, yesterday or -N (days back), got '26/11/2026'" in result.stderr


def test_run_with_no_feeds_writes_an_empty_briefing_offline(tmp_path: Path) -> None:
    Path("c.toml").write_text('[summarize]\nbackend = "lead"\n')
    result = briefing_cmd("run", "--config", "c.toml", "--date", "2026-11-26", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2026-11-26: 0 stories from 0 articles" in result.stdout
    assert (tmp_path / "outputs" / "2026-11-26.md").is_file()
    assert "summarize" not in result.stderr or "Traceback" not in result.stderr
