"""A feed's validator (ETag / Last-Modified, a local file's hash) reaches the store only after its entries do: a
run that dies between fetching and storing must not leave a validator that makes the next run skip the feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar, cast

import pytest

from briefing.config import load_config
from briefing.embed import Encoder
from briefing.pipeline import Pipeline
from briefing.store import store_for

from .helpers import QuietHandler, loopback_server

NOW = datetime(2026, 11, 27, 6, 30, tzinfo=UTC)
ETAG = '"v1"'
LAST_MODIFIED = "Thu, 26 Nov 2026 10:00:00 GMT"
TITLES = ("Harbour bridge reopens after repairs", "River flood warning lifted", "Court rules on border deal")


def feed_xml(host: str) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>https://{host}.example.com/{n}</link><guid>{host}-{n}</guid>"
        f"<pubDate>Thu, 26 Nov 2026 0{n}:00:00 GMT</pubDate><description>{title}, the story.</description></item>"
        for n, title in enumerate(TITLES, start=1))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{host}</title>'
            f"<link>https://{host}.example.com/</link>{items}</channel></rss>").encode()


class _Conditional(QuietHandler):
    """One feed that answers 304 to its validator; the requests' If-None-Match headers are kept."""

    sent: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        type(self).sent.append(self.headers.get("If-None-Match"))
        if self.headers.get("If-None-Match") == ETAG or self.headers.get("If-Modified-Since") == LAST_MODIFIED:
            self.send_response(304)
            self.send_header("ETag", ETAG)
            self.end_headers()
            return
        body = feed_xml("http")
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", ETAG)
        self.send_header("Last-Modified", LAST_MODIFIED)
        self.end_headers()
        self.wfile.write(body)


def pipeline_for(tmp_path: Path, feed_url: str) -> Pipeline:
    (tmp_path / "briefing.toml").write_text(
        f'[output]\ndir = "out"\n\n[store]\npath = "state/briefing.db"\n\n[[feeds]]\nurl = "{feed_url}"\n'
        f'name = "Feed"\n', encoding="utf-8")
    config = load_config(tmp_path / "briefing.toml")
    config = config.model_copy(update={"fetch": config.fetch.model_copy(update={"retries": 0})})
    # Fetching loads no model: a stand-in encoder keeps the test offline and quick.
    return Pipeline(config, store=store_for(config), encoder=cast(Encoder, object()))


def crash_then_rerun(tmp_path: Path, feed_url: str, monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    """Fetch with storing entries failing (the process dying there), then fetch again normally."""
    first = pipeline_for(tmp_path, feed_url)
    store_type = type(first.store)

    def dies(self: object, entries: object, seen_at: datetime) -> object:
        raise KeyboardInterrupt  # killed while the feed's entries were being stored

    with monkeypatch.context() as patched:
        patched.setattr(store_type, "upsert_entries", dies)
        with pytest.raises(KeyboardInterrupt):
            first.fetch(NOW)
    first.store.close()
    again = pipeline_for(tmp_path, feed_url)
    again.fetch(NOW + timedelta(hours=1))
    return again


def assert_all_stored(pipeline: Pipeline, feed_url: str) -> None:
    try:
        listed = pipeline.store.articles_between(NOW - timedelta(days=2), NOW + timedelta(days=1))
        assert sorted(a.title for a in listed) == sorted(TITLES)
        assert all(s.feed_url == feed_url for a in listed for s in a.sources)
        [row] = pipeline.store.feed_report()
        assert row["last_status"] == "ok" and row["etag"] and row["entries"] == len(TITLES)
        # And now the validator is kept, a third run is told "not modified" and still lists every item.
        results, _ = pipeline.fetch(NOW + timedelta(hours=2))
        assert [r.not_modified for r in results] == [True]
        assert len(pipeline.store.articles_between(NOW - timedelta(days=2), NOW + timedelta(days=1))) == len(TITLES)
    finally:
        pipeline.store.close()


def test_http_feed_whose_entries_were_not_stored_is_fetched_in_full_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _Conditional.sent = []
    with loopback_server(_Conditional) as base:
        url = f"{base}/feed.xml"
        pipeline = crash_then_rerun(tmp_path, url, monkeypatch)
        assert _Conditional.sent[:2] == [None, None]  # the rerun sent no validator: it got the feed, not a 304
        assert_all_stored(pipeline, url)
        assert _Conditional.sent[2] == ETAG


def test_local_feed_whose_entries_were_not_stored_is_parsed_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "local.xml"
    path.write_bytes(feed_xml("local"))
    pipeline = crash_then_rerun(tmp_path, str(path), monkeypatch)
    assert_all_stored(pipeline, str(path))


def test_a_store_error_on_the_entries_records_the_feed_failed_without_a_validator(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from briefing.errors import StoreError

    path = tmp_path / "local.xml"
    path.write_bytes(feed_xml("local"))
    pipeline = pipeline_for(tmp_path, str(path))

    def fails(self: object, entries: object, seen_at: datetime) -> object:
        raise StoreError("disk I/O error")

    try:
        with monkeypatch.context() as patched:
            patched.setattr(type(pipeline.store), "upsert_entries", fails)
            with pytest.raises(StoreError):
                pipeline.fetch(NOW)
        [row] = pipeline.store.feed_report()
        assert row["last_status"] == "error" and "not stored" in row["last_error"]
        assert row["etag"] is None and row["last_modified"] is None
        assert pipeline.store.feed_states()[str(path)] == (None, None)
    finally:
        pipeline.store.close()
    again = pipeline_for(tmp_path, str(path))
    again.fetch(NOW + timedelta(hours=1))
    assert_all_stored(again, str(path))
