"""Download feeds and parse them into entries.

``fetch_feeds`` fetches many feeds concurrently over one bounded httpx client (or reads
local files) and returns one ``FetchResult`` per feed, in order. A broken feed is data:
every per-feed failure becomes ``FetchResult(error=...)`` with a one-line reason, and the
run goes on. ``parse_feed`` turns feed bytes into ``Entry`` records with feedparser.

httpx exceptions are translated in one place, ``map_exceptions``, into ``FetchError``
with a human reason (``connection refused``, ``timed out after 20s``...).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import email.utils
import errno
import hashlib
import io
import random
import re
import socket
import ssl
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname
from xml.sax import SAXParseException

from .config import FetchConfig
from .errors import FeedError, FetchError
from .extract import clean_title, html_to_text, truncate_text
from .jsonfeed import InvalidJsonFeed, is_json_feed, read_json_feed
from .kinds import kind_of
from .models import Entry, Feed, FetchResult
from .publishers import publisher_for, site_name

if TYPE_CHECKING:
    import httpx

# httpx and feedparser are imported where they are used: a rerun whose feeds are unchanged local files needs
# neither, and importing them (httpx brings its command-line extras) was a quarter of such a run's time.

__all__ = ["fetch_feeds", "fetch_pages", "map_exceptions", "parse_feed"]

RETRY_BACKOFF = 1.0
"""Seconds before the first retry; doubled for each later one, with jitter."""
MAX_RETRY_AFTER = 60.0
"""The longest a server's ``Retry-After`` may make us wait, in seconds."""
TRANSIENT_STATUS = frozenset({429, 500, 502, 503, 504})
TITLE_WORDS = 12
"""How many words of the text make a title for an entry that has none."""

_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
_ACCEPT_PAGE = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_T = TypeVar("_T")
_MAX_REASON = 200


