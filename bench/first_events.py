"""First-time-event detection on hand-labelled headlines: the old cue words vs ``briefing.firsts.first_event``.

Data, each item a headline and its feed description, label 1 = reports a first-time event (rules in
``first_events/README.md``):

- ``labels``: ``first_events/labels.jsonl``, 300 items from the daily/ and daily_extra/ feed snapshots, 11 positive.
  Two sampling strata: ``cue`` (150 of the 390 pool items matching a broad cue regex) and ``random`` (150 of the
  6,089 without one).
- ``fresh``: ``bench/data/first_events_fresh.jsonl``, the other 240 cue-stratum items of the same pool, labelled by
  a later session by the same rules before any detector was run on them (14 positive; see its ``.md``). Its
  ``quoted`` items (30) are quoted verbatim in tests/ or docs written before it was labelled. The file holds only
  each item's link and our fields; the title and description come from the pool rebuilt from the ``daily/`` and
  ``daily_extra/`` snapshots of ``--data`` (``bench/first_events_pool.py``), joined by link. Without those
  snapshots the fresh set is skipped; a labelled link missing from the pool is an error.

Detectors, each on the item's title and description:

- ``old``: the cue-word match ``briefing.rank.first_cue`` used before ``briefing.firsts`` (a verbatim copy
  below, as of commit 7115e48, with ``RankConfig().first_cues`` of that commit: the live code no longer has it).
- ``new``: ``briefing.firsts.first_event``; ``new-title``: the same on the title alone (the cue in the headline
  vs the description).
- with ``--classifier``: logistic regressions on MiniLM vectors, cross-validated (``bench/first_events_model.py``).
- ``--confirmer`` (instead): a regression confirming ``new``'s hits, cross-validated across all four label sets,
  these two and the UCI samples (``bench/first_events_confirm.py``).

Honesty: every set is split in two fixed halves by a stable hash of the link: ``sha1(link)`` even -> ``dev``,
odd -> ``heldout``. On ``labels`` both halves have been seen by the rule writing (the held-out half was scored
once clean, at stop 14: TP 1, FP 4, FN 3; its errors then shaped three rules), so its figures are in-sample.
On ``fresh`` only the dev half's errors were read while rules were changed; the held-out half was scored once
at the end. ``--hide-heldout`` prints no held-out figure or item (for working on the rules).

Counts are per half and stratum; ``pool-weighted`` estimates weight each stratum by its pool size (cue 390,
random 6,089) over its sample size in that half, as the README prescribes for pool-level rates.
"""

from __future__ import annotations

import argparse
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefing.firsts import first_event

from .common import REPO, DataMissing, read_jsonl, require, table, write_result
from .first_events_pool import build_pool

DATA_FILE = "first_events/labels.jsonl"
FRESH_FILE = REPO / "bench" / "data" / "first_events_fresh.jsonl"
POOL = {"cue": 390, "random": 6089}
"""Pool sizes of the two sampling strata (README of first_events/)."""
HALVES = ("dev", "heldout", "all")
STRATA = ("all", "cue", "random")
TARGET_PRECISION = 0.85
TARGET_RECALL = 0.70
SPLIT = "sha1(link) as an integer: even -> dev, odd -> heldout"

# --- the old detector, verbatim from briefing/rank.py and briefing/config.py at commit 7115e48 ----------------
OLD_FIRST_CUES = ["first", "for the first time", "first-ever", "unprecedented", "begins", "deploys", "launches",
                  "declares", "announces"]
_NOT_EVENTS = re.compile(
    r"\bfirst[- ](?:quarter|half|round|lady|minister|day|week|month|year|step|look|glance|class|"
    r"hand|name|place|aid|person|of its kind|set|batch|reading|pass|glimpse|impression)s?\b"
    r"|\bfirst\b[^.;:]{0,60}?\bsince\b",
    re.IGNORECASE,
)


