"""Turn a Briefing into Markdown, HTML and JSON text.

Pure: records in, strings out. No I/O beyond loading the bundled templates, no clock
reads, so the same Briefing always renders to the same bytes (``briefing regenerate``
relies on this).

Everything that came from a feed (titles, outlets, summaries, URLs, failure reasons) is
untrusted: HTML autoescapes it, Markdown backslash-escapes the characters that would
change the document's structure, and only ``http://``/``https://`` URLs become links.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from briefing.errors import RenderError
from briefing.models import SECTION_LABEL, Briefing, RankedStory, Source

__all__ = [
    "DEFAULT_TITLE",
    "FORMATS",
    "SCHEMA_VERSION",
    "briefing_to_dict",
    "empty_explanation",
    "lead_headline",
    "render",
    "render_html",
    "render_json",
    "render_markdown",
    "safe_url",
]

SCHEMA_VERSION = 1
DEFAULT_TITLE = "Daily briefing"

# English names on purpose: strftime("%A") follows the process locale, which would make
# the same Briefing render differently on two machines.
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


# --- JSON ------------------------------------------------------------------------------


def briefing_to_dict(b: Briefing) -> dict[str, Any]:
    """The briefing as plain data, in the shape documented in ``docs/output-schema.md``.

    Stories are ordered by rank. Strings are passed through exactly as stored (URLs
    included, unvalidated); datetimes become ISO 8601 with an offset (naive ones are
    taken as UTC); non-finite stats become ``null``.
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "date": b.date.isoformat(),
        "generated_at": _iso(b.generated_at),
        "window": {"start": _iso(b.window_start), "end": _iso(b.window_end)},
        "config": {"backend": b.backend, "model": b.model, "notes": list(b.notes)},
        "stats": {key: _finite_or_none(b.stats[key]) for key in sorted(b.stats)},
        "stories": [_story_to_dict(ranked, b.backend) for ranked in _by_rank(b.stories)],
        "failed_feeds": [{"feed": f.feed, "reason": f.reason} for f in b.failed_feeds],
    }


def render_json(b: Briefing, *, title: str | None = None) -> str:
    """The briefing as a JSON document (``briefing_to_dict``), UTF-8 text, 2-space indent.

    Args:
        b: the briefing.
        title: accepted for symmetry with the other renderers; not part of the schema.

    Raises:
        RenderError: a story's score or novelty is not a finite number.
    """
    del title
    try:
        text = json.dumps(briefing_to_dict(b), ensure_ascii=False, indent=2, allow_nan=False)
    except ValueError as exc:
        raise RenderError(f"briefing {b.date.isoformat()} has a non-finite score: {exc}") from exc
    # A lone surrogate (possible from a badly decoded feed) cannot be written as UTF-8;
    # as a \\u escape it is still valid JSON and loads back to the same string.
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def _story_to_dict(ranked: RankedStory, b_backend: str = "") -> dict[str, Any]:
    return {
        "rank": ranked.rank,
        "title": ranked.story.lead.title,
        "status": ranked.status,
        "kind": ranked.story.kind,
        "score": round(ranked.score, 4),
        "novelty": round(ranked.novelty, 4),
        "reasons": list(ranked.reasons),
        "summary": ranked.summary,
        "matched_title": ranked.matched_title,
        "topics": list(ranked.topics),
        "backend": ranked.summary_backend or b_backend,
        "guard": ranked.guard,
        "sources": [
            {
                "outlet": source.outlet,
                "publisher": source.publisher,
                "title": source.title,
                "url": source.url,
                "published": _iso(source.published) if source.published is not None else None,
            }
            for source in ranked.story.sources
        ],
    }


# --- Markdown and HTML -----------------------------------------------------------------


def render_markdown(b: Briefing, *, title: str | None = None, page: bool = False) -> str:
    """The briefing as a Markdown document that also reads as plain text (the email's text part): no
    ``[..](..)`` links (URLs stand on their own lines), paragraphs wrapped at 78 columns.

    Args:
        b: the briefing.
        title: the heading's title; ``DEFAULT_TITLE`` when None.
        page: accepted for symmetry with ``render_html``.
    """
    del page
    return _environment(html=False).get_template("briefing.md.j2").render(_context(b, title))


