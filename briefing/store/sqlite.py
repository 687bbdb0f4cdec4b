"""The SQLite store: feeds, deduplicated items, caches, runs, in one file.

Nothing else in briefing sees ``sqlite3`` (the search index over written briefings aside). The schema
version lives in ``PRAGMA user_version``; each step is one ``_migrate_N`` function.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import StoreError
from ..kinds import kind_of
from ..models import Entry, Summary
from ..publishers import publisher_for
from .records import (
    DEFAULT_BRIEFING,
    UpsertStats,
    iso,
    normalize_url,
)
from .sql import SQLStore, entry_keys, pruned_keys_of

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


_MAX_KEYS_PER_QUERY = 100_000
"""Keys bound in one ``IN`` test at most, whatever SQLite allows."""


class SQLiteStore(SQLStore):
    """Typed access to the briefing database.

    Args:
        path: the SQLite file (created with its folder), or ``":memory:"``.
        briefing: the briefing whose runs, listings and deliveries this store reads and writes (several
            briefings may share one store; everything else is shared).
    """

    _LISTINGS_ORDER = "l.run_id"
    _TEXT_BYTES = "length(CAST({column} AS BLOB))"
    _SOURCES_ORDER = "rowid"

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

    def _rows(self, query: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self._db.execute(query, args).fetchall()

    def _value(self, query: str, args: Sequence[Any] = ()) -> Any:
        row = self._db.execute(query, args).fetchone()
        return row[0] if row else None

    def _insert(self, query: str, args: Sequence[Any]) -> int:
        with self._tx() as db:
            cursor = db.execute(query, args)
        return int(cursor.lastrowid or 0)

    def _in(self, values: Sequence[Any]) -> Iterator[tuple[str, list[Any]]]:
        # One query for as many keys as SQLite binds in one statement (250,000 in SQLite 3.40; 999 before 3.32),
        # less a few for the query's other parameters: a day's summaries or vectors are read in one query.
        size = max(1, min(self._db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER), _MAX_KEYS_PER_QUERY) - 16)
        for start in range(0, len(values), size):
            chunk = list(values[start : start + size])
            yield f"IN ({','.join('?' * len(chunk))})", chunk

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
                norm, guid_key, chash, publisher, keys = entry_keys(entry)
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

    # listings ----------------------------------------------------------

    def record_listings(self, run_id: int, day: date, listed: Iterable[tuple[int, int, str]]) -> None:
        """Remember what the run's briefing dated ``day`` holds: (item id, revision id, "listed" or "cut")."""
        with self._tx() as db:
            db.executemany(
                """INSERT OR REPLACE INTO listings (item_id, date, run_id, revision_id, status, briefing)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [(item, day.isoformat(), run_id, revision, status, self.briefing) for item, revision, status in listed],
            )

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
                f"INSERT OR IGNORE INTO pruned_keys (key) {pruned_keys_of(doomed)}",
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

    def save_summaries(self, summaries: Iterable[Summary], params: str, now: datetime) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(s.content_hash, s.backend, params, s.text, json.dumps(list(s.sentences)), s.note, iso(now))
                 for s in summaries],
            )

    def save_vectors(self, vectors: dict[str, np.ndarray], model: str) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                [(key, model, np.asarray(vec, dtype=np.float32).tobytes()) for key, vec in vectors.items()],
            )


Store = SQLiteStore  # the name callers have always used
