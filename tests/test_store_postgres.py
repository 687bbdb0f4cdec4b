"""The PostgreSQL store: its own migrations, errors in one line, deduplication under any batch, and two
writers at once (a throwaway server on loopback; skipped with the reason where none can start)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing.errors import StoreError
from briefing.models import Entry
from briefing.store import open_store
from briefing.store import postgres as pg_module
from tests.pgserver import PgServer, _free_port
from tests.test_store import _entry, entry, everything, one_version_per_key

SEEN = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def test_a_new_store_gets_the_current_schema_and_reopening_does_not_migrate_again(
        pg_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> None:
    url = pg_server.fresh_url()
    with open_store(url) as db:
        assert db.schema_version() == len(pg_module.MIGRATIONS)
        db.upsert_entries([entry(url="https://a.example/1")], SEEN)
    calls: list[int] = []
    monkeypatch.setattr(pg_module, "MIGRATIONS", tuple(lambda conn, s=s: (calls.append(1), s(conn))
                                                       for s in pg_module.MIGRATIONS))
    with open_store(url) as db:
        assert db.count_items() == 1
    assert calls == []


def test_a_newer_schema_is_refused_in_one_line(pg_server: PgServer) -> None:
    url = pg_server.fresh_url()
    with open_store(url) as db:
        db._db.execute("UPDATE briefing_schema SET version = 99")
    with pytest.raises(StoreError, match=r"newer briefing \(schema 99\)") as caught:
        open_store(url)
    assert "\n" not in str(caught.value)


def test_two_processes_opening_a_new_store_at_once_migrate_it_once(pg_server: PgServer) -> None:
    url = pg_server.fresh_url()
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            with open_store(url) as db:
                db.count_items()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_an_unreachable_server_is_one_line_naming_the_url_and_what_to_check() -> None:
    url = f"postgresql://ann:s3cret@127.0.0.1:{_free_port()}/news"
    with pytest.raises(StoreError) as caught:
        open_store(url)
    message = str(caught.value)
    assert "\n" not in message and "s3cret" not in message
    assert message.startswith(f"postgresql://ann:***@127.0.0.1:{url.split(':')[3].split('/')[0]}/news: cannot connect")
    assert "server is running" in message


@given(st.lists(_entry, max_size=12).filter(one_version_per_key))
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_upserting_a_batch_twice_adds_no_items_and_matches_sqlite(pg_server: PgServer, batch: list[Entry]) -> None:
    with open_store(pg_server.fresh_url()) as db, open_store("sqlite://") as lite:
        first = db.upsert_entries(batch, SEEN)
        assert first == lite.upsert_entries(batch, SEEN)
        count = db.count_items()
        second = db.upsert_entries(batch, SEEN + timedelta(hours=1))
        assert second == lite.upsert_entries(batch, SEEN + timedelta(hours=1))
        assert second.new == 0 and db.count_items() == count
        assert everything(db) == everything(lite)
        assert db.horizon() == lite.horizon()


def test_two_writers_at_once_never_lose_or_double_an_item(pg_server: PgServer) -> None:
    """Two stores on one schema upsert overlapping batches at once: every article once, every copy kept."""
    url = pg_server.fresh_url()
    feeds = ["https://a.example/feed", "https://b.example/feed"]
    batches = {feed: [entry(f"Story {n}", f"Text of story {n}.", feed=feed, url=f"https://news.example/{n}")
                      for n in range(60)] for feed in feeds}
    open_store(url).close()
    errors: list[BaseException] = []
    start = threading.Barrier(len(feeds))

    def write(feed: str) -> None:
        try:
            with open_store(url) as db:
                start.wait()
                for n in range(0, 60, 10):
                    db.upsert_entries(batches[feed][n:n + 10], SEEN)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(feed,)) for feed in feeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with open_store(url) as db:
        articles = everything(db)
        assert db.count_items() == 60
        assert sorted(a.title for a in articles) == sorted(f"Story {n}" for n in range(60))
        assert all(sorted(s.feed_url for s in a.sources) == feeds for a in articles)
        horizon = db.horizon()
        assert (horizon.revision, horizon.copy) == (60, 120)


def test_migration_2_gives_what_was_there_to_the_default_briefing(pg_server: PgServer,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    url = pg_server.fresh_url()
    with monkeypatch.context() as patch:
        patch.setattr(pg_module, "MIGRATIONS", pg_module.MIGRATIONS[:1])
        with open_store(url) as db:
            assert db.schema_version() == 1
            db._db.execute("""INSERT INTO deliveries (date, recipient, status, attempts, sent_at)
                              VALUES ('2026-11-26', 'ann@example.com', 'sent', 1, '2026-11-26T06:00:00+00:00')""")
            db._db.execute("""INSERT INTO runs (date, started, status)
                              VALUES ('2026-11-26', '2026-11-26T06:00:00+00:00', 'ok')""")
    with open_store(url) as db:
        assert db.schema_version() == 2
        assert db.deliveries(date(2026, 11, 26))["ann@example.com"].status == "sent"
        assert db.latest_briefing_date() == date(2026, 11, 26)
    with open_store(url, briefing="other") as other:
        assert (other.deliveries(date(2026, 11, 26)), other.runs()) == ({}, [])


def test_without_server_binaries_the_helper_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import pgserver

    monkeypatch.delenv("BRIEFING_PG_BIN", raising=False)
    monkeypatch.setattr(pgserver.shutil, "which", lambda name: None)
    monkeypatch.setattr(pgserver.glob, "glob", lambda pattern: [])
    with pytest.raises(pgserver.Unavailable, match="install the postgresql package or set BRIEFING_PG_BIN"):
        pgserver.start()