class _AttemptError(FetchError):
    """One HTTP attempt failed; ``transient`` says whether another try may succeed."""

    def __init__(
        self,
        url: str,
        message: str,
        *,
        transient: bool = False,
        retry_after: float | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(url, message)
        self.transient = transient
        self.retry_after = retry_after
        self.status_code = status_code


# --- public API -----------------------------------------------------------------------------


def fetch_feeds(
    feeds: Sequence[Feed],
    config: FetchConfig,
    states: Mapping[str, tuple[str | None, str | None]] | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_result: Callable[[FetchResult], None] | None = None,
) -> list[FetchResult]:
    """Fetch and parse feeds concurrently; never raises for a problem with one feed.

    HTTP(S) feeds share one client with at most ``config.concurrency`` requests in flight;
    ``file://`` URLs and plain paths are read from disk. Transient failures (connection
    errors, timeouts, 429 and 5xx gateway errors) are retried ``config.retries`` times with
    exponential back-off and jitter, honouring ``Retry-After``.

    Args:
        feeds: The feeds to fetch.
        config: Timeout, size cap, concurrency, retries, redirect limit and User-Agent.
        states: ``url -> (etag, last_modified)`` from the previous run; sent as
            ``If-None-Match``/``If-Modified-Since`` so an unchanged feed answers 304.
        transport: An httpx transport to use instead of the network (tests, proxies).
        on_result: Called with each result as soon as its feed is done (progress display).

    Returns:
        One ``FetchResult`` per feed, in the order of ``feeds``: entries, or
        ``not_modified=True``, or ``error`` holding a one-line reason.
    """
    return _run(_fetch_all(list(feeds), config, dict(states or {}), transport, on_result))


def fetch_pages(
    urls: Iterable[str],
    config: FetchConfig,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, str | None]:
    """Download article pages (for full-text extraction) concurrently; never raises for one page.

    Pages go through the same client settings as feeds: ``config.concurrency`` requests in
    flight, timeout, size cap, redirect limit, User-Agent, and retries of transient errors.

    Args:
        urls: http(s) page URLs; repeats are fetched once.
        config: As for ``fetch_feeds``.
        transport: An httpx transport to use instead of the network (tests, proxies).

    Returns:
        ``url -> HTML`` for every URL; None where the page failed, was not http(s), was too
        big, or was not an HTML or text document.
    """
    return _run(_fetch_pages(list(dict.fromkeys(urls)), config, transport))


def _run(coro: Coroutine[Any, Any, _T]) -> _T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # Called from inside an event loop (a notebook, an async caller): asyncio.run would refuse.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def parse_feed(
    content: bytes,
    feed: Feed,
    *,
    headers: Mapping[str, str] | None = None,
    max_item_chars: int = 100_000,
) -> FetchResult:
    """Parse feed bytes (RSS, Atom, RDF, CDF, JSON Feed) into entries; never raises.

    A feed with XML errors (feedparser "bozo") is kept when entries still parse, with the
    error as ``warning``; an HTML page, unparseable bytes or a feed with no entries become
    ``error``.

    Args:
        content: The raw document.
        feed: The feed it came from (``url``, and ``name`` used as the outlet).
        headers: The HTTP response headers: ``Content-Type`` gives the charset,
            ``ETag``/``Last-Modified`` are copied onto the result. Relative item links are
            resolved against the feed's site link, else ``Content-Location``, else ``feed.url``.
        max_item_chars: Each entry's text is cut to this many characters at a word boundary.

    Returns:
        A ``FetchResult`` with ``entries``, ``feed_title`` and ``warning``, or with ``error``.
    """
    response_headers = {key.lower(): value for key, value in (headers or {}).items()}
    result = FetchResult(
        feed=feed,
        etag=response_headers.get("etag"),
        last_modified=response_headers.get("last-modified"),
    )
    if content[:1].isspace() and content.lstrip().startswith(b"<?xml"):
        # Blank lines before the XML declaration (a common CMS slip) make the strict parser
        # give up on an otherwise well-formed feed.
        content = content.lstrip()
    parsed: Mapping[str, Any]
    if is_json_feed(content):
        try:
            feed_info, json_items = read_json_feed(content)
        except InvalidJsonFeed as exc:
            return dataclasses.replace(result, error=f"not a feed: {exc}")
        parsed = {"feed": feed_info, "entries": json_items, "version": "json"}
    else:
        import feedparser  # type: ignore[import-untyped]

        try:
            # A file object, not bytes: given bytes that look like a path, feedparser opens that file.
            parsed = feedparser.parse(io.BytesIO(content), response_headers=response_headers)
        except Exception as exc:  # third-party code fed hostile bytes; any crash means "not a feed"
            return dataclasses.replace(result, error=f"not a feed: {_one_line(exc)}")

    feed_info = parsed.get("feed") or {}
    feed_title = clean_title(feed_info.get("title") or "") or None
    version = parsed.get("version") or ""
    bozo = _bozo_message(parsed.get("bozo_exception")) if parsed.get("bozo") else None
    result = dataclasses.replace(result, feed_title=feed_title)

    items = parsed.get("entries") or []
    if not items:
        if _looks_like_html(content, response_headers.get("content-type", "")):
            return dataclasses.replace(result, error="not a feed (got an HTML page)")
        if bozo is not None:
            return dataclasses.replace(result, error=f"not a feed: {bozo}")
        if not version:
            return dataclasses.replace(result, error="not a feed (no RSS, Atom or RDF document found)")
        return dataclasses.replace(result, error="feed has no entries")

    site_link = feed_info.get("link")
    base_url = _base_url(feed, site_link, response_headers.get("content-location"))
    site = _entry_url(site_link, base_url)
    outlet = _outlet(feed, feed_title, site)
    entries: list[Entry] = []
    skipped = 0
    for item in items:
        entry = _entry(item, feed, outlet, base_url, max_item_chars, site=site, feed_title=feed_title or "")
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)

    warnings = [bozo] if bozo else []
    if skipped:
        warnings.append(f"skipped {skipped} {'entry' if skipped == 1 else 'entries'} with no title or text")
    warning = "; ".join(warnings) or None
    if not entries:
        return dataclasses.replace(result, error="feed has no entries with a title or text", warning=warning)
    return dataclasses.replace(result, entries=tuple(entries), warning=warning)


@contextlib.contextmanager
def map_exceptions(url: str, timeout: float) -> Iterator[None]:
    """Translate httpx (and asyncio timeout) exceptions into ``FetchError`` with a one-line reason.

    Args:
        url: The feed URL, carried on the error.
        timeout: The timeout in seconds, named in ``timed out after Ns``.

    Raises:
        FetchError: for any httpx request error, ``httpx.InvalidURL`` or ``TimeoutError``,
            chained to the original; transient ones are marked for retry.
    """
    import httpx

    try:
        yield
    except (httpx.HTTPError, httpx.InvalidURL, TimeoutError) as exc:
        message, transient = _describe(exc, timeout)
        status = exc.response.status_code if isinstance(exc, httpx.HTTPStatusError) else None
        raise _AttemptError(url, message, transient=transient, status_code=status) from exc


