"""Publishers, not feeds: who published an item, and two sections of one publisher counted as one source."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.config import parse_config
from briefing.fetch import parse_feed
from briefing.models import Feed, Story
from briefing.publishers import host_of, publisher_for, registrable_domain, site_name, unwrap_url
from briefing.store import Store

SEEN = datetime(2025, 6, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("www.wsj.com", "wsj.com"),
        ("wsj.com", "wsj.com"),
        ("markets.ft.com", "ft.com"),
        ("feeds.bbci.co.uk", "bbci.co.uk"),
        ("www.bbc.co.uk", "bbc.co.uk"),
        ("www.theguardian.org.uk", "theguardian.org.uk"),
        ("www.smh.com.au", "smh.com.au"),
        ("www3.nhk.or.jp", "nhk.or.jp"),
        ("www.asahi.co.jp", "asahi.co.jp"),
        ("www.stuff.co.nz", "stuff.co.nz"),
        ("WWW.Economist.COM.", "economist.com"),
        ("someone.substack.com", "someone.substack.com"),  # a platform: each subdomain is a publisher
        ("globalwire.example.com", "globalwire.example.com"),  # documentation domains likewise
        ("co.uk", "co.uk"),
        ("localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
    ],
)
def test_registrable_domain(host: str, expected: str) -> None:
    assert registrable_domain(host) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://archive.is/newest/https://www.wsj.com/world/ukraine-094f8c1c",
         "https://www.wsj.com/world/ukraine-094f8c1c"),
        ("https://archive.ph/newest/https://www.ft.com/content/1d593248?x=1", "https://www.ft.com/content/1d593248?x=1"),
        ("https://archive.today/2025.06.02-101010/https://www.economist.com/leaders/x",
         "https://www.economist.com/leaders/x"),
        ("https://archive.is/o/AbCd/https:/www.nytimes.com/2025/x.html", "https://www.nytimes.com/2025/x.html"),
        ("https://archive.is/newest/www.bbc.co.uk/news/x", "https://www.bbc.co.uk/news/x"),
        ("https://web.archive.org/web/20240808000000/https://www.cnn.com/x", "https://www.cnn.com/x"),
        ("https://web.archive.org/web/20240808000000id_/http://www.cnn.com/x", "http://www.cnn.com/x"),
        ("https://archive.is/AbCd", "https://archive.is/AbCd"),  # a snapshot id: nothing inside
        ("https://www.wsj.com/world/x", "https://www.wsj.com/world/x"),
    ],
)  # fmt: skip
def test_unwrap_archive_links(url: str, expected: str) -> None:
    assert unwrap_url(url) == expected


def test_publisher_rule_order() -> None:
    item = "https://archive.is/newest/https://www.wsj.com/world/ukraine-094f8c1c"
    assert publisher_for(override=" WSJ ", site="https://wsj.com", item_url=item) == "WSJ"  # the config wins
    assert publisher_for(site="https://www.wsj.com/world", item_url="https://other.com/x") == "wsj.com"
    assert publisher_for(site=None, item_url=item, feed_url="https://feeds.a.dj.com/rss/x.xml") == "wsj.com"
    assert publisher_for(item_url=None, feed_url="https://feeds.a.dj.com/rss/x.xml") == "dj.com"
    # A feed proxy or an archive is nobody's publisher: look further.
    atlantic = "https://archive.is/newest/https://www.theatlantic.com/ideas/x/1/"
    assert publisher_for(site="http://feeds.feedburner.com/TheAtlantic", item_url=atlantic) == "theatlantic.com"
    assert publisher_for(site="https://archive.is/AbCd", item_url=None, feed_url="/feeds/a.xml", name="A") == "A"
    assert publisher_for(feed_url="/home/me/feeds/local.xml", name="Local notes") == "Local notes"
    assert host_of("https://archive.is/newest/https://www.wsj.com/x") == "wsj.com"
    assert host_of("javascript:alert(1)") is None


def rss(title: str, site: str | None, items: list[tuple[str, str | None, str]]) -> bytes:
    link = f"<link>{site}</link>" if site else ""
    body = "".join(
        f"<item><title>{t}</title>{f'<link>{u}</link>' if u else ''}<description>{d}</description>"
        f"<pubDate>Mon, 02 Jun 2025 16:10:00 GMT</pubDate></item>"
        for t, u, d in items
    )
    channel = f"<channel><title>{title}</title>{link}{body}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


ASSAULT = "https://archive.is/newest/https://www.wsj.com/world/ukraines-stunning-assault-094f8c1c"


def test_parse_feed_sets_publisher_from_the_site_and_override() -> None:
    content = rss("WSJ.com: World News", "https://wsj.com", [("Ukraine’s Stunning Assault", ASSAULT, "Drones.")])
    (entry,) = parse_feed(content, Feed(url="https://feeds.a.dj.com/rss/RSSWorldNews.xml")).entries
    assert (entry.outlet, entry.publisher) == ("WSJ.com", "wsj.com")  # the site, not the channel
    (entry,) = parse_feed(content, Feed(url="https://feeds.a.dj.com/rss/x.xml", publisher="WSJ")).entries
    assert entry.publisher == "WSJ"


def test_item_source_element_names_the_publisher_of_an_aggregated_item() -> None:
    content = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Google News</title>'
               b"<link>https://news.google.com/</link><item><title>Rates held - Reuters</title>"
               b"<link>https://news.google.com/rss/articles/CBMiX</link><description>x</description>"
               b'<source url="https://www.reuters.com">Reuters</source></item></channel></rss>')
    (entry,) = parse_feed(content, Feed(url="https://news.google.com/rss")).entries
    assert entry.publisher == "reuters.com"


def test_local_file_feed_without_links_is_its_own_publisher(tmp_path: Path) -> None:
    content = rss("Notes", None, [("A note", None, "Text of the note.")])
    (entry,) = parse_feed(content, Feed(url=str(tmp_path / "notes.xml"), name="My notes")).entries
    assert entry.publisher == "My notes"
    (entry,) = parse_feed(content, Feed(url=str(tmp_path / "notes.xml"))).entries
    assert entry.publisher == "Notes"  # the feed's title


def test_config_publisher_reaches_the_feed() -> None:
    config = parse_config({"feeds": [{"url": "https://feeds.a.dj.com/rss/RSSWorldNews.xml", "publisher": "WSJ"},
                                     {"url": "https://example.org/rss"}]})
    assert [feed.publisher for feed in config.feed_records()] == ["WSJ", None]


def test_two_sections_of_one_publisher_are_one_source(tmp_path: Path) -> None:
    title = "Ukraine’s Stunning Assault Roils Russia’s Global Military Strategy"
    world = rss("WSJ.com: World News", "https://wsj.com", [(title, ASSAULT, "The drone strikes.")])
    economy = rss("WSJ.com: Economy", "https://wsj.com",
                  [(title, ASSAULT, "The drone strikes."),
                   ("Factory Activity Slips", "https://archive.is/newest/https://www.wsj.com/economy/f-1", "ISM.")])
    ft = rss("myFT following", "https://ft.com",
             [("Ukraine strikes Russian bombers", "https://archive.is/newest/https://www.ft.com/content/1", "Drones.")])
    store = Store(":memory:")
    for name, content in (("wsj_world", world), ("wsj_econ", economy), ("ft", ft)):
        store.upsert_entries(parse_feed(content, Feed(url=f"/feeds/{name}.xml")).entries, SEEN)
    articles = store.articles_between(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 6, 3, tzinfo=UTC))
    assert store.count_items() == 3  # the assault is one item, with a copy from each section
    assault = next(a for a in articles if a.title.startswith("Ukraine’s"))
    bombers = next(a for a in articles if a.title.startswith("Ukraine strikes"))
    assert [(s.outlet, s.publisher) for s in assault.sources] == [("WSJ.com", "wsj.com"),
                                                                  ("WSJ.com", "wsj.com")]
    alone = Story(articles=(assault,), lead=assault, vector=(1.0,))
    assert alone.outlets == frozenset({"wsj.com"})
    assert [s.outlet for s in alone.sources] == ["WSJ.com"]  # shown once
    assert alone.placements == 2  # but placed in two of its feeds
    both = Story(articles=(assault, bombers), lead=assault, vector=(1.0,))
    assert both.outlets == frozenset({"wsj.com", "ft.com"}) and len(both.sources) == 2
    store.close()


def test_real_wsj_sections_carry_the_same_article_once(shared_data: Path) -> None:
    day = shared_data / "daily" / "2025-10-12" / "output"
    store = Store(":memory:")
    results = [parse_feed(gzip.decompress((day / f"{name}.xml.gz").read_bytes()), Feed(url=f"/feeds/{name}.xml"))
               for name in ("wsj_world", "wsj_econ")]
    assert {e.publisher for r in results for e in r.entries} == {"wsj.com"}
    world_urls = {e.url for e in results[0].entries}
    shared = [e for e in results[1].entries if e.url in world_urls]
    assert len(shared) >= 2
    for result in results:
        store.upsert_entries(result.entries, SEEN)
    assert store.count_items() == len({e.url for r in results for e in r.entries})
    articles = store.articles_between(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    twice = [a for a in articles if len(a.sources) == 2]
    assert len(twice) == len(shared)
    for article in twice:
        story = Story(articles=(article,), lead=article, vector=(1.0,))
        assert len(story.outlets) == 1 and len(story.sources) == 1 and story.placements == 2
    store.close()


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("WSJ.com: World News", "https://www.wsj.com/", "WSJ.com"),
        ("myFT following", "https://www.ft.com/myft", "ft.com"),
        ("World news | The Guardian", "https://www.theguardian.com/world", "The Guardian"),
        ("NYT > World News", "https://www.nytimes.com/section/world", "NYT"),
        ("BBC News - World", "https://www.bbc.co.uk/news/world", "BBC News"),
        ("Example News", "http://example.com/", "Example News"),
        ("Local paper", None, "Local paper"),
        (None, "https://x.org/feed", "x.org"),
        (None, None, None),
    ],
)
def test_site_name_is_the_site_not_the_channel(title: str | None, site: str | None, expected: str | None) -> None:
    assert site_name(title, site) == expected
