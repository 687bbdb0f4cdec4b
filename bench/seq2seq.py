"""The seq2seq backend on CNN/DailyMail: ROUGE of its summaries (before and after the guard) against Lead-3 and
the extractive summary, what the guard drops, seconds per article, load time and peak RSS.

Needs ``--model``: a local BART / T5 / PEGASUS folder or a Hugging Face id already in the local cache (nothing
is downloaded); without one the task says so and skips. Each article is summarized exactly as the pipeline
does it (sentence-boundary chunks within the model's input limit, beam search, joined and re-summarized
when long); the guard checks each summary against its article.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from typing import Any

from .common import table, write_result
from .generated import articles_of, examples, first_rows, guard_texts, peak_rss_mb, print_examples, rouge_scores


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None,
                        help="summarize.model: a local BART/T5/PEGASUS folder or a cached Hugging Face id (required)")
    parser.add_argument("--articles", type=int, default=30, help="articles (default 30)")
    parser.add_argument("--num-beams", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--show", type=int, default=3, help="print this many summaries with what the guard removed")


def run(args: argparse.Namespace) -> int:
    if not args.model:
        print("bench seq2seq: skipped: no local model given (pass --model with a BART, T5 or PEGASUS folder or a "
              "Hugging Face id already in the local cache)")
        return 0
    from briefing.config import SummarizeConfig
    from briefing.embed import Encoder
    from briefing.summarize import split_sentences
    from briefing.summarize.extractive import ExtractiveSummarizer
    from briefing.summarize.seq2seq import Seq2SeqSummarizer
    from briefing.summarize.stories import guard_from_config

    rows = first_rows(args)
    config = SummarizeConfig(backend="seq2seq", model=args.model, threads=args.threads, time_budget_s=1e9,
                             seq2seq={"num_beams": args.num_beams, "max_new_tokens": args.max_new_tokens})
    encoder = Encoder()
    extractive = ExtractiveSummarizer(config.extractive, encoder)
    guard = guard_from_config(config, encoder)
    summarizer = Seq2SeqSummarizer(config, fallback=extractive, guard=guard)
    articles = articles_of(rows)
    ext = extractive.summarize(articles, max_sentences=3)
    leads = [split_sentences(r["article"])[:3] for r in rows]

    rss_before = peak_rss_mb()
    summarizer.load()
    load_s = summarizer.load_seconds or 0.0
    summarizer.start_run()
    started = time.perf_counter()
    texts = summarizer.texts(articles, 3)
    generate_s = time.perf_counter() - started
    rss_model = peak_rss_mb()

    guarded = guard_texts(guard, texts, rows, ext, "seq2seq")
    generated, verdicts, guard_s = guarded.generated, guarded.verdicts, guarded.seconds
    scores = rouge_scores({"lead3": leads, "extractive": [list(e.sentences) for e in ext],
                           "seq2seq (raw)": generated, "seq2seq + guard": guarded.final}, rows)

    total = sum(len(g) for g in generated)
    dropped = Counter(d.reason for v in verdicts for d in v.dropped)
    fallbacks = sum(v.backend != "seq2seq" for v in verdicts)
    per_article = generate_s / max(len(rows), 1)
    print(f"seq2seq backend on {len(rows)} CNN/DM articles, model {summarizer.model_id} "
          f"(input limit {summarizer.limit} tokens, {args.num_beams} beams)")
    print(table(["system", "R1", "R2", "RLsum"], [[n, s["rouge1"], s["rouge2"], s["rougeLsum"]]
                                                  for n, s in scores.items()]))
    print(f"generated sentences {total}; guard dropped {sum(dropped.values())} ({dict(dropped)}); "
          f"{fallbacks} of {len(rows)} summaries fell back to extractive")
    print(f"load {load_s:.1f} s; generation {per_article:.2f} s/article in {summarizer.generate_calls} generate() "
          f"calls; guard {guard_s / max(len(rows), 1):.3f} s/article; peak RSS {rss_model:.0f} MB "
          f"(before the model {rss_before:.0f} MB)")
    print_examples(texts, ext, guarded, args.show)
    payload: dict[str, Any] = {
        "articles": len(rows), "model": summarizer.model_id, "input_limit": summarizer.limit,
        "num_beams": args.num_beams, "rouge": scores, "generated_sentences": total, "dropped": dict(dropped),
        "fallbacks": fallbacks, "load_s": load_s, "seconds_per_article": per_article,
        "generate_calls": summarizer.generate_calls, "guard_s_per_article": guard_s / max(len(rows), 1),
        "peak_rss_mb": rss_model,
        "examples": examples(texts, guarded),
    }
    write_result(args.out, "seq2seq", payload, getattr(args, "argv", None))
    return 0

