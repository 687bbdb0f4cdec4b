"""Shared helpers: the data folder, JSONL reading, plain tables, JSON results."""

from __future__ import annotations

import gzip
import json
import math
import os
import platform
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "bench" / "results"
MANIFEST = "daily/manifest.jsonl"


class DataMissing(Exception):
    """The evaluation data (folder or file) is absent; the message says which and how to point at it."""


def default_data_dir() -> Path:
    """``$BRIEFING_DATA`` if set, else ``../shared/data`` relative to the repo root."""
    env = os.environ.get("BRIEFING_DATA")
    return Path(env) if env else DEFAULT_DATA


def require(data: Path, relative: str) -> Path:
    """``data/relative``, or DataMissing with a one-line reason."""
    if not data.is_dir():
        raise DataMissing(f"evaluation data folder not found: {data} (pass --data DIR or set BRIEFING_DATA)")
    path = data / relative
    if not path.exists():
        raise DataMissing(f"evaluation data file not found: {path}")
    return path


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a (possibly gzipped) JSONL file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as file:
        for line in file:
            if line.strip():
                yield json.loads(line)


def snapshots(data: Path) -> dict[date, dict[str, tuple[Path, datetime]]]:
    """Snapshot files by day, then by feed name: ``(path, snapshot time)``."""
    manifest = require(data, MANIFEST)
    days: dict[date, dict[str, tuple[Path, datetime]]] = defaultdict(dict)
    for row in read_jsonl(manifest):
        feed = Path(row["path"]).name.removesuffix(".xml.gz")
        taken = datetime.fromisoformat(row["commit_time"].replace("Z", "+00:00"))
        days[date.fromisoformat(row["date"])][feed] = (data / "daily" / row["path"], taken)
    return dict(sorted(days.items()))


def format_cell(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return f"{value:,.{digits}f}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], digits: int | Sequence[int] = 2) -> str:
    """A plain-text table: text columns left-aligned, numbers right-aligned."""
    per_col = [digits] * len(headers) if isinstance(digits, int) else list(digits)
    cells = [[format_cell(v, per_col[i]) for i, v in enumerate(row)] for row in rows]
    numeric = [
        all(isinstance(row[i], int | float) or row[i] is None for row in rows) and bool(rows)
        for i in range(len(headers))
    ]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if numeric[i] else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))]
        return "  ".join(parts).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def config_overrides(settings: Sequence[str]) -> list[tuple[str, str, Any]]:
    """``SECTION.KEY=VALUE`` strings as (section, key, value); VALUE is read as JSON, else kept as a string."""
    out = []
    for setting in settings:
        name, sep, raw = setting.partition("=")
        section, dot, key = name.strip().rpartition(".")
        if not sep or not dot or not section or not key:
            raise SystemExit(f"bench: --set {setting!r}: expected SECTION.KEY=VALUE")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out.append((section, key, value))
    return out


def write_config(path: Path, feeds: Sequence[tuple[str, str]],
                 sections: dict[str, dict[str, Any]] | None = None) -> Path:
    """A briefing config for a bench run: UTC calendar days, the store and outputs beside ``path``.

    ``feeds`` are ``(name, url)`` pairs; ``sections`` add or override keys per section. Values are
    strings, numbers or booleans, written as JSON literals (which TOML reads the same way).
    """
    tables: dict[str, dict[str, Any]] = {
        "briefing": {"timezone": "UTC", "day_ends_at": "24:00", "max_stories": 25},
        "store": {"path": "state/briefing.db"},
        "output": {"dir": "out"},
    }
    for name, values in (sections or {}).items():
        tables.setdefault(name, {}).update(values)
    lines: list[str] = []
    for name, values in tables.items():
        if values:
            lines += [f"[{name}]", *(f"{key} = {json.dumps(value)}" for key, value in values.items()), ""]
    for name, url in feeds:
        lines += ["[[feeds]]", f"url = {json.dumps(url)}", f"name = {json.dumps(name)}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def machine() -> dict[str, Any]:
    """Where the numbers were measured."""
    cpu = platform.processor() or platform.machine()
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": sys.version.split()[0], "platform": platform.platform()}


def write_result(out: Path, task: str, payload: dict[str, Any], argv: Sequence[str] | None = None) -> Path:
    """Write ``out/<task>.json`` with the command line, time and machine added."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{task}.json"
    document = {
        "task": task,
        "command": None if argv is None else "python -m bench " + " ".join(argv),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **payload,
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=1, default=_json_default) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def _json_default(value: Any) -> Any:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        np = None
    if np is not None and isinstance(value, np.generic):
        return value.item()
    if np is not None and isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")
