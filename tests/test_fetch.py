from __future__ import annotations

import asyncio
import dataclasses
import functools
import gzip
import html
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from briefing import fetch
from briefing.config import FetchConfig
from briefing.errors import FetchError
from briefing.fetch import fetch_feeds, map_exceptions, parse_feed
from briefing.models import Feed, FetchResult

FEEDS = Path(__file__).parent / "feeds"
RSS = (FEEDS / "rss20.xml").read_bytes()
ATOM = (FEEDS / "atom.xml").read_bytes()
BOZO = (FEEDS / "bozo.xml").read_bytes()
MISSING = (FEEDS / "missing_fields.xml").read_bytes()
EMPTY = (FEEDS / "empty.xml").read_bytes()
RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"

ETAG = '"v1"'
LAST_MODIFIED = "Tue, 10 Jun 2025 08:00:00 GMT"

Reply = tuple[int, dict[str, str], bytes]
Route = Callable[["_Handler", int], Reply]


def rss(items: str, title: str = "Generated") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>http://example.com/</link>{items}</channel></rss>"
    ).encode()


def _ok(body: bytes, content_type: str = RSS_TYPE) -> Route:
    return lambda handler, hit: (200, {"Content-Type": content_type}, body)


def _fail_then_ok(status: int, failures: int = 1, **headers: str) -> Route:
    def route(handler: _Handler, hit: int) -> Reply:
        if hit <= failures:
            return status, dict(headers), b"try again"
        return 200, {"Content-Type": RSS_TYPE}, RSS

    return route


def _conditional(handler: _Handler, hit: int) -> Reply:
    if handler.headers.get("If-None-Match") == ETAG or handler.headers.get("If-Modified-Since") == LAST_MODIFIED:
        return 304, {"ETag": ETAG}, b""
    return 200, {"Content-Type": RSS_TYPE, "ETag": ETAG, "Last-Modified": LAST_MODIFIED}, RSS


def _slow(handler: _Handler, hit: int) -> Reply:
    time.sleep(2)
    return 200, {"Content-Type": RSS_TYPE}, RSS


def _drip(handler: _Handler, hit: int) -> Reply:
    # Each read is quick, the whole response is not: only an overall deadline stops this.
    handler.send_response(200)
    handler.send_header("Content-Type", RSS_TYPE)
    handler.send_header("Content-Length", str(len(RSS)))
    handler.end_headers()
    for start in range(0, 30):
        handler.wfile.write(RSS[start : start + 1])
        handler.wfile.flush()
        time.sleep(0.1)
    raise _Handled


def _no_length(body: bytes) -> Route:
    # No Content-Length: the size cap must trip while streaming, not on the header.
    return lambda handler, hit: (200, {"Content-Type": RSS_TYPE, "Connection": "close"}, body)


@functools.cache
def _gzip_bomb() -> bytes:
    return gzip.compress(b"\0" * 50_000_000, compresslevel=9)


LATIN1 = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Caf\u00e9</title>'
    "<item><title>Cr\u00e8me br\u00fbl\u00e9e for all</title><link>http://example.com/c</link>"
    "<description>\u00c0 la carte, \u00a3 prices</description></item></channel></rss>"
).encode("latin-1")

HTML_PAGE = b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi</p></body></html>"
HUGE_ITEM = rss(f"<item><title>Huge</title><description>{'word ' * 400_000}</description></item>")


def _routes(port: int) -> dict[str, Route]:
    return {
        "/rss": _ok(RSS),
        "/atom": _ok(ATOM, ATOM_TYPE),
        "/conditional": _conditional,
        "/flaky": _fail_then_ok(500),
        "/retry-after": _fail_then_ok(503, **{"Retry-After": "1"}),
        "/too-many": _fail_then_ok(429, **{"Retry-After": "0"}),
        "/always-503": _fail_then_ok(503, failures=100),
        "/slow": _slow,
        "/drip": _drip,
        "/html": _ok(HTML_PAGE, "text/html"),
        "/bozo": _ok(BOZO),
        "/garbage": _ok(bytes(range(256)) * 20, "application/octet-stream"),
        "/empty": _ok(EMPTY),
        "/missing": _ok(MISSING),
        "/huge": _ok(HUGE_ITEM),
        "/latin1": _ok(LATIN1, "application/rss+xml; charset=utf-8"),
        "/big": _ok(RSS + b"<!--" + b"x" * 300_000 + b"-->"),
        "/big-streamed": _no_length(RSS + b"<!--" + b"x" * 300_000 + b"-->"),
        "/bomb": lambda handler, hit: (200, {"Content-Type": RSS_TYPE, "Content-Encoding": "gzip"}, _gzip_bomb()),
        "/loop": lambda handler, hit: (302, {"Location": "/loop"}, b""),
        "/moved": lambda handler, hit: (301, {"Location": f"http://127.0.0.1:{port}/rss"}, b""),
        "/to-ftp": lambda handler, hit: (302, {"Location": "ftp://127.0.0.1/feed.xml"}, b""),
    }


