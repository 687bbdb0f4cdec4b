"""Throughput: a synthetic day of N feed entries (CNN/DM articles) through the real ``Pipeline``.

For each size the harness writes RSS 2.0 files (one feed per ~100 articles, pubDates spread over one
UTC day) and a config pointing at them, then runs two fresh processes on the same store:

- ``cold``: empty store, the model loads inside the run; afterwards, in the same process, the
  summarize stage alone is timed on the day's articles (fresh in-memory store, model already loaded).
- ``cached``: same store, new Pipeline and Encoder: fetch again, summaries and vectors from the cache.

Each phase reports its ``Pipeline.run`` wall time, stage timings, the whole process's wall time (as
seen by the parent, interpreter start included) and peak RSS (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import dataclasses
import email.utils
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from .common import REPO, read_jsonl, require, table, write_config, write_result

DATA_FILE = "cnndm/test_even.jsonl.gz"
PER_FEED = 100
TITLE_WORDS = 12
DAY = date(2024, 5, 1)
RESULT_TAG = "BENCH_THROUGHPUT_RESULT "
TARGETS = {"cached_s": 1.0, "peak_rss_mb": 800.0}
"""Issue 13's targets for a 1,000-article day; the cold run must also beat sumy's LexRank on the same articles."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="1000", help="comma list of day sizes in articles (default 1000)")
    parser.add_argument("--backend", default="extractive", help="summarize.backend (default extractive)")
    parser.add_argument("--quantize", action=argparse.BooleanOptionalAction, default=None,
                        help="set embed.quantize (int8 encoder) on or off (default: briefing's default)")
    parser.add_argument("--runtime", choices=("torch", "onnx"), default=None,
                        help="set embed.runtime (onnx: exported once beforehand, the export timed apart; "
                             "default: briefing's default)")
    parser.add_argument("--store", default=None, metavar="URL",
                        help="the store: an SQLite file in the work folder (default), or postgresql://… (each size "
                             "runs in a fresh schema of that database, dropped afterwards unless --keep)")
    parser.add_argument("--executor", default="local", help="local, ray or ray:N,... (Ray with N workers; "
                        "several runs, e.g. local,ray:1,ray:2; default local)")
    parser.add_argument("--worker-threads", type=int, default=1, help="with ray: torch threads per worker (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders (their paths are printed)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed per phase process")
    parser.add_argument("--phase", choices=("cold", "cached"), default=None, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, default=None, help=argparse.SUPPRESS)


def _rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def _title(article: str) -> str:
    from briefing.summarize import split_sentences

    sentences = split_sentences(article)
    words = (sentences[0] if sentences else article).split()
    return " ".join(words[:TITLE_WORDS])


def build_day(rows: list[dict[str, Any]], workdir: Path, backend: str, quantize: bool | None = None,
              store_url: str | None = None, executor: dict[str, Any] | None = None,
              runtime: str | None = None) -> Path:
    """Write the feeds and the config for one synthetic day; returns the config path."""
    feeds_dir = workdir / "feeds"
    feeds_dir.mkdir(parents=True, exist_ok=True)
    start = datetime.combine(DAY, datetime.min.time(), UTC)
    step = 86400 / max(1, len(rows))
    feed_paths = []
    for number, first in enumerate(range(0, len(rows), PER_FEED)):
        items = []
        for offset, row in enumerate(rows[first : first + PER_FEED]):
            index = first + offset
            published = start + timedelta(seconds=int(index * step))
            items.append(
                "<item>"
                f"<title>{escape(_title(row['article']))}</title>"
                f"<link>https://bench.example/cnndm/{escape(row['id'])}</link>"
                f"<guid isPermaLink=\"false\">{escape(row['id'])}</guid>"
                f"<pubDate>{email.utils.format_datetime(published)}</pubDate>"
                f"<description>{escape(row['article'])}</description>"
                "</item>"
            )
        path = feeds_dir / f"feed_{number:03d}.xml"
        path.write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Bench outlet {number}</title><link>https://bench.example/{number}</link>"
            f"<description>synthetic feed {number}</description>{''.join(items)}</channel></rss>\n",
            encoding="utf-8",
        )
        feed_paths.append(path)
    sections: dict[str, dict[str, Any]] = {"summarize": {"backend": backend}}
    if quantize is not None:
        sections.setdefault("embed", {})["quantize"] = quantize
    if runtime is not None:
        sections.setdefault("embed", {})["runtime"] = runtime
    if store_url:
        sections["store"] = {"url": store_url}
    if executor:
        sections["executor"] = executor
    feeds = [(path.stem, str(path.relative_to(workdir))) for path in feed_paths]
    return write_config(workdir / "bench.toml", feeds, sections)