# --- fetching -------------------------------------------------------------------------------


async def _fetch_all(
    feeds: list[Feed],
    config: FetchConfig,
    states: dict[str, tuple[str | None, str | None]],
    transport: httpx.AsyncBaseTransport | None,
    on_result: Callable[[FetchResult], None] | None,
) -> list[FetchResult]:
    semaphore = asyncio.Semaphore(config.concurrency)
    deadline = asyncio.get_running_loop().time() + config.total_timeout
    # Local files need no HTTP client (making one, with its TLS context, took a third of a second).
    remote = transport is not None or not all(_is_local(feed.url) for feed in feeds)
    async with _client(config, transport, _ACCEPT) if remote else contextlib.nullcontext() as client:

        async def one(feed: Feed) -> FetchResult:
            try:
                async with asyncio.timeout_at(deadline), semaphore:
                    result = await _fetch_one(feed, client, config, states.get(feed.url))
            except TimeoutError:
                # One slow host must not hold the whole morning's briefing back.
                result = FetchResult(feed=feed, error=f"not fetched within the run's {config.total_timeout:g}s "
                                     "fetch budget (fetch.total_timeout)")
            if on_result is not None:
                on_result(result)
            return result

        return list(await asyncio.gather(*(one(feed) for feed in feeds)))


def _client(config: FetchConfig, transport: httpx.AsyncBaseTransport | None, accept: str) -> httpx.AsyncClient:
    import httpx

    limits = httpx.Limits(max_connections=config.concurrency, max_keepalive_connections=config.concurrency)
    return httpx.AsyncClient(
        transport=transport,
        limits=limits,
        timeout=httpx.Timeout(config.timeout),
        follow_redirects=True,
        max_redirects=config.max_redirects,
        headers={"User-Agent": config.user_agent, "Accept": accept},
    )


async def _fetch_pages(
    urls: list[str], config: FetchConfig, transport: httpx.AsyncBaseTransport | None
) -> dict[str, str | None]:
    semaphore = asyncio.Semaphore(config.concurrency)
    async with _client(config, transport, _ACCEPT_PAGE) as client:

        async def one(url: str) -> str | None:
            if not _is_http(url):
                return None
            try:
                async with semaphore:
                    _, headers, content = await _get(url, client, config, {})
            except FeedError:  # _AttemptError included: the caller keeps the feed's text
                return None
            return _page_html(content, headers.get("content-type", ""))

        pages = await asyncio.gather(*(one(url) for url in urls))
    return dict(zip(urls, pages, strict=True))


def _page_html(content: bytes, content_type: str) -> str | None:
    """The page as text, or None when it is no HTML or text document (a PDF, an image...)."""
    media_type, _, params = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type and not (media_type.startswith("text/") or "html" in media_type or "xml" in media_type):
        return None
    charset = _CHARSET_RE.search(params) or _CHARSET_RE.search(content[:2048].decode("ascii", "replace"))
    try:
        return content.decode(charset.group(1) if charset else "utf-8", errors="replace")
    except LookupError:  # an unknown charset name
        return content.decode("utf-8", errors="replace")


async def _fetch_one(
    feed: Feed,
    client: httpx.AsyncClient | None,
    config: FetchConfig,
    state: tuple[str | None, str | None] | None,
) -> FetchResult:
    try:
        path = _local_path(feed.url)
        if path is not None:
            content = await asyncio.to_thread(_read_file, feed.url, path, config.max_bytes)
            # A local file's validator is a hash of its bytes: unchanged since the last run, it is not parsed
            # again (as an HTTP feed answers 304), which is most of a rerun's time on big local feeds.
            tag = _file_tag(content)
            if state is not None and state[0] == tag:
                return FetchResult(feed=feed, not_modified=True, etag=tag)
            result = await asyncio.to_thread(parse_feed, content, feed, max_item_chars=config.max_item_chars)
            return result if result.error else dataclasses.replace(result, etag=tag)
        assert client is not None, "an HTTP feed needs the client"
        return await _fetch_http(feed, client, config, state)
    except _AttemptError as exc:
        return FetchResult(feed=feed, error=exc.message, status_code=exc.status_code)
    except FeedError as exc:
        return FetchResult(feed=feed, error=exc.message)