def old_first_cue(text: str, cues: Sequence[str] = tuple(OLD_FIRST_CUES)) -> str | None:
    """The first-time cue phrase in ``text``, longest match first; ignores 'first quarter' and the like."""
    cleaned = _NOT_EVENTS.sub(" ", text)
    for cue in sorted(cues, key=len, reverse=True):
        if re.search(rf"(?<![\w-]){re.escape(cue)}(?![\w-])", cleaned, re.IGNORECASE):
            return cue
    return None


# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    title: str
    description: str
    link: str
    label: int
    kind: str
    note: str
    sample: str
    half: str  # "dev" or "heldout"
    quoted: bool = False  # fresh set: quoted in tests/ or docs before it was labelled


def half_of(link: str) -> str:
    """The fixed half of an item: by the parity of sha1(link), stable across runs and machines."""
    return "dev" if int(hashlib.sha1(link.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "heldout"


def _detectors() -> dict[str, Callable[[Item], str | None]]:
    def old(item: Item) -> str | None:
        return old_first_cue(f"{item.title} {item.description}")

    def new(item: Item) -> str | None:
        event = first_event(item.title, item.description)
        return None if event is None else f"{event.where}: {event.phrase}"

    def new_title(item: Item) -> str | None:
        event = first_event(item.title)
        return None if event is None else f"{event.where}: {event.phrase}"

    return {"old": old, "new": new, "new-title": new_title}


def counts(items: Sequence[Item], predicted: Sequence[bool]) -> dict[str, int]:
    tp = sum(1 for item, hit in zip(items, predicted, strict=True) if hit and item.label)
    fp = sum(1 for item, hit in zip(items, predicted, strict=True) if hit and not item.label)
    fn = sum(1 for item, hit in zip(items, predicted, strict=True) if not hit and item.label)
    return {"n": len(items), "positives": tp + fn, "tp": tp, "fp": fp, "fn": fn, "tn": len(items) - tp - fp - fn}


def scores(tp: float, fp: float, fn: float) -> dict[str, float | None]:
    """Precision, recall, F1; None where undefined (nothing predicted, no positives)."""
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (2 * precision * recall / (precision + recall) if precision is not None and recall is not None
          and precision + recall else (0.0 if precision is not None and recall is not None else None))
    return {"precision": precision, "recall": recall, "f1": f1}


def weighted(by_stratum: dict[str, dict[str, int]]) -> dict[str, float | None]:
    """Pool-level estimates: each stratum's counts scaled by pool size / sample size."""
    tp = fp = fn = 0.0
    for stratum, pool in POOL.items():
        found = by_stratum.get(stratum)
        if not found or not found["n"]:
            continue
        scale = pool / found["n"]
        tp += found["tp"] * scale
        fp += found["fp"] * scale
        fn += found["fn"] * scale
    return {**scores(tp, fp, fn), "est_positives": tp + fn, "est_flagged": tp + fp}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--errors", choices=("all", "new", "none"), default="all",
                        help="which detectors' false positives and negatives to list (default: all)")
    parser.add_argument("--fresh", type=Path, default=FRESH_FILE,
                        help="the second labelled set, links and labels joined to the pool rebuilt from "
                             "--data (default: bench/data/first_events_fresh.jsonl; a missing file or missing "
                             "snapshots skip it)")
    parser.add_argument("--hide-heldout", action="store_true",
                        help="print no held-out figure or item (while working on the rules)")
    parser.add_argument("--classifier", action="store_true",
                        help="also cross-validate logistic regressions on MiniLM vectors (loads the encoder)")
    parser.add_argument("--confirmer", action="store_true",
                        help="instead: a logistic regression confirming the rule's hits, cross-validated across the "
                             "four label sets (leave one set out; loads the encoder; bench/first_events_confirm.py)")
    parser.add_argument("--uci", action="store_true",
                        help="instead: the UCI headlines labelled blind (bench/data/first_events_uci.jsonl), titles "
                             "from uci_news/ of --data; skipped where the stream is absent (bench/first_events_uci.py)")
    parser.add_argument("--uci-labels", type=Path, default=None,
                        help="with --uci: another label file of the same form, e.g. bench/data/first_events_uci2.jsonl "
                             "(the second sample, seed 2015)")
    parser.add_argument("--in-context", action="store_true",
                        help="also score the detector as the ranking uses it: each item a one-article story with the "
                             "days before as history (loads the encoder; bench/first_events_context.py)")


class UnknownLink(Exception):
    """A labelled link of the fresh set is not in the pool rebuilt from the snapshots."""


def _item(row: dict[str, Any]) -> Item:
    return Item(title=row["title"], description=row.get("description") or "", link=row["link"],
                label=int(row["label"]), kind=row.get("kind", ""), note=row.get("note", ""),
                sample=row.get("sample", ""), half=half_of(row["link"]), quoted=bool(row.get("quoted", False)))


def load(path: Path, limit: int | None) -> list[Item]:
    """A label file that holds each item's text (``first_events/labels.jsonl``)."""
    rows = list(read_jsonl(path))
    return [_item(row) for row in rows[:limit]]


def load_fresh(path: Path, data: Path, limit: int | None) -> list[Item]:
    """The fresh labels (link and our fields) joined by link to the pool rebuilt from ``data``'s snapshots.

    DataMissing if the snapshots are absent; UnknownLink, naming the link and the file, if a link is not in the pool.
    """
    rows = list(read_jsonl(path))[:limit]
    if not rows:
        return []
    pool = {item["link"]: item for item in build_pool(data)}
    items = []
    for number, row in enumerate(rows, 1):
        found = pool.get(row["link"])
        if found is None:
            raise UnknownLink(f"labelled link not in the pool built from {data}: {row['link']} ({path}, line {number})")
        items.append(_item({**row, **found}))
    return items


def evaluate(items: Sequence[Item], found: dict[str, list[str | None]], halves: Sequence[str],
             strata: Sequence[str]) -> tuple[dict[str, Any], list[list[Any]]]:
    """Counts and scores per detector, half and stratum (a stratum is a ``sample`` value, "quoted",
    "unquoted" or "all")."""
    metrics: dict[str, Any] = {}
    rows = []
    for name, hits in found.items():
        metrics[name] = {}
        for half in halves:
            chosen = [i for i, item in enumerate(items) if half == "all" or item.half == half]
            per_stratum = {}
            for stratum in strata:
                picked = [i for i in chosen if _in_stratum(items[i], stratum)]
                found_counts = counts([items[i] for i in picked], [hits[i] is not None for i in picked])
                c = per_stratum[stratum] = {**found_counts, **scores(found_counts["tp"], found_counts["fp"],
                                                                     found_counts["fn"])}
                rows.append([name, half, stratum, c["n"], c["positives"], c["tp"], c["fp"], c["fn"], c["tn"],
                             c["precision"], c["recall"], c["f1"]])
            metrics[name][half] = per_stratum
    return metrics, rows


def _in_stratum(item: Item, stratum: str) -> bool:
    if stratum == "all":
        return True
    if stratum in ("quoted", "unquoted"):
        return item.quoted == (stratum == "quoted")
    return item.sample == stratum


def list_errors(name: str, items: Sequence[Item], hits: Sequence[str | None], halves: Sequence[str],
                show: bool) -> dict[str, list[dict[str, Any]]]:
    """Every false positive and false negative of one detector; printed when ``show``."""
    errors: dict[str, list[dict[str, Any]]] = {"false_positives": [], "false_negatives": []}
    for item, hit in zip(items, hits, strict=True):
        if bool(hit) == bool(item.label) or item.half not in halves:
            continue
        key = "false_positives" if hit else "false_negatives"
        errors[key].append({"half": item.half, "sample": item.sample, "quoted": item.quoted, "title": item.title,
                            "kind": item.kind, "note": item.note, "found": hit or ""})
    if show:
        for key, label in (("false_positives", "false positives"), ("false_negatives", "false negatives")):
            listed = errors[key]
            print(f"\n{name}: {len(listed)} {label}" + (" (half, stratum | title | kind | note | found)"
                                                        if listed else ""))
            for half in ("heldout", "dev"):
                for entry in (e for e in listed if e["half"] == half):
                    found_text = f" | {entry['found']}" if entry["found"] else ""
                    quoted = ", quoted" if entry["quoted"] else ""
                    print(f"  [{half}, {entry['sample']}{quoted}] {entry['title']} | {entry['kind']} | "
                          f"{entry['note']}{found_text}")
    return errors


def run(args: argparse.Namespace) -> int:
    if getattr(args, "confirmer", False):
        from .first_events_confirm import run as run_confirmer

        return run_confirmer(args)
    if getattr(args, "uci", False):
        from .first_events_uci import run as run_uci

        return run_uci(args)
    items = load(require(args.data, DATA_FILE), args.limit)
    if not items:
        print(f"bench first-events: no items in {args.data / DATA_FILE}")
        return 2
    fresh: list[Item] = []
    fresh_skipped = None
    if args.fresh is None:
        fresh_skipped = "no label file given"
    elif not args.fresh.exists():
        fresh_skipped = f"label file not found: {args.fresh}"
    else:
        try:
            fresh = load_fresh(args.fresh, args.data, args.limit)
        except DataMissing as exc:
            fresh_skipped = str(exc)
        except UnknownLink as exc:
            print(f"bench first-events: {exc}")
            return 2
    visible = ("dev",) if args.hide_heldout else ("dev", "heldout")
    halves = ("dev",) if args.hide_heldout else HALVES
    detectors = _detectors()
    found = {name: [detect(item) for item in items] for name, detect in detectors.items()}
    found_fresh = {name: [detect(item) for item in fresh] for name, detect in detectors.items()}

    metrics, rows = evaluate(items, found, halves, STRATA)
    weighted_rows = []
    for name in detectors:
        for half in halves:
            estimate = metrics[name][half]["pool_weighted"] = weighted(metrics[name][half])
            weighted_rows.append([name, half, estimate["est_positives"], estimate["est_flagged"],
                                  estimate["precision"], estimate["recall"], estimate["f1"]])

    counted = {half: sum(item.half == half for item in items) for half in ("dev", "heldout")}
    print(f"first-events: {len(items)} labelled items, {sum(item.label for item in items)} positive; "
          f"halves by {SPLIT}")
    print(f"  dev: {counted['dev']} items ({sum(i.label for i in items if i.half == 'dev')} positive) | "
          f"heldout: {counted['heldout']} items ({sum(i.label for i in items if i.half == 'heldout')} positive)")
    print("  old = briefing.rank.first_cue as of 7115e48 (cue words); new = briefing.firsts.first_event; "
          "new-title = the same on the title alone\n")
    print("labels (first_events/labels.jsonl; both halves seen by the rule writing: in-sample)")
    print(table(["detector", "half", "stratum", "n", "pos", "TP", "FP", "FN", "TN", "precision", "recall", "F1"],
                rows))
    print("\npool-weighted estimates (cue 390, random 6,089 pool items):")
    print(table(["detector", "half", "est. positives", "est. flagged", "precision", "recall", "F1"],
                weighted_rows, digits=[0, 0, 1, 1, 2, 2, 2]))

    fresh_metrics: dict[str, Any] = {}
    if fresh:
        fresh_metrics, fresh_rows = evaluate(fresh, found_fresh, halves, ("all", "quoted", "unquoted"))
        print(f"\nfresh ({args.fresh.name}; {len(fresh)} cue-stratum items, {sum(i.label for i in fresh)} positive; "
              f"dev half read while changing rules, held-out half scored once at the end)")
        print(table(["detector", "half", "stratum", "n", "pos", "TP", "FP", "FN", "TN", "precision", "recall",
                     "F1"], fresh_rows))
    elif fresh_skipped:
        print(f"\nfresh set skipped: {fresh_skipped}")

    target: dict[str, Any] = {"precision": TARGET_PRECISION, "recall": TARGET_RECALL}
    if not args.hide_heldout and fresh:
        held = fresh_metrics["new"]["heldout"]["all"]
        target.update(on="fresh heldout", met=_met(held))
        print(f"\ntarget precision >= {TARGET_PRECISION} at recall >= {TARGET_RECALL}, fresh held-out half (cue "
              f"stratum only): {'met' if target['met'] else 'missed'} (TP {held['tp']}, FP {held['fp']}, "
              f"FN {held['fn']}: precision {_fmt(held['precision'])}, recall {_fmt(held['recall'])})")
    whole = metrics["new"]["dev" if args.hide_heldout else "all"]["all"]
    print(f"labels ({'dev half' if args.hide_heldout else 'all 300'}, in-sample): TP {whole['tp']}, FP {whole['fp']}, "
          f"FN {whole['fn']}: precision {_fmt(whole['precision'])}, recall {_fmt(whole['recall'])}")

    classifier: dict[str, Any] = {}
    if args.classifier:
        from .first_events_model import cross_validate

        classifier = cross_validate(items, fresh, found["new"], found_fresh["new"], hide_heldout=args.hide_heldout)

    errors: dict[str, Any] = {"labels": {}, "fresh": {}}
    shown = () if args.errors == "none" else ("new",) if args.errors == "new" else tuple(detectors)
    for name in detectors:
        if name in shown:
            print(f"\n--- labels: {name} ---", end="")
        errors["labels"][name] = list_errors(name, items, found[name], visible, name in shown)
    for name in detectors:
        if not fresh:
            break
        if name in shown:
            print(f"\n--- fresh: {name} ---", end="")
        errors["fresh"][name] = list_errors(name, fresh, found_fresh[name], visible, name in shown)

    context: dict[str, Any] = {}
    if args.in_context:
        from .first_events_context import in_context

        context = in_context(items, fresh, args.data, args.out, show_heldout=not args.hide_heldout)

    payload = {
        "data": DATA_FILE,
        "items": len(items),
        "positives": sum(item.label for item in items),
        "split": {"method": SPLIT, "dev": counted["dev"], "heldout": counted["heldout"],
                  "developed_on": "labels: both halves; fresh: dev", "measured_on": "fresh heldout",
                  "note": "labels: rules written from the dev half, then three from the held-out half's errors "
                          "(stop 14 clean held-out: TP 1, FP 4, FN 3); fresh: labelled before scoring"},
        "fresh": {"file": str(args.fresh) if fresh else None, "items": len(fresh),
                  "positives": sum(item.label for item in fresh), "metrics": fresh_metrics,
                  "text": "joined by link to the pool rebuilt from daily/ and daily_extra/ of the data folder",
                  "skipped": fresh_skipped},
        "detectors": {"old": "briefing.rank.first_cue at 7115e48 with RankConfig().first_cues, on title + description",
                      "new": "briefing.firsts.first_event(title, description)",
                      "new-title": "briefing.firsts.first_event(title)"},
        "pool": POOL,
        "target": target,
        "metrics": metrics,
        "classifier": classifier,
        "errors": errors,
        "in_context": context,
        "hide_heldout": args.hide_heldout,
    }
    out = write_result(args.out, "first-events", payload, args.argv)
    print(f"\nwrote {out}")
    return 0


def _met(block: dict[str, Any]) -> bool:
    return (block["precision"] is not None and block["recall"] is not None
            and block["precision"] >= TARGET_PRECISION and block["recall"] >= TARGET_RECALL)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
