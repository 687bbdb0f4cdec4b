"""One run at a time, and a clean stop.

``run_lock`` is an exclusive OS file lock on ``<output dir>/.lock``, taken by ``run``,
``regenerate`` and every scheduled run, so two runs never write the same day's files at
once. The operating system drops the lock when its process dies, so a crash never leaves a
stale lock behind; the file itself stays (unlinking a lock file lets two processes lock two
different inodes). While held, the file names the holder's pid and start time.

``stop_on_signals`` turns SIGTERM/SIGINT into a request: a flag the pipeline checks between
stages. A second signal stops at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import FrameType

from .config import Config
from .errors import Interrupted, LockError

__all__ = ["LOCK_NAME", "lock_path", "read_holder", "run_lock", "stop_on_signals"]

LOCK_NAME = ".lock"
POLL_SECONDS = 0.1


def lock_path(config: Config) -> Path:
    """Where the run lock lives: ``<output dir>/.lock``."""
    return config.output_dir / LOCK_NAME


def read_holder(path: Path) -> str:
    """Who holds the lock, as written by the holder: ``pid N, started T`` (or a placeholder)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "holder unknown"


@contextlib.contextmanager
def run_lock(config: Config, wait: bool | float = False, *, should_stop: Callable[[], bool] | None = None,
             on_wait: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold the run lock for the duration of the ``with`` block.

    Args:
        config: the config; the lock is ``<output dir>/.lock`` (the folder is created).
        wait: False to fail at once when another run holds the lock, True to wait for it,
            or a number of seconds to wait at most.
        should_stop: polled while waiting; when it returns True, waiting ends.
        on_wait: told once, in a line naming the holder, when the lock is busy and we wait.

    Yields:
        The lock file's path.

    Raises:
        LockError: another run holds the lock (and ``wait`` is False or ran out); the message
            names the holder's pid and start time.
        Interrupted: ``should_stop`` asked to stop while waiting.
    """
    path = lock_path(config)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise LockError(f"cannot open lock file {path}: {exc.strerror or exc}") from exc
    try:
        deadline = None if wait is True or wait is False else time.monotonic() + float(wait)
        waiting = False
        while not _try_lock(fd):
            if wait is False:
                raise LockError(f"another briefing run holds {path} ({read_holder(path)}); "
                                "wait for it or use --wait")
            if not waiting and on_wait is not None:
                on_wait(f"waiting for another briefing run to finish: {path} ({read_holder(path)})")
            waiting = True
            if deadline is not None and time.monotonic() >= deadline:
                raise LockError(f"another briefing run still holds {path} ({read_holder(path)}) "
                                f"after waiting {float(wait):g}s")
            if should_stop is not None and should_stop():
                raise Interrupted("stopped while waiting for another briefing run to finish")
            time.sleep(POLL_SECONDS)
        try:
            _write_holder(fd)
            yield path
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            _unlock(fd)
    finally:
        os.close(fd)


def _write_holder(fd: int) -> None:
    started = datetime.now().astimezone().isoformat(timespec="seconds")
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()}, started {started}\n".encode(), 0)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    # msvcrt locks a byte range, and a locked range cannot be read by others; lock a byte far
    # past the holder's text so the message can still name the holder.
    _OFFSET = 1 << 20

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _OFFSET, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def stop_on_signals(on_stop: Callable[[], None]) -> Iterator[None]:
    """Call ``on_stop`` on the first SIGTERM/SIGINT; a second one stops the process at once.

    Handlers are installed only in the main thread (elsewhere this does nothing) and the
    previous ones are restored on exit. ``on_stop`` runs inside a signal handler: keep it to
    setting flags.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = [signal.SIGTERM, signal.SIGINT]
    previous = {signum: signal.getsignal(signum) for signum in names}
    requested = False

    def handle(signum: int, frame: FrameType | None) -> None:
        nonlocal requested
        if requested:
            # Second signal: the user means it. Output files are written atomically, so this
            # still leaves no partial file behind.
            signal.signal(signum, signal.SIG_DFL)
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            os.kill(os.getpid(), signum)
            return
        requested = True
        on_stop()

    for signum in names:
        signal.signal(signum, handle)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            if handler is not None:  # None: installed outside Python; nothing to restore
                signal.signal(signum, handler)
