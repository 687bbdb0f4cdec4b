"""Editing [[feeds]] in a config file in place, and OPML in and out."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path

import listparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.config import FeedConfig, load_config
from briefing.errors import ConfigError
from briefing.feeds_file import add_feeds, read_opml, remove_feed, write_opml

COMMENTED = """\
# My briefing config -- keep this comment
[briefing]
title = "Morning news"   # shown at the top

# Feeds I read
[[feeds]]
url = "https://a.example/rss"   # the A feed
name = "A"

[[feeds]]
url = "https://b.example/atom.xml"

# network settings
[fetch]
timeout = 7.5
"""


def config_file(tmp_path: Path, text: str = COMMENTED) -> Path:
    path = tmp_path / "conf" / "briefing.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def urls(path: Path) -> list[str]:
    return [feed.url for feed in load_config(path).feeds]


# add ---------------------------------------------------------------------------


def test_add_keeps_comments_and_other_keys(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    new = [FeedConfig(url="https://c.example/feed", name="C & Co"), FeedConfig(url="feeds/local.xml", full_text=True)]
    assert add_feeds(path, new) == new

    text = path.read_text(encoding="utf-8")
    for line in ("# My briefing config -- keep this comment", "# shown at the top", "# Feeds I read",
                 "# the A feed", "# network settings"):
        assert line in text
    assert text.startswith(COMMENTED.split("\n[[feeds]]")[0])

    config = load_config(path)
    assert config.briefing.title == "Morning news"
    assert config.fetch.timeout == 7.5
    assert [(f.url, f.name, f.full_text) for f in config.feeds] == [
        ("https://a.example/rss", "A", False),
        ("https://b.example/atom.xml", None, False),
        ("https://c.example/feed", "C & Co", False),
        ("feeds/local.xml", None, True),
    ]


def test_add_to_the_starter_config(tmp_path: Path) -> None:
    path = config_file(tmp_path, files("briefing").joinpath("data/starter.toml").read_text(encoding="utf-8"))
    before = load_config(path)
    add_feeds(path, [FeedConfig(url="https://example.com/feed.xml", name='The "Example"')])

    after = load_config(path)
    assert [(f.url, f.name) for f in after.feeds] == [("https://example.com/feed.xml", 'The "Example"')]
    assert after.model_dump(exclude={"feeds"}) == before.model_dump(exclude={"feeds"})
    assert "# One block per feed" in path.read_text(encoding="utf-8")


def test_add_the_same_url_once(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    feed = FeedConfig(url="https://c.example/feed")
    assert add_feeds(path, [feed, feed]) == [feed]
    assert add_feeds(path, [feed, FeedConfig(url="https://a.example/rss", name="Renamed")]) == []
    assert urls(path) == ["https://a.example/rss", "https://b.example/atom.xml", "https://c.example/feed"]
    assert load_config(path).feeds[0].name == "A"


def test_add_to_a_missing_file_suggests_init(tmp_path: Path) -> None:
    path = tmp_path / "none.toml"
    with pytest.raises(ConfigError, match="briefing init"):
        add_feeds(path, [FeedConfig(url="https://x.example/")])
    assert not path.exists()


def test_add_to_invalid_toml_leaves_it_alone(tmp_path: Path) -> None:
    path = config_file(tmp_path, "[fetch\n")
    with pytest.raises(ConfigError, match="invalid TOML") as info:
        add_feeds(path, [FeedConfig(url="https://x.example/")])
    assert str(path) in str(info.value)
    assert path.read_text(encoding="utf-8") == "[fetch\n"


def test_remove_every_feed_then_add_one(tmp_path: Path) -> None:
    path = config_file(tmp_path, '[[feeds]]\nurl = "https://a.example/rss"\n')
    assert remove_feed(path, "https://a.example/rss")
    add_feeds(path, [FeedConfig(url="https://b.example/rss")])
    assert urls(path) == ["https://b.example/rss"]


def test_add_to_feeds_written_as_an_inline_array(tmp_path: Path) -> None:
    path = config_file(tmp_path, 'feeds = [{url = "https://a.example/rss", name = "A"}]\n')
    add_feeds(path, [FeedConfig(url="https://b.example/rss", name="B")])
    assert urls(path) == ["https://a.example/rss", "https://b.example/rss"]


# remove ------------------------------------------------------------------------


def test_remove_keeps_the_rest(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    assert remove_feed(path, "https://b.example/atom.xml") is True
    text = path.read_text(encoding="utf-8")
    assert "https://b.example/atom.xml" not in text
    assert "# the A feed" in text
    assert "# Feeds I read" in text
    config = load_config(path)
    assert [(f.url, f.name) for f in config.feeds] == [("https://a.example/rss", "A")]
    assert config.fetch.timeout == 7.5


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="tomlkit files the comment above [fetch] under the last [[feeds]] table, so removing "
                          "that table deletes the comment too")
def test_remove_the_last_table_keeps_the_comment_of_the_next_section(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    assert remove_feed(path, "https://b.example/atom.xml")
    assert "# network settings\n[fetch]" in path.read_text(encoding="utf-8")


def test_remove_first_feed(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    assert remove_feed(path, "https://a.example/rss")
    assert urls(path) == ["https://b.example/atom.xml"]


@pytest.mark.parametrize("url", ["https://a.example/rss/", "https://a.example/r", "a.example/rss", "https://a.example"])
def test_remove_unknown_url_changes_nothing(tmp_path: Path, url: str) -> None:
    path = config_file(tmp_path)
    assert remove_feed(path, url) is False
    assert path.read_text(encoding="utf-8") == COMMENTED


def test_remove_from_a_file_without_feeds(tmp_path: Path) -> None:
    path = config_file(tmp_path, "[fetch]\ntimeout = 1\n")
    assert remove_feed(path, "https://a.example/rss") is False
    assert path.read_text(encoding="utf-8") == "[fetch]\ntimeout = 1\n"


def test_remove_the_last_feed_leaves_a_loadable_file(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    assert remove_feed(path, "https://a.example/rss")
    assert remove_feed(path, "https://b.example/atom.xml")
    assert urls(path) == []
    assert load_config(path).fetch.timeout == 7.5


# OPML in -----------------------------------------------------------------------

OPML = """\
<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="News">
      <outline type="rss" text="World &amp; Politics" xmlUrl="https://news.example/world.rss"/>
      <outline text="Local">
        <outline type="rss" text="City &quot;Desk&quot;" xmlUrl="https://city.example/feed?x=1&amp;y=2"/>
      </outline>
    </outline>
    <outline type="rss" text="Top level" xmlUrl="http://top.example/atom.xml"/>
    <outline text="Empty category"/>
  </body>
