"""Real stories side by side: the extractive summary, the instruct brief, and what the guard removed and why.

Data: the ``daily/`` snapshots of the season (``bench/season.py`` explains the replay). The days from
``--start-day`` are replayed through the real ``Pipeline`` with ``summarize.backend = "instruct"``:
the first ``--warmup`` days with no brief asked (``instruct.max_stories = 0``: they only give the store
a history, so that later stories can be updates), then days with ``--per-day`` briefs each, until
``--stories`` stories have one. The time budget is lifted (``--time-budget``, default one hour) so that
no story keeps its extractive summary because the machine is slow.

For each briefed story the table shows its status, headline and sources, the extractive summary the
pipeline held for it (what the briefing shows without the model), the model's text as written, what the
guard kept, and each dropped sentence with the rule and detail. It is written as ``briefs.md`` (a
markdown table, for docs/BENCHMARKS.md) and ``briefs.json`` in ``--out``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .common import snapshots, write_config, write_result
from .generated import peak_rss_mb
from .season import replay


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start-day", type=date.fromisoformat, default=date(2025, 6, 2),
                        help="first snapshot day replayed (default 2025-06-02, a Monday)")
    parser.add_argument("--warmup", type=int, default=2, help="days replayed first with no brief (default 2)")
    parser.add_argument("--stories", type=int, default=20, help="stories to brief in all (default 20)")
    parser.add_argument("--per-day", type=int, default=10, help="briefs per day: instruct.max_stories (default 10)")
    parser.add_argument("--model", default=None, help="summarize.model (default: the packaged SmolLM2 GGUF)")
    parser.add_argument("--time-budget", type=float, default=3600.0,
                        help="summarize.time_budget_s per day (default 3600: no story left for lack of time)")


@dataclass
class Row:
    """One briefed story."""

    day: str
    status: str
    title: str
    outlets: list[str]
    extractive: str
    written: str | None  # the model's text as it wrote it
    shown: str  # what the briefing shows: the guarded brief, or the extractive summary on a fallback
    backend: str
    dropped: list[dict[str, str]] = field(default_factory=list)
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _cell(text: str | None, limit: int = 600) -> str:
    """``text`` as one markdown table cell: no newlines, pipes escaped, cut at ``limit`` characters."""
    flat = " ".join((text or "").split()).replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def markdown_table(rows: Sequence[Row]) -> str:
    """The side-by-side table: one line per story."""
    lines = ["| # | day | status | story (sources) | extractive | instruct, as written | the guard removed |",
             "|---|---|---|---|---|---|---|"]
    for number, row in enumerate(rows, start=1):
        removed = "; ".join(f"[{d['reason']}] {d['sentence']} ({d['detail']})" for d in row.dropped)
        if row.backend == "extractive" and row.reason:
            removed = (removed + "; " if removed else "") + f"**fell back to extractive**: {row.reason}"
        lines.append("| " + " | ".join([
            str(number), row.day, row.status, _cell(f"{row.title} ({', '.join(row.outlets)})", 200),
            _cell(row.extractive), _cell(row.written), _cell(removed or "nothing", 900)]) + " |")
    return "\n".join(lines) + "\n"


class _Capture:
    """Wraps a pipeline's ``brief`` and its writer's ``write`` to keep what went in and what came out."""

    def __init__(self, pipeline: Any) -> None:
        self.pipeline = pipeline
        self.rows: list[Row] = []
        self.day = ""
        self.texts: dict[str, str | None] = {}  # the model's text by the digest of its prompt's material
        original = pipeline.brief

        def brief(ranked: Sequence[Any], summaries: dict[str, Any], now: Any) -> Any:
            from briefing.summarize.stories import story_input

            self._wrap_writer()
            before = {id(r.story): (r.summary, story_input(r, summaries).digest()) for r in ranked}
            shown, notes = original(ranked, summaries, now)
            self._record(shown, before)
            return shown, notes

        pipeline.brief = brief

    def _wrap_writer(self) -> None:
        writer = self.pipeline.writer
        if getattr(writer, "_bench_wrapped", False):
            return
        write: Callable[..., list[str | None]] = writer.write

        def wrapped(stories: Sequence[Any], **kwargs: Any) -> list[str | None]:
            texts = write(stories, **kwargs)
            self.texts.update({s.digest(): t for s, t in zip(stories, texts, strict=True)})
            return texts

        writer.write = wrapped
        writer._bench_wrapped = True

    def _record(self, shown: Sequence[Any], before: dict[int, tuple[str, str]]) -> None:
        for ranked in shown:
            if ranked.guard is None:  # not asked: a repeat, or past max_stories
                continue
            extractive, digest = before[id(ranked.story)]
            outlets = sorted({s.outlet for a in ranked.story.articles for s in a.sources if s.outlet})
            self.rows.append(Row(day=self.day, status=ranked.status, title=ranked.story.lead.title, outlets=outlets,
                                 extractive=extractive, written=self.texts.get(digest), shown=ranked.summary,
                                 backend=ranked.summary_backend or "", dropped=list(ranked.guard.get("dropped", [])),
                                 reason=ranked.guard.get("reason")))


def run(args: argparse.Namespace) -> int:
    from briefing.config import load_config
    from briefing.pipeline import Pipeline

    by_day = snapshots(args.data)
    days = [d for d in by_day if d >= args.start_day]
    if len(days) < args.warmup + 2:
        print(f"bench briefs: need {args.warmup + 2} snapshot days from {args.start_day}; the data has {len(days)}")
        return 2
    feeds = sorted({feed for d in days for feed in by_day[d]})
    workdir = Path(tempfile.mkdtemp(prefix="bench-briefs-"))
    (workdir / "feeds").mkdir()
    sections = {"store": {"keep_days": 400}, "briefing": {"max_stories": 25},
                "summarize": {"backend": "instruct", "time_budget_s": args.time_budget,
                              **({"model": args.model} if args.model else {})}}
    config = load_config(write_config(workdir / "briefs.toml", [(f, f"feeds/{f}.xml") for f in feeds], sections))
    pipeline = Pipeline(config)
    capture = _Capture(pipeline)
    started = time.perf_counter()
    brief_seconds = 0.0
    try:
        for index, briefing_day, now in replay(days, by_day, workdir / "feeds"):
            asked = 0 if index <= args.warmup else min(args.per_day, args.stories - len(capture.rows))
            summarize = pipeline.config.summarize
            pipeline.config = pipeline.config.model_copy(update={"summarize": summarize.model_copy(
                update={"instruct": summarize.instruct.model_copy(update={"max_stories": asked})})})
            capture.day = briefing_day.isoformat()
            t = time.perf_counter()
            pipeline.run(briefing_day, now=now, email=False)
            if asked:
                brief_seconds += time.perf_counter() - t
                print(f"  {briefing_day}: {len(capture.rows)} stories briefed so far", flush=True)
            if len(capture.rows) >= args.stories:
                break
        model_id = pipeline.writer.model_id
    finally:
        pipeline.close()
        shutil.rmtree(workdir, ignore_errors=True)
    rows = capture.rows[: args.stories]
    return report(args, rows, model_id, time.perf_counter() - started, brief_seconds)


def report(args: argparse.Namespace, rows: list[Row], model_id: str, total_s: float, brief_s: float) -> int:
    dropped = Counter(d["reason"] for r in rows for d in r.dropped)
    fallbacks = sum(r.backend != "instruct" for r in rows)
    written = sum(r.written is not None for r in rows)
    print(f"{len(rows)} stories briefed by {model_id}; the guard dropped {sum(dropped.values())} sentences "
          f"({dict(dropped)}); {fallbacks} fell back to extractive; {written} written by the model this run")
    print(f"{total_s:.0f} s in all, {brief_s:.0f} s on the briefed days; peak RSS {peak_rss_mb():.0f} MB")
    table = markdown_table(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "briefs.md").write_text(table, encoding="utf-8")
    print(f"table: {args.out / 'briefs.md'}")
    write_result(args.out, "briefs", {
        "model": model_id, "stories": len(rows), "dropped": dict(dropped), "fallbacks": fallbacks,
        "seconds": total_s, "briefed_days_seconds": brief_s, "peak_rss_mb": peak_rss_mb(),
        "rows": [r.to_dict() for r in rows],
    }, getattr(args, "argv", None))
    return 0
