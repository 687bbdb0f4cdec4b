"""``briefing serve``: the output folder as a small local site, on 127.0.0.1 only (standard library server).

Routes: ``/`` every briefing with its headlines and a search box; ``/YYYY-MM-DD.html`` (``.md``, ``.json``),
``/index.html``, ``/briefings.atom`` the files as written; ``/story/YYYY-MM-DD/N`` one story with its
history across days (first seen, each update); ``/search?q=...&since=YYYY-MM-DD`` full-text search.
Every value from feeds is escaped, only http(s) URLs become links, and no page has scripts.
"""

from __future__ import annotations

import re
from datetime import date
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from .models import SECTION_LABEL
from .render import _CONTROL, DEFAULT_TITLE, _clean, safe_url
from .search import SearchIndex, load_briefing

__all__ = ["make_server", "page_for", "story_history"]

_FILE = re.compile(r"^/((?:\d{4}-\d{2}-\d{2}(?:\.[a-z0-9_-]+)*\.(?:html|md|json))"
                   r"|index\.html|index\.md|briefings\.atom)$")
_STORY = re.compile(r"^/story/(\d{4}-\d{2}-\d{2})/(\d{1,4})$")
_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TYPES = {".html": "text/html; charset=utf-8", ".md": "text/markdown; charset=utf-8",
          ".json": "application/json", ".atom": "application/atom+xml"}
_STYLE = """
body { margin: 0 auto; max-width: 42em; padding: 1em; font: 17px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica,
  Arial, sans-serif; color: #1f2328; background: #ffffff; overflow-wrap: anywhere; }
h1 { font-size: 1.5em; line-height: 1.25; margin: 0.5em 0; }
h2 { font-size: 1.15em; margin: 1.5em 0 0.3em; padding-bottom: 0.2em; border-bottom: 1px solid #d0d7de; }
ul, ol { padding-left: 1.25em; } li { margin: 0.35em 0; }
a { color: #0969da; } .meta, nav { color: #59636e; font-size: 0.9em; }
nav { display: flex; flex-wrap: wrap; gap: 0.25em 1em; margin: 0.5em 0 1em; }
form { display: flex; flex-wrap: wrap; gap: 0.5em; margin: 1em 0; }
input[type=search] { flex: 1 1 12em; min-width: 0; font: inherit; padding: 0.3em 0.5em; }
input[type=date], button { font: inherit; }
mark { background: #fff8c5; color: inherit; }
@media (prefers-color-scheme: dark) {
  body { color: #e6edf3; background: #0d1117; } a { color: #4493f8; } h2 { border-color: #30363d; }
  .meta, nav { color: #9198a1; } mark { background: #5a4a00; }
  input, button { color: #e6edf3; background: #161b22; border: 1px solid #30363d; }
}
"""


def _page(title: str, body: str, heading: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"color-scheme\" content=\"light dark\">\n"
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<nav><a href=\"/\">All briefings</a><a href=\"/search\">Search</a>"
        f"<a href=\"/briefings.atom\">Atom feed</a></nav>\n<h1>{escape(heading)}</h1>\n{body}\n</body>\n</html>\n"
    )


def _search_form(query: str = "", since: str = "") -> str:
    return ('<form action="/search" method="get" role="search">'
            f'<input type="search" name="q" value="{escape(query)}" placeholder="Search all stories" '
            'aria-label="Search all stories">'
            f'<input type="date" name="since" value="{escape(since)}" aria-label="Since">'
            '<button type="submit">Search</button></form>')


def _briefings(out_dir: Path) -> list[tuple[date, dict[str, Any]]]:
    found = []
    for path in out_dir.glob("*.json"):
        if _DATED.match(path.stem):
            data = load_briefing(path)
            if data is not None:
                found.append((date.fromisoformat(path.stem), data))
    return sorted(found, key=lambda pair: pair[0], reverse=True)


def _stories(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in data.get("stories", []) if isinstance(s, dict)]


def _text(value: object) -> str:
    return escape(_clean(str(value or "")))


def _headline(story: dict[str, Any]) -> str:
    """A story's headline as shown: the feed's section label ("Opinion | ") as a quiet tag after it."""
    title = _clean(str(story.get("title") or ""))
    shown = SECTION_LABEL.sub("", title) or title
    kind = str(story.get("kind") or "news")
    tag = f' <span class="meta">({escape(kind)})</span>' if kind != "news" else ""
    return (escape(shown) or "(untitled)") + tag


