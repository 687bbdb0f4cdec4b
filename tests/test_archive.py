"""The archive: index.md, index.html and briefings.atom built from the dated JSON briefings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from briefing.archive import ATOM_NAME, archive_entries, entry_id, write_archive
from briefing.deliver import write_briefing
from briefing.errors import RenderError
from briefing.models import Briefing, RankedStory, Story

from .helpers import article

DAYS = [date(2026, 11, 24), date(2026, 11, 26), date(2026, 11, 25)]  # written out of order on purpose


def ranked(rank: int, title: str, *, status: str = "new", url: str | None = None) -> RankedStory:
    lead = article(rank, title, f"{title}. More words about it.", url=url)
    return RankedStory(story=Story(articles=(lead,), lead=lead, vector=(1.0,)), rank=rank,
                       status=status, score=1.0 / rank, novelty=0.5, reasons=("new: no similar story in 14 days",),
                       summary=f"Summary of {title}.")  # type: ignore[arg-type]


def briefing_for(day: date, *stories: RankedStory) -> Briefing:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return Briefing(date=day, generated_at=start + timedelta(days=1, hours=6, minutes=30), window_start=start,
                    window_end=start + timedelta(days=1), backend="lead", model="none", stories=stories,
                    stats={"feeds": 3, "articles": len(stories)})


def headline(day: date) -> str:
    return f"Top story of {day:%d %B}"


@pytest.fixture
def outputs(tmp_path: Path) -> Path:
    out = tmp_path / "outputs"
    for day in DAYS:
        stories = [ranked(1, headline(day)), ranked(2, "Second story"), ranked(3, "Old news", status="repeat")]
        write_briefing(briefing_for(day, *stories), out, title="Morning brief")
    return out


def test_atom_feed_parses_cleanly_newest_first(outputs: Path) -> None:
    write_archive(outputs, title="Morning brief")
    feed = feedparser.parse((outputs / ATOM_NAME).read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Morning brief"
    newest_first = sorted(DAYS, reverse=True)
    assert [e.id for e in feed.entries] == [entry_id(day) for day in newest_first]
    for entry, day in zip(feed.entries, newest_first, strict=True):
        assert entry.link == f"{day}.html"
        assert entry.title == f"{day}: 3 stories — {headline(day)}"
        assert entry.updated_parsed[:5] == (*(day + timedelta(days=1)).timetuple()[:3], 6, 30)
        assert headline(day) in entry.content[0].value
        assert f'href="{day}.html"' in entry.content[0].value
    assert feed.feed.updated_parsed[:3] == (2026, 11, 27)


def test_entry_ids_are_stable_and_distinct() -> None:
    assert entry_id(DAYS[0]) == entry_id(date(2026, 11, 24))
    assert entry_id(DAYS[0]) != entry_id(DAYS[1])
    assert entry_id(DAYS[0]).startswith("urn:uuid:")


def test_index_lists_every_date_newest_first_with_links(outputs: Path) -> None:
    write_archive(outputs, title="Morning brief")
    markdown = (outputs / "index.md").read_text(encoding="utf-8")
    lines = [line for line in markdown.splitlines() if line.startswith("- ")]
    assert len(lines) == 3
    for line, day in zip(lines, sorted(DAYS, reverse=True), strict=True):
        assert line.startswith(f"- **{day}** · 3 stories · {headline(day)} — ")
        for fmt in ("html", "md", "json"):
            assert f"({day}.{fmt})" in line

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.hrefs: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a":
                self.hrefs.append(dict(attrs)["href"] or "")

    parser = Links()
    parser.feed((outputs / "index.html").read_text(encoding="utf-8"))
    dated = [h for h in parser.hrefs if h.endswith(".html") and h[0].isdigit()]
    assert dated == [f"{day}.html" for day in sorted(DAYS, reverse=True)]
    assert ATOM_NAME in parser.hrefs


def test_archive_ignores_variants_junk_and_broken_files(outputs: Path) -> None:
    write_briefing(briefing_for(DAYS[0], ranked(1, "Lead version")), outputs, stem=f"{DAYS[0]}.lead")
    (outputs / "notes.json").write_text("{}", encoding="utf-8")
    (outputs / "2026-11-20.json").write_text("{not json", encoding="utf-8")
    (outputs / "2026-11-21.json").write_text(json.dumps({"date": "2026-11-21"}), encoding="utf-8")
    assert [e.date for e in archive_entries(outputs)] == sorted(DAYS, reverse=True)


def test_links_follow_the_formats_that_exist(tmp_path: Path) -> None:
    write_briefing(briefing_for(DAYS[0], ranked(1, "Only text")), tmp_path, formats=("md", "json"))
    write_archive(tmp_path)
    feed = feedparser.parse((tmp_path / ATOM_NAME).read_bytes())
    assert feed.bozo == 0
    assert [(link.rel, link.type, link.href) for link in feed.entries[0].links] == [
        ("alternate", "text/markdown", f"{DAYS[0]}.md")]
    assert "[HTML]" not in (tmp_path / "index.md").read_text(encoding="utf-8")


def test_feed_text_is_escaped_and_unsafe_links_dropped(tmp_path: Path) -> None:
    nasty = ranked(1, "<script>alert(1)</script> & *bold* [x](y)", url="javascript:alert(1)")
    write_briefing(briefing_for(DAYS[0], nasty), tmp_path)
    write_archive(tmp_path)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "\\*bold\\*" in (tmp_path / "index.md").read_text(encoding="utf-8")
    feed = feedparser.parse((tmp_path / ATOM_NAME).read_bytes())
    assert feed.bozo == 0
    assert "javascript:" not in feed.entries[0].content[0].value
    # Titles are Atom text constructs: the feed carries the characters escaped, a reader shows them as text.
    assert feed.entries[0].title_detail.type == "text/plain"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in (tmp_path / ATOM_NAME).read_text(encoding="utf-8")


def test_same_files_give_the_same_bytes(outputs: Path) -> None:
    first = {p.name: p.read_bytes() for p in write_archive(outputs)}
    second = {p.name: p.read_bytes() for p in write_archive(outputs)}
    assert first == second
    assert set(first) == {"index.md", "index.html", ATOM_NAME}


def test_empty_folder_still_gives_a_valid_feed(tmp_path: Path) -> None:
    write_archive(tmp_path)
    feed = feedparser.parse((tmp_path / ATOM_NAME).read_bytes())
    assert feed.bozo == 0 and feed.entries == []
    assert "No briefings yet." in (tmp_path / "index.md").read_text(encoding="utf-8")


def test_unwritable_folder_is_a_render_error(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="could not write"):
        write_archive(tmp_path / "missing")


def test_empty_days_stay_off_the_top_and_out_of_the_feed(outputs: Path) -> None:
    write_briefing(briefing_for(date(2026, 11, 27)), outputs)
    write_archive(outputs)
    index = (outputs / "index.md").read_text(encoding="utf-8")
    lines = [line for line in index.splitlines() if line.startswith("- ")]
    assert lines[0].startswith("- **2026-11-26**")
    assert "2026-11-27" not in "\n".join(lines)
    assert index.rstrip().endswith("Days without stories: [2026-11-27](2026-11-27.html)")
    html = (outputs / "index.html").read_text(encoding="utf-8")
    assert html.index("2026-11-26") < html.index("2026-11-27")
    assert 'Days without stories: <a href="2026-11-27.html">2026-11-27</a>' in html
    feed = feedparser.parse((outputs / ATOM_NAME).read_bytes())
    assert [e.title[:10] for e in feed.entries] == ["2026-11-26", "2026-11-25", "2026-11-24"]


def test_a_rebuild_with_fewer_articles_is_written_beside(outputs: Path) -> None:
    from briefing.deliver import guard_rebuild

    day = DAYS[0]
    before = (outputs / f"{day}.md").read_bytes()
    stem, warning = guard_rebuild(briefing_for(day), outputs)
    assert stem == f"{day}.rebuilt"
    assert warning is not None and "it has 3 stories from 3 articles, this rebuild found 0" in warning
    assert "--force" in warning
    assert guard_rebuild(briefing_for(day, ranked(1, "A"), ranked(2, "B"), ranked(3, "C")), outputs) == (
        day.isoformat(), None)
    assert guard_rebuild(briefing_for(date(2020, 1, 1)), outputs) == ("2020-01-01", None)  # nothing there yet
    assert (outputs / f"{day}.md").read_bytes() == before


def test_atom_links_are_absolute_with_a_base_url(outputs: Path) -> None:
    write_archive(outputs, base_url="https://me.example/briefings")
    feed = feedparser.parse((outputs / ATOM_NAME).read_bytes())
    assert feed.entries[0].link == "https://me.example/briefings/2026-11-26.html"
    assert 'href="https://me.example/briefings/briefings.atom"' in (outputs / ATOM_NAME).read_text(encoding="utf-8")
    assert "https://me.example/briefings/2026-11-26.html" in feed.entries[0].content[0].value


def test_base_url_must_be_absolute() -> None:
    from briefing.config import parse_config
    from briefing.errors import ConfigError

    with pytest.raises(ConfigError, match=r"output\.base_url: expected an absolute http"):
        parse_config({"output": {"base_url": "briefings/"}})


def test_section_labels_are_not_part_of_archive_headlines(tmp_path: Path) -> None:
    write_briefing(briefing_for(date(2026, 11, 26), ranked(1, "Opinion | Why the border matters")), tmp_path)
    write_archive(tmp_path)
    assert "Why the border matters" in (tmp_path / "index.md").read_text(encoding="utf-8")
    assert "Opinion |" not in (tmp_path / "index.html").read_text(encoding="utf-8")
