"""JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/), read into the shape feedparser gives.

``briefing.fetch`` turns feedparser's entries into ``Entry`` records; a JSON Feed item is handed to
the same code as a feedparser-like mapping, so cleaning, titles, links, dates, tags, publishers and
kinds work the same for RSS, Atom and JSON Feed.

Mapped fields: ``id`` → ``id`` (strings and numbers), ``url`` (else ``external_url``) → ``link``,
``title`` (plain text), ``content_html`` / ``content_text`` → ``content`` (HTML is preferred, as the
spec suggests), ``summary`` → ``summary``, ``date_published`` (else ``date_modified``) → dates,
``tags`` → ``tags``. At feed level: ``title`` and ``home_page_url`` (the site link).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = ["InvalidJsonFeed", "is_json_feed", "read_json_feed"]


class InvalidJsonFeed(ValueError):
    """The bytes are not a JSON Feed document; the message is one line."""

VERSION_PREFIX = "https://jsonfeed.org/version/"


def is_json_feed(content: bytes) -> bool:
    """Whether ``content`` looks like a JSON Feed document (a JSON object naming jsonfeed.org, whose slashes
    JSON may escape); ``read_json_feed`` checks the version."""
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and b"jsonfeed.org" in head


def read_json_feed(content: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The feed's information and its items, shaped like feedparser's ``feed`` and ``entries``.

    Raises:
        InvalidJsonFeed: not JSON, not a JSON Feed object, or ``items`` is not a list (one-line message).
    """
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InvalidJsonFeed(f"JSON Feed is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InvalidJsonFeed(f"invalid JSON Feed: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(VERSION_PREFIX):
        raise InvalidJsonFeed("invalid JSON Feed: no jsonfeed.org version")
    items = document.get("items")
    if not isinstance(items, list):
        raise InvalidJsonFeed("invalid JSON Feed: 'items' is not a list")
    info: dict[str, Any] = {}
    if isinstance(document.get("title"), str):
        info["title"] = document["title"]
    if isinstance(document.get("home_page_url"), str):
        info["link"] = document["home_page_url"]
    return info, [_item(item) for item in items if isinstance(item, Mapping)]


def _item(item: Mapping[str, Any]) -> dict[str, Any]:
    shaped: dict[str, Any] = {}
    ident = item.get("id")
    if isinstance(ident, (str, int)) and not isinstance(ident, bool):
        shaped["id"] = str(ident)
    link = _text(item.get("url")) or _text(item.get("external_url"))
    if link:
        shaped["link"] = link
    if title := _text(item.get("title")):
        shaped["title"] = title
        shaped["title_detail"] = {"type": "text/plain", "value": title}
    content = []
    if html := _text(item.get("content_html")):
        content.append({"type": "text/html", "value": html})
    elif text := _text(item.get("content_text")):
        content.append({"type": "text/plain", "value": text})
    if content:
        shaped["content"] = content
    if summary := _text(item.get("summary")):
        shaped["summary_detail"] = {"type": "text/plain", "value": summary}
    for key, target in (("date_published", "published_parsed"), ("date_modified", "updated_parsed")):
        moment = _date(item.get(key))
        if moment is not None:
            shaped[target] = moment.timetuple()
    tags = item.get("tags")
    if isinstance(tags, list):
        shaped["tags"] = [{"term": tag} for tag in tags if isinstance(tag, str)]
    return shaped


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _date(value: object) -> datetime | None:
    """An RFC 3339 date in UTC; None when missing or malformed (a naive one is taken as UTC)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