class _Handled(Exception):
    """The route wrote its own response."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    routes: dict[str, Route]
    hits: Counter[str]
    requests: dict[str, list[dict[str, str]]]
    times: dict[str, list[float]]

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up on the slow routes is expected


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        server = self.server
        server.hits[path] += 1
        server.requests.setdefault(path, []).append(dict(self.headers))
        server.times.setdefault(path, []).append(time.monotonic())
        route = server.routes.get(path)
        try:
            if route is None:
                status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
            else:
                status, headers, body = route(self, server.hits[path])
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if headers.get("Connection") != "close":
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (_Handled, OSError):
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.routes = _routes(srv.server_address[1])
    srv.hits = Counter()
    srv.requests = {}
    srv.times = {}
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(autouse=True)
def _fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "RETRY_BACKOFF", 0.01)


def url(server: _Server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def fetch_one(feed_url: str, **config: object) -> FetchResult:
    config.setdefault("retries", 0)
    (result,) = fetch_feeds([Feed(feed_url)], FetchConfig.model_validate(config))
    return result


def assert_one_line(text: str | None) -> None:
    assert text is None or (text and "\n" not in text and "\r" not in text and text == text.strip()), text


# --- parse_feed -----------------------------------------------------------------------------


def test_parse_rss20() -> None:
    result = parse_feed(RSS, Feed("http://example.com/feed.xml"), headers={"ETag": ETAG, "Content-Type": RSS_TYPE})
    assert result.ok and result.warning is None
    assert result.feed_title == "Example News"
    assert result.etag == ETAG
    first, second = result.entries
    assert first.outlet == "Example News"
    assert first.title == "Harbour bridge reopens after repairs"
    assert first.url == "http://example.com/news/bridge"
    assert first.guid == "example-1"
    assert first.text == "The bridge reopened on Monday.\n\nTraffic & trams resumed."
    assert first.published == datetime(2025, 6, 10, 4, 0, tzinfo=UTC)
    assert second.title == "Café prices & rents rise"
    assert second.url == "http://example.com/news/prices"  # relative link, resolved against the site
    assert second.guid is None
    assert second.published == datetime(2025, 6, 10, 4, 30, tzinfo=UTC)
    # content:encoded is longer than the description, so it wins
    assert second.text == "The longer body of the story, with more detail.\n\nFirst point\n\nSecond point"


def test_entries_carry_categories_publisher_and_kind() -> None:
    content = rss(
        "<item><title>Budget passes</title><link>http://example.com/news/budget</link>"
        "<category>Politics</category><category> Politics </category><category>Budget  2026</category>"
        "<description>Parliament passed it.</description></item>"
        "<item><title>Why the budget fails</title><link>http://example.com/a/1</link>"
        "<category>Opinion</category><description>It does.</description></item>"
        "<item><title>Opinion | Spend less</title><link>https://archive.is/newest/https://www.wsj.com/opinion/x-1</link>"
        "<description>Less.</description></item>",
        title="Example News",
    )
    budget, view, wsj = parse_feed(content, Feed("http://feeds.example.net/rss")).entries
    assert budget.categories == ("Politics", "Budget 2026")
    assert (budget.kind, view.kind, wsj.kind) == ("news", "opinion", "opinion")
    # The feed's site (channel link) names the publisher of every item, whatever the item links to.
    assert {budget.publisher, view.publisher, wsj.publisher} == {"example.com"}
    atom = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
      <entry><title>Listen to this</title><link href="https://www.bbc.co.uk/sounds/play/p0j"/><id>x</id>
      <category term="Podcasts" label="Our podcasts"/><summary>Audio.</summary></entry></feed>"""
    (entry,) = parse_feed(atom, Feed("https://feeds.bbci.co.uk/news/rss.xml")).entries
    assert entry.categories == ("Podcasts",) and entry.kind == "media"
    assert entry.publisher == "bbc.co.uk"  # no site link: the item's link