async def _fetch_http(
    feed: Feed,
    client: httpx.AsyncClient,
    config: FetchConfig,
    state: tuple[str | None, str | None] | None,
) -> FetchResult:
    etag, last_modified = state or (None, None)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    status, response_headers, content = await _get(feed.url, client, config, headers)
    if status == 304:
        return FetchResult(
            feed=feed,
            not_modified=True,
            status_code=304,
            etag=response_headers.get("etag") or etag,
            last_modified=response_headers.get("last-modified") or last_modified,
        )
    result = await asyncio.to_thread(
        parse_feed, content, feed, headers=response_headers, max_item_chars=config.max_item_chars
    )
    return dataclasses.replace(result, status_code=status)


async def _get(
    url: str, client: httpx.AsyncClient, config: FetchConfig, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """``_attempt``, retried for transient errors with back-off (or the server's ``Retry-After``)."""
    attempt = 0
    while True:
        try:
            return await _attempt(url, client, config, headers)
        except _AttemptError as exc:
            if not exc.transient or attempt >= config.retries:
                raise
            delay = exc.retry_after if exc.retry_after is not None else _backoff(attempt)
            await asyncio.sleep(delay)
            attempt += 1


async def _attempt(
    url: str, client: httpx.AsyncClient, config: FetchConfig, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """One GET: (status, headers, body) for 2xx and 304; raises ``_AttemptError`` otherwise."""
    with map_exceptions(url, config.timeout):
        # httpx's timeout bounds each read; this bounds the whole exchange, so a server that
        # drips a byte at a time cannot hold a feed forever.
        async with asyncio.timeout(config.timeout), client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            response_headers = {key.lower(): value for key, value in response.headers.items()}
            if status == 304:
                return status, response_headers, b""
            if not 200 <= status < 300:
                retry_after = _retry_after(response.headers.get("retry-after"))
                raise _AttemptError(
                    url,
                    _status_reason(status, response.reason_phrase),
                    transient=status in TRANSIENT_STATUS,
                    retry_after=retry_after,
                    status_code=status,
                )
            content = await _read_capped(url, response, config.max_bytes)
    return status, response_headers, content


async def _read_capped(url: str, response: httpx.Response, max_bytes: int) -> bytes:
    too_big = _AttemptError(url, _size_cap_reason(max_bytes), status_code=response.status_code)
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    body = bytearray()
    # aiter_bytes yields decoded bytes, so a gzip bomb is counted after decompression.
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise too_big
    return bytes(body)


def _backoff(attempt: int) -> float:
    return RETRY_BACKOFF * 2.0**attempt * random.uniform(0.5, 1.5)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _status_reason(status: int, phrase: str = "") -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = _one_line(phrase) if phrase else ""
    return f"HTTP {status} {phrase}".rstrip()


def _size_cap_reason(max_bytes: int, what: str = "response") -> str:
    if max_bytes >= 1_000_000:
        size = f"{max_bytes / 1_000_000:g} MB"
    elif max_bytes >= 1_000:
        size = f"{max_bytes / 1_000:g} kB"
    else:
        size = f"{max_bytes} bytes"
    return f"{what} exceeds the {size} size cap"


# --- exception mapping ----------------------------------------------------------------------


def _describe(exc: BaseException, timeout: float) -> tuple[str, bool]:
    """A one-line reason for a failed request, and whether retrying may help."""
    import httpx

    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return f"timed out after {timeout:g}s", True
    if isinstance(exc, httpx.ConnectError):
        return _connect_reason(exc)
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects", False
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "unsupported URL scheme", False
    if isinstance(exc, httpx.InvalidURL):
        return f"invalid URL: {_one_line(exc)}", False
    if isinstance(exc, httpx.DecodingError):
        return "could not decode the response (bad Content-Encoding)", False
    if isinstance(exc, httpx.ProxyError):
        return f"proxy error: {_one_line(exc)}", False
    if isinstance(exc, httpx.RemoteProtocolError):
        # Typically "Server disconnected without sending a response": often a restart.
        return f"server broke the connection: {_one_line(exc)}", True
    if isinstance(exc, httpx.LocalProtocolError):
        return f"invalid request: {_one_line(exc)}", False
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return f"connection lost: {_one_line(exc)}", True
    if isinstance(exc, httpx.NetworkError):
        return f"network error: {_one_line(exc)}", True
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        return _status_reason(status, exc.response.reason_phrase), status in TRANSIENT_STATUS
    return f"request failed: {_one_line(exc)}", False


def _connect_reason(exc: httpx.ConnectError) -> tuple[str, bool]:
    causes = list(_causes(exc))
    for cause in causes:
        if isinstance(cause, socket.gaierror):
            # EAI_AGAIN is a resolver hiccup; anything else (no such host) won't fix itself.
            return "could not resolve host", cause.errno == socket.EAI_AGAIN
    for cause in causes:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused", True
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate verification failed: {_one_line(cause.verify_message or cause)}", False
        if isinstance(cause, ssl.SSLError):
            return f"TLS error: {_one_line(cause.reason or cause)}", False
        if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "host unreachable", True
    text = str(exc).lower()
    if "name or service not known" in text or "nodename nor servname" in text:
        return "could not resolve host", False
    if "connection refused" in text:
        return "connection refused", True
    return f"could not connect: {_one_line(exc)}", True


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and members of exception groups, depth first."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(reversed(current.exceptions))
        for linked in (current.__context__, current.__cause__):
            if linked is not None:
                stack.append(linked)


def _one_line(value: object) -> str:
    text = " ".join(str(value).split()) or type(value).__name__
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"


# --- local files ----------------------------------------------------------------------------


def _local_path(url: str) -> Path | None:
    """The file a feed URL names, or None for http(s).

    Raises:
        FetchError: for any other scheme, a malformed URL, or a ``file://`` URL naming a remote host.
    """
    if "://" not in url:
        return Path(url).expanduser()
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise FetchError(url, f"invalid URL: {_one_line(exc)}") from exc
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.hostname:
            raise FetchError(url, "invalid URL (no host)")  # httpx would call it an unsupported protocol
        return None
    if scheme != "file":
        raise FetchError(url, "unsupported URL scheme")
    if parts.netloc not in ("", "localhost"):
        raise FetchError(url, f"unsupported file URL (remote host {parts.netloc!r})")
    return Path(url2pathname(parts.path))


def _file_tag(content: bytes) -> str:
    """The validator kept for a local feed file (in the ETag column): what its bytes hash to."""
    return "file-sha256:" + hashlib.sha256(content).hexdigest()[:32]


def _is_local(url: str) -> bool:
    """A feed read from disk (a path or ``file://`` URL); False for http(s) and for a URL that is no feed."""
    try:
        return _local_path(url) is not None
    except FetchError:
        return False


def _read_file(url: str, path: Path, max_bytes: int) -> bytes:
    try:
        with path.open("rb") as file:
            content = file.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise FetchError(url, f"file not found: {path}") from exc
    except IsADirectoryError as exc:
        raise FetchError(url, f"not a file: {path}") from exc
    except PermissionError as exc:
        raise FetchError(url, f"permission denied: {path}") from exc
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else _one_line(exc)
        raise FetchError(url, f"cannot read {path}: {reason}") from exc
    if len(content) > max_bytes:
        raise FetchError(url, _size_cap_reason(max_bytes, "file"))
    return content


# --- entries --------------------------------------------------------------------------------


def _entry(
    item: Mapping[str, Any],
    feed: Feed,
    outlet: str,
    base_url: str | None,
    max_item_chars: int,
    *,
    site: str | None = None,
    feed_title: str = "",
) -> Entry | None:
    text = _entry_text(item, max_item_chars)
    title = _entry_title(item)
    if not title:
        if not text:
            return None
        words = text.split()
        title = " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")
    guid = item.get("id")
    url = _entry_url(item.get("link"), base_url)
    categories = _categories(item)
    # An item republished from elsewhere names its origin (RSS <source url>): that is its publisher.
    origin = item.get("source")
    origin_url = _entry_url(origin.get("href") or origin.get("url"), base_url) if isinstance(origin, Mapping) else None
    return Entry(
        feed_url=feed.url,
        outlet=outlet,
        title=title,
        url=url,
        guid=(guid.strip() or None) if isinstance(guid, str) else None,
        text=text,
        published=_published(item),
        categories=categories,
        publisher=publisher_for(override=feed.publisher, site=origin_url or site, item_url=url,
                                feed_url=feed.url, name=outlet),
        kind=kind_of(title, url, categories, " ".join(filter(None, (feed.name, feed_title))), text),
    )


def _categories(item: Mapping[str, Any]) -> tuple[str, ...]:
    """The item's category terms (RSS ``<category>``, Atom ``<category term>``), trimmed, in order, once each."""
    terms: list[str] = []
    for tag in item.get("tags") or ():
        if not isinstance(tag, Mapping):
            continue
        term = tag.get("term") or tag.get("label")
        if isinstance(term, str) and term.strip():
            terms.append(" ".join(term.split()))
    return tuple(dict.fromkeys(terms))


def _entry_title(item: Mapping[str, Any]) -> str:
    title = item.get("title")
    if not isinstance(title, str):
        return ""
    detail = item.get("title_detail") or {}
    if "html" in (detail.get("type") or "text/html"):
        return clean_title(title)
    # feedparser already unescaped plain text: "x < y" is text here, not a tag to strip.
    return " ".join(title.split())


def _entry_text(item: Mapping[str, Any], max_chars: int) -> str:
    candidates: list[Mapping[str, Any]] = list(item.get("content") or [])
    summary = item.get("summary_detail")
    if summary:
        candidates.append(summary)
    elif isinstance(item.get("summary"), str):
        candidates.append({"value": item["summary"], "type": "text/html"})
    texts = (_detail_text(candidate, max_chars) for candidate in candidates)
    return max(texts, key=len, default="")


def _detail_text(detail: Mapping[str, Any], max_chars: int) -> str:
    value = detail.get("value")
    if not isinstance(value, str) or not value:
        return ""
    if "html" in (detail.get("type") or "text/html"):
        return html_to_text(value, max_chars=max_chars)
    paragraphs = (" ".join(part.split()) for part in value.split("\n\n"))
    return truncate_text("\n\n".join(p for p in paragraphs if p), max_chars)


def _base_url(feed: Feed, site_link: object, content_location: str | None) -> str | None:
    """What relative item links are resolved against: the feed's own site link, made absolute.

    The site link comes first because feeds are often served from another host (a CDN, a
    feed proxy) than the site their relative links point into.
    """
    document = content_location or (feed.url if _is_http(feed.url) else None)
    if isinstance(site_link, str) and site_link.strip():
        try:
            return urljoin(document, site_link.strip()) if document else site_link.strip()
        except ValueError:
            pass
    return document


def _is_http(url: str) -> bool:
    try:
        return urlsplit(url).scheme.lower() in ("http", "https")
    except ValueError:
        return False


def _entry_url(link: object, base_url: str | None) -> str | None:
    if not isinstance(link, str) or not link.strip():
        return None
    link = link.strip()
    try:
        if base_url and not urlsplit(link).scheme:
            link = urljoin(base_url, link)
        return link if urlsplit(link).scheme.lower() in ("http", "https") else None
    except ValueError:  # a malformed link (bad IPv6 literal...) is no link
        return None


def _published(item: Mapping[str, Any]) -> datetime | None:
    # `in` first: FeedParserDict warns when updated_parsed is read but only published exists.
    candidates: Iterable[Any] = (
        item.get("published_parsed"),
        item.get("updated_parsed") if "updated_parsed" in item else None,
    )
    for parsed in candidates:
        if not parsed:
            continue
        try:
            year, month, day, hour, minute, second = parsed[:6]
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except (TypeError, ValueError, OverflowError):
            continue
    return None


def _outlet(feed: Feed, feed_title: str | None, site: str | None = None) -> str:
    """The name readers see: the config's, else the site's (``publishers.site_name``), never a channel title."""
    if feed.name:
        return feed.name
    name = site_name(feed_title, site or feed.url)
    if name:
        return name
    try:
        parts = urlsplit(feed.url)
        host = parts.hostname
    except ValueError:
        return feed.url
    scheme = parts.scheme.lower()
    if scheme in ("http", "https") and host:
        return host.removeprefix("www.")
    return Path(url2pathname(parts.path) if scheme == "file" else feed.url).name or feed.url


def _bozo_message(exc: object) -> str:
    if isinstance(exc, SAXParseException):
        return _one_line(f"{exc.getMessage()} at line {exc.getLineNumber()}, column {exc.getColumnNumber()}")
    if exc is None:
        return "malformed feed"
    return _one_line(exc)


def _looks_like_html(content: bytes, content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in ("text/html", "application/xhtml+xml"):
        return True
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml"):
        head = head[head.find(b"?>") + 2 :].lstrip()
    return head.startswith((b"<!doctype html", b"<html"))

