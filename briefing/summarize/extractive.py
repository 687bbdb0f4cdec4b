"""Extractive summaries: pick the article's most central early sentences. Faithful by construction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..config import ExtractiveConfig
from ..embed import Encoder
from ..models import Article, Summary
from .sentences import split_sentences


@dataclass(frozen=True)
class _Doc:
    article: Article
    sentences: list[str]


def _document(article: Article, limit: int) -> _Doc:
    sentences = [s for s in split_sentences(article.text) if len(s.split()) >= 3][:limit]
    return _Doc(article, sentences)


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
    """Scores sentences by centrality, position and similarity to the title on MiniLM embeddings.

    All articles' sentences (and titles) are embedded in one length-sorted batch stream, which
    pads far less than one batch per article.
    """

    name = "extractive"

    def __init__(self, config: ExtractiveConfig, encoder: Encoder) -> None:
        self.config = config
        self.encoder = encoder

    @property
    def model_id(self) -> str:
        return self.encoder.model_name

    def summarize(self, articles: Sequence[Article], *, max_sentences: int) -> list[Summary]:
        docs = [_document(a, self.config.max_sentences_scored) for a in articles]
        texts: list[str] = []
        for doc in docs:
            if len(doc.sentences) > max_sentences:
                texts.append(doc.article.title)
                texts.extend(doc.sentences)
        vectors = self.encoder.encode(texts) if texts else np.zeros((0, 0), dtype=np.float32)
        summaries: list[Summary] = []
        cursor = 0
        for doc in docs:
            if len(doc.sentences) <= max_sentences:
                summaries.append(_summary(doc.article, doc.sentences, self.name))
                continue
            n = len(doc.sentences)
            title_vec = vectors[cursor]
            sentence_vecs = vectors[cursor + 1 : cursor + 1 + n]
            cursor += 1 + n
            chosen = self.select(sentence_vecs, title_vec, max_sentences)
            summaries.append(_summary(doc.article, [doc.sentences[i] for i in chosen], self.name))
        return summaries

    def scores(self, sentence_vecs: np.ndarray, title_vec: np.ndarray) -> np.ndarray:
        centroid = sentence_vecs.mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        centrality = sentence_vecs @ centroid
        position = 1.0 / np.sqrt(np.arange(1, len(sentence_vecs) + 1))
        title_sim = sentence_vecs @ title_vec
        c = self.config
        return c.centrality_weight * centrality + c.position_weight * position + c.title_weight * title_sim

    def select(self, sentence_vecs: np.ndarray, title_vec: np.ndarray, k: int) -> list[int]:
        """Indices of the top-``k`` sentences in document order, skipping near-duplicates."""
        scores = self.scores(sentence_vecs, title_vec)
        chosen: list[int] = []
        for index in np.argsort(-scores, kind="stable"):
            if len(chosen) == k:
                break
            if any(float(sentence_vecs[index] @ sentence_vecs[j]) > self.config.redundancy for j in chosen):
                continue
            chosen.append(int(index))
        return sorted(chosen)
