"""What the reader asked for, applied to a ranked briefing: mute words, per-feed weight, topic sections.

Pure: a Briefing and the config in, a Briefing out. Runs after ranking, in ``briefing run`` and in
``briefing regenerate`` alike, so both write the same files.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from .config import Config
from .models import Briefing, RankedStory

__all__ = ["arrange", "muted"]


def muted(story: RankedStory, patterns: list[re.Pattern[str]]) -> bool:
    """Whether a mute word is in the story's headline, any of its articles' headlines, or its summary."""
    texts = [story.summary, *(article.title for article in story.story.articles)]
    return any(pattern.search(text) for pattern in patterns for text in texts)


def _pattern(word: str) -> re.Pattern[str]:
    parts = [re.escape(part) for part in word.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)


def arrange(briefing: Briefing, config: Config) -> Briefing:
    """Drop muted stories, reorder by feed weight, tag topics and cap each topic's section; ranks renumbered.

    Order is kept between the groups the ranker made (news, then the separate kinds, then repeats; superseded
    prospects last among the news); within a group, stories go by score times the highest weight among the
    feeds carrying them.
    """
    patterns = [_pattern(word) for word in config.filters.mute]
    feeds = {config.feed_location(feed.url): feed for feed in config.feeds}
    order = list(dict.fromkeys(topic for feed in config.feeds for topic in feed.topics))
    uses_topics = bool(order)
    separate = set(briefing.separate_kinds)

    def group(story: RankedStory) -> int:
        if story.status == "repeat":
            return 2
        return 1 if story.story.kind in separate else 0

    def weight(story: RankedStory) -> float:
        found = [feeds[source.feed_url].weight for source in story.story.sources if source.feed_url in feeds]
        return max(found) if found else 1.0

    def topics(story: RankedStory) -> tuple[str, ...]:
        named = {topic for source in story.story.sources if source.feed_url in feeds
                 for topic in feeds[source.feed_url].topics}
        return tuple(topic for topic in order if topic in named)

    kept = [story for story in sorted(briefing.stories, key=lambda r: r.rank) if not muted(story, patterns)]
    position = {id(story): index for index, story in enumerate(kept)}
    kept.sort(key=lambda r: (group(r), r.superseded_by is not None, -r.score * weight(r), position[id(r)]))
    if uses_topics:
        kept = [dataclasses.replace(story, topics=topics(story)) for story in kept]
        kept = _cap_topics(kept, group, config.briefing.top_stories, config.briefing.per_topic)
    stories = tuple(dataclasses.replace(story, rank=rank) for rank, story in enumerate(kept, start=1))
    return dataclasses.replace(briefing, stories=stories, topics=tuple(order),
                               top_stories=config.briefing.top_stories if uses_topics else 0)


def _cap_topics(stories: list[RankedStory], group: Callable[[RankedStory], int], top: int,
                per_topic: int) -> list[RankedStory]:
    """Keep the first ``top`` news stories, then at most ``per_topic`` news stories per topic section."""
    kept: list[RankedStory] = []
    counts: dict[str, int] = {}
    news_seen = 0
    for story in stories:
        if group(story) != 0:
            kept.append(story)
            continue
        news_seen += 1
        if news_seen <= top:
            kept.append(story)
            continue
        section = story.topics[0] if story.topics else ""
        counts[section] = counts.get(section, 0) + 1
        if counts[section] <= per_topic:
            kept.append(story)
    return kept
