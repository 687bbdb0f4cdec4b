"""The SQLite store: feeds, deduplicated items, caches, runs, in one file.

Nothing else in briefing sees ``sqlite3`` (the search index over written briefings aside). The schema
version lives in ``PRAGMA user_version``; each step is one ``_migrate_N`` function.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import StoreError
from ..kinds import kind_of
from ..models import Article, Entry, FetchResult, Source, Summary
from ..publishers import publisher_for
from .records import (
    DEFAULT_BRIEFING,
    DeliveryRecord,
    Horizon,
    ItemSighting,
    Listing,
    RunRecord,
    UpsertStats,
    content_hash,
    iso,
    normalize_url,
    parse_iso,
)
from .records import upto as _upto

__all__ = ["MIGRATIONS", "SQLiteStore", "Store"]


def _migrate_1(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE feeds (
            url TEXT PRIMARY KEY,
            title TEXT,
            etag TEXT,
            last_modified TEXT,
            last_fetched TEXT,
            last_status TEXT,
            last_error TEXT,
            entries INTEGER
        );
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            norm_url TEXT UNIQUE,
            guid_key TEXT UNIQUE,
            content_hash TEXT NOT NULL,
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            url TEXT,
            published TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            text_source TEXT NOT NULL DEFAULT 'feed'
        );
        CREATE INDEX items_published ON items(published);
        CREATE INDEX items_hash ON items(content_hash);
        CREATE TABLE sources (
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            feed_url TEXT NOT NULL,
            outlet TEXT NOT NULL,
            title TEXT NOT NULL,
            url TEXT,
            published TEXT,
            PRIMARY KEY (item_id, feed_url)
        );
        CREATE TABLE summaries (
            content_hash TEXT NOT NULL,
            backend TEXT NOT NULL,
            params TEXT NOT NULL,
            text TEXT NOT NULL,
            sentences TEXT NOT NULL,
            note TEXT,
            created TEXT NOT NULL,
            PRIMARY KEY (content_hash, backend, params)
        );
        CREATE TABLE embeddings (
            key TEXT NOT NULL,
            model TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (key, model)
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            date TEXT NOT NULL,
            started TEXT NOT NULL,
            finished TEXT,
            status TEXT NOT NULL,
            stats TEXT NOT NULL DEFAULT '{}',
            failed_feeds TEXT NOT NULL DEFAULT '[]',
            email_status TEXT
        );
        CREATE INDEX runs_date ON runs(date);
        """
    )


def _migrate_2(db: sqlite3.Connection) -> None:
    # One row per (date, recipient): what "never send twice" is checked against.
    db.executescript(
        """
        CREATE TABLE deliveries (
            date TEXT NOT NULL,
            recipient TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            sent_at TEXT,
            PRIMARY KEY (date, recipient)
        );
        """
    )


def _migrate_3(db: sqlite3.Connection) -> None:
    # Each feed's copy remembers the keys it was matched under, so a refetch finds the same
    # article even after the item's own URL, GUID or hash moved on (another copy, page text).
    # BEGIN: executescript would otherwise commit each ALTER; _migrate commits with user_version.
    db.executescript(
        """
        BEGIN;
        ALTER TABLE sources ADD COLUMN norm_url TEXT;
        ALTER TABLE sources ADD COLUMN guid_key TEXT;
        ALTER TABLE sources ADD COLUMN content_hash TEXT;
        UPDATE sources SET
            guid_key = (SELECT guid_key FROM items WHERE items.id = sources.item_id),
            content_hash = (SELECT content_hash FROM items WHERE items.id = sources.item_id);
        CREATE INDEX sources_norm_url ON sources(norm_url);
        CREATE INDEX sources_guid_key ON sources(guid_key);
        CREATE INDEX sources_hash ON sources(content_hash);
        """
    )
    rows = db.execute("SELECT rowid, url FROM sources WHERE url IS NOT NULL").fetchall()
    db.executemany("UPDATE sources SET norm_url = ? WHERE rowid = ?",
                   [(normalize_url(row[1]), row[0]) for row in rows])


def _migrate_4(db: sqlite3.Connection) -> None:
    # Publishers, not feeds: each copy says who published it (two sections of one publisher are one
    # source), and each item what kind of piece it is. Stored rows are filled in from what they kept:
    # the copy's link (archive links unwrapped), else its feed's URL, else its outlet name; the kind
    # from the item's title, link, text and first outlet.
    db.executescript(
        """
        BEGIN;
        ALTER TABLE sources ADD COLUMN publisher TEXT;
        ALTER TABLE items ADD COLUMN kind TEXT NOT NULL DEFAULT 'news';
        """
    )
    rows = db.execute("SELECT rowid, url, feed_url, outlet FROM sources").fetchall()
    db.executemany(
        "UPDATE sources SET publisher = ? WHERE rowid = ?",
        [(publisher_for(item_url=row[1], feed_url=row[2], name=row[3]), row[0]) for row in rows],
    )
    items = db.execute(
        """SELECT i.id, i.title, i.url, i.text,
                  (SELECT outlet FROM sources s WHERE s.item_id = i.id ORDER BY s.rowid LIMIT 1)
           FROM items i"""
    ).fetchall()
    kinds = [(kind, row[0]) for row in items if (kind := kind_of(row[1], row[2], (), row[4] or "", row[3])) != "news"]
    db.executemany("UPDATE items SET kind = ? WHERE id = ?", kinds)