def test_feed_name_in_the_config_classifies_its_items() -> None:
    content = rss("<item><title>Spend less</title><link>http://example.com/a/2</link></item>")
    (entry,) = parse_feed(content, Feed("http://example.com/rss", name="WSJ Opinion")).entries
    assert entry.kind == "opinion"


def test_parse_atom() -> None:
    result = parse_feed(ATOM, Feed("https://atom.example.org/feed", name="My Atom"))
    assert result.ok
    first, second = result.entries
    assert first.outlet == "My Atom"  # the configured name beats the feed's title
    assert first.title == "Council <votes> on budget"  # type="text": angle brackets are text
    assert first.text == "The council voted."
    assert first.published == datetime(2025, 6, 10, 6, 30, tzinfo=UTC)
    assert second.published is None
    assert second.text == "Plain text content."


def test_parse_bozo_feed_with_entries_is_kept_with_warning() -> None:
    result = parse_feed(BOZO, Feed("bozo.xml"))
    assert result.ok
    assert [e.title for e in result.entries] == ["Fish & chips shop opens", "Second story"]
    assert result.warning and "not well-formed" in result.warning
    assert_one_line(result.warning)


def test_parse_missing_fields() -> None:
    result = parse_feed(MISSING, Feed("/feeds/sparse.xml"))
    assert result.ok
    title_only, untitled, script = result.entries
    assert (title_only.title, title_only.text, title_only.url, title_only.published) == ("Title only", "", None, None)
    assert untitled.title == "This item has no title so the first twelve words of its…"
    assert untitled.text.startswith("This item has no title")
    assert untitled.url is None  # relative, and a local feed has no base to resolve it against
    assert script.url is None  # javascript: links are dropped
    assert script.published is None  # unparseable date
    assert result.warning == "skipped 1 entry with no title or text"


def test_relative_links_resolve_against_feed_url_without_site_link() -> None:
    result = parse_feed(MISSING, Feed("https://sparse.example.net/feeds/all.xml"))
    assert result.entries[1].url == "https://sparse.example.net/feeds/relative/path.html"


def test_outlet_falls_back_to_host_then_file_name() -> None:
    items = "<item><title>t</title></item>"
    untitled = b'<rss version="2.0"><channel>' + items.encode() + b"</channel></rss>"
    assert parse_feed(untitled, Feed("https://www.example.org/rss")).entries[0].outlet == "example.org"
    assert parse_feed(untitled, Feed("/srv/feeds/local-news.xml")).entries[0].outlet == "local-news.xml"
    assert parse_feed(untitled, Feed("file:///srv/feeds/f%20x.xml")).entries[0].outlet == "f x.xml"


def test_parse_huge_item_is_truncated_at_a_word() -> None:
    result = parse_feed(HUGE_ITEM, Feed("huge.xml"), max_item_chars=100_000)
    (entry,) = result.entries
    assert 99_000 < len(entry.text) <= 100_000
    assert entry.text.endswith("word")


@pytest.mark.parametrize(
    ("content", "headers", "error"),
    [
        (EMPTY, None, "feed has no entries"),
        (b"<!DOCTYPE html><html><body><p>x</p></body></html>", None, "not a feed (got an HTML page)"),
        (b"<html><body><p>x</p></body></html>", {"Content-Type": "text/html"}, "not a feed (got an HTML page)"),
        (b"", None, "not a feed (no RSS, Atom or RDF document found)"),
        (b'<rss version="2.0"><channel><item><guid>g</guid></item></channel></rss>', None,
         "feed has no entries with a title or text"),
    ],
)  # fmt: skip
def test_parse_rejects(content: bytes, headers: dict[str, str] | None, error: str) -> None:
    result = parse_feed(content, Feed("x.xml"), headers=headers)
    assert result.error == error
    assert result.entries == ()


def test_parse_garbage_gives_the_parser_message() -> None:
    result = parse_feed(b"\x00\xff\xfe garbage <<<", Feed("x.xml"))
    assert result.error is not None and result.error.startswith("not a feed: ")
    assert_one_line(result.error)


def test_parse_does_not_open_a_path_given_as_content(tmp_path: Path) -> None:
    # feedparser treats bytes naming an existing file as a filename; a server must not be able to do that.
    secret = tmp_path / "secret.xml"
    secret.write_bytes(RSS)
    result = parse_feed(str(secret).encode(), Feed("http://evil.example/feed"))
    assert not result.ok


