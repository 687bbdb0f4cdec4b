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
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined

from briefing.errors import RenderError
from briefing.models import Briefing, RankedStory, Source

__all__ = [
    "DEFAULT_TITLE",
    "FORMATS",
    "SCHEMA_VERSION",
    "briefing_to_dict",
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


def render_markdown(b: Briefing, *, title: str | None = None) -> str:
    """The briefing as a Markdown document.

    Args:
        b: the briefing.
        title: the heading's title; ``DEFAULT_TITLE`` when None.
    """
    return _environment(html=False).get_template("briefing.md.j2").render(_context(b, title))


def render_html(b: Briefing, *, title: str | None = None) -> str:
    """The briefing as a standalone HTML document (inline CSS, no scripts, no external resources).

    Args:
        b: the briefing.
        title: the heading's title; ``DEFAULT_TITLE`` when None.
    """
    return _environment(html=True).get_template("briefing.html.j2").render(_context(b, title))


FORMATS: dict[str, Callable[..., str]] = {
    "md": render_markdown,
    "html": render_html,
    "json": render_json,
}


def render(b: Briefing, fmt: str, *, title: str | None = None) -> str:
    """Render ``b`` in one of ``FORMATS`` ("md", "html", "json").

    Raises:
        RenderError: ``fmt`` is not a known format.
    """
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        known = ", ".join(FORMATS)
        raise RenderError(f"unknown briefing format {fmt!r} (expected one of: {known})") from None
    return renderer(b, title=title)


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
    return env


def _context(b: Briefing, title: str | None) -> dict[str, Any]:
    stories = _by_rank(b.stories)
    fresh = [ranked for ranked in stories if ranked.status != "repeat"]
    top = [ranked for ranked in fresh if ranked.story.kind not in b.separate_kinds]
    views = [ranked for ranked in fresh if ranked.story.kind in b.separate_kinds]
    developing = [ranked for ranked in stories if ranked.status == "repeat"]
    publishers = {source.publisher for ranked in stories for source in ranked.story.sources}
    feeds = _feed_count(b.stats.get("feeds"))
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
        ),
        "top": [_story_view(ranked, number) for number, ranked in enumerate(top, start=1)],
        "views": [_story_view(ranked, number) for number, ranked in enumerate(views, start=1)],
        "developing": [_story_view(ranked, None) for ranked in developing],
        "failed_feeds": [{"feed": _clean(f.feed), "reason": _clean(f.reason)} for f in b.failed_feeds],
        "failed_line": _failed_line(len(b.failed_feeds), feeds),
        "all_fetched": _all_fetched_line(feeds),
        "backend": _clean(b.backend),
        "model": _clean(b.model),
        "notes": [_clean(note) for note in b.notes],
        "window_start": _display_time(b.window_start),
        "window_end": _display_time(b.window_end),
        "generated_at": _display_time(b.generated_at),
        "generated_at_iso": _iso(b.generated_at),
    }


def _story_view(ranked: RankedStory, number: int | None) -> dict[str, Any]:
    sources = ranked.story.sources
    reasons = [_clean(reason) for reason in ranked.reasons if reason.strip()]
    return {
        "number": number,
        "rank": ranked.rank,
        "status": ranked.status,
        "prefix": _PREFIXES.get(ranked.status, ""),
        "kind": ranked.story.kind,
        "title": _clean(ranked.story.lead.title) or "(untitled)",
        "summary": _clean(ranked.summary),
        "reasons": " · ".join(reasons),
        "first_reason": reasons[0] if reasons else "",
        "source_count": _plural(len(ranked.story.outlets), "source", "sources"),
        "sources": [_source_view(source) for source in sources],
    }


_PREFIXES = {"update": "Update: ", "development": "New development: "}


def _source_view(source: Source) -> dict[str, Any]:
    outlet = _clean(source.outlet)
    title = _clean(source.title)
    return {
        "label": f"{outlet}: {title}" if outlet and title else outlet or title or "(untitled)",
        "href": safe_url(source.url),
        "published": _display_time(source.published) if source.published is not None else "",
        "published_iso": _iso(source.published) if source.published is not None else "",
    }


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


def _feed_count(value: object) -> int | None:
    """``stats["feeds"]`` as a count, or None when missing or not a sensible number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return None
    return int(value)


# --- Formatting helpers ----------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0/C1 controls that str.isspace() does not count as whitespace: not allowed in HTML
# text, invisible in Markdown. The whitespace ones are folded into spaces instead.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_WHITESPACE = re.compile(r"\s+")
# Characters with inline meaning anywhere in a Markdown line.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>~|])")
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# Block markers that only matter at the start of a line: heading, quote, list, rule, setext.
_MD_BLOCK_START = re.compile(r"^([#>+\-=])")
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


def _display_time(moment: datetime) -> str:
    # Not strftime: "%Y" is not zero-padded for years before 1000 on every platform.
    t = _as_aware(moment).astimezone(UTC)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"


def _finite_or_none(value: float | int) -> float | int | None:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