def phase(args: argparse.Namespace) -> int:
    """Runs inside a fresh process: one Pipeline run, then (cold) the summarize stage alone."""
    started = time.perf_counter()
    from briefing.config import load_config
    from briefing.pipeline import Pipeline, briefing_window
    from briefing.store import Store

    config = load_config(args.workdir / "bench.toml")
    now = datetime.combine(DAY + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=1)
    pipeline = Pipeline(config)
    t = time.perf_counter()
    result = pipeline.run(DAY, now=now)
    run_s = time.perf_counter() - t
    wall_s = time.perf_counter() - started
    out: dict[str, Any] = {
        "phase": args.phase, "run_s": run_s, "in_process_s": wall_s, "peak_rss_mb": _rss_mb(),
        "timings": result.timings, "fetched": result.fetched,
        "articles": int(result.briefing.stats.get("articles", 0)),
        "stories": int(result.briefing.stats.get("stories", 0)),
        "model_loaded": pipeline.encoder.loaded,
    }
    pool = getattr(pipeline.encoder, "stats", None)
    if pool is not None:
        out["pool"] = dataclasses.asdict(pool)
    if args.phase == "cold":
        start, end = briefing_window(DAY, config)
        articles = pipeline.store.articles_between(start, end)
        fresh = Pipeline(config, store=Store(":memory:"), encoder=pipeline.encoder)
        before = dataclasses.replace(pool) if pool is not None else None
        t = time.perf_counter()
        fresh.summarize(articles, now)
        summarize_s = time.perf_counter() - t
        if pool is not None and before is not None:
            out["summarize_pool"] = {k: getattr(pool, k) - getattr(before, k)
                                     for k in ("calls", "batches", "texts", "wall_s", "worker_s")}
        out.update(summarize_s=summarize_s, summarize_articles=len(articles),
                   summarize_articles_per_s=len(articles) / summarize_s if summarize_s else None,
                   peak_rss_after_summarize_mb=_rss_mb())
        fresh.close()
    pipeline.close()
    print(RESULT_TAG + json.dumps(out), flush=True)
    return 0


def _export_once(quantize: bool) -> float:
    """Export the default encoder to ONNX if it is not in the user cache yet (a one-time cost, like installing
    the model): the cold run then measures a day, not the export. Returns the seconds it took (0 when cached)."""
    from briefing.config import EmbedConfig
    from briefing.embed import resolve_model
    from briefing.embed_onnx import exported

    model = EmbedConfig().model
    started = time.perf_counter()
    exported(model, resolve_model(model)[0], quantize=quantize)
    return time.perf_counter() - started


def _fresh_schema(url: str, size: int) -> tuple[str, str]:
    """A new, empty schema on the PostgreSQL server at ``url``; returns (its name, a URL that uses it)."""
    import psycopg

    schema = f"bench_{size}_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    joiner = "&" if "?" in url else "?"
    return schema, f"{url}{joiner}options=-csearch_path%3D{schema}"


def _drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _run_phase(name: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench", "throughput", "--phase", name, "--workdir", str(workdir),
               "--out", str(args.out)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=args.timeout,
                          check=False)
    process_s = time.perf_counter() - started
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            result = json.loads(line[len(RESULT_TAG):])
            # The cold process also times the summarize stage alone afterwards: not part of the cold run.
            result["process_s"] = process_s - result.get("summarize_s", 0.0)
            return result
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
    raise RuntimeError(f"{name} phase failed (exit {proc.returncode}): {tail[0]}")


