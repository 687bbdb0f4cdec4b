"""``python -m bench <task> [--data DIR] [--limit N] [--out DIR] ...``; ``python -m bench <task> -h`` for options."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from .common import DEFAULT_OUT, DataMissing, default_data_dir

TASKS = {
    "summaries": "ROUGE on CNN/DM: Lead-3, our backends, sumy LexRank/TextRank, newspaper4k",
    "novelty": "UCI News stream replay: novelty AP/P@k vs TF-IDF first-story detection; B-cubed clustering",
    "throughput": "a synthetic day of N feed entries through the real Pipeline: cold and cached",
    "season": "the daily/ snapshots of five real feeds replayed day by day: repeats, statuses, time",
    "feeds": "every feed file under feeds/, daily/, daily_extra/ through parse_feed: ok/bozo/rejected/crashed",
    "ranking": "a simulated reader of 20 UCI publishers through the real Pipeline: NDCG@10 of new stories vs baselines",
    "guard": "CNN/DM references and script-made unfaithful variants: precision/recall of the faithfulness guard",
    "instruct": "CNN/DM: ROUGE of instruct briefs (raw, guarded) vs extractive and Lead-3; speed, RSS, load times",
    "briefs": "real season days through the Pipeline with the instruct backend: extractive vs instruct vs guard, "
              "side by side (markdown table)",
    "seq2seq": "CNN/DM: ROUGE of a local BART/T5/PEGASUS (raw, guarded) vs extractive and Lead-3; speed, RSS (--model)",
    "fingerprint": "briefing JSON, summaries and vectors of the demo, real days and a CNN/DM day; --against compares",
    "first-events": "hand-labelled headlines: first-time-event precision/recall, old cue words vs briefing.firsts",
    "terms": "names and numbers in real feed texts: the casing rule against spaCy NER (seconds per 1,000, RSS)",
    "editor": "real season days against blind editor grades: NDCG@10 of the briefing vs feed order, newest, coverage",
    "store": "the store alone on a synthetic day, step by step: SQLite, and PostgreSQL with --store URL",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description="The briefing benchmark harness.")
    sub = parser.add_subparsers(dest="task", required=True, metavar="TASK")
    for name, help_text in TASKS.items():
        task = sub.add_parser(name, help=help_text, description=help_text)
        task.add_argument("--data", type=Path, default=None,
                          help="evaluation data folder (default: $BRIEFING_DATA, else ../shared/data)")
        task.add_argument("--limit", type=int, default=None, help="only the first N items (quick runs)")
        task.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results folder (default: bench/results)")
        _module(name).add_arguments(task)
    return parser


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"bench.{name.replace('-', '_')}")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    if args.data is None:
        args.data = default_data_dir()
    if args.limit is not None and args.limit < 1:
        print(f"bench {args.task}: --limit must be at least 1")
        return 2
    try:
        return int(_module(args.task).run(args) or 0)
    except DataMissing as exc:
        print(f"bench {args.task}: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