def _migrate_5(db: sqlite3.Connection) -> None:
    # The store remembers what it knew: every text revision of an item and every version of a feed's
    # copy, each with the time it was first seen; which briefing listed which item (and which revision);
    # on each run, the rule it chose articles by and the horizon it saw (the last revision and copy ids),
    # so a briefing can be built again as of its run (AUTOINCREMENT: an id freed by pruning is never given
    # again, or a run's view would take in a later revision). Keys of pruned items are kept: an item the feeds
    # still carry after it was pruned comes back as history, never as news.
    db.executescript(
        """
        BEGIN;
        CREATE TABLE revisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            seen_at TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            url TEXT,
            kind TEXT NOT NULL,
            text_source TEXT NOT NULL
        );
        CREATE INDEX revisions_item ON revisions(item_id);
        CREATE TABLE copies (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            feed_url TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            outlet TEXT NOT NULL,
            title TEXT NOT NULL,
            url TEXT,
            published TEXT,
            publisher TEXT
        );
        CREATE INDEX copies_item ON copies(item_id, feed_url);
        CREATE TABLE listings (
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            date TEXT NOT NULL,
            run_id INTEGER NOT NULL,
            revision_id INTEGER NOT NULL,
            status TEXT NOT NULL,
            PRIMARY KEY (item_id, run_id)
        );
        CREATE INDEX listings_run ON listings(run_id);
        CREATE INDEX listings_date ON listings(date, run_id);
        CREATE TABLE pruned_keys (key TEXT PRIMARY KEY);
        CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        ALTER TABLE items ADD COLUMN history_only INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE deliveries ADD COLUMN message_id TEXT;
        ALTER TABLE deliveries ADD COLUMN sending_since TEXT;
        ALTER TABLE runs ADD COLUMN rule TEXT;
        ALTER TABLE runs ADD COLUMN as_of TEXT;
        ALTER TABLE runs ADD COLUMN max_revision INTEGER;
        ALTER TABLE runs ADD COLUMN max_copy INTEGER;
        INSERT INTO revisions (item_id, seen_at, content_hash, title, text, url, kind, text_source)
            SELECT id, first_seen, content_hash, title, text, url, kind, text_source FROM items ORDER BY id;
        INSERT INTO copies (item_id, feed_url, seen_at, outlet, title, url, published, publisher)
            SELECT s.item_id, s.feed_url, i.first_seen, s.outlet, s.title, s.url, s.published, s.publisher
            FROM sources s JOIN items i ON i.id = s.item_id ORDER BY s.rowid;
        """
    )


def _migrate_6(db: sqlite3.Connection) -> None:
    # Several briefings (configs) can share one store: feeds, items, their revisions and copies, summaries and
    # vectors are shared; runs, listings and deliveries belong to one briefing, named by ``store.briefing``.
    # What was there belongs to "default". Deliveries are keyed by briefing too: a table rebuild in SQLite.
    db.executescript(
        f"""
        BEGIN;
        ALTER TABLE runs ADD COLUMN briefing TEXT NOT NULL DEFAULT '{DEFAULT_BRIEFING}';
        ALTER TABLE listings ADD COLUMN briefing TEXT NOT NULL DEFAULT '{DEFAULT_BRIEFING}';
        CREATE INDEX runs_briefing ON runs(briefing, date);
        CREATE INDEX listings_briefing ON listings(briefing, date, run_id);
        CREATE TABLE deliveries_6 (
            briefing TEXT NOT NULL,
            date TEXT NOT NULL,
            recipient TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            sent_at TEXT,
            message_id TEXT,
            sending_since TEXT,
            PRIMARY KEY (briefing, date, recipient)
        );
        INSERT INTO deliveries_6 SELECT '{DEFAULT_BRIEFING}', date, recipient, status, attempts, last_error, sent_at,
                                        message_id, sending_since FROM deliveries;
        DROP TABLE deliveries;
        ALTER TABLE deliveries_6 RENAME TO deliveries;
        """
    )


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _migrate_1, _migrate_2, _migrate_3, _migrate_4, _migrate_5, _migrate_6,
)


def _source(row: sqlite3.Row) -> Source:
    """One feed's copy of an item, from a ``sources`` or ``copies`` row."""
    return Source(outlet=row["outlet"], title=row["title"], url=row["url"], published=parse_iso(row["published"]),
                  feed_url=row["feed_url"], publisher=row["publisher"] or "")