def run(args: argparse.Namespace) -> int:
    if args.phase is not None:
        if args.workdir is None:
            print("bench throughput: --phase needs --workdir")
            return 2
        return phase(args)
    path = require(args.data, DATA_FILE)
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        print(f"bench throughput: --sizes wants a comma list of integers, got {args.sizes!r}")
        return 2
    if not sizes or sizes[0] < 1:
        print("bench throughput: --sizes must be positive")
        return 2
    if args.limit is not None:
        sizes = [min(s, args.limit) for s in sizes]
    need = max(sizes)
    rows: list[dict[str, Any]] = []
    for row in read_jsonl(path):
        rows.append(row)
        if len(rows) >= need:
            break
    if len(rows) < need:
        print(f"bench throughput: {path} has only {len(rows)} articles, --sizes asks for {need}")
        return 2

    try:
        executors = [_executor(spec, args.worker_threads) for spec in args.executor.split(",") if spec.strip()]
    except ValueError as exc:
        print(f"bench throughput: --executor: {exc}")
        return 2
    from briefing.config import EmbedConfig

    quantize = EmbedConfig().quantize if args.quantize is None else args.quantize
    runtime = args.runtime or EmbedConfig().runtime
    export_s = _export_once(quantize) if runtime == "onnx" else None
    results = []
    sumy_s = {size: time_lexrank(rows[:size]) for size in sizes}
    for size in sizes:
        for name, executor in executors:
            workdir = Path(tempfile.mkdtemp(prefix=f"bench-throughput-{size}-"))
            schema, store_url = _fresh_schema(args.store, size) if args.store else (None, None)
            try:
                build_day(rows[:size], workdir, args.backend, args.quantize, store_url, executor, args.runtime)
                print(f"  {size} articles, {name}: cold run…", flush=True)
                cold = _run_phase("cold", workdir, args)
                print(f"  {size} articles, {name}: cached run…", flush=True)
                cached = _run_phase("cached", workdir, args)
            finally:
                if args.keep:
                    print(f"  kept {workdir}" + (f" and schema {schema}" if schema else ""))
                else:
                    shutil.rmtree(workdir, ignore_errors=True)
                    if schema:
                        _drop_schema(args.store, schema)
            results.append({"articles": size, "executor": name, "feeds": -(-size // PER_FEED), "cold": cold,
                            "cached": cached, "lexrank_s": sumy_s[size]})

    rows_out = []
    for r in results:
        cold, cached = r["cold"], r["cached"]
        rows_out.append([r["articles"], r["executor"], cold["run_s"], cold["process_s"], cold["peak_rss_mb"],
                         cold["summarize_articles_per_s"], cold["articles"] / cold["run_s"],
                         cached["run_s"], cached["process_s"], cached["peak_rss_mb"], r["lexrank_s"]])
    store = "PostgreSQL" if args.store else "SQLite"
    exported = "" if export_s is None else f" (one-time export before the runs: {export_s:.1f} s)"
    print(f"\nthroughput: {args.backend} backend, {'int8' if quantize else 'fp32'} {runtime} encoder{exported}, "
          f"{store} store, synthetic day from {path}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    print(table(["articles", "executor", "cold run s", "cold proc s", "cold RSS MB", "summarize art/s",
                 "cold art/s", "cached run s", "cached proc s", "cached RSS MB", "LexRank s"], rows_out, 1))
    for r in results:
        label = f"{r['articles']} {r['executor']}"
        for name in ("cold", "cached"):
            stages = ", ".join(f"{k} {v:.2f}s" for k, v in r[name]["timings"].items())
            print(f"  {label} {name}: {stages}")
        print(f"  {label}: stories {r['cold']['stories']}; cached loads model: {r['cached']['model_loaded']}")
        if "summarize_pool" in r["cold"]:
            r["pool"] = pool_overhead(r["cold"], r["executor"])
            p = r["pool"]
            print(f"  {label} summarize alone on the pool: {p['batches']} batches in {p['calls']} calls, "
                  f"{p['wall_s']:.1f}s wall, {p['worker_s']:.1f}s worker compute, "
                  f"{p['per_batch_overhead_ms']:.0f} ms overhead per batch, {p['per_article_s'] * 1000:.1f} ms "
                  f"worker time per article; whole run {p['run_worker_s_per_article'] * 1000:.1f} ms worker time "
                  f"per article; Ray start + model loads {r['cold']['pool']['start_s']:.1f}s")
    checks = None
    thousand = next((r for r in results if r["articles"] == 1000 and r["executor"] == "local"), None)
    if thousand is not None:
        lexrank = thousand["lexrank_s"]
        checks = {
            "cold_below_lexrank": lexrank is not None and thousand["cold"]["run_s"] < lexrank,
            "cached_s": thousand["cached"]["run_s"] <= TARGETS["cached_s"],
            "peak_rss_mb": max(thousand["cold"]["peak_rss_mb"], thousand["cached"]["peak_rss_mb"])
            <= TARGETS["peak_rss_mb"],
        }
        print(f"targets at 1,000 articles (cold < LexRank's {lexrank or float('nan'):.1f} s, cached ≤ 1 s, "
              "RSS ≤ 800 MB): " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in checks.items()))
    plot = args.out / "throughput.png"
    _plot(plot, [r for r in results if r["executor"] == executors[0][0]])
    payload = {"data": str(path), "backend": args.backend, "quantize": quantize, "runtime": runtime,
               "onnx_export_s": export_s, "load_after": os.getloadavg(), "sizes": sizes, "store": store,
               "per_feed": PER_FEED,
               "day": DAY.isoformat(), "results": results, "targets": TARGETS, "targets_met_at_1000": checks,
               "plot": str(plot),
               "notes": ["run_s: Pipeline.run (fetch from local files, store, summarize, embed, cluster, rank, write)",
                         "process_s: the whole phase process as seen by the parent (interpreter start, imports), "
                         "minus the summarize-alone timing in the cold process",
                         "summarize_articles_per_s: Pipeline.summarize alone in the cold process, model loaded, "
                         "empty in-memory store",
                         "lexrank_s: sumy's LexRank (3 sentences) on the same articles in the bench process, "
                         "sentence splitting included, sumy imported beforehand"]}
    out = write_result(args.out, "throughput", payload, args.argv)
    print(f"wrote {out} and {plot}")
    return 0


