"""Reusing the summarizer's sentence vectors for the story vector (issue 13 §1): what it saves, what it changes.

    python scripts/story_vector_reuse.py stream --runtime torch --runtime onnx  # story texts in the sentences' stream
    python scripts/story_vector_reuse.py cluster                                # story vectors from sentence vectors
    python scripts/story_vector_reuse.py cold --runtime onnx                    # a cold run with them, then LexRank

``stream``: the story texts (``embedding_text``) of N CNN/DM articles encoded in one stream with their summary
sentences, against two passes as the pipeline runs them: how many vectors stay identical, and the time (rounds
alternated). ``cluster``: on the throughput bench's 1,000-article day, story vectors made from the summarizer's own
sentence vectors (normalized means; no encoder pass for a long article) against the shipped ones: cosine, stories,
multi-article stories kept and new, nearest neighbours. ``cold``: fresh processes, one ``Pipeline.run`` of that day as
shipped, one with those vectors patched in, then sumy's LexRank on the same articles. Nothing here is shipped
(docs/BENCHMARKS.md §3, "Reusing the summarizer's vectors for the story vector").
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import default_data_dir, read_jsonl, require  # noqa: E402
from bench.throughput import DATA_FILE, DAY, build_day, time_lexrank  # noqa: E402
from briefing.config import load_config  # noqa: E402
from briefing.pipeline import SUMMARY_CHUNK, Pipeline, briefing_window, embedding_text, headline_text  # noqa: E402
from briefing.summarize import extractive  # noqa: E402
from briefing.summarize.extractive import candidate_sentences  # noqa: E402

NOW = datetime.combine(DAY + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=1)
LEAD_WORDS = 50


def _rows(n: int) -> list[dict[str, Any]]:
    rows = []
    for row in read_jsonl(require(default_data_dir(), DATA_FILE)):
        rows.append(row)
        if len(rows) >= n:
            break
    return rows


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def lead_mean(sentences: list[str], vectors: dict[str, np.ndarray], every: bool = False) -> np.ndarray:
    """The normalized mean of the vectors of the sentences that hold the first 50 words (all of them: ``every``)."""
    count = words = 0
    while count < len(sentences) and (every or words < LEAD_WORDS):
        words += len(sentences[count].split())
        count += 1
    return _unit(np.mean([vectors[s] for s in sentences[:count]], axis=0))


def _day(rows: list[dict[str, Any]], runtime: str, folder: Path) -> tuple[Pipeline, list[Any]]:
    config = load_config(build_day(rows, folder, "extractive", runtime=runtime))
    pipeline = Pipeline(config)
    pipeline.fetch(NOW)
    return pipeline, pipeline.store.articles_between(*briefing_window(DAY, config))


def _recording(encoder: Any, into: dict[str, np.ndarray]) -> Any:
    """``encoder.encode`` that also keeps each text's vector in ``into``; returns the original."""
    original = encoder.encode

    def encode(texts: list[str]) -> np.ndarray:
        vectors = original(texts)
        into.update(zip(texts, vectors, strict=True))
        return vectors

    encoder.encode = encode
    return original


def stream(args: argparse.Namespace) -> None:
    from bench.throughput import _title
    from briefing.embed import Encoder

    rows = _rows(args.articles)
    story = [f"{headline_text(_title(r['article']))} {' '.join(r['article'].split()[:LEAD_WORDS])}" for r in rows]
    sentences = [s for r in rows for s in candidate_sentences(r["article"], 5)]
    for runtime in args.runtime or ["torch"]:
        encoder = Encoder(runtime=runtime)
        encoder.encode(story[:32])  # load and warm up
        apart = np.concatenate([encoder.encode(sentences), encoder.encode(story)])
        together = encoder.encode(sentences + story)
        n = len(sentences)
        same = (apart == together).all(axis=1)
        cosine = (apart * together).sum(axis=1)
        print(f"{runtime}: {len(story)} story texts, {n} sentences; identical vectors in one stream: story "
              f"{int(same[n:].sum())}/{len(story)} (min cosine {cosine[n:].min():.4f}, max |diff| "
              f"{np.abs(apart[n:] - together[n:]).max():.4f}), sentences {int(same[:n].sum())}/{n} (max |diff| "
              f"{np.abs(apart[:n] - together[:n]).max():.4f})")
        for round_ in range(args.rounds):
            times = []
            for texts_list in ([sentences, story], [sentences + story]):
                wall, cpu = time.perf_counter(), time.process_time()
                for texts in texts_list:
                    encoder.encode(texts)
                times.append((time.perf_counter() - wall, time.process_time() - cpu))
            print(f"  round {round_}: two passes {times[0][0]:.2f} s (cpu {times[0][1]:.2f} s), one stream "
                  f"{times[1][0]:.2f} s (cpu {times[1][1]:.2f} s)")