def test_parse_wrong_encoding_does_not_crash() -> None:
    result = parse_feed(LATIN1, Feed("x.xml"), headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    assert_one_line(result.error)
    assert_one_line(result.warning)
    if result.ok:
        assert result.entries[0].title.startswith("Cr")


# --- parse_feed over the shared corpus ------------------------------------------------------


def test_parse_every_shared_feed_file(shared_data: Path) -> None:
    root = shared_data / "feeds"
    listed = {root / json.loads(line)["path"] for line in (root / "manifest.jsonl").read_text().splitlines() if line}
    suffixes = {".xml", ".rss", ".atom", ".rdf", ".json"}
    globbed = {p for p in root.glob("**/*") if p.is_file() and p.suffix.lower() in suffixes}
    counts: Counter[str] = Counter()
    failures: list[str] = []
    for path in sorted(listed | globbed):
        try:
            result = parse_feed(path.read_bytes(), Feed(str(path)))
        except Exception as exc:
            failures.append(f"{path.relative_to(root)}: raised {exc!r}")
            continue
        if not isinstance(result, FetchResult):
            failures.append(f"{path.relative_to(root)}: returned {result!r}")
        elif result.error is not None and ("\n" in result.error or not result.error.strip()):
            failures.append(f"{path.relative_to(root)}: error is not one line: {result.error!r}")
        elif result.warning is not None and "\n" in result.warning:
            failures.append(f"{path.relative_to(root)}: warning is not one line: {result.warning!r}")
        counts["rejected" if result.error else "bozo-usable" if result.warning else "ok"] += 1
    summary = f"{sum(counts.values())} files: {counts['ok']} ok, {counts['bozo-usable']} bozo-usable, "
    summary += f"{counts['rejected']} rejected"
    assert not failures, summary + "\n" + "\n".join(failures[:20])
    assert len(listed) > 0 and counts["ok"] > 0, summary


# --- hypothesis -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4_000))
def test_parse_never_raises_on_bytes(content: bytes) -> None:
    result = parse_feed(content, Feed("x.xml"))
    assert isinstance(result, FetchResult)
    assert_one_line(result.error)
    assert_one_line(result.warning)


XML_CHAR = st.characters(blacklist_categories=("Cs", "Cc", "Cn"), blacklist_characters="\ufffe\uffff")
FEED_TEXT = st.text(alphabet=st.one_of(XML_CHAR, st.sampled_from("<>&\"' \n\t;#")), max_size=80)


def _mojibake_prone(text: str) -> bool:
    """feedparser 'repairs' text that reads as UTF-8 once encoded as Latin-1 ("Ã©" -> "é")."""
    try:
        return text.encode("latin-1").decode("utf-8") != text
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(FEED_TEXT, FEED_TEXT), min_size=1, max_size=5))
def test_generated_rss_round_trips_titles(items: list[tuple[str, str]]) -> None:
    for title, _ in items:
        assume(title.strip() and not _mojibake_prone(title))
    # RSS titles are HTML by convention, so a producer escapes the text as HTML, then as XML.
    body = "".join(
        f"<item><title>{html.escape(html.escape(title))}</title>"
        f"<description>{html.escape(description)}</description></item>"
        for title, description in items
    )
    result = parse_feed(rss(body), Feed("gen.xml"))
    assert result.ok, result.error
    assert [e.title for e in result.entries] == [" ".join(title.split()) for title, _ in items]
    for entry in result.entries:
        assert isinstance(entry.text, str)
        assert_one_line(entry.title)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FEED_TEXT, FEED_TEXT)
def test_generated_atom_text_titles_round_trip(title: str, summary: str) -> None:
    assume(title.strip() and not _mojibake_prone(title))
    doc = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry>'
        f'<title type="text">{html.escape(title)}</title><summary type="html">{html.escape(summary)}</summary>'
        "</entry></feed>"
    )
    result = parse_feed(doc.encode(), Feed("gen.atom"))
    assert result.ok, result.error
    assert result.entries[0].title == " ".join(title.split())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FEED_TEXT, FEED_TEXT)
def test_generated_rss_with_raw_markup_never_raises(title: str, description: str) -> None:
    # Unescaped text straight into the XML: mostly ill-formed, must still never raise.
    result = parse_feed(rss(f"<item><title>{title}</title><description>{description}</description></item>"), Feed("x"))
    assert_one_line(result.error)
    assert_one_line(result.warning)
    for entry in result.entries:
        assert_one_line(entry.title)


# --- fetch_feeds over loopback HTTP ---------------------------------------------------------


