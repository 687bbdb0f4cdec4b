"""Who published a piece: publishers, not feeds. Pure: no I/O, no network, no dependencies.

Coverage counts publishers. Two feeds of one publisher (WSJ World and WSJ Economy) are two
sections of one source, so each feed's items are given a publisher key: the config's
``publisher`` for the feed, else the registrable domain ("eTLD+1") of the feed's site, else of the
item's link, else of the feed's URL, else the feed's name.

The registrable domain is worked out from a small built-in list of public suffixes, not the
whole Public Suffix List: two-label country suffixes such as ``co.uk``, ``com.au`` or ``co.jp``
(any generic second level — co, com, org, net, ac, gov... — under a two-letter country code),
and a few hosting platforms where each subdomain is its own publisher (``substack.com``,
``github.io``...). Links wrapped by archive services (``https://archive.is/newest/<url>``,
``https://web.archive.org/web/<timestamp>/<url>``) are unwrapped first.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

__all__ = ["host_of", "publisher_for", "registrable_domain", "site_name", "unwrap_url"]

# Second-level labels that, under a two-letter country code, are a public suffix: co.uk, com.au,
# or.jp, gob.mx, ac.il... (a heuristic that covers the common registries without the full list).
_GENERIC_SECOND_LEVEL = frozenset(
    "ac asn co com ed edu gen go gob gouv gov govt gr gv id ind lg ltd mil ne net nhs nic nom or org plc police "
    "sch".split()
)
# Public suffixes of other shapes, and hosting platforms where every subdomain is a different site.
_SUFFIXES = frozenset(
    {
        # three-label or irregular country suffixes
        "nsw.gov.au", "vic.gov.au", "qld.gov.au", "act.gov.au", "wa.gov.au", "sa.gov.au", "tas.gov.au",
        "nt.gov.au", "gc.ca", "kiev.ua", "kyiv.ua",
        # hosting platforms
        "blogspot.com", "wordpress.com", "substack.com", "medium.com", "tumblr.com", "github.io", "gitlab.io",
        "ghost.io", "netlify.app", "pages.dev", "vercel.app", "herokuapp.com", "beehiiv.com", "typepad.com",
        "livejournal.com", "appspot.com", "cloudfront.net", "azurewebsites.net", "s3.amazonaws.com",
        # RFC 2606 documentation domains: their subdomains stand for different sites in examples
        "example.com", "example.net", "example.org",
    }
)  # fmt: skip
# Hosts that serve other people's feeds or pages: never the publisher of what they carry.
_NOT_PUBLISHERS = frozenset(
    {
        "feedburner.com", "feedblitz.com", "feedproxy.google.com", "feeds.feedburner.com", "rss.app",
        "fetchrss.com", "rsshub.app", "politepol.com", "feed43.com", "feedly.com", "inoreader.com",
        "news.google.com", "archive.is", "archive.ph", "archive.today", "archive.li", "archive.md", "archive.vn",
        "archive.fo", "web.archive.org", "archive.org",
    }
)  # fmt: skip
_ARCHIVE_TODAY = re.compile(r"^https?://(?:www\.)?archive\.(?:is|ph|today|li|md|vn|fo)/(?P<rest>.+)$", re.IGNORECASE)
_WAYBACK = re.compile(r"^https?://(?:web\.)?archive\.org/web/[0-9*]{1,14}[a-z_]*/(?P<rest>.+)$", re.IGNORECASE)
# What comes before the wrapped URL in an archive.today link: "newest/", "oldest/", "o/AbCd/", a timestamp.
_ARCHIVE_PREFIX = re.compile(r"^(?:(?:newest|oldest|latest|o/[A-Za-z0-9]+|[0-9][0-9.-]*[0-9])/)")
_SCHEME = re.compile(r"^https?:/+", re.IGNORECASE)
_BARE_HOST = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:[:/?#]|$)", re.IGNORECASE)


def unwrap_url(url: str) -> str:
    """The original URL inside an archive link; any other URL unchanged.

    ``https://archive.is/newest/https://www.ft.com/content/x`` → ``https://www.ft.com/content/x``;
    also archive.ph/.today/..., ``archive.is/2025.01.01-120000/<url>``, ``archive.is/o/<id>/<url>``
    and ``https://web.archive.org/web/20250101000000/<url>``. Never raises.
    """
    text = url.strip()
    for _ in range(3):  # an archived archive link, at most a couple of levels deep
        match = _ARCHIVE_TODAY.match(text) or _WAYBACK.match(text)
        if not match:
            break
        rest = match.group("rest")
        if match.re is _ARCHIVE_TODAY:
            rest = _ARCHIVE_PREFIX.sub("", rest, count=1)
        if _SCHEME.match(rest):
            rest = _SCHEME.sub(lambda m: m.group(0).split(":")[0].lower() + "://", rest, count=1)
        elif _BARE_HOST.match(rest):
            rest = "https://" + rest
        else:
            break  # an archive page of its own (a short id, a search): no original URL to find
        text = rest
    return text


def host_of(url: str | None) -> str | None:
    """The lower-cased host of an http(s) URL (archive links unwrapped), without ``www.``; None otherwise."""
    if not url:
        return None
    try:
        parts = urlsplit(unwrap_url(url))
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    host = host.rstrip(".")
    while host.startswith("www."):
        host = host.removeprefix("www.")
    return host or None


def registrable_domain(host: str) -> str:
    """The part of a host name that was registered: ``www.wsj.com`` → ``wsj.com``,
    ``news.bbc.co.uk`` → ``bbc.co.uk``, ``x.substack.com`` → ``x.substack.com``.

    IP addresses, single labels (``localhost``) and bare suffixes come back as given (lower-cased).
    """
    host = host.strip().lower().rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    labels = [label for label in host.split(".") if label]
    if len(labels) < 2:
        return host
    suffix_length = 1
    for length in range(min(len(labels) - 1, 3), 1, -1):
        if ".".join(labels[-length:]) in _SUFFIXES:
            suffix_length = length
            break
    else:
        if len(labels[-1]) == 2 and labels[-2] in _GENERIC_SECOND_LEVEL:
            suffix_length = 2
    if len(labels) <= suffix_length:
        return ".".join(labels)
    return ".".join(labels[-(suffix_length + 1) :])


def _publisher_host(url: str | None) -> str | None:
    host = host_of(url)
    if host is None or host in _NOT_PUBLISHERS:
        return None
    domain = registrable_domain(host)
    return None if domain in _NOT_PUBLISHERS else domain


def publisher_for(
    *,
    override: str | None = None,
    site: str | None = None,
    item_url: str | None = None,
    feed_url: str | None = None,
    name: str = "",
) -> str:
    """The publisher key of one feed item.

    Args:
        override: the config's ``publisher`` for the feed: always wins.
        site: the feed's site link (the channel's ``<link>``), or the item's own ``<source url>``.
        item_url: the item's link (archive links are unwrapped).
        feed_url: the feed's URL.
        name: the feed's name or title: the last resort (a local file without links).

    Returns:
        The override (trimmed), else the registrable domain of the first of ``site``, ``item_url``,
        ``feed_url`` that is an http(s) URL on a host that is no feed proxy or archive; else ``name``.
    """
    if override and override.strip():
        return override.strip()
    for url in (site, item_url, feed_url):
        domain = _publisher_host(url)
        if domain:
            return domain
    return name.strip()


# Between a site's name and a section in a feed title: "WSJ.com: World News", "World | The Guardian",
# "NYT > World News", "BBC News - World".
_TITLE_PARTS = re.compile(r"\s+[|:>\-–—·»/]+\s+|:\s+")
_WORD = re.compile(r"[a-z0-9]+")


def site_name(feed_title: str | None, site: str | None = None) -> str | None:
    """The name of the site behind a feed, for readers: the part of the feed's title that names the site,
    not its section or channel ("WSJ.com: World News" → "WSJ.com", "World news | The Guardian" → "The
    Guardian"); the site's domain when no part of the title names it ("myFT following" → "ft.com").

    Args:
        feed_title: the feed's own title.
        site: the feed's site link (or the feed's URL): its domain is what a part of the title must name.

    Returns:
        A name, or None when there is neither a title nor an http(s) site.
    """
    title = " ".join((feed_title or "").split())
    host = host_of(site)
    domain = registrable_domain(host) if host else None
    parts = [part.strip() for part in _TITLE_PARTS.split(title) if part.strip()] if title else []
    if not domain:
        return parts[0] if parts else None
    label = domain.split(".")[0]
    for part in parts:
        if _names(part, label):
            return part
    return domain


def _names(part: str, label: str) -> bool:
    """Whether a title part names the site whose domain starts with ``label`` (wsj, theguardian, nytimes)."""
    words = _WORD.findall(part.lower())
    if not words:
        return False
    joined = "".join(words)
    initials = "".join(word[0] for word in words if word != "the")
    return (label in words or joined.startswith(label) or (len(label) >= 4 and label in joined)
            or any(len(word) >= 3 and label.startswith(word) for word in words)
            or (len(initials) >= 2 and label.startswith(initials)))
