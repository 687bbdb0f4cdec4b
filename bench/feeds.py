"""Parser robustness: every feed file in the data folder through ``briefing.fetch.parse_feed``.

Groups: ``feeds/`` (real test fixtures of feedparser, rss-parser, feedjira, feed-rs; listed in
``feeds/manifest.jsonl``), ``daily/`` (gzipped daily snapshots of five news feeds; ``daily/manifest.jsonl``)
and ``daily_extra/*.xml``. Each file lands in one bucket:

- ``ok``: entries, no warning;
- ``bozo``: entries and a warning (feedparser bozo or skipped entries) — usable;
- ``rejected``: ``error`` set with a one-line reason (``rejected_unclear`` when it is not one short line);
- ``crashed``: ``parse_feed`` raised — must be 0.

feedparser's test files declare the HTTP headers they assume in a leading comment (``Header: Content-type: ...``);
those headers are passed to ``parse_feed`` as the fetch path would pass the server's (with
``Content-Type: application/xml`` added when a file declares other headers but no type, as an HTTP server would).
"""

from __future__ import annotations

import argparse
import gzip
import re
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import read_jsonl, require, table, write_result

GROUPS = ("feeds", "daily", "daily_extra")
BUCKETS = ("ok", "bozo", "rejected", "rejected_unclear", "crashed")
MAX_REASON = 300
_HEADER = re.compile(rb"^\s*Header:\s*([A-Za-z-]+):\s*(.+?)\s*$", re.MULTILINE)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--groups", default=",".join(GROUPS),
                        help=f"comma list of {', '.join(GROUPS)} (default: all); --limit applies per group")


@dataclass
class FileSpec:
    group: str
    source: str  # breakdown key, e.g. "feedparser/illformed"
    path: Path
    name: str  # relative to the data folder
    gzipped: bool = False


def _feeds(data: Path, limit: int | None) -> Iterator[FileSpec]:
    root = data / "feeds"
    manifest = require(data, "feeds/manifest.jsonl")
    for count, row in enumerate(read_jsonl(manifest)):
        if limit is not None and count >= limit:
            return
        rel = row["path"]
        parts = rel.split("/")
        source = row["source"]
        if source == "feedparser" and len(parts) > 2 and parts[1] == "tests":
            source = f"feedparser/{parts[2]}"
        yield FileSpec("feeds", source, root / rel, f"feeds/{rel}")


def _daily(data: Path, limit: int | None) -> Iterator[FileSpec]:
    root = data / "daily"
    manifest = require(data, "daily/manifest.jsonl")
    for count, row in enumerate(read_jsonl(manifest)):
        if limit is not None and count >= limit:
            return
        feed = Path(row["source_path"]).stem
        yield FileSpec("daily", f"daily/{feed}", root / row["path"], f"daily/{row['path']}", gzipped=True)


def _daily_extra(data: Path, limit: int | None) -> Iterator[FileSpec]:
    root = require(data, "daily_extra")
    for count, path in enumerate(sorted(root.glob("*.xml"))):
        if limit is not None and count >= limit:
            return
        yield FileSpec("daily_extra", "daily_extra", path, f"daily_extra/{path.name}")


def declared_headers(content: bytes) -> dict[str, str]:
    """``Header:`` lines from the leading comment of a feedparser test file."""
    head = content[:2048]
    end = head.find(b"-->")
    if b"<!--" not in head or end < 0:
        return {}
    headers = {}
    for name, value in _HEADER.findall(head[:end]):
        headers[name.decode("ascii", "replace")] = value.decode("latin-1")
    if headers and not any(k.lower() == "content-type" for k in headers):
        # feedparser's harness serves these over HTTP, whose server sends a type for .xml files.
        headers["Content-Type"] = "application/xml"
    return headers


