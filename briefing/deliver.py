"""Deliver a rendered briefing: write its files atomically.

Email delivery (multipart text + HTML via smtplib, see DESIGN §7) belongs here too and
comes later; it should reuse ``briefing.render.render`` for the text and HTML parts and
run only after ``write_briefing`` has succeeded.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from briefing.errors import RenderError
from briefing.models import Briefing
from briefing.render import FORMATS, render

__all__ = ["guard_rebuild", "write_atomic", "write_briefing"]

# Mode for a new file; mkstemp would otherwise leave it readable by the owner only.
_NEW_FILE_MODE = 0o644


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, newlines untranslated) to ``path`` atomically.

    The text goes to a temporary file in the same folder, is flushed and fsynced, then
    replaces ``path`` with ``os.replace``. A reader sees the old file or the new one,
    never a partial one; on any error the temporary file is removed and ``path`` is
    left as it was. An existing file's permission bits are kept.

    Raises:
        OSError: the folder is missing or not writable, the disk is full, ...
        UnicodeEncodeError: ``text`` holds a lone surrogate.
    """
    path = Path(path)
    data = text.encode("utf-8")
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = _NEW_FILE_MODE
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def write_briefing(
    b: Briefing,
    out_dir: Path,
    formats: Sequence[str] = ("md", "html", "json"),
    *,
    title: str | None = None,
    stem: str | None = None,
) -> list[Path]:
    """Render ``b`` and write one file per format to ``out_dir/{stem}.{format}``.

    Every format is rendered before anything is written, so a render error writes
    nothing. Files are written one by one, each atomically.

    Args:
        b: the briefing.
        out_dir: the folder for the files; created with its parents when missing.
        formats: any of "md", "html", "json"; duplicates are written once.
        title: the title in the Markdown/HTML heading (``render.DEFAULT_TITLE`` when None).
        stem: the file name without extension; the briefing's date (YYYY-MM-DD) when None.

    Returns:
        The paths written, in the order of ``formats``.

    Raises:
        RenderError: an unknown format, a bad stem, or a file or folder that could not be
            written (the message names the path).
    """
    out_dir = Path(out_dir)
    stem = b.date.isoformat() if stem is None else stem
    if not stem or stem in (".", "..") or "/" in stem or os.sep in stem or (os.altsep and os.altsep in stem):
        raise RenderError(f"invalid briefing file name {stem!r}: must be a plain name, not a path")
    unknown = [fmt for fmt in formats if fmt not in FORMATS]
    if unknown:
        raise RenderError(f"unknown briefing format {unknown[0]!r} (expected one of: {', '.join(FORMATS)})")

    texts = {fmt: render(b, fmt, title=title, page=True) for fmt in dict.fromkeys(formats)}

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(f"could not create output folder {out_dir}: {_reason(exc)}") from exc

    return write_files({out_dir / f"{stem}.{fmt}": text for fmt, text in texts.items()})


def guard_rebuild(b: Briefing, out_dir: Path, stem: str | None = None) -> tuple[str, str | None]:
    """Where to write ``b`` so that a good briefing is never replaced by a worse one by accident.

    When ``out_dir/{stem}.json`` already holds a briefing with stories built from more articles than
    ``b`` (its items were pruned from the store since, or another store is in use), ``b`` goes beside it
    as ``{stem}.rebuilt`` instead.

    Returns:
        The stem to write, and a one-line warning when it is not ``stem``.
    """
    stem = b.date.isoformat() if stem is None else stem
    existing = Path(out_dir) / f"{stem}.json"
    try:
        data = json.loads(existing.read_text(encoding="utf-8"))
        old_stories = len(data["stories"])
        old_articles = int(data["stats"]["articles"])
    except (OSError, UnicodeError, ValueError, KeyError, TypeError):
        return stem, None
    new_articles = int(b.stats.get("articles", 0))
    if not old_stories or new_articles >= old_articles:
        return stem, None
    beside = f"{stem}.rebuilt"
    return beside, (
        f"warning: kept {existing.with_suffix('')}.*: it has {old_stories} stories from {old_articles} articles, "
        f"this rebuild found {new_articles} (pruned from the store since?); wrote {beside}.* beside it "
        "(--force replaces the original)"
    )


def write_files(files: Mapping[Path, str]) -> list[Path]:
    """Write each text atomically to its path, in order.

    Raises:
        RenderError: a write failed; names the path. Files written before it stay.
    """
    written: list[Path] = []
    for path, text in files.items():
        try:
            write_atomic(path, text)
        except (OSError, UnicodeError) as exc:
            raise RenderError(f"could not write {path}: {_reason(exc)}") from exc
        written.append(path)
    return written


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable on POSIX; directories cannot be opened on Windows.
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
