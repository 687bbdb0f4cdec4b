"""``open_store(url)``: the one place that maps a store URL to an implementation.

``sqlite:///relative/path``, ``sqlite:////absolute/path`` or ``sqlite://`` (in memory) open the SQLite
store; ``postgresql://user@host:port/dbname`` (or ``postgres://``; libpq's query parameters such as
``?options=-csearch_path%3Dbriefing`` pass through) opens the PostgreSQL one, which needs the optional
``postgres`` extra. A URL's password, if any, is never shown in messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from ..errors import StoreError
from .protocol import BriefingStore
from .records import DEFAULT_BRIEFING

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["SCHEMES", "open_store", "redact", "sqlite_path", "store_for"]

SCHEMES = ("sqlite", "postgresql", "postgres")
_EXAMPLES = "sqlite:///path/to/briefing.db or postgresql://user@host/dbname"


def redact(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        user = parts.username or ""
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return urlunsplit((parts.scheme, f"{user}:***@{host}{port}", parts.path, parts.query, parts.fragment))
    except ValueError:  # not a URL urllib can take apart: keep the scheme and what follows the last "@"
        scheme, _, rest = url.rpartition("://")
        return f"{scheme}://***@{rest.rpartition('@')[2]}" if "@" in rest else url


def scheme_of(url: str) -> str:
    """The URL's scheme, lower-cased ("" when it has none)."""
    head, sep, _ = url.partition("://")
    return head.lower() if sep else ""


def sqlite_path(url: str) -> str:
    """The file a ``sqlite://`` URL names (``":memory:"`` for ``sqlite://``)."""
    rest = url.partition("://")[2]
    if rest in ("", "/", "/:memory:"):
        return ":memory:"
    if not rest.startswith("/"):
        raise StoreError(f"{url}: not a store URL; write {_EXAMPLES}")
    return rest[1:]


def store_for(config: Config) -> BriefingStore:
    """The config's store (``store.url``, else its SQLite file), opened for its briefing (``store.briefing``)."""
    return open_store(config.store_url, briefing=config.store.briefing)


def open_store(url: str, *, briefing: str = DEFAULT_BRIEFING) -> BriefingStore:
    """Open (and migrate) the store at ``url``, for the briefing named ``briefing``: its runs, listings and
    deliveries are that briefing's own, everything else (feeds, items, summaries, vectors) is shared.

    Raises:
        StoreError: in one line naming the URL and what to do: an unknown scheme, a missing driver, a server
            that cannot be reached, or a store written by a newer briefing.
    """
    scheme = scheme_of(url)
    if scheme == "sqlite":
        from .sqlite import SQLiteStore

        return SQLiteStore(sqlite_path(url), briefing=briefing)
    if scheme in ("postgresql", "postgres"):
        from .postgres import PostgresStore

        return PostgresStore(url, briefing=briefing)
    raise StoreError(f"{redact(url)}: not a store URL (store.url); write {_EXAMPLES}")
