"""`briefing feeds add`: the location is checked, the feed fetched once and named, a page's feeds offered."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from briefing.cli import app
from briefing.config import load_config
from briefing.discover import feed_links, feed_location
from briefing.errors import ConfigError

from .helpers import QuietHandler, loopback_server
from .test_cli import briefing_cmd

runner = CliRunner()
PAGES = Path(__file__).resolve().parent / "pages"


class Site(QuietHandler):
    """Serves tests/pages: /, /plain, /feed.xml, /atom.xml; 404 otherwise."""

    routes: ClassVar[dict[str, tuple[str, str]]] = {
        "/": ("site.html", "text/html; charset=utf-8"), "/plain": ("plain.html", "text/html"),
        "/feed.xml": ("feed.xml", "application/rss+xml"), "/atom.xml": ("atom.xml", "application/atom+xml")}

    def do_GET(self) -> None:
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        self.reply((PAGES / route[0]).read_bytes(), route[1])


@pytest.fixture
def site() -> str:
    with loopback_server(Site) as base:
        yield base


@pytest.fixture
def config(tmp_path: Path) -> Path:
    assert runner.invoke(app, ["init"]).exit_code == 0
    return tmp_path / "configs" / "default.toml"


def feeds(config: Path) -> list[tuple[str, str | None]]:
    return [(f.url, f.name) for f in load_config(config).feeds]


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("notaurl", "notaurl: not a URL (http:// or https://) and no such file"),
        ("htp:/bad url", "unsupported URL scheme 'htp'"),
        ("https:/example.com/feed", "not a valid URL (expected https://host/path)"),
        ("https://exa mple.com/feed", "not a valid URL"),
        ("https://example.com/a feed.xml", "percent-encode"),
        ("example.com/feed.xml", "did you mean https://example.com/feed.xml"),
        ("ftp://example.com/feed.xml", "unsupported URL scheme 'ftp'"),
        ("file://server/feed.xml", "must name a local file"),
        ("", "empty"),
    ],
)
def test_bad_locations_are_refused_with_what_to_give(config: Path, given: str, says: str) -> None:
    result = runner.invoke(app, ["feeds", "add", given])
    assert isinstance(result.exception, ConfigError)  # main() prints it as one line, exit code 2
    assert says in str(result.exception)
    assert feeds(config) == []


def test_a_bad_location_is_one_line_and_exit_2(config: Path, tmp_path: Path) -> None:
    result = briefing_cmd("feeds", "add", "htp:/bad url", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("error: htp:/bad url: unsupported URL scheme 'htp' "
                             "(use http://, https://, file:// or a file path)\n")


def test_relative_path_is_taken_from_the_working_folder(config: Path, tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "feed.xml").write_bytes((PAGES / "feed.xml").read_bytes())
    result = runner.invoke(app, ["feeds", "add", "mine/feed.xml"])
    assert result.exit_code == 0, result.output
    assert feeds(config) == [(str(tmp_path / "mine" / "feed.xml"), "Harbour Post")]
    assert 'as "Harbour Post"' in result.output and "2 items" in result.output
    assert load_config(config).feed_records()[0].url == str(tmp_path / "mine" / "feed.xml")


def test_location_checks() -> None:
    assert feed_location("https://example.com/rss?x=1") == "https://example.com/rss?x=1"
    assert feed_location(f"file://{PAGES / 'feed.xml'}") == str(PAGES / "feed.xml")
    with pytest.raises(ConfigError, match="is a folder"):
        feed_location(str(PAGES))


def test_a_feed_is_fetched_once_and_named_after_its_site(config: Path, site: str) -> None:
    result = runner.invoke(app, ["feeds", "add", f"{site}/feed.xml"])
    assert result.exit_code == 0, result.output
    assert feeds(config) == [(f"{site}/feed.xml", "Harbour Post")]
    assert 'feed title "Harbour Post: World News"' in result.output


def test_the_given_name_wins(config: Path, site: str) -> None:
    result = runner.invoke(app, ["feeds", "add", f"{site}/atom.xml", "--name", "HP Business", "--full-text"])
    assert result.exit_code == 0, result.output
    assert feeds(config) == [(f"{site}/atom.xml", "HP Business")]
    assert load_config(config).feeds[0].full_text is True


def test_a_page_offers_its_feeds(config: Path, site: str) -> None:
    listed = runner.invoke(app, ["feeds", "add", f"{site}/"])
    assert listed.exit_code == 2  # not a terminal, two feeds: say how to choose
    assert "offers 2 feed(s)" in listed.output
    assert f"1. Harbour Post: World  {site}/feed.xml" in listed.output
    assert f"2. Harbour Post: Business  {site}/atom.xml" in listed.output
    assert "--pick N" in listed.output
    assert feeds(config) == []
    picked = runner.invoke(app, ["feeds", "add", f"{site}/", "--pick", "2"])
    assert picked.exit_code == 0, picked.output
    assert feeds(config) == [(f"{site}/atom.xml", "Harbour Post")]


def test_a_local_page_offers_its_feeds_as_paths(config: Path) -> None:
    result = runner.invoke(app, ["feeds", "add", str(PAGES / "site.html"), "--pick", "1"])
    assert result.exit_code == 0, result.output
    assert feeds(config) == [(str(PAGES / "feed.xml"), "Harbour Post")]


def test_a_page_without_feeds_and_a_dead_link_fail_with_one_line(config: Path, site: str) -> None:
    plain = runner.invoke(app, ["feeds", "add", f"{site}/plain"])
    assert plain.exit_code == 1
    assert "a web page that names no feed" in plain.output
    gone = runner.invoke(app, ["feeds", "add", f"{site}/gone.xml"])
    assert gone.exit_code == 1
    assert "404" in gone.output and "--no-check" in gone.output
    assert feeds(config) == []
    assert runner.invoke(app, ["feeds", "add", f"{site}/gone.xml", "--no-check"]).exit_code == 0
    assert feeds(config) == [(f"{site}/gone.xml", None)]


def test_feed_links_are_absolute_typed_and_unique() -> None:
    html = ('<base href="https://cdn.example/x/"><link rel="Alternate feed" type="application/atom+xml; charset=utf-8" '
            'href="a.xml" title=" Main\n feed "><link rel="alternate" type="application/rss+xml" href="a.xml">'
            '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
            '<link rel="alternate" type="text/html" href="/other">')
    assert feed_links(html, "https://site.example/page") == [("https://cdn.example/x/a.xml", "Main feed")]
    assert feed_links("<link rel=alternate type=application/rss+xml href=/rss", "https://s.example/") == []
