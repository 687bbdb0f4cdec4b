"""Turn HTML into plain text: feed item bodies, titles, and whole article pages.

Pure functions, no I/O. ``html_to_text`` and ``clean_title`` use the stdlib HTML parser and
never raise; ``extract_page_text`` wraps trafilatura for full article pages.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

__all__ = ["clean_title", "extract_page_text", "html_to_text", "truncate_text"]

# Elements whose content is never text a reader would see.
_SKIP = frozenset({"script", "style", "noscript", "iframe", "template", "svg", "math", "object"})

# Elements that end a paragraph when they open or close.
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
        "tbody", "tfoot", "thead", "title", "tr", "ul",
    }
)  # fmt: skip

# Table cells sit side by side: keep their words apart without breaking the paragraph.
_CELL = frozenset({"td", "th"})

_TAG_RE = re.compile(r"<[^>]*>?")
_CHUNK = 65_536


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._skip_depth = 0
        self.size = 0  # characters of text seen so far, to stop early on huge input

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip_depth += 1
        elif tag in _BLOCK:
            self.flush()
        elif tag in _CELL:
            self._current.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK:
            self.flush()
        elif tag in _CELL:
            self._current.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self._current.append(data)
            self.size += len(data)

    def flush(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.paragraphs.append(text)
        self._current = []


def html_to_text(html: str, *, max_chars: int | None = None) -> str:
    """Convert an HTML fragment or page to plain text.

    Scripts, styles and similar are dropped; block elements (``p``, ``br``, ``div``, ``li``,
    headings, table rows...) become paragraph breaks; entities are unescaped; whitespace is
    collapsed within a paragraph. Never raises.

    Args:
        html: HTML, or plain text (which comes back with its whitespace collapsed).
        max_chars: When given, stop parsing once this much text is found and cut the result
            to at most this many characters at a word boundary (see ``truncate_text``).

    Returns:
        The paragraphs joined by a blank line (``"\\n\\n"``); ``""`` when there is no text.
    """
    if not html:
        return ""
    parser = _TextParser()
    try:
        # Fed in chunks so a multi-megabyte item stops costing time once max_chars is reached.
        for start in range(0, len(html), _CHUNK):
            parser.feed(html[start : start + _CHUNK])
            if max_chars is not None and parser.size > max_chars:
                break
        else:
            parser.close()
    except Exception:
        # html.parser can still trip on odd markup declarations (``<![...``); the crude
        # fallback loses paragraph structure but never the words.
        text = " ".join(unescape(_TAG_RE.sub(" ", html[: _fallback_limit(max_chars)])).split())
        return truncate_text(text, max_chars) if max_chars is not None else text
    parser.flush()
    text = "\n\n".join(parser.paragraphs)
    return truncate_text(text, max_chars) if max_chars is not None else text


def _fallback_limit(max_chars: int | None) -> int | None:
    return None if max_chars is None else max_chars * 20


def truncate_text(text: str, max_chars: int) -> str:
    """Cut text to at most ``max_chars`` characters, at a word boundary where there is one.

    Args:
        text: Plain text.
        max_chars: The most characters to keep.

    Returns:
        ``text`` unchanged when short enough; otherwise its start, ending at the last whole word
        (or cut mid-word when the final half holds no space at all), trailing whitespace removed.
    """
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    if not text[max_chars].isspace():
        boundary = max(cut.rfind(" "), cut.rfind("\n"))
        if boundary > max_chars // 2:
            cut = cut[:boundary]
    return cut.rstrip()


def clean_title(s: str) -> str:
    """Strip tags and entities from a title and collapse its whitespace to single spaces.

    Args:
        s: A title that may contain HTML markup or entities.

    Returns:
        The title as one line of plain text (``""`` when nothing is left).
    """
    return " ".join(html_to_text(s).split())


def extract_page_text(html: str, url: str | None = None) -> str | None:
    """Extract the main article text from a whole web page with trafilatura.

    Args:
        html: The page's HTML.
        url: The page's address, which helps trafilatura resolve links and pick site rules.

    Returns:
        The article text, or None when nothing was extracted or extraction failed.
    """
    if not html or not html.strip():
        return None
    import trafilatura  # heavy (lxml, justext...); only the full-text path needs it

    try:
        text = trafilatura.extract(html, url=url, include_comments=False, include_tables=False)
    except Exception:
        # trafilatura/lxml raise a wide range of errors on hostile pages; any of them
        # means "no page text" and the caller falls back to the feed's text.
        return None
    if not text or not text.strip():
        return None
    return text.strip()