def _story_link(day: date, story: dict[str, Any]) -> str:
    rank = story.get("rank")
    title = _headline(story)
    if not isinstance(rank, int) or isinstance(rank, bool):
        return title
    return f'<a href="/story/{day.isoformat()}/{rank}">{title}</a>'


def home_page(out_dir: Path, title: str) -> str:
    """Every briefing, newest first, with its headlines (days without stories on one line at the end)."""
    parts = [_search_form()]
    empty = []
    for day, data in _briefings(out_dir):
        stories = [s for s in _stories(data) if s.get("status") != "repeat"]
        if not stories:
            empty.append(day)
            continue
        link = f"{day.isoformat()}.html" if (out_dir / f"{day.isoformat()}.html").is_file() else f"{day}.json"
        parts.append(f'<h2><a href="/{link}">{day.isoformat()}</a> <span class="meta">· '
                     f'{len(stories)} {"story" if len(stories) == 1 else "stories"}</span></h2>')
        parts.append("<ol>" + "".join(f"<li>{_story_link(day, s)}</li>" for s in stories) + "</ol>")
    if len(parts) == 1:
        parts.append("<p>No briefings with stories yet.</p>")
    if empty:
        parts.append('<p class="meta">Days without stories: '
                     + ", ".join(f'<a href="/{d.isoformat()}.html">{d.isoformat()}</a>' for d in empty) + "</p>")
    return _page(f"{title} — archive", "\n".join(parts), f"{title} — archive")


def story_history(out_dir: Path, day: date, rank: int) -> tuple[dict[str, Any], list[tuple[date, dict[str, Any]]]]:
    """A story and its history: the stories of other days linked to it through ``matched_title`` (an update or
    repeat names the story it continues) or a shared source URL, oldest first, the story itself included.

    Raises:
        KeyError: no briefing for ``day`` or no story ``rank`` in it.
    """
    days = sorted(_briefings(out_dir), key=lambda pair: pair[0])
    by_day = dict(days)
    story = next((s for s in _stories(by_day[day]) if s.get("rank") == rank), None)
    if story is None:
        raise KeyError(rank)

    def urls(s: dict[str, Any]) -> set[str]:
        return {str(x.get("url")) for x in s.get("sources") or [] if isinstance(x, dict) and x.get("url")}

    def title(s: dict[str, Any]) -> str:
        return _clean(str(s.get("title") or "")).casefold()

    def matched(s: dict[str, Any]) -> str:
        return _clean(str(s.get("matched_title") or "")).rstrip("…").casefold()

    def linked(a: dict[str, Any], b: dict[str, Any]) -> bool:
        ma, mb = matched(a), matched(b)
        return bool((ma and title(b).startswith(ma)) or (mb and title(a).startswith(mb)) or (urls(a) & urls(b)))

    chain = [(day, story)]
    for direction in (-1, 1):
        current = story
        ordered = [pair for pair in days if (pair[0] - day).days * direction > 0]
        for other_day, data in (reversed(ordered) if direction < 0 else ordered):
            found = next((s for s in _stories(data) if linked(current, s)), None)
            if found is not None:
                chain.append((other_day, found))
                current = found
    return story, sorted(chain, key=lambda pair: pair[0])


_LABELS = {"new": "first seen", "development": "new development", "update": "update", "repeat": "still developing"}