def test_fetch_rss_and_atom_in_order_with_progress(server: _Server) -> None:
    feeds = [Feed(url(server, "/rss")), Feed(url(server, "/atom")), Feed(url(server, "/nowhere"))]
    seen: list[FetchResult] = []
    results = fetch_feeds(feeds, FetchConfig(retries=0), on_result=seen.append)
    assert [r.feed for r in results] == feeds
    assert sorted(r.feed.url for r in seen) == sorted(f.url for f in feeds)
    rss_result, atom_result, missing = results
    assert rss_result.ok and rss_result.status_code == 200 and len(rss_result.entries) == 2
    assert atom_result.ok and atom_result.entries[0].title == "Council <votes> on budget"
    assert missing.error == "HTTP 404 Not Found" and missing.status_code == 404


def test_fetch_sends_user_agent_and_accept(server: _Server) -> None:
    config = FetchConfig(user_agent="briefing-test/1.0")
    fetch_feeds([Feed(url(server, "/rss"))], config)
    (headers,) = server.requests["/rss"]
    assert headers["User-Agent"] == "briefing-test/1.0"
    assert "application/rss+xml" in headers["Accept"]


def test_conditional_get(server: _Server) -> None:
    feed_url = url(server, "/conditional")
    first = fetch_one(feed_url)
    assert first.ok and first.etag == ETAG and first.last_modified == LAST_MODIFIED
    states = {feed_url: (first.etag, first.last_modified)}
    (second,) = fetch_feeds([Feed(feed_url)], FetchConfig(), states)
    assert second.not_modified and second.ok and second.entries == ()
    assert second.status_code == 304
    assert (second.etag, second.last_modified) == (ETAG, LAST_MODIFIED)
    sent = server.requests["/conditional"][1]
    assert sent["If-None-Match"] == ETAG and sent["If-Modified-Since"] == LAST_MODIFIED
    assert "If-None-Match" not in server.requests["/conditional"][0]


def test_conditional_get_last_modified_only(server: _Server) -> None:
    feed_url = url(server, "/conditional")
    (result,) = fetch_feeds([Feed(feed_url)], FetchConfig(), {feed_url: (None, LAST_MODIFIED)})
    assert result.not_modified
    assert "If-None-Match" not in server.requests["/conditional"][0]


def test_retry_after_500_succeeds(server: _Server) -> None:
    result = fetch_one(url(server, "/flaky"), retries=2)
    assert result.ok and len(result.entries) == 2
    assert server.hits["/flaky"] == 2


def test_no_retry_when_retries_zero(server: _Server) -> None:
    result = fetch_one(url(server, "/flaky"), retries=0)
    assert result.error == "HTTP 500 Internal Server Error" and result.status_code == 500
    assert server.hits["/flaky"] == 1


def test_retry_after_header_is_honoured(server: _Server) -> None:
    result = fetch_one(url(server, "/retry-after"), retries=1)
    assert result.ok
    first, second = server.times["/retry-after"]
    assert second - first >= 0.9


def test_retry_after_is_capped(server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "MAX_RETRY_AFTER", 0.05)
    started = time.monotonic()
    assert fetch_one(url(server, "/retry-after"), retries=1).ok
    assert time.monotonic() - started < 0.9


def test_429_is_retried(server: _Server) -> None:
    assert fetch_one(url(server, "/too-many"), retries=1).ok
    assert server.hits["/too-many"] == 2


def test_retries_give_up(server: _Server) -> None:
    result = fetch_one(url(server, "/always-503"), retries=2)
    assert result.error == "HTTP 503 Service Unavailable" and result.status_code == 503
    assert server.hits["/always-503"] == 3


def test_404_is_not_retried(server: _Server) -> None:
    assert fetch_one(url(server, "/gone"), retries=3).error == "HTTP 404 Not Found"
    assert server.hits["/gone"] == 1


def test_timeout_is_retried_then_reported(server: _Server) -> None:
    started = time.monotonic()
    result = fetch_one(url(server, "/slow"), timeout=0.5, retries=1)
    assert result.error == "timed out after 0.5s"
    assert server.hits["/slow"] == 2
    assert time.monotonic() - started < 2.5


def test_slow_drip_hits_the_overall_deadline(server: _Server) -> None:
    started = time.monotonic()
    result = fetch_one(url(server, "/drip"), timeout=0.5)
    assert result.error == "timed out after 0.5s"
    assert time.monotonic() - started < 1.5


