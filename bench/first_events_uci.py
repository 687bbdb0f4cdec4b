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

A second sample, ``bench/data/first_events_uci2.jsonl`` (``second_sample``), is drawn the same way with seed 2015,
excluding every story of the first sample; it is labelled blind and kept for one later scoring.

``python -m bench first-events --uci`` scores ``briefing.firsts.first_event(title, "")`` (headline only: UCI has
no description) and the old cue words of ``bench/first_events.py`` on it.

    python -m bench.first_events_uci [DATA_DIR] > sample.jsonl   # the sample with its titles, for labelling
    python -m bench.first_events_uci --second [DATA_DIR]          # the second sample (seed 2015, other stories)
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefing.firsts import first_event

from .common import REPO, DataMissing, default_data_dir, read_jsonl, require, table, write_result
from .first_events import counts, old_first_cue, scores
from .first_events_pool import CUE

STREAM = "uci_news/stream_dev.jsonl.gz"
LABEL_FILE = REPO / "bench" / "data" / "first_events_uci.jsonl"
SEED = 2014
LABEL_FILE_2 = REPO / "bench" / "data" / "first_events_uci2.jsonl"
SEED_2 = 2015  # the second sample: same sizes, excluding every story of the first
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
           seed: int = SEED, exclude_stories: Iterable[str] = ()) -> list[dict[str, Any]]:
    """``sizes`` items per stratum, one per UCI story across both strata, deterministic for a seed.

    Each returned item is the stream's row plus ``stratum``; cue items first, then random, each in stream order.
    No item of a story in ``exclude_stories`` is taken. Fewer than asked where a stratum runs out of stories.
    """
    sizes = dict(SIZES if sizes is None else sizes)
    headlines = pool(stream)
    rng = random.Random(seed)
    taken: set[str] = set(exclude_stories)
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


def second_sample(stream: Iterable[dict[str, Any]], sizes: dict[str, int] | None = None,
                  seed: int = SEED_2, first_seed: int = SEED) -> list[dict[str, Any]]:
    """The second sample (``first_events_uci2.jsonl``): ``sample`` with ``seed``, excluding every story of the first
    sample (``sample`` with ``first_seed`` and the same ``sizes``)."""
    stream = list(stream)
    first = {item["story"] for item in sample(stream, sizes, first_seed)}
    return sample(stream, sizes, seed, exclude_stories=first)


class UnknownId(Exception):
    """A labelled UCI id is not in the stream."""


@dataclass(frozen=True)
class Labelled:
    id: int
    story: str
    stratum: str
    label: int
    kind: str
    note: str
    title: str


def load(labels: Path, stream: Iterable[dict[str, Any]], limit: int | None = None) -> list[Labelled]:
    """The labels of ``labels`` with each title rebuilt from ``stream`` by UCI id; UnknownId (one line, naming the id)
    if an id is not in the stream."""
    rows = list(read_jsonl(labels))[:limit]
    wanted = {int(row["id"]) for row in rows}
    titles = {int(item["id"]): item["title"] for item in stream if int(item["id"]) in wanted}
    items = []
    for number, row in enumerate(rows, 1):
        title = titles.get(int(row["id"]))
        if title is None:
            raise UnknownId(f"labelled UCI id {row['id']} is not in the stream ({labels}, line {number})")
        items.append(Labelled(id=int(row["id"]), story=row["story"], stratum=row["stratum"], label=int(row["label"]),
                              kind=row.get("kind", ""), note=row.get("note", ""), title=title))
    return items


def detectors() -> dict[str, Callable[[str], str | None]]:
    """``new-title``: ``briefing.firsts.first_event(title, "")``; ``old``: the cue words of 7115e48 on the title."""
    def new_title(title: str) -> str | None:
        event = first_event(title, "")
        return None if event is None else f"{event.where}: {event.phrase}"

    return {"new-title": new_title, "old": old_first_cue}


def evaluate(items: Sequence[Labelled], hits: Sequence[str | None], pool_size: dict[str, int]) -> dict[str, Any]:
    """Counts and scores per stratum and over the whole file, and pool-weighted rates."""
    metrics: dict[str, Any] = {}
    for stratum in ("all", *STRATA):
        chosen = [i for i, item in enumerate(items) if stratum in ("all", item.stratum)]
        found = counts([items[i] for i in chosen], [hits[i] is not None for i in chosen])  # type: ignore[misc]
        metrics[stratum] = {**found, **scores(found["tp"], found["fp"], found["fn"])}
    tp = fp = fn = 0.0
    for stratum in STRATA:
        block = metrics[stratum]
        if block["n"]:
            scale = pool_size[stratum] / block["n"]
            tp, fp, fn = tp + block["tp"] * scale, fp + block["fp"] * scale, fn + block["fn"] * scale
    metrics["pool_weighted"] = {**scores(tp, fp, fn), "est_positives": tp + fn, "est_flagged": tp + fp}
    return metrics


