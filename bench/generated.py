"""What the benches of generated summaries (``instruct``, ``seq2seq``) share: the CNN/DM rows and their articles,
the guard's verdicts on generated text, ROUGE against Lead-3 and the extractive summary, the printed examples."""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .common import read_jsonl, require

DATA_FILE = "cnndm/test_even.jsonl.gz"
METRICS = ("rouge1", "rouge2", "rougeLsum")
_PUBLISHED = datetime(2015, 4, 1, tzinfo=UTC)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def first_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The first ``--articles`` rows (at most ``--limit``) of the CNN/DM half the benches use."""
    path = require(args.data, DATA_FILE)
    count = min(args.articles, args.limit) if args.limit else args.articles
    rows: list[dict[str, Any]] = []
    for row in read_jsonl(path):
        rows.append(row)
        if len(rows) == count:
            break
    return rows


def articles_of(rows: list[dict[str, Any]]) -> list[Any]:
    """One untitled article per row, as the summarizers take them."""
    from briefing.models import Article
    from briefing.store import content_hash

    return [Article(id=i, title="", text=r["article"], url=None, published=_PUBLISHED,
                    content_hash=content_hash("", r["article"])) for i, r in enumerate(rows)]


@dataclass
class Guarded:
    """Generated texts split into sentences and what the guard kept of each."""

    generated: list[list[str]]
    verdicts: list[Any]
    final: list[list[str]]
    seconds: float


def guard_texts(guard: Any, texts: list[str | None], rows: list[dict[str, Any]], extractive: list[Any],
                backend: str) -> Guarded:
    """Check each generated text against its whole article; a text the guard leaves too short falls back to the
    extractive summary."""
    from briefing.summarize.stories import generated_sentences

    generated = [generated_sentences(t or "", 3) for t in texts]
    started = time.perf_counter()
    checks = guard.check_many([(g, [r["article"]]) for g, r in zip(generated, rows, strict=True)])
    seconds = time.perf_counter() - started
    verdicts = [guard.apply(g, c, backend=backend, fallback=list(e.sentences))
                for g, c, e in zip(generated, checks, extractive, strict=True)]
    return Guarded(generated, verdicts, [list(v.kept) for v in verdicts], seconds)


def rouge_scores(systems: dict[str, list[list[str]]], rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean ROUGE F1 (x100) of each system's sentences against the rows' highlights."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    scores: dict[str, dict[str, float]] = {}
    for name, outputs in systems.items():
        per: dict[str, list[float]] = {m: [] for m in METRICS}
        for sentences, r in zip(outputs, rows, strict=True):
            result = scorer.score(r["highlights"], "\n".join(sentences))
            for m in METRICS:
                per[m].append(result[m].fmeasure)
        scores[name] = {m: 100 * float(np.mean(v)) for m, v in per.items()}
    return scores


def print_examples(texts: list[str | None], extractive: list[Any], guarded: Guarded, show: int) -> None:
    for k in range(min(show, len(texts))):
        print(f"\n[{k}] extractive: {' '.join(extractive[k].sentences)[:300]}\n    model: {texts[k]}\n"
              f"    kept ({guarded.verdicts[k].backend}): {' '.join(guarded.final[k])[:300]}")
        for d in guarded.verdicts[k].dropped:
            print(f"    dropped [{d.reason}] {d.sentence[:120]} -- {d.detail[:100]}")


def examples(texts: list[str | None], guarded: Guarded) -> list[dict[str, Any]]:
    return [{"model": t, "kept": f, "backend": v.backend, "dropped": [d.to_dict() for d in v.dropped]}
            for t, f, v in zip(texts, guarded.final, guarded.verdicts, strict=True)]
