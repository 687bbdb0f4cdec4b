"""The archive you can search: the FTS5 index, `briefing search|show|open|serve`, story pages with history."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from threading import Thread

import pytest
from typer.testing import CliRunner

from briefing.archive import write_archive
from briefing.cli import app
from briefing.deliver import write_briefing
from briefing.models import Briefing, RankedStory, Source, Story
from briefing.search import SearchIndex, fts_query
from briefing.serve import make_server, page_for, story_history

from .helpers import article

runner = CliRunner()
HOSTILE = "<script>alert('x')</script> Storm \"nears\" coast & <b>port</b>"


def story(rank: int, title: str, *, status: str = "new", matched: str | None = None, summary: str = "",
          outlet: str = "Wire", url: str | None = None) -> RankedStory:
    slug = "-".join(word for word in title.lower().split() if word.isalnum())
    lead = article(rank, title, summary or f"{title}. More words.", outlet=outlet,
                   url=url or f"https://{outlet.lower()}.example.com/{slug}")
    return RankedStory(story=Story(articles=(lead,), lead=lead, vector=(1.0,)), rank=rank, status=status,  # type: ignore[arg-type]
                       score=1.0 / rank, novelty=0.5, reasons=("2 publishers: Wire, Post",),
                       summary=summary or f"Summary of {title}.", matched_title=matched)


def day_briefing(day: date, *stories: RankedStory) -> Briefing:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return Briefing(date=day, generated_at=start + timedelta(hours=30), window_start=start,
                    window_end=start + timedelta(days=1), backend="lead", model="none", stories=stories,
                    stats={"feeds": 2, "articles": len(stories)})


@pytest.fixture
def outputs(tmp_path: Path) -> Path:
    out = tmp_path / "outputs"
    write_briefing(day_briefing(date(2026, 11, 24), story(1, "Dockers strike called at ports", summary=(
        "Dockers at the northern ports will strike from Monday over pay.")),
        story(2, "North Korea sends troops", outlet="Herald")), out)
    write_briefing(day_briefing(date(2026, 11, 25), story(
        1, "Strike talks resume after pay offer", status="update", matched="Dockers strike called at ports",
        summary="Unions and port operators met again as the strike entered its second day.")), out)
    write_briefing(day_briefing(date(2026, 11, 26), story(1, HOSTILE, summary="Evacuations <script>x</script> began."),
                                story(2, "Port strike ends with a deal", status="update",
                                      matched="Strike talks resume after pay offer")), out)
    write_archive(out)  # syncs the search index, as every run does
    return out


def test_fts_query_never_passes_syntax_through() -> None:
    assert fts_query('north "korea" AND (troops* OR') == '"north" "korea" "AND" "troops" "OR"*'
    assert fts_query("  ..  ") is None


def test_search_finds_stories_and_summaries_best_first(outputs: Path) -> None:
    with SearchIndex(outputs) as index:
        hits = index.search("strike")
        assert [h.day.isoformat() for h in hits][:1] and {h.title for h in hits} == {
            "Dockers strike called at ports", "Strike talks resume after pay offer", "Port strike ends with a deal"}
        assert [h.title for h in index.search("north korea troops")] == ["North Korea sends troops"]
        assert [h.title for h in index.search("unions operators")] == ["Strike talks resume after pay offer"]
        assert [h.day for h in index.search("strike", since=date(2026, 11, 26))] == [date(2026, 11, 26)]
        assert index.search('") OR *') == []  # hostile query: no error
        assert index.search("herald")[0].sources == "Herald"
        assert index.search("dock")[0].title == "Dockers strike called at ports"  # the last word is a prefix


def test_index_follows_the_files(outputs: Path) -> None:
    (outputs / "2026-11-24.json").unlink()
    write_briefing(day_briefing(date(2026, 11, 27), story(1, "Ferry timetable changes")), outputs)
    with SearchIndex(outputs) as index:
        assert index.sync() == 1
        assert index.search("dockers") == []
        assert [h.title for h in index.search("ferry")] == ["Ferry timetable changes"]
        assert index.sync() == 0


def test_cli_search_prints_matches_and_since(outputs: Path, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[output]\ndir = "{outputs}"\n')
    result = runner.invoke(app, ["search", "north korea troops", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2026-11-24  North Korea sends troops\n            Herald")
    none = runner.invoke(app, ["search", "troops", "--since", "2026-11-25", "--config", str(config)])
    assert none.exit_code == 1 and "no matches for 'troops' since 2026-11-25" in none.output


def test_cli_show_and_open(outputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[output]\ndir = "{outputs}"\n')
    shown = runner.invoke(app, ["show", "--config", str(config), "--date", "2026-11-24"])
    assert shown.exit_code == 0, shown.output
    assert "North Korea sends troops" in shown.output and "](" not in shown.output
    newest = runner.invoke(app, ["show", "--config", str(config)])
    assert "Port strike ends with a deal" in newest.output
    missing = runner.invoke(app, ["show", "--config", str(config), "--date", "2020-1-1"])
    assert missing.exit_code == 1 and "briefing run --date 2020-01-01" in missing.output
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    assert runner.invoke(app, ["open", "--config", str(config)]).exit_code == 0
    assert opened == [(outputs / "2026-11-26.html").resolve().as_uri()]


def test_story_history_follows_updates_both_ways(outputs: Path) -> None:
    _, chain = story_history(outputs, date(2026, 11, 25), 1)
    assert [(d.isoformat(), s["title"]) for d, s in chain] == [
        ("2026-11-24", "Dockers strike called at ports"),
        ("2026-11-25", "Strike talks resume after pay offer"),
        ("2026-11-26", "Port strike ends with a deal"),
    ]


@pytest.fixture
def server(outputs: Path) -> Iterator[str]:
    httpd = make_server(outputs, 0, title="My <b>brief</b>")
    thread = Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode("utf-8")


def test_server_routes_escape_every_feed_value(server: str) -> None:
    pages = {path: get(server + path) for path in (
        "/", "/2026-11-26.html", "/story/2026-11-26/1", "/story/2026-11-25/1", "/search?q=storm+coast",
        "/search?q=%3Cscript%3E&since=2026-11-26", "/search", "/index.html", "/briefings.atom", "/2026-11-26.json")}
    for path, (status, kind, body) in pages.items():
        assert status == 200, path
        assert "<script" not in body.lower() or kind.startswith("application/"), path
    home = pages["/"][2]
    assert "North Korea sends troops" in home and 'href="/story/2026-11-24/2"' in home
    assert "My &lt;b&gt;brief&lt;/b&gt; — archive" in home
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Storm &quot;nears&quot; coast &amp;" in home
    story = pages["/story/2026-11-25/1"][2]
    assert story.index("2026-11-24") < story.index("(this page)") < story.index("Port strike ends with a deal")
    assert "first seen" in story and "update" in story
    found = pages["/search?q=storm+coast"][2]
    assert "1 match" in found and "<mark>" in found and 'href="/story/2026-11-26/1"' in found
    assert pages["/2026-11-26.html"][1].startswith("text/html")


@pytest.mark.parametrize("path", ["/.search.sqlite", "/../c.toml", "/%2e%2e/c.toml", "/story/2026-11-26/9",
                                  "/story/2026-13-01/1", "/nothing", "/2026-11-26.exe"])
def test_server_refuses_anything_else(server: str, path: str) -> None:
    status, _, body = get(server + path)
    assert status == 404
    assert "<script" not in body


def test_page_for_is_the_same_without_a_socket(outputs: Path) -> None:
    status, kind, body = page_for(outputs, "/search?q=north%20korea", "T")
    assert status == 200 and kind.startswith("text/html") and b"North Korea sends troops" in body
    assert Source  # the record type hostile titles travel in
