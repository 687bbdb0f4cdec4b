"""The archive of an output folder: ``index.md``, ``index.html`` and ``briefings.atom``.

Built from the ``YYYY-MM-DD.json`` briefings found in the folder, not from the store, so
it covers old, regenerated and hand-copied days alike. Pure in its inputs: the same
files give the same bytes (no clock reads), and every file is written atomically.
Variant outputs such as ``D.lead.json`` (``briefing regenerate --backend``) are not listed.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from .deliver import write_files
from .errors import RenderError
from .models import SECTION_LABEL
from .render import DEFAULT_TITLE, _clean, _md_escape, safe_url

__all__ = [
    "ATOM_NAME",
    "INDEX_NAMES",
    "ArchiveEntry",
    "archive_entries",
    "entry_id",
    "render_atom",
    "render_index_html",
    "render_index_markdown",
    "write_archive",
]

ATOM_NAME = "briefings.atom"
INDEX_NAMES = ("index.md", "index.html")
ATOM_NS = "http://www.w3.org/2005/Atom"
# Entry ids hang off this namespace: the same date always gets the same id.
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://briefing.invalid/archive")
_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LABELS = {"html": "HTML", "md": "Markdown", "json": "JSON"}
# Characters XML 1.0 does not allow at all (controls are already gone after render._clean).
_NOT_XML = re.compile("[\ufffe\uffff]")


@dataclass(frozen=True)
class ArchiveEntry:
    """One dated briefing as the archive lists it."""

    date: date
    generated_at: datetime
    stories: int
    top_title: str | None
    files: dict[str, str]  # format → file name beside the index, "html" first when present
    top: tuple[dict[str, Any], ...] = ()  # the leading stories (title, summary, url, status)

    @property
    def link(self) -> str:
        return next(iter(self.files.values()))


def archive_entries(out_dir: Path) -> list[ArchiveEntry]:
    """Every readable dated briefing in ``out_dir``, newest first; unreadable JSON files are skipped."""
    entries = []
    for path in Path(out_dir).glob("*.json"):
        if not _DATED.match(path.stem):
            continue
        entry = _entry(path)
        if entry is not None:
            entries.append(entry)
    return sorted(entries, key=lambda e: e.date, reverse=True)


def _entry(path: Path) -> ArchiveEntry | None:
    try:
        day = date.fromisoformat(path.stem)
        data = json.loads(path.read_text(encoding="utf-8"))
        generated = datetime.fromisoformat(data["generated_at"])
        stories = data["stories"]
        if not isinstance(stories, list):
            return None
    except (OSError, UnicodeError, ValueError, KeyError, TypeError):
        return None
    if generated.tzinfo is None:
        generated = generated.replace(tzinfo=UTC)
    leading = [s for s in stories if isinstance(s, dict) and s.get("status") != "repeat"] or \
        [s for s in stories if isinstance(s, dict)]
    top = tuple(_story(s) for s in leading)
    files = {fmt: f"{path.stem}.{fmt}" for fmt in ("html", "md", "json") if path.with_suffix(f".{fmt}").is_file()}
    return ArchiveEntry(date=day, generated_at=generated.astimezone(UTC), stories=len(stories),
                        top_title=top[0]["title"] if top else None, files=files, top=top)


def _story(story: dict[str, Any]) -> dict[str, Any]:
    sources = story.get("sources") or []
    url = next((safe_url(s.get("url")) for s in sources if isinstance(s, dict) and safe_url(s.get("url"))), None)
    title = _clean(str(story.get("title") or ""))
    return {"title": SECTION_LABEL.sub("", title) or title, "summary": _clean(str(story.get("summary") or "")),
            "status": str(story.get("status") or ""), "url": url}


def _stories_label(count: int) -> str:
    return f"{count} {'story' if count == 1 else 'stories'}"


def _split_empty(entries: list[ArchiveEntry]) -> tuple[list[ArchiveEntry], list[ArchiveEntry]]:
    """Briefings with stories, and empty days: these are listed after, never at the top, and not in the feed."""
    return [e for e in entries if e.stories], [e for e in entries if not e.stories]


def render_index_markdown(entries: list[ArchiveEntry], *, title: str | None = None) -> str:
    """The archive as Markdown: one line per briefing, newest first; days without stories on one line after."""
    heading = _clean(title if title is not None else DEFAULT_TITLE)
    lines = [f"# {_md_escape(heading)} — archive", "", f"[Atom feed]({ATOM_NAME})", ""]
    full, empty = _split_empty(entries)
    if not full:
        lines.append("No briefings with stories yet." if empty else "No briefings yet.")
    for e in full:
        links = " · ".join(f"[{_LABELS[fmt]}]({name})" for fmt, name in e.files.items())
        top = f" · {_md_escape(e.top_title)}" if e.top_title else ""
        lines.append(f"- **{e.date.isoformat()}** · {_stories_label(e.stories)}{top} — {links}")
    if empty:
        days = ", ".join(f"[{e.date.isoformat()}]({e.link})" for e in empty)
        lines += ["", f"Days without stories: {days}"]
    return "\n".join(lines) + "\n"


_STYLE = (
    "body { margin: 0 auto; max-width: 42em; padding: 1em; font: 17px/1.5 -apple-system, \"Segoe UI\", Roboto, "
    "Helvetica, Arial, sans-serif; color: #1f2328; background: #ffffff; }\n"
    "li { margin: 0.5em 0; }\na { color: #0969da; }\n.meta { color: #59636e; font-size: 0.9em; }\n"
    "@media (prefers-color-scheme: dark) { body { color: #e6edf3; background: #0d1117; } a { color: #4493f8; } "
    ".meta { color: #9198a1; } }\n"
)


def render_index_html(entries: list[ArchiveEntry], *, title: str | None = None) -> str:
    """The archive as a standalone HTML page, newest first; everything from feeds escaped."""
    heading = escape(_clean(title if title is not None else DEFAULT_TITLE))
    items = []
    full, empty = _split_empty(entries)
    for e in full:
        day = e.date.isoformat()
        links = " · ".join(f'<a href="{escape(name)}">{_LABELS[fmt]}</a>' for fmt, name in e.files.items())
        top = f"<br>{escape(e.top_title)}" if e.top_title else ""
        items.append(f'<li><time datetime="{day}"><strong>{day}</strong></time> '
                     f'<span class="meta">· {_stories_label(e.stories)} · {links}</span>{top}</li>')
    body = "<ul>\n" + "\n".join(items) + "\n</ul>" if items else \
        f"<p>No briefings{' with stories' if empty else ''} yet.</p>"
    if empty:
        days = ", ".join(f'<a href="{escape(e.link)}">{e.date.isoformat()}</a>' for e in empty)
        body += f'\n<p class="meta">Days without stories: {days}</p>'

    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"color-scheme\" content=\"light dark\">\n"
        f"<title>{heading} — archive</title>\n"
        f"<link rel=\"alternate\" type=\"application/atom+xml\" title=\"{heading}\" href=\"{ATOM_NAME}\">\n"
        f"<style>\n{_STYLE}</style>\n</head>\n<body>\n<h1>{heading} — archive</h1>\n"
        f"<p class=\"meta\"><a href=\"{ATOM_NAME}\">Atom feed</a></p>\n{body}\n</body>\n</html>\n"
    )


def _atom_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_id(day: date) -> str:
    """The Atom id of the briefing dated ``day``: the same on every rebuild."""
    return f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, day.isoformat())}"


def _content_html(e: ArchiveEntry, base: str = "") -> str:
    parts = [f"<p>{_stories_label(e.stories)}.</p>"]
    if e.top:
        parts.append("<ol>")
        for story in e.top:
            title = escape(story["title"])
            if story["url"]:
                title = f'<a href="{escape(story["url"])}">{title}</a>'
            summary = f"<br>{escape(story['summary'])}" if story["summary"] else ""
            parts.append(f"<li>{title}{summary}</li>")
        parts.append("</ol>")
    if "html" in e.files:
        parts.append(f'<p><a href="{escape(base + e.files["html"])}">The full briefing</a></p>')
    return "\n".join(parts)


def render_atom(entries: list[ArchiveEntry], *, title: str | None = None, base_url: str | None = None) -> str:
    """The briefings as an Atom 1.0 feed, one entry per date with stories, newest first.

    Links are relative to the feed's own location (the output folder), or absolute against ``base_url``
    (where the folder is published: feed readers resolve relative links unreliably).
    """
    base = base_url.rstrip("/") + "/" if base_url else ""
    heading = _clean(title if title is not None else DEFAULT_TITLE)
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        element.text = None if text is None else _NOT_XML.sub("\ufffd", text)
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", f"urn:uuid:{_ID_NAMESPACE}")
    sub(feed, "title", heading)
    updated = max((e.generated_at for e in entries), default=datetime(1970, 1, 1, tzinfo=UTC))
    sub(feed, "updated", _atom_time(updated))
    author = sub(feed, "author")
    sub(author, "name", "briefing")
    sub(feed, "generator", "briefing")
    sub(feed, "link", rel="self", type="application/atom+xml", href=base + ATOM_NAME)
    sub(feed, "link", rel="alternate", type="text/html", href=base + "index.html")
    for e in entries:
        if not e.stories:  # an empty day is nothing to read
            continue
        entry = sub(feed, "entry")
        sub(entry, "id", entry_id(e.date))
        headline = f" — {e.top_title}" if e.top_title else ""
        sub(entry, "title", f"{e.date.isoformat()}: {_stories_label(e.stories)}{headline}")
        sub(entry, "updated", _atom_time(e.generated_at))
        link_type = {"html": "text/html", "md": "text/markdown", "json": "application/json"}
        fmt, name = next(iter(e.files.items()))
        sub(entry, "link", rel="alternate", type=link_type[fmt], href=base + name)
        sub(entry, "content", _content_html(e, base), type="html")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def write_archive(out_dir: Path, *, title: str | None = None, base_url: str | None = None) -> list[Path]:
    """Rebuild ``index.md``, ``index.html`` and ``briefings.atom`` in ``out_dir``, and sync its search index.

    Args:
        out_dir: the output folder holding the dated briefings.
        title: the briefing's title (``render.DEFAULT_TITLE`` when None).
        base_url: where the folder is published (``output.base_url``): the Atom feed's links are made
            absolute against it; relative when None.

    Returns:
        The paths written.

    Raises:
        RenderError: a file could not be written (the message names it).
    """
    out_dir = Path(out_dir)
    entries = archive_entries(out_dir)
    written = write_files({
        out_dir / "index.md": render_index_markdown(entries, title=title),
        out_dir / "index.html": render_index_html(entries, title=title),
        out_dir / ATOM_NAME: render_atom(entries, title=title, base_url=base_url),
    })
    from .errors import StoreError
    from .search import SearchIndex

    try:
        with SearchIndex(out_dir) as index:  # full-text search kept current with the archive
            index.sync()
    except StoreError as exc:
        raise RenderError(f"search index not updated: {exc}") from None
    return written
