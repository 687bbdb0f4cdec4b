"""What the SQLite and PostgreSQL stores share: the queries whose SQL is the same in both dialects.

Queries here are written once with ``?`` placeholders; ``_sql`` turns them into the subclass's
placeholder style. A subclass supplies the connection (``_db``), ``_tx`` (one transaction), ``_rows``
and ``_value`` (a query in its own placeholder style), ``_insert`` (``lastrowid`` or ``RETURNING id``),
``_in`` (a column against many values: chunks of ``IN (?, …)`` or one ``= ANY(?)``), and what only its
dialect can say: migrations, the writes of items, listings and caches (upserts), and pruning.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import Any, NamedTuple, Self

import numpy as np

from ..errors import StoreError
from ..models import Article, Entry, FetchResult, Source, Summary
from ..publishers import publisher_for
from .records import (
    DeliveryRecord,
    Horizon,
    ItemSighting,
    Listing,
    RunRecord,
    content_hash,
    iso,
    normalize_url,
    parse_iso,
)
from .records import upto as _upto

__all__ = ["SQLStore"]


def source_from_row(row: Any) -> Source:
    """One feed's copy of an item, from a ``sources`` or ``copies`` row."""
    return Source(outlet=row["outlet"], title=row["title"], url=row["url"], published=parse_iso(row["published"]),
                  feed_url=row["feed_url"], publisher=row["publisher"] or "")


def run_record(row: Any) -> RunRecord:
    """A ``runs`` row."""
    return RunRecord(id=row["id"], date=date.fromisoformat(row["date"]),
                     started=datetime.fromisoformat(row["started"]), finished=parse_iso(row["finished"]),
                     status=row["status"], stats=json.loads(row["stats"]),
                     failed_feeds=json.loads(row["failed_feeds"]), email_status=row["email_status"],
                     rule=row["rule"], as_of=parse_iso(row["as_of"]),
                     horizon=Horizon(revision=row["max_revision"], copy=row["max_copy"])
                     if row["max_revision"] is not None else None)


def listing(row: Any) -> Listing:
    """A ``listings`` row."""
    return Listing(item_id=row["item_id"], date=date.fromisoformat(row["date"]), run_id=row["run_id"],
                   revision_id=row["revision_id"], status=row["status"])


class EntryKeys(NamedTuple):
    """What an entry is stored and matched under."""

    norm_url: str | None
    guid_key: str | None
    content_hash: str
    publisher: str
    keys: list[tuple[str, str]]
    """(column, value) of the keys it has, in the order they are looked up: URL, GUID, content hash."""


def entry_keys(entry: Entry) -> EntryKeys:
    """The keys of a parsed entry: its normalized URL, its GUID (global when it is a URL, else per feed), its
    content hash, and its publisher."""
    norm = normalize_url(entry.url) if entry.url else None
    guid_key = None
    if entry.guid:
        guid_key = entry.guid if "://" in entry.guid else f"{entry.feed_url}#{entry.guid}"
    chash = content_hash(entry.title, entry.text)
    publisher = entry.publisher or publisher_for(item_url=entry.url, feed_url=entry.feed_url, name=entry.outlet)
    keys = [(column, value) for column, value in
            (("norm_url", norm), ("guid_key", guid_key), ("content_hash", chash)) if value is not None]
    return EntryKeys(norm, guid_key, chash, publisher, keys)


def pruned_keys_of(doomed: str) -> str:
    """A query for the keys (``column:value``) of the items that the query ``doomed`` selects the ids of: what
    ``prune`` keeps of them, so that a feed still carrying one brings it back as history, not news."""
    return f"""SELECT 'norm_url:' || norm_url FROM items WHERE id IN ({doomed}) AND norm_url IS NOT NULL
               UNION SELECT 'guid_key:' || guid_key FROM items WHERE id IN ({doomed}) AND guid_key IS NOT NULL
               UNION SELECT 'content_hash:' || content_hash FROM revisions WHERE item_id IN ({doomed})
               UNION SELECT 'norm_url:' || norm_url FROM sources WHERE item_id IN ({doomed})
                     AND norm_url IS NOT NULL
               UNION SELECT 'guid_key:' || guid_key FROM sources WHERE item_id IN ({doomed})
                     AND guid_key IS NOT NULL"""