def render_html(b: Briefing, *, title: str | None = None, page: bool = False) -> str:
    """The briefing as a standalone HTML document (inline CSS, no scripts, no external resources).

    Args:
        b: the briefing.
        title: the heading's title; ``DEFAULT_TITLE`` when None.
        page: the file in the output folder: with links to the previous and next day and the archive
            (relative, so left out of the email).
    """
    context = _context(b, title)
    if page:
        context["nav"] = {"previous": f"{(b.date - timedelta(days=1)).isoformat()}.html",
                          "next": f"{(b.date + timedelta(days=1)).isoformat()}.html", "archive": "index.html"}
    return _environment(html=True).get_template("briefing.html.j2").render(context)


FORMATS: dict[str, Callable[..., str]] = {
    "md": render_markdown,
    "html": render_html,
    "json": render_json,
}


def render(b: Briefing, fmt: str, *, title: str | None = None, page: bool = False) -> str:
    """Render ``b`` in one of ``FORMATS`` ("md", "html", "json"); ``page``: as the file in the output folder.

    Raises:
        RenderError: ``fmt`` is not a known format.
    """
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        known = ", ".join(FORMATS)
        raise RenderError(f"unknown briefing format {fmt!r} (expected one of: {known})") from None
    return renderer(b, title=title, page=page) if fmt != "json" else renderer(b, title=title)


