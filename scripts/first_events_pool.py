"""Rebuild the first_events pool (procedure of ``first_events/README.md``) and list its unlabelled cue items.

    python scripts/first_events_pool.py [DATA_DIR] > /tmp/fresh_cue.jsonl

Every item of ``daily/<date>/output/*.xml.gz`` and ``daily_extra/*.xml``, HTML stripped, description cut to 300
characters, deduplicated by link and by exact title (case-insensitive), first appearance kept: 6,479 items, 390 of
them matching the cue regex. Prints, as JSONL, the cue items that are not in ``labels.jsonl`` (240): the items of
``bench/data/first_events_fresh.jsonl`` before labelling.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import sys
from pathlib import Path
from typing import Any

import feedparser

CUE = re.compile(r"\b(first|never before|unprecedented|maiden|inaugural|debut(s|ed)?|historic|records?)\b",
                 re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")


def clean(value: str | None) -> str:
    return " ".join(html.unescape(TAG.sub(" ", value or "")).split())


def entries(raw: bytes, source: str, snapshot: str) -> list[dict[str, Any]]:
    found = []
    for entry in feedparser.parse(raw).entries:
        published = snapshot
        if entry.get("published_parsed"):
            when = entry.published_parsed
            published = f"{when.tm_year:04d}-{when.tm_mon:02d}-{when.tm_mday:02d}"
        found.append({"title": clean(entry.get("title")), "description": clean(entry.get("summary"))[:300],
                      "link": entry.get("link", ""), "published": published, "source": source})
    return found


def main(data: Path) -> int:
    items: list[dict[str, Any]] = []
    for day in sorted(path for path in (data / "daily").iterdir() if path.is_dir()):
        for feed in sorted((day / "output").glob("*.xml.gz")):
            items += entries(gzip.decompress(feed.read_bytes()), feed.name.split(".")[0], day.name)
    for feed in sorted((data / "daily_extra").glob("*.xml")):
        items += entries(feed.read_bytes(), feed.stem, "2024-08-08")
    links: set[str] = set()
    titles: set[str] = set()
    pool = []
    for item in items:
        if item["link"] in links or item["title"].lower() in titles:
            continue
        links.add(item["link"])
        titles.add(item["title"].lower())
        pool.append(item)
    with (data / "first_events" / "labels.jsonl").open(encoding="utf-8") as file:
        labelled = [json.loads(line) for line in file if line.strip()]
    seen_links = {row["link"] for row in labelled}
    seen_titles = {row["title"].lower() for row in labelled}
    cue = [item for item in pool if CUE.search(f"{item['title']} {item['description']}")]
    print(f"pool {len(pool)}, cue {len(cue)}", file=sys.stderr)
    for item in cue:
        if item["link"] not in seen_links and item["title"].lower() not in seen_titles:
            print(json.dumps(item, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data"))