</opml>
"""


def test_read_opml_with_nested_categories(tmp_path: Path) -> None:
    path = tmp_path / "subs.opml"
    path.write_text(OPML, encoding="utf-8")
    assert read_opml(path) == [
        FeedConfig(url="https://news.example/world.rss", name="World & Politics"),
        FeedConfig(url="https://city.example/feed?x=1&y=2", name='City "Desk"'),
        FeedConfig(url="http://top.example/atom.xml", name="Top level"),
    ]


def test_import_opml_into_a_config_file(tmp_path: Path) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(OPML, encoding="utf-8")
    path = config_file(tmp_path)
    added = add_feeds(path, read_opml(opml))
    assert len(added) == 3
    config = load_config(path)
    assert [f.name for f in config.feeds] == ["A", None, "World & Politics", 'City "Desk"', "Top level"]
    assert add_feeds(path, read_opml(opml)) == []


def test_example_opml_shipped_with_init_reads(tmp_path: Path) -> None:
    path = tmp_path / "feeds.example.opml"
    path.write_bytes(files("briefing").joinpath("data/feeds.example.opml").read_bytes())
    feeds = read_opml(path)
    assert feeds
    assert all(f.url.startswith("https://") and f.name for f in feeds)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"this is not xml",
        b"<opml><body><outline xmlUrl=",
        b'<?xml version="1.0"?><opml version="2.0"><head/><body></body></opml>',
        b'<?xml version="1.0"?><opml version="2.0"><body><outline text="Only a category"/></body></opml>',
        b"<rss><channel><title>A feed, not a list</title></channel></rss>",
    ],
)
def test_broken_opml_is_a_config_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.opml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match="no feeds found") as info:
        read_opml(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_opml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read OPML"):
        read_opml(tmp_path / "absent.opml")


# OPML out ----------------------------------------------------------------------

TRICKY = [
    FeedConfig(url="https://a.example/rss", name="Plain"),
    FeedConfig(url="https://b.example/feed?x=1&y=2", name="Salt & Pepper"),
    FeedConfig(url="https://c.example/atom", name='He said "hi" & she said \'bye\''),
    FeedConfig(url="https://d.example/<rss>", name="<b>not bold</b>"),
    FeedConfig(url="https://e.example/unnamed"),
]


def test_write_opml_parses_back_to_the_same_feeds() -> None:
    text = write_opml(TRICKY)
    ET.fromstring(text.encode("utf-8"))
    parsed = listparser.parse(text.encode("utf-8"))
    assert not parsed.bozo
    assert [(f.url, f.title) for f in parsed.feeds] == [(f.url, f.name or f.url) for f in TRICKY]


def test_write_opml_round_trips_through_read_opml(tmp_path: Path) -> None:
    path = tmp_path / "out.opml"
    path.write_text(write_opml(TRICKY), encoding="utf-8")
    assert [(f.url, f.name) for f in read_opml(path)] == [(f.url, f.name or f.url) for f in TRICKY]


def test_exported_feeds_import_into_a_loadable_config(tmp_path: Path) -> None:
    opml = tmp_path / "out.opml"
    opml.write_text(write_opml(TRICKY), encoding="utf-8")
    path = config_file(tmp_path, "# empty but for this\n")
    add_feeds(path, read_opml(opml))
    assert urls(path) == [f.url for f in TRICKY]
    assert "# empty but for this" in path.read_text(encoding="utf-8")


def test_write_opml_escapes_the_title() -> None:
    ET.fromstring(write_opml(TRICKY, title="News & Views <daily>").encode("utf-8"))


_name = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=20).filter(
    lambda s: s.strip() == s and s.strip()
)


@given(st.lists(_name, min_size=1, max_size=4, unique=True))
@settings(max_examples=50, deadline=None)
def test_write_opml_keeps_any_printable_name(names: list[str]) -> None:
    feeds = [FeedConfig(url=f"https://x.example/{i}?a=1&b=2", name=name) for i, name in enumerate(names)]
    parsed = listparser.parse(write_opml(feeds).encode("utf-8"))
    assert [(f.url, f.title) for f in parsed.feeds] == [(f.url, f.name) for f in feeds]
