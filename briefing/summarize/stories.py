"""Briefs for the top stories from a generating backend, each passed through the guard, cached in the store.

The pipeline calls ``brief_stories`` after ranking. Stories past ``max_stories``, repeats, stories
left when the time budget runs out, and briefs the guard cuts too short keep their extractive
summaries; every story records the backend actually used and the guard's verdict.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ..models import Article, RankedStory, Summary
from .guard import Guard, GuardSettings, Verdict
from .instruct import PROMPT_VERSION, SourceText, StoryInput
from .sentences import split_sentences

if TYPE_CHECKING:
    from ..config import SummarizeConfig
    from ..store import Caches

STORY_BACKENDS = ("instruct",)
"""Backends that write one brief per story (the others summarize each article)."""


class Writer(Protocol):
    name: str

    @property
    def model_id(self) -> str: ...

    def write(self, stories: Sequence[StoryInput], *, max_sentences: int = 3, deadline: float | None = None,
              on_batch: Callable[[int], None] | None = None) -> list[str | None]: ...


@dataclass
class BriefReport:
    """What ``brief_stories`` did, for the footer and the run's stats."""

    asked: int = 0
    written: int = 0  # by the model this run
    cached: int = 0
    guard_fallbacks: int = 0  # the guard left too little: extractive used
    out_of_time: int = 0  # the time budget ran out first: extractive used
    dropped_sentences: int = 0
    notes: list[str] = field(default_factory=list)


_MARKUP = re.compile(r"^\s*(?:[-*•]\s+|\d+[.)]\s+|#+\s*|(?:brief|summary)\s*:\s*|\[\d+\]\s*)", re.IGNORECASE)


def generated_sentences(text: str, limit: int) -> list[str]:
    """The model's text as at most ``limit`` distinct sentences, list markers and labels removed."""
    text = text.replace("**", "").replace("__", "")
    lines = [_MARKUP.sub("", line).strip() for line in text.splitlines()]
    sentences = [s for s in split_sentences("\n\n".join(line for line in lines if line))
                 if len(s.split()) >= 3 and not s.rstrip().endswith(":")]  # "...in the following paragraphs:"
    return list(dict.fromkeys(sentences))[:limit]  # small models repeat themselves


def story_input(ranked: RankedStory, summaries: dict[str, Summary]) -> StoryInput:
    """The prompt's material: each article's outlet, title and extractive summary (or opening); the
    matched earlier story's title for an update or development."""
    sources = []
    for article in ranked.story.articles:
        summary = summaries.get(article.content_hash)
        text = summary.text if summary is not None else " ".join(article.text.split()[:80])
        outlet = article.sources[0].outlet if article.sources else "Source"
        sources.append(SourceText(outlet=outlet, title=article.title, text=text))
    earlier = ranked.matched_title if ranked.status in ("update", "development") else None
    return StoryInput(sources=tuple(sources), earlier=earlier)


def guard_sources(ranked: RankedStory) -> list[str]:
    """What a brief is checked against: every article's title and text, its outlets' names, and the matched
    earlier title."""
    texts = [f"{a.title}.\n\n{a.text}" if a.text else a.title for a in ranked.story.articles]
    outlets = sorted({src.outlet for a in ranked.story.articles for src in a.sources if src.outlet})
    if outlets:  # the prompt names each source's outlet: "The Daily Ledger reported" is attributable
        texts.append("Reported by " + ", ".join(outlets) + ".")
    if ranked.matched_title and ranked.status in ("update", "development"):
        texts.append(ranked.matched_title)
    return texts


def _params(config: SummarizeConfig, writer: Writer, story: StoryInput) -> str:
    return json.dumps({
        "kind": "story", "prompt": PROMPT_VERSION, "model": writer.model_id, "story": story.digest(),
        "max_sentences": config.max_sentences, "options": config.instruct.model_dump(mode="json"),
        "guard": config.guard.model_dump(mode="json"),
    }, sort_keys=True)


def _lead(ranked: RankedStory) -> Article:
    return ranked.story.lead