def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = fetch_one(f"http://127.0.0.1:{port}/feed", retries=1)
    assert result.error == "connection refused"


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/html", "not a feed (got an HTML page)"),
        ("/empty", "feed has no entries"),
        ("/loop", "too many redirects"),
        ("/to-ftp", "unsupported URL scheme"),
        ("/big", "response exceeds the 100 kB size cap"),
        ("/big-streamed", "response exceeds the 100 kB size cap"),
    ],
)
def test_fetch_errors(server: _Server, path: str, error: str) -> None:
    result = fetch_one(url(server, path), max_bytes=100_000)
    assert result.error == error
    assert result.entries == ()


def test_garbage_is_not_a_feed(server: _Server) -> None:
    result = fetch_one(url(server, "/garbage"))
    assert result.error is not None and result.error.startswith("not a feed")
    assert_one_line(result.error)


def test_gzip_bomb_hits_the_size_cap_quickly(server: _Server) -> None:
    started = time.monotonic()
    result = fetch_one(url(server, "/bomb"), max_bytes=1_000_000)
    assert result.error == "response exceeds the 1 MB size cap"
    assert time.monotonic() - started < 3


def test_redirect_is_followed(server: _Server) -> None:
    result = fetch_one(url(server, "/moved"))
    assert result.ok and result.entries[0].url == "http://example.com/news/bridge"
    assert server.hits["/rss"] == 1


def test_bozo_over_http(server: _Server) -> None:
    result = fetch_one(url(server, "/bozo"))
    assert result.ok and len(result.entries) == 2
    assert_one_line(result.warning)


def test_missing_fields_over_http_resolve_against_feed_url(server: _Server) -> None:
    result = fetch_one(url(server, "/missing"))
    assert result.entries[1].url == url(server, "/relative/path.html")


def test_huge_item_over_http(server: _Server) -> None:
    result = fetch_one(url(server, "/huge"), max_item_chars=5_000)
    assert len(result.entries[0].text) <= 5_000


def test_wrong_encoding_over_http(server: _Server) -> None:
    result = fetch_one(url(server, "/latin1"))
    assert_one_line(result.error)
    assert result.ok, result.error
    assert result.entries[0].title.startswith("Cr")


def test_concurrency_one_still_fetches_everything(server: _Server) -> None:
    feeds = [Feed(url(server, p)) for p in ("/rss", "/atom", "/bozo", "/missing", "/rss")]
    results = fetch_feeds(feeds, FetchConfig(concurrency=1))
    assert all(r.ok for r in results)


def test_fetch_feeds_inside_a_running_event_loop(server: _Server) -> None:
    async def main() -> list[FetchResult]:
        return fetch_feeds([Feed(url(server, "/rss"))], FetchConfig())

    (result,) = asyncio.run(main())
    assert result.ok


def test_mock_transport() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/down":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx.Response(200, headers={"Content-Type": RSS_TYPE}, content=RSS)

    feeds = [Feed("https://mock.example/feed"), Feed("https://mock.example/down")]
    ok, down = fetch_feeds(feeds, FetchConfig(retries=0), transport=httpx.MockTransport(handler))
    assert ok.ok and len(ok.entries) == 2
    assert down.error == "connection refused"


def test_the_run_budget_cuts_slow_feeds_off_and_keeps_what_came() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.4)
        return httpx.Response(200, headers={"Content-Type": RSS_TYPE}, content=RSS)

    feeds = [Feed(f"https://slow.example/{i}.xml") for i in range(4)]
    config = FetchConfig(concurrency=1, total_timeout=0.6, timeout=5, retries=0)
    started = time.monotonic()
    results = fetch_feeds(feeds, config, transport=httpx.MockTransport(handler))
    assert time.monotonic() - started < 2
    assert results[0].ok and len(results[0].entries) == 2
    for late in results[1:]:
        assert late.error == "not fetched within the run's 0.6s fetch budget (fetch.total_timeout)"


# --- local feeds and schemes ----------------------------------------------------------------


def test_local_path_and_file_url(tmp_path: Path) -> None:
    path = tmp_path / "my feed.xml"
    path.write_bytes(RSS)
    by_path, by_url = fetch_feeds([Feed(str(path)), Feed(path.as_uri())], FetchConfig())
    assert by_path.ok and by_url.ok
    assert by_path.entries == tuple(dataclasses.replace(e, feed_url=str(path)) for e in by_url.entries)
    assert by_path.status_code is None and by_path.etag == by_url.etag and by_path.etag.startswith("file-sha256:")