def errors(items: Sequence[Labelled], hits: Sequence[str | None]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {"false_positives": [], "false_negatives": []}
    for item, hit in zip(items, hits, strict=True):
        if bool(hit) != bool(item.label):
            found["false_positives" if hit else "false_negatives"].append(
                {"id": item.id, "stratum": item.stratum, "title": item.title, "kind": item.kind, "note": item.note,
                 "found": hit or ""})
    return found


def run(args: argparse.Namespace) -> int:
    """``python -m bench first-events --uci``: both detectors on the UCI labels, per stratum and pool-weighted."""
    labels = getattr(args, "uci_labels", None) or LABEL_FILE
    stream_path = args.data / STREAM
    if not stream_path.exists():
        print(f"bench first-events --uci: skipped: UCI stream not found: {stream_path} "
              "(pass --data DIR or set BRIEFING_DATA)")
        return 0
    if not labels.exists():
        print(f"bench first-events --uci: skipped: label file not found: {labels}")
        return 0
    stream = list(read_jsonl(stream_path))
    try:
        items = load(labels, stream, args.limit)
    except UnknownId as exc:
        print(f"bench first-events --uci: {exc}")
        return 2
    pool_size = pool_sizes(pool(stream))
    found = {name: [detect(item.title) for item in items] for name, detect in detectors().items()}
    metrics = {name: evaluate(items, hits, pool_size) for name, hits in found.items()}
    listed = {name: errors(items, hits) for name, hits in found.items()}

    positives = {stratum: sum(i.label for i in items if i.stratum == stratum) for stratum in STRATA}
    print(f"first-events --uci: {len(items)} UCI headlines labelled blind ({labels.name}), "
          f"{sum(i.label for i in items)} positive (cue {positives['cue']}, random {positives['random']}); "
          f"pool: {pool_size['cue']:,} cue and {pool_size['random']:,} other distinct headlines")
    print("  new-title = briefing.firsts.first_event(title, \"\") (UCI has headlines only); "
          "old = the cue words of 7115e48 on the title\n")
    rows = [[name, stratum, m["n"], m["positives"], m["tp"], m["fp"], m["fn"], m["tn"], m["precision"], m["recall"],
             m["f1"]] for name, block in metrics.items() for stratum, m in block.items() if stratum != "pool_weighted"]
    print(table(["detector", "stratum", "n", "pos", "TP", "FP", "FN", "TN", "precision", "recall", "F1"], rows))
    weighted_rows = [[name, block["pool_weighted"]["est_positives"], block["pool_weighted"]["est_flagged"],
                      block["pool_weighted"]["precision"], block["pool_weighted"]["recall"],
                      block["pool_weighted"]["f1"]] for name, block in metrics.items()]
    print(f"\npool-weighted estimates (cue {pool_size['cue']:,}, random {pool_size['random']:,} headlines):")
    print(table(["detector", "est. positives", "est. flagged", "precision", "recall", "F1"], weighted_rows,
                digits=[0, 0, 0, 2, 2, 2]))
    for name, block in listed.items():
        for key, text in (("false_positives", "false positives"), ("false_negatives", "false negatives")):
            entries = block[key]
            header = " (stratum, id | title | kind | note | found)" if entries else ""
            print(f"\n{name}: {len(entries)} {text}{header}")
            for entry in entries:
                found_text = f" | {entry['found']}" if entry["found"] else ""
                print(f"  [{entry['stratum']}, {entry['id']}] {entry['title']} | {entry['kind']} | {entry['note']}"
                      f"{found_text}")
    payload = {"labels": str(labels), "stream": STREAM, "items": len(items), "positives": positives,
               "pool": pool_size, "sample": {"seed": SEED, "sizes": SIZES},
               "detectors": {"new-title": "briefing.firsts.first_event(title, '')",
                             "old": "briefing.rank.first_cue at 7115e48 with RankConfig().first_cues, on the title"},
               "metrics": metrics, "errors": listed}
    name = "first-events-uci" if getattr(args, "uci_labels", None) is None else f"first-events-uci-{labels.stem}"
    out = write_result(args.out, name, payload, args.argv)
    print(f"\nwrote {out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    second = "--second" in argv
    argv = [arg for arg in argv if arg != "--second"]
    data = Path(argv[0]) if argv else default_data_dir()
    try:
        stream = list(read_jsonl(require(data, STREAM)))
    except DataMissing as exc:
        print(f"first_events_uci: {exc}", file=sys.stderr)
        return 2
    headlines = pool(stream)
    print(f"stream {len(stream)}, distinct headlines {len(headlines)}, {pool_sizes(headlines)}", file=sys.stderr)
    for item in second_sample(stream) if second else sample(stream):
        print(json.dumps({key: item[key] for key in ("id", "story", "stratum", "category", "title")},
                         ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