def safe_url(url: str | None) -> str | None:
    """``url`` ready to use as a link target, or None when it must not become a link.

    Only absolute http(s) URLs with a host pass; the scheme is lower-cased and characters
    that are not legal in a URL (spaces, quotes, angle brackets, non-ASCII, controls) are
    percent-encoded. ``javascript:``, ``data:``, ``file:``, relative and malformed URLs
    give None.
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    # urlsplit quietly drops tabs and newlines, so also check the raw text starts with the
    # scheme: "jav\tascript:" must not sneak through, nor "ht\ttp://" turn into a link.
    if scheme not in ("http", "https") or not parts.netloc or not url.lower().startswith(scheme + "://"):
        return None
    return quote(scheme + url[len(scheme) :], safe=_URL_SAFE)


# RFC 3986 reserved + unreserved characters, and "%" so existing escapes are kept.
_URL_SAFE = ":/?#[]@!$&'()*+,;=-._~%"


@lru_cache(maxsize=2)
def _environment(*, html: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("briefing", "templates"),
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    env.filters["md"] = _md_escape
    env.filters["mdurl"] = _md_url
    env.filters["mdwrap"] = _md_wrap
    return env


def _context(b: Briefing, title: str | None) -> dict[str, Any]:
    zone = _zone(b)
    stories = _by_rank(b.stories)
    fresh = [ranked for ranked in stories if ranked.status != "repeat"]
    top = [ranked for ranked in fresh if ranked.story.kind not in b.separate_kinds]
    views = [ranked for ranked in fresh if ranked.story.kind in b.separate_kinds]
    developing = [ranked for ranked in stories if ranked.status == "repeat"]
    publishers = {source.publisher for ranked in stories for source in ranked.story.sources}
    feeds = _count_stat(b.stats.get("feeds"))
    cut = _count_stat(b.stats.get("cut"))
    # A first-time development inside an ongoing story counts with the new stories.
    counts = [
        _plural(sum(r.status in ("new", "development") for r in top), "new", "new"),
        _plural(sum(r.status == "update" for r in top), "update", "updates"),
        _plural(len(developing), "still developing", "still developing"),
    ]
    if views:
        counts.insert(2, _plural(len(views), "opinion or analysis piece", "opinion and analysis pieces"))
    return {
        "title": _clean(title if title is not None else DEFAULT_TITLE),
        "date_label": _date_label(b.date),
        "date_iso": b.date.isoformat(),
        "summary_line": (
            f"{_plural(len(stories), 'story', 'stories')} from {_plural(len(publishers), 'source', 'sources')}: "
            + ", ".join(counts)
            + "."
            + (f" {_plural(cut, 'more story', 'more stories')} cut for space." if cut else "")
        ),
        "empty_line": _clean(empty_explanation(b) or ""),
        "top": [_story_view(ranked, number, zone) for number, ranked in enumerate(top, start=1)],
        "sections": _sections(b, top, zone),
        "views": [_story_view(ranked, number, zone) for number, ranked in enumerate(views, start=1)],
        "developing": [_story_view(ranked, None, zone) for ranked in developing],
        "failed_feeds": [{"feed": _clean(f.feed), "reason": _clean(f.reason)} for f in b.failed_feeds],
        "failed_line": _failed_line(len(b.failed_feeds), feeds),
        "all_fetched": _all_fetched_line(feeds),
        "backend": _clean(b.backend),
        "model": _clean(b.model),
        "notes": [_clean(note) for note in b.notes],
        "window_start": _display_time(b.window_start, zone),
        "window_end": _display_time(b.window_end, zone),
        "window_zone": _zone_name(b.window_end, zone),
        "generated_at": _display_time(b.generated_at, zone),
        "generated_zone": _zone_name(b.generated_at, zone),
        "generated_at_iso": _iso(b.generated_at),
        "nav": None,
    }


def _sections(b: Briefing, top: list[RankedStory], zone: tzinfo) -> list[dict[str, Any]]:
    """The news in sections: "Top stories", then one per topic (and "Other news"), numbered on from one to
    the next; a single "Top stories" when the feeds have no topics."""
    views = [_story_view(ranked, number, zone) for number, ranked in enumerate(top, start=1)]
    if not b.topics or not top:
        return [{"name": "Top stories", "stories": views}]
    sections = [{"name": "Top stories", "stories": views[: b.top_stories]}] if b.top_stories else []
    by_topic: dict[str, list[dict[str, Any]]] = {topic: [] for topic in b.topics}
    other: list[dict[str, Any]] = []
    for ranked, view in zip(top[b.top_stories :], views[b.top_stories :], strict=True):
        first = next((topic for topic in ranked.topics if topic in by_topic), None)
        (by_topic[first] if first is not None else other).append(view)
    sections += [{"name": _clean(topic)[:1].upper() + _clean(topic)[1:], "stories": stories}
                 for topic, stories in by_topic.items() if stories]
    if other:
        sections.append({"name": "Other news", "stories": other})
    number = 0
    for section in sections:  # numbered in reading order, across the sections
        for view in section["stories"]:
            number += 1
            view["number"] = number
    return sections


def _story_view(ranked: RankedStory, number: int | None, zone: tzinfo = UTC) -> dict[str, Any]:
    sources = ranked.story.sources
    reasons = [_clean(reason) for reason in ranked.reasons if reason.strip()]
    title = _clean(ranked.story.lead.title) or "(untitled)"
    shown_title = SECTION_LABEL.sub("", title) or title
    kind = ranked.story.kind
    return {
        "number": number,
        "rank": ranked.rank,
        "status": ranked.status,
        "prefix": _PREFIXES.get(ranked.status, ""),
        "kind": kind,
        "kind_tag": _kind_tag(kind, shown_title),
        "title": shown_title,
        "href": _best_link(ranked),
        "summary": _clean(ranked.summary),
        "reasons": " · ".join(reason for reason in reasons if _says_something(reason)),
        "first_reason": reasons[0] if reasons else "",
        "source_count": _plural(len(ranked.story.outlets), "source", "sources"),
        "sources": _source_views(sources, shown_title, zone),
    }


_PREFIXES = {"update": "Update: ", "development": "New development: "}
_KIND_TAGS = {"opinion": "opinion", "analysis": "analysis", "live": "live", "newsletter": "newsletter",
              "media": "audio/video"}
# Reasons every ordinary story has: said by the story's place and its source lines already.
_DEFAULT_REASONS = re.compile(
    r"^(?:new: (?:nothing like it|no similar story) in the last \d+ days|new: no similar story in \d+ days"
    r"|only in .*|1 (?:source|publisher)|opinion|analysis|live|newsletter|media|news)$"
)


def _kind_tag(kind: str, title: str) -> str:
    """The quiet tag beside a headline: the kind of piece, unless it is news or the headline says it already."""
    tag = _KIND_TAGS.get(kind, kind) if kind != "news" else ""
    return "" if not tag or re.search(rf"\b{re.escape(tag)}\b", title, re.IGNORECASE) else tag


def _says_something(reason: str) -> bool:
    return not _DEFAULT_REASONS.match(reason)


def _best_link(ranked: RankedStory) -> str | None:
    """The headline's link: the lead article's own URL, else the first source's that is http(s)."""
    lead = safe_url(ranked.story.lead.url)
    return lead or next((url for url in (safe_url(s.url) for s in ranked.story.sources) if url), None)


