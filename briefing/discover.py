"""What `briefing feeds add` checks: that a feed location is a URL or a file, and which feeds a web page offers.

Pure apart from looking at the file system for paths: no network here (the CLI fetches).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

from .errors import ConfigError

__all__ = ["FEED_TYPES", "feed_links", "feed_location"]

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
              "text/xml")
"""Link types a page's ``<link rel="alternate">`` may give for a feed briefing can read (not JSON Feed)."""
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_HOST_LIKE = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?(/|$)")


def feed_location(text: str, cwd: Path | None = None) -> str:
    """A feed as the config should record it: an http(s) URL as given, or an existing file as an absolute path.

    Relative paths are resolved against ``cwd`` (the working folder), as a shell user expects.

    Raises:
        ConfigError: not an http(s)/file URL with a host or path, or no such file; the message says what to give.
    """
    value = text.strip()
    if not value:
        raise ConfigError("feed: empty; give a feed URL (https://...) or a file path")
    base = Path(cwd) if cwd is not None else Path.cwd()
    scheme = _SCHEME.match(value)
    if scheme and not (len(scheme.group(1)) == 1 and Path(value).exists()):  # "C:\\feed.xml" is a path
        name = scheme.group(1).lower()
        try:
            parts = urlsplit(value)
        except ValueError as exc:
            raise ConfigError(f"{value}: not a valid URL ({exc})") from None
        if name in ("http", "https"):
            if not value.lower().startswith(name + "://") or not parts.hostname:
                raise ConfigError(f"{value}: not a valid URL (expected {name}://host/path)")
            if any(ch.isspace() for ch in value):
                raise ConfigError(f"{value}: not a valid URL (it contains a space; percent-encode it as %20)")
            return value
        if name == "file":
            if parts.netloc not in ("", "localhost"):
                raise ConfigError(f"{value}: file URLs must name a local file (file:///path/to/feed.xml)")
            path = Path(url2pathname(parts.path))
            return _existing_file(path, value)
        raise ConfigError(f"{value}: unsupported URL scheme {name!r} (use http://, https://, file:// or a file path)")
    path = Path(value).expanduser()
    path = path if path.is_absolute() else base / path
    if not path.exists() and _HOST_LIKE.match(value):
        raise ConfigError(f"{value}: not a URL and no such file (did you mean https://{value} ?)")
    return _existing_file(path, value)


def _existing_file(path: Path, given: str) -> str:
    if path.is_dir():
        raise ConfigError(f"{given}: is a folder; give the feed file inside it")
    if not path.is_file():
        raise ConfigError(f"{given}: not a URL (http:// or https://) and no such file ({path})")
    return str(path.resolve())


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key.lower(): (value or "") for key, value in attrs}
        if tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"].strip()
        if tag not in ("link", "a"):
            return
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").split(";")[0].strip().lower()
        href = values.get("href", "").strip()
        if "alternate" in rels and kind in FEED_TYPES and href:
            self.links.append((href, " ".join(values.get("title", "").split()) or None))


def feed_links(html: str, page_url: str) -> list[tuple[str, str | None]]:
    """The feeds a web page points to with ``<link rel="alternate" type="application/rss+xml|atom+xml">``:
    ``(url, title)`` pairs in page order, URLs made absolute against the page (or its ``<base href>``),
    repeats dropped; a ``file://`` result is given as a path. Never raises on bad HTML."""
    parser = _LinkParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # hostile markup: keep what was found so far
        pass
    base = urljoin(page_url, parser.base) if parser.base else page_url
    found: dict[str, str | None] = {}
    for href, title in parser.links:
        url = urljoin(base, href)
        scheme = urlsplit(url).scheme.lower()
        if scheme == "file":
            url = url2pathname(urlsplit(url).path)
        elif scheme not in ("http", "https"):
            continue
        found.setdefault(url, title)
    return list(found.items())
