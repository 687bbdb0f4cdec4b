"""Full-text search over the written briefings: an SQLite FTS5 index beside them, in the output folder.

Built from the dated ``YYYY-MM-DD.json`` briefings (like the archive), so it covers old, regenerated and
copied days alike, and can always be rebuilt: ``sync`` re-reads only the files that changed since (by
size and modification time) and forgets days whose file is gone. The pipeline syncs it after each
briefing, with the archive; ``briefing search`` and ``briefing serve`` sync before they read.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .errors import StoreError

__all__ = ["INDEX_NAME", "Hit", "SearchIndex", "fts_query", "load_briefing"]

INDEX_NAME = ".search.sqlite"
_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WORD = re.compile(r"\w+", re.UNICODE)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (day TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS stories USING fts5(
    title, summary, sources, day UNINDEXED, position UNINDEXED, url UNINDEXED, status UNINDEXED, kind UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
"""


@dataclass(frozen=True)
class Hit:
    """One story of one briefing that matches a search."""

    day: date
    rank: int
    title: str
    snippet: str  # the summary (or title) around the match, matches between \x02 and \x03
    sources: str  # the outlets, comma-separated
    url: str | None
    status: str
    kind: str


def fts_query(text: str) -> str | None:
    """A user's words as an FTS5 query that cannot be a syntax error: every word must occur (any case,
    accents ignored), the last one also as a prefix; None when there are no words."""
    words = _WORD.findall(text)
    if not words:
        return None
    quoted = [f'"{word}"' for word in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def load_briefing(path: Path) -> dict[str, Any] | None:
    """A briefing JSON file as data, or None when it is not a readable briefing."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("stories"), list):
        return None
    return data


class SearchIndex:
    """The FTS5 index of one output folder (``out_dir/.search.sqlite``).

    Raises:
        StoreError: the index file cannot be opened or written (the message names it).
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.path = self.out_dir / INDEX_NAME
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path)
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the search index: {exc}") from None
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the search index: {exc.strerror}") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        try:
            with self._db:
                yield self._db
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: search index write failed: {exc}") from None

    def sync(self) -> int:
        """Bring the index in line with the folder's dated briefings; returns how many days were (re)read."""
        files = {path.stem: path for path in self.out_dir.glob("*.json") if _DATED.match(path.stem)}
        known = {row[0]: (row[1], row[2]) for row in self._db.execute("SELECT day, mtime_ns, size FROM files")}
        changed = 0
        with self._tx() as db:
            for day in set(known) - set(files):
                db.execute("DELETE FROM stories WHERE day = ?", (day,))
                db.execute("DELETE FROM files WHERE day = ?", (day,))
            for day, path in sorted(files.items()):
                try:
                    stat = path.stat()
                except OSError:
                    continue
                if known.get(day) == (stat.st_mtime_ns, stat.st_size):
                    continue
                changed += 1
                db.execute("DELETE FROM stories WHERE day = ?", (day,))
                data = load_briefing(path)
                for story in (data or {}).get("stories", []):
                    if isinstance(story, dict):
                        db.execute("INSERT INTO stories (title, summary, sources, day, position, url, status, kind) "
                                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _row(day, story))
                db.execute("INSERT OR REPLACE INTO files (day, mtime_ns, size) VALUES (?, ?, ?)",
                           (day, stat.st_mtime_ns, stat.st_size))
        return changed

    def search(self, text: str, *, since: date | None = None, limit: int = 50) -> list[Hit]:
        """Stories matching every word of ``text``, best first (BM25, headline words weigh most)."""
        query = fts_query(text)
        if query is None:
            return []
        sql = ("SELECT day, position, title, snippet(stories, -1, char(2), char(3), '…', 24), sources, url, status, "
               "kind FROM stories WHERE stories MATCH ?")
        args: list[Any] = [query]
        if since is not None:
            sql += " AND day >= ?"
            args.append(since.isoformat())
        sql += " ORDER BY bm25(stories, 4.0, 1.0, 0.5), day DESC LIMIT ?"
        args.append(limit)
        try:
            rows = self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: search failed: {exc}") from None
        return [Hit(day=date.fromisoformat(r[0]), rank=int(r[1]), title=r[2], snippet=r[3] or r[2], sources=r[4],
                    url=r[5] or None, status=r[6], kind=r[7]) for r in rows]


def _row(day: str, story: dict[str, Any]) -> tuple[Any, ...]:
    from .render import safe_url

    sources = [s for s in story.get("sources") or [] if isinstance(s, dict)]
    outlets = ", ".join(dict.fromkeys(str(s.get("outlet") or "") for s in sources if s.get("outlet")))
    url = next((u for u in (safe_url(s.get("url")) for s in sources if isinstance(s.get("url"), str)) if u), None)
    return (str(story.get("title") or ""), str(story.get("summary") or ""), outlets, day,
            int(story.get("rank") or 0), url, str(story.get("status") or ""), str(story.get("kind") or ""))
