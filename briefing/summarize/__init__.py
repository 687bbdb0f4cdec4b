"""Summarizer backends: one small protocol, one registry.

A backend turns articles into summaries in one batched call. Backends never cache: the
pipeline asks the store first and hands a backend only what it has not summarized yet.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Protocol

from ..config import SummarizeConfig
from ..embed import Encoder
from ..errors import ConfigError
from ..models import Article, Summary
from .sentences import split_sentences

__all__ = ["BACKENDS", "Summarizer", "cache_params", "make_summarizer", "split_sentences"]


class Summarizer(Protocol):
    name: str

    @property
    def model_id(self) -> str: ...

    def summarize(self, articles: Sequence[Article], *, max_sentences: int) -> list[Summary]: ...


def _extractive(config: SummarizeConfig, encoder: Encoder) -> Summarizer:
    from .extractive import ExtractiveSummarizer

    return ExtractiveSummarizer(config.extractive, encoder=encoder)


def _lead(config: SummarizeConfig, encoder: Encoder) -> Summarizer:
    from .extractive import LeadSummarizer

    return LeadSummarizer()


def _seq2seq(config: SummarizeConfig, encoder: Encoder) -> Summarizer:
    from .extractive import ExtractiveSummarizer
    from .seq2seq import Seq2SeqSummarizer
    from .stories import guard_from_config

    return Seq2SeqSummarizer(config, fallback=ExtractiveSummarizer(config.extractive, encoder=encoder),
                             guard=guard_from_config(config, encoder))


BACKENDS = {"extractive": _extractive, "lead": _lead, "seq2seq": _seq2seq}
"""Backend name → factory taking the summarize config and a shared encoder (or None). ``seq2seq`` writes an
abstractive summary per article, through the faithfulness guard (``briefing.summarize.seq2seq``). A story backend
(``stories.STORY_BACKENDS``: ``instruct``) summarizes each article extractively; its briefs per story come
after ranking (``briefing.summarize.stories``)."""


def make_summarizer(config: SummarizeConfig, encoder: Encoder) -> Summarizer:
    """The configured backend.

    Raises:
        ConfigError: the backend name is unknown.
    """
    from .stories import STORY_BACKENDS

    try:
        factory = _extractive if config.backend in STORY_BACKENDS else BACKENDS[config.backend]
    except KeyError:
        known = ", ".join(sorted([*BACKENDS, *STORY_BACKENDS]))
        raise ConfigError(f"summarize.backend: unknown backend {config.backend!r} (known: {known})") from None
    return factory(config, encoder)


def cache_params(config: SummarizeConfig, model_id: str) -> str:
    """What a cached summary depends on besides the text: backend options and the model."""
    from .stories import STORY_BACKENDS

    options = getattr(config, "extractive" if config.backend in STORY_BACKENDS else config.backend, None)
    payload = {
        "max_sentences": config.max_sentences,
        "model": model_id,
        "options": options.model_dump(mode="json") if options is not None else {},
    }
    if config.backend == "seq2seq":  # what the guard lets through, and how chunks are made, shape the summary too
        from .seq2seq import VERSION

        payload.update(guard=config.guard.model_dump(mode="json"), version=VERSION)
    return json.dumps(payload, sort_keys=True)
