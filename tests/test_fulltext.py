"""Full text per feed: article pages fetched over loopback HTTP, extracted, and stored in place of feed text."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer

import pytest

from briefing.config import Config, FetchConfig, parse_config
from briefing.fetch import fetch_pages
from briefing.pipeline import Pipeline
from briefing.store import Store, content_hash

from .helpers import QuietHandler

pytest.importorskip("trafilatura", reason="trafilatura is not installed")

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
FEED_TEXT = "The council voted on the sea wall."
ARTICLE = "".join(
    f"<p>Paragraph {i} of the harbour report: the council voted to rebuild the sea wall, and engineers said "
    f"work on section {i} would start in the spring after the storm season ends.</p>"
    for i in range(8)
)
PAGES = {
    "/long": f"<!doctype html><html><head><title>Sea wall</title></head><body><nav><a href='/'>Home</a></nav>"
             f"<article><h1>Sea wall to be rebuilt</h1>{ARTICLE}</article>"
             f"<footer>Copyright Example News.</footer></body></html>",
    "/short": "<!doctype html><html><body><article><p>Subscribe to read the rest of this story.</p></article>"
              "</body></html>",
}


def feed_xml(base: str) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
        f"<pubDate>Wed, 25 Nov 2026 {hour:02d}:00:00 GMT</pubDate>"
        f"<description>{FEED_TEXT} {title}.</description></item>"
        for hour, (title, path) in enumerate(
            [("Sea wall", "/long"), ("Missing page", "/missing"), ("Paywalled", "/short")], start=10
        )
    )
    channel = f"<channel><title>Harbour News</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


class _Server(ThreadingHTTPServer):
    hits: Counter[str]
    user_agents: list[str]


class _Handler(QuietHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.hits[self.path] += 1
        self.server.user_agents.append(self.headers.get("User-Agent", ""))
        host = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/feed.xml":
            self.reply(feed_xml(host), "application/rss+xml")
        elif self.path in PAGES:
            self.reply(PAGES[self.path].encode(), "text/html; charset=utf-8")
        elif self.path == "/report.pdf":
            self.reply(b"%PDF-1.4 " + ARTICLE.encode(), "application/pdf")
        elif self.path == "/huge":
            self.reply(b"<p>" + b"word " * 50_000 + b"</p>", "text/html")
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()



@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.hits = Counter()
    srv.user_agents = []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def base(server: _Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def config(server: _Server, *, full_text: bool = True, **fetch: object) -> Config:
    return parse_config({"feeds": [{"url": f"{base(server)}/feed.xml", "full_text": full_text}],
                         "fetch": {"retries": 0, "timeout": 5, **fetch}})


@pytest.fixture
def store() -> Iterator[Store]:
    with Store(":memory:") as db:
        yield db


def stored(store: Store) -> dict[str, tuple[str, str, str]]:
    """path -> (text, text_source, content_hash) of every item."""
    rows = store._db.execute("SELECT url, text, text_source, content_hash FROM items").fetchall()
    return {row["url"].rsplit("/", 1)[1]: (row["text"], row["text_source"], row["content_hash"]) for row in rows}


def page_hits(server: _Server) -> int:
    return sum(n for path, n in server.hits.items() if path != "/feed.xml")


def test_full_text_feed_stores_the_article_page_text(server: _Server, store: Store) -> None:
    _, counts = Pipeline(config(server), store=store).fetch(NOW)
    items = stored(store)
    text, source, chash = items["long"]
    assert source == "page"
    assert "Paragraph 7 of the harbour report" in text and "Copyright" not in text
    assert chash == content_hash("Sea wall", text)  # a new hash: the summary cache summarizes it again
    assert counts["pages"] == 1
    assert server.hits["/long"] == server.hits["/missing"] == server.hits["/short"] == 1


def test_a_missing_or_short_page_keeps_the_feed_text(server: _Server, store: Store) -> None:
    Pipeline(config(server), store=store).fetch(NOW)
    items = stored(store)
    assert items["missing"][:2] == (f"{FEED_TEXT} Missing page.", "feed")
    assert items["short"][:2] == (f"{FEED_TEXT} Paywalled.", "feed")
    assert items["short"][2] == content_hash("Paywalled", f"{FEED_TEXT} Paywalled.")


def test_a_feed_without_full_text_fetches_no_page(server: _Server, store: Store) -> None:
    _, counts = Pipeline(config(server, full_text=False), store=store).fetch(NOW)
    assert page_hits(server) == 0
    assert counts["pages"] == 0
    assert {source for _, source, _ in stored(store).values()} == {"feed"}


def test_a_second_run_fetches_no_page_again_and_keeps_the_page_text(server: _Server, store: Store) -> None:
    pipeline = Pipeline(config(server), store=store)
    pipeline.fetch(NOW)
    first = stored(store)
    _, counts = pipeline.fetch(NOW.replace(hour=7))
    assert server.hits["/feed.xml"] == 2
    assert page_hits(server) == 3
    assert (counts["new"], counts["updated"], counts["pages"]) == (0, 0, 0)
    assert stored(store) == first  # the unchanged feed text does not overwrite the page text


def test_pages_per_feed_are_capped_newest_first(server: _Server, store: Store) -> None:
    Pipeline(config(server, max_pages_per_feed=1), store=store).fetch(NOW)
    assert page_hits(server) == 1
    assert server.hits["/short"] == 1  # published last


def test_fetch_pages_returns_html_or_none_and_never_raises(server: _Server) -> None:
    host = base(server)
    urls = [f"{host}/long", f"{host}/missing", f"{host}/report.pdf", f"{host}/huge", "file:///etc/hostname",
            "http://127.0.0.1:9/closed", f"{host}/long"]
    pages = fetch_pages(urls, FetchConfig(retries=0, timeout=5, max_bytes=100_000))
    assert pages.keys() == set(urls)
    assert pages[f"{host}/long"] == PAGES["/long"]
    assert [pages[u] for u in urls[1:6]] == [None] * 5
    assert server.hits["/long"] == 1  # repeats fetched once
    assert set(server.user_agents) == {FetchConfig().user_agent}