def classify(spec: FileSpec) -> dict[str, Any]:
    from briefing.fetch import parse_feed
    from briefing.models import Feed

    record: dict[str, Any] = {"file": spec.name, "source": spec.source}
    raw = spec.path.read_bytes()
    content = gzip.decompress(raw) if spec.gzipped else raw
    headers = declared_headers(content) if spec.source.startswith("feedparser") else {}
    if headers:
        record["headers"] = headers
    started = time.perf_counter()
    try:
        result = parse_feed(content, Feed(url=str(spec.path), name=None), headers=headers or None)
    except Exception as exc:
        record.update(bucket="crashed", seconds=time.perf_counter() - started,
                      message=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc(limit=-3))
        return record
    record["seconds"] = time.perf_counter() - started
    record["entries"] = len(result.entries)
    record["dated"] = sum(1 for e in result.entries if e.published is not None)
    if result.error is not None:
        clear = "\n" not in result.error and 0 < len(result.error) <= MAX_REASON
        record.update(bucket="rejected" if clear else "rejected_unclear", message=result.error)
    elif not result.entries:
        record.update(bucket="rejected_unclear", message="no entries and no error")
    elif result.warning:
        record.update(bucket="bozo", message=result.warning)
    else:
        record["bucket"] = "ok"
    return record


def run(args: argparse.Namespace) -> int:
    require(args.data, "feeds")
    groups = [g.strip() for g in args.groups.split(",") if g.strip()]
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        print(f"bench feeds: unknown group(s) {', '.join(unknown)} (known: {', '.join(GROUPS)})")
        return 2
    listers = {"feeds": _feeds, "daily": _daily, "daily_extra": _daily_extra}
    specs = [spec for g in groups for spec in listers[g](args.data, args.limit)]
    missing = [s.name for s in specs if not s.path.is_file()]

    started = time.perf_counter()
    records = [classify(s) for s in specs if s.path.is_file()]
    total_s = time.perf_counter() - started

    by_source: dict[str, Counter[str]] = defaultdict(Counter)
    entries: Counter[str] = Counter()
    dated: Counter[str] = Counter()
    for r in records:
        by_source[r["source"]][r["bucket"]] += 1
        entries[r["source"]] += r.get("entries", 0)
        dated[r["source"]] += r.get("dated", 0)
    totals: Counter[str] = Counter(r["bucket"] for r in records)

    rows = []
    for source in sorted(by_source):
        c = by_source[source]
        rows.append([source, sum(c.values()), *(c[b] for b in BUCKETS), entries[source], dated[source]])
    rows.append(["total", len(records), *(totals[b] for b in BUCKETS), sum(entries.values()), sum(dated.values())])
    print(f"\nfeeds: {args.data} — {len(records):,} files ({', '.join(groups)})"
          + (f", first {args.limit} per group" if args.limit is not None else "") + f", {total_s:.1f}s")
    print(table(["source", "files", *BUCKETS, "entries", "dated"], rows))
    crashes = [r for r in records if r["bucket"] == "crashed"]
    unclear = [r for r in records if r["bucket"] == "rejected_unclear"]
    print(f"crashed: {len(crashes)}")
    for r in crashes:
        print(f"  CRASH {r['file']}: {r['message'][:200]}")
    for r in unclear:
        print(f"  unclear rejection {r['file']}: {r['message'][:200]!r}")
    for name in missing:
        print(f"  listed but missing: {name}")
    reasons = Counter(r["message"] for r in records if r["bucket"] == "rejected")
    if reasons:
        print("most common rejection reasons:")
        for reason, count in reasons.most_common(8):
            print(f"  {count:5d}  {reason[:110]}")
    slowest = max(records, key=lambda r: r["seconds"], default=None)
    if slowest is not None:
        print(f"slowest file: {slowest['file']} ({slowest['seconds']:.2f}s)")

    payload = {
        "data": str(args.data), "groups": groups, "limit_per_group": args.limit, "files": len(records),
        "counts": {b: totals[b] for b in BUCKETS},
        "by_source": {s: {b: by_source[s][b] for b in BUCKETS} | {"entries": entries[s], "dated": dated[s]}
                      for s in sorted(by_source)},
        "crashes": crashes, "missing": missing, "seconds": total_s,
        "rejection_reasons": dict(reasons.most_common()),
        "files_detail": [{k: v for k, v in r.items() if k != "traceback"} for r in records],
    }
    out = write_result(args.out, "feeds", payload, args.argv)
    print(f"wrote {out}")
    return 1 if crashes else 0
