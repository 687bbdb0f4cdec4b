"""The store: feeds, deduplicated items and their revisions, listings, caches, runs and deliveries.

``protocol`` says what a store does, split by concern; ``sqlite`` (one file, the default) and
``postgres`` (a shared server) are the implementations, and ``open_store`` picks one from a URL.
Callers see the protocols only, never which database they have. ``Store`` is the SQLite store,
under the name callers have always used.
"""

from __future__ import annotations

from .factory import open_store, redact, store_for
from .protocol import BriefingStore, Caches, Deliveries, FeedStates, History, Items, Listings, Runs, SelectionSource
from .records import (
    DEFAULT_BRIEFING,
    DeliveryRecord,
    Horizon,
    ItemSighting,
    Listing,
    RunRecord,
    UpsertStats,
    content_hash,
    iso,
    normalize_url,
    parse_iso,
)
from .sqlite import SQLiteStore, Store

__all__ = [
    "DEFAULT_BRIEFING",
    "BriefingStore", "Caches", "Deliveries", "DeliveryRecord", "FeedStates", "History", "Horizon", "ItemSighting",
    "Items", "Listing", "Listings", "RunRecord", "Runs", "SQLiteStore", "SelectionSource", "Store", "UpsertStats",
    "content_hash", "iso", "normalize_url", "open_store", "parse_iso", "redact", "store_for",
]
