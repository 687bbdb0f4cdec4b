"""briefing: a local-first daily news briefing.

    >>> from briefing import Pipeline, load_config
    >>> result = Pipeline(load_config("configs/demo.toml")).run()
    >>> result.paths  # outputs/YYYY-MM-DD.md, .html, .json
"""

from .config import Config, load_config
from .errors import (
    BriefingError,
    ConfigError,
    DeliveryError,
    FeedError,
    FetchError,
    Interrupted,
    LockError,
    ParseError,
    RenderError,
    StoreError,
    SummaryError,
)
from .models import Article, Briefing, Entry, Feed, FeedFailure, FetchResult, RankedStory, Source, Story, Summary
from .pipeline import Pipeline, RunResult
from .store import Store

__all__ = [
    "Article",
    "Briefing",
    "BriefingError",
    "Config",
    "ConfigError",
    "DeliveryError",
    "Entry",
    "Feed",
    "FeedError",
    "FeedFailure",
    "FetchError",
    "FetchResult",
    "Interrupted",
    "LockError",
    "ParseError",
    "Pipeline",
    "RankedStory",
    "RenderError",
    "RunResult",
    "Source",
    "Store",
    "StoreError",
    "Story",
    "Summary",
    "SummaryError",
    "load_config",
]