def brief_stories(ranked: Sequence[RankedStory], summaries: dict[str, Summary], *, writer: Writer, guard: Guard,
                  config: SummarizeConfig, store: Caches | None = None, now: datetime | None = None,
                  progress: Callable[[int], None] | None = None) -> tuple[list[RankedStory], BriefReport]:
    """``ranked`` with briefs for its first ``config.instruct.max_stories`` stories that are not repeats.

    Every story comes back with ``summary_backend`` and ``guard`` set: the generating backend's name when
    its brief (less what the guard dropped) is used, else ``extractive`` with the reason.
    """
    report = BriefReport()
    out = [replace(r, summary_backend="extractive") if r.summary_backend is None else r for r in ranked]
    chosen = [i for i, r in enumerate(out) if r.status != "repeat"][: config.instruct.max_stories]
    report.asked = len(chosen)
    if not chosen:
        return out, report
    inputs = {i: story_input(out[i], summaries) for i in chosen}
    params = {i: _params(config, writer, inputs[i]) for i in chosen}
    todo: list[int] = []
    for i in chosen:
        hit = store.cached_summaries([_lead(out[i]).content_hash], writer.name, params[i]) if store else {}
        cached = hit.get(_lead(out[i]).content_hash)
        if cached is not None and cached.note:
            note = json.loads(cached.note)
            out[i] = replace(out[i], summary=cached.text, summary_backend=note["backend"], guard=note["guard"])
            report.cached += 1
            report.dropped_sentences += len(note["guard"].get("dropped", []))
            report.guard_fallbacks += note["backend"] != writer.name
        else:
            todo.append(i)
    if not todo:
        return out, report
    deadline = time.monotonic() + config.time_budget_s
    texts = writer.write([inputs[i] for i in todo], max_sentences=config.max_sentences, deadline=deadline,
                         on_batch=progress)
    written = [(i, text) for i, text in zip(todo, texts, strict=True) if text is not None]
    sentences = {i: generated_sentences(text, config.max_sentences) for i, text in written}
    checks = guard.check_many([(sentences[i], guard_sources(out[i])) for i, _ in written])
    made: list[Summary] = []
    for (i, _), row in zip(written, checks, strict=True):
        fallback = summaries.get(_lead(out[i]).content_hash)
        fallback_sentences = list(fallback.sentences) if fallback is not None else [out[i].summary]
        verdict = guard.apply(sentences[i], row, backend=writer.name, fallback=fallback_sentences)
        text = " ".join(verdict.kept) if verdict.backend == writer.name else out[i].summary
        out[i] = replace(out[i], summary=text, summary_backend=verdict.backend, guard=verdict.to_dict())
        report.written += 1
        report.dropped_sentences += len(verdict.dropped)
        report.guard_fallbacks += verdict.backend != writer.name
        made.append(_cache_record(_lead(out[i]).content_hash, text, verdict, params[i]))
    late = [i for i, text in zip(todo, texts, strict=True) if text is None]
    for i in late:
        reason = f"time budget of {config.time_budget_s:g} s spent: extractive summary used"
        out[i] = replace(out[i], summary_backend="extractive", guard={"dropped": [], "reason": reason})
    report.out_of_time = len(late)
    if store is not None and now is not None:
        for record, (i, _) in zip(made, written, strict=True):
            store.save_summaries([record[0]], params[i], now)
    if late:
        report.notes.append(f"{len(late)} of {len(chosen)} stories kept extractive summaries: the "
                            f"{config.time_budget_s:g} s time budget for {writer.name} summaries ran out")
    return out, report


def _cache_record(content_hash: str, text: str, verdict: Verdict, params: str) -> tuple[Summary, str]:
    note = json.dumps({"backend": verdict.backend, "guard": verdict.to_dict()}, ensure_ascii=False)
    summary = Summary(content_hash=content_hash, text=text, backend="instruct", sentences=tuple(split_sentences(text)),
                      note=note)
    return summary, params


def guard_from_config(config: SummarizeConfig, encoder: Any) -> Guard:
    settings = GuardSettings(**config.guard.model_dump())
    return Guard(encoder, settings)


def report_note(report: BriefReport, writer_name: str) -> str:
    """One line for the footer: how many briefs the model wrote and what the guard did."""
    if not report.asked:
        return ""
    used = report.written + report.cached - report.guard_fallbacks
    line = (f"{used} of {report.asked} top stories summarized by {writer_name}; the faithfulness guard removed "
            f"{report.dropped_sentences} sentence{'s' if report.dropped_sentences != 1 else ''}")
    if report.guard_fallbacks:
        line += f" and sent {report.guard_fallbacks} back to extractive"
    if report.out_of_time:
        line += f"; {report.out_of_time} kept extractive summaries (time budget spent)"
    return line + "."
