"""Exceptions raised by briefing.

The tree::

    BriefingError
    ├── ConfigError            bad or missing config (exit code 2)
    ├── FeedError              carries .url
    │   ├── FetchError         network, HTTP status, size cap
    │   └── ParseError         not a feed, no usable entries
    ├── StoreError             SQLite failed
    ├── SummaryError           a summarizer could not load or run
    │   └── ExecutorError      the Ray executor could not start, connect or finish
    ├── RenderError            a briefing could not be rendered or written
    ├── DeliveryError          email could not be sent
    ├── LockError              another run holds the lock
    └── Interrupted            SIGTERM/SIGINT stopped a run between stages (exit 0)
"""

from __future__ import annotations


class BriefingError(Exception):
    """Base of every error briefing raises on purpose."""


class ConfigError(BriefingError, ValueError):
    """The configuration is invalid; the message names the file and key."""


class FeedError(BriefingError):
    """A feed could not be fetched or parsed."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(message)
        self.url = url
        self.message = message

    def __str__(self) -> str:
        return f"{self.url}: {self.message}"


class FetchError(FeedError):
    """The feed could not be downloaded."""


class ParseError(FeedError):
    """The downloaded bytes are not a usable feed."""


class StoreError(BriefingError):
    """The store (SQLite or PostgreSQL) failed."""


class SummaryError(BriefingError):
    """A summarizer backend could not be loaded or run."""


class ExecutorError(SummaryError):
    """The model stage's executor (Ray) could not start, reach its cluster, or finish a batch."""


class RenderError(BriefingError):
    """A briefing could not be rendered or written."""


class DeliveryError(BriefingError):
    """A briefing could not be delivered."""


class LockError(BriefingError):
    """Another briefing run holds the lock."""


class Interrupted(BriefingError):
    """A run was asked to stop (SIGTERM/SIGINT) and stopped between stages, writing nothing."""