def _source_views(sources: tuple[Source, ...], headline: str, zone: tzinfo) -> list[dict[str, Any]]:
    """One line per link: the outlet, its own headline only where it differs from the story's, the time."""
    views: list[dict[str, Any]] = []
    seen: set[str] = set()
    for source in sources:
        href = safe_url(source.url)
        key = href or f"\0{source.outlet}\0{source.title}"
        if key in seen:
            continue
        seen.add(key)
        outlet = _clean(source.outlet)
        own = SECTION_LABEL.sub("", _clean(source.title))
        other = own if own and own.casefold() != headline.casefold() else ""
        views.append({
            "outlet": outlet or other or "(untitled)",
            "headline": other if outlet else "",
            "label": f"{outlet}: {other}" if outlet and other else outlet or other or "(untitled)",
            "href": href,
            "published": _display_time(source.published, zone, named=True) if source.published is not None else "",
            "published_iso": _iso(source.published) if source.published is not None else "",
        })
    return views


def _failed_line(failed: int, feeds: int | None) -> str:
    if not failed:
        return ""
    if feeds is not None:
        return f"{failed} of {_plural(feeds, 'feed', 'feeds')} failed:"
    return f"{_plural(failed, 'feed', 'feeds')} failed:"


def _all_fetched_line(feeds: int | None) -> str:
    if feeds is None:
        return "All feeds fetched."
    return "The feed was fetched." if feeds == 1 else f"All {feeds} feeds fetched."


def _count_stat(value: object) -> int | None:
    """A count from ``stats`` (``feeds``, ``cut``), or None when missing or not a sensible number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return None
    return int(value)


def lead_headline(b: Briefing) -> str | None:
    """The headline a reader sees first (section label removed), for an email's subject; None when empty."""
    stories = [r for r in _by_rank(b.stories) if r.status != "repeat"] or _by_rank(b.stories)
    if not stories:
        return None
    title = _clean(stories[0].story.lead.title)
    return (SECTION_LABEL.sub("", title) or title) or None


def empty_explanation(b: Briefing) -> str | None:
    """Why a briefing has no stories, and what to do, as plain sentences; None when it has stories.

    Uses the run's ``stats``: ``fetched`` (items the feeds gave, when it fetched), ``stored`` (items in
    the store) and ``newest_published`` (Unix seconds of the newest stored item).
    """
    if b.stories:
        return None
    zone = _zone(b)
    window = f"{_display_time(b.window_start, zone)} – {_display_time(b.window_end, zone, named=True)}"
    fetched = _count_stat(b.stats.get("fetched"))
    stored = _count_stat(b.stats.get("stored"))
    newest = b.stats.get("newest_published")
    parts = [f"No stories: nothing new for this briefing's window ({window})."]
    if fetched == 0:
        failed = " (see the failed feeds below)" if b.failed_feeds else ""
        parts.append(f"The feeds gave no items{failed}; check them with: briefing feeds check")
    elif fetched is not None:
        parts.append(f"This run fetched {_plural(fetched, 'item', 'items')}.")
    else:
        parts.append("This run did not fetch.")
    if stored and isinstance(newest, int | float) and not isinstance(newest, bool) and math.isfinite(newest):
        moment = datetime.fromtimestamp(newest, UTC)
        parts.append(f"The store holds {_plural(stored, 'item', 'items')}, the newest published "
                     f"{_display_time(moment, zone, named=True)}.")
        if moment < _as_aware(b.window_start):
            parts.append(f"To brief that day: briefing run --date {moment.date().isoformat()}")
    elif fetched is None:
        parts.append("Fetch with: briefing run (or brief another day with --date YYYY-MM-DD)")
    return " ".join(parts)


