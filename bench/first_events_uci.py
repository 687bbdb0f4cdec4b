"""First-time events on a second domain: UCI News Aggregator headlines (2014), labelled blind.

``bench/data/first_events_uci.jsonl`` holds 400 items of ``uci_news/stream_dev.jsonl.gz`` labelled by the rules of
``first_events/README.md`` before any detector was run on them (``bench/data/first_events_uci.md``). It keeps
only each item's UCI ``id``, ``story``, ``stratum`` and our fields (``label``, ``kind``, ``note``); the headline is
rebuilt from the stream by id.

Sampling (``sample``): the stream's items deduplicated by normalised title (first appearance kept) are the pool.
``cue`` stratum: pool headlines whose title matches the broad cue regex of the first_events README
(``bench.first_events_pool.CUE``); ``random`` stratum: the others. Each stratum's headlines are shuffled with a
fixed seed and walked in that order, taking a headline unless its UCI story is already taken (by either stratum),
until 300 cue and 100 random items: 400 distinct stories. That is close to a simple random sample of each
stratum's headlines, so a stratum's counts are scaled by its pool size (distinct headlines) over its sample size
for pool-weighted rates.

``python -m bench first-events --uci`` scores ``briefing.firsts.first_event(title, "")`` (headline only: UCI has
no description) and the old cue words of ``bench/first_events.py`` on it.

    python -m bench.first_events_uci [DATA_DIR] > sample.jsonl   # the sample with its titles, for labelling
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .common import REPO, DataMissing, default_data_dir, read_jsonl, require
from .first_events_pool import CUE

STREAM = "uci_news/stream_dev.jsonl.gz"
LABEL_FILE = REPO / "bench" / "data" / "first_events_uci.jsonl"
SEED = 2014
SIZES = {"cue": 300, "random": 100}
STRATA = ("cue", "random")

_NON_WORD = re.compile(r"[\W_]+")


def normalise(title: str) -> str:
    """Lowercased NFKC title with every run of non-word characters one space: the dedup key."""
    return " ".join(_NON_WORD.sub(" ", unicodedata.normalize("NFKC", title).lower()).split())


def is_cue(title: str) -> bool:
    return CUE.search(title) is not None


def pool(stream: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stream's items deduplicated by normalised title, first appearance (stream order) kept."""
    seen: set[str] = set()
    kept = []
    for item in stream:
        key = normalise(item["title"])
        if not key or key in seen:
            continue
        seen.add(key)
        kept.append(item)
    return kept


def pool_sizes(items: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Distinct headlines per stratum."""
    cue = sum(is_cue(item["title"]) for item in items)
    return {"cue": cue, "random": len(items) - cue}


def sample(stream: Iterable[dict[str, Any]], sizes: dict[str, int] | None = None,
           seed: int = SEED) -> list[dict[str, Any]]:
    """``sizes`` items per stratum, one per UCI story across both strata, deterministic for a seed.

    Each returned item is the stream's row plus ``stratum``; cue items first, then random, each in stream order.
    Fewer than asked where a stratum runs out of stories.
    """
    sizes = dict(SIZES if sizes is None else sizes)
    headlines = pool(stream)
    rng = random.Random(seed)
    taken: set[str] = set()
    chosen: list[dict[str, Any]] = []
    for stratum in STRATA:
        candidates = [item for item in headlines if is_cue(item["title"]) == (stratum == "cue")]
        rng.shuffle(candidates)
        picked = []
        for item in candidates:
            if len(picked) >= sizes.get(stratum, 0):
                break
            if item["story"] in taken:
                continue
            taken.add(item["story"])
            picked.append({**item, "stratum": stratum})
        chosen += sorted(picked, key=lambda item: (item["timestamp"], item["id"]))
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    data = Path(argv[0]) if argv else default_data_dir()
    try:
        stream = list(read_jsonl(require(data, STREAM)))
    except DataMissing as exc:
        print(f"first_events_uci: {exc}", file=sys.stderr)
        return 2
    headlines = pool(stream)
    print(f"stream {len(stream)}, distinct headlines {len(headlines)}, {pool_sizes(headlines)}", file=sys.stderr)
    for item in sample(stream):
        print(json.dumps({key: item[key] for key in ("id", "story", "stratum", "category", "title")},
                         ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
