"""Store: schema versioning, deduplication, windows, caches, feed state, runs, pruning."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing.errors import StoreError
from briefing.models import Entry, Feed, FetchResult, Summary
from briefing.store import BriefingStore, Store, content_hash, normalize_url, open_store
from briefing.store import sqlite as store_module

SEEN = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FEED_A = "https://a.example/feed.xml"
FEED_B = "https://b.example/rss"
FEED_C = "https://c.example/atom"


def entry(title: str = "Storm hits coast", text: str = "The storm reached the coast overnight.", *,
          feed: str = FEED_A, outlet: str | None = None, url: str | None = None, guid: str | None = None,
          published: datetime | None = NOON) -> Entry:
    return Entry(feed_url=feed, outlet=outlet or feed.split("/")[2], title=title, url=url, guid=guid, text=text,
                 published=published)


def everything(store: BriefingStore):
    return store.articles_between(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@pytest.fixture
def store(store_url: str) -> Iterator[BriefingStore]:
    """Each test taking ``store`` runs on both stores: SQLite and PostgreSQL."""
    with open_store(store_url) as db:
        yield db


# schema -----------------------------------------------------------------


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        version = db.execute("PRAGMA user_version").fetchone()[0]
    db.close()
    return int(version)


def test_new_file_gets_current_schema_version_and_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "briefing.db"
    with Store(path) as db:
        assert db.count_items() == 0
    assert path.is_file()
    assert user_version(path) == len(store_module.MIGRATIONS) >= 1


def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "briefing.db"
    with Store(path) as db:
        db.upsert_entries([entry(url="https://a.example/1")], SEEN)

    calls: list[int] = []

    def counting(step):
        def wrapped(conn: sqlite3.Connection) -> None:
            calls.append(1)
            step(conn)
        return wrapped

    monkeypatch.setattr(store_module, "MIGRATIONS", tuple(counting(s) for s in store_module.MIGRATIONS))
    with Store(path) as db:
        assert db.count_items() == 1
        assert [a.url for a in everything(db)] == ["https://a.example/1"]
    assert calls == []
    assert user_version(path) == len(store_module.MIGRATIONS)


def test_migration_3_gives_existing_copies_their_keys(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    batch = [entry("Storm", "", feed=FEED_A, guid="1"), entry("Storm", "", feed=FEED_B, url="https://www.example.com/1/")]
    with sqlite3.connect(path) as conn:
        for step in store_module.MIGRATIONS[:2]:
            step(conn)
        conn.execute("PRAGMA user_version = 2")
        conn.execute("""INSERT INTO items (id, norm_url, guid_key, content_hash, title, text, url, published,
                                           first_seen)
                        VALUES (1, NULL, ?, ?, 'Storm', '', NULL, ?, ?)""",
                     (f"{FEED_A}#1", content_hash("Storm", ""), store_module.iso(NOON), store_module.iso(SEEN)))
        conn.executemany("INSERT INTO sources (item_id, feed_url, outlet, title, url) VALUES (1, ?, 'x', 'Storm', ?)",
                         [(FEED_A, None), (FEED_B, "https://www.example.com/1/")])
    conn.close()

    with Store(path) as db:
        query = "SELECT feed_url, norm_url, guid_key, content_hash FROM sources ORDER BY rowid"
        rows = db._db.execute(query).fetchall()
        assert [tuple(r) for r in rows] == [
            (FEED_A, None, f"{FEED_A}#1", content_hash("Storm", "")),
            (FEED_B, "https://example.com/1", f"{FEED_A}#1", content_hash("Storm", "")),
        ]
        stats = db.upsert_entries(batch, SEEN + timedelta(hours=1))
        assert (stats.new, db.count_items()) == (0, 1)
    assert user_version(path) == len(store_module.MIGRATIONS)


def test_migration_5_remembers_what_the_store_held_as_first_revisions_and_copies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "v4.db"
    with monkeypatch.context() as patch:  # a store as the fifth version left it, stripped to the fourth
        patch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:5])
        with Store(path) as db:  # one item in two feeds, one old run
            db.upsert_entries([entry("Storm", "Rain.", feed=FEED_A, url="https://a.example/storm"),
                               entry("Storm", "Rain.", feed=FEED_B, url="https://b.example/storm")], SEEN)
            db._db.execute("INSERT INTO runs (date, started, finished, status) VALUES (?, ?, ?, 'ok')",
                           ("2026-11-26", store_module.iso(SEEN), store_module.iso(SEEN)))
            db._db.commit()
    with sqlite3.connect(path) as conn:
        conn.executescript("""DROP TABLE revisions; DROP TABLE copies; DROP TABLE listings; DROP TABLE pruned_keys;
                              DROP TABLE meta; ALTER TABLE items DROP COLUMN history_only;
                              ALTER TABLE runs DROP COLUMN rule; ALTER TABLE runs DROP COLUMN as_of;
                              ALTER TABLE runs DROP COLUMN max_revision; ALTER TABLE runs DROP COLUMN max_copy;
                              ALTER TABLE deliveries DROP COLUMN message_id;
                              ALTER TABLE deliveries DROP COLUMN sending_since; PRAGMA user_version = 4;""")
    conn.close()

    with Store(path) as db:
        [item] = db.sightings()
        assert item.first_seen == SEEN and not item.history_only
        [article] = db.articles_as_of([item.id], db.horizon())
        assert (article.title, article.text) == ("Storm", "Rain.")
        assert [s.url for s in article.sources] == ["https://a.example/storm", "https://b.example/storm"]
        [record] = db.runs()
        assert (record.rule, record.horizon) == (None, None)  # regenerated as before: by publication, as is
        assert db.listings_before(None, date(2026, 11, 27)) == {}
    assert user_version(path) == len(store_module.MIGRATIONS) == 6


def test_migration_6_gives_what_was_there_to_the_default_briefing(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "v5.db"
    day = date(2026, 11, 26)
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:5])
        with Store(path) as db:
            [item] = db.upsert_entries([entry(url="https://a.example/1")], SEEN).new_ids
            db._db.executescript(f"""
                INSERT INTO runs (id, date, started, finished, status) VALUES (7, '{day}', '{store_module.iso(SEEN)}',
                                                                             '{store_module.iso(SEEN)}', 'ok');
                INSERT INTO listings (item_id, date, run_id, revision_id, status)
                    VALUES ({item}, '{day}', 7, 1, 'listed');
                INSERT INTO deliveries (date, recipient, status, attempts, sent_at, message_id)
                    VALUES ('{day}', 'ann@example.com', 'sent', 1, '{store_module.iso(SEEN)}', '<m@x>');
            """)
    with Store(path) as db:
        assert [r.id for r in db.runs()] == [7] and db.last_briefing_run(day) is not None
        assert db.listings_before(None, day + timedelta(days=1))[item].run_id == 7
        assert db.deliveries(day)["ann@example.com"].message_id == "<m@x>"
    with Store(path, briefing="other") as other:
        assert (other.runs(), other.deliveries(day), other.listings_by_item()) == ([], {}, {})
        assert other.count_items() == 1
    assert user_version(path) == 6


def test_migration_4_keeps_data_and_backfills_publishers_and_kinds(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    wsj = "https://archive.is/newest/https://www.wsj.com/world/ukraines-stunning-assault-094f8c1c"
    opinion = "https://archive.is/newest/https://www.wsj.com/opinion/bondi-bends-on-abrego-garcia-788a79bd"
    with sqlite3.connect(path) as conn:
        for step in store_module.MIGRATIONS[:3]:
            step(conn)
        conn.execute("PRAGMA user_version = 3")
        items = [(1, "Ukraine’s Stunning Assault", "Drones.", wsj), (2, "Opinion | Bondi Bends", "A column.", opinion),
                 (3, "A local note", "Text.", None)]
        conn.executemany(
            """INSERT INTO items (id, norm_url, guid_key, content_hash, title, text, url, published, first_seen)
               VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?)""",
            [(i, normalize_url(u) if u else None, content_hash(t, x), t, x, u, store_module.iso(NOON),
              store_module.iso(SEEN)) for i, t, x, u in items])
        conn.executemany(
            "INSERT INTO sources (item_id, feed_url, outlet, title, url, norm_url) VALUES (?, ?, ?, ?, ?, ?)",
            [(1, "/feeds/wsj_world.xml", "WSJ.com: World News", "Ukraine’s Stunning Assault", wsj, normalize_url(wsj)),
             (1, "/feeds/wsj_econ.xml", "WSJ.com: Economy", "Ukraine’s Stunning Assault", wsj, normalize_url(wsj)),
             (2, "https://feeds.a.dj.com/rss/RSSOpinion.xml", "WSJ Opinion", "Opinion | Bondi Bends", None, None),
             (3, "/feeds/notes.xml", "My notes", "A local note", None, None)])
    conn.close()

    with Store(path) as db:
        assault, bondi, note = everything(db)
        assert [s.publisher for s in assault.sources] == ["wsj.com", "wsj.com"]  # from the unwrapped links
        assert [s.publisher for s in bondi.sources] == ["dj.com"]  # no link: the feed's host
        assert [s.publisher for s in note.sources] == ["My notes"]  # a local file: its name
        assert (assault.kind, bondi.kind, note.kind) == ("news", "opinion", "news")
        assert [(s.outlet, s.title) for s in assault.sources] == [("WSJ.com: World News", "Ukraine’s Stunning Assault"),
                                                                  ("WSJ.com: Economy", "Ukraine’s Stunning Assault")]
        # A refetch of the same copy attaches to the same item and keeps it one.
        stats = db.upsert_entries([entry("Ukraine’s Stunning Assault", "Drones.", feed="/feeds/wsj_world.xml",
                                         outlet="WSJ.com: World News", url=wsj)], SEEN + timedelta(hours=1))
        assert (stats.new, db.count_items()) == (0, 3)
    assert user_version(path) == len(store_module.MIGRATIONS)


def test_publisher_and_kind_are_stored_and_read_back(store: BriefingStore) -> None:
    url = "https://archive.is/newest/https://www.wsj.com/world/x-1"
    store.upsert_entries([
        replace(entry("Ukraine’s Stunning Assault", feed=FEED_A, outlet="WSJ.com: World News", url=url),
                publisher="wsj.com"),
        replace(entry("Ukraine’s Stunning Assault", feed=FEED_B, outlet="WSJ.com: Economy", url=url),
                publisher="wsj.com"),
        replace(entry("Opinion | A column", "It is bad.", feed=FEED_C, url="https://c.example/o/1"), kind="opinion"),
        entry("No publisher given", "Text.", feed="/feeds/x.xml", outlet="Local", url="https://www.bbc.co.uk/n/1"),
    ], SEEN)
    assault, column, local = everything(store)
    assert [(s.outlet, s.publisher) for s in assault.sources] == [("WSJ.com: World News", "wsj.com"),
                                                                  ("WSJ.com: Economy", "wsj.com")]
    assert (assault.kind, column.kind, local.kind) == ("news", "opinion", "news")
    assert local.sources[0].publisher == "bbc.co.uk"  # worked out from the link when the entry had none


def test_kind_follows_the_owning_feed(store: BriefingStore) -> None:
    first = replace(entry("A column", "It is bad.", url="https://a.example/1"), kind="news")
    store.upsert_entries([first], SEEN)
    # Another feed calling it opinion does not relabel it; the owner does, with or without new words.
    store.upsert_entries([replace(first, feed_url=FEED_B, kind="opinion")], SEEN)
    assert everything(store)[0].kind == "news"
    stats = store.upsert_entries([replace(first, kind="opinion")], SEEN)
    assert (stats.updated, everything(store)[0].kind) == (0, "opinion")
    stats = store.upsert_entries([replace(first, text="It is worse.", kind="analysis")], SEEN)
    assert (stats.updated, everything(store)[0].kind) == (1, "analysis")


def test_memory_store_is_migrated_and_private() -> None:
    with Store(":memory:") as one, Store(":memory:") as two:
        one.upsert_entries([entry(url="https://a.example/1")], SEEN)
        assert one.count_items() == 1
        assert two.count_items() == 0


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StoreError, match="newer briefing") as info:
        Store(path)
    assert str(path) in str(info.value)


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not sqlite, just some text that is long enough to have a header" * 10)
    with pytest.raises(StoreError, match="cannot open the store") as info:
        Store(path)
    assert isinstance(info.value.__cause__, sqlite3.Error)


# normalize_url and content_hash ----------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/news/story-1", "https://example.com/news/story-1"),
        ("http://www.Example.COM/news/story-1/", "https://example.com/news/story-1"),
        ("https://example.com/news/story-1?utm_source=rss&utm_medium=feed#comments",
         "https://example.com/news/story-1"),
        ("https://example.com/a?fbclid=x&id=7&UTM_Campaign=y&ref=home", "https://example.com/a?id=7"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("  https://example.com/  ", "https://example.com"),
    ],
)
def test_normalize_url_examples(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_normalize_url_keeps_what_identifies_the_article() -> None:
    assert normalize_url("https://example.com/a?id=1") != normalize_url("https://example.com/a?id=2")
    assert normalize_url("https://example.com/a") != normalize_url("https://example.com/b")
    assert normalize_url("https://example.com/a") != normalize_url("https://example.org/a")


_label = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8).filter(lambda s: s != "www")
_host = st.builds(lambda www, labels, tld, upper: (("www." if www else "") + ".".join([*labels, tld])).upper()
                  if upper else ("www." if www else "") + ".".join([*labels, tld]),
                  st.booleans(), st.lists(_label, min_size=1, max_size=3), st.sampled_from(["com", "org", "de"]),
                  st.booleans())
# What may appear in a link: RFC 3986 characters, percent signs (valid escapes or not) and IRI letters.
_free = st.text(st.sampled_from("abcXYZ019-._~!$&'()*+,;=:@%/äéжß中"), max_size=12)
_query = st.lists(
    st.tuples(st.one_of(st.sampled_from(["utm_source", "fbclid", "id", "ref", "p", "Q"]), _free), _free),
    max_size=4,
).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))
_url = st.builds(
    lambda scheme, host, port, path, query, fragment: (
        f"{scheme}://{host}{f':{port}' if port is not None else ''}/{path}"
        f"{'?' + query if query else ''}{'#' + fragment if fragment else ''}"
    ),
    st.sampled_from(["http", "https", "HTTP"]), _host, st.one_of(st.none(), st.integers(0, 65535)),
    _free, _query, _free,
)


@given(_url)
@settings(max_examples=200)
def test_normalize_url_never_raises_and_is_idempotent(url: str) -> None:
    once = normalize_url(url)
    assert normalize_url(once) == once
    assert once.startswith("https://")


@given(_url)
def test_normalize_url_ignores_tracking_and_fragment(url: str) -> None:
    base = url.split("#")[0]
    joiner = "&" if "?" in base else "?"
    assert normalize_url(f"{base}{joiner}utm_source=newsletter&fbclid=abc#top") == normalize_url(url)


def test_normalize_url_is_idempotent_with_repeated_www() -> None:
    once = normalize_url("https://www.www.example.com/a")
    assert normalize_url(once) == once


def test_normalize_url_is_idempotent_for_ipv6_hosts() -> None:
    once = normalize_url("http://[2001:db8::1]:8080/a")
    assert normalize_url(once) == once


def test_one_link_with_a_bad_port_does_not_sink_the_batch(store: BriefingStore) -> None:
    stats = store.upsert_entries(
        [entry("Good one", "first text", url="https://a.example/good"),
         entry("Bad port", "second text", url="https://a.example:99999/bad")],
        SEEN,
    )
    assert stats.new == 2


_words = st.lists(st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,'", min_size=1,
                          max_size=8), max_size=8)
_space = st.text(" \t\n\r\xa0\u2003", min_size=1, max_size=3)


@given(_words, _words, st.data())
def test_content_hash_ignores_case_and_spacing(title: list[str], text: list[str], data: st.DataObject) -> None:
    def respace(words: list[str]) -> str:
        seps = data.draw(st.lists(_space, min_size=len(words) + 1, max_size=len(words) + 1))
        return seps[0] + "".join(w.swapcase() + s for w, s in zip(words, seps[1:], strict=True))

    assert content_hash(respace(title), respace(text)) == content_hash(" ".join(title), " ".join(text))


@given(st.text(), st.text())
def test_content_hash_ignores_lower_casing_of_any_text(title: str, text: str) -> None:
    assert content_hash(title.lower(), text.lower()) == content_hash(title, text)


def test_content_hash_tells_different_words_apart() -> None:
    assert content_hash("Storm hits coast", "x") != content_hash("Storm hits coast", "y")
    assert content_hash("Storm hits coast", "x") != content_hash("Storm hit coast", "x")


def test_content_hash_folds_case_fully() -> None:
    assert content_hash("Straße gesperrt", "") == content_hash("STRASSE GESPERRT", "")


# dedup -------------------------------------------------------------------------


def test_same_article_in_two_feeds_is_one_item_with_two_sources(store: BriefingStore) -> None:
    first = store.upsert_entries(
        [entry("Storm hits coast", "Report from A.", feed=FEED_A,
               url="https://www.example.com/news/storm/?utm_source=rss&utm_medium=feed#comments")], SEEN)
    second = store.upsert_entries(
        [entry("Storm hits the coast", "Report from B, rewritten.", feed=FEED_B,
               url="http://example.com/news/storm?fbclid=abc123")], SEEN)
    assert (first.new, second.new, second.unchanged) == (1, 0, 1)
    [article] = everything(store)
    assert article.title == "Storm hits coast"
    assert article.url == "https://www.example.com/news/storm/?utm_source=rss&utm_medium=feed#comments"
    assert [(s.feed_url, s.outlet, s.title, s.url) for s in article.sources] == [
        (FEED_A, "a.example", "Storm hits coast",
         "https://www.example.com/news/storm/?utm_source=rss&utm_medium=feed#comments"),
        (FEED_B, "b.example", "Storm hits the coast", "http://example.com/news/storm?fbclid=abc123"),
    ]


def test_different_articles_stay_apart(store: BriefingStore) -> None:
    stats = store.upsert_entries(
        [entry("One", "first", url="https://example.com/1"), entry("Two", "second", url="https://example.com/2")],
        SEEN,
    )
    assert stats.new == 2
    assert store.count_items() == 2


def test_url_like_guid_is_global(store: BriefingStore) -> None:
    guid = "https://example.com/?p=123"
    store.upsert_entries([entry("Title A", "Text A", feed=FEED_A, url="https://a.example/x", guid=guid)], SEEN)
    stats = store.upsert_entries(
        [entry("Title B", "Text B", feed=FEED_B, url="https://mirror.example/y", guid=guid)], SEEN)
    assert stats.new == 0
    [article] = everything(store)
    assert {s.feed_url for s in article.sources} == {FEED_A, FEED_B}


def test_plain_guid_is_scoped_to_its_feed(store: BriefingStore) -> None:
    stats = store.upsert_entries(
        [entry("First post", "Hello from A", feed=FEED_A, guid="1"),
         entry("First post here", "Hello from B", feed=FEED_B, guid="1")],
        SEEN,
    )
    assert stats.new == 2
    articles = everything(store)
    assert sorted(a.title for a in articles) == ["First post", "First post here"]
    assert all(len(a.sources) == 1 for a in articles)


def test_plain_guid_matches_within_its_feed(store: BriefingStore) -> None:
    store.upsert_entries([entry("Post", "Version one", feed=FEED_A, guid="42")], SEEN)
    stats = store.upsert_entries([entry("Post", "Version two", feed=FEED_A, guid="42")], SEEN)
    assert (stats.new, stats.updated) == (0, 1)
    [article] = everything(store)
    assert article.text == "Version two"


def test_same_words_under_different_urls_is_one_item(store: BriefingStore) -> None:
    store.upsert_entries(
        [entry("Storm Hits Coast", "The storm  reached\nthe coast.", feed=FEED_A, url="https://a.example/1")], SEEN)
    stats = store.upsert_entries(
        [entry("storm hits   coast", "THE STORM reached the coast.", feed=FEED_B, url="https://b.example/9")], SEEN)
    assert (stats.new, stats.unchanged) == (0, 1)
    [article] = everything(store)
    assert [s.url for s in article.sources] == ["https://a.example/1", "https://b.example/9"]


def test_owning_feed_updates_text_other_feed_does_not(store: BriefingStore) -> None:
    url = "https://example.com/story"
    store.upsert_entries([entry("Story", "Original text.", feed=FEED_A, url=url)], SEEN)
    [before] = everything(store)

    other = store.upsert_entries([entry("Story", "B's different text.", feed=FEED_B, url=url + "/")], SEEN)
    [unchanged] = everything(store)
    assert (other.updated, other.unchanged) == (0, 1)
    assert unchanged.content_hash == before.content_hash
    assert unchanged.text == "Original text."

    own = store.upsert_entries([entry("Story (updated)", "Corrected text.", feed=FEED_A, url=url)], SEEN)
    [after] = everything(store)
    assert own.updated == 1
    assert after.content_hash == content_hash("Story (updated)", "Corrected text.") != before.content_hash
    assert (after.title, after.text) == ("Story (updated)", "Corrected text.")
    assert len(after.sources) == 2


def test_same_entry_again_is_unchanged(store: BriefingStore) -> None:
    batch = [entry(url="https://example.com/1", guid="g1")]
    store.upsert_entries(batch, SEEN)
    stats = store.upsert_entries(batch, SEEN + timedelta(hours=1))
    assert (stats.new, stats.updated, stats.unchanged) == (0, 0, 1)
    [article] = everything(store)
    assert len(article.sources) == 1


def test_entry_without_date_is_published_when_first_seen(store: BriefingStore) -> None:
    store.upsert_entries([entry(url="https://example.com/undated", published=None)], SEEN)
    [article] = everything(store)
    assert article.published == SEEN
    assert article.sources[0].published is None


def test_dates_are_stored_as_utc(store: BriefingStore) -> None:
    berlin = timezone(timedelta(hours=1))
    store.upsert_entries([entry(url="https://example.com/x", published=datetime(2026, 11, 25, 13, tzinfo=berlin))],
                         SEEN)
    [article] = everything(store)
    assert article.published == NOON
    assert article.published.utcoffset() == timedelta(0)


_feeds = st.sampled_from([FEED_A, FEED_B, FEED_C])
_entry = st.builds(
    Entry,
    feed_url=_feeds,
    outlet=st.sampled_from(["A", "B"]),
    title=st.sampled_from(["Storm", "storm", "Vote", "Court rules"]),
    url=st.sampled_from([None, "https://example.com/1", "http://www.example.com/1/?utm_source=x",
                         "https://example.com/2", "https://other.example/1#frag"]),
    guid=st.sampled_from([None, "1", "2", "https://example.com/?p=1"]),
    text=st.sampled_from(["", "x", "X ", "y", "a longer text"]),
    published=st.sampled_from([None, NOON, NOON - timedelta(days=1)]),
)


def one_version_per_key(batch: list[Entry]) -> bool:
    """No feed carries two different texts under one URL or GUID (the tests below cover when one does)."""
    seen: dict[tuple[str, str], tuple[str, str]] = {}
    for e in batch:
        keys = [("url", normalize_url(e.url)) if e.url else None, ("guid", e.guid) if e.guid else None]
        for key in filter(None, keys):
            if seen.setdefault((e.feed_url, *key), (e.title, e.text)) != (e.title, e.text):
                return False
    return True


@given(st.lists(_entry, max_size=12).filter(one_version_per_key))
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_upserting_a_batch_twice_adds_no_items(batch: list[Entry]) -> None:
    with Store(":memory:") as db:
        first = db.upsert_entries(batch, SEEN)
        count = db.count_items()
        assert first.new == count
        assert first.new + first.updated + first.unchanged == len(batch)
        second = db.upsert_entries(batch, SEEN + timedelta(hours=1))
        assert second.new == 0
        assert db.count_items() == count


def test_refetching_attaches_each_copy_to_one_article(store: BriefingStore) -> None:
    batch = [
        entry("Storm", "", feed=FEED_A),
        entry("Storm", "", feed=FEED_B, url="https://example.com/1"),
        entry("Storm", "Full text.", feed=FEED_C, url="https://example.com/1"),
    ]
    store.upsert_entries(batch, SEEN)
    before = [[s.feed_url for s in a.sources] for a in everything(store)]
    assert before == [[FEED_A, FEED_B], [FEED_C]]
    store.upsert_entries(batch, SEEN + timedelta(hours=1))
    assert [[s.feed_url for s in a.sources] for a in everything(store)] == before


def test_refetching_after_a_guid_update_adds_no_item(store: BriefingStore) -> None:
    batch = [
        entry("Storm", "", feed=FEED_A, guid="1"),
        entry("Storm", "Full text.", feed=FEED_A, guid="1", url="https://example.com/1"),
        entry("Storm", "Full text.", feed=FEED_C),
        entry("Storm", "", feed=FEED_B, url="https://example.com/1"),
    ]
    store.upsert_entries(batch, SEEN)
    assert store.count_items() == 2
    store.upsert_entries(batch, SEEN + timedelta(hours=1))
    assert store.count_items() == 2


# window ------------------------------------------------------------------------


def test_articles_between_is_half_open_oldest_first_with_sources(store: BriefingStore) -> None:
    start = datetime(2026, 11, 25, 6, tzinfo=UTC)
    end = start + timedelta(days=1)
    times = {
        "before": start - timedelta(seconds=1),
        "at-start": start,
        "late": end - timedelta(seconds=1),
        "middle": start + timedelta(hours=6),
        "at-end": end,
    }
    store.upsert_entries(
        [entry(name, f"text {name}", url=f"https://a.example/{name}", published=when) for name, when in times.items()],
        SEEN,
    )
    store.upsert_entries([entry("middle", "other words", feed=FEED_B, url="https://a.example/middle/")], SEEN)

    found = store.articles_between(start, end)
    assert [a.title for a in found] == ["at-start", "middle", "late"]
    assert [s.feed_url for s in found[1].sources] == [FEED_A, FEED_B]
    assert found[0].sources[0].published == start


def test_articles_between_accepts_other_timezones(store: BriefingStore) -> None:
    store.upsert_entries([entry(url="https://a.example/1", published=NOON)], SEEN)
    tokyo = timezone(timedelta(hours=9))
    assert len(store.articles_between(datetime(2026, 11, 25, 21, tzinfo=tokyo),
                                      datetime(2026, 11, 25, 22, tzinfo=tokyo))) == 1
    assert store.articles_between(datetime(2026, 11, 25, 22, tzinfo=tokyo),
                                  datetime(2026, 11, 25, 23, tzinfo=tokyo)) == []


# caches ------------------------------------------------------------------------


def test_summaries_round_trip_per_backend_and_params(store: BriefingStore) -> None:
    one = Summary(content_hash="h1", text="One. Two.", backend="extractive", sentences=("One.", "Two."))
    two = Summary(content_hash="h2", text="Lead.", backend="extractive", sentences=("Lead.",), note="fallback")
    store.save_summaries([one, two], params="n=3", now=SEEN)

    assert store.cached_summaries(["h1", "h2", "missing", "h1"], "extractive", "n=3") == {"h1": one, "h2": two}
    assert store.cached_summaries(["h1"], "extractive", "n=2") == {}
    assert store.cached_summaries(["h1"], "lead", "n=3") == {}

    newer = Summary(content_hash="h1", text="Replaced.", backend="extractive", sentences=("Replaced.",))
    store.save_summaries([newer], params="n=3", now=SEEN)
    assert store.cached_summaries(["h1"], "extractive", "n=3") == {"h1": newer}


def test_vectors_round_trip_exactly_as_float32(store: BriefingStore) -> None:
    rng = np.random.default_rng(7)
    vectors = {"k1": rng.standard_normal(384).astype(np.float32), "k2": np.array([1e-38, -0.0, 3.4e38], np.float32)}
    store.save_vectors(vectors, "model-a")

    found = store.cached_vectors(["k1", "k2", "nope"], "model-a")
    assert found.keys() == {"k1", "k2"}
    for key, vec in vectors.items():
        assert found[key].dtype == np.float32
        assert found[key].tobytes() == vec.tobytes()
    assert store.cached_vectors(["k1"], "model-b") == {}


def test_sqlite_reads_a_days_cached_vectors_in_one_query_and_chunks_where_sqlite_binds_fewer(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    rng = np.random.default_rng(3)
    vectors = {f"k{i}": rng.standard_normal(8).astype(np.float32) for i in range(1200)}
    store.save_vectors(vectors, "m")
    selects: list[str] = []
    store._db.set_trace_callback(lambda sql: selects.append(sql) if sql.lstrip().startswith("SELECT") else None)
    found = store.cached_vectors(list(vectors), "m")
    assert len(selects) == 1 and found.keys() == vectors.keys()
    selects.clear()
    store._db.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 516)  # an old SQLite's kind of limit
    found = store.cached_vectors(list(vectors), "m")
    assert len(selects) == 3  # 500 keys a query
    assert all(found[k].tobytes() == v.tobytes() for k, v in vectors.items())
    store.close()


def test_float64_vectors_are_stored_as_float32(store: BriefingStore) -> None:
    vec = np.array([0.1, 0.2, 0.3])
    store.save_vectors({"k": vec}, "m")
    np.testing.assert_array_equal(store.cached_vectors(["k"], "m")["k"], vec.astype(np.float32))


# feed state --------------------------------------------------------------------


def test_record_fetch_keeps_validators_from_last_good_fetch(store: BriefingStore) -> None:
    feed = Feed(url=FEED_A)
    ok = FetchResult(feed=feed, entries=(entry(), entry("Two", "t")), etag='"v1"', last_modified="Tue, 24 Nov 2026",
                     status_code=200, feed_title="A News")
    store.record_fetch(ok, SEEN)
    assert store.feed_states() == {FEED_A: ('"v1"', "Tue, 24 Nov 2026")}

    store.record_fetch(FetchResult(feed=feed, error="HTTP 503"), SEEN + timedelta(hours=1))
    assert store.feed_states() == {FEED_A: ('"v1"', "Tue, 24 Nov 2026")}
    [row] = store.feed_report()
    assert (row["last_status"], row["last_error"], row["title"]) == ("error", "HTTP 503", "A News")

    store.record_fetch(FetchResult(feed=feed, not_modified=True, status_code=304), SEEN + timedelta(hours=2))
    assert store.feed_states() == {FEED_A: ('"v1"', "Tue, 24 Nov 2026")}
    [row] = store.feed_report()
    assert (row["last_status"], row["last_error"]) == ("not-modified", None)
    assert row["last_fetched"] == (SEEN + timedelta(hours=2)).isoformat()

    store.record_fetch(FetchResult(feed=feed, entries=(entry(),), etag='"v2"', last_modified=None),
                       SEEN + timedelta(hours=3))
    assert store.feed_states() == {FEED_A: ('"v2"', None)}
    [row] = store.feed_report()
    assert (row["last_status"], row["entries"], row["title"]) == ("ok", 1, "A News")


def test_record_fetch_keeps_feeds_apart(store: BriefingStore) -> None:
    store.record_fetch(FetchResult(feed=Feed(FEED_A), etag="a"), SEEN)
    store.record_fetch(FetchResult(feed=Feed(FEED_B), error="timeout", warning=None), SEEN)
    assert store.feed_states() == {FEED_A: ("a", None), FEED_B: (None, None)}
    assert [row["url"] for row in store.feed_report()] == [FEED_A, FEED_B]


# runs --------------------------------------------------------------------------


def test_runs_start_finish_and_history_newest_first(store: BriefingStore) -> None:
    first = store.start_run(date(2026, 11, 24), datetime(2026, 11, 24, 6, tzinfo=UTC))
    second = store.start_run(date(2026, 11, 25), datetime(2026, 11, 25, 6, tzinfo=UTC))
    assert first != second
    store.finish_run(first, datetime(2026, 11, 24, 6, 5, tzinfo=UTC), "ok", {"items": 12, "stories": 4},
                     [{"feed": FEED_B, "reason": "HTTP 404"}])
    store.set_email_status(first, "sent")

    newest, oldest = store.runs()
    assert (newest.id, newest.status, newest.finished, newest.stats, newest.email_status) == (
        second, "running", None, {}, None)
    assert oldest.id == first
    assert oldest.date == date(2026, 11, 24)
    assert oldest.started == datetime(2026, 11, 24, 6, tzinfo=UTC)
    assert oldest.finished == datetime(2026, 11, 24, 6, 5, tzinfo=UTC)
    assert (oldest.status, oldest.stats, oldest.email_status) == ("ok", {"items": 12, "stories": 4}, "sent")
    assert oldest.failed_feeds == [{"feed": FEED_B, "reason": "HTTP 404"}]

    assert [r.id for r in store.runs(since=date(2026, 11, 25))] == [second]


def test_runs_started_together_are_ordered_by_id(store: BriefingStore) -> None:
    ids = [store.start_run(date(2026, 11, 25), SEEN) for _ in range(3)]
    assert [r.id for r in store.runs()] == ids[::-1]


# prune -------------------------------------------------------------------------


def test_prune_deletes_old_items_their_sources_and_orphan_summaries(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    cutoff = datetime(2026, 11, 1, tzinfo=UTC)
    old = entry("Old", "old text", url="https://a.example/old", published=cutoff - timedelta(seconds=1))
    new = entry("New", "new text", url="https://a.example/new", published=cutoff)
    with Store(path) as db:
        db.upsert_entries([old, new, entry("Old", "old text", feed=FEED_B, url="https://b.example/old",
                                           published=cutoff - timedelta(days=3))], SEEN)
        hashes = {"old": content_hash("Old", "old text"), "new": content_hash("New", "new text"), "stray": "zz"}
        db.save_summaries([Summary(content_hash=h, text=k, backend="lead") for k, h in hashes.items()], "p", SEEN)

        assert db.prune(cutoff) == 1

        assert [a.title for a in everything(db)] == ["New"]
        assert db.cached_summaries(hashes.values(), "lead", "p").keys() == {hashes["new"]}
        assert db.prune(cutoff) == 0
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT feed_url, url FROM sources").fetchall() == [(FEED_A, "https://a.example/new")]
    raw.close()


def test_revision_ids_freed_by_pruning_are_never_given_again(store: BriefingStore) -> None:
    cutoff = datetime(2026, 11, 1, tzinfo=UTC)
    with store as db:
        db.upsert_entries([entry("Kept", "kept", url="https://a.example/kept", published=cutoff)], SEEN)
        db.upsert_entries([entry("Ancient", "bogus date", url="https://a.example/ancient",
                                 published=datetime(1999, 1, 1, tzinfo=UTC))], SEEN)
        view = db.horizon()
        assert db.prune(cutoff, backfill_days=2) == 1
        db.upsert_entries([entry("Later", "later", url="https://a.example/later", published=SEEN)], SEEN)
        assert [a.title for a in db.articles_as_of([s.id for s in db.sightings()], view)] == ["Kept"]
        # The pruned article, still in the feed, comes back as history only.
        db.upsert_entries([entry("Ancient", "bogus date", url="https://a.example/ancient",
                                 published=datetime(1999, 1, 1, tzinfo=UTC))], SEEN)
        assert [s.history_only for s in db.sightings()] == [False, False, True]


def test_each_store_is_a_briefing_store_of_every_concern(store: BriefingStore) -> None:
    from briefing.store import protocol

    assert isinstance(store, protocol.BriefingStore)
    for concern in (protocol.FeedStates, protocol.Items, protocol.History, protocol.Listings, protocol.Caches,
                    protocol.Runs, protocol.Deliveries):
        missing = [name for name in dir(concern) if not name.startswith("_") and not hasattr(store, name)]
        assert missing == [], concern.__name__


# several briefings, one store ---------------------------------------------------


def test_briefings_sharing_a_store_share_items_and_caches_but_not_runs_listings_or_deliveries(store_url: str) -> None:
    day = date(2026, 11, 26)
    with open_store(store_url, briefing="politics") as one, open_store(store_url, briefing="markets") as two:
        assert (one.briefing, two.briefing) == ("politics", "markets")
        [item] = one.upsert_entries([entry(url="https://a.example/1")], SEEN).new_ids
        assert two.upsert_entries([entry(url="https://a.example/1")], SEEN).new == 0  # fetched once, stored once
        assert [a.id for a in everything(two)] == [item]
        chash = everything(two)[0].content_hash
        one.save_summaries([Summary(content_hash=chash, text="Storm.", backend="lead")], "p", SEEN)
        one.save_vectors({chash: np.ones(3, dtype=np.float32)}, "m")
        assert two.cached_summaries([chash], "lead", "p")[chash].text == "Storm."
        assert two.cached_vectors([chash], "m")[chash].tolist() == [1.0, 1.0, 1.0]

        run = one.start_run(day, SEEN)
        horizon = one.horizon()
        one.record_view(run, rule="arrival", as_of=SEEN, horizon=horizon)
        one.record_listings(run, day, [(item, horizon.revision, "listed")])
        one.finish_run(run, SEEN, "ok", {}, [])
        one.record_delivery(day, "ann@example.com", "sent", attempts=1, sent_at=SEEN)

        assert [r.id for r in one.runs()] == [run] and one.last_briefing_run(day) is not None
        assert one.latest_briefing_date() == day and one.previous_view(None) == horizon
        assert set(one.listings_before(None, day + timedelta(days=1))) == {item}
        assert set(one.listings_by_item()) == {item}
        # The other briefing has listed nothing yet: the same article is news to it.
        assert (two.runs(), two.last_briefing_run(day), two.latest_briefing_date(), two.previous_view(None)) == \
            ([], None, None, None)
        assert (two.listings_before(None, day + timedelta(days=1)), two.listings_by_item()) == ({}, {})
        assert two.deliveries(day) == {}
        two.mark_sending(day, "ann@example.com", "<two@x>", SEEN)
        assert [d.message_id for d in two.unfinished_sends()] == ["<two@x>"]
        assert one.unfinished_sends() == [] and one.deliveries(day)["ann@example.com"].status == "sent"