def story_page(out_dir: Path, day: date, rank: int, title: str) -> str | None:
    try:
        story, chain = story_history(out_dir, day, rank)
    except KeyError:
        return None
    parts = [f'<p class="meta"><a href="/{day.isoformat()}.html">{day.isoformat()}</a> · '
             f'{_text(_LABELS.get(str(story.get("status")), story.get("status")))}</p>']
    if story.get("summary"):
        parts.append(f"<p>{_text(story.get('summary'))}</p>")
    reasons = [r for r in story.get("reasons") or [] if isinstance(r, str)]
    if reasons:
        parts.append(f'<p class="meta"><em>{" · ".join(_text(r) for r in reasons)}</em></p>')
    items = []
    for source in story.get("sources") or []:
        if not isinstance(source, dict):
            continue
        label = _text(source.get("outlet")) or "(untitled)"
        href = safe_url(source.get("url")) if isinstance(source.get("url"), str) else None
        link = f'<a href="{escape(href)}" rel="noreferrer">{label}</a>' if href else label
        own = _text(source.get("title"))
        items.append(f"<li>{link}{': ' + own if own else ''}</li>")
    if items:
        parts.append("<h2>Sources</h2><ul>" + "".join(items) + "</ul>")
    parts.append("<h2>History</h2><ol>")
    for other_day, other in chain:
        here = " <strong>(this page)</strong>" if other is story else ""
        label = _text(_LABELS.get(str(other.get("status")), other.get("status")))
        parts.append(f'<li><a href="/{other_day.isoformat()}.html">{other_day.isoformat()}</a> · {label}: '
                     f"{_story_link(other_day, other)}{here}</li>")
    parts.append("</ol>")
    heading = _clean(str(story.get("title") or "")) or "(untitled)"
    return _page(f"{heading} — {title}", "\n".join(parts), heading)


def search_page(out_dir: Path, query: str, since: str, title: str) -> str:
    since_day = None
    if since:
        try:
            since_day = date.fromisoformat(since)
        except ValueError:
            since = ""
    parts = [_search_form(query, since)]
    if query.strip():
        with SearchIndex(out_dir) as index:
            index.sync()
            hits = index.search(query, since=since_day)
        parts.append(f'<p class="meta">{len(hits)} {"match" if len(hits) == 1 else "matches"}</p>')
        parts.append("<ol>")
        for hit in hits:
            snippet = _marked(hit.snippet)
            parts.append(f'<li><a href="/story/{hit.day.isoformat()}/{hit.rank}">{_text(hit.title)}</a>'
                         f'<br><span class="meta">{hit.day.isoformat()} · {_text(hit.sources)}</span>'
                         f"<br>{snippet}</li>")
        parts.append("</ol>")
    return _page(f"Search — {title}", "\n".join(parts), "Search")


def _marked(snippet: str) -> str:
    """A search snippet as HTML: its text escaped, the matches (between \\x02 and \\x03) in <mark>."""
    pieces = re.split("[\x02\x03]", snippet)
    return "".join(f"<mark>{_piece(p)}</mark>" if i % 2 else _piece(p) for i, p in enumerate(pieces)).strip()


def _piece(text: str) -> str:
    return escape(" ".join(_CONTROL.sub("", text).replace("\n", " ").split(" ")))


def page_for(out_dir: Path, path: str, title: str = DEFAULT_TITLE) -> tuple[int, str, bytes]:
    """``(status, content type, body)`` for a request path (with query string)."""
    parts = urlsplit(path)
    route = parts.path
    if route in ("/", ""):
        return 200, _TYPES[".html"], home_page(out_dir, title).encode("utf-8")
    if route == "/search":
        query = parse_qs(parts.query)
        text = query.get("q", [""])[0][:500]
        since = query.get("since", [""])[0][:10]
        return 200, _TYPES[".html"], search_page(out_dir, text, since, title).encode("utf-8")
    story = _STORY.match(route)
    if story:
        try:
            day = date.fromisoformat(story.group(1))
        except ValueError:
            day = None
        page = story_page(out_dir, day, int(story.group(2)), title) if day else None
        if page is not None:
            return 200, _TYPES[".html"], page.encode("utf-8")
    file = _FILE.match(route)
    if file:
        target = out_dir / file.group(1)
        if target.is_file():
            return 200, _TYPES[target.suffix], target.read_bytes()
    body = _page("Not found", f"<p>Nothing at {escape(quote(route))}.</p>", "Not found")
    return 404, _TYPES[".html"], body.encode("utf-8")


def make_server(out_dir: Path, port: int = 8000, title: str = DEFAULT_TITLE) -> ThreadingHTTPServer:
    """A server for ``out_dir`` bound to 127.0.0.1:``port`` (0: any free port); call ``serve_forever``."""
    folder = Path(out_dir)

    class Handler(BaseHTTPRequestHandler):
        server_version = "briefing"

        def do_GET(self) -> None:
            status, kind, body = page_for(folder, self.path, title)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)
