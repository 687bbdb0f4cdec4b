"""Fingerprints of what a speed change must not change: briefing JSON, summaries and story vectors.

Three cases run through the real ``Pipeline`` with a fixed clock: the bundled demo (``configs/demo.toml``, the
README's day), a few real days of the ``daily/`` snapshots, and a synthetic day of CNN/DM articles. Each case
writes, under ``--out``/fingerprint/<case>/, the briefing JSON per day, every cached summary (by content hash)
and every cached vector (by key, in an ``.npz``). ``--against DIR`` compares with an earlier fingerprint folder
and exits 1 on any difference: a byte in a JSON file, a summary's text or sentences, a vector's float32 bits.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from .common import REPO, read_jsonl, require

DEMO_DAY = date(2026, 11, 26)
"""The README's first command: a fresh store, the 26th (ranked against the 24th and 25th)."""
CASES = ("demo", "daily", "cnndm")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma list of {', '.join(CASES)} (default: all)")
    parser.add_argument("--daily-start", type=date.fromisoformat, default=date(2025, 5, 1),
                        help="first real day (default 2025-05-01)")
    parser.add_argument("--daily-days", type=int, default=3, help="real days to brief (default 3)")
    parser.add_argument("--articles", type=int, default=300, help="CNN/DM articles in the synthetic day (default 300)")
    parser.add_argument("--executor", default=None, help="set the model stage's executor (default: briefing's)")
    parser.add_argument("--workers", type=int, default=None, help="with --executor ray: executor.workers")
    parser.add_argument("--against", type=Path, default=None,
                        help="an earlier --out folder (or its fingerprint/ folder) to compare with "
                        "(exit 1 on any difference)")