# --- Formatting helpers ----------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0/C1 controls that str.isspace() does not count as whitespace: not allowed in HTML
# text, invisible in Markdown. The whitespace ones are folded into spaces instead.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_WHITESPACE = re.compile(r"\s+")
# Characters with inline meaning anywhere in a Markdown line.
# Not "|" (tables are not CommonMark, and a briefing never writes a delimiter row), not ">" (a quote only at a
# line's start, escaped there) and not "~": plain-text readers see no backslashes for them.
_MD_INLINE = re.compile(r"([\\`*_\[\]<])")
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# Block markers that only matter at the start of a line: heading, quote, list, rule, setext.
# "-", "+" and "=" only where they would start a list item, a rule or a setext underline ("--date" stays).
_MD_BLOCK_START = re.compile(r"^([#>|~]|[+\-=](?=\s|[+\-=\s]*$))")
_MD_ORDERED_START = re.compile(r"^(\d+)([.)])")
# A trailing run of "#" would be read as a heading's closing sequence.
_MD_TRAILING_HASH = re.compile(r"(\s)(#+)$")


def _clean(text: str) -> str:
    """Feed text as one display line: controls dropped, whitespace runs made one space."""
    text = _SURROGATE.sub("\ufffd", text)
    text = _CONTROL.sub("", text)
    return _WHITESPACE.sub(" ", text).strip()


def _md_escape(text: str) -> str:
    """Backslash-escape ``text`` so it reads as literal text in any inline Markdown position."""
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_ENTITY.sub(r"\\&", text)
    text = _MD_BLOCK_START.sub(r"\\\1", text)
    text = _MD_TRAILING_HASH.sub(r"\1\\\2", text)
    return _MD_ORDERED_START.sub(r"\1\\\2", text)


def _md_wrap(text: str, width: int = 78) -> str:
    """A paragraph of feed text wrapped at ``width`` columns, each line escaped as ``_md_escape`` does at a
    line's start (a wrapped line beginning "- 10 %" must not become a list item)."""
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]
    return "\n".join(_md_escape(line) for line in lines)


def _md_url(url: str) -> str:
    # Parentheses would end a Markdown link destination early.
    return url.replace("(", "%28").replace(")", "%29")


def _by_rank(stories: tuple[RankedStory, ...]) -> list[RankedStory]:
    return sorted(stories, key=lambda ranked: ranked.rank)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _date_label(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]}, {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _as_aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return _as_aware(moment).isoformat()


def _display_time(moment: datetime, zone: tzinfo = UTC, *, named: bool = False) -> str:
    """``YYYY-MM-DD HH:MM`` in ``zone`` (the reader's), with the zone's name after it when ``named``."""
    # Not strftime: "%Y" is not zero-padded for years before 1000 on every platform.
    t = _as_aware(moment).astimezone(zone)
    text = f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"
    return f"{text} {_zone_name(moment, zone)}" if named else text


def _zone_name(moment: datetime, zone: tzinfo) -> str:
    """The zone's abbreviation at ``moment`` ("CET", "EDT", "UTC"), or its UTC offset when it has none."""
    t = _as_aware(moment).astimezone(zone)
    name = t.tzname() or ""
    if name and name[0] not in "+-":
        return name
    offset = t.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _zone(b: Briefing) -> tzinfo:
    try:
        return ZoneInfo(b.timezone) if b.timezone and b.timezone != "UTC" else UTC
    except (ValueError, OSError, KeyError):
        return UTC


def _finite_or_none(value: float | int) -> float | int | None:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
