"""Rank stories by novelty against the recent past, and say why. Pure: history and time are handed in."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from .config import RankConfig
from .models import HistoryItem, RankedStory, Status, Story

_NOT_EVENTS = re.compile(
    r"\bfirst[- ](?:quarter|half|round|lady|minister|day|week|month|year|step|look|glance|class|"
    r"hand|name|place|aid|person|of its kind|set|batch|reading|pass|glimpse|impression)s?\b"
    # "the first rise since 2019", "the first set of data since the tariffs": a comparison, not a first-ever
    r"|\bfirst\b[^.;:]{0,60}?\bsince\b",
    re.IGNORECASE,
)
_TERM = re.compile(r"(?<![\w.])(?:[A-Z][\w'’-]*[A-Za-z]|[A-Z]{2,}|\d[\d,.]*%?)")
_SENTENCE_STARTERS = frozenset(
    "The A An In On At As After Before But And Or If When While With For From By To Of It Its This That "
    "These Those He She They We I You His Her Their Our Mr Mrs Ms Dr Update Breaking Live Watch Video "
    "Opinion ".split()
)


def key_terms(text: str) -> frozenset[str]:
    """Names and numbers in ``text``: a cheap stand-in for entities that needs no model."""
    terms = set()
    for match in _TERM.finditer(text):
        term = match.group(0).strip(".,")
        if term in _SENTENCE_STARTERS or len(term) < 2:
            continue
        terms.add(term.lower())
    return frozenset(terms)


def first_cue(text: str, cues: Sequence[str]) -> str | None:
    """The first-time cue phrase in ``text``, longest match first; ignores 'first quarter' and the like."""
    cleaned = _NOT_EVENTS.sub(" ", text)
    for cue in sorted(cues, key=len, reverse=True):
        if re.search(rf"(?<![\w-]){re.escape(cue)}(?![\w-])", cleaned, re.IGNORECASE):
            return cue
    return None


@dataclass(frozen=True)
class _Match:
    similarity: float
    item: HistoryItem | None
    known_terms: frozenset[str]


def _closest_all(stories: Sequence[Story], history: Sequence[HistoryItem], now: datetime,
                 config: RankConfig) -> list[_Match]:
    """For every story at once: the most similar history item (age-decayed) and the terms already known."""
    if not history or not stories:
        return [_Match(0.0, None, frozenset()) for _ in stories]
    matrix = np.asarray([item.vector for item in history], dtype=np.float32)
    ages = np.array([(now - item.published).total_seconds() / 86400 for item in history], dtype=np.float32)
    # An old match weighs less: a story last seen two weeks ago and back today is closer to news.
    decay = 1.0 - 0.3 * np.clip(ages / config.history_days, 0.0, 1.0)
    raw = np.asarray([story.vector for story in stories], dtype=np.float32) @ matrix.T
    effective = raw * decay
    matches = []
    for row, eff_row in zip(raw, effective, strict=True):
        best = int(np.argmax(eff_row))
        related = np.flatnonzero(row >= config.new_below)
        known = frozenset().union(*(history[i].terms for i in related)) if len(related) else frozenset()
        matches.append(_Match(float(eff_row[best]), history[best], known))
    return matches


def rank_stories(
    stories: Sequence[Story],
    history: Sequence[HistoryItem],
    summaries: Mapping[int, str],
    now: datetime,
    config: RankConfig,
) -> list[RankedStory]:
    """Score, label and order today's stories.

    Args:
        stories: today's stories.
        history: past articles (before today's window) with their vectors and key terms.
        summaries: summary text by lead article id.
        now: the start of today's window; history ages are measured from it.
        config: weights and thresholds.

    Returns:
        New and updated stories by score, then repeats by score; ranks 1..n in that order.
    """
    weights = config.weights
    scored: list[tuple[int, float, RankedStory]] = []
    for story, match in zip(stories, _closest_all(stories, history, now, config), strict=True):
        lead_text = " ".join(story.lead.text.split()[:60])
        cue = first_cue(" ".join(a.title for a in story.articles), config.first_cues) or first_cue(
            lead_text, config.first_cues
        )
        terms = key_terms(" ".join([*(a.title for a in story.articles), lead_text]))
        fresh_terms = sorted(terms - match.known_terms) if match.item else []
        outlets = len(story.outlets)
        novelty = max(0.0, 1.0 - match.similarity)
        coverage = min(1.0, math.log1p(outlets) / math.log1p(10))
        fresh_share = min(1.0, len(fresh_terms) / 4)
        score = (
            weights.novelty * novelty
            + weights.first_cue * (1.0 if cue else 0.0)
            + weights.coverage * coverage
            + weights.new_terms * fresh_share
        )

        status: Status
        reasons: list[str] = []
        matched = match.item.title if match.item else None
        new_numbers = [t for t in fresh_terms if t[0].isdigit()]
        cue_in_title = bool(cue) and first_cue(story.lead.title, [cue]) is not None
        material = bool(cue) or len(fresh_terms) >= 2 or bool(new_numbers)
        if match.item is None or match.similarity < config.new_below:
            status = "new"
            reasons.append(f"new: no similar story in {config.history_days} days")
        elif match.similarity < config.repeat_above and material:
            status = "update"
            shown = ", ".join(fresh_terms[:4]) or f"'{cue}'"
            reasons.append(f"update of '{_short(matched)}' ({match.similarity:.2f}); new: {shown}")
        elif match.similarity >= config.repeat_above and (new_numbers or cue_in_title):
            # Near-identical wording: only a new number or a first-time cue in the headline counts.
            status = "update"
            shown = ", ".join(new_numbers[:4]) or f"'{cue}'"
            reasons.append(f"update of '{_short(matched)}' ({match.similarity:.2f}); new: {shown}")
        else:
            status = "repeat"
            reasons.append(f"seen before: '{_short(matched)}' ({match.similarity:.2f})")
        if cue:
            reasons.append(f"'{cue}' cue")
        reasons.append(f"{outlets} source{'s' if outlets != 1 else ''}")
        group = 1 if status == "repeat" else 0
        ranked = RankedStory(
            story=story,
            rank=0,
            status=status,
            score=round(score, 6),
            novelty=round(novelty, 6),
            reasons=tuple(reasons),
            summary=summaries.get(story.lead.id, ""),
            matched_title=matched,
        )
        scored.append((group, -score, ranked))
    scored.sort(key=lambda entry: (entry[0], entry[1], entry[2].story.lead.id))
    return [replace(ranked, rank=i) for i, (_, _, ranked) in enumerate(scored, start=1)]


def _short(title: str | None, words: int = 9) -> str:
    parts = (title or "").split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")
