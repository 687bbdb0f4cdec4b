"""Benchmark harness: ``python -m bench <task>`` (summaries, novelty, throughput, feeds).

Each task reads the evaluation data (``--data``, default ``../shared/data`` beside the repo),
prints a plain-text table and writes ``<out>/<task>.json`` (``--out``, default ``bench/results``).
See DESIGN.md §10 and ``docs/BENCHMARKS.md``.
"""
