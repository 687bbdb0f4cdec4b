"""Editing the ``[[feeds]]`` list of a config file in place, comments kept (tomlkit)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError

from .config import FeedConfig
from .errors import ConfigError


def _load(path: Path) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (create one with `briefing init {path}`)") from None
    except TOMLKitError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def add_feeds(path: Path, feeds: Iterable[FeedConfig]) -> list[FeedConfig]:
    """Append feeds not already in the file; returns the ones added."""
    document = _load(path)
    table = document.get("feeds")
    if not isinstance(table, tomlkit.items.AoT):
        # Missing, or an inline array such as `feeds = []`: rewrite as [[feeds]] tables.
        table = tomlkit.aot()
        for existing in document.get("feeds") or []:
            entry = tomlkit.table()
            entry.update(existing)
            table.append(entry)
        document.pop("feeds", None)
        document["feeds"] = table
    known = {str(item.get("url")) for item in table}
    added = []
    for feed in feeds:
        if feed.url in known:
            continue
        entry = tomlkit.table()
        entry["url"] = feed.url
        if feed.name:
            entry["name"] = feed.name
        if feed.full_text:
            entry["full_text"] = True
        if feed.publisher:
            entry["publisher"] = feed.publisher
        table.append(entry)
        known.add(feed.url)
        added.append(feed)
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return added


def remove_feed(path: Path, url: str) -> bool:
    """Remove the feed with this URL; returns whether it was there."""
    document = _load(path)
    table = document.get("feeds")
    if table is None:
        return False
    for index, item in enumerate(table):
        if str(item.get("url")) == url:
            del table[index]
            path.write_text(tomlkit.dumps(document), encoding="utf-8")
            return True
    return False


def read_opml(path: Path) -> list[FeedConfig]:
    """The feeds listed in an OPML file.

    Raises:
        ConfigError: the file is missing or is not OPML with feeds in it.
    """
    import listparser

    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read OPML file: {exc.strerror}") from None
    parsed = listparser.parse(content)
    if not parsed.feeds:
        reason = f" ({parsed.bozo_exception})" if parsed.bozo else ""
        raise ConfigError(f"{path}: no feeds found in OPML file{reason}")
    return [FeedConfig(url=feed.url, name=feed.title or None) for feed in parsed.feeds if feed.url]


def write_opml(feeds: Iterable[FeedConfig], title: str = "briefing feeds") -> str:
    from xml.sax.saxutils import escape, quoteattr

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">',
             f"  <head><title>{escape(title)}</title></head>", "  <body>"]
    for feed in feeds:
        name = quoteattr(feed.name or feed.url)
        lines.append(f'    <outline type="rss" text={name} title={name} xmlUrl={quoteattr(feed.url)}/>')
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)
