"""The first_events pool, rebuilt from the feed snapshots by the procedure of ``first_events/README.md``.

Every item of ``daily/<date>/output/*.xml.gz`` and ``daily_extra/*.xml``, HTML stripped, description cut to 300
characters, deduplicated by link and by exact title (case-insensitive), first appearance kept: 6,479 items, 390 of
them matching the cue regex. ``bench first-events`` joins the labels of ``bench/data/first_events_fresh.jsonl``
(link and our fields only) to this pool by link, so no item text is kept in the repo.

    python -m bench.first_events_pool [DATA_DIR] > /tmp/fresh_cue.jsonl

prints, as JSONL, the cue items that are not in ``first_events/labels.jsonl`` (240): the items of the fresh set
before labelling.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import feedparser

from .common import DataMissing, default_data_dir, read_jsonl, require

CUE = re.compile(r"\b(first|never before|unprecedented|maiden|inaugural|debut(s|ed)?|historic|records?)\b",
                 re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")
EXTRA_DATE = "2024-08-08"
"""Snapshot date of ``daily_extra/`` (its items without a pubDate get it)."""


def clean(value: str | None) -> str:
    return " ".join(html.unescape(TAG.sub(" ", value or "")).split())


def entries(raw: bytes, source: str, snapshot: str) -> list[dict[str, Any]]:
    """The items of one feed file: title, description (300 characters), link, published, source."""
    found = []
    for entry in feedparser.parse(raw).entries:
        published = snapshot
        if entry.get("published_parsed"):
            when = entry.published_parsed
            published = f"{when.tm_year:04d}-{when.tm_mon:02d}-{when.tm_mday:02d}"
        found.append({"title": clean(entry.get("title")), "description": clean(entry.get("summary"))[:300],
                      "link": entry.get("link", ""), "published": published, "source": source})
    return found


def snapshot_items(data: Path) -> list[dict[str, Any]]:
    """Every item of every snapshot file, in snapshot order, duplicates kept; DataMissing if a folder is absent."""
    daily, extra = data / "daily", data / "daily_extra"
    for folder in (daily, extra):
        if not folder.is_dir():
            raise DataMissing(f"feed snapshot folder not found: {folder} (pass --data DIR or set BRIEFING_DATA)")
    items: list[dict[str, Any]] = []
    for day in sorted(path for path in daily.iterdir() if path.is_dir()):
        for feed in sorted((day / "output").glob("*.xml.gz")):
            items += entries(gzip.decompress(feed.read_bytes()), feed.name.split(".")[0], day.name)
    for feed in sorted(extra.glob("*.xml")):
        items += entries(feed.read_bytes(), feed.stem, EXTRA_DATE)
    return items


def embedded(data: Path, links: Sequence[str]) -> tuple[Any, str]:
    """The vectors the pipeline embeds (``briefing.pipeline.embedding_text``) for the snapshot items at ``links``
    (each link's first copy), and the encoder's id: what the ranker's vector models are fitted on.

    Raises:
        DataMissing: a snapshot folder is absent, or a link is in no snapshot (the message names the first).
    """
    from briefing.embed import Encoder
    from briefing.models import Article
    from briefing.pipeline import embedding_text

    pool: dict[str, dict[str, Any]] = {}
    for item in snapshot_items(data):
        pool.setdefault(item["link"], item)
    missing = [link for link in links if link not in pool]
    if missing:
        raise DataMissing(f"{len(missing)} labelled links are not in the snapshots, e.g. {missing[0]}")
    texts = [embedding_text(Article(id=0, title=pool[link]["title"], text=pool[link]["description"], url=link,
                                    published=None, content_hash="")) for link in links]  # type: ignore[arg-type]
    encoder = Encoder()
    return encoder.encode(texts), encoder.model_id


def build_pool(data: Path) -> list[dict[str, Any]]:
    """The deduplicated pool, in order of first appearance; DataMissing if a snapshot folder is absent."""
    items = snapshot_items(data)
    links: set[str] = set()
    titles: set[str] = set()
    pool = []
    for item in items:
        if item["link"] in links or item["title"].lower() in titles:
            continue
        links.add(item["link"])
        titles.add(item["title"].lower())
        pool.append(item)
    return pool


def is_cue(item: dict[str, Any]) -> bool:
    return CUE.search(f"{item['title']} {item['description']}") is not None


def unlabelled_cue(data: Path, pool: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cue items of ``pool`` that are not in ``first_events/labels.jsonl`` (by link or title)."""
    labelled = list(read_jsonl(require(data, "first_events/labels.jsonl")))
    seen_links = {row["link"] for row in labelled}
    seen_titles = {row["title"].lower() for row in labelled}
    return [item for item in pool if is_cue(item)
            and item["link"] not in seen_links and item["title"].lower() not in seen_titles]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    data = Path(argv[0]) if argv else default_data_dir()
    try:
        pool = build_pool(data)
        fresh = unlabelled_cue(data, pool)
    except DataMissing as exc:
        print(f"first_events_pool: {exc}", file=sys.stderr)
        return 2
    print(f"pool {len(pool)}, cue {sum(is_cue(item) for item in pool)}", file=sys.stderr)
    for item in fresh:
        print(json.dumps(item, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