def _executor_section(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    section: dict[str, Any] = {}
    if args.executor is not None:
        section["kind"] = args.executor
    if args.workers is not None:
        section["workers"] = args.workers
    return {"executor": section} if section else {}


def _append_sections(path: Path, sections: dict[str, dict[str, Any]]) -> None:
    lines = [""]
    for name, values in sections.items():
        lines += [f"[{name}]", *(f"{key} = {json.dumps(value)}" for key, value in values.items()), ""]
    # A TOML table may appear once: the bench configs have no [executor] of their own.
    path.write_text(path.read_text(encoding="utf-8") + "\n".join(lines), encoding="utf-8")


def _run_days(config_path: Path, days: list[tuple[date, datetime]]) -> dict[str, str]:
    from briefing.config import load_config
    from briefing.pipeline import Pipeline

    config = load_config(config_path)
    pipeline = Pipeline(config)
    written: dict[str, str] = {}
    try:
        for day, now in days:
            result = pipeline.run(day, now=now, email=False)
            for path in result.paths:
                if path.suffix == ".json":
                    written[f"{day.isoformat()}.json"] = path.read_text(encoding="utf-8")
    finally:
        pipeline.close()
    return written


def _dump_store(db_path: Path, target: Path) -> None:
    db = sqlite3.connect(str(db_path))
    try:
        summaries = {f"{chash}|{backend}": {"text": text, "sentences": json.loads(sentences), "note": note}
                     for chash, backend, text, sentences, note in db.execute(
                         "SELECT content_hash, backend, text, sentences, note FROM summaries ORDER BY 1, 2")}
        vectors = {f"{key}|{model}": np.frombuffer(blob, dtype=np.float32)
                   for key, model, blob in db.execute("SELECT key, model, vector FROM embeddings ORDER BY 1, 2")}
    finally:
        db.close()
    (target / "summaries.json").write_text(json.dumps(summaries, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    np.savez(target / "vectors.npz", **vectors)


def _demo(work: Path, args: argparse.Namespace) -> tuple[Path, list[tuple[date, datetime]]]:
    text = (REPO / "configs" / "demo.toml").read_text(encoding="utf-8")
    text = text.replace('"../samples/', f'"{REPO / "samples"}/').replace('"../outputs"', '"out"')
    text = text.replace('"../.state/demo.db"', '"state/briefing.db"')
    config = work / "demo.toml"
    config.write_text(text, encoding="utf-8")
    _append_sections(config, _executor_section(args))
    return config, [(DEMO_DAY, datetime.combine(DEMO_DAY + timedelta(days=1), datetime.min.time(), UTC))]


def _daily(work: Path, args: argparse.Namespace) -> tuple[Path, list[tuple[date, datetime]]]:
    from .common import snapshots

    by_day = snapshots(args.data)
    days = [d for d in by_day if d >= args.daily_start][: args.daily_days + 1]
    feeds = sorted({feed for d in days for feed in by_day[d]})
    (work / "feeds").mkdir()
    # One snapshot a day; the feed files of the last day hold several days of items, as real feeds do.
    for feed, (path, _) in by_day[days[-1]].items():
        with gzip.open(path, "rb") as source, open(work / "feeds" / f"{feed}.xml", "wb") as target:
            shutil.copyfileobj(source, target)
    from .common import write_config

    config = write_config(work / "daily.toml", [(feed, f"feeds/{feed}.xml") for feed in feeds],
                          {"store": {"keep_days": 400}, **_executor_section(args)})
    now = max(taken for _, taken in by_day[days[-1]].values())
    return config, [(d, now) for d in days[:-1]]


def _cnndm(work: Path, args: argparse.Namespace) -> tuple[Path, list[tuple[date, datetime]]]:
    from .throughput import DATA_FILE, DAY, build_day

    rows = []
    for row in read_jsonl(require(args.data, DATA_FILE)):
        rows.append(row)
        if len(rows) >= args.articles:
            break
    config = build_day(rows, work, "extractive")
    _append_sections(config, _executor_section(args))
    return config, [(DAY, datetime.combine(DAY + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=1))]


def run(args: argparse.Namespace) -> int:
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        print(f"bench fingerprint: unknown case(s) {', '.join(unknown)} (known: {', '.join(CASES)})")
        return 2
    out = args.out / "fingerprint"
    for case in cases:
        target = out / case
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        work = Path(tempfile.mkdtemp(prefix=f"bench-fingerprint-{case}-"))
        try:
            config, days = {"demo": _demo, "daily": _daily, "cnndm": _cnndm}[case](work, args)
            started = time.perf_counter()
            for name, text in _run_days(config, days).items():
                (target / name).write_text(text, encoding="utf-8")
            seconds = time.perf_counter() - started
            _dump_store(work / "state" / "briefing.db", target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(f"  {case}: {len(days)} day(s) in {seconds:.1f}s -> {target}", flush=True)
    if args.against is None:
        return 0
    against = args.against / "fingerprint" if (args.against / "fingerprint").is_dir() else args.against
    problems = compare(out, against, cases)
    for line in problems:
        print(f"  DIFFERENT {line}")
    print("identical" if not problems else f"{len(problems)} difference(s) against {args.against}")
    return 1 if problems else 0


def compare(new: Path, old: Path, cases: list[str]) -> list[str]:
    """Every difference between two fingerprint folders, one line each."""
    problems: list[str] = []
    for case in cases:
        a, b = new / case, old / case
        if not b.is_dir():
            problems.append(f"{case}: not in {old}")
            continue
        names = sorted({p.name for p in a.glob("*.json")} | {p.name for p in b.glob("*.json")})
        for name in names:
            left, right = a / name, b / name
            if not left.is_file() or not right.is_file():
                problems.append(f"{case}/{name}: only in one folder")
            elif left.read_bytes() != right.read_bytes():
                problems.append(f"{case}/{name}: bytes differ")
        with np.load(a / "vectors.npz") as va, np.load(b / "vectors.npz") as vb:
            if set(va.files) != set(vb.files):
                problems.append(f"{case}/vectors: keys differ ({len(va.files)} vs {len(vb.files)})")
            for key in sorted(set(va.files) & set(vb.files)):
                if va[key].tobytes() != vb[key].tobytes():
                    worst = float(np.max(np.abs(va[key] - vb[key])))
                    problems.append(f"{case}/vectors {key}: max |diff| {worst:.3g}")
    return problems

