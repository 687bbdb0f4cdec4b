"""The seq2seq backend on CNN/DailyMail: ROUGE of its summaries (before and after the guard) against Lead-3 and
the extractive summary, what the guard drops, seconds per article, load time and peak RSS.

Needs ``--model``: a local BART / T5 / PEGASUS folder or a Hugging Face id already in the local cache (nothing
is downloaded); without one the task says so and skips. Each article is summarized exactly as the pipeline
does it (sentence-boundary chunks within the model's input limit, beam search, joined and re-summarized
when long); the guard checks each summary against its article.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import Counter
from typing import Any

import numpy as np

from .common import read_jsonl, require, table, write_result

DATA_FILE = "cnndm/test_even.jsonl.gz"
METRICS = ("rouge1", "rouge2", "rougeLsum")


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
    from rouge_score import rouge_scorer

    from briefing.config import SummarizeConfig
    from briefing.embed import Encoder
    from briefing.models import Article
    from briefing.store import content_hash
    from briefing.summarize import split_sentences
    from briefing.summarize.extractive import ExtractiveSummarizer
    from briefing.summarize.seq2seq import Seq2SeqSummarizer
    from briefing.summarize.stories import generated_sentences, guard_from_config

    path = require(args.data, DATA_FILE)
    count = min(args.articles, args.limit) if args.limit else args.articles
    rows = []
    for row in read_jsonl(path):
        rows.append(row)
        if len(rows) == count:
            break
    config = SummarizeConfig(backend="seq2seq", model=args.model, threads=args.threads, time_budget_s=1e9,
                             seq2seq={"num_beams": args.num_beams, "max_new_tokens": args.max_new_tokens})
    encoder = Encoder()
    extractive = ExtractiveSummarizer(config.extractive, encoder)
    guard = guard_from_config(config, encoder)
    summarizer = Seq2SeqSummarizer(config, fallback=extractive, guard=guard)
    articles = [Article(id=i, title="", text=r["article"], url=None, published=_when(),
                        content_hash=content_hash("", r["article"])) for i, r in enumerate(rows)]
    ext = extractive.summarize(articles, max_sentences=3)
    leads = [split_sentences(r["article"])[:3] for r in rows]

    rss_before = _peak_rss_mb()
    summarizer.load()
    load_s = summarizer.load_seconds or 0.0
    summarizer.start_run()
    started = time.perf_counter()
    texts = summarizer.texts(articles, 3)
    generate_s = time.perf_counter() - started
    rss_model = _peak_rss_mb()

    generated = [generated_sentences(t or "", 3) for t in texts]
    started = time.perf_counter()
    checks = guard.check_many([(g, [r["article"]]) for g, r in zip(generated, rows, strict=True)])
    guard_s = time.perf_counter() - started
    verdicts = [guard.apply(g, c, backend="seq2seq", fallback=list(e.sentences))
                for g, c, e in zip(generated, checks, ext, strict=True)]
    final = [list(v.kept) for v in verdicts]

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    systems = {"lead3": leads, "extractive": [list(e.sentences) for e in ext], "seq2seq (raw)": generated,
               "seq2seq + guard": final}
    scores: dict[str, dict[str, float]] = {}
    for name, outputs in systems.items():
        per: dict[str, list[float]] = {m: [] for m in METRICS}
        for sentences, r in zip(outputs, rows, strict=True):
            result = scorer.score(r["highlights"], "\n".join(sentences))
            for m in METRICS:
                per[m].append(result[m].fmeasure)
        scores[name] = {m: 100 * float(np.mean(v)) for m, v in per.items()}

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
    for k in range(min(args.show, len(rows))):
        print(f"\n[{k}] extractive: {' '.join(ext[k].sentences)[:300]}\n    model: {texts[k]}\n"
              f"    kept ({verdicts[k].backend}): {' '.join(final[k])[:300]}")
        for d in verdicts[k].dropped:
            print(f"    dropped [{d.reason}] {d.sentence[:120]} -- {d.detail[:100]}")
    payload: dict[str, Any] = {
        "articles": len(rows), "model": summarizer.model_id, "input_limit": summarizer.limit,
        "num_beams": args.num_beams, "rouge": scores, "generated_sentences": total, "dropped": dict(dropped),
        "fallbacks": fallbacks, "load_s": load_s, "seconds_per_article": per_article,
        "generate_calls": summarizer.generate_calls, "guard_s_per_article": guard_s / max(len(rows), 1),
        "peak_rss_mb": rss_model,
        "examples": [{"model": t, "kept": f, "backend": v.backend, "dropped": [d.to_dict() for d in v.dropped]}
                     for t, f, v in zip(texts, final, verdicts, strict=True)],
    }
    write_result(args.out, "seq2seq", payload, getattr(args, "argv", None))
    return 0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _when() -> Any:
    from datetime import UTC, datetime

    return datetime(2015, 4, 1, tzinfo=UTC)