def cluster(args: argparse.Namespace) -> None:
    from briefing.cluster import cluster_articles

    with tempfile.TemporaryDirectory() as tmp:
        pipeline, articles = _day(_rows(args.articles), "torch", Path(tmp))
        settings = pipeline.config.summarize
        vectors: dict[str, np.ndarray] = {}
        original = _recording(pipeline.encoder, vectors)
        for start in range(0, len(articles), SUMMARY_CHUNK):
            pipeline.summarizer.summarize(articles[start : start + SUMMARY_CHUNK], max_sentences=settings.max_sentences)
        pipeline.encoder.encode = original
        shipped = pipeline.encoder.encode([embedding_text(a) for a in articles])
        headlines = pipeline.encoder.encode([headline_text(a.title) for a in articles])
        lead, every = [], []
        for row, a in enumerate(articles):
            sentences = candidate_sentences(a.text, settings.extractive.max_sentences_scored)
            derived = len(sentences) > settings.max_sentences
            lead.append(lead_mean(sentences, vectors) if derived else shipped[row])
            every.append(lead_mean(sentences, vectors, every=True) if derived else shipped[row])
        lead_v, every_v = np.stack(lead), np.stack(every)
        scored = settings.extractive.max_sentences_scored
        in_stream = []  # the reference: the story texts encoded in the summarizer's stream (int8 batch noise only)
        for start in range(0, len(articles), SUMMARY_CHUNK):
            chunk = articles[start : start + SUMMARY_CHUNK]
            sentences = [s for a in chunk for s in candidate_sentences(a.text, scored)
                         if len(candidate_sentences(a.text, scored)) > settings.max_sentences]
            in_stream.append(pipeline.encoder.encode(sentences + [embedding_text(a) for a in chunk])[len(sentences) :])
        c = pipeline.config.cluster

        def stories(v: np.ndarray) -> set[frozenset[int]]:
            found = cluster_articles(articles, v, c.threshold, c.title_only_threshold, c.headline_hours,
                                     c.same_publisher_threshold, None, past_headlines=[],
                                     named_event_floor=c.named_event_floor, shown_before=set())
            return {frozenset(x.id for x in s.articles) for s in found}

        base = stories(shipped)
        merged = {s for s in base if len(s) > 1}
        near = shipped @ shipped.T
        np.fill_diagonal(near, -1)
        print(f"shipped story vectors: {len(base)} stories, {len(merged)} of more than one article")
        variants = {"story texts in the sentences' stream": np.concatenate(in_stream),
                    "first-50-words sentences": lead_v, "all 5 scored sentences": every_v, "headline alone": headlines,
                    "headline + first-50-words sentences": _unit(headlines + lead_v),
                    "headline/2 + first-50-words sentences": _unit(0.5 * headlines + lead_v)}
        for name, v in variants.items():
            cosine = (v * shipped).sum(axis=1)
            found = stories(v)
            multi = {s for s in found if len(s) > 1}
            other = v @ v.T
            np.fill_diagonal(other, -1)
            print(f"{name}: cosine to shipped min {cosine.min():.3f} mean {cosine.mean():.3f}; {len(found)} stories; "
                  f"multi-article stories kept {len(merged & multi)} of {len(merged)}, new {len(multi - merged)}; "
                  f"nearest neighbour the same {(near.argmax(1) == other.argmax(1)).mean():.1%}")
        pipeline.close()


def cold_one(mode: str, runtime: str, articles: int) -> dict[str, Any]:
    rows = _rows(articles)
    if mode == "lexrank":
        return {"mode": mode, "lexrank_s": round(time_lexrank(rows) or 0.0, 2)}
    folder = Path(tempfile.mkdtemp())
    config = load_config(build_day(rows, folder, "extractive", runtime=runtime))
    derived: dict[str, np.ndarray] = {}
    if mode == "derived":
        summarize = extractive.ExtractiveSummarizer.summarize

        def summarize_keeping(self: Any, articles: Any, *, max_sentences: int) -> Any:
            vectors: dict[str, np.ndarray] = {}
            original = _recording(self.encoder, vectors)
            try:
                out = summarize(self, articles, max_sentences=max_sentences)
            finally:
                self.encoder.encode = original
            for a in articles:
                sentences = candidate_sentences(a.text, self.config.max_sentences_scored)
                if len(sentences) > max_sentences:
                    derived[a.content_hash] = lead_mean(sentences, vectors)
            return out

        def vectors(self: Pipeline, articles: Any) -> np.ndarray:
            rest = [i for i, a in enumerate(articles) if a.content_hash not in derived]
            encoded = self._embed([embedding_text(articles[i]) for i in rest], stage="embed")
            out = [derived.get(a.content_hash) for a in articles]
            for j, i in enumerate(rest):
                out[i] = encoded[j]
            return np.stack(out)

        extractive.ExtractiveSummarizer.summarize = summarize_keeping  # type: ignore[method-assign]
        Pipeline.vectors = vectors  # type: ignore[method-assign]
    pipeline = Pipeline(config)
    started = time.perf_counter()
    result = pipeline.run(DAY, now=NOW)
    run_s = time.perf_counter() - started
    pipeline.close()
    shutil.rmtree(folder, ignore_errors=True)
    return {"mode": mode, "runtime": runtime, "run_s": round(run_s, 2), "stories": result.briefing.stats.get("stories"),
            "derived": len(derived), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "timings": {k: round(v, 2) for k, v in result.timings.items()}}


def cold(args: argparse.Namespace) -> None:
    for runtime in args.runtime or ["torch"]:
        for mode in ("shipped", "derived", "lexrank"):
            load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
            out = subprocess.run([sys.executable, __file__, "cold", "--one", mode, "--runtime", runtime,
                                  "--articles", str(args.articles)], capture_output=True, text=True, check=True)
            print(f"load {load}: {out.stdout.strip().splitlines()[-1]}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("stream", "cluster", "cold"))
    parser.add_argument("--runtime", action="append", choices=("torch", "onnx"), help="repeatable (default torch)")
    parser.add_argument("--articles", type=int, default=None, help="default: 256 (stream), 1,000 (cluster, cold)")
    parser.add_argument("--rounds", type=int, default=3, help="stream: timing rounds, alternated")
    parser.add_argument("--one", choices=("shipped", "derived", "lexrank"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.articles = args.articles or (256 if args.what == "stream" else 1000)
    if args.one:
        print(json.dumps(cold_one(args.one, (args.runtime or ["torch"])[0], args.articles)))
        return
    {"stream": stream, "cluster": cluster, "cold": cold}[args.what](args)


if __name__ == "__main__":
    main()