def test_unchanged_local_file_is_not_parsed_again_and_a_changed_one_is(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(RSS)
    (first,) = fetch_feeds([Feed(str(path))], FetchConfig())
    (again,) = fetch_feeds([Feed(str(path))], FetchConfig(), {str(path): (first.etag, None)})
    assert again.not_modified and not again.entries and again.etag == first.etag and not again.error
    path.write_bytes(RSS.replace(b"</channel>", b"<item><title>One more</title><guid>x9</guid></item></channel>"))
    (changed,) = fetch_feeds([Feed(str(path))], FetchConfig(), {str(path): (first.etag, None)})
    assert not changed.not_modified and len(changed.entries) == len(first.entries) + 1
    assert changed.etag != first.etag


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.xml"
    by_path, by_url = fetch_feeds([Feed(str(missing)), Feed(missing.as_uri())], FetchConfig())
    assert by_path.error == by_url.error == f"file not found: {missing}"


def test_local_file_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(RSS + b" " * 2_000)
    (result,) = fetch_feeds([Feed(str(path))], FetchConfig(max_bytes=1_000))
    assert result.error == "file exceeds the 1 kB size cap"


def test_directory_is_not_a_feed(tmp_path: Path) -> None:
    assert fetch_one(str(tmp_path)).error == f"not a file: {tmp_path}"


@pytest.mark.parametrize(
    ("feed_url", "error"),
    [
        ("ftp://example.com/feed.xml", "unsupported URL scheme"),
        ("gopher://example.com/feed", "unsupported URL scheme"),
        ("file://otherhost/feed.xml", "unsupported file URL (remote host 'otherhost')"),
        ("http://[::1/feed", "invalid URL: Invalid IPv6 URL"),
        ("http:///feed", "invalid URL (no host)"),
    ],
)
def test_bad_urls(feed_url: str, error: str) -> None:
    assert fetch_one(feed_url).error == error


# --- exception mapping ----------------------------------------------------------------------

HTTPX_EXCEPTIONS = sorted(
    (obj for obj in vars(httpx).values() if isinstance(obj, type) and issubclass(obj, Exception)),
    key=lambda cls: cls.__name__,
)
# Misuse of the httpx API (reading a stream twice...) is a bug in our code, not a feed problem.
NOT_REQUEST_FAILURES = (httpx.StreamError, httpx.CookieConflict)


def _make(cls: type[Exception]) -> Exception:
    request = httpx.Request("GET", "https://example.com/feed")
    if cls is httpx.HTTPStatusError:
        return cls("Server error", request=request, response=httpx.Response(503, request=request))
    for args, kwargs in ((("multi\nline   message",), {"request": request}), (("multi\nline message",), {}), ((), {})):
        try:
            return cls(*args, **kwargs)
        except TypeError:
            continue
    raise AssertionError(f"cannot build {cls}")


def test_httpx_exception_list_is_complete() -> None:
    names = {cls.__name__ for cls in HTTPX_EXCEPTIONS}
    assert {"ConnectError", "ReadTimeout", "TooManyRedirects", "InvalidURL", "DecodingError"} <= names


@pytest.mark.parametrize("cls", HTTPX_EXCEPTIONS, ids=lambda cls: cls.__name__)
def test_every_httpx_exception_is_mapped_to_one_line(cls: type[Exception]) -> None:
    original = _make(cls)
    if issubclass(cls, NOT_REQUEST_FAILURES):
        with pytest.raises(cls), map_exceptions("https://example.com/feed", 20):
            raise original
        return
    with pytest.raises(FetchError) as info, map_exceptions("https://example.com/feed", 20):
        raise original
    assert info.value.url == "https://example.com/feed"
    assert info.value.__cause__ is original
    assert_one_line(info.value.message)


@pytest.mark.parametrize(
    ("exc", "message", "transient"),
    [
        (httpx.ReadTimeout("x"), "timed out after 20s", True),
        (httpx.ConnectTimeout("x"), "timed out after 20s", True),
        (TimeoutError(), "timed out after 20s", True),
        (httpx.TooManyRedirects("x"), "too many redirects", False),
        (httpx.UnsupportedProtocol("x"), "unsupported URL scheme", False),
        (httpx.ConnectError("[Errno 111] Connection refused"), "connection refused", True),
        (httpx.ConnectError("[Errno -2] Name or service not known"), "could not resolve host", False),
        (httpx.RemoteProtocolError("Server disconnected"), "server broke the connection: Server disconnected", True),
    ],
)
def test_exception_reasons(exc: Exception, message: str, transient: bool) -> None:
    with pytest.raises(FetchError) as info, map_exceptions("u", 20):
        raise exc
    assert info.value.message == message
    assert info.value.transient is transient  # type: ignore[attr-defined]


def test_connect_error_cause_chain_names_dns_failure() -> None:
    try:
        try:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        except socket.gaierror as dns:
            raise httpx.ConnectError("All connection attempts failed") from dns
    except httpx.ConnectError as exc:
        error = exc
    with pytest.raises(FetchError) as info, map_exceptions("u", 20):
        raise error
    assert info.value.message == "could not resolve host"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("3", 3.0), ("0", 0.0), ("9999", 60.0), ("soon", None), ("-5", None)],
)
def test_retry_after_parsing(value: str | None, expected: float | None) -> None:
    assert fetch._retry_after(value) == expected