def _executor(spec: str, worker_threads: int) -> tuple[str, dict[str, Any] | None]:
    """``local``, ``ray`` or ``ray:N``: a name for the table and the ``[executor]`` section (None: local)."""
    spec = spec.strip()
    if spec == "local":
        return "local", None
    kind, _, workers = spec.partition(":")
    if kind != "ray" or (workers and not workers.isdigit()):
        raise ValueError(f"want local, ray or ray:N, got {spec!r}")
    count = int(workers or 2)
    return f"ray:{count}", {"kind": "ray", "workers": count, "worker_threads": worker_threads}


def pool_overhead(cold: dict[str, Any], executor: str) -> dict[str, float]:
    """The summarize-alone pass on the pool: wall time beyond the workers' compute, per batch (idle tails
    included), and the workers' compute per article."""
    pool = dict(cold["summarize_pool"])
    workers = int(executor.partition(":")[2] or 1)
    batches = max(1, int(pool["batches"]))
    pool["per_batch_overhead_ms"] = 1000 * max(0.0, pool["wall_s"] * workers - pool["worker_s"]) / batches
    pool["per_article_s"] = pool["worker_s"] / max(1, int(cold["summarize_articles"]))
    # The whole cold run (summaries and story vectors): what one article costs the model stage.
    pool["run_worker_s_per_article"] = cold["pool"]["worker_s"] / max(1, int(cold["articles"]))
    pool["run_wall_s"] = cold["pool"]["wall_s"]
    return pool


def time_lexrank(rows: list[dict[str, Any]], sentences: int = 3) -> float | None:
    """Seconds sumy's LexRank takes to summarize ``rows``' articles (None when sumy is missing): the baseline the
    cold run is measured against, as ``bench summaries`` runs it (our sentence splitter, no punkt)."""
    from briefing.summarize import split_sentences

    from .summaries import Doc, Unavailable, _sumy

    try:
        batch, _ = _sumy("lexrank")(sentences, "none", None)
    except Unavailable:
        return None
    started = time.perf_counter()
    batch([Doc(i, row["id"], row["article"], row["highlights"], split_sentences(row["article"]))
           for i, row in enumerate(rows)])
    return time.perf_counter() - started


def _plot(path: Path, results: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    sizes = [r["articles"] for r in results]
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=120)
    ax.plot(sizes, [r["cold"]["run_s"] for r in results], "o-", label="cold run (model load included)")
    ax.plot(sizes, [r["cached"]["run_s"] for r in results], "s-", label="cached rerun")
    ax.plot(sizes, [r["cold"]["summarize_s"] for r in results], "^--", label="summarize stage alone")
    ax.set_xlabel("articles in the day")
    ax.set_ylabel("seconds")
    if len(sizes) > 1 and sizes[-1] / sizes[0] >= 10:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_title("Pipeline time vs articles")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