class SQLStore:
    """The queries both stores run alike; see the module's docstring for what a subclass supplies."""

    briefing: str
    _db: Any

    _LISTINGS_ORDER = "l.run_id, l.item_id"
    """How ``listings_by_item`` orders the rows it reads."""

    _TEXT_BYTES = "octet_length({column})"
    """The bytes a text column holds, ``{column}`` standing for its name."""

    _SOURCES_ORDER = "seq"
    """The column that orders an item's feed copies in ``sources`` as they were first stored."""

    # what a subclass supplies -------------------------------------------

    def _sql(self, query: str) -> str:
        """A query written with ``?`` placeholders, in this store's placeholder style."""
        return query

    def _tx(self) -> AbstractContextManager[Any]:
        """One transaction; yields something with ``execute(query, args)``."""
        raise NotImplementedError

    def _rows(self, query: str, args: Sequence[Any] = ()) -> list[Any]:
        """All rows of a query in this store's own placeholder style (rows indexable by column name)."""
        raise NotImplementedError

    def _value(self, query: str, args: Sequence[Any] = ()) -> Any:
        """The first column of a query's first row (None for no row), in this store's own placeholder style."""
        raise NotImplementedError

    def _insert(self, query: str, args: Sequence[Any]) -> int:
        """Run an ``INSERT`` (``?`` placeholders) of one row in a transaction of its own; returns the row's id."""
        raise NotImplementedError

    def _in(self, values: Sequence[Any]) -> Iterator[tuple[str, list[Any]]]:
        """``IN`` tests of a column against ``values``: (SQL after the column, with ``?`` placeholders, and its
        arguments), one query's worth each."""
        raise NotImplementedError

    def _items_tx(self) -> AbstractContextManager[Any]:
        """One transaction that adds or rewrites items or their revisions."""
        return self._tx()

    @property
    def location(self) -> str:
        raise NotImplementedError

    # helpers -------------------------------------------------------------

    def _all(self, query: str, args: Sequence[Any] = ()) -> list[Any]:
        return self._rows(self._sql(query), args)

    def _one(self, query: str, args: Sequence[Any] = ()) -> Any:
        return self._value(self._sql(query), args)

    def _write(self, query: str, args: Sequence[Any] = ()) -> None:
        with self._tx() as db:
            db.execute(self._sql(query), args)

    # the connection ------------------------------------------------------

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # feeds -------------------------------------------------------------

    def feed_states(self) -> dict[str, tuple[str | None, str | None]]:
        """ETag and Last-Modified per feed URL, for conditional GET."""
        rows = self._all("SELECT url, etag, last_modified FROM feeds")
        return {row["url"]: (row["etag"], row["last_modified"]) for row in rows}

    def record_fetch(self, result: FetchResult, fetched_at: datetime) -> None:
        """Remember how fetching a feed went; validators are kept from the last good fetch."""
        status = "error" if result.error else ("not-modified" if result.not_modified else "ok")
        self._write(
            """
            INSERT INTO feeds (url, title, etag, last_modified, last_fetched, last_status, last_error, entries)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (url) DO UPDATE SET
                title = COALESCE(excluded.title, feeds.title),
                etag = CASE WHEN excluded.last_status = 'ok' THEN excluded.etag ELSE feeds.etag END,
                last_modified = CASE WHEN excluded.last_status = 'ok'
                                     THEN excluded.last_modified ELSE feeds.last_modified END,
                last_fetched = excluded.last_fetched,
                last_status = excluded.last_status,
                last_error = excluded.last_error,
                entries = CASE WHEN excluded.last_status = 'not-modified' THEN feeds.entries
                               ELSE excluded.entries END
            """,
            (result.feed.url, result.feed_title, result.etag, result.last_modified, iso(fetched_at),
             status, result.error or result.warning, len(result.entries)),
        )

    def feed_report(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._all(
            """SELECT url, title, etag, last_modified, last_fetched, last_status, last_error, entries
               FROM feeds ORDER BY url""")]

    # items -------------------------------------------------------------

    def _add_revision(self, db: Any, item_id: int, seen_at: datetime) -> None:
        """Remember the item's text as it now stands, first seen at ``seen_at``."""
        db.execute(
            self._sql("""INSERT INTO revisions (item_id, seen_at, content_hash, title, text, url, kind, text_source)
                         SELECT id, ?, content_hash, title, text, url, kind, text_source FROM items WHERE id = ?"""),
            (iso(seen_at), item_id),
        )

    def items_needing_page_text(self, item_ids: Sequence[int]) -> list[Article]:
        """Of these items, those still holding feed text with an http(s) URL, in the given order."""
        ids = list(dict.fromkeys(item_ids))
        rows: dict[int, Any] = {}
        for where, args in self._in(ids):
            for row in self._all(
                f"""SELECT * FROM items WHERE id {where} AND text_source = 'feed'
                    AND (url LIKE 'http://%' OR url LIKE 'https://%')""",
                args,
            ):
                rows[row["id"]] = row
        return self._articles([rows[i] for i in ids if i in rows])

    def set_page_text(self, item_id: int, text: str, seen_at: datetime | None = None) -> None:
        """Replace an item's text with its article page's (a new revision, first seen at ``seen_at``, default
        now); its new content hash gets it summarized again."""
        with self._items_tx() as db:
            row = db.execute(self._sql("SELECT title FROM items WHERE id = ?"), (item_id,)).fetchone()
            if row is None:
                raise StoreError(f"{self.location}: no item {item_id}")
            db.execute(
                self._sql("UPDATE items SET text = ?, content_hash = ?, text_source = 'page' WHERE id = ?"),
                (text, content_hash(row["title"], text), item_id),
            )
            self._add_revision(db, item_id, seen_at or datetime.now(UTC))

    def articles_between(self, start: datetime, end: datetime) -> list[Article]:
        """Articles published in ``[start, end)``, oldest first, with their sources."""
        rows = self._all("SELECT * FROM items WHERE published >= ? AND published < ? ORDER BY published, id",
                         (iso(start), iso(end)))
        return self._articles(rows)

    def _articles(self, rows: Sequence[Any]) -> list[Article]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        sources: dict[int, list[Source]] = {i: [] for i in ids}
        for where, args in self._in(ids):
            for src in self._all(
                f"SELECT * FROM sources WHERE item_id {where} ORDER BY item_id, {self._SOURCES_ORDER}", args
            ):
                sources[src["item_id"]].append(source_from_row(src))
        return [
            Article(id=row["id"], title=row["title"], text=row["text"], url=row["url"],
                    published=datetime.fromisoformat(row["published"]), content_hash=row["content_hash"],
                    sources=tuple(sources[row["id"]]), kind=row["kind"])
            for row in rows
        ]

    # as of a moment ----------------------------------------------------

    def horizon(self) -> Horizon:
        """What the store holds now: a run records it and is built, and rebuilt, from what lies within it."""
        row = self._all("""SELECT (SELECT COALESCE(max(id), 0) FROM revisions) AS revision,
                                  (SELECT COALESCE(max(id), 0) FROM copies) AS copy""")[0]
        return Horizon(revision=int(row["revision"]), copy=int(row["copy"]))

    def sightings(self, horizon: Horizon | None = None) -> list[ItemSighting]:
        """Every item the store held at ``horizon`` (default: now), oldest first."""
        rows = self._all(
            """SELECT id, published, first_seen, history_only FROM items i
               WHERE EXISTS (SELECT 1 FROM revisions r WHERE r.item_id = i.id AND r.id <= ?)
               ORDER BY id""",
            (_upto(horizon and horizon.revision),),
        )
        return [ItemSighting(id=row["id"], published=datetime.fromisoformat(row["published"]),
                             first_seen=datetime.fromisoformat(row["first_seen"]),
                             history_only=bool(row["history_only"])) for row in rows]

    def revised_between(self, after: Horizon | None, upto: Horizon | None) -> set[int]:
        """Items that gained a revision after ``after`` (None: ever) and up to ``upto`` (None: now)."""
        rows = self._all("SELECT DISTINCT item_id FROM revisions WHERE id > ? AND id <= ?",
                         (after.revision if after else 0, _upto(upto and upto.revision)))
        return {int(row["item_id"]) for row in rows}

    def previous_view(self, run_id: int | None) -> Horizon | None:
        """What the store held when the last successful run before ``run_id`` built its briefing."""
        rows = self._all(
            """SELECT max_revision, max_copy FROM runs WHERE id < ? AND status = 'ok' AND max_revision IS NOT NULL
                 AND briefing = ? ORDER BY id DESC LIMIT 1""",
            (_upto(run_id), self.briefing),
        )
        return Horizon(revision=rows[0]["max_revision"], copy=rows[0]["max_copy"]) if rows else None

    def articles_as_of(self, item_ids: Sequence[int], horizon: Horizon | None = None) -> list[Article]:
        """These items as the store held them at ``horizon`` (their revision and feed copies then), in the given
        order; items not yet seen then are left out."""
        ids = list(dict.fromkeys(item_ids))
        rows: dict[int, Any] = {}
        for where, args in self._in(ids):
            for row in self._revision_rows(f"i.id {where}", args, horizon):
                rows[row["id"]] = row
        return self._articles_from_revisions([rows[i] for i in ids if i in rows], horizon)

    def published_as_of(self, start: datetime, end: datetime, horizon: Horizon | None = None) -> list[Article]:
        """Articles published in ``[start, end)`` as the store held them at ``horizon``, oldest first."""
        rows = self._revision_rows("i.published >= ? AND i.published < ?", [iso(start), iso(end)], horizon,
                                   order="i.published, i.id")
        return self._articles_from_revisions(rows, horizon)

    def revision_as_article(self, item_id: int, revision_id: int, horizon: Horizon | None = None) -> Article | None:
        """One item as it read in one revision (what a briefing showed), with its feed copies at ``horizon``."""
        rows = self._all(
            """SELECT i.id, i.published, i.first_seen, r.id AS revision, r.title, r.text, r.url, r.content_hash,
                      r.kind FROM items i JOIN revisions r ON r.item_id = i.id WHERE i.id = ? AND r.id = ?""",
            (item_id, revision_id),
        )
        articles = self._articles_from_revisions(rows, horizon)
        return articles[0] if articles else None

    def _revision_rows(self, where: str, args: Sequence[object], horizon: Horizon | None,
                       order: str = "i.id") -> list[Any]:
        """Items matching ``where`` (``?`` placeholders, bound to ``args``) as of ``horizon``."""
        return self._all(
            f"""SELECT i.id, i.published, i.first_seen, r.id AS revision, r.title, r.text, r.url, r.content_hash,
                       r.kind
                FROM items i JOIN revisions r
                  ON r.id = (SELECT max(id) FROM revisions WHERE item_id = i.id AND id <= ?)
                WHERE {where} ORDER BY {order}""",
            (_upto(horizon and horizon.revision), *args),
        )

    def _articles_from_revisions(self, rows: Sequence[Any], horizon: Horizon | None) -> list[Article]:
        if not rows:
            return []
        ids = list(dict.fromkeys(row["id"] for row in rows))
        sources: dict[int, list[Source]] = {i: [] for i in ids}
        upto = _upto(horizon and horizon.copy)
        for where, args in self._in(ids):
            # Each feed's copy as it stood, in the order the feeds first carried the item.
            for src in self._all(
                f"""SELECT c.*, (SELECT min(id) FROM copies f WHERE f.item_id = c.item_id
                                 AND f.feed_url = c.feed_url) AS first
                    FROM copies c WHERE c.item_id {where}
                      AND c.id = (SELECT max(id) FROM copies l WHERE l.item_id = c.item_id
                                  AND l.feed_url = c.feed_url AND l.id <= ?)
                    ORDER BY c.item_id, first""",
                (*args, upto),
            ):
                sources[src["item_id"]].append(source_from_row(src))
        return [
            Article(id=row["id"], title=row["title"], text=row["text"], url=row["url"],
                    published=datetime.fromisoformat(row["published"]), content_hash=row["content_hash"],
                    sources=tuple(sources[row["id"]]), kind=row["kind"],
                    first_seen=datetime.fromisoformat(row["first_seen"]), revision=row["revision"])
            for row in rows
        ]

    # listings ----------------------------------------------------------

    def listings_before(self, run_id: int | None, day: date) -> dict[int, Listing]:
        """Each item's latest place in the briefings of other dates than ``day`` as they stood before run
        ``run_id`` (for each date, the last run that wrote it); all runs when ``run_id`` is None."""
        rows = self._all(
            """SELECT l.* FROM listings l
               WHERE l.briefing = ? AND l.date != ? AND l.run_id < ?
                 AND l.run_id = (SELECT max(run_id) FROM listings m WHERE m.briefing = l.briefing AND m.date = l.date
                                 AND m.run_id < ?)
               ORDER BY l.run_id, l.item_id""",
            (self.briefing, day.isoformat(), _upto(run_id), _upto(run_id)),
        )
        return {row["item_id"]: listing(row) for row in rows}

    def listings_by_item(self) -> dict[int, list[Listing]]:
        """Per item, its places in the briefings as they stand (each date's last run), oldest run first."""
        rows = self._all(
            f"""SELECT * FROM listings l
                WHERE l.briefing = ?
                  AND l.run_id = (SELECT max(run_id) FROM listings m WHERE m.briefing = l.briefing AND m.date = l.date)
                ORDER BY {self._LISTINGS_ORDER}""",
            (self.briefing,),
        )
        found: dict[int, list[Listing]] = {}
        for row in rows:
            found.setdefault(row["item_id"], []).append(listing(row))
        return found

    def pruned_before(self) -> datetime | None:
        """The cutoff of the latest prune: items older than it by both publication and first sight are gone."""
        return parse_iso(self._one("SELECT value FROM meta WHERE name = 'pruned_before'"))

    def size_report(self) -> dict[str, int]:
        """Rows per table and the text bytes kept in item revisions (for the cost of keeping them)."""
        counts = {table: int(self._one(f"SELECT count(*) FROM {table}"))
                  for table in ("items", "revisions", "copies", "listings", "sources")}
        size = " + ".join(self._TEXT_BYTES.format(column=column) for column in ("title", "text"))
        for name, table in (("revision_bytes", "revisions"), ("item_bytes", "items")):
            counts[name] = int(self._one(f"SELECT COALESCE(sum({size}), 0) FROM {table}"))
        return counts

    def count_items(self) -> int:
        return int(self._one("SELECT count(*) FROM items"))

    def newest_published(self) -> datetime | None:
        """When the newest stored item was published (None for an empty store): what an empty briefing cites."""
        return parse_iso(self._one("SELECT max(published) FROM items"))

    # caches ------------------------------------------------------------

    def cached_summaries(self, hashes: Iterable[str], backend: str, params: str) -> dict[str, Summary]:
        found: dict[str, Summary] = {}
        for where, args in self._in(sorted(set(hashes))):
            for row in self._all(
                f"""SELECT content_hash, text, sentences, note FROM summaries
                    WHERE backend = ? AND params = ? AND content_hash {where}""",
                (backend, params, *args),
            ):
                chash = row["content_hash"]
                found[chash] = Summary(content_hash=chash, text=row["text"], backend=backend,
                                       sentences=tuple(json.loads(row["sentences"])), note=row["note"])
        return found

    def cached_vectors(self, keys: Iterable[str], model: str) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for where, args in self._in(sorted(set(keys))):
            for row in self._all(f"SELECT key, vector FROM embeddings WHERE model = ? AND key {where}",
                                 (model, *args)):
                found[row["key"]] = np.frombuffer(bytes(row["vector"]), dtype=np.float32)
        return found

    # runs --------------------------------------------------------------

    def start_run(self, day: date, started: datetime) -> int:
        return self._insert("INSERT INTO runs (briefing, date, started, status) VALUES (?, ?, ?, 'running')",
                            (self.briefing, day.isoformat(), iso(started)))

    def finish_run(self, run_id: int, finished: datetime, status: str, stats: dict[str, Any],
                   failed_feeds: list[dict[str, str]]) -> None:
        self._write("UPDATE runs SET finished = ?, status = ?, stats = ?, failed_feeds = ? WHERE id = ?",
                    (iso(finished), status, json.dumps(stats, sort_keys=True), json.dumps(failed_feeds), run_id))

    def record_view(self, run_id: int, *, rule: str, as_of: datetime, horizon: Horizon) -> None:
        """Remember how the run's briefing chose its articles and what the store held when it was built."""
        self._write("UPDATE runs SET rule = ?, as_of = ?, max_revision = ?, max_copy = ? WHERE id = ?",
                    (rule, iso(as_of), horizon.revision, horizon.copy, run_id))

    def latest_briefing_date(self) -> date | None:
        """The newest date any run wrote a briefing for."""
        value = self._one("SELECT max(date) FROM runs WHERE status = 'ok' AND briefing = ?", (self.briefing,))
        return date.fromisoformat(value) if value else None

    def set_email_status(self, run_id: int, status: str) -> None:
        self._write("UPDATE runs SET email_status = ? WHERE id = ?", (status, run_id))

    def runs(self, since: date | None = None) -> list[RunRecord]:
        query = "SELECT * FROM runs WHERE briefing = ?"
        args: tuple[str, ...] = (self.briefing,)
        if since:
            query += " AND date >= ?"
            args = (self.briefing, since.isoformat())
        return [run_record(row) for row in self._all(query + " ORDER BY started DESC, id DESC", args)]

    def last_briefing_run(self, day: date) -> RunRecord | None:
        """The latest run that wrote the briefing dated ``day`` (what ``regenerate`` reproduces)."""
        rows = self._all(
            """SELECT * FROM runs WHERE briefing = ? AND date = ? AND status = 'ok'
               ORDER BY started DESC, id DESC LIMIT 1""",
            (self.briefing, day.isoformat()),
        )
        return run_record(rows[0]) if rows else None

    # deliveries --------------------------------------------------------

    def deliveries(self, day: date) -> dict[str, DeliveryRecord]:
        """What was sent for the briefing dated ``day``, by recipient."""
        rows = self._all("SELECT * FROM deliveries WHERE briefing = ? AND date = ?", (self.briefing, day.isoformat()))
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
        rows = self._all("SELECT date FROM deliveries WHERE briefing = ? AND status = 'sending' ORDER BY date",
                         (self.briefing,))
        found: list[DeliveryRecord] = []
        for day in dict.fromkeys(date.fromisoformat(row["date"]) for row in rows):
            found.extend(r for r in self.deliveries(day).values() if r.status == "sending")
        return found

    def mark_sending(self, day: date, recipient: str, message_id: str, since: datetime) -> None:
        """Record, before the SMTP conversation, that this message is about to be handed over."""
        self._write(
            """
            INSERT INTO deliveries (briefing, date, recipient, status, attempts, message_id, sending_since)
            VALUES (?, ?, ?, 'sending', 0, ?, ?)
            ON CONFLICT (briefing, date, recipient) DO UPDATE SET
                status = 'sending', message_id = excluded.message_id, sending_since = excluded.sending_since
            """,
            (self.briefing, day.isoformat(), recipient, message_id, iso(since)),
        )

    def record_delivery(self, day: date, recipient: str, status: str, *, attempts: int, error: str | None = None,
                        sent_at: datetime | None = None) -> None:
        """Add one run's attempts for (``day``, ``recipient``); a ``sent_at`` once set is kept."""
        self._write(
            """
            INSERT INTO deliveries (briefing, date, recipient, status, attempts, last_error, sent_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (briefing, date, recipient) DO UPDATE SET
                status = excluded.status,
                attempts = deliveries.attempts + excluded.attempts,
                last_error = excluded.last_error,
                sent_at = COALESCE(excluded.sent_at, deliveries.sent_at),
                sending_since = NULL
            """,
            (self.briefing, day.isoformat(), recipient, status, attempts, error, iso(sent_at) if sent_at else None),
        )