def test_retry_after_http_date() -> None:
    when = datetime.now(UTC).timestamp() + 30
    value = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(when))
    delay = fetch._retry_after(value)
    assert delay is not None and 25 <= delay <= 31


# --- JSON Feed ------------------------------------------------------------------------------------

FEEDS_DIR = Path(__file__).parent / "feeds"


def test_json_feed_11_is_read_like_rss_and_atom() -> None:
    result = parse_feed((FEEDS_DIR / "jsonfeed11.json").read_bytes(), Feed("https://harbour.example/feed.json"))
    assert result.error is None and result.feed_title == "Harbour Wire"
    storm, ports, bridge = result.entries
    assert (storm.title, storm.guid, storm.url) == ("Storm closes the harbour", "https://harbour.example/2026/11/24/storm",
                                                    "https://harbour.example/2026/11/24/storm?utm_source=feed")
    assert storm.text == "A storm closed the harbour on Monday.\n\nFerries stayed in port & the coast road was shut."
    assert storm.published == datetime(2026, 11, 24, 8, 15, tzinfo=UTC)
    assert storm.categories == ("weather", "Transport") and storm.outlet == "Harbour Wire"
    assert ports.guid == "2041" and ports.url == "https://other.example/analysis/ports"
    assert ports.title.startswith("Ports across the region are rethinking") and ports.title.endswith("…")
    assert ports.published == datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # date_modified when no date_published
    assert bridge.url == "https://harbour.example/2026/11/24/bridge" and bridge.published is None
    assert result.warning == "skipped 1 entry with no title or text"


@pytest.mark.parametrize(("content", "error"), [
    ((FEEDS_DIR / "jsonfeed_broken.json").read_bytes(), "not a feed: invalid JSON Feed: "),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "feed has no entries"),
    (b'{"version": "https://jsonfeed.org/version/1", "items": {"id": 1}}',
     "not a feed: invalid JSON Feed: 'items' is not a list"),
    (b'{"title": "jsonfeed.org/version fan page", "version": 2}', "not a feed: invalid JSON Feed: no jsonfeed.org"),
])  # fmt: skip
def test_broken_json_feeds_are_one_line_errors(content: bytes, error: str) -> None:
    result = parse_feed(content, Feed("x.json"))
    assert result.error is not None and result.error.startswith(error)
    assert_one_line(result.error)


def test_the_json_feeds_of_the_real_corpus_parse(shared_data: Path) -> None:
    files = sorted((shared_data / "feeds").rglob("*.json"))
    assert files
    for path in files:
        result = parse_feed(path.read_bytes(), Feed(path.as_uri()))
        assert result.error is None, (path, result.error)
        assert all(entry.title and entry.url for entry in result.entries)


_JSON_ITEM = st.fixed_dictionaries({}, optional={
    "id": st.one_of(st.text(max_size=20), st.integers(), st.none(), st.booleans()),
    "url": st.one_of(st.text(max_size=30), st.just("https://a.example/x"), st.integers()),
    "title": st.one_of(st.text(max_size=40), st.none(), st.lists(st.text(max_size=3), max_size=2)),
    "content_html": st.text(max_size=80), "content_text": st.text(max_size=80),
    "date_published": st.one_of(st.text(max_size=25), st.just("2026-11-24T09:15:00Z"), st.integers()),
    "tags": st.one_of(st.lists(st.one_of(st.text(max_size=8), st.integers()), max_size=3), st.text(max_size=5)),
})


@given(st.lists(st.one_of(_JSON_ITEM, st.integers(), st.text(max_size=5)), max_size=6))
@settings(max_examples=80, deadline=None)
def test_any_json_feed_items_parse_or_fail_in_one_line(items: list[object]) -> None:
    content = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": items}).encode()
    result = parse_feed(content, Feed("x.json"))
    if result.error is not None:
        assert_one_line(result.error)
    for entry in result.entries:
        assert entry.title and (entry.url is None or entry.url.startswith(("http://", "https://")))
