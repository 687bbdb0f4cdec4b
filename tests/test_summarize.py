from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.config import ExtractiveConfig, SummarizeConfig
from briefing.embed import Encoder
from briefing.errors import ConfigError
from briefing.summarize import cache_params, make_summarizer, split_sentences
from briefing.summarize.extractive import ExtractiveSummarizer

from .helpers import article, tiny_bert

TEXT = (
    "The central bank raised rates by a quarter point on Tuesday. "
    "Officials said inflation remained too high for comfort. "
    "Markets had expected the move after weeks of signals. "
    "The decision was the third increase this year. "
    "Analysts at Dr. Lee's firm said growth would slow in the U.S. and abroad."
)


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> Encoder:
    return Encoder(str(tiny_bert(tmp_path_factory.mktemp("tiny"))))


def test_splits_prose_keeping_abbreviations() -> None:
    sentences = split_sentences(TEXT)
    assert len(sentences) == 5
    assert sentences[-1].startswith("Analysts at Dr. Lee's firm")
    assert sentences[-1].endswith("U.S. and abroad.")


def test_splits_tokenized_lowercase_text_like_cnndm() -> None:
    text = "( cnn ) the man said . he left -- quickly ! `` what ? '' she asked . the end"
    assert split_sentences(text) == ["( cnn ) the man said .", "he left -- quickly !", "`` what ? ''",
                                     "she asked .", "the end"]


def test_paragraphs_always_end_a_sentence() -> None:
    assert split_sentences("A headline without a stop\n\nThe body starts here.") == [
        "A headline without a stop", "The body starts here."]


@given(st.text())
def test_splitting_never_loses_words(text: str) -> None:
    assert " ".join(split_sentences(text)).split() == text.split()


def test_extractive_summary_is_made_of_source_sentences_in_order(encoder: Encoder) -> None:
    # A random tiny model embeds all sentences alike, so switch off the near-duplicate filter here.
    summarizer = make_summarizer(SummarizeConfig(extractive=ExtractiveConfig(redundancy=1.0)), encoder)
    [summary] = summarizer.summarize([article(1, "Central bank raises rates", TEXT)], max_sentences=2)
    source = split_sentences(TEXT)
    assert len(summary.sentences) == 2
    assert all(s in source for s in summary.sentences)
    assert [source.index(s) for s in summary.sentences] == sorted(source.index(s) for s in summary.sentences)
    assert summary.text == " ".join(summary.sentences)
    assert summary.backend == "extractive"


def test_short_articles_are_kept_whole_without_the_model(tmp_path: Path) -> None:
    encoder = Encoder(str(tmp_path / "no-model-here"))
    summarizer = make_summarizer(SummarizeConfig(), encoder)
    [summary] = summarizer.summarize([article(1, "Short", "One sentence here. Another one there.")],
                                     max_sentences=3)
    assert summary.sentences == ("One sentence here.", "Another one there.")
    assert not encoder.loaded


def test_batches_across_articles_give_the_same_summaries_as_one_by_one(encoder: Encoder) -> None:
    summarizer = make_summarizer(SummarizeConfig(), encoder)
    docs = [article(i, f"Story {i}", " ".join(TEXT.split(". ")[i % 5 :]) + " " + TEXT) for i in range(6)]
    together = summarizer.summarize(docs, max_sentences=2)
    alone = [summarizer.summarize([d], max_sentences=2)[0] for d in docs]
    assert together == alone


def test_selection_skips_near_duplicate_sentences() -> None:
    summarizer = ExtractiveSummarizer(ExtractiveConfig(redundancy=0.9), encoder=Encoder("unused"))
    a = np.array([1.0, 0.0, 0.0])
    vectors = np.stack([a, a, np.array([0.6, 0.8, 0.0]), np.array([0.0, 0.0, 1.0])]).astype(np.float32)
    chosen = summarizer.select(vectors, title_vec=a.astype(np.float32), k=2)
    assert chosen == [0, 2]  # sentence 1 repeats sentence 0


def test_lead_backend_takes_the_first_sentences() -> None:
    summarizer = make_summarizer(SummarizeConfig(backend="lead"), Encoder("unused"))
    [summary] = summarizer.summarize([article(1, "t", TEXT)], max_sentences=2)
    assert summary.sentences == tuple(split_sentences(TEXT)[:2])


def test_unknown_backend_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="summarize.backend: unknown backend 'magic'"):
        make_summarizer(SummarizeConfig(backend="magic"), Encoder("unused"))


def test_cache_params_change_with_what_changes_the_output() -> None:
    base = cache_params(SummarizeConfig(), "m")
    assert cache_params(SummarizeConfig(), "m") == base
    assert cache_params(SummarizeConfig(max_sentences=2), "m") != base
    assert cache_params(SummarizeConfig(), "other-model") != base
    assert cache_params(SummarizeConfig(extractive=ExtractiveConfig(position_weight=0.1)), "m") != base
