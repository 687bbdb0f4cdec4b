"""Extractive summaries: pick the article's most central early sentences. Faithful by construction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..config import ExtractiveConfig
from ..embed import Encoder
from ..models import Article, Summary
from .scorer import LinearScorer, sentence_features
from .sentences import split_sentences


@dataclass(frozen=True)
class _Doc:
    article: Article
    sentences: list[str]


def candidate_sentences(text: str, limit: int) -> list[str]:
    """The sentences a summary may use: the first ``limit`` of three words or more."""
    return [s for s in split_sentences(text) if len(s.split()) >= 3][:limit]


def _document(article: Article, limit: int) -> _Doc:
    return _Doc(article, candidate_sentences(article.text, limit))


def _summary(article: Article, sentences: Sequence[str], backend: str) -> Summary:
    return Summary(content_hash=article.content_hash, text=" ".join(sentences), backend=backend,
                   sentences=tuple(sentences))


class LeadSummarizer:
    """The first sentences: the classic news baseline, no model."""

    name = "lead"
    model_id = "none"

    def summarize(self, articles: Sequence[Article], *, max_sentences: int) -> list[Summary]:
        return [_summary(a, _document(a, max_sentences).sentences, self.name) for a in articles]


class ExtractiveSummarizer:
    """Picks the best-scored sentences on MiniLM sentence embeddings.

    Two scorers: ``learned`` (default), a logistic regression over the embeddings and position
    features trained on CNN/DailyMail (see ``scorer.py``), and ``centrality``, an untrained mix of
    closeness to the document centroid, position and similarity to the title. All articles'
    sentences are embedded in one length-sorted batch stream, which pads far less than one batch
    per article.
    """

    name = "extractive"

    def __init__(self, config: ExtractiveConfig, encoder: Encoder) -> None:
        self.config = config
        self.encoder = encoder
        self._scorer: LinearScorer | None = None

    @property
    def model_id(self) -> str:
        return self.encoder.model_id

    @property
    def scorer(self) -> LinearScorer:
        if self._scorer is None:
            self._scorer = LinearScorer.load(self.config.scorer_path)
        return self._scorer

    def summarize(self, articles: Sequence[Article], *, max_sentences: int) -> list[Summary]:
        docs = [_document(a, self.config.max_sentences_scored) for a in articles]
        with_title = self.config.scorer == "centrality"
        texts: list[str] = []
        for doc in docs:
            if len(doc.sentences) > max_sentences:
                texts.extend([doc.article.title] if with_title else [])
                texts.extend(doc.sentences)
        vectors = self.encoder.encode(texts) if texts else np.zeros((0, 0), dtype=np.float32)
        summaries: list[Summary] = []
        cursor = 0
        for doc in docs:
            if len(doc.sentences) <= max_sentences:
                summaries.append(_summary(doc.article, doc.sentences, self.name))
                continue
            title_vec = vectors[cursor] if with_title else None
            cursor += int(with_title)
            sentence_vecs = vectors[cursor : cursor + len(doc.sentences)]
            cursor += len(doc.sentences)
            scores = self.scores(doc.sentences, sentence_vecs, title_vec)
            chosen = self.select(scores, sentence_vecs, max_sentences, doc.sentences)
            summaries.append(_summary(doc.article, [doc.sentences[i] for i in chosen], self.name))
        return summaries

    def scores(self, sentences: list[str], sentence_vecs: np.ndarray, title_vec: np.ndarray | None) -> np.ndarray:
        """A score per sentence; higher is more summary-worthy."""
        if self.config.scorer == "learned":
            return self.scorer.score(sentence_features(sentences, sentence_vecs))
        centroid = sentence_vecs.mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        centrality = sentence_vecs @ centroid
        position = 1.0 / np.sqrt(np.arange(1, len(sentence_vecs) + 1))
        title_sim = sentence_vecs @ title_vec if title_vec is not None else 0.0
        c = self.config
        return c.centrality_weight * centrality + c.position_weight * position + c.title_weight * title_sim

    def select(self, scores: np.ndarray, sentence_vecs: np.ndarray, k: int,
               sentences: Sequence[str] | None = None) -> list[int]:
        """Indices of the top-``k`` sentences in document order.

        A sentence is skipped when it lies beyond the first ``candidates``, when its embedding is
        nearly the same as a chosen one's, or when it shares a word trigram with a chosen one
        (trigram blocking, as in BertSumExt: it was worth over 1 ROUGE-1 point on CNN/DailyMail).
        """
        limit = self.config.candidates or len(scores)
        grams = [_trigrams(s) for s in sentences] if sentences is not None else None
        chosen: list[int] = []
        for index in np.argsort(-scores, kind="stable"):
            if len(chosen) == k:
                break
            if index >= limit:
                continue
            if any(float(sentence_vecs[index] @ sentence_vecs[j]) > self.config.redundancy for j in chosen):
                continue
            if grams is not None and any(grams[index] & grams[j] for j in chosen):
                continue
            chosen.append(int(index))
        return sorted(chosen)


def _trigrams(sentence: str) -> set[tuple[str, ...]]:
    words = sentence.lower().split()
    return set(zip(words, words[1:], words[2:], strict=False))
