"""What every store implementation shares: the article keys (normalized URL, content hash), time as
sortable text, and the records a store hands back."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["DEFAULT_BRIEFING", "TRACKING_PARAMS", "DeliveryRecord", "Horizon", "ItemSighting", "Listing", "RunRecord",
           "UpsertStats", "content_hash", "iso", "normalize_url", "parse_iso", "upto"]

DEFAULT_BRIEFING = "default"
"""The briefing a store's runs, listings and deliveries belong to unless ``store.briefing`` names another."""

TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "cmpid", "ocid", "smid", "cid", "ref", "ref_src",
     "src", "at_medium", "at_campaign", "guccounter", "igshid", "yclid", "_ga", "sr_share"}
)


def normalize_url(url: str) -> str:
    """A URL reduced to what identifies the article: no tracking params, fragment, ``www.`` or trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    while host.startswith("www."):
        host = host.removeprefix("www.")
    if ":" in host:
        host = f"[{host}]"  # IPv6
    try:
        port = parts.port if parts.port not in (None, 80, 443) else None
    except ValueError:  # a port out of range or not a number: keep the URL as written
        return url.strip()
    netloc = f"{host}:{port}" if port else host
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    )
    path = parts.path.rstrip("/") or ""
    return urlunsplit(("https" if parts.scheme in ("http", "https") else parts.scheme, netloc, path,
                       urlencode(query), ""))


def content_hash(title: str, text: str) -> str:
    """A hash of the article's words, blind to case and spacing."""
    normal = " ".join(f"{title}\n{text}".casefold().split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:32]


def iso(moment: datetime) -> str:
    """UTC, seconds precision: sorts as text."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def parse_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def upto(last_id: int | None) -> int:
    """An id bound for ``id <= ?``: everything when None."""
    return last_id if last_id is not None else 2**62


@dataclass(frozen=True)
class UpsertStats:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    new_ids: tuple[int, ...] = ()
    updated_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class RunRecord:
    id: int
    date: date
    started: datetime
    finished: datetime | None
    status: str
    stats: dict[str, Any]
    failed_feeds: list[dict[str, str]]
    email_status: str | None
    rule: str | None = None  # "arrival" or "publication"; None for runs recorded before the store kept it
    as_of: datetime | None = None
    horizon: Horizon | None = None  # what the store held when the briefing was built


@dataclass(frozen=True)
class DeliveryRecord:
    """What was sent to one recipient for one date; ``sent_at`` stays set once it went out."""

    date: date
    recipient: str
    status: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    message_id: str | None = None  # of the last message handed to the server
    sending_since: datetime | None = None  # set while "sending": the outcome of that attempt is not known


@dataclass(frozen=True)
class Horizon:
    """What the store held at one moment: the last revision and feed-copy ids then (a run's view)."""

    revision: int
    copy: int


@dataclass(frozen=True)
class ItemSighting:
    """When an item was first seen and when it says it was published; ``history_only`` for a pruned one back."""

    id: int
    published: datetime
    first_seen: datetime
    history_only: bool


@dataclass(frozen=True)
class Listing:
    """An item's place in one briefing: the date, the run that wrote it, the revision shown."""

    item_id: int
    date: date
    run_id: int
    revision_id: int
    status: str  # "listed", or "cut" (ranked below the briefing's cap)