class SQLiteStore:
    """Typed access to the briefing database.

    Args:
        path: the SQLite file (created with its folder), or ``":memory:"``.
        briefing: the briefing whose runs, listings and deliveries this store reads and writes (several
            briefings may share one store; everything else is shared).
    """

    def __init__(self, path: Path | str, briefing: str = DEFAULT_BRIEFING) -> None:
        self.path = path
        self.briefing = briefing
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), timeout=30)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA foreign_keys = ON")
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode = WAL")
            self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the store: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"{path}: cannot create the store's folder: {exc.strerror}") from exc

    @property
    def location(self) -> str:
        """The file, for messages."""
        return str(self.path)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        try:
            with self._db:
                yield self._db
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(f"{self.path}: store was written by a newer briefing (schema {version})")
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            with self._db:
                step(self._db)
                self._db.execute(f"PRAGMA user_version = {number}")

    # feeds -------------------------------------------------------------

    def feed_states(self) -> dict[str, tuple[str | None, str | None]]:
        """ETag and Last-Modified per feed URL, for conditional GET."""
        rows = self._db.execute("SELECT url, etag, last_modified FROM feeds").fetchall()
        return {row["url"]: (row["etag"], row["last_modified"]) for row in rows}

    def record_fetch(self, result: FetchResult, fetched_at: datetime) -> None:
        """Remember how fetching a feed went; validators are kept from the last good fetch."""
        status = "error" if result.error else ("not-modified" if result.not_modified else "ok")
        with self._tx() as db:
            db.execute(
                """
                INSERT INTO feeds (url, title, etag, last_modified, last_fetched, last_status, last_error, entries)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(url) DO UPDATE SET
                    title = COALESCE(excluded.title, title),
                    etag = CASE WHEN excluded.last_status = 'ok' THEN excluded.etag ELSE etag END,
                    last_modified = CASE WHEN excluded.last_status = 'ok'
                                         THEN excluded.last_modified ELSE last_modified END,
                    last_fetched = excluded.last_fetched,
                    last_status = excluded.last_status,
                    last_error = excluded.last_error,
                    entries = CASE WHEN excluded.last_status = 'not-modified' THEN entries
                                   ELSE excluded.entries END
                """,
                (result.feed.url, result.feed_title, result.etag, result.last_modified, iso(fetched_at),
                 status, result.error or result.warning, len(result.entries)),
            )

    def feed_report(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT * FROM feeds ORDER BY url").fetchall()
        return [dict(row) for row in rows]

    # items -------------------------------------------------------------

    def upsert_entries(self, entries: Iterable[Entry], seen_at: datetime) -> UpsertStats:
        """Store parsed entries, one item per article however many feeds carry it.

        An entry is the same article as a stored item when one of its keys (normalized URL,
        GUID, global when it is a URL, else per feed, and content hash) matches, looked up
        in this order: the keys this feed's own copies were stored under, then the item's
        own keys, then other feeds' copies' content hash. A changed text (compared with this
        feed's last copy) updates the item when this feed first carried it, which makes it be
        summarized again.

        Returns:
            Counts, and the ids of the items created and of those whose text was replaced.
        """
        new_ids: list[int] = []
        updated_ids: list[int] = []
        unchanged = 0
        with self._tx() as db:
            for entry in entries:
                norm = normalize_url(entry.url) if entry.url else None
                guid_key = None
                if entry.guid:
                    guid_key = entry.guid if "://" in entry.guid else f"{entry.feed_url}#{entry.guid}"
                chash = content_hash(entry.title, entry.text)
                publisher = entry.publisher or publisher_for(item_url=entry.url, feed_url=entry.feed_url,
                                                             name=entry.outlet)
                keys = [(column, value) for column, value in
                        (("norm_url", norm), ("guid_key", guid_key), ("content_hash", chash)) if value is not None]
                item_id = self._match(db, entry.feed_url, keys)
                published = entry.published or seen_at
                if item_id is None:
                    pruned = any(db.execute("SELECT 1 FROM pruned_keys WHERE key = ?", (f"{column}:{value}",))
                                 .fetchone() for column, value in keys)
                    item_id = db.execute(
                        """INSERT INTO items (norm_url, guid_key, content_hash, title, text, url, published,
                                              first_seen, text_source, kind, history_only)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                        (norm, guid_key, chash, entry.title, entry.text, entry.url, iso(published),
                         iso(seen_at), entry.text_source, entry.kind, int(pruned)),
                    ).lastrowid
                    assert item_id is not None
                    self._add_revision(db, item_id, seen_at)
                    new_ids.append(item_id)
                else:
                    # Against this feed's last copy, not the item: page text or another outlet's
                    # words on the item are no change in this feed.
                    last, kind = db.execute(
                        """SELECT COALESCE(s.content_hash, i.content_hash), i.kind FROM items i
                           LEFT JOIN sources s ON s.item_id = i.id AND s.feed_url = ? WHERE i.id = ?""",
                        (entry.feed_url, item_id),
                    ).fetchone()
                    owns = (last != chash or kind != entry.kind) and self._owns(db, item_id, entry.feed_url)
                    if last != chash and owns:
                        db.execute(
                            """UPDATE items SET content_hash = ?, title = ?, text = ?, text_source = ?, kind = ?
                               WHERE id = ?""",
                            (chash, entry.title, entry.text, entry.text_source, entry.kind, item_id),
                        )
                        self._add_revision(db, item_id, seen_at)
                        updated_ids.append(item_id)
                    else:
                        if owns and kind != entry.kind:  # the same words, newly labelled (a better classifier)
                            db.execute("UPDATE items SET kind = ? WHERE id = ?", (entry.kind, item_id))
                            self._add_revision(db, item_id, seen_at)
                        unchanged += 1
                db.execute(
                    """INSERT INTO sources (item_id, feed_url, outlet, title, url, published,
                                            norm_url, guid_key, content_hash, publisher)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT(item_id, feed_url) DO UPDATE SET
                           outlet = excluded.outlet, title = excluded.title, url = excluded.url,
                           norm_url = COALESCE(excluded.norm_url, norm_url),
                           guid_key = COALESCE(excluded.guid_key, guid_key),
                           content_hash = excluded.content_hash, publisher = excluded.publisher""",
                    (item_id, entry.feed_url, entry.outlet, entry.title, entry.url,
                     iso(entry.published) if entry.published else None, norm, guid_key, chash, publisher),
                )
                copy = (entry.outlet, entry.title, entry.url, iso(entry.published) if entry.published else None,
                        publisher)
                last_copy = db.execute(
                    """SELECT outlet, title, url, published, publisher FROM copies
                       WHERE item_id = ? AND feed_url = ? ORDER BY id DESC LIMIT 1""",
                    (item_id, entry.feed_url),
                ).fetchone()
                if last_copy is None or tuple(last_copy) != copy:
                    db.execute(
                        """INSERT INTO copies (item_id, feed_url, seen_at, outlet, title, url, published, publisher)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                        (item_id, entry.feed_url, iso(seen_at), *copy),
                    )
        return UpsertStats(new=len(new_ids), updated=len(updated_ids), unchanged=unchanged,
                           new_ids=tuple(new_ids), updated_ids=tuple(updated_ids))

    @staticmethod
    def _add_revision(db: sqlite3.Connection, item_id: int, seen_at: datetime) -> None:
        """Remember the item's text as it now stands, first seen at ``seen_at``."""
        db.execute(
            """INSERT INTO revisions (item_id, seen_at, content_hash, title, text, url, kind, text_source)
               SELECT id, ?, content_hash, title, text, url, kind, text_source FROM items WHERE id = ?""",
            (iso(seen_at), item_id),
        )

    @staticmethod
    def _match(db: sqlite3.Connection, feed_url: str, keys: list[tuple[str, str]]) -> int | None:
        """The item an entry with these keys belongs to, or None for a new article."""
        for column, value in keys:
            row = db.execute(
                f"SELECT item_id FROM sources WHERE feed_url = ? AND {column} = ? ORDER BY rowid LIMIT 1",
                (feed_url, value),
            ).fetchone()
            if row:
                return int(row[0])
        for column, value in keys:
            row = db.execute(f"SELECT id FROM items WHERE {column} = ? LIMIT 1", (value,)).fetchone()
            if row:
                return int(row[0])
        # Only the hash crosses feeds through copies: another outlet's URL for the same words
        # would join articles the items' own keys keep apart.
        for column, value in keys:
            if column == "content_hash":
                row = db.execute(
                    "SELECT item_id FROM sources WHERE content_hash = ? ORDER BY rowid LIMIT 1", (value,)
                ).fetchone()
                if row:
                    return int(row[0])
        return None

    @staticmethod
    def _owns(db: sqlite3.Connection, item_id: int, feed_url: str) -> bool:
        """Only the feed that first carried an item may rewrite its text (no ping-pong between outlets)."""
        first = db.execute(
            "SELECT feed_url FROM sources WHERE item_id = ? ORDER BY rowid LIMIT 1", (item_id,)
        ).fetchone()
        return first is None or first["feed_url"] == feed_url

    def items_needing_page_text(self, item_ids: Sequence[int]) -> list[Article]:
        """Of these items, those still holding feed text with an http(s) URL, in the given order."""
        rows: dict[int, sqlite3.Row] = {}
        ids = list(dict.fromkeys(item_ids))
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(
                f"""SELECT * FROM items WHERE id IN ({marks}) AND text_source = 'feed'
                    AND (url LIKE 'http://%' OR url LIKE 'https://%')""",
                chunk,
            ):
                rows[row["id"]] = row
        return self._articles([rows[i] for i in ids if i in rows])

    def set_page_text(self, item_id: int, text: str, seen_at: datetime | None = None) -> None:
        """Replace an item's text with its article page's (a new revision, first seen at ``seen_at``, default
        now); its new content hash gets it summarized again."""
        with self._tx() as db:
            row = db.execute("SELECT title FROM items WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                raise StoreError(f"{self.path}: no item {item_id}")
            db.execute(
                "UPDATE items SET text = ?, content_hash = ?, text_source = 'page' WHERE id = ?",
                (text, content_hash(row["title"], text), item_id),
            )
            self._add_revision(db, item_id, seen_at or datetime.now(UTC))

    def articles_between(self, start: datetime, end: datetime) -> list[Article]:
        """Articles published in ``[start, end)``, oldest first, with their sources."""
        rows = self._db.execute(
            "SELECT * FROM items WHERE published >= ? AND published < ? ORDER BY published, id",
            (iso(start), iso(end)),
        ).fetchall()
        return self._articles(rows)

    def _articles(self, rows: Sequence[sqlite3.Row]) -> list[Article]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        sources: dict[int, list[Source]] = {i: [] for i in ids}
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            for src in self._db.execute(
                f"SELECT * FROM sources WHERE item_id IN ({marks}) ORDER BY item_id, rowid", chunk
            ):
                sources[src["item_id"]].append(_source(src))
        return [
            Article(id=row["id"], title=row["title"], text=row["text"], url=row["url"],
                    published=datetime.fromisoformat(row["published"]), content_hash=row["content_hash"],
                    sources=tuple(sources[row["id"]]), kind=row["kind"])
            for row in rows
        ]

    # as of a moment ----------------------------------------------------

    def horizon(self) -> Horizon:
        """What the store holds now: a run records it and is built, and rebuilt, from what lies within it."""
        revision = self._db.execute("SELECT COALESCE(max(id), 0) FROM revisions").fetchone()[0]
        copy = self._db.execute("SELECT COALESCE(max(id), 0) FROM copies").fetchone()[0]
        return Horizon(revision=int(revision), copy=int(copy))

    def sightings(self, horizon: Horizon | None = None) -> list[ItemSighting]:
        """Every item the store held at ``horizon`` (default: now), oldest first."""
        rows = self._db.execute(
            """SELECT id, published, first_seen, history_only FROM items i
               WHERE EXISTS (SELECT 1 FROM revisions r WHERE r.item_id = i.id AND r.id <= ?)
               ORDER BY id""",
            (_upto(horizon and horizon.revision),),
        ).fetchall()
        return [ItemSighting(id=row[0], published=datetime.fromisoformat(row[1]),
                             first_seen=datetime.fromisoformat(row[2]), history_only=bool(row[3])) for row in rows]

    def revised_between(self, after: Horizon | None, upto: Horizon | None) -> set[int]:
        """Items that gained a revision after ``after`` (None: ever) and up to ``upto`` (None: now)."""
        rows = self._db.execute("SELECT DISTINCT item_id FROM revisions WHERE id > ? AND id <= ?",
                                (after.revision if after else 0, _upto(upto and upto.revision))).fetchall()
        return {int(row[0]) for row in rows}

    def previous_view(self, run_id: int | None) -> Horizon | None:
        """What the store held when the last successful run before ``run_id`` built its briefing."""
        row = self._db.execute(
            """SELECT max_revision, max_copy FROM runs WHERE id < ? AND status = 'ok' AND max_revision IS NOT NULL
                 AND briefing = ? ORDER BY id DESC LIMIT 1""",
            (_upto(run_id), self.briefing),
        ).fetchone()
        return Horizon(revision=row[0], copy=row[1]) if row else None

    def articles_as_of(self, item_ids: Sequence[int], horizon: Horizon | None = None) -> list[Article]:
        """These items as the store held them at ``horizon`` (their revision and feed copies then), in the given
        order; items not yet seen then are left out."""
        ids = list(dict.fromkeys(item_ids))
        rows: dict[int, sqlite3.Row] = {}
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            for row in self._revision_rows(f"i.id IN ({','.join('?' * len(chunk))})", chunk, horizon):
                rows[row["id"]] = row
        return self._articles_from_revisions([rows[i] for i in ids if i in rows], horizon)

    def published_as_of(self, start: datetime, end: datetime, horizon: Horizon | None = None) -> list[Article]:
        """Articles published in ``[start, end)`` as the store held them at ``horizon``, oldest first."""
        rows = self._revision_rows("i.published >= ? AND i.published < ?", [iso(start), iso(end)], horizon,
                                   order="i.published, i.id")
        return self._articles_from_revisions(rows, horizon)

    def revision_as_article(self, item_id: int, revision_id: int, horizon: Horizon | None = None) -> Article | None:
        """One item as it read in one revision (what a briefing showed), with its feed copies at ``horizon``."""
        rows = self._db.execute(
            """SELECT i.id, i.published, i.first_seen, r.id AS revision, r.title, r.text, r.url, r.content_hash,
                      r.kind FROM items i JOIN revisions r ON r.item_id = i.id WHERE i.id = ? AND r.id = ?""",
            (item_id, revision_id),
        ).fetchall()
        articles = self._articles_from_revisions(rows, horizon)
        return articles[0] if articles else None

    def _revision_rows(self, where: str, args: Sequence[object], horizon: Horizon | None,
                       order: str = "i.id") -> list[sqlite3.Row]:
        return self._db.execute(
            f"""SELECT i.id, i.published, i.first_seen, r.id AS revision, r.title, r.text, r.url, r.content_hash,
                       r.kind
                FROM items i JOIN revisions r
                  ON r.id = (SELECT max(id) FROM revisions WHERE item_id = i.id AND id <= ?)
                WHERE {where} ORDER BY {order}""",
            (_upto(horizon and horizon.revision), *args),
        ).fetchall()

    def _articles_from_revisions(self, rows: Sequence[sqlite3.Row], horizon: Horizon | None) -> list[Article]:
        if not rows:
            return []
        ids = list(dict.fromkeys(row["id"] for row in rows))
        sources: dict[int, list[Source]] = {i: [] for i in ids}
        upto = _upto(horizon and horizon.copy)
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            # Each feed's copy as it stood, in the order the feeds first carried the item.
            for src in self._db.execute(
                f"""SELECT c.*, (SELECT min(id) FROM copies f WHERE f.item_id = c.item_id
                                 AND f.feed_url = c.feed_url) AS first
                    FROM copies c WHERE c.item_id IN ({marks})
                      AND c.id = (SELECT max(id) FROM copies l WHERE l.item_id = c.item_id
                                  AND l.feed_url = c.feed_url AND l.id <= ?)
                    ORDER BY c.item_id, first""",
                (*chunk, upto),
            ):
                sources[src["item_id"]].append(_source(src))
        return [
            Article(id=row["id"], title=row["title"], text=row["text"], url=row["url"],
                    published=datetime.fromisoformat(row["published"]), content_hash=row["content_hash"],
                    sources=tuple(sources[row["id"]]), kind=row["kind"],
                    first_seen=datetime.fromisoformat(row["first_seen"]), revision=row["revision"])
            for row in rows
        ]

    # listings ----------------------------------------------------------

    def record_listings(self, run_id: int, day: date, listed: Iterable[tuple[int, int, str]]) -> None:
        """Remember what the run's briefing dated ``day`` holds: (item id, revision id, "listed" or "cut")."""
        with self._tx() as db:
            db.executemany(
                """INSERT OR REPLACE INTO listings (item_id, date, run_id, revision_id, status, briefing)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [(item, day.isoformat(), run_id, revision, status, self.briefing) for item, revision, status in listed],
            )

    def listings_before(self, run_id: int | None, day: date) -> dict[int, Listing]:
        """Each item's latest place in the briefings of other dates than ``day`` as they stood before run
        ``run_id`` (for each date, the last run that wrote it); all runs when ``run_id`` is None."""
        rows = self._db.execute(
            """SELECT l.* FROM listings l
               WHERE l.briefing = ? AND l.date != ? AND l.run_id < ?
                 AND l.run_id = (SELECT max(run_id) FROM listings m WHERE m.briefing = l.briefing AND m.date = l.date
                                 AND m.run_id < ?)
               ORDER BY l.run_id, l.item_id""",
            (self.briefing, day.isoformat(), _upto(run_id), _upto(run_id)),
        ).fetchall()
        return {row["item_id"]: Listing(item_id=row["item_id"], date=date.fromisoformat(row["date"]),
                                        run_id=row["run_id"], revision_id=row["revision_id"], status=row["status"])
                for row in rows}

    def listings_by_item(self) -> dict[int, list[Listing]]:
        """Per item, its places in the briefings as they stand (each date's last run), oldest run first."""
        rows = self._db.execute(
            """SELECT * FROM listings l
               WHERE l.briefing = ?
                 AND l.run_id = (SELECT max(run_id) FROM listings m WHERE m.briefing = l.briefing AND m.date = l.date)
               ORDER BY l.run_id""",
            (self.briefing,),
        ).fetchall()
        found: dict[int, list[Listing]] = {}
        for row in rows:
            found.setdefault(row["item_id"], []).append(
                Listing(item_id=row["item_id"], date=date.fromisoformat(row["date"]), run_id=row["run_id"],
                        revision_id=row["revision_id"], status=row["status"]))
        return found

    def pruned_before(self) -> datetime | None:
        """The cutoff of the latest prune: items older than it by both publication and first sight are gone."""
        row = self._db.execute("SELECT value FROM meta WHERE name = 'pruned_before'").fetchone()
        return parse_iso(row[0]) if row else None

    def size_report(self) -> dict[str, int]:
        """Rows per table and the text bytes kept in item revisions (for the cost of keeping them)."""
        counts = {table: int(self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                  for table in ("items", "revisions", "copies", "listings", "sources")}
        counts["revision_bytes"] = int(self._db.execute(
            "SELECT COALESCE(sum(length(CAST(title AS BLOB)) + length(CAST(text AS BLOB))), 0) FROM revisions"
        ).fetchone()[0])
        counts["item_bytes"] = int(self._db.execute(
            "SELECT COALESCE(sum(length(CAST(title AS BLOB)) + length(CAST(text AS BLOB))), 0) FROM items"
        ).fetchone()[0])
        return counts

    def count_items(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM items").fetchone()[0])

    def newest_published(self) -> datetime | None:
        """When the newest stored item was published (None for an empty store): what an empty briefing cites."""
        value = self._db.execute("SELECT max(published) FROM items").fetchone()[0]
        return datetime.fromisoformat(value) if value else None

    def prune(self, before: datetime, *, backfill_days: float = 0) -> int:
        """Delete items published before ``before`` (with their revisions, copies and listings) and summaries
        no revision needs; returns items deleted.

        An item first seen since ``before`` is kept unless it was already history when first seen (dated more
        than ``backfill_days`` before): a late arrival may still be listed, or already was. The keys of the
        items deleted are kept: a feed that still carries one brings it back as history, not news.
        """
        cutoff = iso(before)
        with self._tx() as db:
            doomed = ("SELECT id FROM items WHERE published < ? AND (first_seen < ? "
                      f"OR julianday(published) < julianday(first_seen) - {float(backfill_days)!r})")
            db.execute(
                f"""INSERT OR IGNORE INTO pruned_keys (key)
                    SELECT 'norm_url:' || norm_url FROM items WHERE id IN ({doomed}) AND norm_url IS NOT NULL
                    UNION SELECT 'guid_key:' || guid_key FROM items WHERE id IN ({doomed}) AND guid_key IS NOT NULL
                    UNION SELECT 'content_hash:' || content_hash FROM revisions WHERE item_id IN ({doomed})
                    UNION SELECT 'norm_url:' || norm_url FROM sources WHERE item_id IN ({doomed})
                          AND norm_url IS NOT NULL
                    UNION SELECT 'guid_key:' || guid_key FROM sources WHERE item_id IN ({doomed})
                          AND guid_key IS NOT NULL""",
                (cutoff,) * 10,
            )
            deleted = db.execute(f"DELETE FROM items WHERE id IN ({doomed})", (cutoff, cutoff)).rowcount
            db.execute("DELETE FROM summaries WHERE content_hash NOT IN (SELECT content_hash FROM revisions)")
            if deleted:
                db.execute(
                    """INSERT INTO meta (name, value) VALUES ('pruned_before', ?)
                       ON CONFLICT(name) DO UPDATE SET value = max(value, excluded.value)""",
                    (cutoff,),
                )
        return deleted

    # caches ------------------------------------------------------------

    def cached_summaries(self, hashes: Iterable[str], backend: str, params: str) -> dict[str, Summary]:
        found: dict[str, Summary] = {}
        wanted = sorted(set(hashes))
        for chunk_start in range(0, len(wanted), 500):  # one query per 500 keys, not one per key
            chunk = wanted[chunk_start : chunk_start + 500]
            rows = self._db.execute(
                f"SELECT * FROM summaries WHERE backend = ? AND params = ? "
                f"AND content_hash IN ({','.join('?' * len(chunk))})",
                (backend, params, *chunk),
            ).fetchall()
            for row in rows:
                chash = row["content_hash"]
                found[chash] = Summary(content_hash=chash, text=row["text"], backend=backend,
                                       sentences=tuple(json.loads(row["sentences"])), note=row["note"])
        return found

    def save_summaries(self, summaries: Iterable[Summary], params: str, now: datetime) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(s.content_hash, s.backend, params, s.text, json.dumps(list(s.sentences)), s.note, iso(now))
                 for s in summaries],
            )

    def cached_vectors(self, keys: Iterable[str], model: str) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        wanted = sorted(set(keys))
        for chunk_start in range(0, len(wanted), 500):  # one query per 500 keys, not one per key
            chunk = wanted[chunk_start : chunk_start + 500]
            rows = self._db.execute(
                f"SELECT key, vector FROM embeddings WHERE model = ? AND key IN ({','.join('?' * len(chunk))})",
                (model, *chunk),
            ).fetchall()
            for row in rows:
                found[row["key"]] = np.frombuffer(row["vector"], dtype=np.float32)
        return found

    def save_vectors(self, vectors: dict[str, np.ndarray], model: str) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                [(key, model, np.asarray(vec, dtype=np.float32).tobytes()) for key, vec in vectors.items()],
            )

    # runs --------------------------------------------------------------

    def start_run(self, day: date, started: datetime) -> int:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO runs (briefing, date, started, status) VALUES (?, ?, ?, 'running')",
                (self.briefing, day.isoformat(), iso(started)),
            )
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, finished: datetime, status: str, stats: dict[str, Any],
                   failed_feeds: list[dict[str, str]]) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET finished = ?, status = ?, stats = ?, failed_feeds = ? WHERE id = ?",
                (iso(finished), status, json.dumps(stats, sort_keys=True), json.dumps(failed_feeds), run_id),
            )

    def record_view(self, run_id: int, *, rule: str, as_of: datetime, horizon: Horizon) -> None:
        """Remember how the run's briefing chose its articles and what the store held when it was built."""
        with self._tx() as db:
            db.execute("UPDATE runs SET rule = ?, as_of = ?, max_revision = ?, max_copy = ? WHERE id = ?",
                       (rule, iso(as_of), horizon.revision, horizon.copy, run_id))

    def latest_briefing_date(self) -> date | None:
        """The newest date any run wrote a briefing for."""
        row = self._db.execute("SELECT max(date) FROM runs WHERE status = 'ok' AND briefing = ?",
                               (self.briefing,)).fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def set_email_status(self, run_id: int, status: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE runs SET email_status = ? WHERE id = ?", (status, run_id))

    def runs(self, since: date | None = None) -> list[RunRecord]:
        query = "SELECT * FROM runs WHERE briefing = ?"
        args: tuple[str, ...] = (self.briefing,)
        if since:
            query += " AND date >= ?"
            args = (self.briefing, since.isoformat())
        rows = self._db.execute(query + " ORDER BY started DESC, id DESC", args).fetchall()
        return [self._run_record(row) for row in rows]

    def last_briefing_run(self, day: date) -> RunRecord | None:
        """The latest run that wrote the briefing dated ``day`` (what ``regenerate`` reproduces)."""
        row = self._db.execute(
            """SELECT * FROM runs WHERE briefing = ? AND date = ? AND status = 'ok'
               ORDER BY started DESC, id DESC LIMIT 1""",
            (self.briefing, day.isoformat()),
        ).fetchone()
        return self._run_record(row) if row else None

    @staticmethod
    def _run_record(row: sqlite3.Row) -> RunRecord:
        return RunRecord(id=row["id"], date=date.fromisoformat(row["date"]),
                         started=datetime.fromisoformat(row["started"]), finished=parse_iso(row["finished"]),
                         status=row["status"], stats=json.loads(row["stats"]),
                         failed_feeds=json.loads(row["failed_feeds"]), email_status=row["email_status"],
                         rule=row["rule"], as_of=parse_iso(row["as_of"]),
                         horizon=Horizon(revision=row["max_revision"], copy=row["max_copy"])
                         if row["max_revision"] is not None else None)

    # deliveries --------------------------------------------------------

    def deliveries(self, day: date) -> dict[str, DeliveryRecord]:
        """What was sent for the briefing dated ``day``, by recipient."""
        rows = self._db.execute("SELECT * FROM deliveries WHERE briefing = ? AND date = ?",
                                (self.briefing, day.isoformat())).fetchall()
        return {
            row["recipient"]: DeliveryRecord(date=day, recipient=row["recipient"], status=row["status"],
                                             attempts=row["attempts"], last_error=row["last_error"],
                                             sent_at=parse_iso(row["sent_at"]), message_id=row["message_id"],
                                             sending_since=parse_iso(row["sending_since"]))
            for row in rows
        }

    def unfinished_sends(self) -> list[DeliveryRecord]:
        """Deliveries left "sending": the process stopped between handing a message to the server and
        recording the outcome. The next run of that date sends again under the same Message-ID."""
        rows = self._db.execute("SELECT date FROM deliveries WHERE briefing = ? AND status = 'sending' ORDER BY date",
                                (self.briefing,)).fetchall()
        found: list[DeliveryRecord] = []
        for day in dict.fromkeys(date.fromisoformat(row[0]) for row in rows):
            found.extend(r for r in self.deliveries(day).values() if r.status == "sending")
        return found

    def mark_sending(self, day: date, recipient: str, message_id: str, since: datetime) -> None:
        """Record, before the SMTP conversation, that this message is about to be handed over."""
        with self._tx() as db:
            db.execute(
                """
                INSERT INTO deliveries (briefing, date, recipient, status, attempts, message_id, sending_since)
                VALUES (?, ?, ?, 'sending', 0, ?, ?)
                ON CONFLICT(briefing, date, recipient) DO UPDATE SET
                    status = 'sending', message_id = excluded.message_id, sending_since = excluded.sending_since
                """,
                (self.briefing, day.isoformat(), recipient, message_id, iso(since)),
            )

    def record_delivery(self, day: date, recipient: str, status: str, *, attempts: int, error: str | None = None,
                        sent_at: datetime | None = None) -> None:
        """Add one run's attempts for (``day``, ``recipient``); a ``sent_at`` once set is kept."""
        with self._tx() as db:
            db.execute(
                """
                INSERT INTO deliveries (briefing, date, recipient, status, attempts, last_error, sent_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(briefing, date, recipient) DO UPDATE SET
                    status = excluded.status,
                    attempts = attempts + excluded.attempts,
                    last_error = excluded.last_error,
                    sent_at = COALESCE(excluded.sent_at, sent_at),
                    sending_since = NULL
                """,
                (self.briefing, day.isoformat(), recipient, status, attempts, error, iso(sent_at) if sent_at else None),
            )


Store = SQLiteStore  # the name callers have always used
